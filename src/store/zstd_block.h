// zstd compression of whole blocks (the store's only use of libzstd).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "common/status.h"

namespace renkei {

// Appends one zstd frame holding `in` to `out`.
Status CompressBlock(std::span<const uint8_t> in, int level, std::vector<uint8_t>* out);
// Decompresses one frame into `out` (replacing its contents). DataLoss if corrupt.
Status DecompressBlock(std::span<const uint8_t> in, std::vector<uint8_t>* out);

}  // namespace renkei
