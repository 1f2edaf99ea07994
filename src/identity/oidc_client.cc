#include "identity/oidc_client.h"

#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "crypto/sodium.h"
#include "identity/pkce.h"

namespace renkei::identity {

using nlohmann::json;

const char* const kExternalIdpSchemaSql = R"sql(
CREATE TABLE external_signins (
  state_hash TEXT PRIMARY KEY,
  idp TEXT NOT NULL,
  nonce TEXT NOT NULL,
  code_verifier TEXT NOT NULL,
  redirect_uri TEXT NOT NULL,
  return_to TEXT NOT NULL,
  expires_at TEXT NOT NULL
);
CREATE TABLE external_second_factors (
  ticket_hash TEXT PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES users (id),
  idp TEXT NOT NULL,
  return_to TEXT NOT NULL,
  expires_at TEXT NOT NULL
);
CREATE TABLE external_identities (
  idp TEXT NOT NULL,
  subject TEXT NOT NULL,
  user_id BIGINT NOT NULL REFERENCES users (id),
  issuer TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (idp, subject)
);
CREATE INDEX external_identities_user ON external_identities (user_id);
)sql";

namespace {

constexpr size_t kMaxParams = 16;
constexpr size_t kMaxParamBytes = 4096;

std::string Hash(std::string_view secret) { return crypto::HexEncode(crypto::Sha256(secret)); }

std::string RandomToken() { return crypto::Base64UrlEncode(crypto::RandomBytes(32)); }

bool IsLoopbackHost(std::string_view host) {
  return host == "127.0.0.1" || host == "[::1]" || host == "localhost";
}

// OK for https://host… or http://loopback…, without fragment, user info or whitespace.
Status CheckEndpoint(std::string_view url, std::string_view field) {
  auto bad = [&](std::string_view why) {
    return InvalidArgument("'" + std::string(field) + "' " + std::string(why) + ": " +
                           std::string(url.substr(0, 200)));
  };
  if (url.size() > 2048) return bad("is too long");
  std::string_view rest;
  bool https = false;
  if (url.starts_with("https://")) {
    rest = url.substr(8);
    https = true;
  } else if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else {
    return bad("must be an https URL");
  }
  const std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.empty()) return bad("has no host");
  if (authority.find('@') != std::string_view::npos) return bad("must not hold user info");
  if (url.find('#') != std::string_view::npos) return bad("must not have a fragment");
  for (unsigned char ch : url) {
    if (ch <= ' ' || ch == 0x7f) return bad("holds whitespace or control characters");
  }
  if (!https) {
    std::string_view host = authority;
    if (host.starts_with("[")) {
      host = host.substr(0, host.find(']') + 1);
    } else {
      host = host.substr(0, host.find(':'));
    }
    if (!IsLoopbackHost(host)) return bad("must be https (http only on 127.0.0.1 or localhost)");
  }
  return Status();
}

std::string Quote(std::string_view s) { return "\"" + std::string(s.substr(0, 100)) + "\""; }

// The single value of `name`; "" when absent. InvalidArgument when repeated.
Result<std::string> Single(const std::multimap<std::string, std::string>& params,
                           const std::string& name) {
  auto [b, e] = params.equal_range(name);
  if (b == e) return std::string();
  if (std::next(b) != e) return InvalidArgument("parameter '" + name + "' is repeated");
  return b->second;
}

Result<json> ParseJsonObject(const std::string& body, std::string_view what) {
  json doc = json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return InvalidArgument(std::string(what) + " is not a JSON object");
  }
  return doc;
}

