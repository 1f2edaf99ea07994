// The frequency engine must equal bcftools exactly: `bcftools view -s <cohort>` then
// `+fill-tags -t AC,AN,AF,AC_Hom,AC_Het,AC_Hemi,NS`, on bcftools' own test cases, on a
// hand-written fixture of edge cases, and on simulated data. bcftools is the truth here.
#include <gtest/gtest.h>

#include <cctype>
#include <random>
#include <set>

#include "test_util.h"

namespace renkei::testing {
namespace {

const std::string kTagList = " -- -t AC,AN,AF,AC_Hom,AC_Het,AC_Hemi,NS";
const std::string kFillTags = "bcftools +fill-tags" + kTagList;

// Writes a valid samples file for the given ids (metadata values rotate).
void WriteSamplesFor(const std::vector<std::string>& ids, const std::string& path) {
  std::string text = "sample_id\tbiobank\tage_band\tsex\tprefecture\ticd10\n";
  const char* ages[] = {"60-69", "40-49", "70-79"};
  const char* sexes[] = {"male", "female"};
  for (size_t i = 0; i < ids.size(); ++i) {
    text += ids[i] + "\tTMM\t" + ages[i % 3] + "\t" + sexes[i % 2] + "\t04\tE11\n";
  }
  WriteFile(path, text);
}

std::vector<std::string> VcfSamples(const std::string& vcf) {
  auto r = Shell("bcftools query -l " + vcf);
  std::vector<std::string> ids;
  std::istringstream in(r.output);
  std::string id;
  while (std::getline(in, id)) ids.push_back(id);
  return ids;
}

// Compares renkei's VCF output with bcftools' for every tag bcftools wrote.
void ExpectSameCounts(const std::string& expected_text, const std::string& actual_text,
                      const std::string& what) {
  auto expected = ParseVcfText(expected_text);
  auto actual = ParseVcfText(actual_text);
  ASSERT_EQ(expected.size(), actual.size()) << what;
  for (size_t i = 0; i < expected.size(); ++i) {
    ASSERT_EQ(expected[i].site, actual[i].site) << what << " line " << i;
    for (const auto& tag : CountTags()) {
      auto e = expected[i].info.find(tag);
      if (e == expected[i].info.end()) continue;
      auto a = actual[i].info.find(tag);
      ASSERT_NE(a, actual[i].info.end()) << what << " " << expected[i].site << " lacks " << tag;
      EXPECT_EQ(e->second, a->second) << what << " " << expected[i].site << " " << tag;
    }
  }
}

std::string Ingest(const TempDir& dir, const std::string& vcf, const std::string& samples) {
  std::string store = dir / "store";
  auto r = Shell(
      Renkei() + " ingest --vcf " + vcf + " --samples " + samples + " --out " + store + " --force",
      true);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return store;
}

std::string RenkeiVcf(const std::string& store, const std::string& cohort) {
  auto r = Shell(Renkei() + " freq --store " + store + " --format vcf --cohort '" + cohort + "'");
  EXPECT_EQ(r.exit_code, 0) << cohort;
  return r.output;
}

std::string BcftoolsSubset(const std::string& vcf, const std::vector<std::string>& ids) {
  std::string list;
  for (const auto& id : ids) list += (list.empty() ? "" : ",") + id;
  auto r = Shell("bcftools view -s " + list + " " + vcf + " | " + kFillTags);
  EXPECT_EQ(r.exit_code, 0);
  return r.output;
}

// bcftools' own +fill-tags test cases, with their expected outputs from bcftools' test suite.
struct SuiteCase {
  const char* input;
  const char* expected;
};

class FillTagsSuite : public ::testing::TestWithParam<SuiteCase> {};

TEST_P(FillTagsSuite, MatchesBcftoolsExpectedOutputAndLiveBcftools) {
  const std::string dir = SharedDir() + "/third_party/bcftools-fill-tags-tests/";
  const std::string vcf = dir + GetParam().input;
  TempDir tmp;
  WriteSamplesFor(VcfSamples(vcf), tmp / "samples.tsv");
  std::string store = Ingest(tmp, vcf, tmp / "samples.tsv");
  std::string ours = RenkeiVcf(store, "all");
  ExpectSameCounts(ReadFile(dir + GetParam().expected), ours, "expected file");
  ExpectSameCounts(Shell("bcftools +fill-tags " + vcf + kTagList).output, ours, "live bcftools");
}

INSTANTIATE_TEST_SUITE_P(Bcftools, FillTagsSuite,
                         ::testing::Values(SuiteCase{"merge.a.vcf", "fill-tags.out"},
                                           SuiteCase{"view.vcf", "fill-tags.2.out"},
                                           SuiteCase{"many-alts.vcf", "fill-tags.4.out"},
                                           SuiteCase{"fill-tags-hemi.vcf", "fill-tags-hemi.1.out"},
                                           SuiteCase{"fill-tags-AN0.vcf", "fill-tags-AN0.out"},
                                           SuiteCase{"fill-tags-hwe.vcf", "fill-tags-hwe.out"}),
                         [](const ::testing::TestParamInfo<SuiteCase>& param_info) {
                           std::string name = param_info.param.input;
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

// Hand-written edge cases: multi-allelic, `*` and symbolic alleles, ALT '.', all-missing,
// half-missing, phased, haploid chrX/Y. Cohorts are computed here from the samples file
// independently of renkei's cohort language.
TEST(EdgeCases, EveryCohortEqualsBcftoolsOnTheSameSubset) {
  const std::string vcf = TestData() + "/edge_cases.vcf";
  TempDir tmp;
  std::string store = Ingest(tmp, vcf, TestData() + "/edge_cases.samples.tsv");
  WriteFile(tmp / "ids.txt", "# three samples\nS2\nS4\n\nS6\n");
  struct Case {
    std::string cohort;
    std::vector<std::string> ids;
  };
  std::vector<Case> cases = {
      {"all", {"S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8"}},
      {"sex=male", {"S1", "S3", "S5", "S7"}},
      {"age=60-69", {"S1", "S2", "S5"}},
      {"region=kanto", {"S2", "S3", "S8"}},                    // 13, Tokyo, 14
      {"region=kinki | region=hokkaido", {"S4", "S5", "S6"}},  // 27, 大阪府, 01
      {"icd10=F00-F03 | disease=alzheimers", {"S1", "S5", "S7"}},
      {"icd10=E11 & sex=female", {"S2"}},
      {"!biobank=TMM", {"S3", "S4", "S5", "S6", "S8"}},
      {"sample=@" + (tmp / "ids.txt"), {"S2", "S4", "S6"}},
      {"age=60-79 & !(sex=female)", {"S1", "S3", "S5"}},
  };
  for (const auto& c : cases) {
    ExpectSameCounts(BcftoolsSubset(vcf, c.ids), RenkeiVcf(store, c.cohort), c.cohort);
  }
}

// Simulated whole-genome-like data: many cohorts, every site.
class Simulated : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    auto r = Shell(Renkei() + " simulate --site TMM --samples 300 --variants 4000 --seed 7 --out " +
                       (*dir_ / "sim"),
                   true);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    store_ = Ingest(*dir_, *dir_ / "sim/genotypes.bcf", *dir_ / "sim/samples.tsv");
    // Parse the samples file independently: id → fields.
    std::istringstream in(ReadFile(*dir_ / "sim/samples.tsv"));
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
      std::vector<std::string> f;
      std::istringstream ls(line);
      std::string x;
      while (std::getline(ls, x, '\t')) f.push_back(x);
      while (f.size() < 6) f.push_back("");
      rows_.push_back(f);
    }
  }
  static void TearDownTestSuite() { delete dir_; }

