// Tokens of the cohort expression language, and the error format that points at one.
// Internal to src/cohort/.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace renkei {

struct CohortToken {
  enum class Kind { kWord, kString, kEq, kNe, kComma, kAnd, kOr, kNot, kLParen, kRParen, kEnd };
  Kind kind = Kind::kEnd;
  std::string text;   // kWord: the word; kString: the unescaped content; else the symbol
  size_t offset = 0;  // byte offset of the token in the expression
};

// Splits an expression into tokens ending with one kEnd. Errors: InvalidArgument for an
// unterminated quoted value (formatted by CohortError).
Result<std::vector<CohortToken>> LexCohort(std::string_view expr);

// Returns the 1-based column (in UTF-8 characters) of a byte offset.
size_t CohortColumn(std::string_view expr, size_t offset);

// Returns "<message>\n  <expr>\n  <spaces>^" with the caret under the byte offset (wide East
// Asian characters count two columns so that the caret lines up in a terminal).
std::string CohortCaret(std::string_view message, std::string_view expr, size_t offset);

// Returns a token for messages: "'agee'", "'&'", or "end of expression".
std::string DescribeToken(const CohortToken& token);

}  // namespace renkei