std::string StringClaim(const json& claims, const char* name) {
  auto it = claims.find(name);
  return it != claims.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

Status CheckExternalIdpSettings(const ExternalIdpSettings& s) {
  if (s.id.empty() || s.id.size() > 32 ||
      s.id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_-") != std::string::npos) {
    return InvalidArgument("external IdP 'id' must be 1 to 32 of [a-z0-9_-], got " + Quote(s.id));
  }
  const std::string where = "external IdP " + Quote(s.id) + ": ";
  if (s.display_name.empty() || s.display_name.size() > 200) {
    return InvalidArgument(where + "'display_name' must be 1 to 200 bytes");
  }
  if (s.client_id.empty() || s.client_id.size() > 256) {
    return InvalidArgument(where + "'client_id' must be 1 to 256 bytes");
  }
  if (s.client_secret_file.empty()) {
    return InvalidArgument(where +
                           "'client_secret_file' must name a file holding the client secret "
                           "(the secret itself never goes into the configuration)");
  }
  RETURN_IF_ERROR(CheckEndpoint(s.issuer, "issuer").WithContext(where + "bad issuer"));
  if (s.issuer.find('?') != std::string::npos) {
    return InvalidArgument(where + "'issuer' must not have a query (OIDC Discovery §2)");
  }
  const int given =
      !s.authorization_endpoint.empty() + !s.token_endpoint.empty() + !s.jwks_uri.empty();
  if (given != 0 && given != 3) {
    return InvalidArgument(where +
                           "give all of 'authorization_endpoint', 'token_endpoint' and "
                           "'jwks_uri', or none (then they come from discovery)");
  }
  if (given == 3) {
    RETURN_IF_ERROR(CheckEndpoint(s.authorization_endpoint, "authorization_endpoint")
                        .WithContext(where.substr(0, where.size() - 2)));
    RETURN_IF_ERROR(CheckEndpoint(s.token_endpoint, "token_endpoint")
                        .WithContext(where.substr(0, where.size() - 2)));
    RETURN_IF_ERROR(
        CheckEndpoint(s.jwks_uri, "jwks_uri").WithContext(where.substr(0, where.size() - 2)));
  }
  if (!s.redirect_uri.empty()) {
    RETURN_IF_ERROR(CheckEndpoint(s.redirect_uri, "redirect_uri")
                        .WithContext(where.substr(0, where.size() - 2)));
  }
  if (std::find(s.scopes.begin(), s.scopes.end(), "openid") == s.scopes.end()) {
    return InvalidArgument(where + "'scopes' must include \"openid\"");
  }
  for (const std::string& scope : s.scopes) {
    if (scope.empty() || scope.size() > 64 ||
        scope.find_first_of(" \"\\\t\r\n") != std::string::npos) {
      return InvalidArgument(where + "bad scope " + Quote(scope));
    }
  }
  return Status();
}

Result<std::string> ReadClientSecretFile(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return NotFound("cannot read the client secret file " + path);
  if ((st.st_mode & 077) != 0) {
    return FailedPrecondition("the client secret file " + path +
                              " may be read by others: chmod 600 it");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot read the client secret file " + path);
  std::string secret(1025, '\0');
  in.read(secret.data(), static_cast<std::streamsize>(secret.size()));
  secret.resize(static_cast<size_t>(in.gcount()));
  if (secret.size() > 1024)
    return InvalidArgument("the client secret file " + path + " is over 1 KiB");
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  if (secret.empty()) return InvalidArgument("the client secret file " + path + " is empty");
  return secret;
}

Status CheckReturnPath(std::string_view path) {
  auto bad = [](std::string_view why) {
    return InvalidArgument("return_to must be a path on this hub such as /portal/search (" +
                           std::string(why) + ")");
  };
  if (path.size() > 512) return bad("too long");
  if (!path.starts_with("/")) return bad("it must start with '/'");
  if (path.starts_with("//")) return bad("\"//\" would lead to another host");
  if (path.find('\\') != std::string_view::npos) return bad("no backslashes");
  for (unsigned char ch : path) {
    if (ch <= ' ' || ch == 0x7f) return bad("no spaces or control characters");
  }
  return Status();
}

std::string FormUrlEncode(std::string_view text) {
  static const char* const kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char ch : text) {
    if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
        ch == '-' || ch == '.' || ch == '_' || ch == '~') {
      out += static_cast<char>(ch);
    } else {
      out += '%';
      out += kHex[ch >> 4];
      out += kHex[ch & 15];
    }
  }
  return out;
}

