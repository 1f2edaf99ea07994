#include "store/strata_codec.h"

#include "store/varint.h"

namespace renkei {
namespace {

// The five numbers stored per (stratum, site, ALT) or (stratum, site).
enum class Field { kNsDeficit, kAnDeficit, kHet, kHomHalf, kHemi };

constexpr Field kSiteFields[] = {Field::kNsDeficit, Field::kAnDeficit};
constexpr Field kAltFields[] = {Field::kHet, Field::kHomHalf, Field::kHemi};

uint64_t Get(const SiteCounts& c, Field f, size_t alt) {
  switch (f) {
    case Field::kNsDeficit:
      return c.cohort_size - c.ns;
    case Field::kAnDeficit:
      return 2ull * c.ns - c.an;
    case Field::kHet:
      return c.alts[alt].ac_het;
    case Field::kHomHalf:
      return c.alts[alt].ac_hom / 2;
    case Field::kHemi:
      return c.alts[alt].ac_hemi;
  }
  return 0;
}

}  // namespace

void EncodeStrataBlock(const std::vector<std::vector<SiteCounts>>& rows,
                       std::vector<uint8_t>* out) {
  if (rows.empty()) return;
  const size_t strata = rows[0].size();
  for (Field f : kSiteFields) {
    for (size_t s = 0; s < strata; ++s) {
      if (rows[0][s].cohort_size == 0) continue;  // empty strata count nothing: not stored
      for (const auto& row : rows) PutVarint(Get(row[s], f, 0), out);
    }
  }
  for (Field f : kAltFields) {
    for (size_t s = 0; s < strata; ++s) {
      if (rows[0][s].cohort_size == 0) continue;
      for (const auto& row : rows) {
        for (size_t a = 0; a < row[s].alts.size(); ++a) PutVarint(Get(row[s], f, a), out);
      }
    }
  }
}

bool DecodeStrataBlock(std::span<const uint8_t> block, std::span<const uint32_t> sizes,
                       std::span<const uint32_t> n_alts, size_t want,
                       std::vector<SiteCounts>* out) {
  if (want >= n_alts.size()) return false;
  const uint8_t* p = block.data();
  const uint8_t* end = block.data() + block.size();
  out->resize(sizes.size());
  for (size_t s = 0; s < sizes.size(); ++s) {
    (*out)[s].Reset(n_alts[want]);
    (*out)[s].cohort_size = sizes[s];
  }
  uint64_t v;
  for (Field f : kSiteFields) {
    for (size_t s = 0; s < sizes.size(); ++s) {
      if (sizes[s] == 0) continue;
      for (size_t site = 0; site < n_alts.size(); ++site) {
        if (!GetVarint(&p, end, &v)) return false;
        if (site != want) continue;
        SiteCounts& c = (*out)[s];
        if (f == Field::kNsDeficit) {
          if (v > sizes[s]) return false;
          c.ns = sizes[s] - static_cast<uint32_t>(v);
        } else {
          if (v > 2ull * c.ns) return false;
          c.an = 2 * c.ns - static_cast<uint32_t>(v);
        }
      }
    }
  }
  for (Field f : kAltFields) {
    for (size_t s = 0; s < sizes.size(); ++s) {
      if (sizes[s] == 0) continue;
      for (size_t site = 0; site < n_alts.size(); ++site) {
        for (uint32_t a = 0; a < n_alts[site]; ++a) {
          if (!GetVarint(&p, end, &v)) return false;
          if (site != want) continue;
          AltCounts& ac = (*out)[s].alts[a];
          const auto x = static_cast<uint32_t>(v);
          if (f == Field::kHet) ac.ac_het = x;
          if (f == Field::kHomHalf) ac.ac_hom = 2 * x;
          if (f == Field::kHemi) ac.ac_hemi = x;
        }
      }
    }
  }
  return p == end;
}

}  // namespace renkei
