#include "audit/usage.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <optional>
#include <set>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>

#include "audit/audit_log.h"
#include "crypto/sodium.h"

namespace renkei::audit {

using nlohmann::json;

namespace {

constexpr int64_t kPage = 20000;  // seq values per read
constexpr int kMaxDays = 366;

// "YYYY-MM-DD" as a calendar day, or nullopt if malformed or not a real date.
std::optional<std::chrono::sys_days> ParseDate(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
  }
  auto num = [&](size_t at, size_t n) {
    int v = 0;
    for (size_t i = at; i < at + n; ++i) v = v * 10 + (s[i] - '0');
    return v;
  };
  const std::chrono::year_month_day ymd{std::chrono::year(num(0, 4)),
                                        std::chrono::month(static_cast<unsigned>(num(5, 2))),
                                        std::chrono::day(static_cast<unsigned>(num(8, 2)))};
  if (!ymd.ok()) return std::nullopt;
  return std::chrono::sys_days(ymd);
}

std::string FormatDate(std::chrono::sys_days d) {
  const std::chrono::year_month_day ymd(d);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

// The kind column of an action "query.<kind>" (index into kUsageKinds).
size_t KindIndex(std::string_view kind) {
  if (kind.starts_with("/api/") || kind == "/api") return 4;  // the Beacon v2 routes
  if (kind.starts_with("/v1/")) kind.remove_prefix(4);
  for (size_t i = 0; i < 5; ++i) {
    if (kind == kUsageKinds[i]) return i;
  }
  return 5;
}

int TierIndex(const json& detail) {
  const auto it = detail.find("tier");
  if (it == detail.end() || !it->is_string()) return -1;
  const std::string& t = it->get_ref<const std::string&>();
  for (int i = 0; i < 3; ++i) {
    if (t == kUsageTiers[i]) return i;
  }
  return -1;
}

// A JSON id (string or integer) as text; "" for anything else.
std::string IdText(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return v.dump();
  return "";
}

// Ids from a JSON id or array of ids (empty ones dropped), appended to `out`.
void AppendIds(const json& v, std::vector<std::string>* out) {
  if (v.is_array()) {
    for (const json& x : v) AppendIds(x, out);
    return;
  }
  std::string id = IdText(v);
  if (!id.empty() && std::find(out->begin(), out->end(), id) == out->end()) {
    out->push_back(std::move(id));
  }
}

// A dataset a controlled answer drew on; an empty site or application list means "not
// recorded", and the dataset then counts in every site's or project's row of the query.
struct DatasetUse {
  std::string id, site;
  std::vector<std::string> applications;
};

// What one audited query contributes.
struct Fact {
  int outcome = 0;  // 0 answered, 1 refused, 2 failed
  int tier = -1;
  size_t kind = 5;
  std::string cohort;                               // "" when the query names none
  uint64_t cohort_id = 0;                           // CohortId(cohort), when asked for
  std::vector<std::pair<std::string, bool>> sites;  // id, answered
  std::vector<std::string> applications;            // the projects; empty when none
  std::vector<DatasetUse> datasets;
  bool controlled_answer = false;
};

uint64_t CohortId(std::string_view cohort);

// `with_cohort_id`: also compute cohort_id (for the roll-up path).
Fact FactOf(std::string_view action, std::string_view outcome, const json& detail,
            bool with_cohort_id) {
  Fact f;
  f.outcome = outcome == "ok" ? 0 : outcome == "denied" ? 1 : 2;
  f.kind = KindIndex(action.substr(6));
  if (!detail.is_object()) return f;
  f.tier = TierIndex(detail);
  if (const auto c = detail.find("cohort"); c != detail.end() && !c->is_null()) {
    f.cohort = c->is_string() ? c->get<std::string>() : c->dump();
    if (with_cohort_id && !f.cohort.empty()) f.cohort_id = CohortId(f.cohort);
  }
  if (const auto s = detail.find("sites"); s != detail.end() && s->is_array()) {
    for (const json& site : *s) {
      if (site.is_object()) {
        f.sites.emplace_back(IdText(site.value("id", json())), site.value("status", "") == "ok");
      } else {
        f.sites.emplace_back(IdText(site), true);
      }
    }
  }
  if (const auto a = detail.find("application"); a != detail.end()) {
    AppendIds(*a, &f.applications);
  }
  f.controlled_answer = f.outcome == 0 && f.tier == 2;
  if (const auto d = detail.find("datasets");
      f.controlled_answer && d != detail.end() && d->is_array()) {
    for (const json& ds : *d) {
      DatasetUse use;
      if (ds.is_object()) {
        use.id = IdText(ds.value("id", json()));
        use.site = IdText(ds.value("site", json()));
        if (const auto a = ds.find("application"); a != ds.end()) {
          AppendIds(*a, &use.applications);
        }
      } else {
        use.id = IdText(ds);
      }
      if (!use.id.empty()) f.datasets.push_back(std::move(use));
    }
  }
  return f;
}

// The counts of one group and the distinct cohorts seen so far: by their text (the reference
// scan) or by their 64-bit id (the roll-up path, whose days must combine).
template <typename Cohort>
struct Accumulator {
  UsageRow row;
  std::unordered_set<Cohort> cohorts;

  // Adds `f`; `site_answers` is how many of its site answers belong to this group. For a
  // site's or a project's row (`site`, `project` non-empty), only the datasets of that site or
  // used under that project count as data accessed.
  void Add(const Fact& f, int64_t site_answers, std::string_view site = {},
           std::string_view project = {}) {
    (f.outcome == 0 ? row.answered : f.outcome == 1 ? row.refused : row.failed) += 1;
    if (f.tier >= 0) ++row.by_tier[f.tier];
    ++row.by_kind[f.kind];
    if (!f.cohort.empty()) {
      if constexpr (std::is_same_v<Cohort, std::string>) {
        cohorts.insert(f.cohort);
      } else {
        cohorts.insert(f.cohort_id);
      }
    }
    row.site_answers += site_answers;
    if (f.controlled_answer) {
      ++row.controlled_answers;
      for (const DatasetUse& d : f.datasets) {
        if (!site.empty() && !d.site.empty() && d.site != site) continue;
        if (!project.empty() && !d.applications.empty() &&
            std::find(d.applications.begin(), d.applications.end(), project) ==
                d.applications.end()) {
          continue;
        }
        ++row.data_accessed[d.id];
      }
    }
  }
  UsageRow Finish(std::string key) {
    row.key = std::move(key);
    row.distinct_cohorts = static_cast<int64_t>(cohorts.size());
    return std::move(row);
  }
};

using IdAccumulator = Accumulator<uint64_t>;

// The id under which the roll-up counts a cohort: the first 8 bytes of the SHA-256 of its text,
// big-endian. Stable across processes and versions (it is stored).
uint64_t CohortId(std::string_view cohort) {
  const std::string digest = crypto::Sha256(cohort);
  uint64_t id = 0;
  for (size_t i = 0; i < 8; ++i) id = (id << 8) | static_cast<unsigned char>(digest[i]);
  return id;
}

// `from`'s counts added to `into` (not the key, not distinct_cohorts).
void AddCounts(UsageRow& into, const UsageRow& from) {
  into.answered += from.answered;
  into.refused += from.refused;
  into.failed += from.failed;
  for (size_t i = 0; i < 3; ++i) into.by_tier[i] += from.by_tier[i];
  for (size_t i = 0; i < 6; ++i) into.by_kind[i] += from.by_kind[i];
  into.site_answers += from.site_answers;
  into.controlled_answers += from.controlled_answers;
  for (const auto& [dataset, n] : from.data_accessed) into.data_accessed[dataset] += n;
  into.jobs += from.jobs;
}

void Merge(IdAccumulator& into, const IdAccumulator& from) {
  AddCounts(into.row, from.row);
  into.cohorts.insert(from.cohorts.begin(), from.cohorts.end());
}

// One UTC day counted from the log, for every grouping at once (what the roll-up stores).
struct DayCounts {
  int64_t entries = 0;
  std::unordered_map<std::string, IdAccumulator> user, project, site;
  IdAccumulator total;

  // The grouping rules of MakeUsageReport (usage.h), applied to one entry.
  void Add(std::string_view actor, const Fact& f) {
    ++entries;
    int64_t answered_sites = 0;
    for (const auto& s : f.sites) answered_sites += s.second ? 1 : 0;
    total.Add(f, answered_sites);
    user[std::string(actor)].Add(f, answered_sites);
    if (f.applications.empty()) project[""].Add(f, answered_sites);
    for (const std::string& a : f.applications) project[a].Add(f, answered_sites, {}, a);
    if (f.sites.empty()) site[""].Add(f, 0);
    for (const auto& s : f.sites) site[s.first].Add(f, s.second ? 1 : 0, s.first);
  }
};

json RowJson(const UsageRow& r) {
  json tiers = json::object(), kinds = json::object();
  for (size_t i = 0; i < 3; ++i) tiers[kUsageTiers[i]] = r.by_tier[i];
  for (size_t i = 0; i < 6; ++i) kinds[kUsageKinds[i]] = r.by_kind[i];
  return {{"key", r.key},
          {"queries", r.queries()},
          {"answered", r.answered},
          {"refused", r.refused},
          {"failed", r.failed},
          {"tiers", tiers},
          {"kinds", kinds},
          {"distinct_cohorts", r.distinct_cohorts},
          {"site_answers", r.site_answers},
          {"controlled_answers", r.controlled_answers},
          {"data_accessed", r.data_accessed},
          {"jobs", r.jobs}};
}

}  // namespace

Result<UsageGroup> ParseUsageGroup(std::string_view text) {
  if (text == "user") return UsageGroup::kUser;
  if (text == "project") return UsageGroup::kProject;
  if (text == "site") return UsageGroup::kSite;
  if (text == "day") return UsageGroup::kDay;
  return InvalidArgument("'by' must be one of user, project, site or day, not '" +
                         std::string(text.substr(0, 40)) + "'");
}

std::string_view UsageGroupName(UsageGroup group) {
  switch (group) {
    case UsageGroup::kUser:
      return "user";
    case UsageGroup::kProject:
      return "project";
    case UsageGroup::kSite:
      return "site";
    case UsageGroup::kDay:
      return "day";
  }
  return "user";
}

Status CheckUsagePeriod(std::string_view from, std::string_view to) {
  const auto f = ParseDate(from), t = ParseDate(to);
  for (const auto& [name, text, date] : {std::tuple{"from", from, f}, std::tuple{"to", to, t}}) {
    if (text.empty()) {
      return InvalidArgument(std::string("give '") + name + "' as a date, YYYY-MM-DD");
    }
    if (!date) {
      return InvalidArgument(std::string("'") + name +
                             "' must be a calendar date as YYYY-MM-DD, not '" +
                             std::string(text.substr(0, 40)) + "'");
    }
  }
  if (*t <= *f) {
    return InvalidArgument("'to' (" + std::string(to) + ") must be after 'from' (" +
                           std::string(from) + "): the period is [from, to)");
  }
  if ((*t - *f).count() > kMaxDays) {
    return InvalidArgument("a usage report covers at most " + std::to_string(kMaxDays) + " days; " +
                           std::string(from) + " to " + std::string(to) + " is " +
                           std::to_string((*t - *f).count()) + ": ask for shorter periods");
  }
  return Status();
}

const char* const kUsageRollupSchemaSql = R"sql(
CREATE TABLE usage_rollup_days (
  usage_day TEXT PRIMARY KEY,
  version BIGINT NOT NULL,
  entries BIGINT NOT NULL,
  last_seq BIGINT NOT NULL,
  rolled_up_at TEXT NOT NULL
);
CREATE TABLE usage_rollup (
  by_group TEXT NOT NULL,
  usage_day TEXT NOT NULL,
  group_key TEXT NOT NULL,
  counts TEXT NOT NULL,
  cohorts TEXT NOT NULL,
  data_accessed TEXT NOT NULL,
  PRIMARY KEY (by_group, usage_day, group_key)
);
)sql";

