// Ingest: VCF/BCF + samples file → genotype store directory.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace renkei {

struct IngestOptions {
  std::string vcf_path;
  std::string samples_path;
  std::string out_dir;
  bool overwrite = false;       // replace an existing store at out_dir
  bool skip_malformed = false;  // count and report malformed records instead of failing
  bool show_progress = true;    // progress line on a terminal (never in pipes)
};

struct IngestReport {
  uint32_t samples = 0;
  uint64_t variants = 0;
  uint64_t alt_alleles = 0;
  uint64_t skipped_malformed = 0;
  std::vector<std::string> skipped_examples;  // the first few skip reasons
  uint64_t genotype_bytes = 0;
  uint64_t total_bytes = 0;
  double seconds = 0;
};

// Reads every record of the VCF/BCF and writes a store to out_dir atomically: on any error
// nothing appears at out_dir (an existing store there is left untouched).
// Errors: NotFound (inputs), InvalidArgument (malformed VCF record or samples value, naming
// file and record/line), FailedPrecondition (samples inconsistent between VCF and metadata,
// records out of order), AlreadyExists (out_dir exists and !overwrite), Internal (I/O).
Result<IngestReport> Ingest(const IngestOptions& options);

}  // namespace renkei
