// dataset.h — the on-disk form of a bootstrapped data set, its writer pieces and the reader the trainer uses.
//
// Layout (schema version 1):
//   DIR/dataset.json              {"format": "mumu-bootstrap", "schema_version": 1, "kind": "synthetic" | "photos",
//                                  "seed": 7, "fingerprint": "…", "options": {…}, "shard_size": 1000,
//                                  "planned_samples": 10000, "complete": true, "counts": {…summary…},
//                                  "shards": [{"name": "shard-00000", "manifest": "shard-00000/manifest.jsonl",
//                                              "samples": 1000, "first_index": 0, "indices": 1000}, …]}
//   DIR/shard-00000/manifest.jsonl   one sample per line (below), in sample-index order
//   DIR/shard-00000/stats.json       the shard's share of the summary (counts, messages)
//   DIR/shard-00000/*.png            target images and crops
// A shard is complete exactly when its manifest.jsonl exists: it is written to a temporary name, synced
// and renamed into place after every image and stats.json of the shard. A shard folder without manifest
// is a partial shard (an interrupted run) and is written again from scratch on the next run.
//
// A manifest line:
//   {"index": 12, "id": "shape-0000006-flat", "image": "shard-00000/000012.png", "width": 64, "height": 64,
//    "caption": "a small red star and a large blue circle on a striped background, in flat style",
//    "segments": [
//      {"type": "text", "text": "a ", "span": [0, 2]},
//      {"type": "image", "role": "object", "path": "shard-00000/000012-c0.png",
//       "nobg_path": "shard-00000/000012-c0-nobg.png",            (background removed; only when known)
//       "phrase": "small red star", "phrase_span": [2, 16],        (the caption bytes the crop depicts)
//       "box": [10.5, 4.0, 27.25, 20.0],                           (where it was cut from the target, pixels)
//       "detector_phrase": "small red star", "score": 1.0, "head": false, "augment": ["crop", "flip"]},
//      {"type": "text", "text": "small red star and a ", "span": [2, 23]}, …
//      {"type": "image", "role": "style", "path": "…-style.png", "style": "flat"}],   (a style reference)
//    "style": "flat", "scene_id": "scene-0000006", "scene": {…scene graph, shape_world.h…},
//    "source": "astronaut.png"}                                    (photos: the input file)
// All paths are relative to DIR and may not leave it. Text segments concatenated give the prompt's text;
// a trainer that wants image-only references drops the caption bytes in an object crop's phrase_span.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "model/io/image_file.h"
#include "training/bootstrap/shape_world.h"
#include "training/detect/detector.h"

namespace mumu::training {

constexpr int kDatasetSchemaVersion = 1;
inline constexpr const char* kDatasetFormat = "mumu-bootstrap";

struct PromptSegment {
  enum class Kind { Text, Image };
  Kind kind = Kind::Text;
  std::string text;                   // Text
  size_t spanBegin = 0, spanEnd = 0;  // Text: its bytes in the caption; Image/object: the phrase's bytes
  std::string path;                   // Image: relative to the data set folder
  std::string noBackgroundPath;       // Image: the crop with its background removed, "" when not known
  std::string role = "object";        // Image: "object" (a crop of the target) or "style" (a style reference)
  std::string phrase;                 // Image/object: the caption words it depicts
  std::string detectorPhrase;         // Image/object: the detector's words for it
  float score = 0.f;                  // Image/object: detector score
  Box box;                            // Image/object: source box in the target image (pixels)
  bool head = false;                  // Image/object: a head crop that replaced a person crop
  std::vector<std::string> augment;   // Image: augmentation applied ("crop", "flip", "noise", "grayscale")
  std::string style;                  // Image/style: the style it shows
};

struct Sample {
  int64_t index = 0;  // global sample index (shard order)
  std::string id;
  std::string image;  // target image, relative to the data set folder
  int width = 0, height = 0;
  std::string caption;
  std::vector<PromptSegment> segments;
  std::string style;           // synthetic: the rendering style
  std::string sceneId;         // synthetic: samples sharing it show the same content
  std::optional<Scene> scene;  // synthetic: ground truth for evaluation
  std::string source;          // photos: the input image's name in the captions file
  // Set by the reader: where the sample came from.
  std::string root;      // the data set folder
  std::string manifest;  // "shard-00003/manifest.jsonl"
  int line = 0;

