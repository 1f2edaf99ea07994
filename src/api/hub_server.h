// `renkei hub`: the hub's HTTP server: renkei's REST API (docs/openapi.json) and the GA4GH
// Beacon v2 connector, over the sites in the configuration.
//
// Callers identify with `Authorization: Bearer KEY` or `X-API-Key: KEY` (a configured key or an
// account's API token), or with the session cookie of a sign-in (docs/accounts.md); without
// either they are public. An unknown key is 401.
#pragma once

#include <httplib.h>

#include <memory>
#include <string>
#include <vector>

#include "api/config.h"
#include "api/hub_service.h"
#include "common/status.h"
#include "identity/oidc_provider.h"

namespace renkei {

// Who may call a route. Every route declares one (the authorization matrix test checks each
// against every role, so a route without a rule cannot be added).
enum class Access {
  kPublic,         // anyone; a key, if given, sets the tier (query and Beacon routes)
  kSignedIn,       // a browser session or an account's API token
  kPlatformAdmin,  // signed in, holding the platform_admin role (and its second factor)
  kSiteAdmin,      // signed in, holding site_admin for the site concerned (checked by the route)
};

struct Route {
  std::string method;  // "GET", "POST", "DELETE"
  std::string path;    // "/v1/search", "/v1/me/tokens/{id}" (OpenAPI form)
  Access access = Access::kPublic;
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
  void AddAccountRoutes();        // hub_accounts.cc
  void AddOidcRoutes();           // hub_oidc.cc
  Status AddExternalIdpRoutes();  // hub_external_idp.cc (reads the IdPs' client secrets)
  void AddUsageRoutes();          // hub_usage.cc
  void AddApplicationRoutes();    // hub_applications.cc
  void AddMetadataRoutes();       // hub_metadata.cc
  void AddVocabularyRoutes();     // hub_vocabulary.cc (disease-term suggestions)
  // Serves the web portal's built files from config().web_root at "/" (hub_portal.cc).
  // FailedPrecondition if the directory has no index.html.
  Status AddPortal();
  // Starts the OpenID Connect provider once the port is known (the default issuer names it).
  Status StartOidc(int port);
  // Registers a route and remembers it for routes(). `{name}` in `path` matches one segment
  // and reaches the handler as req.matches[1], [2], ….
  void Handle(const char* method, const std::string& path, Access access,
              httplib::Server::Handler handler);
  // The caller of a query or Beacon route: a key or token (Authenticate), else a session
  // cookie (registered tier), else anonymous (public).
  Result<Caller> CallerOf(const httplib::Request& req);
  // The signed-in account: a session cookie (state-changing methods must echo its CSRF token)
  // or an account's API token carrying `scope` ("" = any). Unauthenticated when neither;
  // PermissionDenied for a missing scope or CSRF token.
  Result<identity::Principal> SignedIn(const httplib::Request& req, std::string_view scope);
  // The signed-in account, checked against `access` (never kPublic): SignedIn (API tokens need
  // the "admin" scope for kPlatformAdmin), a second factor enrolled unless `during_enrolment`,
  // platform_admin for kPlatformAdmin, some site_admin role for kSiteAdmin (the route checks
  // which site). PermissionDenied or Unauthenticated with a sentence otherwise; refusals are
  // logged.
  Result<identity::Principal> Authorize(const httplib::Request& req, Access access,
                                        bool during_enrolment = false);

  std::unique_ptr<HubService> service_;
  struct BeaconParts;
  std::unique_ptr<BeaconParts> beacon_;
  httplib::Server server_;
  std::vector<Route> routes_;
  std::unique_ptr<identity::OidcProvider> oidc_;  // null when not configured
  struct ExternalIdps;                            // hub_external_idp.cc
  std::shared_ptr<ExternalIdps> external_idps_;   // shared_ptr: deleted where it is complete
};

}  // namespace renkei
