#include "cohort/samples.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "cohort/icd10_catalog.h"
#include "cohort/text_util.h"

namespace renkei {
namespace {

constexpr std::array<std::string_view, 6> kColumns = {"sample_id", "biobank",    "age_band",
                                                      "sex",       "prefecture", "icd10"};
constexpr std::string_view kBom = "\xEF\xBB\xBF";

std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

bool HasTabOrNewline(std::string_view s) { return s.find_first_of("\t\r\n") != s.npos; }

// Parses an icd10 field: comma-separated known codes; returns them sorted and unique.
Result<std::vector<Icd10Code>> ParseCodeList(std::string_view field) {
  std::vector<Icd10Code> codes;
  if (text::Trim(field).empty()) return codes;
  const Icd10Catalog& catalog = Icd10Catalog::Get();
  for (std::string_view item : text::Split(field, ',')) {
    if (text::Trim(item).empty()) {
      return InvalidArgument("empty ICD-10 code in " + Quote(field) +
                             "; separate codes with single commas, e.g. F00.1,E11");
    }
    ASSIGN_OR_RETURN(Icd10Code code, catalog.ParseKnown(item));
    codes.push_back(code);
  }
  std::sort(codes.begin(), codes.end());
  codes.erase(std::unique(codes.begin(), codes.end()), codes.end());
  return codes;
}

std::string Plural(size_t n, std::string_view word) {
  return std::to_string(n) + " " + std::string(word) + (n == 1 ? "" : "s");
}

}  // namespace

Result<SampleTable> SampleTable::FromSamples(std::vector<Sample> samples,
                                             std::vector<std::string> extra_columns) {
  SampleTable table;
  table.extra_columns_ = std::move(extra_columns);
  const Icd10Catalog& catalog = Icd10Catalog::Get();
  table.index_.reserve(samples.size());
  for (size_t i = 0; i < samples.size(); ++i) {
    Sample& s = samples[i];
    std::string where = "sample " + std::to_string(i) + " (" + Quote(s.id) + ")";
    if (s.id.empty()) return InvalidArgument("sample " + std::to_string(i) + ": empty id");
    if (s.biobank.empty()) return InvalidArgument(where + ": empty biobank");
    if (HasTabOrNewline(s.id) || HasTabOrNewline(s.biobank)) {
      return InvalidArgument(where + ": id or biobank contains a tab or newline");
    }
    if (s.age_band >= kAgeBandCount) return InvalidArgument(where + ": age band out of range");
    if (s.prefecture < 1 || s.prefecture > kPrefectureCount) {
      return InvalidArgument(where + ": prefecture code out of range 1..47");
    }
    s.region = PrefectureByCode(s.prefecture).region;
    for (Icd10Code code : s.icd10) {
      if (!catalog.IsKnown(code)) {
        return InvalidArgument(where + ": unknown ICD-10 code " + Quote(code.ToString()));
      }
    }
    std::sort(s.icd10.begin(), s.icd10.end());
    s.icd10.erase(std::unique(s.icd10.begin(), s.icd10.end()), s.icd10.end());
    if (s.extra.size() != table.extra_columns_.size()) {
      return InvalidArgument(where + ": " + Plural(s.extra.size(), "extra value") + " for " +
                             Plural(table.extra_columns_.size(), "extra column"));
    }
    for (const std::string& v : s.extra) {
      if (HasTabOrNewline(v)) return InvalidArgument(where + ": extra value has a tab or newline");
    }
    if (!table.index_.emplace(s.id, i).second) {
      return FailedPrecondition("duplicate sample id " + Quote(s.id) + " (samples " +
                                std::to_string(table.index_.find(s.id)->second) + " and " +
                                std::to_string(i) + ")");
    }
  }
  table.samples_ = std::move(samples);
  return table;
}

Result<SampleTable> SampleTable::ReadTsv(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return NotFound("cannot open samples file '" + path + "': " + std::strerror(errno));
  }
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return DataLoss("cannot read samples file '" + path + "'");
  return ParseTsv(text, path);
}

