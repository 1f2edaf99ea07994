#include "cohort/icd10_catalog.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <thread>

namespace renkei {
namespace {

Icd10Code Code(std::string_view text) { return *Icd10Code::Parse(text); }

bool Contains(const std::vector<Icd10Code>& codes, std::string_view text) {
  return std::find(codes.begin(), codes.end(), Code(text)) != codes.end();
}

TEST(Icd10Catalog, LoadsTheWholeHierarchy) {
  const Icd10Catalog& catalog = Icd10Catalog::Get();
  // The WHO file has 2048 categories and 10082 subcategories; the Japanese edition adds some.
  EXPECT_GE(catalog.codes().size(), 2048u + 10082u);
  EXPECT_EQ(catalog.chapters().size(), 22u);
  EXPECT_EQ(catalog.blocks().size(), 263u);
  EXPECT_TRUE(std::is_sorted(catalog.codes().begin(), catalog.codes().end()));
}

TEST(Icd10Catalog, GetIsThreadSafeAndReturnsOneInstance) {
  const Icd10Catalog* seen[4] = {};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) threads.emplace_back([&, i] { seen[i] = &Icd10Catalog::Get(); });
  for (std::thread& t : threads) t.join();
  for (const Icd10Catalog* c : seen) EXPECT_EQ(c, seen[0]);
}

TEST(Icd10Catalog, KnownAndUnknownCodesHaveDifferentErrors) {
  const Icd10Catalog& catalog = Icd10Catalog::Get();
  EXPECT_TRUE(catalog.IsKnown(Code("E11")));
  EXPECT_TRUE(catalog.IsKnown(Code("F00.1")));
  EXPECT_TRUE(catalog.IsKnown(Code("I48.0")));  // only in the Japanese 2013 edition
  EXPECT_FALSE(catalog.IsKnown(Code("F99.9")));
  EXPECT_EQ(catalog.ParseKnown("f001")->ToString(), "F00.1");

  Result<Icd10Code> unknown = catalog.ParseKnown("F99.9");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(unknown.status().message(), "unknown ICD-10 code 'F99.9'");

  Result<Icd10Code> malformed = catalog.ParseKnown("F9X");
  ASSERT_FALSE(malformed.ok());
  EXPECT_NE(malformed.status().message().find("malformed ICD-10 code 'F9X'"), std::string::npos);
}

TEST(Icd10Catalog, TitlesInEnglishAndJapanese) {
  const Icd10Catalog& catalog = Icd10Catalog::Get();
  EXPECT_EQ(catalog.TitleEn(Code("F00")), "Dementia in Alzheimer's disease");
  EXPECT_EQ(catalog.TitleJa(Code("F00")), "アルツハイマー＜Alzheimer＞病の認知症");
  EXPECT_EQ(catalog.TitleJa(Code("F01")), "血管性認知症");
  EXPECT_EQ(catalog.TitleEn(Code("A00.0")), "Cholera due to Vibrio cholerae 01, biovar cholerae");
  EXPECT_EQ(catalog.TitleEn(Code("F99.9")), "");
}

TEST(Icd10Catalog, ChapterAndBlockOfAnyCode) {
  const Icd10Catalog& catalog = Icd10Catalog::Get();
  const Icd10Chapter* v = catalog.ChapterOf(Code("F00.1"));
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->numeral, "V");
  EXPECT_EQ(v->number, 5);
  EXPECT_EQ(v->range, "F00-F99");
  EXPECT_EQ(v->title_en, "Mental and behavioural disorders");
  EXPECT_EQ(v->title_ja, "精神及び行動の障害");
  const Icd10Block* block = catalog.BlockOf(Code("F00.1"));
  ASSERT_NE(block, nullptr);
  EXPECT_EQ(block->range, "F00-F09");
  EXPECT_EQ(block->chapter, 5);
  EXPECT_EQ(block->title_ja, "症状性を含む器質性精神障害");

  // Chapters split within a letter (D00-D48 is II, D50 is III) and span letters (S-T, V-Y).
  EXPECT_EQ(catalog.ChapterOf(Code("D48"))->numeral, "II");
  EXPECT_EQ(catalog.ChapterOf(Code("D50"))->numeral, "III");
  EXPECT_EQ(catalog.ChapterOf(Code("H59"))->numeral, "VII");
  EXPECT_EQ(catalog.ChapterOf(Code("H60"))->numeral, "VIII");
  EXPECT_EQ(catalog.ChapterOf(Code("T98"))->numeral, "XIX");
  EXPECT_EQ(catalog.ChapterOf(Code("X85"))->numeral, "XX");
  EXPECT_EQ(catalog.ChapterOf(Code("U04"))->numeral, "XXII");
  EXPECT_EQ(catalog.BlockOf(Code("X85"))->range, "X85-Y09");
  EXPECT_EQ(catalog.BlockOf(Code("Y05"))->range, "X85-Y09");

