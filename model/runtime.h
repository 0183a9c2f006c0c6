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
  std::vector<std::string> cudaDevices;
  int threads = 0;                 // at::get_num_threads()
  int interopThreads = 0;
};

RuntimeInfo runtimeInfo();

}  // namespace mumu