Result<SampleTable> SampleTable::ParseTsv(std::string_view text, std::string_view name,
                                          std::vector<Status>* problems, size_t max_problems) {
  const std::string file(name);
  if (text.starts_with(kBom)) text.remove_prefix(kBom.size());

  std::vector<std::string_view> lines = text::Split(text, '\n');
  for (std::string_view& line : lines) {
    if (line.ends_with('\r')) line.remove_suffix(1);
  }
  while (!lines.empty() && text::Trim(lines.back()).empty()) lines.pop_back();
  // Problems that end the parse at once (the file or its header) are reported alone.
  auto fatal = [&](Status status) {
    if (problems != nullptr) *problems = {status};
    return status;
  };
  if (lines.empty()) {
    return fatal(InvalidArgument(file +
                                 ": empty samples file; expected the header line sample_id, "
                                 "biobank, age_band, sex, prefecture, icd10 (tab-separated)"));
  }

  // Header.
  std::vector<std::string_view> header = text::Split(lines[0], '\t');
  auto header_error = [&](const std::string& why) {
    return fatal(InvalidArgument(file + ":1: wrong header: " + why +
                                 "; expected the tab-separated columns sample_id, biobank, "
                                 "age_band, sex, prefecture, icd10 first, then any extra columns"));
  };
  for (size_t c = 0; c < kColumns.size(); ++c) {
    if (c >= header.size()) {
      return header_error("only " + Plural(header.size(), "column") + ", missing " +
                          Quote(kColumns[c]));
    }
    if (header[c] != kColumns[c]) {
      return header_error("column " + std::to_string(c + 1) + " is " + Quote(header[c]) +
                          " but should be " + Quote(kColumns[c]));
    }
  }
  std::vector<std::string> extra_columns;
  for (size_t c = kColumns.size(); c < header.size(); ++c) {
    if (header[c].empty()) {
      return header_error("column " + std::to_string(c + 1) + " has an empty name");
    }
    for (size_t d = 0; d < c; ++d) {
      if (header[d] == header[c]) {
        return header_error("column " + Quote(header[c]) + " appears twice");
      }
    }
    extra_columns.emplace_back(header[c]);
  }

  SampleTable table;
  table.extra_columns_ = std::move(extra_columns);
  table.samples_.reserve(lines.size() - 1);
  table.index_.reserve(lines.size() - 1);
  std::vector<size_t> line_of_row;  // for duplicate messages
  line_of_row.reserve(lines.size() - 1);
  // Every row is checked, so that a report can list every problem; the first is returned.
  std::vector<Status> found;
  for (size_t li = 1; li < lines.size(); ++li) {
    const size_t line_no = li + 1;
    const std::string at = file + ":" + std::to_string(line_no) + ": ";
    auto field_error = [&](size_t column, const Status& status) {
      return Status(status.code(),
                    at + "field " + Quote(kColumns[column]) + ": " + status.message());
    };
    auto parse_row = [&](std::string_view line) -> Result<Sample> {
      if (text::Trim(line).empty()) {
        return InvalidArgument(at + "blank line (blank lines are allowed only at the end)");
      }
      std::vector<std::string_view> f = text::Split(line, '\t');
      if (f.size() != header.size()) {
        return InvalidArgument(at + "expected " + Plural(header.size(), "tab-separated field") +
                               " as in the header, found " + std::to_string(f.size()));
      }
      Sample s;
      if (f[0].empty()) return field_error(0, InvalidArgument("empty sample id"));
      s.id = std::string(f[0]);
      if (f[1].empty()) return field_error(1, InvalidArgument("empty biobank"));
      s.biobank = std::string(f[1]);
      Result<int> band = ParseAgeBand(f[2]);
      if (!band.ok()) return field_error(2, band.status());
      s.age_band = static_cast<uint8_t>(*band);
      Result<Sex> sex = ParseSex(f[3]);
      if (!sex.ok()) return field_error(3, sex.status());
      s.sex = *sex;
      Result<uint8_t> pref = ParsePrefecture(f[4]);
      if (!pref.ok()) return field_error(4, pref.status());
      s.prefecture = *pref;
      s.region = PrefectureByCode(*pref).region;
      Result<std::vector<Icd10Code>> codes = ParseCodeList(f[5]);
      if (!codes.ok()) return field_error(5, codes.status());
      s.icd10 = std::move(*codes);
      for (size_t c = kColumns.size(); c < f.size(); ++c) s.extra.emplace_back(f[c]);
      return s;
    };
    Result<Sample> s = parse_row(lines[li]);
    if (!s.ok()) {
      found.push_back(s.status());
      if (problems == nullptr || found.size() >= max_problems) break;
      continue;
    }
    const size_t row = table.samples_.size();
    auto [it, inserted] = table.index_.emplace(s->id, row);
    if (!inserted) {
      found.push_back(FailedPrecondition(at + "duplicate sample id " + Quote(s->id) +
                                         " (first on line " +
                                         std::to_string(line_of_row[it->second]) + ")"));
      if (problems == nullptr || found.size() >= max_problems) break;
      continue;
    }
    line_of_row.push_back(line_no);
    table.samples_.push_back(std::move(*s));
  }
  if (!found.empty()) {
    const Status first = found.front();
    if (problems != nullptr) *problems = std::move(found);
    return first;
  }
  return table;
}

