#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <vector>

#include "model/error.h"
#include "model/io/image_file.h"

namespace fs = std::filesystem;

namespace {
struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("mumu_test_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

mumu::Image gradient(int w, int h, int c) {
  mumu::Image img{w, h, c, {}};
  img.pixels.resize(static_cast<size_t>(w) * h * c);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int k = 0; k < c; ++k) img.row(y)[x * c + k] = static_cast<uint8_t>((x * 7 + y * 13 + k * 50) & 255);
  return img;
}

template <class F>
std::string errorOf(F&& f) {
  try {
    f();
  } catch (const mumu::Error& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(ImageFile, PngRoundTripIsLossless) {
  TempDir dir;
  const auto img = gradient(37, 21, 3);
  const std::string p = (dir.path / "g.png").string();
  mumu::writeImage(p, img, {{"parameters", "a red star"}});
  const auto back = mumu::readImage(p);
  EXPECT_EQ(back.width, 37);
  EXPECT_EQ(back.height, 21);
  EXPECT_EQ(back.pixels, img.pixels);
  EXPECT_EQ(mumu::readImageText(p).at("parameters"), "a red star");
  EXPECT_FALSE(fs::exists(p + ".part"));
}

TEST(ImageFile, AlphaBecomesBlackWhenDropped) {
  TempDir dir;
  mumu::Image img{2, 1, 4, {200, 100, 50, 0, 200, 100, 50, 255}};
  const std::string p = (dir.path / "a.png").string();
  mumu::writeImage(p, img);
  const auto rgb = mumu::readImage(p);
  EXPECT_EQ(rgb.pixels, (std::vector<uint8_t>{0, 0, 0, 200, 100, 50}));
  const auto rgba = mumu::readImage(p, {.channels = 4});
  EXPECT_EQ(rgba.pixels, img.pixels);
}

TEST(ImageFile, BadFilesGiveClearErrors) {
  TempDir dir;
  const std::string missing = (dir.path / "nope.png").string();
  EXPECT_NE(errorOf([&] { mumu::readImage(missing); }).find("nope.png: no such image file"), std::string::npos);

  const std::string empty = (dir.path / "empty.png").string();
  std::ofstream(empty).close();
  EXPECT_NE(errorOf([&] { mumu::readImage(empty); }).find("0 bytes"), std::string::npos);

  const std::string junk = (dir.path / "junk.png").string();
  std::ofstream(junk) << "this is not a png at all";
  EXPECT_NE(errorOf([&] { mumu::readImage(junk); }).find("junk.png"), std::string::npos);

  // A real PNG cut in half.
  const std::string good = (dir.path / "good.png").string(), cut = (dir.path / "cut.png").string();
  mumu::writeImage(good, gradient(64, 64, 3));
  const auto size = fs::file_size(good);
  fs::copy_file(good, cut);
  fs::resize_file(cut, size / 2);
  EXPECT_NE(errorOf([&] { mumu::readImage(cut); }).find("cut.png"), std::string::npos);

  // Larger than the caller allows.
  EXPECT_NE(errorOf([&] { mumu::readImage(good, {.channels = 3, .maxPixels = 100}); }).find("too large"),
            std::string::npos);
}

// Every kind of image a user may drop in, read by the pipeline's reader (OpenImageIO): upright and in its colours,
// or refused with the file's name (tests/data/images, made with ImageMagick; the EXIF tag and the palette PNG written by hand).
TEST(ImageFile, EveryKindReadsUprightInItsColoursOrIsRefused) {
  std::string d = MUMU_TEST_DATA;
  d += "/images/";  // appended: GCC 12 warns (-Warray-bounds, a false positive) on a chain of string +
  auto near = [](const mumu::Image& img, int x, int y, std::vector<int> want, int tol) {
    for (int k = 0; k < img.channels; ++k)
      if (std::abs(int(img.row(y)[x * img.channels + k]) - want[static_cast<size_t>(k)]) > tol) return false;
    return true;
  };
  // CMYK JPEG (Adobe's inverted convention): red, not cyan or black.
  const auto cmyk = mumu::readImage(d + "cmyk-red.jpg");
  EXPECT_TRUE(near(cmyk, 4, 4, {255, 0, 0}, 40)) << int(cmyk.row(4)[12]) << "," << int(cmyk.row(4)[13]);
  // 16 bits per channel: scaled to 8.
  EXPECT_TRUE(near(mumu::readImage(d + "red-16bit.png"), 3, 3, {255, 0, 0}, 0));
  // Palette with a tRNS chunk: its alpha kept with 4 channels, onto black with 3.
  EXPECT_TRUE(near(mumu::readImage(d + "palette-trns-red.png", {.channels = 4}), 0, 0, {255, 0, 0, 128}, 2));
  EXPECT_TRUE(near(mumu::readImage(d + "palette-trns-red.png"), 0, 0, {128, 0, 0}, 2));
  // Grey + alpha: grey in every channel.
  EXPECT_TRUE(near(mumu::readImage(d + "grey-alpha.png", {.channels = 4}), 5, 5, {128, 128, 128, 128}, 2));
  // EXIF orientation 6 (stored 8×4, left red, right blue; shown turned a quarter clockwise): 4×8, red on top.
  const auto turned = mumu::readImage(d + "exif-rotated.jpg");
  ASSERT_EQ(turned.width, 4);
  ASSERT_EQ(turned.height, 8);
  EXPECT_TRUE(near(turned, 2, 1, {255, 0, 0}, 60));
  EXPECT_TRUE(near(turned, 2, 6, {0, 0, 255}, 60));
  // A header that claims 60,000 × 60,000: refused before any pixel is allocated.
  const std::string e = errorOf([&] { mumu::readImage(d + "huge-declared.png"); });
  EXPECT_NE(e.find("huge-declared.png"), std::string::npos) << e;
  EXPECT_NE(e.find("too large"), std::string::npos) << e;
}
