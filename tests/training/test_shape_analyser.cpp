// test_shape_analyser.cpp — the judge of `mumu eval --suite shapes`, checked on the renderer's own ground truth:
// it must find the objects of rendered scenes and tell their styles apart before it may judge a model.
#include <gtest/gtest.h>

#include <cmath>

#include "bootstrap_test_util.h"
#include "model/error.h"
#include "training/bootstrap/rng.h"
#include "training/bootstrap/shape_world.h"
#include "training/eval/shape_analyser.h"
#include "training/eval/shape_eval.h"

using namespace mumu;
using namespace mumu::training;

namespace {

struct Rates {
  int objects = 0, found = 0, scenes = 0, styleRight = 0;
};

Rates judgeRenders(Style style, int n, uint64_t seed, const ShapeAnalyserOptions& options = {}) {
  ShapeWorldOptions o;
  o.fills = {Fill::Solid};
  o.backgrounds = {BackgroundPattern::Plain, BackgroundPattern::Gradient, BackgroundPattern::Striped};
  o.maxObjects = 2;
  Rates r;
  for (int i = 0; i < n; ++i) {
    Rng rng(seed + static_cast<uint64_t>(i));
    const Scene scene = sampleScene(o, rng);
    const ShapeAnalysis a = analyseShapes(renderScene(scene, style, rng.next()).image, options);
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
    // Blurred edges are cut at half coverage and matched against blurred silhouettes too, so most soft objects read
    // (a generated or VAE-decoded image is blurred alike) — more than with the colour mask and sharp silhouettes.
    if (style == Style::Soft) {
      EXPECT_GE(found, 0.8) << styleName(style);
      ShapeAnalyserOptions colourMaskOnly;
      colourMaskOnly.halfCoverageEdges = false;
      colourMaskOnly.templateBlurs = {0.0};
      const Rates before = judgeRenders(style, 60, 100, colourMaskOnly);
      std::printf("soft, colour mask and sharp silhouettes only: objects found %5.1f %%\n",
                  100.0 * before.found / before.objects);
      EXPECT_GT(r.found, before.found);
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

TEST(ShapeAnalyser, RefusesOptionsOutOfRange) {
  Rng rng(5);
  ShapeWorldOptions w;
  const Image image = renderScene(sampleScene(w, rng), Style::Flat, rng.next()).image;
  EXPECT_NO_THROW(analyseShapes(image));
  auto refused = [&](auto change, const char* what) {
    ShapeAnalyserOptions o;
    change(o);
    try {
      analyseShapes(image, o);
      ADD_FAILURE() << "accepted " << what;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
    }
  };
  refused([](ShapeAnalyserOptions& o) { o.templateBlurs.clear(); }, "templateBlurs");
  refused([](ShapeAnalyserOptions& o) { o.templateBlurs = {0.0, -1.0}; }, "template blur");
  refused([](ShapeAnalyserOptions& o) { o.templateBlurs = {std::nan("")}; }, "template blur");
  refused([](ShapeAnalyserOptions& o) { o.blurPenalty = 5.0; }, "blurPenalty");
  refused([](ShapeAnalyserOptions& o) { o.minAreaFraction = 1.5; }, "minAreaFraction");
  refused([](ShapeAnalyserOptions& o) { o.maxColourDistance = 0; }, "maxColourDistance");
  refused([](ShapeAnalyserOptions& o) { o.minChroma = 300; }, "minChroma");
  // Sharp silhouettes only is a valid choice.
  ShapeAnalyserOptions sharp;
  sharp.templateBlurs = {0.0};
  EXPECT_NO_THROW(analyseShapes(image, sharp));
}

namespace {

// A saved eval folder as `mumu eval --images` writes it, with rendered scenes standing in for the model's outputs:
// the text and image answers show a red circle, the baseline a blue square, the style answer is flat.
void writeSavedEval(const std::string& dir, int prompts) {
  Scene circle, square;
  circle.width = circle.height = square.width = square.height = 64;
  ShapeObject o;
  o.shape = Shape::Circle, o.colour = 0, o.radius = 14, o.cx = 32, o.cy = 32;
  o.box = objectBox(o);
  circle.objects.push_back(o);
  o.shape = Shape::Square, o.colour = 4;
  o.box = objectBox(o);
  square.objects.push_back(o);
  const Image red = renderScene(circle, Style::Flat, 0).image, blue = renderScene(square, Style::Flat, 0).image;
  std::ofstream f(dir + "/results.jsonl");
  for (int i = 0; i < prompts; ++i) {
    const std::string p = dir + "/" + std::to_string(i) + "-";
    for (const char* tag : {"target-vae", "a-text", "b-image", "c-style-flat"}) writeImage(p + tag + ".png", red);
    writeImage(p + "b0-baseline.png", blue);
    f << R"({"index":)" << i
      << R"(,"target":{"colour":"red","shape":"circle","size":"large"},"style_reference":{"style":"flat"}})"
      << "\n";
  }
}

}  // namespace

TEST(ShapeEval, RejudgesASavedRunWithoutTheModel) {
  mumu::test::TempFolder dir;
  writeSavedEval(dir.str(), 3);
  const ShapeEvalResult r = rejudgeShapeEval(dir.str());
  EXPECT_EQ(r.count, 3);
  EXPECT_DOUBLE_EQ(r.text, 1.0);
  EXPECT_DOUBLE_EQ(r.image, 1.0);
  EXPECT_DOUBLE_EQ(r.imageBaseline, 0.0);  // a blue square is not the red circle
  EXPECT_DOUBLE_EQ(r.imageBaselineColour, 0.0);
  EXPECT_DOUBLE_EQ(r.style, 1.0);
  EXPECT_DOUBLE_EQ(r.ceiling, 1.0);
}

TEST(ShapeEval, RejudgeNamesTheFileAndTheProblem) {
  auto message = [](const std::string& dir) {
    try {
      rejudgeShapeEval(dir);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  mumu::test::TempFolder empty;
  EXPECT_NE(message(empty.str()).find("results.jsonl: cannot open"), std::string::npos) << message(empty.str());

  mumu::test::TempFolder corrupt;
  writeSavedEval(corrupt.str(), 2);
  { std::ofstream(corrupt / "results.jsonl", std::ios::app) << "{\"index\": 2, \"target\n"; }
  EXPECT_NE(message(corrupt.str()).find("results.jsonl:3: not JSON"), std::string::npos) << message(corrupt.str());

  mumu::test::TempFolder hostile;
  writeSavedEval(hostile.str(), 1);
  {
    std::ofstream(hostile / "results.jsonl")
        << R"({"index":0,"target":{"colour":"ultraviolet","shape":"circle"},"style_reference":{"style":"flat"}})"
        << "\n";
  }
  const std::string m = message(hostile.str());
  EXPECT_NE(m.find("results.jsonl:1"), std::string::npos) << m;
  EXPECT_NE(m.find("ultraviolet"), std::string::npos) << m;

  mumu::test::TempFolder missing;
  writeSavedEval(missing.str(), 1);
  std::filesystem::remove(missing / "0-b-image.png");
  EXPECT_NE(message(missing.str()).find("0-b-image.png"), std::string::npos) << message(missing.str());

  mumu::test::TempFolder blankLines;  // the line number is the file's, blank lines counted
  writeSavedEval(blankLines.str(), 1);
  { std::ofstream(blankLines / "results.jsonl", std::ios::app) << "\n\n{\"index\": 7}\n"; }
  EXPECT_NE(message(blankLines.str()).find("results.jsonl:4"), std::string::npos) << message(blankLines.str());

  mumu::test::TempFolder tiny;  // a readable image the analyser refuses: the error still names the file
  writeSavedEval(tiny.str(), 1);
  Image small;
  small.width = small.height = 8, small.channels = 3;
  small.pixels.assign(8 * 8 * 3, 200);
  writeImage(tiny / "0-a-text.png", small);
  EXPECT_NE(message(tiny.str()).find("0-a-text.png: shape analyser"), std::string::npos) << message(tiny.str());

  mumu::test::TempFolder truncated;
  writeSavedEval(truncated.str(), 1);
  std::filesystem::resize_file(truncated / "0-a-text.png", 40);
  EXPECT_NE(message(truncated.str()).find("0-a-text.png"), std::string::npos) << message(truncated.str());
}
