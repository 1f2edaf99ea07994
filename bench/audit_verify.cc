// The audit log at size: appends N entries from T threads (group commit), then times
// audit::Verify over the whole log — the target is 1,000,000 entries in under 10 s.
//
//   audit_verify --database bench/out/audit.db --entries 1000000 --threads 32
//   (a postgresql:// URL works too; the database must be new or hold only this bench's log)
//   audit_verify --database bench/out/audit.db --verify-only   (times Verify on the log an
//   earlier run left, with the public key it saved in DATABASE.pub)
#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>
#include <vector>

#include "api/hub_schema.h"
#include "audit/audit_log.h"
#include "crypto/sodium.h"
#include "db/database.h"

int main(int argc, char** argv) {
  CLI::App app{"Audit log append and verification at size"};
  std::string url;
  int64_t entries = 1000000;
  int threads = 32, runs = 3;
  bool verify_only = false;
  app.add_option("--database", url)->required();
  app.add_option("--entries", entries);
  app.add_option("--threads", threads);
  app.add_option("--runs", runs);
  app.add_flag("--verify-only", verify_only, "Skip appending; verify the log left by a run");
  CLI11_PARSE(app, argc, argv);
  using Clock = std::chrono::steady_clock;

  auto db = renkei::db::Database::Open(url);
  if (!db.ok()) {
    std::fprintf(stderr, "%s\n", db.status().ToString().c_str());
    return 1;
  }
  if (auto s = renkei::db::Migrate(**db, renkei::HubMigrations()); !s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return 1;
  }
  const auto keys = renkei::crypto::GenerateEd25519KeyPair();
  std::string public_key = keys.public_key;
  const std::string key_file = url + ".pub";
  if (verify_only) {
    std::ifstream in(key_file);
    std::string hex;
    in >> hex;
    auto key = renkei::crypto::HexDecode(hex);
    if (!key.ok()) {
      std::fprintf(stderr, "no public key in %s: run once without --verify-only\n",
                   key_file.c_str());
      return 1;
    }
    public_key = *key;
    entries = (*(*db)->QueryRow("SELECT COUNT(*) FROM audit_log")).Int(0);
  } else {
    auto log = renkei::audit::AuditLog::Create(db->get(), keys.secret_key);
    if (!(*db)->Exec("DELETE FROM audit_log").ok() || !(*db)->Exec("DELETE FROM audit_head").ok()) {
      std::fprintf(stderr, "cannot empty the audit tables\n");
      return 1;
    }

    std::atomic<int64_t> next{0}, failed{0};
    const auto t0 = Clock::now();
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        for (int64_t i; (i = next++) < entries;) {
          renkei::audit::Event e{"user" + std::to_string(i % 500),
                                 "query.freq",
                                 "",
                                 "ok",
                                 "127.0.0.1",
                                 {{"tier", "registered"},
                                  {"cohort", "age=60-69 & sex=male"},
                                  {"variant", "chr1:" + std::to_string(1000 + i) + ":A:G"}}};
          if (!(*log)->Append(e, std::chrono::system_clock::now()).ok()) ++failed;
        }
        (void)t;
      });
    }
    for (auto& th : pool) th.join();
    const double append_s = std::chrono::duration<double>(Clock::now() - t0).count();
    std::printf("appended %lld entries from %d threads in %.1f s (%.0f entries/s), %lld failed\n",
                static_cast<long long>(entries), threads, append_s,
                static_cast<double>(entries) / append_s, static_cast<long long>(failed.load()));
    std::ofstream(key_file) << renkei::crypto::HexEncode(keys.public_key) << "\n";
  }

  std::vector<double> times;
  for (int r = 0; r < runs; ++r) {
    const auto v0 = Clock::now();
    auto report = renkei::audit::Verify(**db, public_key);
    times.push_back(std::chrono::duration<double>(Clock::now() - v0).count());
    if (!report.ok() || !report->ok || report->entries != entries) {
      std::fprintf(stderr, "verification failed: %s\n",
                   report.ok() ? report->problem.c_str() : report.status().ToString().c_str());
      return 1;
    }
  }
  std::sort(times.begin(), times.end());
  std::printf("verify %lld entries: median %.2f s, min %.2f s over %d runs\n",
              static_cast<long long>(entries), times[times.size() / 2], times.front(), runs);
  return 0;
}
