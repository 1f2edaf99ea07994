// Roles of the data-use workflow (issue 4) and the actor that takes an action.
//
//   researcher      applies for use (academic or company); owns their applications
//   secretariat     受付事務局: checks submissions, answers inquiries, records contracts
//   reviewer        データ利用審査会: comments, votes, and (as chair) records the decision
//   site_admin      per site: grants and revokes access to that site's data
//   platform_admin  operates the platform: grants, revokes, closes any application
//
// One person may hold several roles; a site administrator's grant names the site. Text form:
// "researcher", "site_admin:tohoku". Values: copy freely; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace renkei {

enum class Role { kResearcher, kSecretariat, kReviewer, kSiteAdmin, kPlatformAdmin };

// Every role, in declaration order.
inline constexpr Role kAllRoles[] = {Role::kResearcher, Role::kSecretariat, Role::kReviewer,
                                     Role::kSiteAdmin, Role::kPlatformAdmin};

// "researcher", "secretariat", "reviewer", "site_admin", "platform_admin".
std::string_view RoleName(Role role);

// Parses a role name (exact, lower case). InvalidArgument naming the five names otherwise.
Result<Role> ParseRole(std::string_view name);

// Checks a site id: 1-64 characters of a-z, 0-9, '_', '-' (e.g. "tohoku", "imsut").
// InvalidArgument naming the id and the rule otherwise.
Status ValidateSiteId(std::string_view site);

// A role held by a user; `site` is set for kSiteAdmin only.
struct RoleGrant {
  Role role = Role::kResearcher;
  std::string site;  // for kSiteAdmin: the site administered; empty otherwise
  bool operator==(const RoleGrant&) const = default;
};

// "researcher", "site_admin:tohoku".
std::string FormatRoleGrant(const RoleGrant& grant);

// Parses FormatRoleGrant's form. InvalidArgument when the role is unknown, a site_admin lacks
// its site ("site_admin needs a site: site_admin:<site>"), another role carries a site, or the
// site id is malformed.
Result<RoleGrant> ParseRoleGrant(std::string_view text);

// Parses a comma-separated list ("researcher,site_admin:tohoku"; spaces around commas
// allowed, empty list allowed). Errors as ParseRoleGrant, prefixed with the item's position.
Result<std::vector<RoleGrant>> ParseRoleGrants(std::string_view text);

// Who takes an action: the signed-in user and the roles they hold.
struct Actor {
  std::string user_id;
  std::vector<RoleGrant> roles;

  // Whether the actor holds `role` (for kSiteAdmin: for any site).
  bool Has(Role role) const;
  // Whether the actor is the site administrator of `site`.
  bool IsSiteAdminOf(std::string_view site) const;
};

}  // namespace renkei
