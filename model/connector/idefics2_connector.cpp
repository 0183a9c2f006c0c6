#include "model/connector/idefics2_connector.h"

#include <cmath>

#include "model/compat.h"
#include "model/error.h"

namespace mumu {

namespace {
constexpr const char* kWhere = "Idefics2Connector";
}  // namespace

Idefics2PerceiverAttentionImpl::Idefics2PerceiverAttentionImpl(int64_t hidden, const Idefics2PerceiverConfig& c,
                                                               const at::TensorOptions& o)
    : numHeads(c.resamplerNHeads), numKeyValueHeads(c.numKeyValueHeads), headDim(c.resamplerHeadDim) {
  q_proj = register_module("q_proj", nn::Linear(hidden, numHeads * headDim, /*bias=*/false, o));
  k_proj = register_module("k_proj", nn::Linear(hidden, numKeyValueHeads * headDim, /*bias=*/false, o));
  v_proj = register_module("v_proj", nn::Linear(hidden, numKeyValueHeads * headDim, /*bias=*/false, o));
  o_proj = register_module("o_proj", nn::Linear(numHeads * headDim, hidden, /*bias=*/false, o));
}

at::Tensor Idefics2PerceiverAttentionImpl::forward(const at::Tensor& latents, const at::Tensor& context,
                                                   const at::Tensor& bias) {
  const int64_t n = latents.size(0), queries = latents.size(1);
  auto keysIn = at::cat({context, latents}, 1);  // [N, P + n, D]
  const int64_t keys = keysIn.size(1);
  auto q = q_proj->forward(latents).view({n, queries, numHeads, headDim}).transpose(1, 2);      // [N, H, n, hd]
  auto k = k_proj->forward(keysIn).view({n, keys, numKeyValueHeads, headDim}).transpose(1, 2);  // [N, Hkv, P+n, hd]
  auto v = v_proj->forward(keysIn).view({n, keys, numKeyValueHeads, headDim}).transpose(1, 2);
  if (numKeyValueHeads != numHeads) {  // repeat_kv
    const int64_t groups = numHeads / numKeyValueHeads;
    k = k.unsqueeze(2).expand({n, numKeyValueHeads, groups, keys, headDim}).reshape({n, numHeads, keys, headDim});
    v = v.unsqueeze(2).expand({n, numKeyValueHeads, groups, keys, headDim}).reshape({n, numHeads, keys, headDim});
  }
  auto out = compat::attention(q, k, v, bias, /*causal=*/false, 1.0 / std::sqrt(static_cast<double>(headDim)));
  out = out.transpose(1, 2).reshape({n, queries, numHeads * headDim});  // [N, n, H·hd]
  return o_proj->forward(out);
}

Idefics2PerceiverLayerImpl::Idefics2PerceiverLayerImpl(int64_t hidden, double eps, const Idefics2PerceiverConfig& c,
                                                       const at::TensorOptions& o) {
  input_latents_norm = register_module("input_latents_norm", nn::RMSNorm(hidden, eps, o));
  input_context_norm = register_module("input_context_norm", nn::RMSNorm(hidden, eps, o));
  self_attn = register_module("self_attn", Idefics2PerceiverAttention(hidden, c, o));
  post_attention_layernorm = register_module("post_attention_layernorm", nn::RMSNorm(hidden, eps, o));
  mlp = register_module("mlp", MistralMLP(hidden, hidden * 4, hidden, c.hiddenAct, o));
}

at::Tensor Idefics2PerceiverLayerImpl::forward(const at::Tensor& latents, const at::Tensor& context,
                                               const at::Tensor& bias) {
  auto h =
      latents + self_attn->forward(input_latents_norm->forward(latents), input_context_norm->forward(context), bias);
  return h + mlp->forward(post_attention_layernorm->forward(h));
}

Idefics2PerceiverResamplerImpl::Idefics2PerceiverResamplerImpl(int64_t hidden, double eps,
                                                               const Idefics2PerceiverConfig& c,
                                                               const at::TensorOptions& o) {
  latents = register_parameter("latents", torch::empty({c.resamplerNLatents, hidden}, o));
  layers = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < c.resamplerDepth; ++i) layers->push_back(Idefics2PerceiverLayer(hidden, eps, c, o));
  norm = register_module("norm", nn::RMSNorm(hidden, eps, o));
}

at::Tensor Idefics2PerceiverResamplerImpl::forward(const at::Tensor& context, const at::Tensor& attentionMask) {
  const int64_t n = context.size(0), numLatents = latents.size(0);
  auto h = latents.unsqueeze(0).expand({n, numLatents, latents.size(1)});  // [N, n, D]
  // Keys are [context; latents]: the latents are always valid.
  auto keep = at::cat(
      {attentionMask.to(context.device(), at::kBool), at::ones({n, numLatents}, context.options().dtype(at::kBool))},
      1);                                                                             // [N, P + n]
  auto bias = compat::additiveMask(keep.view({n, 1, 1, -1}), context.scalar_type());  // [N, 1, 1, P + n]
  for (const auto& layer : *layers) h = layer->as<Idefics2PerceiverLayerImpl>()->forward(h, context, bias);
  return norm->forward(h);
}

Idefics2ConnectorImpl::Idefics2ConnectorImpl(int64_t visionHidden, const MistralConfig& text,
                                             const Idefics2PerceiverConfig& perceiver, bool usePerceiver_,
                                             const at::TensorOptions& o)
    : usePerceiver(usePerceiver_), numLatents(perceiver.resamplerNLatents) {
  modality_projection = register_module(
      "modality_projection", MistralMLP(visionHidden, text.intermediateSize, text.hiddenSize, text.hiddenAct, o));
  if (usePerceiver) {
    perceiver_resampler = register_module("perceiver_resampler",
                                          Idefics2PerceiverResampler(text.hiddenSize, text.rmsNormEps, perceiver, o));
  }
}

at::Tensor Idefics2ConnectorImpl::forward(const at::Tensor& imageHiddenStates, const at::Tensor& attentionMask,
                                          std::map<std::string, at::Tensor>* trace) {
  if (imageHiddenStates.dim() != 3 || attentionMask.dim() != 2 || attentionMask.size(0) != imageHiddenStates.size(0) ||
      attentionMask.size(1) != imageHiddenStates.size(1))
    fail(kWhere, "expected image hidden states [N, P, D] and an attention mask [N, P]");
  auto projected = modality_projection->forward(imageHiddenStates);  // [N, P, D_text]
  auto mask = attentionMask.to(at::kBool);
  if (trace) {
    (*trace)["connector.modality_projection"] = projected;
    (*trace)["connector.attention_mask"] = mask;
  }
  auto out = usePerceiver ? perceiver_resampler->forward(projected, mask) : projected;  // [N, n or P, D_text]
  if (trace) (*trace)["connector.output"] = out;
  return out;
}

at::Tensor Idefics2ConnectorImpl::imageTokenMask(const at::Tensor& attentionMask) const {
  if (!usePerceiver) return attentionMask.to(at::kBool);
  return at::ones({attentionMask.size(0), numLatents}, attentionMask.options().dtype(at::kBool));
}

}  // namespace mumu
