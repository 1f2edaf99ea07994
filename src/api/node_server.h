// `renkei node`: the site node's HTTP server. Every route answers only requests signed by the
// hub (federation/signing.h); unsigned, expired, replayed or tampered requests get 401 and are
// logged with the reason and the peer's address.
//
// Routes (all JSON; wire format in docs/federation.md):
//   GET  /v1/health   GET /v1/catalog   POST /v1/count   POST /v1/freq   POST /v1/strata
//   POST /v1/visas/revoked (the hub's notice of revoked grants)
// A controlled-tier caller's GA4GH Passport visas come in X-Renkei-Visas (node_service.h).
#pragma once

#include <httplib.h>

#include <memory>

#include "api/config.h"
#include "api/node_service.h"
#include "common/status.h"
#include "federation/signing.h"

namespace renkei {

class NodeServer {
 public:
  // Opens the stores and sets up the routes. Errors from NodeService::Create and from the key.
  static Result<std::unique_ptr<NodeServer>> Create(const NodeConfig& config);

  // Binds the configured address (port 0 = any free port) and returns the port.
  // Unavailable if the address cannot be bound.
  Result<int> Bind();
  // Serves until Stop() (blocking). Precondition: Bind() succeeded.
  void Serve();
  // Stops Serve(); thread-safe, idempotent.
  void Stop();

  NodeService& service() { return *service_; }

 private:
  NodeServer() = default;
  void AddRoutes();

  std::unique_ptr<NodeService> service_;
  std::unique_ptr<RequestVerifier> verifier_;
  httplib::Server server_;
};

}  // namespace renkei
