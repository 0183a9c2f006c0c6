// state_dict.h — copying named tensors into a module's parameters and buffers, strictly: every
// missing, unexpected or wrongly shaped tensor is reported by its full dotted name.
#pragma once

#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

namespace mumu {

struct LoadReport {
  std::vector<std::string> missing;      // in the module, not in the tensors
  std::vector<std::string> unexpected;   // in the tensors, not in the module
  std::vector<std::string> wrongShape;   // "name: got [a, b], expected [c, d]"
  int64_t loaded = 0;
  bool ok() const { return missing.empty() && unexpected.empty() && wrongShape.empty(); }
  std::string describe(size_t maxPerList = 10) const;  // a readable summary for error messages
};

// Copies `tensors` into `module` (converting dtype/device to the parameter's). Strict by default:
// throws mumu::Error "<source>: <describe()>" unless everything matches exactly.
LoadReport loadStateDict(torch::nn::Module& module, const std::map<std::string, at::Tensor>& tensors,
                         const std::string& source, bool strict = true);

}  // namespace mumu
