#include "model/io/tfjs_weights.h"

#include "model/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <set>
#include <sstream>
#include <unordered_map>

// Shards are little-endian; the decoders copy bytes straight into tensors.
static_assert(std::endian::native == std::endian::little, "tfjs weights need a little-endian host");

namespace mumu {

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

constexpr uint64_t kMaxJsonBytes = 256ull << 20;  // the largest real model.json is a few MB
constexpr uint64_t kMaxShardBytes = 8ull << 30;   // a group's shards; real ones are < 100 MB
constexpr int kMaxJsonDepth = 32;                 // model.json nests ~12 deep (node.attr.value.tensor.…)
constexpr int64_t kMaxElements = int64_t{1} << 40;

std::string inQuotes(const std::string& s) {
  return "'" + s + "'";
}

std::string shapeString(const std::vector<int64_t>& shape) {
  std::ostringstream s;
  s << '[';
  for (size_t i = 0; i < shape.size(); ++i) s << (i ? ", " : "") << shape[i];
  s << ']';
  return s.str();
}

std::string readWholeFile(const std::string& path, uint64_t maxBytes, const std::string& what) {
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (ec || !fs::exists(status)) fail(path, what + " not found");
  if (fs::is_directory(status)) fail(path, "is a directory, expected " + what);
  const uint64_t size = fs::file_size(path, ec);
  if (ec) fail(path, "cannot read " + what + " (" + ec.message() + ")");
  if (size > maxBytes)
    fail(path, what + " is " + std::to_string(size) + " bytes, more than the limit of " + std::to_string(maxBytes));
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot open " + what + " for reading");
  std::string bytes(size, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  if (static_cast<uint64_t>(in.gcount()) != size) fail(path, "short read of " + what);
  return bytes;
}

// JSON with its nesting bounded (a hostile file of a million '[' must not exhaust the stack).
Json parseJson(const std::string& path, const std::string& text) {
  bool tooDeep = false;
  auto callback = [&](int depth, Json::parse_event_t event, Json&) {
    if ((event == Json::parse_event_t::object_start || event == Json::parse_event_t::array_start) &&
        depth > kMaxJsonDepth) {
      tooDeep = true;
      return false;
    }
    return true;
  };
  Json json;
  try {
    json = Json::parse(text, callback);
  } catch (const Json::exception& e) {
    fail(path, std::string("not valid JSON (") + e.what() + ")");
  }
  if (tooDeep) fail(path, "JSON nests deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  return json;
}

// proto3 JSON writes int64 as a string; tfjs files use both forms.
std::optional<int64_t> jsonInt(const Json& v) {
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9e15) return static_cast<int64_t>(d);
    return std::nullopt;
  }
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    if (s.empty() || s.size() > 20) return std::nullopt;
    size_t used = 0;
    try {
      const long long x = std::stoll(s, &used);
      if (used != s.size()) return std::nullopt;
      return x;
    } catch (...) {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

std::optional<double> jsonFloat(const Json& v) {
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    if (s == "NaN") return std::numeric_limits<double>::quiet_NaN();
    if (s == "Infinity") return std::numeric_limits<double>::infinity();
    if (s == "-Infinity") return -std::numeric_limits<double>::infinity();
  }
  return std::nullopt;
}

std::optional<std::string> base64Decode(const std::string& in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;  // standard and URL-safe alphabets (proto3 JSON accepts both)
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  size_t padding = 0;
  for (char c : in) {
    if (c == '=') {
      ++padding;
      continue;
    }
    if (padding) return std::nullopt;  // data after padding
    const int v = value(c);
    if (v < 0) return std::nullopt;
    buffer = (buffer << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
    }
  }
  if (padding > 2) return std::nullopt;
  return out;
}

// ---- weights manifest ---------------------------------------------------------------------------------------------

size_t storedElementSize(const TfjsWeightEntry& e) {
  if (e.quantization) return e.quantization->dtype == "uint8" ? 1 : 2;
  return e.dtype == "bool" ? 1 : 4;
}

TfjsWeightEntry parseWeightEntry(const std::string& path, const Json& w, const std::string& where) {
  if (!w.is_object()) fail(path, where + " is not an object");
  TfjsWeightEntry e;
  if (!w.contains("name") || !w["name"].is_string() || w["name"].get<std::string>().empty())
    fail(path, where + " has no name");
  e.name = w["name"].get<std::string>();
  const std::string at = where + " (" + inQuotes(e.name) + ")";
  if (!w.contains("shape") || !w["shape"].is_array()) fail(path, at + ": shape is missing or not a list");
  if (w["shape"].size() > 8) fail(path, at + ": shape has more than 8 dimensions");
  int64_t count = 1;
  for (const auto& d : w["shape"]) {
    const auto n = jsonInt(d);
    if (!n || *n < 0) fail(path, at + ": shape is not a list of non-negative integers");
    e.shape.push_back(*n);
    if (*n != 0 && count > kMaxElements / *n) fail(path, at + ": shape " + shapeString(e.shape) + " is too large");
    count *= *n;
  }
  if (!w.contains("dtype") || !w["dtype"].is_string()) fail(path, at + ": dtype is missing");
  e.dtype = w["dtype"].get<std::string>();
  if (e.dtype != "float32" && e.dtype != "int32" && e.dtype != "bool")
    fail(path, at + ": dtype " + inQuotes(e.dtype) + " is not supported (float32, int32, bool)");
  if (w.contains("quantization") && !w["quantization"].is_null()) {
    const Json& q = w["quantization"];
    if (!q.is_object() || !q.contains("dtype") || !q["dtype"].is_string())
      fail(path, at + ": quantization has no dtype");
    TfjsQuantization quant;
    quant.dtype = q["dtype"].get<std::string>();
    if (quant.dtype == "uint8" || quant.dtype == "uint16") {
      const double nan = std::numeric_limits<double>::quiet_NaN();
      quant.scale = q.contains("scale") ? jsonFloat(q["scale"]).value_or(nan) : nan;
      quant.min = q.contains("min") ? jsonFloat(q["min"]).value_or(nan) : nan;
      if (!std::isfinite(quant.scale) || quant.scale < 0)
        fail(path, at + ": " + quant.dtype + " quantization needs a finite, non-negative scale");
      if (!std::isfinite(quant.min)) fail(path, at + ": " + quant.dtype + " quantization needs a finite min");
      if (e.dtype == "bool") fail(path, at + ": a bool weight cannot be quantized");
    } else if (quant.dtype == "float16") {
      if (e.dtype != "float32") fail(path, at + ": float16 quantization of a " + e.dtype + " weight");
    } else {
      fail(path, at + ": quantization dtype " + inQuotes(quant.dtype) + " is not supported (uint8, uint16, float16)");
    }
    e.quantization = quant;
  }
  e.bytes = static_cast<uint64_t>(count) * storedElementSize(e);
  return e;
}

// A shard path must stay inside the manifest's folder.
fs::path shardPath(const std::string& manifest, const Json& p, const std::string& where) {
  if (!p.is_string() || p.get<std::string>().empty()) fail(manifest, where + " is not a file name");
  const fs::path rel(p.get<std::string>());
  if (rel.is_absolute()) fail(manifest, where + " " + inQuotes(rel.string()) + " is an absolute path");
  for (const auto& part : rel)
    if (part == "..") fail(manifest, where + " " + inQuotes(rel.string()) + " leaves the model's folder");
  return fs::path(manifest).parent_path() / rel;
}

at::Tensor decodeWeight(const uint8_t* data, const TfjsWeightEntry& e) {
  int64_t count = 1;
  for (int64_t d : e.shape) count *= d;
  at::Tensor values;
  if (e.quantization && e.quantization->dtype == "float16") {
    values = at::empty({count}, at::kHalf);
    std::memcpy(values.data_ptr(), data, e.bytes);
    values = values.to(at::kFloat);
  } else if (e.quantization) {
    // Affine: q·scale + min in double, then rounded to the weight's dtype, as tfjs computes it.
    at::Tensor q = at::empty({count}, at::kInt);
    int32_t* out = q.data_ptr<int32_t>();
    if (e.quantization->dtype == "uint8") {
      for (int64_t i = 0; i < count; ++i) out[i] = data[i];
    } else {
      for (int64_t i = 0; i < count; ++i) {
        uint16_t v;
        std::memcpy(&v, data + 2 * i, 2);
        out[i] = v;
      }
    }
    values = q.to(at::kDouble) * e.quantization->scale + e.quantization->min;
    values = e.dtype == "int32" ? at::floor(values + 0.5).to(at::kInt) : values.to(at::kFloat);
  } else if (e.dtype == "bool") {
    values = at::empty({count}, at::kByte);
    std::memcpy(values.data_ptr(), data, e.bytes);
    values = values.ne(0);
  } else {
    values = at::empty({count}, e.dtype == "int32" ? at::kInt : at::kFloat);
    std::memcpy(values.data_ptr(), data, e.bytes);
  }
  return values.reshape(e.shape);
}

TfjsWeights readWeightsManifest(const std::string& path, const Json& manifest) {
  if (!manifest.is_array()) fail(path, "weightsManifest is not a list of groups");
  TfjsWeights result;
  std::set<std::string> names;
  for (size_t g = 0; g < manifest.size(); ++g) {
    const Json& group = manifest[g];
    const std::string gw = "weightsManifest[" + std::to_string(g) + "]";
    if (!group.is_object()) fail(path, gw + " is not an object");
    if (!group.contains("paths") || !group["paths"].is_array()) fail(path, gw + ".paths is missing or not a list");
    if (!group.contains("weights") || !group["weights"].is_array())
      fail(path, gw + ".weights is missing or not a list");

    std::vector<TfjsWeightEntry> entries;
    uint64_t needed = 0;
    const Json& weights = group["weights"];
    for (size_t i = 0; i < weights.size(); ++i) {
      TfjsWeightEntry e = parseWeightEntry(path, weights[i], gw + ".weights[" + std::to_string(i) + "]");
      if (!names.insert(e.name).second) fail(path, "weight " + inQuotes(e.name) + " appears twice");
      e.group = g;
      e.offset = needed;
      needed += e.bytes;
      if (needed > kMaxShardBytes)
        fail(path, gw + ": its weights need more than " + std::to_string(kMaxShardBytes) + " bytes");
      entries.push_back(std::move(e));
    }

    // Sizes first, so a manifest claiming more data than exists never allocates it.
    std::vector<fs::path> shards;
    uint64_t available = 0;
    std::string shardList;
    for (size_t i = 0; i < group["paths"].size(); ++i) {
      shards.push_back(shardPath(path, group["paths"][i], gw + ".paths[" + std::to_string(i) + "]"));
      std::error_code ec;
      const auto size = fs::file_size(shards.back(), ec);
      if (ec) fail(shards.back().string(), "weight shard not found or unreadable (named by " + path + ")");
      available += size;
      shardList += (i ? ", " : "") + shards.back().filename().string();
    }
    if (available != needed)
      fail(path, gw + ": the shards (" + shardList + ") hold " + std::to_string(available) +
                     " bytes, the weights need " + std::to_string(needed) +
                     (available < needed ? " (truncated shard?)" : " (shapes or dtypes wrong?)"));

    std::string data;
    data.reserve(needed);
    for (const auto& shard : shards) data += readWholeFile(shard.string(), kMaxShardBytes, "weight shard");
    if (data.size() != needed) fail(path, gw + ": the shards changed while being read");
    for (auto& e : entries) {
      result.tensors[e.name] = decodeWeight(reinterpret_cast<const uint8_t*>(data.data()) + e.offset, e);
      result.entries.push_back(std::move(e));
    }
  }
  return result;
}

}  // namespace

TfjsWeights readTfjsWeights(const std::string& path) {
  const Json json = parseJson(path, readWholeFile(path, kMaxJsonBytes, "model file"));
  if (json.is_array()) return readWeightsManifest(path, json);
  if (json.is_object() && json.contains("weightsManifest")) return readWeightsManifest(path, json["weightsManifest"]);
  fail(path, "neither a weights manifest (a list of groups) nor a model.json with weightsManifest");
}

std::map<std::string, at::Tensor> loadTfjsWeights(const std::string& path) {
  return readTfjsWeights(path).tensors;
}

at::Tensor tfConvKernelToTorch(const at::Tensor& hwio) {
  if (hwio.dim() != 4) fail("", "conv kernel must be [H, W, I, O], got " + shapeString(hwio.sizes().vec()));
  return hwio.permute({3, 2, 0, 1}).contiguous();
}

at::Tensor tfDepthwiseKernelToTorch(const at::Tensor& hwcm) {
  if (hwcm.dim() != 4) fail("", "depthwise kernel must be [H, W, C, M], got " + shapeString(hwcm.sizes().vec()));
  // TF's output channel c·M + m is torch's group c, member m.
  const int64_t c = hwcm.size(2), m = hwcm.size(3);
  return hwcm.permute({2, 3, 0, 1}).reshape({c * m, 1, hwcm.size(0), hwcm.size(1)}).contiguous();
}

at::Tensor nhwcToNchw(const at::Tensor& x) {
  return x.permute({0, 3, 1, 2}).contiguous();
}

at::Tensor nchwToNhwc(const at::Tensor& x) {
  return x.permute({0, 2, 3, 1}).contiguous();
}

namespace {

// Source rows (or columns) and weights of one axis, with TensorFlow's float arithmetic.
struct AxisLerp {
  at::Tensor lo, hi;  // [out] int64
  at::Tensor frac;    // [out] float
};

AxisLerp axisLerp(int64_t in, int64_t out, bool alignCorners, bool halfPixel) {
  const float scale = (alignCorners && out > 1) ? static_cast<float>(in - 1) / static_cast<float>(out - 1)
                                                : static_cast<float>(in) / static_cast<float>(out);
  at::Tensor lo = at::empty({out}, at::kLong), hi = at::empty({out}, at::kLong), frac = at::empty({out}, at::kFloat);
  auto* l = lo.data_ptr<int64_t>();
  auto* h = hi.data_ptr<int64_t>();
  auto* f = frac.data_ptr<float>();
  for (int64_t i = 0; i < out; ++i) {
    const float src = halfPixel ? (static_cast<float>(i) + 0.5f) * scale - 0.5f : static_cast<float>(i) * scale;
    const float fl = std::floor(src);
    l[i] = std::clamp<int64_t>(static_cast<int64_t>(fl), 0, in - 1);
    h[i] = std::clamp<int64_t>(static_cast<int64_t>(std::ceil(src)), 0, in - 1);
    f[i] = src - fl;
  }
  return {lo, hi, frac};
}

}  // namespace

at::Tensor tfResizeBilinear(const at::Tensor& nhwc, int64_t height, int64_t width, bool alignCorners,
                            bool halfPixelCenters) {
  if (nhwc.dim() != 4) fail("", "resize input must be [N, H, W, C], got " + shapeString(nhwc.sizes().vec()));
  if (height <= 0 || width <= 0 || nhwc.size(1) == 0 || nhwc.size(2) == 0)
    fail("", "cannot resize " + shapeString(nhwc.sizes().vec()) + " to " + std::to_string(height) + "×" +
                 std::to_string(width));
  const at::Tensor& x = nhwc;
  const AxisLerp ys = axisLerp(x.size(1), height, alignCorners, halfPixelCenters);
  const AxisLerp xs = axisLerp(x.size(2), width, alignCorners, halfPixelCenters);
  const auto dev = x.device();
  // Rows, then columns: top + (bottom − top)·lerp, as TF writes it. Rows are picked before the conversion to
  // float, so a large 8-bit photo is never converted whole.
  const at::Tensor top = x.index_select(1, ys.lo.to(dev)).to(at::kFloat);
  const at::Tensor bottom = x.index_select(1, ys.hi.to(dev)).to(at::kFloat);
  const at::Tensor rows = top + (bottom - top) * ys.frac.to(dev).view({1, height, 1, 1});
  const at::Tensor left = rows.index_select(2, xs.lo.to(dev)), right = rows.index_select(2, xs.hi.to(dev));
  return left + (right - left) * xs.frac.to(dev).view({1, 1, width, 1});
}

// ---- graph attributes ---------------------------------------------------------------------------------------------

namespace {

const TfjsAttr* findAttr(const TfjsNode& n, const std::string& attr) {
  auto it = n.attrs.find(attr);
  return it == n.attrs.end() ? nullptr : &it->second;
}

[[noreturn]] void wrongAttr(const TfjsNode& n, const std::string& attr, const char* expected) {
  fail("", "node " + inQuotes(n.name) + ": attribute " + inQuotes(attr) + " is not " + expected);
}

}  // namespace

std::string TfjsNode::attrString(const std::string& attr, const std::string& fallback) const {
  const TfjsAttr* a = findAttr(*this, attr);
  if (!a) return fallback;
  if ((a->kind != TfjsAttr::Kind::String && a->kind != TfjsAttr::Kind::Type) || a->strings.size() != 1)
    wrongAttr(*this, attr, "a string");
  return a->strings[0];
}

int64_t TfjsNode::attrInt(const std::string& attr, int64_t fallback) const {
  const TfjsAttr* a = findAttr(*this, attr);
  if (!a) return fallback;
  if (a->kind != TfjsAttr::Kind::Int || a->ints.size() != 1) wrongAttr(*this, attr, "an integer");
  return a->ints[0];
}

double TfjsNode::attrFloat(const std::string& attr, double fallback) const {
  const TfjsAttr* a = findAttr(*this, attr);
  if (!a) return fallback;
  if (a->kind != TfjsAttr::Kind::Float || a->floats.size() != 1) wrongAttr(*this, attr, "a float");
  return a->floats[0];
}

bool TfjsNode::attrBool(const std::string& attr, bool fallback) const {
  const TfjsAttr* a = findAttr(*this, attr);
  if (!a) return fallback;
  if (a->kind != TfjsAttr::Kind::Bool || a->bools.size() != 1) wrongAttr(*this, attr, "a boolean");
  return a->bools[0];
}

std::vector<int64_t> TfjsNode::attrInts(const std::string& attr) const {
  const TfjsAttr* a = findAttr(*this, attr);
  if (!a) return {};
  if (a->kind != TfjsAttr::Kind::List && a->kind != TfjsAttr::Kind::Int) wrongAttr(*this, attr, "a list of integers");
  return a->ints;
}

std::vector<std::string> TfjsNode::attrStrings(const std::string& attr) const {
  const TfjsAttr* a = findAttr(*this, attr);
  if (!a) return {};
  if (a->kind != TfjsAttr::Kind::List && a->kind != TfjsAttr::Kind::String && a->kind != TfjsAttr::Kind::Type)
    wrongAttr(*this, attr, "a list of strings");
  return a->strings;
}

namespace {

std::optional<at::ScalarType> scalarTypeOf(const std::string& dtype) {
  if (dtype == "DT_FLOAT") return at::kFloat;
  if (dtype == "DT_INT32") return at::kInt;
  if (dtype == "DT_BOOL") return at::kBool;
  if (dtype == "DT_INT64") return at::kLong;
  if (dtype == "DT_HALF") return at::kHalf;
  if (dtype == "DT_DOUBLE") return at::kDouble;
  if (dtype == "DT_UINT8") return at::kByte;
  return std::nullopt;
}

std::string dtypeName(at::ScalarType t) {
  switch (t) {
    case at::kFloat:
      return "DT_FLOAT";
    case at::kInt:
      return "DT_INT32";
    case at::kBool:
      return "DT_BOOL";
    case at::kLong:
      return "DT_INT64";
    case at::kHalf:
      return "DT_HALF";
    case at::kDouble:
      return "DT_DOUBLE";
    case at::kByte:
      return "DT_UINT8";
    default:
      return std::string(c10::toString(t));
  }
}

std::vector<int64_t> parseShape(const Json& s, const std::string& where) {
  if (!s.is_object()) fail("", where + ": shape is not an object");
  if (s.contains("unknownRank") && s["unknownRank"].is_boolean() && s["unknownRank"].get<bool>()) return {};
  std::vector<int64_t> shape;
  if (!s.contains("dim")) return shape;
  if (!s["dim"].is_array() || s["dim"].size() > 8) fail("", where + ": shape.dim is not a list of up to 8 sizes");
  for (const auto& d : s["dim"]) {
    if (!d.is_object()) fail("", where + ": shape.dim entry is not an object");
    if (!d.contains("size")) {
      shape.push_back(0);  // proto3 JSON omits zero values
      continue;
    }
    const auto n = jsonInt(d["size"]);
    if (!n || *n < -1) fail("", where + ": shape size is not an integer ≥ -1");
    shape.push_back(*n);
  }
  return shape;
}

// Inline tensor values (`floatVal`, `intVal`, …): TF repeats the last value to fill the shape.
at::Tensor inlineTensor(const Json& t, const std::string& dtype, const std::vector<int64_t>& shape,
                        const std::string& where) {
  const char* key = nullptr;
  at::ScalarType type = at::kFloat;
  if (dtype == "DT_FLOAT" || dtype == "DT_HALF") {
    key = "floatVal";
  } else if (dtype == "DT_INT32") {
    key = "intVal";
    type = at::kInt;
  } else if (dtype == "DT_INT64") {
    key = "int64Val";
    type = at::kLong;
  } else if (dtype == "DT_BOOL") {
    key = "boolVal";
    type = at::kBool;
  }
  if (!key || !t.contains(key)) return {};
  const Json& vals = t[key];
  if (!vals.is_array() || vals.empty()) fail("", where + ": " + key + " is not a non-empty list");
  int64_t count = 1;
  for (int64_t d : shape) {
    if (d < 0 || (d != 0 && count > (int64_t{1} << 24) / d)) fail("", where + ": inline tensor shape is too large");
    count *= d;
  }
  if (static_cast<int64_t>(vals.size()) > count) fail("", where + ": more inline values than the shape holds");
  std::vector<double> v;
  for (const auto& x : vals) {
    // NaN marks "not a number" for the integer types (a float NaN is a legal float value).
    const double nan = std::numeric_limits<double>::quiet_NaN();
    double d = nan;
    bool ok = true;
    if (x.is_boolean()) {
      d = x.get<bool>() ? 1.0 : 0.0;
    } else if (type == at::kFloat) {
      const auto f = jsonFloat(x);
      ok = f.has_value();
      d = f.value_or(nan);
    } else {
      const auto i = jsonInt(x);
      ok = i.has_value();
      d = static_cast<double>(i.value_or(0));
    }
    if (!ok) fail("", where + ": inline value is not a number");
    v.push_back(d);
  }
  while (static_cast<int64_t>(v.size()) < count) v.push_back(v.back());
  return at::tensor(v, at::kDouble).to(type).reshape(shape);
}

TfjsAttr parseAttr(const Json& a, const std::string& where) {
  TfjsAttr attr;
  if (!a.is_object()) fail("", where + " is not an object");
  auto strings = [&](const Json& v, bool base64) {
    if (!v.is_string()) fail("", where + ": string value expected");
    if (!base64) return v.get<std::string>();
    auto decoded = base64Decode(v.get<std::string>());
    if (!decoded) fail("", where + ": string value is not valid base64");
    return *decoded;
  };
  auto integer = [&](const Json& v) {
    const auto i = jsonInt(v);
    if (!i) fail("", where + ": integer value expected");
    return *i;
  };
  auto real = [&](const Json& v) {
    const auto f = jsonFloat(v);
    if (!f) fail("", where + ": float value expected");
    return *f;
  };
  auto boolean = [&](const Json& v) {
    if (!v.is_boolean()) fail("", where + ": boolean value expected");
    return v.get<bool>();
  };
  if (a.contains("s")) {
    attr.kind = TfjsAttr::Kind::String;
    attr.strings.push_back(strings(a["s"], true));
  } else if (a.contains("i")) {
    attr.kind = TfjsAttr::Kind::Int;
    attr.ints.push_back(integer(a["i"]));
  } else if (a.contains("f")) {
    attr.kind = TfjsAttr::Kind::Float;
    attr.floats.push_back(real(a["f"]));
  } else if (a.contains("b")) {
    attr.kind = TfjsAttr::Kind::Bool;
    attr.bools.push_back(boolean(a["b"]));
  } else if (a.contains("type")) {
    attr.kind = TfjsAttr::Kind::Type;
    attr.strings.push_back(strings(a["type"], false));
  } else if (a.contains("shape")) {
    attr.kind = TfjsAttr::Kind::Shape;
    attr.shapes.push_back(parseShape(a["shape"], where));
  } else if (a.contains("tensor")) {
    attr.kind = TfjsAttr::Kind::Tensor;
    const Json& t = a["tensor"];
    if (!t.is_object()) fail("", where + ": tensor is not an object");
    if (t.contains("dtype")) attr.tensorDtype = strings(t["dtype"], false);
    if (t.contains("tensorShape")) attr.tensorShape = parseShape(t["tensorShape"], where);
    attr.tensorValue = inlineTensor(t, attr.tensorDtype, attr.tensorShape, where);
  } else if (a.contains("list")) {
    attr.kind = TfjsAttr::Kind::List;
    const Json& l = a["list"];
    if (!l.is_object()) fail("", where + ": list is not an object");
    auto each = [&](const char* key, auto&& fn) {
      if (!l.contains(key)) return;
      if (!l[key].is_array()) fail("", where + ": list." + key + " is not a list");
      for (const auto& v : l[key]) fn(v);
    };
    each("s", [&](const Json& v) { attr.strings.push_back(strings(v, true)); });
    each("type", [&](const Json& v) { attr.strings.push_back(strings(v, false)); });
    each("i", [&](const Json& v) { attr.ints.push_back(integer(v)); });
    each("f", [&](const Json& v) { attr.floats.push_back(real(v)); });
    each("b", [&](const Json& v) { attr.bools.push_back(boolean(v)); });
    each("shape", [&](const Json& v) { attr.shapes.push_back(parseShape(v, where)); });
  }
  return attr;  // `func`, `placeholder`: kept as Kind::None
}

std::vector<TfjsTensorSpec> parseSignature(const Json& sig, const std::string& where) {
  std::vector<TfjsTensorSpec> specs;
  if (!sig.is_object()) fail("", where + " is not an object");
  for (const auto& [key, v] : sig.items()) {
    if (!v.is_object()) fail("", where + "." + key + " is not an object");
    TfjsTensorSpec s;
    s.name = v.contains("name") && v["name"].is_string() ? v["name"].get<std::string>() : key;
    if (auto colon = s.name.rfind(':'); colon != std::string::npos) s.name.resize(colon);
    if (v.contains("dtype") && v["dtype"].is_string()) s.dtype = v["dtype"].get<std::string>();
    if (v.contains("tensorShape")) s.shape = parseShape(v["tensorShape"], where + "." + key);
    specs.push_back(std::move(s));
  }
  return specs;
}

// ---- interpreter --------------------------------------------------------------------------------------------------

struct Ref {
  size_t node;
  size_t index;
};

}  // namespace

struct TfjsModel::Impl {
  std::string path;
  std::string format;
  TfjsWeights weights;
  std::vector<TfjsNode> nodes;
  std::unordered_map<std::string, size_t> index;
  std::vector<std::vector<Ref>> refs;  // data inputs of each node
  std::vector<at::Tensor> constants;   // per node (Const only)
  std::vector<at::Tensor> kernels;     // per node: a conv's kernel in libtorch layout, if constant
  std::vector<TfjsTensorSpec> inputs, outputs;
};

namespace {

using Tensors = std::vector<at::Tensor>;
using Op = std::function<Tensors(const TfjsModel::Impl&, size_t node, const Tensors& in)>;

void needInputs(const Tensors& in, size_t n) {
  if (in.size() < n) fail("", "needs " + std::to_string(n) + " inputs, has " + std::to_string(in.size()));
}

std::vector<int64_t> intValues(const at::Tensor& t, const char* what) {
  if (t.scalar_type() != at::kInt && t.scalar_type() != at::kLong)
    fail("", std::string(what) + " is not an integer tensor");
  const at::Tensor l = t.to(at::kLong).contiguous().view(-1);
  return std::vector<int64_t>(l.data_ptr<int64_t>(), l.data_ptr<int64_t>() + l.numel());
}

int64_t scalarValue(const at::Tensor& t, const char* what) {
  const auto v = intValues(t, what);
  if (v.size() != 1) fail("", std::string(what) + " must hold one value, holds " + std::to_string(v.size()));
  return v[0];
}

int64_t normaliseAxis(int64_t axis, int64_t rank, const char* what) {
  if (axis < -rank || axis >= rank)
    fail("", std::string(what) + " " + std::to_string(axis) + " is outside rank " + std::to_string(rank));
  return axis < 0 ? axis + rank : axis;
}

void checkNhwc(const TfjsNode& n) {
  const std::string format = n.attrString("data_format", "NHWC");
  if (format != "NHWC") fail("", "data_format " + format + " is not supported (only NHWC)");
}

// [1, h, w, 1] attribute (strides, dilations, ksize) → {h, w}.
std::array<int64_t, 2> spatialPair(const TfjsNode& n, const std::string& attr) {
  const auto v = n.attrInts(attr);
  if (v.empty()) return {1, 1};
  if (v.size() != 4 || v[1] <= 0 || v[2] <= 0)
    fail("", "attribute " + attr + " must be [1, h, w, 1] with positive h, w");
  return {v[1], v[2]};
}

struct Pads {
  int64_t top = 0, bottom = 0, left = 0, right = 0;
  bool symmetric() const { return top == bottom && left == right; }
};

// Pads H and W of an NHWC tensor in one pass (constant_pad_nd fills the whole output first, then copies).
at::Tensor padNhwc(const at::Tensor& x, const Pads& p, double value) {
  const int64_t h = x.size(1), w = x.size(2);
  at::Tensor out = at::empty({x.size(0), h + p.top + p.bottom, w + p.left + p.right, x.size(3)}, x.options());
  if (p.top) out.narrow(1, 0, p.top).fill_(value);
  if (p.bottom) out.narrow(1, p.top + h, p.bottom).fill_(value);
  if (p.left) out.narrow(2, 0, p.left).fill_(value);
  if (p.right) out.narrow(2, p.left + w, p.right).fill_(value);
  out.narrow(1, p.top, h).narrow(2, p.left, w).copy_(x);
  return out;
}

// TensorFlow's padding: SAME puts the odd pixel after (bottom/right), unlike a symmetric torch padding.
Pads pads(const TfjsNode& n, int64_t inH, int64_t inW, std::array<int64_t, 2> kernel, std::array<int64_t, 2> stride,
          std::array<int64_t, 2> dilation) {
  const std::string mode = n.attrString("padding", "VALID");
  if (mode == "VALID") return {};
  if (mode == "SAME") {
    auto same = [](int64_t in, int64_t k, int64_t s, int64_t d) {
      const int64_t effective = (k - 1) * d + 1, out = (in + s - 1) / s;
      const int64_t total = std::max<int64_t>((out - 1) * s + effective - in, 0);
      return std::pair<int64_t, int64_t>(total / 2, total - total / 2);
    };
    const auto [t, b] = same(inH, kernel[0], stride[0], dilation[0]);
    const auto [l, r] = same(inW, kernel[1], stride[1], dilation[1]);
    return {t, b, l, r};
  }
  if (mode == "EXPLICIT") {
    const auto p = n.attrInts("explicit_paddings");
    if (p.size() != 8 || p[0] || p[1] || p[6] || p[7] || *std::min_element(p.begin(), p.end()) < 0)
      fail("", "explicit_paddings must be 8 non-negative values padding only H and W");
    return {p[2], p[3], p[4], p[5]};
  }
  fail("", "padding " + inQuotes(mode) + " is not supported");
}

const at::Tensor& kernelOf(const TfjsModel::Impl& m, size_t node, const Tensors& in, at::Tensor& scratch,
                           bool depthwise) {
  if (m.kernels[node].defined()) return m.kernels[node];
  scratch = depthwise ? tfDepthwiseKernelToTorch(in[1].to(at::kFloat)) : tfConvKernelToTorch(in[1].to(at::kFloat));
  return scratch;
}

at::Tensor activation(const std::string& op, const TfjsNode& n, at::Tensor x, const at::Tensor* alpha = nullptr) {
  if (op == "Relu") return at::relu_(x);
  if (op == "Relu6") return at::clamp_(x, 0, 6);
  if (op == "Sigmoid") return at::sigmoid_(x);
  if (op == "Tanh") return at::tanh_(x);
  if (op == "Elu") return at::elu_(x);
  if (op == "LeakyRelu") return at::leaky_relu_(x, n.attrFloat("leakyrelu_alpha", n.attrFloat("alpha", 0.2)));
  if (op == "Prelu" && alpha) return at::relu(x) - *alpha * at::relu(-x);
  fail("", "fused op " + inQuotes(op) + " is not supported");
}

// Conv2D, DepthwiseConv2dNative and their fused forms (BiasAdd | FusedBatchNorm, then an activation).
Tensors convolution(const TfjsModel::Impl& m, size_t node, const Tensors& in, bool depthwise) {
  const TfjsNode& n = m.nodes[node];
  needInputs(in, 2);
  checkNhwc(n);
  if (in[0].dim() != 4) fail("", "input must be NHWC, got " + shapeString(in[0].sizes().vec()));
  if (in[1].dim() != 4) fail("", "kernel must be 4-D, got " + shapeString(in[1].sizes().vec()));
  at::Tensor scratch;
  const at::Tensor& w = kernelOf(m, node, in, scratch, depthwise);  // [O, I/groups, kh, kw]
  const int64_t channels = in[0].size(3);
  const int64_t groups = depthwise ? in[1].size(2) : 1;
  if (channels != w.size(1) * groups)
    fail("", "input has " + std::to_string(channels) + " channels, the kernel " + shapeString(in[1].sizes().vec()) +
                 " expects " + std::to_string(w.size(1) * groups));
  const auto stride = spatialPair(n, "strides"), dilation = spatialPair(n, "dilations");
  const Pads p = pads(n, in[0].size(1), in[0].size(2), {w.size(2), w.size(3)}, stride, dilation);

  std::vector<std::string> fused = n.attrStrings("fused_ops");
  const size_t args = static_cast<size_t>(n.attrInt("num_args", 0));
  needInputs(in, 2 + args);
  at::Tensor bias;
  size_t next = 0;
  if (!fused.empty() && fused[0] == "BiasAdd") {
    if (args < 1) fail("", "fused BiasAdd without a bias input");
    bias = in[2].to(at::kFloat).reshape({-1});
    if (bias.numel() != w.size(0))
      fail("", "bias has " + std::to_string(bias.numel()) + " values for " + std::to_string(w.size(0)) + " channels");
    next = 1;
  }

  at::Tensor x = in[0].to(at::kFloat).contiguous();  // [N, H, W, C]
  std::vector<int64_t> padding = {p.top, p.left};
  if (!p.symmetric()) {  // TF's odd SAME pixel goes after: pad explicitly, in NHWC so it stays channels-last
    x = padNhwc(x, p, 0);
    padding = {0, 0};
  }
  // NHWC → an NCHW view in channels-last memory: no copy. oneDNN is called directly on the CPU: libtorch 1.13's
  // dispatcher sends 1×1 and small-batch convolutions to its im2col path, 4–5× slower here.
  const at::Tensor xc = x.permute({0, 3, 1, 2});
  const std::vector<int64_t> strides = {stride[0], stride[1]}, dilations = {dilation[0], dilation[1]};
  at::Tensor y = xc.is_cpu() && at::hasMKLDNN()
                     ? at::mkldnn_convolution(xc, w, bias, padding, strides, dilations, groups)
                     : at::conv2d(xc, w, bias, strides, padding, dilations, groups);
  y = y.permute({0, 2, 3, 1});  // [N, H, W, O]

  if (next < fused.size() && fused[next] == "FusedBatchNorm") {
    needInputs(in, 6);
    const double eps = n.attrFloat("epsilon", 1e-3);
    y = (y - in[4]) * at::rsqrt(in[5] + eps) * in[2] + in[3];
    ++next;
  }
  for (; next < fused.size(); ++next) {
    const at::Tensor* alpha = in.size() > 3 ? &in[3] : nullptr;
    y = activation(fused[next], n, y.is_contiguous() ? y : y.contiguous(), alpha);
  }
  return {y};
}

// TF's Conv2DBackpropInput (a transposed convolution), inputs: output sizes, kernel [H, W, I, O], gradient.
Tensors convBackpropInput(const TfjsModel::Impl& m, size_t node, const Tensors& in) {
  const TfjsNode& n = m.nodes[node];
  needInputs(in, 3);
  checkNhwc(n);
  const auto sizes = intValues(in[0], "input_sizes");
  if (sizes.size() != 4) fail("", "input_sizes must hold 4 values");
  const at::Tensor& dy = in[2];
  if (dy.dim() != 4 || in[1].dim() != 4) fail("", "kernel and input must be 4-D");
  const at::Tensor w = in[1].to(at::kFloat).permute({3, 2, 0, 1}).contiguous();  // [O, I, kh, kw] = transposed conv's
  const auto stride = spatialPair(n, "strides"), dilation = spatialPair(n, "dilations");
  const Pads p = pads(n, sizes[1], sizes[2], {w.size(2), w.size(3)}, stride, dilation);
  const at::Tensor x = dy.to(at::kFloat).contiguous().permute({0, 3, 1, 2});
  at::Tensor full =
      at::conv_transpose2d(x, w, {}, {stride[0], stride[1]}, {0, 0}, {0, 0}, 1, {dilation[0], dilation[1]});
  if (full.size(2) < p.top + sizes[1] || full.size(3) < p.left + sizes[2]) {
    const int64_t extraH = std::max<int64_t>(p.top + sizes[1] - full.size(2), 0);
    const int64_t extraW = std::max<int64_t>(p.left + sizes[2] - full.size(3), 0);
    full = at::constant_pad_nd(full, {0, extraW, 0, extraH}, 0);
  }
  return {full.narrow(2, p.top, sizes[1]).narrow(3, p.left, sizes[2]).permute({0, 2, 3, 1})};
}

Tensors pool(const TfjsModel::Impl& m, size_t node, const Tensors& in, bool max) {
  const TfjsNode& n = m.nodes[node];
  needInputs(in, 1);
  checkNhwc(n);
  if (in[0].dim() != 4) fail("", "input must be NHWC");
  const auto k = spatialPair(n, "ksize"), s = spatialPair(n, "strides");
  const Pads p = pads(n, in[0].size(1), in[0].size(2), k, s, {1, 1});
  at::Tensor x = in[0].to(at::kFloat).contiguous();
  at::Tensor y;
  if (max) {
    // Padding never wins a max: pad with −∞.
    if (p.top || p.bottom || p.left || p.right) x = padNhwc(x, p, -std::numeric_limits<float>::infinity());
    y = at::max_pool2d(x.permute({0, 3, 1, 2}), {k[0], k[1]}, {s[0], s[1]});
  } else {
    // TF averages over the valid pixels only: sum / count of an unpadded-ones image.
    const at::Tensor ones = at::ones({1, x.size(1), x.size(2), 1}, x.options());
    auto pooled = [&](const at::Tensor& t) {
      return at::avg_pool2d(padNhwc(t, p, 0).permute({0, 3, 1, 2}), {k[0], k[1]}, {s[0], s[1]});
    };
    y = pooled(x) / pooled(ones);
  }
  return {y.permute({0, 2, 3, 1})};
}

Tensors reduce(const TfjsModel::Impl& m, size_t node, const Tensors& in, const std::string& op) {
  needInputs(in, 2);
  const at::Tensor& x = in[0];
  std::vector<int64_t> axes = intValues(in[1], "reduction axes");
  for (auto& a : axes) a = normaliseAxis(a, x.dim(), "reduction axis");
  const bool keep = m.nodes[node].attrBool("keep_dims", false);
  if (axes.empty()) return {x.clone()};
  if (op == "Mean") return {x.mean(at::IntArrayRef(axes), keep)};
  if (op == "Sum") return {x.sum(at::IntArrayRef(axes), keep)};
  at::Tensor y = x;
  std::sort(axes.rbegin(), axes.rend());
  for (int64_t a : axes) y = op == "Max" ? std::get<0>(y.max(a, keep)) : std::get<0>(y.min(a, keep));
  return {y};
}

at::Tensor resize(const TfjsModel::Impl& m, size_t node, const Tensors& in, bool bilinear) {
  const TfjsNode& n = m.nodes[node];
  needInputs(in, 2);
  const auto size = intValues(in[1], "size");
  if (size.size() != 2 || size[0] <= 0 || size[1] <= 0) fail("", "size must be two positive values");
  if (in[0].dim() != 4) fail("", "input must be NHWC");
  const bool align = n.attrBool("align_corners", false), half = n.attrBool("half_pixel_centers", false);
  if (bilinear) return tfResizeBilinear(in[0], size[0], size[1], align, half);
  // Nearest: TF rounds with aligned corners, floors otherwise (half-pixel: floor((i + 0.5)·scale)).
  auto indices = [&](int64_t inSize, int64_t out) {
    const float scale =
        (align && out > 1) ? static_cast<float>(inSize - 1) / (out - 1) : static_cast<float>(inSize) / out;
    at::Tensor idx = at::empty({out}, at::kLong);
    for (int64_t i = 0; i < out; ++i) {
      const float src = half ? (i + 0.5f) * scale : i * scale;
      const int64_t j = align ? static_cast<int64_t>(std::round(src)) : static_cast<int64_t>(std::floor(src));
      idx.data_ptr<int64_t>()[i] = std::clamp<int64_t>(j, 0, inSize - 1);
    }
    return idx.to(in[0].device());
  };
  return in[0].index_select(1, indices(in[0].size(1), size[0])).index_select(2, indices(in[0].size(2), size[1]));
}

// StridedSlice with begin/end/shrink masks and positive strides (ellipsis and new-axis masks are not used by
// converted TF.js graphs we run, and are refused).
at::Tensor stridedSlice(const TfjsNode& n, const Tensors& in) {
  needInputs(in, 4);
  const auto begin = intValues(in[1], "begin"), end = intValues(in[2], "end"), strides = intValues(in[3], "strides");
  if (begin.size() != end.size() || begin.size() != strides.size()) fail("", "begin, end and strides differ in length");
  if (n.attrInt("ellipsis_mask", 0) || n.attrInt("new_axis_mask", 0))
    fail("", "ellipsis_mask and new_axis_mask are not supported");
  const int64_t beginMask = n.attrInt("begin_mask", 0), endMask = n.attrInt("end_mask", 0);
  const int64_t shrinkMask = n.attrInt("shrink_axis_mask", 0);
  at::Tensor y = in[0];
  if (static_cast<int64_t>(begin.size()) > y.dim()) fail("", "slice spec is longer than the input's rank");
  std::vector<int64_t> shrink;
  for (int64_t d = 0; d < static_cast<int64_t>(begin.size()); ++d) {
    const int64_t size = y.size(d);
    if (shrinkMask & (int64_t{1} << d)) {
      int64_t i = begin[d] < 0 ? begin[d] + size : begin[d];
      if (i < 0 || i >= size) fail("", "index " + std::to_string(begin[d]) + " is out of range");
      y = y.narrow(d, i, 1);
      shrink.push_back(d);
      continue;
    }
    if (strides[d] <= 0) fail("", "non-positive strides are not supported");
    auto clampIndex = [&](int64_t v) { return std::clamp<int64_t>(v < 0 ? v + size : v, 0, size); };
    const int64_t b = (beginMask & (int64_t{1} << d)) ? 0 : clampIndex(begin[d]);
    const int64_t e = (endMask & (int64_t{1} << d)) ? size : clampIndex(end[d]);
    y = y.slice(d, b, std::max(b, e), strides[d]);
  }
  for (auto it = shrink.rbegin(); it != shrink.rend(); ++it) y = y.squeeze(*it);
  return y;
}

at::Tensor gather(const TfjsNode& n, const Tensors& in) {
  needInputs(in, 3);
  if (n.attrInt("batch_dims", 0) != 0) fail("", "batch_dims other than 0 is not supported");
  const at::Tensor& params = in[0];
  const int64_t axis = normaliseAxis(scalarValue(in[2], "axis"), params.dim(), "axis");
  const at::Tensor idx = in[1].to(at::kLong);
  if (idx.numel() && (idx.min().item<int64_t>() < 0 || idx.max().item<int64_t>() >= params.size(axis)))
    fail("", "an index is outside [0, " + std::to_string(params.size(axis)) + ")");
  std::vector<int64_t> shape(params.sizes().begin(), params.sizes().begin() + axis);
  for (int64_t s : idx.sizes()) shape.push_back(s);
  for (int64_t d = axis + 1; d < params.dim(); ++d) shape.push_back(params.size(d));
  return params.index_select(axis, idx.reshape(-1)).reshape(shape);
}

at::Tensor pad(const Tensors& in, double value) {
  needInputs(in, 2);
  const auto p = intValues(in[1], "paddings");
  const int64_t rank = in[0].dim();
  if (static_cast<int64_t>(p.size()) != 2 * rank) fail("", "paddings must be [rank, 2]");
  std::vector<int64_t> torchPad;  // last dimension first
  for (int64_t d = rank - 1; d >= 0; --d) {
    if (p[2 * d] < 0 || p[2 * d + 1] < 0) fail("", "negative paddings are not supported");
    torchPad.push_back(p[2 * d]);
    torchPad.push_back(p[2 * d + 1]);
  }
  return at::constant_pad_nd(in[0], torchPad, value);
}

at::ScalarType dstType(const TfjsNode& n) {
  const std::string t = n.attrString("DstT");
  const auto type = scalarTypeOf(t);
  if (!type) fail("", "cast to " + inQuotes(t) + " is not supported");
  return *type;
}

template <typename F>
Op unary(F f) {
  return [f](const TfjsModel::Impl&, size_t, const Tensors& in) -> Tensors {
    needInputs(in, 1);
    return {f(in[0])};
  };
}

template <typename F>
Op binary(F f) {
  return [f](const TfjsModel::Impl&, size_t, const Tensors& in) -> Tensors {
    needInputs(in, 2);
    return {f(in[0], in[1])};
  };
}

const std::map<std::string, Op>& ops() {
  static const std::map<std::string, Op> table = [] {
    std::map<std::string, Op> t;
    auto pass = unary([](const at::Tensor& x) { return x; });
    t["Identity"] = pass;
    t["StopGradient"] = pass;
    t["Snapshot"] = pass;
    t["Conv2D"] = [](const TfjsModel::Impl& m, size_t i, const Tensors& in) { return convolution(m, i, in, false); };
    t["_FusedConv2D"] = t["Conv2D"];
    t["DepthwiseConv2dNative"] = [](const TfjsModel::Impl& m, size_t i, const Tensors& in) {
      return convolution(m, i, in, true);
    };
    t["FusedDepthwiseConv2dNative"] = t["DepthwiseConv2dNative"];
    t["Conv2DBackpropInput"] = convBackpropInput;
    t["MaxPool"] = [](const TfjsModel::Impl& m, size_t i, const Tensors& in) { return pool(m, i, in, true); };
    t["AvgPool"] = [](const TfjsModel::Impl& m, size_t i, const Tensors& in) { return pool(m, i, in, false); };
    for (const char* r : {"Mean", "Sum", "Max", "Min"})
      t[r] = [op = std::string(r)](const TfjsModel::Impl& m, size_t i, const Tensors& in) {
        return reduce(m, i, in, op);
      };
    t["BiasAdd"] = binary([](const at::Tensor& x, const at::Tensor& b) { return x + b; });
    t["Add"] = binary([](const at::Tensor& a, const at::Tensor& b) { return a + b; });
    t["AddV2"] = t["Add"];
    t["Sub"] = binary([](const at::Tensor& a, const at::Tensor& b) { return a - b; });
    t["Mul"] = binary([](const at::Tensor& a, const at::Tensor& b) { return a * b; });
    t["RealDiv"] = binary([](const at::Tensor& a, const at::Tensor& b) { return a / b; });
    t["Maximum"] = binary([](const at::Tensor& a, const at::Tensor& b) { return at::maximum(a, b); });
    t["Minimum"] = binary([](const at::Tensor& a, const at::Tensor& b) { return at::minimum(a, b); });
    t["Pow"] = binary([](const at::Tensor& a, const at::Tensor& b) { return at::pow(a, b); });
    t["SquaredDifference"] = binary([](const at::Tensor& a, const at::Tensor& b) { return (a - b) * (a - b); });
    t["FloorDiv"] = binary([](const at::Tensor& a, const at::Tensor& b) { return at::div(a, b, "floor"); });
    t["FloorMod"] = binary([](const at::Tensor& a, const at::Tensor& b) { return at::remainder(a, b); });
    t["Equal"] = binary([](const at::Tensor& a, const at::Tensor& b) { return at::eq(a, b); });
    t["NotEqual"] = binary([](const at::Tensor& a, const at::Tensor& b) { return at::ne(a, b); });
    t["Greater"] = binary([](const at::Tensor& a, const at::Tensor& b) { return at::gt(a, b); });
    t["GreaterEqual"] = binary([](const at::Tensor& a, const at::Tensor& b) { return at::ge(a, b); });
    t["Less"] = binary([](const at::Tensor& a, const at::Tensor& b) { return at::lt(a, b); });
    t["LessEqual"] = binary([](const at::Tensor& a, const at::Tensor& b) { return at::le(a, b); });
    t["Relu"] = unary([](const at::Tensor& x) { return at::relu(x); });
    t["Relu6"] = unary([](const at::Tensor& x) { return at::clamp(x, 0, 6); });
    t["Sigmoid"] = unary([](const at::Tensor& x) { return at::sigmoid(x); });
    t["Tanh"] = unary([](const at::Tensor& x) { return at::tanh(x); });
    t["Elu"] = unary([](const at::Tensor& x) { return at::elu(x); });
    t["Exp"] = unary([](const at::Tensor& x) { return at::exp(x); });
    t["Log"] = unary([](const at::Tensor& x) { return at::log(x); });
    t["Sqrt"] = unary([](const at::Tensor& x) { return at::sqrt(x); });
    t["Rsqrt"] = unary([](const at::Tensor& x) { return at::rsqrt(x); });
    t["Square"] = unary([](const at::Tensor& x) { return x * x; });
    t["Neg"] = unary([](const at::Tensor& x) { return -x; });
    t["Abs"] = unary([](const at::Tensor& x) { return at::abs(x); });
    t["Floor"] = unary([](const at::Tensor& x) { return at::floor(x); });
    t["Softmax"] = unary([](const at::Tensor& x) { return at::softmax(x, -1); });
    t["LeakyRelu"] = [](const TfjsModel::Impl& m, size_t i, const Tensors& in) -> Tensors {
      needInputs(in, 1);
      return {at::leaky_relu(in[0], m.nodes[i].attrFloat("alpha", 0.2))};
    };
    t["Cast"] = [](const TfjsModel::Impl& m, size_t i, const Tensors& in) -> Tensors {
      needInputs(in, 1);
      return {in[0].to(dstType(m.nodes[i]))};
    };
    t["Reshape"] = [](const TfjsModel::Impl&, size_t, const Tensors& in) -> Tensors {
      needInputs(in, 2);
      return {in[0].reshape(intValues(in[1], "shape"))};
    };
    t["ExpandDims"] = [](const TfjsModel::Impl&, size_t, const Tensors& in) -> Tensors {
      needInputs(in, 2);
      return {in[0].unsqueeze(normaliseAxis(scalarValue(in[1], "dim"), in[0].dim() + 1, "dim"))};
    };
    t["Squeeze"] = [](const TfjsModel::Impl& m, size_t i, const Tensors& in) -> Tensors {
      needInputs(in, 1);
      auto dims = m.nodes[i].attrInts("squeeze_dims");
      if (dims.empty()) return {in[0].squeeze()};
      for (auto& d : dims) d = normaliseAxis(d, in[0].dim(), "squeeze dim");
      std::sort(dims.rbegin(), dims.rend());
      at::Tensor y = in[0];
      for (int64_t d : dims) {
        if (y.size(d) != 1)
          fail("", "cannot squeeze dimension " + std::to_string(d) + " of size " + std::to_string(y.size(d)));
        y = y.squeeze(d);
      }
      return {y};
    };
    t["ConcatV2"] = [](const TfjsModel::Impl&, size_t, const Tensors& in) -> Tensors {
      needInputs(in, 2);
      const Tensors parts(in.begin(), in.end() - 1);
      return {at::cat(parts, normaliseAxis(scalarValue(in.back(), "axis"), parts[0].dim(), "axis"))};
    };
    t["Pack"] = [](const TfjsModel::Impl& m, size_t i, const Tensors& in) -> Tensors {
      needInputs(in, 1);
      return {at::stack(in, normaliseAxis(m.nodes[i].attrInt("axis", 0), in[0].dim() + 1, "axis"))};
    };
    t["Shape"] = [](const TfjsModel::Impl&, size_t, const Tensors& in) -> Tensors {
      needInputs(in, 1);
      return {at::tensor(in[0].sizes().vec(), at::kLong).to(at::kInt)};
    };
    t["Transpose"] = [](const TfjsModel::Impl&, size_t, const Tensors& in) -> Tensors {
      needInputs(in, 2);
      return {in[0].permute(intValues(in[1], "perm"))};
    };
    t["Slice"] = [](const TfjsModel::Impl&, size_t, const Tensors& in) -> Tensors {
      needInputs(in, 3);
      const auto begin = intValues(in[1], "begin"), size = intValues(in[2], "size");
      if (begin.size() != size.size() || static_cast<int64_t>(begin.size()) > in[0].dim())
        fail("", "begin and size must have one value per dimension");
      at::Tensor y = in[0];
      for (size_t d = 0; d < begin.size(); ++d) {
        const int64_t dim = y.size(d), len = size[d] == -1 ? dim - begin[d] : size[d];
        if (begin[d] < 0 || len < 0 || begin[d] + len > dim) fail("", "slice is outside the input");
        y = y.narrow(d, begin[d], len);
      }
      return {y};
    };
    t["StridedSlice"] = [](const TfjsModel::Impl& m, size_t i, const Tensors& in) -> Tensors {
      return {stridedSlice(m.nodes[i], in)};
    };
    t["GatherV2"] = [](const TfjsModel::Impl& m, size_t i, const Tensors& in) -> Tensors {
      return {gather(m.nodes[i], in)};
    };
    t["TopKV2"] = [](const TfjsModel::Impl& m, size_t i, const Tensors& in) -> Tensors {
      needInputs(in, 2);
      const int64_t k = scalarValue(in[1], "k");
      if (in[0].dim() < 1 || k < 0 || k > in[0].size(-1)) fail("", "k = " + std::to_string(k) + " is out of range");
      auto [values, indices] = at::topk(in[0], k, -1, true, m.nodes[i].attrBool("sorted", true));
      return {values, indices.to(at::kInt)};
    };
    t["Pad"] = [](const TfjsModel::Impl&, size_t, const Tensors& in) -> Tensors { return {pad(in, 0.0)}; };
    t["PadV2"] = [](const TfjsModel::Impl&, size_t, const Tensors& in) -> Tensors {
      needInputs(in, 3);
      return {pad(in, in[2].item<double>())};
    };
    t["ResizeBilinear"] = [](const TfjsModel::Impl& m, size_t i, const Tensors& in) -> Tensors {
      return {resize(m, i, in, true)};
    };
    t["ResizeNearestNeighbor"] = [](const TfjsModel::Impl& m, size_t i, const Tensors& in) -> Tensors {
      return {resize(m, i, in, false)};
    };
    t["MatMul"] = [](const TfjsModel::Impl& m, size_t i, const Tensors& in) -> Tensors {
      needInputs(in, 2);
      const TfjsNode& n = m.nodes[i];
      const at::Tensor a = n.attrBool("transpose_a") ? in[0].t() : in[0];
      const at::Tensor b = n.attrBool("transpose_b") ? in[1].t() : in[1];
      return {at::matmul(a, b)};
    };
    // Placeholder and Const are resolved by run() itself; listed so they count as supported.
    t["Placeholder"] = nullptr;
    t["Const"] = nullptr;
    return t;
  }();
  return table;
}

}  // namespace

// ---- model --------------------------------------------------------------------------------------------------------

TfjsModel TfjsModel::load(const std::string& path) {
  auto impl = std::make_shared<Impl>();
  impl->path = path;
  const Json json = parseJson(path, readWholeFile(path, kMaxJsonBytes, "model file"));
  if (json.is_array()) {
    impl->weights = readWeightsManifest(path, json);
  } else {
    if (!json.is_object()) fail(path, "not a TF.js model.json (expected a JSON object)");
    if (json.contains("format") && json["format"].is_string()) impl->format = json["format"].get<std::string>();
    if (!json.contains("weightsManifest")) fail(path, "model.json has no weightsManifest");
    impl->weights = readWeightsManifest(path, json["weightsManifest"]);

    const Json* topology = json.contains("modelTopology") ? &json["modelTopology"] : nullptr;
    if (topology && topology->is_object() && topology->contains("node")) {
      const Json& nodes = (*topology)["node"];
      if (!nodes.is_array()) fail(path, "modelTopology.node is not a list");
      try {
        for (size_t i = 0; i < nodes.size(); ++i) {
          const Json& j = nodes[i];
          const std::string where = "modelTopology.node[" + std::to_string(i) + "]";
          if (!j.is_object()) fail("", where + " is not an object");
          TfjsNode n;
          if (!j.contains("name") || !j["name"].is_string() || j["name"].get<std::string>().empty())
            fail("", where + " has no name");
          n.name = j["name"].get<std::string>();
          if (!j.contains("op") || !j["op"].is_string()) fail("", "node " + inQuotes(n.name) + " has no op");
          n.op = j["op"].get<std::string>();
          if (j.contains("input")) {
            if (!j["input"].is_array()) fail("", "node " + inQuotes(n.name) + ": input is not a list");
            for (const auto& in : j["input"]) {
              if (!in.is_string()) fail("", "node " + inQuotes(n.name) + ": an input is not a string");
              const std::string s = in.get<std::string>();
              if (!s.empty() && s[0] != '^') n.inputs.push_back(s);
            }
          }
          if (j.contains("attr")) {
            if (!j["attr"].is_object()) fail("", "node " + inQuotes(n.name) + ": attr is not an object");
            for (const auto& [key, value] : j["attr"].items())
              n.attrs[key] = parseAttr(value, "node " + inQuotes(n.name) + " attribute " + inQuotes(key));
          }
          if (!impl->index.emplace(n.name, impl->nodes.size()).second)
            fail("", "node " + inQuotes(n.name) + " appears twice");
          impl->nodes.push_back(std::move(n));
        }
      } catch (const Error& e) {
        fail(path, e.what());
      }
    }
    if (json.contains("signature") && json["signature"].is_object()) {
      try {
        const Json& sig = json["signature"];
        if (sig.contains("inputs")) impl->inputs = parseSignature(sig["inputs"], "signature.inputs");
        if (sig.contains("outputs")) impl->outputs = parseSignature(sig["outputs"], "signature.outputs");
      } catch (const Error& e) {
        fail(path, e.what());
      }
    }
  }

  // Resolve inputs, attach constants, prepare kernels.
  const size_t count = impl->nodes.size();
  impl->refs.resize(count);
  impl->constants.resize(count);
  impl->kernels.resize(count);
  for (size_t i = 0; i < count; ++i) {
    const TfjsNode& n = impl->nodes[i];
    for (const std::string& in : n.inputs) {
      std::string name = in;
      size_t output = 0;
      if (const auto colon = in.rfind(':'); colon != std::string::npos) {
        name = in.substr(0, colon);
        const auto k = jsonInt(Json(in.substr(colon + 1)));
        if (!k || *k < 0 || *k > 1024)
          fail(path, "node " + inQuotes(n.name) + ": input " + inQuotes(in) + " is malformed");
        output = static_cast<size_t>(*k);
      }
      const auto it = impl->index.find(name);
      if (it == impl->index.end())
        fail(path, "node " + inQuotes(n.name) + " reads " + inQuotes(in) + ", which is not a node of the graph");
      impl->refs[i].push_back({it->second, output});
    }
    if (n.op == "Const") {
      const TfjsAttr* value = n.attrs.count("value") ? &n.attrs.at("value") : nullptr;
      auto w = impl->weights.tensors.find(n.name);
      if (w != impl->weights.tensors.end()) {
        if (value && value->kind == TfjsAttr::Kind::Tensor && !value->tensorShape.empty() &&
            value->tensorShape != w->second.sizes().vec())
          fail(path, "node " + inQuotes(n.name) + ": the graph says shape " + shapeString(value->tensorShape) +
                         ", the weight has " + shapeString(w->second.sizes().vec()));
        impl->constants[i] = w->second;
      } else if (value && value->tensorValue.defined()) {
        impl->constants[i] = value->tensorValue;
      } else {
        fail(path, "node " + inQuotes(n.name) + " (Const) has no value: no weight of that name in the manifest");
      }
    }
  }
  for (size_t i = 0; i < count; ++i) {
    const TfjsNode& n = impl->nodes[i];
    const bool depthwise = n.op == "DepthwiseConv2dNative" || n.op == "FusedDepthwiseConv2dNative";
    if (!depthwise && n.op != "Conv2D" && n.op != "_FusedConv2D") continue;
    if (impl->refs[i].size() < 2) fail(path, "node " + inQuotes(n.name) + " (" + n.op + ") has no kernel input");
    const Ref k = impl->refs[i][1];
    const at::Tensor& kernel = impl->constants[k.node];
    if (!kernel.defined() || k.index != 0) continue;  // computed kernels are converted at run time
    if (kernel.dim() != 4)
      fail(path, "node " + inQuotes(n.name) + " (" + n.op + "): kernel " + inQuotes(impl->nodes[k.node].name) + " is " +
                     shapeString(kernel.sizes().vec()) + ", not 4-D");
    const at::Tensor w = kernel.to(at::kFloat);
    impl->kernels[i] = depthwise ? tfDepthwiseKernelToTorch(w) : tfConvKernelToTorch(w);
  }
  if (impl->inputs.empty())
    for (const TfjsNode& n : impl->nodes)
      if (n.op == "Placeholder") {
        TfjsTensorSpec s{n.name, n.attrString("dtype", "DT_FLOAT"), {}};
        if (const auto* shape = findAttr(n, "shape"); shape && !shape->shapes.empty()) s.shape = shape->shapes[0];
        impl->inputs.push_back(std::move(s));
      }

  TfjsModel model;
  model.impl_ = std::move(impl);
  return model;
}

const std::string& TfjsModel::path() const {
  return impl_->path;
}
const std::string& TfjsModel::format() const {
  return impl_->format;
}
const TfjsWeights& TfjsModel::weights() const {
  return impl_->weights;
}
const std::vector<TfjsNode>& TfjsModel::nodes() const {
  return impl_->nodes;
}
const std::vector<TfjsTensorSpec>& TfjsModel::inputs() const {
  return impl_->inputs;
}
const std::vector<TfjsTensorSpec>& TfjsModel::outputs() const {
  return impl_->outputs;
}

const TfjsNode* TfjsModel::node(const std::string& name) const {
  const auto it = impl_->index.find(name);
  return it == impl_->index.end() ? nullptr : &impl_->nodes[it->second];
}

const at::Tensor& TfjsModel::constant(const std::string& name) const {
  const auto it = impl_->index.find(name);
  if (it == impl_->index.end() || !impl_->constants[it->second].defined())
    fail(impl_->path, "the graph has no Const node " + inQuotes(name));
  return impl_->constants[it->second];
}

const std::vector<std::string>& TfjsModel::supportedOps() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto& [name, op] : ops()) v.push_back(name);
    return v;
  }();
  return names;
}

