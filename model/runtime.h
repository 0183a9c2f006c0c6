// runtime.h — process-wide set-up of the tensor runtime and the versions it reports (`mumu info`).
// Thin: no torch headers, so core/ and app/ can include it.
#pragma once

#include <string>
#include <vector>

namespace mumu {

// OpenBLAS picks its kernels from the CPU model name; in some VMs (this project's machines among them) it
// fails to recognise the CPU and falls back to "Prescott" kernels, 4-5x slower on fp32 matmuls. The kernel
// type is read from OPENBLAS_CORETYPE only when the library loads, so this re-executes the program once with
// it set (SkylakeX with AVX-512, Haswell with AVX2) when OpenBLAS reports a generic core. Call first in main;
// returns normally when nothing needs doing (or the re-exec is impossible).
void ensureFastBlas(int argc, char** argv);

// Sets libtorch's intra-op threads: `threads` when > 0, else $OMP_NUM_THREADS when it is a positive number, else
// every core (libtorch uses 1 here by default). Honouring OMP_NUM_THREADS matters on a shared machine: two OpenMP
// threads on two busy cores stall at every parallel region's barrier (a nano sampling step 3-50x slower than on
// one thread). Safe to call more than once.
void initRuntime(int threads = 0);
// What initRuntime(0) picks: $OMP_NUM_THREADS when it is a positive number, else the number of cores.
int defaultThreadCount();

// A device a model can run on, as the CLI's --device and the Studio's settings name it.
struct ComputeDevice {
  std::string id;            // "cpu", "cuda:0", …
  std::string name;          // "CPU (2 threads)", "NVIDIA H100 80GB HBM3"
  long long totalBytes = 0;  // device memory (0 for the CPU: shared with the system)
  long long freeBytes = 0;
  int major = 0, minor = 0;  // CUDA compute capability
  bool bf16 = false;         // native bfloat16 (Ampere and later; on the CPU, AVX-512-BF16 or AMX)
};

// The CPU first, then every CUDA device libtorch sees. freeMemory asks each GPU for its free memory, which creates a
// CUDA context on every one of them (hundreds of MB each): only `mumu info` asks; the Studio's list does not.
std::vector<ComputeDevice> computeDevices(bool freeMemory = false);

// The device to regenerate an image on whose recipe says `recordedType` ("cpu", "cuda"; "" for old recipes): the
// same type when this machine has it ("cuda" → "cuda:0"), else the CPU. `note` (may be null) is set to a sentence
// for the user when the device type differs, since the pixels will then not match bit for bit.
std::string deviceForRecorded(const std::string& recordedType, std::string* note);

struct RuntimeInfo {
  std::string mumuVersion;
  std::string torchBuildVersion;   // libtorch headers the binary was compiled against
  std::string torchConfig;         // at::show_config() first lines: BLAS, OpenMP, oneDNN
  std::string blas;                // the BLAS libtorch was built to use
  std::string blasCore;            // OpenBLAS's kernel type at run time (empty if not OpenBLAS)
  std::string oiioBuildVersion;
  std::string oiioRuntimeVersion;
  bool cudaBuilt = false;          // compiled with MUMU_CUDA
  bool cudaAvailable = false;
  std::string cudaVersion;         // the CUDA runtime libtorch was built with ("13.0"; empty without CUDA)
  std::string cudnnVersion;        // cuDNN libtorch loads ("9.19.0"; empty when none)
  std::vector<ComputeDevice> cudaDevices;
  // Fused scaled-dot-product-attention back ends: the CPU's, and CUDA's (enabled in this process and usable on
  // device 0: flash needs compute capability 8.0, cuDNN 9.0, memory-efficient 5.0).
  std::vector<std::string> attentionCpu, attentionCuda;
  int threads = 0;                 // at::get_num_threads()
  int interopThreads = 0;
};

RuntimeInfo runtimeInfo();

}  // namespace mumu
