// adamw.cpp — AdamW + EMA, fused on the CPU.
#include "training/trainer/adamw.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/csrc/autograd/variable.h>

#include <cmath>

namespace mumu::training {

namespace {

bool fusable(const at::Tensor& t) {
  return t.defined() && t.device().is_cpu() && t.scalar_type() == at::kFloat && t.is_contiguous();
}

}  // namespace

bool adamwStep(at::Tensor& param, const at::Tensor& grad, at::Tensor& expAvg, at::Tensor& expAvgSq, at::Tensor* ema,
               const AdamWHyper& h) {
  const bool withEma = h.emaDecay > 0 && ema != nullptr;
  const double bc1 = 1.0 - std::pow(h.beta1, static_cast<double>(h.step));
  const double bc2 = 1.0 - std::pow(h.beta2, static_cast<double>(h.step));
  const int64_t n = param.numel();
  const bool fused = h.fuse && fusable(param) && fusable(grad) && fusable(expAvg) && fusable(expAvgSq) &&
                     (!withEma || fusable(*ema)) && grad.numel() == n && expAvg.numel() == n &&
                     expAvgSq.numel() == n && (!withEma || ema->numel() == n);
  if (!fused) {
    const at::Tensor scaled = h.gradScale == 1.0 ? grad : grad * h.gradScale;
    param.mul_(1.0 - h.lr * h.weightDecay);
    expAvg.mul_(h.beta1).add_(scaled, 1.0 - h.beta1);
    expAvgSq.mul_(h.beta2).addcmul_(scaled, scaled, 1.0 - h.beta2);
    at::Tensor denom = (expAvgSq.sqrt() / std::sqrt(bc2)).add_(h.eps);
    param.addcdiv_(expAvg, denom, -h.lr / bc1);
    if (withEma) ema->mul_(h.emaDecay).add_(param, 1.0 - h.emaDecay);
    return false;
  }
  // The same formula per element, in float like the tensor ops; it agrees with them to rounding (not bit for bit: a
  // product with 1/√bc2 where they divide). A tensor always takes the same path, so a resumed run repeats exactly.
  const float decay = static_cast<float>(1.0 - h.lr * h.weightDecay);
  const float b1 = static_cast<float>(h.beta1), c1 = static_cast<float>(1.0 - h.beta1);
  const float b2 = static_cast<float>(h.beta2), c2 = static_cast<float>(1.0 - h.beta2);
  const float invSqrtBc2 = static_cast<float>(1.0 / std::sqrt(bc2));
  const float eps = static_cast<float>(h.eps), stepSize = static_cast<float>(h.lr / bc1);
  const float scale = static_cast<float>(h.gradScale);
  const float d = static_cast<float>(h.emaDecay), cd = static_cast<float>(1.0 - h.emaDecay);
  float* p = param.data_ptr<float>();
  const float* g = grad.data_ptr<float>();
  float* m = expAvg.data_ptr<float>();
  float* v = expAvgSq.data_ptr<float>();
  float* e = withEma ? ema->data_ptr<float>() : nullptr;
  at::parallel_for(0, n, 1 << 15, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const float gi = g[i] * scale;
      const float mi = b1 * m[i] + c1 * gi;
      const float vi = b2 * v[i] + c2 * gi * gi;
      m[i] = mi, v[i] = vi;
      const float pi = p[i] * decay - stepSize * mi / (__builtin_sqrtf(vi) * invSqrtBc2 + eps);
      p[i] = pi;
      if (e) e[i] = d * e[i] + cd * pi;
    }
  });
  // Written through raw pointers: advance the version counters as in-place ops do, so a graph that saved these
  // tensors still refuses to backward through the stale values.
  torch::autograd::impl::bump_version(param);
  if (withEma) torch::autograd::impl::bump_version(*ema);
  return true;
}

double sumOfSquares(const at::Tensor& grad) {
  if (!fusable(grad)) return grad.to(at::kDouble).pow(2).sum().cpu().item<double>();
  const float* g = grad.data_ptr<float>();
  double total = 0.0;
  const int64_t n = grad.numel();
  // Four partial sums: the loop vectorises and the order is fixed (the same total on every run). One thread: it is
  // ~4 ms of a nano step.
  double s[4] = {0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 4 <= n; i += 4)
    for (int k = 0; k < 4; ++k) s[k] += static_cast<double>(g[i + k]) * g[i + k];
  for (; i < n; ++i) total += static_cast<double>(g[i]) * g[i];
  return total + s[0] + s[1] + s[2] + s[3];
}

}  // namespace mumu::training
