// Usage reports over a seeded audit log. Every expected number below was counted by hand from
// the entries in Seed() (the comment beside each entry says what it contributes).
#include "audit/usage.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <thread>

#include "audit/audit_log.h"
#include "crypto/sodium.h"
#include "db/migrate.h"
#include "db/testing.h"

namespace renkei::audit {
namespace {

using nlohmann::json;
using std::chrono::system_clock;

// On SQLite, and on PostgreSQL too when RENKEI_TEST_POSTGRES_URL is set (scripts/test.sh).
class UsageTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(test_db_.Open(
        GetParam(), {{1, "audit", kSchemaSql}, {2, "usage roll-up", kUsageRollupSchemaSql}}));
    if (test_db_.skipped()) return;
    db_ = test_db_.db();
    auto log = AuditLog::Create(db_, crypto::GenerateEd25519KeyPair().secret_key);
    ASSERT_TRUE(log.ok());
    log_ = std::move(*log);
    Seed();
  }

  void TearDown() override { log_.reset(); }

  // `day` "2026-03-DD" at hh:mm:ss.mmm UTC.
  static system_clock::time_point At(int month, int day, int h, int m, int s, int ms = 0) {
    const std::chrono::sys_days d = std::chrono::year(2026) /
                                    std::chrono::month(static_cast<unsigned>(month)) /
                                    std::chrono::day(static_cast<unsigned>(day));
    return system_clock::time_point(d) + std::chrono::hours(h) + std::chrono::minutes(m) +
           std::chrono::seconds(s) + std::chrono::milliseconds(ms);
  }

  void Add(system_clock::time_point t, std::string actor, std::string action, std::string outcome,
           json detail) {
    const Event e{std::move(actor), std::move(action), "", std::move(outcome), "", detail};
    auto seq = log_->Append(e, t);
    ASSERT_TRUE(seq.ok()) << seq.status().ToString();
  }

  void Seed() {
    const json reg_male = {{"tier", "registered"}, {"cohort", "sex=male"}};
    // Before the period.
    Add(At(2, 28, 23, 59, 59, 999), "alice", "query.freq", "ok", reg_male);
    // (2) alice search answered; registered; sites: tohoku and imsut answered, nig did not.
    json d2 = reg_male;
    d2["sites"] = {{{"id", "tohoku"}, {"status", "ok"}},
                   {{"id", "imsut"}, {"status", "ok"}},
                   {{"id", "nig"}, {"status", "unavailable"}}};
    Add(At(3, 1, 0, 0, 0), "alice", "query.search", "ok", d2);
    // (3) alice freq answered, same cohort, by tohoku (bare id = answered).
    json d3 = reg_male;
    d3["sites"] = {"tohoku"};
    Add(At(3, 1, 10, 0, 0), "alice", "query.freq", "ok", d3);
    // (4) alice freq refused, another cohort, no sites.
    Add(At(3, 1, 11, 0, 0), "alice", "query.freq", "denied",
        {{"tier", "registered"}, {"cohort", "age=60-69"}, {"code", "PERMISSION_DENIED"}});
    // (5) bob controlled freq under APP-7 at tohoku and imsut, two datasets.
    Add(At(3, 2, 9, 0, 0), "bob", "query.freq", "ok",
        {{"tier", "controlled"},
         {"cohort", "disease=F00-F03"},
         {"application", "APP-7"},
         {"sites", {{{"id", "tohoku"}, {"status", "ok"}}, {{"id", "imsut"}, {"status", "ok"}}}},
         {"datasets", {"tmm-wgs", "imsut-wgs"}}});
    // (6) bob controlled strata under APP-7, no sites recorded, one dataset.
    Add(At(3, 2, 9, 30, 0), "bob", "query.strata", "ok",
        {{"tier", "controlled"}, {"application", "APP-7"}, {"datasets", {{{"id", "tmm-wgs"}}}}});
    // (7) a malformed freq body refused before the service: recorded with the route's path.
    Add(At(3, 2, 12, 0, 0), "anonymous", "query./v1/freq", "denied",
        {{"tier", "public"}, {"code", "INVALID_ARGUMENT"}});
    // (8) a Beacon request that failed.
    Add(At(3, 2, 13, 0, 0), "anonymous", "query./api/g_variants", "failed", {{"tier", "public"}});
    // Not a query: not counted.
    Add(At(3, 2, 14, 0, 0), "carol", "auth.sign_in", "ok", json::object());
    // (10) a catalog query by an actor whose name is a spreadsheet formula.
    Add(At(3, 2, 23, 59, 59, 999), "=SUM(1,2)", "query.catalog", "ok", {{"tier", "public"}});
    // At the period's end (exclusive): not counted.
    Add(At(3, 3, 0, 0, 0), "alice", "query.freq", "ok", reg_male);
  }

  // With the roll-up, at the system's time: the seeded days are long over, so the first report
  // stores them and later ones read them back.
  Result<UsageReport> Report(UsageGroup by, std::string from = "2026-03-01",
                             std::string to = "2026-03-03") {
    return MakeUsageReport(*db_, from, to, by);
  }

  // With the roll-up, as if the time were `now` (margin one hour unless given).
  Result<UsageReport> ReportAt(system_clock::time_point now, UsageGroup by, std::string from,
                               std::string to, std::chrono::seconds margin = kUsageRollupMargin) {
    UsageOptions o;
    o.now = now;
    o.margin = margin;
    return MakeUsageReport(*db_, from, to, by, o);
  }

  int64_t Count(const std::string& sql) {
    auto row = db_->QueryRow(sql);
    EXPECT_TRUE(row.ok()) << row.status().ToString();
    return row.ok() ? row->Int(0) : -1;
  }

