#include "identity/password.h"

#include <gtest/gtest.h>

#include <string>

namespace renkei::identity {
namespace {

void ExpectPolicyError(std::string_view password, std::string_view fragment,
                       std::string_view username = "alice",
                       std::string_view email = "alice@example.jp") {
  Status status = CheckPasswordPolicy(password, username, email);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << password.substr(0, 40);
  EXPECT_NE(status.message().find(fragment), std::string::npos)
      << "'" << status.message() << "' lacks '" << fragment << "'";
  // The message never repeats the password.
  if (password.size() >= 4) {
    EXPECT_EQ(status.message().find(password), std::string::npos) << status.message();
  }
}

TEST(PasswordPolicy, AcceptsLongEnoughPasswords) {
  EXPECT_TRUE(CheckPasswordPolicy("abcdefghijkl", "alice", "alice@example.jp").ok());  // 12
  EXPECT_TRUE(CheckPasswordPolicy("correct horse battery staple", "alice", "").ok());
  EXPECT_TRUE(CheckPasswordPolicy("aaaaaaaaaaab", "", "").ok());  // not all one character
  // 12 Japanese characters: 36 bytes, 12 characters.
  EXPECT_TRUE(CheckPasswordPolicy("連携基盤の利用者認証です", "alice", "").ok());
  EXPECT_TRUE(CheckPasswordPolicy(std::string(1023, 'x') + "y", "", "").ok());  // 1024 bytes
  EXPECT_TRUE(CheckPasswordPolicy("p4ss w0rd with emoji 🔑", "", "").ok());
}

TEST(PasswordPolicy, RefusesShortLongAndRepetitivePasswords) {
  ExpectPolicyError("abcdefghijk", "too short: at least 12 characters");  // 11
  ExpectPolicyError("", "too short");
  // 11 Japanese characters are 33 bytes but still only 11 characters.
  ExpectPolicyError("連携基盤の利用者認証で", "too short");
  ExpectPolicyError(std::string(1024, 'x') + "y", "too long: at most 1024 bytes");
  ExpectPolicyError("aaaaaaaaaaaa", "repeats a single character");
  ExpectPolicyError(std::string(40, '7'), "repeats a single character");
  ExpectPolicyError("ああああああああああああ", "repeats a single character");
}

TEST(PasswordPolicy, RefusesTheUserNameAndEmail) {
  ExpectPolicyError("alice.tanaka.1", "must not be the user name", "alice.tanaka.1", "");
  ExpectPolicyError("Alice.Tanaka.1", "must not be the user name", "alice.tanaka.1", "");
  ExpectPolicyError("alice@example.jp", "must not be the email address", "alice",
                    "alice@example.jp");
  ExpectPolicyError("ALICE@EXAMPLE.JP", "must not be the email address", "alice",
                    "alice@example.jp");
  // Containing them is allowed; only equality is refused.
  EXPECT_TRUE(CheckPasswordPolicy("alice@example.jp!", "alice", "alice@example.jp").ok());
}

TEST(PasswordPolicy, RefusesInvalidTextAndControlCharacters) {
  ExpectPolicyError("abcdefghijkl\xff", "not valid UTF-8");
  ExpectPolicyError("abcdefghijkl\xc0\xaf", "not valid UTF-8");      // overlong '/'
  ExpectPolicyError("abcdefghijkl\xed\xa0\x80", "not valid UTF-8");  // a UTF-16 surrogate
  ExpectPolicyError("abcdefghijkl\xe3\x81", "not valid UTF-8");      // truncated
  ExpectPolicyError("abcdef\tghijkl", "control character");
  ExpectPolicyError("abcdefghijkl\n", "control character");
  ExpectPolicyError(std::string("abcdef\0ghijkl", 13), "control character");
  ExpectPolicyError("abcdefghijkl\x7f", "control character");
}

TEST(Password, HashesVerifiesAndReportsRehash) {
  auto hash = HashNewPassword("連携基盤の利用者認証です", "alice", "alice@example.jp");
  ASSERT_TRUE(hash.ok()) << hash.status().ToString();
  EXPECT_TRUE(hash->starts_with("$argon2id$v=19$m=65536,t=2,p=1$"));
  EXPECT_TRUE(VerifyPassword("連携基盤の利用者認証です", *hash).ok());
  Status wrong = VerifyPassword("連携基盤の利用者認証でず", *hash);
  EXPECT_EQ(wrong.code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(wrong.message(), "password does not match");
  EXPECT_EQ(PasswordNeedsRehash(*hash).value(), false);

  // The policy runs before hashing.
  auto weak = HashNewPassword("short", "alice", "");
  ASSERT_FALSE(weak.ok());
  EXPECT_EQ(weak.status().code(), StatusCode::kInvalidArgument);
}

TEST(Password, VerifiesTheArgon2ReferenceVector) {
  // phc-winner-argon2 src/test.c: "password" / "somesalt", t=2, m=65536, p=1. (It could never
  // pass our policy, but verification does not apply the policy: old passwords keep working.)
  constexpr std::string_view kReference =
      "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";
  EXPECT_TRUE(VerifyPassword("password", kReference).ok());
  EXPECT_EQ(VerifyPassword("Password", kReference).code(), StatusCode::kUnauthenticated);
}

TEST(Password, RefusesOverlongPasswordsAndCorruptHashes) {
  constexpr std::string_view kReference =
      "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";
  Status long_one = VerifyPassword(std::string(1025, 'p'), kReference);
  EXPECT_EQ(long_one.code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(long_one.message(), "password does not match");

  for (std::string_view corrupt : {"", "plaintext-password", "$argon2id$v=19$m=65536"}) {
    EXPECT_EQ(VerifyPassword("password", corrupt).code(), StatusCode::kInvalidArgument) << corrupt;
    EXPECT_EQ(VerifyPassword(std::string(1025, 'p'), corrupt).code(), StatusCode::kInvalidArgument)
        << corrupt;
    EXPECT_EQ(PasswordNeedsRehash(corrupt).status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(Password, UnknownAccountsAreRejectedLikeWrongPasswords) {
  Status status = RejectUnknownAccount("whatever they typed");
  EXPECT_EQ(status.code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(status.message(), "password does not match");
  EXPECT_EQ(RejectUnknownAccount(std::string(5000, 'x')).code(), StatusCode::kUnauthenticated);
}

}  // namespace
}  // namespace renkei::identity
