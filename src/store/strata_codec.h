// Row encoding of preset-strata counts: per variant, per stratum, varints of
//   size - NS, 2·NS - AN, then per ALT: AC_Het, AC_Hom / 2, AC_Hemi
// (deficits rather than totals keep rare variants' rows at one byte per number).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "store/site_counts.h"

namespace renkei {

void AppendStrataRow(std::span<const SiteCounts> per_stratum, std::vector<uint8_t>* out);

// Decodes one row at *p for strata of the given sizes and a site with n_alts ALT alleles.
// Advances *p. Returns false if the data are corrupt.
bool DecodeStrataRow(const uint8_t** p, const uint8_t* end, std::span<const uint32_t> sizes,
                     size_t n_alts, std::vector<SiteCounts>* out);

}  // namespace renkei
