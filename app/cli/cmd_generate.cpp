// `mumu generate`: an interleaved prompt in, PNGs with their recipe out; and `mumu package`: random-weight model
// packages (tests, development, the trainer's start) and a package's or built-in config's sizes.
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <limits>
#include <random>
#include <sstream>

#include "args.h"
#include "commands.h"
#include "model/error.h"
#include "model/io/image_file.h"
#include "model/io/png_metadata.h"
#include "model/pipeline/generation_io.h"
#include "model/pipeline/pipeline.h"
#include "model/runtime.h"

namespace mumu::cli {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::atomic<bool> gCancel{false};

extern "C" void onSigint(int) {
  gCancel.store(true);
  std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C ends the process at once
}

std::string readTextFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, fs::exists(path) ? "cannot be read" : "no such file");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// "WxH" → (w, h).
std::pair<int, int> parseSize(const std::string& s) {
  const auto x = s.find_first_of("xX");
  try {
    if (x == std::string::npos) throw std::invalid_argument("");
    size_t a = 0, b = 0;
    const int w = std::stoi(s.substr(0, x), &a), h = std::stoi(s.substr(x + 1), &b);
    if (a != x || b != s.size() - x - 1 || w <= 0 || h <= 0) throw std::invalid_argument("");
    return {w, h};
  } catch (const std::exception&) {
    throw UsageError{"--size expects WIDTHxHEIGHT, e.g. 1024x1024, got '" + s + "'"};
  }
}

// The output path of image `index`: {seed} and {index} in the pattern are replaced; with neither, a batch adds
// "-<index>" before the extension.
std::string outputPath(const std::string& pattern, size_t index, size_t count, uint64_t seed) {
  std::string p = pattern;
  auto replace = [&](const std::string& key, const std::string& value) {
    for (size_t at; (at = p.find(key)) != std::string::npos;) p.replace(at, key.size(), value);
  };
  const bool unique = p.find("{index}") != std::string::npos || p.find("{seed}") != std::string::npos;
  replace("{seed}", std::to_string(seed));
  replace("{index}", std::to_string(index));
  if (count > 1 && !unique) {
    fs::path f(p);
    p = (f.parent_path() / (f.stem().string() + "-" + std::to_string(index) + f.extension().string())).string();
  }
  return p;
}

// An attention map [h, w] → 8-bit grayscale scaled to its maximum.
Image attentionImage(const at::Tensor& map) {
  at::Tensor m = map.to(at::kFloat).contiguous();
  const double mx = m.max().item<double>();
  at::Tensor u8 = (mx > 0 ? m / mx * 255.0 : m).round().clamp(0, 255).to(at::kByte).contiguous();
  Image img;
  img.height = static_cast<int>(u8.size(0));
  img.width = static_cast<int>(u8.size(1));
  img.channels = 1;
  img.pixels.assign(u8.data_ptr<uint8_t>(), u8.data_ptr<uint8_t>() + u8.numel());
  return img;
}

void printBar(int step, int total, double elapsed) {
  const int width = 30, filled = total > 0 ? step * width / total : 0;
  std::cerr << "\r[" << std::string(filled, '#') << std::string(width - filled, ' ') << "] " << step << "/" << total
            << "  " << std::fixed << std::setprecision(1) << elapsed << " s" << std::flush;
}

}  // namespace