namespace {

constexpr const char* kRollupColumns =
    "by_group, usage_day, group_key, counts, cohorts, data_accessed";
constexpr size_t kRollupColumnCount = 6;
constexpr size_t kCounts = 14;  // the numbers in the counts column
// SQLite looks each parameter up by name in a list, so a statement's cost grows with the square
// of its parameters: a few rows per statement is fastest (96 parameters).
constexpr size_t kRowsPerInsert = 16;
constexpr int64_t kDaysPerRead = 31;  // stored days read per query

// Calls `fn(time, actor, action, outcome, detail)` for every "query." entry with time in
// [from, to) (ISO dates or times), in seq order. The time index finds the period's seq range;
// pages of seq then read it. The time test stays in the page query: group commit can write
// entries a little out of time order.
template <typename Fn>
Status ForEachQueryEntry(db::Database& db, const std::string& from, const std::string& to,
                         Fn&& fn) {
  ASSIGN_OR_RETURN(const db::Row bounds, db.QueryRow("SELECT MIN(seq), MAX(seq) FROM audit_log "
                                                     "WHERE time >= $1 AND time < $2",
                                                     {from, to}));
  if (bounds.IsNull(0)) return Status();
  const int64_t last = bounds.Int(1);
  for (int64_t lo = bounds.Int(0); lo <= last; lo += kPage) {
    // Bounded by `last` too: a day's range is much shorter than a page, and rows past it would
    // be read only to be dropped by the time test.
    ASSIGN_OR_RETURN(const std::vector<db::Row> rows,
                     db.Query("SELECT time, actor, action, outcome, detail FROM audit_log "
                              "WHERE seq >= $1 AND seq < $2 AND time >= $3 AND time < $4 "
                              "AND substr(action, 1, 6) = 'query.'",
                              {lo, std::min(lo + kPage, last + 1), from, to}));
    for (const db::Row& r : rows) {
      const auto text = [&](size_t i) -> std::string_view {
        const std::string* t = std::get_if<std::string>(&r.value(i));
        return t ? std::string_view(*t) : std::string_view();
      };
      if (!text(2).starts_with("query.")) continue;
      fn(text(0), text(1), text(2), text(3), text(4));
    }
  }
  return Status();
}

// The day [day, next) counted from the log.
Result<DayCounts> CountDay(db::Database& db, const std::string& day, const std::string& next) {
  DayCounts counts;
  RETURN_IF_ERROR(ForEachQueryEntry(
      db, day, next,
      [&](std::string_view, std::string_view actor, std::string_view action,
          std::string_view outcome, std::string_view detail_text) {
        const json detail = json::parse(detail_text, nullptr, /*allow_exceptions=*/false);
        counts.Add(actor, FactOf(action, outcome, detail, /*with_cohort_id=*/true));
      }));
  return counts;
}

// A row's counts as kCounts decimal numbers separated by single spaces: answered, refused,
// failed, the tiers (public, registered, controlled), the kinds (search, freq, strata, catalog,
// beacon, other), site_answers, controlled_answers.
std::string EncodeCounts(const UsageRow& r) {
  std::string out;
  for (int64_t n : {r.answered, r.refused, r.failed, r.by_tier[0], r.by_tier[1], r.by_tier[2],
                    r.by_kind[0], r.by_kind[1], r.by_kind[2], r.by_kind[3], r.by_kind[4],
                    r.by_kind[5], r.site_answers, r.controlled_answers}) {
    if (!out.empty()) out += ' ';
    out += std::to_string(n);
  }
  return out;
}

// EncodeCounts' numbers added to `row`. DataLoss for text it cannot have written.
Status AddDecodedCounts(std::string_view text, UsageRow& row) {
  int64_t* const fields[kCounts] = {
      &row.answered,   &row.refused,    &row.failed,       &row.by_tier[0],        &row.by_tier[1],
      &row.by_tier[2], &row.by_kind[0], &row.by_kind[1],   &row.by_kind[2],        &row.by_kind[3],
      &row.by_kind[4], &row.by_kind[5], &row.site_answers, &row.controlled_answers};
  const char* p = text.data();
  const char* const end = text.data() + text.size();
  for (size_t i = 0; i < kCounts; ++i) {
    if (i > 0) {
      if (p == end || *p != ' ') return DataLoss("usage roll-up: malformed counts column");
      ++p;
    }
    int64_t n = 0;
    const auto [next, ec] = std::from_chars(p, end, n);
    if (ec != std::errc() || n < 0) return DataLoss("usage roll-up: malformed counts column");
    *fields[i] += n;
    p = next;
  }
  if (p != end) return DataLoss("usage roll-up: malformed counts column");
  return Status();
}

// Cohort ids as 16 lowercase hex digits each, sorted, without separators.
std::string EncodeCohorts(const std::unordered_set<uint64_t>& ids) {
  std::vector<uint64_t> sorted(ids.begin(), ids.end());
  std::sort(sorted.begin(), sorted.end());
  std::string out;
  out.reserve(sorted.size() * 16);
  char buf[17];
  for (uint64_t id : sorted) {
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(id));
    out.append(buf, 16);
  }
  return out;
}

