// What the hub records of a query for usage reports (issue 4): the application (project) whose
// grants let a controlled-tier answer through and the datasets answered at that tier, with a
// hub and two nodes on loopback. Every expected entry and report row below is derived by hand
// from the grants each test sets up and the datasets each node holds.
#include "api/hub_service.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "api/api_test_fixture.h"
#include "audit/usage.h"
#include "crypto/sodium.h"
#include "identity/passport.h"
#include "store/store.h"

namespace renkei {
namespace {

using nlohmann::json;

using testing::UnixNow;

constexpr char kCohort[] = "sex=female";

// Site tohoku holds TMM-a and BBJ-a, site imsut holds NCBN-b.
class HubQueryAuditTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::filesystem::path(testing::TestDir("renkei-hub-attr-test"));
    keys_ = new testing::HubVisaKeys();
    ASSERT_NO_FATAL_FAILURE(keys_->Make(*dir_));
    const std::string tmm = testing::MakeStore(*dir_, "TMM", 120, 40);
    const std::string bbj = testing::MakeStore(*dir_, "BBJ", 100, 40);
    const std::string ncbn = testing::MakeStore(*dir_, "NCBN", 100, 40);
    Result<GenotypeStore> store = GenotypeStore::Open(tmm);
    ASSERT_TRUE(store.ok());
    const VariantView v = store->Variant(0);
    variant_ = new std::string(std::string(v.contig) + ":" + std::to_string(v.pos) + ":" +
                               std::string(v.ref) + ":" + std::string(v.Alt(0)));
    nodes_ = new std::vector<testing::RunningNode>();
    const std::vector<std::pair<std::string, std::vector<NodeDatasetConfig>>> sites = {
        {"tohoku", {{"TMM-a", tmm}, {"BBJ-a", bbj}}}, {"imsut", {{"NCBN-b", ncbn}}}};
    HubConfig hc = keys_->Hub(2);
    for (const auto& [site, datasets] : sites) {
      NodeConfig nc = testing::LoopbackNodeConfig(site, keys_->signing.public_key, datasets);
      nc.visa = keys_->NodeVisa();
      ASSERT_NO_FATAL_FAILURE(nodes_->emplace_back().Start(nc));
      hc.sites.push_back({site, site, nodes_->back().url()});
    }
    hc.api_keys = {{crypto::Sha256("standing-key"), Tier::kControlled, "standing"}};
    Result<std::unique_ptr<HubService>> hub = HubService::Create(hc);
    ASSERT_TRUE(hub.ok()) << hub.status().ToString();
    hub_ = hub->release();
  }

  static void TearDownTestSuite() {
    delete hub_;
    delete nodes_;
    delete keys_;
    delete variant_;
    std::filesystem::remove_all(*dir_);
    delete dir_;
  }

  // A granted data-use application of account `user` with grants of (site, dataset) pairs.
  static Application GrantedApplication(
      const std::string& user, const std::vector<std::pair<std::string, std::string>>& grants) {
    return testing::SaveGrantedApplication(*hub_, "user:" + user, grants, granted_at_);
  }

  // The detail of the newest "query." audit entry.
  static json LastQueryDetail() {
    EXPECT_TRUE(hub_->audit().Flush().ok());
    audit::Query q;
    q.action_prefix = "query.";
    q.limit = 1;
    Result<std::vector<audit::Entry>> entries = audit::List(hub_->database(), q);
    EXPECT_TRUE(entries.ok() && entries->size() == 1);
    if (!entries.ok() || entries->empty()) return json();
    return (*entries)[0].event.detail;
  }

  static Caller Account(const std::string& user) {
    Result<Caller> c = hub_->Entitle(Caller{Tier::kRegistered, "user:" + user});
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? *c : Caller{};
  }

  // Today and tomorrow (UTC): the period holding this test's entries.
  static std::pair<std::string, std::string> Today() {
    const auto day = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
    auto text = [](std::chrono::sys_days d) {
      const std::chrono::year_month_day ymd(d);
      char buf[16];
      std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                    static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
      return std::string(buf);
    };
    return {text(day), text(day + std::chrono::days(1))};
  }