int runGenerate(const std::vector<std::string>& args) {
  const std::vector<FlagSpec> flags = {
      {"model", "DIR", "model package folder (mumu.json); default resources/models/nano"},
      {"prompt", "TEXT", "prompt: text, [img:ref.png:0.8@x,y,w,h], (weighted text:1.3), or a JSON segment list"},
      {"prompt-file", "FILE", "read the prompt from FILE (image paths relative to its folder)"},
      {"negative", "TEXT", "negative prompt (default: the empty prompt)"},
      {"steps", "N", "sampling steps (default: the package's)"},
      {"cfg", "X", "classifier-free guidance scale (default: the package's; 1 = no guidance)"},
      {"sampler", "NAME", "ddim, euler, euler_karras, euler_a, dpmpp_2m, dpmpp_2m_karras (default: the package's)"},
      {"seed", "N", "seed of the first image (image i uses seed + i; default: random)"},
      {"batch", "N", "number of images (default 1)"},
      {"size", "WxH", "image size (default: the package's)"},
      {"out", "PATH", "output PNG or pattern with {seed} / {index} (default mumu-{seed}.png)"},
      {"device", "DEV", "cpu, cuda, cuda:N or auto (default cpu; with --from, the recipe's device type)"},
      {"dtype", "TYPE", "float32, bfloat16, float16 (default: float32 on CPU, bfloat16 on CUDA; with --from, the recipe's)"},
      {"bf16", "", "CPU: run the UNet under bfloat16 autocast (faster, not bit-identical to float32)"},
      {"preview-dir", "DIR", "write a latent preview PNG per step and image into DIR"},
      {"attention-dir", "DIR", "record cross-attention and write one grayscale map per image and prompt segment"},
      {"lora", "FILE[:S]", "merge a LoRA file into the UNet at strength S (default 1) before generating"},
      {"json", "", "machine-readable progress: one JSON object per line on stdout"},
      {"from", "IMAGE", "regenerate IMAGE.png from its embedded recipe (references found by path or SHA-256)"},
      {"help", "", "show this help"},
  };
  const ParsedArgs a = parseArgs("generate", args, flags);
  if (a.has("help")) {
    std::cout << "Usage: mumu generate --model DIR --prompt TEXT [flags]\n"
                 "       mumu generate --model DIR --from IMAGE.png [--out PATH]\n\n"
                 "Generates images from a prompt that mixes text and reference images. Every PNG carries an\n"
                 "A1111 'parameters' chunk and the full recipe ('mumu' iTXt). Ctrl-C cancels between steps\n"
                 "(nothing is written).\n\n"
              << formatFlags(flags);
    return 0;
  }
  const bool jsonOut = a.has("json");
  const int given = (a.has("prompt") ? 1 : 0) + (a.has("prompt-file") ? 1 : 0) + (a.has("from") ? 1 : 0);
  if (given != 1) throw UsageError{"give exactly one of --prompt, --prompt-file and --from"};
  std::string modelDir = a.get("model");
  if (modelDir.empty()) {
    if (!fs::exists("resources/models/nano/mumu.json")) throw UsageError{"--model DIR is required"};
    modelDir = "resources/models/nano";
  }

  // The request: from a recipe, or from the flags.
  GenerationRequest req;
  Prompt prompt;
  std::string negativeText = a.get("negative");
  std::string defaultOut = "mumu-{seed}.png";
  std::optional<Recipe> fromRecipe;
  if (a.has("from")) {
    const std::string png = a.get("from");
    auto rec = readRecipeFromPng(png);
    if (!rec) fail(png, "no recipe in this image (neither a 'mumu' nor a 'parameters' chunk)");
    if (rec->origin == RecoveredRecipe::A1111 && !jsonOut)
      std::cerr << "note: " << png << " has only an A1111 'parameters' chunk; regenerating from what it states\n";
    fromRecipe = rec->recipe;
    req = requestFromRecipe(rec->recipe, png, &prompt);
    negativeText = rec->recipe.negativePrompt;
    defaultOut = (fs::path(png).parent_path() / (fs::path(png).stem().string() + "-again.png")).string();
  } else {
    std::string text = a.get("prompt"), base;
    std::string source = "prompt";
    if (a.has("prompt-file")) {
      source = a.get("prompt-file");
      text = readTextFile(source);
      while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
      base = fs::path(source).parent_path().string();
    }
    prompt = resolveImagePaths(parsePromptAny(text, source), base);
    hashPromptImages(prompt, source);
    req.prompt = generationSegments(prompt, source);
    if (!negativeText.empty()) {
      Prompt neg = resolveImagePaths(parsePromptAny(negativeText, "negative"), "");
      req.negative = generationSegments(neg, "negative");
    }
    if (a.has("seed")) {
      req.seed = static_cast<uint64_t>(a.getInt("seed", 0, 0, std::numeric_limits<long long>::max()));
    } else {
      std::random_device rd;
      req.seed = (static_cast<uint64_t>(rd()) << 20 ^ rd()) & ((uint64_t(1) << 48) - 1);
    }
    req.batch = static_cast<int>(a.getInt("batch", 1, 1, 64));
    req.steps = static_cast<int>(a.getInt("steps", 0, 1, 1000));
    if (a.has("cfg")) req.cfg = a.getDouble("cfg", 0, 0, 100);
    req.sampler = a.get("sampler");
    if (a.has("size")) std::tie(req.width, req.height) = parseSize(a.get("size"));
  }
  req.cpuAutocastBf16 = a.has("bf16");
  const std::string previewDir = a.get("preview-dir"), attentionDir = a.get("attention-dir");
  req.previews = !previewDir.empty();
  req.recordAttention = !attentionDir.empty();

  const std::string pattern = a.get("out", defaultOut);
  if (fs::path(pattern).extension() != ".png") fail(pattern, "the output must be a .png file (it carries the recipe)");

  const auto t0 = std::chrono::steady_clock::now();
  // --from honours the recorded device type and precision unless told otherwise: same device type, same pixels.
  // (A recipe without a device, e.g. recovered from A1111 text, runs where asked: the CPU by default.)
  std::string device = a.get("device", "cpu"), dtype = a.get("dtype");
  bool sameType = true;
  if (fromRecipe && !a.has("device") && !fromRecipe->deviceType.empty()) {
    std::string note;
    device = deviceForRecorded(fromRecipe->deviceType, &note);
    sameType = note.empty();
    if (!sameType && !jsonOut) std::cerr << "note: " << note << "\n";
  }
  // The recorded precision only on the recorded device type: a GPU's bfloat16 on a CPU would be slow and still differ.
  if (fromRecipe && !a.has("dtype") && sameType && !fromRecipe->deviceType.empty()) dtype = fromRecipe->dtype;
  auto model = openMumuPackage(modelDir, device, dtype);
  if (a.has("lora")) {
    std::string file = a.get("lora");
    double strength = 1.0;
    if (const auto colon = file.rfind(':'); colon != std::string::npos && colon + 1 < file.size() &&
                                            file.find_first_not_of("0123456789.-+eE", colon + 1) == std::string::npos) {
      try {
        strength = std::stod(file.substr(colon + 1));
        file.resize(colon);
      } catch (const std::exception&) {
        throw UsageError{"--lora expects FILE or FILE:STRENGTH, got '" + a.get("lora") + "'"};
      }
    }
    mergeLoraIntoMumuModel(*model, file, strength);
  }
  const MumuModelInfo info = describeMumuModel(*model);
  const double loadSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (fromRecipe && fromRecipe->modelHash != info.hash && !jsonOut)
    std::cerr << "warning: the image was made with model " << fromRecipe->modelName << " ("
              << fromRecipe->modelHash.substr(0, 10) << "), this is " << info.name << " (" << info.hash.substr(0, 10)
              << "): the result will differ\n";
  if (fromRecipe && !jsonOut && sameType && !fromRecipe->deviceType.empty() &&
      (fromRecipe->deviceType != info.device || fromRecipe->dtype != info.dtype))
    std::cerr << "note: the image was made on " << fromRecipe->deviceType << " in " << fromRecipe->dtype
              << ", this runs on " << info.device << " in " << info.dtype << ": the pixels will not match bit for bit\n";
  if (jsonOut)
    std::cout << json{{"event", "start"},      {"model", info.name},  {"model_hash", info.hash},
                      {"device", info.device}, {"dtype", info.dtype}, {"load_seconds", loadSeconds}}
                     .dump()
              << std::endl;

  const bool tty = !jsonOut && ::isatty(STDERR_FILENO);
  gCancel = false;
  auto previous = std::signal(SIGINT, onSigint);
  GenerationResult out;
  try {
    out = generate(
        *model, req,
        [&](const GenerationProgress& p) {
          if (jsonOut)
            std::cout
                << json{{"event", "step"}, {"step", p.step}, {"total", p.total}, {"elapsed", p.elapsedSeconds}}.dump()
                << std::endl;
          else if (tty)
            printBar(p.step, p.total, p.elapsedSeconds);
          if (!previewDir.empty()) {
            fs::create_directories(previewDir);
            for (size_t i = 0; i < p.previews.size(); ++i)
              writeImage((fs::path(previewDir) / ("step-" + std::to_string(p.step) + "-" + std::to_string(i) + ".png"))
                             .string(),
                         p.previews[i]);
          }
          return true;
        },
        &gCancel);
  } catch (...) {
    std::signal(SIGINT, previous);
    throw;
  }
  std::signal(SIGINT, previous);
  if (tty) std::cerr << "\n";
  if (out.cancelled) {
    if (jsonOut)
      std::cout << json{{"event", "cancelled"}, {"steps_done", out.timings.steps}}.dump() << std::endl;
    else
      std::cerr << "cancelled after " << out.timings.steps << " steps; nothing written\n";
    return 130;
  }

  // Write: only the requested image of a regenerated batch, every image otherwise.
  std::vector<size_t> which;
  if (fromRecipe && !fromRecipe->batchSeeds.empty())
    which = {static_cast<size_t>(fromRecipe->batchIndex)};
  else
    for (size_t i = 0; i < out.images.size(); ++i) which.push_back(i);
  for (size_t i : which) {
    const std::string path = outputPath(pattern, i, which.size(), out.seeds[i]);
    Recipe recipe = recipeForImage(prompt, negativeText, out, i, info);
    writePngWithRecipe(path, out.images[i], recipe);
    if (jsonOut)
      std::cout << json{{"event", "image"}, {"index", i}, {"path", path}, {"seed", out.seeds[i]}}.dump() << std::endl;
    else
      std::cout << path << "\n";
    if (out.attention.defined()) {
      fs::create_directories(attentionDir);
      for (int64_t s = 0; s < out.attention.size(1); ++s)
        writeImage((fs::path(attentionDir) / ("image-" + std::to_string(i) + "-segment-" + std::to_string(s) + ".png"))
                       .string(),
                   attentionImage(out.attention[static_cast<int64_t>(i)][s]));
    }
  }
  const auto& t = out.timings;
  if (jsonOut)
    std::cout << json{{"event", "done"},
                      {"seconds",
                       {{"load", loadSeconds},
                        {"conditioning", t.conditioning},
                        {"sampling", t.sampling},
                        {"decode", t.decode},
                        {"total", t.total}}},
                      {"steps", t.steps},
                      {"images", out.images.size()}}
                     .dump()
              << std::endl;
  else
    std::cerr << std::fixed << std::setprecision(2) << "done: " << out.images.size() << " image(s) in " << t.total
              << " s (conditioning " << t.conditioning << " s, sampling " << t.sampling
              << " s = " << (t.steps ? t.sampling / t.steps : 0.0) << " s/step, decode " << t.decode << " s)\n";
  return 0;
}

