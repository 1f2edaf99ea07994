// Reading VCF/BCF (plain, bgzipped or BCF) through htslib.
//
// VcfReader hands out one record at a time as plain C++ values so that no other layer needs
// htslib. Not thread-safe; one reader per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"

namespace renkei {

// Value of one allele slot of a genotype, as in VCF: an allele index (0 = REF), or one of:
inline constexpr int32_t kAlleleMissing = -1;  // '.' in a called ploidy slot
inline constexpr int32_t kAlleleEnd = -2;      // slot beyond this sample's ploidy

struct VcfRecord {
  std::string contig;
  int64_t pos = 0;  // 1-based
  std::string id;   // "." when absent
  std::string ref;
  std::vector<std::string> alts;  // empty for ALT '.'
  int max_ploidy = 0;             // slots per sample in `gt`; 0 when the record has no GT
  bool has_gt = false;
  std::vector<int32_t> gt;  // samples × max_ploidy allele indices (kAllele* sentinels)
  int64_t index = 0;        // 1-based ordinal of the record in the file, for messages
};

class VcfReader {
 public:
  // Opens a VCF, bgzipped VCF or BCF. NotFound if the file is missing; InvalidArgument if it is
  // not a readable VCF/BCF or has a malformed header.
  static Result<VcfReader> Open(const std::string& path);

  VcfReader(VcfReader&&) noexcept;
  VcfReader& operator=(VcfReader&&) noexcept;
  ~VcfReader();

  const std::vector<std::string>& samples() const { return samples_; }
  // Contigs declared in the header (name, length or 0 when unknown), in header order.
  const std::vector<std::pair<std::string, int64_t>>& contigs() const { return contigs_; }
  const std::string& path() const { return path_; }

  // Reads the next record into `out`. Returns true on a record, false at end of file.
  // InvalidArgument names the record (ordinal, contig:pos) when it is malformed: unparsable
  // line, allele index beyond the ALT list, undeclared contig in BCF. The reader stays usable
  // after a malformed VCF text line (the next call reads the next line).
  Result<bool> Next(VcfRecord* out);

 private:
  struct Impl;
  explicit VcfReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  std::string path_;
  std::vector<std::string> samples_;
  std::vector<std::pair<std::string, int64_t>> contigs_;
};

}  // namespace renkei
