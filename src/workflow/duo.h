// The GA4GH Data Use Ontology (DUO) terms renkei uses, and matching of a dataset's data-use
// conditions against an application's research purpose.
//
// Term ids, shorthands and labels are those of the published ontology (EBISPOT/DUO, duo.csv;
// http://purl.obolibrary.org/obo/duo.owl). Ids are never reused, so they are stored; the
// shorthand is accepted on input for convenience.
//
// Matching follows the DUO matching guidance (DUO README, "How does querying work when using
// DUO?" and the DUOS "Research Purpose to Query" table):
//
//  1. The purpose is coded at its most specific level and matches a dataset whose permission is
//     that term or an ancestor of it. The permission hierarchy is
//         NRES ⊃ GRU ⊃ HMB ⊃ DS-X      and      GRU ⊃ POA
//     so: NRES and GRU data serve every purpose; HMB data serves health research (HMB, DS) but
//     neither non-health research (GRU) nor population origins/ancestry research (POA); DS-X
//     data serves disease-specific research on X or a subtype of X only (research on cancer
//     does not match data consented for lung cancer; research on lung cancer matches data
//     consented for cancer); POA data serves POA research only. Diseases are ICD-10 codes or
//     category ranges; "subtype" is the ICD-10 hierarchy (C50.9 lies within C50, C50 within
//     C00-D48). A purpose with several diseases needs every one of them covered.
//  2. Restricting modifiers are decided from the purpose: NPOA refuses POA research; GSO
//     refuses phenotype-only research; NCU refuses commercial use; NPU refuses for-profit
//     organisations; NPUNCU refuses both; NMDS refuses methods development unless it stays
//     within a matched disease-specific restriction (DUOS: "NMDS is true AND DS-X match"); a
//     clinical-care purpose needs the CC modifier (or NRES data).
//  3. Requirement modifiers cannot be decided from a purpose and go to the committee: IRB
//     (ethics approval documents), PUB, COL, RTN, MOR, TS, US, PS, IS, GS, RS.
//
// Result: denied (with every reason) if step 1 or 2 fails; otherwise needs review (listing the
// step-3 modifiers) if there are any; otherwise allowed. Values: copy freely; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace renkei {

// Data use permissions (exactly one per dataset).
inline constexpr std::string_view kDuoNoRestriction = "DUO:0000004";      // NRES
inline constexpr std::string_view kDuoGeneralResearch = "DUO:0000042";    // GRU
inline constexpr std::string_view kDuoHealthMedical = "DUO:0000006";      // HMB
inline constexpr std::string_view kDuoDiseaseSpecific = "DUO:0000007";    // DS
inline constexpr std::string_view kDuoPopulationOrigins = "DUO:0000011";  // POA
// Data use modifiers.
inline constexpr std::string_view kDuoResearchSpecific = "DUO:0000012";           // RS
inline constexpr std::string_view kDuoNoMethods = "DUO:0000015";                  // NMDS
inline constexpr std::string_view kDuoGeneticStudiesOnly = "DUO:0000016";         // GSO
inline constexpr std::string_view kDuoNotForProfitNonCommercial = "DUO:0000018";  // NPUNCU
inline constexpr std::string_view kDuoPublicationRequired = "DUO:0000019";        // PUB
inline constexpr std::string_view kDuoCollaborationRequired = "DUO:0000020";      // COL
inline constexpr std::string_view kDuoEthicsApproval = "DUO:0000021";             // IRB
inline constexpr std::string_view kDuoGeographical = "DUO:0000022";               // GS
inline constexpr std::string_view kDuoPublicationMoratorium = "DUO:0000024";      // MOR
inline constexpr std::string_view kDuoTimeLimit = "DUO:0000025";                  // TS
inline constexpr std::string_view kDuoUserSpecific = "DUO:0000026";               // US
inline constexpr std::string_view kDuoProjectSpecific = "DUO:0000027";            // PS
inline constexpr std::string_view kDuoInstitutionSpecific = "DUO:0000028";        // IS
inline constexpr std::string_view kDuoReturnToResource = "DUO:0000029";           // RTN
inline constexpr std::string_view kDuoClinicalCare = "DUO:0000043";               // CC
inline constexpr std::string_view kDuoNoPopulationOrigins = "DUO:0000044";        // NPOA
inline constexpr std::string_view kDuoNotForProfitOrganisation = "DUO:0000045";   // NPU
inline constexpr std::string_view kDuoNonCommercial = "DUO:0000046";              // NCU

