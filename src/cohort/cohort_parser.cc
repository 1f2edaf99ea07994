// Cohort::Parse: a recursive-descent parser over the tokens of cohort_lexer.h, resolving
// every value as it goes so that errors point at the value's column.
#include <fstream>
#include <unordered_set>
#include <utility>

#include "cohort/cohort.h"
#include "cohort/cohort_ast.h"
#include "cohort/cohort_lexer.h"
#include "cohort/disease_terms.h"
#include "cohort/text_util.h"
#include "cohort/vocab.h"

namespace renkei {
namespace {

using Kind = CohortToken::Kind;

constexpr std::string_view kAttributeList =
    "age, sex, region, prefecture, biobank, icd10, disease, sample";

struct AttributeName {
  std::string_view name;
  CohortAttribute attribute;
};
constexpr AttributeName kAttributes[] = {
    {"age", CohortAttribute::kAge},         {"sex", CohortAttribute::kSex},
    {"region", CohortAttribute::kRegion},   {"prefecture", CohortAttribute::kPrefecture},
    {"biobank", CohortAttribute::kBiobank}, {"icd10", CohortAttribute::kIcd10},
    {"disease", CohortAttribute::kDisease}, {"sample", CohortAttribute::kSample},
};

// Age values: a band ("60-69", "90+"), "N+" (bands from N up), or a band-aligned range
// ("60-79"). Returns the bands as bits 0..9.
Result<uint64_t> ParseAgeValue(std::string_view v) {
  if (Result<int> band = ParseAgeBand(v); band.ok()) return uint64_t{1} << *band;
  auto number = [](std::string_view s, int* out) {
    if (s.empty() || s.size() > 3) return false;
    int n = 0;
    for (char c : s) {
      if (!text::IsDigit(c)) return false;
      n = n * 10 + (c - '0');
    }
    *out = n;
    return true;
  };
  int lo = 0;
  int hi = 0;
  if (v.ends_with('+') && number(v.substr(0, v.size() - 1), &lo)) {
    if (lo % 10 != 0 || lo > 90) {
      return InvalidArgument("age '" + std::string(v) +
                             "' does not start a 10-year band; use e.g. 60+ or 90+");
    }
    hi = 99;
  } else if (size_t dash = v.find('-'); dash != std::string_view::npos &&
                                        number(v.substr(0, dash), &lo) &&
                                        number(v.substr(dash + 1), &hi)) {
    if (lo > hi) return InvalidArgument("age range '" + std::string(v) + "' is reversed");
    if (lo % 10 != 0 || hi % 10 != 9) {
      return InvalidArgument("age range '" + std::string(v) +
                             "' is not aligned to 10-year bands; use e.g. 60-69 or 60-79");
    }
  } else {
    return InvalidArgument("unknown age '" + std::string(v) +
                           "'; expected a band such as 60-69 or 90+, or a range of bands such "
                           "as 60-79");
  }
  uint64_t bits = 0;
  for (int b = lo / 10; b <= hi / 10 && b < kAgeBandCount; ++b) bits |= uint64_t{1} << b;
  return bits;
}

// Reads a sample-id file: one id per line, surrounding whitespace trimmed, blank lines and
// lines starting with '#' skipped.
Result<std::vector<std::string>> ReadSampleList(const std::string& path) {
  std::ifstream in(path);
  if (!in) return NotFound("cannot read sample list file '" + path + "'");
  std::vector<std::string> ids;
  std::string line;
  while (std::getline(in, line)) {
    std::string_view id = text::Trim(line);
    if (id.empty() || id.front() == '#') continue;
    ids.emplace_back(id);
  }
  if (in.bad()) return NotFound("cannot read sample list file '" + path + "'");
  return ids;
}

void AddUnique(std::vector<std::string>& list, std::string value) {
  for (const std::string& v : list) {
    if (v == value) return;
  }
  list.push_back(std::move(value));
}

class Parser {
 public:
  Parser(std::string_view expr, std::vector<CohortToken> tokens)
      : expr_(expr), tokens_(std::move(tokens)) {}

