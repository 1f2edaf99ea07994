// A genotype store opened for reading (memory-mapped; nothing is loaded up front except the
// sample table and small indexes).
//
// Thread-safety: all const methods may be called concurrently.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cohort/samples.h"
#include "cohort/strata_def.h"
#include "common/status.h"
#include "store/counting_mask.h"
#include "store/format.h"
#include "store/mapped_file.h"
#include "store/site_counts.h"
#include "store/strata_plan.h"

namespace renkei {

struct ContigInfo {
  std::string name;
  int64_t length = 0;         // 0 when the VCF header did not say
  size_t first = 0, end = 0;  // variant index range [first, end)
};

struct StratumInfo {
  StratumDef def;
  uint32_t size = 0;  // samples in the stratum
};

struct VariantView {
  std::string_view contig;
  uint32_t pos = 0;
  std::string_view id;
  std::string_view ref;
  std::string_view alts;  // comma-separated, "." when none
  uint32_t n_alts = 0;
  // The i-th ALT allele (0-based). Precondition: i < n_alts.
  std::string_view Alt(size_t i) const;
};

class GenotypeStore {
 public:
  // Opens a store directory. NotFound if it is not a store; DataLoss if files are missing,
  // truncated or inconsistent with meta.json; FailedPrecondition for another format version.
  static Result<GenotypeStore> Open(const std::string& dir);

  const std::string& dir() const { return dir_; }
  const SampleTable& samples() const { return samples_; }
  uint32_t num_samples() const { return static_cast<uint32_t>(samples_.size()); }
  size_t num_variants() const { return num_variants_; }
  const std::vector<ContigInfo>& contigs() const { return contigs_; }
  const std::vector<StratumInfo>& strata() const { return strata_; }

  // Precondition: i < num_variants(). The text is read lazily from genotypes.bin: a corrupt
  // record gives empty id, ref and alts here, and DataLoss from Count and StrataCounts.
  VariantView Variant(size_t i) const;

  // Variant indices [first, end) with POS in [start, end_pos] on `contig`.
  // NotFound for a contig the store does not have (message lists a few it has).
  Result<std::pair<size_t, size_t>> FindRegion(std::string_view contig, int64_t start,
                                               int64_t end_pos) const;

  // Counts variant i over `cohort` (nullptr = every sample; it must have been built for
  // num_samples()). `out` is reset. DataLoss if the site's encoding is corrupt.
  Status Count(size_t i, const CountingMask* cohort, SiteCounts* out) const;

  // Variant i's encoded site (store/genotype_codec.h), a view into the mapped file valid while
  // the store is open. DataLoss if the record is corrupt.
  Result<std::span<const uint8_t>> EncodedSite(size_t i) const;

  // Preset-strata counts of variant i, one per strata() entry, from the ingest-time table and
  // the site's all-samples counts (read from its class headers, not its sample lists).
  // DataLoss if corrupt.
  Status StrataCounts(size_t i, std::vector<SiteCounts>* out) const;

 private:
  GenotypeStore() = default;
  const VariantEntry& Entry(size_t i) const;
  // Variant i's record in genotypes.bin: [text length, text, site).
  std::span<const uint8_t> Record(size_t i) const;
  // Splits a record into its text and encoded site; false if the text length is corrupt.
  static bool SplitRecord(std::span<const uint8_t> record, std::string_view* text,
                          std::span<const uint8_t>* site);

  std::string dir_;
  SampleTable samples_;
  std::vector<ContigInfo> contigs_;
  std::vector<StratumInfo> strata_;
  StrataPlan plan_;
  std::vector<uint32_t> stored_sizes_;  // sizes of plan_.stored(), the columns of strata.bin
  size_t num_variants_ = 0;
  MappedFile variants_bin_, genotypes_, strata_bin_, strata_idx_;
};

}  // namespace renkei
