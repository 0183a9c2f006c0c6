// recipe.h — a training recipe (JSON): which parts of MUMU train and how (frozen / LoRA / full, per-part learning
// rates), AdamW, warm-up + cosine, clipping, EMA, CFG dropout, batch, buckets, intervals, data and model.
//
//   {"name": "tiny", "model": "small" | "<package dir>", "data": "<data set dir>", "seed": 0,
//    "steps": 6, "batch_size": 2, "buckets": [[32, 32]], "grid_size": 0 (0 = the model's), "max_images": 4,
//    "modules": {"vision":     {"mode": "frozen"},
//                "projection": {"mode": "lora", "rank": 8, "alpha": 8, "lr": 3e-6, "targets": "*"},
//                "lm":         {"mode": "lora", "rank": 8, "alpha": 8, "lr": 3e-6},
//                "connector":  {"mode": "full", "lr": 1e-5},
//                "unet":       {"mode": "lora", "rank": 8, "alpha": 8, "lr": 5e-6}},
//    "optimizer": {"betas": [0.9, 0.999], "weight_decay": 0.01, "eps": 1e-8},
//    "schedule": {"warmup_steps": 100, "floor": 0.1}, "grad_clip": 1.0, "ema_decay": 0.999 (0 = off),
//    "cfg_dropout": 0.1, "bf16": false,
//    "intervals": {"checkpoint": 500, "keep_checkpoints": 3, "metrics": 1, "sample": 0},
//    "sample_prompts": ["a red star"], "sample_steps": 20,
//    "objective": "epsilon" | "autoencoder", "kl_weight": 1e-4, "image_only": 0.0, "text_only": 0.0}
// objective "epsilon" (MUMU): ε-prediction MSE with the VAE frozen. "autoencoder": trains only the VAE ("vae": full,
// every other part frozen) on the data set's target images (reconstruction MSE + kl_weight · KL): the first stage
// of a model trained from nothing (nano). image_only: the share of object crops whose caption words are dropped,
// so the prompt names the object only through its image ("a <img> on a striped background"); text_only: the share
// whose crop is left out (the words alone name the object). The rest keep both, as bootstrapped.
// Unknown keys are errors (a misspelt key would silently train something else).
#pragma once
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace mumu::training {

enum class ModuleMode { Frozen, Lora, Full };

struct ModuleRecipe {
  ModuleMode mode = ModuleMode::Frozen;
  int64_t rank = 8;
  double alpha = 8.0;
  double lr = 0.0;
  std::string targets = "*";  // LoRA: lora.h glob patterns over the part's Linear / Conv2d names
};

// The trainable parts, in the order the optimizer groups them.
const std::vector<std::string>& recipeModuleNames();  // vision, projection, lm, connector, unet, vae

struct Recipe {
  std::string name;
  std::string model = "small";  // builtin config name (mumu_config.h) or a package folder
  std::string data;             // data set folder ("" = given on the command line)
  uint64_t seed = 0;
  int64_t steps = 100;
  int batchSize = 2;
  std::vector<std::pair<int, int>> buckets{{32, 32}};  // (width, height); a sample goes to the nearest aspect
  int gridSize = 0;                                    // 0: the model's
  int maxImages = 4;                                   // image segments kept per prompt
  std::map<std::string, ModuleRecipe> modules;         // every name of recipeModuleNames()
  double beta1 = 0.9, beta2 = 0.999, weightDecay = 0.01, eps = 1e-8;
  int64_t warmupSteps = 0;
  double lrFloor = 0.0;   // fraction of each group's peak
  double gradClip = 1.0;  // global norm; 0 = off
  double emaDecay = 0.0;  // 0 = off
  double cfgDropout = 0.1;
  bool bf16 = false;  // CPU bf16 autocast
  int64_t checkpointEvery = 100, keepCheckpoints = 3, metricsEvery = 1, sampleEvery = 0;
  std::vector<std::string> samplePrompts{"a red star", "a blue circle"};
  int sampleSteps = 20;
  std::string objective = "epsilon";  // or "autoencoder"
  double klWeight = 1e-4;
  double imageOnly = 0.0;
  double textOnly = 0.0;
  // Min-SNR-γ loss weighting (Hang et al. 2023, "Efficient Diffusion Training via Min-SNR Weighting"): each
  // sample's ε-MSE is scaled by min(SNR(t), γ) / SNR(t), so the many nearly-clean timesteps stop dominating the
  // gradient. 0 = plain MSE.
  double snrGamma = 0.0;
};

// Throws mumu::Error "<source>: <key>: <problem>" (source = the recipe file or "recipe 'tiny'").
Recipe recipeFromJson(const nlohmann::json& j, const std::string& source);
nlohmann::json toJson(const Recipe& recipe);
// Checks ranges and consistency; same error form.
void validateRecipe(const Recipe& recipe, const std::string& source);

// tiny (tests), tiny-vae (tests), nano-vae, nano, mumu-xl-stage1, mumu-xl-stage2 (paper Table 1).
Recipe builtinRecipe(const std::string& name);
std::vector<std::string> builtinRecipeNames();
// A builtin name, else a JSON file.
Recipe loadRecipe(const std::string& nameOrFile);

std::string moduleModeName(ModuleMode mode);

}  // namespace mumu::training
