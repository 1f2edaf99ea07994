// The hub's application routes over HTTP: the whole data-use journey with real nodes behind the
// hub (feasibility counts come from cross-search), object-level access, bad input and the
// audit trail.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <filesystem>

#include "api/api_test_fixture.h"
#include "api/hub_test_client.h"
#include "api/openapi_check.h"
#include "crypto/sodium.h"
#include "identity/totp.h"

namespace renkei {
namespace {

using nlohmann::json;
using Clock = std::chrono::system_clock;

// Two cohorts: a large one (shown) and one that is empty by construction (0 samples: withheld
// at the registered tier, zero included).
const char* const kLargeCohort = "sex=female";
const char* const kEmptyCohort = "sex=male & sex=female";

using testing::Answer;
using testing::Credentials;

std::string Day(Clock::time_point t) {
  const std::chrono::year_month_day d{std::chrono::floor<std::chrono::days>(t)};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()),
                static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
  return buf;
}

class HubApplicationsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::filesystem::path(testing::TestDir("renkei-hub-apps-test"));
    const crypto::Ed25519KeyPair keys = crypto::GenerateEd25519KeyPair();
    HubConfig c = testing::LoopbackHubConfig(8);
    c.secret_key = keys.secret_key;
    // Two real nodes and a site that is down (nothing listens on port 1).
    nodes_ = new std::vector<testing::RunningNode>();
    for (const auto& [site, dataset, biobank] :
         {std::tuple{"tohoku", "tmm_wgs", "TMM"}, std::tuple{"imsut", "bbj_wgs", "BBJ"}}) {
      ASSERT_NO_FATAL_FAILURE(nodes_->emplace_back().Start(testing::LoopbackNodeConfig(
          site, keys.public_key, {{dataset, testing::MakeStore(*dir_, biobank, 120, 20)}})));
      c.sites.push_back({site, site, nodes_->back().url()});
    }
    c.sites.push_back({"nig", "nig (down)", "http://127.0.0.1:1"});
    c.timeout_ms = 1000;
    hub_ = new testing::RunningHub();
    ASSERT_NO_FATAL_FAILURE(hub_->Start(c));
    // The requested dataset, registered with conditions that serve Content()'s purpose
    // (health/medical data; research on E11).
    RegisterDataset("tmm_wgs", "tohoku", {{"permission", "HMB"}});
  }
  static void TearDownTestSuite() {
    delete hub_;
    delete nodes_;
    std::filesystem::remove_all(*dir_);
    delete dir_;
  }

  // Registers (or re-registers) a dataset with data-use conditions `data_use` (DUO JSON form),
  // as a site administrator would; returns its version.
  static int64_t RegisterDataset(const std::string& id, const std::string& site,
                                 const json& data_use, const std::string& title = "") {
    workflow::DatasetRegistry& registry = hub_->server->service().datasets();
    Result<workflow::DatasetVersion> current = registry.Get(id);
    const json description = {{"title", title.empty() ? id + " whole genomes" : title},
                              {"description", "Whole-genome sequences."},
                              {"study", {{"title", "A cohort study"}}},
                              {"policy", "As coded in data_use."},
                              {"data_use", data_use},
                              {"dac", {{"name", "A DAC"}}}};
    Result<workflow::DatasetVersion> v = registry.Register(
        id, site, description,
        "sample_id\tbiobank\tage_band\tsex\tprefecture\ticd10\nS1\tTMM\t60-69\tmale\t04\tE11\n",
        "site-admin", std::chrono::floor<std::chrono::seconds>(Clock::now()),
        current.ok() ? current->version : 0);
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return v.ok() ? v->version : 0;
  }

  static Answer Raw(const std::string& method, const std::string& path, const std::string& body,
                    const std::string& content_type, const Credentials& who) {
    return testing::HubTestClient(*hub_).Raw(method, path, body, content_type, who);
  }
  static Answer Call(const std::string& method, const std::string& path, const json& body,
                     const Credentials& who) {
    return testing::HubTestClient(*hub_).Call(method, path, body, who);
  }

  // An account with `roles` (besides researcher), signed in; staff roles get a second factor.
  static Credentials Account(const std::string& email, std::vector<std::string> roles) {
    return testing::HubTestClient(*hub_).Account(email, roles, !roles.empty());
  }

  // Complete data-use content requesting all three sites, with both cohorts.
  static json Content() {
    const auto now = Clock::now();
    return {{"title", "Rare variants in type 2 diabetes"},
            {"institution", "Example University"},
            {"organisation", "academic"},
            {"datasets", {"tmm_wgs"}},
            {"sites", {"tohoku", "imsut", "nig"}},
            {"research_plan", "Association analysis of whole-genome variants with T2D."},
            {"purpose", "Find rare variants associated with type 2 diabetes."},
            {"intended_use", {{"category", "DUO:0000007"}, {"diseases", {"E11"}}}},
            {"period_start", Day(now)},
            {"period_end", Day(now + std::chrono::days(365))},
            {"cohorts", {kLargeCohort, kEmptyCohort}}};
  }

  // Takes an action at the application's current version; returns the answer.
  static Answer Act(const std::string& id, const Credentials& who, json body) {
    const Answer got = Call("GET", "/v1/applications/" + id, {}, who);
    if (got.status != 200) return got;
    body["version"] = got.body["version"];
    return Call("POST", "/v1/applications/" + id + "/actions", body, who);
  }

  // A submitted data-use application of a new researcher.
  static std::pair<std::string, Credentials> Submitted(const std::string& email) {
    const Credentials r = Account(email, {});
    Answer a = Call("POST", "/v1/applications", {{"kind", "data_use"}, {"content", Content()}}, r);
    EXPECT_EQ(a.status, 201) << a.raw;
    const std::string id = a.body.value("id", "");
    a = Act(id, r, {{"action", "submit"}});
    EXPECT_EQ(a.status, 200) << a.raw;
    return {id, r};
  }

  // A draft of Content() requesting `datasets`, by a new researcher.
  static std::pair<std::string, Credentials> Draft(const std::string& email,
                                                   std::vector<std::string> datasets) {
    const Credentials r = Account(email, {});
    json content = Content();
    content["datasets"] = datasets;
    const Answer a =
        Call("POST", "/v1/applications", {{"kind", "data_use"}, {"content", content}}, r);
    EXPECT_EQ(a.status, 201) << a.raw;
    return {a.body.value("id", ""), r};
  }
  // The audit entries about application `id`, oldest first.
  static std::vector<json> AuditOf(const std::string& id) {
    const Credentials admin = Account("duo-audit-" + id + "@example.jp", {"platform_admin"});
    const Answer a = Call("GET", "/v1/admin/audit?action=application.&limit=1000", {}, admin);
    EXPECT_EQ(a.status, 200) << a.raw;
    std::vector<json> out;
    for (const json& e : a.body["entries"]) {
      if (e["target"] == "application:" + id) out.insert(out.begin(), e);
    }
    return out;
  }

  static inline std::filesystem::path* dir_ = nullptr;
  static inline std::vector<testing::RunningNode>* nodes_ = nullptr;
  static inline testing::RunningHub* hub_ = nullptr;
};

