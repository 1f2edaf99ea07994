#include "sim/metadata.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <string>
#include <utility>
#include <vector>

#include "cohort/vocab.h"
#include "sim/random.h"

namespace renkei {
namespace {

using AgeWeights = std::array<double, kAgeBandCount>;  // per age band index

// Population of each prefecture in thousands (2020 census, rounded), index = JIS code - 1.
constexpr std::array<double, 47> kPopulation = {
    5225, 1238, 1211, 2302, 960,  1068, 1833, 2867, 1933, 1939, 7345, 6284, 14048, 9237, 2201, 1035,
    1133, 767,  810,  2048, 1979, 3633, 7542, 1770, 1414, 2578, 8838, 5465, 1324,  923,  553,  671,
    1888, 2800, 1342, 720,  950,  1335, 692,  5135, 811,  1312, 1738, 1124, 1070,  1588, 1467};

enum class Biobank { kTmm, kBbj, kNcbn, kOther };

Biobank ParseBiobank(std::string_view id) {
  if (id == "TMM") return Biobank::kTmm;
  if (id == "BBJ") return Biobank::kBbj;
  if (id == "NCBN") return Biobank::kNcbn;
  return Biobank::kOther;
}

struct Profile {
  AgeWeights age;
  double male;     // share of males among known sex
  double unknown;  // share of unknown sex
  std::array<double, 47> region;
  double disease_scale;  // BBJ and NCBN recruit patients
  double cancer_scale;
  double dementia_scale;
};

Profile MakeProfile(Biobank b) {
  Profile p{};
  p.region = kPopulation;
  p.unknown = 0.003;
  p.disease_scale = 1.0;
  p.cancer_scale = 1.0;
  p.dementia_scale = 1.0;
  switch (b) {
    case Biobank::kTmm:
      // Community and birth-and-three-generation cohorts in Miyagi and Iwate: younger, more
      // women, almost all residents of the two prefectures.
      p.age = {4, 4, 5, 10, 15, 17, 22, 16, 6, 1};
      p.male = 0.42;
      for (size_t i = 0; i < 47; ++i) p.region[i] = kPopulation[i] * 0.03 / 126000.0;
      for (size_t code : {2u, 5u, 6u, 7u})
        p.region[code - 1] += kPopulation[code - 1] * 0.05 / 5099.0;
      p.region[4 - 1] += 0.60;  // Miyagi
      p.region[3 - 1] += 0.32;  // Iwate
      break;
    case Biobank::kBbj:
      // Hospital patients nationwide with one of 47 target diseases: older, more men.
      p.age = {0.2, 0.5, 1.5, 3, 8, 15, 28, 28, 13, 2.8};
      p.male = 0.54;
      p.disease_scale = 1.4;
      p.cancer_scale = 1.5;
      break;
    case Biobank::kNcbn:
      // Patients of the six national centres, most of them in Tokyo and around it.
      p.age = {1, 1.5, 3, 5, 10, 16, 24, 24, 12, 3.5};
      p.male = 0.50;
      for (size_t code = 8; code <= 14; ++code) p.region[code - 1] *= 3.0;
      p.disease_scale = 1.2;
      p.cancer_scale = 2.0;
      p.dementia_scale = 1.8;
      break;
    case Biobank::kOther:
      p.age = {0.5, 1, 3, 5, 11, 16, 24, 24, 12, 3.5};
      p.male = 0.49;
      break;
  }
  return p;
}

enum class Kind { kGeneral, kCancer, kDementia };

struct Condition {
  AgeWeights prevalence;  // per age band
  double male;            // sex multipliers
  double female;
  Kind kind;
  std::array<std::string_view, 5> codes;  // empty entries unused
  std::array<double, 5> code_weights;
};

// Common conditions with rough Japanese prevalences by age; codes are WHO ICD-10 (checked against
// the WHO table by metadata_test).
constexpr std::array<Condition, 19> kConditions = {{
    {{0, .001, .01, .04, .10, .20, .30, .38, .42, .42}, 1.15, .88, Kind::kGeneral, {"I10"}, {1}},
    {{0, .001, .004, .015, .04, .08, .12, .15, .14, .12},
     1.4,
     .65,
     Kind::kGeneral,
     {"E11.9", "E11", "E11.2", "E11.3", "E11.4"},
     {.6, .2, .1, .05, .05}},
    {{0, .002, .01, .04, .08, .15, .22, .25, .22, .18},
     .9,
     1.1,
     Kind::kGeneral,
     {"E78.5", "E78.0", "E78.1", "E78.2"},
     {.5, .3, .1, .1}},
    {{0, 0, .0005, .002, .008, .02, .045, .07, .09, .09},
     1.8,
     .5,
     Kind::kGeneral,
     {"I25.1", "I20.9", "I21.9", "I25.9"},
     {.5, .25, .15, .1}},
    {{0, 0, .0005, .002, .006, .015, .03, .055, .08, .09},
     1.3,
     .8,
     Kind::kGeneral,
     {"I63.9", "I61.9", "I69.3"},
     {.7, .2, .1}},
    {{0, 0, 0, 0, .0005, .002, .01, .05, .18, .40},
     .85,
     1.15,
     Kind::kDementia,
     {"F00.1", "G30.9", "F01.9", "F03"},
     {.3, .25, .2, .25}},
    {{0, 0, .0002, .001, .003, .008, .015, .022, .025, .02},
     2.0,
     .6,
     Kind::kCancer,
     {"C16.9"},
     {1}},
    {{0, 0, .0002, .001, .003, .008, .015, .022, .025, .02},
     1.3,
     .8,
     Kind::kCancer,
     {"C18.9", "C20"},
     {.6, .4}},
    {{0, 0, 0, .0003, .001, .003, .008, .013, .014, .01}, 1.8, .5, Kind::kCancer, {"C34.9"}, {1}},
    {{0, 0, .001, .005, .015, .02, .02, .018, .015, .01}, 0, 1, Kind::kCancer, {"C50.9"}, {1}},
    {{0, 0, 0, 0, .0005, .004, .02, .04, .05, .05}, 1, 0, Kind::kCancer, {"C61"}, {1}},
    {{0, 0, 0, .0002, .0008, .002, .004, .006, .006, .005}, 1.8, .6, Kind::kCancer, {"C22.0"}, {1}},
    {{.07, .06, .05, .045, .045, .045, .05, .055, .055, .05},
     1,
     1.05,
     Kind::kGeneral,
     {"J45.9", "J45.0"},
     {.7, .3}},
    {{0, .001, .003, .008, .02, .04, .08, .13, .2, .25},
     1.1,
     .9,
     Kind::kGeneral,
     {"N18.3", "N18.4", "N18.5", "N18.9"},
     {.6, .2, .1, .1}},
    {{.001, .015, .035, .035, .035, .03, .025, .025, .025, .02},
     .7,
     1.3,
     Kind::kGeneral,
     {"F32.9", "F33.9"},
     {.7, .3}},
    {{0, 0, 0, .001, .005, .02, .05, .10, .15, .2},
     .2,
     1.8,
     Kind::kGeneral,
     {"M81.9", "M81.0"},
     {.7, .3}},
    {{0, 0, 0, .001, .003, .01, .03, .06, .09, .1}, 1.5, .6, Kind::kGeneral, {"I48"}, {1}},
    {{0, .001, .01, .03, .05, .06, .06, .05, .04, .03}, 1.8, .2, Kind::kGeneral, {"E79.0"}, {1}},
    {{0, .002, .005, .008, .01, .012, .012, .01, .008, .006},
     1.1,
     .9,
     Kind::kGeneral,
     {"B18.1"},
     {1}},
}};

std::string SerialId(std::string_view biobank, uint32_t serial) {
  std::string digits = std::to_string(serial);
  std::string id(biobank);
  if (digits.size() < 6) id.append(6 - digits.size(), '0');
  id += digits;
  return id;
}

// The codes of kConditions as values, parsed once; the strings above stay the readable source.
struct ParsedCodes {
  std::array<std::array<Icd10Code, 5>, kConditions.size()> by_condition{};
  std::vector<Icd10Code> all;
  Status status;  // not OK if a code of kConditions is malformed (a bug)
};

ParsedCodes ParseCodes() {
  ParsedCodes out;
  for (size_t i = 0; i < kConditions.size(); ++i) {
    for (size_t j = 0; j < kConditions[i].codes.size(); ++j) {
      const std::string_view text = kConditions[i].codes[j];
      if (text.empty()) continue;
      Result<Icd10Code> code = Icd10Code::Parse(text);
      assert(code.ok() && "malformed code in kConditions");
      if (!code.ok()) {
        out.status = Internal("simulator code table: " + code.status().ToString());
        continue;
      }
      out.by_condition[i][j] = *code;
      out.all.push_back(*code);
    }
  }
  return out;
}

const ParsedCodes& Codes() {
  // One thread-safe initialisation of a function-local static.
  static const ParsedCodes codes = ParseCodes();
  return codes;
}

}  // namespace

std::span<const Icd10Code> SimIcd10Codes() { return Codes().all; }

Result<SampleTable> SimulateSamples(std::string_view biobank, uint32_t count, uint64_t seed,
                                    uint32_t first_serial) {
  const ParsedCodes& codes = Codes();
  RETURN_IF_ERROR(codes.status);
  const Profile profile = MakeProfile(ParseBiobank(biobank));
  Rng rng(MixSeed(seed, HashLabel("samples")));
  std::vector<Sample> out;
  out.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    Sample s;
    s.id = SerialId(biobank, first_serial + i);
    s.biobank = std::string(biobank);
    const size_t age = PickWeighted(rng, profile.age);
    s.age_band = static_cast<uint8_t>(age);
    if (rng.Bernoulli(profile.unknown)) {
      s.sex = Sex::kUnknown;
    } else {
      s.sex = rng.Bernoulli(profile.male) ? Sex::kMale : Sex::kFemale;
    }
    s.prefecture = static_cast<uint8_t>(PickWeighted(rng, profile.region) + 1);
    for (size_t k = 0; k < kConditions.size(); ++k) {
      const Condition& c = kConditions[k];
      double p = c.prevalence[age];
      switch (s.sex) {
        case Sex::kMale:
          p *= c.male;
          break;
        case Sex::kFemale:
          p *= c.female;
          break;
        case Sex::kUnknown:
          p *= (c.male + c.female) / 2;
          break;
      }
      p *= profile.disease_scale;
      if (c.kind == Kind::kCancer) p *= profile.cancer_scale;
      if (c.kind == Kind::kDementia) p *= profile.dementia_scale;
      // Draw unconditionally so that one condition's outcome never shifts the stream of the next.
      const double u = rng.Uniform();
      const size_t which = PickWeighted(rng, c.code_weights);
      if (u < std::min(p, 0.9)) s.icd10.push_back(codes.by_condition[k][which]);
    }
    out.push_back(std::move(s));
  }
  // Validates (every code is in the catalogue) and sorts each sample's codes.
  return SampleTable::FromSamples(std::move(out));
}

}  // namespace renkei
