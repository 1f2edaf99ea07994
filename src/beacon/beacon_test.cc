#include "beacon/beacon.h"

#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>
#include <vector>

namespace renkei {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// =============================================================================================
// The official Beacon v2 schemas, read at test time from the shared folder and checked with
// valijson.
//
// valijson (1.0) resolves a relative $ref against the scope of the root document, not of the
// document that holds it, and keys its schema cache by JSON pointer alone, so two documents
// with the same "#/$defs/X" would share a cache entry. The loader therefore hands valijson each
// document wrapped under a key of its own, {"<key>": document}, with every $ref rewritten to an
// absolute "file://…#/<key>/<pointer>". The schemas' content is not changed.
//
// Absolute references to the beacon-v2 repository (raw.githubusercontent.com/…/main/…) are read
// from the same local copy. The genomicVariations schema also refers to GA4GH VRS 1.3
// (https://w3id.org/ga4gh/schema/vrs/1.3/vrs.json), which the shared folder does not hold: if
// ${RENKEI_SHARED_DIR}/third_party/vrs/schema/vrs.json exists it is used; otherwise a stand-in
// is used in which MolecularVariation and SystemicVariation match nothing (every VRS variation
// needs a "type" member that the legacy form we emit lacks, so the oneOf is decided the same
// way) and Location accepts any object — the location is then checked only against the shape
// of the official example (LocationHasTheShapeOfTheOfficialExample).

const fs::path kBeaconDir = fs::path(RENKEI_SHARED_DIR) / "third_party" / "beacon-v2";
const fs::path kVrsFile =
    fs::path(RENKEI_SHARED_DIR) / "third_party" / "vrs" / "schema" / "vrs.json";
constexpr std::string_view kRawBase =
    "https://raw.githubusercontent.com/ga4gh-beacon/beacon-v2/main/";
constexpr std::string_view kVrsUri = "https://w3id.org/ga4gh/schema/vrs/1.3/vrs.json";

std::string FileUri(const fs::path& p) {
  return "file://" + fs::absolute(p).lexically_normal().string();
}

// A JSON-pointer-safe name for a document.
std::string DocKey(const std::string& uri) {
  std::string key = "doc_";
  for (char c : uri) key += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return key;
}

// The canonical URI of a document: local files as file://, everything else as given.
std::string CanonicalUri(const std::string& uri) {
  if (uri.starts_with(kRawBase)) return FileUri(kBeaconDir / uri.substr(kRawBase.size()));
  if (uri == kVrsUri && fs::exists(kVrsFile)) return FileUri(kVrsFile);
  return uri;
}

json ReadJsonFile(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  return json::parse(in);
}

void RewriteRefs(json& node, const std::string& doc_uri) {
  if (node.is_object()) {
    for (auto& [key, value] : node.items()) {
      if (key == "$ref" && value.is_string()) {
        const std::string ref = value.get<std::string>();
        const size_t hash = ref.find('#');
        const std::string doc = ref.substr(0, hash);
        const std::string pointer = hash == std::string::npos ? "" : ref.substr(hash + 1);
        std::string target;
        if (doc.empty()) {
          target = doc_uri;
        } else if (doc.find("://") != std::string::npos) {
          target = CanonicalUri(doc);
        } else if (doc_uri.starts_with("file://")) {
          target = FileUri(fs::path(doc_uri.substr(7)).parent_path() / doc);
        } else {
          throw std::runtime_error("relative $ref " + ref + " in " + doc_uri);
        }
        value = target + "#/" + DocKey(target) + pointer;
      } else {
        RewriteRefs(value, doc_uri);
      }
    }
  } else if (node.is_array()) {
    for (json& item : node) RewriteRefs(item, doc_uri);
  }
}

json LoadSchemaDocument(const std::string& uri) {
  json doc;
  if (uri.starts_with("file://")) {
    doc = ReadJsonFile(uri.substr(7));
  } else if (uri == kVrsUri) {
    doc = {{"definitions",
            {{"MolecularVariation", {{"not", json::object()}}},
             {"SystemicVariation", {{"not", json::object()}}},
             {"Location", {{"type", "object"}}}}}};
  } else {
    throw std::runtime_error("no local copy of " + uri);
  }
  RewriteRefs(doc, uri);
  return {{DocKey(uri), std::move(doc)}};
}

// Validates documents against one schema file of kBeaconDir.
class SchemaValidator {
 public:
  explicit SchemaValidator(const std::string& relative_path) {
    const std::string uri = FileUri(kBeaconDir / relative_path);
    const json root = {{"$ref", uri + "#/" + DocKey(uri)}};
    valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
    valijson::adapters::NlohmannJsonAdapter adapter(root);
    parser.populateSchema(
        adapter, schema_,
        [](const std::string& doc_uri) -> const json* {
          return std::make_unique<json>(LoadSchemaDocument(doc_uri)).release();
        },
        [](const json* doc) { std::unique_ptr<const json> owned(doc); });
  }

  // "" if the document is valid, else the validator's errors.
  std::string Errors(const json& doc) const {
    valijson::Validator validator;
    valijson::ValidationResults results;
    valijson::adapters::NlohmannJsonAdapter adapter(doc);
    if (validator.validate(schema_, adapter, &results)) return "";
    std::string out;
    valijson::ValidationResults::Error error;
    while (results.popError(error)) {
      std::string where;
      for (const std::string& c : error.context) where += c;
      out += where + ": " + error.description + "\n";
    }
    return out.empty() ? "invalid\n" : out;
  }

