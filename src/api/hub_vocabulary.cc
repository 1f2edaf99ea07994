// GET /v1/vocabulary/diseases: suggestions for the disease term of a cohort as the user types
// (the portal's cohort builder). Public: it reveals only the ICD-10 vocabulary and the disease
// groups the cohort language already accepts (cohort/disease_terms.h), never any count.
//
// Each suggestion carries the term to write after `disease=` and both titles, so that the
// portal can show Japanese and English names whatever the user typed in.
#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>
#include <vector>

#include "api/http_util.h"
#include "api/hub_server.h"
#include "cohort/cohort.h"
#include "cohort/disease_terms.h"
#include "cohort/icd10_catalog.h"

namespace renkei {

namespace {

using nlohmann::json;

constexpr size_t kMaxQueryChars = 100;
constexpr size_t kMaxSuggestions = 20;

size_t Utf8Length(std::string_view s) {
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// `haystack` contains `needle`, ASCII case-insensitively (UTF-8 bytes otherwise compared as
// they are, which is exact for Japanese text).
bool Contains(std::string_view haystack, std::string_view needle_lower) {
  if (needle_lower.empty() || haystack.empty()) return false;
  return Lower(haystack).find(needle_lower) != std::string::npos;
}

struct Suggestion {
  std::string code;  // a code, a range or a list of codes
  std::string term;  // what follows `disease=`
  std::string title_ja;
  std::string title_en;
  std::string kind;  // chapter | block | range | category | group | name
  int rank = 0;      // lower first; ties keep the order found
};

// The code the user may be typing ("E1", "e11.", "F001"): a letter then up to three digits,
// dots ignored. Empty when `q` is not such a prefix.
std::string CodePrefix(std::string_view q) {
  std::string p;
  for (char c : q) {
    if (c != '.') p += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  if (p.empty() || p.size() > 4 || p[0] < 'A' || p[0] > 'Z') return "";
  for (size_t i = 1; i < p.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(p[i]))) return "";
  }
  return p;
}

std::string Undotted(std::string s) {
  s.erase(std::remove(s.begin(), s.end(), '.'), s.end());
  return s;
}

// Builds the suggestions for `q` (trimmed, non-empty). `lang` orders title matches: those in
// the user's language first.
std::vector<Suggestion> Suggest(std::string_view q, std::string_view lang) {
  const Icd10Catalog& cat = Icd10Catalog::Get();
  const std::string lower = Lower(q);
  const std::string upper = Upper(q);
  const std::string prefix = CodePrefix(q);
  const bool ja = lang == "ja";
  std::vector<Suggestion> out;
  // Ranks (lower first): 0 an exact code, range, chapter or group; then by kind — 2 groups,
  // 4 the typed disease name, 6 chapters, 8 blocks, 10 categories, 12 subcategories — with +1
  // for a match found only in the other language's title.
  auto title_rank = [&](int base, std::string_view title_ja, std::string_view title_en) {
    const bool in_ja = Contains(title_ja, lower);
    const bool in_en = Contains(title_en, lower);
    if (!in_ja && !in_en) return -1;
    return base * 2 + ((ja ? in_ja : in_en) ? 0 : 1);
  };

  // A chapter by numeral ("V", "chapter:V").
  std::string_view numeral = q;
  if (lower.starts_with("chapter:")) numeral = q.substr(8);
  if (const Icd10Chapter* ch = cat.FindChapter(Trim(numeral)); ch != nullptr) {
    out.push_back({std::string(ch->range), "chapter:" + std::string(ch->numeral),
                   std::string(ch->title_ja), std::string(ch->title_en), "chapter", 0});
  }
  // A range typed whole ("F00-F03"): a block or chapter range, or any range with known codes.
  if (q.find('-') != std::string_view::npos) {
    if (Result<ResolvedDiseaseTerm> r = ResolveDiseaseTermDetailed(q); r.ok()) {
      if (const Icd10Block* b = cat.FindBlock(r->canonical); b != nullptr) {
        out.push_back({std::string(b->range), std::string(b->range), std::string(b->title_ja),
                       std::string(b->title_en), "block", 0});
      } else if (const Icd10Chapter* c = cat.FindChapterByRange(r->canonical); c != nullptr) {
        out.push_back({std::string(c->range), "chapter:" + std::string(c->numeral),
                       std::string(c->title_ja), std::string(c->title_en), "chapter", 0});
      } else if (ParseIcd10Range(r->canonical).ok()) {
        out.push_back({r->canonical, r->canonical, "", "", "range", 0});
      }
    }
  }
  // Disease groups: by key, alias or name.
  const DiseaseGroup* exact_group = FindDiseaseGroup(q);
  for (const DiseaseGroup& g : DiseaseGroups()) {
    int rank = -1;
    if (&g == exact_group) {
      rank = 0;
    } else if (Contains(g.key, lower)) {
      rank = 2;
    } else {
      rank = title_rank(1, g.name_ja, g.name_en);
    }
    if (rank < 0) continue;
    out.push_back({std::string(g.codes), std::string(g.key), std::string(g.name_ja),
                   std::string(g.name_en), "group", rank});
  }
  // The typed text itself as a disease name, when it names codes (all of them, as the cohort
  // language reads it) and is not a code, range or group.
  if (prefix.empty() && exact_group == nullptr && q.size() >= 3 &&
      q.find('-') == std::string_view::npos) {
    Icd10NameMatch m = cat.FindByJapaneseName(q);
    if (m.codes.empty()) m = cat.FindByEnglishTitle(q);
    if (!m.codes.empty()) {
      std::string codes;
      for (size_t i = 0; i < m.codes.size() && i < 8; ++i) {
        codes += (i ? "," : "") + m.codes[i].ToString();
      }
      if (m.codes.size() > 8) codes += ",…";
      Suggestion s{codes, QuoteCohortValue(q), "", "", "name", 4};
      (ja ? s.title_ja : s.title_en) = std::string(q);
      out.push_back(std::move(s));
    }
  }
  for (const Icd10Chapter& ch : cat.chapters()) {
    const int rank = title_rank(3, ch.title_ja, ch.title_en);
    if (rank >= 0) {
      out.push_back({std::string(ch.range), "chapter:" + std::string(ch.numeral),
                     std::string(ch.title_ja), std::string(ch.title_en), "chapter", rank});
    }
  }
  for (const Icd10Block& b : cat.blocks()) {
    int rank = b.range.starts_with(upper) ? 8 : title_rank(4, b.title_ja, b.title_en);
    if (rank >= 0) {
      out.push_back({std::string(b.range), std::string(b.range), std::string(b.title_ja),
                     std::string(b.title_en), "block", rank});
    }
  }
  for (const Icd10Code code : cat.codes()) {
    const std::string text = code.ToString();
    const int base = code.has_subcategory() ? 6 : 5;
    int rank = -1;
    if (!prefix.empty() && Undotted(text).starts_with(prefix)) {
      rank = Undotted(text) == prefix ? 0 : base * 2;
    } else {
      rank = title_rank(base, cat.TitleJa(code), cat.TitleEn(code));
    }
    if (rank < 0) continue;
    out.push_back({text, text, std::string(cat.TitleJa(code)), std::string(cat.TitleEn(code)),
                   "category", rank});
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Suggestion& a, const Suggestion& b) { return a.rank < b.rank; });
  // One suggestion per term (a chapter found by numeral and by title, say).
  std::vector<Suggestion> unique;
  for (Suggestion& s : out) {
    if (unique.size() == kMaxSuggestions) break;
    const bool seen = std::any_of(unique.begin(), unique.end(),
                                  [&](const Suggestion& u) { return u.term == s.term; });
    if (!seen) unique.push_back(std::move(s));
  }
  return unique;
}

}  // namespace

