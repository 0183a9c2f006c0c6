// tokenizer.h — the SentencePiece-style BPE tokenizer of Mistral-7B as Idefics2 uses it, read from a Hugging Face
// tokenizer.json. Plain std types only (no torch, no JSON library): Qt code includes this header.
//
// Encoding (the rules the file of DESIGN.md §4 states, plus transformers' `legacy` flag):
//   1. Added tokens (the file's "added_tokens", e.g. <unk> <s> </s>, and those given to addSpecialToken) are found
//      in the raw text first, leftmost then longest match; they become their id and are never split by BPE. A file
//      token's lstrip/rstrip swallows ASCII whitespace beside it (none of Mistral's or Idefics2's has them).
//   2. Each stretch of text between them is normalised: every ' ' (U+0020 only) becomes '▁' (U+2581); no Unicode
//      normalisation, tabs and newlines stay as they are (a '▁' typed in the text is therefore a space).
//   3. The '▁' prefix (the file's "Prepend" normaliser, sentencepiece's dummy prefix):
//        legacy = false (Idefics2, transformers' LlamaTokenizer(legacy=False)): one '▁' goes in front of the whole
//          input. It lands on the first stretch only when the input starts with text; a stretch that follows an
//          added token gets none ("<image>cat" → [<image>, cat]; "<image> cat" → [<image>, ▁cat]), and an
//          input that starts with an added token gets no lone '▁'. Same ids as transformers' slow tokenizer.
//        legacy = true (what a HF fast tokenizer does with this file as it is): every non-empty stretch gets '▁'.
//      The empty string encodes to nothing (only BOS/EOS when asked).
//   4. BPE on the whole stretch (the file has no pre-tokenizer): start from one symbol per code point, merge the
//      adjacent pair with the lowest merge rank, leftmost first, until no pair merges. A code point with no token
//      becomes its UTF-8 bytes as <0xNN> tokens (byte fallback), else <unk> (consecutive unks fused). Bytes that
//      are not valid UTF-8 each become their <0xNN> token, so any byte string encodes and round-trips.
//
// Decoding: byte tokens are reassembled into bytes, '▁' becomes ' ', added tokens are their text (special ones
// are dropped when skipSpecial), and one leading space is stripped when the first emitted token is a text token
// starting with '▁' (the file's Strip decoder; it undoes the prefix). Bytes are kept as they are, so the
// output is exactly the input bytes even when those were not valid UTF-8.
// Round trip (legacy = false): decode(encode(s, false), false) == s for every byte string s, reading each '▁' of s
// as ' ' (the only lossy normalisation); decode(encode(s), true) == s too when s holds no added token.
//
// A Tokenizer is immutable during encode/decode: concurrent calls from several threads are safe; addSpecialToken
// must not run concurrently with them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mumu {

struct TokenizerOptions {
  // transformers' LlamaTokenizer `legacy` flag (Idefics2 ships legacy: false); see rule 3 above.
  bool legacy = false;
};

struct EncodeOptions {
  bool addBos = true;
  bool addEos = false;
  // false: added tokens in the text are plain text (e.g. a user typing "<image>" cannot inject an image slot).
  bool parseSpecial = true;
};

class Tokenizer {
 public:
  // Reads a Hugging Face tokenizer.json with a BPE model. Throws mumu::Error "<path>: <problem>" for a file that is
  // missing, not JSON, truncated, or not a tokenizer this class implements exactly.
  static Tokenizer fromFile(const std::filesystem::path& path, const TokenizerOptions& options = {});
  // The same from JSON text in memory; `source` names it in error messages.
  static Tokenizer fromJson(std::string_view json, const std::string& source, const TokenizerOptions& options = {});

  Tokenizer(const Tokenizer& other);
  Tokenizer& operator=(const Tokenizer& other);
  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;
  ~Tokenizer();

  // Registers a special token, matched in the input before BPE and dropped by decode(skipSpecial). id < 0 takes the
  // next free id; an explicit id must be the next free id or the id the same text already has (then the token
  // just becomes special). Returns the id. Throws for empty text, a clash, or an id that would leave a gap.
  int32_t addSpecialToken(std::string_view content, int32_t id = -1);

  std::vector<int32_t> encode(std::string_view text, bool addBos = true) const;
  std::vector<int32_t> encodeWith(std::string_view text, const EncodeOptions& options) const;
  // Throws mumu::Error for an id outside [0, vocabSize()).
  std::string decode(std::span<const int32_t> ids, bool skipSpecial = true) const;

  int32_t vocabSize() const;  // model vocabulary + added tokens
  std::string idToToken(
      int32_t id) const;  // the token as the file spells it ("▁the", "<0x0A>"); throws if out of range
  std::optional<int32_t> tokenToId(std::string_view token) const;
  bool isSpecial(int32_t id) const;
  int32_t bosId() const;  // -1 when the vocabulary has no <s>
  int32_t eosId() const;  // -1 when it has no </s>
  int32_t unkId() const;  // -1 when the model has no unk token
  const TokenizerOptions& options() const;
  const std::string& source() const;

 private:
  struct Impl;
  explicit Tokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Idefics2's additions to the Mistral-7B vocabulary (ids 32000..32002 after its 32,000 tokens).
namespace idefics2 {
inline constexpr std::string_view kFakeTokenAroundImage = "<fake_token_around_image>";
inline constexpr std::string_view kImageToken = "<image>";
inline constexpr std::string_view kEndOfUtterance = "<end_of_utterance>";
inline constexpr int32_t kFakeTokenAroundImageId = 32000;
inline constexpr int32_t kImageTokenId = 32001;
inline constexpr int32_t kEndOfUtteranceId = 32002;
inline constexpr int32_t kBosId = 1;
inline constexpr int32_t kEosId = 2;
}  // namespace idefics2

// Adds the three Idefics2 tokens with their ids; throws if the vocabulary does not end at 32,000 (wrong file).
void addIdefics2Tokens(Tokenizer& tokenizer);
// fromFile(path, {legacy = false}) + addIdefics2Tokens.
Tokenizer loadIdefics2Tokenizer(const std::filesystem::path& path);

}  // namespace mumu
