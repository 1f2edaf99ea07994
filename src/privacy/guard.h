// The privacy guard: the one place that decides what an aggregate answer may show. Used by
// both the site node (on its own answers, defence in depth) and the hub (on federated totals).
//
// Thread-safety: Guard is thread-safe (the cohort history has its own lock).
#pragma once

#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "cohort/sample_mask.h"
#include "common/status.h"
#include "privacy/guarded.h"
#include "privacy/tier.h"
#include "store/site_counts.h"

namespace renkei {

struct PrivacyPolicy {
  // Counts (cohort size, NS, AN, AC and its parts, facet counts) below the floor are withheld
  // at the public and registered tiers, zero included (a shown 0 would reveal absence).
  uint32_t floor = 10;
  // Registered tier: a cohort whose sample set differs from an earlier answered cohort (of any
  // caller) by at least 1 and fewer than this many samples is refused, and so is one that
  // shares at least 1 and fewer than this many samples with one (see CohortHistory). 0 turns
  // the check off.
  uint32_t min_difference = 10;
  // How many answered cohorts each history remembers (the least recently answered is
  // forgotten first).
  size_t history_limit = 100000;
  // Largest region (bp) a query may cover, per tier (index = Tier).
  uint64_t max_region_bp[3] = {1'000'000, 5'000'000, 100'000'000};
  // Most sites one answer may contain, per tier.
  uint32_t max_sites[3] = {1'000, 10'000, 1'000'000};
};

// Whether a tier may use a kind of query. OK, or PermissionDenied with a sentence that says
// what is needed ("on-demand cohorts need the registered tier: sign in or use an API key").
//   preset strata: every tier; on-demand cohort counts and frequencies: registered and up;
//   cohorts naming samples (sample=…): controlled only, whatever the kind (the message names
//   the controlled tier even to a public caller, so one step tells the whole requirement).
// A Tier value outside the enum: PermissionDenied.
enum class QueryKind { kPresetStrata, kCohortCounts, kCohortFrequencies };
Status CheckAccess(Tier tier, QueryKind kind, bool names_samples);

// InvalidArgument when a region of `bp` base pairs or `sites` sites exceeds the tier's limits,
// naming the limit and what to do ("split the region or narrow it to at most 1,000,000 bp").
// bp = UINT64_MAX stands for a region without an end. A Tier outside the enum: InvalidArgument.
Status CheckSize(const PrivacyPolicy& policy, Tier tier, uint64_t bp, uint64_t sites);

// Applies the floor to one site's exact counts at a tier. Controlled: everything shown.
// Public/registered: every value below the floor withheld; if the cohort size is below the
// floor, everything is withheld; if NS is below the floor (fewer than `floor` samples have a
// call here), AN and every allele count are withheld too, since they describe those few
// samples only. Then, per ALT, the complementary-disclosure rule (AC = AC_Het + AC_Hom +
// AC_Hemi must not give a withheld value away by subtraction):
//   - if any part is withheld while AC is shown, at least two parts are withheld and the
//     withheld parts sum (AC minus the shown parts, which anyone can compute) to at least the
//     floor; to get there the smallest shown parts are withheld as well. AC itself is kept
//     because AF = AC / AN is what users come for.
//   - if AC is withheld, at least one part is withheld too (else AC would be their sum).
// So no withheld value equals a difference of shown ones, and the only derivable
// combination of withheld values is a count of at least the floor. `alts` keeps its length.
GuardedSite GuardSite(const PrivacyPolicy& policy, Tier tier, const SiteCounts& exact);

// Re-applies the floor to an already guarded (e.g. summed) site: values shown but below the
// floor become withheld, a withheld cohort size withholds everything and a withheld NS every
// allele count, and the complementary-disclosure rule above is applied again (a sum can have
// a withheld part whose total is large). An ALT whose shown parts add up to more than its
// shown AC (inconsistent input) is withheld entirely. Controlled: unchanged.
GuardedSite GuardSite(const PrivacyPolicy& policy, Tier tier, const GuardedSite& site);

// The same for a facet count.
GuardedValue GuardCount(const PrivacyPolicy& policy, Tier tier, uint64_t exact);
GuardedValue GuardCount(const PrivacyPolicy& policy, Tier tier, GuardedValue value);

// Differencing defence over one sample space (one store): remembers the sample sets of
// answered cohorts.
//
// What it stops: two answered cohorts A and B plus one more answer can give away the count
// of A \ B (as A − (A ∩ B) or (A ∪ B) − B), of B \ A, or of A ∩ B (as A + B − (A ∪ B)).
// The difference rule refuses any cohort within a few samples of a remembered one, so the
// answer that would isolate a small A \ B is refused; the overlap rule refuses a cohort that
// shares only a few samples with a remembered one, because A ∪ B is far from both A and B
// and would pass the difference rule.
// What it does not stop: inclusion–exclusion over three or more cohorts whose pairwise
// overlaps are all large (A ∩ B ∩ C small); that needs an audit of the whole partition of
// the sample space into answered cohorts, or noise, and is left to a later layer.
// Preset strata answered at any tier are not seen here; a caller that wants them covered
// records their masks at the registered tier first.
class CohortHistory {
 public:
  explicit CohortHistory(const PrivacyPolicy& policy) : policy_(policy) {}

  // Registered tier: FailedPrecondition if, for some remembered cohort R, `cohort` differs
  // from R by d samples with 0 < d < policy.min_difference (message: "this cohort differs
  // from an earlier answered cohort by 3 samples; cohorts must differ by at least 10 samples
  // from every earlier one, so that no answer isolates a few people: widen or narrow it by
  // more"), or shares s samples with R with 0 < s < policy.min_difference ("this cohort
  // shares 3 samples with an earlier answered cohort; ..."). Otherwise remembers it and
  // returns OK. Identical sets are stored once and are answered again without a scan (a hash
  // of the mask finds them); answering one again makes it the most recent, so the cohorts
  // forgotten first once history_limit is reached are the least recently answered ones.
  // min_difference 0: OK, nothing remembered. Other tiers: OK, not remembered. Masks of a
  // different size than the first one seen at the registered tier: InvalidArgument.
  // Cost of a new cohort: one pass of popcount(XOR) and popcount(AND) over the remembered
  // masks, stopping early per mask once both counts reach min_difference.
  Status CheckAndRecord(Tier tier, const SampleMask& cohort);

  // The number of distinct cohorts remembered.
  size_t size() const;

 private:
  struct Entry {
    SampleMask mask;
    uint64_t hash = 0;
  };
  using Order = std::list<Entry>;  // least recently answered first

  // OK or the refusal for a cohort not yet remembered. Requires mu_.
  Status CheckNew(const SampleMask& cohort) const;

  PrivacyPolicy policy_;
  mutable std::mutex mu_;
  std::optional<size_t> words_;  // mask size fixed by the first registered cohort
  Order answered_;
  // Hash of the mask → its entry (iterators of a list stay valid when entries move).
  std::unordered_multimap<uint64_t, Order::iterator> by_hash_;
};

}  // namespace renkei
