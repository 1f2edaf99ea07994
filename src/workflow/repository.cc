#include "workflow/repository.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <set>

#include "workflow/json_fields.h"
#include "workflow/state_machine.h"

namespace renkei::workflow {

// Listing reads only columns and the two index tables. The indexes serve the typical queries,
// newest first: everything (applications_updated), a state queue such as the secretariat's
// (applications_state), a researcher's own (applications_applicant, application_members_user)
// and a site's (application_sites_site: updated_at and seq are copied into application_sites so
// that a site's list is read in order from its index, however few or many it holds).
const char* const kSchemaSql = R"sql(
CREATE TABLE application_counter (
  id BIGINT PRIMARY KEY CHECK (id = 1),
  last_seq BIGINT NOT NULL
);
INSERT INTO application_counter (id, last_seq) VALUES (1, 0);
CREATE TABLE applications (
  id TEXT PRIMARY KEY,
  seq BIGINT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  applicant TEXT NOT NULL,
  state TEXT NOT NULL,
  title TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  version BIGINT NOT NULL,
  document TEXT NOT NULL
);
CREATE INDEX applications_updated ON applications (updated_at, seq);
CREATE INDEX applications_state ON applications (state, updated_at, seq);
CREATE INDEX applications_applicant ON applications (applicant, updated_at, seq);
CREATE TABLE application_sites (
  application_id TEXT NOT NULL REFERENCES applications (id),
  site TEXT NOT NULL,
  requested BIGINT NOT NULL,
  site_order BIGINT NOT NULL,
  updated_at TEXT NOT NULL,
  seq BIGINT NOT NULL,
  PRIMARY KEY (application_id, site)
);
CREATE INDEX application_sites_site ON application_sites (site, updated_at, seq);
CREATE TABLE application_members (
  application_id TEXT NOT NULL REFERENCES applications (id),
  user_id TEXT NOT NULL,
  PRIMARY KEY (application_id, user_id)
);
CREATE INDEX application_members_user ON application_members (user_id, application_id);
)sql";

namespace {

using db::Connection;
using db::Row;
using db::Value;

constexpr size_t kMaxIdBytes = 64;

std::string FormatTime(Timestamp t) { return workflow_json::FormatTime(t); }

// The time of the last change: the last history event, else the creation.
Timestamp UpdatedAt(const Application& app) {
  Timestamp t = app.created_at;
  for (const HistoryEvent& e : app.history) t = std::max(t, e.time);
  return t;
}

// The document text. nlohmann-json throws on text that is not UTF-8; that is bad input here.
Result<std::string> Document(const Application& app) {
  try {
    return ToJson(app).dump();
  } catch (const std::exception&) {
    return InvalidArgument("application " + app.id + " holds text that is not valid UTF-8");
  }
}

// The first index of each distinct site: content (requested) first, then the pending
// amendment's and the grants' sites.
struct SiteRow {
  std::string site;
  bool requested;
  int64_t order;
};

std::vector<SiteRow> SitesOf(const Application& app) {
  std::vector<SiteRow> out;
  std::set<std::string> seen;
  auto add = [&](const std::string& site, bool requested) {
    if (site.empty() || !seen.insert(site).second) return;
    out.push_back({site, requested, static_cast<int64_t>(out.size())});
  };
  for (const std::string& s : app.content.sites) add(s, true);
  if (app.pending_amendment) {
    for (const std::string& s : app.pending_amendment->sites) add(s, false);
  }
  for (const Grant& g : app.grants) add(g.site, false);
  return out;
}

std::set<std::string> MembersOf(const Application& app) {
  std::set<std::string> out;
  for (const Member& m : app.content.members) {
    if (!m.user_id.empty()) out.insert(m.user_id);
  }
  return out;
}

// Replaces the index rows of `app` (its row must exist).
Status WriteIndexRows(Connection& conn, const Application& app, int64_t seq) {
  const std::string updated_at = FormatTime(UpdatedAt(app));
  RETURN_IF_ERROR(
      conn.Exec("DELETE FROM application_sites WHERE application_id = $1", {app.id}).status());
  RETURN_IF_ERROR(
      conn.Exec("DELETE FROM application_members WHERE application_id = $1", {app.id}).status());
  for (const SiteRow& s : SitesOf(app)) {
    RETURN_IF_ERROR(
        conn.Exec("INSERT INTO application_sites (application_id, site, requested, "
                  "site_order, updated_at, seq) VALUES ($1, $2, $3, $4, $5, $6)",
                  {app.id, s.site, int64_t{s.requested ? 1 : 0}, s.order, updated_at, seq})
            .status());
  }
  for (const std::string& user : MembersOf(app)) {
    RETURN_IF_ERROR(
        conn.Exec("INSERT INTO application_members (application_id, user_id) VALUES ($1, $2)",
                  {app.id, user})
            .status());
  }
  return Status::Ok();
}

Status CheckId(std::string_view id) {
  if (id.empty()) return InvalidArgument("application id: required");
  if (id.size() > kMaxIdBytes) {
    return InvalidArgument("application id: longer than " + std::to_string(kMaxIdBytes) + " bytes");
  }
  return Status::Ok();
}

// The cursor is "<updated_at>/<seq>", e.g. "2025-04-03T00:00:00Z/17".
std::string FormatCursor(std::string_view updated_at, int64_t seq) {
  return std::string(updated_at) + "/" + std::to_string(seq);
}

struct Cursor {
  std::string updated_at;
  int64_t seq = 0;
};

Result<Cursor> ParseCursor(std::string_view text) {
  const Status bad =
      InvalidArgument("cursor: malformed (pass the cursor of the last summary of the page before)");
  size_t slash = text.rfind('/');
  if (slash == std::string_view::npos) return bad;
  Result<Timestamp> t = workflow_json::ParseTime(text.substr(0, slash));
  if (!t.ok()) return bad;
  std::string_view digits = text.substr(slash + 1);
  Cursor c;
  c.updated_at = std::string(text.substr(0, slash));
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), c.seq);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || c.seq < 1) {
    return bad;
  }
  return c;
}

}  // namespace

