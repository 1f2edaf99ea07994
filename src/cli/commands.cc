#include "cli/commands.h"

#include <unistd.h>

#include <bit>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>

#include "cohort/cohort.h"
#include "freq/freq.h"
#include "freq/strata_report.h"
#include "sim/simulate.h"
#include "store/ingest.h"
#include "store/metadata_update.h"
#include "store/store.h"

namespace renkei {
namespace {

bool StderrIsTerminal() { return isatty(STDERR_FILENO) == 1; }

// Evaluates a cohort expression over a store's samples. Empty expression = everyone.
Result<std::vector<uint64_t>> CohortMask(const GenotypeStore& store, const std::string& expr) {
  if (expr.empty() || expr == "all") return std::vector<uint64_t>();
  auto cohort = Cohort::Parse(expr);
  if (!cohort.ok()) return cohort.status().WithContext("--cohort");
  return cohort->Evaluate(store.samples());
}

std::pair<CLI::App*, std::function<Status()>> SimulateCmd(CLI::App& app) {
  auto o = std::make_shared<SimOptions>();
  auto* sub =
      app.add_subcommand("simulate", "Generate a realistic synthetic cohort (BCF + samples.tsv)");
  sub->add_option("--site", o->site,
                  "Biobank id used for sample ids and regional weighting (TMM, BBJ, NCBN, ...)")
      ->required();
  sub->add_option("--samples", o->samples, "Number of samples")
      ->required()
      ->check(CLI::Range(1u, 1000000u));
  sub->add_option("--variants", o->variants, "Number of variant sites")
      ->required()
      ->check(CLI::Range(1u, 100000000u));
  sub->add_option("--seed", o->seed, "Random seed (same seed, same data)")->capture_default_str();
  sub->add_option("--first-serial", o->first_serial,
                  "Serial of the first sample id; a biobank held by several sites is simulated in "
                  "parts with consecutive serial ranges")
      ->capture_default_str()
      ->check(CLI::Range(1u, 4000000000u));
  sub->add_option("--out", o->out_dir, "Output directory (genotypes.bcf, samples.tsv)")->required();
  sub->add_flag("--force", o->overwrite, "Overwrite an existing output");
  sub->add_option("--threads", o->threads, "Compression threads")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  return {sub, [o]() { return renkei::Simulate(*o); }};
}

std::pair<CLI::App*, std::function<Status()>> IngestCmd(CLI::App& app) {
  auto o = std::make_shared<IngestOptions>();
  auto* sub =
      app.add_subcommand("ingest", "Build a genotype store from a VCF/BCF and a samples file");
  sub->add_option("--vcf", o->vcf_path, "VCF, bgzipped VCF or BCF")->required();
  sub->add_option("--samples", o->samples_path, "Samples file (TSV; see docs/samples-file.md)")
      ->required();
  sub->add_option("--out", o->out_dir, "Store directory to create")->required();
  sub->add_flag("--force", o->overwrite, "Replace an existing store at --out");
  sub->add_flag("--skip-malformed", o->skip_malformed,
                "Count and report malformed records instead of failing");
  return {sub, [o]() -> Status {
            o->show_progress = StderrIsTerminal();
            ASSIGN_OR_RETURN(IngestReport r, Ingest(*o));
            std::fprintf(stderr,
                         "ingested %llu variants (%llu ALT alleles) × %u samples into %s in %.1fs; "
                         "store %.1f MiB (genotypes %.1f MiB)\n",
                         static_cast<unsigned long long>(r.variants),
                         static_cast<unsigned long long>(r.alt_alleles), r.samples,
                         o->out_dir.c_str(), r.seconds,
                         static_cast<double>(r.total_bytes) / 1048576.0,
                         static_cast<double>(r.genotype_bytes) / 1048576.0);
            if (r.skipped_malformed > 0) {
              std::fprintf(stderr, "skipped %llu malformed records, e.g.:\n",
                           static_cast<unsigned long long>(r.skipped_malformed));
              for (const auto& e : r.skipped_examples) std::fprintf(stderr, "  %s\n", e.c_str());
            }
            return Status::Ok();
          }};
}

struct FreqArgs {
  std::string store, cohort, region, variant, format = "tsv", out;
  int threads = 2;
};

std::pair<CLI::App*, std::function<Status()>> FreqCmd(CLI::App& app) {
  auto o = std::make_shared<FreqArgs>();
  auto* sub = app.add_subcommand(
      "freq", "Allele frequencies for a cohort: one variant, a region or the whole store");
  sub->add_option("--store", o->store, "Genotype store directory")->required();
  sub->add_option("--cohort", o->cohort,
                  "Cohort expression, e.g. 'age=60-69 & sex=male & region=kanto & icd10=F00-F03' "
                  "(default: every sample; see docs/cohort-language.md)");
  auto* region =
      sub->add_option("--region", o->region, "CONTIG[:START-END], e.g. chr1:1000000-2000000");
  sub->add_option("--variant", o->variant, "CONTIG:POS:REF[:ALT], e.g. chr1:1234567:A:G")
      ->excludes(region);
  sub->add_option("--format", o->format, "tsv, json or vcf (sites-only, bcftools tag names)")
      ->capture_default_str()
      ->check(CLI::IsMember({"tsv", "json", "vcf"}));
  sub->add_option("--out", o->out, "Output file (default: standard output)");
  sub->add_option("--threads", o->threads, "Worker threads")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  return {sub, [o]() -> Status {
            ASSIGN_OR_RETURN(GenotypeStore store, GenotypeStore::Open(o->store));
            FreqRequest req;
            req.store = &store;
            ASSIGN_OR_RETURN(req.mask, CohortMask(store, o->cohort));
            req.cohort_text = o->cohort.empty() ? "all" : o->cohort;
            if (!o->region.empty()) {
              ASSIGN_OR_RETURN(req.selector, VariantSelector::ParseRegion(o->region));
            } else if (!o->variant.empty()) {
              ASSIGN_OR_RETURN(req.selector, VariantSelector::ParseVariant(o->variant));
            }
            ASSIGN_OR_RETURN(req.format, ParseFreqFormat(o->format));
            req.threads = o->threads;
            req.show_progress = StderrIsTerminal() && (o->out.size() || !isatty(STDOUT_FILENO));
            std::FILE* out = stdout;
            std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(nullptr, &std::fclose);
            if (!o->out.empty()) {
              file.reset(std::fopen(o->out.c_str(), "w"));
              if (!file) return Internal("cannot create " + o->out);
              out = file.get();
            }
            ASSIGN_OR_RETURN(FreqSummary s, RunFreq(req, out));
            if (s.cohort_size == 0) {
              std::fprintf(stderr, "warning: the cohort matches no sample; every AN is 0\n");
            }
            return Status::Ok();
          }};
}

struct StrataArgs {
  std::string store, variant, format = "tsv";
};

std::pair<CLI::App*, std::function<Status()>> StrataCmd(CLI::App& app) {
  auto o = std::make_shared<StrataArgs>();
  auto* sub = app.add_subcommand(
      "strata", "Preset per-attribute frequencies of a variant (computed at ingest)");
  sub->add_option("--store", o->store, "Genotype store directory")->required();
  sub->add_option("--variant", o->variant, "CONTIG:POS:REF[:ALT]")->required();
  sub->add_option("--format", o->format, "tsv or json")
      ->capture_default_str()
      ->check(CLI::IsMember({"tsv", "json"}));
  return {sub, [o]() -> Status {
            ASSIGN_OR_RETURN(GenotypeStore store, GenotypeStore::Open(o->store));
            ASSIGN_OR_RETURN(VariantSelector sel, VariantSelector::ParseVariant(o->variant));
            ASSIGN_OR_RETURN(std::string text, StrataReport(store, sel, o->format == "json"));
            std::fwrite(text.data(), 1, text.size(), stdout);
            return Status::Ok();
          }};
}

struct UpdateMetadataArgs {
  std::string store, samples, out;
};

std::pair<CLI::App*, std::function<Status()>> UpdateMetadataCmd(CLI::App& app) {
  auto o = std::make_shared<UpdateMetadataArgs>();
  auto* sub = app.add_subcommand(
      "update-metadata",
      "Replace a store's sample metadata and recount its preset strata, without ingesting again");
  sub->add_option("--store", o->store, "Genotype store directory")->required();
  sub->add_option("--samples", o->samples,
                  "Samples file with exactly the store's samples (see docs/samples-file.md)")
      ->required();
  sub->add_option("--out", o->out, "Write the updated store here (default: replace --store)");
  return {sub, [o]() -> Status {
            ASSIGN_OR_RETURN(GenotypeStore store, GenotypeStore::Open(o->store));
            std::ifstream in(o->samples, std::ios::binary);
            if (!in) return NotFound("cannot open the samples file " + o->samples);
            std::stringstream text;
            text << in.rdbuf();
            // Every bad line is printed, not just the first.
            std::vector<Status> problems;
            Result<SampleTable> samples = SampleTable::ParseTsv(text.str(), o->samples, &problems);
            if (!samples.ok()) {
              for (const Status& p : problems) std::fprintf(stderr, "%s\n", p.message().c_str());
              return Status(samples.status().code(), std::to_string(problems.size()) +
                                                         " problem(s) in " + o->samples +
                                                         "; the store is unchanged");
            }
            ASSIGN_OR_RETURN(const MetadataUpdateReport r,
                             UpdateMetadata(store, *samples, o->out.empty() ? o->store : o->out,
                                            /*overwrite=*/false, {{"samples_file", o->samples}}));
            std::fprintf(stderr,
                         "updated the metadata of %u samples (%u changed) and the preset strata of "
                         "%llu variants in %.1fs\n",
                         r.samples, r.changed_samples, static_cast<unsigned long long>(r.variants),
                         r.seconds);
            return Status::Ok();
          }};
}

}  // namespace

CommandTable RegisterCommands(CLI::App& app) {
  CommandTable t;
  t.push_back(SimulateCmd(app));
  t.push_back(IngestCmd(app));
  t.push_back(FreqCmd(app));
  t.push_back(StrataCmd(app));
  t.push_back(UpdateMetadataCmd(app));
  RegisterServeCommands(app, &t);
  RegisterDemoCommand(app, &t);
  RegisterAdminCommands(app, &t);
  return t;
}

}  // namespace renkei
