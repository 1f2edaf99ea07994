// Sign-in through an external OpenID provider, end to end over loopback: a second hub is the
// provider (the real OIDC provider of identity/oidc_provider.h), and a small in-test provider
// issues the broken ID tokens a real one would not.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <functional>
#include <thread>

#include "api/hub_server.h"
#include "api/hub_test_client.h"
#include "api/openapi_check.h"
#include "audit/audit_log.h"
#include "crypto/openssl.h"
#include "crypto/sodium.h"
#include "identity/jwt.h"
#include "identity/totp.h"

namespace renkei {
namespace {

using nlohmann::json;
using Clock = std::chrono::system_clock;

const char* const kPassword = testing::kTestPassword;
using testing::RunningHub;
using testing::UnixNow;

// An HTTP answer with every Set-Cookie header as name → value.
struct Reply {
  int status = 0;
  json body;
  std::string location;
  std::map<std::string, std::string> cookies;
};

Reply Send(int port, const std::string& method, const std::string& path,
           const httplib::Headers& headers = {}, const std::string& body = "") {
  httplib::Client client("127.0.0.1", port);
  httplib::Result r = method == "GET" ? client.Get(path, headers)
                                      : client.Post(path, headers, body, "application/json");
  Reply out;
  if (!r) return out;
  out.status = r->status;
  out.body = json::parse(r->body, nullptr, false);
  out.location = r->get_header_value("Location");
  for (size_t i = 0; i < r->get_header_value_count("Set-Cookie"); ++i) {
    const std::string c = r->get_header_value("Set-Cookie", i);
    const size_t eq = c.find('=');
    out.cookies[c.substr(0, eq)] = c.substr(eq + 1, c.find(';') - eq - 1);
  }
  return out;
}

// The path and query of an absolute URL on loopback.
std::string PathOf(const std::string& url) { return url.substr(url.find('/', 8)); }

std::string Param(const std::string& url, const std::string& name) {
  const size_t at = url.find(name + "=", url.find('?'));
  if (at == std::string::npos) return "";
  const size_t b = at + name.size() + 1;
  return url.substr(b, url.find('&', b) - b);
}

// A port free right now. (Not httplib::Server::bind_to_any_port: a server that never listened
// keeps its socket open, and with SO_REUSEPORT it would then share the port with the hub.)
int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

std::string SecretFile(const std::string& name, const std::string& secret) {
  const std::string path =
      ::testing::TempDir() + "hub-extidp-" + std::to_string(getpid()) + "-" + name;
  std::ofstream(path) << secret << "\n";
  ::chmod(path.c_str(), 0600);
  return path;
}

class HubExternalIdpTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // 1. The provider: a renkei hub with its OpenID Connect provider.
    HubConfig p = testing::LoopbackHubConfig(4);
    p.oidc_signing_key = ::testing::TempDir() + "hub-extidp-" + std::to_string(getpid()) + ".pem";
    provider_ = new RunningHub();
    ASSERT_NO_FATAL_FAILURE(provider_->Start(p));
    issuer_ = new std::string(provider_->url());