int runPackage(const std::vector<std::string>& args) {
  const std::vector<FlagSpec> flags = {
      {"config", "NAME", "built-in config: mumu-xl or small"},
      {"model", "DIR", "info: describe an existing package instead"},
      {"seed", "N", "create: seed of the random weights (default 0)"},
      {"out", "DIR", "create, convert: the package folder to write"},
      {"dtype", "TYPE", "convert: float32 | float16 | bfloat16 (default float16)"},
      {"no-tokenizer", "", "convert: leave out tokenizer.json (use the installed Mistral tokenizer)"},
      {"json", "", "info: print JSON"},
      {"help", "", "show this help"},
  };
  const ParsedArgs a = parseArgs("package", args, flags, 1);
  if (a.has("help") || a.positional.empty()) {
    std::cout << "Usage: mumu package create --config small --out DIR [--seed N]\n"
                 "       mumu package convert --model DIR --out DIR [--dtype float16] [--no-tokenizer]\n"
                 "       mumu package info (--config NAME | --model DIR) [--json]\n\n"
                 "create writes a model package with random weights (mumu.json, vlm/connector/unet/vae.safetensors,\n"
                 "tokenizer.json) for tests, benchmarks and as the trainer's starting point. info prints the\n"
                 "parameter counts of a built-in config (counted on the meta device, nothing allocated) or a\n"
                 "package's settings.\n\n"
              << formatFlags(flags);
    return a.has("help") ? 0 : 2;
  }
  const std::string verb = a.positional[0];
  if (verb == "create") {
    if (!a.has("config") || !a.has("out")) throw UsageError{"create needs --config NAME and --out DIR"};
    createRandomMumuPackageNamed(a.get("config"), a.get("out"),
                                 static_cast<uint64_t>(a.getInt("seed", 0, 0, std::numeric_limits<long long>::max())));
    std::cout << a.get("out") << "\n";
    return 0;
  }
  if (verb == "convert") {
    if (!a.has("model") || !a.has("out")) throw UsageError{"convert needs --model DIR and --out DIR"};
    convertMumuPackage(a.get("model"), a.get("out"), a.has("dtype") ? a.get("dtype") : "float16",
                       !a.has("no-tokenizer"));
    std::cout << "wrote " << a.get("out") << "\n";
    return 0;
  }
  if (verb == "info") {
    if (a.has("model")) {
      auto m = openMumuPackage(a.get("model"));
      const auto i = describeMumuModel(*m);
      json j = {{"name", i.name},
                {"hash", i.hash},
                {"sampler", i.sampler},
                {"steps", i.steps},
                {"cfg", i.cfg},
                {"size", {i.width, i.height}},
                {"grid_size", i.gridSize},
                {"image_tokens", i.imageTokens}};
      std::cout << (a.has("json") ? j.dump() : j.dump(2)) << "\n";
      return 0;
    }
    if (!a.has("config")) throw UsageError{"info needs --config NAME or --model DIR"};
    const auto n = countMumuParametersNamed(a.get("config"));
    if (a.has("json")) {
      std::cout << json(n).dump() << "\n";
    } else {
      for (const char* k : {"vlm", "connector", "unet", "vae", "total"})
        std::cout << std::left << std::setw(10) << k << n.at(k) << "\n";
    }
    return 0;
  }
  throw UsageError{"unknown verb '" + verb + "' (create, convert or info)"};
}

}  // namespace mumu::cli
