// Sign-in through external OpenID Connect identity providers (docs/accounts.md, "Signing in
// with a university account"): the list for a sign-in page, the start (302 to the provider),
// the callback (a session, as POST /v1/auth/sign-in gives), and the TOTP step for accounts
// that have enrolled one. The protocol is identity::OidcRelyingParty's; this file maps HTTP
// onto it and carries the provider calls over cpp-httplib.
#include <chrono>
#include <map>
#include <optional>

#include "api/http_util.h"
#include "api/hub_http.h"
#include "api/hub_server.h"
#include "common/log.h"
#include "crypto/sodium.h"
#include "identity/oidc_client.h"

namespace renkei {

using nlohmann::json;

namespace {

// The state of a sign-in in progress, bound to the browser that started it (RFC 9700 §4.7).
// SameSite=Lax, not Strict: the callback arrives as a top-level navigation from the provider's
// site, and Strict cookies are not sent on it.
constexpr const char* kStateCookie = "renkei_idp_state";
// A sign-in waiting for the account's TOTP code (only ever sent back by our own pages).
constexpr const char* kSecondFactorCookie = "renkei_idp_mfa";
// The session's CSRF token, readable by the hub's own pages (not HttpOnly): after a redirect
// there is no JSON body to carry it, so the page reads it here and echoes it as X-CSRF-Token.
// SameSite=Strict and same-origin cookie access keep other sites from learning it.
constexpr const char* kCsrfCookie = "renkei_csrf";
constexpr size_t kMaxProviderAnswerBytes = 1 << 20;

std::chrono::system_clock::time_point Now() { return std::chrono::system_clock::now(); }

void AddCookie(httplib::Response& res, std::string_view name, std::string_view value,
               std::string_view attributes, int64_t max_age) {
  res.set_header("Set-Cookie", std::string(name) + "=" + std::string(value) + "; " +
                                   std::string(attributes) +
                                   "; Secure; Max-Age=" + std::to_string(max_age));
}

void SetSession(httplib::Response& res, const identity::Session& s) {
  const int64_t max_age =
      std::chrono::duration_cast<std::chrono::seconds>(identity::Accounts::kSessionLifetime)
          .count();
  // The same cookie as POST /v1/auth/sign-in (hub_accounts.cc).
  AddCookie(res, kSessionCookie, s.token, "Path=/; HttpOnly; SameSite=Strict", max_age);
  AddCookie(res, kCsrfCookie, s.csrf_token, "Path=/; SameSite=Strict", max_age);
}

// The provider calls over cpp-httplib: no redirects followed, 5 s timeouts, answers up to
// kMaxProviderAnswerBytes, certificates checked against the system's CAs for https.
class HttplibOidcHttp : public identity::OidcHttp {
 public:
  Result<identity::OidcHttpReply> Get(const std::string& url) override {
    ASSIGN_OR_RETURN(auto parts, Split(url));
    httplib::Client client = MakeClient(parts.first);
    std::string body;
    bool too_big = false;
    httplib::Result r = client.Get(parts.second, [&](const char* data, size_t n) {
      if (body.size() + n > kMaxProviderAnswerBytes) {
        too_big = true;
        return false;
      }
      body.append(data, n);
      return true;
    });
    if (too_big) return Unavailable("the identity provider's answer from " + url + " is too big");
    if (!r) return Unavailable("cannot reach " + url + ": " + httplib::to_string(r.error()));
    return identity::OidcHttpReply{r->status, std::move(body)};
  }

  Result<identity::OidcHttpReply> PostForm(
      const std::string& url, const std::vector<std::pair<std::string, std::string>>& form,
      const std::string& basic_user, const std::string& basic_password) override {
    ASSIGN_OR_RETURN(auto parts, Split(url));
    httplib::Client client = MakeClient(parts.first);
    std::string body;
    for (const auto& [name, value] : form) {
      body += (body.empty() ? "" : "&") + identity::FormUrlEncode(name) + "=" +
              identity::FormUrlEncode(value);
    }
    const httplib::Headers headers = {
        {"Authorization", "Basic " + crypto::Base64Encode(basic_user + ":" + basic_password)},
        {"Accept", "application/json"}};
    httplib::Result r =
        client.Post(parts.second, headers, body, "application/x-www-form-urlencoded");
    if (!r) return Unavailable("cannot reach " + url + ": " + httplib::to_string(r.error()));
    if (r->body.size() > kMaxProviderAnswerBytes) {
      return Unavailable("the identity provider's answer from " + url + " is too big");
    }
    return identity::OidcHttpReply{r->status, r->body};
  }

