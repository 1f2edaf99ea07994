#include "identity/oidc_provider.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "crypto/sodium.h"
#include "db/testing.h"
#include "identity/pkce.h"
#include "identity/totp.h"

namespace renkei::identity {
namespace {

using nlohmann::json;
using std::chrono::seconds;

const char* const kPassword = "correct horse battery staple";
const char* const kIssuer = "https://hub.example.ac.jp";
const char* const kRedirect = "https://app.example.org/callback";
// RFC 7636 Appendix B: the verifier and its S256 challenge, computed independently of our code.
const char* const kVerifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const char* const kChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

int FromHex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// The query parameters of a redirect URL, percent-decoded (what the client's callback sees).
std::map<std::string, std::string> QueryOf(const std::string& url) {
  std::map<std::string, std::string> out;
  const size_t q = url.find('?');
  if (q == std::string::npos) return out;
  std::string rest = url.substr(q + 1);
  size_t b = 0;
  while (b <= rest.size()) {
    const size_t e = std::min(rest.find('&', b), rest.size());
    const std::string pair = rest.substr(b, e - b);
    const size_t eq = pair.find('=');
    std::string value;
    const std::string raw = eq == std::string::npos ? "" : pair.substr(eq + 1);
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '%' && i + 2 < raw.size()) {
        value += static_cast<char>(FromHex(raw[i + 1]) * 16 + FromHex(raw[i + 2]));
        i += 2;
      } else {
        value += raw[i] == '+' ? ' ' : raw[i];
      }
    }
    out[pair.substr(0, eq)] = value;
    b = e + 1;
  }
  return out;
}

// The "error" member of an error answer, "" if there is none.
std::string ErrorOf(const OidcJsonResponse& r) {
  return r.body.is_object() ? r.body.value("error", std::string()) : std::string();
}

std::string Header(const OidcJsonResponse& r, const std::string& name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return "";
}

std::string g_key_path;  // NOLINT: the shared key file, removed at exit

// The signing key is generated once (2048-bit RSA generation is the slow part) and shared.
const std::string& SharedKeyPath() {
  if (g_key_path.empty()) {
    g_key_path = (std::filesystem::temp_directory_path() /
                  ("renkei_oidc_key_" + std::to_string(::getpid()) + ".pem"))
                     .string();
    auto key = crypto::RsaSigningKey::Generate();
    if (!key.ok() || !key->SavePemFile(g_key_path).ok()) std::abort();
    std::atexit([] { std::filesystem::remove(g_key_path); });
  }
  return g_key_path;
}

