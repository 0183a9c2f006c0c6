#include "model/pipeline/idefics2.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "model/error.h"
#include "model/io/json_limits.h"
#include "model/io/safetensors.h"
#include "model/io/state_dict.h"

namespace mumu {

namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------------------------
// config.json reading: an absent key keeps the default; a present one must have the right type.

std::string describe(const json& v) {
  std::string s = v.dump();
  return s.size() > 40 ? s.substr(0, 37) + "..." : s;
}

struct ConfigReader {
  const json& obj;
  std::string source, prefix;  // prefix: "text_config." etc., for messages

  const json* find(const char* key) const {
    auto it = obj.find(key);
    return it == obj.end() ? nullptr : &*it;
  }
  [[noreturn]] void wrongType(const char* key, const char* expected, const json& v) const {
    fail(source, prefix + key + ": expected " + expected + ", got " + describe(v));
  }
  void integer(const char* key, int64_t& out) const {
    if (auto v = find(key)) {
      if (!v->is_number_integer()) wrongType(key, "an integer", *v);
      out = v->get<int64_t>();
    }
  }
  void optionalInteger(const char* key, std::optional<int64_t>& out) const {
    if (auto v = find(key)) {
      if (v->is_null()) {
        out.reset();
        return;
      }
      if (!v->is_number_integer()) wrongType(key, "an integer or null", *v);
      out = v->get<int64_t>();
    }
  }
  void number(const char* key, double& out) const {
    if (auto v = find(key)) {
      if (!v->is_number()) wrongType(key, "a number", *v);
      out = v->get<double>();
    }
  }
  void boolean(const char* key, bool& out) const {
    if (auto v = find(key)) {
      if (!v->is_boolean()) wrongType(key, "true or false", *v);
      out = v->get<bool>();
    }
  }
  void string(const char* key, std::string& out) const {
    if (auto v = find(key)) {
      if (!v->is_string()) wrongType(key, "a string", *v);
      out = v->get<std::string>();
    }
  }
  // A nested config: absent or null = defaults (nullptr), otherwise it must be an object.
  const json* object(const char* key) const {
    auto v = find(key);
    if (!v || v->is_null()) return nullptr;
    if (!v->is_object()) wrongType(key, "an object", *v);
    return v;
  }
};

Idefics2VisionConfig parseVision(const json* j, const std::string& source) {
  Idefics2VisionConfig c;
  if (!j) return c;
  ConfigReader r{*j, source, "vision_config."};
  r.integer("hidden_size", c.hiddenSize);
  r.integer("intermediate_size", c.intermediateSize);
  r.integer("num_hidden_layers", c.numHiddenLayers);
  r.integer("num_attention_heads", c.numAttentionHeads);
  r.integer("num_channels", c.numChannels);
  r.integer("image_size", c.imageSize);
  r.integer("patch_size", c.patchSize);
  r.string("hidden_act", c.hiddenAct);
  r.number("layer_norm_eps", c.layerNormEps);
  r.number("attention_dropout", c.attentionDropout);
  return c;
}

Idefics2PerceiverConfig parsePerceiver(const json* j, const std::string& source) {
  Idefics2PerceiverConfig c;
  if (!j) return c;
  ConfigReader r{*j, source, "perceiver_config."};
  r.string("hidden_act", c.hiddenAct);
  r.integer("resampler_n_latents", c.resamplerNLatents);
  r.integer("resampler_depth", c.resamplerDepth);
  r.integer("resampler_n_heads", c.resamplerNHeads);
  r.integer("resampler_head_dim", c.resamplerHeadDim);
  r.integer("num_key_value_heads", c.numKeyValueHeads);
  r.number("attention_dropout", c.attentionDropout);
  return c;
}

MistralConfig parseText(const json* j, const std::string& source) {
  MistralConfig c;
  if (!j) {  // Idefics2Config's own default text config
    c.rmsNormEps = 1e-5;
    c.maxPositionEmbeddings = 4096 * 8;
    c.padTokenId = 0;
    return c;
  }
  ConfigReader r{*j, source, "text_config."};
  std::string modelType = "mistral";
  r.string("model_type", modelType);
  if (modelType != "mistral")
    fail(source, "text_config.model_type: \"" + modelType + "\" is not supported (only \"mistral\")");
  r.integer("vocab_size", c.vocabSize);
  r.integer("hidden_size", c.hiddenSize);
  r.integer("intermediate_size", c.intermediateSize);
  r.integer("num_hidden_layers", c.numHiddenLayers);
  r.integer("num_attention_heads", c.numAttentionHeads);
  r.integer("num_key_value_heads", c.numKeyValueHeads);
  r.optionalInteger("head_dim", c.headDim);
  r.string("hidden_act", c.hiddenAct);
  r.integer("max_position_embeddings", c.maxPositionEmbeddings);
  r.number("rms_norm_eps", c.rmsNormEps);
  r.number("rope_theta", c.ropeTheta);
  r.optionalInteger("sliding_window", c.slidingWindow);
  r.optionalInteger("pad_token_id", c.padTokenId);
  r.optionalInteger("bos_token_id", c.bosTokenId);
  r.optionalInteger("eos_token_id", c.eosTokenId);
  r.boolean("tie_word_embeddings", c.tieWordEmbeddings);
  r.number("attention_dropout", c.attentionDropout);
  return c;
}

std::string readTextFile(const std::string& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) fail(path, "no such file");
  const auto size = fs::file_size(path, ec);
  if (ec) fail(path, "cannot read the file size: " + ec.message());
  if (size > (64u << 20)) fail(path, "too large for a JSON config (" + std::to_string(size) + " bytes)");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot open the file");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

json parseJsonFile(const std::string& path) {
  const std::string text = readTextFile(path);
  checkJsonDepth(text, path);
  try {
    return json::parse(text);
  } catch (const json::exception& e) {
    fail(path, std::string("malformed JSON: ") + e.what());
  }
}

constexpr const char* kWhere = "Idefics2Model";

}  // namespace