  Result<CohortNode> ParseAll() {
    if (Peek().kind == Kind::kEnd) return CohortNode{};
    ASSIGN_OR_RETURN(CohortNode node, ParseOr());
    if (Peek().kind == Kind::kRParen) return Error("unmatched ')'", Peek());
    if (Peek().kind != Kind::kEnd) {
      std::string hint = Peek().kind == Kind::kWord || Peek().kind == Kind::kString
                             ? " (quote values that contain spaces)"
                             : "";
      return Error("expected '&', '|' or end of expression", Peek(), hint);
    }
    return node;
  }

 private:
  const CohortToken& Peek() const { return tokens_[pos_]; }
  const CohortToken& Next() { return tokens_[pos_ < tokens_.size() - 1 ? pos_++ : pos_]; }

  // "<what> at column N, found <token><hint>" plus the caret line.
  Status Error(std::string_view what, const CohortToken& token, std::string_view hint = "") {
    std::string message =
        std::string(what) + " at column " + std::to_string(CohortColumn(expr_, token.offset));
    if (what.starts_with("expected")) message += ", found " + DescribeToken(token);
    message += hint;
    return InvalidArgument(CohortCaret(message, expr_, token.offset));
  }

  // Combines operands into an n-ary node, flattening nested nodes of the same kind.
  static CohortNode Combine(CohortNode::Kind kind, std::vector<CohortNode> operands) {
    if (operands.size() == 1) return std::move(operands.front());
    CohortNode node;
    node.kind = kind;
    for (CohortNode& child : operands) {
      if (child.kind == kind) {
        for (CohortNode& grandchild : child.children)
          node.children.push_back(std::move(grandchild));
      } else {
        node.children.push_back(std::move(child));
      }
    }
    return node;
  }

  Result<CohortNode> ParseOr() {
    std::vector<CohortNode> operands;
    ASSIGN_OR_RETURN(CohortNode first, ParseAnd());
    operands.push_back(std::move(first));
    while (Peek().kind == Kind::kOr) {
      Next();
      ASSIGN_OR_RETURN(CohortNode next, ParseAnd());
      operands.push_back(std::move(next));
    }
    return Combine(CohortNode::Kind::kOr, std::move(operands));
  }

  Result<CohortNode> ParseAnd() {
    std::vector<CohortNode> operands;
    ASSIGN_OR_RETURN(CohortNode first, ParseUnary());
    operands.push_back(std::move(first));
    while (Peek().kind == Kind::kAnd) {
      Next();
      ASSIGN_OR_RETURN(CohortNode next, ParseUnary());
      operands.push_back(std::move(next));
    }
    return Combine(CohortNode::Kind::kAnd, std::move(operands));
  }

  Result<CohortNode> ParseUnary() {
    const CohortToken& token = Peek();
    if (token.kind == Kind::kNot) {
      Next();
      ASSIGN_OR_RETURN(CohortNode operand, ParseUnary());
      if (operand.kind == CohortNode::Kind::kNot) return std::move(operand.children.front());
      CohortNode node;
      node.kind = CohortNode::Kind::kNot;
      node.children.push_back(std::move(operand));
      return node;
    }
    if (token.kind == Kind::kLParen) {
      const CohortToken& open = Next();
      ASSIGN_OR_RETURN(CohortNode inner, ParseOr());
      if (Peek().kind != Kind::kRParen) {
        if (Peek().kind == Kind::kEnd) return Error("unmatched '('", open);
        return Error("expected ')' to close the '(' at column " +
                         std::to_string(CohortColumn(expr_, open.offset)),
                     Peek());
      }
      Next();
      return inner;
    }
    return ParseTerm();
  }

