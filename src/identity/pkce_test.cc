#include "identity/pkce.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "crypto/sodium.h"

namespace renkei::identity {
namespace {

// RFC 7636 Appendix B.
constexpr std::string_view kRfcVerifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
constexpr std::string_view kRfcChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

void ExpectError(const Status& status, StatusCode code, std::string_view fragment) {
  EXPECT_EQ(status.code(), code) << status.ToString();
  EXPECT_NE(status.message().find(fragment), std::string::npos)
      << "'" << status.message() << "' lacks '" << fragment << "'";
}

TEST(Pkce, MatchesRfc7636AppendixB) {
  // The verifier is the base64url of the appendix's 32 random octets ...
  const unsigned char kOctets[] = {116, 24,  223, 180, 151, 153, 224, 37,  79,  250, 96,
                                   125, 216, 173, 187, 186, 22,  212, 37,  77,  105, 214,
                                   191, 240, 91,  88,  5,   88,  83,  132, 141, 121};
  EXPECT_EQ(crypto::Base64UrlEncode(
                std::string_view(reinterpret_cast<const char*>(kOctets), sizeof kOctets)),
            kRfcVerifier);
  // ... and the challenge is BASE64URL(SHA256(verifier)).
  auto challenge = CodeChallengeS256(kRfcVerifier);
  ASSERT_TRUE(challenge.ok()) << challenge.status().ToString();
  EXPECT_EQ(*challenge, kRfcChallenge);
  EXPECT_TRUE(CheckCodeChallenge(kRfcChallenge, "S256").ok());
  EXPECT_TRUE(VerifyCodeVerifier(kRfcVerifier, kRfcChallenge).ok());
}

TEST(Pkce, RefusesWrongVerifier) {
  std::string other(kRfcVerifier);
  other[0] = 'e';
  ExpectError(VerifyCodeVerifier(other, kRfcChallenge), StatusCode::kUnauthenticated,
              "does not match the code_challenge");
  std::string other_challenge(kRfcChallenge);
  other_challenge[5] = 'x';
  ExpectError(VerifyCodeVerifier(kRfcVerifier, other_challenge), StatusCode::kUnauthenticated,
              "does not match");
  // A client that sends the challenge itself as verifier (what "plain" would accept).
  ExpectError(VerifyCodeVerifier(kRfcChallenge, kRfcChallenge), StatusCode::kUnauthenticated,
              "does not match");
}

TEST(Pkce, ChecksVerifierSyntax) {
  EXPECT_TRUE(CheckCodeVerifier(std::string(43, 'a')).ok());
  EXPECT_TRUE(CheckCodeVerifier(std::string(128, '~')).ok());
  EXPECT_TRUE(
      CheckCodeVerifier("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~").ok());
  ExpectError(CheckCodeVerifier(std::string(42, 'a')), StatusCode::kInvalidArgument,
              "43 to 128 characters, got 42");
  ExpectError(CheckCodeVerifier(std::string(129, 'a')), StatusCode::kInvalidArgument,
              "43 to 128 characters, got 129");
  ExpectError(CheckCodeVerifier(""), StatusCode::kInvalidArgument, "got 0");
  for (char bad : {'+', '/', '=', ' ', '%', '\n', '\0'}) {
    std::string verifier(50, 'a');
    verifier[20] = bad;
    ExpectError(CheckCodeVerifier(verifier), StatusCode::kInvalidArgument,
                "only A-Z a-z 0-9 - . _ ~");
  }
  // A non-ASCII character is refused too (its UTF-8 bytes are outside the set).
  ExpectError(CheckCodeVerifier(std::string(45, 'a') + "\xc3\xa9"), StatusCode::kInvalidArgument,
              "only A-Z");
  ExpectError(CodeChallengeS256("short").status(), StatusCode::kInvalidArgument, "43 to 128");
  ExpectError(VerifyCodeVerifier("short", kRfcChallenge), StatusCode::kInvalidArgument,
              "43 to 128");
}

TEST(Pkce, RefusesPlainAndMalformedChallenges) {
  ExpectError(CheckCodeChallenge(kRfcVerifier, "plain"), StatusCode::kInvalidArgument,
              "PKCE method \"plain\" is not allowed; use S256");
  ExpectError(CheckCodeChallenge(kRfcChallenge, ""), StatusCode::kInvalidArgument,
              "code_challenge_method is required");
  ExpectError(CheckCodeChallenge(kRfcChallenge, "s256"), StatusCode::kInvalidArgument,
              "not allowed");
  for (std::string_view bad : {
           std::string_view(""),
           kRfcChallenge.substr(1),                                           // 42 characters
           std::string_view("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM="),  // padded
           std::string_view("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM"),   // '+'
           std::string_view("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cN"),   // trailing bits
       }) {
    ExpectError(CheckCodeChallenge(bad, "S256"), StatusCode::kInvalidArgument,
                "43 base64url characters");
  }
}

TEST(Pkce, GeneratesFreshValidVerifiers) {
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    std::string verifier = GenerateCodeVerifier();
    EXPECT_EQ(verifier.size(), 43u);
    EXPECT_TRUE(CheckCodeVerifier(verifier).ok()) << verifier;
    auto challenge = CodeChallengeS256(verifier);
    ASSERT_TRUE(challenge.ok());
    EXPECT_TRUE(CheckCodeChallenge(*challenge, "S256").ok());
    EXPECT_TRUE(VerifyCodeVerifier(verifier, *challenge).ok());
    seen.insert(verifier);
  }
  EXPECT_EQ(seen.size(), 50u);
}

}  // namespace
}  // namespace renkei::identity
