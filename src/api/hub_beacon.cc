#include "api/hub_beacon.h"

#include <set>

#include "cohort/cohort.h"
#include "federation/guarded_json.h"

namespace renkei {

using nlohmann::json;

namespace {

Caller ToCaller(const BeaconCaller& c) { return Caller{c.tier, c.id.empty() ? "anonymous" : c.id}; }

// Value of a breakdown entry that is a number or null.
GuardedValue CountOf(const json& v) {
  return v.is_number_unsigned() ? GuardedValue::Shown(v.get<uint64_t>()) : GuardedValue::Withheld();
}

// AC, AN and AC_Hom of a counts object ({"an", "alts": [one]}); withheld when absent.
void FillPopulation(const json& counts, BeaconAlleleRow::Population* p) {
  p->an = counts.is_object() ? CountOf(counts.value("an", json())) : GuardedValue::Withheld();
  const json alt = counts.is_object() && counts.contains("alts") && !counts["alts"].empty()
                       ? counts["alts"][0]
                       : json::object();
  p->ac = CountOf(alt.value("ac", json()));
  p->ac_hom = CountOf(alt.value("ac_hom", json()));
}

}  // namespace

Result<BeaconBackend::Count> HubBeaconBackend::CountIndividuals(const std::string& cohort,
                                                                const BeaconCaller& caller) {
  if (caller.tier != Tier::kPublic) {
    ASSIGN_OR_RETURN(const json answer, hub_->Search(ToCaller(caller), {{"cohort", cohort}}));
    return Count{CountOf(answer["cohort_size"]["total"]), answer.value("partial", false)};
  }
  ASSIGN_OR_RETURN(const Cohort parsed, Cohort::Parse(cohort));
  const std::string canonical = parsed.ToString();
  ASSIGN_OR_RETURN(const json catalog, hub_->Catalog(ToCaller(caller)));
  const bool partial = catalog.value("partial", false);
  if (canonical == "all") return Count{CountOf(catalog["samples"]["total"]), partial};
  for (const json& f : catalog["facets"]) {
    const std::string attribute = f.value("attribute", "");
    if (attribute == "icd10_chapter") continue;
    if (attribute + "=" + f.value("value", "") == canonical) {
      return Count{CountOf(f["total"]), partial};
    }
  }
  return PermissionDenied(
      "counts of individuals for combined filters need the registered tier (an API key); "
      "without one, ask for a single age band, sex, region, biobank or disease group");
}

Result<std::vector<BeaconAlleleRow>> HubBeaconBackend::Alleles(const BeaconVariantQuery& query,
                                                               const std::string& cohort,
                                                               const BeaconCaller& caller) {
  const std::string where =
      query.contig + ":" + std::to_string(query.start) + "-" + std::to_string(query.end);
  const Caller c = ToCaller(caller);
  ASSIGN_OR_RETURN(const json freq, hub_->Freq(c, {{"cohort", cohort}, {"region", where}}));
  json strata;
  const bool everyone = Cohort::Parse(cohort).ok() && Cohort::Parse(cohort)->ToString() == "all";
  if (everyone && !freq["variants"].empty()) {
    Result<json> s = hub_->Strata(c, {{"region", where}});
    if (s.ok()) strata = std::move(*s);
  }
  std::vector<BeaconAlleleRow> rows;
  for (const json& v : freq["variants"]) {
    BeaconAlleleRow row;
    row.contig = v.value("contig", "");
    row.pos = v.value("pos", 0u);
    row.ref = v.value("ref", "");
    row.alt = v.value("alt", "");
    if (!query.ref.empty() && row.ref != query.ref) continue;
    if (!query.alt.empty() && row.alt != query.alt) continue;
    BeaconAlleleRow::Population all{
        "ALL", everyone ? "all individuals" : "the cohort " + cohort, {}, {}, {}};
    FillPopulation(v["total"], &all);
    if (caller.tier == Tier::kPublic && all.ac.withheld) continue;
    row.populations.push_back(all);
    for (const auto& [biobank, counts] : v["by_biobank"].items()) {
      BeaconAlleleRow::Population p{"biobank:" + biobank, "biobank " + biobank, {}, {}, {}};
      FillPopulation(counts, &p);
      row.populations.push_back(p);
    }
    if (strata.is_object()) {
      for (const json& s : strata["variants"]) {
        if (s.value("pos", 0u) != row.pos || s.value("ref", "") != row.ref ||
            s.value("alt", "") != row.alt || s.value("contig", "") != row.contig) {
          continue;
        }
        for (const json& st : s["strata"]) {
          const std::string attribute = st.value("attribute", "");
          if (attribute == "biobank") continue;  // already there
          const std::string value = st.value("value", "");
          BeaconAlleleRow::Population p{
              attribute + ":" + value, attribute + " " + value, {}, {}, {}};
          FillPopulation(st["total"], &p);
          row.populations.push_back(p);
        }
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<std::string> HubBeaconBackend::Biobanks() {
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!biobanks_.empty() && now - biobanks_time_ < std::chrono::minutes(1)) return biobanks_;
  }
  std::set<std::string> out;
  Result<json> catalog = hub_->Catalog(Caller{});
  if (catalog.ok()) {
    for (const json& d : (*catalog)["datasets"]) {
      for (const json& b : d.value("biobanks", json::array())) {
        if (b.is_string()) out.insert(b.get<std::string>());
      }
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  biobanks_.assign(out.begin(), out.end());
  biobanks_time_ = now;
  return biobanks_;
}

}  // namespace renkei
