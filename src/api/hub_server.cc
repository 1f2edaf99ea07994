#include "api/hub_server.h"

#include "api/http_util.h"
#include "api/hub_beacon.h"
#include "beacon/beacon.h"
#include "common/log.h"

namespace renkei {

using nlohmann::json;

struct HubServer::BeaconParts {
  BeaconParts(HubService* hub, int port) : backend(hub), service(backend, Info(hub, port)) {}
  static BeaconServiceInfo Info(HubService* hub, int port) {
    BeaconServiceInfo info;
    info.base_url = "http://" + hub->config().listen.host + ":" + std::to_string(port) + "/api";
    for (int t = 0; t < 3; ++t) info.max_range_bp[t] = hub->config().privacy.max_region_bp[t];
    return info;
  }
  HubBeaconBackend backend;
  BeaconService service;
};

Result<std::unique_ptr<HubServer>> HubServer::Create(const HubConfig& config) {
  std::unique_ptr<HubServer> hub(new HubServer());
  ASSIGN_OR_RETURN(hub->service_, HubService::Create(config));
  ConfigureServer(hub->server_, config.threads);
  hub->beacon_ = std::make_unique<BeaconParts>(hub->service_.get(), config.listen.port);
  hub->AddRoutes();
  hub->AddAccountRoutes();
  hub->AddOidcRoutes();
  RETURN_IF_ERROR(hub->AddExternalIdpRoutes());
  hub->AddUsageRoutes();
  hub->AddApplicationRoutes();
  hub->AddMetadataRoutes();
  hub->AddVocabularyRoutes();
  RETURN_IF_ERROR(hub->AddPortal());
  return hub;
}

HubServer::~HubServer() = default;

void HubServer::Handle(const char* method, const std::string& path, Access access,
                       httplib::Server::Handler handler) {
  routes_.push_back({method, path, access});
  std::string pattern;
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '{') {
      pattern += "([^/]+)";
      i = path.find('}', i);
    } else {
      pattern += path[i];
    }
  }
  // Bodies are read up to kMaxLargeBodyBytes (ConfigureServer); only metadata registrations,
  // which carry a samples file, may use that much.
  const bool large = path.starts_with("/v1/datasets/");
  handler = [large, inner = std::move(handler)](const httplib::Request& req,
                                                httplib::Response& res) {
    if (!large && req.body.size() > kMaxRequestBytes) return SendTooLarge(res, kMaxRequestBytes);
    inner(req, res);
  };
  const std::string m(method);
  if (m == "GET") {
    server_.Get(pattern, std::move(handler));
  } else if (m == "DELETE") {
    server_.Delete(pattern, std::move(handler));
  } else {
    server_.Post(pattern, std::move(handler));
  }
}

Result<int> HubServer::Bind() {
  const ListenAddress& a = service_->config().listen;
  const int port = BindServer(server_, a.host, a.port);
  if (port < 0) {
    return Unavailable("cannot listen on " + a.host + ":" + std::to_string(a.port) +
                       " (in use? choose another with --port)");
  }
  if (port != a.port) beacon_ = std::make_unique<BeaconParts>(service_.get(), port);
  RETURN_IF_ERROR(StartOidc(port));
  return port;
}

void HubServer::Serve() { server_.listen_after_bind(); }

void HubServer::Stop() { server_.stop(); }