std::vector<std::string> Names(const json& actions) {
  std::vector<std::string> out;
  for (const json& a : actions) out.push_back(a.get<std::string>());
  return out;
}

TEST_F(HubApplicationsTest, TheWholeJourneyOverHttp) {
  const Credentials alice = Account("alice@example.ac.jp", {});
  const Credentials sec = Account("sec@example.jp", {"secretariat"});
  const Credentials rev1 = Account("rev1@example.jp", {"reviewer"});
  const Credentials rev2 = Account("rev2@example.jp", {"reviewer"});
  const Credentials rev3 = Account("rev3@example.jp", {"reviewer"});
  const Credentials tohoku = Account("tohoku@example.jp", {"site_admin:tohoku"});
  const json doc = OpenApi();

  // Create a draft with a title only, then edit it into a complete application.
  Answer a = Call("POST", "/v1/applications",
                  {{"kind", "data_use"}, {"content", {{"title", "Draft title"}}}}, alice);
  ASSERT_EQ(a.status, 201) << a.raw;
  EXPECT_EQ(Validate(doc, "Application", a.body), "");
  const std::string id = a.body["id"];
  const std::string path = "/v1/applications/" + id;
  EXPECT_EQ(a.body["state"], "draft");
  EXPECT_EQ(a.body["applicant"], alice.user);
  EXPECT_EQ(a.body["version"], 1);
  EXPECT_EQ(Names(a.body["actions"]), (std::vector<std::string>{"edit", "submit", "close"}));
  // An incomplete draft cannot be submitted: the message names the missing fields.
  a = Act(id, alice, {{"action", "submit"}});
  EXPECT_EQ(a.status, 400) << a.raw;
  EXPECT_NE(a.raw.find("institution: required"), std::string::npos) << a.raw;
  a = Act(id, alice, {{"action", "edit"}, {"content", Content()}});
  ASSERT_EQ(a.status, 200) << a.raw;
  EXPECT_EQ(a.body["version"], 2);
  EXPECT_EQ(a.body["content"]["title"], "Rare variants in type 2 diabetes");
  a = Act(id, alice, {{"action", "submit"}});
  ASSERT_EQ(a.status, 200) << a.raw;
  EXPECT_EQ(a.body["state"], "submitted");
  // The researcher's own list shows it; the secretariat's default view lists submitted ones.
  a = Call("GET", "/v1/applications", {}, alice);
  ASSERT_EQ(a.status, 200) << a.raw;
  EXPECT_EQ(a.body["view"], "mine");
  ASSERT_EQ(a.body["applications"].size(), 1u);
  EXPECT_EQ(a.body["applications"][0]["id"], id);
  EXPECT_EQ(Validate(doc, "ApplicationList", a.body), "");
  a = Call("GET", "/v1/applications", {}, sec);
  ASSERT_EQ(a.status, 200) << a.raw;
  EXPECT_EQ(a.body["view"], "secretariat");
  EXPECT_NE(a.raw.find(id), std::string::npos);
  const Answer sec_view = Call("GET", path, {}, sec);
  EXPECT_EQ(Names(sec_view.body["actions"]),
            (std::vector<std::string>{"record_feasibility", "return", "forward"}));

  // Feasibility is computed: counts typed by the secretariat are refused.
  a = Act(id, sec,
          {{"action", "record_feasibility"},
           {"feasibility", {{{"site", "tohoku"}, {"cohort", 0}, {"count", 5}}}}});
  EXPECT_EQ(a.status, 400) << a.raw;
  EXPECT_NE(a.raw.find("computed by the hub"), std::string::npos);
  a = Act(id, sec, {{"action", "record_feasibility"}});
  ASSERT_EQ(a.status, 200) << a.raw;
  // Each count equals what cross-search tells the applicant for that cohort and site: shown
  // counts exactly, withheld ones (null) as suppressed, and the site that is down unavailable.
  const json feasibility = a.body["feasibility"];
  ASSERT_EQ(feasibility.size(), 6u) << feasibility.dump();
  int shown = 0, suppressed = 0, unavailable = 0;
  for (int cohort = 0; cohort < 2; ++cohort) {
    const Answer search =
        Call("POST", "/v1/search", {{"cohort", cohort == 0 ? kLargeCohort : kEmptyCohort}}, alice);
    ASSERT_EQ(search.status, 200) << search.raw;
    EXPECT_EQ(search.body["tier"], "registered");
    for (const std::string site : {"tohoku", "imsut", "nig"}) {
      SCOPED_TRACE(site + " cohort " + std::to_string(cohort));
      const json* f = nullptr;
      for (const json& x : feasibility) {
        if (x["site"] == site && x["cohort"] == cohort) f = &x;
      }
      ASSERT_NE(f, nullptr);
      const json& by_site = search.body["cohort_size"]["by_site"];
      if (site == "nig") {
        EXPECT_EQ((*f)["unavailable"], true);
        EXPECT_EQ((*f)["suppressed"], false);
        EXPECT_EQ((*f)["count"], 0);
        EXPECT_FALSE(by_site.contains("nig") && by_site["nig"].is_number());
        ++unavailable;
      } else if (by_site.at(site).is_null()) {
        EXPECT_EQ((*f)["suppressed"], true);
        EXPECT_EQ((*f)["count"], 0);
        ++suppressed;
      } else {
        EXPECT_EQ((*f)["suppressed"], false);
        EXPECT_EQ((*f)["unavailable"], false);
        EXPECT_EQ((*f)["count"], by_site.at(site));
        EXPECT_GE((*f)["count"].get<int64_t>(), 10);  // above the floor, so shown
        ++shown;
      }
    }
  }
  EXPECT_EQ(shown, 2);       // sex=female at both sites
  EXPECT_EQ(suppressed, 2);  // the empty cohort: 0 is withheld, never shown
  EXPECT_EQ(unavailable, 2);

  // Returned for revision, resubmitted, forwarded.
  a = Act(id, sec, {{"action", "return"}, {"comment", "Please add a data management plan."}});
  ASSERT_EQ(a.status, 200) << a.raw;
  EXPECT_EQ(a.body["state"], "returned");
  a = Act(id, alice, {{"action", "submit"}, {"comment", "Plan added."}});
  ASSERT_EQ(a.status, 200) << a.raw;
  a = Act(id, sec, {{"action", "forward"}});
  ASSERT_EQ(a.status, 200) << a.raw;
  EXPECT_EQ(a.body["state"], "under_review");
  a = Call("GET", "/v1/applications", {}, rev1);
  EXPECT_EQ(a.body["view"], "reviewer");
  EXPECT_NE(a.raw.find(id), std::string::npos);

  // A reviewer with a conflict cannot vote; two others vote and one decides.
  a = Act(id, rev3, {{"action", "declare_conflict"}, {"comment", "co-author"}});
  ASSERT_EQ(a.status, 200) << a.raw;
  a = Act(id, rev3, {{"action", "vote"}, {"vote", "approve"}});
  EXPECT_EQ(a.status, 403) << a.raw;
  EXPECT_NE(a.raw.find("conflict"), std::string::npos) << a.raw;
  a = Act(id, rev1, {{"action", "vote"}, {"vote", "approve"}, {"comment", "Sound plan."}});
  ASSERT_EQ(a.status, 200) << a.raw;
  a = Act(id, rev2, {{"action", "vote"}, {"vote", "approve"}});
  ASSERT_EQ(a.status, 200) << a.raw;
  a = Act(id, rev1, {{"action", "decide"}});
  ASSERT_EQ(a.status, 200) << a.raw;
  EXPECT_EQ(a.body["state"], "approved");

  // Contract, grant, revoke.
  const std::string today = Day(Clock::now());
  a = Act(id, sec,
          {{"action", "record_contract"},
           {"contract",
            {{"site", "tohoku"},
             {"user_institution", {{"name", "Example University"}, {"signed_on", today}}},
             {"providing_site", {{"name", "Tohoku Medical Megabank"}, {"signed_on", today}}},
             {"platform_operator", {{"name", "renkei operator"}, {"signed_on", today}}},
             {"document_ref", "contracts/0001.pdf"}}}});
  ASSERT_EQ(a.status, 200) << a.raw;
  EXPECT_EQ(a.body["state"], "contracted");
  const std::string period_end = Content()["period_end"];
  a = Act(
      id, tohoku,
      {{"action", "grant"}, {"site", "tohoku"}, {"dataset", "tmm_wgs"}, {"expiry", period_end}});
  ASSERT_EQ(a.status, 200) << a.raw;
  EXPECT_EQ(a.body["state"], "granted");
  ASSERT_EQ(a.body["grants"].size(), 1u);
  EXPECT_EQ(a.body["grants"][0]["expiry"], period_end + "T00:00:00Z");
  EXPECT_EQ(a.body["grants"][0]["granted_by"], tohoku.user);
  EXPECT_EQ(Validate(doc, "Application", a.body), "");
  a = Call("GET", "/v1/applications", {}, tohoku);
  EXPECT_EQ(a.body["view"], "site_admin");
  EXPECT_NE(a.raw.find(id), std::string::npos);
  a = Act(id, tohoku, {{"action", "revoke"}, {"site", "tohoku"}, {"comment", "protocol breach"}});
  ASSERT_EQ(a.status, 200) << a.raw;
  EXPECT_EQ(a.body["state"], "revoked");
  EXPECT_TRUE(a.body["actions"].empty());

  // The history names every step in order.
  std::vector<std::string> steps;
  for (const json& e : a.body["history"]) steps.push_back(e["action"]);
  EXPECT_EQ(steps,
            (std::vector<std::string>{"create", "edit", "submit", "record_feasibility", "return",
                                      "submit", "forward", "declare_conflict", "vote", "vote",
                                      "decide", "record_contract", "grant", "revoke"}));
}

