// Icd10Catalog: the ICD-10 hierarchy (chapters, blocks, categories, subcategories) with English
// (WHO) and Japanese (MHLW 2013) titles and the Japanese disease-name index, embedded in the
// binary at build time from shared/data/icd10/.
//
// Icd10Catalog::Get() builds the one catalogue lazily on first use (about 10 ms) and is
// thread-safe; the catalogue is immutable afterwards, so every const method is thread-safe and
// returned string_views and pointers stay valid for the life of the process.
#pragma once

#include <cstdint>
#include <mutex>
#include <span>
#include <string_view>
#include <vector>

#include "cohort/icd10_code.h"
#include "common/status.h"

namespace renkei {

// One of the 22 chapters, e.g. V = F00-F99 "Mental and behavioural disorders".
struct Icd10Chapter {
  int number = 0;             // 1..22
  std::string_view numeral;   // "V"
  std::string_view range;     // "F00-F99"
  uint16_t first = 0;         // category index of the first category in the range
  uint16_t last = 0;          // category index of the last category in the range
  std::string_view title_en;  // WHO title
  std::string_view title_ja;  // MHLW title; empty if the Japanese edition has none
};

// One block of categories within a chapter, e.g. F00-F09 "Organic, including symptomatic,
// mental disorders".
struct Icd10Block {
  std::string_view range;  // "F00-F09"
  uint16_t first = 0;
  uint16_t last = 0;
  int chapter = 0;  // number of the chapter holding the block, 1..22
  std::string_view title_en;
  std::string_view title_ja;
};

// The result of a name search: the codes (sorted, unique) and whether they came from exact
// matches (true) or substring matches (false). Empty codes = nothing matched.
struct Icd10NameMatch {
  std::vector<Icd10Code> codes;
  bool exact = false;
};

class Icd10Catalog {
 public:
  // Returns the process-wide catalogue, building it on first call. Thread-safe.
  static const Icd10Catalog& Get();

  Icd10Catalog(const Icd10Catalog&) = delete;
  Icd10Catalog& operator=(const Icd10Catalog&) = delete;

  // Returns whether the code is in the WHO ICD-10 or the Japanese 2013 edition.
  bool IsKnown(Icd10Code code) const;

  // Parses and checks a code: InvalidArgument "malformed ICD-10 code '…'" for bad syntax,
  // InvalidArgument "unknown ICD-10 code '…'" for a well-formed code not in the catalogue.
  Result<Icd10Code> ParseKnown(std::string_view text) const;

  // Returns the English (WHO) title, or "" if the code is unknown or only in the Japanese
  // edition.
  std::string_view TitleEn(Icd10Code code) const;
  // Returns the Japanese title, or "" if the code is unknown or not in the Japanese edition.
  std::string_view TitleJa(Icd10Code code) const;

  // The 22 chapters in order I..XXII.
  std::span<const Icd10Chapter> chapters() const { return chapters_; }
  // The blocks in the WHO file's order (by chapter, then range).
  std::span<const Icd10Block> blocks() const { return blocks_; }
  // Every known code, sorted.
  std::span<const Icd10Code> codes() const { return codes_; }

  // Returns the chapter containing the code's category, or nullptr (not every letter-number
  // combination is in a chapter, e.g. U99).
  const Icd10Chapter* ChapterOf(Icd10Code code) const;
  // Returns the WHO block containing the code's category, or nullptr if none does (a few
  // Japanese-edition codes, e.g. K64, fall outside the WHO blocks).
  const Icd10Block* BlockOf(Icd10Code code) const;

  // Finds a chapter by roman numeral, ASCII case-insensitively ("V", "xxi"); nullptr if none.
  const Icd10Chapter* FindChapter(std::string_view numeral) const;
  // Finds a chapter or block by its exact range text ("F00-F99", "F00-F09"); nullptr if none.
  const Icd10Chapter* FindChapterByRange(std::string_view range) const;
  const Icd10Block* FindBlock(std::string_view range) const;

  // Searches Japanese names: exact matches of the disease-name index and the Japanese titles
  // first; if there are none, names and titles containing `name`. Codes in the index that are
  // finer than the catalogue (e.g. "F15.2b", "J96.90") map to their four-character parent,
  // "T08.-0" to its category.
  Icd10NameMatch FindByJapaneseName(std::string_view name) const;

  // Searches English titles ASCII case-insensitively: exact title matches first; if there are
  // none, titles containing `text`.
  Icd10NameMatch FindByEnglishTitle(std::string_view text) const;

 private:
  struct Entry {
    Icd10Code code;
    std::string_view title_en;
    std::string_view title_ja;
  };
  struct IndexName {
    std::string_view name;
    std::string_view codes;  // comma-separated, as in the file
  };

  Icd10Catalog();
  void Load();
  const Entry* Find(Icd10Code code) const;
  void AddIndexCodes(std::string_view codes_text, std::vector<Icd10Code>& out) const;

  std::vector<Entry> entries_;    // sorted by code
  std::vector<Icd10Code> codes_;  // the same codes, for codes()
  std::vector<int32_t> slot_;     // category * 11 + (subcategory + 1) -> entries_ index
  std::vector<Icd10Chapter> chapters_;
  std::vector<Icd10Block> blocks_;
  std::vector<int8_t> chapter_of_;  // category -> chapters_ index or -1
  std::vector<int16_t> block_of_;   // category -> blocks_ index or -1
  const std::vector<IndexName>& IndexNames() const;
  mutable std::once_flag names_once_;
  mutable std::vector<IndexName> index_names_;  // the disease-name index, loaded lazily
};

}  // namespace renkei
