// mumu_config.cpp — see mumu_config.h.
#include "model/pipeline/mumu_config.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "model/error.h"
#include "model/io/json_limits.h"

namespace mumu {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

json readJsonFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, fs::exists(path) ? "cannot be read" : "no such file");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  checkJsonDepth(text, path);
  try {
    return json::parse(text);
  } catch (const json::exception& e) {
    fail(path, std::string("invalid JSON: ") + e.what());
  }
}

std::string readString(const json& j, const char* key, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return {};
  if (!it->is_string()) fail(where, std::string(key) + ": expected a string");
  return it->get<std::string>();
}

MumuPart readPart(const json& root, const char* key, const std::string& source, bool pathAllowed) {
  auto it = root.find(key);
  if (it == root.end()) fail(source, std::string(key) + ": missing (every package names its " + key + ")");
  if (!it->is_object()) fail(source, std::string(key) + ": expected an object");
  const std::string where = source + ": " + key;
  MumuPart p;
  if (auto c = it->find("config"); c != it->end() && !c->is_null()) {
    if (!c->is_object()) fail(where, "config: expected an object");
    p.config = *c;
  }
  p.path = readString(*it, "path", where);
  p.weights = readString(*it, "weights", where);
  if (!pathAllowed && !p.path.empty()) fail(where, "path: not supported for this part (give \"config\")");
  if (p.config.is_null() && p.path.empty()) fail(where, "needs \"config\" or \"path\"");
  if (!p.config.is_null() && !p.path.empty()) fail(where, "give either \"config\" or \"path\", not both");
  return p;
}

// The config.json of a part given by path: a folder's config.json, a diffusers pipeline folder's <sub>/config.json,
// or — for a single SDXL file — the SDXL base architecture.
json partConfigFromPath(const std::string& base, const std::string& path, const char* sub, const json& sdxlDefault) {
  const std::string p = resolvePackagePath(base, path);
  if (fs::is_regular_file(p)) {
    if (sdxlDefault.is_null()) fail(p, "expected a folder with config.json");
    return sdxlDefault;  // a single-file checkpoint carries no config: SDXL base
  }
  if (!fs::exists(p)) fail(p, "no such file or folder");
  if (fs::exists(fs::path(p) / "config.json")) return readJsonFile((fs::path(p) / "config.json").string());
  if (sub && fs::exists(fs::path(p) / sub / "config.json"))
    return readJsonFile((fs::path(p) / sub / "config.json").string());
  fail(p, std::string("no config.json") + (sub ? std::string(" (nor ") + sub + "/config.json)" : ""));
}

// ---- built-in configs ----

const char* kSdxlUnet = R"({"_class_name": "UNet2DConditionModel", "act_fn": "silu",
  "addition_embed_type": "text_time", "addition_time_embed_dim": 256, "attention_head_dim": [5, 10, 20],
  "block_out_channels": [320, 640, 1280], "cross_attention_dim": 2048,
  "down_block_types": ["DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"], "in_channels": 4,
  "layers_per_block": 2, "mid_block_type": "UNetMidBlock2DCrossAttn", "norm_eps": 1e-05, "norm_num_groups": 32,
  "out_channels": 4, "projection_class_embeddings_input_dim": 2816, "sample_size": 128,
  "transformer_layers_per_block": [1, 2, 10],
  "up_block_types": ["CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"], "use_linear_projection": true})";

const char* kSdxlVae = R"({"_class_name": "AutoencoderKL", "act_fn": "silu", "block_out_channels": [128, 256, 512, 512],
  "down_block_types": ["DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D"],
  "force_upcast": true, "in_channels": 3, "latent_channels": 4, "layers_per_block": 2, "norm_num_groups": 32,
  "out_channels": 3, "sample_size": 1024, "scaling_factor": 0.13025,
  "up_block_types": ["UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D"]})";

// SDXL's scheduler_config.json (EulerDiscreteScheduler there; the betas are what every sampler shares).
const char* kSdxlScheduler = R"({"_class_name": "DDIMScheduler", "beta_end": 0.012, "beta_schedule": "scaled_linear",
  "beta_start": 0.00085, "clip_sample": false, "num_train_timesteps": 1000, "prediction_type": "epsilon",
  "set_alpha_to_one": false, "steps_offset": 1, "timestep_spacing": "leading"})";

