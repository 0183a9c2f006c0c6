// model/io/tfjs_weights: the TF.js weights reader on the real face-api and centernet files (values checked
// independently: Python reading the raw shard bytes, and tf.io.decodeWeights of TF.js 4.22), hostile manifests that
// must each fail with a clear mumu::Error naming the file, the graph parser, and the graph interpreter: single ops
// against naive loops, and the whole centernet graph against TF.js 4.22's CPU backend.
#include <gtest/gtest.h>

#include "model/error.h"
#include "model/io/tfjs_weights.h"

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <numeric>

namespace fs = std::filesystem;
using Json = nlohmann::json;
using namespace mumu;

namespace {

const fs::path kNpm = fs::path(MUMU_SOURCE_DIR) / "assets/npm/node_modules/@vladmandic";
const fs::path kFaceRecognition = kNpm / "face-api/model/face_recognition_model-weights_manifest.json";
const fs::path kSsd = kNpm / "face-api/model/ssd_mobilenetv1_model-weights_manifest.json";
const fs::path kCenterNet = kNpm / "human-models/models/centernet.json";

#define REQUIRE_FILE(path)                                                                                \
  do {                                                                                                    \
    if (!fs::exists(path)) FAIL() << (path) << " is missing: run scripts/fetch_assets.sh (DESIGN.md §4)"; \
  } while (0)

void writeBytes(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

template <typename T>
std::string bytesOf(const std::vector<T>& values) {
  std::string s(values.size() * sizeof(T), '\0');
  std::memcpy(s.data(), values.data(), s.size());
  return s;
}

// Runs `f`, expecting a mumu::Error that starts with "<file>: " and contains `needle`.
void expectError(const std::function<void()>& f, const std::string& file, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "no mumu::Error; expected one containing \"" << needle << "\"";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.rfind(file + ": ", 0), 0u) << msg;
    EXPECT_NE(msg.find(needle), std::string::npos) << "message: " << msg << "\nexpected to contain: " << needle;
  }
}

class TfjsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("mumu_tfjs_" + std::to_string(::getpid()) + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // A bare manifest with one group: `weights` entries and one shard holding `data`.
  std::string manifest(const Json& weights, const std::string& data, const Json& paths = Json::array({"w.bin"})) {
    writeBytes(dir_ / "w.bin", data);
    const std::string p = path("m.json");
    writeBytes(p, Json::array({{{"paths", paths}, {"weights", weights}}}).dump());
    return p;
  }

  // A graph model.json: `nodes`, float32 weights (name → values, shape) in one shard.
  std::string graph(
      const Json& nodes,
      const std::vector<std::tuple<std::string, std::vector<int64_t>, std::vector<float>>>& weights = {}) {
    Json specs = Json::array();
    std::string data;
    for (const auto& [name, shape, values] : weights) {
      specs.push_back({{"name", name}, {"shape", shape}, {"dtype", "float32"}});
      data += bytesOf(values);
    }
    writeBytes(dir_ / "g.bin", data);
    const Json model = {{"format", "graph-model"},
                        {"modelTopology", {{"node", nodes}}},
                        {"weightsManifest", Json::array({{{"paths", {"g.bin"}}, {"weights", specs}}})}};
    const std::string p = path("model.json");
    writeBytes(p, model.dump());
    return p;
  }

  fs::path dir_;
};

// ---- attribute helpers for synthetic graph nodes ------------------------------------------------------------------

Json ints(std::vector<int64_t> v) {
  Json l = Json::array();
  for (auto x : v) l.push_back(std::to_string(x));
  return {{"list", {{"i", l}}}};
}
Json str(const std::string& s) {
  static const char* a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < s.size(); i += 3) {
    const uint32_t n = (uint8_t(s[i]) << 16) | (i + 1 < s.size() ? uint8_t(s[i + 1]) << 8 : 0) |
                       (i + 2 < s.size() ? uint8_t(s[i + 2]) : 0);
    out += a[(n >> 18) & 63];
    out += a[(n >> 12) & 63];
    out += i + 1 < s.size() ? a[(n >> 6) & 63] : '=';
    out += i + 2 < s.size() ? a[n & 63] : '=';
  }
  return {{"s", out}};
}
Json strs(const std::vector<std::string>& v) {
  Json l = Json::array();
  for (const auto& s : v) l.push_back(str(s)["s"]);
  return {{"list", {{"s", l}}}};
}
Json node(const std::string& name, const std::string& op, std::vector<std::string> inputs, Json attr = Json::object()) {
  return {{"name", name}, {"op", op}, {"input", inputs}, {"attr", attr}};
}
Json placeholder(const std::string& name, std::vector<int64_t> shape) {
  Json dims = Json::array();
  for (auto d : shape) dims.push_back({{"size", std::to_string(d)}});
  return {{"name", name},
          {"op", "Placeholder"},
          {"attr", {{"dtype", {{"type", "DT_FLOAT"}}}, {"shape", {{"shape", {{"dim", dims}}}}}}}};
}
Json constant(const std::string& name) {
  return {{"name", name}, {"op", "Const"}, {"attr", {{"dtype", {{"type", "DT_FLOAT"}}}}}};
}

// A Const with its int32 value inline in the graph (no weight).
Json intConstant(const std::string& name, std::vector<int64_t> shape, std::vector<int64_t> values) {
  Json dims = Json::array();
  for (auto d : shape) dims.push_back({{"size", std::to_string(d)}});
  Json tensor = {{"dtype", "DT_INT32"}, {"tensorShape", {{"dim", dims}}}, {"intVal", values}};
  Json attr = {{"dtype", {{"type", "DT_INT32"}}}, {"value", {{"tensor", tensor}}}};
  return {{"name", name}, {"op", "Const"}, {"attr", attr}};
}

std::vector<float> iota(size_t n, float scale, float offset) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = std::sin(static_cast<float>(i) * scale) + offset;
  return v;
}

