// Contract tests of the hub database: one parameterised suite run against SQLite (a temporary
// file, and :memory:) and against PostgreSQL when RENKEI_TEST_POSTGRES_URL is set (scripts/test.sh
// sets it; by hand: export RENKEI_TEST_POSTGRES_URL=$(bash scripts/postgres.sh start)).
#include "db/database.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <ostream>
#include <random>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "db/migrate.h"

namespace renkei::db {
namespace {

enum class Backend { kSqliteFile, kSqliteMemory, kPostgres };

std::string BackendName(Backend backend) {
  switch (backend) {
    case Backend::kSqliteFile:
      return "SqliteFile";
    case Backend::kSqliteMemory:
      return "SqliteMemory";
    case Backend::kPostgres:
      return "Postgres";
  }
  return "Unknown";
}

// Names the backend in test names and in CTest's listing (instead of the enum's bytes).
void PrintTo(Backend backend, std::ostream* os) { *os << BackendName(backend); }
std::string ParamName(const testing::TestParamInfo<Backend>& param) {
  return BackendName(param.param);
}

std::string UniqueSuffix() {
  static std::atomic<int> counter{0};
  std::random_device rd;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%d_%d_%08x", static_cast<int>(getpid()), counter++, rd());
  return buf;
}

// A fresh directory, removed with its contents on destruction.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "renkei_db_XXXXXX").string();
    std::vector<char> buf(pattern.begin(), pattern.end());
    buf.push_back('\0');
    char* made = mkdtemp(buf.data());
    EXPECT_NE(made, nullptr);
    path_ = made ? made : "/nonexistent";
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string ToLower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The schema the contract tests use, applied through Migrate (which also exercises {{id}}).
const std::vector<Migration>& BaseMigrations() {
  static const std::vector<Migration> kMigrations = {
      {1, "values", "CREATE TABLE vals (id {{id}}, i BIGINT, d DOUBLE PRECISION, t TEXT)"},
      {2, "users_and_sessions",
       "CREATE TABLE users (id {{id}}, email TEXT NOT NULL UNIQUE, name TEXT);\n"
       "CREATE TABLE sessions (id {{id}}, user_id BIGINT NOT NULL REFERENCES users (id),\n"
       "                       token TEXT NOT NULL);"},
      {3, "counter",
       "CREATE TABLE counter (id BIGINT PRIMARY KEY, n BIGINT NOT NULL);\n"
       "INSERT INTO counter (id, n) VALUES (1, 0);"},
  };
  return kMigrations;
}

class DatabaseContract : public testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    switch (GetParam()) {
      case Backend::kSqliteFile:
        dir_ = std::make_unique<TempDir>();
        url_ = "sqlite:" + dir_->path() + "/hub.db";
        break;
      case Backend::kSqliteMemory:
        url_ = ":memory:";
        break;
      case Backend::kPostgres: {
        const char* base = std::getenv("RENKEI_TEST_POSTGRES_URL");
        if (base == nullptr || *base == '\0') {
          GTEST_SKIP() << "PostgreSQL contract tests skipped: RENKEI_TEST_POSTGRES_URL is not set. "
                          "Run scripts/test.sh, or by hand: export RENKEI_TEST_POSTGRES_URL="
                          "$(bash scripts/postgres.sh start)";
        }
        auto admin = Database::Open(base);
        ASSERT_TRUE(admin.ok()) << admin.status().ToString();
        admin_ = std::move(*admin);
        // A schema of its own per test, so that runs (and parallel tests) do not interfere.
        schema_ = "renkei_test_" + UniqueSuffix();
        auto created = admin_->Exec("CREATE SCHEMA " + schema_);
        ASSERT_TRUE(created.ok()) << created.status().ToString();
        std::string url = base;
        url += url.find('?') == std::string::npos ? "?" : "&";
        url_ = url + "options=-csearch_path%3D" + schema_;
        break;
      }
    }
    auto db = Database::Open(url_);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
  }

  void TearDown() override {
    db_.reset();
    if (admin_) {
      auto dropped = admin_->Exec("DROP SCHEMA " + schema_ + " CASCADE");
      EXPECT_TRUE(dropped.ok()) << dropped.status().ToString();
    }
  }

