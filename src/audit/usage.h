// Usage reports for administrators (issue 4): queries, data accessed and jobs per user, project,
// site or day over a period, read from the audit log's "query.*" entries, with a CSV export.
//
// What an entry contributes (docs/usage.md is the user's version):
//   action   "query.<kind>" (search, freq, strata, catalog, beacon); a query refused before it
//            reached the service is recorded with the route's path ("query./v1/freq",
//            "query./api/g_variants"), which maps to its kind ("/api/…" is beacon). Any other
//            kind counts as "other".
//   outcome  "ok" = answered, "denied" = refused by a rule, "failed" = an error.
//   detail   "tier" (public, registered, controlled); "cohort" (distinct cohorts are counted by
//            its text); "application" (the data-use application = project, or an array of them
//            when grants of several were used; absent for none); "sites" (array of site ids, or
//            of {"id", "status"} where status "ok" means the site answered; a bare id counts as
//            answered); "datasets" (array of dataset ids, or of {"id", "site"?, "application"?
//            (id or ids)}: the controlled data an answer drew on). The hub writes these in
//            HubService::Record (api/hub_service.cc).
//   A query made under several applications counts once in each one's "project" row, and a
//   dataset there only if it names that application (or names none); in a site's row a
//   dataset counts only if it names that site (or none).
// Jobs do not exist yet: the jobs column is reserved and always 0.
//
// Speed: a daily roll-up (docs/usage.md "Speed"). Whole UTC days that are over by a margin are
// counted once from the log, per user, project, site and in total, and stored in the tables of
// kUsageRollupSchemaSql; later reports read those rows instead of parsing the day's entries.
// The log stays the source of truth: the roll-up is a cache (see DropUsageRollup).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "db/database.h"

namespace renkei::audit {

enum class UsageGroup { kUser, kProject, kSite, kDay };

// "user", "project", "site", "day". InvalidArgument (naming the choices) for anything else.
Result<UsageGroup> ParseUsageGroup(std::string_view text);
std::string_view UsageGroupName(UsageGroup group);

// Checks a period [from, to) of ISO dates "YYYY-MM-DD" (UTC): both real calendar dates, from
// before to, at most 366 days long. Returns OK or InvalidArgument with a sentence naming the
// problem. Pure; thread-safe.
Status CheckUsagePeriod(std::string_view from, std::string_view to);

// The kinds of query, in report order.
inline constexpr const char* kUsageKinds[] = {"search",  "freq",   "strata",
                                              "catalog", "beacon", "other"};
inline constexpr const char* kUsageTiers[] = {"public", "registered", "controlled"};

// The counts of one group (or of the whole period).
struct UsageRow {
  std::string key;  // user id, application id, site id or date; "" when the entry lacks it
  int64_t answered = 0, refused = 0, failed = 0;
  int64_t by_tier[3] = {0, 0, 0};           // in kUsageTiers order
  int64_t by_kind[6] = {0, 0, 0, 0, 0, 0};  // in kUsageKinds order
  int64_t distinct_cohorts = 0;
  int64_t site_answers = 0;                      // over the queries, how many site answers they got
  int64_t controlled_answers = 0;                // answered queries at the controlled tier
  std::map<std::string, int64_t> data_accessed;  // dataset id → controlled answers using it
  int64_t jobs = 0;                              // reserved: renkei has no jobs yet

  int64_t queries() const { return answered + refused + failed; }
};

struct UsageReport {
  std::string from, to;  // the period [from, to)
  UsageGroup by = UsageGroup::kUser;
  std::vector<UsageRow> rows;  // sorted by key; for kDay, every day of the period, even idle
  UsageRow total;              // the whole period (key "total"); for kSite and kProject not the
                               // sum of rows, since one query can reach several sites or
                               // applications
  int64_t entries = 0;         // query entries counted (= total.queries()), read now or earlier

