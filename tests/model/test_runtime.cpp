#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <thread>

#include "model/runtime.h"
#include <ATen/Parallel.h>

TEST(Runtime, UsesEveryCoreUnlessOmpNumThreadsSaysOtherwise) {
  const char* env = std::getenv("OMP_NUM_THREADS");
  const std::string saved = env ? env : "";
  unsetenv("OMP_NUM_THREADS");
  mumu::initRuntime();
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  EXPECT_EQ(at::get_num_threads(), cores);
  mumu::initRuntime(1);
  EXPECT_EQ(at::get_num_threads(), 1);
  setenv("OMP_NUM_THREADS", "3", 1);
  EXPECT_EQ(mumu::defaultThreadCount(), 3);
  mumu::initRuntime();
  EXPECT_EQ(at::get_num_threads(), 3);
  mumu::initRuntime(2);  // an explicit count wins
  EXPECT_EQ(at::get_num_threads(), 2);
  for (const char* bad : {"0", "-2", "two", "4x", ""}) {
    setenv("OMP_NUM_THREADS", bad, 1);
    EXPECT_EQ(mumu::defaultThreadCount(), cores) << bad;
  }
  if (env)
    setenv("OMP_NUM_THREADS", saved.c_str(), 1);
  else
    unsetenv("OMP_NUM_THREADS");
  mumu::initRuntime();
}

TEST(Runtime, ReportsVersions) {
  const mumu::RuntimeInfo info = mumu::runtimeInfo();
  EXPECT_FALSE(info.mumuVersion.empty());
  EXPECT_EQ(info.torchBuildVersion.substr(0, 1) >= "1", true);
  EXPECT_FALSE(info.oiioRuntimeVersion.empty());
  EXPECT_EQ(info.cudaAvailable, !info.cudaDevices.empty());
}
