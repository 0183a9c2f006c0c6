// test_shape_analyser.cpp — the judge of `mumu eval --suite shapes`, checked on the renderer's own ground truth:
// it must find the objects of rendered scenes and tell their styles apart before it may judge a model.
#include <gtest/gtest.h>

#include "model/error.h"
#include "training/bootstrap/rng.h"
#include "training/bootstrap/shape_world.h"
#include "training/eval/shape_analyser.h"

using namespace mumu;
using namespace mumu::training;

namespace {

struct Rates {
  int objects = 0, found = 0, scenes = 0, styleRight = 0;
};

Rates judgeRenders(Style style, int n, uint64_t seed) {
  ShapeWorldOptions o;
  o.fills = {Fill::Solid};
  o.backgrounds = {BackgroundPattern::Plain, BackgroundPattern::Gradient, BackgroundPattern::Striped};
  o.maxObjects = 2;
  Rates r;
  for (int i = 0; i < n; ++i) {
    Rng rng(seed + static_cast<uint64_t>(i));
    const Scene scene = sampleScene(o, rng);
    const ShapeAnalysis a = analyseShapes(renderScene(scene, style, rng.next()).image);
    for (const auto& obj : scene.objects) {
      ++r.objects;
      r.found += a.contains(obj.colour, obj.shape);
    }
    ++r.scenes;
    r.styleRight += a.style == style;
  }
  return r;
}

}  // namespace

TEST(ShapeAnalyser, FindsTheObjectsAndTellsTheStyleOfRenderedScenes) {
  for (Style style : {Style::Flat, Style::Inked, Style::Soft, Style::Pixelated}) {
    const Rates r = judgeRenders(style, 60, 100);
    const double found = static_cast<double>(r.found) / r.objects;
    const double styled = static_cast<double>(r.styleRight) / r.scenes;
    std::printf("%-10s objects found %5.1f %% (%d)   style right %5.1f %%\n", styleName(style).c_str(), 100 * found,
                r.objects, 100 * styled);
    // The eval judges shapes only in flat-style outputs (and inked ones read as well); soft and pixel-art images blur
    // small shapes into each other (stars and hexagons) and are judged for their style alone.
    if (style == Style::Flat || style == Style::Inked) {
      EXPECT_GE(found, 0.93) << styleName(style);
    }
    EXPECT_GE(styled, 0.95) << styleName(style);
  }
}

TEST(ShapeAnalyser, ABackgroundAloneHasNoShapes) {
  Scene empty;
  empty.width = empty.height = 64;
  EXPECT_TRUE(analyseShapes(renderScene(empty, Style::Flat, 0).image).shapes.empty());
}

TEST(ShapeAnalyser, TellsShapesOfOneColourApart) {
  // A red circle and a red square side by side: two components, each its own shape.
  Scene s;
  s.width = s.height = 64;
  for (auto [shape, cx] : {std::pair{Shape::Circle, 16.f}, {Shape::Square, 47.f}}) {
    ShapeObject o;
    o.shape = shape, o.colour = 0, o.radius = 11, o.cx = cx, o.cy = 32;
    o.box = objectBox(o);
    s.objects.push_back(o);
  }
  const ShapeAnalysis a = analyseShapes(renderScene(s, Style::Flat, 0).image);
  EXPECT_TRUE(a.contains(0, Shape::Circle));
  EXPECT_TRUE(a.contains(0, Shape::Square));
  EXPECT_FALSE(a.contains(0, Shape::Star));
  EXPECT_FALSE(a.contains(4, Shape::Circle));  // not blue
}

TEST(ShapeAnalyser, RefusesWhatIsNotAnRgbImage) {
  Image gray;
  gray.width = gray.height = 32, gray.channels = 1;
  gray.pixels.assign(32 * 32, 0);
  EXPECT_THROW(analyseShapes(gray), Error);
  Image tiny;
  tiny.width = tiny.height = 8, tiny.channels = 3;
  tiny.pixels.assign(8 * 8 * 3, 0);
  EXPECT_THROW(analyseShapes(tiny), Error);
}
