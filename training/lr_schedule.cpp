#include "lr_schedule.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace mumu::training {

double LrSchedule::at(int64_t step) const {
  if (step < 0) step = 0;
  if (warmupSteps > 0 && step < warmupSteps)
    return peak * static_cast<double>(step + 1) / static_cast<double>(warmupSteps);
  const int64_t decaySteps = std::max<int64_t>(1, totalSteps - warmupSteps);
  const double progress = std::min(1.0, static_cast<double>(step - warmupSteps) / static_cast<double>(decaySteps));
  const double cosine = 0.5 * (1.0 + std::cos(std::numbers::pi * progress));
  return peak * (floor + (1.0 - floor) * cosine);
}

}  // namespace mumu::training
