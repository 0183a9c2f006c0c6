#include "model/vision/siglip.h"

#include <cmath>

#include "model/compat.h"
#include "model/error.h"

namespace mumu {

namespace {

constexpr const char* kWhere = "Idefics2VisionTransformer";

at::Tensor visionActivation(const std::string& name, const at::Tensor& x) {
  if (name == "gelu_pytorch_tanh" || name == "gelu_new") return at::gelu(x, "tanh");
  if (name == "gelu") return at::gelu(x);
  if (name == "quick_gelu") return x * at::sigmoid(1.702 * x);
  fail(kWhere, "unsupported hidden_act \"" + name + "\"");
}

}  // namespace

bool isSupportedVisionActivation(const std::string& name) {
  return name == "gelu_pytorch_tanh" || name == "gelu_new" || name == "gelu" || name == "quick_gelu";
}

// ---------------------------------------------------------------------------------------------------------
// embeddings

Idefics2VisionEmbeddingsImpl::Idefics2VisionEmbeddingsImpl(const Idefics2VisionConfig& c, const at::TensorOptions& o)
    : patchSize(c.patchSize), numPatchesPerSide(c.numPatchesPerSide()) {
  patch_embedding =
      register_module("patch_embedding", nn::Conv2d(c.numChannels, c.hiddenSize, c.patchSize, /*stride=*/c.patchSize,
                                                    /*padding=*/0, /*bias=*/true, o));
  position_embedding =
      register_module("position_embedding", nn::Embedding(numPatchesPerSide * numPatchesPerSide, c.hiddenSize, o));
}

at::Tensor idefics2VisionPositionIds(const at::Tensor& patchAttentionMask, int64_t numPatchesPerSide) {
  if (patchAttentionMask.dim() != 3) fail(kWhere, "patch_attention_mask must be [N, h, w]");
  auto mask = patchAttentionMask.to(at::kCPU, at::kBool);
  const int64_t n = mask.size(0), h = mask.size(1), w = mask.size(2);
  const double side = static_cast<double>(numPatchesPerSide);
  // The same float32 ops as the reference (arange + bucketize), so boundary cases round identically.
  auto boundaries = at::arange(1.0 / side, 1.0, 1.0 / side, at::TensorOptions().dtype(at::kFloat));
  auto positionIds = at::zeros({n, h * w}, at::TensorOptions().dtype(at::kLong));  // [N, h·w]
  auto bucketsFor = [&](int64_t count) {
    // 1 / count as the reference computes it: a float32 reciprocal of an integer tensor.
    const float step = 1.0f / static_cast<float>(count);
    auto coords = at::arange(0.0, 1.0 - 1e-6, static_cast<double>(step), at::TensorOptions().dtype(at::kFloat));
    return at::bucketize(coords, boundaries, /*out_int32=*/false, /*right=*/true);
  };
  for (int64_t i = 0; i < n; ++i) {
    auto m = mask[i];  // [h, w]
    const int64_t nbH = m.select(1, 0).sum().item<int64_t>();
    const int64_t nbW = m.select(0, 0).sum().item<int64_t>();
    const int64_t valid = m.sum().item<int64_t>();
    if (nbH == 0 || nbW == 0) fail(kWhere, "image " + std::to_string(i) + " has no valid patch");
    auto bucketH = bucketsFor(nbH), bucketW = bucketsFor(nbW);
    if (valid != nbH * nbW || bucketH.numel() != nbH || bucketW.numel() != nbW)
      fail(kWhere, "the valid patches of image " + std::to_string(i) + " do not form a top-left rectangle");
    auto ids = (bucketH.unsqueeze(1) * numPatchesPerSide + bucketW.unsqueeze(0)).flatten();  // [nbH·nbW]
    positionIds[i].index_put_({m.reshape(-1)}, ids);
  }
  return positionIds;
}

at::Tensor Idefics2VisionEmbeddingsImpl::forward(const at::Tensor& pixelValues, const at::Tensor& patchAttentionMask) {
  auto patches = patch_embedding->forward(pixelValues);  // [N, D, H/p, W/p]
  auto embeddings = patches.flatten(2).transpose(1, 2);  // [N, (H/p)·(W/p), D]
  if (patchAttentionMask.size(1) != patches.size(2) || patchAttentionMask.size(2) != patches.size(3))
    fail(kWhere, "patch_attention_mask does not match the patch grid of pixel_values");
  auto positionIds = idefics2VisionPositionIds(patchAttentionMask, numPatchesPerSide).to(pixelValues.device());
  return embeddings + position_embedding->forward(positionIds);
}

// ---------------------------------------------------------------------------------------------------------
// encoder

Idefics2VisionAttentionImpl::Idefics2VisionAttentionImpl(const Idefics2VisionConfig& c, const at::TensorOptions& o)
    : numHeads(c.numAttentionHeads), headDim(c.hiddenSize / c.numAttentionHeads) {
  k_proj = register_module("k_proj", nn::Linear(c.hiddenSize, c.hiddenSize, /*bias=*/true, o));
  v_proj = register_module("v_proj", nn::Linear(c.hiddenSize, c.hiddenSize, /*bias=*/true, o));
  q_proj = register_module("q_proj", nn::Linear(c.hiddenSize, c.hiddenSize, /*bias=*/true, o));
  out_proj = register_module("out_proj", nn::Linear(c.hiddenSize, c.hiddenSize, /*bias=*/true, o));
}

at::Tensor Idefics2VisionAttentionImpl::forward(const at::Tensor& x, const at::Tensor& bias) {
  const int64_t n = x.size(0), len = x.size(1);
  auto heads = [&](const at::Tensor& t) { return t.view({n, len, numHeads, headDim}).transpose(1, 2); };
  auto q = heads(q_proj->forward(x));  // [N, H, L, hd]
  auto k = heads(k_proj->forward(x));
  auto v = heads(v_proj->forward(x));
  auto out = compat::attention(q, k, v, bias, /*causal=*/false, 1.0 / std::sqrt(static_cast<double>(headDim)));
  out = out.transpose(1, 2).reshape({n, len, numHeads * headDim});  // [N, L, D]
  return out_proj->forward(out);
}

Idefics2VisionMLPImpl::Idefics2VisionMLPImpl(const Idefics2VisionConfig& c, const at::TensorOptions& o)
    : act(c.hiddenAct) {
  if (!isSupportedVisionActivation(act)) fail(kWhere, "unsupported hidden_act \"" + act + "\"");
  fc1 = register_module("fc1", nn::Linear(c.hiddenSize, c.intermediateSize, /*bias=*/true, o));
  fc2 = register_module("fc2", nn::Linear(c.intermediateSize, c.hiddenSize, /*bias=*/true, o));
}

at::Tensor Idefics2VisionMLPImpl::forward(const at::Tensor& x) {
  return fc2->forward(visionActivation(act, fc1->forward(x)));
}

Idefics2EncoderLayerImpl::Idefics2EncoderLayerImpl(const Idefics2VisionConfig& c, const at::TensorOptions& o) {
  self_attn = register_module("self_attn", Idefics2VisionAttention(c, o));
  layer_norm1 = register_module("layer_norm1", nn::LayerNorm(c.hiddenSize, c.layerNormEps, true, true, o));
  mlp = register_module("mlp", Idefics2VisionMLP(c, o));
  layer_norm2 = register_module("layer_norm2", nn::LayerNorm(c.hiddenSize, c.layerNormEps, true, true, o));
}

at::Tensor Idefics2EncoderLayerImpl::forward(const at::Tensor& x, const at::Tensor& bias) {
  auto h = x + self_attn->forward(layer_norm1->forward(x), bias);
  return h + mlp->forward(layer_norm2->forward(h));
}

Idefics2EncoderImpl::Idefics2EncoderImpl(const Idefics2VisionConfig& c, const at::TensorOptions& o) {
  layers = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < c.numHiddenLayers; ++i) layers->push_back(Idefics2EncoderLayer(c, o));
}