// TF's SAME padding before the data (after = total − before).
int64_t sameBefore(int64_t in, int64_t k, int64_t s) {
  const int64_t out = (in + s - 1) / s;
  return std::max<int64_t>((out - 1) * s + k - in, 0) / 2;
}

}  // namespace

// ---- real files ---------------------------------------------------------------------------------------------------

TEST(TfjsRealFiles, FaceRecognitionManifestUint8Affine) {
  REQUIRE_FILE(kFaceRecognition);
  const TfjsWeights w = readTfjsWeights(kFaceRecognition.string());
  ASSERT_EQ(w.entries.size(), 117u);
  ASSERT_EQ(w.tensors.size(), 117u);
  const auto& first = w.entries.front();
  EXPECT_EQ(first.name, "conv32_down/conv/filters");
  EXPECT_EQ(first.shape, (std::vector<int64_t>{7, 7, 3, 32}));
  ASSERT_TRUE(first.quantization.has_value());
  EXPECT_EQ(first.quantization->dtype, "uint8");
  EXPECT_EQ(first.offset, 0u);
  EXPECT_EQ(first.bytes, 7u * 7 * 3 * 32);

  // Reference values: q·scale + min from the raw bytes (Python) = tf.io.decodeWeights (TF.js 4.22).
  const at::Tensor filters = w.tensors.at("conv32_down/conv/filters").reshape(-1);
  EXPECT_EQ(filters.scalar_type(), at::kFloat);
  EXPECT_FLOAT_EQ(filters[0].item<float>(), -0.0294596367f);
  EXPECT_FLOAT_EQ(filters[1].item<float>(), -0.00841703918f);
  EXPECT_FLOAT_EQ(filters[1000].item<float>(), -0.00263032480f);
  EXPECT_FLOAT_EQ(filters[-1].item<float>(), 0.00578671461f);
  EXPECT_FLOAT_EQ(w.tensors.at("conv32_down/scale/weights")[0].item<float>(), 12.1942263f);
  // Unquantised float32 entries sit between quantised ones in the same shard.
  const auto unq = std::find_if(w.entries.begin(), w.entries.end(),
                                [](const TfjsWeightEntry& e) { return e.name == "conv64_down/conv1/conv/filters"; });
  ASSERT_NE(unq, w.entries.end());
  EXPECT_FALSE(unq->quantization.has_value());
  EXPECT_EQ(unq->bytes, 3u * 3 * 32 * 64 * 4);
  EXPECT_FLOAT_EQ(w.tensors.at("conv64_down/conv1/conv/filters").reshape(-1)[0].item<float>(), -0.00449227169f);
  const at::Tensor fc = w.tensors.at("fc");
  EXPECT_EQ(fc.sizes().vec(), (std::vector<int64_t>{256, 128}));
  EXPECT_FLOAT_EQ(fc.reshape(-1)[12345].item<float>(), 0.00107306370f);
  EXPECT_FLOAT_EQ(fc.reshape(-1)[-1].item<float>(), 0.00643838244f);
  // Offsets tile the shard exactly.
  uint64_t end = 0;
  for (const auto& e : w.entries) {
    EXPECT_EQ(e.offset, end) << e.name;
    end = e.offset + e.bytes;
  }
  EXPECT_EQ(end, fs::file_size(kFaceRecognition.parent_path() / "face_recognition_model.bin"));
}

TEST(TfjsRealFiles, SsdInt32WeightsAreRoundedAffine) {
  REQUIRE_FILE(kSsd);
  const auto t = loadTfjsWeights(kSsd.string());
  // begin: uint8 {0, 0, 255} · (1/255) + 0 → int32 {0, 0, 1}; size: q · 1 − 1 → −1.
  const at::Tensor begin = t.at("Postprocessor/Slice/begin");
  EXPECT_EQ(begin.scalar_type(), at::kInt);
  EXPECT_TRUE(at::equal(begin, at::tensor({0, 0, 1}, at::kInt)));
  EXPECT_TRUE(at::equal(t.at("Postprocessor/Slice/size"), at::tensor({-1, -1, -1}, at::kInt)));
  EXPECT_EQ(t.at("Postprocessor/stack/1").dim(), 0);
  EXPECT_EQ(t.at("Postprocessor/stack/1").item<int32_t>(), 5118);
}

