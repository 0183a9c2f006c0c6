#include "model/lm/mistral.h"

#include <cmath>

#include "model/compat.h"
#include "model/error.h"

namespace mumu {

namespace {
constexpr const char* kWhere = "MistralModel";
}  // namespace

bool isSupportedActivation(const std::string& name) {
  return name == "silu" || name == "swish" || name == "gelu" || name == "gelu_pytorch_tanh" || name == "gelu_new" ||
         name == "relu";
}

at::Tensor applyActivation(const std::string& name, const at::Tensor& x) {
  if (name == "silu" || name == "swish") return at::silu(x);
  if (name == "gelu") return at::gelu(x);
  if (name == "gelu_pytorch_tanh" || name == "gelu_new") return at::gelu(x, "tanh");
  if (name == "relu") return at::relu(x);
  fail(kWhere, "unsupported hidden_act \"" + name + "\"");
}

// ---------------------------------------------------------------------------------------------------------
// rotary embedding

std::pair<at::Tensor, at::Tensor> applyRotary(const at::Tensor& q, const at::Tensor& k, const at::Tensor& positionIds,
                                              double theta) {
  const int64_t headDim = q.size(-1);
  auto f32 = q.options().dtype(at::kFloat);
  // inv_freq = 1 / θ^(2i/d), in float32 as the reference computes it.
  auto exponents = at::arange(0, headDim, 2, f32.dtype(at::kLong)).to(at::kFloat) / static_cast<double>(headDim);
  auto invFreq = at::reciprocal(at::pow(theta, exponents));  // [hd/2]
  auto freqs = positionIds.to(f32).unsqueeze(-1) * invFreq;  // [B, L, hd/2]
  auto emb = at::cat({freqs, freqs}, -1);                    // [B, L, hd]
  auto cos = emb.cos().to(q.scalar_type()).unsqueeze(1);     // [B, 1, L, hd]
  auto sin = emb.sin().to(q.scalar_type()).unsqueeze(1);
  auto rotateHalf = [](const at::Tensor& x) {
    auto halves = x.chunk(2, -1);
    return at::cat({-halves[1], halves[0]}, -1);
  };
  return {q * cos + rotateHalf(q) * sin, k * cos + rotateHalf(k) * sin};
}

at::Tensor positionIdsFromAttentionMask(const at::Tensor& attentionMask) {
  auto mask = attentionMask.to(at::kLong);
  return (mask.cumsum(-1) - 1).masked_fill(mask == 0, 1);
}

// ---------------------------------------------------------------------------------------------------------
// layers

MistralAttentionImpl::MistralAttentionImpl(const MistralConfig& c, const at::TensorOptions& o)
    : numHeads(c.numAttentionHeads),
      numKeyValueHeads(c.numKeyValueHeads),
      headDim(c.resolvedHeadDim()),
      ropeTheta(c.ropeTheta) {
  q_proj = register_module("q_proj", nn::Linear(c.hiddenSize, numHeads * headDim, /*bias=*/false, o));
  k_proj = register_module("k_proj", nn::Linear(c.hiddenSize, numKeyValueHeads * headDim, /*bias=*/false, o));
  v_proj = register_module("v_proj", nn::Linear(c.hiddenSize, numKeyValueHeads * headDim, /*bias=*/false, o));
  o_proj = register_module("o_proj", nn::Linear(numHeads * headDim, c.hiddenSize, /*bias=*/false, o));
}

at::Tensor MistralAttentionImpl::forward(const at::Tensor& x, const at::Tensor& positionIds, const at::Tensor& bias) {
  const int64_t b = x.size(0), len = x.size(1);
  auto q = q_proj->forward(x).view({b, len, numHeads, headDim}).transpose(1, 2);          // [B, H, L, hd]
  auto k = k_proj->forward(x).view({b, len, numKeyValueHeads, headDim}).transpose(1, 2);  // [B, Hkv, L, hd]
  auto v = v_proj->forward(x).view({b, len, numKeyValueHeads, headDim}).transpose(1, 2);
  std::tie(q, k) = applyRotary(q, k, positionIds, ropeTheta);
  if (numKeyValueHeads != numHeads) {  // repeat_kv: query head h reads key/value head h / groups
    const int64_t groups = numHeads / numKeyValueHeads;
    k = k.unsqueeze(2).expand({b, numKeyValueHeads, groups, len, headDim}).reshape({b, numHeads, len, headDim});
    v = v.unsqueeze(2).expand({b, numKeyValueHeads, groups, len, headDim}).reshape({b, numHeads, len, headDim});
  }
  auto out = compat::attention(q, k, v, bias, /*causal=*/false, 1.0 / std::sqrt(static_cast<double>(headDim)));
  out = out.transpose(1, 2).reshape({b, len, numHeads * headDim});  // [B, L, H·hd]
  return o_proj->forward(out);
}

MistralMLPImpl::MistralMLPImpl(int64_t hidden, int64_t intermediate, int64_t output, const std::string& a,
                               const at::TensorOptions& o)
    : act(a) {
  if (!isSupportedActivation(act)) fail(kWhere, "unsupported hidden_act \"" + act + "\"");
  gate_proj = register_module("gate_proj", nn::Linear(hidden, intermediate, /*bias=*/false, o));
  up_proj = register_module("up_proj", nn::Linear(hidden, intermediate, /*bias=*/false, o));
  down_proj = register_module("down_proj", nn::Linear(intermediate, output, /*bias=*/false, o));
}

at::Tensor MistralMLPImpl::forward(const at::Tensor& x) {
  return down_proj->forward(applyActivation(act, gate_proj->forward(x)) * up_proj->forward(x));
}

MistralDecoderLayerImpl::MistralDecoderLayerImpl(const MistralConfig& c, const at::TensorOptions& o) {
  self_attn = register_module("self_attn", MistralAttention(c, o));
  mlp = register_module("mlp", MistralMLP(c.hiddenSize, c.intermediateSize, c.hiddenSize, c.hiddenAct, o));
  input_layernorm = register_module("input_layernorm", nn::RMSNorm(c.hiddenSize, c.rmsNormEps, o));
  post_attention_layernorm = register_module("post_attention_layernorm", nn::RMSNorm(c.hiddenSize, c.rmsNormEps, o));
}

at::Tensor MistralDecoderLayerImpl::forward(const at::Tensor& x, const at::Tensor& positionIds,
                                            const at::Tensor& bias) {
  auto h = x + self_attn->forward(input_layernorm->forward(x), positionIds, bias);
  return h + mlp->forward(post_attention_layernorm->forward(h));
}

// ---------------------------------------------------------------------------------------------------------
// model

at::Tensor mistralAttentionBias(int64_t length, const at::Tensor& attentionMask, std::optional<int64_t> slidingWindow,
                                at::ScalarType dtype, const at::Device& device) {
  auto idx = at::arange(length, at::TensorOptions().dtype(at::kLong).device(device));
  auto query = idx.unsqueeze(1), key = idx.unsqueeze(0);
  auto keep = key <= query;  // [L, L]
  if (slidingWindow) keep = keep.logical_and(key > query - *slidingWindow);
  keep = keep.unsqueeze(0);  // [1, L, L]
  if (attentionMask.defined()) {
    if (attentionMask.dim() != 2 || attentionMask.size(1) != length)
      fail(kWhere, "attention_mask must be [B, " + std::to_string(length) + "]");
    keep = keep.logical_and(attentionMask.to(device).ne(0).unsqueeze(1));  // [B, L, L]
  }
  return compat::additiveMask(keep.unsqueeze(1), dtype);  // [B or 1, 1, L, L]
}

MistralModelImpl::MistralModelImpl(const MistralConfig& c, const at::TensorOptions& o) : config(c) {
  embed_tokens = register_module("embed_tokens", nn::Embedding(c.vocabSize, c.hiddenSize, o));
  layers = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < c.numHiddenLayers; ++i) layers->push_back(MistralDecoderLayer(c, o));
  norm = register_module("norm", nn::RMSNorm(c.hiddenSize, c.rmsNormEps, o));
}

