#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

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