  Database& db() { return *db_; }

  void ApplyBase() {
    Status st = Migrate(*db_, BaseMigrations());
    ASSERT_TRUE(st.ok()) << st.ToString();
  }

  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<Database> admin_;
  std::string schema_;
  std::string url_;
  std::unique_ptr<Database> db_;
};

TEST_P(DatabaseContract, ReportsItsDialect) {
  Dialect expected = GetParam() == Backend::kPostgres ? Dialect::kPostgres : Dialect::kSqlite;
  EXPECT_EQ(db().dialect(), expected);
  EXPECT_EQ(DialectName(expected), GetParam() == Backend::kPostgres ? "postgresql" : "sqlite");
}

TEST_P(DatabaseContract, ValuesRoundTripThroughColumns) {
  ApplyBase();
  const std::string japanese =
      "連携基盤・東北メディカル・メガバンク";  // 4+1+2+5+1+5 = 18 characters
  struct Case {
    Value i, d, t;
  };
  const std::vector<Case> cases = {
      {std::monostate{}, std::monostate{}, std::monostate{}},
      {std::numeric_limits<int64_t>::min(), 0.1, japanese},
      {std::numeric_limits<int64_t>::max(), -2.5e300, std::string()},
      {int64_t{-1}, 1.0 / 3.0, std::string("tab\there, quote ' and \" and $1")},
      {int64_t{0}, 5e-324, std::string("🧬 genome")},
  };
  for (const Case& c : cases) {
    auto inserted = db().QueryRow("INSERT INTO vals (i, d, t) VALUES ($1, $2, $3) RETURNING id",
                                  {c.i, c.d, c.t});
    ASSERT_TRUE(inserted.ok()) << inserted.status().ToString();
    auto row = db().QueryRow("SELECT i, d, t FROM vals WHERE id = $1", {inserted->Int(0)});
    ASSERT_TRUE(row.ok()) << row.status().ToString();
    EXPECT_EQ(row->value(0), c.i);
    EXPECT_EQ(row->value(1), c.d);
    EXPECT_EQ(row->value(2), c.t);
  }
  // The empty string is not NULL (unlike Oracle); the Japanese text is 18 characters (54 bytes).
  auto empty = db().QueryRow("SELECT count(*) FROM vals WHERE t = $1", {std::string()});
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_EQ(empty->Int(0), 1);
  auto nulls = db().QueryRow("SELECT count(*) FROM vals WHERE t IS NULL");
  ASSERT_TRUE(nulls.ok()) << nulls.status().ToString();
  EXPECT_EQ(nulls->Int(0), 1);
  auto length = db().QueryRow("SELECT length(t) FROM vals WHERE t = $1", {japanese});
  ASSERT_TRUE(length.ok()) << length.status().ToString();
  EXPECT_EQ(length->Int(0), 18);
}

TEST_P(DatabaseContract, ParametersAndExpressionsComeBackTyped) {
  auto row = db().QueryRow("SELECT $1, $2, $3, $4, 1 = 1, 1 = 2",
                           {int64_t{-42}, 2.5, "テキスト", std::monostate{}});
  ASSERT_TRUE(row.ok()) << row.status().ToString();
  ASSERT_EQ(row->size(), 6u);
  EXPECT_EQ(row->value(0), Value(int64_t{-42}));
  EXPECT_EQ(row->value(1), Value(2.5));
  EXPECT_EQ(row->value(2), Value(std::string("テキスト")));
  EXPECT_TRUE(row->IsNull(3));
  // Booleans read as 1 and 0 in both dialects (PostgreSQL's 't'/'f' are converted).
  EXPECT_EQ(row->Int(4), 1);
  EXPECT_EQ(row->Int(5), 0);
}