TEST_F(HubApplicationsTest, OthersCannotReadOrChangeItById) {
  const auto [id, owner] = Submitted("owner@example.ac.jp");
  const std::string path = "/v1/applications/" + id;
  const Credentials other = Account("other@example.ac.jp", {});
  const Credentials nig = Account("nig-admin@example.jp", {"site_admin:nig-other"});
  const Credentials tohoku = Account("tohoku2@example.jp", {"site_admin:tohoku"});
  // Another researcher: 404 exactly as for an id that does not exist, for every verb.
  const Answer missing = Call("GET", "/v1/applications/APP-999999", {}, other);
  EXPECT_EQ(missing.status, 404);
  Answer a = Call("GET", path, {}, other);
  EXPECT_EQ(a.status, 404) << a.raw;
  EXPECT_EQ(a.body["error"]["message"],
            "no application '" + id + "'");  // the same words as for a missing one
  a = Call("POST", path + "/actions", {{"action", "edit"}, {"version", 2}, {"content", Content()}},
           other);
  EXPECT_EQ(a.status, 404) << a.raw;
  a = Call("POST", path + "/actions", {{"action", "close"}, {"version", 2}}, other);
  EXPECT_EQ(a.status, 404) << a.raw;
  a = Call("GET", "/v1/applications?limit=500", {}, other);
  ASSERT_EQ(a.status, 200);
  EXPECT_EQ(a.raw.find(id), std::string::npos);
  // The other researcher cannot take a staff view either.
  EXPECT_EQ(Call("GET", "/v1/applications?view=secretariat", {}, other).status, 403);
  // A site administrator of another site cannot read it; of a requested site can.
  EXPECT_EQ(Call("GET", path, {}, nig).status, 404);
  a = Call("GET", "/v1/applications?limit=500", {}, nig);
  ASSERT_EQ(a.status, 200) << a.raw;
  EXPECT_EQ(a.raw.find(id), std::string::npos);
  EXPECT_EQ(Call("GET", "/v1/applications?site=tohoku", {}, nig).status, 403);
  EXPECT_EQ(Call("GET", path, {}, tohoku).status, 200);
  // The owner still can, and the application is unchanged.
  a = Call("GET", path, {}, owner);
  ASSERT_EQ(a.status, 200);
  EXPECT_EQ(a.body["state"], "submitted");
  EXPECT_EQ(a.body["version"], 2);
}

