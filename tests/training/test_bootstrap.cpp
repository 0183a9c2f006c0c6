// Data bootstrapping: phrase chunking, crop rules, detections files, the data set writer / reader, resume,
// determinism, every bad-input path, and the contact sheet.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "bootstrap_test_util.h"
#include "model/error.h"
#include "model/io/image_file.h"
#include "training/bootstrap/bootstrap.h"
#include "training/bootstrap/contact_sheet.h"
#include "training/bootstrap/crop_rules.h"
#include "training/bootstrap/dataset.h"
#include "training/bootstrap/phrases.h"
#include "training/detect/detections_file.h"

using namespace mumu;
using namespace mumu::training;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const std::string kData = MUMU_TEST_DATA "/bootstrap";
const std::string kPhotos = MUMU_SOURCE_DIR "/assets/photos";

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

bool anyContains(const std::vector<std::string>& msgs, const std::string& a, const std::string& b = {}) {
  return std::any_of(msgs.begin(), msgs.end(), [&](const std::string& m) { return contains(m, a) && contains(m, b); });
}

std::string errorOf(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

std::vector<std::string> texts(const std::vector<Phrase>& ps) {
  std::vector<std::string> out;
  for (const auto& p : ps) out.push_back(p.text);
  return out;
}

Detection det(float x0, float y0, float x1, float y1, const std::string& phrase, float score = 0.9f) {
  return Detection{Box{x0, y0, x1, y1}, phrase, score};
}

Image solidImage(int w, int h, std::array<uint8_t, 3> c) {
  Image img;
  img.width = w, img.height = h, img.channels = 3;
  img.pixels.resize(static_cast<size_t>(w) * h * 3);
  for (size_t i = 0; i < img.pixels.size(); ++i) img.pixels[i] = c[i % 3];
  return img;
}

// A photo stand-in: gradient with a red square in the middle.
Image testPhoto(int w, int h) {
  Image img = solidImage(w, h, {0, 0, 0});
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      uint8_t* p = img.row(y) + x * 3;
      p[0] = static_cast<uint8_t>(x * 255 / w), p[1] = static_cast<uint8_t>(y * 255 / h), p[2] = 128;
      if (x > w / 3 && x < 2 * w / 3 && y > h / 3 && y < 2 * h / 3) p[0] = 230, p[1] = 30, p[2] = 30;
    }
  return img;
}

}  // namespace

// ---- phrases ----------------------------------------------------------------------------------------------

TEST(Phrases, ChunksNounPhrasesWithModifiers) {
  EXPECT_EQ(texts(chunkNounPhrases("a small red star and a large blue circle on a striped background")),
            (std::vector<std::string>{"a small red star", "a large blue circle", "a striped background"}));
  EXPECT_EQ(texts(chunkNounPhrases("two dogs")), (std::vector<std::string>{"two dogs"}));
  EXPECT_EQ(texts(chunkNounPhrases("A man riding a scooter in New York")),
            (std::vector<std::string>{"A man", "a scooter", "New York"}));
  EXPECT_EQ(
      texts(chunkNounPhrases("A black and white dog sits on a porch next to a red bicycle, with a white truck "
                             "parked across the street.")),
      (std::vector<std::string>{"A black and white dog", "a porch", "a red bicycle", "a white truck", "the street"}));
  EXPECT_EQ(
      texts(chunkNounPhrases("A smiling woman holds a white helmet in front of an American flag and a model "
                             "space shuttle.")),
      (std::vector<std::string>{"A smiling woman", "a white helmet", "an American flag", "a model space shuttle"}));
  EXPECT_EQ(texts(chunkNounPhrases("a very small red star")), (std::vector<std::string>{"a very small red star"}));
  EXPECT_EQ(texts(chunkNounPhrases("A dog chases a ball.")), (std::vector<std::string>{"A dog", "a ball"}));
  EXPECT_EQ(texts(chunkNounPhrases("a sleeping cat")), (std::vector<std::string>{"a sleeping cat"}));
  EXPECT_EQ(texts(chunkNounPhrases("an orange on a table")), (std::vector<std::string>{"an orange", "a table"}));
  EXPECT_TRUE(chunkNounPhrases("").empty());
  EXPECT_TRUE(chunkNounPhrases("  , . !").empty());
}

TEST(Phrases, NumbersPluralsAndHeads) {
  const std::string c = "Two brown horses and 3 puppies near the geese.";
  const auto ps = chunkNounPhrases(c);
  ASSERT_EQ(ps.size(), 3u);
  EXPECT_EQ(ps[0].count, 2);
  EXPECT_TRUE(ps[0].plural);
  EXPECT_EQ(ps[0].head, "horses");
  EXPECT_EQ(ps[0].lemma, "horse");
  EXPECT_EQ(ps[0].content(c), "brown horses");
  EXPECT_EQ(ps[1].count, 3);
  EXPECT_EQ(ps[1].lemma, "puppy");
  EXPECT_EQ(ps[2].lemma, "goose");
  EXPECT_EQ(ps[2].count, 0);
  // spans are the caption's own bytes
  for (const auto& p : ps) EXPECT_EQ(c.substr(p.begin, p.end - p.begin), p.text);
}

TEST(Phrases, PossessivesGiveOwnerAndOwned) {
  const std::string c = "the man's hat";
  const auto ps = chunkNounPhrases(c);
  ASSERT_EQ(ps.size(), 2u);
  EXPECT_EQ(ps[0].text, "the man");
  EXPECT_EQ(ps[0].content(c), "man");
  EXPECT_EQ(ps[1].text, "the man's hat");
  EXPECT_EQ(ps[1].content(c), "hat");  // the crop of the hat goes after "the man's"
  EXPECT_EQ(ps[1].head, "hat");
  const std::string typographic = "a cat on the woman\xE2\x80\x99s lap";
  EXPECT_EQ(texts(chunkNounPhrases(typographic)),
            (std::vector<std::string>{"a cat", "the woman", "the woman\xE2\x80\x99s lap"}));
  EXPECT_EQ(texts(chunkNounPhrases("the dogs' bowls")), (std::vector<std::string>{"the dogs", "the dogs' bowls"}));
}