    // 2. The broken-token provider.
    fake_ = new httplib::Server();
    fake_key_ = new crypto::RsaSigningKey(*crypto::RsaSigningKey::Generate());
    rogue_key_ = new crypto::RsaSigningKey(*crypto::RsaSigningKey::Generate());
    fake_port_ = fake_->bind_to_any_port("127.0.0.1");
    fake_issuer_ = new std::string("http://127.0.0.1:" + std::to_string(fake_port_));
    fake_claims_ = new std::function<json()>();
    fake_->Get("/.well-known/openid-configuration",
               [](const httplib::Request&, httplib::Response& res) {
                 res.set_content(json{{"issuer", *fake_issuer_},
                                      {"authorization_endpoint", *fake_issuer_ + "/authorize"},
                                      {"token_endpoint", *fake_issuer_ + "/token"},
                                      {"jwks_uri", *fake_issuer_ + "/jwks"}}
                                     .dump(),
                                 "application/json");
               });
    fake_->Get("/jwks", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(json{{"keys", {identity::JwkToJson(fake_key_->public_jwk())}}}.dump(),
                      "application/json");
    });
    fake_->Post("/token", [](const httplib::Request& req, httplib::Response& res) {
      const json claims = (*fake_claims_)();
      const crypto::RsaSigningKey* key = claims.value("rogue", false) ? rogue_key_ : fake_key_;
      json c = claims;
      c.erase("rogue");
      // The provider checks the client's credentials as a real one would.
      const std::string expected =
          "Basic " + crypto::Base64Encode(std::string("fake-client:fake-secret"));
      if (req.get_header_value("Authorization") != expected) {
        res.status = 401;
        res.set_content(R"({"error":"invalid_client"})", "application/json");
        return;
      }
      res.set_content(
          json{{"access_token", "at"}, {"id_token", *identity::SignJwt(c, *key)}}.dump(),
          "application/json");
    });
    fake_thread_ = new std::thread([] { fake_->listen_after_bind(); });

