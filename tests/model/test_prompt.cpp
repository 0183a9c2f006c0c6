// The prompt syntax (text and JSON forms), recipes and SHA-256.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include "model/io/image_file.h"
#include "model/io/json_limits.h"
#include "model/io/sha256.h"
#include "model/pipeline/prompt.h"
#include "model/pipeline/recipe.h"

namespace mumu {
namespace {

PromptSegment text(const std::string& t, double w = 1.0) {
  return PromptSegment::makeText(t, w);
}
PromptSegment image(const std::string& p, double w = 1.0, std::optional<CropBox> c = {}) {
  return PromptSegment::makeImage(p, w, c);
}

// The message of the PromptError `text` raises, checking it is one.
std::string syntaxError(const std::string& text, int* line = nullptr, int* column = nullptr) {
  try {
    parsePrompt(text);
  } catch (const PromptError& e) {
    if (line) *line = e.line();
    if (column) *column = e.column();
    return e.what();
  } catch (const std::exception& e) {
    return std::string("not a PromptError: ") + e.what();
  }
  return "no error";
}

// ---- text syntax ---------------------------------------------------------------------------------------

TEST(PromptSyntax, PlainTextKeepsWhitespace) {
  const Prompt p = parsePrompt("  a  man\n\triding   ");
  ASSERT_EQ(p.segments.size(), 1u);
  EXPECT_EQ(p.segments[0].text, "  a  man\n\triding   ");
  EXPECT_EQ(p.segments[0].weight, 1.0);
  EXPECT_TRUE(parsePrompt("").empty());
}

TEST(PromptSyntax, ImagesAndText) {
  const Prompt p = parsePrompt(
      "[img:refs/man.png] man riding a [img:scooter.png:0.8] scooter in "
      "[img:ny.jpg@10,20,300,400] New York [img:x.png:1.25@0,0,5,6]");
  const Prompt want{{image("refs/man.png"), text(" man riding a "), image("scooter.png", 0.8), text(" scooter in "),
                     image("ny.jpg", 1.0, CropBox{10, 20, 300, 400}), text(" New York "),
                     image("x.png", 1.25, CropBox{0, 0, 5, 6})}};
  EXPECT_EQ(p, want);
  EXPECT_EQ(p.imageCount(), 4);
  EXPECT_EQ(p.segments[0].line, 1);
  EXPECT_EQ(p.segments[0].column, 1);
  EXPECT_EQ(p.segments[2].column, 33);
}

TEST(PromptSyntax, WeightedText) {
  const Prompt p = parsePrompt("a (red hat:1.3) and (ratio 16:9 poster: 0.5 ) (x:1) y");
  const Prompt want{{text("a "), text("red hat", 1.3), text(" and "), text("ratio 16:9 poster", 0.5), text(" x y")}};
  EXPECT_EQ(p, want);  // weight 1 merges with its neighbours
}

TEST(PromptSyntax, Escapes) {
  const Prompt p = parsePrompt(R"(a \[b\] \(c\) d\\e \:f (g\)h\:i:2))");
  const Prompt want{{text(R"(a [b] (c) d\e :f )"), text("g)h:i", 2)}};
  EXPECT_EQ(p, want);
}

TEST(PromptSyntax, QuotedAndEscapedPaths) {
  const Prompt p = parsePrompt(R"([img:"C:/my dir/a.png":0.8][img: spaced name.png ][img:"q\"uote\\.png"@1,2,3,4])");
  ASSERT_EQ(p.segments.size(), 3u);
  EXPECT_EQ(p.segments[0], image("C:/my dir/a.png", 0.8));
  EXPECT_EQ(p.segments[1], image("spaced name.png"));  // unquoted paths are trimmed
  EXPECT_EQ(p.segments[2], image(R"(q"uote\.png)", 1.0, CropBox{1, 2, 3, 4}));
  EXPECT_EQ(parsePrompt(R"([img:a\:b.png])").segments[0].imagePath, "a:b.png");
}

TEST(PromptSyntax, Unicode) {
  const Prompt p = parsePrompt(
      "\xEC\x82\xAC\xEB\x9E\x8C [img:\xEA\xB3\xA0\xEC\x96\x91\xEC\x9D\xB4.png] "
      "(\xE7\x8C\xAB:1.5) \xF0\x9F\x90\x88");
  ASSERT_EQ(p.segments.size(), 5u);
  EXPECT_EQ(p.segments[1].imagePath, "\xEA\xB3\xA0\xEC\x96\x91\xEC\x9D\xB4.png");
  EXPECT_EQ(p.segments[3], text("\xE7\x8C\xAB", 1.5));
  EXPECT_EQ(p.segments[4].text, " \xF0\x9F\x90\x88");
  // Columns count characters, not bytes: the ']' is the 6th character.
  int line = 0, column = 0;
  syntaxError("\xEC\x82\xAC\xEB\x9E\x8C\xEC\x82\xAC\xEB\x9E\x8C ]", &line, &column);
  EXPECT_EQ(line, 1);
  EXPECT_EQ(column, 6);
}

TEST(PromptSyntax, RoundTrip) {
  const std::vector<Prompt> prompts = {
      Prompt{{text("plain  text\nwith lines ")}},
      Prompt{{image("a.png"), text(" man (not weighted) [brackets] back\\slash: colon"), image("b c.png", 0.8)}},
      Prompt{{text("red hat", 1.3), text(" "), text("tiny:weight", 0.001), image("C:\\dir\\x.png", 10)}},
      Prompt{{image("x.png", 0, CropBox{0, 0, 1, 1}), image("@odd[name].png", 2.5, CropBox{5, 6, 7, 8}),
              text("\xE7\x8C\xAB (", 0.3333333333333333)}},
      Prompt{{image("\"quoted\".png"), image(" lead.png"), image("paren(1).png"), text("end\\")}},
  };
  for (const Prompt& p : prompts) {
    const std::string s = serializePrompt(p);
    SCOPED_TRACE(s);
    EXPECT_EQ(parsePrompt(s), p);
    EXPECT_EQ(serializePrompt(parsePrompt(s)), s);
  }
  EXPECT_EQ(serializePrompt(prompts[2]), R"((red hat:1.3) (tiny:weight:0.001)[img:"C:\\dir\\x.png":10])");
}

TEST(PromptSyntax, NormalizeMerges) {
  const Prompt p{{text("a"), text(""), text("b"), text("c", 2), text("d", 2), image("x.png"), text("e")}};
  const Prompt want{{text("ab"), text("cd", 2), image("x.png"), text("e")}};
  EXPECT_EQ(normalizePrompt(p), want);
}

struct ErrorCase {
  std::string text;
  int line, column;
  std::string message;
};

TEST(PromptSyntax, ErrorsPointAtThePosition) {
  const std::vector<ErrorCase> cases = {
      {"a man riding a [img:scooter.png", 1, 16, "prompt:1:16: unterminated image reference (missing ']')"},
      {"a [img:x.png and more [img:y.png]", 1, 3, "prompt:1:3: unterminated image reference (missing ']')"},
      {"see [foo:bar]", 1, 5, "prompt:1:5: unknown tag '[foo:' (expected [img:path])"},
      {"a [b] c", 1, 3, "prompt:1:3: unescaped '[' (write \\[ for a literal bracket, or [img:path] for an image)"},
      {"x]", 1, 2, "prompt:1:2: unmatched ']' (write \\] for a literal bracket)"},
      {"x)", 1, 2, "prompt:1:2: unmatched ')' (write \\) for a literal parenthesis)"},
      {"line one\n  [img:a.png:-1]", 2, 14, "prompt:2:14: bad weight '-1': negative"},
      {"[img:a.png:nan]", 1, 12, "prompt:1:12: bad weight 'nan': not a finite number"},
      {"[img:a.png:big]", 1, 12, "prompt:1:12: bad weight 'big': not a number"},
      {"[img:a.png:11]", 1, 12, "prompt:1:12: bad weight '11': above the maximum 10"},
      {"[img:a.png:]", 1, 12, "prompt:1:12: missing weight after ':'"},
      {"[img:a.png:0.5:2]", 1, 12, "prompt:1:12: bad weight '0.5:2': not a number"},
      {"[img:a.png@1,2,3]", 1, 12, "prompt:1:12: bad crop '1,2,3': expected 4 integers x,y,w,h"},
      {"[img:a.png@1,2,3,x]", 1, 12, "prompt:1:12: bad crop '1,2,3,x': expected 4 integers x,y,w,h"},
      {"[img:a.png@1,2,0,4]", 1, 12, "prompt:1:12: bad crop '1,2,0,4': width and height must be positive"},
      {"[img:a.png@-1,2,3,4]", 1, 12, "prompt:1:12: bad crop '-1,2,3,4': negative position"},
      {"[img:]", 1, 6, "prompt:1:6: empty image path"},
      {"[img:   :0.5]", 1, 9, "prompt:1:9: empty image path"},
      {"[img:\"a.png]", 1, 6, "prompt:1:6: unterminated quoted path (missing '\"')"},
      {"[img:\"a.png\" x]", 1, 14,
       "prompt:1:14: unexpected text after the quoted path (expected ':weight', '@x,y,w,h' or ']')"},
      {"(red hat", 1, 1, "prompt:1:1: unterminated weighted text (missing ')')"},
      {"a (red hat) b", 1, 3,
       "prompt:1:3: '(' without a weight: write (text:weight), or \\( for a literal parenthesis"},
      {"(a (b:2):3)", 1, 4, "prompt:1:4: nested '(' inside weighted text (write \\( for a literal parenthesis)"},
      {"(a [img:x.png]:2)", 1, 4,
       "prompt:1:4: '[' inside weighted text (images cannot be inside (text:weight); write \\[ for a bracket)"},
      {"(red:x)", 1, 6, "prompt:1:6: bad weight 'x': not a number"},
      {"(:2)", 1, 1, "prompt:1:1: empty weighted text"},
      {"end\\", 1, 4, "prompt:1:4: '\\' at the end of the prompt (write \\\\ for a backslash)"},
      {"ok \xFF bad", 1, 4, "prompt:1:4: invalid UTF-8 byte sequence"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    int line = -1, column = -1;
    EXPECT_EQ(syntaxError(c.text, &line, &column), c.message);
    EXPECT_EQ(line, c.line);
    EXPECT_EQ(column, c.column);
  }
  try {
    parsePrompt("[img:", "prompts/a.txt");
    FAIL();
  } catch (const PromptError& e) {
    EXPECT_EQ(std::string(e.what()), "prompts/a.txt:1:1: unterminated image reference (missing ']')");
  }
}

TEST(PromptSyntax, DisplayText) {
  const Prompt p = parsePrompt(
      "[img:refs/dir/man.png:0.7@1,2,3,4] man in (red hat:1.3), \\(sic\\) "
      "[img:\"C:\\\\x\\\\ny.jpg\"]");
  EXPECT_EQ(promptDisplayText(p), "man.png man in (red hat:1.3), \\(sic\\) ny.jpg");
}

// ---- JSON form -----------------------------------------------------------------------------------------

TEST(PromptJson, BothWays) {
  const Prompt p = parsePromptAny(
      R"([{"text": "a ", "weight": 1.3}, {"image": "ref.png", "weight": 0.8, "crop": [1, 2, 30, 40],
          "note": "the hat", "sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
          {"text": " b"}])");
  ASSERT_EQ(p.segments.size(), 3u);
  EXPECT_EQ(p.segments[0], text("a ", 1.3));
  PromptSegment img = image("ref.png", 0.8, CropBox{1, 2, 30, 40});
  img.note = "the hat";
  img.imageSha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  EXPECT_EQ(p.segments[1], img);
  EXPECT_EQ(p.segments[2], text(" b"));
  EXPECT_EQ(promptFromJson(promptToJson(p)), p);
  EXPECT_EQ(promptToJson(Prompt{{text("x", 1.3), image("y.png")}}), R"([{"text":"x","weight":1.3},{"image":"y.png"}])");
  EXPECT_EQ(parsePromptAny("  [ ]").segments.size(), 0u);
  EXPECT_EQ(parsePromptAny("[img:a.png] x").imageCount(), 1);
}

TEST(PromptJson, Errors) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{", "prompt: not valid JSON"},
      {"[{\"text\": \"a\", \"weight\": 9e951}]", "prompt: not valid JSON"},  // nlohmann's out_of_range
      {R"({"text": "a"})", "prompt: expected a JSON list of segments"},
      {R"([3])", "prompt[0]: expected an object with \"text\" or \"image\""},
      {R"([{"text": "a", "image": "b"}])", "prompt[0]: needs exactly one of \"text\" and \"image\""},
      {R"([{"weight": 2}])", "prompt[0]: needs exactly one of \"text\" and \"image\""},
      {R"([{"text": 5}])", "prompt[0].text: expected a string"},
      {R"([{"text": "a"}, {"image": ""}])", "prompt[1].image: empty image path"},
      {R"([{"text": "a", "wieght": 2}])", "prompt[0].wieght: unknown key"},
      {R"([{"text": "a", "weight": "2"}])", "prompt[0].weight: expected a number"},
      {R"([{"text": "a", "weight": -0.5}])", "prompt[0].weight: weight -0.5 is outside 0"},
      {R"([{"image": "a.png", "weight": 11}])", "prompt[0].weight: weight 11 is outside 0"},
      {R"([{"image": "a.png", "crop": [1, 2, 3]}])", "prompt[0].crop: expected 4 integers [x, y, w, h]"},
      {R"([{"image": "a.png", "crop": [1, 2, 3, 4.5]}])", "prompt[0].crop: expected 4 integers [x, y, w, h]"},
      {R"([{"image": "a.png", "crop": [1, 2, 0, 4]}])", "prompt[0].crop: width and height must be positive"},
      {R"([{"text": "a", "crop": [1, 2, 3, 4]}])", "prompt[0].crop: only image segments have a crop"},
      {R"([{"image": "a.png", "sha256": "abc"}])", "prompt[0].sha256: expected 64 lower-case hex digits"},
  };
  for (const auto& [json, message] : cases) {
    SCOPED_TRACE(json);
    try {
      promptFromJson(json);
      ADD_FAILURE() << "no error";
    } catch (const PromptError& e) {
      EXPECT_EQ(std::string(e.what()).rfind(message, 0), 0u) << e.what();
    }
  }
}

// ---- files ---------------------------------------------------------------------------------------------

class PromptFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("mumu_test_prompt_" + std::to_string(::getpid()) + "_" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_ / "refs");
    Image img;
    img.width = 16, img.height = 8, img.channels = 3;
    img.pixels.assign(16 * 8 * 3, 100);
    writeImage((dir_ / "refs" / "a.png").string(), img);
    std::ofstream((dir_ / "refs" / "bad.png").string()) << "not an image";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(PromptFiles, ResolveCheckAndHash) {
  const Prompt p = resolveImagePaths(parsePrompt("x [img:refs/a.png@0,0,16,8] y [img:/abs/z.png]"), dir_.string());
  EXPECT_EQ(p.segments[1].imagePath, (dir_ / "refs" / "a.png").string());
  EXPECT_EQ(p.segments[3].imagePath, "/abs/z.png");
  EXPECT_EQ(p.segments[1].line, 1);  // positions survive resolution

  Prompt ok = resolveImagePaths(parsePrompt("x [img:refs/a.png@0,0,16,8]"), dir_.string());
  EXPECT_NO_THROW(checkPromptImages(ok));
  hashPromptImages(ok);
  EXPECT_EQ(ok.segments[1].imageSha256, sha256File((dir_ / "refs" / "a.png").string()));
  EXPECT_EQ(ok.segments[1].imageSha256.size(), 64u);
}

TEST_F(PromptFiles, MissingUnreadableAndBadCrop) {
  const auto message = [&](const std::string& text) -> std::string {
    try {
      checkPromptImages(resolveImagePaths(parsePrompt(text), dir_.string()));
    } catch (const PromptError& e) {
      return e.what();
    }
    return "no error";
  };
  const std::string missing = message("a man\nriding [img:refs/nope.png]");
  EXPECT_EQ(missing.rfind("prompt:2:8: image reference: ", 0), 0u) << missing;
  EXPECT_NE(missing.find("refs/nope.png: no such image file"), std::string::npos) << missing;
  const std::string bad = message("[img:refs/bad.png]");
  EXPECT_EQ(bad.rfind("prompt:1:1: image reference: ", 0), 0u) << bad;
  EXPECT_NE(bad.find("bad.png"), std::string::npos) << bad;
  const std::string crop = message("[img:refs/a.png@8,0,9,8]");
  EXPECT_EQ(crop.rfind("prompt:1:1: crop 8,0,9,8 lies outside the 16x8 image ", 0), 0u) << crop;
  // Segments from JSON have no text position: the index names them.
  try {
    checkPromptImages(promptFromJson(R"([{"text": "a"}, {"image": "/no/such.png"}])"));
    FAIL();
  } catch (const PromptError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("prompt[1]: image reference: ", 0), 0u) << e.what();
    EXPECT_EQ(e.segment(), 1);
  }
}

