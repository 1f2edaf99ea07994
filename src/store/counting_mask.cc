#include "store/counting_mask.h"

#include <bit>
#include <cstddef>

namespace renkei {

CountingMask::CountingMask(const std::vector<uint64_t>& bits, uint32_t n_samples)
    : bits_(bits), bytes_(static_cast<size_t>(n_samples) + kPadding, 0), n_samples_(n_samples) {
  bits_.resize((n_samples + 63u) / 64u, 0);
  uint64_t size = 0;
  for (uint32_t i = 0; i < n_samples; ++i) {
    const uint8_t in = static_cast<uint8_t>((bits_[i >> 6] >> (i & 63)) & 1u);
    bytes_[i] = in;
    size += in;
  }
  size_ = static_cast<uint32_t>(size);
}

}  // namespace renkei
