// The site node's answers, independent of HTTP: catalog, cross-search counts, on-demand
// frequencies and preset strata over the node's genotype stores, each passed through the
// privacy guard at the caller's tier before it leaves (defence in depth: the hub guards too).
//
// A node answers per cell: one (dataset, biobank) pair. A dataset is one genotype store; a
// store may hold several biobanks. Wire format: docs/federation.md.
//
// Controlled tier only with a visa (issue 4): a caller the hub asserts at the controlled tier
// is answered at that tier only for the datasets for which the request carries a valid GA4GH
// Passport visa (identity/passport.h); every other dataset is answered at the registered tier,
// and the answer says so under "access" ([{"dataset", "tier", "reason"}]). A query that has no
// registered-tier answer (a cohort naming samples, a region beyond the registered limit) is
// then refused with that reason. Every refused visa is logged.
//
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "api/caller.h"
#include "api/config.h"
#include "cohort/cohort.h"
#include "cohort/strata_def.h"
#include "common/status.h"
#include "freq/selector.h"
#include "identity/jwt.h"
#include "identity/passport.h"
#include "privacy/guard.h"
#include "store/counting_mask.h"
#include "store/store.h"

namespace renkei {

// What the visas of one request allow: the datasets answered at the controlled tier, and why
// the others are not. Values; copy freely.
struct VisaAccess {
  std::set<std::string> datasets;     // dataset ids with a valid visa
  std::vector<std::string> refusals;  // one sentence per refused visa (or a missing visa key)
  bool everything = false;            // every dataset: for in-process callers only

  // Access to every dataset, for callers inside the node's process that established the
  // caller themselves (tests, tools). Never for a request that came over the network.
  static VisaAccess Everything() {
    VisaAccess a;
    a.everything = true;
    return a;
  }
};

class NodeService {
 public:
  // Opens every store of the configuration and, if config.visa is set, its visa keys and the
  // revoked-grant file. Errors from GenotypeStore::Open, with the dataset id as context; the
  // key set's (InvalidArgument) and the revoked file's (RevokedGrants::Load).
  static Result<std::unique_ptr<NodeService>> Create(const NodeConfig& config);

  const NodeConfig& config() const { return config_; }

  // Verifies the visas that came with a request (X-Renkei-Visas, space-separated) for a caller
  // the hub asserts. Only a controlled-tier caller's visas matter; a visa counts only if its
  // "sub" is the caller's id. Each refused visa is logged with its reason, and so is a
  // controlled-tier request without any valid visa. Never fails.
  VisaAccess CheckVisas(const Caller& caller, std::string_view visas_header) const;

  // The hub's revocation notice {"revoked": [{"id": grant id or jti, "until": Unix seconds}]}
  // (at most 10,000 entries): visas naming them are refused from now on. Returns
  // {"revoked": <number now remembered>}. InvalidArgument for another body; Internal if the
  // revoked file cannot be written (the revocations still apply in memory).
  Result<nlohmann::json> RevokeGrants(const nlohmann::json& body);

  // Registered sample metadata from the hub (api/metadata_pusher.h):
  // {"dataset", "version", "registered_by", "samples": the samples file's text}. Rewrites the
  // dataset's store with it (store/metadata_update.h: same genotypes, new samples file, preset
  // strata counted again) and switches to it: queries already running finish on the old store,
  // later ones see the new metadata; the cohort cache is dropped, the differencing history kept
  // (the samples are the same). One replacement at a time. Returns {"dataset", "version",
  // "samples", "changed_samples", "seconds"}. Errors: InvalidArgument for a malformed body or
  // samples file (the first problem and how many there are); NotFound for a dataset the node
  // does not serve; FailedPrecondition when the samples are not exactly the store's (naming
  // some on each side); the store's errors. On error nothing changes.
  Result<nlohmann::json> ReplaceMetadata(const nlohmann::json& body);

