// End-to-end tests of the federation: in-process site nodes and hubs over three simulated sites
// (tests/federation_fixture.h), called over HTTP as a client would. Every number is checked
// against an independent truth: awk over the samples files for cohort membership, bcftools
// (merge, view -S, +fill-tags) for allele counts.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <optional>
#include <set>

#include "api/http_util.h"
#include "api/openapi_check.h"
#include "audit/audit_log.h"
#include "db/database.h"
#include "federation/signing.h"
#include "federation_fixture.h"

namespace renkei::testing {
namespace {

constexpr int64_t kFloor = 10;   // PrivacyPolicy's default floor
constexpr int64_t kNull = -1;    // Num() of a withheld (null) value
constexpr int64_t kAbsent = -2;  // Num() of a missing or non-count value

// The count `key` of `obj`: its value, kNull for null, kAbsent otherwise.
int64_t Num(const json& obj, const std::string& key) {
  if (!obj.is_object() || !obj.contains(key)) return kAbsent;
  const json& v = obj[key];
  if (v.is_null()) return kNull;
  if (v.is_number_integer()) return v.get<int64_t>();
  return kAbsent;
}

// The cohort used for exact totals, and the same membership as an awk condition.
const char kCohort[] = "age=60-69 | sex=female";
const char kCohortAwk[] = "$3 == \"60-69\" || $4 == \"female\"";

class FederationTest : public ::testing::Test {
 public:
  // Stops the shared servers and removes the data (after the last test).
  static void Release() {
    delete all_;
    all_ = nullptr;
    delete shared_;
    shared_ = nullptr;
    delete data_;
    data_ = nullptr;
  }

 protected:
  // Built by the first suite that needs it (FederationTest or a subclass) and kept for the
  // others; the environment below releases it after the last test.
  static void SetUpTestSuite() {
    if (data_ != nullptr) return;
    QuietLogs();
    data_ = FederationData::Build().release();
    if (data_ == nullptr) return;
    shared_ = new Federation(*data_, FederationOptions{});
  }

  void SetUp() override {
    ASSERT_NE(data_, nullptr) << "the simulated sites could not be built";
    ASSERT_TRUE(shared_->ok()) << "the shared federation did not start";
  }

  static const FederationData& data() { return *data_; }
  // The federation every test may use. Its nodes remember the cohorts answered at the
  // registered tier, so tests send it only controlled and public queries, or registered ones
  // that the hub refuses before asking the nodes; others start a Fresh() federation.
  static const Federation& shared() { return *shared_; }

  static std::vector<std::string> AllSamplesFiles() {
    std::vector<std::string> files;
    for (const FedSite& s : data().sites()) files.push_back(s.samples_tsv);
    return files;
  }

  // Truth for a cohort given as an awk condition: over the merged data and per site.
  struct CohortTruth {
    std::vector<std::string> ids;
    TruthTable merged;
    std::map<std::string, std::vector<std::string>> site_ids;
    std::map<std::string, TruthTable> by_site;
  };
  static CohortTruth Truth(const std::string& awk_cond) {
    CohortTruth t;
    t.ids = AwkIds(AllSamplesFiles(), awk_cond);
    t.merged = WithSiteAlleles(BcftoolsTruth(data().merged_bcf(), t.ids, data().dir().path()),
                               data().sites()[0].bcf);
    for (const FedSite& s : data().sites()) {
      t.site_ids[s.id] = AwkIds({s.samples_tsv}, awk_cond);
      t.by_site[s.id] = BcftoolsTruth(s.bcf, t.site_ids[s.id], data().dir().path());
    }
    return t;
  }

  // A federation with nodes of its own (fresh cohort histories), or sharing some nodes.
  static std::unique_ptr<Federation> Fresh(FederationOptions options = {}) {
    auto f = std::make_unique<Federation>(data(), std::move(options));
    EXPECT_TRUE(f->ok());
    return f;
  }

  // bcftools counts over every sample of the merged data (computed once).
  static const TruthTable& AllTruth() {
    if (all_ == nullptr) {
      all_ = new TruthTable(WithSiteAlleles(
          BcftoolsTruth(data().merged_bcf(), {}, data().dir().path()), data().sites()[0].bcf));
    }
    return *all_;
  }

