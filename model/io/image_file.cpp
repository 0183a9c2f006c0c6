#include "image_file.h"

#include <OpenImageIO/imagebuf.h>
#include <OpenImageIO/imagebufalgo.h>
#include <OpenImageIO/imageio.h>

#include <cctype>
#include <filesystem>
#include <fstream>

#include "../error.h"

namespace mumu {

namespace {

std::string oiioError(const std::string& fallback) {
  std::string e = OIIO::geterror();
  return e.empty() ? fallback : e;
}

}  // namespace

Image readImage(const std::string& path, const ImageReadOptions& options) {
  if (options.channels != 1 && options.channels != 3 && options.channels != 4)
    fail(path, "unsupported channel count " + std::to_string(options.channels));
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) fail(path, "no such image file");
  if (std::filesystem::file_size(path, ec) == 0) fail(path, "the file is empty (0 bytes)");

  auto in = OIIO::ImageInput::open(path);
  if (!in) fail(path, "not a readable image (" + oiioError("unknown format") + ")");
  const OIIO::ImageSpec spec = in->spec();
  in->close();
  if (spec.width <= 0 || spec.height <= 0) fail(path, "image has zero size");
  if (static_cast<int64_t>(spec.width) * spec.height > options.maxPixels)
    fail(path, "image is too large (" + std::to_string(spec.width) + "x" + std::to_string(spec.height) +
                   " pixels; the limit is " + std::to_string(options.maxPixels) + ")");

  // Keep straight (unassociated) alpha: the compositing onto black below is ours to do.
  OIIO::ImageSpec config;
  config.attribute("oiio:UnassociatedAlpha", 1);
  OIIO::ImageBuf buf(path, 0, 0, nullptr, &config);
  if (!buf.read(0, 0, true, OIIO::TypeDesc::UINT8))
    fail(path, "cannot decode image (" + buf.geterror() + ")");
  // Apply EXIF orientation so the pixels are upright as a viewer shows them.
  if (buf.orientation() != 1) buf = OIIO::ImageBufAlgo::reorient(buf);

  const int srcCh = buf.spec().nchannels;
  const bool srcAlpha = buf.spec().alpha_channel >= 0 || srcCh == 4 || srcCh == 2;
  Image img;
  img.width = buf.spec().width;
  img.height = buf.spec().height;
  img.channels = options.channels;
  img.pixels.resize(static_cast<size_t>(img.width) * img.height * img.channels);

  std::vector<uint8_t> src(static_cast<size_t>(img.width) * img.height * srcCh);
  if (!buf.get_pixels(buf.roi(), OIIO::TypeDesc::UINT8, src.data()))
    fail(path, "cannot read pixels (" + buf.geterror() + ")");

  const int alphaIdx = srcAlpha ? (buf.spec().alpha_channel >= 0 ? buf.spec().alpha_channel : srcCh - 1) : -1;
  for (size_t i = 0, n = static_cast<size_t>(img.width) * img.height; i < n; ++i) {
    const uint8_t* s = &src[i * srcCh];
    uint8_t rgb[3];
    if (srcCh >= 3) { rgb[0] = s[0]; rgb[1] = s[1]; rgb[2] = s[2]; }
    else { rgb[0] = rgb[1] = rgb[2] = s[0]; }
    const uint8_t a = alphaIdx >= 0 ? s[alphaIdx] : 255;
    uint8_t* d = &img.pixels[i * img.channels];
    if (img.channels == 4) {
      d[0] = rgb[0]; d[1] = rgb[1]; d[2] = rgb[2]; d[3] = a;
    } else {
      // Transparent areas become black: the padding colour MUMU uses for reference images.
      for (int c = 0; c < 3; ++c) rgb[c] = static_cast<uint8_t>((rgb[c] * a + 127) / 255);
      if (img.channels == 3) { d[0] = rgb[0]; d[1] = rgb[1]; d[2] = rgb[2]; }
      else d[0] = static_cast<uint8_t>((rgb[0] * 77 + rgb[1] * 150 + rgb[2] * 29 + 128) >> 8);
    }
  }
  return img;
}

namespace {

// Whether a just-written PNG or JPEG (format by `name`'s extension) ends as a whole file does (other formats: whether
// the file is non-empty).
bool endsComplete(const std::string& file, const std::string& name) {
  std::ifstream in(file, std::ios::binary | std::ios::ate);
  if (!in) return false;
  const std::streamoff size = in.tellg();
  if (size <= 0) return false;
  std::string ext = std::filesystem::path(name).extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto tail = [&](std::streamoff n) {
    std::string t(static_cast<size_t>(n), '\0');
    if (size < n) return std::string();
    in.seekg(size - n);
    in.read(t.data(), n);
    return in ? t : std::string();
  };
  if (ext == ".png") return tail(12) == std::string("\0\0\0\0IEND\xAE\x42\x60\x82", 12);
  if (ext == ".jpg" || ext == ".jpeg") return tail(2) == "\xFF\xD9";
  return true;
}

}  // namespace

void writeImage(const std::string& path, const Image& image, const std::map<std::string, std::string>& text) {
  if (image.empty() || image.pixels.size() != static_cast<size_t>(image.width) * image.height * image.channels)
    fail(path, "refusing to write an empty or inconsistent image");
  OIIO::ImageSpec spec(image.width, image.height, image.channels, OIIO::TypeDesc::UINT8);
  if (image.channels == 4) spec.alpha_channel = 3;
  for (const auto& [k, v] : text) spec.attribute(k, v);
  // Write to a temporary name and rename: a crash or full disk never leaves a half-written image.
  const std::string tmp = path + ".part";
  auto out = OIIO::ImageOutput::create(path);
  if (!out) fail(path, "no image writer for this file type (" + oiioError("unknown extension") + ")");
  // OIIO picks the format by the name it opens: open the temp file with the real extension's writer.
  if (!out->open(tmp, spec)) fail(path, "cannot create file (" + out->geterror() + ")");
  bool ok = out->write_image(OIIO::TypeDesc::UINT8, image.pixels.data());
  ok = out->close() && ok;
  if (!ok) {
    std::filesystem::remove(tmp);
    fail(path, "cannot write image (" + out->geterror() + ")");
  }
  // Some writers (OIIO's PNG writer through libpng) do not report a short write: a full disk or a file-size limit
  // leaves a truncated file behind a "success". A truncated PNG lacks its final IEND chunk and a truncated JPEG its
  // EOI marker: checking the last bytes is enough, and costs one small read (decoding back made bootstrapping slow).
  if (!endsComplete(tmp, path)) {
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
    fail(path, "cannot write image: the written file is incomplete (disk full?)");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp);
    fail(path, "cannot move the written image into place (" + ec.message() + ")");
  }
}

std::map<std::string, std::string> readImageText(const std::string& path) {
  auto in = OIIO::ImageInput::open(path);
  if (!in) fail(path, "not a readable image (" + oiioError("unknown format") + ")");
  std::map<std::string, std::string> out;
  for (const auto& p : in->spec().extra_attribs)
    if (p.type() == OIIO::TypeDesc::STRING) out[p.name().string()] = p.get_string();
  in->close();
  return out;
}

}  // namespace mumu
