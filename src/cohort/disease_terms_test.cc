#include "cohort/disease_terms.h"

#include <gtest/gtest.h>

#include <set>

#include "cohort/icd10_catalog.h"

namespace renkei {
namespace {

Icd10Code Code(std::string_view text) { return *Icd10Code::Parse(text); }

std::string Resolve(std::string_view term) {
  Result<ResolvedDiseaseTerm> r = ResolveDiseaseTermDetailed(term);
  if (!r.ok()) return "error: " + r.status().message();
  return r->canonical + " = " + r->codes.ToString();
}

std::string ErrorOf(std::string_view term) {
  Result<Icd10CodeSet> r = ResolveDiseaseTerm(term);
  EXPECT_FALSE(r.ok()) << term;
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  return r.status().message();
}

TEST(DiseaseGroups, TableIsConsistent) {
  std::set<std::string_view> keys;
  const Icd10Catalog& catalog = Icd10Catalog::Get();
  for (const DiseaseGroup& g : DiseaseGroups()) {
    EXPECT_TRUE(keys.insert(g.key).second) << g.key;
    Icd10CodeSet codes = DiseaseGroupCodes(g);
    EXPECT_FALSE(codes.empty()) << g.key;
    // Every group denotes at least one known code, and its own key finds it.
    bool any = false;
    for (Icd10Code code : catalog.codes()) any = any || codes.Matches(code);
    EXPECT_TRUE(any) << g.key;
    EXPECT_EQ(FindDiseaseGroup(g.key), &g);
    EXPECT_EQ(FindDiseaseGroup(g.name_ja), &g) << g.name_ja;
  }
  EXPECT_EQ(keys.size(), 31u);
}

TEST(DiseaseGroups, CodesAsSpecified) {
  auto codes = [](std::string_view key) {
    return DiseaseGroupCodes(*FindDiseaseGroup(key)).ToString();
  };
  EXPECT_EQ(codes("dementia"), "F00-F03,G30-G31");
  EXPECT_EQ(codes("alzheimers"), "F00,G30");
  EXPECT_EQ(codes("type2-diabetes"), "E11");
  EXPECT_EQ(codes("diabetes"), "E10-E14");
  EXPECT_EQ(codes("hypertension"), "I10-I15");
  EXPECT_EQ(codes("ischaemic-heart-disease"), "I20-I25");
  EXPECT_EQ(codes("stroke"), "I60-I64");
  EXPECT_EQ(codes("cancer"), "C00-C97");
  EXPECT_EQ(codes("colorectal-cancer"), "C18-C20");
  EXPECT_EQ(codes("lung-cancer"), "C33-C34");
  EXPECT_EQ(codes("oesophageal-cancer"), "C15");
}

TEST(DiseaseGroups, AliasesAndJapaneseNames) {
  auto key = [](std::string_view name) -> std::string_view {
    const DiseaseGroup* g = FindDiseaseGroup(name);
    return g ? g->key : "(none)";
  };
  EXPECT_EQ(key("t2d"), "type2-diabetes");
  EXPECT_EQ(key("Type 2 diabetes"), "type2-diabetes");
  EXPECT_EQ(key("alzheimer"), "alzheimers");
  EXPECT_EQ(key("Alzheimer's"), "alzheimers");
  EXPECT_EQ(key("ischemic-heart-disease"), "ischaemic-heart-disease");
  EXPECT_EQ(key("esophageal-cancer"), "oesophageal-cancer");
  EXPECT_EQ(key("dyslipidemia"), "dyslipidaemia");
  EXPECT_EQ(key("DEMENTIA"), "dementia");
  EXPECT_EQ(key("認知症"), "dementia");
  EXPECT_EQ(key("2型糖尿病"), "type2-diabetes");
  EXPECT_EQ(key("胃癌"), "gastric-cancer");
  EXPECT_EQ(key("胃がん"), "gastric-cancer");
  EXPECT_EQ(key("大腸癌"), "colorectal-cancer");
  EXPECT_EQ(key("肺癌"), "lung-cancer");
  EXPECT_EQ(key("乳癌"), "breast-cancer");
  EXPECT_EQ(key("脳卒中"), "stroke");
  EXPECT_EQ(key("虚血性心疾患"), "ischaemic-heart-disease");
  EXPECT_EQ(key("高血圧"), "hypertension");
  EXPECT_EQ(key("xyz"), "(none)");
}

TEST(ResolveDiseaseTerm, Codes) {
  EXPECT_EQ(Resolve("E11"), "E11 = E11");
  EXPECT_EQ(Resolve("F00.1"), "F00.1 = F00.1");
  EXPECT_EQ(Resolve("f001"), "F00.1 = F00.1");
  EXPECT_EQ(ErrorOf("F99.9"), "unknown ICD-10 code 'F99.9'");
  EXPECT_NE(ErrorOf("F0012").find("malformed ICD-10 code 'F0012'"), std::string::npos);
}

TEST(ResolveDiseaseTerm, RangesBlocksAndChapters) {
  EXPECT_EQ(Resolve("F00-F03"), "F00-F03 = F00-F03");
  EXPECT_EQ(Resolve("F00-F09"), "F00-F09 = F00-F09");  // a block
  EXPECT_EQ(Resolve("A00-B99"), "A00-B99 = A00-B99");  // a chapter's range
  EXPECT_EQ(Resolve("chapter:V"), "chapter:V = F00-F99");
  EXPECT_EQ(Resolve("V"), "chapter:V = F00-F99");
  EXPECT_EQ(Resolve("chapter:xix"), "chapter:XIX = S00-T98");
  EXPECT_NE(ErrorOf("chapter:XXX").find("unknown ICD-10 chapter 'chapter:XXX'"), std::string::npos);
  EXPECT_NE(ErrorOf("F03-F00").find("malformed ICD-10 range 'F03-F00'"), std::string::npos);
  EXPECT_EQ(ErrorOf("U90-U99"), "ICD-10 range 'U90-U99' contains no known code");

  Icd10CodeSet range = *ResolveDiseaseTerm("F00-F03");
  EXPECT_TRUE(range.Matches(Code("F01.2")));
  EXPECT_FALSE(range.Matches(Code("F04")));
  Icd10CodeSet chapter = *ResolveDiseaseTerm("chapter:V");
  EXPECT_TRUE(chapter.Matches(Code("F99")));
  EXPECT_FALSE(chapter.Matches(Code("G00")));
}

TEST(ResolveDiseaseTerm, Groups) {
  EXPECT_EQ(Resolve("dementia"), "dementia = F00-F03,G30-G31");
  EXPECT_EQ(Resolve("t2d"), "type2-diabetes = E11");
  EXPECT_EQ(Resolve("認知症"), "dementia = F00-F03,G30-G31");  // group before name index
  Icd10CodeSet dementia = *ResolveDiseaseTerm("dementia");
  EXPECT_TRUE(dementia.Matches(Code("G30.1")));
  EXPECT_TRUE(dementia.Matches(Code("F02")));
  EXPECT_FALSE(dementia.Matches(Code("F04")));
}

TEST(ResolveDiseaseTerm, DiseaseNames) {
  // Japanese exact names via the index; several codes give the union.
  EXPECT_EQ(Resolve("血管性認知症"), "血管性認知症 = F01");
  EXPECT_EQ(Resolve("アンフェタミン依存"), "アンフェタミン依存 = F15.2");
  Icd10CodeSet ms = *ResolveDiseaseTerm("ms");  // index: ms -> I05.0, G35
  EXPECT_TRUE(ms.Matches(Code("I05.0")));
  EXPECT_TRUE(ms.Matches(Code("G35")));
  // Japanese substring.
  Icd10CodeSet alz = *ResolveDiseaseTerm("アルツハイマー");
  EXPECT_TRUE(alz.Matches(Code("G30.9")));
  // English exact title, then substring.
  EXPECT_EQ(Resolve("Vascular dementia"), "Vascular dementia = F01");
  Icd10CodeSet cholera = *ResolveDiseaseTerm("cholera");
  EXPECT_TRUE(cholera.Matches(Code("A00.1")));
  EXPECT_EQ(ErrorOf("xyz"),
            "no disease matches 'xyz'; try an ICD-10 code such as E11 or a group such as "
            "type2-diabetes");
  EXPECT_EQ(ErrorOf("  "), "empty disease term");
}

}  // namespace
}  // namespace renkei
