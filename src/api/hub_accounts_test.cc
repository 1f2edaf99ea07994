// The hub's account routes over HTTP, and the authorization matrix: every route the hub
// registers × every kind of caller.
#include <gtest/gtest.h>
#include <httplib.h>

#include "api/hub_server.h"
#include "api/hub_test_client.h"
#include "api/openapi_check.h"
#include "identity/jwt.h"
#include "identity/pkce.h"
#include "identity/totp.h"

namespace renkei {
namespace {

using nlohmann::json;
using Clock = std::chrono::system_clock;

const char* const kPassword = testing::kTestPassword;
using testing::Answer;
using testing::Credentials;

class HubAccountsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    HubConfig c = testing::LoopbackHubConfig(8);
    key_path_ = new std::string(::testing::TempDir() + "hub-accounts-test-" +
                                std::to_string(::getpid()) + ".oidc.pem");
    c.oidc_signing_key = *key_path_;
    hub_ = new testing::RunningHub();
    ASSERT_NO_FATAL_FAILURE(hub_->Start(c));
  }
  static void TearDownTestSuite() {
    delete hub_;
    std::remove(key_path_->c_str());
    delete key_path_;
  }

  static Answer Call(const std::string& method, const std::string& path, const json& body,
                     const Credentials& who) {
    return testing::HubTestClient(*hub_).Call(method, path, body, who);
  }

  // An account with `roles`, signed in; with a TOTP second factor when `totp`.
  static Credentials Account(const std::string& email, std::vector<std::string> roles, bool totp) {
    return testing::HubTestClient(*hub_).Account(email, roles, totp);
  }

  static std::string Token(const Credentials& session, std::vector<std::string> scopes) {
    const Answer a =
        Call("POST", "/v1/me/tokens", {{"name", "script"}, {"scopes", scopes}}, session);
    EXPECT_EQ(a.status, 200) << a.body.dump();
    return a.body.value("token", "");
  }

  static inline testing::RunningHub* hub_ = nullptr;
  static inline std::string* key_path_ = nullptr;
};

