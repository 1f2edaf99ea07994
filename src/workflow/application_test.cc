#include "workflow/application.h"

#include <gtest/gtest.h>

#include "workflow/json_fields.h"
#include "workflow/test_util.h"

namespace renkei {
namespace {

using workflow_test::D;
using workflow_test::GoodDataUse;
using workflow_test::T;

void ExpectInvalid(const Status& s, const std::vector<std::string>& needles) {
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  for (const std::string& n : needles) {
    EXPECT_NE(s.message().find(n), std::string::npos) << "missing '" << n << "' in " << s.message();
  }
}

TEST(TimeText, FormatsAndParsesUtc) {
  // 1743499800 is 2025-04-01T09:30:00Z (date -u -d @1743499800).
  Timestamp t{std::chrono::seconds(1743499800)};
  EXPECT_EQ(workflow_json::FormatTime(t), "2025-04-01T09:30:00Z");
  Result<Timestamp> parsed = workflow_json::ParseTime("2025-04-01T09:30:00Z");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, t);
  EXPECT_EQ(workflow_json::FormatDate(D(2024, 2, 29)), "2024-02-29");
  for (const char* bad : {"2025-02-30", "2025-4-01", "2025/04/01", "", "2025-04-01x"}) {
    EXPECT_FALSE(workflow_json::ParseDate(bad).ok()) << bad;
  }
  for (const char* bad : {"2025-04-01T24:00:00Z", "2025-04-01T09:30:00", "2025-04-01 09:30:00Z",
                          "2025-04-01T09:30:00+09:00", "2025-13-01T00:00:00Z"}) {
    EXPECT_FALSE(workflow_json::ParseTime(bad).ok()) << bad;
  }
}

TEST(Names, RoundTrip) {
  for (ApplicationKind k : {ApplicationKind::kPlatformUse, ApplicationKind::kDataUse,
                            ApplicationKind::kProcessingNodeUse, ApplicationKind::kInquiry}) {
    Result<ApplicationKind> p = ParseApplicationKind(ApplicationKindName(k));
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(*p, k);
  }
  for (ApplicationState s : kAllStates) {
    Result<ApplicationState> p = ParseApplicationState(ApplicationStateName(s));
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(*p, s);
  }
  EXPECT_EQ(ApplicationStateName(ApplicationState::kUnderReview), "under_review");
  EXPECT_EQ(ApplicationStateName(ApplicationState::kAmendmentReview), "amendment_review");
  EXPECT_FALSE(ParseApplicationKind("data").ok());
  EXPECT_FALSE(ParseApplicationState("forwarded").ok());
  Result<Vote> abstain = ParseVote("abstain");
  ASSERT_TRUE(abstain.ok());
  EXPECT_EQ(*abstain, Vote::kAbstain);
  EXPECT_FALSE(ParseVote("none").ok());
  EXPECT_FALSE(ParseVote("yes").ok());
}

TEST(Validate, AcceptsCompleteDataUse) {
  Status s = Validate(GoodDataUse(), ApplicationKind::kDataUse);
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST(Validate, EmptyDataUseListsEveryRequiredField) {
  ExpectInvalid(
      Validate(ApplicationContent{}, ApplicationKind::kDataUse),
      {"title: required", "institution: required", "purpose: required", "research_plan: required",
       "datasets: at least one required", "sites: at least one required", "period_start: required",
       "period_end: required", "intended_use.category:"});
}

TEST(Validate, FieldRules) {
  struct Case {
    const char* label;
    void (*change)(ApplicationContent&);
    const char* needle;
  } cases[] = {
      {"long title", [](ApplicationContent& c) { c.title = std::string(201, 'x'); },
       "title: at most 200 characters (got 201)"},
      {"newline in title", [](ApplicationContent& c) { c.title = "a\nb"; },
       "title: must not contain control characters"},
      {"blank title", [](ApplicationContent& c) { c.title = "   "; }, "title: required"},
      {"end before start", [](ApplicationContent& c) { c.period_end = D(2025, 4, 30); },
       "period_end: must be after period_start 2025-05-01"},
      {"end equals start", [](ApplicationContent& c) { c.period_end = D(2025, 5, 1); },
       "period_end: must be after period_start"},
      {"over five years", [](ApplicationContent& c) { c.period_end = D(2030, 5, 2); },
       "period_end: the period may last at most 5 years (until 2030-05-01)"},
      {"duplicate member",
       [](ApplicationContent& c) {
         c.members.push_back({"bob", "Bob again"});
       },
       "members[1].user_id: 'bob' listed twice"},
      {"blank member",
       [](ApplicationContent& c) {
         c.members.push_back({"", "?"});
       },
       "members[1].user_id: required"},
      {"bad site", [](ApplicationContent& c) { c.sites.push_back("Tohoku Univ"); },
       "sites[2]: malformed id 'Tohoku Univ'"},
      {"duplicate dataset", [](ApplicationContent& c) { c.datasets.push_back("tmm_wgs"); },
       "datasets[1]: 'tmm_wgs' listed twice"},
      {"company not for-profit",
       [](ApplicationContent& c) { c.organisation = OrganisationType::kCompany; },
       "intended_use.for_profit_organisation: must be true for a company applicant"},
      {"DS without disease", [](ApplicationContent& c) { c.intended_use.diseases.clear(); },
       "intended_use.diseases: DS (DUO:0000007) needs at least one"},
      {"bad cohort", [](ApplicationContent& c) { c.cohorts.push_back("agee=60-69"); },
       "cohorts[1]: unknown attribute 'agee'"},
      {"sample cohort", [](ApplicationContent& c) { c.cohorts = {"sample=S1,S2"}; },
       "cohorts[0]: a feasibility cohort is defined by attributes"},
  };
  for (const Case& c : cases) {
    ApplicationContent content = GoodDataUse();
    c.change(content);
    Status s = Validate(content, ApplicationKind::kDataUse);
    ASSERT_FALSE(s.ok()) << c.label;
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_NE(s.message().find(c.needle), std::string::npos) << c.label << ": " << s.message();
  }
}

TEST(Validate, LimitsCountCharactersAndCalendarYears) {
  ApplicationContent c = GoodDataUse();
  std::string title;
  for (int i = 0; i < 200; ++i) title += "あ";  // 200 characters, 600 bytes
  c.title = title;
  EXPECT_TRUE(Validate(c, ApplicationKind::kDataUse).ok());
  c.title += "い";
  ExpectInvalid(Validate(c, ApplicationKind::kDataUse),
                {"title: at most 200 characters (got 201)"});

  c = GoodDataUse();
  c.period_end = D(2030, 5, 1);  // exactly five years
  EXPECT_TRUE(Validate(c, ApplicationKind::kDataUse).ok());
  c.period_start = D(2024, 2, 29);
  c.period_end = D(2029, 2, 28);
  EXPECT_TRUE(Validate(c, ApplicationKind::kDataUse).ok());
  c.period_end = D(2029, 3, 1);
  ExpectInvalid(Validate(c, ApplicationKind::kDataUse), {"(until 2029-02-28)"});
  ValidationLimits three_years;
  three_years.max_period_years = 3;
  c = GoodDataUse();
  c.period_end = D(2028, 5, 2);
  ExpectInvalid(Validate(c, ApplicationKind::kDataUse, three_years),
                {"at most 3 years (until 2028-05-01)"});
}

TEST(Validate, PerKindRules) {
  ApplicationContent node = GoodDataUse();
  node.cohorts.clear();
  ExpectInvalid(Validate(node, ApplicationKind::kProcessingNodeUse),
                {"datasets: processing_node_use applications take none"});
  node.datasets.clear();
  EXPECT_TRUE(Validate(node, ApplicationKind::kProcessingNodeUse).ok());
  node.sites.clear();
  ExpectInvalid(Validate(node, ApplicationKind::kProcessingNodeUse),
                {"sites: at least one required"});

  ApplicationContent platform = GoodDataUse();
  ExpectInvalid(Validate(platform, ApplicationKind::kPlatformUse),
                {"datasets: platform_use applications take none",
                 "sites: platform_use applications take none",
                 "cohorts: platform_use applications take none"});
  platform.datasets.clear();
  platform.sites.clear();
  platform.cohorts.clear();
  platform.research_plan.clear();  // optional for platform use
  EXPECT_TRUE(Validate(platform, ApplicationKind::kPlatformUse).ok());

  ApplicationContent inquiry;
  inquiry.title = "Is the BBJ cohort included?";
  ExpectInvalid(Validate(inquiry, ApplicationKind::kInquiry), {"purpose: required"});
  inquiry.purpose = "Which biobanks does the data set cover?";
  EXPECT_TRUE(Validate(inquiry, ApplicationKind::kInquiry).ok());
}

Application RichApplication() {
  Application a;
  a.id = "app-0001";
  a.kind = ApplicationKind::kDataUse;
  a.applicant = "alice";
  a.state = ApplicationState::kAmendmentReview;
  a.content = GoodDataUse();
  a.content.intended_use.methods_development = true;
  a.feasibility = {{"tohoku", 0, 1234},
                   {"imsut", 0, 0},
                   {"tohoku", 1, 0, /*suppressed=*/true, false},
                   {"imsut", 1, 0, false, /*unavailable=*/true}};
  a.review_round = 2;
  a.reviews = {{"rev1", "Sound plan.", Vote::kApprove, T(2025, 4, 20, 10), 1},
               {"rev2", "", Vote::kAbstain, T(2025, 4, 21), 1},
               {"rev1", "Question on methods", Vote::kNone, T(2025, 8, 1), 2}};
  a.conflicts = {"rev9"};
  a.contracts = {{"tohoku",
                  {"Example University", D(2025, 5, 2)},
                  {"Tohoku Medical Megabank", D(2025, 5, 3)},
                  {"renkei operator", std::nullopt},
                  "contracts/2025/0001.pdf",
                  T(2025, 5, 4, 12)}};
  a.grants = {{"tohoku", "tmm_wgs", T(2026, 3, 31, 15), "sa1", T(2025, 5, 5), std::nullopt, ""},
              {"imsut", "tmm_wgs", T(2026, 1, 1), "pa", T(2025, 5, 6), T(2025, 6, 1), "pa"}};
  ApplicationContent amended = GoodDataUse();
  amended.period_end = D(2028, 5, 1);
  a.pending_amendment = amended;
  a.data_use_match = {
      {"tmm_wgs", 3, DuoDecision::kNeedsReview, {}, {{"DUO:0000021", ""}, {"DUO:0000022", "JP"}}},
      {"bbj_wgs", 1, DuoDecision::kAllowed, {}, {}}};
  a.history = {{"alice", RoleGrant{Role::kResearcher, ""}, ApplicationState::kDraft,
                ApplicationState::kDraft, "create", "", "", T(2025, 4, 1)},
               {"sa1", RoleGrant{Role::kSiteAdmin, "tohoku"}, ApplicationState::kContracted,
                ApplicationState::kGranted, "grant", "ok", "grant tohoku/tmm_wgs", T(2025, 5, 5)},
               {"system", std::nullopt, ApplicationState::kGranted, ApplicationState::kExpired,
                "expire", "", "", T(2027, 5, 1)}};
  a.created_at = T(2025, 4, 1);
  return a;
}

TEST(ApplicationJson, RoundTripsEveryField) {
  Application a = RichApplication();
  nlohmann::json j = ToJson(a);
  Result<Application> back = ApplicationFromJson(j);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, a);
  // Through text too, as a repository would store it.
  Result<Application> text = ApplicationFromJson(nlohmann::json::parse(j.dump()));
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, a);
}

