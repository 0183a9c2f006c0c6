#include <gtest/gtest.h>

#include "model/compat.h"

namespace {
at::Tensor naiveAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& bias) {
  auto w = at::matmul(q, k.transpose(-2, -1)) / std::sqrt(static_cast<double>(q.size(-1)));
  if (bias.defined()) w = w + bias;
  return at::matmul(at::softmax(w, -1), v);
}
}  // namespace

TEST(Compat, AttentionMatchesSoftmaxFormula) {
  torch::manual_seed(0);
  auto q = torch::randn({2, 3, 5, 8}), k = torch::randn({2, 3, 7, 8}), v = torch::randn({2, 3, 7, 8});
  auto bias = torch::randn({2, 1, 5, 7});
  EXPECT_TRUE(torch::allclose(mumu::compat::attention(q, k, v), naiveAttention(q, k, v, {}), 1e-5, 1e-6));
  EXPECT_TRUE(torch::allclose(mumu::compat::attention(q, k, v, bias), naiveAttention(q, k, v, bias), 1e-5, 1e-6));
}

TEST(Compat, CausalAttentionIgnoresTheFuture) {
  torch::manual_seed(1);
  auto q = torch::randn({1, 2, 6, 4}), k = torch::randn({1, 2, 6, 4}), v = torch::randn({1, 2, 6, 4});
  auto full = mumu::compat::attention(q, k, v, {}, /*causal=*/true);
  // Changing the last key/value must not change any earlier output row.
  auto k2 = k.clone(), v2 = v.clone();
  k2.select(2, 5).fill_(3.0);
  v2.select(2, 5).fill_(-7.0);
  auto changed = mumu::compat::attention(q, k2, v2, {}, true);
  EXPECT_TRUE(torch::allclose(full.narrow(2, 0, 5), changed.narrow(2, 0, 5)));
  EXPECT_FALSE(torch::allclose(full.narrow(2, 5, 1), changed.narrow(2, 5, 1)));
}

TEST(Compat, CpuAutocastRunsMatmulInBf16AndRestores) {
  auto a = torch::randn({4, 4}), b = torch::randn({4, 4});
  {
    mumu::compat::CpuAutocast guard(at::kBFloat16);
    EXPECT_EQ(torch::mm(a, b).scalar_type(), at::kBFloat16);
  }
  EXPECT_EQ(torch::mm(a, b).scalar_type(), at::kFloat);
}
