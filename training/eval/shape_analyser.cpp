// shape_analyser.cpp — colour segmentation, components, silhouette matching and style statistics.
#include "training/eval/shape_analyser.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <deque>

#include "model/error.h"

namespace mumu::training {

namespace {

constexpr Shape kShapes[] = {Shape::Circle, Shape::Square, Shape::Triangle, Shape::Star, Shape::Hexagon, Shape::Cross};

struct Grid {
  int w = 0, h = 0;
  std::vector<uint8_t> v;
  Grid(int w_, int h_) : w(w_), h(h_), v(static_cast<size_t>(w_) * h_, 0) {}
  uint8_t& at(int x, int y) { return v[static_cast<size_t>(y) * w + x]; }
  uint8_t get(int x, int y) const { return x < 0 || y < 0 || x >= w || y >= h ? 0 : v[static_cast<size_t>(y) * w + x]; }
};

Grid dilate(const Grid& g) {
  Grid o(g.w, g.h);
  for (int y = 0; y < g.h; ++y)
    for (int x = 0; x < g.w; ++x) {
      uint8_t m = 0;
      for (int dy = -1; dy <= 1 && !m; ++dy)
        for (int dx = -1; dx <= 1 && !m; ++dx) m = g.get(x + dx, y + dy);
      o.at(x, y) = m;
    }
  return o;
}

Grid erode(const Grid& g) {
  Grid o(g.w, g.h);
  for (int y = 0; y < g.h; ++y)
    for (int x = 0; x < g.w; ++x) {
      uint8_t m = 1;
      for (int dy = -1; dy <= 1 && m; ++dy)
        for (int dx = -1; dx <= 1 && m; ++dx) {
          const int xx = std::clamp(x + dx, 0, g.w - 1), yy = std::clamp(y + dy, 0, g.h - 1);
          m = g.get(xx, yy);
        }
      o.at(x, y) = m;
    }
  return o;
}

std::array<int, 3> rgbAt(const Image& im, int x, int y) {
  const uint8_t* p = &im.pixels[(static_cast<size_t>(y) * im.width + x) * 3];
  return {p[0], p[1], p[2]};
}

double colourDistance(const std::array<int, 3>& a, const std::array<int, 3>& b) {
  const double d0 = a[0] - b[0], d1 = a[1] - b[1], d2 = a[2] - b[2];
  return std::sqrt(d0 * d0 + d1 * d1 + d2 * d2);
}

// The renderer's silhouette of `shape` (its coverage mask), scaled and placed so its box matches `box`; the best IoU
// with `mask` over three scales. (Drawing the template in the image's style and segmenting it the same way was tried:
// worse for soft and pixel-art images, whose segmented boxes no longer give the true size.)
double silhouetteIou(Shape shape, const Box& box, const Grid& mask) {
  ShapeObject probe;
  probe.shape = shape;
  probe.radius = 10;
  const Box unit = objectBox(probe);  // centred at (0, 0)
  const double side = std::max(box.width(), box.height());
  const double unitSide = std::max(unit.width(), unit.height());
  double best = 0;
  for (double s : {0.92, 1.0, 1.08}) {
    ShapeObject o;
    o.shape = shape;
    o.fill = Fill::Solid;
    o.radius = static_cast<float>(10.0 * side / unitSide * s);
    const Box b0 = objectBox(o);
    o.cx = (box.x0 + box.x1) / 2 - (b0.x0 + b0.x1) / 2;
    o.cy = (box.y0 + box.y1) / 2 - (b0.y0 + b0.y1) / 2;
    o.box = objectBox(o);
    Scene scene;
    scene.width = mask.w, scene.height = mask.h;
    scene.objects.push_back(o);
    const RenderedScene r = renderScene(scene, Style::Flat, 0);
    int inter = 0, uni = 0;
    for (size_t i = 0; i < mask.v.size(); ++i) {
      const bool t = r.masks[0].pixels[i] > 127, m = mask.v[i] != 0;
      inter += t && m;
      uni += t || m;
    }
    best = std::max(best, uni ? static_cast<double>(inter) / uni : 0.0);
  }
  return best;
}

}  // namespace

bool ShapeAnalysis::contains(int colour, Shape shape, double minIou) const {
  for (const auto& s : shapes)
    if (s.colour == colour && s.shape == shape && s.iou >= minIou) return true;
  return false;
}

ShapeAnalysis analyseShapes(const Image& image, const ShapeAnalyserOptions& opt) {
  if (image.channels != 3) fail("shape analyser", "expected an RGB image, got " + std::to_string(image.channels) + " channels");
  if (image.width < 16 || image.height < 16) fail("shape analyser", "image smaller than 16×16");
  const int w = image.width, h = image.height;
  const auto& palette = shapeColours();

  // 1. Colour label per pixel (-1: background, ink, grey or far from every palette colour).
  std::vector<int> label(static_cast<size_t>(w) * h, -1);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const auto c = rgbAt(image, x, y);
      if (*std::max_element(c.begin(), c.end()) - *std::min_element(c.begin(), c.end()) < opt.minChroma) continue;
      double best = opt.maxColourDistance;
      for (size_t k = 0; k < palette.size(); ++k) {
        const auto& p = palette[k].rgb;
        const double d = colourDistance(c, {p[0], p[1], p[2]});
        if (d < best) best = d, label[static_cast<size_t>(y) * w + x] = static_cast<int>(k);
      }
    }

