#include "shape_world.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "model/error.h"

namespace mumu::training {
namespace {

using nlohmann::json;

constexpr float kPi = 3.14159265358979f;

template <typename E>
struct NameTable {
  E value;
  const char* name;
};

const NameTable<Shape> kShapes[] = {{Shape::Circle, "circle"},     {Shape::Square, "square"},
                                    {Shape::Triangle, "triangle"}, {Shape::Star, "star"},
                                    {Shape::Hexagon, "hexagon"},   {Shape::Cross, "cross"}};
const NameTable<Fill> kFills[] = {
    {Fill::Solid, "solid"}, {Fill::Striped, "striped"}, {Fill::Dotted, "dotted"}, {Fill::Outlined, "outlined"}};
const NameTable<SizeClass> kSizes[] = {
    {SizeClass::Small, "small"}, {SizeClass::Medium, "medium"}, {SizeClass::Large, "large"}};
const NameTable<BackgroundPattern> kBackgrounds[] = {{BackgroundPattern::Plain, "plain"},
                                                     {BackgroundPattern::Striped, "striped"},
                                                     {BackgroundPattern::Dotted, "dotted"},
                                                     {BackgroundPattern::Checkered, "checkered"},
                                                     {BackgroundPattern::Gradient, "gradient"}};
const NameTable<Style> kStyles[] = {{Style::Flat, "flat"},
                                    {Style::Inked, "inked"},
                                    {Style::Soft, "soft"},
                                    {Style::Pixelated, "pixelated"},
                                    {Style::Grainy, "grainy"}};

template <typename E, size_t N>
std::string nameOf(const NameTable<E> (&table)[N], E v) {
  for (const auto& t : table)
    if (t.value == v) return t.name;
  return "?";
}

template <typename E, size_t N>
E parseName(const NameTable<E> (&table)[N], const std::string& name, const char* what) {
  std::string valid;
  for (const auto& t : table) {
    if (name == t.name) return t.value;
    valid += (valid.empty() ? "" : ", ") + std::string(t.name);
  }
  fail("shape world", "unknown " + std::string(what) + " '" + name + "' (expected one of " + valid + ")");
}

// Light background tints: the shapes' colours must stand out against every one of them.
const std::array<uint8_t, 3> kTints[] = {{246, 246, 240}, {236, 241, 248}, {248, 241, 228}, {237, 246, 236},
                                         {243, 237, 246}, {250, 236, 236}, {232, 244, 244}, {240, 240, 240}};

float quantize(float v) {
  return std::round(v * 16.f) / 16.f;
}  // 1/16 px: exact in JSON and float

struct Vec2 {
  float x, y;
};

// Vertices of polygonal shapes around (0, 0), y down.
std::vector<Vec2> polygon(Shape shape, float r) {
  std::vector<Vec2> v;
  switch (shape) {
    case Shape::Triangle: {  // equilateral, side 2r, pointing up, box-centred
      const float h = 0.8660254f * r;
      v = {{0, -h}, {r, h}, {-r, h}};
      break;
    }
    case Shape::Star:
      for (int i = 0; i < 10; ++i) {
        const float a = -kPi / 2 + i * kPi / 5;
        const float rr = i % 2 ? 0.42f * r : r;
        v.push_back({rr * std::cos(a), rr * std::sin(a)});
      }
      break;
    case Shape::Hexagon:
      for (int i = 0; i < 6; ++i) {
        const float a = -kPi / 2 + i * kPi / 3;
        v.push_back({r * std::cos(a), r * std::sin(a)});
      }
      break;
    default:
      break;
  }
  return v;
}

float boxSdf(float px, float py, float hx, float hy) {
  const float qx = std::abs(px) - hx, qy = std::abs(py) - hy;
  const float ox = std::max(qx, 0.f), oy = std::max(qy, 0.f);
  return std::sqrt(ox * ox + oy * oy) + std::min(std::max(qx, qy), 0.f);
}

float polygonSdf(const std::vector<Vec2>& v, float px, float py) {
  float best = 1e30f;
  bool inside = false;
  const size_t n = v.size();
  for (size_t i = 0, j = n - 1; i < n; j = i++) {
    const float ex = v[j].x - v[i].x, ey = v[j].y - v[i].y;
    const float wx = px - v[i].x, wy = py - v[i].y;
    const float t = std::clamp((wx * ex + wy * ey) / (ex * ex + ey * ey), 0.f, 1.f);
    const float bx = wx - ex * t, by = wy - ey * t;
    best = std::min(best, bx * bx + by * by);
    if ((v[i].y > py) != (v[j].y > py) && px < ex * (py - v[i].y) / ey + v[i].x) inside = !inside;
  }
  return (inside ? -1.f : 1.f) * std::sqrt(best);
}

// Signed distance (pixels, < 0 inside) from a shape centred at the origin.
struct ShapeGeometry {
  Shape shape;
  float r;
  std::vector<Vec2> poly;
  float sdf(float px, float py) const {
    switch (shape) {
      case Shape::Circle:
        return std::sqrt(px * px + py * py) - r;
      case Shape::Square:
        return boxSdf(px, py, 0.82f * r, 0.82f * r);
      case Shape::Cross:
        return std::min(boxSdf(px, py, r, 0.32f * r), boxSdf(px, py, 0.32f * r, r));
      default:
        return polygonSdf(poly, px, py);
    }
  }
  // extents around the centre: {minX, minY, maxX, maxY}
  std::array<float, 4> extents() const {
    switch (shape) {
      case Shape::Circle:
      case Shape::Cross:
        return {-r, -r, r, r};
      case Shape::Square:
        return {-0.82f * r, -0.82f * r, 0.82f * r, 0.82f * r};
      default: {
        std::array<float, 4> e{1e30f, 1e30f, -1e30f, -1e30f};
        for (const auto& p : poly) {
          e[0] = std::min(e[0], p.x), e[1] = std::min(e[1], p.y);
          e[2] = std::max(e[2], p.x), e[3] = std::max(e[3], p.y);
        }
        return e;
      }
    }
  }
};

ShapeGeometry geometryOf(Shape shape, float r) {
  return ShapeGeometry{shape, r, polygon(shape, r)};
}

float coverage(float signedDistance) {
  return std::clamp(0.5f - signedDistance, 0.f, 1.f);
}

float fract(float v) {
  return v - std::floor(v);
}

// Coverage of the "first" band of a periodic stripe pattern along coordinate u (pixels).
float stripeCoverage(float u, float period) {
  const float f = fract(u / period);
  const float d = (f < 0.5f ? std::min(f, 0.5f - f) : -std::min(f - 0.5f, 1.f - f)) * period;
  return std::clamp(d + 0.5f, 0.f, 1.f);
}

float dotCoverage(float x, float y, float period, float radius) {
  const float qx = (fract(x / period) - 0.5f) * period, qy = (fract(y / period) - 0.5f) * period;
  return coverage(std::sqrt(qx * qx + qy * qy) - radius);
}

std::array<float, 3> toFloat(const std::array<uint8_t, 3>& c) {
  return {static_cast<float>(c[0]), static_cast<float>(c[1]), static_cast<float>(c[2])};
}

std::array<float, 3> mix(const std::array<float, 3>& a, const std::array<float, 3>& b, float t) {
  return {a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t};
}

float inkWidth(int size) {
  return std::max(1.f, size / 40.f);
}

std::array<uint8_t, 3> parseRgb(const json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_array() || j[key].size() != 3)
    fail("scene graph", std::string(key) + " must be [r, g, b]");
  std::array<uint8_t, 3> c{};
  for (size_t i = 0; i < 3; ++i) {
    if (!j[key][i].is_number_integer() || j[key][i].get<int>() < 0 || j[key][i].get<int>() > 255)
      fail("scene graph", std::string(key) + " values must be integers 0–255");
    c[i] = static_cast<uint8_t>(j[key][i].get<int>());
  }
  return c;
}

template <typename T>
T getKey(const json& j, const char* key, const char* where) {
  if (!j.is_object() || !j.contains(key)) fail(where, std::string("missing \"") + key + "\"");
  try {
    return j[key].get<T>();
  } catch (const json::exception&) {
    fail(where, std::string("\"") + key + "\" has the wrong type (" + j[key].type_name() + ")");
  }
}

}  // namespace