TEST_P(DatabaseContract, AggregatesReadAsIntegers) {
  ApplyBase();
  for (int64_t v : {int64_t{5}, int64_t{7}, int64_t{1} << 40}) {
    ASSERT_TRUE(db().Exec("INSERT INTO vals (i) VALUES ($1)", {v}).ok());
  }
  // PostgreSQL's SUM(BIGINT) is NUMERIC; the row still reads it as an exact integer.
  auto row = db().QueryRow("SELECT count(*), SUM(i), MAX(i) FROM vals");
  ASSERT_TRUE(row.ok()) << row.status().ToString();
  EXPECT_EQ(row->value(0), Value(int64_t{3}));
  EXPECT_EQ(row->value(1), Value(int64_t{12} + (int64_t{1} << 40)));
  EXPECT_EQ(row->value(2), Value(int64_t{1} << 40));
}

TEST_P(DatabaseContract, ReturningGivesIdsFromOne) {
  ApplyBase();
  for (int64_t expected = 1; expected <= 3; ++expected) {
    auto row = db().QueryRow("INSERT INTO users (email, name) VALUES ($1, $2) RETURNING id",
                             {"user" + std::to_string(expected) + "@example.org", "name"});
    ASSERT_TRUE(row.ok()) << row.status().ToString();
    EXPECT_EQ(row->Int(0), expected);
  }
}

TEST_P(DatabaseContract, UniqueViolationIsAlreadyExistsWithoutTheValue) {
  ApplyBase();
  const std::string email = "alice.secret.address@example.org";
  ASSERT_TRUE(db().Exec("INSERT INTO users (email) VALUES ($1)", {email}).ok());
  auto again = db().Exec("INSERT INTO users (email) VALUES ($1)", {email});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists) << again.status().ToString();
  EXPECT_NE(ToLower(again.status().message()).find("unique"), std::string::npos)
      << again.status().ToString();
  EXPECT_EQ(again.status().message().find("alice"), std::string::npos) << again.status().ToString();
}

TEST_P(DatabaseContract, OtherConstraintViolationsAreFailedPrecondition) {
  ApplyBase();
  // Foreign keys are enforced (SQLite needs PRAGMA foreign_keys per connection).
  auto orphan = db().Exec("INSERT INTO sessions (user_id, token) VALUES ($1, $2)",
                          {int64_t{999}, "token-value"});
  ASSERT_FALSE(orphan.ok());
  EXPECT_EQ(orphan.status().code(), StatusCode::kFailedPrecondition) << orphan.status().ToString();
  auto missing = db().Exec("INSERT INTO users (name) VALUES ($1)", {"no email"});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kFailedPrecondition)
      << missing.status().ToString();
}

TEST_P(DatabaseContract, UpsertAndAffectedRowCounts) {
  ApplyBase();
  const char* insert = "INSERT INTO users (email, name) VALUES ($1, $2)";
  auto n = db().Exec(insert, {"a@example.org", "A"});
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(*n, 1);
  ASSERT_TRUE(db().Exec(insert, {"b@example.org", "B"}).ok());

  n = db().Exec("INSERT INTO users (email, name) VALUES ($1, $2) ON CONFLICT (email) DO NOTHING",
                {"a@example.org", "ignored"});
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(*n, 0);
  n = db().Exec(
      "INSERT INTO users (email, name) VALUES ($1, $2) "
      "ON CONFLICT (email) DO UPDATE SET name = excluded.name",
      {"a@example.org", "A2"});
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(*n, 1);
  auto name = db().QueryRow("SELECT name FROM users WHERE email = $1", {"a@example.org"});
  ASSERT_TRUE(name.ok()) << name.status().ToString();
  EXPECT_EQ(name->Text(0), "A2");

  n = db().Exec("UPDATE users SET name = $1", {"same"});
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(*n, 2);
  n = db().Exec("SELECT * FROM users");
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(*n, 0);
  n = db().Exec("DELETE FROM users WHERE email = $1", {"b@example.org"});
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(*n, 1);
  n = db().Exec("CREATE TABLE extra (x BIGINT)");
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(*n, 0);
}

