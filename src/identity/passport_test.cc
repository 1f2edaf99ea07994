#include "identity/passport.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "crypto/openssl.h"
#include "crypto/rfc7515_test_key.h"
#include "crypto/sodium.h"

namespace renkei::identity {
namespace {

using nlohmann::json;

constexpr int64_t kNow = 1'750'000'000;  // 2025-06-15T15:06:40Z
constexpr char kIssuer[] = "https://hub.example.org";

// RFC 7515 Appendix A.2's RSA key (crypto/rfc7515_test_key.h): a published key, so the tests
// do not depend on a key made by the code under test.
using crypto_test::Rfc7515RsaKey;

class PassportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<crypto::RsaSigningKey> key = crypto::RsaSigningKey::FromJwk(Rfc7515RsaKey());
    ASSERT_TRUE(key.ok()) << key.status().ToString();
    key_.emplace(std::move(*key));
    ASSERT_TRUE(keys_.Add(key_->public_jwk()).ok());
    options_.issuer = kIssuer;
    options_.site = "tohoku";
    options_.datasets = {"TMM-a", "TMM-b"};
    options_.now = kNow;
    options_.leeway_seconds = 0;
    options_.revoked = &revoked_;
  }

  // A compact JWS over exactly these header and payload texts, signed with `key` (or unsigned
  // when key is null: the signature segment is then `signature`).
  static std::string Jws(const std::string& header, const std::string& payload,
                         const crypto::RsaSigningKey* key, const std::string& signature = "") {
    const std::string input =
        crypto::Base64UrlEncode(header) + "." + crypto::Base64UrlEncode(payload);
    if (key == nullptr) return input + "." + signature;
    Result<std::string> sig = key->SignRs256(input);
    EXPECT_TRUE(sig.ok());
    return input + "." + crypto::Base64UrlEncode(*sig);
  }

  std::string Header(const std::string& alg = "RS256",
                     const std::string& typ = "\"vnd.ga4gh.visa+jwt\"") const {
    return R"({"typ":)" + typ + R"(,"alg":")" + alg +
           R"(","jku":"https://hub.example.org/v1/visas/jwks","kid":")" + key_->kid() + R"("})";
  }

  // The Passport v1.2 "Visa Format" example filled in by hand, with fields to vary.
  static std::string Payload(
      int64_t iat = kNow - 60, int64_t exp = kNow + 240,
      const std::string& value = "https://hub.example.org/datasets/tohoku/TMM-a",
      const std::string& type = "ControlledAccessGrants", const std::string& by = "dac",
      const std::string& extra = "") {
    return R"({"iss":"https://hub.example.org","sub":"user:17","iat":)" + std::to_string(iat) +
           R"(,"exp":)" + std::to_string(exp) +
           R"(,"jti":"visa-0001","renkei_grant":"APP-000001/tohoku/TMM-a/1749000000",)"
           R"("renkei_application":"APP-000001","ga4gh_visa_v1":{"type":")" +
           type + R"(","asserted":1749000000,"value":")" + value +
           R"(","source":"https://hub.example.org/dac","by":")" + by + "\"" + extra + "}}";
  }

  void ExpectRefused(const std::string& visa, StatusCode code, const std::string& why) {
    Result<VisaGrant> g = VerifyVisa(visa, keys_, options_);
    ASSERT_FALSE(g.ok()) << "accepted; expected: " << why;
    EXPECT_EQ(g.status().code(), code) << g.status().ToString();
    EXPECT_NE(g.status().message().find(why), std::string::npos) << g.status().ToString();
    EXPECT_EQ(g.status().message().rfind("visa", 0), 0u) << g.status().ToString();
  }

  std::optional<crypto::RsaSigningKey> key_;
  JwkSet keys_;
  RevokedGrants revoked_;
  VisaVerifyOptions options_;
};

