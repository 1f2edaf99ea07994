// The hub's answers, independent of HTTP: authenticates callers (API keys today), checks the
// privacy rules that do not need the samples (tier, sample lists, region size), fans a query out
// to every site in parallel with a per-site timeout, sums the guarded answers (federation/
// aggregate.h) and records every query.
//
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <cstdio>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api/caller.h"
#include "api/config.h"
#include "audit/audit_log.h"
#include "common/status.h"
#include "db/database.h"
#include "federation/aggregate.h"
#include "federation/signing.h"
#include "federation/site_client.h"
#include "identity/accounts.h"

namespace httplib {
class ThreadPool;
}

namespace renkei {

class HubService {
 public:
  // Opens the hub database (config.database) and brings its schema up to date.
  // Errors: InvalidArgument for a bad key; NotFound/PermissionDenied if the query log cannot
  // be opened for appending; the database's errors (Unavailable, DataLoss, FailedPrecondition
  // for a database newer than this binary).
  static Result<std::unique_ptr<HubService>> Create(const HubConfig& config);
  ~HubService();

  const HubConfig& config() const { return config_; }

  // The caller for a key ("" = anonymous, public tier): an account's API token ("rk_tok_…",
  // which must carry the "query" scope: registered tier) or a key from the configuration
  // (compared by SHA-256, in constant time: the tier it names). Unauthenticated for an unknown,
  // revoked or expired key; PermissionDenied for a token without the scope or of an account
  // that must first enrol a second factor.
  Result<Caller> Authenticate(std::string_view api_key);
  // The caller for a signed-in account (registered tier).
  static Caller CallerFor(const identity::Principal& p);

  // Cross-search: {"cohort"} → cohort size and facets, totals and breakdowns.
  Result<nlohmann::json> Search(const Caller& caller, const nlohmann::json& body);
  // Frequencies: {"cohort"?, "variant" | "region"} ("" or absent cohort = everyone).
  Result<nlohmann::json> Freq(const Caller& caller, const nlohmann::json& body);
  // Preset strata: {"variant" | "region"}.
  Result<nlohmann::json> Strata(const Caller& caller, const nlohmann::json& body);
  // Catalog: datasets, sample counts per attribute value (public tier).
  Result<nlohmann::json> Catalog(const Caller& caller);
  // Records a query refused before it reached the service (bad key, malformed body).
  void RecordRefused(const Caller& caller, std::string_view kind, const Status& why) {
    Result<nlohmann::json> outcome = why;
    Record(caller, kind, nlohmann::json::object(), outcome);
  }

  db::Database& database() { return *db_; }
  audit::AuditLog& audit() { return *audit_; }
  identity::Accounts& accounts() { return *accounts_; }

  // Each site's health: {"sites": [{"id","name","url","status","elapsed_ms"}]}.
  nlohmann::json Sites();

 private:
  explicit HubService(HubConfig config);
  std::vector<SiteAnswer> FanOut(const std::string& path, const nlohmann::json* body,
                                 const Caller& caller);
  // Hub-side checks of a cohort (no samples needed): access by tier and no sample files.
  Status CheckCohort(const Caller& caller, const nlohmann::json& body, bool frequencies) const;
  Status CheckSelector(const Caller& caller, const nlohmann::json& body) const;
  // Writes the query to the audit log and the query log. If the audit log cannot be written,
  // `outcome` becomes that error: no answer leaves the hub unrecorded.
  void Record(const Caller& caller, std::string_view kind, const nlohmann::json& body,
              Result<nlohmann::json>& outcome);

  HubConfig config_;
  std::unique_ptr<db::Database> db_;
  std::unique_ptr<audit::AuditLog> audit_;
  std::unique_ptr<identity::Accounts> accounts_;
  std::unique_ptr<RequestSigner> signer_;
  std::vector<std::unique_ptr<SiteClient>> sites_;
  // Runs the calls to all sites but the first (which the request's own thread makes): a thread
  // per call would cost a clone and a stack for every site of every query.
  std::unique_ptr<httplib::ThreadPool> pool_;
  std::mutex log_mu_;
  std::FILE* log_ = nullptr;
};

}  // namespace renkei
