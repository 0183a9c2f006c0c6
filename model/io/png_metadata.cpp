// PNG text metadata by editing the chunk stream directly, plus the small codecs it needs (CRC-32, inflate
// for zTXt / compressed iTXt) and SHA-256, so model/ links no zlib or OpenSSL of its own.
#include "model/io/png_metadata.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "model/error.h"
#include "model/io/sha256.h"

namespace mumu {

// ---- SHA-256 -------------------------------------------------------------------------------------------

namespace {

constexpr std::array<uint32_t, 64> kSha256K = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

inline uint32_t rotr(uint32_t x, int n) {
  return (x >> n) | (x << (32 - n));
}

std::string toHex(const uint8_t* p, size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string s(n * 2, '0');
  for (size_t i = 0; i < n; ++i) s[2 * i] = digits[p[i] >> 4], s[2 * i + 1] = digits[p[i] & 15];
  return s;
}

}  // namespace

Sha256::Sha256() : h_{0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19} {}

void Sha256::block(const uint8_t* p) {
  uint32_t w[64];
  for (int i = 0; i < 16; ++i)
    w[i] = uint32_t(p[4 * i]) << 24 | uint32_t(p[4 * i + 1]) << 16 | uint32_t(p[4 * i + 2]) << 8 | p[4 * i + 3];
  for (int i = 16; i < 64; ++i) {
    const uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
    const uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  uint32_t a = h_[0], b = h_[1], c = h_[2], d = h_[3], e = h_[4], f = h_[5], g = h_[6], h = h_[7];
  for (int i = 0; i < 64; ++i) {
    const uint32_t t1 = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + kSha256K[i] + w[i];
    const uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    h = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
  }
  h_[0] += a, h_[1] += b, h_[2] += c, h_[3] += d, h_[4] += e, h_[5] += f, h_[6] += g, h_[7] += h;
}

void Sha256::update(const void* data, size_t size) {
  const auto* p = static_cast<const uint8_t*>(data);
  total_ += size;
  if (bufLen_ > 0) {
    const size_t take = std::min(size, 64 - bufLen_);
    std::memcpy(buf_.data() + bufLen_, p, take);
    bufLen_ += take, p += take, size -= take;
    if (bufLen_ < 64) return;
    block(buf_.data());
    bufLen_ = 0;
  }
  for (; size >= 64; p += 64, size -= 64) block(p);
  std::memcpy(buf_.data(), p, size);
  bufLen_ = size;
}

std::array<uint8_t, 32> Sha256::digest() {
  const uint64_t bits = total_ * 8;
  const uint8_t pad = 0x80;
  update(&pad, 1);
  const uint8_t zero = 0;
  while (bufLen_ != 56) update(&zero, 1);
  uint8_t len[8];
  for (int i = 0; i < 8; ++i) len[i] = static_cast<uint8_t>(bits >> (56 - 8 * i));
  update(len, 8);
  std::array<uint8_t, 32> out{};
  for (int i = 0; i < 8; ++i)
    for (int k = 0; k < 4; ++k) out[4 * i + k] = static_cast<uint8_t>(h_[i] >> (24 - 8 * k));
  return out;
}

std::string Sha256::hexDigest() {
  const auto d = digest();
  return toHex(d.data(), d.size());
}

std::string sha256Hex(std::string_view bytes) {
  Sha256 h;
  h.update(bytes);
  return h.hexDigest();
}

std::string sha256File(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) fail(path, "no such file");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot open for reading");
  Sha256 h;
  std::vector<char> buf(1 << 16);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    h.update(buf.data(), static_cast<size_t>(in.gcount()));
  }
  if (in.bad()) fail(path, "read error");
  return h.hexDigest();
}

// ---- CRC-32 and inflate --------------------------------------------------------------------------------

uint32_t crc32(const void* data, size_t size, uint32_t crc) {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t n = 0; n < 256; ++n) {
      uint32_t c = n;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[n] = c;
    }
    return t;
  }();
  const auto* p = static_cast<const uint8_t*>(data);
  crc = ~crc;
  for (size_t i = 0; i < size; ++i) crc = table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

namespace {

// A zlib stream (RFC 1950 around RFC 1951) decoder with an output cap, for the compressed text chunks only.
class Inflater {
 public:
  Inflater(std::string_view in, size_t maxOut, const std::string& where) : in_(in), max_(maxOut), where_(where) {}

