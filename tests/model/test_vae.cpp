// AutoencoderKL: config parsing, parity with diffusers 0.27.2 on tests/parity/vae_sdxl_tiny (posterior,
// decoded image and the named intermediates), and the full-size SDXL VAE's parameters on the meta device.
#include <gtest/gtest.h>

#include <ATen/CPUGeneratorImpl.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>

#include "model/diffusion/vae.h"
#include "model/error.h"
#include "model/io/safetensors.h"
#include "model/io/state_dict.h"
#include "model/nn/layers.h"

using namespace mumu;

namespace {

const std::string kParity = std::string(MUMU_PARITY_DIR);
const std::string kTiny = kParity + "/vae_sdxl_tiny";
constexpr double kTolerance = 1e-4;

nlohmann::json readJson(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  return nlohmann::json::parse(in);
}

double maxAbsDiff(const at::Tensor& a, const at::Tensor& b) {
  return (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>();
}

template <typename F>
void expectError(F&& what, std::initializer_list<std::string> parts) {
  try {
    what();
    ADD_FAILURE() << "no mumu::Error thrown";
  } catch (const Error& e) {
    const std::string msg = e.what();
    for (const auto& p : parts) EXPECT_NE(msg.find(p), std::string::npos) << "'" << p << "' not in: " << msg;
  }
}

AutoencoderKL loadTinyVae() {
  AutoencoderKL vae(loadAutoencoderKLConfig(kTiny + "/config.json"), at::TensorOptions(at::kFloat));
  vae->eval();
  const std::string weights = kTiny + "/diffusion_pytorch_model.safetensors";
  loadStateDict(*vae, loadSafetensors(weights), weights, /*strict=*/true);
  return vae;
}

void expectClose(const std::string& name, const at::Tensor& ours, const at::Tensor& ref) {
  ASSERT_TRUE(ours.defined()) << name;
  ASSERT_EQ(ours.sizes(), ref.sizes()) << name;
  const double d = maxAbsDiff(ours, ref);
  std::printf("  vae_sdxl_tiny %-30s max|diff| %.3e\n", name.c_str(), d);
  EXPECT_LE(d, kTolerance) << name;
}

}  // namespace

TEST(VaeConfig, ReadsTheTinyConfigAndDefaults) {
  const auto c = loadAutoencoderKLConfig(kTiny + "/config.json");
  EXPECT_EQ(c.blockOutChannels, (std::vector<int64_t>{16, 32}));
  EXPECT_EQ(c.layersPerBlock, 1);
  EXPECT_EQ(c.latentChannels, 4);
  EXPECT_EQ(c.normNumGroups, 8);
  EXPECT_DOUBLE_EQ(c.scalingFactor, 0.13025);
  EXPECT_TRUE(c.forceUpcast);
  EXPECT_TRUE(c.midBlockAddAttention);
  EXPECT_TRUE(c.useQuantConv && c.usePostQuantConv);
  EXPECT_TRUE(c.latentsMean.empty());

  const auto d = AutoencoderKLConfig::fromJson(nlohmann::json::object(), "d.json");
  EXPECT_EQ(d.blockOutChannels, (std::vector<int64_t>{64}));
  EXPECT_DOUBLE_EQ(d.scalingFactor, 0.18215);
  EXPECT_EQ(d.normNumGroups, 32);
  EXPECT_EQ(d.layersPerBlock, 1);
}

TEST(VaeConfig, ReportsUnsupportedOptionsByKey) {
  const nlohmann::json tiny = readJson(kTiny + "/config.json");
  auto with = [&](const std::string& key, const nlohmann::json& value) {
    nlohmann::json j = tiny;
    j[key] = value;
    return j;
  };
  expectError(
      [&] {
        AutoencoderKLConfig::fromJson(with("down_block_types", {"DownEncoderBlock2D", "AttnDownEncoderBlock2D"}),
                                      "v.json");
      },
      {"v.json", "down_block_types", "AttnDownEncoderBlock2D"});
  expectError([&] { AutoencoderKLConfig::fromJson(with("up_block_types", {"UpDecoderBlock2D"}), "v.json"); },
              {"up_block_types"});
  expectError([&] { AutoencoderKLConfig::fromJson(with("norm_num_groups", 3), "v.json"); }, {"norm_num_groups"});
  expectError([&] { AutoencoderKLConfig::fromJson(with("scaling_factor", "big"), "v.json"); },
              {"scaling_factor", "number"});
  expectError([&] { AutoencoderKLConfig::fromJson(with("latents_mean", {0.1, 0.2}), "v.json"); }, {"latents_mean"});
  expectError([&] { AutoencoderKLConfig::fromJson(with("_class_name", "UNet2DConditionModel"), "v.json"); },
              {"_class_name"});
  const std::string bad = testing::TempDir() + "vae_bad.json";
  std::ofstream(bad) << "{\"latent_channels\": ";
  expectError([&] { loadAutoencoderKLConfig(bad); }, {bad, "invalid JSON"});
}

TEST(VaeConfig, NewerDiffusersSwitchesRemoveModules) {
  nlohmann::json j = readJson(kTiny + "/config.json");
  j["use_quant_conv"] = false;
  j["use_post_quant_conv"] = false;
  j["mid_block_add_attention"] = false;
  AutoencoderKL vae(AutoencoderKLConfig::fromJson(j, "v.json"), at::TensorOptions(at::kMeta));
  for (const auto& p : vae->named_parameters()) {
    EXPECT_EQ(p.key().find("quant_conv"), std::string::npos) << p.key();
    EXPECT_EQ(p.key().find("attentions"), std::string::npos) << p.key();
  }
}

TEST(VaeParity, TinySdxlVaeMatchesDiffusers) {
  at::set_num_threads(2);
  AutoencoderKL vae = loadTinyVae();
  EXPECT_EQ(nn::countParameters(*vae), readJson(kTiny + "/meta.json")["num_parameters"].get<int64_t>());
  EXPECT_DOUBLE_EQ(vae->scalingFactor(), 0.13025);
  const auto io = loadSafetensors(kTiny + "/io.safetensors");

  at::NoGradGuard noGrad;
  std::map<std::string, at::Tensor> trace;
  const LatentDistribution post = vae->encode(io.at("input.image"), traceInto(trace));
  const at::Tensor decoded = vae->decode(io.at("input.latents"), traceInto(trace));

  expectClose("intermediate.encoder", trace["intermediate.encoder"], io.at("intermediate.encoder"));
  expectClose("intermediate.moments", trace["intermediate.moments"], io.at("intermediate.moments"));
  expectClose("intermediate.post_quant_conv", trace["intermediate.post_quant_conv"],
              io.at("intermediate.post_quant_conv"));
  expectClose("output.posterior_mean", post.mean, io.at("output.posterior_mean"));
  expectClose("output.posterior_logvar", post.logvar, io.at("output.posterior_logvar"));
  expectClose("output.posterior_std", post.std, io.at("output.posterior_std"));
  expectClose("output.decoded", decoded, io.at("output.decoded"));
  EXPECT_EQ(trace.size(), 3u);

  // Sampling draws mean + std · ε from the given generator.
  auto g1 = at::make_generator<at::CPUGeneratorImpl>(5), g2 = at::make_generator<at::CPUGeneratorImpl>(5);
  const at::Tensor z = post.sample(g1);
  EXPECT_TRUE(at::allclose(z, post.mean + post.std * at::randn(post.mean.sizes(), g2, post.mean.options())));
  expectError([&] { vae->decode(io.at("input.image")); }, {"latents"});
}

TEST(VaeParity, InitRandomReproducesTheReferenceWeightsAndFolderLoads) {
  AutoencoderKL vae(loadAutoencoderKLConfig(kTiny + "/config.json"), at::TensorOptions(at::kFloat));
  nn::initRandom(*vae, 0);  // module order = diffusers' named_modules() order
  const auto ref = loadSafetensors(kTiny + "/diffusion_pytorch_model.safetensors");
  for (const auto& p : vae->named_parameters()) EXPECT_TRUE(at::equal(p.value(), ref.at(p.key()))) << p.key();
  AutoencoderKL loaded = loadAutoencoderKL(kTiny);
  for (const auto& p : loaded->named_parameters()) EXPECT_TRUE(at::equal(p.value(), ref.at(p.key()))) << p.key();
}

TEST(VaeFullSize, SdxlVaeParametersOnMeta) {
  const std::string dir = kParity + "/fullsize/sdxl_vae";
  AutoencoderKL vae(loadAutoencoderKLConfig(dir + "/config.json"), at::TensorOptions(at::kMeta));
  const nlohmann::json ref = readJson(dir + "/params.json");
  const int64_t count = nn::countParameters(*vae);
  std::printf("  SDXL VAE: %lld parameters\n", static_cast<long long>(count));
  EXPECT_EQ(count, 83653863LL);
  EXPECT_EQ(count, ref["num_parameters"].get<int64_t>());

  std::map<std::string, std::vector<int64_t>> expected, ours;
  for (const auto& t : ref["tensors"]) expected[t["name"].get<std::string>()] = t["shape"].get<std::vector<int64_t>>();
  for (const auto& p : vae->named_parameters()) ours[p.key()] = p.value().sizes().vec();
  EXPECT_EQ(ours, expected);
}
