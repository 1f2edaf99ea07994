#include "audit/audit_log.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <thread>

#include "crypto/sodium.h"
#include "db/testing.h"

namespace renkei::audit {
namespace {

using nlohmann::json;
using std::chrono::system_clock;

// The audit tests run on SQLite, and on PostgreSQL too when RENKEI_TEST_POSTGRES_URL is set
// (scripts/test.sh sets it), each in a fresh database or schema.
class AuditLogTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(test_db_.Open(GetParam(), {{1, "audit", kSchemaSql}}));
    if (test_db_.skipped()) return;
    db_ = test_db_.db();
    keys_ = crypto::GenerateEd25519KeyPair();
    auto log = AuditLog::Create(db_, keys_.secret_key);
    ASSERT_TRUE(log.ok());
    log_ = std::move(*log);
  }

  void TearDown() override { log_.reset(); }

  int64_t Add(std::string actor, std::string action, json detail = json::object()) {
    Event e{std::move(actor), std::move(action), "application:1", "ok",
            "127.0.0.1",      std::move(detail)};
    auto seq = log_->Append(e, t0_ + std::chrono::seconds(next_++));
    EXPECT_TRUE(seq.ok()) << seq.status().ToString();
    return seq.ok() ? *seq : 0;
  }

  VerifyReport Check(std::string_view public_key) {
    auto r = Verify(*db_, public_key);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : VerifyReport{};
  }

  db::TestDatabase test_db_;
  db::Database* db_ = nullptr;
  crypto::Ed25519KeyPair keys_;
  std::unique_ptr<AuditLog> log_;
  // 2026-11-26T00:00:00Z
  system_clock::time_point t0_ = system_clock::from_time_t(1795651200);
  int next_ = 0;
};

TEST_P(AuditLogTest, AnEmptyLogVerifies) {
  const VerifyReport r = Check(keys_.public_key);
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.entries, 0);
}

TEST_P(AuditLogTest, EntriesChainAndVerify) {
  EXPECT_EQ(Add("u1", "auth.sign_in"), 1);
  EXPECT_EQ(Add("u2", "application.submit", {{"kind", "genome_data_use"}}), 2);
  EXPECT_EQ(Add("系統", "query.freq", {{"cohort", "age=60-69 & 疾患"}}), 3);
  const VerifyReport r = Check(keys_.public_key);
  EXPECT_TRUE(r.ok) << r.problem;
  EXPECT_EQ(r.entries, 3);
}

// The first entry's hash, recomputed with the sha256sum program from the documented layout.
TEST_P(AuditLogTest, HashIsTheDocumentedLayoutUnderSha256sum) {
  Add("u1", "auth.sign_in", {{"method", "password"}});
  auto rows = List(*db_, Query{});
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  const Entry& e = (*rows)[0];
  EXPECT_EQ(e.time, "2026-11-26T00:00:00.000Z");
  std::string layout;
  for (std::string f :
       {std::string("renkei-audit-v1"), std::string("1"), e.time, std::string("u1"),
        std::string("auth.sign_in"), std::string("application:1"), std::string("ok"),
        std::string("127.0.0.1"), std::string(R"({"method":"password"})"), std::string(64, '0')}) {
    layout += std::to_string(f.size()) + ":" + f + "\n";
  }
  const std::string file = ::testing::TempDir() + "audit_layout.txt";
  FILE* f = std::fopen(file.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  std::fwrite(layout.data(), 1, layout.size(), f);
  std::fclose(f);
  FILE* p = ::popen(("sha256sum " + file).c_str(), "r");
  ASSERT_NE(p, nullptr);
  char out[65] = {};
  ASSERT_EQ(std::fread(out, 1, 64, p), 64u);
  ::pclose(p);
  EXPECT_EQ(e.hash, std::string(out));
  EXPECT_EQ(e.prev_hash, std::string(64, '0'));
}

TEST_P(AuditLogTest, AnEditedEntryIsFound) {
  for (int i = 0; i < 5; ++i) Add("u" + std::to_string(i), "auth.sign_in");
  ASSERT_TRUE(db_->Exec("UPDATE audit_log SET outcome = 'denied' WHERE seq = 3").ok());
  const VerifyReport r = Check(keys_.public_key);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad, 3);
  EXPECT_NE(r.problem.find("changed after it was written"), std::string::npos) << r.problem;
}

TEST_P(AuditLogTest, ADeletedEntryIsFound) {
  for (int i = 0; i < 5; ++i) Add("u", "auth.sign_in");
  ASSERT_TRUE(db_->Exec("DELETE FROM audit_log WHERE seq = 2").ok());
  const VerifyReport r = Check(keys_.public_key);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad, 2);
  EXPECT_NE(r.problem.find("deleted"), std::string::npos) << r.problem;
}

