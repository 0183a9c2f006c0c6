// bench_common.h — small helpers shared by the model benchmarks.
#pragma once

#include <fstream>
#include <string>

namespace mumu::bench {

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
