// bootstrap.h — turning text-image pairs into multimodal-prompt training data (MUMU paper, DESIGN.md §1):
// for each caption, boxes for its phrases from a detector, the crop rules (crop_rules.h), and the crops
// inserted right before their phrases; written as a sharded data set (dataset.h).
//
// Two sources:
//  - synthetic: N samples of the procedural shape world (shape_world.h), each scene rendered in
//    `stylesPerScene` styles (sample i shows scene i / stylesPerScene), exact boxes from the scene graph;
//  - photos: a folder of images and a captions file (JSON Lines, one pair per line:
//      {"file": "astronaut.png", "caption": "A smiling woman …", "phrases": ["a smiling woman", …]}
//    "file" is relative to the images folder; "phrases" is optional — without it the caption's noun phrases
//    are chunked (phrases.h); other keys are ignored), with boxes from a Detector (a detections file, or the
//    CenterNet COCO detector).
//
// Reproducible: every random choice of sample i comes from Rng(seed, i), so the same seed and options give
// byte-identical files whatever the thread count, and resuming an interrupted run gives the same data set as
// an uninterrupted one. Shard k holds sample indices [k · shardSize, (k + 1) · shardSize).
//
// Errors: inputs that are wrong for one sample (missing or corrupt image, empty caption, a malformed
// captions line or detections entry) leave that sample out with a message naming it; phrases not in the
// caption, detections naming no phrase and boxes outside the image are warnings, the sample is kept.
// Output problems (disk full, unwritable folder) and bad options stop the run with mumu::Error.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "training/bootstrap/crop_rules.h"
#include "training/bootstrap/shape_world.h"
#include "training/detect/detector.h"

namespace mumu::training {

struct BootstrapProgress {
  int64_t done = 0, total = 0;              // sample indices handled in this run / to handle
  int64_t shardsDone = 0, shardsTotal = 0;  // shards finished (skipped ones included)
  int64_t shardsSkipped = 0;                // complete from an earlier run
  double seconds = 0;
};

struct BootstrapOptions {
  std::string outDir;
  uint64_t seed = 0;
  int64_t shardSize = 1000;
  int threads = 0;  // 0: all hardware threads (photos: the detector runs one at a time)
  CropRules rules;
  const std::atomic<bool>* cancel = nullptr;  // set → stop after the current samples; finished shards are kept
  // Called on the calling thread about every `progressInterval` seconds and once at the end.
  std::function<void(const BootstrapProgress&)> progress;
  double progressInterval = 0.1;
};

// Counts of one shard, or of a whole run.
struct BootstrapCounts {
  int64_t pairsRead = 0;  // inputs handled (captions lines, synthetic samples)
  int64_t samplesWritten = 0;
  int64_t samplesFailed = 0;      // left out, with an error message
  int64_t phrases = 0;            // candidate phrases over all samples
  int64_t phrasesWithoutBox = 0;  // phrases no crop was kept for
  int64_t unknownPhrases = 0;     // explicit phrases the caption does not contain
  int64_t cropsKept = 0;
  int64_t headCrops = 0;
  int64_t augmentedCrops = 0;
  int64_t styleReferences = 0;
  std::array<int64_t, kDropReasonCount> dropped{};
  std::vector<std::string> errors;  // "sample 'x' (captions.jsonl:3): …", at most kMaxMessages kept …
  std::vector<std::string> warnings;
  int64_t errorCount = 0, warningCount = 0;  // … but all counted

  static constexpr size_t kMaxMessages = 1000;
  void error(std::string message);
  void warning(std::string message);
  void add(const BootstrapCounts& other);
  nlohmann::json toJson() const;
  static BootstrapCounts fromJson(const nlohmann::json& j);  // throws mumu::Error on a malformed stats file
};

struct BootstrapSummary {
  BootstrapCounts counts;
  std::string outDir;
  int64_t samplesPlanned = 0;
  int64_t shardsWritten = 0, shardsSkipped = 0, shardsTotal = 0;
  bool cancelled = false;
  double seconds = 0;
  nlohmann::json toJson() const;
  // Several lines for people; at most `maxMessages` errors and warnings each are listed.
  std::string toText(size_t maxMessages = 20) const;
};

struct SyntheticSpec {
  int64_t count = 0;
  ShapeWorldOptions world;
};

struct PhotoSpec {
  std::string imagesDir;
  std::string captionsPath;
  std::string detectorSpec;  // recorded in dataset.json (and the fingerprint)
  // > 0: the paper's real-data preparation — each photo centre-cropped to a square and resized to this side
  // (detections are made on the whole photo and mapped into the square; a box less than half inside is dropped).
  int centerCrop = 0;
};

// Throws mumu::Error for bad options, an output folder holding a different data set (other seed, options
// or inputs), and output failures. Per-sample problems are in the summary.
BootstrapSummary bootstrapSynthetic(const BootstrapOptions& options, const SyntheticSpec& spec);
BootstrapSummary bootstrapPhotos(const BootstrapOptions& options, const PhotoSpec& spec, Detector& detector);

// The detectors selectable by name: "file:PATH" (a detections file, detections_file.h), "shapes" (the exact
// boxes of shape-world scenes; synthetic data only), "centernet" or "centernet:MODEL.json" (the COCO-80
// CenterNet port, model from scripts/fetch_assets.sh). Throws mumu::Error for an unknown or unavailable one.
std::unique_ptr<Detector> createDetector(const std::string& spec);
// One line per detector name: "file:PATH  boxes from a GroundingDINO-style detections file", …
std::vector<std::string> detectorHelp();

}  // namespace mumu::training
