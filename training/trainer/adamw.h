// adamw.h — one AdamW update (torch.optim.AdamW's formulation: decoupled weight decay, bias-corrected moments) and the
// EMA of the weights after it, for one parameter. On the CPU with float32 tensors it is a single pass over memory
// (the tensor-op form is ~10 passes: 17 % of a nano training step, 0.11 s of 0.63 s); elsewhere it is the tensor ops.
#pragma once
#include <ATen/core/Tensor.h>

namespace mumu::training {

struct AdamWHyper {
  double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = 0.01;
  int64_t step = 1;         // 1-based: the bias corrections use it
  double emaDecay = 0.0;    // ≤ 0: no EMA
  double gradScale = 1.0;   // the gradient is used times this (gradient clipping without a pass of its own)
  bool fuse = true;         // false: always the tensor ops (benchmarks compare the two)
};

// param -= lr · (wd · param + m̂ / (√v̂ + eps)) with the moments updated from gradScale · grad first; then ema = d · ema + (1 − d) ·
// param when emaDecay > 0 (ema must then be defined). Every tensor is updated in place. Returns whether the fused pass
// ran (else the tensor ops did).
bool adamwStep(at::Tensor& param, const at::Tensor& grad, at::Tensor& expAvg, at::Tensor& expAvgSq, at::Tensor* ema,
               const AdamWHyper& h);

// Σ grad² in double precision (one pass on float32 CPU tensors).
double sumOfSquares(const at::Tensor& grad);

}  // namespace mumu::training
