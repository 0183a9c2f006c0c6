// safetensors: reading the parity files, writing + reading back every dtype, and hostile files that
// must each fail with a specific, clear mumu::Error (never a crash, never another exception type).
#include <gtest/gtest.h>

#include "model/error.h"
#include "model/io/safetensors.h"

#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

namespace fs = std::filesystem;
using namespace mumu;

namespace {

const std::string kParity = MUMU_PARITY_DIR;
const std::string kUnetWeights = kParity + "/unet_sdxl_tiny/diffusion_pytorch_model.safetensors";
const std::string kIdeficsIo = kParity + "/idefics2_tiny/io.safetensors";

std::string readBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void writeBytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A safetensors file from its parts: u64 length (the header's own unless overridden), header, data.
std::string makeFile(const std::string& header, const std::string& data = {}, std::optional<uint64_t> length = {}) {
  const uint64_t n = length.value_or(header.size());
  std::string bytes(8, '\0');
  std::memcpy(bytes.data(), &n, 8);
  return bytes + header + data;
}

class SafetensorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("mumu_st_" + std::to_string(::getpid()) + "_" + info->test_suite_name() + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // open() (and reading every tensor) must throw mumu::Error "<path>: ...<needle>...".
  void expectFails(const std::string& bytes, const std::string& needle) {
    const std::string p = path("hostile.safetensors");
    writeBytes(p, bytes);
    try {
      auto file = SafetensorsFile::open(p);
      for (const auto& e : file.entries()) file.tensor(e.name);
      ADD_FAILURE() << "no error; expected one containing \"" << needle << "\"";
    } catch (const Error& e) {
      const std::string msg = e.what();
      EXPECT_EQ(msg.rfind(p + ": ", 0), 0u) << msg;
      EXPECT_NE(msg.find(needle), std::string::npos) << "message: " << msg << "\nexpected to contain: " << needle;
    }
  }

  fs::path dir_;
};

std::map<std::string, at::Tensor> everyDtype() {
  std::map<std::string, at::Tensor> t;
  t["f64"] = torch::arange(6, at::kDouble).reshape({2, 3}) / 7;
  t["f32"] = torch::randn({3, 4, 5});
  t["f16"] = torch::randn({7}).to(at::kHalf);
  t["bf16"] = torch::randn({2, 2}).to(at::kBFloat16);
  t["i64"] = torch::tensor({-(int64_t{1} << 40), int64_t{7}, std::numeric_limits<int64_t>::max()});
  t["i32"] = torch::tensor({-5, 0, 2147483647}, at::kInt);
  t["i16"] = torch::tensor({-32768, 1, 32767}, at::kShort);
  t["i8"] = torch::tensor({-128, 0, 127}, at::kChar);
  t["u8"] = torch::tensor({0, 128, 255}, at::kByte);
  t["bool"] = torch::tensor({true, false, true, true});
  t["scalar"] = torch::tensor(3.5);            // 0-dim
  t["empty"] = torch::empty({0, 4});           // no bytes
  t["transposed"] = torch::randn({3, 5}).t();  // non-contiguous input
  t["z.last"] = torch::ones({1, 1, 1, 2}, at::kInt);
  return t;
}

}  // namespace

TEST_F(SafetensorsTest, ReadsParityUnetWeights) {
  auto file = SafetensorsFile::open(kUnetWeights);
  EXPECT_EQ(file.path(), kUnetWeights);
  EXPECT_EQ(file.entries().size(), 618u);
  EXPECT_EQ(file.metadata().at("format"), "pt");
  for (size_t i = 1; i < file.entries().size(); ++i)
    EXPECT_EQ(file.entries()[i].begin, file.entries()[i - 1].end);  // data order, no gaps in this file

  const auto& e = file.entry("conv_in.weight");
  EXPECT_EQ(e.dtype, "F32");
  EXPECT_EQ(e.shape, (std::vector<int64_t>{16, 4, 3, 3}));
  at::Tensor w = file.tensor("conv_in.weight");
  EXPECT_EQ(w.scalar_type(), at::kFloat);
  EXPECT_EQ(w.sizes(), (std::vector<int64_t>{16, 4, 3, 3}));
  // Reference values read from the raw bytes with Python.
  EXPECT_FLOAT_EQ(w.flatten()[0].item<float>(), -0.187639981508255f);
  EXPECT_FLOAT_EQ(w.flatten()[1].item<float>(), -0.19206003844738007f);
  EXPECT_FLOAT_EQ(w.flatten()[-1].item<float>(), -0.08827541768550873f);
  EXPECT_NEAR(w.sum().item<double>(), 6.278796974074794, 1e-4);
  EXPECT_NEAR(file.tensor("time_embedding.linear_1.bias").sum().item<double>(), -0.2982101584493648, 1e-5);
  at::Tensor q = file.tensor("down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q.weight");
  EXPECT_EQ(q.sizes(), (std::vector<int64_t>{24, 24}));
  EXPECT_NEAR(q.sum().item<double>(), 6.090142176864902, 1e-4);
  EXPECT_TRUE(file.contains("conv_out.bias"));
  EXPECT_FALSE(file.contains("conv_out.nothing"));
  EXPECT_THROW(file.entry("conv_out.nothing"), Error);
  EXPECT_THROW(file.tensor("conv_out.nothing"), Error);
}

TEST_F(SafetensorsTest, ViewsOutliveTheFileObject) {
  at::Tensor w;
  {
    auto file = SafetensorsFile::open(kUnetWeights);
    w = file.tensor("conv_in.weight");
  }  // the mapping stays alive through the tensor's deleter
  EXPECT_NEAR(w.sum().item<double>(), 6.278796974074794, 1e-4);
  // Writes go to the private mapping only: the file itself is unchanged.
  w.zero_();
  EXPECT_NEAR(SafetensorsFile::open(kUnetWeights).tensor("conv_in.weight").sum().item<double>(), 6.278796974074794,
              1e-4);
}

TEST_F(SafetensorsTest, ReadsParityMixedDtypes) {
  auto tensors = loadSafetensors(kIdeficsIo);
  EXPECT_EQ(tensors.size(), 16u);
  const at::Tensor& ids = tensors.at("input.input_ids");
  EXPECT_EQ(ids.scalar_type(), at::kLong);
  EXPECT_EQ(ids.sizes(), (std::vector<int64_t>{1, 30}));
  EXPECT_EQ(ids.sum().item<int64_t>(), 2378);
  EXPECT_EQ(ids[0][0].item<int64_t>(), 1);
  EXPECT_EQ(ids[0][1].item<int64_t>(), 81);
  EXPECT_EQ(ids[0][29].item<int64_t>(), 60);
  EXPECT_EQ(tensors.at("input.attention_mask").sum().item<int64_t>(), 30);
  const at::Tensor& mask = tensors.at("input.pixel_attention_mask");
  EXPECT_EQ(mask.scalar_type(), at::kBool);
  EXPECT_EQ(mask.sizes(), (std::vector<int64_t>{1, 2, 56, 56}));
  EXPECT_EQ(mask.sum().item<int64_t>(), 4336);
  EXPECT_EQ(tensors.at("connector.attention_mask").sum().item<int64_t>(), 25);
  const at::Tensor& pixels = tensors.at("input.pixel_values");
  EXPECT_EQ(pixels.sizes(), (std::vector<int64_t>{1, 2, 3, 56, 56}));
  EXPECT_NEAR(pixels.sum().item<double>(), -90.7323077917099, 1e-3);
  EXPECT_FLOAT_EQ(pixels.flatten()[0].item<float>(), -0.9240041971206665f);
  auto file = SafetensorsFile::open(kIdeficsIo);
  EXPECT_EQ(file.metadata().at("case"), "idefics2_tiny");
  EXPECT_EQ(file.metadata().at("seed"), "0");
}

TEST_F(SafetensorsTest, RoundTripsEveryDtypeAndMetadata) {
  const auto tensors = everyDtype();
  const std::map<std::string, std::string> meta = {{"format", "pt"}, {"note", "ünïcödé \"quoted\""}, {"empty", ""}};
  const std::string p = path("all.safetensors");
  saveSafetensors(p, tensors, meta);

  // Header length and data start are multiples of 8; the header ends in padding spaces at most.
  const std::string bytes = readBytes(p);
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  EXPECT_EQ(n % 8, 0u);
  EXPECT_EQ(bytes[8], '{');

  auto file = SafetensorsFile::open(p);
  EXPECT_EQ(file.metadata(), meta);
  ASSERT_EQ(file.entries().size(), tensors.size());
  // Data is laid out in sorted-name order.
  for (size_t i = 1; i < file.entries().size(); ++i) EXPECT_LT(file.entries()[i - 1].name, file.entries()[i].name);
  EXPECT_EQ(file.entry("bool").dtype, "BOOL");
  EXPECT_EQ(file.entry("bf16").dtype, "BF16");
  EXPECT_EQ(file.entry("u8").dtype, "U8");
  for (const auto& [name, t] : tensors) {
    at::Tensor back = file.tensor(name);
    EXPECT_EQ(back.scalar_type(), t.scalar_type()) << name;
    EXPECT_EQ(back.sizes(), t.sizes()) << name;
    EXPECT_TRUE(torch::equal(back, t)) << name;
  }
}

TEST_F(SafetensorsTest, WriterReplacesAtomicallyAndLeavesNoTempFiles) {
  const std::string p = path("w.safetensors");
  saveSafetensors(p, {{"a", torch::ones({2})}});
  saveSafetensors(p, {{"b", torch::zeros({3}, at::kLong)}});
  auto back = loadSafetensors(p);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_TRUE(torch::equal(back.at("b"), torch::zeros({3}, at::kLong)));
  saveSafetensors(path("none.safetensors"), {});
  EXPECT_TRUE(loadSafetensors(path("none.safetensors")).empty());
  size_t files = 0;
  for (const auto& f : fs::directory_iterator(dir_)) {
    ++files;
    EXPECT_EQ(f.path().string().find(".tmp"), std::string::npos) << f.path();
  }
  EXPECT_EQ(files, 2u);
}

TEST_F(SafetensorsTest, WriterRejectsWhatItCannotStore) {
  const std::string p = path("bad.safetensors");
  EXPECT_THROW(saveSafetensors(p, {{"c", torch::randn({2}, at::kComplexFloat)}}), Error);
  EXPECT_THROW(saveSafetensors(p, {{"u", at::Tensor()}}), Error);
  EXPECT_THROW(saveSafetensors(p, {{"__metadata__", torch::ones({1})}}), Error);
  EXPECT_THROW(saveSafetensors(p, {{std::string("bad\xff"
                                                "utf8"),
                                    torch::ones({1})}}),
               Error);
  EXPECT_THROW(saveSafetensors(path("no/such/dir/x.safetensors"), {{"a", torch::ones({1})}}), Error);
  EXPECT_FALSE(fs::exists(p));  // nothing created on failure
  try {
    saveSafetensors(p, {{"c", torch::randn({2}, at::kComplexFloat)}});
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'c'"), std::string::npos) << e.what();
  }
}

TEST_F(SafetensorsTest, UnalignedDataIsCopiedNotViewed) {
  // A 9-byte header puts the data section at byte 17: not aligned for I64 or F32.
  std::string header =
      R"({"a":{"dtype":"I64","shape":[2],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[1],"data_offsets":[16,20]}})";
  while ((8 + header.size()) % 8 != 1) header += ' ';  // data starts 1 byte past an 8-byte boundary
  std::string data(20, '\0');
  const int64_t a[2] = {123456789012345, -2};
  const float b = 1.5f;
  std::memcpy(data.data(), a, 16);
  std::memcpy(data.data() + 16, &b, 4);
  const std::string p = path("unaligned.safetensors");
  writeBytes(p, makeFile(header, data));
  auto t = loadSafetensors(p);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(t.at("a").data_ptr()) % 8, 0u);
  EXPECT_EQ(t.at("a")[0].item<int64_t>(), 123456789012345);
  EXPECT_EQ(t.at("a")[1].item<int64_t>(), -2);
  EXPECT_EQ(t.at("b")[0].item<float>(), 1.5f);
}

