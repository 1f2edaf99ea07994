#include "identity/accounts.h"

#include <gtest/gtest.h>

#include "crypto/sodium.h"
#include "db/testing.h"
#include "identity/totp.h"

namespace renkei::identity {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

const char* const kPassword = "correct horse battery staple";

// Runs on SQLite, and on PostgreSQL when RENKEI_TEST_POSTGRES_URL is set (scripts/test.sh),
// each in a fresh database or schema.
class AccountsTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(
        test_db_.Open(GetParam(), {{1, "audit", audit::kSchemaSql}, {2, "identity", kSchemaSql}}));
    if (test_db_.skipped()) return;
    db_ = test_db_.db();
    keys_ = crypto::GenerateEd25519KeyPair();
    auto log = audit::AuditLog::Create(db_, keys_.secret_key);
    ASSERT_TRUE(log.ok());
    audit_ = std::move(*log);
    accounts_ = std::make_unique<Accounts>(db_, audit_.get());
  }

  User MakeUser(std::string email = "hanako@example.ac.jp") {
    auto u = accounts_->CreateUser(
        {email, "Hanako Yamada", "Tohoku University", "academic", kPassword}, "system", now_);
    EXPECT_TRUE(u.ok()) << u.status().ToString();
    return u.ok() ? *u : User{};
  }

  Result<Session> SignIn(std::string email, std::string password, std::string second = "",
                         std::string address = "192.0.2.1") {
    return accounts_->SignIn(
        {std::move(email), std::move(password), std::move(second), std::move(address)}, now_);
  }

  std::vector<std::string> AuditedActions() {
    audit::Query q;
    q.limit = 1000;
    auto entries = audit::List(*db_, q);
    EXPECT_TRUE(entries.ok());
    std::vector<std::string> out;
    for (auto it = entries->rbegin(); it != entries->rend(); ++it) out.push_back(it->event.action);
    return out;
  }

  // Enrols TOTP and returns the secret and the recovery codes.
  std::pair<std::string, std::vector<std::string>> Enrol(int64_t user_id) {
    auto e = accounts_->BeginTotp(user_id, now_);
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    const std::string secret = *Base32Decode(e->secret_base32);
    auto codes = accounts_->ConfirmTotp(user_id, *TotpCode(secret, Unix()), now_);
    EXPECT_TRUE(codes.ok()) << codes.status().ToString();
    return {secret, codes.ok() ? *codes : std::vector<std::string>{}};
  }

  int64_t Unix() const {
    return std::chrono::duration_cast<seconds>(now_.time_since_epoch()).count();
  }

  db::TestDatabase test_db_;  // destroyed last
  db::Database* db_ = nullptr;
  crypto::Ed25519KeyPair keys_;
  std::unique_ptr<audit::AuditLog> audit_;
  std::unique_ptr<Accounts> accounts_;
  Clock::time_point now_ = Clock::from_time_t(1795651200);  // 2026-11-26T00:00:00Z
};

TEST_P(AccountsTest, CreatesAResearcherAndSignsIn) {
  const User u = MakeUser("Hanako@Example.AC.JP");
  EXPECT_EQ(u.email, "hanako@example.ac.jp");  // case-insensitive sign-in name
  ASSERT_EQ(u.roles.size(), 1u);
  EXPECT_EQ(u.roles[0].role, "researcher");
  EXPECT_FALSE(u.NeedsMfa());
  auto s = SignIn("HANAKO@example.ac.jp", kPassword);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->token.size(), 64u);
  EXPECT_FALSE(s->csrf_token.empty());
  EXPECT_EQ(s->expires, now_ + std::chrono::hours(12));
  auto p = accounts_->AuthenticateSession(s->token, now_ + minutes(5));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->user.id, u.id);
  EXPECT_EQ(p->csrf_token, s->csrf_token);
  EXPECT_FALSE(p->mfa_enrolment_required);
  // The session token itself is not stored.
  auto stored = db_->Query("SELECT token_hash FROM sessions");
  ASSERT_TRUE(stored.ok());
  ASSERT_EQ(stored->size(), 1u);
  EXPECT_NE((*stored)[0].Text(0), s->token);
  EXPECT_EQ(AuditedActions(), (std::vector<std::string>{"user.create", "auth.sign_in"}));
  EXPECT_TRUE(audit::Verify(*db_, keys_.public_key)->ok);
}

