// Encoding of one site's genotypes for fast subset counting.
//
// Every sample's call reduces to a genotype class — missing, hemizygous a (haploid a, or a
// half-missing diploid a/.), homozygous a/a, or heterozygous a/b — which is all that allele
// counting needs (phase is irrelevant). The most common class is implicit; every other class
// stores its samples either as a dense bitmap (one bit per sample) or as a sorted, delta-varint
// list of sample indices, whichever is smaller. Rare variants thus cost a few bytes, common ones
// a few bitmaps, and counting a cohort is popcount(bitmap & mask) or a walk of a short list.
//
// Layout of an encoded site (all integers LEB128 varints unless noted):
//   n_classes, then n_classes × (kind:u8, a, b)     class 0 is the implicit one
//   then for classes 1..n-1: enc:u8 (0 varint list, 1 bitmap, 2 skip-byte list), count, payload
//     varint list (enc 0): byte length, then varint deltas of sample indices (first = index)
//     skip-byte list (enc 2): byte length, then one byte per gap from the previous index
//       (starting at -1): 1..255 = advance and take the sample, 0 = advance 255 only
//     bitmap payload: ceil(n_samples / 64) little-endian uint64 words
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
