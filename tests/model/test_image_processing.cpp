// Image preprocessing for the Idefics2 vision tower: Pillow-compatible resampling (values worked out by hand
// from Pillow's algorithm), Idefics2ImageProcessor sizes / padding / splitting, MUMU squares, bad input.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "model/error.h"
#include "model/vision/image_processing.h"

namespace {

mumu::Image makeImage(int width, int height, int channels, std::vector<uint8_t> pixels) {
  mumu::Image im;
  im.width = width;
  im.height = height;
  im.channels = channels;
  im.pixels = std::move(pixels);
  return im;
}

mumu::Image solid(int width, int height, uint8_t r, uint8_t g, uint8_t b) {
  std::vector<uint8_t> px;
  for (int i = 0; i < width * height; ++i) px.insert(px.end(), {r, g, b});
  return makeImage(width, height, 3, std::move(px));
}

template <class Fn>
void expectError(Fn&& fn, const std::string& needle) {
  try {
    fn();
    ADD_FAILURE() << "no mumu::Error thrown (expected one mentioning \"" << needle << "\")";
  } catch (const mumu::Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

float normalized(uint8_t v) {
  return (static_cast<float>(v * (1.0 / 255.0)) - 0.5f) / 0.5f;
}

}  // namespace

TEST(ImageProcessing, Idefics2ResizeRules) {
  using mumu::idefics2ResizeOutputSize;
  EXPECT_EQ(idefics2ResizeOutputSize(480, 640, 378, 980), std::make_pair(480, 640));    // fits: unchanged
  EXPECT_EQ(idefics2ResizeOutputSize(1000, 2000, 378, 980), std::make_pair(490, 980));  // longest edge capped
  EXPECT_EQ(idefics2ResizeOutputSize(2000, 1000, 378, 980), std::make_pair(980, 490));
  EXPECT_EQ(idefics2ResizeOutputSize(200, 100, 378, 980), std::make_pair(378, 378));    // shortest edge raised
  EXPECT_EQ(idefics2ResizeOutputSize(3000, 1001, 378, 980), std::make_pair(980, 378));  // int(326.99), raised
  EXPECT_EQ(idefics2ResizeOutputSize(1000, 2001, 378, 980), std::make_pair(489, 980));  // int(489.76): truncated
  EXPECT_EQ(idefics2ResizeOutputSize(999, 3000, 378, 980), std::make_pair(378, 980));   // int(980 / (3000/999)) = 326
}

TEST(ImageProcessing, PillowBilinearValues) {
  // Shrinking 4 → 2: the triangle filter widened to support 2 gives weights 3/7, 3/7, 1/7 (and mirrored).
  auto row = makeImage(4, 1, 1, {0, 70, 140, 210});
  auto down = mumu::resizeImage(row, 2, 1, mumu::Resample::Bilinear);
  EXPECT_EQ(down.pixels, (std::vector<uint8_t>{50, 160}));
  // Enlarging 2 → 4: samples at 0.25, 0.75, 1.25, 1.75 of the input, clamped at the borders.
  auto up = mumu::resizeImage(makeImage(2, 1, 1, {0, 200}), 4, 1, mumu::Resample::Bilinear);
  EXPECT_EQ(up.pixels, (std::vector<uint8_t>{0, 50, 150, 200}));
  // The vertical pass is the same filter.
  auto column = mumu::resizeImage(makeImage(1, 4, 1, {0, 70, 140, 210}), 1, 2, mumu::Resample::Bilinear);
  EXPECT_EQ(column.pixels, (std::vector<uint8_t>{50, 160}));
  // Same size: untouched; a uniform image stays uniform through either filter.
  EXPECT_EQ(mumu::resizeImage(row, 4, 1, mumu::Resample::Bicubic).pixels, row.pixels);
  auto flat = mumu::resizeImage(solid(37, 23, 200, 100, 50), 11, 64, mumu::Resample::Bicubic);
  for (size_t i = 0; i < flat.pixels.size(); i += 3) {
    ASSERT_EQ(flat.pixels[i], 200);
    ASSERT_EQ(flat.pixels[i + 1], 100);
    ASSERT_EQ(flat.pixels[i + 2], 50);
  }
}

TEST(ImageProcessing, ChannelConversion) {
  auto gray = mumu::toRgb(makeImage(2, 1, 1, {7, 250}));
  EXPECT_EQ(gray.channels, 3);
  EXPECT_EQ(gray.pixels, (std::vector<uint8_t>{7, 7, 7, 250, 250, 250}));
  // RGBA onto white, Pillow's alpha_composite arithmetic: transparent → background, opaque → itself,
  // black at alpha 128 → 127.
  auto rgba = mumu::toRgb(makeImage(3, 1, 4, {10, 20, 30, 0, 10, 20, 30, 255, 0, 0, 0, 128}));
  EXPECT_EQ(rgba.pixels, (std::vector<uint8_t>{255, 255, 255, 10, 20, 30, 127, 127, 127}));
  auto onBlack = mumu::toRgb(makeImage(1, 1, 4, {200, 100, 0, 0}), /*alphaBackground=*/0);
  EXPECT_EQ(onBlack.pixels, (std::vector<uint8_t>{0, 0, 0}));
}

TEST(ImageProcessing, RescaleAndNormalizeKnownValues) {
  auto im = makeImage(2, 1, 3, {0, 128, 255, 64, 32, 16});
  auto t = mumu::imageToTensor(im, true, 1.0 / 255.0, true, {0.5f, 0.5f, 0.5f}, {0.5f, 0.5f, 0.5f});
  ASSERT_EQ(t.sizes(), (std::vector<int64_t>{3, 1, 2}));
  const uint8_t values[3][2] = {{0, 64}, {128, 32}, {255, 16}};
  for (int c = 0; c < 3; ++c)
    for (int x = 0; x < 2; ++x) EXPECT_FLOAT_EQ(t[c][0][x].item<float>(), normalized(values[c][x]));
  EXPECT_FLOAT_EQ(t[0][0][0].item<float>(), -1.0f);
  EXPECT_FLOAT_EQ(t[2][0][0].item<float>(), 1.0f);
  auto raw = mumu::imageToTensor(im, false, 1.0, false, {0, 0, 0}, {1, 1, 1});
  EXPECT_FLOAT_EQ(raw[1][0][0].item<float>(), 128.0f);
}

TEST(ImageProcessing, Idefics2BatchPaddingAndMasks) {
  mumu::Idefics2ImageProcessorOptions o;
  o.doResize = false;
  auto out =
      mumu::idefics2PreprocessImages({{solid(40, 30, 255, 0, 0)}, {solid(20, 50, 0, 0, 0), solid(10, 10, 1, 2, 3)}}, o);
  ASSERT_EQ(out.pixelValues.sizes(), (std::vector<int64_t>{2, 2, 3, 50, 40}));
  ASSERT_EQ(out.pixelAttentionMask.sizes(), (std::vector<int64_t>{2, 2, 50, 40}));
  EXPECT_EQ(out.pixelAttentionMask.scalar_type(), at::kBool);
  EXPECT_EQ(out.pixelAttentionMask[0][0].sum().item<int64_t>(), 30 * 40);
  EXPECT_TRUE(out.pixelAttentionMask[0][0].narrow(0, 0, 30).all().item<bool>());
  EXPECT_EQ(out.pixelAttentionMask[1][0].sum().item<int64_t>(), 50 * 20);
  EXPECT_EQ(out.pixelAttentionMask[1][1].sum().item<int64_t>(), 100);
  // Sample 0 has one image: its second slot is an all-zero padding image.
  EXPECT_FALSE(out.pixelAttentionMask[0][1].any().item<bool>());
  EXPECT_EQ(out.pixelValues[0][1].abs().sum().item<float>(), 0.0f);
  // Real pixels normalized, padding pixels 0.
  EXPECT_FLOAT_EQ(out.pixelValues[0][0][0][0][0].item<float>(), 1.0f);
  EXPECT_FLOAT_EQ(out.pixelValues[0][0][1][0][0].item<float>(), -1.0f);
  EXPECT_FLOAT_EQ(out.pixelValues[0][0][0][40][0].item<float>(), 0.0f);

  // Default sizes: the longest edge capped at 980, the shortest raised to 378.
  auto big = mumu::idefics2PreprocessImages({{solid(2000, 1000, 9, 9, 9)}});
  EXPECT_EQ(big.pixelValues.sizes(), (std::vector<int64_t>{1, 1, 3, 490, 980}));
  auto small = mumu::idefics2PreprocessImages({{solid(100, 200, 9, 9, 9)}});
  EXPECT_EQ(small.pixelValues.sizes(), (std::vector<int64_t>{1, 1, 3, 378, 378}));
}

TEST(ImageProcessing, Idefics2SplittingGivesFourCropsAndTheWhole) {
  std::vector<uint8_t> px;
  for (int y = 0; y < 60; ++y)
    for (int x = 0; x < 100; ++x) {
      const uint8_t q = static_cast<uint8_t>((y < 30 ? 0 : 2) + (x < 50 ? 0 : 1));  // quadrant index
      px.insert(px.end(), {static_cast<uint8_t>(q * 60), 0, 0});
    }
  mumu::Idefics2ImageProcessorOptions o;
  o.doResize = false;
  o.doImageSplitting = true;
  auto out = mumu::idefics2PreprocessImages({{makeImage(100, 60, 3, px)}}, o);
  ASSERT_EQ(out.pixelValues.sizes(), (std::vector<int64_t>{1, 5, 3, 60, 100}));
  for (int q = 0; q < 4; ++q) {
    EXPECT_EQ(out.pixelAttentionMask[0][q].sum().item<int64_t>(), 30 * 50) << q;
    EXPECT_FLOAT_EQ(out.pixelValues[0][q][0][10][10].item<float>(), normalized(static_cast<uint8_t>(q * 60))) << q;
  }
  EXPECT_EQ(out.pixelAttentionMask[0][4].sum().item<int64_t>(), 60 * 100);
  expectError([&] { mumu::idefics2PreprocessImages({{solid(1, 5, 0, 0, 0)}}, o); }, "2×2");
}

TEST(ImageProcessing, MumuSquaresWithBlackBars) {
  mumu::MumuImageOptions o;  // 18 × 14 = 252 pixels
  auto out = mumu::mumuPreprocessImages({{solid(300, 200, 200, 100, 50)}}, o);
  ASSERT_EQ(out.pixelValues.sizes(), (std::vector<int64_t>{1, 1, 3, 252, 252}));
  EXPECT_TRUE(out.pixelAttentionMask.all().item<bool>());
  for (int c = 0; c < 3; ++c) {
    EXPECT_FLOAT_EQ(out.pixelValues[0][0][c][0][126].item<float>(), -1.0f);    // top bar: black
    EXPECT_FLOAT_EQ(out.pixelValues[0][0][c][251][126].item<float>(), -1.0f);  // bottom bar
  }
  EXPECT_FLOAT_EQ(out.pixelValues[0][0][0][126][126].item<float>(), normalized(200));
  EXPECT_FLOAT_EQ(out.pixelValues[0][0][1][126][0].item<float>(), normalized(100));  // full width: no side bars
  o.gridSize = 36;
  EXPECT_EQ(mumu::mumuPreprocessImages({{solid(10, 10, 0, 0, 0)}}, o).pixelValues.size(-1), 504);

  auto sq = mumu::padToSquare(makeImage(1, 3, 1, {5, 6, 7}), 0);
  EXPECT_EQ(sq.pixels, (std::vector<uint8_t>{0, 5, 0, 0, 6, 0, 0, 7, 0}));
}

TEST(ImageProcessing, BadInputIsRefused) {
  mumu::Image empty;
  expectError([&] { mumu::idefics2PreprocessImages({{empty}}); }, "empty image");
  mumu::Image huge;  // claims 30000 × 30000 without a buffer: refused before anything is allocated
  huge.width = huge.height = 30000;
  huge.channels = 3;
  expectError([&] { mumu::idefics2PreprocessImages({{huge}}); }, "too large");
  expectError([&] { mumu::mumuPreprocessImages({{huge}}); }, "too large");
  expectError([&] { mumu::toRgb(makeImage(1, 1, 2, {1, 2})); }, "channel count 2");
  expectError([&] { mumu::toRgb(makeImage(1, 1, 5, {1, 2, 3, 4, 5})); }, "channel count 5");
  expectError([&] { mumu::toRgb(makeImage(2, 2, 3, {1, 2, 3})); }, "expected 12");
  expectError([&] { mumu::idefics2PreprocessImages({}); }, "empty batch");
  expectError([&] { mumu::idefics2PreprocessImages({{}, {}}); }, "no images");
  mumu::MumuImageOptions bad;
  bad.gridSize = 0;
  expectError([&] { mumu::mumuPreprocessImages({{solid(4, 4, 0, 0, 0)}}, bad); }, "MUMU grid");
  expectError([&] { mumu::resizeImage(solid(4, 4, 0, 0, 0), 0, 4, mumu::Resample::Bilinear); }, "cannot resize");
  expectError([&] { mumu::cropImage(solid(4, 4, 0, 0, 0), 2, 0, 2, 4); }, "crop");
  mumu::Idefics2ImageProcessorOptions noPad;
  noPad.doPad = false;
  noPad.doResize = false;
  expectError(
      [&] {
        mumu::idefics2PreprocessImages({{solid(4, 4, 0, 0, 0), solid(5, 4, 0, 0, 0)}}, noPad);
      },
      "same size");
}

TEST(ImageProcessing, MatchesPillowOnARandomImage) {
  // Reference values: Pillow 9.4 (Debian 12 python3-pil), Image.frombytes("RGB", (5, 4), data).resize(...).
  // (The same comparison on larger images, 8 size pairs up and down, both filters, and an RGBA composite was
  // bit-exact when this was written.)
  const std::vector<uint8_t> data = {231, 238, 231, 97,  94,  243, 95,  48,  228, 155, 72,  46,  21,  202, 231,
                                     80,  7,   32,  30,  18,  97,  123, 15,  237, 167, 225, 100, 119, 150, 255,
                                     2,   43,  234, 142, 208, 42,  130, 161, 117, 147, 15,  35,  55,  205, 55,
                                     148, 197, 34,  8,   0,   109, 107, 26,  240, 192, 203, 214, 37,  101, 138};
  const auto image = makeImage(5, 4, 3, data);
  EXPECT_EQ(
      mumu::resizeImage(image, 3, 2, mumu::Resample::Bilinear).pixels,
      (std::vector<uint8_t>{109, 97, 149, 114, 74, 169, 107, 158, 153, 73, 99, 102, 119, 94, 148, 104, 141, 120}));
  const std::vector<uint8_t> bicubic = {
      249, 255, 243, 163, 170, 251, 87,  76,  253, 93,  50,  227, 149, 47,  73,  97,  126, 112, 6,   214, 241,
      170, 131, 122, 102, 83,  151, 62,  32,  201, 108, 24,  239, 157, 122, 104, 125, 173, 143, 65,  176, 255,
      62,  0,   45,  44,  20,  57,  60,  35,  122, 126, 32,  222, 162, 168, 118, 147, 195, 145, 114, 152, 231,
      0,   17,  229, 77,  124, 116, 144, 200, 53,  131, 151, 124, 149, 46,  55,  112, 99,  45,  60,  214, 76,
      78,  127, 144, 74,  117, 97,  86,  112, 96,  118, 98,  175, 168, 97,  144, 117, 125, 106, 34,  156, 86,
      166, 220, 16,  62,  82,  63,  10,  0,   153, 105, 17,  248, 188, 177, 241, 130, 175, 188, 27,  87,  139};
  EXPECT_EQ(mumu::resizeImage(image, 7, 6, mumu::Resample::Bicubic).pixels, bicubic);
}
