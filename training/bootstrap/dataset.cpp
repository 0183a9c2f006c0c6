#include "dataset.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "model/error.h"
#include "training/sharding.h"

namespace mumu::training {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

json boxToJson(const Box& b) {
  return json::array({b.x0, b.y0, b.x1, b.y1});
}

// Field access with messages that name the field: "segments[2].path must be a string".
class Fields {
 public:
  Fields(const json& j, std::string where, std::string prefix = {})
      : j_(j), where_(std::move(where)), prefix_(std::move(prefix)) {
    if (!j_.is_object())
      fail(where_, (prefix_.empty() ? "a sample" : prefix_) + " must be a JSON object, got " + j_.type_name());
  }
  bool has(const char* key) const { return j_.contains(key) && !j_[key].is_null(); }
  std::string name(const char* key) const { return prefix_.empty() ? key : prefix_ + "." + key; }
  [[noreturn]] void bad(const char* key, const std::string& what) const { fail(where_, name(key) + " " + what); }

  std::string str(const char* key, bool required = true, bool nonEmpty = false) const {
    if (!has(key)) {
      if (required) bad(key, "is missing");
      return {};
    }
    if (!j_[key].is_string()) bad(key, std::string("must be a string, got ") + j_[key].type_name());
    std::string v = j_[key].get<std::string>();
    if (nonEmpty && v.empty()) bad(key, "must not be empty");
    return v;
  }
  int64_t integer(const char* key, int64_t lo, int64_t hi, bool required = true, int64_t fallback = 0) const {
    if (!has(key)) {
      if (required) bad(key, "is missing");
      return fallback;
    }
    if (!j_[key].is_number_integer()) bad(key, std::string("must be an integer, got ") + j_[key].type_name());
    const int64_t v = j_[key].get<int64_t>();
    if (v < lo || v > hi) bad(key, "= " + std::to_string(v) + " is out of range");
    return v;
  }
  double number(const char* key, bool required = true, double fallback = 0) const {
    if (!has(key)) {
      if (required) bad(key, "is missing");
      return fallback;
    }
    if (!j_[key].is_number()) bad(key, std::string("must be a number, got ") + j_[key].type_name());
    return j_[key].get<double>();
  }
  bool boolean(const char* key, bool fallback) const {
    if (!has(key)) return fallback;
    if (!j_[key].is_boolean()) bad(key, std::string("must be true or false, got ") + j_[key].type_name());
    return j_[key].get<bool>();
  }
  const json& array(const char* key, bool required = true) const {
    static const json empty = json::array();
    if (!has(key)) {
      if (required) bad(key, "is missing");
      return empty;
    }
    if (!j_[key].is_array()) bad(key, std::string("must be an array, got ") + j_[key].type_name());
    return j_[key];
  }
  Box box(const char* key) const {
    const json& a = array(key);
    if (a.size() != 4) bad(key, "must have 4 numbers");
    float v[4];
    for (size_t i = 0; i < 4; ++i) {
      if (!a[i].is_number()) bad(key, "must have 4 numbers");
      v[i] = a[i].get<float>();
    }
    return Box{v[0], v[1], v[2], v[3]};
  }
  std::pair<size_t, size_t> span(const char* key, size_t captionSize) const {
    const json& a = array(key);
    if (a.size() != 2 || !a[0].is_number_integer() || !a[1].is_number_integer() || a[0].get<int64_t>() < 0 ||
        a[1].get<int64_t>() < 0)
      bad(key, "must be [begin, end]");
    const size_t b = a[0].get<size_t>(), e = a[1].get<size_t>();
    if (b > e || e > captionSize)
      bad(key, "= [" + std::to_string(b) + ", " + std::to_string(e) + "] is outside the caption");
    return {b, e};
  }
  // A path inside the data set: relative, no "..", no empty parts.
  std::string path(const char* key, bool required = true) const {
    const std::string p = str(key, required, required);
    if (p.empty()) return p;
    if (p[0] == '/' || p.find('\\') != std::string::npos)
      bad(key, "= '" + p + "' must be relative to the data set folder");
    for (const auto& part : fs::path(p))
      if (part == ".." || part.empty()) bad(key, "= '" + p + "' may not leave the data set folder");
    return p;
  }

 private:
  const json& j_;
  std::string where_, prefix_;
};

void syncAndClose(int fd, const std::string& path) {
  if (::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    fail(path, std::string("cannot sync to disk: ") + std::strerror(err));
  }
  if (::close(fd) != 0) fail(path, std::string("cannot close: ") + std::strerror(errno));
}

}  // namespace

