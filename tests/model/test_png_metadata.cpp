// PNG text chunks (our own chunk walker and writer), A1111 `parameters`, recipes in PNG files, hostile PNGs.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "model/io/image_file.h"
#include "model/io/png_metadata.h"
#include "model/io/sha256.h"

namespace mumu {
namespace {

namespace fs = std::filesystem;

std::string readFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void writeFile(const fs::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary) << bytes;
}

std::string be32(uint32_t v) {
  std::string s;
  for (int i = 3; i >= 0; --i) s += static_cast<char>((v >> (8 * i)) & 0xFF);
  return s;
}

std::string chunk(const std::string& type, const std::string& data) {
  const std::string body = type + data;
  return be32(static_cast<uint32_t>(data.size())) + body + be32(crc32(body.data(), body.size()));
}

const std::string kSignature("\x89PNG\r\n\x1a\n", 8);

// A minimal valid 1x1 gray PNG with `extra` chunks after IHDR.
std::string tinyPng(const std::string& extra = {}) {
  const std::string ihdr = be32(1) + be32(1) + std::string("\x08\x00\x00\x00\x00", 5);
  // zlib stream of the one scanline {filter 0, pixel 0}: stored block.
  const std::string idat("\x78\x01\x01\x02\x00\xfd\xff\x00\x00\x00\x02\x00\x01", 13);
  return kSignature + chunk("IHDR", ihdr) + extra + chunk("IDAT", idat) + chunk("IEND", "");
}

std::string errorOf(const std::string& png, const PngLimits& limits = {}) {
  try {
    readPngTextChunks(png, "hostile.png", limits);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

class PngFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("mumu_test_png_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

Recipe sampleRecipe() {
  Recipe r;
  r.prompt = parsePrompt(
      "[img:refs/man.png:0.9@1,2,30,40] man riding a (red hat:1.3) [img:/a/b/scooter.png] "
      "scooter, caf\xC3\xA9");
  r.prompt.segments[0].imageSha256 = sha256Hex("man");
  r.prompt.segments[4].imageSha256 = sha256Hex("scooter");
  r.negativePrompt = "blurry";
  r.sampler = "dpmpp_2m_karras";
  r.steps = 30;
  r.cfgScale = 6;
  r.seed = 1234;
  r.width = 1024, r.height = 1024;
  r.rngSource = "torch.cpu.mt19937:1234";
  r.modelName = "nano";
  r.modelHash = "abcdef1234" + std::string(54, '0');
  r.deviceType = "cpu";
  r.dtype = "float32";
  r.appVersion = "0.1.0";
  r.created = "2026-11-26T16:44:43Z";
  return r;
}

// ---- CRC-32 --------------------------------------------------------------------------------------------

TEST(PngChunks, Crc32) {
  EXPECT_EQ(crc32("123456789", 9), 0xCBF43926u);
  EXPECT_EQ(crc32("", 0), 0u);
  EXPECT_EQ(crc32("IEND", 4), 0xAE426082u);  // every PNG's last 4 bytes
  EXPECT_EQ(crc32("56789", 5, crc32("1234", 4)), 0xCBF43926u);
}

// ---- chunk round trips ---------------------------------------------------------------------------------

TEST_F(PngFiles, TextChunksOnARealPngKeepThePixels) {
  Image img;
  img.width = 37, img.height = 23, img.channels = 3;
  for (int i = 0; i < img.width * img.height * 3; ++i) img.pixels.push_back(static_cast<uint8_t>(i * 7 + i / 5));
  const std::string path = (dir_ / "out.png").string();
  writeImage(path, img);

  PngTextChunk latin;
  latin.keyword = "mumu-latin";
  latin.type = PngTextChunk::TEXt;
  latin.text = "caf\xC3\xA9 \xC2\xB1 line\nnext";  // Latin-1 characters, stored as Latin-1 bytes
  PngTextChunk intl;
  intl.keyword = "mumu-test";
  intl.type = PngTextChunk::ITXt;
  intl.text = "\xEC\x82\xAC\xEB\x9E\x8C \xF0\x9F\x90\x88";
  intl.languageTag = "ko";
  intl.translatedKeyword = "\xED\x85\x8C\xEC\x8A\xA4\xED\x8A\xB8";
  embedPngTextChunksInFile(path, {latin, intl});
  EXPECT_FALSE(fs::exists(path + ".part"));

  const auto chunks = readPngTextChunksFromFile(path);
  std::vector<PngTextChunk> ours;
  for (const auto& c : chunks)
    if (c.keyword == "mumu-latin" || c.keyword == "mumu-test") ours.push_back(c);
  ASSERT_EQ(ours.size(), 2u);
  EXPECT_EQ(ours[0], latin);
  EXPECT_EQ(ours[1], intl);
  const std::string bytes = readFile(path);
  EXPECT_NE(bytes.find(std::string("mumu-latin\0caf\xE9 \xB1", 16)), std::string::npos);  // Latin-1 in the file

  // Pixels are untouched, and another reader (OIIO) sees the text too.
  const Image back = readImage(path);
  EXPECT_EQ(back.width, img.width);
  EXPECT_EQ(back.height, img.height);
  EXPECT_EQ(back.pixels, img.pixels);
  const auto seen = readImageText(path);
  ASSERT_TRUE(seen.count("mumu-latin"));
  EXPECT_EQ(seen.at("mumu-latin"), "caf\xE9 \xB1 line\nnext");  // OIIO hands tEXt over as Latin-1 bytes

  // Embedding again replaces instead of piling up.
  latin.text = "second";
  embedPngTextChunksInFile(path, {latin});
  int comments = 0;
  for (const auto& c : readPngTextChunksFromFile(path)) comments += c.keyword == "mumu-latin";
  EXPECT_EQ(comments, 1);
  EXPECT_EQ(readImage(path).pixels, img.pixels);
}

TEST(PngChunks, WriterRefusesBadInput) {
  PngTextChunk t;
  t.type = PngTextChunk::TEXt;
  t.text = "x";
  for (const std::string& kw :
       std::vector<std::string>{"", " lead", "trail ", "dou  ble", std::string(80, 'k'), "tab\tkey"}) {
    t.keyword = kw;
    EXPECT_THROW(embedPngTextChunks(tinyPng(), {t}, "t.png"), Error) << kw;
  }
  t.keyword = "ok";
  t.text = "\xEC\x82\xAC";  // not Latin-1: needs iTXt
  EXPECT_THROW(embedPngTextChunks(tinyPng(), {t}, "t.png"), Error);
  t.type = PngTextChunk::ITXt;
  EXPECT_NO_THROW(embedPngTextChunks(tinyPng(), {t}, "t.png"));
  EXPECT_THROW(embedPngTextChunks("GIF89a", {t}, "t.gif"), Error);
}

TEST(PngChunks, CompressedTextFromOtherWriters) {
  // zTXt and compressed iTXt made by zlib (dynamic Huffman): tests/data/png_metadata/make_fixtures.py.
  const fs::path data = fs::path(MUMU_TEST_DATA) / "png_metadata";
  const auto chunks = readPngTextChunksFromFile((data / "compressed.png").string());
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_EQ(chunks[0].keyword, "Comment");
  EXPECT_EQ(chunks[0].type, PngTextChunk::ZTXt);
  EXPECT_TRUE(chunks[0].compressed);
  EXPECT_EQ(chunks[0].text, readFile(data / "comment.txt"));
  EXPECT_EQ(chunks[1].keyword, "parameters");
  EXPECT_EQ(chunks[1].type, PngTextChunk::ITXt);
  EXPECT_TRUE(chunks[1].compressed);
  EXPECT_EQ(chunks[1].text, readFile(data / "parameters.txt"));

  // A fixed-Huffman and a stored zlib stream of the same text.
  const std::string text = std::string("Steps: 20, Sampler: Euler a, CFG scale: 7, Seed: 42, Size: 512x512 ");
  const unsigned char fixedHuffman[] = {
      0x78, 0xda, 0x0b, 0x2e, 0x49, 0x2d, 0x28, 0xb6, 0x52, 0x30, 0x32, 0xd0, 0x51, 0x08, 0x4e, 0xcc, 0x2d, 0xc8,
      0x49, 0x2d, 0xb2, 0x52, 0x70, 0x2d, 0x05, 0x52, 0x0a, 0x89, 0x3a, 0x0a, 0xce, 0x6e, 0xee, 0x0a, 0xc5, 0xc9,
      0x89, 0x39, 0xa9, 0x56, 0x0a, 0xe6, 0x40, 0xf9, 0xd4, 0xd4, 0x14, 0x2b, 0x05, 0x13, 0x23, 0x20, 0x2b, 0xb3,
      0x0a, 0x28, 0x64, 0x6a, 0x68, 0x54, 0x01, 0xc4, 0x0a, 0xc1, 0x83, 0xc2, 0x08, 0x00, 0x28, 0x72, 0x39, 0x8b};
  const std::string z(reinterpret_cast<const char*>(fixedHuffman), sizeof fixedHuffman);
  const auto fixed = readPngTextChunks(tinyPng(chunk("zTXt", std::string("k\0\0", 3) + z)), "f.png");
  ASSERT_EQ(fixed.size(), 1u);
  EXPECT_EQ(fixed[0].text, text + text + text);

  // Decompression is capped: a small file cannot expand into gigabytes.
  PngLimits small;
  small.maxTextBytes = 100;
  const std::string capped = errorOf(tinyPng(chunk("zTXt", std::string("k\0\0", 3) + z)), small);
  EXPECT_EQ(capped, "hostile.png: zTXt 'k': decompressed text is larger than the limit of 100 bytes");
  // Corrupt compressed data gives an error, not garbage.
  std::string broken = z;
  broken[broken.size() - 1] ^= 1;  // the Adler-32
  EXPECT_EQ(errorOf(tinyPng(chunk("zTXt", std::string("k\0\0", 3) + broken))),
            "hostile.png: zTXt 'k': zlib checksum mismatch");
  EXPECT_EQ(errorOf(tinyPng(chunk("zTXt", std::string("k\0\0", 3) + z.substr(0, 20)))),
            "hostile.png: zTXt 'k': truncated compressed data");
  EXPECT_EQ(errorOf(tinyPng(chunk("iTXt", std::string("k\0\1\0\0\0", 6) + "not zlib"))),
            "hostile.png: iTXt 'k': not a zlib deflate stream");
}

// ---- hostile files -------------------------------------------------------------------------------------

// A recipe chunk nested 100,000 deep once crashed `mumu generate --from` and the Studio's drop (SIGSEGV in a
// recursive dump): now a clear error naming the file.
TEST(PngChunks, DeeplyNestedRecipeIsRefused) {
  PngTextChunk recipe;
  recipe.keyword = "mumu";
  recipe.text = "{\"schema_version\": 1, \"prompt\": " + std::string(100000, '[') + std::string(100000, ']') + "}";
  const std::string png = embedPngTextChunks(tinyPng(), {recipe}, "t.png");
  try {
    readRecipeFromPngBytes(png, "shared.png");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("shared.png"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("nested deeper than 64 levels"), std::string::npos) << e.what();
  }
}

TEST(PngChunks, HostileFilesGiveClearErrors) {
  const std::string good = tinyPng(chunk("tEXt", std::string("a\0b", 3)));
  ASSERT_EQ(readPngTextChunks(good, "ok.png").size(), 1u);

  EXPECT_EQ(errorOf(""), "hostile.png: not a PNG file (bad signature)");
  EXPECT_EQ(errorOf("\x89PN"), "hostile.png: truncated PNG signature");
  EXPECT_EQ(errorOf("GIF89a......"), "hostile.png: not a PNG file (bad signature)");
  EXPECT_EQ(errorOf(kSignature), "hostile.png: truncated PNG: the file ends before the IEND chunk");
  // Truncated anywhere: a clear error, never a crash.
  for (size_t n = 9; n < good.size(); ++n) {
    const std::string e = errorOf(good.substr(0, n));
    EXPECT_EQ(e.rfind("hostile.png: truncated PNG", 0) == 0 || e.find("claims") != std::string::npos, true)
        << n << ": " << e;
  }
  // A chunk length beyond the file.
  std::string longer = good;
  longer.replace(33, 4, be32(1000));
  EXPECT_EQ(errorOf(longer),
            "hostile.png: chunk 'tEXt' at byte 33 claims 1000 bytes but only 40 remain "
            "(truncated or damaged)");
  longer.replace(33, 4, be32(0xFFFFFFF0u));
  EXPECT_EQ(errorOf(longer),
            "hostile.png: chunk 'tEXt' at byte 33 has length 4294967280, above the PNG limit of 2^31-1");
  // A flipped byte.
  std::string flipped = good;
  flipped[42] ^= 0x20;
  EXPECT_EQ(errorOf(flipped), "hostile.png: CRC mismatch in chunk 'tEXt' at byte 33 (damaged file)");
  // Structure.
  EXPECT_EQ(errorOf(kSignature + chunk("IDAT", "x") + chunk("IEND", "")),
            "hostile.png: the first chunk is 'IDAT', not a 13-byte IHDR");
  EXPECT_EQ(errorOf(tinyPng(chunk("t\x01Xt", "x"))), "hostile.png: bad chunk type 't\\x01Xt' at byte 33");
  EXPECT_EQ(errorOf(tinyPng(chunk("tEXt", "no terminator"))),
            "hostile.png: tEXt chunk at byte 33: no keyword terminator");
  EXPECT_EQ(errorOf(tinyPng(chunk("tEXt", std::string(80, 'k') + '\0'))),
            "hostile.png: tEXt chunk at byte 33: keyword length 80 is outside 1 … 79");
  EXPECT_EQ(errorOf(tinyPng(chunk("iTXt", std::string("k\0\2\0\0\0", 6)))),
            "hostile.png: iTXt 'k': bad compression flag 2");
  EXPECT_EQ(errorOf(tinyPng(chunk("iTXt", std::string("k\0\0\0en", 6)))),
            "hostile.png: iTXt 'k': no language tag terminator");
  // Limits: huge text, too many chunks.
  PngLimits limits;
  limits.maxTextBytes = 1000;
  EXPECT_EQ(errorOf(tinyPng(chunk("tEXt", std::string("big\0", 4) + std::string(5000, 'x'))), limits),
            "hostile.png: tEXt 'big': text of 5000 bytes is larger than the limit of 1000");
  limits = {};
  limits.maxChunks = 10;
  std::string many;
  for (int i = 0; i < 20; ++i) many += chunk("tIME", "1234567");
  EXPECT_EQ(errorOf(tinyPng(many), limits), "hostile.png: more than 10 chunks");
  // Invalid UTF-8 in another tool's iTXt is replaced, not fatal.
  const auto odd = readPngTextChunks(tinyPng(chunk("iTXt", std::string("k\0\0\0\0\0a\xFFz", 9))), "odd.png");
  ASSERT_EQ(odd.size(), 1u);
  EXPECT_EQ(odd[0].text, "a\xEF\xBF\xBDz");
  // Embedding refuses a damaged file instead of carrying the damage on.
  EXPECT_THROW(embedPngTextChunks(flipped, {}, "hostile.png"), Error);
}

TEST_F(PngFiles, HostileFilesOnDisk) {
  EXPECT_THROW(readPngTextChunksFromFile((dir_ / "missing.png").string()), Error);
  const fs::path empty = dir_ / "empty.png";
  writeFile(empty, "");
  try {
    readRecipeFromPng(empty.string());
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), empty.string() + ": not a PNG file (bad signature)");
  }
  const fs::path trunc = dir_ / "trunc.png";
  writeFile(trunc, tinyPng().substr(0, 40));
  EXPECT_THROW(embedRecipeInFile(trunc.string(), sampleRecipe()), Error);
  EXPECT_EQ(readFile(trunc), tinyPng().substr(0, 40));  // untouched
  EXPECT_FALSE(fs::exists(trunc.string() + ".part"));
}

// ---- A1111 `parameters` --------------------------------------------------------------------------------

TEST(A1111, FormatsTheInfotext) {
  const Recipe r = sampleRecipe();
  EXPECT_EQ(formatA1111Parameters(r),
            "man.png man riding a (red hat:1.3) scooter.png scooter, caf\xC3\xA9\n"
            "Negative prompt: blurry\n"
            "Steps: 30, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 6, Seed: 1234, Size: 1024x1024, "
            "Model hash: abcdef1234, Model: nano, Version: MUMU Studio 0.1.0");
  Recipe other = r;
  other.negativePrompt.clear();
  other.sampler = "euler_a";
  other.cfgScale = 7.5;
  other.modelName = "my, model: v2";
  other.modelHash.clear();
  other.appVersion.clear();
  other.prompt = parsePrompt("a cat");
  EXPECT_EQ(formatA1111Parameters(other),
            "a cat\nSteps: 30, Sampler: Euler a, Schedule type: Automatic, CFG scale: 7.5, Seed: 1234, "
            "Size: 1024x1024, Model: \"my, model: v2\"");
}

TEST(A1111, SamplerNames) {
  for (const std::string s : {"ddim", "euler", "euler_karras", "euler_a", "dpmpp_2m", "dpmpp_2m_karras"}) {
    const auto [name, schedule] = a1111SamplerName(s);
    EXPECT_EQ(samplerFromA1111(name, schedule), s);
  }
  EXPECT_EQ(samplerFromA1111("DPM++ 2M Karras", ""), "dpmpp_2m_karras");  // before A1111 1.9
  EXPECT_EQ(samplerFromA1111("Euler a", ""), "euler_a");
  EXPECT_EQ(samplerFromA1111("DPM++ SDE", "Karras"), "");
  EXPECT_EQ(samplerFromA1111("Euler", "Exponential"), "");
}

TEST(A1111, ParsesARealInfotext) {
  // The shape A1111 1.10 writes (multi-line prompt, quoted value, unknown keys).
  const std::string text =
      "masterpiece, a cat wearing a (red hat:1.3),\nsitting on a \\(wooden\\) chair\n"
      "Negative prompt: blurry, lowres,\nbad hands\n"
      "Steps: 28, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7.5, Seed: 3216549870, Size: 832x1216, "
      "Model hash: 31e35c80fc, Model: sd_xl_base_1.0, Lora hashes: \"detail: 0123abcd4567, x: 1\", "
      "Version: v1.10.1";
  const A1111Parameters p = parseA1111Parameters(text);
  EXPECT_EQ(p.prompt, "masterpiece, a cat wearing a (red hat:1.3),\nsitting on a \\(wooden\\) chair");
  EXPECT_EQ(p.negativePrompt, "blurry, lowres,\nbad hands");
  EXPECT_EQ(p.steps, 28);
  EXPECT_EQ(p.sampler, "DPM++ 2M");
  EXPECT_EQ(p.scheduleType, "Karras");
  EXPECT_EQ(p.cfgScale, 7.5);
  EXPECT_EQ(p.seed, 3216549870u);
  EXPECT_EQ(p.width, 832);
  EXPECT_EQ(p.height, 1216);
  EXPECT_EQ(p.modelHash, "31e35c80fc");
  EXPECT_EQ(p.model, "sd_xl_base_1.0");
  ASSERT_EQ(p.settings.size(), 10u);
  EXPECT_EQ(p.settings[8], std::make_pair(std::string("Lora hashes"), std::string("detail: 0123abcd4567, x: 1")));
  EXPECT_EQ(p.settings[9].second, "v1.10.1");

  const Recipe r = recipeFromA1111(p);
  const Prompt want{{PromptSegment::makeText("masterpiece, a cat wearing a "), PromptSegment::makeText("red hat", 1.3),
                     PromptSegment::makeText(",\nsitting on a (wooden) chair")}};
  EXPECT_EQ(r.prompt, want);  // A1111's weighting and escapes are ours too
  EXPECT_EQ(r.negativePrompt, "blurry, lowres,\nbad hands");
  EXPECT_EQ(r.sampler, "dpmpp_2m_karras");
  EXPECT_EQ(r.steps, 28);
  EXPECT_EQ(r.cfgScale, 7.5);
  EXPECT_EQ(r.seed, 3216549870u);
  EXPECT_EQ(r.width, 832);
  EXPECT_EQ(r.height, 1216);
  EXPECT_EQ(r.modelName, "sd_xl_base_1.0");
  EXPECT_EQ(r.modelHash, "31e35c80fc");
}

TEST(A1111, OddInfotexts) {
  // Prompt-editing syntax we do not have: kept verbatim as text.
  const Recipe r =
      recipeFromA1111(parseA1111Parameters("a [cat:dog:0.5] (emphasis)\nSteps: 20, Sampler: Euler, "
                                           "CFG scale: 7, Seed: 1, Size: 512x768"));
  ASSERT_EQ(r.prompt.segments.size(), 1u);
  EXPECT_EQ(r.prompt.segments[0].text, "a [cat:dog:0.5] (emphasis)");
  EXPECT_EQ(r.sampler, "euler");
  EXPECT_EQ(r.height, 768);
  // No settings line: everything is prompt; a sampler we lack keeps A1111's name.
  const A1111Parameters plain = parseA1111Parameters("just: a prompt, with colons");
  EXPECT_EQ(plain.prompt, "just: a prompt, with colons");
  EXPECT_TRUE(plain.settings.empty());
  EXPECT_EQ(recipeFromA1111(parseA1111Parameters("x\nSteps: 5, Sampler: UniPC, Seed: 9")).sampler, "UniPC");
  // Garbage never throws.
  EXPECT_NO_THROW(parseA1111Parameters(std::string("\0\n\n::,,\"\\", 10)));
  EXPECT_NO_THROW(parseA1111Parameters("Steps: x, Seed: -5, Size: 10, CFG scale: nan, Steps: 99999999999"));
  EXPECT_NO_THROW(parseA1111Parameters(std::string(100000, ',')));
}

// ---- recipes in PNG files ------------------------------------------------------------------------------

TEST_F(PngFiles, RecipeRoundTripThroughAPng) {
  Image img;
  img.width = 8, img.height = 8, img.channels = 3;
  img.pixels.assign(8 * 8 * 3, 77);
  const std::string path = (dir_ / "gen.png").string();
  writeImage(path, img);
  const Recipe r = sampleRecipe();
  embedRecipeInFile(path, r);

  const auto got = readRecipeFromPng(path);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->origin, RecoveredRecipe::Mumu);
  EXPECT_EQ(got->recipe, r);
  EXPECT_EQ(got->parameters, formatA1111Parameters(r));
  EXPECT_EQ(readImage(path).pixels, img.pixels);
  // What A1111 (through PIL/OIIO) reads.
  std::string latin1 = formatA1111Parameters(r);  // OIIO returns tEXt as Latin-1 bytes
  latin1.replace(latin1.find("\xC3\xA9"), 2, "\xE9");
  EXPECT_EQ(readImageText(path).at("parameters"), latin1);
  // The parameters chunk is tEXt when Latin-1, iTXt otherwise.
  for (const auto& c : readPngTextChunksFromFile(path)) {
    if (c.keyword == "parameters") {
      EXPECT_EQ(c.type, PngTextChunk::TEXt);
    }
    if (c.keyword == "mumu") {
      EXPECT_EQ(c.type, PngTextChunk::ITXt);
    }
  }
  Recipe korean = r;
  korean.prompt = parsePrompt("\xEC\x82\xAC\xEB\x9E\x8C");
  const std::string bytes = embedRecipe(readFile(path), korean, path);
  for (const auto& c : readPngTextChunks(bytes, path)) {
    if (c.keyword == "parameters") {
      EXPECT_EQ(c.type, PngTextChunk::ITXt);
    }
  }
  EXPECT_EQ(readRecipeFromPngBytes(bytes, path)->recipe, korean);

  // Only `parameters` (another tool's file): a partial recipe.
  PngTextChunk params;
  params.keyword = "parameters";
  params.type = PngTextChunk::TEXt;
  params.text = "a cat\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 42, Size: 512x512, Model: sd15";
  const auto a1111 = readRecipeFromPngBytes(embedPngTextChunks(tinyPng(), {params}, "a.png"), "a.png");
  ASSERT_TRUE(a1111);
  EXPECT_EQ(a1111->origin, RecoveredRecipe::A1111);
  EXPECT_EQ(a1111->recipe.sampler, "euler_a");
  EXPECT_EQ(a1111->recipe.seed, 42u);
  EXPECT_EQ(a1111->recipe.modelName, "sd15");
  // Neither chunk: nothing to recover.
  EXPECT_FALSE(readRecipeFromPngBytes(tinyPng(), "plain.png"));
  // A damaged `mumu` recipe is an error naming the file, not a silently partial recipe.
  PngTextChunk bad;
  bad.keyword = "mumu";
  bad.text = "{\"schema_version\": 99}";
  try {
    readRecipeFromPngBytes(embedPngTextChunks(tinyPng(), {bad}, "b.png"), "b.png");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("b.png: mumu recipe: schema version 99 is newer", 0), 0u) << e.what();
  }
}


