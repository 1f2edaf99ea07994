// Controlled tier only with a GA4GH Passport visa (issue 4): the node's checks, and the hub and
// a node on loopback.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <filesystem>
#include <sstream>

#include "api/api_test_fixture.h"
#include "api/config.h"
#include "api/hub_service.h"
#include "api/node_service.h"
#include "cohort/cohort.h"
#include "common/log.h"
#include "crypto/openssl.h"
#include "crypto/sodium.h"
#include "identity/jwt.h"
#include "identity/passport.h"
#include "workflow/repository.h"

namespace renkei {
namespace {

using nlohmann::json;

using testing::kVisaIssuer;
using testing::UnixNow;

constexpr char kCohort[] = "sex=female";

// Captures what the node logs (every refusal must be logged).
class LogCapture {
 public:
  LogCapture() : sink_(std::make_shared<spdlog::sinks::ostream_sink_mt>(out_)) {
    spdlog::default_logger()->sinks().push_back(sink_);
  }
  ~LogCapture() {
    auto& sinks = spdlog::default_logger()->sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
  }
  std::string text() const { return out_.str(); }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink_;
};

class NodeVisaTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::filesystem::path(testing::TestDir("renkei-visa-test"));
    keys_ = new testing::HubVisaKeys();
    ASSERT_NO_FATAL_FAILURE(keys_->Make(*dir_));
    config_ = new NodeConfig(
        testing::LoopbackNodeConfig("tohoku", keys_->signing.public_key,
                                    {{"TMM-a", testing::MakeStore(*dir_, "TMM", 300, 50)},
                                     {"BBJ-a", testing::MakeStore(*dir_, "BBJ", 200, 50)}}));
    config_->visa = keys_->NodeVisa();
    Result<std::unique_ptr<NodeService>> node = NodeService::Create(*config_);
    ASSERT_TRUE(node.ok()) << node.status().ToString();
    node_ = node->release();
    Result<GenotypeStore> store = GenotypeStore::Open(config_->datasets[0].store);
    ASSERT_TRUE(store.ok());
    truth_ = static_cast<int64_t>(CountBits(*Cohort::Parse(kCohort)->Evaluate(store->samples())));
  }
  static void TearDownTestSuite() {
    delete node_;
    delete keys_;
    delete config_;
    std::filesystem::remove_all(*dir_);
    delete dir_;
  }

  static std::string Visa(const std::string& dataset, const std::string& subject = "approved",
                          int64_t issued = UnixNow(), const std::string& site = "tohoku",
                          const crypto::RsaSigningKey* key = nullptr,
                          const std::string& grant = "APP-000001/tohoku/TMM-a/1") {
    identity::VisaGrant g{subject,        site, dataset, "APP-000001", grant, issued - 100,
                          issued + 86400, "",   0};
    Result<std::string> v =
        identity::IssueVisa(g, kVisaIssuer, key ? *key : *keys_->visa, issued, 300);
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return *v;
  }

  // The TMM-a cell of a count answer.
  static const json& Cell(const json& answer, const std::string& dataset) {
    for (const json& c : answer["cells"]) {
      if (c["dataset"] == dataset) return c;
    }
    static const json kNone;
    ADD_FAILURE() << "no cell for " << dataset << " in " << answer.dump();
    return kNone;
  }

  // Whether a cell carries exact counts: the cohort size is the engine's and no facet, however
  // small, is withheld (the registered tier withholds every count below the floor).
  static bool Exact(const json& cell) {
    if (!cell["withheld"].empty()) return false;
    for (const json& f : cell["facets"]) {
      if (f["count"].is_null()) return false;
    }
    return true;
  }

  static Result<json> Count(const std::string& visas, const Caller& caller = kApproved) {
    const VisaAccess access = node_->CheckVisas(caller, visas);
    return node_->CountWithVisas(caller, access, {{"cohort", kCohort}});
  }

  static inline const Caller kApproved{Tier::kControlled, "approved"};
  static inline std::filesystem::path* dir_ = nullptr;
  static inline testing::HubVisaKeys* keys_ = nullptr;
  static inline NodeConfig* config_ = nullptr;
  static inline NodeService* node_ = nullptr;
  static inline int64_t truth_ = 0;
};

