#include "identity/recovery_codes.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace renkei::identity {
namespace {

void ExpectError(const Status& status, StatusCode code, std::string_view fragment) {
  EXPECT_EQ(status.code(), code) << status.ToString();
  EXPECT_NE(status.message().find(fragment), std::string::npos)
      << "'" << status.message() << "' lacks '" << fragment << "'";
}

TEST(RecoveryCodes, GeneratesTenDistinctHumanFriendlyCodes) {
  auto set = GenerateRecoveryCodes();
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  ASSERT_EQ(set->codes.size(), 10u);
  ASSERT_EQ(set->hashes.size(), 10u);
  const std::regex shape("[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}");
  std::set<std::string> distinct;
  for (size_t i = 0; i < set->codes.size(); ++i) {
    EXPECT_TRUE(std::regex_match(set->codes[i], shape)) << set->codes[i];
    EXPECT_EQ(set->hashes[i], *RecoveryCodeHash(set->codes[i]));
    EXPECT_EQ(set->hashes[i].size(), 64u);
    // Only the hash is stored: the code does not appear in it.
    EXPECT_EQ(set->hashes[i].find(*NormaliseRecoveryCode(set->codes[i])), std::string::npos);
    distinct.insert(set->codes[i]);
  }
  EXPECT_EQ(distinct.size(), 10u);
  // 12 characters of a 32-letter alphabet: 60 bits, above the 50 the issue asks for.
  EXPECT_GE(kRecoveryCodeChars * 5, 50u);
}

TEST(RecoveryCodes, UsesEveryLetterOfTheAlphabet) {
  // 100 codes × 12 characters: missing one of 32 letters by chance has probability ~1e-16.
  auto set = GenerateRecoveryCodes(100);
  ASSERT_TRUE(set.ok());
  std::set<char> letters;
  for (const auto& code : set->codes) {
    for (char c : code) {
      if (c != '-') letters.insert(c);
    }
  }
  EXPECT_EQ(letters.size(), 32u);
}

TEST(RecoveryCodes, HashIsSha256OfTheNormalisedCode) {
  // Hand-computed: sha256("abcdefghijkl") and sha256("k3mx7qpaub2e") (Python hashlib).
  EXPECT_EQ(*RecoveryCodeHash("abcd-efgh-ijkl"),
            "d682ed4ca4d989c134ec94f1551e1ec580dd6d5a6ecde9f3d35e6e4a717fbde4");
  EXPECT_EQ(*RecoveryCodeHash("K3MX 7QPA-UB2E"),
            "a142ce73fd618ed2cddebaa54c8dec25d30cbe2d3bd52447d19c233adf0e8492");
  EXPECT_EQ(*NormaliseRecoveryCode("K3MX 7QPA-UB2E"), "k3mx7qpaub2e");
  EXPECT_EQ(*NormaliseRecoveryCode("k3mx7qpaub2e"), "k3mx7qpaub2e");
  EXPECT_EQ(*NormaliseRecoveryCode("-k3mx--7qpa  ub2e-"), "k3mx7qpaub2e");
}

TEST(RecoveryCodes, RefusesMalformedCodes) {
  for (std::string_view bad : {
           "",
           "abcd-efgh-ijk",    // 11 characters
           "abcd-efgh-ijklm",  // 13
           "abcd-efgh-ijk1",   // '1' is not in the alphabet
           "abcd-efgh-ijk0",
           "abcd_efgh_ijkl",  // underscores
           "abcd-efgh-ijk\xc3\xa9",
       }) {
    ExpectError(NormaliseRecoveryCode(bad).status(), StatusCode::kInvalidArgument,
                "recovery code must be 12 characters a-z and 2-7");
  }
  ExpectError(NormaliseRecoveryCode(std::string(100, '-') + "abcdefghijkl").status(),
              StatusCode::kInvalidArgument, "recovery code must be");
  for (size_t bad : {size_t{0}, size_t{101}}) {
    ExpectError(GenerateRecoveryCodes(bad).status(), StatusCode::kInvalidArgument,
                "count must be 1 to 100");
  }
}

TEST(RecoveryCodes, EachCodeWorksOnceInAnyOrderAndSpelling) {
  auto set = GenerateRecoveryCodes(5);
  ASSERT_TRUE(set.ok());
  std::vector<std::string> stored = set->hashes;

  // The third code, typed in capitals without dashes.
  std::string typed;
  for (char c : set->codes[2]) {
    if (c != '-') typed += static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  }
  auto index = MatchRecoveryCode(typed, stored);
  ASSERT_TRUE(index.ok()) << index.status().ToString();
  EXPECT_EQ(*index, 2u);
  ASSERT_TRUE(ConsumeRecoveryCode(typed, &stored).ok());
  EXPECT_EQ(stored.size(), 4u);
  EXPECT_EQ(std::count(stored.begin(), stored.end(), set->hashes[2]), 0);

  // Used once, it is gone.
  ExpectError(ConsumeRecoveryCode(set->codes[2], &stored), StatusCode::kUnauthenticated,
              "not valid or already used");
  EXPECT_EQ(stored.size(), 4u);

  // The others still work, then nothing is left.
  for (size_t i : {4u, 0u, 3u, 1u}) {
    ASSERT_TRUE(ConsumeRecoveryCode(set->codes[i], &stored).ok()) << i;
  }
  EXPECT_TRUE(stored.empty());
  ExpectError(ConsumeRecoveryCode(set->codes[0], &stored), StatusCode::kUnauthenticated,
              "not valid or already used");
}

TEST(RecoveryCodes, WrongOrMalformedCodesLeaveTheListAlone) {
  auto set = GenerateRecoveryCodes(3);
  ASSERT_TRUE(set.ok());
  std::vector<std::string> stored = set->hashes;
  ExpectError(ConsumeRecoveryCode("aaaa-aaaa-aaaa", &stored), StatusCode::kUnauthenticated,
              "not valid or already used");
  ExpectError(ConsumeRecoveryCode("not a code", &stored), StatusCode::kInvalidArgument,
              "recovery code must be");
  EXPECT_EQ(stored, set->hashes);
  // A code from another account's set does not match.
  auto other = GenerateRecoveryCodes(1);
  ASSERT_TRUE(other.ok());
  ExpectError(MatchRecoveryCode(other->codes[0], stored).status(), StatusCode::kUnauthenticated,
              "not valid");
}

}  // namespace
}  // namespace renkei::identity