std::vector<std::string> TfjsModel::unsupportedOps() const {
  std::set<std::string> missing;
  for (const TfjsNode& n : impl_->nodes)
    if (!ops().count(n.op)) missing.insert(n.op);
  return {missing.begin(), missing.end()};
}

std::map<std::string, at::Tensor> TfjsModel::run(const std::map<std::string, at::Tensor>& feeds,
                                                 const std::vector<std::string>& outputs) const {
  const Impl& m = *impl_;
  auto where = [&](size_t i) { return "node " + inQuotes(m.nodes[i].name) + " (" + m.nodes[i].op + ")"; };

  // The requested outputs.
  std::vector<Ref> wanted;
  for (const std::string& out : outputs) {
    std::string name = out;
    size_t index = 0;
    if (const auto colon = out.rfind(':'); colon != std::string::npos && !m.index.count(out)) {
      name = out.substr(0, colon);
      const auto k = jsonInt(Json(out.substr(colon + 1)));
      if (!k || *k < 0) fail(m.path, "output " + inQuotes(out) + " is malformed");
      index = static_cast<size_t>(*k);
    }
    const auto it = m.index.find(name);
    if (it == m.index.end()) fail(m.path, "the graph has no node " + inQuotes(name) + " (asked for as an output)");
    wanted.push_back({it->second, index});
  }

  // Topological order of what they need (iterative DFS; a cycle is an error, not a stack overflow).
  std::vector<size_t> order;
  std::vector<uint8_t> state(m.nodes.size(), 0);  // 0 new, 1 on the stack, 2 done
  for (const Ref& w : wanted) {
    std::vector<std::pair<size_t, size_t>> stack{{w.node, 0}};
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      if (next == 0) {
        if (state[node] == 2) {
          stack.pop_back();
          continue;
        }
        state[node] = 1;
      }
      if (next < m.refs[node].size()) {
        const size_t child = m.refs[node][next++].node;
        if (state[child] == 1) fail(m.path, where(child) + " depends on itself (the graph has a cycle)");
        if (state[child] == 0) stack.push_back({child, 0});
        continue;
      }
      state[node] = 2;
      order.push_back(node);
      stack.pop_back();
    }
  }

  // Everything checkable is checked before any work.
  for (size_t i : order) {
    const TfjsNode& n = m.nodes[i];
    if (!ops().count(n.op)) fail(m.path, where(i) + ": op " + inQuotes(n.op) + " is not supported by the interpreter");
    if (n.op != "Placeholder") continue;
    const auto feed = feeds.find(n.name);
    if (feed == feeds.end() || !feed->second.defined()) fail(m.path, where(i) + " is not fed");
    const at::Tensor& x = feed->second;
    const std::string dtype = n.attrString("dtype", "DT_FLOAT");
    const auto type = scalarTypeOf(dtype);
    if (!type || *type != x.scalar_type())
      fail(m.path, where(i) + " takes " + dtype + ", was fed " + dtypeName(x.scalar_type()));
    if (const auto* shape = findAttr(n, "shape"); shape && !shape->shapes.empty() && !shape->shapes[0].empty()) {
      const auto& s = shape->shapes[0];
      bool ok = static_cast<int64_t>(s.size()) == x.dim();
      for (size_t d = 0; ok && d < s.size(); ++d) ok = s[d] < 0 || s[d] == x.size(static_cast<int64_t>(d));
      if (!ok) fail(m.path, where(i) + " takes shape " + shapeString(s) + ", was fed " + shapeString(x.sizes().vec()));
    }
  }

  // Run, dropping each intermediate after its last reader.
  std::vector<int> readers(m.nodes.size(), 0);
  for (size_t i : order)
    for (const Ref& r : m.refs[i]) ++readers[r.node];
  for (const Ref& w : wanted) readers[w.node] += 1 << 20;  // never dropped
  std::vector<Tensors> values(m.nodes.size());
  for (size_t i : order) {
    const TfjsNode& n = m.nodes[i];
    if (n.op == "Const") {
      values[i] = {m.constants[i]};
    } else if (n.op == "Placeholder") {
      values[i] = {feeds.at(n.name)};
    } else {
      Tensors in;
      for (const Ref& r : m.refs[i]) {
        if (r.index >= values[r.node].size())
          fail(m.path, where(i) + " reads output " + std::to_string(r.index) + " of " + where(r.node) + ", which has " +
                           std::to_string(values[r.node].size()));
        in.push_back(values[r.node][r.index]);
      }
      try {
        values[i] = ops().at(n.op)(m, i, in);
      } catch (const Error& e) {
        fail(m.path, where(i) + ": " + e.what());
      } catch (const c10::Error& e) {
        fail(m.path, where(i) + ": " + e.what_without_backtrace());
      }
      for (const Ref& r : m.refs[i])
        if (--readers[r.node] == 0) values[r.node].clear();
    }
  }

  std::map<std::string, at::Tensor> result;
  for (size_t k = 0; k < wanted.size(); ++k) {
    const Ref& w = wanted[k];
    if (w.index >= values[w.node].size()) fail(m.path, where(w.node) + " has no output " + std::to_string(w.index));
    result[outputs[k]] = values[w.node][w.index];
  }
  return result;
}

}  // namespace mumu
