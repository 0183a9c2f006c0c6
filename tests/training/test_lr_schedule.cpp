#include <gtest/gtest.h>

#include "training/lr_schedule.h"

TEST(LrSchedule, WarmsUpLinearlyThenDecaysByCosine) {
  mumu::training::LrSchedule s{.peak = 1e-3, .warmupSteps = 10, .totalSteps = 110, .floor = 0.1};
  EXPECT_DOUBLE_EQ(s.at(0), 1e-4);
  EXPECT_DOUBLE_EQ(s.at(9), 1e-3);
  EXPECT_DOUBLE_EQ(s.at(10), 1e-3);                       // start of the cosine
  EXPECT_NEAR(s.at(60), 1e-3 * (0.1 + 0.9 * 0.5), 1e-12); // half way down
  EXPECT_DOUBLE_EQ(s.at(110), 1e-4);                      // the floor
  EXPECT_DOUBLE_EQ(s.at(10000), 1e-4);
  for (int64_t i = 10; i < 110; ++i) EXPECT_GE(s.at(i), s.at(i + 1));
}