  std::string run() {
    if (in_.size() < 6) bad("truncated zlib stream");
    const uint8_t cmf = in_[0], flg = in_[1];
    if ((cmf & 0x0F) != 8 || (cmf >> 4) > 7 || ((cmf << 8) | flg) % 31 != 0 || (flg & 0x20))
      bad("not a zlib deflate stream");
    pos_ = 2;
    bool last = false;
    while (!last) {
      last = bits(1);
      const int type = static_cast<int>(bits(2));
      if (type == 0)
        stored();
      else if (type == 1)
        fixed();
      else if (type == 2)
        dynamic();
      else
        bad("invalid deflate block type");
    }
    bitBuf_ = 0, bitCount_ = 0;  // the Adler-32 starts at the next byte
    if (pos_ + 4 > in_.size()) bad("truncated zlib stream (no checksum)");
    uint32_t a = 1, b = 0;
    for (unsigned char c : out_) a = (a + c) % 65521, b = (b + a) % 65521;
    const uint32_t stored = uint32_t(uint8_t(in_[pos_])) << 24 | uint32_t(uint8_t(in_[pos_ + 1])) << 16 |
                            uint32_t(uint8_t(in_[pos_ + 2])) << 8 | uint8_t(in_[pos_ + 3]);
    if (stored != ((b << 16) | a)) bad("zlib checksum mismatch");
    return std::move(out_);
  }

 private:
  struct Huffman {
    std::array<int16_t, 16> count{};
    std::array<int16_t, 320> symbol{};
  };

  [[noreturn]] void bad(const std::string& what) const { fail(where_, what); }

  uint32_t bits(int need) {
    while (bitCount_ < need) {
      if (pos_ >= in_.size()) bad("truncated compressed data");
      bitBuf_ |= uint32_t(uint8_t(in_[pos_++])) << bitCount_;
      bitCount_ += 8;
    }
    const uint32_t v = bitBuf_ & ((1u << need) - 1);
    bitBuf_ >>= need;
    bitCount_ -= need;
    return v;
  }

  void put(char c) {
    if (out_.size() >= max_) bad("decompressed text is larger than the limit of " + std::to_string(max_) + " bytes");
    out_ += c;
  }

  void stored() {
    bitBuf_ = 0, bitCount_ = 0;
    if (pos_ + 4 > in_.size()) bad("truncated stored block");
    const unsigned len = uint8_t(in_[pos_]) | uint8_t(in_[pos_ + 1]) << 8;
    const unsigned nlen = uint8_t(in_[pos_ + 2]) | uint8_t(in_[pos_ + 3]) << 8;
    pos_ += 4;
    if (len != (~nlen & 0xFFFF)) bad("corrupt stored block length");
    if (pos_ + len > in_.size()) bad("truncated stored block");
    for (unsigned i = 0; i < len; ++i) put(in_[pos_ + i]);
    pos_ += len;
  }

  void build(Huffman& h, const uint8_t* lengths, int n) const {
    h.count.fill(0);
    for (int i = 0; i < n; ++i) h.count[lengths[i]]++;
    if (h.count[0] == n) return;  // no codes: only an error if a symbol is decoded
    int left = 1;
    for (int len = 1; len < 16; ++len) {
      left = (left << 1) - h.count[len];
      if (left < 0) bad("over-subscribed Huffman code");
    }
    std::array<int16_t, 16> offs{};
    for (int len = 1; len < 15; ++len) offs[len + 1] = offs[len] + h.count[len];
    for (int i = 0; i < n; ++i)
      if (lengths[i]) h.symbol[offs[lengths[i]]++] = static_cast<int16_t>(i);
  }

  int decode(const Huffman& h) {
    int code = 0, first = 0, index = 0;
    for (int len = 1; len < 16; ++len) {
      code |= static_cast<int>(bits(1));
      const int count = h.count[len];
      if (code - count < first) return h.symbol[index + (code - first)];
      index += count;
      first = (first + count) << 1;
      code <<= 1;
    }
    bad("invalid Huffman code");
  }

