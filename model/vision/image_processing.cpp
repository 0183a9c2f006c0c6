#include "model/vision/image_processing.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "model/error.h"

namespace mumu {

namespace {

constexpr const char* kWhere = "image preprocessing";

// ---------------------------------------------------------------------------------------------------------
// Pillow-compatible resampling (8 bit per channel)

constexpr int kPrecisionBits = 32 - 8 - 2;  // fixed-point fraction bits of the coefficients

double bilinearFilter(double x) {
  x = std::abs(x);
  return x < 1.0 ? 1.0 - x : 0.0;
}

double bicubicFilter(double x) {
  constexpr double a = -0.5;
  x = std::abs(x);
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
  if (x < 2.0) return (((x - 5.0) * x + 8.0) * x - 4.0) * a;
  return 0.0;
}

// For each output position: the first input index, the number of inputs and their fixed-point weights.
struct Coefficients {
  int taps = 0;  // weights per output position (row stride of `weights`)
  std::vector<int> first, count;
  std::vector<int32_t> weights;
};

Coefficients precompute(int inSize, int outSize, Resample resample) {
  const double support1 = resample == Resample::Bicubic ? 2.0 : 1.0;
  const double scale = static_cast<double>(inSize) / outSize;
  const double filterScale = std::max(scale, 1.0);  // shrinking widens the filter: antialiasing
  const double support = support1 * filterScale;
  Coefficients c;
  c.taps = static_cast<int>(std::ceil(support)) * 2 + 1;
  c.first.resize(outSize);
  c.count.resize(outSize);
  c.weights.assign(static_cast<size_t>(outSize) * c.taps, 0);
  std::vector<double> w(c.taps);
  for (int o = 0; o < outSize; ++o) {
    const double center = (o + 0.5) * scale;
    // (int) truncation, then clamping, exactly as Pillow rounds the window bounds
    int lo = static_cast<int>(center - support + 0.5);
    if (lo < 0) lo = 0;
    int hi = static_cast<int>(center + support + 0.5);
    if (hi > inSize) hi = inSize;
    const int n = hi - lo;
    const double invScale = 1.0 / filterScale;
    double total = 0.0;
    for (int i = 0; i < n; ++i) {
      const double x = (i + lo - center + 0.5) * invScale;
      w[i] = resample == Resample::Bicubic ? bicubicFilter(x) : bilinearFilter(x);
      total += w[i];
    }
    for (int i = 0; i < n; ++i) {
      const double v = (total != 0.0 ? w[i] / total : w[i]) * (1 << kPrecisionBits);
      c.weights[static_cast<size_t>(o) * c.taps + i] = static_cast<int32_t>(v < 0 ? v - 0.5 : v + 0.5);
    }
    c.first[o] = lo;
    c.count[o] = n;
  }
  return c;
}

inline uint8_t clip8(int64_t acc) {
  const int64_t v = acc >> kPrecisionBits;  // arithmetic shift: floor
  return static_cast<uint8_t>(std::clamp<int64_t>(v, 0, 255));
}

// One separable pass along x (horizontal) or y (vertical).
Image resamplePass(const Image& in, int outSize, bool horizontal, Resample resample) {
  const int inSize = horizontal ? in.width : in.height;
  const auto c = precompute(inSize, outSize, resample);
  Image out;
  out.width = horizontal ? outSize : in.width;
  out.height = horizontal ? in.height : outSize;
  out.channels = in.channels;
  out.pixels.resize(static_cast<size_t>(out.width) * out.height * out.channels);
  const int ch = in.channels;
  const int64_t half = int64_t{1} << (kPrecisionBits - 1);
  for (int y = 0; y < out.height; ++y) {
    uint8_t* dst = out.row(y);
    for (int x = 0; x < out.width; ++x) {
      const int o = horizontal ? x : y;
      const int32_t* k = &c.weights[static_cast<size_t>(o) * c.taps];
      for (int z = 0; z < ch; ++z) {
        int64_t acc = half;
        for (int i = 0; i < c.count[o]; ++i) {
          const int src = c.first[o] + i;
          const uint8_t v = horizontal ? in.row(y)[src * ch + z] : in.row(src)[x * ch + z];
          acc += static_cast<int64_t>(v) * k[i];
        }
        dst[x * ch + z] = clip8(acc);
      }
    }
  }
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------
// checks and pixel operations

void checkImage(const Image& image, const std::string& where) {
  if (image.width <= 0 || image.height <= 0)
    fail(where, "empty image (" + std::to_string(image.width) + "×" + std::to_string(image.height) + ")");
  if (image.width > kMaxImageSide || image.height > kMaxImageSide ||
      static_cast<int64_t>(image.width) * image.height > kMaxImagePixels)
    fail(where, "image of " + std::to_string(image.width) + "×" + std::to_string(image.height) +
                    " pixels is too large (at most " + std::to_string(kMaxImageSide) + " per side and " +
                    std::to_string(kMaxImagePixels) + " pixels)");
  if (image.channels != 1 && image.channels != 3 && image.channels != 4)
    fail(where, "unsupported channel count " + std::to_string(image.channels) + " (1, 3 or 4)");
  const size_t expected = static_cast<size_t>(image.width) * image.height * image.channels;
  if (image.pixels.size() != expected)
    fail(where,
         "pixel buffer holds " + std::to_string(image.pixels.size()) + " bytes, expected " + std::to_string(expected));
}

Image toRgb(const Image& image, uint8_t alphaBackground) {
  checkImage(image, kWhere);
  if (image.channels == 3) return image;
  Image out;
  out.width = image.width;
  out.height = image.height;
  out.channels = 3;
  out.pixels.resize(static_cast<size_t>(image.width) * image.height * 3);
  const size_t n = static_cast<size_t>(image.width) * image.height;
  const uint8_t* src = image.pixels.data();
  uint8_t* dst = out.pixels.data();
  if (image.channels == 1) {
    for (size_t i = 0; i < n; ++i) dst[3 * i] = dst[3 * i + 1] = dst[3 * i + 2] = src[i];
    return out;
  }
  // Pillow's alpha_composite(opaque background, image) in its 7-bit-precision integer form, then RGB.
  constexpr uint32_t kBits = 7;
  auto div255 = [](uint32_t a) { return ((a >> 8) + a) >> 8; };
  for (size_t i = 0; i < n; ++i) {
    const uint32_t alpha = src[4 * i + 3];
    for (int z = 0; z < 3; ++z) {
      if (alpha == 0) {
        dst[3 * i + z] = alphaBackground;
        continue;
      }
      const uint32_t outAlpha255 = alpha * 255 + 255 * (255 - alpha);
      const uint32_t coef1 = alpha * 255 * 255 * (1u << kBits) / outAlpha255;
      const uint32_t coef2 = 255 * (1u << kBits) - coef1;
      const uint32_t mixed = src[4 * i + z] * coef1 + alphaBackground * coef2;
      dst[3 * i + z] = static_cast<uint8_t>(div255(mixed + (0x80u << kBits)) >> kBits);
    }
  }
  return out;
}

Image resizeImage(const Image& image, int width, int height, Resample resample) {
  checkImage(image, kWhere);
  if (width <= 0 || height <= 0 || width > kMaxImageSide || height > kMaxImageSide ||
      static_cast<int64_t>(width) * height > kMaxImagePixels)
    fail(kWhere, "cannot resize to " + std::to_string(width) + "×" + std::to_string(height));
  Image out = image;
  if (width != image.width) out = resamplePass(out, width, /*horizontal=*/true, resample);
  if (height != image.height) out = resamplePass(out, height, /*horizontal=*/false, resample);
  return out;
}

Image cropImage(const Image& image, int x0, int y0, int x1, int y1) {
  checkImage(image, kWhere);
  if (x0 < 0 || y0 < 0 || x1 > image.width || y1 > image.height || x0 >= x1 || y0 >= y1)
    fail(kWhere, "crop [" + std::to_string(x0) + ", " + std::to_string(x1) + ") × [" + std::to_string(y0) + ", " +
                     std::to_string(y1) + ") is empty or outside the image");
  Image out;
  out.width = x1 - x0;
  out.height = y1 - y0;
  out.channels = image.channels;
  out.pixels.resize(static_cast<size_t>(out.width) * out.height * out.channels);
  for (int y = 0; y < out.height; ++y)
    std::copy_n(image.row(y0 + y) + static_cast<size_t>(x0) * image.channels,
                static_cast<size_t>(out.width) * image.channels, out.row(y));
  return out;
}

Image padToSquare(const Image& image, uint8_t value) {
  checkImage(image, kWhere);
  const int side = std::max(image.width, image.height);
  if (static_cast<int64_t>(side) * side > kMaxImagePixels)
    fail(kWhere, "the square canvas of a " + std::to_string(image.width) + "×" + std::to_string(image.height) +
                     " image is too large");
  Image out;
  out.width = out.height = side;
  out.channels = image.channels;
  out.pixels.assign(static_cast<size_t>(side) * side * image.channels, value);
  const int x0 = (side - image.width) / 2, y0 = (side - image.height) / 2;
  for (int y = 0; y < image.height; ++y)
    std::copy_n(image.row(y), static_cast<size_t>(image.width) * image.channels,
                out.row(y0 + y) + static_cast<size_t>(x0) * image.channels);
  return out;
}

std::pair<int, int> idefics2ResizeOutputSize(int height, int width, int shortestEdge, int longestEdge) {
  if (height <= 0 || width <= 0) fail(kWhere, "cannot resize an empty image");
  if (shortestEdge <= 0 || longestEdge <= 0) fail(kWhere, "shortest_edge and longest_edge must be positive");
  const double aspect = static_cast<double>(width) / height;
  if (width >= height && width > longestEdge) {
    width = longestEdge;
    height = static_cast<int>(width / aspect);  // Python int(): truncation
  } else if (height > width && height > longestEdge) {
    height = longestEdge;
    width = static_cast<int>(height * aspect);
  }
  return {std::max(height, shortestEdge), std::max(width, shortestEdge)};
}

at::Tensor imageToTensor(const Image& rgb, bool rescale, double rescaleFactor, bool normalize,
                         const std::array<float, 3>& mean, const std::array<float, 3>& std) {
  checkImage(rgb, kWhere);
  if (rgb.channels != 3) fail(kWhere, "imageToTensor needs an RGB image");
  if (normalize && (std[0] == 0.0f || std[1] == 0.0f || std[2] == 0.0f)) fail(kWhere, "image_std must not be 0");
  const int64_t h = rgb.height, w = rgb.width;
  auto out = at::empty({3, h, w}, at::TensorOptions().dtype(at::kFloat));  // [3, H, W]
  float* dst = out.data_ptr<float>();
  const uint8_t* src = rgb.pixels.data();
  for (int z = 0; z < 3; ++z) {
    float* plane = dst + z * h * w;
    for (int64_t i = 0; i < h * w; ++i) {
      float v = rescale ? static_cast<float>(static_cast<double>(src[3 * i + z]) * rescaleFactor)
                        : static_cast<float>(src[3 * i + z]);
      if (normalize) v = (v - mean[z]) / std[z];
      plane[i] = v;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// batches

namespace {

// Places per-sample [3, h, w] tensors into the padded batch tensors.
ProcessedImages assemble(const std::vector<std::vector<at::Tensor>>& images, bool pad) {
  int64_t maxImages = 0, maxH = 0, maxW = 0;
  for (const auto& sample : images) {
    maxImages = std::max<int64_t>(maxImages, static_cast<int64_t>(sample.size()));
    for (const auto& t : sample) {
      maxH = std::max(maxH, t.size(1));
      maxW = std::max(maxW, t.size(2));
    }
  }
  if (maxImages == 0) fail(kWhere, "no images in the batch");
  if (!pad) {
    for (const auto& sample : images) {
      if (static_cast<int64_t>(sample.size()) != maxImages)
        fail(kWhere, "without padding every sample needs the same number of images");
      for (const auto& t : sample)
        if (t.size(1) != maxH || t.size(2) != maxW) fail(kWhere, "without padding every image needs the same size");
    }
  }
  const auto b = static_cast<int64_t>(images.size());
  ProcessedImages out;
  out.pixelValues = at::zeros({b, maxImages, 3, maxH, maxW}, at::TensorOptions().dtype(at::kFloat));
  out.pixelAttentionMask = at::zeros({b, maxImages, maxH, maxW}, at::TensorOptions().dtype(at::kBool));
  for (int64_t i = 0; i < b; ++i) {
    for (size_t j = 0; j < images[i].size(); ++j) {
      const auto& t = images[i][j];
      const int64_t h = t.size(1), w = t.size(2);
      out.pixelValues[i][j].narrow(1, 0, h).narrow(2, 0, w).copy_(t);
      out.pixelAttentionMask[i][j].narrow(0, 0, h).narrow(1, 0, w).fill_(true);
    }
  }
  return out;
}

void checkBatch(const std::vector<std::vector<Image>>& batch) {
  if (batch.empty()) fail(kWhere, "empty batch");
  for (size_t i = 0; i < batch.size(); ++i)
    for (size_t j = 0; j < batch[i].size(); ++j) {
      // Appended in place: GCC 12's -Warray-bounds misfires on a chain of rvalue string + (a known false positive).
      std::string where = kWhere;
      where.append(": sample ").append(std::to_string(i)).append(" image ").append(std::to_string(j));
      checkImage(batch[i][j], where);
    }
}

}  // namespace

ProcessedImages idefics2PreprocessImages(const std::vector<std::vector<Image>>& batch,
                                         const Idefics2ImageProcessorOptions& o) {
  checkBatch(batch);
  std::vector<std::vector<at::Tensor>> tensors(batch.size());
  for (size_t i = 0; i < batch.size(); ++i) {
    for (const auto& image : batch[i]) {
      Image rgb = toRgb(image, o.alphaBackground);
      std::vector<Image> parts;
      if (o.doImageSplitting) {
        if (rgb.width < 2 || rgb.height < 2) fail(kWhere, "image splitting needs images of at least 2×2 pixels");
        const int mw = rgb.width / 2, mh = rgb.height / 2;
        parts.push_back(cropImage(rgb, 0, 0, mw, mh));                   // top left
        parts.push_back(cropImage(rgb, mw, 0, rgb.width, mh));           // top right
        parts.push_back(cropImage(rgb, 0, mh, mw, rgb.height));          // bottom left
        parts.push_back(cropImage(rgb, mw, mh, rgb.width, rgb.height));  // bottom right
      }
      parts.push_back(std::move(rgb));
      for (auto& part : parts) {
        if (o.doResize) {
          const auto [h, w] = idefics2ResizeOutputSize(part.height, part.width, o.shortestEdge, o.longestEdge);
          if (h != part.height || w != part.width) part = resizeImage(part, w, h, o.resample);
        }
        tensors[i].push_back(imageToTensor(part, o.doRescale, o.rescaleFactor, o.doNormalize, o.imageMean, o.imageStd));
      }
    }
  }
  return assemble(tensors, o.doPad);
}

ProcessedImages mumuPreprocessImages(const std::vector<std::vector<Image>>& batch, const MumuImageOptions& o) {
  if (o.gridSize <= 0 || o.patchSize <= 0 || o.gridSize * o.patchSize > 4096)
    fail(kWhere, "MUMU grid " + std::to_string(o.gridSize) + " × patch " + std::to_string(o.patchSize) +
                     " is not a valid image size (1 … 4096 pixels)");
  checkBatch(batch);
  const int side = o.gridSize * o.patchSize;
  std::vector<std::vector<at::Tensor>> tensors(batch.size());
  for (size_t i = 0; i < batch.size(); ++i) {
    for (const auto& image : batch[i]) {
      Image square = padToSquare(toRgb(image, o.alphaBackground), o.padValue);
      if (square.width != side) square = resizeImage(square, side, side, o.resample);
      tensors[i].push_back(
          imageToTensor(square, /*rescale=*/true, 1.0 / 255.0, /*normalize=*/true, o.imageMean, o.imageStd));
    }
  }
  return assemble(tensors, /*pad=*/true);
}

}  // namespace mumu
