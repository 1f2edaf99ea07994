#include "audit/usage.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <unordered_map>
#include <unordered_set>

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
  std::vector<std::pair<std::string, bool>> sites;  // id, answered
  std::vector<std::string> applications;            // the projects; empty when none
  std::vector<DatasetUse> datasets;
  bool controlled_answer = false;
};

Fact FactOf(std::string_view action, std::string_view outcome, const json& detail) {
  Fact f;
  f.outcome = outcome == "ok" ? 0 : outcome == "denied" ? 1 : 2;
  f.kind = KindIndex(action.substr(6));
  if (!detail.is_object()) return f;
  f.tier = TierIndex(detail);
  if (const auto c = detail.find("cohort"); c != detail.end() && !c->is_null()) {
    f.cohort = c->is_string() ? c->get<std::string>() : c->dump();
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

struct Accumulator {
  UsageRow row;
  std::unordered_set<std::string> cohorts;

  // Adds `f`; `site_answers` is how many of its site answers belong to this group. For a
  // site's or a project's row (`site`, `project` non-empty), only the datasets of that site or
  // used under that project count as data accessed.
  void Add(const Fact& f, int64_t site_answers, std::string_view site = {},
           std::string_view project = {}) {
    (f.outcome == 0 ? row.answered : f.outcome == 1 ? row.refused : row.failed) += 1;
    if (f.tier >= 0) ++row.by_tier[f.tier];
    ++row.by_kind[f.kind];
    if (!f.cohort.empty()) cohorts.insert(f.cohort);
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

Result<UsageReport> MakeUsageReport(db::Database& db, std::string_view from, std::string_view to,
                                    UsageGroup by) {
  RETURN_IF_ERROR(CheckUsagePeriod(from, to));
  UsageReport report;
  report.from = std::string(from);
  report.to = std::string(to);
  report.by = by;
  std::unordered_map<std::string, Accumulator> groups;
  Accumulator total;
  if (by == UsageGroup::kDay) {
    for (auto d = *ParseDate(from); d < *ParseDate(to); d += std::chrono::days(1)) {
      groups[FormatDate(d)];
    }
  }
  // The time index finds the period's seq range; pages of seq then read it in order. The time
  // test stays in the page query: group commit can write entries a little out of time order.
  ASSIGN_OR_RETURN(const db::Row bounds, db.QueryRow("SELECT MIN(seq), MAX(seq) FROM audit_log "
                                                     "WHERE time >= $1 AND time < $2",
                                                     {report.from, report.to}));
  if (!bounds.IsNull(0)) {
    const int64_t last = bounds.Int(1);
    for (int64_t lo = bounds.Int(0); lo <= last; lo += kPage) {
      ASSIGN_OR_RETURN(const std::vector<db::Row> rows,
                       db.Query("SELECT time, actor, action, outcome, detail FROM audit_log "
                                "WHERE seq >= $1 AND seq < $2 AND time >= $3 AND time < $4 "
                                "AND substr(action, 1, 6) = 'query.'",
                                {lo, lo + kPage, report.from, report.to}));
      for (const db::Row& r : rows) {
        ++report.entries;
        const auto text = [&](size_t i) -> std::string_view {
          const std::string* t = std::get_if<std::string>(&r.value(i));
          return t ? std::string_view(*t) : std::string_view();
        };
        const std::string_view action = text(2);
        if (!action.starts_with("query.")) continue;
        const json detail = json::parse(text(4), nullptr, /*allow_exceptions=*/false);
        const Fact f = FactOf(action, text(3), detail);
        int64_t answered_sites = 0;
        for (const auto& s : f.sites) answered_sites += s.second ? 1 : 0;
        total.Add(f, answered_sites);
        switch (by) {
          case UsageGroup::kUser:
            groups[std::string(text(1))].Add(f, answered_sites);
            break;
          case UsageGroup::kProject:
            if (f.applications.empty()) groups[""].Add(f, answered_sites);
            for (const std::string& a : f.applications) groups[a].Add(f, answered_sites, {}, a);
            break;
          case UsageGroup::kDay:
            groups[std::string(text(0).substr(0, 10))].Add(f, answered_sites);
            break;
          case UsageGroup::kSite:
            if (f.sites.empty()) groups[""].Add(f, 0);
            for (const auto& s : f.sites) groups[s.first].Add(f, s.second ? 1 : 0, s.first);
            break;
        }
      }
    }
  }
  report.rows.reserve(groups.size());
  for (auto& [key, acc] : groups) report.rows.push_back(acc.Finish(key));
  std::sort(report.rows.begin(), report.rows.end(),
            [](const UsageRow& a, const UsageRow& b) { return a.key < b.key; });
  report.total = total.Finish("total");
  return report;
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