TEST(TfjsRealFiles, CenterNetGraphModel) {
  REQUIRE_FILE(kCenterNet);
  const TfjsModel m = TfjsModel::load(kCenterNet.string());
  EXPECT_EQ(m.format(), "graph-model");
  EXPECT_EQ(m.nodes().size(), 544u);
  EXPECT_TRUE(m.unsupportedOps().empty()) << m.unsupportedOps().front();
  std::map<std::string, int> ops;
  for (const auto& n : m.nodes()) ++ops[n.op];
  EXPECT_EQ(ops["Const"], 267);
  EXPECT_EQ(ops["_FusedConv2D"], 62);
  EXPECT_EQ(ops["FusedDepthwiseConv2dNative"], 15);
  EXPECT_EQ(ops["DepthwiseConv2dNative"], 11);
  EXPECT_EQ(ops["ResizeBilinear"], 3);
  EXPECT_EQ(ops["TopKV2"], 1);

  ASSERT_EQ(m.inputs().size(), 1u);
  EXPECT_EQ(m.inputs()[0].name, "tower_0/images");
  EXPECT_EQ(m.inputs()[0].dtype, "DT_FLOAT");
  EXPECT_EQ(m.inputs()[0].shape, (std::vector<int64_t>{1, 512, 512, 3}));
  ASSERT_EQ(m.outputs().size(), 3u);
  std::map<std::string, std::vector<int64_t>> outputs;
  for (const auto& o : m.outputs()) outputs[o.name] = o.shape;
  EXPECT_EQ(outputs["tower_0/keypoints"], (std::vector<int64_t>{1, 128, 128, 80}));
  EXPECT_EQ(outputs["tower_0/wh"], (std::vector<int64_t>{1, 128, 128, 4}));
  EXPECT_EQ(outputs["tower_0/detections"], (std::vector<int64_t>{1, 100, 6}));

  // Attributes of the first convolution and of a fused depthwise one.
  const TfjsNode* conv = m.node("tower_0/MobilenetV3/Conv/BatchNorm/FusedBatchNorm");
  ASSERT_NE(conv, nullptr);
  EXPECT_EQ(conv->op, "_FusedConv2D");
  EXPECT_EQ(conv->inputs, (std::vector<std::string>{"tower_0/images", "tower_0/MobilenetV3/Conv/Conv2D_weights",
                                                    "tower_0/MobilenetV3/Conv/Conv2D_bn_offset"}));
  EXPECT_EQ(conv->attrInts("strides"), (std::vector<int64_t>{1, 2, 2, 1}));
  EXPECT_EQ(conv->attrInts("dilations"), (std::vector<int64_t>{1, 1, 1, 1}));
  EXPECT_EQ(conv->attrString("padding"), "SAME");
  EXPECT_EQ(conv->attrString("data_format"), "NHWC");
  EXPECT_EQ(conv->attrStrings("fused_ops"), (std::vector<std::string>{"BiasAdd"}));
  EXPECT_EQ(conv->attrInt("num_args"), 1);
  EXPECT_EQ(conv->attrString("T"), "DT_FLOAT");
  EXPECT_TRUE(conv->attrBool("use_cudnn_on_gpu"));
  EXPECT_THROW(conv->attrInt("padding"), Error);  // present, but a string
  const TfjsNode* dw = m.node("tower_0/MobilenetV3/expanded_conv_1/depthwise/depthwise");
  ASSERT_NE(dw, nullptr);
  EXPECT_EQ(dw->attrStrings("fused_ops"), (std::vector<std::string>{"BiasAdd", "Relu"}));
  const TfjsNode* resize = m.node("tower_0/CenternetHead/c5_upsample/up_sampling2d/ResizeBilinear");
  ASSERT_NE(resize, nullptr);
  EXPECT_FALSE(resize->attrBool("align_corners", true));
  EXPECT_FALSE(resize->attrBool("half_pixel_centers", true));
  const TfjsNode* topk = m.node("tower_0/floordiv");
  ASSERT_NE(topk, nullptr);
  EXPECT_EQ(topk->inputs[0], "tower_0/TopKV2:1");
  const TfjsNode* k = m.node("tower_0/TopKV2/k");
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(k->attrs.at("value").tensorDtype, "DT_INT32");

  // float16-quantised and int32 weights (reference: Python struct '<e' / '<i' on centernet.bin, and TF.js).
  const auto& t = m.weights().tensors;
  const at::Tensor w0 = t.at("tower_0/MobilenetV3/Conv/Conv2D_weights");
  EXPECT_EQ(w0.sizes().vec(), (std::vector<int64_t>{3, 3, 3, 16}));
  EXPECT_EQ(w0.scalar_type(), at::kFloat);
  EXPECT_FLOAT_EQ(w0.reshape(-1)[0].item<float>(), 0.00932312012f);
  EXPECT_FLOAT_EQ(w0.reshape(-1)[1].item<float>(), -0.00189304352f);
  EXPECT_FLOAT_EQ(w0.reshape(-1)[-1].item<float>(), -0.00139999390f);
  EXPECT_FLOAT_EQ(t.at("CenternetHead/centernet_cls_output/biases")[0].item<float>(), -1.88085938f);
  EXPECT_FLOAT_EQ(t.at("tower_0/mul/y").item<float>(), 16.0f);
  EXPECT_TRUE(at::equal(t.at("tower_0/BatchGather/concat"), at::tensor({16384, 4}, at::kInt)));
  EXPECT_EQ(t.at("tower_0/TopKV2/k").item<int32_t>(), 100);
}

// The whole graph on a fixed pattern (x[h, w, c] = (7h + 13w + 50c) mod 256), against TF.js 4.22's CPU backend
// (tf.loadGraphModel + execute on the same files): keypoints match to ~4e-7, wh to ~1e-3 (of values up to 310).
TEST(TfjsRealFiles, CenterNetGraphMatchesTfjs) {
  REQUIRE_FILE(kCenterNet);
  const TfjsModel m = TfjsModel::load(kCenterNet.string());
  at::Tensor x = at::empty({1, 512, 512, 3});
  float* p = x.data_ptr<float>();
  for (int h = 0; h < 512; ++h)
    for (int w = 0; w < 512; ++w)
      for (int c = 0; c < 3; ++c) p[(h * 512 + w) * 3 + c] = static_cast<float>((h * 7 + w * 13 + c * 50) % 256);
  const auto out = m.run({{"tower_0/images", x}}, {"tower_0/keypoints", "tower_0/wh", "tower_0/detections"});
  const at::Tensor kp = out.at("tower_0/keypoints"), wh = out.at("tower_0/wh"), det = out.at("tower_0/detections");
  EXPECT_EQ(kp.sizes().vec(), (std::vector<int64_t>{1, 128, 128, 80}));
  EXPECT_NEAR(kp.sum().item<double>(), 4992.46044921875, 5e-2);
  EXPECT_NEAR(wh.sum().item<double>(), 8233901.5, 10.0);
  EXPECT_NEAR(kp[0][64][64][0].item<float>(), 0.023750856518745422, 1e-6);
  EXPECT_NEAR(kp[0][64][64][2].item<float>(), 0.02039177715778351, 1e-6);
  EXPECT_NEAR(wh[0][10][20][0].item<float>(), 63.88866424560547, 5e-3);
  EXPECT_NEAR(wh[0][10][20][3].item<float>(), 54.809593200683594, 5e-3);
  // The graph's own decoder (3×3 max-pool peaks, TopKV2, FloorDiv/FloorMod, GatherV2, StridedSlice, ConcatV2).
  ASSERT_EQ(det.sizes().vec(), (std::vector<int64_t>{1, 100, 6}));
  const float ref[3][6] = {{42.22806f, -24.63242f, 479.1286f, 529.4469f, 0.08771410f, 15},
                           {40.91347f, -24.68512f, 477.6423f, 529.2733f, 0.07402620f, 63},
                           {42.22806f, -24.63242f, 479.1286f, 529.4469f, 0.07175364f, 25}};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 6; ++j)
      EXPECT_NEAR(det[0][i][j].item<float>(), ref[i][j], j < 4 ? 5e-3 : 5e-6) << "row " << i << " column " << j;
}

