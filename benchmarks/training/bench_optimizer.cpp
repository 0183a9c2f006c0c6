// bench_optimizer — one optimizer step of the trainer over every weight of a random nano MUMU (what `mumu train
// --recipe nano` trains: all but the VAE, 10.8 M values): the global gradient norm, AdamW and the EMA, as the fused
// single pass (training/trainer/adamw) and as the tensor ops it replaced.
//   OMP_NUM_THREADS=1 bench_optimizer [--benchmark_filter=fused]
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <cmath>
#include <iostream>
#include <vector>

#include "model/pipeline/mumu_model.h"
#include "model/runtime.h"
#include "training/trainer/adamw.h"

namespace {

using namespace mumu;

struct Weights {
  std::vector<at::Tensor> params, grads, expAvg, expAvgSq, ema;
  int64_t values = 0;
};

const Weights& nanoWeights() {
  static Weights w = [] {
    Weights out;
    auto model = buildRandomMumuModel(builtinMumuConfig("nano"), 0);
    torch::NoGradGuard noGrad;
    for (torch::nn::Module* part :
         std::vector<torch::nn::Module*>{model->vlm.get(), model->connector.get(), model->unet.get()})
      for (const auto& p : part->parameters()) {
        out.params.push_back(p.detach().clone());
        out.grads.push_back(at::randn_like(p) * 1e-3);
        out.expAvg.push_back(at::zeros_like(p));
        out.expAvgSq.push_back(at::zeros_like(p));
        out.ema.push_back(p.detach().clone());
        out.values += p.numel();
      }
    return out;
  }();
  return w;
}

void BM_OptimizerStep(benchmark::State& state, bool fused) {
  Weights w = nanoWeights();  // shallow copies: the tensors are updated in place across iterations, as in training
  torch::NoGradGuard noGrad;
  training::AdamWHyper h;
  h.lr = 1e-3, h.emaDecay = 0.998, h.fuse = fused;
  int64_t step = 0;
  for (auto _ : state) {
    double sq = 0.0;
    for (const auto& g : w.grads)
      sq += fused ? training::sumOfSquares(g) : g.to(at::kDouble).pow(2).sum().item<double>();
    const double norm = std::sqrt(sq);
    h.gradScale = norm > 1.0 ? 1.0 / (norm + 1e-6) : 1.0;
    h.step = ++step;
    for (size_t i = 0; i < w.params.size(); ++i)
      training::adamwStep(w.params[i], w.grads[i], w.expAvg[i], w.expAvgSq[i], &w.ema[i], h);
    benchmark::DoNotOptimize(norm);
  }
  state.counters["values_M"] = static_cast<double>(w.values) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  ensureFastBlas(argc, argv);
  initRuntime();  // OMP_NUM_THREADS when set, else every core
  benchmark::RegisterBenchmark("BM_OptimizerStep/nano/tensor_ops", BM_OptimizerStep, false)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  benchmark::RegisterBenchmark("BM_OptimizerStep/nano/fused", BM_OptimizerStep, true)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  std::cout << "intra-op threads: " << at::get_num_threads() << "\n";
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