json sampleToJson(const Sample& s) {
  json segments = json::array();
  for (const auto& g : s.segments) {
    if (g.kind == PromptSegment::Kind::Text) {
      segments.push_back({{"type", "text"}, {"text", g.text}, {"span", {g.spanBegin, g.spanEnd}}});
      continue;
    }
    json j = {{"type", "image"}, {"role", g.role}, {"path", g.path}};
    if (!g.noBackgroundPath.empty()) j["nobg_path"] = g.noBackgroundPath;
    if (g.role == "object") {
      j["phrase"] = g.phrase;
      j["phrase_span"] = {g.spanBegin, g.spanEnd};
      j["box"] = boxToJson(g.box);
      j["detector_phrase"] = g.detectorPhrase;
      j["score"] = g.score;
      j["head"] = g.head;
    } else {
      j["style"] = g.style;
    }
    if (!g.augment.empty()) j["augment"] = g.augment;
    segments.push_back(std::move(j));
  }
  json j = {{"index", s.index},   {"id", s.id},           {"image", s.image},    {"width", s.width},
            {"height", s.height}, {"caption", s.caption}, {"segments", segments}};
  if (!s.style.empty()) j["style"] = s.style;
  if (!s.sceneId.empty()) j["scene_id"] = s.sceneId;
  if (s.scene) j["scene"] = *s.scene;
  if (!s.source.empty()) j["source"] = s.source;
  return j;
}

Sample sampleFromJson(const json& j, const std::string& where) {
  const Fields f(j, where);
  Sample s;
  s.index = f.integer("index", 0, INT64_MAX);
  s.id = f.str("id", true, true);
  s.image = f.path("image");
  s.width = static_cast<int>(f.integer("width", 1, 1 << 20));
  s.height = static_cast<int>(f.integer("height", 1, 1 << 20));
  s.caption = f.str("caption");
  s.style = f.str("style", false);
  s.sceneId = f.str("scene_id", false);
  s.source = f.str("source", false);
  if (f.has("scene")) {
    try {
      s.scene = j["scene"].get<Scene>();
    } catch (const Error& e) {
      fail(where, std::string("scene: ") + e.what());
    }
  }
  const json& segments = f.array("segments");
  for (size_t i = 0; i < segments.size(); ++i) {
    const Fields g(segments[i], where, "segments[" + std::to_string(i) + "]");
    PromptSegment seg;
    const std::string type = g.str("type");
    if (type == "text") {
      seg.kind = PromptSegment::Kind::Text;
      seg.text = g.str("text");
      std::tie(seg.spanBegin, seg.spanEnd) = g.span("span", s.caption.size());
    } else if (type == "image") {
      seg.kind = PromptSegment::Kind::Image;
      seg.role = g.str("role");
      seg.path = g.path("path");
      seg.noBackgroundPath = g.path("nobg_path", false);
      if (seg.role == "object") {
        seg.phrase = g.str("phrase");
        std::tie(seg.spanBegin, seg.spanEnd) = g.span("phrase_span", s.caption.size());
        seg.box = g.box("box");
        seg.detectorPhrase = g.str("detector_phrase", false);
        seg.score = static_cast<float>(g.number("score", false, 0));
        seg.head = g.boolean("head", false);
      } else if (seg.role == "style") {
        seg.style = g.str("style");
      } else {
        g.bad("role", "= '" + seg.role + "' is not \"object\" or \"style\"");
      }
      for (const auto& a : g.array("augment", false)) {
        if (!a.is_string()) g.bad("augment", "must list strings");
        seg.augment.push_back(a.get<std::string>());
      }
    } else {
      g.bad("type", "= '" + type + "' is not \"text\" or \"image\"");
    }
    s.segments.push_back(std::move(seg));
  }
  return s;
}

int64_t DatasetInfo::numSamples() const {
  int64_t n = 0;
  for (const auto& s : shards) n += s.samples;
  return n;
}

json datasetInfoToJson(const DatasetInfo& d) {
  json shards = json::array();
  for (const auto& s : d.shards)
    shards.push_back({{"name", s.name},
                      {"manifest", s.name + "/manifest.jsonl"},
                      {"samples", s.samples},
                      {"first_index", s.firstIndex},
                      {"indices", s.indices}});
  return {{"format", kDatasetFormat},
          {"schema_version", d.schemaVersion},
          {"kind", d.kind},
          {"seed", d.seed},
          {"fingerprint", d.fingerprint},
          {"options", d.options},
          {"shard_size", d.shardSize},
          {"planned_samples", d.plannedSamples},
          {"complete", d.complete},
          {"counts", d.counts},
          {"shards", shards}};
}

