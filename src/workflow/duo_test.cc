#include "workflow/duo.h"

#include <gtest/gtest.h>

namespace renkei {
namespace {

// The published terms (EBISPOT/DUO duo.csv), copied by hand: id, shorthand, label, permission?
struct Published {
  const char* id;
  const char* shorthand;
  const char* label;
  bool permission;
};
constexpr Published kPublished[] = {
    {"DUO:0000004", "NRES", "no restriction", true},
    {"DUO:0000042", "GRU", "general research use", true},
    {"DUO:0000006", "HMB", "health or medical or biomedical research", true},
    {"DUO:0000007", "DS", "disease specific research", true},
    {"DUO:0000011", "POA", "population origins or ancestry research only", true},
    {"DUO:0000046", "NCU", "non-commercial use only", false},
    {"DUO:0000045", "NPU", "not for profit organisation use only", false},
    {"DUO:0000018", "NPUNCU", "not for profit, non commercial use only", false},
    {"DUO:0000016", "GSO", "genetic studies only", false},
    {"DUO:0000022", "GS", "geographical restriction", false},
    {"DUO:0000021", "IRB", "ethics approval required", false},
    {"DUO:0000019", "PUB", "publication required", false},
    {"DUO:0000020", "COL", "collaboration required", false},
    {"DUO:0000029", "RTN", "return to database or resource", false},
    {"DUO:0000025", "TS", "time limit on use", false},
    {"DUO:0000026", "US", "user specific restriction", false},
    {"DUO:0000027", "PS", "project specific restriction", false},
    {"DUO:0000028", "IS", "institution specific restriction", false},
    {"DUO:0000044", "NPOA", "population origins or ancestry research prohibited", false},
    {"DUO:0000015", "NMDS", "no general methods research", false},
    {"DUO:0000043", "CC", "clinical care use", false},
    {"DUO:0000024", "MOR", "publication moratorium", false},
    {"DUO:0000012", "RS", "research specific restrictions", false},
};

TEST(DuoTerms, MatchThePublishedOntology) {
  EXPECT_EQ(DuoTerms().size(), std::size(kPublished));
  for (const Published& p : kPublished) {
    const DuoTerm* by_id = FindDuoTerm(p.id);
    ASSERT_NE(by_id, nullptr) << p.id;
    EXPECT_EQ(by_id->shorthand, p.shorthand);
    EXPECT_EQ(by_id->label, p.label);
    EXPECT_EQ(by_id->kind == DuoTermKind::kPermission, p.permission) << p.id;
    EXPECT_EQ(FindDuoTerm(p.shorthand), by_id);
  }
  EXPECT_EQ(FindDuoTerm("gru"), FindDuoTerm("DUO:0000042"));
  EXPECT_EQ(FindDuoTerm("DUO:0000017"), nullptr);  // the abstract "data use modifier" class
  EXPECT_EQ(FindDuoTerm("DUO:42"), nullptr);
  EXPECT_EQ(FindDuoTerm(""), nullptr);
}

DataUseConditions Data(std::string permission, std::vector<std::string> diseases = {},
                       std::vector<DuoModifier> modifiers = {}) {
  return {std::move(permission), std::move(diseases), std::move(modifiers)};
}

ResearchPurpose Purpose(std::string category, std::vector<std::string> diseases = {}) {
  ResearchPurpose p;
  p.category = std::move(category);
  p.diseases = std::move(diseases);
  return p;
}

DuoMatch Match(const DataUseConditions& d, const ResearchPurpose& p) {
  Result<DuoMatch> m = MatchDataUse(d, p);
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return m.ok() ? *m : DuoMatch{};
}

constexpr const char* kNRES = "DUO:0000004";
constexpr const char* kGRU = "DUO:0000042";
constexpr const char* kHMB = "DUO:0000006";
constexpr const char* kDS = "DUO:0000007";
constexpr const char* kPOA = "DUO:0000011";

// The permission hierarchy: expected outcome of each (dataset permission, purpose category),
// written from the DUO guidance (NRES ⊃ GRU ⊃ HMB ⊃ DS, GRU ⊃ POA).
TEST(DuoMatch, PermissionHierarchy) {
  struct Case {
    DataUseConditions data;
    ResearchPurpose purpose;
    DuoDecision want;
  } cases[] = {
      {Data(kNRES), Purpose(kGRU), DuoDecision::kAllowed},
      {Data(kNRES), Purpose(kPOA), DuoDecision::kAllowed},
      {Data(kNRES), Purpose(kDS, {"C50"}), DuoDecision::kAllowed},
      {Data(kGRU), Purpose(kGRU), DuoDecision::kAllowed},
      {Data(kGRU), Purpose(kHMB), DuoDecision::kAllowed},
      {Data(kGRU), Purpose(kPOA), DuoDecision::kAllowed},
      {Data(kGRU), Purpose(kDS, {"F00.1"}), DuoDecision::kAllowed},
      {Data(kHMB), Purpose(kHMB), DuoDecision::kAllowed},
      {Data(kHMB), Purpose(kDS, {"E11"}), DuoDecision::kAllowed},
      {Data(kHMB), Purpose(kGRU), DuoDecision::kDenied},
      {Data(kHMB), Purpose(kPOA), DuoDecision::kDenied},
      {Data(kDS, {"C50"}), Purpose(kDS, {"C50"}), DuoDecision::kAllowed},
      {Data(kDS, {"C50"}), Purpose(kDS, {"C50.9"}), DuoDecision::kAllowed},   // subtype
      {Data(kDS, {"C50"}), Purpose(kDS, {"C509"}), DuoDecision::kAllowed},    // no dot
      {Data(kDS, {"C50.9"}), Purpose(kDS, {"C50"}), DuoDecision::kDenied},    // broader
      {Data(kDS, {"C50"}), Purpose(kDS, {"C00-D48"}), DuoDecision::kDenied},  // broader
      {Data(kDS, {"C00-D48"}), Purpose(kDS, {"C50.9"}), DuoDecision::kAllowed},
      {Data(kDS, {"C00-D48"}), Purpose(kDS, {"C00-C97"}), DuoDecision::kAllowed},
      {Data(kDS, {"C50"}), Purpose(kDS, {"C34"}), DuoDecision::kDenied},
      {Data(kDS, {"C50", "C34"}), Purpose(kDS, {"C34.1", "C50"}), DuoDecision::kAllowed},
      {Data(kDS, {"C50"}), Purpose(kHMB), DuoDecision::kDenied},
      {Data(kDS, {"C50"}), Purpose(kGRU), DuoDecision::kDenied},
      {Data(kPOA), Purpose(kPOA), DuoDecision::kAllowed},
      {Data(kPOA), Purpose(kHMB), DuoDecision::kDenied},
      {Data(kPOA), Purpose(kDS, {"E11"}), DuoDecision::kDenied},
  };
  for (const Case& c : cases) {
    DuoMatch m = Match(c.data, c.purpose);
    EXPECT_EQ(m.decision, c.want) << "dataset " << ToJson(c.data).dump() << " purpose "
                                  << ToJson(c.purpose).dump();
    EXPECT_EQ(m.reasons.empty(), c.want != DuoDecision::kDenied);
  }
}

TEST(DuoMatch, DeniedReasonsNameTheTermsAndUncoveredDiseases) {
  DuoMatch m = Match(Data(kDS, {"C50"}), Purpose(kDS, {"C50.1", "C34", "C18"}));
  ASSERT_EQ(m.decision, DuoDecision::kDenied);
  ASSERT_EQ(m.reasons.size(), 1u);
  EXPECT_NE(m.reasons[0].find("DS (DUO:0000007)"), std::string::npos) << m.reasons[0];
  EXPECT_NE(m.reasons[0].find("C34, C18"), std::string::npos) << m.reasons[0];
  EXPECT_EQ(m.reasons[0].find("C50.1"), std::string::npos) << m.reasons[0];

  ResearchPurpose commercial = Purpose(kGRU);
  commercial.commercial_use = true;
  DuoMatch two = Match(Data(kHMB, {}, {{"DUO:0000046", ""}}), commercial);
  ASSERT_EQ(two.decision, DuoDecision::kDenied);
  ASSERT_EQ(two.reasons.size(), 2u);
  EXPECT_NE(two.reasons[0].find("HMB (DUO:0000006)"), std::string::npos);
  EXPECT_NE(two.reasons[1].find("NCU (DUO:0000046)"), std::string::npos);
}

TEST(DuoMatch, RestrictingModifiers) {
  ResearchPurpose academic = Purpose(kHMB);
  ResearchPurpose commercial = academic;
  commercial.commercial_use = true;
  ResearchPurpose company = academic;
  company.for_profit_organisation = true;
  ResearchPurpose phenotype_only = academic;
  phenotype_only.genetic_study = false;
  ResearchPurpose care = academic;
  care.clinical_care = true;

  auto with = [](const char* term) { return Data(kGRU, {}, {{term, ""}}); };
  struct Case {
    DataUseConditions data;
    ResearchPurpose purpose;
    DuoDecision want;
    const char* label;
  } cases[] = {
      {with("DUO:0000046"), commercial, DuoDecision::kDenied, "NCU commercial"},
      {with("DUO:0000046"), company, DuoDecision::kAllowed, "NCU for-profit, non-commercial"},
      {with("DUO:0000046"), academic, DuoDecision::kAllowed, "NCU academic"},
      {with("DUO:0000045"), company, DuoDecision::kDenied, "NPU for-profit"},
      {with("DUO:0000045"), commercial, DuoDecision::kAllowed, "NPU not-for-profit"},
      {with("DUO:0000018"), commercial, DuoDecision::kDenied, "NPUNCU commercial"},
      {with("DUO:0000018"), company, DuoDecision::kDenied, "NPUNCU for-profit"},
      {with("DUO:0000018"), academic, DuoDecision::kAllowed, "NPUNCU academic"},
      {with("DUO:0000016"), phenotype_only, DuoDecision::kDenied, "GSO phenotype only"},
      {with("DUO:0000016"), academic, DuoDecision::kAllowed, "GSO genetic"},
      {with("DUO:0000044"), Purpose(kPOA), DuoDecision::kDenied, "NPOA ancestry"},
      {with("DUO:0000044"), academic, DuoDecision::kAllowed, "NPOA health"},
      {Data(kGRU), care, DuoDecision::kDenied, "clinical care without CC"},
      {with("DUO:0000043"), care, DuoDecision::kAllowed, "clinical care with CC"},
      {Data(kNRES), care, DuoDecision::kAllowed, "clinical care, NRES"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Match(c.data, c.purpose).decision, c.want) << c.label;
  }
}

TEST(DuoMatch, NoMethodsResearchOnlyWithinADiseaseMatch) {
  ResearchPurpose methods = Purpose(kDS, {"C50.9"});
  methods.methods_development = true;
  DataUseConditions ds_nmds = Data(kDS, {"C50"}, {{"DUO:0000015", ""}});
  EXPECT_EQ(Match(ds_nmds, methods).decision, DuoDecision::kAllowed);
  // Methods development without a DS-X match is refused (DUOS: "NMDS AND DS-X match").
  ResearchPurpose general_methods = Purpose(kHMB);
  general_methods.methods_development = true;
  EXPECT_EQ(Match(Data(kGRU, {}, {{"DUO:0000015", ""}}), general_methods).decision,
            DuoDecision::kDenied);
  EXPECT_EQ(Match(Data(kGRU, {}, {{"DUO:0000015", ""}}), methods).decision, DuoDecision::kDenied);
  // Without NMDS, methods research is allowed wherever the purpose is.
  EXPECT_EQ(Match(Data(kGRU), general_methods).decision, DuoDecision::kAllowed);
  // NMDS does not touch research that develops no methods.
  EXPECT_EQ(Match(Data(kGRU, {}, {{"DUO:0000015", ""}}), Purpose(kHMB)).decision,
            DuoDecision::kAllowed);
}

TEST(DuoMatch, RequirementsGoToTheCommittee) {
  DataUseConditions d = Data(kHMB, {},
                             {{"DUO:0000021", ""},
                              {"DUO:0000016", ""},
                              {"DUO:0000019", ""},
                              {"DUO:0000022", "JP"},
                              {"DUO:0000025", "24"}});
  DuoMatch m = Match(d, Purpose(kDS, {"E11"}));
  ASSERT_EQ(m.decision, DuoDecision::kNeedsReview);
  ASSERT_EQ(m.review.size(), 4u);  // GSO is decided, not reviewed
  EXPECT_EQ(m.review[0].term, "DUO:0000021");
  EXPECT_EQ(m.review[1].term, "DUO:0000019");
  EXPECT_EQ(m.review[2], (DuoModifier{"DUO:0000022", "JP"}));
  EXPECT_EQ(m.review[3], (DuoModifier{"DUO:0000025", "24"}));
  for (const char* term : {"DUO:0000020", "DUO:0000029", "DUO:0000024", "DUO:0000026",
                           "DUO:0000027", "DUO:0000028", "DUO:0000012"}) {
    DuoMatch r = Match(Data(kGRU, {}, {{term, ""}}), Purpose(kHMB));
    EXPECT_EQ(r.decision, DuoDecision::kNeedsReview) << term;
  }
  // A denial wins over a review: nothing is sent to the committee.
  DuoMatch denied = Match(d, Purpose(kGRU));
  EXPECT_EQ(denied.decision, DuoDecision::kDenied);
  EXPECT_TRUE(denied.review.empty());
  EXPECT_EQ(DuoDecisionName(DuoDecision::kNeedsReview), "needs_review");
}

TEST(DuoValidate, BadConditionsAreNamed) {
  struct Case {
    DataUseConditions data;
    const char* needle;
  } cases[] = {
      {Data(""), "permission: '' is not a DUO permission id"},
      {Data("GRU"), "permission: 'GRU' is not"},                  // ids only once parsed
      {Data("DUO:0000021"), "permission: 'DUO:0000021' is not"},  // IRB is a modifier
      {Data(kDS), "diseases: DS (DUO:0000007) needs at least one"},
      {Data(kGRU, {"C50"}), "diseases: only DS (DUO:0000007) takes diseases, not GRU"},
      {Data(kDS, {"C50", "X9"}), "diseases[1]: malformed ICD-10 code"},
      {Data(kDS, {"D48-C00"}), "diseases[0]:"},
      {Data(kGRU, {}, {{kHMB, ""}}), "modifiers[0]: 'DUO:0000006' is not a DUO data use modifier"},
      {Data(kGRU, {}, {{"DUO:0000017", ""}}), "modifiers[0]: 'DUO:0000017'"},
      {Data(kGRU, {}, {{"DUO:0000021", ""}, {"DUO:0000021", "x"}}),
       "modifiers[1]: IRB (DUO:0000021) appears twice"},
      {Data(kPOA, {}, {{"DUO:0000044", ""}}), "NPOA (DUO:0000044) contradicts"},
  };
  for (const Case& c : cases) {
    Status s = ValidateConditions(c.data);
    ASSERT_FALSE(s.ok()) << c.needle;
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_NE(s.message().find(c.needle), std::string::npos) << s.message();
  }
  Result<DuoMatch> m = MatchDataUse(Data(kDS), Purpose(kHMB));
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().message().rfind("dataset conditions: diseases", 0), 0u)
      << m.status().message();
}

TEST(DuoValidate, BadPurposesAreNamed) {
  struct Case {
    ResearchPurpose purpose;
    const char* needle;
  } cases[] = {
      {Purpose(""), "category: '' is not a research purpose"},
      {Purpose(kNRES), "category: 'DUO:0000004' is not a research purpose"},
      {Purpose("DUO:0000046"), "is not a research purpose"},
      {Purpose(kDS), "diseases: DS (DUO:0000007) needs at least one"},
      {Purpose(kHMB, {"E11"}), "diseases: only DS"},
      {Purpose(kDS, {"E1"}), "diseases[0]: malformed ICD-10 code"},
  };
  for (const Case& c : cases) {
    Status s = ValidatePurpose(c.purpose);
    ASSERT_FALSE(s.ok()) << c.needle;
    EXPECT_NE(s.message().find(c.needle), std::string::npos) << s.message();
  }
  Result<DuoMatch> m = MatchDataUse(Data(kGRU), Purpose(kNRES));
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().message().rfind("research purpose: category", 0), 0u);
}

