// shape_world.h — the procedural "shape world": scenes of 1–3 coloured shapes on light textured
// backgrounds, their captions, and their rendering in several styles (the paper's content × style pairs:
// one scene, many renderings, so a model learns to tell what is drawn from how it is drawn).
//
// A scene is content only: shapes (circle, square, triangle, star, hexagon, cross) × named colours × size
// classes × fill patterns (solid, striped, dotted, outlined), positions (non-overlapping boxes), and a
// background pattern. A style is how it is drawn: flat, inked (dark contours), soft (blurred), pixelated
// (block-averaged), grainy (film grain). Boxes in the scene graph do not depend on the style.
// Shapes are rasterised here, anti-aliased from signed distances (coverage = clamp(0.5 − d) per pixel),
// with no raster library.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "model/io/image_file.h"
#include "training/bootstrap/rng.h"
#include "training/detect/detector.h"

namespace mumu::training {

enum class Shape { Circle, Square, Triangle, Star, Hexagon, Cross };
enum class Fill { Solid, Striped, Dotted, Outlined };
enum class SizeClass { Small, Medium, Large };
enum class BackgroundPattern { Plain, Striped, Dotted, Checkered, Gradient };
enum class Style { Flat, Inked, Soft, Pixelated, Grainy };

struct NamedColour {
  const char* name;
  std::array<uint8_t, 3> rgb;
};
// red, orange, yellow, green, blue, purple, pink, brown, cyan, gray: saturated and far apart in hue, so a
// colour-segmenting analyser (issue 7) can tell them apart.
const std::vector<NamedColour>& shapeColours();

// Names as captions and the manifest spell them; parse* throw mumu::Error listing the valid names.
std::string shapeName(Shape s);
std::string fillName(Fill f);
std::string sizeName(SizeClass s);
std::string backgroundName(BackgroundPattern b);
std::string styleName(Style s);
std::string styleCaption(Style s);  // words for the caption: "flat", "inked", "soft focus", "pixel art", "grainy film"
Shape parseShape(const std::string& name);
Fill parseFill(const std::string& name);
SizeClass parseSize(const std::string& name);
BackgroundPattern parseBackground(const std::string& name);
Style parseStyle(const std::string& name);
int parseColour(const std::string& name);  // index into shapeColours()

struct ShapeObject {
  Shape shape = Shape::Circle;
  int colour = 0;  // index into shapeColours()
  SizeClass size = SizeClass::Small;
  Fill fill = Fill::Solid;
  float cx = 0, cy = 0;  // centre, pixels
  float radius = 0;      // half the extent of the shape, pixels
  Box box;               // tight box of the drawn shape (contours of the inked style excluded)
  std::string phrase;    // "small red striped star": the caption words naming it (no determiner)
};

struct Background {
  BackgroundPattern pattern = BackgroundPattern::Plain;
  std::array<uint8_t, 3> base{245, 245, 240};
  std::array<uint8_t, 3> accent{230, 230, 222};
  float period = 8;  // stripe / dot / check spacing, pixels
  int angle = 0;     // stripes: 0, 45, 90 or 135 degrees
};

struct Scene {
  int width = 64, height = 64;
  Background background;
  std::vector<ShapeObject> objects;
};

void to_json(nlohmann::json& j, const Scene& scene);
// Throws mumu::Error naming the key when the JSON is not a scene graph as to_json writes it.
void from_json(const nlohmann::json& j, Scene& scene);

struct ShapeWorldOptions {
  int size = 64;  // image side, pixels (the nano model's output size)
  int minObjects = 1, maxObjects = 3;
  std::vector<Shape> shapes{Shape::Circle, Shape::Square, Shape::Triangle, Shape::Star, Shape::Hexagon, Shape::Cross};
  std::vector<int> colours{0, 1, 2, 3, 4, 5};  // red orange yellow green blue purple
  std::vector<SizeClass> sizes{SizeClass::Small, SizeClass::Large};
  std::vector<Fill> fills{Fill::Solid, Fill::Striped, Fill::Dotted, Fill::Outlined};
  std::vector<BackgroundPattern> backgrounds{BackgroundPattern::Plain, BackgroundPattern::Striped,
                                             BackgroundPattern::Dotted, BackgroundPattern::Checkered,
                                             BackgroundPattern::Gradient};
  std::vector<Style> styles{Style::Flat, Style::Inked, Style::Soft, Style::Pixelated, Style::Grainy};
  int stylesPerScene = 2;                   // renderings of each scene (distinct styles): the content × style pairs
  double styleReferenceProbability = 0.25;  // prompt ends "in the style of <img>" rather than naming the style
  bool freshCrops = false;                  // crops from a new rendering of the object alone (other position and
                                            // background, same style) instead of cut from the target image
  double spread = 1.0;  // share of the free room object centres range over: 1 = anywhere, 0 = the image centre
};

void to_json(nlohmann::json& j, const ShapeWorldOptions& o);
void from_json(const nlohmann::json& j, ShapeWorldOptions& o);
// Throws mumu::Error "shape world: …" for empty lists, sizes outside 16…1024, objects outside 1…3, etc.
void validateShapeWorldOptions(const ShapeWorldOptions& o);

// A random scene: objects of distinct (shape, colour) so each phrase names one object, placed without
// overlap (an object that does not fit after many tries is left out, so a scene may have fewer).
Scene sampleScene(const ShapeWorldOptions& options, Rng& rng);

// "a small red star and a large blue striped circle on a striped background" and, per object, the span
// of its phrase (after the determiner) in that text.
struct SceneCaption {
  std::string text;
  std::vector<std::pair<size_t, size_t>> objectSpans;  // [contentBegin, end) per object
  std::vector<size_t> objectBegins;                    // where the object's "a" starts
};
SceneCaption describeScene(const Scene& scene);

struct RenderedScene {
  Image image;               // RGB, scene.width × scene.height
  std::vector<Image> masks;  // per object: 1-channel coverage (with the inked contour), for background removal
};
// Renders `scene` in `style`; `noiseSeed` drives the grain of the grainy style (other styles ignore it).
RenderedScene renderScene(const Scene& scene, Style style, uint64_t noiseSeed);

// A single object alone on a fresh background, centred in a square canvas a little larger than its box:
// the "fresh crop" of an object (also what an evaluation feeds as an image reference).
Scene isolatedObjectScene(const ShapeObject& object, const ShapeWorldOptions& options, Rng& rng);

// The tight box of `object` as drawn at its centre and radius (what ShapeObject::box holds for sampled scenes).
Box objectBox(const ShapeObject& object);

// Separable Gaussian blur of σ pixels, in place, over a w × h image of `channels` interleaved floats (edges clamped):
// the soft style's blur, and the analyser's blurred silhouettes.
void gaussianBlur(std::vector<float>& pixels, int w, int h, int channels, float sigma);

// The detector of a synthetic scene: exact boxes, score 1, phrase = the object's phrase.
class ShapeSceneDetector : public Detector {
 public:
  std::string name() const override { return "shapes"; }
  void setScene(const Scene* scene) { scene_ = scene; }
  std::vector<Detection> detect(const Image& image, const std::vector<std::string>& phrases,
                                const std::string& sampleId) override;

 private:
  const Scene* scene_ = nullptr;
};

}  // namespace mumu::training