TEST_P(AccountsTest, BadNewAccountsAreRefusedAndStoreNothing) {
  MakeUser();
  struct Case {
    NewUser user;
    StatusCode code;
    const char* words;
  };
  const std::vector<Case> cases = {
      {{"not-an-email", "A", "", "academic", kPassword}, StatusCode::kInvalidArgument, "email"},
      {{"a@b", "A", "", "academic", kPassword}, StatusCode::kInvalidArgument, "email"},
      {{"x@example.jp", "", "", "academic", kPassword},
       StatusCode::kInvalidArgument,
       "display_name"},
      {{"x@example.jp", "A", "", "student", kPassword}, StatusCode::kInvalidArgument, "kind"},
      {{"x@example.jp", "A", "", "academic", "short"}, StatusCode::kInvalidArgument, "12"},
      {{"HANAKO@example.ac.jp", "B", "", "academic", kPassword},
       StatusCode::kAlreadyExists,
       "exists"},
  };
  for (const Case& c : cases) {
    auto r = accounts_->CreateUser(c.user, "system", now_);
    ASSERT_FALSE(r.ok()) << c.user.email;
    EXPECT_EQ(r.status().code(), c.code) << r.status().ToString();
    EXPECT_NE(r.status().message().find(c.words), std::string::npos) << r.status().ToString();
  }
  EXPECT_EQ(accounts_->ListUsers()->size(), 1u);
}

