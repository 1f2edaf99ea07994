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
#pragma once

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
  int64_t entries = 0;         // audit entries read
};

// The report of `db`'s audit log over [from, to) grouped by `by`. For kSite, a query counts once
// for every site in its "sites" (once under "" when it has none); for kProject, once for every
// application (once under "" when it has none). Errors: InvalidArgument from
// CheckUsagePeriod; the database's errors. Reads in pages of the seq index, so memory grows with
// the number of groups and distinct cohorts, not with entries. Thread-safe (reads only).
Result<UsageReport> MakeUsageReport(db::Database& db, std::string_view from, std::string_view to,
                                    UsageGroup by);

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