MistralOutput MistralModelImpl::forward(const at::Tensor& inputsEmbeds, const at::Tensor& attentionMask,
                                        const at::Tensor& positionIds, bool outputHiddenStates) {
  if (inputsEmbeds.dim() != 3 || inputsEmbeds.size(2) != config.hiddenSize)
    fail(kWhere, "inputs_embeds must be [B, L, " + std::to_string(config.hiddenSize) + "]");
  const int64_t len = inputsEmbeds.size(1);
  auto positions = positionIds.defined()
                       ? positionIds.to(inputsEmbeds.device())
                       : at::arange(len, inputsEmbeds.options().dtype(at::kLong)).unsqueeze(0);  // [1, L]
  auto bias =
      mistralAttentionBias(len, attentionMask, config.slidingWindow, inputsEmbeds.scalar_type(), inputsEmbeds.device());
  MistralOutput out;
  auto h = inputsEmbeds;
  for (const auto& layer : *layers) {
    if (outputHiddenStates) out.hiddenStates.push_back(h);
    h = layer->as<MistralDecoderLayerImpl>()->forward(h, positions, bias);
  }
  out.lastHiddenState = norm->forward(h);
  if (outputHiddenStates) out.hiddenStates.push_back(out.lastHiddenState);
  return out;
}

}  // namespace mumu