Result<std::unique_ptr<OidcRelyingParty>> OidcRelyingParty::Create(db::Database* db,
                                                                   audit::AuditLog* audit,
                                                                   ExternalIdpSettings settings,
                                                                   std::string client_secret,
                                                                   OidcHttp* http) {
  RETURN_IF_ERROR(CheckExternalIdpSettings(settings));
  if (client_secret.empty()) {
    return InvalidArgument("external IdP " + Quote(settings.id) + ": empty client secret");
  }
  return std::unique_ptr<OidcRelyingParty>(
      new OidcRelyingParty(db, audit, std::move(settings), std::move(client_secret), http));
}

Status OidcRelyingParty::Audit(std::string_view actor, std::string_view action,
                               std::string_view target, std::string_view outcome,
                               std::string_view address, json detail, Clock::time_point now) {
  if (audit_ == nullptr) return Status();
  return audit_
      ->Append(audit::Event{std::string(actor), std::string(action), std::string(target),
                            std::string(outcome), std::string(address), std::move(detail)},
               now)
      .status();
}

Status OidcRelyingParty::FetchJwks(const std::string& uri) {
  ASSIGN_OR_RETURN(const OidcHttpReply reply, http_->Get(uri));
  if (reply.status != 200) {
    return Unavailable("the identity provider's JWKS (" + uri + ") answered HTTP " +
                       std::to_string(reply.status));
  }
  Result<JwkSet> keys = JwkSet::Parse(reply.body);
  if (!keys.ok()) return keys.status().WithContext("the identity provider's JWKS");
  std::lock_guard<std::mutex> lock(mu_);
  jwks_ = std::make_shared<const JwkSet>(std::move(*keys));
  return Status();
}

Status OidcRelyingParty::Load() {
  Endpoints e{settings_.authorization_endpoint, settings_.token_endpoint, settings_.jwks_uri};
  if (e.jwks.empty()) {
    // OIDC Discovery 1.0 §4: <issuer>/.well-known/openid-configuration.
    const std::string url = settings_.issuer + "/.well-known/openid-configuration";
    ASSIGN_OR_RETURN(const OidcHttpReply reply, http_->Get(url));
    if (reply.status != 200) {
      return Unavailable("discovery at " + url + " answered HTTP " + std::to_string(reply.status));
    }
    ASSIGN_OR_RETURN(const json doc, ParseJsonObject(reply.body, "the discovery document"));
    // §4.3: the issuer in the document must be exactly the one we asked.
    if (StringClaim(doc, "issuer") != settings_.issuer) {
      return InvalidArgument("the discovery document names issuer " +
                             Quote(StringClaim(doc, "issuer")) + ", not " +
                             Quote(settings_.issuer));
    }
    for (auto [name, field] :
         {std::pair{"authorization_endpoint", &e.authorization},
          std::pair{"token_endpoint", &e.token}, std::pair{"jwks_uri", &e.jwks}}) {
      *field = StringClaim(doc, name);
      RETURN_IF_ERROR(CheckEndpoint(*field, name).WithContext("discovery document"));
    }
  }
  RETURN_IF_ERROR(FetchJwks(e.jwks));
  std::lock_guard<std::mutex> lock(mu_);
  endpoints_ = e;
  return Status();
}

Result<OidcRelyingParty::Endpoints> OidcRelyingParty::EnsureLoaded() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (endpoints_) return *endpoints_;
  }
  RETURN_IF_ERROR(Load());
  std::lock_guard<std::mutex> lock(mu_);
  return *endpoints_;
}

