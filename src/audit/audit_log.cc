#include "audit/audit_log.h"

#include <algorithm>
#include <ctime>

#include "common/log.h"
#include "crypto/sodium.h"

namespace renkei::audit {

using nlohmann::json;

const char* const kSchemaSql = R"sql(
CREATE TABLE audit_log (
  seq BIGINT PRIMARY KEY,
  time TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  outcome TEXT NOT NULL,
  address TEXT NOT NULL,
  detail TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX audit_log_actor ON audit_log (actor, seq);
CREATE INDEX audit_log_time ON audit_log (time);
CREATE TABLE audit_head (
  id BIGINT PRIMARY KEY CHECK (id = 1),
  seq BIGINT NOT NULL,
  hash TEXT NOT NULL,
  signature TEXT NOT NULL
);
)sql";

namespace {

constexpr size_t kMaxField = 4096;
constexpr size_t kMaxDetail = 64 * 1024;
constexpr int64_t kPage = 10000;
const std::string kGenesis(64, '0');

void AppendField(std::string& out, std::string_view field) {
  out += std::to_string(field.size());
  out += ':';
  out += field;
  out += '\n';
}

// The hash of one entry from its fields in the documented order: time, actor, action, target,
// outcome, address, detail, prev_hash. `buffer` is scratch space, reused across calls.
std::string FieldsHash(int64_t seq, std::initializer_list<std::string_view> fields,
                       std::string& buffer) {
  buffer.clear();
  AppendField(buffer, "renkei-audit-v1");
  AppendField(buffer, std::to_string(seq));
  for (std::string_view f : fields) AppendField(buffer, f);
  return crypto::HexEncode(crypto::Sha256(buffer));
}

std::string EntryHash(int64_t seq, std::string_view time, const Event& e,
                      std::string_view detail_text, std::string_view prev_hash) {
  std::string buffer;
  return FieldsHash(
      seq, {time, e.actor, e.action, e.target, e.outcome, e.address, detail_text, prev_hash},
      buffer);
}

std::string HeadMessage(int64_t seq, std::string_view hash) {
  return "renkei-audit-head-v1\n" + std::to_string(seq) + "\n" + std::string(hash);
}

constexpr const char* kColumns =
    "seq, time, actor, action, target, outcome, address, detail, prev_hash, hash";

Entry EntryFromRow(const db::Row& r) {
  Entry e;
  e.seq = r.Int(0);
  e.time = r.Text(1);
  e.event.actor = r.Text(2);
  e.event.action = r.Text(3);
  e.event.target = r.Text(4);
  e.event.outcome = r.Text(5);
  e.event.address = r.Text(6);
  e.detail_text = r.Text(7);
  e.event.detail = json::parse(e.detail_text, nullptr, /*allow_exceptions=*/false);
  e.prev_hash = r.Text(8);
  e.hash = r.Text(9);
  return e;
}

}  // namespace

std::string IsoTime(std::chrono::system_clock::time_point t) {
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000 - (ms % 1000 < 0 ? 1 : 0));
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  const size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(((ms % 1000) + 1000) % 1000));
  return buf;
}

Result<std::unique_ptr<AuditLog>> AuditLog::Create(db::Database* db, std::string signing_key) {
  if (db == nullptr) return InvalidArgument("the audit log needs a database");
  if (signing_key.size() != crypto::kEd25519SecretKeyBytes) {
    return InvalidArgument("the audit log's signing key must be a " +
                           std::to_string(crypto::kEd25519SecretKeyBytes) +
                           "-byte Ed25519 secret key");
  }
  return std::unique_ptr<AuditLog>(new AuditLog(db, std::move(signing_key)));
}

AuditLog::AuditLog(db::Database* db, std::string signing_key)
    : db_(db), signing_key_(std::move(signing_key)) {}

Result<std::shared_ptr<AuditLog::Pending>> AuditLog::Prepare(
    Event event, std::chrono::system_clock::time_point now) {
  for (const std::string* f :
       {&event.actor, &event.action, &event.target, &event.outcome, &event.address}) {
    if (f->size() > kMaxField) {
      return InvalidArgument("an audit field is longer than " + std::to_string(kMaxField) +
                             " bytes");
    }
  }
  if (event.action.empty() || event.actor.empty() || event.outcome.empty()) {
    return InvalidArgument("an audit event needs an actor, an action and an outcome");
  }
  std::string detail_text = (event.detail.is_null() ? json::object() : event.detail)
                                .dump(-1, ' ', false, json::error_handler_t::replace);
  if (detail_text.size() > kMaxDetail) {
    return InvalidArgument("an audit event's detail is longer than " + std::to_string(kMaxDetail) +
                           " bytes");
  }
  auto p = std::make_shared<Pending>();
  p->event = std::move(event);
  p->time = IsoTime(now);
  p->detail_text = std::move(detail_text);
  return p;
}