TEST_F(NodeVisaTest, ValidVisaGivesExactCountsForItsDatasetOnly) {
  Result<json> answer = Count(Visa("TMM-a"));
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  const json& tmm = Cell(*answer, "TMM-a");
  EXPECT_EQ(tmm["cohort_size"], truth_);
  EXPECT_TRUE(Exact(tmm)) << tmm.dump();
  // BBJ-a had no visa: registered tier, and the answer says so.
  EXPECT_FALSE(Exact(Cell(*answer, "BBJ-a")));
  ASSERT_TRUE(answer->contains("access")) << answer->dump();
  ASSERT_EQ((*answer)["access"].size(), 1u);
  EXPECT_EQ((*answer)["access"][0]["dataset"], "BBJ-a");
  EXPECT_EQ((*answer)["access"][0]["tier"], "registered");
  EXPECT_EQ((*answer)["tier"], "registered");

  Result<json> both = Count(Visa("TMM-a") + " " + Visa("BBJ-a"));
  ASSERT_TRUE(both.ok());
  EXPECT_TRUE(Exact(Cell(*both, "TMM-a")));
  EXPECT_TRUE(Exact(Cell(*both, "BBJ-a")));
  EXPECT_EQ((*both)["tier"], "controlled");
  EXPECT_FALSE(both->contains("access"));
}

