#include "api/node_service.h"

#include <algorithm>
#include <bit>
#include <climits>
#include <set>

#include "cohort/sample_mask.h"
#include "common/log.h"
#include "federation/guarded_json.h"

namespace renkei {

using nlohmann::json;

namespace {

// Longest cohort expression accepted over the API (a controlled-tier sample list included).
constexpr size_t kMaxCohortChars = 64 * 1024;
// Evaluated cohorts kept per node; the cache is cleared when it is full.
constexpr size_t kCohortCacheLimit = 1024;

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

Result<std::unique_ptr<NodeService>> NodeService::Create(const NodeConfig& config) {
  std::unique_ptr<NodeService> node(new NodeService(config));
  for (const NodeDatasetConfig& dc : config.datasets) {
    Result<GenotypeStore> store = GenotypeStore::Open(dc.store);
    if (!store.ok()) return store.status().WithContext("dataset " + dc.id);
    Dataset d{dc.id, std::move(*store), {}, {}, {}, {}, nullptr, {}};
    const SampleTable& table = d.store.samples();
    std::set<std::string> biobanks;
    for (const Sample& s : table.samples()) biobanks.insert(s.biobank);
    for (const std::string& b : biobanks) {
      d.biobanks.push_back(b);
      d.biobank_masks.push_back(StratumMask({"biobank", b}, table));
    }
    d.facets = PresetStrata(table);
    for (const StratumDef& f : d.facets) d.facet_masks.push_back(StratumMask(f, table));
    d.history = std::make_unique<CohortHistory>(config.privacy);
    d.presets.push_back(FullMask(table.size()));
    for (const SampleMask& m : d.facet_masks) {
      if (CountBits(m) >= config.privacy.floor) d.presets.push_back(m);
    }
    LOG_INFO("node {}: dataset {} from {}: {} samples, {} variants", config.site, d.id, dc.store,
             table.size(), d.store.num_variants());
    node->datasets_.push_back(std::move(d));
  }
  return node;
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
    const Caller& caller, const json& request, QueryKind kind) {
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
  RETURN_IF_ERROR(
      CheckAccess(caller.tier, ev->everyone ? QueryKind::kPresetStrata : kind, ev->names_samples));
  if (caller.tier == Tier::kRegistered && !ev->everyone) {
    for (size_t d = 0; d < datasets_.size(); ++d) {
      // A cohort below the floor reveals nothing (every number is withheld), so it is neither
      // checked nor remembered.
      if (CountBits(ev->dataset_masks[d]) < config_.privacy.floor) continue;
      RETURN_IF_ERROR(ev->near_preset[d]);
      RETURN_IF_ERROR(datasets_[d].history->CheckAndRecord(caller.tier, ev->dataset_masks[d]));
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

Result<json> NodeService::Catalog(const Caller& caller) const {
  json out = {{"site", config_.site}, {"name", config_.name}};
  json datasets = json::array();
  for (const Dataset& d : datasets_) {
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
      PutGuarded("samples", GuardCount(config_.privacy, caller.tier, CountBits(d.biobank_masks[b])),
                 &cell, &withheld);
      json facets = json::array();
      for (size_t f = 0; f < d.facets.size(); ++f) {
        SampleMask m = d.facet_masks[f];
        AndInPlace(m, d.biobank_masks[b]);
        json facet = {{"attribute", d.facets[f].attribute}, {"value", d.facets[f].value}};
        PutGuarded("count", GuardCount(config_.privacy, caller.tier, CountBits(m)), &facet,
                   nullptr);
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

Result<json> NodeService::Count(const Caller& caller, const json& request) {
  Result<std::shared_ptr<const EvaluatedCohort>> prepared =
      PrepareCohort(caller, request, QueryKind::kCohortCounts);
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
    for (size_t b = 0; b < ds.biobanks.size(); ++b) {
      const CohortCell& cc = ev.cells[d][b];
      json cell = {{"dataset", ds.id}, {"biobank", ds.biobanks[b]}};
      std::vector<std::string> withheld;
      const GuardedValue size = GuardCount(config_.privacy, caller.tier, cc.size);
      PutGuarded("cohort_size", size, &cell, &withheld);
      json facets = json::array();
      for (size_t f = 0; f < ds.facets.size(); ++f) {
        SampleMask m = ds.facet_masks[f];
        AndInPlace(m, cc.mask);
        // Below the floor the whole cell is withheld, facets included.
        const GuardedValue count = size.withheld
                                       ? GuardedValue::Withheld()
                                       : GuardCount(config_.privacy, caller.tier, CountBits(m));
        json facet = {{"attribute", ds.facets[f].attribute}, {"value", ds.facets[f].value}};
        PutGuarded("count", count, &facet, nullptr);
        facets.push_back(std::move(facet));
      }
      cell["facets"] = std::move(facets);
      cell["withheld"] = withheld;
      cells.push_back(std::move(cell));
    }
  }
  return json{{"site", config_.site},
              {"cohort", ev.text},
              {"tier", TierName(caller.tier)},
              {"cells", std::move(cells)}};
}

Result<json> NodeService::Freq(const Caller& caller, const json& request) {
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
  Status size = CheckSize(config_.privacy, caller.tier, bp, max_sites);
  if (!size.ok()) {
    LogQuery(caller, "freq", "", what, size);
    return size;
  }
  Result<std::shared_ptr<const EvaluatedCohort>> prepared =
      PrepareCohort(caller, request, QueryKind::kCohortFrequencies);
  LogQuery(caller, "freq", prepared.ok() ? (*prepared)->text : "", what, prepared.status());
  if (!prepared.ok()) return prepared.status();
  const EvaluatedCohort& ev = **prepared;

  json cells = json::array();
  SiteCounts exact;
  for (size_t d = 0; d < datasets_.size(); ++d) {
    const Dataset& ds = datasets_[d];
    for (size_t b = 0; b < ds.biobanks.size(); ++b) {
      const CohortCell& cc = ev.cells[d][b];
      json cell = {{"dataset", ds.id}, {"biobank", ds.biobanks[b]}};
      std::vector<std::string> withheld;
      PutGuarded("cohort_size", GuardCount(config_.privacy, caller.tier, cc.size), &cell,
                 &withheld);
      cell["withheld"] = withheld;
      json variants = json::array();
      if (selections[d]) {
        const Selection& sel = *selections[d];
        auto emit = [&](size_t index, std::optional<uint32_t> only_alt) -> Status {
          RETURN_IF_ERROR(ds.store.Count(index, cc.counting.get(), &exact));
          const VariantView v = ds.store.Variant(index);
          GuardedSite guarded = GuardSite(config_.privacy, caller.tier, exact);
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
  return json{{"site", config_.site},
              {"cohort", ev.text},
              {"tier", TierName(caller.tier)},
              {"cells", std::move(cells)}};
}

Result<json> NodeService::Strata(const Caller& caller, const json& request) {
  Result<VariantSelector> selector = ParseSelector(request);
  if (!selector.ok()) {
    LogQuery(caller, "strata", "", "", selector.status());
    return selector.status();
  }
  const std::string what = selector->ToString();
  Status access = CheckAccess(caller.tier, QueryKind::kPresetStrata, false);
  json datasets = json::array();
  std::vector<SiteCounts> strata;
  for (const Dataset& d : datasets_) {
    Result<Selection> sel = Select(d.store, *selector);
    if (!sel.ok() && sel.status().code() != StatusCode::kNotFound) return sel.status();
    uint64_t bp = 1;
    if (selector->kind == VariantSelector::Kind::kRegion) {
      bp = selector->end == INT64_MAX ? UINT64_MAX
                                      : static_cast<uint64_t>(selector->end - selector->start + 1);
    }
    if (access.ok())
      access = CheckSize(config_.privacy, caller.tier, bp, sel.ok() ? sel->size() : 0);
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
          GuardedSite guarded = GuardSite(config_.privacy, caller.tier, strata[s]);
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
  return json{
      {"site", config_.site}, {"tier", TierName(caller.tier)}, {"datasets", std::move(datasets)}};
}

}  // namespace renkei