const std::vector<NamedColour>& shapeColours() {
  static const std::vector<NamedColour> c = {
      {"red", {220, 38, 38}},   {"orange", {245, 135, 20}}, {"yellow", {236, 204, 20}}, {"green", {34, 160, 60}},
      {"blue", {37, 88, 222}},  {"purple", {138, 56, 190}}, {"pink", {240, 105, 180}},  {"brown", {128, 78, 38}},
      {"cyan", {24, 186, 206}}, {"gray", {128, 128, 128}}};
  return c;
}

std::string shapeName(Shape s) {
  return nameOf(kShapes, s);
}
std::string fillName(Fill f) {
  return nameOf(kFills, f);
}
std::string sizeName(SizeClass s) {
  return nameOf(kSizes, s);
}
std::string backgroundName(BackgroundPattern b) {
  return nameOf(kBackgrounds, b);
}
std::string styleName(Style s) {
  return nameOf(kStyles, s);
}
std::string styleCaption(Style s) {
  switch (s) {
    case Style::Flat:
      return "flat";
    case Style::Inked:
      return "inked";
    case Style::Soft:
      return "soft focus";
    case Style::Pixelated:
      return "pixel art";
    case Style::Grainy:
      return "grainy film";
  }
  return "?";
}
Shape parseShape(const std::string& n) {
  return parseName(kShapes, n, "shape");
}
Fill parseFill(const std::string& n) {
  return parseName(kFills, n, "fill");
}
SizeClass parseSize(const std::string& n) {
  return parseName(kSizes, n, "size");
}
BackgroundPattern parseBackground(const std::string& n) {
  return parseName(kBackgrounds, n, "background");
}
Style parseStyle(const std::string& n) {
  return parseName(kStyles, n, "style");
}
int parseColour(const std::string& n) {
  std::string valid;
  for (size_t i = 0; i < shapeColours().size(); ++i) {
    if (n == shapeColours()[i].name) return static_cast<int>(i);
    valid += (valid.empty() ? "" : ", ") + std::string(shapeColours()[i].name);
  }
  fail("shape world", "unknown colour '" + n + "' (expected one of " + valid + ")");
}