TEST_F(NodeVisaTest, EveryBadVisaMeansNoExactCountsAndALoggedRefusal) {
  Result<crypto::RsaSigningKey> stranger = crypto::RsaSigningKey::Generate();
  ASSERT_TRUE(stranger.ok());
  ASSERT_TRUE(
      node_
          ->RevokeGrants(
              {{"revoked", {{{"id", "APP-000002/tohoku/TMM-a/1"}, {"until", UnixNow() + 3600}}}}})
          .ok());
  const struct {
    std::string name, visas, logged;
  } cases[] = {
      {"none", "", "no visa came with this controlled-tier request"},
      {"expired", Visa("TMM-a", "approved", UnixNow() - 400), "expired"},
      {"revoked",
       Visa("TMM-a", "approved", UnixNow(), "tohoku", nullptr, "APP-000002/tohoku/TMM-a/1"),
       "revoked grant APP-000002/tohoku/TMM-a/1"},
      {"other dataset", Visa("NCBN-x"), "NCBN-x, which site tohoku does not hold"},
      {"other site", Visa("TMM-a", "approved", UnixNow(), "imsut"), "not at this site"},
      {"wrong key", Visa("TMM-a", "approved", UnixNow(), "tohoku", &*stranger), "kid"},
      {"someone else's", Visa("TMM-a", "mallory"), "was issued to mallory, not to approved"},
      {"garbage", "not-a-visa", "malformed"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    LogCapture log;
    Result<json> answer = Count(c.visas);
    ASSERT_TRUE(answer.ok()) << answer.status().ToString();
    EXPECT_FALSE(Exact(Cell(*answer, "TMM-a"))) << Cell(*answer, "TMM-a").dump();
    EXPECT_EQ((*answer)["tier"], "registered");
    ASSERT_TRUE(answer->contains("access"));
    EXPECT_NE((*answer)["access"][0]["reason"].get<std::string>().find(c.logged), std::string::npos)
        << (*answer)["access"].dump();
    EXPECT_NE(log.text().find("visa refused for caller approved"), std::string::npos) << log.text();
    EXPECT_NE(log.text().find(c.logged), std::string::npos) << log.text();
  }
}

TEST_F(NodeVisaTest, RegisteredCallersVisasChangeNothing) {
  const Caller alice{Tier::kRegistered, "alice"};
  Result<json> answer = Count(Visa("TMM-a", "alice"), alice);
  ASSERT_TRUE(answer.ok());
  EXPECT_FALSE(Exact(Cell(*answer, "TMM-a")));
  EXPECT_FALSE(answer->contains("access"));
}

TEST_F(NodeVisaTest, QueriesWithoutARegisteredAnswerAreRefusedWithTheReason) {
  const json samples = {{"cohort", "sample=TMM000001,TMM000002"}};
  const VisaAccess tmm_only = node_->CheckVisas(kApproved, Visa("TMM-a"));
  Result<json> r = node_->CountWithVisas(kApproved, tmm_only, samples);
  ASSERT_EQ(r.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(r.status().message().find("BBJ-a are answered at the registered tier only"),
            std::string::npos)
      << r.status().message();
  const VisaAccess both = node_->CheckVisas(kApproved, Visa("TMM-a") + " " + Visa("BBJ-a"));
  EXPECT_TRUE(node_->CountWithVisas(kApproved, both, samples).ok());
}

TEST_F(NodeVisaTest, NodeWithoutVisaKeyAnswersNothingAtControlledAndSaysWhy) {
  NodeConfig old = *config_;
  old.visa.reset();
  Result<std::unique_ptr<NodeService>> node = NodeService::Create(old);
  ASSERT_TRUE(node.ok());
  LogCapture log;
  const VisaAccess access = (*node)->CheckVisas(kApproved, Visa("TMM-a"));
  Result<json> answer = (*node)->CountWithVisas(kApproved, access, {{"cohort", kCohort}});
  ASSERT_TRUE(answer.ok());
  EXPECT_FALSE(Exact(Cell(*answer, "TMM-a")));
  EXPECT_NE((*answer)["access"][0]["reason"].get<std::string>().find("hub_visa is not configured"),
            std::string::npos);
  EXPECT_NE(log.text().find("hub_visa is not configured"), std::string::npos);
}

TEST_F(NodeVisaTest, RevocationNoticesAreCheckedAndKeptInTheFile) {
  EXPECT_EQ(node_->RevokeGrants(json::array()).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(node_->RevokeGrants({{"revoked", {{{"id", 3}}}}}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(
      node_->RevokeGrants({{"revoked", {{{"id", ""}, {"until", UnixNow() + 60}}}}}).status().code(),
      StatusCode::kInvalidArgument);
  NodeConfig c = *config_;
  c.visa->revoked_file = (*dir_ / "revoked.json").string();
  {
    Result<std::unique_ptr<NodeService>> node = NodeService::Create(c);
    ASSERT_TRUE(node.ok());
    ASSERT_TRUE(
        (*node)
            ->RevokeGrants(
                {{"revoked", {{{"id", "APP-000001/tohoku/TMM-a/1"}, {"until", UnixNow() + 3600}}}}})
            .ok());
  }
  Result<std::unique_ptr<NodeService>> restarted = NodeService::Create(c);
  ASSERT_TRUE(restarted.ok());
  EXPECT_TRUE((*restarted)->CheckVisas(kApproved, Visa("TMM-a")).datasets.empty());
}

TEST(NodeVisaConfigTest, HubVisaSectionIsOptionalAndChecked) {
  json doc = {{"site", "tohoku"},
              {"hub_public_key", crypto::Base64Encode(std::string(32, 'k'))},
              {"datasets", {{{"id", "TMM-a"}, {"store", "/nowhere"}}}}};
  Result<NodeConfig> plain = ParseNodeConfig(doc);
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_FALSE(plain->visa.has_value());

  Result<crypto::RsaSigningKey> key = crypto::RsaSigningKey::Generate();
  ASSERT_TRUE(key.ok());
  const json jwks = {{"keys", {identity::JwkToJson(key->public_jwk())}}};
  doc["hub_visa"] = {{"issuer", kVisaIssuer}, {"jwks", jwks}};
  Result<NodeConfig> with = ParseNodeConfig(doc);
  ASSERT_TRUE(with.ok()) << with.status().ToString();
  EXPECT_EQ(with->visa->issuer, kVisaIssuer);
  EXPECT_EQ(with->visa->jwks, jwks);

  for (const json& bad : {json("x"), json{{"jwks", jwks}}, json{{"issuer", kVisaIssuer}},
                          json{{"issuer", kVisaIssuer}, {"jwks", {{"keys", json::array()}}}},
                          json{{"issuer", kVisaIssuer}, {"jwks", jwks}, {"jwks_file", "/x"}},
                          json{{"issuer", kVisaIssuer}, {"jwks_file", "/nonexistent/jwks.json"}}}) {
    doc["hub_visa"] = bad;
    Result<NodeConfig> r = ParseNodeConfig(doc);
    EXPECT_FALSE(r.ok()) << bad.dump();
    EXPECT_NE(r.status().message().find("hub_visa"), std::string::npos) << r.status().message();
  }
}

// The hub and a node on loopback: the hub signs visas, sends them in the signed header, and the
// node answers at the controlled tier; a revoked grant reaches the node.
TEST_F(NodeVisaTest, HubToNodeControlledKeyGetsExactCountsThroughVisas) {
  testing::RunningNode node;
  ASSERT_NO_FATAL_FAILURE(node.Start(*config_));
  HubConfig hc = keys_->Hub(2);
  hc.sites = {{"tohoku", "Tohoku", node.url()}};
  hc.api_keys = {{crypto::Sha256("controlled-key"), Tier::kControlled, "approved"}};
  Result<std::unique_ptr<HubService>> hub = HubService::Create(hc);
  ASSERT_TRUE(hub.ok()) << hub.status().ToString();
  EXPECT_EQ((*hub)->VisaJwks(), config_->visa->jwks);

  Result<Caller> caller = (*hub)->Authenticate("controlled-key");
  ASSERT_TRUE(caller.ok());
  Result<json> answer = (*hub)->Search(*caller, {{"cohort", kCohort}});
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_EQ((*answer)["tier"], "controlled");
  EXPECT_EQ((*answer)["cohort_size"]["by_biobank"]["TMM"], truth_) << answer->dump();
  for (const json& f : (*answer)["facets"]) EXPECT_FALSE(f["total"].is_null()) << f.dump();

  // An account without grants stays at the registered tier.
  Result<Caller> user = (*hub)->Entitle(Caller{Tier::kRegistered, "user:41"});
  ASSERT_TRUE(user.ok()) << user.status().ToString();
  EXPECT_EQ(user->tier, Tier::kRegistered);

  // A revoked grant: the hub tells the node, which refuses that grant's visas from then on.
  const int64_t granted_at = UnixNow() - 1000;
  Application app;
  app.id = "APP-000077";
  Grant g;
  g.site = "tohoku";
  g.dataset = "TMM-a";
  g.granted_at = Timestamp(std::chrono::seconds(granted_at));
  g.expiry = Timestamp(std::chrono::seconds(UnixNow() + 86400));
  g.revoked_at = Timestamp(std::chrono::seconds(UnixNow()));
  app.grants = {g};
  const std::string grant_id = identity::GrantId(app.id, "tohoku", "TMM-a", granted_at);
  const std::string visa = Visa("TMM-a", "user:41", UnixNow(), "tohoku", nullptr, grant_id);
  const Caller user41{Tier::kControlled, "user:41"};
  EXPECT_EQ(node.server->service().CheckVisas(user41, visa).datasets.size(), 1u);
  (*hub)->GrantsChanged(app);
  EXPECT_TRUE(node.server->service().CheckVisas(user41, visa).datasets.empty());

  // An account holding a grant of TMM-a: raised to the controlled tier; exact counts there, and
  // BBJ-a (not granted) at the registered tier, which the hub's answer says.
  Application granted =
      testing::SaveGrantedApplication(**hub, "user:42", {{"tohoku", "TMM-a"}}, UnixNow() - 100);
  Result<Caller> account = (*hub)->Entitle(Caller{Tier::kRegistered, "user:42"});
  ASSERT_TRUE(account.ok()) << account.status().ToString();
  EXPECT_EQ(account->tier, Tier::kControlled);
  Result<json> mine = (*hub)->Search(*account, {{"cohort", kCohort}});
  ASSERT_TRUE(mine.ok()) << mine.status().ToString();
  EXPECT_EQ((*mine)["cohort_size"]["by_biobank"]["TMM"], truth_) << mine->dump();
  ASSERT_TRUE((*mine)["sites"][0].contains("access")) << mine->dump();
  EXPECT_EQ((*mine)["sites"][0]["access"][0]["dataset"], "BBJ-a");
  // Revoking it: the hub's cache is dropped, the account falls back to the registered tier.
  granted.grants[0].revoked_at = Timestamp(std::chrono::seconds(UnixNow()));
  granted.state = ApplicationState::kRevoked;
  ASSERT_TRUE(workflow::ApplicationRepository(&(*hub)->database()).Save(granted, 2).ok());
  (*hub)->GrantsChanged(granted);
  EXPECT_EQ((*hub)->Entitle(Caller{Tier::kRegistered, "user:42"})->tier, Tier::kRegistered);
}

}  // namespace
}  // namespace renkei
