// Idefics2 (vision tower, connector, Mistral): parity with transformers 4.42 on the tiny reference case,
// full-size parameter shapes on the meta device, MUMU mode, config parsing and prompt assembly.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>

#include <unistd.h>

#include "model/error.h"
#include "model/io/safetensors.h"
#include "model/nn/layers.h"
#include "model/pipeline/idefics2.h"
#include "model/vision/image_processing.h"

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

const std::string kParity = MUMU_PARITY_DIR;
const std::string kTinyCase = kParity + "/idefics2_tiny";
const std::string kFullSize = kParity + "/fullsize/idefics2_8b";

// Expects `fn` to throw mumu::Error whose message contains `needle`.
template <class Fn>
void expectError(Fn&& fn, const std::string& needle) {
  try {
    fn();
    ADD_FAILURE() << "no mumu::Error thrown (expected one mentioning \"" << needle << "\")";
  } catch (const mumu::Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

mumu::Idefics2Config tinyConfig() {
  return mumu::loadIdefics2Config(kTinyCase + "/config.json");
}

double maxAbsDiff(const at::Tensor& a, const at::Tensor& b) {
  return (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>();
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------
// parity

TEST(Idefics2Parity, TinyCaseMatchesTransformers) {
  const auto io = mumu::loadSafetensors(kTinyCase + "/io.safetensors");
  const auto got = mumu::runIdefics2Case(kTinyCase, io);
  std::set<std::string> expectedNames;
  for (const auto& [name, ref] : io) {
    if (name.rfind("input.", 0) == 0) continue;
    expectedNames.insert(name);
    auto it = got.find(name);
    ASSERT_NE(it, got.end()) << "not traced: " << name;
    const at::Tensor& t = it->second;
    ASSERT_EQ(t.sizes(), ref.sizes()) << name;
    if (ref.scalar_type() == at::kBool || !at::isFloatingType(ref.scalar_type())) {
      EXPECT_EQ(t.scalar_type(), ref.scalar_type()) << name;
      EXPECT_TRUE(at::equal(t.to(ref.scalar_type()), ref)) << name << " differs";
      std::printf("  %-32s exact\n", name.c_str());
      continue;
    }
    const double tol = (name.rfind("vision.", 0) == 0 || name.rfind("connector.", 0) == 0) ? 1e-4 : 2e-4;
    const double diff = maxAbsDiff(t, ref);
    std::printf("  %-32s max abs diff %.3g (tolerance %.0e)\n", name.c_str(), diff, tol);
    EXPECT_LE(diff, tol) << name;
  }
  std::set<std::string> gotNames;
  for (const auto& [name, t] : got) gotNames.insert(name);
  EXPECT_EQ(gotNames, expectedNames);
}

TEST(Idefics2Parity, VisionPositionIdsAreBucketedOverTheFullGrid) {
  auto mask = at::zeros({2, 4, 4}, at::kBool);
  mask[0].fill_(true);
  mask[1].narrow(0, 0, 3).narrow(1, 0, 3).fill_(true);  // a 3 × 3 image on the 4 × 4 grid
  auto ids = mumu::idefics2VisionPositionIds(mask, /*numPatchesPerSide=*/4);
  EXPECT_TRUE(at::equal(ids[0], at::arange(16, at::kLong)));
  auto valid = ids[1].index({mask[1].reshape(-1)});
  EXPECT_EQ(std::vector<int64_t>(valid.data_ptr<int64_t>(), valid.data_ptr<int64_t>() + 9),
            (std::vector<int64_t>{0, 1, 2, 4, 5, 6, 8, 9, 10}));
  auto holey = mask.clone();
  holey[0][1][1] = false;
  expectError([&] { mumu::idefics2VisionPositionIds(holey, 4); }, "rectangle");
  expectError([&] { mumu::idefics2VisionPositionIds(at::zeros({1, 4, 4}, at::kBool), 4); }, "no valid patch");
}

// ---------------------------------------------------------------------------------------------------------
// full size

TEST(Idefics2FullSize, ParameterCountAndShapesOnMeta) {
  const auto config = mumu::loadIdefics2Config(kFullSize + "/config.json");
  mumu::Idefics2Model model(config, at::TensorOptions().device(at::kMeta));
  EXPECT_EQ(mumu::nn::countParameters(*model), 8271683824LL);

  std::ifstream in(kFullSize + "/params.json");
  ASSERT_TRUE(in) << "cannot read params.json";
  const json params = json::parse(in);
  std::map<std::string, std::vector<int64_t>> expected;
  for (const auto& t : params.at("tensors")) {
    std::string name = t.at("name").get<std::string>();
    if (name.rfind("lm_head.", 0) == 0) continue;
    ASSERT_EQ(name.rfind("model.", 0), 0u) << name;
    expected[name.substr(6)] = t.at("shape").get<std::vector<int64_t>>();
  }
  std::map<std::string, std::vector<int64_t>> ours;
  for (const auto& p : model->named_parameters()) ours[p.key()] = p.value().sizes().vec();
  EXPECT_EQ(ours.size(), expected.size());
  for (const auto& [name, shape] : expected) {
    auto it = ours.find(name);
    if (it == ours.end()) {
      ADD_FAILURE() << "missing " << name;
      continue;
    }
    EXPECT_EQ(it->second, shape) << name;
  }
  for (const auto& [name, shape] : ours) EXPECT_TRUE(expected.count(name)) << "unexpected " << name;
}

TEST(Idefics2FullSize, MumuModeDropsOnlyThePerceiver) {
  auto config = mumu::loadIdefics2Config(kFullSize + "/config.json");
  config.usePerceiver = false;
  mumu::Idefics2Model model(config, at::TensorOptions().device(at::kMeta));
  int64_t perceiver = 0;
  for (const auto& p : model->named_parameters())
    EXPECT_EQ(p.key().find("perceiver_resampler"), std::string::npos) << p.key();
  std::ifstream in(kFullSize + "/params.json");
  const json params = json::parse(in);
  for (const auto& t : params.at("tensors"))
    if (t.at("name").get<std::string>().find("perceiver_resampler") != std::string::npos)
      perceiver += t.at("numel").get<int64_t>();
  EXPECT_GT(perceiver, 0);
  EXPECT_EQ(mumu::nn::countParameters(*model), 8271683824LL - perceiver);
  EXPECT_EQ(mumu::idefics2ImageSeqLen(config, 36, 36), 1296);
}

// ---------------------------------------------------------------------------------------------------------
// configuration

TEST(Idefics2Config, OmittedKeysTakeTransformersDefaults) {
  const auto written = mumu::loadIdefics2Config(kTinyCase + "/config.json");
  const auto full = mumu::loadIdefics2Config(kTinyCase + "/config_full.json");
  EXPECT_TRUE(written == full);
  EXPECT_EQ(written.vision.hiddenSize, 32);
  EXPECT_EQ(written.vision.patchSize, 14);
  EXPECT_EQ(written.vision.numPatchesPerSide(), 4);
  EXPECT_EQ(written.perceiver.resamplerNLatents, 8);
  EXPECT_EQ(written.perceiver.numKeyValueHeads, 1);
  EXPECT_EQ(written.text.numKeyValueHeads, 2);
  EXPECT_EQ(written.text.slidingWindow, 4096);
  EXPECT_DOUBLE_EQ(written.text.rmsNormEps, 1e-5);
  EXPECT_EQ(written.imageTokenId, 98);
  EXPECT_TRUE(written.usePerceiver);

  const auto defaults = mumu::parseIdefics2Config(json::object(), "defaults");
  EXPECT_EQ(defaults.vision.hiddenSize, 768);
  EXPECT_EQ(defaults.vision.patchSize, 32);
  EXPECT_EQ(defaults.perceiver.resamplerNLatents, 64);
  EXPECT_DOUBLE_EQ(defaults.text.rmsNormEps, 1e-5);  // Idefics2's own default text config
  EXPECT_EQ(defaults.text.padTokenId, 0);
  EXPECT_EQ(defaults.imageTokenId, 32001);
  const auto givenText = mumu::parseIdefics2Config(json::parse(R"({"text_config": {"vocab_size": 32003}})"), "t");
  EXPECT_DOUBLE_EQ(givenText.text.rmsNormEps, 1e-6);  // MistralConfig's default
  EXPECT_FALSE(givenText.text.padTokenId.has_value());
  const auto noWindow = mumu::parseIdefics2Config(
      json::parse(R"({"text_config": {"sliding_window": null}, "use_perceiver": false})"), "t");
  EXPECT_FALSE(noWindow.text.slidingWindow.has_value());
  EXPECT_FALSE(noWindow.usePerceiver);
  EXPECT_EQ(mumu::idefics2SpecialTokens(defaults).fakeTokenAroundImage, 32000);
  EXPECT_EQ(mumu::idefics2SpecialTokens(defaults).endOfUtterance, 32002);
}

TEST(Idefics2Config, ErrorsNameTheFileAndTheKey) {
  auto parse = [](const char* text) { return mumu::parseIdefics2Config(json::parse(text), "cfg.json"); };
  expectError([&] { parse(R"({"text_config": {"hidden_size": "big"}})"); }, "cfg.json: text_config.hidden_size");
  expectError([&] { parse(R"({"text_config": {"hidden_size": 33, "num_attention_heads": 4}})"); }, "not divisible");
  expectError([&] { parse(R"({"text_config": {"model_type": "llama"}})"); }, "text_config.model_type");
  expectError([&] { parse(R"({"vision_config": {"hidden_act": "tanh"}})"); }, "vision_config.hidden_act");
  expectError([&] { parse(R"({"vision_config": 5})"); }, "vision_config: expected an object");
  expectError([&] { parse(R"({"perceiver_config": {"resampler_n_heads": 6, "num_key_value_heads": 4}})"); },
              "perceiver_config.resampler_n_heads");
  expectError([&] { parse(R"({"image_token_id": -1})"); }, "image_token_id");
  expectError([&] { parse(R"({"vision_config": {"patch_size": 0}})"); }, "vision_config.patch_size");
  expectError([&] { parse(R"({"model_type": "llava"})"); }, "model_type");
  expectError([&] { parse(R"([1, 2])"); }, "not a JSON object");

  const fs::path dir = fs::temp_directory_path() / ("mumu_idefics2_cfg_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string bad = (dir / "config.json").string();
  std::ofstream(bad) << "{\"vision_config\": {";
  expectError([&] { mumu::loadIdefics2Config(bad); }, bad + ": malformed JSON");
  expectError([&] { mumu::loadIdefics2Config((dir / "absent.json").string()); }, "no such file");
  expectError([&] { mumu::runIdefics2Case(dir.string(), {}); }, "malformed JSON");
  fs::remove_all(dir);
}

// ---------------------------------------------------------------------------------------------------------
// weights

TEST(Idefics2Weights, ConditionalGenerationNamesLoadAndMissingTensorsAreNamed) {
  const auto config = tinyConfig();
  auto tensors = mumu::loadSafetensors(kTinyCase + "/model.safetensors");
  std::map<std::string, at::Tensor> prefixed;
  for (const auto& [name, t] : tensors) prefixed["model." + name] = t;
  prefixed["lm_head.weight"] = at::zeros({config.text.vocabSize, config.text.hiddenSize});

  mumu::Idefics2Model model(config, at::TensorOptions());
  mumu::loadIdefics2Weights(*model, prefixed, "prefixed");
  EXPECT_TRUE(at::equal(model->text_model->norm->weight, tensors.at("text_model.norm.weight")));
  EXPECT_TRUE(
      at::equal(model->connector->perceiver_resampler->latents, tensors.at("connector.perceiver_resampler.latents")));

  auto missing = tensors;
  missing.erase("vision_model.encoder.layers.1.mlp.fc2.bias");
  expectError([&] { mumu::loadIdefics2Weights(*model, missing, "partial.safetensors"); },
              "vision_model.encoder.layers.1.mlp.fc2.bias");
  auto wrong = tensors;
  wrong["text_model.norm.weight"] = at::zeros({31});
  expectError([&] { mumu::loadIdefics2Weights(*model, wrong, "wrong.safetensors"); }, "text_model.norm.weight");
}

// ---------------------------------------------------------------------------------------------------------
// Mistral pieces

TEST(Mistral, AttentionBiasIsCausalWindowedAndPadded) {
  auto bias = mumu::mistralAttentionBias(4, {}, /*slidingWindow=*/2, at::kFloat, at::kCPU);  // [1, 1, 4, 4]
  auto keep = bias[0][0].eq(0);
  const bool expected[4][4] = {{1, 0, 0, 0}, {1, 1, 0, 0}, {0, 1, 1, 0}, {0, 0, 1, 1}};
  for (int q = 0; q < 4; ++q)
    for (int k = 0; k < 4; ++k) EXPECT_EQ(keep[q][k].item<bool>(), expected[q][k]) << q << "," << k;
  auto padded = mumu::mistralAttentionBias(3, at::tensor({0, 1, 1}).view({1, 3}), std::nullopt, at::kFloat, at::kCPU);
  EXPECT_EQ(padded.sizes(), (std::vector<int64_t>{1, 1, 3, 3}));
  EXPECT_LT(padded[0][0][2][0].item<float>(), -1e38f);  // the padded key is masked
  EXPECT_EQ(padded[0][0][2][1].item<float>(), 0.0f);
  EXPECT_TRUE(at::equal(mumu::positionIdsFromAttentionMask(at::tensor({0, 0, 1, 1}).view({1, 4})),
                        at::tensor({1, 1, 0, 1}, at::kLong).view({1, 4})));
}

TEST(Mistral, LaterTokensDoNotChangeEarlierStates) {
  auto config = tinyConfig().text;
  mumu::MistralModel lm(config, at::TensorOptions());
  mumu::nn::initRandom(*lm, 7);
  torch::NoGradGuard noGrad;
  auto x = at::randn({1, 6, config.hiddenSize});
  auto a = lm->forward(x, {}, {}, /*outputHiddenStates=*/true);
  ASSERT_EQ(a.hiddenStates.size(), static_cast<size_t>(config.numHiddenLayers + 1));
  EXPECT_TRUE(at::equal(a.hiddenStates.front(), x));
  EXPECT_TRUE(at::equal(a.hiddenStates.back(), a.lastHiddenState));
  auto y = x.clone();
  y[0][5].fill_(3.0);
  auto b = lm->forward(y);
  EXPECT_LE(maxAbsDiff(a.lastHiddenState.narrow(1, 0, 5), b.lastHiddenState.narrow(1, 0, 5)), 1e-6);
  EXPECT_GT(maxAbsDiff(a.lastHiddenState.narrow(1, 5, 1), b.lastHiddenState.narrow(1, 5, 1)), 1e-3);
}

// ---------------------------------------------------------------------------------------------------------
// MUMU mode

namespace {

mumu::Image gradientImage(int width, int height) {
  mumu::Image im;
  im.width = width;
  im.height = height;
  im.channels = 3;
  im.pixels.resize(static_cast<size_t>(width) * height * 3);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      for (int c = 0; c < 3; ++c) im.row(y)[3 * x + c] = static_cast<uint8_t>((x * 7 + y * 3 + c * 50) % 256);
  return im;
}

// One token per character: 'a' → 10, 'b' → 11, ...
std::vector<int32_t> letters(const std::string& text) {
  std::vector<int32_t> ids;
  for (char ch : text) ids.push_back(10 + (ch - 'a'));
  return ids;
}

}  // namespace

TEST(Idefics2Mumu, EveryPatchIsAnImageToken) {
  auto config = tinyConfig();
  config.usePerceiver = false;
  mumu::Idefics2Model model(config, at::TensorOptions());
  mumu::loadIdefics2Checkpoint(*model, kTinyCase);  // a stock checkpoint: the perceiver tensors are ignored
  model->eval();
  torch::NoGradGuard noGrad;
  mumu::Idefics2SpecialTokens special{/*bos=*/1, /*fake=*/96, /*image=*/98, /*eou=*/97};

  for (int grid : {4, 2}) {  // the full position grid, and a smaller one (bucketed positions)
    mumu::MumuImageOptions options;
    options.gridSize = grid;
    options.patchSize = static_cast<int>(config.vision.patchSize);
    auto images = mumu::mumuPreprocessImages({{gradientImage(30, 20), gradientImage(17, 40)}}, options);
    ASSERT_EQ(images.pixelValues.sizes(), (std::vector<int64_t>{1, 2, 3, grid * 14, grid * 14}));
    const int64_t perImage = mumu::idefics2ImageSeqLen(config, grid, grid);
    EXPECT_EQ(perImage, grid * grid);
    auto prompt =
        mumu::assembleIdefics2Prompt({mumu::TokenSegment::makeImage(perImage), mumu::TokenSegment::makeText("man"),
                                      mumu::TokenSegment::makeImage(perImage), mumu::TokenSegment::makeText("cab")},
                                     letters, special);
    EXPECT_EQ(prompt.numImageTokens, 2 * grid * grid);
    auto ids = at::tensor(std::vector<int64_t>(prompt.ids.begin(), prompt.ids.end())).view({1, -1});

    mumu::TensorTrace trace;
    auto out = model->forward(ids, at::ones_like(ids), images.pixelValues, images.pixelAttentionMask,
                              /*outputHiddenStates=*/false, &trace);
    EXPECT_EQ(out.lastHiddenState.sizes(), (std::vector<int64_t>{1, ids.size(1), config.text.hiddenSize}));
    EXPECT_EQ(out.imageHiddenStates.sizes(), (std::vector<int64_t>{2, grid * grid, config.text.hiddenSize}));
    EXPECT_TRUE(out.lastHiddenState.isfinite().all().item<bool>());
    // The image rows of inputs_embeds are the modality projection of every patch, image-major.
    auto isImage = ids[0].eq(98);
    auto inserted = trace.at("text.inputs_embeds")[0].index({isImage});
    EXPECT_TRUE(at::equal(inserted, trace.at("connector.modality_projection").reshape({-1, config.text.hiddenSize})));
    EXPECT_EQ(trace.count("output.image_hidden_states"), 1u);

    // One image token too many: refused with both counts.
    auto extra = at::cat({ids, at::full({1, 1}, 98, at::kLong)}, 1);
    expectError([&] { model->forward(extra, {}, images.pixelValues, images.pixelAttentionMask); },
                std::to_string(2 * grid * grid + 1) + " image tokens");
  }
}

TEST(Idefics2Model, TextOnlyAndPaddingImages) {
  const auto config = tinyConfig();
  mumu::Idefics2Model model(config, at::TensorOptions());
  mumu::loadIdefics2Checkpoint(*model, kTinyCase);
  torch::NoGradGuard noGrad;
  auto ids = at::tensor({1, 5, 6, 7}, at::kLong).view({1, 4});
  auto textOnly = model->forward(ids);
  EXPECT_FALSE(textOnly.imageHiddenStates.defined());
  // An all-zero (padding) image is dropped, so it changes nothing.
  auto padded = model->forward(ids, {}, at::zeros({1, 1, 3, 56, 56}), at::zeros({1, 1, 56, 56}, at::kBool));
  EXPECT_TRUE(at::equal(textOnly.lastHiddenState, padded.lastHiddenState));
  expectError([&] { model->forward(at::tensor({1, 500}, at::kLong).view({1, 2})); }, "outside the vocabulary");
}

// ---------------------------------------------------------------------------------------------------------
// prompt assembly

TEST(Idefics2Prompt, ImageBlocksAndSpans) {
  mumu::Idefics2SpecialTokens t{/*bos=*/1, /*fake=*/90, /*image=*/91, /*eou=*/92};
  using S = mumu::TokenSegment;
  std::vector<bool> atStart;
  auto encode = [&](const std::string& text, bool start) {
    atStart.push_back(start);
    return letters(text);
  };
  auto p = mumu::assembleIdefics2Prompt(
      {S::makeText("ab"), S::makeImage(3), S::makeImage(3), S::makeText("c"), S::makeImage(2, /*subImages=*/2)},
      mumu::EncodeTextFn(encode), t);
  const std::vector<int32_t> expected = {1, 10, 11, 90, 91, 91, 91, 90, 91, 91, 91, 90, 12, 90, 91, 91, 90, 91, 91, 90};
  EXPECT_EQ(p.ids, expected);
  EXPECT_EQ(p.numImageTokens, 10);
  using K = S::Kind;
  const std::vector<mumu::PromptSpan> spans = {
      {K::Text, 0, 1, 3}, {K::Image, 1, 3, 8}, {K::Image, 2, 8, 12}, {K::Text, 3, 12, 13}, {K::Image, 4, 13, 20}};
  EXPECT_EQ(p.spans, spans);
  EXPECT_EQ(atStart, (std::vector<bool>{true, false}));

  // An image first, no BOS: the text after it is not at the start.
  atStart.clear();
  auto q = mumu::assembleIdefics2Prompt({S::makeImage(1), S::makeText("a")}, mumu::EncodeTextFn(encode), t,
                                        /*addBos=*/false);
  EXPECT_EQ(q.ids, (std::vector<int32_t>{90, 91, 90, 10}));
  EXPECT_EQ(atStart, (std::vector<bool>{false}));

  expectError([&] { mumu::assembleIdefics2Prompt({S::makeImage(0)}, letters, t); }, "image segment 0");
  expectError(
      [&] {
        mumu::assembleIdefics2Prompt(
            {S::makeText("x")}, [](const std::string&) { return std::vector<int32_t>{91}; }, t);
      },
      "<image> token id");
}
