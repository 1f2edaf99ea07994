#include "cohort/strata_def.h"

#include <gtest/gtest.h>

#include "cohort/cohort.h"
#include "cohort/sample_mask.h"

namespace renkei {
namespace {

SampleTable Table() {
  Result<SampleTable> t = SampleTable::ParseTsv(
      "sample_id\tbiobank\tage_band\tsex\tprefecture\ticd10\n"
      "s0\tTMM\t60-69\tmale\t13\tF00.1\n"
      "s1\tTMM\t70-79\tfemale\t04\tG30.1,E11\n"
      "s2\tBBJ\t60-69\tfemale\t27\tE11.9\n"
      "s3\tBBJ\t90+\tmale\t01\t\n"
      "s4\tNCBN\t40-49\tunknown\t47\tF04\n",
      "t.tsv");
  EXPECT_TRUE(t.ok()) << t.status().message();
  return *t;
}

std::string Members(const StratumDef& def, const SampleTable& table) {
  std::vector<uint64_t> mask = StratumMask(def, table);
  EXPECT_EQ(mask.size(), MaskWords(table.size()));
  std::string out;
  for (size_t i = 0; i < table.size(); ++i) {
    if (TestBit(mask, i)) out += (out.empty() ? "" : " ") + table[i].id;
  }
  return out;
}

TEST(PresetStrata, FixedOrderWithEveryValue) {
  std::vector<StratumDef> strata = PresetStrata(Table());
  // 10 age bands + 3 sexes + 8 regions + 22 chapters + 31 disease groups + 3 biobanks.
  ASSERT_EQ(strata.size(), 10u + 3 + 8 + 22 + 31 + 3);
  EXPECT_EQ(strata[0], (StratumDef{"age", "0-9"}));
  EXPECT_EQ(strata[9], (StratumDef{"age", "90+"}));
  EXPECT_EQ(strata[10], (StratumDef{"sex", "male"}));
  EXPECT_EQ(strata[12], (StratumDef{"sex", "unknown"}));
  EXPECT_EQ(strata[13], (StratumDef{"region", "hokkaido"}));
  EXPECT_EQ(strata[20], (StratumDef{"region", "kyushu-okinawa"}));
  EXPECT_EQ(strata[21], (StratumDef{"icd10_chapter", "I"}));
  EXPECT_EQ(strata[42], (StratumDef{"icd10_chapter", "XXII"}));
  EXPECT_EQ(strata[43], (StratumDef{"disease", "dementia"}));
  EXPECT_EQ(strata[73], (StratumDef{"disease", "oesophageal-cancer"}));
  EXPECT_EQ(strata[74], (StratumDef{"biobank", "BBJ"}));
  EXPECT_EQ(strata[75], (StratumDef{"biobank", "NCBN"}));
  EXPECT_EQ(strata[76], (StratumDef{"biobank", "TMM"}));
  EXPECT_EQ(PresetStrata(SampleTable()).size(), 10u + 3 + 8 + 22 + 31);
}

TEST(StratumMask, EachAttribute) {
  const SampleTable t = Table();
  EXPECT_EQ(Members({"age", "60-69"}, t), "s0 s2");
  EXPECT_EQ(Members({"age", "0-9"}, t), "");
  EXPECT_EQ(Members({"sex", "female"}, t), "s1 s2");
  EXPECT_EQ(Members({"region", "kanto"}, t), "s0");
  EXPECT_EQ(Members({"region", "tohoku"}, t), "s1");
  EXPECT_EQ(Members({"icd10_chapter", "V"}, t), "s0 s4");
  EXPECT_EQ(Members({"icd10_chapter", "IV"}, t), "s1 s2");
  EXPECT_EQ(Members({"icd10_chapter", "VI"}, t), "s1");
  EXPECT_EQ(Members({"disease", "dementia"}, t), "s0 s1");
  EXPECT_EQ(Members({"disease", "type2-diabetes"}, t), "s1 s2");
  EXPECT_EQ(Members({"biobank", "BBJ"}, t), "s2 s3");
  EXPECT_EQ(Members({"biobank", "bbj"}, t), "");
  EXPECT_EQ(Members({"colour", "red"}, t), "");
  EXPECT_EQ(Members({"age", "65-74"}, t), "");
}

TEST(StratumMask, AgreesWithTheCohortLanguage) {
  const SampleTable t = Table();
  for (const StratumDef& def : PresetStrata(t)) {
    std::string attribute = def.attribute == "icd10_chapter" ? "icd10" : def.attribute;
    std::string value = def.attribute == "icd10_chapter" ? "chapter:" + def.value : def.value;
    Result<Cohort> cohort = Cohort::Parse(attribute + "=\"" + value + "\"");
    ASSERT_TRUE(cohort.ok()) << cohort.status().message();
    EXPECT_EQ(StratumMask(def, t), *cohort->Evaluate(t)) << def.attribute << "=" << def.value;
  }
}

}  // namespace
}  // namespace renkei
