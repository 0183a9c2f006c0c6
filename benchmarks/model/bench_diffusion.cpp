// bench_diffusion — the SDXL backbone: UNet forward (tiny and full SDXL config at a 64×64 and 128×128 latent,
// batch 2 = one classifier-free-guidance step, random weights) and VAE decode.
//   bench_diffusion [--device=cpu|cuda|cuda:N] [--dtype=float32|bfloat16|float16] [--benchmark_filter=Sdxl] ...
// On the CPU the variants are float32, bf16 autocast and channels-last; on CUDA the model runs in --dtype
// (default bfloat16), plain and channels-last, timed to the device's completion. Peak memory: `peak_MiB` (VmHWM of
// the whole process, so run one filter at a time for a per-model figure) and on CUDA `gpu_peak_MiB` (the caching
// allocator's peak). MUMU_PARITY_DIR is tests/parity (the configs).
#include <benchmark/benchmark.h>

#include <iostream>
#include <string>
#include <vector>

#include "bench_common.h"
#include "model/compat.h"
#include "model/device.h"
#include "model/diffusion/config.h"
#include "model/diffusion/unet.h"
#include "model/diffusion/vae.h"
#include "model/nn/layers.h"
#include "model/runtime.h"

namespace {

using namespace mumu;

std::string parityPath(const std::string& rel) { return std::string(MUMU_PARITY_DIR) + "/" + rel; }

enum Variant { Fp32 = 0, Bf16Autocast = 1, ChannelsLast = 2 };

at::Device gDevice = at::kCPU;  // --device
std::string gDtype;             // --dtype ("" = float32 on the CPU, bfloat16 on CUDA)

// Waits for the device's queued work, so a timed iteration covers the kernels it launched.
void sync() {
  if (gDevice.is_cuda()) torch::cuda::synchronize(gDevice.index());
}

void reportGpuPeak(benchmark::State& state) {
  if (gDevice.is_cuda()) state.counters["gpu_peak_MiB"] = bench::gpuPeak(gDevice).allocatedMiB;
}

void runUnet(benchmark::State& state, const std::string& configPath) {
  initRuntime();
  torch::NoGradGuard noGrad;
  const auto config = loadUNet2DConditionConfig(configPath);
  const auto variant = static_cast<Variant>(state.range(0));
  const int64_t side = state.range(1), batch = 2;
  if (gDevice.is_cuda() && variant == Bf16Autocast) return state.SkipWithError("CPU autocast: use --dtype on CUDA");
  const at::ScalarType dtype = parseDtype(gDtype, gDevice);
  const auto o = at::TensorOptions().device(gDevice).dtype(dtype);
  UNet2DConditionModel unet(config);
  nn::initRandom(*unet, 0);
  unet->to(gDevice, dtype);
  unet->eval();
  auto sample = torch::randn({batch, config.inChannels, side, side}).to(o);
  if (variant == ChannelsLast) {
    for (auto& p : unet->parameters())
      if (p.dim() == 4) p.set_data(p.contiguous(at::MemoryFormat::ChannelsLast));
    sample = sample.contiguous(at::MemoryFormat::ChannelsLast);
  }
  const int64_t cross = config.crossAttentionDim.at(0);
  auto context = torch::randn({batch, 77, cross}).to(o);
  at::Tensor textEmbeds, timeIds;
  if (config.additionEmbedType == "text_time") {
    const int64_t pooled = *config.projectionClassEmbeddingsInputDim - 6 * *config.additionTimeEmbedDim;
    const float px = static_cast<float>(side * 8);
    textEmbeds = torch::randn({batch, pooled}).to(o);
    timeIds = torch::tensor({px, px, 0.f, 0.f, px, px}).repeat({batch, 1}).to(o);
  }
  auto t = torch::full({batch}, 500.f).to(gDevice);
  auto step = [&] {
    if (variant == Bf16Autocast) {
      compat::CpuAutocast autocast(at::kBFloat16);
      return unet->forward(sample, t, context, textEmbeds, timeIds);
    }
    return unet->forward(sample, t, context, textEmbeds, timeIds);
  };
  step();  // warm-up: oneDNN primitives, cuDNN / cuBLAS plans and the autocast weight cache are built on first use
  sync();
  for (auto _ : state) {
    at::Tensor out = step();
    sync();
    benchmark::DoNotOptimize(out.data_ptr());
  }
  state.counters["params_M"] = static_cast<double>(nn::countParameters(*unet)) / 1e6;
  state.counters["peak_MiB"] = bench::peakRssMiB();
  reportGpuPeak(state);
  state.SetLabel(std::string(gDevice.str()) + " " + dtypeName(dtype));
}

void BM_UnetTiny(benchmark::State& state) { runUnet(state, parityPath("unet_sdxl_tiny/config.json")); }
void BM_UnetSdxl(benchmark::State& state) { runUnet(state, parityPath("fullsize/sdxl_base_unet/config.json")); }

void BM_VaeDecodeSdxl(benchmark::State& state) {
  initRuntime();
  torch::NoGradGuard noGrad;
  const auto config = loadAutoencoderKLConfig(parityPath("fullsize/sdxl_vae/config.json"));
  const at::ScalarType dtype = parseDtype(gDtype, gDevice);
  AutoencoderKL vae(config);
  nn::initRandom(*vae, 0);
  vae->to(gDevice, dtype);
  vae->eval();
  auto latents = torch::randn({1, config.latentChannels, state.range(0), state.range(0)}).to(gDevice, dtype);
  vae->decode(latents);  // warm-up
  sync();
  for (auto _ : state) {
    auto image = vae->decode(latents);
    sync();
    benchmark::DoNotOptimize(image.data_ptr());
  }
  state.counters["peak_MiB"] = bench::peakRssMiB();
  reportGpuPeak(state);
  state.SetLabel(std::string(gDevice.str()) + " " + dtypeName(dtype));
}

}  // namespace

// Args: variant, latent side.
BENCHMARK(BM_UnetTiny)->ArgsProduct({{Fp32, Bf16Autocast, ChannelsLast}, {64}})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_UnetSdxl)
    ->ArgsProduct({{Fp32, Bf16Autocast, ChannelsLast}, {64, 128}})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(2);
BENCHMARK(BM_VaeDecodeSdxl)->Arg(64)->Arg(128)->Unit(benchmark::kMillisecond)->Iterations(2);

int main(int argc, char** argv) {
  std::vector<char*> args;
  std::string device = "cpu";
  for (int i = 0; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.rfind("--device=", 0) == 0)
      device = a.substr(9);
    else if (a.rfind("--dtype=", 0) == 0)
      gDtype = a.substr(8);
    else
      args.push_back(argv[i]);
  }
  try {
    gDevice = parseDevice(device);
    parseDtype(gDtype, gDevice);
  } catch (const std::exception& e) {
    std::cerr << "bench_diffusion: " << e.what() << "\n";
    return 2;
  }
  int n = static_cast<int>(args.size());
  benchmark::Initialize(&n, args.data());
  if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
