// recipe.cpp — recipe JSON parsing, validation and the built-in recipes.
#include "training/trainer/recipe.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "model/error.h"
#include "model/io/json_limits.h"
#include "model/pipeline/prompt.h"

namespace mumu::training {

using nlohmann::json;

const std::vector<std::string>& recipeModuleNames() {
  static const std::vector<std::string> names{"vision", "projection", "lm", "connector", "unet", "vae"};
  return names;
}

std::string moduleModeName(ModuleMode mode) {
  switch (mode) {
    case ModuleMode::Lora:
      return "lora";
    case ModuleMode::Full:
      return "full";
    default:
      return "frozen";
  }
}

namespace {

// Refuses keys outside `allowed` so a typo is an error, not a silently ignored setting.
void checkKeys(const json& j, const std::set<std::string>& allowed, const std::string& source, const std::string& at) {
  if (!j.is_object()) fail(source, (at.empty() ? "recipe" : at) + ": expected an object");
  for (const auto& [k, v] : j.items())
    if (!allowed.count(k)) fail(source, (at.empty() ? "" : at + ".") + k + ": unknown key");
}

template <typename T>
void get(const json& j, const char* key, T& out, const std::string& source, const std::string& at) {
  auto it = j.find(key);
  if (it == j.end()) return;
  try {
    out = it->template get<T>();
  } catch (const json::exception&) {
    fail(source, (at.empty() ? "" : at + ".") + key + ": wrong type (" + it->dump() + ")");
  }
}

ModuleRecipe moduleFromJson(const json& j, const std::string& source, const std::string& at) {
  checkKeys(j, {"mode", "rank", "alpha", "lr", "targets"}, source, at);
  ModuleRecipe m;
  std::string mode = "frozen";
  get(j, "mode", mode, source, at);
  if (mode == "frozen")
    m.mode = ModuleMode::Frozen;
  else if (mode == "lora")
    m.mode = ModuleMode::Lora;
  else if (mode == "full")
    m.mode = ModuleMode::Full;
  else
    fail(source, at + ".mode: '" + mode + "' is not frozen, lora or full");
  get(j, "rank", m.rank, source, at);
  m.alpha = static_cast<double>(m.rank);
  get(j, "alpha", m.alpha, source, at);
  get(j, "lr", m.lr, source, at);
  get(j, "targets", m.targets, source, at);
  return m;
}

ModuleRecipe mod(ModuleMode mode, double lr = 0.0, int64_t rank = 8) {
  ModuleRecipe m;
  m.mode = mode, m.lr = lr, m.rank = rank, m.alpha = static_cast<double>(rank);
  return m;
}

}  // namespace

Recipe recipeFromJson(const json& j, const std::string& source) {
  checkKeys(j,
            {"name", "model", "data", "seed", "steps", "batch_size", "buckets", "grid_size", "max_images", "modules",
             "optimizer", "schedule", "grad_clip", "ema_decay", "cfg_dropout", "bf16", "intervals", "sample_prompts",
             "sample_steps", "objective", "kl_weight", "image_only", "text_only", "snr_gamma"},
            source, "");
  Recipe r;
  for (const auto& n : recipeModuleNames()) r.modules[n] = ModuleRecipe{};
  get(j, "name", r.name, source, "");
  get(j, "model", r.model, source, "");
  get(j, "data", r.data, source, "");
  get(j, "seed", r.seed, source, "");
  get(j, "steps", r.steps, source, "");
  get(j, "batch_size", r.batchSize, source, "");
  get(j, "grid_size", r.gridSize, source, "");
  get(j, "max_images", r.maxImages, source, "");
  if (j.contains("buckets")) {
    const json& b = j["buckets"];
    if (!b.is_array()) fail(source, "buckets: expected a list of [width, height]");
    r.buckets.clear();
    for (size_t i = 0; i < b.size(); ++i) {
      if (!b[i].is_array() || b[i].size() != 2 || !b[i][0].is_number_integer() || !b[i][1].is_number_integer())
        fail(source, "buckets[" + std::to_string(i) + "]: expected [width, height] (integers)");
      r.buckets.emplace_back(b[i][0].get<int>(), b[i][1].get<int>());
    }
  }
  if (j.contains("modules")) {
    checkKeys(j["modules"], std::set<std::string>(recipeModuleNames().begin(), recipeModuleNames().end()), source,
              "modules");
    for (const auto& [k, v] : j["modules"].items()) r.modules[k] = moduleFromJson(v, source, "modules." + k);
  }
  if (j.contains("optimizer")) {
    const json& o = j["optimizer"];
    checkKeys(o, {"betas", "weight_decay", "eps"}, source, "optimizer");
    if (o.contains("betas")) {
      if (!o["betas"].is_array() || o["betas"].size() != 2 || !o["betas"][0].is_number() || !o["betas"][1].is_number())
        fail(source, "optimizer.betas: expected [beta1, beta2]");
      r.beta1 = o["betas"][0].get<double>(), r.beta2 = o["betas"][1].get<double>();
    }
    get(o, "weight_decay", r.weightDecay, source, "optimizer");
    get(o, "eps", r.eps, source, "optimizer");
  }
  if (j.contains("schedule")) {
    checkKeys(j["schedule"], {"warmup_steps", "floor"}, source, "schedule");
    get(j["schedule"], "warmup_steps", r.warmupSteps, source, "schedule");
    get(j["schedule"], "floor", r.lrFloor, source, "schedule");
  }
  get(j, "grad_clip", r.gradClip, source, "");
  get(j, "ema_decay", r.emaDecay, source, "");
  get(j, "cfg_dropout", r.cfgDropout, source, "");
  get(j, "bf16", r.bf16, source, "");
  if (j.contains("intervals")) {
    const json& i = j["intervals"];
    checkKeys(i, {"checkpoint", "keep_checkpoints", "metrics", "sample"}, source, "intervals");
    get(i, "checkpoint", r.checkpointEvery, source, "intervals");
    get(i, "keep_checkpoints", r.keepCheckpoints, source, "intervals");
    get(i, "metrics", r.metricsEvery, source, "intervals");
    get(i, "sample", r.sampleEvery, source, "intervals");
  }
  get(j, "sample_prompts", r.samplePrompts, source, "");
  get(j, "sample_steps", r.sampleSteps, source, "");
  get(j, "objective", r.objective, source, "");
  get(j, "kl_weight", r.klWeight, source, "");
  get(j, "image_only", r.imageOnly, source, "");
  get(j, "text_only", r.textOnly, source, "");
  get(j, "snr_gamma", r.snrGamma, source, "");
  validateRecipe(r, source);
  return r;
}

json toJson(const Recipe& r) {
  json mods = json::object();
  for (const auto& [k, m] : r.modules) {
    json e = {{"mode", moduleModeName(m.mode)}};
    if (m.mode != ModuleMode::Frozen) e["lr"] = m.lr;
    if (m.mode == ModuleMode::Lora) e["rank"] = m.rank, e["alpha"] = m.alpha, e["targets"] = m.targets;
    mods[k] = e;
  }
  json buckets = json::array();
  for (const auto& [w, h] : r.buckets) buckets.push_back({w, h});
  return {{"name", r.name},
          {"model", r.model},
          {"data", r.data},
          {"seed", r.seed},
          {"steps", r.steps},
          {"batch_size", r.batchSize},
          {"buckets", buckets},
          {"grid_size", r.gridSize},
          {"max_images", r.maxImages},
          {"modules", mods},
          {"optimizer", {{"betas", {r.beta1, r.beta2}}, {"weight_decay", r.weightDecay}, {"eps", r.eps}}},
          {"schedule", {{"warmup_steps", r.warmupSteps}, {"floor", r.lrFloor}}},
          {"grad_clip", r.gradClip},
          {"ema_decay", r.emaDecay},
          {"cfg_dropout", r.cfgDropout},
          {"bf16", r.bf16},
          {"intervals",
           {{"checkpoint", r.checkpointEvery},
            {"keep_checkpoints", r.keepCheckpoints},
            {"metrics", r.metricsEvery},
            {"sample", r.sampleEvery}}},
          {"sample_prompts", r.samplePrompts},
          {"sample_steps", r.sampleSteps},
          {"objective", r.objective},
          {"kl_weight", r.klWeight},
          {"image_only", r.imageOnly},
          {"text_only", r.textOnly},
          {"snr_gamma", r.snrGamma}};
}

void validateRecipe(const Recipe& r, const std::string& source) {
  auto bad = [&](const std::string& key, const std::string& what) { fail(source, key + ": " + what); };
  if (r.model.empty()) bad("model", "empty");
  if (r.steps < 1) bad("steps", std::to_string(r.steps) + " must be ≥ 1");
  if (r.batchSize < 1 || r.batchSize > 4096) bad("batch_size", std::to_string(r.batchSize) + " is outside [1, 4096]");
  if (r.buckets.empty()) bad("buckets", "empty");
  for (size_t i = 0; i < r.buckets.size(); ++i) {
    const auto [w, h] = r.buckets[i];
    if (w < 8 || h < 8 || w > 8192 || h > 8192 || w % 8 || h % 8)
      bad("buckets[" + std::to_string(i) + "]",
          std::to_string(w) + "x" + std::to_string(h) + " must be multiples of 8 in [8, 8192]");
  }
  if (r.gridSize < 0 || r.gridSize > 128) bad("grid_size", std::to_string(r.gridSize) + " is outside [0, 128]");
  if (r.maxImages < 0 || r.maxImages > kMaxPromptImages)
    bad("max_images", std::to_string(r.maxImages) + " is outside [0, " + std::to_string(kMaxPromptImages) +
                          "] (the most reference images a prompt may hold)");
  bool anyTrainable = false;
  for (const auto& n : recipeModuleNames()) {
    auto it = r.modules.find(n);
    if (it == r.modules.end()) bad("modules." + n, "missing");
    const ModuleRecipe& m = it->second;
    if (m.mode == ModuleMode::Frozen) continue;
    anyTrainable = true;
    if (!(m.lr > 0.0 && m.lr < 1.0)) bad("modules." + n + ".lr", std::to_string(m.lr) + " must be in (0, 1)");
    if (m.mode == ModuleMode::Lora) {
      if (m.rank < 1 || m.rank > 1024) bad("modules." + n + ".rank", std::to_string(m.rank) + " is outside [1, 1024]");
      if (!(m.alpha > 0.0)) bad("modules." + n + ".alpha", "must be > 0");
      if (m.targets.empty()) bad("modules." + n + ".targets", "empty");
    }
  }
  if (!anyTrainable) bad("modules", "every module is frozen: nothing to train");
  if (!(r.beta1 >= 0.0 && r.beta1 < 1.0) || !(r.beta2 >= 0.0 && r.beta2 < 1.0))
    bad("optimizer.betas", "each must be in [0, 1)");
  if (!(r.weightDecay >= 0.0)) bad("optimizer.weight_decay", "must be ≥ 0");
  if (!(r.eps > 0.0)) bad("optimizer.eps", "must be > 0");
  if (r.warmupSteps < 0) bad("schedule.warmup_steps", "must be ≥ 0");
  if (!(r.lrFloor >= 0.0 && r.lrFloor <= 1.0)) bad("schedule.floor", "must be in [0, 1]");
  if (!(r.gradClip >= 0.0)) bad("grad_clip", "must be ≥ 0");
  if (!(r.emaDecay >= 0.0 && r.emaDecay < 1.0)) bad("ema_decay", "must be in [0, 1)");
  if (!(r.cfgDropout >= 0.0 && r.cfgDropout <= 1.0)) bad("cfg_dropout", "must be in [0, 1]");
  if (r.checkpointEvery < 1) bad("intervals.checkpoint", "must be ≥ 1");
  if (r.keepCheckpoints < 1) bad("intervals.keep_checkpoints", "must be ≥ 1");
  if (r.metricsEvery < 1) bad("intervals.metrics", "must be ≥ 1");
  if (r.sampleEvery < 0) bad("intervals.sample", "must be ≥ 0");
  if (r.sampleSteps < 1 || r.sampleSteps > 1000) bad("sample_steps", "is outside [1, 1000]");
  if (r.objective != "epsilon" && r.objective != "autoencoder")
    bad("objective", "'" + r.objective + "' is not epsilon or autoencoder");
  const bool vaeTrains = r.modules.at("vae").mode != ModuleMode::Frozen;
  if (r.objective == "epsilon" && vaeTrains) bad("modules.vae", "trains only with the autoencoder objective");
  if (r.objective == "autoencoder") {
    if (r.modules.at("vae").mode != ModuleMode::Full) bad("modules.vae", "the autoencoder objective needs mode full");
    for (const auto& n : recipeModuleNames())
      if (n != "vae" && r.modules.at(n).mode != ModuleMode::Frozen)
        bad("modules." + n, "must be frozen with the autoencoder objective (only the VAE trains)");
  }
  if (!(r.klWeight >= 0.0 && r.klWeight <= 1.0)) bad("kl_weight", "must be in [0, 1]");
  if (!(r.imageOnly >= 0.0 && r.imageOnly <= 1.0)) bad("image_only", "must be in [0, 1]");
  if (!(r.snrGamma >= 0.0 && r.snrGamma <= 1e6)) bad("snr_gamma", "must be in [0, 1e6] (0 = off)");
  if (!(r.textOnly >= 0.0 && r.imageOnly + r.textOnly <= 1.0)) bad("text_only", "must be ≥ 0 with image_only + text_only ≤ 1");
}

std::vector<std::string> builtinRecipeNames() {
  return {"tiny", "tiny-vae", "nano-vae", "nano", "mumu-xl-stage1", "mumu-xl-stage2"};
}

Recipe builtinRecipe(const std::string& name) {
  Recipe r;
  r.name = name;
  for (const auto& n : recipeModuleNames()) r.modules[n] = ModuleRecipe{};
  if (name == "tiny") {
    // Tests: the small config, every mode exercised, a handful of steps on 32×32 images.
    r.model = "small", r.steps = 6, r.batchSize = 2, r.buckets = {{32, 32}}, r.maxImages = 2;
    r.modules["projection"] = mod(ModuleMode::Lora, 1e-3, 4);
    r.modules["lm"] = mod(ModuleMode::Lora, 1e-3, 4);
    r.modules["connector"] = mod(ModuleMode::Full, 1e-3);
    r.modules["unet"] = mod(ModuleMode::Lora, 1e-3, 4);
    r.warmupSteps = 2, r.emaDecay = 0.9, r.cfgDropout = 0.25, r.checkpointEvery = 2, r.keepCheckpoints = 2;
    r.sampleSteps = 2;
  } else if (name == "tiny-vae") {
    // Tests: the autoencoder objective on the small config.
    r.model = "small", r.steps = 4, r.batchSize = 2, r.buckets = {{32, 32}}, r.objective = "autoencoder";
    r.modules["vae"] = mod(ModuleMode::Full, 1e-3);
    r.checkpointEvery = 2, r.keepCheckpoints = 2, r.cfgDropout = 0.0;
  } else if (name == "nano-vae") {
    // Stage 1 of the shipped CPU model: its ×4 VAE, trained from nothing on shape-world targets.
    r.model = "nano", r.steps = 600, r.batchSize = 16, r.buckets = {{64, 64}}, r.objective = "autoencoder";
    r.modules["vae"] = mod(ModuleMode::Full, 2e-3);
    r.warmupSteps = 50, r.lrFloor = 0.05, r.klWeight = 1e-5, r.cfgDropout = 0.0;
    r.checkpointEvery = 250, r.keepCheckpoints = 2;
  } else if (name == "nano") {
    // Stage 2: MUMU on the trained VAE (model = the nano-vae run's export). Everything but the VAE trains in full
    // at the larger rates small nets take. 45 % of the object crops stand alone (image-only references), 45 % are
    // left out (text only), 10 % keep crop and words as bootstrapped: a sample with both teaches neither path alone.
    // The LM (its embeddings learn the words from nothing) at the UNet's rate. Min-SNR-γ 5 weighting (the value the
    // paper that proposed it recommends). See the model card for the runs behind these choices.
    r.model = "runs/nano-vae/export", r.steps = 5000, r.batchSize = 16, r.buckets = {{64, 64}}, r.maxImages = 3;
    r.modules["vision"] = mod(ModuleMode::Full, 5e-4);
    r.modules["projection"] = mod(ModuleMode::Full, 1e-3);
    r.modules["lm"] = mod(ModuleMode::Full, 1e-3);
    r.modules["connector"] = mod(ModuleMode::Full, 1e-3);
    r.modules["unet"] = mod(ModuleMode::Full, 1e-3);
    r.warmupSteps = 200, r.lrFloor = 0.1, r.emaDecay = 0.998, r.cfgDropout = 0.1, r.imageOnly = 0.45;
    r.textOnly = 0.45, r.snrGamma = 5.0;
    r.checkpointEvery = 250, r.keepCheckpoints = 2, r.sampleEvery = 1000;
    r.samplePrompts = {"a large red circle on a plain background, in flat style",
                       "a small blue star on a plain background, in flat style"};
  } else if (name == "mumu-xl-stage1" || name == "mumu-xl-stage2") {
    // Paper Table 1: ViT frozen; MLP and LM LoRA r8 at 3e-6; connector full at 1e-5; UNet LoRA r8 at 5e-6.
    const bool s1 = name == "mumu-xl-stage1";
    r.model = "mumu-xl", r.steps = s1 ? 200000 : 100000, r.batchSize = 8;
    r.buckets = {{1024, 1024}, {896, 1152}, {1152, 896}, {832, 1216}, {1216, 832}};
    r.gridSize = s1 ? 18 : 36;  // 324 then 1296 tokens per image
    r.maxImages = s1 ? 4 : 1;
    r.modules["projection"] = mod(ModuleMode::Lora, 3e-6);
    r.modules["lm"] = mod(ModuleMode::Lora, 3e-6);
    r.modules["connector"] = mod(ModuleMode::Full, 1e-5);
    r.modules["unet"] = mod(ModuleMode::Lora, 5e-6);
    r.warmupSteps = 1000, r.emaDecay = 0.9999, r.cfgDropout = 0.1, r.bf16 = true;
    r.checkpointEvery = 1000, r.keepCheckpoints = 3, r.sampleEvery = 5000, r.sampleSteps = 50;
  } else {
    fail("recipe '" + name + "'", "no such built-in recipe (tiny, tiny-vae, nano-vae, nano, mumu-xl-stage1, mumu-xl-stage2)");
  }
  validateRecipe(r, "recipe '" + name + "'");
  return r;
}

Recipe loadRecipe(const std::string& nameOrFile) {
  for (const auto& n : builtinRecipeNames())
    if (n == nameOrFile) return builtinRecipe(n);
  std::ifstream in(nameOrFile, std::ios::binary);
  if (!in) fail(nameOrFile, "no such recipe file (built-in recipes: tiny, tiny-vae, nano-vae, nano, mumu-xl-stage1, mumu-xl-stage2)");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  checkJsonDepth(text, nameOrFile);
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    fail(nameOrFile, std::string("not valid JSON: ") + e.what());
  }
  Recipe r = recipeFromJson(j, nameOrFile);
  if (r.name.empty()) r.name = std::filesystem::path(nameOrFile).stem().string();
  return r;
}

}  // namespace mumu::training