  // Every grouping of [from, to) made with the roll-up at `now` equals the scan of the log.
  void ExpectSameAsScan(system_clock::time_point now, const std::string& from,
                        const std::string& to) {
    for (UsageGroup by :
         {UsageGroup::kUser, UsageGroup::kProject, UsageGroup::kSite, UsageGroup::kDay}) {
      auto rolled = ReportAt(now, by, from, to);
      ASSERT_TRUE(rolled.ok()) << rolled.status().ToString();
      auto scanned = ScanUsageReport(*db_, from, to, by);
      ASSERT_TRUE(scanned.ok()) << scanned.status().ToString();
      EXPECT_EQ(UsageJson(*rolled), UsageJson(*scanned)) << UsageGroupName(by);
    }
  }

  db::TestDatabase test_db_;
  db::Database* db_ = nullptr;
  std::unique_ptr<AuditLog> log_;
};

// A row as {queries, answered, refused, failed, public, registered, controlled, search, freq,
// strata, catalog, beacon, other, distinct_cohorts, site_answers, controlled_answers, jobs}.
std::vector<int64_t> Numbers(const UsageRow& r) {
  std::vector<int64_t> n = {r.queries(), r.answered, r.refused, r.failed};
  n.insert(n.end(), std::begin(r.by_tier), std::end(r.by_tier));
  n.insert(n.end(), std::begin(r.by_kind), std::end(r.by_kind));
  n.insert(n.end(), {r.distinct_cohorts, r.site_answers, r.controlled_answers, r.jobs});
  return n;
}

using Accessed = std::map<std::string, int64_t>;

TEST_P(UsageTest, TotalCountsEveryQueryInThePeriodOnce) {
  for (UsageGroup by :
       {UsageGroup::kUser, UsageGroup::kProject, UsageGroup::kSite, UsageGroup::kDay}) {
    auto r = Report(by);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->entries, 8);
    EXPECT_EQ(r->total.key, "total");
    // Queries 2-8 and 10: 5 answered, 2 refused, 1 failed; 3 public, 3 registered, 2
    // controlled; 1 search, 4 freq, 1 strata, 1 catalog, 1 beacon; 3 cohorts; site answers
    // 2 + 1 + 2; controlled answers (5) and (6).
    EXPECT_EQ(Numbers(r->total),
              (std::vector<int64_t>{8, 5, 2, 1, 3, 3, 2, 1, 4, 1, 1, 1, 0, 3, 5, 2, 0}));
    EXPECT_EQ(r->total.data_accessed, (Accessed{{"imsut-wgs", 1}, {"tmm-wgs", 2}}));
  }
}

TEST_P(UsageTest, ByUser) {
  auto r = Report(UsageGroup::kUser);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->rows.size(), 4u);
  EXPECT_EQ(r->rows[0].key, "=SUM(1,2)");
  EXPECT_EQ(Numbers(r->rows[0]),
            (std::vector<int64_t>{1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(r->rows[1].key, "alice");
  EXPECT_EQ(Numbers(r->rows[1]),
            (std::vector<int64_t>{3, 2, 1, 0, 0, 3, 0, 1, 2, 0, 0, 0, 0, 2, 3, 0, 0}));
  EXPECT_EQ(r->rows[2].key, "anonymous");
  EXPECT_EQ(Numbers(r->rows[2]),
            (std::vector<int64_t>{2, 0, 1, 1, 2, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0}));
  EXPECT_EQ(r->rows[3].key, "bob");
  EXPECT_EQ(Numbers(r->rows[3]),
            (std::vector<int64_t>{2, 2, 0, 0, 0, 0, 2, 0, 1, 1, 0, 0, 0, 1, 2, 2, 0}));
  EXPECT_EQ(r->rows[3].data_accessed, (Accessed{{"imsut-wgs", 1}, {"tmm-wgs", 2}}));
  EXPECT_TRUE(r->rows[1].data_accessed.empty());  // registered answers are not controlled data
}

TEST_P(UsageTest, ByProjectIsTheApplicationAndEmptyWithoutOne) {
  auto r = Report(UsageGroup::kProject);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->rows.size(), 2u);
  EXPECT_EQ(r->rows[0].key, "");  // (2) (3) (4) (7) (8) (10)
  EXPECT_EQ(Numbers(r->rows[0]),
            (std::vector<int64_t>{6, 3, 2, 1, 3, 3, 0, 1, 3, 0, 1, 1, 0, 2, 3, 0, 0}));
  EXPECT_EQ(r->rows[1].key, "APP-7");  // (5) (6)
  EXPECT_EQ(Numbers(r->rows[1]),
            (std::vector<int64_t>{2, 2, 0, 0, 0, 0, 2, 0, 1, 1, 0, 0, 0, 1, 2, 2, 0}));
  EXPECT_EQ(r->rows[1].data_accessed, (Accessed{{"imsut-wgs", 1}, {"tmm-wgs", 2}}));
}

TEST_P(UsageTest, BySiteCountsAQueryAtEverySiteItReached) {
  auto r = Report(UsageGroup::kSite);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->rows.size(), 4u);
  EXPECT_EQ(r->rows[0].key, "");  // (4) (6) (7) (8) (10) name no site
  EXPECT_EQ(Numbers(r->rows[0]),
            (std::vector<int64_t>{5, 2, 2, 1, 3, 1, 1, 0, 2, 1, 1, 1, 0, 1, 0, 1, 0}));
  EXPECT_EQ(r->rows[0].data_accessed, (Accessed{{"tmm-wgs", 1}}));
  EXPECT_EQ(r->rows[1].key, "imsut");  // (2) (5)
  EXPECT_EQ(Numbers(r->rows[1]),
            (std::vector<int64_t>{2, 2, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 2, 2, 1, 0}));
  EXPECT_EQ(r->rows[2].key, "nig");  // (2), which nig did not answer
  EXPECT_EQ(Numbers(r->rows[2]),
            (std::vector<int64_t>{1, 1, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0}));
  EXPECT_EQ(r->rows[3].key, "tohoku");  // (2) (3) (5)
  EXPECT_EQ(Numbers(r->rows[3]),
            (std::vector<int64_t>{3, 3, 0, 0, 0, 2, 1, 1, 2, 0, 0, 0, 0, 2, 3, 1, 0}));
}