 private:
  valijson::Schema schema_;
};

// Each schema is parsed once per test binary.
const SchemaValidator& Schema(const std::string& name) {
  static std::map<std::string, std::unique_ptr<SchemaValidator>> cache;
  static const std::map<std::string, std::string> kFiles = {
      {"info", "framework/json/responses/beaconInfoResponse.json"},
      {"service-info", "framework/json/responses/ga4gh-service-info-1-0-0-schema.json"},
      {"configuration", "framework/json/responses/beaconConfigurationResponse.json"},
      {"map", "framework/json/responses/beaconMapResponse.json"},
      {"entry_types", "framework/json/responses/beaconEntryTypesResponse.json"},
      {"filtering_terms", "framework/json/responses/beaconFilteringTermsResponse.json"},
      {"resultsets", "framework/json/responses/beaconResultsetsResponse.json"},
      {"count", "framework/json/responses/beaconCountResponse.json"},
      {"boolean", "framework/json/responses/beaconBooleanResponse.json"},
      {"error", "framework/json/responses/beaconErrorResponse.json"},
      {"genomicVariation",
       "models/json/beacon-v2-default-model/genomicVariations/defaultSchema.json"},
  };
  auto it = cache.find(name);
  if (it == cache.end()) {
    it = cache.emplace(name, std::make_unique<SchemaValidator>(kFiles.at(name))).first;
  }
  return *it->second;
}

// Checks a response body against the schema named for its granularity (and, for result sets,
// every result against the genomicVariations schema).
std::string SchemaErrors(const std::string& schema, const json& body) {
  std::string errors = Schema(schema).Errors(body);
  if (schema == "resultsets" && errors.empty()) {
    for (const json& set : body["response"]["resultSets"]) {
      for (const json& result : set["results"]) {
        errors += Schema("genomicVariation").Errors(result);
      }
    }
  }
  return errors;
}

#define EXPECT_VALID(schema, body) EXPECT_EQ(SchemaErrors(schema, body), "") << (body).dump(2)

// =============================================================================================
// A backend with fixed answers that records what it was asked.

BeaconAlleleRow::Population Pop(std::string id, GuardedValue ac, GuardedValue an,
                                GuardedValue hom) {
  return {std::move(id), "", ac, an, hom};
}

GuardedValue S(uint64_t v) { return GuardedValue::Shown(v); }
GuardedValue W() { return GuardedValue::Withheld(); }

std::vector<BeaconAlleleRow> DefaultRows() {
  return {
      {"chr1",
       12346,
       "A",
       "G",
       {Pop("ALL", S(120), S(46000), S(6)), Pop("biobank:TMM", W(), S(14250), W()),
        Pop("age:90+", S(12), W(), W()), Pop("sex:male", S(60), S(0), S(0))}},
      {"chr1", 12400, "AT", "A", {Pop("ALL", S(40), S(46000), W())}},
      {"chr1", 12500, "C", "*", {Pop("ALL", S(40), S(46000), W())}},
      {"chr1", 12600, "G", "T", {Pop("ALL", W(), W(), W())}},
  };
}

class FakeBackend : public BeaconBackend {
 public:
  Result<Count> CountIndividuals(const std::string& cohort, const BeaconCaller& caller) override {
    cohorts.push_back(cohort);
    tiers.push_back(caller.tier);
    return count;
  }
  Result<std::vector<BeaconAlleleRow>> Alleles(const BeaconVariantQuery& query,
                                               const std::string& cohort,
                                               const BeaconCaller& caller) override {
    queries.push_back(query);
    cohorts.push_back(cohort);
    tiers.push_back(caller.tier);
    return rows;
  }
  std::vector<std::string> Biobanks() override { return {"BBJ", "NCBN", "TMM"}; }

  Result<Count> count = Count{GuardedValue::Shown(1234), false};
  Result<std::vector<BeaconAlleleRow>> rows = DefaultRows();
  std::vector<std::string> cohorts;
  std::vector<BeaconVariantQuery> queries;
  std::vector<Tier> tiers;
  size_t calls() const { return tiers.size(); }
};

const BeaconCaller kPublic{Tier::kPublic, "anonymous"};
const BeaconCaller kRegistered{Tier::kRegistered, "researcher@example.org"};
const BeaconCaller kControlled{Tier::kControlled, "approved@example.org"};

BeaconServiceInfo TestInfo() {
  BeaconServiceInfo info;
  info.base_url = "https://renkei.example.org/api/";  // trailing slash is dropped
  info.welcome_url = "https://renkei.example.org/";
  info.contact_url = "mailto:beacon@renkei.example.org";
  info.create_date_time = "2026-04-01T00:00:00Z";
  info.update_date_time = "2026-11-01T00:00:00Z";
  info.organization.welcome_url = "https://renkei.example.org/";
  return info;
}

class BeaconTest : public ::testing::Test {
 protected:
  FakeBackend backend_;
  BeaconService service_{backend_, TestInfo()};

