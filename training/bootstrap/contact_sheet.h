// contact_sheet.h — a PNG for people to check a bootstrapped data set: per sample the target image (with the
// source boxes of its crops drawn in the crop's colour) and the prompt, text and crops inline in order.
// Text is drawn with a built-in 5×7 bitmap font (ASCII; other characters show as '?'), so no font library
// or font file is needed.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "model/io/image_file.h"
#include "training/bootstrap/dataset.h"

namespace mumu::training {

struct ContactSheetOptions {
  int width = 1280;     // of the sheet, pixels
  int thumbSize = 128;  // longest side of a target image
  int cropHeight = 48;  // height of an inline crop
  int fontScale = 2;    // 5×7 glyphs drawn scale× larger
  std::string title;    // first line of the sheet
};

// Renders `samples` (their images are read through Sample::absolute; an unreadable one is drawn as a crossed
// box and named in the sheet). Throws mumu::Error for options out of range.
Image renderContactSheet(const std::vector<Sample>& samples, const ContactSheetOptions& options);

// Samples [first, first + count) of the data set in shard order, rendered and written to `outPath` (PNG).
// Returns the number of samples drawn.
int64_t writeContactSheet(const DatasetReader& reader, const std::string& outPath, int64_t first, int64_t count,
                          ContactSheetOptions options);

// The bitmap font. Glyph cells are 6 × 8 (5 × 7 plus spacing) times `scale`.
void drawText(Image& image, int x, int y, const std::string& text, std::array<uint8_t, 3> colour, int scale);
int textWidth(const std::string& text, int scale);
constexpr int kGlyphAdvance = 6;
constexpr int kGlyphHeight = 8;

}  // namespace mumu::training
