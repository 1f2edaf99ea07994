// Cohort: a boolean expression over sample attributes, e.g.
//   age=60-79 & sex=male & region=kanto & disease=dementia
//
// Grammar (whitespace allowed anywhere between tokens):
//   expr  := or                      the empty expression and `all` mean everyone
//   or    := and ('|' and)*
//   and   := unary ('&' unary)*
//   unary := '!' unary | '(' expr ')' | 'all' | term
//   term  := attribute ('=' | '!=') value (',' value)*     a comma list is a union
// Attributes (ASCII case-insensitive): age (band 60-69, 90+, a band-aligned range 60-79, or
// N+ such as 80+), sex, region, prefecture (JIS code or name), biobank (case-sensitive),
// icd10 and disease (anything ResolveDiseaseTerm accepts), sample (ids, or @path: a file with
// one id per line, blank lines and # comments skipped, read at Parse time).
// Values may be double-quoted ("\"" and "\\" escapes) to include spaces or &|,()!=.
//
// A Cohort is an immutable value: copies share the parsed tree; all methods are thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cohort/samples.h"
#include "common/status.h"

namespace renkei {

struct CohortNode;  // the parsed tree, defined in cohort_ast.h

class Cohort {
 public:
  // The cohort of everyone (same as Parse("")).
  Cohort();

  // Parses and checks an expression: values are resolved now (age bands, regions, ICD-10 terms,
  // sample files), so a cohort that parses can only fail at Evaluate on unknown sample ids.
  // Errors: InvalidArgument with the 1-based column (in characters) of the offending token and
  // a caret line, e.g.
  //   "unknown attribute 'agee' at column 1; expected one of age, sex, region, prefecture,
  //    biobank, icd10, disease, sample\n  agee=60-69\n  ^"
  // NotFound (with the column) if a @path sample file cannot be read.
  static Result<Cohort> Parse(std::string_view expr);

  // Whether sample ids the table lacks are an error (one table) or simply match no one (a
  // federation, where each site holds some of the samples).
  enum class UnknownSamples { kError, kIgnore };

  // Returns the members of the cohort among the table's samples: bit i set = sample i (see
  // sample_mask.h; ceil(n / 64) words, unused high bits zero). With kError, NotFound naming up
  // to 5 sample ids (and the total) that the table lacks.
  Result<std::vector<uint64_t>> Evaluate(
      const SampleTable& table, UnknownSamples unknown_samples = UnknownSamples::kError) const;

  // Returns the canonical form: attribute names lower-case, values normalised (age bands
  // expanded, region slugs, 2-digit prefecture codes, canonical ICD-10 codes and group keys,
  // @path expanded to its ids), enumerated values in vocabulary order, duplicates removed,
  // minimal parentheses, " & " and " | " between operands; "all" for everyone. Parsing the
  // canonical form gives the same cohort.
  std::string ToString() const;

  // True if the expression names samples (`sample=…` anywhere): such cohorts are for the
  // controlled tier only (privacy/guard.h).
  bool NamesSamples() const;

 private:
  explicit Cohort(std::shared_ptr<const CohortNode> root) : root_(std::move(root)) {}
  std::shared_ptr<const CohortNode> root_;
};

// A value as the cohort language reads it back as one word: unchanged when it can be, else
// double-quoted with `"` and `\` escaped (spaces, operators, a leading '@', the word "all").
std::string QuoteCohortValue(std::string_view value);

}  // namespace renkei
