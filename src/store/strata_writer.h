// Writing a store's preset strata and samples file: shared by ingest (store/ingest.h) and the
// metadata update (store/metadata_update.h), which recounts the strata of an existing store.
#pragma once

#include <cstdint>
#include <future>
#include <span>
#include <utility>
#include <vector>

#include "cohort/samples.h"
#include "cohort/strata_def.h"
#include "common/status.h"
#include "store/counting_mask.h"
#include "store/file_writer.h"
#include "store/site_counts.h"
#include "store/strata_plan.h"

namespace renkei {

// Counts and writes the stored preset strata (strata.bin, strata.idx; see strata_plan.h for
// the strata that are derived rather than stored). Sites are counted (Count, on any thread)
// and then added in store order (Add, one thread).
class StrataWriter {
 public:
  // `data` (strata.bin) must outlive the writer; `masks` are the strata's sample masks
  // (StratumMask), indexed like plan.sizes().
  StrataWriter(FileWriter* data, uint32_t n_samples,
               const std::vector<std::vector<uint64_t>>& masks, const StrataPlan& plan);

  // Counts an encoded site over all samples and in every stored stratum. Thread-safe (reads
  // only the masks). Internal if the site does not decode.
  Status Count(std::span<const uint8_t> site, size_t n_alts, SiteCounts* total,
               std::vector<SiteCounts>* out) const;

  // Appends the next site's counts (from Count; they are taken); writes a block when one is
  // full. Errors: the writer's or the compressor's.
  Status Add(SiteCounts* total, std::vector<SiteCounts>* counts);

  // Writes what is left of strata.bin, then strata.idx (returned open, for its size; the
  // caller closes it). Call once, after the last Add.
  Result<FileWriter> Finish(const StagingDir& dir);

 private:
  // Encodes the block being filled and starts compressing it on another thread. zstd at
  // kZstdLevel costs ~8 ms a block, 6 s in all at 23,000 samples × 200,000 sites, which runs
  // while the caller reads the next records and the second core would otherwise idle.
  Status Flush();
  // Writes the block being compressed, if any.
  Status WritePending();

  FileWriter* data_;
  uint32_t n_samples_;
  std::vector<CountingMask> masks_;  // stored strata only
  std::vector<uint32_t> sizes_;
  // zstd level for strata blocks. Measured on 23,000 samples × 200,000 sites: level 9 gives
  // 12.3 MB, 12 12.1 MB, 15 11.2 MB (its binary-tree match finder pays off on these columns),
  // 19 11.1 MB at 3.5 times 15's time; a trained dictionary gained nothing (blocks are ~60 KB
  // before compression).
  static constexpr int kZstdLevel = 15;
  std::vector<std::vector<SiteCounts>> rows_;  // the block being filled: [site][stored stratum]
  std::vector<SiteCounts> totals_;             // [site]: counts over all samples
  uint32_t in_block_ = 0;
  // The previous block's frame; destroying the writer waits for it (the task owns its data).
  std::future<std::pair<Status, std::vector<uint8_t>>> pending_;
  std::vector<uint64_t> offsets_;
};

// Writes samples.tsv.zst (the normalised samples file, one zstd frame) into `dir`; returns it
// open, for its size. Errors: the writer's or the compressor's.
Result<FileWriter> WriteSamplesFile(const StagingDir& dir, const SampleTable& samples);

// Writes strata.tsv (attribute, value, sample count, source) into `dir`; returns it open.
Result<FileWriter> WriteStrataTsv(const StagingDir& dir, const std::vector<StratumDef>& strata,
                                  const StrataPlan& plan);

}  // namespace renkei
