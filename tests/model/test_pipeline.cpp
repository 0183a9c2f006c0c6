// test_pipeline.cpp — the MUMU pipeline end to end with a small random-weight package in a temp folder: shapes,
// determinism, cancellation, span weights and the attention record, recipe round trip (`--from`), bad packages
// and bad requests, and the built-in configs' sizes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "model/io/image_file.h"
#include "model/io/png_metadata.h"
#include "model/io/safetensors.h"
#include "model/pipeline/generation_io.h"
#include "model/pipeline/pipeline.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

template <class Fn>
void expectError(Fn&& fn, const std::vector<std::string>& needles) {
  try {
    fn();
    ADD_FAILURE() << "no mumu::Error thrown";
  } catch (const mumu::Error& e) {
    for (const auto& n : needles) EXPECT_NE(std::string(e.what()).find(n), std::string::npos) << e.what();
  }
}

mumu::Image testImage(int w, int h, uint32_t seed) {
  mumu::Image img;
  img.width = w, img.height = h, img.channels = 3;
  std::mt19937 gen(seed);
  img.pixels.resize(static_cast<size_t>(w) * h * 3);
  for (auto& p : img.pixels) p = static_cast<uint8_t>(gen() & 0xff);
  return img;
}

class PipelineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("mumu_test_pipeline_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    mumu::createRandomMumuPackageNamed("small", (dir_ / "pkg").string(), 7);
    model_ = mumu::openMumuPackage((dir_ / "pkg").string());
  }
  static void TearDownTestSuite() {
    model_.reset();
    fs::remove_all(dir_);
  }

  // "a red <image> on a table", the image weighted `w`.
  static mumu::GenerationRequest request(double w = 1.0) {
    mumu::GenerationRequest r;
    r.prompt = {mumu::GenerationSegment::makeText("a red"), mumu::GenerationSegment::makeImage(testImage(40, 24, 3), w),
                mumu::GenerationSegment::makeText(" on a table")};
    r.seed = 11;
    r.steps = 3;
    return r;
  }

  static fs::path dir_;
  static std::shared_ptr<mumu::MumuModel> model_;
};

fs::path PipelineTest::dir_;
std::shared_ptr<mumu::MumuModel> PipelineTest::model_;

TEST_F(PipelineTest, PackageLayoutAndInfo) {
  for (const char* f : {"mumu.json", "vlm.safetensors", "connector.safetensors", "unet.safetensors", "vae.safetensors",
                        "tokenizer.json"})
    EXPECT_TRUE(fs::exists(dir_ / "pkg" / f)) << f;
  const auto info = mumu::describeMumuModel(*model_);
  EXPECT_EQ(info.name, "small");
  EXPECT_EQ(info.width, 32);
  EXPECT_EQ(info.imageTokens, 16);  // 4 × 4 patches, every one a token (MUMU mode)
  EXPECT_EQ(info.hash.size(), 64u);
  EXPECT_EQ(info.device, "cpu");
  EXPECT_EQ(info.dtype, "float32");
}

TEST_F(PipelineTest, GeneratesImagesOfTheRequestedShape) {
  auto r = request();
  r.batch = 2;
  r.width = 48, r.height = 32;
  int calls = 0;
  auto out = mumu::generate(*model_, r, [&](const mumu::GenerationProgress& p) {
    ++calls;
    EXPECT_EQ(p.total, 3);
    EXPECT_EQ(p.step, calls);
    EXPECT_EQ(p.previews.size(), 2u);  // one latent preview per image
    if (!p.previews.empty()) {
      EXPECT_EQ(p.previews[0].width, 24);
    }
    return true;
  });
  EXPECT_EQ(calls, 3);
  ASSERT_FALSE(out.cancelled);
  ASSERT_EQ(out.images.size(), 2u);
  for (const auto& img : out.images) {
    EXPECT_EQ(img.width, 48);
    EXPECT_EQ(img.height, 32);
    EXPECT_EQ(img.channels, 3);
    EXPECT_EQ(img.pixels.size(), 48u * 32 * 3);
  }
  EXPECT_EQ(out.seeds, (std::vector<uint64_t>{11, 12}));
  EXPECT_EQ(out.rngSources[1], "torch.cpu.mt19937:12");
  EXPECT_FALSE(out.attention.defined());  // off by default
  EXPECT_NE(out.images[0].pixels, out.images[1].pixels);
  EXPECT_EQ(out.timings.steps, 3);
  EXPECT_GT(out.timings.sampling, 0.0);
}

