#include "cohort/cohort.h"

#include "cohort/cohort_ast.h"
#include "cohort/sample_mask.h"
#include "cohort/text_util.h"
#include "cohort/vocab.h"

namespace renkei {
namespace {

std::string_view AttributeName(CohortAttribute a) {
  switch (a) {
    case CohortAttribute::kAge:
      return "age";
    case CohortAttribute::kSex:
      return "sex";
    case CohortAttribute::kRegion:
      return "region";
    case CohortAttribute::kPrefecture:
      return "prefecture";
    case CohortAttribute::kBiobank:
      return "biobank";
    case CohortAttribute::kIcd10:
      return "icd10";
    case CohortAttribute::kDisease:
      return "disease";
    case CohortAttribute::kSample:
      return "sample";
  }
  return "";
}

std::string TermToString(const CohortTerm& t) {
  std::vector<std::string> values;
  switch (t.attribute) {
    case CohortAttribute::kAge:
      for (int b = 0; b < kAgeBandCount; ++b) {
        if ((t.values >> b) & 1u) values.emplace_back(AgeBandName(b));
      }
      break;
    case CohortAttribute::kSex:
      for (int v = 0; v < kSexCount; ++v) {
        if ((t.values >> v) & 1u) values.emplace_back(SexName(static_cast<Sex>(v)));
      }
      break;
    case CohortAttribute::kRegion:
      for (int v = 0; v < kRegionCount; ++v) {
        if ((t.values >> v) & 1u) values.emplace_back(RegionName(static_cast<Region>(v)));
      }
      break;
    case CohortAttribute::kPrefecture:
      for (int v = 1; v <= kPrefectureCount; ++v) {
        if ((t.values >> v) & 1u) {
          values.push_back(
              std::string{static_cast<char>('0' + v / 10), static_cast<char>('0' + v % 10)});
        }
      }
      break;
    case CohortAttribute::kBiobank:
    case CohortAttribute::kSample:
      values = t.strings;
      break;
    case CohortAttribute::kIcd10:
    case CohortAttribute::kDisease:
      values = t.code_terms;
      break;
  }
  std::string out(AttributeName(t.attribute));
  out += t.negated ? "!=" : "=";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    out += QuoteCohortValue(values[i]);
  }
  return out;
}

std::string NodeToString(const CohortNode& node) {
  using Kind = CohortNode::Kind;
  switch (node.kind) {
    case Kind::kAll:
      return "all";
    case Kind::kTerm:
      return TermToString(node.term);
    case Kind::kNot: {
      const CohortNode& child = node.children.front();
      bool wrap = child.kind == Kind::kAnd || child.kind == Kind::kOr;
      return wrap ? "!(" + NodeToString(child) + ")" : "!" + NodeToString(child);
    }
    case Kind::kAnd:
    case Kind::kOr: {
      std::string out;
      for (size_t i = 0; i < node.children.size(); ++i) {
        const CohortNode& child = node.children[i];
        if (i > 0) out += node.kind == Kind::kAnd ? " & " : " | ";
        // Only an or-operand of an and needs parentheses (& binds tighter than |).
        bool wrap = node.kind == Kind::kAnd && child.kind == Kind::kOr;
        out += wrap ? "(" + NodeToString(child) + ")" : NodeToString(child);
      }
      return out;
    }
  }
  return "";
}

Result<SampleMask> EvaluateTerm(const CohortTerm& t, const SampleTable& table,
                                Cohort::UnknownSamples unknown_samples) {
  const size_t n = table.size();
  SampleMask mask = EmptyMask(n);
  if (t.attribute == CohortAttribute::kSample) {
    std::vector<std::string> unknown;
    for (const std::string& id : t.strings) {
      if (std::optional<size_t> row = table.IndexOf(id)) {
        SetBit(mask, *row);
      } else {
        unknown.push_back(id);
      }
    }
    if (!unknown.empty() && unknown_samples == Cohort::UnknownSamples::kError) {
      return NotFound(std::to_string(unknown.size()) + " sample id" +
                      (unknown.size() == 1 ? "" : "s") + " in the cohort " +
                      (unknown.size() == 1 ? "is" : "are") +
                      " not in the sample table: " + text::JoinLimited(unknown, 5));
    }
  } else {
    for (size_t i = 0; i < n; ++i) {
      const Sample& s = table[i];
      bool in = false;
      switch (t.attribute) {
        case CohortAttribute::kAge:
          in = (t.values >> s.age_band) & 1u;
          break;
        case CohortAttribute::kSex:
          in = (t.values >> static_cast<int>(s.sex)) & 1u;
          break;
        case CohortAttribute::kRegion:
          in = (t.values >> static_cast<int>(s.region)) & 1u;
          break;
        case CohortAttribute::kPrefecture:
          in = (t.values >> s.prefecture) & 1u;
          break;
        case CohortAttribute::kBiobank:
          for (const std::string& b : t.strings) in = in || b == s.biobank;
          break;
        case CohortAttribute::kIcd10:
        case CohortAttribute::kDisease:
          in = t.codes.MatchesAny(s.icd10);
          break;
        case CohortAttribute::kSample:
          break;
      }
      if (in) SetBit(mask, i);
    }
  }
  if (t.negated) NotInPlace(mask, n);
  return mask;
}

Result<SampleMask> EvaluateNode(const CohortNode& node, const SampleTable& table,
                                Cohort::UnknownSamples u) {
  using Kind = CohortNode::Kind;
  switch (node.kind) {
    case Kind::kAll:
      return FullMask(table.size());
    case Kind::kTerm:
      return EvaluateTerm(node.term, table, u);
    case Kind::kNot: {
      ASSIGN_OR_RETURN(SampleMask mask, EvaluateNode(node.children.front(), table, u));
      NotInPlace(mask, table.size());
      return mask;
    }
    case Kind::kAnd:
    case Kind::kOr: {
      ASSIGN_OR_RETURN(SampleMask mask, EvaluateNode(node.children.front(), table, u));
      for (size_t i = 1; i < node.children.size(); ++i) {
        ASSIGN_OR_RETURN(SampleMask other, EvaluateNode(node.children[i], table, u));
        if (node.kind == Kind::kAnd) {
          AndInPlace(mask, other);
        } else {
          OrInPlace(mask, other);
        }
      }
      return mask;
    }
  }
  return Internal("unknown cohort node");
}

}  // namespace

Cohort::Cohort() : root_(std::make_shared<const CohortNode>()) {}

Result<std::vector<uint64_t>> Cohort::Evaluate(const SampleTable& table,
                                               UnknownSamples unknown_samples) const {
  return EvaluateNode(*root_, table, unknown_samples);
}

std::string Cohort::ToString() const { return NodeToString(*root_); }

namespace {
bool HasSampleTerm(const CohortNode& node) {
  if (node.kind == CohortNode::Kind::kTerm) return node.term.attribute == CohortAttribute::kSample;
  for (const CohortNode& child : node.children) {
    if (HasSampleTerm(child)) return true;
  }
  return false;
}
}  // namespace

bool Cohort::NamesSamples() const { return root_ && HasSampleTerm(*root_); }

std::string QuoteCohortValue(std::string_view v) {
  bool plain = !v.empty() && v.front() != '@' && !text::EqualsIgnoreCase(v, "all");
  for (char c : v) {
    if (text::IsSpace(c) || c == '(' || c == ')' || c == '=' || c == ',' || c == '&' || c == '|' ||
        c == '!' || c == '"' || c == '\\') {
      plain = false;
    }
  }
  if (plain) return std::string(v);
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace renkei
