// On-disk layout of a genotype store directory (format version 3).
//
//   meta.json       format version, counts, file sizes (checked on open), provenance
//   samples.tsv     sample metadata in store order (normalised samples file)
//   contigs.tsv     name, length, first variant, end variant (half-open), in store order
//   variants.bin    n_variants × VariantEntry, sorted by (contig order, pos)
//   variants.txt    per variant "ID\tREF\tALT[,ALT...]" (ALT "." when none), no separators
//   genotypes.bin   per variant an encoded site (store/genotype_codec.h)
//   strata.tsv      preset strata: attribute, value, sample count, in column order
//   strata.bin      per block of kStrataBlock variants, a zstd frame (store/strata_codec.h)
//   strata.idx      (n_blocks + 1) little-endian uint64 offsets into strata.bin
//
// All integers little-endian. A store is written aside and renamed into place, so a directory
// with meta.json is complete.
#pragma once

#include <cstdint>

namespace renkei {

inline constexpr int kStoreFormatVersion = 3;
inline constexpr uint32_t kStrataBlock = 256;

struct VariantEntry {
  uint64_t geno_offset;  // into genotypes.bin; size = next entry's offset - this
  uint64_t text_offset;  // into variants.txt
  uint32_t contig;       // index into contigs.tsv
  uint32_t pos;          // 1-based
  uint32_t n_alts;
  uint32_t text_size;
};
static_assert(sizeof(VariantEntry) == 32);

}  // namespace renkei
