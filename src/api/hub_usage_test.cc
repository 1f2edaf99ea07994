// GET /v1/admin/usage over HTTP: JSON and CSV answers over a seeded audit log (expected values
// counted by hand), the CSV read back by Python's csv module, and bad parameters.
#include <gtest/gtest.h>
#include <httplib.h>

#include <cstdio>
#include <fstream>
#include <thread>

#include "api/hub_server.h"
#include "api/hub_test_client.h"
#include "api/openapi_check.h"
#include "crypto/sodium.h"
#include "identity/totp.h"

namespace renkei {
namespace {

using nlohmann::json;
using Clock = std::chrono::system_clock;

struct Reply {
  int status = 0;
  std::string body, content_type, disposition;
  json Json() const { return json::parse(body, nullptr, false); }
};

class HubUsageTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    HubConfig c;
    c.listen = {"127.0.0.1", 0};
    c.secret_key = crypto::GenerateEd25519KeyPair().secret_key;
    c.threads = 4;
    auto hub = HubServer::Create(c);
    ASSERT_TRUE(hub.ok()) << hub.status().ToString();
    hub_ = hub->release();
    auto port = hub_->Bind();
    ASSERT_TRUE(port.ok());
    port_ = *port;
    thread_ = new std::thread([] { hub_->Serve(); });
    admin_ = new std::string(SignIn("usage-admin@example.jp", "platform_admin"));
    researcher_ = new std::string(SignIn("usage-researcher@example.jp", ""));
    Seed();
  }
  static void TearDownTestSuite() {
    hub_->Stop();
    thread_->join();
    delete thread_;
    delete hub_;
    delete admin_;
    delete researcher_;
  }

  // Signs an account in (with a TOTP second factor when it holds `role`) and returns its
  // session cookie.
  static std::string SignIn(const std::string& email, const std::string& role) {
    const testing::HubTestClient client(hub_, port_);
    const std::vector<std::string> roles =
        role.empty() ? std::vector<std::string>{} : std::vector<std::string>{role};
    return client.Account(email, roles, !role.empty()).cookie;
  }

  static Clock::time_point At(int day, int hour) {
    return Clock::time_point(std::chrono::sys_days(std::chrono::year(2025) / 5 /
                                                   std::chrono::day(static_cast<unsigned>(day)))) +
           std::chrono::hours(hour);
  }

