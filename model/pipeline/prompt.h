// prompt.h — MUMU's multimodal prompt: text interleaved with reference images, each part optionally weighted.
// Three forms of one thing: the segments (what the pipeline and the GUI composer work on), the text syntax
// (CLI, prompt files, the composer's raw view) and a JSON list (recipes, scripts). Torch-free, std types only.
//
// Text syntax:
//   plain text                     written as is; whitespace is kept exactly
//   [img:path/to/ref.png]          a reference image
//   [img:ref.png:0.8]              … with a weight (0 ≤ w ≤ 10; 1 = no change, 0 = no attention)
//   [img:ref.png@x,y,w,h]          … with a crop box in pixels of the image (x, y ≥ 0; w, h > 0)
//   [img:ref.png:0.8@x,y,w,h]      … both
//   [img:"C:/my dir/a.png":0.8]    a quoted path: needed for ':', '@', brackets, quotes, backslashes or
//                                  spaces (inside quotes write \" and \\); unquoted paths are trimmed
//   (red hat:1.3)                  weighted text; the weight follows the last ':' before ')'
//   \[ \] \( \) \\ \:              literal characters (any \x is x); a bare '(' '[' ')' ']' is an error
// Adjacent text of the same weight becomes one segment; empty text segments are dropped.
//
// JSON form: [{"text": "a ", "weight": 1.3}, {"image": "ref.png", "weight": 0.8, "crop": [x, y, w, h],
//             "note": "…", "sha256": "…"}]; "weight" defaults to 1, the other keys are optional.
//
// Errors are mumu::PromptError: "prompt:1:17: unterminated image reference" (line and column count
// characters, from 1), or "prompt[2].weight: …" for the JSON form.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "model/error.h"

namespace mumu {

// A crop box in pixels of the reference image (top-left origin).
struct CropBox {
  int x = 0, y = 0, w = 0, h = 0;
  bool operator==(const CropBox&) const = default;
};

struct PromptSegment {
  enum Kind { Text, Image };
  Kind kind = Text;
  std::string text;             // Text: UTF-8, exactly as written (escapes resolved)
  std::string imagePath;        // Image: as written (relative to the prompt's base folder) or resolved
  std::optional<CropBox> crop;  // Image only
  double weight = 1.0;          // span weight, 0 … kMaxPromptWeight
  std::string note;             // free text for the user (composer chip); JSON form only
  std::string imageSha256;      // lower-case hex of the file bytes once known; JSON form only

  // Where the parser found it (1-based; 0 = not from text). Not part of equality.
  int line = 0, column = 0;

  bool isText() const { return kind == Text; }
  bool isImage() const { return kind == Image; }
  static PromptSegment makeText(std::string text, double weight = 1.0);
  static PromptSegment makeImage(std::string path, double weight = 1.0, std::optional<CropBox> crop = {});
  // Compares content (kind, text, path, crop, weight, note, sha256), not line/column.
  bool operator==(const PromptSegment& o) const;
};

struct Prompt {
  std::vector<PromptSegment> segments;

  bool empty() const { return segments.empty(); }
  int imageCount() const;
  bool operator==(const Prompt& o) const { return segments == o.segments; }
};

inline constexpr double kMaxPromptWeight = 10.0;
// Reference images in one prompt. Each costs the VLM 4×324 + 324 tokens (1,620 at MUMU-XL's grid) and a decoded
// image: 3,000 references made the kernel kill the process for memory. The paper's prompts hold a handful.
inline constexpr int kMaxPromptImages = 32;
// Text of one prompt, in bytes (a page of writing is ~3,000).
inline constexpr size_t kMaxPromptTextBytes = 64 * 1024;

// Throws PromptError "<source>: 3000 reference images; a prompt holds at most 32" (or the text limit). The prompt
// parsers (parsePrompt, parsePromptAny) and the pipeline check with it; promptFromJson does not, so that recipes
// stored before the limit still open (their generation is refused by the pipeline).
void checkPromptSize(int images, size_t textBytes, const std::string& source);

// A syntax or validation error with its position; what() is the whole message ("prompt:1:17: …").
class PromptError : public Error {
 public:
  PromptError(const std::string& message, int line, int column, int segment)
      : Error(message), line_(line), column_(column), segment_(segment) {}
  int line() const { return line_; }        // 1-based; 0 when the error has no text position
  int column() const { return column_; }    // 1-based, in characters (UTF-8 code points)
  int segment() const { return segment_; }  // index into Prompt::segments, -1 when none
 private:
  int line_, column_, segment_;
};

// Parses the text syntax. `source` names the prompt in messages ("prompt", or a prompt file's path).
// Throws PromptError for bad syntax (unknown tag, missing ']' or ')', bad weight or crop, empty path,
// invalid UTF-8).
Prompt parsePrompt(const std::string& text, const std::string& source = "prompt");

// The text syntax for `prompt`; parsePrompt(serializePrompt(p)) == normalizePrompt(p) minus notes and
// SHA-256s, which only the JSON form carries. Weights are written in the shortest exact form.
std::string serializePrompt(const Prompt& prompt);

// Merges adjacent text segments of equal weight and note, drops empty text segments.
Prompt normalizePrompt(const Prompt& prompt);

// JSON form (a list of segments), both ways. promptFromJson throws PromptError naming the element
// ("prompt[2].crop: expected 4 integers [x, y, w, h]"); unknown keys are errors.
std::string promptToJson(const Prompt& prompt, int indent = -1);
Prompt promptFromJson(const std::string& json, const std::string& source = "prompt");

// Either form: a text starting with '[' followed by '{' or ']' (after whitespace) is JSON, else the syntax.
Prompt parsePromptAny(const std::string& text, const std::string& source = "prompt");

// A1111-style display text: image references become their file names (no folder, no weight or crop),
// weighted text stays "(text:1.3)", literal brackets and parentheses are escaped as A1111 does.
std::string promptDisplayText(const Prompt& prompt);

// Joins relative image paths onto `baseDir` (absolute paths and an empty baseDir leave them unchanged).
Prompt resolveImagePaths(const Prompt& prompt, const std::string& baseDir);

// Checks that every referenced image exists and decodes (readImage), and that each crop lies inside its
// image. Throws PromptError naming the position in the prompt and the file:
// "prompt:1:9: image 'ref.png': no such image file". Call after resolveImagePaths.
void checkPromptImages(const Prompt& prompt, const std::string& source = "prompt");

// Fills imageSha256 of every image segment from its file's bytes (error as checkPromptImages).
void hashPromptImages(Prompt& prompt, const std::string& source = "prompt");

// Shortest decimal text that reads back as exactly `v` ("1.3", "0.8", "6", "7.5").
std::string formatNumber(double v);

}  // namespace mumu
