// The site node's answers, independent of HTTP: catalog, cross-search counts, on-demand
// frequencies and preset strata over the node's genotype stores, each passed through the
// privacy guard at the caller's tier before it leaves (defence in depth: the hub guards too).
//
// A node answers per cell: one (dataset, biobank) pair. A dataset is one genotype store; a
// store may hold several biobanks. Wire format: docs/federation.md.
//
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>
#include <vector>

#include "api/caller.h"
#include "api/config.h"
#include "cohort/cohort.h"
#include "cohort/strata_def.h"
#include "common/status.h"
#include "freq/selector.h"
#include "privacy/guard.h"
#include "store/counting_mask.h"
#include "store/store.h"

namespace renkei {

class NodeService {
 public:
  // Opens every store of the configuration. Errors from GenotypeStore::Open, with the dataset
  // id as context.
  static Result<std::unique_ptr<NodeService>> Create(const NodeConfig& config);

  const NodeConfig& config() const { return config_; }

  // {"site", "name", "datasets": [{"id", "biobanks": [...], "variants", "contigs": [...],
  //   "cells": [{"biobank", "samples": G, "facets": [...]}]}]} with counts guarded at the
  // caller's tier (preset strata are public).
  Result<nlohmann::json> Catalog(const Caller& caller) const;

  // Cross-search: {"cohort": EXPR}. Answers per cell the cohort size and its make-up by every
  // preset-strata attribute value. Errors: InvalidArgument (bad cohort or body),
  // PermissionDenied (tier), FailedPrecondition (differencing defence).
  Result<nlohmann::json> Count(const Caller& caller, const nlohmann::json& request);

  // On-demand frequencies: {"cohort": EXPR, "variant": "chr1:123:A:G" | "region": "chr1:1-2"}.
  // Per cell and selected site, guarded counts. Also NotFound (unknown contig in every
  // dataset) and InvalidArgument (region too large for the tier).
  Result<nlohmann::json> Freq(const Caller& caller, const nlohmann::json& request);

  // Preset strata: {"variant" | "region"}. Per dataset and site, every stratum's counts.
  Result<nlohmann::json> Strata(const Caller& caller, const nlohmann::json& request);

 private:
  struct Dataset {
    std::string id;
    GenotypeStore store;
    std::vector<std::string> biobanks;  // sorted
    std::vector<SampleMask> biobank_masks;
    std::vector<StratumDef> facets;  // PresetStrata of the store
    std::vector<SampleMask> facet_masks;
    std::unique_ptr<CohortHistory> history;
    // Everyone and each preset stratum of at least the floor: answered to anyone, so a cohort
    // a few samples away from one of them would isolate those samples.
    std::vector<SampleMask> presets;
  };
  // A cohort evaluated on one dataset: members per biobank, ready for counting.
  struct CohortCell {
    SampleMask mask;
    uint32_t size = 0;
    std::shared_ptr<const CountingMask> counting;
  };
  struct EvaluatedCohort {
    std::string text;  // canonical
    bool everyone = false;
    bool names_samples = false;
    std::vector<SampleMask> dataset_masks;       // per dataset
    std::vector<std::vector<CohortCell>> cells;  // per dataset, per biobank
    // Per dataset: FailedPrecondition if the cohort is a few samples from one of its presets.
    std::vector<Status> near_preset;
  };

  explicit NodeService(NodeConfig config) : config_(std::move(config)) {}

  // Parses, checks access and size rules, evaluates (cached by expression) and applies the
  // differencing defence.
  Result<std::shared_ptr<const EvaluatedCohort>> PrepareCohort(const Caller& caller,
                                                               const nlohmann::json& request,
                                                               QueryKind kind);
  Result<std::shared_ptr<const EvaluatedCohort>> Evaluate(const std::string& expr);
  // FailedPrecondition if `mask` is 1 to min_difference-1 samples away from a preset of `d`.
  Status CheckNearPresets(const Dataset& d, const SampleMask& mask) const;
  Result<VariantSelector> ParseSelector(const nlohmann::json& request) const;
  void LogQuery(const Caller& caller, std::string_view what, std::string_view cohort,
                std::string_view variants, const Status& outcome) const;

  NodeConfig config_;
  std::vector<Dataset> datasets_;
  std::mutex cache_mu_;
  std::unordered_map<std::string, std::shared_ptr<const EvaluatedCohort>> cache_;
};

}  // namespace renkei
