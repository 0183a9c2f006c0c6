#include "parity_cases.h"

#include "model/diffusion/schedulers.h"
#include "model/diffusion/unet.h"
#include "model/diffusion/vae.h"
#include "model/error.h"

namespace mumu {

namespace {
const at::Tensor& input(const NamedTensors& io, const std::string& caseDir, const std::string& name) {
  auto it = io.find(name);
  if (it == io.end()) fail(caseDir + "/io.safetensors", "missing reference input '" + name + "'");
  return it->second;
}
at::Tensor optionalInput(const NamedTensors& io, const std::string& name) {
  auto it = io.find(name);
  return it == io.end() ? at::Tensor() : it->second;
}
// A reference input on the case's device, floating tensors in its dtype (ids keep theirs). Timesteps stay float32,
// as diffusers' pipelines pass them: 999 in bfloat16 is 1000, and the sinusoidal embedding of a large timestep is
// all phase.
at::Tensor placed(const at::Tensor& t, const at::TensorOptions& o) {
  if (!t.defined()) return t;
  return at::isFloatingType(t.scalar_type()) ? t.to(o.device(), o.dtype().toScalarType()) : t.to(o.device());
}
}  // namespace

NamedTensors runUnetCase(const std::string& caseDir, const NamedTensors& io, const at::TensorOptions& o) {
  torch::NoGradGuard noGrad;
  UNet2DConditionModel unet = loadUNet2DConditionModel(caseDir);
  unet->to(o.device(), o.dtype().toScalarType());
  unet->eval();
  NamedTensors out;
  UNetCallOptions call;
  call.trace = traceInto(out);
  out["output.sample"] =
      unet->forward(placed(input(io, caseDir, "input.sample"), o), input(io, caseDir, "input.timestep").to(o.device()),
                    placed(input(io, caseDir, "input.encoder_hidden_states"), o),
                    placed(optionalInput(io, "input.text_embeds"), o), placed(optionalInput(io, "input.time_ids"), o),
                    call);
  return out;
}

NamedTensors runVaeCase(const std::string& caseDir, const NamedTensors& io, const at::TensorOptions& o) {
  torch::NoGradGuard noGrad;
  AutoencoderKL vae = loadAutoencoderKL(caseDir);
  vae->to(o.device(), o.dtype().toScalarType());
  vae->eval();
  NamedTensors out;
  const TraceFn trace = traceInto(out);
  if (at::Tensor image = placed(optionalInput(io, "input.image"), o); image.defined()) {
    const LatentDistribution dist = vae->encode(image, trace);
    out["output.posterior_mean"] = dist.mean;
    out["output.posterior_logvar"] = dist.logvar;
    out["output.posterior_std"] = dist.std;
  }
  if (at::Tensor latents = placed(optionalInput(io, "input.latents"), o); latents.defined())
    out["output.decoded"] = vae->decode(latents, trace);
  if (out.empty()) fail(caseDir + "/io.safetensors", "neither input.image nor input.latents is present");
  return out;
}

NamedTensors runSchedulerCase(const std::string& caseDir, const NamedTensors& io) {
  return replaySchedulerCase(caseDir, io);
}

}  // namespace mumu
