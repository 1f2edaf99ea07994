// Test helper (not part of the library): a fresh hub database for a contract test, on SQLite (a
// temporary file) or PostgreSQL (a new schema of RENKEI_TEST_POSTGRES_URL's database, which
// scripts/test.sh starts; without it PostgreSQL tests are skipped), migrated with the given
// migrations, and removed again when the test ends.
//
// Usage, in a TEST_P over ::testing::Values("sqlite", "postgres"):
//   db::TestDatabase t;
//   ASSERT_NO_FATAL_FAILURE(t.Open(GetParam(), {{3, "applications", kSchemaSql}}));
//   if (t.skipped()) return;  // (GTEST_SKIP has been called)
//   Use(*t.db());
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "db/database.h"
#include "db/migrate.h"

namespace renkei::db {

class TestDatabase {
 public:
  TestDatabase() = default;
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;
  ~TestDatabase() {
    db_.reset();
    if (admin_) (void)admin_->Exec("DROP SCHEMA " + schema_ + " CASCADE");
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
  }

  // Opens a fresh database of `kind` ("sqlite" or "postgres") and runs `migrations`. Fails the
  // test (ASSERT) on any error; skips it for "postgres" without RENKEI_TEST_POSTGRES_URL.
  void Open(const std::string& kind, const std::vector<Migration>& migrations) {
    std::string url;
    if (kind == "sqlite") {
      dir_ = std::filesystem::temp_directory_path() / ("renkei_testdb_" + UniqueSuffix());
      std::filesystem::remove_all(dir_);
      std::filesystem::create_directories(dir_);
      url = (dir_ / "hub.db").string();
    } else {
      const char* pg = std::getenv("RENKEI_TEST_POSTGRES_URL");
      if (pg == nullptr || *pg == '\0') {
        skipped_ = true;
        GTEST_SKIP() << "set RENKEI_TEST_POSTGRES_URL (bash scripts/postgres.sh start prints "
                        "one; scripts/test.sh sets it) to run on PostgreSQL";
      }
      auto admin = Database::Open(pg);
      ASSERT_TRUE(admin.ok()) << admin.status().ToString();
      schema_ = "test_" + UniqueSuffix();
      ASSERT_TRUE((*admin)->Exec("CREATE SCHEMA " + schema_).ok());
      admin_ = std::move(*admin);
      url = std::string(pg) + (std::string(pg).find('?') == std::string::npos ? "?" : "&") +
            "options=-csearch_path%3D" + schema_;
    }
    auto opened = Database::Open(url);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    db_ = std::move(*opened);
    Status migrated = Migrate(*db_, migrations);
    ASSERT_TRUE(migrated.ok()) << migrated.ToString();
  }

  bool skipped() const { return skipped_; }
  Database* db() const { return db_.get(); }
  // The SQLite file's directory ("" on PostgreSQL), for tests that need a file beside it.
  const std::filesystem::path& dir() const { return dir_; }

 private:
  static std::string UniqueSuffix() {
    static std::atomic<int> counter{0};
    std::random_device rd;
    return std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" +
           std::to_string(rd() & 0xffffff);
  }

  std::filesystem::path dir_;
  std::string schema_;
  std::unique_ptr<Database> admin_, db_;
  bool skipped_ = false;
};

}  // namespace renkei::db
