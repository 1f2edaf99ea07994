#include "store/metadata_update.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "store/file_writer.h"
#include "store/strata_plan.h"
#include "store/strata_writer.h"

namespace renkei {
namespace {

namespace fs = std::filesystem;

// Sites counted per round (on both cores), then added in order.
constexpr size_t kBatch = 256;

bool SameSample(const Sample& a, const Sample& b) {
  return a.id == b.id && a.biobank == b.biobank && a.age_band == b.age_band && a.sex == b.sex &&
         a.prefecture == b.prefecture && a.icd10 == b.icd10 && a.extra == b.extra;
}

// Links `name` from the store into the staging directory, or copies it.
Status LinkOrCopy(const std::string& from_dir, const StagingDir& dir, const std::string& name) {
  std::error_code ec;
  fs::create_hard_link(from_dir + "/" + name, dir.File(name), ec);
  if (!ec) return Status::Ok();
  fs::copy_file(from_dir + "/" + name, dir.File(name), ec);
  if (ec) return Internal("cannot link or copy " + from_dir + "/" + name + ": " + ec.message());
  return Status::Ok();
}

}  // namespace

Result<MetadataUpdateReport> UpdateMetadata(const GenotypeStore& store, const SampleTable& samples,
                                            const std::string& out_dir, bool overwrite,
                                            const nlohmann::json& provenance) {
  const auto t0 = std::chrono::steady_clock::now();
  if (samples.empty()) return FailedPrecondition("the new samples file has no samples");
  std::vector<std::string> ids;
  ids.reserve(store.num_samples());
  for (const Sample& s : store.samples().samples()) ids.push_back(s.id);
  // Ingest's message for samples that do not match, in this operation's words.
  Result<SampleTable> ordered = samples.Reorder(ids);
  if (!ordered.ok()) {
    std::string message = ordered.status().message();
    for (const auto& [from, to] :
         {std::pair<std::string, std::string>{"in the VCF", "in the store"},
          {"in the metadata", "in the new samples file"}}) {
      for (size_t at; (at = message.find(from)) != std::string::npos;) {
        message.replace(at, from.size(), to);
      }
    }
    return FailedPrecondition(message);
  }
  MetadataUpdateReport report;
  report.samples = store.num_samples();
  report.variants = store.num_variants();
  for (size_t i = 0; i < ordered->size(); ++i) {
    if (!SameSample((*ordered)[i], store.samples()[i])) ++report.changed_samples;
  }

  std::error_code ec;
  const bool in_place = fs::equivalent(store.dir(), out_dir, ec);
  ASSIGN_OR_RETURN(StagingDir dir, StagingDir::Create(out_dir, overwrite || in_place));
  ASSIGN_OR_RETURN(FileWriter samples_zst, WriteSamplesFile(dir, *ordered));
  for (const char* name : {"contigs.tsv", "variants.bin", "genotypes.bin"}) {
    RETURN_IF_ERROR(LinkOrCopy(store.dir(), dir, name));
  }

  const uint32_t n = store.num_samples();
  const std::vector<StratumDef> strata = PresetStrata(*ordered);
  std::vector<std::vector<uint64_t>> masks;
  for (const StratumDef& def : strata) masks.push_back(StratumMask(def, *ordered));
  const StrataPlan plan = StrataPlan::Choose(strata, masks, n);
  ASSIGN_OR_RETURN(FileWriter strata_bin, FileWriter::Create(dir.File("strata.bin")));
  StrataWriter writer(&strata_bin, n, masks, plan);
  struct Slot {
    Status status;
    SiteCounts total;
    std::vector<SiteCounts> strata;
  };
  std::vector<Slot> batch(kBatch);
  const size_t threads = std::max(1u, std::min(2u, std::thread::hardware_concurrency()));
  for (size_t first = 0; first < store.num_variants(); first += kBatch) {
    const size_t count = std::min(kBatch, store.num_variants() - first);
    auto count_range = [&](size_t t) {
      for (size_t i = t; i < count; i += threads) {
        Slot& slot = batch[i];
        Result<std::span<const uint8_t>> site = store.EncodedSite(first + i);
        slot.status = site.ok() ? writer.Count(*site, store.Variant(first + i).n_alts, &slot.total,
                                               &slot.strata)
                                : site.status();
      }
    };
    {
      std::vector<std::jthread> pool;
      for (size_t t = 1; t < threads; ++t) pool.emplace_back(count_range, t);
      count_range(0);
    }
    for (size_t i = 0; i < count; ++i) {
      if (!batch[i].status.ok()) {
        return DataLoss(store.dir() + ": variant " + std::to_string(first + i) + ": " +
                        batch[i].status.message());
      }
      RETURN_IF_ERROR(writer.Add(&batch[i].total, &batch[i].strata));
    }
  }
  ASSIGN_OR_RETURN(FileWriter strata_idx, writer.Finish(dir));
  ASSIGN_OR_RETURN(FileWriter strata_tsv, WriteStrataTsv(dir, strata, plan));

  // meta.json: the store's, with the new files' sizes and the update's provenance.
  nlohmann::json meta;
  {
    std::ifstream in(store.dir() + "/meta.json", std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    meta = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
    if (!in || !meta.is_object() || !meta.contains("files") || !meta["files"].is_object()) {
      return DataLoss(store.dir() + "/meta.json cannot be read again");
    }
  }
  meta["strata"] = strata.size();
  meta["files"]["samples.tsv.zst"] = samples_zst.size();
  meta["files"]["strata.tsv"] = strata_tsv.size();
  meta["files"]["strata.bin"] = strata_bin.size();
  meta["files"]["strata.idx"] = strata_idx.size();
  if (!provenance.is_null()) meta["metadata"] = provenance;
  for (FileWriter* f : {&samples_zst, &strata_bin, &strata_idx, &strata_tsv}) {
    RETURN_IF_ERROR(f->Close());
  }
  ASSIGN_OR_RETURN(FileWriter meta_file, FileWriter::Create(dir.File("meta.json")));
  RETURN_IF_ERROR(
      meta_file.Write(meta.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n"));
  RETURN_IF_ERROR(meta_file.Close());
  RETURN_IF_ERROR(dir.Commit());
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return report;
}

}  // namespace renkei