TEST_F(HubApplicationsTest, BadInputGetsClearErrors) {
  const auto [id, owner] = Submitted("bad-input@example.ac.jp");
  const std::string actions = "/v1/applications/" + id + "/actions";
  const json doc = OpenApi();
  struct Case {
    std::string label, path, body, type;
    int status;
    std::string needle;
  };
  const std::vector<Case> cases = {
      {"malformed JSON", actions, "{\"action\": ", "application/json", 400, "not valid JSON"},
      {"not an object", "/v1/applications", "[1]", "application/json", 400, "JSON object"},
      {"oversized", "/v1/applications", std::string(300 * 1024, ' '), "application/json", 400,
       "at most 262144 bytes"},
      {"wrong content type", "/v1/applications", R"({"kind": "data_use"})", "text/plain", 400,
       "Content-Type must be application/json"},
      {"form content type", actions, R"({"action": "close", "version": 2})",
       "application/x-www-form-urlencoded", 400, "Content-Type"},
      {"unknown kind", "/v1/applications", R"({"kind": "genomes"})", "application/json", 400,
       "unknown application kind 'genomes'"},
      {"missing kind", "/v1/applications", "{}", "application/json", 400, "'kind' is required"},
      {"unknown field", actions, R"({"action": "close", "version": 2, "x": 1})", "application/json",
       400, "unknown field 'x'"},
      {"unknown action", actions, R"({"action": "approve", "version": 2})", "application/json", 400,
       "unknown action 'approve'"},
      {"no version", actions, R"({"action": "close"})", "application/json", 400,
       "'version' is required"},
      {"stale version", actions, R"({"action": "close", "version": 1})", "application/json", 409,
       "is at version 2, not 1"},
      {"out of order", actions, R"({"action": "edit", "version": 2})", "application/json", 409,
       "submitted"},
      {"bad vote", actions, R"({"action": "vote", "vote": "yes", "version": 2})",
       "application/json", 400, "unknown vote 'yes'"},
      {"bad expiry", actions, R"({"action": "grant", "expiry": "2026-02-30", "version": 2})",
       "application/json", 400, "expiry: '2026-02-30' is not a calendar date"},
      {"bad content", actions,
       R"({"action": "edit", "content": {"period_end": "soon"}, "version": 2})", "application/json",
       400, "content.period_end"},
      {"bad list state", "/v1/applications?state=pending", "", "", 400,
       "unknown application state 'pending'"},
      {"bad list limit", "/v1/applications?limit=0", "", "", 400, "'limit' must be"},
      {"bad view", "/v1/applications?view=king", "", "", 400, "view"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.label);
    const Answer a =
        Raw(c.body.empty() && c.type.empty() ? "GET" : "POST", c.path, c.body, c.type, owner);
    EXPECT_EQ(a.status, c.status) << a.raw.substr(0, 300);
    EXPECT_NE(a.raw.find(c.needle), std::string::npos) << a.raw.substr(0, 300);
    EXPECT_EQ(Validate(doc, "Error", a.body), "") << a.raw.substr(0, 300);
  }
  // The out-of-order message names the current state and what it allows.
  const Answer a = Call("POST", actions, {{"action", "edit"}, {"version", 2}}, owner);
  EXPECT_NE(a.raw.find("submitted"), std::string::npos) << a.raw;
  // None of it changed the application.
  EXPECT_EQ(Call("GET", "/v1/applications/" + id, {}, owner).body["version"], 2);
}

