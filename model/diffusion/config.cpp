// config.cpp — diffusers config.json → UNet2DConditionConfig / AutoencoderKLConfig, with diffusers 0.27.2
// defaults and the checks of UNet2DConditionModel._check_config, plus a refusal, by key, of every option
// this port does not implement (better a clear error than a silently different network).
#include "model/diffusion/config.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <sstream>

#include "model/error.h"
#include "model/io/json_limits.h"

namespace mumu {

namespace {

using nlohmann::json;

std::string describe(const json& v) {
  std::string s = v.dump();
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return std::string(v.type_name()) + " " + s;
}

// Typed access to one config object; every error names the file and the key.
class Reader {
 public:
  Reader(const json& j, std::string source) : j_(j), source_(std::move(source)) {
    if (!j_.is_object()) fail(source_, "expected a JSON object at the top level, got " + describe(j_));
  }

  [[noreturn]] void error(const std::string& key, const std::string& what) const {
    fail(source_, "key '" + key + "': " + what);
  }

  // The value of `key`, or nullptr when absent or null (diffusers treats both as "use the default").
  const json* get(const std::string& key) const {
    auto it = j_.find(key);
    return it == j_.end() || it->is_null() ? nullptr : &*it;
  }

  int64_t toInt(const std::string& key, const json& v) const {
    if (v.is_number_integer()) return v.get<int64_t>();
    if (v.is_number_float()) {
      const double d = v.get<double>();
      if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e15) return static_cast<int64_t>(d);
    }
    error(key, "expected an integer, got " + describe(v));
  }
  double toNumber(const std::string& key, const json& v) const {
    if (!v.is_number()) error(key, "expected a number, got " + describe(v));
    return v.get<double>();
  }
  bool toBool(const std::string& key, const json& v) const {
    if (!v.is_boolean()) error(key, "expected true or false, got " + describe(v));
    return v.get<bool>();
  }
  std::string toString(const std::string& key, const json& v) const {
    if (!v.is_string()) error(key, "expected a string, got " + describe(v));
    return v.get<std::string>();
  }

  int64_t integer(const std::string& key, int64_t def) const {
    const json* v = get(key);
    return v ? toInt(key, *v) : def;
  }
  std::optional<int64_t> optInteger(const std::string& key) const {
    const json* v = get(key);
    return v ? std::optional<int64_t>(toInt(key, *v)) : std::nullopt;
  }
  double number(const std::string& key, double def) const {
    const json* v = get(key);
    return v ? toNumber(key, *v) : def;
  }
  std::optional<double> optNumber(const std::string& key) const {
    const json* v = get(key);
    return v ? std::optional<double>(toNumber(key, *v)) : std::nullopt;
  }
  bool boolean(const std::string& key, bool def) const {
    const json* v = get(key);
    return v ? toBool(key, *v) : def;
  }
  std::string string(const std::string& key, const std::string& def) const {
    const json* v = get(key);
    return v ? toString(key, *v) : def;
  }

  const json& list(const std::string& key, const json& v) const {
    if (!v.is_array()) error(key, "expected a list, got " + describe(v));
    if (v.empty()) error(key, "the list is empty");
    return v;
  }
  std::vector<int64_t> intList(const std::string& key, const std::vector<int64_t>& def) const {
    const json* v = get(key);
    if (!v) return def;
    std::vector<int64_t> out;
    for (const auto& x : list(key, *v)) out.push_back(toInt(key, x));
    return out;
  }
  std::vector<double> numberList(const std::string& key) const {
    const json* v = get(key);
    std::vector<double> out;
    if (v)
      for (const auto& x : list(key, *v)) out.push_back(toNumber(key, x));
    return out;
  }
  std::vector<std::string> stringList(const std::string& key, const std::vector<std::string>& def) const {
    const json* v = get(key);
    if (!v) return def;
    std::vector<std::string> out;
    for (const auto& x : list(key, *v)) out.push_back(toString(key, x));
    return out;
  }

  // A scalar broadcast to `n` blocks, or a list of exactly `n` values (diffusers' int-or-tuple keys).
  template <typename T, typename Conv>
  std::vector<T> perBlock(const std::string& key, size_t n, const T& def, Conv conv) const {
    const json* v = get(key);
    if (!v) return std::vector<T>(n, def);
    if (!v->is_array()) return std::vector<T>(n, conv(key, *v));
    if (v->size() != n)
      error(key, "has " + std::to_string(v->size()) + " entries but there are " + std::to_string(n) +
                     " down blocks (down_block_types)");
    std::vector<T> out;
    for (const auto& x : *v) out.push_back(conv(key, x));
    return out;
  }
  std::vector<int64_t> intPerBlock(const std::string& key, size_t n, int64_t def) const {
    return perBlock<int64_t>(key, n, def, [this](const std::string& k, const json& x) { return toInt(k, x); });
  }
  std::vector<bool> boolPerBlock(const std::string& key, size_t n, bool def) const {
    return perBlock<bool>(key, n, def, [this](const std::string& k, const json& x) { return toBool(k, x); });
  }

