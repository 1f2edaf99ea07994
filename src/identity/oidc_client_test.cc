// The relying party against a fake provider whose ID tokens are signed here with real RSA keys:
// every check of OIDC Core §3.1.3.7 has a token that breaks exactly it.
#include "identity/oidc_client.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <functional>

#include "crypto/sodium.h"
#include "db/migrate.h"
#include "identity/pkce.h"
#include "identity/totp.h"

namespace renkei::identity {
namespace {

using nlohmann::json;

constexpr const char* kIssuer = "https://idp.example.ac.jp";
constexpr const char* kClientId = "renkei-hub";
constexpr const char* kSecret = "s3cret:with/odd chars";
constexpr const char* kRedirect = "https://hub.example.jp/v1/auth/idps/gakunin/callback";

int64_t Unix(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

// The value of query parameter `name` in `url` (our values are base64url: no decoding needed).
std::string Param(const std::string& url, const std::string& name) {
  const size_t at = url.find(name + "=", url.find('?'));
  if (at == std::string::npos) return "";
  const size_t b = at + name.size() + 1;
  return url.substr(b, url.find('&', b) - b);
}

// A provider in memory: discovery, JWKS and a token endpoint whose ID token the test shapes.
class FakeProvider : public OidcHttp {
 public:
  Result<OidcHttpReply> Get(const std::string& url) override {
    ++gets[url];
    if (url == std::string(kIssuer) + "/.well-known/openid-configuration") {
      return OidcHttpReply{200,
                           json{{"issuer", discovery_issuer},
                                {"authorization_endpoint", std::string(kIssuer) + "/authorize"},
                                {"token_endpoint", std::string(kIssuer) + "/token"},
                                {"jwks_uri", std::string(kIssuer) + "/jwks"}}
                               .dump()};
    }
    if (url == std::string(kIssuer) + "/jwks") return OidcHttpReply{200, jwks.dump()};
    return Unavailable("no route to " + url);
  }
  Result<OidcHttpReply> PostForm(const std::string& url,
                                 const std::vector<std::pair<std::string, std::string>>& form,
                                 const std::string& user, const std::string& password) override {
    last_form = form;
    basic_user = user;
    basic_password = password;
    if (url != std::string(kIssuer) + "/token") return Unavailable("no route to " + url);
    return token_reply();
  }
  std::string FormValue(const std::string& name) const {
    for (const auto& [k, v] : last_form) {
      if (k == name) return v;
    }
    return "";
  }

  std::string discovery_issuer = kIssuer;
  json jwks;
  std::map<std::string, int> gets;
  std::vector<std::pair<std::string, std::string>> last_form;
  std::string basic_user, basic_password;
  std::function<OidcHttpReply()> token_reply;
};

class OidcClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    key_ = new crypto::RsaSigningKey(*crypto::RsaSigningKey::Generate());
    other_key_ = new crypto::RsaSigningKey(*crypto::RsaSigningKey::Generate());
  }
  static void TearDownTestSuite() {
    delete key_;
    delete other_key_;
  }

  void SetUp() override {
    auto opened = db::Database::Open(":memory:");
    ASSERT_TRUE(opened.ok());
    db_ = std::move(*opened);
    const db::Migration m[] = {{1, "accounts", kSchemaSql}, {2, "external", kExternalIdpSchemaSql}};
    ASSERT_TRUE(db::Migrate(*db_, m).ok());
    accounts_ = std::make_unique<Accounts>(db_.get(), nullptr);
    provider_.jwks = {{"keys", {JwkToJson(key_->public_jwk())}}};
    provider_.token_reply = [this] {
      return OidcHttpReply{200, json{{"access_token", "at-1"},
                                     {"token_type", "Bearer"},
                                     {"id_token", *SignJwt(claims_, *signer_)}}
                                    .dump()};
    };
    settings_.id = "gakunin";
    settings_.display_name = "GakuNin";
    settings_.issuer = kIssuer;
    settings_.client_id = kClientId;
    settings_.client_secret_file = "/unused";
    settings_.assume_email_verified = false;
    MakeRp();
  }

