#include "api/node_server.h"

#include <chrono>

#include "api/http_util.h"
#include "common/log.h"
#include "federation/protocol.h"

namespace renkei {

using nlohmann::json;

Result<std::unique_ptr<NodeServer>> NodeServer::Create(const NodeConfig& config) {
  std::unique_ptr<NodeServer> node(new NodeServer());
  ASSIGN_OR_RETURN(node->service_, NodeService::Create(config));
  ASSIGN_OR_RETURN(node->verifier_, RequestVerifier::Create(config.hub_public_key, config.site));
  ConfigureServer(node->server_, config.threads);
  node->AddRoutes();
  return node;
}

Result<int> NodeServer::Bind() {
  const ListenAddress& a = service_->config().listen;
  const int port = BindServer(server_, a.host, a.port);
  if (port < 0) {
    return Unavailable("cannot listen on " + a.host + ":" + std::to_string(a.port) +
                       " (in use or not a local address?)");
  }
  return port;
}

void NodeServer::Serve() { server_.listen_after_bind(); }

void NodeServer::Stop() { server_.stop(); }

void NodeServer::AddRoutes() {
  // Wraps a handler: verify the hub's signature, then answer for the caller it asserts.
  auto signed_route = [this](auto handler) {
    return [this, handler](const httplib::Request& req, httplib::Response& res) {
      SignedRequest sr{req.method, req.target, req.body, ""};
      SignatureHeaders headers;
      for (const auto& [name, value] : req.headers) {
        if (name.rfind("X-Renkei-", 0) == 0 || name.rfind("x-renkei-", 0) == 0) {
          headers.emplace(name, value);
        }
      }
      Status verified = verifier_->Verify(sr, headers, std::chrono::system_clock::now());
      if (!verified.ok()) {
        LOG_WARN("node {}: refused {} {} from {}: {}", service_->config().site, req.method,
                 req.path, req.remote_addr, verified.message());
        SendError(res, verified);
        return;
      }
      Result<Caller> caller = Caller::FromHeader(req.get_header_value(std::string(kHeaderCaller)));
      if (!caller.ok()) {
        SendError(res, Unauthenticated(caller.status().message()));
        return;
      }
      handler(*caller, req, res);
    };
  };
  // The caller's visas (X-Renkei-Visas, covered by the signature) decide which datasets are
  // answered at the controlled tier; NodeService::CheckVisas logs every refused one.
  auto visas_of = [this](const Caller& caller, const httplib::Request& req) {
    return service_->CheckVisas(caller, req.get_header_value(std::string(kHeaderVisas)));
  };
  auto post = [this, visas_of](Result<json> (NodeService::*method)(const Caller&, const VisaAccess&,
                                                                   const json&)) {
    return [this, method, visas_of](const Caller& caller, const httplib::Request& req,
                                    httplib::Response& res) {
      Result<json> body = ParseJsonBody(req);
      if (!body.ok()) {
        SendError(res, body.status());
        return;
      }
      SendResult(res, (service_.get()->*method)(caller, visas_of(caller, req), *body));
    };
  };
  server_.Get(kNodeHealthPath,
              signed_route([this](const Caller&, const httplib::Request&, httplib::Response& res) {
                SendJson(res, {{"site", service_->config().site}, {"status", "ok"}});
              }));
  server_.Get(kNodeCatalogPath,
              signed_route([this, visas_of](const Caller& caller, const httplib::Request& req,
                                            httplib::Response& res) {
                SendResult(res, service_->CatalogWithVisas(caller, visas_of(caller, req)));
              }));
  server_.Post(kNodeCountPath, signed_route(post(&NodeService::CountWithVisas)));
  server_.Post(kNodeFreqPath, signed_route(post(&NodeService::FreqWithVisas)));
  server_.Post(kNodeStrataPath, signed_route(post(&NodeService::StrataWithVisas)));
  // Registered metadata: the body carries a samples file, up to kMaxLargeBodyBytes.
  server_.Post(kNodeMetadataPath,
               signed_route([this](const Caller& caller, const httplib::Request& req,
                                   httplib::Response& res) {
                 Result<json> body = ParseJsonBody(req, kMaxLargeBodyBytes);
                 if (!body.ok()) return SendError(res, body.status());
                 LOG_INFO("node {}: metadata for {} from the hub (registered by {})",
                          service_->config().site, body->value("dataset", ""), caller.id);
                 SendResult(res, service_->ReplaceMetadata(*body));
               }));
  server_.Post(
      kNodeVisaRevocationsPath,
      signed_route([this](const Caller&, const httplib::Request& req, httplib::Response& res) {
        Result<json> body = ParseJsonBody(req);
        if (!body.ok()) return SendError(res, body.status());
        SendResult(res, service_->RevokeGrants(*body));
      }));
}

}  // namespace renkei