// Runs on SQLite, and on PostgreSQL when RENKEI_TEST_POSTGRES_URL is set (scripts/test.sh),
// each in a fresh database or schema.
class OidcProviderTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(test_db_.Open(GetParam(), {{1, "audit", audit::kSchemaSql},
                                                       {2, "identity", kSchemaSql},
                                                       {4, "oidc", kOidcSchemaSql}}));
    if (test_db_.skipped()) return;
    db_ = test_db_.db();
    auto log = audit::AuditLog::Create(db_, crypto::GenerateEd25519KeyPair().secret_key);
    ASSERT_TRUE(log.ok());
    audit_ = std::move(*log);
    accounts_ = std::make_unique<Accounts>(db_, audit_.get());
    auto provider = OidcProvider::Create(db_, audit_.get(), {kIssuer, SharedKeyPath()});
    ASSERT_TRUE(provider.ok()) << provider.status().ToString();
    oidc_ = std::move(*provider);

    auto user = accounts_->CreateUser(
        {"hanako@example.ac.jp", "Hanako Yamada", "Tohoku University", "academic", kPassword},
        "system", now_);
    ASSERT_TRUE(user.ok()) << user.status().ToString();
    user_ = *user;
    auto session = accounts_->SignIn({"hanako@example.ac.jp", kPassword, "", "192.0.2.1"}, now_);
    ASSERT_TRUE(session.ok()) << session.status().ToString();
    principal_ = session->principal;
    signed_in_at_ = now_;
    now_ += seconds(5);

    admin_principal_.user.id = 9000;
    admin_principal_.user.roles = {{"platform_admin", ""}};
  }

  RegisteredOidcClient Register(OidcClientType type = OidcClientType::kConfidential,
                                std::vector<std::string> uris = {kRedirect}) {
    auto c =
        oidc_->RegisterClient({"Cohort Explorer", std::move(uris), type}, admin_principal_, now_);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? *c : RegisteredOidcClient{};
  }

  OidcParams AuthParams(const std::string& client_id) {
    return {{"response_type", "code"},      {"client_id", client_id},
            {"redirect_uri", kRedirect},    {"scope", "openid email profile"},
            {"state", "af0ifjsldkj"},       {"nonce", "n-0S6_WzA2Mj"},
            {"code_challenge", kChallenge}, {"code_challenge_method", "S256"}};
  }

  static void Set(OidcParams& p, const std::string& name, const std::string& value) {
    p.erase(name);
    if (!value.empty()) p.emplace(name, value);
  }

  AuthorizeResponse Authorize(const OidcParams& params, const Principal* who) {
    auto r = oidc_->Authorize(params, who, now_, "192.0.2.1");
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : AuthorizeResponse{};
  }

  // Authorizes as the signed-in user and returns the code from the redirect.
  std::string Code(const std::string& client_id) {
    const AuthorizeResponse r = Authorize(AuthParams(client_id), &principal_);
    EXPECT_EQ(r.kind, AuthorizeResponse::Kind::kRedirect) << r.error_message;
    const auto q = QueryOf(r.redirect_url);
    EXPECT_EQ(q.count("error"), 0u) << r.redirect_url;
    return q.count("code") ? q.at("code") : "";
  }

  OidcParams TokenForm(const std::string& code) {
    return {{"grant_type", "authorization_code"},
            {"code", code},
            {"redirect_uri", kRedirect},
            {"code_verifier", kVerifier}};
  }

  OidcJsonResponse Token(const OidcParams& form, const BasicCredentials* basic) {
    auto r = oidc_->Token(form, basic, now_, "192.0.2.1");
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : OidcJsonResponse{};
  }

  OidcJsonResponse UserInfo(const std::string& token) {
    auto r = oidc_->UserInfo(token, now_);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : OidcJsonResponse{};
  }

  std::vector<audit::Entry> AuditEntries() {
    audit::Query q;
    q.limit = 1000;
    auto entries = audit::List(*db_, q);
    EXPECT_TRUE(entries.ok());
    return entries.ok() ? *entries : std::vector<audit::Entry>{};
  }

  int64_t Unix(Clock::time_point t) const {
    return std::chrono::duration_cast<seconds>(t.time_since_epoch()).count();
  }

  db::TestDatabase test_db_;  // destroyed last
  db::Database* db_ = nullptr;
  std::unique_ptr<audit::AuditLog> audit_;
  std::unique_ptr<Accounts> accounts_;
  std::unique_ptr<OidcProvider> oidc_;
  User user_;
  Principal principal_, admin_principal_;
  Clock::time_point now_ = Clock::from_time_t(1795651200);  // 2026-11-26T00:00:00Z
  Clock::time_point signed_in_at_;
};