// The ids of EncodeCohorts' text, inserted into `out`. DataLoss for text it cannot have written.
Status DecodeCohorts(std::string_view text, std::unordered_set<uint64_t>& out) {
  if (text.size() % 16 != 0) return DataLoss("usage roll-up: malformed cohorts column");
  for (size_t at = 0; at < text.size(); at += 16) {
    uint64_t id = 0;
    const auto [end, ec] = std::from_chars(text.data() + at, text.data() + at + 16, id, 16);
    if (ec != std::errc() || end != text.data() + at + 16) {
      return DataLoss("usage roll-up: malformed cohorts column");
    }
    out.insert(id);
  }
  return Status();
}

// Stores `counts` as the roll-up of `day`, in one transaction with its marker; a no-op if the
// day is already stored with the current version (another report stored it meanwhile).
Status StoreDay(db::Database& db, const std::string& day, const DayCounts& counts, int64_t last_seq,
                std::chrono::system_clock::time_point now) {
  std::vector<db::Value> values;  // kRollupColumnCount per row
  const auto add_rows = [&](std::string_view by_group,
                            const std::unordered_map<std::string, IdAccumulator>& groups) {
    for (const auto& [key, acc] : groups) {
      const UsageRow& r = acc.row;
      values.insert(values.end(),
                    {std::string(by_group), day, key, EncodeCounts(r), EncodeCohorts(acc.cohorts),
                     r.data_accessed.empty() ? std::string() : json(r.data_accessed).dump()});
    }
  };
  if (counts.entries > 0) {
    add_rows("user", counts.user);
    add_rows("project", counts.project);
    add_rows("site", counts.site);
    add_rows("total", {{"", counts.total}});
  }
  const size_t rows = values.size() / kRollupColumnCount;
  const Status stored = db.Transaction([&](db::Connection& c) -> Status {
    ASSIGN_OR_RETURN(const std::vector<db::Row> marker,
                     c.Query("SELECT version FROM usage_rollup_days WHERE usage_day = $1", {day}));
    if (!marker.empty()) {
      if (marker[0].Int(0) == kUsageRollupVersion) return Status();
      // Another version's day: replaced. Naming every by_group any version wrote lets the
      // key's index serve (a version adding one must add it here).
      RETURN_IF_ERROR(c.Exec("DELETE FROM usage_rollup WHERE by_group IN ('user', 'project', "
                             "'site', 'total') AND usage_day = $1",
                             {day})
                          .status());
      RETURN_IF_ERROR(c.Exec("DELETE FROM usage_rollup_days WHERE usage_day = $1", {day}).status());
    }
    // The marker first: a concurrent report storing the same day then conflicts on the key
    // both read (PostgreSQL: a serialization failure, retried; SQLite serialises writers).
    RETURN_IF_ERROR(c.Exec("INSERT INTO usage_rollup_days (usage_day, version, entries, last_seq, "
                           "rolled_up_at) VALUES ($1, $2, $3, $4, $5)",
                           {day, kUsageRollupVersion, counts.entries, last_seq, IsoTime(now)})
                        .status());
    for (size_t lo = 0; lo < rows; lo += kRowsPerInsert) {
      const size_t hi = std::min(rows, lo + kRowsPerInsert);
      std::string sql = std::string("INSERT INTO usage_rollup (") + kRollupColumns + ") VALUES ";
      for (size_t i = lo; i < hi; ++i) {
        sql += i == lo ? "(" : ", (";
        for (size_t k = 1; k <= kRollupColumnCount; ++k) {
          sql += "$" + std::to_string((i - lo) * kRollupColumnCount + k) +
                 (k < kRollupColumnCount ? ", " : ")");
        }
      }
      RETURN_IF_ERROR(
          c.Exec(sql, std::span<const db::Value>(values.data() + lo * kRollupColumnCount,
                                                 (hi - lo) * kRollupColumnCount))
              .status());
    }
    return Status();
  });
  if (stored.code() != StatusCode::kAlreadyExists) return stored;
  // A concurrent report stored the day first (PostgreSQL may report that as a duplicate key
  // rather than a serialization failure): fine if its marker is there now.
  ASSIGN_OR_RETURN(const std::vector<db::Row> marker,
                   db.Query("SELECT version FROM usage_rollup_days WHERE usage_day = $1", {day}));
  if (!marker.empty() && marker[0].Int(0) == kUsageRollupVersion) return Status();
  return stored;
}

