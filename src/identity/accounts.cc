#include "identity/accounts.h"

#include <algorithm>

#include "crypto/sodium.h"
#include "identity/password.h"
#include "identity/recovery_codes.h"
#include "identity/totp.h"

namespace renkei::identity {

using nlohmann::json;

const char* const kSchemaSql = R"sql(
CREATE TABLE users (
  id {{id}},
  email TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  institution TEXT NOT NULL,
  kind TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  totp_secret TEXT NOT NULL DEFAULT '',
  totp_pending TEXT NOT NULL DEFAULT '',
  totp_last_step BIGINT NOT NULL DEFAULT -1,
  recovery_hashes TEXT NOT NULL DEFAULT '',
  failed_signins BIGINT NOT NULL DEFAULT 0,
  locked_until TEXT NOT NULL DEFAULT '',
  disabled BIGINT NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL
);
CREATE TABLE user_roles (
  user_id BIGINT NOT NULL REFERENCES users (id),
  role TEXT NOT NULL,
  site TEXT NOT NULL,
  PRIMARY KEY (user_id, role, site)
);
CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES users (id),
  csrf_token TEXT NOT NULL,
  created_at TEXT NOT NULL,
  last_seen TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  mfa_enrolment_required BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE TABLE api_tokens (
  id {{id}},
  user_id BIGINT NOT NULL REFERENCES users (id),
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  scopes TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  revoked_at TEXT NOT NULL DEFAULT '',
  last_used_at TEXT NOT NULL DEFAULT ''
);
)sql";

namespace {

constexpr const char* kWrongCredentials = "email or password is wrong";
constexpr const char* kTokenPrefix = "rk_tok_";
constexpr const char* kUserColumns =
    "id, email, display_name, institution, kind, totp_secret, disabled, created_at, "
    "password_hash, totp_last_step, recovery_hashes, failed_signins, locked_until";

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
    return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  });
  return out;
}

std::string TokenHash(std::string_view token) { return crypto::HexEncode(crypto::Sha256(token)); }

