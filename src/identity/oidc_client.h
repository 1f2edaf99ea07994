// The hub as an OpenID Connect relying party (issue 4: "The hub can also accept sign-in from an
// external OIDC identity provider (e.g. a university federation) by configuration"): the
// authorization-code flow of OpenID Connect Core 1.0 §3.1 against an external provider, and the
// matching of its users to hub accounts. Service logic without HTTP: the route (api/
// hub_external_idp.cc) copies what these calls return onto the wire, and the HTTP calls to the
// provider go through the small OidcHttp interface (cpp-httplib in the hub, a fake in tests).
//
// Specifications followed:
// - OIDC Core 1.0 §3.1.2.1 (authentication request: response_type=code, scope with openid,
//   state, nonce), §3.1.2.5–7 (the callback), §3.1.3.1–5 (token request; client_secret_basic,
//   §9 and RFC 6749 §2.3.1), §3.1.3.7 (ID token validation: iss, aud, azp, signature with the
//   provider's JWKS and RS256/ES256 only, exp, iat, nonce), §3.1.3.8 (at_hash, checked when
//   present); OIDC Discovery 1.0 §4 (the configuration document, whose issuer must equal the
//   configured one, §4.3).
// - RFC 9700 (OAuth 2.0 Security BCP): PKCE S256 on every request (§2.1.1); state bound to the
//   browser that started the flow, one-time and short-lived, against CSRF and login CSRF
//   (§2.1, §4.7); an "iss" parameter in the callback (RFC 9207) must equal the issuer, against
//   mix-up (§4.4); no open redirect after sign-in (§4.11): the return path is a local path only.
//
// What is stored (kExternalIdpSchemaSql): pending sign-ins keyed by SHA-256(state), holding the
// nonce, the PKCE verifier, the return path and the redirect URI, deleted on first use; pending
// second factors keyed by SHA-256(ticket); and links (idp, subject) → user id, unique. Secrets
// (client secret, code, tokens, verifier, state) never reach logs, the audit log or messages.
//
// Thread-safety: an OidcRelyingParty may be used from many threads at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "audit/audit_log.h"
#include "common/status.h"
#include "db/database.h"
#include "identity/accounts.h"
#include "identity/jwt.h"

