#include "cohort/strata_def.h"

#include <algorithm>
#include <functional>

#include "cohort/disease_terms.h"
#include "cohort/icd10_catalog.h"
#include "cohort/sample_mask.h"
#include "cohort/vocab.h"

namespace renkei {
namespace {

SampleMask Select(const SampleTable& table, const std::function<bool(const Sample&)>& keep) {
  SampleMask mask = EmptyMask(table.size());
  for (size_t i = 0; i < table.size(); ++i) {
    if (keep(table[i])) SetBit(mask, i);
  }
  return mask;
}

}  // namespace

std::vector<StratumDef> PresetStrata(const SampleTable& table) {
  std::vector<StratumDef> out;
  for (int b = 0; b < kAgeBandCount; ++b) out.push_back({"age", std::string(AgeBandName(b))});
  for (int s = 0; s < kSexCount; ++s) {
    out.push_back({"sex", std::string(SexName(static_cast<Sex>(s)))});
  }
  for (int r = 0; r < kRegionCount; ++r) {
    out.push_back({"region", std::string(RegionName(static_cast<Region>(r)))});
  }
  for (const Icd10Chapter& c : Icd10Catalog::Get().chapters()) {
    out.push_back({"icd10_chapter", std::string(c.numeral)});
  }
  for (const DiseaseGroup& g : DiseaseGroups()) out.push_back({"disease", std::string(g.key)});
  std::vector<std::string> biobanks;
  for (const Sample& s : table.samples()) biobanks.push_back(s.biobank);
  std::sort(biobanks.begin(), biobanks.end());
  biobanks.erase(std::unique(biobanks.begin(), biobanks.end()), biobanks.end());
  for (std::string& b : biobanks) out.push_back({"biobank", std::move(b)});
  return out;
}

std::vector<uint64_t> StratumMask(const StratumDef& stratum, const SampleTable& table) {
  const std::string& a = stratum.attribute;
  const std::string& v = stratum.value;
  if (a == "age") {
    Result<int> band = ParseAgeBand(v);
    if (!band.ok()) return EmptyMask(table.size());
    return Select(table, [&](const Sample& s) { return s.age_band == *band; });
  }
  if (a == "sex") {
    Result<Sex> sex = ParseSex(v);
    if (!sex.ok()) return EmptyMask(table.size());
    return Select(table, [&](const Sample& s) { return s.sex == *sex; });
  }
  if (a == "region") {
    Result<Region> region = ParseRegion(v);
    if (!region.ok()) return EmptyMask(table.size());
    return Select(table, [&](const Sample& s) { return s.region == *region; });
  }
  if (a == "icd10_chapter") {
    const Icd10Chapter* chapter = Icd10Catalog::Get().FindChapter(v);
    if (chapter == nullptr) return EmptyMask(table.size());
    Icd10CodeSet codes;
    codes.AddRange({chapter->first, chapter->last});
    return Select(table, [&](const Sample& s) { return codes.MatchesAny(s.icd10); });
  }
  if (a == "disease") {
    const DiseaseGroup* group = FindDiseaseGroup(v);
    if (group == nullptr) return EmptyMask(table.size());
    Icd10CodeSet codes = DiseaseGroupCodes(*group);
    return Select(table, [&](const Sample& s) { return codes.MatchesAny(s.icd10); });
  }
  if (a == "biobank") {
    return Select(table, [&](const Sample& s) { return s.biobank == v; });
  }
  return EmptyMask(table.size());
}

}  // namespace renkei
