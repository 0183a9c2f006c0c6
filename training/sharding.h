// sharding.h — which data-set shards a training rank reads: every shard exactly once per epoch over all
// ranks, no overlap, stable for a given (epoch, seed), so a resumed run reads the same order.
#pragma once

#include <cstdint>
#include <vector>

namespace mumu::training {

// Shard indices (into [0, numShards)) for `rank` of `worldSize`, shuffled per epoch with `seed`.
// Throws mumu::Error when rank/worldSize are inconsistent.
std::vector<int64_t> shardsForRank(int64_t numShards, int rank, int worldSize, uint64_t seed, int64_t epoch);

}  // namespace mumu::training
