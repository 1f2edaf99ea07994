#include "identity/totp.h"

#include <gtest/gtest.h>

#include <cctype>
#include <set>
#include <string>

namespace renkei::identity {
namespace {

// RFC 6238 Appendix B (and RFC 4226 Appendix D): the SHA-1 seed, and the SHA-256 seed.
constexpr std::string_view kSeed20 = "12345678901234567890";
constexpr std::string_view kSeed32 = "12345678901234567890123456789012";

void ExpectError(const Status& status, StatusCode code, std::string_view fragment) {
  EXPECT_EQ(status.code(), code) << status.ToString();
  EXPECT_NE(status.message().find(fragment), std::string::npos)
      << "'" << status.message() << "' lacks '" << fragment << "'";
}

std::string Code(std::string_view secret, int64_t t, const TotpParams& params) {
  auto code = TotpCode(secret, t, params);
  EXPECT_TRUE(code.ok()) << code.status().ToString();
  return code.ok() ? *code : std::string();
}

TEST(Totp, MatchesRfc6238AppendixB) {
  struct Vector {
    int64_t time;
    int64_t step;  // the table's "Value of T (hex)"
    std::string_view sha1;
    std::string_view sha256;
  };
  const Vector kVectors[] = {
      {59, 0x1, "94287082", "46119246"},
      {1111111109, 0x23523EC, "07081804", "68084774"},
      {1111111111, 0x23523ED, "14050471", "67062674"},
      {1234567890, 0x273EF07, "89005924", "91819424"},
      {2000000000, 0x3F940AA, "69279037", "90698825"},
      {20000000000, 0x27BC86AA, "65353130", "77737706"},
  };
  TotpParams sha1{.algorithm = TotpAlgorithm::kSha1, .digits = 8};
  TotpParams sha256{.algorithm = TotpAlgorithm::kSha256, .digits = 8};
  for (const Vector& v : kVectors) {
    EXPECT_EQ(*TotpTimeStep(v.time, sha1), v.step) << v.time;
    EXPECT_EQ(Code(kSeed20, v.time, sha1), v.sha1) << v.time;
    EXPECT_EQ(Code(kSeed32, v.time, sha256), v.sha256) << v.time;
    // Verification accepts the RFC's code and reports its step.
    auto step = VerifyTotp(kSeed20, v.sha1, v.time, std::nullopt, sha1);
    ASSERT_TRUE(step.ok()) << step.status().ToString();
    EXPECT_EQ(*step, v.step);
  }
}

TEST(Totp, SixDigitsAreTheLowDigits) {
  // With 6 digits the value is the same truncation mod 10^6: RFC 4226 Appendix D's HOTP values
  // for the same seed, at counters 0..9 (time 30·c).
  const std::string_view kHotp[] = {"755224", "287082", "359152", "969429", "338314",
                                    "254676", "287922", "162583", "399871", "520489"};
  for (int64_t c = 0; c < 10; ++c) {
    EXPECT_EQ(Code(kSeed20, 30 * c, {}), kHotp[c]) << c;
    EXPECT_EQ(Code(kSeed20, 30 * c + 29, {}), kHotp[c]) << c;
  }
  EXPECT_EQ(Code(kSeed20, 1111111109, {}), "081804");  // low digits of 07081804
  // t0 shifts the steps.
  EXPECT_EQ(Code(kSeed20, 1000 + 59, TotpParams{.t0 = 1000}), "287082");
}

TEST(Totp, VerifyAcceptsOneStepEitherSide) {
  // Time 160 is in step 5; HOTP values for steps 3..7 from RFC 4226 Appendix D.
  const int64_t now = 160;
  EXPECT_EQ(*VerifyTotp(kSeed20, "338314", now, std::nullopt), 4);
  EXPECT_EQ(*VerifyTotp(kSeed20, "254676", now, std::nullopt), 5);
  EXPECT_EQ(*VerifyTotp(kSeed20, "287922", now, std::nullopt), 6);
  EXPECT_EQ(*VerifyTotp(kSeed20, "254 676", now, std::nullopt), 5);  // spaces ignored
  ExpectError(VerifyTotp(kSeed20, "969429", now, std::nullopt).status(),
              StatusCode::kUnauthenticated, "TOTP code is wrong or expired");
  ExpectError(VerifyTotp(kSeed20, "162583", now, std::nullopt).status(),
              StatusCode::kUnauthenticated, "TOTP code is wrong or expired");
  ExpectError(VerifyTotp(kSeed20, "000000", now, std::nullopt).status(),
              StatusCode::kUnauthenticated, "TOTP code is wrong or expired");
  // Step 0 has no step before it.
  EXPECT_EQ(*VerifyTotp(kSeed20, "755224", 0, std::nullopt), 0);
  EXPECT_EQ(*VerifyTotp(kSeed20, "287082", 0, std::nullopt), 1);
}

TEST(Totp, RefusesReplayOfTheSameOrAnEarlierStep) {
  const int64_t now = 160;  // step 5
  // The code for step 5 was accepted a moment ago: it cannot be used again, nor step 4's.
  ExpectError(VerifyTotp(kSeed20, "254676", now, 5).status(), StatusCode::kUnauthenticated,
              "TOTP code already used");
  ExpectError(VerifyTotp(kSeed20, "338314", now, 5).status(), StatusCode::kUnauthenticated,
              "TOTP code already used");
  // The next step's code is still fresh.
  EXPECT_EQ(*VerifyTotp(kSeed20, "287922", now, 5), 6);
  // After step 6 was used, even it is refused.
  ExpectError(VerifyTotp(kSeed20, "287922", now, 6).status(), StatusCode::kUnauthenticated,
              "already used");
  // Older marks do not block.
  EXPECT_EQ(*VerifyTotp(kSeed20, "338314", now, 3), 4);
}

TEST(Totp, RefusesMalformedCodesAndParameters) {
  for (std::string_view bad : {"", "28708", "2870822", "28708a", "-87082", "２８７０８２"}) {
    ExpectError(VerifyTotp(kSeed20, bad, 59, std::nullopt).status(), StatusCode::kInvalidArgument,
                "TOTP code must be 6 digits");
  }
  ExpectError(VerifyTotp(kSeed20, std::string(100, ' ') + "287082", 59, std::nullopt).status(),
              StatusCode::kInvalidArgument, "must be 6 digits");
  ExpectError(VerifyTotp(kSeed20, "287082", 59, std::nullopt, TotpParams{.digits = 8}).status(),
              StatusCode::kInvalidArgument, "must be 8 digits");

  ExpectError(TotpCode("short", 59).status(), StatusCode::kInvalidArgument,
              "TOTP secret must be 16 to 64 bytes, got 5");
  ExpectError(TotpCode(std::string(65, 'k'), 59).status(), StatusCode::kInvalidArgument, "got 65");
  ExpectError(VerifyTotp("short", "287082", 59, std::nullopt).status(),
              StatusCode::kInvalidArgument, "TOTP secret must be");
  for (int digits : {0, 5, 9, 10}) {
    ExpectError(TotpCode(kSeed20, 59, TotpParams{.digits = digits}).status(),
                StatusCode::kInvalidArgument, "TOTP digits must be 6 to 8");
  }
  for (int64_t period : {int64_t{0}, int64_t{-30}, int64_t{3601}}) {
    ExpectError(TotpCode(kSeed20, 59, TotpParams{.period_seconds = period}).status(),
                StatusCode::kInvalidArgument, "TOTP period must be 1 to 3600");
  }
  ExpectError(TotpCode(kSeed20, -1).status(), StatusCode::kInvalidArgument,
              "before the TOTP epoch");
  ExpectError(TotpCode(kSeed20, 999, TotpParams{.t0 = 1000}).status(), StatusCode::kInvalidArgument,
              "before the TOTP epoch");
}

TEST(Base32, MatchesRfc4648Section10) {
  const std::pair<std::string_view, std::string_view> kVectors[] = {
      {"", ""},
      {"f", "MY======"},
      {"fo", "MZXQ===="},
      {"foo", "MZXW6==="},
      {"foob", "MZXW6YQ="},
      {"fooba", "MZXW6YTB"},
      {"foobar", "MZXW6YTBOI======"},
  };
  for (const auto& [bytes, text] : kVectors) {
    EXPECT_EQ(Base32Encode(bytes), text);
    std::string unpadded(text.substr(0, text.find('=')));
    EXPECT_EQ(Base32Encode(bytes, /*pad=*/false), unpadded);
    EXPECT_EQ(*Base32Decode(text), bytes) << text;
    EXPECT_EQ(*Base32Decode(unpadded), bytes) << unpadded;
    std::string lower = unpadded;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_EQ(*Base32Decode(lower), bytes) << lower;
  }
  // The RFC 6238 seed as authenticator apps are given it.
  EXPECT_EQ(Base32Encode(kSeed20), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
}

TEST(Base32, RoundTripsBinaryAndRefusesBadInput) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (size_t n = 0; n <= 40; ++n) {
    std::string bytes = all.substr(200 - n, n);
    EXPECT_EQ(*Base32Decode(Base32Encode(bytes)), bytes) << n;
    EXPECT_EQ(*Base32Decode(Base32Encode(bytes, false)), bytes) << n;
  }
  for (std::string_view bad : {"M", "MZX", "MZXW6Y", "MY=====", "MY=======", "MY======x",
                               "MZ======", "M1======", "MY ======", "MZXW6YT=", "0", "MY==M==="}) {
    auto decoded = Base32Decode(bad);
    ASSERT_FALSE(decoded.ok()) << bad;
    ExpectError(decoded.status(), StatusCode::kInvalidArgument, "malformed base32");
  }
}

TEST(Totp, EnrolmentUriFollowsKeyUriFormat) {
  auto uri = TotpEnrolmentUri(kSeed20, "alice@example.jp");
  ASSERT_TRUE(uri.ok()) << uri.status().ToString();
  EXPECT_EQ(*uri,
            "otpauth://totp/renkei:alice%40example.jp?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
            "&issuer=renkei&algorithm=SHA1&digits=6&period=30");

  // UTF-8 and spaces are percent-encoded byte by byte (山田 太郎), never as '+'.
  TotpParams params{.algorithm = TotpAlgorithm::kSha256, .digits = 8, .period_seconds = 60};
  auto japanese = TotpEnrolmentUri(kSeed32, "山田 太郎", params, "renkei hub");
  ASSERT_TRUE(japanese.ok()) << japanese.status().ToString();
  EXPECT_EQ(*japanese,
            "otpauth://totp/renkei%20hub:%E5%B1%B1%E7%94%B0%20%E5%A4%AA%E9%83%8E"
            "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA"
            "&issuer=renkei%20hub&algorithm=SHA256&digits=8&period=60");
}

TEST(Totp, EnrolmentUriRefusesBadNames) {
  ExpectError(TotpEnrolmentUri(kSeed20, "").status(), StatusCode::kInvalidArgument,
              "account name is empty");
  ExpectError(TotpEnrolmentUri(kSeed20, "renkei:alice").status(), StatusCode::kInvalidArgument,
              "must not contain ':'");
  ExpectError(TotpEnrolmentUri(kSeed20, "alice\nbob").status(), StatusCode::kInvalidArgument,
              "control character");
  ExpectError(TotpEnrolmentUri(kSeed20, std::string(257, 'a')).status(),
              StatusCode::kInvalidArgument, "longer than 256 bytes");
  ExpectError(TotpEnrolmentUri(kSeed20, "alice", {}, "").status(), StatusCode::kInvalidArgument,
              "TOTP issuer must be non-empty");
  ExpectError(TotpEnrolmentUri(kSeed20, "alice", {}, "a:b").status(), StatusCode::kInvalidArgument,
              "TOTP issuer");
  ExpectError(TotpEnrolmentUri("short", "alice").status(), StatusCode::kInvalidArgument,
              "TOTP secret must be");
  ExpectError(TotpEnrolmentUri(kSeed20, "alice", TotpParams{.digits = 4}).status(),
              StatusCode::kInvalidArgument, "TOTP digits");
}

TEST(Totp, GeneratedSecretsAreFreshAndUsable) {
  std::set<std::string> seen;
  for (int i = 0; i < 20; ++i) {
    std::string secret = GenerateTotpSecret();
    ASSERT_EQ(secret.size(), kTotpSecretBytes);
    seen.insert(secret);
    auto code = TotpCode(secret, 1700000000);
    ASSERT_TRUE(code.ok());
    EXPECT_EQ(*VerifyTotp(secret, *code, 1700000000, std::nullopt), 1700000000 / 30);
  }
  EXPECT_EQ(seen.size(), 20u);
}

}  // namespace
}  // namespace renkei::identity
