// probe.h — `mumu probe`: run one reference case folder (laid out like ../shared/parity/<case>/) through
// our implementation exactly as a real checkpoint would be loaded, and compare every reference tensor.
#pragma once

#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

namespace mumu::parity {

enum class CaseKind { Unet, Vae, Scheduler, Idefics2 };

// How a reference tensor is compared (../shared/parity/README.md "Suggested tolerances").
struct Tolerance {
  enum Mode { Exact, MaxAbs, AllClose, NotCompared } mode = MaxAbs;
  double atol = 1e-4;
  double rtol = 0.0;
};

struct TensorCheck {
  std::string name;
  Tolerance tolerance;
  double maxAbsDiff = 0.0;   // max |ours - reference|
  double worstRatio = 0.0;   // max |ours - ref| / (atol + rtol·|ref|); <= 1 passes (AllClose)
  bool present = true;       // we produced it
  bool shapeMatches = true;
  bool passed = false;
  std::string note;          // why it failed, when it did
};

struct ProbeResult {
  CaseKind kind;
  std::string caseDir;
  std::vector<TensorCheck> checks;                 // one per reference tensor (not inputs)
  std::map<std::string, at::Tensor> produced;      // every tensor we computed, by reference name
  bool allPassed() const;
};

// Detects the case kind from the folder's config (scheduler_config.json, or config.json's
// `_class_name` / `model_type`). Throws mumu::Error when the folder is not a probe case.
CaseKind detectCase(const std::string& caseDir);

Tolerance toleranceFor(CaseKind kind, const std::string& name);

// Runs the case and compares. Throws mumu::Error on unreadable or inconsistent case files.
ProbeResult runProbe(const std::string& caseDir);

// Compares `ours` against `reference` under `tol` (shapes must match; dtypes are compared as float64).
TensorCheck compareTensor(const std::string& name, const at::Tensor& ours, const at::Tensor& reference,
                          const Tolerance& tol);

const char* caseKindName(CaseKind kind);

}  // namespace mumu::parity
