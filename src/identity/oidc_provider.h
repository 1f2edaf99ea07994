// The hub as an OpenID Connect provider (issue 4): discovery document, JWKS, the
// authorization-code flow with PKCE, RS256-signed ID tokens, UserInfo, and OAuth clients
// registered by an administrator. Service logic without HTTP: each endpoint is one call that
// takes the request's parameters (as cpp-httplib parses them: a multimap, so repeated parameters
// can be refused) and returns what to send; the route only copies it onto the wire.
//
// Specifications followed: OpenID Connect Core 1.0 §3.1 (authorization-code flow), §5.3
// (UserInfo); OpenID Connect Discovery 1.0 §3; RFC 6749 §4.1 and §5 (OAuth 2.0); RFC 7636 (PKCE,
// S256 required from every client, confidential ones too, as the OAuth 2.0 Security BCP RFC 9700
// §2.1.1 recommends); RFC 6750 §3 (bearer-token errors); RFC 8176 (amr values).
//
// What is stored (tables of kOidcSchemaSql): clients with the SHA-256 of their secret;
// authorization codes and access tokens only as their SHA-256; codes live kCodeLifetime and are
// single-use — a second redemption is refused and revokes the access tokens issued from the
// code (RFC 6749 §4.1.2). Secrets (client secrets, codes, tokens, verifiers) never reach the
// audit log, error messages or logs. Every registration, authorization, token issue and every
// refusal is audited (actions "oidc.*").
//
// Thread-safety: an OidcProvider may be used from many threads at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "audit/audit_log.h"
#include "common/status.h"
#include "crypto/openssl.h"
#include "db/database.h"
#include "identity/accounts.h"
#include "identity/jwt.h"

namespace renkei::identity {

// The tables (clients, codes, access tokens) as one migration's SQL (hub migration 4). Needs the
// users table of kSchemaSql (migration 2).
extern const char* const kOidcSchemaSql;

// Request parameters, query or form, as the HTTP layer decoded them (cpp-httplib's Params).
using OidcParams = std::multimap<std::string, std::string>;

// Limits on untrusted input: longer or more parameters are refused as invalid_request.
inline constexpr size_t kOidcMaxParams = 32;
inline constexpr size_t kOidcMaxParamNameBytes = 64;
inline constexpr size_t kOidcMaxParamBytes = 2048;  // any one value (state, nonce, uri, ...)
inline constexpr size_t kOidcMaxRedirectUris = 10;

enum class OidcClientType {
  kConfidential,  // a server-side application holding a client secret
  kPublic,        // a native or browser application: no secret, PKCE only
};

struct OidcClient {
  std::string client_id;  // "rk_client_<32 hex>"
  std::string name;
  std::vector<std::string> redirect_uris;  // compared exactly (OIDC Core §3.1.2.1)
  OidcClientType type = OidcClientType::kConfidential;
  bool disabled = false;
  std::string created_at;  // ISO 8601 UTC
  std::string created_by;  // the administrator's user id
};

struct NewOidcClient {
  std::string name;                        // 1..200 bytes
  std::vector<std::string> redirect_uris;  // 1..kOidcMaxRedirectUris, see RegisterClient
  OidcClientType type = OidcClientType::kConfidential;
};

struct RegisteredOidcClient {
  OidcClient client;
  // Confidential clients only: "rk_cs_<43 base64url chars>", shown this once; only its SHA-256
  // is stored. Empty for public clients.
  std::string client_secret;
};

// What the authorization endpoint answers.
struct AuthorizeResponse {
  enum class Kind {
    kShowError,    // show `error_message` to the user with `http_status`; NEVER redirect (the
                   // client or redirect_uri is not trustworthy, RFC 6749 §4.1.2.1)
    kRedirect,     // 302 to `redirect_url` (code and state, or error, error_description, state)
    kNeedsSignIn,  // no (fresh enough) sign-in: send the user to sign in, then back to the same
                   // authorization request
  };
  Kind kind = Kind::kShowError;
  int http_status = 400;      // kShowError: 400 (or 403 for a disabled client)
  std::string error_message;  // kShowError: plain text for the user
  std::string redirect_url;   // kRedirect
  std::string error;          // kRedirect with an error: the OAuth error code, else empty
};

// What the token and UserInfo endpoints answer: `body` as JSON with `http_status` and `headers`
// (always "Cache-Control: no-store" and "Pragma: no-cache" at the token endpoint, RFC 6749 §5.1;
// "WWW-Authenticate" with 401 answers).
struct OidcJsonResponse {
  int http_status = 200;
  nlohmann::json body = nlohmann::json::object();
  std::vector<std::pair<std::string, std::string>> headers;
};

// Client credentials from an "Authorization: Basic" header, already base64-decoded and split at
// the first ':' and percent-decoded (RFC 6749 §2.3.1) by the HTTP layer.
struct BasicCredentials {
  std::string client_id;
  std::string client_secret;
};

struct OidcProviderOptions {
  // The issuer identifier (OIDC Discovery §2): an https URL, or http on 127.0.0.1, [::1] or
  // localhost; no query or fragment; a trailing '/' is removed. Endpoints live beneath it.
  std::string issuer;
  // The RS256 signing key's PEM file: loaded if it exists (must be mode 0600 or 0400), else
  // generated (2048 bits) and saved there with mode 0600.
  std::string signing_key_path;
};

class OidcProvider {
 public:
  static constexpr std::chrono::seconds kCodeLifetime{60};
  static constexpr std::chrono::minutes kIdTokenLifetime{5};
  static constexpr std::chrono::hours kAccessTokenLifetime{1};

