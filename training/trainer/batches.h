// batches.h — the trainer's data path: samples from a RankStream grouped by aspect bucket into batches, target
// images as [-1, 1] tensors at the bucket size, and a sample's prompt as pipeline segments. Resumable: state()
// holds the stream position and the samples waiting in partly filled buckets.
#pragma once
#include <ATen/core/Tensor.h>

#include <deque>
#include <memory>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "model/pipeline/pipeline.h"
#include "training/bootstrap/dataset.h"

namespace mumu::training {

// The bucket whose aspect (w / h) is nearest the image's in log space; ties go to the earlier bucket.
size_t nearestBucket(const std::vector<std::pair<int, int>>& buckets, int width, int height);

struct Batch {
  size_t bucket = 0;
  std::vector<Sample> samples;
};

class BatchSampler {
 public:
  BatchSampler(const DatasetReader& reader, std::vector<std::pair<int, int>> buckets, int batchSize, uint64_t seed);
  // The next full batch: samples are taken in stream order; a batch is emitted by the first bucket to fill.
  Batch next();
  nlohmann::json state() const;
  // Throws mumu::Error "<where>: ..." on a malformed state.
  void restore(const nlohmann::json& state, const std::string& where);

 private:
  const DatasetReader& reader_;
  std::vector<std::pair<int, int>> buckets_;
  int batchSize_;
  uint64_t seed_;
  std::unique_ptr<RankStream> stream_;
  std::vector<std::deque<Sample>> pending_;
};

// Target images centre-cropped to the bucket's aspect and resized to width × height: [B, 3, h, w] float32 in [-1, 1].
at::Tensor loadTargetImages(const std::vector<Sample>& samples, int width, int height);

// The sample's prompt: text segments as they are, image segments read from the data set (the first `maxImages`
// kept; later ones dropped). With imageOnly > 0, each kept object crop is, with that probability, left to stand for
// its object alone: the caption bytes of its phrase_span are removed from the text ("a <img> on a plain
// background"); with textOnly, the crop is dropped and the words stay (the text-to-image case). The draw is a hash
// of (seed, sample index, crop), so it repeats exactly on resume.
std::vector<GenerationSegment> promptSegments(const Sample& sample, int maxImages, double imageOnly = 0.0,
                                              double textOnly = 0.0, uint64_t seed = 0);

}  // namespace mumu::training
