#include "freq/selector.h"

#include <gtest/gtest.h>

namespace renkei {
namespace {

TEST(VariantSelector, ParsesRegions) {
  auto r = VariantSelector::ParseRegion("chr1:1,000,000-2,000,000");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->contig, "chr1");
  EXPECT_EQ(r->start, 1000000);
  EXPECT_EQ(r->end, 2000000);
  auto point = VariantSelector::ParseRegion("chrX:12345");
  ASSERT_TRUE(point.ok());
  EXPECT_EQ(point->start, 12345);
  EXPECT_EQ(point->end, 12345);
  auto whole = VariantSelector::ParseRegion("chr22");
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(whole->start, 1);
  EXPECT_EQ(whole->ToString(), "chr22:1-end");
}

TEST(VariantSelector, RejectsBadRegionsWithTheReason) {
  struct Case {
    const char* text;
    const char* needle;
  };
  for (const Case& c :
       {Case{"", "expected CONTIG"}, Case{":1-2", "expected CONTIG"}, Case{"chr1:0-5", "1-based"},
        Case{"chr1:5-1", "end before start"}, Case{"chr1:x-5", "'x'"}, Case{"chr1:5-", "''"},
        Case{"chr1:99999999999999999999", "bad position"}}) {
    auto r = VariantSelector::ParseRegion(c.text);
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(c.needle), std::string::npos)
        << c.text << ": " << r.status().message();
  }
}

TEST(VariantSelector, ParsesVariants) {
  auto v = VariantSelector::ParseVariant("chr1:1234567:A:G");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->contig, "chr1");
  EXPECT_EQ(v->start, 1234567);
  EXPECT_EQ(v->ref, "A");
  EXPECT_EQ(v->alt, "G");
  EXPECT_EQ(v->ToString(), "chr1:1234567:A:G");
  auto any_alt = VariantSelector::ParseVariant("chr1:5:ACGT");
  ASSERT_TRUE(any_alt.ok());
  EXPECT_TRUE(any_alt->alt.empty());
  EXPECT_TRUE(VariantSelector::ParseVariant("chr1:5:T:<DEL>").ok());
  EXPECT_TRUE(VariantSelector::ParseVariant("chr1:5:T:*").ok());
}

TEST(VariantSelector, RejectsBadVariants) {
  for (const char* text : {"chr1", "chr1:5", "chr1:5:A:G:T", ":5:A:G", "chr1:five:A:G",
                           "chr1:5:X:G", "chr1:5:A:G1", "chr1:5::G"}) {
    auto v = VariantSelector::ParseVariant(text);
    EXPECT_FALSE(v.ok()) << text;
    EXPECT_EQ(v.status().code(), StatusCode::kInvalidArgument) << text;
  }
}

}  // namespace
}  // namespace renkei