void to_json(json& j, const Scene& s) {
  json objects = json::array();
  for (const auto& o : s.objects) {
    const auto& c = shapeColours()[static_cast<size_t>(o.colour)];
    objects.push_back({{"shape", shapeName(o.shape)},
                       {"colour", c.name},
                       {"rgb", c.rgb},
                       {"size", sizeName(o.size)},
                       {"fill", fillName(o.fill)},
                       {"center", {o.cx, o.cy}},
                       {"radius", o.radius},
                       {"box", {o.box.x0, o.box.y0, o.box.x1, o.box.y1}},
                       {"phrase", o.phrase}});
  }
  j = {{"width", s.width},
       {"height", s.height},
       {"background",
        {{"pattern", backgroundName(s.background.pattern)},
         {"base", s.background.base},
         {"accent", s.background.accent},
         {"period", s.background.period},
         {"angle", s.background.angle}}},
       {"objects", objects}};
}

void from_json(const json& j, Scene& s) {
  const char* where = "scene graph";
  s = Scene{};
  s.width = getKey<int>(j, "width", where);
  s.height = getKey<int>(j, "height", where);
  if (s.width <= 0 || s.height <= 0 || s.width > 16384 || s.height > 16384) fail(where, "width/height out of range");
  const json bg = getKey<json>(j, "background", where);
  s.background.pattern = parseBackground(getKey<std::string>(bg, "pattern", "scene graph background"));
  s.background.base = parseRgb(bg, "base");
  s.background.accent = parseRgb(bg, "accent");
  s.background.period = getKey<float>(bg, "period", "scene graph background");
  s.background.angle = getKey<int>(bg, "angle", "scene graph background");
  const json objects = getKey<json>(j, "objects", where);
  if (!objects.is_array()) fail(where, "\"objects\" must be an array");
  for (const auto& oj : objects) {
    ShapeObject o;
    const char* ow = "scene graph object";
    o.shape = parseShape(getKey<std::string>(oj, "shape", ow));
    o.colour = parseColour(getKey<std::string>(oj, "colour", ow));
    o.size = parseSize(getKey<std::string>(oj, "size", ow));
    o.fill = parseFill(getKey<std::string>(oj, "fill", ow));
    const auto c = getKey<std::vector<float>>(oj, "center", ow);
    const auto b = getKey<std::vector<float>>(oj, "box", ow);
    if (c.size() != 2 || b.size() != 4) fail(ow, "center must have 2 numbers and box 4");
    o.cx = c[0], o.cy = c[1];
    o.radius = getKey<float>(oj, "radius", ow);
    o.box = Box{b[0], b[1], b[2], b[3]};
    o.phrase = getKey<std::string>(oj, "phrase", ow);
    s.objects.push_back(std::move(o));
  }
}