TEST_P(UsageTest, ByDayListsEveryDayOfThePeriodEvenIdleOnes) {
  auto r = Report(UsageGroup::kDay);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->rows.size(), 2u);
  EXPECT_EQ(r->rows[0].key, "2026-03-01");
  EXPECT_EQ(Numbers(r->rows[0]),
            (std::vector<int64_t>{3, 2, 1, 0, 0, 3, 0, 1, 2, 0, 0, 0, 0, 2, 3, 0, 0}));
  EXPECT_EQ(r->rows[1].key, "2026-03-02");
  EXPECT_EQ(Numbers(r->rows[1]),
            (std::vector<int64_t>{5, 3, 1, 1, 3, 0, 2, 0, 2, 1, 1, 1, 0, 1, 2, 2, 0}));

  auto quiet = Report(UsageGroup::kDay, "2026-12-30", "2027-01-02");
  ASSERT_TRUE(quiet.ok()) << quiet.status().ToString();
  ASSERT_EQ(quiet->rows.size(), 3u);
  EXPECT_EQ(quiet->rows[0].key, "2026-12-30");
  EXPECT_EQ(quiet->rows[2].key, "2027-01-01");
  EXPECT_EQ(quiet->rows[2].queries(), 0);
  EXPECT_EQ(quiet->entries, 0);
}

TEST_P(UsageTest, CsvIsRfc4180WithFormulasDefused) {
  auto r = Report(UsageGroup::kUser);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(UsageCsv(*r),
            "user,queries,answered,refused,failed,public,registered,controlled,search,freq,"
            "strata,catalog,beacon,other,distinct_cohorts,site_answers,controlled_answers,"
            "data_accessed,jobs\r\n"
            "\"'=SUM(1,2)\",1,1,0,0,1,0,0,0,0,0,1,0,0,0,0,0,,0\r\n"
            "alice,3,2,1,0,0,3,0,1,2,0,0,0,0,2,3,0,,0\r\n"
            "anonymous,2,0,1,1,2,0,0,0,1,0,0,1,0,0,0,0,,0\r\n"
            "bob,2,2,0,0,0,0,2,0,1,1,0,0,0,1,2,2,imsut-wgs:1;tmm-wgs:2,0\r\n");
}

TEST_P(UsageTest, JsonCarriesTheSameCounts) {
  auto r = Report(UsageGroup::kProject);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const json j = UsageJson(*r);
  EXPECT_EQ(j["from"], "2026-03-01");
  EXPECT_EQ(j["to"], "2026-03-03");
  EXPECT_EQ(j["by"], "project");
  ASSERT_EQ(j["rows"].size(), 2u);
  EXPECT_EQ(j["rows"][1]["key"], "APP-7");
  EXPECT_EQ(j["rows"][1]["kinds"]["strata"], 1);
  EXPECT_EQ(j["rows"][1]["tiers"]["controlled"], 2);
  EXPECT_EQ(j["rows"][1]["data_accessed"], json({{"imsut-wgs", 1}, {"tmm-wgs", 2}}));
  EXPECT_EQ(j["total"]["queries"], 8);
  EXPECT_EQ(j["total"]["jobs"], 0);
}