Result<ExternalSignInStart> OidcRelyingParty::Begin(std::string_view return_to,
                                                    std::string_view redirect_uri,
                                                    Clock::time_point now) {
  const std::string path = return_to.empty() ? std::string("/") : std::string(return_to);
  RETURN_IF_ERROR(CheckReturnPath(path));
  RETURN_IF_ERROR(CheckEndpoint(redirect_uri, "redirect_uri"));
  ASSIGN_OR_RETURN(const Endpoints e, EnsureLoaded());
  ExternalSignInStart start;
  start.state = RandomToken();
  const std::string nonce = RandomToken();
  const std::string verifier = GenerateCodeVerifier();
  ASSIGN_OR_RETURN(const std::string challenge, CodeChallengeS256(verifier));
  // Expired rows of any provider go first, so the table stays small.
  RETURN_IF_ERROR(
      db_->Exec("DELETE FROM external_signins WHERE expires_at <= $1", {audit::IsoTime(now)})
          .status());
  RETURN_IF_ERROR(db_->Exec("INSERT INTO external_signins (state_hash, idp, nonce, "
                            "code_verifier, redirect_uri, return_to, expires_at) VALUES "
                            "($1, $2, $3, $4, $5, $6, $7)",
                            {Hash(start.state), settings_.id, nonce, verifier,
                             std::string(redirect_uri), path, audit::IsoTime(now + kStateLifetime)})
                      .status());
  std::string scope;
  for (const std::string& s : settings_.scopes) scope += (scope.empty() ? "" : " ") + s;
  start.authorization_url =
      e.authorization + (e.authorization.find('?') == std::string::npos ? "?" : "&") +
      "response_type=code&client_id=" + FormUrlEncode(settings_.client_id) +
      "&redirect_uri=" + FormUrlEncode(redirect_uri) + "&scope=" + FormUrlEncode(scope) +
      "&state=" + start.state + "&nonce=" + nonce + "&code_challenge=" + challenge +
      "&code_challenge_method=S256";
  return start;
}

Result<json> OidcRelyingParty::VerifyIdToken(const std::string& token, Clock::time_point now) {
  JwtVerifyOptions options;
  options.issuer = settings_.issuer;
  options.audience = settings_.client_id;
  options.now = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  options.leeway_seconds = kLeewaySeconds;
  options.allowed_algorithms = {crypto::JwsAlgorithm::kRs256, crypto::JwsAlgorithm::kEs256};
  std::shared_ptr<const JwkSet> keys;
  bool may_refetch = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    keys = jwks_;
  }
  if (!keys) return Unavailable("the identity provider's keys are not loaded");
  Result<json> claims = VerifyJwt(token, *keys, options);
  // A kid we do not know: the provider may have rotated its keys. Fetch the JWKS once more
  // (not more often than kJwksRefetchInterval) and try again.
  if (!claims.ok() && claims.status().message().starts_with("JWT kid ")) {
    std::lock_guard<std::mutex> lock(mu_);
    const auto steady_now = std::chrono::steady_clock::now();
    may_refetch = !jwks_refetched_ || steady_now - *jwks_refetched_ >= kJwksRefetchInterval;
    if (may_refetch) jwks_refetched_ = steady_now;
  }
  if (may_refetch) {
    ASSIGN_OR_RETURN(const Endpoints e, EnsureLoaded());
    RETURN_IF_ERROR(FetchJwks(e.jwks));
    {
      std::lock_guard<std::mutex> lock(mu_);
      keys = jwks_;
    }
    claims = VerifyJwt(token, *keys, options);
  }
  if (!claims.ok()) return claims.status().WithContext("ID token refused");
  return claims;
}

