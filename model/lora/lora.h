// lora.h — low-rank adapters (LoRA) on the Linear and Conv2d layers (model/nn) of any module tree, addressed
// by the layers' dotted names (`down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q`,
// `text_model.layers.3.self_attn.q_proj`): ΔW = (alpha / rank) · up · down.
//
// Two ways to apply a set of adapters:
//   live    the layer's forward adds strength · scale · up(down(x)); down/up are trainable parameters of a
//           LoraNetwork module (the base weights stay untouched and can be frozen). Layers without an
//           adapter pay one relaxed atomic load per call when no adapter is live anywhere.
//   merged  W += strength · scale · ΔW in place (no cost per call); unmerge subtracts the same ΔW.
//
// Files read: kohya (`lora_unet_<LDM or diffusers name, '.'→'_'>.lora_down.weight` / `.lora_up.weight` /
// `.alpha`; `lora_te*_` keys are ignored with a note: MUMU has no CLIP text encoders), PEFT / diffusers
// (`<name>.lora_A.weight` / `.lora_B.weight`, prefixes `base_model.model.`, `unet.`; r and lora_alpha from an
// `adapter_config.json` next to the file), old diffusers attention processors
// (`<attn>.processor.to_q_lora.down.weight`), and MUMU's own files (PEFT names relative to the model root,
// alpha per target in the `mumu.lora` metadata entry). A LoRA applies to any model whose targeted layers
// have the same names and shapes, e.g. any SDXL fine-tune.
#pragma once

#include <torch/torch.h>

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/io/sdxl_checkpoint.h"

namespace mumu {

// One adapter as a file stores it.
struct LoraAdapter {
  std::string target;  // dotted module name of a Linear / Conv2d, relative to the model root
  at::Tensor down;     // [r, in] (Linear) or [r, in, k, k] (Conv2d)
  at::Tensor up;       // [out, r] (Linear) or [out, r, 1, 1] (Conv2d)
  double alpha = 0.0;  // scale = alpha / rank
  int64_t rank = 0;
};

// One adapter bound to one layer of a model: what a LoraNetwork holds per target. `down` and `up` are
// registered parameters ("down", "up").
struct LoraLayerImpl : torch::nn::Module {
  LoraLayerImpl(std::string target, const std::shared_ptr<torch::nn::Module>& layer, at::Tensor down, at::Tensor up,
                double alpha);
  // strength · scale · up(down(x)): [.., in] → [.., out] for a Linear, [B, in, H, W] → [B, out, H', W'] for a
  // Conv2d (the layer's stride and padding).
  at::Tensor forward(const at::Tensor& x);
  // scale · up · down in float32, shaped like the layer's weight ([out, in] or [out, in, k, k]); no strength.
  at::Tensor deltaWeight() const;
  at::Tensor baseWeight() const;  // the layer's weight (throws when the layer is gone)

  std::string target;
  at::Tensor down, up;
  double alpha = 0.0;
  int64_t rank = 0;
  bool conv = false;
  int64_t stride = 1, padding = 0;
  mutable std::atomic<double> strength{1.0};  // set by the network
  std::weak_ptr<torch::nn::Module> layer;
};
TORCH_MODULE(LoraLayer);

enum class LoraMode { Off, Live, Merged };

// A set of adapters bound to one model. A torch::nn::Module: parameters() are the adapters' down/up
// tensors (what an optimizer takes when training LoRA); the model's own parameters are not part of it.
class LoraNetworkImpl : public torch::nn::Module {
 public:
  // Binds every adapter to the Linear / Conv2d of `model` its target names; the tensors are copied onto the
  // layer's device as float32 (double for a double layer; forward casts them to the activations' dtype, so a
  // bf16 model trains float32 adapters). After moving the model, move the network too (network->to(...)). Throws
  // mumu::Error "<source>: ..." naming the target when the layer is missing or not a Linear / Conv2d, and the tensor
  // and both shapes when a shape does not fit the layer. Starts in `mode` (Live by default) with strength 1.
  LoraNetworkImpl(torch::nn::Module& model, const std::vector<LoraAdapter>& adapters, LoraMode mode = LoraMode::Live,
                  const std::string& source = "lora");
  ~LoraNetworkImpl() override;  // removes the live hooks; weights merged at that time stay merged

  // Off → nothing applied; Live → hooks; Merged → folded into the base weights (unmerged on leaving).
  void setMode(LoraMode mode);
  LoraMode mode() const { return mode_; }
  // The global multiplier; 0 = no change. Applies in both modes (a merged network is re-merged).
  void setStrength(double strength);
  double strength() const { return strength_; }

  const std::vector<LoraLayer>& layers() const { return layers_; }
  std::vector<LoraAdapter> adapters() const;  // current values (detached clones)
  // Writes the adapters in MUMU's format (PEFT names + alpha metadata) with extra `metadata` entries.
  void save(const std::string& path, const std::map<std::string, std::string>& metadata = {}) const;

