#include "workflow/dataset_registry.h"

#include <algorithm>
#include <map>

#include "crypto/sodium.h"
#include "workflow/json_fields.h"
#include "workflow/roles.h"

namespace renkei::workflow {

using nlohmann::json;

const char* const kDatasetsSchemaSql = R"sql(
CREATE TABLE datasets (
  id TEXT PRIMARY KEY,
  site TEXT NOT NULL,
  current_version BIGINT NOT NULL,
  title TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX datasets_site ON datasets (site, id);
CREATE TABLE dataset_versions (
  dataset_id TEXT NOT NULL REFERENCES datasets (id),
  version BIGINT NOT NULL,
  description TEXT NOT NULL,
  samples TEXT NOT NULL,
  samples_sha256 TEXT NOT NULL,
  sample_count BIGINT NOT NULL,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  changes TEXT NOT NULL,
  node_status TEXT NOT NULL,
  node_message TEXT NOT NULL,
  PRIMARY KEY (dataset_id, version)
);
)sql";

namespace {

constexpr char kSamplesName[] = "samples.tsv";
constexpr size_t kMaxProblems = 1000;

// Text fields of the description: JSON path, member, required, maximum length in bytes.
struct TextField {
  const char* object;  // "" for top level
  const char* key;
  std::string DatasetDescription::*member;
  bool required;
  size_t max_bytes;
};

const TextField kTextFields[] = {
    {"", "title", &DatasetDescription::title, true, 400},
    {"", "description", &DatasetDescription::description, true, 20000},
    {"study", "title", &DatasetDescription::study_title, true, 400},
    {"study", "abstract", &DatasetDescription::study_abstract, false, 20000},
    {"study", "type", &DatasetDescription::study_type, false, 200},
    {"", "policy", &DatasetDescription::policy, true, 20000},
    {"dac", "name", &DatasetDescription::dac_name, true, 400},
    {"dac", "contact", &DatasetDescription::dac_contact, false, 400},
    {"sequencing", "platform", &DatasetDescription::sequencing_platform, false, 400},
    {"sequencing", "strategy", &DatasetDescription::sequencing_strategy, false, 100},
    {"sequencing", "coverage", &DatasetDescription::coverage, false, 100},
    {"analysis", "reference", &DatasetDescription::reference, false, 200},
    {"analysis", "pipeline", &DatasetDescription::analysis_pipeline, false, 2000},
};

std::string FieldName(const TextField& f) {
  return *f.object ? std::string(f.object) + "." + f.key : std::string(f.key);
}

bool IsUtf8(std::string_view text) {
  try {
    (void)json(std::string(text)).dump();
    return true;
  } catch (const json::exception&) {
    return false;
  }
}

// Reads the description, adding a problem for every missing or malformed field.
DatasetDescription ReadDescription(const json& doc, std::vector<RegistrationProblem>* problems) {
  DatasetDescription d;
  auto problem = [&](const std::string& field, const std::string& message) {
    problems->push_back({"description." + field, message});
  };
  if (!doc.is_object()) {
    problems->push_back({"description", "must be a JSON object"});
    return d;
  }
  for (const char* object : {"study", "dac", "sequencing", "analysis"}) {
    if (doc.contains(object) && !doc[object].is_object()) problem(object, "must be an object");
  }
  for (const TextField& f : kTextFields) {
    const json* value = &doc;
    if (*f.object)
      value = doc.contains(f.object) && doc[f.object].is_object() ? &doc[f.object] : nullptr;
    if (value != nullptr) value = value->contains(f.key) ? &(*value)[f.key] : nullptr;
    if (value == nullptr || value->is_null()) {
      if (f.required) problem(FieldName(f), "required");
      continue;
    }
    if (!value->is_string()) {
      problem(FieldName(f), "must be a string");
      continue;
    }
    std::string text = value->get<std::string>();
    if (f.required && text.find_first_not_of(" \t\r\n") == std::string::npos) {
      problem(FieldName(f), "required");
    } else if (text.size() > f.max_bytes) {
      problem(FieldName(f), "longer than " + std::to_string(f.max_bytes) + " bytes");
    } else if (text.find('\0') != std::string::npos) {
      problem(FieldName(f), "holds a NUL byte");
    } else {
      d.*f.member = std::move(text);
    }
  }
  if (!doc.contains("data_use")) {
    problem("data_use",
            "required: the data-use conditions coded with the GA4GH Data Use Ontology, e.g. "
            "{\"permission\": \"HMB\", \"modifiers\": [{\"term\": \"IRB\"}]}");
  } else {
    Result<DataUseConditions> c = ConditionsFromJson(doc["data_use"], "description.data_use");
    Status valid = c.ok() ? ValidateConditions(*c) : c.status();
    if (!valid.ok()) {
      problems->push_back({"description.data_use", valid.message()});
    } else {
      d.data_use = std::move(*c);
    }
  }
  return d;
}

// At most `bytes` bytes of `text`, cut at a character boundary.
std::string Truncate(std::string_view text, size_t bytes) {
  if (text.size() <= bytes) return std::string(text);
  while (bytes > 0 && (static_cast<unsigned char>(text[bytes]) & 0xC0) == 0x80) --bytes;
  return std::string(text.substr(0, bytes));
}

// "samples.tsv:7: field 'sex': …" → {"samples.tsv:7", "field 'sex': …"}.
RegistrationProblem SamplesProblem(const Status& s) {
  const std::string& m = s.message();
  const std::string prefix = std::string(kSamplesName) + ":";
  if (m.starts_with(prefix)) {
    const size_t digits_end = m.find_first_not_of("0123456789", prefix.size());
    if (digits_end != std::string::npos && digits_end > prefix.size() &&
        m.compare(digits_end, 2, ": ") == 0) {
      return {m.substr(0, digits_end), m.substr(digits_end + 2)};
    }
    if (m.compare(prefix.size(), 1, " ") == 0) return {kSamplesName, m.substr(prefix.size() + 1)};
  }
  return {kSamplesName, m};
}

std::vector<std::string> ChangedFields(const DatasetDescription& a, const DatasetDescription& b) {
  std::vector<std::string> out;
  for (const TextField& f : kTextFields) {
    if (a.*f.member != b.*f.member) out.push_back(FieldName(f));
  }
  if (a.data_use != b.data_use) out.push_back("data_use");
  return out;
}

json ToJson(const ChangeSummary& c) {
  return {{"fields", c.fields},
          {"samples_added", c.samples_added},
          {"samples_removed", c.samples_removed},
          {"samples_changed", c.samples_changed}};
}

ChangeSummary ChangesFromJson(const json& j) {
  ChangeSummary c;
  if (!j.is_object()) return c;
  if (j.contains("fields") && j["fields"].is_array()) {
    for (const json& f : j["fields"]) {
      if (f.is_string()) c.fields.push_back(f.get<std::string>());
    }
  }
  c.samples_added = j.value("samples_added", int64_t{0});
  c.samples_removed = j.value("samples_removed", int64_t{0});
  c.samples_changed = j.value("samples_changed", int64_t{0});
  return c;
}

bool SameAttributes(const Sample& a, const Sample& b) {
  return a.biobank == b.biobank && a.age_band == b.age_band && a.sex == b.sex &&
         a.prefecture == b.prefecture && a.icd10 == b.icd10 && a.extra == b.extra;
}

constexpr char kVersionColumns[] =
    "dataset_id, version, description, samples_sha256, sample_count, created_by, created_at, "
    "changes, node_status, node_message";

Result<DatasetVersion> VersionFromRow(const db::Row& r, std::string site) {
  DatasetVersion v;
  v.dataset_id = r.Text(0);
  v.site = std::move(site);
  v.version = r.Int(1);
  const json description = json::parse(r.Text(2), nullptr, false);
  std::vector<RegistrationProblem> problems;
  v.description = ReadDescription(description, &problems);
  if (!problems.empty()) {
    return DataLoss("dataset " + v.dataset_id + " version " + std::to_string(v.version) +
                    ": the stored description does not read back: " + problems[0].where + ": " +
                    problems[0].message);
  }
  v.samples_sha256 = r.Text(3);
  v.sample_count = r.Int(4);
  v.created_by = r.Text(5);
  Result<Timestamp> t = workflow_json::ParseTime(r.Text(6));
  if (!t.ok()) return DataLoss("dataset " + v.dataset_id + ": malformed created_at");
  v.created_at = *t;
  v.changes = ChangesFromJson(json::parse(r.Text(7), nullptr, false));
  v.node_status = r.Text(8);
  v.node_message = r.Text(9);
  return v;
}

// The parsed samples file and the report's counts, or the problems.
struct CheckedRegistration {
  RegistrationReport report;
  DatasetDescription description;
  SampleTable samples;
};

}  // namespace

json ToJson(const DatasetDescription& d) {
  return {
      {"title", d.title},
      {"description", d.description},
      {"study", {{"title", d.study_title}, {"abstract", d.study_abstract}, {"type", d.study_type}}},
      {"policy", d.policy},
      {"data_use", renkei::ToJson(d.data_use)},
      {"dac", {{"name", d.dac_name}, {"contact", d.dac_contact}}},
      {"sequencing",
       {{"platform", d.sequencing_platform},
        {"strategy", d.sequencing_strategy},
        {"coverage", d.coverage}}},
      {"analysis", {{"reference", d.reference}, {"pipeline", d.analysis_pipeline}}}};
}

json ToJson(const DatasetVersion& v) {
  return {{"dataset_id", v.dataset_id},     {"site", v.site},
          {"version", v.version},           {"description", ToJson(v.description)},
          {"sample_count", v.sample_count}, {"samples_sha256", v.samples_sha256},
          {"created_by", v.created_by},     {"created_at", workflow_json::FormatTime(v.created_at)},
          {"changes", ToJson(v.changes)},   {"node_status", v.node_status},
          {"node_message", v.node_message}};
}

json ToJson(const RegistrationReport& r) {
  json problems = json::array();
  for (const RegistrationProblem& p : r.problems) {
    problems.push_back({{"where", p.where}, {"message", p.message}});
  }
  json biobanks = json::object();
  for (const auto& [name, count] : r.biobanks) biobanks[name] = count;
  return {{"ok", r.ok()},
          {"problems", problems},
          {"samples", r.samples},
          {"biobanks", biobanks},
          {"changes", ToJson(r.changes)}};
}

namespace {

// Everything Check does; the parsed parts are kept for Register.
Result<CheckedRegistration> CheckAll(db::Database& db, std::string_view dataset_id,
                                     std::string_view site, const json& description,
                                     std::string_view samples_tsv) {
  CheckedRegistration out;
  std::vector<RegistrationProblem>& problems = out.report.problems;
  if (Status s = ValidateSiteId(dataset_id); !s.ok()) {
    problems.push_back({"dataset", "the dataset id: " + s.message()});
  }
  if (Status s = ValidateSiteId(site); !s.ok()) problems.push_back({"site", s.message()});
  out.description = ReadDescription(description, &problems);
  if (samples_tsv.size() > kMaxSamplesFileBytes) {
    problems.push_back({kSamplesName, "larger than " + std::to_string(kMaxSamplesFileBytes >> 20) +
                                          " MiB; split the dataset or ask the operator"});
  } else if (!IsUtf8(samples_tsv) || samples_tsv.find('\0') != std::string_view::npos) {
    problems.push_back({kSamplesName, "is not UTF-8 text (save it as UTF-8, without NUL bytes)"});
  } else {
    std::vector<Status> sample_problems;
    Result<SampleTable> table =
        SampleTable::ParseTsv(samples_tsv, kSamplesName, &sample_problems, kMaxProblems);
    for (const Status& s : sample_problems) problems.push_back(SamplesProblem(s));
    if (table.ok() && table->empty()) {
      problems.push_back({kSamplesName, "holds no samples"});
    } else if (table.ok()) {
      out.samples = std::move(*table);
    }
  }
  if (!out.report.ok()) return out;

  out.report.samples = static_cast<int64_t>(out.samples.size());
  std::map<std::string, int64_t> biobanks;
  for (const Sample& s : out.samples.samples()) ++biobanks[s.biobank];
  out.report.biobanks.assign(biobanks.begin(), biobanks.end());

  // Changes against the current version.
  ASSIGN_OR_RETURN(
      const std::vector<db::Row> current,
      db.Query("SELECT v.description, v.samples FROM datasets d JOIN dataset_versions v ON "
               "v.dataset_id = d.id AND v.version = d.current_version WHERE d.id = $1",
               {std::string(dataset_id)}));
  if (current.empty()) return out;
  std::vector<RegistrationProblem> ignored;
  const DatasetDescription before =
      ReadDescription(json::parse(current[0].Text(0), nullptr, false), &ignored);
  out.report.changes.fields = ChangedFields(before, out.description);
  Result<SampleTable> old = SampleTable::ParseTsv(current[0].Text(1), kSamplesName);
  if (!old.ok()) {
    return DataLoss("dataset " + std::string(dataset_id) +
                    ": the stored samples file does not parse: " + old.status().message());
  }
  for (const Sample& s : out.samples.samples()) {
    const std::optional<size_t> i = old->IndexOf(s.id);
    if (!i) {
      ++out.report.changes.samples_added;
    } else if (!SameAttributes(s, (*old)[*i])) {
      ++out.report.changes.samples_changed;
    }
  }
  for (const Sample& s : old->samples()) {
    if (!out.samples.IndexOf(s.id)) ++out.report.changes.samples_removed;
  }
  return out;
}

}  // namespace

Result<RegistrationReport> DatasetRegistry::Check(std::string_view dataset_id,
                                                  std::string_view site, const json& description,
                                                  std::string_view samples_tsv) {
  ASSIGN_OR_RETURN(CheckedRegistration c,
                   CheckAll(*db_, dataset_id, site, description, samples_tsv));
  return std::move(c.report);
}

Result<DatasetVersion> DatasetRegistry::Register(std::string_view dataset_id, std::string_view site,
                                                 const json& description,
                                                 std::string_view samples_tsv,
                                                 std::string_view actor, Timestamp now,
                                                 int64_t expected_version) {
  if (actor.empty()) return InvalidArgument("a registration needs the registrant's user id");
  ASSIGN_OR_RETURN(CheckedRegistration c,
                   CheckAll(*db_, dataset_id, site, description, samples_tsv));
  if (!c.report.ok()) {
    std::string message = "the registration has " + std::to_string(c.report.problems.size()) +
                          " problem" + (c.report.problems.size() == 1 ? "" : "s") + ":";
    for (size_t i = 0; i < c.report.problems.size() && i < 10; ++i) {
      message += " " + c.report.problems[i].where + ": " + c.report.problems[i].message + ";";
    }
    if (c.report.problems.size() > 10) message += " …";
    return InvalidArgument(message);
  }
  DatasetVersion v;
  v.dataset_id = std::string(dataset_id);
  v.site = std::string(site);
  v.description = c.description;
  v.sample_count = c.report.samples;
  const std::string samples = c.samples.ToTsv();
  v.samples_sha256 = crypto::HexEncode(crypto::Sha256(samples));
  v.created_by = std::string(actor);
  v.created_at = now;
  v.changes = c.report.changes;
  v.node_status = "pending";
  const std::string time = workflow_json::FormatTime(now);
  const Status stored = db_->Transaction([&](db::Connection& conn) -> Status {
    ASSIGN_OR_RETURN(
        const std::vector<db::Row> row,
        conn.Query("SELECT site, current_version FROM datasets WHERE id = $1", {v.dataset_id}));
    const int64_t current = row.empty() ? 0 : row[0].Int(1);
    if (!row.empty() && row[0].Text(0) != v.site) {
      return PermissionDenied("dataset " + v.dataset_id + " belongs to site " + row[0].Text(0) +
                              ", not " + v.site);
    }
    if (current != expected_version) {
      return FailedPrecondition(
          "dataset " + v.dataset_id + " is at version " + std::to_string(current) + ", not " +
          std::to_string(expected_version) + ": it was changed by someone else; reload");
    }
    v.version = current + 1;
    RETURN_IF_ERROR(conn.Exec("INSERT INTO datasets (id, site, current_version, title, "
                              "updated_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO UPDATE "
                              "SET current_version = excluded.current_version, title = "
                              "excluded.title, updated_at = excluded.updated_at",
                              {v.dataset_id, v.site, v.version, v.description.title, time})
                        .status());
    return conn
        .Exec(std::string("INSERT INTO dataset_versions (") + kVersionColumns +
                  ", samples) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
              {v.dataset_id, v.version,
               ToJson(v.description).dump(-1, ' ', false, json::error_handler_t::replace),
               v.samples_sha256, v.sample_count, v.created_by, time, ToJson(v.changes).dump(),
               v.node_status, std::string(), samples})
        .status();
  });
  RETURN_IF_ERROR(stored);
  return v;
}

Result<DatasetVersion> DatasetRegistry::Get(std::string_view dataset_id, int64_t version) {
  ASSIGN_OR_RETURN(
      const std::vector<db::Row> rows,
      version == 0 ? db_->Query(std::string("SELECT ") + kVersionColumns +
                                    ", d.site FROM dataset_versions v JOIN datasets d ON d.id = "
                                    "v.dataset_id WHERE v.dataset_id = $1 AND v.version = "
                                    "d.current_version",
                                {std::string(dataset_id)})
                   : db_->Query(std::string("SELECT ") + kVersionColumns +
                                    ", d.site FROM dataset_versions v JOIN datasets d ON d.id = "
                                    "v.dataset_id WHERE v.dataset_id = $1 AND v.version = $2",
                                {std::string(dataset_id), version}));
  if (rows.empty()) {
    return NotFound("no dataset " + std::string(dataset_id) +
                    (version > 0 ? " version " + std::to_string(version) : std::string()) +
                    " is registered");
  }
  return VersionFromRow(rows[0], rows[0].Text(10));
}

Result<std::vector<DatasetVersion>> DatasetRegistry::Versions(std::string_view dataset_id) {
  ASSIGN_OR_RETURN(const std::vector<db::Row> rows,
                   db_->Query(std::string("SELECT ") + kVersionColumns +
                                  ", d.site FROM dataset_versions v JOIN datasets d ON d.id = "
                                  "v.dataset_id WHERE v.dataset_id = $1 ORDER BY v.version DESC",
                              {std::string(dataset_id)}));
  if (rows.empty()) return NotFound("no dataset " + std::string(dataset_id) + " is registered");
  std::vector<DatasetVersion> out;
  for (const db::Row& r : rows) {
    ASSIGN_OR_RETURN(DatasetVersion v, VersionFromRow(r, r.Text(10)));
    out.push_back(std::move(v));
  }
  return out;
}

Result<std::vector<DatasetVersion>> DatasetRegistry::List(std::string_view site) {
  ASSIGN_OR_RETURN(const std::vector<db::Row> rows,
                   site.empty()
                       ? db_->Query(std::string("SELECT ") + kVersionColumns +
                                    ", d.site FROM datasets d JOIN dataset_versions v ON "
                                    "v.dataset_id = d.id AND v.version = d.current_version "
                                    "ORDER BY d.site, d.id")
                       : db_->Query(std::string("SELECT ") + kVersionColumns +
                                        ", d.site FROM datasets d JOIN dataset_versions v ON "
                                        "v.dataset_id = d.id AND v.version = d.current_version "
                                        "WHERE d.site = $1 ORDER BY d.id",
                                    {std::string(site)}));
  std::vector<DatasetVersion> out;
  for (const db::Row& r : rows) {
    ASSIGN_OR_RETURN(DatasetVersion v, VersionFromRow(r, r.Text(10)));
    out.push_back(std::move(v));
  }
  return out;
}

Result<std::string> DatasetRegistry::Samples(std::string_view dataset_id, int64_t version) {
  ASSIGN_OR_RETURN(const std::vector<db::Row> rows,
                   db_->Query("SELECT samples FROM dataset_versions WHERE dataset_id = $1 AND "
                              "version = $2",
                              {std::string(dataset_id), version}));
  if (rows.empty()) {
    return NotFound("no dataset " + std::string(dataset_id) + " version " +
                    std::to_string(version));
  }
  return rows[0].Text(0);
}

Status DatasetRegistry::SetNodeStatus(std::string_view dataset_id, int64_t version,
                                      std::string_view status, std::string_view message) {
  if (status != "pending" && status != "applied" && status != "failed") {
    return InvalidArgument("node status must be pending, applied or failed");
  }
  ASSIGN_OR_RETURN(
      const int64_t changed,
      db_->Exec("UPDATE dataset_versions SET node_status = $1, node_message = $2 "
                "WHERE dataset_id = $3 AND version = $4",
                {std::string(status), Truncate(message, 4000), std::string(dataset_id), version}));
  if (changed == 0) {
    return NotFound("no dataset " + std::string(dataset_id) + " version " +
                    std::to_string(version));
  }
  return Status::Ok();
}

}  // namespace renkei::workflow
