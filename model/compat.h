// compat.h — the few torch calls whose C++ spelling is awkward or has moved between 2.x releases, written once
// for model/ and training/ (libtorch 2.x from PyTorch's wheel; Debian's 1.13 is no longer built against).
// Include only from .cpp files.
#pragma once

#include <torch/torch.h>
#include <torch/version.h>
#include <ATen/autocast_mode.h>

#include <cmath>
#include <limits>
#include <optional>

static_assert(TORCH_VERSION_MAJOR >= 2, "MUMU Studio builds against libtorch 2.x (scripts/setup_torch.sh)");

namespace mumu::compat {

// Scaled dot-product attention, softmax(q kᵀ · scale + bias) v.
//   q: [B, H, Lq, D], k/v: [B, H, Lk, D], bias: additive, broadcastable to [B, H, Lq, Lk] (or undefined).
// The fused kernel: flash / memory-efficient / cuDNN on CUDA, the flash-attention CPU kernel of 2.x on the CPU,
// the math path where neither applies (an additive bias on some back ends).
inline at::Tensor attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                            const at::Tensor& bias = {}, bool causal = false,
                            std::optional<double> scale = std::nullopt) {
  const double s = scale ? *scale : 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
  return at::scaled_dot_product_attention(q, k, v, bias.defined() ? std::optional<at::Tensor>(bias) : std::nullopt,
                                          0.0, causal && !bias.defined(), s);
}

// The additive attention bias transformers builds from a boolean mask (_prepare_4d_attention_mask, the
// Mistral causal mask): 0 where `keep` is true, finfo(dtype).min elsewhere. Finite on purpose: a row with
// every key masked gets a uniform softmax, as in transformers' eager attention, instead of NaN.
inline at::Tensor additiveMask(const at::Tensor& keep, at::ScalarType dtype) {
  double lowest = 0.0;
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, dtype, "additiveMask", [&] {
    lowest = static_cast<double>(std::numeric_limits<scalar_t>::lowest());
  });
  return at::zeros(keep.sizes(), keep.options().dtype(dtype)).masked_fill(keep.logical_not(), lowest);
}

// Autocast on the CPU for a scope (the C++ API has switches, no guard).
struct CpuAutocast {
  explicit CpuAutocast(at::ScalarType dtype) {
    prevEnabled_ = at::autocast::is_autocast_enabled(at::kCPU);
    at::autocast::set_autocast_dtype(at::kCPU, dtype);
    at::autocast::set_autocast_enabled(at::kCPU, true);
  }
  ~CpuAutocast() {
    at::autocast::set_autocast_enabled(at::kCPU, prevEnabled_);
    at::autocast::clear_cache();
  }
  CpuAutocast(const CpuAutocast&) = delete;
  CpuAutocast& operator=(const CpuAutocast&) = delete;

 private:
  bool prevEnabled_ = false;
};

}  // namespace mumu::compat