namespace renkei::identity {

// Pending sign-ins, pending second factors and external identity links, as one migration's SQL.
// Needs the users table of kSchemaSql.
extern const char* const kExternalIdpSchemaSql;

// One external identity provider, as configured (api/config.h, "external_idps").
struct ExternalIdpSettings {
  std::string id;            // [a-z0-9_-]{1,32}: "gakunin"; appears in the hub's URLs
  std::string display_name;  // for the sign-in page: "GakuNin (学認)"
  std::string issuer;        // the provider's issuer identifier, compared exactly
  std::string client_id;
  std::string client_secret_file;  // a file holding only the secret (mode 0600 or 0400)
  std::vector<std::string> scopes = {"openid", "email", "profile"};
  // Explicit endpoints; when all three are empty they come from discovery
  // (<issuer>/.well-known/openid-configuration).
  std::string authorization_endpoint, token_endpoint, jwks_uri;
  // The redirect URI registered at the provider; "" = <hub base URL>/v1/auth/idps/<id>/callback.
  std::string redirect_uri;
  // A first sign-in with a verified email and no account of that email makes a researcher
  // account.
  bool create_accounts = true;
  // A first sign-in whose verified email belongs to an existing account links to it. Off by
  // default: whoever controls the provider (or one of a federation's many member IdPs) could
  // assert any address and so take over an existing account, administrators' included.
  bool link_by_verified_email = false;
  // Treat "email" as verified when the provider omits "email_verified" (a university IdP that
  // asserts its own directory's addresses). Used for creating accounts only, never for linking.
  bool assume_email_verified = false;
};

// OK if `s` is complete: id pattern, non-empty display name, issuer and client_id, an https
// issuer and endpoints (http only on 127.0.0.1, [::1] or localhost), all three endpoints or none,
// scopes including "openid". InvalidArgument naming the field otherwise.
Status CheckExternalIdpSettings(const ExternalIdpSettings& s);

// The client secret from `path` (trailing newline removed). NotFound if it cannot be read;
// FailedPrecondition if group or others may read it; InvalidArgument if it is empty or longer
// than 1 KiB. The secret is never put in a message.
Result<std::string> ReadClientSecretFile(const std::string& path);

// OK if `path` is a local path to return to after sign-in: starts with one '/', not "//" or
// "/\" (a protocol-relative URL to another host), no backslash, no control characters or
// spaces, at most 512 bytes. InvalidArgument ("return_to must be a path on this hub ...")
// otherwise: this is what keeps the flow from being an open redirect.
Status CheckReturnPath(std::string_view path);

// What the relying party needs from HTTP. Implementations must not follow redirects and must
// bound the body size and the time taken.
struct OidcHttpReply {
  int status = 0;
  std::string body;
};
class OidcHttp {
 public:
  virtual ~OidcHttp() = default;
  // GET `url`. Unavailable when the server cannot be reached or answers too much or too slowly.
  virtual Result<OidcHttpReply> Get(const std::string& url) = 0;
  // POST `form` (application/x-www-form-urlencoded) to `url` with "Authorization: Basic
  // base64(user:password)" — the caller has already form-urlencoded user and password as RFC
  // 6749 §2.3.1 asks. Errors as Get.
  virtual Result<OidcHttpReply> PostForm(
      const std::string& url, const std::vector<std::pair<std::string, std::string>>& form,
      const std::string& basic_user, const std::string& basic_password) = 0;
};

// application/x-www-form-urlencoded / RFC 3986 percent-encoding: unreserved characters as they
// are, every other byte as %XX.
std::string FormUrlEncode(std::string_view text);

// Where a browser goes to sign in, and the value the hub binds to that browser (a cookie).
struct ExternalSignInStart {
  std::string authorization_url;
  std::string state;  // secret to the browser: the cookie's value; never logged
};

// The user the provider vouches for, after every check.
struct ExternalIdentity {
  std::string idp;      // our id for the provider
  std::string issuer;   // its issuer
  std::string subject;  // "sub": stable and unique within the issuer (Core §2)
  std::string email;    // "" if not given
  bool email_verified = false;
  std::string name;  // "" if not given
  std::vector<std::string> amr;
  std::string return_to;  // the local path the sign-in started from
};

// How an external identity became a hub account.
struct ExternalAccount {
  User user;
  enum class How { kLinked, kCreated, kLinkedByEmail } how = How::kLinked;
};

class OidcRelyingParty {
 public:
  static constexpr std::chrono::minutes kStateLifetime{10};
  static constexpr std::chrono::minutes kSecondFactorLifetime{5};
  // An ID token issued longer ago than this is refused (Core §3.1.3.7 item 10: iat "can be
  // used to reject tokens that were issued too far away from the current time").
  static constexpr std::chrono::minutes kMaxIdTokenAge{10};
  static constexpr int64_t kLeewaySeconds = 60;
  // Unknown key ids refetch the JWKS, at most once per this interval (a provider rotating its
  // keys is followed at once; a stream of forged kids does not become a stream of fetches).
  static constexpr std::chrono::seconds kJwksRefetchInterval{30};

  // Builds the relying party for `settings` (CheckExternalIdpSettings) with its client secret
  // `db` (migrated with kExternalIdpSchemaSql), `audit` (may be null only in tests) and `http`
  // must outlive it. Does no network I/O. InvalidArgument for bad settings or an empty secret.
  static Result<std::unique_ptr<OidcRelyingParty>> Create(db::Database* db, audit::AuditLog* audit,
                                                          ExternalIdpSettings settings,
                                                          std::string client_secret,
                                                          OidcHttp* http);

  const ExternalIdpSettings& settings() const { return settings_; }

  // Loads the provider's endpoints (discovery unless configured) and its JWKS. Called at start;
  // Begin and Finish call it again while it has not succeeded. Unavailable if the provider
  // cannot be reached or answers other than 200; InvalidArgument for a document that is not
  // JSON, lacks an endpoint, or names another issuer (Discovery §4.3); JwkSet's errors.
  Status Load();