// ---------------------------------------------------------------------------------------------------------
// configuration

Idefics2Config parseIdefics2Config(const json& j, const std::string& source) {
  if (!j.is_object()) fail(source, "the config is not a JSON object");
  ConfigReader r{j, source, ""};
  std::string modelType = "idefics2";
  r.string("model_type", modelType);
  if (modelType != "idefics2") fail(source, "model_type: \"" + modelType + "\" is not an Idefics2 config");
  Idefics2Config c;
  c.vision = parseVision(r.object("vision_config"), source);
  c.perceiver = parsePerceiver(r.object("perceiver_config"), source);
  c.text = parseText(r.object("text_config"), source);
  r.integer("image_token_id", c.imageTokenId);
  r.boolean("tie_word_embeddings", c.tieWordEmbeddings);
  r.boolean("use_cache", c.useCache);
  r.boolean("use_perceiver", c.usePerceiver);
  r.integer("fake_image_token_id", c.fakeImageTokenId);
  r.integer("end_of_utterance_token_id", c.endOfUtteranceTokenId);
  validateIdefics2Config(c, source);
  return c;
}

Idefics2Config loadIdefics2Config(const std::string& path) {
  return parseIdefics2Config(parseJsonFile(path), path);
}

void validateIdefics2Config(const Idefics2Config& c, const std::string& source) {
  auto positive = [&](const std::string& key, int64_t v) {
    if (v <= 0) fail(source, key + ": must be positive, got " + std::to_string(v));
  };
  auto divides = [&](const std::string& a, int64_t va, const std::string& b, int64_t vb) {
    if (va % vb != 0)
      fail(source, a + " (" + std::to_string(va) + ") is not divisible by " + b + " (" + std::to_string(vb) + ")");
  };
  const auto& v = c.vision;
  positive("vision_config.hidden_size", v.hiddenSize);
  positive("vision_config.intermediate_size", v.intermediateSize);
  positive("vision_config.num_hidden_layers", v.numHiddenLayers);
  positive("vision_config.num_attention_heads", v.numAttentionHeads);
  positive("vision_config.num_channels", v.numChannels);
  positive("vision_config.patch_size", v.patchSize);
  positive("vision_config.image_size", v.imageSize);
  divides("vision_config.hidden_size", v.hiddenSize, "vision_config.num_attention_heads", v.numAttentionHeads);
  if (v.imageSize < v.patchSize)
    fail(source, "vision_config.image_size (" + std::to_string(v.imageSize) + ") is smaller than patch_size (" +
                     std::to_string(v.patchSize) + ")");
  if (!isSupportedVisionActivation(v.hiddenAct))
    fail(source, "vision_config.hidden_act: \"" + v.hiddenAct + "\" is not supported");
  if (!(v.layerNormEps > 0)) fail(source, "vision_config.layer_norm_eps: must be positive");

  const auto& t = c.text;
  positive("text_config.vocab_size", t.vocabSize);
  positive("text_config.hidden_size", t.hiddenSize);
  positive("text_config.intermediate_size", t.intermediateSize);
  positive("text_config.num_hidden_layers", t.numHiddenLayers);
  positive("text_config.num_attention_heads", t.numAttentionHeads);
  positive("text_config.num_key_value_heads", t.numKeyValueHeads);
  if (t.headDim) {
    positive("text_config.head_dim", *t.headDim);
  } else {
    divides("text_config.hidden_size", t.hiddenSize, "text_config.num_attention_heads", t.numAttentionHeads);
  }
  if (t.resolvedHeadDim() % 2 != 0) fail(source, "text_config: the head size must be even for rotary embeddings");
  divides("text_config.num_attention_heads", t.numAttentionHeads, "text_config.num_key_value_heads",
          t.numKeyValueHeads);
  if (t.slidingWindow) positive("text_config.sliding_window", *t.slidingWindow);
  if (!isSupportedActivation(t.hiddenAct))
    fail(source, "text_config.hidden_act: \"" + t.hiddenAct + "\" is not supported");
  if (!(t.rmsNormEps > 0)) fail(source, "text_config.rms_norm_eps: must be positive");
  if (!(t.ropeTheta > 0)) fail(source, "text_config.rope_theta: must be positive");

  const auto& p = c.perceiver;
  positive("perceiver_config.resampler_n_latents", p.resamplerNLatents);
  positive("perceiver_config.resampler_depth", p.resamplerDepth);
  positive("perceiver_config.resampler_n_heads", p.resamplerNHeads);
  positive("perceiver_config.resampler_head_dim", p.resamplerHeadDim);
  positive("perceiver_config.num_key_value_heads", p.numKeyValueHeads);
  divides("perceiver_config.resampler_n_heads", p.resamplerNHeads, "perceiver_config.num_key_value_heads",
          p.numKeyValueHeads);
  if (!isSupportedActivation(p.hiddenAct))
    fail(source, "perceiver_config.hidden_act: \"" + p.hiddenAct + "\" is not supported");

  // Not checked against vocab_size: transformers' own defaults (image_token_id 32001, vocab_size 32000) break
  // that; forward() refuses ids outside the vocabulary instead.
  if (c.imageTokenId < 0) fail(source, "image_token_id: must not be negative, got " + std::to_string(c.imageTokenId));
}

