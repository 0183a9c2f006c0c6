// rng.h — the random numbers of data bootstrapping: platform-independent and seeded per sample.
// std::uniform_*_distribution and std::normal_distribution are implementation-defined, so the data set a
// seed produces would differ between standard libraries; these conversions are written out instead.
// Every sample draws from its own stream, seeded from (data-set seed, sample index, purpose), so a shard
// comes out the same whichever thread writes it and whether or not earlier shards were skipped on resume.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>

namespace mumu::training {

// SplitMix64 finaliser: spreads nearby seeds (0, 1, 2 …) over the whole 64-bit space.
inline uint64_t mixSeed(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

inline uint64_t mixSeed(uint64_t a, uint64_t b) {
  return mixSeed(mixSeed(a) ^ (b + 0x632BE59BD9B4E019ULL));
}
inline uint64_t mixSeed(uint64_t a, uint64_t b, uint64_t c) {
  return mixSeed(mixSeed(a, b), c);
}

class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(mixSeed(seed)) {}

  uint64_t next() { return engine_(); }
  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Uniform integer in [0, n); n > 0. The modulo bias (< n / 2^64) is irrelevant here.
  int64_t below(int64_t n) { return static_cast<int64_t>(engine_() % static_cast<uint64_t>(n)); }
  int64_t between(int64_t lo, int64_t hi) { return lo + below(hi - lo + 1); }  // inclusive
  bool chance(double p) { return uniform() < p; }
  // Standard normal (Box–Muller; one value per call keeps the stream position simple to reason about).
  double normal() {
    const double u1 = 1.0 - uniform();  // (0, 1]: log is finite
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

 private:
  std::mt19937_64 engine_;  // its output sequence is fixed by the C++ standard
};

}  // namespace mumu::training