  void codes(const Huffman& lit, const Huffman& dist) {
    static const int16_t lbase[29] = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
                                      31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
    static const int16_t lext[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                     2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
    static const int16_t dbase[30] = {1,    2,    3,    4,    5,    7,    9,    13,    17,    25,
                                      33,   49,   65,   97,   129,  193,  257,  385,   513,   769,
                                      1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
    static const int16_t dext[30] = {0, 0, 0, 0, 1, 1, 2, 2,  3,  3,  4,  4,  5,  5,  6,
                                     6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};
    while (true) {
      int sym = decode(lit);
      if (sym < 256) {
        put(static_cast<char>(sym));
      } else if (sym == 256) {
        return;
      } else {
        sym -= 257;
        if (sym >= 29) bad("invalid length code");
        const int len = lbase[sym] + static_cast<int>(bits(lext[sym]));
        const int ds = decode(dist);
        if (ds >= 30) bad("invalid distance code");
        const size_t d = static_cast<size_t>(dbase[ds]) + bits(dext[ds]);
        if (d > out_.size()) bad("distance reaches before the start of the data");
        for (int k = 0; k < len; ++k) put(out_[out_.size() - d]);
      }
    }
  }

  void fixed() {
    uint8_t lengths[320];
    int i = 0;
    for (; i < 144; ++i) lengths[i] = 8;
    for (; i < 256; ++i) lengths[i] = 9;
    for (; i < 280; ++i) lengths[i] = 7;
    for (; i < 288; ++i) lengths[i] = 8;
    Huffman lit, dist;
    build(lit, lengths, 288);
    for (i = 0; i < 30; ++i) lengths[i] = 5;
    build(dist, lengths, 30);
    codes(lit, dist);
  }

  void dynamic() {
    static const uint8_t order[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};
    const int nlen = static_cast<int>(bits(5)) + 257, ndist = static_cast<int>(bits(5)) + 1;
    const int ncode = static_cast<int>(bits(4)) + 4;
    if (nlen > 286 || ndist > 30) bad("bad dynamic block header");
    uint8_t lengths[320] = {};
    for (int i = 0; i < ncode; ++i) lengths[order[i]] = static_cast<uint8_t>(bits(3));
    Huffman lencode;
    build(lencode, lengths, 19);
    std::memset(lengths, 0, sizeof lengths);
    for (int i = 0; i < nlen + ndist;) {
      const int sym = decode(lencode);
      if (sym < 16) {
        lengths[i++] = static_cast<uint8_t>(sym);
        continue;
      }
      int repeat = 0;
      uint8_t value = 0;
      if (sym == 16) {
        if (i == 0) bad("repeat with no previous length");
        value = lengths[i - 1];
        repeat = 3 + static_cast<int>(bits(2));
      } else if (sym == 17) {
        repeat = 3 + static_cast<int>(bits(3));
      } else {
        repeat = 11 + static_cast<int>(bits(7));
      }
      if (i + repeat > nlen + ndist) bad("too many code lengths");
      while (repeat--) lengths[i++] = value;
    }
    if (lengths[256] == 0) bad("no end-of-block code");
    Huffman lit, dist;
    build(lit, lengths, nlen);
    build(dist, lengths + nlen, ndist);
    codes(lit, dist);
  }

  std::string_view in_;
  size_t max_;
  const std::string& where_;
  size_t pos_ = 0;
  uint32_t bitBuf_ = 0;
  int bitCount_ = 0;
  std::string out_;
};

// ---- the chunk walker ----------------------------------------------------------------------------------

constexpr char kSignature[8] = {'\x89', 'P', 'N', 'G', '\r', '\n', '\x1a', '\n'};

struct Chunk {
  std::string type;  // 4 ASCII letters
  std::string_view data;
  size_t start = 0, end = 0;  // byte range of the whole chunk (length … CRC)
};

uint32_t be32(const char* p) {
  return uint32_t(uint8_t(p[0])) << 24 | uint32_t(uint8_t(p[1])) << 16 | uint32_t(uint8_t(p[2])) << 8 | uint8_t(p[3]);
}

void putBe32(std::string& out, uint32_t v) {
  for (int i = 3; i >= 0; --i) out += static_cast<char>((v >> (8 * i)) & 0xFF);
}

std::string printable(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c >= 32 && c < 127) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

struct Walk {
  std::vector<Chunk> chunks;
  size_t endOfIend = 0;  // bytes after this are outside the PNG stream
};

Walk walkPng(std::string_view png, const std::string& source, const PngLimits& limits) {
  if (png.size() > limits.maxFileBytes)
    fail(source, "file too large (" + std::to_string(png.size()) + " bytes; the limit is " +
                     std::to_string(limits.maxFileBytes) + ")");
  if (png.size() < 8 || std::memcmp(png.data(), kSignature, 8) != 0) {
    if (!png.empty() && png.size() < 8 && std::memcmp(png.data(), kSignature, png.size()) == 0)
      fail(source, "truncated PNG signature");
    fail(source, "not a PNG file (bad signature)");
  }
  Walk w;
  size_t pos = 8;
  while (true) {
    if (pos == png.size()) fail(source, "truncated PNG: the file ends before the IEND chunk");
    if (png.size() - pos < 12) fail(source, "truncated PNG: incomplete chunk at byte " + std::to_string(pos));
    const uint32_t len = be32(png.data() + pos);
    const std::string type(png.substr(pos + 4, 4));
    for (char c : type)
      if (!std::isalpha(static_cast<unsigned char>(c)))
        fail(source, "bad chunk type '" + printable(type) + "' at byte " + std::to_string(pos));
    if (len > 0x7FFFFFFFu)
      fail(source, "chunk '" + type + "' at byte " + std::to_string(pos) + " has length " + std::to_string(len) +
                       ", above the PNG limit of 2^31-1");
    if (len > png.size() - pos - 12)
      fail(source, "chunk '" + type + "' at byte " + std::to_string(pos) + " claims " + std::to_string(len) +
                       " bytes but only " + std::to_string(png.size() - pos - 12) + " remain (truncated or damaged)");
    const uint32_t stored = be32(png.data() + pos + 8 + len);
    if (crc32(png.data() + pos + 4, len + 4) != stored)
      fail(source, "CRC mismatch in chunk '" + type + "' at byte " + std::to_string(pos) + " (damaged file)");
    if (w.chunks.empty() && (type != "IHDR" || len != 13))
      fail(source, "the first chunk is '" + type + "', not a 13-byte IHDR");
    if (w.chunks.size() >= limits.maxChunks) fail(source, "more than " + std::to_string(limits.maxChunks) + " chunks");
    w.chunks.push_back({type, png.substr(pos + 8, len), pos, pos + 12 + len});
    pos += 12 + size_t(len);
    if (type == "IEND") break;
  }
  w.endOfIend = pos;
  return w;
}

std::string latin1ToUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}

// Returns false when `s` has a character above U+00FF (or is not UTF-8).
bool utf8ToLatin1(std::string_view s, std::string& out) {
  out.clear();
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = s[i];
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if ((c == 0xC2 || c == 0xC3) && i + 1 < s.size() && (uint8_t(s[i + 1]) & 0xC0) == 0x80) {
      out += static_cast<char>(((c & 0x1F) << 6) | (uint8_t(s[i + 1]) & 0x3F));
      ++i;
    } else {
      return false;
    }
  }
  return true;
}

// Invalid UTF-8 bytes (from other tools' iTXt) become U+FFFD instead of failing the whole file.
std::string sanitizeUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = s[i];
    size_t n = c < 0x80                   ? 1
               : (c >= 0xC2 && c <= 0xDF) ? 2
               : (c >= 0xE0 && c <= 0xEF) ? 3
               : (c >= 0xF0 && c <= 0xF4) ? 4
                                          : 0;
    bool ok = n > 0 && i + n <= s.size();
    for (size_t k = 1; ok && k < n; ++k) ok = (uint8_t(s[i + k]) & 0xC0) == 0x80;
    if (ok && n == 3) ok = !(c == 0xE0 && uint8_t(s[i + 1]) < 0xA0) && !(c == 0xED && uint8_t(s[i + 1]) >= 0xA0);
    if (ok && n == 4) ok = !(c == 0xF0 && uint8_t(s[i + 1]) < 0x90) && !(c == 0xF4 && uint8_t(s[i + 1]) >= 0x90);
    if (ok) {
      out.append(s.substr(i, n));
      i += n;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

std::string keywordOf(std::string_view data) {
  return std::string(data.substr(0, data.find('\0')));
}

bool isTextChunk(const std::string& type) {
  return type == "tEXt" || type == "zTXt" || type == "iTXt";
}

PngTextChunk decodeText(const Chunk& c, const std::string& source, const PngLimits& limits) {
  const std::string where = source + ": " + c.type + " chunk at byte " + std::to_string(c.start);
  const std::string_view d = c.data;
  const size_t nul = d.find('\0');
  if (nul == std::string_view::npos) fail(where, "no keyword terminator");
  if (nul == 0 || nul > 79) fail(where, "keyword length " + std::to_string(nul) + " is outside 1 … 79");
  PngTextChunk t;
  t.keyword = latin1ToUtf8(d.substr(0, nul));
  const std::string kwWhere = source + ": " + c.type + " '" + printable(d.substr(0, nul)) + "'";
  const auto checkSize = [&](size_t n) {
    if (n > limits.maxTextBytes)
      fail(kwWhere, "text of " + std::to_string(n) + " bytes is larger than the limit of " +
                        std::to_string(limits.maxTextBytes));
  };
  if (c.type == "tEXt") {
    t.type = PngTextChunk::TEXt;
    checkSize(d.size() - nul - 1);
    t.text = latin1ToUtf8(d.substr(nul + 1));
  } else if (c.type == "zTXt") {
    t.type = PngTextChunk::ZTXt;
    t.compressed = true;
    if (d.size() < nul + 2) fail(kwWhere, "truncated (no compression method)");
    if (d[nul + 1] != 0) fail(kwWhere, "unknown compression method " + std::to_string(uint8_t(d[nul + 1])));
    t.text = latin1ToUtf8(Inflater(d.substr(nul + 2), limits.maxTextBytes, kwWhere).run());
  } else {
    t.type = PngTextChunk::ITXt;
    if (d.size() < nul + 3) fail(kwWhere, "truncated (no compression flag)");
    const uint8_t flag = d[nul + 1], method = d[nul + 2];
    if (flag > 1) fail(kwWhere, "bad compression flag " + std::to_string(flag));
    if (flag == 1 && method != 0) fail(kwWhere, "unknown compression method " + std::to_string(method));
    const size_t langEnd = d.find('\0', nul + 3);
    if (langEnd == std::string_view::npos) fail(kwWhere, "no language tag terminator");
    const size_t transEnd = d.find('\0', langEnd + 1);
    if (transEnd == std::string_view::npos) fail(kwWhere, "no translated keyword terminator");
    t.languageTag = sanitizeUtf8(d.substr(nul + 3, langEnd - nul - 3));
    t.translatedKeyword = sanitizeUtf8(d.substr(langEnd + 1, transEnd - langEnd - 1));
    const std::string_view body = d.substr(transEnd + 1);
    t.compressed = flag == 1;
    if (t.compressed) {
      t.text = sanitizeUtf8(Inflater(body, limits.maxTextBytes, kwWhere).run());
    } else {
      checkSize(body.size());
      t.text = sanitizeUtf8(body);
    }
  }
  return t;
}

std::string encodeText(const PngTextChunk& t, const std::string& source) {
  std::string keyword;
  if (!utf8ToLatin1(t.keyword, keyword)) fail(source, "PNG keyword '" + t.keyword + "' is not Latin-1");
  bool okKeyword = !keyword.empty() && keyword.size() <= 79 && keyword.front() != ' ' && keyword.back() != ' ' &&
                   keyword.find("  ") == std::string::npos;
  for (unsigned char c : keyword) okKeyword = okKeyword && ((c >= 32 && c <= 126) || c >= 161);
  if (!okKeyword)
    fail(source, "bad PNG keyword '" + t.keyword +
                     "' (1-79 printable Latin-1 characters, no leading, trailing or "
                     "double spaces)");
  std::string data = keyword;
  data += '\0';
  if (t.type == PngTextChunk::TEXt) {
    std::string latin1;
    if (!utf8ToLatin1(t.text, latin1)) fail(source, "text of '" + t.keyword + "' is not Latin-1; write it as iTXt");
    if (latin1.find('\0') != std::string::npos) fail(source, "text of '" + t.keyword + "' contains a NUL byte");
    data += latin1;
    return "tEXt" + data;
  }
  if (t.type != PngTextChunk::ITXt || t.compressed)
    fail(source, "writing '" + t.keyword + "': only tEXt and uncompressed iTXt are written");
  if (t.languageTag.find('\0') != std::string::npos || t.translatedKeyword.find('\0') != std::string::npos)
    fail(source, "iTXt '" + t.keyword + "': NUL in the language tag or translated keyword");
  data += '\0';  // compression flag
  data += '\0';  // method
  data += t.languageTag + '\0' + t.translatedKeyword + '\0' + t.text;
  return "iTXt" + data;
}

std::string readWholeFile(const std::string& path, const PngLimits& limits) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) fail(path, "no such file");
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) fail(path, "cannot read the file size (" + ec.message() + ")");
  if (size > limits.maxFileBytes)
    fail(path, "file too large (" + std::to_string(size) + " bytes; the limit is " +
                   std::to_string(limits.maxFileBytes) + ")");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot open for reading");
  std::string bytes(static_cast<size_t>(size), '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  if (static_cast<size_t>(in.gcount()) != size) fail(path, "read error (the file changed while reading?)");
  return bytes;
}

}  // namespace