TEST_F(HubApplicationsTest, ListingFiltersAndPages) {
  const Credentials r = Account("lister@example.ac.jp", {});
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    const Answer a = Call("POST", "/v1/applications", {{"kind", "platform_use"}}, r);
    ASSERT_EQ(a.status, 201) << a.raw;
    ids.push_back(a.body["id"]);
  }
  const Answer inquiry =
      Call("POST", "/v1/applications",
           {{"kind", "inquiry"}, {"content", {{"title", "Q"}, {"purpose", "Which data?"}}}}, r);
  ASSERT_EQ(inquiry.status, 201) << inquiry.raw;
  EXPECT_EQ(inquiry.body["state"], "open");
  Answer a = Call("GET", "/v1/applications?kind=platform_use&limit=2", {}, r);
  ASSERT_EQ(a.status, 200) << a.raw;
  ASSERT_EQ(a.body["applications"].size(), 2u);
  EXPECT_EQ(a.body["applications"][0]["id"], ids[2]);  // newest first
  ASSERT_TRUE(a.body["next_cursor"].is_string());
  a = Call("GET",
           "/v1/applications?kind=platform_use&limit=2&cursor=" +
               a.body["next_cursor"].get<std::string>(),
           {}, r);
  ASSERT_EQ(a.status, 200) << a.raw;
  ASSERT_EQ(a.body["applications"].size(), 1u);
  EXPECT_EQ(a.body["applications"][0]["id"], ids[0]);
  EXPECT_TRUE(a.body["next_cursor"].is_null());
  a = Call("GET", "/v1/applications?state=open", {}, r);
  ASSERT_EQ(a.body["applications"].size(), 1u);
  EXPECT_EQ(a.body["applications"][0]["kind"], "inquiry");
  // Drafts never reach staff views, even when asked for.
  const Credentials admin = Account("list-admin@example.jp", {"platform_admin"});
  a = Call("GET", "/v1/applications?state=draft&limit=500", {}, admin);
  ASSERT_EQ(a.status, 200) << a.raw;
  EXPECT_TRUE(a.body["applications"].empty()) << a.raw;
  EXPECT_EQ(Call("GET", "/v1/applications/" + ids[0], {}, admin).status, 404);
  // A non-researcher cannot create one.
  const Credentials sec = Account("list-sec@example.jp", {"secretariat"});
  identity::Accounts& accounts = hub_->server->service().accounts();
  auto users = accounts.ListUsers();
  ASSERT_TRUE(users.ok());
  for (const identity::User& u : *users) {
    if (u.email == "list-sec@example.jp") {
      ASSERT_TRUE(
          accounts.RevokeRole(u.id, *identity::ParseRole("researcher"), "system", Clock::now())
              .ok());
    }
  }
  a = Call("POST", "/v1/applications", {{"kind", "platform_use"}}, sec);
  EXPECT_EQ(a.status, 403) << a.raw;
}

