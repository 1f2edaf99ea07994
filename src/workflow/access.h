// Object-level rules: who may read or edit one application, and whether it entitles access.
//
//   read   the applicant and listed members, always (drafts: only they);
//          secretariat, reviewers and platform administrators: every application once
//          submitted (not drafts); inquiries: the secretariat and platform administrators;
//          a site administrator: submitted applications that request (or hold a grant at,
//          or propose in a pending amendment) their site.
//   edit   only the applicant (role researcher), only in draft or returned.
//
// Pure functions of values; thread-safe.
#pragma once

#include <string_view>
#include <vector>

#include "workflow/application.h"
#include "workflow/roles.h"

namespace renkei {

// Whether the actor may read the application (rules above).
bool CanRead(const Application& application, const Actor& actor);

// Whether the actor may change the application's content (rules above). The state machine's
// edit and submit enforce the same rule.
bool CanEdit(const Application& application, const Actor& actor);

// The grants in force at `now`: the application is granted or in amendment review, its period
// has not ended, and the grant is neither revoked nor expired.
std::vector<Grant> ActiveGrants(const Application& application, Timestamp now);

// Whether the application entitles access to `dataset` at `site` at `now` (an active grant for
// exactly that site and dataset; processing-node grants have dataset "", platform grants site
// and dataset "").
bool HasAccess(const Application& application, std::string_view site, std::string_view dataset,
               Timestamp now);

}  // namespace renkei
