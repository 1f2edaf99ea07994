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
#include "api/metadata_pusher.h"
#include "audit/audit_log.h"
#include "common/status.h"
#include "db/database.h"
#include "federation/aggregate.h"
#include "federation/signing.h"
#include "federation/site_client.h"
#include "identity/accounts.h"
#include "workflow/application.h"
#include "workflow/dataset_registry.h"

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
  // which must carry the "query" scope: registered tier, controlled with an active grant — see
  // Entitle) or a key from the configuration
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

  // Called after every stored change of an application that may change the grants in force
  // (grant, revoke, an amendment decided, expiry, closing). Never fails the change itself.
  // Drops the cached visas (hub_visas.cc), and tells each site holding a revoked grant of `app`
  // its grant id (POST /v1/visas/revoked) so that visas already issued stop working there;
  // each notice is audited ("visa.revocation_notice").
  void GrantsChanged(const Application& app);

  // --- GA4GH Passport visas (hub_visas.cc; docs/federation.md) ---
  // The visa issuer URL ("iss") and the public keys nodes verify visas with (JWK Set).
  const std::string& visa_issuer() const;
  nlohmann::json VisaJwks() const;
  // A signed-in account's caller (registered tier, id "user:N") holding an active access grant
  // (workflow/access.h ActiveGrants of an application it applied for or is a member of) is
  // raised to the controlled tier: the nodes then answer at that tier exactly the datasets its
  // visas name. Other callers are returned unchanged. Errors: the database's.
  Result<Caller> Entitle(const Caller& caller);

  db::Database& database() { return *db_; }
  audit::AuditLog& audit() { return *audit_; }
  identity::Accounts& accounts() { return *accounts_; }
  workflow::DatasetRegistry& datasets() { return *datasets_; }
  MetadataPusher& metadata_pusher() { return *metadata_pusher_; }

  // Each site's health: {"sites": [{"id","name","url","status","elapsed_ms"}]}.
  nlohmann::json Sites();

 private:
  // The visas a controlled-tier request carries to each configured site, and what each stands
  // for: the audit entry of a query names the applications and datasets its answer drew on
  // (audit/usage.h) without reading the database again.
  struct SentVisas {
    std::vector<std::string> per_site;  // space-separated visas ("" for none)
    // Per site, the (dataset, application) of every visa sent there; application "" for a
    // standing grant (a configured controlled key).
    std::vector<std::vector<std::pair<std::string, std::string>>> grants;
  };
  explicit HubService(HubConfig config);
  // Asks every site in parallel. For a controlled-tier caller, `sent` (if given) receives the
  // visas that went along (null for other callers).
  std::vector<SiteAnswer> FanOut(const std::string& path, const nlohmann::json* body,
                                 const Caller& caller,
                                 std::shared_ptr<const SentVisas>* sent = nullptr);
  // Visas (hub_visas.cc): sets up the issuer and key (Create); per configured site, the
  // visas a controlled-tier caller's request carries there (none on error; a configured
  // controlled key is a standing grant for every dataset of every site). Cached per caller
  // until a minute before the first one lapses; issuing is audited ("visa.issue"). Never null.
  Status StartVisas();
  std::shared_ptr<const SentVisas> VisasFor(const Caller& caller);
  // Hub-side checks of a cohort (no samples needed): access by tier and no sample files.
  Status CheckCohort(const Caller& caller, const nlohmann::json& body, bool frequencies) const;
  Status CheckSelector(const Caller& caller, const nlohmann::json& body) const;
  // Writes the query to the audit log (queued: audit::AuditLog::AppendQueued) and the query
  // log. `use` (DataUse in hub_service.cc: "application", "datasets"), if given, is recorded
  // with an answer. If the audit log refuses the entry, `outcome` becomes Unavailable: no
  // answer leaves the hub unrecorded.
  void Record(const Caller& caller, std::string_view kind, const nlohmann::json& body,
              Result<nlohmann::json>& outcome, const nlohmann::json* use = nullptr);

  HubConfig config_;
  std::unique_ptr<db::Database> db_;
  std::unique_ptr<audit::AuditLog> audit_;
  std::unique_ptr<identity::Accounts> accounts_;
  std::unique_ptr<RequestSigner> signer_;
  std::vector<std::unique_ptr<SiteClient>> sites_;
  // Runs the calls to all sites but the first (which the request's own thread makes): a thread
  // per call would cost a clone and a stack for every site of every query.
  std::unique_ptr<httplib::ThreadPool> pool_;
  struct VisaState;
  std::shared_ptr<VisaState> visas_;  // shared_ptr: VisaState is complete only in hub_visas.cc
  std::mutex log_mu_;
  std::FILE* log_ = nullptr;
  std::unique_ptr<workflow::DatasetRegistry> datasets_;
  // Last: stopped first, while what it uses is still there.
  std::unique_ptr<MetadataPusher> metadata_pusher_;
};

}  // namespace renkei