  Activation activation(const std::string& key, const json& v) const {
    const std::string name = toString(key, v);
    auto a = parseActivation(name);
    if (!a) error(key, "unsupported activation '" + name + "' (supported: silu, swish, gelu, relu, mish)");
    return *a;
  }
  Activation activation(const std::string& key, Activation def) const {
    const json* v = get(key);
    return v ? activation(key, *v) : def;
  }
  std::optional<Activation> optActivation(const std::string& key) const {
    const json* v = get(key);
    return v ? std::optional<Activation>(activation(key, *v)) : std::nullopt;
  }

  // Options this port does not implement must keep their diffusers default (null / false / a value).
  void requireNull(const std::string& key, const std::string& why) const {
    if (get(key)) error(key, "must be null, got " + describe(*get(key)) + " (" + why + ")");
  }
  void requireFalse(const std::string& key, const std::string& why) const {
    if (boolean(key, false)) error(key, "must be false (" + why + ")");
  }
  void requireString(const std::string& key, const std::string& expected, const std::string& why) const {
    const std::string got = string(key, expected);
    if (got != expected) error(key, "must be \"" + expected + "\", got \"" + got + "\" (" + why + ")");
  }

  void requireClass(const std::string& expected) const {
    const std::string got = string("_class_name", expected);
    if (got != expected) error("_class_name", "expected \"" + expected + "\", got \"" + got + "\"");
  }

 private:
  const json& j_;
  std::string source_;
};

// transformer_layers_per_block entry of one block: an int (broadcast to the block's layers) or a list of
// exactly `layers` ints.
std::vector<int64_t> layersOfBlock(const Reader& r, const std::string& key, const json& v, int64_t layers,
                                   size_t block) {
  if (!v.is_array()) return std::vector<int64_t>(layers, r.toInt(key, v));
  if (static_cast<int64_t>(v.size()) != layers)
    r.error(key, "block " + std::to_string(block) + " lists " + std::to_string(v.size()) +
                     " transformer depths but has " + std::to_string(layers) + " layers");
  std::vector<int64_t> out;
  for (const auto& x : v) out.push_back(r.toInt(key, x));
  return out;
}

json parseFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot open the file");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  checkJsonDepth(text, path);
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    fail(path, std::string("invalid JSON: ") + e.what());
  }
}

void checkPositive(const Reader& r, const std::string& key, const std::vector<int64_t>& v, int64_t min = 1) {
  for (int64_t x : v)
    if (x < min) r.error(key, "every value must be >= " + std::to_string(min) + ", got " + std::to_string(x));
}

}  // namespace

std::optional<Activation> parseActivation(const std::string& name) {
  std::string n = name;
  std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return std::tolower(c); });
  if (n == "silu" || n == "swish") return Activation::SiLU;
  if (n == "gelu") return Activation::GELU;
  if (n == "relu") return Activation::ReLU;
  if (n == "mish") return Activation::Mish;
  return std::nullopt;
}

bool UNet2DConditionConfig::hasCrossAttention(const std::string& blockType) {
  return blockType == "CrossAttnDownBlock2D" || blockType == "CrossAttnUpBlock2D" ||
         blockType == "UNetMidBlock2DCrossAttn";
}

