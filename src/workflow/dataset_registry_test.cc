#include "workflow/dataset_registry.h"

#include <gtest/gtest.h>

#include "db/testing.h"
#include "workflow/test_util.h"

namespace renkei::workflow {
namespace {

using nlohmann::json;
using workflow_test::T;

constexpr char kHeader[] = "sample_id\tbiobank\tage_band\tsex\tprefecture\ticd10\n";

json Description(std::string title = "TMM whole genomes, 2024 release") {
  return {{"title", title},
          {"description", "Whole-genome sequences of community cohort participants."},
          {"study", {{"title", "Tohoku Medical Megabank community cohort"}, {"type", "cohort"}}},
          {"policy", "Health and medical research; ethics approval required."},
          {"data_use", {{"permission", "HMB"}, {"modifiers", json::array({{{"term", "IRB"}}})}}},
          {"dac", {{"name", "Tohoku DAC"}, {"contact", "dac@example.jp"}}},
          {"sequencing", {{"platform", "Illumina NovaSeq 6000"}, {"coverage", "30x"}}},
          {"analysis", {{"reference", "GRCh38"}, {"pipeline", "GATK 4.2"}}}};
}

class DatasetRegistryTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(db_.Open(GetParam(), {{6, "datasets", kDatasetsSchemaSql}}));
    if (db_.skipped()) return;
    registry_ = std::make_unique<DatasetRegistry>(db_.db());
  }

  DatasetVersion MustRegister(const json& description, const std::string& samples, int64_t expected,
                              int day = 1) {
    auto v = registry_->Register("tmm_wgs", "tohoku", description, samples, "site-admin-1",
                                 T(2026, 11, day), expected);
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return v.ok() ? *v : DatasetVersion{};
  }

  db::TestDatabase db_;
  std::unique_ptr<DatasetRegistry> registry_;
};

TEST_P(DatasetRegistryTest, VersionsRecordWhoWhenAndWhatChanged) {
  const std::string v1_samples = std::string(kHeader) +
                                 "S1\tTMM\t60-69\tmale\tMiyagi\tE11\n"
                                 "S2\tTMM\t40-49\tfemale\t04\t\n"
                                 "S3\tTMM\t70-79\tmale\t宮城県\tI10,F03\n";
  const DatasetVersion v1 = MustRegister(Description(), v1_samples, 0);
  EXPECT_EQ(v1.version, 1);
  EXPECT_EQ(v1.sample_count, 3);
  EXPECT_EQ(v1.node_status, "pending");
  EXPECT_EQ(v1.changes, ChangeSummary{});
  EXPECT_EQ(v1.description.data_use.permission, "DUO:0000006");  // HMB, stored by id
  // Stored normalised: prefecture names become JIS codes.
  auto stored = registry_->Samples("tmm_wgs", 1);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(*stored, std::string(kHeader) +
                         "S1\tTMM\t60-69\tmale\t04\tE11\n"
                         "S2\tTMM\t40-49\tfemale\t04\t\n"
                         "S3\tTMM\t70-79\tmale\t04\tF03,I10\n");
  // Version 2: S1's age band changes, S2 leaves, S4 arrives, and the title changes.
  const std::string v2_samples = std::string(kHeader) +
                                 "S1\tTMM\t70-79\tmale\t04\tE11\n"
                                 "S3\tTMM\t70-79\tmale\t04\tI10,F03\n"
                                 "S4\tTMM\t50-59\tfemale\t07\t\n";
  auto report = registry_->Check("tmm_wgs", "tohoku", Description("TMM WGS 2025"), v2_samples);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok());
  EXPECT_EQ(report->samples, 3);
  const ChangeSummary expected{{"title"}, 1, 1, 1};
  EXPECT_EQ(report->changes, expected);
  const DatasetVersion v2 = MustRegister(Description("TMM WGS 2025"), v2_samples, 1, 2);
  EXPECT_EQ(v2.version, 2);
  EXPECT_EQ(v2.changes, expected);
  EXPECT_EQ(v2.created_by, "site-admin-1");
  EXPECT_EQ(v2.created_at, T(2026, 11, 2));
  auto current = registry_->Get("tmm_wgs");
  ASSERT_TRUE(current.ok()) << current.status().ToString();
  EXPECT_EQ(current->version, 2);
  EXPECT_EQ(current->description.title, "TMM WGS 2025");
  EXPECT_EQ(current->site, "tohoku");
  auto first = registry_->Get("tmm_wgs", 1);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->description.title, "TMM whole genomes, 2024 release");
  auto versions = registry_->Versions("tmm_wgs");
  ASSERT_TRUE(versions.ok());
  ASSERT_EQ(versions->size(), 2u);
  EXPECT_EQ((*versions)[0].version, 2);
  auto listed = registry_->List("tohoku");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].version, 2);
  EXPECT_TRUE(registry_->List("imsut")->empty());
  EXPECT_EQ(registry_->List()->size(), 1u);
  // The node's answer is recorded per version.
  ASSERT_TRUE(
      registry_->SetNodeStatus("tmm_wgs", 2, "failed", "sample S4 is not in the store").ok());
  EXPECT_EQ(registry_->Get("tmm_wgs")->node_message, "sample S4 is not in the store");
  EXPECT_EQ(registry_->SetNodeStatus("tmm_wgs", 2, "done", "").code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(registry_->SetNodeStatus("tmm_wgs", 9, "applied", "").code(), StatusCode::kNotFound);
}

