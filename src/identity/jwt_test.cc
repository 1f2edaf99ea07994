#include "identity/jwt.h"

#include <gtest/gtest.h>

#include <string>

#include "crypto/openssl.h"
#include "crypto/rfc7515_test_key.h"
#include "crypto/sodium.h"

namespace renkei::identity {
namespace {

using nlohmann::json;

using crypto_test::Rfc7515RsaKey;

// RFC 7515 Appendix A.2: the complete RS256 JWS, by the key of crypto/rfc7515_test_key.h.
constexpr std::string_view kRfc7515TokenRs256 =
    "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNv"
    "bS9pc19yb290Ijp0cnVlfQ.cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm"
    "4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6"
    "xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqv"
    "hJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";
// RFC 7515 Appendix A.3: the P-256 public key and the ES256 JWS of the same payload.
constexpr std::string_view kRfc7515TokenEs256 =
    "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNv"
    "bS9pc19yb290Ijp0cnVlfQ.DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfK"
    "TUJqPP3-Kg6NU1Q";
constexpr int64_t kRfcExp = 1300819380;

crypto::Jwk RfcEcPublic() {
  crypto::Jwk jwk;
  jwk.kty = "EC";
  jwk.crv = "P-256";
  jwk.x = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
  jwk.y = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";
  return jwk;
}

std::string B64(std::string_view s) { return crypto::Base64UrlEncode(s); }

void ExpectError(const Status& status, StatusCode code, std::string_view fragment) {
  EXPECT_EQ(status.code(), code) << status.ToString();
  EXPECT_NE(status.message().find(fragment), std::string::npos)
      << "'" << status.message() << "' lacks '" << fragment << "'";
}

TEST(VerifyJwt, AcceptsRfc7515A2Token) {
  JwkSet keys;
  ASSERT_TRUE(keys.Add(crypto_test::Rfc7515RsaPublicJwk()).ok());
  JwtVerifyOptions options;
  options.issuer = "joe";
  options.now = kRfcExp - 3600;
  auto claims = VerifyJwt(kRfc7515TokenRs256, keys, options);
  ASSERT_TRUE(claims.ok()) << claims.status().ToString();
  EXPECT_EQ(*claims, json::parse(R"({"iss":"joe","exp":1300819380,
                                     "http://example.com/is_root":true})"));

  // exp with 60 s leeway: valid until exp + 59, expired from exp + 60.
  options.now = kRfcExp + 59;
  EXPECT_TRUE(VerifyJwt(kRfc7515TokenRs256, keys, options).ok());
  options.now = kRfcExp + 60;
  ExpectError(VerifyJwt(kRfc7515TokenRs256, keys, options).status(), StatusCode::kUnauthenticated,
              "JWT has expired");
  options.leeway_seconds = 0;
  options.now = kRfcExp - 1;
  EXPECT_TRUE(VerifyJwt(kRfc7515TokenRs256, keys, options).ok());
  options.now = kRfcExp;
  ExpectError(VerifyJwt(kRfc7515TokenRs256, keys, options).status(), StatusCode::kUnauthenticated,
              "JWT has expired");
}

TEST(VerifyJwt, AcceptsRfc7515A3Es256OnlyWhenAllowed) {
  JwkSet keys;
  ASSERT_TRUE(keys.Add(RfcEcPublic()).ok());
  JwtVerifyOptions options;
  options.issuer = "joe";
  options.now = kRfcExp - 3600;
  ExpectError(VerifyJwt(kRfc7515TokenEs256, keys, options).status(), StatusCode::kUnauthenticated,
              "JWT alg \"ES256\" is not allowed");
  options.allowed_algorithms = {crypto::JwsAlgorithm::kRs256, crypto::JwsAlgorithm::kEs256};
  auto claims = VerifyJwt(kRfc7515TokenEs256, keys, options);
  ASSERT_TRUE(claims.ok()) << claims.status().ToString();
  EXPECT_EQ((*claims)["iss"], "joe");
  EXPECT_EQ((*claims)["http://example.com/is_root"], true);

  // The RS256 token finds no RS256 key in this set.
  ExpectError(VerifyJwt(kRfc7515TokenRs256, keys, options).status(), StatusCode::kUnauthenticated,
              "no \"kid\" and the key set has 0 RS256 keys");
}

class JwtTest : public ::testing::Test {
 protected:
  static constexpr int64_t kNow = 1750000000;
  static constexpr std::string_view kIssuer = "https://hub.renkei.example";