  Result<CohortNode> ParseTerm() {
    const CohortToken& name = Next();
    if (name.kind != Kind::kWord) {
      return Error("expected an attribute name, '!' or '('", name);
    }
    if (text::EqualsIgnoreCase(name.text, "all") && Peek().kind != Kind::kEq &&
        Peek().kind != Kind::kNe) {
      return CohortNode{};
    }
    const AttributeName* attribute = nullptr;
    for (const AttributeName& a : kAttributes) {
      if (text::EqualsIgnoreCase(name.text, a.name)) attribute = &a;
    }
    if (attribute == nullptr) {
      return Error("unknown attribute '" + name.text + "'", name,
                   "; expected one of " + std::string(kAttributeList));
    }
    const CohortToken& op = Next();
    if (op.kind != Kind::kEq && op.kind != Kind::kNe) {
      return Error("expected '=' or '!=' after '" + name.text + "'", op);
    }
    CohortNode node;
    node.kind = CohortNode::Kind::kTerm;
    node.term.attribute = attribute->attribute;
    node.term.negated = op.kind == Kind::kNe;
    while (true) {
      const CohortToken& value = Next();
      if (value.kind != Kind::kWord && value.kind != Kind::kString) {
        return Error("expected a value for " + std::string(attribute->name), value);
      }
      Status status = AddValue(node.term, value.text);
      if (!status.ok()) {
        std::string message = "invalid " + std::string(attribute->name) + " value at column " +
                              std::to_string(CohortColumn(expr_, value.offset)) + ": " +
                              status.message();
        return Status(status.code(), CohortCaret(message, expr_, value.offset));
      }
      if (Peek().kind != Kind::kComma) break;
      Next();
    }
    return node;
  }

  static Status AddValue(CohortTerm& term, const std::string& value) {
    switch (term.attribute) {
      case CohortAttribute::kAge: {
        ASSIGN_OR_RETURN(uint64_t bits, ParseAgeValue(value));
        term.values |= bits;
        return Status::Ok();
      }
      case CohortAttribute::kSex: {
        ASSIGN_OR_RETURN(Sex sex, ParseSex(value));
        term.values |= uint64_t{1} << static_cast<int>(sex);
        return Status::Ok();
      }
      case CohortAttribute::kRegion: {
        ASSIGN_OR_RETURN(Region region, ParseRegion(value));
        term.values |= uint64_t{1} << static_cast<int>(region);
        return Status::Ok();
      }
      case CohortAttribute::kPrefecture: {
        ASSIGN_OR_RETURN(uint8_t code, ParsePrefecture(value));
        term.values |= uint64_t{1} << code;
        return Status::Ok();
      }
      case CohortAttribute::kBiobank:
        if (value.empty()) return InvalidArgument("empty biobank");
        AddUnique(term.strings, value);
        return Status::Ok();
      case CohortAttribute::kIcd10:
      case CohortAttribute::kDisease: {
        ASSIGN_OR_RETURN(ResolvedDiseaseTerm resolved, ResolveDiseaseTermDetailed(value));
        term.codes.Add(resolved.codes);
        AddUnique(term.code_terms, std::move(resolved.canonical));
        return Status::Ok();
      }
      case CohortAttribute::kSample: {
        if (value.empty()) return InvalidArgument("empty sample id");
        if (value.front() != '@') {
          AddUnique(term.strings, value);
          return Status::Ok();
        }
        ASSIGN_OR_RETURN(std::vector<std::string> ids, ReadSampleList(value.substr(1)));
        std::unordered_set<std::string> seen(term.strings.begin(), term.strings.end());
        for (std::string& id : ids) {
          if (seen.insert(id).second) term.strings.push_back(std::move(id));
        }
        return Status::Ok();
      }
    }
    return Status::Ok();
  }

  std::string_view expr_;
  std::vector<CohortToken> tokens_;
  size_t pos_ = 0;
};

}  // namespace

Result<Cohort> Cohort::Parse(std::string_view expr) {
  ASSIGN_OR_RETURN(std::vector<CohortToken> tokens, LexCohort(expr));
  Parser parser(expr, std::move(tokens));
  ASSIGN_OR_RETURN(CohortNode root, parser.ParseAll());
  return Cohort(std::make_shared<const CohortNode>(std::move(root)));
}

}  // namespace renkei