const char* kIdefics2_8b = R"({"model_type": "idefics2", "image_token_id": 32001, "tie_word_embeddings": false,
  "use_perceiver": false,
  "vision_config": {"hidden_size": 1152, "intermediate_size": 4304, "num_hidden_layers": 27,
    "num_attention_heads": 16, "image_size": 980, "patch_size": 14, "hidden_act": "gelu_pytorch_tanh",
    "layer_norm_eps": 1e-06},
  "perceiver_config": {"hidden_act": "silu", "resampler_n_latents": 64, "resampler_depth": 3,
    "resampler_n_heads": 16, "resampler_head_dim": 96, "num_key_value_heads": 4},
  "text_config": {"model_type": "mistral", "vocab_size": 32003, "hidden_size": 4096, "intermediate_size": 14336,
    "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 8, "hidden_act": "silu",
    "max_position_embeddings": 32768, "rms_norm_eps": 1e-05, "rope_theta": 10000.0, "sliding_window": 4096,
    "pad_token_id": 0, "bos_token_id": 1, "eos_token_id": 2}})";

// Small: the real vocabulary (so the real tokenizer works), everything else tiny.
const char* kIdefics2Small = R"({"model_type": "idefics2", "image_token_id": 32001, "use_perceiver": false,
  "vision_config": {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 2,
    "image_size": 56, "patch_size": 14, "hidden_act": "gelu_pytorch_tanh", "layer_norm_eps": 1e-06},
  "perceiver_config": {"hidden_act": "silu", "resampler_n_latents": 8, "resampler_depth": 1,
    "resampler_n_heads": 2, "resampler_head_dim": 8, "num_key_value_heads": 1},
  "text_config": {"model_type": "mistral", "vocab_size": 32003, "hidden_size": 32, "intermediate_size": 64,
    "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "hidden_act": "silu",
    "max_position_embeddings": 4096, "rms_norm_eps": 1e-05, "rope_theta": 10000.0, "sliding_window": null,
    "pad_token_id": 0}})";

const char* kUnetSmall = R"({"_class_name": "UNet2DConditionModel", "act_fn": "silu",
  "addition_embed_type": "text_time", "addition_time_embed_dim": 8, "attention_head_dim": [1, 2, 3],
  "block_out_channels": [16, 24, 24], "cross_attention_dim": 32,
  "down_block_types": ["DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"], "in_channels": 4,
  "layers_per_block": 2, "mid_block_type": "UNetMidBlock2DCrossAttn", "norm_eps": 1e-05, "norm_num_groups": 8,
  "out_channels": 4, "projection_class_embeddings_input_dim": 72, "sample_size": 16,
  "transformer_layers_per_block": [1, 1, 2],
  "up_block_types": ["CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"], "use_linear_projection": true})";

const char* kVaeSmall = R"({"_class_name": "AutoencoderKL", "act_fn": "silu", "block_out_channels": [16, 32],
  "down_block_types": ["DownEncoderBlock2D", "DownEncoderBlock2D"], "force_upcast": true, "in_channels": 3,
  "latent_channels": 4, "layers_per_block": 1, "norm_num_groups": 8, "out_channels": 3, "sample_size": 32,
  "scaling_factor": 0.13025, "up_block_types": ["UpDecoderBlock2D", "UpDecoderBlock2D"]})";

// nano: the shipped CPU model (64×64 output, 16×16×4 latents). The MUMU architecture at a size that trains on two
// CPU cores in under an hour: SigLIP 2×64 on 32×32 crops (patch 8 → 4×4 = 16 tokens per image), Mistral 2×96 with
// the real 32,003-token vocabulary, a 4-layer connector, a three-level SDXL-shaped UNet and a ×4 VAE.
const char* kIdefics2Nano = R"({"model_type": "idefics2", "image_token_id": 32001, "use_perceiver": false,
  "vision_config": {"hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 2,
    "image_size": 32, "patch_size": 8, "hidden_act": "gelu_pytorch_tanh", "layer_norm_eps": 1e-06},
  "perceiver_config": {"hidden_act": "silu", "resampler_n_latents": 8, "resampler_depth": 1,
    "resampler_n_heads": 2, "resampler_head_dim": 8, "num_key_value_heads": 1},
  "text_config": {"model_type": "mistral", "vocab_size": 32003, "hidden_size": 96, "intermediate_size": 192,
    "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "hidden_act": "silu",
    "max_position_embeddings": 4096, "rms_norm_eps": 1e-05, "rope_theta": 10000.0, "sliding_window": null,
    "pad_token_id": 0}})";