TEST_F(PassportTest, AcceptsAHandWrittenVisaAndReturnsItsGrant) {
  Result<VisaGrant> g = VerifyVisa(Jws(Header(), Payload(), &*key_), keys_, options_);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->subject, "user:17");
  EXPECT_EQ(g->site, "tohoku");
  EXPECT_EQ(g->dataset, "TMM-a");
  EXPECT_EQ(g->application, "APP-000001");
  EXPECT_EQ(g->grant_id, "APP-000001/tohoku/TMM-a/1749000000");
  EXPECT_EQ(g->jti, "visa-0001");
  EXPECT_EQ(g->asserted, 1749000000);
  EXPECT_EQ(g->visa_expiry, kNow + 240);
}

TEST_F(PassportTest, PlainJwtTypIsAcceptedForBackwardCompatibility) {
  // Passport "typ": JWT MAY be used.
  EXPECT_TRUE(VerifyVisa(Jws(Header("RS256", "\"JWT\""), Payload(), &*key_), keys_, options_).ok());
}

TEST_F(PassportTest, IssuedVisaHasTheSpecsHeaderAndClaims) {
  VisaGrant grant{"user:17",
                  "tohoku",
                  "TMM-a",
                  "APP-000001",
                  "APP-000001/tohoku/TMM-a/1749000000",
                  1749000000,
                  kNow + 86400,
                  "",
                  0};
  Result<std::string> visa = IssueVisa(grant, kIssuer, *key_, kNow, 300);
  ASSERT_TRUE(visa.ok()) << visa.status().ToString();
  const size_t d1 = visa->find('.'), d2 = visa->find('.', d1 + 1);
  const json header = json::parse(*crypto::Base64UrlDecode(visa->substr(0, d1)));
  const json payload = json::parse(*crypto::Base64UrlDecode(visa->substr(d1 + 1, d2 - d1 - 1)));
  EXPECT_EQ(header, json::parse(R"({"alg":"RS256","typ":"vnd.ga4gh.visa+jwt",
      "jku":"https://hub.example.org/v1/visas/jwks","kid":")" +
                                key_->kid() + "\"}"));
  json expected = json::parse(R"({"iss":"https://hub.example.org","sub":"user:17",
      "iat":1750000000,"exp":1750000300,
      "ga4gh_visa_v1":{"type":"ControlledAccessGrants","asserted":1749000000,
        "value":"https://hub.example.org/datasets/tohoku/TMM-a",
        "source":"https://hub.example.org/dac","by":"dac"},
      "renkei_grant":"APP-000001/tohoku/TMM-a/1749000000","renkei_application":"APP-000001"})");
  ASSERT_TRUE(payload.contains("jti"));
  EXPECT_EQ(crypto::Base64UrlDecode(payload["jti"].get<std::string>())->size(), 16u);
  json without_jti = payload;
  without_jti.erase("jti");
  EXPECT_EQ(without_jti, expected);
  EXPECT_FALSE(payload.contains("aud"));  // AAI: visas carry no audience

  Result<VisaGrant> g = VerifyVisa(*visa, keys_, options_);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->dataset, "TMM-a");
  // Two visas of one grant have different jtis.
  Result<std::string> again = IssueVisa(grant, kIssuer, *key_, kNow, 300);
  EXPECT_NE(VerifyVisa(*again, keys_, options_)->jti, g->jti);
}

TEST_F(PassportTest, VisaNeverOutlivesItsGrant) {
  VisaGrant grant{"user:17", "tohoku", "TMM-a", "APP-1", "g", 0, kNow + 100, "", 0};
  Result<std::string> visa = IssueVisa(grant, kIssuer, *key_, kNow, 300);
  ASSERT_TRUE(visa.ok());
  EXPECT_EQ(VerifyVisa(*visa, keys_, options_)->visa_expiry, kNow + 100);
}

