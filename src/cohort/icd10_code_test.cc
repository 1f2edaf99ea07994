#include "cohort/icd10_code.h"

#include <gtest/gtest.h>

namespace renkei {
namespace {

TEST(Icd10Code, ParsesThreeAndFourCharacterCodes) {
  Result<Icd10Code> e11 = Icd10Code::Parse("E11");
  ASSERT_TRUE(e11.ok());
  EXPECT_EQ(e11->category(), 4 * 100 + 11);
  EXPECT_FALSE(e11->has_subcategory());
  EXPECT_EQ(e11->subcategory(), -1);
  EXPECT_EQ(e11->ToString(), "E11");

  Result<Icd10Code> f001 = Icd10Code::Parse("F00.1");
  ASSERT_TRUE(f001.ok());
  EXPECT_EQ(f001->category(), 500);
  EXPECT_EQ(f001->subcategory(), 1);
  EXPECT_EQ(f001->ToString(), "F00.1");
  EXPECT_EQ(f001->Category().ToString(), "F00");
}

TEST(Icd10Code, NormalisesDotlessAndLowerCase) {
  EXPECT_EQ(Icd10Code::Parse("F001")->ToString(), "F00.1");
  EXPECT_EQ(Icd10Code::Parse("f00.1")->ToString(), "F00.1");
  EXPECT_EQ(Icd10Code::Parse("e11")->ToString(), "E11");
  EXPECT_EQ(Icd10Code::Parse(" Z99.9 ")->ToString(), "Z99.9");
  EXPECT_EQ(Icd10Code::Parse("A00")->category(), 0);
}

TEST(Icd10Code, RejectsMalformed) {
  for (const char* bad : {"", "E", "E1", "E1A", "11E", "E11.", "E11.12", "E11-", "EE11", "E111.",
                          "1E11", "E11x", "E 11"}) {
    Result<Icd10Code> code = Icd10Code::Parse(bad);
    ASSERT_FALSE(code.ok()) << bad;
    EXPECT_EQ(code.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(code.status().message().find("malformed ICD-10 code '" + std::string(bad) + "'"),
              std::string::npos)
        << code.status().message();
  }
}

TEST(Icd10Code, OrdersCategoryBeforeItsSubcategories) {
  Icd10Code f00 = *Icd10Code::Parse("F00");
  Icd10Code f000 = *Icd10Code::Parse("F00.0");
  Icd10Code f009 = *Icd10Code::Parse("F00.9");
  Icd10Code f01 = *Icd10Code::Parse("F01");
  EXPECT_LT(f00, f000);
  EXPECT_LT(f000, f009);
  EXPECT_LT(f009, f01);
  EXPECT_EQ(sizeof(Icd10Code), 4u);
}

TEST(Icd10Code, LooksLikeCode) {
  EXPECT_TRUE(Icd10Code::LooksLikeCode("F0012"));
  EXPECT_TRUE(Icd10Code::LooksLikeCode("e11"));
  EXPECT_FALSE(Icd10Code::LooksLikeCode("dementia"));
  EXPECT_FALSE(Icd10Code::LooksLikeCode("V"));
  EXPECT_FALSE(Icd10Code::LooksLikeCode("認知症"));
}

TEST(Icd10Range, ParsesAndNames) {
  Result<Icd10CategoryRange> r = ParseIcd10Range("F00-F03");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->first, 500);
  EXPECT_EQ(r->last, 503);
  EXPECT_EQ(Icd10RangeName(*r), "F00-F03");
  Result<Icd10CategoryRange> ab = ParseIcd10Range("a00-b99");
  ASSERT_TRUE(ab.ok());
  EXPECT_EQ(ab->last, 199);
  EXPECT_EQ(Icd10RangeName({500, 500}), "F00");
  EXPECT_FALSE(ParseIcd10Range("F03-F00").ok());
  EXPECT_FALSE(ParseIcd10Range("F00.1-F00.3").ok());
  EXPECT_FALSE(ParseIcd10Range("F00").ok());
  EXPECT_FALSE(ParseIcd10Range("F00-").ok());
}

}  // namespace
}  // namespace renkei
