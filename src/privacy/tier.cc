#include "privacy/tier.h"

#include <string>

namespace renkei {

std::string_view TierName(Tier tier) {
  switch (tier) {
    case Tier::kPublic:
      return "public";
    case Tier::kRegistered:
      return "registered";
    case Tier::kControlled:
      return "controlled";
  }
  // Only reachable through a cast of an out-of-range integer; a name that matches no tier
  // makes the mistake visible in logs instead of passing as a real tier.
  return "unknown";
}

Result<Tier> ParseTier(std::string_view name) {
  // Config files and headers are written by hand; accept any ASCII case but nothing looser
  // (no trimming, no prefixes), so a typo is reported rather than guessed.
  auto equals = [name](std::string_view want) {
    if (name.size() != want.size()) return false;
    for (size_t i = 0; i < name.size(); ++i) {
      char c = name[i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != want[i]) return false;
    }
    return true;
  };
  for (Tier tier : {Tier::kPublic, Tier::kRegistered, Tier::kControlled}) {
    if (equals(TierName(tier))) return tier;
  }
  return InvalidArgument("unknown tier '" + std::string(name) +
                         "'; use one of public, registered or controlled");
}

}  // namespace renkei
