// Accounts, roles, sign-in, sessions and API tokens of the hub (issue 4, "Accounts and
// sign-in"), stored in the hub database.
//
// - Passwords: Argon2id (identity/password.h); unknown accounts cost the same work.
// - Second factor: TOTP (identity/totp.h), required at sign-in once enrolled, and required to
//   be enrolled by anyone holding an administrative role (kNeedsMfaEnrolment until then);
//   one-time recovery codes stand in for a lost authenticator.
// - Lockout: kMaxFailures failed sign-ins in a row lock the account for kLockout; an address
//   with kMaxAddressFailures failures within kLockout is refused for the rest of that window.
//   Every sign-in, failure and lockout is audited.
// - Sessions: a random token (the browser's HttpOnly cookie) and a CSRF token; only their
//   SHA-256 is stored. Idle sessions end after an hour, any session after 12 hours.
// - API tokens: "rk_tok_<random>", shown once, stored as SHA-256, scoped, revocable, expiring.
//
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/audit_log.h"
#include "common/status.h"
#include "db/database.h"

namespace renkei::identity {

using Clock = std::chrono::system_clock;

// The roles of DESIGN.md. A site administrator's role names the site ("site_admin:tohoku").
inline constexpr const char* kRoles[] = {"researcher", "secretariat", "reviewer", "site_admin",
                                         "platform_admin"};

struct RoleGrant {
  std::string role;
  std::string site;  // only for site_admin
  std::string ToString() const { return site.empty() ? role : role + ":" + site; }
  bool operator==(const RoleGrant&) const = default;
};

// "researcher", "site_admin:tohoku", … InvalidArgument naming the roles for anything else.
Result<RoleGrant> ParseRole(std::string_view text);

struct NewUser {
  std::string email;              // unique, case-insensitive; the sign-in name
  std::string display_name;       // 1..200 bytes
  std::string institution;        // 0..200 bytes
  std::string kind = "academic";  // "academic" or "company"
  std::string password;
};

struct User {
  int64_t id = 0;
  std::string email, display_name, institution, kind;
  std::vector<RoleGrant> roles;
  bool totp_enabled = false;
  bool disabled = false;
  std::string created_at;
  // Administrative roles need a second factor.
  bool NeedsMfa() const;
  bool Has(std::string_view role, std::string_view site = {}) const;
};

// Who is calling, once a session or token has been checked.
struct Principal {
  User user;
  std::string session_id;               // hash prefix of the session, for audit ("" for tokens)
  std::string csrf_token;               // sessions only: state-changing requests must echo it
  std::vector<std::string> scopes;      // tokens only; sessions may do anything the roles allow
  bool mfa_enrolment_required = false;  // may only enrol TOTP until it is done
  bool via_token = false;
};

struct SignInRequest {
  std::string email, password;
  std::string second_factor;  // a TOTP code or a recovery code; empty if none
  std::string address;        // the client's address (rate limits, audit)
};

struct Session {
  std::string token;       // for the cookie; never stored, never logged
  std::string csrf_token;  // for the page
  Principal principal;
  Clock::time_point expires;
};

struct TotpEnrolment {
  std::string secret_base32;
  std::string uri;  // otpauth://… for the QR code
};

struct ApiToken {
  int64_t id = 0;
  std::string name;
  std::vector<std::string> scopes;
  std::string created_at, expires_at, revoked_at, last_used_at;
};

// The scopes a token may carry: query (search, frequencies, strata), applications (read and
// write the owner's applications), admin (administrative routes the owner's roles allow).
inline constexpr const char* kScopes[] = {"query", "applications", "admin"};

// The tables, as one migration's SQL.
extern const char* const kSchemaSql;

class Accounts {
 public:
  static constexpr int kMaxFailures = 5;
  static constexpr int kMaxAddressFailures = 20;
  static constexpr std::chrono::minutes kLockout{15};
  static constexpr std::chrono::hours kIdleTimeout{1};
  static constexpr std::chrono::hours kSessionLifetime{12};

  // `db` and `audit` must outlive this object.
  Accounts(db::Database* db, audit::AuditLog* audit);

  // Creates an account with the researcher role. InvalidArgument naming the field for a bad
  // email, name, kind or a password that fails the policy; AlreadyExists for a used email.
  Result<User> CreateUser(const NewUser& user, std::string_view actor, Clock::time_point now);

  // The account, with its roles. NotFound.
  Result<User> GetUser(int64_t id);
  Result<User> FindByEmail(std::string_view email);
  // Every account, by id (administration).
  Result<std::vector<User>> ListUsers();

