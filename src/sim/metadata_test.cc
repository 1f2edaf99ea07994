#include "sim/metadata.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cohort/vocab.h"

namespace renkei {
namespace {

// Codes of the WHO ICD-10 table (categories and subcategories), read directly from the file.
std::set<std::string> WhoCodes() {
  std::set<std::string> codes;
  std::ifstream in(std::string(RENKEI_SHARED_DIR) + "/data/icd10/who_icd10_en.tsv");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string kind, code;
    std::getline(f, kind, '\t');
    std::getline(f, code, '\t');
    if (kind == "category" || kind == "subcategory") codes.insert(code);
  }
  return codes;
}

bool AnyWithPrefix(const Sample& s, std::string_view prefix) {
  for (Icd10Code c : s.icd10) {
    if (c.ToString().compare(0, prefix.size(), prefix) == 0) return true;
  }
  return false;
}

// The samples as a vector; fails the test if simulation fails.
std::vector<Sample> Simulated(std::string_view biobank, uint32_t count, uint64_t seed) {
  Result<SampleTable> table = SimulateSamples(biobank, count, seed);
  EXPECT_TRUE(table.ok()) << table.status().ToString();
  if (!table.ok()) return {};
  return {table->samples().begin(), table->samples().end()};
}

std::string Band(const Sample& s) { return std::string(AgeBandName(s.age_band)); }

TEST(SimMetadata, EveryCodeIsAWhoIcd10Code) {
  const std::set<std::string> who = WhoCodes();
  ASSERT_GT(who.size(), 10000u);
  ASSERT_FALSE(SimIcd10Codes().empty());
  for (Icd10Code code : SimIcd10Codes()) EXPECT_TRUE(who.count(code.ToString())) << code.ToString();
  for (const char* biobank : {"TMM", "BBJ", "NCBN", "NCGM"}) {
    for (const Sample& s : Simulated(biobank, 2000, 5)) {
      std::set<std::string> seen;
      for (Icd10Code code : s.icd10) {
        EXPECT_TRUE(who.count(code.ToString())) << code.ToString();
        EXPECT_TRUE(seen.insert(code.ToString()).second) << "duplicate " << code.ToString();
      }
    }
  }
}

TEST(SimMetadata, DiseasePrevalencesAreRealisticAndAgeDependent) {
  const auto samples = Simulated("NCGM", 20000, 11);
  std::map<std::string, int> band_count, band_i10, band_dementia;
  int i10 = 0, e11 = 0, dementia = 0, dementia_80plus = 0, none = 0, breast_male = 0,
      prostate_female = 0;
  for (const Sample& s : samples) {
    ++band_count[Band(s)];
    const bool has_i10 = AnyWithPrefix(s, "I10");
    const bool has_dementia = AnyWithPrefix(s, "F00") || AnyWithPrefix(s, "F01") ||
                              AnyWithPrefix(s, "F03") || AnyWithPrefix(s, "G30");
    i10 += has_i10;
    e11 += AnyWithPrefix(s, "E11");
    band_i10[Band(s)] += has_i10;
    dementia += has_dementia;
    dementia_80plus += has_dementia && (Band(s) == "80-89" || Band(s) == "90+");
    none += s.icd10.empty();
    breast_male += s.sex == Sex::kMale && AnyWithPrefix(s, "C50");
    prostate_female += s.sex == Sex::kFemale && AnyWithPrefix(s, "C61");
  }
  const double n = static_cast<double>(samples.size());
  EXPECT_NEAR(i10 / n, 0.25, 0.07);
  EXPECT_NEAR(e11 / n, 0.10, 0.04);
  EXPECT_GT(dementia, 0);
  EXPECT_GT(dementia_80plus, dementia / 2);
  EXPECT_GT(none, n * 0.2);
  EXPECT_EQ(breast_male, 0);
  EXPECT_EQ(prostate_female, 0);
  auto rate = [&](const std::string& band) {
    return static_cast<double>(band_i10[band]) / band_count[band];
  };
  EXPECT_LT(rate("30-39"), rate("50-59"));
  EXPECT_LT(rate("50-59"), rate("70-79"));
}

TEST(SimMetadata, ProfilesFollowTheBiobank) {
  auto share = [](const std::vector<Sample>& v, auto pred) {
    int k = 0;
    for (const Sample& s : v) k += pred(s);
    return static_cast<double>(k) / static_cast<double>(v.size());
  };
  const auto tmm = Simulated("TMM", 5000, 1);
  const auto bbj = Simulated("BBJ", 5000, 1);
  const auto ncbn = Simulated("NCBN", 5000, 1);
  const auto other = Simulated("XYZ", 5000, 1);
  EXPECT_EQ(tmm[0].id, "TMM000001");
  EXPECT_EQ(ncbn[4999].id, "NCBN005000");
  EXPECT_EQ(bbj[0].biobank, "BBJ");
  // Home regions.
  auto tohoku = [](const Sample& s) { return s.prefecture >= 2 && s.prefecture <= 7; };
  auto kanto = [](const Sample& s) { return s.prefecture >= 8 && s.prefecture <= 14; };
  EXPECT_GT(share(tmm, [](const Sample& s) { return s.prefecture == 4; }), 0.5);
  EXPECT_GT(share(tmm, tohoku), 0.9);
  EXPECT_NEAR(share(bbj, kanto), 0.35, 0.05);  // Kanto is ~35% of Japan
  EXPECT_GT(share(ncbn, kanto), 0.55);
  EXPECT_LT(share(bbj, tohoku), 0.12);
  std::set<int> prefectures;
  for (const Sample& s : other) prefectures.insert(s.prefecture);
  EXPECT_EQ(prefectures.size(), 47u);
  // Ages skewed older; sex balanced with a handful unknown.
  for (const auto* v : {&tmm, &bbj, &ncbn, &other}) {
    EXPECT_GT(share(*v,
                    [](const Sample& s) {
                      return Band(s) == "40-49" || Band(s) == "50-59" || Band(s) == "60-69" ||
                             Band(s) == "70-79";
                    }),
              0.6);
    const double male = share(*v, [](const Sample& s) { return s.sex == Sex::kMale; });
    EXPECT_GT(male, 0.35);
    EXPECT_LT(male, 0.6);
    const double unknown = share(*v, [](const Sample& s) { return s.sex == Sex::kUnknown; });
    EXPECT_GT(unknown, 0.0);
    EXPECT_LT(unknown, 0.01);
  }
}

TEST(SimMetadata, SameSeedSameSamples) {
  const auto a = Simulated("BBJ", 300, 9);
  const auto b = Simulated("BBJ", 300, 9);
  const auto c = Simulated("BBJ", 300, 10);
  ASSERT_EQ(a.size(), 300u);
  ASSERT_EQ(a.size(), b.size());
  int differ = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].id, b[i].id);
    EXPECT_EQ(a[i].age_band, b[i].age_band);
    EXPECT_EQ(a[i].sex, b[i].sex);
    EXPECT_EQ(a[i].prefecture, b[i].prefecture);
    EXPECT_EQ(a[i].icd10, b[i].icd10);
    differ += a[i].age_band != c[i].age_band || a[i].prefecture != c[i].prefecture;
  }
  EXPECT_GT(differ, 100);
}

TEST(SimMetadata, PartsOfASplitBiobankStartAtTheirSerial) {
  Result<SampleTable> part = SimulateSamples("NCBN", 3, 7, 3278);
  ASSERT_TRUE(part.ok());
  EXPECT_EQ((*part)[0].id, "NCBN003278");
  EXPECT_EQ((*part)[2].id, "NCBN003280");
}

TEST(SimMetadata, RejectsAnEmptyBiobank) {
  EXPECT_EQ(SimulateSamples("", 3, 1).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace renkei