    // 3. The hub users sign in to, with both providers configured. The provider hub needs the
    // client's redirect URI before this hub exists: pick its port first.
    const int rp_port = FreePort();
    const std::string callback =
        "http://127.0.0.1:" + std::to_string(rp_port) + "/v1/auth/idps/renkei-idp/callback";
    auto client = RegisterClient(callback);
    HubConfig c = testing::LoopbackHubConfig(4);
    c.listen.port = rp_port;
    identity::ExternalIdpSettings real;
    real.id = "renkei-idp";
    real.display_name = "Partner university";
    real.issuer = *issuer_;
    real.client_id = client.first;
    real.client_secret_file = SecretFile("real", client.second);
    // The renkei provider does not assert email_verified; its accounts' addresses are its own.
    real.assume_email_verified = true;
    identity::ExternalIdpSettings fake;
    fake.id = "fake";
    fake.display_name = "Test IdP";
    fake.issuer = *fake_issuer_;
    fake.client_id = "fake-client";
    fake.client_secret_file = SecretFile("fake", "fake-secret");
    c.external_idps = {real, fake};
    hub_ = new RunningHub();
    ASSERT_NO_FATAL_FAILURE(hub_->Start(c));
    ASSERT_EQ(hub_->port, rp_port);
  }

  static void TearDownTestSuite() {
    delete hub_;
    fake_->stop();
    fake_thread_->join();
    delete fake_thread_;
    delete fake_;
    delete provider_;
    for (auto* p : {issuer_, fake_issuer_}) delete p;
    delete fake_claims_;
    delete fake_key_;
    delete rogue_key_;
  }

  // Registers the relying party at the provider hub, as its administrator would.
  static std::pair<std::string, std::string> RegisterClient(const std::string& redirect) {
    identity::Accounts& accounts = provider_->server->service().accounts();
    auto admin = accounts.CreateUser(
        {"idp-admin@example.ac.jp", "Admin", "", "academic", kPassword}, "system", Clock::now());
    EXPECT_TRUE(admin.ok());
    EXPECT_TRUE(accounts.GrantRole(admin->id, {"platform_admin", ""}, "system", Clock::now()).ok());
    auto e = accounts.BeginTotp(admin->id, Clock::now());
    auto codes = accounts.ConfirmTotp(
        admin->id, *identity::TotpCode(*identity::Base32Decode(e->secret_base32), UnixNow()),
        Clock::now());
    const Reply in = Send(provider_->port, "POST", "/v1/auth/sign-in", {},
                          json{{"email", "idp-admin@example.ac.jp"},
                               {"password", kPassword},
                               {"second_factor", codes->at(0)}}
                              .dump());
    EXPECT_EQ(in.status, 200) << in.body.dump();
    const Reply r = Send(provider_->port, "POST", "/v1/admin/oidc/clients",
                         {{"Cookie", "renkei_session=" + in.cookies.at("renkei_session")},
                          {"X-CSRF-Token", in.body.value("csrf_token", "")}},
                         json{{"name", "renkei hub"}, {"redirect_uris", {redirect}}}.dump());
    EXPECT_EQ(r.status, 200) << r.body.dump();
    return {r.body.value("client_id", ""), r.body.value("client_secret", "")};
  }

  // A user of the provider hub, signed in there: its session cookie.
  static std::string ProviderUser(const std::string& email) {
    auto u = provider_->server->service().accounts().CreateUser(
        {email, "Suzuki Ichiro", "Partner University", "academic", kPassword}, "system",
        Clock::now());
    EXPECT_TRUE(u.ok()) << u.status().ToString();
    const Reply in = Send(provider_->port, "POST", "/v1/auth/sign-in", {},
                          json{{"email", email}, {"password", kPassword}}.dump());
    EXPECT_EQ(in.status, 200);
    return in.cookies.at("renkei_session");
  }

  // The browser: start at our hub, sign in at the provider (already signed in there), come
  // back. Returns the callback's answer.
  static Reply SignInThroughProvider(const std::string& provider_session,
                                     const std::string& return_to = "/portal") {
    const Reply start =
        Send(hub_->port, "GET", "/v1/auth/idps/renkei-idp/start?return_to=" + return_to);
    EXPECT_EQ(start.status, 302) << start.body.dump();
    EXPECT_EQ(start.location.rfind(*issuer_ + "/oidc/authorize?", 0), 0u) << start.location;
    const Reply authorize = Send(provider_->port, "GET", PathOf(start.location),
                                 {{"Cookie", "renkei_session=" + provider_session}});
    EXPECT_EQ(authorize.status, 302) << authorize.body.dump();
    return Send(hub_->port, "GET", PathOf(authorize.location),
                {{"Cookie", "renkei_idp_state=" + start.cookies.at("renkei_idp_state")}});
  }

  // Starts a sign-in with the fake provider; the next token it issues has `claims` (with the
  // request's nonce filled in unless `claims` has its own).
  struct FakeStart {
    std::string state, nonce;
  };
  static FakeStart StartFake() {
    const Reply start = Send(hub_->port, "GET", "/v1/auth/idps/fake/start");
    EXPECT_EQ(start.status, 302) << start.body.dump();
    return {start.cookies.count("renkei_idp_state") ? start.cookies.at("renkei_idp_state") : "",
            Param(start.location, "nonce")};
  }
  static json GoodClaims(const FakeStart& s) {
    return {{"iss", *fake_issuer_},
            {"sub", "fake-user-1"},
            {"aud", "fake-client"},
            {"iat", UnixNow()},
            {"exp", UnixNow() + 300},
            {"nonce", s.nonce},
            {"email", "fake-user@example.ac.jp"},
            {"email_verified", true}};
  }
  static Reply FakeCallback(const FakeStart& s, const std::string& cookie_state) {
    return Send(hub_->port, "GET", "/v1/auth/idps/fake/callback?code=c&state=" + s.state,
                {{"Cookie", "renkei_idp_state=" + cookie_state}});
  }

  static std::vector<audit::Entry> Audit(const std::string& prefix) {
    audit::Query q;
    q.action_prefix = prefix;
    q.limit = 1000;
    return *audit::List(hub_->server->service().database(), q);
  }

  static RunningHub* provider_;
  static RunningHub* hub_;
  static httplib::Server* fake_;
  static std::thread* fake_thread_;
  static int fake_port_;
  static std::string* issuer_;
  static std::string* fake_issuer_;
  static std::function<json()>* fake_claims_;
  static crypto::RsaSigningKey* fake_key_;
  static crypto::RsaSigningKey* rogue_key_;
};

