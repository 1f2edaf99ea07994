// The parsed form of a Cohort expression. Internal to src/cohort/ (cohort.cc, cohort_parser.cc).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cohort/icd10_code_set.h"

namespace renkei {

enum class CohortAttribute {
  kAge,
  kSex,
  kRegion,
  kPrefecture,
  kBiobank,
  kIcd10,
  kDisease,
  kSample
};

struct CohortTerm {
  CohortAttribute attribute = CohortAttribute::kAge;
  bool negated = false;  // '!='
  // age, sex, region, prefecture: bit v set = value index v accepted (age band 0..9, Sex,
  // Region, prefecture code 1..47).
  uint64_t values = 0;
  // biobank and sample: the values in first-seen order, without duplicates.
  std::vector<std::string> strings;
  // icd10 and disease: the union of the terms' code sets, and each term's canonical spelling.
  Icd10CodeSet codes;
  std::vector<std::string> code_terms;
};

struct CohortNode {
  enum class Kind { kAll, kTerm, kNot, kAnd, kOr };
  Kind kind = Kind::kAll;
  CohortTerm term;                   // kTerm
  std::vector<CohortNode> children;  // kNot: one; kAnd, kOr: two or more
};

}  // namespace renkei
