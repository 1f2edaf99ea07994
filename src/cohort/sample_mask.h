// SampleMask: a set of samples of a SampleTable as a bit vector. Bit i (word i / 64, bit i % 64)
// is set when sample i is in the set; there are ceil(n / 64) words and the unused high bits of
// the last word are always zero. Functions are pure; masks are plain values.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace renkei {

using SampleMask = std::vector<uint64_t>;

// Returns the number of words for n samples.
inline size_t MaskWords(size_t n) { return (n + 63) / 64; }

// Returns the mask of no samples out of n.
inline SampleMask EmptyMask(size_t n) { return SampleMask(MaskWords(n), 0); }

// Returns the mask of all n samples (high bits of the last word clear).
inline SampleMask FullMask(size_t n) {
  SampleMask mask(MaskWords(n), ~uint64_t{0});
  if (n % 64 != 0) mask.back() = (uint64_t{1} << (n % 64)) - 1;
  return mask;
}

// Sets bit i. Precondition: i < 64 * mask.size().
inline void SetBit(SampleMask& mask, size_t i) { mask[i / 64] |= uint64_t{1} << (i % 64); }

// Returns bit i. Precondition: i < 64 * mask.size().
inline bool TestBit(const SampleMask& mask, size_t i) { return (mask[i / 64] >> (i % 64)) & 1u; }

// Returns the number of samples in the mask.
inline size_t CountBits(const SampleMask& mask) {
  size_t count = 0;
  for (uint64_t w : mask) count += static_cast<size_t>(std::popcount(w));
  return count;
}

// a &= b. Precondition: same size.
inline void AndInPlace(SampleMask& a, const SampleMask& b) {
  for (size_t i = 0; i < a.size(); ++i) a[i] &= b[i];
}

// a |= b. Precondition: same size.
inline void OrInPlace(SampleMask& a, const SampleMask& b) {
  for (size_t i = 0; i < a.size(); ++i) a[i] |= b[i];
}

// Complements a mask over n samples, keeping the unused high bits zero.
// Precondition: mask.size() == MaskWords(n).
inline void NotInPlace(SampleMask& mask, size_t n) {
  for (uint64_t& w : mask) w = ~w;
  if (n % 64 != 0 && !mask.empty()) mask.back() &= (uint64_t{1} << (n % 64)) - 1;
}

}  // namespace renkei
