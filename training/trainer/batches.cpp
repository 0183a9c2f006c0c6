// batches.cpp — bucketed batches, target image tensors, prompt segments.
#include "training/trainer/batches.h"

#include <torch/torch.h>

#include <cmath>

#include "model/error.h"
#include "model/io/image_file.h"
#include "model/vision/image_processing.h"
#include "training/bootstrap/phrases.h"

namespace mumu::training {

using nlohmann::json;

size_t nearestBucket(const std::vector<std::pair<int, int>>& buckets, int width, int height) {
  if (buckets.empty()) fail("buckets", "empty");
  const double a = std::log(std::max(width, 1) / static_cast<double>(std::max(height, 1)));
  size_t best = 0;
  double bestDist = 1e300;
  for (size_t i = 0; i < buckets.size(); ++i) {
    const double d = std::abs(std::log(buckets[i].first / static_cast<double>(buckets[i].second)) - a);
    if (d < bestDist) best = i, bestDist = d;
  }
  return best;
}

BatchSampler::BatchSampler(const DatasetReader& reader, std::vector<std::pair<int, int>> buckets, int batchSize,
                           uint64_t seed)
    : reader_(reader), buckets_(std::move(buckets)), batchSize_(batchSize), seed_(seed) {
  stream_ = std::make_unique<RankStream>(reader_, 0, 1, seed_);
  pending_.resize(buckets_.size());
}

Batch BatchSampler::next() {
  for (;;) {
    Sample s = stream_->next();
    const size_t b = nearestBucket(buckets_, s.width, s.height);
    pending_[b].push_back(std::move(s));
    if (static_cast<int>(pending_[b].size()) >= batchSize_) {
      Batch out;
      out.bucket = b;
      for (int i = 0; i < batchSize_; ++i) {
        out.samples.push_back(std::move(pending_[b].front()));
        pending_[b].pop_front();
      }
      return out;
    }
  }
}

json BatchSampler::state() const {
  const StreamPosition& p = stream_->position();
  json pending = json::array();
  for (const auto& q : pending_) {
    json list = json::array();
    for (const auto& s : q) list.push_back(sampleToJson(s));
    pending.push_back(list);
  }
  return {{"epoch", p.epoch}, {"shard_cursor", p.shardCursor}, {"sample_cursor", p.sampleCursor}, {"pending", pending}};
}

void BatchSampler::restore(const json& state, const std::string& where) {
  try {
    StreamPosition p;
    p.epoch = state.at("epoch").get<int64_t>();
    p.shardCursor = state.at("shard_cursor").get<int64_t>();
    p.sampleCursor = state.at("sample_cursor").get<int64_t>();
    const json& pending = state.at("pending");
    if (!pending.is_array() || pending.size() != buckets_.size())
      fail(where, "data.pending: expected " + std::to_string(buckets_.size()) + " bucket lists");
    std::vector<std::deque<Sample>> restored(buckets_.size());
    for (size_t b = 0; b < pending.size(); ++b)
      for (const auto& j : pending[b]) {
        Sample s = sampleFromJson(j, where + " data.pending");
        s.root = reader_.root();
        restored[b].push_back(std::move(s));
      }
    stream_ = std::make_unique<RankStream>(reader_, 0, 1, seed_, p);
    pending_ = std::move(restored);
  } catch (const json::exception& e) {
    fail(where, std::string("data: ") + e.what());
  }
}

at::Tensor loadTargetImages(const std::vector<Sample>& samples, int width, int height) {
  std::vector<at::Tensor> out;
  for (const auto& s : samples) {
    Image img = readImage(s.absolute(s.image));
    // Centre crop to the bucket's aspect, then resize: no distortion.
    int cw = img.width, ch = img.height;
    if (static_cast<int64_t>(cw) * height > static_cast<int64_t>(ch) * width)
      cw = std::max(1, static_cast<int>(static_cast<int64_t>(ch) * width / height));
    else
      ch = std::max(1, static_cast<int>(static_cast<int64_t>(cw) * height / width));
    const int x0 = (img.width - cw) / 2, y0 = (img.height - ch) / 2;
    if (cw != img.width || ch != img.height) img = cropImage(img, x0, y0, x0 + cw, y0 + ch);
    if (img.width != width || img.height != height) img = resizeImage(img, width, height, Resample::Bicubic);
    out.push_back(imageToTensor(img, true, 1.0 / 255.0, true, {0.5f, 0.5f, 0.5f}, {0.5f, 0.5f, 0.5f}));
  }
  return at::stack(out, 0);
}

namespace {

// splitmix64: a stateless hash → uniform double in [0, 1).
double hashUniform(uint64_t a, uint64_t b, uint64_t c) {
  uint64_t z = a * 0x9E3779B97F4A7C15ULL ^ (b + 0x632BE59BD9B4E019ULL) * 0xBF58476D1CE4E5B9ULL ^ (c + 1) * 0x94D049BB133111EBULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) * (1.0 / 9007199254740992.0);
}

}  // namespace

std::vector<GenerationSegment> promptSegments(const Sample& sample, int maxImages, double imageOnly, double textOnly,
                                              uint64_t seed) {
  // Caption byte ranges to drop (the phrases of crops chosen to stand alone) and crops to leave out.
  std::vector<std::pair<size_t, size_t>> dropped;
  std::vector<bool> skipCrop(sample.segments.size(), false);
  int images = 0;
  for (size_t k = 0; k < sample.segments.size(); ++k) {
    const auto& g = sample.segments[k];
    if (g.kind != PromptSegment::Kind::Image) continue;
    if (images++ >= maxImages) continue;
    if (g.role != "object" || g.spanEnd <= g.spanBegin || imageOnly + textOnly <= 0) continue;
    const double u = hashUniform(seed, static_cast<uint64_t>(sample.index), k);
    if (u < imageOnly)
      dropped.emplace_back(g.spanBegin, g.spanEnd);
    else if (u < imageOnly + textOnly)
      skipCrop[k] = true;
  }
  std::vector<GenerationSegment> out;
  images = 0;
  for (size_t k = 0; k < sample.segments.size(); ++k) {
    const auto& g = sample.segments[k];
    if (g.kind == PromptSegment::Kind::Text) {
      if (dropped.empty()) {
        out.push_back(GenerationSegment::makeText(g.text));
        continue;
      }
      std::string kept;
      for (size_t i = 0; i < g.text.size(); ++i) {
        const size_t at = g.spanBegin + i;
        bool drop = false;
        for (const auto& [b, e] : dropped) drop = drop || (at >= b && at < e);
        if (!drop) kept += g.text[i];
      }
      // "a  and" → "a and": the dropped phrase leaves one space, not two.
      const std::string squeezed = squeezeSpaces(kept);
      if (!squeezed.empty()) out.push_back(GenerationSegment::makeText(squeezed));
    } else if (images++ < maxImages && !skipCrop[k]) {
      out.push_back(GenerationSegment::makeImage(readImage(sample.absolute(g.path))));
    }
  }
  return out;
}

}  // namespace mumu::training
