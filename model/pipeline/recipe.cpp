#include "model/pipeline/recipe.h"

#include <cmath>
#include <ctime>
#include <nlohmann/json.hpp>
#include <set>

#include "model/error.h"
#include "model/io/json_limits.h"
#include "mumu_version.h"

namespace mumu {

namespace {

using nlohmann::json;

// Every key a recipe of kSchemaVersion has; all are required.
const std::set<std::string>& recipeKeys() {
  static const std::set<std::string> keys = {
      "schema_version", "prompt",      "negative_prompt", "sampler",     "schedule_type", "steps", "cfg_scale",
      "seed",           "batch_seeds", "batch_index",     "width",       "height",        "rng",   "model",
      "model_hash",     "device",      "dtype",           "app_version", "created"};
  return keys;
}

std::string typeName(const json& v) {
  if (v.is_number_integer()) return "an integer";
  if (v.is_number()) return "a number";
  if (v.is_string()) return "a string";
  if (v.is_array()) return "a list";
  if (v.is_object()) return "an object";
  if (v.is_boolean()) return "a boolean";
  return "null";
}

class Reader {
 public:
  Reader(const json& doc, const std::string& source) : doc_(doc), source_(source) {}

  const json& at(const std::string& key) const {
    if (!doc_.contains(key)) fail(source_, "missing key '" + key + "'");
    return doc_.at(key);
  }
  [[noreturn]] void wrongType(const std::string& key, const char* expected) const {
    fail(source_, "key '" + key + "': expected " + expected + ", got " + typeName(at(key)));
  }
  std::string str(const std::string& key) const {
    const json& v = at(key);
    if (!v.is_string()) wrongType(key, "a string");
    return v.get<std::string>();
  }
  int64_t integer(const std::string& key) const {
    const json& v = at(key);
    if (!v.is_number_integer()) wrongType(key, "an integer");
    if (v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(INT64_MAX))
      fail(source_, "key '" + key + "': too large");
    return v.get<int64_t>();
  }
  int small(const std::string& key) const {
    const int64_t v = integer(key);
    if (v < INT32_MIN || v > INT32_MAX) fail(source_, "key '" + key + "': " + std::to_string(v) + " is out of range");
    return static_cast<int>(v);
  }
  static bool isSeed(const json& v) {
    return v.is_number_unsigned() || (v.is_number_integer() && v.get<int64_t>() >= 0);
  }
  uint64_t seed(const std::string& key) const {
    const json& v = at(key);
    if (!isSeed(v)) wrongType(key, "a non-negative integer");
    return v.get<uint64_t>();
  }
  double number(const std::string& key) const {
    const json& v = at(key);
    if (!v.is_number()) wrongType(key, "a number");
    return v.get<double>();
  }

