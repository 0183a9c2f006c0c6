// device.h — the names of devices and dtypes as the CLI, the Studio and recipes spell them ("cpu", "cuda:1",
// "bfloat16"), parsed once for every command that runs a model. Throws mumu::Error naming the bad value.
#pragma once

#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <string>

namespace mumu {

// cpu | cuda | cuda:N | auto (the first GPU when CUDA is available, else the CPU). A CUDA device this build or
// machine lacks is an error, not a silent fallback.
c10::Device parseDevice(const std::string& name);

// float32 | bfloat16 | float16 (fp32 / bf16 / fp16 accepted) | "" or auto: bfloat16 on CUDA (every GPU MUMU
// targets, Ampere and later, has it), float32 on the CPU.
c10::ScalarType parseDtype(const std::string& name, const c10::Device& device);

// "float32", "bfloat16", "float16" ("other" for anything else): what recipes record.
const char* dtypeName(c10::ScalarType t);

}  // namespace mumu
