// Which preset strata are stored in strata.bin and which follow from other numbers. Storing
// fewer strata is most of what keeps the preset table small:
//
//   stored   counted at ingest and kept in strata.bin
//   empty    no samples: every count is zero
//   rest     the largest stratum of an attribute whose strata partition the samples (age band,
//            sex, region, biobank): the site's counts over all samples (which the reader takes
//            from the genotype record's class headers) minus the attribute's other strata
//   copy:K   the same samples as the stored stratum K (e.g. a disease group that coincides
//            with an ICD-10 chapter in this data)
//
// Every stratum still gets exact counts; only where they come from differs. The choice is
// written as the `source` column of strata.tsv.
//
// Thread-safety: const methods may be called concurrently.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cohort/strata_def.h"
#include "common/status.h"
#include "store/site_counts.h"

namespace renkei {

enum class StratumSource : uint8_t { kStored, kEmpty, kRest, kCopy };

class StrataPlan {
 public:
  StrataPlan() = default;

  // Chooses each stratum's source from its samples (`masks[s]` in StratumMask's layout, for
  // n_samples samples). An attribute counts as a partition only if its strata are disjoint and
  // cover every sample, so a stratum is derived only where that is exact.
  static StrataPlan Choose(std::span<const StratumDef> defs,
                           std::span<const std::vector<uint64_t>> masks, uint32_t n_samples);

  // Rebuilds a plan from strata.tsv: per stratum its definition, size and source text.
  // InvalidArgument naming the row if the sources cannot be right for the sizes (a rest
  // stratum whose attribute does not add up to n_samples, a copy of a stratum that is not
  // stored or has another size, an empty stratum with samples, an unknown source).
  static Result<StrataPlan> Parse(std::span<const StratumDef> defs, std::span<const uint32_t> sizes,
                                  std::span<const std::string_view> sources, uint32_t n_samples);

  size_t size() const { return entries_.size(); }
  const std::vector<uint32_t>& sizes() const { return sizes_; }
  StratumSource source(size_t s) const { return entries_[s].source; }
  // "stored", "empty", "rest" or "copy:K" (K a 0-based stratum index).
  std::string SourceText(size_t s) const;
  // The stored strata, in the column order of strata.bin.
  const std::vector<uint32_t>& stored() const { return stored_; }

  // `out` has one entry per stratum with the stored ones filled in; fills in the others from
  // them and from `total`, the site's counts over all samples. Returns false if the numbers
  // cannot be consistent (a corrupt store), e.g. when the other strata count more than total.
  bool Derive(const SiteCounts& total, std::vector<SiteCounts>* out) const;

 private:
  struct Entry {
    StratumSource source = StratumSource::kStored;
    uint32_t copy_of = 0;            // kCopy: the stored stratum with the same samples
    std::vector<uint32_t> siblings;  // kRest: the attribute's other strata
  };
  // Fills siblings_ of rest strata and stored_ from entries_.
  void Index(std::span<const StratumDef> defs);

  std::vector<Entry> entries_;
  std::vector<uint32_t> sizes_;
  std::vector<uint32_t> stored_;
};

}  // namespace renkei