  void MakeRp() {
    auto rp = OidcRelyingParty::Create(db_.get(), nullptr, settings_, kSecret, &provider_);
    ASSERT_TRUE(rp.ok()) << rp.status().ToString();
    rp_ = std::move(*rp);
  }

  // Starts a sign-in and fills claims_ with a valid ID token's claims for it.
  ExternalSignInStart Start() {
    auto start = rp_->Begin("/portal", kRedirect, now_);
    EXPECT_TRUE(start.ok()) << start.status().ToString();
    claims_ = {{"iss", kIssuer},
               {"sub", "u-1234@example.ac.jp"},
               {"aud", kClientId},
               {"iat", Unix(now_)},
               {"exp", Unix(now_) + 300},
               {"nonce", Param(start->authorization_url, "nonce")},
               {"email", "hanako@example.ac.jp"},
               {"email_verified", true},
               {"name", "Yamada Hanako"}};
    return *start;
  }

  Result<ExternalIdentity> Callback(const ExternalSignInStart& start,
                                    Clock::time_point at = Clock::time_point{}) {
    const std::multimap<std::string, std::string> params = {{"state", start.state},
                                                            {"code", "code-1"}};
    return rp_->Finish(params, start.state, at == Clock::time_point{} ? now_ : at);
  }

  static crypto::RsaSigningKey* key_;
  static crypto::RsaSigningKey* other_key_;
  const crypto::RsaSigningKey* signer_ = key_;
  Clock::time_point now_ = Clock::now();
  std::unique_ptr<db::Database> db_;
  std::unique_ptr<Accounts> accounts_;
  FakeProvider provider_;
  ExternalIdpSettings settings_;
  std::unique_ptr<OidcRelyingParty> rp_;
  json claims_;
};

crypto::RsaSigningKey* OidcClientTest::key_ = nullptr;
crypto::RsaSigningKey* OidcClientTest::other_key_ = nullptr;

TEST(OidcClientHelpers, ReturnPathIsLocalOnly) {
  EXPECT_TRUE(CheckReturnPath("/").ok());
  EXPECT_TRUE(CheckReturnPath("/portal/search?q=1#top").ok());
  for (const char* bad : {"", "https://evil.example/", "//evil.example/x", "/\\evil.example",
                          "evil", "/a b", "/a\r\nSet-Cookie:x", "javascript:alert(1)"}) {
    const Status s = CheckReturnPath(bad);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(s.message().find("return_to must be a path on this hub"), std::string::npos);
  }
  EXPECT_FALSE(CheckReturnPath("/" + std::string(600, 'a')).ok());
}

TEST(OidcClientHelpers, FormUrlEncodeMatchesRfc3986) {
  // Hand-encoded: unreserved kept, everything else %XX of its UTF-8 bytes (é = C3 A9).
  EXPECT_EQ(FormUrlEncode("aZ09-._~"), "aZ09-._~");
  EXPECT_EQ(FormUrlEncode("a b&c=d/é:+"), "a%20b%26c%3Dd%2F%C3%A9%3A%2B");
}

TEST(OidcClientHelpers, SettingsAreChecked) {
  ExternalIdpSettings s;
  s.id = "gakunin";
  s.display_name = "GakuNin";
  s.issuer = "https://idp.example.ac.jp";
  s.client_id = "hub";
  s.client_secret_file = "/etc/renkei/gakunin.secret";
  EXPECT_TRUE(CheckExternalIdpSettings(s).ok());
  auto expect_bad = [](ExternalIdpSettings b, const char* words) {
    const Status st = CheckExternalIdpSettings(b);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << words;
    EXPECT_NE(st.message().find(words), std::string::npos) << st.message();
  };
  ExternalIdpSettings b = s;
  b.id = "GakuNin!";
  expect_bad(b, "'id'");
  b = s;
  b.issuer = "http://idp.example.ac.jp";
  expect_bad(b, "must be https");
  b = s;
  b.issuer = "http://127.0.0.1:9000";
  EXPECT_TRUE(CheckExternalIdpSettings(b).ok());
  b = s;
  b.token_endpoint = "https://idp.example.ac.jp/token";
  expect_bad(b, "or none");
  b = s;
  b.scopes = {"email"};
  expect_bad(b, "openid");
  b = s;
  b.client_secret_file = "";
  expect_bad(b, "client_secret_file");
}

TEST(OidcClientHelpers, ClientSecretFileMustBePrivate) {
  const std::string path = ::testing::TempDir() + "oidc-client-secret-" + std::to_string(getpid());
  std::ofstream(path) << "the-secret\n";
  ::chmod(path.c_str(), 0644);
  EXPECT_EQ(ReadClientSecretFile(path).status().code(), StatusCode::kFailedPrecondition);
  ::chmod(path.c_str(), 0600);
  Result<std::string> secret = ReadClientSecretFile(path);
  ASSERT_TRUE(secret.ok()) << secret.status().ToString();
  EXPECT_EQ(*secret, "the-secret");
  std::remove(path.c_str());
  EXPECT_EQ(ReadClientSecretFile(path).status().code(), StatusCode::kNotFound);
}

TEST_F(OidcClientTest, AuthorizationRequestAndTokenRequestFollowTheSpec) {
  const ExternalSignInStart start = Start();
  const std::string& url = start.authorization_url;
  EXPECT_EQ(url.rfind(std::string(kIssuer) + "/authorize?", 0), 0u) << url;
  EXPECT_EQ(Param(url, "response_type"), "code");
  EXPECT_EQ(Param(url, "client_id"), kClientId);
  EXPECT_EQ(Param(url, "redirect_uri"),
            "https%3A%2F%2Fhub.example.jp%2Fv1%2Fauth%2Fidps%2Fgakunin%2Fcallback");
  EXPECT_EQ(Param(url, "scope"), "openid%20email%20profile");
  EXPECT_EQ(Param(url, "state"), start.state);
  EXPECT_EQ(start.state.size(), 43u);  // 32 random bytes
  EXPECT_EQ(Param(url, "nonce").size(), 43u);
  EXPECT_EQ(Param(url, "code_challenge_method"), "S256");
  Result<ExternalIdentity> who = Callback(start);
  ASSERT_TRUE(who.ok()) << who.status().ToString();
  // The token request: the code, the same redirect URI, the verifier of the challenge sent,
  // and client_secret_basic with id and secret form-encoded first (RFC 6749 §2.3.1).
  EXPECT_EQ(provider_.FormValue("grant_type"), "authorization_code");
  EXPECT_EQ(provider_.FormValue("code"), "code-1");
  EXPECT_EQ(provider_.FormValue("redirect_uri"), kRedirect);
  EXPECT_EQ(*CodeChallengeS256(provider_.FormValue("code_verifier")), Param(url, "code_challenge"));
  EXPECT_EQ(provider_.basic_user, "renkei-hub");
  EXPECT_EQ(provider_.basic_password, "s3cret%3Awith%2Fodd%20chars");
  EXPECT_EQ(who->subject, "u-1234@example.ac.jp");
  EXPECT_EQ(who->email, "hanako@example.ac.jp");
  EXPECT_TRUE(who->email_verified);
  EXPECT_EQ(who->name, "Yamada Hanako");
  EXPECT_EQ(who->return_to, "/portal");
  EXPECT_EQ(who->issuer, kIssuer);
}

TEST_F(OidcClientTest, StateMustBeThisBrowsersFreshAndUnused) {
  ExternalSignInStart start = Start();
  // Another browser's cookie (or none): refused, and the state still works for its owner.
  auto r = rp_->Finish({{"state", start.state}, {"code", "c"}}, "someone-else", now_);
  EXPECT_EQ(r.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(r.status().message().find("not started in this browser"), std::string::npos);
  r = rp_->Finish({{"state", start.state}, {"code", "c"}}, "", now_);
  EXPECT_EQ(r.status().code(), StatusCode::kUnauthenticated);
  ASSERT_TRUE(Callback(start).ok());
  // Used once: never again.
  r = Callback(start);
  EXPECT_EQ(r.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(r.status().message().find("already used"), std::string::npos);
  // Expired after kStateLifetime.
  start = Start();
  r = Callback(start, now_ + OidcRelyingParty::kStateLifetime + std::chrono::seconds(1));
  EXPECT_EQ(r.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(r.status().message().find("took longer"), std::string::npos);
  // A state nobody issued.
  r = rp_->Finish({{"state", "forged"}, {"code", "c"}}, "forged", now_);
  EXPECT_NE(r.status().message().find("unknown"), std::string::npos);
  // Malformed callbacks.
  EXPECT_EQ(rp_->Finish({{"code", "c"}}, "x", now_).status().code(), StatusCode::kInvalidArgument);
  start = Start();
  EXPECT_EQ(rp_->Finish({{"state", start.state}, {"state", start.state}}, start.state, now_)
                .status()
                .code(),
            StatusCode::kInvalidArgument);
}

TEST_F(OidcClientTest, ProviderErrorsAndMixUpAreRefused) {
  ExternalSignInStart start = Start();
  auto r = rp_->Finish({{"state", start.state}, {"error", "access_denied"}}, start.state, now_);
  EXPECT_EQ(r.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(r.status().message().find("refused: access_denied"), std::string::npos);
  start = Start();
  r = rp_->Finish({{"state", start.state}, {"code", "c"}, {"iss", "https://evil.example"}},
                  start.state, now_);
  EXPECT_NE(r.status().message().find("not \"https://idp.example.ac.jp\""), std::string::npos)
      << r.status().message();
  start = Start();
  provider_.token_reply = [] { return OidcHttpReply{400, R"({"error":"invalid_grant"})"}; };
  r = Callback(start);
  EXPECT_EQ(r.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(r.status().message().find("invalid_grant"), std::string::npos);
  start = Start();
  provider_.token_reply = [] { return OidcHttpReply{200, R"({"access_token":"x"})"}; };
  EXPECT_NE(Callback(start).status().message().find("no id_token"), std::string::npos);
}

TEST_F(OidcClientTest, IdTokenChecksOfCore3137) {
  struct Case {
    const char* name;
    std::function<void(json&)> change;
    const char* words;
  };
  const int64_t t = Unix(now_);
  const std::vector<Case> cases = {
      {"other issuer", [](json& c) { c["iss"] = "https://other.example"; }, "issuer"},
      {"other audience", [](json& c) { c["aud"] = "someone-else"; }, "audience"},
      {"several audiences, no azp",
       [](json& c) {
         c["aud"] = json::array({kClientId, "x"});
       },
       "no azp"},
      {"wrong azp", [](json& c) { c["azp"] = "x"; }, "azp"},
      {"wrong nonce", [](json& c) { c["nonce"] = "n-0"; }, "nonce"},
      {"no nonce", [](json& c) { c.erase("nonce"); }, "nonce"},
      {"expired", [t](json& c) { c["exp"] = t - 120; }, "expired"},
      {"issued in the future", [t](json& c) { c["iat"] = t + 600; }, "future"},
      {"issued long ago", [t](json& c) { c["iat"] = t - 3600; }, "too long ago"},
      {"no iat", [](json& c) { c.erase("iat"); }, "no iat"},
      {"no sub", [](json& c) { c.erase("sub"); }, "sub"},
      {"wrong at_hash", [](json& c) { c["at_hash"] = "AAAAAAAAAAAAAAAAAAAAAA"; }, "at_hash"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const ExternalSignInStart start = Start();
    c.change(claims_);
    const Result<ExternalIdentity> r = Callback(start);
    EXPECT_EQ(r.status().code(), StatusCode::kUnauthenticated);
    EXPECT_NE(r.status().message().find(c.words), std::string::npos) << r.status().message();
  }
  // The right at_hash (§3.1.3.8): left half of SHA-256("at-1"), base64url.
  const ExternalSignInStart start = Start();
  claims_["at_hash"] = crypto::Base64UrlEncode(crypto::Sha256("at-1").substr(0, 16));
  EXPECT_TRUE(Callback(start).ok());
}

TEST_F(OidcClientTest, SignatureMustBeByTheProvidersKeyWithRefetchOnUnknownKid) {
  // Signed by another key: its kid is unknown, the JWKS is fetched again, still unknown.
  signer_ = other_key_;
  ExternalSignInStart start = Start();
  const int before = provider_.gets[std::string(kIssuer) + "/jwks"];
  auto r = Callback(start);
  EXPECT_EQ(r.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(r.status().message().find("kid"), std::string::npos) << r.status().message();
  EXPECT_EQ(provider_.gets[std::string(kIssuer) + "/jwks"], before + 1);
  // Another unknown kid right away: no second fetch (rate limit), still refused.
  start = Start();
  EXPECT_FALSE(Callback(start).ok());
  EXPECT_EQ(provider_.gets[std::string(kIssuer) + "/jwks"], before + 1);

  // A provider that rotated its keys: the new JWKS is fetched and the token accepted.
  MakeRp();
  provider_.jwks = {{"keys", {JwkToJson(other_key_->public_jwk())}}};
  start = Start();
  r = Callback(start);
  EXPECT_TRUE(r.ok()) << r.status().ToString();

  // A token claiming the provider's kid but signed by another key: bad signature.
  MakeRp();
  provider_.jwks = {{"keys", {JwkToJson(key_->public_jwk())}}};
  start = Start();
  provider_.token_reply = [this] {
    std::string token = *SignJwt(claims_, *key_);
    const std::string forged = *SignJwt(claims_, *other_key_);
    token = token.substr(0, token.rfind('.')) + forged.substr(forged.rfind('.'));
    return OidcHttpReply{200, json{{"access_token", "at-1"}, {"id_token", token}}.dump()};
  };
  r = Callback(start);
  EXPECT_NE(r.status().message().find("signature does not verify"), std::string::npos)
      << r.status().message();
}

TEST_F(OidcClientTest, DiscoveryMustNameTheConfiguredIssuer) {
  provider_.discovery_issuer = "https://evil.example";
  MakeRp();
  const Status s = rp_->Load();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("names issuer"), std::string::npos);
  EXPECT_FALSE(rp_->Begin("/", kRedirect, now_).ok());
  EXPECT_EQ(rp_->Begin("https://evil.example/", kRedirect, now_).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(OidcClientTest, AccountsAreCreatedLinkedOrRefused) {
  ExternalIdentity who;
  who.idp = "gakunin";
  who.issuer = kIssuer;
  who.subject = "sub-1";
  who.email = "taro@example.ac.jp";
  who.email_verified = true;
  who.name = "Taro";
  auto a = rp_->ResolveAccount(*accounts_, who, now_);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->how, ExternalAccount::How::kCreated);
  EXPECT_EQ(a->user.email, "taro@example.ac.jp");
  EXPECT_EQ(a->user.display_name, "Taro");
  EXPECT_EQ(a->user.institution, "GakuNin");
  EXPECT_EQ(a->user.roles, (std::vector<RoleGrant>{{"researcher", ""}}));
  const int64_t id = a->user.id;
  // The same (idp, sub) again: the same account, whatever the email now says.
  who.email = "changed@example.ac.jp";
  a = rp_->ResolveAccount(*accounts_, who, now_);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->how, ExternalAccount::How::kLinked);
  EXPECT_EQ(a->user.id, id);

  // A new subject whose verified email belongs to an existing account: not linked by default.
  who.subject = "sub-2";
  who.email = "taro@example.ac.jp";
  a = rp_->ResolveAccount(*accounts_, who, now_);
  EXPECT_EQ(a.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(a.status().message().find("already exists"), std::string::npos);
  settings_.link_by_verified_email = true;
  MakeRp();
  who.email_verified = false;  // allowed to link, but the email is not verified
  EXPECT_EQ(rp_->ResolveAccount(*accounts_, who, now_).status().code(),
            StatusCode::kFailedPrecondition);
  who.email_verified = true;
  a = rp_->ResolveAccount(*accounts_, who, now_);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->how, ExternalAccount::How::kLinkedByEmail);
  EXPECT_EQ(a->user.id, id);

  // New identities without a (verified) email, or with creation off.
  who.subject = "sub-3";
  who.email = "jiro@example.ac.jp";
  who.email_verified = false;
  EXPECT_EQ(rp_->ResolveAccount(*accounts_, who, now_).status().code(),
            StatusCode::kPermissionDenied);
  who.email = "";
  EXPECT_EQ(rp_->ResolveAccount(*accounts_, who, now_).status().code(),
            StatusCode::kPermissionDenied);
  settings_.assume_email_verified = true;
  settings_.create_accounts = false;
  MakeRp();
  who.email = "jiro@example.ac.jp";
  EXPECT_EQ(rp_->ResolveAccount(*accounts_, who, now_).status().code(),
            StatusCode::kPermissionDenied);
  settings_.create_accounts = true;
  MakeRp();
  a = rp_->ResolveAccount(*accounts_, who, now_);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->user.display_name, "Taro");  // the name claim; jiro has none of his own here
}

TEST_F(OidcClientTest, AccountsWithTotpGiveTheirCodeAfterTheProvider) {
  auto u = accounts_->CreateUser(
      {"admin@example.jp", "Admin", "", "academic", "correct horse battery staple"}, "system",
      now_);
  ASSERT_TRUE(u.ok());
  auto e = accounts_->BeginTotp(u->id, now_);
  const std::string secret = *Base32Decode(e->secret_base32);
  ASSERT_TRUE(accounts_->ConfirmTotp(u->id, *TotpCode(secret, Unix(now_) - 30), now_).ok());
  auto s = accounts_->SignInExternal(u->id, "oidc:gakunin", "", "127.0.0.1", now_);
  EXPECT_EQ(s.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(s.status().message().find("second factor required"), std::string::npos);
  EXPECT_EQ(
      accounts_->SignInExternal(u->id, "oidc:gakunin", "000000", "127.0.0.1", now_).status().code(),
      StatusCode::kUnauthenticated);
  s = accounts_->SignInExternal(u->id, "oidc:gakunin", *TotpCode(secret, Unix(now_)), "127.0.0.1",
                                now_);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_TRUE(accounts_->AuthenticateSession(s->token, now_).ok());

  // The ticket that holds a sign-in for its code works once and expires.
  auto ticket = rp_->HoldForSecondFactor(u->id, "/portal", now_);
  ASSERT_TRUE(ticket.ok());
  auto held = OidcRelyingParty::TakeSecondFactorTicket(*db_, *ticket, now_);
  ASSERT_TRUE(held.ok());
  EXPECT_EQ(held->user_id, u->id);
  EXPECT_EQ(held->idp, "gakunin");
  EXPECT_EQ(held->return_to, "/portal");
  EXPECT_EQ(OidcRelyingParty::TakeSecondFactorTicket(*db_, *ticket, now_).status().code(),
            StatusCode::kUnauthenticated);
  ticket = rp_->HoldForSecondFactor(u->id, "/", now_);
  EXPECT_EQ(OidcRelyingParty::TakeSecondFactorTicket(*db_, *ticket,
                                                     now_ + OidcRelyingParty::kSecondFactorLifetime)
                .status()
                .code(),
            StatusCode::kUnauthenticated);
}

}  // namespace
}  // namespace renkei::identity