// Entries as the hub writes them (api/hub_service.cc): datasets name their site, and their
// application when a query used grants of several applications.
TEST_P(UsageTest, ProjectsAndDatasetsAsTheHubRecordsThem) {
  const json both_ok = {{{"id", "tohoku"}, {"status", "ok"}}, {{"id", "imsut"}, {"status", "ok"}}};
  // (a) carol freq under APP-1 at both sites.
  Add(At(4, 1, 8, 0, 0), "carol", "query.freq", "ok",
      {{"tier", "controlled"},
       {"cohort", "sex=female"},
       {"application", "APP-1"},
       {"sites", both_ok},
       {"datasets",
        {{{"site", "tohoku"}, {"id", "tmm-wgs"}}, {{"site", "imsut"}, {"id", "bbj-wgs"}}}}});
  // (b) carol search under APP-1 and APP-2: tmm-wgs through APP-2, bbj-wgs through APP-1.
  Add(At(4, 1, 9, 0, 0), "carol", "query.search", "ok",
      {{"tier", "controlled"},
       {"cohort", "sex=female"},
       {"application", {"APP-1", "APP-2"}},
       {"sites", both_ok},
       {"datasets",
        {{{"site", "tohoku"}, {"id", "tmm-wgs"}, {"application", "APP-2"}},
         {{"site", "imsut"}, {"id", "bbj-wgs"}, {"application", json::array({"APP-1"})}}}}});
  // (c) dave registered search at tohoku: no project, no data accessed.
  Add(At(4, 1, 10, 0, 0), "dave", "query.search", "ok",
      {{"tier", "registered"},
       {"cohort", "sex=male"},
       {"sites", json::array({{{"id", "tohoku"}, {"status", "ok"}}})}});
  // (d) carol controlled freq refused: no project.
  Add(At(4, 1, 11, 0, 0), "carol", "query.freq", "denied",
      {{"tier", "controlled"}, {"cohort", "age=60-69"}, {"code", "PERMISSION_DENIED"}});
  // (e) a configured controlled key (standing grant): data accessed, no project.
  Add(At(4, 1, 12, 0, 0), "key-holder", "query.strata", "ok",
      {{"tier", "controlled"},
       {"sites", json::array({{{"id", "tohoku"}, {"status", "ok"}}})},
       {"datasets", json::array({{{"site", "tohoku"}, {"id", "tmm-wgs"}}})}});

  auto project = Report(UsageGroup::kProject, "2026-04-01", "2026-04-02");
  ASSERT_TRUE(project.ok()) << project.status().ToString();
  EXPECT_EQ(project->entries, 5);
  ASSERT_EQ(project->rows.size(), 3u);
  EXPECT_EQ(project->rows[0].key, "");  // (c) (d) (e)
  EXPECT_EQ(Numbers(project->rows[0]),
            (std::vector<int64_t>{3, 2, 1, 0, 0, 1, 2, 1, 1, 1, 0, 0, 0, 2, 2, 1, 0}));
  EXPECT_EQ(project->rows[0].data_accessed, (Accessed{{"tmm-wgs", 1}}));
  EXPECT_EQ(project->rows[1].key, "APP-1");  // (a) (b)
  EXPECT_EQ(Numbers(project->rows[1]),
            (std::vector<int64_t>{2, 2, 0, 0, 0, 0, 2, 1, 1, 0, 0, 0, 0, 1, 4, 2, 0}));
  EXPECT_EQ(project->rows[1].data_accessed, (Accessed{{"bbj-wgs", 2}, {"tmm-wgs", 1}}));
  EXPECT_EQ(project->rows[2].key, "APP-2");  // (b)
  EXPECT_EQ(Numbers(project->rows[2]),
            (std::vector<int64_t>{1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 1, 2, 1, 0}));
  EXPECT_EQ(project->rows[2].data_accessed, (Accessed{{"tmm-wgs", 1}}));
  // The total counts (b) once: 5 queries; tmm-wgs by (a) (b) (e), bbj-wgs by (a) (b).
  EXPECT_EQ(project->total.queries(), 5);
  EXPECT_EQ(project->total.controlled_answers, 3);
  EXPECT_EQ(project->total.data_accessed, (Accessed{{"bbj-wgs", 2}, {"tmm-wgs", 3}}));
  EXPECT_EQ(UsageCsv(*project),
            "project,queries,answered,refused,failed,public,registered,controlled,search,freq,"
            "strata,catalog,beacon,other,distinct_cohorts,site_answers,controlled_answers,"
            "data_accessed,jobs\r\n"
            ",3,2,1,0,0,1,2,1,1,1,0,0,0,2,2,1,tmm-wgs:1,0\r\n"
            "APP-1,2,2,0,0,0,0,2,1,1,0,0,0,0,1,4,2,bbj-wgs:2;tmm-wgs:1,0\r\n"
            "APP-2,1,1,0,0,0,0,1,1,0,0,0,0,0,1,2,1,tmm-wgs:1,0\r\n");

  // By site, a dataset counts only at its own site.
  auto site = Report(UsageGroup::kSite, "2026-04-01", "2026-04-02");
  ASSERT_TRUE(site.ok()) << site.status().ToString();
  ASSERT_EQ(site->rows.size(), 3u);
  EXPECT_EQ(site->rows[0].key, "");  // (d)
  EXPECT_TRUE(site->rows[0].data_accessed.empty());
  EXPECT_EQ(site->rows[1].key, "imsut");  // (a) (b)
  EXPECT_EQ(site->rows[1].controlled_answers, 2);
  EXPECT_EQ(site->rows[1].data_accessed, (Accessed{{"bbj-wgs", 2}}));
  EXPECT_EQ(site->rows[2].key, "tohoku");  // (a) (b) (c) (e)
  EXPECT_EQ(site->rows[2].queries(), 4);
  EXPECT_EQ(site->rows[2].data_accessed, (Accessed{{"tmm-wgs", 3}}));

  auto user = Report(UsageGroup::kUser, "2026-04-01", "2026-04-02");
  ASSERT_TRUE(user.ok()) << user.status().ToString();
  ASSERT_EQ(user->rows.size(), 3u);
  EXPECT_EQ(user->rows[0].key, "carol");  // (a) (b) (d)
  EXPECT_EQ(user->rows[0].data_accessed, (Accessed{{"bbj-wgs", 2}, {"tmm-wgs", 2}}));
  EXPECT_EQ(user->rows[1].key, "dave");
  EXPECT_TRUE(user->rows[1].data_accessed.empty());
  EXPECT_EQ(user->rows[2].key, "key-holder");
  EXPECT_EQ(user->rows[2].data_accessed, (Accessed{{"tmm-wgs", 1}}));
}

