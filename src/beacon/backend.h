// What the Beacon v2 connector needs from the hub: federated, privacy-guarded counts. The hub
// implements it over its sites; tests implement it with fixed numbers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "privacy/guarded.h"
#include "privacy/tier.h"

namespace renkei {

// Who is asking, as the hub's authentication established it.
struct BeaconCaller {
  Tier tier = Tier::kPublic;
  std::string id;  // "anonymous" for the public tier
};

// Alleles to look up (Beacon sequence or range query, already validated by the connector):
// 1-based inclusive POS range on a contig; ref/alt empty = any.
struct BeaconVariantQuery {
  std::string contig;  // as the stores name it, e.g. "chr1"
  int64_t start = 0, end = 0;
  std::string ref, alt;
};

// One allele and its counts per population (the whole federation, each biobank, and each
// preset stratum the tier may see).
struct BeaconAlleleRow {
  std::string contig;
  uint32_t pos = 0;  // 1-based
  std::string ref, alt;
  struct Population {
    std::string id;           // "ALL", "biobank:TMM", "age:60-69", "sex:male", "region:kanto"
    std::string description;  // "Tohoku Medical Megabank (TMM)", "age 60-69" ...
    GuardedValue ac, an, ac_hom;
  };
  std::vector<Population> populations;
};

class BeaconBackend {
 public:
  virtual ~BeaconBackend() = default;

  // Number of individuals in the federation matching `cohort` (renkei's cohort language, see
  // cohort/cohort.h; "" = everyone), guarded for the caller's tier. partial = some site did not
  // answer. Errors: InvalidArgument (bad cohort), PermissionDenied (tier may not ask),
  // FailedPrecondition (refused by the differencing defence).
  struct Count {
    GuardedValue count;
    bool partial = false;
  };
  virtual Result<Count> CountIndividuals(const std::string& cohort, const BeaconCaller& caller) = 0;

  // Alleles in the query's range with counts per population for `cohort` ("" = everyone:
  // preset strata; otherwise on-demand, registered tier and up). Same errors, plus NotFound
  // for an unknown contig.
  virtual Result<std::vector<BeaconAlleleRow>> Alleles(const BeaconVariantQuery& query,
                                                       const std::string& cohort,
                                                       const BeaconCaller& caller) = 0;

  // Biobanks present (for /api/info datasets and filtering terms), e.g. {"BBJ","NCBN","TMM"}.
  virtual std::vector<std::string> Biobanks() = 0;
};

}  // namespace renkei
