// The GA4GH Beacon v2 connector: renders Beacon v2 responses (framework v2.0.0, default model)
// from the hub's federated, privacy-guarded answers (BeaconBackend, backend.h).
//
// The hub maps HTTP routes to methods of BeaconService and writes BeaconResponse::body with
// status BeaconResponse::http_status; this layer does no I/O and never throws.
//
// What leaves through Beacon, per tier (the caller's tier as the hub authenticated it):
//
//   entry type        public     registered   controlled
//   individuals       boolean    count        count         never "record": no person-level
//   genomicVariant    record     record       record        records ever leave; variant
//                                                            records carry aggregate counts only
//
// A lower requestedGranularity is honoured; a higher one is lowered to the tier's maximum and
// meta.returnedGranularity says so. Without requestedGranularity the tier's maximum is used.
// A withheld count (GuardedValue::withheld: below the floor at this tier, 0 included) is never
// shown as a number: an individuals count that is withheld gives a boolean response with
// "exists": false and info.countPrecision "withheld" (it means "fewer than the floor, possibly
// none"); in variant records withheld allele counts are left out, and a population whose
// alleleFrequency cannot be computed from shown AC and AN is listed under
// info.withheldPopulations instead of in frequencyInPopulations (the schema requires
// alleleFrequency). Which alleles appear at all is the backend's (its guard's) decision; rows
// with alleles the schema cannot carry ("*", <DEL>) are not reported. For g_variants a count
// is a number of variants, not of people; `skip` counts records.
//
// Filters (Beacon filtering terms, GET `filters=a,b` or POST query.filters) are renkei's own
// CURIE-like ids, ANDed and translated to the cohort language (cohort/cohort.h):
//   age:60-69 (the ten bands 0-9 … 90+)        -> age=60-69
//   sex:male|female|unknown, NCIT:C20197 (male), NCIT:C16576 (female), NCIT:C17998 (unknown)
//   region:kanto (the eight region slugs)       -> region=kanto
//   icd10:F00-F03, icd10:E11, icd10:F00.1, icd10:A00-B99 (chapter ranges), any ICD-10 code,
//     range, block or chapter                   -> icd10=F00-F03
//   disease:dementia (the disease groups)       -> disease=dementia
//   biobank:TMM (a biobank the backend lists)   -> biobank=TMM
// Prefixes are ASCII case-insensitive. Alphanumeric filters {"id": "age", "operator": "=",
// "value": "60-69"} (operators "=" and "!") are accepted for the same attributes.
//
// HTTP status codes (HttpStatusFor in common/status.h, shared with the REST API): InvalidArgument
// 400, Unauthenticated 401, PermissionDenied 403, NotFound 404, FailedPrecondition 409 (the request
// is well formed but refused in the current state, e.g. the differencing defence), AlreadyExists
// 409, Unavailable 503, DataLoss and Internal 500. Every error body is a beaconErrorResponse whose
// error.errorCode is the HTTP status.
//
// Caller text echoed into a body (messages, the request summary) is made valid UTF-8, so
// body.dump() does not throw.
//
// Thread-safety: all methods are const and thread-safe if the backend's methods are.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "beacon/backend.h"
#include "common/status.h"

namespace renkei {

// Descriptive configuration of the beacon (the /api/info and /api/service-info documents) and
// its limits. Empty optional strings are left out of responses.
struct BeaconServiceInfo {
  std::string id = "org.renkei.hub";  // beacon id, reverse domain name
  std::string name = "renkei Beacon";
  std::string description =
      "GA4GH Beacon v2 for the renkei federation of Japanese whole-genome biobanks: allele "
      "frequencies per population and privacy-guarded counts of individuals by age band, sex, "
      "region and ICD-10 diagnosis.";
  std::string api_version = "v2.0.0";
  std::string version = "0.1.0";    // renkei's version
  std::string environment = "dev";  // one of prod, test, dev, staging
  // Absolute URL of the Beacon root (the /api route), without a trailing slash; endpoint URLs
  // in /api/map and error messages are built from it.
  std::string base_url = "http://localhost:8080/api";
  std::string welcome_url;
  std::string alternative_url;
  std::string documentation_url;
  std::string contact_url;       // e.g. "mailto:beacon@example.org"
  std::string create_date_time;  // RFC 3339, e.g. "2026-04-01T00:00:00Z"
  std::string update_date_time;  // RFC 3339
  struct Organization {
    std::string id = "org.renkei";
    std::string name = "renkei";
    std::string description;
    std::string address;
    std::string welcome_url;  // also service-info organization.url (required there)
    std::string contact_url;
    std::string logo_url;
  } organization;
  // The result set that g_variants answers carry (the whole federation).
  std::string dataset_id = "renkei";
  // Largest g_variants range (bp) per tier (index = Tier), checked before the backend is
  // called; set it from the hub's PrivacyPolicy::max_region_bp (the backend checks too).
  uint64_t max_range_bp[3] = {1'000'000, 5'000'000, 100'000'000};
  // Page size for variant records when the request gives none, and the largest accepted.
  uint32_t default_page_size = 10;
  uint32_t max_page_size = 1000;
};

// What the hub sends back: the HTTP status and the JSON body.
struct BeaconResponse {
  int http_status = 200;
  nlohmann::json body;
};

// GET query parameters as decoded by the HTTP server (e.g. httplib::Request::params): repeated
// `filters` parameters are joined; any other repeated parameter is an error.
using BeaconQueryParams = std::multimap<std::string, std::string>;

// One Beacon filter as given in a request.
struct BeaconFilter {
  std::string id;     // "age:60-69", or the attribute ("age") of an alphanumeric filter
  std::string op;     // "" for ontology/custom filters; "=" or "!" for alphanumeric ones
  std::string value;  // alphanumeric filters only
  bool include_descendants = true;  // OntologyFilter.includeDescendantTerms
};

// Translates filters (ANDed) into a cohort expression in canonical form ("" when there are
// none). `biobanks` are the names the backend holds. Errors: InvalidArgument naming the first
// filter that is unknown or malformed (and, for a known attribute with a bad value, why),
// pointing to `filtering_terms_url` for the list of valid ids.
Result<std::string> BeaconFiltersToCohort(std::span<const BeaconFilter> filters,
                                          std::span<const std::string> biobanks,
                                          std::string_view filtering_terms_url);

// The HTTP status for a status code: HttpStatusFor (common/status.h), the one mapping.
int BeaconHttpStatus(StatusCode code);

class BeaconService {
 public:
  // `backend` must outlive the service. `info` is copied.
  BeaconService(BeaconBackend& backend, BeaconServiceInfo info);

