// Metadata registration (メタデータ登録, issue 4): the datasets of each site as its
// administrators describe them, versioned in the hub database.
//
// A registration is a JGA-style description (study, dataset, data use policy coded with the
// GA4GH Data Use Ontology, DAC, sequencing and analysis summary) plus the samples file with the
// four basic attributes (cohort/samples.h). It is checked as a whole, every problem reported
// with where it is ("description.dac.name", "samples.tsv:7"), and stored only when there are
// none, as the dataset's next version with who, when and what changed against the version
// before. The sample count is the samples file's, never typed.
//
// A dataset belongs to the site that first registers it; only registrations for that site are
// accepted afterwards. Who may register for a site is the caller's rule (site administrators of
// that site), not the registry's.
//
// Tables (kDatasetsSchemaSql):
//   datasets          (id, site, current_version, title, updated_at)
//   dataset_versions  (dataset_id, version, description, samples (the normalised file),
//                      samples_sha256, sample_count, created_by, created_at, changes,
//                      node_status, node_message)
// node_status follows the version to the site's node: "pending" when stored, then "applied" or
// "failed" (with a message) as the hub reports.
//
// Thread-safety: thread-safe (each method is one statement or one transaction).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cohort/samples.h"
#include "common/status.h"
#include "db/database.h"
#include "workflow/application.h"
#include "workflow/duo.h"

namespace renkei::workflow {

extern const char* const kDatasetsSchemaSql;

// What a site says about a dataset (the JGA metadata model's Study, Dataset, Policy and DAC
// objects, flattened to the fields a researcher needs to judge it).
struct DatasetDescription {
  std::string title;        // required
  std::string description;  // required: what the dataset holds
  std::string study_title;  // required
  std::string study_abstract;
  std::string study_type;  // e.g. "cohort", "case-control"
  std::string policy;      // required: the data use policy in words
  DataUseConditions data_use;
  std::string dac_name;  // required: the data access committee
  std::string dac_contact;
  std::string sequencing_platform;  // e.g. "Illumina NovaSeq 6000"
  std::string sequencing_strategy = "WGS";
  std::string coverage;           // e.g. "30x"
  std::string reference;          // e.g. "GRCh38"
  std::string analysis_pipeline;  // e.g. "GATK 4.2 HaplotypeCaller, joint calling"
  bool operator==(const DatasetDescription&) const = default;
};

// JSON form: {"title", "description", "study": {"title", "abstract", "type"}, "policy",
// "data_use": DUO conditions (duo.h), "dac": {"name", "contact"}, "sequencing": {"platform",
// "strategy", "coverage"}, "analysis": {"reference", "pipeline"}}.
nlohmann::json ToJson(const DatasetDescription& d);

struct RegistrationProblem {
  std::string where;  // "description.title", "samples.tsv:7", "samples.tsv"
  std::string message;
  bool operator==(const RegistrationProblem&) const = default;
};

// What changed against the current version (all zero and empty for the first).
struct ChangeSummary {
  std::vector<std::string> fields;  // description fields changed ("title", "data_use", ...)
  int64_t samples_added = 0;
  int64_t samples_removed = 0;
  int64_t samples_changed = 0;  // same id, other attributes
  bool operator==(const ChangeSummary&) const = default;
};

// The answer to a check: problems (none = acceptable) and, when acceptable, the sample count,
// per-biobank counts and the changes against the current version.
struct RegistrationReport {
  std::vector<RegistrationProblem> problems;
  int64_t samples = 0;
  std::vector<std::pair<std::string, int64_t>> biobanks;  // sorted by name
  ChangeSummary changes;
  bool ok() const { return problems.empty(); }
};

struct DatasetVersion {
  std::string dataset_id;
  std::string site;
  int64_t version = 0;
  DatasetDescription description;
  int64_t sample_count = 0;
  std::string samples_sha256;  // hex, of the normalised samples file
  std::string created_by;
  Timestamp created_at{};
  ChangeSummary changes;
  std::string node_status;  // "pending", "applied", "failed"
  std::string node_message;
};

// {"dataset_id", "site", "version", "description", "sample_count", "samples_sha256",
//  "created_by", "created_at", "changes": {"fields", "samples_added", ...}, "node_status",
//  "node_message"}.
nlohmann::json ToJson(const DatasetVersion& v);
nlohmann::json ToJson(const RegistrationReport& r);

inline constexpr size_t kMaxSamplesFileBytes = 16 << 20;  // 16 MiB: ~300,000 samples

class DatasetRegistry {
 public:
  // `db` is not owned and must outlive the registry; it holds kDatasetsSchemaSql's tables.
  explicit DatasetRegistry(db::Database* db) : db_(db) {}

  // Checks a registration without storing it: the dataset id (ValidateSiteId's syntax) and
  // site, the description (JSON form above; every missing or malformed field is a problem),
  // and the samples file (every bad line, up to 1,000). Problems are not errors: the report
  // lists them. Errors only from the database, or DataLoss for an unreadable stored version.
  Result<RegistrationReport> Check(std::string_view dataset_id, std::string_view site,
                                   const nlohmann::json& description, std::string_view samples_tsv);

  // Checks, and stores the registration as the dataset's next version (node_status "pending")
  // if there are no problems. `expected_version` is the version the registrant saw (0 for a new
  // dataset); another registration in between is FailedPrecondition "... changed by someone
  // else; reload". Returns the stored version, or the report's problems as InvalidArgument
  // whose message lists them (the caller may Check first for the structured report).
  // PermissionDenied if the dataset belongs to another site.
  Result<DatasetVersion> Register(std::string_view dataset_id, std::string_view site,
                                  const nlohmann::json& description, std::string_view samples_tsv,
                                  std::string_view actor, Timestamp now, int64_t expected_version);

  // The current version of a dataset (NotFound if never registered), or a given one.
  Result<DatasetVersion> Get(std::string_view dataset_id, int64_t version = 0);
  // Every version, newest first.
  Result<std::vector<DatasetVersion>> Versions(std::string_view dataset_id);
  // The current version of every dataset ("" = all sites), by site then id.
  Result<std::vector<DatasetVersion>> List(std::string_view site = "");
  // The normalised samples file of a version. NotFound if there is none.
  Result<std::string> Samples(std::string_view dataset_id, int64_t version);
  // Records how the version fared at the node ("applied" or "failed" with a message).
  Status SetNodeStatus(std::string_view dataset_id, int64_t version, std::string_view status,
                       std::string_view message);

 private:
  db::Database* db_;
};

}  // namespace renkei::workflow