// Adds the stored rows of the days in `stored` (all within [first, end)) to `groups` and
// `total`. By day, a day's total row is that day's row.
Status ReadStoredDays(db::Database& db, UsageGroup by, std::chrono::sys_days first,
                      std::chrono::sys_days end, const std::set<std::string>& stored,
                      std::unordered_map<std::string, IdAccumulator>& groups,
                      IdAccumulator& total) {
  const std::string by_group(by == UsageGroup::kDay ? "total" : UsageGroupName(by));
  for (auto lo = first; lo < end; lo += std::chrono::days(kDaysPerRead)) {
    const auto hi = std::min(end, lo + std::chrono::days(kDaysPerRead));
    ASSIGN_OR_RETURN(
        const std::vector<db::Row> rows,
        db.Query(std::string("SELECT ") + kRollupColumns +
                     " FROM usage_rollup WHERE by_group IN ($1, 'total') AND usage_day >= $2 "
                     "AND usage_day < $3",
                 {by_group, FormatDate(lo), FormatDate(hi)}));
    for (const db::Row& r : rows) {
      const std::string* day = std::get_if<std::string>(&r.value(1));
      if (day == nullptr || !stored.contains(*day)) continue;  // not (or not yet) complete
      const std::string* kind = std::get_if<std::string>(&r.value(0));
      const bool is_total = kind != nullptr && *kind == "total";
      // The rows this stored row adds to: its group's, or for a total row the report's total
      // and, by day, that day's.
      IdAccumulator* targets[2] = {nullptr, nullptr};
      if (is_total) {
        targets[0] = &total;
        if (by == UsageGroup::kDay) targets[1] = &groups[*day];
      } else {
        targets[0] = &groups[r.Text(2)];
      }
      for (IdAccumulator* acc : targets) {
        if (acc == nullptr) continue;
        UsageRow& row = acc->row;
        const std::string* counts = std::get_if<std::string>(&r.value(3));
        if (counts == nullptr) return DataLoss("usage roll-up: malformed counts column");
        RETURN_IF_ERROR(AddDecodedCounts(*counts, row));
        const std::string* cohorts = std::get_if<std::string>(&r.value(4));
        if (cohorts != nullptr) RETURN_IF_ERROR(DecodeCohorts(*cohorts, acc->cohorts));
        const std::string* data = std::get_if<std::string>(&r.value(5));
        if (data != nullptr && !data->empty()) {
          const json accessed = json::parse(*data, nullptr, /*allow_exceptions=*/false);
          if (!accessed.is_object()) return DataLoss("usage roll-up: malformed data_accessed");
          for (const auto& [dataset, n] : accessed.items()) {
            if (!n.is_number_integer()) {
              return DataLoss("usage roll-up: malformed data_accessed");
            }
            row.data_accessed[dataset] += n.get<int64_t>();
          }
        }
      }
    }
  }
  return Status();
}

