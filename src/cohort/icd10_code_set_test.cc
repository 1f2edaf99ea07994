#include "cohort/icd10_code_set.h"

#include <gtest/gtest.h>

namespace renkei {
namespace {

Icd10Code Code(std::string_view text) { return *Icd10Code::Parse(text); }
Icd10CategoryRange Range(std::string_view text) { return *ParseIcd10Range(text); }

TEST(Icd10CodeSet, ThreeCharacterTermMatchesItsSubcategories) {
  Icd10CodeSet set;
  set.Add(Code("F00"));
  EXPECT_TRUE(set.Matches(Code("F00")));
  EXPECT_TRUE(set.Matches(Code("F00.1")));
  EXPECT_TRUE(set.Matches(Code("F00.9")));
  EXPECT_FALSE(set.Matches(Code("F01")));
  EXPECT_FALSE(set.Matches(Code("G00")));
}

TEST(Icd10CodeSet, FourCharacterTermMatchesOnlyItself) {
  Icd10CodeSet set;
  set.Add(Code("F00.1"));
  EXPECT_TRUE(set.Matches(Code("F00.1")));
  EXPECT_FALSE(set.Matches(Code("F00")));
  EXPECT_FALSE(set.Matches(Code("F00.2")));
  EXPECT_EQ(set.ToString(), "F00.1");
}

TEST(Icd10CodeSet, RangeMatchesEveryCodeWhoseCategoryIsInside) {
  Icd10CodeSet set;
  set.AddRange(Range("F00-F03"));
  EXPECT_TRUE(set.Matches(Code("F00")));
  EXPECT_TRUE(set.Matches(Code("F01.2")));
  EXPECT_TRUE(set.Matches(Code("F03")));
  EXPECT_FALSE(set.Matches(Code("F04")));
  EXPECT_FALSE(set.Matches(Code("E99")));
}

TEST(Icd10CodeSet, RangeAcrossLetters) {
  Icd10CodeSet set;
  set.AddRange(Range("A00-B99"));
  EXPECT_TRUE(set.Matches(Code("A00.0")));
  EXPECT_TRUE(set.Matches(Code("B99")));
  EXPECT_FALSE(set.Matches(Code("C00")));
  EXPECT_EQ(set.ToString(), "A00-B99");
}

TEST(Icd10CodeSet, UnionIsCanonical) {
  Icd10CodeSet a;
  a.AddRange(Range("F00-F01"));
  a.Add(Code("G30"));
  a.Add(Code("I10.0"));
  a.Add(Code("F00.1"));  // covered by F00-F01: dropped
  Icd10CodeSet b;
  b.AddRange(Range("F02-F03"));
  b.Add(Code("G31"));
  b.Add(Code("E11.9"));
  a.Add(b);
  EXPECT_EQ(a.ToString(), "E11.9,F00-F03,G30-G31,I10.0");
  EXPECT_EQ(a.Ranges().size(), 2u);
  EXPECT_EQ(a.Codes().size(), 2u);
  // Adding a category drops its four-character codes.
  a.Add(Code("E11"));
  EXPECT_EQ(a.ToString(), "E11,F00-F03,G30-G31,I10.0");
}

TEST(Icd10CodeSet, MatchesAnyAndEmpty) {
  Icd10CodeSet set;
  EXPECT_TRUE(set.empty());
  EXPECT_EQ(set.ToString(), "");
  std::vector<Icd10Code> codes = {Code("E11"), Code("F00.1")};
  EXPECT_FALSE(set.MatchesAny(codes));
  set.Add(Code("F00"));
  EXPECT_FALSE(set.empty());
  EXPECT_TRUE(set.MatchesAny(codes));
  EXPECT_FALSE(set.MatchesAny({}));
}

}  // namespace
}  // namespace renkei
