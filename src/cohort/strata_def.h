// Preset strata: the attribute values for which allele frequencies are computed at ingest and
// served instantly (each age band, sex, region, ICD-10 chapter, disease group and biobank).
//
// Functions are pure and thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cohort/samples.h"

namespace renkei {

struct StratumDef {
  std::string attribute;  // "age", "sex", "region", "icd10_chapter", "disease", "biobank"
  std::string value;      // "60-69", "male", "kanto", "V", "dementia", "TMM"
  bool operator==(const StratumDef&) const = default;
};

// Returns the preset strata in this fixed order: the 10 age bands (0-9 … 90+), the 3 sexes
// (male, female, unknown), the 8 regions (hokkaido … kyushu-okinawa, JIS order), the 22 ICD-10
// chapters (I … XXII), the disease groups in DiseaseGroups() order, then the biobanks present
// in the table, sorted by byte value. All values except biobanks are listed even when no sample
// has them.
std::vector<StratumDef> PresetStrata(const SampleTable& table);

// Returns the samples of the stratum, in Cohort::Evaluate's layout (bit i = sample i;
// ceil(n / 64) words; unused high bits zero). A sample is in a chapter or disease stratum if
// any of its codes matches. Age, sex and region values are parsed as in vocab.h, chapters as
// roman numerals, diseases as group keys (or anything FindDiseaseGroup accepts); an
// unrecognised attribute or value gives the empty mask.
std::vector<uint64_t> StratumMask(const StratumDef& stratum, const SampleTable& table);

}  // namespace renkei