std::string FormatApplicationId(int64_t seq) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "APP-%06lld", static_cast<long long>(seq));
  return buf;
}

ApplicationRepository::ApplicationRepository(db::Database* db) : db_(db) {}

Result<Application> ApplicationRepository::Create(ApplicationKind kind, const Actor& actor,
                                                  Timestamp now, ApplicationContent content) {
  // Checked before an id is taken, so a refused creation leaves no trace.
  ASSIGN_OR_RETURN(Application app,
                   CreateApplication("APP-000000", kind, actor, now, std::move(content)));
  Application stored;
  Status st = db_->Transaction([&](Connection& conn) -> Status {
    ASSIGN_OR_RETURN(Row counter,
                     conn.QueryRow("UPDATE application_counter SET last_seq = last_seq + 1 "
                                   "WHERE id = 1 RETURNING last_seq"));
    const int64_t seq = counter.Int(0);
    stored = app;
    stored.id = FormatApplicationId(seq);
    ASSIGN_OR_RETURN(std::string document, Document(stored));
    RETURN_IF_ERROR(
        conn.Exec(
                "INSERT INTO applications (id, seq, kind, applicant, state, title, created_at, "
                "updated_at, version, document) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9)",
                {stored.id, seq, std::string(ApplicationKindName(stored.kind)), stored.applicant,
                 std::string(ApplicationStateName(stored.state)), stored.content.title,
                 FormatTime(stored.created_at), FormatTime(UpdatedAt(stored)), std::move(document)})
            .status());
    return WriteIndexRows(conn, stored, seq);
  });
  if (!st.ok()) return st.WithContext("creating an application");
  return stored;
}