 private:
  void applyMerge(double sign);
  std::vector<LoraLayer> layers_;
  LoraMode mode_ = LoraMode::Off;
  double strength_ = 1.0;
  double mergedStrength_ = 0.0;
};
TORCH_MODULE(LoraNetwork);

// ---- creating adapters for training ----

enum class LoraInit {
  Kaiming,   // down ~ U(−1/√fan_in, 1/√fan_in) (kaiming-uniform with a = √5, as PEFT), up = 0
  Gaussian,  // down ~ N(0, (1/r)²), up = 0
};

struct LoraOptions {
  int64_t rank = 8;
  double alpha = 8.0;
  LoraInit init = LoraInit::Kaiming;
  uint64_t seed = 0;        // the init's generator
  bool freezeBase = true;   // requires_grad(false) on every parameter of the model passed to addLora
  bool includeConv = true;  // Conv2d layers (1×1 and k×k) are candidates besides Linear
};

// The dotted names of the Linear (and Conv2d) layers of `model` that `patterns` selects. `patterns` is a
// '|'-separated list of globs over dotted names ('*' = any characters, including dots); a glob matches a layer
// when it matches the whole name or a dotted suffix of it: "to_q|to_k|to_v|to_out.0|ff.net.*" selects every
// attention projection and feed-forward Linear of a UNet. A pattern starting with "re:" is an ECMAScript
// regex searched in the name instead. Names are in named_modules() order.
std::vector<std::string> matchLoraTargets(const torch::nn::Module& model, const std::string& patterns,
                                          bool includeConv = true);

// New adapters (rank, alpha, init) on the layers `patterns` selects, live, with strength 1; at the start the
// model computes exactly what it computed before (up = 0). network->parameters() are the trainable tensors.
// Throws mumu::Error when nothing matches or the rank is not positive.
LoraNetwork addLora(torch::nn::Module& model, const std::string& patterns, const LoraOptions& options = {});

// ---- files ----

struct LoraLoadOptions {
  // Dotted name of the UNet inside the model ("" = the model is the UNet): `lora_unet_*` and `unet.*` keys
  // resolve below it.
  std::string unetRoot;
  // For kohya keys with LDM names; default: from the UNet's config (when unetRoot names a
  // UNet2DConditionModel), else SDXL base.
  std::optional<UnetLayout> unetLayout;
  bool strict = true;  // a key that names no layer of the model → mumu::Error naming it
};

struct LoraLoadReport {
  std::string format;                  // "kohya", "peft", "diffusers-processor", "mumu" (or several, '+'-joined)
  std::vector<std::string> unmatched;  // keys whose target is not a Linear / Conv2d of the model
  std::vector<std::string> ignored;    // keys skipped on purpose (text encoders)
  std::vector<std::string> notes;      // one line per reason for skipping
};

// Reads a LoRA safetensors file and resolves every target against `model`'s layers. Errors (mumu::Error,
// "<path>: ..."): a down without its up (or the reverse), a rank that differs between down and up, a tensor
// whose shape does not fit its layer (both shapes named), unmatched keys when strict, an unreadable
// adapter_config.json.
std::vector<LoraAdapter> loadLoraFile(const std::string& path, const torch::nn::Module& model,
                                      const LoraLoadOptions& options = {}, LoraLoadReport* report = nullptr);

// Writes `adapters` in MUMU's format: `<target>.lora_A.weight` (down), `<target>.lora_B.weight` (up), metadata
// `format` = "mumu-lora" and `mumu.lora` = {"alpha": {target: alpha}}, plus `metadata`.
void saveLoraFile(const std::string& path, const std::vector<LoraAdapter>& adapters,
                  const std::map<std::string, std::string>& metadata = {});

// Folds adapters into (or out of) the model's weights without a LoraNetwork: W ± strength · scale · ΔW.
// Same checks as LoraNetwork's constructor. unmergeLora with the same adapters and strength restores the
// weights within float rounding.
void mergeLora(torch::nn::Module& model, const std::vector<LoraAdapter>& adapters, double strength = 1.0);
void unmergeLora(torch::nn::Module& model, const std::vector<LoraAdapter>& adapters, double strength = 1.0);

// The name-mapping layout of a UNet built from `config` (for kohya keys with LDM names).
struct UNet2DConditionConfig;
UnetLayout unetLayoutOf(const UNet2DConditionConfig& config);

namespace detail {
// The hook nn::Linear / nn::Conv2d consult: the number of live adapters anywhere, and the sum of the live
// adapters' outputs for one layer (undefined when it has none).
extern std::atomic<int64_t> liveLoraCount;
inline bool anyLiveLora() {
  return liveLoraCount.load(std::memory_order_relaxed) > 0;
}
at::Tensor liveLoraDelta(const torch::nn::Module* layer, const at::Tensor& x);
}  // namespace detail

}  // namespace mumu