Result<int64_t> AuditLog::Append(const Event& event, std::chrono::system_clock::time_point now) {
  ASSIGN_OR_RETURN(const std::shared_ptr<Pending> p, Prepare(event, now));
  // Group commit: whoever finds no writer at work writes every waiting entry in one
  // transaction (one fsync, one head signature); the others wait for it. Under load this turns
  // N commits into a few, without giving up durability: Append returns after its commit.
  std::unique_lock<std::mutex> lock(mu_);
  queue_.push_back(p);
  while (!p->done) {
    if (writing_) {
      written_.wait(lock);
      continue;
    }
    WriteWaiting(lock);
  }
  if (!p->status.ok()) return p->status;
  return p->seq;
}

Status AuditLog::AppendQueued(Event event, std::chrono::system_clock::time_point now) {
  ASSIGN_OR_RETURN(const std::shared_ptr<Pending> p, Prepare(std::move(event), now));
  p->queued = true;
  std::lock_guard<std::mutex> lock(mu_);
  if (failing_) return Unavailable("the audit log cannot be written at the moment");
  if (queue_.size() >= kMaxQueued) {
    return Unavailable("the audit log is " + std::to_string(kMaxQueued) +
                       " entries behind; try again shortly");
  }
  if (!writer_.joinable()) writer_ = std::thread([this] { WriterLoop(); });
  queue_.push_back(p);
  wake_.notify_one();
  return Status();
}

void AuditLog::WriteWaiting(std::unique_lock<std::mutex>& lock) {
  writing_ = true;
  std::vector<std::shared_ptr<Pending>> batch;
  batch.swap(queue_);
  lock.unlock();
  const Status s = WriteBatch(batch);
  lock.lock();
  std::vector<std::shared_ptr<Pending>> retry;
  for (const std::shared_ptr<Pending>& q : batch) {
    if (q->queued && !s.ok()) {
      retry.push_back(q);  // nobody waits for it: keep it, in order, for the next attempt
      continue;
    }
    q->status = s;
    q->done = true;
  }
  if (!retry.empty()) {
    queue_.insert(queue_.begin(), retry.begin(), retry.end());
    if (!failing_)
      LOG_ERROR("audit log: {} queued entries not written: {}", retry.size(), s.ToString());
  }
  failing_ = !s.ok();
  writing_ = false;
  written_.notify_all();
}

void AuditLog::WriterLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  auto backoff = std::chrono::milliseconds(10);
  while (true) {
    wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, nothing left
    if (writing_) {
      written_.wait(lock);
      continue;
    }
    WriteWaiting(lock);
    if (!failing_) {
      backoff = std::chrono::milliseconds(10);
      continue;
    }
    if (stopping_) return;  // the destructor gives up on a failing database
    wake_.wait_for(lock, backoff, [&] { return stopping_; });
    backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
  }
}

Status AuditLog::Flush() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!queue_.empty() || writing_) {
    if (failing_) return Unavailable("the audit log cannot be written at the moment");
    if (writing_) {
      written_.wait(lock);
      continue;
    }
    WriteWaiting(lock);
  }
  return failing_ ? Unavailable("the audit log cannot be written at the moment") : Status();
}

AuditLog::~AuditLog() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    wake_.notify_all();
  }
  if (writer_.joinable()) writer_.join();
  if (!queue_.empty()) {
    LOG_ERROR("audit log: {} queued entries could not be written before exit", queue_.size());
  }
}

Status AuditLog::WriteBatch(const std::vector<std::shared_ptr<Pending>>& batch) {
  return db_->Transaction([&](db::Connection& c) -> Status {
    ASSIGN_OR_RETURN(const std::vector<db::Row> head,
                     c.Query("SELECT seq, hash FROM audit_head WHERE id = 1"));
    int64_t seq = head.empty() ? 0 : head[0].Int(0);
    std::string hash = head.empty() ? kGenesis : head[0].Text(1);
    for (const std::shared_ptr<Pending>& p : batch) {
      const Event& e = p->event;
      const std::string prev_hash = std::move(hash);
      p->seq = ++seq;
      hash = EntryHash(seq, p->time, e, p->detail_text, prev_hash);
      RETURN_IF_ERROR(c.Exec("INSERT INTO audit_log (seq, time, actor, action, target, outcome, "
                             "address, detail, prev_hash, hash) VALUES "
                             "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                             {seq, p->time, e.actor, e.action, e.target, e.outcome, e.address,
                              p->detail_text, prev_hash, hash})
                          .status());
    }
    ASSIGN_OR_RETURN(const std::string sig,
                     crypto::SignEd25519(signing_key_, HeadMessage(seq, hash)));
    return c
        .Exec(
            "INSERT INTO audit_head (id, seq, hash, signature) VALUES (1, $1, $2, $3) "
            "ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, "
            "signature = excluded.signature",
            {seq, hash, crypto::HexEncode(sig)})
        .status();
  });
}

