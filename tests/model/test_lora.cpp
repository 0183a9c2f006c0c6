// test_lora.cpp — model/lora: live and merged application, strength, unmerge, kohya / PEFT / MUMU files
// (including malformed ones), adapter creation and a training step, on a small module tree and on the
// tiny SDXL UNet of tests/parity/unet_sdxl_tiny.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "model/diffusion/config.h"
#include "model/diffusion/unet.h"
#include "model/error.h"
#include "model/io/safetensors.h"
#include "model/io/sdxl_checkpoint.h"
#include "model/io/state_dict.h"
#include "model/lora/lora.h"
#include "model/nn/layers.h"
#include "model/pipeline/idefics2.h"

namespace mumu {
namespace {

const std::string kTiny = std::string(MUMU_PARITY_DIR) + "/unet_sdxl_tiny";
const std::string kUnetTargets = "to_q|to_k|to_v|to_out.0|ff.net.*|proj_in|proj_out|conv1|conv_shortcut";

template <class F>
void expectError(F&& what, const std::vector<std::string>& parts) {
  try {
    what();
    ADD_FAILURE() << "no mumu::Error thrown";
  } catch (const Error& e) {
    const std::string msg = e.what();
    for (const auto& p : parts) EXPECT_NE(msg.find(p), std::string::npos) << "'" << p << "' not in: " << msg;
  }
}

std::string tempDir(const std::string& name) {
  const auto dir = std::filesystem::path(testing::TempDir()) / ("mumu_lora_" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

double maxDiff(const at::Tensor& a, const at::Tensor& b) {
  return (a - b).abs().max().item<double>();
}

// max |a - b| relative to the reference's scale: float32 sums over a UNet round differently with the thread
// count and with the order of the additions (merged weights vs an extra low-rank branch).
double relDiff(const at::Tensor& a, const at::Tensor& ref) {
  return maxDiff(a, ref) / std::max(1.0, ref.abs().max().item<double>());
}

// ---- a small module tree: Linear and 3×3 / 1×1 Conv2d layers two levels deep ----

struct BlockImpl : torch::nn::Module {
  BlockImpl() {
    const auto o = at::TensorOptions(at::kFloat);
    to_q = register_module("to_q", nn::Linear(6, 8, true, o));
    to_v = register_module("to_v", nn::Linear(8, 6, false, o));
    conv = register_module("conv", nn::Conv2d(4, 4, 3, 1, 1, true, o));
    proj = register_module("proj", nn::Conv2d(4, 4, 1, 1, 0, true, o));
  }
  nn::Linear to_q{nullptr}, to_v{nullptr};
  nn::Conv2d conv{nullptr}, proj{nullptr};
};
TORCH_MODULE(Block);

struct SmallNetImpl : torch::nn::Module {
  SmallNetImpl() {
    blocks = register_module("blocks", torch::nn::ModuleList());
    for (int i = 0; i < 2; ++i) {
      list.push_back(Block());
      blocks->push_back(list.back());
    }
  }
  // x: [B, 6], img: [B, 4, 5, 5] → [B, 6 + 100]
  at::Tensor forward(at::Tensor x, at::Tensor img) {
    for (auto& b : list) {
      x = x + b->to_v(at::gelu(b->to_q(x)));
      img = img + b->proj(at::silu(b->conv(img)));
    }
    return at::cat({x, img.flatten(1)}, 1);
  }
  torch::nn::ModuleList blocks{nullptr};
  std::vector<Block> list;
};
TORCH_MODULE(SmallNet);

struct Small {
  SmallNet net;
  at::Tensor x, img;
  Small() {
    nn::initRandom(*net, 3);
    auto g = at::detail::createCPUGenerator(7);
    x = at::randn({3, 6}, g);
    img = at::randn({3, 4, 5, 5}, g);
  }
  at::Tensor run() {
    at::NoGradGuard noGrad;
    return net(x, img);
  }
};

// Random adapters (nonzero up) for the given targets of `model`.
std::vector<LoraAdapter> randomAdapters(torch::nn::Module& model, const std::string& patterns, int64_t rank,
                                        double alpha, uint64_t seed) {
  auto net = addLora(model, patterns, {rank, alpha, LoraInit::Gaussian, seed, /*freezeBase=*/false});
  auto g = at::detail::createCPUGenerator(seed + 1);
  std::vector<LoraAdapter> out = net->adapters();
  for (auto& a : out) a.up = at::randn(a.up.sizes(), g) * 0.3;
  return out;
}

// ---- the tiny SDXL UNet ----

struct TinyUNet {
  UNet2DConditionModel unet{nullptr};
  std::map<std::string, at::Tensor> io;
  TinyUNet() {
    unet = UNet2DConditionModel(loadUNet2DConditionConfig(kTiny + "/config.json"), at::TensorOptions(at::kFloat));
    unet->eval();
    const std::string weights = kTiny + "/diffusion_pytorch_model.safetensors";
    loadStateDict(*unet, loadSafetensors(weights), weights, /*strict=*/true);
    io = loadSafetensors(kTiny + "/io.safetensors");
  }
  at::Tensor run(bool grad = false) {
    std::optional<at::NoGradGuard> noGrad;
    if (!grad) noGrad.emplace();
    return unet(io.at("input.sample"), io.at("input.timestep"), io.at("input.encoder_hidden_states"),
                io.at("input.text_embeds"), io.at("input.time_ids"));
  }
  std::map<std::string, at::Tensor> weights() const {
    std::map<std::string, at::Tensor> w;
    for (const auto& p : unet->named_parameters()) w[p.key()] = p.value().detach().clone();
    return w;
  }
};

// ---- small tree ----

TEST(Lora, MatchTargets) {
  SmallNet net;
  EXPECT_EQ(matchLoraTargets(*net, "to_q"), (std::vector<std::string>{"blocks.0.to_q", "blocks.1.to_q"}));
  EXPECT_EQ(matchLoraTargets(*net, "blocks.1.*"),
            (std::vector<std::string>{"blocks.1.to_q", "blocks.1.to_v", "blocks.1.conv", "blocks.1.proj"}));
  EXPECT_EQ(matchLoraTargets(*net, "*", /*includeConv=*/false).size(), 4u);
  EXPECT_EQ(matchLoraTargets(*net, "re:0\\.to_[qv]$"), (std::vector<std::string>{"blocks.0.to_q", "blocks.0.to_v"}));
  EXPECT_TRUE(matchLoraTargets(*net, "o_q").empty());  // globs match whole dotted components
  expectError([&] { addLora(*net, "nothing_here"); }, {"nothing_here"});

  TinyUNet t;
  const auto names = matchLoraTargets(*t.unet, "to_q|to_out.0|ff.net.*");
  ASSERT_FALSE(names.empty());
  for (const auto& n : names)
    EXPECT_TRUE(n.ends_with("to_q") || n.ends_with("to_out.0") || n.find(".ff.net.") != std::string::npos) << n;
  EXPECT_NE(std::find(names.begin(), names.end(), "mid_block.attentions.0.transformer_blocks.0.ff.net.0.proj"),
            names.end());
}

TEST(Lora, ZeroUpIsBitIdenticalAndDetachRestores) {
  Small s;
  const at::Tensor before = s.run();
  {
    auto net = addLora(*s.net, "to_q|to_v|conv|proj", {4, 4.0});
    EXPECT_EQ(net->layers().size(), 8u);
    EXPECT_TRUE(at::equal(s.run(), before));  // up = 0
    // With a nonzero up the output moves; dropping the network removes the hooks.
    at::NoGradGuard noGrad;
    for (auto& l : net->layers()) l->up.normal_();
    EXPECT_GT(maxDiff(s.run(), before), 1e-3);
  }
  EXPECT_TRUE(at::equal(s.run(), before));
}

TEST(Lora, LiveEqualsMergedAndUnmergeRestores) {
  Small s;
  const at::Tensor before = s.run();
  std::map<std::string, at::Tensor> w0;
  for (const auto& p : s.net->named_parameters()) w0[p.key()] = p.value().detach().clone();
  const auto adapters = randomAdapters(*s.net, "to_q|to_v|conv|proj", 3, 6.0, 11);

  LoraNetwork net(*s.net, adapters);  // live
  const at::Tensor live = s.run();
  EXPECT_GT(maxDiff(live, before), 1e-2);
  net->setMode(LoraMode::Merged);
  const at::Tensor merged = s.run();
  EXPECT_LT(maxDiff(live, merged), 1e-5);
  EXPECT_GT(maxDiff(s.net->blocks[0]->as<Block>()->conv->weight, w0.at("blocks.0.conv.weight")), 1e-3);
  net->setMode(LoraMode::Off);
  for (const auto& p : s.net->named_parameters()) EXPECT_LT(maxDiff(p.value(), w0.at(p.key())), 1e-6) << p.key();
  EXPECT_LT(maxDiff(s.run(), before), 1e-5);

  // The free functions do the same.
  mergeLora(*s.net, adapters, 1.0);
  EXPECT_LT(maxDiff(s.run(), live), 1e-5);
  unmergeLora(*s.net, adapters, 1.0);
  for (const auto& p : s.net->named_parameters()) EXPECT_LT(maxDiff(p.value(), w0.at(p.key())), 1e-6) << p.key();
}

TEST(Lora, Strength) {
  Small s;
  const at::Tensor before = s.run();
  const auto adapters = randomAdapters(*s.net, "to_q|to_v|conv|proj", 2, 2.0, 5);
  LoraNetwork net(*s.net, adapters);
  const at::Tensor full = s.run();
  net->setStrength(0.0);
  EXPECT_TRUE(at::equal(s.run(), before));  // live, strength 0
  net->setMode(LoraMode::Merged);
  EXPECT_TRUE(at::equal(s.run(), before));  // merged, strength 0: weights untouched
  net->setStrength(0.5);
  const at::Tensor halfMerged = s.run();
  net->setMode(LoraMode::Live);
  EXPECT_LT(maxDiff(s.run(), halfMerged), 1e-5);
  EXPECT_GT(maxDiff(halfMerged, full), 1e-3);
  EXPECT_GT(maxDiff(halfMerged, before), 1e-3);
  net->setStrength(1.0);
  EXPECT_LT(maxDiff(s.run(), full), 1e-6);  // the merge / unmerge cycle rounds the base weights
}

TEST(Lora, TwoNetworksStack) {
  Small s;
  const auto a = randomAdapters(*s.net, "to_q|conv", 2, 2.0, 1);
  const auto b = randomAdapters(*s.net, "to_q|proj", 3, 1.5, 2);
  LoraNetwork na(*s.net, a), nb(*s.net, b);
  const at::Tensor live = s.run();
  na->setMode(LoraMode::Off);
  nb->setMode(LoraMode::Off);
  mergeLora(*s.net, a);
  mergeLora(*s.net, b);
  EXPECT_LT(maxDiff(s.run(), live), 1e-5);
}

TEST(Lora, TrainingStep) {
  Small s;
  auto net = addLora(*s.net, "to_q|to_v|conv|proj", {4, 8.0, LoraInit::Kaiming, 42});
  for (const auto& p : s.net->parameters()) EXPECT_FALSE(p.requires_grad());
  ASSERT_EQ(net->parameters().size(), 16u);  // down + up per layer
  for (const auto& p : net->parameters()) EXPECT_TRUE(p.requires_grad());
  const at::Tensor before = s.run();

  torch::optim::SGD opt(net->parameters(), torch::optim::SGDOptions(0.5));
  const at::Tensor target = at::ones_like(before);
  opt.zero_grad();
  at::Tensor loss = (s.net(s.x, s.img) - target).pow(2).mean();
  loss.backward();
  for (const auto& p : s.net->named_parameters()) EXPECT_FALSE(p.value().grad().defined()) << p.key();
  for (const auto& l : net->layers()) {
    ASSERT_TRUE(l->up.grad().defined()) << l->target;
    EXPECT_GT(l->up.grad().abs().sum().item<double>(), 0.0) << l->target;  // up = 0: only up gets a gradient
    ASSERT_TRUE(l->down.grad().defined()) << l->target;
    EXPECT_EQ(l->down.grad().abs().sum().item<double>(), 0.0) << l->target;
  }
  opt.step();
  const at::Tensor after = s.run();
  EXPECT_GT(maxDiff(after, before), 1e-4);
  const double loss2 = (after - target).pow(2).mean().item<double>();
  EXPECT_LT(loss2, loss.item<double>());
}

// ---- tiny SDXL UNet ----

TEST(LoraUNet, ZeroUpLiveMergedUnmerge) {
  TinyUNet t;
  const at::Tensor base = t.run();
  const auto w0 = t.weights();
  {
    auto net = addLora(*t.unet, kUnetTargets, {4, 4.0, LoraInit::Kaiming, 1, /*freezeBase=*/false});
    EXPECT_GT(net->layers().size(), 20u);
    EXPECT_TRUE(at::equal(t.run(), base));
  }
  const auto adapters = randomAdapters(*t.unet, kUnetTargets, 4, 2.0, 9);
  LoraNetwork net(*t.unet, adapters);
  const at::Tensor live = t.run();
  EXPECT_GT(maxDiff(live, base), 1e-3);
  net->setStrength(0.0);
  EXPECT_TRUE(at::equal(t.run(), base));
  net->setStrength(1.0);
  EXPECT_TRUE(at::equal(t.run(), live));
  net->setMode(LoraMode::Merged);
  EXPECT_LT(relDiff(t.run(), live), 1e-5);
  net->setMode(LoraMode::Off);
  for (const auto& [k, v] : t.weights()) EXPECT_LT(maxDiff(v, w0.at(k)), 1e-6) << k;
  EXPECT_LT(relDiff(t.run(), base), 1e-5);
  net->setMode(LoraMode::Live);
  EXPECT_LT(relDiff(t.run(), live), 1e-5);
}

// Writes `adapters` (diffusers names of the tiny UNet) as a kohya file, with LDM names or diffusers names.
void writeKohya(const std::string& path, const std::vector<LoraAdapter>& adapters, const UnetLayout* ldmLayout) {
  std::map<std::string, at::Tensor> tensors;
  for (const auto& a : adapters) {
    std::string name = a.target;
    if (ldmLayout) {
      auto ldm = diffusersToLdmUnetName(a.target + ".weight", *ldmLayout);
      ASSERT_TRUE(ldm.has_value()) << a.target;
      name = ldm->substr(std::string(kLdmUnetPrefix).size());
      name = name.substr(0, name.size() - std::string(".weight").size());
    }
    std::replace(name.begin(), name.end(), '.', '_');
    tensors["lora_unet_" + name + ".lora_down.weight"] = a.down;
    tensors["lora_unet_" + name + ".lora_up.weight"] = a.up;
    tensors["lora_unet_" + name + ".alpha"] = at::scalar_tensor(a.alpha, at::kFloat);
  }
  // SDXL text-encoder keys: ignored with a note.
  tensors["lora_te1_text_model_encoder_layers_0_self_attn_q_proj.lora_down.weight"] = at::zeros({4, 768});
  tensors["lora_te2_text_model_encoder_layers_0_self_attn_q_proj.lora_up.weight"] = at::zeros({1280, 4});
  saveSafetensors(path, tensors, {{"ss_network_module", "networks.lora"}});
}

void writePeft(const std::string& dir, const std::vector<LoraAdapter>& adapters, double alpha) {
  std::map<std::string, at::Tensor> tensors;
  for (const auto& a : adapters) {
    tensors["unet." + a.target + ".lora_A.weight"] = a.down;
    tensors["unet." + a.target + ".lora_B.weight"] = a.up;
  }
  saveSafetensors(dir + "/pytorch_lora_weights.safetensors", tensors);
  std::ofstream(dir + "/adapter_config.json") << "{\"r\": " << adapters.front().rank << ", \"lora_alpha\": " << alpha
                                              << ", \"target_modules\": [\"to_q\", \"to_k\"], \"peft_type\": \"LORA\"}";
}

TEST(LoraUNet, KohyaAndPeftFilesLoadToTheSameEffect) {
  TinyUNet t;
  const at::Tensor base = t.run();
  const UnetLayout layout = unetLayoutOf(t.unet->config());
  auto adapters = randomAdapters(*t.unet, kUnetTargets, 4, 3.0, 21);
  // 1×1 conv layers are not targeted here, but a kohya file may store Linear adapters as [r, in, 1, 1]:
  auto linear = std::find_if(adapters.begin(), adapters.end(), [](const LoraAdapter& a) { return a.down.dim() == 2; });
  ASSERT_NE(linear, adapters.end());
  linear->down = linear->down.view({linear->down.size(0), linear->down.size(1), 1, 1});

  mergeLora(*t.unet, adapters);
  const at::Tensor expected = t.run();
  unmergeLora(*t.unet, adapters);
  const at::Tensor restored = t.run();
  EXPECT_LT(relDiff(restored, base), 1e-5);

  const std::string dir = tempDir("files");
  writeKohya(dir + "/ldm.safetensors", adapters, &layout);
  writeKohya(dir + "/diffusers_names.safetensors", adapters, nullptr);
  std::filesystem::create_directories(dir + "/peft");
  writePeft(dir + "/peft", adapters, 3.0);

  for (const std::string file :
       {"/ldm.safetensors", "/diffusers_names.safetensors", "/peft/pytorch_lora_weights.safetensors"}) {
    SCOPED_TRACE(file);
    LoraLoadReport report;
    const auto loaded = loadLoraFile(dir + file, *t.unet, {}, &report);
    ASSERT_EQ(loaded.size(), adapters.size());
    EXPECT_TRUE(report.unmatched.empty());
    for (const auto& a : loaded) {
      EXPECT_DOUBLE_EQ(a.alpha, 3.0) << a.target;
      EXPECT_EQ(a.rank, 4) << a.target;
    }
    if (file != "/peft/pytorch_lora_weights.safetensors") {
      EXPECT_EQ(report.format, "kohya");
      EXPECT_EQ(report.ignored.size(), 2u);
      ASSERT_FALSE(report.notes.empty());
      EXPECT_NE(report.notes.back().find("text encoder"), std::string::npos);
    } else {
      EXPECT_EQ(report.format, "peft");
    }
    {
      LoraNetwork live(*t.unet, loaded);
      EXPECT_LT(relDiff(t.run(), expected), 1e-5);
    }
    mergeLora(*t.unet, loaded, 0.0);  // strength 0: no change
    EXPECT_TRUE(at::equal(t.run(), restored));
  }

  // The UNet inside a bigger model: unetRoot.
  struct Outer : torch::nn::Module {
    explicit Outer(UNet2DConditionModel u) { register_module("unet", std::move(u)); }
  };
  auto outer = std::make_shared<Outer>(t.unet);
  LoraLoadOptions opts;
  opts.unetRoot = "unet";
  for (const std::string file : {"/ldm.safetensors", "/peft/pytorch_lora_weights.safetensors"}) {
    const auto loaded = loadLoraFile(dir + file, *outer, opts);
    ASSERT_EQ(loaded.size(), adapters.size());
    EXPECT_TRUE(loaded.front().target.starts_with("unet.")) << loaded.front().target;
    LoraNetwork live(*outer, loaded);
    EXPECT_LT(relDiff(t.run(), expected), 1e-5);
  }
}

TEST(LoraUNet, SaveLoadRoundTrip) {
  TinyUNet t;
  auto net = addLora(*t.unet, "to_q|to_v|proj_in|conv1", {2, 5.0, LoraInit::Gaussian, 3});
  {
    at::NoGradGuard noGrad;
    for (auto& l : net->layers()) l->up.normal_(0.0, 0.2);
  }
  const at::Tensor live = t.run();
  const std::string path = tempDir("roundtrip") + "/mumu_lora.safetensors";
  net->save(path, {{"note", "test"}});
  const auto file = SafetensorsFile::open(path);
  EXPECT_EQ(file.metadata().at("format"), "mumu-lora");
  EXPECT_EQ(file.metadata().at("note"), "test");
  EXPECT_TRUE(file.contains("down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q.lora_A.weight"));
  net->setMode(LoraMode::Off);

  LoraLoadReport report;
  const auto loaded = loadLoraFile(path, *t.unet, {}, &report);
  EXPECT_EQ(report.format, "mumu");
  const auto original = net->adapters();
  ASSERT_EQ(loaded.size(), original.size());
  std::map<std::string, LoraAdapter> byTarget;
  for (const auto& a : loaded) byTarget[a.target] = a;
  for (const auto& a : original) {
    ASSERT_TRUE(byTarget.count(a.target)) << a.target;
    const auto& b = byTarget.at(a.target);
    EXPECT_TRUE(at::equal(a.down, b.down)) << a.target;
    EXPECT_TRUE(at::equal(a.up, b.up)) << a.target;
    EXPECT_DOUBLE_EQ(b.alpha, 5.0);
    EXPECT_EQ(b.rank, 2);
  }
  LoraNetwork again(*t.unet, loaded);
  EXPECT_TRUE(at::equal(t.run(), live));
}

TEST(LoraUNet, TrainingStepOnlyTouchesAdapters) {
  TinyUNet t;
  auto net = addLora(*t.unet, "to_q|to_k|to_v|to_out.0", {4, 4.0});
  const auto w0 = t.weights();
  const at::Tensor before = t.run();
  torch::optim::SGD opt(net->parameters(), torch::optim::SGDOptions(1.0));
  opt.zero_grad();
  t.run(/*grad=*/true).pow(2).mean().backward();
  for (const auto& p : t.unet->named_parameters()) {
    EXPECT_FALSE(p.value().requires_grad()) << p.key();
    EXPECT_FALSE(p.value().grad().defined()) << p.key();
  }
  opt.step();
  EXPECT_GT(maxDiff(t.run(), before), 1e-6);
  for (const auto& [k, v] : t.weights()) EXPECT_TRUE(at::equal(v, w0.at(k))) << k;
}

TEST(LoraUNet, MalformedFiles) {
  TinyUNet t;
  const std::string dir = tempDir("malformed");
  const std::string q =
      "lora_unet_input_blocks_4_1_transformer_blocks_0_attn1_to_q";  // down_blocks.1...attn1.to_q (24 → 24)
  auto write = [&](const std::string& name, std::map<std::string, at::Tensor> tensors) {
    saveSafetensors(dir + "/" + name, tensors);
    return dir + "/" + name;
  };
  // Sanity: the well-formed file loads.
  const std::string good = write(
      "good.safetensors", {{q + ".lora_down.weight", at::zeros({4, 24})}, {q + ".lora_up.weight", at::zeros({24, 4})}});
  const auto ok = loadLoraFile(good, *t.unet);
  ASSERT_EQ(ok.size(), 1u);
  EXPECT_EQ(ok[0].target, "down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q");
  EXPECT_DOUBLE_EQ(ok[0].alpha, 4.0);  // no alpha: scale 1

  const std::string noUp = write("no_up.safetensors", {{q + ".lora_down.weight", at::zeros({4, 24})}});
  expectError([&] { loadLoraFile(noUp, *t.unet); }, {"no_up.safetensors", q + ".lora_down.weight", "up"});

  const std::string noDown = write("no_down.safetensors", {{q + ".lora_up.weight", at::zeros({24, 4})}});
  expectError([&] { loadLoraFile(noDown, *t.unet); }, {q + ".lora_up.weight", "down"});

  const std::string rank = write(
      "rank.safetensors", {{q + ".lora_down.weight", at::zeros({4, 24})}, {q + ".lora_up.weight", at::zeros({24, 3})}});
  expectError([&] { loadLoraFile(rank, *t.unet); },
              {"rank", q + ".lora_down.weight", q + ".lora_up.weight", "[4, 24]", "[24, 3]"});

  const std::string shape = write("shape.safetensors", {{q + ".lora_down.weight", at::zeros({4, 32})},
                                                        {q + ".lora_up.weight", at::zeros({24, 4})}});
  expectError([&] { loadLoraFile(shape, *t.unet); }, {q + ".lora_down.weight", "[4, 32]", "[4, 24]"});

  const std::string unknown =
      write("unknown.safetensors", {{q + ".lora_down.weight", at::zeros({4, 24})},
                                    {q + ".lora_up.weight", at::zeros({24, 4})},
                                    {"lora_unet_input_blocks_99_1_proj.lora_down.weight", at::zeros({4, 24})},
                                    {"lora_unet_input_blocks_99_1_proj.lora_up.weight", at::zeros({24, 4})}});
  expectError([&] { loadLoraFile(unknown, *t.unet); }, {"lora_unet_input_blocks_99_1_proj.lora_down.weight"});
  LoraLoadOptions lenient;
  lenient.strict = false;
  LoraLoadReport report;
  EXPECT_EQ(loadLoraFile(unknown, *t.unet, lenient, &report).size(), 1u);
  EXPECT_EQ(report.unmatched.size(), 2u);

  const std::string peftShape =
      write("peft_shape.safetensors",
            {{"unet.mid_block.attentions.0.transformer_blocks.0.attn2.to_k.lora_A.weight", at::zeros({4, 24})},
             {"unet.mid_block.attentions.0.transformer_blocks.0.attn2.to_k.lora_B.weight", at::zeros({24, 4})}});
  expectError([&] { loadLoraFile(peftShape, *t.unet); },
              {"attn2.to_k.lora_A.weight", "[4, 24]", "[4, 32]"});  // to_k reads the 32-wide context

  const std::string empty = write("empty.safetensors", {{"something.weight", at::zeros({2})}});
  expectError([&] { loadLoraFile(empty, *t.unet); }, {"something.weight"});

  // Binding checks too.
  LoraAdapter bad{"down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q", at::zeros({4, 24}), at::zeros({25, 4}),
                  4, 4};
  expectError([&] { LoraNetwork n(*t.unet, std::vector<LoraAdapter>{bad}); }, {"to_q.up", "[25, 4]", "[24, 4]"});
  bad.target = "down_blocks.1.nothing";
  expectError([&] { mergeLora(*t.unet, {bad}); }, {"down_blocks.1.nothing"});
}

// ---- Idefics2: the paper's LM and modality-projection LoRA (DESIGN.md §1) ----

TEST(LoraIdefics2, LanguageModelAndProjection) {
  const std::string dir = std::string(MUMU_PARITY_DIR) + "/idefics2_tiny";
  Idefics2Model model(loadIdefics2Config(dir + "/config.json"), at::TensorOptions(at::kFloat));
  loadIdefics2Checkpoint(*model, dir);
  model->eval();
  const at::Tensor ids = at::arange(1, 9, at::kLong).view({1, 8});
  auto run = [&] {
    at::NoGradGuard noGrad;
    return model(ids).lastHiddenState;
  };
  const at::Tensor base = run();
  const std::string targets = "text_model.layers.*_proj|connector.modality_projection.*";
  auto net = addLora(*model, targets, {8, 8.0});
  for (const auto& l : net->layers())
    EXPECT_TRUE(l->target.starts_with("text_model.layers.") || l->target.starts_with("connector.modality_projection."))
        << l->target;
  EXPECT_TRUE(at::equal(run(), base));
  {
    at::NoGradGuard noGrad;
    for (auto& l : net->layers()) l->up.normal_(0.0, 0.1);
  }
  const at::Tensor live = run();
  EXPECT_GT(maxDiff(live, base), 1e-4);

  // A PEFT file as transformers' PEFT writes it (base_model.model. prefix) loads onto the same layers.
  const std::string path = tempDir("idefics2") + "/adapter_model.safetensors";
  std::map<std::string, at::Tensor> tensors;
  for (const auto& a : net->adapters()) {
    tensors["base_model.model." + a.target + ".lora_A.weight"] = a.down;
    tensors["base_model.model." + a.target + ".lora_B.weight"] = a.up;
  }
  saveSafetensors(path, tensors);
  net->setMode(LoraMode::Off);
  EXPECT_TRUE(at::equal(run(), base));
  const auto loaded = loadLoraFile(path, *model);
  EXPECT_EQ(loaded.size(), net->layers().size());
  mergeLora(*model, loaded);  // alpha = r (no config): the same scale as addLora's alpha 8 / rank 8
  EXPECT_LT(maxDiff(run(), live), 1e-4);
}

}  // namespace
}  // namespace mumu