TEST_F(HubApplicationsTest, EveryTransitionIsAudited) {
  const auto [id, owner] = Submitted("audited@example.ac.jp");
  const Credentials sec = Account("audit-sec@example.jp", {"secretariat"});
  const Credentials admin = Account("audit-admin@example.jp", {"platform_admin"});
  ASSERT_EQ(Act(id, sec, {{"action", "forward"}}).status, 200);
  ASSERT_EQ(Act(id, owner, {{"action", "submit"}}).status, 409);  // refused: audited too
  const Answer a = Call("GET", "/v1/admin/audit?action=application.&limit=1000", {}, admin);
  ASSERT_EQ(a.status, 200) << a.raw;
  std::vector<std::string> seen;  // oldest first: "actor action outcome from→to"
  for (const json& e : a.body["entries"]) {
    if (e["target"] != "application:" + id) continue;
    const json& d = e["detail"];
    seen.insert(seen.begin(), e["actor"].get<std::string>() + " " + e["action"].get<std::string>() +
                                  " " + e["outcome"].get<std::string>() + " " +
                                  d.value("from", "-") + "→" + d.value("to", "-"));
  }
  EXPECT_EQ(seen, (std::vector<std::string>{
                      owner.user + " application.create ok -→draft",
                      owner.user + " application.submit ok draft→submitted",
                      sec.user + " application.forward ok submitted→under_review",
                      owner.user + " application.submit denied under_review→-",
                  }));
  EXPECT_EQ(Call("GET", "/v1/admin/audit/verify", {}, admin).body["intact"], true);
}

