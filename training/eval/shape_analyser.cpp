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

// The cells of `passable` 4-connected within it to a cell of `seeds`.
Grid flood(const Grid& passable, const Grid& seeds) {
  Grid reached(passable.w, passable.h);
  std::deque<std::pair<int, int>> q;
  for (int y = 0; y < passable.h; ++y)
    for (int x = 0; x < passable.w; ++x)
      if (passable.get(x, y) && seeds.get(x, y)) reached.at(x, y) = 1, q.emplace_back(x, y);
  while (!q.empty()) {
    auto [x, y] = q.front();
    q.pop_front();
    for (auto [dx, dy] : {std::pair{1, 0}, {-1, 0}, {0, 1}, {0, -1}}) {
      const int xx = x + dx, yy = y + dy;
      if (passable.get(xx, yy) && !reached.get(xx, yy)) reached.at(xx, yy) = 1, q.emplace_back(xx, yy);
    }
  }
  return reached;
}

// Fill holes: whatever a flood from the image's border does not reach belongs to the object.
void fillHoles(Grid& comp) {
  Grid background(comp.w, comp.h), border(comp.w, comp.h);
  for (size_t i = 0; i < comp.v.size(); ++i) background.v[i] = !comp.v[i];
  for (int x = 0; x < comp.w; ++x) border.at(x, 0) = border.at(x, comp.h - 1) = 1;
  for (int y = 0; y < comp.h; ++y) border.at(0, y) = border.at(comp.w - 1, y) = 1;
  const Grid outside = flood(background, border);
  for (size_t i = 0; i < comp.v.size(); ++i) comp.v[i] = comp.v[i] || !outside.v[i];
}

std::array<int, 3> rgbAt(const Image& im, int x, int y) {
  const uint8_t* p = &im.pixels[(static_cast<size_t>(y) * im.width + x) * 3];
  return {p[0], p[1], p[2]};
}

double colourDistance(const std::array<int, 3>& a, const std::array<int, 3>& b) {
  const double d0 = a[0] - b[0], d1 = a[1] - b[1], d2 = a[2] - b[2];
  return std::sqrt(d0 * d0 + d1 * d1 + d2 * d2);
}

// The renderer's silhouette of `shape` (its coverage mask), scaled and placed so its box matches `box`, optionally
// blurred by one of `blurs` (σ in pixels) before the cut at half coverage; the best IoU with `mask` over three scales
// and the blurs. The blur matters for decoded and generated images: cut at half coverage, a blurred star loses its
// tips and a blurred hexagon its corners, and only a template blurred alike still looks like them. (Drawing the
// template in the image's style and segmenting it the same way was tried: worse for soft and pixel-art images, whose
// segmented boxes no longer give the true size.)
struct SilhouetteMatch {
  double score = -1, iou = 0;  // score: the IoU less the blur penalty
};

SilhouetteMatch silhouetteIou(Shape shape, const Box& box, const Grid& mask, const std::vector<double>& blurs,
                              double blurPenalty) {
  ShapeObject probe;
  probe.shape = shape;
  probe.radius = 10;
  const Box unit = objectBox(probe);  // centred at (0, 0)
  const double side = std::max(box.width(), box.height());
  const double unitSide = std::max(unit.width(), unit.height());
  SilhouetteMatch best;
  for (double sigma : blurs)
    for (double s : {0.92, 1.0, 1.08}) {
      ShapeObject o;
      o.shape = shape;
      o.fill = Fill::Solid;
      // A blurred template cut at half coverage is smaller than its box: grow it by about the blur.
      o.radius = static_cast<float>(10.0 * (side + 1.2 * sigma) / unitSide * s);
      const Box b0 = objectBox(o);
      o.cx = (box.x0 + box.x1) / 2 - (b0.x0 + b0.x1) / 2;
      o.cy = (box.y0 + box.y1) / 2 - (b0.y0 + b0.y1) / 2;
      o.box = objectBox(o);
      Scene scene;
      scene.width = mask.w, scene.height = mask.h;
      scene.objects.push_back(o);
      const RenderedScene r = renderScene(scene, Style::Flat, 0);
      std::vector<float> cov(mask.v.size());
      for (size_t i = 0; i < cov.size(); ++i) cov[i] = r.masks[0].pixels[i] / 255.f;
      if (sigma > 0) gaussianBlur(cov, mask.w, mask.h, 1, static_cast<float>(sigma));
      int inter = 0, uni = 0;
      for (size_t i = 0; i < mask.v.size(); ++i) {
        const bool t = cov[i] >= 0.5f, m = mask.v[i] != 0;
        inter += t && m;
        uni += t || m;
      }
      const double iou = uni ? static_cast<double>(inter) / uni : 0.0;
      if (iou - blurPenalty * sigma > best.score) best = {iou - blurPenalty * sigma, iou};
    }
  return best;
}