DatasetInfo datasetInfoFromJson(const json& j, const std::string& where) {
  const Fields f(j, where, "dataset.json");
  if (f.str("format") != kDatasetFormat)
    fail(where,
         "not a MUMU bootstrap data set (format is '" + f.str("format") + "', expected '" + kDatasetFormat + "')");
  DatasetInfo d;
  d.schemaVersion = static_cast<int>(f.integer("schema_version", 1, 1 << 20));
  if (d.schemaVersion > kDatasetSchemaVersion)
    fail(where, "schema version " + std::to_string(d.schemaVersion) + " is newer than this build reads (" +
                    std::to_string(kDatasetSchemaVersion) + "); update MUMU");
  if (d.schemaVersion < kDatasetSchemaVersion)
    fail(where, "schema version " + std::to_string(d.schemaVersion) + " is no longer supported; bootstrap again");
  d.kind = f.str("kind");
  if (d.kind != "synthetic" && d.kind != "photos")
    f.bad("kind", "= '" + d.kind + "' is not \"synthetic\" or \"photos\"");
  if (!j.contains("seed") || !j["seed"].is_number_unsigned()) f.bad("seed", "must be a non-negative integer");
  d.seed = j["seed"].get<uint64_t>();
  d.fingerprint = f.str("fingerprint");
  d.options = j.contains("options") ? j["options"] : json::object();
  d.shardSize = f.integer("shard_size", 1, INT64_MAX);
  d.plannedSamples = f.integer("planned_samples", 0, INT64_MAX);
  d.complete = f.boolean("complete", false);
  if (j.contains("counts")) d.counts = j["counts"];
  const json& shards = f.array("shards");
  for (size_t i = 0; i < shards.size(); ++i) {
    const Fields s(shards[i], where, "shards[" + std::to_string(i) + "]");
    ShardInfo info;
    info.name = s.str("name", true, true);
    if (info.name != shardName(static_cast<int64_t>(i)))
      s.bad("name", "= '" + info.name + "', expected '" + shardName(static_cast<int64_t>(i)) + "'");
    info.samples = s.integer("samples", 0, INT64_MAX);
    info.firstIndex = s.integer("first_index", 0, INT64_MAX);
    info.indices = s.integer("indices", 0, INT64_MAX);
    d.shards.push_back(info);
  }
  return d;
}

std::string shardName(int64_t index) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "shard-%05lld", static_cast<long long>(index));
  return buf;
}

void writeFileAtomically(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".part";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail(path, std::string("cannot create: ") + std::strerror(errno));
  size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      fail(path, std::string("cannot write: ") + std::strerror(err));
    }
    done += static_cast<size_t>(n);
  }
  syncAndClose(fd, tmp);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    fail(path, std::string("cannot move into place: ") + std::strerror(err));
  }
  // the rename itself must survive a crash: sync the folder
  const std::string dir = fs::path(path).parent_path().string();
  const int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

bool isShardComplete(const std::string& datasetDir, int64_t index) {
  std::error_code ec;
  return fs::is_regular_file(fs::path(datasetDir) / shardName(index) / "manifest.jsonl", ec) &&
         fs::is_regular_file(fs::path(datasetDir) / shardName(index) / "stats.json", ec);
}

ShardWriter::ShardWriter(std::string datasetDir, int64_t index)
    : dir_(std::move(datasetDir)), name_(shardName(index)), shardDir_(dir_ + "/" + name_) {
  std::error_code ec;
  fs::remove_all(shardDir_, ec);
  if (ec) fail(shardDir_, "cannot remove the partial shard: " + ec.message());
  fs::create_directories(shardDir_, ec);
  if (ec) fail(shardDir_, "cannot create: " + ec.message());
}

std::string ShardWriter::writeImage(const std::string& fileName, const Image& image) {
  mumu::writeImage(shardDir_ + "/" + fileName, image);
  return relativePath(fileName);
}

void ShardWriter::add(const Sample& sample) {
  manifest_ += sampleToJson(sample).dump(-1, ' ', false, json::error_handler_t::replace);
  manifest_ += '\n';
  ++count_;
}

void ShardWriter::finish(const json& stats) {
  writeFileAtomically(shardDir_ + "/stats.json", stats.dump(2, ' ', false, json::error_handler_t::replace) + "\n");
  writeFileAtomically(shardDir_ + "/manifest.jsonl", manifest_);  // last: marks the shard complete
}

DatasetReader DatasetReader::open(const std::string& dir, const ReaderOptions& options) {
  DatasetReader r;
  r.root_ = dir;
  while (r.root_.size() > 1 && r.root_.back() == '/') r.root_.pop_back();
  const std::string file = r.root_ + "/dataset.json";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) fail(dir, "no such data set folder");
  if (!fs::is_regular_file(file, ec)) fail(file, "missing: not a bootstrapped data set (or bootstrap has not started)");
  std::ifstream in(file, std::ios::binary);
  json j;
  try {
    j = json::parse(in);
  } catch (const json::parse_error& e) {
    fail(file, std::string("not valid JSON: ") + e.what());
  }
  r.info_ = datasetInfoFromJson(j, file);
  if (!r.info_.complete && !options.allowIncomplete)
    fail(file,
         "the data set is incomplete (bootstrap was interrupted); run the same bootstrap command again to "
         "finish it");
  if (!r.info_.complete) {  // keep the shards that are finished
    for (auto& s : r.info_.shards)
      if (!isShardComplete(r.root_, &s - r.info_.shards.data())) s.samples = 0;
  }
  return r;
}

