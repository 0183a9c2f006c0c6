#include "model/pipeline/prompt.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <tuple>

#include "model/io/image_file.h"
#include "model/io/json_limits.h"
#include "model/io/sha256.h"

namespace mumu {

namespace {

// Length of the UTF-8 sequence starting at s[i], or 0 when it is not valid UTF-8 (overlongs, surrogates and
// code points above U+10FFFF included): JSON output and the GUI both need valid text.
size_t utf8Length(const std::string& s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  size_t n = 0;
  uint32_t cp = 0;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF)
    n = 2, cp = c & 0x1F;
  else if (c >= 0xE0 && c <= 0xEF)
    n = 3, cp = c & 0x0F;
  else if (c >= 0xF0 && c <= 0xF4)
    n = 4, cp = c & 0x07;
  else
    return 0;
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3F);
  }
  if ((n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
    return 0;
  return n;
}

bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::string trim(const std::string& s) {
  size_t a = 0, b = s.size();
  while (a < b && isSpace(s[a])) ++a;
  while (b > a && isSpace(s[b - 1])) --b;
  return s.substr(a, b - a);
}

class Parser {
 public:
  Parser(const std::string& text, const std::string& source) : s_(text), source_(source) {}

  Prompt run() {
    validateUtf8();
    size_t i = 0;
    while (i < s_.size()) {
      const char c = s_[i];
      if (c == '\\') {
        if (textStart_ == npos) textStart_ = i;
        i = escape(i, text_);
      } else if (c == '[') {
        flushText();
        i = image(i);
      } else if (c == '(') {
        flushText();
        i = weightedText(i);
      } else if (c == ']') {
        error(i, "unmatched ']' (write \\] for a literal bracket)");
      } else if (c == ')') {
        error(i, "unmatched ')' (write \\) for a literal parenthesis)");
      } else {
        if (textStart_ == npos) textStart_ = i;
        text_ += c;
        ++i;
      }
    }
    flushText();
    return normalizePrompt(prompt_);
  }

 private:
  static constexpr size_t npos = std::string::npos;

  std::pair<int, int> position(size_t offset) const {
    int line = 1, column = 1;
    for (size_t k = 0; k < offset && k < s_.size(); ++k) {
      if (s_[k] == '\n')
        ++line, column = 1;
      else if ((static_cast<unsigned char>(s_[k]) & 0xC0) != 0x80)
        ++column;  // count code points
    }
    return {line, column};
  }

  [[noreturn]] void error(size_t offset, const std::string& what) const {
    const auto [line, column] = position(offset);
    throw PromptError(source_ + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + what, line, column,
                      -1);
  }

  void validateUtf8() const {
    for (size_t i = 0; i < s_.size();) {
      const size_t n = utf8Length(s_, i);
      if (n == 0) error(i, "invalid UTF-8 byte sequence");
      i += n;
    }
  }

  // A backslash escape at i: appends the escaped character (a whole UTF-8 sequence) and returns the next index.
  size_t escape(size_t i, std::string& out) const {
    if (i + 1 >= s_.size()) error(i, "'\\' at the end of the prompt (write \\\\ for a backslash)");
    const size_t n = utf8Length(s_, i + 1);
    out.append(s_, i + 1, n);
    return i + 1 + n;
  }

  void flushText() {
    if (textStart_ == npos) return;
    PromptSegment seg = PromptSegment::makeText(std::move(text_));
    std::tie(seg.line, seg.column) = position(textStart_);
    prompt_.segments.push_back(std::move(seg));
    text_.clear();
    textStart_ = npos;
  }

  double weight(const std::string& token, size_t offset) const {
    const std::string t = trim(token);
    if (t.empty()) error(offset, "missing weight after ':'");
    double w = 0;
    const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), w);
    if (ec != std::errc() || end != t.data() + t.size()) error(offset, "bad weight '" + t + "': not a number");
    if (!std::isfinite(w)) error(offset, "bad weight '" + t + "': not a finite number");
    if (w < 0) error(offset, "bad weight '" + t + "': negative");
    if (w > kMaxPromptWeight)
      error(offset, "bad weight '" + t + "': above the maximum " + formatNumber(kMaxPromptWeight));
    return w;
  }

  CropBox crop(const std::string& token, size_t offset) const {
    std::vector<int64_t> v;
    size_t a = 0;
    while (true) {
      const size_t b = token.find(',', a);
      const std::string part = trim(token.substr(a, b == npos ? npos : b - a));
      int64_t x = 0;
      const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), x);
      if (part.empty() || ec != std::errc() || end != part.data() + part.size() || std::abs(x) > (1 << 30))
        error(offset, "bad crop '" + trim(token) + "': expected 4 integers x,y,w,h");
      v.push_back(x);
      if (b == npos) break;
      a = b + 1;
    }
    if (v.size() != 4) error(offset, "bad crop '" + trim(token) + "': expected 4 integers x,y,w,h");
    if (v[0] < 0 || v[1] < 0) error(offset, "bad crop '" + trim(token) + "': negative position");
    if (v[2] <= 0 || v[3] <= 0) error(offset, "bad crop '" + trim(token) + "': width and height must be positive");
    return {static_cast<int>(v[0]), static_cast<int>(v[1]), static_cast<int>(v[2]), static_cast<int>(v[3])};
  }

  // [img:path(:weight)?(@x,y,w,h)?] at i; returns the index after ']'.
  size_t image(size_t open) {
    size_t i = open + 1;
    size_t k = i;
    while (k < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[k])) || s_[k] == '_' || s_[k] == '-')) ++k;
    if (k < s_.size() && s_[k] == ':' && k > i && s_.compare(i, k - i, "img") != 0)
      error(open, "unknown tag '[" + s_.substr(i, k - i) + ":' (expected [img:path])");
    if (!(k < s_.size() && s_[k] == ':' && s_.compare(i, k - i, "img") == 0))
      error(open, "unescaped '[' (write \\[ for a literal bracket, or [img:path] for an image)");
    i = k + 1;
    const auto unterminated = [&]() { error(open, "unterminated image reference (missing ']')"); };

    PromptSegment seg;
    seg.kind = PromptSegment::Image;
    std::tie(seg.line, seg.column) = position(open);

    // The path: quoted, or up to ':', '@' or ']' (escapes allowed, trimmed).
    size_t p = i;
    while (p < s_.size() && (s_[p] == ' ' || s_[p] == '\t')) ++p;
    const size_t pathPos = p;
    if (p < s_.size() && s_[p] == '"') {
      ++p;
      while (true) {
        if (p >= s_.size() || s_[p] == '\n') error(pathPos, "unterminated quoted path (missing '\"')");
        if (s_[p] == '"') break;
        if (s_[p] == '\\')
          p = escape(p, seg.imagePath);
        else
          seg.imagePath += s_[p++];
      }
      ++p;
      while (p < s_.size() && (s_[p] == ' ' || s_[p] == '\t')) ++p;
      if (p >= s_.size()) unterminated();
      if (s_[p] != ':' && s_[p] != '@' && s_[p] != ']')
        error(p, "unexpected text after the quoted path (expected ':weight', '@x,y,w,h' or ']')");
    } else {
      std::string raw;
      p = i;
      while (true) {
        if (p >= s_.size() || s_[p] == '\n' || s_[p] == '[') unterminated();
        const char c = s_[p];
        if (c == ':' || c == '@' || c == ']') break;
        if (c == '\\')
          p = escape(p, raw);
        else
          raw += s_[p++];
      }
      seg.imagePath = trim(raw);
    }
    if (seg.imagePath.empty()) error(pathPos, "empty image path");

    const auto until = [&](size_t from, const char* stops) {
      size_t e = from;
      while (true) {
        if (e >= s_.size() || s_[e] == '\n' || s_[e] == '[') unterminated();
        if (std::strchr(stops, s_[e])) return e;
        ++e;
      }
    };
    if (s_[p] == ':') {
      const size_t e = until(p + 1, "@]");
      seg.weight = weight(s_.substr(p + 1, e - p - 1), p + 1);
      p = e;
    }
    if (s_[p] == '@') {
      const size_t e = until(p + 1, "]");
      seg.crop = crop(s_.substr(p + 1, e - p - 1), p + 1);
      p = e;
    }
    prompt_.segments.push_back(std::move(seg));
    return p + 1;  // s_[p] == ']'
  }

  // (text:weight) at open; returns the index after ')'.
  size_t weightedText(size_t open) {
    std::string decoded;
    size_t colonDecoded = npos, colonSource = npos;
    size_t i = open + 1;
    while (true) {
      if (i >= s_.size()) error(open, "unterminated weighted text (missing ')')");
      const char c = s_[i];
      if (c == ')') break;
      if (c == '(') error(i, "nested '(' inside weighted text (write \\( for a literal parenthesis)");
      if (c == '[')
        error(i, "'[' inside weighted text (images cannot be inside (text:weight); write \\[ for a bracket)");
      if (c == ']') error(i, "unmatched ']' (write \\] for a literal bracket)");
      if (c == '\\') {
        i = escape(i, decoded);
        continue;
      }
      if (c == ':') colonDecoded = decoded.size(), colonSource = i;
      decoded += c;
      ++i;
    }
    if (colonSource == npos) error(open, "'(' without a weight: write (text:weight), or \\( for a literal parenthesis");
    PromptSegment seg = PromptSegment::makeText(decoded.substr(0, colonDecoded));
    seg.weight = weight(s_.substr(colonSource + 1, i - colonSource - 1), colonSource + 1);
    if (seg.text.empty()) error(open, "empty weighted text");
    std::tie(seg.line, seg.column) = position(open);
    prompt_.segments.push_back(std::move(seg));
    return i + 1;
  }

  const std::string& s_;
  const std::string& source_;
  Prompt prompt_;
  std::string text_;
  size_t textStart_ = npos;
};