  // Adds or removes a role (audited as `actor`). InvalidArgument for an unknown role;
  // NotFound for an unknown user.
  Status GrantRole(int64_t user_id, const RoleGrant& role, std::string_view actor,
                   Clock::time_point now);
  Status RevokeRole(int64_t user_id, const RoleGrant& role, std::string_view actor,
                    Clock::time_point now);

  // Checks the password and, if enrolled, the second factor, and opens a session.
  // Unauthenticated "email or password is wrong" for an unknown account or a wrong password
  // (the same words and the same work either way); Unauthenticated "second factor required"
  // when the account has TOTP and none was given; Unauthenticated for a wrong code;
  // PermissionDenied "locked" while the account or the address is locked out, or for a
  // disabled account. Every outcome is audited.
  Result<Session> SignIn(const SignInRequest& request, Clock::time_point now);

  // Opens a session for an account whose identity an external OpenID provider vouched for
  // (identity/oidc_client.h): the same checks as SignIn after the password — disabled account
  // (PermissionDenied), account or address locked out (PermissionDenied), and, once TOTP is
  // enrolled, `second_factor` (a TOTP or recovery code; Unauthenticated "second factor
  // required" when empty, Unauthenticated for a wrong or reused code, counted towards the
  // lockout). NotFound for an unknown user_id. `method` ("oidc:gakunin") goes into the audit
  // entries ("auth.sign_in" / "auth.sign_in_failed"). Every outcome is audited.
  Result<Session> SignInExternal(int64_t user_id, std::string_view method,
                                 std::string_view second_factor, std::string_view address,
                                 Clock::time_point now);

  // The principal of a live session; refreshes its idle timer. Unauthenticated "session
  // expired" or "not signed in".
  Result<Principal> AuthenticateSession(std::string_view token, Clock::time_point now);
  // Ends a session (no error if it is already gone).
  Status SignOut(std::string_view token, Clock::time_point now);

  // Starts TOTP enrolment (replacing an unconfirmed one). FailedPrecondition if TOTP is
  // already enabled.
  Result<TotpEnrolment> BeginTotp(int64_t user_id, Clock::time_point now);
  // Confirms enrolment with a first code and returns ten recovery codes (shown once).
  // FailedPrecondition if no enrolment was begun; Unauthenticated for a wrong code.
  Result<std::vector<std::string>> ConfirmTotp(int64_t user_id, std::string_view code,
                                               Clock::time_point now);

  // Makes an API token (returned once in `*secret`). InvalidArgument for an unknown scope, an
  // empty or long name, or an expiry not in the future or more than a year away.
  Result<ApiToken> CreateToken(int64_t user_id, std::string_view name,
                               const std::vector<std::string>& scopes, Clock::time_point expires,
                               Clock::time_point now, std::string* secret);
  Result<std::vector<ApiToken>> ListTokens(int64_t user_id);
  // Revokes the user's token `token_id`. NotFound if the user has no such token (another
  // user's token id is NotFound too: no object-level leak).
  Status RevokeToken(int64_t user_id, int64_t token_id, Clock::time_point now);
  // The principal of a live token. Unauthenticated for an unknown, revoked or expired token.
  Result<Principal> AuthenticateToken(std::string_view secret, Clock::time_point now);

 private:
  // One sign-in attempt, as SignIn and SignInExternal audit it.
  struct Attempt {
    std::string target;        // audit target of a failure: "account:<email>" or "user:<id>"
    std::string_view address;  // the client's address
    std::string_view method;   // "" for a password; "oidc:<idp>" otherwise (audited)
    Clock::time_point now;
  };
  // Counts a failure against the attempt's address and audits it; returns `why`.
  Status SignInFailed(const Attempt& attempt, Status why, std::string_view reason);
  // PermissionDenied (audited) while the attempt's address is locked out.
  Status CheckAddress(const Attempt& attempt);
  // The rest of a sign-in once the account is known: refuses a disabled or locked account,
  // checks `password` (if given) and, once TOTP is enrolled, `second_factor` (failures count
  // towards the lockout), then opens the session. Every outcome is audited.
  Result<Session> FinishSignIn(const Attempt& attempt, const User& user,
                               std::optional<std::string_view> password,
                               std::string_view second_factor);
  Status Audit(std::string_view actor, std::string_view action, std::string_view target,
               std::string_view outcome, std::string_view address, nlohmann::json detail,
               Clock::time_point now);
  Result<User> LoadUser(db::Connection& c, std::string_view where, const db::Value& key);
  bool AddressLocked(std::string_view address, Clock::time_point now);
  void AddressFailed(std::string_view address, Clock::time_point now);

  db::Database* db_;
  audit::AuditLog* audit_;
  std::mutex address_mu_;
  std::map<std::string, std::vector<Clock::time_point>, std::less<>> address_failures_;
};

}  // namespace renkei::identity
