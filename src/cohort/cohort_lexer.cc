#include "cohort/cohort_lexer.h"

#include <cstdint>

#include "cohort/text_util.h"

namespace renkei {
namespace {

bool IsContinuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Decodes the code point starting at s[i] (lenient: invalid bytes count as one character).
uint32_t DecodeAt(std::string_view s, size_t i, size_t* length) {
  auto b = static_cast<unsigned char>(s[i]);
  size_t n = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 1;
  if (i + n > s.size()) n = 1;
  uint32_t cp = n == 1 ? b : n == 2 ? (b & 0x1Fu) : n == 3 ? (b & 0x0Fu) : (b & 0x07u);
  for (size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3Fu);
  *length = n;
  return cp;
}

bool IsWide(uint32_t cp) {
  return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
         (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
         (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
         (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x20000 && cp <= 0x3FFFD);
}

bool EndsWord(char c) {
  return text::IsSpace(c) || c == '(' || c == ')' || c == '=' || c == ',' || c == '&' || c == '|' ||
         c == '!' || c == '"';
}

}  // namespace

size_t CohortColumn(std::string_view expr, size_t offset) {
  size_t column = 1;
  for (size_t i = 0; i < offset && i < expr.size(); ++i) {
    if (!IsContinuation(expr[i])) ++column;
  }
  return column;
}

std::string CohortCaret(std::string_view message, std::string_view expr, size_t offset) {
  std::string shown;
  size_t pad = 0;
  for (size_t i = 0; i < expr.size();) {
    size_t n = 1;
    uint32_t cp = DecodeAt(expr, i, &n);
    // Tabs and newlines would break the alignment of the caret line.
    if (cp == '\t' || cp == '\n' || cp == '\r') {
      shown += ' ';
    } else {
      shown.append(expr.substr(i, n));
    }
    if (i < offset) pad += IsWide(cp) ? 2 : 1;
    i += n;
  }
  return std::string(message) + "\n  " + shown + "\n  " + std::string(pad, ' ') + "^";
}

std::string DescribeToken(const CohortToken& token) {
  if (token.kind == CohortToken::Kind::kEnd) return "end of expression";
  if (token.kind == CohortToken::Kind::kString) return "\"" + token.text + "\"";
  return "'" + token.text + "'";
}

Result<std::vector<CohortToken>> LexCohort(std::string_view expr) {
  using Kind = CohortToken::Kind;
  std::vector<CohortToken> tokens;
  size_t i = 0;
  while (true) {
    while (i < expr.size() && text::IsSpace(expr[i])) ++i;
    if (i >= expr.size()) break;
    const size_t start = i;
    const char c = expr[i];
    auto symbol = [&](Kind kind, size_t length) {
      tokens.push_back({kind, std::string(expr.substr(start, length)), start});
      i += length;
    };
    switch (c) {
      case '(':
        symbol(Kind::kLParen, 1);
        continue;
      case ')':
        symbol(Kind::kRParen, 1);
        continue;
      case ',':
        symbol(Kind::kComma, 1);
        continue;
      case '&':
        symbol(Kind::kAnd, 1);
        continue;
      case '|':
        symbol(Kind::kOr, 1);
        continue;
      case '=':
        symbol(Kind::kEq, 1);
        continue;
      case '!':
        if (i + 1 < expr.size() && expr[i + 1] == '=') {
          symbol(Kind::kNe, 2);
        } else {
          symbol(Kind::kNot, 1);
        }
        continue;
      default:
        break;
    }
    if (c == '"') {
      std::string value;
      ++i;
      bool closed = false;
      while (i < expr.size()) {
        char d = expr[i++];
        if (d == '"') {
          closed = true;
          break;
        }
        if (d == '\\' && i < expr.size() && (expr[i] == '"' || expr[i] == '\\')) d = expr[i++];
        value += d;
      }
      if (!closed) {
        return InvalidArgument(CohortCaret("unterminated quoted value starting at column " +
                                               std::to_string(CohortColumn(expr, start)),
                                           expr, start));
      }
      tokens.push_back({Kind::kString, std::move(value), start});
      continue;
    }
    while (i < expr.size() && !EndsWord(expr[i])) ++i;
    tokens.push_back({Kind::kWord, std::string(expr.substr(start, i - start)), start});
  }
  tokens.push_back({Kind::kEnd, "", expr.size()});
  return tokens;
}

}  // namespace renkei