Result<std::pair<Application, int64_t>> ApplicationRepository::Get(std::string_view id) {
  RETURN_IF_ERROR(CheckId(id));
  Result<Row> row =
      db_->QueryRow("SELECT document, version FROM applications WHERE id = $1", {std::string(id)});
  if (!row.ok()) {
    if (row.status().code() == StatusCode::kNotFound) {
      return NotFound("application " + std::string(id) + " does not exist");
    }
    return row.status().WithContext("reading application " + std::string(id));
  }
  nlohmann::json json = nlohmann::json::parse(row->Text(0), nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) {
    return DataLoss("application " + std::string(id) + ": stored document is not JSON");
  }
  Result<Application> app = ApplicationFromJson(json);
  if (!app.ok()) {
    return DataLoss("application " + std::string(id) +
                    ": stored document does not parse: " + app.status().message());
  }
  if (app->id != id) {
    return DataLoss("application " + std::string(id) + ": stored document names id " + app->id);
  }
  return std::pair<Application, int64_t>(std::move(*app), row->Int(1));
}

Status ApplicationRepository::Save(const Application& app, int64_t expected_version) {
  RETURN_IF_ERROR(CheckId(app.id));
  if (expected_version < 1) {
    return InvalidArgument("expected_version: must be at least 1 (the version Get returned)");
  }
  ASSIGN_OR_RETURN(std::string document, Document(app));
  const std::string kind(ApplicationKindName(app.kind));
  const std::string created_at = FormatTime(app.created_at);
  Status st = db_->Transaction([&](Connection& conn) -> Status {
    Result<Row> stored = conn.QueryRow(
        "SELECT version, kind, applicant, created_at, seq FROM applications WHERE id = $1",
        {app.id});
    if (!stored.ok()) {
      if (stored.status().code() == StatusCode::kNotFound) {
        return NotFound("application " + app.id + " does not exist");
      }
      return stored.status();
    }
    if (stored->Int(0) != expected_version) {
      return FailedPrecondition("application " + app.id + " was changed by someone else (now " +
                                "version " + std::to_string(stored->Int(0)) + ", expected " +
                                std::to_string(expected_version) + "); reload");
    }
    if (stored->Text(1) != kind || stored->Text(2) != app.applicant ||
        stored->Text(3) != created_at) {
      return InvalidArgument("application " + app.id +
                             ": kind, applicant and created_at cannot change");
    }
    // The version in the WHERE clause makes the update itself the guard, whatever the
    // isolation level.
    ASSIGN_OR_RETURN(int64_t updated,
                     conn.Exec("UPDATE applications SET state = $1, title = $2, updated_at = $3, "
                               "version = version + 1, document = $4 "
                               "WHERE id = $5 AND version = $6",
                               {std::string(ApplicationStateName(app.state)), app.content.title,
                                FormatTime(UpdatedAt(app)), document, app.id, expected_version}));
    if (updated != 1) {
      return FailedPrecondition("application " + app.id + " was changed by someone else; reload");
    }
    return WriteIndexRows(conn, app, stored->Int(4));
  });
  if (st.ok()) return st;
  switch (st.code()) {
    case StatusCode::kNotFound:
    case StatusCode::kFailedPrecondition:
    case StatusCode::kInvalidArgument:
      return st;
    default:
      return st.WithContext("saving application " + app.id);
  }
}