  // Every known code has a chapter.
  for (Icd10Code code : catalog.codes()) {
    EXPECT_NE(catalog.ChapterOf(code), nullptr) << code.ToString();
  }
}

TEST(Icd10Catalog, FindsChaptersAndBlocks) {
  const Icd10Catalog& catalog = Icd10Catalog::Get();
  ASSERT_NE(catalog.FindChapter("xxii"), nullptr);
  EXPECT_EQ(catalog.FindChapter("XXII")->range, "U00-U89");
  EXPECT_EQ(catalog.FindChapter("I")->range, "A00-B99");
  EXPECT_EQ(catalog.FindChapter("XXIII"), nullptr);
  EXPECT_EQ(catalog.FindChapterByRange("A00-B99")->numeral, "I");
  EXPECT_EQ(catalog.FindBlock("F00-F09")->title_en,
            "Organic, including symptomatic, mental disorders");
  EXPECT_EQ(catalog.FindBlock("F00-F03"), nullptr);
  // Chapter numerals run I..XXII in order.
  const char* numerals[] = {"I",    "II",    "III", "IV",  "V",    "VI",  "VII", "VIII",
                            "IX",   "X",     "XI",  "XII", "XIII", "XIV", "XV",  "XVI",
                            "XVII", "XVIII", "XIX", "XX",  "XXI",  "XXII"};
  for (size_t i = 0; i < 22; ++i) EXPECT_EQ(catalog.chapters()[i].numeral, numerals[i]);
  for (const Icd10Chapter& c : catalog.chapters()) EXPECT_FALSE(c.title_ja.empty()) << c.numeral;
}

TEST(Icd10Catalog, JapaneseNameSearchExactThenSubstring) {
  const Icd10Catalog& catalog = Icd10Catalog::Get();
  Icd10NameMatch dementia = catalog.FindByJapaneseName("認知症");
  EXPECT_TRUE(dementia.exact);
  EXPECT_EQ(dementia.codes, std::vector<Icd10Code>{Code("F03")});  // index: 認知症 -> F03

  Icd10NameMatch vascular = catalog.FindByJapaneseName("血管性認知症");  // a title and a name
  EXPECT_TRUE(vascular.exact);
  EXPECT_TRUE(Contains(vascular.codes, "F01"));

  // No exact entry: names containing the text.
  Icd10NameMatch partial = catalog.FindByJapaneseName("アルツハイマー");
  EXPECT_FALSE(partial.exact);
  EXPECT_TRUE(Contains(partial.codes, "G30.9") || Contains(partial.codes, "G30"));
  EXPECT_TRUE(Contains(partial.codes, "F00.9") || Contains(partial.codes, "F00"));

  // Finer index codes map to catalogue codes: F15.2b -> F15.2.
  Icd10NameMatch amph = catalog.FindByJapaneseName("アンフェタミン依存");
  EXPECT_TRUE(amph.exact);
  EXPECT_EQ(amph.codes, std::vector<Icd10Code>{Code("F15.2")});

  EXPECT_TRUE(catalog.FindByJapaneseName("存在しない病名ですよ").codes.empty());
}

TEST(Icd10Catalog, EnglishTitleSearch) {
  const Icd10Catalog& catalog = Icd10Catalog::Get();
  Icd10NameMatch exact = catalog.FindByEnglishTitle("vascular dementia");
  EXPECT_TRUE(exact.exact);
  EXPECT_EQ(exact.codes, std::vector<Icd10Code>{Code("F01")});
  Icd10NameMatch sub = catalog.FindByEnglishTitle("Alzheimer");
  EXPECT_FALSE(sub.exact);
  EXPECT_TRUE(Contains(sub.codes, "G30"));
  EXPECT_TRUE(Contains(sub.codes, "F00.1"));
  EXPECT_TRUE(catalog.FindByEnglishTitle("xyzzy").codes.empty());
}

}  // namespace
}  // namespace renkei