void appendEscaped(std::string& out, const std::string& text, const char* special) {
  for (char c : text) {
    if (std::strchr(special, c) && c != '\0') out += '\\';
    out += c;
  }
}

bool pathNeedsQuotes(const std::string& path) {
  if (path.empty() || isSpace(path.front()) || isSpace(path.back())) return true;
  for (char c : path)
    if (std::strchr(":@[]\"\\()", c) || static_cast<unsigned char>(c) < 0x20 || c == ' ') return true;
  return false;
}

std::string segmentWhere(const PromptSegment& seg, size_t index, const std::string& source) {
  if (seg.line > 0) return source + ":" + std::to_string(seg.line) + ":" + std::to_string(seg.column);
  return source + "[" + std::to_string(index) + "]";
}

[[noreturn]] void segmentError(const PromptSegment& seg, size_t index, const std::string& source,
                               const std::string& what) {
  throw PromptError(segmentWhere(seg, index, source) + ": " + what, seg.line, seg.column, static_cast<int>(index));
}

[[noreturn]] void jsonError(const std::string& where, int segment, const std::string& what) {
  throw PromptError(where + ": " + what, 0, 0, segment);
}

bool isLowerHex64(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace

// ---- segments ------------------------------------------------------------------------------------------

PromptSegment PromptSegment::makeText(std::string text, double weight) {
  PromptSegment s;
  s.kind = Text;
  s.text = std::move(text);
  s.weight = weight;
  return s;
}

PromptSegment PromptSegment::makeImage(std::string path, double weight, std::optional<CropBox> crop) {
  PromptSegment s;
  s.kind = Image;
  s.imagePath = std::move(path);
  s.weight = weight;
  s.crop = crop;
  return s;
}

bool PromptSegment::operator==(const PromptSegment& o) const {
  return kind == o.kind && text == o.text && imagePath == o.imagePath && crop == o.crop && weight == o.weight &&
         note == o.note && imageSha256 == o.imageSha256;
}

int Prompt::imageCount() const {
  int n = 0;
  for (const auto& s : segments) n += s.isImage();
  return n;
}

std::string formatNumber(double v) {
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : std::to_string(v);
}

// ---- text syntax ---------------------------------------------------------------------------------------

void checkPromptSize(int images, size_t textBytes, const std::string& source) {
  if (images > kMaxPromptImages)
    throw PromptError(source + ": " + std::to_string(images) + " reference images; a prompt holds at most " +
                          std::to_string(kMaxPromptImages),
                      0, 0, -1);
  if (textBytes > kMaxPromptTextBytes)
    throw PromptError(source + ": " + std::to_string(textBytes) + " bytes of text; a prompt holds at most " +
                          std::to_string(kMaxPromptTextBytes),
                      0, 0, -1);
}

namespace {
size_t textBytes(const Prompt& p) {
  size_t n = 0;
  for (const auto& s : p.segments) n += s.isText() ? s.text.size() : 0;
  return n;
}
}  // namespace

Prompt parsePrompt(const std::string& text, const std::string& source) {
  Prompt p = Parser(text, source).run();
  checkPromptSize(p.imageCount(), textBytes(p), source);
  return p;
}

Prompt normalizePrompt(const Prompt& prompt) {
  Prompt out;
  for (const auto& seg : prompt.segments) {
    if (seg.isText() && seg.text.empty()) continue;
    if (seg.isText() && !out.segments.empty()) {
      PromptSegment& last = out.segments.back();
      if (last.isText() && last.weight == seg.weight && last.note == seg.note) {
        last.text += seg.text;
        continue;
      }
    }
    out.segments.push_back(seg);
  }
  return out;
}

std::string serializePrompt(const Prompt& prompt) {
  std::string out;
  for (const auto& seg : prompt.segments) {
    if (seg.isText()) {
      if (seg.weight == 1.0) {
        appendEscaped(out, seg.text, "\\[]()");
      } else {
        out += '(';
        appendEscaped(out, seg.text, "\\[]()");
        out += ':' + formatNumber(seg.weight) + ')';
      }
      continue;
    }
    out += "[img:";
    if (pathNeedsQuotes(seg.imagePath)) {
      out += '"';
      appendEscaped(out, seg.imagePath, "\\\"");
      out += '"';
    } else {
      out += seg.imagePath;
    }
    if (seg.weight != 1.0) out += ':' + formatNumber(seg.weight);
    if (seg.crop) {
      const CropBox& c = *seg.crop;
      out +=
          '@' + std::to_string(c.x) + ',' + std::to_string(c.y) + ',' + std::to_string(c.w) + ',' + std::to_string(c.h);
    }
    out += ']';
  }
  return out;
}

Prompt parsePromptAny(const std::string& text, const std::string& source) {
  size_t i = 0;
  while (i < text.size() && isSpace(text[i])) ++i;
  if (i < text.size() && text[i] == '[') {
    size_t k = i + 1;
    while (k < text.size() && isSpace(text[k])) ++k;
    if (k < text.size() && (text[k] == '{' || text[k] == ']')) {
      Prompt p = promptFromJson(text, source);
      checkPromptSize(p.imageCount(), textBytes(p), source);
      return p;
    }
  }
  return parsePrompt(text, source);
}

std::string promptDisplayText(const Prompt& prompt) {
  std::string out;
  for (const auto& seg : prompt.segments) {
    if (seg.isText()) {
      if (seg.weight != 1.0) out += '(';
      appendEscaped(out, seg.text, "\\[]()");
      if (seg.weight != 1.0) out += ':' + formatNumber(seg.weight) + ')';
    } else {
      // The file name only: folders are private to the machine that generated the image.
      const size_t slash = seg.imagePath.find_last_of("/\\");
      appendEscaped(out, slash == std::string::npos ? seg.imagePath : seg.imagePath.substr(slash + 1), "\\[]()");
    }
  }
  return out;
}

// ---- JSON form -----------------------------------------------------------------------------------------

std::string promptToJson(const Prompt& prompt, int indent) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& seg : prompt.segments) {
    nlohmann::json j = nlohmann::json::object();
    if (seg.isText()) {
      j["text"] = seg.text;
    } else {
      j["image"] = seg.imagePath;
    }
    if (seg.weight != 1.0) j["weight"] = seg.weight;
    if (seg.isImage() && seg.crop) j["crop"] = {seg.crop->x, seg.crop->y, seg.crop->w, seg.crop->h};
    if (!seg.note.empty()) j["note"] = seg.note;
    if (seg.isImage() && !seg.imageSha256.empty()) j["sha256"] = seg.imageSha256;
    list.push_back(std::move(j));
  }
  // Invalid UTF-8 (possible only in segments built by hand) is replaced rather than thrown at the writer.
  return list.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

