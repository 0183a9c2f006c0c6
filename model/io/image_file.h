// image_file.h — reading and writing image files with OpenImageIO (every format it reads; 16-bit and
// float files are converted to 8 bit, EXIF orientation is applied). Thin header: no OIIO, no torch.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace mumu {

// An 8-bit interleaved image, row-major, top row first.
struct Image {
  int width = 0;
  int height = 0;
  int channels = 0;                 // 1 (gray), 3 (RGB) or 4 (RGBA)
  std::vector<uint8_t> pixels;      // width * height * channels

  bool empty() const { return width == 0 || height == 0; }
  uint8_t* row(int y) { return pixels.data() + static_cast<size_t>(y) * width * channels; }
  const uint8_t* row(int y) const { return pixels.data() + static_cast<size_t>(y) * width * channels; }
};

struct ImageReadOptions {
  int channels = 3;                 // convert to 1, 3 or 4 channels (alpha dropped onto black for 3)
  int64_t maxPixels = 64LL << 20;   // refuse images larger than this (a hostile header can claim 2^62)
};

// Throws mumu::Error naming the file and the problem (missing, unreadable, too large, zero size).
Image readImage(const std::string& path, const ImageReadOptions& options = {});

// Writes by extension (.png, .jpg, .tif, .exr …). `text` becomes text metadata (PNG tEXt chunks).
void writeImage(const std::string& path, const Image& image,
                const std::map<std::string, std::string>& text = {});

// Text metadata of a file (PNG tEXt/iTXt, EXIF/XMP strings as OIIO names them).
std::map<std::string, std::string> readImageText(const std::string& path);

}  // namespace mumu
