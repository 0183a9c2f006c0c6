// The procedural shape world: scenes, captions, rendering, styles, and synthetic data sets.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "bootstrap_test_util.h"
#include "model/error.h"
#include "training/bootstrap/bootstrap.h"
#include "training/bootstrap/dataset.h"
#include "training/bootstrap/phrases.h"
#include "training/bootstrap/shape_world.h"

using namespace mumu;
using namespace mumu::training;

namespace {

std::array<uint8_t, 3> pixel(const Image& img, int x, int y) {
  const uint8_t* p = img.row(y) + static_cast<size_t>(x) * img.channels;
  return {p[0], p[1], p[2]};
}

int colourDistance(std::array<uint8_t, 3> a, std::array<uint8_t, 3> b) {
  int d = 0;
  for (int c = 0; c < 3; ++c) d = std::max(d, std::abs(int(a[c]) - int(b[c])));
  return d;
}

Scene oneObject(Shape shape, Fill fill, int colour = 0, int size = 64) {
  Scene s;
  s.width = s.height = size;
  s.background.pattern = BackgroundPattern::Plain;
  ShapeObject o;
  o.shape = shape;
  o.fill = fill;
  o.colour = colour;
  o.size = SizeClass::Large;
  o.cx = o.cy = size / 2.f;
  o.radius = size * 0.3f;
  o.box = Box{o.cx - o.radius, o.cy - o.radius, o.cx + o.radius, o.cy + o.radius};
  o.phrase = "large red " + shapeName(shape);
  s.objects.push_back(o);
  return s;
}

}  // namespace

TEST(ShapeWorld, ScenesHaveDistinctNonOverlappingObjectsInsideTheImage) {
  const ShapeWorldOptions o;
  std::map<size_t, int> objectCounts;
  std::set<std::string> shapesSeen, coloursSeen;
  for (uint64_t seed = 0; seed < 300; ++seed) {
    Rng rng(seed);
    const Scene s = sampleScene(o, rng);
    ASSERT_GE(s.objects.size(), 1u);
    ASSERT_LE(s.objects.size(), 3u);
    ++objectCounts[s.objects.size()];
    for (size_t i = 0; i < s.objects.size(); ++i) {
      const auto& a = s.objects[i];
      shapesSeen.insert(shapeName(a.shape));
      coloursSeen.insert(shapeColours()[a.colour].name);
      EXPECT_GE(a.box.x0, 0);
      EXPECT_GE(a.box.y0, 0);
      EXPECT_LE(a.box.x1, s.width);
      EXPECT_LE(a.box.y1, s.height);
      EXPECT_GT(a.box.area(), 100.f) << "objects must pass the crop size rule at 64 px";
      for (size_t j = i + 1; j < s.objects.size(); ++j) {
        const auto& b = s.objects[j];
        const bool overlap = a.box.x0 < b.box.x1 && b.box.x0 < a.box.x1 && a.box.y0 < b.box.y1 && b.box.y0 < a.box.y1;
        EXPECT_FALSE(overlap) << "seed " << seed;
        EXPECT_FALSE(a.shape == b.shape && a.colour == b.colour) << "seed " << seed << ": two " << a.phrase;
      }
    }
  }
  EXPECT_GT(objectCounts[1], 30);
  EXPECT_GT(objectCounts[2], 30);
  EXPECT_GT(objectCounts[3], 30);
  EXPECT_EQ(shapesSeen.size(), 6u);
  EXPECT_EQ(coloursSeen.size(), 6u);
}

TEST(ShapeWorld, CaptionNamesEveryObjectAtItsSpan) {
  const ShapeWorldOptions o;
  for (uint64_t seed = 0; seed < 100; ++seed) {
    Rng rng(seed);
    const Scene s = sampleScene(o, rng);
    const SceneCaption c = describeScene(s);
    ASSERT_EQ(c.objectSpans.size(), s.objects.size());
    for (size_t i = 0; i < s.objects.size(); ++i) {
      const auto [b, e] = c.objectSpans[i];
      EXPECT_EQ(c.text.substr(b, e - b), s.objects[i].phrase);
      EXPECT_EQ(c.text.substr(c.objectBegins[i], 2), "a ");
      const auto& obj = s.objects[i];
      EXPECT_NE(obj.phrase.find(shapeColours()[obj.colour].name), std::string::npos);
      EXPECT_NE(obj.phrase.find(sizeName(obj.size)), std::string::npos);
      EXPECT_TRUE(obj.phrase.ends_with(shapeName(obj.shape)));
      if (obj.fill != Fill::Solid) {
        EXPECT_NE(obj.phrase.find(fillName(obj.fill)), std::string::npos);
      }
    }
    EXPECT_TRUE(c.text.ends_with(" on a " + backgroundName(s.background.pattern) + " background"));
    // The chunker reads synthetic captions the way the scene graph wrote them.
    const auto chunks = chunkNounPhrases(c.text);
    for (size_t i = 0; i < s.objects.size(); ++i) {
      const bool found = std::any_of(chunks.begin(), chunks.end(), [&](const Phrase& p) {
        return p.contentBegin == c.objectSpans[i].first && p.end == c.objectSpans[i].second;
      });
      EXPECT_TRUE(found) << c.text << " — object " << s.objects[i].phrase;
    }
  }
}

