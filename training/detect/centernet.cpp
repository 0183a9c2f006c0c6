#include "training/detect/centernet.h"

#include "model/error.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <unordered_map>
#include <unordered_set>

namespace mumu::training {

namespace {

// ---- COCO classes and the words that name them --------------------------------------------------------------------

const char* const kCocoClasses[] = {
    "person",         "bicycle",    "car",           "motorcycle",    "airplane",     "bus",           "train",
    "truck",          "boat",       "traffic light", "fire hydrant",  "stop sign",    "parking meter", "bench",
    "bird",           "cat",        "dog",           "horse",         "sheep",        "cow",           "elephant",
    "bear",           "zebra",      "giraffe",       "backpack",      "umbrella",     "handbag",       "tie",
    "suitcase",       "frisbee",    "skis",          "snowboard",     "sports ball",  "kite",          "baseball bat",
    "baseball glove", "skateboard", "surfboard",     "tennis racket", "bottle",       "wine glass",    "cup",
    "fork",           "knife",      "spoon",         "bowl",          "banana",       "apple",         "sandwich",
    "orange",         "broccoli",   "carrot",        "hot dog",       "pizza",        "donut",         "cake",
    "chair",          "couch",      "potted plant",  "bed",           "dining table", "toilet",        "tv",
    "laptop",         "mouse",      "remote",        "keyboard",      "cell phone",   "microwave",     "oven",
    "toaster",        "sink",       "refrigerator",  "book",          "clock",        "vase",          "scissors",
    "teddy bear",     "hair drier", "toothbrush"};
constexpr int kNumClasses = 80;
static_assert(std::size(kCocoClasses) == kNumClasses);

// Caption words (singular, lower case; two-word compounds with one space) → COCO class; each class name maps
// to itself too. Words with a common second meaning stay out ("bat", "glove", "coach", "glasses").
// clang-format off
const std::pair<const char*, const char*> kSynonyms[] = {
    {"person", "people, man, woman, boy, girl, child, kid, baby, toddler, lady, gentleman, guy, human, adult, "
               "teenager, teen, astronaut, player, skier, surfer, skateboarder, snowboarder, rider, cyclist, biker, "
               "pedestrian, runner, athlete, soldier, officer, policeman, worker, chef, cook, doctor, nurse, "
               "student, teacher, farmer, fisherman, pilot, scientist, actor, actress, dancer, musician, singer, "
               "tourist, traveler, hiker, climber, swimmer, father, mother, dad, mom, son, daughter, brother, "
               "sister, grandmother, grandfather, friend, couple, family, crowd, bride, groom, king, queen, "
               "prince, princess, businessman, businesswoman, programmer"},
    {"bicycle", "bike, racing bike, road bike"},
    {"car", "automobile, sedan, taxi, cab, jeep, suv, van"},
    {"motorcycle", "motorbike, scooter, moped"},
    {"airplane", "plane, aeroplane, jet, airliner, aircraft"},
    {"train", "locomotive, tram"},
    {"truck", "lorry, pickup, pickup truck"},
    {"boat", "ship, sailboat, yacht, canoe, kayak, ferry"},
    {"traffic light", "stoplight"},
    {"fire hydrant", "hydrant"},
    {"bird", "parrot, pigeon, duck, seagull, gull, goose, swan, owl, eagle, hawk, sparrow, crow, robin, penguin"},
    {"cat", "kitten, kitty, tabby, tabby cat"},
    {"dog", "puppy, pup, doggy, hound, terrier, retriever, poodle, labrador, husky, sheepdog"},
    {"horse", "pony, foal, stallion, mare"},
    {"sheep", "lamb"},
    {"cow", "cattle, bull, calf, ox"},
    {"backpack", "rucksack"},
    {"umbrella", "parasol"},
    {"handbag", "purse"},
    {"tie", "necktie"},
    {"suitcase", "luggage"},
    {"skis", "ski"},
    {"sports ball", "ball, football, soccer ball, basketball, tennis ball, volleyball"},
    {"baseball glove", "mitt"},
    {"tennis racket", "racket, racquet"},
    {"wine glass", "wineglass, glass"},
    {"cup", "mug, teacup, coffee cup, espresso"},
    {"hot dog", "hotdog"},
    {"donut", "doughnut"},
    {"cake", "cupcake"},
    {"sandwich", "burger, hamburger"},
    {"couch", "sofa"},
    {"potted plant", "plant, houseplant"},
    {"dining table", "table"},
    {"tv", "television"},
    {"laptop", "notebook computer"},
    {"remote", "remote control"},
    {"cell phone", "phone, cellphone, smartphone, mobile phone"},
    {"refrigerator", "fridge"},
    {"teddy bear", "teddy"},
    {"hair drier", "hair dryer, hairdryer"},
};
// clang-format on

const std::unordered_map<std::string, int>& wordClasses() {
  static const std::unordered_map<std::string, int> table = [] {
    std::unordered_map<std::string, int> t;
    for (int i = 0; i < kNumClasses; ++i) t[kCocoClasses[i]] = i;
    for (const auto& [cls, words] : kSynonyms) {
      const auto it = std::find(std::begin(kCocoClasses), std::end(kCocoClasses), std::string(cls));
      const std::string list = words;
      for (size_t begin = 0; begin < list.size();) {
        const size_t end = std::min(list.find(", ", begin), list.size());
        t[list.substr(begin, end - begin)] = static_cast<int>(it - std::begin(kCocoClasses));
        begin = end + 2;
      }
    }
    return t;
  }();
  return table;
}

// Words that stay as they are alone: "glasses" are spectacles (but "wine glasses" are wine glasses), and the
// others are already the name of their class.
const std::unordered_set<std::string> kNotPlural = {"glasses", "scissors", "skis", "cattle", "people"};

std::string singular(const std::string& w) {
  // clang-format off
  static const std::unordered_map<std::string, std::string> irregular = {
      {"men", "man"}, {"women", "woman"}, {"children", "child"}, {"mice", "mouse"}, {"geese", "goose"},
      {"knives", "knife"}, {"teeth", "tooth"}, {"oxen", "ox"}, {"calves", "calf"}, {"sheep", "sheep"},
      {"buses", "bus"}, {"ponies", "pony"}, {"puppies", "puppy"}, {"kitties", "kitty"}, {"ladies", "lady"},
      {"wolves", "wolf"}, {"halves", "half"}, {"loaves", "loaf"}, {"shelves", "shelf"},
      {"fishermen", "fisherman"}, {"policemen", "policeman"}, {"businessmen", "businessman"}};
  // clang-format on
  if (const auto it = irregular.find(w); it != irregular.end()) return it->second;
  if (w.size() < 4) return w;
  if (w.ends_with("ies")) return w.substr(0, w.size() - 3) + "y";
  for (const char* suffix : {"ches", "shes", "xes", "sses", "zes"})
    if (w.ends_with(suffix)) return w.substr(0, w.size() - 2);
  if (w.ends_with("s") && !w.ends_with("ss") && !w.ends_with("us") && !w.ends_with("is"))
    return w.substr(0, w.size() - 1);
  return w;
}

int classOfWords(const std::string& w) {
  const auto& t = wordClasses();
  if (const auto it = t.find(w); it != t.end()) return it->second;
  if (kNotPlural.count(w)) return -1;
  if (const auto it = t.find(singular(w)); it != t.end()) return it->second;
  return -1;
}

// Words that end a noun phrase's head part ("a man with a hat" → "a man").
const std::unordered_set<std::string> kBreakers = {
    "in",      "on",       "at",     "with",    "by",      "for",    "from",    "to",      "into",
    "onto",    "over",     "under",  "above",   "below",   "behind", "beside",  "between", "near",
    "across",  "through",  "around", "along",   "against", "inside", "outside", "and",     "or",
    "but",     "that",     "which",  "who",     "while",   "next",   "wearing", "holding", "riding",
    "sitting", "standing", "lying",  "looking", "is",      "are"};

// Nouns of quantity whose "of" phrase names the real thing ("a group of people", "a pair of scissors").
const std::unordered_set<std::string> kQuantityNouns = {
    "group", "couple", "pair",  "bunch",   "herd",     "flock",   "crowd", "pack",    "team",       "lot",
    "lots",  "number", "kind",  "type",    "sort",     "piece",   "slice", "set",     "collection", "row",
    "line",  "pile",   "stack", "handful", "close-up", "closeup", "photo", "picture", "image",      "portrait"};

struct Word {
  std::string text;
  bool possessive = false;
};

std::vector<Word> words(const std::string& phrase) {
  std::vector<Word> out;
  std::string current;
  auto flush = [&](bool possessive) {
    if (!current.empty()) out.push_back({current, possessive});
    current.clear();
  };
  for (size_t i = 0; i < phrase.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(phrase[i]);
    if (std::isalnum(c)) {
      current.push_back(static_cast<char>(std::tolower(c)));
    } else if (c == '\'' || (c == 0xE2 && i + 2 < phrase.size() && static_cast<unsigned char>(phrase[i + 1]) == 0x80 &&
                             static_cast<unsigned char>(phrase[i + 2]) == 0x99)) {
      // ' or ’: "man's" / "dogs'" mark a possessor, not the head.
      const size_t next = c == '\'' ? i + 1 : i + 3;
      if (next < phrase.size() && std::tolower(static_cast<unsigned char>(phrase[next])) == 's' &&
          (next + 1 == phrase.size() || !std::isalnum(static_cast<unsigned char>(phrase[next + 1])))) {
        flush(true);
        i = next;
      } else {
        flush(!current.empty() && current.back() == 's');
        if (c != '\'') i += 2;
      }
    } else {
      flush(false);
    }
  }
  flush(false);
  return out;
}

}  // namespace

const std::vector<std::string>& cocoClassNames() {
  static const std::vector<std::string> names(std::begin(kCocoClasses), std::end(kCocoClasses));
  return names;
}

int cocoClassForPhrase(const std::string& phrase) {
  std::vector<Word> w = words(phrase);
  // "a group of people" → "people"; "a cup of coffee" → "a cup".
  for (size_t i = 1; i + 1 < w.size(); ++i) {
    if (w[i].text != "of") continue;
    if (kQuantityNouns.count(w[i - 1].text))
      w.erase(w.begin(), w.begin() + static_cast<long>(i) + 1);
    else
      w.resize(i);
    break;
  }
  // Cut at the first preposition / conjunction / verb after some word: "a man with a hat" → "a man".
  for (size_t i = 1; i < w.size(); ++i)
    if (kBreakers.count(w[i].text)) {
      w.resize(i);
      break;
    }
  // A possessor is not the head: "the man's hat" → "hat" (but "the man's" alone is the man).
  for (size_t i = w.size() - (w.empty() ? 0 : 1); i-- > 0;)
    if (w[i].possessive) {
      w.erase(w.begin(), w.begin() + static_cast<long>(i) + 1);
      break;
    }
  // The head is the last word, skipping trailing participles and adverbs ("a dog sitting" → "dog").
  while (!w.empty()) {
    const std::string& last = w.back().text;
    if (classOfWords(last) >= 0 || !(last.ends_with("ing") || last.ends_with("ed") || last.ends_with("ly"))) break;
    w.pop_back();
  }
  if (w.empty()) return -1;
  if (w.size() >= 2) {  // compounds first: "hot dog", "teddy bear", "coffee cup"
    const int c = classOfWords(w[w.size() - 2].text + " " + w.back().text);
    if (c >= 0) return c;
    const int cs = classOfWords(w[w.size() - 2].text + " " + singular(w.back().text));
    if (cs >= 0) return cs;
  }
  return classOfWords(w.back().text);
}

float boxIou(const Box& a, const Box& b) {
  const float iw = std::min(a.x1, b.x1) - std::max(a.x0, b.x0);
  const float ih = std::min(a.y1, b.y1) - std::max(a.y0, b.y0);
  if (iw <= 0 || ih <= 0 || a.area() <= 0 || b.area() <= 0) return 0.f;
  const float inter = iw * ih;
  return inter / (a.area() + b.area() - inter);
}

// ---- detector -----------------------------------------------------------------------------------------------------

namespace {

const char* const kInputNode = "tower_0/images";
const char* const kKeypointsNode = "tower_0/keypoints";
const char* const kWhNode = "tower_0/wh";

void checkSpec(const TfjsModel& m, const std::string& node, const std::vector<int64_t>& shape, bool input) {
  const auto& specs = input ? m.inputs() : m.outputs();
  const auto it = std::find_if(specs.begin(), specs.end(), [&](const TfjsTensorSpec& s) { return s.name == node; });
  if (!m.node(node) || it == specs.end())
    fail(m.path(), "not the CenterNet graph: it has no " + std::string(input ? "input " : "output ") + node);
  if (it->shape != shape) {
    std::string s;
    for (int64_t d : it->shape) s += (s.empty() ? "" : ", ") + std::to_string(d);
    fail(m.path(), "not the CenterNet graph: " + node + " has shape [" + s + "]");
  }
}

}  // namespace

CenterNetDetector::CenterNetDetector(CenterNetOptions options) : options_(std::move(options)) {
  if (options_.minScore < 0 || options_.minScore > 1) fail(options_.modelPath, "minScore must be in [0, 1]");
  if (options_.iouThreshold <= 0 || options_.iouThreshold > 1)
    fail(options_.modelPath, "iouThreshold must be in (0, 1]");
  if (options_.topK <= 0 || options_.maxDetections <= 0) fail(options_.modelPath, "topK and maxDetections must be > 0");
  model_ = TfjsModel::load(options_.modelPath);
  if (model_.format() != "graph-model") fail(options_.modelPath, "not a TF.js graph model");
  checkSpec(model_, kInputNode, {1, kInputSize, kInputSize, 3}, true);
  checkSpec(model_, kKeypointsNode, {1, kInputSize / 4, kInputSize / 4, kNumClasses}, false);
  checkSpec(model_, kWhNode, {1, kInputSize / 4, kInputSize / 4, 4}, false);
  if (const auto missing = model_.unsupportedOps(); !missing.empty())
    fail(options_.modelPath, "the graph uses op " + missing.front() + ", which the interpreter does not support");
}

CenterNetDetector::Input CenterNetDetector::preprocess(const Image& image) const {
  if (image.empty() || (image.channels != 1 && image.channels != 3 && image.channels != 4) ||
      image.pixels.size() != static_cast<size_t>(image.width) * image.height * image.channels)
    fail("", "not a valid 8-bit image (" + std::to_string(image.width) + "×" + std::to_string(image.height) + "×" +
                 std::to_string(image.channels) + ")");
  // [H, W, C] bytes → [1, H, W, 3], viewed in place (Human feeds raw RGB 0–255; the graph has no normalisation).
  at::Tensor x = at::from_blob(const_cast<uint8_t*>(image.pixels.data()),
                               {1, image.height, image.width, image.channels}, at::kByte);
  if (image.channels == 1) x = x.expand({1, image.height, image.width, 3});
  if (image.channels == 4) x = x.narrow(3, 0, 3);
  Input in;
  in.width = image.width;
  in.height = image.height;
  if (!options_.letterbox || image.width == image.height) {
    in.tensor = tfResizeBilinear(x, kInputSize, kInputSize);  // [1, 512, 512, 3] float
    in.scaleX = static_cast<float>(image.width) / kInputSize;
    in.scaleY = static_cast<float>(image.height) / kInputSize;
    return in;
  }
  // Letterbox: the long side to 512, centred on a `padValue` canvas, as the model saw its training images.
  const float scale = static_cast<float>(kInputSize) / static_cast<float>(std::max(image.width, image.height));
  const int64_t w = std::clamp<int64_t>(std::lround(image.width * scale), 1, kInputSize);
  const int64_t h = std::clamp<int64_t>(std::lround(image.height * scale), 1, kInputSize);
  const int64_t left = (kInputSize - w) / 2, top = (kInputSize - h) / 2;
  in.tensor = at::full({1, kInputSize, kInputSize, 3}, options_.padValue, at::kFloat);
  in.tensor.narrow(1, top, h).narrow(2, left, w).copy_(tfResizeBilinear(x, h, w));
  in.padX = static_cast<float>(left);
  in.padY = static_cast<float>(top);
  in.scaleX = static_cast<float>(image.width) / static_cast<float>(w);
  in.scaleY = static_cast<float>(image.height) / static_cast<float>(h);
  return in;
}

CenterNetDetector::Heads CenterNetDetector::forward(const at::Tensor& input) const {
  at::NoGradGuard noGrad;
  auto out = model_.run({{kInputNode, input}}, {kKeypointsNode, kWhNode});
  return {out.at(kKeypointsNode), out.at(kWhNode)};
}

std::vector<ObjectDetection> CenterNetDetector::decode(const Heads& heads, const Input& input) const {
  const at::Tensor heat = heads.keypoints.to(at::kFloat);  // [1, h, w, 80]
  const at::Tensor wh = heads.wh.to(at::kFloat);           // [1, h, w, 4]
  if (heat.dim() != 4 || wh.dim() != 4 || heat.size(3) != kNumClasses || wh.size(3) != 4 ||
      heat.size(1) != wh.size(1) || heat.size(2) != wh.size(2))
    fail(options_.modelPath, "unexpected head shapes");
  const int64_t gridH = heat.size(1), gridW = heat.size(2);
  const float stride = static_cast<float>(kInputSize) / static_cast<float>(gridW);  // 4

  // Peaks: a cell that is the maximum of its 3×3 neighbourhood in its class map (CenterNet's NMS).
  const at::Tensor nchw = heat.permute({0, 3, 1, 2});
  const at::Tensor pooled = at::max_pool2d(nchw, {3, 3}, {1, 1}, {1, 1}).permute({0, 2, 3, 1});
  const at::Tensor peaks = (heat * heat.eq(pooled)).reshape({-1});  // [h·w·80], index = (y·w + x)·80 + class
  const int64_t k = std::min<int64_t>(options_.topK, peaks.numel());
  auto [scores, indices] = at::topk(peaks, k);
  const at::Tensor whFlat = wh.reshape({-1, 4}).contiguous();
  const float* edges = whFlat.data_ptr<float>();
  const float* score = scores.data_ptr<float>();
  const int64_t* index = indices.data_ptr<int64_t>();

  // Boxes as the graph's own decoder builds them (cell corner · stride ∓ edge), then to image pixels.
  const float width = static_cast<float>(input.width), height = static_cast<float>(input.height);
  auto toX = [&](float x) { return std::clamp((x - input.padX) * input.scaleX, 0.f, width); };
  auto toY = [&](float y) { return std::clamp((y - input.padY) * input.scaleY, 0.f, height); };
  std::vector<ObjectDetection> candidates;
  for (int64_t i = 0; i < k && score[i] >= options_.minScore; ++i) {
    const int64_t cls = index[i] % kNumClasses, cell = index[i] / kNumClasses;
    const int64_t y = cell / gridW, x = cell % gridW;
    if (y >= gridH) continue;
    const float* e = edges + cell * 4;  // left, top, right, bottom
    ObjectDetection d;
    d.box = {toX(x * stride - e[0]), toY(y * stride - e[1]), toX(x * stride + e[2]), toY(y * stride + e[3])};
    if (d.box.width() <= 0 || d.box.height() <= 0) continue;
    d.classId = static_cast<int>(cls);
    d.label = kCocoClasses[cls];
    d.score = score[i];
    candidates.push_back(std::move(d));
  }

  // Greedy NMS, per class unless class-agnostic (candidates are already best first).
  std::vector<ObjectDetection> kept;
  for (auto& c : candidates) {
    const bool overlaps = std::any_of(kept.begin(), kept.end(), [&](const ObjectDetection& k) {
      return (options_.classAgnosticNms || k.classId == c.classId) && boxIou(k.box, c.box) > options_.iouThreshold;
    });
    if (!overlaps) kept.push_back(std::move(c));
    if (static_cast<int>(kept.size()) == options_.maxDetections) break;
  }
  return kept;
}

std::vector<ObjectDetection> CenterNetDetector::detectObjects(const Image& image, const std::string& sampleId) const {
  Input input;
  try {
    input = preprocess(image);
  } catch (const Error& e) {
    fail(sampleId, e.what());
  }
  return decode(forward(input.tensor), input);
}

std::vector<Detection> CenterNetDetector::detect(const Image& image, const std::vector<std::string>& phrases,
                                                 const std::string& sampleId) {
  std::vector<int> classes;
  bool any = false;
  for (const auto& p : phrases) {
    classes.push_back(cocoClassForPhrase(p));
    any = any || classes.back() >= 0;
  }
  if (!any) return {};
  const auto objects = detectObjects(image, sampleId);
  std::vector<Detection> out;
  for (size_t i = 0; i < phrases.size(); ++i)
    for (const auto& o : objects)
      if (o.classId == classes[i]) out.push_back({o.box, phrases[i], o.score});
  return out;
}

}  // namespace mumu::training
