// The hub as a Beacon v2 backend (beacon/backend.h): Beacon queries become hub queries, so the
// same privacy guard, fan-out and query log apply.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include "api/hub_service.h"
#include "beacon/backend.h"

namespace renkei {

class HubBeaconBackend : public BeaconBackend {
 public:
  explicit HubBeaconBackend(HubService* hub) : hub_(hub) {}

  // Registered tier and up: the federated cohort size. Public tier: only everyone or a single
  // preset stratum (age band, sex, region, biobank, disease group), from the catalog; any other
  // cohort is PermissionDenied.
  Result<Count> CountIndividuals(const std::string& cohort, const BeaconCaller& caller) override;

  // Allele rows of the range with populations ALL and one per biobank (and, for everyone, one
  // per preset stratum). At the public tier, alleles whose total AC is withheld are left out:
  // a public answer never reveals that a rare allele exists.
  Result<std::vector<BeaconAlleleRow>> Alleles(const BeaconVariantQuery& query,
                                               const std::string& cohort,
                                               const BeaconCaller& caller) override;

  // From the catalog, cached for a minute (every Beacon request with filters asks).
  std::vector<std::string> Biobanks() override;

 private:
  HubService* hub_;
  std::mutex mu_;
  std::vector<std::string> biobanks_;
  std::chrono::steady_clock::time_point biobanks_time_;
};

}  // namespace renkei