const char* kUnetNano = R"({"_class_name": "UNet2DConditionModel", "act_fn": "silu",
  "addition_embed_type": "text_time", "addition_time_embed_dim": 16, "attention_head_dim": [2, 4, 4],
  "block_out_channels": [64, 128, 128], "cross_attention_dim": 128,
  "down_block_types": ["DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"], "in_channels": 4,
  "layers_per_block": 1, "mid_block_type": "UNetMidBlock2DCrossAttn", "norm_eps": 1e-05, "norm_num_groups": 16,
  "out_channels": 4, "projection_class_embeddings_input_dim": 224, "sample_size": 16,
  "transformer_layers_per_block": [1, 1, 1],
  "up_block_types": ["CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"], "use_linear_projection": true})";

// scaling_factor is measured after the VAE is trained (the trainer's autoencoder objective writes 1 / latent std).
const char* kVaeNano = R"({"_class_name": "AutoencoderKL", "act_fn": "silu", "block_out_channels": [32, 64, 64],
  "down_block_types": ["DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D"], "force_upcast": true,
  "in_channels": 3, "latent_channels": 4, "layers_per_block": 1, "norm_num_groups": 16, "out_channels": 3,
  "sample_size": 64, "scaling_factor": 1.0,
  "up_block_types": ["UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D"]})";

}  // namespace

std::string resolvePackagePath(const std::string& dir, const std::string& path) {
  if (path.empty() || fs::path(path).is_absolute()) return path;
  return (fs::path(dir) / path).lexically_normal().string();
}

MumuConfig parseMumuConfig(const json& j, const std::string& source, const std::string& baseDir) {
  if (!j.is_object()) fail(source, "expected a JSON object");
  if (auto f = j.find("format"); f != j.end() && (!f->is_string() || *f != "mumu-package"))
    fail(source, "format: expected \"mumu-package\"");
  if (auto v = j.find("format_version"); v != j.end() && (!v->is_number_integer() || v->get<int>() != 1))
    fail(source, "format_version: only version 1 is supported");
  MumuConfig c;
  c.name = readString(j, "name", source);
  c.vlm = readPart(j, "vlm", source, true);
  c.connector = readPart(j, "connector", source, false);
  c.unet = readPart(j, "unet", source, true);
  c.vae = readPart(j, "vae", source, true);
  c.weights = readString(j, "weights", source);

  const auto& vlm = j["vlm"];
  if (auto g = vlm.find("grid_size"); g != vlm.end()) {
    if (!g->is_number_integer() || g->get<int64_t>() < 1 || g->get<int64_t>() > 256)
      fail(source, "vlm.grid_size: expected an integer in [1, 256]");
    c.gridSize = g->get<int>();
  }
  if (auto t = j.find("tokenizer"); t != j.end() && !t->is_null()) {
    if (t->is_string()) {
      c.tokenizer = *t == "default" ? "" : t->get<std::string>();
    } else if (t->is_object()) {
      c.tokenizer = readString(*t, "path", source + ": tokenizer");
    } else {
      fail(source, "tokenizer: expected an object or \"default\"");
    }
  }
  if (auto s = j.find("scheduler"); s != j.end() && !s->is_null()) {
    if (!s->is_object()) fail(source, "scheduler: expected an object");
    const std::string where = source + ": scheduler";
    if (auto sc = s->find("config"); sc != s->end() && !sc->is_null()) {
      if (!sc->is_object()) fail(where, "config: expected an object");
      c.scheduler = *sc;
    }
    if (auto v = readString(*s, "sampler", where); !v.empty()) c.sampler = v;
    if (auto v = s->find("steps"); v != s->end()) {
      if (!v->is_number_integer() || v->get<int64_t>() < 1 || v->get<int64_t>() > 1000)
        fail(where, "steps: expected an integer in [1, 1000]");
      c.steps = v->get<int>();
    }
    if (auto v = s->find("cfg"); v != s->end()) {
      if (!v->is_number()) fail(where, "cfg: expected a number");
      c.cfg = v->get<double>();
    }
  }
  if (c.scheduler.is_null()) c.scheduler = json::parse(kSdxlScheduler);
  if (auto d = j.find("default_size"); d != j.end()) {
    if (!d->is_array() || d->size() != 2 || !(*d)[0].is_number_integer() || !(*d)[1].is_number_integer())
      fail(source, "default_size: expected [width, height]");
    c.width = (*d)[0].get<int>(), c.height = (*d)[1].get<int>();
    if (c.width < 8 || c.height < 8 || c.width > 8192 || c.height > 8192)
      fail(source, "default_size: each side must be in [8, 8192]");
  }

  // Resolve every part's architecture.
  const json vlmJson = c.vlm.config.is_null() ? partConfigFromPath(baseDir, c.vlm.path, nullptr, json()) : c.vlm.config;
  c.vlmConfig = parseIdefics2Config(vlmJson, source + ": vlm.config");
  c.vlmConfig.usePerceiver = false;  // MUMU mode whatever the folder says
  c.connectorConfig = parseMumuConnectorConfig(c.connector.config, source + ": connector.config");
  const json unetJson = c.unet.config.is_null()
                            ? partConfigFromPath(baseDir, c.unet.path, "unet", json::parse(kSdxlUnet))
                            : c.unet.config;
  c.unetConfig = UNet2DConditionConfig::fromJson(unetJson, source + ": unet.config");
  const json vaeJson =
      c.vae.config.is_null() ? partConfigFromPath(baseDir, c.vae.path, "vae", json::parse(kSdxlVae)) : c.vae.config;
  c.vaeConfig = AutoencoderKLConfig::fromJson(vaeJson, source + ": vae.config");
  c.schedulerConfig = parseSchedulerConfig(c.scheduler.dump(), source + ": scheduler.config");
  validateMumuConfig(c, source);
  return c;
}

