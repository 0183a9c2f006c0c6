// mistral.h — the Mistral decoder Idefics2 uses as its language model, ported from transformers 4.42
// modeling_mistral.py (MistralRMSNorm, MistralRotaryEmbedding, MistralAttention (eager), MistralMLP,
// MistralDecoderLayer, MistralModel). Submodules carry the transformers attribute names, so
// `text_model.*` checkpoint keys load unchanged. No KV cache: MUMU reads hidden states, it does not
// generate text.
//
//   MistralModel lm(config, at::TensorOptions());
//   MistralOutput out = lm->forward(lm->embed_tokens->forward(ids), attentionMask, {}, /*outputHiddenStates=*/true);
#pragma once

#include <torch/torch.h>

#include <optional>
#include <string>
#include <vector>

#include "model/nn/layers.h"

namespace mumu {

// MistralConfig (the `text_config` of an Idefics2 config.json); defaults are transformers' MistralConfig.
struct MistralConfig {
  int64_t vocabSize = 32000;                    // vocab_size (Idefics2-8B: 32003)
  int64_t hiddenSize = 4096;                    // hidden_size
  int64_t intermediateSize = 14336;             // intermediate_size
  int64_t numHiddenLayers = 32;                 // num_hidden_layers
  int64_t numAttentionHeads = 32;               // num_attention_heads
  int64_t numKeyValueHeads = 8;                 // num_key_value_heads (GQA)
  std::optional<int64_t> headDim;               // head_dim (newer configs); unset = hidden / heads
  std::string hiddenAct = "silu";               // hidden_act
  int64_t maxPositionEmbeddings = 4096 * 32;    // max_position_embeddings (informative)
  double rmsNormEps = 1e-6;                     // rms_norm_eps
  double ropeTheta = 10000.0;                   // rope_theta
  std::optional<int64_t> slidingWindow = 4096;  // sliding_window (null = none)
  std::optional<int64_t> padTokenId;            // pad_token_id
  std::optional<int64_t> bosTokenId = 1;        // bos_token_id
  std::optional<int64_t> eosTokenId = 2;        // eos_token_id
  bool tieWordEmbeddings = false;               // tie_word_embeddings (lm_head only; not built here)
  double attentionDropout = 0.0;                // attention_dropout (inference: unused)

  int64_t resolvedHeadDim() const { return headDim ? *headDim : hiddenSize / numAttentionHeads; }
  bool operator==(const MistralConfig&) const = default;
};

// The activations transformers' ACT2FN offers that the gated MLPs here implement:
// silu / swish, gelu, gelu_pytorch_tanh / gelu_new, relu.
bool isSupportedActivation(const std::string& name);
at::Tensor applyActivation(const std::string& name, const at::Tensor& x);

// MistralRotaryEmbedding + apply_rotary_pos_emb (rotate_half convention: the two halves of each head are
// the (real, imaginary) pairs). q/k: [B, H, L, hd], positionIds int [B or 1, L].
std::pair<at::Tensor, at::Tensor> applyRotary(const at::Tensor& q, const at::Tensor& k, const at::Tensor& positionIds,
                                              double theta);

// Position ids generate() derives from a padding mask (cumsum − 1, padded positions 1): for left-padded
// batches. MistralModel::forward does not use it by itself (see there).  mask [B, L] → int64 [B, L]
at::Tensor positionIdsFromAttentionMask(const at::Tensor& attentionMask);

// MistralAttention: q/k/v/o projections without bias, GQA, RoPE; eager softmax attention.
struct MistralAttentionImpl : torch::nn::Module {
  MistralAttentionImpl(const MistralConfig& c, const at::TensorOptions& o);
  // x [B, L, D], positionIds [B or 1, L], bias additive [B, 1, L, L] → [B, L, D]
  at::Tensor forward(const at::Tensor& x, const at::Tensor& positionIds, const at::Tensor& bias);
  int64_t numHeads, numKeyValueHeads, headDim;
  double ropeTheta;
  nn::Linear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, o_proj{nullptr};
};
TORCH_MODULE(MistralAttention);

// MistralMLP: down_proj(act(gate_proj(x)) · up_proj(x)), no bias (also Idefics2MLP: the output size may
// differ from the input size).
struct MistralMLPImpl : torch::nn::Module {
  MistralMLPImpl(int64_t hidden, int64_t intermediate, int64_t output, const std::string& act,
                 const at::TensorOptions& o);
  at::Tensor forward(const at::Tensor& x);
  std::string act;
  nn::Linear gate_proj{nullptr}, up_proj{nullptr}, down_proj{nullptr};
};
TORCH_MODULE(MistralMLP);

// MistralDecoderLayer: pre-norm attention and MLP blocks with residuals.
struct MistralDecoderLayerImpl : torch::nn::Module {
  MistralDecoderLayerImpl(const MistralConfig& c, const at::TensorOptions& o);
  at::Tensor forward(const at::Tensor& x, const at::Tensor& positionIds, const at::Tensor& bias);
  MistralAttention self_attn{nullptr};
  MistralMLP mlp{nullptr};
  nn::RMSNorm input_layernorm{nullptr}, post_attention_layernorm{nullptr};
};
TORCH_MODULE(MistralDecoderLayer);

struct MistralOutput {
  at::Tensor lastHiddenState;  // [B, L, D], after the final norm
  // output_hidden_states convention: [0] = inputs_embeds, [i] = output of layer i−1 (un-normed) for
  // 1 ≤ i < num_hidden_layers, [num_hidden_layers] = lastHiddenState. Empty unless asked for.
  std::vector<at::Tensor> hiddenStates;
};

// The attention bias of MistralModel (eager): causal, limited to the last `slidingWindow` keys when set,
// and padded keys (attention_mask 0) masked.  attentionMask [B, L] or undefined → [B or 1, 1, L, L]
at::Tensor mistralAttentionBias(int64_t length, const at::Tensor& attentionMask, std::optional<int64_t> slidingWindow,
                                at::ScalarType dtype, const at::Device& device);

// MistralModel: embed_tokens, layers, norm.
struct MistralModelImpl : torch::nn::Module {
  MistralModelImpl(const MistralConfig& c, const at::TensorOptions& o);
  // inputsEmbeds [B, L, D]; attentionMask [B, L] (1 = token, 0 = padding; undefined = all tokens);
  // positionIds [B or 1, L] (undefined = 0 … L−1 for every row, which is what transformers 4.42's
  // Idefics2Model / MistralModel use when none are passed, padding or not).
  MistralOutput forward(const at::Tensor& inputsEmbeds, const at::Tensor& attentionMask = {},
                        const at::Tensor& positionIds = {}, bool outputHiddenStates = false);
  MistralConfig config;
  nn::Embedding embed_tokens{nullptr};
  torch::nn::ModuleList layers;
  nn::RMSNorm norm{nullptr};
};
TORCH_MODULE(MistralModel);

}  // namespace mumu