TEST(Phrases, LocatesExplicitPhrasesOnWordBoundaries) {
  const std::string c = "A cat sits by two brown Horses.";
  auto p = locatePhrase(c, "two brown horses");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->text, "two brown Horses");
  EXPECT_EQ(p->content(c), "brown Horses");
  EXPECT_EQ(p->count, 2);
  EXPECT_EQ(p->lemma, "horse");
  EXPECT_FALSE(locatePhrase("concatenate", "cat"));
  EXPECT_FALSE(locatePhrase(c, "purple elephant"));
  EXPECT_FALSE(locatePhrase(c, "   "));
  EXPECT_EQ(locatePhrase(c, "CAT")->begin, 2u);
}

TEST(Phrases, SqueezeSpacesLeavesOneSpaceWhereAPhraseWasCut) {
  EXPECT_EQ(squeezeSpaces("a  and   b"), "a and b");
  EXPECT_EQ(squeezeSpaces("  lead"), " lead");
  EXPECT_EQ(squeezeSpaces(""), "");
  EXPECT_EQ(squeezeSpaces("tab\t\tstays"), "tab\t\tstays");  // only spaces: the captions' own separator
}

TEST(Phrases, Singular) {
  EXPECT_EQ(singularize("dogs"), "dog");
  EXPECT_EQ(singularize("puppies"), "puppy");
  EXPECT_EQ(singularize("men"), "man");
  EXPECT_EQ(singularize("boxes"), "box");
  EXPECT_EQ(singularize("wolves"), "wolf");
  EXPECT_EQ(singularize("horses"), "horse");
  EXPECT_EQ(singularize("glasses"), "glasses");
  EXPECT_EQ(singularize("grass"), "grass");
  EXPECT_EQ(singularize("bus"), "bus");
  EXPECT_EQ(singularize("sheep"), "sheep");
  EXPECT_TRUE(isPersonNoun("woman"));
  EXPECT_FALSE(isPersonNoun("dog"));
}

TEST(Phrases, MatchScoresPreferTheExactPhrase) {
  const std::string c = "a white horse and two brown horses";
  const auto ps = chunkNounPhrases(c);
  ASSERT_EQ(ps.size(), 2u);
  EXPECT_EQ(phraseMatchScore(c, ps[1], "brown horses"), 100);
  EXPECT_GT(phraseMatchScore(c, ps[0], "white horse"), phraseMatchScore(c, ps[1], "white horse"));
  EXPECT_EQ(phraseMatchScore(c, ps[0], "horse"), 80);
  EXPECT_EQ(phraseMatchScore(c, ps[0], "motorcycle"), 0);
  const std::string p = "a smiling woman";
  EXPECT_EQ(phraseMatchScore(p, chunkNounPhrases(p)[0], "person"), 30);
}

// ---- crop rules -------------------------------------------------------------------------------------------

TEST(CropRules, MinimumAreaScalesWithTheImage) {
  const CropRules r;
  EXPECT_DOUBLE_EQ(minCropArea(r, 1024, 1024), 150.0 * 150.0);
  EXPECT_DOUBLE_EQ(minCropArea(r, 2048, 1024), 150.0 * 150.0);  // the short side counts
  EXPECT_DOUBLE_EQ(minCropArea(r, 512, 768), 75.0 * 75.0);
  EXPECT_NEAR(minCropArea(r, 64, 64), 87.890625, 1e-9);
}

TEST(CropRules, TooSmallAndTooLarge) {
  const CropRules r;
  // 1024²: 150×150 is the smallest kept
  EXPECT_TRUE(checkBox(Box{0, 0, 150, 150}, 1024, 1024, r).ok);
  auto small = checkBox(Box{0, 0, 149, 150}, 1024, 1024, r);
  EXPECT_FALSE(small.ok);
  EXPECT_EQ(small.reason, DropReason::TooSmall);
  EXPECT_TRUE(contains(small.message, "below the minimum 22500")) << small.message;
  // at most 75% of the image
  EXPECT_TRUE(checkBox(Box{0, 0, 100, 75}, 100, 100, r).ok);
  auto large = checkBox(Box{0, 0, 100, 76}, 100, 100, r);
  EXPECT_FALSE(large.ok);
  EXPECT_EQ(large.reason, DropReason::TooLarge);
  EXPECT_TRUE(contains(large.message, "76% of the image, above 75%")) << large.message;
}

TEST(CropRules, BoxesOutsideTheImageAreClippedOrRejected) {
  const CropRules r;
  auto outside = checkBox(Box{700, 10, 800, 100}, 640, 480, r);
  EXPECT_FALSE(outside.ok);
  EXPECT_EQ(outside.reason, DropReason::OutsideImage);
  EXPECT_TRUE(contains(outside.message, "lies outside the 640x480 image")) << outside.message;
  auto mostly = checkBox(Box{600, 10, 800, 210}, 640, 480, r);  // 20% inside
  EXPECT_FALSE(mostly.ok);
  EXPECT_EQ(mostly.reason, DropReason::OutsideImage);
  EXPECT_TRUE(contains(mostly.message, "20% inside")) << mostly.message;
  auto partly = checkBox(Box{-20, -10, 180, 190}, 640, 480, r);  // 81% inside: clipped
  ASSERT_TRUE(partly.ok);
  EXPECT_EQ(partly.box.x0, 0);
  EXPECT_EQ(partly.box.y0, 0);
  EXPECT_EQ(partly.box.x1, 180);
  EXPECT_EQ(checkBox(Box{10, 10, 5, 50}, 640, 480, r).reason, DropReason::OutsideImage);  // inverted
  auto nan = checkBox(Box{std::nanf(""), 0, 10, 10}, 640, 480, r);
  EXPECT_FALSE(nan.ok);
  EXPECT_TRUE(contains(nan.message, "non-finite"));
}

TEST(CropRules, AtMostThreeCropsKeptInCaptionOrder) {
  const std::string c = "a cat, a dog, a cow, a pig and a hen";
  const auto phrases = chunkNounPhrases(c);
  ASSERT_EQ(phrases.size(), 5u);
  std::vector<Detection> dets;
  const char* names[] = {"cat", "dog", "cow", "pig", "hen"};
  for (int i = 0; i < 5; ++i) dets.push_back(det(10.f + 100 * i, 10, 90.f + 100 * i, 90, names[i]));
  const CropRules r;
  std::set<std::vector<int>> subsets;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    Rng rng(seed);
    const auto sel = selectCrops(c, phrases, dets, 1000, 500, r, rng);
    ASSERT_EQ(sel.kept.size(), 3u);
    EXPECT_EQ(sel.dropped[static_cast<size_t>(DropReason::OverLimit)], 2);
    std::vector<int> idx;
    for (const auto& k : sel.kept) idx.push_back(k.phrase);
    EXPECT_TRUE(std::is_sorted(idx.begin(), idx.end()));
    subsets.insert(idx);
    Rng again(seed);  // seeded: the same choice again
    const auto sel2 = selectCrops(c, phrases, dets, 1000, 500, r, again);
    for (size_t i = 0; i < 3; ++i) EXPECT_EQ(sel2.kept[i].phrase, sel.kept[i].phrase);
  }
  EXPECT_GT(subsets.size(), 3u) << "the kept subset should vary with the seed";
  CropRules one = r;
  one.maxCrops = 1;
  Rng rng(0);
  EXPECT_EQ(selectCrops(c, phrases, dets, 1000, 500, one, rng).kept.size(), 1u);
}