// ---- layout helpers -----------------------------------------------------------------------------------------------

TEST(TfjsLayout, KernelConversions) {
  const at::Tensor hwio = at::arange(2 * 3 * 4 * 5, at::kFloat).reshape({2, 3, 4, 5});
  const at::Tensor oihw = tfConvKernelToTorch(hwio);
  EXPECT_EQ(oihw.sizes().vec(), (std::vector<int64_t>{5, 4, 2, 3}));
  EXPECT_TRUE(oihw.is_contiguous());
  EXPECT_EQ(oihw[4][3][1][2].item<float>(), hwio[1][2][3][4].item<float>());
  EXPECT_EQ(oihw[0][1][1][0].item<float>(), hwio[1][0][1][0].item<float>());
  const at::Tensor hwcm = at::arange(3 * 3 * 4 * 2, at::kFloat).reshape({3, 3, 4, 2});
  const at::Tensor dw = tfDepthwiseKernelToTorch(hwcm);  // TF channel c·M + m
  EXPECT_EQ(dw.sizes().vec(), (std::vector<int64_t>{8, 1, 3, 3}));
  EXPECT_EQ(dw[2 * 3 + 1][0][2][0].item<float>(), hwcm[2][0][3][1].item<float>());
  const at::Tensor nhwc = at::randn({2, 5, 6, 3});
  EXPECT_TRUE(at::equal(nchwToNhwc(nhwcToNchw(nhwc)), nhwc));
  EXPECT_EQ(nhwcToNchw(nhwc).sizes().vec(), (std::vector<int64_t>{2, 3, 5, 6}));
  EXPECT_THROW(tfConvKernelToTorch(at::zeros({3, 3, 4})), Error);
}

TEST(TfjsLayout, ResizeBilinearCoordinateRules) {
  const at::Tensor x = at::tensor({0.f, 1.f, 2.f, 3.f}).reshape({1, 2, 2, 1});  // [[0, 1], [2, 3]]
  // Legacy (TF.js default): src = dst·in/out, the last row/column repeats.
  const at::Tensor legacy = tfResizeBilinear(x, 4, 4).reshape({4, 4});
  const at::Tensor expected =
      at::tensor({0.f, 0.5f, 1.f, 1.f, 1.f, 1.5f, 2.f, 2.f, 2.f, 2.5f, 3.f, 3.f, 2.f, 2.5f, 3.f, 3.f}).reshape({4, 4});
  EXPECT_TRUE(at::allclose(legacy, expected)) << legacy;
  // Aligned corners: the corners map onto each other.
  const at::Tensor aligned = tfResizeBilinear(x, 3, 3, true).reshape({3, 3});
  EXPECT_TRUE(at::allclose(aligned, at::tensor({0.f, 0.5f, 1.f, 1.f, 1.5f, 2.f, 2.f, 2.5f, 3.f}).reshape({3, 3})));
  // Half-pixel centres: src = (dst + 0.5)·in/out − 0.5 → 0.25 → value 0.25 at dst 1 of a 1×2 → 1×4 upsample.
  const at::Tensor row = at::tensor({0.f, 1.f}).reshape({1, 1, 2, 1});
  const at::Tensor half = tfResizeBilinear(row, 1, 4, false, true).reshape(-1);
  EXPECT_TRUE(at::allclose(half, at::tensor({0.f, 0.25f, 0.75f, 1.f}))) << half;
  // Downsampling 4 → 2 (legacy) samples rows 0 and 2.
  const at::Tensor big = at::arange(16, at::kFloat).reshape({1, 4, 4, 1});
  EXPECT_TRUE(at::allclose(tfResizeBilinear(big, 2, 2).reshape(-1), at::tensor({0.f, 2.f, 8.f, 10.f})));
  EXPECT_THROW(tfResizeBilinear(x, 0, 4), Error);
}

// ---- synthetic manifests: every dtype, and hostile files ----------------------------------------------------------

