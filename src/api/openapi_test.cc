// docs/openapi.json against the implementation: the same routes, and real answers (from real
// nodes, aggregated as the hub does) valid against the documented schemas.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "api/api_test_fixture.h"
#include "api/config.h"
#include "api/hub_server.h"
#include "api/node_service.h"
#include "api/openapi_check.h"
#include "crypto/sodium.h"
#include "federation/aggregate.h"
#include "federation/protocol.h"

namespace renkei {
namespace {

using nlohmann::json;

TEST(OpenApi, DocumentsExactlyTheRoutesTheHubServes) {
  const json doc = OpenApi();
  std::set<std::string> documented, served;
  for (const auto& [path, item] : doc["paths"].items()) {
    for (const auto& [method, op] : item.items()) {
      std::string m = method;
      for (char& c : m) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      documented.insert(m + " " + path);
      EXPECT_TRUE(op.contains("responses") &&
                  (op["responses"].contains("200") || op["responses"].contains("201") ||
                   op["responses"].contains("302")))
          << path;
    }
  }
  HubConfig config;
  config.secret_key = crypto::GenerateEd25519KeyPair().secret_key;
  Result<std::unique_ptr<HubServer>> hub = HubServer::Create(config);
  ASSERT_TRUE(hub.ok()) << hub.status().ToString();
  for (const Route& r : (*hub)->routes()) served.insert(r.method + " " + r.path);
  EXPECT_GT(served.size(), 10u);
  EXPECT_EQ(documented, served);
}

TEST(OpenApi, ValidatorIsLive) {
  const json doc = OpenApi();
  EXPECT_EQ(Validate(doc, "Error", ErrorJson(InvalidArgument("x"))), "");
  EXPECT_NE(Validate(doc, "Error", {{"error", {{"code", "Nope"}, {"message", "x"}}}}), "");
  EXPECT_NE(Validate(doc, "Count", -1), "");
  EXPECT_NE(Validate(doc, "Counts", {{"cohort_size", 0}}), "");
}

class OpenApiAnswers : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::filesystem::path(testing::TestDir("renkei-openapi-test"));
    const std::string key = crypto::GenerateEd25519KeyPair().public_key;
    // Two sites with different biobanks and the same variant sites.
    const std::string tmm = testing::MakeStore(*dir_, "TMM", 150, 120);
    const std::string bbj = testing::MakeStore(*dir_, "BBJ", 120, 120);
    for (const auto& [site, id, store] :
         {std::tuple{"tohoku", "TMM-1", tmm}, std::tuple{"imsut", "BBJ-1", bbj}}) {
      NodeConfig c;
      c.site = site;
      c.hub_public_key = key;
      c.datasets = {{id, store}};
      Result<std::unique_ptr<NodeService>> node = NodeService::Create(c);
      ASSERT_TRUE(node.ok()) << node.status().ToString();
      nodes_.push_back(node->release());
    }
    Result<GenotypeStore> store = GenotypeStore::Open(tmm);
    ASSERT_TRUE(store.ok());
    const VariantView v = store->Variant(5);
    variant_ = std::string(v.contig) + ":" + std::to_string(v.pos) + ":" + std::string(v.ref);
    region_ = std::string(v.contig) + ":" +
              std::to_string(v.pos > 2'000'000 ? v.pos - 2'000'000 : 1) + "-" +
              std::to_string(v.pos + 2'000'000);
  }
  static void TearDownTestSuite() {
    for (NodeService* n : nodes_) delete n;
    nodes_.clear();
    std::filesystem::remove_all(*dir_);
    delete dir_;
  }

  // Asks every node and returns their answers as the hub's fan-out would collect them.
  template <typename Method>
  std::vector<SiteAnswer> Ask(Method method, const Caller& caller, const json& body) {
    std::vector<SiteAnswer> out;
    for (NodeService* n : nodes_) {
      out.push_back({n->config().site, n->config().site, (n->*method)(caller, body), 1.0});
    }
    out.push_back({"down", "a site that is down", Unavailable("site down did not answer"), 500});
    return out;
  }

  static inline std::filesystem::path* dir_ = nullptr;
  static inline std::vector<NodeService*> nodes_;
  static inline std::string variant_, region_;
};

TEST_F(OpenApiAnswers, FederatedAnswersMatchTheDocumentedSchemas) {
  const json doc = OpenApi();
  const PrivacyPolicy policy;
  for (const Caller& caller :
       {Caller{Tier::kRegistered, "alice"}, Caller{Tier::kControlled, "approved"}}) {
    SCOPED_TRACE(TierName(caller.tier));
    const json cohort = {{"cohort", "age=50-59 | age=60-69 | age=70-79"}};
    Result<json> search =
        AggregateCount(Ask(&NodeService::Count, caller, cohort), policy, caller.tier);
    ASSERT_TRUE(search.ok()) << search.status().ToString();
    EXPECT_EQ(Validate(doc, "Search", *search), "");
    EXPECT_TRUE((*search)["partial"].get<bool>());

    for (const json& sel : {json{{"variant", variant_}}, json{{"region", region_}}}) {
      json body = sel;
      body["cohort"] = caller.tier == Tier::kControlled ? "sex=female" : "age=50-59 | age=60-69";
      Result<json> freq = AggregateFreq(Ask(&NodeService::Freq, caller, body), policy, caller.tier);
      ASSERT_TRUE(freq.ok()) << freq.status().ToString();
      EXPECT_FALSE((*freq)["variants"].empty());
      EXPECT_EQ(Validate(doc, "Freq", *freq), "");
      Result<json> strata =
          AggregateStrata(Ask(&NodeService::Strata, caller, sel), policy, caller.tier);
      ASSERT_TRUE(strata.ok()) << strata.status().ToString();
      EXPECT_EQ(Validate(doc, "Strata", *strata), "");
    }
  }
}

}  // namespace
}  // namespace renkei