TEST_F(HubAccountsTest, SignUpSignInUseAndSignOut) {
  Answer a = Call("POST", "/v1/auth/sign-up",
                  {{"email", "hanako@example.ac.jp"},
                   {"display_name", "山田花子"},
                   {"institution", "東北大学"},
                   {"password", kPassword}},
                  {});
  ASSERT_EQ(a.status, 201) << a.body.dump();
  EXPECT_EQ(a.body["roles"], json::array({"researcher"}));
  EXPECT_EQ(Validate(OpenApi(), "User", a.body), "");
  a = Call("POST", "/v1/auth/sign-in", {{"email", "hanako@example.ac.jp"}, {"password", "nope"}},
           {});
  EXPECT_EQ(a.status, 401);
  EXPECT_TRUE(a.set_cookie.empty());
  a = Call("POST", "/v1/auth/sign-in", {{"email", "hanako@example.ac.jp"}, {"password", kPassword}},
           {});
  ASSERT_EQ(a.status, 200) << a.body.dump();
  for (const char* attr : {"HttpOnly", "Secure", "SameSite=Strict", "Path=/"}) {
    EXPECT_NE(a.set_cookie.find(attr), std::string::npos) << a.set_cookie;
  }
  const size_t b = a.set_cookie.find('=') + 1;
  Credentials session{a.set_cookie.substr(b, a.set_cookie.find(';') - b),
                      a.body["csrf_token"].get<std::string>(), ""};
  a = Call("GET", "/v1/me", {}, session);
  ASSERT_EQ(a.status, 200);
  EXPECT_EQ(a.body["display_name"], "山田花子");
  // A state change without the CSRF token is refused.
  a = Call("POST", "/v1/me/tokens", {{"name", "x"}, {"scopes", {"query"}}},
           {session.cookie, "", ""});
  EXPECT_EQ(a.status, 403);
  EXPECT_NE(a.body.dump().find("X-CSRF-Token"), std::string::npos);
  // A token with the query scope asks the query routes at the registered tier.
  const std::string token = Token(session, {"query"});
  a = Call("POST", "/v1/search", {{"cohort", "sex=male"}}, {"", "", token});
  EXPECT_EQ(a.status, 200) << a.body.dump();
  // … but not administration, and cannot make more tokens.
  EXPECT_EQ(Call("GET", "/v1/admin/users", {}, {"", "", token}).status, 403);
  EXPECT_EQ(
      Call("POST", "/v1/me/tokens", {{"name", "y"}, {"scopes", {"query"}}}, {"", "", token}).status,
      403);
  // Revoked: refused from then on.
  a = Call("GET", "/v1/me/tokens", {}, session);
  ASSERT_EQ(a.status, 200);
  ASSERT_EQ(a.body["tokens"].size(), 1u);
  const std::string id = std::to_string(a.body["tokens"][0]["id"].get<int64_t>());
  EXPECT_EQ(Call("DELETE", "/v1/me/tokens/" + id, {}, session).status, 200);
  EXPECT_EQ(Call("POST", "/v1/search", {{"cohort", "sex=male"}}, {"", "", token}).status, 401);
  // Signed out: the cookie no longer works.
  a = Call("POST", "/v1/auth/sign-out", {}, session);
  EXPECT_EQ(a.status, 200);
  EXPECT_NE(a.set_cookie.find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(Call("GET", "/v1/me", {}, session).status, 401);
}

TEST_F(HubAccountsTest, TotpEnrolmentOverHttp) {
  const Credentials s = Account("totp@example.ac.jp", {}, false);
  Answer a = Call("POST", "/v1/me/totp", {}, s);
  ASSERT_EQ(a.status, 200) << a.body.dump();
  EXPECT_EQ(a.body["otpauth_uri"].get<std::string>().rfind("otpauth://totp/", 0), 0u);
  const std::string secret = *identity::Base32Decode(a.body["secret"].get<std::string>());
  const int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(Clock::now().time_since_epoch()).count();
  EXPECT_EQ(Call("POST", "/v1/me/totp/confirm", {{"code", "000000x"}}, s).status, 400);
  a = Call("POST", "/v1/me/totp/confirm", {{"code", *identity::TotpCode(secret, now)}}, s);
  ASSERT_EQ(a.status, 200) << a.body.dump();
  EXPECT_EQ(a.body["recovery_codes"].size(), 10u);
  EXPECT_EQ(Call("POST", "/v1/me/totp", {}, s).status, 409);
  // Now sign-in needs the second factor.
  a = Call("POST", "/v1/auth/sign-in", {{"email", "totp@example.ac.jp"}, {"password", kPassword}},
           {});
  EXPECT_EQ(a.status, 401);
  EXPECT_NE(a.body.dump().find("second factor required"), std::string::npos);
}

TEST_F(HubAccountsTest, AdministratorsManageRolesAndReadTheAuditLog) {
  const Credentials admin = Account("admin@example.jp", {"platform_admin"}, true);
  const Credentials user = Account("user@example.jp", {}, false);
  Answer a = Call("GET", "/v1/admin/users", {}, admin);
  ASSERT_EQ(a.status, 200) << a.body.dump();
  int64_t user_id = 0;
  for (const json& u : a.body["users"]) {
    if (u["email"] == "user@example.jp") user_id = u["id"];
  }
  ASSERT_GT(user_id, 0);
  const std::string roles = "/v1/admin/users/" + std::to_string(user_id) + "/roles";
  a = Call("POST", roles, {{"role", "site_admin:tohoku"}}, admin);
  ASSERT_EQ(a.status, 200) << a.body.dump();
  EXPECT_NE(a.body["roles"].dump().find("site_admin:tohoku"), std::string::npos);
  EXPECT_EQ(Call("POST", roles, {{"role", "king"}}, admin).status, 400);
  EXPECT_EQ(Call("POST", "/v1/admin/users/999999/roles", {{"role", "reviewer"}}, admin).status,
            404);
  a = Call("DELETE", roles + "/site_admin:tohoku", {}, admin);
  ASSERT_EQ(a.status, 200) << a.body.dump();
  EXPECT_EQ(a.body["roles"], json::array({"researcher"}));
  // The user now holds an administrative role no longer: still only a researcher.
  EXPECT_EQ(Call("GET", "/v1/admin/users", {}, user).status, 403);
  a = Call("GET", "/v1/admin/audit?action=user.role_&limit=10", {}, admin);
  ASSERT_EQ(a.status, 200) << a.body.dump();
  ASSERT_GE(a.body["entries"].size(), 2u);
  EXPECT_EQ(a.body["entries"][0]["action"], "user.role_revoke");
  EXPECT_EQ(Validate(OpenApi(), "AuditEntry", a.body["entries"][0]), "");
  EXPECT_EQ(Call("GET", "/v1/admin/audit?limit=abc", {}, admin).status, 400);
  a = Call("GET", "/v1/admin/audit/verify", {}, admin);
  ASSERT_EQ(a.status, 200);
  EXPECT_EQ(a.body["intact"], true);
}

TEST_F(HubAccountsTest, AdministratorsWithoutASecondFactorMustEnrolFirst) {
  const Credentials s = Account("new-secretariat@example.jp", {"secretariat"}, false);
  EXPECT_EQ(Call("GET", "/v1/me", {}, s).status, 200);
  const Answer a = Call("GET", "/v1/me/tokens", {}, s);
  EXPECT_EQ(a.status, 403);
  EXPECT_NE(a.body.dump().find("enrol"), std::string::npos);
  EXPECT_EQ(Call("POST", "/v1/me/totp", {}, s).status, 200);
}

TEST_F(HubAccountsTest, BadInputGetsClearErrors) {
  struct Case {
    std::string path, body;
    int status;
  };
  const std::vector<Case> cases = {
      {"/v1/auth/sign-in", "{not json", 400},
      {"/v1/auth/sign-in", "[1]", 400},
      {"/v1/auth/sign-in", R"({"email": "a@b.jp", "password": 7})", 400},
      {"/v1/auth/sign-in", R"({"email": "a@b.jp", "password": "x", "admin": true})", 400},
      {"/v1/auth/sign-up", R"({"email": "bad", "display_name": "A", "password": "x"})", 400},
      {"/v1/auth/sign-up", std::string(2 << 20, ' '), 413},
  };
  for (const Case& c : cases) {
    httplib::Client client("127.0.0.1", hub_->port);
    auto r = client.Post(c.path, c.body, "application/json");
    ASSERT_TRUE(r) << c.path;
    EXPECT_EQ(r->status, c.status) << c.body.substr(0, 80) << " → " << r->body;
    const json error = json::parse(r->body, nullptr, false);
    EXPECT_EQ(Validate(OpenApi(), "Error", error), "") << r->body;
  }
}

// Another system signs a user in through the hub (OpenID Connect, authorization code + PKCE),
// exactly as a client does: every step over HTTP, the ID token checked against the published
// keys.
TEST_F(HubAccountsTest, AClientSignsAUserInWithOpenIdConnect) {
  const Credentials admin = Account("oidc-admin@example.jp", {"platform_admin"}, true);
  const Credentials user = Account("oidc-user@example.jp", {}, false);
  const std::string redirect = "http://127.0.0.1:9/callback";
  Answer a = Call("POST", "/v1/admin/oidc/clients",
                  {{"name", "biobank search"}, {"redirect_uris", {redirect}}}, admin);
  ASSERT_EQ(a.status, 200) << a.body.dump();
  const std::string client_id = a.body["client_id"], secret = a.body["client_secret"];
  EXPECT_EQ(
      Call("POST", "/v1/admin/oidc/clients", {{"name", "x"}, {"redirect_uris", {redirect}}}, user)
          .status,
      403);
  a = Call("GET", "/.well-known/openid-configuration", {}, {});
  ASSERT_EQ(a.status, 200);
  const std::string issuer = a.body["issuer"];
  EXPECT_EQ(a.body["authorization_endpoint"], issuer + "/oidc/authorize");

  const std::string verifier = identity::GenerateCodeVerifier();
  const std::string query = "/oidc/authorize?response_type=code&client_id=" + client_id +
                            "&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcallback" +
                            "&scope=openid%20email%20profile&state=s-42&nonce=n-7&code_challenge=" +
                            *identity::CodeChallengeS256(verifier) + "&code_challenge_method=S256";
  EXPECT_EQ(Call("GET", query, {}, {}).status, 401);  // not signed in
  httplib::Client browser("127.0.0.1", hub_->port);
  auto r = browser.Get(query, {{"Cookie", "renkei_session=" + user.cookie}});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 302) << r->body;
  const std::string location = r->get_header_value("Location");
  ASSERT_EQ(location.rfind(redirect + "?", 0), 0u) << location;
  EXPECT_NE(location.find("state=s-42"), std::string::npos);
  const size_t c = location.find("code=") + 5;
  const std::string code = location.substr(c, location.find('&', c) - c);

  httplib::Client server("127.0.0.1", hub_->port);
  server.set_basic_auth(client_id, secret);
  const httplib::Params form = {{"grant_type", "authorization_code"},
                                {"code", code},
                                {"redirect_uri", redirect},
                                {"code_verifier", verifier}};
  r = server.Post("/oidc/token", form);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const json tokens = json::parse(r->body);

  a = Call("GET", "/oidc/jwks", {}, {});
  ASSERT_EQ(a.status, 200);
  auto keys = identity::JwkSet::FromJson(a.body);
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  identity::JwtVerifyOptions options;
  options.issuer = issuer;
  options.audience = client_id;
  options.now =
      std::chrono::duration_cast<std::chrono::seconds>(Clock::now().time_since_epoch()).count();
  auto claims = identity::VerifyJwt(tokens["id_token"].get<std::string>(), *keys, options);
  ASSERT_TRUE(claims.ok()) << claims.status().ToString();
  EXPECT_EQ((*claims)["nonce"], "n-7");
  EXPECT_EQ((*claims)["email"], "oidc-user@example.jp");
  httplib::Client api("127.0.0.1", hub_->port);
  r = api.Get("/oidc/userinfo",
              {{"Authorization", "Bearer " + tokens["access_token"].get<std::string>()}});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(json::parse(r->body)["sub"], (*claims)["sub"]);
  // The same code again: refused, and the access token it gave is revoked (RFC 6749 §4.1.2).
  r = server.Post("/oidc/token", form);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400) << r->body;
  r = api.Get("/oidc/userinfo",
              {{"Authorization", "Bearer " + tokens["access_token"].get<std::string>()}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401) << r->body;
}