int64_t idefics2ImageSeqLen(const Idefics2Config& config, int64_t patchesH, int64_t patchesW) {
  return config.usePerceiver ? config.perceiver.resamplerNLatents : patchesH * patchesW;
}

// ---------------------------------------------------------------------------------------------------------
// model

Idefics2ModelImpl::Idefics2ModelImpl(const Idefics2Config& c, const at::TensorOptions& o) : config(c) {
  validateIdefics2Config(c, kWhere);
  vision_model = register_module("vision_model", Idefics2VisionTransformer(c.vision, o));
  connector =
      register_module("connector", Idefics2Connector(c.vision.hiddenSize, c.text, c.perceiver, c.usePerceiver, o));
  text_model = register_module("text_model", MistralModel(c.text, o));
}

at::Tensor Idefics2ModelImpl::patchAttentionMask(const at::Tensor& pixelAttentionMask) const {
  const int64_t p = config.vision.patchSize;
  auto subgrid = pixelAttentionMask.to(at::kBool).unfold(1, p, p).unfold(2, p, p);  // [N, H/p, W/p, p, p]
  return subgrid.sum({3, 4}).gt(0);                                                 // [N, H/p, W/p]
}

at::Tensor Idefics2ModelImpl::mergeImageTokens(const at::Tensor& inputIds, const at::Tensor& inputsEmbeds,
                                               const at::Tensor& imageRows) const {
  auto isImage = inputIds.eq(config.imageTokenId);  // [B, L]
  const int64_t tokens = isImage.sum().item<int64_t>();
  const int64_t rows = imageRows.defined() ? imageRows.size(0) : 0;
  if (tokens != rows)
    fail(kWhere, "input_ids hold " + std::to_string(tokens) + " image tokens (id " +
                     std::to_string(config.imageTokenId) + ") but the images give " + std::to_string(rows) + " rows");
  if (rows == 0) return inputsEmbeds;
  auto merged = inputsEmbeds.clone();
  merged.index_put_({isImage}, imageRows.to(merged.scalar_type()));  // row-major = image-major
  return merged;
}