  // Builds the provider. `db` (migrated through kOidcSchemaSql) and `audit` must outlive it;
  // `audit` may be null only in tests. Errors: InvalidArgument for a bad issuer or an empty key
  // path; the key file's errors (RsaSigningKey::LoadPemFile: FailedPrecondition for a key
  // readable by others, InvalidArgument for one that does not parse; Internal if it cannot be
  // written).
  static Result<std::unique_ptr<OidcProvider>> Create(db::Database* db, audit::AuditLog* audit,
                                                      const OidcProviderOptions& options);

  const std::string& issuer() const { return issuer_; }

  // --- administration ---

  // Registers a client. `admin` must hold platform_admin (PermissionDenied otherwise).
  // InvalidArgument for a name outside 1..200 bytes, no or more than kOidcMaxRedirectUris
  // redirect URIs, duplicates, or a URI that is not absolute https (or http on 127.0.0.1, [::1]
  // or localhost), has a fragment, user info, whitespace or control characters, or is longer
  // than kOidcMaxParamBytes. Audited "oidc.client_register" (the secret is not).
  Result<RegisteredOidcClient> RegisterClient(const NewOidcClient& client, const Principal& admin,
                                              Clock::time_point now);
  // Every client, oldest first (no secrets: none are kept).
  Result<std::vector<OidcClient>> ListClients();
  // Disables a client: its codes and access tokens stop working at once. PermissionDenied
  // without platform_admin; NotFound for an unknown client_id. Audited "oidc.client_disable".
  Status DisableClient(std::string_view client_id, const Principal& admin, Clock::time_point now);

  // --- public endpoints ---

  // The OpenID Provider Configuration document (OIDC Discovery §3) for GET
  // <issuer>/.well-known/openid-configuration; endpoints <issuer>/oidc/authorize, /oidc/token,
  // /oidc/userinfo, /oidc/jwks. Never fails.
  nlohmann::json Discovery() const;

  // The JWK Set document {"keys": [<the signing key's public half>]} for GET /oidc/jwks.
  nlohmann::json Jwks() const;

