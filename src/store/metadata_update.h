// Replacing a store's sample metadata (metadata registration by site staff, issue 4) without
// ingesting its genotypes again.
//
// The genotypes do not change: contigs.tsv, variants.bin and genotypes.bin are hard-linked
// from the current store (copied where links are impossible). The samples file is replaced and
// the preset strata, which follow from the attributes, are counted again from the encoded
// sites. The new store is written aside and renamed into place like an ingest, so a reader
// sees the old store or the new one, never a mix; a node that has the old one open keeps
// reading it until it opens the new one.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "cohort/samples.h"
#include "common/status.h"
#include "store/store.h"

namespace renkei {

struct MetadataUpdateReport {
  uint32_t samples = 0;
  uint64_t variants = 0;
  uint32_t changed_samples = 0;  // samples whose attributes or extra columns differ
  double seconds = 0;
};

// Writes `store` again at `out_dir` (which may be store.dir() itself: the store is then
// replaced) with `samples` as its metadata: the same sample ids as the store, in any order
// (they are put in store order). `provenance` (who, when, which version) is kept in meta.json
// under "metadata". Errors: FailedPrecondition if the sample ids differ from the store's (the
// message lists a few on each side, as ingest's does) or `samples` is empty; AlreadyExists if
// out_dir exists, is not the store and !overwrite; DataLoss for a corrupt site; Internal for
// I/O. On any error nothing changes at out_dir.
Result<MetadataUpdateReport> UpdateMetadata(const GenotypeStore& store, const SampleTable& samples,
                                            const std::string& out_dir, bool overwrite,
                                            const nlohmann::json& provenance = {});

}  // namespace renkei
