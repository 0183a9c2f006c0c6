#include <gtest/gtest.h>

#include "model/nn/layers.h"

using namespace mumu::nn;

TEST(Layers, MatchTorchFormulas) {
  auto opts = at::TensorOptions().dtype(at::kFloat);
  torch::manual_seed(0);
  Linear lin(5, 3, true, opts);
  initRandom(*lin, 1);
  auto x = torch::randn({2, 5});
  EXPECT_TRUE(torch::allclose(lin(x), x.matmul(lin->weight.t()) + lin->bias));

  Conv2d conv(3, 4, 3, 1, 1, true, opts);
  initRandom(*conv, 2);
  auto img = torch::randn({1, 3, 6, 6});
  EXPECT_EQ(conv(img).sizes(), (std::vector<int64_t>{1, 4, 6, 6}));

  RMSNorm rms(5, 1e-5, opts);
  initRandom(*rms, 3);
  auto ref = x * torch::rsqrt(x.pow(2).mean(-1, true) + 1e-5) * rms->weight;
  EXPECT_TRUE(torch::allclose(rms(x), ref, 1e-5, 1e-6));
}

TEST(Layers, MetaDeviceCountsWithoutAllocating) {
  auto meta = at::TensorOptions().device(at::kMeta);
  Linear big(100000, 100000, true, meta);  // 10^10 parameters: 40 GB if it were allocated
  EXPECT_EQ(countParameters(*big), 100000LL * 100000 + 100000);
  EXPECT_TRUE(big->weight.is_meta());
}

TEST(Layers, InitRandomFollowsTheParityRecipe) {
  auto opts = at::TensorOptions().dtype(at::kFloat);
  GroupNorm gn(4, 64, 1e-5, true, opts);
  Linear lin(400, 300, true, opts);
  initRandom(*gn, 7);
  initRandom(*lin, 7);
  EXPECT_NEAR(gn->weight.mean().item<double>(), 1.0, 0.05);
  EXPECT_NEAR(gn->weight.std().item<double>(), 0.1, 0.03);
  EXPECT_NEAR(lin->bias.std().item<double>(), 0.05, 0.01);
  EXPECT_NEAR(lin->weight.std().item<double>(), 0.05, 0.005);  // 1/sqrt(400)
  // Same seed, same weights.
  Linear lin2(400, 300, true, opts);
  initRandom(*lin2, 7);
  EXPECT_TRUE(torch::equal(lin->weight, lin2->weight));
}