MumuConfig loadMumuConfig(const std::string& dir) {
  const std::string path = (fs::path(dir) / "mumu.json").string();
  if (!fs::is_directory(dir)) fail(dir, "not a model package folder (no such folder)");
  if (!fs::exists(path)) fail(path, "no such file: " + dir + " is not a model package");
  return parseMumuConfig(readJsonFile(path), path, dir);
}

json toJson(const MumuConfig& c) {
  auto part = [](const MumuPart& p) {
    json o = json::object();
    if (!p.config.is_null()) o["config"] = p.config;
    if (!p.path.empty()) o["path"] = p.path;
    if (!p.weights.empty()) o["weights"] = p.weights;
    return o;
  };
  json j = {{"format", "mumu-package"}, {"format_version", 1}, {"name", c.name}};
  j["vlm"] = part(c.vlm);
  j["vlm"]["grid_size"] = c.gridSize;
  j["tokenizer"] = c.tokenizer.empty() ? json("default") : json{{"path", c.tokenizer}};
  j["connector"] = part(c.connector);
  j["unet"] = part(c.unet);
  j["vae"] = part(c.vae);
  j["scheduler"] = {{"config", c.scheduler}, {"sampler", c.sampler}, {"steps", c.steps}, {"cfg", c.cfg}};
  j["default_size"] = {c.width, c.height};
  if (!c.weights.empty()) j["weights"] = c.weights;
  return j;
}