Result<ExternalIdentity> OidcRelyingParty::FinishUnaudited(
    const std::multimap<std::string, std::string>& params, std::string_view browser_state,
    Clock::time_point now) {
  if (params.size() > kMaxParams) return InvalidArgument("too many parameters");
  for (const auto& [name, value] : params) {
    if (value.size() > kMaxParamBytes) return InvalidArgument("parameter '" + name + "' too long");
  }
  ASSIGN_OR_RETURN(const std::string state, Single(params, "state"));
  ASSIGN_OR_RETURN(const std::string code, Single(params, "code"));
  ASSIGN_OR_RETURN(const std::string error, Single(params, "error"));
  ASSIGN_OR_RETURN(const std::string error_description, Single(params, "error_description"));
  ASSIGN_OR_RETURN(const std::string iss, Single(params, "iss"));
  if (state.empty()) return InvalidArgument("the callback has no 'state'");
  // The state must be the one this browser was given at the start (RFC 9700 §2.1, §4.7): a
  // callback URL made by someone else cannot sign this browser in (login CSRF).
  if (browser_state.empty() || !crypto::ConstantTimeEquals(browser_state, state)) {
    return Unauthenticated(
        "this sign-in was not started in this browser (state does not match "
        "the sign-in cookie); start again");
  }
  // One-time: the row is deleted by the statement that reads it.
  ASSIGN_OR_RETURN(const std::vector<db::Row> rows,
                   db_->Query("DELETE FROM external_signins WHERE state_hash = $1 AND idp = $2 "
                              "RETURNING nonce, code_verifier, redirect_uri, return_to, "
                              "expires_at",
                              {Hash(state), settings_.id}));
  if (rows.empty()) {
    return Unauthenticated("unknown or already used sign-in state; start the sign-in again");
  }
  const std::string nonce = rows[0].Text(0), verifier = rows[0].Text(1),
                    redirect_uri = rows[0].Text(2), return_to = rows[0].Text(3);
  if (rows[0].Text(4) <= audit::IsoTime(now)) {
    return Unauthenticated("the sign-in took longer than " +
                           std::to_string(kStateLifetime.count()) + " minutes; start again");
  }
  // RFC 9207 / RFC 9700 §4.4.2: a provider that names itself must be the one we sent the
  // user to (mix-up attacks).
  if (!iss.empty() && iss != settings_.issuer) {
    return Unauthenticated("the callback comes from issuer " + Quote(iss) + ", not " +
                           Quote(settings_.issuer));
  }
  if (!error.empty()) {
    return Unauthenticated(
        "the identity provider refused: " + error.substr(0, 64) +
        (error_description.empty() ? "" : " (" + error_description.substr(0, 200) + ")"));
  }
  if (code.empty()) return InvalidArgument("the callback has no 'code'");
  ASSIGN_OR_RETURN(const Endpoints e, EnsureLoaded());
  // Token request, client_secret_basic (Core §9; RFC 6749 §2.3.1: id and secret form-encoded
  // before base64).
  ASSIGN_OR_RETURN(const OidcHttpReply reply, http_->PostForm(e.token,
                                                              {{"grant_type", "authorization_code"},
                                                               {"code", code},
                                                               {"redirect_uri", redirect_uri},
                                                               {"code_verifier", verifier}},
                                                              FormUrlEncode(settings_.client_id),
                                                              FormUrlEncode(client_secret_)));
  Result<json> body = ParseJsonObject(reply.body, "the token endpoint's answer");
  if (reply.status != 200) {
    const std::string oauth_error = body.ok() ? StringClaim(*body, "error") : "";
    return Unauthenticated("the identity provider's token endpoint refused the code (HTTP " +
                           std::to_string(reply.status) +
                           (oauth_error.empty() ? "" : ", " + oauth_error.substr(0, 64)) + ")");
  }
  if (!body.ok()) return Unauthenticated(body.status().message());
  const std::string id_token = StringClaim(*body, "id_token");
  if (id_token.empty()) return Unauthenticated("the token endpoint answered no id_token");
  ASSIGN_OR_RETURN(const json claims, VerifyIdToken(id_token, now));

  // Core §3.1.3.7 items 4-5: with several audiences, azp must be present; azp, if present,
  // must be our client_id.
  const json& aud = claims.contains("aud") ? claims["aud"] : json();
  if (aud.is_array() && aud.size() > 1 && !claims.contains("azp")) {
    return Unauthenticated("ID token refused: several audiences and no azp");
  }
  if (claims.contains("azp") && claims["azp"] != settings_.client_id) {
    return Unauthenticated("ID token refused: azp is not this hub's client_id");
  }
  // Item 10: iat required, and not too old.
  if (!claims.contains("iat") || !claims["iat"].is_number()) {
    return Unauthenticated("ID token refused: no iat");
  }
  const int64_t now_s =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  const int64_t max_age =
      std::chrono::duration_cast<std::chrono::seconds>(kMaxIdTokenAge).count() + kLeewaySeconds;
  if (now_s - claims["iat"].get<int64_t>() > max_age) {
    return Unauthenticated("ID token refused: issued too long ago (iat)");
  }
  // Item 11: the nonce we sent.
  const std::string token_nonce = StringClaim(claims, "nonce");
  if (token_nonce.empty() || !crypto::ConstantTimeEquals(token_nonce, nonce)) {
    return Unauthenticated("ID token refused: nonce does not match this sign-in");
  }
  // §3.1.3.8: at_hash, when present, binds the access token to the ID token.
  const std::string at_hash = StringClaim(claims, "at_hash");
  if (!at_hash.empty()) {
    const std::string digest = crypto::Sha256(StringClaim(*body, "access_token"));
    if (at_hash != crypto::Base64UrlEncode(digest.substr(0, digest.size() / 2))) {
      return Unauthenticated("ID token refused: at_hash does not match the access token");
    }
  }
  ExternalIdentity who;
  who.idp = settings_.id;
  who.issuer = settings_.issuer;
  who.subject = StringClaim(claims, "sub");
  // Core §2: sub is at most 255 ASCII characters.
  if (who.subject.empty() || who.subject.size() > 255 ||
      std::any_of(who.subject.begin(), who.subject.end(),
                  [](char ch) { return static_cast<unsigned char>(ch) > 0x7e || ch < ' '; })) {
    return Unauthenticated("ID token refused: no valid sub");
  }
  who.email = StringClaim(claims, "email");
  who.email_verified = claims.contains("email_verified") && claims["email_verified"] == true;
  who.name = StringClaim(claims, "name");
  if (claims.contains("amr") && claims["amr"].is_array()) {
    for (const json& m : claims["amr"]) {
      if (m.is_string()) who.amr.push_back(m.get<std::string>());
    }
  }
  who.return_to = return_to;
  return who;
}

