#include "runtime.h"

#ifdef MUMU_HAVE_OIIO
#include <OpenImageIO/oiioversion.h>
#include <OpenImageIO/imageio.h>
#endif
#include <ATen/Parallel.h>
#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include "compat.h"
#include "mumu_version.h"

#ifdef MUMU_CUDA
#include <ATen/cuda/CUDAContext.h>
#include <cuda_runtime_api.h>
#endif

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

std::vector<ComputeDevice> computeDevices(bool freeMemory) {
  std::vector<ComputeDevice> out;
  ComputeDevice cpu;
  cpu.id = "cpu";
  cpu.name = "CPU (" + std::to_string(at::get_num_threads()) + " threads)";
  __builtin_cpu_init();
  cpu.bf16 = __builtin_cpu_supports("avx512bf16") || __builtin_cpu_supports("amx-bf16");
  out.push_back(cpu);
#ifdef MUMU_CUDA
  if (!torch::cuda::is_available()) return out;
  for (int i = 0, n = static_cast<int>(torch::cuda::device_count()); i < n; ++i) {
    const cudaDeviceProp* p = at::cuda::getDeviceProperties(i);
    ComputeDevice d;
    d.id = "cuda:" + std::to_string(i);
    d.name = p->name;
    d.totalBytes = static_cast<long long>(p->totalGlobalMem);
    d.major = p->major, d.minor = p->minor;
    d.bf16 = p->major >= 8;
    size_t freeBytes = 0, totalBytes = 0;
    int previous = 0;
    if (freeMemory && cudaGetDevice(&previous) == cudaSuccess) {
      if (cudaSetDevice(i) == cudaSuccess && cudaMemGetInfo(&freeBytes, &totalBytes) == cudaSuccess)
        d.freeBytes = static_cast<long long>(freeBytes);
      else
        (void)cudaGetLastError();  // a busy or exclusive GPU: no figure, and no sticky error for torch's next check
      cudaSetDevice(previous);
    }
    out.push_back(d);
  }
#endif
  return out;
}

std::string deviceForRecorded(const std::string& recordedType, std::string* note) {
  if (note) note->clear();
  if (recordedType.empty() || recordedType == "cpu") return "cpu";
  for (const auto& d : computeDevices())
    if (d.id.rfind(recordedType + ":", 0) == 0) return d.id;
  if (note)
    *note = "the image was made on " + recordedType + ", which this machine lacks: regenerating on the CPU, so the "
            "pixels will not match bit for bit";
  return "cpu";
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
#ifdef MUMU_HAVE_OIIO
  info.oiioBuildVersion = OIIO_VERSION_STRING;
  const int v = OIIO::openimageio_version();  // e.g. 20407
  info.oiioRuntimeVersion = std::to_string(v / 10000) + "." + std::to_string(v / 100 % 100) + "." + std::to_string(v % 100);
#else
  info.oiioBuildVersion = info.oiioRuntimeVersion = "not built (MUMU_OIIO=OFF)";
#endif
#ifdef MUMU_CUDA
  info.cudaBuilt = true;
#endif
  info.cudaAvailable = torch::cuda::is_available();
  for (const auto& d : computeDevices(/*freeMemory=*/true))
    if (d.id != "cpu") info.cudaDevices.push_back(d);
  auto& ctx = at::globalContext();
  // On the CPU, 2.x has a flash-attention kernel (any mask that is not an additive float bias) and the math path.
  if (ctx.userEnabledFlashSDP()) info.attentionCpu.push_back("flash");
  if (ctx.userEnabledMathSDP()) info.attentionCpu.push_back("math");
#ifdef MUMU_CUDA
  {
    int v = 0;
    if (cudaRuntimeGetVersion(&v) == cudaSuccess) info.cudaVersion = std::to_string(v / 1000) + "." + std::to_string(v / 10 % 100);
    if (ctx.hasCuDNN()) {
      const long c = ctx.versionCuDNN();  // e.g. 91900
      info.cudnnVersion = std::to_string(c / 10000) + "." + std::to_string(c / 100 % 100) + "." + std::to_string(c % 100);
    }
    const int major = info.cudaDevices.empty() ? 0 : info.cudaDevices.front().major;
    const int minor = info.cudaDevices.empty() ? 0 : info.cudaDevices.front().minor;
    const int cc = major * 10 + minor;
    if (ctx.userEnabledFlashSDP() && cc >= 80) info.attentionCuda.push_back("flash");
    if (ctx.userEnabledMemEfficientSDP() && cc >= 50) info.attentionCuda.push_back("mem_efficient");
    if (ctx.userEnabledCuDNNSDP() && cc >= 90 && ctx.hasCuDNN()) info.attentionCuda.push_back("cudnn");
    if (ctx.userEnabledMathSDP() && cc > 0) info.attentionCuda.push_back("math");
  }
#endif
  info.threads = at::get_num_threads();
  info.interopThreads = at::get_num_interop_threads();
  return info;
}

}  // namespace mumu