  static void Seed() {
    auto add = [](Clock::time_point t, std::string actor, std::string action, std::string outcome,
                  json detail) {
      const audit::Event e{std::move(actor), std::move(action), "", std::move(outcome), "",
                           std::move(detail)};
      auto seq = hub_->service().audit().Append(e, t);
      ASSERT_TRUE(seq.ok()) << seq.status().ToString();
    };
    add(At(1, 8), "user:1", "query.freq", "ok", {{"tier", "registered"}, {"cohort", "sex=female"}});
    add(At(1, 9), "user:1", "query.search", "denied",
        {{"tier", "registered"}, {"cohort", "sex=female"}});
    add(At(2, 10), "-1+1", "query.strata", "ok", {{"tier", "public"}});
    add(At(2, 11), "o\"neil, k", "query.catalog", "failed", {{"tier", "public"}});
    add(At(3, 0), "user:1", "query.freq", "ok", {{"tier", "registered"}});  // after the period
    // On 2025-05-10, entries as the hub writes them for controlled answers (hub_service.cc):
    // user:2 under APP-000003 (bbj-imsut only; tohoku answered at the registered tier), then
    // under APP-000003 and APP-000004 (tmm-tohoku and bbj-imsut).
    const json both = json::parse(R"([{"id": "tohoku", "status": "ok"},
                                      {"id": "imsut", "status": "ok"}])");
    add(At(10, 8), "user:2", "query.search", "ok",
        {{"tier", "controlled"},
         {"cohort", "sex=male"},
         {"sites", both},
         {"application", "APP-000003"},
         {"datasets", json::parse(R"([{"site": "imsut", "id": "bbj-imsut"}])")}});
    add(At(10, 9), "user:2", "query.freq", "ok",
        {{"tier", "controlled"},
         {"cohort", "sex=male"},
         {"sites", both},
         {"application", {"APP-000003", "APP-000004"}},
         {"datasets",
          json::parse(R"([{"site": "tohoku", "id": "tmm-tohoku", "application": "APP-000004"},
                          {"site": "imsut", "id": "bbj-imsut",
                           "application": ["APP-000003", "APP-000004"]}])")}});
    add(At(10, 10), "user:1", "query.search", "ok",
        {{"tier", "registered"}, {"cohort", "sex=male"}, {"sites", both}});
  }

  static Reply Get(const std::string& path, const std::string& cookie) {
    httplib::Client client("127.0.0.1", port_);
    httplib::Headers h;
    if (!cookie.empty()) h.emplace("Cookie", "renkei_session=" + cookie);
    auto r = client.Get(path, h);
    if (!r) return {};
    return {r->status, r->body, r->get_header_value("Content-Type"),
            r->get_header_value("Content-Disposition")};
  }

  static HubServer* hub_;
  static std::thread* thread_;
  static int port_;
  static std::string *admin_, *researcher_;
};

HubServer* HubUsageTest::hub_ = nullptr;
std::thread* HubUsageTest::thread_ = nullptr;
int HubUsageTest::port_ = 0;
std::string* HubUsageTest::admin_ = nullptr;
std::string* HubUsageTest::researcher_ = nullptr;

const char* const kExpectedCsv =
    "user,queries,answered,refused,failed,public,registered,controlled,search,freq,strata,"
    "catalog,beacon,other,distinct_cohorts,site_answers,controlled_answers,data_accessed,jobs\r\n"
    "'-1+1,1,1,0,0,1,0,0,0,0,1,0,0,0,0,0,0,,0\r\n"
    "\"o\"\"neil, k\",1,0,0,1,1,0,0,0,0,0,1,0,0,0,0,0,,0\r\n"
    "user:1,2,1,1,0,0,2,0,1,1,0,0,0,0,1,0,0,,0\r\n";

TEST_F(HubUsageTest, AdminGetsTheReportAsJson) {
  const Reply r = Get("/v1/admin/usage?from=2025-05-01&to=2025-05-03&by=user", *admin_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.content_type.find("application/json"), std::string::npos);
  const json j = r.Json();
  EXPECT_EQ(Validate(OpenApi(), "UsageReport", j), "");
  EXPECT_EQ(j["by"], "user");
  ASSERT_EQ(j["rows"].size(), 3u);
  EXPECT_EQ(j["rows"][2]["key"], "user:1");
  EXPECT_EQ(j["rows"][2]["queries"], 2);
  EXPECT_EQ(j["rows"][2]["refused"], 1);
  EXPECT_EQ(j["rows"][2]["kinds"]["search"], 1);
  EXPECT_EQ(j["rows"][2]["distinct_cohorts"], 1);
  EXPECT_EQ(j["total"]["queries"], 4);
  EXPECT_EQ(j["total"]["failed"], 1);
  EXPECT_EQ(j["total"]["tiers"]["public"], 2);

  const Reply days = Get("/v1/admin/usage?from=2025-05-01&to=2025-05-04&by=day", *admin_);
  ASSERT_EQ(days.status, 200) << days.body;
  ASSERT_EQ(days.Json()["rows"].size(), 3u);
  EXPECT_EQ(days.Json()["rows"][2]["key"], "2025-05-03");
  EXPECT_EQ(days.Json()["rows"][2]["queries"], 1);
}

TEST_F(HubUsageTest, CsvDownloadIsRfc4180WithFormulasDefused) {
  const Reply r = Get("/v1/admin/usage?from=2025-05-01&to=2025-05-03&by=user&format=csv", *admin_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "text/csv; charset=utf-8");
  EXPECT_EQ(r.disposition,
            "attachment; filename=\"renkei-usage-by-user-2025-05-01-to-2025-05-03.csv\"");
  EXPECT_EQ(r.body, kExpectedCsv);
}

// An independent reader: Python's csv module must read the cells back exactly.
TEST_F(HubUsageTest, PythonsCsvModuleReadsTheExportBack) {
  if (std::system("python3 -c 'import csv' 2>/dev/null") != 0) GTEST_SKIP() << "no python3";
  const Reply r = Get("/v1/admin/usage?from=2025-05-01&to=2025-05-03&format=csv", *admin_);
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string dir = ::testing::TempDir();
  const std::string in = dir + "usage-" + std::to_string(::getpid()) + ".csv";
  const std::string out = in + ".json";
  std::ofstream(in, std::ios::binary) << r.body;
  const std::string cmd =
      "python3 -c 'import csv,json,sys; "
      "f=open(sys.argv[1],newline=\"\",encoding=\"utf-8\"); "
      "json.dump(list(csv.reader(f, strict=True)),open(sys.argv[2],\"w\"))' " +
      in + " " + out;
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  std::ifstream parsed(out);
  const json cells = json::parse(parsed, nullptr, false);
  std::remove(in.c_str());
  std::remove(out.c_str());
  ASSERT_TRUE(cells.is_array());
  ASSERT_EQ(cells.size(), 4u);
  EXPECT_EQ(cells[0][0], "user");
  EXPECT_EQ(cells[0].size(), 19u);
  EXPECT_EQ(cells[1][0], "'-1+1");
  EXPECT_EQ(cells[2][0], "o\"neil, k");
  EXPECT_EQ(cells[2][4], "1");  // failed
  EXPECT_EQ(cells[3], json({"user:1", "2", "1", "1", "0", "0", "2", "0", "1", "1", "0", "0", "0",
                            "0", "1", "0", "0", "", "0"}));
}

// By project: the application column and the datasets each project's queries used (hand
// counted from the 2025-05-10 entries of Seed()).
TEST_F(HubUsageTest, CsvByProjectAndBySiteCarryApplicationsAndDataAccessed) {
  const Reply project =
      Get("/v1/admin/usage?from=2025-05-10&to=2025-05-11&by=project&format=csv", *admin_);
  ASSERT_EQ(project.status, 200) << project.body;
  EXPECT_EQ(project.body,
            "project,queries,answered,refused,failed,public,registered,controlled,search,freq,"
            "strata,catalog,beacon,other,distinct_cohorts,site_answers,controlled_answers,"
            "data_accessed,jobs\r\n"
            ",1,1,0,0,0,1,0,1,0,0,0,0,0,1,2,0,,0\r\n"
            "APP-000003,2,2,0,0,0,0,2,1,1,0,0,0,0,1,4,2,bbj-imsut:2,0\r\n"
            "APP-000004,1,1,0,0,0,0,1,0,1,0,0,0,0,1,2,1,bbj-imsut:1;tmm-tohoku:1,0\r\n");
  const Reply site =
      Get("/v1/admin/usage?from=2025-05-10&to=2025-05-11&by=site&format=csv", *admin_);
  ASSERT_EQ(site.status, 200) << site.body;
  EXPECT_EQ(site.body,
            "site,queries,answered,refused,failed,public,registered,controlled,search,freq,"
            "strata,catalog,beacon,other,distinct_cohorts,site_answers,controlled_answers,"
            "data_accessed,jobs\r\n"
            "imsut,3,3,0,0,0,1,2,2,1,0,0,0,0,1,3,2,bbj-imsut:2,0\r\n"
            "tohoku,3,3,0,0,0,1,2,2,1,0,0,0,0,1,3,2,tmm-tohoku:1,0\r\n");
  const Reply json_by_user = Get("/v1/admin/usage?from=2025-05-10&to=2025-05-11", *admin_);
  ASSERT_EQ(json_by_user.status, 200) << json_by_user.body;
  const json j = json_by_user.Json();
  EXPECT_EQ(Validate(OpenApi(), "UsageReport", j), "");
  ASSERT_EQ(j["rows"].size(), 2u);
  EXPECT_EQ(j["rows"][1]["key"], "user:2");
  EXPECT_EQ(j["rows"][1]["data_accessed"], json({{"bbj-imsut", 2}, {"tmm-tohoku", 1}}));
  EXPECT_EQ(j["rows"][0]["data_accessed"], json::object());
}

TEST_F(HubUsageTest, BadParametersAre400WithSentences) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "give 'from' as a date, YYYY-MM-DD"},
      {"from=2025-05-01", "give 'to' as a date, YYYY-MM-DD"},
      {"from=2025-05-01&to=2025-05-32", "'to' must be a calendar date as YYYY-MM-DD"},
      {"from=01/05/2025&to=2025-05-03", "'from' must be a calendar date as YYYY-MM-DD"},
      {"from=2025-05-03&to=2025-05-01", "'to' (2025-05-01) must be after 'from' (2025-05-03)"},
      {"from=2024-01-01&to=2025-06-01", "a usage report covers at most 366 days"},
      {"from=2025-05-01&to=2025-05-03&by=week", "'by' must be one of user, project, site or day"},
      {"from=2025-05-01&to=2025-05-03&format=xlsx", "'format' must be json or csv"},
  };
  for (const auto& [query, message] : cases) {
    const Reply r = Get("/v1/admin/usage?" + query, *admin_);
    EXPECT_EQ(r.status, 400) << query;
    EXPECT_NE(r.body.find(message), std::string::npos) << query << " → " << r.body;
  }
}

TEST_F(HubUsageTest, OnlyPlatformAdministrators) {
  EXPECT_EQ(Get("/v1/admin/usage?from=2025-05-01&to=2025-05-03", *researcher_).status, 403);
  EXPECT_EQ(Get("/v1/admin/usage?from=2025-05-01&to=2025-05-03", "").status, 401);
}

}  // namespace
}  // namespace renkei
