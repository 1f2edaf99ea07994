// On-disk layout of a genotype store directory (format version 4).
//
//   meta.json       format version, counts, every other file's size (checked on open),
//                   provenance
//   samples.tsv.zst sample metadata in store order (the normalised samples file, one zstd frame;
//                   `zstd -dc` prints it)
//   contigs.tsv     name, length, first variant, end variant (half-open), in store order; the
//                   ranges tile [0, n_variants), which is how a variant's contig is found
//   variants.bin    n_variants × VariantEntry, sorted by (contig order, pos)
//   genotypes.bin   per variant a record: varint text length, "ID\tREF\tALT[,ALT...]" (ALT "."
//                   when none), then the encoded site (store/genotype_codec.h)
//   strata.tsv      preset strata: attribute, value, sample count, source (store/strata_plan.h)
//   strata.bin      per block of kStrataBlock variants, a zstd frame with the counts of the
//                   stored strata (store/strata_codec.h)
//   strata.idx      (n_blocks + 1) little-endian uint64 offsets into strata.bin
//
// All integers little-endian. A store is written aside and renamed into place, so a directory
// with meta.json is complete.
#pragma once

#include <cstdint>

namespace renkei {

inline constexpr int kStoreFormatVersion = 4;
inline constexpr uint32_t kStrataBlock = 256;

// Kept to 16 bytes: the variant text sits in front of the site in genotypes.bin (it is read
// right after counting, from the same pages) and the contig follows from contigs.tsv's ranges,
// so an entry needs only what a binary search by position and a site lookup need.
struct VariantEntry {
  uint64_t geno_offset;  // record start in genotypes.bin; its end is the next entry's offset
  uint32_t pos;          // 1-based
  uint32_t n_alts;
};
static_assert(sizeof(VariantEntry) == 16);

}  // namespace renkei
