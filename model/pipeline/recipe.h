// recipe.h — the complete recipe of one generated image: everything needed to regenerate it bit-identically
// on the same device type (prompt segments with each reference image's SHA-256, settings, seed and RNG
// source, model identity). Stored as JSON in the PNG's iTXt `mumu` chunk and in the Studio's history.
// Torch-free and nlohmann-free: JSON travels as std::string.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/pipeline/prompt.h"

namespace mumu {

struct Recipe {
  // Bumped when a key changes meaning or is added; loading a newer version is an error.
  static constexpr int kSchemaVersion = 1;

  Prompt prompt;               // segments with weight, crop, note and imageSha256
  std::string negativePrompt;  // text syntax (empty = the empty-prompt unconditional)
  std::string sampler;         // a makeScheduler name: "dpmpp_2m_karras", "ddim", "euler_a", …
  std::string scheduleType;    // A1111 "Schedule type" ("Karras", …); "" = implied by `sampler`
  int steps = 30;
  double cfgScale = 6.0;
  uint64_t seed = 0;                 // this image's seed
  std::vector<uint64_t> batchSeeds;  // every image's seed when generated in a batch; empty for one image
  int batchIndex = 0;                // this image's index in batchSeeds
  int width = 1024, height = 1024;
  std::string rngSource;   // NoiseSource::name(): "torch.cpu.mt19937:<seed>"
  std::string modelName;   // "nano", "mumu-xl", a package folder's name
  std::string modelHash;   // lower-case hex SHA-256 of the model (A1111 shows the first 10)
  std::string deviceType;  // "cpu", "cuda", …
  std::string dtype;       // "float32", "bfloat16", "float16"
  std::string appVersion;  // MUMU_VERSION_STRING of the writer (recipeAppVersion())
  std::string created;     // ISO 8601 UTC, "2026-11-26T16:44:43Z" (currentTimestamp())

  bool operator==(const Recipe&) const = default;
};

// The JSON text: {"schema_version": 1, "prompt": [...segments as promptToJson...], "negative_prompt": …,
// "sampler", "schedule_type", "steps", "cfg_scale", "seed", "batch_seeds", "batch_index", "width", "height",
// "rng", "model", "model_hash", "device", "dtype", "app_version", "created"}. indent < 0: one line.
std::string recipeToJson(const Recipe& recipe, int indent = 2);

// Strict: every key above is required with its type, unknown keys and a schema_version newer than
// kSchemaVersion are errors, values are range-checked. Throws mumu::Error "<source>: key 'steps': …".
Recipe recipeFromJson(const std::string& json, const std::string& source = "recipe");

// Throws mumu::Error naming the first bad field (what recipeFromJson checks after the types).
void validateRecipe(const Recipe& recipe, const std::string& source = "recipe");

// This build's version (MUMU_VERSION_STRING).
std::string recipeAppVersion();
// Now as ISO 8601 UTC with seconds ("2026-11-26T16:44:43Z").
std::string currentTimestamp();

}  // namespace mumu
