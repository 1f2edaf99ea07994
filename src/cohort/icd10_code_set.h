// Icd10CodeSet: the set of ICD-10 codes a query term denotes (a code, a range, a block, a
// chapter, a disease group or the codes a disease name maps to), as category ranges plus exact
// four-character codes.
//
// Matching semantics: a three-character term F00 matches F00 and every F00.x; a four-character
// term F00.1 matches F00.1 only; a range F00-F03 (and so a block or chapter) matches every code
// whose category lies in the range. Matches() is a bit test plus, for four-character terms, a
// short binary search. Values: copy freely; const methods are thread-safe.
#pragma once

#include <bitset>
#include <span>
#include <string>
#include <vector>

#include "cohort/icd10_code.h"

namespace renkei {

class Icd10CodeSet {
 public:
  // The empty set.
  Icd10CodeSet() = default;

  // Adds a code: a three-character code adds its whole category, a four-character one itself.
  void Add(Icd10Code code);
  // Adds every category in the inclusive range.
  void AddRange(Icd10CategoryRange range);
  // Adds every code of another set (union).
  void Add(const Icd10CodeSet& other);

  // Returns whether the code is in the set (see the file comment for the semantics).
  bool Matches(Icd10Code code) const;
  // Returns whether any of the codes is in the set.
  bool MatchesAny(std::span<const Icd10Code> codes) const;

  bool empty() const { return categories_.none() && codes_.empty(); }

  // The category ranges (merged, ordered) and the four-character codes not covered by them
  // (ordered): the canonical content of the set.
  std::vector<Icd10CategoryRange> Ranges() const;
  const std::vector<Icd10Code>& Codes() const { return codes_; }

  // Canonical text: ranges and codes in order, comma-separated, e.g. "F00-F03,G30-G31,I10.0";
  // "" for the empty set.
  std::string ToString() const;

  bool operator==(const Icd10CodeSet& other) const {
    return categories_ == other.categories_ && codes_ == other.codes_;
  }

 private:
  std::bitset<kIcd10CategoryCount> categories_;  // whole categories in the set
  std::vector<Icd10Code> codes_;                 // sorted 4-char codes outside categories_
};

}  // namespace renkei
