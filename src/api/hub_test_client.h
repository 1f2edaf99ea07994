// Test helper (not part of the library): calls a hub over loopback HTTP as a browser session or
// a script, and makes signed-in accounts with roles, for the api layer's route tests.
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api/hub_server.h"
#include "identity/accounts.h"
#include "identity/totp.h"

namespace renkei::testing {

inline constexpr const char* kTestPassword = "correct horse battery staple";

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
      const int64_t now =
          std::chrono::duration_cast<std::chrono::seconds>(Clock::now().time_since_epoch()).count();
      auto codes = accounts.ConfirmTotp(u->id, *identity::TotpCode(secret, now), Clock::now());
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
