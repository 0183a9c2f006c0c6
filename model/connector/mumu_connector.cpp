// mumu_connector.cpp — see mumu_connector.h.
#include "model/connector/mumu_connector.h"

#include <nlohmann/json.hpp>

#include "model/compat.h"
#include "model/error.h"

namespace mumu {

namespace {

int64_t readInt(const nlohmann::json& j, const char* key, int64_t fallback, const std::string& source) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  if (!it->is_number_integer()) fail(source, std::string(key) + ": expected an integer");
  return it->get<int64_t>();
}

}  // namespace

MumuConnectorConfig parseMumuConnectorConfig(const nlohmann::json& j, const std::string& source) {
  if (!j.is_object()) fail(source, "expected an object");
  MumuConnectorConfig c;
  c.inputDim = readInt(j, "input_dim", c.inputDim, source);
  c.hiddenSize = readInt(j, "hidden_size", c.hiddenSize, source);
  c.numLayers = readInt(j, "num_layers", c.numLayers, source);
  c.numHeads = readInt(j, "num_attention_heads", c.numHeads, source);
  c.intermediateSize = readInt(j, "intermediate_size", c.intermediateSize, source);
  c.outputDim = readInt(j, "output_dim", c.outputDim, source);
  c.pooledDim = readInt(j, "pooled_dim", c.pooledDim, source);
  if (auto it = j.find("norm_eps"); it != j.end()) {
    if (!it->is_number()) fail(source, "norm_eps: expected a number");
    c.normEps = it->get<double>();
  }
  validateMumuConnectorConfig(c, source);
  return c;
}

nlohmann::json toJson(const MumuConnectorConfig& c) {
  return {{"input_dim", c.inputDim},
          {"hidden_size", c.hiddenSize},
          {"num_layers", c.numLayers},
          {"num_attention_heads", c.numHeads},
          {"intermediate_size", c.intermediateSize},
          {"output_dim", c.outputDim},
          {"pooled_dim", c.pooledDim},
          {"norm_eps", c.normEps}};
}

void validateMumuConnectorConfig(const MumuConnectorConfig& c, const std::string& source) {
  auto positive = [&](int64_t v, const char* key) {
    if (v <= 0) fail(source, std::string(key) + ": must be positive, got " + std::to_string(v));
  };
  positive(c.inputDim, "input_dim");
  positive(c.hiddenSize, "hidden_size");
  positive(c.numLayers, "num_layers");
  positive(c.numHeads, "num_attention_heads");
  positive(c.intermediateSize, "intermediate_size");
  positive(c.outputDim, "output_dim");
  if (c.pooledDim < 0) fail(source, "pooled_dim: must not be negative");
  if (c.hiddenSize % c.numHeads != 0)
    fail(source, "hidden_size " + std::to_string(c.hiddenSize) + " is not divisible by num_attention_heads " +
                     std::to_string(c.numHeads));
  if (!(c.normEps > 0)) fail(source, "norm_eps: must be positive");
}

MumuConnectorAttentionImpl::MumuConnectorAttentionImpl(int64_t dim, int64_t h, const at::TensorOptions& o) : heads(h) {
  q_proj = register_module("q_proj", nn::Linear(dim, dim, true, o));
  k_proj = register_module("k_proj", nn::Linear(dim, dim, true, o));
  v_proj = register_module("v_proj", nn::Linear(dim, dim, true, o));
  o_proj = register_module("o_proj", nn::Linear(dim, dim, true, o));
}

at::Tensor MumuConnectorAttentionImpl::forward(const at::Tensor& x, const at::Tensor& bias) {
  const int64_t B = x.size(0), L = x.size(1), C = x.size(2), D = C / heads;
  auto split = [&](const at::Tensor& t) { return t.view({B, L, heads, D}).transpose(1, 2); };  // [B, H, L, D]
  at::Tensor a = compat::attention(split(q_proj(x)), split(k_proj(x)), split(v_proj(x)), bias);
  return o_proj(a.transpose(1, 2).reshape({B, L, C}));
}

