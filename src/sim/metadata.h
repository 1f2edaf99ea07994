// Simulated sample metadata: the four basic clinical attributes of every sample.
//
// Distributions are modelled on the three biobanks of the AMED platform (ages skewed older,
// residence weighted towards each biobank's home region, ICD-10 codes at age- and sex-dependent
// prevalences of common diseases); they are plausible, not statistics of any real cohort.
// Pure functions of their arguments; thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace renkei {

enum class SimSex { kMale, kFemale, kUnknown };

// "male", "female" or "unknown" (the vocabulary of samples.tsv).
std::string_view SimSexName(SimSex sex);

struct SimSample {
  std::string sample_id;  // "<BIOBANK><6+ digit serial>", e.g. TMM000001
  std::string biobank;    // the site option, e.g. TMM
  std::string age_band;   // "0-9" … "80-89", "90+"
  SimSex sex = SimSex::kUnknown;
  std::string prefecture;          // JIS X 0401 code "01" … "47"
  std::vector<std::string> icd10;  // WHO ICD-10 codes, e.g. {"I10", "E11.9"}; may be empty
};

// The ten age bands in order.
std::span<const std::string_view> SimAgeBands();

// Every ICD-10 code the simulator can assign (for validation by tests and callers).
std::vector<std::string> SimIcd10Codes();

// Generates `count` samples of `biobank` from `seed`. Known biobanks (TMM, BBJ, NCBN) have their
// own age, sex, region and disease profiles; any other id gets nationwide defaults. The same
// arguments always give the same samples.
std::vector<SimSample> SimulateSamples(std::string_view biobank, uint32_t count, uint64_t seed);

// The header line of samples.tsv, without newline:
// "sample_id\tbiobank\tage_band\tsex\tprefecture\ticd10".
std::string_view SamplesTsvHeader();

// Writes samples.tsv (header + one line per sample; icd10 comma-separated, empty when none) to
// `path`, replacing it. Errors: NotFound/PermissionDenied/Internal when the file cannot be
// written.
Status WriteSamplesTsv(const std::string& path, std::span<const SimSample> samples);

}  // namespace renkei
