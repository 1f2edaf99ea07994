// The hub as an OpenID Connect provider (docs/accounts.md): discovery, JWKS, the authorization
// endpoint (for the signed-in browser session), the token and userinfo endpoints, and client
// registration by platform administrators. The protocol is identity::OidcProvider's; this file
// only maps HTTP onto it.
#include "api/http_util.h"
#include "api/hub_server.h"
#include "common/log.h"
#include "crypto/sodium.h"

namespace renkei {

using nlohmann::json;

namespace {

std::chrono::system_clock::time_point Now() { return std::chrono::system_clock::now(); }

void SendOidc(httplib::Response& res, const identity::OidcJsonResponse& r) {
  for (const auto& [name, value] : r.headers) res.set_header(name, value);
  SendJson(res, r.body, r.http_status);
}

// HTTP Basic client credentials (RFC 6749 §2.3.1), if the request carries them.
std::optional<identity::BasicCredentials> BasicOf(const httplib::Request& req) {
  const std::string auth = req.get_header_value("Authorization");
  if (auth.rfind("Basic ", 0) != 0) return std::nullopt;
  Result<std::string> decoded = crypto::Base64Decode(auth.substr(6));
  if (!decoded.ok()) return identity::BasicCredentials{};
  const size_t colon = decoded->find(':');
  if (colon == std::string::npos) return identity::BasicCredentials{};
  return identity::BasicCredentials{decoded->substr(0, colon), decoded->substr(colon + 1)};
}

}  // namespace

Status HubServer::StartOidc(int port) {
  const HubConfig& c = service_->config();
  std::string key = c.oidc_signing_key;
  if (key.empty()) {
    if (c.database == ":memory:" || c.database.starts_with("postgres")) return Status();
    key = (c.database.starts_with("sqlite:") ? c.database.substr(7) : c.database) + ".oidc.pem";
  }
  const std::string issuer = c.oidc_issuer.empty()
                                 ? "http://" + c.listen.host + ":" + std::to_string(port)
                                 : c.oidc_issuer;
  Result<std::unique_ptr<identity::OidcProvider>> p =
      identity::OidcProvider::Create(&service_->database(), &service_->audit(), {issuer, key});
  if (!p.ok()) return p.status().WithContext("OpenID Connect provider");
  oidc_ = std::move(*p);
  return Status();
}

void HubServer::AddOidcRoutes() {
  // Every OIDC route answers 404 with a reason when the provider is not configured.
  auto with_oidc = [this](auto fn) {
    return [this, fn](const httplib::Request& req, httplib::Response& res) {
      if (!oidc_) {
        return SendError(res, NotFound("this hub runs no OpenID Connect provider: give it a "
                                       "database file or \"oidc_signing_key\" in its "
                                       "configuration"));
      }
      fn(req, res);
    };
  };
  auto params_of = [](const httplib::Request& req) {
    return identity::OidcParams(req.params.begin(), req.params.end());
  };
  Handle("GET", "/.well-known/openid-configuration", Access::kPublic,
         with_oidc([this](const httplib::Request&, httplib::Response& res) {
           SendJson(res, oidc_->Discovery());
         }));
  Handle("GET", "/oidc/jwks", Access::kPublic,
         with_oidc([this](const httplib::Request&, httplib::Response& res) {
           SendJson(res, oidc_->Jwks());
         }));
  Handle("GET", "/oidc/authorize", Access::kPublic,
         with_oidc([this, params_of](const httplib::Request& req, httplib::Response& res) {
           // Only a browser session signs a user in to another system, never an API token.
           std::optional<identity::Principal> who;
           if (req.get_header_value("Authorization").empty()) {
             if (Result<identity::Principal> p = SignedIn(req, ""); p.ok()) who = std::move(*p);
           }
           Result<identity::AuthorizeResponse> r =
               oidc_->Authorize(params_of(req), who ? &*who : nullptr, Now(), req.remote_addr);
           if (!r.ok()) return SendError(res, r.status());
           switch (r->kind) {
             case identity::AuthorizeResponse::Kind::kRedirect:
               res.status = 302;
               res.set_header("Location", r->redirect_url);
               res.set_header("Cache-Control", "no-store");
               return;
             case identity::AuthorizeResponse::Kind::kNeedsSignIn:
               return SendError(res, Unauthenticated("sign in to renkei first (POST "
                                                     "/v1/auth/sign-in), then open this "
                                                     "address again"));
             case identity::AuthorizeResponse::Kind::kShowError:
               return SendJson(
                   res, {{"error", {{"code", "InvalidArgument"}, {"message", r->error_message}}}},
                   r->http_status);
           }
         }));
  Handle("POST", "/oidc/token", Access::kPublic,
         with_oidc([this, params_of](const httplib::Request& req, httplib::Response& res) {
           const std::optional<identity::BasicCredentials> basic = BasicOf(req);
           Result<identity::OidcJsonResponse> r =
               oidc_->Token(params_of(req), basic ? &*basic : nullptr, Now(), req.remote_addr);
           if (!r.ok()) return SendError(res, r.status());
           SendOidc(res, *r);
         }));
  Handle("GET", "/oidc/userinfo", Access::kPublic,
         with_oidc([this](const httplib::Request& req, httplib::Response& res) {
           const std::string auth = req.get_header_value("Authorization");
           const std::string token = auth.rfind("Bearer ", 0) == 0 ? auth.substr(7) : "";
           Result<identity::OidcJsonResponse> r = oidc_->UserInfo(token, Now(), req.remote_addr);
           if (!r.ok()) return SendError(res, r.status());
           SendOidc(res, *r);
         }));
  auto admin = [this, with_oidc](auto fn) {
    return with_oidc([this, fn](const httplib::Request& req, httplib::Response& res) {
      Result<identity::Principal> p = SignedIn(req, "admin");
      if (p.ok() && p->mfa_enrolment_required) {
        p = PermissionDenied("enrol a second factor (POST /v1/me/totp) first");
      }
      if (p.ok() && !p->user.Has("platform_admin")) {
        p = PermissionDenied("this is for platform administrators");
      }
      if (!p.ok()) return SendError(res, p.status());
      SendResult(res, fn(*p, req));
    });
  };
  Handle("GET", "/v1/admin/oidc/clients", Access::kPlatformAdmin,
         admin([this](const identity::Principal&, const httplib::Request&) -> Result<json> {
           ASSIGN_OR_RETURN(const std::vector<identity::OidcClient> clients, oidc_->ListClients());
           json list = json::array();
           for (const identity::OidcClient& c : clients) {
             list.push_back(
                 {{"client_id", c.client_id},
                  {"name", c.name},
                  {"redirect_uris", c.redirect_uris},
                  {"type", c.type == identity::OidcClientType::kPublic ? "public" : "confidential"},
                  {"disabled", c.disabled},
                  {"created_at", c.created_at}});
           }
           return json{{"clients", list}};
         }));
  Handle("POST", "/v1/admin/oidc/clients", Access::kPlatformAdmin,
         admin([this](const identity::Principal& p, const httplib::Request& req) -> Result<json> {
           ASSIGN_OR_RETURN(const json body, ParseJsonBody(req));
           if (!body.is_object()) return InvalidArgument("the body must be a JSON object");
           RETURN_IF_ERROR(CheckKeys(body, {"name", "redirect_uris", "type"}));
           identity::NewOidcClient c;
           if (!body.contains("name") || !body["name"].is_string()) {
             return InvalidArgument("'name' must be a string");
           }
           c.name = body["name"].get<std::string>();
           if (!body.contains("redirect_uris") || !body["redirect_uris"].is_array()) {
             return InvalidArgument("'redirect_uris' must list the client's redirect URIs");
           }
           for (const json& u : body["redirect_uris"]) {
             if (!u.is_string()) return InvalidArgument("each redirect URI is a string");
             c.redirect_uris.push_back(u.get<std::string>());
           }
           const std::string type = body.value("type", "confidential");
           if (type != "confidential" && type != "public") {
             return InvalidArgument("'type' must be \"confidential\" or \"public\"");
           }
           c.type = type == "public" ? identity::OidcClientType::kPublic
                                     : identity::OidcClientType::kConfidential;
           ASSIGN_OR_RETURN(const identity::RegisteredOidcClient r,
                            oidc_->RegisterClient(c, p, Now()));
           json out = {{"client_id", r.client.client_id},
                       {"name", r.client.name},
                       {"redirect_uris", r.client.redirect_uris},
                       {"type", type}};
           if (!r.client_secret.empty()) out["client_secret"] = r.client_secret;  // shown once
           return out;
         }));
}

}  // namespace renkei
