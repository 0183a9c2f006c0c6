// crop_rules.h — which detected boxes become image crops in a prompt (MUMU paper, DESIGN.md §1), and the
// augmentation of the crops.
//
// The rules, in the order they are applied to each detection of a sample:
//  1. score below `minScore` → `low_score`; a detector phrase naming none of the caption's phrases
//     (phraseMatchScore 0) → `unmatched_phrase`.
//  2. a box with a non-finite coordinate, no area, or lying entirely outside the image is rejected
//     (`outside_image`). A box partly outside is clipped to the image and kept when at least
//     `minVisibleFraction` (50%) of its area lies inside; otherwise rejected as `outside_image` too.
//  3. size: the paper keeps crops with area ≥ 150×150 px and ≤ 75% of the image. 150 px is meant at
//     SDXL's full scale (1024 px), so the minimum scales with the image's short side:
//        minArea = (minSide · min(width, height) / fullScaleSide)²   (150 · 64/1024 = 9.4 px at 64×64)
//     → `too_small` below; `too_large` above maxAreaFraction · width · height (of the clipped box).
//  4. one crop per phrase and one phrase per box: candidates are taken best first (how well the detector's
//     words name the phrase, then score, then caption order); one whose phrase already has a crop, or
//     whose box is nearly one already taken (IoU ≥ 0.9), → `duplicate`. So a plural phrase ("two dogs")
//     keeps one of its boxes, and a class detector's boxes (every "horse" for "a white horse" and "a gray
//     horse") are shared out rather than repeated.
//  5. people: with probability `headCropProbability` (70%) a person crop is replaced by the head crop.
//     The head box is a detection named "head" or "face" whose centre lies in the person box (the
//     highest one); without one (most detectors find no heads) it is the top square of the person box:
//     side min(width, height / 2), horizontally centred, touching the box top. If the head box fails
//     rules 2–3 the person crop is kept.
//  6. at most `maxCrops` (3) per prompt: a seeded random choice among the survivors, the rest →
//     `over_limit`.
// Each kept crop is inserted right before its phrase's words (after determiner / number / possessor:
// "a <img> small red star"), and with probability `augmentProbability` (20%) augmented: random crop
// (80–100% of each side), then horizontal flip (50%), Gaussian noise σ 3–12 levels (50%),
// grayscale (30%). All randomness comes from the sample's seeded Rng, so a data set is reproducible.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "model/io/image_file.h"
#include "training/bootstrap/phrases.h"
#include "training/bootstrap/rng.h"
#include "training/detect/detector.h"

namespace mumu::training {

enum class DropReason { TooSmall, TooLarge, OverLimit, UnmatchedPhrase, OutsideImage, LowScore, Duplicate, Count };
constexpr size_t kDropReasonCount = static_cast<size_t>(DropReason::Count);
// "too_small", "too_large", "over_limit", "unmatched_phrase", "outside_image", "low_score", "duplicate"
const char* dropReasonName(DropReason reason);

struct CropRules {
  double minSide = 150;         // the paper's 150 px …
  double fullScaleSide = 1024;  // … at this short side; scaled linearly to the image's short side
  double maxAreaFraction = 0.75;
  int maxCrops = 3;
  double minScore = 0.0;            // detections scoring below are dropped (GroundingDINO's box threshold)
  double minVisibleFraction = 0.5;  // of a box partly outside the image, to be clipped rather than rejected
  double headCropProbability = 0.7;
  double augmentProbability = 0.2;
  bool backgroundRemoval = false;  // also write each crop with its background removed: shape world only,
                                   // where the object's mask is known (photos have none)
};

void to_json(nlohmann::json& j, const CropRules& rules);
// Reads the keys to_json writes; absent keys keep their defaults. Throws mumu::Error on wrong types / ranges.
void from_json(const nlohmann::json& j, CropRules& rules);
// Throws mumu::Error "crop rules: …" when a value is out of range.
void validateCropRules(const CropRules& rules);

// (minSide · min(width, height) / fullScaleSide)²
double minCropArea(const CropRules& rules, int width, int height);

struct BoxCheck {
  bool ok = false;
  DropReason reason = DropReason::OutsideImage;  // when !ok
  Box box;                                       // clipped to the image when ok
  std::string message;                           // why it was dropped, for people: "box [..] lies outside …"
};

// Rules 2 and 3 for one box of a width × height image.
BoxCheck checkBox(const Box& box, int width, int height, const CropRules& rules);

// Rule 5's head box for `person`, from the head/face hints (may be empty).
Box headBoxFor(const Box& person, const std::vector<Box>& headHints);

// Pixels of `box` (rounded outwards to whole pixels, clamped to the image). The box must overlap the image.
Image cropToBox(const Image& image, const Box& box);

// The augmentation of a crop (all of it; the caller decides whether to augment). Appends the names of
// the operations done ("crop", "flip", "noise", "grayscale") to `ops`.
Image augmentCrop(const Image& crop, Rng& rng, std::vector<std::string>& ops);

// One detection matched to a caption phrase.
struct CropCandidate {
  int phrase = -1;  // index into the sample's phrases
  Box box;
  float score = 0.f;
  std::string detectorPhrase;
  bool head = false;  // the box is the head crop that replaced a person crop
};

struct CropSelection {
  std::vector<CropCandidate> kept;                  // ordered by phrase position in the caption
  std::array<int64_t, kDropReasonCount> dropped{};  // per DropReason
  std::vector<std::string> messages;                // one line per notable drop, without the sample name
};

// Rules 1–6 for the detections of one sample. Detections are matched to `phrases` by phraseMatchScore;
// those named "head" or "face" only serve as head hints (never counted as unmatched). Head crops apply to
// phrases whose lemma isPersonNoun.
CropSelection selectCrops(const std::string& caption, const std::vector<Phrase>& phrases,
                          const std::vector<Detection>& detections, int width, int height, const CropRules& rules,
                          Rng& rng);

}  // namespace mumu::training
