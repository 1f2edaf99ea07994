#include "crypto/openssl.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "crypto/rfc7515_test_key.h"
#include "crypto/sodium.h"

namespace renkei::crypto {
namespace {

std::string Unhex(std::string_view hex) {
  auto bytes = HexDecode(hex);
  EXPECT_TRUE(bytes.ok()) << bytes.status().ToString();
  return bytes.ok() ? *bytes : std::string();
}

std::string Unb64url(std::string_view text) {
  auto bytes = Base64UrlDecode(text);
  EXPECT_TRUE(bytes.ok()) << bytes.status().ToString();
  return bytes.ok() ? *bytes : std::string();
}

std::string Hmac1(std::string_view key, std::string_view message) {
  auto mac = HmacSha1(key, message);
  EXPECT_TRUE(mac.ok()) << mac.status().ToString();
  return mac.ok() ? HexEncode(*mac) : std::string();
}

std::string Hmac256(std::string_view key, std::string_view message) {
  auto mac = HmacSha256(key, message);
  EXPECT_TRUE(mac.ok()) << mac.status().ToString();
  return mac.ok() ? HexEncode(*mac) : std::string();
}

Jwk RsaJwk(std::string_view n, std::string_view e) {
  Jwk jwk;
  jwk.kty = "RSA";
  jwk.n = n;
  jwk.e = e;
  return jwk;
}

Jwk EcJwk(std::string_view crv, std::string_view x, std::string_view y) {
  Jwk jwk;
  jwk.kty = "EC";
  jwk.crv = crv;
  jwk.x = x;
  jwk.y = y;
  return jwk;
}

void ExpectError(const Status& status, StatusCode code, std::string_view fragment) {
  EXPECT_EQ(status.code(), code) << status.ToString();
  EXPECT_NE(status.message().find(fragment), std::string::npos)
      << "'" << status.message() << "' lacks '" << fragment << "'";
}

// --- HMAC ----------------------------------------------------------------------------------

TEST(HmacSha1, MatchesRfc2202TestCases) {
  const std::string key_aa80(80, '\xaa');
  EXPECT_EQ(Hmac1(std::string(20, '\x0b'), "Hi There"),
            "b617318655057264e28bc0b6fb378c8ef146be00");  // test case 1
  EXPECT_EQ(Hmac1("Jefe", "what do ya want for nothing?"),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");  // 2
  EXPECT_EQ(Hmac1(std::string(20, '\xaa'), std::string(50, '\xdd')),
            "125d7342b9ac11cd91a39af48aa17b4f63f175d3");  // 3
  EXPECT_EQ(
      Hmac1(Unhex("0102030405060708090a0b0c0d0e0f10111213141516171819"), std::string(50, '\xcd')),
      "4c9007f4026250c6bc8414f9bf50c86c2d7235da");  // 4
  EXPECT_EQ(Hmac1(std::string(20, '\x0c'), "Test With Truncation"),
            "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04");  // 5
  EXPECT_EQ(Hmac1(key_aa80, "Test Using Larger Than Block-Size Key - Hash Key First"),
            "aa4ae5e15272d00e95705637ce8a3b55ed402112");  // 6
  EXPECT_EQ(
      Hmac1(key_aa80, "Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data"),
      "e8e99d0f45237d786d6bbaa7965c7808bbff1a91");  // 7
}

TEST(HmacSha256, MatchesRfc4231TestCases) {
  const std::string key_aa131(131, '\xaa');
  EXPECT_EQ(Hmac256(std::string(20, '\x0b'), "Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");  // 4.2
  EXPECT_EQ(Hmac256("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");  // 4.3
  EXPECT_EQ(Hmac256(std::string(20, '\xaa'), std::string(50, '\xdd')),
            "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");  // 4.4
  EXPECT_EQ(
      Hmac256(Unhex("0102030405060708090a0b0c0d0e0f10111213141516171819"), std::string(50, '\xcd')),
      "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");  // 4.5
  // 4.6 gives only the first 128 bits.
  EXPECT_EQ(Hmac256(std::string(20, '\x0c'), "Test With Truncation").substr(0, 32),
            "a3b6167473100ee06e0c796c2955552b");
  EXPECT_EQ(Hmac256(key_aa131, "Test Using Larger Than Block-Size Key - Hash Key First"),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");  // 4.7
  EXPECT_EQ(Hmac256(key_aa131,
                    "This is a test using a larger than block-size key and a larger than "
                    "block-size data. The key needs to be hashed before being used by the HMAC "
                    "algorithm."),
            "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");  // 4.8
}

TEST(Hmac, AcceptsEmptyKeyAndMessage) {
  // The empty-key, empty-message values published with the HMAC article on Wikipedia.
  EXPECT_EQ(Hmac1("", ""), "fbdb1d1b18aa6c08324b7d64b71fb76370690e1d");
  EXPECT_EQ(Hmac256("", ""), "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

// --- JWS algorithms and JWK thumbprints ------------------------------------------------------

TEST(JwsAlgorithm, ParsesOnlyRs256AndEs256) {
  ASSERT_TRUE(ParseJwsAlgorithm("RS256").ok());
  EXPECT_EQ(*ParseJwsAlgorithm("RS256"), JwsAlgorithm::kRs256);
  EXPECT_EQ(*ParseJwsAlgorithm("ES256"), JwsAlgorithm::kEs256);
  EXPECT_EQ(JwsAlgorithmName(JwsAlgorithm::kRs256), "RS256");
  EXPECT_EQ(JwsAlgorithmName(JwsAlgorithm::kEs256), "ES256");
  for (std::string_view bad : {"none", "HS256", "rs256", "RS384", "PS256", "", "RS256 "}) {
    auto alg = ParseJwsAlgorithm(bad);
    ASSERT_FALSE(alg.ok()) << bad;
    ExpectError(alg.status(), StatusCode::kInvalidArgument, "unsupported JWS algorithm");
  }
}

// RFC 7638 §3.1.
constexpr std::string_view kRfc7638N =
    "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPe"
    "bWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY"
    "368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0"
    "fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
constexpr std::string_view kRfc7638Thumbprint = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";

TEST(JwkThumbprint, MatchesRfc7638Example) {
  Jwk jwk = RsaJwk(kRfc7638N, "AQAB");
  auto thumbprint = JwkThumbprint(jwk);
  ASSERT_TRUE(thumbprint.ok()) << thumbprint.status().ToString();
  EXPECT_EQ(*thumbprint, kRfc7638Thumbprint);
  // The RFC's key also carries alg and kid; optional members do not change the thumbprint.
  jwk.alg = "RS256";
  jwk.kid = "2011-04-29";
  jwk.use = "sig";
  EXPECT_EQ(*JwkThumbprint(jwk), kRfc7638Thumbprint);
}

TEST(JwkThumbprint, RejectsIncompleteOrUnsupportedKeys) {
  ExpectError(JwkThumbprint(RsaJwk("", "AQAB")).status(), StatusCode::kInvalidArgument,
              "\"n\" is missing or not base64url");
  ExpectError(JwkThumbprint(RsaJwk("ab\"cd", "AQAB")).status(), StatusCode::kInvalidArgument,
              "\"n\" is missing or not base64url");
  Jwk oct;
  oct.kty = "oct";
  ExpectError(JwkThumbprint(oct).status(), StatusCode::kInvalidArgument,
              "unsupported JWK key type \"oct\"");
  ExpectError(JwkThumbprint(EcJwk("P-384", "AA", "AA")).status(), StatusCode::kInvalidArgument,
              "curve must be P-256");
  ExpectError(JwkThumbprint(EcJwk("P-256", "AA", "")).status(), StatusCode::kInvalidArgument,
              "\"y\" is missing");
}

// --- RSA: RFC 7515 Appendix A.2 ------------------------------------------------------------

using crypto_test::Rfc7515RsaKey;
using crypto_test::Rfc7515RsaPublicJwk;

// RFC 7515 A.2.1: the JWS Signing Input and the resulting signature.
constexpr std::string_view kRfc7515SigningInputRs256 =
    "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNv"
    "bS9pc19yb290Ijp0cnVlfQ";
constexpr std::string_view kRfc7515SignatureRs256 =
    "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5j"
    "ujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1"
    "L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOY"
    "EUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";

TEST(RsaSigningKey, SignsRfc7515A2ExactlyAsPublished) {
  auto key = RsaSigningKey::FromJwk(Rfc7515RsaKey());
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(key->bits(), 2048);
  auto signature = key->SignRs256(kRfc7515SigningInputRs256);
  ASSERT_TRUE(signature.ok()) << signature.status().ToString();
  EXPECT_EQ(Base64UrlEncode(*signature), kRfc7515SignatureRs256);

  // The public JWK carries the key's own n and e, and its RFC 7638 thumbprint as kid.
  const Jwk& pub = key->public_jwk();
  EXPECT_EQ(pub.kty, "RSA");
  EXPECT_EQ(pub.n, Rfc7515RsaKey().n);
  EXPECT_EQ(pub.e, "AQAB");
  EXPECT_EQ(pub.alg, "RS256");
  EXPECT_EQ(pub.use, "sig");
  EXPECT_EQ(pub.kid, *JwkThumbprint(Rfc7515RsaPublicJwk()));
  EXPECT_EQ(key->kid().size(), 43u);  // base64url of 32 bytes
}

TEST(JwsVerificationKey, VerifiesRfc7515A2AndRefusesTampering) {
  auto key = JwsVerificationKey::FromJwk(Rfc7515RsaPublicJwk());
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(key->algorithm(), JwsAlgorithm::kRs256);
  const std::string signature = Unb64url(kRfc7515SignatureRs256);
  EXPECT_TRUE(key->Verify(JwsAlgorithm::kRs256, kRfc7515SigningInputRs256, signature).ok());

  std::string message(kRfc7515SigningInputRs256);
  message.back() = 'R';
  ExpectError(key->Verify(JwsAlgorithm::kRs256, message, signature), StatusCode::kUnauthenticated,
              "signature does not verify");
  for (size_t i : {size_t{0}, size_t{100}, signature.size() - 1}) {
    std::string bad = signature;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    ExpectError(key->Verify(JwsAlgorithm::kRs256, kRfc7515SigningInputRs256, bad),
                StatusCode::kUnauthenticated, "signature does not verify");
  }
  ExpectError(key->Verify(JwsAlgorithm::kRs256, kRfc7515SigningInputRs256, ""),
              StatusCode::kUnauthenticated, "signature does not verify");
  ExpectError(key->Verify(JwsAlgorithm::kRs256, kRfc7515SigningInputRs256, signature + "x"),
              StatusCode::kUnauthenticated, "signature does not verify");
  ExpectError(key->Verify(JwsAlgorithm::kEs256, kRfc7515SigningInputRs256, signature),
              StatusCode::kInvalidArgument, "is RSA but the token says ES256");
}

TEST(RsaSigningKey, RefusesInconsistentPrivateJwk) {
  RsaPrivateJwk swapped = Rfc7515RsaKey();
  std::swap(swapped.dp, swapped.dq);
  ExpectError(RsaSigningKey::FromJwk(swapped).status(), StatusCode::kInvalidArgument,
              "private key fails validation");
  RsaPrivateJwk missing = Rfc7515RsaKey();
  missing.qi.clear();
  ExpectError(RsaSigningKey::FromJwk(missing).status(), StatusCode::kInvalidArgument,
              "lacks the required member \"qi\"");
  RsaPrivateJwk garbled = Rfc7515RsaKey();
  garbled.d = "not base64url!";
  ExpectError(RsaSigningKey::FromJwk(garbled).status(), StatusCode::kInvalidArgument,
              "\"d\" is not base64url");
}

TEST(RsaSigningKey, GeneratesKeysThatVerify) {
  auto key = RsaSigningKey::Generate();
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(key->bits(), 2048);
  EXPECT_EQ(key->public_jwk().e, "AQAB");
  EXPECT_EQ(key->kid(), *JwkThumbprint(key->public_jwk()));

  auto signature = key->SignRs256("hello, hub");
  ASSERT_TRUE(signature.ok());
  EXPECT_EQ(signature->size(), 256u);
  auto verifier = JwsVerificationKey::FromJwk(key->public_jwk());
  ASSERT_TRUE(verifier.ok()) << verifier.status().ToString();
  EXPECT_TRUE(verifier->Verify(JwsAlgorithm::kRs256, "hello, hub", *signature).ok());
  EXPECT_FALSE(verifier->Verify(JwsAlgorithm::kRs256, "hello, hug", *signature).ok());

  // A different key neither shares the kid nor verifies the signature.
  auto rfc = JwsVerificationKey::FromJwk(Rfc7515RsaPublicJwk());
  ASSERT_TRUE(rfc.ok());
  EXPECT_NE(rfc->jwk().n, key->public_jwk().n);
  EXPECT_FALSE(rfc->Verify(JwsAlgorithm::kRs256, "hello, hub", *signature).ok());
}

TEST(RsaSigningKey, RefusesWeakOrAbsurdSizes) {
  for (int bits : {512, 1024, 2047, 8193, 0, -1}) {
    ExpectError(RsaSigningKey::Generate(bits).status(), StatusCode::kInvalidArgument,
                "need 2048 to 8192");
  }
}

class RsaPemFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("renkei_openssl_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static unsigned Mode(const std::string& path) {
    struct stat st {};
    EXPECT_EQ(::stat(path.c_str(), &st), 0);
    return st.st_mode & 07777;
  }

  std::filesystem::path dir_;
};

TEST_F(RsaPemFileTest, PemRoundTripKeepsTheKey) {
  auto key = RsaSigningKey::FromJwk(Rfc7515RsaKey());
  ASSERT_TRUE(key.ok());
  auto pem = key->ToPem();
  ASSERT_TRUE(pem.ok()) << pem.status().ToString();
  EXPECT_TRUE(pem->starts_with("-----BEGIN PRIVATE KEY-----\n")) << pem->substr(0, 40);
  auto again = RsaSigningKey::FromPem(*pem);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->public_jwk(), key->public_jwk());
  // RS256 is deterministic, so the reloaded key must reproduce the RFC's signature.
  EXPECT_EQ(Base64UrlEncode(*again->SignRs256(kRfc7515SigningInputRs256)), kRfc7515SignatureRs256);
}

TEST_F(RsaPemFileTest, SavesWithMode0600AndLoads) {
  auto key = RsaSigningKey::FromJwk(Rfc7515RsaKey());
  ASSERT_TRUE(key.ok());
  const std::string path = (dir_ / "hub_signing_key.pem").string();
  ASSERT_TRUE(key->SavePemFile(path).ok());
  EXPECT_EQ(Mode(path), 0600u);
  auto loaded = RsaSigningKey::LoadPemFile(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->kid(), key->kid());

  // Saving again replaces the file (key rotation) and leaves no temporary files behind.
  auto other = RsaSigningKey::Generate();
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(other->SavePemFile(path).ok());
  EXPECT_EQ(Mode(path), 0600u);
  EXPECT_EQ(RsaSigningKey::LoadPemFile(path)->kid(), other->kid());
  size_t files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir_)) ++files;
  EXPECT_EQ(files, 1u);
}

TEST_F(RsaPemFileTest, LoadRefusesMissingOrExposedFiles) {
  const std::string missing = (dir_ / "absent.pem").string();
  ExpectError(RsaSigningKey::LoadPemFile(missing).status(), StatusCode::kNotFound,
              "does not exist");

  auto key = RsaSigningKey::FromJwk(Rfc7515RsaKey());
  ASSERT_TRUE(key.ok());
  const std::string path = (dir_ / "key.pem").string();
  ASSERT_TRUE(key->SavePemFile(path).ok());
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  ExpectError(RsaSigningKey::LoadPemFile(path).status(), StatusCode::kFailedPrecondition,
              "has mode 0644");
  ASSERT_EQ(::chmod(path.c_str(), 0400), 0);
  EXPECT_TRUE(RsaSigningKey::LoadPemFile(path).ok());

  ExpectError(RsaSigningKey::LoadPemFile(dir_.string()).status(), StatusCode::kInvalidArgument,
              "not a regular file");
  ExpectError(key->SavePemFile((dir_ / "no_such_dir" / "key.pem").string()), StatusCode::kInternal,
              "cannot create");
}

TEST_F(RsaPemFileTest, LoadRefusesGarbage) {
  const std::string path = (dir_ / "garbage.pem").string();
  {
    std::FILE* f = std::fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("hello\n", f);
    std::fclose(f);
  }
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  auto loaded = RsaSigningKey::LoadPemFile(path);
  ExpectError(loaded.status(), StatusCode::kInvalidArgument, "not a PEM private key");
  EXPECT_NE(loaded.status().message().find(path), std::string::npos);
}

TEST(RsaSigningKey, FromPemRefusesBadInput) {
  ExpectError(RsaSigningKey::FromPem("").status(), StatusCode::kInvalidArgument,
              "not a PEM private key");
  ExpectError(
      RsaSigningKey::FromPem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
          .status(),
      StatusCode::kInvalidArgument, "not a PEM private key");
  ExpectError(RsaSigningKey::FromPem("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n").status(),
              StatusCode::kInvalidArgument, "encrypted PEM private keys are not supported");
  ExpectError(RsaSigningKey::FromPem(std::string(70 * 1024, 'A')).status(),
              StatusCode::kInvalidArgument, "larger than 64 KiB");

  // An EC private key (SEC 1 ECPrivateKey, built by hand from the RFC 7515 A.3 key) parses as
  // PEM but is not RSA.
  const std::string der = Unhex("307702010104") + std::string("\x20", 1) +
                          Unb64url("jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI") +
                          Unhex("a00a06082a8648ce3d030107a144034200") + std::string("\x04", 1) +
                          Unb64url("f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU") +
                          Unb64url("x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0");
  const std::string pem =
      "-----BEGIN EC PRIVATE KEY-----\n" + Base64Encode(der) + "\n-----END EC PRIVATE KEY-----\n";
  ExpectError(RsaSigningKey::FromPem(pem).status(), StatusCode::kInvalidArgument,
              "not an RSA private key");
}

TEST(RsaSigningKey, SignsFromManyThreads) {
  auto key = RsaSigningKey::FromJwk(Rfc7515RsaKey());
  ASSERT_TRUE(key.ok());
  std::vector<std::string> out(4);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < out.size(); ++i) {
    threads.emplace_back([&, i] {
      for (int k = 0; k < 5; ++k)
        out[i] = Base64UrlEncode(*key->SignRs256(kRfc7515SigningInputRs256));
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& s : out) EXPECT_EQ(s, kRfc7515SignatureRs256);
}

TEST(JwsVerificationKey, RefusesBadRsaJwks) {
  const Jwk good = Rfc7515RsaPublicJwk();
  auto expect_refused = [](const Jwk& jwk, std::string_view fragment) {
    auto key = JwsVerificationKey::FromJwk(jwk);
    ASSERT_FALSE(key.ok()) << fragment;
    ExpectError(key.status(), StatusCode::kInvalidArgument, fragment);
  };
  Jwk jwk = good;
  jwk.kty = "oct";
  expect_refused(jwk, "unsupported JWK key type \"oct\"");
  jwk = good;
  jwk.use = "enc";
  expect_refused(jwk, "\"use\" is \"enc\", not \"sig\"");
  jwk = good;
  jwk.alg = "RS384";
  expect_refused(jwk, "\"alg\" RS384 is not supported");
  jwk = good;
  jwk.alg = "ES256";
  expect_refused(jwk, "\"alg\" ES256 does not fit a key of type RSA");
  jwk = good;
  jwk.n.clear();
  expect_refused(jwk, "lacks the required member \"n\"");
  jwk = good;
  jwk.e = "AQAB=";
  expect_refused(jwk, "\"e\" is not base64url");
  jwk = good;
  jwk.n = Base64UrlEncode(std::string(1, '\0') + Unb64url(good.n));
  expect_refused(jwk, "leading zero octet");
  jwk = good;
  jwk.n = Base64UrlEncode(Unb64url(good.n).substr(0, 128));  // a 1024-bit modulus
  expect_refused(jwk, "RSA key has 1024 bits; need 2048 to 8192");
  jwk = good;
  jwk.e = "Ag";  // e = 2: RSA exponents are odd
  expect_refused(jwk, "public key fails validation");
  jwk = good;
  jwk.e = "AQ";  // e = 1: the identity
  expect_refused(jwk, "public key fails validation");
  jwk = good;
  std::string even_n = Unb64url(good.n);
  even_n.back() = static_cast<char>(even_n.back() & ~1);  // an even modulus has factor 2
  jwk.n = Base64UrlEncode(even_n);
  expect_refused(jwk, "public key fails validation");

  // alg and use, when present and right, are fine.
  jwk = good;
  jwk.alg = "RS256";
  jwk.use = "sig";
  jwk.kid = "2010-12-29";
  auto key = JwsVerificationKey::FromJwk(jwk);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(key->jwk().kid, "2010-12-29");
}

// --- ECDSA P-256: RFC 7515 Appendix A.3 ----------------------------------------------------

Jwk Rfc7515EcJwk() {
  return EcJwk("P-256", "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
               "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0");
}
constexpr std::string_view kRfc7515SigningInputEs256 =
    "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNv"
    "bS9pc19yb290Ijp0cnVlfQ";
constexpr std::string_view kRfc7515SignatureEs256 =
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

TEST(JwsVerificationKey, VerifiesRfc7515A3Es256) {
  auto key = JwsVerificationKey::FromJwk(Rfc7515EcJwk());
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(key->algorithm(), JwsAlgorithm::kEs256);
  const std::string signature = Unb64url(kRfc7515SignatureEs256);
  ASSERT_EQ(signature.size(), 64u);
  EXPECT_TRUE(key->Verify(JwsAlgorithm::kEs256, kRfc7515SigningInputEs256, signature).ok());

  ExpectError(
      key->Verify(JwsAlgorithm::kEs256, std::string(kRfc7515SigningInputEs256) + "x", signature),
      StatusCode::kUnauthenticated, "signature does not verify");
  for (size_t i : {size_t{0}, size_t{31}, size_t{32}, size_t{63}}) {
    std::string bad = signature;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    ExpectError(key->Verify(JwsAlgorithm::kEs256, kRfc7515SigningInputEs256, bad),
                StatusCode::kUnauthenticated, "signature does not verify");
  }
  // s‖r instead of r‖s, and wrong lengths (a DER signature would be ~70 bytes).
  const std::string swapped = signature.substr(32) + signature.substr(0, 32);
  EXPECT_FALSE(key->Verify(JwsAlgorithm::kEs256, kRfc7515SigningInputEs256, swapped).ok());
  EXPECT_FALSE(
      key->Verify(JwsAlgorithm::kEs256, kRfc7515SigningInputEs256, signature.substr(1)).ok());
  EXPECT_FALSE(
      key->Verify(JwsAlgorithm::kEs256, kRfc7515SigningInputEs256, signature + "\x01").ok());
  EXPECT_FALSE(key->Verify(JwsAlgorithm::kEs256, kRfc7515SigningInputEs256, "").ok());
  ExpectError(key->Verify(JwsAlgorithm::kRs256, kRfc7515SigningInputEs256, signature),
              StatusCode::kInvalidArgument, "is EC but the token says RS256");
}

TEST(JwsVerificationKey, RefusesBadEcJwks) {
  const Jwk good = Rfc7515EcJwk();
  auto expect_refused = [](const Jwk& jwk, std::string_view fragment) {
    auto key = JwsVerificationKey::FromJwk(jwk);
    ASSERT_FALSE(key.ok()) << fragment;
    ExpectError(key.status(), StatusCode::kInvalidArgument, fragment);
  };
  Jwk jwk = good;
  jwk.crv = "P-384";
  expect_refused(jwk, "curve must be P-256");
  jwk = good;
  jwk.crv = "secp256k1";
  expect_refused(jwk, "curve must be P-256");
  jwk = good;
  jwk.x = Base64UrlEncode(Unb64url(good.x).substr(1));
  expect_refused(jwk, "coordinates must be 32 octets each, got 31 and 32");
  jwk = good;
  jwk.y.clear();
  expect_refused(jwk, "lacks the required member \"y\"");
  jwk = good;
  std::string y = Unb64url(good.y);
  y.back() = static_cast<char>(y.back() ^ 0x01);
  jwk.y = Base64UrlEncode(y);
  expect_refused(jwk, "not on the curve");
  jwk = good;
  jwk.alg = "RS256";
  expect_refused(jwk, "\"alg\" RS256 does not fit a key of type EC");
}

}  // namespace
}  // namespace renkei::crypto
