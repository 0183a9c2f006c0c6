// mumu_connector.h — the MUMU connector (../shared/DESIGN.md §1): a non-causal transformer (ELLA-style pre-norm
// blocks: LayerNorm → self-attention → residual, LayerNorm → GELU MLP → residual) that maps the VLM's last hidden
// states (LM width) to the UNet's cross-attention width, plus the pooled vector SDXL's `text_embeds` reads (masked
// mean over the valid tokens of the output → Linear). Parameter names:
//   proj_in.{weight,bias}
//   layers.<i>.norm1.{weight,bias}  layers.<i>.attn.{q,k,v,o}_proj.{weight,bias}
//   layers.<i>.norm2.{weight,bias}  layers.<i>.mlp.fc1.{weight,bias}  layers.<i>.mlp.fc2.{weight,bias}
//   norm_out.{weight,bias}  proj_out.{weight,bias}  pool_proj.{weight,bias}
#pragma once

#include <torch/torch.h>

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "model/nn/layers.h"

namespace mumu {

// mumu.json "connector" → "config". mumu-xl: 4096 → 16 × width 2048 → 2048 (+ pooled 1280).
struct MumuConnectorConfig {
  int64_t inputDim = 4096;          // input_dim: the VLM's hidden size
  int64_t hiddenSize = 2048;        // hidden_size: the transformer's width
  int64_t numLayers = 16;           // num_layers
  int64_t numHeads = 16;            // num_attention_heads
  int64_t intermediateSize = 8192;  // intermediate_size: MLP width
  int64_t outputDim = 2048;         // output_dim: the UNet's cross_attention_dim
  int64_t pooledDim = 1280;         // pooled_dim: the UNet's text_embeds width (0 = none)
  double normEps = 1e-5;            // norm_eps
  bool operator==(const MumuConnectorConfig&) const = default;
};

// Throws mumu::Error "<source>: <key>: <problem>" for wrongly typed keys or inconsistent sizes. Omitted keys take
// the defaults above (the mumu-xl sizes).
MumuConnectorConfig parseMumuConnectorConfig(const nlohmann::json& json, const std::string& source);
nlohmann::json toJson(const MumuConnectorConfig& config);
void validateMumuConnectorConfig(const MumuConnectorConfig& config, const std::string& source);

struct MumuConnectorOutput {
  at::Tensor states;  // [B, L, outputDim]: the UNet's encoder_hidden_states
  at::Tensor pooled;  // [B, pooledDim]: the UNet's text_embeds (undefined when pooledDim is 0)
};

struct MumuConnectorAttentionImpl : torch::nn::Module {
  MumuConnectorAttentionImpl(int64_t dim, int64_t heads, const at::TensorOptions& o);
  // x: [B, L, dim]; bias: additive key mask [B, 1, 1, L] or undefined → [B, L, dim]
  at::Tensor forward(const at::Tensor& x, const at::Tensor& bias);
  nn::Linear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, o_proj{nullptr};
  int64_t heads;
};
TORCH_MODULE(MumuConnectorAttention);

struct MumuConnectorMlpImpl : torch::nn::Module {
  MumuConnectorMlpImpl(int64_t dim, int64_t inner, const at::TensorOptions& o);
  at::Tensor forward(const at::Tensor& x);  // fc1 → gelu(tanh) → fc2
  nn::Linear fc1{nullptr}, fc2{nullptr};
};
TORCH_MODULE(MumuConnectorMlp);

struct MumuConnectorLayerImpl : torch::nn::Module {
  MumuConnectorLayerImpl(const MumuConnectorConfig& c, const at::TensorOptions& o);
  at::Tensor forward(const at::Tensor& x, const at::Tensor& bias);
  nn::LayerNorm norm1{nullptr}, norm2{nullptr};
  MumuConnectorAttention attn{nullptr};
  MumuConnectorMlp mlp{nullptr};
};
TORCH_MODULE(MumuConnectorLayer);

struct MumuConnectorImpl : torch::nn::Module {
  // Allocates (does not initialise) the parameters; on at::kMeta nothing is allocated.
  MumuConnectorImpl(const MumuConnectorConfig& c, const at::TensorOptions& o);
  // hidden: [B, L, inputDim]; mask: bool [B, L], true on valid tokens (undefined = all valid). Padded positions
  // are neither attended to nor pooled; their output rows are computed but meaningless.
  MumuConnectorOutput forward(const at::Tensor& hidden, const at::Tensor& mask = {});

  MumuConnectorConfig config;
  nn::Linear proj_in{nullptr}, proj_out{nullptr}, pool_proj{nullptr};
  torch::nn::ModuleList layers;
  std::vector<MumuConnectorLayer> layerList;
  nn::LayerNorm norm_out{nullptr};
};
TORCH_MODULE(MumuConnector);

}  // namespace mumu
