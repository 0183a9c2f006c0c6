#include "model/io/state_dict.h"

#include "model/error.h"

#include <set>
#include <sstream>

namespace mumu {

namespace {

std::string shapeString(at::IntArrayRef shape) {
  std::ostringstream s;
  s << '[';
  for (size_t i = 0; i < shape.size(); ++i) s << (i ? ", " : "") << shape[i];
  s << ']';
  return s.str();
}

void describeList(std::ostringstream& s, const char* what, const std::vector<std::string>& items, size_t maxItems) {
  if (items.empty()) return;
  if (s.tellp() > 0) s << "; ";
  s << items.size() << ' ' << what << ": ";
  for (size_t i = 0; i < items.size() && i < maxItems; ++i) s << (i ? ", " : "") << items[i];
  if (items.size() > maxItems) s << ", ... (" << items.size() - maxItems << " more)";
}

}  // namespace

std::string LoadReport::describe(size_t maxPerList) const {
  std::ostringstream s;
  describeList(s, "missing", missing, maxPerList);
  describeList(s, "unexpected", unexpected, maxPerList);
  describeList(s, "with the wrong shape", wrongShape, maxPerList);
  if (s.tellp() == 0) s << "all " << loaded << " tensors loaded";
  return s.str();
}

LoadReport loadStateDict(torch::nn::Module& module, const std::map<std::string, at::Tensor>& tensors,
                         const std::string& source, bool strict) {
  // Parameters and buffers under their full dotted names; layers leave an optional bias unregistered.
  std::vector<std::pair<std::string, at::Tensor>> targets;
  for (const auto& item : module.named_parameters(/*recurse=*/true))
    if (item.value().defined()) targets.emplace_back(item.key(), item.value());
  for (const auto& item : module.named_buffers(/*recurse=*/true))
    if (item.value().defined()) targets.emplace_back(item.key(), item.value());

  LoadReport report;
  std::vector<std::pair<at::Tensor, at::Tensor>> copies;  // (destination, source), applied only once all is checked
  std::set<std::string> known;
  for (const auto& [name, dst] : targets) {
    known.insert(name);
    auto it = tensors.find(name);
    if (it == tensors.end()) {
      report.missing.push_back(name);
      continue;
    }
    const at::Tensor& src = it->second;
    if (!src.defined()) {
      report.wrongShape.push_back(name + ": got an undefined tensor, expected " + shapeString(dst.sizes()));
      continue;
    }
    if (src.sizes() != dst.sizes()) {
      report.wrongShape.push_back(name + ": got " + shapeString(src.sizes()) + ", expected " +
                                  shapeString(dst.sizes()));
      continue;
    }
    copies.emplace_back(dst, src);
  }
  for (const auto& [name, t] : tensors)
    if (!known.count(name)) report.unexpected.push_back(name);

  // Strict: fail before touching the module, so a bad checkpoint never leaves it half loaded.
  if (strict && !report.ok()) fail(source, report.describe());

  at::NoGradGuard noGrad;
  for (auto& [dst, src] : copies) {
    dst.copy_(src);  // converts dtype and device to the parameter's
    ++report.loaded;
  }
  return report;
}

}  // namespace mumu
