// Encoding of a block of preset-strata counts (up to kStrataBlock sites × every stratum),
// column by column so that zstd sees long runs of similar numbers:
//   for each stratum, for each site: size - NS
//   for each stratum, for each site: 2·NS - AN
//   for each stratum, for each site, for each ALT: AC_Het, then AC_Hom / 2, then AC_Hemi
// all as LEB128 varints (deficits rather than totals keep rare sites at one byte a number).
// Strata with no samples are left out: their counts are all zero.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "store/site_counts.h"

namespace renkei {

// rows[v][s]: counts of site v in stratum s. Appends the encoded block to `out`.
void EncodeStrataBlock(const std::vector<std::vector<SiteCounts>>& rows, std::vector<uint8_t>* out);

// Decodes site `want` of a block whose sites have the given ALT counts, for strata of the given
// sizes. Returns false if the data are corrupt.
bool DecodeStrataBlock(std::span<const uint8_t> block, std::span<const uint32_t> sizes,
                       std::span<const uint32_t> n_alts, size_t want, std::vector<SiteCounts>* out);

}  // namespace renkei