TEST_P(OidcProviderTest, ConfidentialClientSignsInEndToEnd) {
  const RegisteredOidcClient client = Register();
  ASSERT_EQ(client.client_secret.rfind("rk_cs_", 0), 0u);

  // The relying party discovers the provider.
  const json discovery = oidc_->Discovery();
  EXPECT_EQ(discovery["issuer"], kIssuer);
  EXPECT_EQ(discovery["authorization_endpoint"], "https://hub.example.ac.jp/oidc/authorize");
  EXPECT_EQ(discovery["token_endpoint"], "https://hub.example.ac.jp/oidc/token");
  EXPECT_EQ(discovery["userinfo_endpoint"], "https://hub.example.ac.jp/oidc/userinfo");
  EXPECT_EQ(discovery["jwks_uri"], "https://hub.example.ac.jp/oidc/jwks");

  // Not signed in yet: the hub must send the user to sign in, with no code.
  OidcParams params = AuthParams(client.client.client_id);
  EXPECT_EQ(Authorize(params, nullptr).kind, AuthorizeResponse::Kind::kNeedsSignIn);

  // Signed in: a redirect to exactly the registered URI with a code, the state and iss.
  const AuthorizeResponse auth = Authorize(params, &principal_);
  ASSERT_EQ(auth.kind, AuthorizeResponse::Kind::kRedirect);
  ASSERT_EQ(auth.redirect_url.rfind(std::string(kRedirect) + "?", 0), 0u) << auth.redirect_url;
  const auto q = QueryOf(auth.redirect_url);
  EXPECT_EQ(q.at("state"), "af0ifjsldkj");
  EXPECT_EQ(q.at("iss"), kIssuer);
  ASSERT_EQ(q.count("code"), 1u);
  EXPECT_GE(q.at("code").size(), 43u);  // 256 bits of randomness

  // Exchange the code, authenticating with HTTP Basic.
  const BasicCredentials basic{client.client.client_id, client.client_secret};
  const OidcJsonResponse tok = Token(TokenForm(q.at("code")), &basic);
  ASSERT_EQ(tok.http_status, 200) << tok.body.dump();
  EXPECT_EQ(Header(tok, "Cache-Control"), "no-store");
  EXPECT_EQ(Header(tok, "Pragma"), "no-cache");
  EXPECT_EQ(tok.body["token_type"], "Bearer");
  EXPECT_EQ(tok.body["expires_in"], 3600);
  EXPECT_EQ(tok.body["scope"], "openid email profile");
  const std::string access_token = tok.body["access_token"];

  // Verify the ID token the way a relying party does: against the published JWKS.
  auto keys = JwkSet::FromJson(oidc_->Jwks());
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  JwtVerifyOptions opts;
  opts.issuer = kIssuer;
  opts.audience = client.client.client_id;
  opts.now = Unix(now_);
  auto claims = VerifyJwt(tok.body["id_token"].get<std::string>(), *keys, opts);
  ASSERT_TRUE(claims.ok()) << claims.status().ToString();
  EXPECT_EQ((*claims)["iss"], kIssuer);
  EXPECT_EQ((*claims)["sub"], std::to_string(user_.id));
  EXPECT_EQ((*claims)["aud"], client.client.client_id);
  EXPECT_EQ((*claims)["nonce"], "n-0S6_WzA2Mj");
  EXPECT_EQ((*claims)["iat"], Unix(now_));
  EXPECT_EQ((*claims)["exp"], Unix(now_) + 300);
  EXPECT_EQ((*claims)["auth_time"], Unix(signed_in_at_));
  EXPECT_EQ((*claims)["amr"], json::array({"pwd"}));
  EXPECT_EQ((*claims)["email"], "hanako@example.ac.jp");
  EXPECT_EQ((*claims)["name"], "Hanako Yamada");
  // OIDC Core §3.1.3.6: at_hash = base64url(left 128 bits of SHA-256(access_token)).
  EXPECT_EQ((*claims)["at_hash"],
            crypto::Base64UrlEncode(crypto::Sha256(access_token).substr(0, 16)));

  // The same token, verified at another audience or issuer, is refused.
  opts.audience = "someone-else";
  EXPECT_FALSE(VerifyJwt(tok.body["id_token"].get<std::string>(), *keys, opts).ok());

  // UserInfo with the access token.
  const OidcJsonResponse info = UserInfo(access_token);
  ASSERT_EQ(info.http_status, 200) << info.body.dump();
  EXPECT_EQ(info.body, json({{"sub", std::to_string(user_.id)},
                             {"email", "hanako@example.ac.jp"},
                             {"name", "Hanako Yamada"}}));

  // Audited, and no secret reached the log.
  std::vector<std::string> actions;
  for (const audit::Entry& e : AuditEntries()) {
    actions.push_back(e.event.action);
    const std::string all = e.event.actor + e.event.target + e.event.address + e.detail_text;
    for (const std::string& secret :
         {client.client_secret, q.at("code"), access_token, std::string(kVerifier)}) {
      EXPECT_EQ(all.find(secret), std::string::npos) << e.event.action;
    }
  }
  EXPECT_NE(std::find(actions.begin(), actions.end(), "oidc.client_register"), actions.end());
  EXPECT_NE(std::find(actions.begin(), actions.end(), "oidc.authorize"), actions.end());
  EXPECT_NE(std::find(actions.begin(), actions.end(), "oidc.token"), actions.end());
}