std::vector<Sample> DatasetReader::readShard(int64_t shard) const {
  if (shard < 0 || shard >= numShards())
    fail(root_,
         "shard " + std::to_string(shard) + " does not exist (the data set has " + std::to_string(numShards()) + ")");
  const ShardInfo& info = info_.shards[static_cast<size_t>(shard)];
  const std::string rel = info.name + "/manifest.jsonl";
  const std::string file = root_ + "/" + rel;
  std::vector<Sample> out;
  if (!info_.complete && !isShardComplete(root_, shard)) return out;
  std::ifstream in(file, std::ios::binary);
  if (!in) fail("manifest " + rel, "missing or unreadable in " + root_);
  std::string line;
  int lineNo = 0;
  while (std::getline(in, line)) {
    ++lineNo;
    const std::string where = "manifest " + rel + ":" + std::to_string(lineNo);
    if (line.empty()) fail(where, "empty line");
    json j;
    try {
      j = json::parse(line);
    } catch (const json::parse_error& e) {
      std::string m = e.what();
      if (auto p = m.find("parse error at line 1, "); p != std::string::npos) m = m.substr(p + 23);
      fail(where, "not valid JSON: " + m);
    }
    Sample s = sampleFromJson(j, where);
    if (s.index < info.firstIndex || s.index >= info.firstIndex + info.indices)
      fail(where, "index " + std::to_string(s.index) + " does not belong to this shard");
    s.root = root_;
    s.manifest = rel;
    s.line = lineNo;
    out.push_back(std::move(s));
  }
  if (static_cast<int64_t>(out.size()) != info.samples)
    fail("manifest " + rel,
         "has " + std::to_string(out.size()) + " samples, dataset.json says " + std::to_string(info.samples));
  return out;
}

std::vector<int64_t> DatasetReader::shardsForRank(int rank, int worldSize, uint64_t seed, int64_t epoch) const {
  return training::shardsForRank(numShards(), rank, worldSize, seed, epoch);
}

std::vector<Sample> DatasetReader::samplesForRank(int rank, int worldSize, uint64_t seed, int64_t epoch) const {
  std::vector<Sample> out;
  for (int64_t s : shardsForRank(rank, worldSize, seed, epoch)) {
    auto part = readShard(s);
    out.insert(out.end(), std::make_move_iterator(part.begin()), std::make_move_iterator(part.end()));
  }
  return out;
}

RankStream::RankStream(const DatasetReader& reader, int rank, int worldSize, uint64_t seed, StreamPosition start)
    : reader_(reader), rank_(rank), worldSize_(worldSize), seed_(seed), pos_(start) {
  shards_ = reader_.shardsForRank(rank_, worldSize_, seed_, pos_.epoch);
  if (shards_.empty())
    fail(reader_.root(), "rank " + std::to_string(rank) + " of " + std::to_string(worldSize) +
                             " gets no shard: the data set has " + std::to_string(reader_.numShards()) +
                             " (bootstrap it with a smaller --shard-size)");
  if (pos_.shardCursor < 0 || pos_.shardCursor >= static_cast<int64_t>(shards_.size()) || pos_.sampleCursor < 0)
    fail(reader_.root(), "stream position is outside the rank's shards");
}

void RankStream::load() {
  const int64_t shard = shards_[static_cast<size_t>(pos_.shardCursor)];
  if (shard != loadedShard_) {
    samples_ = reader_.readShard(shard);
    loadedShard_ = shard;
  }
}

Sample RankStream::next() {
  // skip empty shards (a shard whose every input failed), but not forever
  for (size_t guard = 0; guard <= shards_.size() + 1; ++guard) {
    load();
    if (pos_.sampleCursor < static_cast<int64_t>(samples_.size())) {
      return samples_[static_cast<size_t>(pos_.sampleCursor++)];
    }
    pos_.sampleCursor = 0;
    if (++pos_.shardCursor >= static_cast<int64_t>(shards_.size())) {
      pos_.shardCursor = 0;
      ++pos_.epoch;
      shards_ = reader_.shardsForRank(rank_, worldSize_, seed_, pos_.epoch);
      loadedShard_ = -1;
    }
  }
  fail(reader_.root(), "rank " + std::to_string(rank_) + " has no samples in its shards");
}

}  // namespace mumu::training