TEST(ShapeWorld, ExampleCaption) {
  Scene s;
  s.background.pattern = BackgroundPattern::Striped;
  ShapeObject a, b;
  a.phrase = "small red star";
  b.phrase = "large blue circle";
  s.objects = {a, b};
  EXPECT_EQ(describeScene(s).text, "a small red star and a large blue circle on a striped background");
  ShapeObject c;
  c.phrase = "small green striped triangle";
  s.objects.push_back(c);
  EXPECT_EQ(describeScene(s).text,
            "a small red star, a large blue circle and a small green striped triangle on a striped background");
}

TEST(ShapeWorld, FlatRenderingPaintsTheObjectColourInsideAndBackgroundOutside) {
  for (Shape shape : {Shape::Circle, Shape::Square, Shape::Triangle, Shape::Star, Shape::Hexagon, Shape::Cross}) {
    const Scene s = oneObject(shape, Fill::Solid, 4);  // blue
    const RenderedScene r = renderScene(s, Style::Flat, 0);
    ASSERT_EQ(r.image.width, 64);
    ASSERT_EQ(r.image.channels, 3);
    ASSERT_EQ(r.masks.size(), 1u);
    const auto blue = shapeColours()[4].rgb;
    EXPECT_LE(colourDistance(pixel(r.image, 32, 32), blue), 1) << shapeName(shape);
    EXPECT_EQ(r.masks[0].pixels[32 * 64 + 32], 255);
    EXPECT_LE(colourDistance(pixel(r.image, 1, 1), s.background.base), 1) << shapeName(shape);
    EXPECT_EQ(r.masks[0].pixels[1 * 64 + 1], 0);
    // anti-aliased: some edge pixels are partly covered
    const int partial = static_cast<int>(
        std::count_if(r.masks[0].pixels.begin(), r.masks[0].pixels.end(), [](uint8_t m) { return m > 10 && m < 245; }));
    EXPECT_GT(partial, 8) << shapeName(shape);
    // nothing drawn outside the box (plus one pixel of anti-aliasing)
    const Box& bx = s.objects[0].box;
    for (int y = 0; y < 64; ++y)
      for (int x = 0; x < 64; ++x)
        if (x + 1 < bx.x0 - 1 || x > bx.x1 + 1 || y + 1 < bx.y0 - 1 || y > bx.y1 + 1) {
          ASSERT_EQ(r.masks[0].pixels[static_cast<size_t>(y) * 64 + x], 0)
              << shapeName(shape) << " at " << x << "," << y;
        }
  }
}

TEST(ShapeWorld, OutlinedFillLeavesTheInsideEmptyInEveryStyle) {
  const Scene s = oneObject(Shape::Circle, Fill::Outlined, 0);
  for (Style style : {Style::Flat, Style::Inked}) {
    const RenderedScene r = renderScene(s, style, 0);
    EXPECT_LE(colourDistance(pixel(r.image, 32, 32), s.background.base), 2) << styleName(style);
    EXPECT_EQ(r.masks[0].pixels[32 * 64 + 32], 0);
    // the ring itself is red
    EXPECT_LE(colourDistance(pixel(r.image, 32, static_cast<int>(32 - 0.3f * 64 + 2)), shapeColours()[0].rgb), 30);
  }
}