TEST_F(TfjsTest, EveryDtypeAndQuantisation) {
  std::string data;
  data += bytesOf(std::vector<float>{1.5f, -2.f});                         // float32
  data += bytesOf(std::vector<int32_t>{-7, 123456});                       // int32
  data += bytesOf(std::vector<uint8_t>{0, 1, 255});                        // uint8 affine
  data += bytesOf(std::vector<uint16_t>{0, 1000, 65535});                  // uint16 affine
  data += bytesOf(std::vector<uint16_t>{0x3C00, 0xC000, 0x7C00, 0x0001});  // float16: 1, −2, inf, 2^-24
  data += bytesOf(std::vector<uint8_t>{0, 1, 2});                          // bool
  data += bytesOf(std::vector<uint8_t>{0, 2, 3});                          // int32 via uint8 affine (×0.5 − 1)
  const Json weights = Json::array({
      {{"name", "f32"}, {"shape", {2}}, {"dtype", "float32"}},
      {{"name", "i32"}, {"shape", {1, 2}}, {"dtype", "int32"}},
      {{"name", "u8"},
       {"shape", {3}},
       {"dtype", "float32"},
       {"quantization", {{"dtype", "uint8"}, {"scale", 0.5}, {"min", -1.0}}}},
      {{"name", "u16"},
       {"shape", {3}},
       {"dtype", "float32"},
       {"quantization", {{"dtype", "uint16"}, {"scale", 0.001}, {"min", 2.0}}}},
      {{"name", "f16"},
       {"shape", {2, 2}},
       {"dtype", "float32"},
       {"quantization", {{"dtype", "float16"}, {"original_dtype", "float32"}}}},
      {{"name", "b"}, {"shape", {3}}, {"dtype", "bool"}},
      {{"name", "iq"},
       {"shape", {3}},
       {"dtype", "int32"},
       {"quantization", {{"dtype", "uint8"}, {"scale", 0.5}, {"min", -1}}}},
  });
  const TfjsWeights w = readTfjsWeights(manifest(weights, data));
  ASSERT_EQ(w.entries.size(), 7u);
  EXPECT_TRUE(at::equal(w.tensors.at("f32"), at::tensor({1.5f, -2.f})));
  EXPECT_TRUE(at::equal(w.tensors.at("i32"), at::tensor({-7, 123456}, at::kInt).reshape({1, 2})));
  EXPECT_TRUE(at::allclose(w.tensors.at("u8"), at::tensor({-1.f, -0.5f, 126.5f})));
  EXPECT_TRUE(at::allclose(w.tensors.at("u16"), at::tensor({2.f, 3.f, 67.535f})));
  const at::Tensor f16 = w.tensors.at("f16").reshape(-1);
  EXPECT_EQ(f16[0].item<float>(), 1.f);
  EXPECT_EQ(f16[1].item<float>(), -2.f);
  EXPECT_TRUE(std::isinf(f16[2].item<float>()));
  EXPECT_FLOAT_EQ(f16[3].item<float>(), std::ldexp(1.f, -24));
  EXPECT_EQ(w.tensors.at("b").scalar_type(), at::kBool);
  EXPECT_TRUE(at::equal(w.tensors.at("b").to(at::kInt), at::tensor({0, 1, 1}, at::kInt)));
  EXPECT_TRUE(at::equal(w.tensors.at("iq"), at::tensor({-1, 0, 1}, at::kInt)));  // 0.5 rounds up, as Math.round
  EXPECT_EQ(w.entries[3].offset, 8u + 8 + 3);
  EXPECT_EQ(w.entries[3].bytes, 6u);
}

TEST_F(TfjsTest, ShardsAreConcatenatedInOrder) {
  writeBytes(dir_ / "a.bin", bytesOf(std::vector<float>{1, 2, 3}));
  writeBytes(dir_ / "b.bin", bytesOf(std::vector<float>{4, 5}));
  const Json m = Json::array({{{"paths", {"a.bin", "b.bin"}},
                               {"weights", Json::array({{{"name", "x"}, {"shape", {2}}, {"dtype", "float32"}},
                                                        {{"name", "y"}, {"shape", {3}}, {"dtype", "float32"}}})}}});
  writeBytes(dir_ / "m.json", m.dump());
  const auto t = loadTfjsWeights(path("m.json"));
  EXPECT_TRUE(at::equal(t.at("x"), at::tensor({1.f, 2.f})));
  EXPECT_TRUE(at::equal(t.at("y"), at::tensor({3.f, 4.f, 5.f})));  // spans the shard boundary
}

TEST_F(TfjsTest, HostileManifests) {
  const Json f32x4 = Json::array({{{"name", "w"}, {"shape", {4}}, {"dtype", "float32"}}});
  const std::string sixteen(16, '\0');
  auto read = [](const std::string& p) { return [p] { readTfjsWeights(p); }; };
  std::string p;

  p = manifest(f32x4, std::string(12, '\0'));
  expectError(read(p), p, "hold 12 bytes, the weights need 16 (truncated shard?)");
  p = manifest(f32x4, std::string(20, '\0'));
  expectError(read(p), p, "hold 20 bytes, the weights need 16");
  p = manifest(Json::array({{{"name", "w"}, {"shape", {2, -1}}, {"dtype", "float32"}}}), sixteen);
  expectError(read(p), p, "shape is not a list of non-negative integers");
  p = manifest(Json::array({{{"name", "w"}, {"shape", "4"}, {"dtype", "float32"}}}), sixteen);
  expectError(read(p), p, "shape is missing or not a list");
  p = manifest(Json::array({{{"name", "w"}, {"shape", {1 << 30, 1 << 30, 1 << 30}}, {"dtype", "float32"}}}), sixteen);
  expectError(read(p), p, "is too large");
  p = manifest(Json::array({{{"name", "w"}, {"shape", {4}}, {"dtype", "complex64"}}}), sixteen);
  expectError(read(p), p, "dtype 'complex64' is not supported");
  p = manifest(Json::array({{{"name", "w"}, {"shape", {4}}}}), sixteen);
  expectError(read(p), p, "dtype is missing");
  p = manifest(Json::array({{{"shape", {4}}, {"dtype", "float32"}}}), sixteen);
  expectError(read(p), p, "weightsManifest[0].weights[0] has no name");
  p = manifest(Json::array({{{"name", "w"}, {"shape", {2}}, {"dtype", "float32"}},
                            {{"name", "w"}, {"shape", {2}}, {"dtype", "float32"}}}),
               sixteen);
  expectError(read(p), p, "weight 'w' appears twice");

  // Quantisation parameters.
  auto quantised = [&](const Json& q) {
    return manifest(Json::array({{{"name", "w"}, {"shape", {16}}, {"dtype", "float32"}, {"quantization", q}}}),
                    sixteen);
  };
  p = quantised({{"dtype", "uint4"}, {"scale", 1}, {"min", 0}});
  expectError(read(p), p, "quantization dtype 'uint4' is not supported");
  p = quantised({{"dtype", "uint8"}, {"min", 0}});
  expectError(read(p), p, "uint8 quantization needs a finite, non-negative scale");
  p = quantised({{"dtype", "uint8"}, {"scale", -1}, {"min", 0}});
  expectError(read(p), p, "needs a finite, non-negative scale");
  p = quantised({{"dtype", "uint8"}, {"scale", 1}, {"min", "NaN"}});
  expectError(read(p), p, "uint8 quantization needs a finite min");
  p = quantised({{"dtype", "uint8"}, {"scale", "x"}, {"min", 0}});
  expectError(read(p), p, "needs a finite, non-negative scale");
  p = quantised({{"scale", 1}, {"min", 0}});
  expectError(read(p), p, "quantization has no dtype");
  p = manifest(
      Json::array({{{"name", "w"}, {"shape", {8}}, {"dtype", "int32"}, {"quantization", {{"dtype", "float16"}}}}}),
      sixteen);
  expectError(read(p), p, "float16 quantization of a int32 weight");
  p = quantised({{"dtype", "uint16"}, {"scale", 1}, {"min", 0}});  // 16 × 2 bytes needed
  expectError(read(p), p, "hold 16 bytes, the weights need 32");

  // Shard paths.
  p = manifest(f32x4, sixteen, Json::array({"../w.bin"}));
  expectError(read(p), p, "leaves the model's folder");
  p = manifest(f32x4, sixteen, Json::array({"/etc/passwd"}));
  expectError(read(p), p, "is an absolute path");
  p = manifest(f32x4, sixteen, Json::array({"missing.bin"}));
  expectError(read(p), (dir_ / "missing.bin").string(), "weight shard not found or unreadable (named by " + p + ")");
  p = manifest(f32x4, sixteen, Json::array({42}));
  expectError(read(p), p, "paths[0] is not a file name");

  // The JSON itself.
  p = path("bad.json");
  writeBytes(p, "[{\"paths\": [\"w.bin\"], \"weights\": [");
  expectError(read(p), p, "not valid JSON");
  writeBytes(p, std::string(100000, '[') + std::string(100000, ']'));
  expectError(read(p), p, "JSON nests deeper than");
  writeBytes(p, "{\"format\": \"graph-model\"}");
  expectError(read(p), p, "neither a weights manifest");
  writeBytes(p, "[{\"paths\": [\"w.bin\"]}]");
  expectError(read(p), p, "weightsManifest[0].weights is missing or not a list");
  writeBytes(p, "[42]");
  expectError(read(p), p, "weightsManifest[0] is not an object");
  expectError(read(path("nothing.json")), path("nothing.json"), "model file not found");
  expectError(read(dir_.string()), dir_.string(), "is a directory");
}

