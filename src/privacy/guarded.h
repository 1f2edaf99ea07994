// Counts as they leave the privacy guard: each number is either shown or withheld. A withheld
// number is never shown as 0; JSON carries it as null and lists its name under "withheld".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace renkei {

struct GuardedValue {
  uint64_t value = 0;     // meaningful only when !withheld
  bool withheld = false;  // below the floor at this tier, or a sum with a withheld part

  static GuardedValue Shown(uint64_t v) { return {v, false}; }
  static GuardedValue Withheld() { return {0, true}; }
  bool operator==(const GuardedValue&) const = default;
};

// Sum of two guarded values: withheld if either part is (a total with an unknown part is
// never shown, so no total can silently be wrong or reveal a withheld part by subtraction).
GuardedValue operator+(GuardedValue a, GuardedValue b);

// Counts of one ALT allele (bcftools +fill-tags meanings, see store/site_counts.h).
struct GuardedAlt {
  GuardedValue ac, ac_het, ac_hom, ac_hemi;
  bool operator==(const GuardedAlt&) const = default;
};

// Counts of one site for one cohort.
struct GuardedSite {
  GuardedValue cohort_size, ns, an;
  std::vector<GuardedAlt> alts;
  bool operator==(const GuardedSite&) const = default;
};

// Counts of samples per value of each attribute for one cohort (cross-search facets).
struct GuardedFacet {
  std::string attribute;  // "age", "sex", "region", "icd10_chapter", "disease", "biobank"
  std::string value;      // as StratumDef::value
  GuardedValue count;
};

}  // namespace renkei
