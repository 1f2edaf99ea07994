// Privacy tiers (DESIGN.md "Privacy is a feature"): what a caller may see.
//
//   public      anyone: preset strata only; counts below the floor withheld
//   registered  signed-in researcher: on-demand cohorts over attributes (no sample lists);
//               counts below the floor withheld; cohorts that differ from an earlier answered
//               cohort by fewer than the floor refused; every query audited
//   controlled  approved application: exact counts
#pragma once

#include <string_view>

#include "common/status.h"

namespace renkei {

enum class Tier { kPublic = 0, kRegistered = 1, kControlled = 2 };

// "public", "registered", "controlled".
std::string_view TierName(Tier tier);

// Parses a tier name (ASCII case-insensitive). InvalidArgument naming the three otherwise.
Result<Tier> ParseTier(std::string_view name);

}  // namespace renkei