TEST(ShapeWorld, StylesChangeTheLookNotTheContent) {
  Rng rng(11);
  ShapeWorldOptions o;
  const Scene s = sampleScene(o, rng);
  std::map<std::string, Image> images;
  for (Style style : o.styles) {
    const RenderedScene r = renderScene(s, style, 5);
    images[styleName(style)] = r.image;
    // the masks are the content: the same for every style except the inked contours around it
    const RenderedScene flat = renderScene(s, Style::Flat, 5);
    if (style != Style::Inked) {
      EXPECT_EQ(r.masks[0].pixels, flat.masks[0].pixels) << styleName(style);
    }
  }
  for (const auto& [a, ia] : images)
    for (const auto& [b, ib] : images)
      if (a < b) {
        EXPECT_NE(ia.pixels, ib.pixels) << a << " vs " << b;
      }
  // inked: dark contour pixels appear; soft: fewer distinct neighbouring jumps; pixelated: 4×4 blocks
  const Image& pix = images["pixelated"];
  for (int y = 0; y < 64; y += 4)
    for (int x = 0; x < 64; x += 4)
      for (int k = 1; k < 4; ++k) ASSERT_EQ(pixel(pix, x + k, y + k), pixel(pix, x, y));
  const Image& inked = images["inked"];
  int dark = 0;
  for (int y = 0; y < 64; ++y)
    for (int x = 0; x < 64; ++x) dark += colourDistance(pixel(inked, x, y), {28, 28, 32}) < 20;
  EXPECT_GT(dark, 20);
}

TEST(ShapeWorld, RenderingIsDeterministic) {
  Rng a(3), b(3);
  const ShapeWorldOptions o;
  const Scene sa = sampleScene(o, a), sb = sampleScene(o, b);
  EXPECT_EQ(nlohmann::json(sa).dump(), nlohmann::json(sb).dump());
  EXPECT_EQ(renderScene(sa, Style::Grainy, 9).image.pixels, renderScene(sb, Style::Grainy, 9).image.pixels);
  EXPECT_NE(renderScene(sa, Style::Grainy, 9).image.pixels, renderScene(sa, Style::Grainy, 10).image.pixels);
  Rng c(4);
  EXPECT_NE(nlohmann::json(sampleScene(o, c)).dump(), nlohmann::json(sa).dump());
}

TEST(ShapeWorld, SceneGraphJsonRoundTrips) {
  Rng rng(21);
  const Scene s = sampleScene(ShapeWorldOptions{}, rng);
  const nlohmann::json j = s;
  const Scene back = j.get<Scene>();
  EXPECT_EQ(nlohmann::json(back).dump(), j.dump());
  EXPECT_EQ(renderScene(back, Style::Flat, 0).image.pixels, renderScene(s, Style::Flat, 0).image.pixels);
  nlohmann::json bad = j;
  bad["objects"][0]["shape"] = "blob";
  try {
    (void)bad.get<Scene>();
    FAIL() << "unknown shape accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("unknown shape 'blob'"), std::string::npos) << e.what();
  }
}

TEST(ShapeWorld, OptionsAreValidatedWithClearMessages) {
  auto message = [](ShapeWorldOptions o) -> std::string {
    try {
      validateShapeWorldOptions(o);
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  };
  ShapeWorldOptions o;
  EXPECT_EQ(message(o), "");
  o.size = 8;
  EXPECT_NE(message(o).find("between 16 and 1024"), std::string::npos);
  o = {};
  o.styles = {Style::Flat};
  EXPECT_NE(message(o).find("styles per scene"), std::string::npos);
  o = {};
  o.shapes.clear();
  EXPECT_NE(message(o).find("at least one"), std::string::npos);
  o = {};
  o.shapes = {Shape::Star};
  o.colours = {0, 1};
  EXPECT_NE(message(o).find("too few shape"), std::string::npos);
  try {
    parseColour("mauve");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("unknown colour 'mauve' (expected one of red, orange"), std::string::npos);
  }
  // JSON round trip of the options
  ShapeWorldOptions x;
  x.styles = {Style::Soft, Style::Flat};
  x.colours = {7, 2};
  const ShapeWorldOptions y = nlohmann::json(x).get<ShapeWorldOptions>();
  EXPECT_EQ(nlohmann::json(y).dump(), nlohmann::json(x).dump());
  // spread: written only when set (older data sets keep their fingerprint), range-checked
  EXPECT_FALSE(nlohmann::json(x).contains("spread"));
  x.spread = 0.25;
  EXPECT_EQ(nlohmann::json(x).get<ShapeWorldOptions>().spread, 0.25);
  o = {};
  o.spread = 1.5;
  EXPECT_NE(message(o).find("spread must be in [0, 1]"), std::string::npos);
}