UNet2DConditionConfig UNet2DConditionConfig::fromJson(const nlohmann::json& j, const std::string& source) {
  const Reader r(j, source);
  r.requireClass("UNet2DConditionModel");
  UNet2DConditionConfig c;

  c.sampleSize = r.optInteger("sample_size");
  c.inChannels = r.integer("in_channels", 4);
  c.outChannels = r.integer("out_channels", 4);
  c.centerInputSample = r.boolean("center_input_sample", false);
  c.flipSinToCos = r.boolean("flip_sin_to_cos", true);
  c.freqShift = r.number("freq_shift", 0.0);
  c.downBlockTypes = r.stringList(
      "down_block_types", {"CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"});
  c.upBlockTypes =
      r.stringList("up_block_types", {"UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"});
  // get_down_block / get_up_block accept a "UNetRes" prefix for the same blocks.
  for (auto* types : {&c.downBlockTypes, &c.upBlockTypes})
    for (auto& t : *types)
      if (t.rfind("UNetRes", 0) == 0) t = t.substr(7);
  {
    const auto it = j.find("mid_block_type");
    c.midBlockType = it == j.end() ? "UNetMidBlock2DCrossAttn" : it->is_null() ? "" : r.toString("mid_block_type", *it);
  }
  c.blockOutChannels = r.intList("block_out_channels", {320, 640, 1280, 1280});

  const size_t n = c.downBlockTypes.size();
  if (c.upBlockTypes.size() != n)
    r.error("up_block_types",
            "has " + std::to_string(c.upBlockTypes.size()) + " entries but down_block_types has " + std::to_string(n));
  if (c.blockOutChannels.size() != n)
    r.error("block_out_channels", "has " + std::to_string(c.blockOutChannels.size()) +
                                      " entries but down_block_types has " + std::to_string(n));
  checkPositive(r, "block_out_channels", c.blockOutChannels);
  for (const auto& t : c.downBlockTypes)
    if (t != "DownBlock2D" && t != "CrossAttnDownBlock2D")
      r.error("down_block_types", "unsupported block type '" + t + "' (supported: DownBlock2D, CrossAttnDownBlock2D)");
  for (const auto& t : c.upBlockTypes)
    if (t != "UpBlock2D" && t != "CrossAttnUpBlock2D")
      r.error("up_block_types", "unsupported block type '" + t + "' (supported: UpBlock2D, CrossAttnUpBlock2D)");
  if (!c.midBlockType.empty() && c.midBlockType != "UNetMidBlock2DCrossAttn" && c.midBlockType != "UNetMidBlock2D")
    r.error("mid_block_type", "unsupported block type '" + c.midBlockType +
                                  "' (supported: UNetMidBlock2DCrossAttn, UNetMidBlock2D, null)");

  c.onlyCrossAttention = r.boolPerBlock("only_cross_attention", n, false);
  c.layersPerBlock = r.intPerBlock("layers_per_block", n, 2);
  checkPositive(r, "layers_per_block", c.layersPerBlock);
  c.downsamplePadding = r.integer("downsample_padding", 1);
  if (c.downsamplePadding < 0) r.error("downsample_padding", "must be >= 0");
  c.midBlockScaleFactor = r.number("mid_block_scale_factor", 1.0);
  if (c.midBlockScaleFactor == 0.0) r.error("mid_block_scale_factor", "must not be 0");
  c.actFn = r.activation("act_fn", Activation::SiLU);
  {
    const auto it = j.find("norm_num_groups");
    if (it != j.end() && it->is_null())
      r.error("norm_num_groups", "null (no GroupNorm) is not supported: the resnet blocks need a group count");
    c.normNumGroups = r.integer("norm_num_groups", 32);
    if (c.normNumGroups < 1) r.error("norm_num_groups", "must be >= 1");
    for (int64_t ch : c.blockOutChannels)
      if (ch % c.normNumGroups != 0)
        r.error("norm_num_groups", std::to_string(c.normNumGroups) + " groups do not divide " + std::to_string(ch) +
                                       " channels (block_out_channels)");
  }
  c.normEps = r.number("norm_eps", 1e-5);
  c.crossAttentionDim = r.intPerBlock("cross_attention_dim", n, 1280);
  checkPositive(r, "cross_attention_dim", c.crossAttentionDim);

  // Heads: num_attention_heads cannot be set in 0.27.2 (naming issue diffusers#2011); attention_head_dim
  // then gives the number of heads.
  if (r.get("num_attention_heads"))
    r.error("num_attention_heads",
            "must be null: diffusers 0.27.2 refuses it and reads the number of heads from attention_head_dim");
  c.numAttentionHeads = r.intPerBlock("attention_head_dim", n, 8);
  checkPositive(r, "attention_head_dim", c.numAttentionHeads);

  // Transformer depth per block and layer, down path then up path.
  {
    const std::string key = "transformer_layers_per_block";
    const json* v = r.get(key);
    bool nested = false;
    c.transformerLayersPerBlock.clear();
    if (!v || !v->is_array()) {
      const int64_t d = v ? r.toInt(key, *v) : 1;
      for (size_t i = 0; i < n; ++i) c.transformerLayersPerBlock.emplace_back(c.layersPerBlock[i], d);
    } else {
      if (v->size() != n)
        r.error(key, "has " + std::to_string(v->size()) + " entries but there are " + std::to_string(n) +
                         " down blocks (down_block_types)");
      for (size_t i = 0; i < n; ++i) {
        nested = nested || (*v)[i].is_array();
        c.transformerLayersPerBlock.push_back(layersOfBlock(r, key, (*v)[i], c.layersPerBlock[i], i));
      }
    }
    for (const auto& b : c.transformerLayersPerBlock) checkPositive(r, key, b, 0);

    const std::string rkey = "reverse_transformer_layers_per_block";
    const json* rv = r.get(rkey);
    c.reverseTransformerLayersPerBlock.clear();
    if (!rv) {
      if (nested) r.error(rkey, "must be given when transformer_layers_per_block lists depths per layer");
      for (size_t i = 0; i < n; ++i) {
        // A block's single depth, reversed, broadcast over the up block's layers_per_block + 1 layers.
        const auto& down = c.transformerLayersPerBlock[n - 1 - i];
        c.reverseTransformerLayersPerBlock.emplace_back(c.layersPerBlock[n - 1 - i] + 1, down.front());
      }
    } else {
      if (!rv->is_array() || rv->size() != n)
        r.error(rkey, "expected a list with one entry per up block (" + std::to_string(n) + "), got " + describe(*rv));
      for (size_t i = 0; i < n; ++i)
        c.reverseTransformerLayersPerBlock.push_back(
            layersOfBlock(r, rkey, (*rv)[i], c.layersPerBlock[n - 1 - i] + 1, i));
      for (const auto& b : c.reverseTransformerLayersPerBlock) checkPositive(r, rkey, b, 0);
    }
  }

  c.useLinearProjection = r.boolean("use_linear_projection", false);
  c.upcastAttention = r.boolean("upcast_attention", false);
  c.resnetTimeScaleShift = r.string("resnet_time_scale_shift", "default");
  r.requireString("resnet_time_scale_shift", "default",
                  "the scale_shift / ada_group / spatial variants are not ported");
  c.timeEmbeddingType = r.string("time_embedding_type", "positional");
  r.requireString("time_embedding_type", "positional", "the Fourier time embedding is not ported");
  c.timeEmbeddingDim = r.optInteger("time_embedding_dim");
  if (c.timeEmbeddingDim && *c.timeEmbeddingDim < 1) r.error("time_embedding_dim", "must be >= 1");
  c.timeEmbeddingActFn = r.optActivation("time_embedding_act_fn");
  c.timestepPostAct = r.optActivation("timestep_post_act");
  c.convInKernel = r.integer("conv_in_kernel", 3);
  c.convOutKernel = r.integer("conv_out_kernel", 3);
  for (const char* key : {"conv_in_kernel", "conv_out_kernel"}) {
    const int64_t k = r.integer(key, 3);
    if (k < 1 || k % 2 == 0) r.error(key, "must be a positive odd number, got " + std::to_string(k));
  }

  c.additionEmbedType = r.string("addition_embed_type", "");
  if (!c.additionEmbedType.empty() && c.additionEmbedType != "text_time")
    r.error("addition_embed_type",
            "unsupported value \"" + c.additionEmbedType + "\" (supported: \"text_time\" as in SDXL, or null)");
  c.additionTimeEmbedDim = r.optInteger("addition_time_embed_dim");
  c.projectionClassEmbeddingsInputDim = r.optInteger("projection_class_embeddings_input_dim");
  if (c.additionEmbedType == "text_time") {
    if (!c.additionTimeEmbedDim || *c.additionTimeEmbedDim < 1)
      r.error("addition_time_embed_dim", "a positive integer is required when addition_embed_type is \"text_time\"");
    if (!c.projectionClassEmbeddingsInputDim || *c.projectionClassEmbeddingsInputDim < 1)
      r.error("projection_class_embeddings_input_dim",
              "a positive integer is required when addition_embed_type is \"text_time\"");
  }

  // Options of other UNets (Kandinsky, unCLIP, LCM, GLIGEN, SD 2 variants, ...): refused by name.
  r.requireNull("encoder_hid_dim", "encoder_hid_proj is not ported");
  r.requireNull("encoder_hid_dim_type", "encoder_hid_proj is not ported");
  r.requireNull("class_embed_type", "class embeddings are not ported");
  r.requireNull("num_class_embeds", "class embeddings are not ported");
  r.requireNull("time_cond_proj_dim", "time_embedding.cond_proj (LCM) is not ported");
  r.requireNull("cross_attention_norm", "norm_cross is not ported");
  r.requireFalse("dual_cross_attention", "DualTransformer2DModel is not ported");
  r.requireFalse("class_embeddings_concat", "class embeddings are not ported");
  r.requireString("attention_type", "default", "gated (GLIGEN) attention is not ported");
  // Read for type checking only: they do not reach the supported blocks (diffusers passes
  // resnet_skip_time_act / resnet_out_scale_factor to the Simple* blocks only), or act in training only.
  (void)r.boolean("resnet_skip_time_act", false);
  (void)r.number("resnet_out_scale_factor", 1.0);
  (void)r.number("dropout", 0.0);

  for (size_t i = 0; i < n; ++i) {
    const bool cross = hasCrossAttention(c.downBlockTypes[i]) || hasCrossAttention(c.upBlockTypes[n - 1 - i]) ||
                       (i + 1 == n && c.midBlockType == "UNetMidBlock2DCrossAttn");
    if (cross && c.blockOutChannels[i] % c.numAttentionHeads[i] != 0)
      r.error("attention_head_dim", "block " + std::to_string(i) + ": " + std::to_string(c.numAttentionHeads[i]) +
                                        " heads do not divide " + std::to_string(c.blockOutChannels[i]) + " channels");
  }
  return c;
}

