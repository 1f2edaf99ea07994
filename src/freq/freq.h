// The allele-frequency engine: cohort mask × selected variants → counts, streamed out as TSV,
// JSON or a sites-only VCF whose INFO tags carry bcftools +fill-tags names and meanings
// (AC, AN, AF, AC_Hom, AC_Het, AC_Hemi, NS).
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "common/status.h"
#include "freq/selector.h"
#include "store/store.h"

namespace renkei {

enum class FreqFormat { kTsv, kJson, kVcf };

// "tsv", "json" or "vcf". InvalidArgument otherwise.
Result<FreqFormat> ParseFreqFormat(std::string_view name);

struct FreqRequest {
  const GenotypeStore* store = nullptr;
  // Cohort as a bitmask over store samples (ceil(n/64) words); empty = every sample.
  std::vector<uint64_t> mask;
  std::string cohort_text = "all";  // echoed in the output header
  VariantSelector selector;
  FreqFormat format = FreqFormat::kTsv;
  int threads = 2;
  bool show_progress = false;  // progress line on a terminal for long runs
};

struct FreqSummary {
  uint64_t sites = 0;
  uint64_t rows = 0;
  uint32_t cohort_size = 0;
};

// Computes and writes frequencies to `out` in store order. Errors: NotFound (unknown contig or
// variant), DataLoss (corrupt store), Internal (write failure, e.g. a closed pipe).
Result<FreqSummary> RunFreq(const FreqRequest& request, std::FILE* out);

// Counts one site for a cohort (mask empty = everyone). For programmatic use and tests.
Result<SiteCounts> CountCohort(const GenotypeStore& store, size_t variant,
                               const std::vector<uint64_t>& mask);

// Appends AF = AC/AN formatted exactly as bcftools prints it ("." when AN = 0) to `out`.
void AppendAf(uint32_t ac, uint32_t an, std::string* out);

}  // namespace renkei
