// Simulated whole-genome genotypes, one site at a time.
//
// Model (see src/sim/README.md for the reasoning and the numbers):
//  - A genome layout that depends only on GenomeOptions: variant positions on GRCh38 contigs
//    (chr1–22, chrX, optionally chrY; counts proportional to length), REF/ALT alleles (SNVs with
//    transitions twice as common as transversions, ~10% indels, ~2% multi-allelic sites), a
//    per-site missing-call rate, and a pool of founder haplotypes whose alleles come from local
//    Kingman genealogies that change every few hundred kb (so common variants sit on shared
//    branches and are in linkage disequilibrium).
//  - Samples whose haplotypes are Li–Stephens mosaics of the founders (switching founder at
//    exponentially distributed distances), plus new mutations ("rare" sites) placed on one or a
//    few sample haplotypes, preferring haplotypes that copy the same founder there (relatives
//    share rare variants). About half of all sites end up singletons or doubletons.
//  - Calls: mostly unphased (0/1), a few heterozygous calls phased (0|1), per-site missing rates
//    (most ~0.5%, some much higher, ~2% overall), very rare half-missing calls (0/.). On chrX
//    outside the PARs males are haploid; on chrY males are haploid and females missing ('.');
//    samples of unknown sex are diploid everywhere.
// Two runs with equal GenomeOptions share positions, alleles and founders (so simulated biobanks
// can be combined); the sample seed decides the individuals.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "cohort/vocab.h"
#include "common/status.h"
#include "vcf/bcf_writer.h"

namespace renkei {

// PAR boundaries on GRCh38 chrX (1-based, inclusive): outside [kChrXNonParBegin,
// kChrXNonParEnd] chrX is pseudo-autosomal and diploid in males.
inline constexpr int64_t kChrXNonParBegin = 2781480;
inline constexpr int64_t kChrXNonParEnd = 155701382;

// GRCh38 primary contigs chr1…chr22, chrX and (when with_y) chrY, with their lengths.
std::vector<VcfContig> Grch38Contigs(bool with_y);

struct GenomeOptions {
  uint64_t seed = 1;          // positions, alleles, founders
  uint32_t variants = 10000;  // sites over the whole genome, >= 1
  bool include_chr_y = true;  // emit chrY sites (few, ~0.04% of all)
  uint32_t founders = 200;    // founder haplotypes in the pool, 2–65535
  // Mean length of a segment copied from one founder, in kb; 0 = auto: 25 mean inter-variant
  // distances but at least 50 kb, so that LD between neighbouring variants looks the same at
  // any density (a 200k-variant genome gets ~390 kb).
  double segment_kb = 0;
};

// One simulated site. Buffers are reused between calls to Next (no allocation per site once
// warmed up).
struct SimSite {
  int32_t contig = 0;             // index into contigs()
  int64_t pos = 0;                // 1-based
  std::string ref;                // uppercase ACGT
  std::vector<std::string> alts;  // 1–3 alternate alleles
  bool founder_class = false;     // copied from the founder pool (low-frequency to common)
  double missing_rate = 0;        // per-genotype missing-call probability at this site
};

// Counters over everything generated so far.
struct SimCounts {
  uint64_t sites = 0;
  uint64_t founder_sites = 0;  // the rest are new mutations (rare)
  uint64_t multiallelic_sites = 0;
  uint64_t indel_sites = 0;
  uint64_t missing_calls = 0;       // genotypes written as missing
  uint64_t half_missing_calls = 0;  // 0/. and the like
  uint64_t phased_calls = 0;
};

class GenotypeSimulator {
 public:
  // Prepares a genome for samples of the given sexes (one per sample, in column order), with
  // individuals drawn from `sample_seed`. Errors: InvalidArgument for no samples, variants == 0
  // or more variants than positions, founders outside 2–65535, a negative segment length.
  static Result<GenotypeSimulator> Create(const GenomeOptions& genome, uint64_t sample_seed,
                                          std::span<const Sex> sexes);

  GenotypeSimulator(GenotypeSimulator&&) noexcept;
  GenotypeSimulator& operator=(GenotypeSimulator&&) noexcept;
  ~GenotypeSimulator();

  // The contigs of the header (all of them, including any that received no site).
  const std::vector<VcfContig>& contigs() const;
  // Total number of sites Next will produce (== GenomeOptions::variants).
  uint64_t total_sites() const;
  const SimCounts& counts() const;

  // Generates the next site, in contig order and by increasing position, into `*site`, and its
  // genotype codes into `*gt`: samples × 2 slots of GtAllele / kGtMissing / kGtVectorEnd
  // (vcf/bcf_writer.h), valid until the next call. Returns false after the last site.
  bool Next(SimSite* site, std::span<const int32_t>* gt);

 private:
  struct State;
  explicit GenotypeSimulator(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace renkei
