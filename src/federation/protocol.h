// Parts of the hub↔node protocol shared by both ends (full description: docs/federation.md).
//
// Every error answer, from a node or the hub, has the body
//   {"error": {"code": "FailedPrecondition", "message": "a sentence that says what to change"}}
// with the HTTP status chosen by api/http_util.h.
#pragma once

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace renkei {

// Paths a node serves (all signed by the hub).
inline constexpr char kNodeCatalogPath[] = "/v1/catalog";
inline constexpr char kNodeCountPath[] = "/v1/count";
inline constexpr char kNodeFreqPath[] = "/v1/freq";
inline constexpr char kNodeStrataPath[] = "/v1/strata";
inline constexpr char kNodeHealthPath[] = "/v1/health";
// Registered sample metadata for one of the node's datasets (api/metadata_pusher.h).
inline constexpr char kNodeMetadataPath[] = "/v1/metadata";
// POST {"revoked": [{"id": grant id or visa jti, "until": Unix seconds}]}: the hub tells the node
// of revoked access grants, whose visas it must refuse from then on (identity/passport.h).
inline constexpr char kNodeVisaRevocationsPath[] = "/v1/visas/revoked";

// The error body for `status` (precondition: !status.ok()).
nlohmann::json ErrorJson(const Status& status);

// The Status an error body describes; Internal when the body is not an error body (the HTTP
// status is then named in the message).
Status StatusFromErrorJson(const nlohmann::json& body, int http_status);

}  // namespace renkei
