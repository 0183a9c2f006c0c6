#include "bootstrap.h"

#include <chrono>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "model/error.h"
#include "model/vision/image_processing.h"
#include "training/bootstrap/dataset.h"
#include "training/bootstrap/phrases.h"
#include "training/detect/detections_file.h"

#if __has_include("training/detect/centernet.h")
#include "training/detect/centernet.h"
#define MUMU_HAVE_CENTERNET 1
#endif

namespace mumu::training {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

// Rng stream purposes: one independent stream per (sample, purpose).
enum : uint64_t { kSceneStream = 1, kSampleStream = 2, kGrainStream = 3 };

uint64_t fnv1a(const std::string& s, uint64_t h = 1469598103934665603ULL) {
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
  return h;
}

std::string hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string readWholeFile(const std::string& path, const std::string& what) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) fail(what + " " + path, "not found (or not a regular file)");
  if (fs::file_size(path, ec) > (1ULL << 30)) fail(what + " " + path, "larger than 1 GiB");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(what + " " + path, "cannot be opened");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string indexName(int64_t i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%06lld", static_cast<long long>(i));
  return buf;
}

// Text and crop segments: each crop goes right before the words of its phrase.
struct Insert {
  size_t at;
  PromptSegment segment;
};

std::vector<PromptSegment> buildSegments(const std::string& caption, std::vector<Insert> inserts) {
  std::stable_sort(inserts.begin(), inserts.end(), [](const Insert& a, const Insert& b) { return a.at < b.at; });
  std::vector<PromptSegment> out;
  size_t pos = 0;
  auto text = [&](size_t end) {
    if (end <= pos) return;
    PromptSegment t;
    t.text = caption.substr(pos, end - pos);
    t.spanBegin = pos, t.spanEnd = end;
    out.push_back(std::move(t));
    pos = end;
  };
  for (auto& in : inserts) {
    text(in.at);
    out.push_back(std::move(in.segment));
  }
  text(caption.size());
  return out;
}

PromptSegment objectSegment(const std::string& caption, const Phrase& phrase, const CropCandidate& crop) {
  PromptSegment s;
  s.kind = PromptSegment::Kind::Image;
  s.role = "object";
  s.phrase = phrase.content(caption);
  s.spanBegin = phrase.contentBegin, s.spanEnd = phrase.end;
  s.box = crop.box;
  s.detectorPhrase = crop.detectorPhrase;
  s.score = crop.score;
  s.head = crop.head;
  return s;
}

// RGBA: the crop with the object's coverage as alpha. In memory OpenImageIO takes alpha as associated
// (premultiplied) and stores PNGs straight, so the colours are premultiplied here: the file then holds the
// crop's own colours, and reading it as RGB composites onto black, MUMU's padding colour.
Image withAlpha(const Image& rgb, const Image& mask) {
  Image out;
  out.width = rgb.width, out.height = rgb.height, out.channels = 4;
  out.pixels.resize(static_cast<size_t>(rgb.width) * rgb.height * 4);
  for (size_t p = 0, n = static_cast<size_t>(rgb.width) * rgb.height; p < n; ++p) {
    const int a = mask.pixels[p];
    for (int c = 0; c < 3; ++c) out.pixels[p * 4 + c] = static_cast<uint8_t>((rgb.pixels[p * 3 + c] * a + 127) / 255);
    out.pixels[p * 4 + 3] = static_cast<uint8_t>(a);
  }
  return out;
}

// What varies between synthetic and photo runs; the driver below does sharding, resume, threads, progress.
struct Plan {
  std::string kind;
  json options;
  std::string fingerprint;
  int64_t count = 0;
  // Handles sample index `i`: writes its files through the shard writer and counts into `counts`. Throws
  // only for failures that must stop the run (output errors).
  std::function<void(int64_t i, ShardWriter& writer, BootstrapCounts& counts)> sample;
  std::vector<std::string> globalWarnings;
};

