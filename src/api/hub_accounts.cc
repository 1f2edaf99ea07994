// The hub's account routes (docs/accounts.md): sign-up, sign-in and sign-out, the signed-in
// user, TOTP enrolment, API tokens, and the platform administrator's users, roles and audit log.
#include <chrono>

#include "api/http_util.h"
#include "api/hub_http.h"
#include "api/hub_server.h"
#include "common/log.h"
#include "crypto/sodium.h"

namespace renkei {

using nlohmann::json;

namespace {

constexpr const char* kCsrfHeader = "X-CSRF-Token";

std::chrono::system_clock::time_point Now() { return std::chrono::system_clock::now(); }

std::string BearerOrKey(const httplib::Request& req) {
  std::string key = req.get_header_value("X-API-Key");
  const std::string auth = req.get_header_value("Authorization");
  if (key.empty() && auth.rfind("Bearer ", 0) == 0) key = auth.substr(7);
  return key;
}

json TokenJson(const identity::ApiToken& t) {
  return {{"id", t.id},
          {"name", t.name},
          {"scopes", t.scopes},
          {"created_at", t.created_at},
          {"expires_at", t.expires_at},
          {"revoked", !t.revoked_at.empty()},
          {"last_used_at", t.last_used_at}};
}

Result<std::string> StringField(const json& body, const char* key, bool required = true) {
  if (!body.contains(key)) {
    if (required) return InvalidArgument(std::string("missing field '") + key + "'");
    return std::string();
  }
  if (!body[key].is_string()) return InvalidArgument(std::string("'") + key + "' must be a string");
  return body[key].get<std::string>();
}

Result<int64_t> IdFrom(const httplib::Request& req, size_t i) {
  const std::string text = req.matches.size() > i ? std::string(req.matches[i]) : "";
  if (text.empty() || text.size() > 18 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    return InvalidArgument("'" + text + "' is not an id");
  }
  return std::stoll(text);
}

void SetSessionCookie(httplib::Response& res, const std::string& token, int64_t max_age) {
  // HttpOnly: page scripts cannot read it; SameSite=Strict: other sites' pages cannot send it;
  // Secure: browsers send it over HTTPS only, and to http://localhost / 127.0.0.1.
  res.set_header("Set-Cookie", std::string(kSessionCookie) + "=" + token +
                                   "; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=" +
                                   std::to_string(max_age));
}

}  // namespace

std::string CookieValue(const httplib::Request& req, std::string_view name) {
  const std::string header = req.get_header_value("Cookie");
  for (size_t b = 0; b < header.size();) {
    size_t e = header.find(';', b);
    if (e == std::string::npos) e = header.size();
    std::string_view part(header.data() + b, e - b);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    if (part.size() > name.size() && part.substr(0, name.size()) == name &&
        part[name.size()] == '=') {
      return std::string(part.substr(name.size() + 1));
    }
    b = e + 1;
  }
  return "";
}

json UserJson(const identity::User& u) {
  json roles = json::array();
  for (const identity::RoleGrant& r : u.roles) roles.push_back(r.ToString());
  return {{"id", u.id},
          {"email", u.email},
          {"display_name", u.display_name},
          {"institution", u.institution},
          {"kind", u.kind},
          {"roles", roles},
          {"totp_enabled", u.totp_enabled},
          {"created_at", u.created_at}};
}

Result<Caller> HubServer::CallerOf(const httplib::Request& req) {
  const std::string key = BearerOrKey(req);
  if (!key.empty()) return service_->Authenticate(key);
  const std::string cookie = CookieValue(req, kSessionCookie);
  if (cookie.empty()) return Caller{};
  ASSIGN_OR_RETURN(const identity::Principal p, SignedIn(req, ""));
  return service_->Entitle(HubService::CallerFor(p));  // controlled tier with a grant
}

Result<identity::Principal> HubServer::SignedIn(const httplib::Request& req,
                                                std::string_view scope) {
  const std::string key = BearerOrKey(req);
  identity::Principal p;
  if (!key.empty()) {
    if (!key.starts_with("rk_tok_")) {
      return Unauthenticated(
          "this needs a signed-in account: a session or an account's API "
          "token (rk_tok_…), not a configured key");
    }
    ASSIGN_OR_RETURN(p, service_->accounts().AuthenticateToken(key, Now()));
    if (!scope.empty() && std::find(p.scopes.begin(), p.scopes.end(), scope) == p.scopes.end()) {
      return PermissionDenied("this API token lacks the '" + std::string(scope) + "' scope");
    }
  } else {
    const std::string cookie = CookieValue(req, kSessionCookie);
    if (cookie.empty()) return Unauthenticated("sign in first (POST /v1/auth/sign-in)");
    ASSIGN_OR_RETURN(p, service_->accounts().AuthenticateSession(cookie, Now()));
    // Every state-changing request of a browser session echoes the session's CSRF token.
    if (req.method != "GET" &&
        !crypto::ConstantTimeEquals(req.get_header_value(kCsrfHeader), p.csrf_token)) {
      return PermissionDenied(std::string("missing or wrong ") + kCsrfHeader +
                              " header: send the csrf_token given at sign-in");
    }
  }
  return p;
}

Result<identity::Principal> HubServer::Authorize(const httplib::Request& req, Access access,
                                                 bool during_enrolment) {
  // Tokens reach administration only with the "admin" scope; their own account with any.
  Result<identity::Principal> p = SignedIn(req, access == Access::kPlatformAdmin ? "admin" : "");
  if (p.ok() && p->mfa_enrolment_required && !during_enrolment) {
    p = PermissionDenied(
        "your roles need a second factor: enrol one (POST /v1/me/totp) before anything else");
  }
  if (p.ok() && access == Access::kPlatformAdmin && !p->user.Has("platform_admin")) {
    p = PermissionDenied("this is for platform administrators");
  }
  if (p.ok() && access == Access::kSiteAdmin && !p->user.Has("site_admin")) {
    p = PermissionDenied("this is for site administrators");
  }
  if (!p.ok()) {
    LOG_WARN("hub: refused {} {} from {}: {}", req.method, req.path, req.remote_addr,
             p.status().message());
  }
  return p;
}

void HubServer::AddAccountRoutes() {
  using Principal = identity::Principal;
  using Fn =
      std::function<Result<json>(const Principal&, const httplib::Request&, httplib::Response&)>;
  // Checks the caller against `access`, then runs `fn`. `during_enrolment`: the route stays
  // open to an account that must still enrol its second factor (everything else is closed).
  auto account = [this](Access access, bool during_enrolment, Fn fn) {
    return
        [this, access, during_enrolment, fn](const httplib::Request& req, httplib::Response& res) {
          Result<Principal> p = Authorize(req, access, during_enrolment);
          if (!p.ok()) return SendError(res, p.status());
          SendResult(res, fn(*p, req, res));
        };
  };
  auto body_of = [](const httplib::Request& req,
                    std::initializer_list<const char*> allowed) -> Result<json> {
    ASSIGN_OR_RETURN(json body, ParseJsonBody(req));
    if (!body.is_object()) return InvalidArgument("the body must be a JSON object");
    RETURN_IF_ERROR(CheckKeys(body, allowed));
    return body;
  };

  Handle("POST", "/v1/auth/sign-up", Access::kPublic,
         [this, body_of](const httplib::Request& req, httplib::Response& res) {
           Result<json> out = [&]() -> Result<json> {
             ASSIGN_OR_RETURN(const json body, body_of(req, {"email", "display_name", "institution",
                                                             "kind", "password"}));
             identity::NewUser n;
             ASSIGN_OR_RETURN(n.email, StringField(body, "email"));
             ASSIGN_OR_RETURN(n.display_name, StringField(body, "display_name"));
             ASSIGN_OR_RETURN(n.institution, StringField(body, "institution", false));
             ASSIGN_OR_RETURN(n.kind, StringField(body, "kind", false));
             if (n.kind.empty()) n.kind = "academic";
             ASSIGN_OR_RETURN(n.password, StringField(body, "password"));
             ASSIGN_OR_RETURN(const identity::User u,
                              service_->accounts().CreateUser(n, "anonymous", Now()));
             return UserJson(u);
           }();
           if (!out.ok()) return SendError(res, out.status());
           SendJson(res, *out, 201);
         });
  Handle(
      "POST", "/v1/auth/sign-in", Access::kPublic,
      [this, body_of](const httplib::Request& req, httplib::Response& res) {
        Result<identity::Session> s = [&]() -> Result<identity::Session> {
          ASSIGN_OR_RETURN(const json body, body_of(req, {"email", "password", "second_factor"}));
          identity::SignInRequest r;
          ASSIGN_OR_RETURN(r.email, StringField(body, "email"));
          ASSIGN_OR_RETURN(r.password, StringField(body, "password"));
          ASSIGN_OR_RETURN(r.second_factor, StringField(body, "second_factor", false));
          r.address = req.remote_addr;
          return service_->accounts().SignIn(r, Now());
        }();
        if (!s.ok()) return SendError(res, s.status());
        SetSessionCookie(
            res, s->token,
            std::chrono::duration_cast<std::chrono::seconds>(identity::Accounts::kSessionLifetime)
                .count());
        SendJson(res, {{"user", UserJson(s->principal.user)},
                       {"csrf_token", s->csrf_token},
                       {"mfa_enrolment_required", s->principal.mfa_enrolment_required}});
      });
  Handle("POST", "/v1/auth/sign-out", Access::kSignedIn,
         account(Access::kSignedIn, true,
                 [this](const Principal& p, const httplib::Request& req,
                        httplib::Response& res) -> Result<json> {
                   if (p.via_token) {
                     return InvalidArgument(
                         "API tokens are revoked, not signed out "
                         "(DELETE /v1/me/tokens/{id})");
                   }
                   RETURN_IF_ERROR(
                       service_->accounts().SignOut(CookieValue(req, kSessionCookie), Now()));
                   SetSessionCookie(res, "", 0);
                   return json{{"signed_out", true}};
                 }));
  Handle(
      "GET", "/v1/me", Access::kSignedIn,
      account(Access::kSignedIn, true,
              [](const Principal& p, const httplib::Request&, httplib::Response&) -> Result<json> {
                json out = UserJson(p.user);
                out["mfa_enrolment_required"] = p.mfa_enrolment_required;
                // A browser session's CSRF token, so the portal keeps working after a reload.
                // Only same-origin pages can read this answer (the hub sends no CORS headers).
                if (!p.csrf_token.empty()) out["csrf_token"] = p.csrf_token;
                return out;
              }));
  Handle("POST", "/v1/me/totp", Access::kSignedIn,
         account(Access::kSignedIn, true,
                 [this](const Principal& p, const httplib::Request&,
                        httplib::Response&) -> Result<json> {
                   ASSIGN_OR_RETURN(const identity::TotpEnrolment e,
                                    service_->accounts().BeginTotp(p.user.id, Now()));
                   return json{{"secret", e.secret_base32}, {"otpauth_uri", e.uri}};
                 }));
  Handle("POST", "/v1/me/totp/confirm", Access::kSignedIn,
         account(Access::kSignedIn, true,
                 [this, body_of](const Principal& p, const httplib::Request& req,
                                 httplib::Response&) -> Result<json> {
                   ASSIGN_OR_RETURN(const json body, body_of(req, {"code"}));
                   ASSIGN_OR_RETURN(const std::string code, StringField(body, "code"));
                   ASSIGN_OR_RETURN(const std::vector<std::string> recovery,
                                    service_->accounts().ConfirmTotp(p.user.id, code, Now()));
                   return json{{"recovery_codes", recovery}};
                 }));
  Handle("GET", "/v1/me/tokens", Access::kSignedIn,
         account(Access::kSignedIn, false,
                 [this](const Principal& p, const httplib::Request&,
                        httplib::Response&) -> Result<json> {
                   ASSIGN_OR_RETURN(const std::vector<identity::ApiToken> tokens,
                                    service_->accounts().ListTokens(p.user.id));
                   json list = json::array();
                   for (const identity::ApiToken& t : tokens) list.push_back(TokenJson(t));
                   return json{{"tokens", list}};
                 }));
  Handle("POST", "/v1/me/tokens", Access::kSignedIn,
         account(Access::kSignedIn, false,
                 [this, body_of](const Principal& p, const httplib::Request& req,
                                 httplib::Response&) -> Result<json> {
                   if (p.via_token) {
                     return PermissionDenied("make API tokens in a signed-in browser session");
                   }
                   ASSIGN_OR_RETURN(const json body, body_of(req, {"name", "scopes", "days"}));
                   ASSIGN_OR_RETURN(const std::string name, StringField(body, "name"));
                   std::vector<std::string> scopes;
                   if (!body.contains("scopes") || !body["scopes"].is_array()) {
                     return InvalidArgument("'scopes' must list query, applications or admin");
                   }
                   for (const json& s : body["scopes"]) {
                     if (!s.is_string()) return InvalidArgument("each scope is a string");
                     scopes.push_back(s.get<std::string>());
                   }
                   const json days = body.value("days", json(90));
                   if (!days.is_number_integer() || days.get<int64_t>() < 1 ||
                       days.get<int64_t>() > 365) {
                     return InvalidArgument("'days' must be a whole number from 1 to 365");
                   }
                   std::string secret;
                   const auto now = Now();
                   ASSIGN_OR_RETURN(
                       const identity::ApiToken t,
                       service_->accounts().CreateToken(
                           p.user.id, name, scopes, now + std::chrono::days(days.get<int64_t>()),
                           now, &secret));
                   json out = TokenJson(t);
                   out["token"] = secret;  // shown once
                   return out;
                 }));
  Handle("DELETE", "/v1/me/tokens/{id}", Access::kSignedIn,
         account(Access::kSignedIn, false,
                 [this](const Principal& p, const httplib::Request& req,
                        httplib::Response&) -> Result<json> {
                   ASSIGN_OR_RETURN(const int64_t id, IdFrom(req, 1));
                   RETURN_IF_ERROR(service_->accounts().RevokeToken(p.user.id, id, Now()));
                   return json{{"revoked", id}};
                 }));
  Handle("GET", "/v1/admin/users", Access::kPlatformAdmin,
         account(
             Access::kPlatformAdmin, false,
             [this](const Principal&, const httplib::Request&, httplib::Response&) -> Result<json> {
               ASSIGN_OR_RETURN(const std::vector<identity::User> users,
                                service_->accounts().ListUsers());
               json list = json::array();
               for (const identity::User& u : users) list.push_back(UserJson(u));
               return json{{"users", list}};
             }));
  Handle("POST", "/v1/admin/users/{id}/roles", Access::kPlatformAdmin,
         account(Access::kPlatformAdmin, false,
                 [this, body_of](const Principal& p, const httplib::Request& req,
                                 httplib::Response&) -> Result<json> {
                   ASSIGN_OR_RETURN(const int64_t id, IdFrom(req, 1));
                   ASSIGN_OR_RETURN(const json body, body_of(req, {"role"}));
                   ASSIGN_OR_RETURN(const std::string text, StringField(body, "role"));
                   ASSIGN_OR_RETURN(const identity::RoleGrant role, identity::ParseRole(text));
                   RETURN_IF_ERROR(service_->accounts().GrantRole(
                       id, role, "user:" + std::to_string(p.user.id), Now()));
                   ASSIGN_OR_RETURN(const identity::User u, service_->accounts().GetUser(id));
                   return UserJson(u);
                 }));
  Handle("DELETE", "/v1/admin/users/{id}/roles/{role}", Access::kPlatformAdmin,
         account(Access::kPlatformAdmin, false,
                 [this](const Principal& p, const httplib::Request& req,
                        httplib::Response&) -> Result<json> {
                   ASSIGN_OR_RETURN(const int64_t id, IdFrom(req, 1));
                   ASSIGN_OR_RETURN(const identity::RoleGrant role,
                                    identity::ParseRole(std::string(req.matches[2])));
                   RETURN_IF_ERROR(service_->accounts().RevokeRole(
                       id, role, "user:" + std::to_string(p.user.id), Now()));
                   ASSIGN_OR_RETURN(const identity::User u, service_->accounts().GetUser(id));
                   return UserJson(u);
                 }));
  Handle(
      "GET", "/v1/admin/audit", Access::kPlatformAdmin,
      account(Access::kPlatformAdmin, false,
              [this](const Principal&, const httplib::Request& req,
                     httplib::Response&) -> Result<json> {
                audit::Query q;
                q.actor = req.get_param_value("actor");
                q.action_prefix = req.get_param_value("action");
                q.from_time = req.get_param_value("from");
                q.to_time = req.get_param_value("to");
                for (const auto& [param, field] :
                     {std::pair{"before", &q.before_seq}, std::pair{"limit", &q.limit}}) {
                  const std::string v = req.get_param_value(param);
                  if (v.empty()) continue;
                  if (v.size() > 18 || v.find_first_not_of("0123456789") != std::string::npos) {
                    return InvalidArgument(std::string("'") + param + "' must be a whole number");
                  }
                  *field = std::stoll(v);
                }
                // Every query answered so far is in the listing (their entries are queued).
                RETURN_IF_ERROR(service_->audit().Flush());
                ASSIGN_OR_RETURN(const std::vector<audit::Entry> entries,
                                 audit::List(service_->database(), q));
                json list = json::array();
                for (const audit::Entry& e : entries) {
                  list.push_back({{"seq", e.seq},
                                  {"time", e.time},
                                  {"actor", e.event.actor},
                                  {"action", e.event.action},
                                  {"target", e.event.target},
                                  {"outcome", e.event.outcome},
                                  {"address", e.event.address},
                                  {"detail", e.event.detail}});
                }
                return json{{"entries", list}};
              }));
  Handle("GET", "/v1/admin/audit/verify", Access::kPlatformAdmin,
         account(
             Access::kPlatformAdmin, false,
             [this](const Principal&, const httplib::Request&, httplib::Response&) -> Result<json> {
               RETURN_IF_ERROR(service_->audit().Flush());
               ASSIGN_OR_RETURN(
                   const audit::VerifyReport r,
                   audit::Verify(service_->database(), service_->config().secret_key.substr(
                                                           crypto::kEd25519PublicKeyBytes)));
               return json{{"intact", r.ok},
                           {"entries", r.entries},
                           {"first_bad", r.first_bad},
                           {"problem", r.problem}};
             }));
}

}  // namespace renkei
