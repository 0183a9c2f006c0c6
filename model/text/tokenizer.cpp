// tokenizer.cpp — see tokenizer.h for the rules implemented. BPE keeps the symbols of a stretch of text in a doubly
// linked list over arrays and the candidate merges in a binary heap ordered by (rank, position), so a stretch of n
// code points costs O(n log n); heap entries made stale by an earlier merge are recognised and skipped when popped.
#include "model/text/tokenizer.h"

#include "model/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <unordered_map>

namespace mumu {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kMetaspace = "\xE2\x96\x81";  // U+2581 '▁', sentencepiece's visible space
constexpr uint32_t kMetaspaceCp = 0x2581;

// Length of the valid UTF-8 sequence that starts at s[i] (its code point goes to *cp), or 0 when none starts there:
// a stray continuation byte, an overlong form, a surrogate, a value past U+10FFFF or a cut-off sequence.
size_t utf8Next(std::string_view s, size_t i, uint32_t* cp) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    *cp = b0;
    return 1;
  }
  size_t n = 0;
  uint32_t c = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    n = 2, c = b0 & 0x1Fu;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    n = 3, c = b0 & 0x0Fu;
    if (b0 == 0xE0) lo = 0xA0;  // overlong
    if (b0 == 0xED) hi = 0x9F;  // surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    n = 4, c = b0 & 0x07u;
    if (b0 == 0xF0) lo = 0x90;  // overlong
    if (b0 == 0xF4) hi = 0x8F;  // > U+10FFFF
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xBF)) return 0;
    c = (c << 6) | (b & 0x3Fu);
  }
  *cp = c;
  return n;
}

bool isAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

uint64_t pairKey(int32_t left, int32_t right) {
  return (uint64_t{static_cast<uint32_t>(left)} << 32) | static_cast<uint32_t>(right);
}

// "<0xNN>" → NN, or -1.
int parseByteToken(std::string_view t) {
  auto hex = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (t.size() != 6 || t.substr(0, 3) != "<0x" || t[5] != '>') return -1;
  const int hi = hex(t[3]), lo = hex(t[4]);
  return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

// Shortens a token for an error message (tokens can be long or unprintable).
std::string shown(std::string_view s) {
  std::string out = "'";
  out.append(s.substr(0, 40));
  if (s.size() > 40) out += "...";
  return out + "'";
}

std::string jsonTypeName(const Json& j) {
  return j.type_name();
}

}  // namespace

struct Tokenizer::Impl {
  enum class TokenKind : uint8_t { kText, kByte, kAdded };
  struct TokenInfo {
    std::string text;
    TokenKind kind = TokenKind::kText;
    uint8_t byte = 0;  // for kByte
    bool special = false;
  };
  struct AddedToken {
    std::string content;
    int32_t id = 0;
    bool lstrip = false, rstrip = false;
  };
  struct MergeRule {
    int32_t rank = 0;
    int32_t result = 0;
  };
  class Loader;

  std::string source;
  TokenizerOptions options;
  std::vector<TokenInfo> tokens;                       // by id
  std::unordered_map<std::string, int32_t> ids;        // every token's text → id
  std::array<int32_t, 128> asciiIds{};                 // single-code-point tokens, the common case first
  std::unordered_map<uint32_t, int32_t> codePointIds;  // the others
  std::unordered_map<uint64_t, MergeRule> merges;      // (left id, right id) → rank and merged id
  std::array<int32_t, 256> byteIds{};                  // <0xNN> tokens, -1 where absent
  bool byteFallback = false, fuseUnk = false, ignoreMerges = false;
  bool prependPrefix = false;  // the file's Prepend '▁' normaliser
  bool replaceSpaces = false;  // the file's Replace ' ' → '▁' normaliser
  int32_t unk = -1, bos = -1, eos = -1;
  std::vector<AddedToken> added;       // longest content first, so the first match at a position is the longest
  std::array<bool, 256> addedStart{};  // first bytes of added tokens, to skip most positions quickly

  int32_t codePointId(uint32_t cp) const {
    if (cp < 128) return asciiIds[cp];
    const auto it = codePointIds.find(cp);
    return it == codePointIds.end() ? -1 : it->second;
  }