TEST_P(DatabaseContract, QueryRowWantsExactlyOneRow) {
  ApplyBase();
  auto none = db().QueryRow("SELECT id FROM users WHERE email = $1", {"nobody@example.org"});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), StatusCode::kNotFound) << none.status().ToString();
  ASSERT_TRUE(
      db().Exec("INSERT INTO users (email) VALUES ('x@example.org'), ('y@example.org')").ok());
  auto two = db().QueryRow("SELECT id FROM users");
  ASSERT_FALSE(two.ok());
  EXPECT_EQ(two.status().code(), StatusCode::kInternal) << two.status().ToString();
}

TEST_P(DatabaseContract, TransactionCommitsAndSeesItsOwnWrites) {
  ApplyBase();
  Status st = db().Transaction([](Connection& conn) -> Status {
    RETURN_IF_ERROR(conn.Exec("INSERT INTO users (email) VALUES ($1)", {"a@example.org"}).status());
    RETURN_IF_ERROR(conn.Exec("INSERT INTO users (email) VALUES ($1)", {"b@example.org"}).status());
    ASSIGN_OR_RETURN(Row row, conn.QueryRow("SELECT count(*) FROM users"));
    if (row.Int(0) != 2) return Internal("own writes not visible");
    return Status::Ok();
  });
  ASSERT_TRUE(st.ok()) << st.ToString();
  auto count = db().QueryRow("SELECT count(*) FROM users");
  ASSERT_TRUE(count.ok()) << count.status().ToString();
  EXPECT_EQ(count->Int(0), 2);
}

TEST_P(DatabaseContract, TransactionRollsBackWhenTheBodyFails) {
  ApplyBase();
  int runs = 0;
  Status st = db().Transaction([&](Connection& conn) -> Status {
    ++runs;
    RETURN_IF_ERROR(conn.Exec("INSERT INTO users (email) VALUES ($1)", {"a@example.org"}).status());
    return NotFound("application says no");
  });
  // The body's own error comes back unchanged, the body ran once, and its insert is gone.
  EXPECT_EQ(st.code(), StatusCode::kNotFound);
  EXPECT_EQ(st.message(), "application says no");
  EXPECT_EQ(runs, 1);
  auto count = db().QueryRow("SELECT count(*) FROM users");
  ASSERT_TRUE(count.ok()) << count.status().ToString();
  EXPECT_EQ(count->Int(0), 0);

  // A failing statement inside the body rolls back the statements before it.
  ASSERT_TRUE(db().Exec("INSERT INTO users (email) VALUES ($1)", {"taken@example.org"}).ok());
  st = db().Transaction([](Connection& conn) -> Status {
    RETURN_IF_ERROR(
        conn.Exec("INSERT INTO users (email) VALUES ($1)", {"new@example.org"}).status());
    return conn.Exec("INSERT INTO users (email) VALUES ($1)", {"taken@example.org"}).status();
  });
  EXPECT_EQ(st.code(), StatusCode::kAlreadyExists) << st.ToString();
  count = db().QueryRow("SELECT count(*) FROM users");
  ASSERT_TRUE(count.ok()) << count.status().ToString();
  EXPECT_EQ(count->Int(0), 1);

  // The connection went back to the pool in a usable state.
  st = db().Transaction([](Connection& conn) -> Status {
    return conn.Exec("INSERT INTO users (email) VALUES ($1)", {"later@example.org"}).status();
  });
  EXPECT_TRUE(st.ok()) << st.ToString();
}

