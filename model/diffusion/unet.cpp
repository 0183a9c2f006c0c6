// unet.cpp — see unet.h. Construction follows UNet2DConditionModel.__init__ (including its module order, so
// nn::initRandom visits parameters as the parity generator did); forward follows its forward() for the
// supported options.
#include "model/diffusion/unet.h"

#include "model/error.h"
#include "model/io/sdxl_checkpoint.h"
#include "model/io/state_dict.h"

namespace mumu {

namespace {

const char* kWhere = "UNet2DConditionModel";

std::string shapeOf(const at::Tensor& t) {
  std::string s = "[";
  for (int64_t i = 0; i < t.dim(); ++i) s += (i ? ", " : "") + std::to_string(t.size(i));
  return s + "]";
}

}  // namespace

UNet2DConditionModelImpl::UNet2DConditionModelImpl(const UNet2DConditionConfig& config, const at::TensorOptions& o)
    : config_(config) {
  const auto& c = config_;
  const size_t n = c.numBlocks();
  for (size_t len : {c.upBlockTypes.size(), c.blockOutChannels.size(), c.layersPerBlock.size(),
                     c.numAttentionHeads.size(), c.crossAttentionDim.size(), c.onlyCrossAttention.size(),
                     c.transformerLayersPerBlock.size(), c.reverseTransformerLayersPerBlock.size()})
    if (n == 0 || len != n) fail(kWhere, "inconsistent per-block config lists (build configs with fromJson)");

  const int64_t c0 = c.blockOutChannels[0];
  conv_in =
      register_module("conv_in", nn::Conv2d(c.inChannels, c0, c.convInKernel, 1, (c.convInKernel - 1) / 2, true, o));
  time_proj_ = Timesteps{c0, c.flipSinToCos, c.freqShift};
  const int64_t temb = c.timeEmbedDim();
  time_embedding = register_module("time_embedding", TimestepEmbedding(c0, temb, c.actFn, c.timestepPostAct, o));
  if (c.additionEmbedType == "text_time") {
    add_time_proj_ = Timesteps{*c.additionTimeEmbedDim, c.flipSinToCos, c.freqShift};
    // diffusers builds it with TimestepEmbedding's default activation (silu), not act_fn.
    add_embedding = register_module("add_embedding", TimestepEmbedding(*c.projectionClassEmbeddingsInputDim, temb,
                                                                       Activation::SiLU, std::nullopt, o));
  }
  down_blocks = register_module("down_blocks", torch::nn::ModuleList());
  up_blocks = register_module("up_blocks", torch::nn::ModuleList());

  auto blockOptions = [&](const std::string& type, size_t i) {
    BlockOptions b;
    b.tembChannels = temb, b.groups = c.normNumGroups, b.eps = c.normEps, b.act = c.actFn;
    b.crossAttention = UNet2DConditionConfig::hasCrossAttention(type);
    b.heads = c.numAttentionHeads[i], b.crossAttentionDim = c.crossAttentionDim[i];
    b.useLinearProjection = c.useLinearProjection, b.onlyCrossAttention = c.onlyCrossAttention[i];
    b.upcastAttention = c.upcastAttention;
    return b;
  };

  int64_t out = c0;
  for (size_t i = 0; i < n; ++i) {
    BlockOptions b = blockOptions(c.downBlockTypes[i], i);
    b.numLayers = c.layersPerBlock[i];
    b.inChannels = out;
    b.outChannels = out = c.blockOutChannels[i];
    b.addSample = i + 1 < n;
    b.downsamplePadding = c.downsamplePadding;
    b.transformerLayers = c.transformerLayersPerBlock[i];
    downList_.push_back(DownBlock2D(b, o));
    down_blocks->push_back(downList_.back());
  }

  if (!c.midBlockType.empty()) {
    BlockOptions b = blockOptions(c.midBlockType, n - 1);
    b.inChannels = b.outChannels = c.blockOutChannels.back();
    b.outputScaleFactor = c.midBlockScaleFactor;
    b.onlyCrossAttention = false;  // get_mid_block does not pass only_cross_attention on
    if (c.midBlockType == "UNetMidBlock2DCrossAttn") {
      b.numLayers = 1;
      b.transformerLayers = {c.transformerLayersPerBlock.back().front()};
      midCrossAttn = register_module("mid_block", UNetMidBlock2DCrossAttn(b, o));
    } else {  // UNetMidBlock2D as the UNet builds it: one resnet, no attention
      b.numLayers = 0;
      midPlain = register_module("mid_block", UNetMidBlock2D(b, /*addAttention=*/false, o));
    }
  }

  // Up path: block i mirrors down block n-1-i.
  int64_t prevOut = c.blockOutChannels.back();
  for (size_t i = 0; i < n; ++i) {
    const size_t r = n - 1 - i;
    BlockOptions b = blockOptions(c.upBlockTypes[i], r);
    b.numLayers = c.layersPerBlock[r] + 1;
    b.prevOutputChannels = prevOut;
    b.outChannels = c.blockOutChannels[r];
    b.inChannels = c.blockOutChannels[r == 0 ? 0 : r - 1];  // channels of the skips from the block below
    b.addSample = i + 1 < n;
    b.transformerLayers = c.reverseTransformerLayersPerBlock[i];
    numUpsamplers_ += b.addSample ? 1 : 0;
    upList_.push_back(UpBlock2D(b, o));
    up_blocks->push_back(upList_.back());
    prevOut = b.outChannels;
  }

  conv_norm_out = register_module("conv_norm_out", nn::GroupNorm(c.normNumGroups, c0, c.normEps, true, o));
  conv_out = register_module("conv_out",
                             nn::Conv2d(c0, c.outChannels, c.convOutKernel, 1, (c.convOutKernel - 1) / 2, true, o));

  for (const auto& item : named_modules(/*name_prefix=*/"", /*include_self=*/false))
    if (auto* a = item.value()->as<AttentionImpl>()) a->path = item.key();
}

at::Tensor UNet2DConditionModelImpl::forward(const at::Tensor& sample, const at::Tensor& timestep,
                                             const at::Tensor& encoderHiddenStates, const at::Tensor& textEmbeds,
                                             const at::Tensor& timeIds, const UNetCallOptions& call) {
  const auto& c = config_;
  const size_t n = c.numBlocks();
  auto record = [&call](const std::string& name, const at::Tensor& t) {
    if (call.trace) call.trace("intermediate." + name, t);
  };

  if (sample.dim() != 4 || sample.size(1) != c.inChannels)
    fail(kWhere, "sample must be [B, " + std::to_string(c.inChannels) + ", h, w], got " + shapeOf(sample));
  const int64_t B = sample.size(0);
  bool needsContext = !c.midBlockType.empty() && UNet2DConditionConfig::hasCrossAttention(c.midBlockType);
  for (const auto& t : c.downBlockTypes) needsContext = needsContext || UNet2DConditionConfig::hasCrossAttention(t);
  if (needsContext) {
    const int64_t want = c.crossAttentionDim.front();
    if (!encoderHiddenStates.defined() || encoderHiddenStates.dim() != 3 || encoderHiddenStates.size(0) != B)
      fail(kWhere, "encoder_hidden_states must be [" + std::to_string(B) + ", L, " + std::to_string(want) + "]");
  }

  // Each upsampler is told its target size when a side is not a multiple of the total downsampling.
  const int64_t factor = int64_t(1) << numUpsamplers_;
  const bool forwardUpsampleSize = sample.size(2) % factor != 0 || sample.size(3) % factor != 0;

  at::Tensor x = c.centerInputSample ? 2 * sample - 1.0 : sample;

  // 1. time: sinusoidal features (float32) → time_embedding, plus SDXL's added text/time embedding.
  at::Tensor t = timestep.dim() == 0 ? timestep.unsqueeze(0) : timestep;
  if (t.dim() != 1 || (t.size(0) != 1 && t.size(0) != B))
    fail(kWhere, "timestep must be a scalar, [1] or [" + std::to_string(B) + "], got " + shapeOf(timestep));
  t = t.to(sample.device()).expand({B});
  const at::Tensor tEmb = time_proj_(t).to(sample.scalar_type());  // [B, c0]
  record("time_proj", tEmb);
  at::Tensor emb = time_embedding(tEmb);  // [B, temb]
  record("time_embedding", emb);
  if (add_embedding) {
    if (!textEmbeds.defined() || !timeIds.defined())
      fail(kWhere, "addition_embed_type \"text_time\" needs text_embeds and time_ids");
    if (textEmbeds.dim() != 2 || textEmbeds.size(0) != B || timeIds.numel() % B != 0)
      fail(kWhere, "text_embeds must be [" + std::to_string(B) + ", D] and time_ids [" + std::to_string(B) +
                       ", 6], got " + shapeOf(textEmbeds) + " and " + shapeOf(timeIds));
    at::Tensor timeEmbeds = add_time_proj_(timeIds.flatten().to(sample.device()));  // [B·6, add_dim]
    record("add_time_proj", timeEmbeds);
    timeEmbeds = timeEmbeds.reshape({B, -1});  // [B, 6·add_dim]
    const at::Tensor addEmbeds =
        at::cat({textEmbeds.to(timeEmbeds.options()), timeEmbeds}, -1).to(emb.scalar_type());  // [B, proj_dim]
    record("add_embedding_input", addEmbeds);
    const at::Tensor aug = add_embedding(addEmbeds);  // [B, temb]
    record("add_embedding", aug);
    emb = emb + aug;
  }
  if (c.timeEmbeddingActFn) emb = activate(*c.timeEmbeddingActFn, emb);

  // 2. pre-process
  x = conv_in(x);  // [B, c0, h, w]
  record("conv_in", x);

  // 3. down: every layer's output is kept for the up path.
  const CrossAttentionControl& ca = call.crossAttention;
  std::vector<at::Tensor> skips{x};
  for (size_t i = 0; i < n; ++i) {
    x = downList_[i](x, emb, encoderHiddenStates, ca, &skips);  // [B, C_i, h/2^i', w/2^i']
    record("down_blocks." + std::to_string(i), x);
  }

  // 4. mid
  if (midCrossAttn) x = midCrossAttn(x, emb, encoderHiddenStates, ca);
  if (midPlain) x = midPlain(x, emb);
  if (midCrossAttn || midPlain) record("mid_block", x);

  // 5. up: each block consumes as many skips as it has resnets, from the back.
  std::vector<int64_t> upsampleSize;
  for (size_t i = 0; i < n; ++i) {
    const size_t used = upList_[i]->resnetList.size();
    if (skips.size() < used) fail(kWhere, "skip connections do not match the up blocks");
    if (i + 1 < n && forwardUpsampleSize) {
      if (skips.size() < used + 1) fail(kWhere, "skip connections do not match the up blocks");
      const at::Tensor& next = skips[skips.size() - used - 1];  // the skip the next block starts with
      upsampleSize = {next.size(2), next.size(3)};
    }
    x = upList_[i](x, &skips, emb, encoderHiddenStates, ca,
                   upsampleSize.empty() ? at::OptionalIntArrayRef() : at::OptionalIntArrayRef(upsampleSize));
    record("up_blocks." + std::to_string(i), x);
  }

  // 6. post-process
  x = conv_norm_out(x);
  record("conv_norm_out", x);
  return conv_out(activate(c.actFn, x));  // [B, out_channels, h, w]
}

UNet2DConditionModel loadUNet2DConditionModel(const std::string& dir, const at::TensorOptions& options) {
  UNet2DConditionModel unet(loadUNet2DConditionConfig(dir + "/config.json"), options);
  const auto weights = loadDiffusersWeights(dir, "", c10::typeMetaToScalarType(options.dtype()));
  loadStateDict(*unet, weights, dir, /*strict=*/true);
  unet->eval();
  return unet;
}

}  // namespace mumu
