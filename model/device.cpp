#include "model/device.h"

#include <torch/cuda.h>

#include "model/error.h"

namespace mumu {

c10::Device parseDevice(const std::string& name) {
  if (name.empty() || name == "cpu") return c10::kCPU;
  if (name == "auto") return torch::cuda::is_available() ? c10::Device(c10::kCUDA, 0) : c10::Device(c10::kCPU);
  if (name.rfind("cuda", 0) == 0) {
    c10::Device d = c10::kCPU;
    try {
      d = c10::Device(name);
    } catch (const std::exception&) {
      fail("device '" + name + "'", "expected cpu, cuda, cuda:N or auto");
    }
    if (!torch::cuda::is_available()) fail("device '" + name + "'", "CUDA is not available in this build or machine");
    const auto n = static_cast<int>(torch::cuda::device_count());
    if (d.has_index() && d.index() >= n)
      fail("device '" + name + "'", "this machine has " + std::to_string(n) + " CUDA device(s)");
    return d.has_index() ? d : c10::Device(c10::kCUDA, 0);
  }
  fail("device '" + name + "'", "expected cpu, cuda, cuda:N or auto");
}

c10::ScalarType parseDtype(const std::string& name, const c10::Device& device) {
  if (name.empty() || name == "auto") return device.is_cuda() ? c10::kBFloat16 : c10::kFloat;
  if (name == "float32" || name == "fp32") return c10::kFloat;
  if (name == "bfloat16" || name == "bf16") return c10::kBFloat16;
  if (name == "float16" || name == "fp16") return c10::kHalf;
  fail("dtype '" + name + "'", "expected float32, bfloat16, float16 or auto");
}

const char* dtypeName(c10::ScalarType t) {
  switch (t) {
    case c10::kFloat: return "float32";
    case c10::kBFloat16: return "bfloat16";
    case c10::kHalf: return "float16";
    default: return "other";
  }
}

}  // namespace mumu
