// `mumu bootstrap`: multimodal-prompt training data from captioned images or the procedural shape world,
// and contact sheets to check it (training/bootstrap/bootstrap.h).
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "args.h"
#include "commands.h"
#include "model/error.h"
#include "training/bootstrap/bootstrap.h"
#include "training/bootstrap/contact_sheet.h"
#include "training/bootstrap/dataset.h"

namespace mumu::cli {
namespace {

using training::BootstrapProgress;
using training::BootstrapSummary;

std::atomic<bool> gCancel{false};
extern "C" void onInterrupt(int) {
  gCancel = true;
}

std::vector<std::string> splitList(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

template <typename T, typename Parse>
void listFlag(const ParsedArgs& a, const char* flag, std::vector<T>& out, Parse parse) {
  if (!a.has(flag)) return;
  out.clear();
  for (const auto& name : splitList(a.get(flag))) {
    try {
      out.push_back(parse(name));
    } catch (const Error& e) {
      throw UsageError{"--" + std::string(flag) + ": " + e.what()};
    }
  }
  if (out.empty()) throw UsageError{"--" + std::string(flag) + " needs at least one name"};
}

std::string formatSeconds(double s) {
  char buf[32];
  if (s < 60)
    std::snprintf(buf, sizeof buf, "%.0f s", s);
  else
    std::snprintf(buf, sizeof buf, "%d min %02d s", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
  return buf;
}

void printBar(const BootstrapProgress& p) {
  const double frac = p.total ? static_cast<double>(p.done) / p.total : 1.0;
  const int width = 30, filled = static_cast<int>(frac * width);
  std::string bar(static_cast<size_t>(filled), '#');
  bar.resize(width, '.');
  std::string eta;
  if (p.done > 0 && p.done < p.total)
    eta = ", about " + formatSeconds(p.seconds / p.done * (p.total - p.done)) + " left";
  std::fprintf(stderr, "\r[%s] %3d%%  %lld/%lld samples  shard %lld/%lld  %s%s   ", bar.c_str(),
               static_cast<int>(frac * 100), static_cast<long long>(p.done), static_cast<long long>(p.total),
               static_cast<long long>(p.shardsDone), static_cast<long long>(p.shardsTotal),
               formatSeconds(p.seconds).c_str(), eta.c_str());
  std::fflush(stderr);
}

const char* kUsage =
    "Usage: mumu bootstrap --synthetic N --out DIR [flags]          shape-world data set\n"
    "       mumu bootstrap --images DIR --captions FILE --detector SPEC --out DIR [flags]\n"
    "                                                                 data set from captioned photos\n"
    "       mumu bootstrap --contact-sheet OUT.png --from DIR          contact sheet of a data set\n"
    "\n"
    "Turns text-image pairs into multimodal prompts: crops of the image's own objects inserted right before\n"
    "the words naming them (the MUMU paper's bootstrapping). Re-running the same command resumes: finished\n"
    "shards are kept. Ctrl-C stops after the current samples; run the command again to finish.\n"
    "\n"
    "Captions file (JSON Lines): {\"file\": \"astronaut.png\", \"caption\": \"…\", \"phrases\": [\"…\"]}\n"
    "(phrases optional; without them noun phrases are picked from the caption).\n"
    "\n";

}  // namespace

int runBootstrap(const std::vector<std::string>& args) {
  const std::vector<FlagSpec> flags = {
      {"synthetic", "N", "generate N shape-world samples"},
      {"images", "DIR", "folder of photos (with --captions)"},
      {"captions", "FILE", "captions file, JSON Lines"},
      {"detector", "SPEC", "file:PATH | centernet[:JSON] | shapes (default for --synthetic)"},
      {"out", "DIR", "output data set folder (resumed when it holds the same data set)"},
      {"seed", "S", "random seed (default 0)"},
      {"shard-size", "N", "samples per shard (default 1000)"},
      {"threads", "N", "worker threads (default: all cores)"},
      {"size", "PX", "shape world: image side (default 64)"},
      {"center-crop", "PX", "photos: centre-crop each photo to a square of this side (the paper's real data)"},
      {"min-objects", "N", "shape world: objects per scene, at least (default 1)"},
      {"max-objects", "N", "shape world: at most (default 3)"},
      {"shapes", "LIST", "shape world: circle,square,triangle,star,hexagon,cross"},
      {"colours", "LIST", "shape world: of red,orange,yellow,green,blue,purple,pink,brown,cyan,gray"},
      {"sizes", "LIST", "shape world: of small,medium,large (default small,large)"},
      {"fills", "LIST", "shape world: of solid,striped,dotted,outlined"},
      {"backgrounds", "LIST", "shape world: of plain,striped,dotted,checkered,gradient"},
      {"styles", "LIST", "shape world: of flat,inked,soft,pixelated,grainy"},
      {"styles-per-scene", "K", "shape world: renderings per scene, distinct styles (default 2)"},
      {"style-reference", "P", "shape world: share of prompts ending 'in the style of <img>' (0.25)"},
      {"fresh-crops", "", "shape world: crops from a new rendering of the object alone"},
      {"spread", "F", "shape world: share of the free room object centres range over (1 anywhere, 0 centred)"},
      {"min-side", "PX", "crop rule: minimum crop side at full scale (150)"},
      {"full-scale", "PX", "crop rule: the short side min-side refers to (1024)"},
      {"max-area", "F", "crop rule: largest crop as a share of the image (0.75)"},
      {"max-crops", "N", "crop rule: crops per prompt at most (3)"},
      {"min-score", "F", "crop rule: lowest detector score kept (0)"},
      {"head-crop", "P", "crop rule: share of person crops replaced by the head (0.7)"},
      {"augment", "P", "crop rule: share of crops augmented (0.2)"},
      {"background-removal", "", "also write each crop with its background removed (shape world)"},
      {"preview", "", "after the run, write OUT/contact-sheet.png"},
      {"contact-sheet", "PNG", "write a contact sheet (of --from DIR, or of this run's --out)"},
      {"from", "DIR", "data set for --contact-sheet"},
      {"first", "K", "contact sheet: first sample index (default 0)"},
      {"count", "N", "contact sheet: samples (default 24)"},
      {"sheet-width", "PX", "contact sheet: width (default 1280)"},
      {"thumb", "PX", "contact sheet: target image size (default 128)"},
      {"json", "", "progress and summary as JSON lines on stdout"},
      {"quiet", "", "no progress bar"},
      {"strict", "", "exit 1 when any sample failed"},
      {"list-detectors", "", "list the detectors and exit"},
      {"help", "", "show this help"},
  };
  const ParsedArgs a = parseArgs("bootstrap", args, flags);
  if (a.has("help")) {
    std::cout << kUsage << formatFlags(flags);
    return 0;
  }
  if (a.has("list-detectors")) {
    for (const auto& line : training::detectorHelp()) std::cout << line << "\n";
    return 0;
  }
  const bool synthetic = a.has("synthetic");
  const bool photos = a.has("images") || a.has("captions");
  const bool sheetOnly = a.has("from");
  if (synthetic + photos + sheetOnly != 1)
    throw UsageError{"give one of --synthetic N, --images DIR --captions FILE, or --contact-sheet PNG --from DIR"};
  const bool json = a.has("json");

  training::ContactSheetOptions sheet;
  sheet.width = static_cast<int>(a.getInt("sheet-width", 1280, 320, 8192));
  sheet.thumbSize = static_cast<int>(a.getInt("thumb", 128, 16, 1024));
  const int64_t first = a.getInt("first", 0, 0, INT64_MAX);
  const int64_t count = a.getInt("count", 24, 1, 10000);
  auto writeSheet = [&](const std::string& dir, const std::string& png) {
    const auto reader = training::DatasetReader::open(dir, {.allowIncomplete = true});
    const int64_t n = training::writeContactSheet(reader, png, first, count, sheet);
    if (json)
      std::cout << nlohmann::json{{"event", "contact_sheet"}, {"path", png}, {"samples", n}}.dump() << "\n";
    else
      std::cerr << "contact sheet: " << n << " samples → " << png << "\n";
  };

  if (sheetOnly) {
    if (!a.has("contact-sheet")) throw UsageError{"--from needs --contact-sheet PNG"};
    writeSheet(a.get("from"), a.get("contact-sheet"));
    return 0;
  }
  if (!a.has("out")) throw UsageError{"--out DIR is required"};

  training::BootstrapOptions o;
  o.outDir = a.get("out");
  o.seed = static_cast<uint64_t>(a.getInt("seed", 0, 0, INT64_MAX));
  o.shardSize = a.getInt("shard-size", 1000, 1, 100000000);
  o.threads = static_cast<int>(a.getInt("threads", 0, 0, 1024));
  auto& r = o.rules;
  r.minSide = a.getDouble("min-side", r.minSide, 0, 1e5);
  r.fullScaleSide = a.getDouble("full-scale", r.fullScaleSide, 1, 1e5);
  r.maxAreaFraction = a.getDouble("max-area", r.maxAreaFraction, 0.001, 1);
  r.maxCrops = static_cast<int>(a.getInt("max-crops", r.maxCrops, 0, 64));
  r.minScore = a.getDouble("min-score", r.minScore, 0, 1);
  r.headCropProbability = a.getDouble("head-crop", r.headCropProbability, 0, 1);
  r.augmentProbability = a.getDouble("augment", r.augmentProbability, 0, 1);
  r.backgroundRemoval = a.has("background-removal");

  const bool bar = !json && !a.has("quiet") && ::isatty(STDERR_FILENO);
  double lastJson = -1;
  o.progress = [&](const BootstrapProgress& p) {
    if (bar) printBar(p);
    if (json && (p.seconds - lastJson >= 0.5 || p.done == p.total)) {
      lastJson = p.seconds;
      std::cout << nlohmann::json{{"event", "progress"},
                                  {"done", p.done},
                                  {"total", p.total},
                                  {"shards_done", p.shardsDone},
                                  {"shards_total", p.shardsTotal},
                                  {"seconds", p.seconds}}
                       .dump()
                << std::endl;
    }
  };
  o.cancel = &gCancel;
  gCancel = false;
  auto previous = std::signal(SIGINT, onInterrupt);

  BootstrapSummary summary;
  try {
    if (synthetic) {
      training::SyntheticSpec spec;
      spec.count = a.getInt("synthetic", 0, 1, 100000000);
      auto& w = spec.world;
      w.size = static_cast<int>(a.getInt("size", w.size, 16, 1024));
      w.minObjects = static_cast<int>(a.getInt("min-objects", w.minObjects, 1, 3));
      w.maxObjects = static_cast<int>(a.getInt("max-objects", w.maxObjects, 1, 3));
      listFlag(a, "shapes", w.shapes, training::parseShape);
      listFlag(a, "colours", w.colours, training::parseColour);
      listFlag(a, "sizes", w.sizes, training::parseSize);
      listFlag(a, "fills", w.fills, training::parseFill);
      listFlag(a, "backgrounds", w.backgrounds, training::parseBackground);
      listFlag(a, "styles", w.styles, training::parseStyle);
      w.stylesPerScene = static_cast<int>(a.getInt("styles-per-scene", w.stylesPerScene, 1, 16));
      w.styleReferenceProbability = a.getDouble("style-reference", w.styleReferenceProbability, 0, 1);
      w.freshCrops = a.has("fresh-crops");
      w.spread = a.getDouble("spread", w.spread, 0, 1);
      if (a.has("detector") && a.get("detector") != "shapes")
        throw UsageError{"--synthetic takes its boxes from the scenes: --detector shapes (or none)"};
      if (a.has("images") || a.has("captions")) throw UsageError{"--synthetic does not read --images / --captions"};
      try {
        training::validateShapeWorldOptions(w);
      } catch (const Error& e) {
        throw UsageError{e.what()};
      }
      summary = training::bootstrapSynthetic(o, spec);
    } else {
      if (!a.has("images") || !a.has("captions")) throw UsageError{"photos need both --images DIR and --captions FILE"};
      if (!a.has("detector"))
        throw UsageError{"photos need --detector (file:PATH with boxes from GroundingDINO, or centernet)"};
      training::PhotoSpec spec;
      spec.imagesDir = a.get("images");
      spec.captionsPath = a.get("captions");
      spec.detectorSpec = a.get("detector");
      spec.centerCrop = static_cast<int>(a.getInt("center-crop", 0, 0, 8192));
      auto detector = training::createDetector(spec.detectorSpec);
      summary = training::bootstrapPhotos(o, spec, *detector);
    }
  } catch (...) {
    std::signal(SIGINT, previous);
    if (bar) std::fputc('\n', stderr);
    throw;
  }
  std::signal(SIGINT, previous);
  if (bar) std::fputc('\n', stderr);

  if (json) {
    nlohmann::json j = summary.toJson();
    j["event"] = "summary";
    std::cout << j.dump() << std::endl;
  } else {
    std::cerr << summary.toText();
  }
  if (summary.cancelled) {
    std::cerr << "mumu bootstrap: interrupted; run the same command again to finish (finished shards are kept)\n";
    return 1;
  }
  if (a.has("preview") || a.has("contact-sheet")) {
    const std::string png = a.has("contact-sheet") ? a.get("contact-sheet") : o.outDir + "/contact-sheet.png";
    writeSheet(o.outDir, png);
  }
  if (a.has("strict") && summary.counts.samplesFailed > 0) {
    std::cerr << "mumu bootstrap: " << summary.counts.samplesFailed << " sample(s) failed (--strict)\n";
    return 1;
  }
  return 0;
}

}  // namespace mumu::cli
