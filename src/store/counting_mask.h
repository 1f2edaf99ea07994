// A cohort prepared for counting: the bitmask (for popcount against dense classes) and a byte
// per sample (for list walks, where a byte load beats a shift-and-mask), built once per query.
#pragma once

#include <cstdint>
#include <vector>

namespace renkei {

class CountingMask {
 public:
  // Bytes beyond the last sample that list walks may touch between bounds checks (one chunk
  // of kChunk skip bytes advances at most 255 each).
  static constexpr uint32_t kChunk = 64;
  static constexpr uint32_t kPadding = kChunk * 255 + 64;

  // `bits`: ceil(n/64) words, bit i = sample i in the cohort; unused high bits must be zero.
  CountingMask(const std::vector<uint64_t>& bits, uint32_t n_samples);

  const uint64_t* bits() const { return bits_.data(); }
  // n_samples + kPadding bytes, 1 for cohort members, 0 elsewhere (padding included).
  const uint8_t* bytes() const { return bytes_.data(); }
  uint32_t size() const { return size_; }  // cohort members
  uint32_t n_samples() const { return n_samples_; }

 private:
  std::vector<uint64_t> bits_;
  std::vector<uint8_t> bytes_;
  uint32_t size_ = 0;
  uint32_t n_samples_ = 0;
};

}  // namespace renkei
