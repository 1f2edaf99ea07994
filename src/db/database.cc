#include "db/database.h"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <chrono>
#include <cmath>
#include <limits>
#include <random>
#include <thread>
#include <utility>

#include "db/internal.h"

namespace renkei::db {

namespace {

const Value& NullValue() {
  static const Value kNullValue;
  return kNullValue;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

}  // namespace

// --- Row ------------------------------------------------------------------------------------

const Value& Row::value(size_t i) const {
  assert(i < values_.size());
  return i < values_.size() ? values_[i] : NullValue();
}

bool Row::IsNull(size_t i) const { return std::holds_alternative<std::monostate>(value(i)); }

int64_t Row::Int(size_t i) const {
  const Value& v = value(i);
  if (const auto* n = std::get_if<int64_t>(&v)) return *n;
  if (const auto* d = std::get_if<double>(&v)) {
    // 2^63 is exactly representable; anything outside [-2^63, 2^63) does not fit.
    constexpr double kTwo63 = 9223372036854775808.0;
    if (!std::isfinite(*d) || *d >= kTwo63 || *d < -kTwo63) return 0;
    return static_cast<int64_t>(*d);
  }
  if (const auto* s = std::get_if<std::string>(&v)) return internal::ParseInt64(*s).value_or(0);
  return 0;
}

double Row::Double(size_t i) const {
  const Value& v = value(i);
  if (const auto* n = std::get_if<int64_t>(&v)) return static_cast<double>(*n);
  if (const auto* d = std::get_if<double>(&v)) return *d;
  if (const auto* s = std::get_if<std::string>(&v)) return internal::ParseDouble(*s).value_or(0);
  return 0;
}

std::string Row::Text(size_t i) const {
  const Value& v = value(i);
  if (const auto* n = std::get_if<int64_t>(&v)) return std::to_string(*n);
  if (const auto* d = std::get_if<double>(&v)) return internal::FormatDouble(*d);
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  return "";
}

std::string_view DialectName(Dialect dialect) {
  return dialect == Dialect::kSqlite ? "sqlite" : "postgresql";
}

// --- Connection and Database conveniences ----------------------------------------------------

Result<Row> Connection::QueryRow(std::string_view sql, std::span<const Value> params) {
  ASSIGN_OR_RETURN(std::vector<Row> rows, Query(sql, params));
  if (rows.empty()) return NotFound("query returned no row: " + internal::SqlSnippet(sql));
  if (rows.size() > 1) {
    return Internal("query returned " + std::to_string(rows.size()) +
                    " rows where one was expected: " + internal::SqlSnippet(sql));
  }
  return std::move(rows.front());
}

Result<std::vector<Row>> Database::Query(std::string_view sql, std::span<const Value> params) {
  std::vector<Row> rows;
  RETURN_IF_ERROR(WithConnection([&](Connection& conn) -> Status {
    ASSIGN_OR_RETURN(rows, conn.Query(sql, params));
    return Status::Ok();
  }));
  return rows;
}

Result<int64_t> Database::Exec(std::string_view sql, std::span<const Value> params) {
  int64_t affected = 0;
  RETURN_IF_ERROR(WithConnection([&](Connection& conn) -> Status {
    ASSIGN_OR_RETURN(affected, conn.Exec(sql, params));
    return Status::Ok();
  }));
  return affected;
}

Result<Row> Database::QueryRow(std::string_view sql, std::span<const Value> params) {
  Row row;
  RETURN_IF_ERROR(WithConnection([&](Connection& conn) -> Status {
    ASSIGN_OR_RETURN(row, conn.QueryRow(sql, params));
    return Status::Ok();
  }));
  return row;
}

Result<std::unique_ptr<Database>> Database::Open(std::string_view url) {
  if (url.empty()) return InvalidArgument("empty database URL");
  if (StartsWith(url, "postgresql://") || StartsWith(url, "postgres://")) {
    return internal::OpenPostgres(std::string(url));
  }
  std::string_view path = url;
  if (StartsWith(url, "sqlite:")) {
    path = url.substr(7);
    if (path.empty()) return InvalidArgument("database URL 'sqlite:' names no file");
  } else if (size_t colon = url.find("://"); colon != std::string_view::npos) {
    return InvalidArgument("unsupported database URL scheme '" + std::string(url.substr(0, colon)) +
                           "' (use postgresql://..., sqlite:PATH, a file path or :memory:)");
  }
  return internal::OpenSqlite(std::string(path));
}

std::string RedactUrl(std::string_view url) {
  std::string out(url);
  // User-info password: scheme://user:password@host...
  if (size_t scheme = out.find("://"); scheme != std::string::npos) {
    size_t start = scheme + 3;
    size_t end = out.find_first_of("/?#", start);
    if (end == std::string::npos) end = out.size();
    size_t at = out.rfind('@', end == 0 ? 0 : end - 1);
    if (at != std::string::npos && at >= start) {
      size_t colon = out.find(':', start);
      if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
    }
  }
  // "password=" parameters (URI query or key=value connection string).
  constexpr std::string_view kKey = "password=";
  for (size_t pos = out.find(kKey); pos != std::string::npos; pos = out.find(kKey, pos + 1)) {
    if (pos > 0 && std::string_view("?& \t").find(out[pos - 1]) == std::string_view::npos) {
      continue;
    }
    size_t value = pos + kKey.size();
    size_t end = out.find_first_of("& \t#", value);
    if (end == std::string::npos) end = out.size();
    out.replace(value, end - value, "***");
  }
  return out;
}

namespace internal {

// --- Helpers ---------------------------------------------------------------------------------

namespace {

// True if `s` is well-formed UTF-8 (no overlong forms, surrogates or code points > U+10FFFF).
bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t len;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (size_t k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static constexpr uint32_t kMinForLength[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

}  // namespace

Status CheckParams(std::span<const Value> params) {
  for (size_t k = 0; k < params.size(); ++k) {
    const auto* s = std::get_if<std::string>(&params[k]);
    if (s == nullptr) continue;
    if (s->find('\0') != std::string::npos) {
      return InvalidArgument("parameter $" + std::to_string(k + 1) +
                             " contains a NUL byte (store bytes as hex or base64 text)");
    }
    if (!IsValidUtf8(*s)) {
      return InvalidArgument("parameter $" + std::to_string(k + 1) +
                             " is not valid UTF-8 (store bytes as hex or base64 text)");
    }
  }
  return Status::Ok();
}

std::string ScrubParams(std::string message, std::span<const Value> params) {
  for (const Value& v : params) {
    const auto* s = std::get_if<std::string>(&v);
    if (s == nullptr || s->size() < 4) continue;
    for (size_t pos = message.find(*s); pos != std::string::npos; pos = message.find(*s, pos)) {
      message.replace(pos, s->size(), "<value>");
      pos += 7;
    }
  }
  return message;
}

std::string SqlSnippet(std::string_view sql) {
  constexpr size_t kMax = 120;
  std::string out;
  bool space = false;
  for (char c : sql) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
    if (out.size() >= kMax) {
      out += "...";
      break;
    }
  }
  return out;
}

std::string FormatDouble(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : std::string("NaN");
}

std::optional<int64_t> ParseInt64(std::string_view s) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::optional<double> ParseDouble(std::string_view s) {
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

// --- PooledDatabase --------------------------------------------------------------------------

namespace {

constexpr int kMaxAttempts = 20;
constexpr auto kAcquireTimeout = std::chrono::seconds(30);

// The databases whose connection this thread holds (to refuse re-entrant use, which would
// deadlock on a one-connection pool and wait on SQLite's write lock held by this very thread).
thread_local std::vector<const Database*> t_leased;

// Sleeps a random time that grows with the attempt number (1-128 ms), so that transactions that
// collided do not collide again in lock step.
void Backoff(int attempt) {
  thread_local std::minstd_rand rng(std::random_device{}());
  int cap_ms = 1 << std::min(attempt, 7);
  std::uniform_int_distribution<int> dist(cap_ms * 500, cap_ms * 1000);
  std::this_thread::sleep_for(std::chrono::microseconds(dist(rng)));
}

}  // namespace

// A connection taken from the pool; returns it on destruction.
class PooledDatabase::Lease {
 public:
  Lease(PooledDatabase* db, std::unique_ptr<PooledConnection> conn)
      : db_(db), conn_(std::move(conn)) {
    t_leased.push_back(db_);
  }
  ~Lease() {
    auto it = std::find(t_leased.begin(), t_leased.end(), db_);
    if (it != t_leased.end()) t_leased.erase(it);
    db_->Release(std::move(conn_));
  }
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;

  PooledConnection& conn() { return *conn_; }

 private:
  PooledDatabase* db_;
  std::unique_ptr<PooledConnection> conn_;
};

PooledDatabase::PooledDatabase(Dialect dialect, size_t max_connections, Factory factory,
                               std::unique_ptr<PooledConnection> first)
    : dialect_(dialect),
      max_connections_(std::max<size_t>(1, max_connections)),
      factory_(std::move(factory)) {
  if (first) {
    idle_.push_back(std::move(first));
    open_ = 1;
  }
}

PooledDatabase::~PooledDatabase() {
  std::lock_guard<std::mutex> lock(mu_);
  assert(idle_.size() == open_ && "Database destroyed while a connection is in use");
  idle_.clear();
}

Result<std::unique_ptr<PooledConnection>> PooledDatabase::Acquire() {
  if (std::find(t_leased.begin(), t_leased.end(), this) != t_leased.end()) {
    return Internal(
        "re-entrant use of the Database from inside a Transaction body; use the Connection "
        "passed to the body");
  }
  std::unique_lock<std::mutex> lock(mu_);
  auto deadline = std::chrono::steady_clock::now() + kAcquireTimeout;
  while (true) {
    if (!idle_.empty()) {
      std::unique_ptr<PooledConnection> conn = std::move(idle_.back());
      idle_.pop_back();
      return conn;
    }
    if (open_ < max_connections_) {
      ++open_;
      lock.unlock();
      Result<std::unique_ptr<PooledConnection>> conn = factory_();
      if (!conn.ok()) {
        lock.lock();
        --open_;
        cv_.notify_one();
      }
      return conn;
    }
    if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
        open_ >= max_connections_) {
      return Unavailable("no database connection became free within 30 s");
    }
  }
}

void PooledDatabase::Release(std::unique_ptr<PooledConnection> conn) {
  if (conn == nullptr) return;
  // A body that left a transaction open (or a failed ROLLBACK) must not leak into the next user.
  if (conn->InTransaction()) (void)conn->Exec("ROLLBACK");
  std::unique_ptr<PooledConnection> discard;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (conn->Healthy() && !conn->InTransaction()) {
      idle_.push_back(std::move(conn));
    } else {
      discard = std::move(conn);
      --open_;
    }
  }
  cv_.notify_one();
}  // `discard` closes outside the lock

Status PooledDatabase::WithConnection(const std::function<Status(Connection&)>& body) {
  ASSIGN_OR_RETURN(std::unique_ptr<PooledConnection> conn, Acquire());
  Lease lease(this, std::move(conn));
  return body(lease.conn());
}

Status PooledDatabase::Transaction(const std::function<Status(Connection&)>& body) {
  Status last;
  for (int attempt = 1; attempt <= kMaxAttempts; ++attempt) {
    bool retry = false;
    {
      ASSIGN_OR_RETURN(std::unique_ptr<PooledConnection> taken, Acquire());
      Lease lease(this, std::move(taken));
      PooledConnection& conn = lease.conn();
      conn.ClearRetryable();
      last = conn.Exec(conn.BeginSql()).status();
      if (last.ok()) last = body(conn);
      if (last.ok()) last = conn.Exec("COMMIT").status();
      if (last.ok()) return last;
      if (conn.InTransaction()) (void)conn.Exec("ROLLBACK");
      retry = conn.retryable_error_seen();
    }
    if (!retry) return last;
    if (attempt < kMaxAttempts) Backoff(attempt);
  }
  return Unavailable("database busy: transaction gave up after " + std::to_string(kMaxAttempts) +
                     " attempts; last error: " + last.ToString());
}

}  // namespace internal
}  // namespace renkei::db