TEST_F(SafetensorsTest, AcceptsUnsortedHeadersGapsAndEmptyTensors) {
  const std::string header =
      R"({"z":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"a":{"shape":[0,3],"dtype":"F32","data_offsets":[4,4]},)"
      R"("m":{"dtype":"U8","shape":[],"data_offsets":[6,7],"extra":"ignored"}})";
  writeBytes(path("ok.safetensors"), makeFile(header, std::string("\x01\x02\x00\x00\x00\x00\x09\x00", 8)));
  auto file = SafetensorsFile::open(path("ok.safetensors"));
  EXPECT_EQ(file.entries().front().name, "z");
  EXPECT_EQ(file.tensor("a").sizes(), (std::vector<int64_t>{0, 3}));
  EXPECT_EQ(file.tensor("m").dim(), 0);
  EXPECT_EQ(file.tensor("m").item<uint8_t>(), 9);
}

// ---- hostile files ----

TEST_F(SafetensorsTest, RejectsMissingAndNonRegularFiles) {
  try {
    SafetensorsFile::open(path("absent.safetensors"));
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot open"), std::string::npos) << e.what();
  }
  try {
    SafetensorsFile::open(dir_.string());
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not a regular file"), std::string::npos) << e.what();
  }
}

TEST_F(SafetensorsTest, RejectsTooShortFiles) {
  expectFails("", "too short");
  expectFails("\x08\0\0", "too short");
}

