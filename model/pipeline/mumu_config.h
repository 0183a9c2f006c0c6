// mumu_config.h — the MUMU model package description (`mumu.json`): which VLM, tokenizer, connector, UNet, VAE
// and scheduler make up a model, and where their weights are. One code path for every size: the full-size
// `mumu-xl` and the small test configs differ only in numbers.
//
// mumu.json (format_version 1); every path is relative to the package folder unless absolute:
//   {
//     "format": "mumu-package", "format_version": 1, "name": "small",
//     "vlm":       {"config": {<Idefics2 config.json>}  |  "path": "<Idefics2 folder>",
//                   "grid_size": 18, "weights": "vlm.safetensors"},
//     "tokenizer": {"path": "tokenizer.json"},          // omitted / "default": the package's tokenizer.json, else
//                                                       // the Mistral tokenizer installed with MUMU's assets
//     "connector": {"config": {<MumuConnectorConfig keys>}, "weights": "connector.safetensors"},
//     "unet":      {"config": {<diffusers config.json>}  |  "path": "<diffusers folder or SDXL single file>",
//                   "weights": "unet.safetensors"},
//     "vae":       {same as unet},
//     "scheduler": {"config": {<scheduler_config.json>}, "sampler": "ddim", "steps": 50, "cfg": 6.0},
//     "default_size": [1024, 1024],
//     "weights": "model.safetensors"   // optional: one file holding every part under "vlm.", "connector.",
//   }                                  //           "unet.", "vae." (used for a part without its own "weights")
// A part given by "path" takes its weights from there (Idefics2: model.safetensors or shards; diffusers folder: the
// unet/ or vae/ component or the folder itself; single file: model.diffusion_model.* / first_stage_model.*) unless
// "weights" names a package file. The VLM's "use_perceiver" is forced to false (MUMU mode).
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "model/connector/mumu_connector.h"
#include "model/diffusion/config.h"
#include "model/diffusion/schedulers.h"
#include "model/pipeline/idefics2.h"

namespace mumu {

// Where one part's architecture and weights come from.
struct MumuPart {
  nlohmann::json config;  // inline config (null when `path` names a folder or file)
  std::string path;       // as written in mumu.json ("" = none)
  std::string weights;    // package file holding the part's tensors ("" = from `path` or the package file)
};

struct MumuConfig {
  std::string name;
  MumuPart vlm, connector, unet, vae;
  int gridSize = 18;         // vlm.grid_size: patches per image side in MUMU mode (18 → 324 tokens)
  std::string tokenizer;     // tokenizer.path ("" = default)
  nlohmann::json scheduler;  // scheduler.config (scheduler_config.json keys)
  std::string sampler = "ddim";
  int steps = 50;
  double cfg = 6.0;
  int width = 1024, height = 1024;  // default_size
  std::string weights;              // the optional all-in-one file

  // Resolved by parseMumuConfig / builtinMumuConfig (read from `path` configs where given).
  Idefics2Config vlmConfig;
  MumuConnectorConfig connectorConfig;
  UNet2DConditionConfig unetConfig;
  AutoencoderKLConfig vaeConfig;
  SchedulerConfig schedulerConfig;
};

// Parses mumu.json's content; `baseDir` resolves relative paths of parts given by "path". Throws mumu::Error
// "<source>: <key>: <problem>" for a malformed or inconsistent description (e.g. connector output_dim ≠ the
// UNet's cross_attention_dim).
MumuConfig parseMumuConfig(const nlohmann::json& json, const std::string& source, const std::string& baseDir);
// Reads <dir>/mumu.json.
MumuConfig loadMumuConfig(const std::string& dir);
// The mumu.json content of `config` (inline configs kept as given).
nlohmann::json toJson(const MumuConfig& config);
// The size checks across parts, for configs built in code.
void validateMumuConfig(const MumuConfig& config, const std::string& source);

// Built-in configs: "mumu-xl" (Idefics2-8B in MUMU mode, 18×18 grid; connector 16 × 2048, 4096 → 2048 + pooled
// 1280; SDXL base UNet and VAE; DDIM 50 steps, CFG 6, 1024²), "nano" (the shipped CPU model's architecture: ~7 M
// parameters plus the 32,003-row embedding, 64×64 output through a ×4 VAE) and "small" (a few hundred thousand parameters plus
// the 32,003-row embedding, 32×32 output: tests and development). Each part inline, weights in four files.
MumuConfig builtinMumuConfig(const std::string& name);
std::vector<std::string> builtinMumuConfigNames();

// A package part path resolved against the package folder (absolute paths stay).
std::string resolvePackagePath(const std::string& dir, const std::string& path);

}  // namespace mumu