TEST_F(PassportTest, IssueRefusesBadInput) {
  VisaGrant grant{"user:17", "tohoku", "TMM-a", "APP-1", "g", 0, kNow + 100, "", 0};
  EXPECT_EQ(IssueVisa(grant, kIssuer, *key_, kNow + 100, 300).status().code(),
            StatusCode::kInvalidArgument);  // the grant has ended
  EXPECT_EQ(IssueVisa(grant, kIssuer, *key_, kNow, 0).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(IssueVisa(grant, "", *key_, kNow, 300).status().code(), StatusCode::kInvalidArgument);
  VisaGrant no_subject = grant;
  no_subject.subject = "";
  EXPECT_EQ(IssueVisa(no_subject, kIssuer, *key_, kNow, 300).status().code(),
            StatusCode::kInvalidArgument);
  VisaGrant bad_utf8 = grant;
  bad_utf8.subject = "\xff\xfe";
  EXPECT_EQ(IssueVisa(bad_utf8, kIssuer, *key_, kNow, 300).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(PassportTest, TamperedPayloadIsRefused) {
  const std::string visa = Jws(Header(), Payload(), &*key_);
  const size_t d1 = visa.find('.'), d2 = visa.find('.', d1 + 1);
  // The same signature over a payload naming the other dataset.
  const std::string forged =
      visa.substr(0, d1 + 1) +
      crypto::Base64UrlEncode(
          Payload(kNow - 60, kNow + 240, "https://hub.example.org/datasets/tohoku/TMM-b")) +
      visa.substr(d2);
  ExpectRefused(forged, StatusCode::kUnauthenticated, "signature does not verify");
}

TEST_F(PassportTest, WrongKeyIsRefused) {
  Result<crypto::RsaSigningKey> other = crypto::RsaSigningKey::Generate();
  ASSERT_TRUE(other.ok());
  // Signed by another key but claiming ours.
  ExpectRefused(Jws(Header(), Payload(), &*other), StatusCode::kUnauthenticated,
                "signature does not verify");
  // Signed by another key under its own kid.
  const std::string header =
      R"({"typ":"vnd.ga4gh.visa+jwt","alg":"RS256","jku":"x","kid":")" + other->kid() + R"("})";
  ExpectRefused(Jws(header, Payload(), &*other), StatusCode::kUnauthenticated, "kid");
}

TEST_F(PassportTest, UnsignedAndHmacVisasAreRefused) {
  ExpectRefused(Jws(Header("none"), Payload(), nullptr), StatusCode::kUnauthenticated,
                "alg \"none\"");
  ExpectRefused(Jws(Header("HS256"), Payload(), nullptr, "c2lnbmF0dXJl"),
                StatusCode::kUnauthenticated, "alg \"HS256\" is not allowed");
}

TEST_F(PassportTest, ExpiryAndIssueTimeAreCheckedToTheSecond) {
  // exp is the first second at which the visa is no longer valid (RFC 7519 §4.1.4).
  EXPECT_TRUE(
      VerifyVisa(Jws(Header(), Payload(kNow - 60, kNow + 1), &*key_), keys_, options_).ok());
  ExpectRefused(Jws(Header(), Payload(kNow - 60, kNow), &*key_), StatusCode::kUnauthenticated,
                "expired");
  ExpectRefused(Jws(Header(), Payload(kNow - 60, kNow - 1), &*key_), StatusCode::kUnauthenticated,
                "expired");
  EXPECT_TRUE(VerifyVisa(Jws(Header(), Payload(kNow, kNow + 60), &*key_), keys_, options_).ok());
  ExpectRefused(Jws(Header(), Payload(kNow + 1, kNow + 60), &*key_), StatusCode::kUnauthenticated,
                "issued in the future");
  // With the default leeway a second of skew passes, and 31 s do not.
  options_.leeway_seconds = 30;
  EXPECT_TRUE(
      VerifyVisa(Jws(Header(), Payload(kNow + 1, kNow + 60), &*key_), keys_, options_).ok());
  ExpectRefused(Jws(Header(), Payload(kNow - 90, kNow - 31), &*key_), StatusCode::kUnauthenticated,
                "expired");
}

TEST_F(PassportTest, RevokedJtiAndRevokedGrantAreRefused) {
  const std::string visa = Jws(Header(), Payload(), &*key_);
  ASSERT_TRUE(revoked_.Add({{"visa-0001", kNow + 3600}}, kNow).ok());
  ExpectRefused(visa, StatusCode::kPermissionDenied, "visa-0001 has been revoked");
  RevokedGrants by_grant;
  options_.revoked = &by_grant;
  ASSERT_TRUE(by_grant.Add({{"APP-000001/tohoku/TMM-a/1749000000", kNow + 3600}}, kNow).ok());
  ExpectRefused(visa, StatusCode::kPermissionDenied,
                "revoked grant APP-000001/tohoku/TMM-a/1749000000");
  // A revocation that has lapsed (the grant's own end has passed) no longer matters.
  options_.now = kNow + 3600;
  EXPECT_FALSE(by_grant.Contains("APP-000001/tohoku/TMM-a/1749000000", kNow + 3600));
}

TEST_F(PassportTest, OtherSiteOrDatasetIsPermissionDenied) {
  ExpectRefused(
      Jws(Header(), Payload(kNow - 60, kNow + 240, "https://hub.example.org/datasets/imsut/TMM-a"),
          &*key_),
      StatusCode::kPermissionDenied, "at site imsut, not at this site (tohoku)");
  ExpectRefused(
      Jws(Header(), Payload(kNow - 60, kNow + 240, "https://hub.example.org/datasets/tohoku/BBJ-a"),
          &*key_),
      StatusCode::kPermissionDenied, "BBJ-a, which site tohoku does not hold");
  // Case-sensitive whole-string match (Passport "URL Claims").
  ExpectRefused(
      Jws(Header(), Payload(kNow - 60, kNow + 240, "https://hub.example.org/datasets/tohoku/tmm-a"),
          &*key_),
      StatusCode::kPermissionDenied, "tmm-a");
  ExpectRefused(
      Jws(Header(),
          Payload(kNow - 60, kNow + 240, "https://elsewhere.example/datasets/tohoku/TMM-a"),
          &*key_),
      StatusCode::kUnauthenticated, "names no dataset of this platform");
  ExpectRefused(
      Jws(Header(),
          Payload(kNow - 60, kNow + 240, "https://hub.example.org/datasets/tohoku/TMM-a/x"),
          &*key_),
      StatusCode::kUnauthenticated, "names no dataset");
}

TEST_F(PassportTest, WrongTypesAndAssertionsAreRefused) {
  ExpectRefused(Jws(Header("RS256", "\"at+jwt\""), Payload(), &*key_), StatusCode::kUnauthenticated,
                "wrong type (header typ");
  ExpectRefused(Jws(Header(),
                    Payload(kNow - 60, kNow + 240, "https://hub.example.org/datasets/tohoku/TMM-a",
                            "AffiliationAndRole"),
                    &*key_),
                StatusCode::kUnauthenticated, "wrong type (AffiliationAndRole");
  ExpectRefused(Jws(Header(),
                    Payload(kNow - 60, kNow + 240, "https://hub.example.org/datasets/tohoku/TMM-a",
                            "ControlledAccessGrants", "so"),
                    &*key_),
                StatusCode::kUnauthenticated, "not asserted by a data access committee");
  ExpectRefused(Jws(Header(),
                    Payload(kNow - 60, kNow + 240, "https://hub.example.org/datasets/tohoku/TMM-a",
                            "ControlledAccessGrants", "dac",
                            R"(,"conditions":[[{"type":"AffiliationAndRole","value":"const:x"}]])"),
                    &*key_),
                StatusCode::kUnauthenticated, "conditions");
  // An empty conditions list is no condition.
  EXPECT_TRUE(
      VerifyVisa(Jws(Header(),
                     Payload(kNow - 60, kNow + 240, "https://hub.example.org/datasets/tohoku/TMM-a",
                             "ControlledAccessGrants", "dac", R"(,"conditions":[])"),
                     &*key_),
                 keys_, options_)
          .ok());
  options_.issuer = "https://other-hub.example.org";
  ExpectRefused(Jws(Header(), Payload(), &*key_), StatusCode::kUnauthenticated, "issuer");
}

TEST_F(PassportTest, MalformedVisasAreRefused) {
  ExpectRefused("", StatusCode::kUnauthenticated, "malformed");
  ExpectRefused("not-a-jwt", StatusCode::kUnauthenticated, "malformed");
  ExpectRefused("e30.e30.e30", StatusCode::kUnauthenticated, "no jku");
  ExpectRefused(Jws("[1]", Payload(), &*key_), StatusCode::kUnauthenticated, "malformed");
  ExpectRefused(std::string(kMaxVisaBytes, 'a'), StatusCode::kUnauthenticated, "longer than");
  const std::string no_jku =
      R"({"typ":"vnd.ga4gh.visa+jwt","alg":"RS256","kid":")" + key_->kid() + R"("})";
  ExpectRefused(Jws(no_jku, Payload(), &*key_), StatusCode::kUnauthenticated, "no jku");
  const std::string no_visa_claim =
      R"({"iss":"https://hub.example.org","sub":"u","iat":1,"exp":1750000100,"jti":"j"})";
  ExpectRefused(Jws(Header(), no_visa_claim, &*key_), StatusCode::kUnauthenticated,
                "lacks the ga4gh_visa_v1 claim");
  const std::string no_jti =
      R"({"iss":"https://hub.example.org","sub":"u","iat":1,"exp":1750000100,)"
      R"("ga4gh_visa_v1":{}})";
  ExpectRefused(Jws(Header(), no_jti, &*key_), StatusCode::kUnauthenticated, "lacks \"jti\"");
  const std::string text_asserted =
      R"({"iss":"https://hub.example.org","sub":"u","iat":1,"exp":1750000100,"jti":"j",)"
      R"("ga4gh_visa_v1":{"type":"ControlledAccessGrants","asserted":"yesterday"}})";
  ExpectRefused(Jws(Header(), text_asserted, &*key_), StatusCode::kUnauthenticated,
                "\"asserted\" in ga4gh_visa_v1 must be a number");
  options_.site = "";
  EXPECT_EQ(VerifyVisa(Jws(Header(), Payload(), &*key_), keys_, options_).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(SplitVisasTest, SplitsOnSpaces) {
  EXPECT_EQ(SplitVisas(""), std::vector<std::string_view>{});
  EXPECT_EQ(SplitVisas("a.b.c"), std::vector<std::string_view>{"a.b.c"});
  EXPECT_EQ(SplitVisas(" a.b.c  d.e.f "), (std::vector<std::string_view>{"a.b.c", "d.e.f"}));
}

TEST(RevokedGrantsTest, KeepsIdsUntilTheyLapseAndSurvivesARestart) {
  const std::filesystem::path path = std::filesystem::temp_directory_path() /
                                     ("renkei-revoked-" + std::to_string(getpid()) + ".json");
  std::filesystem::remove(path);
  {
    RevokedGrants r;
    ASSERT_TRUE(r.Load(path.string(), kNow).ok());  // a missing file is an empty list
    ASSERT_TRUE(
        r.Add({{"APP-1/tohoku/TMM-a/1", kNow + 100}, {"APP-2/tohoku/TMM-a/2", kNow + 5}}, kNow)
            .ok());
    EXPECT_TRUE(r.Contains("APP-1/tohoku/TMM-a/1", kNow));
    EXPECT_FALSE(r.Contains("APP-3/tohoku/TMM-a/3", kNow));
    EXPECT_EQ(r.Add({{"", kNow + 5}}, kNow).code(), StatusCode::kInvalidArgument);
  }
  RevokedGrants restarted;
  ASSERT_TRUE(restarted.Load(path.string(), kNow + 10).ok());
  EXPECT_TRUE(restarted.Contains("APP-1/tohoku/TMM-a/1", kNow + 10));
  EXPECT_FALSE(restarted.Contains("APP-2/tohoku/TMM-a/2", kNow + 10));  // lapsed
  EXPECT_EQ(restarted.size(), 1u);

  std::ofstream(path) << "{\"revoked\": 3}";
  RevokedGrants broken;
  EXPECT_EQ(broken.Load(path.string(), kNow).code(), StatusCode::kInvalidArgument);
  std::filesystem::remove(path);
}

TEST(RevokedGrantsTest, BoundedForgettingTheEarliestToLapse) {
  RevokedGrants r(2);
  ASSERT_TRUE(r.Add({{"a", kNow + 30}, {"b", kNow + 10}, {"c", kNow + 20}}, kNow).ok());
  EXPECT_EQ(r.size(), 2u);
  EXPECT_TRUE(r.Contains("a", kNow));
  EXPECT_FALSE(r.Contains("b", kNow));
  EXPECT_TRUE(r.Contains("c", kNow));
}

}  // namespace
}  // namespace renkei::identity