// The colour mask above keeps only clearly coloured pixels (chroma ≥ minChroma). A decoded or generated object is
// often paler or greyer than the palette in places, and its edges are blurred over a few pixels, so that mask is
// ragged: holes and bites inside, or a notch filled by the blur. The renderer's silhouettes are cut at half coverage,
// so cut the object the same way: estimate each nearby pixel's coverage from its colour, on the line from the
// background just outside the object to the object's own (measured) colour, and keep the pixels that are at least half
// object and close to that line (ink and other objects are off it).
Grid halfCoverageMask(const Image& image, const std::vector<int>& label, int colour, const Grid& comp) {
  const int w = comp.w, h = comp.h;
  const Grid near = dilate(dilate(comp));
  const Grid ring0 = dilate(near);
  const Grid far = dilate(dilate(dilate(ring0)));
  std::array<std::vector<int>, 3> ring;
  std::vector<std::pair<double, std::array<int, 3>>> inside;  // (−distance to the background, rgb)
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const auto c = rgbAt(image, x, y);
      // Background: the unlabelled pixels of a ring four to six pixels outside the object; the per-channel median,
      // so that an inked contour or a neighbour's halo in the ring does not shift it.
      if (far.get(x, y) && !ring0.get(x, y) && label[static_cast<size_t>(y) * w + x] < 0)
        for (int i = 0; i < 3; ++i) ring[static_cast<size_t>(i)].push_back(c[static_cast<size_t>(i)]);
      if (comp.get(x, y)) inside.push_back({0.0, c});
    }
  if (ring[0].size() < 4 || inside.size() < 4) return comp;
  std::array<double, 3> bg{};
  for (int i = 0; i < 3; ++i) {
    auto& v = ring[static_cast<size_t>(i)];
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
    bg[static_cast<size_t>(i)] = v[v.size() / 2];
  }
  // The object's colour: the mean of the third of its pixels furthest from the background (its interior).
  for (auto& [d, c] : inside) {
    const double d0 = c[0] - bg[0], d1 = c[1] - bg[1], d2 = c[2] - bg[2];
    d = -(d0 * d0 + d1 * d1 + d2 * d2);
  }
  std::sort(inside.begin(), inside.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  const size_t core = std::max<size_t>(1, inside.size() / 3);
  std::array<double, 3> fg{0, 0, 0};
  for (size_t i = 0; i < core; ++i)
    for (int c = 0; c < 3; ++c) fg[static_cast<size_t>(c)] += inside[i].second[static_cast<size_t>(c)];
  for (auto& v : fg) v /= static_cast<double>(core);
  const std::array<double, 3> axis{fg[0] - bg[0], fg[1] - bg[1], fg[2] - bg[2]};
  const double len2 = axis[0] * axis[0] + axis[1] * axis[1] + axis[2] * axis[2];
  if (len2 < 40.0 * 40.0) return comp;  // too little contrast to measure coverage: keep the colour mask
  Grid out(w, h);
  int kept = 0;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const int l = label[static_cast<size_t>(y) * w + x];
      if (!near.get(x, y) || (l >= 0 && l != colour)) continue;
      const auto c = rgbAt(image, x, y);
      const std::array<double, 3> d{c[0] - bg[0], c[1] - bg[1], c[2] - bg[2]};
      const double a = (d[0] * axis[0] + d[1] * axis[1] + d[2] * axis[2]) / len2;
      double off = 0;  // squared distance from the background–object line
      for (int i = 0; i < 3; ++i) {
        const double r = d[static_cast<size_t>(i)] - a * axis[static_cast<size_t>(i)];
        off += r * r;
      }
      if (a >= 0.5 && off <= 0.25 * len2) out.at(x, y) = 1, ++kept;
    }
  if (kept < 4) return comp;
  // Keep what is connected to the colour mask: a patterned background's dots or stripes can sit near the line too.
  const Grid connected = flood(out, comp);
  for (uint8_t v : connected.v)
    if (v) return connected;
  return comp;  // nothing kept touches the colour mask: keep that mask
}

}  // namespace