enum class DuoTermKind { kPermission, kModifier };

struct DuoTerm {
  std::string_view id;         // "DUO:0000042"
  std::string_view shorthand;  // "GRU"
  std::string_view label;      // "general research use"
  DuoTermKind kind;
};

// The 5 permissions and 18 modifiers above, permissions first. Static storage.
std::span<const DuoTerm> DuoTerms();

// Finds a term by id ("DUO:0000042", exact) or shorthand ("GRU", ASCII case-insensitive).
// Returns nullptr if none; the pointer refers to static storage.
const DuoTerm* FindDuoTerm(std::string_view id_or_shorthand);

// A modifier on a dataset, with its parameter where the term takes one (GS: a region such as
// "JP"; TS: months; COL: the investigator; MOR: a date; RS: the research type). Free text
// shown to the committee; never interpreted.
struct DuoModifier {
  std::string term;  // DUO id
  std::string parameter;
  bool operator==(const DuoModifier&) const = default;
};

// A dataset's data-use conditions: one permission, the diseases of a DS permission, modifiers.
struct DataUseConditions {
  std::string permission;             // DUO id of a permission term
  std::vector<std::string> diseases;  // DS only: ICD-10 codes ("C50", "C50.9") or ranges
  std::vector<DuoModifier> modifiers;
  bool operator==(const DataUseConditions&) const = default;
};

// An application's research purpose, coded with DUO at its most specific level.
struct ResearchPurpose {
  // GRU (research outside health/medicine), HMB (health research, no single disease),
  // DS (research on `diseases`), POA (population origins or ancestry). Empty in a draft.
  std::string category;
  std::vector<std::string> diseases;     // DS only: ICD-10 codes or ranges
  bool methods_development = false;      // develops methods (software, algorithms)
  bool commercial_use = false;           // results used commercially
  bool for_profit_organisation = false;  // the applicant's organisation is for-profit
  bool genetic_study = true;             // uses genotypes (false: phenotype-only research)
  bool clinical_care = false;            // use in clinical care
  bool operator==(const ResearchPurpose&) const = default;
};

// Checks conditions: the permission is a known permission term; DS has at least one disease
// and others none; diseases are well-formed ICD-10 codes or ranges; modifiers are known
// modifier terms, each at most once; NPOA is not combined with POA. InvalidArgument naming the
// field ("permission", "diseases[1]", "modifiers[0]") otherwise.
Status ValidateConditions(const DataUseConditions& conditions);

// Checks a purpose: the category is GRU, HMB, DS or POA; DS has at least one disease and
// others none; diseases well-formed. InvalidArgument naming the field otherwise.
Status ValidatePurpose(const ResearchPurpose& purpose);

enum class DuoDecision { kAllowed, kDenied, kNeedsReview };

// "allowed", "denied", "needs_review".
std::string_view DuoDecisionName(DuoDecision decision);

struct DuoMatch {
  DuoDecision decision = DuoDecision::kAllowed;
  // kDenied: one sentence per failed check, naming the term ("HMB (DUO:0000006) ...").
  std::vector<std::string> reasons;
  // kNeedsReview: the requirement modifiers the committee must check, in dataset order.
  std::vector<DuoModifier> review;
};

// Matches a purpose against a dataset's conditions (rules in the file comment). Returns
// InvalidArgument (prefixed "dataset conditions: " or "research purpose: ") if either fails
// validation.
Result<DuoMatch> MatchDataUse(const DataUseConditions& dataset, const ResearchPurpose& purpose);

// JSON forms:
//   {"permission": "DUO:0000007", "diseases": ["C50"],
//    "modifiers": [{"term": "DUO:0000021"}, {"term": "DUO:0000022", "parameter": "JP"}]}
//   {"category": "DUO:0000007", "diseases": ["C50.9"], "methods_development": false,
//    "commercial_use": false, "for_profit_organisation": false, "genetic_study": true,
//    "clinical_care": false}
// Input accepts shorthands ("GRU") for terms and stores ids; unknown terms are InvalidArgument
// naming the field (FromJson does not run Validate*: drafts may be incomplete).
nlohmann::json ToJson(const DataUseConditions& conditions);
nlohmann::json ToJson(const ResearchPurpose& purpose);
Result<DataUseConditions> ConditionsFromJson(const nlohmann::json& json,
                                             std::string path = "conditions");
Result<ResearchPurpose> PurposeFromJson(const nlohmann::json& json, std::string path = "purpose");

}  // namespace renkei