  void SetUp() override {
    auto key = crypto::RsaSigningKey::FromJwk(Rfc7515RsaKey());
    ASSERT_TRUE(key.ok()) << key.status().ToString();
    key_ = std::make_unique<crypto::RsaSigningKey>(std::move(key).value());
    ASSERT_TRUE(keys_.Add(key_->public_jwk()).ok());
    options_.issuer = kIssuer;
    options_.audience = "portal";
    options_.now = kNow;
  }

  json Claims() const {
    return {{"iss", kIssuer},   {"sub", "user-1"},   {"aud", "portal"},
            {"iat", kNow - 10}, {"exp", kNow + 300}, {"nonce", "n-0S6_WzA2Mj"}};
  }

  std::string Sign(const json& claims) const {
    auto token = SignJwt(claims, *key_);
    EXPECT_TRUE(token.ok()) << token.status().ToString();
    return token.ok() ? *token : std::string();
  }

  // A token with arbitrary header and payload segments, correctly signed by key_ over
  // "<header segment>.<payload segment>".
  std::string Forge(std::string_view header_segment, std::string_view payload_segment) const {
    std::string input = std::string(header_segment) + "." + std::string(payload_segment);
    return input + "." + B64(*key_->SignRs256(input));
  }
  std::string ForgeJson(const json& header, const json& payload) const {
    return Forge(B64(header.dump()), B64(payload.dump()));
  }
  json Header() const { return {{"alg", "RS256"}, {"kid", key_->kid()}, {"typ", "JWT"}}; }

  void ExpectRefused(std::string_view token, StatusCode code, std::string_view fragment) const {
    auto claims = VerifyJwt(token, keys_, options_);
    ASSERT_FALSE(claims.ok()) << fragment;
    ExpectError(claims.status(), code, fragment);
  }

