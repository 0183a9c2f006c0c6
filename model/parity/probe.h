// probe.h — `mumu probe`: run one reference case folder (laid out like tests/parity/<case>/) through
// our implementation exactly as a real checkpoint would be loaded, and compare every reference tensor.
#pragma once

#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

namespace mumu::parity {

enum class CaseKind { Unet, Vae, Scheduler, Idefics2 };

// How a reference tensor is compared (tests/parity/README.md "Suggested tolerances").
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

// Where the case runs. The references are float32 CPU results: on another device float32 is held to the same
// tolerances; in bfloat16 / float16 every floating tensor is held to a looser bound relative to its own scale
// (max|ours - ref| <= kHalfRelTol · max|ref| + the float32 atol), since rounding to 8 (bf16) or 11 (fp16)
// significant bits compounds through the layers: bfloat16 on the CPU reaches 5.1 % of max|ref| in the tiny Idefics2's
// last hidden state (3.7 % in the tiny UNet's), while a wrong kernel or wiring is off by the order of the values.
// Scheduler cases always run on the CPU in float64/float32.
struct ProbeOptions {
  std::string device = "cpu";     // cpu | cuda | cuda:N | auto
  std::string dtype = "float32";  // float32 | bfloat16 | float16
};
inline constexpr double kHalfRelTol = 0.10;

// Runs the case and compares. Throws mumu::Error on unreadable or inconsistent case files.
ProbeResult runProbe(const std::string& caseDir, const ProbeOptions& options = {});

// Compares `ours` against `reference` under `tol` (shapes must match; dtypes are compared as float64).
TensorCheck compareTensor(const std::string& name, const at::Tensor& ours, const at::Tensor& reference,
                          const Tolerance& tol);

const char* caseKindName(CaseKind kind);

}  // namespace mumu::parity