TEST_F(PipelineTest, SameSeedSameBytesOtherSeedOtherBytes) {
  auto a = mumu::generate(*model_, request());
  auto b = mumu::generate(*model_, request());
  auto r = request();
  r.seed = 12;
  auto c = mumu::generate(*model_, r);
  ASSERT_EQ(a.images.size(), 1u);
  EXPECT_EQ(a.images[0].pixels, b.images[0].pixels);
  EXPECT_NE(a.images[0].pixels, c.images[0].pixels);
  // Every sampler runs, ancestral ones included (their per-step noise comes from the per-image streams).
  for (const char* s : {"euler", "euler_a", "dpmpp_2m_karras"}) {
    auto q = request();
    q.sampler = s;
    auto x = mumu::generate(*model_, q), y = mumu::generate(*model_, q);
    EXPECT_EQ(x.images.at(0).pixels, y.images.at(0).pixels) << s;
  }
}

TEST_F(PipelineTest, CancelsWithinOneStep) {
  auto r = request();
  r.steps = 4;
  int calls = 0;
  auto out = mumu::generate(*model_, r, [&](const mumu::GenerationProgress&) { return ++calls < 2; });
  EXPECT_TRUE(out.cancelled);
  EXPECT_EQ(calls, 2);
  EXPECT_TRUE(out.images.empty());
  EXPECT_EQ(out.timings.steps, 2);

  std::atomic<bool> flag{false};
  calls = 0;
  out = mumu::generate(
      *model_, r,
      [&](const mumu::GenerationProgress&) {
        ++calls;
        flag = true;  // as a Ctrl-C handler would, from anywhere
        return true;
      },
      &flag);
  EXPECT_TRUE(out.cancelled);
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(out.images.empty());

  flag = true;  // set before the start: no step runs
  out = mumu::generate(*model_, r, {}, &flag);
  EXPECT_TRUE(out.cancelled);
  EXPECT_EQ(out.timings.steps, 0);
}

TEST_F(PipelineTest, SpanWeightOneIsBitIdentical) {
  auto plain = mumu::generate(*model_, request());
  auto one = request(1.0);
  one.prompt[0].weight = 1.0;
  auto weighted = mumu::generate(*model_, one);
  EXPECT_EQ(plain.images[0].pixels, weighted.images[0].pixels);
  auto other = mumu::generate(*model_, request(0.5));
  EXPECT_NE(plain.images[0].pixels, other.images[0].pixels);
}

// Mean attention mass of segment `s` over the image (and batch).
double mass(const mumu::GenerationResult& r, int64_t s) {
  return r.attention.select(1, s).mean().item<double>();
}

TEST_F(PipelineTest, AttentionRecordAndSpanWeights) {
  auto r = request();
  r.recordAttention = true;
  auto base = mumu::generate(*model_, r);
  ASSERT_TRUE(base.attention.defined());
  ASSERT_EQ(base.attention.sizes(), (std::vector<int64_t>{1, 3, 16, 16}));  // [B, segments, h, w]
  EXPECT_GE(base.attention.min().item<double>(), 0.0);
  // The segments' masses plus BOS's make 1 at every position: the sum over segments stays below 1.
  EXPECT_LE(base.attention.sum(1).max().item<double>(), 1.0 + 1e-5);
  for (int64_t s = 0; s < 3; ++s) EXPECT_GT(mass(base, s), 0.0) << s;
  // Recording changes nothing in the image (same math, probabilities kept).
  EXPECT_EQ(base.images[0].pixels, mumu::generate(*model_, request()).images[0].pixels);

  auto zero = request(0.0);
  zero.recordAttention = true;
  auto z = mumu::generate(*model_, zero);
  EXPECT_EQ(z.attention.select(1, 1).abs().max().item<double>(), 0.0);  // exactly no mass on the image's span
  EXPECT_GT(mass(z, 0), 0.0);

  double previous = mass(z, 1);
  for (double w : {0.25, 1.0, 4.0}) {
    auto q = request(w);
    q.recordAttention = true;
    const double m = mass(mumu::generate(*model_, q), 1);
    EXPECT_GT(m, previous) << "weight " << w;
    previous = m;
  }
  // Weighting a text span works the same way.
  auto t = request();
  t.prompt[2].weight = 0.0;
  t.recordAttention = true;
  EXPECT_EQ(mumu::generate(*model_, t).attention.select(1, 2).abs().max().item<double>(), 0.0);
}

