#include "api/node_service.h"

#include <algorithm>
#include <bit>
#include <chrono>
#include <climits>
#include <set>
#include <shared_mutex>

#include "cohort/sample_mask.h"
#include "common/log.h"
#include "federation/guarded_json.h"
#include "store/metadata_update.h"

namespace renkei {

using nlohmann::json;

namespace {

// Longest cohort expression accepted over the API (a controlled-tier sample list included).
constexpr size_t kMaxCohortChars = 64 * 1024;
// Evaluated cohorts kept per node; the cache is cleared when it is full.
constexpr size_t kCohortCacheLimit = 1024;
// Visas one request may carry, and revocations one notice may hold.
constexpr size_t kMaxVisasPerRequest = 64;
constexpr size_t kMaxRevocationsPerNotice = 10'000;

int64_t UnixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::vector<std::string> AltNames(const VariantView& v) {
  std::vector<std::string> out;
  for (uint32_t a = 0; a < v.n_alts; ++a) out.emplace_back(v.Alt(a));
  return out;
}

json VariantJson(const VariantView& v, const GuardedSite& counts,
                 const std::vector<std::string>& alts) {
  json out = {{"contig", v.contig}, {"pos", v.pos}, {"id", v.id}, {"ref", v.ref}};
  out["counts"] = GuardedSiteJson(counts, alts);
  return out;
}

// Keeps only ALT `only` (when set) in both the counts and the names.
void KeepAlt(std::optional<uint32_t> only, GuardedSite* site, std::vector<std::string>* alts) {
  if (!only || *only >= site->alts.size()) return;
  site->alts = {site->alts[*only]};
  *alts = {(*alts)[*only]};
}

}  // namespace

Result<NodeService::Dataset> NodeService::OpenDataset(const std::string& id, const std::string& dir,
                                                      const PrivacyPolicy& privacy) {
  ASSIGN_OR_RETURN(GenotypeStore store, GenotypeStore::Open(dir));
  Dataset d{id, std::move(store), {}, {}, {}, {}, nullptr, {}};
  const SampleTable& table = d.store.samples();
  std::set<std::string> biobanks;
  for (const Sample& s : table.samples()) biobanks.insert(s.biobank);
  for (const std::string& b : biobanks) {
    d.biobanks.push_back(b);
    d.biobank_masks.push_back(StratumMask({"biobank", b}, table));
  }
  d.facets = PresetStrata(table);
  for (const StratumDef& f : d.facets) d.facet_masks.push_back(StratumMask(f, table));
  d.history = std::make_unique<CohortHistory>(privacy);
  d.presets.push_back(FullMask(table.size()));
  for (const SampleMask& m : d.facet_masks) {
    if (CountBits(m) >= privacy.floor) d.presets.push_back(m);
  }
  return d;
}

Result<json> NodeService::ReplaceMetadata(const json& body) {
  if (!body.is_object() || !body.contains("dataset") || !body["dataset"].is_string() ||
      !body.contains("samples") || !body["samples"].is_string()) {
    return InvalidArgument(
        "expected {\"dataset\", \"version\", \"registered_by\", \"samples\": the samples file}");
  }
  const std::string id = body["dataset"].get<std::string>();
  std::vector<Status> problems;
  Result<SampleTable> samples =
      SampleTable::ParseTsv(body["samples"].get<std::string>(), "samples.tsv", &problems);
  if (!samples.ok()) {
    return Status(samples.status().code(),
                  samples.status().message() +
                      (problems.size() > 1
                           ? " (and " + std::to_string(problems.size() - 1) + " more problems)"
                           : std::string()));
  }
  std::lock_guard<std::mutex> one_at_a_time(metadata_mu_);
  std::string dir;
  MetadataUpdateReport report;
  {
    std::shared_lock<std::shared_mutex> reading(datasets_mu_);
    auto it = std::find_if(datasets_.begin(), datasets_.end(),
                           [&](const Dataset& d) { return d.id == id; });
    if (it == datasets_.end()) {
      return NotFound("this node (site " + config_.site + ") serves no dataset " + id);
    }
    dir = it->store.dir();
    // Written aside and renamed over the store: the open store keeps reading its files.
    ASSIGN_OR_RETURN(report,
                     UpdateMetadata(it->store, *samples, dir, /*overwrite=*/false,
                                    {{"version", body.value("version", json())},
                                     {"registered_by", body.value("registered_by", json())}}));
  }
  ASSIGN_OR_RETURN(Dataset fresh, OpenDataset(id, dir, config_.privacy));
  {
    std::unique_lock<std::shared_mutex> writing(datasets_mu_);
    for (Dataset& d : datasets_) {
      if (d.id != id) continue;
      fresh.history = std::move(d.history);  // the same samples, in the same order
      d = std::move(fresh);
      break;
    }
    std::lock_guard<std::mutex> lock(cache_mu_);
    cache_.clear();
  }
  LOG_INFO("node {}: dataset {} has new metadata (version {}, {} of {} samples changed) in {:.1f}s",
           config_.site, id, body.value("version", json()).dump(), report.changed_samples,
           report.samples, report.seconds);
  return json{{"dataset", id},
              {"version", body.value("version", json())},
              {"samples", report.samples},
              {"changed_samples", report.changed_samples},
              {"seconds", report.seconds}};
}

Result<std::unique_ptr<NodeService>> NodeService::Create(const NodeConfig& config) {
  std::unique_ptr<NodeService> node(new NodeService(config));
  for (const NodeDatasetConfig& dc : config.datasets) {
    Result<Dataset> d = OpenDataset(dc.id, dc.store, config.privacy);
    if (!d.ok()) return d.status().WithContext("dataset " + dc.id);
    LOG_INFO("node {}: dataset {} from {}: {} samples, {} variants", config.site, d->id, dc.store,
             d->store.num_samples(), d->store.num_variants());
    node->datasets_.push_back(std::move(*d));
  }
  if (config.visa) {
    Result<identity::JwkSet> keys = identity::JwkSet::FromJson(config.visa->jwks);
    if (!keys.ok()) return keys.status().WithContext("hub_visa.jwks");
    node->visa_keys_ = std::move(*keys);
    if (!config.visa->revoked_file.empty()) {
      RETURN_IF_ERROR(node->revoked_.Load(config.visa->revoked_file, UnixNow()));
    }
    LOG_INFO("node {}: controlled tier with GA4GH Passport visas of {} ({} keys, {} revoked)",
             config.site, config.visa->issuer, node->visa_keys_->size(), node->revoked_.size());
  } else {
    LOG_WARN(
        "node {}: no hub_visa in the configuration: no dataset will be answered at the "
        "controlled tier",
        config.site);
  }
  return node;
}

VisaAccess NodeService::CheckVisas(const Caller& caller, std::string_view visas_header) const {
  std::shared_lock<std::shared_mutex> reading(datasets_mu_);
  VisaAccess access;
  if (caller.tier != Tier::kControlled) return access;
  auto refuse = [&](std::string why) {
    LOG_WARN("node {}: visa refused for caller {}: {}", config_.site, caller.id, why);
    access.refusals.push_back(std::move(why));
  };
  if (!visa_keys_) {
    refuse(
        "this site has no key to verify visas with (hub_visa is not configured), so it answers "
        "no dataset at the controlled tier");
    return access;
  }
  const std::vector<std::string_view> visas = identity::SplitVisas(visas_header);
  if (visas.empty()) {
    refuse("no visa came with this controlled-tier request");
    return access;
  }
  if (visas.size() > kMaxVisasPerRequest) {
    refuse("more than " + std::to_string(kMaxVisasPerRequest) + " visas in one request");
    return access;
  }
  identity::VisaVerifyOptions options;
  options.issuer = config_.visa->issuer;
  options.site = config_.site;
  for (const Dataset& d : datasets_) options.datasets.push_back(d.id);
  options.now = UnixNow();
  options.revoked = &revoked_;
  for (std::string_view visa : visas) {
    Result<identity::VisaGrant> grant = identity::VerifyVisa(visa, *visa_keys_, options);
    if (!grant.ok()) {
      refuse(grant.status().message());
      continue;
    }
    if (grant->subject != caller.id) {
      refuse("visa " + grant->jti + " was issued to " + grant->subject + ", not to " + caller.id);
      continue;
    }
    access.datasets.insert(grant->dataset);
  }
  return access;
}

Result<json> NodeService::RevokeGrants(const json& body) {
  if (!body.is_object() || !body.contains("revoked") || !body["revoked"].is_array()) {
    return InvalidArgument("expected {\"revoked\": [{\"id\", \"until\"}...]}");
  }
  const json& list = body["revoked"];
  if (list.size() > kMaxRevocationsPerNotice) {
    return InvalidArgument("at most " + std::to_string(kMaxRevocationsPerNotice) +
                           " revocations per notice");
  }
  std::vector<std::pair<std::string, int64_t>> ids;
  for (const json& e : list) {
    if (!e.is_object() || !e.contains("id") || !e["id"].is_string() || !e.contains("until") ||
        !e["until"].is_number_integer()) {
      return InvalidArgument("each revocation needs a string 'id' and an integer 'until'");
    }
    ids.emplace_back(e["id"].get<std::string>(), e["until"].get<int64_t>());
  }
  Status added = revoked_.Add(ids, UnixNow());
  if (!added.ok()) {
    LOG_ERROR("node {}: revocations: {}", config_.site, added.message());
    return added;
  }
  for (const auto& [id, until] : ids) {
    LOG_INFO("node {}: grant or visa {} revoked by the hub (kept until {})", config_.site, id,
             until);
  }
  return json{{"revoked", revoked_.size()}};
}

NodeService::Tiers NodeService::TiersFor(const Caller& caller, const VisaAccess& visas) const {
  Tiers t;
  t.lowest = caller.tier;
  t.access = json::array();
  std::string why;
  for (const std::string& r : visas.refusals) why += (why.empty() ? "" : "; ") + r;
  for (const Dataset& d : datasets_) {
    Tier tier = caller.tier;
    if (caller.tier == Tier::kControlled && !visas.everything && !visas.datasets.contains(d.id)) {
      tier = Tier::kRegistered;
      t.access.push_back({{"dataset", d.id},
                          {"tier", TierName(tier)},
                          {"reason", "no valid visa for this dataset came with the request" +
                                         (why.empty() ? std::string() : " (" + why + ")")}});
    }
    t.dataset.push_back(tier);
    t.lowest = std::min(t.lowest, tier);
  }
  return t;
}

Status NodeService::Explain(const Status& s, const Tiers& tiers) {
  if (s.ok() || tiers.access.empty()) return s;
  std::string datasets;
  for (const json& a : tiers.access) {
    datasets += (datasets.empty() ? "" : ", ") + a["dataset"].get<std::string>();
  }
  return Status(s.code(), s.message() + " (here dataset(s) " + datasets +
                              " are answered at the registered tier only: " +
                              tiers.access[0]["reason"].get<std::string>() + ")");
}

Status NodeService::CheckNearPresets(const Dataset& d, const SampleMask& mask) const {
  const uint32_t limit = config_.privacy.min_difference;
  for (const SampleMask& preset : d.presets) {
    uint32_t diff = 0;
    for (size_t w = 0; w < mask.size() && diff < limit; ++w) {
      diff += static_cast<uint32_t>(std::popcount(mask[w] ^ preset[w]));
    }
    if (diff > 0 && diff < limit) {
      return FailedPrecondition(
          "this cohort differs from everyone or from a preset stratum (an age band, sex, region, "
          "chapter, disease group or biobank) by " +
          std::to_string(diff) + (diff == 1 ? " sample" : " samples") +
          "; cohorts must differ from those by at least " + std::to_string(limit) +
          " samples, so that no answer isolates a few people: widen or narrow it by more");
    }
  }
  return Status();
}

Result<std::shared_ptr<const NodeService::EvaluatedCohort>> NodeService::Evaluate(
    const std::string& expr) {
  {
    std::lock_guard<std::mutex> lock(cache_mu_);
    auto it = cache_.find(expr);
    if (it != cache_.end()) return it->second;
  }
  ASSIGN_OR_RETURN(const Cohort cohort, Cohort::Parse(expr));
  auto ev = std::make_shared<EvaluatedCohort>();
  ev->text = cohort.ToString();
  ev->everyone = ev->text == "all";
  ev->names_samples = cohort.NamesSamples();
  for (const Dataset& d : datasets_) {
    const uint32_t n = d.store.num_samples();
    ASSIGN_OR_RETURN(SampleMask mask,
                     cohort.Evaluate(d.store.samples(), Cohort::UnknownSamples::kIgnore));
    std::vector<CohortCell> cells;
    for (const SampleMask& b : d.biobank_masks) {
      CohortCell cell;
      cell.mask = mask;
      AndInPlace(cell.mask, b);
      cell.size = static_cast<uint32_t>(CountBits(cell.mask));
      cell.counting = std::make_shared<const CountingMask>(cell.mask, n);
      cells.push_back(std::move(cell));
    }
    ev->near_preset.push_back(CheckNearPresets(d, mask));
    ev->dataset_masks.push_back(std::move(mask));
    ev->cells.push_back(std::move(cells));
  }
  std::lock_guard<std::mutex> lock(cache_mu_);
  if (cache_.size() >= kCohortCacheLimit) cache_.clear();
  cache_.emplace(expr, ev);
  return std::shared_ptr<const EvaluatedCohort>(ev);
}

Result<std::shared_ptr<const NodeService::EvaluatedCohort>> NodeService::PrepareCohort(
    const Tiers& tiers, const json& request, QueryKind kind) {
  if (!request.is_object()) return InvalidArgument("the request body must be a JSON object");
  std::string expr;
  if (request.contains("cohort")) {
    if (!request["cohort"].is_string()) {
      return InvalidArgument("'cohort' must be a string such as \"age=60-69 & sex=male\"");
    }
    expr = request["cohort"].get<std::string>();
  }
  if (expr.size() > kMaxCohortChars) {
    return InvalidArgument("the cohort expression is longer than " +
                           std::to_string(kMaxCohortChars) + " characters");
  }
  // `sample=@path` reads a file on the machine that parses it: never on a server's behalf.
  if (expr.find('@') != std::string::npos) {
    return InvalidArgument(
        "sample files (sample=@path) cannot be used over the API; list the "
        "sample ids instead");
  }
  ASSIGN_OR_RETURN(std::shared_ptr<const EvaluatedCohort> ev, Evaluate(expr));
  RETURN_IF_ERROR(Explain(
      CheckAccess(tiers.lowest, ev->everyone ? QueryKind::kPresetStrata : kind, ev->names_samples),
      tiers));
  if (!ev->everyone) {
    for (size_t d = 0; d < datasets_.size(); ++d) {
      if (tiers.dataset[d] != Tier::kRegistered) continue;
      // A cohort below the floor reveals nothing (every number is withheld), so it is neither
      // checked nor remembered.
      if (CountBits(ev->dataset_masks[d]) < config_.privacy.floor) continue;
      RETURN_IF_ERROR(ev->near_preset[d]);
      RETURN_IF_ERROR(datasets_[d].history->CheckAndRecord(tiers.dataset[d], ev->dataset_masks[d]));
    }
  }
  return ev;
}

Result<VariantSelector> NodeService::ParseSelector(const json& request) const {
  if (!request.is_object()) return InvalidArgument("the request body must be a JSON object");
  const bool has_variant = request.contains("variant");
  const bool has_region = request.contains("region");
  if (has_variant == has_region) {
    return InvalidArgument(
        "give exactly one of 'variant' (\"chr1:1234567:A:G\") or 'region' "
        "(\"chr1:1000000-2000000\", a gene by its coordinates)");
  }
  const json& v = has_variant ? request["variant"] : request["region"];
  if (!v.is_string()) return InvalidArgument("'variant' and 'region' must be strings");
  const std::string text = v.get<std::string>();
  if (text.size() > 256) return InvalidArgument("'variant' or 'region' is too long");
  return has_variant ? VariantSelector::ParseVariant(text) : VariantSelector::ParseRegion(text);
}

void NodeService::LogQuery(const Caller& caller, std::string_view what, std::string_view cohort,
                           std::string_view variants, const Status& outcome) const {
  LOG_INFO("query site={} caller={} tier={} kind={} cohort=\"{}\" variants=\"{}\" outcome={}",
           config_.site, caller.id, TierName(caller.tier), what, cohort, variants,
           outcome.ok() ? std::string("answered") : outcome.ToString());
}

Result<json> NodeService::CatalogWithVisas(const Caller& caller, const VisaAccess& visas) const {
  std::shared_lock<std::shared_mutex> reading(datasets_mu_);
  const Tiers tiers = TiersFor(caller, visas);
  json out = {{"site", config_.site}, {"name", config_.name}, {"tier", TierName(tiers.lowest)}};
  if (!tiers.access.empty()) out["access"] = tiers.access;
  json datasets = json::array();
  for (size_t i = 0; i < datasets_.size(); ++i) {
    const Dataset& d = datasets_[i];
    const Tier tier = tiers.dataset[i];
    json ds = {{"id", d.id}, {"biobanks", d.biobanks}, {"variants", d.store.num_variants()}};
    json contigs = json::array();
    for (const ContigInfo& c : d.store.contigs()) {
      if (c.end > c.first) contigs.push_back({{"name", c.name}, {"variants", c.end - c.first}});
    }
    ds["contigs"] = std::move(contigs);
    json cells = json::array();
    for (size_t b = 0; b < d.biobanks.size(); ++b) {
      json cell = {{"biobank", d.biobanks[b]}};
      std::vector<std::string> withheld;
      PutGuarded("samples", GuardCount(config_.privacy, tier, CountBits(d.biobank_masks[b])), &cell,
                 &withheld);
      json facets = json::array();
      for (size_t f = 0; f < d.facets.size(); ++f) {
        SampleMask m = d.facet_masks[f];
        AndInPlace(m, d.biobank_masks[b]);
        json facet = {{"attribute", d.facets[f].attribute}, {"value", d.facets[f].value}};
        PutGuarded("count", GuardCount(config_.privacy, tier, CountBits(m)), &facet, nullptr);
        facets.push_back(std::move(facet));
      }
      cell["facets"] = std::move(facets);
      cell["withheld"] = withheld;
      cells.push_back(std::move(cell));
    }
    ds["cells"] = std::move(cells);
    datasets.push_back(std::move(ds));
  }
  out["datasets"] = std::move(datasets);
  return out;
}

Result<json> NodeService::CountWithVisas(const Caller& caller, const VisaAccess& visas,
                                         const json& request) {
  std::shared_lock<std::shared_mutex> reading(datasets_mu_);
  const Tiers tiers = TiersFor(caller, visas);
  Result<std::shared_ptr<const EvaluatedCohort>> prepared =
      PrepareCohort(tiers, request, QueryKind::kCohortCounts);
  const std::string cohort_text =
      request.is_object() && request.contains("cohort") && request["cohort"].is_string()
          ? request["cohort"].get<std::string>()
          : "";
  LogQuery(caller, "count", prepared.ok() ? (*prepared)->text : cohort_text, "", prepared.status());
  if (!prepared.ok()) return prepared.status();
  const EvaluatedCohort& ev = **prepared;
  json cells = json::array();
  for (size_t d = 0; d < datasets_.size(); ++d) {
    const Dataset& ds = datasets_[d];
    const Tier tier = tiers.dataset[d];
    for (size_t b = 0; b < ds.biobanks.size(); ++b) {
      const CohortCell& cc = ev.cells[d][b];
      json cell = {{"dataset", ds.id}, {"biobank", ds.biobanks[b]}};
      std::vector<std::string> withheld;
      const GuardedValue size = GuardCount(config_.privacy, tier, cc.size);
      PutGuarded("cohort_size", size, &cell, &withheld);
      json facets = json::array();
      for (size_t f = 0; f < ds.facets.size(); ++f) {
        SampleMask m = ds.facet_masks[f];
        AndInPlace(m, cc.mask);
        // Below the floor the whole cell is withheld, facets included.
        const GuardedValue count = size.withheld ? GuardedValue::Withheld()
                                                 : GuardCount(config_.privacy, tier, CountBits(m));
        json facet = {{"attribute", ds.facets[f].attribute}, {"value", ds.facets[f].value}};
        PutGuarded("count", count, &facet, nullptr);
        facets.push_back(std::move(facet));
      }
      cell["facets"] = std::move(facets);
      cell["withheld"] = withheld;
      cells.push_back(std::move(cell));
    }
  }
  json out = {{"site", config_.site},
              {"cohort", ev.text},
              {"tier", TierName(tiers.lowest)},
              {"cells", std::move(cells)}};
  if (!tiers.access.empty()) out["access"] = tiers.access;
  return out;
}

Result<json> NodeService::FreqWithVisas(const Caller& caller, const VisaAccess& visas,
                                        const json& request) {
  std::shared_lock<std::shared_mutex> reading(datasets_mu_);
  const Tiers tiers = TiersFor(caller, visas);
  Result<VariantSelector> selector = ParseSelector(request);
  if (!selector.ok()) {
    LogQuery(caller, "freq", "", "", selector.status());
    return selector.status();
  }
  const std::string what = selector->ToString();
  // Resolve the selection in every dataset first: size limits apply before any counting.
  std::vector<std::optional<Selection>> selections;
  uint64_t max_sites = 0;
  Status not_found;
  for (const Dataset& d : datasets_) {
    Result<Selection> sel = Select(d.store, *selector);
    if (!sel.ok()) {
      if (sel.status().code() != StatusCode::kNotFound) return sel.status();
      not_found = sel.status();
      selections.emplace_back();
      continue;
    }
    max_sites = std::max<uint64_t>(max_sites, sel->size());
    selections.emplace_back(std::move(*sel));
  }
  if (!not_found.ok() && std::none_of(selections.begin(), selections.end(),
                                      [](const auto& s) { return s.has_value(); })) {
    LogQuery(caller, "freq", "", what, not_found);
    return not_found;
  }
  uint64_t bp = 1;
  if (selector->kind == VariantSelector::Kind::kRegion) {
    bp = selector->end == INT64_MAX ? UINT64_MAX
                                    : static_cast<uint64_t>(selector->end - selector->start + 1);
  }
  Status size = Explain(CheckSize(config_.privacy, tiers.lowest, bp, max_sites), tiers);
  if (!size.ok()) {
    LogQuery(caller, "freq", "", what, size);
    return size;
  }
  Result<std::shared_ptr<const EvaluatedCohort>> prepared =
      PrepareCohort(tiers, request, QueryKind::kCohortFrequencies);
  LogQuery(caller, "freq", prepared.ok() ? (*prepared)->text : "", what, prepared.status());
  if (!prepared.ok()) return prepared.status();
  const EvaluatedCohort& ev = **prepared;

  json cells = json::array();
  SiteCounts exact;
  for (size_t d = 0; d < datasets_.size(); ++d) {
    const Dataset& ds = datasets_[d];
    const Tier tier = tiers.dataset[d];
    for (size_t b = 0; b < ds.biobanks.size(); ++b) {
      const CohortCell& cc = ev.cells[d][b];
      json cell = {{"dataset", ds.id}, {"biobank", ds.biobanks[b]}};
      std::vector<std::string> withheld;
      PutGuarded("cohort_size", GuardCount(config_.privacy, tier, cc.size), &cell, &withheld);
      cell["withheld"] = withheld;
      json variants = json::array();
      if (selections[d]) {
        const Selection& sel = *selections[d];
        auto emit = [&](size_t index, std::optional<uint32_t> only_alt) -> Status {
          RETURN_IF_ERROR(ds.store.Count(index, cc.counting.get(), &exact));
          const VariantView v = ds.store.Variant(index);
          GuardedSite guarded = GuardSite(config_.privacy, tier, exact);
          std::vector<std::string> alts = AltNames(v);
          KeepAlt(only_alt, &guarded, &alts);
          variants.push_back(VariantJson(v, guarded, alts));
          return Status();
        };
        if (sel.explicit_sites) {
          for (const SelectedSite& s : sel.sites) RETURN_IF_ERROR(emit(s.index, s.only_alt));
        } else {
          for (size_t i = sel.first; i < sel.end; ++i) RETURN_IF_ERROR(emit(i, std::nullopt));
        }
      }
      cell["variants"] = std::move(variants);
      cells.push_back(std::move(cell));
    }
  }
  json out = {{"site", config_.site},
              {"cohort", ev.text},
              {"tier", TierName(tiers.lowest)},
              {"cells", std::move(cells)}};
  if (!tiers.access.empty()) out["access"] = tiers.access;
  return out;
}

Result<json> NodeService::StrataWithVisas(const Caller& caller, const VisaAccess& visas,
                                          const json& request) {
  std::shared_lock<std::shared_mutex> reading(datasets_mu_);
  const Tiers tiers = TiersFor(caller, visas);
  Result<VariantSelector> selector = ParseSelector(request);
  if (!selector.ok()) {
    LogQuery(caller, "strata", "", "", selector.status());
    return selector.status();
  }
  const std::string what = selector->ToString();
  Status access = CheckAccess(tiers.lowest, QueryKind::kPresetStrata, false);
  json datasets = json::array();
  std::vector<SiteCounts> strata;
  for (size_t di = 0; di < datasets_.size(); ++di) {
    const Dataset& d = datasets_[di];
    const Tier tier = tiers.dataset[di];
    Result<Selection> sel = Select(d.store, *selector);
    if (!sel.ok() && sel.status().code() != StatusCode::kNotFound) return sel.status();
    uint64_t bp = 1;
    if (selector->kind == VariantSelector::Kind::kRegion) {
      bp = selector->end == INT64_MAX ? UINT64_MAX
                                      : static_cast<uint64_t>(selector->end - selector->start + 1);
    }
    if (access.ok())
      access =
          Explain(CheckSize(config_.privacy, tiers.lowest, bp, sel.ok() ? sel->size() : 0), tiers);
    if (!access.ok()) {
      LogQuery(caller, "strata", "", what, access);
      return access;
    }
    json ds = {{"dataset", d.id}, {"biobanks", d.biobanks}};
    json variants = json::array();
    if (sel.ok()) {
      auto emit = [&](size_t index, std::optional<uint32_t> only_alt) -> Status {
        RETURN_IF_ERROR(d.store.StrataCounts(index, &strata));
        const VariantView v = d.store.Variant(index);
        json var = {{"contig", v.contig}, {"pos", v.pos}, {"id", v.id}, {"ref", v.ref}};
        json rows = json::array();
        for (size_t s = 0; s < strata.size(); ++s) {
          GuardedSite guarded = GuardSite(config_.privacy, tier, strata[s]);
          std::vector<std::string> alts = AltNames(v);
          KeepAlt(only_alt, &guarded, &alts);
          const StratumDef& def = d.store.strata()[s].def;
          rows.push_back({{"attribute", def.attribute},
                          {"value", def.value},
                          {"counts", GuardedSiteJson(guarded, alts)}});
        }
        var["strata"] = std::move(rows);
        variants.push_back(std::move(var));
        return Status();
      };
      if (sel->explicit_sites) {
        for (const SelectedSite& s : sel->sites) RETURN_IF_ERROR(emit(s.index, s.only_alt));
      } else {
        for (size_t i = sel->first; i < sel->end; ++i) RETURN_IF_ERROR(emit(i, std::nullopt));
      }
    }
    ds["variants"] = std::move(variants);
    datasets.push_back(std::move(ds));
  }
  LogQuery(caller, "strata", "preset", what, Status());
  json out = {
      {"site", config_.site}, {"tier", TierName(tiers.lowest)}, {"datasets", std::move(datasets)}};
  if (!tiers.access.empty()) out["access"] = tiers.access;
  return out;
}

}  // namespace renkei
