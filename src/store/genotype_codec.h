// Encoding of one site's genotypes for fast subset counting.
//
// Every sample's call reduces to a genotype class — missing, hemizygous a (haploid a, or a
// half-missing diploid a/.), homozygous a/a, or heterozygous a/b — which is all that allele
// counting needs (phase is irrelevant). The most common class is implicit; every other class
// stores its samples as a dense bitmap (one bit per sample), a list of one-byte gaps or a list
// of delta-varint sample indices, whichever is smallest. Rare variants thus cost a few bytes,
// common ones a few bitmaps, and counting a cohort is popcount(bitmap & mask) or a walk of a short
// list.
//
// Layout of an encoded site (all integers LEB128 varints unless noted):
//   n_classes << 1 | packed
//   n_classes class keys, class 0 being the implicit one: with packed = 1 (every allele index
//     below 8, i.e. nearly every site) one byte kind << 6 | a << 3 | b each, otherwise
//     kind:u8, a, b each
//   then for classes 1..n-1: count << 2 | enc, then by enc
//     0 varint list: the byte length, then `count` varint deltas of sample indices (the first
//       is the index itself); the length lets counting over all samples step over the list
//       (walking even short lists cost 10-20% there, for ~1 byte a site saved)
//     1 bitmap: ceil(n_samples / 64) little-endian uint64 words
//     2 skip-byte list: `count` bytes, each the gap from the previous index (starting at -1)
//     3 skip-byte list with 0 bytes: their number z, then count + z bytes, each the gap from the
//       previous index: 1..255 = advance and take the sample, 0 = advance 255 only (the
//       separate code spares most lists, whose gaps all fit a byte, the length byte)
// The header costs a byte per class plus a byte or two per stored class: on rare sites (most
// sites) it is a sizeable part of the record.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "store/counting_mask.h"
#include "store/site_counts.h"

namespace renkei {

enum class GenotypeKind : uint8_t { kMissing = 0, kHemi = 1, kHom = 2, kHet = 3 };

// Encodes the calls of one site. `gt` holds n_samples × ploidy allele indices with the
// kAlleleMissing / kAlleleEnd sentinels of vcf/reader.h. Appends to `out`.
// InvalidArgument if a sample has ploidy above 2 (named by index in the message).
Status EncodeSite(std::span<const int32_t> gt, int ploidy, uint32_t n_samples,
                  std::vector<uint8_t>* out);

// Encodes a site with no GT data: every sample missing.
void EncodeAllMissing(uint32_t n_samples, std::vector<uint8_t>* out);

// Counts the encoded site at `data` for the samples of `cohort` (nullptr = every sample).
// `counts` must have been Reset() to the site's ALT count. Returns the number of bytes the
// encoded site occupies, or 0 if the encoding is corrupt (then counts are unspecified).
size_t CountSite(const uint8_t* data, size_t available, const CountingMask* cohort,
                 uint32_t n_samples, SiteCounts* counts);

// Writes the class of every sample (kind, a, b) for tests and debugging.
struct SampleCall {
  GenotypeKind kind;
  uint32_t a, b;
  bool operator==(const SampleCall&) const = default;
};
Result<std::vector<SampleCall>> DecodeSite(const uint8_t* data, size_t available,
                                           uint32_t n_samples);

}  // namespace renkei