TEST_F(PipelineTest, NegativePromptAndNoGuidance) {
  auto r = request();
  r.negative = {mumu::GenerationSegment::makeText("blurry")};
  auto neg = mumu::generate(*model_, r);
  auto plain = mumu::generate(*model_, request());
  EXPECT_NE(neg.images[0].pixels, plain.images[0].pixels);
  auto one = request();
  one.cfg = 1.0;  // no unconditional pass
  EXPECT_EQ(mumu::generate(*model_, one).images.size(), 1u);
}

TEST_F(PipelineTest, BadRequestsGiveClearErrors) {
  auto r = request();
  r.prompt[1].crop = std::array<int, 4>{30, 0, 20, 10};
  expectError([&] { mumu::generate(*model_, r); }, {"prompt[1]", "crop 30,0,20,10", "40×24"});
  r = request(11.0);
  expectError([&] { mumu::generate(*model_, r); }, {"prompt[1]", "weight"});
  r = request();
  r.width = 31;
  expectError([&] { mumu::generate(*model_, r); }, {"size 31x32", "multiples of 2"});
  r = request();
  r.sampler = "warp_drive";
  expectError([&] { mumu::generate(*model_, r); }, {"warp_drive"});
  r = request();
  r.batch = 0;
  expectError([&] { mumu::generate(*model_, r); }, {"batch"});
  r = request();
  r.prompt[1].image = mumu::Image{};
  expectError([&] { mumu::generate(*model_, r); }, {"prompt[1]", "empty image"});
}

// The trainer's batch: prompts of different lengths and image counts (none, one, two, and the empty CFG prompt) in
// one pass give each prompt's own conditioning in its rows, the padding after it masked out.
TEST_F(PipelineTest, BatchedPromptsEqualEachPromptAlone) {
  using mumu::GenerationSegment;
  torch::NoGradGuard noGrad;
  const std::vector<std::vector<GenerationSegment>> prompts = {
      request().prompt,
      {GenerationSegment::makeText("a small blue star on a plain background, in flat style, seen from far away")},
      {},
      {GenerationSegment::makeImage(testImage(20, 30, 5)), GenerationSegment::makeText("and"),
       GenerationSegment::makeImage(testImage(33, 17, 6))}};
  const mumu::BatchConditioning batch = mumu::encodeMumuPrompts(*model_, prompts);
  ASSERT_EQ(batch.lengths.size(), prompts.size());
  int64_t longest = 0;
  for (size_t i = 0; i < prompts.size(); ++i) {
    const mumu::PromptConditioning alone = mumu::encodeMumuPrompt(*model_, prompts[i]);
    const int64_t n = alone.states.size(1);
    EXPECT_EQ(batch.lengths[i], n) << i;
    longest = std::max(longest, n);
    const at::Tensor rows = batch.states[static_cast<int64_t>(i)].narrow(0, 0, n);
    EXPECT_TRUE(at::allclose(rows, alone.states[0], 1e-4, 1e-5))
        << i << ": max |diff| " << (rows - alone.states[0]).abs().max().item<float>();
    if (alone.pooled.defined()) {
      EXPECT_TRUE(at::allclose(batch.pooled[static_cast<int64_t>(i)], alone.pooled[0], 1e-4, 1e-5)) << i;
    }
  }
  EXPECT_EQ(batch.states.size(1), longest);
  // A batch without a single image (the VLM's vision tower skipped) pads the same way.
  const mumu::BatchConditioning words = mumu::encodeMumuPrompts(*model_, {prompts[1], prompts[2]});
  const mumu::PromptConditioning empty = mumu::encodeMumuPrompt(*model_, prompts[2]);
  EXPECT_TRUE(at::allclose(words.states[1].narrow(0, 0, empty.states.size(1)), empty.states[0], 1e-4, 1e-5));
  expectError([&] { mumu::encodeMumuPrompts(*model_, {}); }, {"no prompts"});
  expectError(
      [&] {
        mumu::encodeMumuPrompts(*model_, {{GenerationSegment::makeText("fine")}, {GenerationSegment::makeImage({})}},
                                {"first", "sample 'x' (m.jsonl:2)"});
      },
      {"sample 'x' (m.jsonl:2)[0]", "empty image"});
}

