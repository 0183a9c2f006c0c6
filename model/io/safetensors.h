// safetensors.h — the only weights format MUMU loads (a checkpoint cannot run code).
// Layout: u64 little-endian header length N, N bytes of JSON {name: {dtype, shape, data_offsets}},
// optional "__metadata__" string map, then the raw little-endian row-major data.
// The header is untrusted: every length, offset and shape is checked before any byte is touched.
#pragma once

#include <torch/torch.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace mumu {

struct SafetensorsEntry {
  std::string name;
  std::string dtype;  // "F32", "F16", "BF16", "I64", "I32", "BOOL", "U8", ...
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0;  // byte offsets relative to the data section
};

class SafetensorsFile {
 public:
  // Memory-maps and validates `path`. Throws mumu::Error "<path>: <problem>" on any inconsistency.
  static SafetensorsFile open(const std::string& path);

  const std::string& path() const;
  const std::vector<SafetensorsEntry>& entries() const;  // in data order (by begin offset)
  const std::map<std::string, std::string>& metadata() const;
  bool contains(const std::string& name) const;
  const SafetensorsEntry& entry(const std::string& name) const;  // throws if absent

  // A CPU tensor viewing the mapped bytes (zero-copy; it keeps the mapping alive). Read-only in
  // spirit: clone before writing to it (the mapping is private, so a write never reaches the file).
  // A tensor whose bytes are not aligned for its dtype comes back as a copy; a BOOL byte other than
  // 0/1 throws.
  at::Tensor tensor(const std::string& name) const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// Every tensor of a file, by name (zero-copy views).
std::map<std::string, at::Tensor> loadSafetensors(const std::string& path);

// Writes tensors (any device; copied to CPU contiguous) sorted by name with 8-byte-aligned header,
// atomically (temp file + rename). Throws mumu::Error on an unsupported dtype or an I/O failure.
void saveSafetensors(const std::string& path, const std::map<std::string, at::Tensor>& tensors,
                     const std::map<std::string, std::string>& metadata = {});

}  // namespace mumu