TEST(ApplicationJson, HasTheDocumentedShape) {
  nlohmann::json j = ToJson(RichApplication());
  EXPECT_EQ(j["kind"], "data_use");
  EXPECT_EQ(j["state"], "amendment_review");
  EXPECT_EQ(j["created_at"], "2025-04-01T00:00:00Z");
  EXPECT_EQ(j["content"]["period_start"], "2025-05-01");
  EXPECT_EQ(j["content"]["organisation"], "academic");
  EXPECT_EQ(j["content"]["intended_use"]["category"], "DUO:0000007");
  EXPECT_EQ(j["reviews"][1]["vote"], "abstain");
  EXPECT_EQ(j["contracts"][0]["platform_operator"]["signed_on"], nullptr);
  EXPECT_EQ(j["grants"][0]["expiry"], "2026-03-31T15:00:00Z");
  EXPECT_EQ(j["grants"][0]["revoked_at"], nullptr);
  EXPECT_EQ(j["grants"][1]["revoked_at"], "2025-06-01T00:00:00Z");
  EXPECT_EQ(j["history"][1]["role"], "site_admin:tohoku");
  EXPECT_EQ(j["history"][2]["role"], nullptr);
  EXPECT_EQ(j["pending_amendment"]["period_end"], "2028-05-01");
  // The data-use match names the terms for readers: IRB is "ethics approval required" (DUO).
  EXPECT_EQ(j["data_use_match"][0]["dataset"], "tmm_wgs");
  EXPECT_EQ(j["data_use_match"][0]["dataset_version"], 3);
  EXPECT_EQ(j["data_use_match"][0]["decision"], "needs_review");
  EXPECT_EQ(j["data_use_match"][0]["review"][0]["term"], "DUO:0000021");
  EXPECT_EQ(j["data_use_match"][0]["review"][0]["shorthand"], "IRB");
  EXPECT_EQ(j["data_use_match"][0]["review"][0]["label"], "ethics approval required");
  EXPECT_EQ(j["data_use_match"][0]["review"][1]["parameter"], "JP");
  EXPECT_EQ(j["data_use_match"][1]["decision"], "allowed");
  EXPECT_EQ(j["data_use_match"][1]["review"], nlohmann::json::array());
  Application no_amendment = RichApplication();
  no_amendment.pending_amendment.reset();
  EXPECT_EQ(ToJson(no_amendment)["pending_amendment"], nullptr);
}