void to_json(json& j, const ShapeWorldOptions& o) {
  auto names = [](const auto& list, auto fn) {
    json a = json::array();
    for (const auto& v : list) a.push_back(fn(v));
    return a;
  };
  j = {{"size", o.size},
       {"min_objects", o.minObjects},
       {"max_objects", o.maxObjects},
       {"shapes", names(o.shapes, shapeName)},
       {"colours", names(o.colours, [](int c) { return std::string(shapeColours()[static_cast<size_t>(c)].name); })},
       {"sizes", names(o.sizes, sizeName)},
       {"fills", names(o.fills, fillName)},
       {"backgrounds", names(o.backgrounds, backgroundName)},
       {"styles", names(o.styles, styleName)},
       {"styles_per_scene", o.stylesPerScene},
       {"style_reference_probability", o.styleReferenceProbability},
       {"fresh_crops", o.freshCrops}};
  if (o.spread != 1.0) j["spread"] = o.spread;  // only when set: data sets made before it keep their fingerprint
}

void from_json(const json& j, ShapeWorldOptions& o) {
  const char* where = "shape world options";
  if (!j.is_object()) fail(where, "expected a JSON object");
  auto list = [&](const char* key, auto parse, auto& out) {
    if (!j.contains(key)) return;
    const auto names = getKey<std::vector<std::string>>(j, key, where);
    out.clear();
    for (const auto& n : names) out.push_back(parse(n));
  };
  if (j.contains("size")) o.size = getKey<int>(j, "size", where);
  if (j.contains("min_objects")) o.minObjects = getKey<int>(j, "min_objects", where);
  if (j.contains("max_objects")) o.maxObjects = getKey<int>(j, "max_objects", where);
  list("shapes", parseShape, o.shapes);
  list("colours", parseColour, o.colours);
  list("sizes", parseSize, o.sizes);
  list("fills", parseFill, o.fills);
  list("backgrounds", parseBackground, o.backgrounds);
  list("styles", parseStyle, o.styles);
  if (j.contains("styles_per_scene")) o.stylesPerScene = getKey<int>(j, "styles_per_scene", where);
  if (j.contains("style_reference_probability"))
    o.styleReferenceProbability = getKey<double>(j, "style_reference_probability", where);
  if (j.contains("fresh_crops")) o.freshCrops = getKey<bool>(j, "fresh_crops", where);
  if (j.contains("spread")) o.spread = getKey<double>(j, "spread", where);
  validateShapeWorldOptions(o);
}