TEST(CropRules, OneCropPerPhraseUnmatchedAndLowScore) {
  const std::string c = "two brown horses on a field";
  const auto phrases = chunkNounPhrases(c);
  CropRules r;
  r.minScore = 0.3;
  Rng rng(1);
  const auto sel = selectCrops(c, phrases,
                               {det(0, 0, 200, 200, "brown horses", 0.5f), det(300, 0, 500, 200, "brown horses", 0.8f),
                                det(0, 300, 200, 500, "motorcycle", 0.9f), det(300, 300, 500, 500, "field", 0.1f)},
                               1000, 1000, r, rng);
  ASSERT_EQ(sel.kept.size(), 1u);
  EXPECT_EQ(sel.kept[0].box.x0, 300);  // the higher-scoring box of the plural phrase
  EXPECT_EQ(sel.dropped[static_cast<size_t>(DropReason::Duplicate)], 1);
  EXPECT_EQ(sel.dropped[static_cast<size_t>(DropReason::UnmatchedPhrase)], 1);
  EXPECT_EQ(sel.dropped[static_cast<size_t>(DropReason::LowScore)], 1);
  EXPECT_TRUE(anyContains(sel.messages, "detection 'motorcycle' names no phrase of the caption"));
}

TEST(CropRules, ABoxServesOnePhrase) {
  // a class detector returns every horse box for each horse phrase
  const std::string c = "a white horse and a gray horse";
  const auto phrases = chunkNounPhrases(c);
  std::vector<Detection> dets;
  for (const char* p : {"white horse", "gray horse"}) {
    dets.push_back(det(0, 0, 300, 300, p, 0.9f));
    dets.push_back(det(400, 0, 700, 300, p, 0.6f));
  }
  Rng rng(0);
  const auto sel = selectCrops(c, phrases, dets, 1000, 1000, CropRules{}, rng);
  ASSERT_EQ(sel.kept.size(), 2u);
  EXPECT_EQ(sel.kept[0].box.x0, 0);    // the white horse, first in the caption, gets the best box
  EXPECT_EQ(sel.kept[1].box.x0, 400);  // the gray one the other
  EXPECT_EQ(sel.dropped[static_cast<size_t>(DropReason::Duplicate)], 2);
  // an exact phrase match beats a better score of a looser one
  Rng rng2(0);
  const auto sel2 =
      selectCrops(c, phrases, {det(0, 0, 300, 300, "horse", 0.99f), det(2, 2, 300, 300, "gray horse", 0.5f)}, 1000,
                  1000, CropRules{}, rng2);
  ASSERT_EQ(sel2.kept.size(), 1u);
  EXPECT_EQ(sel2.kept[0].detectorPhrase, "gray horse");
}

TEST(CropRules, HeadCropsReplacePersonCrops) {
  const std::string c = "a woman with a dog";
  const auto phrases = chunkNounPhrases(c);
  CropRules always;
  always.headCropProbability = 1;
  // no head hint: the top square of the person box
  {
    Rng rng(0);
    const auto sel = selectCrops(c, phrases, {det(100, 50, 300, 650, "woman"), det(500, 400, 800, 650, "dog")}, 1024,
                                 1024, always, rng);
    ASSERT_EQ(sel.kept.size(), 2u);
    EXPECT_TRUE(sel.kept[0].head);
    EXPECT_FALSE(sel.kept[1].head);  // dogs keep their crops
    const Box& h = sel.kept[0].box;
    EXPECT_FLOAT_EQ(h.x0, 100);
    EXPECT_FLOAT_EQ(h.y0, 50);
    EXPECT_FLOAT_EQ(h.x1, 300);
    EXPECT_FLOAT_EQ(h.y1, 250);  // side min(200, 600 / 2)
  }
  // a head detection inside the person box is used
  {
    Rng rng(0);
    const auto sel = selectCrops(c, phrases, {det(100, 50, 300, 650, "woman"), det(150, 60, 330, 240, "head")}, 1024,
                                 1024, always, rng);
    ASSERT_EQ(sel.kept.size(), 1u);
    EXPECT_TRUE(sel.kept[0].head);
    EXPECT_EQ(sel.kept[0].box.x0, 150);
    EXPECT_EQ(sel.dropped[static_cast<size_t>(DropReason::UnmatchedPhrase)], 0);  // a hint, not an unmatched phrase
  }
  // a head too small for the size rule: the person crop stays
  {
    Rng rng(0);
    const auto sel = selectCrops(c, phrases, {det(100, 50, 300, 650, "woman"), det(190, 60, 230, 100, "face")}, 1024,
                                 1024, always, rng);
    ASSERT_EQ(sel.kept.size(), 1u);
    EXPECT_FALSE(sel.kept[0].head);
    EXPECT_EQ(sel.kept[0].box.y1, 650);
  }
  // 70% by default
  int heads = 0;
  for (uint64_t seed = 0; seed < 2000; ++seed) {
    Rng rng(seed);
    heads += selectCrops(c, phrases, {det(100, 50, 300, 650, "woman")}, 1024, 1024, CropRules{}, rng).kept[0].head;
  }
  EXPECT_NEAR(heads / 2000.0, 0.7, 0.04);
}

