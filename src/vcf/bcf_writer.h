// Writing VCF/BCF (plain VCF, bgzipped VCF or compressed BCF) through htslib, with a CSI index.
//
// BcfWriter is the write-side twin of VcfReader: callers hand it plain C++ values (contig index,
// position, alleles, genotype codes) and never see htslib. Genotypes are passed in htslib's own
// integer encoding (see GtAllele / kGtMissing / kGtVectorEnd below) so that a caller producing
// millions of genotypes per second can fill one reusable buffer without any per-genotype work in
// the writer. Not thread-safe; one writer per thread. Compression may use worker threads inside
// htslib (WriterOptions::threads).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace renkei {

// Genotype slot codes, bit-identical to htslib's bcf_gt_* macros and bcf_int32_vector_end
// (checked by static_assert in bcf_writer.cc).
//
// Allele index `allele` (0 = REF), phased to the previous slot of the same sample when `phased`
// (htslib stores the phase bit on the second and later slots; the first slot's bit is ignored).
constexpr int32_t GtAllele(int allele, bool phased = false) {
  return ((allele + 1) << 1) | (phased ? 1 : 0);
}
inline constexpr int32_t kGtMissing = 0;              // '.' in a called slot
inline constexpr int32_t kGtMissingPhased = 1;        // '.' phased to the previous slot
inline constexpr int32_t kGtVectorEnd = -2147483647;  // padding beyond this sample's ploidy
inline constexpr int kMaxAlleles = 64;                // REF + ALTs accepted per record

// Output container, from the file name by default.
enum class VcfFormat {
  kAuto,  // ".bcf" → kBcf, ".vcf.gz"/".vcf.bgz" → kVcfGz, ".vcf" → kVcf; else InvalidArgument
  kBcf,   // BGZF-compressed BCF 2.2
  kVcfGz,  // BGZF-compressed VCF text
  kVcf,    // plain VCF text
};

struct VcfContig {
  std::string name;
  int64_t length = 0;  // 0 = unknown (no length= in the ##contig line)
};

struct WriterOptions {
  VcfFormat format = VcfFormat::kAuto;
  // BGZF deflate level 0–9 for kBcf / kVcfGz. On simulated 10k × 200k genotypes level 1 was
  // ~3x faster end to end than the htslib default (6) for a 23% larger file; level 3 saved 8%
  // at about the same speed (see src/sim/README.md).
  int compression_level = 1;
  // Compression worker threads (hts_set_threads); 0 = compress on the calling thread.
  int threads = 0;
  // Build "<path>.csi" (or index_path) on the fly for kBcf / kVcfGz; ignored for plain VCF.
  bool build_index = true;
  // Where to put the index; empty = "<path>.csi".
  std::string index_path;
  // Value of the ##source= header line; empty = no such line.
  std::string source = "renkei";
  // Extra header lines, each complete ("##key=value"), appended after ##source.
  std::vector<std::string> extra_header_lines;
};

// One VCF record without INFO: CHROM, POS, ID, REF, ALT and the GT of every sample.
struct VariantSite {
  int32_t contig = 0;                      // index into the contigs given to Open
  int64_t pos = 0;                         // 1-based
  std::string_view id;                     // empty = "."
  std::string_view ref;                    // uppercase bases, non-empty
  std::span<const std::string_view> alts;  // may be empty (ALT ".")
};

class BcfWriter {
 public:
  // Creates `path` and writes the header: ##fileformat, ##source (if set), one ##contig per
  // entry of `contigs` (with length when known), ##FORMAT=GT, the extra lines, then the sample
  // names. Overwrites an existing file at `path` (callers decide whether that is allowed).
  // Errors: InvalidArgument for an unknown extension, no/duplicate/empty sample or contig names,
  // a compression level outside 0–9; NotFound if the directory does not exist; PermissionDenied
  // if it is not writable; Internal for any other htslib failure.
  static Result<BcfWriter> Open(const std::string& path, std::span<const std::string> samples,
                                std::span<const VcfContig> contigs, const WriterOptions& options);

  BcfWriter(BcfWriter&&) noexcept;
  BcfWriter& operator=(BcfWriter&&) noexcept;
  // Closes the file if Close() was not called, ignoring errors (call Close() to see them).
  ~BcfWriter();

  // Appends one record. `gt` holds samples × ploidy slot codes, sample-major, where ploidy
  // = gt.size() / samples (1 for all-haploid records, 2 for diploid; pad shorter samples with
  // kGtVectorEnd). Records must be grouped by contig (a contig may not reappear after another)
  // and sorted by pos within a contig.
  // Errors: InvalidArgument for a bad contig index, pos < 1, empty/too many alleles, a gt size
  // that is not a positive multiple of the sample count, or an allele code beyond the ALT list;
  // FailedPrecondition for an out-of-order record or a closed writer; Internal if htslib fails
  // to write (e.g. disk full). After an Internal error the file is incomplete.
  Status Write(const VariantSite& site, std::span<const int32_t> gt);

  // Flushes, finishes the BGZF stream, writes the index (when enabled) and closes the file.
  // Errors: Internal if flushing, indexing or closing fails. Calling Close() again returns OK.
  Status Close();

  size_t sample_count() const { return sample_count_; }
  int64_t records_written() const { return records_written_; }

 private:
  struct Impl;
  explicit BcfWriter(std::unique_ptr<Impl> impl, size_t sample_count);
  Status EncodeGenotypes(int64_t pos, int n_alleles, std::span<const int32_t> gt);

  std::unique_ptr<Impl> impl_;
  size_t sample_count_ = 0;
  int64_t records_written_ = 0;
};

}  // namespace renkei
