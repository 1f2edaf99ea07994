// The PostgreSQL implementation of Database; the only file that includes libpq-fe.h.
#include <libpq-fe.h>

#include <climits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "db/internal.h"

namespace renkei::db::internal {
namespace {

constexpr size_t kMaxConnections = 4;

// Type OIDs from PostgreSQL's pg_type.dat (stable across versions).
constexpr Oid kBoolOid = 16;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kOidOid = 26;
constexpr Oid kFloat4Oid = 700;
constexpr Oid kFloat8Oid = 701;
constexpr Oid kNumericOid = 1700;

struct ConnCloser {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};
struct ResultClearer {
  void operator()(PGresult* res) const { PQclear(res); }
};
using ConnHandle = std::unique_ptr<PGconn, ConnCloser>;
using ResultHandle = std::unique_ptr<PGresult, ResultClearer>;

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

std::string TrimTrailing(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s;
}

// `message` with the content of every double-quoted span replaced, for PostgreSQL's data
// exceptions, which quote the offending input (e.g. invalid input syntax for type bigint: "x").
std::string ScrubQuoted(const std::string& message) {
  std::string out;
  bool quoted = false;
  for (char c : message) {
    if (c == '"') {
      if (!quoted) out += "\"<value>";
      quoted = !quoted;
    }
    if (!quoted) out += c;
  }
  return out;
}

// Replaces the URL and its password (as libpq decoded it) wherever they occur in `message`.
std::string ScrubSecrets(std::string message, const std::string& url, const std::string& password) {
  auto replace_all = [&message](const std::string& what, const std::string& with) {
    if (what.empty()) return;
    for (size_t pos = message.find(what); pos != std::string::npos;
         pos = message.find(what, pos + with.size())) {
      message.replace(pos, what.size(), with);
    }
  };
  replace_all(url, RedactUrl(url));
  replace_all(password, "***");
  return message;
}

class PgConnection final : public PooledConnection {
 public:
  using Connection::Exec;
  using Connection::Query;

  // Use Open.
  explicit PgConnection(ConnHandle conn) : conn_(std::move(conn)) {}

  // Connects to `url`; `password` is only used to keep it out of messages.
  static Result<std::unique_ptr<PooledConnection>> Open(const std::string& url,
                                                        const std::string& password) {
    // Defaults first: the URL's own parameters (expanded from "dbname") override them.
    const char* const keys[] = {"connect_timeout", "application_name", "client_encoding", "dbname",
                                nullptr};
    const char* const values[] = {"5", "renkei", "UTF8", url.c_str(), nullptr};
    ConnHandle conn(PQconnectdbParams(keys, values, /*expand_dbname=*/1));
    if (conn == nullptr) return Unavailable("cannot connect to PostgreSQL: out of memory");
    if (PQstatus(conn.get()) != CONNECTION_OK) {
      return Unavailable(ScrubSecrets("cannot connect to PostgreSQL at " + RedactUrl(url) + ": " +
                                          TrimTrailing(PQerrorMessage(conn.get())),
                                      url, password));
    }
    // Notices ("relation already exists, skipping") would otherwise go to stderr.
    PQsetNoticeProcessor(
        conn.get(), [](void*, const char*) {}, nullptr);
    return std::unique_ptr<PooledConnection>(std::make_unique<PgConnection>(std::move(conn)));
  }

  Dialect dialect() const override { return Dialect::kPostgres; }

  Result<std::vector<Row>> Query(std::string_view sql,
                                 std::span<const Value> params = {}) override {
    std::vector<Row> rows;
    RETURN_IF_ERROR(Run(sql, params, &rows).status());
    return rows;
  }

  Result<int64_t> Exec(std::string_view sql, std::span<const Value> params = {}) override {
    return Run(sql, params, nullptr);
  }

  std::string_view BeginSql() const override { return "BEGIN ISOLATION LEVEL SERIALIZABLE"; }
  bool InTransaction() override { return PQtransactionStatus(conn_.get()) != PQTRANS_IDLE; }
  bool Healthy() override { return PQstatus(conn_.get()) == CONNECTION_OK; }

 private:
  Status Error(const PGresult* res, std::string_view sql, std::span<const Value> params) {
    if (PQstatus(conn_.get()) != CONNECTION_OK) {
      return Unavailable("PostgreSQL connection lost: " +
                         ScrubParams(TrimTrailing(PQerrorMessage(conn_.get())), params));
    }
    const char* state_field = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
    const char* primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
    std::string state = state_field ? state_field : "";
    // Only the primary message: DETAIL and CONTEXT quote row values ("Key (email)=(...)").
    std::string text = primary ? primary : TrimTrailing(PQerrorMessage(conn_.get()));
    if (StartsWith(state, "22")) text = ScrubQuoted(text);
    std::string message = ScrubParams("PostgreSQL: " + text, params);
    if (!state.empty()) message += " (SQLSTATE " + state + ")";
    message += " [in: " + SqlSnippet(sql) + "]";
    if (state == "40001" || state == "40P01") {
      NoteRetryable();
      return Unavailable(message);
    }
    if (state == "23505") return AlreadyExists(message);
    if (StartsWith(state, "23")) return FailedPrecondition(message);
    if (StartsWith(state, "22")) return InvalidArgument(message);
    // 08P01 (protocol violation) is a caller's mistake, e.g. "bind message supplies 1
    // parameters, but prepared statement requires 2"; the rest of class 08 is a lost connection.
    if (state == "08P01") return Internal(message);
    if (StartsWith(state, "08") || StartsWith(state, "53") || StartsWith(state, "57P")) {
      return Unavailable(message);
    }
    if (state == "XX001" || state == "XX002") return DataLoss(message);
    return Internal(message);
  }

