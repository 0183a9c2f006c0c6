// blocks.h — the building blocks of the SDXL UNet and VAE, ported from diffusers 0.27.2:
// embeddings.py (Timesteps, TimestepEmbedding), resnet.py (ResnetBlock2D), downsampling.py / upsampling.py,
// attention_processor.py (Attention + AttnProcessor), attention.py (BasicTransformerBlock, FeedForward,
// GEGLU), transformers/transformer_2d.py (Transformer2DModel) and unets/unet_2d_blocks.py (the down, mid and
// up blocks SDXL uses). Submodules are registered under diffusers' attribute names, so named_parameters()
// equals the checkpoint's state_dict keys. Parameters are allocated, never initialised (model/nn/layers.h).
#pragma once

#include <torch/torch.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/diffusion/config.h"
#include "model/nn/layers.h"

namespace mumu {

// Receives named intermediate tensors during a forward pass ("intermediate.conv_in", ...), for parity
// probes and debugging (llama.cpp's named-tensor callback). The tensors are not copied and never modified
// afterwards by the forward pass; the callee may keep them.
using TraceFn = std::function<void(const std::string& name, const at::Tensor& value)>;

// A TraceFn storing every tensor into `out` under its name (the map must outlive the forward call).
TraceFn traceInto(std::map<std::string, at::Tensor>& out);

// Receives the cross-attention probabilities of attn2 layers (CrossAttentionControl::recorder).
struct CrossAttentionRecorder {
  virtual ~CrossAttentionRecorder() = default;
  // The batch rows [first, first + count) whose probabilities are wanted (count < 0: from first to the end).
  // Only those rows' q·kᵀ is computed a second time; the layer's output always comes from the fused kernel, so a
  // recorded image has the same pixels as an unrecorded one. The pipeline asks for the conditional half only.
  virtual std::pair<int64_t, int64_t> rows() const { return {0, -1}; }
  // path: the Attention's module path; probs: softmax(q·kᵀ·scale + bias) averaged over heads, float32
  // [rows, Lq, Lk] (Lq = the block's h·w). Not kept by the caller: the callee may keep it.
  virtual void record(const std::string& path, const at::Tensor& probs) = 0;
};

// Per-call controls of the UNet's cross-attention layers (attn2 of every BasicTransformerBlock).
// Extension point: per-token weighting and attention-probability records belong here, so they reach every
// cross-attention without changing the blocks' signatures.
struct CrossAttentionControl {
  // Added to the cross-attention logits q·kᵀ·scale before the softmax; broadcastable to
  // [B, heads, Lq, Lk]. Heads and Lq differ between blocks, so in practice [B, 1, 1, Lk] or [1, 1, 1, Lk]
  // (e.g. log token weights; -inf masks a token). Undefined = none.
  at::Tensor logitBias;
  // When set, every cross-attention also computes the probabilities of the recorder's rows and hands them over
  // (the attention record of the pipeline). Null (the default): no cost.
  CrossAttentionRecorder* recorder = nullptr;
};

at::Tensor activate(Activation a, const at::Tensor& x);

// diffusers get_timestep_embedding: sinusoidal features of (possibly fractional) timesteps, computed in
// float32 whatever the input dtype.  timesteps: [N] → [N, dim]
at::Tensor timestepEmbedding(const at::Tensor& timesteps, int64_t dim, bool flipSinToCos, double downscaleFreqShift,
                             double scale = 1.0, int64_t maxPeriod = 10000);

// Timesteps (embeddings.py): no parameters, so a plain value type rather than a module.
struct Timesteps {
  int64_t numChannels = 0;
  bool flipSinToCos = true;
  double downscaleFreqShift = 0.0;
  at::Tensor operator()(const at::Tensor& t) const {
    return timestepEmbedding(t, numChannels, flipSinToCos, downscaleFreqShift);
  }
};

// TimestepEmbedding (embeddings.py): linear_1 → act → linear_2 [→ post_act].  [N, in] → [N, timeEmbedDim]
struct TimestepEmbeddingImpl : torch::nn::Module {
  TimestepEmbeddingImpl(int64_t in, int64_t timeEmbedDim, Activation act, std::optional<Activation> postAct,
                        const at::TensorOptions& o);
  at::Tensor forward(const at::Tensor& x);
  nn::Linear linear_1{nullptr}, linear_2{nullptr};
  Activation act;
  std::optional<Activation> postAct;
};
TORCH_MODULE(TimestepEmbedding);

// ResnetBlock2D (resnet.py), time_embedding_norm "default": norm1 → act → conv1 (+ time_emb_proj(act(temb)))
// → norm2 → act → conv2, plus the input (through conv_shortcut when the channel count changes), divided
// by output_scale_factor.  tembChannels 0: no time embedding (VAE).
struct ResnetBlock2DImpl : torch::nn::Module {
  ResnetBlock2DImpl(int64_t in, int64_t out, int64_t tembChannels, int64_t groups, double eps, double outputScaleFactor,
                    Activation act, const at::TensorOptions& o);
  at::Tensor forward(const at::Tensor& x, const at::Tensor& temb = {});
  nn::GroupNorm norm1{nullptr}, norm2{nullptr};
  nn::Conv2d conv1{nullptr}, conv2{nullptr}, conv_shortcut{nullptr};
  nn::Linear time_emb_proj{nullptr};
  double outputScaleFactor;
  Activation act;
};
TORCH_MODULE(ResnetBlock2D);

// Downsample2D (downsampling.py) with use_conv: 3×3 conv, stride 2. diffusers' padding detail: with
// padding 0 (the VAE encoder) the input is first padded by one zero row/column at the bottom/right only.
struct Downsample2DImpl : torch::nn::Module {
  Downsample2DImpl(int64_t channels, int64_t outChannels, int64_t padding, const at::TensorOptions& o);
  at::Tensor forward(const at::Tensor& x);
  nn::Conv2d conv{nullptr};
  int64_t padding;
};
TORCH_MODULE(Downsample2D);

// Upsample2D (upsampling.py) with use_conv: nearest ×2 (or to `outputSize`, which the UNet passes when the
// sample side is not a multiple of its total downsampling) then a 3×3 conv.
struct Upsample2DImpl : torch::nn::Module {
  Upsample2DImpl(int64_t channels, int64_t outChannels, const at::TensorOptions& o);
  at::Tensor forward(const at::Tensor& x, at::OptionalIntArrayRef outputSize = c10::nullopt);
  nn::Conv2d conv{nullptr};
};
TORCH_MODULE(Upsample2D);

// Attention (attention_processor.py) computed as AttnProcessor / AttnProcessor2_0 do, through
// compat::attention: to_q, to_k, to_v, to_out.0 (to_out.1 is a dropout, absent here).
// Two uses: the transformer blocks' attn1 / attn2 on [B, L, C] (no q/k/v bias), and the VAE mid block's
// spatial self-attention on [B, C, H, W] (group_norm first, q/k/v bias, residual, rescale).
struct AttentionOptions {
  int64_t queryDim = 0;
  int64_t crossAttentionDim = 0;  // key/value input width; 0 = queryDim (self-attention)
  int64_t heads = 8;
  int64_t dimHead = 64;
  bool bias = false;          // to_q / to_k / to_v bias
  bool outBias = true;        // to_out.0 bias
  bool upcast = false;        // upcast_attention / upcast_softmax: logits and softmax in float32
  int64_t normNumGroups = 0;  // > 0: group_norm over the channels first (spatial input)
  double eps = 1e-5;          // group_norm eps
  bool residualConnection = false;
  double rescaleOutputFactor = 1.0;
};

struct AttentionImpl : torch::nn::Module {
  AttentionImpl(const AttentionOptions& opt, const at::TensorOptions& o);
  // x: [B, Lq, queryDim], or [B, C, H, W] for the spatial variant; context: [B, Lk, crossAttentionDim]
  // (undefined: self-attention); control: the UNet call's cross-attention controls (attn2 only; null: none).
  at::Tensor forward(const at::Tensor& x, const at::Tensor& context = {},
                     const CrossAttentionControl* control = nullptr);
  nn::GroupNorm group_norm{nullptr};
  nn::Linear to_q{nullptr}, to_k{nullptr}, to_v{nullptr}, to_out_0{nullptr};
  torch::nn::ModuleList to_out;
  AttentionOptions opt;
  std::string path;  // dotted module path inside its model (set by the model), to tell attention sites apart
};
TORCH_MODULE(Attention);

// GEGLU (activations.py): proj → chunk(2) → x · gelu(gate).  [.., dim] → [.., inner]
struct GEGLUImpl : torch::nn::Module {
  GEGLUImpl(int64_t dimIn, int64_t dimOut, const at::TensorOptions& o);
  at::Tensor forward(const at::Tensor& x);
  nn::Linear proj{nullptr};
};
TORCH_MODULE(GEGLU);

// FeedForward (attention.py), activation "geglu": net.0 = GEGLU(dim, 4·dim), net.1 dropout (no-op),
// net.2 = Linear(4·dim, dim).
struct FeedForwardImpl : torch::nn::Module {
  FeedForwardImpl(int64_t dim, const at::TensorOptions& o);
  at::Tensor forward(const at::Tensor& x);
  torch::nn::ModuleList net;
  GEGLU geglu{nullptr};
  nn::Linear out{nullptr};
};
TORCH_MODULE(FeedForward);

// BasicTransformerBlock (attention.py), norm_type "layer_norm": pre-norm self-attention (attn1),
// cross-attention (attn2) over the encoder states, GEGLU feed-forward, each with a residual.
struct BasicTransformerBlockImpl : torch::nn::Module {
  BasicTransformerBlockImpl(int64_t dim, int64_t heads, int64_t headDim, int64_t crossAttentionDim,
                            bool onlyCrossAttention, bool upcastAttention, const at::TensorOptions& o);
  // x: [B, L, dim], context: [B, Lk, crossAttentionDim] → [B, L, dim]
  at::Tensor forward(const at::Tensor& x, const at::Tensor& context, const CrossAttentionControl& control);
  nn::LayerNorm norm1{nullptr}, norm2{nullptr}, norm3{nullptr};
  Attention attn1{nullptr}, attn2{nullptr};
  FeedForward ff{nullptr};
  bool onlyCrossAttention;
};
TORCH_MODULE(BasicTransformerBlock);

// Transformer2DModel (transformer_2d.py), continuous input: norm (GroupNorm, eps 1e-6) → proj_in (Linear
// with use_linear_projection as SDXL, else 1×1 conv) → transformer_blocks → proj_out, plus the input.
struct Transformer2DModelImpl : torch::nn::Module {
  Transformer2DModelImpl(int64_t channels, int64_t heads, int64_t numLayers, int64_t crossAttentionDim, int64_t groups,
                         bool useLinearProjection, bool onlyCrossAttention, bool upcastAttention,
                         const at::TensorOptions& o);
  // x: [B, C, H, W], context: [B, Lk, crossAttentionDim] → [B, C, H, W]
  at::Tensor forward(const at::Tensor& x, const at::Tensor& context, const CrossAttentionControl& control);
  nn::GroupNorm norm{nullptr};
  nn::Linear proj_in_linear{nullptr}, proj_out_linear{nullptr};  // registered as proj_in / proj_out
  nn::Conv2d proj_in_conv{nullptr}, proj_out_conv{nullptr};      // (one pair or the other)
  torch::nn::ModuleList transformer_blocks;
  std::vector<BasicTransformerBlock> blocks;
  int64_t innerDim;
};
TORCH_MODULE(Transformer2DModel);

// What a down / mid / up block is built from (the arguments diffusers' get_*_block passes).
struct BlockOptions {
  int64_t numLayers = 1;  // resnets (one Transformer2DModel after each when crossAttention)
  int64_t inChannels = 0;
  int64_t outChannels = 0;
  int64_t prevOutputChannels = 0;  // up blocks of the UNet: channels arriving from below; 0 = no skip
                                   // connections (the VAE decoder's UpDecoderBlock2D)
  int64_t tembChannels = 0;        // 0 = no time embedding (VAE)
  int64_t groups = 32;
  double eps = 1e-6;
  double outputScaleFactor = 1.0;
  Activation act = Activation::SiLU;
  bool addSample = true;  // a downsampler / upsampler at the end
  int64_t downsamplePadding = 1;
  bool crossAttention = false;             // CrossAttn*Block2D / UNetMidBlock2DCrossAttn
  std::vector<int64_t> transformerLayers;  // per resnet (per transformer for the mid block)
  int64_t heads = 1;
  int64_t crossAttentionDim = 0;
  bool useLinearProjection = false;
  bool onlyCrossAttention = false;
  bool upcastAttention = false;
};

// DownBlock2D, CrossAttnDownBlock2D (UNet) and DownEncoderBlock2D (VAE encoder): resnets, optional
// attentions (one Transformer2DModel per resnet), optional downsamplers.0.
struct DownBlock2DImpl : torch::nn::Module {
  DownBlock2DImpl(const BlockOptions& b, const at::TensorOptions& o);
  // x: [B, in, H, W] → [B, out, H/2, W/2] (or [B, out, H, W] without downsampler). Appends the output of
  // every layer and of the downsampler to `skips` when given (the UNet's skip connections).
  at::Tensor forward(const at::Tensor& x, const at::Tensor& temb, const at::Tensor& context,
                     const CrossAttentionControl& control, std::vector<at::Tensor>* skips);
  torch::nn::ModuleList resnets, attentions{nullptr}, downsamplers{nullptr};
  std::vector<ResnetBlock2D> resnetList;
  std::vector<Transformer2DModel> attentionList;
  Downsample2D downsampler{nullptr};
};
TORCH_MODULE(DownBlock2D);

// UpBlock2D, CrossAttnUpBlock2D (UNet: each resnet first concatenates the next skip tensor) and
// UpDecoderBlock2D (VAE decoder, no skips): resnets, optional attentions, optional upsamplers.0.
struct UpBlock2DImpl : torch::nn::Module {
  UpBlock2DImpl(const BlockOptions& b, const at::TensorOptions& o);
  // Consumes numLayers tensors from the back of `skips` (UNet; null for the decoder).
  at::Tensor forward(const at::Tensor& x, std::vector<at::Tensor>* skips, const at::Tensor& temb,
                     const at::Tensor& context, const CrossAttentionControl& control,
                     at::OptionalIntArrayRef upsampleSize = c10::nullopt);
  torch::nn::ModuleList resnets, attentions{nullptr}, upsamplers{nullptr};
  std::vector<ResnetBlock2D> resnetList;
  std::vector<Transformer2DModel> attentionList;
  Upsample2D upsampler{nullptr};
};
TORCH_MODULE(UpBlock2D);

// UNetMidBlock2DCrossAttn: resnets.0, then (attentions.i, resnets.i+1) for each transformer.
struct UNetMidBlock2DCrossAttnImpl : torch::nn::Module {
  UNetMidBlock2DCrossAttnImpl(const BlockOptions& b, const at::TensorOptions& o);  // uses inChannels
  at::Tensor forward(const at::Tensor& x, const at::Tensor& temb, const at::Tensor& context,
                     const CrossAttentionControl& control);
  torch::nn::ModuleList resnets, attentions;
  std::vector<ResnetBlock2D> resnetList;
  std::vector<Transformer2DModel> attentionList;
};
TORCH_MODULE(UNetMidBlock2DCrossAttn);

// UNetMidBlock2D: resnets.0, then (attentions.i, resnets.i+1) for numLayers layers; the attentions are
// spatial self-attention with one head of `inChannels` (VAE) and exist only with addAttention.
struct UNetMidBlock2DImpl : torch::nn::Module {
  UNetMidBlock2DImpl(const BlockOptions& b, bool addAttention, const at::TensorOptions& o);
  at::Tensor forward(const at::Tensor& x, const at::Tensor& temb = {});
  torch::nn::ModuleList resnets, attentions{nullptr};
  std::vector<ResnetBlock2D> resnetList;
  std::vector<Attention> attentionList;
};
TORCH_MODULE(UNetMidBlock2D);

}  // namespace mumu
