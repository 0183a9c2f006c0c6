// shape_eval.h — `mumu eval --suite shapes`: does a MUMU model trained on shape-world data follow its prompts?
// Held-out single-object scenes (a seed the training data never used), each asked for in four ways, every output
// judged by the shape analyser:
//   (a) text      "a large red circle on a plain background, in flat style"        → a red circle?
//   (b) image     "a <img> on a plain background, in flat style" (img: the object) → same colour and shape?
//   (b0) baseline (b) with the image removed: what the words alone give (chance level) — shows the image matters
//   (c) style     "a large red circle on a plain background, in the style of <img>" (img: another scene in style S)
//                 → the output's style is S?
//   ceiling       the target scene itself after the model's VAE (encode + decode): what the analyser finds there
//                 bounds what any generation of this model can score on (a) and (b)
// No copy-paste measure here: in shape world every object of one colour and shape looks the same, so a copy cannot be
// told from a faithful drawing (a face-embedding measure on photos would be the place for it).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

namespace mumu {
struct MumuModel;
}

namespace mumu::training {

struct ShapeEvalOptions {
  int count = 200;        // held-out prompts per question
  uint64_t seed = 9001;   // held-out scenes (the nano data uses seeds < 100)
  int steps = 0;          // 0: the model's default
  double cfg = 0;         // 0: the model's default
  std::string sampler;    // "": the model's default
  std::string imagesDir;  // when set: every output and reference written here (for people to look at)
  std::function<void(int done, int total)> progress;
};

struct ShapeEvalResult {
  int count = 0;
  double text = 0, image = 0, imageBaseline = 0, style = 0;         // shares in [0, 1]: colour and shape right
  double textColour = 0, imageColour = 0, imageBaselineColour = 0;  // the colour alone right (a weaker bar)
  double ceiling = 0, ceilingColour = 0;                            // the targets through the VAE
  double seconds = 0;
  nlohmann::json toJson() const;
};

ShapeEvalResult runShapeEval(MumuModel& model, const ShapeEvalOptions& options);

// Judges a saved run again (its --images folder: results.jsonl and the images) with today's analyser, without the
// model: the same shares as the run, or different ones where the analyser has changed. Throws mumu::Error naming the
// file for a missing or malformed results.jsonl or image.
ShapeEvalResult rejudgeShapeEval(const std::string& dir, const std::function<void(int done, int total)>& progress = {});

struct ShapeAnalysis;
// What the analyser found in one image, as results.jsonl writes it: {"found": [{colour, shape, iou, area}…], "style"}.
nlohmann::json describeAnalysis(const ShapeAnalysis& analysis);
// analyseShapes of an image file; every error names the file.
ShapeAnalysis analyseShapeFile(const std::string& path);

}  // namespace mumu::training
