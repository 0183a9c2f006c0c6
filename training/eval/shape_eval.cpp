// shape_eval.cpp — the shapes suite: held-out scenes, four prompts each, judged by the shape analyser.
#include "training/eval/shape_eval.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "model/error.h"
#include "model/io/image_file.h"
#include "model/pipeline/pipeline.h"
#include "training/bootstrap/crop_rules.h"
#include "training/bootstrap/phrases.h"
#include "training/bootstrap/rng.h"
#include "training/bootstrap/shape_world.h"
#include "training/eval/shape_analyser.h"

namespace mumu::training {

namespace {

// One question's verdict for results.jsonl: what the analyser found, largest first.
nlohmann::json describe(const ShapeAnalysis& a, bool hit) {
  nlohmann::json j = describeAnalysis(a);
  j["hit"] = hit;
  return j;
}

}  // namespace

ShapeAnalysis analyseShapeFile(const std::string& path) {
  const Image image = readImage(path);  // its errors name the file
  try {
    return analyseShapes(image);
  } catch (const Error& e) {
    throw Error(path + ": " + e.what());
  }
}

nlohmann::json describeAnalysis(const ShapeAnalysis& a) {
  nlohmann::json found = nlohmann::json::array();
  for (const auto& f : a.shapes)
    found.push_back({{"colour", shapeColours().at(static_cast<size_t>(f.colour)).name},
                     {"shape", shapeName(f.shape)},
                     {"iou", std::round(f.iou * 1000) / 1000},
                     {"area", f.area}});
  return {{"found", found}, {"style", styleName(a.style)}};
}

namespace {

// The five analyses of one held-out prompt, and what was asked.
struct PromptVerdicts {
  int colour = 0;
  Shape shape = Shape::Circle;
  Style style = Style::Flat;  // of the style reference
  ShapeAnalysis ceiling, text, image, baseline, styled;
};

bool hasColour(const ShapeAnalysis& a, int colour) {
  for (const auto& s : a.shapes)
    if (s.colour == colour) return true;
  return false;
}

// Counts verdicts into shares; one place for the live eval and the re-judging of a saved run.
struct Tally {
  int n = 0, text = 0, image = 0, baseline = 0, style = 0, textColour = 0, imageColour = 0, baselineColour = 0;
  int ceiling = 0, ceilingColour = 0;

  // Adds one prompt; returns its results.jsonl line (without index and size).
  nlohmann::json add(const PromptVerdicts& v) {
    ++n;
    const bool hitCeiling = v.ceiling.contains(v.colour, v.shape), hitText = v.text.contains(v.colour, v.shape);
    const bool hitImage = v.image.contains(v.colour, v.shape), hitBaseline = v.baseline.contains(v.colour, v.shape);
    const bool hitStyle = v.styled.style == v.style;
    ceiling += hitCeiling, text += hitText, image += hitImage, baseline += hitBaseline, style += hitStyle;
    ceilingColour += hasColour(v.ceiling, v.colour), textColour += hasColour(v.text, v.colour);
    imageColour += hasColour(v.image, v.colour), baselineColour += hasColour(v.baseline, v.colour);
    return {
        {"text", describe(v.text, hitText)},
        {"image", describe(v.image, hitImage)},
        {"image_baseline", describe(v.baseline, hitBaseline)},
        {"style_reference", {{"style", styleName(v.style)}, {"found", styleName(v.styled.style)}, {"hit", hitStyle}}},
        {"vae_ceiling", describe(v.ceiling, hitCeiling)}};
  }