// ---- Data-use matching at submission (issue 4) ------------------------------------------

TEST_F(HubApplicationsTest, DataUseHealthResearchDatasetAllowsADiseaseSpecificPurpose) {
  // tmm_wgs is HMB: health/medical research, which includes research on E11 (DUO: HMB ⊃ DS).
  const auto [id, r] = Draft("duo-allowed@example.ac.jp", {"tmm_wgs"});
  Answer a = Act(id, r, {{"action", "submit"}});
  ASSERT_EQ(a.status, 200) << a.raw;
  EXPECT_EQ(a.body["state"], "submitted");
  ASSERT_EQ(a.body["data_use_match"].size(), 1u) << a.raw;
  const json& m = a.body["data_use_match"][0];
  EXPECT_EQ(m["dataset"], "tmm_wgs");
  EXPECT_EQ(m["dataset_version"], hub_->server->service().datasets().Get("tmm_wgs")->version);
  EXPECT_EQ(m["decision"], "allowed");
  EXPECT_TRUE(m["review"].empty());
  EXPECT_EQ(Validate(OpenApi(), "Application", a.body), "");
  EXPECT_EQ(
      a.body["history"].back()["detail"],
      "data use: tmm_wgs v" + std::to_string(m["dataset_version"].get<int64_t>()) + " allowed");
  // The secretariat sees the same match on the document it checks.
  const Credentials sec = Account("duo-sec@example.jp", {"secretariat"});
  a = Call("GET", "/v1/applications/" + id, {}, sec);
  ASSERT_EQ(a.status, 200) << a.raw;
  EXPECT_EQ(a.body["data_use_match"][0]["decision"], "allowed");
}

TEST_F(HubApplicationsTest, DataUseEthicsApprovalModifierIsListedForReview) {
  RegisterDataset("irb_wgs", "imsut", {{"permission", "HMB"}, {"modifiers", {{{"term", "IRB"}}}}});
  const auto [id, r] = Draft("duo-irb@example.ac.jp", {"tmm_wgs", "irb_wgs"});
  const Answer a = Act(id, r, {{"action", "submit"}});
  ASSERT_EQ(a.status, 200) << a.raw;
  const json& m = a.body["data_use_match"];
  ASSERT_EQ(m.size(), 2u) << a.raw;
  EXPECT_EQ(m[0]["decision"], "allowed");
  EXPECT_EQ(m[1]["dataset"], "irb_wgs");
  EXPECT_EQ(m[1]["decision"], "needs_review");
  ASSERT_EQ(m[1]["review"].size(), 1u);
  EXPECT_EQ(m[1]["review"][0]["term"], "DUO:0000021");
  EXPECT_EQ(m[1]["review"][0]["shorthand"], "IRB");
  EXPECT_EQ(m[1]["review"][0]["label"], "ethics approval required");
  EXPECT_EQ(Validate(OpenApi(), "Application", a.body), "");
}