AutoencoderKLConfig AutoencoderKLConfig::fromJson(const nlohmann::json& j, const std::string& source) {
  const Reader r(j, source);
  r.requireClass("AutoencoderKL");
  AutoencoderKLConfig c;
  c.inChannels = r.integer("in_channels", 3);
  c.outChannels = r.integer("out_channels", 3);
  c.downBlockTypes = r.stringList("down_block_types", {"DownEncoderBlock2D"});
  c.upBlockTypes = r.stringList("up_block_types", {"UpDecoderBlock2D"});
  c.blockOutChannels = r.intList("block_out_channels", {64});
  c.layersPerBlock = r.integer("layers_per_block", 1);
  c.actFn = r.activation("act_fn", Activation::SiLU);
  c.latentChannels = r.integer("latent_channels", 4);
  c.normNumGroups = r.integer("norm_num_groups", 32);
  c.sampleSize = r.optInteger("sample_size");
  c.scalingFactor = r.number("scaling_factor", 0.18215);
  c.shiftFactor = r.optNumber("shift_factor");
  c.latentsMean = r.numberList("latents_mean");
  c.latentsStd = r.numberList("latents_std");
  c.forceUpcast = r.boolean("force_upcast", true);
  c.midBlockAddAttention = r.boolean("mid_block_add_attention", true);
  c.useQuantConv = r.boolean("use_quant_conv", true);
  c.usePostQuantConv = r.boolean("use_post_quant_conv", true);

  const size_t n = c.downBlockTypes.size();
  for (const auto& t : c.downBlockTypes)
    if (t != "DownEncoderBlock2D")
      r.error("down_block_types", "unsupported block type '" + t + "' (supported: DownEncoderBlock2D)");
  for (const auto& t : c.upBlockTypes)
    if (t != "UpDecoderBlock2D")
      r.error("up_block_types", "unsupported block type '" + t + "' (supported: UpDecoderBlock2D)");
  if (c.upBlockTypes.size() != n)
    r.error("up_block_types",
            "has " + std::to_string(c.upBlockTypes.size()) + " entries but down_block_types has " + std::to_string(n));
  if (c.blockOutChannels.size() != n)
    r.error("block_out_channels", "has " + std::to_string(c.blockOutChannels.size()) +
                                      " entries but down_block_types has " + std::to_string(n));
  checkPositive(r, "block_out_channels", c.blockOutChannels);
  for (const char* key : {"in_channels", "out_channels", "layers_per_block", "latent_channels", "norm_num_groups"})
    checkPositive(r, key, {r.integer(key, 1)});
  for (int64_t ch : c.blockOutChannels)
    if (ch % c.normNumGroups != 0)
      r.error("norm_num_groups", std::to_string(c.normNumGroups) + " groups do not divide " + std::to_string(ch) +
                                     " channels (block_out_channels)");
  if (!c.latentsMean.empty() && static_cast<int64_t>(c.latentsMean.size()) != c.latentChannels)
    r.error("latents_mean", "expected " + std::to_string(c.latentChannels) + " values (latent_channels)");
  if (!c.latentsStd.empty() && static_cast<int64_t>(c.latentsStd.size()) != c.latentChannels)
    r.error("latents_std", "expected " + std::to_string(c.latentChannels) + " values (latent_channels)");
  if (c.scalingFactor == 0.0) r.error("scaling_factor", "must not be 0");
  return c;
}

UNet2DConditionConfig loadUNet2DConditionConfig(const std::string& path) {
  return UNet2DConditionConfig::fromJson(parseFile(path), path);
}

AutoencoderKLConfig loadAutoencoderKLConfig(const std::string& path) {
  return AutoencoderKLConfig::fromJson(parseFile(path), path);
}

}  // namespace mumu