  void indexToken(int32_t id) {
    const TokenInfo& t = tokens[static_cast<size_t>(id)];
    uint32_t cp = 0;
    if (!t.text.empty() && utf8Next(t.text, 0, &cp) == t.text.size()) {
      if (cp < 128) {
        asciiIds[cp] = id;
      } else {
        codePointIds.emplace(cp, id);
      }
    }
  }

  void registerAdded(const std::string& content, int32_t id, bool lstrip, bool rstrip) {
    for (const AddedToken& a : added) {
      if (a.content == content) return;
    }
    added.push_back({content, id, lstrip, rstrip});
    std::stable_sort(added.begin(), added.end(),
                     [](const AddedToken& a, const AddedToken& b) { return a.content.size() > b.content.size(); });
    addedStart[static_cast<unsigned char>(content[0])] = true;
  }

  void bpe(std::string_view text, bool prefix, std::vector<int32_t>& out) const;
  void encodeStretch(std::string_view text, bool prefix, std::vector<int32_t>& out) const {
    if (text.empty()) return;  // Prepend leaves an empty stretch empty
    bpe(text, prefix && prependPrefix, out);
  }
};

void Tokenizer::Impl::bpe(std::string_view text, bool prefix, std::vector<int32_t>& out) const {
  // Initial symbols: one per code point, or per byte where a code point has no token.
  std::vector<int32_t> sym;
  sym.reserve(text.size() + 1);
  bool lastUnk = false;
  auto pushUnk = [&] {
    if (unk < 0)
      fail(source, "the text has a character with no token, and the model has neither byte fallback nor unk");
    if (!(fuseUnk && lastUnk)) sym.push_back(unk);
    lastUnk = true;
  };
  auto pushByte = [&](unsigned char b) {
    if (byteIds[b] < 0) return pushUnk();
    sym.push_back(byteIds[b]);
    lastUnk = false;
  };
  auto pushCodePoint = [&](uint32_t cp, std::string_view bytes) {
    const int32_t id = codePointId(cp);
    if (id >= 0) {
      sym.push_back(id);
      lastUnk = false;
      return;
    }
    bool allBytes = byteFallback;
    for (char b : bytes) allBytes = allBytes && byteIds[static_cast<unsigned char>(b)] >= 0;
    if (!allBytes) return pushUnk();
    for (char b : bytes) pushByte(static_cast<unsigned char>(b));
  };
  if (prefix) pushCodePoint(kMetaspaceCp, kMetaspace);
  for (size_t i = 0; i < text.size();) {
    if (replaceSpaces && text[i] == ' ') {
      pushCodePoint(kMetaspaceCp, kMetaspace);
      ++i;
      continue;
    }
    uint32_t cp = 0;
    const size_t n = utf8Next(text, i, &cp);
    if (n == 0) {  // not UTF-8: the byte itself
      if (byteFallback) {
        pushByte(static_cast<unsigned char>(text[i]));
      } else {
        pushUnk();
      }
      ++i;
      continue;
    }
    pushCodePoint(cp, text.substr(i, n));
    i += n;
  }

  if (ignoreMerges) {  // a stretch that is itself a token is taken whole
    std::string normalized = prefix ? std::string(kMetaspace) : std::string();
    for (char c : text) {
      if (replaceSpaces && c == ' ') {
        normalized += kMetaspace;
      } else {
        normalized += c;
      }
    }
    const auto it = ids.find(normalized);
    if (it != ids.end() && tokens[static_cast<size_t>(it->second)].kind == TokenKind::kText) {
      out.push_back(it->second);
      return;
    }
  }

  const auto n = static_cast<int32_t>(sym.size());
  if (n <= 1) {
    out.insert(out.end(), sym.begin(), sym.end());
    return;
  }
  std::vector<int32_t> prev(static_cast<size_t>(n)), next(static_cast<size_t>(n));
  for (int32_t k = 0; k < n; ++k) {
    prev[static_cast<size_t>(k)] = k - 1;
    next[static_cast<size_t>(k)] = k + 1 < n ? k + 1 : -1;
  }
  struct Candidate {
    int32_t rank, pos, left, right, result;
  };
  // std heaps are max-heaps: "a comes after b" puts the lowest rank, then the leftmost position, on top.
  auto after = [](const Candidate& a, const Candidate& b) {
    return a.rank != b.rank ? a.rank > b.rank : a.pos > b.pos;
  };
  std::vector<Candidate> heap;
  heap.reserve(static_cast<size_t>(n));
  auto candidate = [&](int32_t pos) -> bool {
    const int32_t r = next[static_cast<size_t>(pos)];
    if (r < 0) return false;
    const int32_t left = sym[static_cast<size_t>(pos)], right = sym[static_cast<size_t>(r)];
    const auto it = merges.find(pairKey(left, right));
    if (it == merges.end()) return false;
    heap.push_back({it->second.rank, pos, left, right, it->second.result});
    return true;
  };
  for (int32_t k = 0; k + 1 < n; ++k) candidate(k);
  std::make_heap(heap.begin(), heap.end(), after);

  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), after);
    const Candidate c = heap.back();
    heap.pop_back();
    const auto pos = static_cast<size_t>(c.pos);
    const int32_t r = next[pos];
    // Stale when either side was merged since: merged symbols get a new (longer) id, removed ones get -1.
    if (sym[pos] != c.left || r < 0 || sym[static_cast<size_t>(r)] != c.right) continue;
    sym[pos] = c.result;
    const int32_t rr = next[static_cast<size_t>(r)];
    next[pos] = rr;
    if (rr >= 0) prev[static_cast<size_t>(rr)] = c.pos;
    sym[static_cast<size_t>(r)] = -1;
    if (prev[pos] >= 0 && candidate(prev[pos])) std::push_heap(heap.begin(), heap.end(), after);
    if (candidate(c.pos)) std::push_heap(heap.begin(), heap.end(), after);
  }
  for (int32_t k = 0; k >= 0; k = next[static_cast<size_t>(k)]) out.push_back(sym[static_cast<size_t>(k)]);
}