TEST_P(AuditLogTest, RenumberingAfterADeletionIsFound) {
  for (int i = 0; i < 4; ++i) Add("u", "auth.sign_in");
  ASSERT_TRUE(db_->Exec("DELETE FROM audit_log WHERE seq = 2").ok());
  ASSERT_TRUE(db_->Exec("UPDATE audit_log SET seq = seq - 1 WHERE seq > 2").ok());
  const VerifyReport r = Check(keys_.public_key);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad, 2);
}

TEST_P(AuditLogTest, ATruncatedTailIsFound) {
  for (int i = 0; i < 4; ++i) Add("u", "auth.sign_in");
  ASSERT_TRUE(db_->Exec("DELETE FROM audit_log WHERE seq = 4").ok());
  VerifyReport r = Check(keys_.public_key);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.problem.find("removed from the end"), std::string::npos) << r.problem;
  // Moving the head back to entry 3 without the hub's key does not help.
  ASSERT_TRUE(db_->Exec("UPDATE audit_head SET seq = 3, hash = (SELECT hash FROM audit_log "
                        "WHERE seq = 3)")
                  .ok());
  r = Check(keys_.public_key);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.problem.find("signature"), std::string::npos) << r.problem;
}

// An attacker who can write the database but lacks the hub's key rewrites an entry and
// recomputes every hash after it: the chain is consistent again, the head signature is not.
TEST_P(AuditLogTest, AConsistentlyRewrittenChainIsFound) {
  for (int i = 0; i < 3; ++i) Add("u", "auth.sign_in");
  crypto::Ed25519KeyPair attacker = crypto::GenerateEd25519KeyPair();
  auto forged = AuditLog::Create(db_, attacker.secret_key);
  ASSERT_TRUE(forged.ok());
  ASSERT_TRUE(db_->Exec("DELETE FROM audit_log").ok());
  ASSERT_TRUE(db_->Exec("DELETE FROM audit_head").ok());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE((*forged)->Append(Event{"u", "auth.sign_in", "", "ok", "", {}}, t0_).ok());
  }
  const VerifyReport r = Check(keys_.public_key);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.problem.find("signature"), std::string::npos) << r.problem;
  EXPECT_TRUE(Check(attacker.public_key).ok);
}

TEST_P(AuditLogTest, BadEventsAreRefusedAndWriteNothing) {
  Add("u", "auth.sign_in");
  Event big{"u", "query.freq", "", "ok", "", json::object()};
  big.detail["cohort"] = std::string(70000, 'x');
  EXPECT_EQ(log_->Append(big, t0_).status().code(), StatusCode::kInvalidArgument);
  Event long_actor{std::string(5000, 'a'), "x", "", "ok", "", {}};
  EXPECT_EQ(log_->Append(long_actor, t0_).status().code(), StatusCode::kInvalidArgument);
  Event no_action{"u", "", "", "ok", "", {}};
  EXPECT_EQ(log_->Append(no_action, t0_).status().code(), StatusCode::kInvalidArgument);
  const VerifyReport r = Check(keys_.public_key);
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.entries, 1);
}

TEST_P(AuditLogTest, ListFiltersAndPages) {
  Add("alice", "auth.sign_in");
  Add("bob", "auth.sign_in_failed");
  Add("alice", "application.submit");
  Add("alice", "authz.denied");  // "auth." must not match "authz."
  Add("bob", "query.freq");
  auto all = List(*db_, Query{});
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 5u);
  EXPECT_EQ((*all)[0].seq, 5);  // newest first
  Query q;
  q.actor = "alice";
  auto alice = List(*db_, q);
  ASSERT_TRUE(alice.ok());
  EXPECT_EQ(alice->size(), 3u);
  q = Query{};
  q.action_prefix = "auth.";
  auto auth = List(*db_, q);
  ASSERT_TRUE(auth.ok());
  ASSERT_EQ(auth->size(), 2u);
  EXPECT_EQ((*auth)[0].event.action, "auth.sign_in_failed");
  q = Query{};
  q.limit = 2;
  q.before_seq = 4;
  auto page = List(*db_, q);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].seq, 3);
  EXPECT_EQ((*page)[1].seq, 2);
  q = Query{};
  q.from_time = "2026-11-26T00:00:02";
  q.to_time = "2026-11-26T00:00:04";
  auto window = List(*db_, q);
  ASSERT_TRUE(window.ok());
  EXPECT_EQ(window->size(), 2u);
  q = Query{};
  q.limit = 0;
  EXPECT_EQ(List(*db_, q).status().code(), StatusCode::kInvalidArgument);
  q.limit = 1001;
  EXPECT_EQ(List(*db_, q).status().code(), StatusCode::kInvalidArgument);
}

