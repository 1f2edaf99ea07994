// The preset-strata answer for one variant: counts per value of each attribute, read from the
// ingest-time table (no genotypes touched).
#pragma once

#include <string>

#include "common/status.h"
#include "freq/selector.h"
#include "store/store.h"

namespace renkei {

// One row per stratum × selected ALT: attribute, value, samples, then the allele counts.
// TSV (header line first) or JSON. NotFound if the variant is not in the store.
Result<std::string> StrataReport(const GenotypeStore& store, const VariantSelector& variant,
                                 bool json);

}  // namespace renkei