// ---- synthetic graphs: the interpreter op by op -------------------------------------------------------------------

// _FusedConv2D (SAME, stride 2 → TF's asymmetric padding; BiasAdd + Relu6) against a naive NHWC loop.
TEST_F(TfjsTest, FusedConv2DSameStride2MatchesNaiveLoop) {
  const int64_t H = 5, W = 6, C = 2, O = 3, K = 3, S = 2;
  const auto kernel = iota(K * K * C * O, 0.37f, 0.f), bias = std::vector<float>{0.1f, -0.2f, 0.3f};
  const std::string p = graph(Json::array({placeholder("x", {1, H, W, C}), constant("k"), constant("b"),
                                           node("y", "_FusedConv2D", {"x", "k", "b"},
                                                {{"strides", ints({1, S, S, 1})},
                                                 {"padding", str("SAME")},
                                                 {"data_format", str("NHWC")},
                                                 {"fused_ops", strs({"BiasAdd", "Relu6"})},
                                                 {"num_args", {{"i", "1"}}}})}),
                              {{"k", {K, K, C, O}, kernel}, {"b", {O}, bias}});
  const TfjsModel m = TfjsModel::load(p);
  const at::Tensor x = at::tensor(iota(H * W * C, 0.91f, 0.5f)).reshape({1, H, W, C}) * 4;
  const at::Tensor y = m.run({{"x", x}}, {"y"}).at("y");
  const int64_t OH = (H + S - 1) / S, OW = (W + S - 1) / S;
  ASSERT_EQ(y.sizes().vec(), (std::vector<int64_t>{1, OH, OW, O}));
  const int64_t top = sameBefore(H, K, S), left = sameBefore(W, K, S);
  auto xa = x.accessor<float, 4>();
  const at::Tensor yc = y.contiguous();
  auto ya = yc.accessor<float, 4>();
  for (int64_t oy = 0; oy < OH; ++oy)
    for (int64_t ox = 0; ox < OW; ++ox)
      for (int64_t o = 0; o < O; ++o) {
        double acc = bias[o];
        for (int64_t ky = 0; ky < K; ++ky)
          for (int64_t kx = 0; kx < K; ++kx) {
            const int64_t iy = oy * S + ky - top, ix = ox * S + kx - left;
            if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
            for (int64_t c = 0; c < C; ++c) acc += xa[0][iy][ix][c] * kernel[((ky * K + kx) * C + c) * O + o];
          }
        EXPECT_NEAR(ya[0][oy][ox][o], std::clamp(acc, 0.0, 6.0), 1e-5) << oy << "," << ox << "," << o;
      }
}

