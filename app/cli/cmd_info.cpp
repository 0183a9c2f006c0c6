// `mumu info`: what the binary was built with and what it finds at run time.
#include <nlohmann/json.hpp>
#include <iostream>

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
  if (a.has("json")) {
    nlohmann::json j = {
        {"mumu", info.mumuVersion},
        {"libtorch", {{"build", info.torchBuildVersion}, {"blas", info.blas}, {"openblas_core", info.blasCore}}},
        {"qt", {{"build", qtBuild}, {"runtime", qtRuntime}}},
        {"openimageio", {{"build", info.oiioBuildVersion}, {"runtime", info.oiioRuntimeVersion}}},
        {"cuda", {{"built", info.cudaBuilt}, {"available", info.cudaAvailable}, {"devices", info.cudaDevices}}},
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
            << "CUDA          " << (info.cudaBuilt ? "built in" : "not built in") << ", "
            << (info.cudaAvailable ? "available: " + std::to_string(info.cudaDevices.size()) + " device(s)" : "no device")
            << "\n";
  for (const auto& d : info.cudaDevices) std::cout << "              " << d << "\n";
  std::cout << "threads       " << info.threads << " intra-op, " << info.interopThreads << " inter-op\n";
  return 0;
}

}  // namespace mumu::cli
