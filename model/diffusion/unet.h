// unet.h — UNet2DConditionModel (diffusers 0.27.2 unets/unet_2d_condition.py), the SDXL denoiser, built
// entirely from its config.json: the tiny parity UNet and the full 2.57 B-parameter SDXL base UNet come
// from the same code. named_parameters() equals the diffusers state_dict (conv_in.weight,
// down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k.weight, ...).
#pragma once

#include <torch/torch.h>

#include <string>

#include "model/diffusion/blocks.h"
#include "model/diffusion/config.h"

namespace mumu {

// Optional extras of one UNet call.
struct UNetCallOptions {
  CrossAttentionControl crossAttention;  // reaches attn2 of every transformer block
  // Receives intermediate.time_proj, .time_embedding, .add_time_proj, .add_embedding_input,
  // .add_embedding, .conv_in, .down_blocks.<i>, .mid_block, .up_blocks.<i>, .conv_norm_out (the names of
  // tests/parity/README.md, unet_sdxl_tiny).
  TraceFn trace;
};

struct UNet2DConditionModelImpl : torch::nn::Module {
  // Allocates (does not initialise) every parameter with `options` (dtype, device); on at::kMeta nothing
  // is allocated. Throws mumu::Error on an inconsistent config.
  explicit UNet2DConditionModelImpl(const UNet2DConditionConfig& config, const at::TensorOptions& options = {});

  // sample: [B, in_channels, h, w]; timestep: [B], [1] or a scalar tensor (any dtype; used as float32);
  // encoderHiddenStates: [B, L, cross_attention_dim]; textEmbeds: [B, pooled] and timeIds: [B, 6] (both
  // required with addition_embed_type "text_time", ignored otherwise) → [B, out_channels, h, w].
  // Does not disable autograd: wrap inference in at::NoGradGuard.
  at::Tensor forward(const at::Tensor& sample, const at::Tensor& timestep, const at::Tensor& encoderHiddenStates,
                     const at::Tensor& textEmbeds = {}, const at::Tensor& timeIds = {},
                     const UNetCallOptions& call = {});

  const UNet2DConditionConfig& config() const { return config_; }

  // diffusers attribute names (state_dict prefixes).
  nn::Conv2d conv_in{nullptr}, conv_out{nullptr};
  TimestepEmbedding time_embedding{nullptr}, add_embedding{nullptr};
  torch::nn::ModuleList down_blocks, up_blocks;
  UNetMidBlock2DCrossAttn midCrossAttn{nullptr};  // registered as mid_block (one of the two, or none)
  UNetMidBlock2D midPlain{nullptr};
  nn::GroupNorm conv_norm_out{nullptr};

 private:
  UNet2DConditionConfig config_;
  Timesteps time_proj_, add_time_proj_;
  std::vector<DownBlock2D> downList_;
  std::vector<UpBlock2D> upList_;
  int64_t numUpsamplers_ = 0;
};
TORCH_MODULE(UNet2DConditionModel);

// The UNet of a diffusers model folder: `dir`/config.json plus the weights model/io finds there
// (diffusion_pytorch_model[.fp16].safetensors, or its sharded form), loaded strictly: every parameter,
// nothing extra, right shapes. Weights are converted to options' dtype. Throws mumu::Error naming the file.
UNet2DConditionModel loadUNet2DConditionModel(const std::string& dir, const at::TensorOptions& options = {});

}  // namespace mumu