TEST_F(PipelineTest, RecipeRoundTripReproducesTheImage) {
  const fs::path work = dir_ / "roundtrip";
  fs::create_directories(work);
  mumu::writeImage((work / "ref.png").string(), testImage(40, 24, 3));
  mumu::Prompt prompt = mumu::parsePrompt("a red [img:ref.png:0.8@2,2,30,20] on a (table:1.2)");
  prompt = mumu::resolveImagePaths(prompt, work.string());
  mumu::hashPromptImages(prompt);
  mumu::GenerationRequest r;
  r.prompt = mumu::generationSegments(prompt);
  r.seeds = {5, 9};
  r.batch = 2;
  r.steps = 3;
  auto out = mumu::generate(*model_, r);
  ASSERT_EQ(out.images.size(), 2u);
  const auto info = mumu::describeMumuModel(*model_);
  const std::string png = (work / "out.png").string();
  mumu::writeImage(png, out.images[1]);
  mumu::embedRecipeInFile(png, mumu::recipeForImage(prompt, "", out, 1, info));

  // Move the reference away from its recorded path: found next to the image by name.
  fs::rename(work / "ref.png", work / "moved.png");
  fs::create_directories(work / "gen");
  fs::copy_file(png, work / "gen" / "out.png");
  fs::copy_file(work / "moved.png", work / "gen" / "ref.png");
  auto recovered = mumu::readRecipeFromPng((work / "gen" / "out.png").string());
  ASSERT_TRUE(recovered.has_value());
  ASSERT_EQ(recovered->origin, mumu::RecoveredRecipe::Mumu);
  EXPECT_EQ(recovered->recipe.seed, 9u);
  EXPECT_EQ(recovered->recipe.modelHash, info.hash);
  auto again = mumu::requestFromRecipe(recovered->recipe, (work / "gen" / "out.png").string());
  auto out2 = mumu::generate(*model_, again);
  ASSERT_EQ(out2.images.size(), 2u);
  const auto decoded = mumu::readImage((work / "gen" / "out.png").string());
  EXPECT_EQ(decoded.pixels, out2.images[recovered->recipe.batchIndex].pixels);

  // Found by SHA-256 under another name; a changed file is not taken.
  fs::rename(work / "gen" / "ref.png", work / "gen" / "renamed.png");
  EXPECT_NO_THROW(mumu::requestFromRecipe(recovered->recipe, (work / "gen" / "out.png").string()));
  mumu::writeImage((work / "gen" / "renamed.png").string(), testImage(40, 24, 4));
  expectError([&] { mumu::requestFromRecipe(recovered->recipe, (work / "gen" / "out.png").string()); },
              {"reference image", "not found"});
}

TEST_F(PipelineTest, SavedPackageReloadsToTheSameImages) {
  const std::string saved = (dir_ / "saved").string();
  mumu::saveMumuPackage(*model_, saved);
  auto again = mumu::openMumuPackage(saved);
  EXPECT_EQ(mumu::generate(*again, request()).images[0].pixels, mumu::generate(*model_, request()).images[0].pixels);
  EXPECT_TRUE(fs::exists(fs::path(saved) / "tokenizer.json"));
}