// ---- loading ----------------------------------------------------------------------------------------------------

class Tokenizer::Impl::Loader {
 public:
  Loader(Tokenizer::Impl& impl, const Json& root) : t_(impl), root_(root) {}

  void run() {
    if (!root_.is_object())
      fail("not a tokenizer.json: the top level is a JSON " + jsonTypeName(root_) + ", not an object");
    const auto model = root_.find("model");
    if (model == root_.end() || !model->is_object()) fail("not a tokenizer.json: no \"model\" object");
    readModel(*model);
    readNormalizer();
    readPreTokenizer();
    readAddedTokens();
    t_.bos = idOf("<s>");
    t_.eos = idOf("</s>");
  }

 private:
  [[noreturn]] void fail(const std::string& what) const { mumu::fail(t_.source, what); }

  int32_t idOf(const std::string& text) const {
    const auto it = t_.ids.find(text);
    return it == t_.ids.end() ? -1 : it->second;
  }

  static bool nullOrEmpty(const Json& obj, const char* key) {
    const auto it = obj.find(key);
    return it == obj.end() || it->is_null() || (it->is_string() && it->get_ref<const std::string&>().empty());
  }

  bool flag(const Json& obj, const char* key, const std::string& where) const {
    const auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return false;
    if (!it->is_boolean()) fail(where + "." + key + " is a " + jsonTypeName(*it) + ", not true/false");
    return it->get<bool>();
  }

  void readModel(const Json& model) {
    if (const auto type = model.find("type"); type != model.end()) {
      if (!type->is_string()) fail("model.type is not a string");
      if (type->get_ref<const std::string&>() != "BPE") {
        fail("model.type is '" + type->get<std::string>() + "'; only BPE tokenizers are supported");
      }
    }
    if (const auto dropout = model.find("dropout"); dropout != model.end() && !dropout->is_null()) {
      if (!dropout->is_number() || dropout->get<double>() != 0.0)
        fail("model.dropout is set; BPE dropout is not supported");
    }
    if (!nullOrEmpty(model, "continuing_subword_prefix")) fail("model.continuing_subword_prefix is not supported");
    if (!nullOrEmpty(model, "end_of_word_suffix")) fail("model.end_of_word_suffix is not supported");
    t_.byteFallback = flag(model, "byte_fallback", "model");
    t_.fuseUnk = flag(model, "fuse_unk", "model");
    t_.ignoreMerges = flag(model, "ignore_merges", "model");
    readVocab(model);
    readMerges(model);
    if (const auto unk = model.find("unk_token"); unk != model.end() && !unk->is_null()) {
      if (!unk->is_string()) fail("model.unk_token is a " + jsonTypeName(*unk) + ", not a string");
      t_.unk = idOf(unk->get<std::string>());
      if (t_.unk < 0) fail("model.unk_token " + shown(unk->get<std::string>()) + " is not in model.vocab");
    }
  }