  static FederationData* data_;
  static Federation* shared_;
  static TruthTable* all_;
};
FederationData* FederationTest::data_ = nullptr;
Federation* FederationTest::shared_ = nullptr;
TruthTable* FederationTest::all_ = nullptr;

class ReleaseFederation : public ::testing::Environment {
 public:
  void TearDown() override { FederationTest::Release(); }
};
[[maybe_unused]] ::testing::Environment* const kReleaseFederation =
    ::testing::AddGlobalTestEnvironment(new ReleaseFederation);

std::string VariantText(const TruthRecord& r) {
  return r.contig + ":" + std::to_string(r.pos) + ":" + r.ref;
}

// The answer row of one ALT allele of a record, or nullptr.
json* FindRow(json& answer, const TruthRecord& r, const std::string& alt) {
  if (!answer.contains("variants") || !answer["variants"].is_array()) return nullptr;
  for (json& row : answer["variants"]) {
    if (row.value("contig", "") == r.contig && row.value("pos", int64_t{0}) == r.pos &&
        row.value("ref", "") == r.ref && row.value("alt", "") == alt) {
      return &row;
    }
  }
  return nullptr;
}

// Expects a hub counts object ({"cohort_size","ns","an","alts":[one ALT],"withheld"}) to equal
// bcftools' counts of ALT `a` of `r` exactly, with nothing withheld.
void ExpectCountsEqual(json counts, const TruthRecord& r, size_t a, size_t cohort_size,
                       const std::string& what) {
  SCOPED_TRACE(what + " " + VariantText(r) + ":" + r.alts[a]);
  EXPECT_EQ(Num(counts, "cohort_size"), static_cast<int64_t>(cohort_size));
  EXPECT_EQ(Num(counts, "ns"), r.ns);
  EXPECT_EQ(Num(counts, "an"), r.an);
  ASSERT_TRUE(counts.contains("alts") && counts["alts"].size() == 1) << counts.dump();
  const json& alt = counts["alts"][0];
  EXPECT_EQ(alt.value("alt", ""), r.alts[a]);
  EXPECT_EQ(Num(alt, "ac"), r.ac[a]);
  EXPECT_EQ(Num(alt, "ac_het"), r.ac_het[a]);
  EXPECT_EQ(Num(alt, "ac_hom"), r.ac_hom[a]);
  EXPECT_EQ(Num(alt, "ac_hemi"), r.ac_hemi[a]);
  EXPECT_EQ(counts.value("withheld", json::array()), json::array());
}

// Checks every ALT row of record `r` in a controlled-tier answer against the cohort truth:
// totals against the merged data, by_site and by_biobank against each site alone.
void ExpectRecordMatches(json answer, const TruthRecord& r,
                         const std::map<std::string, const TruthRecord*>& site_records,
                         const std::map<std::string, size_t>& site_sizes,
                         const std::vector<FedSite>& sites, size_t cohort_size,
                         std::optional<size_t> only_alt = std::nullopt) {
  for (size_t a = 0; a < r.alts.size(); ++a) {
    if (only_alt && a != *only_alt) continue;
    json* row = FindRow(answer, r, r.alts[a]);
    ASSERT_NE(row, nullptr) << "no row for " << VariantText(r) << ":" << r.alts[a];
    ExpectCountsEqual((*row)["total"], r, a, cohort_size, "total");
    for (const FedSite& s : sites) {
      const auto it = site_records.find(s.id);
      if (it == site_records.end()) continue;
      ASSERT_NE(it->second, nullptr) << s.id << " lacks " << VariantText(r);
      ASSERT_TRUE((*row)["by_site"].contains(s.id)) << row->dump();
      ExpectCountsEqual((*row)["by_site"][s.id], *it->second, a, site_sizes.at(s.id),
                        "by_site " + s.id);
      ASSERT_TRUE((*row)["by_biobank"].contains(s.biobank)) << row->dump();
      ExpectCountsEqual((*row)["by_biobank"][s.biobank], *it->second, a, site_sizes.at(s.id),
                        "by_biobank " + s.biobank);
    }
  }
}

json FreqBody(const std::string& cohort, const std::string& selector_key,
              const std::string& selector) {
  json body = {{selector_key, selector}};
  if (!cohort.empty()) body["cohort"] = cohort;
  return body;
}

// Variants that exercise different counting paths: the commonest biallelic site, a
// multi-allelic site, a chrX site with hemizygous calls, the site with the most missing calls.
std::vector<const TruthRecord*> InterestingRecords(const TruthTable& t) {
  const TruthRecord* common = nullptr;
  const TruthRecord* multi = nullptr;
  const TruthRecord* hemi = nullptr;
  const TruthRecord* missing = nullptr;
  for (const TruthRecord& r : t.records) {
    if (r.alts.size() == 1 && (!common || r.ac[0] > common->ac[0])) common = &r;
    if (r.alts.size() > 1 && !multi) multi = &r;
    if (r.contig == "chrX" && !hemi) {
      for (int64_t h : r.ac_hemi) {
        if (h > 0) hemi = &r;
      }
    }
    if (!missing || r.ns < missing->ns) missing = &r;
  }
  std::vector<const TruthRecord*> out;
  for (const TruthRecord* r : {common, multi, hemi, missing}) {
    EXPECT_NE(r, nullptr) << "the simulated data lack a kind of site the test needs";
    if (r && std::find(out.begin(), out.end(), r) == out.end()) out.push_back(r);
  }
  return out;
}

// ---- 1. Exact sums ---------------------------------------------------------------------

TEST_F(FederationTest, ControlledTotalsEqualBcftoolsOnMergedData) {
  const CohortTruth truth = Truth(kCohortAwk);
  ASSERT_GT(truth.ids.size(), 0u);
  ASSERT_EQ(truth.merged.records.size(), kFedVariants) << "records of the merged BCF";
  std::map<std::string, size_t> site_sizes;
  size_t summed = 0;
  for (const FedSite& s : data().sites()) {
    ASSERT_EQ(truth.by_site.at(s.id).records.size(), kFedVariants) << s.id;
    site_sizes[s.id] = truth.site_ids.at(s.id).size();
    summed += site_sizes[s.id];
  }
  ASSERT_EQ(summed, truth.ids.size());
  auto site_records = [&](const TruthRecord& r) {
    std::map<std::string, const TruthRecord*> out;
    for (const FedSite& s : data().sites()) {
      out[s.id] = truth.by_site.at(s.id).Find(r.contig, r.pos, r.ref);
    }
    return out;
  };
  auto check_cohort_size = [&](json body) {
    EXPECT_EQ(body.value("partial", true), false);
    EXPECT_EQ(Num(body["cohort_size"], "total"), static_cast<int64_t>(truth.ids.size()));
    for (const FedSite& s : data().sites()) {
      EXPECT_EQ(Num(body["cohort_size"]["by_site"], s.id), static_cast<int64_t>(site_sizes[s.id]));
      EXPECT_EQ(Num(body["cohort_size"]["by_biobank"], s.biobank),
                static_cast<int64_t>(site_sizes[s.id]));
    }
  };

  for (const TruthRecord* any : InterestingRecords(AllTruth())) {
    const TruthRecord* r = truth.merged.Find(any->contig, any->pos, any->ref);
    ASSERT_NE(r, nullptr) << VariantText(*any);
    Answer a =
        shared().Post("/v1/freq", FreqBody(kCohort, "variant", VariantText(*r)), kControlledKey);
    ASSERT_EQ(a.status, 200) << a.raw;
    check_cohort_size(a.body);
    EXPECT_EQ(a.body["variants"].size(), r->alts.size()) << a.raw;
    ExpectRecordMatches(a.body, *r, site_records(*r), site_sizes, data().sites(), truth.ids.size());
    if (r->alts.size() > 1) {
      // One named ALT of a multi-allelic site: that allele's row only.
      const size_t last = r->alts.size() - 1;
      Answer one = shared().Post(
          "/v1/freq", FreqBody(kCohort, "variant", VariantText(*r) + ":" + r->alts[last]),
          kControlledKey);
      ASSERT_EQ(one.status, 200) << one.raw;
      EXPECT_EQ(one.body["variants"].size(), 1u) << one.raw;
      ExpectRecordMatches(one.body, *r, site_records(*r), site_sizes, data().sites(),
                          truth.ids.size(), last);
    }
  }

  // A region: every record in it, and nothing else.
  const std::string contig = "chr1";
  const int64_t start = 1, end = 100'000'000;
  Answer region = shared().Post(
      "/v1/freq",
      FreqBody(kCohort, "region", contig + ":" + std::to_string(start) + "-" + std::to_string(end)),
      kControlledKey);
  ASSERT_EQ(region.status, 200) << region.raw;
  check_cohort_size(region.body);
  size_t rows = 0;
  for (const TruthRecord& r : truth.merged.records) {
    if (r.contig != contig || r.pos < start || r.pos > end) continue;
    rows += r.alts.size();
    ExpectRecordMatches(region.body, r, site_records(r), site_sizes, data().sites(),
                        truth.ids.size());
  }
  EXPECT_GT(rows, 3u) << "the region should hold several records";
  EXPECT_EQ(region.body["variants"].size(), rows);
}

// ---- 2. Cross-search -------------------------------------------------------------------

// Counts per site file and "attribute=value" of the members of an awk cohort, by awk.
std::map<std::string, std::map<std::string, int64_t>> AwkFacetCounts(
    const std::vector<FedSite>& sites, const std::string& cond) {
  std::string cmd =
      "awk -F'\\t' 'FNR > 1 && (" + cond +
      ") { f = FILENAME; n[f \"\\tall\"]++; n[f \"\\tage=\" $3]++; n[f \"\\tsex=\" $4]++;"
      " n[f \"\\tbiobank=\" $2]++; p = $5 + 0;"
      " r = p == 1 ? \"hokkaido\" : p <= 7 ? \"tohoku\" : p <= 14 ? \"kanto\" : p <= 23 ?"
      " \"chubu\" : p <= 30 ? \"kinki\" : p <= 35 ? \"chugoku\" : p <= 39 ? \"shikoku\" :"
      " \"kyushu-okinawa\"; n[f \"\\tregion=\" r]++;"
      " if ($6 ~ /(^|,)E/) n[f \"\\ticd10_chapter=IV\"]++;"
      " if ($6 ~ /(^|,)I/) n[f \"\\ticd10_chapter=IX\"]++ }"
      " END { for (k in n) print k \"\\t\" n[k] }'";
  for (const FedSite& s : sites) cmd += " " + s.samples_tsv;
  const CommandResult r = Shell(cmd);
  EXPECT_EQ(r.exit_code, 0) << cmd;
  std::map<std::string, std::map<std::string, int64_t>> out;  // site id → key → count
  std::istringstream in(r.output);
  std::string line;
  while (std::getline(in, line)) {
    const std::vector<std::string> f = SplitOn(line, '\t');
    if (f.size() != 3) continue;
    for (const FedSite& s : sites) {
      if (s.samples_tsv == f[0]) out[s.id][f[1]] = std::stoll(f[2]);
    }
  }
  return out;
}

TEST_F(FederationTest, ControlledSearchCountsEqualAwk) {
  const std::string cohort = "age=50-79 | region=tohoku";
  const std::string cond =
      "$3 == \"50-59\" || $3 == \"60-69\" || $3 == \"70-79\" || ($5 + 0 >= 2 && $5 + 0 <= 7)";
  const auto truth = AwkFacetCounts(data().sites(), cond);
  auto count = [&](const std::string& site, const std::string& key) -> int64_t {
    const auto s = truth.find(site);
    if (s == truth.end()) return 0;
    const auto k = s->second.find(key);
    return k == s->second.end() ? 0 : k->second;
  };
  Answer a = shared().Post("/v1/search", json{{"cohort", cohort}}, kControlledKey);
  ASSERT_EQ(a.status, 200) << a.raw;
  EXPECT_EQ(a.body.value("partial", true), false);
  int64_t total = 0;
  for (const FedSite& s : data().sites()) {
    EXPECT_EQ(Num(a.body["cohort_size"]["by_site"], s.id), count(s.id, "all")) << s.id;
    total += count(s.id, "all");
  }
  EXPECT_GT(total, 0);
  EXPECT_EQ(Num(a.body["cohort_size"], "total"), total);

  const std::set<std::string> checked_attributes = {"age", "sex", "region", "biobank"};
  std::set<std::string> seen;
  for (json f : a.body["facets"]) {
    const std::string attribute = f.value("attribute", "");
    const std::string key = attribute + "=" + f.value("value", "");
    if (!checked_attributes.count(attribute) && key != "icd10_chapter=IV" &&
        key != "icd10_chapter=IX") {
      continue;
    }
    seen.insert(key);
    int64_t facet_total = 0;
    for (const FedSite& s : data().sites()) {
      // A site reports only the biobanks it holds.
      if (attribute == "biobank" && f.value("value", "") != s.biobank) {
        EXPECT_FALSE(f["by_site"].contains(s.id)) << key << " at " << s.id;
        continue;
      }
      EXPECT_EQ(Num(f["by_site"], s.id), count(s.id, key)) << key << " at " << s.id;
      facet_total += count(s.id, key);
    }
    EXPECT_EQ(Num(f, "total"), facet_total) << key;
  }
  for (const char* key : {"age=60-69", "age=0-9", "sex=male", "sex=female", "region=tohoku",
                          "region=kanto", "biobank=TMM", "icd10_chapter=IV"}) {
    EXPECT_TRUE(seen.count(key)) << "facet " << key << " missing from " << a.raw;
  }
}

// ---- 3. Privacy through the hub --------------------------------------------------------

// Walks every guarded number of a registered-tier counts object against the same object at
// the controlled tier: shown values equal the exact ones and are at least the floor (never
// 0); exact values below the floor are null; a null is named under "withheld". Returns the
// number of nulls.
int CheckGuardedCounts(json reg, json exact, const std::string& where) {
  SCOPED_TRACE(where);
  int nulls = 0;
  std::set<std::string> listed;
  for (const json& w : reg.value("withheld", json::array())) listed.insert(w.get<std::string>());
  auto check = [&](json r, json e, const std::string& key, const std::string& name) {
    const int64_t rv = Num(r, key), ev = Num(e, key);
    ASSERT_NE(rv, kAbsent) << name << " missing in " << r.dump();
    ASSERT_GE(ev, 0) << name << " not shown at the controlled tier";
    if (rv == kNull) {
      ++nulls;
      EXPECT_TRUE(listed.count(name)) << name << " is null but not listed under withheld";
      return;
    }
    EXPECT_EQ(rv, ev) << name;
    EXPECT_GE(rv, kFloor) << name << " is shown below the floor";
    EXPECT_FALSE(listed.count(name)) << name << " is shown but listed as withheld";
  };
  for (const char* key : {"cohort_size", "ns", "an"}) check(reg, exact, key, key);
  EXPECT_EQ(reg["alts"].size(), exact["alts"].size());
  for (size_t i = 0; i < reg["alts"].size() && i < exact["alts"].size(); ++i) {
    for (const char* key : {"ac", "ac_het", "ac_hom", "ac_hemi"}) {
      check(reg["alts"][i], exact["alts"][i], key, "alts." + std::to_string(i) + "." + key);
    }
  }
  return nulls;
}

// The same for a CountBreakdown of plain counts ({"total", "by_site", "by_biobank"}).
int CheckGuardedBreakdown(json reg, json exact, const std::string& where) {
  SCOPED_TRACE(where);
  int nulls = 0;
  auto check = [&](json r, json e, const std::string& key) {
    const int64_t rv = Num(r, key), ev = Num(e, key);
    ASSERT_NE(rv, kAbsent) << key;
    if (rv == kNull) {
      ++nulls;
      return;
    }
    EXPECT_EQ(rv, ev) << key;
    EXPECT_GE(rv, kFloor) << key << " is shown below the floor";
  };
  check(reg, exact, "total");
  for (const char* part : {"by_site", "by_biobank"}) {
    for (const auto& [k, v] : exact[part].items()) {
      EXPECT_GE(Num(exact[part], k), 0);
      check(reg[part], exact[part], k);
      if (Num(exact[part], k) < kFloor) {
        EXPECT_EQ(Num(reg[part], k), kNull) << part << " " << k;
      }
    }
  }
  if (Num(exact, "total") < kFloor) {
    EXPECT_EQ(Num(reg, "total"), kNull);
  }
  return nulls;
}

// Exact values below the floor must be null (CheckGuardedCounts allows extra nulls from the
// complementary-disclosure rule but not shown small values; this makes the converse explicit).
void ExpectSmallExactValuesNull(json reg, json exact) {
  for (const char* key : {"cohort_size", "ns", "an"}) {
    if (Num(exact, key) < kFloor) {
      EXPECT_EQ(Num(reg, key), kNull) << key;
    }
  }
  for (size_t i = 0; i < exact["alts"].size(); ++i) {
    for (const char* key : {"ac", "ac_het", "ac_hom", "ac_hemi"}) {
      if (Num(exact["alts"][i], key) < kFloor) {
        EXPECT_EQ(Num(reg["alts"][i], key), kNull) << "alts." << i << "." << key;
      }
    }
  }
}

TEST_F(FederationTest, RegisteredTierShowsSmallCountsAsNullNeverZero) {
  auto fed = Fresh();
  ASSERT_TRUE(fed->ok());
  const CohortTruth truth = Truth(kCohortAwk);
  // Several sites, rare ones included, so that small counts occur.
  std::vector<const TruthRecord*> records = InterestingRecords(AllTruth());
  for (const TruthRecord& r : truth.merged.records) {
    if (records.size() >= 7) break;
    if (r.ac[0] > 0 && r.ac[0] < kFloor) records.push_back(&r);
  }
  // A cohort the registered tier may ask for here: at these small sites some cohorts lie a few
  // samples from a preset stratum, and the guard rightly refuses those.
  std::string cohort;
  for (const char* c : {kCohort, "age=50-59 | age=60-69 | age=70-79", "region=kanto | sex=male"}) {
    if (fed->Post("/v1/search", json{{"cohort", c}}, kRegisteredKey).status == 200) {
      cohort = c;
      break;
    }
  }
  ASSERT_FALSE(cohort.empty()) << "no candidate cohort is answered at the registered tier";
  int nulls = 0;
  for (const TruthRecord* r : records) {
    const json body = FreqBody(cohort, "variant", VariantText(*r));
    Answer reg = fed->Post("/v1/freq", body, kRegisteredKey);
    Answer exact = fed->Post("/v1/freq", body, kControlledKey);
    ASSERT_EQ(reg.status, 200) << reg.raw;
    ASSERT_EQ(exact.status, 200) << exact.raw;
    EXPECT_EQ(reg.body.value("tier", ""), "registered");
    nulls +=
        CheckGuardedBreakdown(reg.body["cohort_size"], exact.body["cohort_size"], "cohort_size");
    for (size_t a = 0; a < r->alts.size(); ++a) {
      json* rrow = FindRow(reg.body, *r, r->alts[a]);
      json* erow = FindRow(exact.body, *r, r->alts[a]);
      ASSERT_TRUE(rrow && erow) << reg.raw;
      const std::string what = VariantText(*r) + ":" + r->alts[a];
      nulls += CheckGuardedCounts((*rrow)["total"], (*erow)["total"], what + " total");
      ExpectSmallExactValuesNull((*rrow)["total"], (*erow)["total"]);
      for (const char* part : {"by_site", "by_biobank"}) {
        for (const auto& [k, v] : (*erow)[part].items()) {
          ASSERT_TRUE((*rrow)[part].contains(k)) << part << " " << k;
          nulls += CheckGuardedCounts((*rrow)[part][k], v, what + " " + part + " " + k);
          ExpectSmallExactValuesNull((*rrow)[part][k], v);
        }
      }
    }
  }
  EXPECT_GT(nulls, 0) << "no value was small enough to be withheld: the test checked nothing";

  // Cross-search facets at the registered tier: null below the floor, never 0.
  Answer reg = fed->Post("/v1/search", json{{"cohort", cohort}}, kRegisteredKey);
  Answer exact = fed->Post("/v1/search", json{{"cohort", cohort}}, kControlledKey);
  ASSERT_EQ(reg.status, 200) << reg.raw;
  ASSERT_EQ(exact.status, 200) << exact.raw;
  CheckGuardedBreakdown(reg.body["cohort_size"], exact.body["cohort_size"], "search size");
  ASSERT_EQ(reg.body["facets"].size(), exact.body["facets"].size());
  int facet_nulls = 0;
  for (size_t i = 0; i < reg.body["facets"].size(); ++i) {
    facet_nulls += CheckGuardedBreakdown(reg.body["facets"][i], exact.body["facets"][i],
                                         reg.body["facets"][i].dump());
  }
  EXPECT_GT(facet_nulls, 0);
}

// Per-site member counts of the candidate cohorts (awk conditions), for choosing cohorts with
// the sizes a test needs.
struct Candidate {
  std::string cohort, awk;
};
std::map<std::string, int64_t> SiteCounts(const std::vector<FedSite>& sites,
                                          const std::string& awk) {
  std::map<std::string, int64_t> out;
  for (const FedSite& s : sites) {
    out[s.id] = static_cast<int64_t>(AwkIds({s.samples_tsv}, awk).size());
  }
  return out;
}

TEST_F(FederationTest, CohortBelowTheFloorIsWithheldEntirely) {
  const std::vector<Candidate> candidates = {
      {"age=90+", "$3 == \"90+\""},
      {"age=0-9 & sex=male", "$3 == \"0-9\" && $4 == \"male\""},
      {"age=10-19 & sex=male", "$3 == \"10-19\" && $4 == \"male\""},
      {"age=20-29 & sex=male", "$3 == \"20-29\" && $4 == \"male\""},
      {"age=80-89 & region=kinki", "$3 == \"80-89\" && $5 + 0 >= 24 && $5 + 0 <= 30"}};
  const Candidate* chosen = nullptr;
  for (const Candidate& c : candidates) {
    int64_t total = 0;
    for (const auto& [site, n] : SiteCounts(data().sites(), c.awk)) total += n;
    if (total > 0 && total < kFloor) {
      chosen = &c;
      break;
    }
  }
  ASSERT_NE(chosen, nullptr) << "no candidate cohort has 1-9 members";
  auto fed = Fresh();
  ASSERT_TRUE(fed->ok());
  const TruthRecord* r = InterestingRecords(AllTruth())[0];
  Answer a =
      fed->Post("/v1/freq", FreqBody(chosen->cohort, "variant", VariantText(*r)), kRegisteredKey);
  ASSERT_EQ(a.status, 200) << a.raw;
  EXPECT_EQ(Num(a.body["cohort_size"], "total"), kNull) << a.raw;
  for (const auto& [k, v] : a.body["cohort_size"]["by_site"].items()) {
    EXPECT_TRUE(v.is_null()) << k;
  }
  ASSERT_FALSE(a.body["variants"].empty());
  for (json row : a.body["variants"]) {
    std::vector<json> objects = {row["total"]};
    for (const auto& [k, v] : row["by_site"].items()) objects.push_back(v);
    for (const auto& [k, v] : row["by_biobank"].items()) objects.push_back(v);
    for (json counts : objects) {
      for (const char* key : {"cohort_size", "ns", "an"}) {
        EXPECT_EQ(Num(counts, key), kNull) << key << " in " << counts.dump();
      }
      for (const char* key : {"ac", "ac_het", "ac_hom", "ac_hemi"}) {
        EXPECT_EQ(Num(counts["alts"][0], key), kNull) << key << " in " << counts.dump();
      }
      EXPECT_TRUE(counts["alts"][0]["af"].is_null());
      EXPECT_EQ(counts["withheld"], json({"cohort_size", "ns", "an", "alts.0.ac", "alts.0.ac_het",
                                          "alts.0.ac_hom", "alts.0.ac_hemi"}));
    }
  }
  // The same cohort in cross-search: size and every facet withheld.
  Answer s = fed->Post("/v1/search", json{{"cohort", chosen->cohort}}, kRegisteredKey);
  ASSERT_EQ(s.status, 200) << s.raw;
  EXPECT_EQ(Num(s.body["cohort_size"], "total"), kNull);
  for (json f : s.body["facets"]) {
    EXPECT_EQ(Num(f, "total"), kNull) << f.dump();
  }
}

TEST_F(FederationTest, SumWithAWithheldSitePartIsWithheld) {
  // A cohort with 1-9 members at exactly one site and at least the floor at the others.
  const std::vector<Candidate> candidates = {
      {"age=80-89", "$3 == \"80-89\""},
      {"age=0-9", "$3 == \"0-9\""},
      {"age=10-19", "$3 == \"10-19\""},
      {"age=20-29", "$3 == \"20-29\""},
      {"age=90+ | age=80-89", "$3 == \"90+\" || $3 == \"80-89\""},
      {"region=tohoku", "$5 + 0 >= 2 && $5 + 0 <= 7"}};
  const Candidate* chosen = nullptr;
  std::string small_site;
  std::map<std::string, int64_t> counts;
  for (const Candidate& c : candidates) {
    counts = SiteCounts(data().sites(), c.awk);
    int small = 0, large = 0;
    for (const auto& [site, n] : counts) {
      if (n > 0 && n < kFloor) {
        ++small;
        small_site = site;
      } else if (n >= kFloor) {
        ++large;
      }
    }
    if (small == 1 && large == 2) {
      chosen = &c;
      break;
    }
  }
  ASSERT_NE(chosen, nullptr) << "no candidate cohort is small at exactly one site";
  auto fed = Fresh();
  ASSERT_TRUE(fed->ok());
  Answer s = fed->Post("/v1/search", json{{"cohort", chosen->cohort}}, kRegisteredKey);
  ASSERT_EQ(s.status, 200) << s.raw;
  const json& size = s.body["cohort_size"];
  EXPECT_EQ(Num(size, "total"), kNull)
      << "a total with a withheld part must be withheld: " << size.dump();
  for (const auto& [site, n] : counts) {
    EXPECT_EQ(Num(size["by_site"], site), site == small_site ? kNull : n) << site;
  }
  const TruthRecord* r = InterestingRecords(AllTruth())[0];
  Answer f =
      fed->Post("/v1/freq", FreqBody(chosen->cohort, "variant", VariantText(*r)), kRegisteredKey);
  ASSERT_EQ(f.status, 200) << f.raw;
  EXPECT_EQ(Num(f.body["cohort_size"], "total"), kNull);
  for (json row : f.body["variants"]) {
    EXPECT_EQ(Num(row["total"], "cohort_size"), kNull) << row.dump();
    EXPECT_EQ(Num(row["total"], "an"), kNull) << row.dump();
    EXPECT_EQ(Num(row["total"]["alts"][0], "ac"), kNull) << row.dump();
    EXPECT_EQ(Num(row["by_site"][small_site], "cohort_size"), kNull);
  }
}

void ExpectError(Answer a, int status, const std::string& code,
                 const std::vector<std::string>& message_parts, const std::string& what) {
  SCOPED_TRACE(what);
  EXPECT_EQ(a.status, status) << a.raw;
  ASSERT_TRUE(a.body.is_object() && a.body.contains("error") && a.body["error"].is_object())
      << "not a JSON error body: " << a.raw;
  EXPECT_EQ(a.body["error"].value("code", ""), code) << a.raw;
  const std::string message = a.body["error"].value("message", "");
  for (const std::string& part : message_parts) {
    EXPECT_NE(message.find(part), std::string::npos)
        << "message lacks '" << part << "': " << message;
  }
}

TEST_F(FederationTest, PublicTierCannotRunOnDemandCohorts) {
  const TruthRecord* r = InterestingRecords(AllTruth())[0];
  Answer freq = shared().Post("/v1/freq", FreqBody("sex=male", "variant", VariantText(*r)), "");
  ExpectError(freq, 403, "PermissionDenied", {"registered tier", "preset strata"}, "freq");
  Answer search = shared().Post("/v1/search", json{{"cohort", "sex=male"}}, "");
  ExpectError(search, 403, "PermissionDenied", {"registered tier"}, "search");
  // Everyone (no cohort) is a preset stratum: public may ask.
  Answer everyone = shared().Post("/v1/freq", FreqBody("", "variant", VariantText(*r)), "");
  EXPECT_EQ(everyone.status, 200) << everyone.raw;
  EXPECT_EQ(everyone.body.value("tier", ""), "public");
}

TEST_F(FederationTest, RegisteredTierCannotNameSamples) {
  const std::vector<std::string> ids = AwkIds({data().sites()[0].samples_tsv}, "FNR <= 3");
  ASSERT_EQ(ids.size(), 2u);
  const std::string cohort = "sample=" + ids[0] + "," + ids[1];
  Answer search = shared().Post("/v1/search", json{{"cohort", cohort}}, kRegisteredKey);
  ExpectError(search, 403, "PermissionDenied", {"controlled tier"}, "search");
  Answer freq =
      shared().Post("/v1/freq", FreqBody(cohort, "region", "chr1:1-1000000"), kRegisteredKey);
  ExpectError(freq, 403, "PermissionDenied", {"controlled tier"}, "freq");
  // Hidden inside an expression it is still refused.
  Answer nested = shared().Post(
      "/v1/search", json{{"cohort", "sex=male | (age=60-69 & " + cohort + ")"}}, kRegisteredKey);
  ExpectError(nested, 403, "PermissionDenied", {"controlled tier"}, "nested");
}

TEST_F(FederationTest, SampleFilesAreRefusedAndNeverRead) {
  // A FIFO: a server that opened it to read would block there (and the request would time
  // out); afterwards a non-blocking open for writing fails with ENXIO only if no one has it
  // open for reading.
  const std::string fifo = data().dir() / "ids.fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0) << std::strerror(errno);
  for (const char* key : {kControlledKey, kRegisteredKey}) {
    for (const std::string& path : {std::string("/v1/search"), std::string("/v1/freq")}) {
      json body = {{"cohort", "sample=@" + fifo}};
      if (path == "/v1/freq") body["variant"] = "chr1:1:A:G";
      Answer a = Call(shared().hub_port(), "POST", path, body.dump(), key, {}, 5);
      ExpectError(a, 400, "InvalidArgument", {"sample=@path", "list the sample ids"},
                  path + " " + key);
    }
  }
  const int fd = open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
  EXPECT_EQ(fd, -1) << "someone opened the sample file for reading";
  EXPECT_EQ(errno, ENXIO);
  if (fd >= 0) close(fd);
}

TEST_F(FederationTest, TrackerPairThroughTheHubIsRefused) {
  // C, and C minus one person, described by an extra attribute condition: a prefecture that
  // exactly one member of C lives in (found with awk), at a site where C has more than the floor.
  struct Pick {
    std::string cohort, prefecture;
  };
  std::optional<Pick> pick;
  for (const Candidate& c : std::vector<Candidate>{{"age=60-69", "$3 == \"60-69\""},
                                                   {"age=70-79", "$3 == \"70-79\""},
                                                   {"sex=female", "$4 == \"female\""},
                                                   {"sex=male", "$4 == \"male\""}}) {
    std::string cmd = "awk -F'\\t' 'FNR > 1 && (" + c.awk +
                      ") { n[$5]++; f[$5] = FILENAME } END { for (p in n) if (n[p] == 1) "
                      "print p \"\\t\" f[p] }'";
    for (const FedSite& s : data().sites()) cmd += " " + s.samples_tsv;
    const CommandResult r = Shell(cmd);
    ASSERT_EQ(r.exit_code, 0);
    const std::map<std::string, int64_t> sizes = SiteCounts(data().sites(), c.awk);
    std::istringstream in(r.output);
    std::string line;
    while (!pick && std::getline(in, line)) {
      const std::vector<std::string> f = SplitOn(line, '\t');
      for (const FedSite& s : data().sites()) {
        if (f.size() == 2 && s.samples_tsv == f[1] && sizes.at(s.id) > kFloor) {
          pick = Pick{c.cohort, f[0]};
        }
      }
    }
    if (pick) break;
  }
  ASSERT_TRUE(pick.has_value()) << "no attribute value isolates one member of a candidate";
  auto fed = Fresh();
  ASSERT_TRUE(fed->ok());
  const std::string variant = VariantText(*InterestingRecords(AllTruth())[0]);
  Answer first = fed->Post("/v1/freq", FreqBody(pick->cohort, "variant", variant), kRegisteredKey);
  ASSERT_EQ(first.status, 200) << first.raw;
  const std::string minus_one = "(" + pick->cohort + ") & prefecture!=" + pick->prefecture;
  Answer second = fed->Post("/v1/freq", FreqBody(minus_one, "variant", variant), kRegisteredKey);
  ExpectError(second, 409, "FailedPrecondition",
              // from the earlier cohort, or from a preset stratum if the pair starts at one
              {"differs from", "by 1 sample", "at least 10 samples"}, minus_one);
  // Through cross-search too, and the earlier cohort is still answered.
  Answer search = fed->Post("/v1/search", json{{"cohort", minus_one}}, kRegisteredKey);
  ExpectError(search, 409, "FailedPrecondition", {"10 samples"}, "search " + minus_one);
  EXPECT_EQ(
      fed->Post("/v1/freq", FreqBody(pick->cohort, "variant", variant), kRegisteredKey).status,
      200);
}

// The same attack against the cohort everyone may query without one (no cohort: the preset
// "everyone" stratum) and against a preset stratum: "everyone but one person" differs from it by
// one sample. guard.h leaves preset strata to the caller ("a caller that wants them covered
// records their masks at the registered tier first"); the node does not record them, so today
// the second query is answered and the two answers differ by that person's genotype.
TEST_F(FederationTest, TrackerAgainstEveryoneOrAPresetStratumIsRefused) {
  // A person alone in their (age band, sex, prefecture) across all sites.
  const CommandResult r = Shell(
      "awk -F'\\t' 'FNR > 1 { k = $3 \"\\t\" $4 \"\\t\" $5; n[k]++ } "
      "END { for (k in n) if (n[k] == 1) print k }' " +
      data().sites()[0].samples_tsv + " " + data().sites()[1].samples_tsv + " " +
      data().sites()[2].samples_tsv + " | sort | head -1");
  const std::vector<std::string> f = SplitOn(r.output.substr(0, r.output.find('\n')), '\t');
  ASSERT_EQ(f.size(), 3u) << "no sample is alone in its age band, sex and prefecture";
  const std::string person = "age=" + f[0] + " & sex=" + f[1] + " & prefecture=" + f[2];
  auto fed = Fresh();
  ASSERT_TRUE(fed->ok());
  const TruthRecord* common = InterestingRecords(AllTruth())[0];
  const std::string variant = VariantText(*common);

  Answer everyone = fed->Post("/v1/freq", FreqBody("", "variant", variant), kRegisteredKey);
  ASSERT_EQ(everyone.status, 200) << everyone.raw;
  Answer but_one =
      fed->Post("/v1/freq", FreqBody("!(" + person + ")", "variant", variant), kRegisteredKey);
  EXPECT_EQ(but_one.status, 409) << "everyone, then everyone but one person (" << person
                                 << "): the second answer is " << but_one.raw.substr(0, 300);
  if (but_one.status == 200) {
    const json& a = everyone.body["variants"][0]["total"]["alts"][0];
    const json& b = but_one.body["variants"][0]["total"]["alts"][0];
    ADD_FAILURE() << "AC " << a["ac"] << " - " << b["ac"] << ", AC_Hom " << a["ac_hom"] << " - "
                  << b["ac_hom"] << ": the difference is one person's genotype at " << variant;
  }

  // A preset stratum (answered to anyone by /v1/strata) minus the same person.
  Answer strata = fed->Post("/v1/strata", json{{"variant", variant}}, "");
  ASSERT_EQ(strata.status, 200) << strata.raw;
  const std::string stratum_but_one = "sex=" + f[1] + " & !(" + person + ")";
  Answer s = fed->Post("/v1/freq", FreqBody(stratum_but_one, "variant", variant), kRegisteredKey);
  EXPECT_EQ(s.status, 409) << "preset stratum sex=" << f[1] << ", then " << stratum_but_one
                           << ": the second answer is " << s.raw.substr(0, 300);
}

// ---- 4. Partial answers ----------------------------------------------------------------

// A stand-in site that holds every request for `hold_ms` (or until released) before answering
// with an empty JSON object, or trickles its answer a few bytes at a time.
class SlowSite {
 public:
  enum class Mode { kSilent, kTrickle };
  SlowSite(Mode mode, int hold_ms) : mode_(mode), hold_ms_(hold_ms) {
    auto handler = [this](const httplib::Request&, httplib::Response& res) {
      ++requests_;
      if (mode_ == Mode::kSilent) {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait_for(lock, std::chrono::milliseconds(hold_ms_), [this] { return released_; });
        res.set_content("{}", "application/json");
        return;
      }
      // Trickle: headers at once, then one byte of a JSON body per step.
      res.set_chunked_content_provider(
          "application/json", [this](size_t offset, httplib::DataSink& sink) {
            const std::string body = "{\"cells\": []}          ";
            constexpr int kSteps = 10;
            const size_t step = static_cast<size_t>(offset);
            if (step >= static_cast<size_t>(kSteps) || step >= body.size()) {
              sink.done();
              return true;
            }
            {
              std::unique_lock<std::mutex> lock(mu_);
              if (cv_.wait_for(lock, std::chrono::milliseconds(hold_ms_ / kSteps),
                               [this] { return released_; })) {
                sink.done();
                return true;
              }
            }
            return sink.write(body.data() + step, 1);
          });
    };
    server_.Get(".*", handler);
    server_.Post(".*", handler);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 200 && !server_.is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  ~SlowSite() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      released_ = true;
    }
    cv_.notify_all();
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }
  int requests() const { return requests_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  Mode mode_;
  int hold_ms_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = -1;
  std::atomic<int> requests_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool released_ = false;
};

const json* SiteStatus(const json& answer, const std::string& id) {
  if (!answer.contains("sites") || !answer["sites"].is_array()) return nullptr;
  for (const json& s : answer["sites"]) {
    if (s.value("id", "") == id) return &s;
  }
  return nullptr;
}

// Expects `answer` to be partial with `missing` unavailable and its totals to be the exact sums
// over the other sites (checked against bcftools on those sites' data alone).
void ExpectPartialTotals(json answer, const std::string& missing, const TruthRecord& r,
                         const std::map<std::string, const TruthRecord*>& available,
                         const std::map<std::string, int64_t>& sizes) {
  EXPECT_EQ(answer.value("partial", false), true) << answer.dump();
  const json* status = SiteStatus(answer, missing);
  ASSERT_NE(status, nullptr) << "the missing site is not listed: " << answer.dump();
  EXPECT_EQ(status->value("status", ""), "unavailable");
  EXPECT_FALSE(status->value("message", "").empty());
  EXPECT_FALSE(answer["cohort_size"]["by_site"].contains(missing));
  int64_t size = 0;
  for (const auto& [site, n] : sizes) size += n;
  EXPECT_EQ(Num(answer["cohort_size"], "total"), size);
  for (size_t a = 0; a < r.alts.size(); ++a) {
    json* row = FindRow(answer, r, r.alts[a]);
    ASSERT_NE(row, nullptr) << answer.dump();
    EXPECT_FALSE((*row)["by_site"].contains(missing));
    TruthRecord sum = r;
    sum.ns = sum.an = 0;
    std::fill(sum.ac.begin(), sum.ac.end(), 0);
    sum.ac_het = sum.ac_hom = sum.ac_hemi = sum.ac;
    json by_site_sum = {{"ns", 0}, {"an", 0}, {"ac", 0}};
    for (const auto& [site, t] : available) {
      sum.ns += t->ns;
      sum.an += t->an;
      for (size_t i = 0; i < r.alts.size(); ++i) {
        sum.ac[i] += t->ac[i];
        sum.ac_het[i] += t->ac_het[i];
        sum.ac_hom[i] += t->ac_hom[i];
        sum.ac_hemi[i] += t->ac_hemi[i];
      }
      json& part = (*row)["by_site"][site];
      by_site_sum["ns"] = by_site_sum["ns"].get<int64_t>() + Num(part, "ns");
      by_site_sum["an"] = by_site_sum["an"].get<int64_t>() + Num(part, "an");
      by_site_sum["ac"] = by_site_sum["ac"].get<int64_t>() + Num(part["alts"][0], "ac");
    }
    ExpectCountsEqual((*row)["total"], sum, a, static_cast<size_t>(size), "partial total");
    EXPECT_EQ(Num((*row)["total"], "ns"), by_site_sum["ns"].get<int64_t>());
    EXPECT_EQ(Num((*row)["total"], "an"), by_site_sum["an"].get<int64_t>());
    EXPECT_EQ(Num((*row)["total"]["alts"][0], "ac"), by_site_sum["ac"].get<int64_t>());
  }
}

class FederationPartialTest : public FederationTest {
 protected:
  // Truth for kCohort at the sites other than `missing`, for one multi-allelic record.
  void SetUpTruth(const std::string& missing) {
    truth_ = Truth(kCohortAwk);
    // A multi-allelic record: every ALT row must add up.
    const std::vector<const TruthRecord*> records = InterestingRecords(AllTruth());
    ASSERT_GT(records.size(), 1u);
    record_ = truth_.merged.Find(records[1]->contig, records[1]->pos, records[1]->ref);
    ASSERT_NE(record_, nullptr);
    for (const FedSite& s : data().sites()) {
      if (s.id == missing) continue;
      available_[s.id] = truth_.by_site.at(s.id).Find(record_->contig, record_->pos, record_->ref);
      ASSERT_NE(available_[s.id], nullptr);
      sizes_[s.id] = static_cast<int64_t>(truth_.site_ids.at(s.id).size());
    }
  }
  // The shared federation's nodes except `missing`.
  std::map<std::string, int> SharedNodesExcept(const std::string& missing) const {
    std::map<std::string, int> out = shared().node_ports();
    out.erase(missing);
    return out;
  }
  Answer Ask(const Federation& fed) const {
    return fed.Post("/v1/freq", FreqBody(kCohort, "variant", VariantText(*record_)),
                    kControlledKey);
  }

