#include "crypto/sodium.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

namespace renkei::crypto {
namespace {

// Hex → bytes for test vectors; fails the test on bad input.
std::string Unhex(std::string_view hex) {
  auto bytes = HexDecode(hex);
  EXPECT_TRUE(bytes.ok()) << bytes.status().ToString();
  return bytes.ok() ? *bytes : std::string();
}

// RFC 8032 §7.1, TEST 1 (empty message).
constexpr std::string_view kRfc8032Seed =
    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
constexpr std::string_view kRfc8032PublicKey =
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
constexpr std::string_view kRfc8032Signature =
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9"
    "b46bd25bf5f0595bbe24655141438e7a100b";

TEST(Ed25519, MatchesRfc8032TestVector1) {
  // libsodium's 64-byte secret key is seed ‖ public key.
  std::string secret_key = Unhex(kRfc8032Seed) + Unhex(kRfc8032PublicKey);
  std::string public_key = Unhex(kRfc8032PublicKey);
  ASSERT_EQ(secret_key.size(), kEd25519SecretKeyBytes);

  auto signature = SignEd25519(secret_key, "");
  ASSERT_TRUE(signature.ok()) << signature.status().ToString();
  EXPECT_EQ(HexEncode(*signature), kRfc8032Signature);
  EXPECT_TRUE(VerifyEd25519(public_key, "", Unhex(kRfc8032Signature)));
}

TEST(Ed25519, RefusesTamperedMessageSignatureOrKey) {
  std::string public_key = Unhex(kRfc8032PublicKey);
  std::string signature = Unhex(kRfc8032Signature);
  EXPECT_FALSE(VerifyEd25519(public_key, "x", signature));

  for (size_t i : {size_t{0}, size_t{31}, size_t{32}, size_t{63}}) {
    std::string bad = signature;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    EXPECT_FALSE(VerifyEd25519(public_key, "", bad)) << "flipped signature byte " << i;
  }
  std::string other_key = public_key;
  other_key[0] = static_cast<char>(other_key[0] ^ 0x01);
  EXPECT_FALSE(VerifyEd25519(other_key, "", signature));
}

TEST(Ed25519, GeneratedKeysSignAndVerify) {
  Ed25519KeyPair pair = GenerateEd25519KeyPair();
  ASSERT_EQ(pair.public_key.size(), kEd25519PublicKeyBytes);
  ASSERT_EQ(pair.secret_key.size(), kEd25519SecretKeyBytes);
  // The secret key embeds its public key (seed ‖ public key).
  EXPECT_EQ(pair.secret_key.substr(32), pair.public_key);

  auto signature = SignEd25519(pair.secret_key, "hello, site");
  ASSERT_TRUE(signature.ok());
  ASSERT_EQ(signature->size(), kEd25519SignatureBytes);
  EXPECT_TRUE(VerifyEd25519(pair.public_key, "hello, site", *signature));
  EXPECT_FALSE(VerifyEd25519(pair.public_key, "hello, sitf", *signature));

  Ed25519KeyPair other = GenerateEd25519KeyPair();
  EXPECT_NE(other.public_key, pair.public_key);
  EXPECT_FALSE(VerifyEd25519(other.public_key, "hello, site", *signature));
}

TEST(Ed25519, WrongSizesFailCleanly) {
  for (size_t n : {size_t{0}, size_t{32}, size_t{63}, size_t{65}}) {
    auto signature = SignEd25519(std::string(n, 'k'), "m");
    ASSERT_FALSE(signature.ok()) << n;
    EXPECT_EQ(signature.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(signature.status().message().find("64 bytes"), std::string::npos);
  }
  std::string public_key = Unhex(kRfc8032PublicKey);
  std::string signature = Unhex(kRfc8032Signature);
  EXPECT_FALSE(VerifyEd25519(public_key.substr(1), "", signature));
  EXPECT_FALSE(VerifyEd25519(public_key + "x", "", signature));
  EXPECT_FALSE(VerifyEd25519(public_key, "", signature.substr(1)));
  EXPECT_FALSE(VerifyEd25519(public_key, "", signature + "x"));
  EXPECT_FALSE(VerifyEd25519("", "", ""));
}

TEST(Sha256, MatchesFips180Vectors) {
  // FIPS 180-2 Appendix B.1 and B.2, and the empty string.
  EXPECT_EQ(HexEncode(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(HexEncode(Sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(HexEncode(Sha256("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Base64, MatchesRfc4648Vectors) {
  // RFC 4648 §10.
  const std::pair<std::string_view, std::string_view> kVectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [bytes, text] : kVectors) {
    EXPECT_EQ(Base64Encode(bytes), text);
    auto decoded = Base64Decode(text);
    ASSERT_TRUE(decoded.ok()) << text << ": " << decoded.status().ToString();
    EXPECT_EQ(*decoded, bytes);
  }
}

TEST(Base64, RoundTripsBinary) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  EXPECT_EQ(Base64Encode(std::string_view("\xfb\xff", 2)), "+/8=");
  for (size_t n = 0; n <= all.size(); n += 37) {
    std::string bytes = all.substr(0, n);
    auto decoded = Base64Decode(Base64Encode(bytes));
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(*decoded, bytes);
  }
}

TEST(Base64, RejectsBadInput) {
  for (std::string_view text : {
           "Zg",      // missing padding
           "Zg=",     // short padding
           "Zg===",   // extra padding
           "Zm9v=",   // padding where none belongs
           "Zh==",    // non-zero trailing bits (non-canonical)
           "Zm9v!",   // not in the alphabet
           "Zm 9v",   // whitespace
           "Zm9v\n",  // trailing newline
           "-_8=",    // URL-safe alphabet
           "=",       // padding only
           "Z",       // one character
       }) {
    auto decoded = Base64Decode(text);
    ASSERT_FALSE(decoded.ok()) << "'" << text << "'";
    EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(decoded.status().message().find("malformed base64"), std::string::npos);
  }
  EXPECT_FALSE(Base64Decode(std::string_view("Zm9v\0Zm9v", 9)).ok());  // embedded NUL
}

TEST(Hex, EncodesLowerCaseAndDecodes) {
  // RFC 4648 §10 (base16), in lower case.
  EXPECT_EQ(HexEncode("foobar"), "666f6f626172");
  EXPECT_EQ(HexEncode(""), "");
  EXPECT_EQ(HexEncode(std::string_view("\x00\xff\xab", 3)), "00ffab");
  auto decoded = HexDecode("666f6f626172");
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, "foobar");
  auto upper = HexDecode("00FFAB");
  ASSERT_TRUE(upper.ok());
  EXPECT_EQ(*upper, std::string_view("\x00\xff\xab", 3));
  auto empty = HexDecode("");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(Hex, RejectsBadInput) {
  for (std::string_view text : {"abc", "zz", "0x12", " 12", "12 ", "1g", "a"}) {
    auto decoded = HexDecode(text);
    ASSERT_FALSE(decoded.ok()) << "'" << text << "'";
    EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(decoded.status().message().find("malformed hex"), std::string::npos);
  }
}

TEST(Base64Url, MatchesRfc4648VectorsWithoutPadding) {
  // RFC 4648 §10 (these have no '+' or '/', so base64url differs only by dropping padding).
  const std::pair<std::string_view, std::string_view> kVectors[] = {
      {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},          {"foo", "Zm9v"},
      {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [bytes, text] : kVectors) {
    EXPECT_EQ(Base64UrlEncode(bytes), text);
    auto decoded = Base64UrlDecode(text);
    ASSERT_TRUE(decoded.ok()) << text << ": " << decoded.status().ToString();
    EXPECT_EQ(*decoded, bytes);
  }
  // RFC 7515 Appendix C: the octets [3, 236, 255, 224, 193] encode as "A-z_4ME".
  const std::string octets("\x03\xec\xff\xe0\xc1", 5);
  EXPECT_EQ(Base64UrlEncode(octets), "A-z_4ME");
  auto decoded = Base64UrlDecode("A-z_4ME");
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, octets);
  // The URL-safe alphabet for 62 and 63.
  EXPECT_EQ(Base64UrlEncode(std::string_view("\xfb\xff", 2)), "-_8");
}

TEST(Base64Url, RejectsBadInput) {
  for (std::string_view text : {
           "Zg==",    // padding
           "Zm8=",    // padding
           "Zh",      // non-zero trailing bits (non-canonical)
           "Z",       // one character: 6 bits are not an octet
           "Zm9vY",   // likewise after a full group
           "+/8",     // standard alphabet
           "Zm 9v",   // whitespace
           "Zm9v\n",  // trailing newline
           "Zm9v.",   // a JWS separator
       }) {
    auto decoded = Base64UrlDecode(text);
    ASSERT_FALSE(decoded.ok()) << "'" << text << "'";
    EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(decoded.status().message().find("malformed base64url"), std::string::npos);
  }
}

TEST(Base64Url, RoundTripsBinary) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (size_t n = 0; n <= all.size(); n += 7) {
    std::string bytes = all.substr(0, n);
    std::string text = Base64UrlEncode(bytes);
    EXPECT_EQ(text.find_first_of("+/="), std::string::npos);
    auto decoded = Base64UrlDecode(text);
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(*decoded, bytes);
  }
}

// The Argon2 reference implementation's test vectors (phc-winner-argon2 src/test.c): password
// "password", salt "somesalt", t=2, p=1. The m=65536 one has exactly our INTERACTIVE limits.
constexpr std::string_view kArgon2idReference =
    "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";
constexpr std::string_view kArgon2idReferenceM256 =
    "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4";
constexpr std::string_view kArgon2iReference =  // password "differentpassword"
    "$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$FK6NoBr+qHAMI1jc73xTWNkCEoK9iGY6RWL1n7dNIu4";

TEST(PasswordHash, VerifiesArgon2ReferenceVectors) {
  EXPECT_TRUE(VerifyPassword("password", kArgon2idReference).ok());
  Status wrong = VerifyPassword("passwore", kArgon2idReference);
  EXPECT_EQ(wrong.code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(wrong.message(), "password does not match");
  EXPECT_EQ(PasswordNeedsRehash(kArgon2idReference).value(), false);

  EXPECT_TRUE(VerifyPassword("password", kArgon2idReferenceM256).ok());
  EXPECT_EQ(PasswordNeedsRehash(kArgon2idReferenceM256).value(), true);  // weaker memory cost

  EXPECT_TRUE(VerifyPassword("differentpassword", kArgon2iReference).ok());
  EXPECT_EQ(PasswordNeedsRehash(kArgon2iReference).value(), true);  // Argon2i: upgrade to id
}

TEST(PasswordHash, HashesWithArgon2idInteractiveLimits) {
  auto hash = HashPassword("correct horse battery staple");
  ASSERT_TRUE(hash.ok()) << hash.status().ToString();
  // INTERACTIVE: 64 MiB (m is in KiB) and 2 passes; libsodium uses one lane.
  EXPECT_TRUE(hash->starts_with("$argon2id$v=19$m=65536,t=2,p=1$")) << *hash;
  EXPECT_LT(hash->size(), kPasswordHashMaxBytes);
  EXPECT_TRUE(VerifyPassword("correct horse battery staple", *hash).ok());
  EXPECT_EQ(VerifyPassword("correct horse battery stapl", *hash).code(),
            StatusCode::kUnauthenticated);
  EXPECT_EQ(VerifyPassword("", *hash).code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(PasswordNeedsRehash(*hash).value(), false);

  // A fresh salt each time: the same password never hashes to the same string.
  auto again = HashPassword("correct horse battery staple");
  ASSERT_TRUE(again.ok());
  EXPECT_NE(*again, *hash);

  // Bytes after a NUL count (the length is passed, not a C string).
  auto with_nul = HashPassword(std::string_view("abc\0def", 7));
  ASSERT_TRUE(with_nul.ok());
  EXPECT_TRUE(VerifyPassword(std::string_view("abc\0def", 7), *with_nul).ok());
  EXPECT_FALSE(VerifyPassword("abc", *with_nul).ok());
}

TEST(PasswordHash, RefusesThingsThatAreNotArgon2Hashes) {
  for (std::string_view bad : {
           std::string_view(""),
           std::string_view("password"),
           std::string_view("$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW"),
           std::string_view("$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ"),  // no hash part
           std::string_view("$argon2id$v=19$m=abc,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c"),
           std::string_view("$argon2d$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c"),
       }) {
    Status verify = VerifyPassword("password", bad);
    EXPECT_EQ(verify.code(), StatusCode::kInvalidArgument) << bad << ": " << verify.ToString();
    EXPECT_NE(verify.message().find("Argon2"), std::string::npos) << verify.message();
    auto rehash = PasswordNeedsRehash(bad);
    ASSERT_FALSE(rehash.ok()) << bad;
    EXPECT_EQ(rehash.status().code(), StatusCode::kInvalidArgument);
  }
  std::string too_long = std::string(kArgon2idReference) + std::string(100, 'A');
  EXPECT_EQ(VerifyPassword("password", too_long).code(), StatusCode::kInvalidArgument);
  std::string with_nul = std::string(kArgon2idReference) + std::string(1, '\0');
  EXPECT_EQ(VerifyPassword("password", with_nul).code(), StatusCode::kInvalidArgument);
}

TEST(ConstantTimeEquals, ComparesContentAndSize) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "ab"));
  EXPECT_FALSE(ConstantTimeEquals("", "a"));
  EXPECT_TRUE(ConstantTimeEquals(std::string_view("a\0b", 3), std::string_view("a\0b", 3)));
  EXPECT_FALSE(ConstantTimeEquals(std::string_view("a\0b", 3), std::string_view("a\0c", 3)));
}

TEST(RandomBytes, HasRequestedSizeAndDiffers) {
  EXPECT_TRUE(RandomBytes(0).empty());
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string r = RandomBytes(16);
    ASSERT_EQ(r.size(), 16u);
    seen.insert(r);
  }
  EXPECT_EQ(seen.size(), 100u);  // 128-bit values: a collision means a broken source
}

TEST(Sodium, UsableFromManyThreads) {
  std::vector<std::thread> threads;
  std::vector<std::string> digests(8);
  for (size_t i = 0; i < digests.size(); ++i) {
    threads.emplace_back([&digests, i] { digests[i] = HexEncode(Sha256("abc")); });
  }
  for (auto& t : threads) t.join();
  for (const auto& d : digests) {
    EXPECT_EQ(d, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }
}

}  // namespace
}  // namespace renkei::crypto
