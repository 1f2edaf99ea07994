// Matching a whole-genome data use application against the data-use conditions of the datasets
// it requests (issue 4: "Datasets carry their data-use conditions coded with the GA4GH Data Use
// Ontology, which applications are matched against").
//
// The application's intended use (a DUO-coded research purpose) is matched with duo.h
// MatchDataUse against the conditions of the current registered version of every requested
// dataset (dataset_registry.h). The hub does this when an application is submitted or
// re-submitted (and when an amendment is proposed): a dataset that denies the purpose, or a
// requested dataset that is not registered, refuses the action with a message a researcher can
// act on; otherwise the per-dataset matches (allowed, or needs review with the requirement
// modifiers the committee must check) are recorded in Application::data_use_match.
//
// Thread-safety: the pure functions are thread-safe; the registry overload is as thread-safe
// as the registry (it only reads).
#pragma once

#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "workflow/application.h"
#include "workflow/dataset_registry.h"

namespace renkei::workflow {

// Matches content.intended_use against each dataset of content.datasets, in that order, using
// `registered`: the current versions of the requested datasets that are registered (in any
// order; others are ignored). Returns one match per requested dataset, each allowed or needs
// review, when every requested dataset is registered and none denies the purpose.
// Errors: InvalidArgument if content.intended_use is not a valid purpose (naming the
// "intended_use" field); InvalidArgument naming every requested dataset that is not registered
// and every dataset that denies the purpose with each of its reasons, and saying what to change;
// DataLoss if a registered version's stored conditions are not valid.
Result<std::vector<DataUseMatch>> MatchRequestedDatasets(
    const ApplicationContent& content, std::span<const DatasetVersion> registered);

// The same, reading the current version of each requested dataset from `registry` (not owned).
// Errors: as above; the registry's (database) errors other than NotFound, with context.
Result<std::vector<DataUseMatch>> MatchRequestedDatasets(DatasetRegistry& registry,
                                                         const ApplicationContent& content);

// One line for a history event or an audit entry, e.g.
//   "data use: tmm-tohoku v1 needs review (IRB); bbj-imsut v2 allowed"
// ("data use: no datasets" for none).
std::string DataUseMatchSummary(std::span<const DataUseMatch> matches);

}  // namespace renkei::workflow