bool ShapeAnalysis::contains(int colour, Shape shape, double minIou) const {
  for (const auto& s : shapes)
    if (s.colour == colour && s.shape == shape && s.iou >= minIou) return true;
  return false;
}

namespace {

// Options come from code, not files, but a wrong one would silently change every verdict: refuse it.
void validate(const ShapeAnalyserOptions& o) {
  auto bad = [](const std::string& what) { fail("shape analyser options", what); };
  if (!(o.minAreaFraction >= 0 && o.minAreaFraction < 1)) bad("minAreaFraction must be in [0, 1)");
  if (!(o.maxColourDistance > 0 && std::isfinite(o.maxColourDistance))) bad("maxColourDistance must be > 0");
  if (o.minChroma < 0 || o.minChroma > 255) bad("minChroma must be in [0, 255]");
  if (o.templateBlurs.empty()) bad("templateBlurs is empty (give 0 for sharp silhouettes only)");
  for (double sigma : o.templateBlurs)
    if (!(sigma >= 0 && sigma <= 8)) bad("a template blur σ must be in [0, 8] pixels, got " + std::to_string(sigma));
  if (!(o.blurPenalty >= 0 && o.blurPenalty < 0.1)) bad("blurPenalty must be in [0, 0.1) per pixel of σ");
}

}  // namespace

ShapeAnalysis analyseShapes(const Image& image, const ShapeAnalyserOptions& opt) {
  if (image.channels != 3)
    fail("shape analyser", "expected an RGB image, got " + std::to_string(image.channels) + " channels");
  if (image.width < 16 || image.height < 16) fail("shape analyser", "image smaller than 16×16");
  validate(opt);
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
        int area = 0;
        while (!q.empty()) {
          auto [x, y] = q.front();
          q.pop_front();
          comp.at(x, y) = 1, ++area;
          for (auto [dx, dy] : {std::pair{1, 0}, {-1, 0}, {0, 1}, {0, -1}}) {
            const int xx = x + dx, yy = y + dy;
            if (m.get(xx, yy) && !seen.get(xx, yy)) seen.at(xx, yy) = 1, q.emplace_back(xx, yy);
          }
        }
        if (area < minArea) continue;
        fillHoles(comp);
        for (size_t i = 0; i < comp.v.size(); ++i) anyObject.v[i] |= comp.v[i];
        FoundShape fs;
        fs.colour = static_cast<int>(k);
        if (opt.halfCoverageEdges) {
          comp = halfCoverageMask(image, label, static_cast<int>(k), comp);
          fillHoles(comp);  // a paler centre (a highlight) is still the object
        }
        fs.area = 0;
        int tx0 = w, ty0 = h, tx1 = -1, ty1 = -1;
        for (int y = 0; y < h; ++y)
          for (int x = 0; x < w; ++x)
            if (comp.get(x, y))
              ++fs.area, tx0 = std::min(tx0, x), ty0 = std::min(ty0, y), tx1 = std::max(tx1, x), ty1 = std::max(ty1, y);
        fs.box = Box{static_cast<float>(tx0), static_cast<float>(ty0), static_cast<float>(tx1 + 1),
                     static_cast<float>(ty1 + 1)};
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
      for (int k = -2; k <= 2; ++k)
        step = std::max(step, colourDistance(rgbAt(image, x + k, y), rgbAt(image, x + k + 1, y)));
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
  for (size_t i = 0; i < out.shapes.size(); ++i) {
    double bestScore = -1;
    for (Shape s : kShapes) {
      const SilhouetteMatch match = silhouetteIou(s, out.shapes[i].box, masks[i], opt.templateBlurs, opt.blurPenalty);
      if (match.score > bestScore) bestScore = match.score, out.shapes[i].iou = match.iou, out.shapes[i].shape = s;
    }
  }
  std::sort(out.shapes.begin(), out.shapes.end(),
            [](const FoundShape& a, const FoundShape& b) { return a.area > b.area; });
  return out;
}

}  // namespace mumu::training
