// The append-only, hash-chained audit log of the hub (issue 4, "Audit and usage").
//
// Every entry carries the SHA-256 of its own fields and of the entry before it, so editing or
// deleting any entry breaks the chain from there on. The chain alone cannot reveal a truncated
// tail or a chain rewritten from the start, so the newest (sequence, hash) — the head — is also
// signed with the hub's Ed25519 key in the same transaction: without that key, neither goes
// unnoticed. Verify() checks all of it; `renkei admin audit verify` runs it.
//
// What is hashed (version 1), each field as "<decimal byte length>:<bytes>\n" in this order:
//   "renkei-audit-v1", seq, time, actor, action, target, outcome, address, detail, prev_hash
// (prev_hash of the first entry is 64 zeros). The head signature covers
//   "renkei-audit-head-v1\n<seq>\n<hash>".
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/status.h"
#include "db/database.h"
#include "db/migrate.h"

namespace renkei::audit {

// What happened. Bounded: each text field at most 4 KiB and the detail at most 64 KiB once
// serialised (InvalidArgument otherwise); the log is not a place for bulk data.
struct Event {
  std::string actor;    // user id; "anonymous" or "system" when there is none
  std::string action;   // dotted verb: "auth.sign_in", "application.submit", "query.freq", …
  std::string target;   // the object acted on ("application:42", "user:7"); may be empty
  std::string outcome;  // "ok", "denied" (refused by a rule) or "failed" (an error)
  std::string address;  // the client's network address; may be empty
  nlohmann::json detail = nlohmann::json::object();  // never secrets
};

struct Entry {
  int64_t seq = 0;   // 1, 2, 3, … without gaps
  std::string time;  // ISO 8601 UTC with milliseconds, e.g. "2026-11-26T01:02:03.456Z"
  Event event;
  std::string detail_text;  // detail exactly as stored and hashed
  std::string prev_hash;    // hex
  std::string hash;         // hex
};

// Filters for browsing; empty fields match everything. Newest first.
struct Query {
  std::string actor;
  std::string action_prefix;  // "auth." matches every sign-in event
  std::string from_time;      // inclusive, ISO 8601 (a prefix such as "2026-11" works)
  std::string to_time;        // exclusive
  int64_t before_seq = 0;     // > 0: only entries older than this (paging)
  int64_t limit = 100;        // 1..1000
};

struct VerifyReport {
  bool ok = false;
  int64_t entries = 0;    // entries checked
  int64_t first_bad = 0;  // sequence number where the chain first breaks, 0 if none
  std::string problem;    // what is wrong, in a sentence; empty if ok
};

// The tables, as one migration's SQL (the hub assembles every layer's migrations in one list).
extern const char* const kSchemaSql;

class AuditLog {
 public:
  // `db` must outlive the log and hold kSchemaSql's tables. `signing_key` is the hub's 64-byte
  // Ed25519 secret key (InvalidArgument otherwise); it is never logged.
  static Result<std::unique_ptr<AuditLog>> Create(db::Database* db, std::string signing_key);

  // Appends one event and returns its sequence number. Atomic: the entry and the signed head
  // are written in one transaction. Errors: InvalidArgument for an oversized event; the
  // database's errors. Thread-safe (appends are serialised in the process, and by the database
  // across processes).
  Result<int64_t> Append(const Event& event, std::chrono::system_clock::time_point now);

  // Queues one event for the log's writer thread and returns without waiting for the commit:
  // for the query path, where a commit per answer would put the database's latency into every
  // answer. The entry is committed within milliseconds, in order with every other append; it is
  // lost only if the process dies before then (at most kMaxQueued entries; see docs/database.md).
  // Fail-closed: Unavailable when kMaxQueued entries are already waiting or the last write
  // failed (the writer keeps retrying the waiting entries, in order, until the database takes
  // them; appends are accepted again from then on), so a caller that answers only after an OK
  // never answers unrecorded for long. InvalidArgument for an oversized event. Thread-safe.
  Status AppendQueued(Event event, std::chrono::system_clock::time_point now);

  // Waits until every queued entry is committed. Unavailable if the writer is failing.
  Status Flush();

  // Commits what is queued (once more if the database is failing, then gives up and logs how
  // many entries were lost) and stops the writer.
  ~AuditLog();

  static constexpr size_t kMaxQueued = 10000;

 private:
  // One entry waiting to be committed: by its Append (which waits for `done`), or queued.
  struct Pending {
    Event event;
    std::string time, detail_text;
    bool queued = false;
    int64_t seq = 0;
    Status status;
    bool done = false;
  };

  AuditLog(db::Database* db, std::string signing_key);
  // The pending entry for `event`, or InvalidArgument if it is oversized.
  static Result<std::shared_ptr<Pending>> Prepare(Event event,
                                                  std::chrono::system_clock::time_point now);
  // Writes `batch` in order, in one transaction, and signs the new head. Sets each seq.
  Status WriteBatch(const std::vector<std::shared_ptr<Pending>>& batch);
  // Takes every waiting entry and writes it (mu_ held on entry and on return, released while
  // writing). On failure, queued entries go back to the front of the queue.
  void WriteWaiting(std::unique_lock<std::mutex>& lock);
  void WriterLoop();

  db::Database* db_;
  std::string signing_key_;
  std::mutex mu_;
  std::condition_variable written_;              // a batch was written (or failed)
  std::condition_variable wake_;                 // the writer thread has work or must stop
  std::vector<std::shared_ptr<Pending>> queue_;  // entries waiting for the next batch
  bool writing_ = false;                         // a batch is being written
  bool failing_ = false;                         // the last write failed
  bool stopping_ = false;
  std::thread writer_;  // started by the first AppendQueued
};

// Entries matching `query`, newest first. Errors: InvalidArgument for a bad limit; the
// database's. Thread-safe. Needs no key: it only reads.
Result<std::vector<Entry>> List(db::Database& db, const Query& query);

// Walks the whole log in order and checks every entry's hash, the links between entries, that
// sequence numbers have no gaps, and that the newest entry is the head signed by `public_key`
// (the hub's 32-byte Ed25519 public key). `progress`, if given, is called with the number of
// entries checked so far every 100,000 entries. Returns a report (ok or the first break); an
// error only when the log cannot be read. Reads in pages: memory stays small for any length.
Result<VerifyReport> Verify(db::Database& db, std::string_view public_key,
                            const std::function<void(int64_t)>& progress = {});

// The ISO 8601 UTC form used in the log, with milliseconds.
std::string IsoTime(std::chrono::system_clock::time_point t);

}  // namespace renkei::audit