RunningHub* HubExternalIdpTest::provider_ = nullptr;
RunningHub* HubExternalIdpTest::hub_ = nullptr;
httplib::Server* HubExternalIdpTest::fake_ = nullptr;
std::thread* HubExternalIdpTest::fake_thread_ = nullptr;
int HubExternalIdpTest::fake_port_ = 0;
std::string* HubExternalIdpTest::issuer_ = nullptr;
std::string* HubExternalIdpTest::fake_issuer_ = nullptr;
std::function<json()>* HubExternalIdpTest::fake_claims_ = nullptr;
crypto::RsaSigningKey* HubExternalIdpTest::fake_key_ = nullptr;
crypto::RsaSigningKey* HubExternalIdpTest::rogue_key_ = nullptr;

TEST_F(HubExternalIdpTest, ListsTheConfiguredProviders) {
  const Reply r = Send(hub_->port, "GET", "/v1/auth/idps");
  ASSERT_EQ(r.status, 200);
  ASSERT_EQ(r.body["idps"].size(), 2u);
  EXPECT_EQ(r.body["idps"][0]["id"], "renkei-idp");
  EXPECT_EQ(r.body["idps"][0]["display_name"], "Partner university");
  EXPECT_EQ(r.body["idps"][1]["start"], "/v1/auth/idps/fake/start");
  EXPECT_EQ(r.body.dump().find("secret"), std::string::npos);
}

TEST_F(HubExternalIdpTest, AUserSignsInAtTheProviderAndUsesTheHub) {
  const std::string at_provider = ProviderUser("ichiro@partner.ac.jp");
  Reply back = SignInThroughProvider(at_provider, "/portal/search");
  ASSERT_EQ(back.status, 302) << back.body.dump();
  EXPECT_EQ(back.location, "/portal/search");
  ASSERT_TRUE(back.cookies.count("renkei_session"));
  ASSERT_TRUE(back.cookies.count("renkei_csrf"));
  EXPECT_EQ(back.cookies["renkei_idp_state"], "");  // spent
  const httplib::Headers session = {{"Cookie", "renkei_session=" + back.cookies["renkei_session"]}};
  Reply me = Send(hub_->port, "GET", "/v1/me", session);
  ASSERT_EQ(me.status, 200) << me.body.dump();
  EXPECT_EQ(me.body["email"], "ichiro@partner.ac.jp");
  EXPECT_EQ(me.body["display_name"], "Suzuki Ichiro");
  EXPECT_EQ(me.body["institution"], "Partner university");
  EXPECT_EQ(me.body["roles"], json::array({"researcher"}));
  const int64_t id = me.body["id"];
  // The CSRF token from the cookie works as the one from POST /v1/auth/sign-in does.
  Reply token = Send(hub_->port, "POST", "/v1/me/tokens",
                     {{"Cookie", "renkei_session=" + back.cookies["renkei_session"]},
                      {"X-CSRF-Token", back.cookies["renkei_csrf"]}},
                     json{{"name", "t"}, {"scopes", {"query"}}}.dump());
  EXPECT_EQ(token.status, 200) << token.body.dump();

  // Signing in again reaches the same account through the (issuer, sub) link.
  back = SignInThroughProvider(at_provider);
  ASSERT_EQ(back.status, 302) << back.body.dump();
  me = Send(hub_->port, "GET", "/v1/me",
            {{"Cookie", "renkei_session=" + back.cookies["renkei_session"]}});
  EXPECT_EQ(me.body["id"], id);

  bool created = false, linked = false;
  int sign_ins = 0;
  for (const audit::Entry& e : Audit("")) {
    if (e.event.target != "user:" + std::to_string(id)) continue;
    created |= e.event.action == "user.create" && e.event.actor == "oidc:renkei-idp";
    linked |= e.event.action == "auth.external_link" && e.event.detail["how"] == "created";
    sign_ins += e.event.action == "auth.sign_in" && e.event.detail["method"] == "oidc:renkei-idp";
  }
  EXPECT_TRUE(created);
  EXPECT_TRUE(linked);
  EXPECT_EQ(sign_ins, 2);
}

