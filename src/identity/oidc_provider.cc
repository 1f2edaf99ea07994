#include "identity/oidc_provider.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <optional>
#include <set>

#include "crypto/sodium.h"
#include "identity/pkce.h"

namespace renkei::identity {

using nlohmann::json;

// URIs cannot hold whitespace (RegisterClient refuses it), so a newline separates them.
const char* const kOidcSchemaSql = R"sql(
CREATE TABLE oidc_clients (
  client_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  redirect_uris TEXT NOT NULL,
  client_type TEXT NOT NULL,
  secret_hash TEXT NOT NULL,
  disabled BIGINT NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL
);
CREATE TABLE oidc_codes (
  code_hash TEXT PRIMARY KEY,
  client_id TEXT NOT NULL REFERENCES oidc_clients (client_id),
  user_id BIGINT NOT NULL REFERENCES users (id),
  redirect_uri TEXT NOT NULL,
  code_challenge TEXT NOT NULL,
  nonce TEXT NOT NULL,
  scope TEXT NOT NULL,
  auth_time BIGINT NOT NULL,
  amr TEXT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_at BIGINT
);
CREATE INDEX oidc_codes_expiry ON oidc_codes (expires_at);
CREATE TABLE oidc_access_tokens (
  token_hash TEXT PRIMARY KEY,
  code_hash TEXT NOT NULL,
  client_id TEXT NOT NULL REFERENCES oidc_clients (client_id),
  user_id BIGINT NOT NULL REFERENCES users (id),
  scope TEXT NOT NULL,
  expires_at BIGINT NOT NULL,
  revoked BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX oidc_access_tokens_code ON oidc_access_tokens (code_hash);
CREATE INDEX oidc_access_tokens_client ON oidc_access_tokens (client_id);
CREATE INDEX oidc_access_tokens_expiry ON oidc_access_tokens (expires_at);
)sql";

namespace {

constexpr const char* kScopesSupported[] = {"openid", "email", "profile"};
constexpr size_t kMaxTokenChars = 256;
constexpr int64_t kCodeSeconds = std::chrono::seconds(OidcProvider::kCodeLifetime).count();
constexpr int64_t kIdTokenSeconds = std::chrono::seconds(OidcProvider::kIdTokenLifetime).count();
constexpr int64_t kAccessTokenSeconds =
    std::chrono::seconds(OidcProvider::kAccessTokenLifetime).count();

int64_t UnixSeconds(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

// Unix seconds of "YYYY-MM-DDTHH:MM:SS..." (audit::IsoTime's form), or nullopt.
std::optional<int64_t> ParseIsoSeconds(const std::string& iso) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (std::sscanf(iso.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &s) != 6) {
    return std::nullopt;
  }
  return DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

std::string Hash(std::string_view secret) { return crypto::HexEncode(crypto::Sha256(secret)); }

// Percent-encodes everything but RFC 3986's unreserved characters.
std::string UrlEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string WithQuery(const std::string& uri,
                      const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out = uri;
  char sep = uri.find('?') == std::string::npos ? '?' : '&';
  for (const auto& [name, value] : params) {
    if (value.empty()) continue;
    out += sep;
    out += name + "=" + UrlEncode(value);
    sep = '&';
  }
  return out;
}

// Refuses more than kOidcMaxParams parameters, long names or values, and repeated parameters
// (RFC 6749 §3.1: "MUST NOT be included more than once"). Returns the reason, or "".
std::string CheckParams(const OidcParams& params) {
  if (params.size() > kOidcMaxParams) {
    return "too many parameters (at most " + std::to_string(kOidcMaxParams) + ")";
  }
  const std::string* previous = nullptr;
  for (const auto& [name, value] : params) {
    if (name.size() > kOidcMaxParamNameBytes) return "a parameter name is too long";
    if (value.size() > kOidcMaxParamBytes) {
      return "parameter " + name + " is longer than " + std::to_string(kOidcMaxParamBytes) +
             " bytes";
    }
    if (previous != nullptr && *previous == name) return "parameter " + name + " is repeated";
    previous = &name;
  }
  return "";
}

// The value of `name`; "" if absent (RFC 6749 §3.1: a parameter without a value counts as
// omitted).
std::string Get(const OidcParams& params, const std::string& name) {
  const auto it = params.find(name);
  return it == params.end() ? std::string() : it->second;
}

std::vector<std::string> SplitSpaces(std::string_view s) {
  std::vector<std::string> out;
  size_t b = 0;
  while (b < s.size()) {
    const size_t e = std::min(s.find(' ', b), s.size());
    if (e > b) out.emplace_back(s.substr(b, e - b));
    b = e + 1;
  }
  return out;
}

bool Contains(const std::vector<std::string>& v, std::string_view x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// https://host[:port]/..., or http on a loopback host. Returns a reason, or "".
std::string CheckUrl(std::string_view uri, std::string_view what) {
  const std::string w(what);
  if (uri.size() > kOidcMaxParamBytes) return w + " is too long";
  for (const char ch : uri) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7f) {
      return w + " must not contain spaces, control or non-ASCII characters";
    }
  }
  if (uri.find('#') != std::string_view::npos) return w + " must not contain a fragment";
  const bool https = uri.substr(0, 8) == "https://";
  const bool http = uri.substr(0, 7) == "http://";
  if (!https && !http) return w + " must be an absolute https URL";
  const std::string_view rest = uri.substr(https ? 8 : 7);
  const std::string_view authority = rest.substr(0, rest.find_first_of("/?"));
  if (authority.find('@') != std::string_view::npos) return w + " must not contain user info";
  std::string_view host = authority;
  if (!host.empty() && host.front() == '[') {
    host =
        host.substr(0, host.find(']') == std::string_view::npos ? host.size() : host.find(']') + 1);
  } else {
    host = host.substr(0, host.find(':'));
  }
  const std::string_view port = authority.substr(host.size());
  if (!port.empty() && (port.size() < 2 || port.front() != ':' ||
                        port.find_first_not_of("0123456789", 1) != std::string_view::npos)) {
    return w + " has a malformed port";
  }
  if (host.empty()) return w + " must name a host";
  if (http && host != "127.0.0.1" && host != "[::1]" && host != "localhost") {
    return w + " must use https (http is allowed only on 127.0.0.1, [::1] or localhost)";
  }
  return "";
}

json Error(std::string_view code, std::string_view description) {
  return {{"error", code}, {"error_description", description}};
}

std::string ClientTarget(std::string_view client_id) {
  return "oidc_client:" + std::string(client_id.substr(0, 100));
}

Result<std::optional<OidcClient>> LoadClient(db::Database& db, std::string_view client_id,
                                             std::string* secret_hash = nullptr) {
  ASSIGN_OR_RETURN(const std::vector<db::Row> rows,
                   db.Query("SELECT client_id, name, redirect_uris, client_type, secret_hash, "
                            "disabled, created_at, created_by FROM oidc_clients "
                            "WHERE client_id = $1",
                            {std::string(client_id)}));
  if (rows.empty()) return std::optional<OidcClient>();
  const db::Row& r = rows[0];
  OidcClient c;
  c.client_id = r.Text(0);
  c.name = r.Text(1);
  const std::string uris = r.Text(2);
  for (size_t b = 0; b < uris.size();) {
    const size_t e = std::min(uris.find('\n', b), uris.size());
    if (e > b) c.redirect_uris.push_back(uris.substr(b, e - b));
    b = e + 1;
  }
  c.type = r.Text(3) == "public" ? OidcClientType::kPublic : OidcClientType::kConfidential;
  if (secret_hash != nullptr) *secret_hash = r.Text(4);
  c.disabled = r.Int(5) != 0;
  c.created_at = r.Text(6);
  c.created_by = r.Text(7);
  return std::optional<OidcClient>(std::move(c));
}

Status RequireAdmin(const Principal& admin) {
  if (!admin.user.Has("platform_admin") || admin.user.disabled) {
    return PermissionDenied("only a platform administrator may manage OpenID Connect clients");
  }
  return Status();
}

}  // namespace

Result<std::unique_ptr<OidcProvider>> OidcProvider::Create(db::Database* db, audit::AuditLog* audit,
                                                           const OidcProviderOptions& options) {
  if (db == nullptr) return InvalidArgument("the OpenID Connect provider needs a database");
  std::string issuer = options.issuer;
  while (!issuer.empty() && issuer.back() == '/') issuer.pop_back();
  if (const std::string bad = CheckUrl(issuer, "the issuer"); !bad.empty()) {
    return InvalidArgument(bad);
  }
  if (issuer.find('?') != std::string::npos) {
    return InvalidArgument("the issuer must not contain a query");
  }
  if (options.signing_key_path.empty()) {
    return InvalidArgument("the OpenID Connect provider needs a signing key path");
  }
  Result<crypto::RsaSigningKey> key = crypto::RsaSigningKey::LoadPemFile(options.signing_key_path);
  if (!key.ok() && key.status().code() == StatusCode::kNotFound) {
    key = crypto::RsaSigningKey::Generate();
    if (key.ok()) RETURN_IF_ERROR(key->SavePemFile(options.signing_key_path));
  }
  if (!key.ok()) return key.status().WithContext("OpenID Connect signing key");
  JwkSet jwks;
  RETURN_IF_ERROR(jwks.Add(key->public_jwk()));
  return std::unique_ptr<OidcProvider>(
      new OidcProvider(db, audit, std::move(issuer), std::move(*key), std::move(jwks)));
}

Status OidcProvider::Audit(std::string_view actor, std::string_view action, std::string_view target,
                           std::string_view outcome, std::string_view address, json detail,
                           Clock::time_point now) {
  if (audit_ == nullptr) return Status();
  return audit_
      ->Append(audit::Event{std::string(actor), std::string(action), std::string(target),
                            std::string(outcome), std::string(address.substr(0, 200)),
                            std::move(detail)},
               now)
      .status();
}

// --- administration ---

Result<RegisteredOidcClient> OidcProvider::RegisterClient(const NewOidcClient& n,
                                                          const Principal& admin,
                                                          Clock::time_point now) {
  const std::string actor = std::to_string(admin.user.id);
  if (Status s = RequireAdmin(admin); !s.ok()) {
    RETURN_IF_ERROR(Audit(actor, "oidc.client_register", "", "denied", "",
                          {{"reason", "not a platform administrator"}}, now));
    return s;
  }
  if (n.name.empty() || n.name.size() > 200) {
    return InvalidArgument("client name must be 1 to 200 bytes");
  }
  if (n.redirect_uris.empty() || n.redirect_uris.size() > kOidcMaxRedirectUris) {
    return InvalidArgument("a client needs 1 to " + std::to_string(kOidcMaxRedirectUris) +
                           " redirect URIs");
  }
  std::set<std::string> seen;
  std::string joined;
  for (const std::string& uri : n.redirect_uris) {
    if (const std::string bad = CheckUrl(uri, "redirect URI"); !bad.empty()) {
      return InvalidArgument(bad);
    }
    if (!seen.insert(uri).second) return InvalidArgument("redirect URI listed twice");
    joined += (joined.empty() ? "" : "\n") + uri;
  }
  RegisteredOidcClient out;
  out.client.client_id = "rk_client_" + crypto::HexEncode(crypto::RandomBytes(16));
  out.client.name = n.name;
  out.client.redirect_uris = n.redirect_uris;
  out.client.type = n.type;
  out.client.created_at = audit::IsoTime(now);
  out.client.created_by = actor;
  const bool confidential = n.type == OidcClientType::kConfidential;
  if (confidential) {
    out.client_secret = "rk_cs_" + crypto::Base64UrlEncode(crypto::RandomBytes(32));
  }
  RETURN_IF_ERROR(db_->Exec("INSERT INTO oidc_clients (client_id, name, redirect_uris, "
                            "client_type, secret_hash, created_at, created_by) "
                            "VALUES ($1, $2, $3, $4, $5, $6, $7)",
                            {out.client.client_id, n.name, joined,
                             std::string(confidential ? "confidential" : "public"),
                             confidential ? Hash(out.client_secret) : std::string(),
                             out.client.created_at, actor})
                      .status());
  RETURN_IF_ERROR(Audit(actor, "oidc.client_register", ClientTarget(out.client.client_id), "ok", "",
                        {{"name", n.name},
                         {"redirect_uris", n.redirect_uris},
                         {"type", confidential ? "confidential" : "public"}},
                        now));
  return out;
}

Result<std::vector<OidcClient>> OidcProvider::ListClients() {
  ASSIGN_OR_RETURN(const std::vector<db::Row> rows,
                   db_->Query("SELECT client_id FROM oidc_clients ORDER BY created_at, client_id"));
  std::vector<OidcClient> out;
  for (const db::Row& r : rows) {
    ASSIGN_OR_RETURN(std::optional<OidcClient> c, LoadClient(*db_, r.Text(0)));
    if (c) out.push_back(std::move(*c));
  }
  return out;
}

Status OidcProvider::DisableClient(std::string_view client_id, const Principal& admin,
                                   Clock::time_point now) {
  const std::string actor = std::to_string(admin.user.id);
  if (Status s = RequireAdmin(admin); !s.ok()) {
    RETURN_IF_ERROR(Audit(actor, "oidc.client_disable", ClientTarget(client_id), "denied", "",
                          {{"reason", "not a platform administrator"}}, now));
    return s;
  }
  int64_t changed = 0;
  const Status stored = db_->Transaction([&](db::Connection& c) -> Status {
    ASSIGN_OR_RETURN(changed, c.Exec("UPDATE oidc_clients SET disabled = 1 WHERE client_id = $1",
                                     {std::string(client_id)}));
    return c
        .Exec("UPDATE oidc_access_tokens SET revoked = 1 WHERE client_id = $1",
              {std::string(client_id)})
        .status();
  });
  RETURN_IF_ERROR(stored);
  if (changed == 0) return NotFound("no OpenID Connect client with this client_id");
  return Audit(actor, "oidc.client_disable", ClientTarget(client_id), "ok", "", json::object(),
               now);
}

// --- public endpoints ---

json OidcProvider::Discovery() const {
  return {
      {"issuer", issuer_},
      {"authorization_endpoint", issuer_ + "/oidc/authorize"},
      {"token_endpoint", issuer_ + "/oidc/token"},
      {"userinfo_endpoint", issuer_ + "/oidc/userinfo"},
      {"jwks_uri", issuer_ + "/oidc/jwks"},
      {"scopes_supported", kScopesSupported},
      {"response_types_supported", {"code"}},
      {"response_modes_supported", {"query"}},
      {"grant_types_supported", {"authorization_code"}},
      {"subject_types_supported", {"public"}},
      {"id_token_signing_alg_values_supported", {"RS256"}},
      {"token_endpoint_auth_methods_supported",
       {"client_secret_basic", "client_secret_post", "none"}},
      {"claims_supported",
       {"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "amr", "at_hash", "email",
        "name"}},
      {"code_challenge_methods_supported", {"S256"}},
      {"prompt_values_supported", {"none", "login", "consent", "select_account"}},
      {"claims_parameter_supported", false},
      {"request_parameter_supported", false},
      // Discovery §3: the default is true, so "not supported" must be said.
      {"request_uri_parameter_supported", false},
      {"authorization_response_iss_parameter_supported", true},
  };
}

json OidcProvider::Jwks() const { return jwks_.ToJson(); }

Result<AuthorizeResponse> OidcProvider::Authorize(const OidcParams& params,
                                                  const Principal* signed_in, Clock::time_point now,
                                                  std::string_view address) {
  const std::string actor = signed_in ? std::to_string(signed_in->user.id) : "anonymous";
  const std::string client_id = Get(params, "client_id");
  const std::string target = client_id.empty() ? "" : ClientTarget(client_id);
  auto show = [&](int status, std::string message) -> Result<AuthorizeResponse> {
    RETURN_IF_ERROR(
        Audit(actor, "oidc.authorize", target, "denied", address, {{"reason", message}}, now));
    AuthorizeResponse r;
    r.kind = AuthorizeResponse::Kind::kShowError;
    r.http_status = status;
    r.error_message = std::move(message);
    return r;
  };

  if (const std::string bad = CheckParams(params); !bad.empty()) return show(400, bad);
  if (client_id.empty()) return show(400, "the request has no client_id");
  ASSIGN_OR_RETURN(const std::optional<OidcClient> client, LoadClient(*db_, client_id));
  if (!client) return show(400, "unknown client_id: no application is registered under it");
  if (client->disabled) return show(403, "this application has been disabled");
  const std::string redirect_uri = Get(params, "redirect_uri");
  if (redirect_uri.empty()) return show(400, "the request has no redirect_uri");
  if (!Contains(client->redirect_uris, redirect_uri)) {
    return show(400, "redirect_uri is not registered for this application");
  }

  // From here on the client and redirect_uri are trusted: errors go back to the client.
  const std::string state = Get(params, "state");
  auto fail = [&](std::string error, std::string description) -> Result<AuthorizeResponse> {
    RETURN_IF_ERROR(Audit(actor, "oidc.authorize", target, "denied", address,
                          {{"error", error}, {"reason", description}}, now));
    AuthorizeResponse r;
    r.kind = AuthorizeResponse::Kind::kRedirect;
    r.redirect_url = WithQuery(
        redirect_uri,
        {{"error", error}, {"error_description", description}, {"state", state}, {"iss", issuer_}});
    r.error = std::move(error);
    return r;
  };

  if (!Get(params, "request").empty()) {
    return fail("request_not_supported", "request objects are not supported");
  }
  if (!Get(params, "request_uri").empty()) {
    return fail("request_uri_not_supported", "request_uri is not supported");
  }
  if (!Get(params, "registration").empty()) {
    return fail("registration_not_supported", "registration is not supported");
  }
  const std::string response_type = Get(params, "response_type");
  if (response_type.empty()) return fail("invalid_request", "response_type is required");
  if (response_type != "code") {
    return fail("unsupported_response_type", "only response_type=code is supported");
  }
  const std::string response_mode = Get(params, "response_mode");
  if (!response_mode.empty() && response_mode != "query") {
    return fail("invalid_request", "only response_mode=query is supported");
  }
  const std::vector<std::string> scopes = SplitSpaces(Get(params, "scope"));
  if (!Contains(scopes, "openid")) {
    return fail("invalid_scope", "scope must contain openid");
  }
  for (const std::string& s : scopes) {
    if (std::find(std::begin(kScopesSupported), std::end(kScopesSupported), s) ==
        std::end(kScopesSupported)) {
      return fail("invalid_scope", "unsupported scope; supported are openid, email, profile");
    }
  }
  const std::string challenge = Get(params, "code_challenge");
  if (challenge.empty()) {
    return fail("invalid_request", "PKCE is required: send code_challenge with method S256");
  }
  if (Status s = CheckCodeChallenge(challenge, Get(params, "code_challenge_method")); !s.ok()) {
    return fail("invalid_request", s.message());
  }
  const std::vector<std::string> prompt = SplitSpaces(Get(params, "prompt"));
  for (const std::string& p : prompt) {
    if (p != "none" && p != "login" && p != "consent" && p != "select_account") {
      return fail("invalid_request", "unknown prompt value");
    }
  }
  const bool prompt_none = Contains(prompt, "none");
  if (prompt_none && prompt.size() > 1) {
    return fail("invalid_request", "prompt=none cannot be combined with other values");
  }
  std::optional<int64_t> max_age;
  if (const std::string m = Get(params, "max_age"); !m.empty()) {
    if (m.size() > 9 || m.find_first_not_of("0123456789") != std::string::npos) {
      return fail("invalid_request", "max_age must be a number of seconds");
    }
    max_age = std::stoll(m);
  }
  // prompt=login asks for a fresh sign-in: one within the last minute counts, so the user who
  // was just sent to sign in comes back to a request that now succeeds.
  if (Contains(prompt, "login")) {
    max_age = std::min(max_age.value_or(kCodeSeconds), kCodeSeconds);
  }

  // The sign-in: only a browser session counts, and its start is auth_time.
  std::optional<int64_t> auth_time;
  if (signed_in != nullptr && !signed_in->via_token && !signed_in->session_id.empty()) {
    ASSIGN_OR_RETURN(const std::vector<db::Row> rows,
                     db_->Query("SELECT created_at FROM sessions WHERE user_id = $1 AND "
                                "substr(token_hash, 1, 16) = $2",
                                {signed_in->user.id, signed_in->session_id}));
    if (!rows.empty()) auth_time = ParseIsoSeconds(rows[0].Text(0));
  }
  const int64_t now_s = UnixSeconds(now);
  if (!auth_time || (max_age && now_s - *auth_time > *max_age)) {
    if (prompt_none) return fail("login_required", "the user is not signed in");
    AuthorizeResponse r;
    r.kind = AuthorizeResponse::Kind::kNeedsSignIn;
    return r;
  }
  if (signed_in->mfa_enrolment_required || signed_in->user.disabled) {
    return fail("access_denied", "the account must enrol a second factor first");
  }

  const std::string code = crypto::Base64UrlEncode(crypto::RandomBytes(32));
  std::string scope;
  for (const std::string& s : scopes) scope += (scope.empty() ? "" : " ") + s;
  const std::string amr = signed_in->user.totp_enabled ? "pwd otp" : "pwd";
  const Status stored = db_->Transaction([&](db::Connection& c) -> Status {
    // Codes whose access tokens have expired too are no longer needed for reuse detection.
    RETURN_IF_ERROR(c.Exec("DELETE FROM oidc_codes WHERE expires_at < $1",
                           {now_s - kAccessTokenSeconds - kCodeSeconds})
                        .status());
    RETURN_IF_ERROR(
        c.Exec("DELETE FROM oidc_access_tokens WHERE expires_at < $1", {now_s}).status());
    return c
        .Exec(
            "INSERT INTO oidc_codes (code_hash, client_id, user_id, redirect_uri, "
            "code_challenge, nonce, scope, auth_time, amr, expires_at) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            {Hash(code), client_id, signed_in->user.id, redirect_uri, challenge,
             Get(params, "nonce"), scope, *auth_time, amr, now_s + kCodeSeconds})
        .status();
  });
  RETURN_IF_ERROR(stored);
  RETURN_IF_ERROR(Audit(actor, "oidc.authorize", target, "ok", address, {{"scope", scope}}, now));
  AuthorizeResponse r;
  r.kind = AuthorizeResponse::Kind::kRedirect;
  r.redirect_url = WithQuery(redirect_uri, {{"code", code}, {"state", state}, {"iss", issuer_}});
  return r;
}

