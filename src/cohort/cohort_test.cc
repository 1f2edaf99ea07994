#include "cohort/cohort.h"

#include <gtest/gtest.h>

#include <fstream>

#include "cohort/sample_mask.h"

namespace renkei {
namespace {

// Eight samples with hand-picked attributes; expectations below are written as id lists.
SampleTable Table() {
  Result<SampleTable> t = SampleTable::ParseTsv(
      "sample_id\tbiobank\tage_band\tsex\tprefecture\ticd10\n"
      "s0\tTMM\t60-69\tmale\t13\tF00.1\n"        // Tokyo, kanto, alzheimer dementia
      "s1\tTMM\t70-79\tfemale\t04\tG30.1,E11\n"  // Miyagi, tohoku
      "s2\tBBJ\t60-69\tfemale\t27\tE11.9\n"      // Osaka, kinki
      "s3\tBBJ\t90+\tmale\t01\t\n"               // Hokkaido
      "s4\tNCBN\t40-49\tunknown\t47\tF04\n"      // Okinawa, kyushu-okinawa
      "s5\tNCBN\t60-69\tmale\t14\tI10,C16.9\n"   // Kanagawa, kanto
      "s6\tTMM\t80-89\tfemale\t13\tF01.2\n"      // Tokyo
      "s7\tBBJ\t0-9\tmale\t40\tJ45\n",           // Fukuoka
      "t.tsv");
  EXPECT_TRUE(t.ok()) << t.status().message();
  return *t;
}

// Returns the ids of the cohort's members, space-separated, or "error: <message>".
std::string Members(std::string_view expr, const SampleTable& table) {
  Result<Cohort> cohort = Cohort::Parse(expr);
  if (!cohort.ok()) return "error: " + cohort.status().message();
  Result<std::vector<uint64_t>> mask = cohort->Evaluate(table);
  if (!mask.ok()) return "error: " + mask.status().message();
  std::string out;
  for (size_t i = 0; i < table.size(); ++i) {
    if (TestBit(*mask, i)) out += (out.empty() ? "" : " ") + table[i].id;
  }
  return out;
}

std::string Members(std::string_view expr) { return Members(expr, Table()); }

std::string ParseError(std::string_view expr) {
  Result<Cohort> cohort = Cohort::Parse(expr);
  EXPECT_FALSE(cohort.ok()) << expr;
  if (cohort.ok()) return "";
  EXPECT_EQ(cohort.status().code(), StatusCode::kInvalidArgument);
  return cohort.status().message();
}

std::string Canonical(std::string_view expr) {
  Result<Cohort> cohort = Cohort::Parse(expr);
  if (!cohort.ok()) return "error: " + cohort.status().message();
  return cohort->ToString();
}

TEST(Cohort, EmptyAndAllMeanEveryone) {
  EXPECT_EQ(Members(""), "s0 s1 s2 s3 s4 s5 s6 s7");
  EXPECT_EQ(Members("   "), "s0 s1 s2 s3 s4 s5 s6 s7");
  EXPECT_EQ(Members("all"), "s0 s1 s2 s3 s4 s5 s6 s7");
  EXPECT_EQ(Members("ALL & sex=male"), "s0 s3 s5 s7");
  EXPECT_EQ(Members("!all"), "");
  EXPECT_EQ(Cohort().ToString(), "all");
}

TEST(Cohort, EachAttribute) {
  EXPECT_EQ(Members("age=60-69"), "s0 s2 s5");
  EXPECT_EQ(Members("age=90+"), "s3");
  EXPECT_EQ(Members("age=60-79"), "s0 s1 s2 s5");
  EXPECT_EQ(Members("age=80+"), "s3 s6");
  EXPECT_EQ(Members("sex=female"), "s1 s2 s6");
  EXPECT_EQ(Members("SEX=Unknown"), "s4");
  EXPECT_EQ(Members("region=kanto"), "s0 s5 s6");
  EXPECT_EQ(Members("region=関東"), "s0 s5 s6");
  EXPECT_EQ(Members("region=Kyushu-Okinawa"), "s4 s7");
  EXPECT_EQ(Members("prefecture=13"), "s0 s6");
  EXPECT_EQ(Members("prefecture=Tokyo"), "s0 s6");
  EXPECT_EQ(Members("prefecture=東京都"), "s0 s6");
  EXPECT_EQ(Members("prefecture=1"), "s3");
  EXPECT_EQ(Members("biobank=BBJ"), "s2 s3 s7");
  EXPECT_EQ(Members("biobank=bbj"), "");  // case-sensitive
  EXPECT_EQ(Members("biobank=NOPE"), "");
  EXPECT_EQ(Members("sample=s1,s4"), "s1 s4");
}

TEST(Cohort, DiseaseTerms) {
  EXPECT_EQ(Members("icd10=F00-F03"), "s0 s6");
  EXPECT_EQ(Members("icd10=E11"), "s1 s2");  // E11 matches E11.9
  EXPECT_EQ(Members("icd10=E11.9"), "s2");
  EXPECT_EQ(Members("icd10=f001"), "s0");
  EXPECT_EQ(Members("disease=dementia"), "s0 s1 s6");  // G30.1 is in dementia
  EXPECT_EQ(Members("disease=認知症"), "s0 s1 s6");
  EXPECT_EQ(Members("disease=胃癌"), "s5");
  EXPECT_EQ(Members("disease=alzheimers"), "s0 s1");
  EXPECT_EQ(Members("icd10=chapter:V"), "s0 s4 s6");
  EXPECT_EQ(Members("icd10=V"), "s0 s4 s6");
  EXPECT_EQ(Members("disease=\"Vascular dementia\""), "s6");
  EXPECT_EQ(Members("disease=asthma,t2d"), "s1 s2 s7");
  EXPECT_EQ(Members("disease!=dementia"), "s2 s3 s4 s5 s7");
}

TEST(Cohort, OperatorsAndPrecedence) {
  // & binds tighter than |: a | b & c = a | (b & c).
  EXPECT_EQ(Members("sex=unknown | sex=male & age=60-69"), "s0 s4 s5");
  EXPECT_EQ(Members("(sex=unknown | sex=male) & age=60-69"), "s0 s5");
  EXPECT_EQ(Members("sex=male & age=60-69 | sex=unknown"), "s0 s4 s5");
  EXPECT_EQ(Members("!sex=male"), "s1 s2 s4 s6");
  EXPECT_EQ(Members("sex!=male"), "s1 s2 s4 s6");
  EXPECT_EQ(Members("!!sex=male"), "s0 s3 s5 s7");
  EXPECT_EQ(Members("!(sex=male | region=kanto)"), "s1 s2 s4");
  EXPECT_EQ(Members("!sex=male & region=kanto"), "s6");  // ! binds tightest
  EXPECT_EQ(Members("age=60-69,70-79 & sex=female"), "s1 s2");
  EXPECT_EQ(Members(" ( ( age = 60-69 ) )&sex = male "), "s0 s5");
  EXPECT_EQ(Members("age=60-69 & sex=male & region=kanto & disease=dementia"), "s0");
}

TEST(Cohort, QuotedValues) {
  EXPECT_EQ(Members("sample=\"s1\",\"s2\""), "s1 s2");
  EXPECT_EQ(Members("disease=\"type 2 diabetes\""), "s1 s2");
}

TEST(Cohort, SampleFile) {
  const std::string path = ::testing::TempDir() + "/cohort_ids.txt";
  {
    std::ofstream out(path);
    out << "# chosen samples\ns2\n\n  s5  \ns2\n";
  }
  EXPECT_EQ(Members("sample=@" + path), "s2 s5");
  EXPECT_EQ(Canonical("sample=@" + path + ",s0"), "sample=s2,s5,s0");
  std::remove(path.c_str());
  Result<Cohort> missing = Cohort::Parse("sample=@/nonexistent/ids.txt");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("column 8"), std::string::npos);
}

TEST(Cohort, UnknownSampleIdsFailAtEvaluate) {
  Result<Cohort> cohort = Cohort::Parse("sample=s1,x1,x2");
  ASSERT_TRUE(cohort.ok());
  Result<std::vector<uint64_t>> mask = cohort->Evaluate(Table());
  ASSERT_FALSE(mask.ok());
  EXPECT_EQ(mask.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(mask.status().message(),
            "2 sample ids in the cohort are not in the sample table: x1, x2");
  // In a federation each site holds some of the samples: the others match no one there.
  Result<std::vector<uint64_t>> lenient =
      cohort->Evaluate(Table(), Cohort::UnknownSamples::kIgnore);
  ASSERT_TRUE(lenient.ok());
  EXPECT_EQ(CountBits(*lenient), 1u);
  EXPECT_TRUE(TestBit(*lenient, 1));
}

TEST(Cohort, ErrorsPointAtTheToken) {
  EXPECT_EQ(ParseError("agee=60-69"),
            "unknown attribute 'agee' at column 1; expected one of age, sex, region, prefecture, "
            "biobank, icd10, disease, sample\n  agee=60-69\n  ^");
  EXPECT_EQ(ParseError("sex=male & age=65-70"),
            "invalid age value at column 16: age range '65-70' is not aligned to 10-year bands; "
            "use e.g. 60-69 or 60-79\n  sex=male & age=65-70\n                 ^");
  EXPECT_EQ(ParseError("sex=male &"),
            "expected an attribute name, '!' or '(' at column 11, found end of expression\n"
            "  sex=male &\n            ^");
  EXPECT_EQ(ParseError("age 60-69"),
            "expected '=' or '!=' after 'age' at column 5, found '60-69'\n  age 60-69\n      ^");
  EXPECT_EQ(ParseError("age="),
            "expected a value for age at column 5, found end of expression\n  age=\n      ^");
  EXPECT_EQ(ParseError("(sex=male"), "unmatched '(' at column 1\n  (sex=male\n  ^");
  EXPECT_EQ(ParseError("sex=male)"), "unmatched ')' at column 9\n  sex=male)\n          ^");
  EXPECT_EQ(ParseError("disease=type 2 diabetes"),
            "expected '&', '|' or end of expression at column 14, found '2' (quote values that "
            "contain spaces)\n  disease=type 2 diabetes\n               ^");
  EXPECT_EQ(ParseError("sex=\"male"),
            "unterminated quoted value starting at column 5\n  sex=\"male\n      ^");
  EXPECT_EQ(ParseError("()"),
            "expected an attribute name, '!' or '(' at column 2, found ')'\n  ()\n   ^");
  EXPECT_EQ(ParseError("sex=male,"),
            "expected a value for sex at column 10, found end of expression\n  sex=male,\n"
            "           ^");
}

TEST(Cohort, ValueErrors) {
  EXPECT_NE(ParseError("sex=M").find("invalid sex value at column 5: unknown sex 'M'"),
            std::string::npos);
  EXPECT_NE(ParseError("region=mars").find("invalid region value at column 8: unknown region"),
            std::string::npos);
  EXPECT_NE(ParseError("prefecture=48").find("invalid prefecture value at column 12"),
            std::string::npos);
  EXPECT_NE(ParseError("icd10=F99.9").find("unknown ICD-10 code 'F99.9'"), std::string::npos);
  EXPECT_NE(ParseError("disease=xyz").find("no disease matches 'xyz'"), std::string::npos);
  EXPECT_NE(ParseError("age=95+").find("does not start a 10-year band"), std::string::npos);
  EXPECT_NE(ParseError("age=69-60").find("reversed"), std::string::npos);
  EXPECT_NE(ParseError("age=old").find("unknown age 'old'"), std::string::npos);
}

TEST(Cohort, ColumnsCountCharactersNotBytes) {
  // 認知症 is three characters (nine bytes), each two terminal columns wide.
  std::string message = ParseError("disease=認知症 & agee=1");
  EXPECT_NE(message.find("unknown attribute 'agee' at column 15"), std::string::npos) << message;
  EXPECT_TRUE(message.ends_with("\n" + std::string(2 + 8 + 6 + 3, ' ') + "^")) << message;
}

TEST(Cohort, CanonicalForm) {
  EXPECT_EQ(Canonical("AGE=70-79,60-69 & Sex=MALE"), "age=60-69,70-79 & sex=male");
  EXPECT_EQ(Canonical("age=60-79"), "age=60-69,70-79");
  EXPECT_EQ(Canonical("region=関東,kanto | prefecture=Tokyo,1"), "region=kanto | prefecture=01,13");
  EXPECT_EQ(Canonical("icd10=f001,F00-F03 & disease=t2d,認知症,V"),
            "icd10=F00.1,F00-F03 & disease=type2-diabetes,dementia,chapter:V");
  EXPECT_EQ(Canonical("(sex=male | sex=female) & age=90+"), "(sex=male | sex=female) & age=90+");
  EXPECT_EQ(Canonical("sex=male | (sex=female & age=90+)"), "sex=male | sex=female & age=90+");
  EXPECT_EQ(Canonical("!(sex=male & age=90+)"), "!(sex=male & age=90+)");
  EXPECT_EQ(Canonical("((sex=male & age=90+) & region=kanto)"),
            "sex=male & age=90+ & region=kanto");
  EXPECT_EQ(Canonical("sex!=male"), "sex!=male");
  EXPECT_EQ(Canonical("disease=\"Vascular dementia\""), "disease=\"Vascular dementia\"");
  EXPECT_EQ(Canonical("biobank=TMM,TMM,BBJ"), "biobank=TMM,BBJ");
}

TEST(Cohort, CanonicalFormParsesToTheSameCohort) {
  const SampleTable table = Table();
  for (std::string_view expr :
       {"age=60-79 & !(sex=male | region=kanto)", "disease=dementia,\"Vascular dementia\"",
        "sex=unknown | sex=male & age=60-69", "biobank=TMM & icd10=F00-F03", "", "all"}) {
    Result<Cohort> first = Cohort::Parse(expr);
    ASSERT_TRUE(first.ok()) << expr;
    Result<Cohort> second = Cohort::Parse(first->ToString());
    ASSERT_TRUE(second.ok()) << first->ToString() << ": " << second.status().message();
    EXPECT_EQ(second->ToString(), first->ToString());
    EXPECT_EQ(*second->Evaluate(table), *first->Evaluate(table)) << expr;
  }
}

TEST(Cohort, MaskLayout) {
  // 130 samples: 3 words, high bits of the last word zero even for negations.
  std::string text = "sample_id\tbiobank\tage_band\tsex\tprefecture\ticd10\n";
  for (int i = 0; i < 130; ++i) {
    text += "x" + std::to_string(i) + "\tTMM\t60-69\t" + (i % 2 ? "female" : "male") + "\t13\t\n";
  }
  SampleTable table = *SampleTable::ParseTsv(text, "big.tsv");
  std::vector<uint64_t> all = *Cohort::Parse("")->Evaluate(table);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0], ~uint64_t{0});
  EXPECT_EQ(all[2], uint64_t{3});
  std::vector<uint64_t> female = *Cohort::Parse("sex!=male")->Evaluate(table);
  EXPECT_EQ(female[0], 0xAAAAAAAAAAAAAAAAull);
  EXPECT_EQ(female[2], uint64_t{2});  // x129 only
  EXPECT_EQ(CountBits(female), 65u);
  std::vector<uint64_t> none = *Cohort::Parse("!all")->Evaluate(table);
  EXPECT_EQ(CountBits(none), 0u);
  EXPECT_EQ(Cohort::Parse("")->Evaluate(SampleTable())->size(), 0u);
}

}  // namespace
}  // namespace renkei

namespace renkei {
namespace {

TEST(CohortNamesSamplesTest, DetectsSampleTermsAnywhere) {
  EXPECT_FALSE(Cohort().NamesSamples());
  EXPECT_FALSE(Cohort::Parse("age=60-69 & sex=male")->NamesSamples());
  EXPECT_TRUE(Cohort::Parse("sample=S1")->NamesSamples());
  EXPECT_TRUE(Cohort::Parse("age=60-69 & !(sex=male | sample!=S1,S2)")->NamesSamples());
}

}  // namespace
}  // namespace renkei