TEST_P(OidcProviderTest, PublicClientWithTotpUserGetsOtpInAmr) {
  // Enrol TOTP, sign in again with password and code.
  auto enrol = accounts_->BeginTotp(user_.id, now_);
  ASSERT_TRUE(enrol.ok());
  const std::string secret = *Base32Decode(enrol->secret_base32);
  ASSERT_TRUE(accounts_->ConfirmTotp(user_.id, *TotpCode(secret, Unix(now_)), now_).ok());
  now_ += seconds(60);
  auto session = accounts_->SignIn(
      {"hanako@example.ac.jp", kPassword, *TotpCode(secret, Unix(now_)), "192.0.2.1"}, now_);
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  principal_ = session->principal;
  const Clock::time_point signed_in = now_;
  now_ += seconds(3);

  const RegisteredOidcClient client = Register(OidcClientType::kPublic);
  EXPECT_TRUE(client.client_secret.empty());
  OidcParams params = AuthParams(client.client.client_id);
  Set(params, "scope", "openid");
  Set(params, "nonce", "");
  const AuthorizeResponse auth = Authorize(params, &principal_);
  ASSERT_EQ(auth.kind, AuthorizeResponse::Kind::kRedirect);
  OidcParams form = TokenForm(QueryOf(auth.redirect_url).at("code"));
  form.emplace("client_id", client.client.client_id);
  const OidcJsonResponse tok = Token(form, nullptr);
  ASSERT_EQ(tok.http_status, 200) << tok.body.dump();

  auto keys = JwkSet::FromJson(oidc_->Jwks());
  ASSERT_TRUE(keys.ok());
  JwtVerifyOptions opts{kIssuer, client.client.client_id, Unix(now_)};
  auto claims = VerifyJwt(tok.body["id_token"].get<std::string>(), *keys, opts);
  ASSERT_TRUE(claims.ok()) << claims.status().ToString();
  EXPECT_EQ((*claims)["amr"], json::array({"pwd", "otp"}));
  EXPECT_EQ((*claims)["auth_time"], Unix(signed_in));
  // Scope "openid" alone: no nonce was sent, and no email or name is released.
  EXPECT_FALSE(claims->contains("nonce"));
  EXPECT_FALSE(claims->contains("email"));
  EXPECT_FALSE(claims->contains("name"));
  const OidcJsonResponse info = UserInfo(tok.body["access_token"]);
  EXPECT_EQ(info.body, json({{"sub", std::to_string(user_.id)}}));
}