at::Tensor Idefics2EncoderImpl::forward(const at::Tensor& x, const at::Tensor& bias) {
  auto h = x;
  for (const auto& layer : *layers) h = layer->as<Idefics2EncoderLayerImpl>()->forward(h, bias);
  return h;
}

// ---------------------------------------------------------------------------------------------------------
// transformer

Idefics2VisionTransformerImpl::Idefics2VisionTransformerImpl(const Idefics2VisionConfig& c, const at::TensorOptions& o)
    : config(c) {
  embeddings = register_module("embeddings", Idefics2VisionEmbeddings(c, o));
  encoder = register_module("encoder", Idefics2Encoder(c, o));
  post_layernorm = register_module("post_layernorm", nn::LayerNorm(c.hiddenSize, c.layerNormEps, true, true, o));
}

at::Tensor Idefics2VisionTransformerImpl::forward(const at::Tensor& pixelValues, const at::Tensor& patchAttentionMask) {
  if (pixelValues.dim() != 4 || pixelValues.size(1) != config.numChannels)
    fail(kWhere, "pixel_values must be [N, " + std::to_string(config.numChannels) + ", H, W]");
  const int64_t n = pixelValues.size(0), p = config.patchSize;
  auto mask = patchAttentionMask.defined() ? patchAttentionMask.to(at::kBool)
                                           : at::ones({n, pixelValues.size(2) / p, pixelValues.size(3) / p},
                                                      pixelValues.options().dtype(at::kBool));  // [N, H/p, W/p]
  auto h = embeddings->forward(pixelValues, mask);                                              // [N, L, D]
  auto keep = mask.reshape({n, -1});                                                            // [N, L]
  at::Tensor bias;  // none when every patch is valid, as the reference
  if (!keep.all().item<bool>())
    bias = compat::additiveMask(keep.view({n, 1, 1, -1}).to(h.device()), h.scalar_type());  // [N, 1, 1, L]
  h = encoder->forward(h, bias);
  return post_layernorm->forward(h);
}

}  // namespace mumu