  // The queries below, with the caller's visas: each dataset is answered at the caller's tier
  // if it is below controlled, else at the controlled tier with a visa for it and at the
  // registered tier without one (see the top of this file).
  Result<nlohmann::json> CatalogWithVisas(const Caller& caller, const VisaAccess& visas) const;
  Result<nlohmann::json> CountWithVisas(const Caller& caller, const VisaAccess& visas,
                                        const nlohmann::json& request);
  Result<nlohmann::json> FreqWithVisas(const Caller& caller, const VisaAccess& visas,
                                       const nlohmann::json& request);
  Result<nlohmann::json> StrataWithVisas(const Caller& caller, const VisaAccess& visas,
                                         const nlohmann::json& request);
  // The forms below, without visas, are for in-process callers that established the caller
  // themselves: they answer as with VisaAccess::Everything().

  // {"site", "name", "datasets": [{"id", "biobanks": [...], "variants", "contigs": [...],
  //   "cells": [{"biobank", "samples": G, "facets": [...]}]}]} with counts guarded at the
  // caller's tier (preset strata are public).
  Result<nlohmann::json> Catalog(const Caller& caller) const {
    return CatalogWithVisas(caller, VisaAccess::Everything());
  }

  // Cross-search: {"cohort": EXPR}. Answers per cell the cohort size and its make-up by every
  // preset-strata attribute value. Errors: InvalidArgument (bad cohort or body),
  // PermissionDenied (tier), FailedPrecondition (differencing defence).
  Result<nlohmann::json> Count(const Caller& caller, const nlohmann::json& request) {
    return CountWithVisas(caller, VisaAccess::Everything(), request);
  }

  // On-demand frequencies: {"cohort": EXPR, "variant": "chr1:123:A:G" | "region": "chr1:1-2"}.
  // Per cell and selected site, guarded counts. Also NotFound (unknown contig in every
  // dataset) and InvalidArgument (region too large for the tier).
  Result<nlohmann::json> Freq(const Caller& caller, const nlohmann::json& request) {
    return FreqWithVisas(caller, VisaAccess::Everything(), request);
  }

  // Preset strata: {"variant" | "region"}. Per dataset and site, every stratum's counts.
  Result<nlohmann::json> Strata(const Caller& caller, const nlohmann::json& request) {
    return StrataWithVisas(caller, VisaAccess::Everything(), request);
  }

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

  // The tier each dataset is answered at, and the lowest of them (which rules the checks that
  // concern the whole request: kind of query, region size).
  struct Tiers {
    std::vector<Tier> dataset;
    Tier lowest = Tier::kPublic;
    nlohmann::json access;  // [{"dataset", "tier", "reason"}] for datasets below the caller's
  };

  explicit NodeService(NodeConfig config) : config_(std::move(config)) {}

  // Opens a store and prepares what answering from it needs (masks, facets, presets).
  static Result<Dataset> OpenDataset(const std::string& id, const std::string& dir,
                                     const PrivacyPolicy& privacy);
  Tiers TiersFor(const Caller& caller, const VisaAccess& visas) const;
  // `s` with, when some dataset was answered below the caller's tier, the reason appended.
  static Status Explain(const Status& s, const Tiers& tiers);
  // Parses, checks access and size rules, evaluates (cached by expression) and applies the
  // differencing defence.
  Result<std::shared_ptr<const EvaluatedCohort>> PrepareCohort(const Tiers& tiers,
                                                               const nlohmann::json& request,
                                                               QueryKind kind);
  Result<std::shared_ptr<const EvaluatedCohort>> Evaluate(const std::string& expr);
  // FailedPrecondition if `mask` is 1 to min_difference-1 samples away from a preset of `d`.
  Status CheckNearPresets(const Dataset& d, const SampleMask& mask) const;
  Result<VariantSelector> ParseSelector(const nlohmann::json& request) const;
  void LogQuery(const Caller& caller, std::string_view what, std::string_view cohort,
                std::string_view variants, const Status& outcome) const;

  NodeConfig config_;
  std::optional<identity::JwkSet> visa_keys_;  // null without config.visa
  identity::RevokedGrants revoked_;
  // Read by every query (shared), replaced by ReplaceMetadata (exclusive, for the swap only).
  mutable std::shared_mutex datasets_mu_;
  std::vector<Dataset> datasets_;
  std::mutex metadata_mu_;  // one ReplaceMetadata at a time
  std::mutex cache_mu_;
  std::unordered_map<std::string, std::shared_ptr<const EvaluatedCohort>> cache_;
};

}  // namespace renkei