  BeaconResponse Variants(BeaconQueryParams params, const BeaconCaller& caller = kPublic) {
    return service_.GenomicVariationsGet(params, caller);
  }
  BeaconResponse Individuals(BeaconQueryParams params, const BeaconCaller& caller = kPublic) {
    return service_.IndividualsGet(params, caller);
  }
  // Expects a 400 Beacon error that validates and mentions `fragment`, and no backend call
  // beyond `calls_before`.
  void ExpectBadRequest(const BeaconResponse& r, const std::string& fragment,
                        size_t calls_before = 0) {
    EXPECT_EQ(r.http_status, 400) << r.body.dump(2);
    EXPECT_VALID("error", r.body);
    ASSERT_TRUE(r.body.contains("error"));
    EXPECT_EQ(r.body["error"]["errorCode"], 400);
    const std::string message = r.body["error"].value("errorMessage", "");
    EXPECT_NE(message.find(fragment), std::string::npos) << message;
    EXPECT_EQ(backend_.calls(), calls_before);
  }
};

// =============================================================================================
// The validator is live: it reads the schemas, follows $refs across files, and rejects.

TEST(BeaconSchemas, ValidatorRejectsWrongDocuments) {
  EXPECT_NE(Schema("error").Errors(json::object()), "");
  // errorCode must be an integer (common/beaconCommonComponents.json, two files away).
  const json meta = {{"beaconId", "x"},
                     {"apiVersion", "v2.0.0"},
                     {"returnedSchemas", json::array()},
                     {"returnedGranularity", "boolean"},
                     {"receivedRequestSummary",
                      {{"apiVersion", "v2.0.0"},
                       {"requestedSchemas", json::array()},
                       {"pagination", json::object()},
                       {"requestedGranularity", "boolean"}}}};
  json error = {{"meta", meta}, {"error", {{"errorCode", 400}}}};
  EXPECT_EQ(Schema("error").Errors(error), "");
  error["error"]["errorCode"] = "400";
  EXPECT_NE(Schema("error").Errors(error), "");
  // An unknown granularity fails the enum in the common components.
  json boolean = {{"meta", meta}, {"responseSummary", {{"exists", true}}}};
  EXPECT_EQ(Schema("boolean").Errors(boolean), "");
  boolean["meta"]["returnedGranularity"] = "records";
  EXPECT_NE(Schema("boolean").Errors(boolean), "");
  // A count response needs numTotalResults; a negative one is invalid.
  json count = {{"meta", meta}, {"responseSummary", {{"exists", true}}}};
  EXPECT_NE(Schema("count").Errors(count), "");
  count["responseSummary"]["numTotalResults"] = -1;
  EXPECT_NE(Schema("count").Errors(count), "");
  // A genomic variation needs a variation; bases must be bases; a population needs a frequency.
  EXPECT_NE(Schema("genomicVariation").Errors({{"variantInternalId", "v"}}), "");
  json variant = {{"variantInternalId", "v"},
                  {"variation",
                   {{"variantType", "SNP"},
                    {"referenceBases", "A"},
                    {"alternateBases", "G"},
                    {"location", json::object()}}}};
  EXPECT_EQ(Schema("genomicVariation").Errors(variant), "");
  variant["variation"]["alternateBases"] = "<DEL>";
  EXPECT_NE(Schema("genomicVariation").Errors(variant), "");
  variant["variation"]["alternateBases"] = "G";
  variant["frequencyInPopulations"] = {
      {{"source", "s"}, {"sourceReference", "r"}, {"frequencies", {{{"population", "ALL"}}}}}};
  EXPECT_NE(Schema("genomicVariation").Errors(variant), "");
  // Configuration needs $schema, maturityAttributes and entryTypes.
  EXPECT_NE(Schema("configuration").Errors({{"meta", meta}, {"response", json::object()}}), "");
  // An info response with the wrong environment fails.
  BeaconServiceInfo info = TestInfo();
  info.environment = "production";
  FakeBackend backend;
  EXPECT_NE(Schema("info").Errors(BeaconService(backend, info).Info().body), "");
}

// The official variant example validates (the framework's own response examples predate
// required meta fields such as returnedGranularity, so they cannot serve here).
TEST(BeaconSchemas, OfficialVariantExampleValidates) {
  EXPECT_EQ(
      Schema("genomicVariation")
          .Errors(ReadJsonFile(kBeaconDir / "models/json/beacon-v2-default-model/genomicVariations/"
                                            "examples/genomicVariant-MIN-example.json")),
      "");
}

// =============================================================================================
// Informational endpoints.

TEST_F(BeaconTest, InfoValidates) {
  const BeaconResponse r = service_.Info();
  EXPECT_EQ(r.http_status, 200);
  EXPECT_VALID("info", r.body);
  EXPECT_EQ(r.body["response"]["id"], "org.renkei.hub");
  EXPECT_EQ(r.body["response"]["apiVersion"], "v2.0.0");
  EXPECT_EQ(r.body["meta"]["beaconId"], "org.renkei.hub");
  EXPECT_EQ(r.body["response"]["info"]["biobanks"], json({"BBJ", "NCBN", "TMM"}));
}

TEST_F(BeaconTest, ServiceInfoValidates) {
  const BeaconResponse r = service_.ServiceInfo();
  EXPECT_EQ(r.http_status, 200);
  EXPECT_VALID("service-info", r.body);
  EXPECT_EQ(r.body["type"]["artifact"], "beacon");
  EXPECT_EQ(r.body["type"]["group"], "org.ga4gh");
}

TEST_F(BeaconTest, ConfigurationMapAndEntryTypesValidate) {
  const BeaconResponse config = service_.Configuration();
  EXPECT_VALID("configuration", config.body);
  EXPECT_EQ(config.body["response"]["maturityAttributes"]["productionStatus"], "DEV");
  EXPECT_TRUE(config.body["response"]["entryTypes"].contains("genomicVariant"));
  EXPECT_TRUE(config.body["response"]["entryTypes"].contains("individual"));

  const BeaconResponse map = service_.Map();
  EXPECT_VALID("map", map.body);
  EXPECT_EQ(map.body["response"]["endpointSets"]["genomicVariant"]["rootUrl"],
            "https://renkei.example.org/api/g_variants");
  EXPECT_EQ(map.body["response"]["endpointSets"]["individual"]["rootUrl"],
            "https://renkei.example.org/api/individuals");

  const BeaconResponse types = service_.EntryTypes();
  EXPECT_VALID("entry_types", types.body);
  EXPECT_EQ(types.body["response"]["entryTypes"].size(), 2u);
}

TEST_F(BeaconTest, FilteringTermsValidateAndListEveryVocabulary) {
  const BeaconResponse r = service_.FilteringTerms();
  EXPECT_EQ(r.http_status, 200);
  EXPECT_VALID("filtering_terms", r.body);
  std::map<std::string, int> by_prefix;
  std::vector<BeaconFilter> each;
  const std::vector<std::string> biobanks = {"BBJ", "NCBN", "TMM"};
  for (const json& term : r.body["response"]["filteringTerms"]) {
    const std::string id = term["id"];
    if (term["type"] == "alphanumeric") continue;
    by_prefix[id.substr(0, id.find(':'))]++;
    // Every listed term translates to a cohort that parses.
    const BeaconFilter f{id, "", "", true};
    Result<std::string> cohort =
        BeaconFiltersToCohort(std::span(&f, 1), biobanks, "https://x/filtering_terms");
    EXPECT_TRUE(cohort.ok()) << id << ": " << cohort.status().message();
  }
  EXPECT_EQ(by_prefix["age"], 10);
  EXPECT_EQ(by_prefix["sex"], 3);
  EXPECT_EQ(by_prefix["NCIT"], 3);
  EXPECT_EQ(by_prefix["region"], 8);
  EXPECT_EQ(by_prefix["icd10"], 22);
  EXPECT_GE(by_prefix["disease"], 30);
  EXPECT_EQ(by_prefix["biobank"], 3);
}

// =============================================================================================
// Filters -> cohort.

std::string Cohort(std::vector<BeaconFilter> filters) {
  const std::vector<std::string> biobanks = {"BBJ", "NCBN", "TMM"};
  Result<std::string> c =
      BeaconFiltersToCohort(filters, biobanks, "https://renkei.example.org/api/filtering_terms");
  return c.ok() ? *c : "error: " + c.status().message();
}

BeaconFilter F(std::string id) { return {std::move(id), "", "", true}; }

TEST(BeaconFilters, TranslateToTheCohortLanguage) {
  EXPECT_EQ(Cohort({}), "");
  EXPECT_EQ(Cohort({F("age:60-69"), F("sex:male"), F("icd10:F00-F03")}),
            "age=60-69 & sex=male & icd10=F00-F03");
  EXPECT_EQ(Cohort({F("region:kanto")}), "region=kanto");
  EXPECT_EQ(Cohort({F("biobank:TMM")}), "biobank=TMM");
  EXPECT_EQ(Cohort({F("disease:dementia")}), "disease=dementia");
  EXPECT_EQ(Cohort({F("icd10:E11")}), "icd10=E11");
  EXPECT_EQ(Cohort({F("age:90+")}), "age=90+");
  EXPECT_EQ(Cohort({F("age:90")}), "age=90+");  // '+' decoded as a space by a query string
  // Alternative ids and case-insensitive prefixes.
  EXPECT_EQ(Cohort({F("NCIT:C20197")}), "sex=male");
  EXPECT_EQ(Cohort({F("ncit:C16576")}), "sex=female");
  EXPECT_EQ(Cohort({F("ICD10:e11")}), "icd10=E11");
  EXPECT_EQ(Cohort({F("Region:Kanto")}), "region=kanto");
  // Alphanumeric filters.
  EXPECT_EQ(Cohort({{"age", "=", "60-69", true}, {"sex", "!", "female", true}}),
            "age=60-69 & sex!=female");
}

TEST(BeaconFilters, UnknownFiltersNameTheFilterAndTheList) {
  for (const std::string id : {"foo:bar", "agee:60-69", "HP:0002664", "sex", "age:"}) {
    const std::string e = Cohort({F("age:60-69"), F(id)});
    EXPECT_TRUE(e.starts_with("error: ")) << id << " -> " << e;
    EXPECT_NE(e.find("'" + id + "'"), std::string::npos) << e;
    EXPECT_NE(e.find("https://renkei.example.org/api/filtering_terms"), std::string::npos) << e;
  }
  for (const std::string id : {"age:61-70", "sex:other", "region:atlantis", "icd10:X99.9.9",
                               "biobank:UKB", "biobank:tmm"}) {
    const std::string e = Cohort({F(id)});
    EXPECT_TRUE(e.starts_with("error: unknown filter '" + id + "'")) << e;
    EXPECT_NE(e.find("/filtering_terms"), std::string::npos) << e;
  }
  EXPECT_NE(Cohort({{"age", ">", "60", true}}).find("operator '>' is not supported"),
            std::string::npos);
  EXPECT_NE(Cohort({{"icd10:E11", "", "", false}}).find("includeDescendantTerms"),
            std::string::npos);
}

// =============================================================================================
// Individuals: granularity per tier, withheld counts, filters, errors.

TEST_F(BeaconTest, IndividualsPublicGetsBooleanOnly) {
  for (const char* requested : {"", "boolean", "count", "record"}) {
    BeaconQueryParams params;
    if (*requested) params.emplace("requestedGranularity", requested);
    const BeaconResponse r = Individuals(params, kPublic);
    EXPECT_EQ(r.http_status, 200);
    EXPECT_EQ(r.body["meta"]["returnedGranularity"], "boolean") << requested;
    EXPECT_VALID("boolean", r.body);
    EXPECT_EQ(r.body["responseSummary"]["exists"], true);
    EXPECT_FALSE(r.body["responseSummary"].contains("numTotalResults"));
    EXPECT_FALSE(r.body.contains("response"));  // no records, ever
  }
}

TEST_F(BeaconTest, IndividualsRegisteredAndControlledGetCounts) {
  for (const BeaconCaller& caller : {kRegistered, kControlled}) {
    for (const char* requested : {"", "count", "record"}) {
      BeaconQueryParams params;
      if (*requested) params.emplace("requestedGranularity", requested);
      const BeaconResponse r = Individuals(params, caller);
      EXPECT_EQ(r.body["meta"]["returnedGranularity"], "count");
      EXPECT_VALID("count", r.body);
      EXPECT_EQ(r.body["responseSummary"]["numTotalResults"], 1234);
      EXPECT_EQ(r.body["responseSummary"]["exists"], true);
      EXPECT_FALSE(r.body.contains("response"));
    }
    // A lower granularity is honoured.
    const BeaconResponse r = Individuals({{"requestedGranularity", "boolean"}}, caller);
    EXPECT_EQ(r.body["meta"]["returnedGranularity"], "boolean");
    EXPECT_EQ(r.body["meta"]["receivedRequestSummary"]["requestedGranularity"], "boolean");
    EXPECT_VALID("boolean", r.body);
  }
}

TEST_F(BeaconTest, WithheldCountsAreNeverShownAsZero) {
  backend_.count = BeaconBackend::Count{GuardedValue::Withheld(), false};
  for (const BeaconCaller& caller : {kPublic, kRegistered}) {
    const BeaconResponse r = Individuals(
        {{"requestedGranularity", "count"}, {"filters", "age:90+,region:shikoku"}}, caller);
    EXPECT_EQ(r.http_status, 200);
    EXPECT_EQ(r.body["meta"]["returnedGranularity"], "boolean");
    EXPECT_VALID("boolean", r.body);
    EXPECT_FALSE(r.body["responseSummary"].contains("numTotalResults"));
    EXPECT_EQ(r.body["responseSummary"], json({{"exists", false}}));
    EXPECT_EQ(r.body["info"]["countPrecision"], "withheld");
    EXPECT_EQ(r.body.dump().find("numTotalResults"), std::string::npos);
  }
  // An exact zero at the controlled tier is a count like any other.
  backend_.count = BeaconBackend::Count{GuardedValue::Shown(0), false};
  const BeaconResponse r = Individuals({}, kControlled);
  EXPECT_VALID("count", r.body);
  EXPECT_EQ(r.body["responseSummary"]["numTotalResults"], 0);
  EXPECT_EQ(r.body["responseSummary"]["exists"], false);
  EXPECT_EQ(r.body["info"]["countPrecision"], "exact");
}

TEST_F(BeaconTest, IndividualsFiltersBecomeOneCohort) {
  const BeaconResponse get =
      Individuals({{"filters", "age:60-69,sex:male"}, {"filters", "icd10:F00-F03"}}, kRegistered);
  EXPECT_VALID("count", get.body);
  ASSERT_EQ(backend_.cohorts.size(), 1u);
  EXPECT_EQ(backend_.cohorts[0], "age=60-69 & sex=male & icd10=F00-F03");
  EXPECT_EQ(backend_.tiers[0], Tier::kRegistered);
  EXPECT_EQ(get.body["info"]["cohort"], "age=60-69 & sex=male & icd10=F00-F03");
  EXPECT_EQ(get.body["meta"]["receivedRequestSummary"]["filters"],
            json({"age:60-69", "sex:male", "icd10:F00-F03"}));

  const json body = {{"meta", {{"apiVersion", "v2.0"}}},
                     {"query",
                      {{"filters",
                        {{{"id", "NCIT:C16576"}},
                         {{"id", "region:kanto"}, {"scope", "individual"}},
                         {{"id", "age"}, {"operator", "="}, {"value", "70-79"}},
                         "biobank:BBJ"}},
                       {"requestedGranularity", "count"}}}};
  const BeaconResponse post = service_.IndividualsPost(body, kControlled);
  EXPECT_VALID("count", post.body);
  ASSERT_EQ(backend_.cohorts.size(), 2u);
  EXPECT_EQ(backend_.cohorts[1], "sex=female & region=kanto & age=70-79 & biobank=BBJ");
  EXPECT_EQ(post.body["meta"]["receivedRequestSummary"]["apiVersion"], "v2.0");

  // Everyone: no filters, the empty cohort.
  const BeaconResponse all = Individuals({}, kPublic);
  EXPECT_VALID("boolean", all.body);
  EXPECT_EQ(backend_.cohorts[2], "");
}

TEST_F(BeaconTest, UnknownFiltersAreBeaconErrors) {
  BeaconResponse r = Individuals({{"filters", "age:60-69,HP:0002664"}});
  ExpectBadRequest(r, "unknown filter 'HP:0002664'");
  ExpectBadRequest(r, "https://renkei.example.org/api/filtering_terms");
  ExpectBadRequest(
      Variants(
          {{"referenceName", "1"}, {"start", "100"}, {"end", "200"}, {"filters", "sex:robot"}}),
      "unknown filter 'sex:robot'");
  ExpectBadRequest(
      service_.IndividualsPost(json{{"query", {{"filters", {{{"id", "x:y"}}}}}}}, kRegistered),
      "unknown filter 'x:y'");
  ExpectBadRequest(
      service_.IndividualsPost(
          json{{"query", {{"filters", {{{"id", "age:60-69"}, {"scope", "biosample"}}}}}}},
          kRegistered),
      "scope");
}

TEST_F(BeaconTest, BackendErrorsMapToHttpStatuses) {
  const std::vector<std::pair<Status, int>> cases = {
      {InvalidArgument("bad cohort"), 400},
      {PermissionDenied("on-demand cohorts need the registered tier: sign in"), 403},
      {FailedPrecondition("this cohort differs from an earlier answered cohort by 3 samples"), 409},
      {NotFound("unknown contig"), 404},
      {Unavailable("no site answered"), 503},
      {Internal("bug"), 500},
  };
  for (const auto& [status, http] : cases) {
    backend_.count = status;
    backend_.rows = status;
    for (const BeaconResponse& r :
         {Individuals({{"filters", "age:60-69,sex:male"}}, kPublic),
          Variants({{"referenceName", "1"}, {"start", "100"}, {"end", "200"}}, kRegistered)}) {
      EXPECT_EQ(r.http_status, http) << status.ToString();
      EXPECT_VALID("error", r.body);
      EXPECT_EQ(r.body["error"]["errorCode"], http);
      EXPECT_EQ(r.body["error"]["errorMessage"], status.message());
    }
  }
}

TEST_F(BeaconTest, ErrorForOutsideFailuresValidates) {
  const BeaconResponse r = service_.Error(Unauthenticated("the token has expired"));
  EXPECT_EQ(r.http_status, 401);
  EXPECT_VALID("error", r.body);
  const BeaconResponse nf = service_.Error(NotFound("no route /api/biosamples"));
  EXPECT_EQ(nf.http_status, 404);
  EXPECT_VALID("error", nf.body);
}

TEST_F(BeaconTest, IndividualsBadRequests) {
  ExpectBadRequest(Individuals({{"requestedGranularity", "everything"}}), "requestedGranularity");
  ExpectBadRequest(Individuals({{"referenceName", "1"}}), "unknown parameter 'referenceName'");
  ExpectBadRequest(Individuals({{"testMode", "maybe"}}), "testMode");
  ExpectBadRequest(service_.IndividualsPost(std::string_view("{not json"), kPublic),
                   "not valid JSON");
  ExpectBadRequest(service_.IndividualsPost(json::array(), kPublic), "JSON object");
  ExpectBadRequest(service_.IndividualsPost(
                       json{{"query", {{"requestParameters", {{"referenceName", "1"}}}}}}, kPublic),
                   "no requestParameters");
}

// =============================================================================================
// g_variants.

TEST_F(BeaconTest, VariantRangeQueryReturnsValidRecords) {
  const BeaconResponse r =
      Variants({{"referenceName", "1"}, {"start", "12000"}, {"end", "13000"}}, kPublic);
  EXPECT_EQ(r.http_status, 200);
  EXPECT_EQ(r.body["meta"]["returnedGranularity"], "record");
  EXPECT_VALID("resultsets", r.body);
  ASSERT_EQ(backend_.queries.size(), 1u);
  EXPECT_EQ(backend_.queries[0].contig, "chr1");
  EXPECT_EQ(backend_.queries[0].start, 12001);  // 0-based start -> 1-based POS
  EXPECT_EQ(backend_.queries[0].end, 13000);    // 0-based exclusive = 1-based inclusive
  EXPECT_EQ(backend_.queries[0].ref, "");
  EXPECT_EQ(backend_.queries[0].alt, "");
  EXPECT_EQ(backend_.cohorts[0], "");

  EXPECT_EQ(r.body["responseSummary"]["exists"], true);
  EXPECT_EQ(r.body["responseSummary"]["numTotalResults"], 3);  // the "*" allele is not a variant
  const json& set = r.body["response"]["resultSets"][0];
  EXPECT_EQ(set["id"], "renkei");
  EXPECT_EQ(set["resultsCount"], 3);
  ASSERT_EQ(set["results"].size(), 3u);

  const json& snv = set["results"][0];
  EXPECT_EQ(snv["variantInternalId"], "GRCh38-chr1-12346-A-G");
  EXPECT_EQ(snv["variation"]["variantType"], "SNP");
  EXPECT_EQ(snv["variation"]["location"]["sequence_id"], "refseq:NC_000001.11");
  EXPECT_EQ(snv["variation"]["location"]["interval"]["start"]["value"], 12345);
  EXPECT_EQ(snv["variation"]["location"]["interval"]["end"]["value"], 12346);
  const json& fip = snv["frequencyInPopulations"][0];
  EXPECT_EQ(fip["source"], "renkei");
  EXPECT_EQ(fip["sourceReference"], "https://renkei.example.org/api");
  // Only ALL has shown AC and a shown non-zero AN.
  ASSERT_EQ(fip["frequencies"].size(), 1u);
  const json& all = fip["frequencies"][0];
  EXPECT_EQ(all["population"], "ALL");
  EXPECT_DOUBLE_EQ(all["alleleFrequency"].get<double>(), 120.0 / 46000.0);
  EXPECT_EQ(all["alleleCount"], 120);
  EXPECT_EQ(all["alleleNumber"], 46000);
  EXPECT_EQ(all["alleleCountHomozygous"], 3);  // individuals: AC_Hom 6 / 2
  EXPECT_EQ(snv["info"]["withheldPopulations"], json({"biobank:TMM", "age:90+", "sex:male"}));

  const json& indel = set["results"][1];
  EXPECT_EQ(indel["variation"]["variantType"], "INDEL");
  EXPECT_EQ(indel["variation"]["location"]["interval"]["end"]["value"], 12401);
  EXPECT_FALSE(indel["frequencyInPopulations"][0]["frequencies"][0].contains(
      "alleleCountHomozygous"));  // withheld: left out

  // Everything withheld: no frequencies at all rather than zeros.
  const json& hidden = set["results"][2];
  EXPECT_FALSE(hidden.contains("frequencyInPopulations"));
  EXPECT_EQ(hidden["info"]["withheldPopulations"], json({"ALL"}));
}

TEST_F(BeaconTest, LocationHasTheShapeOfTheOfficialExample) {
  // Same keys and value types, recursively, as the official MIN example's location.
  const json example =
      ReadJsonFile(kBeaconDir /
                   "models/json/beacon-v2-default-model/genomicVariations/examples/"
                   "genomicVariant-MIN-example.json")["variation"]["location"];
  const BeaconResponse r =
      Variants({{"referenceName", "chr1"}, {"start", "12345"}, {"alternateBases", "G"}});
  const json ours = r.body["response"]["resultSets"][0]["results"][0]["variation"]["location"];
  std::function<void(const json&, const json&, const std::string&)> same_shape =
      [&](const json& a, const json& b, const std::string& path) {
        if (a.is_number_integer()) {  // signed or unsigned alike
          ASSERT_TRUE(b.is_number_integer()) << path;
          return;
        }
        ASSERT_EQ(a.type(), b.type()) << path;
        if (!a.is_object()) return;
        ASSERT_EQ(a.size(), b.size()) << path;
        for (const auto& [key, value] : a.items()) {
          ASSERT_TRUE(b.contains(key)) << path + "/" + key;
          same_shape(value, b[key], path + "/" + key);
          if (key == "type") {
            EXPECT_EQ(value, b[key]) << path;
          }
        }
      };
  same_shape(example, ours, "location");
}

TEST_F(BeaconTest, VariantSequenceQuery) {
  const BeaconResponse r = Variants({{"referenceName", "NC_000001.11"},
                                     {"start", "12345"},
                                     {"referenceBases", "a"},
                                     {"alternateBases", "g"},
                                     {"assemblyId", "GRCh38"}},
                                    kRegistered);
  EXPECT_VALID("resultsets", r.body);
  ASSERT_EQ(backend_.queries.size(), 1u);
  EXPECT_EQ(backend_.queries[0].contig, "chr1");
  EXPECT_EQ(backend_.queries[0].start, 12346);
  EXPECT_EQ(backend_.queries[0].end, 12346);
  EXPECT_EQ(backend_.queries[0].ref, "A");
  EXPECT_EQ(backend_.queries[0].alt, "G");
  EXPECT_EQ(r.body["meta"]["receivedRequestSummary"]["requestParameters"]["g_variant"],
            json({{"referenceName", "NC_000001.11"},
                  {"start", {12345}},
                  {"referenceBases", "A"},
                  {"alternateBases", "G"},
                  {"assemblyId", "GRCh38"}}));
  // N alone means any allele.
  EXPECT_VALID("resultsets",
               Variants({{"referenceName", "X"}, {"start", "100"}, {"alternateBases", "N"}}).body);
  EXPECT_EQ(backend_.queries[1].contig, "chrX");
  EXPECT_EQ(backend_.queries[1].alt, "");
}

TEST_F(BeaconTest, VariantPostForms) {
  const json flat = {
      {"meta", {{"apiVersion", "v2.0.0"}}},
      {"query",
       {{"requestParameters", {{"referenceName", "chr2"}, {"start", {1000}}, {"end", {2000}}}},
        {"filters", {{{"id", "age:60-69"}}}},
        {"pagination", {{"skip", 0}, {"limit", 5}}}}}};
  const BeaconResponse a = service_.GenomicVariationsPost(flat, kRegistered);
  EXPECT_VALID("resultsets", a.body);
  EXPECT_EQ(backend_.queries[0].contig, "chr2");
  EXPECT_EQ(backend_.queries[0].start, 1001);
  EXPECT_EQ(backend_.queries[0].end, 2000);
  EXPECT_EQ(backend_.cohorts[0], "age=60-69");
  EXPECT_EQ(a.body["meta"]["receivedRequestSummary"]["pagination"]["limit"], 5);

  const std::string nested = R"({"meta": {"apiVersion": "v2.0.0"},
      "query": {"requestParameters": {"g_variant": {"referenceName": "MT", "start": 72,
                "end": 73}}, "requestedGranularity": "count"}})";
  const BeaconResponse b = service_.GenomicVariationsPost(std::string_view(nested), kPublic);
  EXPECT_VALID("count", b.body);
  EXPECT_EQ(backend_.queries[1].contig, "chrM");
  EXPECT_EQ(backend_.queries[1].start, 73);
  EXPECT_EQ(b.body["responseSummary"]["numTotalResults"], 3);

  ExpectBadRequest(service_.GenomicVariationsPost(
                       json{{"query", {{"requestParameters", {{"referenceName", 1}}}}}}, kPublic),
                   "referenceName must be a string", 2);
}

