// idefics2.h — the Idefics2 vision-language encoder of MUMU: Idefics2Config (read from a transformers
// config.json), Idefics2Model (vision_model → connector → text_model, ported from transformers 4.42
// Idefics2Model), checkpoint loading, the parity probe and prompt assembly (the <image> blocks of
// Idefics2Processor).
//
//   auto config = loadIdefics2Config(dir + "/config.json");
//   config.usePerceiver = false;                          // MUMU: every patch is an image token
//   Idefics2Model model(config, at::TensorOptions());
//   loadIdefics2Checkpoint(*model, dir);                  // model.safetensors or sharded, `model.` prefix ok
//   auto out = model->forward(inputIds, attentionMask, pixelValues, pixelAttentionMask);
#pragma once

#include <torch/torch.h>

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "model/connector/idefics2_connector.h"
#include "model/lm/mistral.h"
#include "model/vision/siglip.h"

namespace mumu {

// ---------------------------------------------------------------------------------------------------------
// configuration

// Idefics2Config (transformers 4.42): an omitted key takes transformers' default, including the nested
// configs' (an omitted text_config is transformers' Idefics2 default: Mistral with rms_norm_eps 1e-5,
// max_position_embeddings 32768, pad_token_id 0; a given text_config without rms_norm_eps gets
// MistralConfig's 1e-6).
struct Idefics2Config {
  Idefics2VisionConfig vision;        // vision_config
  Idefics2PerceiverConfig perceiver;  // perceiver_config
  MistralConfig text;                 // text_config (model_type "mistral" only)
  int64_t imageTokenId = 32001;       // image_token_id: the <image> placeholder
  bool tieWordEmbeddings = false;     // tie_word_embeddings (lm_head; not built here)
  bool useCache = true;               // use_cache (informative: no KV cache here)
  // MUMU keys (absent from transformers' configs, read when present):
  bool usePerceiver = true;               // use_perceiver: false = MUMU mode, one token per valid patch
  int64_t fakeImageTokenId = 32000;       // fake_image_token_id: <fake_token_around_image>
  int64_t endOfUtteranceTokenId = 32002;  // end_of_utterance_token_id: <end_of_utterance>
  bool operator==(const Idefics2Config&) const = default;
};

// Parses a config.json of Idefics2Model / Idefics2ForConditionalGeneration. Throws mumu::Error
// "<path>: <key>: <problem>" for a missing or unreadable file, malformed JSON, a wrongly typed key, an
// unsupported text model or activation, and inconsistent sizes.
Idefics2Config loadIdefics2Config(const std::string& path);
Idefics2Config parseIdefics2Config(const nlohmann::json& json, const std::string& source);
// The size checks loadIdefics2Config applies, for configs built in code.
void validateIdefics2Config(const Idefics2Config& config, const std::string& source);

// <image> tokens one image of patchesH × patchesW patches contributes: resampler_n_latents with the
// perceiver, every patch in MUMU mode.
int64_t idefics2ImageSeqLen(const Idefics2Config& config, int64_t patchesH, int64_t patchesW);

// ---------------------------------------------------------------------------------------------------------
// model

// Named tensors recorded during a forward pass (parity probes, debugging): vision.pixel_values,
// vision.patch_attention_mask, vision.last_hidden_state, connector.modality_projection,
// connector.attention_mask, connector.output, text.inputs_embeds, text.hidden_states.<i>,
// output.last_hidden_state, output.image_hidden_states.
using TensorTrace = std::map<std::string, at::Tensor>;

struct Idefics2Output {
  at::Tensor lastHiddenState;            // [B, L, D]
  at::Tensor imageHiddenStates;          // connector output [N_real, T, D] (undefined without images)
  at::Tensor imageTokenMask;             // bool [N_real, T]: rows of imageHiddenStates that were inserted
  std::vector<at::Tensor> hiddenStates;  // MistralOutput::hiddenStates when asked for
};

struct Idefics2ModelImpl : torch::nn::Module {
  Idefics2ModelImpl(const Idefics2Config& c, const at::TensorOptions& o);

  // inputIds int [B, L]; attentionMask [B, L] (undefined = all ones); pixelValues [B, N, C, H, W] and
  // pixelAttentionMask bool [B, N, H, W] (either may be undefined). All-zero images are padding and
  // dropped, as transformers does; the <image> tokens of input_ids (image_token_id) are replaced by the
  // connector output rows, image-major, so their count must equal the rows the images produce.
  Idefics2Output forward(const at::Tensor& inputIds, const at::Tensor& attentionMask = {},
                         const at::Tensor& pixelValues = {}, const at::Tensor& pixelAttentionMask = {},
                         bool outputHiddenStates = false, TensorTrace* trace = nullptr);

  // A patch is valid if any of its pixels is.  pixelAttentionMask [N, H, W] → bool [N, H/p, W/p]
  at::Tensor patchAttentionMask(const at::Tensor& pixelAttentionMask) const;
  // inputs_merger: inputsEmbeds [B, L, D] with the <image> rows of inputIds replaced by imageRows [T, D].
  at::Tensor mergeImageTokens(const at::Tensor& inputIds, const at::Tensor& inputsEmbeds,
                              const at::Tensor& imageRows) const;

