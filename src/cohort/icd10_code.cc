#include "cohort/icd10_code.h"

#include "cohort/text_util.h"

namespace renkei {

Result<Icd10Code> Icd10Code::Parse(std::string_view text) {
  std::string_view t = text::Trim(text);
  auto malformed = [&] {
    return InvalidArgument("malformed ICD-10 code '" + std::string(text) +
                           "'; expected a letter, two digits and an optional subcategory digit, "
                           "e.g. E11 or F00.1");
  };
  if (t.size() < 3 || t.size() > 5) return malformed();
  char letter = text::AsciiUpper(t[0]);
  if (letter < 'A' || letter > 'Z' || !text::IsDigit(t[1]) || !text::IsDigit(t[2])) {
    return malformed();
  }
  uint16_t category = CategoryIndex(letter, (t[1] - '0') * 10 + (t[2] - '0'));
  std::string_view rest = t.substr(3);
  if (rest.empty()) return Icd10Code(category);
  if (rest.front() == '.') rest.remove_prefix(1);
  if (rest.size() != 1 || !text::IsDigit(rest[0])) return malformed();
  return Icd10Code(category, rest[0] - '0');
}

bool Icd10Code::LooksLikeCode(std::string_view text) {
  std::string_view t = text::Trim(text);
  if (t.size() < 2) return false;
  char letter = text::AsciiUpper(t[0]);
  if (letter < 'A' || letter > 'Z' || !text::IsDigit(t[1])) return false;
  for (char c : t.substr(2)) {
    if (!text::IsDigit(c) && c != '.') return false;
  }
  return true;
}

std::string Icd10CategoryName(uint16_t category) {
  std::string out(3, ' ');
  out[0] = static_cast<char>('A' + category / 100);
  out[1] = static_cast<char>('0' + (category / 10) % 10);
  out[2] = static_cast<char>('0' + category % 10);
  return out;
}

std::string Icd10Code::ToString() const {
  std::string out = Icd10CategoryName(category_);
  if (has_subcategory()) {
    out += '.';
    out += static_cast<char>('0' + subcategory());
  }
  return out;
}

Result<Icd10CategoryRange> ParseIcd10Range(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return InvalidArgument("malformed ICD-10 range '" + std::string(text) +
                           "': " + std::string(why));
  };
  size_t dash = text.find('-');
  if (dash == std::string_view::npos) return bad("expected two categories such as F00-F03");
  Result<Icd10Code> first = Icd10Code::Parse(text.substr(0, dash));
  Result<Icd10Code> last = Icd10Code::Parse(text.substr(dash + 1));
  if (!first.ok() || !last.ok()) return bad("expected two categories such as F00-F03");
  if (first->has_subcategory() || last->has_subcategory()) {
    return bad("range ends must be three-character categories such as F00-F03");
  }
  if (first->category() > last->category()) return bad("the first category is after the last");
  return Icd10CategoryRange{first->category(), last->category()};
}

std::string Icd10RangeName(Icd10CategoryRange range) {
  if (range.first == range.last) return Icd10CategoryName(range.first);
  return Icd10CategoryName(range.first) + "-" + Icd10CategoryName(range.last);
}

}  // namespace renkei
