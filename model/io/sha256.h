// sha256.h — SHA-256 (FIPS 180-4) without OpenSSL: content addresses of reference images and model files.
// Implemented in png_metadata.cpp. Torch-free.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mumu {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, size_t size);
  void update(std::string_view bytes) { update(bytes.data(), bytes.size()); }
  std::array<uint8_t, 32> digest();  // finishes; the object must not be updated afterwards
  std::string hexDigest();           // lower-case hex of digest()

 private:
  void block(const uint8_t* p);
  std::array<uint32_t, 8> h_;
  std::array<uint8_t, 64> buf_{};
  size_t bufLen_ = 0;
  uint64_t total_ = 0;
};

std::string sha256Hex(std::string_view bytes);
// Streams the file; throws mumu::Error naming it when it cannot be read.
std::string sha256File(const std::string& path);

}  // namespace mumu