  Idefics2Config config;
  Idefics2VisionTransformer vision_model{nullptr};
  Idefics2Connector connector{nullptr};
  MistralModel text_model{nullptr};
};
TORCH_MODULE(Idefics2Model);

// Loads Idefics2Model weights strictly from named tensors: Idefics2Model names, or
// Idefics2ForConditionalGeneration's (`model.` prefix; lm_head.* ignored). In MUMU mode the perceiver's
// tensors of a stock checkpoint are ignored. Throws mumu::Error "<source>: ..." naming every missing,
// unexpected or wrongly shaped tensor.
void loadIdefics2Weights(Idefics2ModelImpl& model, const std::map<std::string, at::Tensor>& tensors,
                         const std::string& source);
// Loads <dir>/model.safetensors, or the shards listed by <dir>/model.safetensors.index.json.
void loadIdefics2Checkpoint(Idefics2ModelImpl& model, const std::string& dir);

// The parity probe (`mumu probe`): builds the model from <caseDir>/config.json (on `o`'s device and dtype), loads
// <caseDir>/model.safetensors strictly, runs `io`'s inputs (input.input_ids, and when present
// input.attention_mask, input.pixel_values, input.pixel_attention_mask) with hidden states and returns
// every traced tensor by name (see TensorTrace).
std::map<std::string, at::Tensor> runIdefics2Case(const std::string& caseDir,
                                                  const std::map<std::string, at::Tensor>& io,
                                                  const at::TensorOptions& o = {});

// ---------------------------------------------------------------------------------------------------------
// prompt assembly

// One piece of an interleaved prompt: text, or an image.
struct TokenSegment {
  enum class Kind { Text, Image };
  Kind kind = Kind::Text;
  std::string text;         // Text: the words
  int64_t imageTokens = 0;  // Image: <image> tokens per (sub-)image (idefics2ImageSeqLen)
  int64_t subImages = 1;    // Image: 5 when the image processor splits (4 crops + the whole image)

  static TokenSegment makeText(std::string text);
  static TokenSegment makeImage(int64_t imageTokens, int64_t subImages = 1);
};

// The token range [begin, end) of segment `segment`. An image's span holds its <fake_token_around_image>
// and <image> tokens; where two images touch, the one shared fake token belongs to the first image's span
// (spans never overlap). The BOS token belongs to no span.
struct PromptSpan {
  TokenSegment::Kind kind = TokenSegment::Kind::Text;
  size_t segment = 0;
  int64_t begin = 0, end = 0;
  bool operator==(const PromptSpan&) const = default;
};

struct AssembledPrompt {
  std::vector<int32_t> ids;
  std::vector<PromptSpan> spans;  // one per segment, in order
  int64_t numImageTokens = 0;     // <image> ids in `ids`
};

struct Idefics2SpecialTokens {
  int32_t bos = 1;                       // <s>
  int32_t fakeTokenAroundImage = 32000;  // <fake_token_around_image>
  int32_t image = 32001;                 // <image>
  int32_t endOfUtterance = 32002;        // <end_of_utterance>
};
Idefics2SpecialTokens idefics2SpecialTokens(const Idefics2Config& config);

// encodeText(text, atStart): the ids of one text segment, without BOS. atStart is true when nothing but BOS
// precedes the segment. Idefics2Processor tokenizes the whole expanded prompt string, and the Mistral
// tokenizer (legacy: false) puts its '▁' prefix only in front of the whole string, so only a text at the start
// gets it; a text after an image block gets none (" man" stays "▁man", not "▁▁man"). With model/text's
// Tokenizer: atStart ? tok.encode(text, false) : tok.encode("<fake_token_around_image>" + text, false) minus
// its first id. Adjacent text segments are encoded separately (BPE does not merge across them).
using EncodeTextFn = std::function<std::vector<int32_t>(const std::string& text, bool atStart)>;
// The same without the position (e.g. a test tokenizer, or one with a legacy-style prefix everywhere).
using SimpleEncodeTextFn = std::function<std::vector<int32_t>(const std::string& text)>;

// Idefics2Processor's expansion: each image becomes <fake> (<image>×imageTokens <fake>)×subImages, the
// double <fake> between adjacent images collapsed to one; text segments are encoded by `encodeText`.
// Throws mumu::Error when a text encodes to the <image> id (it would shift every image row), or an image
// segment has no tokens.
AssembledPrompt assembleIdefics2Prompt(const std::vector<TokenSegment>& segments, const EncodeTextFn& encodeText,
                                       const Idefics2SpecialTokens& tokens = {}, bool addBos = true);
AssembledPrompt assembleIdefics2Prompt(const std::vector<TokenSegment>& segments, const SimpleEncodeTextFn& encodeText,
                                       const Idefics2SpecialTokens& tokens = {}, bool addBos = true);

}  // namespace mumu