TEST_P(DatabaseContract, ConcurrentTransactionsLoseNoUpdate) {
  ApplyBase();
  constexpr int kThreads = 4;
  constexpr int kIncrements = 25;
  std::vector<std::thread> threads;
  std::vector<Status> failures(kThreads);
  std::atomic<int> body_runs{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t, &failures, &body_runs] {
      for (int k = 0; k < kIncrements; ++k) {
        // Read, then write what was read plus one: a lost update shows as a smaller total.
        Status st = db().Transaction([&body_runs](Connection& conn) -> Status {
          ++body_runs;
          ASSIGN_OR_RETURN(Row row, conn.QueryRow("SELECT n FROM counter WHERE id = 1"));
          return conn.Exec("UPDATE counter SET n = $1 WHERE id = 1", {row.Int(0) + 1}).status();
        });
        if (!st.ok()) {
          failures[t] = st;
          return;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (const Status& st : failures) EXPECT_TRUE(st.ok()) << st.ToString();
  auto row = db().QueryRow("SELECT n FROM counter WHERE id = 1");
  ASSERT_TRUE(row.ok()) << row.status().ToString();
  EXPECT_EQ(row->Int(0), kThreads * kIncrements);
  // More runs than increments means conflicts were detected and retried (PostgreSQL).
  RecordProperty("body_runs", body_runs.load());
}

TEST_P(DatabaseContract, ReentrantUseInsideATransactionIsRefused) {
  Status inner;
  Status st = db().Transaction([&](Connection& conn) -> Status {
    inner = db().Query("SELECT 1").status();
    return conn.Query("SELECT 1").status();
  });
  EXPECT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(inner.code(), StatusCode::kInternal);
  EXPECT_NE(inner.message().find("re-entrant"), std::string::npos) << inner.ToString();
  // Outside the body the Database works again.
  EXPECT_TRUE(db().Query("SELECT 1").ok());
}

TEST_P(DatabaseContract, MigrateAppliesAFreshDatabase) {
  auto before = SchemaVersion(db());
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  EXPECT_EQ(*before, 0);
  ApplyBase();
  auto after = SchemaVersion(db());
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(*after, 3);
  auto rows =
      db().Query("SELECT version, name, applied_at FROM schema_migrations ORDER BY version");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->size(), 3u);
  const std::regex iso8601(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)");
  for (size_t k = 0; k < 3; ++k) {
    EXPECT_EQ((*rows)[k].Int(0), BaseMigrations()[k].version);
    EXPECT_EQ((*rows)[k].Text(1), BaseMigrations()[k].name);
    EXPECT_TRUE(std::regex_match((*rows)[k].Text(2), iso8601)) << (*rows)[k].Text(2);
  }
  // Every migration's statements ran, including the second statement of migration 3.
  auto counter = db().QueryRow("SELECT n FROM counter WHERE id = 1");
  ASSERT_TRUE(counter.ok()) << counter.status().ToString();
  EXPECT_EQ(counter->Int(0), 0);
}

TEST_P(DatabaseContract, MigrateAgainIsANoOp) {
  ApplyBase();
  // Migration 3 inserts counter row 1: running it twice would be a primary key violation.
  ApplyBase();
  auto count = db().QueryRow("SELECT count(*) FROM schema_migrations");
  ASSERT_TRUE(count.ok()) << count.status().ToString();
  EXPECT_EQ(count->Int(0), 3);
}

TEST_P(DatabaseContract, MigrateAppliesOnlyNewerMigrations) {
  std::vector<Migration> first_two(BaseMigrations().begin(), BaseMigrations().begin() + 2);
  ASSERT_TRUE(Migrate(db(), first_two).ok());
  auto version = SchemaVersion(db());
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(*version, 2);
  EXPECT_FALSE(db().Query("SELECT n FROM counter").ok());
  ApplyBase();
  version = SchemaVersion(db());
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(*version, 3);
  EXPECT_TRUE(db().Query("SELECT n FROM counter").ok());
}

TEST_P(DatabaseContract, MigrateRefusesANewerDatabase) {
  ApplyBase();
  std::vector<Migration> older(BaseMigrations().begin(), BaseMigrations().begin() + 2);
  Status st = Migrate(db(), older);
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition) << st.ToString();
  EXPECT_NE(st.message().find("version 3"), std::string::npos) << st.ToString();
  EXPECT_NE(st.message().find("newer"), std::string::npos) << st.ToString();
}

TEST_P(DatabaseContract, MigrateRefusesARenamedMigration) {
  ApplyBase();
  std::vector<Migration> renamed = BaseMigrations();
  renamed[1].name = "something_else";
  Status st = Migrate(db(), renamed);
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition) << st.ToString();
  EXPECT_NE(st.message().find("something_else"), std::string::npos) << st.ToString();
}