Result<ExternalIdentity> OidcRelyingParty::Finish(
    const std::multimap<std::string, std::string>& params, std::string_view browser_state,
    Clock::time_point now, std::string_view address) {
  Result<ExternalIdentity> who = FinishUnaudited(params, browser_state, now);
  if (!who.ok()) {
    const bool failed = who.status().code() == StatusCode::kUnavailable ||
                        who.status().code() == StatusCode::kInternal;
    RETURN_IF_ERROR(Audit("anonymous", "auth.external_sign_in_failed", "idp:" + settings_.id,
                          failed ? "failed" : "denied", address,
                          {{"reason", who.status().message()}}, now));
  }
  return who;
}

Result<ExternalAccount> OidcRelyingParty::ResolveAccount(Accounts& accounts,
                                                         const ExternalIdentity& who,
                                                         Clock::time_point now,
                                                         std::string_view address) {
  const std::string target = "idp:" + who.idp;
  auto refuse = [&](Status why, std::string_view reason) -> Status {
    RETURN_IF_ERROR(Audit("anonymous", "auth.external_sign_in_failed", target, "denied", address,
                          {{"reason", reason}, {"subject", who.subject}}, now));
    return why;
  };
  ASSIGN_OR_RETURN(const std::vector<db::Row> linked,
                   db_->Query("SELECT user_id FROM external_identities WHERE idp = $1 AND "
                              "subject = $2",
                              {who.idp, who.subject}));
  if (!linked.empty()) {
    ASSIGN_OR_RETURN(User u, accounts.GetUser(linked[0].Int(0)));
    return ExternalAccount{std::move(u), ExternalAccount::How::kLinked};
  }
  if (who.email.empty()) {
    return refuse(PermissionDenied("the identity provider gave no email address; the hub needs "
                                   "one to make an account"),
                  "no email");
  }
  auto link = [&](int64_t user_id, std::string_view how) -> Status {
    RETURN_IF_ERROR(db_->Exec("INSERT INTO external_identities (idp, subject, user_id, issuer, "
                              "created_at) VALUES ($1, $2, $3, $4, $5)",
                              {who.idp, who.subject, user_id, who.issuer, audit::IsoTime(now)})
                        .status());
    const std::string user = "user:" + std::to_string(user_id);
    return Audit(user, "auth.external_link", user, "ok", address,
                 {{"idp", who.idp}, {"subject", who.subject}, {"how", how}}, now);
  };
  Result<User> existing = accounts.FindByEmail(who.email);
  if (existing.ok()) {
    if (!settings_.link_by_verified_email || !who.email_verified) {
      return refuse(FailedPrecondition("an account with this email already exists on the hub; "
                                       "sign in with its password instead (this identity "
                                       "provider is not trusted to link accounts by email)"),
                    "email belongs to an existing account");
    }
    RETURN_IF_ERROR(link(existing->id, "verified email"));
    return ExternalAccount{std::move(*existing), ExternalAccount::How::kLinkedByEmail};
  }
  if (existing.status().code() != StatusCode::kNotFound) return existing.status();
  if (!who.email_verified && !settings_.assume_email_verified) {
    return refuse(PermissionDenied("the identity provider did not assert that the email "
                                   "address is verified (email_verified)"),
                  "email not verified");
  }
  if (!settings_.create_accounts) {
    return refuse(PermissionDenied("this identity provider signs in existing accounts only; "
                                   "ask the hub's operator for an account"),
                  "account creation is off");
  }
  NewUser n;
  n.email = who.email;
  n.display_name = who.name.empty() ? who.email.substr(0, who.email.find('@')) : who.name;
  if (n.display_name.size() > 200) n.display_name.resize(200);
  n.institution = settings_.display_name.substr(0, 200);
  // The account has no usable password: a random one nobody is told (sign-in is through the
  // provider; a password can be set later by whatever reset the hub offers).
  n.password = crypto::HexEncode(crypto::RandomBytes(32));
  ASSIGN_OR_RETURN(User u, accounts.CreateUser(n, "oidc:" + who.idp, now));
  RETURN_IF_ERROR(link(u.id, "created"));
  return ExternalAccount{std::move(u), ExternalAccount::How::kCreated};
}

