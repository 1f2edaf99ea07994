#include "db/migrate.h"

#include <chrono>
#include <ctime>
#include <map>
#include <string>

namespace renkei::db {
namespace {

constexpr std::string_view kCreateTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version BIGINT PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " applied_at TEXT NOT NULL)";

std::string NowUtcIso8601() {
  std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::string(buf, n);
}

std::string Describe(const Migration& m) {
  return "migration " + std::to_string(m.version) + " (" + m.name + ")";
}

Status CheckList(std::span<const Migration> migrations) {
  int previous = 0;
  for (const Migration& m : migrations) {
    if (m.version <= previous) {
      return InvalidArgument("migration versions must be positive and strictly increasing: " +
                             std::to_string(m.version) + " follows " + std::to_string(previous));
    }
    if (m.name.empty()) {
      return InvalidArgument("migration " + std::to_string(m.version) + " has no name");
    }
    previous = m.version;
  }
  return Status::Ok();
}

// version → name of every applied migration.
Result<std::map<int64_t, std::string>> Applied(Connection& conn) {
  ASSIGN_OR_RETURN(std::vector<Row> rows,
                   conn.Query("SELECT version, name FROM schema_migrations ORDER BY version"));
  std::map<int64_t, std::string> applied;
  for (const Row& row : rows) applied[row.Int(0)] = row.Text(1);
  return applied;
}

// FailedPrecondition unless the applied migrations are a consistent prefix of `migrations`.
Status CheckApplied(const std::map<int64_t, std::string>& applied,
                    std::span<const Migration> migrations) {
  if (applied.empty()) return Status::Ok();
  int64_t newest = applied.rbegin()->first;
  int64_t known = migrations.empty() ? 0 : migrations.back().version;
  if (newest > known) {
    return FailedPrecondition("the database schema is at version " + std::to_string(newest) +
                              ", newer than this binary knows (" + std::to_string(known) +
                              "); run a newer renkei");
  }
  std::map<int64_t, const Migration*> by_version;
  for (const Migration& m : migrations) by_version[m.version] = &m;
  for (const auto& [version, name] : applied) {
    auto it = by_version.find(version);
    if (it == by_version.end()) {
      return FailedPrecondition("the database has migration " + std::to_string(version) + " (" +
                                name + "), which this binary does not know");
    }
    if (it->second->name != name) {
      return FailedPrecondition("migration " + std::to_string(version) + " is '" + name +
                                "' in the database but '" + it->second->name + "' in this binary");
    }
  }
  for (const Migration& m : migrations) {
    if (m.version < newest && applied.count(m.version) == 0) {
      return FailedPrecondition(Describe(m) + " was never applied, but newer migration " +
                                std::to_string(newest) + " was");
    }
  }
  return Status::Ok();
}

}  // namespace

std::string ExpandSql(std::string_view sql, Dialect dialect) {
  constexpr std::string_view kToken = "{{id}}";
  const std::string_view replacement =
      dialect == Dialect::kSqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGSERIAL PRIMARY KEY";
  std::string out;
  size_t start = 0;
  for (size_t pos = sql.find(kToken); pos != std::string_view::npos;
       pos = sql.find(kToken, start)) {
    out.append(sql.substr(start, pos - start));
    out.append(replacement);
    start = pos + kToken.size();
  }
  out.append(sql.substr(start));
  return out;
}

Status Migrate(Database& db, std::span<const Migration> migrations) {
  RETURN_IF_ERROR(CheckList(migrations));
  Status created = db.Exec(kCreateTable).status();
  if (!created.ok()) {
    // Two processes creating the table at once on PostgreSQL: one loses on the catalog's unique
    // index. The table exists now, which is all we need.
    if (created.code() != StatusCode::kAlreadyExists) {
      return created.WithContext("creating schema_migrations");
    }
  }
  // Check before applying anything: a database newer than this binary is left untouched.
  int64_t newest = 0;
  RETURN_IF_ERROR(db.Transaction([&](Connection& conn) -> Status {
    ASSIGN_OR_RETURN(auto applied, Applied(conn));
    newest = applied.empty() ? 0 : applied.rbegin()->first;
    return CheckApplied(applied, migrations);
  }));

  for (const Migration& m : migrations) {
    if (m.version <= newest) continue;
    Status st = db.Transaction([&](Connection& conn) -> Status {
      if (conn.dialect() == Dialect::kPostgres) {
        // Serialises concurrent migrators (SQLite's BEGIN IMMEDIATE already does). Must come
        // before the first query, which fixes the transaction's snapshot.
        RETURN_IF_ERROR(
            conn.Exec("LOCK TABLE schema_migrations IN SHARE ROW EXCLUSIVE MODE").status());
      }
      ASSIGN_OR_RETURN(auto applied, Applied(conn));
      RETURN_IF_ERROR(CheckApplied(applied, migrations));
      if (applied.count(m.version) != 0) return Status::Ok();  // applied before, or by another
      RETURN_IF_ERROR(conn.Exec(ExpandSql(m.sql, conn.dialect())).status());
      return conn
          .Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                {int64_t{m.version}, m.name, NowUtcIso8601()})
          .status();
    });
    if (!st.ok()) return st.WithContext(Describe(m));
  }
  return Status::Ok();
}

Result<int64_t> SchemaVersion(Database& db) {
  std::string exists_sql =
      db.dialect() == Dialect::kSqlite
          ? "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
          : "SELECT count(*) FROM (SELECT to_regclass('schema_migrations') AS t) s "
            "WHERE t IS NOT NULL";
  ASSIGN_OR_RETURN(Row exists, db.QueryRow(exists_sql));
  if (exists.Int(0) == 0) return int64_t{0};
  ASSIGN_OR_RETURN(Row row, db.QueryRow("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
  return row.Int(0);
}

}  // namespace renkei::db
