#include "cohort/disease_terms.h"

#include <string>

#include "cohort/icd10_catalog.h"
#include "cohort/text_util.h"

namespace renkei {
namespace {

constexpr DiseaseGroup kGroups[] = {
    {"dementia", "Dementia", "認知症", "F00-F03,G30,G31"},
    {"alzheimers", "Alzheimer's disease", "アルツハイマー病", "G30,F00"},
    {"type2-diabetes", "Type 2 diabetes mellitus", "2型糖尿病", "E11"},
    {"type1-diabetes", "Type 1 diabetes mellitus", "1型糖尿病", "E10"},
    {"diabetes", "Diabetes mellitus", "糖尿病", "E10-E14"},
    {"hypertension", "Hypertensive diseases", "高血圧", "I10-I15"},
    {"ischaemic-heart-disease", "Ischaemic heart disease", "虚血性心疾患", "I20-I25"},
    {"stroke", "Stroke", "脳卒中", "I60-I64"},
    {"heart-failure", "Heart failure", "心不全", "I50"},
    {"atrial-fibrillation", "Atrial fibrillation and flutter", "心房細動", "I48"},
    {"asthma", "Asthma", "喘息", "J45-J46"},
    {"copd", "Chronic obstructive pulmonary disease", "慢性閉塞性肺疾患", "J44"},
    {"ckd", "Chronic kidney disease", "慢性腎臓病", "N18"},
    {"depression", "Depression", "うつ病", "F32-F33"},
    {"schizophrenia", "Schizophrenia", "統合失調症", "F20"},
    {"parkinsons", "Parkinson's disease", "パーキンソン病", "G20"},
    {"epilepsy", "Epilepsy", "てんかん", "G40-G41"},
    {"obesity", "Obesity", "肥満症", "E66"},
    {"dyslipidaemia", "Dyslipidaemia", "脂質異常症", "E78"},
    {"gout", "Gout", "痛風", "M10"},
    {"rheumatoid-arthritis", "Rheumatoid arthritis", "関節リウマチ", "M05-M06"},
    {"osteoporosis", "Osteoporosis", "骨粗鬆症", "M80-M81"},
    {"cancer", "Malignant neoplasms", "がん", "C00-C97"},
    {"gastric-cancer", "Gastric cancer", "胃癌", "C16"},
    {"colorectal-cancer", "Colorectal cancer", "大腸癌", "C18-C20"},
    {"lung-cancer", "Lung cancer", "肺癌", "C33-C34"},
    {"breast-cancer", "Breast cancer", "乳癌", "C50"},
    {"prostate-cancer", "Prostate cancer", "前立腺癌", "C61"},
    {"liver-cancer", "Liver cancer", "肝癌", "C22"},
    {"pancreatic-cancer", "Pancreatic cancer", "膵癌", "C25"},
    {"oesophageal-cancer", "Oesophageal cancer", "食道癌", "C15"},
};

struct GroupAlias {
  std::string_view alias;  // normalised English (see NormaliseName) or Japanese
  std::string_view key;
};

constexpr GroupAlias kAliases[] = {
    {"alzheimer", "alzheimers"},
    {"alzheimers-disease", "alzheimers"},
    {"alzheimer-disease", "alzheimers"},
    {"アルツハイマー型認知症", "alzheimers"},
    {"t2d", "type2-diabetes"},
    {"t2dm", "type2-diabetes"},
    {"type-2-diabetes", "type2-diabetes"},
    {"２型糖尿病", "type2-diabetes"},
    {"ii型糖尿病", "type2-diabetes"},
    {"t1d", "type1-diabetes"},
    {"t1dm", "type1-diabetes"},
    {"type-1-diabetes", "type1-diabetes"},
    {"１型糖尿病", "type1-diabetes"},
    {"diabetes-mellitus", "diabetes"},
    {"高血圧症", "hypertension"},
    {"ischemic-heart-disease", "ischaemic-heart-disease"},
    {"ihd", "ischaemic-heart-disease"},
    {"coronary-heart-disease", "ischaemic-heart-disease"},
    {"afib", "atrial-fibrillation"},
    {"気管支喘息", "asthma"},
    {"ぜんそく", "asthma"},
    {"chronic-obstructive-pulmonary-disease", "copd"},
    {"chronic-kidney-disease", "ckd"},
    {"慢性腎臓病", "ckd"},
    {"鬱病", "depression"},
    {"うつ", "depression"},
    {"parkinson", "parkinsons"},
    {"parkinsons-disease", "parkinsons"},
    {"parkinson-disease", "parkinsons"},
    {"肥満", "obesity"},
    {"dyslipidemia", "dyslipidaemia"},
    {"高脂血症", "dyslipidaemia"},
    {"ra", "rheumatoid-arthritis"},
    {"骨粗しょう症", "osteoporosis"},
    {"癌", "cancer"},
    {"悪性腫瘍", "cancer"},
    {"悪性新生物", "cancer"},
    {"stomach-cancer", "gastric-cancer"},
    {"胃がん", "gastric-cancer"},
    {"大腸がん", "colorectal-cancer"},
    {"colon-cancer", "colorectal-cancer"},
    {"bowel-cancer", "colorectal-cancer"},
    {"肺がん", "lung-cancer"},
    {"乳がん", "breast-cancer"},
    {"前立腺がん", "prostate-cancer"},
    {"肝がん", "liver-cancer"},
    {"肝臓癌", "liver-cancer"},
    {"肝臓がん", "liver-cancer"},
    {"膵臓癌", "pancreatic-cancer"},
    {"膵がん", "pancreatic-cancer"},
    {"膵臓がん", "pancreatic-cancer"},
    {"esophageal-cancer", "oesophageal-cancer"},
    {"食道がん", "oesophageal-cancer"},
    {"oesophagus-cancer", "oesophageal-cancer"},
    {"diabetes-type-2", "type2-diabetes"},
    {"diabetes-type-1", "type1-diabetes"},
    {"af", "atrial-fibrillation"},
    {"hf", "heart-failure"},
    {"mdd", "depression"},
};

// Lower-cases ASCII, maps ' ' and '_' to '-', drops apostrophes.
std::string NormaliseName(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (char c : text::Trim(name)) {
    if (c == '\'') continue;
    out += (c == ' ' || c == '_') ? '-' : text::AsciiLower(c);
  }
  return out;
}

bool IsAscii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

// Parses a group's code list (trusted static data).
Icd10CodeSet ParseCodeList(std::string_view list) {
  Icd10CodeSet set;
  for (std::string_view item : text::Split(list, ',')) {
    if (item.find('-') != std::string_view::npos) {
      Result<Icd10CategoryRange> range = ParseIcd10Range(item);
      if (range.ok()) set.AddRange(*range);
    } else {
      Result<Icd10Code> code = Icd10Code::Parse(item);
      if (code.ok()) set.Add(*code);
    }
  }
  return set;
}

std::string Quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

Result<ResolvedDiseaseTerm> ResolveChapter(std::string_view numeral, std::string_view term) {
  const Icd10Chapter* chapter = Icd10Catalog::Get().FindChapter(text::Trim(numeral));
  if (chapter == nullptr) {
    return InvalidArgument("unknown ICD-10 chapter " + Quoted(term) +
                           "; chapters are numbered I to XXII");
  }
  ResolvedDiseaseTerm out;
  out.codes.AddRange({chapter->first, chapter->last});
  out.canonical = "chapter:" + std::string(chapter->numeral);
  return out;
}

}  // namespace

std::span<const DiseaseGroup> DiseaseGroups() { return kGroups; }

const DiseaseGroup* FindDiseaseGroup(std::string_view name) {
  std::string norm = NormaliseName(name);
  if (norm.empty()) return nullptr;
  auto by_key = [](std::string_view key) -> const DiseaseGroup* {
    for (const DiseaseGroup& g : kGroups) {
      if (g.key == key) return &g;
    }
    return nullptr;
  };
  for (const DiseaseGroup& g : kGroups) {
    if (g.key == norm || g.name_ja == norm || NormaliseName(g.name_en) == norm) return &g;
  }
  for (const GroupAlias& a : kAliases) {
    if (a.alias == norm) return by_key(a.key);
  }
  return nullptr;
}

Icd10CodeSet DiseaseGroupCodes(const DiseaseGroup& group) { return ParseCodeList(group.codes); }

Result<ResolvedDiseaseTerm> ResolveDiseaseTermDetailed(std::string_view term) {
  const Icd10Catalog& catalog = Icd10Catalog::Get();
  std::string_view t = text::Trim(term);
  if (t.empty()) return InvalidArgument("empty disease term");

  // Chapters: "chapter:V" or a bare numeral.
  if (t.size() > 8 && text::EqualsIgnoreCase(t.substr(0, 8), "chapter:")) {
    return ResolveChapter(t.substr(8), t);
  }
  if (catalog.FindChapter(t) != nullptr) return ResolveChapter(t, t);

  // Ranges: two code-like ends around one '-'.
  if (size_t dash = t.find('-'); dash != std::string_view::npos &&
                                 Icd10Code::LooksLikeCode(t.substr(0, dash)) &&
                                 Icd10Code::LooksLikeCode(t.substr(dash + 1))) {
    ASSIGN_OR_RETURN(Icd10CategoryRange range, ParseIcd10Range(t));
    bool any_known = false;
    for (Icd10Code code : catalog.codes()) {
      if (code.category() >= range.first && code.category() <= range.last) {
        any_known = true;
        break;
      }
    }
    if (!any_known) {
      return InvalidArgument("ICD-10 range " + Quoted(t) + " contains no known code");
    }
    ResolvedDiseaseTerm out;
    out.codes.AddRange(range);
    out.canonical = Icd10RangeName(range);
    return out;
  }

  // Single codes.
  if (Icd10Code::LooksLikeCode(t)) {
    ASSIGN_OR_RETURN(Icd10Code code, catalog.ParseKnown(t));
    ResolvedDiseaseTerm out;
    out.codes.Add(code);
    out.canonical = code.ToString();
    return out;
  }

  if (const DiseaseGroup* group = FindDiseaseGroup(t)) {
    return ResolvedDiseaseTerm{DiseaseGroupCodes(*group), std::string(group->key)};
  }

  // Disease names.
  Icd10NameMatch match;
  if (IsAscii(t)) {
    // English titles, plus the few ASCII names of the Japanese index (e.g. "nph").
    Icd10NameMatch en = catalog.FindByEnglishTitle(t);
    Icd10NameMatch ja = catalog.FindByJapaneseName(t);
    if (en.exact || ja.exact) {
      if (en.exact) match.codes = en.codes;
      if (ja.exact) match.codes.insert(match.codes.end(), ja.codes.begin(), ja.codes.end());
    } else if (t.size() >= 3) {
      match.codes = en.codes;
    }
  } else {
    match = catalog.FindByJapaneseName(t);
    if (!match.exact && t.size() < 3) match.codes.clear();
  }
  if (match.codes.empty()) {
    return InvalidArgument("no disease matches " + Quoted(t) +
                           "; try an ICD-10 code such as E11 or a group such as type2-diabetes");
  }
  ResolvedDiseaseTerm out;
  for (Icd10Code code : match.codes) out.codes.Add(code);
  out.canonical = std::string(t);
  return out;
}

Result<Icd10CodeSet> ResolveDiseaseTerm(std::string_view term) {
  ASSIGN_OR_RETURN(ResolvedDiseaseTerm resolved, ResolveDiseaseTermDetailed(term));
  return std::move(resolved.codes);
}

}  // namespace renkei
