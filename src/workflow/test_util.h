// Helpers shared by the workflow tests (not part of the library).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "workflow/application.h"
#include "workflow/roles.h"

namespace renkei::workflow_test {

inline Date D(int y, unsigned m, unsigned d) {
  return Date(std::chrono::year(y) / std::chrono::month(m) / std::chrono::day(d));
}

inline Timestamp T(int y, unsigned m, unsigned d, int hour = 0, int minute = 0) {
  return Timestamp(D(y, m, d)) + std::chrono::hours(hour) + std::chrono::minutes(minute);
}

inline Actor MakeActor(std::string user, std::vector<RoleGrant> roles) {
  return Actor{std::move(user), std::move(roles)};
}

inline const Actor& Alice() {  // the applicant
  static const Actor a = MakeActor("alice", {{Role::kResearcher, ""}});
  return a;
}

// A complete data-use application content: two sites, one dataset, one cohort, a period of
// 2025-05-01 .. 2027-05-01, member bob.
inline ApplicationContent GoodDataUse() {
  ApplicationContent c;
  c.title = "Genetic architecture of type 2 diabetes in Japanese adults";
  c.institution = "Example University";
  c.organisation = OrganisationType::kAcademic;
  c.members = {{"bob", "Bob Tanaka"}};
  c.datasets = {"tmm_wgs"};
  c.sites = {"tohoku", "imsut"};
  c.research_plan = "Association analysis of whole-genome variants with T2D status.";
  c.purpose = "Find rare variants associated with type 2 diabetes.";
  c.intended_use.category = "DUO:0000007";
  c.intended_use.diseases = {"E11"};
  c.period_start = D(2025, 5, 1);
  c.period_end = D(2027, 5, 1);
  c.cohorts = {"age=40-69 & disease=E11"};
  return c;
}

}  // namespace renkei::workflow_test
