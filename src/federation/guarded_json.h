// JSON form of guarded counts, shared by node answers, hub answers and the OpenAPI document:
//   {"cohort_size": 812, "ns": 800, "an": 1598,
//    "alts": [{"alt": "G", "ac": 31, "ac_het": 29, "ac_hom": 2, "ac_hemi": 0, "af": 0.0194}],
//    "withheld": ["alts.0.ac_hom"]}
// A withheld number is null and its name is listed under "withheld"; it is never 0. "af" is
// null when AC or AN is withheld or AN is 0.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "privacy/guarded.h"

namespace renkei {

// Adds `name: value-or-null` to `obj` and, when withheld, `name` (prefixed) to `withheld`.
void PutGuarded(std::string_view name, GuardedValue value, nlohmann::json* obj,
                std::vector<std::string>* withheld, std::string_view prefix = "");

// The form above. `alts` names the ALT alleles (same length as site.alts).
nlohmann::json GuardedSiteJson(const GuardedSite& site, const std::vector<std::string>& alts);

// Inverse (a node's answer read by the hub). InvalidArgument naming the field when a value is
// neither a non-negative integer nor null, or when the alts do not match.
Result<GuardedValue> GuardedValueFromJson(const nlohmann::json& obj, std::string_view name);
Result<GuardedSite> GuardedSiteFromJson(const nlohmann::json& obj);

}  // namespace renkei
