// The hub database: one interface, two implementations chosen by URL — an SQLite file (the
// embedded default, used by `renkei demo`) and PostgreSQL (production). See docs/database.md for
// the URL forms and the portable SQL subset both implementations accept.
//
// This header includes neither sqlite3.h nor libpq-fe.h: those are included only by
// sqlite_database.cc and postgres_database.cc (DESIGN.md: wrap each C library once).
//
// Secrets: parameter values are never logged and never copied into error messages; a database
// URL's password never appears in an error message (see RedactUrl).
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/status.h"

namespace renkei::db {

// One SQL value. std::monostate is NULL. Text must be valid UTF-8 without NUL bytes (bytes are
// stored as hex or base64 text; there is no BLOB). Note: a std::string_view does not convert
// implicitly; wrap it in std::string.
using Value = std::variant<std::monostate, int64_t, double, std::string>;

// The values of one result row, in column order. Thread-safety: a value; copy freely.
//
// The accessors convert rather than fail, so that code reads the same on both databases (e.g.
// PostgreSQL's SUM(BIGINT) is NUMERIC, SQLite's is INTEGER):
//   Int:    integer as is; double truncated toward zero (0 if out of range); text parsed if it is
//           a whole decimal integer, else 0; NULL → 0.
//   Double: integer converted; double as is; text parsed if it is a number, else 0; NULL → 0.
//   Text:   text as is; integer in decimal; double in shortest round-trip form; NULL → "".
// Precondition for every accessor: i < size() (asserted; out of range reads as NULL).
class Row {
 public:
  Row() = default;
  explicit Row(std::vector<Value> values) : values_(std::move(values)) {}

  size_t size() const { return values_.size(); }
  bool IsNull(size_t i) const;
  int64_t Int(size_t i) const;
  double Double(size_t i) const;
  std::string Text(size_t i) const;
  // The raw value (no conversion).
  const Value& value(size_t i) const;
  const std::vector<Value>& values() const { return values_; }

 private:
  std::vector<Value> values_;
};

enum class Dialect { kSqlite, kPostgres };

// "sqlite" or "postgresql".
std::string_view DialectName(Dialect dialect);

// One database connection. Not thread-safe: used by one thread at a time (Database hands a
// connection to one caller for the duration of a Transaction).
//
// SQL uses $1..$n placeholders in both dialects; every parameter must be used, and $k refers to
// params[k-1]. SQL without parameters may hold several statements separated by ';' (migrations);
// with parameters it must be one statement.
//
// Errors (both dialects alike):
//   AlreadyExists       a UNIQUE or PRIMARY KEY constraint was violated;
//   FailedPrecondition  another constraint was violated (FOREIGN KEY, NOT NULL, CHECK);
//   InvalidArgument     a parameter is not valid UTF-8 or holds a NUL byte, or the database
//                       rejected a value (PostgreSQL: "invalid input syntax for type bigint");
//   Unavailable         the connection is lost, or the database is busy (lock timeout,
//                       serialization failure, deadlock) — Database::Transaction retries these;
//   DataLoss            the database file is corrupt;
//   Internal            bad SQL (syntax, unknown table or column, wrong placeholder count), with
//                       the database's own message and the start of the statement.
// Error messages never contain parameter values.
class Connection {
 public:
  virtual ~Connection() = default;

  virtual Dialect dialect() const = 0;

  // Runs `sql` and returns the rows of its (last) statement, possibly none.
  virtual Result<std::vector<Row>> Query(std::string_view sql,
                                         std::span<const Value> params = {}) = 0;

  // Runs `sql` and returns the number of rows its (last) statement inserted, updated or deleted
  // (0 for other statements). Rows from RETURNING are discarded.
  virtual Result<int64_t> Exec(std::string_view sql, std::span<const Value> params = {}) = 0;

  // Runs a query expected to give exactly one row (e.g. INSERT ... RETURNING id). NotFound if it
  // gives none; Internal if it gives more than one; otherwise as Query.
  Result<Row> QueryRow(std::string_view sql, std::span<const Value> params = {});