TEST(CropRules, AugmentationIsSeededAndBounded) {
  const Image crop = testPhoto(100, 80);
  std::map<std::string, int> seen;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    Rng a(seed), b(seed);
    std::vector<std::string> opsA, opsB;
    const Image x = augmentCrop(crop, a, opsA), y = augmentCrop(crop, b, opsB);
    EXPECT_EQ(x.pixels, y.pixels);
    EXPECT_EQ(opsA, opsB);
    ASSERT_FALSE(opsA.empty());
    EXPECT_EQ(opsA[0], "crop");
    EXPECT_GE(x.width, 80);
    EXPECT_LE(x.width, 100);
    EXPECT_GE(x.height, 64);
    EXPECT_LE(x.height, 80);
    for (const auto& op : opsA) ++seen[op];
    if (std::find(opsA.begin(), opsA.end(), "grayscale") != opsA.end()) {
      const uint8_t* p = x.row(x.height / 2) + 3 * (x.width / 2);
      EXPECT_TRUE(p[0] == p[1] && p[1] == p[2]);
    }
  }
  EXPECT_GT(seen["flip"], 60);
  EXPECT_GT(seen["noise"], 60);
  EXPECT_GT(seen["grayscale"], 30);
}

TEST(CropRules, RulesJsonRoundTripAndValidation) {
  CropRules r;
  r.minSide = 120;
  r.maxCrops = 2;
  r.backgroundRemoval = true;
  const CropRules back = json(r).get<CropRules>();
  EXPECT_EQ(json(back).dump(), json(r).dump());
  CropRules bad;
  bad.headCropProbability = 1.5;
  EXPECT_TRUE(contains(errorOf([&] { validateCropRules(bad); }), "head_crop_probability"));
}

// ---- detections files ---------------------------------------------------------------------------------------

TEST(DetectionsFile, ReadsBothBoxFormats) {
  const DetectionsFile f = DetectionsFile::load(kData + "/photos_detections.jsonl");
  EXPECT_TRUE(f.problems().empty());
  EXPECT_EQ(f.entries().size(), 6u);
  const auto dog = f.detectionsFor("dog.jpg", 768, 576, "dog.jpg");  // normalised cxcywh in the file
  ASSERT_EQ(dog.size(), 4u);
  EXPECT_EQ(dog[0].phrase, "dog");
  EXPECT_NEAR(dog[0].box.x0, 133, 0.01);
  EXPECT_NEAR(dog[0].box.y0, 220, 0.01);
  EXPECT_NEAR(dog[0].box.x1, 310, 0.01);
  EXPECT_NEAR(dog[0].box.y1, 540, 0.01);
  EXPECT_FLOAT_EQ(dog[0].score, 0.86f);                                       // "logits"
  const auto astro = f.detectionsFor("photos/astronaut.png", 512, 512, "a");  // base name match
  ASSERT_EQ(astro.size(), 4u);
  EXPECT_EQ(astro[1].box.x0, 276);
  EXPECT_TRUE(f.detectionsFor("nothing.png", 10, 10, "x").empty());
}

TEST(DetectionsFile, JsonDocumentForms) {
  test::TempFolder tmp;
  test::writeFile(tmp / "a.json", R"([{"image": "x.png", "boxes": [[1, 2, 3, 4]], "phrases": ["cat"]}])");
  test::writeFile(tmp / "b.json", R"({"box_format": "cxcywh", "detections": [
      {"image": "x.png", "boxes": [[0.5, 0.5, 0.5, 0.5]], "phrases": ["cat"], "scores": [0.5], "size": [100, 50]}]})");
  const auto a = DetectionsFile::load(tmp / "a.json").detectionsFor("x.png", 10, 10, "x");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].box.x1, 3);
  EXPECT_EQ(a[0].score, 1.f);  // no scores: 1
  const auto b = DetectionsFile::load(tmp / "b.json").detectionsFor("x.png", 100, 50, "x");
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].box.x0, 25);
  EXPECT_EQ(b[0].box.y1, 37.5);
  const std::string mismatch =
      errorOf([&] { DetectionsFile::load(tmp / "b.json").detectionsFor("x.png", 200, 100, "s1"); });
  EXPECT_TRUE(contains(
      mismatch, "b.json: detections[0]: sample 's1': the boxes are for a 100x50 image, but the image is 200x100"))
      << mismatch;
}

TEST(DetectionsFile, MalformedLinesNameFileLineAndSample) {
  const DetectionsFile f = DetectionsFile::load(kData + "/bad_detections.jsonl");
  // problems not tied to an image
  EXPECT_TRUE(anyContains(f.problems(), "bad_detections.jsonl:3: not valid JSON"))
      << ::testing::PrintToString(f.problems());
  EXPECT_TRUE(anyContains(f.problems(), "bad_detections.jsonl:9:", "already has detections at bad_detections.jsonl:1"));
  EXPECT_TRUE(anyContains(f.problems(), "bad_detections.jsonl:10:", "missing \"image\""));
  auto err = [&](const std::string& image) { return errorOf([&] { f.detectionsFor(image, 100, 100, image); }); };
  EXPECT_EQ(err("good.png"), "");
  EXPECT_TRUE(contains(err("broken.png"), "bad_detections.jsonl:4: sample 'broken.png': not valid JSON"))
      << err("broken.png");
  EXPECT_TRUE(
      contains(err("three.png"),
               "bad_detections.jsonl:5: sample 'three.png': boxes[0] must be an array of 4 numbers, got 3 values"))
      << err("three.png");
  EXPECT_TRUE(contains(err("types.png"), ":6: sample 'types.png': boxes[0][1] must be a number, got string"))
      << err("types.png");
  EXPECT_TRUE(contains(err("lengths.png"), ":7: sample 'lengths.png': 2 boxes but 1 phrases")) << err("lengths.png");
  EXPECT_TRUE(contains(err("score.png"), ":8: sample 'score.png': scores[0] = 3.5 is outside [0, 1]"))
      << err("score.png");
  EXPECT_TRUE(contains(err("format.png"), ":11: sample 'format.png': unknown box_format \"xywh\""))
      << err("format.png");
  EXPECT_TRUE(contains(err("key.png"), ":12: sample 'key.png': unknown key \"label\"")) << err("key.png");
}

TEST(DetectionsFile, FileLevelErrorsThrow) {
  test::TempFolder tmp;
  EXPECT_TRUE(contains(errorOf([&] { DetectionsFile::load(tmp / "none.jsonl"); }), "none.jsonl: not found"));
  test::writeFile(tmp / "bad.json", "{\n  \"detections\": [\n    {\"image\": 1,,}\n  ]\n}\n");
  const std::string e = errorOf([&] { DetectionsFile::load(tmp / "bad.json"); });
  EXPECT_TRUE(contains(e, "bad.json: not valid JSON: line 3, column")) << e;
  test::writeFile(tmp / "obj.json", R"({"boxes": []})");
  EXPECT_TRUE(contains(errorOf([&] { DetectionsFile::load(tmp / "obj.json"); }), "\"detections\" array"));
  test::writeFile(tmp / "entry.json", R"([{"image": "a.png", "boxes": {}, "phrases": []}])");
  EXPECT_TRUE(contains(errorOf([&] { DetectionsFile::load(tmp / "entry.json").detectionsFor("a.png", 1, 1, "a"); }),
                       "entry.json: detections[0]: sample 'a': \"boxes\" must be an array of [4 numbers], got object"));
}