BootstrapCounts readShardStats(const std::string& outDir, int64_t shard, int64_t& samples) {
  const std::string path = outDir + "/" + shardName(shard) + "/stats.json";
  json j;
  try {
    j = json::parse(readWholeFile(path, "shard stats"));
  } catch (const json::parse_error& e) {
    fail(path, std::string("not valid JSON (delete the shard folder to redo it): ") + e.what());
  }
  if (!j.is_object() || !j.contains("samples") || !j["samples"].is_number_integer())
    fail(path, "has no sample count (delete the shard folder to redo it)");
  samples = j["samples"].get<int64_t>();
  try {
    return BootstrapCounts::fromJson(j);
  } catch (const Error& e) {
    fail(path, e.what());
  }
}

BootstrapSummary runPlan(const BootstrapOptions& o, const Plan& plan) {
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  if (o.outDir.empty()) fail("bootstrap", "no output folder given");
  if (o.shardSize < 1) fail("bootstrap", "shard size must be at least 1");
  validateCropRules(o.rules);
  const std::string& out = o.outDir;
  const std::string infoPath = out + "/dataset.json";
  bool wasComplete = false;
  std::error_code ec;
  if (fs::exists(out, ec) && !fs::is_directory(out, ec)) fail(out, "exists and is not a folder");
  if (fs::is_regular_file(infoPath, ec)) {
    json existing;
    try {
      existing = json::parse(readWholeFile(infoPath, "data set description"));
    } catch (const json::parse_error& e) {
      fail(infoPath, std::string("exists but is not valid JSON: ") + e.what());
    }
    const DatasetInfo old = datasetInfoFromJson(existing, infoPath);
    if (old.fingerprint != plan.fingerprint)
      fail(out,
           "holds a different data set (its seed, options or inputs differ from this run's); choose another "
           "output folder or delete it");
    wasComplete = old.complete;
  } else if (fs::is_directory(out, ec) && !fs::is_empty(out, ec)) {
    fail(out, "is not empty and holds no data set; choose a new or empty output folder");
  }
  fs::create_directories(out, ec);
  if (ec) fail(out, "cannot create the output folder: " + ec.message());

  DatasetInfo info;
  info.kind = plan.kind;
  info.seed = o.seed;
  info.fingerprint = plan.fingerprint;
  info.options = plan.options;
  info.shardSize = o.shardSize;
  info.plannedSamples = plan.count;
  const int64_t numShards = (plan.count + o.shardSize - 1) / o.shardSize;
  for (int64_t k = 0; k < numShards; ++k) {
    ShardInfo s;
    s.name = shardName(k);
    s.firstIndex = k * o.shardSize;
    s.indices = std::min(o.shardSize, plan.count - s.firstIndex);
    info.shards.push_back(s);
  }
  // Announce the run before any shard exists, so a resume can check it continues the same data set.
  if (!wasComplete) writeFileAtomically(infoPath, datasetInfoToJson(info).dump(2) + "\n");

  BootstrapSummary summary;
  summary.outDir = out;
  summary.samplesPlanned = plan.count;
  summary.shardsTotal = numShards;
  std::vector<BootstrapCounts> shardCounts(static_cast<size_t>(numShards));
  std::vector<int64_t> pending;
  int64_t pendingSamples = 0;
  for (int64_t k = 0; k < numShards; ++k) {
    if (isShardComplete(out, k)) {
      shardCounts[static_cast<size_t>(k)] = readShardStats(out, k, info.shards[static_cast<size_t>(k)].samples);
      ++summary.shardsSkipped;
    } else {
      pending.push_back(k);
      pendingSamples += info.shards[static_cast<size_t>(k)].indices;
    }
  }

  std::atomic<int64_t> next{0}, done{0}, shardsDone{0};
  std::atomic<bool> abort{false};
  std::atomic<int> running{0};
  std::exception_ptr failure;
  std::mutex failureMutex;
  auto cancelled = [&] { return abort.load() || (o.cancel && o.cancel->load()); };
  auto worker = [&] {
    for (;;) {
      const int64_t slot = next++;
      if (slot >= static_cast<int64_t>(pending.size()) || cancelled()) break;
      const int64_t k = pending[static_cast<size_t>(slot)];
      ShardInfo& si = info.shards[static_cast<size_t>(k)];
      try {
        ShardWriter writer(out, k);
        BootstrapCounts counts;
        bool complete = true;
        for (int64_t i = si.firstIndex; i < si.firstIndex + si.indices; ++i) {
          if (cancelled()) {
            complete = false;  // left partial: redone from scratch by the next run
            break;
          }
          plan.sample(i, writer, counts);
          ++done;
        }
        if (!complete) break;
        json stats = counts.toJson();
        stats["samples"] = writer.samples();
        writer.finish(stats);
        si.samples = writer.samples();
        shardCounts[static_cast<size_t>(k)] = std::move(counts);
        ++shardsDone;
      } catch (...) {
        std::lock_guard<std::mutex> lock(failureMutex);
        if (!failure) failure = std::current_exception();
        abort = true;
        break;
      }
    }
    --running;
  };
  int threads = o.threads > 0 ? o.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  threads = static_cast<int>(std::min<int64_t>(threads, std::max<int64_t>(1, static_cast<int64_t>(pending.size()))));
  std::vector<std::thread> pool;
  running = threads;
  for (int t = 0; t < threads; ++t) pool.emplace_back(worker);
  auto report = [&] {
    if (!o.progress) return;
    BootstrapProgress p;
    p.done = done.load();
    p.total = pendingSamples;
    p.shardsDone = shardsDone.load() + summary.shardsSkipped;
    p.shardsTotal = numShards;
    p.shardsSkipped = summary.shardsSkipped;
    p.seconds = elapsed();
    o.progress(p);
  };
  const auto interval = std::chrono::duration<double>(std::max(0.01, o.progressInterval));
  while (running.load() > 0) {
    report();
    // short sleeps, so the end of a short run is not held up by the reporting interval
    const auto until = std::chrono::steady_clock::now() + interval;
    while (running.load() > 0 && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  for (auto& t : pool) t.join();
  report();
  if (failure) std::rethrow_exception(failure);

  summary.shardsWritten = shardsDone.load();
  for (const auto& c : shardCounts) summary.counts.add(c);
  for (const auto& w : plan.globalWarnings) summary.counts.warning(w);
  summary.cancelled = o.cancel && o.cancel->load();
  bool allComplete = true;
  for (int64_t k = 0; k < numShards; ++k) allComplete = allComplete && isShardComplete(out, k);
  if (allComplete && !summary.cancelled) {
    info.complete = true;
    BootstrapCounts total;
    for (const auto& c : shardCounts) total.add(c);
    json counts = total.toJson();
    counts.erase("errors");  // the messages stay in the shards' stats.json
    counts.erase("warnings");
    info.counts = counts;
    writeFileAtomically(infoPath, datasetInfoToJson(info).dump(2) + "\n");
  }
  summary.seconds = elapsed();
  return summary;
}

// One line of a captions file.
struct CaptionEntry {
  int line = 0;
  std::string file, caption, error;
  bool hasPhrases = false;
  std::vector<std::string> phrases;
};

std::vector<CaptionEntry> readCaptions(const std::string& path) {
  const std::string text = readWholeFile(path, "captions file");
  std::vector<CaptionEntry> out;
  std::istringstream in(text);
  std::string line;
  int lineNo = 0;
  while (std::getline(in, line)) {
    ++lineNo;
    if (lineNo == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line = line.substr(3);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    CaptionEntry e;
    e.line = lineNo;
    json j;
    try {
      j = json::parse(line);
    } catch (const json::parse_error& err) {
      std::string m = err.what();
      if (auto p = m.find("parse error at line 1, "); p != std::string::npos) m = m.substr(p + 23);
      e.error = "not valid JSON: " + m;
      out.push_back(std::move(e));
      continue;
    }
    if (!j.is_object()) {
      e.error = std::string("expected an object {\"file\": …, \"caption\": …}, got ") + j.type_name();
    } else if (!j.contains("file") || !j["file"].is_string() || j["file"].get<std::string>().empty()) {
      e.error = "\"file\" must be a non-empty string";
    } else {
      e.file = j["file"].get<std::string>();
      if (!j.contains("caption") || !j["caption"].is_string()) {
        e.error = "\"caption\" must be a string";
      } else {
        e.caption = j["caption"].get<std::string>();
      }
      if (e.error.empty() && j.contains("phrases")) {
        if (!j["phrases"].is_array()) {
          e.error = "\"phrases\" must be an array of strings";
        } else {
          e.hasPhrases = true;
          for (const auto& p : j["phrases"]) {
            if (!p.is_string()) {
              e.error = "\"phrases\" must be an array of strings";
              break;
            }
            e.phrases.push_back(p.get<std::string>());
          }
        }
      }
    }
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

// ---- counts -------------------------------------------------------------------------------------------------

void BootstrapCounts::error(std::string message) {
  ++errorCount;
  if (errors.size() < kMaxMessages) errors.push_back(std::move(message));
}

void BootstrapCounts::warning(std::string message) {
  ++warningCount;
  if (warnings.size() < kMaxMessages) warnings.push_back(std::move(message));
}

void BootstrapCounts::add(const BootstrapCounts& o) {
  pairsRead += o.pairsRead;
  samplesWritten += o.samplesWritten;
  samplesFailed += o.samplesFailed;
  phrases += o.phrases;
  phrasesWithoutBox += o.phrasesWithoutBox;
  unknownPhrases += o.unknownPhrases;
  cropsKept += o.cropsKept;
  headCrops += o.headCrops;
  augmentedCrops += o.augmentedCrops;
  styleReferences += o.styleReferences;
  for (size_t i = 0; i < kDropReasonCount; ++i) dropped[i] += o.dropped[i];
  for (const auto& m : o.errors)
    if (errors.size() < kMaxMessages) errors.push_back(m);
  for (const auto& m : o.warnings)
    if (warnings.size() < kMaxMessages) warnings.push_back(m);
  errorCount += o.errorCount;
  warningCount += o.warningCount;
}

json BootstrapCounts::toJson() const {
  json d = json::object();
  for (size_t i = 0; i < kDropReasonCount; ++i) d[dropReasonName(static_cast<DropReason>(i))] = dropped[i];
  return {{"pairs_read", pairsRead},
          {"samples_written", samplesWritten},
          {"samples_failed", samplesFailed},
          {"phrases", phrases},
          {"phrases_without_box", phrasesWithoutBox},
          {"unknown_phrases", unknownPhrases},
          {"crops_kept", cropsKept},
          {"head_crops", headCrops},
          {"augmented_crops", augmentedCrops},
          {"style_references", styleReferences},
          {"dropped", d},
          {"error_count", errorCount},
          {"warning_count", warningCount},
          {"errors", errors},
          {"warnings", warnings}};
}

BootstrapCounts BootstrapCounts::fromJson(const json& j) {
  BootstrapCounts c;
  auto num = [&](const char* key, int64_t& v) {
    if (!j.contains(key) || !j[key].is_number_integer()) fail("shard stats", std::string(key) + " must be an integer");
    v = j[key].get<int64_t>();
  };
  num("pairs_read", c.pairsRead);
  num("samples_written", c.samplesWritten);
  num("samples_failed", c.samplesFailed);
  num("phrases", c.phrases);
  num("phrases_without_box", c.phrasesWithoutBox);
  num("unknown_phrases", c.unknownPhrases);
  num("crops_kept", c.cropsKept);
  num("head_crops", c.headCrops);
  num("augmented_crops", c.augmentedCrops);
  num("style_references", c.styleReferences);
  num("error_count", c.errorCount);
  num("warning_count", c.warningCount);
  if (!j.contains("dropped") || !j["dropped"].is_object()) fail("shard stats", "dropped must be an object");
  for (size_t i = 0; i < kDropReasonCount; ++i) {
    const char* name = dropReasonName(static_cast<DropReason>(i));
    const json& d = j["dropped"];
    if (!d.contains(name) || !d[name].is_number_integer())
      fail("shard stats", std::string("dropped.") + name + " must be an integer");
    c.dropped[i] = d[name].get<int64_t>();
  }
  for (const char* key : {"errors", "warnings"}) {
    if (!j.contains(key) || !j[key].is_array()) fail("shard stats", std::string(key) + " must be an array");
    for (const auto& m : j[key]) {
      if (!m.is_string()) fail("shard stats", std::string(key) + " must list strings");
      (std::string(key) == "errors" ? c.errors : c.warnings).push_back(m.get<std::string>());
    }
  }
  return c;
}

json BootstrapSummary::toJson() const {
  json j = counts.toJson();
  j["out"] = outDir;
  j["samples_planned"] = samplesPlanned;
  j["shards_written"] = shardsWritten;
  j["shards_skipped"] = shardsSkipped;
  j["shards_total"] = shardsTotal;
  j["cancelled"] = cancelled;
  j["seconds"] = seconds;
  return j;
}

std::string BootstrapSummary::toText(size_t maxMessages) const {
  const auto& c = counts;
  std::ostringstream os;
  char secs[32];
  std::snprintf(secs, sizeof secs, "%.1f", seconds);
  os << (cancelled ? "bootstrap cancelled: " : "bootstrap: ") << c.samplesWritten << " samples in " << outDir << " ("
     << shardsWritten << " shard" << (shardsWritten == 1 ? "" : "s") << " written, " << shardsSkipped
     << " already complete, of " << shardsTotal << ") in " << secs << " s\n";
  os << "  pairs read        " << c.pairsRead << " (" << c.samplesFailed << " failed)\n";
  os << "  phrases           " << c.phrases << " (" << c.phrasesWithoutBox << " without a crop";
  if (c.unknownPhrases) os << ", " << c.unknownPhrases << " not in their caption";
  os << ")\n";
  os << "  crops kept        " << c.cropsKept << " (" << c.headCrops << " head crops, " << c.augmentedCrops
     << " augmented)";
  if (c.styleReferences) os << ", style references " << c.styleReferences;
  os << "\n  crops dropped     ";
  for (size_t i = 0; i < kDropReasonCount; ++i)
    os << (i ? ", " : "") << dropReasonName(static_cast<DropReason>(i)) << " " << c.dropped[i];
  os << "\n";
  auto list = [&](const char* title, const std::vector<std::string>& msgs, int64_t total) {
    if (!total) return;
    os << "  " << title << " (" << total << "):\n";
    for (size_t i = 0; i < msgs.size() && i < maxMessages; ++i) os << "    " << msgs[i] << "\n";
    if (total > static_cast<int64_t>(std::min(msgs.size(), maxMessages)))
      os << "    … and " << total - static_cast<int64_t>(std::min(msgs.size(), maxMessages))
         << " more (see the shards' stats.json)\n";
  };
  list("errors", c.errors, c.errorCount);
  list("warnings", c.warnings, c.warningCount);
  return os.str();
}

// ---- synthetic ----------------------------------------------------------------------------------------------

BootstrapSummary bootstrapSynthetic(const BootstrapOptions& o, const SyntheticSpec& spec) {
  validateShapeWorldOptions(spec.world);
  validateCropRules(o.rules);
  if (spec.count < 1) fail("bootstrap", "the number of synthetic samples must be at least 1");
  const ShapeWorldOptions& world = spec.world;
  const CropRules& rules = o.rules;
  const uint64_t seed = o.seed;
  Plan plan;
  plan.kind = "synthetic";
  plan.count = spec.count;
  plan.options = {{"count", spec.count}, {"shape_world", world}, {"crop_rules", rules}, {"detector", "shapes"}};
  plan.fingerprint = hex64(
      fnv1a(json{{"kind", plan.kind}, {"seed", seed}, {"shard_size", o.shardSize}, {"options", plan.options}}.dump()));
  const int64_t perScene = world.stylesPerScene;

  plan.sample = [&world, &rules, seed, perScene](int64_t i, ShardWriter& writer, BootstrapCounts& c) {
    ++c.pairsRead;
    const int64_t sceneIndex = i / perScene;
    Rng sceneRng(mixSeed(seed, static_cast<uint64_t>(sceneIndex), kSceneStream));
    const Scene scene = sampleScene(world, sceneRng);
    // the scene's styles: a seeded choice of distinct styles, one per rendering
    std::vector<Style> styles = world.styles;
    for (size_t k = styles.size(); k > 1; --k)
      std::swap(styles[k - 1], styles[static_cast<size_t>(sceneRng.below(static_cast<int64_t>(k)))]);
    const Style style = styles[static_cast<size_t>(i % perScene)];
    Rng rng(mixSeed(seed, static_cast<uint64_t>(i), kSampleStream));
    const RenderedScene rendered = renderScene(scene, style, mixSeed(seed, static_cast<uint64_t>(i), kGrainStream));
    const SceneCaption described = describeScene(scene);

    Sample s;
    s.index = i;
    s.style = styleName(style);
    char sceneId[32];
    std::snprintf(sceneId, sizeof sceneId, "scene-%07lld", static_cast<long long>(sceneIndex));
    s.sceneId = sceneId;
    s.id = "shape-" + indexName(i) + "-" + s.style;
    s.width = scene.width, s.height = scene.height;
    s.scene = scene;

    std::vector<Phrase> phrases;
    for (size_t k = 0; k < scene.objects.size(); ++k) {
      Phrase p;
      p.begin = described.objectBegins[k];
      p.contentBegin = described.objectSpans[k].first;
      p.end = described.objectSpans[k].second;
      p.text = described.text.substr(p.begin, p.end - p.begin);
      p.head = p.lemma = shapeName(scene.objects[k].shape);
      phrases.push_back(std::move(p));
    }
    ShapeSceneDetector detector;
    detector.setScene(&scene);
    const auto detections = detector.detect(rendered.image, {}, s.id);
    const CropSelection sel = selectCrops(described.text, phrases, detections, scene.width, scene.height, rules, rng);
    const bool styleReference = rng.chance(world.styleReferenceProbability);
    s.caption = described.text + (styleReference ? ", in the style of" : ", in " + styleCaption(style) + " style");

    std::vector<Insert> inserts;
    const std::string base = indexName(i);
    for (size_t k = 0; k < sel.kept.size(); ++k) {
      const CropCandidate& cc = sel.kept[k];
      Image crop, mask;
      if (world.freshCrops) {  // the object alone, elsewhere, on another background, same style
        const Scene alone = isolatedObjectScene(scene.objects[static_cast<size_t>(cc.phrase)], world, rng);
        const RenderedScene r = renderScene(alone, style, rng.next());
        crop = r.image;
        mask = r.masks[0];
      } else {
        crop = cropToBox(rendered.image, cc.box);
        mask = cropToBox(rendered.masks[static_cast<size_t>(cc.phrase)], cc.box);
      }
      PromptSegment seg = objectSegment(s.caption, phrases[static_cast<size_t>(cc.phrase)], cc);
      Image nobg = rules.backgroundRemoval ? withAlpha(crop, mask) : Image{};
      if (rng.chance(rules.augmentProbability)) {
        Rng again = rng;  // the background-free variant gets the very same augmentation
        crop = augmentCrop(crop, rng, seg.augment);
        if (rules.backgroundRemoval) {
          std::vector<std::string> ops;
          nobg = augmentCrop(nobg, again, ops);
        }
        ++c.augmentedCrops;
      }
      const std::string name = base + "-c" + std::to_string(k);
      seg.path = writer.writeImage(name + ".png", crop);
      if (rules.backgroundRemoval) seg.noBackgroundPath = writer.writeImage(name + "-nobg.png", nobg);
      inserts.push_back({phrases[static_cast<size_t>(cc.phrase)].contentBegin, std::move(seg)});
      ++c.cropsKept;
    }
    c.phrases += static_cast<int64_t>(phrases.size());
    c.phrasesWithoutBox += static_cast<int64_t>(phrases.size() - sel.kept.size());
    for (size_t r = 0; r < kDropReasonCount; ++r) c.dropped[r] += sel.dropped[r];
    for (const auto& m : sel.messages) c.warning("sample '" + s.id + "': " + m);
    s.segments = buildSegments(s.caption, std::move(inserts));
    if (styleReference) {  // another scene in the same style: what to take from it is only the style
      const Scene other = sampleScene(world, rng);
      PromptSegment seg;
      seg.kind = PromptSegment::Kind::Image;
      seg.role = "style";
      seg.style = s.style;
      seg.path = writer.writeImage(base + "-style.png", renderScene(other, style, rng.next()).image);
      s.segments.push_back(std::move(seg));
      ++c.styleReferences;
    }
    s.image = writer.writeImage(base + ".png", rendered.image);
    writer.add(s);
    ++c.samplesWritten;
  };
  return runPlan(o, plan);
}

// ---- photos -------------------------------------------------------------------------------------------------

BootstrapSummary bootstrapPhotos(const BootstrapOptions& o, const PhotoSpec& spec, Detector& detector) {
  validateCropRules(o.rules);
  if (detector.name() == "shapes")
    fail("bootstrap", "the shapes detector knows only shape-world scenes; use it with --synthetic");
  std::error_code ec;
  if (!fs::is_directory(spec.imagesDir, ec)) fail("images folder " + spec.imagesDir, "not found");
  const std::string captionsText = readWholeFile(spec.captionsPath, "captions file");
  const std::vector<CaptionEntry> entries = readCaptions(spec.captionsPath);
  if (entries.empty()) fail("captions file " + spec.captionsPath, "holds no captions");
  const std::string captionsName = fs::path(spec.captionsPath).filename().string();

  Plan plan;
  plan.kind = "photos";
  plan.count = static_cast<int64_t>(entries.size());
  plan.options = {{"images", spec.imagesDir},
                  {"captions", spec.captionsPath},
                  {"detector", spec.detectorSpec.empty() ? detector.name() : spec.detectorSpec},
                  {"crop_rules", o.rules}};
  if (spec.centerCrop > 0) plan.options["center_crop"] = spec.centerCrop;
  std::string inputs = hex64(fnv1a(captionsText));
  if (auto* file = dynamic_cast<DetectionsFileDetector*>(&detector)) {
    inputs += hex64(fnv1a(readWholeFile(file->file().path(), "detections file")));
    for (const auto& p : file->file().problems()) plan.globalWarnings.push_back("detections file: " + p);
  }
  plan.fingerprint = hex64(fnv1a(json{
      {"kind", plan.kind}, {"seed", o.seed}, {"shard_size", o.shardSize}, {"options", plan.options}, {"inputs", inputs}}
                                     .dump()));
  std::mutex detectorMutex;  // detectors need not be thread-safe (CenterNet runs libtorch)
  const CropRules& rules = o.rules;
  const uint64_t seed = o.seed;
  plan.sample = [&](int64_t i, ShardWriter& writer, BootstrapCounts& c) {
    const CaptionEntry& e = entries[static_cast<size_t>(i)];
    ++c.pairsRead;
    const std::string at = captionsName + ":" + std::to_string(e.line);
    const std::string who = e.file.empty() ? at : "sample '" + e.file + "' (" + at + ")";
    auto failed = [&](const std::string& why) {
      c.error(who + ": " + why);
      ++c.samplesFailed;
    };
    if (!e.error.empty()) return failed(e.error);
    if (e.caption.find_first_not_of(" \t\r\n") == std::string::npos) return failed("empty caption");
    Image image;
    try {
      const fs::path p = fs::path(e.file).is_absolute() ? fs::path(e.file) : fs::path(spec.imagesDir) / e.file;
      image = readImage(p.string());
    } catch (const Error& err) {
      return failed(std::string("cannot read the image: ") + err.what());
    }
    std::vector<Phrase> phrases;
    if (e.hasPhrases) {
      for (const auto& text : e.phrases) {
        if (auto p = locatePhrase(e.caption, text)) {
          const bool dup = std::any_of(phrases.begin(), phrases.end(),
                                       [&](const Phrase& q) { return q.begin == p->begin && q.end == p->end; });
          if (!dup) phrases.push_back(*p);
        } else {
          ++c.unknownPhrases;
          c.warning(who + ": phrase '" + text + "' does not occur in the caption; it is ignored");
        }
      }
    } else {
      phrases = chunkNounPhrases(e.caption);
    }
    std::vector<std::string> contents;
    for (const auto& p : phrases) contents.push_back(p.content(e.caption));
    std::vector<Detection> detections;
    if (!phrases.empty()) {
      std::lock_guard<std::mutex> lock(detectorMutex);
      try {
        detections = detector.detect(image, contents, e.file);
      } catch (const Error& err) {
        return failed(std::string("detections: ") + err.what());
      }
    }
    if (spec.centerCrop > 0) {
      // The centred square, resized; boxes mapped into it (clipped), those less than half inside dropped.
      const int side = std::min(image.width, image.height);
      const float x0 = static_cast<float>((image.width - side) / 2), y0 = static_cast<float>((image.height - side) / 2);
      const float k = static_cast<float>(spec.centerCrop) / static_cast<float>(side);
      image = resizeImage(cropToBox(image, Box{x0, y0, x0 + side, y0 + side}), spec.centerCrop, spec.centerCrop,
                          Resample::Bicubic);
      std::vector<Detection> inside;
      for (Detection d : detections) {
        const Box b = d.box;
        const Box clipped{std::max(b.x0, x0), std::max(b.y0, y0), std::min(b.x1, x0 + side), std::min(b.y1, y0 + side)};
        if (clipped.width() <= 0 || clipped.height() <= 0 || clipped.area() < 0.5f * b.area()) {
          c.warning(who + ": box of '" + d.phrase + "' lies mostly outside the centre crop; dropped");
          continue;
        }
        d.box = Box{(clipped.x0 - x0) * k, (clipped.y0 - y0) * k, (clipped.x1 - x0) * k, (clipped.y1 - y0) * k};
        inside.push_back(d);
      }
      detections = std::move(inside);
    }
    Rng rng(mixSeed(seed, static_cast<uint64_t>(i), kSampleStream));
    const CropSelection sel = selectCrops(e.caption, phrases, detections, image.width, image.height, rules, rng);
    Sample s;
    s.index = i;
    s.id = "photo-" + indexName(i);
    s.source = e.file;
    s.width = image.width, s.height = image.height;
    s.caption = e.caption;
    std::vector<Insert> inserts;
    const std::string base = indexName(i);
    for (size_t k = 0; k < sel.kept.size(); ++k) {
      const CropCandidate& cc = sel.kept[k];
      Image crop = cropToBox(image, cc.box);
      PromptSegment seg = objectSegment(e.caption, phrases[static_cast<size_t>(cc.phrase)], cc);
      if (rng.chance(rules.augmentProbability)) {
        crop = augmentCrop(crop, rng, seg.augment);
        ++c.augmentedCrops;
      }
      seg.path = writer.writeImage(base + "-c" + std::to_string(k) + ".png", crop);
      inserts.push_back({phrases[static_cast<size_t>(cc.phrase)].contentBegin, std::move(seg)});
      ++c.cropsKept;
      c.headCrops += cc.head;
    }
    c.phrases += static_cast<int64_t>(phrases.size());
    c.phrasesWithoutBox += static_cast<int64_t>(phrases.size() - sel.kept.size());
    for (size_t r = 0; r < kDropReasonCount; ++r) c.dropped[r] += sel.dropped[r];
    for (const auto& m : sel.messages) c.warning(who + ": " + m);
    if (phrases.empty()) c.warning(who + ": no noun phrase found in the caption; written without crops");
    s.segments = buildSegments(s.caption, std::move(inserts));
    s.image = writer.writeImage(base + ".png", image);
    writer.add(s);
    ++c.samplesWritten;
  };
  return runPlan(o, plan);
}

// ---- detectors by name ----------------------------------------------------------------------------------------

std::unique_ptr<Detector> createDetector(const std::string& spec) {
  if (spec.rfind("file:", 0) == 0) {
    const std::string path = spec.substr(5);
    if (path.empty()) fail("detector", "file: needs a path (--detector file:detections.jsonl)");
    return std::make_unique<DetectionsFileDetector>(path);
  }
  if (spec == "shapes") return std::make_unique<ShapeSceneDetector>();
  if (spec == "centernet" || spec.rfind("centernet:", 0) == 0) {
#ifdef MUMU_HAVE_CENTERNET
    CenterNetOptions options;
    if (spec.size() > 10) options.modelPath = spec.substr(10);
    return std::make_unique<CenterNetDetector>(options);
#else
    fail("detector",
         "centernet is not available in this build (the COCO CenterNet port is not linked); use "
         "--detector file:PATH with boxes from an open-vocabulary detector");
#endif
  }
  fail("detector", "unknown detector '" + spec + "' (expected file:PATH, shapes or centernet)");
}

std::vector<std::string> detectorHelp() {
  return {
      "file:PATH         boxes from a GroundingDINO-style detections file (JSON Lines or JSON)",
      "shapes            the exact boxes of shape-world scenes (--synthetic only; the default there)",
#ifdef MUMU_HAVE_CENTERNET
      "centernet[:JSON]  the COCO-80 CenterNet detector (model from scripts/fetch_assets.sh)",
#else
      "centernet         (not available in this build)",
#endif
  };
}

}  // namespace mumu::training
