#include "privacy/guard.h"

#include <array>
#include <bit>
#include <iterator>
#include <limits>
#include <string>
#include <utility>

namespace renkei {

GuardedValue operator+(GuardedValue a, GuardedValue b) {
  if (a.withheld || b.withheld) return GuardedValue::Withheld();
  return GuardedValue::Shown(a.value + b.value);
}

namespace {

// "1,000,000": limits are quoted to people, who should not have to count zeros.
std::string WithCommas(uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string Samples(uint64_t n) { return WithCommas(n) + (n == 1 ? " sample" : " samples"); }

bool ValidTier(Tier tier) {
  return tier == Tier::kPublic || tier == Tier::kRegistered || tier == Tier::kControlled;
}

GuardedValue Floor(const PrivacyPolicy& policy, uint64_t exact) {
  return exact < policy.floor ? GuardedValue::Withheld() : GuardedValue::Shown(exact);
}

GuardedValue Floor(const PrivacyPolicy& policy, GuardedValue value) {
  return value.withheld ? value : Floor(policy, value.value);
}

void WithholdAll(GuardedAlt* alt) {
  alt->ac = alt->ac_het = alt->ac_hom = alt->ac_hemi = GuardedValue::Withheld();
}

// The complementary-disclosure rule of GuardSite (see guard.h), applied after the floor.
void ProtectParts(const PrivacyPolicy& policy, GuardedAlt* alt) {
  const std::array<GuardedValue*, 3> parts = {&alt->ac_het, &alt->ac_hom, &alt->ac_hemi};
  int withheld = 0;
  uint64_t shown_sum = 0;
  for (const GuardedValue* p : parts) {
    if (p->withheld) {
      ++withheld;
    } else {
      shown_sum += p->value;
    }
  }
  // The smallest shown part costs the least information to give up.
  auto withhold_smallest_shown = [&]() -> uint64_t {
    GuardedValue* smallest = nullptr;
    for (GuardedValue* p : parts) {
      if (!p->withheld && (smallest == nullptr || p->value < smallest->value)) smallest = p;
    }
    const uint64_t value = smallest->value;
    *smallest = GuardedValue::Withheld();
    ++withheld;
    return value;
  };

  if (alt->ac.withheld) {
    // With every part shown, AC would be their sum.
    if (withheld == 0) withhold_smallest_shown();
    return;
  }
  if (withheld == 0) return;
  if (shown_sum > alt->ac.value) {
    // AC = parts cannot hold: the input is not a consistent count, so no part of it can be
    // trusted to be safe to show.
    WithholdAll(alt);
    return;
  }
  // Anyone can compute AC minus the shown parts: it is the sum of the withheld parts. With
  // one withheld part that sum is the part itself; with a small sum the withheld parts are a
  // small count in disguise (and background knowledge, such as AC_Hemi = 0 on autosomes,
  // would pin one down). Withholding shown parts adds at least the floor each time.
  uint64_t withheld_sum = alt->ac.value - shown_sum;
  while ((withheld < 2 || withheld_sum < policy.floor) && withheld < 3) {
    withheld_sum += withhold_smallest_shown();
  }
  // All parts withheld sum to AC, which is shown and so at least the floor; this only
  // guards against a floor that is not applied to AC (it always is).
  if (withheld_sum < policy.floor) alt->ac = GuardedValue::Withheld();
}

// The common tail of both GuardSite overloads for public and registered tiers: `site` has the
// floor applied to each value already.
GuardedSite Protect(const PrivacyPolicy& policy, GuardedSite site) {
  if (site.cohort_size.withheld) {
    // The cohort is small (or its size unknown): every count describes a few people.
    site.ns = site.an = GuardedValue::Withheld();
    for (GuardedAlt& alt : site.alts) WithholdAll(&alt);
    return site;
  }
  if (site.ns.withheld) {
    // Few samples are called here: AN and the allele counts describe those few only.
    site.an = GuardedValue::Withheld();
    for (GuardedAlt& alt : site.alts) WithholdAll(&alt);
    return site;
  }
  for (GuardedAlt& alt : site.alts) ProtectParts(policy, &alt);
  return site;
}

uint64_t HashMask(const SampleMask& mask) {
  // splitmix64's finaliser chained over the words: cheap, and every bit of every word reaches
  // the result. Collisions are harmless (entries are compared in full), only slower.
  auto mix = [](uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  };
  uint64_t h = mix(mask.size() + 0x9e3779b97f4a7c15ULL);
  for (uint64_t w : mask) h = mix(h ^ w) + 0x9e3779b97f4a7c15ULL;
  return h;
}

}  // namespace

Status CheckAccess(Tier tier, QueryKind kind, bool names_samples) {
  if (!ValidTier(tier)) {
    return PermissionDenied(
        "the caller's tier is not known; sign in again or ask an "
        "operator to check the account");
  }
  // Naming samples is checked first: it needs the highest tier, so a caller is told the
  // whole requirement at once rather than being sent up one tier at a time.
  if (names_samples && tier != Tier::kControlled) {
    return PermissionDenied(
        "cohorts that name samples (sample=…) need the controlled tier: apply for data use "
        "and query within your approved application, or describe the cohort by attributes");
  }
  if (kind != QueryKind::kPresetStrata && tier == Tier::kPublic) {
    return PermissionDenied(std::string("on-demand cohort ") +
                            (kind == QueryKind::kCohortCounts ? "counts" : "frequencies") +
                            " need the registered tier: sign in or use an API key, or use the "
                            "preset strata");
  }
  return Status::Ok();
}

Status CheckSize(const PrivacyPolicy& policy, Tier tier, uint64_t bp, uint64_t sites) {
  if (!ValidTier(tier)) {
    return InvalidArgument("the caller's tier is not known; sign in again");
  }
  const auto t = static_cast<size_t>(tier);
  const std::string tier_name(TierName(tier));
  const uint64_t max_bp = policy.max_region_bp[t];
  if (bp > max_bp) {
    // Callers pass UINT64_MAX for a region that runs to the end of the contig.
    const std::string what = bp == std::numeric_limits<uint64_t>::max()
                                 ? "a region without an end"
                                 : "a region of " + WithCommas(bp) + " bp";
    return InvalidArgument(what + " is larger than the " + tier_name + " tier allows; split the " +
                           "region or narrow it to at most " + WithCommas(max_bp) + " bp");
  }
  const uint64_t max_sites = policy.max_sites[t];
  if (sites > max_sites) {
    return InvalidArgument("the region holds " + WithCommas(sites) + " sites, more than the " +
                           tier_name + " tier allows in one answer; split the region or narrow " +
                           "it to at most " + WithCommas(max_sites) + " sites");
  }
  return Status::Ok();
}

GuardedSite GuardSite(const PrivacyPolicy& policy, Tier tier, const SiteCounts& exact) {
  GuardedSite out;
  out.alts.reserve(exact.alts.size());
  if (tier == Tier::kControlled) {
    out.cohort_size = GuardedValue::Shown(exact.cohort_size);
    out.ns = GuardedValue::Shown(exact.ns);
    out.an = GuardedValue::Shown(exact.an);
    for (const AltCounts& a : exact.alts) {
      out.alts.push_back({GuardedValue::Shown(a.ac()), GuardedValue::Shown(a.ac_het),
                          GuardedValue::Shown(a.ac_hom), GuardedValue::Shown(a.ac_hemi)});
    }
    return out;
  }
  out.cohort_size = Floor(policy, exact.cohort_size);
  out.ns = Floor(policy, exact.ns);
  out.an = Floor(policy, exact.an);
  for (const AltCounts& a : exact.alts) {
    // AC from its parts in 64 bits: the uint32_t sum of AltCounts::ac() could wrap.
    const uint64_t ac = uint64_t{a.ac_het} + a.ac_hom + a.ac_hemi;
    out.alts.push_back({Floor(policy, ac), Floor(policy, a.ac_het), Floor(policy, a.ac_hom),
                        Floor(policy, a.ac_hemi)});
  }
  return Protect(policy, std::move(out));
}

GuardedSite GuardSite(const PrivacyPolicy& policy, Tier tier, const GuardedSite& site) {
  if (tier == Tier::kControlled) return site;
  GuardedSite out;
  out.cohort_size = Floor(policy, site.cohort_size);
  out.ns = Floor(policy, site.ns);
  out.an = Floor(policy, site.an);
  out.alts.reserve(site.alts.size());
  for (const GuardedAlt& a : site.alts) {
    out.alts.push_back({Floor(policy, a.ac), Floor(policy, a.ac_het), Floor(policy, a.ac_hom),
                        Floor(policy, a.ac_hemi)});
  }
  return Protect(policy, std::move(out));
}

GuardedValue GuardCount(const PrivacyPolicy& policy, Tier tier, uint64_t exact) {
  if (tier == Tier::kControlled) return GuardedValue::Shown(exact);
  return Floor(policy, exact);
}

GuardedValue GuardCount(const PrivacyPolicy& policy, Tier tier, GuardedValue value) {
  if (tier == Tier::kControlled) return value;
  return Floor(policy, value);
}

Status CohortHistory::CheckNew(const SampleMask& cohort) const {
  const uint64_t limit = policy_.min_difference;
  for (const Entry& e : answered_) {
    const SampleMask& seen = e.mask;
    uint64_t differ = 0, shared = 0;
    for (size_t i = 0; i < cohort.size(); ++i) {
      differ += static_cast<uint64_t>(std::popcount(cohort[i] ^ seen[i]));
      shared += static_cast<uint64_t>(std::popcount(cohort[i] & seen[i]));
      // Both counts only grow: once both are at the limit this mask cannot refuse.
      if (differ >= limit && shared >= limit) break;
    }
    if (differ > 0 && differ < limit) {
      return FailedPrecondition("this cohort differs from an earlier answered cohort by " +
                                Samples(differ) + "; cohorts must differ by at least " +
                                Samples(limit) +
                                " from every earlier one, so that no answer isolates a few "
                                "people: widen or narrow it by more");
    }
    if (shared > 0 && shared < limit) {
      return FailedPrecondition(
          "this cohort shares " + Samples(shared) +
          " with an earlier answered cohort; cohorts must share no samples or at least " +
          Samples(limit) +
          ", so that the two answers and the answer for their union cannot isolate a few "
          "people: widen it, or describe it with other attributes");
    }
  }
  return Status::Ok();
}

Status CohortHistory::CheckAndRecord(Tier tier, const SampleMask& cohort) {
  if (tier != Tier::kRegistered) return Status::Ok();
  std::lock_guard<std::mutex> lock(mu_);
  if (!words_) words_ = cohort.size();
  if (cohort.size() != *words_) {
    // A programmer error in the caller (a mask from another store), but cheap to report
    // rather than to read past the end of a shorter mask.
    return InvalidArgument("the cohort mask has " + std::to_string(cohort.size()) +
                           " words but this history holds masks of " + std::to_string(*words_) +
                           "; use one history per genotype store");
  }
  if (policy_.min_difference == 0) return Status::Ok();

  const uint64_t hash = HashMask(cohort);
  auto [first, last] = by_hash_.equal_range(hash);
  for (auto it = first; it != last; ++it) {
    if (it->second->mask == cohort) {
      // Every remembered pair passed the rules when the later of the two arrived, so an
      // identical cohort passes too: no scan. Moving it to the back keeps often-asked
      // cohorts remembered longest.
      answered_.splice(answered_.end(), answered_, it->second);
      return Status::Ok();
    }
  }

  RETURN_IF_ERROR(CheckNew(cohort));
  if (policy_.history_limit == 0) return Status::Ok();
  while (answered_.size() >= policy_.history_limit) {
    const auto oldest = answered_.begin();
    auto [f, l] = by_hash_.equal_range(oldest->hash);
    for (auto it = f; it != l; ++it) {
      if (it->second == oldest) {
        by_hash_.erase(it);
        break;
      }
    }
    answered_.pop_front();
  }
  answered_.push_back({cohort, hash});
  by_hash_.emplace(hash, std::prev(answered_.end()));
  return Status::Ok();
}

size_t CohortHistory::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return answered_.size();
}

}  // namespace renkei
