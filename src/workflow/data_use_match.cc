#include "workflow/data_use_match.h"

#include <algorithm>

namespace renkei::workflow {

namespace {

// "dataset 'tmm-tohoku' ("TMM whole genomes", version 3)".
std::string DatasetName(const DatasetVersion& v) {
  std::string out = "dataset '" + v.dataset_id + "' (";
  if (!v.description.title.empty()) out += "\"" + v.description.title + "\", ";
  return out + "version " + std::to_string(v.version) + ")";
}

// Joins sentences, each ending with a full stop.
std::string Sentences(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& p : parts) {
    if (!out.empty()) out += " ";
    out += p;
    if (!p.empty() && p.back() != '.') out += ".";
  }
  return out;
}

}  // namespace

Result<std::vector<DataUseMatch>> MatchRequestedDatasets(
    const ApplicationContent& content, std::span<const DatasetVersion> registered) {
  RETURN_IF_ERROR(ValidatePurpose(content.intended_use).WithContext("intended_use"));
  std::vector<DataUseMatch> out;
  std::vector<std::string> unregistered;
  std::vector<std::string> refusals;  // one paragraph per dataset that denies the purpose
  for (const std::string& id : content.datasets) {
    const auto v = std::find_if(registered.begin(), registered.end(),
                                [&](const DatasetVersion& d) { return d.dataset_id == id; });
    if (v == registered.end()) {
      unregistered.push_back("'" + id + "'");
      continue;
    }
    Result<DuoMatch> match = MatchDataUse(v->description.data_use, content.intended_use);
    if (!match.ok()) {
      // The purpose was validated above, so the stored conditions are at fault.
      return DataLoss(DatasetName(*v) +
                      ": stored data-use conditions are not valid: " + match.status().message());
    }
    if (match->decision == DuoDecision::kDenied) {
      std::string paragraph =
          DatasetName(*v) + " does not allow this use: " + Sentences(match->reasons);
      paragraph[0] = 'D';  // a sentence of its own: "Dataset '…' …"
      refusals.push_back(std::move(paragraph));
      continue;
    }
    out.push_back({id, v->version, match->decision, {}, match->review});
  }
  if (unregistered.empty() && refusals.empty()) return out;

  std::string message =
      "the intended use (intended_use) cannot be matched to the data-use conditions of every "
      "requested dataset, so nothing was changed.";
  for (const std::string& r : refusals) message += " " + r;
  if (!unregistered.empty()) {
    std::string list;
    for (size_t i = 0; i < unregistered.size(); ++i) {
      list += (i == 0 ? "" : i + 1 == unregistered.size() ? " and " : ", ") + unregistered[i];
    }
    message += std::string(unregistered.size() == 1 ? " Dataset " : " Datasets ") + list +
               (unregistered.size() == 1 ? " is" : " are") +
               " not registered at the hub, so its data-use conditions are unknown (GET "
               "/v1/datasets lists the registered datasets).";
  }
  message +=
      " Change the intended use, or remove these datasets from the requested datasets "
      "(datasets), and try again.";
  return InvalidArgument(std::move(message));
}

Result<std::vector<DataUseMatch>> MatchRequestedDatasets(DatasetRegistry& registry,
                                                         const ApplicationContent& content) {
  std::vector<DatasetVersion> registered;
  for (const std::string& id : content.datasets) {
    Result<DatasetVersion> v = registry.Get(id);
    if (v.ok()) {
      registered.push_back(std::move(v).value());
    } else if (v.status().code() != StatusCode::kNotFound) {
      return v.status().WithContext("reading the data-use conditions of dataset '" + id + "'");
    }
  }
  return MatchRequestedDatasets(content, registered);
}

std::string DataUseMatchSummary(std::span<const DataUseMatch> matches) {
  if (matches.empty()) return "data use: no datasets";
  std::string out = "data use:";
  for (size_t i = 0; i < matches.size(); ++i) {
    const DataUseMatch& m = matches[i];
    out += std::string(i == 0 ? " " : "; ") + m.dataset + " v" + std::to_string(m.dataset_version) +
           " ";
    if (m.decision == DuoDecision::kNeedsReview) {
      out += "needs review (";
      for (size_t j = 0; j < m.review.size(); ++j) {
        const DuoTerm* term = FindDuoTerm(m.review[j].term);
        out += (j == 0 ? "" : ", ") +
               (term != nullptr ? std::string(term->shorthand) : m.review[j].term);
      }
      out += ")";
    } else {
      out += DuoDecisionName(m.decision);
    }
  }
  return out;
}

}  // namespace renkei::workflow
