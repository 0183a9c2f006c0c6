#include "runtime.h"

#include <OpenImageIO/oiioversion.h>
#include <OpenImageIO/imageio.h>
#include <ATen/Parallel.h>
#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include "compat.h"
#include "mumu_version.h"

namespace mumu {

void ensureFastBlas(int argc, char** argv) {
  (void)argc;
  if (std::getenv("OPENBLAS_CORETYPE") || std::getenv("MUMU_NO_BLAS_FIX")) return;
  using CoreName = char* (*)();
  auto coreName = reinterpret_cast<CoreName>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  if (!coreName) return;  // not OpenBLAS
  const std::string core = coreName() ? coreName() : "";
  const bool generic = core == "Prescott" || core == "Core2" || core == "Nehalem" || core == "Sandybridge" ||
                       core.empty() || core == "Unknown";
  if (!generic) return;
  __builtin_cpu_init();
  const char* better = __builtin_cpu_supports("avx512f")  ? "SkylakeX"
                       : __builtin_cpu_supports("avx2")   ? "Haswell"
                                                          : nullptr;
  if (!better || core == better) return;
  setenv("OPENBLAS_CORETYPE", better, 1);
  execv("/proc/self/exe", argv);  // only returns on failure: carry on with the slow kernels
}

int defaultThreadCount() {
  // The user's explicit limit first (as libtorch and OpenBLAS read it), else every core.
  if (const char* env = std::getenv("OMP_NUM_THREADS"); env && *env) {
    char* end = nullptr;
    const long n = std::strtol(env, &end, 10);
    if (*end == '\0' && n > 0 && n <= 4096) return static_cast<int>(n);
  }
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

void initRuntime(int threads) {
  const int n = threads > 0 ? threads : defaultThreadCount();
  if (at::get_num_threads() != n) at::set_num_threads(n);
}

RuntimeInfo runtimeInfo() {
  RuntimeInfo info;
  info.mumuVersion = MUMU_VERSION_STRING;
  info.torchBuildVersion = TORCH_VERSION;
  const std::string cfg = at::show_config();
  for (const char* key : {"BLAS_INFO=", "LAPACK_INFO="}) {
    if (auto p = cfg.find(key); p != std::string::npos && info.blas.empty()) {
      auto e = cfg.find_first_of(", \n", p);
      info.blas = cfg.substr(p + std::strlen(key), e - p - std::strlen(key));
    }
  }
  info.torchConfig = cfg;
  using CoreName = char* (*)();
  if (auto coreName = reinterpret_cast<CoreName>(dlsym(RTLD_DEFAULT, "openblas_get_corename")); coreName && coreName())
    info.blasCore = coreName();
  info.oiioBuildVersion = OIIO_VERSION_STRING;
  const int v = OIIO::openimageio_version();  // e.g. 20407
  info.oiioRuntimeVersion = std::to_string(v / 10000) + "." + std::to_string(v / 100 % 100) + "." + std::to_string(v % 100);
#ifdef MUMU_CUDA
  info.cudaBuilt = true;
#endif
  info.cudaAvailable = torch::cuda::is_available();
  if (info.cudaAvailable) {
    for (int64_t i = 0, n = static_cast<int64_t>(torch::cuda::device_count()); i < n; ++i)
      info.cudaDevices.push_back("cuda:" + std::to_string(i));
  }
  info.threads = at::get_num_threads();
  info.interopThreads = at::get_num_interop_threads();
  return info;
}

}  // namespace mumu
