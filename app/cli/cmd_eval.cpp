// `mumu eval --suite shapes`: does a model follow its prompts? (training/eval/shape_eval.h)
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "args.h"
#include "commands.h"
#include "model/io/image_file.h"
#include "model/pipeline/pipeline.h"
#include "training/eval/shape_analyser.h"
#include "training/eval/shape_eval.h"

namespace mumu::cli {

namespace {

void printResult(const training::ShapeEvalResult& r, bool json) {
  if (json) {
    std::cout << r.toJson().dump() << "\n";
  } else {
    std::printf("shapes suite, %d held-out prompts per question (%.0f s)\n", r.count, r.seconds);
    std::printf("                                       colour+shape  colour only\n");
    std::printf("  (a)  object named in text            %5.1f %%      %5.1f %%\n", 100 * r.text, 100 * r.textColour);
    std::printf("  (b)  object given only as an image   %5.1f %%      %5.1f %%\n", 100 * r.image, 100 * r.imageColour);
    std::printf("  (b0) (b) with the image removed      %5.1f %%      %5.1f %%   (baseline)\n", 100 * r.imageBaseline,
                100 * r.imageBaselineColour);
    std::printf("  (c)  style of a style reference      %5.1f %%   (4 styles: chance 25 %%)\n", 100 * r.style);
    std::printf("  ceiling: the targets through the VAE %5.1f %%      %5.1f %%\n", 100 * r.ceiling,
                100 * r.ceilingColour);
  }
}

}  // namespace

int runEval(const std::vector<std::string>& args) {
  const std::vector<FlagSpec> flags = {
      {"suite", "NAME", "evaluation suite: shapes"},
      {"model", "DIR", "model package"},
      {"count", "N", "held-out prompts per question (default 200)"},
      {"seed", "S", "held-out scene seed (default 9001)"},
      {"steps", "N", "sampling steps (default: the model's)"},
      {"cfg", "X", "guidance scale (default: the model's)"},
      {"sampler", "NAME", "sampler (default: the model's)"},
      {"images", "DIR", "write every output and reference image here, and results.jsonl (a line per prompt)"},
      {"device", "DEV", "cpu | cuda | cuda:N | auto (default cpu)"},
      {"dtype", "TYPE", "float32 | bfloat16 | float16 (default: float32 on CPU, bfloat16 on CUDA)"},
      {"rejudge", "DIR", "judge a saved --images folder again with this build's analyser (no model needed)"},
      {"analyse", "", "print what the shape analyser sees in each IMAGE given after the flags (a JSON line each)"},
      {"json", "", "print the result as JSON"},
      {"help", "", "show this help"},
  };
  const ParsedArgs a = parseArgs("eval", args, flags, -1);
  if (a.has("help")) {
    std::cout
        << "Usage: mumu eval --suite shapes --model DIR [flags]\n"
           "       mumu eval --suite shapes --rejudge DIR [--json]\n"
           "       mumu eval --analyse IMAGE...\n\n"
           "Asks a model trained on shape-world data for held-out scenes four ways and judges every image with\n"
           "the shape analyser: (a) object named in text, (b) object given only as an image, (b0) (b) without\n"
           "its image (the baseline), (c) style given by a reference image. Prints the share of successes, and the\n"
           "ceiling: the share found in the target images themselves after the model's VAE.\n\n"
        << formatFlags(flags);
    return 0;
  }
  if (a.has("analyse")) {
    if (a.positional.empty()) throw UsageError{"--analyse needs one or more image files"};
    for (const std::string& file : a.positional) {
      nlohmann::json j = training::describeAnalysis(training::analyseShapeFile(file));
      j["file"] = file;
      std::cout << j.dump() << "\n";
    }
    return 0;
  }
  if (!a.positional.empty()) throw UsageError{"unexpected argument '" + a.positional.front() + "'"};
  if (a.get("suite") != "shapes") throw UsageError{"--suite shapes is the only suite"};
  const bool json = a.has("json");
  const bool bar = !json && ::isatty(STDERR_FILENO);
  auto progress = [&](int done, int total) {
    if (bar) std::fprintf(stderr, "\reval %d/%d ", done, total);
  };
  if (a.has("rejudge")) {
    if (a.has("model")) throw UsageError{"--rejudge judges saved images: it takes no --model"};
    const training::ShapeEvalResult r = training::rejudgeShapeEval(a.get("rejudge"), progress);
    if (bar) std::fprintf(stderr, "\n");
    printResult(r, json);
    return 0;
  }
  if (!a.has("model")) throw UsageError{"--model is required"};
  training::ShapeEvalOptions o;
  o.count = static_cast<int>(a.getInt("count", 200, 1, 100000));
  o.seed = static_cast<uint64_t>(a.getInt("seed", 9001, 0, 1LL << 62));
  o.steps = static_cast<int>(a.getInt("steps", 0, 0, 1000));
  o.cfg = a.has("cfg") ? std::stod(a.get("cfg")) : 0.0;
  o.sampler = a.get("sampler");
  o.imagesDir = a.get("images");
  o.progress = progress;
  auto model = openMumuPackage(a.get("model"), a.get("device", "cpu"), a.get("dtype"));
  const training::ShapeEvalResult r = training::runShapeEval(*model, o);
  if (bar) std::fprintf(stderr, "\n");
  printResult(r, json);
  return 0;
}

}  // namespace mumu::cli
