// bench_diffusion — the SDXL backbone on the CPU: UNet forward (tiny and full SDXL config at a 64×64
// latent, batch 2 = one classifier-free-guidance step, random weights) and VAE decode.
//   bench_diffusion [--benchmark_filter=Sdxl] ...
// Peak memory is reported as the `peak_MiB` counter (VmHWM of the whole process, so run one filter at a
// time for a per-model figure). MUMU_SHARED_DIR points at ../shared (the configs).
#include <benchmark/benchmark.h>

#include "bench_common.h"
#include "model/compat.h"
#include "model/diffusion/config.h"
#include "model/diffusion/unet.h"
#include "model/diffusion/vae.h"
#include "model/nn/layers.h"
#include "model/runtime.h"

namespace {

using namespace mumu;

std::string sharedPath(const std::string& rel) { return std::string(MUMU_SHARED_DIR) + "/" + rel; }

enum Variant { Fp32 = 0, Bf16Autocast = 1, ChannelsLast = 2 };

void runUnet(benchmark::State& state, const std::string& configPath) {
  initRuntime();
  torch::NoGradGuard noGrad;
  const auto config = loadUNet2DConditionConfig(configPath);
  UNet2DConditionModel unet(config);
  nn::initRandom(*unet, 0);
  unet->eval();
  const auto variant = static_cast<Variant>(state.range(0));
  const int64_t side = 64, batch = 2;
  auto sample = torch::randn({batch, config.inChannels, side, side});
  if (variant == ChannelsLast) {
    for (auto& p : unet->parameters())
      if (p.dim() == 4) p.set_data(p.contiguous(at::MemoryFormat::ChannelsLast));
    sample = sample.contiguous(at::MemoryFormat::ChannelsLast);
  }
  const int64_t cross = config.crossAttentionDim.at(0);
  auto context = torch::randn({batch, 77, cross});
  at::Tensor textEmbeds, timeIds;
  if (config.additionEmbedType == "text_time") {
    const int64_t pooled = *config.projectionClassEmbeddingsInputDim - 6 * *config.additionTimeEmbedDim;
    textEmbeds = torch::randn({batch, pooled});
    timeIds = torch::tensor({512.f, 512.f, 0.f, 0.f, 512.f, 512.f}).repeat({batch, 1});
  }
  auto t = torch::full({batch}, 500.f);
  auto step = [&] {
    if (variant == Bf16Autocast) {
      compat::CpuAutocast autocast(at::kBFloat16);
      return unet->forward(sample, t, context, textEmbeds, timeIds);
    }
    return unet->forward(sample, t, context, textEmbeds, timeIds);
  };
  step();  // warm-up: oneDNN primitives and the autocast weight cache are built on first use
  for (auto _ : state) {
    at::Tensor out = step();
    benchmark::DoNotOptimize(out.data_ptr());
  }
  state.counters["params_M"] = static_cast<double>(nn::countParameters(*unet)) / 1e6;
  state.counters["peak_MiB"] = bench::peakRssMiB();
}

void BM_UnetTiny(benchmark::State& state) { runUnet(state, sharedPath("parity/unet_sdxl_tiny/config.json")); }
void BM_UnetSdxl(benchmark::State& state) { runUnet(state, sharedPath("parity/fullsize/sdxl_base_unet/config.json")); }

void BM_VaeDecodeSdxl(benchmark::State& state) {
  initRuntime();
  torch::NoGradGuard noGrad;
  const auto config = loadAutoencoderKLConfig(sharedPath("parity/fullsize/sdxl_vae/config.json"));
  AutoencoderKL vae(config);
  nn::initRandom(*vae, 0);
  vae->eval();
  auto latents = torch::randn({1, config.latentChannels, state.range(0), state.range(0)});
  vae->decode(latents);  // warm-up
  for (auto _ : state) {
    auto image = vae->decode(latents);
    benchmark::DoNotOptimize(image.data_ptr());
  }
  state.counters["peak_MiB"] = bench::peakRssMiB();
}

}  // namespace

BENCHMARK(BM_UnetTiny)->Arg(Fp32)->Arg(Bf16Autocast)->Arg(ChannelsLast)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_UnetSdxl)->Arg(Fp32)->Arg(Bf16Autocast)->Arg(ChannelsLast)->Unit(benchmark::kMillisecond)->Iterations(2);
BENCHMARK(BM_VaeDecodeSdxl)->Arg(64)->Unit(benchmark::kMillisecond)->Iterations(2);
BENCHMARK_MAIN();
