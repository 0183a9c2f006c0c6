// generation_io.h — the bridge between the prompt and recipe types (prompt.h, recipe.h: plain std types) and the
// pipeline (pipeline.h): prompt → generation segments, result → recipe per image, recipe → request (`mumu generate
// --from`). Header-only on purpose (light, included by the CLI, core/ and tests).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "model/error.h"
#include "model/io/image_file.h"
#include "model/io/sha256.h"
#include "model/pipeline/pipeline.h"
#include "model/pipeline/prompt.h"
#include "model/pipeline/recipe.h"

namespace mumu {

// Reads every reference image of `prompt` (paths already resolved). Errors name the position in the prompt.
inline std::vector<GenerationSegment> generationSegments(const Prompt& prompt, const std::string& source = "prompt") {
  checkPromptImages(prompt, source);
  std::vector<GenerationSegment> out;
  for (const auto& s : prompt.segments) {
    if (s.isText()) {
      out.push_back(GenerationSegment::makeText(s.text, s.weight));
      continue;
    }
    std::optional<std::array<int, 4>> crop;
    if (s.crop) crop = std::array<int, 4>{s.crop->x, s.crop->y, s.crop->w, s.crop->h};
    out.push_back(GenerationSegment::makeImage(readImage(s.imagePath), s.weight, crop));
  }
  return out;
}

// The recipe of image `index` of `result`. `prompt` should carry each image's SHA-256 (hashPromptImages).
inline Recipe recipeForImage(const Prompt& prompt, const std::string& negative, const GenerationResult& result,
                             size_t index, const MumuModelInfo& model) {
  Recipe r;
  r.prompt = prompt;
  r.negativePrompt = negative;
  r.sampler = result.sampler;
  r.steps = result.steps;
  r.cfgScale = result.cfg;
  r.seed = result.seeds.at(index);
  if (result.seeds.size() > 1) r.batchSeeds = result.seeds, r.batchIndex = static_cast<int>(index);
  r.width = result.width;
  r.height = result.height;
  r.rngSource = result.rngSources.at(index);
  r.modelName = model.name;
  r.modelHash = model.hash;
  r.deviceType = result.device;
  r.dtype = result.dtype;
  r.appVersion = recipeAppVersion();
  r.created = currentTimestamp();
  return r;
}

// Where a recipe's reference image is now: its recorded path, the same name next to the PNG, or any file of the
// PNG's folder and `assetDirs` with the recorded SHA-256. Throws mumu::Error naming the segment.
inline std::string findReferenceImage(const PromptSegment& s, const std::string& pngDir,
                                      const std::vector<std::string>& assetDirs = {}) {
  namespace fs = std::filesystem;
  auto matches = [&](const fs::path& p) {
    std::error_code ec;
    if (!fs::is_regular_file(p, ec)) return false;
    return s.imageSha256.empty() || sha256File(p.string()) == s.imageSha256;
  };
  const fs::path recorded(s.imagePath);
  for (const fs::path& p : {recorded, fs::path(pngDir) / recorded, fs::path(pngDir) / recorded.filename()})
    if (!p.empty() && matches(p)) return p.string();
  if (!s.imageSha256.empty()) {
    std::vector<std::string> dirs = assetDirs;
    dirs.insert(dirs.begin(), pngDir);
    for (const auto& d : dirs) {
      std::error_code ec;
      int seen = 0;
      for (const auto& e : fs::directory_iterator(d.empty() ? "." : d, ec)) {
        if (++seen > 2000) break;  // a bounded search
        std::error_code ec2;
        if (e.is_regular_file(ec2) && e.file_size(ec2) < (64u << 20) && matches(e.path())) return e.path().string();
      }
    }
  }
  fail("reference image '" + s.imagePath + "'",
       "not found (looked for the recorded path, next to the image and by SHA-256 " +
           (s.imageSha256.empty() ? std::string("(none recorded)") : s.imageSha256.substr(0, 12) + "…") + ")");
}

// The request that regenerates a recipe's image: the whole batch it came from (so batch-dependent numerics repeat),
// of which image recipe.batchIndex is the one. `resolved` receives the prompt with the found image paths.
inline GenerationRequest requestFromRecipe(const Recipe& recipe, const std::string& pngPath, Prompt* resolved = nullptr,
                                           const std::vector<std::string>& assetDirs = {}) {
  const std::string pngDir = std::filesystem::path(pngPath).parent_path().string();
  Prompt p = recipe.prompt;
  for (auto& s : p.segments)
    if (s.isImage()) s.imagePath = findReferenceImage(s, pngDir, assetDirs);
  GenerationRequest r;
  r.prompt = generationSegments(p, pngPath + ": recipe prompt");
  if (!recipe.negativePrompt.empty())
    r.negative = generationSegments(parsePromptAny(recipe.negativePrompt, "negative"), "negative");
  r.sampler = recipe.sampler;
  r.steps = recipe.steps;
  r.cfg = recipe.cfgScale;
  r.width = recipe.width;
  r.height = recipe.height;
  if (!recipe.batchSeeds.empty()) {
    r.seeds = recipe.batchSeeds;
    r.batch = static_cast<int>(recipe.batchSeeds.size());
  } else {
    r.seed = recipe.seed;
  }
  if (resolved) *resolved = p;
  return r;
}

}  // namespace mumu