TEST_F(SafetensorsTest, RejectsTruncatedHeader) {
  const std::string good = readBytes(kIdeficsIo);
  uint64_t n = 0;
  std::memcpy(&n, good.data(), 8);
  expectFails(good.substr(0, 8 + n / 2), "runs past the end of the file");
}

TEST_F(SafetensorsTest, RejectsTruncatedData) {
  const std::string good = readBytes(kIdeficsIo);
  expectFails(good.substr(0, good.size() - 4), "run past the end of the data");
}

TEST_F(SafetensorsTest, RejectsHeaderLengthLargerThanFile) {
  expectFails(makeFile("{}", "", 1000), "header length 1000 runs past the end of the file");
}

TEST_F(SafetensorsTest, RejectsOversizedHeaderLength) {
  expectFails(makeFile("{}", "", uint64_t{1} << 63), "exceeds the limit");
  expectFails(makeFile("{}", "", ~uint64_t{0}), "exceeds the limit");
  expectFails(makeFile("{}", "", (100ull << 20) + 1), "exceeds the limit");
}

TEST_F(SafetensorsTest, RejectsInvalidJson) {
  expectFails(makeFile(R"({"a": {"dtype": "F32", )"), "not valid JSON");
  expectFails(makeFile("\xff\xfe{}"), "not valid JSON");
  expectFails(makeFile("{\"a\xc3\": {}}"), "not valid JSON");  // ill-formed UTF-8
  expectFails(makeFile(""), "not valid JSON");
}

