// sdxl_checkpoint.h — where SDXL weights come from: a diffusers pipeline folder (one component per
// subfolder) or a single-file checkpoint with the original (LDM / generative-models) naming. The one
// place that knows the single-file names: `model.diffusion_model.*` ↔ diffusers UNet2DConditionModel and
// `first_stage_model.*` ↔ diffusers AutoencoderKL, derived from a layout in both directions.
#pragma once

#include <ATen/core/Tensor.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mumu {

// ---- diffusers folders ----

// The tensors of one diffusers component, `<dir>/<sub>/` (or `dir` itself when `sub` is empty), looked
// for in this order: diffusion_pytorch_model.safetensors, diffusion_pytorch_model.fp16.safetensors, and
// the sharded forms diffusion_pytorch_model[.fp16].safetensors.index.json (+ the shards it names).
// Floating-point tensors are converted to `floatType` (float32 tensors stay zero-copy views of the file);
// integer tensors are kept. Throws mumu::Error naming the files looked for when none exists.
std::map<std::string, at::Tensor> loadDiffusersWeights(const std::string& dir, const std::string& sub,
                                                       at::ScalarType floatType = at::kFloat);

// ---- layouts: the few structural facts the name mapping depends on ----

// UNet2DConditionModel as SDXL builds it (down blocks DownBlock2D / CrossAttnDownBlock2D, mid block
// UNetMidBlock2DCrossAttn, up blocks mirroring the down blocks). Filled from the diffusers config.json:
struct UnetLayout {
  std::vector<int64_t> blockOutChannels;  // block_out_channels: one entry per down block (up blocks mirror)
  int layersPerBlock = 2;                 // layers_per_block: resnets per down block; up blocks have one more
  // Transformer layers per attention of each down block: transformer_layers_per_block[i] for a
  // CrossAttnDownBlock2D, 0 for a DownBlock2D (no attention).
  std::vector<int> downTransformerDepth;
  // The same for each up block in diffusers order (deepest first): reverse_transformer_layers_per_block[i],
  // or when that is null transformer_layers_per_block reversed; 0 for an UpBlock2D.
  std::vector<int> upTransformerDepth;
  int midTransformerDepth = 1;  // transformer layers of mid_block.attentions.0 (transformer_layers_per_block[-1])
  bool addEmbedding = true;     // addition_embed_type "text_time": add_embedding.linear_1/2 (label_emb.0 in LDM)
};

// AutoencoderKL (DownEncoderBlock2D / UpDecoderBlock2D, one mid attention per coder):
struct VaeLayout {
  std::vector<int64_t> blockOutChannels;  // block_out_channels: encoder down blocks; decoder up blocks mirror
  int layersPerBlock = 2;                 // layers_per_block: resnets per encoder block; decoder blocks have one more
};

UnetLayout sdxlBaseUnetLayout();  // SDXL 1.0 base: [320, 640, 1280], down depth [0, 2, 10], up [10, 2, 0], mid 10
VaeLayout sdxlVaeLayout();        // [128, 256, 512, 512], 2 layers per block

// Every parameter name a diffusers model built with the layout has (the state_dict keys, unordered).
std::vector<std::string> diffusersUnetNames(const UnetLayout& layout);
std::vector<std::string> diffusersVaeNames(const VaeLayout& layout);

// ---- single-file (LDM) names ↔ diffusers names ----

inline constexpr const char* kLdmUnetPrefix = "model.diffusion_model.";
inline constexpr const char* kLdmVaePrefix = "first_stage_model.";

// One name, either way. LDM names carry their prefix (kLdmUnetPrefix / kLdmVaePrefix); diffusers names
// are the model's own state_dict keys. nullopt when the name has no counterpart under the layout.
std::optional<std::string> ldmToDiffusersUnetName(const std::string& ldmName, const UnetLayout& layout);
std::optional<std::string> diffusersToLdmUnetName(const std::string& name, const UnetLayout& layout);
std::optional<std::string> ldmToDiffusersVaeName(const std::string& ldmName, const VaeLayout& layout);
std::optional<std::string> diffusersToLdmVaeName(const std::string& name, const VaeLayout& layout);

// Whole tensor maps. The LDM→diffusers direction takes a whole checkpoint: keys without the prefix are
// skipped; a key under the prefix without a counterpart throws mumu::Error "<source>: ..." naming it.
// The diffusers→LDM direction maps every key (all must have a counterpart) and adds the prefix.
// The VAE's mid-block attention q/k/v/proj_out weights are 1×1 convs [C, C, 1, 1] in LDM files and
// linear [C, C] in diffusers: reshaped (views, no copies) accordingly. Everything else is passed through.
std::map<std::string, at::Tensor> ldmToDiffusersUnet(const std::map<std::string, at::Tensor>& ldm,
                                                     const UnetLayout& layout, const std::string& source = {});
std::map<std::string, at::Tensor> diffusersToLdmUnet(const std::map<std::string, at::Tensor>& unet,
                                                     const UnetLayout& layout, const std::string& source = {});
std::map<std::string, at::Tensor> ldmToDiffusersVae(const std::map<std::string, at::Tensor>& ldm,
                                                    const VaeLayout& layout, const std::string& source = {});
std::map<std::string, at::Tensor> diffusersToLdmVae(const std::map<std::string, at::Tensor>& vae,
                                                    const VaeLayout& layout, const std::string& source = {});

// ---- single-file loader ----

struct SdxlWeights {
  std::map<std::string, at::Tensor> unet;  // diffusers UNet2DConditionModel names
  std::map<std::string, at::Tensor> vae;   // diffusers AutoencoderKL names
  std::vector<std::string> missing;        // LDM names the layouts expect that the file lacks
  std::vector<std::string> ignored;        // keys outside the UNet and VAE (conditioner.*, model_ema.*, ...)
};

// Splits one SDXL single-file safetensors checkpoint into UNet and VAE tensors (floating point converted
// to `floatType`). Throws mumu::Error "<path>: ..." when the file holds neither a UNet nor a VAE, or a
// key under either prefix that the layouts cannot place (e.g. an SD 1.x file read with an SDXL layout).
SdxlWeights loadSdxlSingleFile(const std::string& path, const UnetLayout& unetLayout, const VaeLayout& vaeLayout,
                               at::ScalarType floatType = at::kFloat);

// Older diffusers VAE files name the mid attention query/key/value/proj_attn; renames those keys to
// to_q/to_k/to_v/to_out.0 (what AutoencoderKL has since diffusers 0.14). Other keys are kept as they are.
std::map<std::string, at::Tensor> upgradeLegacyVaeAttentionNames(std::map<std::string, at::Tensor> vae);

}  // namespace mumu
