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

// The stratum's proportional share of the all-samples number, rounded.
int64_t Predict(uint64_t total, uint32_t size, uint32_t n_samples) {
  if (n_samples == 0) return 0;
  return static_cast<int64_t>((total * size + n_samples / 2) / n_samples);
}

uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}

int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

}  // namespace

void EncodeStrataBlock(const std::vector<std::vector<SiteCounts>>& rows,
                       std::span<const SiteCounts> totals, std::span<const uint32_t> sizes,
                       uint32_t n_samples, std::vector<uint8_t>* out) {
  auto put = [&](const SiteCounts& c, const SiteCounts& total, Field f, size_t alt, size_t s) {
    const int64_t pred = Predict(Get(total, f, alt), sizes[s], n_samples);
    PutVarint(ZigZag(static_cast<int64_t>(Get(c, f, alt)) - pred), out);
  };
  for (Field f : kSiteFields) {
    for (size_t s = 0; s < sizes.size(); ++s) {
      for (size_t v = 0; v < rows.size(); ++v) put(rows[v][s], totals[v], f, 0, s);
    }
  }
  for (Field f : kAltFields) {
    for (size_t s = 0; s < sizes.size(); ++s) {
      for (size_t v = 0; v < rows.size(); ++v) {
        for (size_t a = 0; a < rows[v][s].alts.size(); ++a) put(rows[v][s], totals[v], f, a, s);
      }
    }
  }
}

bool DecodeStrataBlock(std::span<const uint8_t> block, std::span<const uint32_t> sizes,
                       uint32_t n_samples, std::span<const uint32_t> n_alts, size_t want,
                       const SiteCounts& total, std::vector<SiteCounts>* out) {
  if (want >= n_alts.size() || total.alts.size() != n_alts[want]) return false;
  const uint8_t* p = block.data();
  const uint8_t* end = block.data() + block.size();
  out->resize(sizes.size());
  for (size_t s = 0; s < sizes.size(); ++s) {
    (*out)[s].Reset(n_alts[want]);
    (*out)[s].cohort_size = sizes[s];
  }
  // Reads the next number of `want` for stratum s; false if corrupt or above `limit`.
  auto value = [&](uint64_t r, Field f, size_t alt, size_t s, uint64_t limit, uint32_t* x) {
    if (r > (uint64_t{1} << 34)) return false;  // no count comes near: corrupt
    const int64_t v = Predict(Get(total, f, alt), sizes[s], n_samples) + UnZigZag(r);
    if (v < 0 || static_cast<uint64_t>(v) > limit) return false;
    *x = static_cast<uint32_t>(v);
    return true;
  };
  uint64_t r;
  for (Field f : kSiteFields) {
    for (size_t s = 0; s < sizes.size(); ++s) {
      for (size_t site = 0; site < n_alts.size(); ++site) {
        if (!GetVarint(&p, end, &r)) return false;
        if (site != want) continue;
        SiteCounts& c = (*out)[s];
        uint32_t x;
        if (f == Field::kNsDeficit) {
          if (!value(r, f, 0, s, sizes[s], &x)) return false;
          c.ns = sizes[s] - x;
        } else {
          // Each called sample lacks at most one of its two alleles.
          if (!value(r, f, 0, s, c.ns, &x)) return false;
          c.an = 2 * c.ns - x;
        }
      }
    }
  }
  for (Field f : kAltFields) {
    for (size_t s = 0; s < sizes.size(); ++s) {
      for (size_t site = 0; site < n_alts.size(); ++site) {
        for (uint32_t a = 0; a < n_alts[site]; ++a) {
          if (!GetVarint(&p, end, &r)) return false;
          if (site != want) continue;
          AltCounts& ac = (*out)[s].alts[a];
          uint32_t x;
          if (!value(r, f, a, s, sizes[s], &x)) return false;
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