MumuConnectorMlpImpl::MumuConnectorMlpImpl(int64_t dim, int64_t inner, const at::TensorOptions& o) {
  fc1 = register_module("fc1", nn::Linear(dim, inner, true, o));
  fc2 = register_module("fc2", nn::Linear(inner, dim, true, o));
}

at::Tensor MumuConnectorMlpImpl::forward(const at::Tensor& x) {
  return fc2(at::gelu(fc1(x), "tanh"));
}

MumuConnectorLayerImpl::MumuConnectorLayerImpl(const MumuConnectorConfig& c, const at::TensorOptions& o) {
  norm1 = register_module("norm1", nn::LayerNorm(c.hiddenSize, c.normEps, true, true, o));
  attn = register_module("attn", MumuConnectorAttention(c.hiddenSize, c.numHeads, o));
  norm2 = register_module("norm2", nn::LayerNorm(c.hiddenSize, c.normEps, true, true, o));
  mlp = register_module("mlp", MumuConnectorMlp(c.hiddenSize, c.intermediateSize, o));
}

at::Tensor MumuConnectorLayerImpl::forward(const at::Tensor& x, const at::Tensor& bias) {
  at::Tensor h = x + attn(norm1(x), bias);
  return h + mlp(norm2(h));
}

MumuConnectorImpl::MumuConnectorImpl(const MumuConnectorConfig& c, const at::TensorOptions& o) : config(c) {
  validateMumuConnectorConfig(c, "MumuConnector");
  proj_in = register_module("proj_in", nn::Linear(c.inputDim, c.hiddenSize, true, o));
  layers = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < c.numLayers; ++i) {
    layerList.push_back(MumuConnectorLayer(c, o));
    layers->push_back(layerList.back());
  }
  norm_out = register_module("norm_out", nn::LayerNorm(c.hiddenSize, c.normEps, true, true, o));
  proj_out = register_module("proj_out", nn::Linear(c.hiddenSize, c.outputDim, true, o));
  if (c.pooledDim > 0) pool_proj = register_module("pool_proj", nn::Linear(c.outputDim, c.pooledDim, true, o));
}

MumuConnectorOutput MumuConnectorImpl::forward(const at::Tensor& hidden, const at::Tensor& mask) {
  if (hidden.dim() != 3 || hidden.size(2) != config.inputDim)
    fail("MumuConnector",
         "expected hidden states [B, L, " + std::to_string(config.inputDim) + "], got " + c10::str(hidden.sizes()));
  if (mask.defined() && (mask.dim() != 2 || mask.size(0) != hidden.size(0) || mask.size(1) != hidden.size(1)))
    fail("MumuConnector",
         "mask " + c10::str(mask.sizes()) + " does not match hidden states " + c10::str(hidden.sizes()));
  at::Tensor x = proj_in(hidden);  // [B, L, hidden]
  at::Tensor bias;                 // [B, 1, 1, L]: padded keys masked (finite, so no row is ever NaN)
  if (mask.defined()) bias = compat::additiveMask(mask.to(at::kBool), x.scalar_type()).view({x.size(0), 1, 1, -1});
  for (auto& layer : layerList) x = layer(x, bias);
  MumuConnectorOutput out;
  out.states = proj_out(norm_out(x));  // [B, L, out]
  if (pool_proj) {
    // Masked mean in float32 (a long prompt's sum in bf16 loses digits), then the projection.
    at::Tensor s = out.states.to(at::kFloat);
    at::Tensor pooled;
    if (mask.defined()) {
      at::Tensor m = mask.to(at::kFloat).unsqueeze(-1);  // [B, L, 1]
      pooled = (s * m).sum(1) / m.sum(1).clamp_min(1.0);
    } else {
      pooled = s.mean(1);
    }
    out.pooled = pool_proj(pooled.to(out.states.scalar_type()));  // [B, pooled]
  }
  return out;
}

}  // namespace mumu