TEST(ApplicationJson, MinimalDocumentTakesDefaults) {
  nlohmann::json j = nlohmann::json::parse(R"({
    "id": "a1", "kind": "inquiry", "applicant": "alice", "state": "open",
    "content": {"title": "Q"}, "created_at": "2025-04-01T00:00:00Z"})");
  Result<Application> a = ApplicationFromJson(j);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->kind, ApplicationKind::kInquiry);
  EXPECT_EQ(a->content.title, "Q");
  EXPECT_FALSE(a->content.period_end.has_value());
  EXPECT_TRUE(a->content.intended_use.genetic_study);
  EXPECT_TRUE(a->grants.empty());
}

TEST(ApplicationJson, ErrorsNameTheFieldPath) {
  struct Case {
    const char* label;
    void (*change)(nlohmann::json&);
    const char* needle;
  } cases[] = {
      {"kind", [](nlohmann::json& j) { j["kind"] = "data"; },
       "application.kind: unknown value 'data'; use one of platform_use"},
      {"state", [](nlohmann::json& j) { j["state"] = 3; }, "application.state: expected a string"},
      {"id", [](nlohmann::json& j) { j.erase("id"); }, "application.id: required field missing"},
      {"expiry", [](nlohmann::json& j) { j["grants"][1]["expiry"] = "2026-02-30T00:00:00Z"; },
       "application.grants[1].expiry: malformed time '2026-02-30T00:00:00Z'"},
      {"date", [](nlohmann::json& j) { j["content"]["period_end"] = "2027/05/01"; },
       "application.content.period_end: malformed date"},
      {"member", [](nlohmann::json& j) { j["content"]["members"][0].erase("user_id"); },
       "application.content.members[0].user_id: required field missing"},
      {"vote", [](nlohmann::json& j) { j["reviews"][0]["vote"] = "yes"; },
       "application.reviews[0].vote: unknown value 'yes'"},
      {"role", [](nlohmann::json& j) { j["history"][1]["role"] = "site_admin"; },
       "application.history[1].role: site_admin needs a site"},
      {"count", [](nlohmann::json& j) { j["feasibility"][0]["count"] = -1; },
       "application.feasibility[0].count: must be between 0 and"},
      {"suppressed", [](nlohmann::json& j) { j["feasibility"][2]["suppressed"] = "yes"; },
       "application.feasibility[2].suppressed"},
      {"purpose", [](nlohmann::json& j) { j["content"]["intended_use"]["category"] = "XX"; },
       "application.content.intended_use.category: unknown DUO term 'XX'"},
      {"amendment", [](nlohmann::json& j) { j["pending_amendment"]["sites"] = "tohoku"; },
       "application.pending_amendment.sites: expected an array"},
      {"party", [](nlohmann::json& j) { j["contracts"][0]["providing_site"]["signed_on"] = 1; },
       "application.contracts[0].providing_site.signed_on: expected a date"},
      {"decision", [](nlohmann::json& j) { j["data_use_match"][1]["decision"] = "maybe"; },
       "application.data_use_match[1].decision: unknown value 'maybe'; use one of allowed"},
      {"review term",
       [](nlohmann::json& j) { j["data_use_match"][0]["review"][1]["term"] = "DUO:9999999"; },
       "application.data_use_match[0].review[1].term: unknown DUO term 'DUO:9999999'"},
  };
  for (const Case& c : cases) {
    nlohmann::json j = ToJson(RichApplication());
    c.change(j);
    Result<Application> a = ApplicationFromJson(j);
    ASSERT_FALSE(a.ok()) << c.label;
    EXPECT_EQ(a.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(a.status().message().find(c.needle), std::string::npos)
        << c.label << ": " << a.status().message();
  }
  Result<Application> not_object = ApplicationFromJson(nlohmann::json::array());
  ASSERT_FALSE(not_object.ok());
  EXPECT_NE(not_object.status().message().find("application: expected an object, got array"),
            std::string::npos);
}

}  // namespace
}  // namespace renkei
