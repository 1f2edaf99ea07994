// The hub's side of a federated answer: sums the guarded counts that the sites sent into
// totals and per-site and per-biobank breakdowns, flags missing sites, and re-applies the
// privacy guard to every sum.
//
// A total is exact or withheld, never silently wrong: a sum with a withheld part is withheld,
// and a site that did not answer makes the answer "partial" (listed under "sites").
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "privacy/guard.h"

namespace renkei {

// What one site answered (or why it did not), and how long it took.
struct SiteAnswer {
  std::string site_id, site_name;
  Result<nlohmann::json> answer = Status(StatusCode::kUnavailable, "not asked");
  double elapsed_ms = 0;
};

// Elementwise sum; alts are matched by position (sizes must agree; a missing ALT is withheld).
GuardedSite SumSites(const GuardedSite& a, const GuardedSite& b);

// Totals with per-site and per-biobank breakdowns of one quantity (a cohort size, a facet
// count, one allele's counts).
class Breakdown {
 public:
  void Add(const std::string& site, const std::string& biobank, const GuardedSite& value);
  bool empty() const { return !total_.has_value(); }
  // {"total": C, "by_site": {site: C}, "by_biobank": {biobank: C}} with every C guarded again
  // at the tier. `alts` names the ALT alleles (empty for a count: then each C is a number or
  // null instead of a counts object).
  nlohmann::json ToJson(const PrivacyPolicy& policy, Tier tier,
                        const std::vector<std::string>& alts) const;

 private:
  std::optional<GuardedSite> total_;
  std::map<std::string, GuardedSite> by_site_, by_biobank_;
};

// The first refusal that applies to the whole query (InvalidArgument, PermissionDenied,
// FailedPrecondition — the same rules hold at every site), or OK. A site's NotFound (no such
// contig or variant there) and failures (Unavailable, Internal, Unauthenticated) are per-site.
Status WholeQueryRefusal(const std::vector<SiteAnswer>& answers);

// {"sites": [{"id", "name", "status": "ok" | "no_record" | "unavailable", "message"?,
// "access"?, "elapsed_ms"}], "partial": bool}: merged into `out`. "access" is the node's list of
// datasets answered below the caller's tier for want of a valid visa (api/node_service.h).
void AddSiteStatus(const std::vector<SiteAnswer>& answers, nlohmann::json* out);

// Federated answers from node answers (see api/node_service.h for their form). Each returns
// the JSON the hub sends to the client, or a node answer's format error as Internal.
Result<nlohmann::json> AggregateCount(const std::vector<SiteAnswer>& answers,
                                      const PrivacyPolicy& policy, Tier tier);
Result<nlohmann::json> AggregateFreq(const std::vector<SiteAnswer>& answers,
                                     const PrivacyPolicy& policy, Tier tier);
Result<nlohmann::json> AggregateStrata(const std::vector<SiteAnswer>& answers,
                                       const PrivacyPolicy& policy, Tier tier);

}  // namespace renkei