// ---- SHA-256 (FIPS 180-2 appendix B vectors) -----------------------------------------------------------

TEST(Sha256, Fips180Vectors) {
  EXPECT_EQ(sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  Sha256 h;  // one million 'a', fed in odd-sized pieces to exercise the buffering
  const std::string piece(997, 'a');
  size_t left = 1000000;
  while (left > 0) {
    const size_t n = std::min(left, piece.size());
    h.update(piece.data(), n);
    left -= n;
  }
  EXPECT_EQ(h.hexDigest(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  // Lengths around the padding boundary (55, 56, 64 bytes) against the one-shot path.
  for (size_t n : {55u, 56u, 63u, 64u, 65u}) {
    const std::string s(n, 'x');
    Sha256 a;
    for (char c : s) a.update(&c, 1);
    EXPECT_EQ(a.hexDigest(), sha256Hex(s)) << n;
  }
  EXPECT_EQ(sha256Hex(std::string(64, 'x')), "7ce100971f64e7001e8fe5a51973ecdfe1ced42befe7ee8d5fd6219506b5393c");
}

// ---- recipes -------------------------------------------------------------------------------------------

Recipe sampleRecipe() {
  Recipe r;
  r.prompt = parsePrompt("[img:man.png:0.9@1,2,30,40] man riding a (red:1.3) [img:scooter.png] scooter");
  r.prompt.segments[0].imageSha256 = sha256Hex("man");
  r.prompt.segments[0].note = "head crop";
  r.prompt.segments[4].imageSha256 = sha256Hex("scooter");
  r.negativePrompt = "blurry, lowres";
  r.sampler = "dpmpp_2m_karras";
  r.steps = 30;
  r.cfgScale = 6.5;
  r.seed = 18446744073709551615ull;
  r.batchSeeds = {7, 18446744073709551615ull};
  r.batchIndex = 1;
  r.width = 1024, r.height = 768;
  r.rngSource = "torch.cpu.mt19937:18446744073709551615";
  r.modelName = "nano";
  r.modelHash = sha256Hex("model");
  r.deviceType = "cpu";
  r.dtype = "float32";
  r.appVersion = recipeAppVersion();
  r.created = "2026-11-26T16:44:43Z";
  return r;
}

TEST(Recipe, JsonRoundTrip) {
  const Recipe r = sampleRecipe();
  const std::string json = recipeToJson(r);
  EXPECT_NE(json.find("\"schema_version\": 1"), std::string::npos);
  EXPECT_NE(json.find("\"seed\": 18446744073709551615"), std::string::npos);
  EXPECT_EQ(recipeFromJson(json), r);
  EXPECT_EQ(recipeFromJson(recipeToJson(r, -1)), r);
  EXPECT_EQ(recipeToJson(recipeFromJson(json)), json);
  EXPECT_FALSE(recipeAppVersion().empty());
  const std::string now = currentTimestamp();
  EXPECT_EQ(now.size(), 20u);
  EXPECT_EQ(now[10], 'T');
  EXPECT_EQ(now.back(), 'Z');
}

TEST(Recipe, ValidationErrors) {
  const std::string good = recipeToJson(sampleRecipe(), -1);
  const auto replaced = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    const size_t at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return s.replace(at, from.size(), to);
  };
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"[1]", "recipe: expected a JSON object (a MUMU recipe)"},
      {"{\"schema_version\": 1", "recipe: not valid JSON"},
      {"{\"schema_version\": 1e999}", "recipe: not valid JSON"},
      {replaced("\"schema_version\":1", "\"schema_version\":2"),
       "recipe: schema version 2 is newer than this build reads (1); update MUMU Studio"},
      {replaced("\"schema_version\":1,", ""), "recipe: missing key 'schema_version'"},
      {replaced("\"schema_version\":1", "\"schema_version\":\"1\""),
       "recipe: key 'schema_version': expected an integer, got a string"},
      {replaced("\"steps\":30,", ""), "recipe: missing key 'steps'"},
      {replaced("\"steps\":30", "\"steps\":30.5"), "recipe: key 'steps': expected an integer, got a number"},
      {replaced("\"steps\":30", "\"steps\":0"), "recipe: key 'steps': 0 is outside 1 … 10000"},
      {replaced("\"cfg_scale\":6.5", "\"cfg_scale\":\"6.5\""),
       "recipe: key 'cfg_scale': expected a number, got a string"},
      {replaced("\"seed\":18446744073709551615", "\"seed\":-1"),
       "recipe: key 'seed': expected a non-negative integer, got an integer"},
      {replaced("\"batch_index\":1", "\"batch_index\":2"), "recipe: key 'batch_index': 2 is outside the 2 batch seeds"},
      {replaced("\"batch_seeds\":[7,", "\"batch_seeds\":[\"7\","),
       "recipe: key 'batch_seeds': element 0 is not a non-negative integer"},
      {replaced("\"width\":1024", "\"width\":0"), "recipe: keys 'width'/'height': 0x768 is outside 1 … 16384"},
      {replaced("\"model\":\"nano\"", "\"model\":null"), "recipe: key 'model': expected a string, got null"},
      {replaced("\"dtype\":\"float32\"", "\"dtype\":\"float32\",\"extra\":1"), "recipe: unknown key 'extra'"},
      {replaced("\"weight\":0.9", "\"weight\":-1"), "recipe.prompt[0].weight: weight -1 is outside 0"},
      {replaced("\"sampler\":\"dpmpp_2m_karras\"", "\"sampler\":\"\""), "recipe: key 'sampler': empty"},
  };
  for (const auto& [json, message] : cases) {
    SCOPED_TRACE(json);
    try {
      recipeFromJson(json);
      ADD_FAILURE() << "no error";
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()).rfind(message, 0), 0u) << e.what();
    }
  }
  Recipe single = sampleRecipe();
  single.batchSeeds.clear();
  EXPECT_THROW(validateRecipe(single), Error);  // batch_index 1 without a batch
  single.batchIndex = 0;
  EXPECT_NO_THROW(validateRecipe(single));
  single.batchSeeds = {1, 2};
  EXPECT_THROW(validateRecipe(single), Error);  // seed is not batch_seeds[0]
}

