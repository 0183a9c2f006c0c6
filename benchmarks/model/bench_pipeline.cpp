// bench_pipeline — MUMU generation end to end on the CPU (model/pipeline generate()) with random-weight packages of
// the built-in "small" (32×32) and "nano" (64×64) configs: time per image and per sampling step, and the share of
// conditioning (tokenizer, VLM, connector), sampling and VAE decode (GenerationResult.timings), for ddim, euler and
// dpmpp_2m_karras, batch 1 and 4, latent previews on / off, attention record on / off.
//   OMP_NUM_THREADS=1 bench_pipeline [--benchmark_filter=nano/dpmpp] [--steps=N] [--package=DIR] ...
// --package=DIR adds an existing package (e.g. a trained nano export) as config "pkg". BM_StepParts splits one
// sampling step into UNet forward, guidance mix, scheduler update and preview, replayed outside generate().
// Threads: --threads=N, else OMP_NUM_THREADS when set, else every core (initRuntime). Both configs use the Mistral
// tokenizer (findMumuTokenizer: $MUMU_TOKENIZER or the npm assets); without it a config is skipped with a message.
// BM_TrainStepParts splits a training step (batch 16) into the conditioning (one prompt at a time, or batched as the
// trainer does; 16 copies of one prompt) and the UNet, both with backward.
// --hashes labels each case with a hash of its output bytes (compare before / after a change for bit-identity).
// --device=cuda[:N] and --dtype=… run every case there (default: the CPU in float32; CUDA in bfloat16). --xl adds
// BM_GenerateXl: the full-size mumu-xl config with random weights built on the device, one 1024² image, --steps
// (default 30) with classifier-free guidance, timed to the device's completion, with peak GPU memory.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bench_common.h"
#include "model/diffusion/latent_preview.h"
#include "model/diffusion/schedulers.h"
#include "model/error.h"
#include "model/io/sha256.h"
#include "model/pipeline/mumu_model.h"
#include "model/pipeline/pipeline.h"
#include "model/device.h"
#include "model/runtime.h"

#ifdef MUMU_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#endif