TEST_P(DatabaseContract, FailingMigrationLeavesTheVersionUnchanged) {
  ApplyBase();
  std::vector<Migration> migrations = BaseMigrations();
  migrations.push_back({4, "broken",
                        "CREATE TABLE extra (x BIGINT);\n"
                        "INSERT INTO no_such_table (x) VALUES (1);"});
  Status st = Migrate(db(), migrations);
  EXPECT_EQ(st.code(), StatusCode::kInternal) << st.ToString();
  EXPECT_NE(st.message().find("migration 4 (broken)"), std::string::npos) << st.ToString();
  EXPECT_NE(st.message().find("no_such_table"), std::string::npos) << st.ToString();
  auto version = SchemaVersion(db());
  ASSERT_TRUE(version.ok()) << version.status().ToString();
  EXPECT_EQ(*version, 3);
  // The migration's first statement was rolled back with it.
  EXPECT_FALSE(db().Query("SELECT x FROM extra").ok());
}

TEST_P(DatabaseContract, MigrateRejectsAMalformedList) {
  std::vector<Migration> unordered = {{2, "b", "SELECT 1"}, {1, "a", "SELECT 1"}};
  EXPECT_EQ(Migrate(db(), unordered).code(), StatusCode::kInvalidArgument);
  std::vector<Migration> zero = {{0, "a", "SELECT 1"}};
  EXPECT_EQ(Migrate(db(), zero).code(), StatusCode::kInvalidArgument);
  std::vector<Migration> unnamed = {{1, "", "SELECT 1"}};
  EXPECT_EQ(Migrate(db(), unnamed).code(), StatusCode::kInvalidArgument);
  auto version = SchemaVersion(db());
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(*version, 0);
}

TEST_P(DatabaseContract, BadSqlIsInternalWithTheDatabasesMessage) {
  auto r = db().Query("SELEC 1");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
  EXPECT_NE(r.status().message().find("syntax error"), std::string::npos) << r.status().ToString();
  EXPECT_NE(r.status().message().find("SELEC"), std::string::npos) << r.status().ToString();
}

TEST_P(DatabaseContract, ErrorMessagesNeverContainParameterValues) {
  const std::string secret = "correct-horse-battery-staple";
  auto r = db().Query("SELECT * FROM no_such_table WHERE x = $1", {secret});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
  EXPECT_NE(r.status().message().find("no_such_table"), std::string::npos) << r.status().ToString();
  EXPECT_EQ(r.status().message().find(secret), std::string::npos) << r.status().ToString();
}