TEST(ShapeWorld, SpreadKeepsObjectCentresNearTheMiddle) {
  ShapeWorldOptions o;
  o.minObjects = o.maxObjects = 1;
  o.spread = 0.0;
  for (uint64_t seed = 0; seed < 50; ++seed) {
    Rng rng(seed);
    const ShapeObject obj = sampleScene(o, rng).objects.at(0);
    // The box's middle is at the image centre (to the quantisation of the renderer's grid).
    EXPECT_NEAR((obj.box.x0 + obj.box.x1) / 2, 32.f, 2.f) << "seed " << seed;
    EXPECT_NEAR((obj.box.y0 + obj.box.y1) / 2, 32.f, 2.f) << "seed " << seed;
  }
  o.spread = 0.3;
  float far = 0;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    Rng rng(seed);
    const ShapeObject obj = sampleScene(o, rng).objects.at(0);
    far = std::max(far, std::abs((obj.box.x0 + obj.box.x1) / 2 - 32.f));
  }
  EXPECT_GT(far, 1.f);   // some spread
  EXPECT_LT(far, 12.f);  // but far from the edges (spread 1 reaches ~20 px from the centre for small objects)
}

TEST(ShapeWorld, IsolatedObjectIsCentredOnAFreshBackground) {
  Rng rng(5);
  const Scene s = sampleScene(ShapeWorldOptions{}, rng);
  const ShapeObject& obj = s.objects[0];
  Rng r2(6);
  const Scene alone = isolatedObjectScene(obj, ShapeWorldOptions{}, r2);
  ASSERT_EQ(alone.objects.size(), 1u);
  const Box& b = alone.objects[0].box;
  EXPECT_NEAR((b.x0 + b.x1) / 2, alone.width / 2.f, 0.6f);
  EXPECT_NEAR((b.y0 + b.y1) / 2, alone.height / 2.f, 0.6f);
  EXPECT_NEAR(b.width(), obj.box.width(), 0.05f);
  EXPECT_GE(alone.width, b.width());
  EXPECT_EQ(alone.objects[0].phrase, obj.phrase);
}

TEST(ShapeWorld, DetectorReturnsTheExactBoxes) {
  Rng rng(8);
  const Scene s = sampleScene(ShapeWorldOptions{}, rng);
  ShapeSceneDetector d;
  EXPECT_THROW(d.detect(Image{}, {}, "x"), Error);
  d.setScene(&s);
  const auto dets = d.detect(Image{}, {}, "x");
  ASSERT_EQ(dets.size(), s.objects.size());
  for (size_t i = 0; i < dets.size(); ++i) {
    EXPECT_EQ(dets[i].phrase, s.objects[i].phrase);
    EXPECT_EQ(dets[i].box.x0, s.objects[i].box.x0);
    EXPECT_EQ(dets[i].score, 1.f);
  }
}

