#include "cohort/icd10_catalog.h"

#include <algorithm>
#include <string>
#include <unordered_map>

#include "cohort/text_util.h"

// The three TSV files of shared/data/icd10/, embedded by icd10_data.S (see CMakeLists.txt).
extern "C" const char renkei_icd10_en_begin[];
extern "C" const char renkei_icd10_en_end[];
extern "C" const char renkei_icd10_ja_begin[];
extern "C" const char renkei_icd10_ja_end[];
extern "C" const char renkei_icd10_names_begin[];
extern "C" const char renkei_icd10_names_end[];

namespace renkei {
namespace {

constexpr size_t kSlotsPerCategory = 11;  // no subcategory + digits 0..9

std::string_view Embedded(const char* begin, const char* end) {
  return std::string_view(begin, static_cast<size_t>(end - begin));
}

// Calls fn(fields) for every line after the header, fields split at tabs, CR stripped.
template <typename Fn>
void ForEachRow(std::string_view data, Fn fn) {
  bool header = true;
  std::string_view fields[8];
  while (!data.empty()) {
    size_t nl = data.find('\n');
    std::string_view line = data.substr(0, nl);
    data = nl == std::string_view::npos ? std::string_view() : data.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (header) {
      header = false;
      continue;
    }
    if (line.empty()) continue;
    size_t n = 0;
    while (n < 8) {
      size_t tab = line.find('\t');
      fields[n++] = line.substr(0, tab);
      if (tab == std::string_view::npos) break;
      line.remove_prefix(tab + 1);
    }
    fn(std::span<const std::string_view>(fields, n));
  }
}

size_t SlotOf(Icd10Code code) {
  return code.category() * kSlotsPerCategory + static_cast<size_t>(code.subcategory() + 1);
}

// Returns whether haystack contains needle, ASCII case-insensitively.
bool ContainsIgnoreCase(std::string_view haystack, std::string_view needle) {
  if (needle.empty()) return true;
  if (needle.size() > haystack.size()) return false;
  const char first = text::AsciiLower(needle[0]);
  for (size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    if (text::AsciiLower(haystack[i]) != first) continue;
    if (text::EqualsIgnoreCase(haystack.substr(i, needle.size()), needle)) return true;
  }
  return false;
}

void SortUnique(std::vector<Icd10Code>& codes) {
  std::sort(codes.begin(), codes.end());
  codes.erase(std::unique(codes.begin(), codes.end()), codes.end());
}

}  // namespace

const Icd10Catalog& Icd10Catalog::Get() {
  // C++11 guarantees one thread-safe initialisation of a function-local static.
  static const Icd10Catalog catalog;
  return catalog;
}

Icd10Catalog::Icd10Catalog() { Load(); }

void Icd10Catalog::Load() {
  slot_.assign(static_cast<size_t>(kIcd10CategoryCount) * kSlotsPerCategory, -1);
  chapter_of_.assign(kIcd10CategoryCount, -1);
  block_of_.assign(kIcd10CategoryCount, -1);

  // WHO: chapters, blocks, categories, subcategories.
  std::vector<Entry> entries;
  entries.reserve(13000);
  ForEachRow(Embedded(renkei_icd10_en_begin, renkei_icd10_en_end),
             [&](std::span<const std::string_view> f) {
               if (f.size() < 5) return;
               std::string_view kind = f[0];
               if (kind == "chapter" || kind == "block") {
                 Result<Icd10CategoryRange> range = ParseIcd10Range(f[1]);
                 if (!range.ok()) return;
                 if (kind == "chapter") {
                   Icd10Chapter c;
                   c.number = static_cast<int>(chapters_.size()) + 1;
                   c.numeral = f[3];
                   c.range = f[1];
                   c.first = range->first;
                   c.last = range->last;
                   c.title_en = f[4];
                   chapters_.push_back(c);
                 } else {
                   Icd10Block b;
                   b.range = f[1];
                   b.first = range->first;
                   b.last = range->last;
                   b.title_en = f[4];
                   b.chapter = 0;  // set below from the chapter ranges
                   blocks_.push_back(b);
                 }
               } else if (kind == "category" || kind == "subcategory") {
                 Result<Icd10Code> code = Icd10Code::Parse(f[1]);
                 if (code.ok()) entries.push_back(Entry{*code, f[4], {}});
               }
             });

  // Japanese: titles of codes (adding codes only in the Japanese edition), blocks, chapters.
  std::unordered_map<std::string_view, std::string_view> ja_ranges;
  ForEachRow(Embedded(renkei_icd10_ja_begin, renkei_icd10_ja_end),
             [&](std::span<const std::string_view> f) {
               if (f.size() < 2) return;
               if (f[0].find('-') != std::string_view::npos) {
                 ja_ranges.emplace(f[0], f[1]);
                 return;
               }
               // Japanese-only refinements such as "F15.2b" are not ICD-10 codes; skip them.
               Result<Icd10Code> code = Icd10Code::Parse(f[0]);
               if (code.ok()) entries.push_back(Entry{*code, {}, f[1]});
             });

  // Merge the two sources: one entry per code with both titles.
  std::stable_sort(entries.begin(), entries.end(),
                   [](const Entry& a, const Entry& b) { return a.code < b.code; });
  for (const Entry& e : entries) {
    if (!entries_.empty() && entries_.back().code == e.code) {
      if (entries_.back().title_en.empty()) entries_.back().title_en = e.title_en;
      if (entries_.back().title_ja.empty()) entries_.back().title_ja = e.title_ja;
    } else {
      entries_.push_back(e);
    }
  }
  codes_.reserve(entries_.size());
  for (size_t i = 0; i < entries_.size(); ++i) {
    slot_[SlotOf(entries_[i].code)] = static_cast<int32_t>(i);
    codes_.push_back(entries_[i].code);
  }

  for (size_t ci = 0; ci < chapters_.size(); ++ci) {
    Icd10Chapter& c = chapters_[ci];
    for (size_t k = c.first; k <= c.last; ++k) chapter_of_[k] = static_cast<int8_t>(ci);
    if (auto it = ja_ranges.find(c.range); it != ja_ranges.end()) {
      c.title_ja = it->second;
    } else {
      // The Japanese edition extends some chapters (U00-U99 for WHO's U00-U89): take the
      // widest Japanese range that starts where the chapter starts.
      std::string_view best;
      std::string prefix = std::string(c.range.substr(0, 4));
      for (const auto& [range, title] : ja_ranges) {
        if (range.starts_with(prefix) && range > best) {
          best = range;
          c.title_ja = title;
        }
      }
    }
  }
  for (size_t bi = 0; bi < blocks_.size(); ++bi) {
    Icd10Block& b = blocks_[bi];
    for (size_t k = b.first; k <= b.last; ++k) block_of_[k] = static_cast<int16_t>(bi);
    if (chapter_of_[b.first] >= 0) b.chapter = chapter_of_[b.first] + 1;
    if (auto it = ja_ranges.find(b.range); it != ja_ranges.end()) b.title_ja = it->second;
  }
}

const std::vector<Icd10Catalog::IndexName>& Icd10Catalog::IndexNames() const {
  // Loaded on the first name search only: most processes (ingest, attribute cohorts) never
  // search by name, and the index is the bulk of the catalogue's start-up time.
  std::call_once(names_once_, [this] {
    index_names_.reserve(101000);
    ForEachRow(Embedded(renkei_icd10_names_begin, renkei_icd10_names_end),
               [&](std::span<const std::string_view> f) {
                 if (f.size() >= 2 && !f[0].empty()) index_names_.push_back({f[0], f[1]});
               });
  });
  return index_names_;
}

const Icd10Catalog::Entry* Icd10Catalog::Find(Icd10Code code) const {
  if (code.category() >= kIcd10CategoryCount) return nullptr;
  int32_t i = slot_[SlotOf(code)];
  return i < 0 ? nullptr : &entries_[static_cast<size_t>(i)];
}

bool Icd10Catalog::IsKnown(Icd10Code code) const { return Find(code) != nullptr; }

Result<Icd10Code> Icd10Catalog::ParseKnown(std::string_view text) const {
  ASSIGN_OR_RETURN(Icd10Code code, Icd10Code::Parse(text));
  if (!IsKnown(code)) {
    return InvalidArgument("unknown ICD-10 code '" + std::string(text::Trim(text)) + "'");
  }
  return code;
}

std::string_view Icd10Catalog::TitleEn(Icd10Code code) const {
  const Entry* e = Find(code);
  return e ? e->title_en : std::string_view();
}

std::string_view Icd10Catalog::TitleJa(Icd10Code code) const {
  const Entry* e = Find(code);
  return e ? e->title_ja : std::string_view();
}

const Icd10Chapter* Icd10Catalog::ChapterOf(Icd10Code code) const {
  if (code.category() >= kIcd10CategoryCount) return nullptr;
  int8_t i = chapter_of_[code.category()];
  return i < 0 ? nullptr : &chapters_[static_cast<size_t>(i)];
}

const Icd10Block* Icd10Catalog::BlockOf(Icd10Code code) const {
  if (code.category() >= kIcd10CategoryCount) return nullptr;
  int16_t i = block_of_[code.category()];
  return i < 0 ? nullptr : &blocks_[static_cast<size_t>(i)];
}

const Icd10Chapter* Icd10Catalog::FindChapter(std::string_view numeral) const {
  for (const Icd10Chapter& c : chapters_) {
    if (text::EqualsIgnoreCase(c.numeral, numeral)) return &c;
  }
  return nullptr;
}

const Icd10Chapter* Icd10Catalog::FindChapterByRange(std::string_view range) const {
  for (const Icd10Chapter& c : chapters_) {
    if (text::EqualsIgnoreCase(c.range, range)) return &c;
  }
  return nullptr;
}

const Icd10Block* Icd10Catalog::FindBlock(std::string_view range) const {
  for (const Icd10Block& b : blocks_) {
    if (text::EqualsIgnoreCase(b.range, range)) return &b;
  }
  return nullptr;
}

void Icd10Catalog::AddIndexCodes(std::string_view codes_text, std::vector<Icd10Code>& out) const {
  for (std::string_view item : text::Split(codes_text, ',')) {
    item = text::Trim(item);
    // "T08.-0": the category with a site digit; "F15.2b", "J96.90": a finer subcategory.
    if (item.size() > 4 && item[3] == '.' && item[4] == '-') item = item.substr(0, 3);
    if (item.size() > 5) item = item.substr(0, 5);
    Result<Icd10Code> code = Icd10Code::Parse(item);
    if (!code.ok()) continue;
    if (IsKnown(*code)) {
      out.push_back(*code);
    } else if (IsKnown(code->Category())) {
      out.push_back(code->Category());
    }
  }
}

Icd10NameMatch Icd10Catalog::FindByJapaneseName(std::string_view name) const {
  Icd10NameMatch match;
  name = text::Trim(name);
  if (name.empty()) return match;
  for (const IndexName& n : IndexNames()) {
    if (n.name == name) AddIndexCodes(n.codes, match.codes);
  }
  for (const Entry& e : entries_) {
    if (e.title_ja == name) match.codes.push_back(e.code);
  }
  if (!match.codes.empty()) {
    match.exact = true;
    SortUnique(match.codes);
    return match;
  }
  for (const IndexName& n : IndexNames()) {
    if (n.name.find(name) != std::string_view::npos) AddIndexCodes(n.codes, match.codes);
  }
  for (const Entry& e : entries_) {
    if (e.title_ja.find(name) != std::string_view::npos) match.codes.push_back(e.code);
  }
  SortUnique(match.codes);
  return match;
}

Icd10NameMatch Icd10Catalog::FindByEnglishTitle(std::string_view text) const {
  Icd10NameMatch match;
  text = text::Trim(text);
  if (text.empty()) return match;
  for (const Entry& e : entries_) {
    if (text::EqualsIgnoreCase(e.title_en, text)) match.codes.push_back(e.code);
  }
  if (!match.codes.empty()) {
    match.exact = true;
    return match;  // entries_ is sorted, so codes are too
  }
  for (const Entry& e : entries_) {
    if (ContainsIgnoreCase(e.title_en, text)) match.codes.push_back(e.code);
  }
  return match;
}

}  // namespace renkei