  CohortTruth truth_;
  const TruthRecord* record_ = nullptr;
  std::map<std::string, const TruthRecord*> available_;
  std::map<std::string, int64_t> sizes_;
};

TEST_F(FederationPartialTest, UnreachableSiteIsListedAndTotalsCoverTheOthers) {
  const std::string missing = "ncgm";
  ASSERT_NO_FATAL_FAILURE(SetUpTruth(missing));
  const int closed = FreeLoopbackPort();
  ASSERT_GT(closed, 0);
  FederationOptions o;
  o.shared_nodes = SharedNodesExcept(missing);
  o.url_overrides[missing] = "http://127.0.0.1:" + std::to_string(closed);
  auto fed = Fresh(o);
  ASSERT_TRUE(fed->ok());
  Answer a = Ask(*fed);
  ASSERT_EQ(a.status, 200) << a.raw;
  EXPECT_LT(a.ms, 2000) << "a refused connection should not wait for the timeout";
  ExpectPartialTotals(a.body, missing, *record_, available_, sizes_);
  // Cross-search is partial the same way.
  Answer s = fed->Post("/v1/search", json{{"cohort", kCohort}}, kControlledKey);
  ASSERT_EQ(s.status, 200) << s.raw;
  EXPECT_EQ(s.body.value("partial", false), true);
  int64_t size = 0;
  for (const auto& [site, n] : sizes_) size += n;
  EXPECT_EQ(Num(s.body["cohort_size"], "total"), size);
  Answer sites = fed->Get("/v1/sites");
  ASSERT_EQ(sites.status, 200) << sites.raw;
  EXPECT_EQ(sites.body.value("partial", false), true);
  ASSERT_NE(SiteStatus(sites.body, missing), nullptr);
  EXPECT_EQ(SiteStatus(sites.body, missing)->value("status", ""), "unavailable");
}

TEST_F(FederationPartialTest, SilentSiteIsCutOffAtTheTimeout) {
  const std::string missing = "ncgm";
  ASSERT_NO_FATAL_FAILURE(SetUpTruth(missing));
  constexpr int kTimeoutMs = 500;
  SlowSite slow(SlowSite::Mode::kSilent, 4000);
  FederationOptions o;
  o.timeout_ms = kTimeoutMs;
  o.shared_nodes = SharedNodesExcept(missing);
  o.url_overrides[missing] = slow.url();
  auto fed = Fresh(o);
  ASSERT_TRUE(fed->ok());
  Answer a = Ask(*fed);
  ASSERT_EQ(a.status, 200) << a.raw;
  EXPECT_GE(slow.requests(), 1) << "the hub never asked the slow site";
  EXPECT_GE(a.ms, kTimeoutMs * 0.8) << "answered before the timeout: was the site asked?";
  EXPECT_LT(a.ms, kTimeoutMs + 1000) << "the hub waited past its timeout";
  ExpectPartialTotals(a.body, missing, *record_, available_, sizes_);
}

// A site that sends its answer a byte at a time never lets a read time out, yet it does not
// answer within the timeout: the hub must not wait for it (the timeout is per answer).
TEST_F(FederationPartialTest, TricklingSiteIsCutOffAtTheTimeout) {
  const std::string missing = "ncgm";
  ASSERT_NO_FATAL_FAILURE(SetUpTruth(missing));
  constexpr int kTimeoutMs = 500;
  SlowSite slow(SlowSite::Mode::kTrickle, 2000);
  FederationOptions o;
  o.timeout_ms = kTimeoutMs;
  o.shared_nodes = SharedNodesExcept(missing);
  o.url_overrides[missing] = slow.url();
  auto fed = Fresh(o);
  ASSERT_TRUE(fed->ok());
  Answer a = Ask(*fed);
  ASSERT_EQ(a.status, 200) << a.raw;
  EXPECT_LT(a.ms, kTimeoutMs + 1000)
      << "the hub waited " << a.ms << " ms for a site that trickled its answer (timeout "
      << kTimeoutMs << " ms)";
  ExpectPartialTotals(a.body, missing, *record_, available_, sizes_);
}

TEST_F(FederationPartialTest, SiteThatComesBackIsUsedWithoutRestartingTheHub) {
  const std::string missing = "ncgm";
  ASSERT_NO_FATAL_FAILURE(SetUpTruth(missing));
  const int port = FreeLoopbackPort();
  ASSERT_GT(port, 0);
  FederationOptions o;
  o.shared_nodes = SharedNodesExcept(missing);
  o.url_overrides[missing] = "http://127.0.0.1:" + std::to_string(port);
  // Declared before the hub so that the hub, which keeps connections to the node open, stops
  // first (see NodeStopsPromptlyWhileTheHubHoldsAConnection).
  std::unique_ptr<Running<NodeServer>> node;
  auto fed = Fresh(o);
  ASSERT_TRUE(fed->ok());
  Answer down = Ask(*fed);
  ASSERT_EQ(down.status, 200) << down.raw;
  ExpectPartialTotals(down.body, missing, *record_, available_, sizes_);

  node = StartNode(data().NodeConfigFor(data().site(missing), port));
  ASSERT_NE(node, nullptr);
  ASSERT_EQ(node->port(), port);
  Answer up = Ask(*fed);
  ASSERT_EQ(up.status, 200) << up.raw;
  EXPECT_EQ(up.body.value("partial", true), false) << up.raw;
  ASSERT_NE(SiteStatus(up.body, missing), nullptr);
  EXPECT_EQ(SiteStatus(up.body, missing)->value("status", ""), "ok");
  std::map<std::string, const TruthRecord*> all;
  std::map<std::string, size_t> sizes;
  for (const FedSite& s : data().sites()) {
    all[s.id] = truth_.by_site.at(s.id).Find(record_->contig, record_->pos, record_->ref);
    sizes[s.id] = truth_.site_ids.at(s.id).size();
  }
  ExpectRecordMatches(up.body, *record_, all, sizes, data().sites(), truth_.ids.size());
}

// "Not in the store" is a claim about every site; with a site down it cannot be known (the
// variant may be one that only the missing site holds). The answer must say the site is missing
// (a partial answer, or 503), not 404.
TEST_F(FederationPartialTest, UnknownVariantWithASiteDownIsNotReportedAsAbsent) {
  const std::string missing = "ncgm";
  const int closed = FreeLoopbackPort();
  FederationOptions o;
  o.shared_nodes = SharedNodesExcept(missing);
  o.url_overrides[missing] = "http://127.0.0.1:" + std::to_string(closed);
  auto fed = Fresh(o);
  ASSERT_TRUE(fed->ok());
  const std::string absent = AllTruth().records[0].contig + ":1:A:G";
  for (const std::string& path : {std::string("/v1/freq"), std::string("/v1/strata")}) {
    SCOPED_TRACE(path);
    Answer a = fed->Post(path, json{{"variant", absent}}, kControlledKey);
    EXPECT_NE(a.status, 404) << "a site was down, yet: " << a.raw;
    if (a.status == 200) {
      EXPECT_EQ(a.body.value("partial", false), true) << a.raw;
      ASSERT_NE(SiteStatus(a.body, missing), nullptr) << a.raw;
      EXPECT_EQ(SiteStatus(a.body, missing)->value("status", ""), "unavailable");
    } else if (a.status != 404) {
      EXPECT_EQ(a.status, 503) << a.raw;
    }
  }
  // With every site up the same variant is a plain 404.
  EXPECT_EQ(shared().Post("/v1/freq", json{{"variant", absent}}, kControlledKey).status, 404);
}

// A node asked to stop (SIGTERM: `renkei node` calls NodeServer::Stop) should stop promptly
// even while the hub, which pools keep-alive connections to it, is running. httplib's idle
// keep-alive wait does not see stop(), so Serve() returns when the idle connection times out:
// ConfigureServer keeps that short (2 s).
TEST_F(FederationPartialTest, NodeStopsPromptlyWhileTheHubHoldsAConnection) {
  const std::string site = "ncgm";
  ASSERT_NO_FATAL_FAILURE(SetUpTruth(site));
  const int port = FreeLoopbackPort();
  auto node = StartNode(data().NodeConfigFor(data().site(site), port));
  ASSERT_NE(node, nullptr);
  FederationOptions o;
  o.shared_nodes = SharedNodesExcept(site);
  o.shared_nodes[site] = port;
  auto fed = Fresh(o);
  ASSERT_TRUE(fed->ok());
  ASSERT_EQ(Ask(*fed).status, 200);  // the hub now holds an idle connection to the node
  const auto start = std::chrono::steady_clock::now();
  node.reset();  // Stop() and join Serve()
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(ms, 3000) << "the node took " << ms << " ms to stop";
}

// ---- 5. Signatures at the node ---------------------------------------------------------

TEST_F(FederationTest, NodeAnswersOnlyFreshRequestsSignedByItsHubForIt) {
  const FedSite& site = data().sites()[0];
  const int port = shared().node_port(site.id);
  Result<RequestSigner> signer = RequestSigner::Create(data().keys().secret_key);
  ASSERT_TRUE(signer.ok());
  const std::string path = "/v1/count";
  const std::string body = R"({"cohort": "sex=male"})";
  auto sign = [&](const std::string& audience, const std::string& signed_body,
                  const std::string& caller,
                  std::chrono::system_clock::time_point now = std::chrono::system_clock::now()) {
    const SignatureHeaders h = signer->Sign(audience, {"POST", path, signed_body, caller}, now);
    return httplib::Headers(h.begin(), h.end());
  };
  auto post = [&](const std::string& sent_body, const httplib::Headers& headers) {
    return Call(port, "POST", path, sent_body, "", headers);
  };

  // Valid: answered, with the exact count for a controlled caller.
  const httplib::Headers valid = sign(site.id, body, "controlled:sig-test");
  Answer ok = post(body, valid);
  ASSERT_EQ(ok.status, 200) << ok.raw;
  ASSERT_EQ(ok.body["cells"].size(), 1u) << ok.raw;
  EXPECT_EQ(Num(ok.body["cells"][0], "cohort_size"),
            static_cast<int64_t>(AwkIds({site.samples_tsv}, "$4 == \"male\"").size()));

  ExpectError(post(body, valid), 401, "Unauthenticated", {"replayed"}, "replayed headers");
  ExpectError(post(body, {}), 401, "Unauthenticated", {"missing signature headers"}, "unsigned");
  ExpectError(post(body, sign(data().sites()[1].id, body, "controlled:sig-test")), 401,
              "Unauthenticated", {"bad signature"}, "signed for another site");
  ExpectError(post(R"({"cohort": "sex=female"})", sign(site.id, body, "controlled:sig-test")), 401,
              "Unauthenticated", {"bad signature"}, "body changed after signing");
  httplib::Headers forged = sign(site.id, body, "registered:sig-test");
  forged.erase("X-Renkei-Caller");
  forged.emplace("X-Renkei-Caller", "controlled:sig-test");
  ExpectError(post(body, forged), 401, "Unauthenticated", {"bad signature"}, "caller raised");
  ExpectError(post(body, sign(site.id, body, "controlled:sig-test",
                              std::chrono::system_clock::now() - std::chrono::minutes(10))),
              401, "Unauthenticated", {"expired"}, "old timestamp");
  const crypto::Ed25519KeyPair other = crypto::GenerateEd25519KeyPair();
  Result<RequestSigner> stranger = RequestSigner::Create(other.secret_key);
  ASSERT_TRUE(stranger.ok());
  const SignatureHeaders sh = stranger->Sign(site.id, {"POST", path, body, "controlled:sig-test"},
                                             std::chrono::system_clock::now());
  ExpectError(post(body, httplib::Headers(sh.begin(), sh.end())), 401, "Unauthenticated",
              {"bad signature"}, "another hub's key");

  // A fresh signature is answered again (the refusals did not poison anything), GET included.
  EXPECT_EQ(post(body, sign(site.id, body, "controlled:sig-test")).status, 200);
  const SignatureHeaders g = signer->Sign(site.id, {"GET", "/v1/catalog", "", "public:sig-test"},
                                          std::chrono::system_clock::now());
  Answer catalog = Call(port, "GET", "/v1/catalog", "", "", httplib::Headers(g.begin(), g.end()));
  EXPECT_EQ(catalog.status, 200) << catalog.raw;
  EXPECT_EQ(Call(port, "GET", "/v1/catalog").status, 401);
}

// ---- 6. Bad input at the hub -----------------------------------------------------------

TEST_F(FederationTest, BadInputGetsAnErrorThatSaysWhatToChange) {
  const TruthRecord* r = InterestingRecords(AllTruth())[0];
  const std::string variant = VariantText(*r);
  struct Case {
    std::string what, path, body, key;
    int status;
    std::string code;
    std::vector<std::string> message;
  };
  const std::string big(kMaxRequestBytes + 1024, ' ');
  const std::vector<Case> cases = {
      {"malformed JSON",
       "/v1/freq",
       R"({"cohort": "sex=male", )",
       kControlledKey,
       400,
       "InvalidArgument",
       {"not valid JSON", "send a JSON object"}},
      {"body not an object",
       "/v1/search",
       R"(["sex=male"])",
       kControlledKey,
       400,
       "InvalidArgument",
       {"must be a JSON object"}},
      {"unknown field",
       "/v1/freq",
       json{{"cohort", "sex=male"}, {"variant", variant}, {"colour", "red"}}.dump(),
       kControlledKey,
       400,
       "InvalidArgument",
       {"unknown field 'colour'", "cohort, variant, region"}},
      {"unknown cohort attribute",
       "/v1/search",
       json{{"cohort", "sex=male & agee=60-69"}}.dump(),
       kControlledKey,
       400,
       "InvalidArgument",
       {"agee", "column 12", "expected one of"}},
      {"cohort not a string",
       "/v1/search",
       json{{"cohort", 60}}.dump(),
       kControlledKey,
       400,
       "InvalidArgument",
       {"'cohort' must be a string"}},
      {"variant not a string",
       "/v1/freq",
       json{{"variant", 12345}}.dump(),
       kControlledKey,
       400,
       "InvalidArgument",
       {"must be strings"}},
      {"malformed variant",
       "/v1/freq",
       json{{"variant", "chr1:abc:A:G"}}.dump(),
       kControlledKey,
       400,
       "InvalidArgument",
       {"chr1:abc:A:G"}},
      {"oversized body",
       "/v1/search",
       "{\"cohort\": \"all\"" + big + "}",
       kControlledKey,
       413,
       "InvalidArgument",
       {"larger than"}},
      {"unknown variant",
       "/v1/freq",
       json{{"variant", r->contig + ":1:A:G"}}.dump(),
       kControlledKey,
       404,
       "NotFound",
       {r->contig + ":1:A:G"}},
      {"unknown contig",
       "/v1/freq",
       json{{"variant", "chrZZ:100:A:G"}}.dump(),
       kControlledKey,
       404,
       "NotFound",
       {"chrZZ", "chr1"}},
      {"region too large for the tier",
       "/v1/freq",
       json{{"cohort", "sex=male"}, {"region", "chr1:1-5000001"}}.dump(),
       kRegisteredKey,
       400,
       "InvalidArgument",
       {"registered tier", "at most 5,000,000 bp"}},
      {"variant and region",
       "/v1/freq",
       json{{"variant", variant}, {"region", "chr1:1-1000"}}.dump(),
       kControlledKey,
       400,
       "InvalidArgument",
       {"exactly one of 'variant'"}},
      {"neither variant nor region",
       "/v1/freq",
       json{{"cohort", "sex=male"}}.dump(),
       kControlledKey,
       400,
       "InvalidArgument",
       {"exactly one of 'variant'"}},
      {"unknown API key",
       "/v1/search",
       json{{"cohort", "sex=male"}}.dump(),
       "not-a-key",
       401,
       "Unauthenticated",
       {"unknown API key"}},
      {"unknown path",
       "/v1/frequencies",
       json{{"variant", variant}}.dump(),
       kControlledKey,
       404,
       "NotFound",
       {"no such endpoint", "/v1/frequencies"}},
  };
  for (const Case& c : cases) {
    ExpectError(Call(shared().hub_port(), "POST", c.path, c.body, c.key), c.status, c.code,
                c.message, c.what);
    // Still answering.
    EXPECT_EQ(shared().Get("/v1/health").status, 200) << "after " << c.what;
  }
  Answer get_unknown = shared().Get("/v2/health");
  ExpectError(get_unknown, 404, "NotFound", {"no such endpoint"}, "GET unknown path");
  Answer fine = shared().Post("/v1/freq", FreqBody(kCohort, "variant", variant), kControlledKey);
  EXPECT_EQ(fine.status, 200) << fine.raw;
  // The key may also come as a bearer token.
  Answer bearer =
      Call(shared().hub_port(), "POST", "/v1/search", json{{"cohort", "sex=male"}}.dump(), "",
           {{"Authorization", std::string("Bearer ") + kControlledKey}});
  EXPECT_EQ(bearer.status, 200) << bearer.raw;
  EXPECT_EQ(bearer.body.value("tier", ""), "controlled");
}

// ---- 7. Query log ----------------------------------------------------------------------

std::vector<json> ReadJsonLines(const std::string& path) {
  std::vector<json> out;
  std::istringstream in(ReadFile(path));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    json entry = json::parse(line, nullptr, false);
    EXPECT_FALSE(entry.is_discarded()) << "not JSON: " << line;
    out.push_back(std::move(entry));
  }
  return out;
}

TEST_F(FederationTest, QueryLogHasOneEntryPerQuery) {
  const std::string log = data().dir() / "queries.jsonl";
  const std::string database = data().dir() / "hub-query-log.db";
  std::filesystem::remove(database);
  FederationOptions o;
  o.query_log = log;
  o.database = database;
  auto fed = Fresh(o);
  ASSERT_TRUE(fed->ok());
  const std::string variant = VariantText(*InterestingRecords(AllTruth())[0]);
  struct Query {
    std::string path;
    json body;
    std::string key;
    int status;
    // Expected entry.
    std::string caller, tier, kind, outcome;
  };
  const std::vector<Query> queries = {
      {"/v1/freq", FreqBody(kCohort, "variant", variant), kControlledKey, 200, kControlledCaller,
       "controlled", "freq", "answered"},
      {"/v1/search", json{{"cohort", "sex=male"}}, kRegisteredKey, 200, kRegisteredCaller,
       "registered", "search", "answered"},
      {"/v1/search", json{{"cohort", "sex=male"}}, "", 403, "anonymous", "public", "search",
       "refused"},
      {"/v1/freq", FreqBody("sample=TMM000001", "variant", variant), kRegisteredKey, 403,
       kRegisteredCaller, "registered", "freq", "refused"},
      {"/v1/freq", FreqBody("", "region", "chr1:1-100000000"), kControlledKey, 200,
       kControlledCaller, "controlled", "freq", "answered"},
      {"/v1/freq", FreqBody("sex=male", "region", "chr1:1-100000000"), kRegisteredKey, 400,
       kRegisteredCaller, "registered", "freq", "refused"},
      {"/v1/strata", json{{"variant", variant}}, "", 200, "anonymous", "public", "strata",
       "answered"},
  };
  for (const Query& q : queries) {
    Answer a = fed->Post(q.path, q.body, q.key);
    EXPECT_EQ(a.status, q.status) << q.body.dump() << ": " << a.raw;
  }
  fed.reset();  // flushes and closes the log
  const std::vector<json> entries = ReadJsonLines(log);
  ASSERT_EQ(entries.size(), queries.size()) << ReadFile(log);
  for (size_t i = 0; i < queries.size(); ++i) {
    const Query& q = queries[i];
    const json& e = entries[i];
    SCOPED_TRACE(e.dump());
    EXPECT_EQ(e.value("caller", ""), q.caller);
    EXPECT_EQ(e.value("tier", ""), q.tier);
    EXPECT_EQ(e.value("kind", ""), q.kind);
    EXPECT_EQ(e.value("outcome", ""), q.outcome);
    EXPECT_FALSE(e.value("time", "").empty());
    for (const char* key : {"cohort", "variant", "region"}) {
      if (q.body.contains(key)) {
        EXPECT_EQ(e.value(key, json()), q.body[key]) << key;
      } else {
        EXPECT_FALSE(e.contains(key)) << key;
      }
    }
    if (q.outcome == "refused") {
      EXPECT_FALSE(e.value("message", "").empty());
    }
  }
  // The same queries, in the same order, in the hash-chained audit log, which verifies.
  auto db = db::Database::Open(database);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  auto verified = audit::Verify(**db, data().keys().public_key);
  ASSERT_TRUE(verified.ok()) << verified.status().ToString();
  EXPECT_TRUE(verified->ok) << verified->problem;
  // Besides the queries, the log holds the visas issued for the controlled key's queries.
  EXPECT_GE(verified->entries, static_cast<int64_t>(queries.size()));
  audit::Query all;
  all.action_prefix = "query.";
  all.limit = 1000;
  auto audited = audit::List(**db, all);
  ASSERT_TRUE(audited.ok());
  ASSERT_EQ(audited->size(), queries.size());
  for (size_t i = 0; i < queries.size(); ++i) {
    const Query& q = queries[i];
    const audit::Entry& e = (*audited)[queries.size() - 1 - i];  // newest first
    SCOPED_TRACE(e.detail_text);
    EXPECT_EQ(e.event.actor, q.caller);
    EXPECT_EQ(e.event.action, "query." + q.kind);
    EXPECT_EQ(e.event.outcome, q.outcome == "answered" ? "ok" : "denied");
    EXPECT_EQ(e.event.detail.value("tier", ""), q.tier);
  }
}

// ---- Connections ----------------------------------------------------------------------

// Repeated queries reuse the hub's keep-alive connections to the nodes (and a client's to the
// hub). Each request and answer is written in two parts (headers, body); without TCP_NODELAY the
// second part waits for the peer's delayed ACK, about 40 ms per direction on Linux, so every
// query after a connection's first costs ~85 ms more than the counting does. The bound below is
// several times what the work takes in an ASan build, and half of one stall.
TEST_F(FederationTest, RepeatedQueriesDoNotStallOnDelayedAcks) {
  const std::string variant = VariantText(*InterestingRecords(AllTruth())[0]);
  const std::string body = FreqBody("sex=male", "variant", variant).dump();
  httplib::Client client("127.0.0.1", shared().hub_port());
  client.set_keep_alive(true);
  client.set_tcp_nodelay(true);  // as any latency-minded client would
  httplib::Headers headers = {{"X-API-Key", kControlledKey}};
  std::vector<double> site_ms, total_ms;
  for (int i = 0; i < 6; ++i) {
    const auto start = std::chrono::steady_clock::now();
    httplib::Result res = client.Post("/v1/freq", headers, body, "application/json");
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    ASSERT_TRUE(res) << httplib::to_string(res.error());
    ASSERT_EQ(res->status, 200) << res->body;
    const json answer = json::parse(res->body);
    double slowest = 0;
    for (const json& s : answer.at("sites")) {
      slowest = std::max(slowest, s.value("elapsed_ms", 0.0));
    }
    if (i == 0) continue;  // fresh connections
    site_ms.push_back(slowest);
    total_ms.push_back(ms);
  }
  std::sort(site_ms.begin(), site_ms.end());
  std::sort(total_ms.begin(), total_ms.end());
  EXPECT_LT(site_ms[site_ms.size() / 2], 40)
      << "median hub→node call on a reused connection (ms); fix: set_tcp_nodelay(true) on the "
         "site clients and the servers";
  EXPECT_LT(total_ms[total_ms.size() / 2], 40) << "median query on a reused connection (ms)";
}

// ---- 8. The demo -----------------------------------------------------------------------

TEST(FederationDemo, RunsChecksItsExamplesAndLeavesNoProcessBehind) {
  TempDir dir;
  const int port = FreeLoopbackPort();
  ASSERT_GT(port, 0);
  const std::string demo_dir = dir / "demo";
  const CommandResult r =
      Shell("timeout 120 " + Renkei() + " demo --scale 0.02 --variants 500 --dir " + demo_dir +
                " --port " + std::to_string(port) + " --exit-after-check",
            true);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("curl -s"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("/v1/freq"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("X-API-Key"), std::string::npos) << r.output;
  // One account per role, the sign-in example checked like the others.
  for (const char* account :
       {"researcher@demo.renkei.jp", "secretariat@demo.renkei.jp", "reviewer1@demo.renkei.jp",
        "tohoku-admin@demo.renkei.jp", "admin@demo.renkei.jp"}) {
    EXPECT_NE(r.output.find(account), std::string::npos) << account;
  }
  EXPECT_NE(r.output.find("/v1/auth/sign-in"), std::string::npos) << r.output;
  // Every example query is in the audit log, whose chain and signed head verify; an edited
  // entry is found.
  const std::string hub_config = demo_dir + "/config/hub.json";
  const CommandResult list = Shell(Renkei() + " admin audit list --config " + hub_config, true);
  EXPECT_EQ(list.exit_code, 0) << list.output;
  EXPECT_NE(list.output.find("query.freq"), std::string::npos) << list.output;
  CommandResult verify = Shell(Renkei() + " admin audit verify --config " + hub_config, true);
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  EXPECT_NE(verify.output.find("audit log intact"), std::string::npos) << verify.output;
  {
    auto db = db::Database::Open(demo_dir + "/hub.db");
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->Exec("UPDATE audit_log SET outcome = 'denied' WHERE seq = 1").ok());
  }
  verify = Shell(Renkei() + " admin audit verify --config " + hub_config, true);
  EXPECT_NE(verify.exit_code, 0) << verify.output;
  EXPECT_NE(verify.output.find("damaged at entry 1"), std::string::npos) << verify.output;
  // "[/]" keeps the pattern from matching the shell that runs pgrep.
  const CommandResult left = Shell("pgrep -af '[/]" + demo_dir.substr(1) + "'");
  EXPECT_NE(left.exit_code, 0) << "processes left running: " << left.output;
  // Stop what was left, by process id.
  std::istringstream pids(left.output);
  std::string line;
  while (left.exit_code == 0 && std::getline(pids, line)) {
    const pid_t pid = static_cast<pid_t>(std::atoll(line.c_str()));
    if (pid > 1) kill(pid, SIGTERM);
  }
}

}  // namespace
}  // namespace renkei::testing