  // 2. Per colour: closed mask, 4-connected components, holes filled, matched against the six silhouettes.
  ShapeAnalysis out;
  const int minArea = std::max(4, static_cast<int>(std::lround(opt.minAreaFraction * w * h)));
  Grid anyObject(w, h);
  std::vector<Grid> masks;  // per found shape, in out.shapes order
  for (size_t k = 0; k < palette.size(); ++k) {
    Grid m(w, h);
    bool present = false;
    for (size_t i = 0; i < label.size(); ++i)
      if (label[i] == static_cast<int>(k)) m.v[i] = 1, present = true;
    if (!present) continue;
    m = erode(dilate(m));
    Grid seen(w, h);
    for (int y0 = 0; y0 < h; ++y0)
      for (int x0 = 0; x0 < w; ++x0) {
        if (!m.get(x0, y0) || seen.get(x0, y0)) continue;
        Grid comp(w, h);
        std::deque<std::pair<int, int>> q{{x0, y0}};
        seen.at(x0, y0) = 1;
        int area = 0, bx0 = x0, by0 = y0, bx1 = x0, by1 = y0;
        while (!q.empty()) {
          auto [x, y] = q.front();
          q.pop_front();
          comp.at(x, y) = 1, ++area;
          bx0 = std::min(bx0, x), by0 = std::min(by0, y), bx1 = std::max(bx1, x), by1 = std::max(by1, y);
          for (auto [dx, dy] : {std::pair{1, 0}, {-1, 0}, {0, 1}, {0, -1}}) {
            const int xx = x + dx, yy = y + dy;
            if (m.get(xx, yy) && !seen.get(xx, yy)) seen.at(xx, yy) = 1, q.emplace_back(xx, yy);
          }
        }
        if (area < minArea) continue;
        // Fill holes: whatever the outside (flooded from beyond the box) does not reach.
        Grid outside(w, h);
        std::deque<std::pair<int, int>> f;
        const int fx0 = std::max(0, bx0 - 1), fy0 = std::max(0, by0 - 1), fx1 = std::min(w - 1, bx1 + 1),
                  fy1 = std::min(h - 1, by1 + 1);
        for (int x = fx0; x <= fx1; ++x)
          for (int y : {fy0, fy1})
            if (!comp.get(x, y) && !outside.get(x, y)) outside.at(x, y) = 1, f.emplace_back(x, y);
        for (int y = fy0; y <= fy1; ++y)
          for (int x : {fx0, fx1})
            if (!comp.get(x, y) && !outside.get(x, y)) outside.at(x, y) = 1, f.emplace_back(x, y);
        while (!f.empty()) {
          auto [x, y] = f.front();
          f.pop_front();
          for (auto [dx, dy] : {std::pair{1, 0}, {-1, 0}, {0, 1}, {0, -1}}) {
            const int xx = x + dx, yy = y + dy;
            if (xx < fx0 || yy < fy0 || xx > fx1 || yy > fy1) continue;
            if (!comp.get(xx, yy) && !outside.get(xx, yy)) outside.at(xx, yy) = 1, f.emplace_back(xx, yy);
          }
        }
        for (int y = by0; y <= by1; ++y)
          for (int x = bx0; x <= bx1; ++x)
            if (!outside.get(x, y) && !comp.get(x, y)) comp.at(x, y) = 1, ++area;
        for (size_t i = 0; i < comp.v.size(); ++i) anyObject.v[i] |= comp.v[i];
        FoundShape fs;
        fs.colour = static_cast<int>(k);
        fs.area = area;
        fs.box = Box{static_cast<float>(bx0), static_cast<float>(by0), static_cast<float>(bx1 + 1),
                     static_cast<float>(by1 + 1)};
        out.shapes.push_back(fs);
        masks.push_back(std::move(comp));
      }
  }
  // 3. Style statistics.
  // Blockiness: neighbour differences inside the pixel-art blocks relative to those across block edges.
  const int block = std::max(2, w / 16);
  double inner = 0, across = 0;
  int64_t nInner = 0, nAcross = 0;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x + 1 < w; ++x) {
      const double d = colourDistance(rgbAt(image, x, y), rgbAt(image, x + 1, y)) +
                       (y + 1 < h ? colourDistance(rgbAt(image, x, y), rgbAt(image, x, y + 1)) : 0.0);
      const bool edge = (x % block == block - 1) || (y % block == block - 1);
      (edge ? across : inner) += d;
      ++(edge ? nAcross : nInner);
    }
  const double meanAcross = nAcross ? across / nAcross : 0, meanInner = nInner ? inner / nInner : 0;
  out.blockiness = meanAcross > 0.5 ? meanInner / meanAcross : 1.0;
  // Ink: the share of the ring just outside the objects that is dark and grey.
  const Grid ring1 = dilate(dilate(anyObject));
  int ringPixels = 0, dark = 0;
  double sharpSum = 0;
  int sharpN = 0;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      if (!ring1.get(x, y) || anyObject.get(x, y)) continue;
      ++ringPixels;
      const auto c = rgbAt(image, x, y);
      const int mx = *std::max_element(c.begin(), c.end()), mn = *std::min_element(c.begin(), c.end());
      if (mx < 90 && mx - mn < 50) ++dark;
    }
  out.ink = ringPixels ? static_cast<double>(dark) / ringPixels : 0.0;
  // Sharpness: at the objects' edges, the largest single-pixel colour step relative to the object/background contrast
  // two pixels either side (a step edge: ≈ 1; the soft style's blur: ≈ 0.3).
  for (int y = 0; y < h; ++y)
    for (int x = 2; x + 3 < w; ++x) {
      if (anyObject.get(x, y) == anyObject.get(x + 1, y)) continue;
      const double contrast = colourDistance(rgbAt(image, x - 2, y), rgbAt(image, x + 3, y));
      if (contrast < 60) continue;
      double step = 0;
      for (int k = -2; k <= 2; ++k) step = std::max(step, colourDistance(rgbAt(image, x + k, y), rgbAt(image, x + k + 1, y)));
      sharpSum += std::min(1.0, step / contrast);
      ++sharpN;
    }
  out.sharpness = sharpN ? sharpSum / sharpN : 1.0;
  if (out.blockiness < 0.3)
    out.style = Style::Pixelated;
  else if (out.ink > 0.2)
    out.style = Style::Inked;
  else if (out.sharpness < 0.5)
    out.style = Style::Soft;
  else
    out.style = Style::Flat;

  // 4. Each component against the six silhouettes.
  for (size_t i = 0; i < out.shapes.size(); ++i)
    for (Shape s : kShapes) {
      const double iou = silhouetteIou(s, out.shapes[i].box, masks[i]);
      if (iou > out.shapes[i].iou) out.shapes[i].iou = iou, out.shapes[i].shape = s;
    }
  std::sort(out.shapes.begin(), out.shapes.end(), [](const FoundShape& a, const FoundShape& b) { return a.area > b.area; });
  return out;
}

}  // namespace mumu::training