  void readVocab(const Json& model) {
    const auto vocab = model.find("vocab");
    if (vocab == model.end()) fail("model.vocab is missing");
    if (!vocab->is_object()) fail("model.vocab is a " + jsonTypeName(*vocab) + ", not an object {token: id}");
    if (vocab->empty()) fail("model.vocab is empty");
    if (vocab->size() > static_cast<size_t>(std::numeric_limits<int32_t>::max() / 2)) fail("model.vocab is too large");
    const auto n = static_cast<int64_t>(vocab->size());
    t_.tokens.assign(static_cast<size_t>(n), {});
    std::vector<bool> seen(static_cast<size_t>(n), false);
    t_.ids.reserve(static_cast<size_t>(n) * 2);
    for (const auto& [text, value] : vocab->items()) {
      if (!value.is_number_integer()) fail("model.vocab: the id of " + shown(text) + " is not an integer");
      const auto id = value.get<int64_t>();
      if (id < 0 || id >= n) {
        fail("model.vocab: " + shown(text) + " has id " + std::to_string(id) + ", outside 0.." + std::to_string(n - 1) +
             " (ids must be dense)");
      }
      if (text.empty()) fail("model.vocab: an empty token (id " + std::to_string(id) + ")");
      if (seen[static_cast<size_t>(id)]) {
        fail("model.vocab: id " + std::to_string(id) + " is given to both " +
             shown(t_.tokens[static_cast<size_t>(id)].text) + " and " + shown(text));
      }
      seen[static_cast<size_t>(id)] = true;
      t_.tokens[static_cast<size_t>(id)].text = text;
      t_.ids.emplace(text, static_cast<int32_t>(id));
    }
    // n entries, ids within 0..n-1 and none repeated: the ids are exactly 0..n-1.
    t_.asciiIds.fill(-1);
    t_.byteIds.fill(-1);
    for (int32_t id = 0; id < static_cast<int32_t>(n); ++id) {
      TokenInfo& info = t_.tokens[static_cast<size_t>(id)];
      if (const int b = parseByteToken(info.text); b >= 0) {
        info.kind = TokenKind::kByte;
        info.byte = static_cast<uint8_t>(b);
        t_.byteIds[static_cast<size_t>(b)] = id;
      }
      t_.indexToken(id);
    }
  }

  void readMerges(const Json& model) {
    const auto merges = model.find("merges");
    if (merges == model.end()) fail("model.merges is missing");
    if (!merges->is_array()) fail("model.merges is a " + jsonTypeName(*merges) + ", not an array");
    t_.merges.reserve(merges->size() * 2);
    for (size_t rank = 0; rank < merges->size(); ++rank) {
      const Json& m = (*merges)[rank];
      const std::string where = "model.merges[" + std::to_string(rank) + "]";
      std::string left, right;
      if (m.is_string()) {  // "left right"
        const auto& s = m.get_ref<const std::string&>();
        const size_t space = s.find(' ');
        if (space == std::string::npos || space == 0 || space + 1 == s.size() ||
            s.find(' ', space + 1) != std::string::npos) {
          fail(where + " is " + shown(s) + "; expected two tokens separated by one space");
        }
        left = s.substr(0, space);
        right = s.substr(space + 1);
      } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {  // ["left", "right"]
        left = m[0].get<std::string>();
        right = m[1].get<std::string>();
      } else {
        fail(where + " is a " + jsonTypeName(m) + "; expected \"left right\" or [\"left\", \"right\"]");
      }
      const int32_t l = idOf(left), r = idOf(right), result = idOf(left + right);
      if (l < 0) fail(where + ": " + shown(left) + " is not in model.vocab");
      if (r < 0) fail(where + ": " + shown(right) + " is not in model.vocab");
      if (result < 0) fail(where + ": the merged token " + shown(left + right) + " is not in model.vocab");
      t_.merges.emplace(pairKey(l, r), MergeRule{static_cast<int32_t>(rank), result});  // a repeat keeps its first rank
    }
  }