  // Overloads so that callers can write conn.Query(sql, {int64_t{7}, "text"}).
  Result<std::vector<Row>> Query(std::string_view sql, std::initializer_list<Value> params) {
    return Query(sql, std::span<const Value>(params.begin(), params.size()));
  }
  Result<int64_t> Exec(std::string_view sql, std::initializer_list<Value> params) {
    return Exec(sql, std::span<const Value>(params.begin(), params.size()));
  }
  Result<Row> QueryRow(std::string_view sql, std::initializer_list<Value> params) {
    return QueryRow(sql, std::span<const Value>(params.begin(), params.size()));
  }
};

// A handle to the hub database: a small pool of connections. Thread-safe: any number of threads
// may call any method at once.
//
// SQLite: WAL journal, 5 s busy timeout, foreign keys on, up to 4 connections (":memory:" uses
// exactly one, since each SQLite connection to ":memory:" would see its own empty database).
// Transactions start with BEGIN IMMEDIATE, so writers are serialised.
// PostgreSQL: up to 4 libpq connections, opened on demand; transactions are SERIALIZABLE.
//
// Re-entrancy: from inside a Transaction body, use only the Connection passed to the body. Any
// call on the same Database from that thread returns Internal instead of deadlocking.
class Database {
 public:
  virtual ~Database() = default;

  // Opens the database named by `url`:
  //   "postgresql://..." or "postgres://..."  PostgreSQL (libpq URI; e.g.
  //       postgresql://user:password@127.0.0.1:5432/renkei?options=-csearch_path%3Dhub)
  //   "sqlite:PATH", a plain PATH             an SQLite file, created if missing
  //   ":memory:" or "sqlite::memory:"         a private in-memory SQLite database
  // and checks it answers. Errors: InvalidArgument for an empty URL, another scheme, or a
  // malformed PostgreSQL URL; Unavailable if it cannot connect or the file cannot be opened or
  // created; DataLoss (with the path) for a file that is not an SQLite database. Messages show
  // the URL with its password redacted. The caller owns the returned handle; it must outlive
  // every Transaction running on it.
  static Result<std::unique_ptr<Database>> Open(std::string_view url);

  virtual Dialect dialect() const = 0;

  // Runs `body` inside one transaction on one connection: BEGIN, body, COMMIT. If body returns an
  // error (or COMMIT fails) the transaction is rolled back and that error returned. If the
  // failure was the database's "try again" (SQLite busy, PostgreSQL serialization failure or
  // deadlock), the whole transaction is retried, up to 20 times with a short random backoff;
  // so `body` may run more than once and must have no effects outside the connection. After the
  // last attempt: Unavailable. Also Unavailable if no connection is free within 30 s.
  virtual Status Transaction(const std::function<Status(Connection&)>& body) = 0;

  // One statement (or, without parameters, several) outside an explicit transaction, on a
  // pooled connection; contracts as Connection's. Not retried.
  Result<std::vector<Row>> Query(std::string_view sql, std::span<const Value> params = {});
  Result<int64_t> Exec(std::string_view sql, std::span<const Value> params = {});
  Result<Row> QueryRow(std::string_view sql, std::span<const Value> params = {});
  Result<std::vector<Row>> Query(std::string_view sql, std::initializer_list<Value> params) {
    return Query(sql, std::span<const Value>(params.begin(), params.size()));
  }
  Result<int64_t> Exec(std::string_view sql, std::initializer_list<Value> params) {
    return Exec(sql, std::span<const Value>(params.begin(), params.size()));
  }
  Result<Row> QueryRow(std::string_view sql, std::initializer_list<Value> params) {
    return QueryRow(sql, std::span<const Value>(params.begin(), params.size()));
  }

 protected:
  // Runs `body` on one pooled connection in autocommit mode.
  virtual Status WithConnection(const std::function<Status(Connection&)>& body) = 0;
};

// `url` with any password replaced by "***" (the user-info password of a URI and a
// "password=" parameter), for messages and logs. Other URLs are returned unchanged.
std::string RedactUrl(std::string_view url);

}  // namespace renkei::db
