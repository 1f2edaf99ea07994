// Test helpers (not part of the library) for the api layer's tests: stores simulated and
// ingested for real, small; a hub's visa keys and granted applications for controlled-tier tests.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "api/hub_service.h"
#include "api/hub_test_client.h"
#include "api/node_service.h"
#include "crypto/openssl.h"
#include "identity/jwt.h"
#include "sim/simulate.h"
#include "store/ingest.h"
#include "workflow/repository.h"
#include "workflow/roles.h"

namespace renkei::testing {

// The visa issuer of the controlled-tier tests' hubs.
inline constexpr char kVisaIssuer[] = "https://hub.test";

// A hub's keys for controlled-tier tests: its request-signing pair and its visa-signing RSA key,
// saved as `dir`/hub.visa.pem by Make().
struct HubVisaKeys {
  crypto::Ed25519KeyPair signing;
  std::optional<crypto::RsaSigningKey> visa;
  std::string visa_pem;

  // Makes both keys and saves the visa key (creating `dir`). Fails the test (ASSERT) if it cannot:
  // call it inside ASSERT_NO_FATAL_FAILURE.
  void Make(const std::filesystem::path& dir) {
    std::filesystem::create_directories(dir);
    signing = crypto::GenerateEd25519KeyPair();
    Result<crypto::RsaSigningKey> key = crypto::RsaSigningKey::Generate();
    ASSERT_TRUE(key.ok()) << key.status().ToString();
    visa.emplace(std::move(*key));
    visa_pem = (dir / "hub.visa.pem").string();
    ASSERT_TRUE(visa->SavePemFile(visa_pem).ok());
  }

  // What a node that accepts this hub's visas is configured with.
  NodeVisaConfig NodeVisa() const {
    return NodeVisaConfig{kVisaIssuer, {{"keys", {identity::JwkToJson(visa->public_jwk())}}}, ""};
  }

  // A hub on loopback that signs its requests and issues visas with these keys; without sites.
  HubConfig Hub(int threads) const {
    HubConfig c = LoopbackHubConfig(threads);
    c.secret_key = signing.secret_key;
    c.visa_issuer = kVisaIssuer;
    c.visa_signing_key = visa_pem;
    return c;
  }
};

// Saves, in the hub's database, a granted data-use application of `user` ("user:42") whose
// period ends in 30 days, with a grant of each (site, dataset) pair made at `granted_at` (Unix
// seconds) and expiring in a day, and tells the hub (which drops its cached visas). Returns the
// application as saved (version 2).
inline Application SaveGrantedApplication(
    HubService& hub, const std::string& user,
    const std::vector<std::pair<std::string, std::string>>& grants, int64_t granted_at) {
  workflow::ApplicationRepository repo(&hub.database());
  Result<Application> created =
      repo.Create(ApplicationKind::kDataUse, Actor{user, {RoleGrant{Role::kResearcher, ""}}},
                  Timestamp(std::chrono::seconds(UnixNow() - 5000)));
  EXPECT_TRUE(created.ok()) << created.status().ToString();
  if (!created.ok()) return {};
  Application app = *created;
  app.state = ApplicationState::kGranted;
  app.content.period_end = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now()) +
                           std::chrono::days(30);
  for (const auto& [site, dataset] : grants) {
    Grant g;
    g.site = site;
    g.dataset = dataset;
    g.granted_at = Timestamp(std::chrono::seconds(granted_at));
    g.expiry = Timestamp(std::chrono::seconds(UnixNow() + 86400));
    app.grants.push_back(g);
  }
  EXPECT_TRUE(repo.Save(app, 1).ok());
  hub.GrantsChanged(app);
  return app;
}

// A folder for one test binary's files: `name`-<process id> in the temporary directory (not
// created).
inline std::filesystem::path TestDir(const std::string& name) {
  return std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()));
}

// Simulates and ingests `samples` × `variants` of `biobank` into dir/<biobank>/store and
// returns the store directory.
inline std::string MakeStore(const std::filesystem::path& dir, const std::string& biobank,
                             uint32_t samples, uint32_t variants) {
  SimOptions sim;
  sim.site = biobank;
  sim.samples = samples;
  sim.variants = variants;
  sim.out_dir = (dir / biobank / "sim").string();
  sim.threads = 1;
  sim.show_progress = false;
  EXPECT_TRUE(Simulate(sim).ok());
  IngestOptions ingest;
  ingest.vcf_path = sim.out_dir + "/genotypes.bcf";
  ingest.samples_path = sim.out_dir + "/samples.tsv";
  ingest.out_dir = (dir / biobank / "store").string();
  ingest.show_progress = false;
  EXPECT_TRUE(Ingest(ingest).ok());
  return ingest.out_dir;
}

}  // namespace renkei::testing