void validateShapeWorldOptions(const ShapeWorldOptions& o) {
  const char* where = "shape world";
  if (o.size < 16 || o.size > 1024)
    fail(where, "image size must be between 16 and 1024, got " + std::to_string(o.size));
  if (o.minObjects < 1 || o.maxObjects > 3 || o.minObjects > o.maxObjects)
    fail(where, "objects per scene must satisfy 1 ≤ min ≤ max ≤ 3");
  if (o.shapes.empty() || o.colours.empty() || o.sizes.empty() || o.fills.empty() || o.backgrounds.empty() ||
      o.styles.empty())
    fail(where, "shapes, colours, sizes, fills, backgrounds and styles must each list at least one value");
  auto unique = [](auto v) {
    std::sort(v.begin(), v.end());
    return std::adjacent_find(v.begin(), v.end()) == v.end();
  };
  if (!unique(o.shapes) || !unique(o.colours) || !unique(o.sizes) || !unique(o.fills) || !unique(o.backgrounds) ||
      !unique(o.styles))
    fail(where, "a list of shapes / colours / sizes / fills / backgrounds / styles names a value twice");
  for (int c : o.colours)
    if (c < 0 || c >= static_cast<int>(shapeColours().size())) fail(where, "colour index out of range");
  if (o.stylesPerScene < 1 || o.stylesPerScene > static_cast<int>(o.styles.size()))
    fail(where,
         "styles per scene must be between 1 and the number of styles (" + std::to_string(o.styles.size()) + ")");
  if (!(o.styleReferenceProbability >= 0 && o.styleReferenceProbability <= 1))
    fail(where, "style reference probability must be in [0, 1]");
  if (!(o.spread >= 0 && o.spread <= 1)) fail(where, "spread must be in [0, 1]");
  // distinct (shape, colour) per scene: enough combinations for the largest scene
  if (static_cast<int>(o.shapes.size() * o.colours.size()) < o.maxObjects)
    fail(where, "too few shape × colour combinations for " + std::to_string(o.maxObjects) + " distinct objects");
}

namespace {

float radiusFor(SizeClass s, int size, Rng& rng) {
  // large: a 64 px image holds three large objects (two side by side, one below), boxes ~27 px
  const float base = s == SizeClass::Small ? 0.13f : s == SizeClass::Medium ? 0.17f : 0.21f;
  return quantize(base * size * static_cast<float>(rng.uniform(0.95, 1.05)));
}

Background sampleBackground(const ShapeWorldOptions& o, Rng& rng) {
  Background b;
  b.pattern = o.backgrounds[static_cast<size_t>(rng.below(static_cast<int64_t>(o.backgrounds.size())))];
  const size_t nt = std::size(kTints);
  const size_t tint = static_cast<size_t>(rng.below(static_cast<int64_t>(nt)));
  b.base = kTints[tint];
  if (b.pattern == BackgroundPattern::Gradient) {
    b.accent = kTints[(tint + 1 + static_cast<size_t>(rng.below(static_cast<int64_t>(nt - 1)))) % nt];  // another tint
  } else {
    const int delta = static_cast<int>(rng.between(14, 24));
    for (int c = 0; c < 3; ++c)
      b.accent[static_cast<size_t>(c)] = static_cast<uint8_t>(std::max(0, b.base[static_cast<size_t>(c)] - delta));
  }
  b.period = quantize(static_cast<float>(rng.uniform(6.0, 10.0)) * o.size / 64.f);
  b.angle = static_cast<int>(rng.below(4)) * 45;
  return b;
}

std::string objectPhrase(const ShapeObject& o) {
  std::string p = sizeName(o.size) + " " + shapeColours()[static_cast<size_t>(o.colour)].name + " ";
  if (o.fill != Fill::Solid) p += fillName(o.fill) + " ";
  return p + shapeName(o.shape);
}

// Rounded outwards to 1/64 px: still tight, and short and exact in JSON.
Box boxOf(const ShapeObject& o) {
  const auto e = geometryOf(o.shape, o.radius).extents();
  auto down = [](float v) { return std::floor(v * 64.f) / 64.f; };
  auto up = [](float v) { return std::ceil(v * 64.f) / 64.f; };
  return Box{down(o.cx + e[0]), down(o.cy + e[1]), up(o.cx + e[2]), up(o.cy + e[3])};
}

}  // namespace