TEST_P(OidcProviderTest, DiscoveryAdvertisesOnlyWhatIsImplemented) {
  const json d = oidc_->Discovery();
  EXPECT_EQ(d["response_types_supported"], json::array({"code"}));
  EXPECT_EQ(d["subject_types_supported"], json::array({"public"}));
  EXPECT_EQ(d["id_token_signing_alg_values_supported"], json::array({"RS256"}));
  EXPECT_EQ(d["code_challenge_methods_supported"], json::array({"S256"}));
  EXPECT_EQ(d["grant_types_supported"], json::array({"authorization_code"}));
  EXPECT_EQ(d["token_endpoint_auth_methods_supported"],
            json::array({"client_secret_basic", "client_secret_post", "none"}));
  EXPECT_EQ(d["scopes_supported"], json::array({"openid", "email", "profile"}));
  // Discovery §3 makes request_uri_parameter_supported default to true: it must say false.
  EXPECT_EQ(d["request_uri_parameter_supported"], false);
  for (const char* claim :
       {"sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "amr", "email", "name"}) {
    EXPECT_TRUE(std::find(d["claims_supported"].begin(), d["claims_supported"].end(), claim) !=
                d["claims_supported"].end())
        << claim;
  }
  // A trailing slash on the issuer is dropped, so endpoints have no "//".
  auto other = OidcProvider::Create(db_, nullptr, {"http://127.0.0.1:8080/", SharedKeyPath()});
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  EXPECT_EQ((*other)->Discovery()["token_endpoint"], "http://127.0.0.1:8080/oidc/token");
}

TEST_P(OidcProviderTest, SigningKeyIsGeneratedOnceSavedPrivateAndReloaded) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      ("renkei_oidc_keygen_" + crypto::HexEncode(crypto::RandomBytes(4)));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "oidc.pem").string();
  auto first = OidcProvider::Create(db_, nullptr, {kIssuer, path});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const json jwks = (*first)->Jwks();
  ASSERT_EQ(jwks["keys"].size(), 1u);
  EXPECT_EQ(jwks["keys"][0]["kty"], "RSA");
  EXPECT_EQ(jwks["keys"][0]["alg"], "RS256");
  EXPECT_EQ(jwks["keys"][0]["use"], "sig");
  EXPECT_FALSE(jwks["keys"][0].contains("d"));  // never the private part
  auto second = OidcProvider::Create(db_, nullptr, {kIssuer, path});
  ASSERT_TRUE(second.ok());
  EXPECT_EQ((*second)->Jwks(), jwks);  // same key, not a new one

  // A key others may read is refused, not used.
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  auto loose = OidcProvider::Create(db_, nullptr, {kIssuer, path});
  EXPECT_EQ(loose.status().code(), StatusCode::kFailedPrecondition);
  std::filesystem::remove_all(dir);

  for (const char* issuer : {"", "http://hub.example.ac.jp", "https://hub/#x", "ftp://hub",
                             "https://hub.example.ac.jp?x=1"}) {
    EXPECT_EQ(OidcProvider::Create(db_, nullptr, {issuer, SharedKeyPath()}).status().code(),
              StatusCode::kInvalidArgument)
        << issuer;
  }
  EXPECT_EQ(OidcProvider::Create(db_, nullptr, {kIssuer, ""}).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_P(OidcProviderTest, ClientRegistrationRulesListAndDisable) {
  Principal researcher = principal_;
  EXPECT_EQ(oidc_->RegisterClient({"x", {kRedirect}, OidcClientType::kPublic}, researcher, now_)
                .status()
                .code(),
            StatusCode::kPermissionDenied);
  const std::vector<std::vector<std::string>> bad = {
      {},
      {"http://app.example.org/cb"},        // plain http off loopback
      {"https://app.example.org/cb#frag"},  // fragment (RFC 6749 §3.1.2)
      {"https://user@app.example.org/cb"},  // user info
      {"https://app.example.org/c b"},      // whitespace
      {"app.example.org/cb"},               // not absolute
      {"https:///cb"},                      // no host
      {"https://app.example.org:80x/cb"},   // bad port
      {kRedirect, kRedirect},               // duplicate
      {"https://app.example.org/" + std::string(kOidcMaxParamBytes, 'a')},
  };
  for (const auto& uris : bad) {
    EXPECT_EQ(oidc_->RegisterClient({"x", uris, OidcClientType::kPublic}, admin_principal_, now_)
                  .status()
                  .code(),
              StatusCode::kInvalidArgument)
        << (uris.empty() ? "(none)" : uris[0]);
  }
  EXPECT_EQ(
      oidc_->RegisterClient({"", {kRedirect}, OidcClientType::kPublic}, admin_principal_, now_)
          .status()
          .code(),
      StatusCode::kInvalidArgument);
  const RegisteredOidcClient local =
      Register(OidcClientType::kPublic,
               {"http://127.0.0.1:8765/cb", "http://localhost/cb", "http://[::1]:9000/cb"});
  now_ += seconds(1);
  const RegisteredOidcClient web = Register();

  auto list = oidc_->ListClients();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].client_id, local.client.client_id);
  EXPECT_EQ((*list)[0].redirect_uris.size(), 3u);
  EXPECT_EQ((*list)[0].type, OidcClientType::kPublic);
  EXPECT_EQ((*list)[1].type, OidcClientType::kConfidential);
  EXPECT_EQ((*list)[1].created_by, "9000");

  // Tokens issued before the client is disabled stop working; so do its codes and requests.
  const std::string code = Code(web.client.client_id);
  const BasicCredentials basic{web.client.client_id, web.client_secret};
  const OidcJsonResponse tok = Token(TokenForm(code), &basic);
  ASSERT_EQ(tok.http_status, 200);
  const std::string pending_code = Code(web.client.client_id);
  EXPECT_EQ(oidc_->DisableClient(web.client.client_id, researcher, now_).code(),
            StatusCode::kPermissionDenied);
  ASSERT_TRUE(oidc_->DisableClient(web.client.client_id, admin_principal_, now_).ok());
  EXPECT_EQ(oidc_->DisableClient("rk_client_nope", admin_principal_, now_).code(),
            StatusCode::kNotFound);
  EXPECT_EQ(UserInfo(tok.body["access_token"]).http_status, 401);
  const OidcJsonResponse after = Token(TokenForm(pending_code), &basic);
  EXPECT_EQ(after.http_status, 401);
  EXPECT_EQ(ErrorOf(after), "invalid_client");
  const AuthorizeResponse shown = Authorize(AuthParams(web.client.client_id), &principal_);
  EXPECT_EQ(shown.kind, AuthorizeResponse::Kind::kShowError);
  EXPECT_EQ(shown.http_status, 403);
}

TEST_P(OidcProviderTest, UntrustedClientOrRedirectIsShownNeverRedirected) {
  const RegisteredOidcClient client = Register();
  struct Case {
    std::string name, value;
  };
  for (const Case& c : std::vector<Case>{
           {"client_id", ""},
           {"client_id", "rk_client_unknown"},
           {"redirect_uri", ""},
           {"redirect_uri", "https://evil.example.net/callback"},
           {"redirect_uri", std::string(kRedirect) + "/"},     // exact match only
           {"redirect_uri", std::string(kRedirect) + "?x=1"},  // exact match only
       }) {
    OidcParams p = AuthParams(client.client.client_id);
    Set(p, c.name, c.value);
    const AuthorizeResponse r = Authorize(p, &principal_);
    EXPECT_EQ(r.kind, AuthorizeResponse::Kind::kShowError) << c.name << "=" << c.value;
    EXPECT_EQ(r.http_status, 400);
    EXPECT_TRUE(r.redirect_url.empty());
    EXPECT_FALSE(r.error_message.empty());
  }
}