Idefics2Output Idefics2ModelImpl::forward(const at::Tensor& inputIds, const at::Tensor& attentionMask,
                                          const at::Tensor& pixelValues, const at::Tensor& pixelAttentionMask,
                                          bool outputHiddenStates, TensorTrace* trace) {
  if (!inputIds.defined() || inputIds.dim() != 2) fail(kWhere, "input_ids must be [B, L]");
  if (inputIds.numel() > 0) {
    const auto lo = inputIds.min().item<int64_t>(), hi = inputIds.max().item<int64_t>();
    if (lo < 0 || hi >= config.text.vocabSize)
      fail(kWhere, "input_ids hold ids outside the vocabulary [0, " + std::to_string(config.text.vocabSize) + ")");
  }
  auto weight = text_model->embed_tokens->weight;
  auto inputsEmbeds = text_model->embed_tokens->forward(inputIds.to(weight.device()));  // [B, L, D]

  Idefics2Output out;
  at::Tensor imageRows;
  if (pixelValues.defined()) {
    if (pixelValues.dim() != 5) fail(kWhere, "pixel_values must be [B, N, C, H, W]");
    const int64_t b = pixelValues.size(0), numImages = pixelValues.size(1), channels = pixelValues.size(2),
                  height = pixelValues.size(3), width = pixelValues.size(4);
    auto pixels = pixelValues.to(weight.device(), weight.scalar_type())
                      .reshape({b * numImages, channels, height, width});  // [B·N, C, H, W]
    // Padding images are all zeros: drop them (real_images_inds).
    auto real = pixels.eq(0).sum({1, 2, 3}).ne(channels * height * width);  // [B·N]
    pixels = pixels.index({real});                                          // [N_real, C, H, W]
    at::Tensor pixelMask;
    if (pixelAttentionMask.defined()) {
      if (pixelAttentionMask.dim() != 4 || pixelAttentionMask.size(0) != b || pixelAttentionMask.size(1) != numImages ||
          pixelAttentionMask.size(2) != height || pixelAttentionMask.size(3) != width)
        fail(kWhere, "pixel_attention_mask must be [B, N, H, W] matching pixel_values");
      pixelMask = pixelAttentionMask.to(weight.device(), at::kBool).reshape({b * numImages, height, width});
      pixelMask = pixelMask.index({real});  // [N_real, H, W]
    } else {
      pixelMask = at::ones({pixels.size(0), height, width}, pixels.options().dtype(at::kBool));
    }
    if (pixels.size(0) > 0) {
      auto patchMask = patchAttentionMask(pixelMask);  // [N_real, h, w]
      if (trace) {
        (*trace)["vision.pixel_values"] = pixels;
        (*trace)["vision.patch_attention_mask"] = patchMask;
      }
      auto visionOut = vision_model->forward(pixels, patchMask);  // [N_real, h·w, Dv]
      if (trace) (*trace)["vision.last_hidden_state"] = visionOut;
      auto patchMaskFlat = patchMask.reshape({pixels.size(0), -1});                 // [N_real, h·w]
      out.imageHiddenStates = connector->forward(visionOut, patchMaskFlat, trace);  // [N_real, T, D]
      out.imageTokenMask = connector->imageTokenMask(patchMaskFlat);                // [N_real, T]
      imageRows = out.imageHiddenStates.index({out.imageTokenMask});                // [rows, D]
    }
  }
  inputsEmbeds = mergeImageTokens(inputIds.to(weight.device()), inputsEmbeds, imageRows);
  if (trace) (*trace)["text.inputs_embeds"] = inputsEmbeds;

  auto text = text_model->forward(inputsEmbeds, attentionMask, {}, outputHiddenStates || trace);
  out.lastHiddenState = text.lastHiddenState;
  if (trace) {
    for (size_t i = 0; i < text.hiddenStates.size(); ++i)
      (*trace)["text.hidden_states." + std::to_string(i)] = text.hiddenStates[i];
    (*trace)["output.last_hidden_state"] = out.lastHiddenState;
    if (out.imageHiddenStates.defined()) (*trace)["output.image_hidden_states"] = out.imageHiddenStates;
  }
  if (outputHiddenStates) out.hiddenStates = std::move(text.hiddenStates);
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// checkpoints

void loadIdefics2Weights(Idefics2ModelImpl& model, const std::map<std::string, at::Tensor>& tensors,
                         const std::string& source) {
  const std::string prefix = "model.";
  const std::string perceiver = "connector.perceiver_resampler.";
  std::map<std::string, at::Tensor> selected;
  for (const auto& [name, tensor] : tensors) {
    if (name.rfind("lm_head.", 0) == 0) continue;  // Idefics2ForConditionalGeneration's head
    std::string key = name.rfind(prefix, 0) == 0 ? name.substr(prefix.size()) : name;
    if (!model.config.usePerceiver && key.rfind(perceiver, 0) == 0) continue;  // MUMU mode: no perceiver
    if (!selected.emplace(key, tensor).second)
      fail(source, "tensor " + key + " is present both with and without the \"model.\" prefix");
  }
  torch::NoGradGuard noGrad;
  loadStateDict(model, selected, source, /*strict=*/true);
}

void loadIdefics2Checkpoint(Idefics2ModelImpl& model, const std::string& dir) {
  const fs::path single = fs::path(dir) / "model.safetensors";
  const fs::path index = fs::path(dir) / "model.safetensors.index.json";
  std::error_code ec;
  if (fs::is_regular_file(single, ec)) {
    loadIdefics2Weights(model, loadSafetensors(single.string()), single.string());
    return;
  }
  if (!fs::is_regular_file(index, ec)) fail(dir, "neither model.safetensors nor model.safetensors.index.json found");
  const json j = parseJsonFile(index.string());
  if (!j.is_object() || !j.contains("weight_map") || !j["weight_map"].is_object())
    fail(index.string(), "weight_map: expected an object of tensor name → shard file");
  std::set<std::string> shards;
  for (const auto& [name, file] : j["weight_map"].items()) {
    if (!file.is_string()) fail(index.string(), "weight_map." + name + ": expected a file name");
    const std::string f = file.get<std::string>();
    if (f.empty() || f.find('/') != std::string::npos || f.find('\\') != std::string::npos || f == "." || f == "..")
      fail(index.string(), "weight_map." + name + ": \"" + f + "\" is not a file name in the checkpoint folder");
    shards.insert(f);
  }
  std::map<std::string, at::Tensor> all;
  for (const auto& shard : shards) {
    for (auto& [name, tensor] : loadSafetensors((fs::path(dir) / shard).string())) all.emplace(name, tensor);
  }
  loadIdefics2Weights(model, all, index.string());
}

std::map<std::string, at::Tensor> runIdefics2Case(const std::string& caseDir,
                                                  const std::map<std::string, at::Tensor>& io,
                                                  const at::TensorOptions& o) {
  const auto config = loadIdefics2Config((fs::path(caseDir) / "config.json").string());
  Idefics2Model model(config, at::TensorOptions().dtype(at::kFloat));
  loadIdefics2Checkpoint(*model, caseDir);
  model->to(o.device(), o.dtype().toScalarType());
  model->eval();
  auto input = [&](const std::string& name) {  // ids and masks keep their dtype, pixels take the model's
    auto it = io.find(name);
    if (it == io.end()) return at::Tensor();
    const at::Tensor& t = it->second;
    return at::isFloatingType(t.scalar_type()) ? t.to(o.device(), o.dtype().toScalarType()) : t.to(o.device());
  };
  if (!input("input.input_ids").defined()) fail(caseDir, "the case has no input.input_ids");
  torch::NoGradGuard noGrad;
  TensorTrace trace;
  model->forward(input("input.input_ids"), input("input.attention_mask"), input("input.pixel_values"),
                 input("input.pixel_attention_mask"), /*outputHiddenStates=*/true, &trace);
  return trace;
}

// ---------------------------------------------------------------------------------------------------------
// prompt assembly

TokenSegment TokenSegment::makeText(std::string text) {
  TokenSegment s;
  s.kind = Kind::Text;
  s.text = std::move(text);
  return s;
}

TokenSegment TokenSegment::makeImage(int64_t imageTokens, int64_t subImages) {
  TokenSegment s;
  s.kind = Kind::Image;
  s.imageTokens = imageTokens;
  s.subImages = subImages;
  return s;
}

Idefics2SpecialTokens idefics2SpecialTokens(const Idefics2Config& config) {
  Idefics2SpecialTokens t;
  t.bos = static_cast<int32_t>(config.text.bosTokenId.value_or(1));
  t.fakeTokenAroundImage = static_cast<int32_t>(config.fakeImageTokenId);
  t.image = static_cast<int32_t>(config.imageTokenId);
  t.endOfUtterance = static_cast<int32_t>(config.endOfUtteranceTokenId);
  return t;
}

AssembledPrompt assembleIdefics2Prompt(const std::vector<TokenSegment>& segments, const EncodeTextFn& encodeText,
                                       const Idefics2SpecialTokens& tokens, bool addBos) {
  constexpr const char* where = "prompt assembly";
  constexpr int64_t kMaxTokens = 1 << 20;  // far beyond any context; stops runaway image token counts
  AssembledPrompt out;
  if (addBos) out.ids.push_back(tokens.bos);
  bool endsWithImage = false;  // the last id is the closing <fake> of an image block
  for (size_t i = 0; i < segments.size(); ++i) {
    const auto& seg = segments[i];
    PromptSpan span{seg.kind, i, static_cast<int64_t>(out.ids.size()), 0};
    if (seg.kind == TokenSegment::Kind::Text) {
      if (!seg.text.empty()) {
        if (!encodeText) fail(where, "no text encoder given for text segment " + std::to_string(i));
        const auto ids = encodeText(seg.text, /*atStart=*/out.ids.size() == (addBos ? 1u : 0u));
        for (int32_t id : ids) {
          if (id == tokens.image)
            fail(where, "text segment " + std::to_string(i) + " encodes to the <image> token id " +
                            std::to_string(tokens.image));
        }
        out.ids.insert(out.ids.end(), ids.begin(), ids.end());
        if (!ids.empty()) endsWithImage = false;
      }
    } else {
      if (seg.imageTokens <= 0 || seg.subImages <= 0)
        fail(where, "image segment " + std::to_string(i) + " needs at least one token and one sub-image");
      if (seg.imageTokens * seg.subImages + static_cast<int64_t>(out.ids.size()) > kMaxTokens)
        fail(where, "image segment " + std::to_string(i) + " makes the prompt longer than " +
                        std::to_string(kMaxTokens) + " tokens");
      if (!endsWithImage) out.ids.push_back(tokens.fakeTokenAroundImage);  // shared with the previous image
      for (int64_t s = 0; s < seg.subImages; ++s) {
        out.ids.insert(out.ids.end(), static_cast<size_t>(seg.imageTokens), tokens.image);
        out.ids.push_back(tokens.fakeTokenAroundImage);
      }
      out.numImageTokens += seg.imageTokens * seg.subImages;
      endsWithImage = true;
    }
    span.end = static_cast<int64_t>(out.ids.size());
    out.spans.push_back(span);
  }
  return out;
}

AssembledPrompt assembleIdefics2Prompt(const std::vector<TokenSegment>& segments, const SimpleEncodeTextFn& encodeText,
                                       const Idefics2SpecialTokens& tokens, bool addBos) {
  EncodeTextFn withPosition;
  if (encodeText) withPosition = [&](const std::string& text, bool) { return encodeText(text); };
  return assembleIdefics2Prompt(segments, withPosition, tokens, addBos);
}

}  // namespace mumu