TEST(Detectors, CreatedByName) {
  EXPECT_EQ(createDetector("file:" + kData + "/photos_detections.jsonl")->name(),
            "file:" + kData + "/photos_detections.jsonl");
  EXPECT_EQ(createDetector("shapes")->name(), "shapes");
  EXPECT_TRUE(contains(errorOf([] { createDetector("yolo"); }), "unknown detector 'yolo'"));
  EXPECT_TRUE(contains(errorOf([] { createDetector("file:"); }), "needs a path"));
  EXPECT_FALSE(detectorHelp().empty());
}

// ---- data set files ---------------------------------------------------------------------------------------

TEST(Dataset, SampleJsonRoundTripsAndIsValidated) {
  Sample s;
  s.index = 4;
  s.id = "x";
  s.image = "shard-00000/000004.png";
  s.width = 64, s.height = 32;
  s.caption = "a red star";
  PromptSegment t;
  t.text = "a ";
  t.spanEnd = 2;
  PromptSegment img;
  img.kind = PromptSegment::Kind::Image;
  img.path = "shard-00000/000004-c0.png";
  img.phrase = "red star";
  img.spanBegin = 2, img.spanEnd = 10;
  img.box = Box{1, 2, 3, 4};
  img.augment = {"crop"};
  s.segments = {t, img};
  const json j = sampleToJson(s);
  const Sample back = sampleFromJson(j, "here");
  EXPECT_EQ(sampleToJson(back).dump(), j.dump());

  auto bad = [&](const std::function<void(json&)>& edit) {
    json k = j;
    edit(k);
    return errorOf([&] { sampleFromJson(k, "manifest m.jsonl:7"); });
  };
  EXPECT_TRUE(contains(bad([](json& k) { k["segments"][1]["path"] = 5; }),
                       "manifest m.jsonl:7: segments[1].path must be a string, got number"));
  EXPECT_TRUE(contains(bad([](json& k) { k["segments"][1]["path"] = "../../etc/passwd"; }),
                       "may not leave the data set folder"));
  EXPECT_TRUE(contains(bad([](json& k) { k["image"] = "/abs.png"; }), "must be relative"));
  EXPECT_TRUE(contains(bad([](json& k) { k.erase("caption"); }), "caption is missing"));
  EXPECT_TRUE(contains(bad([](json& k) { k["segments"][0]["span"] = {0, 99}; }), "is outside the caption"));
  EXPECT_TRUE(contains(bad([](json& k) { k["segments"][0]["type"] = "audio"; }), "segments[0].type = 'audio'"));
  EXPECT_TRUE(contains(bad([](json& k) { k["width"] = -1; }), "width = -1 is out of range"));
}

TEST(Dataset, ReaderRejectsBadDescriptionsAndManifests) {
  test::TempFolder tmp;
  BootstrapOptions o;
  o.outDir = tmp / "ds";
  o.shardSize = 5;
  SyntheticSpec spec;
  spec.count = 10;
  bootstrapSynthetic(o, spec);
  const std::string info = o.outDir + "/dataset.json";
  const std::string good = test::readFile(info);
  EXPECT_NO_THROW(DatasetReader::open(o.outDir));

  json j = json::parse(good);
  j["schema_version"] = 2;
  test::writeFile(info, j.dump());
  EXPECT_TRUE(
      contains(errorOf([&] { DatasetReader::open(o.outDir); }), "schema version 2 is newer than this build reads (1)"));
  j = json::parse(good);
  j["format"] = "webdataset";
  test::writeFile(info, j.dump());
  EXPECT_TRUE(contains(errorOf([&] { DatasetReader::open(o.outDir); }), "not a MUMU bootstrap data set"));
  j = json::parse(good);
  j["complete"] = false;
  test::writeFile(info, j.dump());
  EXPECT_TRUE(contains(errorOf([&] { DatasetReader::open(o.outDir); }), "incomplete"));
  EXPECT_NO_THROW(DatasetReader::open(o.outDir, {.allowIncomplete = true}));
  test::writeFile(info, "{");
  EXPECT_TRUE(contains(errorOf([&] { DatasetReader::open(o.outDir); }), "dataset.json: not valid JSON"));
  EXPECT_TRUE(contains(errorOf([&] { DatasetReader::open(tmp / "nowhere"); }), "no such data set folder"));
  test::writeFile(info, good);

  // a malformed manifest line names the file and line
  const std::string manifest = o.outDir + "/shard-00001/manifest.jsonl";
  const std::string lines = test::readFile(manifest);
  const size_t second = lines.find('\n') + 1;
  test::writeFile(manifest, lines.substr(0, second) + "{\"id\": oops}\n" + lines.substr(lines.find('\n', second) + 1));
  const DatasetReader r = DatasetReader::open(o.outDir);
  const std::string e = errorOf([&] { r.readShard(1); });
  EXPECT_TRUE(contains(e, "manifest shard-00001/manifest.jsonl:2: not valid JSON")) << e;
  EXPECT_NO_THROW(r.readShard(0));
  test::writeFile(manifest, lines.substr(0, second));
  EXPECT_TRUE(contains(errorOf([&] { r.readShard(1); }), "has 1 samples, dataset.json says 5"));
}

TEST(Dataset, RanksReadDisjointShardsThatCoverEverything) {
  test::TempFolder tmp;
  BootstrapOptions o;
  o.outDir = tmp / "ds";
  o.shardSize = 3;
  SyntheticSpec spec;
  spec.count = 31;  // 11 shards, the last one short
  bootstrapSynthetic(o, spec);
  const DatasetReader r = DatasetReader::open(o.outDir);
  ASSERT_EQ(r.numShards(), 11);
  for (int world : {1, 2, 3, 4}) {
    for (int64_t epoch : {0, 1}) {
      std::multiset<int64_t> seen;
      for (int rank = 0; rank < world; ++rank)
        for (const auto& s : r.samplesForRank(rank, world, 42, epoch)) seen.insert(s.index);
      ASSERT_EQ(seen.size(), 31u) << "world " << world;
      for (int64_t i = 0; i < 31; ++i) EXPECT_EQ(seen.count(i), 1u) << "sample " << i << ", world " << world;
    }
  }
  EXPECT_THROW(r.samplesForRank(2, 2, 0, 0), Error);
}