// ---- limits on outside input (docs/limits.md) ----------------------------------------------------------

std::string messageOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "no error";
}

TEST(PromptLimits, ImageCountAndTextSizeAreBounded) {
  std::string text, json = "[";
  for (int i = 0; i < kMaxPromptImages; ++i) {
    text += "[img:a.png] ";
    json += std::string(i ? "," : "") + "{\"image\": \"a.png\"}";
  }
  EXPECT_EQ(parsePrompt(text).imageCount(), kMaxPromptImages);  // the limit itself is fine
  EXPECT_EQ(parsePromptAny(json + "]").imageCount(), kMaxPromptImages);
  EXPECT_EQ(messageOf([&] { parsePrompt(text + "[img:b.png]", "p.txt"); }),
            "p.txt: 33 reference images; a prompt holds at most 32");
  EXPECT_EQ(messageOf([&] { parsePromptAny(json + ",{\"image\": \"b.png\"}]", "p.json"); }),
            "p.json: 33 reference images; a prompt holds at most 32");
  // A stored recipe (history, a PNG) with more still opens: only generating it is refused.
  EXPECT_EQ(promptFromJson(json + ",{\"image\": \"b.png\"}]", "recipe").imageCount(), kMaxPromptImages + 1);
  // 3,000 references (once killed by the kernel for memory) are refused before any image is read.
  std::string many;
  for (int i = 0; i < 3000; ++i) many += "[img:x.png]";
  EXPECT_NE(messageOf([&] { parsePrompt(many); }).find("3000 reference images"), std::string::npos);
  EXPECT_NE(messageOf([&] { parsePrompt(std::string(kMaxPromptTextBytes + 1, 'a')); }).find("bytes of text"),
            std::string::npos);
}

TEST(PromptLimits, DeepJsonIsRefusedNotACrash) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_EQ(messageOf([&] { promptFromJson(deep, "p.json"); }),
            "p.json: JSON nested deeper than 64 levels (the limit for files MUMU reads)");
  EXPECT_NE(messageOf([&] { recipeFromJson("{\"schema_version\": 1, \"prompt\": " + deep + "}", "r.json"); })
                .find("r.json: JSON nested deeper than 64"),
            std::string::npos);
  // Brackets inside strings are text, not nesting.
  EXPECT_NO_THROW(checkJsonDepth("[\"" + std::string(1000, '[') + "\\\"\"]", "s.json"));
  EXPECT_NO_THROW(checkJsonDepth(std::string(64, '[') + std::string(64, ']'), "ok.json"));
  EXPECT_THROW(checkJsonDepth(std::string(65, '{'), "bad.json"), Error);
}

}  // namespace
}  // namespace mumu