  std::string absolute(const std::string& relative) const { return root + "/" + relative; }
};

nlohmann::json sampleToJson(const Sample& sample);
// Validates every field; throws mumu::Error "<where>: …" (where = "manifest FILE:LINE").
Sample sampleFromJson(const nlohmann::json& j, const std::string& where);

struct ShardInfo {
  std::string name;        // "shard-00003"
  int64_t samples = 0;     // samples written (failed inputs leave gaps)
  int64_t firstIndex = 0;  // first sample index the shard covers
  int64_t indices = 0;     // how many indices it covers
};

struct DatasetInfo {
  int schemaVersion = kDatasetSchemaVersion;
  std::string kind;  // "synthetic" or "photos"
  uint64_t seed = 0;
  std::string fingerprint;  // hash of kind, seed, options and inputs: a resumed run must match it
  nlohmann::json options;
  int64_t shardSize = 0;
  int64_t plannedSamples = 0;
  bool complete = false;
  nlohmann::json counts = nlohmann::json::object();
  std::vector<ShardInfo> shards;

  int64_t numSamples() const;
};

nlohmann::json datasetInfoToJson(const DatasetInfo& info);
// Throws mumu::Error naming `where` (the file) when the format, schema version or a field is wrong.
DatasetInfo datasetInfoFromJson(const nlohmann::json& j, const std::string& where);

std::string shardName(int64_t index);  // "shard-00003"
// Writes `content` to `path` through a temporary file, fsync and rename: readers see all or nothing.
void writeFileAtomically(const std::string& path, const std::string& content);
// Whether shard `index` of the data set folder is complete (its manifest is in place).
bool isShardComplete(const std::string& datasetDir, int64_t index);

// Writes one shard: images first, then finish() puts stats.json and the manifest in place.
class ShardWriter {
 public:
  // Removes whatever a partial earlier run left in the shard folder and creates it empty.
  ShardWriter(std::string datasetDir, int64_t index);
  const std::string& name() const { return name_; }
  std::string relativePath(const std::string& fileName) const { return name_ + "/" + fileName; }
  // Writes `image` as shard-NNNNN/fileName; returns the relative path.
  std::string writeImage(const std::string& fileName, const Image& image);
  void add(const Sample& sample);
  int64_t samples() const { return count_; }
  void finish(const nlohmann::json& stats);

 private:
  std::string dir_, name_, shardDir_;
  std::string manifest_;
  int64_t count_ = 0;
};

struct ReaderOptions {
  bool allowIncomplete = false;  // read the complete shards of an interrupted data set
};

class DatasetReader {
 public:
  // Reads and validates DIR/dataset.json. Throws mumu::Error naming the file when it is missing, not a
  // bootstrap data set, of a newer schema version, or (unless allowed) incomplete.
  static DatasetReader open(const std::string& dir, const ReaderOptions& options = {});

  const DatasetInfo& info() const { return info_; }
  const std::string& root() const { return root_; }
  int64_t numShards() const { return static_cast<int64_t>(info_.shards.size()); }
  int64_t numSamples() const { return info_.numSamples(); }
  std::string path(const std::string& relative) const { return root_ + "/" + relative; }

  // All samples of shard `shard` (an index into info().shards), validated line by line: a malformed line
  // throws mumu::Error "manifest shard-00003/manifest.jsonl:17: …".
  std::vector<Sample> readShard(int64_t shard) const;
  // The shards rank `rank` of `worldSize` reads in `epoch` (training/sharding.h): disjoint over ranks,
  // together all shards.
  std::vector<int64_t> shardsForRank(int rank, int worldSize, uint64_t seed, int64_t epoch) const;
  std::vector<Sample> samplesForRank(int rank, int worldSize, uint64_t seed = 0, int64_t epoch = 0) const;

 private:
  std::string root_;
  DatasetInfo info_;
};

// Where a rank's stream stands: what a trainer checkpoint stores to continue with the same next sample.
struct StreamPosition {
  int64_t epoch = 0;
  int64_t shardCursor = 0;   // index into the epoch's shard list of this rank
  int64_t sampleCursor = 0;  // index into that shard's samples
};

// An endless stream of one rank's samples: its shards in the order of shardsForRank, epoch after epoch.
class RankStream {
 public:
  // Throws mumu::Error when the rank gets no shard (more ranks than shards).
  RankStream(const DatasetReader& reader, int rank, int worldSize, uint64_t seed, StreamPosition start = {});
  Sample next();
  const StreamPosition& position() const { return pos_; }

 private:
  void load();
  const DatasetReader& reader_;
  int rank_, worldSize_;
  uint64_t seed_;
  StreamPosition pos_;
  std::vector<int64_t> shards_;  // of pos_.epoch
  int64_t loadedShard_ = -1;
  std::vector<Sample> samples_;
};

}  // namespace mumu::training
