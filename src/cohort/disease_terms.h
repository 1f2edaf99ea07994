// Disease terms as researchers write them, resolved to ICD-10 code sets: codes, ranges,
// blocks, chapters, named disease groups (English key or Japanese name) and free disease names
// (Japanese via the MHLW disease-name index, English via the WHO titles).
//
// All functions are thread-safe (they read the immutable Icd10Catalog and static tables).
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "cohort/icd10_code_set.h"
#include "common/status.h"

namespace renkei {

// A disease group researchers ask for by name, e.g. dementia = F00-F03,G30,G31.
struct DiseaseGroup {
  std::string_view key;      // "dementia": lowercase-hyphen, used in output and strata
  std::string_view name_en;  // "Dementia"
  std::string_view name_ja;  // "認知症"
  std::string_view codes;    // "F00-F03,G30,G31": comma-separated codes and ranges
};

// Returns the groups in their fixed order: the chronic diseases (dementia, alzheimers,
// type2-diabetes, ..., osteoporosis), then cancer and the cancers by site.
std::span<const DiseaseGroup> DiseaseGroups();

// Finds a group by key, alias or Japanese name. English matching ignores ASCII case and treats
// spaces and underscores as hyphens and drops apostrophes ("Type 2 diabetes", "t2d",
// "alzheimer's", "ischemic-heart-disease"). Returns nullptr if none matches.
const DiseaseGroup* FindDiseaseGroup(std::string_view name);

// Returns the code set of a group. The group table is checked by tests, so this cannot fail.
Icd10CodeSet DiseaseGroupCodes(const DiseaseGroup& group);

// A resolved term: its code set and a canonical spelling of the term ("F00.1", "F00-F03",
// "chapter:V", "dementia", or the trimmed disease name as given).
struct ResolvedDiseaseTerm {
  Icd10CodeSet codes;
  std::string canonical;
};

// Resolves, in this order: "chapter:V" or a bare roman numeral I..XXII; a range of categories
// ("F00-F03", also block and chapter ranges such as "F00-F09", "A00-B99"); a code ("E11",
// "F00.1", "f001"); a disease group (see FindDiseaseGroup); a disease name (exact matches of
// Japanese index names, Japanese titles or English titles first, else names/titles containing
// the term, at least 3 bytes long; several codes give their union).
// Errors (all InvalidArgument): "malformed ICD-10 code '…'", "unknown ICD-10 code '…'",
// "unknown ICD-10 chapter '…'", "malformed ICD-10 range '…'", "ICD-10 range '…' contains no
// known code", "no disease matches '…'; try an ICD-10 code such as E11 or a group such as
// type2-diabetes", "empty disease term".
Result<ResolvedDiseaseTerm> ResolveDiseaseTermDetailed(std::string_view term);

// As ResolveDiseaseTermDetailed, returning only the code set.
Result<Icd10CodeSet> ResolveDiseaseTerm(std::string_view term);

}  // namespace renkei