std::vector<PngTextChunk> readPngTextChunks(std::string_view png, const std::string& source, const PngLimits& limits) {
  const Walk w = walkPng(png, source, limits);
  std::vector<PngTextChunk> out;
  for (const Chunk& c : w.chunks)
    if (isTextChunk(c.type)) out.push_back(decodeText(c, source, limits));
  return out;
}

std::vector<PngTextChunk> readPngTextChunksFromFile(const std::string& path, const PngLimits& limits) {
  return readPngTextChunks(readWholeFile(path, limits), path, limits);
}

std::string embedPngTextChunks(std::string_view png, const std::vector<PngTextChunk>& chunks, const std::string& source,
                               const PngLimits& limits) {
  const Walk w = walkPng(png, source, limits);
  std::vector<std::string> encoded, replaced;
  for (const auto& t : chunks) {
    encoded.push_back(encodeText(t, source));
    replaced.push_back(keywordOf(std::string_view(encoded.back()).substr(4)));
  }
  std::string out(kSignature, 8);
  out.reserve(png.size() + 1024);
  for (const Chunk& c : w.chunks) {
    if (isTextChunk(c.type) && std::find(replaced.begin(), replaced.end(), keywordOf(c.data)) != replaced.end())
      continue;
    out.append(png.substr(c.start, c.end - c.start));
    if (c.type == "IHDR") {
      for (const std::string& e : encoded) {
        putBe32(out, static_cast<uint32_t>(e.size() - 4));
        out += e;
        putBe32(out, crc32(e.data(), e.size()));
      }
    }
  }
  out.append(png.substr(w.endOfIend));
  return out;
}

