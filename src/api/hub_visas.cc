// The hub as GA4GH Passport Visa Issuer (identity/passport.h, docs/federation.md): which visas a
// caller's request carries to each site, their cache, and the revocation notices to the nodes.
#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>

#include "api/hub_service.h"
#include "common/log.h"
#include "crypto/openssl.h"
#include "federation/protocol.h"
#include "identity/jwt.h"
#include "identity/passport.h"
#include "workflow/access.h"
#include "workflow/repository.h"

namespace renkei {

using nlohmann::json;

namespace {

// A cached visa is renewed this long before it expires, so a request never carries a visa
// that lapses on its way (the nodes allow 30 s of clock skew on top).
constexpr int64_t kRenewMarginSeconds = 60;
// How long "this account holds no grant" and a site's dataset list are remembered. Grant
// changes drop the cache at once (GrantsChanged); this bounds the staleness of anything else.
constexpr int64_t kNegativeCacheSeconds = 60;
constexpr int64_t kDatasetListSeconds = 300;
// One request header holds a site's visas; httplib reads header lines up to 8 KiB.
constexpr size_t kMaxVisaHeaderBytes = 7 * 1024;

int64_t UnixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The user id of an account's caller ("user:17" → "17"), or "" for any other caller.
std::string AccountUserId(const Caller& caller) {
  constexpr std::string_view kPrefix = "user:";
  if (!caller.id.starts_with(kPrefix)) return "";
  return caller.id.substr(kPrefix.size());
}

}  // namespace

struct HubService::VisaState {
  std::string issuer;
  std::optional<crypto::RsaSigningKey> key;
  identity::JwkSet jwks;
  std::unique_ptr<workflow::ApplicationRepository> applications;

