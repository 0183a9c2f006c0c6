// lr_schedule.h — the learning-rate schedule of the trainer: linear warm-up, then cosine decay to a floor.
#pragma once

#include <cstdint>

namespace mumu::training {

struct LrSchedule {
  double peak = 1e-4;         // learning rate reached at the end of warm-up
  int64_t warmupSteps = 0;    // linear from peak/warmupSteps at step 0 to peak
  int64_t totalSteps = 1;     // cosine reaches `floor` here and stays there
  double floor = 0.0;         // as a fraction of peak

  // Learning rate for 0-based optimizer step `step`.
  double at(int64_t step) const;
};

}  // namespace mumu::training