TEST(Dataset, RankStreamResumesAtItsPosition) {
  test::TempFolder tmp;
  BootstrapOptions o;
  o.outDir = tmp / "ds";
  o.shardSize = 4;
  SyntheticSpec spec;
  spec.count = 20;
  bootstrapSynthetic(o, spec);
  const DatasetReader r = DatasetReader::open(o.outDir);
  RankStream a(r, 1, 2, 7);
  std::vector<int64_t> first;
  for (int i = 0; i < 13; ++i) first.push_back(a.next().index);  // past an epoch end: rank 1 has 2 shards = 8 samples
  const StreamPosition pos = a.position();
  EXPECT_EQ(pos.epoch, 1);
  RankStream b(r, 1, 2, 7, pos);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(b.next().index, a.next().index);
  std::set<int64_t> epoch0(first.begin(), first.begin() + 8);
  EXPECT_EQ(epoch0.size(), 8u);
  EXPECT_TRUE(contains(errorOf([&] { RankStream(r, 7, 8, 0); }), "gets no shard"));
}

// ---- bootstrap runs ---------------------------------------------------------------------------------------

TEST(Bootstrap, SameSeedSameBytesOtherSeedOtherData) {
  test::TempFolder tmp;
  auto run = [&](const std::string& name, uint64_t seed, int threads) {
    BootstrapOptions o;
    o.outDir = tmp / name;
    o.seed = seed;
    o.shardSize = 7;
    o.threads = threads;
    o.rules.backgroundRemoval = true;
    SyntheticSpec spec;
    spec.count = 30;
    spec.world.freshCrops = seed % 2;
    return bootstrapSynthetic(o, spec);
  };
  run("a", 5, 1);
  run("b", 5, 2);
  run("c", 6, 2);
  EXPECT_TRUE(test::sameTree(tmp / "a", tmp / "b"));
  EXPECT_FALSE(test::sameTree(tmp / "a", tmp / "c"));
  EXPECT_NE(test::readFile(tmp / "a/shard-00000/manifest.jsonl"), test::readFile(tmp / "c/shard-00000/manifest.jsonl"));
}

TEST(Bootstrap, ResumeRedoesPartialShardsAndEqualsAnUninterruptedRun) {
  test::TempFolder tmp;
  BootstrapOptions o;
  o.shardSize = 6;
  o.threads = 2;
  SyntheticSpec spec;
  spec.count = 40;  // 7 shards
  o.outDir = tmp / "whole";
  bootstrapSynthetic(o, spec);

  // An interrupted run: cancel as soon as progress is reported.
  o.outDir = tmp / "resumed";
  std::atomic<bool> cancel{false};
  o.cancel = &cancel;
  o.threads = 1;
  o.progress = [&](const BootstrapProgress& p) {
    if (p.done >= 1) cancel = true;
  };
  o.progressInterval = 0.01;
  const auto interrupted = bootstrapSynthetic(o, spec);
  EXPECT_TRUE(interrupted.cancelled || interrupted.shardsWritten == 7);
  // Whatever it reached, make the state of a kill in the middle of shard 2: images there, no manifest,
  // and leftovers the next run must not keep; shard 4 also half-written.
  fs::remove(o.outDir + "/shard-00002/manifest.jsonl");
  fs::create_directories(o.outDir + "/shard-00002");
  test::writeFile(o.outDir + "/shard-00002/000012.png", "half a PNG");
  test::writeFile(o.outDir + "/shard-00002/junk.part", "x");
  fs::create_directories(o.outDir + "/shard-00004");
  test::writeFile(o.outDir + "/shard-00004/manifest.jsonl.part", "{");
  json info = json::parse(test::readFile(o.outDir + "/dataset.json"));
  info["complete"] = false;
  test::writeFile(o.outDir + "/dataset.json", info.dump(2));
  EXPECT_THROW(DatasetReader::open(o.outDir), Error);

  o.cancel = nullptr;
  o.progress = nullptr;
  const auto resumed = bootstrapSynthetic(o, spec);
  EXPECT_FALSE(resumed.cancelled);
  EXPECT_GE(resumed.shardsWritten, 2);
  EXPECT_EQ(resumed.shardsWritten + resumed.shardsSkipped, 7);
  EXPECT_EQ(resumed.counts.samplesWritten, 40);  // the summary covers the skipped shards too
  EXPECT_TRUE(test::sameTree(tmp / "whole", tmp / "resumed"));

  // A third run finds everything done and changes nothing.
  const auto again = bootstrapSynthetic(o, spec);
  EXPECT_EQ(again.shardsSkipped, 7);
  EXPECT_EQ(again.shardsWritten, 0);
  EXPECT_TRUE(test::sameTree(tmp / "whole", tmp / "resumed"));
}

TEST(Bootstrap, RefusesAFolderHoldingSomethingElse) {
  test::TempFolder tmp;
  BootstrapOptions o;
  o.outDir = tmp / "ds";
  SyntheticSpec spec;
  spec.count = 5;
  bootstrapSynthetic(o, spec);
  o.seed = 1;
  EXPECT_TRUE(contains(errorOf([&] { bootstrapSynthetic(o, spec); }), "holds a different data set"));
  fs::create_directories(tmp / "other");
  test::writeFile(tmp / "other/notes.txt", "mine");
  o.outDir = tmp / "other";
  EXPECT_TRUE(contains(errorOf([&] { bootstrapSynthetic(o, spec); }), "is not empty and holds no data set"));
  EXPECT_EQ(test::readFile(tmp / "other/notes.txt"), "mine");
}

