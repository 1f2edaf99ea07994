// `renkei hub`: the hub's HTTP server: renkei's REST API (docs/openapi.json) and the GA4GH
// Beacon v2 connector, over the sites in the configuration.
//
// Callers identify with `Authorization: Bearer KEY` or `X-API-Key: KEY`; without a key they
// are public. An unknown key is 401.
#pragma once

#include <httplib.h>

#include <memory>
#include <string>
#include <vector>

#include "api/config.h"
#include "api/hub_service.h"
#include "common/status.h"

namespace renkei {

struct Route {
  std::string method;  // "GET", "POST"
  std::string path;    // "/v1/search"
};

class HubServer {
 public:
  static Result<std::unique_ptr<HubServer>> Create(const HubConfig& config);
  ~HubServer();

  // Every route the hub serves, as registered (checked against docs/openapi.json by a test).
  const std::vector<Route>& routes() const { return routes_; }

  // Binds the configured address (port 0 = any) and returns the port. Unavailable on failure.
  Result<int> Bind();
  void Serve();
  void Stop();

  HubService& service() { return *service_; }

 private:
  HubServer() = default;
  void AddRoutes();
  // Registers a route and remembers it for routes().
  void Handle(const char* method, const std::string& path, httplib::Server::Handler handler);

  std::unique_ptr<HubService> service_;
  struct BeaconParts;
  std::unique_ptr<BeaconParts> beacon_;
  httplib::Server server_;
  std::vector<Route> routes_;
};

}  // namespace renkei