TEST_F(SafetensorsTest, RejectsNonObjectHeaderAndEntries) {
  expectFails(makeFile("[1, 2]"), "header is not a JSON object");
  expectFails(makeFile(R"({"a": 5})"), "tensor 'a': header entry is not an object");
  expectFails(makeFile(R"({"a": [0, 4]})"), "tensor 'a': header entry is not an object");
  expectFails(makeFile(R"({"__metadata__": [1]})"), "\"__metadata__\" is not an object");
  expectFails(makeFile(R"({"__metadata__": {"k": 3}})"), "\"__metadata__\" value of 'k' is not a string");
}

TEST_F(SafetensorsTest, RejectsMissingOrMistypedFields) {
  expectFails(makeFile(R"({"a": {"shape": [1], "data_offsets": [0, 4]}})", "0000"), "missing or non-string \"dtype\"");
  expectFails(makeFile(R"({"a": {"dtype": 32, "shape": [1], "data_offsets": [0, 4]}})", "0000"),
              "missing or non-string \"dtype\"");
  expectFails(makeFile(R"({"a": {"dtype": "F32", "data_offsets": [0, 4]}})", "0000"), "missing or non-array \"shape\"");
  expectFails(makeFile(R"({"a": {"dtype": "F32", "shape": 1, "data_offsets": [0, 4]}})", "0000"),
              "missing or non-array \"shape\"");
  expectFails(makeFile(R"({"a": {"dtype": "F32", "shape": [1.0], "data_offsets": [0, 4]}})", "0000"),
              "holds a non-integer");
  expectFails(makeFile(R"({"a": {"dtype": "F32", "shape": ["1"], "data_offsets": [0, 4]}})", "0000"),
              "holds a non-integer");
  expectFails(makeFile(R"({"a": {"dtype": "F32", "shape": [1]}})", "0000"), "\"data_offsets\" must be [begin, end]");
  expectFails(makeFile(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4, 8]}})", "0000"),
              "\"data_offsets\" must be [begin, end]");
  expectFails(makeFile(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [-4, 0]}})", "0000"),
              "\"data_offsets\" must be [begin, end]");
  expectFails(makeFile(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4.0]}})", "0000"),
              "\"data_offsets\" must be [begin, end]");
}

