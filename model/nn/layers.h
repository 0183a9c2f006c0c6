// layers.h — the primitive layers every network in model/ is built from. Unlike torch::nn's, they
// allocate their parameters uninitialised with the given TensorOptions (device, dtype) and never
// randomise them: weights come from a checkpoint, so SDXL builds in milliseconds instead of seconds of
// random init, and on the meta device a full-size model builds with shapes only (parameter counts).
// Parameter names are the PyTorch ones (`weight`, `bias`), so state dicts load unchanged.
#pragma once

#include <torch/torch.h>

namespace mumu::nn {

// y = x Wᵀ + b.  W: [out, in], b: [out]
struct LinearImpl : torch::nn::Module {
  LinearImpl(int64_t in, int64_t out, bool bias, const at::TensorOptions& o);
  at::Tensor forward(const at::Tensor& x);
  int64_t inFeatures, outFeatures;
  at::Tensor weight, bias;
};
TORCH_MODULE(Linear);

// 2-D convolution, square kernel.  W: [out, in, k, k], b: [out]
struct Conv2dImpl : torch::nn::Module {
  Conv2dImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t padding, bool bias,
             const at::TensorOptions& o);
  at::Tensor forward(const at::Tensor& x);
  int64_t inChannels, outChannels, kernel, stride, padding;
  at::Tensor weight, bias;
};
TORCH_MODULE(Conv2d);

// GroupNorm over [B, C, ...] (computed in float32 when the input is half precision, as autocast does).
struct GroupNormImpl : torch::nn::Module {
  GroupNormImpl(int64_t groups, int64_t channels, double eps, bool affine, const at::TensorOptions& o);
  at::Tensor forward(const at::Tensor& x);
  int64_t groups, channels;
  double eps;
  at::Tensor weight, bias;
};
TORCH_MODULE(GroupNorm);

// LayerNorm over the last dimension.
struct LayerNormImpl : torch::nn::Module {
  LayerNormImpl(int64_t dim, double eps, bool affine, bool bias, const at::TensorOptions& o);
  at::Tensor forward(const at::Tensor& x);
  int64_t dim;
  double eps;
  at::Tensor weight, bias;
};
TORCH_MODULE(LayerNorm);

// RMSNorm (Mistral / Idefics2): x / sqrt(mean(x²) + eps) · w, computed in float32.
struct RMSNormImpl : torch::nn::Module {
  RMSNormImpl(int64_t dim, double eps, const at::TensorOptions& o);
  at::Tensor forward(const at::Tensor& x);
  double eps;
  at::Tensor weight;
};
TORCH_MODULE(RMSNorm);

// Lookup table.  W: [num, dim]
struct EmbeddingImpl : torch::nn::Module {
  EmbeddingImpl(int64_t num, int64_t dim, const at::TensorOptions& o);
  at::Tensor forward(const at::Tensor& ids);
  at::Tensor weight;
};
TORCH_MODULE(Embedding);

// Total number of parameter elements (works on the meta device: shapes only).
int64_t countParameters(const torch::nn::Module& m);

// The parity data's random initialisation (tests/parity/README.md "Weight initialisation"), in
// named-module order from one generator seeded with `seed`: norm weights 1 + 0.1·N(0,1); other 1-D
// parameters 0.05·N(0,1); everything else std·N(0,1), std = clamp(1/sqrt(fan_in), 0.02, 0.2).
// Used for benchmarks, tests and as the starting point of training from scratch.
void initRandom(torch::nn::Module& m, uint64_t seed);

}  // namespace mumu::nn