namespace {

using namespace mumu;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

int gSteps = 8;        // sampling steps per generation (--steps)
std::string gPackage;  // --package: an extra package dir, benchmarked as "pkg"
bool gHashes = false;  // --hashes: print a SHA-256 of every case's output bytes (bit-identity checks)
int gThreads = 0;      // --threads: intra-op threads (default: initRuntime's choice)
std::string gDevice = "cpu", gDtype;  // --device, --dtype
bool gXl = false;                     // --xl: the full-size generation
fs::path gTempDir;

double secondsSince(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// One loaded model per config, built once (random weights, fixed seed) in a temp folder.
std::shared_ptr<MumuModel> modelFor(const std::string& config) {
  static std::map<std::string, std::shared_ptr<MumuModel>> cache;
  if (auto it = cache.find(config); it != cache.end()) return it->second;
  std::string dir = gPackage;
  if (config != "pkg") {
    dir = (gTempDir / config).string();
    createRandomMumuPackageNamed(config, dir, 7);
  }
  return cache[config] = openMumuPackage(dir, gDevice, gDtype);
}

Image testImage(int w, int h) {
  Image img;
  img.width = w, img.height = h, img.channels = 3;
  img.pixels.resize(static_cast<size_t>(w) * h * 3);
  for (size_t i = 0; i < img.pixels.size(); ++i) img.pixels[i] = static_cast<uint8_t>((i * 2654435761u) >> 24);
  return img;
}

// "a red <image> on a table": one reference image, so the VLM runs its vision tower too.
GenerationRequest makeRequest(const std::string& sampler, int batch, bool previews, bool attention) {
  GenerationRequest r;
  r.prompt = {GenerationSegment::makeText("a red"), GenerationSegment::makeImage(testImage(40, 24)),
              GenerationSegment::makeText(" on a table")};
  r.sampler = sampler;
  r.steps = gSteps;
  r.seed = 11;
  r.batch = batch;
  r.previews = previews;
  r.recordAttention = attention;
  return r;
}

std::string outputHash(const GenerationResult& out) {
  Sha256 h;
  for (const auto& img : out.images) h.update(img.pixels.data(), img.pixels.size());
  if (out.attention.defined()) {
    const at::Tensor a = out.attention.contiguous();
    h.update(a.data_ptr(), a.numel() * a.element_size());
  }
  return h.hexDigest().substr(0, 16);
}

void BM_Generate(benchmark::State& state, std::string config, std::string sampler, int batch, bool previews,
                 bool attention) {
  auto model = modelFor(config);
  const GenerationRequest r = makeRequest(sampler, batch, previews, attention);
  // The progress callback a GUI would pass: it receives the previews (the pipeline skips them without one).
  const ProgressFn progress = [](const GenerationProgress& p) {
    benchmark::DoNotOptimize(p.previews.data());
    return true;
  };
  generate(*model, r, progress);  // warm-up: oneDNN primitives, the cached empty-prompt conditioning
  GenerationTimings sum;
  std::string hash;
  for (auto _ : state) {
    const GenerationResult out = generate(*model, r, progress);
    sum.conditioning += out.timings.conditioning, sum.sampling += out.timings.sampling;
    sum.decode += out.timings.decode, sum.total += out.timings.total, sum.steps += out.timings.steps;
    hash = outputHash(out);
  }
  const double n = static_cast<double>(state.iterations());
  state.counters["img_ms"] = 1e3 * sum.total / n / batch;
  state.counters["step_ms"] = 1e3 * sum.sampling / std::max(1, sum.steps);
  state.counters["cond_%"] = 100 * sum.conditioning / sum.total;
  state.counters["sample_%"] = 100 * sum.sampling / sum.total;
  state.counters["decode_%"] = 100 * sum.decode / sum.total;
  state.counters["peak_MiB"] = bench::peakRssMiB();
  if (gHashes) state.SetLabel(hash);
}

// The full-size model at 1024²: the figure the published SDXL pipelines are quoted with (30 steps, CFG, one image).
void BM_GenerateXl(benchmark::State& state) {
  const at::Device device = parseDevice(gDevice);
  const auto t0 = Clock::now();
  auto model = buildRandomMumuModel(builtinMumuConfig("mumu-xl"), 7,
                                    at::TensorOptions().device(device).dtype(parseDtype(gDtype, device)));
  const double buildSeconds = secondsSince(t0);
  if (!model->tokenizer) return state.SkipWithError("no tokenizer installed (scripts/fetch_assets.sh)");
  GenerationRequest r = makeRequest("dpmpp_2m_karras", 1, false, false);
  r.width = r.height = 1024;
  generate(*model, r);  // warm-up: kernels chosen, the empty prompt's conditioning cached
#ifdef MUMU_CUDA
  if (device.is_cuda()) c10::cuda::CUDACachingAllocator::resetPeakStats(device.index());
#endif
  GenerationTimings sum;
  for (auto _ : state) {
    const GenerationResult out = generate(*model, r);  // ends with the decoded image on the host: synchronised
    sum.conditioning += out.timings.conditioning, sum.sampling += out.timings.sampling;
    sum.decode += out.timings.decode, sum.total += out.timings.total, sum.steps += out.timings.steps;
  }
  const double n = static_cast<double>(state.iterations());
  state.counters["img_s"] = sum.total / n;
  state.counters["sampling_s"] = sum.sampling / n;
  state.counters["step_ms"] = 1e3 * sum.sampling / std::max(1, sum.steps);
  state.counters["cond_ms"] = 1e3 * sum.conditioning / n;
  state.counters["decode_ms"] = 1e3 * sum.decode / n;
  state.counters["build_s"] = buildSeconds;
  state.counters["peak_MiB"] = bench::peakRssMiB();
  if (device.is_cuda()) {
    const bench::GpuPeak peak = bench::gpuPeak(device);
    state.counters["gpu_peak_MiB"] = peak.allocatedMiB;
    state.counters["gpu_reserved_MiB"] = peak.reservedMiB;
  }
  state.SetLabel(std::string(device.str()) + " " + dtypeName(model->dtype));
}

// One step of the sampling loop, part by part, as generate() runs it (CFG batch [uncond; cond], padded context).
void BM_StepParts(benchmark::State& state, std::string config, std::string sampler, int batch) {
  if (gDevice != "cpu") return state.SkipWithError("step parts are timed on the CPU only");
  torch::NoGradGuard noGrad;
  auto model = modelFor(config);
  auto& m = *model;
  const auto& c = m.config;
  const PromptConditioning cond = encodeMumuPrompt(m, makeRequest(sampler, 1, false, false).prompt);
  const PromptConditioning uncond = encodeMumuPrompt(m, {});
  const int64_t B = batch, L = std::max(cond.states.size(1), uncond.states.size(1));
  auto pad = [&](const at::Tensor& s) {
    return at::cat({s, at::zeros({1, L - s.size(1), s.size(2)}, s.options())}, 1).expand({B, L, -1});
  };
  const at::Tensor context = at::cat({pad(uncond.states), pad(cond.states)}, 0).contiguous();
  at::Tensor textEmbeds;
  if (cond.pooled.defined())
    textEmbeds = at::cat({uncond.pooled.expand({B, -1}), cond.pooled.expand({B, -1})}, 0).contiguous();
  // The padding of the shorter context masked, as generate() does.
  UNetCallOptions call;
  at::Tensor bias = at::zeros({2 * B, L});
  bias.narrow(0, 0, B).narrow(1, uncond.states.size(1), L - uncond.states.size(1)).fill_(-INFINITY);
  bias.narrow(0, B, B).narrow(1, cond.states.size(1), L - cond.states.size(1)).fill_(-INFINITY);
  call.crossAttention.logitBias = bias.view({2 * B, 1, 1, L});
  const at::Tensor timeIds =
      at::tensor({double(c.height), double(c.width), 0.0, 0.0, double(c.height), double(c.width)}, at::kFloat)
          .view({1, 6})
          .expand({2 * B, 6});
  const int64_t f = int64_t(1) << (c.vaeConfig.blockOutChannels.size() - 1);
  auto scheduler = makeScheduler(sampler, c.schedulerConfig);
  double unet = 0, guidance = 0, update = 0, preview = 0;
  int64_t steps = 0;
  for (auto _ : state) {
    scheduler->setTimesteps(gSteps);
    SeededNoise noise(11);
    at::Tensor x =
        noise.next({B, c.unetConfig.inChannels, c.height / f, c.width / f}, at::kFloat) * scheduler->initNoiseSigma();
    for (int i = 0; i < scheduler->numSteps(); ++i, ++steps) {
      auto t0 = Clock::now();
      at::Tensor in = scheduler->scaleModelInput(x, i);
      in = at::cat({in, in}, 0);
      at::Tensor eps = m.unet->forward(in, scheduler->timesteps()[i], context, textEmbeds, timeIds, call);
      unet += secondsSince(t0), t0 = Clock::now();
      eps = applyGuidanceBatched(eps, c.cfg);
      guidance += secondsSince(t0), t0 = Clock::now();
      x = scheduler->step(eps, i, x, &noise);
      update += secondsSince(t0), t0 = Clock::now();
      benchmark::DoNotOptimize(latentPreviewImages(x).data());
      preview += secondsSince(t0);
    }
  }
  const double n = static_cast<double>(std::max<int64_t>(1, steps));
  state.counters["unet_ms"] = 1e3 * unet / n;
  state.counters["cfg_ms"] = 1e3 * guidance / n;
  state.counters["sched_ms"] = 1e3 * update / n;
  state.counters["preview_ms"] = 1e3 * preview / n;
}

// One training step of the trainer's shape (training/trainer), split: the conditioning of `batch` prompts (VLM +
// connector, forward and backward), one by one or in one batched pass as the trainer does, and the UNet's ε loss on
// the batch at the model's resolution (forward and backward).
void BM_TrainStepParts(benchmark::State& state, std::string config, int batch, bool batched) {
  if (gDevice != "cpu") return state.SkipWithError("training step parts are timed on the CPU only");
  auto model = modelFor(config);
  auto& m = *model;
  const auto& c = m.config;
  const GenerationRequest r = makeRequest("ddim", 1, false, false);
  const int64_t f = int64_t(1) << (c.vaeConfig.blockOutChannels.size() - 1);
  const at::Tensor timeIds =
      at::tensor({double(c.height), double(c.width), 0.0, 0.0, double(c.height), double(c.width)}, at::kFloat)
          .view({1, 6})
          .expand({batch, 6});
  double cond = 0, unet = 0, backCond = 0;
  for (auto _ : state) {
    auto t0 = Clock::now();
    at::Tensor context, textEmbeds;
    if (batched) {
      const BatchConditioning b = encodeMumuPrompts(m, std::vector<std::vector<GenerationSegment>>(batch, r.prompt));
      context = b.states, textEmbeds = b.pooled;
    } else {
      std::vector<at::Tensor> states, pooled;
      for (int i = 0; i < batch; ++i) {
        const PromptConditioning p = encodeMumuPrompt(m, r.prompt);
        states.push_back(p.states);
        if (p.pooled.defined()) pooled.push_back(p.pooled);
      }
      context = at::cat(states, 0);
      textEmbeds = pooled.empty() ? at::Tensor() : at::cat(pooled, 0);
    }
    cond += secondsSince(t0), t0 = Clock::now();
    // The UNet's part, forward and backward, with the conditioning detached so its backward is timed apart.
    at::Tensor ctx = context.detach().requires_grad_(true);
    at::Tensor emb = textEmbeds.defined() ? textEmbeds.detach().requires_grad_(true) : at::Tensor();
    at::Tensor x = at::randn({batch, c.unetConfig.inChannels, c.height / f, c.width / f});
    at::Tensor t = at::randint(0, 1000, {batch}, at::TensorOptions().dtype(at::kLong));
    at::Tensor loss = (m.unet->forward(x, t, ctx, emb, timeIds, {}) - x).pow(2).mean();
    loss.backward();
    unet += secondsSince(t0), t0 = Clock::now();
    // The conditioning's backward, from the gradients the UNet left on it.
    std::vector<at::Tensor> outs{context}, grads{ctx.grad()};
    if (emb.defined()) outs.push_back(textEmbeds), grads.push_back(emb.grad());
    torch::autograd::backward(outs, grads);
    backCond += secondsSince(t0);
    for (auto& p : m.unet->parameters()) p.mutable_grad() = at::Tensor();
    for (auto& p : m.vlm->parameters()) p.mutable_grad() = at::Tensor();
    for (auto& p : m.connector->parameters()) p.mutable_grad() = at::Tensor();
  }
  const double n = static_cast<double>(state.iterations());
  state.counters["cond_fwd_ms"] = 1e3 * cond / n;
  state.counters["cond_bwd_ms"] = 1e3 * backCond / n;
  state.counters["unet_fwd_bwd_ms"] = 1e3 * unet / n;
  state.counters["cond_%"] = 100 * (cond + backCond) / (cond + backCond + unet);
}

bool available(const std::string& config) {
  if (config == "pkg") return !gPackage.empty();
  try {
    findMumuTokenizer(builtinMumuConfig(config), "");
    return true;
  } catch (const Error& e) {
    std::cerr << "bench_pipeline: skipping config '" << config << "': " << e.what() << "\n";
    return false;
  }
}

}  // namespace

int main(int argc, char** argv) {
  ensureFastBlas(argc, argv);  // as the CLI: OpenBLAS's generic kernels would dominate every figure
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.rfind("--steps=", 0) == 0)
      gSteps = std::max(1, std::atoi(a.c_str() + 8));
    else if (a.rfind("--package=", 0) == 0)
      gPackage = a.substr(10);
    else if (a.rfind("--threads=", 0) == 0)
      gThreads = std::atoi(a.c_str() + 10);
    else if (a == "--hashes")
      gHashes = true;
    else if (a.rfind("--device=", 0) == 0)
      gDevice = a.substr(9);
    else if (a.rfind("--dtype=", 0) == 0)
      gDtype = a.substr(8);
    else if (a == "--xl")
      gXl = true;
    else
      args.push_back(argv[i]);
  }
  static char tabular[] = "--benchmark_counters_tabular=true";
  args.insert(args.begin() + 1, tabular);  // a later flag of the user's wins
  int n = static_cast<int>(args.size());
  initRuntime();  // OMP_NUM_THREADS when set, else every core (--threads=N overrides)
  if (gThreads > 0) initRuntime(gThreads);
  gTempDir = fs::temp_directory_path() / ("mumu_bench_pipeline_" + std::to_string(::getpid()));

  if (gXl) {
    bool stepsGiven = false;
    for (int i = 1; i < argc; ++i) stepsGiven = stepsGiven || std::string(argv[i]).rfind("--steps=", 0) == 0;
    if (!stepsGiven) gSteps = 30;
    benchmark::RegisterBenchmark("BM_GenerateXl/1024", BM_GenerateXl)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime()
        ->Iterations(3);
  }
  for (const std::string config : {"small", "nano", "pkg"}) {
    if (!available(config)) continue;
    for (const std::string sampler : {"ddim", "euler", "dpmpp_2m_karras"})
      for (int batch : {1, 4})
        for (int previews : {1, 0})
          for (int attention : {0, 1}) {
            const std::string name = config + "/" + sampler + "/b" + std::to_string(batch) +
                                     (previews ? "/previews" : "/no_previews") + (attention ? "/attention" : "");
            benchmark::RegisterBenchmark(("BM_Generate/" + name).c_str(), BM_Generate, config, sampler, batch,
                                         previews != 0, attention != 0)
                ->Unit(benchmark::kMillisecond)
                ->UseRealTime()
                ->Iterations(config == "small" ? 3 : 1);
          }
    for (bool batched : {false, true})
      benchmark::RegisterBenchmark(
          ("BM_TrainStepParts/" + config + "/b16/" + (batched ? "batched" : "one_by_one")).c_str(), BM_TrainStepParts,
          config, 16, batched)
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime()
          ->Iterations(5);
    for (const std::string sampler : {"ddim", "dpmpp_2m_karras"})
      benchmark::RegisterBenchmark(("BM_StepParts/" + config + "/" + sampler + "/b1").c_str(), BM_StepParts, config,
                                   sampler, 1)
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime()
          ->Iterations(1);
  }

  benchmark::Initialize(&n, args.data());
  if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 1;
  std::cout << "steps per generation: " << gSteps << ", intra-op threads: " << at::get_num_threads() << "\n";
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  std::error_code ec;
  fs::remove_all(gTempDir, ec);
  return 0;
}