// Adds one counted day to the report's groups, by `by`.
void MergeDay(UsageGroup by, const std::string& day, const DayCounts& counts,
              std::unordered_map<std::string, IdAccumulator>& groups, IdAccumulator& total) {
  Merge(total, counts.total);
  const std::unordered_map<std::string, IdAccumulator>* from = nullptr;
  switch (by) {
    case UsageGroup::kUser:
      from = &counts.user;
      break;
    case UsageGroup::kProject:
      from = &counts.project;
      break;
    case UsageGroup::kSite:
      from = &counts.site;
      break;
    case UsageGroup::kDay:
      Merge(groups[day], counts.total);
      return;
  }
  for (const auto& [key, acc] : *from) Merge(groups[key], acc);
}

template <typename Cohort>
void FinishReport(std::unordered_map<std::string, Accumulator<Cohort>>& groups,
                  Accumulator<Cohort>& total, UsageReport& report) {
  report.rows.reserve(groups.size());
  for (auto& [key, acc] : groups) report.rows.push_back(acc.Finish(key));
  std::sort(report.rows.begin(), report.rows.end(),
            [](const UsageRow& a, const UsageRow& b) { return a.key < b.key; });
  report.total = total.Finish("total");
  report.entries = report.total.queries();
}

}  // namespace

