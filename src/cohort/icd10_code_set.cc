#include "cohort/icd10_code_set.h"

#include <algorithm>

namespace renkei {

void Icd10CodeSet::Add(Icd10Code code) {
  if (!code.has_subcategory()) {
    AddRange({code.category(), code.category()});
    return;
  }
  if (categories_.test(code.category())) return;
  auto it = std::lower_bound(codes_.begin(), codes_.end(), code);
  if (it == codes_.end() || *it != code) codes_.insert(it, code);
}

void Icd10CodeSet::AddRange(Icd10CategoryRange range) {
  for (size_t c = range.first; c <= range.last && c < kIcd10CategoryCount; ++c) {
    categories_.set(c);
  }
  // Four-character codes now covered by a whole category are redundant.
  std::erase_if(codes_, [&](Icd10Code code) { return categories_.test(code.category()); });
}

void Icd10CodeSet::Add(const Icd10CodeSet& other) {
  categories_ |= other.categories_;
  std::vector<Icd10Code> merged;
  merged.reserve(codes_.size() + other.codes_.size());
  std::set_union(codes_.begin(), codes_.end(), other.codes_.begin(), other.codes_.end(),
                 std::back_inserter(merged));
  std::erase_if(merged, [&](Icd10Code code) { return categories_.test(code.category()); });
  codes_ = std::move(merged);
}

bool Icd10CodeSet::Matches(Icd10Code code) const {
  if (code.category() >= kIcd10CategoryCount) return false;
  if (categories_.test(code.category())) return true;
  if (!code.has_subcategory() || codes_.empty()) return false;
  return std::binary_search(codes_.begin(), codes_.end(), code);
}

bool Icd10CodeSet::MatchesAny(std::span<const Icd10Code> codes) const {
  for (Icd10Code code : codes) {
    if (Matches(code)) return true;
  }
  return false;
}

std::vector<Icd10CategoryRange> Icd10CodeSet::Ranges() const {
  std::vector<Icd10CategoryRange> out;
  for (size_t c = 0; c < kIcd10CategoryCount; ++c) {
    if (!categories_.test(c)) continue;
    size_t end = c;
    while (end + 1 < kIcd10CategoryCount && categories_.test(end + 1)) ++end;
    out.push_back({static_cast<uint16_t>(c), static_cast<uint16_t>(end)});
    c = end;
  }
  return out;
}

std::string Icd10CodeSet::ToString() const {
  // Interleave ranges and codes in category order.
  std::string out;
  std::vector<Icd10CategoryRange> ranges = Ranges();
  size_t ri = 0, ci = 0;
  while (ri < ranges.size() || ci < codes_.size()) {
    if (!out.empty()) out += ',';
    if (ci >= codes_.size() || (ri < ranges.size() && ranges[ri].first < codes_[ci].category())) {
      out += Icd10RangeName(ranges[ri++]);
    } else {
      out += codes_[ci++].ToString();
    }
  }
  return out;
}

}  // namespace renkei