// The one writer of generated PNGs (CLI and Studio): image + both chunks, atomically, folders created; failures name
// the path and leave no temporary file behind.
TEST_F(PngFiles, WritePngWithRecipe) {
  Image img;
  img.width = 8, img.height = 4, img.channels = 3;
  img.pixels.assign(8 * 4 * 3, 123);
  const Recipe r = sampleRecipe();
  const std::string path = (dir_ / "day" / "gen.png").string();
  writePngWithRecipe(path, img, r);
  const auto got = readRecipeFromPng(path);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->origin, RecoveredRecipe::Mumu);
  EXPECT_EQ(got->recipe, r);
  EXPECT_EQ(readImage(path).pixels, img.pixels);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_ / "day"), fs::directory_iterator()), 1);  // no leftovers

  EXPECT_THROW(writePngWithRecipe((dir_ / "gen.jpg").string(), img, r), Error);
  std::ofstream(dir_ / "file").put('x');
  try {
    writePngWithRecipe((dir_ / "file" / "gen.png").string(), img, r);  // the parent is a file
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("gen.png"), std::string::npos) << e.what();
  }
  Image empty;
  EXPECT_THROW(writePngWithRecipe((dir_ / "day" / "empty.png").string(), empty, r), Error);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_ / "day"), fs::directory_iterator()), 1);
}

}  // namespace
}  // namespace mumu
