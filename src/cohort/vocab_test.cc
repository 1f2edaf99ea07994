#include "cohort/vocab.h"

#include <gtest/gtest.h>

#include <set>

namespace renkei {
namespace {

TEST(AgeBand, ParsesEveryBandAndNamesRoundTrip) {
  const char* names[] = {"0-9",   "10-19", "20-29", "30-39", "40-49",
                         "50-59", "60-69", "70-79", "80-89", "90+"};
  for (int i = 0; i < kAgeBandCount; ++i) {
    Result<int> band = ParseAgeBand(names[i]);
    ASSERT_TRUE(band.ok()) << names[i];
    EXPECT_EQ(*band, i);
    EXPECT_EQ(AgeBandName(i), names[i]);
  }
}

TEST(AgeBand, RejectsOtherForms) {
  for (const char* bad : {"", "60", "60-70", "65-74", "90-99", "100+", "60–69", " 60-69"}) {
    Result<int> band = ParseAgeBand(bad);
    ASSERT_FALSE(band.ok()) << bad;
    EXPECT_EQ(band.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(band.status().message().find("unknown age band"), std::string::npos);
  }
}

TEST(Sex, ParsesCaseInsensitivelyAndNames) {
  EXPECT_EQ(*ParseSex("male"), Sex::kMale);
  EXPECT_EQ(*ParseSex("Female"), Sex::kFemale);
  EXPECT_EQ(*ParseSex("UNKNOWN"), Sex::kUnknown);
  EXPECT_EQ(SexName(Sex::kMale), "male");
  EXPECT_EQ(SexName(Sex::kFemale), "female");
  EXPECT_EQ(SexName(Sex::kUnknown), "unknown");
  Result<Sex> bad = ParseSex("M");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "unknown sex 'M'; expected male, female or unknown");
}

TEST(Prefecture, TableHasJisCodesInOrderAndUniqueNames) {
  ASSERT_EQ(Prefectures().size(), 47u);
  std::set<std::string_view> en, ja;
  for (size_t i = 0; i < Prefectures().size(); ++i) {
    EXPECT_EQ(Prefectures()[i].code, i + 1);
    en.insert(Prefectures()[i].name_en);
    ja.insert(Prefectures()[i].name_ja);
  }
  EXPECT_EQ(en.size(), 47u);
  EXPECT_EQ(ja.size(), 47u);
}

TEST(Prefecture, RegionsFollowTheStandardGrouping) {
  // Hokkaido = 01; Tohoku = 02-07; Kanto = 08-14; Chubu = 15-23; Kinki = 24-30;
  // Chugoku = 31-35; Shikoku = 36-39; Kyushu-Okinawa = 40-47.
  const int last_of_region[] = {1, 7, 14, 23, 30, 35, 39, 47};
  int region = 0;
  for (int code = 1; code <= 47; ++code) {
    if (code > last_of_region[region]) ++region;
    EXPECT_EQ(static_cast<int>(PrefectureByCode(static_cast<uint8_t>(code)).region), region)
        << code;
  }
}

TEST(Prefecture, ParsesCodesAndNames) {
  EXPECT_EQ(*ParsePrefecture("13"), 13);
  EXPECT_EQ(*ParsePrefecture("1"), 1);
  EXPECT_EQ(*ParsePrefecture("01"), 1);
  EXPECT_EQ(*ParsePrefecture("47"), 47);
  EXPECT_EQ(*ParsePrefecture("Tokyo"), 13);
  EXPECT_EQ(*ParsePrefecture("tokyo"), 13);
  EXPECT_EQ(*ParsePrefecture("HOKKAIDO"), 1);
  EXPECT_EQ(*ParsePrefecture("東京都"), 13);
  EXPECT_EQ(*ParsePrefecture("東京"), 13);
  EXPECT_EQ(*ParsePrefecture("北海道"), 1);
  EXPECT_EQ(*ParsePrefecture("京都府"), 26);
  EXPECT_EQ(*ParsePrefecture("京都"), 26);
  EXPECT_EQ(*ParsePrefecture("大阪府"), 27);
  EXPECT_EQ(*ParsePrefecture("大阪"), 27);
  EXPECT_EQ(*ParsePrefecture("神奈川県"), 14);
  EXPECT_EQ(*ParsePrefecture("神奈川"), 14);
  EXPECT_EQ(*ParsePrefecture("沖縄県"), 47);
  EXPECT_EQ(*ParsePrefecture("Kyoto"), 26);
  EXPECT_EQ(PrefectureByCode(13).name_en, "Tokyo");
  EXPECT_EQ(PrefectureByCode(13).name_ja, "東京都");
  EXPECT_EQ(PrefectureByCode(13).region, Region::kKanto);
}

TEST(Prefecture, RejectsBadValues) {
  for (const char* bad : {"0", "00", "48", "99", "013", "Tokio", "", "北海", "東京都都", "-1"}) {
    Result<uint8_t> p = ParsePrefecture(bad);
    ASSERT_FALSE(p.ok()) << bad;
    EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(p.status().message().find(std::string("'") + bad + "'"), std::string::npos);
  }
}

TEST(Region, ParsesEnglishAndJapanese) {
  EXPECT_EQ(*ParseRegion("kanto"), Region::kKanto);
  EXPECT_EQ(*ParseRegion("Kanto"), Region::kKanto);
  EXPECT_EQ(*ParseRegion("Kyushu-Okinawa"), Region::kKyushuOkinawa);
  EXPECT_EQ(*ParseRegion("kyushu"), Region::kKyushuOkinawa);
  EXPECT_EQ(*ParseRegion("hokkaido"), Region::kHokkaido);
  EXPECT_EQ(*ParseRegion("関東"), Region::kKanto);
  EXPECT_EQ(*ParseRegion("関東地方"), Region::kKanto);
  EXPECT_EQ(*ParseRegion("九州・沖縄"), Region::kKyushuOkinawa);
  EXPECT_EQ(*ParseRegion("九州沖縄"), Region::kKyushuOkinawa);
  EXPECT_EQ(*ParseRegion("近畿"), Region::kKinki);
  EXPECT_EQ(*ParseRegion("kansai"), Region::kKinki);
  EXPECT_EQ(*ParseRegion("中国"), Region::kChugoku);
  EXPECT_FALSE(ParseRegion("tokyo").ok());
  EXPECT_FALSE(ParseRegion("").ok());
  EXPECT_FALSE(ParseRegion("okinawa").ok());
}

TEST(Region, SlugsRoundTrip) {
  const char* slugs[] = {"hokkaido", "tohoku",  "kanto",   "chubu",
                         "kinki",    "chugoku", "shikoku", "kyushu-okinawa"};
  for (int i = 0; i < kRegionCount; ++i) {
    EXPECT_EQ(RegionName(static_cast<Region>(i)), slugs[i]);
    EXPECT_EQ(static_cast<int>(*ParseRegion(slugs[i])), i);
    EXPECT_EQ(static_cast<int>(*ParseRegion(RegionNameJa(static_cast<Region>(i)))), i);
  }
}

}  // namespace
}  // namespace renkei