// ---- 9. The documented API and Beacon v2, live ----------------------------------------------

namespace renkei::testing {
namespace {

TEST_F(FederationTest, LiveAnswersMatchTheOpenApiSchemas) {
  const json doc = OpenApi();
  const TruthRecord& r = *InterestingRecords(AllTruth())[0];
  struct Case {
    const char* schema;
    Answer answer;
  };
  const std::vector<Case> cases = {
      {"Health", shared().Get("/v1/health")},
      {"Sites", shared().Get("/v1/sites")},
      {"Catalog", shared().Get("/v1/catalog")},
      {"Search", shared().Post("/v1/search", json{{"cohort", kCohort}}, kControlledKey)},
      {"Freq",
       shared().Post("/v1/freq", FreqBody(kCohort, "variant", VariantText(r)), kControlledKey)},
      {"Strata", shared().Post("/v1/strata", json{{"variant", VariantText(r)}}, "")},
      {"Error", shared().Post("/v1/freq", json{{"cohort", "agee=1"}, {"variant", "chr1:1:A"}},
                              kControlledKey)},
      {"Error", shared().Get("/v1/nothing-here")},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.schema);
    ASSERT_TRUE(c.answer.body.is_object()) << c.answer.raw;
    EXPECT_EQ(Validate(doc, c.schema, c.answer.body), "") << c.answer.raw.substr(0, 300);
  }
}

TEST_F(FederationTest, BeaconVariantFrequenciesAreTheHubsOwn) {
  const TruthRecord& r = *InterestingRecords(AllTruth())[0];
  // Beacon positions are 0-based; the record is at 1-based r.pos.
  const std::string path = "/api/g_variants?referenceName=" + r.contig +
                           "&start=" + std::to_string(r.pos - 1) + "&end=" + std::to_string(r.pos);
  Answer beacon = Call(shared().hub_port(), "GET", path, "", kControlledKey);
  ASSERT_EQ(beacon.status, 200) << beacon.raw;
  Answer freq = shared().Post("/v1/freq", FreqBody("", "variant", VariantText(r)), kControlledKey);
  ASSERT_EQ(freq.status, 200) << freq.raw;
  int compared = 0;
  for (const json& set : beacon.body.at("response").at("resultSets")) {
    for (const json& rec : set.value("results", json::array())) {
      const std::string alt = rec.at("variation").value("alternateBases", "");
      json* row = FindRow(freq.body, r, alt);
      ASSERT_NE(row, nullptr) << alt;
      for (const json& f : rec.at("frequencyInPopulations")[0].at("frequencies")) {
        if (f["population"] != "ALL") continue;
        const json& total = (*row)["total"];
        EXPECT_EQ(f["alleleCount"], total["alts"][0]["ac"]);
        EXPECT_EQ(f["alleleNumber"], total["an"]);
        EXPECT_EQ(f["alleleCountHomozygous"].get<int64_t>() * 2,
                  total["alts"][0]["ac_hom"].get<int64_t>());
        ++compared;
      }
    }
  }
  EXPECT_EQ(compared, static_cast<int>(r.alts.size())) << beacon.raw.substr(0, 500);
  // Individuals: public gets a boolean for a preset stratum; registered gets the count.
  Answer pub = Call(shared().hub_port(), "GET", "/api/individuals?filters=sex:female", "", "");
  ASSERT_EQ(pub.status, 200) << pub.raw;
  EXPECT_TRUE(pub.body.at("responseSummary").at("exists").get<bool>());
  EXPECT_FALSE(pub.body.at("responseSummary").contains("numTotalResults"));
  Answer reg =
      Call(shared().hub_port(), "GET", "/api/individuals?filters=sex:female", "", kControlledKey);
  ASSERT_EQ(reg.status, 200) << reg.raw;
  const auto females = AwkIds(AllSamplesFiles(), "$4 == \"female\"").size();
  EXPECT_EQ(reg.body.at("responseSummary").at("numTotalResults").get<size_t>(), females);
}

}  // namespace
}  // namespace renkei::testing
