// Test helper (not part of the library): runs hubs and nodes on loopback, calls a hub over
// HTTP as a browser session or a script, and makes signed-in accounts with roles, for the api
// layer's route tests.
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "api/hub_server.h"
#include "api/node_server.h"
#include "crypto/sodium.h"
#include "identity/accounts.h"
#include "identity/totp.h"

namespace renkei::testing {

inline constexpr const char* kTestPassword = "correct horse battery staple";

// Seconds since the Unix epoch, now.
inline int64_t UnixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A HubServer or NodeServer serving on loopback on a thread of its own, from Start() until it is
// destroyed, which stops it and waits for the thread.
template <typename Server>
struct RunningServer {
  std::unique_ptr<Server> server;
  std::thread thread;
  int port = 0;

  RunningServer() = default;
  RunningServer(RunningServer&&) = default;
  RunningServer& operator=(RunningServer&&) = delete;
  ~RunningServer() {
    if (server) server->Stop();
    if (thread.joinable()) thread.join();
  }

  // Creates the server from `config`, binds it and serves. Fails the test (ASSERT) if it cannot:
  // call it inside ASSERT_NO_FATAL_FAILURE.
  template <typename Config>
  void Start(const Config& config) {
    auto created = Server::Create(config);
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    server = std::move(*created);
    auto bound = server->Bind();
    ASSERT_TRUE(bound.ok()) << bound.status().ToString();
    port = *bound;
    thread = std::thread([s = server.get()] { s->Serve(); });
  }

  // "http://127.0.0.1:<port>", as a hub's SiteConfig names a node.
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }
};
using RunningHub = RunningServer<HubServer>;
using RunningNode = RunningServer<NodeServer>;

// A hub on loopback (any free port) with `threads` workers and a fresh request-signing key.
inline HubConfig LoopbackHubConfig(int threads) {
  HubConfig c;
  c.listen = {"127.0.0.1", 0};
  c.secret_key = crypto::GenerateEd25519KeyPair().secret_key;
  c.threads = threads;
  return c;
}

// A node of `site` on loopback (any free port) with 4 workers, answering requests signed by the
// hub's `hub_public_key`.
inline NodeConfig LoopbackNodeConfig(const std::string& site, const std::string& hub_public_key,
                                     std::vector<NodeDatasetConfig> datasets) {
  NodeConfig n;
  n.site = site;
  n.listen = {"127.0.0.1", 0};
  n.hub_public_key = hub_public_key;
  n.threads = 4;
  n.datasets = std::move(datasets);
  return n;
}

struct Answer {
  int status = 0;  // 0: no answer
  nlohmann::json body;
  std::string raw;
  std::string set_cookie;
};

// Who calls: nothing, a session (cookie + CSRF token), or a bearer token.
struct Credentials {
  std::string cookie, csrf, bearer;
  std::string user = {};  // "user:<id>" (default initialisers: {cookie, csrf, bearer} is enough)
  int64_t id = 0;
};

class HubTestClient {
 public:
  HubTestClient(HubServer* hub, int port) : hub_(hub), port_(port) {}
  explicit HubTestClient(const RunningHub& hub) : HubTestClient(hub.server.get(), hub.port) {}

  Answer Raw(const std::string& method, const std::string& path, const std::string& body,
             const std::string& content_type, const Credentials& who) const {
    httplib::Client client("127.0.0.1", port_);
    client.set_read_timeout(60, 0);
    httplib::Headers h;
    if (!who.cookie.empty()) h.emplace("Cookie", "renkei_session=" + who.cookie);
    if (!who.csrf.empty()) h.emplace("X-CSRF-Token", who.csrf);
    if (!who.bearer.empty()) h.emplace("Authorization", "Bearer " + who.bearer);
    httplib::Result r = method == "GET"      ? client.Get(path, h)
                        : method == "DELETE" ? client.Delete(path, h)
                                             : client.Post(path, h, body, content_type.c_str());
    if (!r) return {};
    return {r->status, nlohmann::json::parse(r->body, nullptr, false), r->body,
            r->get_header_value("Set-Cookie")};
  }

  Answer Call(const std::string& method, const std::string& path, const nlohmann::json& body,
              const Credentials& who) const {
    return Raw(method, path, body.dump(), "application/json", who);
  }

  // A new account holding `roles` (researcher always), signed in with a session; with a TOTP
  // second factor when `totp` (which every role but researcher needs before anything else).
  Credentials Account(const std::string& email, const std::vector<std::string>& roles,
                      bool totp) const {
    using Clock = std::chrono::system_clock;
    identity::Accounts& accounts = hub_->service().accounts();
    auto u = accounts.CreateUser({email, "Test User", "Test University", "academic", kTestPassword},
                                 "system", Clock::now());
    EXPECT_TRUE(u.ok()) << u.status().ToString();
    if (!u.ok()) return {};
    for (const std::string& r : roles) {
      EXPECT_TRUE(accounts.GrantRole(u->id, *identity::ParseRole(r), "system", Clock::now()).ok());
    }
    std::string second;
    if (totp) {
      auto e = accounts.BeginTotp(u->id, Clock::now());
      const std::string secret = *identity::Base32Decode(e->secret_base32);
      auto codes =
          accounts.ConfirmTotp(u->id, *identity::TotpCode(secret, UnixNow()), Clock::now());
      EXPECT_TRUE(codes.ok());
      if (codes.ok()) second = codes->at(0);  // a recovery code: no waiting for the next step
    }
    const Answer a =
        Call("POST", "/v1/auth/sign-in",
             {{"email", email}, {"password", kTestPassword}, {"second_factor", second}}, {});
    EXPECT_EQ(a.status, 200) << a.raw;
    const size_t b = a.set_cookie.find('=') + 1;
    return {a.set_cookie.substr(b, a.set_cookie.find(';') - b), a.body.value("csrf_token", ""), "",
            "user:" + std::to_string(u->id), u->id};
  }

 private:
  HubServer* hub_;
  int port_;
};

}  // namespace renkei::testing