// Every route × every kind of caller. The expectation comes from the route's declared Access
// (so a new route must declare one), checked against what the server actually answers: 401
// for no or bad credentials where sign-in is needed, 403 for a missing role or scope, anything
// else otherwise.
TEST_F(HubAccountsTest, AuthorizationMatrix) {
  const Credentials researcher = Account("m-researcher@example.jp", {}, false);
  const Credentials secretariat = Account("m-secretariat@example.jp", {"secretariat"}, true);
  const Credentials reviewer = Account("m-reviewer@example.jp", {"reviewer"}, true);
  const Credentials site_admin = Account("m-site@example.jp", {"site_admin:tohoku"}, true);
  const Credentials admin = Account("m-admin@example.jp", {"platform_admin"}, true);
  const Credentials query_token{"", "", Token(researcher, {"query"})};
  const Credentials admin_token{"", "", Token(admin, {"admin"})};
  const Credentials bad_token{"", "", "rk_tok_0000"};
  enum class Expect { kAllowed, k401, k403, kNot401 };
  struct Who {
    const char* name;
    Credentials cred;
    bool is_admin, is_token, anonymous;
    bool is_site_admin = false;
  };
  const std::vector<Who> callers = {
      {"anonymous", {}, false, false, true},
      {"bad token", bad_token, false, true, false},
      {"researcher", researcher, false, false, false},
      {"secretariat", secretariat, false, false, false},
      {"reviewer", reviewer, false, false, false},
      {"site admin", site_admin, false, false, false, true},
      {"platform admin", admin, true, false, false},
      {"query token", query_token, false, true, false},
      {"admin token", admin_token, true, true, false},
  };
  int checked = 0;
  for (const Route& route : hub_->server->routes()) {
    // Sign-up and sign-in take credentials in the body, and sign-out would end the sessions
    // used here: they have tests of their own.
    if (route.path.starts_with("/v1/auth/")) continue;
    // The OpenID Connect endpoints speak their own protocol (OAuth errors, client credentials,
    // their own bearer tokens): AClientSignsAUserInWithOpenIdConnect covers them.
    if (route.path.starts_with("/oidc/") || route.path.starts_with("/.well-known/")) continue;
    std::string path = route.path;
    for (auto [from, to] : {std::pair<std::string, std::string>{"{id}", "999999"},
                            std::pair<std::string, std::string>{"{role}", "reviewer"}}) {
      if (size_t at = path.find(from); at != std::string::npos) path.replace(at, from.size(), to);
    }
    for (const Who& w : callers) {
      Expect e = Expect::kAllowed;
      if (w.cred.bearer == bad_token.bearer) {
        e = Expect::k401;
      } else if (route.access == Access::kPublic) {
        e = Expect::kNot401;  // the tier, not the route, decides what the caller gets
      } else if (w.anonymous) {
        e = Expect::k401;
      } else if (route.access == Access::kPlatformAdmin && !w.is_admin) {
        e = Expect::k403;
      } else if (route.access == Access::kSiteAdmin && !w.is_site_admin) {
        e = Expect::k403;
      } else if (route.access == Access::kSignedIn && w.is_token && route.method == "POST" &&
                 route.path == "/v1/me/tokens") {
        e = Expect::k403;  // tokens are made in browser sessions only
      }
      const Answer a = Call(route.method, path, json::object(), w.cred);
      SCOPED_TRACE(route.method + " " + route.path + " as " + w.name + " → " +
                   std::to_string(a.status) + " " + a.body.dump().substr(0, 200));
      ASSERT_NE(a.status, 0);
      switch (e) {
        case Expect::kAllowed:
          EXPECT_NE(a.status, 401);
          EXPECT_NE(a.status, 403);
          break;
        case Expect::k401:
          EXPECT_EQ(a.status, 401);
          break;
        case Expect::k403:
          EXPECT_EQ(a.status, 403);
          break;
        case Expect::kNot401:
          EXPECT_NE(a.status, 401);
          break;
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 150);
}

}  // namespace
}  // namespace renkei
