#include "beacon/beacon.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <optional>
#include <utility>

#include "cohort/cohort.h"
#include "cohort/disease_terms.h"
#include "cohort/icd10_catalog.h"
#include "cohort/vocab.h"

namespace renkei {
namespace {

using nlohmann::json;

constexpr std::string_view kSchemaBase =
    "https://raw.githubusercontent.com/ga4gh-beacon/beacon-v2/main/";
constexpr std::string_view kVariantSchemaId = "ga4gh-beacon-variant-v2.0.0";
constexpr std::string_view kIndividualSchemaId = "ga4gh-beacon-individual-v2.0.0";
constexpr std::string_view kVariantEntry = "genomicVariant";
constexpr std::string_view kIndividualEntry = "individual";

// ---------------------------------------------------------------------------------------------
// Small text helpers.

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Caller-supplied text that is echoed into a response (messages, the request summary) must be
// valid UTF-8, or nlohmann::json::dump would throw: invalid bytes become U+FFFD.
std::string Utf8Safe(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t len = 0;
    uint32_t min = 0;
    if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4, min = 0x10000;
    }
    bool ok = len > 0 && i + len <= s.size();
    uint32_t cp = ok ? (c & (0x7Fu >> len)) : 0;
    for (size_t k = 1; ok && k < len; ++k) {
      const auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) ok = false;
      cp = (cp << 6) | (d & 0x3Fu);
    }
    if (ok && (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))) ok = false;
    if (ok) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

std::string FirstLine(std::string_view s) { return std::string(s.substr(0, s.find('\n'))); }

std::string Join(std::span<const std::string> parts, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += sep;
    out += parts[i];
  }
  return out;
}

// Parses a whole string as a signed decimal integer.
std::optional<int64_t> ParseInt(std::string_view s) {
  s = Trim(s);
  int64_t v = 0;
  const char* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, v);
  if (s.empty() || ec != std::errc() || p != end) return std::nullopt;
  return v;
}

// ---------------------------------------------------------------------------------------------
// GRCh38 contigs: Beacon names (1, chr1, NC_000001.11, refseq:NC_000001.11) -> store names.

struct Contig {
  std::string_view name;    // as the stores name it
  std::string_view refseq;  // RefSeq accession of GRCh38
  int64_t length;
};

constexpr std::array<Contig, 25> kContigs = {{
    {"chr1", "NC_000001.11", 248956422},  {"chr2", "NC_000002.12", 242193529},
    {"chr3", "NC_000003.12", 198295559},  {"chr4", "NC_000004.12", 190214555},
    {"chr5", "NC_000005.10", 181538259},  {"chr6", "NC_000006.12", 170805979},
    {"chr7", "NC_000007.14", 159345973},  {"chr8", "NC_000008.11", 145138636},
    {"chr9", "NC_000009.12", 138394717},  {"chr10", "NC_000010.11", 133797422},
    {"chr11", "NC_000011.10", 135086622}, {"chr12", "NC_000012.12", 133275309},
    {"chr13", "NC_000013.11", 114364328}, {"chr14", "NC_000014.9", 107043718},
    {"chr15", "NC_000015.10", 101991189}, {"chr16", "NC_000016.10", 90338345},
    {"chr17", "NC_000017.11", 83257441},  {"chr18", "NC_000018.10", 80373285},
    {"chr19", "NC_000019.10", 58617616},  {"chr20", "NC_000020.11", 64444167},
    {"chr21", "NC_000021.9", 46709983},   {"chr22", "NC_000022.11", 50818468},
    {"chrX", "NC_000023.11", 156040895},  {"chrY", "NC_000024.10", 57227415},
    {"chrM", "NC_012920.1", 16569},
}};

const Contig* FindContig(std::string_view reference_name) {
  std::string n = Lower(Trim(reference_name));
  if (n.starts_with("refseq:")) n = n.substr(7);
  for (const Contig& c : kContigs) {
    if (n == Lower(c.refseq)) return &c;
  }
  if (n.starts_with("chr")) n = n.substr(3);
  if (n == "mt") n = "m";
  for (const Contig& c : kContigs) {
    if (n == Lower(c.name.substr(3))) return &c;
  }
  return nullptr;
}

// The contig of a backend row, for the VRS location (rows name store contigs).
const Contig* ContigOfRow(std::string_view name) {
  for (const Contig& c : kContigs) {
    if (name == c.name) return &c;
  }
  return FindContig(name);
}

bool IsGrch38(std::string_view assembly) {
  const std::string a = Lower(Trim(assembly));
  // GRCh38 and its patches, UCSC hg38, and the NCBI assembly accessions GCF/GCA_000001405.26+.
  if (a == "grch38" || a.starts_with("grch38.") || a == "hg38") return true;
  for (std::string_view prefix : {"gcf_000001405.", "gca_000001405."}) {
    if (a.starts_with(prefix)) {
      std::optional<int64_t> version = ParseInt(std::string_view(a).substr(prefix.size()));
      return version && *version >= 26;
    }
  }
  return false;
}

// Allele text in a request: A, C, G, T (N alone = any allele), case-insensitive.
Status CheckBases(std::string_view name, std::string& bases) {
  bases = Upper(Trim(bases));
  if (bases == "N") return Status::Ok();
  for (char c : bases) {
    if (c != 'A' && c != 'C' && c != 'G' && c != 'T') {
      return InvalidArgument(std::string(name) + " '" + Utf8Safe(bases) +
                             "' is not a sequence of A, C, G and T (N alone means any allele)");
    }
  }
  if (bases.empty()) return InvalidArgument(std::string(name) + " is empty");
  return Status::Ok();
}