Result<OidcJsonResponse> OidcProvider::Token(const OidcParams& form, const BasicCredentials* basic,
                                             Clock::time_point now, std::string_view address) {
  std::string actor = "anonymous";
  std::string target;
  auto error = [&](int status, std::string code,
                   std::string description) -> Result<OidcJsonResponse> {
    RETURN_IF_ERROR(Audit(actor, "oidc.token", target, "denied", address,
                          {{"error", code}, {"reason", description}}, now));
    OidcJsonResponse r;
    r.http_status = status;
    r.body = Error(code, description);
    r.headers = {{"Cache-Control", "no-store"}, {"Pragma", "no-cache"}};
    if (status == 401) r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"renkei\"");
    return r;
  };

  if (const std::string bad = CheckParams(form); !bad.empty()) {
    return error(400, "invalid_request", bad);
  }
  const std::string grant_type = Get(form, "grant_type");
  if (grant_type.empty()) return error(400, "invalid_request", "grant_type is required");
  if (grant_type != "authorization_code") {
    return error(400, "unsupported_grant_type", "only grant_type=authorization_code is supported");
  }

  // Client authentication (RFC 6749 §2.3.1): the Basic header or the form, not both.
  const std::string form_id = Get(form, "client_id");
  const std::string form_secret = Get(form, "client_secret");
  if (basic != nullptr && !form_secret.empty()) {
    return error(400, "invalid_request", "client credentials were sent in two ways");
  }
  if (basic != nullptr && !form_id.empty() && form_id != basic->client_id) {
    return error(400, "invalid_request", "client_id disagrees with the Authorization header");
  }
  const std::string client_id = basic != nullptr ? basic->client_id : form_id;
  const std::string secret = basic != nullptr ? basic->client_secret : form_secret;
  if (client_id.empty()) return error(401, "invalid_client", "client authentication is missing");
  if (client_id.size() > kOidcMaxParamBytes || secret.size() > kOidcMaxParamBytes) {
    return error(401, "invalid_client", "client authentication failed");
  }
  target = ClientTarget(client_id);
  std::string secret_hash;
  ASSIGN_OR_RETURN(const std::optional<OidcClient> client,
                   LoadClient(*db_, client_id, &secret_hash));
  if (!client) return error(401, "invalid_client", "unknown client");
  if (client->disabled) return error(401, "invalid_client", "this client is disabled");
  if (client->type == OidcClientType::kConfidential) {
    if (secret.empty()) return error(401, "invalid_client", "client secret is missing");
    if (!crypto::ConstantTimeEquals(Hash(secret), secret_hash)) {
      return error(401, "invalid_client", "client authentication failed");
    }
  } else if (!secret.empty()) {
    return error(401, "invalid_client", "a public client has no secret");
  }

  const std::string code = Get(form, "code");
  const std::string redirect_uri = Get(form, "redirect_uri");
  const std::string verifier = Get(form, "code_verifier");
  if (code.empty()) return error(400, "invalid_request", "code is required");
  if (redirect_uri.empty()) return error(400, "invalid_request", "redirect_uri is required");
  if (verifier.empty()) {
    return error(400, "invalid_request", "code_verifier is required (PKCE)");
  }
  if (Status s = CheckCodeVerifier(verifier); !s.ok()) {
    return error(400, "invalid_request", s.message());
  }

  enum class Outcome {
    kOk,
    kUnknown,
    kReused,
    kWrongClient,
    kExpired,
    kWrongRedirect,
    kBadVerifier,
    kUserGone
  };
  Outcome outcome = Outcome::kUnknown;
  json body;
  const std::string code_hash = Hash(code);
  const int64_t now_s = UnixSeconds(now);
  auto finish = [&](Outcome o) {
    outcome = o;
    return Status();
  };
  const Status stored = db_->Transaction([&](db::Connection& c) -> Status {
    outcome = Outcome::kUnknown;
    body = json::object();
    ASSIGN_OR_RETURN(const std::vector<db::Row> rows,
                     c.Query("SELECT client_id, user_id, redirect_uri, code_challenge, nonce, "
                             "scope, auth_time, amr, expires_at, used_at FROM oidc_codes "
                             "WHERE code_hash = $1",
                             {code_hash}));
    if (rows.empty()) return Status();
    const db::Row& r = rows[0];
    actor = std::to_string(r.Int(1));
    if (!r.IsNull(9)) {
      // RFC 6749 §4.1.2: refuse, and revoke what the code already bought.
      outcome = Outcome::kReused;
      return c.Exec("UPDATE oidc_access_tokens SET revoked = 1 WHERE code_hash = $1", {code_hash})
          .status();
    }
    if (r.Text(0) != client_id) return finish(Outcome::kWrongClient);
    if (now_s >= r.Int(8)) return finish(Outcome::kExpired);
    if (r.Text(2) != redirect_uri) return finish(Outcome::kWrongRedirect);
    if (!VerifyCodeVerifier(verifier, r.Text(3)).ok()) return finish(Outcome::kBadVerifier);
    const int64_t user_id = r.Int(1);
    ASSIGN_OR_RETURN(
        const std::vector<db::Row> users,
        c.Query("SELECT email, display_name, disabled FROM users WHERE id = $1", {user_id}));
    if (users.empty() || users[0].Int(2) != 0) return finish(Outcome::kUserGone);
    ASSIGN_OR_RETURN(const int64_t claimed,
                     c.Exec("UPDATE oidc_codes SET used_at = $1 WHERE code_hash = $2 AND "
                            "used_at IS NULL",
                            {now_s, code_hash}));
    if (claimed != 1) return finish(Outcome::kReused);

    const std::string access_token = "rk_at_" + crypto::Base64UrlEncode(crypto::RandomBytes(32));
    const std::string scope = r.Text(5);
    RETURN_IF_ERROR(c.Exec("INSERT INTO oidc_access_tokens (token_hash, code_hash, client_id, "
                           "user_id, scope, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
                           {Hash(access_token), code_hash, client_id, user_id, scope,
                            now_s + kAccessTokenSeconds})
                        .status());
    const std::vector<std::string> scopes = SplitSpaces(scope);
    // at_hash (OIDC Core §3.1.3.6): base64url of the left half of SHA-256 of the access token.
    const std::string digest = crypto::Sha256(access_token);
    json claims = {
        {"iss", issuer_},
        {"sub", std::to_string(user_id)},
        {"aud", client_id},
        {"iat", now_s},
        {"exp", now_s + kIdTokenSeconds},
        {"auth_time", r.Int(6)},
        {"amr", SplitSpaces(r.Text(7))},
        {"at_hash", crypto::Base64UrlEncode(digest.substr(0, digest.size() / 2))},
    };
    if (!r.Text(4).empty()) claims["nonce"] = r.Text(4);
    if (Contains(scopes, "email")) claims["email"] = users[0].Text(0);
    if (Contains(scopes, "profile")) claims["name"] = users[0].Text(1);
    ASSIGN_OR_RETURN(const std::string id_token, SignJwt(claims, key_));
    body = {{"access_token", access_token},
            {"token_type", "Bearer"},
            {"expires_in", kAccessTokenSeconds},
            {"id_token", id_token},
            {"scope", scope}};
    outcome = Outcome::kOk;
    return Status();
  });
  RETURN_IF_ERROR(stored);

  switch (outcome) {
    case Outcome::kOk:
      break;
    case Outcome::kUnknown:
      return error(400, "invalid_grant", "the authorization code is not valid");
    case Outcome::kReused:
      return error(400, "invalid_grant",
                   "the authorization code was already used; tokens issued from it are revoked");
    case Outcome::kWrongClient:
      return error(400, "invalid_grant", "the authorization code was issued to another client");
    case Outcome::kExpired:
      return error(400, "invalid_grant", "the authorization code has expired");
    case Outcome::kWrongRedirect:
      return error(400, "invalid_grant",
                   "redirect_uri differs from the one in the authorization request");
    case Outcome::kBadVerifier:
      return error(400, "invalid_grant", "code_verifier does not match the code_challenge");
    case Outcome::kUserGone:
      return error(400, "invalid_grant", "the account is disabled");
  }
  RETURN_IF_ERROR(
      Audit(actor, "oidc.token", target, "ok", address, {{"scope", body["scope"]}}, now));
  OidcJsonResponse r;
  r.body = std::move(body);
  r.headers = {{"Cache-Control", "no-store"}, {"Pragma", "no-cache"}};
  return r;
}