// DepthwiseConv2dNative with channel multiplier 2, SAME stride 1, then MaxPool 3×3 stride 2 SAME.
TEST_F(TfjsTest, DepthwiseAndMaxPoolMatchNaiveLoops) {
  const int64_t H = 4, W = 5, C = 2, M = 2, K = 3;
  const auto kernel = iota(K * K * C * M, 0.53f, 0.f);
  const std::string p = graph(
      Json::array(
          {placeholder("x", {1, H, W, C}), constant("k"),
           node("d", "DepthwiseConv2dNative", {"x", "k"}, {{"strides", ints({1, 1, 1, 1})}, {"padding", str("SAME")}}),
           node("p", "MaxPool", {"d"},
                {{"ksize", ints({1, 3, 3, 1})}, {"strides", ints({1, 2, 2, 1})}, {"padding", str("SAME")}})}),
      {{"k", {K, K, C, M}, kernel}});
  const TfjsModel m = TfjsModel::load(p);
  const at::Tensor x = at::tensor(iota(H * W * C, 0.77f, 0.f)).reshape({1, H, W, C});
  const auto out = m.run({{"x", x}}, {"d", "p"});
  const at::Tensor d = out.at("d").contiguous(), pool = out.at("p").contiguous();
  ASSERT_EQ(d.sizes().vec(), (std::vector<int64_t>{1, H, W, C * M}));
  auto xa = x.accessor<float, 4>();
  auto da = d.accessor<float, 4>();
  for (int64_t y = 0; y < H; ++y)
    for (int64_t xx = 0; xx < W; ++xx)
      for (int64_t c = 0; c < C; ++c)
        for (int64_t mm = 0; mm < M; ++mm) {
          double acc = 0;
          for (int64_t ky = 0; ky < K; ++ky)
            for (int64_t kx = 0; kx < K; ++kx) {
              const int64_t iy = y + ky - 1, ix = xx + kx - 1;
              if (iy >= 0 && iy < H && ix >= 0 && ix < W)
                acc += xa[0][iy][ix][c] * kernel[((ky * K + kx) * C + c) * M + mm];
            }
          EXPECT_NEAR(da[0][y][xx][c * M + mm], acc, 1e-5);
        }
  // MaxPool SAME, stride 2: out 2×3; H pads (0, 1), W pads (1, 1); padding never wins.
  ASSERT_EQ(pool.sizes().vec(), (std::vector<int64_t>{1, 2, 3, C * M}));
  auto pa = pool.accessor<float, 4>();
  const int64_t top = sameBefore(H, 3, 2), left = sameBefore(W, 3, 2);
  for (int64_t oy = 0; oy < 2; ++oy)
    for (int64_t ox = 0; ox < 3; ++ox)
      for (int64_t c = 0; c < C * M; ++c) {
        float best = -1e30f;
        for (int64_t iy = oy * 2 - top; iy < oy * 2 - top + 3; ++iy)
          for (int64_t ix = ox * 2 - left; ix < ox * 2 - left + 3; ++ix)
            if (iy >= 0 && iy < H && ix >= 0 && ix < W) best = std::max(best, da[0][iy][ix][c]);
        EXPECT_EQ(pa[0][oy][ox][c], best);
      }
}

// Conv2DBackpropInput is the adjoint of Conv2D: <conv(x), g> = <x, convᵀ(g)> for any x, g (SAME, stride 2).
TEST_F(TfjsTest, Conv2DBackpropInputIsTheAdjointOfConv2D) {
  const int64_t H = 7, W = 6, C = 3, O = 4, K = 3;
  const auto kernel = iota(K * K * C * O, 0.41f, 0.f);
  Json sizes = {
      {"name", "sizes"},
      {"op", "Const"},
      {"attr",
       {{"dtype", {{"type", "DT_INT32"}}},
        {"value",
         {{"tensor",
           {{"dtype", "DT_INT32"}, {"tensorShape", {{"dim", {{{"size", "4"}}}}}}, {"intVal", {1, H, W, C}}}}}}}}};
  const Json conv = {{"strides", ints({1, 2, 2, 1})}, {"padding", str("SAME")}};
  const std::string p = graph(
      Json::array({placeholder("x", {1, H, W, C}), placeholder("g", {1, 4, 3, O}), constant("k"), sizes,
                   node("y", "Conv2D", {"x", "k"}, conv), node("t", "Conv2DBackpropInput", {"sizes", "k", "g"}, conv)}),
      {{"k", {K, K, C, O}, kernel}});
  const TfjsModel m = TfjsModel::load(p);
  const at::Tensor x = at::tensor(iota(H * W * C, 0.29f, 0.f)).reshape({1, H, W, C});
  const at::Tensor g = at::tensor(iota(4 * 3 * O, 0.83f, 0.f)).reshape({1, 4, 3, O});
  const auto out = m.run({{"x", x}, {"g", g}}, {"y", "t"});
  ASSERT_EQ(out.at("y").sizes().vec(), g.sizes().vec());
  ASSERT_EQ(out.at("t").sizes().vec(), x.sizes().vec());
  EXPECT_NEAR((out.at("y") * g).sum().item<double>(), (x * out.at("t")).sum().item<double>(), 1e-4);
}