TEST_P(OidcProviderTest, BadAuthorizationRequestsRedirectWithErrorAndState) {
  const RegisteredOidcClient client = Register();
  struct Case {
    std::string name, value, error;
  };
  for (const Case& c : std::vector<Case>{
           {"code_challenge", "", "invalid_request"},  // PKCE required for every client
           {"code_challenge_method", "", "invalid_request"},
           {"code_challenge_method", "plain", "invalid_request"},
           {"code_challenge", "too-short", "invalid_request"},
           {"scope", "email profile", "invalid_scope"},  // no openid
           {"scope", "openid admin", "invalid_scope"},
           {"scope", "", "invalid_scope"},
           {"response_type", "", "invalid_request"},
           {"response_type", "token", "unsupported_response_type"},
           {"response_type", "code id_token", "unsupported_response_type"},
           {"response_mode", "fragment", "invalid_request"},
           {"request", "eyJhbGciOiJub25lIn0.e30.", "request_not_supported"},
           {"request_uri", "https://app.example.org/req", "request_uri_not_supported"},
           {"prompt", "none login", "invalid_request"},
           {"prompt", "sometimes", "invalid_request"},
           {"max_age", "-1", "invalid_request"},
       }) {
    OidcParams p = AuthParams(client.client.client_id);
    Set(p, c.name, c.value);
    const AuthorizeResponse r = Authorize(p, &principal_);
    ASSERT_EQ(r.kind, AuthorizeResponse::Kind::kRedirect) << c.name << "=" << c.value;
    EXPECT_EQ(r.error, c.error) << c.name << "=" << c.value;
    ASSERT_EQ(r.redirect_url.rfind(std::string(kRedirect) + "?", 0), 0u);
    const auto q = QueryOf(r.redirect_url);
    EXPECT_EQ(q.at("error"), c.error);
    EXPECT_EQ(q.at("state"), "af0ifjsldkj");
    EXPECT_EQ(q.count("code"), 0u);
  }
  // Not signed in with prompt=none: login_required instead of a sign-in page.
  OidcParams p = AuthParams(client.client.client_id);
  Set(p, "prompt", "none");
  const AuthorizeResponse none = Authorize(p, nullptr);
  EXPECT_EQ(none.error, "login_required");
  // A principal from an API token is not a browser sign-in.
  Principal token_principal = principal_;
  token_principal.via_token = true;
  token_principal.session_id.clear();
  EXPECT_EQ(Authorize(AuthParams(client.client.client_id), &token_principal).kind,
            AuthorizeResponse::Kind::kNeedsSignIn);
  // An administrator who has not enrolled a second factor is refused.
  Principal enrol = principal_;
  enrol.mfa_enrolment_required = true;
  EXPECT_EQ(Authorize(AuthParams(client.client.client_id), &enrol).error, "access_denied");
}

TEST_P(OidcProviderTest, MaxAgeAndPromptLoginAskForAFreshSignIn) {
  const RegisteredOidcClient client = Register();
  now_ = signed_in_at_ + seconds(120);
  OidcParams p = AuthParams(client.client.client_id);
  Set(p, "max_age", "60");
  EXPECT_EQ(Authorize(p, &principal_).kind, AuthorizeResponse::Kind::kNeedsSignIn);
  Set(p, "max_age", "300");
  EXPECT_EQ(Authorize(p, &principal_).kind, AuthorizeResponse::Kind::kRedirect);
  Set(p, "max_age", "");
  Set(p, "prompt", "login");
  EXPECT_EQ(Authorize(p, &principal_).kind, AuthorizeResponse::Kind::kNeedsSignIn);
  Set(p, "prompt", "none");
  Set(p, "max_age", "60");
  EXPECT_EQ(Authorize(p, &principal_).error, "login_required");
}