 private:
  const json& doc_;
  const std::string& source_;
};

bool isHex(const std::string& s) {
  for (char c : s)
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

}  // namespace

std::string recipeAppVersion() {
  return MUMU_VERSION_STRING;
}

std::string currentTimestamp() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buf;
}

std::string recipeToJson(const Recipe& r, int indent) {
  // nlohmann's ordered_json keeps the keys in the order a person reads them.
  nlohmann::ordered_json j;
  j["schema_version"] = Recipe::kSchemaVersion;
  j["prompt"] = nlohmann::ordered_json::parse(promptToJson(r.prompt));
  j["negative_prompt"] = r.negativePrompt;
  j["sampler"] = r.sampler;
  j["schedule_type"] = r.scheduleType;
  j["steps"] = r.steps;
  j["cfg_scale"] = r.cfgScale;
  j["seed"] = r.seed;
  j["batch_seeds"] = r.batchSeeds;
  j["batch_index"] = r.batchIndex;
  j["width"] = r.width;
  j["height"] = r.height;
  j["rng"] = r.rngSource;
  j["model"] = r.modelName;
  j["model_hash"] = r.modelHash;
  j["device"] = r.deviceType;
  j["dtype"] = r.dtype;
  j["app_version"] = r.appVersion;
  j["created"] = r.created;
  return j.dump(indent, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

Recipe recipeFromJson(const std::string& text, const std::string& source) {
  checkJsonDepth(text, source);
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::exception& e) {
    fail(source, std::string("not valid JSON (") + e.what() + ")");
  }
  if (!doc.is_object()) fail(source, "expected a JSON object (a MUMU recipe)");
  const Reader in(doc, source);
  // The version first: a newer file may legitimately have keys this build does not know.
  const int64_t version = in.integer("schema_version");
  if (version > Recipe::kSchemaVersion)
    fail(source, "schema version " + std::to_string(version) + " is newer than this build reads (" +
                     std::to_string(Recipe::kSchemaVersion) + "); update MUMU Studio");
  if (version < 1) fail(source, "bad schema version " + std::to_string(version));
  for (const auto& [key, value] : doc.items())
    if (!recipeKeys().count(key)) fail(source, "unknown key '" + key + "'");

  Recipe r;
  if (!in.at("prompt").is_array()) in.wrongType("prompt", "a list of segments");
  r.prompt = promptFromJson(in.at("prompt").dump(), source + ".prompt");
  r.negativePrompt = in.str("negative_prompt");
  r.sampler = in.str("sampler");
  r.scheduleType = in.str("schedule_type");
  r.steps = in.small("steps");
  r.cfgScale = in.number("cfg_scale");
  r.seed = in.seed("seed");
  const json& seeds = in.at("batch_seeds");
  if (!seeds.is_array()) in.wrongType("batch_seeds", "a list of seeds");
  for (size_t i = 0; i < seeds.size(); ++i) {
    if (!Reader::isSeed(seeds[i]))
      fail(source, "key 'batch_seeds': element " + std::to_string(i) + " is not a non-negative integer");
    r.batchSeeds.push_back(seeds[i].get<uint64_t>());
  }
  r.batchIndex = in.small("batch_index");
  r.width = in.small("width");
  r.height = in.small("height");
  r.rngSource = in.str("rng");
  r.modelName = in.str("model");
  r.modelHash = in.str("model_hash");
  r.deviceType = in.str("device");
  r.dtype = in.str("dtype");
  r.appVersion = in.str("app_version");
  r.created = in.str("created");
  validateRecipe(r, source);
  return r;
}

void validateRecipe(const Recipe& r, const std::string& source) {
  if (r.sampler.empty()) fail(source, "key 'sampler': empty");
  if (r.steps < 1 || r.steps > 10000) fail(source, "key 'steps': " + std::to_string(r.steps) + " is outside 1 … 10000");
  if (!std::isfinite(r.cfgScale) || r.cfgScale < 0 || r.cfgScale > 100)
    fail(source, "key 'cfg_scale': " + formatNumber(r.cfgScale) + " is outside 0 … 100");
  if (r.width < 1 || r.width > 16384 || r.height < 1 || r.height > 16384)
    fail(source, "keys 'width'/'height': " + std::to_string(r.width) + "x" + std::to_string(r.height) +
                     " is outside 1 … 16384");
  if (r.batchSeeds.empty()) {
    if (r.batchIndex != 0) fail(source, "key 'batch_index': " + std::to_string(r.batchIndex) + " without batch_seeds");
  } else {
    if (r.batchIndex < 0 || static_cast<size_t>(r.batchIndex) >= r.batchSeeds.size())
      fail(source, "key 'batch_index': " + std::to_string(r.batchIndex) + " is outside the " +
                       std::to_string(r.batchSeeds.size()) + " batch seeds");
    if (r.batchSeeds[r.batchIndex] != r.seed)
      fail(source, "key 'seed': " + std::to_string(r.seed) + " differs from batch_seeds[" +
                       std::to_string(r.batchIndex) + "] = " + std::to_string(r.batchSeeds[r.batchIndex]));
  }
  if (!isHex(r.modelHash)) fail(source, "key 'model_hash': not hexadecimal");
  for (size_t i = 0; i < r.prompt.segments.size(); ++i) {
    const double w = r.prompt.segments[i].weight;
    if (!std::isfinite(w) || w < 0 || w > kMaxPromptWeight)
      fail(source, "prompt[" + std::to_string(i) + "].weight: " + formatNumber(w) + " is outside 0 … " +
                       formatNumber(kMaxPromptWeight));
  }
}

}  // namespace mumu