// Malformed parts of an entry's detail are ignored, never fatal.
TEST_P(UsageTest, OddApplicationsAndDatasetsAreIgnored) {
  Add(At(4, 2, 8, 0, 0), "erin", "query.search", "ok",
      {{"tier", "controlled"},
       {"application", {"APP-9", "", 7, json::object(), "APP-9"}},
       {"datasets", {json::object(), "", 3, {{"id", "ds-x"}, {"site", json::array()}}}}});
  Add(At(4, 2, 9, 0, 0), "erin", "query.search", "ok",
      {{"tier", "controlled"}, {"application", json::object()}, {"datasets", "ds-y"}});
  auto r = Report(UsageGroup::kProject, "2026-04-02", "2026-04-03");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->rows.size(), 3u);
  EXPECT_EQ(r->rows[0].key, "");  // the second entry: its application is no id
  EXPECT_EQ(r->rows[0].queries(), 1);
  EXPECT_TRUE(r->rows[0].data_accessed.empty());  // "datasets" is not an array
  EXPECT_EQ(r->rows[1].key, "7");                 // an integer id counts as its text
  EXPECT_EQ(r->rows[2].key, "APP-9");             // once, though named twice
  EXPECT_EQ(r->rows[2].queries(), 1);
  EXPECT_EQ(r->rows[2].data_accessed, (Accessed{{"3", 1}, {"ds-x", 1}}));
}

TEST_P(UsageTest, BadPeriodsAreRefusedWithSentences) {
  auto r = Report(UsageGroup::kUser, "2026-02-30", "2026-03-03");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("'from' must be a calendar date"), std::string::npos);
}

// --- The daily roll-up (docs/usage.md "Speed") ---

TEST_P(UsageTest, FirstReportStoresDaysThatAreOverAndTheSecondReadsThem) {
  // The system's time is long after March 2026: both days are over.
  auto first = Report(UsageGroup::kUser);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->days_rolled_up, 2);
  EXPECT_EQ(first->days_from_rollup, 0);
  EXPECT_EQ(first->entries_read, 8);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM usage_rollup_days"), 2);
  // 03-01: alice; 03-02: bob, anonymous, =SUM(1,2) → users 1 + 3; projects "" + "" APP-7; sites
  // tohoku imsut nig "" (4 has none) + tohoku imsut ""; a total row each.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM usage_rollup WHERE by_group = 'user'"), 4);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM usage_rollup WHERE by_group = 'project'"), 3);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM usage_rollup WHERE by_group = 'site'"), 7);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM usage_rollup WHERE by_group = 'total'"), 2);
  EXPECT_EQ(Count("SELECT entries FROM usage_rollup_days WHERE usage_day = '2026-03-02'"), 5);

  auto second = Report(UsageGroup::kUser);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->days_from_rollup, 2);
  EXPECT_EQ(second->days_rolled_up, 0);
  EXPECT_EQ(second->entries_read, 0);  // nothing parsed
  EXPECT_EQ(second->entries, 8);
  EXPECT_EQ(UsageJson(*second), UsageJson(*first));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM usage_rollup_days"), 2);  // nothing stored twice
}

