#include "store/strata_codec.h"

#include "store/varint.h"

namespace renkei {

void AppendStrataRow(std::span<const SiteCounts> per_stratum, std::vector<uint8_t>* out) {
  for (const SiteCounts& c : per_stratum) {
    PutVarint(c.cohort_size - c.ns, out);
    PutVarint(2ull * c.ns - c.an, out);
    for (const AltCounts& a : c.alts) {
      PutVarint(a.ac_het, out);
      PutVarint(a.ac_hom / 2, out);
      PutVarint(a.ac_hemi, out);
    }
  }
}

bool DecodeStrataRow(const uint8_t** p, const uint8_t* end, std::span<const uint32_t> sizes,
                     size_t n_alts, std::vector<SiteCounts>* out) {
  out->resize(sizes.size());
  for (size_t s = 0; s < sizes.size(); ++s) {
    SiteCounts& c = (*out)[s];
    c.Reset(n_alts);
    uint64_t ns_def, an_def;
    if (!GetVarint(p, end, &ns_def) || !GetVarint(p, end, &an_def)) return false;
    if (ns_def > sizes[s]) return false;
    c.cohort_size = sizes[s];
    c.ns = sizes[s] - static_cast<uint32_t>(ns_def);
    if (an_def > 2ull * c.ns) return false;
    c.an = 2 * c.ns - static_cast<uint32_t>(an_def);
    for (AltCounts& a : c.alts) {
      uint64_t het, hom, hemi;
      if (!GetVarint(p, end, &het) || !GetVarint(p, end, &hom) || !GetVarint(p, end, &hemi)) {
        return false;
      }
      a.ac_het = static_cast<uint32_t>(het);
      a.ac_hom = static_cast<uint32_t>(hom * 2);
      a.ac_hemi = static_cast<uint32_t>(hemi);
    }
  }
  return true;
}

}  // namespace renkei