  struct Visas {
    std::shared_ptr<const SentVisas> sent;  // null when it holds no grant
    bool has_grants = false;
    int64_t renew_at = 0;
  };
  struct DatasetList {
    std::vector<std::string> ids;
    int64_t fetched_at = 0;
  };
  std::mutex mu;
  std::map<std::string, Visas> by_caller;       // caller id → its visas
  std::map<size_t, DatasetList> site_datasets;  // standing grants: what each site holds
};

Status HubService::StartVisas() {
  auto v = std::make_shared<VisaState>();
  v->issuer = config_.visa_issuer;
  if (v->issuer.empty()) v->issuer = config_.oidc_issuer;
  if (v->issuer.empty()) {
    v->issuer = "http://" + config_.listen.host + ":" + std::to_string(config_.listen.port);
  }
  while (v->issuer.size() > 8 && v->issuer.back() == '/') v->issuer.pop_back();
  std::string path = config_.visa_signing_key;
  const std::string& database = config_.database;
  if (path.empty() && database != ":memory:" && !database.starts_with("postgresql://") &&
      !database.starts_with("postgres://")) {
    path = (database.starts_with("sqlite:") ? database.substr(7) : database) + ".visa.pem";
  }
  Result<crypto::RsaSigningKey> key = NotFound("no visa key file");
  if (!path.empty()) key = crypto::RsaSigningKey::LoadPemFile(path);
  if (!key.ok() && key.status().code() != StatusCode::kNotFound) {
    return key.status().WithContext("visa signing key " + path);
  }
  if (!key.ok()) {
    ASSIGN_OR_RETURN(crypto::RsaSigningKey fresh, crypto::RsaSigningKey::Generate());
    if (!path.empty()) {
      RETURN_IF_ERROR(fresh.SavePemFile(path));
      LOG_INFO("hub: made the visa signing key {}", path);
    } else {
      LOG_WARN(
          "hub: visa signing key made for this run only (no visa_signing_key and no database "
          "file): nodes must be given its key set again after every start");
    }
    key = std::move(fresh);
  }
  v->key.emplace(std::move(*key));
  RETURN_IF_ERROR(v->jwks.Add(v->key->public_jwk()));
  v->applications = std::make_unique<workflow::ApplicationRepository>(db_.get());
  visas_ = std::move(v);
  return Status();
}

const std::string& HubService::visa_issuer() const { return visas_->issuer; }

json HubService::VisaJwks() const { return visas_->jwks.ToJson(); }

// The active grants of every application the account ("user:17", as applications name their
// applicant and members) applied for or is a member of.
static Result<std::vector<std::pair<std::string, Grant>>> GrantsOf(
    workflow::ApplicationRepository& repo, const std::string& user_id, int64_t now) {
  std::vector<std::pair<std::string, Grant>> out;
  workflow::ListFilter filter;
  filter.involving = user_id;
  filter.states = {ApplicationState::kGranted, ApplicationState::kAmendmentReview};
  filter.limit = workflow::kMaxListLimit;
  for (;;) {
    ASSIGN_OR_RETURN(const std::vector<workflow::ApplicationSummary> page, repo.List(filter));
    for (const workflow::ApplicationSummary& s : page) {
      ASSIGN_OR_RETURN(const auto stored, repo.Get(s.id));
      for (const Grant& g : ActiveGrants(stored.first, Timestamp(std::chrono::seconds(now)))) {
        out.emplace_back(s.id, g);
      }
    }
    if (page.size() < static_cast<size_t>(filter.limit)) break;
    filter.cursor = page.back().cursor;
  }
  return out;
}

Result<Caller> HubService::Entitle(const Caller& caller) {
  if (caller.tier != Tier::kRegistered || AccountUserId(caller).empty()) return caller;
  const int64_t now = UnixNow();
  {
    std::lock_guard<std::mutex> lock(visas_->mu);
    auto it = visas_->by_caller.find(caller.id);
    if (it != visas_->by_caller.end() && now < it->second.renew_at) {
      return it->second.has_grants ? Caller{Tier::kControlled, caller.id} : caller;
    }
  }
  ASSIGN_OR_RETURN(const auto grants, GrantsOf(*visas_->applications, caller.id, now));
  if (grants.empty()) {
    std::lock_guard<std::mutex> lock(visas_->mu);
    visas_->by_caller[caller.id] = {{}, false, now + kNegativeCacheSeconds};
    return caller;
  }
  return Caller{Tier::kControlled, caller.id};
}

std::shared_ptr<const HubService::SentVisas> HubService::VisasFor(const Caller& caller) {
  VisaState& v = *visas_;
  const int64_t now = UnixNow();
  {
    std::lock_guard<std::mutex> lock(v.mu);
    auto it = v.by_caller.find(caller.id);
    if (it != v.by_caller.end() && now < it->second.renew_at && it->second.sent &&
        it->second.sent->per_site.size() == config_.sites.size()) {
      return it->second.sent;
    }
  }
  auto none = std::make_shared<SentVisas>();
  none->per_site.resize(config_.sites.size());
  none->grants.resize(config_.sites.size());
  // Which grants: a configured controlled key stands for a grant of every dataset everywhere;
  // an account has those of its applications.
  const bool standing = std::any_of(
      config_.api_keys.begin(), config_.api_keys.end(),
      [&](const ApiKeyConfig& k) { return k.tier == Tier::kControlled && k.caller == caller.id; });
  std::vector<std::vector<identity::VisaGrant>> grants(config_.sites.size());
  bool site_unknown = false;  // a site's datasets could not be learnt: do not cache the visas
  if (standing) {
    for (size_t i = 0; i < sites_.size(); ++i) {
      std::vector<std::string> ids;
      bool known = false;
      {
        std::lock_guard<std::mutex> lock(v.mu);
        auto it = v.site_datasets.find(i);
        if (it != v.site_datasets.end() &&
            now - it->second.fetched_at <
                (it->second.ids.empty() ? kNegativeCacheSeconds : kDatasetListSeconds)) {
          ids = it->second.ids;
          known = true;
        }
      }
      if (!known) {
        // The site's catalog names its datasets (the public tier is enough for the ids).
        Result<json> catalog = sites_[i]->Call(kNodeCatalogPath, nullptr, Caller{}.ToHeader());
        if (!catalog.ok()) {
          // Not remembered: a site that comes back is asked again at the next request, so that
          // it is answered at the controlled tier at once (no hub restart, no waiting).
          LOG_WARN("hub: no visas for site {}: its catalog: {}", config_.sites[i].id,
                   catalog.status().message());
          site_unknown = true;
        } else {
          for (const json& d : catalog->value("datasets", json::array())) {
            if (d.contains("id") && d["id"].is_string()) ids.push_back(d["id"].get<std::string>());
          }
          std::lock_guard<std::mutex> lock(v.mu);
          v.site_datasets[i] = {ids, now};
        }
      }
      for (const std::string& id : ids) {
        grants[i].push_back({caller.id, config_.sites[i].id, id, "",
                             identity::GrantId("standing:" + caller.id, config_.sites[i].id, id, 0),
                             now, now + config_.visa_lifetime_s, "", 0});
      }
    }
  } else if (!AccountUserId(caller).empty()) {
    Result<std::vector<std::pair<std::string, Grant>>> active =
        GrantsOf(*v.applications, caller.id, now);
    if (!active.ok()) {
      LOG_ERROR("hub: cannot read the grants of {}: {}", caller.id, active.status().ToString());
      return none;
    }
    for (const auto& [app, g] : *active) {
      for (size_t i = 0; i < config_.sites.size(); ++i) {
        if (config_.sites[i].id != g.site || g.dataset.empty()) continue;
        const int64_t granted_at = g.granted_at.time_since_epoch().count();
        grants[i].push_back({caller.id, g.site, g.dataset, app,
                             identity::GrantId(app, g.site, g.dataset, granted_at), granted_at,
                             g.expiry.time_since_epoch().count(), "", 0});
      }
    }
  }
  // Sign them. A visa lives visa_lifetime_s at most and never past its grant.
  VisaState::Visas made;
  auto sent = std::make_shared<SentVisas>();
  sent->per_site.resize(config_.sites.size());
  sent->grants.resize(config_.sites.size());
  made.renew_at = now + config_.visa_lifetime_s - kRenewMarginSeconds;
  json issued = json::array();
  for (size_t i = 0; i < grants.size(); ++i) {
    for (const identity::VisaGrant& g : grants[i]) {
      Result<std::string> visa =
          identity::IssueVisa(g, v.issuer, *v.key, now, config_.visa_lifetime_s);
      if (!visa.ok()) {
        LOG_WARN("hub: no visa for {} at {}/{}: {}", caller.id, g.site, g.dataset,
                 visa.status().message());
        continue;
      }
      std::string& header = sent->per_site[i];
      if (header.size() + 1 + visa->size() > kMaxVisaHeaderBytes) {
        LOG_WARN("hub: too many visas for {} at site {}; dataset {} is left out", caller.id, g.site,
                 g.dataset);
        continue;
      }
      if (!header.empty()) header += ' ';
      header += *visa;
      sent->grants[i].emplace_back(g.dataset, g.application);
      made.has_grants = true;
      made.renew_at = std::min(
          made.renew_at, std::min(g.expiry, now + config_.visa_lifetime_s) - kRenewMarginSeconds);
      issued.push_back({{"site", g.site},
                        {"dataset", g.dataset},
                        {"application", g.application},
                        {"grant", g.grant_id}});
    }
  }
  if (!issued.empty()) {
    // Issuing visas is the moment controlled access is handed out: it is audited.
    audit::Event event{caller.id,
                       "visa.issue",
                       "",
                       "ok",
                       "",
                       json{{"visas", std::move(issued)},
                            {"lifetime_s", config_.visa_lifetime_s},
                            {"issuer", v.issuer}}};
    if (Status s = audit_->AppendQueued(std::move(event), std::chrono::system_clock::now());
        !s.ok()) {
      LOG_ERROR("audit log: {}; visas not sent", s.ToString());
      return none;
    }
  }
  made.sent = sent;
  std::lock_guard<std::mutex> lock(v.mu);
  if (made.renew_at > now && !site_unknown) v.by_caller[caller.id] = made;
  return sent;
}

void HubService::GrantsChanged(const Application& app) {
  {
    std::lock_guard<std::mutex> lock(visas_->mu);
    visas_->by_caller.clear();
  }
  // Every revoked grant of the application, per site; re-sending old ones is harmless.
  std::map<std::string, json> notices;
  const int64_t now = UnixNow();
  for (const Grant& g : app.grants) {
    if (!g.revoked_at) continue;
    const int64_t until = g.expiry.time_since_epoch().count();
    if (until <= now) continue;
    notices[g.site].push_back({{"id", identity::GrantId(app.id, g.site, g.dataset,
                                                        g.granted_at.time_since_epoch().count())},
                               {"until", until}});
  }
  for (auto& [site, list] : notices) {
    auto it = std::find_if(config_.sites.begin(), config_.sites.end(),
                           [&](const SiteConfig& s) { return s.id == site; });
    Status sent = NotFound("site " + site + " is not in the hub's configuration");
    if (it != config_.sites.end()) {
      const json body = {{"revoked", list}};
      sent = sites_[static_cast<size_t>(it - config_.sites.begin())]
                 ->Call(kNodeVisaRevocationsPath, &body, Caller{Tier::kPublic, "hub"}.ToHeader())
                 .status();
    }
    if (!sent.ok()) {
      // The visas already issued still lapse within visa_lifetime_s: none are issued any more.
      LOG_ERROR("hub: site {} was not told of revoked grants of {}: {}", site, app.id,
                sent.ToString());
    }
    audit::Event event{"system",
                       "visa.revocation_notice",
                       "application:" + app.id,
                       sent.ok() ? "ok" : "failed",
                       "",
                       json{{"site", site}, {"grants", list}}};
    if (!sent.ok()) event.detail["message"] = sent.message();
    if (Status s = audit_->AppendQueued(std::move(event), std::chrono::system_clock::now());
        !s.ok()) {
      LOG_ERROR("audit log: {}", s.ToString());
    }
  }
}

}  // namespace renkei