  // This file's normaliser: Sequence[Prepend '▁', Replace ' ' → '▁'] (either part alone, or none, is fine too).
  void readNormalizer() {
    const auto it = root_.find("normalizer");
    if (it == root_.end() || it->is_null()) return;
    auto one = [&](const Json& n) {
      if (!n.is_object() || !n.contains("type") || !n["type"].is_string()) fail("normalizer: an entry has no \"type\"");
      const auto& type = n["type"].get_ref<const std::string&>();
      if (type == "Prepend") {
        if (!n.contains("prepend") || n["prepend"] != std::string(kMetaspace)) {
          fail("normalizer: only Prepend '\u2581' is supported");
        }
        t_.prependPrefix = true;
      } else if (type == "Replace") {
        const Json* pattern = n.contains("pattern") ? &n["pattern"] : nullptr;
        if (!pattern || !pattern->is_object() || !pattern->contains("String") || (*pattern)["String"] != " " ||
            !n.contains("content") || n["content"] != std::string(kMetaspace)) {
          fail("normalizer: only Replace ' ' with '\u2581' is supported");
        }
        t_.replaceSpaces = true;
      } else {
        fail("normalizer '" + type + "' is not supported (only Prepend '\u2581' and Replace ' ' with '\u2581')");
      }
    };
    if (!it->is_object() || !it->contains("type")) fail("normalizer has no \"type\"");
    if ((*it)["type"] == "Sequence") {
      const auto list = it->find("normalizers");
      if (list == it->end() || !list->is_array()) fail("normalizer: a Sequence without a \"normalizers\" array");
      for (const Json& n : *list) one(n);
    } else {
      one(*it);
    }
  }

  void readPreTokenizer() {
    const auto it = root_.find("pre_tokenizer");
    if (it == root_.end() || it->is_null()) return;
    std::string type = it->is_object() && it->contains("type") && (*it)["type"].is_string()
                           ? (*it)["type"].get<std::string>()
                           : std::string("?");
    fail("pre_tokenizer '" + type + "' is not supported (this tokenizer implements files whose pre_tokenizer is null)");
  }

  void readAddedTokens() {
    const auto it = root_.find("added_tokens");
    if (it == root_.end() || it->is_null()) return;
    if (!it->is_array()) fail("added_tokens is a " + jsonTypeName(*it) + ", not an array");
    struct Entry {
      size_t index;
      int64_t id;
      std::string content;
      bool special, lstrip, rstrip;
    };
    std::vector<Entry> entries;
    for (size_t i = 0; i < it->size(); ++i) {
      const Json& a = (*it)[i];
      const std::string where = "added_tokens[" + std::to_string(i) + "]";
      if (!a.is_object()) fail(where + " is not an object");
      if (!a.contains("id") || !a["id"].is_number_integer()) fail(where + ".id is missing or not an integer");
      if (!a.contains("content") || !a["content"].is_string()) fail(where + ".content is missing or not a string");
      const auto content = a["content"].get<std::string>();
      if (content.empty()) fail(where + ".content is empty");
      if (flag(a, "single_word", where)) fail(where + ": single_word added tokens are not supported");
      entries.push_back({i, a["id"].get<int64_t>(), content, flag(a, "special", where), flag(a, "lstrip", where),
                         flag(a, "rstrip", where)});
    }
    std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.id < b.id; });
    for (const Entry& e : entries) {
      const std::string where = "added_tokens[" + std::to_string(e.index) + "]";
      const auto size = static_cast<int64_t>(t_.tokens.size());
      const int32_t existing = idOf(e.content);
      if (e.id < 0 || e.id > size) {
        fail(where + ": id " + std::to_string(e.id) + " of " + shown(e.content) +
             " leaves a gap (the next free id is " + std::to_string(size) + ")");
      }
      if (e.id < size) {
        if (t_.tokens[static_cast<size_t>(e.id)].text != e.content) {
          fail(where + ": id " + std::to_string(e.id) + " is " + shown(t_.tokens[static_cast<size_t>(e.id)].text) +
               " in model.vocab, not " + shown(e.content));
        }
      } else {
        if (existing >= 0) fail(where + ": " + shown(e.content) + " already has id " + std::to_string(existing));
        t_.tokens.push_back({e.content, TokenKind::kAdded, 0, false});
        t_.ids.emplace(e.content, static_cast<int32_t>(e.id));
      }
      TokenInfo& info = t_.tokens[static_cast<size_t>(e.id)];
      info.kind = TokenKind::kAdded;
      info.special = info.special || e.special;
      t_.registerAdded(e.content, static_cast<int32_t>(e.id), e.lstrip, e.rstrip);
    }
  }

  Tokenizer::Impl& t_;
  const Json& root_;
};

