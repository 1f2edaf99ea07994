// Simulated sample metadata: the four basic clinical attributes of every sample.
//
// Distributions are modelled on the three biobanks of the AMED platform (ages skewed older,
// residence weighted towards each biobank's home region, ICD-10 codes at age- and sex-dependent
// prevalences of common diseases); they are plausible, not statistics of any real cohort.
// Samples are the cohort layer's values (cohort/samples.h), so samples.tsv is written by
// SampleTable::WriteTsv and reads back unchanged. Pure functions of their arguments;
// thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "cohort/icd10_code.h"
#include "cohort/samples.h"
#include "common/status.h"

namespace renkei {

// Every ICD-10 code the simulator can assign, all known to the catalogue (for validation by
// tests and callers). Points to static storage.
std::span<const Icd10Code> SimIcd10Codes();

// Generates `count` samples of `biobank` from `seed`: ids "<BIOBANK><6+ digit serial>" (e.g.
// TMM000001), in serial order from `first_serial` (a biobank split over several sites is
// simulated in parts with consecutive serial ranges and different seeds). Known biobanks (TMM, BBJ,
// NCBN) have their own age, sex, region and disease profiles; any other id gets nationwide
// defaults. The same arguments always give the same samples. Errors: InvalidArgument if biobank is
// empty or contains a tab or newline.
Result<SampleTable> SimulateSamples(std::string_view biobank, uint32_t count, uint64_t seed,
                                    uint32_t first_serial = 1);

}  // namespace renkei
