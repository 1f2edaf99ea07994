// Matching an application against its requested datasets' registered DUO conditions. Expected
// decisions follow the DUO matching rules (duo.h's file comment, from the DUO README and the
// DUOS "Research Purpose to Query" table), worked out by hand per case.
#include "workflow/data_use_match.h"

#include <gtest/gtest.h>

#include "db/testing.h"
#include "workflow/test_util.h"

namespace renkei::workflow {
namespace {

using nlohmann::json;
using workflow_test::GoodDataUse;
using workflow_test::T;

DatasetVersion Registered(std::string id, int64_t version, DataUseConditions conditions,
                          std::string title = "") {
  DatasetVersion v;
  v.dataset_id = std::move(id);
  v.site = "tohoku";
  v.version = version;
  v.description.title = std::move(title);
  v.description.data_use = std::move(conditions);
  return v;
}

// Research on type 2 diabetes (ICD-10 E11), academic, genetic: GoodDataUse's purpose.
ApplicationContent Requesting(std::vector<std::string> datasets) {
  ApplicationContent c = GoodDataUse();
  c.datasets = std::move(datasets);
  return c;
}

TEST(MatchRequestedDatasets, HealthResearchDataServeADiseaseSpecificPurpose) {
  // HMB ⊃ DS-X: health/medical data may be used for research on one disease. DS data for
  // E10-E14 (diabetes mellitus) cover research on E11, a category within the range.
  const std::vector<DatasetVersion> registered = {
      Registered("hmb", 1, {std::string(kDuoHealthMedical), {}, {}}),
      Registered("ds_diabetes", 4, {std::string(kDuoDiseaseSpecific), {"E10-E14"}, {}})};
  Result<std::vector<DataUseMatch>> m =
      MatchRequestedDatasets(Requesting({"ds_diabetes", "hmb"}), registered);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ASSERT_EQ(m->size(), 2u);
  // In the order the application requests them, each naming the version matched.
  EXPECT_EQ((*m)[0], (DataUseMatch{"ds_diabetes", 4, DuoDecision::kAllowed, {}, {}}));
  EXPECT_EQ((*m)[1], (DataUseMatch{"hmb", 1, DuoDecision::kAllowed, {}, {}}));
  EXPECT_EQ(DataUseMatchSummary(*m), "data use: ds_diabetes v4 allowed; hmb v1 allowed");
}

TEST(MatchRequestedDatasets, RequirementModifiersGoToTheCommittee) {
  // IRB (ethics approval) and GS (geographical restriction) cannot be decided from a purpose.
  const std::vector<DatasetVersion> registered = {
      Registered("tmm_wgs", 2,
                 {std::string(kDuoHealthMedical),
                  {},
                  {{std::string(kDuoEthicsApproval), ""}, {std::string(kDuoGeographical), "JP"}}})};
  Result<std::vector<DataUseMatch>> m = MatchRequestedDatasets(Requesting({"tmm_wgs"}), registered);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ASSERT_EQ(m->size(), 1u);
  EXPECT_EQ((*m)[0].decision, DuoDecision::kNeedsReview);
  EXPECT_EQ((*m)[0].review, (std::vector<DuoModifier>{{"DUO:0000021", ""}, {"DUO:0000022", "JP"}}));
  EXPECT_TRUE((*m)[0].reasons.empty());
  EXPECT_EQ(DataUseMatchSummary(*m), "data use: tmm_wgs v2 needs review (IRB, GS)");
}

TEST(MatchRequestedDatasets, ADenyingDatasetRefusesWithEveryReason) {
  // Cancer-only data (C00-D48, neoplasms) do not serve research on E11; a second dataset, HMB
  // and non-commercial, refuses a commercial general-research purpose twice over.
  const std::vector<DatasetVersion> registered = {
      Registered("ncc_wgs", 3, {std::string(kDuoDiseaseSpecific), {"C00-D48"}, {}},
                 "NCC cancer genomes"),
      Registered("hmb_ncu", 1,
                 {std::string(kDuoHealthMedical), {}, {{std::string(kDuoNonCommercial), ""}}}),
      Registered("gru", 1, {std::string(kDuoGeneralResearch), {}, {}})};
  Result<std::vector<DataUseMatch>> m =
      MatchRequestedDatasets(Requesting({"gru", "ncc_wgs"}), registered);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kInvalidArgument);
  const std::string msg = m.status().message();
  EXPECT_NE(msg.find("Dataset 'ncc_wgs' (\"NCC cancer genomes\", version 3) does not allow this "
                     "use: DS (DUO:0000007) allows research on"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("allows research on C00-D48 only; the purpose's E11 is not within it."),
            std::string::npos)
      << msg;
  EXPECT_EQ(msg.find("'gru'"), std::string::npos) << msg;  // GRU serves every purpose
  EXPECT_NE(msg.find("Change the intended use, or remove these datasets"), std::string::npos);

  ApplicationContent commercial = Requesting({"hmb_ncu"});
  commercial.intended_use = {};
  commercial.intended_use.category = std::string(kDuoGeneralResearch);
  commercial.intended_use.commercial_use = true;
  m = MatchRequestedDatasets(commercial, registered);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kInvalidArgument);
  // The whole message: what happened, each reason as a sentence, what to do.
  EXPECT_EQ(m.status().message(),
            "the intended use (intended_use) cannot be matched to the data-use conditions of "
            "every requested dataset, so nothing was changed. Dataset 'hmb_ncu' (version 1) does "
            "not allow this use: HMB (DUO:0000006) limits use to health/medical/biomedical "
            "research; the purpose is general research (GRU). NCU (DUO:0000046) prohibits "
            "commercial use. Change the intended use, or remove these datasets from the "
            "requested datasets (datasets), and try again.");
}

TEST(MatchRequestedDatasets, UnregisteredDatasetsAreNamed) {
  const std::vector<DatasetVersion> registered = {
      Registered("hmb", 1, {std::string(kDuoHealthMedical), {}, {}})};
  Result<std::vector<DataUseMatch>> m =
      MatchRequestedDatasets(Requesting({"hmb", "ghost_wgs"}), registered);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(m.status().message().find("Dataset 'ghost_wgs' is not registered at the hub"),
            std::string::npos)
      << m.status().message();
  m = MatchRequestedDatasets(Requesting({"ghost_a", "ghost_b"}), registered);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("Datasets 'ghost_a' and 'ghost_b' are not registered"),
            std::string::npos)
      << m.status().message();
}

