// trainer.h — the MUMU trainer: ε-prediction MSE on bootstrapped data with per-part frozen / LoRA / full modes,
// AdamW with per-part learning rates (warm-up + cosine), global-norm clipping, EMA, CFG dropout, aspect buckets,
// atomic checkpoints (checkpoint.h) and resume with an identical loss curve.
//
//   Trainer t(loadRecipe("tiny"), {.dataDir = "ds", .outDir = "run"});
//   TrainResult r = t.run();
//
// Run folder: recipe.json, metrics.jsonl (one line per metrics interval: step, loss, lr per part, grad_norm,
// images_per_second, wall_seconds), checkpoints/ckpt-NNNNNN/, samples/step-NNNNNN-K.png, export/ (a model package).
// Deterministic given the recipe seed on one device type and thread count: every random draw comes from a CPU
// generator per purpose (noise, timesteps, dropout), saved in checkpoints.
#pragma once
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "training/trainer/recipe.h"

namespace mumu {
struct MumuModel;
}

namespace mumu::training {

struct StepMetrics {
  int64_t step = 0;  // 1-based: the number of optimizer steps done
  double loss = 0.0;
  std::map<std::string, double> lr;  // per trainable part
  double gradNorm = 0.0;             // before clipping
  double imagesPerSecond = 0.0;
  double wallSeconds = 0.0;  // since this process started training
  nlohmann::json toJson() const;
};

struct TrainerOptions {
  std::string dataDir;  // "" = the recipe's data
  std::string outDir;
  bool resume = false;  // continue from the newest complete checkpoint of outDir (fresh start when none)
  int64_t steps = 0;    // > 0: overrides the recipe's total steps
  int threads = 0;      // 0: leave libtorch's setting alone
  bool cacheLatents = true;  // keep the frozen VAE's posterior of each target in memory (off: encode every time)
  const std::atomic<bool>* stop = nullptr;  // set → checkpoint after the current step and return
  std::function<void(const StepMetrics&)> onStep;
  std::function<void(const std::string&)> log;  // warnings and notes
};

struct TrainResult {
  int64_t startStep = 0, endStep = 0;
  std::vector<double> losses;  // the whole run's loss per step (resumed history included), index = step - 1
  bool stopped = false;
  std::string lastCheckpoint;
  double seconds = 0;
};

class Trainer {
 public:
  // Builds (or loads) the model, applies the recipe's modes, and with resume restores the newest checkpoint.
  // Throws mumu::Error for a bad recipe, data set or model.
  Trainer(Recipe recipe, TrainerOptions options);
  ~Trainer();
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  TrainResult run();
  int64_t step() const;
  const Recipe& recipe() const;
  MumuModel& model();
  // Trainable tensor names (checkpoint names) in optimizer order.
  std::vector<std::string> trainableNames() const;
  // Writes a checkpoint of the current state now; returns its folder.
  std::string saveCheckpoint();
  // Writes a model package (LoRA merged into a copy of the weights; the EMA weights when `ema` and EMA is on)
  // that `mumu generate --model` loads; the live model is left exactly as it was.
  void exportPackage(const std::string& dir, bool ema = true);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mumu::training