Result<UsageReport> ScanUsageReport(db::Database& db, std::string_view from, std::string_view to,
                                    UsageGroup by) {
  RETURN_IF_ERROR(CheckUsagePeriod(from, to));
  UsageReport report;
  report.from = std::string(from);
  report.to = std::string(to);
  report.by = by;
  std::unordered_map<std::string, Accumulator<std::string>> groups;
  Accumulator<std::string> total;
  if (by == UsageGroup::kDay) {
    for (auto d = *ParseDate(from); d < *ParseDate(to); d += std::chrono::days(1)) {
      groups[FormatDate(d)];
    }
  }
  RETURN_IF_ERROR(ForEachQueryEntry(
      db, report.from, report.to,
      [&](std::string_view time, std::string_view actor, std::string_view action,
          std::string_view outcome, std::string_view detail_text) {
        ++report.entries_read;
        const json detail = json::parse(detail_text, nullptr, /*allow_exceptions=*/false);
        const Fact f = FactOf(action, outcome, detail, /*with_cohort_id=*/false);
        int64_t answered_sites = 0;
        for (const auto& s : f.sites) answered_sites += s.second ? 1 : 0;
        total.Add(f, answered_sites);
        switch (by) {
          case UsageGroup::kUser:
            groups[std::string(actor)].Add(f, answered_sites);
            break;
          case UsageGroup::kProject:
            if (f.applications.empty()) groups[""].Add(f, answered_sites);
            for (const std::string& a : f.applications) groups[a].Add(f, answered_sites, {}, a);
            break;
          case UsageGroup::kDay:
            groups[std::string(time.substr(0, 10))].Add(f, answered_sites);
            break;
          case UsageGroup::kSite:
            if (f.sites.empty()) groups[""].Add(f, 0);
            for (const auto& s : f.sites) groups[s.first].Add(f, s.second ? 1 : 0, s.first);
            break;
        }
      }));
  FinishReport(groups, total, report);
  return report;
}