  // Starts a sign-in returning to `return_to` ("" = "/"): a fresh state, nonce and PKCE
  // verifier (each 32 random bytes) stored with `redirect_uri` (the hub's callback URL as
  // registered at the provider) for kStateLifetime, and the authorization URL.
  // InvalidArgument from CheckReturnPath or for a redirect URI that is not an https (or
  // loopback http) URL; Load's errors.
  Result<ExternalSignInStart> Begin(std::string_view return_to, std::string_view redirect_uri,
                                    Clock::time_point now);

  // Completes a sign-in from the callback's query parameters and the browser's state cookie
  // (`browser_state`). Consumes the pending sign-in (a state works once), exchanges the code
  // and validates the ID token. Errors, each with its own message:
  //   InvalidArgument  — repeated or oversized parameters, state or code missing;
  //   Unauthenticated  — the provider answered error=… ("the identity provider refused: …");
  //                      the state is not this browser's, unknown, already used, or expired;
  //                      an "iss" parameter that is not the issuer; the token endpoint refused
  //                      the code or answered no id_token; an ID token from another issuer,
  //                      for another audience, with a wrong azp, no or a wrong nonce, expired,
  //                      issued in the future or more than kMaxIdTokenAge ago, signed with a key
  //                      not in the provider's JWKS (refetched once for an unknown kid) or an
  //                      algorithm other than RS256/ES256, a wrong at_hash, or no valid sub;
  //   Unavailable      — the provider cannot be reached.
  // Every failure is audited ("auth.external_sign_in_failed", with the reason, no secrets).
  Result<ExternalIdentity> Finish(const std::multimap<std::string, std::string>& params,
                                  std::string_view browser_state, Clock::time_point now,
                                  std::string_view address = {});

  // The hub account of `who`: its (idp, sub) link; else, with a verified email (the
  // email_verified claim, or assume_email_verified for creating), an existing account of that
  // email when link_by_verified_email (else FailedPrecondition "an account with this email
  // exists ...") or a new researcher account when create_accounts (else PermissionDenied).
  // PermissionDenied when a new identity has no verified email. Creations and links are
  // audited ("user.create", "auth.external_link").
  Result<ExternalAccount> ResolveAccount(Accounts& accounts, const ExternalIdentity& who,
                                         Clock::time_point now, std::string_view address = {});

  // The second-factor step for an account with TOTP: stores (user, this provider, return
  // path) under a fresh random ticket for kSecondFactorLifetime and returns the ticket (for a
  // cookie; never logged).
  Result<std::string> HoldForSecondFactor(int64_t user_id, std::string_view return_to,
                                          Clock::time_point now);
  struct HeldSignIn {
    int64_t user_id = 0;
    std::string idp, return_to;
  };
  // Consumes a ticket (it works once, whatever the code then given). Unauthenticated for an
  // unknown, used or expired ticket.
  static Result<HeldSignIn> TakeSecondFactorTicket(db::Database& db, std::string_view ticket,
                                                   Clock::time_point now);

 private:
  OidcRelyingParty(db::Database* db, audit::AuditLog* audit, ExternalIdpSettings settings,
                   std::string client_secret, OidcHttp* http)
      : db_(db),
        audit_(audit),
        settings_(std::move(settings)),
        client_secret_(std::move(client_secret)),
        http_(http) {}

  struct Endpoints {
    std::string authorization, token, jwks;
  };
  Result<Endpoints> EnsureLoaded();
  Status FetchJwks(const std::string& uri);
  Result<nlohmann::json> VerifyIdToken(const std::string& token, Clock::time_point now);
  Result<ExternalIdentity> FinishUnaudited(const std::multimap<std::string, std::string>& params,
                                           std::string_view browser_state, Clock::time_point now);
  Status Audit(std::string_view actor, std::string_view action, std::string_view target,
               std::string_view outcome, std::string_view address, nlohmann::json detail,
               Clock::time_point now);

  db::Database* db_;
  audit::AuditLog* audit_;
  ExternalIdpSettings settings_;
  std::string client_secret_;  // never logged
  OidcHttp* http_;

  std::mutex mu_;  // guards what follows
  std::optional<Endpoints> endpoints_;
  std::shared_ptr<const JwkSet> jwks_;
  // When an unknown kid last made us refetch the JWKS (none yet: the first refetch is free).
  std::optional<std::chrono::steady_clock::time_point> jwks_refetched_;
};

}  // namespace renkei::identity