  template <typename Pred>
  static std::vector<std::string> Ids(Pred pred) {
    std::vector<std::string> ids;
    for (const auto& f : rows_) {
      if (pred(f)) ids.push_back(f[0]);
    }
    return ids;
  }

  static TempDir* dir_;
  static std::string store_;
  static std::vector<std::vector<std::string>> rows_;
};
TempDir* Simulated::dir_ = nullptr;
std::string Simulated::store_;
std::vector<std::vector<std::string>> Simulated::rows_;

TEST_F(Simulated, CohortsEqualBcftools) {
  const std::string bcf = *dir_ / "sim/genotypes.bcf";
  auto tohoku = [](const std::vector<std::string>& f) {
    int p = std::stoi(f[4]);
    return p >= 2 && p <= 7;
  };
  std::mt19937 rng(3);
  std::vector<std::string> third;
  for (const auto& f : rows_) {
    if (rng() % 3 == 0) third.push_back(f[0]);
  }
  std::string ids_file = *dir_ / "third.txt";
  std::string ids_text;
  for (const auto& id : third) ids_text += id + "\n";
  WriteFile(ids_file, ids_text);

  ExpectSameCounts(Shell("bcftools +fill-tags " + bcf + kTagList).output, RenkeiVcf(store_, "all"),
                   "all");
  ExpectSameCounts(BcftoolsSubset(bcf, Ids([](auto& f) { return f[3] == "male"; })),
                   RenkeiVcf(store_, "sex=male"), "males");
  ExpectSameCounts(BcftoolsSubset(bcf, Ids([&](auto& f) {
                                    return f[3] == "female" &&
                                           (f[2] == "60-69" || f[2] == "70-79") && tohoku(f);
                                  })),
                   RenkeiVcf(store_, "sex=female & age=60-79 & region=tohoku"), "4-attribute");
  ExpectSameCounts(BcftoolsSubset(bcf, third), RenkeiVcf(store_, "sample=@" + ids_file),
                   "random third");
}

// Preset strata served from the ingest-time table equal bcftools on each stratum's samples.
TEST_F(Simulated, PresetStrataEqualBcftools) {
  const std::string bcf = *dir_ / "sim/genotypes.bcf";
  // A common variant on chr1 and one on chrX (haploid males).
  for (const char* region : {"chr1", "chrX"}) {
    // A common biallelic site: the only row at its position, 0.1 < AF < 0.9.
    auto r =
        Shell(Renkei() + " freq --store " + store_ + " --region " + region +
              " | awk -F'\\t' 'NR>2 {n[$2]++; if ($8>0.1 && $8<0.9) c[$2]=$1\":\"$2\":\"$4\":\"$5}"
              " END {for (p in c) if (n[p]==1) {print c[p]; exit}}'");
    std::string variant = r.output.substr(0, r.output.find('\n'));
    ASSERT_FALSE(variant.empty()) << region;
    auto strata = Shell(Renkei() + " strata --store " + store_ + " --variant " + variant);
    ASSERT_EQ(strata.exit_code, 0) << variant;
    std::istringstream in(strata.output);
    std::string line;
    std::getline(in, line);  // header
    int checked = 0;
    while (std::getline(in, line)) {
      std::vector<std::string> f;
      std::istringstream ls(line);
      std::string x;
      while (std::getline(ls, x, '\t')) f.push_back(x);
      ASSERT_EQ(f.size(), 15u) << line;
      const std::string& attr = f[0];
      const std::string& value = f[1];
      std::vector<std::string> ids;
      if (attr == "sex")
        ids = Ids([&](auto& s) { return s[3] == value; });
      else if (attr == "age")
        ids = Ids([&](auto& s) { return s[2] == value; });
      else if (attr == "biobank")
        ids = Ids([&](auto& s) { return s[1] == value; });
      else
        continue;
      EXPECT_EQ(std::to_string(ids.size()), f[2]) << line;
      if (ids.empty()) continue;
      std::string pos = variant.substr(0, variant.find(':', variant.find(':') + 1));
      std::string list;
      for (auto& id : ids) list += (list.empty() ? "" : ",") + id;
      std::string cmd = "bcftools view -r " + pos + " -s " + list + " " + bcf + " | " + kFillTags;
      auto truth = ParseVcfText(Shell(cmd).output);
      ASSERT_GE(truth.size(), 1u) << cmd;
      const auto& t = truth[0].info;
      EXPECT_EQ(t.at("AC"), f[8]) << line;
      EXPECT_EQ(t.at("AN"), f[9]) << line;
      EXPECT_EQ(t.at("AF"), f[10]) << line;
      EXPECT_EQ(t.at("AC_Hom"), f[11]) << line;
      EXPECT_EQ(t.at("AC_Het"), f[12]) << line;
      EXPECT_EQ(t.at("AC_Hemi"), f[13]) << line;
      EXPECT_EQ(t.at("NS"), f[14]) << line;
      ++checked;
    }
    EXPECT_GE(checked, 10) << variant;
  }
}

}  // namespace
}  // namespace renkei::testing
