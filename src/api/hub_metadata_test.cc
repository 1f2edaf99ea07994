// Metadata registration over HTTP, with a real node behind the hub: a site administrator's
// registration reaches the node's store without a restart; problems come back line by line;
// only the site's own administrators may register; the node refuses samples its store lacks.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "api/api_test_fixture.h"
#include "api/http_util.h"
#include "api/hub_test_client.h"
#include "api/openapi_check.h"
#include "crypto/sodium.h"

namespace renkei {
namespace {

using nlohmann::json;
using testing::Answer;
using testing::Credentials;

json Description() {
  return {{"title", "TMM whole genomes"},
          {"description", "Whole-genome sequences of community cohort participants."},
          {"study", {{"title", "TMM community cohort"}}},
          {"policy", "Health and medical research."},
          {"data_use", {{"permission", "HMB"}}},
          {"dac", {{"name", "Tohoku DAC"}}}};
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class HubMetadataTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::filesystem::path(testing::TestDir("renkei-hub-metadata-test"));
    const crypto::Ed25519KeyPair keys = crypto::GenerateEd25519KeyPair();
    store_ = new std::string(testing::MakeStore(*dir_, "TMM", 60, 40));
    node_ = new testing::RunningNode();
    ASSERT_NO_FATAL_FAILURE(node_->Start(
        testing::LoopbackNodeConfig("tohoku", keys.public_key, {{"tmm_wgs", *store_}})));
    HubConfig c = testing::LoopbackHubConfig(8);
    c.secret_key = keys.secret_key;
    c.sites = {{"tohoku", "Tohoku", node_->url()}, {"imsut", "IMSUT (down)", "http://127.0.0.1:1"}};
    hub_ = new testing::RunningHub();
    ASSERT_NO_FATAL_FAILURE(hub_->Start(c));
    client_ = new testing::HubTestClient(*hub_);
  }
  static void TearDownTestSuite() {
    delete client_;
    delete hub_;
    delete node_;
    std::filesystem::remove_all(*dir_);
    delete dir_;
    delete store_;
  }

  // The store's own samples file, as simulated.
  static std::string SamplesFile() {
    return ReadAll((*dir_ / "TMM" / "sim" / "samples.tsv").string());
  }

  // The file with the first `n` samples moved to the age band 90+.
  static std::string Aged(std::string text, int n) {
    size_t line = text.find('\n') + 1;
    for (int i = 0; i < n && line < text.size(); ++i) {
      size_t field = line;
      for (int f = 0; f < 2; ++f) field = text.find('\t', field) + 1;  // the age band
      const size_t end = text.find('\t', field);
      text.replace(field, end - field, "90+");
      line = text.find('\n', line) + 1;
    }
    return text;
  }

  // Waits until the version has left "pending" at the node; returns the dataset's public view.
  static json WaitForNode(const std::string& dataset) {
    hub_->server->service().metadata_pusher().WaitIdle();
    return client_->Call("GET", "/v1/datasets/" + dataset, {}, {}).body;
  }

  static json Registration(const std::string& samples, int64_t expected) {
    return {{"site", "tohoku"},
            {"description", Description()},
            {"samples", samples},
            {"expected_version", expected}};
  }