void HubServer::AddVocabularyRoutes() {
  Handle("GET", "/v1/vocabulary/diseases", Access::kPublic,
         [this](const httplib::Request& req, httplib::Response& res) {
           // Public, but a key or token that is given must be valid (as on every public route).
           if (Result<Caller> caller = CallerOf(req); !caller.ok()) {
             return SendError(res, caller.status());
           }
           const std::string raw = req.get_param_value("q");
           const std::string lang = req.has_param("lang") ? req.get_param_value("lang") : "en";
           if (lang != "ja" && lang != "en") {
             return SendError(res, InvalidArgument("'lang' must be ja or en"));
           }
           if (Utf8Length(raw) > kMaxQueryChars) {
             return SendError(res, InvalidArgument("'q' is longer than 100 characters: type the "
                                                   "start of a disease name or an ICD-10 code"));
           }
           const std::string_view q = Trim(raw);
           json list = json::array();
           if (!q.empty()) {
             for (const Suggestion& s : Suggest(q, lang)) {
               list.push_back({{"code", s.code},
                               {"term", s.term},
                               {"title_ja", s.title_ja},
                               {"title_en", s.title_en},
                               {"kind", s.kind}});
             }
           }
           SendJson(res, {{"query", std::string(q)}, {"lang", lang}, {"suggestions", list}});
         });
}

}  // namespace renkei
