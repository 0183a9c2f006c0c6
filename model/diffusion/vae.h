// vae.h — AutoencoderKL (diffusers 0.27.2 autoencoders/autoencoder_kl.py, with Encoder / Decoder of
// autoencoders/vae.py), the SD / SDXL VAE, built from its config.json. named_parameters() equals the
// diffusers state_dict (encoder.down_blocks.0.resnets.0.conv1.weight, decoder.mid_block.attentions.0.to_q.weight,
// quant_conv.weight, ...). The latent scaling_factor is not applied inside encode / decode (as diffusers):
// callers multiply latents by scalingFactor() after encoding and divide before decoding.
#pragma once

#include <torch/torch.h>

#include "model/diffusion/blocks.h"
#include "model/diffusion/config.h"

namespace mumu {

// diffusers' Encoder: conv_in → down_blocks (DownEncoderBlock2D; downsamplers, with the asymmetric padding,
// on all but the last) → mid_block (resnet, attention, resnet) → conv_norm_out → act → conv_out.
// [B, in, H, W] → [B, 2·latent, H/f, W/f]   (f = 2^(blocks-1))
struct VaeEncoderImpl : torch::nn::Module {
  VaeEncoderImpl(const AutoencoderKLConfig& c, const at::TensorOptions& o);
  at::Tensor forward(const at::Tensor& x);
  nn::Conv2d conv_in{nullptr}, conv_out{nullptr};
  torch::nn::ModuleList down_blocks;
  UNetMidBlock2D mid_block{nullptr};
  nn::GroupNorm conv_norm_out{nullptr};
  std::vector<DownBlock2D> downList;
  Activation act;
};
TORCH_MODULE(VaeEncoder);

// diffusers' Decoder: conv_in → mid_block → up_blocks (UpDecoderBlock2D, layers_per_block + 1 resnets,
// upsamplers on all but the last) → conv_norm_out → act → conv_out.  [B, latent, h, w] → [B, out, h·f, w·f]
struct VaeDecoderImpl : torch::nn::Module {
  VaeDecoderImpl(const AutoencoderKLConfig& c, const at::TensorOptions& o);
  at::Tensor forward(const at::Tensor& z);
  nn::Conv2d conv_in{nullptr}, conv_out{nullptr};
  torch::nn::ModuleList up_blocks;
  UNetMidBlock2D mid_block{nullptr};
  nn::GroupNorm conv_norm_out{nullptr};
  std::vector<UpBlock2D> upList;
  Activation act;
};
TORCH_MODULE(VaeDecoder);

// The posterior q(z | x) = N(mean, exp(logvar)) (diffusers DiagonalGaussianDistribution).
struct LatentDistribution {
  at::Tensor mean;    // [B, latent, h, w]
  at::Tensor logvar;  // clamped to [-30, 20]
  at::Tensor std;     // exp(logvar / 2)
  // mean + std · ε, ε ~ N(0, 1) drawn from `generator` (the default generator when undefined).
  at::Tensor sample(c10::optional<at::Generator> generator = c10::nullopt) const;
  const at::Tensor& mode() const { return mean; }
};

struct AutoencoderKLImpl : torch::nn::Module {
  // Allocates (does not initialise) every parameter with `options`; on at::kMeta nothing is allocated.
  explicit AutoencoderKLImpl(const AutoencoderKLConfig& config, const at::TensorOptions& options = {});

  // image: [B, in_channels, H, W] in [-1, 1] → the posterior over [B, latent, H/f, W/f].
  // Traces intermediate.encoder (encoder output) and intermediate.moments (quant_conv output, before the
  // logvar clamp).
  LatentDistribution encode(const at::Tensor& image, const TraceFn& trace = {});
  // latents: [B, latent, h, w] (already divided by scalingFactor()) → image [B, out_channels, h·f, w·f].
  // Traces intermediate.post_quant_conv (the decoder's input).
  at::Tensor decode(const at::Tensor& latents, const TraceFn& trace = {});

  double scalingFactor() const { return config_.scalingFactor; }
  const AutoencoderKLConfig& config() const { return config_; }

  VaeEncoder encoder{nullptr};
  VaeDecoder decoder{nullptr};
  nn::Conv2d quant_conv{nullptr}, post_quant_conv{nullptr};  // absent with use_(post_)quant_conv false

 private:
  AutoencoderKLConfig config_;
};
TORCH_MODULE(AutoencoderKL);

// The VAE of a diffusers model folder (`dir`/config.json + weights), loaded strictly; see
// loadUNet2DConditionModel.
AutoencoderKL loadAutoencoderKL(const std::string& dir, const at::TensorOptions& options = {});

}  // namespace mumu