TEST_P(DatasetRegistryTest, EveryProblemIsReportedWithWhereItIsAndNothingIsStored) {
  json d = Description();
  d.erase("title");
  d["dac"] = "Tohoku DAC";
  d["data_use"] = {{"permission", "XYZ"}};
  d["sequencing"]["coverage"] = 30;
  const std::string samples = std::string(kHeader) +
                              "S1\tTMM\t60-69\tM\t04\tE11\n"
                              "S2\tTMM\t40-49\tfemale\t04\t\n"
                              "S2\tTMM\t40-49\tfemale\t04\t\n"
                              "S4\tTMM\t65-74\tfemale\t99\t\n";
  auto report = registry_->Check("tmm_wgs", "tohoku", d, samples);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_FALSE(report->ok());
  std::vector<std::string> where;
  for (const RegistrationProblem& p : report->problems) where.push_back(p.where);
  EXPECT_EQ(where, (std::vector<std::string>{
                       "description.dac", "description.title", "description.dac.name",
                       "description.sequencing.coverage", "description.data_use", "samples.tsv:2",
                       "samples.tsv:4", "samples.tsv:5"}));
  EXPECT_EQ(report->problems[5].message,
            "field 'sex': unknown sex 'M'; expected male, female or unknown");
  EXPECT_EQ(report->problems[6].message, "duplicate sample id 'S2' (first on line 3)");
  auto stored = registry_->Register("tmm_wgs", "tohoku", d, samples, "a", T(2026, 11, 1), 0);
  ASSERT_FALSE(stored.ok());
  EXPECT_EQ(stored.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(stored.status().message().find("8 problems"), std::string::npos)
      << stored.status().message();
  EXPECT_EQ(registry_->Get("tmm_wgs").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(registry_->Versions("tmm_wgs").status().code(), StatusCode::kNotFound);
}

TEST_P(DatasetRegistryTest, BadFilesAndIdsAreProblems) {
  const std::string good = std::string(kHeader) + "S1\tTMM\t60-69\tmale\t04\tE11\n";
  auto problems_of = [&](std::string_view id, std::string_view site, const std::string& samples) {
    auto r = registry_->Check(id, site, Description(), samples);
    EXPECT_TRUE(r.ok());
    std::vector<std::string> out;
    for (const RegistrationProblem& p : r->problems) out.push_back(p.where + ": " + p.message);
    return out;
  };
  EXPECT_TRUE(problems_of("tmm_wgs", "tohoku", good).empty());
  EXPECT_EQ(problems_of("TMM WGS", "tohoku", good).size(), 1u);
  EXPECT_EQ(problems_of("tmm_wgs", "../x", good).size(), 1u);
  EXPECT_EQ(problems_of("tmm_wgs", "tohoku", ""),
            std::vector<std::string>{"samples.tsv: empty samples file; expected the header line "
                                     "sample_id, biobank, age_band, sex, prefecture, icd10 "
                                     "(tab-separated)"});
  EXPECT_EQ(problems_of("tmm_wgs", "tohoku", kHeader),
            std::vector<std::string>{"samples.tsv: holds no samples"});
  EXPECT_EQ(problems_of("tmm_wgs", "tohoku", good + "S2\tTMM\t60-69\tmale\t04\t\xff\n"),
            std::vector<std::string>{
                "samples.tsv: is not UTF-8 text (save it as UTF-8, without NUL bytes)"});
  EXPECT_EQ(problems_of("tmm_wgs", "tohoku", std::string(kMaxSamplesFileBytes + 1, 'a')).size(),
            1u);
  EXPECT_EQ(registry_->Check("tmm_wgs", "tohoku", json::array(), good)->problems[0].where,
            "description");
}

TEST_P(DatasetRegistryTest, ADatasetStaysWithItsSiteAndStaleVersionsAreRefused) {
  const std::string samples = std::string(kHeader) + "S1\tTMM\t60-69\tmale\t04\tE11\n";
  MustRegister(Description(), samples, 0);
  auto other_site =
      registry_->Register("tmm_wgs", "imsut", Description(), samples, "b", T(2026, 11, 3), 1);
  EXPECT_EQ(other_site.status().code(), StatusCode::kPermissionDenied);
  auto stale =
      registry_->Register("tmm_wgs", "tohoku", Description(), samples, "b", T(2026, 11, 3), 0);
  EXPECT_EQ(stale.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(stale.status().message().find("reload"), std::string::npos);
  EXPECT_EQ(registry_->Get("tmm_wgs")->version, 1);
  EXPECT_EQ(registry_->Register("tmm_wgs", "tohoku", Description(), samples, "", T(2026, 11, 3), 1)
                .status()
                .code(),
            StatusCode::kInvalidArgument);
}

std::string ParamName(const ::testing::TestParamInfo<std::string>& p) { return p.param; }
INSTANTIATE_TEST_SUITE_P(Databases, DatasetRegistryTest, ::testing::Values("sqlite", "postgres"),
                         ParamName);

}  // namespace
}  // namespace renkei::workflow
