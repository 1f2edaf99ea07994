#include "freq/selector.h"

#include <charconv>
#include <cstring>

namespace renkei {
namespace {

Result<int64_t> ParsePosition(std::string_view s, std::string_view whole) {
  std::string digits;
  for (char c : s) {
    if (c == ',' || c == '_') continue;
    digits += c;
  }
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (digits.empty() || ec != std::errc() || ptr != digits.data() + digits.size() || v < 1) {
    return InvalidArgument("bad position '" + std::string(s) + "' in '" + std::string(whole) +
                           "'; positions are 1-based integers");
  }
  return v;
}

bool ValidAllele(std::string_view a) {
  if (a.empty()) return false;
  if (a == "*" || (a.front() == '<' && a.back() == '>')) return true;
  for (char c : a) {
    if (!std::strchr("ACGTNacgtn", c)) return false;
  }
  return true;
}

}  // namespace

Result<VariantSelector> VariantSelector::ParseRegion(std::string_view text) {
  VariantSelector s;
  s.kind = Kind::kRegion;
  size_t colon = text.rfind(':');
  if (text.empty() || colon == 0) {
    return InvalidArgument("bad region '" + std::string(text) +
                           "'; expected CONTIG, CONTIG:POS or CONTIG:START-END");
  }
  if (colon == std::string_view::npos) {
    s.contig = text;
    s.start = 1;
    s.end = INT64_MAX;
    return s;
  }
  s.contig = text.substr(0, colon);
  std::string_view range = text.substr(colon + 1);
  size_t dash = range.find('-');
  ASSIGN_OR_RETURN(s.start, ParsePosition(range.substr(0, dash), text));
  if (dash == std::string_view::npos) {
    s.end = s.start;
  } else {
    ASSIGN_OR_RETURN(s.end, ParsePosition(range.substr(dash + 1), text));
  }
  if (s.end < s.start) {
    return InvalidArgument("bad region '" + std::string(text) + "': end before start");
  }
  return s;
}

Result<VariantSelector> VariantSelector::ParseVariant(std::string_view text) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t c = text.find(':', start);
    parts.push_back(text.substr(start, c - start));
    if (c == std::string_view::npos) break;
    start = c + 1;
  }
  if (parts.size() < 3 || parts.size() > 4 || parts[0].empty()) {
    return InvalidArgument("bad variant '" + std::string(text) +
                           "'; expected CONTIG:POS:REF:ALT, e.g. chr1:1234567:A:G");
  }
  VariantSelector s;
  s.kind = Kind::kVariant;
  s.contig = parts[0];
  ASSIGN_OR_RETURN(s.start, ParsePosition(parts[1], text));
  s.end = s.start;
  s.ref = parts[2];
  if (!ValidAllele(s.ref)) {
    return InvalidArgument("bad REF allele '" + s.ref + "' in '" + std::string(text) + "'");
  }
  if (parts.size() == 4) {
    s.alt = parts[3];
    if (!ValidAllele(s.alt)) {
      return InvalidArgument("bad ALT allele '" + s.alt + "' in '" + std::string(text) + "'");
    }
  }
  return s;
}

std::string VariantSelector::ToString() const {
  switch (kind) {
    case Kind::kAll:
      return "all";
    case Kind::kRegion:
      return contig + ":" + std::to_string(start) + "-" +
             (end == INT64_MAX ? std::string("end") : std::to_string(end));
    case Kind::kVariant:
      return contig + ":" + std::to_string(start) + ":" + ref + (alt.empty() ? "" : ":" + alt);
  }
  return "";
}

Result<Selection> Select(const GenotypeStore& store, const VariantSelector& selector) {
  Selection sel;
  if (selector.kind == VariantSelector::Kind::kAll) {
    sel.end = store.num_variants();
    return sel;
  }
  ASSIGN_OR_RETURN(auto range, store.FindRegion(selector.contig, selector.start, selector.end));
  if (selector.kind == VariantSelector::Kind::kRegion) {
    sel.first = range.first;
    sel.end = range.second;
    return sel;
  }
  sel.explicit_sites = true;
  for (size_t i = range.first; i < range.second; ++i) {
    VariantView v = store.Variant(i);
    if (v.ref != selector.ref) continue;
    if (selector.alt.empty()) {
      sel.sites.push_back({i, std::nullopt});
      continue;
    }
    for (uint32_t a = 0; a < v.n_alts; ++a) {
      if (v.Alt(a) == selector.alt) sel.sites.push_back({i, a});
    }
  }
  if (sel.sites.empty()) {
    return NotFound("variant " + selector.ToString() + " is not in the store");
  }
  return sel;
}

}  // namespace renkei