  std::unique_ptr<crypto::RsaSigningKey> key_;
  JwkSet keys_;
  JwtVerifyOptions options_;
};

TEST_F(JwtTest, SignsWithTheExpectedHeaderAndVerifies) {
  const std::string token = Sign(Claims());
  const size_t dot = token.find('.');
  EXPECT_EQ(*crypto::Base64UrlDecode(token.substr(0, dot)),
            R"({"alg":"RS256","kid":")" + key_->kid() + R"(","typ":"JWT"})");
  EXPECT_EQ(
      *crypto::Base64UrlDecode(token.substr(dot + 1, token.rfind('.') - dot - 1)),
      R"({"aud":"portal","exp":1750000300,"iat":1749999990,"iss":"https://hub.renkei.example",)"
      R"("nonce":"n-0S6_WzA2Mj","sub":"user-1"})");
  auto claims = VerifyJwt(token, keys_, options_);
  ASSERT_TRUE(claims.ok()) << claims.status().ToString();
  EXPECT_EQ(*claims, Claims());

  // An audience array containing ours is fine.
  json multi = Claims();
  multi["aud"] = {"other-client", "portal"};
  EXPECT_TRUE(VerifyJwt(Sign(multi), keys_, options_).ok());
}

TEST_F(JwtTest, RefusesUnsignedAndUnexpectedAlgorithms) {
  const std::string payload = B64(Claims().dump());
  ExpectRefused(B64(R"({"alg":"none"})") + "." + payload + ".", StatusCode::kUnauthenticated,
                "JWT alg \"none\" (an unsigned token) is refused");
  ExpectRefused(B64(R"({"alg":"none"})") + "." + payload + ".c2ln", StatusCode::kUnauthenticated,
                "alg \"none\"");
  // Algorithm confusion: an HS256 token whose HMAC key is the public RSA modulus.
  const std::string input =
      B64(R"({"alg":"HS256","kid":")" + key_->kid() + R"("})") + "." + payload;
  ExpectRefused(input + "." + B64(*crypto::HmacSha256(key_->public_jwk().n, input)),
                StatusCode::kUnauthenticated, "JWT alg \"HS256\" is not allowed");
  ExpectRefused(ForgeJson({{"alg", "RS512"}, {"kid", key_->kid()}}, Claims()),
                StatusCode::kUnauthenticated, "JWT alg \"RS512\" is not allowed");
  // An ES256 header naming the RSA key, when ES256 is allowed: the key does not fit.
  options_.allowed_algorithms.push_back(crypto::JwsAlgorithm::kEs256);
  ExpectRefused(ForgeJson({{"alg", "ES256"}, {"kid", key_->kid()}}, Claims()),
                StatusCode::kUnauthenticated, "JWT alg ES256 does not fit key");
}

TEST_F(JwtTest, RefusesUnknownKeysAndBadSignatures) {
  json header = Header();
  header["kid"] = "some-other-key";
  ExpectRefused(ForgeJson(header, Claims()), StatusCode::kUnauthenticated,
                "JWT kid \"some-other-key\" is not in the key set");

  std::string token = Sign(Claims());
  std::string tampered = token;
  char& c = tampered[token.rfind('.') + 20];
  c = c == 'A' ? 'B' : 'A';
  ExpectRefused(tampered, StatusCode::kUnauthenticated, "JWT signature does not verify");

  // Claims changed after signing.
  json changed = Claims();
  changed["sub"] = "admin";
  const size_t dot1 = token.find('.');
  const size_t dot2 = token.rfind('.');
  ExpectRefused(token.substr(0, dot1 + 1) + B64(changed.dump()) + token.substr(dot2),
                StatusCode::kUnauthenticated, "JWT signature does not verify");

  // Signed by another key that claims our kid.
  auto other = crypto::RsaSigningKey::Generate();
  ASSERT_TRUE(other.ok());
  const std::string input = B64(Header().dump()) + "." + B64(Claims().dump());
  ExpectRefused(input + "." + B64(*other->SignRs256(input)), StatusCode::kUnauthenticated,
                "JWT signature does not verify");

  // No kid, and the set has two RS256 keys to choose from.
  ASSERT_TRUE(keys_.Add(crypto_test::Rfc7515RsaPublicJwk()).ok());
  ExpectRefused(ForgeJson({{"alg", "RS256"}}, Claims()), StatusCode::kUnauthenticated,
                "JWT has no \"kid\" and the key set has 2 RS256 keys");
}

TEST_F(JwtTest, RefusesMalformedTokens) {
  const std::string good = Sign(Claims());
  const std::string payload = B64(Claims().dump());
  const std::string sig = good.substr(good.rfind('.') + 1);
  struct Case {
    std::string token;
    std::string_view fragment;
  };
  const Case cases[] = {
      {"", "expected three base64url segments"},
      {"abc", "expected three base64url segments"},
      {"a.b", "expected three base64url segments"},
      {good + ".x", "expected three base64url segments"},
      {"..", "header is not a JSON object"},
      {"e30=." + payload + "." + sig, "header is not base64url"},
      {"e3 0." + payload + "." + sig, "header is not base64url"},
      {B64("[1]") + "." + payload + "." + sig, "header is not a JSON object"},
      {B64("{\"alg\"") + "." + payload + "." + sig, "header is not a JSON object"},
      {B64(R"({"typ":"JWT"})") + "." + payload + "." + sig, "header lacks a string \"alg\""},
      {B64(R"({"alg":256})") + "." + payload + "." + sig, "header lacks a string \"alg\""},
      {B64(R"({"alg":"RS256","kid":7})") + "." + payload + "." + sig, "\"kid\" is not a string"},
      {B64(R"({"alg":"RS256","crit":["exp"]})") + "." + payload + "." + sig, "\"crit\""},
      {good.substr(0, good.rfind('.') + 1), "signature is empty or not base64url"},
      {good.substr(0, good.rfind('.') + 1) + "ab+/", "signature is empty or not base64url"},
      {Forge(B64(Header().dump()), "!!!"), "payload is not base64url"},
      {Forge(B64(Header().dump()), B64("not json")), "payload is not a JSON object"},
      {Forge(B64(Header().dump()), B64("[1,2]")), "payload is not a JSON object"},
      {Forge(B64(Header().dump()), ""), "payload is not a JSON object"},
      {std::string(kMaxJwtBytes + 1, 'a'), "JWT is longer than 16384 bytes"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.token.substr(0, 60));
    ExpectRefused(c.token, StatusCode::kInvalidArgument, c.fragment);
  }
}

TEST_F(JwtTest, ChecksTimeClaimsWithLeeway) {
  json claims = Claims();
  claims["exp"] = kNow - 59;  // within the 60 s leeway
  EXPECT_TRUE(VerifyJwt(Sign(claims), keys_, options_).ok());
  claims["exp"] = kNow - 61;
  ExpectRefused(Sign(claims), StatusCode::kUnauthenticated, "JWT has expired");

  claims = Claims();
  claims["nbf"] = kNow + 59;
  EXPECT_TRUE(VerifyJwt(Sign(claims), keys_, options_).ok());
  claims["nbf"] = kNow + 61;
  ExpectRefused(Sign(claims), StatusCode::kUnauthenticated, "JWT is not valid yet (nbf)");

  claims = Claims();
  claims["iat"] = kNow + 61;
  ExpectRefused(Sign(claims), StatusCode::kUnauthenticated, "JWT was issued in the future (iat)");
  claims["iat"] = kNow + 59.5;  // NumericDate may be fractional
  EXPECT_TRUE(VerifyJwt(Sign(claims), keys_, options_).ok());

  claims = Claims();
  claims.erase("exp");
  ExpectRefused(ForgeJson(Header(), claims), StatusCode::kUnauthenticated, "JWT lacks \"exp\"");
  claims["exp"] = "tomorrow";
  ExpectRefused(ForgeJson(Header(), claims), StatusCode::kInvalidArgument,
                "JWT \"exp\" is not a number");
  claims = Claims();
  claims["nbf"] = true;
  ExpectRefused(Sign(claims), StatusCode::kInvalidArgument, "JWT \"nbf\" is not a number");
  claims = Claims();
  claims["iat"] = "1749999990";
  ExpectRefused(Sign(claims), StatusCode::kInvalidArgument, "JWT \"iat\" is not a number");
}

TEST_F(JwtTest, ChecksIssuerAndAudience) {
  json claims = Claims();
  claims["iss"] = "https://evil.example";
  ExpectRefused(Sign(claims), StatusCode::kUnauthenticated,
                "JWT issuer \"https://evil.example\" is not \"https://hub.renkei.example\"");
  claims["iss"] = "https://hub.renkei.example/";  // exact comparison: no normalisation
  ExpectRefused(Sign(claims), StatusCode::kUnauthenticated,
                "is not \"https://hub.renkei.example\"");
  claims.erase("iss");
  ExpectRefused(Sign(claims), StatusCode::kUnauthenticated, "JWT lacks a string \"iss\"");
  claims["iss"] = 42;
  ExpectRefused(Sign(claims), StatusCode::kUnauthenticated, "JWT lacks a string \"iss\"");

  claims = Claims();
  claims["aud"] = "another-client";
  ExpectRefused(Sign(claims), StatusCode::kUnauthenticated,
                "JWT audience does not include \"portal\"");
  claims["aud"] = {"a", "b"};
  ExpectRefused(Sign(claims), StatusCode::kUnauthenticated, "does not include \"portal\"");
  claims["aud"] = json::array();
  ExpectRefused(Sign(claims), StatusCode::kUnauthenticated, "does not include \"portal\"");
  claims["aud"] = 7;
  ExpectRefused(Sign(claims), StatusCode::kInvalidArgument,
                "JWT \"aud\" is neither a string nor an array of strings");
  claims["aud"] = {"portal", 7};
  ExpectRefused(Sign(claims), StatusCode::kInvalidArgument, "\"aud\" array holds a non-string");
  claims.erase("aud");
  ExpectRefused(Sign(claims), StatusCode::kUnauthenticated, "JWT lacks \"aud\"");

  // Without an expected audience, a token that names one is not for us (RFC 7519 §4.1.3).
  options_.audience.reset();
  ExpectRefused(Sign(Claims()), StatusCode::kUnauthenticated,
                "JWT has an audience but none is expected");
  EXPECT_TRUE(VerifyJwt(Sign(claims), keys_, options_).ok());  // claims has no aud
}

TEST_F(JwtTest, RefusesBadOptions) {
  const std::string token = Sign(Claims());
  options_.issuer.clear();
  ExpectRefused(token, StatusCode::kInvalidArgument, "needs an expected issuer");
  options_.issuer = kIssuer;
  options_.leeway_seconds = -1;
  ExpectRefused(token, StatusCode::kInvalidArgument, "leeway must be 0 to 300");
  options_.leeway_seconds = 301;
  ExpectRefused(token, StatusCode::kInvalidArgument, "leeway must be 0 to 300");
  options_.leeway_seconds = 0;
  options_.max_token_bytes = 100;
  ExpectRefused(token, StatusCode::kInvalidArgument, "JWT is longer than 100 bytes");
}

TEST_F(JwtTest, SignRefusesBadClaims) {
  ExpectError(SignJwt(json::array({1}), *key_).status(), StatusCode::kInvalidArgument,
              "claims must be a JSON object");
  json claims = Claims();
  claims.erase("exp");
  ExpectError(SignJwt(claims, *key_).status(), StatusCode::kInvalidArgument,
              "claims need a numeric \"exp\"");
  claims["exp"] = "soon";
  ExpectError(SignJwt(claims, *key_).status(), StatusCode::kInvalidArgument, "numeric \"exp\"");
  claims = Claims();
  claims["name"] = "\xff\xfe";
  ExpectError(SignJwt(claims, *key_).status(), StatusCode::kInvalidArgument, "not valid UTF-8");
  claims = Claims();
  claims["ga4gh_passport_v1"] = std::string(16000, 'v');
  ExpectError(SignJwt(claims, *key_).status(), StatusCode::kInvalidArgument,
              "longer than 16384 bytes");
}

// RFC 7517 Appendix A.1: an EC key for encryption and an RSA key for RS256.
constexpr std::string_view kRfc7517A1 = R"({"keys":
  [{"kty":"EC","crv":"P-256","x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4",
    "y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM","use":"enc","kid":"1"},
   {"kty":"RSA","n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
    "e":"AQAB","alg":"RS256","kid":"2011-04-29"}]})";