// Every bad input of a photo run: a clear message naming the sample, and the rest still written.
TEST(Bootstrap, BadPhotoInputsAreReportedPerSampleAndTheRunContinues) {
  test::TempFolder tmp;
  const std::string images = tmp / "images";
  fs::create_directories(images);
  writeImage(images + "/good.png", testPhoto(320, 240));
  writeImage(images + "/second.png", testPhoto(200, 200));
  writeImage(images + "/third.png", testPhoto(300, 300));
  writeImage(images + "/fourth.png", testPhoto(300, 300));
  fs::create_directories(images + "/sub");
  writeImage(images + "/sub/fifth.png", testPhoto(300, 300));
  test::writeFile(images + "/corrupt.png", "\x89PNG\r\n\x1a\n this is not really a PNG");
  fs::copy_file(kData + "/bad_captions.jsonl", tmp / "captions.jsonl");
  auto detector = createDetector("file:" + kData + "/bad_captions_detections.jsonl");
  BootstrapOptions o;
  o.outDir = tmp / "ds";
  o.shardSize = 4;
  o.rules.augmentProbability = 0;
  PhotoSpec spec;
  spec.imagesDir = images;
  spec.captionsPath = tmp / "captions.jsonl";
  spec.detectorSpec = "file";
  const BootstrapSummary s = bootstrapPhotos(o, spec, *detector);
  const auto& c = s.counts;
  const std::string all = s.toText(100);
  EXPECT_EQ(c.pairsRead, 10) << all;
  EXPECT_EQ(c.samplesWritten, 4) << all;
  EXPECT_EQ(c.samplesFailed, 6) << all;
  const auto& e = c.errors;
  EXPECT_TRUE(anyContains(e, "sample 'missing.png' (captions.jsonl:2)", "no such image file")) << all;
  EXPECT_TRUE(anyContains(e, "sample 'corrupt.png' (captions.jsonl:3)", "cannot read the image")) << all;
  EXPECT_TRUE(anyContains(e, "sample 'good.png' (captions.jsonl:4): empty caption")) << all;
  EXPECT_TRUE(anyContains(e, "captions.jsonl:5: not valid JSON")) << all;
  EXPECT_TRUE(anyContains(e, "sample 'second.png' (captions.jsonl:6): \"caption\" must be a string")) << all;
  EXPECT_TRUE(anyContains(e,
                          "sample 'fourth.png' (captions.jsonl:10): detections: bad_captions_detections.jsonl:4: "
                          "sample 'fourth.png': boxes[0] must be an array of 4 numbers"))
      << all;
  const auto& w = c.warnings;
  EXPECT_TRUE(
      anyContains(w, "sample 'second.png' (captions.jsonl:7): phrase 'purple elephant' does not occur in the caption"))
      << all;
  EXPECT_TRUE(
      anyContains(w, "sample 'good.png' (captions.jsonl:1): detection 'kite'", "lies outside the 320x240 image"))
      << all;
  EXPECT_TRUE(anyContains(w, "sample 'good.png' (captions.jsonl:1): detection 'unicorn' names no phrase")) << all;
  EXPECT_EQ(c.unknownPhrases, 1);
  EXPECT_EQ(c.dropped[static_cast<size_t>(DropReason::OutsideImage)], 1);
  EXPECT_EQ(c.dropped[static_cast<size_t>(DropReason::UnmatchedPhrase)], 1);
  EXPECT_EQ(c.dropped[static_cast<size_t>(DropReason::TooSmall)], 1);

  // the data set is complete and holds exactly the good samples, with their crops
  const DatasetReader r = DatasetReader::open(o.outDir);
  EXPECT_EQ(r.numSamples(), 4);
  std::vector<Sample> samples;
  for (int64_t k = 0; k < r.numShards(); ++k)
    for (auto& x : r.readShard(k)) samples.push_back(std::move(x));
  ASSERT_EQ(samples.size(), 4u);
  EXPECT_EQ(samples[0].source, "good.png");
  EXPECT_EQ(samples[0].caption, "A red box on a gradient and a kite.");
  ASSERT_GE(samples[0].segments.size(), 3u);
  EXPECT_EQ(samples[0].segments[0].text, "A ");
  EXPECT_EQ(samples[0].segments[1].phrase, "red box");
  EXPECT_EQ(samples[0].segments[2].text.rfind("red box", 0), 0u);
  const Image crop = readImage(samples[0].absolute(samples[0].segments[1].path));
  EXPECT_EQ(crop.width, 100);
  EXPECT_EQ(crop.height, 80);
  EXPECT_EQ(samples[1].source, "second.png");
  EXPECT_EQ(samples[2].source, "third.png");      // chunked phrases, no crop: a text-only pair
  EXPECT_EQ(samples[3].source, "sub/fifth.png");  // in a subfolder; its detections matched by base name
}

// The public-domain photos with hand-written captions and boxes (scripts/fetch_photos.sh).
TEST(Bootstrap, RealPhotosWithHandMadeDetections) {
  if (!fs::exists(kPhotos + "/astronaut.png")) GTEST_SKIP() << "run scripts/fetch_photos.sh for " << kPhotos;
  test::TempFolder tmp;
  auto detector = createDetector("file:" + kData + "/photos_detections.jsonl");
  BootstrapOptions o;
  o.outDir = tmp / "ds";
  o.rules.headCropProbability = 1;
  o.rules.augmentProbability = 0;
  PhotoSpec spec;
  spec.imagesDir = kPhotos;
  spec.captionsPath = kData + "/photos_captions.jsonl";
  spec.detectorSpec = "file";
  const BootstrapSummary s = bootstrapPhotos(o, spec, *detector);
  const auto& c = s.counts;
  EXPECT_EQ(c.samplesWritten, 6) << s.toText();
  EXPECT_EQ(c.samplesFailed, 0) << s.toText();
  EXPECT_EQ(c.dropped[static_cast<size_t>(DropReason::TooLarge)], 2);         // the cat filling chelsea.png, the table
  EXPECT_EQ(c.dropped[static_cast<size_t>(DropReason::UnmatchedPhrase)], 1);  // the motorcycle behind the dog
  EXPECT_EQ(c.dropped[static_cast<size_t>(DropReason::Duplicate)], 1);        // two brown horses, one crop
  const auto samples = DatasetReader::open(o.outDir).readShard(0);
  ASSERT_EQ(samples.size(), 6u);
  std::map<std::string, const Sample*> bySource;
  for (const auto& x : samples) bySource[x.source] = &x;
  auto crops = [](const Sample& x) {
    std::vector<const PromptSegment*> out;
    for (const auto& g : x.segments)
      if (g.kind == PromptSegment::Kind::Image) out.push_back(&g);
    return out;
  };
  // astronaut: at most 3 of 4 crops; the woman's crop, when kept, is her head (top square of her box)
  const auto astro = crops(*bySource["astronaut.png"]);
  EXPECT_EQ(astro.size(), 3u);
  for (const auto* g : astro)
    if (g->phrase == "smiling woman") {
      EXPECT_TRUE(g->head);
      EXPECT_FLOAT_EQ(g->box.y0, 15);
      EXPECT_FLOAT_EQ(g->box.y1, 15 + 248.5f);
    }
  // person.jpg: the hand-made head box is below the size rule, so the man's crop stays whole
  for (const auto* g : crops(*bySource["person.jpg"]))
    if (g->phrase == "man") {
      EXPECT_FALSE(g->head);
    }
  // chelsea.png: the cat covers the whole photo (too large); the eyes are kept
  const auto cat = crops(*bySource["chelsea.png"]);
  ASSERT_EQ(cat.size(), 1u);
  EXPECT_EQ(cat[0]->phrase, "green eyes");
  // dog.jpg: normalised boxes, converted to pixels
  for (const auto* g : crops(*bySource["dog.jpg"]))
    if (g->phrase == "red bicycle") {
      EXPECT_NEAR(g->box.x0, 125, 0.01);
    }
  // contact sheet of real photos
  const std::string sheet = tmp / "sheet.png";
  EXPECT_EQ(writeContactSheet(DatasetReader::open(o.outDir), sheet, 0, 6, ContactSheetOptions{}), 6);
  EXPECT_EQ(readImage(sheet).width, 1280);
}

