// pipeline.h — MUMU generation: prompt segments (text and reference images, each with a span weight) → token ids
// and spans → Idefics2 VLM in MUMU mode (every patch a token) → MUMU connector → sampling loop (any scheduler,
// classifier-free guidance against the empty prompt, SDXL time ids) → VAE decode → 8-bit RGB images.
//
//   auto model = openMumuPackage("resources/models/nano");          // validates every file and tensor
//   GenerationRequest r;
//   r.prompt = {GenerationSegment::text("a red "), GenerationSegment::image(readImage("star.png"), 0.8)};
//   r.seed = 42, r.batch = 2;
//   GenerationResult out = generate(*model, r, [](const GenerationProgress& p) { return true; });
//
// The VLM and connector run once per prompt (and once for the unconditional prompt) and are reused by every step
// and batch item. Each image i draws its noise from its own SeededNoise(seeds[i]), so a recorded seed and RNG name
// reproduce it (on the same device type, with the same batch).
//
// Span weights: a segment's weight w adds log(w) to the UNet cross-attention logits of its tokens (conditional
// half only): 1 changes nothing (bit-identical), 0 removes the span from cross-attention, monotone between.
// Attention record (off by default, free when off): per image and segment, the cross-attention probability mass
// on the segment's tokens at every latent position, averaged over heads, cross-attention layers and steps.
//
// Deliberately light: no idefics2.h and no torch/torch.h, so the CLI and core/ include it cheaply.
#pragma once

#include <ATen/core/Tensor.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/io/image_file.h"

namespace mumu {

struct MumuModel;  // model/pipeline/mumu_model.h

struct GenerationSegment {
  bool isImage = false;
  std::string text;                        // text segment: the words, exactly
  Image image;                             // image segment: any channel count (converted to RGB)
  std::optional<std::array<int, 4>> crop;  // image segment: x, y, w, h in pixels of `image`
  double weight = 1.0;                     // 0 … 10