  // How the report was made (not in UsageJson): entries read from the log by this call, days
  // read from the roll-up, days counted from the log and stored in the roll-up by this call,
  // and days counted from the log and not stored (not yet over, or the roll-up not used).
  int64_t entries_read = 0;
  int64_t days_from_rollup = 0, days_rolled_up = 0, days_scanned = 0;
};

// The roll-up's tables, as one migration's SQL (the hub lists it after the audit log's).
extern const char* const kUsageRollupSchemaSql;

// The format of the stored days. A stored day of another version is ignored and counted
// again (and replaced), so changing what a day stores only needs this number raised.
inline constexpr int64_t kUsageRollupVersion = 1;

// A UTC day is rolled up only once it ended at least this long ago: queued audit entries carry
// the time they were queued and commit later (normally within milliseconds; longer only while
// the database fails), and an entry committed after its day was stored would be missed.
inline constexpr std::chrono::seconds kUsageRollupMargin = std::chrono::hours(1);

struct UsageOptions {
  // The current time, which decides which days are over. The default (the epoch) makes no day
  // over: nothing is read from or written to the roll-up.
  std::chrono::system_clock::time_point now{};
  std::chrono::seconds margin = kUsageRollupMargin;  // negative values count as 0
  bool use_rollup = true;  // false: count every day from the log; read and write no roll-up
};

// The report of `db`'s audit log over [from, to) grouped by `by`. For kSite, a query counts once
// for every site in its "sites" (once under "" when it has none); for kProject, once for every
// application (once under "" when it has none).
//
// Each day of the period that ended at least `options.margin` before `options.now` is read from
// the roll-up if stored there (with kUsageRollupVersion), else counted from the log and stored
// (one transaction per day, its rows together with a marker that the day is complete); other
// days are counted from the log every time. Distinct cohorts are counted by the first 64 bits
// of the SHA-256 of their text, so that a period's days can be combined (ScanUsageReport
// compares texts; the two differ only if two cohorts' hashes collide).
//
// Needs kUsageRollupSchemaSql's tables unless no day is over or use_rollup is false. Errors:
// InvalidArgument from CheckUsagePeriod; DataLoss for a stored row it cannot read (edited by
// hand; DropUsageRollup mends it); the database's errors, with context "reading the usage
// roll-up" (e.g. Internal when the tables are missing) or "storing the usage roll-up of <day>"
// (the report fails; nothing partial is stored). Memory grows with the number of groups
// and distinct cohorts, not with entries. Thread-safe: concurrent reports may store the same day;
// the database keeps one copy.
Result<UsageReport> MakeUsageReport(db::Database& db, std::string_view from, std::string_view to,
                                    UsageGroup by, const UsageOptions& options);

// As above with options.now = the system clock and the default margin (the hub's and the CLI's
// call).
Result<UsageReport> MakeUsageReport(db::Database& db, std::string_view from, std::string_view to,
                                    UsageGroup by);

// The report counted from the log alone, comparing cohorts by their text: the reference the
// roll-up must agree with (tests, and a check by hand). Reads no roll-up and writes nothing.
// Errors and thread-safety as MakeUsageReport; days_scanned is 0 (the period is read at once).
Result<UsageReport> ScanUsageReport(db::Database& db, std::string_view from, std::string_view to,
                                    UsageGroup by);

// Empties the roll-up: the next reports count every day from the log again and store it anew.
// For an operator who restored or repaired the audit log (`renkei admin audit verify` checks
// the log, never this cache). Returns the number of stored days dropped. Errors: the database's.
// Thread-safe (one transaction), but a report reading the roll-up at that moment may miss the
// rows of days it saw stored: drop while no report runs, or repeat a report made meanwhile.
Result<int64_t> DropUsageRollup(db::Database& db);

// The report as JSON: {"from", "to", "by", "rows": [row…], "total": row, "entries"}, where a row
// is {"key", "queries", "answered", "refused", "failed", "tiers": {tier: n}, "kinds": {kind: n},
// "distinct_cohorts", "site_answers", "controlled_answers", "data_accessed": {dataset: n},
// "jobs"}. Pure.
nlohmann::json UsageJson(const UsageReport& report);

// One CSV field per RFC 4180, made safe for spreadsheets: a value starting with '=', '+', '-',
// '@', tab or CR gets a leading "'" (OWASP CSV injection), then a value containing ',', '"', CR
// or LF is quoted with '"' doubled. Pure.
std::string CsvField(std::string_view value);

// The report as CSV: a header row, then one row per group (no total row), CRLF line ends, UTF-8.
// Columns: <by>, queries, answered, refused, failed, public, registered, controlled, search,
// freq, strata, catalog, beacon, other, distinct_cohorts, site_answers, controlled_answers,
// data_accessed ("dataset:count" joined with ';', by dataset id), jobs. Pure.
std::string UsageCsv(const UsageReport& report);

}  // namespace renkei::audit