TEST_P(OidcProviderTest, OversizedOrRepeatedParametersAreRefused) {
  const RegisteredOidcClient client = Register();
  OidcParams p = AuthParams(client.client.client_id);
  Set(p, "state", std::string(kOidcMaxParamBytes + 1, 's'));
  EXPECT_EQ(Authorize(p, &principal_).kind, AuthorizeResponse::Kind::kShowError);
  p = AuthParams(client.client.client_id);
  for (int i = 0; i < 40; ++i) p.emplace("x" + std::to_string(i), "1");
  EXPECT_EQ(Authorize(p, &principal_).kind, AuthorizeResponse::Kind::kShowError);
  p = AuthParams(client.client.client_id);
  p.emplace(std::string(kOidcMaxParamNameBytes + 1, 'n'), "1");
  EXPECT_EQ(Authorize(p, &principal_).kind, AuthorizeResponse::Kind::kShowError);
  p = AuthParams(client.client.client_id);
  p.emplace("redirect_uri", "https://evil.example.net/callback");  // repeated
  EXPECT_EQ(Authorize(p, &principal_).kind, AuthorizeResponse::Kind::kShowError);

  const BasicCredentials basic{client.client.client_id, client.client_secret};
  OidcParams form = TokenForm(std::string(kOidcMaxParamBytes + 1, 'c'));
  OidcJsonResponse r = Token(form, &basic);
  EXPECT_EQ(r.http_status, 400);
  EXPECT_EQ(ErrorOf(r), "invalid_request");
  form = TokenForm(Code(client.client.client_id));
  form.emplace("code", "second");
  r = Token(form, &basic);
  EXPECT_EQ(ErrorOf(r), "invalid_request");
  EXPECT_EQ(ErrorOf(UserInfo(std::string(1000, 't'))), "invalid_token");
}

TEST_P(OidcProviderTest, TokenEndpointRefusals) {
  const RegisteredOidcClient client = Register();
  const RegisteredOidcClient other = Register();
  const RegisteredOidcClient pub = Register(OidcClientType::kPublic);
  const BasicCredentials basic{client.client.client_id, client.client_secret};
  const std::string code = Code(client.client.client_id);

  struct Case {
    std::string what;
    OidcParams form;
    std::optional<BasicCredentials> basic;
    int status;
    std::string error;
  };
  auto with = [&](std::string name, std::string value) {
    OidcParams f = TokenForm(code);
    Set(f, name, value);
    return f;
  };
  OidcParams post_secret = TokenForm(code);
  post_secret.emplace("client_id", client.client.client_id);
  post_secret.emplace("client_secret", "rk_cs_wrong");
  OidcParams both = TokenForm(code);
  both.emplace("client_secret", client.client_secret);
  OidcParams pub_secret = TokenForm(code);
  pub_secret.emplace("client_id", pub.client.client_id);
  pub_secret.emplace("client_secret", "anything");
  OidcParams disagree = TokenForm(code);
  disagree.emplace("client_id", other.client.client_id);
  const std::vector<Case> cases = {
      {"no grant_type", with("grant_type", ""), basic, 400, "invalid_request"},
      {"password grant", with("grant_type", "password"), basic, 400, "unsupported_grant_type"},
      {"client_credentials", with("grant_type", "client_credentials"), basic, 400,
       "unsupported_grant_type"},
      {"wrong secret", TokenForm(code), BasicCredentials{client.client.client_id, "rk_cs_x"}, 401,
       "invalid_client"},
      {"wrong secret (post)", post_secret, std::nullopt, 401, "invalid_client"},
      {"no secret", TokenForm(code), BasicCredentials{client.client.client_id, ""}, 401,
       "invalid_client"},
      {"no client", TokenForm(code), std::nullopt, 401, "invalid_client"},
      {"unknown client", TokenForm(code), BasicCredentials{"rk_client_nope", "x"}, 401,
       "invalid_client"},
      {"public client with secret", pub_secret, std::nullopt, 401, "invalid_client"},
      {"two auth methods", both, basic, 400, "invalid_request"},
      {"client_ids disagree", disagree, basic, 400, "invalid_request"},
      {"no code", with("code", ""), basic, 400, "invalid_request"},
      {"no redirect_uri", with("redirect_uri", ""), basic, 400, "invalid_request"},
      {"no code_verifier", with("code_verifier", ""), basic, 400, "invalid_request"},
      {"malformed verifier", with("code_verifier", "short"), basic, 400, "invalid_request"},
      {"unknown code", with("code", "not-a-code"), basic, 400, "invalid_grant"},
      {"wrong verifier", with("code_verifier", GenerateCodeVerifier()), basic, 400,
       "invalid_grant"},
      {"wrong redirect_uri", with("redirect_uri", "https://app.example.org/other"), basic, 400,
       "invalid_grant"},
      {"code of another client", TokenForm(code),
       BasicCredentials{other.client.client_id, other.client_secret}, 400, "invalid_grant"},
  };
  for (const Case& c : cases) {
    const OidcJsonResponse r = Token(c.form, c.basic ? &*c.basic : nullptr);
    EXPECT_EQ(r.http_status, c.status) << c.what;
    EXPECT_EQ(ErrorOf(r), c.error) << c.what;
    EXPECT_TRUE(r.body.value("error_description", json()).is_string()) << c.what;
    EXPECT_FALSE(r.body.contains("access_token")) << c.what;
    EXPECT_EQ(Header(r, "Cache-Control"), "no-store") << c.what;
    EXPECT_EQ(!Header(r, "WWW-Authenticate").empty(), c.status == 401) << c.what;
  }
  // None of the failures consumed the code: the rightful client still redeems it.
  EXPECT_EQ(Token(TokenForm(code), &basic).http_status, 200);
}