Prompt promptFromJson(const std::string& json, const std::string& source) {
  checkJsonDepth(json, source);
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(json);
  } catch (const nlohmann::json::exception& e) {
    jsonError(source, -1, std::string("not valid JSON (") + e.what() + ")");
  }
  if (!doc.is_array()) jsonError(source, -1, "expected a JSON list of segments");
  Prompt prompt;
  for (size_t i = 0; i < doc.size(); ++i) {
    const nlohmann::json& j = doc[i];
    const std::string where = source + "[" + std::to_string(i) + "]";
    const int idx = static_cast<int>(i);
    if (!j.is_object()) jsonError(where, idx, "expected an object with \"text\" or \"image\"");
    for (const auto& [key, value] : j.items())
      if (key != "text" && key != "image" && key != "weight" && key != "crop" && key != "note" && key != "sha256")
        jsonError(where + "." + key, idx, "unknown key (expected text, image, weight, crop, note, sha256)");
    const bool hasText = j.contains("text"), hasImage = j.contains("image");
    if (hasText == hasImage) jsonError(where, idx, "needs exactly one of \"text\" and \"image\"");
    PromptSegment seg;
    if (hasText) {
      if (!j["text"].is_string()) jsonError(where + ".text", idx, "expected a string");
      seg.kind = PromptSegment::Text;
      seg.text = j["text"].get<std::string>();
      if (j.contains("crop")) jsonError(where + ".crop", idx, "only image segments have a crop");
      if (j.contains("sha256")) jsonError(where + ".sha256", idx, "only image segments have a sha256");
    } else {
      if (!j["image"].is_string()) jsonError(where + ".image", idx, "expected a string (the image path)");
      seg.kind = PromptSegment::Image;
      seg.imagePath = j["image"].get<std::string>();
      if (seg.imagePath.empty()) jsonError(where + ".image", idx, "empty image path");
    }
    if (j.contains("weight")) {
      const auto& w = j["weight"];
      if (!w.is_number()) jsonError(where + ".weight", idx, "expected a number");
      seg.weight = w.get<double>();
      if (!std::isfinite(seg.weight) || seg.weight < 0 || seg.weight > kMaxPromptWeight)
        jsonError(where + ".weight", idx,
                  "weight " + formatNumber(seg.weight) + " is outside 0 … " + formatNumber(kMaxPromptWeight));
    }
    if (j.contains("crop")) {
      const auto& c = j["crop"];
      bool ok = c.is_array() && c.size() == 4;
      for (size_t k = 0; ok && k < 4; ++k)
        ok = c[k].is_number_integer() && c[k].get<int64_t>() >= -(1 << 30) && c[k].get<int64_t>() <= (1 << 30);
      if (!ok) jsonError(where + ".crop", idx, "expected 4 integers [x, y, w, h]");
      seg.crop = CropBox{c[0].get<int>(), c[1].get<int>(), c[2].get<int>(), c[3].get<int>()};
      if (seg.crop->x < 0 || seg.crop->y < 0) jsonError(where + ".crop", idx, "negative position");
      if (seg.crop->w <= 0 || seg.crop->h <= 0) jsonError(where + ".crop", idx, "width and height must be positive");
    }
    if (j.contains("note")) {
      if (!j["note"].is_string()) jsonError(where + ".note", idx, "expected a string");
      seg.note = j["note"].get<std::string>();
    }
    if (j.contains("sha256")) {
      if (!j["sha256"].is_string() || !isLowerHex64(j["sha256"].get<std::string>()))
        jsonError(where + ".sha256", idx, "expected 64 lower-case hex digits");
      seg.imageSha256 = j["sha256"].get<std::string>();
    }
    prompt.segments.push_back(std::move(seg));
  }
  return prompt;
}

