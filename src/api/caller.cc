#include "api/caller.h"

namespace renkei {

std::string Caller::ToHeader() const { return std::string(TierName(tier)) + ":" + id; }

Result<Caller> Caller::FromHeader(std::string_view text) {
  const size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon + 1 == text.size()) {
    return InvalidArgument("caller must be TIER:ID, got '" + std::string(text) + "'");
  }
  Caller caller;
  ASSIGN_OR_RETURN(caller.tier, ParseTier(text.substr(0, colon)));
  caller.id = std::string(text.substr(colon + 1));
  return caller;
}

}  // namespace renkei
