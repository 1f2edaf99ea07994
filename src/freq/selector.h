// Which variants a frequency query covers: the whole store, a region, or one variant.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "store/store.h"

namespace renkei {

struct VariantSelector {
  enum class Kind { kAll, kRegion, kVariant };
  Kind kind = Kind::kAll;
  std::string contig;
  int64_t start = 0, end = 0;  // 1-based inclusive POS range (region and variant)
  std::string ref, alt;        // variant only; alt empty = every ALT at the site

  static VariantSelector All() { return {}; }
  // "chr1:1000000-2000000", "chr1:1,000,000-2,000,000", "chr1:12345" or "chr1".
  static Result<VariantSelector> ParseRegion(std::string_view text);
  // "chr1:1234567:A:G" or "chr1:1234567:A" (every ALT of the site).
  static Result<VariantSelector> ParseVariant(std::string_view text);

  std::string ToString() const;
};

// One selected site and, when the selector named an ALT, the index of that ALT.
struct SelectedSite {
  size_t index;
  std::optional<uint32_t> only_alt;  // 0-based ALT index
};

// Resolves a selector to store variant indices. For kAll, returns [0, n) lazily through
// the range fields; for kVariant returns NotFound when no site matches (naming it).
struct Selection {
  size_t first = 0, end = 0;        // contiguous range (kAll, kRegion)
  std::vector<SelectedSite> sites;  // explicit sites (kVariant)
  bool explicit_sites = false;
  size_t size() const { return explicit_sites ? sites.size() : end - first; }
};
Result<Selection> Select(const GenotypeStore& store, const VariantSelector& selector);

}  // namespace renkei
