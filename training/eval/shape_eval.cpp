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
  nlohmann::json found = nlohmann::json::array();
  for (const auto& f : a.shapes)
    found.push_back({{"colour", shapeColours().at(static_cast<size_t>(f.colour)).name},
                     {"shape", shapeName(f.shape)},
                     {"iou", std::round(f.iou * 1000) / 1000},
                     {"area", f.area}});
  return {{"hit", hit}, {"found", found}, {"style", styleName(a.style)}};
}

}  // namespace

nlohmann::json ShapeEvalResult::toJson() const {
  return {{"count", count},           {"text", text},   {"image", image}, {"image_baseline", imageBaseline},
          {"style_reference", style}, {"text_colour", textColour}, {"image_colour", imageColour},
          {"image_baseline_colour", imageBaselineColour}, {"vae_ceiling", ceiling},
          {"vae_ceiling_colour", ceilingColour}, {"seconds", seconds}};
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
  // and each question's verdict — so a person can see which prompts fail and why.
  std::ofstream results;
  if (!o.imagesDir.empty()) {
    std::filesystem::create_directories(o.imagesDir);
    results.open(o.imagesDir + "/results.jsonl", std::ios::trunc);
    if (!results) throw Error(o.imagesDir + "/results.jsonl: cannot write");
  }

  int hitText = 0, hitImage = 0, hitBaseline = 0, hitStyle = 0, colText = 0, colImage = 0, colBaseline = 0;
  int hitCeiling = 0, colCeiling = 0;
  auto hasColour = [](const ShapeAnalysis& a, int colour) {
    for (const auto& s : a.shapes)
      if (s.colour == colour) return true;
    return false;
  };
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

    auto run = [&](std::vector<GenerationSegment> prompt, const char* tag) {
      GenerationRequest r;
      r.prompt = std::move(prompt);
      r.seed = static_cast<uint64_t>(i);
      r.steps = o.steps;
      if (o.cfg > 0) r.cfg = o.cfg;
      r.sampler = o.sampler;
      r.previews = false;
      GenerationResult g = generate(model, r);
      if (!o.imagesDir.empty())
        writeImage(o.imagesDir + "/" + std::to_string(i) + "-" + tag + ".png", g.images.at(0));
      return analyseShapes(g.images.at(0));
    };
    // The ceiling: the target itself through the VAE.
    const Image roundTrip = vaeRoundTrip(model, target.image);
    const ShapeAnalysis ceiling = analyseShapes(roundTrip);
    const bool ceilingHit = ceiling.contains(obj.colour, obj.shape);
    hitCeiling += ceilingHit;
    colCeiling += hasColour(ceiling, obj.colour);
    const std::string flat = ", in flat style";
    // (a) the object named only in words
    const ShapeAnalysis a = run({GenerationSegment::makeText(cap.text + flat)}, "a-text");
    const bool textHit = a.contains(obj.colour, obj.shape);
    hitText += textHit;
    colText += hasColour(a, obj.colour);
    // (b) the object given only as an image
    const ShapeAnalysis b = run({GenerationSegment::makeText(before), GenerationSegment::makeImage(reference),
                                 GenerationSegment::makeText(after + flat)},
                                "b-image");
    const bool imageHit = b.contains(obj.colour, obj.shape);
    hitImage += imageHit;
    colImage += hasColour(b, obj.colour);
    // (b0) the same prompt without its image
    const ShapeAnalysis b0 = run({GenerationSegment::makeText(squeezeSpaces(before + after + flat))}, "b0-baseline");
    const bool baselineHit = b0.contains(obj.colour, obj.shape);
    hitBaseline += baselineHit;
    colBaseline += hasColour(b0, obj.colour);
    // (c) the style given by a reference image
    const ShapeAnalysis c =
        run({GenerationSegment::makeText(cap.text + ", in the style of"), GenerationSegment::makeImage(styleRef)},
            (std::string("c-style-") + styleName(style)).c_str());
    const bool styleHit = c.style == style;
    hitStyle += styleHit;
    if (!o.imagesDir.empty()) {
      writeImage(o.imagesDir + "/" + std::to_string(i) + "-ref-object.png", reference);
      writeImage(o.imagesDir + "/" + std::to_string(i) + "-ref-style.png", styleRef);
      writeImage(o.imagesDir + "/" + std::to_string(i) + "-target-vae.png", roundTrip);
    }
    if (results.is_open()) {
      const nlohmann::json line = {
          {"index", i},
          {"target",
           {{"colour", shapeColours().at(static_cast<size_t>(obj.colour)).name},
            {"shape", shapeName(obj.shape)},
            {"size", sizeName(obj.size)}}},
          {"text", describe(a, textHit)},
          {"image", describe(b, imageHit)},
          {"image_baseline", describe(b0, baselineHit)},
          {"style_reference", {{"style", styleName(style)}, {"found", styleName(c.style)}, {"hit", styleHit}}},
          {"vae_ceiling", describe(ceiling, ceilingHit)}};
      results << line.dump() << "\n" << std::flush;
      if (!results) throw Error(o.imagesDir + "/results.jsonl: write failed (disk full?)");
    }
    if (o.progress) o.progress(i + 1, o.count);
  }
  ShapeEvalResult r;
  r.count = o.count;
  const double n = std::max(1, o.count);
  r.text = hitText / n, r.image = hitImage / n, r.imageBaseline = hitBaseline / n, r.style = hitStyle / n;
  r.ceiling = hitCeiling / n, r.ceilingColour = colCeiling / n;
  r.textColour = colText / n, r.imageColour = colImage / n, r.imageBaselineColour = colBaseline / n;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace mumu::training