Tokenizer Tokenizer::fromJson(std::string_view json, const std::string& source, const TokenizerOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->source = source;
  impl->options = options;
  if (json.empty()) fail(source, "empty file");
  Json root;
  try {
    root = Json::parse(json.begin(), json.end());
  } catch (const Json::parse_error& e) {
    std::string what = e.what();
    if (const size_t p = what.find("] "); p != std::string::npos) what = what.substr(p + 2);  // drop nlohmann's code
    fail(source, "not valid JSON (truncated or corrupt?): " + what);
  }
  Impl::Loader(*impl, root).run();
  return Tokenizer(std::move(impl));
}

Tokenizer Tokenizer::fromFile(const std::filesystem::path& path, const TokenizerOptions& options) {
  const std::string where = path.string();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) fail(where, "no such tokenizer file");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(where, std::string("cannot open: ") + std::strerror(errno));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) fail(where, "read error");
  return fromJson(buffer.str(), where, options);
}

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Tokenizer::Tokenizer(const Tokenizer& other) : impl_(std::make_unique<Impl>(*other.impl_)) {}
Tokenizer& Tokenizer::operator=(const Tokenizer& other) {
  if (this != &other) impl_ = std::make_unique<Impl>(*other.impl_);
  return *this;
}
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::~Tokenizer() = default;

int32_t Tokenizer::addSpecialToken(std::string_view content, int32_t id) {
  Impl& t = *impl_;
  const std::string text(content);
  if (text.empty()) fail(t.source, "addSpecialToken: empty token");
  const auto next = static_cast<int32_t>(t.tokens.size());
  if (const auto it = t.ids.find(text); it != t.ids.end()) {
    if (id >= 0 && id != it->second) {
      fail(t.source, "addSpecialToken: " + shown(text) + " already has id " + std::to_string(it->second) + ", not " +
                         std::to_string(id));
    }
    id = it->second;
  } else {
    if (id >= 0 && id != next) {
      fail(t.source,
           "addSpecialToken: id " + std::to_string(id) + " for " + shown(text) +
               (id < next ? " is taken by " + shown(t.tokens[static_cast<size_t>(id)].text) : " would leave a gap") +
               " (the next free id is " + std::to_string(next) + ")");
    }
    if (next == std::numeric_limits<int32_t>::max()) fail(t.source, "addSpecialToken: the vocabulary is full");
    id = next;
    t.tokens.push_back({text, Impl::TokenKind::kAdded, 0, true});
    t.ids.emplace(text, id);
  }
  Impl::TokenInfo& info = t.tokens[static_cast<size_t>(id)];
  info.kind = Impl::TokenKind::kAdded;
  info.special = true;
  t.registerAdded(text, id, false, false);
  return id;
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool addBos) const {
  EncodeOptions options;
  options.addBos = addBos;
  return encodeWith(text, options);
}

std::vector<int32_t> Tokenizer::encodeWith(std::string_view text, const EncodeOptions& options) const {
  const Impl& t = *impl_;
  std::vector<int32_t> out;
  out.reserve(text.size() / 3 + 4);
  if (options.addBos) {
    if (t.bos < 0) fail(t.source, "encode: BOS requested but the vocabulary has no <s>");
    out.push_back(t.bos);
  }
  // legacy = false: the one '▁' prefix belongs to the text at offset 0 only; legacy = true: to every stretch.
  auto stretch = [&](size_t begin, size_t end) {
    t.encodeStretch(text.substr(begin, end - begin), t.options.legacy || begin == 0, out);
  };
  if (!options.parseSpecial || t.added.empty()) {
    stretch(0, text.size());
  } else {
    size_t textBegin = 0;
    for (size_t i = 0; i < text.size();) {
      const Impl::AddedToken* match = nullptr;
      if (t.addedStart[static_cast<unsigned char>(text[i])]) {
        for (const Impl::AddedToken& a : t.added) {
          if (text.compare(i, a.content.size(), a.content) == 0) {
            match = &a;
            break;
          }
        }
      }
      if (!match) {
        ++i;
        continue;
      }
      size_t textEnd = i;
      if (match->lstrip) {
        while (textEnd > textBegin && isAsciiSpace(text[textEnd - 1])) --textEnd;
      }
      stretch(textBegin, textEnd);
      out.push_back(match->id);
      i += match->content.size();
      if (match->rstrip) {
        while (i < text.size() && isAsciiSpace(text[i])) ++i;
      }
      textBegin = i;
    }
    stretch(textBegin, text.size());
  }
  if (options.addEos) {
    if (t.eos < 0) fail(t.source, "encode: EOS requested but the vocabulary has no </s>");
    out.push_back(t.eos);
  }
  return out;
}

