#include "api/hub_service.h"

#include <httplib.h>

#include <chrono>
#include <ctime>
#include <latch>
#include <map>
#include <set>

#include "api/hub_schema.h"
#include "cohort/cohort.h"
#include "common/log.h"
#include "crypto/sodium.h"
#include "federation/guarded_json.h"
#include "federation/protocol.h"
#include "freq/selector.h"
#include "privacy/guard.h"

namespace renkei {

using nlohmann::json;

namespace {

std::string NowIso8601() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string CohortOf(const json& body) {
  return body.is_object() && body.contains("cohort") && body["cohort"].is_string()
             ? body["cohort"].get<std::string>()
             : std::string();
}

// NotFound when every site answered and each said it has no such variant or contig; OK
// otherwise (an empty region is an answer; an empty answer with a site missing is partial, not
// proof of absence).
Status AbsentEverywhere(const std::vector<SiteAnswer>& answers, const json& body) {
  Status not_found;
  for (const SiteAnswer& a : answers) {
    if (a.answer.ok()) continue;
    if (a.answer.status().code() != StatusCode::kNotFound) return Status();
    not_found = a.answer.status();
  }
  if (not_found.ok()) return Status();  // every site answered: an empty region is an answer
  const std::string what =
      body.contains("variant") ? body["variant"].dump() : body.value("region", json("")).dump();
  return NotFound("no site holds a variant matching " + what +
                  (not_found.ok() ? std::string() : " (" + not_found.message() + ")"));
}

// Per configured site, the (dataset, application) of each visa a request carried there.
using SiteGrants = std::vector<std::vector<std::pair<std::string, std::string>>>;

// Whether a node's answer has a part for `dataset`: the "cells" of counts and frequencies, the
// "datasets" of preset strata, or the "access" list of datasets it answered below the caller's
// tier (api/node_service.h).
bool Names(const json& answer, const char* list, const std::string& dataset) {
  const auto it = answer.find(list);
  if (it == answer.end() || !it->is_array()) return false;
  for (const json& part : *it) {
    if (!part.is_object()) continue;
    const auto d = part.find("dataset");
    if (d != part.end() && d->is_string() && d->get_ref<const std::string&>() == dataset) {
      return true;
    }
  }
  return false;
}

// What a controlled-tier answer drew on, for its audit entry (audit/usage.h):
// {"application": the id, or the ids when grants of several applications were used;
//  "datasets": [{"site", "id"}], each with its "application" when there are several}.
// A dataset counts when the site answered, the request carried a visa for it there, the answer
// covers it and the node did not list it under "access" (no valid visa: answered at the
// registered tier). A standing grant (configured controlled key) names no application. Null
// when no dataset was answered at the controlled tier. Only the answers' dataset names are read.
json DataUse(const std::vector<SiteAnswer>& answers, const SiteGrants& grants) {
  struct Used {
    const std::string* site;
    std::string dataset;
    std::set<std::string> applications;
  };
  std::vector<Used> used;
  std::set<std::string> applications;
  for (size_t i = 0; i < answers.size() && i < grants.size(); ++i) {
    if (grants[i].empty() || !answers[i].answer.ok() || !answers[i].answer->is_object()) continue;
    const json& answer = *answers[i].answer;
    std::map<std::string, std::set<std::string>> sent;  // dataset → applications
    for (const auto& [dataset, application] : grants[i]) {
      std::set<std::string>& apps = sent[dataset];
      if (!application.empty()) apps.insert(application);
    }
    for (auto& [dataset, apps] : sent) {
      if (!(Names(answer, "cells", dataset) || Names(answer, "datasets", dataset)) ||
          Names(answer, "access", dataset)) {
        continue;
      }
      applications.insert(apps.begin(), apps.end());
      used.push_back({&answers[i].site_id, dataset, std::move(apps)});
    }
  }
  if (used.empty()) return json();
  json out = json::object();
  if (applications.size() == 1) out["application"] = *applications.begin();
  if (applications.size() > 1) out["application"] = applications;
  json datasets = json::array();
  for (Used& u : used) {
    json d = {{"site", *u.site}, {"id", std::move(u.dataset)}};
    if (applications.size() > 1) {
      d["application"] =
          u.applications.size() == 1 ? json(*u.applications.begin()) : json(u.applications);
    }
    datasets.push_back(std::move(d));
  }
  out["datasets"] = std::move(datasets);
  return out;
}

}  // namespace

Result<std::unique_ptr<HubService>> HubService::Create(const HubConfig& config) {
  std::unique_ptr<HubService> hub(new HubService(config));
  Result<std::unique_ptr<db::Database>> db = db::Database::Open(config.database);
  if (!db.ok()) return db.status().WithContext("hub database");
  hub->db_ = std::move(*db);
  RETURN_IF_ERROR(db::Migrate(*hub->db_, HubMigrations()).WithContext("hub database"));
  // The audit head is signed with the hub's key; its messages are domain-separated from the
  // request signatures' (audit/audit_log.h), so one key serves both.
  ASSIGN_OR_RETURN(hub->audit_, audit::AuditLog::Create(hub->db_.get(), config.secret_key));
  hub->accounts_ = std::make_unique<identity::Accounts>(hub->db_.get(), hub->audit_.get());
  ASSIGN_OR_RETURN(RequestSigner signer, RequestSigner::Create(config.secret_key));
  hub->signer_ = std::make_unique<RequestSigner>(std::move(signer));
  for (const SiteConfig& s : config.sites) {
    hub->sites_.push_back(std::make_unique<SiteClient>(
        s.id, s.url, hub->signer_.get(), std::chrono::milliseconds(config.timeout_ms)));
  }
  if (config.sites.size() > 1) {
    hub->pool_ = std::make_unique<httplib::ThreadPool>(static_cast<size_t>(config.threads) *
                                                       (config.sites.size() - 1));
  }
  RETURN_IF_ERROR(hub->StartVisas());
  if (!config.query_log.empty()) {
    hub->log_ = std::fopen(config.query_log.c_str(), "a");
    if (!hub->log_) return NotFound("cannot open the query log " + config.query_log);
  }
  hub->datasets_ = std::make_unique<workflow::DatasetRegistry>(hub->db_.get());
  hub->metadata_pusher_ = std::make_unique<MetadataPusher>(hub->datasets_.get(), hub->audit_.get(),
                                                           config.sites, hub->signer_.get());
  // Registrations the hub had not yet sent when it stopped.
  RETURN_IF_ERROR(hub->metadata_pusher_->EnqueuePending().WithContext("hub database"));
  return hub;
}

HubService::HubService(HubConfig config) : config_(std::move(config)) {}

HubService::~HubService() {
  if (pool_) pool_->shutdown();
  if (log_) std::fclose(log_);
}

Result<Caller> HubService::Authenticate(std::string_view api_key) {
  if (api_key.empty()) return Caller{};
  if (api_key.starts_with("rk_tok_")) {
    ASSIGN_OR_RETURN(const identity::Principal p,
                     accounts_->AuthenticateToken(api_key, std::chrono::system_clock::now()));
    if (std::find(p.scopes.begin(), p.scopes.end(), "query") == p.scopes.end()) {
      return PermissionDenied("this API token lacks the 'query' scope; make one that has it");
    }
    if (p.mfa_enrolment_required) {
      return PermissionDenied("enrol a second factor (TOTP) for this account first");
    }
    return Entitle(CallerFor(p));
  }
  const std::string digest = crypto::Sha256(api_key);
  for (const ApiKeyConfig& k : config_.api_keys) {
    if (crypto::ConstantTimeEquals(digest, k.sha256)) return Caller{k.tier, k.caller};
  }
  return Unauthenticated("unknown API key; check the key, or leave it out for public answers");
}

Caller HubService::CallerFor(const identity::Principal& p) {
  return Caller{Tier::kRegistered, "user:" + std::to_string(p.user.id)};
}

std::vector<SiteAnswer> HubService::FanOut(const std::string& path, const json* body,
                                           const Caller& caller,
                                           std::shared_ptr<const SentVisas>* sent) {
  const std::string header = caller.ToHeader();
  // A controlled-tier caller's visas go along, each site its own (signed with the request).
  std::shared_ptr<const SentVisas> visas;
  if (caller.tier == Tier::kControlled) visas = VisasFor(caller);
  if (sent) *sent = visas;
  std::vector<SiteAnswer> answers(sites_.size());
  auto ask = [&](size_t i) {
    const auto start = std::chrono::steady_clock::now();
    answers[i].site_id = config_.sites[i].id;
    answers[i].site_name = config_.sites[i].name;
    static const std::string kNoVisas;
    answers[i].answer = sites_[i]->Call(path, body, header, visas ? visas->per_site[i] : kNoVisas);
    answers[i].elapsed_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  };
  if (sites_.empty()) return answers;
  std::latch done(static_cast<std::ptrdiff_t>(sites_.size() - 1));
  for (size_t i = 1; i < sites_.size(); ++i) {
    pool_->enqueue([&ask, &done, i] {
      ask(i);
      done.count_down();
    });
  }
  ask(0);
  done.wait();
  return answers;
}

Status HubService::CheckCohort(const Caller& caller, const json& body, bool frequencies) const {
  if (body.contains("cohort") && !body["cohort"].is_string()) {
    return InvalidArgument("'cohort' must be a string such as \"age=60-69 & sex=male\"");
  }
  const std::string expr = CohortOf(body);
  if (expr.find('@') != std::string::npos) {
    return InvalidArgument(
        "sample files (sample=@path) cannot be used over the API; list the "
        "sample ids instead");
  }
  ASSIGN_OR_RETURN(const Cohort cohort, Cohort::Parse(expr));
  const bool everyone = cohort.ToString() == "all";
  const QueryKind kind = everyone      ? QueryKind::kPresetStrata
                         : frequencies ? QueryKind::kCohortFrequencies
                                       : QueryKind::kCohortCounts;
  return CheckAccess(caller.tier, kind, cohort.NamesSamples());
}

Status HubService::CheckSelector(const Caller& caller, const json& body) const {
  const bool has_variant = body.contains("variant");
  if (has_variant == body.contains("region")) {
    return InvalidArgument(
        "give exactly one of 'variant' (\"chr1:1234567:A:G\") or 'region' "
        "(\"chr1:1000000-2000000\", e.g. a gene by its coordinates)");
  }
  const json& v = has_variant ? body["variant"] : body["region"];
  if (!v.is_string()) return InvalidArgument("'variant' and 'region' must be strings");
  if (has_variant) return VariantSelector::ParseVariant(v.get<std::string>()).status();
  ASSIGN_OR_RETURN(const VariantSelector region,
                   VariantSelector::ParseRegion(v.get<std::string>()));
  const uint64_t bp =
      region.end == INT64_MAX ? UINT64_MAX : static_cast<uint64_t>(region.end - region.start + 1);
  return CheckSize(config_.privacy, caller.tier, bp, 0);
}

void HubService::Record(const Caller& caller, std::string_view kind, const json& body,
                        Result<json>& outcome, const json* use) {
  json entry = {{"time", NowIso8601()},
                {"caller", caller.id},
                {"tier", TierName(caller.tier)},
                {"kind", kind}};
  json detail = {{"tier", TierName(caller.tier)}};
  for (const char* key : {"cohort", "variant", "region"}) {
    if (body.is_object() && body.contains(key)) entry[key] = detail[key] = body[key];
  }
  std::string result = "ok";
  if (outcome.ok()) {
    entry["outcome"] = "answered";
    if (outcome->contains("partial")) entry["partial"] = detail["partial"] = (*outcome)["partial"];
    // Which sites answered, for usage reports (audit/usage.h).
    if (outcome->contains("sites") && (*outcome)["sites"].is_array()) {
      json sites = json::array();
      for (const json& s : (*outcome)["sites"]) {
        if (s.is_object())
          sites.push_back({{"id", s.value("id", "")}, {"status", s.value("status", "")}});
      }
      detail["sites"] = std::move(sites);
    }
    // The project and the controlled data the answer drew on (DataUse).
    if (use && use->is_object()) {
      for (const auto& [key, value] : use->items()) entry[key] = detail[key] = value;
    }
  } else {
    const StatusCode c = outcome.status().code();
    const bool refused = c == StatusCode::kPermissionDenied || c == StatusCode::kUnauthenticated ||
                         c == StatusCode::kFailedPrecondition || c == StatusCode::kInvalidArgument;
    entry["outcome"] = refused ? "refused" : "failed";
    result = refused ? "denied" : "failed";
    entry["code"] = detail["code"] = StatusCodeName(c);
    entry["message"] = detail["message"] = outcome.status().message();
  }
  audit::Event event{caller.id.empty() ? "anonymous" : caller.id,
                     "query." + std::string(kind),
                     "",
                     result,
                     "",
                     std::move(detail)};
  // Queued, not committed before answering: a commit per answer put the database's latency
  // into every query's (docs/benchmarks.md). The queue refuses when the log falls behind or
  // cannot be written, and then the query is not answered.
  if (Status queued = audit_->AppendQueued(std::move(event), std::chrono::system_clock::now());
      !queued.ok()) {
    LOG_ERROR("audit log: {}", queued.ToString());
    outcome = Unavailable(
        "the hub cannot record queries right now, so it answers none; try again "
        "later");
  }
  const std::string line = entry.dump(-1, ' ', false, json::error_handler_t::replace);
  LOG_INFO("query {}", line);
  if (!log_) return;
  std::lock_guard<std::mutex> lock(log_mu_);
  std::fputs((line + "\n").c_str(), log_);
  std::fflush(log_);
}

Result<json> HubService::Search(const Caller& caller, const json& body) {
  json use;
  Result<json> out = [&]() -> Result<json> {
    RETURN_IF_ERROR(CheckCohort(caller, body, /*frequencies=*/false));
    const json request = {{"cohort", CohortOf(body)}};
    std::shared_ptr<const SentVisas> sent;
    const std::vector<SiteAnswer> answers = FanOut(kNodeCountPath, &request, caller, &sent);
    if (sent) use = DataUse(answers, sent->grants);
    return AggregateCount(answers, config_.privacy, caller.tier);
  }();
  Record(caller, "search", body, out, &use);
  return out;
}

Result<json> HubService::Freq(const Caller& caller, const json& body) {
  json use;
  Result<json> out = [&]() -> Result<json> {
    RETURN_IF_ERROR(CheckCohort(caller, body, /*frequencies=*/true));
    RETURN_IF_ERROR(CheckSelector(caller, body));
    json request = {{"cohort", CohortOf(body)}};
    for (const char* key : {"variant", "region"}) {
      if (body.contains(key)) request[key] = body[key];
    }
    std::shared_ptr<const SentVisas> sent;
    std::vector<SiteAnswer> answers = FanOut(kNodeFreqPath, &request, caller, &sent);
    if (sent) use = DataUse(answers, sent->grants);
    ASSIGN_OR_RETURN(json result, AggregateFreq(answers, config_.privacy, caller.tier));
    if (result["variants"].empty()) RETURN_IF_ERROR(AbsentEverywhere(answers, body));
    return result;
  }();
  Record(caller, "freq", body, out, &use);
  return out;
}

Result<json> HubService::Strata(const Caller& caller, const json& body) {
  json use;
  Result<json> out = [&]() -> Result<json> {
    RETURN_IF_ERROR(CheckAccess(caller.tier, QueryKind::kPresetStrata, false));
    RETURN_IF_ERROR(CheckSelector(caller, body));
    json request = json::object();
    for (const char* key : {"variant", "region"}) {
      if (body.contains(key)) request[key] = body[key];
    }
    std::shared_ptr<const SentVisas> sent;
    std::vector<SiteAnswer> answers = FanOut(kNodeStrataPath, &request, caller, &sent);
    if (sent) use = DataUse(answers, sent->grants);
    ASSIGN_OR_RETURN(json result, AggregateStrata(answers, config_.privacy, caller.tier));
    if (result["variants"].empty()) RETURN_IF_ERROR(AbsentEverywhere(answers, body));
    return result;
  }();
  Record(caller, "strata", body, out, &use);
  return out;
}

Result<json> HubService::Catalog(const Caller& caller) {
  std::vector<SiteAnswer> answers = FanOut(kNodeCatalogPath, nullptr, caller);
  Breakdown samples;
  std::vector<std::pair<std::string, std::string>> order;
  std::map<std::pair<std::string, std::string>, Breakdown> facets;
  json datasets = json::array();
  for (const SiteAnswer& a : answers) {
    if (!a.answer.ok()) continue;
    const json& ans = *a.answer;
    if (!ans.contains("datasets") || !ans["datasets"].is_array()) continue;
    for (const json& ds : ans["datasets"]) {
      datasets.push_back({{"site", a.site_id},
                          {"id", ds.value("id", "")},
                          {"biobanks", ds.value("biobanks", json::array())},
                          {"variants", ds.value("variants", 0)},
                          {"contigs", ds.value("contigs", json::array())}});
      for (const json& cell : ds.value("cells", json::array())) {
        const std::string biobank = cell.value("biobank", "unknown");
        ASSIGN_OR_RETURN(const GuardedValue n, GuardedValueFromJson(cell, "samples"));
        samples.Add(a.site_id, biobank, GuardedSite{n, {}, {}, {}});
        for (const json& f : cell.value("facets", json::array())) {
          const auto key = std::make_pair(f.value("attribute", ""), f.value("value", ""));
          ASSIGN_OR_RETURN(const GuardedValue c, GuardedValueFromJson(f, "count"));
          if (!facets.count(key)) order.push_back(key);
          facets[key].Add(a.site_id, biobank, GuardedSite{c, {}, {}, {}});
        }
      }
    }
  }
  json out = json::object();
  AddSiteStatus(answers, &out);
  out["datasets"] = std::move(datasets);
  out["samples"] = samples.ToJson(config_.privacy, caller.tier, {});
  json list = json::array();
  for (const auto& key : order) {
    json f = {{"attribute", key.first}, {"value", key.second}};
    f.update(facets[key].ToJson(config_.privacy, caller.tier, {}));
    list.push_back(std::move(f));
  }
  out["facets"] = std::move(list);
  return out;
}

json HubService::Sites() {
  std::vector<SiteAnswer> answers = FanOut(kNodeHealthPath, nullptr, Caller{});
  json out = json::object();
  AddSiteStatus(answers, &out);
  for (size_t i = 0; i < answers.size(); ++i) out["sites"][i]["url"] = config_.sites[i].url;
  return out;
}

}  // namespace renkei
