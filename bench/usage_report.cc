// The usage report at size: a year of audit entries (default 1,000,000 queries by 500 users over
// 2025, five sites each, a tenth at the controlled tier under applications), then times over the
// whole year: the scan of the log alone (audit::ScanUsageReport, what every report did before the
// daily roll-up); the first report with an empty roll-up (cold: it counts every day from the log
// and stores it); and later reports for each grouping (warm: read from the roll-up), checked
// equal to the scan. The peer is what an operator would otherwise run on SQLite: one GROUP BY
// with json_extract (counts per user and tier only, so it does less than the report).
//
//   usage_report --database bench/out/usage.db --entries 1000000
//   (a postgresql:// URL works too; the database must be new or hold only this bench's log)
//   usage_report --database bench/out/usage.db --report-only   (reuses an earlier run's log)
//
// The entries are inserted directly, without the hash chain (the report does not read it), so
// the log this bench leaves does not verify.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "audit/audit_log.h"
#include "audit/usage.h"
#include "db/database.h"
#include "db/migrate.h"

namespace {

using Clock = std::chrono::steady_clock;

renkei::Status Fill(renkei::db::Database& db, int64_t entries) {
  RETURN_IF_ERROR(renkei::audit::DropUsageRollup(db).status());
  RETURN_IF_ERROR(db.Exec("DELETE FROM audit_log").status());
  RETURN_IF_ERROR(db.Exec("DELETE FROM audit_head").status());
  const char* sites[] = {"tohoku", "imsut", "nig", "ncc", "ncgm"};
  constexpr int64_t kPerStatement = 50, kPerTransaction = 10000;
  const auto start = std::chrono::sys_days(std::chrono::year(2025) / 1 / 1);
  const int64_t span_ms = int64_t{365} * 24 * 3600 * 1000;
  for (int64_t base = 0; base < entries; base += kPerTransaction) {
    const renkei::Status filled = db.Transaction([&](renkei::db::Connection& c) -> renkei::Status {
      const int64_t end = std::min(entries, base + kPerTransaction);
      for (int64_t lo = base; lo < end; lo += kPerStatement) {
        std::string sql =
            "INSERT INTO audit_log (seq, time, actor, action, target, outcome, address, detail, "
            "prev_hash, hash) VALUES ";
        std::vector<renkei::db::Value> params;
        for (int64_t i = lo; i < std::min(end, lo + kPerStatement); ++i) {
          const auto t = std::chrono::system_clock::time_point(start) +
                         std::chrono::milliseconds(span_ms / entries * i);
          const int64_t kind = i % 10;
          nlohmann::json detail = {{"tier", kind == 0   ? "controlled"
                                            : kind == 1 ? "public"
                                                        : "registered"},
                                   {"cohort", "age=" + std::to_string(10 * (i % 9)) + "-" +
                                                  std::to_string(10 * (i % 9) + 9) + " & sex=male"},
                                   {"variant", "chr1:" + std::to_string(1000 + i) + ":A:G"}};
          nlohmann::json answered = nlohmann::json::array();
          for (int s = 0; s < 5; ++s) {
            answered.push_back({{"id", sites[s]}, {"status", (i + s) % 50 == 0 ? "down" : "ok"}});
          }
          detail["sites"] = answered;
          if (kind == 0) {
            detail["application"] = "APP-" + std::to_string(i % 40);
            detail["datasets"] = {"tmm-wgs", "imsut-wgs"};
          }
          const size_t n = params.size();
          sql += (n ? ", (" : "(");
          for (size_t k = 1; k <= 10; ++k) {
            sql += "$" + std::to_string(n + k) + (k < 10 ? ", " : ")");
          }
          params.insert(params.end(),
                        {i + 1, renkei::audit::IsoTime(t), "user:" + std::to_string(i % 500),
                         std::string(i % 7 == 0 ? "query.search" : "query.freq"), std::string(),
                         std::string(i % 20 == 0 ? "denied" : "ok"), std::string("127.0.0.1"),
                         detail.dump(), std::string(64, '0'), std::string(64, '0')});
        }
        RETURN_IF_ERROR(c.Exec(sql, params).status());
      }
      return renkei::Status();
    });
    if (!filled.ok()) return filled;
  }
  return renkei::Status();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Usage report over a year of audit entries"};
  std::string url;
  int64_t entries = 1000000;
  int runs = 3;
  int scan_runs = 1;
  bool report_only = false, compare_all = false, warm_only = false;
  app.add_option("--database", url)->required();
  app.add_option("--entries", entries)->check(CLI::Range(int64_t{1}, int64_t{100000000}));
  app.add_option("--runs", runs)->check(CLI::Range(1, 100));
  app.add_option("--scan-runs", scan_runs, "Runs of the scan without roll-up, and of the peer")
      ->check(CLI::Range(1, 100));
  app.add_flag("--report-only", report_only, "Skip filling; report on the log of an earlier run");
  app.add_flag("--warm-only", warm_only,
               "Only the warm reports (with --report-only, on a roll-up an earlier run filled)");
  app.add_flag("--compare-all", compare_all,
               "Also scan by project, site and day to compare (by user is always compared)");
  CLI11_PARSE(app, argc, argv);

  auto db = renkei::db::Database::Open(url);
  if (!db.ok()) {
    std::fprintf(stderr, "%s\n", db.status().ToString().c_str());
    return 1;
  }
  // Only the audit log's and the roll-up's migrations (numbered as in the hub's list).
  const renkei::db::Migration tables[] = {
      {1, "audit log", renkei::audit::kSchemaSql},
      {7, "usage roll-up", renkei::audit::kUsageRollupSchemaSql}};
  if (auto s = renkei::db::Migrate(**db, tables); !s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return 1;
  }
  if (!report_only) {
    const auto t0 = Clock::now();
    if (auto s = Fill(**db, entries); !s.ok()) {
      std::fprintf(stderr, "%s\n", s.ToString().c_str());
      return 1;
    }
    std::printf("inserted %lld entries in %.1f s\n", static_cast<long long>(entries),
                std::chrono::duration<double>(Clock::now() - t0).count());
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  auto seconds_since = [](Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
  };
  const char* const kFrom = "2025-01-01";
  const char* const kTo = "2026-01-01";
  const auto fail = [](const renkei::Status& s) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return 1;
  };

  // The scan alone, as every report ran before the roll-up.
  std::vector<double> scan_times;
  renkei::Result<renkei::audit::UsageReport> scan = renkei::InvalidArgument("not run");
  for (int r = 0; r < (warm_only ? 0 : scan_runs); ++r) {
    const auto t0 = Clock::now();
    scan = renkei::audit::ScanUsageReport(**db, kFrom, kTo, renkei::audit::UsageGroup::kUser);
    scan_times.push_back(seconds_since(t0));
    if (!scan.ok()) return fail(scan.status());
  }
  if (!warm_only) {
    std::printf("scan (no roll-up) by user: %lld entries, %zu rows: median %.2f s over %d runs\n",
                static_cast<long long>(scan->entries_read), scan->rows.size(), median(scan_times),
                scan_runs);
  }

  // Cold: the roll-up emptied, the first report counts and stores every day.
  if (!warm_only) {
    if (auto dropped = renkei::audit::DropUsageRollup(**db); !dropped.ok()) {
      return fail(dropped.status());
    }
    const auto t0 = Clock::now();
    auto cold = renkei::audit::MakeUsageReport(**db, kFrom, kTo, renkei::audit::UsageGroup::kUser);
    const double t = seconds_since(t0);
    if (!cold.ok()) return fail(cold.status());
    std::printf(
        "cold report by user (roll-up empty): %lld entries read, %lld days stored: %.2f s"
        "; same as the scan: %s\n",
        static_cast<long long>(cold->entries_read), static_cast<long long>(cold->days_rolled_up), t,
        renkei::audit::UsageJson(*cold) == renkei::audit::UsageJson(*scan) ? "yes" : "NO");
  }

  // Warm: every day read from the roll-up.
  for (const char* by : {"user", "project", "site", "day"}) {
    const renkei::audit::UsageGroup group = *renkei::audit::ParseUsageGroup(by);
    std::vector<double> times;
    renkei::Result<renkei::audit::UsageReport> report = renkei::InvalidArgument("not run");
    for (int r = 0; r < runs; ++r) {
      const auto t0 = Clock::now();
      report = renkei::audit::MakeUsageReport(**db, kFrom, kTo, group);
      times.push_back(seconds_since(t0));
      if (!report.ok()) return fail(report.status());
    }
    const char* same = "(not compared)";
    if (warm_only) {
      // nothing to compare with
    } else if (group == renkei::audit::UsageGroup::kUser) {
      same = renkei::audit::UsageJson(*report) == renkei::audit::UsageJson(*scan) ? "yes" : "NO";
    } else if (compare_all) {
      auto scanned = renkei::audit::ScanUsageReport(**db, kFrom, kTo, group);
      if (!scanned.ok()) return fail(scanned.status());
      same = renkei::audit::UsageJson(*report) == renkei::audit::UsageJson(*scanned) ? "yes" : "NO";
    }
    std::printf(
        "warm report by %-7s %lld entries, %zu rows, %lld days from the roll-up: "
        "median %.3f s, min %.3f s over %d runs; same as the scan: %s\n",
        by, static_cast<long long>(report->entries), report->rows.size(),
        static_cast<long long>(report->days_from_rollup), median(times),
        *std::min_element(times.begin(), times.end()), runs, same);
  }
  if ((*db)->dialect() == renkei::db::Dialect::kSqlite && !warm_only) {
    std::vector<double> times;
    for (int r = 0; r < scan_runs; ++r) {
      const auto t0 = Clock::now();
      auto rows = (*db)->Query(
          "SELECT actor, json_extract(detail, '$.tier'), outcome, COUNT(*) FROM audit_log "
          "WHERE time >= '2025-01-01' AND time < '2026-01-01' AND substr(action, 1, 6) = "
          "'query.' GROUP BY 1, 2, 3");
      times.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
      if (!rows.ok()) {
        std::fprintf(stderr, "%s\n", rows.status().ToString().c_str());
        return 1;
      }
    }
    std::printf("peer: one SQLite GROUP BY actor, json_extract(tier), outcome: median %.2f s\n",
                median(times));
  }
  return 0;
}
