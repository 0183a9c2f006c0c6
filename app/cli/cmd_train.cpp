// `mumu train`: train MUMU with a recipe on a bootstrapped data set (training/trainer/trainer.h); resumable,
// Ctrl-C checkpoints and exits cleanly.
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "args.h"
#include "commands.h"
#include "model/error.h"
#include "training/trainer/recipe.h"
#include "training/trainer/trainer.h"

namespace mumu::cli {
namespace {

std::atomic<bool> gStop{false};
extern "C" void onTrainInterrupt(int) {
  gStop = true;
}

const char* kTrainUsage =
    "Usage: mumu train --recipe NAME|FILE --data DIR --out RUN_DIR [--model DIR] [--resume] [--steps N] [--json]\n\n"
    "Trains with a recipe (built-in: tiny, tiny-vae, nano-vae, nano, mumu-xl-stage1,\n"
    "mumu-xl-stage2, or a JSON file) on a data set\n"
    "made by 'mumu bootstrap'. RUN_DIR gets recipe.json, metrics.jsonl, checkpoints/, samples/ and, at the end,\n"
    "export/ (a model package for 'mumu generate --model'). Ctrl-C writes a checkpoint and exits; --resume\n"
    "continues from the newest complete checkpoint with the same loss curve.\n\n";

}  // namespace

int runTrain(const std::vector<std::string>& args) {
  const std::vector<FlagSpec> flags = {
      {"recipe", "NAME|FILE", "built-in recipe name or recipe JSON file"},
      {"data", "DIR", "data set folder (default: the recipe's 'data')"},
      {"model", "NAME|DIR", "starting model: built-in config or package folder (default: the recipe's 'model')"},
      {"out", "RUN_DIR", "run folder"},
      {"resume", "", "continue from the newest complete checkpoint in RUN_DIR"},
      {"steps", "N", "total steps (overrides the recipe)"},
      {"threads", "N", "CPU threads (default: all)"},
      {"no-export", "", "do not write RUN_DIR/export at the end"},
      {"json", "", "one JSON line per step on stdout"},
      {"help", "", "show this help"},
  };
  const ParsedArgs a = parseArgs("train", args, flags);
  if (a.has("help")) {
    std::cout << kTrainUsage << formatFlags(flags);
    return 0;
  }
  if (!a.has("recipe")) throw UsageError{"--recipe is required"};
  if (!a.has("out")) throw UsageError{"--out is required"};
  training::Recipe recipe = training::loadRecipe(a.get("recipe"));
  if (a.has("model")) recipe.model = a.get("model");
  training::TrainerOptions o;
  o.dataDir = a.get("data");
  o.outDir = a.get("out");
  o.resume = a.has("resume");
  o.steps = a.getInt("steps", 0, 0, 1LL << 40);
  o.threads = static_cast<int>(a.getInt("threads", 0, 0, 1024));
  o.stop = &gStop;
  const bool json = a.has("json");
  const bool bar = !json && ::isatty(STDERR_FILENO);
  o.log = [](const std::string& s) { std::cerr << s << "\n"; };
  const int64_t total = o.steps > 0 ? o.steps : recipe.steps;
  o.onStep = [&](const training::StepMetrics& m) {
    if (json) {
      std::cout << m.toJson().dump() << std::endl;
    } else if (bar) {
      const int width = 30, done = static_cast<int>(width * m.step / std::max<int64_t>(total, 1));
      std::fprintf(stderr, "\r[%s%s] %lld/%lld loss %.4f  %.1f img/s ", std::string(done, '#').c_str(),
                   std::string(width - done, '.').c_str(), static_cast<long long>(m.step),
                   static_cast<long long>(total), m.loss, m.imagesPerSecond);
    } else if (m.step % 50 == 0 || m.step == total) {
      std::fprintf(stderr, "step %lld/%lld loss %.4f\n", static_cast<long long>(m.step), static_cast<long long>(total),
                   m.loss);
    }
  };
#ifdef __GLIBC__
  // A training step frees and allocates the same large activation buffers every time; by default glibc maps the
  // largest afresh each time and page-faults them in again. Keep buffers up to 32 MiB (glibc's maximum on 64-bit) in
  // the heap and the heap's top untrimmed.
  if (::mallopt(M_MMAP_THRESHOLD, 32 << 20) != 1 || ::mallopt(M_TRIM_THRESHOLD, 1 << 30) != 1)
    std::cerr << "note: the C library refused the allocator settings; training goes on with its defaults\n";
#endif
  training::Trainer trainer(recipe, o);
  // Ctrl-C: the trainer finishes the current step, writes a checkpoint and returns.
  auto previous = std::signal(SIGINT, onTrainInterrupt);
  auto previousTerm = std::signal(SIGTERM, onTrainInterrupt);
  training::TrainResult r;
  try {
    r = trainer.run();
  } catch (...) {
    std::signal(SIGINT, previous), std::signal(SIGTERM, previousTerm);
    throw;
  }
  std::signal(SIGINT, previous), std::signal(SIGTERM, previousTerm);
  if (bar) std::fprintf(stderr, "\n");
  std::string exported;
  if (!r.stopped && !a.has("no-export")) {
    exported = o.outDir + "/export";
    trainer.exportPackage(exported);
  }
  const double last = r.losses.empty() ? 0.0 : r.losses.back();
  if (json) {
    nlohmann::json j = {{"event", r.stopped ? "stopped" : "done"}, {"step", r.endStep},  {"loss", last},
                        {"checkpoint", r.lastCheckpoint},          {"export", exported}, {"seconds", r.seconds}};
    std::cout << j.dump() << std::endl;
  } else {
    std::cerr << (r.stopped ? "stopped" : "done") << " at step " << r.endStep << " (loss " << last << "), checkpoint "
              << r.lastCheckpoint << (exported.empty() ? "" : ", model package " + exported) << "\n";
  }
  return 0;
}

}  // namespace mumu::cli
