// `mumu info`: what the binary was built with and what it finds at run time.
#include <nlohmann/json.hpp>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "args.h"
#include "commands.h"
#include "model/runtime.h"

#ifdef MUMU_HAVE_QT
#include <QtGlobal>
#endif

namespace mumu::cli {

int runInfo(const std::vector<std::string>& args) {
  const std::vector<FlagSpec> flags = {
      {"json", "", "print one JSON object instead of text"},
      {"help", "", "show this help"},
  };
  const ParsedArgs a = parseArgs("info", args, flags);
  if (a.has("help")) {
    std::cout << "Usage: mumu info [--json]\n\nPrints the versions MUMU was built with and runs with.\n\n"
              << formatFlags(flags);
    return 0;
  }
  const RuntimeInfo info = runtimeInfo();
  std::string qtBuild = "not built (MUMU_GUI=OFF)", qtRuntime = qtBuild;
#ifdef MUMU_HAVE_QT
  qtBuild = QT_VERSION_STR;
  qtRuntime = qVersion();
#endif
  auto gib = [](long long bytes) {
    std::ostringstream o;
    o << std::fixed << std::setprecision(1) << static_cast<double>(bytes) / (1 << 30) << " GiB";
    return o.str();
  };
  auto joined = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s.empty() ? std::string("none") : s;
  };
  nlohmann::json devices = nlohmann::json::array();
  for (const auto& d : info.cudaDevices)
    devices.push_back({{"id", d.id}, {"name", d.name}, {"memory_bytes", d.totalBytes}, {"free_bytes", d.freeBytes},
                       {"compute_capability", std::to_string(d.major) + "." + std::to_string(d.minor)},
                       {"bf16", d.bf16}});
  if (a.has("json")) {
    nlohmann::json j = {
        {"mumu", info.mumuVersion},
        {"libtorch", {{"build", info.torchBuildVersion}, {"blas", info.blas}, {"openblas_core", info.blasCore}}},
        {"qt", {{"build", qtBuild}, {"runtime", qtRuntime}}},
        {"openimageio", {{"build", info.oiioBuildVersion}, {"runtime", info.oiioRuntimeVersion}}},
        {"cuda",
         {{"built", info.cudaBuilt}, {"available", info.cudaAvailable}, {"runtime", info.cudaVersion},
          {"cudnn", info.cudnnVersion}, {"devices", devices}}},
        {"attention", {{"cpu", info.attentionCpu}, {"cuda", info.attentionCuda}}},
        {"threads", {{"intra_op", info.threads}, {"inter_op", info.interopThreads}}},
    };
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  std::cout << "MUMU " << info.mumuVersion << "\n"
            << "libtorch      " << info.torchBuildVersion << " (BLAS: " << (info.blas.empty() ? "?" : info.blas)
            << (info.blasCore.empty() ? "" : ", OpenBLAS kernels " + info.blasCore) << ")\n"
            << "Qt            build " << qtBuild << ", runtime " << qtRuntime << "\n"
            << "OpenImageIO   build " << info.oiioBuildVersion << ", runtime " << info.oiioRuntimeVersion << "\n"
            << "CUDA          " << (info.cudaBuilt ? "built in (runtime " + info.cudaVersion + ")" : "not built in")
            << (info.cudnnVersion.empty() ? "" : ", cuDNN " + info.cudnnVersion) << ", "
            << (info.cudaAvailable ? "available: " + std::to_string(info.cudaDevices.size()) + " device(s)" : "no device")
            << "\n";
  for (const auto& d : info.cudaDevices)
    std::cout << "              " << d.id << ": " << d.name << ", " << gib(d.totalBytes) << " (" << gib(d.freeBytes)
              << " free), compute capability " << d.major << "." << d.minor << (d.bf16 ? ", bf16" : "") << "\n";
  std::cout << "attention     fused SDPA back ends: CPU " << joined(info.attentionCpu)
            << (info.cudaAvailable ? "; CUDA " + joined(info.attentionCuda) : "") << "\n";
  std::cout << "threads       " << info.threads << " intra-op, " << info.interopThreads << " inter-op\n";
  return 0;
}

}  // namespace mumu::cli