Scene sampleScene(const ShapeWorldOptions& o, Rng& rng) {
  Scene s;
  s.width = s.height = o.size;
  s.background = sampleBackground(o, rng);
  const int n = static_cast<int>(rng.between(o.minObjects, o.maxObjects));
  // what the objects are: distinct (shape, colour) pairs, so each phrase names one object
  std::vector<ShapeObject> objects;
  for (int i = 0; i < n; ++i) {
    ShapeObject obj;
    bool taken = true;
    for (int attempt = 0; attempt < 64 && taken; ++attempt) {
      obj.shape = o.shapes[static_cast<size_t>(rng.below(static_cast<int64_t>(o.shapes.size())))];
      obj.colour = o.colours[static_cast<size_t>(rng.below(static_cast<int64_t>(o.colours.size())))];
      taken = std::any_of(objects.begin(), objects.end(),
                          [&](const ShapeObject& k) { return k.shape == obj.shape && k.colour == obj.colour; });
    }
    obj.size = o.sizes[static_cast<size_t>(rng.below(static_cast<int64_t>(o.sizes.size())))];
    obj.fill = o.fills[static_cast<size_t>(rng.below(static_cast<int64_t>(o.fills.size())))];
    obj.radius = radiusFor(obj.size, o.size, rng);
    obj.phrase = objectPhrase(obj);
    if (!taken) objects.push_back(std::move(obj));
  }
  // where they are: random non-overlapping boxes. A crowded scene is laid out afresh a number of times
  // before an object that still does not fit is left out (rare: three large objects at most just fit).
  const float gap = inkWidth(o.size) + 1.5f;  // room for the inked contours between neighbours
  const float margin = std::max(1.f, o.size / 32.f);
  auto place = [&](ShapeObject& obj, const std::vector<ShapeObject>& others) {
    const auto e = geometryOf(obj.shape, obj.radius).extents();
    const float lo = margin - e[0], hi = o.size - margin - e[2];
    const float loY = margin - e[1], hiY = o.size - margin - e[3];
    if (hi < lo || hiY < loY) return false;
    // spread < 1: centres within that share of the free room around its middle (spread 0: the image centre).
    float x0 = lo, x1 = hi, y0 = loY, y1 = hiY;
    if (o.spread < 1.0) {
      const float k = static_cast<float>(o.spread) / 2, mx = (lo + hi) / 2, my = (loY + hiY) / 2;
      x0 = mx - k * (hi - lo), x1 = mx + k * (hi - lo), y0 = my - k * (hiY - loY), y1 = my + k * (hiY - loY);
    }
    for (int attempt = 0; attempt < 48; ++attempt) {
      obj.cx = quantize(static_cast<float>(rng.uniform(x0, x1)));
      obj.cy = quantize(static_cast<float>(rng.uniform(y0, y1)));
      obj.box = boxOf(obj);
      const bool free = std::none_of(others.begin(), others.end(), [&](const ShapeObject& k) {
        return obj.box.x0 < k.box.x1 + gap && k.box.x0 < obj.box.x1 + gap && obj.box.y0 < k.box.y1 + gap &&
               k.box.y0 < obj.box.y1 + gap;
      });
      if (free) return true;
    }
    return false;
  };
  for (int round = 0; round < 24; ++round) {
    std::vector<ShapeObject> placed;
    bool all = true;
    for (auto obj : objects) {
      if (place(obj, placed))
        placed.push_back(std::move(obj));
      else
        all = false;
    }
    s.objects = std::move(placed);
    if (all) break;
  }
  return s;
}

SceneCaption describeScene(const Scene& scene) {
  SceneCaption c;
  for (size_t i = 0; i < scene.objects.size(); ++i) {
    if (i > 0) c.text += i + 1 == scene.objects.size() ? " and " : ", ";
    c.objectBegins.push_back(c.text.size());
    c.text += "a ";
    const size_t begin = c.text.size();
    c.text += scene.objects[i].phrase;
    c.objectSpans.emplace_back(begin, c.text.size());
  }
  c.text += " on a " + backgroundName(scene.background.pattern) + " background";
  return c;
}

