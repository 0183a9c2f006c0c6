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
}  // namespace

NamedTensors runUnetCase(const std::string& caseDir, const NamedTensors& io) {
  torch::NoGradGuard noGrad;
  UNet2DConditionModel unet = loadUNet2DConditionModel(caseDir);
  unet->eval();
  NamedTensors out;
  UNetCallOptions call;
  call.trace = traceInto(out);
  out["output.sample"] = unet->forward(input(io, caseDir, "input.sample"), input(io, caseDir, "input.timestep"),
                                       input(io, caseDir, "input.encoder_hidden_states"),
                                       optionalInput(io, "input.text_embeds"), optionalInput(io, "input.time_ids"), call);
  return out;
}

NamedTensors runVaeCase(const std::string& caseDir, const NamedTensors& io) {
  torch::NoGradGuard noGrad;
  AutoencoderKL vae = loadAutoencoderKL(caseDir);
  vae->eval();
  NamedTensors out;
  const TraceFn trace = traceInto(out);
  if (at::Tensor image = optionalInput(io, "input.image"); image.defined()) {
    const LatentDistribution dist = vae->encode(image, trace);
    out["output.posterior_mean"] = dist.mean;
    out["output.posterior_logvar"] = dist.logvar;
    out["output.posterior_std"] = dist.std;
  }
  if (at::Tensor latents = optionalInput(io, "input.latents"); latents.defined())
    out["output.decoded"] = vae->decode(latents, trace);
  if (out.empty()) fail(caseDir + "/io.safetensors", "neither input.image nor input.latents is present");
  return out;
}

NamedTensors runSchedulerCase(const std::string& caseDir, const NamedTensors& io) {
  return replaySchedulerCase(caseDir, io);
}

}  // namespace mumu
