// config.h — the configurations of the diffusion decoder, read from diffusers' config.json.
// Mirrors the __init__ arguments of diffusers 0.27.2 `UNet2DConditionModel` and `AutoencoderKL` (the
// config.json keys): an omitted key takes diffusers' default; scalars that diffusers broadcasts to every
// block ("layers_per_block": 2) are expanded here into one value per block, so the model code reads one
// resolved list. Only what SDXL-style checkpoints use is supported; anything else is refused by name.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mumu {

// Activation named by a config ("silu" / "swish", "gelu", "relu", "mish"), as diffusers' get_activation.
enum class Activation { SiLU, GELU, ReLU, Mish };

// UNet2DConditionModel. Per-block lists have one entry per down block (index i = down_blocks.i); the up
// path uses them reversed, as diffusers does.
struct UNet2DConditionConfig {
  std::optional<int64_t> sampleSize;                     // sample_size: latent side (128 for SDXL); informative
  int64_t inChannels = 4;                                // in_channels
  int64_t outChannels = 4;                               // out_channels
  bool centerInputSample = false;                        // center_input_sample: sample → 2·sample − 1
  bool flipSinToCos = true;                              // flip_sin_to_cos: [cos, sin] instead of [sin, cos]
  double freqShift = 0.0;                                // freq_shift: downscale_freq_shift of the sinusoids
  std::vector<std::string> downBlockTypes;               // down_block_types ("UNetRes" prefix stripped)
  std::string midBlockType = "UNetMidBlock2DCrossAttn";  // mid_block_type; "" = none (null)
  std::vector<std::string> upBlockTypes;                 // up_block_types
  std::vector<bool> onlyCrossAttention;                  // only_cross_attention, per block
  std::vector<int64_t> blockOutChannels;                 // block_out_channels (SDXL: 320, 640, 1280)
  std::vector<int64_t> layersPerBlock;                   // layers_per_block, per block (up blocks have one more)
  int64_t downsamplePadding = 1;                         // downsample_padding
  double midBlockScaleFactor = 1.0;                      // mid_block_scale_factor: mid resnets' output divisor
  Activation actFn = Activation::SiLU;                   // act_fn
  int64_t normNumGroups = 32;                            // norm_num_groups
  double normEps = 1e-5;                                 // norm_eps: resnet GroupNorms and conv_norm_out
  std::vector<int64_t> crossAttentionDim;                // cross_attention_dim, per block (SDXL: 2048)
  // transformer_layers_per_block: [block][layer] BasicTransformerBlock count of each Transformer2DModel
  // of the down blocks; reverse_transformer_layers_per_block: the same for the up blocks (layers + 1
  // each). A flat list is broadcast over the layers of a block; null reverse = the down list reversed.
  std::vector<std::vector<int64_t>> transformerLayersPerBlock;
  std::vector<std::vector<int64_t>> reverseTransformerLayersPerBlock;
  // Attention heads per block. diffusers quirk: with num_attention_heads null (every SD/SDXL config),
  // attention_head_dim holds the number of heads, and the head size is channels / heads.
  std::vector<int64_t> numAttentionHeads;
  bool useLinearProjection = false;                          // use_linear_projection: Linear (SDXL) or 1×1 conv
  bool upcastAttention = false;                              // upcast_attention (null = false): q·kᵀ in float32
  std::string resnetTimeScaleShift = "default";              // resnet_time_scale_shift (only "default")
  std::string timeEmbeddingType = "positional";              // time_embedding_type (only "positional")
  std::optional<int64_t> timeEmbeddingDim;                   // time_embedding_dim; null = 4 · block_out_channels[0]
  std::optional<Activation> timeEmbeddingActFn;              // time_embedding_act_fn: applied to emb after the sum
  std::optional<Activation> timestepPostAct;                 // timestep_post_act: after time_embedding.linear_2
  int64_t convInKernel = 3;                                  // conv_in_kernel (odd)
  int64_t convOutKernel = 3;                                 // conv_out_kernel (odd)
  std::string additionEmbedType;                             // addition_embed_type: "" (null) or "text_time" (SDXL)
  std::optional<int64_t> additionTimeEmbedDim;               // addition_time_embed_dim (SDXL: 256 per time id)
  std::optional<int64_t> projectionClassEmbeddingsInputDim;  // (SDXL: 2816 = 1280 pooled + 6 · 256)

  size_t numBlocks() const { return downBlockTypes.size(); }
  int64_t timeEmbedDim() const { return timeEmbeddingDim ? *timeEmbeddingDim : 4 * blockOutChannels.at(0); }
  static bool hasCrossAttention(const std::string& blockType);  // CrossAttn*Block2D

  // Reads and validates a parsed config.json. `source` names the file in error messages.
  // Throws mumu::Error "<source>: key '<key>': <problem>".
  static UNet2DConditionConfig fromJson(const nlohmann::json& j, const std::string& source);
};

// AutoencoderKL (SD / SDXL VAE).
struct AutoencoderKLConfig {
  int64_t inChannels = 3;                                            // in_channels (image channels)
  int64_t outChannels = 3;                                           // out_channels
  std::vector<std::string> downBlockTypes = {"DownEncoderBlock2D"};  // down_block_types
  std::vector<std::string> upBlockTypes = {"UpDecoderBlock2D"};      // up_block_types
  std::vector<int64_t> blockOutChannels = {64};                      // block_out_channels (SDXL: 128, 256, 512, 512)
  int64_t layersPerBlock = 1;                                        // layers_per_block (decoder blocks have one more)
  Activation actFn = Activation::SiLU;                               // act_fn
  int64_t latentChannels = 4;                                        // latent_channels
  int64_t normNumGroups = 32;                                        // norm_num_groups
  std::optional<int64_t> sampleSize;                                 // sample_size (informative: tiling tile size)
  double scalingFactor = 0.18215;               // scaling_factor (SDXL: 0.13025); applied by callers
  std::optional<double> shiftFactor;            // shift_factor (newer diffusers; null here)
  std::vector<double> latentsMean, latentsStd;  // latents_mean / latents_std (empty = null)
  bool forceUpcast = true;                      // force_upcast: run the VAE in float32
  bool midBlockAddAttention = true;             // mid_block_add_attention (newer diffusers)
  bool useQuantConv = true;                     // use_quant_conv (newer diffusers)
  bool usePostQuantConv = true;                 // use_post_quant_conv (newer diffusers)

  static AutoencoderKLConfig fromJson(const nlohmann::json& j, const std::string& source);
};

// Reads `path` (a diffusers config.json) and validates it. Throws mumu::Error "<path>: <problem>" for an
// unreadable file, invalid JSON, a wrong `_class_name`, a wrongly typed key or an unsupported option.
UNet2DConditionConfig loadUNet2DConditionConfig(const std::string& path);
AutoencoderKLConfig loadAutoencoderKLConfig(const std::string& path);

// Parses an activation name as diffusers' get_activation does (case-insensitive); nullopt if unknown.
std::optional<Activation> parseActivation(const std::string& name);

}  // namespace mumu
