// png_metadata.h — PNG text chunks read and written by editing the byte stream ourselves (no libpng), and
// the two metadata forms every generated PNG carries:
//   `parameters` (tEXt, or iTXt when the text is not Latin-1, as A1111/PIL do): A1111's infotext, so
//      other tools show the prompt and settings;
//   `mumu` (iTXt, UTF-8): the complete recipe JSON (recipe.h).
// Reading walks the chunks with bounds checks (signature, lengths against the file size, CRC-32 of every
// chunk, chunk-count and text-size limits); hostile or truncated files give mumu::Error naming the file.
// Torch-free and nlohmann-free.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/io/image_file.h"
#include "model/pipeline/recipe.h"

namespace mumu {

// ---- text chunks ---------------------------------------------------------------------------------------

struct PngTextChunk {
  enum Type { TEXt, ZTXt, ITXt };
  std::string keyword;            // 1–79 Latin-1 characters (as UTF-8 here), no leading/trailing space
  std::string text;               // UTF-8 (tEXt/zTXt are Latin-1 in the file; converted both ways)
  Type type = ITXt;               // writing: TEXt / ITXt (uncompressed); reading: what the file had
  bool compressed = false;        // reading: zTXt, or iTXt with the compression flag
  std::string languageTag;        // iTXt only
  std::string translatedKeyword;  // iTXt only, UTF-8
  bool operator==(const PngTextChunk&) const = default;
};

struct PngLimits {
  size_t maxFileBytes = size_t(1) << 31;  // 2 GiB
  size_t maxChunks = 1 << 20;
  size_t maxTextBytes = 16 << 20;  // per text chunk, after decompression
};

// Every tEXt/zTXt/iTXt chunk in file order. `source` names the data in messages (the file's path).
std::vector<PngTextChunk> readPngTextChunks(std::string_view png, const std::string& source,
                                            const PngLimits& limits = {});
std::vector<PngTextChunk> readPngTextChunksFromFile(const std::string& path, const PngLimits& limits = {});

// The PNG with `chunks` inserted right after IHDR; existing text chunks with the same keywords are removed
// (so re-embedding replaces). The input is fully validated first (CRCs, structure); pixels stay untouched.
std::string embedPngTextChunks(std::string_view png, const std::vector<PngTextChunk>& chunks, const std::string& source,
                               const PngLimits& limits = {});
// The same on a file, atomically: writes "<path>.part" then renames over `path`.
void embedPngTextChunksInFile(const std::string& path, const std::vector<PngTextChunk>& chunks,
                              const PngLimits& limits = {});

// CRC-32 (ISO 3309, the PNG and zlib one).
uint32_t crc32(const void* data, size_t size, uint32_t crc = 0);

// ---- A1111 `parameters` --------------------------------------------------------------------------------

// A1111's infotext for `recipe`:
//   <prompt display text, image references as file names>
//   Negative prompt: <negative>                       (only when not empty)
//   Steps: 30, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 6, Seed: 1234, Size: 1024x1024,
//   Model hash: abcdef1234, Model: nano, Version: MUMU Studio 0.1.0
// Values containing ',', ':' or a newline are JSON-quoted as A1111 does.
std::string formatA1111Parameters(const Recipe& recipe);

// A1111's sampler display name and schedule type for one of our sampler names ("dpmpp_2m_karras" →
// {"DPM++ 2M", "Karras"}); unknown names come back unchanged with "Automatic".
std::pair<std::string, std::string> a1111SamplerName(const std::string& sampler);
// Ours for an A1111 sampler + schedule type (also the pre-1.9 combined "DPM++ 2M Karras"); "" if none.
std::string samplerFromA1111(const std::string& sampler, const std::string& scheduleType);

// What an A1111 infotext says. Unknown settings are kept in `settings` in order; absent ones are empty.
struct A1111Parameters {
  std::string prompt;  // as written (A1111's own syntax)
  std::string negativePrompt;
  std::vector<std::pair<std::string, std::string>> settings;  // every "Key: value" of the last line, unquoted
  std::optional<int> steps;
  std::string sampler;       // A1111's display name ("DPM++ 2M")
  std::string scheduleType;  // "Karras", "Automatic", … or ""
  std::optional<double> cfgScale;
  std::optional<uint64_t> seed;
  std::optional<int> width, height;
  std::string modelHash, model;
};

// Parses an infotext. Never throws for odd text: what it cannot read stays in prompt/settings.
A1111Parameters parseA1111Parameters(const std::string& text);

// A partial recipe from an infotext made by another tool: prompt parsed with our syntax when it parses
// (A1111's "(red hat:1.3)" is ours too), else one literal text segment; sampler mapped to ours when known
// (else A1111's name); missing numbers keep Recipe's defaults.
Recipe recipeFromA1111(const A1111Parameters& parameters);

// ---- recipes in PNG files ------------------------------------------------------------------------------

// The `parameters` and `mumu` chunks for `recipe`.
std::vector<PngTextChunk> recipeTextChunks(const Recipe& recipe);
// Adds them to PNG bytes / a PNG file (atomically; the pipeline writes with writeImage, then calls this).
std::string embedRecipe(std::string_view png, const Recipe& recipe, const std::string& source);
void embedRecipeInFile(const std::string& path, const Recipe& recipe);
// A generated image as a PNG carrying `recipe` (both chunks), written under a temporary name in the target folder
// (created when missing) and renamed: a reader never sees a half file, a full disk leaves nothing behind. The one
// writer of `mumu generate` and the Studio's queue. Throws mumu::Error naming the path (not .png, I/O failure).
void writePngWithRecipe(const std::string& path, const Image& image, const Recipe& recipe);

struct RecoveredRecipe {
  enum Origin { Mumu, A1111 };
  Origin origin = Mumu;  // Mumu: the full recipe from `mumu`; A1111: partial, from `parameters`
  Recipe recipe;
  std::string parameters;  // the raw `parameters` text when present
};

// The recipe of a PNG: ours when the `mumu` chunk is there, else from `parameters`, else nullopt.
// Throws mumu::Error for a damaged PNG or a `mumu` chunk that fails validation.
std::optional<RecoveredRecipe> readRecipeFromPng(const std::string& path, const PngLimits& limits = {});
std::optional<RecoveredRecipe> readRecipeFromPngBytes(std::string_view png, const std::string& source,
                                                      const PngLimits& limits = {});

}  // namespace mumu
