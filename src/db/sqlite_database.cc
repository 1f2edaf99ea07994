// The SQLite implementation of Database; the only file that includes sqlite3.h.
#include <sqlite3.h>

#include <climits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "db/internal.h"

namespace renkei::db::internal {
namespace {

constexpr int kBusyTimeoutMs = 5000;
constexpr size_t kMaxConnections = 4;

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtFinalizer {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using DbHandle = std::unique_ptr<sqlite3, DbCloser>;
using StmtHandle = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

bool IsRetryable(int code) {
  int primary = code & 0xFF;
  return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
}

class SqliteConnection final : public PooledConnection {
 public:
  using Connection::Exec;
  using Connection::Query;

  // Opens `path` (":memory:" for a private in-memory database) and applies the per-connection
  // settings. `wal` sets the journal mode (persistent in the file, so the first connection
  // suffices).
  static Result<std::unique_ptr<PooledConnection>> Open(const std::string& path, bool wal) {
    sqlite3* raw = nullptr;
    int rc =
        sqlite3_open_v2(path.c_str(), &raw,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    DbHandle db(raw);
    if (rc != SQLITE_OK) {
      std::string why = db ? sqlite3_errmsg(db.get()) : sqlite3_errstr(rc);
      return Unavailable("cannot open SQLite database " + path + ": " + why);
    }
    sqlite3_extended_result_codes(db.get(), 1);
    sqlite3_busy_timeout(db.get(), kBusyTimeoutMs);
    auto conn = std::make_unique<SqliteConnection>(std::move(db), path);
    // The first statements that read the file: a file that is not a database fails here.
    std::string settings = "PRAGMA foreign_keys = ON; SELECT count(*) FROM sqlite_master;";
    // WAL with synchronous = NORMAL, SQLite's recommendation for WAL: a commit survives the
    // process crashing and the file is never corrupted, but the last commits before an OS crash
    // or power loss may be lost (the WAL is synced at checkpoints, not at every commit). The
    // hub commits an audit entry for every query, and an fsync each would add ~1 ms to every
    // answer (docs/benchmarks.md). PostgreSQL keeps its own synchronous_commit setting.
    if (wal) settings += " PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;";
    if (Result<int64_t> r = conn->Exec(settings); !r.ok()) {
      std::string why = sqlite3_errmsg(conn->db_.get());
      if (r.status().code() == StatusCode::kDataLoss) {
        return DataLoss("SQLite database " + path + " is not a database or is corrupt: " + why);
      }
      return Status(r.status().code(), "cannot open SQLite database " + path + ": " + why);
    }
    return std::unique_ptr<PooledConnection>(std::move(conn));
  }

  Dialect dialect() const override { return Dialect::kSqlite; }

  Result<std::vector<Row>> Query(std::string_view sql,
                                 std::span<const Value> params = {}) override {
    std::vector<Row> rows;
    RETURN_IF_ERROR(Run(sql, params, &rows).status());
    return rows;
  }

  Result<int64_t> Exec(std::string_view sql, std::span<const Value> params = {}) override {
    return Run(sql, params, nullptr);
  }

  std::string_view BeginSql() const override { return "BEGIN IMMEDIATE"; }
  bool InTransaction() override { return sqlite3_get_autocommit(db_.get()) == 0; }
  bool Healthy() override { return true; }

  // Use Open.
  SqliteConnection(DbHandle db, std::string path) : db_(std::move(db)), path_(std::move(path)) {}

 private:
  // The Status for a failed call that returned `rc`.
  Status Error(int rc, std::string_view sql, std::span<const Value> params) {
    int code = sqlite3_extended_errcode(db_.get());
    if ((code & 0xFF) != (rc & 0xFF)) code = rc;  // errcode is stale for some failures
    std::string message = ScrubParams(std::string("SQLite: ") + sqlite3_errmsg(db_.get()), params);
    if (!sql.empty()) message += " [in: " + SqlSnippet(sql) + "]";
    if (IsRetryable(code)) NoteRetryable();
    switch (code) {
      case SQLITE_CONSTRAINT_UNIQUE:
      case SQLITE_CONSTRAINT_PRIMARYKEY:
        return AlreadyExists(message);
      default:
        break;
    }
    switch (code & 0xFF) {
      case SQLITE_CONSTRAINT:
        return FailedPrecondition(message);
      case SQLITE_BUSY:
      case SQLITE_LOCKED:
      case SQLITE_FULL:
      case SQLITE_CANTOPEN:
        return Unavailable(message);
      case SQLITE_NOTADB:
      case SQLITE_CORRUPT:
        return DataLoss(message + " (file " + path_ + ")");
      case SQLITE_MISMATCH:
      case SQLITE_TOOBIG:
        return InvalidArgument(message);
      default:
        return Internal(message);
    }
  }

  // Binds params[k-1] to each "$k" of `stmt`.
  Status Bind(sqlite3_stmt* stmt, std::string_view sql, std::span<const Value> params) {
    int count = sqlite3_bind_parameter_count(stmt);
    std::vector<bool> used(params.size(), false);
    for (int i = 1; i <= count; ++i) {
      const char* name = sqlite3_bind_parameter_name(stmt, i);
      std::optional<int64_t> k;
      if (name != nullptr && name[0] == '$') k = ParseInt64(name + 1);
      if (!k.has_value()) {
        return Internal(std::string("unsupported placeholder '") + (name ? name : "?") +
                        "'; use $1..$n [in: " + SqlSnippet(sql) + "]");
      }
      if (*k < 1 || static_cast<uint64_t>(*k) > params.size()) {
        return Internal("SQL uses $" + std::to_string(*k) + " but " +
                        std::to_string(params.size()) +
                        " parameters were given [in: " + SqlSnippet(sql) + "]");
      }
      const Value& v = params[static_cast<size_t>(*k - 1)];
      used[static_cast<size_t>(*k - 1)] = true;
      int rc = SQLITE_OK;
      if (const auto* n = std::get_if<int64_t>(&v)) {
        rc = sqlite3_bind_int64(stmt, i, *n);
      } else if (const auto* d = std::get_if<double>(&v)) {
        rc = sqlite3_bind_double(stmt, i, *d);
      } else if (const auto* s = std::get_if<std::string>(&v)) {
        // SQLITE_STATIC: `params` outlives every step of the statement.
        rc = sqlite3_bind_text64(stmt, i, s->data(), s->size(), SQLITE_STATIC, SQLITE_UTF8);
      } else {
        rc = sqlite3_bind_null(stmt, i);
      }
      if (rc != SQLITE_OK) return Error(rc, sql, params);
    }
    for (size_t k = 0; k < used.size(); ++k) {
      if (!used[k]) {
        return Internal("parameter $" + std::to_string(k + 1) +
                        " is not used by the SQL [in: " + SqlSnippet(sql) + "]");
      }
    }
    return Status::Ok();
  }

  static Value ColumnValue(sqlite3_stmt* stmt, int col) {
    switch (sqlite3_column_type(stmt, col)) {
      case SQLITE_INTEGER:
        return static_cast<int64_t>(sqlite3_column_int64(stmt, col));
      case SQLITE_FLOAT:
        return sqlite3_column_double(stmt, col);
      case SQLITE_NULL:
        return std::monostate{};
      default: {  // TEXT (and BLOB, which the portable subset does not use)
        const auto* data = static_cast<const char*>(sqlite3_column_blob(stmt, col));
        int size = sqlite3_column_bytes(stmt, col);
        return std::string(data ? data : "", static_cast<size_t>(size));
      }
    }
  }

  // Runs every statement of `sql`; collects the last statement's rows into `rows` if given.
  // Returns the rows changed by the last statement.
  Result<int64_t> Run(std::string_view sql, std::span<const Value> params, std::vector<Row>* rows) {
    RETURN_IF_ERROR(CheckParams(params));
    if (sql.size() >= static_cast<size_t>(INT_MAX)) return InvalidArgument("SQL text too long");
    std::string_view rest = sql;
    bool ran = false;
    int64_t affected = 0;
    while (!rest.empty()) {
      sqlite3_stmt* raw = nullptr;
      const char* tail = nullptr;
      int rc =
          sqlite3_prepare_v2(db_.get(), rest.data(), static_cast<int>(rest.size()), &raw, &tail);
      StmtHandle stmt(raw);
      if (rc != SQLITE_OK) return Error(rc, rest, params);
      std::string_view current = rest.substr(0, static_cast<size_t>(tail - rest.data()));
      rest.remove_prefix(current.size());
      if (!stmt) continue;  // only whitespace or a comment
      if (!params.empty()) {
        // Like PostgreSQL, refuse (before running anything) several statements with parameters.
        sqlite3_stmt* next = nullptr;
        int next_rc = sqlite3_prepare_v2(db_.get(), rest.data(), static_cast<int>(rest.size()),
                                         &next, nullptr);
        StmtHandle next_stmt(next);
        if (next_rc != SQLITE_OK || next_stmt) {
          return Internal("SQL with parameters must be a single statement [in: " + SqlSnippet(sql) +
                          "]");
        }
      }
      RETURN_IF_ERROR(Bind(stmt.get(), current, params));
      ran = true;
      if (rows) rows->clear();
      int64_t total_before = sqlite3_total_changes64(db_.get());
      int columns = sqlite3_column_count(stmt.get());
      while (true) {
        rc = sqlite3_step(stmt.get());
        if (rc == SQLITE_DONE) break;
        if (rc != SQLITE_ROW) return Error(rc, current, params);
        if (rows) {
          std::vector<Value> values;
          values.reserve(static_cast<size_t>(columns));
          for (int c = 0; c < columns; ++c) values.push_back(ColumnValue(stmt.get(), c));
          rows->emplace_back(std::move(values));
        }
      }
      // sqlite3_changes64 keeps the count of the last INSERT/UPDATE/DELETE; only trust it if this
      // statement changed something.
      affected =
          sqlite3_total_changes64(db_.get()) != total_before ? sqlite3_changes64(db_.get()) : 0;
    }
    if (!ran) return Internal("empty SQL statement");
    return affected;
  }

  DbHandle db_;
  std::string path_;
};

}  // namespace

Result<std::unique_ptr<Database>> OpenSqlite(const std::string& path) {
  if (sqlite3_threadsafe() == 0) return Internal("SQLite was built without thread support");
  const bool memory = path == ":memory:";
  ASSIGN_OR_RETURN(std::unique_ptr<PooledConnection> first,
                   SqliteConnection::Open(path, /*wal=*/!memory));
  // Every SQLite connection to ":memory:" is its own database, so the in-memory pool has one.
  PooledDatabase::Factory factory = [path]() { return SqliteConnection::Open(path, false); };
  return std::unique_ptr<Database>(std::make_unique<PooledDatabase>(
      Dialect::kSqlite, memory ? 1 : kMaxConnections, std::move(factory), std::move(first)));
}

}  // namespace renkei::db::internal