TEST_P(OidcProviderTest, ExpiredCodeIsRefused) {
  const RegisteredOidcClient client = Register();
  const BasicCredentials basic{client.client.client_id, client.client_secret};
  const std::string code = Code(client.client.client_id);
  now_ += seconds(60);  // kCodeLifetime: valid for [issue, issue + 60 s)
  const OidcJsonResponse r = Token(TokenForm(code), &basic);
  EXPECT_EQ(r.http_status, 400);
  EXPECT_EQ(ErrorOf(r), "invalid_grant");
  const std::string fresh = Code(client.client.client_id);
  now_ += seconds(59);
  EXPECT_EQ(Token(TokenForm(fresh), &basic).http_status, 200);
}

TEST_P(OidcProviderTest, CodeReuseIsRefusedAndRevokesItsAccessToken) {
  const RegisteredOidcClient client = Register();
  const BasicCredentials basic{client.client.client_id, client.client_secret};
  const std::string code = Code(client.client.client_id);
  const OidcJsonResponse first = Token(TokenForm(code), &basic);
  ASSERT_EQ(first.http_status, 200);
  const std::string access_token = first.body["access_token"];
  EXPECT_EQ(UserInfo(access_token).http_status, 200);

  // A token from another code is not affected.
  const OidcJsonResponse other = Token(TokenForm(Code(client.client.client_id)), &basic);
  ASSERT_EQ(other.http_status, 200);

  now_ += seconds(1);
  const OidcJsonResponse again = Token(TokenForm(code), &basic);
  EXPECT_EQ(again.http_status, 400);
  EXPECT_EQ(ErrorOf(again), "invalid_grant");
  const OidcJsonResponse info = UserInfo(access_token);
  EXPECT_EQ(info.http_status, 401);
  EXPECT_EQ(ErrorOf(info), "invalid_token");
  EXPECT_NE(Header(info, "WWW-Authenticate").find("error=\"invalid_token\""), std::string::npos);
  EXPECT_EQ(UserInfo(other.body["access_token"]).http_status, 200);

  bool audited = false;
  for (const audit::Entry& e : AuditEntries()) {
    audited |= e.event.action == "oidc.token" && e.event.outcome == "denied" &&
               e.detail_text.find("already used") != std::string::npos;
  }
  EXPECT_TRUE(audited);
}

TEST_P(OidcProviderTest, UserInfoRefusals) {
  const RegisteredOidcClient client = Register();
  const BasicCredentials basic{client.client.client_id, client.client_secret};
  const OidcJsonResponse tok = Token(TokenForm(Code(client.client.client_id)), &basic);
  ASSERT_EQ(tok.http_status, 200);

  // No token at all: 401 with a bare challenge and no error code (RFC 6750 §3.1).
  const OidcJsonResponse none = UserInfo("");
  EXPECT_EQ(none.http_status, 401);
  EXPECT_EQ(Header(none, "WWW-Authenticate"), "Bearer realm=\"renkei\"");
  EXPECT_FALSE(none.body.contains("error"));

  EXPECT_EQ(ErrorOf(UserInfo("rk_at_unknown")), "invalid_token");
  // The ID token is not an access token.
  EXPECT_EQ(ErrorOf(UserInfo(tok.body["id_token"])), "invalid_token");
  now_ += seconds(3599);
  EXPECT_EQ(UserInfo(tok.body["access_token"]).http_status, 200);
  now_ += seconds(1);  // one hour after issue
  const OidcJsonResponse expired = UserInfo(tok.body["access_token"]);
  EXPECT_EQ(expired.http_status, 401);
  EXPECT_EQ(ErrorOf(expired), "invalid_token");
}

INSTANTIATE_TEST_SUITE_P(Databases, OidcProviderTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& p) { return p.param; });

}  // namespace
}  // namespace renkei::identity