TEST(MatchRequestedDatasets, BadPurposeOrStoredConditionsAreErrors) {
  const std::vector<DatasetVersion> registered = {
      Registered("hmb", 1, {std::string(kDuoHealthMedical), {}, {}}),
      Registered("broken", 2, {std::string(kDuoDiseaseSpecific), {}, {}})};  // DS needs diseases
  ApplicationContent no_purpose = Requesting({"hmb"});
  no_purpose.intended_use = {};
  Result<std::vector<DataUseMatch>> m = MatchRequestedDatasets(no_purpose, registered);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(m.status().message().starts_with("intended_use: ")) << m.status().message();
  m = MatchRequestedDatasets(Requesting({"broken"}), registered);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(m.status().message().find("dataset 'broken' (version 2): stored data-use conditions"),
            std::string::npos)
      << m.status().message();
}

TEST(DataUseMatchSummary, NoDatasets) {
  EXPECT_EQ(DataUseMatchSummary({}), "data use: no datasets");
}

// The registry overload reads the current version, on SQLite and PostgreSQL.
class MatchRegisteredTest : public ::testing::TestWithParam<std::string> {};

TEST_P(MatchRegisteredTest, MatchesTheCurrentRegisteredVersion) {
  db::TestDatabase db;
  ASSERT_NO_FATAL_FAILURE(db.Open(GetParam(), {{6, "datasets", kDatasetsSchemaSql}}));
  if (db.skipped()) return;
  DatasetRegistry registry(db.db());
  const std::string samples =
      "sample_id\tbiobank\tage_band\tsex\tprefecture\ticd10\nS1\tTMM\t60-69\tmale\t04\tE11\n";
  auto description = [](json data_use) {
    return json{{"title", "TMM whole genomes"},       {"description", "Whole genomes."},
                {"study", {{"title", "TMM cohort"}}}, {"policy", "See data_use."},
                {"data_use", std::move(data_use)},    {"dac", {{"name", "Tohoku DAC"}}}};
  };
  ASSERT_TRUE(registry
                  .Register("tmm_wgs", "tohoku", description({{"permission", "POA"}}), samples,
                            "sa", T(2026, 11, 1), 0)
                  .ok());
  // Version 1 (population origins only) would deny research on E11 ...
  Result<std::vector<DataUseMatch>> m = MatchRequestedDatasets(registry, Requesting({"tmm_wgs"}));
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("POA (DUO:0000011) limits use"), std::string::npos)
      << m.status().message();
  // ... version 2 (HMB with IRB) is the one matched now.
  ASSERT_TRUE(
      registry
          .Register("tmm_wgs", "tohoku",
                    description({{"permission", "HMB"}, {"modifiers", {{{"term", "IRB"}}}}}),
                    samples, "sa", T(2026, 11, 2), 1)
          .ok());
  m = MatchRequestedDatasets(registry, Requesting({"tmm_wgs"}));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ASSERT_EQ(m->size(), 1u);
  EXPECT_EQ((*m)[0],
            (DataUseMatch{"tmm_wgs", 2, DuoDecision::kNeedsReview, {}, {{"DUO:0000021", ""}}}));
  m = MatchRequestedDatasets(registry, Requesting({"tmm_wgs", "bbj_wgs"}));
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("Dataset 'bbj_wgs' is not registered"), std::string::npos);
}

std::string ParamName(const ::testing::TestParamInfo<std::string>& p) { return p.param; }
INSTANTIATE_TEST_SUITE_P(Databases, MatchRegisteredTest, ::testing::Values("sqlite", "postgres"),
                         ParamName);

}  // namespace
}  // namespace renkei::workflow