Result<std::string> OidcRelyingParty::HoldForSecondFactor(int64_t user_id,
                                                          std::string_view return_to,
                                                          Clock::time_point now) {
  const std::string ticket = RandomToken();
  RETURN_IF_ERROR(
      db_->Exec("DELETE FROM external_second_factors WHERE expires_at <= $1", {audit::IsoTime(now)})
          .status());
  RETURN_IF_ERROR(db_->Exec("INSERT INTO external_second_factors (ticket_hash, user_id, idp, "
                            "return_to, expires_at) VALUES ($1, $2, $3, $4, $5)",
                            {Hash(ticket), user_id, settings_.id, std::string(return_to),
                             audit::IsoTime(now + kSecondFactorLifetime)})
                      .status());
  return ticket;
}

Result<OidcRelyingParty::HeldSignIn> OidcRelyingParty::TakeSecondFactorTicket(
    db::Database& db, std::string_view ticket, Clock::time_point now) {
  if (ticket.empty() || ticket.size() > 128) {
    return Unauthenticated("no sign-in is waiting for a second factor in this browser");
  }
  ASSIGN_OR_RETURN(const std::vector<db::Row> rows,
                   db.Query("DELETE FROM external_second_factors WHERE ticket_hash = $1 "
                            "RETURNING user_id, idp, return_to, expires_at",
                            {Hash(ticket)}));
  if (rows.empty() || rows[0].Text(3) <= audit::IsoTime(now)) {
    return Unauthenticated(
        "no sign-in is waiting for a second factor in this browser (or it expired); "
        "sign in with the identity provider again");
  }
  return HeldSignIn{rows[0].Int(0), rows[0].Text(1), rows[0].Text(2)};
}

}  // namespace renkei::identity
