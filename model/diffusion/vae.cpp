// vae.cpp — see vae.h. Module order follows diffusers (Encoder: conv_in, down_blocks, mid_block, ...;
// Decoder: conv_in, up_blocks, mid_block, ...), so nn::initRandom visits parameters as the parity generator did.
#include "model/diffusion/vae.h"

#include "model/error.h"
#include "model/io/sdxl_checkpoint.h"
#include "model/io/state_dict.h"

namespace mumu {

namespace {

const char* kWhere = "AutoencoderKL";

// The blocks of both halves: eps 1e-6, no time embedding, output scale 1.
BlockOptions vaeBlock(const AutoencoderKLConfig& c) {
  BlockOptions b;
  b.groups = c.normNumGroups;
  b.eps = 1e-6;
  b.act = c.actFn;
  return b;
}

UNetMidBlock2D vaeMidBlock(const AutoencoderKLConfig& c, const at::TensorOptions& o) {
  BlockOptions b = vaeBlock(c);
  b.inChannels = b.outChannels = c.blockOutChannels.back();
  b.numLayers = 1;
  return UNetMidBlock2D(b, c.midBlockAddAttention, o);
}

}  // namespace

VaeEncoderImpl::VaeEncoderImpl(const AutoencoderKLConfig& c, const at::TensorOptions& o) : act(c.actFn) {
  const size_t n = c.blockOutChannels.size();
  conv_in = register_module("conv_in", nn::Conv2d(c.inChannels, c.blockOutChannels[0], 3, 1, 1, true, o));
  down_blocks = register_module("down_blocks", torch::nn::ModuleList());
  int64_t out = c.blockOutChannels[0];
  for (size_t i = 0; i < n; ++i) {
    BlockOptions b = vaeBlock(c);
    b.numLayers = c.layersPerBlock;
    b.inChannels = out;
    b.outChannels = out = c.blockOutChannels[i];
    b.addSample = i + 1 < n;
    b.downsamplePadding = 0;  // → Downsample2D pads (0, 1, 0, 1) itself
    downList.push_back(DownBlock2D(b, o));
    down_blocks->push_back(downList.back());
  }
  mid_block = register_module("mid_block", vaeMidBlock(c, o));
  conv_norm_out = register_module("conv_norm_out", nn::GroupNorm(c.normNumGroups, out, 1e-6, true, o));
  conv_out = register_module("conv_out", nn::Conv2d(out, 2 * c.latentChannels, 3, 1, 1, true, o));
}

at::Tensor VaeEncoderImpl::forward(const at::Tensor& x) {
  at::Tensor h = conv_in(x);  // [B, C0, H, W]
  for (auto& block : downList) h = block->forward(h, at::Tensor(), at::Tensor(), CrossAttentionControl{}, nullptr);
  h = mid_block(h);                                  // [B, C_last, H/f, W/f]
  return conv_out(activate(act, conv_norm_out(h)));  // [B, 2·latent, H/f, W/f]
}

VaeDecoderImpl::VaeDecoderImpl(const AutoencoderKLConfig& c, const at::TensorOptions& o) : act(c.actFn) {
  const size_t n = c.blockOutChannels.size();
  conv_in = register_module("conv_in", nn::Conv2d(c.latentChannels, c.blockOutChannels.back(), 3, 1, 1, true, o));
  up_blocks = register_module("up_blocks", torch::nn::ModuleList());
  mid_block = register_module("mid_block", vaeMidBlock(c, o));
  int64_t out = c.blockOutChannels.back();
  for (size_t i = 0; i < n; ++i) {
    BlockOptions b = vaeBlock(c);
    b.numLayers = c.layersPerBlock + 1;
    b.inChannels = out;
    b.outChannels = out = c.blockOutChannels[n - 1 - i];
    b.addSample = i + 1 < n;
    upList.push_back(UpBlock2D(b, o));
    up_blocks->push_back(upList.back());
  }
  conv_norm_out = register_module("conv_norm_out", nn::GroupNorm(c.normNumGroups, out, 1e-6, true, o));
  conv_out = register_module("conv_out", nn::Conv2d(out, c.outChannels, 3, 1, 1, true, o));
}

at::Tensor VaeDecoderImpl::forward(const at::Tensor& z) {
  at::Tensor h = mid_block(conv_in(z));  // [B, C_last, h, w]
  for (auto& block : upList) h = block->forward(h, nullptr, at::Tensor(), at::Tensor(), CrossAttentionControl{});
  return conv_out(activate(act, conv_norm_out(h)));  // [B, out, h·f, w·f]
}

at::Tensor LatentDistribution::sample(c10::optional<at::Generator> generator) const {
  return mean + std * at::randn(mean.sizes(), generator, mean.options());
}

AutoencoderKLImpl::AutoencoderKLImpl(const AutoencoderKLConfig& config, const at::TensorOptions& o) : config_(config) {
  const auto& c = config_;
  if (c.blockOutChannels.empty() || c.downBlockTypes.size() != c.blockOutChannels.size() ||
      c.upBlockTypes.size() != c.blockOutChannels.size())
    fail(kWhere, "inconsistent per-block config lists (build configs with fromJson)");
  encoder = register_module("encoder", VaeEncoder(c, o));
  decoder = register_module("decoder", VaeDecoder(c, o));
  if (c.useQuantConv)
    quant_conv =
        register_module("quant_conv", nn::Conv2d(2 * c.latentChannels, 2 * c.latentChannels, 1, 1, 0, true, o));
  if (c.usePostQuantConv)
    post_quant_conv =
        register_module("post_quant_conv", nn::Conv2d(c.latentChannels, c.latentChannels, 1, 1, 0, true, o));
  for (const auto& item : named_modules(/*name_prefix=*/"", /*include_self=*/false))
    if (auto* a = item.value()->as<AttentionImpl>()) a->path = item.key();
}

LatentDistribution AutoencoderKLImpl::encode(const at::Tensor& image, const TraceFn& trace) {
  if (image.dim() != 4 || image.size(1) != config_.inChannels)
    fail(kWhere, "image must be [B, " + std::to_string(config_.inChannels) + ", H, W]");
  const at::Tensor h = encoder(image);  // [B, 2·latent, h, w]
  if (trace) trace("intermediate.encoder", h);
  const at::Tensor moments = quant_conv ? quant_conv(h) : h;
  if (trace) trace("intermediate.moments", moments);
  auto parts = moments.chunk(2, 1);  // mean, logvar: [B, latent, h, w] each
  LatentDistribution d;
  d.mean = parts[0];
  d.logvar = at::clamp(parts[1], -30.0, 20.0);
  d.std = at::exp(0.5 * d.logvar);
  return d;
}

at::Tensor AutoencoderKLImpl::decode(const at::Tensor& latents, const TraceFn& trace) {
  if (latents.dim() != 4 || latents.size(1) != config_.latentChannels)
    fail(kWhere, "latents must be [B, " + std::to_string(config_.latentChannels) + ", h, w]");
  const at::Tensor z = post_quant_conv ? post_quant_conv(latents) : latents;
  if (trace) trace("intermediate.post_quant_conv", z);
  return decoder(z);  // [B, out, h·f, w·f]
}

AutoencoderKL loadAutoencoderKL(const std::string& dir, const at::TensorOptions& options) {
  AutoencoderKL vae(loadAutoencoderKLConfig(dir + "/config.json"), options);
  const auto weights = loadDiffusersWeights(dir, "", c10::typeMetaToScalarType(options.dtype()));
  loadStateDict(*vae, weights, dir, /*strict=*/true);
  vae->eval();
  return vae;
}

}  // namespace mumu
