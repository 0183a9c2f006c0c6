// parity_cases.h — runners for reference case folders of the diffusion backbone (`mumu probe`): each
// builds the model from the case's config, loads its weights as a real checkpoint, feeds the `input.*`
// tensors and returns every tensor it computes under the reference names.
#pragma once

#include <torch/torch.h>

#include <map>
#include <string>

namespace mumu {

using NamedTensors = std::map<std::string, at::Tensor>;

// Each runner builds the model on `o`'s device and dtype and casts the floating inputs to them (the reference is
// float32 on the CPU: another device or dtype is compared at the probe's looser tolerances).

// UNet2DConditionModel: input.sample, input.timestep, input.encoder_hidden_states, input.text_embeds,
// input.time_ids → output.sample and intermediate.*.
NamedTensors runUnetCase(const std::string& caseDir, const NamedTensors& io, const at::TensorOptions& o = {});

// AutoencoderKL: input.image → output.posterior_{mean,logvar,std}; input.latents → output.decoded; and
// intermediate.*.
NamedTensors runVaeCase(const std::string& caseDir, const NamedTensors& io, const at::TensorOptions& o = {});

// A scheduler folder: replays the fake model (see schedulers.h replaySchedulerCase).
NamedTensors runSchedulerCase(const std::string& caseDir, const NamedTensors& io);

}  // namespace mumu