// ---- files ---------------------------------------------------------------------------------------------

Prompt resolveImagePaths(const Prompt& prompt, const std::string& baseDir) {
  Prompt out = prompt;
  if (baseDir.empty()) return out;
  for (auto& seg : out.segments) {
    if (!seg.isImage()) continue;
    const std::filesystem::path p(seg.imagePath);
    if (p.is_relative()) seg.imagePath = (std::filesystem::path(baseDir) / p).lexically_normal().string();
  }
  return out;
}

void checkPromptImages(const Prompt& prompt, const std::string& source) {
  for (size_t i = 0; i < prompt.segments.size(); ++i) {
    const PromptSegment& seg = prompt.segments[i];
    if (!seg.isImage()) continue;
    Image img;
    try {
      img = readImage(seg.imagePath);
    } catch (const Error& e) {
      segmentError(seg, i, source, std::string("image reference: ") + e.what());
    }
    if (seg.crop) {
      const CropBox& c = *seg.crop;
      if (int64_t(c.x) + c.w > img.width || int64_t(c.y) + c.h > img.height)
        segmentError(seg, i, source,
                     "crop " + std::to_string(c.x) + "," + std::to_string(c.y) + "," + std::to_string(c.w) + "," +
                         std::to_string(c.h) + " lies outside the " + std::to_string(img.width) + "x" +
                         std::to_string(img.height) + " image " + seg.imagePath);
    }
  }
}

void hashPromptImages(Prompt& prompt, const std::string& source) {
  for (size_t i = 0; i < prompt.segments.size(); ++i) {
    PromptSegment& seg = prompt.segments[i];
    if (!seg.isImage()) continue;
    try {
      seg.imageSha256 = sha256File(seg.imagePath);
    } catch (const Error& e) {
      segmentError(seg, i, source, std::string("image reference: ") + e.what());
    }
  }
}

}  // namespace mumu