void embedPngTextChunksInFile(const std::string& path, const std::vector<PngTextChunk>& chunks,
                              const PngLimits& limits) {
  const std::string bytes = embedPngTextChunks(readWholeFile(path, limits), chunks, path, limits);
  // A crash or full disk must never leave a half-written image under the real name.
  const std::string tmp = path + ".part";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) fail(path, "cannot create " + tmp);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) {
      std::error_code ec;
      std::filesystem::remove(tmp, ec);
      fail(path, "cannot write " + tmp + " (disk full?)");
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    fail(path, "cannot move the written image into place (" + ec.message() + ")");
  }
}

// ---- A1111 `parameters` --------------------------------------------------------------------------------

namespace {

struct SamplerName {
  const char* ours;
  const char* a1111;
  const char* schedule;
};

constexpr SamplerName kSamplers[] = {
    {"ddim", "DDIM", "Automatic"},         {"euler", "Euler", "Automatic"},
    {"euler_karras", "Euler", "Karras"},   {"euler_a", "Euler a", "Automatic"},
    {"dpmpp_2m", "DPM++ 2M", "Automatic"}, {"dpmpp_2m_karras", "DPM++ 2M", "Karras"},
};

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trimmed(std::string_view s) {
  size_t a = 0, b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  return std::string(s.substr(a, b - a));
}

// A1111 quotes a value with JSON when it holds a separator.
std::string quoteValue(const std::string& v) {
  if (v.find_first_of(",:\n") == std::string::npos) return v;
  return nlohmann::json(v).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool isKeyChar(unsigned char c, bool first) {
  if (std::isalnum(c) || c == '_' || c >= 0x80) return true;
  return !first && (c == ' ' || c == '-' || c == '/');
}

// "Key: value, Key: "quoted, value", …" as A1111's settings pattern reads it; returns what it found.
std::vector<std::pair<std::string, std::string>> parseSettingsLine(const std::string& line) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t i = 0;
  const size_t n = line.size();
  while (i < n) {
    while (i < n && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    const size_t colon = line.find(':', i);
    if (colon == std::string::npos) break;
    const std::string key = line.substr(i, colon - i);
    bool keyOk = key.size() >= 2;
    for (size_t k = 0; keyOk && k < key.size(); ++k) keyOk = isKeyChar(key[k], k == 0);
    if (!keyOk) {
      // Not a setting here: resume after the next separator.
      const size_t comma = line.find(',', i);
      if (comma == std::string::npos) break;
      i = comma + 1;
      continue;
    }
    size_t v = colon + 1;
    while (v < n && std::isspace(static_cast<unsigned char>(line[v]))) ++v;
    std::string value;
    bool quoted = false;
    if (v < n && line[v] == '"') {
      size_t e = v + 1;
      while (e < n && line[e] != '"') e += line[e] == '\\' ? 2 : 1;
      if (e < n) {
        try {
          value = nlohmann::json::parse(line.substr(v, e - v + 1)).get<std::string>();
          quoted = true;
          v = e + 1;
        } catch (const nlohmann::json::exception&) {
        }
      }
    }
    const size_t comma = line.find(',', v);
    if (!quoted) value = trimmed(std::string_view(line).substr(v, comma == std::string::npos ? n - v : comma - v));
    out.emplace_back(trimmed(key), value);
    if (comma == std::string::npos) break;
    i = comma + 1;
  }
  return out;
}

template <typename T>
std::optional<T> number(const std::string& s) {
  T v{};
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

}  // namespace

std::pair<std::string, std::string> a1111SamplerName(const std::string& sampler) {
  for (const auto& s : kSamplers)
    if (sampler == s.ours) return {s.a1111, s.schedule};
  return {sampler, "Automatic"};
}

std::string samplerFromA1111(const std::string& sampler, const std::string& scheduleType) {
  std::string name = lower(trimmed(sampler));
  std::string schedule = lower(trimmed(scheduleType));
  // Before 1.9 the schedule was part of the sampler name ("DPM++ 2M Karras").
  if (name.size() > 7 && name.compare(name.size() - 7, 7, " karras") == 0) {
    name.resize(name.size() - 7);
    schedule = "karras";
  }
  const bool karras = schedule == "karras";
  if (!karras && !schedule.empty() && schedule != "automatic") return "";
  for (const auto& s : kSamplers)
    if (name == lower(s.a1111) && karras == (std::string(s.schedule) == "Karras")) return s.ours;
  return "";
}

std::string formatA1111Parameters(const Recipe& r) {
  std::string out = promptDisplayText(r.prompt);
  if (!r.negativePrompt.empty()) {
    std::string negative = r.negativePrompt;
    try {
      negative = promptDisplayText(parsePrompt(r.negativePrompt, "negative prompt"));
    } catch (const Error&) {
      // Not our syntax: shown as written.
    }
    out += "\nNegative prompt: " + negative;
  }
  auto [sampler, schedule] = a1111SamplerName(r.sampler);
  if (!r.scheduleType.empty()) schedule = r.scheduleType;
  std::vector<std::pair<std::string, std::string>> settings = {
      {"Steps", std::to_string(r.steps)}, {"Sampler", sampler},
      {"Schedule type", schedule},        {"CFG scale", formatNumber(r.cfgScale)},
      {"Seed", std::to_string(r.seed)},   {"Size", std::to_string(r.width) + "x" + std::to_string(r.height)},
  };
  // A1111's short hash: the first 10 hex digits of the file's SHA-256.
  if (!r.modelHash.empty()) settings.emplace_back("Model hash", r.modelHash.substr(0, 10));
  if (!r.modelName.empty()) settings.emplace_back("Model", r.modelName);
  if (!r.appVersion.empty()) settings.emplace_back("Version", "MUMU Studio " + r.appVersion);
  out += '\n';
  for (size_t i = 0; i < settings.size(); ++i)
    out += (i ? ", " : "") + settings[i].first + ": " + quoteValue(settings[i].second);
  return out;
}

A1111Parameters parseA1111Parameters(const std::string& text) {
  A1111Parameters p;
  std::vector<std::string> lines;
  for (size_t a = 0;;) {
    const size_t b = text.find('\n', a);
    std::string line = text.substr(a, b == std::string::npos ? std::string::npos : b - a);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    if (b == std::string::npos) break;
    a = b + 1;
  }
  // The last line holds the settings when it reads as at least three of them (A1111's own rule).
  if (!lines.empty()) {
    auto settings = parseSettingsLine(lines.back());
    if (settings.size() >= 3) {
      p.settings = std::move(settings);
      lines.pop_back();
    }
  }
  bool negative = false;
  for (const auto& raw : lines) {
    std::string line = trimmed(raw);
    if (line.rfind("Negative prompt:", 0) == 0) {
      negative = true;
      line = trimmed(std::string_view(line).substr(16));
    }
    std::string& target = negative ? p.negativePrompt : p.prompt;
    target += (target.empty() ? "" : "\n") + line;
  }
  for (const auto& [key, value] : p.settings) {
    if (key == "Steps")
      p.steps = number<int>(value);
    else if (key == "Sampler")
      p.sampler = value;
    else if (key == "Schedule type")
      p.scheduleType = value;
    else if (key == "CFG scale")
      p.cfgScale = number<double>(value);
    else if (key == "Seed")
      p.seed = number<uint64_t>(value);
    else if (key == "Model hash")
      p.modelHash = value;
    else if (key == "Model")
      p.model = value;
    else if (key == "Size") {
      const size_t x = value.find('x');
      if (x != std::string::npos) {
        p.width = number<int>(value.substr(0, x));
        p.height = number<int>(value.substr(x + 1));
      }
    }
  }
  return p;
}

Recipe recipeFromA1111(const A1111Parameters& a) {
  Recipe r;
  try {
    r.prompt = parsePrompt(a.prompt, "parameters");
  } catch (const Error&) {
    // A1111-only syntax ("[a:b:0.5]", "(emphasis)"): kept verbatim as one text segment.
    r.prompt = normalizePrompt(Prompt{{PromptSegment::makeText(a.prompt)}});
  }
  r.negativePrompt = a.negativePrompt;
  const std::string ours = samplerFromA1111(a.sampler, a.scheduleType);
  r.sampler = ours.empty() ? a.sampler : ours;
  r.scheduleType = a.scheduleType;
  if (a.steps) r.steps = *a.steps;
  if (a.cfgScale) r.cfgScale = *a.cfgScale;
  if (a.seed) r.seed = *a.seed;
  if (a.width && a.height) r.width = *a.width, r.height = *a.height;
  r.modelName = a.model;
  r.modelHash = a.modelHash;
  for (const auto& [key, value] : a.settings)
    if (key == "Version") r.appVersion = value;
  return r;
}

// ---- recipes in PNG files ------------------------------------------------------------------------------

std::vector<PngTextChunk> recipeTextChunks(const Recipe& recipe) {
  PngTextChunk parameters;
  parameters.keyword = "parameters";
  parameters.text = formatA1111Parameters(recipe);
  std::string latin1;
  // As PIL (and so A1111) does: tEXt when the text is Latin-1, iTXt otherwise.
  parameters.type = utf8ToLatin1(parameters.text, latin1) ? PngTextChunk::TEXt : PngTextChunk::ITXt;
  PngTextChunk mumu;
  mumu.keyword = "mumu";
  mumu.type = PngTextChunk::ITXt;
  mumu.text = recipeToJson(recipe, -1);
  return {parameters, mumu};
}

std::string embedRecipe(std::string_view png, const Recipe& recipe, const std::string& source) {
  return embedPngTextChunks(png, recipeTextChunks(recipe), source);
}

void embedRecipeInFile(const std::string& path, const Recipe& recipe) {
  embedPngTextChunksInFile(path, recipeTextChunks(recipe));
}

void writePngWithRecipe(const std::string& path, const Image& image, const Recipe& recipe) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  if (target.extension() != ".png") fail(path, "the output must be a .png file (it carries the recipe)");
  if (!target.parent_path().empty()) {
    std::error_code ec;
    fs::create_directories(target.parent_path(), ec);
    if (ec) fail(path, "cannot create the folder (" + ec.message() + ")");
  }
  // Unique per process and call: the CLI and the Studio's worker may write into the same folder at once.
  static std::atomic<uint64_t> counter{0};
  const fs::path tmp = target.parent_path() / ("." + target.stem().string() + ".part-" + std::to_string(::getpid()) +
                                               "-" + std::to_string(counter++) + ".png");
  try {
    writeImage(tmp.string(), image);
    embedRecipeInFile(tmp.string(), recipe);
    std::error_code ec;
    fs::rename(tmp, target, ec);
    if (ec) fail(path, "cannot move the written image into place (" + ec.message() + ")");
  } catch (...) {
    std::error_code ec;
    fs::remove(tmp, ec);
    throw;
  }
}

std::optional<RecoveredRecipe> readRecipeFromPngBytes(std::string_view png, const std::string& source,
                                                      const PngLimits& limits) {
  const auto chunks = readPngTextChunks(png, source, limits);
  const PngTextChunk* mumu = nullptr;
  const PngTextChunk* parameters = nullptr;
  for (const auto& c : chunks) {
    if (c.keyword == "mumu" && !mumu) mumu = &c;
    if (c.keyword == "parameters" && !parameters) parameters = &c;
  }
  if (!mumu && !parameters) return std::nullopt;
  RecoveredRecipe out;
  if (parameters) out.parameters = parameters->text;
  if (mumu) {
    out.origin = RecoveredRecipe::Mumu;
    out.recipe = recipeFromJson(mumu->text, source + ": mumu recipe");
  } else {
    out.origin = RecoveredRecipe::A1111;
    out.recipe = recipeFromA1111(parseA1111Parameters(parameters->text));
  }
  return out;
}

std::optional<RecoveredRecipe> readRecipeFromPng(const std::string& path, const PngLimits& limits) {
  return readRecipeFromPngBytes(readWholeFile(path, limits), path, limits);
}

}  // namespace mumu