  static Value CellValue(const PGresult* res, int row, int col) {
    if (PQgetisnull(res, row, col)) return std::monostate{};
    std::string_view text(PQgetvalue(res, row, col),
                          static_cast<size_t>(PQgetlength(res, row, col)));
    switch (PQftype(res, col)) {
      case kInt8Oid:
      case kInt4Oid:
      case kInt2Oid:
      case kOidOid:
        if (auto n = ParseInt64(text)) return *n;
        break;
      case kBoolOid:
        return int64_t{text == "t" ? 1 : 0};
      case kFloat4Oid:
      case kFloat8Oid:
        if (auto d = ParseDouble(text)) return *d;
        break;
      case kNumericOid:  // SUM(BIGINT) and AVG are NUMERIC; keep whole numbers exact
        if (auto n = ParseInt64(text)) return *n;
        if (auto d = ParseDouble(text)) return *d;
        break;
      default:
        break;
    }
    return std::string(text);
  }

  Result<int64_t> Run(std::string_view sql, std::span<const Value> params, std::vector<Row>* rows) {
    RETURN_IF_ERROR(CheckParams(params));
    if (params.size() > static_cast<size_t>(INT_MAX)) return InvalidArgument("too many parameters");
    const std::string sql_text(sql);
    ResultHandle res;
    if (params.empty()) {
      // The simple protocol: allows several statements (migrations).
      res.reset(PQexec(conn_.get(), sql_text.c_str()));
    } else {
      std::vector<std::string> texts(params.size());
      std::vector<const char*> values(params.size(), nullptr);
      std::vector<Oid> types(params.size(), 0);  // 0: let the server infer (text, NULL)
      for (size_t k = 0; k < params.size(); ++k) {
        const Value& v = params[k];
        if (const auto* n = std::get_if<int64_t>(&v)) {
          texts[k] = std::to_string(*n);
          types[k] = kInt8Oid;
          values[k] = texts[k].c_str();
        } else if (const auto* d = std::get_if<double>(&v)) {
          texts[k] = FormatDouble(*d);
          types[k] = kFloat8Oid;
          values[k] = texts[k].c_str();
        } else if (const auto* s = std::get_if<std::string>(&v)) {
          values[k] = s->c_str();
        }
      }
      res.reset(PQexecParams(conn_.get(), sql_text.c_str(), static_cast<int>(params.size()),
                             types.data(), values.data(), nullptr, nullptr, /*resultFormat=*/0));
    }
    if (res == nullptr) return Error(nullptr, sql, params);
    switch (PQresultStatus(res.get())) {
      case PGRES_COMMAND_OK:
      case PGRES_TUPLES_OK:
        break;
      case PGRES_EMPTY_QUERY:
        return Internal("empty SQL statement");
      default:
        return Error(res.get(), sql, params);
    }
    if (rows) {
      rows->clear();
      int n_rows = PQntuples(res.get());
      int n_cols = PQnfields(res.get());
      rows->reserve(static_cast<size_t>(n_rows));
      for (int r = 0; r < n_rows; ++r) {
        std::vector<Value> values;
        values.reserve(static_cast<size_t>(n_cols));
        for (int c = 0; c < n_cols; ++c) values.push_back(CellValue(res.get(), r, c));
        rows->emplace_back(std::move(values));
      }
    }
    std::string_view command = PQcmdStatus(res.get());
    if (StartsWith(command, "INSERT") || StartsWith(command, "UPDATE") ||
        StartsWith(command, "DELETE") || StartsWith(command, "MERGE")) {
      return ParseInt64(PQcmdTuples(res.get())).value_or(0);
    }
    return int64_t{0};
  }

  ConnHandle conn_;
};

}  // namespace

Result<std::unique_ptr<Database>> OpenPostgres(const std::string& url) {
  // Parse first, so that a malformed URL is InvalidArgument rather than a failed connection.
  char* parse_error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &parse_error);
  if (options == nullptr) {
    std::string why = parse_error ? TrimTrailing(parse_error) : "out of memory";
    PQfreemem(parse_error);
    return InvalidArgument(
        ScrubSecrets("malformed PostgreSQL URL " + RedactUrl(url) + ": " + why, url, ""));
  }
  std::string password;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (std::string_view(o->keyword) == "password" && o->val != nullptr) password = o->val;
  }
  PQconninfoFree(options);

  ASSIGN_OR_RETURN(std::unique_ptr<PooledConnection> first, PgConnection::Open(url, password));
  PooledDatabase::Factory factory = [url, password]() { return PgConnection::Open(url, password); };
  return std::unique_ptr<Database>(std::make_unique<PooledDatabase>(
      Dialect::kPostgres, kMaxConnections, std::move(factory), std::move(first)));
}

}  // namespace renkei::db::internal