  // GET /oidc/authorize. `signed_in` is the browser session's principal, or null if there is
  // none (a principal that did not come from a session — an API token — counts as none).
  // Returns, checking in this order:
  //   kShowError   — too many or oversized or repeated parameters; client_id missing, unknown
  //                  (400) or disabled (403); redirect_uri missing or not registered for it;
  //   kRedirect with error= (and state= when given):
  //                  invalid_request (response_type missing; code_challenge missing or
  //                  malformed; code_challenge_method not S256; response_mode other than query;
  //                  bad max_age or prompt), unsupported_response_type (not "code"),
  //                  invalid_scope (no "openid", or a scope outside scopes_supported),
  //                  request_not_supported / request_uri_not_supported /
  //                  registration_not_supported, login_required (prompt=none and no fresh
  //                  sign-in), access_denied (the account must enrol a second factor first);
  //   kNeedsSignIn — no principal, or the sign-in is older than max_age;
  //   kRedirect with code= and state= — a code valid kCodeLifetime, bound to the client, user,
  //                  redirect_uri, code_challenge, nonce, scope and auth_time.
  // Non-OK Result only when the database fails. Every outcome but kNeedsSignIn is audited.
  Result<AuthorizeResponse> Authorize(const OidcParams& params, const Principal* signed_in,
                                      Clock::time_point now, std::string_view address = {});

  // POST /oidc/token (form parameters; `basic` if an Authorization: Basic header came). Success:
  // 200 {access_token, token_type "Bearer", expires_in, id_token, scope}. Errors (RFC 6749 §5.2,
  // body {error, error_description}):
  //   400 invalid_request         too many/oversized/repeated parameters, code, redirect_uri or
  //                               code_verifier missing, a malformed verifier, credentials sent
  //                               both ways or client_ids that disagree;
  //   400 unsupported_grant_type  grant_type other than authorization_code;
  //   401 invalid_client          unknown or disabled client, a confidential client without or
  //                               with a wrong secret (compared in constant time), a public
  //                               client sending a secret; with WWW-Authenticate: Basic;
  //   400 invalid_grant           a code unknown, expired, already used (its access tokens are
  //                               then revoked), issued to another client or for another
  //                               redirect_uri; a code_verifier that does not match; a disabled
  //                               account.
  // ID token claims: iss, sub (user id in decimal), aud (client_id), exp (iat + 5 min), iat,
  // auth_time, amr (["pwd"] or ["pwd","otp"]), at_hash, nonce if the request had one, email with
  // scope "email", name with scope "profile" (no email_verified: accounts do not verify email).
  // Non-OK Result only when the database or signing fails. Every outcome is audited.
  Result<OidcJsonResponse> Token(const OidcParams& form, const BasicCredentials* basic,
                                 Clock::time_point now, std::string_view address = {});

  // GET/POST /oidc/userinfo with the bearer `access_token` (from "Authorization: Bearer ...").
  // 200 {sub, email (scope email), name (scope profile)}; 401 with
  // WWW-Authenticate: Bearer error="invalid_token" for an unknown, expired or revoked token, a
  // disabled client or account; 401 with a bare "WWW-Authenticate: Bearer" and an empty body
  // when no token was sent (RFC 6750 §3.1). Refusals are audited. Non-OK Result only when the
  // database fails.
  Result<OidcJsonResponse> UserInfo(std::string_view access_token, Clock::time_point now,
                                    std::string_view address = {});

 private:
  OidcProvider(db::Database* db, audit::AuditLog* audit, std::string issuer,
               crypto::RsaSigningKey key, JwkSet jwks)
      : db_(db),
        audit_(audit),
        issuer_(std::move(issuer)),
        key_(std::move(key)),
        jwks_(std::move(jwks)) {}

  Status Audit(std::string_view actor, std::string_view action, std::string_view target,
               std::string_view outcome, std::string_view address, nlohmann::json detail,
               Clock::time_point now);

  db::Database* db_;
  audit::AuditLog* audit_;
  std::string issuer_;
  crypto::RsaSigningKey key_;
  JwkSet jwks_;
};

}  // namespace renkei::identity
