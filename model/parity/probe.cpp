#include "probe.h"

#include <nlohmann/json.hpp>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "model/diffusion/parity_cases.h"
#include "model/device.h"
#include "model/error.h"
#include "model/io/safetensors.h"
#include "model/pipeline/idefics2.h"

namespace fs = std::filesystem;

namespace mumu::parity {

const char* caseKindName(CaseKind kind) {
  switch (kind) {
    case CaseKind::Unet: return "UNet2DConditionModel";
    case CaseKind::Vae: return "AutoencoderKL";
    case CaseKind::Scheduler: return "scheduler";
    case CaseKind::Idefics2: return "Idefics2Model";
  }
  return "?";
}

bool ProbeResult::allPassed() const {
  if (checks.empty()) return false;  // a case that checked nothing proves nothing
  for (const auto& c : checks)
    if (!c.passed) return false;
  return true;
}

CaseKind detectCase(const std::string& caseDir) {
  const fs::path dir(caseDir);
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) fail(caseDir, "not a folder");
  if (!fs::exists(dir / "io.safetensors")) fail(caseDir, "no io.safetensors (reference inputs and outputs)");
  if (fs::exists(dir / "scheduler_config.json")) return CaseKind::Scheduler;
  const fs::path cfgPath = dir / "config.json";
  if (!fs::exists(cfgPath)) fail(caseDir, "neither config.json nor scheduler_config.json found");
  std::ifstream in(cfgPath);
  nlohmann::json cfg;
  try {
    cfg = nlohmann::json::parse(in);
  } catch (const std::exception& e) {
    fail(cfgPath.string(), std::string("invalid JSON (") + e.what() + ")");
  }
  if (!cfg.is_object()) fail(cfgPath.string(), "expected a JSON object");
  const std::string cls = cfg.value("_class_name", std::string());
  if (cls == "UNet2DConditionModel") return CaseKind::Unet;
  if (cls == "AutoencoderKL") return CaseKind::Vae;
  if (cfg.value("model_type", std::string()) == "idefics2") return CaseKind::Idefics2;
  fail(cfgPath.string(), "unsupported model class '" + (cls.empty() ? cfg.value("model_type", std::string("?")) : cls) +
                             "' (expected UNet2DConditionModel, AutoencoderKL or an idefics2 model)");
}

Tolerance toleranceFor(CaseKind kind, const std::string& name) {
  auto startsWith = [&](const char* p) { return name.rfind(p, 0) == 0; };
  auto endsWith = [&](const char* s) {
    const size_t n = std::strlen(s);
    return name.size() >= n && name.compare(name.size() - n, n, s) == 0;
  };
  if (startsWith("input.")) return {Tolerance::NotCompared};
  switch (kind) {
    case CaseKind::Unet:
    case CaseKind::Vae: return {Tolerance::MaxAbs, 1e-4, 0.0};
    case CaseKind::Idefics2:
      if (startsWith("text.") || startsWith("output.last_hidden_state")) return {Tolerance::MaxAbs, 2e-4, 0.0};
      return {Tolerance::MaxAbs, 1e-4, 0.0};
    case CaseKind::Scheduler:
      if (endsWith(".noise")) return {Tolerance::NotCompared};  // recorded noise we replay: an input
      if (endsWith(".timesteps")) return {Tolerance::Exact};
      if (endsWith(".sigmas") || endsWith(".init_noise_sigma") || startsWith("train."))
        return {Tolerance::AllClose, 1e-8, 1e-6};
      return {Tolerance::AllClose, 1e-5, 1e-5};
  }
  return {};
}

TensorCheck compareTensor(const std::string& name, const at::Tensor& ours, const at::Tensor& reference,
                          const Tolerance& tol) {
  TensorCheck c;
  c.name = name;
  c.tolerance = tol;
  if (!ours.defined()) {
    c.present = false;
    c.note = "not produced";
    return c;
  }
  if (ours.sizes() != reference.sizes()) {
    c.shapeMatches = false;
    std::ostringstream os;
    os << "shape " << ours.sizes() << ", reference " << reference.sizes();
    c.note = os.str();
    return c;
  }
  const at::Tensor a = ours.detach().to(at::kCPU, at::kDouble), b = reference.to(at::kCPU, at::kDouble);
  const at::Tensor diff = (a - b).abs();
  c.maxAbsDiff = diff.numel() ? diff.max().item<double>() : 0.0;
  if (std::isnan(c.maxAbsDiff) || a.isnan().any().item<bool>()) {
    c.maxAbsDiff = std::numeric_limits<double>::infinity();
    c.note = "NaN in output";
    return c;
  }
  switch (tol.mode) {
    case Tolerance::Exact: c.passed = c.maxAbsDiff == 0.0; break;
    case Tolerance::MaxAbs: c.passed = c.maxAbsDiff <= tol.atol; break;
    case Tolerance::AllClose:
      c.worstRatio = diff.numel() ? (diff / (tol.atol + tol.rtol * b.abs())).max().item<double>() : 0.0;
      c.passed = c.worstRatio <= 1.0;
      break;
    case Tolerance::NotCompared: c.passed = true; break;
  }
  return c;
}

ProbeResult runProbe(const std::string& caseDir, const ProbeOptions& options) {
  ProbeResult r;
  r.caseDir = caseDir;
  r.kind = detectCase(caseDir);
  const std::string ioPath = (fs::path(caseDir) / "io.safetensors").string();
  const auto io = loadSafetensors(ioPath);
  const at::Device device = parseDevice(options.device);
  const at::ScalarType dtype = parseDtype(options.dtype, device);
  const at::TensorOptions o = at::TensorOptions().device(device).dtype(dtype);
  const bool half = dtype != at::kFloat && r.kind != CaseKind::Scheduler;

  torch::NoGradGuard noGrad;
  switch (r.kind) {
    case CaseKind::Unet: r.produced = runUnetCase(caseDir, io, o); break;
    case CaseKind::Vae: r.produced = runVaeCase(caseDir, io, o); break;
    case CaseKind::Scheduler: r.produced = runSchedulerCase(caseDir, io); break;
    case CaseKind::Idefics2: r.produced = runIdefics2Case(caseDir, io, o); break;
  }
  for (auto& [name, t] : r.produced)
    if (t.defined()) t = t.to(at::kCPU);  // written with --out and compared on the host
  for (const auto& [name, ref] : io) {
    Tolerance tol = toleranceFor(r.kind, name);
    if (tol.mode == Tolerance::NotCompared) continue;
    if (!at::isFloatingType(ref.scalar_type())) tol = {Tolerance::Exact};  // integer and boolean tensors are exact
    else if (half) tol = {Tolerance::MaxAbs, tol.atol + kHalfRelTol * ref.abs().max().item<double>()};
    auto it = r.produced.find(name);
    r.checks.push_back(compareTensor(name, it == r.produced.end() ? at::Tensor() : it->second, ref, tol));
  }
  return r;
}

}  // namespace mumu::parity
