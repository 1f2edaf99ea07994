// Sample metadata: one row per sample with the four basic clinical attributes (age band, sex,
// prefecture → region, ICD-10 codes), the biobank it belongs to, and any site-specific extra
// columns, read from and written to a TSV file.
//
// File format (tab-separated, UTF-8, one header line):
//   sample_id  biobank  age_band  sex  prefecture  icd10  [extra columns...]
// The six columns come first, in this order; extra columns follow and are kept verbatim.
// age_band: 0-9 … 80-89, 90+. sex: male, female, unknown. prefecture: JIS code (13, 01, 1),
// English (Tokyo) or Japanese (東京都, 東京) name. icd10: zero or more codes separated by
// commas ("F00.1,E11"; empty = none). A UTF-8 BOM, CRLF line ends and blank trailing lines are
// tolerated.
//
// A SampleTable is a value (copyable, movable); const methods are thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cohort/icd10_code.h"
#include "cohort/vocab.h"
#include "common/status.h"

namespace renkei {

struct Sample {
  std::string id;
  std::string biobank;
  uint8_t age_band = 0;  // 0..9, see vocab.h
  Sex sex = Sex::kUnknown;
  uint8_t prefecture = 13;         // JIS X 0401 code 1..47
  Region region = Region::kKanto;  // always the region of `prefecture`
  std::vector<Icd10Code> icd10;    // known codes, sorted, unique
  std::vector<std::string> extra;  // one value per extra column
};

class SampleTable {
 public:
  // The empty table.
  SampleTable() = default;

  // Builds a table from samples (e.g. generated ones). Sets each region from its prefecture and
  // sorts and deduplicates its codes. Errors: InvalidArgument for an empty id or biobank, a
  // value with a tab or newline, an age band or prefecture out of range, an unknown ICD-10 code,
  // or a sample whose extra values do not match extra_columns; FailedPrecondition for a
  // duplicate id.
  static Result<SampleTable> FromSamples(std::vector<Sample> samples,
                                         std::vector<std::string> extra_columns = {});

  // Reads a samples file. Errors: NotFound if it cannot be opened, DataLoss if reading fails,
  // otherwise as ParseTsv with the path as the name.
  static Result<SampleTable> ReadTsv(const std::string& path);

  // Parses the text of a samples file. Every error names the file (name_for_errors), the
  // 1-based line and, for a bad value, the field, e.g.
  //   "samples.tsv:7: field 'sex': unknown sex 'M'; expected male, female or unknown".
  // InvalidArgument: empty text, wrong header, wrong column count, blank line before the end,
  // empty sample_id or biobank, unknown age band, sex or prefecture, malformed or unknown
  // ICD-10 code. FailedPrecondition: a duplicate sample id (naming both lines).
  // With `problems`, every row is checked and each bad one (up to max_problems) is added to it
  // in line order, so that an upload can be answered with a line-by-line report; a problem of
  // the file or its header ends the parse at once and is then the only one. The first problem
  // is the one returned; `problems` is left empty on success.
  static Result<SampleTable> ParseTsv(std::string_view text, std::string_view name_for_errors,
                                      std::vector<Status>* problems = nullptr,
                                      size_t max_problems = 1000);

  // Writes the table in normalised form: prefecture as a 2-digit code, codes canonical and
  // sorted, extra columns and their header kept; LF line ends, no BOM. Errors: NotFound if
  // the file cannot be created, DataLoss if writing fails.
  Status WriteTsv(const std::string& path) const;

  // Returns the normalised file text that WriteTsv writes.
  std::string ToTsv() const;

  size_t size() const { return samples_.size(); }
  bool empty() const { return samples_.empty(); }
  // Precondition: i < size().
  const Sample& operator[](size_t i) const { return samples_[i]; }
  std::span<const Sample> samples() const { return samples_; }

  // Returns the row of the sample with this id, or nullopt.
  std::optional<size_t> IndexOf(std::string_view id) const;

  // The names of the columns after the six standard ones, in file order.
  const std::vector<std::string>& extra_columns() const { return extra_columns_; }

  // Returns the table with its rows in the order of `ids` (e.g. the VCF's sample order).
  // FailedPrecondition if ids repeats an id, or if ids and the table do not hold the same
  // samples: the message gives the totals and up to 5 ids on each side, e.g.
  //   "2 samples in the VCF are not in the metadata: S9, S10; 1 sample in the metadata is not
  //    in the VCF: S3".
  Result<SampleTable> Reorder(std::span<const std::string> ids) const;

 private:
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  std::vector<Sample> samples_;
  std::vector<std::string> extra_columns_;
  std::unordered_map<std::string, size_t, StringHash, std::equal_to<>> index_;
};

}  // namespace renkei