TEST_P(AuditLogTest, ConcurrentAppendsLeaveNoGap) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 15; ++i) {
        Event e{"t" + std::to_string(t), "query.freq", "", "ok", "", {}};
        EXPECT_TRUE(log_->Append(e, t0_).ok());
      }
    });
  }
  for (auto& th : threads) th.join();
  const VerifyReport r = Check(keys_.public_key);
  EXPECT_TRUE(r.ok) << r.problem;
  EXPECT_EQ(r.entries, 60);
}

TEST_P(AuditLogTest, QueuedAppendsAreCommittedInOrderWithTheWaitingOnes) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        Event e{"t" + std::to_string(t), "query.freq", "", "ok", "", {{"i", i}}};
        if (i % 10 == 0) {
          EXPECT_TRUE(log_->Append(e, t0_).ok());
        } else {
          EXPECT_TRUE(log_->AppendQueued(e, t0_).ok());
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_TRUE(log_->Flush().ok());
  const VerifyReport r = Check(keys_.public_key);
  EXPECT_TRUE(r.ok) << r.problem;
  EXPECT_EQ(r.entries, 200);
  // Each thread's entries keep the order it appended them in.
  Query q;
  q.limit = 1000;
  auto entries = List(*db_, q);
  ASSERT_TRUE(entries.ok());
  std::map<std::string, int> last;
  for (auto it = entries->rbegin(); it != entries->rend(); ++it) {
    const int i = json::parse(it->detail_text)["i"].get<int>();
    auto [at, fresh] = last.emplace(it->event.actor, i);
    if (!fresh) {
      EXPECT_EQ(i, at->second + 1) << it->event.actor;
    }
    at->second = i;
  }
}

TEST_P(AuditLogTest, QueuedAppendsAreRefusedWhileTheDatabaseFailsAndNoneIsLost) {
  Add("before", "auth.sign_in");
  // Writes fail while the table is away (on SQLite and PostgreSQL alike).
  ASSERT_TRUE(db_->Exec("ALTER TABLE audit_log RENAME TO audit_log_away").ok());
  int accepted = 0;
  bool refused = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!refused && std::chrono::steady_clock::now() < deadline) {
    const Status s = log_->AppendQueued(Event{"q", "query.freq", "", "ok", "", {}}, t0_);
    if (s.ok()) {
      ++accepted;
    } else {
      EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
      refused = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_TRUE(refused) << "queued appends were still accepted with a failing database";
  EXPECT_GE(accepted, 1);
  EXPECT_EQ(log_->Flush().code(), StatusCode::kUnavailable);
  ASSERT_TRUE(db_->Exec("ALTER TABLE audit_log_away RENAME TO audit_log").ok());
  // The writer retries (backing off to at most a second) and catches up.
  Status flushed = log_->Flush();
  while (!flushed.ok() && std::chrono::steady_clock::now() < deadline + std::chrono::seconds(5)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    flushed = log_->Flush();
  }
  ASSERT_TRUE(flushed.ok()) << flushed.ToString();
  EXPECT_TRUE(log_->AppendQueued(Event{"after", "query.freq", "", "ok", "", {}}, t0_).ok());
  log_.reset();  // commits what is queued
  const VerifyReport r = Check(keys_.public_key);
  EXPECT_TRUE(r.ok) << r.problem;
  EXPECT_EQ(r.entries, 1 + accepted + 1);
}

TEST_P(AuditLogTest, OversizedQueuedEventsAreRefusedAtOnce) {
  Event e{"u", "query.freq", "", "ok", "", {{"x", std::string(70 * 1024, 'a')}}};
  EXPECT_EQ(log_->AppendQueued(e, t0_).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(log_->Flush().ok());
  EXPECT_EQ(Check(keys_.public_key).entries, 0);
}

TEST_P(AuditLogTest, WrongKeysAreRefused) {
  EXPECT_EQ(AuditLog::Create(db_, "short").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(AuditLog::Create(nullptr, keys_.secret_key).status().code(),
            StatusCode::kInvalidArgument);
  Add("u", "auth.sign_in");
  EXPECT_FALSE(Check(crypto::GenerateEd25519KeyPair().public_key).ok);
}

std::string DatabaseName(const ::testing::TestParamInfo<std::string>& p) { return p.param; }

INSTANTIATE_TEST_SUITE_P(Databases, AuditLogTest, ::testing::Values("sqlite", "postgres"),
                         DatabaseName);

TEST(IsoTime, FormatsUtcWithMilliseconds) {
  EXPECT_EQ(IsoTime(system_clock::from_time_t(0)), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(IsoTime(system_clock::from_time_t(1795651200) + std::chrono::milliseconds(7)),
            "2026-11-26T00:00:00.007Z");
}

}  // namespace
}  // namespace renkei::audit