TEST(JwkSet, ParsesRfc7517ExampleKeepingOnlySigningKeys) {
  auto set = JwkSet::Parse(kRfc7517A1);
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  ASSERT_EQ(set->size(), 1u);  // the "use":"enc" EC key is skipped
  EXPECT_EQ(set->Find("1"), nullptr);
  const crypto::JwsVerificationKey* key = set->Find("2011-04-29");
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(key->algorithm(), crypto::JwsAlgorithm::kRs256);
  EXPECT_EQ(*crypto::JwkThumbprint(key->jwk()), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
}

TEST(JwkSet, PublishesOurKeyAndRoundTrips) {
  auto key = crypto::RsaSigningKey::FromJwk(Rfc7515RsaKey());
  ASSERT_TRUE(key.ok());
  JwkSet set;
  ASSERT_TRUE(set.Add(key->public_jwk()).ok());
  ASSERT_TRUE(set.Add(RfcEcPublic()).ok());
  const json published = set.ToJson();
  EXPECT_EQ(published["keys"][0], json({{"kty", "RSA"},
                                        {"kid", key->kid()},
                                        {"use", "sig"},
                                        {"alg", "RS256"},
                                        {"n", Rfc7515RsaKey().n},
                                        {"e", "AQAB"}}));
  EXPECT_EQ(
      published["keys"][1],
      json({{"kty", "EC"}, {"crv", "P-256"}, {"x", RfcEcPublic().x}, {"y", RfcEcPublic().y}}));
  auto again = JwkSet::FromJson(published);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  ASSERT_EQ(again->size(), 2u);
  EXPECT_EQ(again->keys()[0].jwk(), key->public_jwk());
  EXPECT_EQ(again->keys()[1].jwk(), RfcEcPublic());

  ExpectError(set.Add(key->public_jwk()), StatusCode::kAlreadyExists,
              "kid \"" + key->kid() + "\" is already in the key set");
}

TEST(JwkSet, RefusesBadDocumentsAndKeys) {
  struct Case {
    std::string_view text;
    std::string_view fragment;
  };
  const Case cases[] = {
      {"{", "JWK Set is not JSON"},
      {"[]", "must be a JSON object with a \"keys\" array"},
      {R"({"keys":{}})", "must be a JSON object with a \"keys\" array"},
      {R"({"keys":[]})", "no usable signing key"},
      {R"({"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]})",
       "no usable signing key"},
      {R"({"keys":[{"kty":"RSA","e":"AQAB","alg":"RS512"}]})", "no usable signing key"},
      {R"({"keys":[7]})", "JWK Set key 0: JWK is not a JSON object"},
      {R"({"keys":[{"n":"AQAB"}]})", "JWK Set key 0: JWK lacks \"kty\""},
      {R"({"keys":[{"kty":"RSA","n":5,"e":"AQAB"}]})", "JWK member \"n\" is not a string"},
      {R"({"keys":[{"kty":"RSA","e":"AQAB"}]})", "JWK lacks the required member \"n\""},
      {R"({"keys":[{"kty":"EC","crv":"P-256","x":"AA","y":"AA","d":"AA"}]})",
       "private key material (\"d\")"},
      {R"({"keys":[{"kty":"oct","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T"}]})",
       "private key material (\"k\")"},
  };
  for (const Case& c : cases) {
    auto set = JwkSet::Parse(c.text);
    ASSERT_FALSE(set.ok()) << c.text;
    ExpectError(set.status(), StatusCode::kInvalidArgument, c.fragment);
  }
  // Two keys with one kid.
  json doc = {{"keys", {JwkToJson(RfcEcPublic()), JwkToJson(RfcEcPublic())}}};
  doc["keys"][0]["kid"] = "k1";
  doc["keys"][1]["kid"] = "k1";
  ExpectError(JwkSet::FromJson(doc).status(), StatusCode::kInvalidArgument,
              "JWK Set key 1: duplicate kid \"k1\"");
}

}  // namespace
}  // namespace renkei::identity
