// Internals shared by the two Database implementations; not for use outside src/db/.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "db/database.h"

namespace renkei::db::internal {

// A connection that can live in a PooledDatabase.
class PooledConnection : public Connection {
 public:
  using Connection::Exec;
  using Connection::Query;

  // The statement that opens a transaction in this dialect.
  virtual std::string_view BeginSql() const = 0;
  // True if a transaction is open on the connection.
  virtual bool InTransaction() = 0;
  // False if the connection is broken and must be discarded.
  virtual bool Healthy() = 0;

  // Set when a statement failed with the database's "try again" error (busy, serialization
  // failure, deadlock) since the last ClearRetryable.
  bool retryable_error_seen() const { return retryable_error_seen_; }
  void ClearRetryable() { retryable_error_seen_ = false; }

 protected:
  void NoteRetryable() { retryable_error_seen_ = true; }

 private:
  bool retryable_error_seen_ = false;
};

// A thread-safe pool of connections made by `factory`, at most `max_connections` open at once.
class PooledDatabase final : public Database {
 public:
  using Factory = std::function<Result<std::unique_ptr<PooledConnection>>()>;

  // `first` is an already opened connection (Open checks that the database answers).
  PooledDatabase(Dialect dialect, size_t max_connections, Factory factory,
                 std::unique_ptr<PooledConnection> first);
  ~PooledDatabase() override;

  Dialect dialect() const override { return dialect_; }
  Status Transaction(const std::function<Status(Connection&)>& body) override;

 protected:
  Status WithConnection(const std::function<Status(Connection&)>& body) override;

 private:
  class Lease;
  Result<std::unique_ptr<PooledConnection>> Acquire();
  void Release(std::unique_ptr<PooledConnection> conn);

  const Dialect dialect_;
  const size_t max_connections_;
  const Factory factory_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<PooledConnection>> idle_;  // guarded by mu_
  size_t open_ = 0;                                      // guarded by mu_; idle + leased
};

// OK if every text parameter is valid UTF-8 without NUL bytes; else InvalidArgument naming the
// parameter ($k) but not its value.
Status CheckParams(std::span<const Value> params);

// `message` with every text parameter of 4 or more bytes that occurs in it replaced by "<value>"
// (a safety net: database messages may quote the offending value).
std::string ScrubParams(std::string message, std::span<const Value> params);

// The start of `sql` for error messages: whitespace runs collapsed, at most 120 bytes.
std::string SqlSnippet(std::string_view sql);

// Shortest text that reads back as exactly `v` ("NaN", "Infinity", "-Infinity" for the
// non-finite values, as PostgreSQL writes them).
std::string FormatDouble(double v);
// Whole decimal integer → value; nullopt otherwise (including overflow).
std::optional<int64_t> ParseInt64(std::string_view s);
// A decimal or scientific number, or NaN/Infinity → value; nullopt otherwise.
std::optional<double> ParseDouble(std::string_view s);

// Implementations (sqlite_database.cc, postgres_database.cc). `path` may be ":memory:".
Result<std::unique_ptr<Database>> OpenSqlite(const std::string& path);
Result<std::unique_ptr<Database>> OpenPostgres(const std::string& url);

}  // namespace renkei::db::internal