  static inline std::filesystem::path* dir_ = nullptr;
  static inline std::string* store_ = nullptr;
  static inline testing::RunningNode* node_ = nullptr;
  static inline testing::RunningHub* hub_ = nullptr;
  static inline testing::HubTestClient* client_ = nullptr;
};

TEST_F(HubMetadataTest, ARegistrationReachesTheNodeWithoutARestart) {
  const Credentials admin =
      client_->Account("meta-admin@tohoku.example.jp", {"site_admin:tohoku"}, true);
  // Version 1: the samples as ingested; version 2: 12 of them in the age band 90+.
  Answer a =
      client_->Call("POST", "/v1/datasets/tmm_wgs/versions", Registration(SamplesFile(), 0), admin);
  ASSERT_EQ(a.status, 201) << a.raw;
  EXPECT_EQ(a.body["version"], 1);
  EXPECT_EQ(a.body["sample_count"], 60);
  EXPECT_EQ(Validate(OpenApi(), "DatasetVersion", a.body), "");
  EXPECT_EQ(WaitForNode("tmm_wgs")["node_status"], "applied");

  const std::string aged = Aged(SamplesFile(), 12);
  a = client_->Call("POST", "/v1/datasets/tmm_wgs/check",
                    {{"site", "tohoku"}, {"description", Description()}, {"samples", aged}}, admin);
  ASSERT_EQ(a.status, 200) << a.raw;
  EXPECT_EQ(a.body["ok"], true);
  EXPECT_LE(a.body["changes"]["samples_changed"].get<int>(), 12);
  EXPECT_GE(a.body["changes"]["samples_changed"].get<int>(), 1);
  EXPECT_EQ(Validate(OpenApi(), "RegistrationReport", a.body), "");

  a = client_->Call("POST", "/v1/datasets/tmm_wgs/versions", Registration(aged, 1), admin);
  ASSERT_EQ(a.status, 201) << a.raw;
  EXPECT_EQ(a.body["version"], 2);
  const json dataset = WaitForNode("tmm_wgs");
  EXPECT_EQ(dataset["node_status"], "applied") << dataset.dump();
  EXPECT_FALSE(dataset.contains("created_by"));

  // The node now counts the first 12 samples in 90+: its store was rewritten in place, and
  // the node answers from it without a restart (independent truth: the samples file itself).
  auto store = GenotypeStore::Open(*store_);
  ASSERT_TRUE(store.ok());
  int aged_in_store = 0;
  for (const Sample& s : store->samples().samples()) aged_in_store += s.age_band == 9;
  int aged_in_file = 0;
  {
    auto table = SampleTable::ParseTsv(aged, "aged");
    ASSERT_TRUE(table.ok());
    for (const Sample& s : table->samples()) aged_in_file += s.age_band == 9;
  }
  EXPECT_EQ(aged_in_store, aged_in_file);
  Result<json> count =
      node_->server->service().Count(Caller{Tier::kControlled, "test"}, {{"cohort", "age=90+"}});
  ASSERT_TRUE(count.ok()) << count.status().ToString();
  int64_t counted = 0;
  for (const json& cell : (*count)["cells"]) counted += cell["cohort_size"].get<int64_t>();
  EXPECT_EQ(counted, aged_in_file) << count->dump();

  // The history: newest first, with who and what changed.
  a = client_->Call("GET", "/v1/datasets/tmm_wgs/versions", {}, admin);
  ASSERT_EQ(a.status, 200) << a.raw;
  ASSERT_EQ(a.body["versions"].size(), 2u);
  EXPECT_EQ(a.body["versions"][0]["version"], 2);
  EXPECT_EQ(a.body["versions"][0]["created_by"], std::to_string(admin.id));
  // Both registrations and both node outcomes are in the audit log.
  ASSERT_TRUE(hub_->server->service().audit().Flush().ok());
  audit::Query q;
  q.action_prefix = "dataset.";
  auto entries = audit::List(hub_->server->service().database(), q);
  ASSERT_TRUE(entries.ok());
  int registered = 0, applied = 0;
  for (const audit::Entry& e : *entries) {
    registered += e.event.action == "dataset.register" && e.event.outcome == "ok";
    applied += e.event.action == "dataset.applied";
  }
  EXPECT_EQ(registered, 2);
  EXPECT_EQ(applied, 2);
  // Stale: someone registering on top of version 1 is told to reload.
  a = client_->Call("POST", "/v1/datasets/tmm_wgs/versions", Registration(aged, 1), admin);
  EXPECT_EQ(a.status, 409) << a.raw;
  // Public listing.
  a = client_->Call("GET", "/v1/datasets?site=tohoku", {}, {});
  ASSERT_EQ(a.status, 200) << a.raw;
  ASSERT_EQ(a.body["datasets"].size(), 1u);
  EXPECT_EQ(a.body["datasets"][0]["description"]["data_use"]["permission"], "DUO:0000006");
}

TEST_F(HubMetadataTest, ProblemsComeBackLineByLineAndNothingIsStored) {
  const Credentials admin =
      client_->Account("meta-lines@tohoku.example.jp", {"site_admin:tohoku"}, true);
  std::string bad = SamplesFile();
  // Line 3: an unknown sex; line 5: an unknown prefecture.
  auto break_field = [&](int line, int field, const std::string& value) {
    size_t at = 0;
    for (int l = 1; l < line; ++l) at = bad.find('\n', at) + 1;
    for (int f = 0; f < field; ++f) at = bad.find('\t', at) + 1;
    bad.replace(at, bad.find('\t', at) - at, value);
  };
  break_field(3, 3, "M");
  break_field(5, 4, "99");
  json body = Registration(bad, 0);
  body["description"].erase("dac");
  Answer a = client_->Call("POST", "/v1/datasets/new_ds/versions", body, admin);
  ASSERT_EQ(a.status, 400) << a.raw;
  ASSERT_TRUE(a.body.contains("report")) << a.raw;
  std::vector<std::string> where;
  for (const json& p : a.body["report"]["problems"]) where.push_back(p["where"]);
  EXPECT_EQ(where,
            (std::vector<std::string>{"description.dac.name", "samples.tsv:3", "samples.tsv:5"}));
  EXPECT_EQ(client_->Call("GET", "/v1/datasets/new_ds", {}, {}).status, 404);
  // Malformed bodies.
  for (const std::string& raw :
       {std::string("{not json"), std::string("[1]"), std::string(R"({"site": "tohoku"})"),
        std::string(
            R"({"site": "tohoku", "description": {}, "samples": 7, "expected_version": 0})"),
        std::string(
            R"({"site": "tohoku", "description": {}, "samples": "", "expected_version": -1})"),
        std::string(R"({"site": "tohoku", "extra": 1})")}) {
    a = client_->Raw("POST", "/v1/datasets/new_ds/versions", raw, "application/json", admin);
    EXPECT_EQ(a.status, 400) << raw << " → " << a.raw;
  }
  // Too large to be read at all, and larger than other routes take but within this one's limit.
  a = client_->Raw("POST", "/v1/datasets/new_ds/check", std::string(kMaxLargeBodyBytes + 10, ' '),
                   "application/json", admin);
  EXPECT_EQ(a.status, 413) << a.raw.substr(0, 200);
  a = client_->Raw("POST", "/v1/search",
                   "{\"cohort\": \"all\"" + std::string(kMaxRequestBytes, ' ') + "}",
                   "application/json", admin);
  EXPECT_EQ(a.status, 413) << a.raw.substr(0, 200);
  json big = Registration(SamplesFile(), 0);
  big["description"]["description"] = std::string(3 << 20, 'x');
  a = client_->Call("POST", "/v1/datasets/new_ds/check", big, admin);
  ASSERT_EQ(a.status, 200) << a.raw.substr(0, 200);
  EXPECT_EQ(a.body["problems"][0]["where"], "description.description");
}

TEST_F(HubMetadataTest, OnlyTheSitesOwnAdministratorsRegister) {
  const Credentials tohoku =
      client_->Account("meta-owner@tohoku.example.jp", {"site_admin:tohoku"}, true);
  const Credentials imsut =
      client_->Account("meta-other@imsut.example.jp", {"site_admin:imsut"}, true);
  const Credentials researcher = client_->Account("meta-researcher@example.jp", {}, false);
  const Credentials admin = client_->Account("meta-platform@example.jp", {"platform_admin"}, true);
  ASSERT_EQ(
      client_
          ->Call("POST", "/v1/datasets/owned_ds/versions", Registration(SamplesFile(), 0), tohoku)
          .status,
      201);
  // Another site's administrator: neither for tohoku, nor for the dataset as their own site.
  EXPECT_EQ(
      client_->Call("POST", "/v1/datasets/owned_ds/versions", Registration(SamplesFile(), 1), imsut)
          .status,
      403);
  json as_imsut = Registration(SamplesFile(), 1);
  as_imsut["site"] = "imsut";
  EXPECT_EQ(client_->Call("POST", "/v1/datasets/owned_ds/versions", as_imsut, imsut).status, 403);
  EXPECT_EQ(client_->Call("GET", "/v1/datasets/owned_ds/versions", {}, imsut).status, 403);
  for (const Credentials& who : {researcher, admin}) {
    EXPECT_EQ(
        client_->Call("POST", "/v1/datasets/owned_ds/check", Registration(SamplesFile(), 1), who)
            .status,
        403);
    EXPECT_EQ(client_->Call("GET", "/v1/datasets/owned_ds/versions", {}, who).status, 403);
  }
  EXPECT_EQ(
      client_->Call("POST", "/v1/datasets/owned_ds/versions", Registration(SamplesFile(), 1), {})
          .status,
      401);
  // A session without its CSRF token cannot register.
  Credentials no_csrf = tohoku;
  no_csrf.csrf.clear();
  EXPECT_EQ(
      client_
          ->Call("POST", "/v1/datasets/owned_ds/versions", Registration(SamplesFile(), 1), no_csrf)
          .status,
      403);
  EXPECT_EQ(client_->Call("GET", "/v1/datasets/owned_ds", {}, {}).body["version"], 1);
}

TEST_F(HubMetadataTest, TheNodeRefusesSamplesItsStoreDoesNotHold) {
  const Credentials admin =
      client_->Account("meta-node@tohoku.example.jp", {"site_admin:tohoku"}, true);
  // A registration for the node's dataset naming a sample the store does not have.
  std::string other = SamplesFile();
  const size_t line = other.find('\n') + 1;
  other.replace(line, other.find('\t', line) - line, "NOT-IN-STORE");
  const std::string meta_before = ReadAll(*store_ + "/meta.json");
  // (The dataset may already be registered by another test: register on top of its version.)
  const json current = client_->Call("GET", "/v1/datasets/tmm_wgs", {}, {}).body;
  const int64_t version = current.is_object() ? current.value("version", 0) : 0;
  Answer a =
      client_->Call("POST", "/v1/datasets/tmm_wgs/versions", Registration(other, version), admin);
  ASSERT_EQ(a.status, 201) << a.raw;
  WaitForNode("tmm_wgs");
  a = client_->Call("GET", "/v1/datasets/tmm_wgs/versions", {}, admin);
  ASSERT_EQ(a.status, 200);
  const json& newest = a.body["versions"][0];
  EXPECT_EQ(newest["node_status"], "failed");
  EXPECT_NE(newest["node_message"].get<std::string>().find("NOT-IN-STORE"), std::string::npos)
      << newest.dump();
  EXPECT_EQ(ReadAll(*store_ + "/meta.json"), meta_before);
}

}  // namespace
}  // namespace renkei
