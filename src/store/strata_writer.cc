#include "store/strata_writer.h"

#include <string>
#include <system_error>

#include "store/format.h"
#include "store/genotype_codec.h"
#include "store/strata_codec.h"
#include "store/zstd_block.h"

namespace renkei {

StrataWriter::StrataWriter(FileWriter* data, uint32_t n_samples,
                           const std::vector<std::vector<uint64_t>>& masks, const StrataPlan& plan)
    : data_(data), n_samples_(n_samples) {
  for (uint32_t s : plan.stored()) {
    masks_.emplace_back(masks[s], n_samples);
    sizes_.push_back(plan.sizes()[s]);
  }
  offsets_.push_back(0);
}

Status StrataWriter::Count(std::span<const uint8_t> site, size_t n_alts, SiteCounts* total,
                           std::vector<SiteCounts>* out) const {
  total->Reset(n_alts);
  if (CountSite(site.data(), site.size(), nullptr, n_samples_, total) == 0) {
    return Internal("counting failed on an encoded site");
  }
  out->resize(masks_.size());
  for (size_t s = 0; s < masks_.size(); ++s) {
    (*out)[s].Reset(n_alts);
    if (CountSite(site.data(), site.size(), &masks_[s], n_samples_, &(*out)[s]) == 0) {
      return Internal("strata count failed on an encoded site");
    }
  }
  return Status::Ok();
}

Status StrataWriter::Add(SiteCounts* total, std::vector<SiteCounts>* counts) {
  rows_.resize(in_block_ + 1);
  totals_.resize(in_block_ + 1);
  std::swap(rows_[in_block_], *counts);
  std::swap(totals_[in_block_], *total);
  if (++in_block_ == kStrataBlock) return Flush();
  return Status::Ok();
}

Status StrataWriter::Flush() {
  if (in_block_ == 0) return Status::Ok();
  rows_.resize(in_block_);
  totals_.resize(in_block_);
  std::vector<uint8_t> block;
  EncodeStrataBlock(rows_, totals_, sizes_, n_samples_, &block);
  in_block_ = 0;
  RETURN_IF_ERROR(WritePending());
  try {
    pending_ = std::async(std::launch::async, [block = std::move(block)] {
      std::vector<uint8_t> compressed;
      Status st = CompressBlock(block, kZstdLevel, &compressed);
      return std::make_pair(std::move(st), std::move(compressed));
    });
  } catch (const std::system_error& e) {  // no thread could be started
    return Internal(std::string("cannot start a compression thread: ") + e.what());
  }
  return Status::Ok();
}

Status StrataWriter::WritePending() {
  if (!pending_.valid()) return Status::Ok();
  auto [status, compressed] = pending_.get();
  RETURN_IF_ERROR(status);
  RETURN_IF_ERROR(data_->Write(compressed));
  offsets_.push_back(data_->size());
  return Status::Ok();
}

Result<FileWriter> StrataWriter::Finish(const StagingDir& dir) {
  RETURN_IF_ERROR(Flush());
  RETURN_IF_ERROR(WritePending());
  ASSIGN_OR_RETURN(FileWriter idx, FileWriter::Create(dir.File("strata.idx")));
  RETURN_IF_ERROR(idx.Write(std::span<const uint8_t>(
      reinterpret_cast<const uint8_t*>(offsets_.data()), offsets_.size() * sizeof(uint64_t))));
  return idx;
}

Result<FileWriter> WriteSamplesFile(const StagingDir& dir, const SampleTable& samples) {
  ASSIGN_OR_RETURN(FileWriter out, FileWriter::Create(dir.File("samples.tsv.zst")));
  // The samples file is read whole on open, so one frame; level 19 takes ~0.7 s at 23,000
  // samples and makes it a sixth of its size.
  const std::string tsv = samples.ToTsv();
  std::vector<uint8_t> compressed;
  RETURN_IF_ERROR(CompressBlock(std::span(reinterpret_cast<const uint8_t*>(tsv.data()), tsv.size()),
                                19, &compressed));
  RETURN_IF_ERROR(out.Write(compressed));
  return out;
}

Result<FileWriter> WriteStrataTsv(const StagingDir& dir, const std::vector<StratumDef>& strata,
                                  const StrataPlan& plan) {
  ASSIGN_OR_RETURN(FileWriter out, FileWriter::Create(dir.File("strata.tsv")));
  RETURN_IF_ERROR(out.Write("attribute\tvalue\tsamples\tsource\n"));
  for (size_t s = 0; s < strata.size(); ++s) {
    RETURN_IF_ERROR(out.Write(strata[s].attribute + "\t" + strata[s].value + "\t" +
                              std::to_string(plan.sizes()[s]) + "\t" + plan.SourceText(s) + "\n"));
  }
  return out;
}

}  // namespace renkei
