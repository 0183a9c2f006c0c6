#include <gtest/gtest.h>
#include <thread>

#include "model/runtime.h"
#include <ATen/Parallel.h>

TEST(Runtime, UsesEveryCore) {
  mumu::initRuntime();
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  EXPECT_EQ(at::get_num_threads(), cores);
  mumu::initRuntime(1);
  EXPECT_EQ(at::get_num_threads(), 1);
  mumu::initRuntime();
}

TEST(Runtime, ReportsVersions) {
  const mumu::RuntimeInfo info = mumu::runtimeInfo();
  EXPECT_FALSE(info.mumuVersion.empty());
  EXPECT_EQ(info.torchBuildVersion.substr(0, 1) >= "1", true);
  EXPECT_FALSE(info.oiioRuntimeVersion.empty());
  EXPECT_EQ(info.cudaAvailable, !info.cudaDevices.empty());
}