TEST_F(HubExternalIdpTest, AnAccountWithTotpGivesItsCodeAfterTheProvider) {
  const std::string at_provider = ProviderUser("kenji@partner.ac.jp");
  Reply back = SignInThroughProvider(at_provider);
  ASSERT_EQ(back.status, 302);
  identity::Accounts& accounts = hub_->server->service().accounts();
  auto u = accounts.FindByEmail("kenji@partner.ac.jp");
  ASSERT_TRUE(u.ok());
  auto e = accounts.BeginTotp(u->id, Clock::now());
  const std::string secret = *identity::Base32Decode(e->secret_base32);
  auto recovery = accounts.ConfirmTotp(u->id, *identity::TotpCode(secret, UnixNow()), Clock::now());
  ASSERT_TRUE(recovery.ok());

  back = SignInThroughProvider(at_provider);
  ASSERT_EQ(back.status, 200) << back.body.dump();
  EXPECT_EQ(back.body["second_factor_required"], true);
  EXPECT_FALSE(back.cookies.count("renkei_session"));
  const std::string ticket = back.cookies["renkei_idp_mfa"];
  ASSERT_FALSE(ticket.empty());
  // Without the ticket cookie: nothing to complete.
  Reply r = Send(hub_->port, "POST", "/v1/auth/idps/second-factor", {},
                 json{{"second_factor", recovery->at(0)}}.dump());
  EXPECT_EQ(r.status, 401);
  r = Send(hub_->port, "POST", "/v1/auth/idps/second-factor",
           {{"Cookie", "renkei_idp_mfa=" + ticket}},
           json{{"second_factor", recovery->at(0)}}.dump());
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["return_to"], "/portal");
  EXPECT_EQ(r.body["user"]["email"], "kenji@partner.ac.jp");
  EXPECT_EQ(Validate(OpenApi(), "User", r.body["user"]), "");
  ASSERT_TRUE(r.cookies.count("renkei_session"));
  EXPECT_EQ(Send(hub_->port, "GET", "/v1/me",
                 {{"Cookie", "renkei_session=" + r.cookies["renkei_session"]}})
                .status,
            200);
  // The ticket worked once.
  r = Send(hub_->port, "POST", "/v1/auth/idps/second-factor",
           {{"Cookie", "renkei_idp_mfa=" + ticket}},
           json{{"second_factor", recovery->at(1)}}.dump());
  EXPECT_EQ(r.status, 401);
}

TEST_F(HubExternalIdpTest, TheFakeProvidersGoodTokenSignsIn) {
  const FakeStart s = StartFake();
  *fake_claims_ = [s] { return GoodClaims(s); };
  const Reply r = FakeCallback(s, s.state);
  ASSERT_EQ(r.status, 302) << r.body.dump();
  EXPECT_EQ(r.location, "/");
  EXPECT_TRUE(r.cookies.count("renkei_session"));
}