  static inline std::filesystem::path* dir_ = nullptr;
  static inline testing::HubVisaKeys* keys_ = nullptr;
  static inline std::vector<testing::RunningNode>* nodes_ = nullptr;
  static inline HubService* hub_ = nullptr;
  static inline std::string* variant_ = nullptr;
  static inline const int64_t granted_at_ = UnixNow() - 100;
};

// One test, in order: the report at the end counts every query above it.
TEST_F(HubQueryAuditTest, QueriesNameTheirProjectAndTheControlledDataTheyUsed) {
  // APP1 grants TMM-a at tohoku, NCBN-b at imsut, and GHOST-x, which imsut does not hold.
  const Application app1 =
      GrantedApplication("42", {{"tohoku", "TMM-a"}, {"imsut", "NCBN-b"}, {"imsut", "GHOST-x"}});
  const Caller user42 = Account("42");
  ASSERT_EQ(user42.tier, Tier::kControlled);

  // (1) A search under APP1: TMM-a and NCBN-b exact; BBJ-a (no grant) is not controlled data,
  // nor is GHOST-x (no site answered for it).
  ASSERT_TRUE(hub_->Search(user42, {{"cohort", kCohort}}).ok());
  const json first = LastQueryDetail();
  EXPECT_EQ(first["tier"], "controlled");
  EXPECT_EQ(first["application"], app1.id);
  EXPECT_EQ(first["datasets"], json::parse(R"([{"site": "tohoku", "id": "TMM-a"},
                                                {"site": "imsut", "id": "NCBN-b"}])"));

  // (2) Preset strata under APP1: the same datasets.
  Result<json> strata = hub_->Strata(user42, {{"variant", *variant_}});
  ASSERT_TRUE(strata.ok()) << strata.status().ToString();
  const json second = LastQueryDetail();
  EXPECT_EQ(second["application"], app1.id);
  EXPECT_EQ(second["datasets"], first["datasets"]);

  // (3) An account without grants: registered tier, no project, no datasets; the sites that
  // answered are recorded as before.
  const Caller user43 = Account("43");
  ASSERT_EQ(user43.tier, Tier::kRegistered);
  ASSERT_TRUE(hub_->Search(user43, {{"cohort", kCohort}}).ok());
  const json third = LastQueryDetail();
  EXPECT_EQ(third["tier"], "registered");
  EXPECT_FALSE(third.contains("application")) << third.dump();
  EXPECT_FALSE(third.contains("datasets")) << third.dump();
  EXPECT_EQ(third["sites"], json::parse(R"([{"id": "tohoku", "status": "ok"},
                                            {"id": "imsut", "status": "ok"}])"));

  // (4) A configured controlled key: a standing grant of every dataset, under no application.
  Result<Caller> standing = hub_->Authenticate("standing-key");
  ASSERT_TRUE(standing.ok());
  ASSERT_TRUE(hub_->Search(*standing, {{"cohort", kCohort}}).ok());
  const json fourth = LastQueryDetail();
  EXPECT_FALSE(fourth.contains("application")) << fourth.dump();
  EXPECT_EQ(fourth["datasets"], json::parse(R"([{"site": "tohoku", "id": "BBJ-a"},
                                                 {"site": "tohoku", "id": "TMM-a"},
                                                 {"site": "imsut", "id": "NCBN-b"}])"));

  // (5) tohoku stops accepting APP1's TMM-a grant (the hub still sends its visa): tohoku says
  // it answered TMM-a at the registered tier, so only NCBN-b was controlled data.
  const std::string tmm_grant = identity::GrantId(app1.id, "tohoku", "TMM-a", granted_at_);
  ASSERT_TRUE((*nodes_)[0]
                  .server->service()
                  .RevokeGrants({{"revoked", {{{"id", tmm_grant}, {"until", UnixNow() + 3600}}}}})
                  .ok());
  Result<json> lowered = hub_->Search(user42, {{"cohort", kCohort}});
  ASSERT_TRUE(lowered.ok()) << lowered.status().ToString();
  ASSERT_TRUE((*lowered)["sites"][0].contains("access")) << lowered->dump();
  const json fifth = LastQueryDetail();
  EXPECT_EQ(fifth["application"], app1.id);
  EXPECT_EQ(fifth["datasets"], json::parse(R"([{"site": "imsut", "id": "NCBN-b"}])"));

  // (6) A second application grants BBJ-a and NCBN-b too: both applications are named, and
  // each dataset says whose grant covered it.
  const Application app2 = GrantedApplication("42", {{"tohoku", "BBJ-a"}, {"imsut", "NCBN-b"}});
  ASSERT_LT(app1.id, app2.id);
  ASSERT_TRUE(hub_->Search(Account("42"), {{"cohort", kCohort}}).ok());
  const json sixth = LastQueryDetail();
  EXPECT_EQ(sixth["application"], json({app1.id, app2.id}));
  EXPECT_EQ(
      sixth["datasets"],
      json::array({{{"site", "tohoku"}, {"id", "BBJ-a"}, {"application", app2.id}},
                   {{"site", "imsut"}, {"id", "NCBN-b"}, {"application", {app1.id, app2.id}}}}));

  // (7) A refused controlled query names no project.
  EXPECT_FALSE(hub_->Search(Account("42"), {{"cohort", "sex=@/etc/passwd"}}).ok());
  const json seventh = LastQueryDetail();
  EXPECT_EQ(seventh["code"], "InvalidArgument");
  EXPECT_FALSE(seventh.contains("application"));

  // The usage report by project, counted by hand from (1)-(7):
  //   ""   (3) registered search, (4) standing search, (7) refused search
  //   APP1 (1) search, (2) strata, (5) search, (6) search
  //   APP2 (6)
  const auto [from, to] = Today();
  Result<audit::UsageReport> r =
      audit::MakeUsageReport(hub_->database(), from, to, audit::UsageGroup::kProject);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  using Accessed = std::map<std::string, int64_t>;
  ASSERT_EQ(r->rows.size(), 3u);
  EXPECT_EQ(r->rows[0].key, "");
  EXPECT_EQ(r->rows[0].queries(), 3);
  EXPECT_EQ(r->rows[0].refused, 1);
  EXPECT_EQ(r->rows[0].by_tier[1], 1);  // registered
  EXPECT_EQ(r->rows[0].by_tier[2], 2);  // controlled: (4), (7)
  EXPECT_EQ(r->rows[0].site_answers, 4);
  EXPECT_EQ(r->rows[0].controlled_answers, 1);
  EXPECT_EQ(r->rows[0].data_accessed, (Accessed{{"BBJ-a", 1}, {"NCBN-b", 1}, {"TMM-a", 1}}));
  EXPECT_EQ(r->rows[1].key, app1.id);
  EXPECT_EQ(r->rows[1].queries(), 4);
  EXPECT_EQ(r->rows[1].by_kind[0], 3);  // search
  EXPECT_EQ(r->rows[1].by_kind[2], 1);  // strata
  EXPECT_EQ(r->rows[1].site_answers, 8);
  EXPECT_EQ(r->rows[1].controlled_answers, 4);
  // TMM-a by (1) (2); NCBN-b by (1) (2) (5) (6); BBJ-a in (6) was APP2's.
  EXPECT_EQ(r->rows[1].data_accessed, (Accessed{{"NCBN-b", 4}, {"TMM-a", 2}}));
  EXPECT_EQ(r->rows[2].key, app2.id);
  EXPECT_EQ(r->rows[2].queries(), 1);
  EXPECT_EQ(r->rows[2].controlled_answers, 1);
  EXPECT_EQ(r->rows[2].data_accessed, (Accessed{{"BBJ-a", 1}, {"NCBN-b", 1}}));
  EXPECT_EQ(r->total.queries(), 7);

  // By site, each dataset counts at its own site only.
  Result<audit::UsageReport> s =
      audit::MakeUsageReport(hub_->database(), from, to, audit::UsageGroup::kSite);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_EQ(s->rows.size(), 3u);
  EXPECT_EQ(s->rows[0].key, "");  // (7)
  EXPECT_EQ(s->rows[1].key, "imsut");
  EXPECT_EQ(s->rows[1].data_accessed, (Accessed{{"NCBN-b", 5}}));  // (1) (2) (4) (5) (6)
  EXPECT_EQ(s->rows[2].key, "tohoku");
  EXPECT_EQ(s->rows[2].data_accessed,
            (Accessed{{"BBJ-a", 2}, {"TMM-a", 3}}));  // (4) (6); (1) (2) (4)
}

}  // namespace
}  // namespace renkei
