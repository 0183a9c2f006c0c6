// image_processing.h — 8-bit images (mumu::Image) → the float pixel tensors the Idefics2 vision tower reads.
//
// Two modes:
// - Idefics2 (transformers 4.42 Idefics2ImageProcessor): RGB conversion (alpha composited onto white),
//   optional splitting into 4 crops + the whole image, resize so the longest edge is ≤ longest_edge (980)
//   and each edge ≥ shortest_edge (378), rescale 1/255, normalize (mean 0.5, std 0.5), pad bottom/right
//   with 0 to the largest image of the batch, with a pixel_attention_mask of the real pixels.
// - MUMU (../shared/DESIGN.md §1): pad to a centred square with black, resize to gridSize × patchSize pixels
//   (18 × 14 = 252 or 36 × 14 = 504), rescale, normalize; every pixel (padding included) is valid, so an
//   image gives gridSize² patch tokens.
//
// Resampling reimplements Pillow's Image.resize for 8-bit images (separable convolution, the filter widened
// by the scale factor when shrinking = antialias, horizontal pass then vertical, 22-bit fixed-point
// coefficients, rounding to 8 bit after each pass), so results match transformers, which resizes through
// Pillow, to the 8-bit value.
//
// Input limits (checked before anything is allocated): width and height 1 … kMaxImageSide, width · height
// ≤ kMaxImagePixels, 1 (gray), 3 (RGB) or 4 (RGBA) channels, and a pixel buffer of exactly
// width · height · channels bytes. Anything else throws mumu::Error.
#pragma once

#include <ATen/core/Tensor.h>

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "model/io/image_file.h"

namespace mumu {

constexpr int kMaxImageSide = 32768;
constexpr int64_t kMaxImagePixels = 64LL << 20;  // as ImageReadOptions::maxPixels

// Throws mumu::Error "<where>: ..." when `image` breaks the limits above.
void checkImage(const Image& image, const std::string& where);

enum class Resample { Bilinear, Bicubic };  // Pillow's BILINEAR and BICUBIC (a = −0.5)

// 3-channel copy: gray replicated; RGBA composited onto an opaque `alphaBackground` gray level as Pillow's
// alpha_composite does (transformers' convert_to_rgb uses white, 255).
Image toRgb(const Image& image, uint8_t alphaBackground = 255);
// Pillow-exact resize of an 8-bit image (any channel count) to width × height.
Image resizeImage(const Image& image, int width, int height, Resample filter);
// The pixels [x0, x1) × [y0, y1).
Image cropImage(const Image& image, int x0, int y0, int x1, int y1);
// Centred on a square canvas of side max(width, height) filled with `value`.
Image padToSquare(const Image& image, uint8_t value = 0);

// Idefics2's get_resize_output_image_size: (height, width) after the longest_edge / shortest_edge rules.
std::pair<int, int> idefics2ResizeOutputSize(int height, int width, int shortestEdge, int longestEdge);

// RGB image → [3, H, W] float32: value · rescaleFactor (in double, then float, as transformers' rescale),
// then (x − mean) / std per channel in float32.
at::Tensor imageToTensor(const Image& rgb, bool rescale, double rescaleFactor, bool normalize,
                         const std::array<float, 3>& mean, const std::array<float, 3>& std);

struct ProcessedImages {
  at::Tensor pixelValues;         // float32 [B, N, 3, H, W]; padding images are all 0
  at::Tensor pixelAttentionMask;  // bool [B, N, H, W]: true on real pixels
};

struct Idefics2ImageProcessorOptions {
  bool doResize = true;
  int shortestEdge = 378;  // size["shortest_edge"]
  int longestEdge = 980;   // size["longest_edge"]
  Resample resample = Resample::Bilinear;
  bool doRescale = true;
  double rescaleFactor = 1.0 / 255.0;
  bool doNormalize = true;
  std::array<float, 3> imageMean{0.5f, 0.5f, 0.5f};
  std::array<float, 3> imageStd{0.5f, 0.5f, 0.5f};
  bool doImageSplitting = false;  // each image → 4 quarter crops + the whole image (before resizing)
  bool doPad = true;              // without padding every image must have the same size and each sample
                                  // the same number of images
  uint8_t alphaBackground = 255;
};

// batch[b] = the images of sample b, in prompt order. Samples with fewer images are padded with all-zero
// images (mask false), which Idefics2Model drops.
ProcessedImages idefics2PreprocessImages(const std::vector<std::vector<Image>>& batch,
                                         const Idefics2ImageProcessorOptions& options = {});

struct MumuImageOptions {
  int gridSize = 18;                       // patches per side: 18 (stage 1, 324 tokens) or 36 (stage 2, 1296)
  int patchSize = 14;                      // vision_config.patch_size
  Resample resample = Resample::Bilinear;  // the filter Idefics2's processor uses
  uint8_t padValue = 0;                    // the square canvas: black
  uint8_t alphaBackground = 255;
  std::array<float, 3> imageMean{0.5f, 0.5f, 0.5f};
  std::array<float, 3> imageStd{0.5f, 0.5f, 0.5f};
};

// Every image → [3, S, S] with S = gridSize · patchSize; pixelAttentionMask is true on every pixel of a
// real image.
ProcessedImages mumuPreprocessImages(const std::vector<std::vector<Image>>& batch,
                                     const MumuImageOptions& options = {});

}  // namespace mumu