// Ops the centernet parity does not reach, each against values worked out by hand.
TEST_F(TfjsTest, SmallOpsMatchHandComputedValues) {
  const std::string p = graph(Json::array({
      placeholder("img", {1, 3, 3, 1}),
      placeholder("q", {1, 2, 2, 1}),
      placeholder("v", {1, 2}),
      placeholder("a", {2, 3}),
      intConstant("pads", {2, 2}, {0, 1, 2, 0}),
      intConstant("size4", {2}, {4, 4}),
      intConstant("perm", {2}, {1, 0}),
      intConstant("begin", {2}, {0, 1}),
      intConstant("len", {2}, {-1, 2}),
      node("avg", "AvgPool", {"img"},
           {{"ksize", ints({1, 2, 2, 1})}, {"strides", ints({1, 2, 2, 1})}, {"padding", str("SAME")}}),
      node("near", "ResizeNearestNeighbor", {"q", "size4"}),
      node("pad", "Pad", {"v", "pads"}),
      node("t", "Transpose", {"a", "perm"}),
      node("sl", "Slice", {"a", "begin", "len"}),
      node("mm", "MatMul", {"a", "a"}, {{"transpose_b", {{"b", true}}}}),
      node("pk", "Pack", {"v", "v"}, {{"axis", {{"i", "1"}}}}),
      node("sq", "Squeeze", {"q"}, {{"squeeze_dims", ints({0, 3})}}),
  }));
  const TfjsModel m = TfjsModel::load(p);
  EXPECT_TRUE(at::equal(m.constant("perm"), at::tensor({1, 0}, at::kInt)));
  expectError([&] { m.constant("avg"); }, p, "the graph has no Const node 'avg'");
  const at::Tensor img = at::arange(1, 10, at::kFloat).reshape({1, 3, 3, 1});
  const at::Tensor q = at::tensor({0.f, 1.f, 2.f, 3.f}).reshape({1, 2, 2, 1});
  const at::Tensor v = at::tensor({5.f, 6.f}).reshape({1, 2});
  const at::Tensor a = at::arange(6, at::kFloat).reshape({2, 3});
  const auto out =
      m.run({{"img", img}, {"q", q}, {"v", v}, {"a", a}}, {"avg", "near", "pad", "t", "sl", "mm", "pk", "sq"});
  // AvgPool SAME pads (0, 1) and TF averages the valid pixels only: [[3, 4.5], [7.5, 9]].
  EXPECT_TRUE(at::allclose(out.at("avg").reshape({2, 2}), at::tensor({3.f, 4.5f, 7.5f, 9.f}).reshape({2, 2})));
  // Nearest, legacy: src = floor(dst · 0.5).
  EXPECT_TRUE(at::equal(
      out.at("near").reshape({4, 4}),
      at::tensor({0.f, 0.f, 1.f, 1.f, 0.f, 0.f, 1.f, 1.f, 2.f, 2.f, 3.f, 3.f, 2.f, 2.f, 3.f, 3.f}).reshape({4, 4})));
  EXPECT_TRUE(at::equal(out.at("pad"), at::tensor({0.f, 0.f, 5.f, 6.f, 0.f, 0.f, 0.f, 0.f}).reshape({2, 4})));
  EXPECT_TRUE(at::equal(out.at("t"), a.t()));
  EXPECT_TRUE(at::equal(out.at("sl"), a.narrow(1, 1, 2)));
  EXPECT_TRUE(at::allclose(out.at("mm"), at::matmul(a, a.t())));
  EXPECT_TRUE(at::equal(out.at("pk"), at::stack({v, v}, 1)));
  EXPECT_EQ(out.at("sq").sizes().vec(), (std::vector<int64_t>{2, 2}));
}

TEST_F(TfjsTest, GraphErrorsNameFileNodeAndOp) {
  std::string p = graph(Json::array({placeholder("x", {1, 2}), node("y", "Relu", {"nope"})}));
  expectError([&] { TfjsModel::load(p); }, p, "node 'y' reads 'nope', which is not a node of the graph");
  p = graph(Json::array({constant("c")}));
  expectError([&] { TfjsModel::load(p); }, p, "node 'c' (Const) has no value: no weight of that name in the manifest");
  p = graph(Json::array({placeholder("x", {1, 2}), placeholder("x", {1, 2})}));
  expectError([&] { TfjsModel::load(p); }, p, "node 'x' appears twice");
  p = graph(Json::array({{{"op", "Relu"}}}));
  expectError([&] { TfjsModel::load(p); }, p, "modelTopology.node[0] has no name");
  p = graph(Json::array({node("a", "Relu", {}, {{"padding", {{"s", "!!!"}}}})}));
  expectError([&] { TfjsModel::load(p); }, p, "not valid base64");
  p = graph(Json::array({constant("c")}), {{"c", {2, 2}, {1, 2, 3, 4}}});
  {
    Json model = Json::parse(std::ifstream(p));
    model["modelTopology"]["node"][0]["attr"]["value"] = {
        {"tensor", {{"dtype", "DT_FLOAT"}, {"tensorShape", {{"dim", {{{"size", "3"}}}}}}}}};
    writeBytes(p, model.dump());
    expectError([&] { TfjsModel::load(p); }, p, "node 'c': the graph says shape [3], the weight has [2, 2]");
  }

  p = graph(Json::array({placeholder("x", {1, 2}), node("y", "Einsum", {"x"}), node("z", "Relu", {"x"}),
                         node("a", "Relu", {"b"}), node("b", "Relu", {"a"})}));
  const TfjsModel m = TfjsModel::load(p);
  EXPECT_EQ(m.unsupportedOps(), (std::vector<std::string>{"Einsum"}));
  const at::Tensor x = at::ones({1, 2});
  expectError(
      [&] {
        m.run({{"x", x}}, {"y"});
      },
      p, "node 'y' (Einsum): op 'Einsum' is not supported by the interpreter");
  EXPECT_TRUE(at::equal(m.run({{"x", x}}, {"z"}).at("z"), x));  // unsupported ops elsewhere do not matter
  expectError([&] { m.run({}, {"z"}); }, p, "node 'x' (Placeholder) is not fed");
  expectError([&] { m.run({{"x", at::ones({1, 2}, at::kInt)}}, {"z"}); }, p, "takes DT_FLOAT, was fed DT_INT32");
  expectError([&] { m.run({{"x", at::ones({2, 2})}}, {"z"}); }, p, "takes shape [1, 2], was fed [2, 2]");
  expectError([&] { m.run({{"x", x}}, {"missing"}); }, p, "the graph has no node 'missing'");
  expectError([&] { m.run({{"x", x}}, {"a"}); }, p, "depends on itself (the graph has a cycle)");
  expectError([&] { m.run({{"x", x}}, {"z:1"}); }, p, "has no output 1");

  // A shape error inside an op names the node.
  p = graph(
      Json::array({placeholder("x", {1, 4, 4, 3}), constant("k"),
                   node("y", "Conv2D", {"x", "k"}, {{"strides", ints({1, 1, 1, 1})}, {"padding", str("VALID")}})}),
      {{"k", {1, 1, 2, 5}, std::vector<float>(10, 1.f)}});
  const TfjsModel bad = TfjsModel::load(p);
  expectError(
      [&] {
        bad.run({{"x", at::ones({1, 4, 4, 3})}}, {"y"});
      },
      p, "node 'y' (Conv2D): input has 3 channels, the kernel [1, 1, 2, 5] expects 2");
}
