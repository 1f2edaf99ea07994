// Who is asking: the tier the hub established (API key today, accounts later) and an id for the
// query log. Travels from hub to node in the signed X-Renkei-Caller header as "tier:id".
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "privacy/tier.h"

namespace renkei {

struct Caller {
  Tier tier = Tier::kPublic;
  std::string id = "anonymous";

  // "registered:alice".
  std::string ToHeader() const;
  // Inverse of ToHeader. InvalidArgument for a missing ':' , an unknown tier or an empty id.
  static Result<Caller> FromHeader(std::string_view text);
};

}  // namespace renkei