  // GET /api and /api/info: beaconInfoResponse. Always 200.
  BeaconResponse Info() const;
  // GET /api/service-info: the GA4GH service-info document. Always 200.
  BeaconResponse ServiceInfo() const;
  // GET /api/configuration: beaconConfigurationResponse. Always 200.
  BeaconResponse Configuration() const;
  // GET /api/map: beaconMapResponse. Always 200.
  BeaconResponse Map() const;
  // GET /api/entry_types: beaconEntryTypesResponse. Always 200.
  BeaconResponse EntryTypes() const;
  // GET /api/filtering_terms: beaconFilteringTermsResponse listing every age band, sex, region,
  // ICD-10 chapter, disease group and biobank term. Always 200.
  BeaconResponse FilteringTerms() const;

  // GET /api/g_variants: referenceName with start and end (range query: 0-based start
  // inclusive, end exclusive) or start with alternateBases (sequence query), optional
  // referenceBases, alternateBases ("N" = any), assemblyId (GRCh38 only), filters,
  // requestedGranularity, skip, limit, includeResultsetResponses, testMode. Returns
  // beaconResultsetsResponse (record), beaconCountResponse (count; numTotalResults = number of
  // variants) or beaconBooleanResponse; errors as beaconErrorResponse (400 for bad or missing
  // parameters, unsupported parameters, bracket queries, ranges over the tier's limit; backend
  // errors mapped as above).
  BeaconResponse GenomicVariationsGet(const BeaconQueryParams& params,
                                      const BeaconCaller& caller) const;
  // POST /api/g_variants: a Beacon request body {"meta": …, "query": {"requestParameters":
  // {…} (flat, or under "g_variant"), "filters": […], "requestedGranularity": …,
  // "pagination": {"skip", "limit"}, …}}; start and end may be integers or arrays of one.
  // Same responses as the GET form.
  BeaconResponse GenomicVariationsPost(const nlohmann::json& body,
                                       const BeaconCaller& caller) const;
  // The same from the raw body text; malformed JSON is a 400 beaconErrorResponse.
  BeaconResponse GenomicVariationsPost(std::string_view body_text,
                                       const BeaconCaller& caller) const;

  // GET /api/individuals: filters, requestedGranularity, testMode. Returns beaconCountResponse
  // or beaconBooleanResponse per the tier table (never records); errors as
  // beaconErrorResponse (400 for unknown filters, 403/409 from the backend's guard).
  BeaconResponse IndividualsGet(const BeaconQueryParams& params, const BeaconCaller& caller) const;
  // POST /api/individuals with a Beacon request body (query.filters,
  // query.requestedGranularity). Same responses as the GET form.
  BeaconResponse IndividualsPost(const nlohmann::json& body, const BeaconCaller& caller) const;
  BeaconResponse IndividualsPost(std::string_view body_text, const BeaconCaller& caller) const;

  // A beaconErrorResponse for an error found outside this class (unknown route, failed
  // authentication, …), with BeaconHttpStatus(status.code()). Precondition: !status.ok().
  BeaconResponse Error(const Status& status) const;

  const BeaconServiceInfo& info() const { return info_; }

  struct Request;  // opaque: a parsed request, defined and used only in beacon.cc

 private:
  BeaconResponse RunVariants(Request& request, const BeaconCaller& caller) const;
  BeaconResponse RunIndividuals(Request& request, const BeaconCaller& caller) const;
  BeaconResponse ErrorFor(const Status& status, const Request* request) const;
  nlohmann::json InformationalMeta() const;
  nlohmann::json EntryTypesJson() const;
  std::string FilteringTermsUrl() const;

  BeaconBackend& backend_;
  BeaconServiceInfo info_;
};

}  // namespace renkei