TEST_F(BeaconTest, VariantGranularities) {
  const BeaconQueryParams base = {{"referenceName", "1"}, {"start", "12000"}, {"end", "13000"}};
  BeaconQueryParams params = base;
  params.emplace("requestedGranularity", "boolean");
  BeaconResponse r = Variants(params, kPublic);
  EXPECT_EQ(r.body["meta"]["returnedGranularity"], "boolean");
  EXPECT_VALID("boolean", r.body);
  EXPECT_FALSE(r.body.contains("response"));

  params = base;
  params.emplace("requestedGranularity", "count");
  r = Variants(params, kPublic);
  EXPECT_EQ(r.body["meta"]["returnedGranularity"], "count");
  EXPECT_VALID("count", r.body);
  EXPECT_EQ(r.body["responseSummary"]["numTotalResults"], 3);

  // Nothing found: exists false, count 0 variants (a count of variants, not of people).
  backend_.rows = std::vector<BeaconAlleleRow>{};
  r = Variants(base, kControlled);
  EXPECT_VALID("resultsets", r.body);
  EXPECT_EQ(r.body["responseSummary"]["exists"], false);
  EXPECT_TRUE(r.body["response"]["resultSets"].empty());  // HIT: only sets with hits
  params = base;
  params.emplace("includeResultsetResponses", "ALL");
  r = Variants(params, kControlled);
  EXPECT_VALID("resultsets", r.body);
  EXPECT_EQ(r.body["response"]["resultSets"][0]["exists"], false);
}