TEST(DuoJson, ShorthandsAreStoredAsIdsAndRoundTrip) {
  nlohmann::json in = nlohmann::json::parse(R"({
    "permission": "DS", "diseases": ["C50"],
    "modifiers": [{"term": "irb"}, {"term": "DUO:0000022", "parameter": "JP"}]})");
  Result<DataUseConditions> c = ConditionsFromJson(in);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(*c, Data(kDS, {"C50"}, {{"DUO:0000021", ""}, {"DUO:0000022", "JP"}}));
  nlohmann::json out = nlohmann::json::parse(R"({
    "permission": "DUO:0000007", "diseases": ["C50"],
    "modifiers": [{"term": "DUO:0000021"}, {"term": "DUO:0000022", "parameter": "JP"}]})");
  EXPECT_EQ(ToJson(*c), out);
  Result<DataUseConditions> again = ConditionsFromJson(ToJson(*c));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *c);

  ResearchPurpose p = Purpose(kDS, {"C50.9"});
  p.commercial_use = true;
  p.genetic_study = false;
  nlohmann::json pj = ToJson(p);
  EXPECT_EQ(pj["category"], "DUO:0000007");
  EXPECT_EQ(pj["genetic_study"], false);
  Result<ResearchPurpose> p2 = PurposeFromJson(pj);
  ASSERT_TRUE(p2.ok());
  EXPECT_EQ(*p2, p);
  // Defaults for missing fields.
  Result<ResearchPurpose> minimal = PurposeFromJson(nlohmann::json::parse(R"({"category":"HMB"})"));
  ASSERT_TRUE(minimal.ok());
  EXPECT_EQ(*minimal, Purpose(kHMB));
}

TEST(DuoJson, ErrorsNameTheField) {
  struct Case {
    const char* json;
    const char* needle;
  } cases[] = {
      {R"({"diseases": []})", "conditions.permission: required field missing"},
      {R"({"permission": "XYZ"})", "conditions.permission: unknown DUO term 'XYZ'"},
      {R"({"permission": "GRU", "modifiers": [{"term": "FOO"}]})",
       "conditions.modifiers[0].term: unknown DUO term 'FOO'"},
      {R"({"permission": "GRU", "modifiers": {}})", "conditions.modifiers: expected an array"},
      {R"({"permission": "DS", "diseases": [50]})", "conditions.diseases[0]: expected a string"},
      {R"([1])", "conditions: expected an object"},
  };
  for (const Case& c : cases) {
    Result<DataUseConditions> r = ConditionsFromJson(nlohmann::json::parse(c.json));
    ASSERT_FALSE(r.ok()) << c.json;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(c.needle), std::string::npos) << r.status().message();
  }
  Result<ResearchPurpose> p =
      PurposeFromJson(nlohmann::json::parse(R"({"category":"HMB","commercial_use":"no"})"));
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("purpose.commercial_use: expected true or false"),
            std::string::npos);
}

}  // namespace
}  // namespace renkei
