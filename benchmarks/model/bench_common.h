// bench_common.h — small helpers shared by the model benchmarks.
#pragma once

#include <c10/core/Device.h>

#include <fstream>
#include <string>

#ifdef MUMU_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#endif

namespace mumu::bench {

// The caching allocator's peak allocated and reserved bytes on `device`, in MiB (0 off CUDA).
struct GpuPeak {
  double allocatedMiB = 0, reservedMiB = 0;
};
inline GpuPeak gpuPeak(const c10::Device& device) {
  GpuPeak p;
#ifdef MUMU_CUDA
  if (!device.is_cuda()) return p;
  const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(device.index());
  const auto agg = static_cast<size_t>(c10::CachingAllocator::StatType::AGGREGATE);
  p.allocatedMiB = static_cast<double>(stats.allocated_bytes[agg].peak) / (1 << 20);
  p.reservedMiB = static_cast<double>(stats.reserved_bytes[agg].peak) / (1 << 20);
#else
  (void)device;
#endif
  return p;
}

// Peak resident set size of this process so far, in MiB (Linux VmHWM).
inline double peakRssMiB() {
  std::ifstream in("/proc/self/status");
  std::string key;
  while (in >> key) {
    if (key == "VmHWM:") {
      double kb = 0;
      in >> kb;
      return kb / 1024.0;
    }
    std::getline(in, key);
  }
  return 0;
}

}  // namespace mumu::bench