std::vector<std::string> Split(const std::string& s) {
  std::vector<std::string> out;
  for (size_t b = 0, e; b < s.size(); b = e + 1) {
    e = s.find(',', b);
    if (e == std::string::npos) e = s.size();
    if (e > b) out.push_back(s.substr(b, e - b));
  }
  return out;
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

int64_t UnixSeconds(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

Status CheckEmail(std::string_view email) {
  const size_t at = email.find('@');
  if (email.size() > 254 || at == std::string_view::npos || at == 0 ||
      email.find('.', at) == std::string_view::npos || email.back() == '.' ||
      email.find_first_of(" \t\r\n,;<>\"") != std::string_view::npos) {
    return InvalidArgument("email must be an address such as name@university.ac.jp");
  }
  return Status();
}

// What sign-in needs beyond User.
struct Credentials {
  std::string password_hash;
  std::string totp_secret;
  int64_t totp_last_step = -1;
  std::string recovery_hashes;
  int64_t failed_signins = 0;
  std::string locked_until;
};

// An audit detail of a sign-in, with the method of an external one.
json WithMethod(json detail, std::string_view method) {
  if (!method.empty()) detail["method"] = method;
  return detail;
}

}  // namespace

Result<RoleGrant> ParseRole(std::string_view text) {
  RoleGrant g;
  const size_t colon = text.find(':');
  g.role = std::string(text.substr(0, colon));
  if (colon != std::string_view::npos) g.site = std::string(text.substr(colon + 1));
  const bool known = std::find_if(std::begin(kRoles), std::end(kRoles),
                                  [&](const char* r) { return g.role == r; }) != std::end(kRoles);
  if (!known) {
    return InvalidArgument("unknown role '" + std::string(text) +
                           "'; roles are researcher, secretariat, reviewer, "
                           "site_admin:<site>, platform_admin");
  }
  if ((g.role == "site_admin") == g.site.empty() || g.site.size() > 64) {
    return InvalidArgument(
        "a site administrator's role names the site (site_admin:tohoku); "
        "no other role takes a site");
  }
  return g;
}

bool User::NeedsMfa() const {
  return std::any_of(roles.begin(), roles.end(),
                     [](const RoleGrant& r) { return r.role != "researcher"; });
}

bool User::Has(std::string_view role, std::string_view site) const {
  return std::any_of(roles.begin(), roles.end(), [&](const RoleGrant& r) {
    return r.role == role && (site.empty() || r.site == site);
  });
}

Accounts::Accounts(db::Database* db, audit::AuditLog* audit) : db_(db), audit_(audit) {}

Status Accounts::Audit(std::string_view actor, std::string_view action, std::string_view target,
                       std::string_view outcome, std::string_view address, json detail,
                       Clock::time_point now) {
  if (audit_ == nullptr) return Status();
  return audit_
      ->Append(audit::Event{std::string(actor), std::string(action), std::string(target),
                            std::string(outcome), std::string(address), std::move(detail)},
               now)
      .status();
}

Result<User> Accounts::LoadUser(db::Connection& c, std::string_view where, const db::Value& key) {
  ASSIGN_OR_RETURN(const std::vector<db::Row> rows,
                   c.Query(std::string("SELECT ") + kUserColumns + " FROM users WHERE " +
                               std::string(where) + " = $1",
                           {key}));
  if (rows.empty()) return NotFound("no such account");
  const db::Row& r = rows[0];
  User u;
  u.id = r.Int(0);
  u.email = r.Text(1);
  u.display_name = r.Text(2);
  u.institution = r.Text(3);
  u.kind = r.Text(4);
  u.totp_enabled = !r.Text(5).empty();
  u.disabled = r.Int(6) != 0;
  u.created_at = r.Text(7);
  ASSIGN_OR_RETURN(const std::vector<db::Row> roles,
                   c.Query("SELECT role, site FROM user_roles WHERE user_id = $1 ORDER BY role, "
                           "site",
                           {u.id}));
  for (const db::Row& role : roles) u.roles.push_back({role.Text(0), role.Text(1)});
  return u;
}

Result<User> Accounts::CreateUser(const NewUser& n, std::string_view actor, Clock::time_point now) {
  RETURN_IF_ERROR(CheckEmail(n.email));
  if (n.display_name.empty() || n.display_name.size() > 200) {
    return InvalidArgument("display_name must be 1 to 200 bytes");
  }
  if (n.institution.size() > 200) return InvalidArgument("institution must be at most 200 bytes");
  if (n.kind != "academic" && n.kind != "company") {
    return InvalidArgument("kind must be \"academic\" or \"company\"");
  }
  ASSIGN_OR_RETURN(const std::string hash, HashNewPassword(n.password, n.display_name, n.email));
  const std::string email = Lower(n.email);
  int64_t id = 0;
  const Status s = db_->Transaction([&](db::Connection& c) -> Status {
    ASSIGN_OR_RETURN(
        const db::Row row,
        c.QueryRow("INSERT INTO users (email, display_name, institution, kind, "
                   "password_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6) "
                   "RETURNING id",
                   {email, n.display_name, n.institution, n.kind, hash, audit::IsoTime(now)}));
    id = row.Int(0);
    return c
        .Exec("INSERT INTO user_roles (user_id, role, site) VALUES ($1, 'researcher', '')", {id})
        .status();
  });
  if (s.code() == StatusCode::kAlreadyExists) {
    return AlreadyExists("an account with this email exists; sign in, or reset its password");
  }
  RETURN_IF_ERROR(s);
  RETURN_IF_ERROR(
      Audit(actor, "user.create", "user:" + std::to_string(id), "ok", "", {{"email", email}}, now));
  return GetUser(id);
}

Result<User> Accounts::GetUser(int64_t id) {
  Result<User> out = NotFound("no such account");
  RETURN_IF_ERROR(db_->Transaction([&](db::Connection& c) -> Status {
    out = LoadUser(c, "id", id);
    return Status();
  }));
  return out;
}

Result<User> Accounts::FindByEmail(std::string_view email) {
  Result<User> out = NotFound("no such account");
  RETURN_IF_ERROR(db_->Transaction([&](db::Connection& c) -> Status {
    out = LoadUser(c, "email", Lower(email));
    return Status();
  }));
  return out;
}

Result<std::vector<User>> Accounts::ListUsers() {
  ASSIGN_OR_RETURN(const std::vector<db::Row> ids, db_->Query("SELECT id FROM users ORDER BY id"));
  std::vector<User> out;
  for (const db::Row& r : ids) {
    ASSIGN_OR_RETURN(User u, GetUser(r.Int(0)));
    out.push_back(std::move(u));
  }
  return out;
}

Status Accounts::GrantRole(int64_t user_id, const RoleGrant& role, std::string_view actor,
                           Clock::time_point now) {
  RETURN_IF_ERROR(ParseRole(role.ToString()).status());
  RETURN_IF_ERROR(GetUser(user_id).status());
  const Status s = db_->Exec(
                          "INSERT INTO user_roles (user_id, role, site) VALUES ($1, $2, $3) "
                          "ON CONFLICT DO NOTHING",
                          {user_id, role.role, role.site})
                       .status();
  RETURN_IF_ERROR(s);
  return Audit(actor, "user.role_grant", "user:" + std::to_string(user_id), "ok", "",
               {{"role", role.ToString()}}, now);
}

Status Accounts::RevokeRole(int64_t user_id, const RoleGrant& role, std::string_view actor,
                            Clock::time_point now) {
  RETURN_IF_ERROR(ParseRole(role.ToString()).status());
  RETURN_IF_ERROR(GetUser(user_id).status());
  RETURN_IF_ERROR(db_->Exec("DELETE FROM user_roles WHERE user_id = $1 AND role = $2 AND site = $3",
                            {user_id, role.role, role.site})
                      .status());
  return Audit(actor, "user.role_revoke", "user:" + std::to_string(user_id), "ok", "",
               {{"role", role.ToString()}}, now);
}

bool Accounts::AddressLocked(std::string_view address, Clock::time_point now) {
  std::lock_guard<std::mutex> lock(address_mu_);
  auto it = address_failures_.find(address);
  if (it == address_failures_.end()) return false;
  std::erase_if(it->second, [&](Clock::time_point t) { return now - t >= kLockout; });
  return it->second.size() >= static_cast<size_t>(kMaxAddressFailures);
}

void Accounts::AddressFailed(std::string_view address, Clock::time_point now) {
  std::lock_guard<std::mutex> lock(address_mu_);
  // Bounded memory: an attacker with many addresses cannot grow the map without limit.
  if (address_failures_.size() > 100000) address_failures_.clear();
  address_failures_[std::string(address)].push_back(now);
}

Status Accounts::SignInFailed(const Attempt& attempt, Status why, std::string_view reason) {
  AddressFailed(attempt.address, attempt.now);
  RETURN_IF_ERROR(Audit("anonymous", "auth.sign_in_failed", attempt.target, "denied",
                        attempt.address, WithMethod({{"reason", reason}}, attempt.method),
                        attempt.now));
  return why;
}

Status Accounts::CheckAddress(const Attempt& attempt) {
  if (!AddressLocked(attempt.address, attempt.now)) return Status();
  RETURN_IF_ERROR(
      Audit("anonymous", "auth.sign_in_failed", attempt.target, "denied", attempt.address,
            WithMethod({{"reason", "address locked out"}}, attempt.method), attempt.now));
  return PermissionDenied("too many failed sign-ins from this address; try again in " +
                          std::to_string(kLockout.count()) + " minutes");
}

Result<Session> Accounts::SignIn(const SignInRequest& req, Clock::time_point now) {
  const std::string email = Lower(req.email);
  const Attempt attempt{"account:" + email.substr(0, 254), req.address, "", now};
  RETURN_IF_ERROR(CheckAddress(attempt));
  if (req.password.size() > kMaxPasswordBytes || req.second_factor.size() > 64 ||
      req.email.size() > 254) {
    return SignInFailed(attempt, Unauthenticated(kWrongCredentials), "oversized field");
  }
  Result<User> user = FindByEmail(email);
  if (!user.ok()) {
    if (user.status().code() != StatusCode::kNotFound) return user.status();
    (void)RejectUnknownAccount(req.password);  // the same work as a real check
    return SignInFailed(attempt, Unauthenticated(kWrongCredentials), "unknown account");
  }
  return FinishSignIn(attempt, *user, req.password, req.second_factor);
}

Result<Session> Accounts::SignInExternal(int64_t user_id, std::string_view method,
                                         std::string_view second_factor, std::string_view address,
                                         Clock::time_point now) {
  const Attempt attempt{"user:" + std::to_string(user_id), address, method, now};
  RETURN_IF_ERROR(CheckAddress(attempt));
  if (second_factor.size() > 64) {
    return SignInFailed(attempt, Unauthenticated("wrong second factor"), "oversized");
  }
  ASSIGN_OR_RETURN(const User user, GetUser(user_id));
  return FinishSignIn(attempt, user, std::nullopt, second_factor);
}

Result<Session> Accounts::FinishSignIn(const Attempt& attempt, const User& user,
                                       std::optional<std::string_view> password,
                                       std::string_view second_factor) {
  const Clock::time_point now = attempt.now;
  Credentials cred;
  {
    ASSIGN_OR_RETURN(const db::Row r, db_->QueryRow(std::string("SELECT ") + kUserColumns +
                                                        " FROM users WHERE id = $1",
                                                    {user.id}));
    cred.password_hash = r.Text(8);
    cred.totp_secret = r.Text(5);
    cred.totp_last_step = r.Int(9);
    cred.recovery_hashes = r.Text(10);
    cred.failed_signins = r.Int(11);
    cred.locked_until = r.Text(12);
  }
  const std::string who = "user:" + std::to_string(user.id);
  if (user.disabled) {
    return SignInFailed(attempt, PermissionDenied("this account is disabled"), "disabled");
  }
  if (!cred.locked_until.empty() && cred.locked_until > audit::IsoTime(now)) {
    return SignInFailed(attempt,
                        PermissionDenied("this account is locked after repeated failed sign-ins "
                                         "until " +
                                         cred.locked_until + "; try again then"),
                        "account locked");
  }
  // A failed password or second factor counts towards the account's lockout.
  auto count_failure = [&](Status why, std::string_view reason) -> Status {
    const int64_t failures = cred.failed_signins + 1;
    const bool lock = failures >= kMaxFailures;
    RETURN_IF_ERROR(db_->Exec("UPDATE users SET failed_signins = $1, locked_until = $2 WHERE "
                              "id = $3",
                              {lock ? int64_t{0} : failures,
                               lock ? audit::IsoTime(now + kLockout) : cred.locked_until, user.id})
                        .status());
    if (lock) {
      RETURN_IF_ERROR(Audit("system", "auth.locked", who, "ok", attempt.address,
                            {{"minutes", kLockout.count()}}, now));
    }
    return SignInFailed(attempt, std::move(why), reason);
  };
  if (password.has_value()) {
    if (Status p = VerifyPassword(*password, cred.password_hash); !p.ok()) {
      if (p.code() != StatusCode::kUnauthenticated) return p;
      return count_failure(Unauthenticated(kWrongCredentials), "wrong password");
    }
  }
  if (!cred.totp_secret.empty()) {
    if (second_factor.empty()) {
      return SignInFailed(attempt,
                          Unauthenticated("second factor required: give the 6-digit code from "
                                          "your authenticator app, or a recovery code"),
                          "second factor missing");
    }
    const bool is_code = second_factor.find_first_not_of("0123456789 ") == std::string::npos;
    if (is_code) {
      Result<std::string> secret = Base32Decode(cred.totp_secret);
      if (!secret.ok()) return Internal("stored TOTP secret is damaged");
      Result<int64_t> step = VerifyTotp(
          *secret, second_factor, UnixSeconds(now),
          cred.totp_last_step < 0 ? std::nullopt : std::optional<int64_t>(cred.totp_last_step));
      if (!step.ok()) return count_failure(step.status(), "wrong second factor");
      // Atomic against a second sign-in with the same code at the same moment.
      ASSIGN_OR_RETURN(const int64_t n,
                       db_->Exec("UPDATE users SET totp_last_step = $1 WHERE id = $2 AND "
                                 "totp_last_step < $1",
                                 {*step, user.id}));
      if (n == 0) return count_failure(Unauthenticated("TOTP code already used"), "replay");
    } else {
      std::vector<std::string> hashes = Split(cred.recovery_hashes);
      if (Status r = ConsumeRecoveryCode(second_factor, &hashes); !r.ok()) {
        return count_failure(r, "wrong recovery code");
      }
      ASSIGN_OR_RETURN(const int64_t n,
                       db_->Exec("UPDATE users SET recovery_hashes = $1 WHERE id = $2 AND "
                                 "recovery_hashes = $3",
                                 {Join(hashes), user.id, cred.recovery_hashes}));
      if (n == 0) {
        return count_failure(Unauthenticated("recovery code is not valid or already used"),
                             "recovery code race");
      }
    }
  }
  Session session;
  session.token = crypto::HexEncode(crypto::RandomBytes(32));
  session.csrf_token = crypto::HexEncode(crypto::RandomBytes(16));
  session.expires = now + kSessionLifetime;
  const bool enrol = user.NeedsMfa() && !user.totp_enabled;
  const Status opened = db_->Transaction([&](db::Connection& c) -> Status {
    RETURN_IF_ERROR(
        c.Exec("UPDATE users SET failed_signins = 0 WHERE id = $1", {user.id}).status());
    return c
        .Exec(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen, "
            "expires_at, mfa_enrolment_required) VALUES ($1, $2, $3, $4, $4, $5, $6)",
            {TokenHash(session.token), user.id, session.csrf_token, audit::IsoTime(now),
             audit::IsoTime(session.expires), int64_t{enrol}})
        .status();
  });
  RETURN_IF_ERROR(opened);
  session.principal.user = user;
  session.principal.session_id = TokenHash(session.token).substr(0, 16);
  session.principal.csrf_token = session.csrf_token;
  session.principal.mfa_enrolment_required = enrol;
  RETURN_IF_ERROR(Audit(who, "auth.sign_in", who, "ok", attempt.address,
                        WithMethod({{"session", session.principal.session_id},
                                    {"second_factor", !cred.totp_secret.empty()}},
                                   attempt.method),
                        now));
  return session;
}

Result<Principal> Accounts::AuthenticateSession(std::string_view token, Clock::time_point now) {
  if (token.empty() || token.size() > 128) return Unauthenticated("not signed in");
  const std::string hash = TokenHash(token);
  ASSIGN_OR_RETURN(const std::vector<db::Row> rows,
                   db_->Query("SELECT user_id, csrf_token, last_seen, expires_at, "
                              "mfa_enrolment_required FROM sessions WHERE token_hash = $1",
                              {hash}));
  if (rows.empty()) return Unauthenticated("not signed in (or signed out); sign in again");
  const db::Row& r = rows[0];
  const std::string iso_now = audit::IsoTime(now);
  if (r.Text(3) <= iso_now || r.Text(2) <= audit::IsoTime(now - kIdleTimeout)) {
    (void)db_->Exec("DELETE FROM sessions WHERE token_hash = $1", {hash});
    return Unauthenticated("session expired; sign in again");
  }
  // The idle timer moves at most once a minute: one write per minute per session, not one
  // per request.
  if (r.Text(2) < audit::IsoTime(now - std::chrono::minutes(1))) {
    RETURN_IF_ERROR(
        db_->Exec("UPDATE sessions SET last_seen = $1 WHERE token_hash = $2", {iso_now, hash})
            .status());
  }
  Principal p;
  ASSIGN_OR_RETURN(p.user, GetUser(r.Int(0)));
  if (p.user.disabled) return Unauthenticated("this account is disabled");
  p.session_id = hash.substr(0, 16);
  p.csrf_token = r.Text(1);
  p.mfa_enrolment_required = r.Int(4) != 0 && !p.user.totp_enabled;
  return p;
}

Status Accounts::SignOut(std::string_view token, Clock::time_point now) {
  const std::string hash = TokenHash(token);
  ASSIGN_OR_RETURN(const std::vector<db::Row> rows,
                   db_->Query("SELECT user_id FROM sessions WHERE token_hash = $1", {hash}));
  if (rows.empty()) return Status();
  RETURN_IF_ERROR(db_->Exec("DELETE FROM sessions WHERE token_hash = $1", {hash}).status());
  const std::string who = "user:" + std::to_string(rows[0].Int(0));
  return Audit(who, "auth.sign_out", who, "ok", "", {{"session", hash.substr(0, 16)}}, now);
}

Result<TotpEnrolment> Accounts::BeginTotp(int64_t user_id, Clock::time_point now) {
  ASSIGN_OR_RETURN(const User u, GetUser(user_id));
  if (u.totp_enabled) {
    return FailedPrecondition("a second factor is already enrolled for this account");
  }
  TotpEnrolment e;
  e.secret_base32 = Base32Encode(GenerateTotpSecret(), /*pad=*/false);
  ASSIGN_OR_RETURN(e.uri, TotpEnrolmentUri(*Base32Decode(e.secret_base32), u.email));
  RETURN_IF_ERROR(
      db_->Exec("UPDATE users SET totp_pending = $1 WHERE id = $2", {e.secret_base32, user_id})
          .status());
  const std::string who = "user:" + std::to_string(user_id);
  RETURN_IF_ERROR(Audit(who, "auth.totp_begin", who, "ok", "", json::object(), now));
  return e;
}

Result<std::vector<std::string>> Accounts::ConfirmTotp(int64_t user_id, std::string_view code,
                                                       Clock::time_point now) {
  ASSIGN_OR_RETURN(
      const db::Row r,
      db_->QueryRow("SELECT totp_pending, totp_secret FROM users WHERE id = $1", {user_id}));
  if (!r.Text(1).empty()) {
    return FailedPrecondition("a second factor is already enrolled for this account");
  }
  if (r.Text(0).empty()) return FailedPrecondition("begin TOTP enrolment first");
  ASSIGN_OR_RETURN(const std::string secret, Base32Decode(r.Text(0)));
  ASSIGN_OR_RETURN(const int64_t step, VerifyTotp(secret, code, UnixSeconds(now), std::nullopt));
  ASSIGN_OR_RETURN(const RecoveryCodes codes, GenerateRecoveryCodes());
  RETURN_IF_ERROR(db_->Exec("UPDATE users SET totp_secret = totp_pending, totp_pending = '', "
                            "totp_last_step = $1, recovery_hashes = $2 WHERE id = $3",
                            {step, Join(codes.hashes), user_id})
                      .status());
  const std::string who = "user:" + std::to_string(user_id);
  RETURN_IF_ERROR(Audit(who, "auth.totp_enrolled", who, "ok", "", json::object(), now));
  return codes.codes;
}

Result<ApiToken> Accounts::CreateToken(int64_t user_id, std::string_view name,
                                       const std::vector<std::string>& scopes,
                                       Clock::time_point expires, Clock::time_point now,
                                       std::string* secret) {
  if (name.empty() || name.size() > 100) return InvalidArgument("name must be 1 to 100 bytes");
  if (scopes.empty()) return InvalidArgument("give at least one scope: query, applications, admin");
  for (const std::string& s : scopes) {
    if (std::find_if(std::begin(kScopes), std::end(kScopes),
                     [&](const char* k) { return s == k; }) == std::end(kScopes)) {
      return InvalidArgument("unknown scope '" + s + "'; scopes are query, applications, admin");
    }
  }
  if (expires <= now || expires > now + std::chrono::days(366)) {
    return InvalidArgument("a token expires in the future, at most a year from now");
  }
  RETURN_IF_ERROR(GetUser(user_id).status());
  *secret = kTokenPrefix + crypto::HexEncode(crypto::RandomBytes(24));
  ApiToken t;
  t.name = std::string(name);
  t.scopes = scopes;
  t.created_at = audit::IsoTime(now);
  t.expires_at = audit::IsoTime(expires);
  ASSIGN_OR_RETURN(const db::Row row,
                   db_->QueryRow("INSERT INTO api_tokens (user_id, name, token_hash, scopes, "
                                 "created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6) "
                                 "RETURNING id",
                                 {user_id, t.name, TokenHash(*secret), Join(scopes), t.created_at,
                                  t.expires_at}));
  t.id = row.Int(0);
  const std::string who = "user:" + std::to_string(user_id);
  RETURN_IF_ERROR(Audit(who, "token.create", "token:" + std::to_string(t.id), "ok", "",
                        {{"name", t.name}, {"scopes", scopes}, {"expires", t.expires_at}}, now));
  return t;
}

Result<std::vector<ApiToken>> Accounts::ListTokens(int64_t user_id) {
  ASSIGN_OR_RETURN(const std::vector<db::Row> rows,
                   db_->Query("SELECT id, name, scopes, created_at, expires_at, revoked_at, "
                              "last_used_at FROM api_tokens WHERE user_id = $1 ORDER BY id",
                              {user_id}));
  std::vector<ApiToken> out;
  for (const db::Row& r : rows) {
    out.push_back(ApiToken{r.Int(0), r.Text(1), Split(r.Text(2)), r.Text(3), r.Text(4), r.Text(5),
                           r.Text(6)});
  }
  return out;
}

Status Accounts::RevokeToken(int64_t user_id, int64_t token_id, Clock::time_point now) {
  ASSIGN_OR_RETURN(const int64_t n,
                   db_->Exec("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = "
                             "$3 AND revoked_at = ''",
                             {audit::IsoTime(now), token_id, user_id}));
  if (n == 0) return NotFound("you have no live token " + std::to_string(token_id));
  const std::string who = "user:" + std::to_string(user_id);
  return Audit(who, "token.revoke", "token:" + std::to_string(token_id), "ok", "", json::object(),
               now);
}

Result<Principal> Accounts::AuthenticateToken(std::string_view secret, Clock::time_point now) {
  if (secret.size() > 128 || secret.substr(0, 7) != kTokenPrefix) {
    return Unauthenticated("not an API token; tokens start with rk_tok_");
  }
  ASSIGN_OR_RETURN(const std::vector<db::Row> rows,
                   db_->Query("SELECT id, user_id, scopes, expires_at, revoked_at, last_used_at "
                              "FROM api_tokens WHERE token_hash = $1",
                              {TokenHash(secret)}));
  if (rows.empty()) return Unauthenticated("unknown API token");
  const db::Row& r = rows[0];
  const std::string iso_now = audit::IsoTime(now);
  if (!r.Text(4).empty()) return Unauthenticated("this API token was revoked");
  if (r.Text(3) <= iso_now) return Unauthenticated("this API token expired; make a new one");
  if (r.Text(5) < audit::IsoTime(now - std::chrono::minutes(1))) {
    RETURN_IF_ERROR(
        db_->Exec("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2", {iso_now, r.Int(0)})
            .status());
  }
  Principal p;
  ASSIGN_OR_RETURN(p.user, GetUser(r.Int(1)));
  if (p.user.disabled) return Unauthenticated("this account is disabled");
  p.scopes = Split(r.Text(2));
  p.via_token = true;
  // A token of an account that must enrol a second factor does nothing until it has.
  p.mfa_enrolment_required = p.user.NeedsMfa() && !p.user.totp_enabled;
  return p;
}

}  // namespace renkei::identity
