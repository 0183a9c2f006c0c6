#include "sharding.h"

#include <numeric>
#include <random>
#include <string>

#include "model/error.h"

namespace mumu::training {

std::vector<int64_t> shardsForRank(int64_t numShards, int rank, int worldSize, uint64_t seed, int64_t epoch) {
  if (worldSize <= 0 || rank < 0 || rank >= worldSize)
    fail("sharding", "rank " + std::to_string(rank) + " is outside a world of size " + std::to_string(worldSize));
  if (numShards < 0) fail("sharding", "negative shard count");
  std::vector<int64_t> order(static_cast<size_t>(numShards));
  std::iota(order.begin(), order.end(), 0);
  // std::mt19937_64's output is fixed by the standard, so the order is the same on every platform;
  // the Fisher-Yates below avoids std::shuffle, whose algorithm is implementation-defined.
  std::mt19937_64 rng(seed ^ (0x9E3779B97F4A7C15ULL * static_cast<uint64_t>(epoch + 1)));
  for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng() % i]);
  std::vector<int64_t> mine;
  for (size_t i = static_cast<size_t>(rank); i < order.size(); i += static_cast<size_t>(worldSize))
    mine.push_back(order[i]);
  return mine;
}

}  // namespace mumu::training
