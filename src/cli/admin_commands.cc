// `renkei admin …`: operator commands on the hub database.
//   renkei admin audit verify --config hub.json      (or --database URL --public-key BASE64)
//   renkei admin audit list   --config hub.json [--actor U] [--action PREFIX] [--limit N]
//   renkei admin usage        --config hub.json --from DAY --to DAY [--by user|project|site|day]
//                             [--csv]
#include <cstdio>
#include <memory>
#include <string>

#include "api/config.h"
#include "api/hub_schema.h"
#include "audit/audit_log.h"
#include "audit/usage.h"
#include "cli/commands.h"
#include "common/progress.h"
#include "crypto/sodium.h"
#include "db/database.h"
#include "db/migrate.h"

namespace renkei {

namespace {

struct AuditOptions {
  std::string config, database, public_key;
  std::string actor, action;
  int64_t limit = 50;
};

// The database URL and the hub's public key, from --config or from the explicit options.
Result<std::pair<std::string, std::string>> DatabaseAndKey(const AuditOptions& o) {
  if (!o.config.empty()) {
    ASSIGN_OR_RETURN(const nlohmann::json doc, ReadJsonFile(o.config));
    Result<HubConfig> config = ParseHubConfig(doc);
    if (!config.ok()) return config.status().WithContext(o.config);
    if (config->database == ":memory:") {
      return FailedPrecondition(o.config + " names no \"database\": the hub keeps no audit log");
    }
    // libsodium's Ed25519 secret key is seed ‖ public key (crypto/sodium.h).
    return std::make_pair(config->database,
                          config->secret_key.substr(crypto::kEd25519PublicKeyBytes));
  }
  if (o.database.empty() || o.public_key.empty()) {
    return InvalidArgument("give --config hub.json, or both --database and --public-key");
  }
  ASSIGN_OR_RETURN(std::string key, crypto::Base64Decode(o.public_key));
  if (key.size() != crypto::kEd25519PublicKeyBytes) {
    return InvalidArgument("--public-key must be the hub's 32-byte Ed25519 public key in base64");
  }
  return std::make_pair(o.database, std::move(key));
}

Result<std::unique_ptr<db::Database>> OpenHubDatabase(const std::string& url) {
  ASSIGN_OR_RETURN(std::unique_ptr<db::Database> db, db::Database::Open(url));
  RETURN_IF_ERROR(db::Migrate(*db, HubMigrations()));
  return db;
}

void AddSourceOptions(CLI::App* sub, AuditOptions* o) {
  sub->add_option("--config", o->config, "Hub configuration (its database and key)");
  sub->add_option("--database", o->database, "Hub database URL (instead of --config)");
  sub->add_option("--public-key", o->public_key,
                  "The hub's public key, base64 (instead of --config)");
}

std::pair<CLI::App*, std::function<Status()>> VerifyCmd(CLI::App* audit) {
  auto o = std::make_shared<AuditOptions>();
  auto* sub = audit->add_subcommand(
      "verify", "Check that no audit entry was changed, deleted or added out of order");
  AddSourceOptions(sub, o.get());
  return {sub, [o]() -> Status {
            ASSIGN_OR_RETURN(const auto source, DatabaseAndKey(*o));
            ASSIGN_OR_RETURN(std::unique_ptr<db::Database> db, OpenHubDatabase(source.first));
            Progress progress("audit entries verified", 0);
            ASSIGN_OR_RETURN(const audit::VerifyReport report,
                             audit::Verify(*db, source.second, [&](int64_t n) {
                               progress.Update(static_cast<uint64_t>(n));
                             }));
            progress.Finish();
            if (!report.ok) {
              return DataLoss("the audit log is damaged at entry " +
                              std::to_string(report.first_bad) + ": " + report.problem + " (" +
                              std::to_string(report.entries) + " entries before it are intact)");
            }
            std::printf("audit log intact: %lld entries, chain and signed head verified\n",
                        static_cast<long long>(report.entries));
            return Status();
          }};
}

std::pair<CLI::App*, std::function<Status()>> ListCmd(CLI::App* audit) {
  auto o = std::make_shared<AuditOptions>();
  auto* sub = audit->add_subcommand("list", "Print audit entries, newest first, as TSV");
  AddSourceOptions(sub, o.get());
  sub->add_option("--actor", o->actor, "Only this user");
  sub->add_option("--action", o->action, "Only actions starting with this (e.g. auth.)");
  sub->add_option("--limit", o->limit, "At most this many entries")->check(CLI::Range(1, 1000));
  return {sub, [o]() -> Status {
            std::string url = o->database;
            if (!o->config.empty()) {
              ASSIGN_OR_RETURN(const auto source, DatabaseAndKey(*o));
              url = source.first;
            }
            if (url.empty()) return InvalidArgument("give --config hub.json or --database");
            ASSIGN_OR_RETURN(std::unique_ptr<db::Database> db, OpenHubDatabase(url));
            audit::Query q;
            q.actor = o->actor;
            q.action_prefix = o->action;
            q.limit = o->limit;
            ASSIGN_OR_RETURN(const std::vector<audit::Entry> entries, audit::List(*db, q));
            std::printf("seq\ttime\tactor\taction\ttarget\toutcome\taddress\tdetail\n");
            for (const audit::Entry& e : entries) {
              std::printf("%lld\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", static_cast<long long>(e.seq),
                          e.time.c_str(), e.event.actor.c_str(), e.event.action.c_str(),
                          e.event.target.c_str(), e.event.outcome.c_str(), e.event.address.c_str(),
                          e.detail_text.c_str());
            }
            return Status();
          }};
}

struct UsageOptions {
  AuditOptions source;
  std::string from, to, by = "user";
  bool csv = false;
};

// The usage report (audit/usage.h): a TSV table with a total row, or with --csv the same CSV as
// GET /v1/admin/usage?format=csv.
std::pair<CLI::App*, std::function<Status()>> UsageCmd(CLI::App* admin) {
  auto o = std::make_shared<UsageOptions>();
  auto* sub = admin->add_subcommand(
      "usage", "Usage report: queries and data accessed per user, project, site or day");
  sub->add_option("--config", o->source.config, "Hub configuration (its database)");
  sub->add_option("--database", o->source.database, "Hub database URL (instead of --config)");
  sub->add_option("--from", o->from, "First day, YYYY-MM-DD (UTC), inclusive")->required();
  sub->add_option("--to", o->to, "Day after the last, YYYY-MM-DD (UTC), exclusive")->required();
  sub->add_option("--by", o->by, "user, project, site or day (default user)");
  sub->add_flag("--csv", o->csv, "Print CSV (RFC 4180, CRLF) instead of a TSV table");
  return {sub, [o]() -> Status {
            std::string url = o->source.database;
            if (!o->source.config.empty()) {
              ASSIGN_OR_RETURN(const auto source, DatabaseAndKey(o->source));
              url = source.first;
            }
            if (url.empty()) return InvalidArgument("give --config hub.json or --database");
            ASSIGN_OR_RETURN(const audit::UsageGroup by, audit::ParseUsageGroup(o->by));
            RETURN_IF_ERROR(audit::CheckUsagePeriod(o->from, o->to));
            ASSIGN_OR_RETURN(std::unique_ptr<db::Database> db, OpenHubDatabase(url));
            ASSIGN_OR_RETURN(const audit::UsageReport report,
                             audit::MakeUsageReport(*db, o->from, o->to, by));
            if (o->csv) {
              const std::string csv = audit::UsageCsv(report);
              std::fwrite(csv.data(), 1, csv.size(), stdout);
              return Status();
            }
            std::printf(
                "%s\tqueries\tanswered\trefused\tfailed\tpublic\tregistered\t"
                "controlled\tdistinct_cohorts\tsite_answers\tcontrolled_answers\tjobs\n",
                std::string(audit::UsageGroupName(by)).c_str());
            std::vector<audit::UsageRow> rows = report.rows;
            rows.push_back(report.total);
            for (const audit::UsageRow& r : rows) {
              std::printf("%s", r.key.empty() ? "(none)" : r.key.c_str());
              for (int64_t n : {r.queries(), r.answered, r.refused, r.failed, r.by_tier[0],
                                r.by_tier[1], r.by_tier[2], r.distinct_cohorts, r.site_answers,
                                r.controlled_answers, r.jobs}) {
                std::printf("\t%lld", static_cast<long long>(n));
              }
              std::printf("\n");
            }
            return Status();
          }};
}

}  // namespace

void RegisterAdminCommands(CLI::App& app, CommandTable* table) {
  auto* admin = app.add_subcommand("admin", "Operator commands on the hub database");
  admin->require_subcommand(1);
  auto* audit = admin->add_subcommand("audit", "The hash-chained audit log");
  audit->require_subcommand(1);
  table->push_back(VerifyCmd(audit));
  table->push_back(ListCmd(audit));
  table->push_back(UsageCmd(admin));
}

}  // namespace renkei
