#include "layers.h"

#include <ATen/CPUGeneratorImpl.h>

#include "model/lora/lora.h"

#include <algorithm>
#include <cmath>

namespace mumu::nn {

LinearImpl::LinearImpl(int64_t in, int64_t out, bool withBias, const at::TensorOptions& o)
    : inFeatures(in), outFeatures(out) {
  weight = register_parameter("weight", torch::empty({out, in}, o));
  if (withBias) bias = register_parameter("bias", torch::empty({out}, o));
}

at::Tensor LinearImpl::forward(const at::Tensor& x) {
  at::Tensor y = at::linear(x, weight, bias);
  // Live LoRA adapters (model/lora): one relaxed atomic load when none is live anywhere.
  if (mumu::detail::anyLiveLora())
    if (at::Tensor d = mumu::detail::liveLoraDelta(this, x); d.defined()) y = y + d;
  return y;
}

Conv2dImpl::Conv2dImpl(int64_t in, int64_t out, int64_t k, int64_t s, int64_t p, bool withBias,
                       const at::TensorOptions& o)
    : inChannels(in), outChannels(out), kernel(k), stride(s), padding(p) {
  weight = register_parameter("weight", torch::empty({out, in, k, k}, o));
  if (withBias) bias = register_parameter("bias", torch::empty({out}, o));
}

at::Tensor Conv2dImpl::forward(const at::Tensor& x) {
  at::Tensor y = at::conv2d(x, weight, bias, {stride, stride}, {padding, padding});
  if (mumu::detail::anyLiveLora())
    if (at::Tensor d = mumu::detail::liveLoraDelta(this, x); d.defined()) y = y + d;
  return y;
}

GroupNormImpl::GroupNormImpl(int64_t g, int64_t c, double e, bool affine, const at::TensorOptions& o)
    : groups(g), channels(c), eps(e) {
  if (affine) {
    weight = register_parameter("weight", torch::empty({c}, o));
    bias = register_parameter("bias", torch::empty({c}, o));
  }
}

at::Tensor GroupNormImpl::forward(const at::Tensor& x) {
  // Half-precision group statistics lose too much: normalise in float32, return the input dtype.
  if (x.scalar_type() == at::kHalf || x.scalar_type() == at::kBFloat16) {
    auto w = weight.defined() ? weight.to(at::kFloat) : weight, b = bias.defined() ? bias.to(at::kFloat) : bias;
    return at::group_norm(x.to(at::kFloat), groups, w, b, eps).to(x.scalar_type());
  }
  return at::group_norm(x, groups, weight, bias, eps);
}

LayerNormImpl::LayerNormImpl(int64_t d, double e, bool affine, bool withBias, const at::TensorOptions& o)
    : dim(d), eps(e) {
  if (affine) {
    weight = register_parameter("weight", torch::empty({d}, o));
    if (withBias) bias = register_parameter("bias", torch::empty({d}, o));
  }
}

at::Tensor LayerNormImpl::forward(const at::Tensor& x) {
  // Under CPU autocast (1.13) activations arrive in bf16 while the weights stay float32: normalise in
  // the weights' dtype, return the input dtype.
  if (weight.defined() && x.scalar_type() != weight.scalar_type())
    return at::layer_norm(x.to(weight.scalar_type()), {dim}, weight, bias, eps).to(x.scalar_type());
  return at::layer_norm(x, {dim}, weight, bias, eps);
}

RMSNormImpl::RMSNormImpl(int64_t d, double e, const at::TensorOptions& o) : eps(e) {
  weight = register_parameter("weight", torch::empty({d}, o));
}

at::Tensor RMSNormImpl::forward(const at::Tensor& x) {
  // As transformers' MistralRMSNorm: statistics in float32, weight applied in the input dtype.
  auto h = x.to(at::kFloat);
  h = h * at::rsqrt(h.pow(2).mean(-1, /*keepdim=*/true) + eps);
  return weight * h.to(x.scalar_type());
}

EmbeddingImpl::EmbeddingImpl(int64_t num, int64_t d, const at::TensorOptions& o) {
  weight = register_parameter("weight", torch::empty({num, d}, o));
}

at::Tensor EmbeddingImpl::forward(const at::Tensor& ids) { return at::embedding(weight, ids); }

int64_t countParameters(const torch::nn::Module& m) {
  int64_t n = 0;
  for (const auto& p : m.parameters()) n += p.numel();
  return n;
}

void initRandom(torch::nn::Module& m, uint64_t seed) {
  torch::NoGradGuard noGrad;
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  for (const auto& item : m.named_modules(/*name_prefix=*/"", /*include_self=*/true)) {
    const bool isNorm = item.value()->name().find("Norm") != std::string::npos;
    for (auto& p : item.value()->named_parameters(/*recurse=*/false)) {
      at::Tensor& t = p.value();
      auto draw = at::normal(0.0, 1.0, t.sizes(), gen, at::TensorOptions().dtype(at::kFloat));
      at::Tensor v;
      if (isNorm && p.key() == "weight") {
        v = 1.0 + 0.1 * draw;
      } else if (t.dim() == 1) {
        v = 0.05 * draw;
      } else {
        const double fanIn = static_cast<double>(t.numel() / t.size(0));
        v = std::clamp(1.0 / std::sqrt(fanIn), 0.02, 0.2) * draw;
      }
      t.copy_(v);
    }
  }
}

}  // namespace mumu::nn