void validateMumuConfig(const MumuConfig& c, const std::string& source) {
  const auto& k = c.connectorConfig;
  const auto& u = c.unetConfig;
  if (k.inputDim != c.vlmConfig.text.hiddenSize)
    fail(source, "connector.config.input_dim " + std::to_string(k.inputDim) + " differs from the VLM's hidden size " +
                     std::to_string(c.vlmConfig.text.hiddenSize));
  for (int64_t d : u.crossAttentionDim)
    if (d != k.outputDim)
      fail(source, "connector.config.output_dim " + std::to_string(k.outputDim) +
                       " differs from the UNet's cross_attention_dim " + std::to_string(d));
  if (u.additionEmbedType == "text_time") {
    const int64_t want = u.projectionClassEmbeddingsInputDim.value_or(0) - 6 * u.additionTimeEmbedDim.value_or(0);
    if (k.pooledDim != want)
      fail(source, "connector.config.pooled_dim " + std::to_string(k.pooledDim) +
                       " does not fit the UNet's text_time embedding (needs " + std::to_string(want) + ")");
  }
  if (c.vaeConfig.latentChannels != u.inChannels || u.outChannels != u.inChannels)
    fail(source, "vae latent_channels " + std::to_string(c.vaeConfig.latentChannels) + " differs from the UNet's " +
                     "in/out channels " + std::to_string(u.inChannels) + "/" + std::to_string(u.outChannels));
  const int64_t gridPixels = static_cast<int64_t>(c.gridSize) * c.vlmConfig.vision.patchSize;
  if (gridPixels > c.vlmConfig.vision.imageSize)
    fail(source, "vlm.grid_size " + std::to_string(c.gridSize) + " exceeds the vision tower's position grid (" +
                     std::to_string(c.vlmConfig.vision.numPatchesPerSide()) + " patches per side)");
}

std::vector<std::string> builtinMumuConfigNames() {
  return {"mumu-xl", "nano", "small"};
}

MumuConfig builtinMumuConfig(const std::string& name) {
  json j = {{"format", "mumu-package"}, {"format_version", 1}, {"name", name}};
  if (name == "mumu-xl") {
    j["vlm"] = {{"config", json::parse(kIdefics2_8b)}, {"grid_size", 18}, {"weights", "vlm.safetensors"}};
    j["connector"] = {{"config", toJson(MumuConnectorConfig{})}, {"weights", "connector.safetensors"}};
    j["unet"] = {{"config", json::parse(kSdxlUnet)}, {"weights", "unet.safetensors"}};
    j["vae"] = {{"config", json::parse(kSdxlVae)}, {"weights", "vae.safetensors"}};
    j["scheduler"] = {{"config", json::parse(kSdxlScheduler)}, {"sampler", "ddim"}, {"steps", 50}, {"cfg", 6.0}};
    j["default_size"] = {1024, 1024};
  } else if (name == "small") {
    MumuConnectorConfig k;
    k.inputDim = 32, k.hiddenSize = 32, k.numLayers = 2, k.numHeads = 2, k.intermediateSize = 64, k.outputDim = 32;
    k.pooledDim = 24;  // 72 - 6·8
    j["vlm"] = {{"config", json::parse(kIdefics2Small)}, {"grid_size", 4}, {"weights", "vlm.safetensors"}};
    j["connector"] = {{"config", toJson(k)}, {"weights", "connector.safetensors"}};
    j["unet"] = {{"config", json::parse(kUnetSmall)}, {"weights", "unet.safetensors"}};
    j["vae"] = {{"config", json::parse(kVaeSmall)}, {"weights", "vae.safetensors"}};
    j["scheduler"] = {{"config", json::parse(kSdxlScheduler)}, {"sampler", "ddim"}, {"steps", 4}, {"cfg", 4.0}};
    j["default_size"] = {32, 32};
  } else if (name == "nano") {
    MumuConnectorConfig k;
    k.inputDim = 96, k.hiddenSize = 128, k.numLayers = 4, k.numHeads = 4, k.intermediateSize = 256, k.outputDim = 128;
    k.pooledDim = 128;  // 224 - 6·16
    j["vlm"] = {{"config", json::parse(kIdefics2Nano)}, {"grid_size", 4}, {"weights", "vlm.safetensors"}};
    j["connector"] = {{"config", toJson(k)}, {"weights", "connector.safetensors"}};
    j["unet"] = {{"config", json::parse(kUnetNano)}, {"weights", "unet.safetensors"}};
    j["vae"] = {{"config", json::parse(kVaeNano)}, {"weights", "vae.safetensors"}};
    j["scheduler"] = {{"config", json::parse(kSdxlScheduler)}, {"sampler", "dpmpp_2m_karras"}, {"steps", 20}, {"cfg", 4.0}};
    j["default_size"] = {64, 64};
  } else {
    std::string names;
    for (const auto& n : builtinMumuConfigNames()) names += (names.empty() ? "" : ", ") + n;
    fail("config '" + name + "'", "unknown built-in config (known: " + names + ")");
  }
  return parseMumuConfig(j, "built-in config '" + name + "'", ".");
}

}  // namespace mumu
