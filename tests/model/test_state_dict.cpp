// loadStateDict: full dotted names, dtype conversion, and missing / unexpected / wrong-shape reports on a
// small module built from mumu::nn layers (parameters allocated uninitialised, as in the real networks).
#include <gtest/gtest.h>

#include "model/error.h"
#include "model/io/safetensors.h"
#include "model/io/state_dict.h"
#include "model/nn/layers.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>

using namespace mumu;

namespace {

struct BlockImpl : torch::nn::Module {
  explicit BlockImpl(const at::TensorOptions& o)
      : norm(register_module("norm", nn::GroupNorm(2, 4, 1e-5, true, o))),
        proj(register_module("proj", nn::Linear(4, 3, true, o))),
        conv(register_module("conv", nn::Conv2d(4, 4, 3, 1, 1, false, o))) {
    running = register_buffer("running", torch::zeros({3}, o));
  }
  nn::GroupNorm norm;
  nn::Linear proj;
  nn::Conv2d conv;
  at::Tensor running;
};
TORCH_MODULE(Block);

struct TinyNetImpl : torch::nn::Module {
  explicit TinyNetImpl(const at::TensorOptions& o = {})
      : embed(register_module("embed", nn::Embedding(5, 4, o))),
        blocks(register_module("blocks", torch::nn::ModuleList())),
        out(register_module("out", nn::Linear(4, 2, false, o))) {
    blocks->push_back(Block(o));
    blocks->push_back(Block(o));
  }
  nn::Embedding embed;
  torch::nn::ModuleList blocks;
  nn::Linear out;
};
TORCH_MODULE(TinyNet);

// A complete state dict for TinyNet with distinct values per tensor.
std::map<std::string, at::Tensor> fullStateDict(at::ScalarType dtype = at::kFloat) {
  TinyNet reference;
  std::map<std::string, at::Tensor> sd;
  double k = 1;
  for (const auto& p : reference->named_parameters()) sd[p.key()] = torch::full(p.value().sizes(), k++, dtype);
  for (const auto& b : reference->named_buffers()) sd[b.key()] = torch::full(b.value().sizes(), k++, dtype);
  return sd;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

TEST(StateDict, UsesFullDottedNamesIncludingBuffers) {
  const auto sd = fullStateDict();
  EXPECT_EQ(sd.size(), 14u);  // embed 1 + 2 × (norm 2, proj 2, conv 1, buffer 1) + out 1 (no bias)
  EXPECT_TRUE(sd.count("embed.weight"));
  EXPECT_TRUE(sd.count("blocks.1.proj.bias"));
  EXPECT_TRUE(sd.count("blocks.0.running"));
  EXPECT_FALSE(sd.count("out.bias"));
  EXPECT_FALSE(sd.count("blocks.0.conv.bias"));
}

TEST(StateDict, LoadsEverythingAndConvertsDtype) {
  TinyNet net;
  const auto sd = fullStateDict(at::kDouble);
  LoadReport r = loadStateDict(*net, sd, "tiny.safetensors");
  EXPECT_TRUE(r.ok()) << r.describe();
  EXPECT_EQ(r.loaded, 14);
  EXPECT_EQ(net->blocks[1]->as<BlockImpl>()->proj->bias.scalar_type(), at::kFloat);
  EXPECT_TRUE(torch::equal(net->blocks[1]->as<BlockImpl>()->proj->bias, sd.at("blocks.1.proj.bias").to(at::kFloat)));
  EXPECT_TRUE(torch::equal(net->blocks[0]->as<BlockImpl>()->running, sd.at("blocks.0.running").to(at::kFloat)));
  EXPECT_TRUE(torch::equal(net->embed->weight, sd.at("embed.weight").to(at::kFloat)));
  EXPECT_EQ(r.describe(), "all 14 tensors loaded");
  // Parameters still require grad: only the values changed.
  EXPECT_TRUE(net->out->weight.requires_grad());
}

TEST(StateDict, LoadsIntoHalfParametersFromSafetensors) {
  TinyNet net(at::TensorOptions().dtype(at::kHalf));
  const std::string path =
      (std::filesystem::temp_directory_path() / ("mumu_sd_" + std::to_string(::getpid()) + ".safetensors")).string();
  saveSafetensors(path, fullStateDict());
  LoadReport r = loadStateDict(*net, loadSafetensors(path), path);
  std::filesystem::remove(path);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(net->out->weight.scalar_type(), at::kHalf);
  EXPECT_EQ(net->out->weight[0][0].item<float>(), fullStateDict().at("out.weight")[0][0].item<float>());
}

TEST(StateDict, ReportsMissingUnexpectedAndWrongShape) {
  TinyNet net;
  auto sd = fullStateDict();
  sd.erase("blocks.1.norm.weight");
  sd.erase("embed.weight");
  sd["blocks.1.proj.weight"] = torch::ones({4, 3});  // transposed
  sd["blocks.0.running"] = torch::ones({3, 1});
  sd["out.bias"] = torch::ones({2});
  sd["extra.thing"] = torch::ones({1});

  LoadReport r = loadStateDict(*net, sd, "ckpt", /*strict=*/false);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.missing.size(), 2u);
  EXPECT_TRUE(contains(r.missing, "blocks.1.norm.weight"));
  EXPECT_TRUE(contains(r.missing, "embed.weight"));
  EXPECT_EQ(r.unexpected, (std::vector<std::string>{"extra.thing", "out.bias"}));
  ASSERT_EQ(r.wrongShape.size(), 2u);
  EXPECT_TRUE(contains(r.wrongShape, "blocks.1.proj.weight: got [4, 3], expected [3, 4]"));
  EXPECT_TRUE(contains(r.wrongShape, "blocks.0.running: got [3, 1], expected [3]"));
  EXPECT_EQ(r.loaded, 14 - 4);
  // Non-strict: what matched was copied.
  EXPECT_TRUE(torch::equal(net->out->weight, sd.at("out.weight")));

  const std::string text = r.describe();
  EXPECT_NE(text.find("2 missing: "), std::string::npos) << text;
  EXPECT_NE(text.find("2 unexpected: extra.thing, out.bias"), std::string::npos) << text;
  EXPECT_NE(text.find("blocks.1.proj.weight: got [4, 3], expected [3, 4]"), std::string::npos) << text;
  const std::string shortText = r.describe(1);
  EXPECT_NE(shortText.find("(1 more)"), std::string::npos) << shortText;
}

TEST(StateDict, StrictThrowsAndLeavesTheModuleUntouched) {
  TinyNet net;
  {
    at::NoGradGuard g;
    for (auto& p : net->parameters()) p.fill_(-7);
  }
  auto sd = fullStateDict();
  sd["blocks.0.proj.bias"] = torch::ones({5});
  try {
    loadStateDict(*net, sd, "model.safetensors");
    ADD_FAILURE() << "strict load of a wrong shape did not throw";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.rfind("model.safetensors: ", 0), 0u) << msg;
    EXPECT_NE(msg.find("blocks.0.proj.bias: got [5], expected [3]"), std::string::npos) << msg;
  }
  for (const auto& p : net->parameters()) EXPECT_TRUE((p == -7).all().item<bool>());

  sd.erase("blocks.0.proj.bias");
  EXPECT_THROW(loadStateDict(*net, sd, "model.safetensors"), Error);  // missing
  sd = fullStateDict();
  sd["stray"] = torch::ones({1});
  EXPECT_THROW(loadStateDict(*net, sd, "model.safetensors"), Error);  // unexpected
}

TEST(StateDict, UndefinedSourceTensorIsReported) {
  TinyNet net;
  auto sd = fullStateDict();
  sd["out.weight"] = at::Tensor();
  LoadReport r = loadStateDict(*net, sd, "x", false);
  ASSERT_EQ(r.wrongShape.size(), 1u);
  EXPECT_EQ(r.wrongShape[0], "out.weight: got an undefined tensor, expected [2, 4]");
}