void HubServer::AddRoutes() {
  // Authenticates the caller, then runs the handler.
  auto authed = [this](auto handler) {
    return [this, handler](const httplib::Request& req, httplib::Response& res) {
      Result<Caller> caller = CallerOf(req);
      if (!caller.ok()) {
        LOG_WARN("hub: refused {} {} from {}: {}", req.method, req.path, req.remote_addr,
                 caller.status().message());
        service_->RecordRefused(Caller{Tier::kPublic, "unknown-key"}, req.path, caller.status());
        SendError(res, caller.status());
        return;
      }
      handler(*caller, req, res);
    };
  };
  using Method = Result<json> (HubService::*)(const Caller&, const json&);
  auto post = [this, authed](Method method, std::initializer_list<const char*> fields) {
    std::vector<const char*> allowed(fields);
    return authed([this, method, allowed](const Caller& caller, const httplib::Request& req,
                                          httplib::Response& res) {
      Result<json> body = ParseJsonBody(req);
      if (!body.ok()) {
        service_->RecordRefused(caller, req.path, body.status());
        return SendError(res, body.status());
      }
      Status keys = CheckKeys(*body, allowed);
      if (!keys.ok()) {
        service_->RecordRefused(caller, req.path, keys);
        return SendError(res, keys);
      }
      SendResult(res, (service_.get()->*method)(caller, *body));
    });
  };
  Handle("GET", "/v1/health", Access::kPublic,
         authed([](const Caller&, const httplib::Request&, httplib::Response& res) {
           SendJson(res, {{"status", "ok"}});
         }));
  Handle("GET", "/v1/sites", Access::kPublic,
         authed([this](const Caller&, const httplib::Request&, httplib::Response& res) {
           SendJson(res, service_->Sites());
         }));
  // The keys of the hub's GA4GH Passport visas: every visa's jku (docs/federation.md).
  Handle("GET", "/v1/visas/jwks", Access::kPublic,
         authed([this](const Caller&, const httplib::Request&, httplib::Response& res) {
           SendJson(res, service_->VisaJwks());
         }));
  Handle("GET", "/v1/catalog", Access::kPublic,
         authed([this](const Caller& caller, const httplib::Request&, httplib::Response& res) {
           SendResult(res, service_->Catalog(caller));
         }));
  Handle("POST", "/v1/search", Access::kPublic, post(&HubService::Search, {"cohort"}));
  Handle("POST", "/v1/freq", Access::kPublic,
         post(&HubService::Freq, {"cohort", "variant", "region"}));
  Handle("POST", "/v1/strata", Access::kPublic, post(&HubService::Strata, {"variant", "region"}));

  // GA4GH Beacon v2. Callers authenticate as for the REST API; errors are Beacon errors.
  auto beacon = [this](auto answer) {
    return [this, answer](const httplib::Request& req, httplib::Response& res) {
      Result<Caller> caller = CallerOf(req);
      const BeaconService& b = beacon_->service;
      const BeaconResponse r = caller.ok() ? answer(b, req, BeaconCaller{caller->tier, caller->id})
                                           : b.Error(caller.status());
      SendJson(res, r.body, r.http_status);
    };
  };
  using Req = const httplib::Request&;
  auto info = beacon([](const BeaconService& b, Req, const BeaconCaller&) { return b.Info(); });
  Handle("GET", "/api", Access::kPublic, info);
  Handle("GET", "/api/info", Access::kPublic, info);
  Handle("GET", "/api/service-info", Access::kPublic,
         beacon([](const BeaconService& b, Req, const BeaconCaller&) { return b.ServiceInfo(); }));
  Handle(
      "GET", "/api/configuration", Access::kPublic,
      beacon([](const BeaconService& b, Req, const BeaconCaller&) { return b.Configuration(); }));
  Handle("GET", "/api/map", Access::kPublic,
         beacon([](const BeaconService& b, Req, const BeaconCaller&) { return b.Map(); }));
  Handle("GET", "/api/entry_types", Access::kPublic,
         beacon([](const BeaconService& b, Req, const BeaconCaller&) { return b.EntryTypes(); }));
  Handle(
      "GET", "/api/filtering_terms", Access::kPublic,
      beacon([](const BeaconService& b, Req, const BeaconCaller&) { return b.FilteringTerms(); }));
  Handle("GET", "/api/g_variants", Access::kPublic,
         beacon([](const BeaconService& b, Req req, const BeaconCaller& c) {
           return b.GenomicVariationsGet(req.params, c);
         }));
  Handle("POST", "/api/g_variants", Access::kPublic,
         beacon([](const BeaconService& b, Req req, const BeaconCaller& c) {
           return b.GenomicVariationsPost(std::string_view(req.body), c);
         }));
  Handle("GET", "/api/individuals", Access::kPublic,
         beacon([](const BeaconService& b, Req req, const BeaconCaller& c) {
           return b.IndividualsGet(req.params, c);
         }));
  Handle("POST", "/api/individuals", Access::kPublic,
         beacon([](const BeaconService& b, Req req, const BeaconCaller& c) {
           return b.IndividualsPost(std::string_view(req.body), c);
         }));
}

}  // namespace renkei
