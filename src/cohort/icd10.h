// The ICD-10 part of the cohort layer in one include: codes (icd10_code.h), the embedded
// catalogue with titles, hierarchy and name search (icd10_catalog.h), code sets
// (icd10_code_set.h), and disease groups with the term resolver (disease_terms.h).
#pragma once

#include "cohort/disease_terms.h"
#include "cohort/icd10_catalog.h"
#include "cohort/icd10_code.h"
#include "cohort/icd10_code_set.h"