TEST_F(SafetensorsTest, RejectsOverlappingOffsets) {
  expectFails(makeFile(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},)"
                       R"( "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}})",
                       std::string(12, '\0')),
              "tensors 'a' [0, 8] and 'b' [4, 12] overlap");
  // The same range twice is an overlap too.
  expectFails(makeFile(R"({"a": {"dtype": "U8", "shape": [4], "data_offsets": [0, 4]},)"
                       R"( "b": {"dtype": "I32", "shape": [1], "data_offsets": [0, 4]}})",
                       std::string(4, '\0')),
              "overlap");
}

TEST_F(SafetensorsTest, RejectsOffsetsOutOfRange) {
  expectFails(makeFile(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}})", std::string(8, '\0')),
              "tensor 'a': data_offsets [8, 16] run past the end of the data (8 bytes");
  expectFails(makeFile(R"({"a": {"dtype": "F32", "shape": [0], "data_offsets": [8, 4]}})", std::string(8, '\0')),
              "tensor 'a': data_offsets [8, 4] begin after they end");
  expectFails(
      makeFile(R"({"a": {"dtype": "U8", "shape": [1], "data_offsets": [18446744073709551615, 18446744073709551615]}})",
               std::string(8, '\0')),
      "run past the end of the data");
}

TEST_F(SafetensorsTest, RejectsSizeMismatch) {
  expectFails(makeFile(R"({"w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 12]}})", std::string(12, '\0')),
              "tensor 'w': data_offsets [0, 12] hold 12 bytes but F32 [2, 3] needs 24");
  expectFails(makeFile(R"({"w": {"dtype": "BF16", "shape": [3], "data_offsets": [0, 8]}})", std::string(8, '\0')),
              "needs 6");
}

TEST_F(SafetensorsTest, RejectsShapeProductOverflow) {
  expectFails(makeFile(R"({"w": {"dtype": "F32", "shape": [4294967296, 4294967296, 4], "data_offsets": [0, 0]}})"),
              "overflows the element count");
  // The element count fits, the byte count does not.
  expectFails(makeFile(R"({"w": {"dtype": "F64", "shape": [4611686018427387904], "data_offsets": [0, 0]}})"),
              "overflows the byte count");
  expectFails(makeFile(R"({"w": {"dtype": "U8", "shape": [9223372036854775808], "data_offsets": [0, 0]}})"),
              "dimension 9223372036854775808 is too large");
  expectFails(makeFile(R"({"w": {"dtype": "U8", "shape": [1e30], "data_offsets": [0, 0]}})"), "holds a non-integer");
}