 private:
  // "https://host:port" and "/path?query".
  static Result<std::pair<std::string, std::string>> Split(const std::string& url) {
    const size_t scheme = url.find("://");
    if (scheme == std::string::npos) return InvalidArgument("not an absolute URL: " + url);
    const size_t path = url.find('/', scheme + 3);
    if (path == std::string::npos) return std::pair{url, std::string("/")};
    return std::pair{url.substr(0, path), url.substr(path)};
  }
  static httplib::Client MakeClient(const std::string& scheme_host_port) {
    httplib::Client client(scheme_host_port);
    client.set_connection_timeout(5, 0);
    client.set_read_timeout(5, 0);
    client.set_write_timeout(5, 0);
    client.set_follow_location(false);
    return client;
  }
};

}  // namespace

struct HubServer::ExternalIdps {
  HttplibOidcHttp http;
  std::vector<std::unique_ptr<identity::OidcRelyingParty>> idps;  // in configuration order

  identity::OidcRelyingParty* Find(std::string_view id) {
    for (auto& p : idps) {
      if (p->settings().id == id) return p.get();
    }
    return nullptr;
  }
};

Status HubServer::AddExternalIdpRoutes() {
  external_idps_ = std::make_shared<ExternalIdps>();
  for (const identity::ExternalIdpSettings& s : service_->config().external_idps) {
    Result<std::string> secret = identity::ReadClientSecretFile(s.client_secret_file);
    if (!secret.ok()) return secret.status().WithContext("external IdP '" + s.id + "'");
    ASSIGN_OR_RETURN(
        std::unique_ptr<identity::OidcRelyingParty> rp,
        identity::OidcRelyingParty::Create(&service_->database(), &service_->audit(), s,
                                           std::move(*secret), &external_idps_->http));
    // Discovery and keys now; if the provider is down, each sign-in tries again.
    if (Status loaded = rp->Load(); !loaded.ok()) {
      LOG_WARN("external IdP '{}': {} (will retry at the next sign-in)", s.id, loaded.message());
    }
    external_idps_->idps.push_back(std::move(rp));
  }

  auto idp_of = [this](const httplib::Request& req) -> Result<identity::OidcRelyingParty*> {
    const std::string id = req.matches.size() > 1 ? std::string(req.matches[1]) : "";
    identity::OidcRelyingParty* rp = external_idps_->Find(id);
    if (rp == nullptr) {
      return NotFound("no identity provider '" + id.substr(0, 40) +
                      "' is configured on this hub (GET /v1/auth/idps lists them)");
    }
    return rp;
  };

  Handle("GET", "/v1/auth/idps", Access::kPublic,
         [this](const httplib::Request&, httplib::Response& res) {
           json list = json::array();
           for (const auto& rp : external_idps_->idps) {
             list.push_back({{"id", rp->settings().id},
                             {"display_name", rp->settings().display_name},
                             {"start", "/v1/auth/idps/" + rp->settings().id + "/start"}});
           }
           SendJson(res, {{"idps", list}});
         });

  Handle("GET", "/v1/auth/idps/{idp}/start", Access::kPublic,
         [this, idp_of](const httplib::Request& req, httplib::Response& res) {
           Result<identity::ExternalSignInStart> start =
               [&]() -> Result<identity::ExternalSignInStart> {
             ASSIGN_OR_RETURN(identity::OidcRelyingParty * rp, idp_of(req));
             if (req.get_param_value_count("return_to") > 1) {
               return InvalidArgument("parameter 'return_to' is repeated");
             }
             std::string redirect = rp->settings().redirect_uri;
             if (redirect.empty()) {
               // The hub's own base URL, as for the OIDC provider's issuer (hub_oidc.cc).
               const HubConfig& c = service_->config();
               const std::string base = !c.oidc_issuer.empty() ? c.oidc_issuer
                                                               : "http://" + c.listen.host + ":" +
                                                                     std::to_string(req.local_port);
               redirect = base + "/v1/auth/idps/" + rp->settings().id + "/callback";
             }
             return rp->Begin(req.get_param_value("return_to"), redirect, Now());
           }();
           if (!start.ok()) {
             LOG_WARN("hub: external sign-in not started from {}: {}", req.remote_addr,
                      start.status().message());
             return SendError(res, start.status());
           }
           const std::string id(req.matches[1]);
           AddCookie(res, kStateCookie, start->state,
                     "Path=/v1/auth/idps/" + id + "/callback; HttpOnly; SameSite=Lax",
                     std::chrono::duration_cast<std::chrono::seconds>(
                         identity::OidcRelyingParty::kStateLifetime)
                         .count());
           res.status = 302;
           res.set_header("Location", start->authorization_url);
           res.set_header("Cache-Control", "no-store");
         });

  Handle(
      "GET", "/v1/auth/idps/{idp}/callback", Access::kPublic,
      [this, idp_of](const httplib::Request& req, httplib::Response& res) {
        res.set_header("Cache-Control", "no-store");
        Result<identity::OidcRelyingParty*> rp = idp_of(req);
        if (!rp.ok()) return SendError(res, rp.status());
        const std::string id = (*rp)->settings().id;
        // The state cookie is spent whatever happens next.
        AddCookie(res, kStateCookie, "",
                  "Path=/v1/auth/idps/" + id + "/callback; HttpOnly; SameSite=Lax", 0);
        const auto now = Now();
        std::optional<json> held;  // set when a second factor is needed
        std::string return_to = "/";
        Result<identity::Session> session = [&]() -> Result<identity::Session> {
          ASSIGN_OR_RETURN(const identity::ExternalIdentity who,
                           (*rp)->Finish(identity::OidcParams(req.params.begin(), req.params.end()),
                                         CookieValue(req, kStateCookie), now, req.remote_addr));
          return_to = who.return_to;
          ASSIGN_OR_RETURN(const identity::ExternalAccount account,
                           (*rp)->ResolveAccount(service_->accounts(), who, now, req.remote_addr));
          if (account.user.totp_enabled) {
            // As with a password, an account with TOTP gives its code too (docs/accounts.md).
            ASSIGN_OR_RETURN(const std::string ticket,
                             (*rp)->HoldForSecondFactor(account.user.id, who.return_to, now));
            AddCookie(res, kSecondFactorCookie, ticket,
                      "Path=/v1/auth/idps; HttpOnly; SameSite=Strict",
                      std::chrono::duration_cast<std::chrono::seconds>(
                          identity::OidcRelyingParty::kSecondFactorLifetime)
                          .count());
            held = json{{"second_factor_required", true},
                        {"idp", id},
                        {"next", "POST /v1/auth/idps/second-factor {\"second_factor\": ...}"}};
            return Unauthenticated("held");  // not an error: answered below
          }
          ASSIGN_OR_RETURN(identity::Session s,
                           service_->accounts().SignInExternal(account.user.id, "oidc:" + id, "",
                                                               req.remote_addr, now));
          s.principal.user = account.user;
          return s;
        }();
        if (held) return SendJson(res, *held);
        if (!session.ok()) {
          LOG_WARN("hub: external sign-in through '{}' from {} refused: {}", id, req.remote_addr,
                   session.status().message());
          return SendError(res, session.status());
        }
        SetSession(res, *session);
        res.status = 302;
        // The path checked at the start (identity::CheckReturnPath): on this hub only.
        res.set_header("Location", return_to);
      });

  Handle(
      "POST", "/v1/auth/idps/second-factor", Access::kPublic,
      [this](const httplib::Request& req, httplib::Response& res) {
        const auto now = Now();
        std::string return_to;
        Result<identity::Session> s = [&]() -> Result<identity::Session> {
          ASSIGN_OR_RETURN(const json body, ParseJsonBody(req));
          RETURN_IF_ERROR(CheckKeys(body, {"second_factor"}));
          if (!body.contains("second_factor") || !body["second_factor"].is_string()) {
            return InvalidArgument("'second_factor' must be a TOTP or recovery code");
          }
          ASSIGN_OR_RETURN(const identity::OidcRelyingParty::HeldSignIn held,
                           identity::OidcRelyingParty::TakeSecondFactorTicket(
                               service_->database(), CookieValue(req, kSecondFactorCookie), now));
          return_to = held.return_to;
          return service_->accounts().SignInExternal(held.user_id, "oidc:" + held.idp,
                                                     body["second_factor"].get<std::string>(),
                                                     req.remote_addr, now);
        }();
        AddCookie(res, kSecondFactorCookie, "", "Path=/v1/auth/idps; HttpOnly; SameSite=Strict", 0);
        if (!s.ok()) return SendError(res, s.status());
        SetSession(res, *s);
        SendJson(res, {{"user", UserJson(s->principal.user)},
                       {"csrf_token", s->csrf_token},
                       {"mfa_enrolment_required", s->principal.mfa_enrolment_required},
                       {"return_to", return_to}});
      });
  return Status();
}

}  // namespace renkei
