// siglip.h — the Idefics2 vision tower: a SigLIP vision transformer with NaViT-style variable resolution,
// ported from transformers 4.42 modeling_idefics2.py (Idefics2VisionEmbeddings, Idefics2VisionAttention,
// Idefics2VisionMLP, Idefics2EncoderLayer, Idefics2Encoder, Idefics2VisionTransformer). Submodules carry
// the transformers attribute names, so `vision_model.*` checkpoint keys load unchanged.
//
//   Idefics2VisionTransformer vit(config, at::TensorOptions());
//   at::Tensor h = vit->forward(pixelValues, patchAttentionMask);   // [N, (H/14)·(W/14), hidden]
#pragma once

#include <torch/torch.h>

#include <string>

#include "model/nn/layers.h"

namespace mumu {

// Idefics2VisionConfig (the `vision_config` of an Idefics2 config.json); defaults are transformers'.
struct Idefics2VisionConfig {
  int64_t hiddenSize = 768;                     // hidden_size (SigLIP-SO400M: 1152)
  int64_t intermediateSize = 3072;              // intermediate_size (4304)
  int64_t numHiddenLayers = 12;                 // num_hidden_layers (27)
  int64_t numAttentionHeads = 12;               // num_attention_heads (16)
  int64_t numChannels = 3;                      // num_channels
  int64_t imageSize = 224;                      // image_size: side of the position grid in pixels (980)
  int64_t patchSize = 32;                       // patch_size (14)
  std::string hiddenAct = "gelu_pytorch_tanh";  // hidden_act of the MLP
  double layerNormEps = 1e-6;                   // layer_norm_eps
  double attentionDropout = 0.0;                // attention_dropout (inference: unused)

  int64_t numPatchesPerSide() const { return imageSize / patchSize; }
  bool operator==(const Idefics2VisionConfig&) const = default;
};

// Idefics2VisionEmbeddings: patch conv (valid padding, stride = kernel = patch) plus learned positions.
// A partially valid image uses positions bucketed over the full grid (fractional coordinates of its valid
// patches, as NaViT), so a small image still spans the whole position table.
struct Idefics2VisionEmbeddingsImpl : torch::nn::Module {
  Idefics2VisionEmbeddingsImpl(const Idefics2VisionConfig& c, const at::TensorOptions& o);
  // pixelValues [N, C, H, W], patchAttentionMask bool [N, H/p, W/p] → [N, (H/p)·(W/p), hidden]
  at::Tensor forward(const at::Tensor& pixelValues, const at::Tensor& patchAttentionMask);
  int64_t patchSize, numPatchesPerSide;
  nn::Conv2d patch_embedding{nullptr};
  nn::Embedding position_embedding{nullptr};
};
TORCH_MODULE(Idefics2VisionEmbeddings);

// The position ids Idefics2VisionEmbeddings gives each patch: for an image whose valid patches form an
// nbH × nbW top-left rectangle, bucketize(arange(0, 1 - 1e-6, 1/nb), arange(1/n, 1, 1/n), right=True) per
// axis (n = numPatchesPerSide), row id · n + column id; invalid patches get 0.
// patchAttentionMask bool [N, h, w] (any device) → int64 [N, h·w] on the CPU.
at::Tensor idefics2VisionPositionIds(const at::Tensor& patchAttentionMask, int64_t numPatchesPerSide);

// Idefics2VisionAttention (SiglipAttention): q/k/v/out projections with bias, no causality.
struct Idefics2VisionAttentionImpl : torch::nn::Module {
  Idefics2VisionAttentionImpl(const Idefics2VisionConfig& c, const at::TensorOptions& o);
  // x [N, L, D], bias additive [N, 1, 1, L] or undefined → [N, L, D]
  at::Tensor forward(const at::Tensor& x, const at::Tensor& bias);
  int64_t numHeads, headDim;
  nn::Linear k_proj{nullptr}, v_proj{nullptr}, q_proj{nullptr}, out_proj{nullptr};
};
TORCH_MODULE(Idefics2VisionAttention);

// Idefics2VisionMLP: fc1 → act → fc2.
struct Idefics2VisionMLPImpl : torch::nn::Module {
  Idefics2VisionMLPImpl(const Idefics2VisionConfig& c, const at::TensorOptions& o);
  at::Tensor forward(const at::Tensor& x);
  std::string act;
  nn::Linear fc1{nullptr}, fc2{nullptr};
};
TORCH_MODULE(Idefics2VisionMLP);

// Idefics2EncoderLayer: pre-norm attention and MLP blocks with residuals.
struct Idefics2EncoderLayerImpl : torch::nn::Module {
  Idefics2EncoderLayerImpl(const Idefics2VisionConfig& c, const at::TensorOptions& o);
  at::Tensor forward(const at::Tensor& x, const at::Tensor& bias);
  Idefics2VisionAttention self_attn{nullptr};
  nn::LayerNorm layer_norm1{nullptr};
  Idefics2VisionMLP mlp{nullptr};
  nn::LayerNorm layer_norm2{nullptr};
};
TORCH_MODULE(Idefics2EncoderLayer);

// Idefics2Encoder: the stack of encoder layers (`encoder.layers.i`).
struct Idefics2EncoderImpl : torch::nn::Module {
  Idefics2EncoderImpl(const Idefics2VisionConfig& c, const at::TensorOptions& o);
  at::Tensor forward(const at::Tensor& x, const at::Tensor& bias);
  torch::nn::ModuleList layers;
};
TORCH_MODULE(Idefics2Encoder);

// Idefics2VisionTransformer: embeddings → encoder → post_layernorm. Invalid patches are masked as keys
// only: their own rows are still computed (attending to the valid patches) and ignored downstream.
struct Idefics2VisionTransformerImpl : torch::nn::Module {
  Idefics2VisionTransformerImpl(const Idefics2VisionConfig& c, const at::TensorOptions& o);
  // pixelValues [N, C, H, W]; patchAttentionMask bool [N, H/p, W/p] (undefined = every patch valid)
  // → last_hidden_state [N, (H/p)·(W/p), hidden]
  at::Tensor forward(const at::Tensor& pixelValues, const at::Tensor& patchAttentionMask = {});
  Idefics2VisionConfig config;
  Idefics2VisionEmbeddings embeddings{nullptr};
  Idefics2Encoder encoder{nullptr};
  nn::LayerNorm post_layernorm{nullptr};
};
TORCH_MODULE(Idefics2VisionTransformer);

// Whether `name` is a hidden_act the vision MLP implements (gelu_pytorch_tanh, gelu_new, gelu, quick_gelu).
bool isSupportedVisionActivation(const std::string& name);

}  // namespace mumu