TEST_F(SafetensorsTest, RejectsDuplicateNames) {
  expectFails(makeFile(R"({"a": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]},)"
                       R"( "a": {"dtype": "U8", "shape": [1], "data_offsets": [1, 2]}})",
                       "xy"),
              "key 'a' appears twice in the header");
  expectFails(makeFile(R"({"a": {"dtype": "U8", "dtype": "F32", "shape": [1], "data_offsets": [0, 1]}})", "x"),
              "key 'dtype' appears twice");
}

TEST_F(SafetensorsTest, RejectsUnknownAndUnsupportedDtypes) {
  expectFails(makeFile(R"({"a": {"dtype": "F33", "shape": [1], "data_offsets": [0, 4]}})", "0000"),
              "tensor 'a': unknown dtype 'F33'");
  expectFails(makeFile(R"({"a": {"dtype": "f32", "shape": [1], "data_offsets": [0, 4]}})", "0000"), "unknown dtype");
  expectFails(makeFile(R"({"a": {"dtype": "U16", "shape": [1], "data_offsets": [0, 2]}})", "00"),
              "tensor 'a': dtype 'U16' is not supported");
}

TEST_F(SafetensorsTest, RejectsNegativeDims) {
  expectFails(makeFile(R"({"a": {"dtype": "F32", "shape": [2, -1], "data_offsets": [0, 0]}})"),
              "tensor 'a': negative dimension -1 in shape [2,-1]");
}

TEST_F(SafetensorsTest, RejectsDeepNesting) {
  std::string deep(100000, '[');
  deep += std::string(100000, ']');
  expectFails(makeFile(R"({"a": )" + deep + "}"), "nests deeper than");
  // Unbalanced deep nesting is a parse error, not a stack overflow.
  expectFails(makeFile(std::string(1 << 20, '[')), "");
}

TEST_F(SafetensorsTest, RejectsInvalidBoolBytes) {
  expectFails(
      makeFile(R"({"m": {"dtype": "BOOL", "shape": [3], "data_offsets": [0, 3]}})", std::string("\x01\x00\x02", 3)),
      "tensor 'm': BOOL byte 2 is 2, not 0 or 1");
}

// Random corruption of a valid file: every outcome is a success or a mumu::Error, never anything else.
TEST_F(SafetensorsTest, SurvivesRandomCorruption) {
  saveSafetensors(path("seed.safetensors"), everyDtype(), {{"k", "v"}});
  const std::string good = readBytes(path("seed.safetensors"));
  uint64_t n = 0;
  std::memcpy(&n, good.data(), 8);
  std::mt19937_64 rng(1234);
  const std::string p = path("fuzz.safetensors");
  int errors = 0, successes = 0;
  for (int iter = 0; iter < 1500; ++iter) {
    std::string bytes = good;
    const int mutations = 1 + static_cast<int>(rng() % 4);
    for (int m = 0; m < mutations && !bytes.empty(); ++m) {
      // The length and the header: where the parser is exposed.
      const size_t at = rng() % std::min<size_t>(bytes.size(), 8 + n);
      switch (rng() % 4) {
        case 0:
          bytes[at] = static_cast<char>(rng());
          break;
        case 1:
          bytes[at] = "0123456789-[]{}\",:e."[rng() % 20];
          break;
        case 2:
          bytes[at] ^= static_cast<char>(1 << (rng() % 8));
          break;
        default:
          bytes.resize(rng() % bytes.size());
          break;
      }
    }
    writeBytes(p, bytes);
    try {
      auto file = SafetensorsFile::open(p);
      for (const auto& e : file.entries()) (void)file.tensor(e.name).clone();
      ++successes;
    } catch (const Error&) {
      ++errors;
    } catch (const std::exception& e) {
      ADD_FAILURE() << "iteration " << iter << ": non-mumu exception: " << e.what();
    }
  }
  EXPECT_GT(errors, 1000);
  EXPECT_GT(successes, 0);  // e.g. a flipped digit inside a metadata string
}