// ---- bad packages ----

class BadPackageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pkg_ = fs::temp_directory_path() / ("mumu_test_badpkg_" + std::to_string(::getpid()));
    fs::remove_all(pkg_);
    mumu::createRandomMumuPackageNamed("small", pkg_.string(), 1);
  }
  void TearDown() override { fs::remove_all(pkg_); }
  json readConfig() {
    std::ifstream in(pkg_ / "mumu.json");
    return json::parse(in);
  }
  void writeConfig(const std::string& text) { std::ofstream(pkg_ / "mumu.json") << text; }
  fs::path pkg_;
};

TEST_F(BadPackageTest, MissingFolderAndFiles) {
  expectError([&] { mumu::openMumuPackage((pkg_ / "nope").string()); }, {"nope", "no such folder"});
  fs::remove(pkg_ / "unet.safetensors");
  expectError([&] { mumu::openMumuPackage(pkg_.string()); }, {"unet.safetensors", "no such file", "unet.weights"});
  fs::remove(pkg_ / "mumu.json");
  expectError([&] { mumu::openMumuPackage(pkg_.string()); }, {"mumu.json", "no such file"});
}

TEST_F(BadPackageTest, WrongAndMissingTensors) {
  auto tensors = mumu::loadSafetensors((pkg_ / "connector.safetensors").string());
  std::map<std::string, at::Tensor> copy;
  for (const auto& [k, v] : tensors) copy[k] = v.clone();
  copy["proj_in.weight"] = at::zeros({32, 31});
  copy.erase("layers.1.mlp.fc2.bias");
  mumu::saveSafetensors((pkg_ / "connector.safetensors").string(), copy);
  expectError([&] { mumu::openMumuPackage(pkg_.string()); },
              {"connector.safetensors", "proj_in.weight", "layers.1.mlp.fc2.bias"});
}

TEST_F(BadPackageTest, BadMumuJson) {
  const json good = readConfig();
  writeConfig("{\"vlm\": ");
  expectError([&] { mumu::openMumuPackage(pkg_.string()); }, {"mumu.json", "invalid JSON"});
  json j = good;
  j.erase("unet");
  writeConfig(j.dump());
  expectError([&] { mumu::openMumuPackage(pkg_.string()); }, {"mumu.json", "unet: missing"});
  j = good;
  j["connector"]["config"]["output_dim"] = 48;
  writeConfig(j.dump());
  expectError([&] { mumu::openMumuPackage(pkg_.string()); }, {"mumu.json", "output_dim 48", "cross_attention_dim 32"});
  j = good;
  j["connector"]["config"]["num_layers"] = "two";
  writeConfig(j.dump());
  expectError([&] { mumu::openMumuPackage(pkg_.string()); }, {"connector.config", "num_layers"});
  j = good;
  j["format_version"] = 2;
  writeConfig(j.dump());
  expectError([&] { mumu::openMumuPackage(pkg_.string()); }, {"format_version"});
}

// ---- built-in configs ----

TEST(MumuConfigs, FullSizeCountsOnMeta) {
  const auto n = mumu::countMumuParametersNamed("mumu-xl");
  EXPECT_EQ(n.at("unet"), 2567463684LL);  // SDXL base (DESIGN.md §1)
  const int64_t d = 2048, in = 4096, mlp = 8192;
  const int64_t layer = 4 * (d * d + d) + 2 * 2 * d + (d * mlp + mlp) + (mlp * d + d);
  EXPECT_EQ(n.at("connector"), (in * d + d) + 16 * layer + 2 * d + (d * d + d) + (d * 1280 + 1280));
  EXPECT_EQ(n.at("vlm"), 7620215024LL);  // Idefics2-8B (8,271,683,824) minus its perceiver (MUMU mode)
  EXPECT_EQ(n.at("total"), n.at("vlm") + n.at("connector") + n.at("unet") + n.at("vae"));
  expectError([] { mumu::countMumuParametersNamed("mumu-xxl"); }, {"mumu-xxl", "mumu-xl, nano, small"});
}

}  // namespace
