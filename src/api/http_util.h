// The HTTP side of the API shared by node and hub: the one Status → HTTP status mapping, JSON
// answers and bodies, and server settings (limits, timeouts, worker threads).
#pragma once

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/status.h"

namespace renkei {

// Largest request body a route accepts (larger gets 413), except the routes that take large
// bodies, which take up to kMaxLargeBodyBytes: a site's metadata registration carries its
// samples file (api/hub_metadata.cc), up to 16 MiB. Servers read bodies up to
// kMaxLargeBodyBytes (larger gets 413 unread) and each route checks its own limit, so that the
// client always gets the answer (a request refused before its body is read cannot be answered
// to a client still sending it).
inline constexpr size_t kMaxRequestBytes = 1 << 20;
inline constexpr size_t kMaxLargeBodyBytes = (16 << 20) + (1 << 20);

// Sets a JSON answer.
void SendJson(httplib::Response& res, const nlohmann::json& body, int status = 200);
// Sets the error answer {"error": {"code", "message"}} with HttpStatusFor(status.code())
// (common/status.h).
void SendError(httplib::Response& res, const Status& status);
// Sends a Result: the value as JSON with 200, or the error.
void SendResult(httplib::Response& res, const Result<nlohmann::json>& result);

// Parses a request body as a JSON object ({} when empty). InvalidArgument with the parser's
// position when it is not JSON or not an object, or when it is longer than `max_bytes`.
Result<nlohmann::json> ParseJsonBody(const httplib::Request& req,
                                     size_t max_bytes = kMaxRequestBytes);

// InvalidArgument naming the first key of `body` not in `allowed` (and listing them).
Status CheckKeys(const nlohmann::json& body, const std::vector<const char*>& allowed);

// Answers 413 with an error body: the request body is larger than `limit` bytes.
void SendTooLarge(httplib::Response& res, size_t limit);

// Applies the common limits: body size read (kMaxLargeBodyBytes), read/write timeouts,
// keep-alive, `threads` workers, and answers unknown paths with a JSON 404 and server errors
// with a JSON 500.
void ConfigureServer(httplib::Server& server, int threads);

// Binds `server` to host:port (port 0: any free port) with a listen backlog of 1024, and
// returns the port, or -1 when the address cannot be bound. Debian's compiled httplib listens
// with a backlog of 5: a burst of new connections (50 clients at once, or the hub reconnecting
// to a node) then overflows the accept queue, and each dropped connection attempt costs a 1 s
// retransmit or fails. Not thread-safe with other calls on `server`.
int BindServer(httplib::Server& server, const std::string& host, int port);

}  // namespace renkei
