#include "crop_rules.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "model/error.h"

namespace mumu::training {
namespace {

std::string formatBox(const Box& b) {
  char buf[128];
  std::snprintf(buf, sizeof buf, "[%.1f, %.1f, %.1f, %.1f]", b.x0, b.y0, b.x1, b.y1);
  return buf;
}

std::string formatNumber(double v, int decimals = 1) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

constexpr float kSameBoxIoU = 0.9f;  // boxes this alike show the same thing

float boxIoU(const Box& a, const Box& b) {
  const float iw = std::min(a.x1, b.x1) - std::max(a.x0, b.x0), ih = std::min(a.y1, b.y1) - std::max(a.y0, b.y0);
  if (iw <= 0 || ih <= 0) return 0.f;
  const float inter = iw * ih;
  return inter / (a.area() + b.area() - inter);
}

bool isHeadHint(const std::string& phrase) {
  const std::string n = normalizePhrase(phrase);
  return n == "head" || n == "face";
}

}  // namespace

const char* dropReasonName(DropReason reason) {
  switch (reason) {
    case DropReason::TooSmall:
      return "too_small";
    case DropReason::TooLarge:
      return "too_large";
    case DropReason::OverLimit:
      return "over_limit";
    case DropReason::UnmatchedPhrase:
      return "unmatched_phrase";
    case DropReason::OutsideImage:
      return "outside_image";
    case DropReason::LowScore:
      return "low_score";
    case DropReason::Duplicate:
      return "duplicate";
    case DropReason::Count:
      break;
  }
  return "?";
}

void to_json(nlohmann::json& j, const CropRules& r) {
  j = {{"min_side", r.minSide},
       {"full_scale_side", r.fullScaleSide},
       {"max_area_fraction", r.maxAreaFraction},
       {"max_crops", r.maxCrops},
       {"min_score", r.minScore},
       {"min_visible_fraction", r.minVisibleFraction},
       {"head_crop_probability", r.headCropProbability},
       {"augment_probability", r.augmentProbability},
       {"background_removal", r.backgroundRemoval}};
}

void from_json(const nlohmann::json& j, CropRules& r) {
  if (!j.is_object()) fail("crop rules", "expected a JSON object");
  auto num = [&](const char* key, double& out) {
    if (!j.contains(key)) return;
    if (!j[key].is_number()) fail("crop rules", std::string(key) + " must be a number");
    out = j[key].get<double>();
  };
  num("min_side", r.minSide);
  num("full_scale_side", r.fullScaleSide);
  num("max_area_fraction", r.maxAreaFraction);
  num("min_score", r.minScore);
  num("min_visible_fraction", r.minVisibleFraction);
  num("head_crop_probability", r.headCropProbability);
  num("augment_probability", r.augmentProbability);
  if (j.contains("max_crops")) {
    if (!j["max_crops"].is_number_integer()) fail("crop rules", "max_crops must be an integer");
    r.maxCrops = j["max_crops"].get<int>();
  }
  if (j.contains("background_removal")) {
    if (!j["background_removal"].is_boolean()) fail("crop rules", "background_removal must be true or false");
    r.backgroundRemoval = j["background_removal"].get<bool>();
  }
  validateCropRules(r);
}

void validateCropRules(const CropRules& r) {
  auto in01 = [](double v) { return std::isfinite(v) && v >= 0 && v <= 1; };
  if (!std::isfinite(r.minSide) || r.minSide < 0) fail("crop rules", "min_side must be ≥ 0");
  if (!std::isfinite(r.fullScaleSide) || r.fullScaleSide <= 0) fail("crop rules", "full_scale_side must be > 0");
  if (!in01(r.maxAreaFraction) || r.maxAreaFraction == 0) fail("crop rules", "max_area_fraction must be in (0, 1]");
  if (r.maxCrops < 0 || r.maxCrops > 64) fail("crop rules", "max_crops must be between 0 and 64");
  if (!in01(r.minScore)) fail("crop rules", "min_score must be in [0, 1]");
  if (!in01(r.minVisibleFraction)) fail("crop rules", "min_visible_fraction must be in [0, 1]");
  if (!in01(r.headCropProbability)) fail("crop rules", "head_crop_probability must be in [0, 1]");
  if (!in01(r.augmentProbability)) fail("crop rules", "augment_probability must be in [0, 1]");
}

double minCropArea(const CropRules& rules, int width, int height) {
  const double side = rules.minSide * std::min(width, height) / rules.fullScaleSide;
  return side * side;
}

BoxCheck checkBox(const Box& box, int width, int height, const CropRules& rules) {
  BoxCheck c;
  const std::string where = "box " + formatBox(box);
  if (!std::isfinite(box.x0) || !std::isfinite(box.y0) || !std::isfinite(box.x1) || !std::isfinite(box.y1)) {
    c.message = "box has a non-finite coordinate";
    return c;
  }
  if (box.x1 <= box.x0 || box.y1 <= box.y0) {
    c.message = where + " has no area (x1 ≤ x0 or y1 ≤ y0)";
    return c;
  }
  Box clipped{std::max(box.x0, 0.f), std::max(box.y0, 0.f), std::min(box.x1, static_cast<float>(width)),
              std::min(box.y1, static_cast<float>(height))};
  const std::string size = std::to_string(width) + "x" + std::to_string(height);
  if (clipped.x1 <= clipped.x0 || clipped.y1 <= clipped.y0) {
    c.message = where + " lies outside the " + size + " image";
    return c;
  }
  const double inside = static_cast<double>(clipped.area()) / box.area();
  if (inside < rules.minVisibleFraction) {
    c.message = where + " lies mostly outside the " + size + " image (" + formatNumber(100 * inside, 0) +
                "% inside, at least " + formatNumber(100 * rules.minVisibleFraction, 0) + "% needed)";
    return c;
  }
  const double area = clipped.area();
  const double minArea = minCropArea(rules, width, height);
  if (area < minArea) {
    c.reason = DropReason::TooSmall;
    c.message = where + " covers " + formatNumber(area, 0) + " px², below the minimum " + formatNumber(minArea, 0) +
                " px² of a " + size + " image";
    return c;
  }
  if (area > rules.maxAreaFraction * width * height) {
    c.reason = DropReason::TooLarge;
    c.message = where + " covers " + formatNumber(100 * area / (static_cast<double>(width) * height), 0) +
                "% of the image, above " + formatNumber(100 * rules.maxAreaFraction, 0) + "%";
    return c;
  }
  c.ok = true;
  c.box = clipped;
  return c;
}

Box headBoxFor(const Box& person, const std::vector<Box>& headHints) {
  const Box* best = nullptr;
  for (const Box& h : headHints) {
    const float cx = (h.x0 + h.x1) / 2, cy = (h.y0 + h.y1) / 2;
    if (cx < person.x0 || cx > person.x1 || cy < person.y0 || cy > person.y1) continue;
    if (!best || h.y0 < best->y0) best = &h;  // the highest head in the box: the person's own, not a child's
  }
  if (best) return *best;
  const float side = std::min(person.width(), person.height() / 2);
  const float cx = (person.x0 + person.x1) / 2;
  return Box{cx - side / 2, person.y0, cx + side / 2, person.y0 + side};
}

Image cropToBox(const Image& image, const Box& box) {
  const int x0 = std::clamp(static_cast<int>(std::floor(box.x0)), 0, image.width);
  const int y0 = std::clamp(static_cast<int>(std::floor(box.y0)), 0, image.height);
  const int x1 = std::clamp(static_cast<int>(std::ceil(box.x1)), 0, image.width);
  const int y1 = std::clamp(static_cast<int>(std::ceil(box.y1)), 0, image.height);
  if (x1 <= x0 || y1 <= y0) fail("crop", "box " + formatBox(box) + " does not overlap the image");
  Image out;
  out.width = x1 - x0;
  out.height = y1 - y0;
  out.channels = image.channels;
  out.pixels.resize(static_cast<size_t>(out.width) * out.height * out.channels);
  const size_t rowBytes = static_cast<size_t>(out.width) * out.channels;
  for (int y = 0; y < out.height; ++y)
    std::copy_n(image.row(y0 + y) + static_cast<size_t>(x0) * image.channels, rowBytes, out.row(y));
  return out;
}

Image augmentCrop(const Image& crop, Rng& rng, std::vector<std::string>& ops) {
  // random crop keeping 80–100% of each side
  const int w = std::max(1, static_cast<int>(std::lround(crop.width * rng.uniform(0.8, 1.0))));
  const int h = std::max(1, static_cast<int>(std::lround(crop.height * rng.uniform(0.8, 1.0))));
  const int ox = static_cast<int>(rng.below(crop.width - w + 1));
  const int oy = static_cast<int>(rng.below(crop.height - h + 1));
  Image out = cropToBox(crop, Box{static_cast<float>(ox), static_cast<float>(oy), static_cast<float>(ox + w),
                                  static_cast<float>(oy + h)});
  ops.push_back("crop");
  const int c = out.channels;
  const int colourChannels = c == 4 ? 3 : c;  // never touch alpha
  if (rng.chance(0.5)) {
    for (int y = 0; y < out.height; ++y) {
      uint8_t* r = out.row(y);
      for (int x = 0; x < out.width / 2; ++x)
        for (int k = 0; k < c; ++k) std::swap(r[x * c + k], r[(out.width - 1 - x) * c + k]);
    }
    ops.push_back("flip");
  }
  if (rng.chance(0.5)) {
    const double sigma = rng.uniform(3.0, 12.0);
    for (int y = 0; y < out.height; ++y) {
      uint8_t* r = out.row(y);
      for (int x = 0; x < out.width; ++x)
        for (int k = 0; k < colourChannels; ++k) {
          const long v = std::lround(r[x * c + k] + sigma * rng.normal());
          r[x * c + k] = static_cast<uint8_t>(std::clamp(v, 0L, 255L));
        }
    }
    ops.push_back("noise");
  }
  if (rng.chance(0.3) && colourChannels == 3) {
    for (int y = 0; y < out.height; ++y) {
      uint8_t* r = out.row(y);
      for (int x = 0; x < out.width; ++x) {
        uint8_t* p = r + x * c;
        const int lum = (299 * p[0] + 587 * p[1] + 114 * p[2] + 500) / 1000;  // Rec. 601 luma
        p[0] = p[1] = p[2] = static_cast<uint8_t>(lum);
      }
    }
    ops.push_back("grayscale");
  }
  return out;
}

CropSelection selectCrops(const std::string& caption, const std::vector<Phrase>& phrases,
                          const std::vector<Detection>& detections, int width, int height, const CropRules& rules,
                          Rng& rng) {
  CropSelection sel;
  auto drop = [&](DropReason r) { ++sel.dropped[static_cast<size_t>(r)]; };
  std::vector<Box> headHints;
  for (const auto& d : detections)
    if (isHeadHint(d.phrase)) headHints.push_back(d.box);

  // rules 1–3, and the phrase match
  std::vector<CropCandidate> passing;
  std::vector<int> matchOf;  // phraseMatchScore of each passing candidate
  for (const auto& d : detections) {
    if (isHeadHint(d.phrase)) continue;
    const std::string what = "detection '" + d.phrase + "'";
    if (d.score < rules.minScore) {
      drop(DropReason::LowScore);
      continue;
    }
    int bestPhrase = -1, bestScore = 0;
    for (size_t i = 0; i < phrases.size(); ++i) {
      const int s = phraseMatchScore(caption, phrases[i], d.phrase);
      if (s > bestScore) bestScore = s, bestPhrase = static_cast<int>(i);
    }
    if (bestPhrase < 0) {
      drop(DropReason::UnmatchedPhrase);
      sel.messages.push_back(what + " names no phrase of the caption");
      continue;
    }
    const BoxCheck check = checkBox(d.box, width, height, rules);
    if (!check.ok) {
      drop(check.reason);
      if (check.reason == DropReason::OutsideImage) sel.messages.push_back(what + ": " + check.message);
      continue;
    }
    passing.push_back(CropCandidate{bestPhrase, check.box, d.score, d.phrase, false});
    matchOf.push_back(bestScore);
  }
  // rule 4: one box per phrase and one phrase per box, best first: how well the detector's words name the
  // phrase, then the score, then caption order. (A class detector such as CenterNet returns every "horse"
  // box for each of "a white horse" and "a gray horse": they get different boxes.)
  std::vector<size_t> order(passing.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (matchOf[a] != matchOf[b]) return matchOf[a] > matchOf[b];
    if (passing[a].score != passing[b].score) return passing[a].score > passing[b].score;
    return phrases[passing[a].phrase].contentBegin < phrases[passing[b].phrase].contentBegin;
  });
  std::vector<CropCandidate> perPhrase;
  for (size_t i : order) {
    const CropCandidate& c = passing[i];
    const bool taken = std::any_of(perPhrase.begin(), perPhrase.end(), [&](const CropCandidate& k) {
      return k.phrase == c.phrase || boxIoU(k.box, c.box) >= kSameBoxIoU;
    });
    if (taken)
      drop(DropReason::Duplicate);
    else
      perPhrase.push_back(c);
  }
  std::stable_sort(perPhrase.begin(), perPhrase.end(), [&](const CropCandidate& a, const CropCandidate& b) {
    return phrases[a.phrase].contentBegin < phrases[b.phrase].contentBegin;
  });
  // rule 5: head crops. One draw per person crop, in caption order, so the stream stays reproducible.
  for (auto& c : perPhrase) {
    if (!isPersonNoun(phrases[c.phrase].lemma)) continue;
    if (!rng.chance(rules.headCropProbability)) continue;
    const BoxCheck head = checkBox(headBoxFor(c.box, headHints), width, height, rules);
    if (head.ok) {
      c.box = head.box;
      c.head = true;
    }
  }
  // rule 6: at most maxCrops, a random subset kept in caption order
  if (static_cast<int>(perPhrase.size()) > rules.maxCrops) {
    std::vector<size_t> order(perPhrase.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    for (size_t i = order.size(); i > 1; --i)
      std::swap(order[i - 1], order[static_cast<size_t>(rng.below(static_cast<int64_t>(i)))]);
    order.resize(static_cast<size_t>(rules.maxCrops));
    std::sort(order.begin(), order.end());
    std::vector<CropCandidate> kept;
    for (size_t i : order) kept.push_back(perPhrase[i]);
    sel.dropped[static_cast<size_t>(DropReason::OverLimit)] += static_cast<int64_t>(perPhrase.size() - kept.size());
    perPhrase = std::move(kept);
  }
  sel.kept = std::move(perPhrase);
  return sel;
}

}  // namespace mumu::training