  ShapeEvalResult result() const {
    ShapeEvalResult r;
    r.count = n;
    const double d = std::max(1, n);
    r.text = text / d, r.image = image / d, r.imageBaseline = baseline / d, r.style = style / d;
    r.ceiling = ceiling / d, r.ceilingColour = ceilingColour / d;
    r.textColour = textColour / d, r.imageColour = imageColour / d, r.imageBaselineColour = baselineColour / d;
    return r;
  }
};

}  // namespace

nlohmann::json ShapeEvalResult::toJson() const {
  return {{"count", count},
          {"text", text},
          {"image", image},
          {"image_baseline", imageBaseline},
          {"style_reference", style},
          {"text_colour", textColour},
          {"image_colour", imageColour},
          {"image_baseline_colour", imageBaselineColour},
          {"vae_ceiling", ceiling},
          {"vae_ceiling_colour", ceilingColour},
          {"seconds", seconds}};
}

ShapeEvalResult runShapeEval(MumuModel& model, const ShapeEvalOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  const MumuModelInfo info = describeMumuModel(model);
  ShapeWorldOptions world;
  world.size = info.width;
  world.minObjects = world.maxObjects = 1;
  world.fills = {Fill::Solid};
  world.backgrounds = {BackgroundPattern::Plain};
  ShapeWorldOptions styleWorld = world;  // the style references: other scenes, one or two objects
  styleWorld.maxObjects = 2;
  const std::vector<Style> styles{Style::Flat, Style::Inked, Style::Soft, Style::Pixelated};
  // With an images folder: every output and reference, and results.jsonl — one line per prompt with the target
  // and each question's verdict — so a person can see which prompts fail and why (and `--rejudge` can judge again).
  std::ofstream results;
  if (!o.imagesDir.empty()) {
    std::filesystem::create_directories(o.imagesDir);
    results.open(o.imagesDir + "/results.jsonl", std::ios::trunc);
    if (!results) throw Error(o.imagesDir + "/results.jsonl: cannot write");
  }
  Tally tally;
  for (int i = 0; i < o.count; ++i) {
    Rng rng(o.seed * 1000003ULL + static_cast<uint64_t>(i));
    const Scene scene = sampleScene(world, rng);
    const ShapeObject& obj = scene.objects.at(0);
    const SceneCaption cap = describeScene(scene);
    const auto [pb, pe] = cap.objectSpans.at(0);
    const std::string before = cap.text.substr(0, pb), after = cap.text.substr(pe);
    const RenderedScene target = renderScene(scene, Style::Flat, rng.next());
    const Image reference = cropToBox(target.image, obj.box);
    const Style style = styles[static_cast<size_t>(rng.below(static_cast<int64_t>(styles.size())))];
    const Image styleRef = renderScene(sampleScene(styleWorld, rng), style, rng.next()).image;

    auto run = [&](std::vector<GenerationSegment> prompt, const std::string& tag) {
      GenerationRequest r;
      r.prompt = std::move(prompt);
      r.seed = static_cast<uint64_t>(i);
      r.steps = o.steps;
      if (o.cfg > 0) r.cfg = o.cfg;
      r.sampler = o.sampler;
      r.previews = false;
      GenerationResult g = generate(model, r);
      if (!o.imagesDir.empty()) writeImage(o.imagesDir + "/" + std::to_string(i) + "-" + tag + ".png", g.images.at(0));
      return analyseShapes(g.images.at(0));
    };
    PromptVerdicts v;
    v.colour = obj.colour, v.shape = obj.shape, v.style = style;
    // The ceiling: the target itself through the VAE.
    const Image roundTrip = vaeRoundTrip(model, target.image);
    v.ceiling = analyseShapes(roundTrip);
    const std::string flat = ", in flat style";
    // (a) the object named only in words
    v.text = run({GenerationSegment::makeText(cap.text + flat)}, "a-text");
    // (b) the object given only as an image
    v.image = run({GenerationSegment::makeText(before), GenerationSegment::makeImage(reference),
                   GenerationSegment::makeText(after + flat)},
                  "b-image");
    // (b0) the same prompt without its image
    v.baseline = run({GenerationSegment::makeText(squeezeSpaces(before + after + flat))}, "b0-baseline");
    // (c) the style given by a reference image
    v.styled =
        run({GenerationSegment::makeText(cap.text + ", in the style of"), GenerationSegment::makeImage(styleRef)},
            "c-style-" + styleName(style));
    nlohmann::json line = tally.add(v);
    if (!o.imagesDir.empty()) {
      writeImage(o.imagesDir + "/" + std::to_string(i) + "-ref-object.png", reference);
      writeImage(o.imagesDir + "/" + std::to_string(i) + "-ref-style.png", styleRef);
      writeImage(o.imagesDir + "/" + std::to_string(i) + "-target-vae.png", roundTrip);
    }
    if (results.is_open()) {
      line["index"] = i;
      line["target"] = {{"colour", shapeColours().at(static_cast<size_t>(obj.colour)).name},
                        {"shape", shapeName(obj.shape)},
                        {"size", sizeName(obj.size)}};
      results << line.dump() << "\n" << std::flush;
      if (!results) throw Error(o.imagesDir + "/results.jsonl: write failed (disk full?)");
    }
    if (o.progress) o.progress(i + 1, o.count);
  }
  ShapeEvalResult r = tally.result();
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

ShapeEvalResult rejudgeShapeEval(const std::string& dir, const std::function<void(int, int)>& progress) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::string path = dir + "/results.jsonl";
  std::ifstream in(path);
  if (!in) throw Error(path + ": cannot open (an images folder of `mumu eval --suite shapes --images DIR`)");
  std::vector<std::pair<int, nlohmann::json>> lines;  // (line number in the file, its JSON)
  std::string text;
  for (int lineNo = 1; std::getline(in, text); ++lineNo) {
    if (text.empty()) continue;
    try {
      lines.emplace_back(lineNo, nlohmann::json::parse(text));
    } catch (const nlohmann::json::exception& e) {
      throw Error(path + ":" + std::to_string(lineNo) + ": not JSON (" + e.what() + ")");
    }
  }
  if (lines.empty()) throw Error(path + ": no results to judge");
  Tally tally;
  for (size_t k = 0; k < lines.size(); ++k) {
    const auto& [lineNo, j] = lines[k];
    const std::string where = path + ":" + std::to_string(lineNo);
    PromptVerdicts v;
    std::string prefix, styleTag;
    try {
      v.colour = parseColour(j.at("target").at("colour").get<std::string>());
      v.shape = parseShape(j.at("target").at("shape").get<std::string>());
      styleTag = j.at("style_reference").at("style").get<std::string>();
      v.style = parseStyle(styleTag);
      prefix = dir + "/" + std::to_string(j.at("index").get<int>()) + "-";
    } catch (const nlohmann::json::exception& e) {
      throw Error(where + ": " + e.what());
    } catch (const Error& e) {
      throw Error(where + ": " + e.what());
    }
    v.ceiling = analyseShapeFile(prefix + "target-vae.png");
    v.text = analyseShapeFile(prefix + "a-text.png");
    v.image = analyseShapeFile(prefix + "b-image.png");
    v.baseline = analyseShapeFile(prefix + "b0-baseline.png");
    v.styled = analyseShapeFile(prefix + "c-style-" + styleTag + ".png");
    tally.add(v);
    if (progress) progress(static_cast<int>(k + 1), static_cast<int>(lines.size()));
  }
  ShapeEvalResult r = tally.result();
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace mumu::training
