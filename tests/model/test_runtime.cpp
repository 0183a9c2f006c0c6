#include <gtest/gtest.h>

#include <algorithm>
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
  EXPECT_EQ(info.torchBuildVersion.substr(0, 2), "2.");  // PyTorch's wheel, not Debian's 1.13
  EXPECT_FALSE(info.oiioRuntimeVersion.empty());
  EXPECT_EQ(info.cudaAvailable, !info.cudaDevices.empty());
#ifdef MUMU_CUDA
  // The wheel is a CUDA build: its runtime version is known without a GPU or a driver.
  EXPECT_TRUE(info.cudaBuilt);
  EXPECT_EQ(info.cudaVersion.substr(0, 3), "13.");
#endif
  // libtorch 2.x has a fused attention kernel on the CPU.
  EXPECT_NE(std::find(info.attentionCpu.begin(), info.attentionCpu.end(), "flash"), info.attentionCpu.end());
}

TEST(Runtime, ListsTheCpuFirst) {
  const auto devices = mumu::computeDevices();
  ASSERT_FALSE(devices.empty());
  EXPECT_EQ(devices.front().id, "cpu");
  EXPECT_NE(devices.front().name.find("CPU"), std::string::npos);
  for (size_t i = 1; i < devices.size(); ++i) {
    EXPECT_EQ(devices[i].id, "cuda:" + std::to_string(i - 1));
    EXPECT_GT(devices[i].totalBytes, 0);
  }
}

TEST(Runtime, RegeneratesOnTheRecordedDeviceTypeWhenThereIsOne) {
  std::string note = "stale";
  EXPECT_EQ(mumu::deviceForRecorded("cpu", &note), "cpu");
  EXPECT_TRUE(note.empty());
  EXPECT_EQ(mumu::deviceForRecorded("", &note), "cpu");  // recipes without a device
  const bool gpu = mumu::computeDevices().size() > 1;
  const std::string d = mumu::deviceForRecorded("cuda", &note);
  if (gpu) {
    EXPECT_EQ(d, "cuda:0");
    EXPECT_TRUE(note.empty());
  } else {
    EXPECT_EQ(d, "cpu");
    EXPECT_NE(note.find("bit for bit"), std::string::npos) << note;
  }
}
