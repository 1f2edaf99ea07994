// `renkei simulate`: one biobank's worth of whole-genome genotypes and sample metadata.
//
// Writes into SimOptions::out_dir:
//   genotypes.bcf      GT-only BCF on GRCh38 contigs, one column per sample
//   genotypes.bcf.csi  its CSI index
//   samples.tsv        sample_id, biobank, age_band, sex, prefecture, icd10 (see metadata.h)
// Every test, benchmark and demo of renkei runs on this data; the model is described in
// genotypes.h and src/sim/README.md. Deterministic: the same options give a byte-identical
// samples.tsv and identical genotypes. Biobanks simulated with the same seed and variant count
// share sites and founder haplotypes (as in a joint call set) but have different individuals.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "sim/genotypes.h"

namespace renkei {

struct SimOptions {
  std::string site = "TMM";  // biobank id (TMM, BBJ, NCBN or any A–Z/0–9 id): id prefix, profile
  uint32_t samples = 1000;
  uint32_t variants = 10000;
  uint64_t seed = 1;
  std::string out_dir;
  int threads = 2;            // htslib compression threads
  int compression_level = 1;  // BGZF level of genotypes.bcf
  bool overwrite = false;     // replace an existing genotypes.bcf
  bool include_chr_y = true;
  uint32_t founders = 200;    // see GenomeOptions
  double segment_kb = 0;      // see GenomeOptions
  bool show_progress = true;  // progress line on stderr (only drawn when it is a terminal)
};

// Simulates and writes the three files. Outputs are written under temporary names and renamed
// into place at the end, so a failed or interrupted run never leaves a genotypes.bcf behind.
// `counts` (optional) receives what was generated.
// Errors: InvalidArgument for bad options (empty out_dir, site not 1–16 characters of A–Z/0–9,
// samples or variants 0, threads < 0, founders outside 2–65535); AlreadyExists if
// out_dir/genotypes.bcf exists and !overwrite; NotFound/PermissionDenied/Internal when files
// cannot be created or written.
Status Simulate(const SimOptions& options, SimCounts* counts = nullptr);

}  // namespace renkei