Result<UsageReport> MakeUsageReport(db::Database& db, std::string_view from, std::string_view to,
                                    UsageGroup by, const UsageOptions& options) {
  RETURN_IF_ERROR(CheckUsagePeriod(from, to));
  UsageReport report;
  report.from = std::string(from);
  report.to = std::string(to);
  report.by = by;
  const std::chrono::sys_days first = *ParseDate(from), end = *ParseDate(to);
  const std::chrono::seconds margin = std::max(options.margin, std::chrono::seconds(0));
  // A day is over once it ended `margin` before now: no entry can still commit into it.
  const auto over = [&](std::chrono::sys_days day) {
    return options.use_rollup && day + std::chrono::days(1) + margin <= options.now;
  };
  std::unordered_map<std::string, IdAccumulator> groups;
  IdAccumulator total;
  if (by == UsageGroup::kDay) {
    for (auto d = first; d < end; d += std::chrono::days(1)) groups[FormatDate(d)];
  }
  std::set<std::string> stored;  // the period's days stored with this version
  if (over(first)) {
    Result<std::vector<db::Row>> rows = db.Query(
        "SELECT usage_day FROM usage_rollup_days WHERE usage_day >= $1 "
        "AND usage_day < $2 AND version = $3",
        {report.from, report.to, kUsageRollupVersion});
    if (!rows.ok()) return rows.status().WithContext("reading the usage roll-up");
    for (const db::Row& r : *rows) stored.insert(r.Text(0));
    if (!stored.empty()) {
      RETURN_IF_ERROR(ReadStoredDays(db, by, first, end, stored, groups, total));
    }
  }
  for (auto d = first; d < end; d += std::chrono::days(1)) {
    const std::string day = FormatDate(d);
    if (stored.contains(day)) {
      ++report.days_from_rollup;
      continue;
    }
    // The log's newest seq before counting: every entry up to it was committed, so counted if
    // it belongs to the day (kept with the day, to check by hand for late commits).
    int64_t last_seq = 0;
    if (over(d)) {
      ASSIGN_OR_RETURN(const db::Row newest, db.QueryRow("SELECT MAX(seq) FROM audit_log"));
      last_seq = newest.Int(0);
    }
    ASSIGN_OR_RETURN(const DayCounts counts,
                     CountDay(db, day, FormatDate(d + std::chrono::days(1))));
    report.entries_read += counts.entries;
    if (over(d)) {
      RETURN_IF_ERROR(StoreDay(db, day, counts, last_seq, options.now)
                          .WithContext("storing the usage roll-up of " + day));
      ++report.days_rolled_up;
    } else {
      ++report.days_scanned;
    }
    MergeDay(by, day, counts, groups, total);
  }
  FinishReport(groups, total, report);
  return report;
}

