// Sign-in latency: one account in an SQLite hub database, sign-in with password (Argon2id) and
// with password + TOTP, timed inside the process. The target: under 300 ms.
//
//   signin [--database PATH] [--runs 21]
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "api/hub_schema.h"
#include "audit/audit_log.h"
#include "crypto/sodium.h"
#include "identity/accounts.h"
#include "identity/totp.h"

int main(int argc, char** argv) {
  CLI::App app{"Sign-in latency"};
  std::string url = ":memory:";
  int runs = 21;
  app.add_option("--database", url);
  app.add_option("--runs", runs);
  CLI11_PARSE(app, argc, argv);
  using Clock = std::chrono::steady_clock;
  namespace id = renkei::identity;

  auto db = renkei::db::Database::Open(url);
  if (!db.ok() || !renkei::db::Migrate(**db, renkei::HubMigrations()).ok()) {
    std::fprintf(stderr, "cannot open or migrate %s\n", url.c_str());
    return 1;
  }
  auto log = renkei::audit::AuditLog::Create(db->get(),
                                             renkei::crypto::GenerateEd25519KeyPair().secret_key);
  id::Accounts accounts(db->get(), log->get());
  const char* password = "correct horse battery staple";
  auto now = std::chrono::system_clock::now();
  auto plain =
      accounts.CreateUser({"bench@example.jp", "Bench", "", "academic", password}, "system", now);
  auto mfa = accounts.CreateUser({"bench-mfa@example.jp", "Bench", "", "academic", password},
                                 "system", now);
  if (!plain.ok() || !mfa.ok()) return 1;
  auto enrol = accounts.BeginTotp(mfa->id, now);
  const std::string secret = *id::Base32Decode(enrol->secret_base32);
  auto unix_now = [&] {
    return std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  };
  if (!accounts.ConfirmTotp(mfa->id, *id::TotpCode(secret, unix_now()), now).ok()) return 1;

  auto time_it = [&](const char* what, bool with_totp) {
    std::vector<double> ms;
    for (int i = 0; i < runs; ++i) {
      now += std::chrono::seconds(30);  // a fresh TOTP step each time
      id::SignInRequest req{with_totp ? "bench-mfa@example.jp" : "bench@example.jp", password,
                            with_totp ? *id::TotpCode(secret, unix_now()) : "", "127.0.0.1"};
      const auto t0 = Clock::now();
      auto s = accounts.SignIn(req, now);
      ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      if (!s.ok()) {
        std::fprintf(stderr, "%s\n", s.status().ToString().c_str());
        std::exit(1);
      }
    }
    std::sort(ms.begin(), ms.end());
    std::printf("%-34s median %.1f ms  min %.1f ms  max %.1f ms  (%d runs)\n", what,
                ms[ms.size() / 2], ms.front(), ms.back(), runs);
  };
  time_it("sign-in, password", false);
  time_it("sign-in, password + TOTP", true);
  return 0;
}
