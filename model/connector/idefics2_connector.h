// idefics2_connector.h — the Idefics2 vision → language connector, ported from transformers 4.42
// modeling_idefics2.py (Idefics2MLP as modality_projection, Idefics2PerceiverAttention,
// Idefics2PerceiverLayer, Idefics2PerceiverResampler, Idefics2Connector). Submodules carry the
// transformers attribute names (`connector.modality_projection.gate_proj.weight`, ...).
//
// MUMU mode (usePerceiver false, ../shared/DESIGN.md §1): the perceiver is not built; every valid patch of
// every image is projected by modality_projection and becomes one image token.
#pragma once

#include <torch/torch.h>

#include <map>
#include <string>

#include "model/lm/mistral.h"
#include "model/nn/layers.h"

namespace mumu {

// Idefics2PerceiverConfig (the `perceiver_config` of an Idefics2 config.json); defaults are transformers'.
// In transformers 4.42 the resampler's width, MLP width (4 × width) and RMSNorm eps come from text_config.
struct Idefics2PerceiverConfig {
  std::string hiddenAct = "silu";  // hidden_act of the resampler MLP
  int64_t resamplerNLatents = 64;  // resampler_n_latents: image tokens per image
  int64_t resamplerDepth = 3;      // resampler_depth: layers
  int64_t resamplerNHeads = 16;    // resampler_n_heads
  int64_t resamplerHeadDim = 96;   // resampler_head_dim
  int64_t numKeyValueHeads = 4;    // num_key_value_heads (GQA)
  double attentionDropout = 0.0;   // attention_dropout (inference: unused)
  bool operator==(const Idefics2PerceiverConfig&) const = default;
};

// Idefics2PerceiverAttention: queries from the latents, keys/values from [context; latents], GQA, no RoPE.
struct Idefics2PerceiverAttentionImpl : torch::nn::Module {
  Idefics2PerceiverAttentionImpl(int64_t hidden, const Idefics2PerceiverConfig& c, const at::TensorOptions& o);
  // latents [N, n, D], context [N, P, D], bias additive [N, 1, 1, P + n] → [N, n, D]
  at::Tensor forward(const at::Tensor& latents, const at::Tensor& context, const at::Tensor& bias);
  int64_t numHeads, numKeyValueHeads, headDim;
  nn::Linear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, o_proj{nullptr};
};
TORCH_MODULE(Idefics2PerceiverAttention);

// Idefics2PerceiverLayer: normed latents and context → attention (+ residual) → normed MLP (+ residual).
struct Idefics2PerceiverLayerImpl : torch::nn::Module {
  Idefics2PerceiverLayerImpl(int64_t hidden, double rmsNormEps, const Idefics2PerceiverConfig& c,
                             const at::TensorOptions& o);
  at::Tensor forward(const at::Tensor& latents, const at::Tensor& context, const at::Tensor& bias);
  nn::RMSNorm input_latents_norm{nullptr}, input_context_norm{nullptr};
  Idefics2PerceiverAttention self_attn{nullptr};
  nn::RMSNorm post_attention_layernorm{nullptr};
  MistralMLP mlp{nullptr};
};
TORCH_MODULE(Idefics2PerceiverLayer);

// Idefics2PerceiverResampler: learned latents [n, D] attend to the image's patch features.
struct Idefics2PerceiverResamplerImpl : torch::nn::Module {
  Idefics2PerceiverResamplerImpl(int64_t hidden, double rmsNormEps, const Idefics2PerceiverConfig& c,
                                 const at::TensorOptions& o);
  // context [N, P, D], attentionMask bool [N, P] (valid patches) → [N, n, D]
  at::Tensor forward(const at::Tensor& context, const at::Tensor& attentionMask);
  at::Tensor latents;
  torch::nn::ModuleList layers;
  nn::RMSNorm norm{nullptr};
};
TORCH_MODULE(Idefics2PerceiverResampler);

// Idefics2Connector: modality_projection (SwiGLU MLP vision hidden → text intermediate → text hidden),
// then, unless in MUMU mode, the perceiver resampler.
struct Idefics2ConnectorImpl : torch::nn::Module {
  Idefics2ConnectorImpl(int64_t visionHidden, const MistralConfig& text, const Idefics2PerceiverConfig& perceiver,
                        bool usePerceiver, const at::TensorOptions& o);
  // imageHiddenStates [N, P, Dv], attentionMask bool [N, P] (valid patches) →
  //   perceiver: [N, n_latents, D]; MUMU mode: [N, P, D] (the projection; rows of invalid patches are not
  //   image tokens: imageTokenMask() says which are).
  // `trace` (optional) receives connector.modality_projection, connector.attention_mask, connector.output.
  at::Tensor forward(const at::Tensor& imageHiddenStates, const at::Tensor& attentionMask,
                     std::map<std::string, at::Tensor>* trace = nullptr);
  // Which rows of forward()'s output are image tokens.  attentionMask bool [N, P] → bool [N, T]
  at::Tensor imageTokenMask(const at::Tensor& attentionMask) const;
  bool usePerceiver;
  int64_t numLatents;
  MistralMLP modality_projection{nullptr};
  Idefics2PerceiverResampler perceiver_resampler{nullptr};
};
TORCH_MODULE(Idefics2Connector);

}  // namespace mumu