// The synthetic data set end to end: content × style pairs, crops, scene graphs readable by the trainer.
TEST(ShapeWorldDataset, ContentStylePairsWithGroundTruth) {
  test::TempFolder tmp;
  BootstrapOptions o;
  o.outDir = tmp / "ds";
  o.seed = 3;
  o.shardSize = 16;
  o.rules.backgroundRemoval = true;
  SyntheticSpec spec;
  spec.count = 40;
  spec.world.stylesPerScene = 2;
  const BootstrapSummary sum = bootstrapSynthetic(o, spec);
  EXPECT_EQ(sum.counts.samplesWritten, 40);
  EXPECT_EQ(sum.counts.samplesFailed, 0);
  EXPECT_EQ(sum.shardsTotal, 3);
  EXPECT_EQ(sum.counts.cropsKept, sum.counts.phrases);  // every object of a 64 px scene passes the rules
  EXPECT_GT(sum.counts.styleReferences, 0);

  const DatasetReader reader = DatasetReader::open(o.outDir);
  EXPECT_EQ(reader.info().kind, "synthetic");
  EXPECT_EQ(reader.numSamples(), 40);
  std::vector<Sample> all;
  for (int64_t k = 0; k < reader.numShards(); ++k)
    for (auto& s : reader.readShard(k)) all.push_back(std::move(s));
  ASSERT_EQ(all.size(), 40u);
  for (size_t i = 0; i < all.size(); i += 2) {  // samples 2k and 2k+1 show one scene in two styles
    const Sample& a = all[i];
    const Sample& b = all[i + 1];
    EXPECT_EQ(a.sceneId, b.sceneId);
    EXPECT_NE(a.style, b.style);
    ASSERT_TRUE(a.scene && b.scene);
    EXPECT_EQ(nlohmann::json(*a.scene).dump(), nlohmann::json(*b.scene).dump());
  }
  for (const Sample& s : all) {
    const Image target = readImage(s.absolute(s.image));
    EXPECT_EQ(target.width, 64);
    int objects = 0;
    std::string text;
    for (const auto& g : s.segments) {
      if (g.kind == PromptSegment::Kind::Text) {
        text += g.text;
        continue;
      }
      if (g.role == "style") {
        EXPECT_EQ(g.style, s.style);
        EXPECT_TRUE(s.caption.ends_with("in the style of"));
        continue;
      }
      // each crop sits right before the words of its object, and matches its scene-graph box
      const auto& obj = s.scene->objects[static_cast<size_t>(objects++)];
      EXPECT_EQ(g.phrase, obj.phrase);
      EXPECT_EQ(s.caption.substr(g.spanBegin, g.spanEnd - g.spanBegin), obj.phrase);
      EXPECT_EQ(text.size(), g.spanBegin) << s.id;
      EXPECT_EQ(g.box.x0, obj.box.x0);
      const Image crop = readImage(s.absolute(g.path));
      if (g.augment.empty()) {
        EXPECT_EQ(crop.width, static_cast<int>(std::ceil(obj.box.x1) - std::floor(obj.box.x0)));
      }
      // the background-free variant: the object's pixels, its coverage as alpha, black behind it as RGB
      ASSERT_FALSE(g.noBackgroundPath.empty());
      const Image nobg = readImage(s.absolute(g.noBackgroundPath), {.channels = 4});
      const Image onBlack = readImage(s.absolute(g.noBackgroundPath));
      ASSERT_EQ(nobg.width, crop.width);
      ASSERT_EQ(nobg.height, crop.height);
      int transparent = 0, opaque = 0, same = 0;
      for (size_t p = 0; p < static_cast<size_t>(crop.width) * crop.height; ++p) {
        const uint8_t a = nobg.pixels[p * 4 + 3];
        if (a == 0) {
          ++transparent;
          EXPECT_EQ(onBlack.pixels[p * 3] + onBlack.pixels[p * 3 + 1] + onBlack.pixels[p * 3 + 2], 0);
        } else if (a == 255) {
          ++opaque;
          same += std::equal(&crop.pixels[p * 3], &crop.pixels[p * 3] + 3, &nobg.pixels[p * 4]);
        }
      }
      if (obj.shape != Shape::Square) {
        EXPECT_GT(transparent, 0) << s.id << " " << obj.phrase;
      }
      EXPECT_GT(opaque, 0);
      if (g.augment.empty()) {
        EXPECT_EQ(same, opaque);
      }
    }
    EXPECT_EQ(objects, static_cast<int>(s.scene->objects.size()));
    EXPECT_EQ(text, s.caption);
    EXPECT_TRUE(s.caption.ends_with("style") || s.caption.ends_with("style of"));
  }
}

TEST(ShapeWorldDataset, FreshCropsComeFromANewRendering) {
  test::TempFolder tmp;
  BootstrapOptions o;
  o.outDir = tmp / "ds";
  o.rules.augmentProbability = 0;
  SyntheticSpec spec;
  spec.count = 6;
  spec.world.freshCrops = true;
  bootstrapSynthetic(o, spec);
  const auto samples = DatasetReader::open(o.outDir).readShard(0);
  for (const auto& s : samples)
    for (const auto& g : s.segments) {
      if (g.kind != PromptSegment::Kind::Image || g.role != "object") continue;
      const Image crop = readImage(s.absolute(g.path));
      // a square canvas a little larger than the object's box
      EXPECT_EQ(crop.width, crop.height);
      EXPECT_GT(crop.width, std::max(g.box.width(), g.box.height()));
    }
}

// Issue 6 asks for 10,000 64×64 samples well under a minute on 2 cores; the CLI figure is in the report.
// Here a tenth of it, with a generous bound so a busy machine does not fail it.
TEST(ShapeWorldDataset, ThousandSamplesAreFast) {
  test::TempFolder tmp;
  BootstrapOptions o;
  o.outDir = tmp / "ds";
  SyntheticSpec spec;
  spec.count = 1000;
  const auto t0 = std::chrono::steady_clock::now();
  const auto sum = bootstrapSynthetic(o, spec);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(sum.counts.samplesWritten, 1000);
  EXPECT_LT(s, 30.0);
  // the paper's 20% crop augmentation, and the share of style-reference prompts
  const double augmented = static_cast<double>(sum.counts.augmentedCrops) / sum.counts.cropsKept;
  EXPECT_NEAR(augmented, 0.2, 0.03);
  EXPECT_NEAR(sum.counts.styleReferences / 1000.0, 0.25, 0.04);
  std::cout << "[ perf     ] 1000 shape-world samples in " << s << " s\n";
}
