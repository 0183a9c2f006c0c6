// blocks.cpp — see blocks.h. Each forward follows the diffusers 0.27.2 op order so float32 results match
// the reference tensors of tests/parity to rounding noise.
#include "model/diffusion/blocks.h"

#include <cmath>

#include "model/compat.h"
#include "model/error.h"

namespace mumu {

TraceFn traceInto(std::map<std::string, at::Tensor>& out) {
  return [&out](const std::string& name, const at::Tensor& value) { out[name] = value; };
}

at::Tensor activate(Activation a, const at::Tensor& x) {
  switch (a) {
    case Activation::SiLU:
      return at::silu(x);
    case Activation::GELU:
      return at::gelu(x);
    case Activation::ReLU:
      return at::relu(x);
    case Activation::Mish:
      return at::mish(x);
  }
  return x;
}

at::Tensor timestepEmbedding(const at::Tensor& timesteps, int64_t dim, bool flipSinToCos, double downscaleFreqShift,
                             double scale, int64_t maxPeriod) {
  if (timesteps.dim() != 1)
    fail("timestepEmbedding", "timesteps must be 1-D, got " + std::to_string(timesteps.dim()) + "-D");
  const int64_t half = dim / 2;
  auto fopt = at::TensorOptions().dtype(at::kFloat).device(timesteps.device());
  at::Tensor exponent = at::arange(0, half, fopt) * (-std::log(static_cast<double>(maxPeriod)));
  exponent = exponent / (static_cast<double>(half) - downscaleFreqShift);
  at::Tensor emb = timesteps.unsqueeze(1).to(at::kFloat) * at::exp(exponent).unsqueeze(0);  // [N, half]
  if (scale != 1.0) emb = emb * scale;
  emb = flipSinToCos ? at::cat({at::cos(emb), at::sin(emb)}, -1) : at::cat({at::sin(emb), at::cos(emb)}, -1);
  if (dim % 2 == 1) emb = at::constant_pad_nd(emb, {0, 1, 0, 0}, 0);  // [N, dim]
  return emb;
}

// ---- embeddings ---------------------------------------------------------------------------------------

TimestepEmbeddingImpl::TimestepEmbeddingImpl(int64_t in, int64_t timeEmbedDim, Activation a,
                                             std::optional<Activation> post, const at::TensorOptions& o)
    : act(a), postAct(post) {
  linear_1 = register_module("linear_1", nn::Linear(in, timeEmbedDim, true, o));
  linear_2 = register_module("linear_2", nn::Linear(timeEmbedDim, timeEmbedDim, true, o));
}

at::Tensor TimestepEmbeddingImpl::forward(const at::Tensor& x) {
  at::Tensor h = linear_2(activate(act, linear_1(x)));
  return postAct ? activate(*postAct, h) : h;
}

// ---- resnet, down / upsampling ------------------------------------------------------------------------

ResnetBlock2DImpl::ResnetBlock2DImpl(int64_t in, int64_t out, int64_t tembChannels, int64_t groups, double eps,
                                     double scale, Activation a, const at::TensorOptions& o)
    : outputScaleFactor(scale), act(a) {
  norm1 = register_module("norm1", nn::GroupNorm(groups, in, eps, true, o));
  conv1 = register_module("conv1", nn::Conv2d(in, out, 3, 1, 1, true, o));
  if (tembChannels > 0) time_emb_proj = register_module("time_emb_proj", nn::Linear(tembChannels, out, true, o));
  norm2 = register_module("norm2", nn::GroupNorm(groups, out, eps, true, o));
  conv2 = register_module("conv2", nn::Conv2d(out, out, 3, 1, 1, true, o));
  if (in != out) conv_shortcut = register_module("conv_shortcut", nn::Conv2d(in, out, 1, 1, 0, true, o));
}

at::Tensor ResnetBlock2DImpl::forward(const at::Tensor& x, const at::Tensor& temb) {
  at::Tensor h = conv1(activate(act, norm1(x)));  // [B, out, H, W]
  if (time_emb_proj && temb.defined()) {
    h = h + time_emb_proj(activate(act, temb)).unsqueeze(-1).unsqueeze(-1);  // [B, out] → [B, out, 1, 1]
  }
  h = conv2(activate(act, norm2(h)));
  at::Tensor out = (conv_shortcut ? conv_shortcut(x) : x) + h;
  return outputScaleFactor == 1.0 ? out : out / outputScaleFactor;
}

Downsample2DImpl::Downsample2DImpl(int64_t channels, int64_t outChannels, int64_t pad, const at::TensorOptions& o)
    : padding(pad) {
  conv = register_module("conv", nn::Conv2d(channels, outChannels, 3, 2, pad, true, o));
}

at::Tensor Downsample2DImpl::forward(const at::Tensor& x) {
  if (padding == 0) return conv(at::constant_pad_nd(x, {0, 1, 0, 1}, 0));  // [B, C, H+1, W+1] → [B, C', H/2, W/2]
  return conv(x);                                                          // [B, C', ceil(H/2), ceil(W/2)]
}

Upsample2DImpl::Upsample2DImpl(int64_t channels, int64_t outChannels, const at::TensorOptions& o) {
  conv = register_module("conv", nn::Conv2d(channels, outChannels, 3, 1, 1, true, o));
}

at::Tensor Upsample2DImpl::forward(const at::Tensor& x, at::OptionalIntArrayRef outputSize) {
  // As diffusers: nearest upsampling in float32 for bfloat16 inputs (no bf16 kernel in older PyTorch).
  const bool bf16 = x.scalar_type() == at::kBFloat16;
  const at::Tensor in = bf16 ? x.to(at::kFloat) : x;
  at::Tensor h;
  if (outputSize.has_value()) {
    h = at::upsample_nearest2d(in, outputSize, c10::nullopt);  // [B, C, outputSize]
  } else {
    const std::vector<double> scales{2.0, 2.0};
    h = at::upsample_nearest2d(in, c10::nullopt, at::ArrayRef<double>(scales));  // [B, C, 2H, 2W]
  }
  return conv(bf16 ? h.to(at::kBFloat16) : h);
}

// ---- attention ----------------------------------------------------------------------------------------

AttentionImpl::AttentionImpl(const AttentionOptions& a, const at::TensorOptions& o) : opt(a) {
  const int64_t inner = opt.heads * opt.dimHead;
  const int64_t kvDim = opt.crossAttentionDim > 0 ? opt.crossAttentionDim : opt.queryDim;
  if (opt.normNumGroups > 0)
    group_norm = register_module("group_norm", nn::GroupNorm(opt.normNumGroups, opt.queryDim, opt.eps, true, o));
  to_q = register_module("to_q", nn::Linear(opt.queryDim, inner, opt.bias, o));
  to_k = register_module("to_k", nn::Linear(kvDim, inner, opt.bias, o));
  to_v = register_module("to_v", nn::Linear(kvDim, inner, opt.bias, o));
  to_out = register_module("to_out", torch::nn::ModuleList());
  to_out_0 = nn::Linear(inner, opt.queryDim, opt.outBias, o);
  to_out->push_back(to_out_0);  // to_out.1 is diffusers' dropout: nothing to hold
}

at::Tensor AttentionImpl::forward(const at::Tensor& x, const at::Tensor& context,
                                  const CrossAttentionControl* control) {
  const bool spatial = x.dim() == 4;
  at::Tensor h = x;
  if (group_norm) h = group_norm(h);  // GroupNorm over [B, C, H·W] equals GroupNorm over [B, C, H, W]
  const int64_t B = x.size(0);
  if (spatial) h = h.flatten(2).transpose(1, 2);  // [B, C, H, W] → [B, HW, C]
  const at::Tensor& kv = context.defined() ? context : h;
  const int64_t Lq = h.size(1), Lk = kv.size(1), H = opt.heads, D = opt.dimHead;
  at::Tensor q = to_q(h).view({B, Lq, H, D}).transpose(1, 2);   // [B, H, Lq, D]
  at::Tensor k = to_k(kv).view({B, Lk, H, D}).transpose(1, 2);  // [B, H, Lk, D]
  at::Tensor v = to_v(kv).view({B, Lk, H, D}).transpose(1, 2);  // [B, H, Lk, D]
  const auto dtype = q.scalar_type();
  const bool upcast = opt.upcast && dtype != at::kFloat && dtype != at::kDouble;
  if (upcast) {
    q = q.to(at::kFloat), k = k.to(at::kFloat), v = v.to(at::kFloat);
  }
  at::Tensor bias = control ? control->logitBias : at::Tensor();  // [B|1, 1|H, 1|Lq, Lk]
  if (bias.defined() && bias.scalar_type() != q.scalar_type()) bias = bias.to(q.scalar_type());
  at::Tensor a = compat::attention(q, k, v, bias);  // [B, H, Lq, D]
  if (control && control->recorder && context.defined()) {
    // The fused kernel does not return its probabilities: recompute q·kᵀ for the wanted rows only.
    auto [first, count] = control->recorder->rows();
    if (count < 0) count = B - first;
    at::Tensor qr = q.narrow(0, first, count), kr = k.narrow(0, first, count);
    at::Tensor logits = at::matmul(qr, kr.transpose(-2, -1)) * (1.0 / std::sqrt(static_cast<double>(D)));
    if (bias.defined()) logits = logits + (bias.size(0) == B && B > 1 ? bias.narrow(0, first, count) : bias);
    control->recorder->record(path, at::softmax(logits, -1, at::kFloat).mean(1));  // [count, Lq, Lk]
  }
  if (upcast) a = a.to(dtype);
  a = to_out_0(a.transpose(1, 2).reshape({B, Lq, H * D}));  // [B, Lq, queryDim]
  if (spatial) a = a.transpose(1, 2).view(x.sizes());       // [B, C, H, W] (channels-last strides)
  if (opt.residualConnection) a = x + a;                    // the residual first: the sum keeps x's memory layout
  return opt.rescaleOutputFactor == 1.0 ? a : a / opt.rescaleOutputFactor;
}

// ---- transformer --------------------------------------------------------------------------------------

GEGLUImpl::GEGLUImpl(int64_t dimIn, int64_t dimOut, const at::TensorOptions& o) {
  proj = register_module("proj", nn::Linear(dimIn, dimOut * 2, true, o));
}

at::Tensor GEGLUImpl::forward(const at::Tensor& x) {
  auto parts = proj(x).chunk(2, -1);  // 2 × [.., dimOut]
  return parts[0] * at::gelu(parts[1]);
}

FeedForwardImpl::FeedForwardImpl(int64_t dim, const at::TensorOptions& o) {
  const int64_t inner = 4 * dim;
  net = register_module("net", torch::nn::ModuleList());
  geglu = GEGLU(dim, inner, o);
  out = nn::Linear(inner, dim, true, o);
  net->push_back(geglu);
  net->push_back(torch::nn::Identity());  // net.1: diffusers' dropout
  net->push_back(out);
}

at::Tensor FeedForwardImpl::forward(const at::Tensor& x) {
  return out(geglu(x));
}

BasicTransformerBlockImpl::BasicTransformerBlockImpl(int64_t dim, int64_t heads, int64_t headDim,
                                                     int64_t crossAttentionDim, bool onlyCross, bool upcast,
                                                     const at::TensorOptions& o)
    : onlyCrossAttention(onlyCross) {
  AttentionOptions a;
  a.queryDim = dim, a.heads = heads, a.dimHead = headDim, a.upcast = upcast;
  norm1 = register_module("norm1", nn::LayerNorm(dim, 1e-5, true, true, o));
  a.crossAttentionDim = onlyCross ? crossAttentionDim : 0;
  attn1 = register_module("attn1", Attention(a, o));
  norm2 = register_module("norm2", nn::LayerNorm(dim, 1e-5, true, true, o));
  a.crossAttentionDim = crossAttentionDim;
  attn2 = register_module("attn2", Attention(a, o));
  norm3 = register_module("norm3", nn::LayerNorm(dim, 1e-5, true, true, o));
  ff = register_module("ff", FeedForward(dim, o));
}

at::Tensor BasicTransformerBlockImpl::forward(const at::Tensor& x, const at::Tensor& context,
                                              const CrossAttentionControl& control) {
  at::Tensor h = attn1(norm1(x), onlyCrossAttention ? context : at::Tensor()) + x;
  h = attn2(norm2(h), context, &control) + h;
  return ff(norm3(h)) + h;
}

Transformer2DModelImpl::Transformer2DModelImpl(int64_t channels, int64_t heads, int64_t numLayers,
                                               int64_t crossAttentionDim, int64_t groups, bool linear, bool onlyCross,
                                               bool upcast, const at::TensorOptions& o) {
  const int64_t headDim = channels / heads;
  innerDim = heads * headDim;
  norm = register_module("norm", nn::GroupNorm(groups, channels, 1e-6, true, o));
  if (linear)
    proj_in_linear = register_module("proj_in", nn::Linear(channels, innerDim, true, o));
  else
    proj_in_conv = register_module("proj_in", nn::Conv2d(channels, innerDim, 1, 1, 0, true, o));
  transformer_blocks = register_module("transformer_blocks", torch::nn::ModuleList());
  for (int64_t i = 0; i < numLayers; ++i) {
    blocks.push_back(BasicTransformerBlock(innerDim, heads, headDim, crossAttentionDim, onlyCross, upcast, o));
    transformer_blocks->push_back(blocks.back());
  }
  if (linear)
    proj_out_linear = register_module("proj_out", nn::Linear(innerDim, channels, true, o));
  else
    proj_out_conv = register_module("proj_out", nn::Conv2d(innerDim, channels, 1, 1, 0, true, o));
}

at::Tensor Transformer2DModelImpl::forward(const at::Tensor& x, const at::Tensor& context,
                                           const CrossAttentionControl& control) {
  const int64_t B = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  at::Tensor h = norm(x);
  if (proj_in_linear) {
    h = proj_in_linear(h.permute({0, 2, 3, 1}).reshape({B, H * W, C}));  // [B, HW, inner] (free if channels-last)
  } else {
    h = proj_in_conv(h).permute({0, 2, 3, 1}).reshape({B, H * W, innerDim});  // [B, HW, inner]
  }
  for (auto& block : blocks) h = block(h, context, control);
  if (proj_out_linear) {
    h = proj_out_linear(h).view({B, H, W, C}).permute({0, 3, 1, 2});  // [B, C, H, W], channels-last strides
  } else {
    h = proj_out_conv(h.view({B, H, W, innerDim}).permute({0, 3, 1, 2}));  // [B, C, H, W]
  }
  // The residual first: the sum takes the residual stream's memory layout, without a separate copy.
  return x + h;
}

// ---- down / up / mid blocks ---------------------------------------------------------------------------

namespace {

Transformer2DModel makeTransformer(const BlockOptions& b, int64_t channels, int64_t layers,
                                   const at::TensorOptions& o) {
  return Transformer2DModel(channels, b.heads, layers, b.crossAttentionDim, b.groups, b.useLinearProjection,
                            b.onlyCrossAttention, b.upcastAttention, o);
}

ResnetBlock2D makeResnet(const BlockOptions& b, int64_t in, int64_t out, const at::TensorOptions& o) {
  return ResnetBlock2D(in, out, b.tembChannels, b.groups, b.eps, b.outputScaleFactor, b.act, o);
}

void checkTransformerLayers(const BlockOptions& b, size_t needed, const char* block) {
  if (b.crossAttention && b.transformerLayers.size() != needed)
    fail(block, "expected " + std::to_string(needed) + " transformer depths, got " +
                    std::to_string(b.transformerLayers.size()));
}

}  // namespace

DownBlock2DImpl::DownBlock2DImpl(const BlockOptions& b, const at::TensorOptions& o) {
  checkTransformerLayers(b, b.numLayers, "DownBlock2D");
  // diffusers registers attentions before resnets (module order = parameter order of nn::initRandom).
  if (b.crossAttention) attentions = register_module("attentions", torch::nn::ModuleList());
  resnets = register_module("resnets", torch::nn::ModuleList());
  for (int64_t i = 0; i < b.numLayers; ++i) {
    resnetList.push_back(makeResnet(b, i == 0 ? b.inChannels : b.outChannels, b.outChannels, o));
    resnets->push_back(resnetList.back());
    if (b.crossAttention) {
      attentionList.push_back(makeTransformer(b, b.outChannels, b.transformerLayers[i], o));
      attentions->push_back(attentionList.back());
    }
  }
  if (b.addSample) {
    downsamplers = register_module("downsamplers", torch::nn::ModuleList());
    downsampler = Downsample2D(b.outChannels, b.outChannels, b.downsamplePadding, o);
    downsamplers->push_back(downsampler);
  }
}

at::Tensor DownBlock2DImpl::forward(const at::Tensor& x, const at::Tensor& temb, const at::Tensor& context,
                                    const CrossAttentionControl& control, std::vector<at::Tensor>* skips) {
  at::Tensor h = x;
  for (size_t i = 0; i < resnetList.size(); ++i) {
    h = resnetList[i](h, temb);  // [B, out, H, W]
    if (!attentionList.empty()) h = attentionList[i](h, context, control);
    if (skips) skips->push_back(h);
  }
  if (downsampler) {
    h = downsampler(h);  // [B, out, H/2, W/2]
    if (skips) skips->push_back(h);
  }
  return h;
}

UpBlock2DImpl::UpBlock2DImpl(const BlockOptions& b, const at::TensorOptions& o) {
  checkTransformerLayers(b, b.numLayers, "UpBlock2D");
  // diffusers registers attentions before resnets (module order = parameter order of nn::initRandom).
  if (b.crossAttention) attentions = register_module("attentions", torch::nn::ModuleList());
  resnets = register_module("resnets", torch::nn::ModuleList());
  const bool withSkips = b.prevOutputChannels > 0;
  for (int64_t i = 0; i < b.numLayers; ++i) {
    int64_t in;
    if (withSkips) {
      // As diffusers: this layer's input (from below, then from the previous layer) + the skip it takes.
      const int64_t skip = i == b.numLayers - 1 ? b.inChannels : b.outChannels;
      in = (i == 0 ? b.prevOutputChannels : b.outChannels) + skip;
    } else {
      in = i == 0 ? b.inChannels : b.outChannels;
    }
    resnetList.push_back(makeResnet(b, in, b.outChannels, o));
    resnets->push_back(resnetList.back());
    if (b.crossAttention) {
      attentionList.push_back(makeTransformer(b, b.outChannels, b.transformerLayers[i], o));
      attentions->push_back(attentionList.back());
    }
  }
  if (b.addSample) {
    upsamplers = register_module("upsamplers", torch::nn::ModuleList());
    upsampler = Upsample2D(b.outChannels, b.outChannels, o);
    upsamplers->push_back(upsampler);
  }
}

at::Tensor UpBlock2DImpl::forward(const at::Tensor& x, std::vector<at::Tensor>* skips, const at::Tensor& temb,
                                  const at::Tensor& context, const CrossAttentionControl& control,
                                  at::OptionalIntArrayRef upsampleSize) {
  at::Tensor h = x;
  for (size_t i = 0; i < resnetList.size(); ++i) {
    if (skips) {
      if (skips->empty()) fail("UpBlock2D", "ran out of skip connections");
      h = at::cat({h, skips->back()}, 1);  // [B, C + C_skip, H, W]
      skips->pop_back();
    }
    h = resnetList[i](h, temb);  // [B, out, H, W]
    if (!attentionList.empty()) h = attentionList[i](h, context, control);
  }
  if (upsampler) h = upsampler(h, upsampleSize);  // [B, out, 2H, 2W]
  return h;
}

UNetMidBlock2DCrossAttnImpl::UNetMidBlock2DCrossAttnImpl(const BlockOptions& b, const at::TensorOptions& o) {
  checkTransformerLayers(b, b.numLayers, "UNetMidBlock2DCrossAttn");
  attentions = register_module("attentions", torch::nn::ModuleList());
  resnets = register_module("resnets", torch::nn::ModuleList());
  resnetList.push_back(makeResnet(b, b.inChannels, b.inChannels, o));
  resnets->push_back(resnetList.back());
  for (int64_t i = 0; i < b.numLayers; ++i) {
    attentionList.push_back(makeTransformer(b, b.inChannels, b.transformerLayers[i], o));
    attentions->push_back(attentionList.back());
    resnetList.push_back(makeResnet(b, b.inChannels, b.inChannels, o));
    resnets->push_back(resnetList.back());
  }
}

at::Tensor UNetMidBlock2DCrossAttnImpl::forward(const at::Tensor& x, const at::Tensor& temb, const at::Tensor& context,
                                                const CrossAttentionControl& control) {
  at::Tensor h = resnetList[0](x, temb);
  for (size_t i = 0; i < attentionList.size(); ++i) {
    h = attentionList[i](h, context, control);
    h = resnetList[i + 1](h, temb);
  }
  return h;
}

UNetMidBlock2DImpl::UNetMidBlock2DImpl(const BlockOptions& b, bool addAttention, const at::TensorOptions& o) {
  if (addAttention && b.numLayers > 0) attentions = register_module("attentions", torch::nn::ModuleList());
  resnets = register_module("resnets", torch::nn::ModuleList());
  resnetList.push_back(makeResnet(b, b.inChannels, b.inChannels, o));
  resnets->push_back(resnetList.back());
  for (int64_t i = 0; i < b.numLayers; ++i) {
    if (addAttention) {
      // One head over all channels (attention_head_dim = in_channels), GroupNorm first, q/k/v with bias,
      // softmax upcast, residual: diffusers' VAE mid-block attention.
      AttentionOptions a;
      a.queryDim = b.inChannels, a.heads = 1, a.dimHead = b.inChannels, a.bias = true, a.upcast = true;
      a.normNumGroups = b.groups, a.eps = b.eps, a.residualConnection = true;
      a.rescaleOutputFactor = b.outputScaleFactor;
      attentionList.push_back(Attention(a, o));
      attentions->push_back(attentionList.back());
    }
    resnetList.push_back(makeResnet(b, b.inChannels, b.inChannels, o));
    resnets->push_back(resnetList.back());
  }
}

at::Tensor UNetMidBlock2DImpl::forward(const at::Tensor& x, const at::Tensor& temb) {
  at::Tensor h = resnetList[0](x, temb);
  for (size_t i = 1; i < resnetList.size(); ++i) {
    if (!attentionList.empty()) h = attentionList[i - 1](h);  // [B, C, H, W]
    h = resnetList[i](h, temb);
  }
  return h;
}

}  // namespace mumu