Result<UsageReport> MakeUsageReport(db::Database& db, std::string_view from, std::string_view to,
                                    UsageGroup by) {
  UsageOptions options;
  options.now = std::chrono::system_clock::now();
  return MakeUsageReport(db, from, to, by, options);
}

Result<int64_t> DropUsageRollup(db::Database& db) {
  int64_t dropped = 0;
  const Status s = db.Transaction([&](db::Connection& c) -> Status {
    RETURN_IF_ERROR(c.Exec("DELETE FROM usage_rollup").status());
    ASSIGN_OR_RETURN(dropped, c.Exec("DELETE FROM usage_rollup_days"));
    return Status();
  });
  if (!s.ok()) return s;
  return dropped;
}

json UsageJson(const UsageReport& report) {
  json rows = json::array();
  for (const UsageRow& r : report.rows) rows.push_back(RowJson(r));
  return {{"from", report.from},
          {"to", report.to},
          {"by", UsageGroupName(report.by)},
          {"rows", std::move(rows)},
          {"total", RowJson(report.total)},
          {"entries", report.entries}};
}

std::string CsvField(std::string_view value) {
  std::string v;
  if (!value.empty() && std::string_view("=+-@\t\r").find(value[0]) != std::string_view::npos) {
    v = "'";
  }
  v += value;
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string quoted = "\"";
  for (char c : v) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

std::string UsageCsv(const UsageReport& report) {
  std::string out = std::string(UsageGroupName(report.by)) +
                    ",queries,answered,refused,failed,public,registered,controlled,search,freq,"
                    "strata,catalog,beacon,other,distinct_cohorts,site_answers,"
                    "controlled_answers,data_accessed,jobs\r\n";
  for (const UsageRow& r : report.rows) {
    std::vector<int64_t> numbers = {r.queries(), r.answered, r.refused, r.failed};
    numbers.insert(numbers.end(), std::begin(r.by_tier), std::end(r.by_tier));
    numbers.insert(numbers.end(), std::begin(r.by_kind), std::end(r.by_kind));
    numbers.insert(numbers.end(), {r.distinct_cohorts, r.site_answers, r.controlled_answers});
    std::string accessed;
    for (const auto& [dataset, n] : r.data_accessed) {
      if (!accessed.empty()) accessed += ';';
      accessed += dataset + ":" + std::to_string(n);
    }
    out += CsvField(r.key);
    for (int64_t n : numbers) out += "," + std::to_string(n);
    out += "," + CsvField(accessed) + "," + std::to_string(r.jobs) + "\r\n";
  }
  return out;
}

}  // namespace renkei::audit
