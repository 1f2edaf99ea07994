// Versioned schema migrations for the hub database.
//
// The applied versions are recorded in the table
//   schema_migrations(version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)
// (applied_at is ISO 8601 UTC, e.g. "2025-01-31T09:00:00Z"). Each layer that owns tables keeps
// its migrations in code as a list with increasing versions; the process calls Migrate once at
// start. See docs/database.md.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/status.h"
#include "db/database.h"

namespace renkei::db {

struct Migration {
  int version;       // > 0, strictly increasing along the list
  std::string name;  // non-empty; recorded, and checked against the database on later runs
  std::string sql;   // one or more statements in the portable subset; may contain {{id}}
};

// `sql` with every "{{id}}" replaced by the dialect's auto-increment primary key column type:
// SQLite "INTEGER PRIMARY KEY AUTOINCREMENT", PostgreSQL "BIGSERIAL PRIMARY KEY".
std::string ExpandSql(std::string_view sql, Dialect dialect);

// Brings the database to the newest version in `migrations`: creates schema_migrations if
// missing, then applies, in order and each in its own transaction together with its
// schema_migrations row, every migration newer than the newest applied one. Running it again is
// a no-op. Safe against another process migrating at the same time (the loser skips what the
// winner applied). Thread-safe.
//
// Errors: InvalidArgument if `migrations` is malformed (version ≤ 0, not strictly increasing,
// empty name); FailedPrecondition if the database is newer than the newest migration known here,
// or an applied version is unknown here or recorded under another name, or a known version older
// than the newest applied one was never applied; a failing migration's own error, with context
// "migration <version> (<name>)" — that migration is rolled back, so the stored version stays at
// the last one that succeeded.
Status Migrate(Database& db, std::span<const Migration> migrations);

// The newest applied migration version, or 0 if none (or no schema_migrations table).
// Errors: as Database::Query.
Result<int64_t> SchemaVersion(Database& db);

}  // namespace renkei::db
