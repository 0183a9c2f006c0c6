#include "model/io/safetensors.h"

#include "model/error.h"

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cerrno>
#include <cstring>
#include <limits>
#include <set>
#include <sstream>
#include <unordered_map>

// The data section is little-endian; viewing it in place is only right on a little-endian host.
static_assert(std::endian::native == std::endian::little, "safetensors views need a little-endian host");

namespace mumu {

namespace {

using Json = nlohmann::json;

constexpr uint64_t kMaxHeaderBytes = 100ull << 20;  // real headers are < 1 MB; bounds a hostile one
constexpr int kMaxJsonDepth = 8;                    // a valid header nests 3 deep ({name: {shape: [...]}})

struct Dtype {
  const char* name;
  at::ScalarType type;
  size_t size;
};

constexpr Dtype kDtypes[] = {
    {"F64", at::kDouble, 8}, {"F32", at::kFloat, 4}, {"F16", at::kHalf, 2},  {"BF16", at::kBFloat16, 2},
    {"I64", at::kLong, 8},   {"I32", at::kInt, 4},   {"I16", at::kShort, 2}, {"I8", at::kChar, 1},
    {"U8", at::kByte, 1},    {"BOOL", at::kBool, 1},
};

// Names the format defines but libtorch 1.13 has no dtype for: a distinct message, not "unknown".
constexpr const char* kUnsupportedDtypes[] = {"U16", "U32", "U64", "F8_E4M3", "F8_E5M2"};

const Dtype* findDtype(const std::string& name) {
  for (const auto& d : kDtypes)
    if (name == d.name) return &d;
  return nullptr;
}

const Dtype* findDtype(at::ScalarType type) {
  for (const auto& d : kDtypes)
    if (type == d.type) return &d;
  return nullptr;
}

std::string shapeString(const std::vector<int64_t>& shape) {
  std::ostringstream s;
  s << '[';
  for (size_t i = 0; i < shape.size(); ++i) s << (i ? ", " : "") << shape[i];
  s << ']';
  return s.str();
}

std::string rangeString(uint64_t begin, uint64_t end) {
  std::string s = "[";  // appended: GCC 12 -O3 warns (-Wstringop-overflow, a false positive) on "[" + to_string(…)
  s += std::to_string(begin);
  s += ", ";
  s += std::to_string(end);
  return s + "]";
}

std::string inQuotes(const std::string& name) {
  return "'" + name + "'";
}

// The header's JSON, with duplicate keys detected (nlohmann keeps the last one silently) and nesting bounded.
Json parseHeader(const std::string& path, const char* text, size_t size) {
  std::vector<std::set<std::string>> keysPerObject;
  std::string duplicate;
  bool tooDeep = false;
  auto callback = [&](int depth, Json::parse_event_t event, Json& parsed) {
    switch (event) {
      case Json::parse_event_t::object_start:
      case Json::parse_event_t::array_start:
        if (depth > kMaxJsonDepth) {
          tooDeep = true;
          return false;  // discard: nothing below is built
        }
        if (event == Json::parse_event_t::object_start) keysPerObject.emplace_back();
        return true;
      case Json::parse_event_t::object_end:
        if (!keysPerObject.empty()) keysPerObject.pop_back();
        return true;
      case Json::parse_event_t::key:
        if (!keysPerObject.empty() && parsed.is_string() &&
            !keysPerObject.back().insert(parsed.get<std::string>()).second && duplicate.empty())
          duplicate = parsed.get<std::string>();
        return true;
      default:
        return true;
    }
  };
  Json header;
  try {
    header = Json::parse(text, text + size, callback);
  } catch (const Json::exception& e) {
    fail(path, std::string("header is not valid JSON (") + e.what() + ")");
  }
  if (tooDeep) fail(path, "header nests deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  if (!duplicate.empty()) fail(path, "key " + inQuotes(duplicate) + " appears twice in the header");
  if (!header.is_object()) fail(path, "header is not a JSON object");
  return header;
}

SafetensorsEntry parseEntry(const std::string& path, const std::string& name, const Json& value, uint64_t dataSize) {
  const std::string where = "tensor " + inQuotes(name);
  if (!value.is_object()) fail(path, where + ": header entry is not an object");
  SafetensorsEntry e;
  e.name = name;

  auto dtypeIt = value.find("dtype");
  if (dtypeIt == value.end() || !dtypeIt->is_string()) fail(path, where + ": missing or non-string \"dtype\"");
  e.dtype = dtypeIt->get<std::string>();
  const Dtype* dtype = findDtype(e.dtype);
  if (!dtype) {
    bool known = std::any_of(std::begin(kUnsupportedDtypes), std::end(kUnsupportedDtypes),
                             [&](const char* d) { return e.dtype == d; });
    fail(path, where + (known ? ": dtype " + inQuotes(e.dtype) + " is not supported by this build"
                              : ": unknown dtype " + inQuotes(e.dtype)));
  }

  auto shapeIt = value.find("shape");
  if (shapeIt == value.end() || !shapeIt->is_array()) fail(path, where + ": missing or non-array \"shape\"");
  uint64_t numel = 1;
  for (const auto& dim : *shapeIt) {
    if (!dim.is_number_integer()) fail(path, where + ": shape " + shapeIt->dump() + " holds a non-integer");
    if (dim.is_number_unsigned()) {
      const uint64_t d = dim.get<uint64_t>();
      if (d > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        fail(path, where + ": dimension " + std::to_string(d) + " is too large");
      e.shape.push_back(static_cast<int64_t>(d));
    } else {
      const int64_t d = dim.get<int64_t>();
      if (d < 0) fail(path, where + ": negative dimension " + std::to_string(d) + " in shape " + shapeIt->dump());
      e.shape.push_back(d);
    }
    if (__builtin_mul_overflow(numel, static_cast<uint64_t>(e.shape.back()), &numel) ||
        numel > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      fail(path, where + ": shape " + shapeString(e.shape) + "... overflows the element count");
  }
  uint64_t bytes = 0;
  if (__builtin_mul_overflow(numel, static_cast<uint64_t>(dtype->size), &bytes))
    fail(path, where + ": shape " + shapeString(e.shape) + " of " + e.dtype + " overflows the byte count");

  auto offIt = value.find("data_offsets");
  if (offIt == value.end() || !offIt->is_array() || offIt->size() != 2 || !(*offIt)[0].is_number_unsigned() ||
      !(*offIt)[1].is_number_unsigned())
    fail(path, where + ": \"data_offsets\" must be [begin, end] of non-negative integers");
  e.begin = (*offIt)[0].get<uint64_t>();
  e.end = (*offIt)[1].get<uint64_t>();
  if (e.begin > e.end) fail(path, where + ": data_offsets " + rangeString(e.begin, e.end) + " begin after they end");
  if (e.end > dataSize)
    fail(path, where + ": data_offsets " + rangeString(e.begin, e.end) + " run past the end of the data (" +
                   std::to_string(dataSize) + " bytes; is the file truncated?)");
  if (e.end - e.begin != bytes)
    fail(path, where + ": data_offsets " + rangeString(e.begin, e.end) + " hold " + std::to_string(e.end - e.begin) +
                   " bytes but " + e.dtype + " " + shapeString(e.shape) + " needs " + std::to_string(bytes));
  return e;
}

void checkNoOverlap(const std::string& path, const std::vector<SafetensorsEntry>& entries) {
  std::vector<const SafetensorsEntry*> sorted;
  for (const auto& e : entries)
    if (e.end > e.begin) sorted.push_back(&e);  // empty tensors occupy no bytes
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->begin < b->begin; });
  for (size_t i = 1; i < sorted.size(); ++i) {
    const auto *a = sorted[i - 1], *b = sorted[i];
    if (b->begin < a->end)
      fail(path, "tensors " + inQuotes(a->name) + " " + rangeString(a->begin, a->end) + " and " + inQuotes(b->name) +
                     " " + rangeString(b->begin, b->end) + " overlap");
  }
}

std::string errnoText() {
  return std::strerror(errno);
}

// Closes a descriptor on scope exit (the mapping outlives it).
struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

struct SafetensorsFile::Impl {
  std::string path;
  char* base = nullptr;  // the whole file, mapped private: writes to a view stay in memory, never in the file
  size_t size = 0;
  size_t dataStart = 0;
  std::vector<SafetensorsEntry> entries;
  std::unordered_map<std::string, size_t> index;
  std::map<std::string, std::string> metadata;

  ~Impl() {
    if (base) ::munmap(base, size);
  }
};

SafetensorsFile SafetensorsFile::open(const std::string& path) {
  auto impl = std::make_shared<Impl>();
  impl->path = path;

  FdCloser fd{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (fd.fd < 0) fail(path, "cannot open (" + errnoText() + ")");
  struct stat st {};
  if (::fstat(fd.fd, &st) != 0) fail(path, "cannot stat (" + errnoText() + ")");
  if (!S_ISREG(st.st_mode)) fail(path, "not a regular file");
  const uint64_t fileSize = static_cast<uint64_t>(st.st_size);
  if (fileSize < 8)
    fail(path, "file is " + std::to_string(fileSize) + " bytes, too short for a safetensors header (8 bytes)");

  void* map = ::mmap(nullptr, fileSize, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd.fd, 0);
  if (map == MAP_FAILED) fail(path, "cannot map " + std::to_string(fileSize) + " bytes (" + errnoText() + ")");
  impl->base = static_cast<char*>(map);
  impl->size = fileSize;

  uint64_t headerSize = 0;
  std::memcpy(&headerSize, impl->base, 8);
  if (headerSize > kMaxHeaderBytes)
    fail(path, "header length " + std::to_string(headerSize) + " exceeds the limit of " +
                   std::to_string(kMaxHeaderBytes) + " bytes");
  if (headerSize > fileSize - 8)
    fail(path, "header length " + std::to_string(headerSize) + " runs past the end of the file (" +
                   std::to_string(fileSize) + " bytes; is it truncated?)");
  impl->dataStart = 8 + headerSize;
  const uint64_t dataSize = fileSize - impl->dataStart;

  const Json header = parseHeader(path, impl->base + 8, headerSize);
  for (const auto& [name, value] : header.items()) {
    if (name == "__metadata__") {
      if (!value.is_object()) fail(path, "\"__metadata__\" is not an object");
      for (const auto& [key, text] : value.items()) {
        if (!text.is_string()) fail(path, "\"__metadata__\" value of " + inQuotes(key) + " is not a string");
        impl->metadata[key] = text.get<std::string>();
      }
      continue;
    }
    impl->entries.push_back(parseEntry(path, name, value, dataSize));
  }
  checkNoOverlap(path, impl->entries);
  // nlohmann orders object keys by name; the file's data order is the natural "header order".
  std::stable_sort(impl->entries.begin(), impl->entries.end(),
                   [](const auto& a, const auto& b) { return a.begin < b.begin; });
  for (size_t i = 0; i < impl->entries.size(); ++i) impl->index.emplace(impl->entries[i].name, i);

  SafetensorsFile file;
  file.impl_ = std::move(impl);
  return file;
}

const std::string& SafetensorsFile::path() const {
  return impl_->path;
}

const std::vector<SafetensorsEntry>& SafetensorsFile::entries() const {
  return impl_->entries;
}

const std::map<std::string, std::string>& SafetensorsFile::metadata() const {
  return impl_->metadata;
}

bool SafetensorsFile::contains(const std::string& name) const {
  return impl_->index.count(name) != 0;
}

const SafetensorsEntry& SafetensorsFile::entry(const std::string& name) const {
  auto it = impl_->index.find(name);
  if (it == impl_->index.end()) fail(impl_->path, "no tensor " + inQuotes(name));
  return impl_->entries[it->second];
}

at::Tensor SafetensorsFile::tensor(const std::string& name) const {
  const SafetensorsEntry& e = entry(name);
  const Dtype* dtype = findDtype(e.dtype);  // validated by open()
  const auto options = at::TensorOptions().dtype(dtype->type).device(at::kCPU);
  char* data = impl_->base + impl_->dataStart + e.begin;
  const size_t bytes = e.end - e.begin;

  // A bool other than 0/1 is undefined behaviour in every kernel that reads it.
  if (dtype->type == at::kBool) {
    for (size_t i = 0; i < bytes; ++i)
      if (static_cast<unsigned char>(data[i]) > 1)
        fail(impl_->path, "tensor " + inQuotes(name) + ": BOOL byte " + std::to_string(i) + " is " +
                              std::to_string(static_cast<unsigned char>(data[i])) + ", not 0 or 1");
  }
  if (bytes == 0) return at::empty(e.shape, options);
  // An unaligned view would break vectorised kernels: copy such tensors instead.
  if (reinterpret_cast<uintptr_t>(data) % dtype->size != 0) {
    at::Tensor copy = at::empty(e.shape, options);
    std::memcpy(copy.data_ptr(), data, bytes);
    return copy;
  }
  std::shared_ptr<Impl> keepMapped = impl_;
  return at::from_blob(
      data, e.shape, [keepMapped](void*) {}, options);
}

std::map<std::string, at::Tensor> loadSafetensors(const std::string& path) {
  SafetensorsFile file = SafetensorsFile::open(path);
  std::map<std::string, at::Tensor> tensors;
  for (const auto& e : file.entries()) tensors.emplace(e.name, file.tensor(e.name));
  return tensors;
}

namespace {

void writeAll(int fd, const char* data, size_t size, const std::string& where) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, std::min<size_t>(size, 1u << 30));
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(where, "write failed (" + errnoText() + ")");
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
}

// A temp file beside `path` (same file system, so rename() is atomic), created exclusively.
std::pair<int, std::string> createTemp(const std::string& path) {
  static std::atomic<uint64_t> counter{0};
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string name = path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
    int fd = ::open(name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0) return {fd, name};
    if (errno != EEXIST) fail(path, "cannot create a temporary file beside it (" + errnoText() + ")");
  }
  fail(path, "cannot create a unique temporary file beside it");
}

}  // namespace

void saveSafetensors(const std::string& path, const std::map<std::string, at::Tensor>& tensors,
                     const std::map<std::string, std::string>& metadata) {
  // Validate and lay out everything before creating any file.
  std::vector<at::Tensor> data;
  data.reserve(tensors.size());
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {  // std::map: sorted by name
    if (name == "__metadata__") fail(path, "\"__metadata__\" cannot name a tensor");
    if (!t.defined()) fail(path, "tensor " + inQuotes(name) + " is undefined");
    const Dtype* dtype = findDtype(t.scalar_type());
    if (!dtype)
      fail(path, "tensor " + inQuotes(name) + ": dtype " + std::string(c10::toString(t.scalar_type())) +
                     " cannot be stored in safetensors");
    at::Tensor cpu = t.detach().to(at::kCPU).contiguous();
    const uint64_t bytes = static_cast<uint64_t>(cpu.numel()) * dtype->size;
    header[name] = {{"dtype", dtype->name}, {"shape", cpu.sizes().vec()}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
    data.push_back(std::move(cpu));
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const nlohmann::json::exception& e) {
    fail(path, std::string("cannot encode the header (") + e.what() + ")");  // e.g. a name that is not UTF-8
  }
  text.append((8 - text.size() % 8) % 8, ' ');  // keeps the data section 8-byte aligned
  const uint64_t headerSize = text.size();

  auto [fd, temp] = createTemp(path);
  try {
    char lengthBytes[8];
    std::memcpy(lengthBytes, &headerSize, 8);
    writeAll(fd, lengthBytes, 8, temp);
    writeAll(fd, text.data(), text.size(), temp);
    for (const auto& t : data)
      writeAll(fd, static_cast<const char*>(t.data_ptr()), static_cast<size_t>(t.nbytes()), temp);
    if (::fsync(fd) != 0) fail(temp, "fsync failed (" + errnoText() + ")");
    const int closed = ::close(fd);
    fd = -1;
    if (closed != 0) fail(temp, "close failed (" + errnoText() + ")");
    if (::rename(temp.c_str(), path.c_str()) != 0) fail(path, "cannot replace with " + temp + " (" + errnoText() + ")");
  } catch (...) {
    if (fd >= 0) ::close(fd);
    ::unlink(temp.c_str());
    throw;
  }
}

}  // namespace mumu
