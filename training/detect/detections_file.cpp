#include "detections_file.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "model/error.h"

namespace mumu::training {
namespace {

using nlohmann::json;

constexpr std::uintmax_t kMaxFileBytes = 1ULL << 30;

// nlohmann's "[json.exception.parse_error.101] parse error at line 1, column 5: …" → "column 5: …" for a
// single JSON Lines line, or "line 3, column 5: …" for a document.
std::string parseErrorText(const json::parse_error& e, bool singleLine) {
  std::string s = e.what();
  const std::string marker = "parse error at ";
  if (auto p = s.find(marker); p != std::string::npos) s = s.substr(p + marker.size());
  if (singleLine && s.rfind("line 1, ", 0) == 0) s = s.substr(8);
  return s;
}

std::string typeName(const json& v) {
  return v.type_name();
}

// Finds "image": "…" in a line that is not valid JSON, so its error can still be put on the sample.
std::string imageNameInBrokenLine(const std::string& line) {
  const std::string key = "\"image\"";
  size_t p = line.find(key);
  if (p == std::string::npos) return {};
  p = line.find(':', p + key.size());
  if (p == std::string::npos) return {};
  p = line.find('"', p);
  if (p == std::string::npos) return {};
  const size_t e = line.find('"', p + 1);
  if (e == std::string::npos) return {};
  return line.substr(p + 1, e - p - 1);
}

std::string normalizeName(std::string name) {
  while (name.rfind("./", 0) == 0) name = name.substr(2);
  return name;
}

// Fills `entry` from `obj`; returns the error text (empty when fine).
std::string parseEntry(const json& obj, const std::string& defaultFormat, DetectionsFile::Entry& entry) {
  if (!obj.is_object()) return "expected an object {\"image\": …, \"boxes\": …}, got " + typeName(obj);
  if (!obj.contains("image")) return "missing \"image\"";
  if (!obj["image"].is_string() || obj["image"].get<std::string>().empty())
    return "\"image\" must be a non-empty string, got " + typeName(obj["image"]);
  entry.image = normalizeName(obj["image"].get<std::string>());
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    static const char* known[] = {"image", "box_format", "boxes", "phrases", "scores", "logits", "size"};
    if (std::find(std::begin(known), std::end(known), it.key()) == std::end(known))
      return "unknown key \"" + it.key() + "\" (expected image, box_format, boxes, phrases, scores/logits, size)";
  }
  std::string format = defaultFormat;
  if (obj.contains("box_format")) {
    if (!obj["box_format"].is_string()) return "\"box_format\" must be a string";
    format = obj["box_format"].get<std::string>();
  }
  if (format != "xyxy" && format != "cxcywh")
    return "unknown box_format \"" + format + "\" (expected \"xyxy\" pixels or \"cxcywh\" normalised)";
  entry.normalized = format == "cxcywh";
  if (!obj.contains("boxes")) return "missing \"boxes\"";
  if (!obj.contains("phrases")) return "missing \"phrases\"";
  const json& boxes = obj["boxes"];
  const json& phrases = obj["phrases"];
  if (!boxes.is_array()) return "\"boxes\" must be an array of [4 numbers], got " + typeName(boxes);
  if (!phrases.is_array()) return "\"phrases\" must be an array of strings, got " + typeName(phrases);
  for (size_t i = 0; i < boxes.size(); ++i) {
    const json& b = boxes[i];
    if (!b.is_array() || b.size() != 4)
      return "boxes[" + std::to_string(i) + "] must be an array of 4 numbers, got " +
             (b.is_array() ? std::to_string(b.size()) + " values" : typeName(b));
    std::array<double, 4> v{};
    for (size_t k = 0; k < 4; ++k) {
      if (!b[k].is_number())
        return "boxes[" + std::to_string(i) + "][" + std::to_string(k) + "] must be a number, got " + typeName(b[k]);
      v[k] = b[k].get<double>();
      if (!std::isfinite(v[k])) return "boxes[" + std::to_string(i) + "] has a non-finite value";
    }
    entry.boxes.push_back(v);
  }
  for (size_t i = 0; i < phrases.size(); ++i) {
    if (!phrases[i].is_string())
      return "phrases[" + std::to_string(i) + "] must be a string, got " + typeName(phrases[i]);
    entry.phrases.push_back(phrases[i].get<std::string>());
  }
  if (entry.phrases.size() != entry.boxes.size())
    return std::to_string(entry.boxes.size()) + " boxes but " + std::to_string(entry.phrases.size()) + " phrases";
  if (obj.contains("scores") && obj.contains("logits")) return "both \"scores\" and \"logits\": give one";
  const char* scoreKey = obj.contains("scores") ? "scores" : obj.contains("logits") ? "logits" : nullptr;
  if (scoreKey) {
    const json& s = obj[scoreKey];
    if (!s.is_array()) return std::string("\"") + scoreKey + "\" must be an array of numbers, got " + typeName(s);
    if (s.size() != entry.boxes.size())
      return std::to_string(entry.boxes.size()) + " boxes but " + std::to_string(s.size()) + " " + scoreKey;
    for (size_t i = 0; i < s.size(); ++i) {
      if (!s[i].is_number())
        return std::string(scoreKey) + "[" + std::to_string(i) + "] must be a number, got " + typeName(s[i]);
      const double v = s[i].get<double>();
      if (!(v >= 0 && v <= 1))
        return std::string(scoreKey) + "[" + std::to_string(i) + "] = " + s[i].dump() +
               " is outside [0, 1] (scores are sigmoid probabilities, as GroundingDINO's predict() returns)";
      entry.scores.push_back(v);
    }
  } else {
    entry.scores.assign(entry.boxes.size(), 1.0);
  }
  if (obj.contains("size")) {
    const json& sz = obj["size"];
    if (!sz.is_array() || sz.size() != 2 || !sz[0].is_number_integer() || !sz[1].is_number_integer() ||
        sz[0].get<int64_t>() <= 0 || sz[1].get<int64_t>() <= 0 || sz[0].get<int64_t>() > 1 << 20 ||
        sz[1].get<int64_t>() > 1 << 20)
      return "\"size\" must be [width, height] with positive integers";
    entry.width = sz[0].get<int>();
    entry.height = sz[1].get<int>();
  }
  return {};
}

}  // namespace