std::string Tokenizer::decode(std::span<const int32_t> ids, bool skipSpecial) const {
  const Impl& t = *impl_;
  std::string out;
  out.reserve(ids.size() * 4);
  bool first = true;
  for (const int32_t id : ids) {
    if (id < 0 || static_cast<size_t>(id) >= t.tokens.size()) {
      fail(t.source, "decode: token id " + std::to_string(id) + " is not in the vocabulary (0.." +
                         std::to_string(t.tokens.size() - 1) + ")");
    }
    const Impl::TokenInfo& info = t.tokens[static_cast<size_t>(id)];
    if (info.special && skipSpecial) continue;
    if (info.kind == Impl::TokenKind::kByte) {
      out.push_back(static_cast<char>(info.byte));
    } else if (info.kind == Impl::TokenKind::kAdded) {
      out += info.text;
    } else {
      std::string_view piece = info.text;
      // The Strip decoder: the leading space of the output, i.e. the prefix the encoder added.
      if (first && t.prependPrefix && piece.substr(0, kMetaspace.size()) == kMetaspace) {
        piece.remove_prefix(kMetaspace.size());
      }
      for (size_t i = 0; i < piece.size();) {
        if (t.replaceSpaces && piece.compare(i, kMetaspace.size(), kMetaspace) == 0) {
          out.push_back(' ');
          i += kMetaspace.size();
        } else {
          out.push_back(piece[i++]);
        }
      }
    }
    first = false;
  }
  return out;
}

int32_t Tokenizer::vocabSize() const {
  return static_cast<int32_t>(impl_->tokens.size());
}

std::string Tokenizer::idToToken(int32_t id) const {
  if (id < 0 || id >= vocabSize()) {
    fail(impl_->source, "idToToken: token id " + std::to_string(id) + " is not in the vocabulary (0.." +
                            std::to_string(vocabSize() - 1) + ")");
  }
  return impl_->tokens[static_cast<size_t>(id)].text;
}

std::optional<int32_t> Tokenizer::tokenToId(std::string_view token) const {
  const auto it = impl_->ids.find(std::string(token));
  if (it == impl_->ids.end()) return std::nullopt;
  return it->second;
}

bool Tokenizer::isSpecial(int32_t id) const {
  return id >= 0 && id < vocabSize() && impl_->tokens[static_cast<size_t>(id)].special;
}

int32_t Tokenizer::bosId() const {
  return impl_->bos;
}
int32_t Tokenizer::eosId() const {
  return impl_->eos;
}
int32_t Tokenizer::unkId() const {
  return impl_->unk;
}
const TokenizerOptions& Tokenizer::options() const {
  return impl_->options;
}
const std::string& Tokenizer::source() const {
  return impl_->source;
}

void addIdefics2Tokens(Tokenizer& tokenizer) {
  const std::pair<std::string_view, int32_t> wanted[] = {
      {idefics2::kFakeTokenAroundImage, idefics2::kFakeTokenAroundImageId},
      {idefics2::kImageToken, idefics2::kImageTokenId},
      {idefics2::kEndOfUtterance, idefics2::kEndOfUtteranceId},
  };
  for (const auto& [content, id] : wanted) {
    const auto existing = tokenizer.tokenToId(content);
    if (existing ? *existing != id : tokenizer.vocabSize() != id) {
      fail(tokenizer.source(), "not the Mistral-7B vocabulary Idefics2 extends: " + std::string(content) +
                                   " would get id " + std::to_string(existing ? *existing : tokenizer.vocabSize()) +
                                   ", Idefics2 uses " + std::to_string(id));
    }
    tokenizer.addSpecialToken(content, id);
  }
}

Tokenizer loadIdefics2Tokenizer(const std::filesystem::path& path) {
  TokenizerOptions options;
  options.legacy = false;
  Tokenizer tokenizer = Tokenizer::fromFile(path, options);
  addIdefics2Tokens(tokenizer);
  return tokenizer;
}

}  // namespace mumu