TEST_P(DatabaseContract, PlaceholderCountMismatchIsInternal) {
  auto r = db().Query("SELECT $1, $2", {int64_t{1}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInternal) << r.status().ToString();
  EXPECT_NE(r.status().message().find("$2"), std::string::npos) << r.status().ToString();
}

TEST_P(DatabaseContract, SeveralStatementsWithParametersAreRefusedBeforeRunning) {
  ApplyBase();
  auto r = db().Exec(
      "INSERT INTO users (email) VALUES ($1); INSERT INTO users (email) VALUES ('b@example.org')",
      {"a@example.org"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInternal) << r.status().ToString();
  auto count = db().QueryRow("SELECT count(*) FROM users");
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(count->Int(0), 0);
}

TEST_P(DatabaseContract, TextParametersMustBeUtf8WithoutNul) {
  ApplyBase();
  const std::string bad_utf8 = "\xff\xfe-secret";
  auto r = db().Exec("INSERT INTO vals (t) VALUES ($1)", {bad_utf8});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("$1"), std::string::npos) << r.status().ToString();
  EXPECT_EQ(r.status().message().find("secret"), std::string::npos) << r.status().ToString();
  // An overlong encoding of '/' and a lone surrogate are not UTF-8 either.
  EXPECT_EQ(db().Exec("INSERT INTO vals (t) VALUES ($1)", {"\xc0\xaf"}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(db().Exec("INSERT INTO vals (t) VALUES ($1)", {"\xed\xa0\x80"}).status().code(),
            StatusCode::kInvalidArgument);
  auto nul =
      db().Exec("INSERT INTO vals (i, t) VALUES ($1, $2)", {int64_t{1}, std::string("a\0b", 3)});
  ASSERT_FALSE(nul.ok());
  EXPECT_EQ(nul.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(nul.status().message().find("$2"), std::string::npos) << nul.status().ToString();
  auto count = db().QueryRow("SELECT count(*) FROM vals");
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(count->Int(0), 0);
}

TEST_P(DatabaseContract, PostgresRejectedValuesAreInvalidArgumentWithoutTheValue) {
  if (GetParam() != Backend::kPostgres) {
    GTEST_SKIP() << "SQLite stores text in a BIGINT column (dynamic typing); nothing to reject";
  }
  ApplyBase();
  auto r = db().Exec("INSERT INTO vals (i) VALUES ($1)", {"not-a-number-secret"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << r.status().ToString();
  EXPECT_NE(r.status().message().find("bigint"), std::string::npos) << r.status().ToString();
  EXPECT_EQ(r.status().message().find("secret"), std::string::npos) << r.status().ToString();
}

TEST_P(DatabaseContract, SqliteFileUsesWriteAheadLogging) {
  if (GetParam() != Backend::kSqliteFile) GTEST_SKIP() << "only an SQLite file has a journal";
  auto row = db().QueryRow("PRAGMA journal_mode");
  ASSERT_TRUE(row.ok()) << row.status().ToString();
  EXPECT_EQ(row->Text(0), "wal");
}

INSTANTIATE_TEST_SUITE_P(Backends, DatabaseContract,
                         testing::Values(Backend::kSqliteFile, Backend::kSqliteMemory,
                                         Backend::kPostgres),
                         ParamName);

// --- Opening -------------------------------------------------------------------------------

TEST(DatabaseOpen, FileThatIsNotADatabaseIsDataLossNamingThePath) {
  TempDir dir;
  std::string path = dir.path() + "/notes.txt";
  {
    std::ofstream out(path);
    for (int k = 0; k < 100; ++k) out << "this is a text file, not an SQLite database\n";
  }
  auto db = Database::Open(path);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), StatusCode::kDataLoss) << db.status().ToString();
  EXPECT_NE(db.status().message().find(path), std::string::npos) << db.status().ToString();
  // The same through the sqlite: form.
  db = Database::Open("sqlite:" + path);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), StatusCode::kDataLoss) << db.status().ToString();
}

TEST(DatabaseOpen, FileInAMissingDirectoryIsUnavailableNamingThePath) {
  TempDir dir;
  std::string path = dir.path() + "/no/such/dir/hub.db";
  auto db = Database::Open(path);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), StatusCode::kUnavailable) << db.status().ToString();
  EXPECT_NE(db.status().message().find(path), std::string::npos) << db.status().ToString();
}

TEST(DatabaseOpen, SqliteFileIsCreatedAndKeepsData) {
  TempDir dir;
  std::string path = dir.path() + "/hub.db";
  {
    auto db = Database::Open(path);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    ASSERT_TRUE((*db)->Exec("CREATE TABLE t (x BIGINT); INSERT INTO t VALUES (7)").ok());
  }
  EXPECT_TRUE(std::filesystem::exists(path));
  auto db = Database::Open("sqlite:" + path);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  auto row = (*db)->QueryRow("SELECT x FROM t");
  ASSERT_TRUE(row.ok()) << row.status().ToString();
  EXPECT_EQ(row->Int(0), 7);
}

TEST(DatabaseOpen, MemoryFormsAreSqlite) {
  for (const char* url : {":memory:", "sqlite::memory:"}) {
    auto db = Database::Open(url);
    ASSERT_TRUE(db.ok()) << url << ": " << db.status().ToString();
    EXPECT_EQ((*db)->dialect(), Dialect::kSqlite);
  }
}

TEST(DatabaseOpen, BadUrlsAreInvalidArgument) {
  for (const char* url : {"", "sqlite:", "mysql://root@localhost/hub",
                          "postgresql://127.0.0.1:1/renkei?no_such_option=1"}) {
    auto db = Database::Open(url);
    ASSERT_FALSE(db.ok()) << url;
    EXPECT_EQ(db.status().code(), StatusCode::kInvalidArgument)
        << url << ": " << db.status().ToString();
  }
}

