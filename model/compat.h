// compat.h — every difference between libtorch 1.13 (Debian, CI) and libtorch 2.x (CUDA builds) lives
// here, so the rest of model/ is written once. Include only from .cpp files of model/ and training/.
#pragma once

#include <torch/torch.h>
#include <torch/version.h>
#include <ATen/autocast_mode.h>

#include <cmath>
#include <limits>
#include <optional>

#define MUMU_TORCH_2 (TORCH_VERSION_MAJOR >= 2)

namespace mumu::compat {

// Scaled dot-product attention, softmax(q kᵀ · scale + bias) v.
//   q: [B, H, Lq, D], k/v: [B, H, Lk, D], bias: additive, broadcastable to [B, H, Lq, Lk] (or undefined).
// 2.x: the public fused kernel (flash / memory-efficient on CUDA). 1.13: an explicit softmax path,
// which matches at::_scaled_dot_product_attention there and is what diffusers' AttnProcessor computes.
inline at::Tensor attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                            const at::Tensor& bias = {}, bool causal = false,
                            std::optional<double> scale = std::nullopt) {
  const double s = scale ? *scale : 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
#if MUMU_TORCH_2
  return at::scaled_dot_product_attention(q, k, v, bias.defined() ? std::optional<at::Tensor>(bias) : std::nullopt,
                                          0.0, causal && !bias.defined(), s);
#else
  at::Tensor logits = at::matmul(q, k.transpose(-2, -1)) * s;  // [B, H, Lq, Lk]
  if (causal) {
    const auto Lq = q.size(-2), Lk = k.size(-2);
    auto mask = at::ones({Lq, Lk}, q.options().dtype(at::kBool)).triu(Lk - Lq + 1);
    logits = logits.masked_fill(mask, -std::numeric_limits<float>::infinity());
  }
  if (bias.defined()) logits = logits + bias;
  return at::matmul(at::softmax(logits, -1), v);
#endif
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

// Autocast on CPU: 2.x has a device-generic guard; 1.13 has only the global switches.
struct CpuAutocast {
  explicit CpuAutocast(at::ScalarType dtype) {
#if MUMU_TORCH_2
    prevEnabled_ = at::autocast::is_autocast_enabled(at::kCPU);
    at::autocast::set_autocast_dtype(at::kCPU, dtype);
    at::autocast::set_autocast_enabled(at::kCPU, true);
#else
    prevEnabled_ = at::autocast::is_cpu_enabled();
    at::autocast::set_autocast_cpu_dtype(dtype);
    at::autocast::set_cpu_enabled(true);
#endif
  }
  ~CpuAutocast() {
#if MUMU_TORCH_2
    at::autocast::set_autocast_enabled(at::kCPU, prevEnabled_);
#else
    at::autocast::set_cpu_enabled(prevEnabled_);
#endif
    at::autocast::clear_cache();
  }
  CpuAutocast(const CpuAutocast&) = delete;
  CpuAutocast& operator=(const CpuAutocast&) = delete;

 private:
  bool prevEnabled_ = false;
};

}  // namespace mumu::compat