TEST_P(UsageTest, RollupEqualsScanOverStoredDaysDaysNotOverAndToday) {
  // 03-03 00:30: 03-01 is over; 03-02 ended 30 minutes ago (inside the margin); 03-03 is today.
  const auto now = At(3, 3, 0, 30, 0);
  auto r = ReportAt(now, UsageGroup::kSite, "2026-03-01", "2026-03-05");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->days_rolled_up, 1);
  EXPECT_EQ(r->days_scanned, 3);  // 03-02, today, and 03-04 (the future)
  EXPECT_EQ(r->entries_read, 9);  // 3 + 5 + the entry at 03-03 00:00
  ASSERT_NO_FATAL_FAILURE(ExpectSameAsScan(now, "2026-03-01", "2026-03-05"));
  auto again = ReportAt(now, UsageGroup::kDay, "2026-03-01", "2026-03-05");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->days_from_rollup, 1);
  EXPECT_EQ(again->entries_read, 6);  // 03-02 and 03-03 are read every time
  EXPECT_EQ(again->entries, 9);

  // Two days later every day up to 03-04 is over; 03-05 is today.
  const auto later = At(3, 5, 1, 0, 0);
  auto r2 = ReportAt(later, UsageGroup::kUser, "2026-03-01", "2026-03-06");
  ASSERT_TRUE(r2.ok()) << r2.status().ToString();
  EXPECT_EQ(r2->days_from_rollup, 1);
  EXPECT_EQ(r2->days_rolled_up, 3);
  EXPECT_EQ(r2->days_scanned, 1);
  ASSERT_NO_FATAL_FAILURE(ExpectSameAsScan(later, "2026-03-01", "2026-03-06"));
  // A period reaching before the log and after today: idle days stored too, and equal.
  ASSERT_NO_FATAL_FAILURE(ExpectSameAsScan(later, "2026-02-20", "2026-03-10"));
  EXPECT_EQ(Count("SELECT entries FROM usage_rollup_days WHERE usage_day = '2026-02-28'"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM usage_rollup_days WHERE usage_day >= '2026-03-05'"), 0);
}

TEST_P(UsageTest, DistinctCohortsAreCountedOverThePeriodNotAddedUpPerDay) {
  // alice on 03-01: sex=male, age=60-69. On 03-02: sex=male again and sex=female.
  Add(At(3, 2, 15, 0, 0), "alice", "query.freq", "ok",
      {{"tier", "registered"}, {"cohort", "sex=male"}});
  Add(At(3, 2, 16, 0, 0), "alice", "query.freq", "ok",
      {{"tier", "registered"}, {"cohort", "sex=female"}});
  const auto now = At(3, 10, 0, 0, 0);
  for (int pass = 0; pass < 2; ++pass) {  // storing, then reading back
    auto user = ReportAt(now, UsageGroup::kUser, "2026-03-01", "2026-03-03");
    ASSERT_TRUE(user.ok()) << user.status().ToString();
    EXPECT_EQ(user->days_from_rollup, pass == 0 ? 0 : 2);
    ASSERT_EQ(user->rows.size(), 4u);
    EXPECT_EQ(user->rows[1].key, "alice");
    EXPECT_EQ(user->rows[1].distinct_cohorts, 3);  // 2 + 2 per day, one shared
    EXPECT_EQ(user->rows[1].queries(), 5);
    // Total: sex=male, age=60-69, disease=F00-F03, sex=female.
    EXPECT_EQ(user->total.distinct_cohorts, 4);
    auto day = ReportAt(now, UsageGroup::kDay, "2026-03-01", "2026-03-03");
    ASSERT_TRUE(day.ok());
    EXPECT_EQ(day->rows[0].distinct_cohorts, 2);
    EXPECT_EQ(day->rows[1].distinct_cohorts, 3);  // disease=F00-F03, sex=male, sex=female
    EXPECT_EQ(day->total.distinct_cohorts, 4);
    auto project = ReportAt(now, UsageGroup::kProject, "2026-03-01", "2026-03-03");
    ASSERT_TRUE(project.ok());
    EXPECT_EQ(project->rows[0].key, "");
    EXPECT_EQ(project->rows[0].distinct_cohorts, 3);  // alice's three
  }
  ASSERT_NO_FATAL_FAILURE(ExpectSameAsScan(now, "2026-03-01", "2026-03-03"));
}

TEST_P(UsageTest, ADayIsStoredOnlyOnceItEndedAMarginAgo) {
  // 03-01 ended at 03-02 00:00; with the one-hour margin it is over at 01:00.
  auto early = ReportAt(At(3, 2, 0, 59, 59, 999), UsageGroup::kUser, "2026-03-01", "2026-03-02");
  ASSERT_TRUE(early.ok());
  EXPECT_EQ(early->days_scanned, 1);
  EXPECT_EQ(early->days_rolled_up, 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM usage_rollup_days"), 0);
  // An entry queued at 23:59:59 that committed only at 00:30 (group commit, a slow database):
  // still counted, since the day was not stored yet.
  Add(At(3, 1, 23, 59, 59), "late", "query.search", "ok",
      {{"tier", "registered"}, {"cohort", "sex=female"}});
  auto on_time = ReportAt(At(3, 2, 1, 0, 0), UsageGroup::kUser, "2026-03-01", "2026-03-02");
  ASSERT_TRUE(on_time.ok());
  EXPECT_EQ(on_time->days_rolled_up, 1);
  EXPECT_EQ(on_time->entries, 4);
  ASSERT_EQ(on_time->rows.size(), 2u);
  EXPECT_EQ(on_time->rows[1].key, "late");
  auto stored = ReportAt(At(3, 2, 1, 0, 0), UsageGroup::kUser, "2026-03-01", "2026-03-02");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->days_from_rollup, 1);
  EXPECT_EQ(stored->entries, 4);

  // Margin 0: over at midnight exactly, not a millisecond before. A negative margin counts as 0.
  auto before = ReportAt(At(3, 2, 23, 59, 59, 999), UsageGroup::kDay, "2026-03-02", "2026-03-03",
                         std::chrono::seconds(0));
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->days_scanned, 1);
  auto midnight = ReportAt(At(3, 3, 0, 0, 0), UsageGroup::kDay, "2026-03-02", "2026-03-03",
                           std::chrono::seconds(-3600));
  ASSERT_TRUE(midnight.ok());
  EXPECT_EQ(midnight->days_rolled_up, 1);
  EXPECT_EQ(midnight->rows[0].queries(), 5);
}

TEST_P(UsageTest, WithoutRollupOrWithoutATimeNothingIsStored) {
  UsageOptions off;
  off.now = At(12, 1, 0, 0, 0);
  off.use_rollup = false;
  auto r = MakeUsageReport(*db_, "2026-03-01", "2026-03-03", UsageGroup::kProject, off);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->days_scanned, 2);
  auto epoch = MakeUsageReport(*db_, "2026-03-01", "2026-03-03", UsageGroup::kProject, {});
  ASSERT_TRUE(epoch.ok()) << epoch.status().ToString();
  EXPECT_EQ(epoch->days_scanned, 2);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM usage_rollup_days"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM usage_rollup"), 0);
  auto scan = ScanUsageReport(*db_, "2026-03-01", "2026-03-03", UsageGroup::kProject);
  ASSERT_TRUE(scan.ok());
  EXPECT_EQ(UsageJson(*r), UsageJson(*scan));
  EXPECT_EQ(scan->entries_read, 8);
  EXPECT_EQ(scan->rows[1].data_accessed, (Accessed{{"imsut-wgs", 1}, {"tmm-wgs", 2}}));
}

TEST_P(UsageTest, AnotherVersionsDaysAreCountedAgainAndReplaced) {
  ASSERT_TRUE(Report(UsageGroup::kSite).ok());
  const int64_t rows = Count("SELECT COUNT(*) FROM usage_rollup");
  ASSERT_TRUE(db_->Exec("UPDATE usage_rollup_days SET version = 0").ok());
  ASSERT_TRUE(db_->Exec("UPDATE usage_rollup SET counts = 'old'").ok());  // another format
  auto r = Report(UsageGroup::kSite);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->days_rolled_up, 2);
  EXPECT_EQ(r->days_from_rollup, 0);
  EXPECT_EQ(r->total.answered, 5);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM usage_rollup"), rows);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM usage_rollup WHERE counts = 'old'"), 0);
  EXPECT_EQ(Count("SELECT MIN(version) FROM usage_rollup_days"), kUsageRollupVersion);
}

