// Allele counts of one site for one set of samples, with bcftools +fill-tags semantics:
//
//   NS       samples with at least one called allele
//   AN       called alleles (a half-missing diploid call such as 0/. counts one)
//   AC       per ALT: copies of the allele among called alleles
//   AC_Het   per ALT: copies in diploid heterozygous calls (0/1, 1/2)
//   AC_Hom   per ALT: copies in diploid homozygous calls (1/1 adds 2)
//   AC_Hemi  per ALT: copies in haploid calls and half-missing calls (1, 1/.)
//
// so AC = AC_Het + AC_Hom + AC_Hemi, and AF = AC / AN (undefined when AN = 0).
#pragma once

#include <cstdint>
#include <vector>

namespace renkei {

struct AltCounts {
  uint32_t ac_het = 0;
  uint32_t ac_hom = 0;
  uint32_t ac_hemi = 0;
  uint32_t ac() const { return ac_het + ac_hom + ac_hemi; }
  bool operator==(const AltCounts&) const = default;
};

struct SiteCounts {
  uint32_t cohort_size = 0;  // samples in the cohort (called or not)
  uint32_t ns = 0;
  uint32_t an = 0;
  std::vector<AltCounts> alts;  // one per ALT allele, in record order

  // Resets to zeros for a site with `n_alts` ALT alleles, keeping capacity.
  void Reset(size_t n_alts) {
    cohort_size = ns = an = 0;
    alts.assign(n_alts, AltCounts{});
  }
  bool operator==(const SiteCounts&) const = default;
};

}  // namespace renkei
