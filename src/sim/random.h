// Deterministic pseudo-random numbers for the simulator.
//
// The simulator must give the same output for the same seed on every platform and standard
// library, so it never uses <random> distributions (their algorithms are implementation-defined).
// Everything here is defined bit-for-bit: SplitMix64 for seeding, xoshiro256** for streams,
// Lemire's multiply-shift for bounded integers, and a fixed quantile table for exponentials.
// Values; not thread-safe (give each thread its own Rng).
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <string_view>

namespace renkei {

// One SplitMix64 step: advances `state` and returns a well-mixed 64-bit value.
constexpr uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// Derives an independent seed from a parent seed and a stream label (order matters).
constexpr uint64_t MixSeed(uint64_t seed, uint64_t label) {
  uint64_t s = seed ^ (label * 0xD1B54A32D192ED03ULL);
  SplitMix64(s);
  return SplitMix64(s);
}

// FNV-1a of a string, for turning labels such as a biobank id into stream labels.
constexpr uint64_t HashLabel(std::string_view s) {
  uint64_t h = 0xCBF29CE484222325ULL;
  for (char c : s) {
    h ^= static_cast<uint8_t>(c);
    h *= 0x100000001B3ULL;
  }
  return h;
}

// xoshiro256** (Blackman & Vigna 2018) seeded through SplitMix64.
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (uint64_t& word : s_) word = SplitMix64(seed);
  }

  // Next raw 64-bit value.
  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, 1) with 53 random bits.
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

  // True with probability p.
  bool Bernoulli(double p) { return Uniform() < p; }

  // Uniform integer in [0, n), n > 0 (Lemire's method, unbiased).
  uint32_t Below(uint32_t n) {
    uint64_t m = static_cast<uint64_t>(static_cast<uint32_t>(Next() >> 32)) * n;
    auto low = static_cast<uint32_t>(m);
    if (low < n) {
      const uint32_t threshold = static_cast<uint32_t>(-n) % n;
      while (low < threshold) {
        m = static_cast<uint64_t>(static_cast<uint32_t>(Next() >> 32)) * n;
        low = static_cast<uint32_t>(m);
      }
    }
    return static_cast<uint32_t>(m >> 32);
  }

  // Exponential with mean 1, from a 4096-entry quantile table: fast (no log per call) and
  // identical everywhere; the tail is cut at ~9 means, which the simulator does not need.
  double Exponential() { return Table().q[Next() >> 52]; }

 private:
  struct ExpTable {
    std::array<double, 4096> q;
    ExpTable() {
      for (size_t i = 0; i < q.size(); ++i) {
        q[i] = -std::log((static_cast<double>(i) + 0.5) / static_cast<double>(q.size()));
      }
    }
  };
  static const ExpTable& Table() {
    static const ExpTable table;
    return table;
  }
  static constexpr uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

  std::array<uint64_t, 4> s_;
};

// Picks an index with probability proportional to weights[i]; weights must not all be zero.
template <typename Weights>
size_t PickWeighted(Rng& rng, const Weights& weights) {
  double total = 0;
  for (double w : weights) total += w;
  double u = rng.Uniform() * total;
  size_t last = 0;
  for (size_t i = 0; i < std::size(weights); ++i) {
    if (weights[i] <= 0) continue;
    last = i;
    if (u < weights[i]) return i;
    u -= weights[i];
  }
  return last;
}

}  // namespace renkei