std::string SampleTable::ToTsv() const {
  std::string out;
  for (size_t c = 0; c < kColumns.size(); ++c) {
    if (c > 0) out += '\t';
    out += kColumns[c];
  }
  for (const std::string& name : extra_columns_) out += "\t" + name;
  out += '\n';
  for (const Sample& s : samples_) {
    out += s.id;
    out += '\t';
    out += s.biobank;
    out += '\t';
    out += AgeBandName(s.age_band);
    out += '\t';
    out += SexName(s.sex);
    out += '\t';
    out += static_cast<char>('0' + s.prefecture / 10);
    out += static_cast<char>('0' + s.prefecture % 10);
    out += '\t';
    for (size_t i = 0; i < s.icd10.size(); ++i) {
      if (i > 0) out += ',';
      out += s.icd10[i].ToString();
    }
    for (const std::string& v : s.extra) {
      out += '\t';
      out += v;
    }
    out += '\n';
  }
  return out;
}

Status SampleTable::WriteTsv(const std::string& path) const {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return NotFound("cannot create samples file '" + path + "': " + std::strerror(errno));
  std::string text = ToTsv();
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.close();
  if (!out) return DataLoss("cannot write samples file '" + path + "'");
  return Status::Ok();
}

std::optional<size_t> SampleTable::IndexOf(std::string_view id) const {
  auto it = index_.find(id);
  if (it == index_.end()) return std::nullopt;
  return it->second;
}

Result<SampleTable> SampleTable::Reorder(std::span<const std::string> ids) const {
  constexpr size_t kShown = 5;
  std::vector<std::string> missing;  // in ids, not in the table
  std::vector<char> seen(samples_.size(), 0);
  std::vector<size_t> rows;
  rows.reserve(ids.size());
  for (const std::string& id : ids) {
    std::optional<size_t> row = IndexOf(id);
    if (!row) {
      missing.push_back(id);
      continue;
    }
    if (seen[*row]) {
      return FailedPrecondition("sample id " + Quote(id) + " appears more than once in the VCF");
    }
    seen[*row] = 1;
    rows.push_back(*row);
  }
  std::vector<std::string> unused;  // in the table, not in ids
  for (size_t i = 0; i < samples_.size(); ++i) {
    if (!seen[i]) unused.push_back(samples_[i].id);
  }
  if (!missing.empty() || !unused.empty()) {
    std::string message;
    if (!missing.empty()) {
      message += Plural(missing.size(), "sample") + " in the VCF " +
                 (missing.size() == 1 ? "is" : "are") +
                 " not in the metadata: " + text::JoinLimited(missing, kShown);
    }
    if (!unused.empty()) {
      if (!message.empty()) message += "; ";
      message += Plural(unused.size(), "sample") + " in the metadata " +
                 (unused.size() == 1 ? "is" : "are") +
                 " not in the VCF: " + text::JoinLimited(unused, kShown);
    }
    return FailedPrecondition(message);
  }
  SampleTable out;
  out.extra_columns_ = extra_columns_;
  out.samples_.reserve(rows.size());
  out.index_.reserve(rows.size());
  for (size_t row : rows) {
    out.index_.emplace(samples_[row].id, out.samples_.size());
    out.samples_.push_back(samples_[row]);
  }
  return out;
}

}  // namespace renkei