TEST_F(BeaconTest, VariantPagination) {
  BeaconQueryParams params = {
      {"referenceName", "1"}, {"start", "12000"}, {"end", "13000"}, {"skip", "1"}, {"limit", "1"}};
  BeaconResponse r = Variants(params);
  EXPECT_VALID("resultsets", r.body);
  const json& set = r.body["response"]["resultSets"][0];
  EXPECT_EQ(set["resultsCount"], 3);
  ASSERT_EQ(set["results"].size(), 1u);
  EXPECT_EQ(set["results"][0]["variantInternalId"], "GRCh38-chr1-12400-AT-A");
  EXPECT_EQ(r.body["meta"]["receivedRequestSummary"]["pagination"],
            json({{"skip", 1}, {"limit", 1}}));
  params.erase("skip");
  params.emplace("skip", "7");
  r = Variants(params);
  EXPECT_VALID("resultsets", r.body);
  EXPECT_TRUE(r.body["response"]["resultSets"][0]["results"].empty());
}

TEST_F(BeaconTest, VariantBadParameters) {
  ExpectBadRequest(Variants({{"referenceName", "1"}, {"start", "200"}, {"end", "100"}}),
                   "end (100) must be greater than start (200)");
  ExpectBadRequest(Variants({{"referenceName", "1"}, {"start", "100"}, {"end", "100"}}),
                   "must be greater than start");
  ExpectBadRequest(Variants({{"start", "100"}, {"end", "200"}}), "referenceName is missing");
  ExpectBadRequest(Variants({{"referenceName", "1"}, {"end", "200"}}), "start is missing");
  ExpectBadRequest(Variants({{"referenceName", "1"}, {"start", "1e5"}, {"end", "200"}}),
                   "start '1e5' is not an integer");
  ExpectBadRequest(Variants({{"referenceName", "1"}, {"start", "abc"}, {"end", "200"}}),
                   "not an integer");
  ExpectBadRequest(Variants({{"referenceName", "1"}, {"start", "-5"}, {"end", "200"}}),
                   "start must not be negative");
  ExpectBadRequest(Variants({{"referenceName", "1"}, {"start", "0"}, {"end", "1000001"}}),
                   "more than the public tier's limit of 1000000 bp");
  ExpectBadRequest(
      Variants({{"referenceName", "1"}, {"start", "0"}, {"end", "200000000"}}, kControlled),
      "limit of 100000000 bp");
  ExpectBadRequest(Variants({{"referenceName", "1"}, {"start", "300000000"}, {"end", "300000100"}}),
                   "beyond the end of chr1");
  ExpectBadRequest(Variants({{"referenceName", "1"}, {"start", "100,150"}, {"end", "200,250"}}),
                   "bracket queries");
  ExpectBadRequest(Variants({{"referenceName", "1"}, {"start", "100"}}),
                   "start without end needs alternateBases");
  ExpectBadRequest(Variants({{"referenceName", "chr99"}, {"start", "1"}, {"end", "2"}}),
                   "unknown referenceName 'chr99'");
  ExpectBadRequest(
      Variants({{"referenceName", "1"}, {"start", "1"}, {"end", "2"}, {"assemblyId", "GRCh37"}}),
      "GRCh38 data only");
  ExpectBadRequest(Variants({{"referenceName", "1"}, {"start", "1"}, {"alternateBases", "<DEL>"}}),
                   "alternateBases '<DEL>'");
  ExpectBadRequest(
      Variants({{"referenceName", "1"}, {"start", "1"}, {"end", "2"}, {"geneId", "BRCA2"}}),
      "'geneId' is not supported");
  ExpectBadRequest(Variants({{"referenceName", "1"}, {"strat", "1"}, {"end", "2"}}),
                   "unknown parameter 'strat'");
  ExpectBadRequest(Variants({{"referenceName", "1"}, {"referenceName", "2"}, {"start", "1"}}),
                   "'referenceName' is given more than once");
  ExpectBadRequest(
      Variants({{"referenceName", "1"}, {"start", "1"}, {"end", "2"}, {"limit", "5000"}}),
      "limit 5000 is over the maximum 1000");
  ExpectBadRequest(service_.GenomicVariationsPost(std::string_view("[1, 2"), kPublic),
                   "not valid JSON");
  ExpectBadRequest(
      service_.GenomicVariationsPost(
          json{{"query", {{"requestParameters", {{"referenceName", "1"}, {"start", {1.5}}}}}}},
          kPublic),
      "start must be an integer");
  ExpectBadRequest(
      service_.GenomicVariationsPost(json{{"query", {{"pagination", {{"skip", -1}}}}}}, kPublic),
      "pagination.skip");
}

TEST_F(BeaconTest, ErrorsEchoWhatWasUnderstood) {
  const BeaconResponse r = Variants({{"referenceName", "1"},
                                     {"start", "200"},
                                     {"end", "100"},
                                     {"requestedGranularity", "count"}});
  const json& summary = r.body["meta"]["receivedRequestSummary"];
  EXPECT_EQ(summary["requestedGranularity"], "count");
  EXPECT_EQ(summary["requestParameters"]["g_variant"]["start"], json({200}));
  EXPECT_EQ(r.body["meta"]["returnedGranularity"], "boolean");
}

TEST_F(BeaconTest, InvalidUtf8IsNotEchoedRaw) {
  const BeaconResponse r = Individuals({{"filters", "age:\xff\xfe"}});
  EXPECT_EQ(r.http_status, 400);
  EXPECT_NO_THROW((void)r.body.dump());
  EXPECT_VALID("error", r.body);
}

}  // namespace
}  // namespace renkei