Result<OidcJsonResponse> OidcProvider::UserInfo(std::string_view access_token,
                                                Clock::time_point now, std::string_view address) {
  OidcJsonResponse r;
  r.http_status = 401;
  if (access_token.empty()) {
    // RFC 6750 §3.1: no error code when the request carried no authentication at all.
    r.headers = {{"WWW-Authenticate", "Bearer realm=\"renkei\""}};
    RETURN_IF_ERROR(Audit("anonymous", "oidc.userinfo", "", "denied", address,
                          {{"reason", "no access token"}}, now));
    return r;
  }
  std::string actor = "anonymous";
  std::string reason;
  json claims;
  if (access_token.size() > kMaxTokenChars) {
    reason = "access token too long";
  } else {
    ASSIGN_OR_RETURN(
        const std::vector<db::Row> rows,
        db_->Query("SELECT t.user_id, t.scope, t.expires_at, t.revoked, c.disabled, u.email, "
                   "u.display_name, u.disabled FROM oidc_access_tokens t "
                   "JOIN oidc_clients c ON c.client_id = t.client_id "
                   "JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1",
                   {Hash(access_token)}));
    if (rows.empty()) {
      reason = "unknown access token";
    } else {
      const db::Row& row = rows[0];
      actor = std::to_string(row.Int(0));
      if (row.Int(3) != 0) {
        reason = "access token revoked";
      } else if (UnixSeconds(now) >= row.Int(2)) {
        reason = "access token expired";
      } else if (row.Int(4) != 0) {
        reason = "client disabled";
      } else if (row.Int(7) != 0) {
        reason = "account disabled";
      } else {
        const std::vector<std::string> scopes = SplitSpaces(row.Text(1));
        claims = {{"sub", std::to_string(row.Int(0))}};
        if (Contains(scopes, "email")) claims["email"] = row.Text(5);
        if (Contains(scopes, "profile")) claims["name"] = row.Text(6);
      }
    }
  }
  if (!reason.empty()) {
    RETURN_IF_ERROR(
        Audit(actor, "oidc.userinfo", "", "denied", address, {{"reason", reason}}, now));
    r.body = Error("invalid_token", reason);
    r.headers = {{"WWW-Authenticate",
                  "Bearer realm=\"renkei\", error=\"invalid_token\", "
                  "error_description=\"" +
                      reason + "\""}};
    return r;
  }
  r.http_status = 200;
  r.body = std::move(claims);
  return r;
}

}  // namespace renkei::identity