RenderedScene renderScene(const Scene& scene, Style style, uint64_t noiseSeed) {
  const int w = scene.width, h = scene.height;
  const int size = std::min(w, h);
  std::vector<float> rgb(static_cast<size_t>(w) * h * 3);
  // background
  const Background& bg = scene.background;
  const auto base = toFloat(bg.base), accent = toFloat(bg.accent);
  const float ca = std::cos(bg.angle * kPi / 180.f), sa = std::sin(bg.angle * kPi / 180.f);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const float px = x + 0.5f, py = y + 0.5f;
      float t = 0;
      switch (bg.pattern) {
        case BackgroundPattern::Plain:
          break;
        case BackgroundPattern::Striped:
          t = stripeCoverage(px * ca + py * sa, bg.period);
          break;
        case BackgroundPattern::Dotted:
          t = dotCoverage(px, py, bg.period, bg.period * 0.2f);
          break;
        case BackgroundPattern::Checkered:
          t = (static_cast<int>(std::floor(px / bg.period)) + static_cast<int>(std::floor(py / bg.period))) % 2 ? 1.f
                                                                                                                : 0.f;
          break;
        case BackgroundPattern::Gradient:
          t = py / h;
          break;
      }
      const auto c = mix(base, accent, t);
      std::copy(c.begin(), c.end(), rgb.begin() + (static_cast<size_t>(y) * w + x) * 3);
    }
  RenderedScene out;
  const bool inked = style == Style::Inked;
  const float ink = inkWidth(size);
  const std::array<float, 3> inkColour{28, 28, 32};
  for (const auto& o : scene.objects) {
    Image mask;
    mask.width = w, mask.height = h, mask.channels = 1;
    mask.pixels.assign(static_cast<size_t>(w) * h, 0);
    const ShapeGeometry g = geometryOf(o.shape, o.radius);
    const auto colour = toFloat(shapeColours()[static_cast<size_t>(o.colour)].rgb);
    const auto light = mix(colour, {255, 255, 255}, 0.6f);
    const float ring = std::max(1.5f, o.radius * 0.28f);
    const float stripePeriod = std::max(3.f, o.radius * 0.55f);
    const float dotPeriod = std::max(3.5f, o.radius * 0.6f);
    const float pad = ink + 2;
    const int x0 = std::max(0, static_cast<int>(std::floor(o.box.x0 - pad)));
    const int y0 = std::max(0, static_cast<int>(std::floor(o.box.y0 - pad)));
    const int x1 = std::min(w, static_cast<int>(std::ceil(o.box.x1 + pad)));
    const int y1 = std::min(h, static_cast<int>(std::ceil(o.box.y1 + pad)));
    for (int y = y0; y < y1; ++y)
      for (int x = x0; x < x1; ++x) {
        const float px = x + 0.5f, py = y + 0.5f;
        const float d = g.sdf(px - o.cx, py - o.cy);
        float* dst = &rgb[(static_cast<size_t>(y) * w + x) * 3];
        float inkCov = 0;
        if (inked) {
          // a dark shape a little larger than the object, under it; a ring keeps its hole (with an inner contour)
          inkCov = coverage(d - ink);
          if (o.fill == Fill::Outlined) inkCov *= std::clamp(0.5f + d + ring + ink, 0.f, 1.f);
          for (int c = 0; c < 3; ++c) dst[c] += (inkColour[static_cast<size_t>(c)] - dst[c]) * inkCov;
        }
        float cov = coverage(d);
        if (o.fill == Fill::Outlined) cov *= std::clamp(0.5f + d + ring, 0.f, 1.f);
        if (cov > 0) {
          std::array<float, 3> fillColour = colour;
          if (o.fill == Fill::Striped) {
            fillColour = mix(light, colour, stripeCoverage((px - o.cx + py - o.cy) * 0.70710678f, stripePeriod));
          } else if (o.fill == Fill::Dotted) {
            fillColour = mix(colour, light, dotCoverage(px - o.cx, py - o.cy, dotPeriod, dotPeriod * 0.28f));
          }
          for (int c = 0; c < 3; ++c) dst[c] += (fillColour[static_cast<size_t>(c)] - dst[c]) * cov;
        }
        const float m = std::max(inkCov, cov);
        mask.pixels[static_cast<size_t>(y) * w + x] = static_cast<uint8_t>(std::lround(255 * m));
      }
    out.masks.push_back(std::move(mask));
  }
  // style
  if (style == Style::Soft) {
    gaussianBlur(rgb, w, h, 3, size / 40.f);
  } else if (style == Style::Pixelated) {
    const int block = std::max(2, size / 16);
    for (int by = 0; by < h; by += block)
      for (int bx = 0; bx < w; bx += block) {
        const int ex = std::min(w, bx + block), ey = std::min(h, by + block);
        std::array<float, 3> sum{0, 0, 0};
        for (int y = by; y < ey; ++y)
          for (int x = bx; x < ex; ++x)
            for (int c = 0; c < 3; ++c) sum[static_cast<size_t>(c)] += rgb[(static_cast<size_t>(y) * w + x) * 3 + c];
        const float n = static_cast<float>((ex - bx) * (ey - by));
        for (int y = by; y < ey; ++y)
          for (int x = bx; x < ex; ++x)
            for (int c = 0; c < 3; ++c) rgb[(static_cast<size_t>(y) * w + x) * 3 + c] = sum[static_cast<size_t>(c)] / n;
      }
  } else if (style == Style::Grainy) {
    Rng grain(noiseSeed);
    for (size_t p = 0; p < rgb.size(); p += 3) {
      const float n = static_cast<float>(grain.normal()) * 14.f;  // monochrome grain
      for (int c = 0; c < 3; ++c) rgb[p + static_cast<size_t>(c)] += n;
    }
  }
  out.image.width = w, out.image.height = h, out.image.channels = 3;
  out.image.pixels.resize(rgb.size());
  for (size_t i = 0; i < rgb.size(); ++i)
    out.image.pixels[i] = static_cast<uint8_t>(std::clamp(std::lround(rgb[i]), 0L, 255L));
  return out;
}