// Each bad callback: a clear error, an audit entry, and no session.
TEST_F(HubExternalIdpTest, BadCallbacksAreRefusedWithoutASession) {
  struct Case {
    const char* name;
    std::function<json(const FakeStart&)> claims;
    int status;
    const char* words;
    std::function<Reply(const FakeStart&)> call;
  };
  auto with = [](std::function<void(json&)> change) {
    return [change](const FakeStart& s) {
      json c = GoodClaims(s);
      change(c);
      return c;
    };
  };
  auto good = [](const FakeStart& s) { return GoodClaims(s); };
  const std::vector<Case> cases = {
      {"another issuer", with([](json& c) { c["iss"] = "https://other.example"; }), 401, "issuer",
       nullptr},
      {"another audience", with([](json& c) { c["aud"] = "another-client"; }), 401, "audience",
       nullptr},
      {"wrong nonce", with([](json& c) { c["nonce"] = "not-the-nonce"; }), 401, "nonce", nullptr},
      {"another key", with([](json& c) { c["rogue"] = true; }), 401, "kid", nullptr},
      {"expired", with([](json& c) { c["exp"] = UnixNow() - 3600; }), 401, "expired", nullptr},
      {"wrong state", good, 401, "not started in this browser",
       [](const FakeStart& s) { return FakeCallback(s, "another-browsers-state"); }},
      {"no state cookie", good, 401, "not started in this browser",
       [](const FakeStart& s) {
         return Send(hub_->port, "GET", "/v1/auth/idps/fake/callback?code=c&state=" + s.state);
       }},
      {"expired state", good, 401, "took longer",
       [](const FakeStart& s) {
         EXPECT_TRUE(hub_->server->service()
                         .database()
                         .Exec("UPDATE external_signins SET expires_at = '2000-01-01T00:00:00Z'")
                         .ok());
         return FakeCallback(s, s.state);
       }},
      {"reused state", good, 401, "already used",
       [](const FakeStart& s) {
         EXPECT_EQ(FakeCallback(s, s.state).status, 302);
         return FakeCallback(s, s.state);
       }},
      {"provider error", good, 401, "refused: access_denied",
       [](const FakeStart& s) {
         return Send(hub_->port, "GET",
                     "/v1/auth/idps/fake/callback?error=access_denied&state=" + s.state,
                     {{"Cookie", "renkei_idp_state=" + s.state}});
       }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const FakeStart s = StartFake();
    *fake_claims_ = [&c, s] { return c.claims(s); };
    const size_t refusals = Audit("auth.external_sign_in_failed").size();
    const Reply r = c.call ? c.call(s) : FakeCallback(s, s.state);
    EXPECT_EQ(r.status, c.status) << r.body.dump();
    EXPECT_NE(r.body.dump().find(c.words), std::string::npos) << r.body.dump();
    EXPECT_EQ(Validate(OpenApi(), "Error", r.body), "") << r.body.dump();
    EXPECT_FALSE(r.cookies.count("renkei_session") && !r.cookies.at("renkei_session").empty());
    EXPECT_GT(Audit("auth.external_sign_in_failed").size(), refusals);
  }
}

TEST_F(HubExternalIdpTest, StartRefusesUnknownProvidersAndForeignReturnPaths) {
  Reply r = Send(hub_->port, "GET", "/v1/auth/idps/nope/start");
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.dump().find("no identity provider 'nope'"), std::string::npos);
  r = Send(hub_->port, "GET", "/v1/auth/idps/nope/callback?code=c&state=s");
  EXPECT_EQ(r.status, 404);
  for (const char* to :
       {"https://evil.example/", "//evil.example/x", "/%5Cevil.example", "evil.example"}) {
    r = Send(hub_->port, "GET", std::string("/v1/auth/idps/fake/start?return_to=") + to);
    EXPECT_EQ(r.status, 400) << to << " " << r.body.dump();
    EXPECT_NE(r.body.dump().find("return_to must be a path on this hub"), std::string::npos);
    EXPECT_TRUE(r.location.empty());
    EXPECT_FALSE(r.cookies.count("renkei_idp_state"));
  }
}

TEST_F(HubExternalIdpTest, AnExistingAccountIsNotTakenOverByEmail) {
  ASSERT_TRUE(hub_->server->service()
                  .accounts()
                  .CreateUser({"owner@example.ac.jp", "Owner", "", "academic", kPassword}, "system",
                              Clock::now())
                  .ok());
  const FakeStart s = StartFake();
  *fake_claims_ = [s] {
    json c = GoodClaims(s);
    c["sub"] = "someone-else";
    c["email"] = "owner@example.ac.jp";
    return c;
  };
  const Reply r = FakeCallback(s, s.state);
  EXPECT_EQ(r.status, 409) << r.body.dump();
  EXPECT_NE(r.body.dump().find("already exists"), std::string::npos);
  EXPECT_FALSE(r.cookies.count("renkei_session"));
}

}  // namespace
}  // namespace renkei
