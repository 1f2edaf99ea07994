#include "workflow/duo.h"

#include <algorithm>
#include <array>

#include "cohort/icd10_code.h"
#include "cohort/icd10_code_set.h"
#include "workflow/json_fields.h"

namespace renkei {

namespace {

using Kind = DuoTermKind;

// From EBISPOT/DUO duo.csv (ids, shorthands and labels verbatim).
constexpr std::array<DuoTerm, 23> kTerms = {{
    {kDuoNoRestriction, "NRES", "no restriction", Kind::kPermission},
    {kDuoGeneralResearch, "GRU", "general research use", Kind::kPermission},
    {kDuoHealthMedical, "HMB", "health or medical or biomedical research", Kind::kPermission},
    {kDuoDiseaseSpecific, "DS", "disease specific research", Kind::kPermission},
    {kDuoPopulationOrigins, "POA", "population origins or ancestry research only",
     Kind::kPermission},
    {kDuoResearchSpecific, "RS", "research specific restrictions", Kind::kModifier},
    {kDuoNoMethods, "NMDS", "no general methods research", Kind::kModifier},
    {kDuoGeneticStudiesOnly, "GSO", "genetic studies only", Kind::kModifier},
    {kDuoNotForProfitNonCommercial, "NPUNCU", "not for profit, non commercial use only",
     Kind::kModifier},
    {kDuoPublicationRequired, "PUB", "publication required", Kind::kModifier},
    {kDuoCollaborationRequired, "COL", "collaboration required", Kind::kModifier},
    {kDuoEthicsApproval, "IRB", "ethics approval required", Kind::kModifier},
    {kDuoGeographical, "GS", "geographical restriction", Kind::kModifier},
    {kDuoPublicationMoratorium, "MOR", "publication moratorium", Kind::kModifier},
    {kDuoTimeLimit, "TS", "time limit on use", Kind::kModifier},
    {kDuoUserSpecific, "US", "user specific restriction", Kind::kModifier},
    {kDuoProjectSpecific, "PS", "project specific restriction", Kind::kModifier},
    {kDuoInstitutionSpecific, "IS", "institution specific restriction", Kind::kModifier},
    {kDuoReturnToResource, "RTN", "return to database or resource", Kind::kModifier},
    {kDuoClinicalCare, "CC", "clinical care use", Kind::kModifier},
    {kDuoNoPopulationOrigins, "NPOA", "population origins or ancestry research prohibited",
     Kind::kModifier},
    {kDuoNotForProfitOrganisation, "NPU", "not for profit organisation use only", Kind::kModifier},
    {kDuoNonCommercial, "NCU", "non-commercial use only", Kind::kModifier},
}};

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// "HMB (DUO:0000006)".
std::string Named(std::string_view id) {
  const DuoTerm* term = FindDuoTerm(id);
  if (term == nullptr) return std::string(id);
  return std::string(term->shorthand) + " (" + std::string(id) + ")";
}

// A disease term of DS: an ICD-10 code or a category range, as a set.
Result<Icd10CodeSet> ParseDisease(std::string_view text) {
  Icd10CodeSet set;
  if (text.find('-') != std::string_view::npos) {
    ASSIGN_OR_RETURN(Icd10CategoryRange range, ParseIcd10Range(text));
    set.AddRange(range);
  } else {
    ASSIGN_OR_RETURN(Icd10Code code, Icd10Code::Parse(text));
    set.Add(code);
  }
  return set;
}

Status ValidateDiseases(std::string_view category, const std::vector<std::string>& diseases,
                        bool is_ds) {
  if (is_ds && diseases.empty()) {
    return InvalidArgument("diseases: DS (DUO:0000007) needs at least one ICD-10 code or range");
  }
  if (!is_ds && !diseases.empty()) {
    return InvalidArgument("diseases: only DS (DUO:0000007) takes diseases, not " +
                           Named(category));
  }
  for (size_t i = 0; i < diseases.size(); ++i) {
    Result<Icd10CodeSet> set = ParseDisease(diseases[i]);
    if (!set.ok()) {
      return InvalidArgument("diseases[" + std::to_string(i) + "]: " + set.status().message());
    }
  }
  return Status::Ok();
}

// Whether every code of the purpose disease lies within `allowed` (a subtype or the same).
bool Covered(const Icd10CodeSet& allowed, std::string_view disease) {
  if (disease.find('-') != std::string_view::npos) {
    Result<Icd10CategoryRange> range = ParseIcd10Range(disease);
    if (!range.ok()) return false;
    for (int c = range->first; c <= range->last; ++c) {
      if (!allowed.Matches(Icd10Code(static_cast<uint16_t>(c)))) return false;
    }
    return true;
  }
  Result<Icd10Code> code = Icd10Code::Parse(disease);
  return code.ok() && allowed.Matches(*code);
}

bool HasModifier(const DataUseConditions& c, std::string_view id) {
  return std::any_of(c.modifiers.begin(), c.modifiers.end(),
                     [id](const DuoModifier& m) { return m.term == id; });
}

// Canonical id of a term given by id or shorthand; "" if unknown.
std::string CanonicalId(std::string_view text) {
  const DuoTerm* term = FindDuoTerm(text);
  return term == nullptr ? std::string() : std::string(term->id);
}

}  // namespace

std::span<const DuoTerm> DuoTerms() { return kTerms; }

const DuoTerm* FindDuoTerm(std::string_view id_or_shorthand) {
  for (const DuoTerm& term : kTerms) {
    if (term.id == id_or_shorthand || EqualsIgnoreCase(term.shorthand, id_or_shorthand)) {
      return &term;
    }
  }
  return nullptr;
}

Status ValidateConditions(const DataUseConditions& conditions) {
  const DuoTerm* permission = FindDuoTerm(conditions.permission);
  if (permission == nullptr || permission->id != conditions.permission ||
      permission->kind != DuoTermKind::kPermission) {
    return InvalidArgument("permission: '" + conditions.permission +
                           "' is not a DUO permission id; use one of NRES (DUO:0000004), GRU "
                           "(DUO:0000042), HMB (DUO:0000006), DS (DUO:0000007), POA "
                           "(DUO:0000011)");
  }
  RETURN_IF_ERROR(ValidateDiseases(conditions.permission, conditions.diseases,
                                   conditions.permission == kDuoDiseaseSpecific));
  for (size_t i = 0; i < conditions.modifiers.size(); ++i) {
    const std::string& id = conditions.modifiers[i].term;
    std::string field = "modifiers[" + std::to_string(i) + "]";
    const DuoTerm* term = FindDuoTerm(id);
    if (term == nullptr || term->id != id || term->kind != DuoTermKind::kModifier) {
      return InvalidArgument(field + ": '" + id + "' is not a DUO data use modifier id");
    }
    for (size_t j = 0; j < i; ++j) {
      if (conditions.modifiers[j].term == id) {
        return InvalidArgument(field + ": " + Named(id) + " appears twice");
      }
    }
  }
  if (conditions.permission == kDuoPopulationOrigins &&
      HasModifier(conditions, kDuoNoPopulationOrigins)) {
    return InvalidArgument(
        "modifiers: NPOA (DUO:0000044) contradicts the permission POA "
        "(DUO:0000011)");
  }
  return Status::Ok();
}

Status ValidatePurpose(const ResearchPurpose& purpose) {
  const std::string& c = purpose.category;
  if (c != kDuoGeneralResearch && c != kDuoHealthMedical && c != kDuoDiseaseSpecific &&
      c != kDuoPopulationOrigins) {
    return InvalidArgument("category: '" + c +
                           "' is not a research purpose; use GRU (DUO:0000042), HMB "
                           "(DUO:0000006), DS (DUO:0000007) or POA (DUO:0000011)");
  }
  return ValidateDiseases(c, purpose.diseases, c == kDuoDiseaseSpecific);
}

std::string_view DuoDecisionName(DuoDecision decision) {
  switch (decision) {
    case DuoDecision::kAllowed:
      return "allowed";
    case DuoDecision::kDenied:
      return "denied";
    case DuoDecision::kNeedsReview:
      return "needs_review";
  }
  return "unknown";
}

Result<DuoMatch> MatchDataUse(const DataUseConditions& dataset, const ResearchPurpose& purpose) {
  if (Status s = ValidateConditions(dataset); !s.ok()) return s.WithContext("dataset conditions");
  if (Status s = ValidatePurpose(purpose); !s.ok()) return s.WithContext("research purpose");

  DuoMatch match;
  std::vector<std::string>& why = match.reasons;
  const std::string& p = dataset.permission;
  const std::string& c = purpose.category;

  // Step 1: the permission must be the purpose's term or one of its ancestors.
  bool disease_match = false;
  if (p == kDuoHealthMedical) {
    if (c == kDuoGeneralResearch) {
      why.push_back(
          "HMB (DUO:0000006) limits use to health/medical/biomedical research; the "
          "purpose is general research (GRU)");
    } else if (c == kDuoPopulationOrigins) {
      why.push_back(
          "HMB (DUO:0000006) does not include the study of population origins or "
          "ancestry (POA)");
    }
  } else if (p == kDuoDiseaseSpecific) {
    if (c != kDuoDiseaseSpecific) {
      why.push_back("DS (DUO:0000007) limits use to research on " +
                    [&] {
                      std::string list;
                      for (const std::string& d : dataset.diseases)
                        list += (list.empty() ? "" : ", ") + d;
                      return list;
                    }() +
                    "; the purpose " + Named(c) + " is not disease-specific");
    } else {
      Icd10CodeSet allowed;
      for (const std::string& d : dataset.diseases) allowed.Add(*ParseDisease(d));
      std::string uncovered;
      for (const std::string& d : purpose.diseases) {
        if (!Covered(allowed, d)) uncovered += (uncovered.empty() ? "" : ", ") + d;
      }
      if (uncovered.empty()) {
        disease_match = true;
      } else {
        why.push_back("DS (DUO:0000007) allows research on " + allowed.ToString() +
                      " only; the purpose's " + uncovered + " is not within it");
      }
    }
  } else if (p == kDuoPopulationOrigins) {
    if (c != kDuoPopulationOrigins) {
      why.push_back(
          "POA (DUO:0000011) limits use to population origins or ancestry research; "
          "the purpose is " +
          Named(c));
    }
  }
  // NRES and GRU: every purpose.

  // Step 2: restricting modifiers, decided from the purpose.
  for (const DuoModifier& m : dataset.modifiers) {
    const std::string& t = m.term;
    if (t == kDuoNoPopulationOrigins && c == kDuoPopulationOrigins) {
      why.push_back("NPOA (DUO:0000044) prohibits population origins or ancestry research");
    } else if (t == kDuoGeneticStudiesOnly && !purpose.genetic_study) {
      why.push_back(
          "GSO (DUO:0000016) limits use to genetic studies; the purpose is "
          "phenotype-only research");
    } else if (t == kDuoNonCommercial && purpose.commercial_use) {
      why.push_back("NCU (DUO:0000046) prohibits commercial use");
    } else if (t == kDuoNotForProfitOrganisation && purpose.for_profit_organisation) {
      why.push_back("NPU (DUO:0000045) limits use to not-for-profit organisations");
    } else if (t == kDuoNotForProfitNonCommercial &&
               (purpose.commercial_use || purpose.for_profit_organisation)) {
      why.push_back(
          "NPUNCU (DUO:0000018) limits use to not-for-profit organisations and "
          "non-commercial use");
    } else if (t == kDuoNoMethods && purpose.methods_development && !disease_match) {
      why.push_back(
          "NMDS (DUO:0000015) allows methods development only within a matching "
          "disease-specific (DS) restriction");
    }
  }
  if (purpose.clinical_care && p != kDuoNoRestriction && !HasModifier(dataset, kDuoClinicalCare)) {
    why.push_back("clinical care use needs the CC (DUO:0000043) modifier on the dataset");
  }
  if (!why.empty()) {
    match.decision = DuoDecision::kDenied;
    return match;
  }

  // Step 3: requirements only the committee can check.
  for (const DuoModifier& m : dataset.modifiers) {
    const std::string& t = m.term;
    if (t == kDuoEthicsApproval || t == kDuoPublicationRequired || t == kDuoCollaborationRequired ||
        t == kDuoReturnToResource || t == kDuoPublicationMoratorium || t == kDuoTimeLimit ||
        t == kDuoUserSpecific || t == kDuoProjectSpecific || t == kDuoInstitutionSpecific ||
        t == kDuoGeographical || t == kDuoResearchSpecific) {
      match.review.push_back(m);
    }
  }
  match.decision = match.review.empty() ? DuoDecision::kAllowed : DuoDecision::kNeedsReview;
  return match;
}

nlohmann::json ToJson(const DataUseConditions& conditions) {
  nlohmann::json modifiers = nlohmann::json::array();
  for (const DuoModifier& m : conditions.modifiers) {
    nlohmann::json j = {{"term", m.term}};
    if (!m.parameter.empty()) j["parameter"] = m.parameter;
    modifiers.push_back(std::move(j));
  }
  return {{"permission", conditions.permission},
          {"diseases", conditions.diseases},
          {"modifiers", std::move(modifiers)}};
}

nlohmann::json ToJson(const ResearchPurpose& purpose) {
  return {{"category", purpose.category},
          {"diseases", purpose.diseases},
          {"methods_development", purpose.methods_development},
          {"commercial_use", purpose.commercial_use},
          {"for_profit_organisation", purpose.for_profit_organisation},
          {"genetic_study", purpose.genetic_study},
          {"clinical_care", purpose.clinical_care}};
}

Result<DataUseConditions> ConditionsFromJson(const nlohmann::json& json, std::string path) {
  workflow_json::Fields f(json, path);
  DataUseConditions out;
  std::string permission = f.String("permission", true);
  if (f.ok()) {
    out.permission = CanonicalId(permission);
    if (out.permission.empty()) f.Fail("permission", "unknown DUO term '" + permission + "'");
  }
  out.diseases = f.Strings("diseases");
  if (const nlohmann::json* mods = f.Array("modifiers")) {
    for (size_t i = 0; i < mods->size() && f.ok(); ++i) {
      workflow_json::Fields m((*mods)[i], f.PathOf("modifiers[" + std::to_string(i) + "]"));
      std::string term = m.String("term", true);
      std::string id = CanonicalId(term);
      if (m.ok() && id.empty()) m.Fail("term", "unknown DUO term '" + term + "'");
      out.modifiers.push_back({id, m.String("parameter")});
      f.Adopt(m.status());
    }
  }
  if (!f.ok()) return f.status();
  return out;
}

Result<ResearchPurpose> PurposeFromJson(const nlohmann::json& json, std::string path) {
  workflow_json::Fields f(json, path);
  ResearchPurpose out;
  std::string category = f.String("category");
  if (f.ok() && !category.empty()) {
    out.category = CanonicalId(category);
    if (out.category.empty()) f.Fail("category", "unknown DUO term '" + category + "'");
  }
  out.diseases = f.Strings("diseases");
  out.methods_development = f.Bool("methods_development", false);
  out.commercial_use = f.Bool("commercial_use", false);
  out.for_profit_organisation = f.Bool("for_profit_organisation", false);
  out.genetic_study = f.Bool("genetic_study", true);
  out.clinical_care = f.Bool("clinical_care", false);
  if (!f.ok()) return f.status();
  return out;
}

}  // namespace renkei