// Allele text in a backend row that the genomicVariations schema can carry (a base sequence;
// not "*" or a symbolic allele such as <DEL>).
bool IsSequence(std::string_view bases) {
  if (bases.empty()) return false;
  for (char c : bases) {
    if (std::string_view("ACGTUNRYSWKMBDHV").find(c) == std::string_view::npos) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Granularity.

enum class Granularity { kBoolean = 0, kCount = 1, kRecord = 2 };

std::string_view GranularityName(Granularity g) {
  switch (g) {
    case Granularity::kBoolean:
      return "boolean";
    case Granularity::kCount:
      return "count";
    case Granularity::kRecord:
      return "record";
  }
  return "boolean";
}

std::optional<Granularity> ParseGranularity(std::string_view s) {
  const std::string l = Lower(Trim(s));
  if (l == "boolean") return Granularity::kBoolean;
  if (l == "count") return Granularity::kCount;
  if (l == "record") return Granularity::kRecord;
  return std::nullopt;
}

enum class EntryKind { kVariant, kIndividual };

// The tier table of beacon.h.
Granularity MaxGranularity(EntryKind kind, Tier tier) {
  if (kind == EntryKind::kVariant) return Granularity::kRecord;
  return tier == Tier::kPublic ? Granularity::kBoolean : Granularity::kCount;
}

int TierIndex(Tier tier) { return std::clamp(static_cast<int>(tier), 0, 2); }

std::string_view TierLabel(Tier tier) {
  switch (tier) {
    case Tier::kPublic:
      return "public";
    case Tier::kRegistered:
      return "registered";
    case Tier::kControlled:
      return "controlled";
  }
  return "public";
}

// ---------------------------------------------------------------------------------------------
// Filters.

constexpr std::array<std::string_view, 6> kFilterAttributes = {"age",   "sex",     "region",
                                                               "icd10", "disease", "biobank"};

struct NcitSex {
  std::string_view id;
  std::string_view sex;
  std::string_view label;
};
constexpr std::array<NcitSex, 3> kNcitSex = {{
    {"NCIT:C20197", "male", "Male"},
    {"NCIT:C16576", "female", "Female"},
    {"NCIT:C17998", "unknown", "Unknown"},
}};

std::string FilterText(const BeaconFilter& f) {
  if (f.op.empty()) return Utf8Safe(f.id);
  return Utf8Safe(f.id + (f.op == "!" ? "!" : "") + "=" + f.value);
}

std::string ValidFiltersHint(std::string_view url) {
  return "valid filters are age:<band> (0-9 ... 90+), sex:male|female|unknown, region:<region>, "
         "icd10:<ICD-10 code, range, block or chapter>, disease:<group>, biobank:<name>; "
         "all are listed at " +
         std::string(url);
}

// One filter -> one cohort term ("age=60-69"), checked by the cohort parser.
Result<std::string> FilterToTerm(const BeaconFilter& f, std::span<const std::string> biobanks,
                                 std::string_view url) {
  const std::string shown = FilterText(f);
  std::string attribute;
  std::string value;
  bool negate = false;
  if (!f.op.empty()) {
    attribute = Lower(Trim(f.id));
    value = std::string(Trim(f.value));
    if (f.op == "!") {
      negate = true;
    } else if (f.op != "=") {
      return InvalidArgument("filter '" + shown + "': operator '" + Utf8Safe(f.op) +
                             "' is not supported; use '=' or '!' (not equal)");
    }
  } else {
    const std::string id(Trim(f.id));
    for (const NcitSex& n : kNcitSex) {
      if (Lower(id) == Lower(n.id)) {
        attribute = "sex";
        value = n.sex;
      }
    }
    if (attribute.empty()) {
      const size_t colon = id.find(':');
      if (colon != std::string::npos) {
        attribute = Lower(id.substr(0, colon));
        value = std::string(Trim(std::string_view(id).substr(colon + 1)));
      }
    }
  }
  if (std::find(kFilterAttributes.begin(), kFilterAttributes.end(), attribute) ==
      kFilterAttributes.end()) {
    return InvalidArgument("unknown filter '" + shown + "'; " + ValidFiltersHint(url));
  }
  if (value.empty()) {
    return InvalidArgument("filter '" + shown + "' has no value; " + ValidFiltersHint(url));
  }
  // "age:90+" in a query string whose '+' was decoded as a space arrives as "age:90".
  if (attribute == "age" && value == "90") value = "90+";
  if (attribute == "biobank" &&
      std::find(biobanks.begin(), biobanks.end(), value) == biobanks.end()) {
    return InvalidArgument("unknown filter '" + shown + "': this beacon holds the biobanks " +
                           Join(biobanks, ", ") + "; all filters are listed at " +
                           std::string(url));
  }
  if (!f.include_descendants && (attribute == "icd10" || attribute == "disease")) {
    return InvalidArgument("filter '" + shown +
                           "': includeDescendantTerms=false is not supported; ICD-10 terms "
                           "always include their subcategories");
  }
  std::string term = attribute + (negate ? "!=" : "=") + QuoteCohortValue(value);
  Result<Cohort> parsed = Cohort::Parse(term);
  if (!parsed.ok()) {
    return InvalidArgument("unknown filter '" + shown +
                           "': " + Utf8Safe(FirstLine(parsed.status().message())) +
                           "; all filters are listed at " + std::string(url));
  }
  return term;
}

}  // namespace

Result<std::string> BeaconFiltersToCohort(std::span<const BeaconFilter> filters,
                                          std::span<const std::string> biobanks,
                                          std::string_view filtering_terms_url) {
  if (filters.empty()) return std::string();
  std::vector<std::string> terms;
  for (const BeaconFilter& f : filters) {
    ASSIGN_OR_RETURN(std::string term, FilterToTerm(f, biobanks, filtering_terms_url));
    terms.push_back(std::move(term));
  }
  Result<Cohort> cohort = Cohort::Parse(Join(terms, " & "));
  // Each term parsed alone; their conjunction can only fail on a bug.
  if (!cohort.ok()) return Internal("filters: " + cohort.status().message());
  std::string canonical = cohort->ToString();
  if (canonical == "all") canonical.clear();
  return canonical;
}

int BeaconHttpStatus(StatusCode code) { return HttpStatusFor(code); }

// ---------------------------------------------------------------------------------------------
// A parsed request: what the connector understood, echoed in meta.receivedRequestSummary (also
// for errors, as far as parsing got).

struct BeaconService::Request {
  EntryKind kind = EntryKind::kIndividual;
  std::string api_version;  // from meta.apiVersion; ours if absent
  json requested_schemas = json::array();
  std::optional<Granularity> requested;
  std::vector<BeaconFilter> filters;
  uint64_t skip = 0;
  std::optional<uint64_t> limit;
  std::string include = "HIT";
  std::optional<bool> test_mode;
  // g_variants request parameters.
  json echo = json::object();  // the parameters as understood, for the summary
  std::optional<std::string> reference_name;
  std::vector<int64_t> start, end;
  std::string reference_bases, alternate_bases;
  std::optional<std::string> assembly;
};

namespace {

using Request = BeaconService::Request;

constexpr std::array<std::string_view, 7> kUnsupportedVariantParams = {
    "variantType", "variantMinLength", "variantMaxLength",      "geneId",
    "mateName",    "aminoacidChange",  "genomicAlleleShortForm"};

Status SetGranularity(Request& r, std::string_view text) {
  r.requested = ParseGranularity(text);
  if (!r.requested) {
    return InvalidArgument("requestedGranularity '" + Utf8Safe(text) +
                           "' is not one of boolean, count, record");
  }
  return Status::Ok();
}

Status SetInclude(Request& r, std::string_view text) {
  const std::string u = Upper(Trim(text));
  if (u != "ALL" && u != "HIT" && u != "MISS" && u != "NONE") {
    return InvalidArgument("includeResultsetResponses '" + Utf8Safe(text) +
                           "' is not one of ALL, HIT, MISS, NONE");
  }
  r.include = u;
  return Status::Ok();
}

Status CheckNonNegative(std::string_view name, int64_t v) {
  if (v < 0) return InvalidArgument(std::string(name) + " must not be negative");
  return Status::Ok();
}

// "123" or "123,456" (GET form of start and end).
Status ParsePositions(std::string_view name, std::string_view text, std::vector<int64_t>& out) {
  out.clear();
  while (true) {
    const size_t comma = text.find(',');
    std::string_view part = text.substr(0, comma);
    std::optional<int64_t> v = ParseInt(part);
    if (!v) {
      return InvalidArgument(std::string(name) + " '" + Utf8Safe(part) +
                             "' is not an integer (0-based genomic position)");
    }
    out.push_back(*v);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return Status::Ok();
}

// POST form of start and end: an integer or an array of integers.
Status JsonPositions(std::string_view name, const json& v, std::vector<int64_t>& out) {
  out.clear();
  const json one = json::array({v});
  const json& items = v.is_array() ? v : one;
  for (const json& item : items) {
    if (!item.is_number_integer()) {
      return InvalidArgument(std::string(name) +
                             " must be an integer or an array of integers (0-based positions)");
    }
    if (item.is_number_unsigned()) {
      const auto u = item.get<uint64_t>();
      if (u > static_cast<uint64_t>(INT64_MAX)) {
        return InvalidArgument(std::string(name) + " is out of range");
      }
      out.push_back(static_cast<int64_t>(u));
    } else {
      out.push_back(item.get<int64_t>());
    }
  }
  return Status::Ok();
}

json PositionsJson(const std::vector<int64_t>& v) {
  json a = json::array();
  for (int64_t x : v) a.push_back(x);
  return a;
}

// Splits a GET `filters` value ("age:60-69,sex:male") into filters.
void AddGetFilters(Request& r, std::string_view text) {
  while (true) {
    const size_t comma = text.find(',');
    std::string_view part = Trim(text.substr(0, comma));
    if (!part.empty()) r.filters.push_back({std::string(part), "", "", true});
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
}

// The parameters every query endpoint takes; returns false if `key` is not one of them.
Result<bool> ParseCommonGetParam(Request& r, const std::string& key, const std::string& value) {
  if (key == "filters") {
    AddGetFilters(r, value);
  } else if (key == "requestedGranularity") {
    RETURN_IF_ERROR(SetGranularity(r, value));
  } else if (key == "skip" || key == "limit") {
    std::optional<int64_t> v = ParseInt(value);
    if (!v) return InvalidArgument(key + " '" + Utf8Safe(value) + "' is not an integer");
    RETURN_IF_ERROR(CheckNonNegative(key, *v));
    if (key == "skip") {
      r.skip = static_cast<uint64_t>(*v);
    } else {
      r.limit = static_cast<uint64_t>(*v);
    }
  } else if (key == "includeResultsetResponses") {
    RETURN_IF_ERROR(SetInclude(r, value));
  } else if (key == "testMode") {
    const std::string l = Lower(Trim(value));
    if (l != "true" && l != "false") {
      return InvalidArgument("testMode '" + Utf8Safe(value) + "' is not true or false");
    }
    r.test_mode = l == "true";
  } else {
    return false;
  }
  return true;
}

Status CheckRepeats(const BeaconQueryParams& params) {
  for (auto it = params.begin(); it != params.end(); it = params.upper_bound(it->first)) {
    if (it->first != "filters" && params.count(it->first) > 1) {
      return InvalidArgument("parameter '" + Utf8Safe(it->first) + "' is given more than once");
    }
  }
  return Status::Ok();
}

Status ParseVariantGet(Request& r, const BeaconQueryParams& params) {
  RETURN_IF_ERROR(CheckRepeats(params));
  for (const auto& [key, value] : params) {
    ASSIGN_OR_RETURN(bool common, ParseCommonGetParam(r, key, value));
    if (common) continue;
    if (key == "referenceName") {
      r.reference_name = value;
      r.echo["referenceName"] = Utf8Safe(value);
    } else if (key == "start" || key == "end") {
      std::vector<int64_t>& out = key == "start" ? r.start : r.end;
      RETURN_IF_ERROR(ParsePositions(key, value, out));
      r.echo[key] = PositionsJson(out);
    } else if (key == "referenceBases" || key == "alternateBases") {
      std::string bases = value;
      RETURN_IF_ERROR(CheckBases(key, bases));
      (key == "referenceBases" ? r.reference_bases : r.alternate_bases) = bases;
      r.echo[key] = bases;
    } else if (key == "assemblyId") {
      r.assembly = value;
      r.echo["assemblyId"] = Utf8Safe(value);
    } else if (std::find(kUnsupportedVariantParams.begin(), kUnsupportedVariantParams.end(), key) !=
               kUnsupportedVariantParams.end()) {
      return InvalidArgument("parameter '" + key + "' is not supported by this beacon");
    } else {
      return InvalidArgument(
          "unknown parameter '" + Utf8Safe(key) +
          "'; g_variants takes referenceName, start, end, referenceBases, alternateBases, "
          "assemblyId, filters, requestedGranularity, skip, limit, includeResultsetResponses, "
          "testMode");
    }
  }
  return Status::Ok();
}

Status ParseIndividualsGet(Request& r, const BeaconQueryParams& params) {
  RETURN_IF_ERROR(CheckRepeats(params));
  for (const auto& [key, value] : params) {
    ASSIGN_OR_RETURN(bool common, ParseCommonGetParam(r, key, value));
    if (!common) {
      return InvalidArgument("unknown parameter '" + Utf8Safe(key) +
                             "'; individuals takes filters, requestedGranularity, skip, limit, "
                             "includeResultsetResponses, testMode");
    }
  }
  return Status::Ok();
}

// One element of query.filters: a string id, or an ontology, alphanumeric or custom filter.
Status ParseJsonFilter(Request& r, const json& f) {
  if (f.is_string()) {
    r.filters.push_back({f.get<std::string>(), "", "", true});
    return Status::Ok();
  }
  if (!f.is_object()) return InvalidArgument("each filter must be an object with an \"id\"");
  auto id = f.find("id");
  if (id == f.end() || !id->is_string()) {
    return InvalidArgument("each filter must have a string \"id\"");
  }
  BeaconFilter filter{id->get<std::string>(), "", "", true};
  if (auto scope = f.find("scope"); scope != f.end()) {
    static constexpr std::array<std::string_view, 6> kScopes = {
        "individual",      "individuals",      "genomicVariant",
        "genomicVariants", "genomicVariation", "genomicVariations"};
    if (!scope->is_string() ||
        std::find(kScopes.begin(), kScopes.end(), scope->get<std::string>()) == kScopes.end()) {
      return InvalidArgument("filter '" + Utf8Safe(filter.id) +
                             "': scope must be \"individual\" (filters select individuals)");
    }
  }
  if (auto op = f.find("operator"); op != f.end()) {
    if (!op->is_string()) return InvalidArgument("a filter's \"operator\" must be a string");
    filter.op = op->get<std::string>();
  }
  if (auto value = f.find("value"); value != f.end()) {
    if (!value->is_string()) return InvalidArgument("a filter's \"value\" must be a string");
    filter.value = value->get<std::string>();
    if (filter.op.empty()) filter.op = "=";
  } else if (!filter.op.empty()) {
    return InvalidArgument("filter '" + Utf8Safe(filter.id) + "' has an operator but no value");
  }
  if (auto d = f.find("includeDescendantTerms"); d != f.end()) {
    if (!d->is_boolean()) return InvalidArgument("includeDescendantTerms must be true or false");
    filter.include_descendants = d->get<bool>();
  }
  if (auto s = f.find("similarity"); s != f.end()) {
    if (!s->is_string() || s->get<std::string>() != "exact") {
      return InvalidArgument("filter '" + Utf8Safe(filter.id) +
                             "': only similarity \"exact\" is supported");
    }
  }
  r.filters.push_back(std::move(filter));
  return Status::Ok();
}

// meta and the common parts of query; returns query.requestParameters (or null).
Result<json> ParseJsonBody(Request& r, const json& body) {
  if (!body.is_object()) return InvalidArgument("the request body must be a JSON object");
  if (auto meta = body.find("meta"); meta != body.end()) {
    if (!meta->is_object()) return InvalidArgument("\"meta\" must be an object");
    if (auto v = meta->find("apiVersion"); v != meta->end() && v->is_string()) {
      r.api_version = Utf8Safe(v->get<std::string>());
    }
    if (auto s = meta->find("requestedSchemas"); s != meta->end() && s->is_array()) {
      for (const json& item : *s) {
        if (!item.is_object()) continue;
        json entry = json::object();
        for (const char* k : {"entityType", "schema"}) {
          if (auto v = item.find(k); v != item.end() && v->is_string()) {
            entry[k] = Utf8Safe(v->get<std::string>());
          }
        }
        r.requested_schemas.push_back(std::move(entry));
      }
    }
  }
  auto query_it = body.find("query");
  if (query_it == body.end()) return json();
  const json& query = *query_it;
  if (!query.is_object()) return InvalidArgument("\"query\" must be an object");
  if (auto g = query.find("requestedGranularity"); g != query.end()) {
    if (!g->is_string()) return InvalidArgument("requestedGranularity must be a string");
    RETURN_IF_ERROR(SetGranularity(r, g->get<std::string>()));
  }
  if (auto p = query.find("pagination"); p != query.end()) {
    if (!p->is_object()) return InvalidArgument("\"pagination\" must be an object");
    for (const char* k : {"skip", "limit"}) {
      auto v = p->find(k);
      if (v == p->end()) continue;
      if (!v->is_number_integer() ||
          (v->is_number_integer() && !v->is_number_unsigned() && v->get<int64_t>() < 0)) {
        return InvalidArgument(std::string("pagination.") + k + " must be a non-negative integer");
      }
      const auto n = v->get<uint64_t>();
      if (std::string_view(k) == "skip") {
        r.skip = n;
      } else {
        r.limit = n;
      }
    }
  }
  if (auto inc = query.find("includeResultsetResponses"); inc != query.end()) {
    if (!inc->is_string()) return InvalidArgument("includeResultsetResponses must be a string");
    RETURN_IF_ERROR(SetInclude(r, inc->get<std::string>()));
  }
  if (auto t = query.find("testMode"); t != query.end()) {
    if (!t->is_boolean()) return InvalidArgument("testMode must be true or false");
    r.test_mode = t->get<bool>();
  }
  if (auto f = query.find("filters"); f != query.end()) {
    if (!f->is_array()) return InvalidArgument("\"filters\" must be an array");
    for (const json& item : *f) RETURN_IF_ERROR(ParseJsonFilter(r, item));
  }
  auto params = query.find("requestParameters");
  if (params == query.end() || params->is_null()) return json();
  if (!params->is_object()) return InvalidArgument("\"requestParameters\" must be an object");
  return *params;
}

Status ParseVariantParams(Request& r, const json& params) {
  if (params.is_null()) return Status::Ok();
  // Accept the flat form and the form nested under the entry type's name.
  const json& p = params.contains("g_variant") && params["g_variant"].is_object()
                      ? params["g_variant"]
                      : params;
  for (const auto& [key, value] : p.items()) {
    if (key == "$schema") continue;
    if (key == "referenceName" || key == "assemblyId") {
      if (!value.is_string()) return InvalidArgument(key + " must be a string");
      (key == "referenceName" ? r.reference_name : r.assembly) = value.get<std::string>();
      r.echo[key] = Utf8Safe(value.get<std::string>());
    } else if (key == "start" || key == "end") {
      std::vector<int64_t>& out = key == "start" ? r.start : r.end;
      RETURN_IF_ERROR(JsonPositions(key, value, out));
      r.echo[key] = PositionsJson(out);
    } else if (key == "referenceBases" || key == "alternateBases") {
      if (!value.is_string()) return InvalidArgument(key + " must be a string");
      std::string bases = value.get<std::string>();
      RETURN_IF_ERROR(CheckBases(key, bases));
      (key == "referenceBases" ? r.reference_bases : r.alternate_bases) = bases;
      r.echo[key] = bases;
    } else if (std::find(kUnsupportedVariantParams.begin(), kUnsupportedVariantParams.end(), key) !=
               kUnsupportedVariantParams.end()) {
      return InvalidArgument("request parameter '" + key + "' is not supported by this beacon");
    } else {
      return InvalidArgument("unknown request parameter '" + Utf8Safe(key) +
                             "'; g_variants takes referenceName, start, end, referenceBases, "
                             "alternateBases, assemblyId");
    }
  }
  return Status::Ok();
}

// Checks the g_variants parameters and turns them into the backend's query.
Result<BeaconVariantQuery> VariantQuery(const Request& r, Tier tier,
                                        const BeaconServiceInfo& info) {
  if (!r.reference_name) {
    return InvalidArgument("referenceName is missing; g_variants needs referenceName and start");
  }
  const Contig* contig = FindContig(*r.reference_name);
  if (contig == nullptr) {
    return InvalidArgument("unknown referenceName '" + Utf8Safe(*r.reference_name) +
                           "'; use a GRCh38 chromosome: 1-22, X, Y, MT (also chr1, "
                           "NC_000001.11 or refseq:NC_000001.11)");
  }
  if (r.assembly && !IsGrch38(*r.assembly)) {
    return InvalidArgument("assemblyId '" + Utf8Safe(*r.assembly) +
                           "' is not served: this beacon holds GRCh38 data only");
  }
  if (r.start.empty()) {
    return InvalidArgument("start is missing; g_variants needs referenceName and start");
  }
  if (r.start.size() > 1 || r.end.size() > 1) {
    return InvalidArgument(
        "bracket queries (two values in start or end) are not supported; give one start and "
        "one end (range query) or one start with alternateBases (sequence query)");
  }
  const int64_t start = r.start[0];
  RETURN_IF_ERROR(CheckNonNegative("start", start));
  if (start >= contig->length) {
    return InvalidArgument("start " + std::to_string(start) + " is beyond the end of " +
                           std::string(contig->name) + " (" + std::to_string(contig->length) +
                           " bp)");
  }
  BeaconVariantQuery q;
  q.contig = std::string(contig->name);
  q.start = start + 1;  // Beacon positions are 0-based; the backend's are 1-based
  if (r.end.empty()) {
    if (r.alternate_bases.empty()) {
      return InvalidArgument(
          "start without end needs alternateBases (sequence query); for a range query give "
          "end as well");
    }
    q.end = q.start;
  } else {
    const int64_t end = r.end[0];  // 0-based exclusive = 1-based inclusive
    if (end <= start) {
      return InvalidArgument("end (" + std::to_string(end) + ") must be greater than start (" +
                             std::to_string(start) + "): start is 0-based inclusive, end " +
                             "0-based exclusive");
    }
    const uint64_t bp = static_cast<uint64_t>(end - start);
    const uint64_t limit = info.max_range_bp[TierIndex(tier)];
    if (bp > limit) {
      return InvalidArgument("the range covers " + std::to_string(bp) + " bp, more than the " +
                             std::string(TierLabel(tier)) + " tier's limit of " +
                             std::to_string(limit) + " bp: split or narrow it");
    }
    q.end = std::min<int64_t>(end, contig->length);
  }
  q.ref = r.reference_bases == "N" ? "" : r.reference_bases;
  q.alt = r.alternate_bases == "N" ? "" : r.alternate_bases;
  return q;
}

std::string_view VariantType(std::string_view ref, std::string_view alt) {
  if (ref.size() == 1 && alt.size() == 1) return "SNP";
  if (ref.size() == alt.size()) return "MNP";
  return "INDEL";
}

// One backend row as a genomicVariations record (default model).
json VariantRecord(const BeaconAlleleRow& row, const BeaconServiceInfo& info) {
  const Contig* contig = ContigOfRow(row.contig);
  const int64_t begin = static_cast<int64_t>(row.pos) - 1;  // VRS interbase coordinates
  const int64_t end = begin + static_cast<int64_t>(row.ref.size());
  const std::string sequence_id =
      contig ? "refseq:" + std::string(contig->refseq) : "renkei:" + Utf8Safe(row.contig);
  json record = {{"variantInternalId", "GRCh38-" + row.contig + "-" + std::to_string(row.pos) +
                                           "-" + row.ref + "-" + row.alt},
                 {"variation",
                  {{"variantType", VariantType(row.ref, row.alt)},
                   {"referenceBases", row.ref},
                   {"alternateBases", row.alt},
                   {"location",
                    {{"type", "SequenceLocation"},
                     {"sequence_id", sequence_id},
                     {"interval",
                      {{"type", "SequenceInterval"},
                       {"start", {{"type", "Number"}, {"value", begin}}},
                       {"end", {{"type", "Number"}, {"value", end}}}}}}}}}};
  if (contig && row.ref.size() == 1 && row.alt.size() == 1) {
    record["identifiers"] = {
        {"genomicHGVSId",
         std::string(contig->refseq) + ":g." + std::to_string(row.pos) + row.ref + ">" + row.alt}};
  }
  json frequencies = json::array();
  json withheld = json::array();
  for (const BeaconAlleleRow::Population& p : row.populations) {
    // alleleFrequency is required per population: without a shown AC and a shown, non-zero
    // AN there is none, and the population is only named as withheld.
    if (p.ac.withheld || p.an.withheld || p.an.value == 0) {
      withheld.push_back(Utf8Safe(p.id));
      continue;
    }
    json f = {
        {"population", Utf8Safe(p.id)},
        {"alleleFrequency", static_cast<double>(p.ac.value) / static_cast<double>(p.an.value)},
        {"alleleCount", p.ac.value},
        {"alleleNumber", p.an.value}};
    // As in gnomAD and Beacon v2.1, homozygous individuals (renkei's AC_Hom counts alleles).
    if (!p.ac_hom.withheld) f["alleleCountHomozygous"] = p.ac_hom.value / 2;
    frequencies.push_back(std::move(f));
  }
  if (!frequencies.empty()) {
    json source = {{"source", "renkei"},
                   {"sourceReference", info.base_url},
                   {"version", info.version},
                   {"frequencies", std::move(frequencies)}};
    record["frequencyInPopulations"] = json::array({std::move(source)});
  }
  if (!withheld.empty()) {
    record["info"] = {{"withheldPopulations", std::move(withheld)},
                      {"note",
                       "counts below the disclosure floor of this tier are withheld (never "
                       "shown as 0); these populations have no frequency here"}};
  }
  return record;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// BeaconService.

BeaconService::BeaconService(BeaconBackend& backend, BeaconServiceInfo info)
    : backend_(backend), info_(std::move(info)) {
  while (!info_.base_url.empty() && info_.base_url.back() == '/') info_.base_url.pop_back();
}

std::string BeaconService::FilteringTermsUrl() const { return info_.base_url + "/filtering_terms"; }

json BeaconService::InformationalMeta() const {
  return {{"beaconId", info_.id},
          {"apiVersion", info_.api_version},
          {"returnedSchemas", json::array()}};
}

namespace {

json ReturnedSchemas(EntryKind kind) {
  if (kind == EntryKind::kVariant) {
    return json::array({{{"entityType", kVariantEntry}, {"schema", kVariantSchemaId}}});
  }
  return json::array({{{"entityType", kIndividualEntry}, {"schema", kIndividualSchemaId}}});
}

// meta.receivedRequestSummary; `applied` stands in for an absent requestedGranularity.
json RequestSummary(const Request& r, const BeaconServiceInfo& info, Granularity applied,
                    uint64_t limit) {
  json s = {{"apiVersion", r.api_version.empty() ? info.api_version : r.api_version},
            {"requestedSchemas", r.requested_schemas},
            {"pagination", {{"skip", r.skip}, {"limit", limit}}},
            {"requestedGranularity", GranularityName(r.requested.value_or(applied))},
            {"includeResultsetResponses", r.include}};
  if (!r.filters.empty()) {
    json filters = json::array();
    for (const BeaconFilter& f : r.filters) filters.push_back(FilterText(f));
    s["filters"] = std::move(filters);
  }
  // requestParameters maps names to objects (framework requestParameters.json), so the
  // g_variants parameters are echoed under the entry type's name.
  if (!r.echo.empty()) s["requestParameters"] = {{"g_variant", r.echo}};
  if (r.test_mode) s["testMode"] = *r.test_mode;
  return s;
}

json ResponseMeta(const Request& r, const BeaconServiceInfo& info, Granularity returned,
                  Granularity applied, uint64_t limit, bool with_schemas) {
  json meta = {{"beaconId", info.id},
               {"apiVersion", info.api_version},
               {"returnedGranularity", GranularityName(returned)},
               {"returnedSchemas", with_schemas ? ReturnedSchemas(r.kind) : json::array()},
               {"receivedRequestSummary", RequestSummary(r, info, applied, limit)}};
  if (r.test_mode) meta["testMode"] = *r.test_mode;
  return meta;
}

void PutIfSet(json& obj, const char* key, const std::string& value) {
  if (!value.empty()) obj[key] = value;
}

}  // namespace

BeaconResponse BeaconService::ErrorFor(const Status& status, const Request* request) const {
  Request fallback;
  const Request& r = request ? *request : fallback;
  const int http = BeaconHttpStatus(status.ok() ? StatusCode::kInternal : status.code());
  const std::string message =
      status.ok() ? "internal error: no error to report" : Utf8Safe(status.message());
  json body = {
      {"meta", ResponseMeta(r, info_, Granularity::kBoolean, Granularity::kBoolean,
                            r.limit.value_or(info_.default_page_size), /*with_schemas=*/false)},
      {"error", {{"errorCode", http}, {"errorMessage", message}}}};
  return {http, std::move(body)};
}

BeaconResponse BeaconService::Error(const Status& status) const {
  return ErrorFor(status, nullptr);
}

BeaconResponse BeaconService::Info() const {
  json org = {{"id", info_.organization.id}, {"name", info_.organization.name}};
  PutIfSet(org, "description", info_.organization.description);
  PutIfSet(org, "address", info_.organization.address);
  PutIfSet(org, "welcomeUrl", info_.organization.welcome_url);
  PutIfSet(org, "contactUrl", info_.organization.contact_url);
  PutIfSet(org, "logoUrl", info_.organization.logo_url);
  json response = {{"id", info_.id},
                   {"name", info_.name},
                   {"apiVersion", info_.api_version},
                   {"environment", info_.environment},
                   {"organization", std::move(org)},
                   {"description", info_.description},
                   {"version", info_.version}};
  PutIfSet(response, "welcomeUrl", info_.welcome_url);
  PutIfSet(response, "alternativeUrl", info_.alternative_url);
  PutIfSet(response, "createDateTime", info_.create_date_time);
  PutIfSet(response, "updateDateTime", info_.update_date_time);
  json biobanks = json::array();
  for (const std::string& b : backend_.Biobanks()) biobanks.push_back(Utf8Safe(b));
  response["info"] = {
      {"biobanks", std::move(biobanks)},
      {"assembly", "GRCh38"},
      {"granularity",
       {{"individual", {{"public", "boolean"}, {"registered", "count"}, {"controlled", "count"}}},
        {"genomicVariant",
         {{"public", "record"}, {"registered", "record"}, {"controlled", "record"}}}}},
      {"note",
       "variant records carry aggregate allele counts only; no individual-level record ever "
       "leaves this beacon; counts below the disclosure floor of a tier are withheld"}};
  return {200, {{"meta", InformationalMeta()}, {"response", std::move(response)}}};
}

BeaconResponse BeaconService::ServiceInfo() const {
  std::string org_url = info_.organization.welcome_url;
  if (org_url.empty()) org_url = info_.welcome_url;
  if (org_url.empty()) org_url = info_.base_url;
  json body = {
      {"id", info_.id},
      {"name", info_.name},
      {"type", {{"group", "org.ga4gh"}, {"artifact", "beacon"}, {"version", info_.api_version}}},
      {"description", info_.description},
      {"organization", {{"name", info_.organization.name}, {"url", org_url}}},
      {"environment", info_.environment},
      {"version", info_.version}};
  PutIfSet(body, "contactUrl", info_.contact_url);
  PutIfSet(body, "documentationUrl", info_.documentation_url);
  PutIfSet(body, "createdAt", info_.create_date_time);
  PutIfSet(body, "updatedAt", info_.update_date_time);
  return {200, std::move(body)};
}

json BeaconService::EntryTypesJson() const {
  const std::string models = std::string(kSchemaBase) + "models/json/beacon-v2-default-model/";
  json variant = {
      {"id", kVariantEntry},
      {"name", "Genomic variants"},
      {"ontologyTermForThisType", {{"id", "ENSGLOSSARY:0000092"}, {"label", "Variant"}}},
      {"partOfSpecification", "Beacon " + info_.api_version},
      {"description",
       "Variants on GRCh38 with allele frequencies per population (the federation, each "
       "biobank, each preset stratum, or the cohort the filters select); no case-level data."},
      {"defaultSchema",
       {{"id", kVariantSchemaId},
        {"name", "Default schema for a genomic variation"},
        {"referenceToSchemaDefinition", models + "genomicVariations/defaultSchema.json"},
        {"schemaVersion", info_.api_version}}},
      {"additionallySupportedSchemas", json::array()},
      {"nonFilteredQueriesAllowed", false}};
  json individual = {
      {"id", kIndividualEntry},
      {"name", "Individuals"},
      {"ontologyTermForThisType", {{"id", "NCIT:C25190"}, {"label", "Person"}}},
      {"partOfSpecification", "Beacon " + info_.api_version},
      {"description",
       "Individuals with whole genomes, counted by age band, sex, region, ICD-10 diagnosis and "
       "biobank (boolean or count answers only)."},
      {"defaultSchema",
       {{"id", kIndividualSchemaId},
        {"name", "Default schema for an individual"},
        {"referenceToSchemaDefinition", models + "individuals/defaultSchema.json"},
        {"schemaVersion", info_.api_version}}},
      {"additionallySupportedSchemas", json::array()},
      {"nonFilteredQueriesAllowed", true}};
  return {{std::string(kVariantEntry), std::move(variant)},
          {std::string(kIndividualEntry), std::move(individual)}};
}

BeaconResponse BeaconService::Configuration() const {
  std::string status = "DEV";
  if (info_.environment == "prod") status = "PROD";
  if (info_.environment == "test" || info_.environment == "staging") status = "TEST";
  json response = {
      {"$schema",
       std::string(kSchemaBase) + "framework/json/configuration/beaconConfigurationSchema.json"},
      {"maturityAttributes", {{"productionStatus", status}}},
      {"securityAttributes", {{"securityLevels", {"PUBLIC", "REGISTERED", "CONTROLLED"}}}},
      {"entryTypes", EntryTypesJson()}};
  return {200, {{"meta", InformationalMeta()}, {"response", std::move(response)}}};
}

BeaconResponse BeaconService::Map() const {
  const std::string endpoints = std::string(kSchemaBase) + "models/src/beacon-v2-default-model/";
  json sets = {{std::string(kVariantEntry),
                {{"entryType", kVariantEntry},
                 {"rootUrl", info_.base_url + "/g_variants"},
                 {"openAPIEndpointsDefinition", endpoints + "genomicVariations/endpoints.yaml"}}},
               {std::string(kIndividualEntry),
                {{"entryType", kIndividualEntry},
                 {"rootUrl", info_.base_url + "/individuals"},
                 {"openAPIEndpointsDefinition", endpoints + "individuals/endpoints.yaml"}}}};
  json response = {
      {"$schema", std::string(kSchemaBase) + "framework/json/configuration/beaconMapSchema.json"},
      {"endpointSets", std::move(sets)}};
  return {200, {{"meta", InformationalMeta()}, {"response", std::move(response)}}};
}

BeaconResponse BeaconService::EntryTypes() const {
  return {200, {{"meta", InformationalMeta()}, {"response", {{"entryTypes", EntryTypesJson()}}}}};
}

BeaconResponse BeaconService::FilteringTerms() const {
  const json scopes = json::array({kIndividualEntry, kVariantEntry});
  json terms = json::array();
  auto add = [&](std::string id, std::string type, std::string label) {
    terms.push_back({{"id", Utf8Safe(id)},
                     {"type", std::move(type)},
                     {"label", Utf8Safe(label)},
                     {"scopes", scopes}});
  };
  // Alphanumeric forms first: {"id": "age", "operator": "=", "value": "60-69"}.
  json bands = json::array();
  for (int b = 0; b < kAgeBandCount; ++b) bands.push_back(std::string(AgeBandName(b)));
  json sexes = json::array();
  for (int s = 0; s < kSexCount; ++s) sexes.push_back(std::string(SexName(static_cast<Sex>(s))));
  json regions = json::array();
  for (int g = 0; g < kRegionCount; ++g) {
    regions.push_back(std::string(RegionName(static_cast<Region>(g))));
  }
  json biobank_values = json::array();
  const std::vector<std::string> biobanks = backend_.Biobanks();
  for (const std::string& b : biobanks) biobank_values.push_back(Utf8Safe(b));
  auto alnum = [&](const char* id, const char* label, json values) {
    json t = {{"id", id}, {"type", "alphanumeric"}, {"label", label}, {"scopes", scopes}};
    if (!values.empty()) t["values"] = std::move(values);
    terms.push_back(std::move(t));
  };
  alnum("age", "10-year age band", bands);
  alnum("sex", "sex", sexes);
  alnum("region", "region of residence or birth (8 regions of Japan)", regions);
  alnum("icd10", "ICD-10 code, range, block or chapter (e.g. F00-F03)", json::array());
  alnum("disease", "disease group or disease name (English or Japanese)", json::array());
  alnum("biobank", "biobank", biobank_values);

  for (int b = 0; b < kAgeBandCount; ++b) {
    const std::string band(AgeBandName(b));
    add("age:" + band, "custom", "age " + band);
  }
  for (int s = 0; s < kSexCount; ++s) {
    const std::string sex(SexName(static_cast<Sex>(s)));
    add("sex:" + sex, "custom", "sex " + sex);
  }
  for (const NcitSex& n : kNcitSex) add(std::string(n.id), "ontologyTerm", std::string(n.label));
  for (int g = 0; g < kRegionCount; ++g) {
    const auto region = static_cast<Region>(g);
    add("region:" + std::string(RegionName(region)), "custom",
        "region " + std::string(RegionName(region)) + " (" + std::string(RegionNameJa(region)) +
            ")");
  }
  for (const Icd10Chapter& c : Icd10Catalog::Get().chapters()) {
    add("icd10:" + std::string(c.range), "ontologyTerm",
        "ICD-10 chapter " + std::string(c.numeral) + ": " + std::string(c.title_en));
  }
  for (const DiseaseGroup& g : DiseaseGroups()) {
    add("disease:" + std::string(g.key), "custom",
        std::string(g.name_en) + " (" + std::string(g.name_ja) + "; ICD-10 " +
            std::string(g.codes) + ")");
  }
  for (const std::string& b : biobanks) add("biobank:" + b, "custom", "biobank " + b);

  json resources = json::array(
      {{{"id", "icd10"},
        {"name", "International Classification of Diseases, 10th revision (WHO; MHLW 2013)"},
        {"url", "https://icd.who.int/browse10/2019/en"},
        {"nameSpacePrefix", "icd10"},
        {"iriPrefix", "https://icd.who.int/browse10/2019/en#/"}},
       {{"id", "ncit"},
        {"name", "NCI Thesaurus"},
        {"url", "http://purl.obolibrary.org/obo/ncit.owl"},
        {"nameSpacePrefix", "NCIT"},
        {"iriPrefix", "http://purl.obolibrary.org/obo/NCIT_"}}});
  return {200,
          {{"meta", InformationalMeta()},
           {"response", {{"filteringTerms", std::move(terms)}, {"resources", resources}}}}};
}

// ---------------------------------------------------------------------------------------------
// Queries.

BeaconResponse BeaconService::RunVariants(Request& r, const BeaconCaller& caller) const {
  Result<BeaconVariantQuery> query = VariantQuery(r, caller.tier, info_);
  if (!query.ok()) return ErrorFor(query.status(), &r);
  Result<std::string> cohort =
      BeaconFiltersToCohort(r.filters, backend_.Biobanks(), FilteringTermsUrl());
  if (!cohort.ok()) return ErrorFor(cohort.status(), &r);
  if (r.limit && *r.limit > info_.max_page_size) {
    return ErrorFor(InvalidArgument("limit " + std::to_string(*r.limit) + " is over the maximum " +
                                    std::to_string(info_.max_page_size)),
                    &r);
  }
  Result<std::vector<BeaconAlleleRow>> rows = backend_.Alleles(*query, *cohort, caller);
  if (!rows.ok()) return ErrorFor(rows.status(), &r);

  // Rows the schema cannot carry ("*", symbolic alleles) are not variants to report.
  std::vector<const BeaconAlleleRow*> shown;
  for (const BeaconAlleleRow& row : *rows) {
    if (IsSequence(row.ref) && IsSequence(row.alt)) shown.push_back(&row);
  }
  const uint64_t total = shown.size();
  const bool exists = total > 0;
  const Granularity max = MaxGranularity(EntryKind::kVariant, caller.tier);
  const Granularity returned = std::min(r.requested.value_or(max), max);
  const uint64_t limit = r.limit.value_or(info_.default_page_size) == 0
                             ? info_.max_page_size
                             : r.limit.value_or(info_.default_page_size);
  json body = {{"meta", ResponseMeta(r, info_, returned, max, limit, true)}};
  json summary = {{"exists", exists}};
  if (returned >= Granularity::kCount) summary["numTotalResults"] = total;
  body["responseSummary"] = std::move(summary);
  json info = {{"tier", TierLabel(caller.tier)}};
  if (!cohort->empty()) info["cohort"] = *cohort;
  body["info"] = std::move(info);
  if (returned == Granularity::kRecord) {
    json results = json::array();
    for (uint64_t i = r.skip; i < total && i - r.skip < limit; ++i) {
      results.push_back(VariantRecord(*shown[i], info_));
    }
    json sets = json::array();
    const bool include =
        r.include == "ALL" || (r.include == "HIT" && exists) || (r.include == "MISS" && !exists);
    if (include) {
      sets.push_back({{"id", info_.dataset_id},
                      {"setType", "dataset"},
                      {"exists", exists},
                      {"resultsCount", total},
                      {"results", std::move(results)}});
    }
    body["response"] = {{"resultSets", std::move(sets)}};
  }
  return {200, std::move(body)};
}

BeaconResponse BeaconService::RunIndividuals(Request& r, const BeaconCaller& caller) const {
  Result<std::string> cohort =
      BeaconFiltersToCohort(r.filters, backend_.Biobanks(), FilteringTermsUrl());
  if (!cohort.ok()) return ErrorFor(cohort.status(), &r);
  Result<BeaconBackend::Count> count = backend_.CountIndividuals(*cohort, caller);
  if (!count.ok()) return ErrorFor(count.status(), &r);

  const Granularity max = MaxGranularity(EntryKind::kIndividual, caller.tier);
  Granularity returned = std::min(r.requested.value_or(max), max);
  const GuardedValue& n = count->count;
  // A withheld count has no number to show: the answer falls back to boolean.
  if (n.withheld) returned = Granularity::kBoolean;
  const bool exists = !n.withheld && n.value > 0;
  json body = {{"meta", ResponseMeta(r, info_, returned, max,
                                     r.limit.value_or(info_.default_page_size), true)}};
  json summary = {{"exists", exists}};
  if (returned == Granularity::kCount) summary["numTotalResults"] = n.value;
  body["responseSummary"] = std::move(summary);
  json info = {{"tier", TierLabel(caller.tier)},
               {"countPrecision", n.withheld ? "withheld" : "exact"}};
  if (n.withheld) {
    info["note"] =
        "fewer individuals than the disclosure floor of this tier match (possibly none): the "
        "count is withheld, so exists is false";
  }
  if (count->partial) {
    info["partial"] = true;
    info["partialNote"] = "some sites did not answer; the answer covers the sites that did";
  }
  if (!cohort->empty()) info["cohort"] = *cohort;
  body["info"] = std::move(info);
  return {200, std::move(body)};
}

BeaconResponse BeaconService::GenomicVariationsGet(const BeaconQueryParams& params,
                                                   const BeaconCaller& caller) const {
  Request r;
  r.kind = EntryKind::kVariant;
  if (Status st = ParseVariantGet(r, params); !st.ok()) return ErrorFor(st, &r);
  return RunVariants(r, caller);
}

BeaconResponse BeaconService::GenomicVariationsPost(const json& body,
                                                    const BeaconCaller& caller) const {
  Request r;
  r.kind = EntryKind::kVariant;
  Result<json> params = ParseJsonBody(r, body);
  if (!params.ok()) return ErrorFor(params.status(), &r);
  if (Status st = ParseVariantParams(r, *params); !st.ok()) return ErrorFor(st, &r);
  return RunVariants(r, caller);
}

BeaconResponse BeaconService::GenomicVariationsPost(std::string_view body_text,
                                                    const BeaconCaller& caller) const {
  json body = json::parse(body_text, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) {
    Request r;
    r.kind = EntryKind::kVariant;
    return ErrorFor(InvalidArgument("the request body is not valid JSON"), &r);
  }
  return GenomicVariationsPost(body, caller);
}

BeaconResponse BeaconService::IndividualsGet(const BeaconQueryParams& params,
                                             const BeaconCaller& caller) const {
  Request r;
  r.kind = EntryKind::kIndividual;
  if (Status st = ParseIndividualsGet(r, params); !st.ok()) return ErrorFor(st, &r);
  return RunIndividuals(r, caller);
}

BeaconResponse BeaconService::IndividualsPost(const json& body, const BeaconCaller& caller) const {
  Request r;
  r.kind = EntryKind::kIndividual;
  Result<json> params = ParseJsonBody(r, body);
  if (!params.ok()) return ErrorFor(params.status(), &r);
  if (!params->is_null() && !params->empty()) {
    return ErrorFor(InvalidArgument("individuals takes no requestParameters; select "
                                    "individuals with filters (listed at " +
                                    FilteringTermsUrl() + ")"),
                    &r);
  }
  return RunIndividuals(r, caller);
}

BeaconResponse BeaconService::IndividualsPost(std::string_view body_text,
                                              const BeaconCaller& caller) const {
  json body = json::parse(body_text, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) {
    Request r;
    r.kind = EntryKind::kIndividual;
    return ErrorFor(InvalidArgument("the request body is not valid JSON"), &r);
  }
  return IndividualsPost(body, caller);
}

}  // namespace renkei