// The roll-up is a cache of the log: if the log is changed behind it (it cannot be, legitimately;
// here an entry is written straight into a stored day), reports keep the stored counts until the
// cache is dropped.
TEST_P(UsageTest, DroppingTheRollupRecountsFromTheLog) {
  ASSERT_TRUE(Report(UsageGroup::kUser).ok());
  ASSERT_TRUE(db_->Exec("INSERT INTO audit_log (seq, time, actor, action, target, outcome, "
                        "address, detail, prev_hash, hash) VALUES (100, "
                        "'2026-03-01T12:00:00.000Z', 'mallory', 'query.freq', '', 'ok', '', "
                        "'{\"tier\": \"public\"}', '', '')")
                  .ok());
  auto stale = Report(UsageGroup::kUser);
  ASSERT_TRUE(stale.ok());
  EXPECT_EQ(stale->entries, 8);
  auto dropped = DropUsageRollup(*db_);
  ASSERT_TRUE(dropped.ok()) << dropped.status().ToString();
  EXPECT_EQ(*dropped, 2);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM usage_rollup"), 0);
  auto fresh = Report(UsageGroup::kUser);
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(fresh->days_rolled_up, 2);
  EXPECT_EQ(fresh->entries, 9);
  EXPECT_EQ(fresh->rows[4].key, "mallory");
}

TEST_P(UsageTest, ACorruptRollupRowIsDataLossNotAWrongReport) {
  ASSERT_TRUE(Report(UsageGroup::kUser).ok());
  ASSERT_TRUE(db_->Exec("UPDATE usage_rollup SET cohorts = 'not hex!' WHERE by_group = 'user' "
                        "AND group_key = 'alice'")
                  .ok());
  auto r = Report(UsageGroup::kUser);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(r.status().message().find("usage roll-up: malformed cohorts"), std::string::npos);

  // The counts column: answered … controlled_answers, 14 numbers. Hand-written: bob's two
  // controlled answers on 03-02 (5) (6), one freq one strata, two site answers.
  ASSERT_TRUE(DropUsageRollup(*db_).ok());
  ASSERT_TRUE(Report(UsageGroup::kUser).ok());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM usage_rollup WHERE by_group = 'user' AND group_key = "
                  "'bob' AND counts = '2 0 0 0 0 2 0 1 1 0 0 0 2 2'"),
            1);
  for (const char* bad : {"2 0 0", "2 0 0 0 0 2 0 1 1 0 0 0 2 2 7", "2 0 0 0 0 2 0 1 1 0 0 0 2 x",
                          "-2 0 0 0 0 2 0 1 1 0 0 0 2 2", "2  0 0 0 2 0 1 1 0 0 0 2 2 2", ""}) {
    ASSERT_TRUE(
        db_->Exec("UPDATE usage_rollup SET counts = $1 WHERE group_key = 'bob'", {std::string(bad)})
            .ok());
    auto c = Report(UsageGroup::kUser);
    ASSERT_FALSE(c.ok()) << bad;
    EXPECT_EQ(c.status().code(), StatusCode::kDataLoss) << bad;
    EXPECT_NE(c.status().message().find("usage roll-up: malformed counts"), std::string::npos);
  }

  ASSERT_TRUE(DropUsageRollup(*db_).ok());
  ASSERT_TRUE(Report(UsageGroup::kProject).ok());
  ASSERT_TRUE(db_->Exec("UPDATE usage_rollup SET data_accessed = '[1]' WHERE by_group = "
                        "'project' AND group_key = 'APP-7'")
                  .ok());
  auto p = Report(UsageGroup::kProject);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(p.status().message().find("malformed data_accessed"), std::string::npos);
}

TEST_P(UsageTest, ConcurrentReportsStoreEachDayOnce) {
  std::vector<std::thread> threads;
  std::vector<Result<UsageReport>> results(4, InvalidArgument("not run"));
  for (size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([&, i] {
      results[i] = ReportAt(At(6, 1, 0, 0, 0), UsageGroup::kSite, "2026-03-01", "2026-03-03");
    });
  }
  for (std::thread& t : threads) t.join();
  auto scan = ScanUsageReport(*db_, "2026-03-01", "2026-03-03", UsageGroup::kSite);
  ASSERT_TRUE(scan.ok());
  for (const auto& r : results) {
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(UsageJson(*r), UsageJson(*scan));
  }
  EXPECT_EQ(Count("SELECT COUNT(*) FROM usage_rollup_days"), 2);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM usage_rollup WHERE by_group = 'total'"), 2);
}

TEST_P(UsageTest, RollupOverManyDaysEqualsTheScan) {
  // 60 days of varied entries (users, applications, sites, datasets and cohorts repeating
  // across days), reported over windows that cut stored days, days not over and today.
  const char* sites[] = {"tohoku", "imsut", "nig"};
  for (int i = 0; i < 240; ++i) {
    const auto t = At(4, 1, 0, 0, 0) + std::chrono::minutes(i * 360 + i % 7);
    json d = {{"tier", kUsageTiers[i % 3]}, {"cohort", "age=" + std::to_string(i % 5)}};
    d["sites"] = json::array();
    for (int s = 0; s < 1 + i % 3; ++s) {
      d["sites"].push_back({{"id", sites[(i + s) % 3]}, {"status", (i + s) % 4 ? "ok" : "down"}});
    }
    if (i % 3 == 2) {
      d["application"] = i % 2 ? json("APP-1") : json({"APP-1", "APP-2"});
      d["datasets"] = json::array({{{"site", sites[i % 3]},
                                    {"id", "ds-" + std::to_string(i % 2)},
                                    {"application", i % 4 ? "APP-1" : "APP-2"}}});
    }
    Add(t, "user:" + std::to_string(i % 6), i % 5 ? "query.freq" : "query.search",
        i % 9 ? "ok" : "denied", d);
  }
  for (const auto& now : {At(4, 20, 0, 30, 0), At(5, 1, 12, 0, 0), At(6, 10, 0, 0, 0)}) {
    ASSERT_NO_FATAL_FAILURE(ExpectSameAsScan(now, "2026-04-10", "2026-05-05"));
    ASSERT_NO_FATAL_FAILURE(ExpectSameAsScan(now, "2026-03-25", "2026-06-15"));
  }
  auto warm = ReportAt(At(6, 10, 0, 0, 0), UsageGroup::kUser, "2026-03-25", "2026-06-15");
  ASSERT_TRUE(warm.ok());
  EXPECT_EQ(warm->entries_read, 0);
  EXPECT_EQ(warm->entries, 240);
}

