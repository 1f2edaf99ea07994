#include "sim/simulate.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <system_error>
#include <vector>

#include "cohort/samples.h"
#include "cohort/vocab.h"
#include "common/progress.h"
#include "sim/metadata.h"
#include "sim/random.h"
#include "vcf/bcf_writer.h"

namespace renkei {
namespace {

namespace fs = std::filesystem;

Status ValidateOptions(const SimOptions& o) {
  if (o.out_dir.empty()) return InvalidArgument("no output directory");
  if (o.site.empty() || o.site.size() > 16) {
    return InvalidArgument("biobank id must be 1-16 characters, got '" + o.site + "'");
  }
  for (char c : o.site) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
      return InvalidArgument("biobank id must be upper-case letters and digits, got '" + o.site +
                             "'");
    }
  }
  if (o.samples == 0) return InvalidArgument("samples must be at least 1");
  if (o.first_serial == 0 || o.first_serial > UINT32_MAX - o.samples) {
    return InvalidArgument("first serial must be at least 1 and leave room for every sample");
  }
  if (o.variants == 0) return InvalidArgument("variants must be at least 1");
  if (o.threads < 0) return InvalidArgument("threads must be >= 0");
  if (o.founders < 2 || o.founders > 65535) return InvalidArgument("founders must be 2-65535");
  return Status::Ok();
}

Status FsError(const std::string& what, const std::error_code& ec) {
  std::string message = what + ": " + ec.message();
  if (ec == std::errc::no_such_file_or_directory || ec == std::errc::not_a_directory) {
    return NotFound(std::move(message));
  }
  if (ec == std::errc::permission_denied || ec == std::errc::operation_not_permitted ||
      ec == std::errc::read_only_file_system) {
    return Status(StatusCode::kPermissionDenied, std::move(message));
  }
  return Internal(std::move(message));
}

// Removes the temporary files unless disarmed.
class TempFiles {
 public:
  explicit TempFiles(std::vector<fs::path> paths) : paths_(std::move(paths)) {}
  ~TempFiles() {
    for (const fs::path& p : paths_) {
      std::error_code ec;
      fs::remove(p, ec);
    }
  }
  TempFiles(const TempFiles&) = delete;
  TempFiles& operator=(const TempFiles&) = delete;

 private:
  std::vector<fs::path> paths_;
};

Status RenameInto(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::rename(from, to, ec);
  if (ec) return FsError("cannot rename " + from.string() + " to " + to.string(), ec);
  return Status::Ok();
}

}  // namespace

Status Simulate(const SimOptions& options, SimCounts* counts) {
  RETURN_IF_ERROR(ValidateOptions(options));
  const fs::path dir(options.out_dir);
  const fs::path bcf = dir / "genotypes.bcf";
  const fs::path csi = dir / "genotypes.bcf.csi";
  const fs::path tsv = dir / "samples.tsv";
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return FsError("cannot create " + dir.string(), ec);
  if (fs::exists(bcf, ec) && !options.overwrite) {
    return AlreadyExists(bcf.string() + " exists (use overwrite to replace it)");
  }
  const fs::path bcf_tmp = dir / "genotypes.bcf.partial";
  const fs::path csi_tmp = dir / "genotypes.bcf.csi.partial";
  const fs::path tsv_tmp = dir / "samples.tsv.partial";
  TempFiles cleanup({bcf_tmp, csi_tmp, tsv_tmp});

  // The individuals depend on the seed, the biobank and the first serial (the part of a split
  // biobank); the genome only on the seed.
  uint64_t sample_seed = MixSeed(options.seed, HashLabel(options.site));
  if (options.first_serial != 1) sample_seed = MixSeed(sample_seed, options.first_serial);
  ASSIGN_OR_RETURN(const SampleTable samples, SimulateSamples(options.site, options.samples,
                                                              sample_seed, options.first_serial));
  RETURN_IF_ERROR(samples.WriteTsv(tsv_tmp.string()));

  std::vector<Sex> sexes;
  std::vector<std::string> ids;
  sexes.reserve(samples.size());
  ids.reserve(samples.size());
  for (const Sample& s : samples.samples()) {
    sexes.push_back(s.sex);
    ids.push_back(s.id);
  }
  GenomeOptions genome;
  genome.seed = options.seed;
  genome.variants = options.variants;
  genome.include_chr_y = options.include_chr_y;
  genome.founders = options.founders;
  genome.segment_kb = options.segment_kb;
  ASSIGN_OR_RETURN(GenotypeSimulator sim, GenotypeSimulator::Create(genome, sample_seed, sexes));

  WriterOptions wo;
  wo.format = VcfFormat::kBcf;
  wo.compression_level = options.compression_level;
  wo.threads = options.threads;
  wo.index_path = csi_tmp.string();
  wo.source = "renkei-simulate";
  wo.extra_header_lines = {"##reference=GRCh38",
                           "##renkei_simulate=<biobank=" + options.site +
                               ",samples=" + std::to_string(options.samples) +
                               ",variants=" + std::to_string(options.variants) +
                               ",seed=" + std::to_string(options.seed) + ">"};
  ASSIGN_OR_RETURN(BcfWriter writer, BcfWriter::Open(bcf_tmp.string(), ids, sim.contigs(), wo));

  std::optional<Progress> progress;
  if (options.show_progress) progress.emplace("simulate " + options.site, options.variants);
  SimSite site;
  std::span<const int32_t> gt;
  std::vector<std::string_view> alts;
  uint64_t done = 0;
  while (sim.Next(&site, &gt)) {
    alts.assign(site.alts.begin(), site.alts.end());
    RETURN_IF_ERROR(writer.Write({site.contig, site.pos, {}, site.ref, alts}, gt));
    ++done;
    if (progress) progress->Update(done);
  }
  RETURN_IF_ERROR(writer.Close());
  if (progress) progress->Finish();

  // Index before data: a reader that sees the new genotypes.bcf also sees a matching index.
  RETURN_IF_ERROR(RenameInto(csi_tmp, csi));
  RETURN_IF_ERROR(RenameInto(bcf_tmp, bcf));
  RETURN_IF_ERROR(RenameInto(tsv_tmp, tsv));
  if (counts != nullptr) *counts = sim.counts();
  return Status::Ok();
}

}  // namespace renkei
