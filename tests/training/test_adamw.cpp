// test_adamw.cpp — the fused CPU AdamW + EMA step against the tensor-op formulation (torch.optim.AdamW's), and the
// double-precision sum of squares used for the global gradient norm.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "training/trainer/adamw.h"

namespace mumu::training {
namespace {

struct State {
  at::Tensor p, m, v, e;
};

State randomState(int64_t n, uint64_t seed) {
  auto gen = at::detail::createCPUGenerator(seed);
  State s;
  s.p = at::randn({n}, gen);
  s.m = at::randn({n}, gen) * 0.1;
  s.v = at::rand({n}, gen) * 0.01;
  s.e = s.p.clone();
  return s;
}

// A non-contiguous view forces the tensor-op path on the same numbers.
at::Tensor strided(const at::Tensor& t) {
  at::Tensor wide = at::zeros({t.numel(), 2});
  wide.select(1, 0).copy_(t);
  return wide.select(1, 0);
}

TEST(AdamW, FusedStepMatchesTheTensorOpsOverManySteps) {
  const int64_t n = 100003;  // not a multiple of any vector width, several parallel chunks
  State fused = randomState(n, 1), ref = randomState(n, 1);
  at::Tensor rp = strided(ref.p), rm = strided(ref.m), rv = strided(ref.v), re = strided(ref.e);
  ASSERT_FALSE(rp.is_contiguous());
  auto gen = at::detail::createCPUGenerator(7);
  AdamWHyper h;
  h.lr = 3e-3, h.weightDecay = 0.05, h.emaDecay = 0.99;
  for (int64_t step = 1; step <= 20; ++step) {
    at::Tensor grad = at::randn({n}, gen);
    h.step = step;
    h.gradScale = step % 3 == 0 ? 0.25 : 1.0;  // clipping on some steps
    ASSERT_TRUE(adamwStep(fused.p, grad, fused.m, fused.v, &fused.e, h));  // the fused pass ran
    ASSERT_FALSE(adamwStep(rp, strided(grad), rm, rv, &re, h));             // the tensor ops ran
  }
  EXPECT_TRUE(at::allclose(fused.p, rp, 1e-5, 1e-6)) << (fused.p - rp).abs().max().item<float>();
  EXPECT_TRUE(at::allclose(fused.m, rm, 1e-5, 1e-7));
  EXPECT_TRUE(at::allclose(fused.v, rv, 1e-5, 1e-9));
  EXPECT_TRUE(at::allclose(fused.e, re, 1e-5, 1e-6));
  // And the step did something: the weights moved away from where they started.
  EXPECT_GT((fused.p - randomState(n, 1).p).abs().max().item<float>(), 1e-2);
}

// Against libtorch's own torch::optim::AdamW (weight decay, bias corrections over 25 steps), not only against itself.
TEST(AdamW, MatchesLibtorchsAdamW) {
  const int64_t n = 4099;
  auto gen = at::detail::createCPUGenerator(11);
  at::Tensor start = at::randn({n}, gen);
  at::Tensor theirs = start.clone().requires_grad_(true);
  torch::optim::AdamW reference({theirs}, torch::optim::AdamWOptions(2e-3).betas({0.9, 0.99}).eps(1e-8).weight_decay(0.1));
  at::Tensor ours = start.clone(), m = at::zeros({n}), v = at::zeros({n});
  AdamWHyper h;
  h.lr = 2e-3, h.beta1 = 0.9, h.beta2 = 0.99, h.eps = 1e-8, h.weightDecay = 0.1;
  for (int64_t step = 1; step <= 25; ++step) {
    at::Tensor grad = at::randn({n}, gen) * (step % 2 ? 1.0 : 0.01);
    theirs.mutable_grad() = grad.clone();
    reference.step();
    h.step = step;
    ASSERT_TRUE(adamwStep(ours, grad, m, v, nullptr, h));
  }
  EXPECT_TRUE(at::allclose(ours, theirs.detach(), 1e-5, 1e-6)) << (ours - theirs.detach()).abs().max().item<float>();
  EXPECT_GT((ours - start).abs().max().item<float>(), 1e-2);
}

TEST(AdamW, FirstStepIsSignedLearningRate) {
  // Step 1 with no weight decay: m̂ = g, v̂ = g², so every weight moves by −lr · sign(g) (up to eps).
  at::Tensor p = at::zeros({8}), m = at::zeros({8}), v = at::zeros({8});
  at::Tensor g = at::tensor({1.f, -2.f, 3.f, -4.f, 0.5f, -0.5f, 10.f, -10.f});
  AdamWHyper h;
  h.lr = 0.01, h.weightDecay = 0.0, h.step = 1;
  adamwStep(p, g, m, v, nullptr, h);
  EXPECT_TRUE(at::allclose(p, -0.01 * g.sign(), 1e-5, 1e-7)) << p;
}

TEST(AdamW, WithoutEmaLeavesNoAverage) {
  State s = randomState(64, 3);
  at::Tensor before = s.e.clone();
  AdamWHyper h;  // emaDecay 0
  adamwStep(s.p, at::ones({64}), s.m, s.v, &s.e, h);
  EXPECT_TRUE(at::equal(s.e, before));
}

TEST(AdamW, SumOfSquaresIsDoublePrecision) {
  auto gen = at::detail::createCPUGenerator(5);
  at::Tensor g = at::randn({12345}, gen) * 1e3;
  const double ref = g.to(at::kDouble).pow(2).sum().item<double>();
  EXPECT_NEAR(sumOfSquares(g), ref, std::abs(ref) * 1e-12);
  EXPECT_NEAR(sumOfSquares(strided(g)), ref, std::abs(ref) * 1e-12);
  EXPECT_EQ(sumOfSquares(at::zeros({0})), 0.0);
}

}  // namespace
}  // namespace mumu::training