TEST_P(AccountsTest, WrongPasswordAndUnknownAccountLookAlike) {
  MakeUser();
  auto wrong = SignIn("hanako@example.ac.jp", "wrong password here");
  auto unknown = SignIn("nobody@example.ac.jp", kPassword);
  ASSERT_FALSE(wrong.ok());
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(wrong.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(wrong.status().ToString(), unknown.status().ToString());
  const auto actions = AuditedActions();
  EXPECT_EQ(std::count(actions.begin(), actions.end(), "auth.sign_in_failed"), 2);
}

TEST_P(AccountsTest, RepeatedFailuresLockTheAccountForFifteenMinutes) {
  MakeUser();
  for (int i = 0; i < Accounts::kMaxFailures; ++i) {
    EXPECT_EQ(SignIn("hanako@example.ac.jp", "wrong password " + std::to_string(i)).status().code(),
              StatusCode::kUnauthenticated);
  }
  // Now even the right password is refused, with a reason.
  auto locked = SignIn("hanako@example.ac.jp", kPassword);
  EXPECT_EQ(locked.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(locked.status().message().find("locked"), std::string::npos);
  const auto actions = AuditedActions();
  EXPECT_EQ(std::count(actions.begin(), actions.end(), "auth.locked"), 1);
  now_ += minutes(15) + seconds(1);
  EXPECT_TRUE(SignIn("hanako@example.ac.jp", kPassword).ok());
}

TEST_P(AccountsTest, AnAddressWithManyFailuresIsRefused) {
  // Oversized passwords fail without the Argon2id work, which keeps this test fast; every
  // failure counts the same.
  for (int i = 0; i < Accounts::kMaxAddressFailures; ++i) {
    (void)SignIn("user" + std::to_string(i) + "@example.jp", std::string(2000, 'p'), "",
                 "198.51.100.7");
  }
  MakeUser();
  auto r = SignIn("hanako@example.ac.jp", kPassword, "", "198.51.100.7");
  EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(r.status().message().find("this address"), std::string::npos);
  EXPECT_TRUE(SignIn("hanako@example.ac.jp", kPassword, "", "198.51.100.8").ok());
}

TEST_P(AccountsTest, SessionsEndWhenIdleOrOldOrSignedOut) {
  MakeUser();
  auto s = SignIn("hanako@example.ac.jp", kPassword);
  ASSERT_TRUE(s.ok());
  // Active every 50 minutes: alive past the idle hour, until the 12-hour limit.
  for (int i = 1; i <= 14; ++i) {
    auto p = accounts_->AuthenticateSession(s->token, now_ + minutes(50 * i));
    ASSERT_TRUE(p.ok()) << i << ": " << p.status().ToString();
  }
  auto old = accounts_->AuthenticateSession(s->token, now_ + std::chrono::hours(12));
  EXPECT_EQ(old.status().code(), StatusCode::kUnauthenticated);
  auto s2 = SignIn("hanako@example.ac.jp", kPassword);
  ASSERT_TRUE(s2.ok());
  auto idle = accounts_->AuthenticateSession(s2->token, now_ + minutes(61));
  EXPECT_EQ(idle.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(idle.status().message().find("expired"), std::string::npos);
  auto s3 = SignIn("hanako@example.ac.jp", kPassword);
  ASSERT_TRUE(s3.ok());
  EXPECT_TRUE(accounts_->SignOut(s3->token, now_).ok());
  EXPECT_EQ(accounts_->AuthenticateSession(s3->token, now_).status().code(),
            StatusCode::kUnauthenticated);
  EXPECT_EQ(accounts_->AuthenticateSession("", now_).status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(accounts_->AuthenticateSession(std::string(1000, 'a'), now_).status().code(),
            StatusCode::kUnauthenticated);
}

TEST_P(AccountsTest, TotpIsRequiredOnceEnrolledAndCodesCannotBeReplayed) {
  const User u = MakeUser();
  auto [secret, recovery] = Enrol(u.id);
  ASSERT_EQ(recovery.size(), 10u);
  // Enrolment used the current step, so the same code is refused now.
  auto missing = SignIn("hanako@example.ac.jp", kPassword);
  EXPECT_EQ(missing.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(missing.status().message().find("second factor required"), std::string::npos);
  const std::string used = *TotpCode(secret, Unix());
  EXPECT_EQ(SignIn("hanako@example.ac.jp", kPassword, used).status().code(),
            StatusCode::kUnauthenticated);
  now_ += seconds(30);
  const std::string code = *TotpCode(secret, Unix());
  auto s = SignIn("hanako@example.ac.jp", kPassword, code);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  auto replay = SignIn("hanako@example.ac.jp", kPassword, code);
  EXPECT_EQ(replay.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(replay.status().message().find("already used"), std::string::npos);
  // A recovery code works once.
  now_ += seconds(30);
  EXPECT_TRUE(SignIn("hanako@example.ac.jp", kPassword, recovery[3]).ok());
  EXPECT_EQ(SignIn("hanako@example.ac.jp", kPassword, recovery[3]).status().code(),
            StatusCode::kUnauthenticated);
  EXPECT_EQ(accounts_->BeginTotp(u.id, now_).status().code(), StatusCode::kFailedPrecondition);
}

TEST_P(AccountsTest, AdministratorsMustEnrolASecondFactor) {
  const User u = MakeUser();
  ASSERT_TRUE(accounts_->GrantRole(u.id, {"secretariat", ""}, "user:0", now_).ok());
  auto s = SignIn("hanako@example.ac.jp", kPassword);
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->principal.mfa_enrolment_required);
  EXPECT_TRUE(accounts_->AuthenticateSession(s->token, now_)->mfa_enrolment_required);
  Enrol(u.id);
  EXPECT_FALSE(accounts_->AuthenticateSession(s->token, now_)->mfa_enrolment_required);
}

TEST_P(AccountsTest, RolesAreValidatedGrantedAndRevoked) {
  const User u = MakeUser();
  EXPECT_EQ(ParseRole("site_admin").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseRole("reviewer:tohoku").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseRole("root").status().code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(ParseRole("site_admin:tohoku").ok());
  ASSERT_TRUE(accounts_->GrantRole(u.id, *ParseRole("site_admin:tohoku"), "user:0", now_).ok());
  ASSERT_TRUE(accounts_->GrantRole(u.id, *ParseRole("reviewer"), "user:0", now_).ok());
  ASSERT_TRUE(accounts_->GrantRole(u.id, *ParseRole("reviewer"), "user:0", now_).ok());
  User got = *accounts_->GetUser(u.id);
  EXPECT_TRUE(got.Has("site_admin", "tohoku"));
  EXPECT_FALSE(got.Has("site_admin", "imsut"));
  EXPECT_TRUE(got.Has("reviewer"));
  EXPECT_EQ(got.roles.size(), 3u);
  ASSERT_TRUE(accounts_->RevokeRole(u.id, *ParseRole("reviewer"), "user:0", now_).ok());
  EXPECT_FALSE(accounts_->GetUser(u.id)->Has("reviewer"));
  EXPECT_EQ(accounts_->GrantRole(999, *ParseRole("reviewer"), "user:0", now_).code(),
            StatusCode::kNotFound);
}

TEST_P(AccountsTest, ApiTokensAreScopedRevocableAndExpire) {
  const User u = MakeUser();
  const User other = MakeUser("taro@example.ac.jp");
  std::string secret;
  auto t = accounts_->CreateToken(u.id, "laptop script", {"query"}, now_ + std::chrono::days(30),
                                  now_, &secret);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(secret.rfind("rk_tok_", 0), 0u);
  auto p = accounts_->AuthenticateToken(secret, now_ + minutes(1));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->user.id, u.id);
  EXPECT_EQ(p->scopes, std::vector<std::string>{"query"});
  EXPECT_TRUE(p->via_token);
  // Another user cannot revoke it by its id.
  EXPECT_EQ(accounts_->RevokeToken(other.id, t->id, now_).code(), StatusCode::kNotFound);
  EXPECT_TRUE(accounts_->AuthenticateToken(secret, now_).ok());
  EXPECT_EQ(accounts_->AuthenticateToken(secret, now_ + std::chrono::days(31)).status().code(),
            StatusCode::kUnauthenticated);
  ASSERT_TRUE(accounts_->RevokeToken(u.id, t->id, now_).ok());
  auto revoked = accounts_->AuthenticateToken(secret, now_);
  EXPECT_EQ(revoked.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(revoked.status().message().find("revoked"), std::string::npos);
  EXPECT_EQ(accounts_->ListTokens(u.id)->size(), 1u);
  EXPECT_EQ(accounts_->AuthenticateToken("rk_tok_nope", now_).status().code(),
            StatusCode::kUnauthenticated);
  EXPECT_EQ(accounts_->AuthenticateToken("hello", now_).status().code(),
            StatusCode::kUnauthenticated);
  std::string unused;
  EXPECT_EQ(
      accounts_->CreateToken(u.id, "x", {"root"}, now_ + minutes(5), now_, &unused).status().code(),
      StatusCode::kInvalidArgument);
  EXPECT_EQ(accounts_->CreateToken(u.id, "x", {"query"}, now_, now_, &unused).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(
      accounts_->CreateToken(u.id, "", {"query"}, now_ + minutes(5), now_, &unused).status().code(),
      StatusCode::kInvalidArgument);
}

std::string DatabaseName(const ::testing::TestParamInfo<std::string>& p) { return p.param; }

INSTANTIATE_TEST_SUITE_P(Databases, AccountsTest, ::testing::Values("sqlite", "postgres"),
                         DatabaseName);

}  // namespace
}  // namespace renkei::identity
