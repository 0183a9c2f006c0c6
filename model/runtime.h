// runtime.h — process-wide set-up of the tensor runtime and the versions it reports (`mumu info`).
// Thin: no torch headers, so core/ and app/ can include it.
#pragma once

#include <string>
#include <vector>

namespace mumu {

// Sets libtorch's intra-op threads to every core (it uses 1 here by default) unless `threads` > 0.
// Safe to call more than once.
void initRuntime(int threads = 0);

struct RuntimeInfo {
  std::string mumuVersion;
  std::string torchBuildVersion;   // libtorch headers the binary was compiled against
  std::string torchConfig;         // at::show_config() first lines: BLAS, OpenMP, oneDNN
  std::string blas;                // the BLAS libtorch was built to use
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
