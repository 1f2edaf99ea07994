#include "store/ingest.h"

#include <chrono>
#include <nlohmann/json.hpp>
#include <system_error>
#include <thread>
#include <unordered_map>

#include "cohort/samples.h"
#include "cohort/strata_def.h"
#include "common/progress.h"
#include "store/file_writer.h"
#include "store/format.h"
#include "store/genotype_codec.h"
#include "store/strata_plan.h"
#include "store/strata_writer.h"
#include "store/varint.h"
#include "vcf/reader.h"

namespace renkei {
namespace {

constexpr size_t kMaxSkipExamples = 5;
// Records per batch: enough to keep both cores busy, few enough that a batch of GT arrays at
// 23,000 samples stays around 25 MB.
constexpr size_t kBatch = 128;

struct ContigRow {
  std::string name;
  int64_t length;
  uint64_t first, end;
};

std::span<const uint8_t> AsBytes(const VariantEntry& e) {
  return {reinterpret_cast<const uint8_t*>(&e), sizeof(e)};
}

}  // namespace

Result<IngestReport> Ingest(const IngestOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  IngestReport report;
  ASSIGN_OR_RETURN(VcfReader reader, VcfReader::Open(options.vcf_path));
  if (reader.samples().empty()) {
    return InvalidArgument(options.vcf_path + ": no samples (a sites-only VCF cannot be ingested)");
  }
  ASSIGN_OR_RETURN(SampleTable metadata, SampleTable::ReadTsv(options.samples_path));
  ASSIGN_OR_RETURN(SampleTable samples, metadata.Reorder(reader.samples()));
  const auto n_samples = static_cast<uint32_t>(samples.size());
  report.samples = n_samples;

  std::vector<StratumDef> strata = PresetStrata(samples);
  std::vector<std::vector<uint64_t>> masks;
  for (const auto& def : strata) masks.push_back(StratumMask(def, samples));
  const StrataPlan plan = StrataPlan::Choose(strata, masks, n_samples);

  ASSIGN_OR_RETURN(StagingDir dir, StagingDir::Create(options.out_dir, options.overwrite));
  ASSIGN_OR_RETURN(FileWriter samples_zst, WriteSamplesFile(dir, samples));
  ASSIGN_OR_RETURN(FileWriter variants_bin, FileWriter::Create(dir.File("variants.bin")));
  ASSIGN_OR_RETURN(FileWriter genotypes, FileWriter::Create(dir.File("genotypes.bin")));
  ASSIGN_OR_RETURN(FileWriter strata_bin, FileWriter::Create(dir.File("strata.bin")));
  StrataWriter strata_writer(&strata_bin, n_samples, masks, plan);

  std::unordered_map<std::string, int64_t> header_lengths;
  for (const auto& [name, len] : reader.contigs()) header_lengths[name] = len;
  std::vector<ContigRow> contigs;
  std::unordered_map<std::string, uint32_t> contig_index;

  // Records are read in batches; each batch's sites are encoded and counted per stratum on
  // all cores, then written in file order (so errors and skips are reported in order too).
  struct Slot {
    VcfRecord rec;
    Status bad;
    std::vector<uint8_t> site;
    SiteCounts total;
    std::vector<SiteCounts> strata;
  };
  std::vector<Slot> batch(kBatch);
  const size_t threads = std::max(1u, std::min(2u, std::thread::hardware_concurrency()));
  auto encode = [&](Slot& slot) {
    if (!slot.bad.ok()) return;
    const VcfRecord& rec = slot.rec;
    slot.site.clear();
    if (!rec.has_gt) {
      EncodeAllMissing(n_samples, &slot.site);
    } else {
      Status st = EncodeSite(rec.gt, rec.max_ploidy, n_samples, &slot.site);
      if (!st.ok()) {
        slot.bad =
            InvalidArgument(options.vcf_path + ": record " + std::to_string(rec.index) + " (" +
                            rec.contig + ":" + std::to_string(rec.pos) + "): " + st.message());
        return;
      }
    }
    slot.bad = strata_writer.Count(slot.site, rec.alts.size(), &slot.total, &slot.strata);
  };

  Progress progress("ingest " + options.vcf_path, 0);
  std::string text;
  std::vector<uint8_t> text_length;
  uint64_t geno_offset = 0;
  int64_t last_pos = 0;
  bool done = false;
  while (!done) {
    size_t filled = 0;
    while (filled < kBatch) {
      Slot& slot = batch[filled];
      Result<bool> next = reader.Next(&slot.rec);
      if (next.ok() && !*next) {
        done = true;
        break;
      }
      slot.bad = next.status();
      ++filled;
      // Without --skip-malformed the first bad record ends the input.
      if (!slot.bad.ok() &&
          (!options.skip_malformed || slot.bad.code() != StatusCode::kInvalidArgument)) {
        done = true;
        break;
      }
    }
    {
      std::vector<std::jthread> pool;
      for (size_t t = 1; t < threads; ++t) {
        pool.emplace_back([&, t] {
          for (size_t i = t; i < filled; i += threads) encode(batch[i]);
        });
      }
      for (size_t i = 0; i < filled; i += threads) encode(batch[i]);
    }
    for (size_t i = 0; i < filled; ++i) {
      Slot& slot = batch[i];
      const VcfRecord& rec = slot.rec;
      if (!slot.bad.ok()) {
        if (!options.skip_malformed || slot.bad.code() != StatusCode::kInvalidArgument) {
          return slot.bad;
        }
        ++report.skipped_malformed;
        if (report.skipped_examples.size() < kMaxSkipExamples) {
          report.skipped_examples.push_back(slot.bad.message());
        }
        continue;
      }
      if (rec.pos < 1 || rec.pos > INT32_MAX) {
        return InvalidArgument(options.vcf_path + ": record " + std::to_string(rec.index) +
                               ": position out of range");
      }
      auto [it, inserted] =
          contig_index.try_emplace(rec.contig, static_cast<uint32_t>(contigs.size()));
      if (inserted) {
        int64_t len = header_lengths.count(rec.contig) ? header_lengths[rec.contig] : 0;
        contigs.push_back({rec.contig, len, report.variants, report.variants});
        last_pos = 0;
      } else if (it->second != contigs.size() - 1) {
        return FailedPrecondition(
            options.vcf_path + ": record " + std::to_string(rec.index) + " (" + rec.contig + ":" +
            std::to_string(rec.pos) + ") returns to contig " + rec.contig + " after " +
            contigs.back().name + "; sort the input (bcftools sort) before ingest");
      }
      if (rec.pos < last_pos) {
        return FailedPrecondition(options.vcf_path + ": record " + std::to_string(rec.index) +
                                  " (" + rec.contig + ":" + std::to_string(rec.pos) +
                                  ") comes after " + rec.contig + ":" + std::to_string(last_pos) +
                                  "; sort the input (bcftools sort) before ingest");
      }
      last_pos = rec.pos;

      text.clear();
      text += rec.id;
      text += '\t';
      text += rec.ref;
      text += '\t';
      if (rec.alts.empty()) text += '.';
      for (size_t a = 0; a < rec.alts.size(); ++a) {
        if (a) text += ',';
        text += rec.alts[a];
      }
      text_length.clear();
      PutVarint(text.size(), &text_length);
      VariantEntry entry{geno_offset, static_cast<uint32_t>(rec.pos),
                         static_cast<uint32_t>(rec.alts.size())};
      RETURN_IF_ERROR(variants_bin.Write(AsBytes(entry)));
      RETURN_IF_ERROR(genotypes.Write(text_length));
      RETURN_IF_ERROR(genotypes.Write(text));
      RETURN_IF_ERROR(genotypes.Write(slot.site));
      RETURN_IF_ERROR(strata_writer.Add(&slot.total, &slot.strata));
      geno_offset += text_length.size() + text.size() + slot.site.size();
      ++report.variants;
      report.alt_alleles += rec.alts.size();
      contigs.back().end = report.variants;
    }
    if (options.show_progress) progress.Update(report.variants);
  }
  progress.Update(report.variants);
  progress.Finish();
  ASSIGN_OR_RETURN(FileWriter strata_idx, strata_writer.Finish(dir));
  ASSIGN_OR_RETURN(FileWriter contigs_tsv, FileWriter::Create(dir.File("contigs.tsv")));
  RETURN_IF_ERROR(contigs_tsv.Write("contig\tlength\tfirst\tend\n"));
  for (const auto& c : contigs) {
    RETURN_IF_ERROR(contigs_tsv.Write(c.name + "\t" + std::to_string(c.length) + "\t" +
                                      std::to_string(c.first) + "\t" + std::to_string(c.end) +
                                      "\n"));
  }
  ASSIGN_OR_RETURN(FileWriter strata_tsv, WriteStrataTsv(dir, strata, plan));
  nlohmann::json meta = {
      {"format", "renkei-store"},
      {"version", kStoreFormatVersion},
      {"samples", n_samples},
      {"variants", report.variants},
      {"alt_alleles", report.alt_alleles},
      {"strata", strata.size()},
      {"source_vcf", options.vcf_path},
      {"skipped_malformed", report.skipped_malformed},
      {"files",
       {{"samples.tsv.zst", samples_zst.size()},
        {"contigs.tsv", contigs_tsv.size()},
        {"variants.bin", variants_bin.size()},
        {"genotypes.bin", genotypes.size()},
        {"strata.tsv", strata_tsv.size()},
        {"strata.bin", strata_bin.size()},
        {"strata.idx", strata_idx.size()}}},
  };
  report.genotype_bytes = genotypes.size();
  report.total_bytes = 0;
  for (const auto& [name, size] : meta["files"].items()) report.total_bytes += size.get<uint64_t>();
  for (FileWriter* f : {&samples_zst, &contigs_tsv, &variants_bin, &genotypes, &strata_tsv,
                        &strata_bin, &strata_idx}) {
    RETURN_IF_ERROR(f->Close());
  }
  // meta.json last: its presence marks a complete store.
  ASSIGN_OR_RETURN(FileWriter meta_file, FileWriter::Create(dir.File("meta.json")));
  // Replace rather than throw on a path that is not valid UTF-8.
  RETURN_IF_ERROR(
      meta_file.Write(meta.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n"));
  RETURN_IF_ERROR(meta_file.Close());
  RETURN_IF_ERROR(dir.Commit());
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return report;
}

}  // namespace renkei