Result<std::vector<Entry>> List(db::Database& db, const Query& q) {
  if (q.limit < 1 || q.limit > 1000) {
    return InvalidArgument("limit must be between 1 and 1000, got " + std::to_string(q.limit));
  }
  std::string sql = std::string("SELECT ") + kColumns + " FROM audit_log WHERE 1 = 1";
  std::vector<db::Value> params;
  auto add = [&](const char* clause, db::Value v) {
    params.push_back(std::move(v));
    sql += std::string(" AND ") + clause + " $" + std::to_string(params.size());
  };
  if (!q.actor.empty()) add("actor =", q.actor);
  if (!q.action_prefix.empty()) {
    // A range instead of LIKE: no escaping of '%' and '_', and it uses the same text order in
    // both databases for these ASCII prefixes.
    add("action >=", q.action_prefix);
    add("action <", q.action_prefix + "\x7f");
  }
  if (!q.from_time.empty()) add("time >=", q.from_time);
  if (!q.to_time.empty()) add("time <", q.to_time);
  if (q.before_seq > 0) add("seq <", q.before_seq);
  params.push_back(q.limit);
  sql += " ORDER BY seq DESC LIMIT $" + std::to_string(params.size());
  ASSIGN_OR_RETURN(const std::vector<db::Row> rows, db.Query(sql, params));
  std::vector<Entry> out;
  out.reserve(rows.size());
  for (const db::Row& r : rows) out.push_back(EntryFromRow(r));
  return out;
}

Result<VerifyReport> Verify(db::Database& db, std::string_view public_key,
                            const std::function<void(int64_t)>& progress) {
  VerifyReport report;
  auto broken = [&](int64_t seq, std::string problem) {
    report.ok = false;
    report.first_bad = seq;
    report.problem = std::move(problem);
    return report;
  };
  std::string prev_hash = kGenesis;
  std::string buffer;
  int64_t last = 0;
  for (;;) {
    ASSIGN_OR_RETURN(const std::vector<db::Row> rows,
                     db.Query(std::string("SELECT ") + kColumns +
                                  " FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2",
                              {last, kPage}));
    for (const db::Row& r : rows) {
      // Read the text columns in place: this loop runs a million times for a million entries.
      std::string_view f[9];
      for (size_t i = 1; i < 10; ++i) {
        const std::string* t = std::get_if<std::string>(&r.value(i));
        f[i - 1] = t ? std::string_view(*t) : std::string_view();
      }
      const int64_t seq = r.Int(0);
      if (seq != last + 1) {
        return broken(last + 1, "entry " + std::to_string(last + 1) +
                                    " is missing (the next one is " + std::to_string(seq) +
                                    "): entries were deleted");
      }
      if (f[7] != prev_hash) {
        return broken(seq, "entry " + std::to_string(seq) +
                               " does not link to the entry before it: an entry was deleted, "
                               "inserted or changed");
      }
      if (FieldsHash(seq, {f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7]}, buffer) != f[8]) {
        return broken(seq, "entry " + std::to_string(seq) +
                               " does not match its hash: it was changed after it was written");
      }
      prev_hash = f[8];
      last = seq;
      ++report.entries;
      if (progress && report.entries % 100000 == 0) progress(report.entries);
    }
    if (static_cast<int64_t>(rows.size()) < kPage) break;
  }
  ASSIGN_OR_RETURN(const std::vector<db::Row> head,
                   db.Query("SELECT seq, hash, signature FROM audit_head WHERE id = 1"));
  if (head.empty()) {
    if (last == 0) {
      report.ok = true;
      return report;
    }
    return broken(last, "the signed head of the log is missing");
  }
  const int64_t head_seq = head[0].Int(0);
  if (head_seq != last || head[0].Text(1) != prev_hash) {
    return broken(std::min(head_seq, last) + 1,
                  "the log ends at entry " + std::to_string(last) +
                      " but its signed head is entry " + std::to_string(head_seq) +
                      ": entries were removed from the end or the head was changed");
  }
  Result<std::string> sig = crypto::HexDecode(head[0].Text(2));
  if (!sig.ok() || !crypto::VerifyEd25519(public_key, HeadMessage(head_seq, prev_hash), *sig)) {
    return broken(head_seq,
                  "the head's signature is not the hub's: the log was rewritten without the "
                  "hub's key, or the wrong public key was given");
  }
  report.ok = true;
  return report;
}

}  // namespace renkei::audit