Result<std::vector<ApplicationSummary>> ApplicationRepository::List(const ListFilter& filter) {
  if (filter.limit < 1 || filter.limit > kMaxListLimit) {
    return InvalidArgument("limit: must be 1.." + std::to_string(kMaxListLimit) + ", got " +
                           std::to_string(filter.limit));
  }
  if (!filter.site.empty()) RETURN_IF_ERROR(ValidateSiteId(filter.site));

  std::vector<Value> params;
  auto param = [&params](Value v) {
    params.push_back(std::move(v));
    return "$" + std::to_string(params.size());
  };
  std::string sql = "SELECT a.id, a.kind, a.applicant, a.state, a.title, a.updated_at, a.seq ";
  // The order (and the cursor) is on the table that drives the scan: a site's list is read
  // from application_sites_site in order, which stays fast whether the site has few or many
  // applications; the rest is read from applications' own indexes.
  std::string o = "a";
  if (!filter.site.empty()) {
    o = "s";
    sql +=
        "FROM application_sites s JOIN applications a ON a.id = s.application_id WHERE s.site = " +
        param(filter.site);
  } else {
    sql += "FROM applications a WHERE 1 = 1";
  }
  if (!filter.applicant.empty()) sql += " AND a.applicant = " + param(filter.applicant);
  if (!filter.member.empty()) {
    sql += " AND a.id IN (SELECT application_id FROM application_members WHERE user_id = " +
           param(filter.member) + ")";
  }
  if (!filter.involving.empty()) {
    // A union of two index lookups: an OR of the two conditions would test every row.
    sql +=
        " AND a.id IN (SELECT id FROM applications WHERE applicant = " + param(filter.involving) +
        " UNION SELECT application_id FROM application_members WHERE user_id = " +
        param(filter.involving) + ")";
  }
  if (!filter.states.empty()) {
    std::set<ApplicationState> states(filter.states.begin(), filter.states.end());
    sql += " AND a.state IN (";
    bool first = true;
    for (ApplicationState s : states) {
      sql += (first ? "" : ", ") + param(std::string(ApplicationStateName(s)));
      first = false;
    }
    sql += ")";
  }
  if (!filter.kinds.empty()) {
    std::set<ApplicationKind> kinds(filter.kinds.begin(), filter.kinds.end());
    sql += " AND a.kind IN (";
    bool first = true;
    for (ApplicationKind k : kinds) {
      sql += (first ? "" : ", ") + param(std::string(ApplicationKindName(k)));
      first = false;
    }
    sql += ")";
  }
  if (!filter.cursor.empty()) {
    ASSIGN_OR_RETURN(Cursor c, ParseCursor(filter.cursor));
    sql += " AND (" + o + ".updated_at < " + param(c.updated_at) + " OR (" + o +
           ".updated_at = " + param(c.updated_at) + " AND " + o + ".seq < " + param(c.seq) + "))";
  }
  sql += " ORDER BY " + o + ".updated_at DESC, " + o + ".seq DESC LIMIT " +
         param(int64_t{filter.limit});

  ASSIGN_OR_RETURN(std::vector<Row> rows,
                   db_->Query(sql, std::span<const Value>(params.data(), params.size())));
  std::vector<ApplicationSummary> out;
  out.reserve(rows.size());
  for (const Row& r : rows) {
    ApplicationSummary s;
    s.id = r.Text(0);
    Result<ApplicationKind> kind = ParseApplicationKind(r.Text(1));
    Result<ApplicationState> state = ParseApplicationState(r.Text(3));
    Result<Timestamp> updated = workflow_json::ParseTime(r.Text(5));
    if (!kind.ok() || !state.ok() || !updated.ok()) {
      return DataLoss("application " + s.id + ": stored kind, state or updated_at is malformed");
    }
    s.kind = *kind;
    s.applicant = r.Text(2);
    s.state = *state;
    s.title = r.Text(4);
    s.updated_at = *updated;
    s.cursor = FormatCursor(r.Text(5), r.Int(6));
    out.push_back(std::move(s));
  }
  if (out.empty()) return out;

  // The requested sites of the page, in one query.
  std::vector<Value> ids;
  std::string site_sql =
      "SELECT application_id, site FROM application_sites WHERE requested = 1 AND "
      "application_id IN (";
  for (size_t i = 0; i < out.size(); ++i) {
    ids.emplace_back(out[i].id);
    site_sql += (i == 0 ? "$" : ", $") + std::to_string(i + 1);
  }
  site_sql += ") ORDER BY site_order";
  ASSIGN_OR_RETURN(std::vector<Row> site_rows,
                   db_->Query(site_sql, std::span<const Value>(ids.data(), ids.size())));
  // Rows come in site order; match them to the page by binary search over a sorted index.
  std::vector<size_t> by_id(out.size());
  for (size_t i = 0; i < by_id.size(); ++i) by_id[i] = i;
  std::sort(by_id.begin(), by_id.end(), [&](size_t x, size_t y) { return out[x].id < out[y].id; });
  for (const Row& r : site_rows) {
    const std::string app_id = r.Text(0);
    auto it = std::lower_bound(by_id.begin(), by_id.end(), app_id,
                               [&](size_t i, const std::string& v) { return out[i].id < v; });
    if (it != by_id.end() && out[*it].id == app_id) out[*it].sites.push_back(r.Text(1));
  }
  return out;
}

}  // namespace renkei::workflow
