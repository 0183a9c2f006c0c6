#include <gtest/gtest.h>

#include <set>

#include "model/error.h"
#include "training/sharding.h"

using mumu::training::shardsForRank;

TEST(Sharding, RanksCoverEveryShardExactlyOnce) {
  for (int world : {1, 3, 8}) {
    std::multiset<int64_t> seen;
    for (int r = 0; r < world; ++r)
      for (int64_t s : shardsForRank(37, r, world, 42, 3)) seen.insert(s);
    ASSERT_EQ(seen.size(), 37u);
    for (int64_t s = 0; s < 37; ++s) EXPECT_EQ(seen.count(s), 1u);
  }
}

TEST(Sharding, OrderIsStablePerEpochAndChangesAcrossEpochs) {
  EXPECT_EQ(shardsForRank(100, 1, 4, 7, 0), shardsForRank(100, 1, 4, 7, 0));
  EXPECT_NE(shardsForRank(100, 1, 4, 7, 0), shardsForRank(100, 1, 4, 7, 1));
}

TEST(Sharding, RejectsBadRanks) {
  EXPECT_THROW(shardsForRank(10, 4, 4, 0, 0), mumu::Error);
  EXPECT_THROW(shardsForRank(10, 0, 0, 0, 0), mumu::Error);
}
