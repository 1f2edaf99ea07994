#include "store/zstd_block.h"

#include <zstd.h>

namespace renkei {

Status CompressBlock(std::span<const uint8_t> in, int level, std::vector<uint8_t>* out) {
  size_t at = out->size();
  out->resize(at + ZSTD_compressBound(in.size()));
  size_t n = ZSTD_compress(out->data() + at, out->size() - at, in.data(), in.size(), level);
  if (ZSTD_isError(n)) return Internal(std::string("zstd: ") + ZSTD_getErrorName(n));
  out->resize(at + n);
  return Status::Ok();
}

Status DecompressBlock(std::span<const uint8_t> in, std::vector<uint8_t>* out) {
  unsigned long long size = ZSTD_getFrameContentSize(in.data(), in.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > (1ull << 32)) {
    return DataLoss("corrupt compressed block");
  }
  out->resize(size);
  size_t n = ZSTD_decompress(out->data(), out->size(), in.data(), in.size());
  if (ZSTD_isError(n) || n != size) return DataLoss("corrupt compressed block");
  return Status::Ok();
}

}  // namespace renkei