TEST_F(HubApplicationsTest, DataUseDeniedPurposeIsRefusedNamingDatasetAndReasonAndAudited) {
  // Cancer-only data (DS, C00-D48 neoplasms) do not serve research on E11 (type 2 diabetes).
  RegisterDataset("ncc_wgs", "nig", {{"permission", "DS"}, {"diseases", {"C00-D48"}}},
                  "NCC cancer genomes");
  const auto [id, r] = Draft("duo-denied@example.ac.jp", {"tmm_wgs", "ncc_wgs"});
  const Answer a = Act(id, r, {{"action", "submit"}});
  EXPECT_EQ(a.status, HttpStatusFor(StatusCode::kInvalidArgument)) << a.raw;
  EXPECT_EQ(a.body["error"]["code"], "InvalidArgument") << a.raw;
  const std::string msg = a.body["error"]["message"];
  EXPECT_NE(msg.find("Dataset 'ncc_wgs' (\"NCC cancer genomes\", version 1) does not allow this "
                     "use: DS (DUO:0000007) allows research on"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("the purpose's E11 is not within it"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("'tmm_wgs'"), std::string::npos) << msg;  // that one matches
  EXPECT_EQ(Validate(OpenApi(), "Error", a.body), "");
  // Nothing changed.
  const Answer after = Call("GET", "/v1/applications/" + id, {}, r);
  EXPECT_EQ(after.body["state"], "draft");
  EXPECT_EQ(after.body["version"], 1);
  EXPECT_TRUE(after.body["data_use_match"].empty());
  // The refusal is audited like other refused transitions, with the reason.
  const std::vector<json> audit = AuditOf(id);
  ASSERT_EQ(audit.size(), 2u);
  EXPECT_EQ(audit[1]["action"], "application.submit");
  EXPECT_EQ(audit[1]["actor"], r.user);
  EXPECT_EQ(audit[1]["outcome"], "denied");
  EXPECT_EQ(audit[1]["detail"]["from"], "draft");
  EXPECT_EQ(audit[1]["detail"]["code"], "InvalidArgument");
  EXPECT_NE(audit[1]["detail"]["message"].get<std::string>().find("ncc_wgs"), std::string::npos);
}

TEST_F(HubApplicationsTest, DataUseUnregisteredDatasetIsRefusedByName) {
  const auto [id, r] = Draft("duo-ghost@example.ac.jp", {"tmm_wgs", "ghost_wgs"});
  const Answer a = Act(id, r, {{"action", "submit"}});
  EXPECT_EQ(a.status, HttpStatusFor(StatusCode::kInvalidArgument)) << a.raw;
  EXPECT_NE(a.raw.find("Dataset 'ghost_wgs' is not registered at the hub"), std::string::npos)
      << a.raw;
  EXPECT_EQ(Call("GET", "/v1/applications/" + id, {}, r).body["state"], "draft");
}

TEST_F(HubApplicationsTest, DataUseResubmissionMatchesTheCurrentRegisteredVersion) {
  RegisterDataset("changing_wgs", "imsut", {{"permission", "GRU"}});
  const auto [id, r] = Draft("duo-resubmit@example.ac.jp", {"changing_wgs"});
  ASSERT_EQ(Act(id, r, {{"action", "submit"}}).status, 200);
  const Credentials sec = Account("duo-resubmit-sec@example.jp", {"secretariat"});
  ASSERT_EQ(Act(id, sec, {{"action", "return"}, {"comment", "Please revise."}}).status, 200);
  // The site narrows the dataset to population-origins research (POA) in version 2.
  ASSERT_EQ(RegisterDataset("changing_wgs", "imsut", {{"permission", "POA"}}), 2);
  Answer a = Act(id, r, {{"action", "submit"}});
  EXPECT_EQ(a.status, HttpStatusFor(StatusCode::kInvalidArgument)) << a.raw;
  EXPECT_NE(a.raw.find("version 2) does not allow this use: POA (DUO:0000011) limits use to "
                       "population origins or ancestry research"),
            std::string::npos)
      << a.raw;
  a = Call("GET", "/v1/applications/" + id, {}, r);
  EXPECT_EQ(a.body["state"], "returned");
  EXPECT_EQ(a.body["data_use_match"][0]["dataset_version"], 1);  // the first submission's
  // Revised to a population-origins purpose, it goes through against version 2.
  a = Act(id, r, {{"action", "edit"}, {"content", [] {
                                         json c = Content();
                                         c["datasets"] = {"changing_wgs"};
                                         c["intended_use"] = {{"category", "POA"}};
                                         return c;
                                       }()}});
  ASSERT_EQ(a.status, 200) << a.raw;
  a = Act(id, r, {{"action", "submit"}});
  ASSERT_EQ(a.status, 200) << a.raw;
  EXPECT_EQ(a.body["data_use_match"][0]["dataset_version"], 2);
  EXPECT_EQ(a.body["data_use_match"][0]["decision"], "allowed");
}

}  // namespace
}  // namespace renkei