TEST(DatabaseOpen, UnreachablePostgresIsUnavailableWithThePasswordRedacted) {
  // Port 1 on loopback: nothing listens there, so the connection is refused at once.
  auto db = Database::Open("postgresql://renkei:hunter2-secret@127.0.0.1:1/renkei");
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), StatusCode::kUnavailable) << db.status().ToString();
  EXPECT_EQ(db.status().message().find("hunter2"), std::string::npos) << db.status().ToString();
  EXPECT_NE(db.status().message().find("renkei:***@127.0.0.1:1"), std::string::npos)
      << db.status().ToString();
  db = Database::Open("postgres://127.0.0.1:1/renkei?user=renkei&password=hunter2-secret");
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), StatusCode::kUnavailable) << db.status().ToString();
  EXPECT_EQ(db.status().message().find("hunter2"), std::string::npos) << db.status().ToString();
}

TEST(RedactUrl, HidesPasswordsOnly) {
  EXPECT_EQ(RedactUrl("postgresql://alice:s3cret@db.example.org:5432/hub"),
            "postgresql://alice:***@db.example.org:5432/hub");
  EXPECT_EQ(RedactUrl("postgresql://alice:p@ss@db/hub"), "postgresql://alice:***@db/hub");
  EXPECT_EQ(RedactUrl("postgresql://alice@db/hub"), "postgresql://alice@db/hub");
  EXPECT_EQ(RedactUrl("postgresql://db/hub?user=a&password=s3cret&sslmode=require"),
            "postgresql://db/hub?user=a&password=***&sslmode=require");
  EXPECT_EQ(RedactUrl("postgresql://db/hub?password=s3cret"), "postgresql://db/hub?password=***");
  EXPECT_EQ(RedactUrl("postgresql://db/hub?old_password=x"), "postgresql://db/hub?old_password=x");
  EXPECT_EQ(RedactUrl("sqlite:/var/lib/renkei/hub.db"), "sqlite:/var/lib/renkei/hub.db");
}

// --- Row and SQL helpers ---------------------------------------------------------------------

TEST(Row, AccessorsConvertBetweenTypes) {
  Row row({int64_t{42}, 0.1, std::string("123"), std::string("12x"), std::monostate{}, 3.9, -3.9,
           1e300, std::string("2.5")});
  EXPECT_EQ(row.size(), 9u);
  EXPECT_EQ(row.Text(0), "42");
  EXPECT_EQ(row.Double(0), 42.0);
  EXPECT_EQ(row.Text(1), "0.1");  // shortest form that reads back exactly
  EXPECT_EQ(row.Int(2), 123);
  EXPECT_EQ(row.Double(2), 123.0);
  EXPECT_EQ(row.Int(3), 0);
  EXPECT_TRUE(row.IsNull(4));
  EXPECT_FALSE(row.IsNull(0));
  EXPECT_EQ(row.Int(4), 0);
  EXPECT_EQ(row.Double(4), 0.0);
  EXPECT_EQ(row.Text(4), "");
  EXPECT_EQ(row.Int(5), 3);
  EXPECT_EQ(row.Int(6), -3);
  EXPECT_EQ(row.Int(7), 0);  // out of int64 range
  EXPECT_EQ(row.Double(8), 2.5);
}

TEST(ExpandSql, ReplacesIdTokenPerDialect) {
  const char* sql = "CREATE TABLE a (id {{id}}, x TEXT); CREATE TABLE b (id {{id}})";
  EXPECT_EQ(ExpandSql(sql, Dialect::kSqlite),
            "CREATE TABLE a (id INTEGER PRIMARY KEY AUTOINCREMENT, x TEXT); "
            "CREATE TABLE b (id INTEGER PRIMARY KEY AUTOINCREMENT)");
  EXPECT_EQ(ExpandSql(sql, Dialect::kPostgres),
            "CREATE TABLE a (id BIGSERIAL PRIMARY KEY, x TEXT); "
            "CREATE TABLE b (id BIGSERIAL PRIMARY KEY)");
}

}  // namespace
}  // namespace renkei::db