DetectionsFile DetectionsFile::load(const std::string& path) {
  DetectionsFile f;
  f.path_ = path;
  const std::string where = "detections file " + path;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) fail(where, "not found (or not a regular file)");
  if (std::filesystem::file_size(path, ec) > kMaxFileBytes) fail(where, "larger than 1 GiB");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(where, "cannot be opened");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  if (text.rfind("\xEF\xBB\xBF", 0) == 0) text = text.substr(3);  // UTF-8 byte-order mark
  const std::string name = std::filesystem::path(path).filename().string();

  auto add = [&](Entry e, const std::string& error) {
    e.error = error;
    if (e.image.empty()) {
      f.problems_.push_back(e.where + ": " + (error.empty() ? "entry names no image" : error));
      return;
    }
    if (auto it = f.byName_.find(e.image); it != f.byName_.end()) {
      f.problems_.push_back(e.where + ": image '" + e.image + "' already has detections at " +
                            f.entries_[it->second].where + "; this entry is ignored");
      return;
    }
    f.byName_[e.image] = f.entries_.size();
    f.entries_.push_back(std::move(e));
  };

  const bool lines = path.size() >= 6 && path.compare(path.size() - 6, 6, ".jsonl") == 0;
  if (lines) {
    std::istringstream ls(text);
    std::string line;
    int lineNo = 0;
    while (std::getline(ls, line)) {
      ++lineNo;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.find_first_not_of(" \t") == std::string::npos) continue;
      Entry e;
      e.where = name + ":" + std::to_string(lineNo);
      json obj;
      try {
        obj = json::parse(line);
      } catch (const json::parse_error& err) {
        e.image = normalizeName(imageNameInBrokenLine(line));
        add(std::move(e), "not valid JSON: " + parseErrorText(err, true));
        continue;
      }
      const std::string error = parseEntry(obj, "xyxy", e);
      if (!error.empty() && e.image.empty() && obj.is_object() && obj.contains("image") && obj["image"].is_string())
        e.image = normalizeName(obj["image"].get<std::string>());
      add(std::move(e), error);
    }
  } else {
    json doc;
    try {
      doc = json::parse(text);
    } catch (const json::parse_error& err) {
      fail(where, "not valid JSON: " + parseErrorText(err, false));
    }
    std::string defaultFormat = "xyxy";
    const json* list = &doc;
    if (doc.is_object()) {
      if (!doc.contains("detections") || !doc["detections"].is_array())
        fail(where, "expected an array of entries or an object with a \"detections\" array");
      if (doc.contains("box_format")) {
        if (!doc["box_format"].is_string()) fail(where, "\"box_format\" must be a string");
        defaultFormat = doc["box_format"].get<std::string>();
      }
      list = &doc["detections"];
    } else if (!doc.is_array()) {
      fail(where, "expected an array of entries or an object with a \"detections\" array, got " + typeName(doc));
    }
    for (size_t i = 0; i < list->size(); ++i) {
      Entry e;
      e.where = name + ": detections[" + std::to_string(i) + "]";
      const json& obj = (*list)[i];
      const std::string error = parseEntry(obj, defaultFormat, e);
      if (!error.empty() && e.image.empty() && obj.is_object() && obj.contains("image") && obj["image"].is_string())
        e.image = normalizeName(obj["image"].get<std::string>());
      add(std::move(e), error);
    }
  }
  // base names, for captions files that give bare names while detections carry folders (or vice versa)
  std::map<std::string, int> baseCount;
  for (const auto& e : f.entries_) ++baseCount[std::filesystem::path(e.image).filename().string()];
  for (size_t i = 0; i < f.entries_.size(); ++i) {
    const std::string base = std::filesystem::path(f.entries_[i].image).filename().string();
    if (baseCount[base] == 1) f.byBaseName_[base] = i;
  }
  return f;
}