Scene isolatedObjectScene(const ShapeObject& object, const ShapeWorldOptions& options, Rng& rng) {
  Scene s;
  const float side = std::max(object.box.width(), object.box.height());
  const int canvas = std::max(8, static_cast<int>(std::ceil(side * 1.25f)) + 2);
  s.width = s.height = canvas;
  s.background = sampleBackground(options, rng);  // its period keeps the scale of the full image
  ShapeObject o = object;
  // centre the box (not the shape's centre: stars and triangles are not box-centred)
  const float bx = (object.box.x0 + object.box.x1) / 2 - object.cx,
              by = (object.box.y0 + object.box.y1) / 2 - object.cy;
  o.cx = quantize(canvas / 2.f - bx);
  o.cy = quantize(canvas / 2.f - by);
  o.box = boxOf(o);
  s.objects.push_back(std::move(o));
  return s;
}

Box objectBox(const ShapeObject& object) {
  return boxOf(object);
}

std::vector<Detection> ShapeSceneDetector::detect(const Image&, const std::vector<std::string>&,
                                                  const std::string& sampleId) {
  if (!scene_)
    fail("shapes detector", "sample '" + sampleId + "': no scene was set (it only works on shape-world data)");
  std::vector<Detection> out;
  for (const auto& o : scene_->objects) out.push_back(Detection{o.box, o.phrase, 1.f});
  return out;
}

void gaussianBlur(std::vector<float>& pixels, int w, int h, int channels, float sigma) {
  const int radius = std::max(1, static_cast<int>(std::ceil(3 * sigma)));
  std::vector<float> k(static_cast<size_t>(2 * radius + 1));
  float sum = 0;
  for (int i = -radius; i <= radius; ++i)
    sum += k[static_cast<size_t>(i + radius)] = std::exp(-0.5f * i * i / (sigma * sigma));
  for (float& v : k) v /= sum;
  std::vector<float> tmp(pixels.size());
  for (int pass = 0; pass < 2; ++pass) {
    const std::vector<float>& src = pass == 0 ? pixels : tmp;
    std::vector<float>& dst = pass == 0 ? tmp : pixels;
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x)
        for (int c = 0; c < channels; ++c) {
          float acc = 0;
          for (int i = -radius; i <= radius; ++i) {
            const int sx = pass == 0 ? std::clamp(x + i, 0, w - 1) : x;
            const int sy = pass == 0 ? y : std::clamp(y + i, 0, h - 1);
            acc += k[static_cast<size_t>(i + radius)] * src[(static_cast<size_t>(sy) * w + sx) * channels + c];
          }
          dst[(static_cast<size_t>(y) * w + x) * channels + c] = acc;
        }
  }
}

}  // namespace mumu::training
