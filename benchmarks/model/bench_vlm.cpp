// bench_vlm — encoding a MUMU prompt with 3 reference images (perceiver removed: every patch token kept):
// the whole small (parity) config, and single layers at the full Idefics2-8B shapes, extrapolated to the
// full depth (SigLIP 27 layers, Mistral 32 layers).
#include <benchmark/benchmark.h>

#include "bench_common.h"
#include "model/lm/mistral.h"
#include "model/nn/layers.h"
#include "model/pipeline/idefics2.h"
#include "model/runtime.h"
#include "model/vision/siglip.h"

namespace {

using namespace mumu;

std::string parityPath(const std::string& rel) { return std::string(MUMU_PARITY_DIR) + "/" + rel; }

constexpr int64_t kImages = 3;

// The tiny parity config in MUMU mode: 3 images of 4×4 patches, the prompt around them.
void BM_EncodePromptSmall(benchmark::State& state) {
  initRuntime();
  torch::NoGradGuard noGrad;
  Idefics2Config config = loadIdefics2Config(parityPath("idefics2_tiny/config.json"));
  config.usePerceiver = false;
  Idefics2Model model(config, at::TensorOptions());
  nn::initRandom(*model, 0);
  model->eval();
  const int64_t side = config.vision.imageSize, perImage = config.vision.numPatchesPerSide() * config.vision.numPatchesPerSide();
  std::vector<int64_t> ids = {1, 10, 11};
  for (int64_t i = 0; i < kImages; ++i) {
    ids.push_back(config.fakeImageTokenId < config.text.vocabSize ? config.fakeImageTokenId : 96);
    for (int64_t k = 0; k < perImage; ++k) ids.push_back(config.imageTokenId);
    ids.push_back(config.fakeImageTokenId < config.text.vocabSize ? config.fakeImageTokenId : 96);
    ids.push_back(20 + i);
  }
  auto inputIds = torch::tensor(ids).unsqueeze(0);
  auto pixels = torch::rand({1, kImages, 3, side, side}) * 2 - 1;
  auto pixelMask = torch::ones({1, kImages, side, side}, torch::kBool);
  model->forward(inputIds, torch::ones_like(inputIds), pixels, pixelMask);  // warm-up
  for (auto _ : state) {
    auto out = model->forward(inputIds, torch::ones_like(inputIds), pixels, pixelMask);
    benchmark::DoNotOptimize(out.lastHiddenState.data_ptr());
  }
  state.counters["tokens"] = static_cast<double>(ids.size());
}

// One SigLIP-SO400M encoder layer over 3 images × grid² patches; ×27 layers.
void BM_SiglipLayerFull(benchmark::State& state) {
  initRuntime();
  torch::NoGradGuard noGrad;
  Idefics2VisionConfig v;
  v.hiddenSize = 1152, v.intermediateSize = 4304, v.numAttentionHeads = 16, v.patchSize = 14, v.imageSize = 980;
  Idefics2EncoderLayer layer(v, at::TensorOptions());
  nn::initRandom(*layer, 0);
  const int64_t grid = state.range(0);
  auto x = torch::randn({kImages, grid * grid, v.hiddenSize});
  layer->forward(x, {});  // warm-up: oneDNN / OpenBLAS initialise on first use
  for (auto _ : state) {
    auto y = layer->forward(x, {});
    benchmark::DoNotOptimize(y.data_ptr());
  }
  state.counters["x27_layers_s"] =
      benchmark::Counter(state.iterations() / 27.0, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["peak_MiB"] = bench::peakRssMiB();
}

// One Mistral-7B decoder layer over the whole prompt (3 × grid² image tokens + 40 text tokens); ×32 layers.
void BM_MistralLayerFull(benchmark::State& state) {
  initRuntime();
  torch::NoGradGuard noGrad;
  MistralConfig c;  // Mistral-7B defaults: 4096 wide, 14336 MLP, 32/8 heads
  MistralDecoderLayer layer(c, at::TensorOptions());
  nn::initRandom(*layer, 0);
  const int64_t grid = state.range(0), length = kImages * (grid * grid + 2) + 40;
  auto x = torch::randn({1, length, c.hiddenSize});
  auto positions = torch::arange(length).unsqueeze(0);
  auto bias = mistralAttentionBias(length, torch::ones({1, length}, torch::kLong), std::nullopt, at::kFloat, at::kCPU);
  layer->forward(x, positions, bias);  // warm-up
  for (auto _ : state) {
    auto y = layer->forward(x, positions, bias);
    benchmark::DoNotOptimize(y.data_ptr());
  }
  state.counters["tokens"] = static_cast<double>(length);
  state.counters["x32_layers_s"] =
      benchmark::Counter(state.iterations() / 32.0, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["peak_MiB"] = bench::peakRssMiB();
}

}  // namespace

BENCHMARK(BM_EncodePromptSmall)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SiglipLayerFull)->Arg(18)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_MistralLayerFull)->Arg(18)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK_MAIN();