const DetectionsFile::Entry* DetectionsFile::find(const std::string& image) const {
  const std::string n = normalizeName(image);
  if (auto it = byName_.find(n); it != byName_.end()) return &entries_[it->second];
  if (auto it = byBaseName_.find(std::filesystem::path(n).filename().string()); it != byBaseName_.end())
    return &entries_[it->second];
  return nullptr;
}

std::vector<Detection> DetectionsFile::detectionsFor(const std::string& image, int width, int height,
                                                     const std::string& sampleId) const {
  const Entry* e = find(image);
  if (!e) return {};
  if (!e->error.empty()) fail(e->where, "sample '" + sampleId + "': " + e->error);
  if (e->width && (e->width != width || e->height != height))
    fail(e->where, "sample '" + sampleId + "': the boxes are for a " + std::to_string(e->width) + "x" +
                       std::to_string(e->height) + " image, but the image is " + std::to_string(width) + "x" +
                       std::to_string(height));
  std::vector<Detection> out;
  for (size_t i = 0; i < e->boxes.size(); ++i) {
    const auto& b = e->boxes[i];
    Detection d;
    if (e->normalized) {
      d.box = Box{static_cast<float>((b[0] - b[2] / 2) * width), static_cast<float>((b[1] - b[3] / 2) * height),
                  static_cast<float>((b[0] + b[2] / 2) * width), static_cast<float>((b[1] + b[3] / 2) * height)};
    } else {
      d.box =
          Box{static_cast<float>(b[0]), static_cast<float>(b[1]), static_cast<float>(b[2]), static_cast<float>(b[3])};
    }
    d.phrase = e->phrases[i];
    d.score = static_cast<float>(e->scores[i]);
    out.push_back(std::move(d));
  }
  return out;
}

std::vector<Detection> DetectionsFileDetector::detect(const Image& image, const std::vector<std::string>&,
                                                      const std::string& sampleId) {
  return file_.detectionsFor(sampleId, image.width, image.height, sampleId);
}

}  // namespace mumu::training