// ---- contact sheet ------------------------------------------------------------------------------------------

TEST(ContactSheet, ProducedWithTheExpectedSize) {
  test::TempFolder tmp;
  BootstrapOptions o;
  o.outDir = tmp / "ds";
  SyntheticSpec spec;
  spec.count = 12;
  bootstrapSynthetic(o, spec);
  const DatasetReader r = DatasetReader::open(o.outDir);
  ContactSheetOptions opt;
  opt.width = 900;
  opt.thumbSize = 128;
  const std::string png = tmp / "sheet.png";
  EXPECT_EQ(writeContactSheet(r, png, 2, 8, opt), 8);
  const Image sheet = readImage(png);
  EXPECT_EQ(sheet.width, 900);
  EXPECT_GE(sheet.height, 8 * (128 + 24));  // a row per sample, at least the thumbnail high
  EXPECT_LE(sheet.height, 8 * 400);
  int differing = 0;
  for (size_t i = 0; i < sheet.pixels.size(); ++i) differing += sheet.pixels[i] != 255;
  EXPECT_GT(differing, 100000);
  // the 64 px targets are drawn at 2× (128 px) below the two header lines: a target pixel is a 2×2 block
  const Image target = readImage(r.path("shard-00000/000002.png"));
  const int top = 12 + 8 * 2 + 6 + 8 + 12 + 12, left = 12;
  for (int dy = 0; dy < 2; ++dy)
    for (int dx = 0; dx < 2; ++dx)
      for (int c = 0; c < 3; ++c) EXPECT_EQ(sheet.row(top + dy)[(left + dx) * 3 + c], target.row(0)[c]);
  EXPECT_TRUE(contains(errorOf([&] { writeContactSheet(r, png, 50, 8, opt); }), "has no samples from index 50"));
  opt.width = 100;
  EXPECT_TRUE(contains(errorOf([&] { writeContactSheet(r, png, 0, 8, opt); }), "width must be between"));
}

TEST(ContactSheet, BitmapFontDrawsGlyphs) {
  Image img = solidImage(40, 10, {255, 255, 255});
  drawText(img, 0, 0, "I", {0, 0, 0}, 1);
  // 'I' = 0x0E top row: columns 1..3 set
  EXPECT_EQ(img.row(0)[0 * 3], 255);
  EXPECT_EQ(img.row(0)[1 * 3], 0);
  EXPECT_EQ(img.row(0)[3 * 3], 0);
  EXPECT_EQ(img.row(0)[4 * 3], 255);
  EXPECT_EQ(img.row(3)[2 * 3], 0);  // the stem
  EXPECT_EQ(textWidth("abc", 2), 36);
  EXPECT_EQ(textWidth("caf\xC3\xA9", 1), 24);  // one '?' for the é
}

// --center-crop: the photo becomes its centred square at the given side; boxes follow it, or are dropped when they
// lie mostly outside.
TEST(Bootstrap, CenterCropMapsBoxesIntoTheSquare) {
  test::TempFolder tmp;
  const std::string images = tmp / "img";
  fs::create_directories(images);
  writeImage(images + "/wide.png", testPhoto(400, 200));  // square: x 100 … 300
  test::writeFile(tmp / "captions.jsonl",
                  "{\"file\": \"wide.png\", \"caption\": \"A red ball next to a blue kite.\", "
                  "\"phrases\": [\"red ball\", \"blue kite\"]}\n");
  test::writeFile(tmp / "det.jsonl",
                  "{\"image\": \"wide.png\", \"box_format\": \"xyxy\", \"boxes\": [[150, 40, 250, 160], [0, 20, 90, 180]], "
                  "\"phrases\": [\"red ball\", \"blue kite\"], \"scores\": [0.9, 0.9]}\n");
  auto detector = createDetector("file:" + (tmp / "det.jsonl"));
  BootstrapOptions o;
  o.outDir = tmp / "ds";
  o.rules.augmentProbability = 0;
  o.rules.minSide = 1;
  PhotoSpec spec;
  spec.imagesDir = images;
  spec.captionsPath = tmp / "captions.jsonl";
  spec.detectorSpec = "file";
  spec.centerCrop = 100;
  const BootstrapSummary s = bootstrapPhotos(o, spec, *detector);
  ASSERT_EQ(s.counts.samplesWritten, 1) << s.toText(20);
  EXPECT_TRUE(anyContains(s.counts.warnings, "sample 'wide.png'", "'blue kite' lies mostly outside the centre crop"))
      << s.toText(20);
  const auto samples = DatasetReader::open(o.outDir).readShard(0);
  ASSERT_EQ(samples.size(), 1u);
  EXPECT_EQ(samples[0].width, 100);
  EXPECT_EQ(samples[0].height, 100);
  const Image target = readImage(samples[0].absolute(samples[0].image));
  EXPECT_EQ(target.width, 100);
  int crops = 0;
  for (const auto& g : samples[0].segments)
    if (g.kind == PromptSegment::Kind::Image) {
      ++crops;
      EXPECT_EQ(g.phrase, "red ball");
      EXPECT_FLOAT_EQ(g.box.x0, 25);  // (150 − 100) · 100 / 200
      EXPECT_FLOAT_EQ(g.box.y0, 20);
      EXPECT_FLOAT_EQ(g.box.x1, 75);
      EXPECT_FLOAT_EQ(g.box.y1, 80);
    }
  EXPECT_EQ(crops, 1);
}