  static GenerationSegment makeText(std::string text, double weight = 1.0);
  static GenerationSegment makeImage(Image image, double weight = 1.0, std::optional<std::array<int, 4>> crop = {});
};

struct GenerationRequest {
  std::vector<GenerationSegment> prompt;
  std::vector<GenerationSegment> negative;  // empty: the empty prompt (computed once per model)
  int width = 0, height = 0;                // 0: the package's default_size
  int steps = 0;                            // 0: the package's default
  std::optional<double> cfg;                // unset: the package's default; 1 = no unconditional pass
  std::string sampler;                      // a makeScheduler name; "": the package's default
  uint64_t seed = 0;                        // image i gets seed + i ...
  std::vector<uint64_t> seeds;              // ... unless given here (one per image)
  int batch = 1;
  bool recordAttention = false;
  bool previews = true;          // latent previews in the progress callback (SDXL-like 4-channel latents)
  int previewMaxSide = 0;        // 0: one pixel per latent
  bool cpuAutocastBf16 = false;  // CPU: run the UNet under bf16 autocast (faster, not bit-identical to float32)
};

struct GenerationProgress {
  int step = 0, total = 0;      // steps done (1 … total)
  std::vector<Image> previews;  // one per image (empty when previews are off or unavailable)
  double elapsedSeconds = 0;
};
// Return false to cancel (checked after every step).
using ProgressFn = std::function<bool(const GenerationProgress&)>;

struct GenerationTimings {
  double conditioning = 0;  // tokenizer, image preprocessing, VLM, connector (prompt and unconditional)
  double sampling = 0;      // every UNet step and scheduler update
  double decode = 0;        // VAE decode and conversion to 8 bit
  double total = 0;
  int steps = 0;
};

struct GenerationResult {
  bool cancelled = false;               // true: no images
  std::vector<Image> images;            // RGB8, width × height
  std::vector<uint64_t> seeds;          // per image
  std::vector<std::string> rngSources;  // per image: NoiseSource::name()
  std::string sampler;                  // the resolved request
  int steps = 0, width = 0, height = 0;
  double cfg = 0;
  std::string device, dtype;  // "cpu" / "cuda", "float32" / "bfloat16" / "float16"
  at::Tensor attention;       // float32 [batch, prompt segments, h, w] at latent resolution, or undefined
  GenerationTimings timings;
};

// Runs one request. Throws mumu::Error for a bad request ("prompt[1]: crop 0,0,900,10 lies outside the 64×64
// image", "size 30x30: ..."); cancellation (callback or *cancel) returns cancelled = true within one step.
GenerationResult generate(MumuModel& model, const GenerationRequest& request, const ProgressFn& progress = {},
                          const std::atomic<bool>* cancel = nullptr);

// The image after the model's VAE: encoded to its latent mean and decoded, at the image's own size (a multiple of
// the VAE's factor). What any generation of this model can show at best — the evaluation's ceiling.
Image vaeRoundTrip(MumuModel& model, const Image& image);

// The conditioning of one prompt as the UNet takes it (the trainer's path; generate() uses the same code):
// connector states [1, L, D] and pooled vector [1, P] (undefined when the connector has none). Runs with the
// caller's grad mode, so gradients reach the VLM and connector when they require them.
struct PromptConditioning {
  at::Tensor states, pooled;
};
PromptConditioning encodeMumuPrompt(MumuModel& model, const std::vector<GenerationSegment>& prompt,
                                    const std::string& where = "prompt");

// Many prompts in one pass of the VLM and connector (the trainer's batch): states [B, L, D] right-padded to the
// longest prompt, pooled [B, P], and each prompt's length (its states are the first lengths[i] rows; the rest is
// padding to mask in cross-attention). Each row equals encodeMumuPrompt of that prompt up to float rounding. `where`
// names each prompt in errors (empty: "prompt i").
struct BatchConditioning {
  at::Tensor states, pooled;
  std::vector<int64_t> lengths;
};
BatchConditioning encodeMumuPrompts(MumuModel& model, const std::vector<std::vector<GenerationSegment>>& prompts,
                                    const std::vector<std::string>& where = {});

// ---- the package, for code that does not include mumu_model.h ----

struct MumuModelInfo {
  std::string name, dir, hash, device, dtype, sampler;
  int steps = 0, width = 0, height = 0, gridSize = 0, imageTokens = 0;
  double cfg = 0;
};

// loadMumuModel (mumu_model.h). device: cpu | cuda | cuda:N | auto; dtype: "" (auto) | float32 | bfloat16 | float16.
std::shared_ptr<MumuModel> openMumuPackage(const std::string& dir, const std::string& device = "cpu",
                                           const std::string& dtype = "");
MumuModelInfo describeMumuModel(const MumuModel& model);
// Merges a LoRA file (kohya, PEFT or MUMU format; model/lora) into the model's UNet weights at `strength`, and folds
// the file's SHA-256 and the strength into the model hash (recipes then name the combination). Throws mumu::Error
// naming the file and the first key that does not fit.
void mergeLoraIntoMumuModel(MumuModel& model, const std::string& path, double strength = 1.0);
// Writes the model (weights as they are now, LoRA merges included) as a package; see mumu_model.h.
void saveMumuPackage(const MumuModel& model, const std::string& dir);
// Rewrites a package with its weights stored as `dtype` (float32 | float16 | bfloat16; loading converts them to the
// run dtype), without its tokenizer.json copy unless keepTokenizer (then mumu.json says "default").
void convertMumuPackage(const std::string& in, const std::string& out, const std::string& dtype, bool keepTokenizer);
// createRandomMumuPackage(builtinMumuConfig(configName), dir, seed).
void createRandomMumuPackageNamed(const std::string& configName, const std::string& dir, uint64_t seed);
std::map<std::string, int64_t> countMumuParametersNamed(const std::string& configName);
std::vector<std::string> mumuBuiltinConfigNames();
std::vector<std::string> mumuSamplerNames();

}  // namespace mumu