TEST_P(UsageTest, ScanRefusesBadPeriodsToo) {
  auto r = ScanUsageReport(*db_, "2026-03-01", "2026-03-01", UsageGroup::kUser);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("must be after 'from'"), std::string::npos);
}

std::string DatabaseName(const ::testing::TestParamInfo<std::string>& p) { return p.param; }

INSTANTIATE_TEST_SUITE_P(Databases, UsageTest, ::testing::Values("sqlite", "postgres"),
                         DatabaseName);

// A hub database without the roll-up's migration: a clear error once a day is over, and the
// report still works for days that are not.
TEST(UsageRollup, MissingTablesAreNamedInTheError) {
  db::TestDatabase t;
  ASSERT_NO_FATAL_FAILURE(t.Open("sqlite", {{1, "audit", kSchemaSql}}));
  auto r = MakeUsageReport(*t.db(), "2026-03-01", "2026-03-02", UsageGroup::kUser);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
  EXPECT_NE(r.status().message().find("reading the usage roll-up"), std::string::npos);
  EXPECT_NE(r.status().message().find("usage_rollup_days"), std::string::npos);
  UsageOptions o;
  o.now = system_clock::time_point(std::chrono::sys_days(std::chrono::year(2026) / 3 / 1));
  EXPECT_TRUE(MakeUsageReport(*t.db(), "2026-03-01", "2026-03-02", UsageGroup::kUser, o).ok());
}

TEST(UsagePeriod, AcceptsUpTo366Days) {
  EXPECT_TRUE(CheckUsagePeriod("2026-03-01", "2026-03-02").ok());
  EXPECT_TRUE(CheckUsagePeriod("2024-01-01", "2025-01-01").ok());  // 366 days (leap year)
  EXPECT_TRUE(CheckUsagePeriod("2024-02-29", "2024-03-01").ok());
}

TEST(UsagePeriod, RefusesMalformedAndLongPeriods) {
  const std::vector<std::tuple<std::string, std::string, std::string>> cases = {
      {"", "2026-03-01", "give 'from' as a date, YYYY-MM-DD"},
      {"2026-03-01", "", "give 'to' as a date, YYYY-MM-DD"},
      {"2026-3-1", "2026-03-02", "'from' must be a calendar date as YYYY-MM-DD, not '2026-3-1'"},
      {"2026-13-01", "2026-12-02", "'from' must be a calendar date"},
      {"2026-01-01", "2026-02-29", "'to' must be a calendar date"},  // 2026 is no leap year
      {"2026-01-01", "2026-01-0x", "'to' must be a calendar date"},
      {"2026-01-01T00:00", "2026-01-02", "'from' must be a calendar date"},
      {"2026-03-02", "2026-03-02", "'to' (2026-03-02) must be after 'from' (2026-03-02)"},
      {"2026-03-02", "2026-03-01", "must be after 'from'"},
      {"2025-01-01", "2026-01-03", "at most 366 days; 2025-01-01 to 2026-01-03 is 367"},
  };
  for (const auto& [from, to, message] : cases) {
    const Status s = CheckUsagePeriod(from, to);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << from << " " << to;
    EXPECT_NE(s.message().find(message), std::string::npos) << s.message();
  }
}

TEST(UsageGroupTest, ParsesTheFourGroupings) {
  for (const char* name : {"user", "project", "site", "day"}) {
    auto g = ParseUsageGroup(name);
    ASSERT_TRUE(g.ok());
    EXPECT_EQ(UsageGroupName(*g), name);
  }
  auto bad = ParseUsageGroup("week");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "'by' must be one of user, project, site or day, not 'week'");
}

TEST(CsvField, QuotesPerRfc4180AndDefusesFormulas) {
  EXPECT_EQ(CsvField("plain"), "plain");
  EXPECT_EQ(CsvField(""), "");
  EXPECT_EQ(CsvField("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvField("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvField("two\r\nlines"), "\"two\r\nlines\"");
  EXPECT_EQ(CsvField("one\nline"), "\"one\nline\"");
  EXPECT_EQ(CsvField("=HYPERLINK(\"http://x\")"), "\"'=HYPERLINK(\"\"http://x\"\")\"");
  EXPECT_EQ(CsvField("+1"), "'+1");
  EXPECT_EQ(CsvField("-1"), "'-1");
  EXPECT_EQ(CsvField("@SUM(A1)"), "'@SUM(A1)");
  EXPECT_EQ(CsvField("\tx"), "'\tx");
  EXPECT_EQ(CsvField("a=b"), "a=b");  // only a leading formula character matters
  EXPECT_EQ(CsvField("山田"), "山田");
}

}  // namespace
}  // namespace renkei::audit
