// Icd10Code: one ICD-10 code as a compact value (4 bytes), and its text syntax.
//
// A code is a three-character category (letter + two digits, "E11") with an optional
// fourth-character subcategory digit ("F00.1"). The category is stored as the index
// (letter - 'A') * 100 + number, 0..2599, so that category ranges such as A00-B99 are integer
// ranges. Values are plain data: copy freely; thread-safe.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace renkei {

// Number of category indices (A00..Z99).
inline constexpr int kIcd10CategoryCount = 26 * 100;

class Icd10Code {
 public:
  // Returns the category index of e.g. 'F', 0 (F00). Precondition: 'A' <= letter <= 'Z',
  // 0 <= number <= 99.
  static constexpr uint16_t CategoryIndex(char letter, int number) {
    return static_cast<uint16_t>((letter - 'A') * 100 + number);
  }

  // The code A00 (a placeholder; prefer Parse).
  constexpr Icd10Code() = default;
  // A three-character code (subcategory < 0) or a four-character code (subcategory 0..9).
  // Precondition: category < kIcd10CategoryCount, subcategory in -1..9.
  constexpr explicit Icd10Code(uint16_t category, int subcategory = -1)
      : category_(category), sub_(static_cast<uint8_t>(subcategory + 1)) {}

  // Parses the syntax only (no catalogue check): a letter, two digits and an optional
  // subcategory digit, with or without the dot ("F00.1", "F001", "f00.1", "E11"). Surrounding
  // ASCII whitespace is ignored. Returns InvalidArgument "malformed ICD-10 code '...'" otherwise.
  static Result<Icd10Code> Parse(std::string_view text);

  // Returns whether text looks like an attempt at a code (a letter followed by at least one
  // digit, then only digits and dots), so that callers can report "malformed" instead of
  // treating it as a disease name.
  static bool LooksLikeCode(std::string_view text);

  // The category index, 0..2599.
  constexpr uint16_t category() const { return category_; }
  // The subcategory digit 0..9, or -1 for a three-character code.
  constexpr int subcategory() const { return static_cast<int>(sub_) - 1; }
  constexpr bool has_subcategory() const { return sub_ != 0; }
  // The three-character category of this code (itself if it has no subcategory).
  constexpr Icd10Code Category() const { return Icd10Code(category_); }

  // Canonical text: "E11", "F00.1".
  std::string ToString() const;

  // Orders by category, then the three-character code before its subcategories.
  constexpr auto operator<=>(const Icd10Code&) const = default;

 private:
  uint16_t category_ = 0;
  uint8_t sub_ = 0;  // 0 = none, d + 1 for subcategory digit d
};

// Returns the canonical text of a category index, e.g. 500 -> "F00".
std::string Icd10CategoryName(uint16_t category);

// An inclusive range of category indices, e.g. F00-F03 or A00-B99.
struct Icd10CategoryRange {
  uint16_t first = 0;
  uint16_t last = 0;
  bool operator==(const Icd10CategoryRange&) const = default;
};

// Parses "F00-F03" (two three-character categories, ASCII case-insensitive, first <= last;
// spaces around '-' allowed). Returns InvalidArgument naming the text otherwise.
Result<Icd10CategoryRange> ParseIcd10Range(std::string_view text);

// Returns "F00-F03", or "F00" when first == last.
std::string Icd10RangeName(Icd10CategoryRange range);

}  // namespace renkei
