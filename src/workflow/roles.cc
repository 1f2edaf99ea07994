#include "workflow/roles.h"

#include <algorithm>

namespace renkei {

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kResearcher:
      return "researcher";
    case Role::kSecretariat:
      return "secretariat";
    case Role::kReviewer:
      return "reviewer";
    case Role::kSiteAdmin:
      return "site_admin";
    case Role::kPlatformAdmin:
      return "platform_admin";
  }
  return "unknown";
}

Result<Role> ParseRole(std::string_view name) {
  for (Role role : kAllRoles) {
    if (name == RoleName(role)) return role;
  }
  return InvalidArgument("unknown role '" + std::string(name) +
                         "'; use one of researcher, secretariat, reviewer, site_admin, "
                         "platform_admin");
}

Status ValidateSiteId(std::string_view site) {
  bool ok = !site.empty() && site.size() <= 64 && std::all_of(site.begin(), site.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
  if (ok) return Status::Ok();
  return InvalidArgument("malformed site id '" + std::string(site) +
                         "'; use 1-64 characters of a-z, 0-9, '_' and '-'");
}

std::string FormatRoleGrant(const RoleGrant& grant) {
  std::string out(RoleName(grant.role));
  if (grant.role == Role::kSiteAdmin) out += ":" + grant.site;
  return out;
}

Result<RoleGrant> ParseRoleGrant(std::string_view text) {
  size_t colon = text.find(':');
  std::string_view name = text.substr(0, colon);
  ASSIGN_OR_RETURN(Role role, ParseRole(name));
  RoleGrant grant{role, ""};
  if (role == Role::kSiteAdmin) {
    if (colon == std::string_view::npos) {
      return InvalidArgument("site_admin needs a site: site_admin:<site>");
    }
    std::string_view site = text.substr(colon + 1);
    RETURN_IF_ERROR(ValidateSiteId(site));
    grant.site = std::string(site);
  } else if (colon != std::string_view::npos) {
    return InvalidArgument("role " + std::string(name) + " takes no site (only site_admin does)");
  }
  return grant;
}

Result<std::vector<RoleGrant>> ParseRoleGrants(std::string_view text) {
  std::vector<RoleGrant> out;
  auto trim = [](std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    return s;
  };
  if (trim(text).empty()) return out;
  size_t start = 0;
  for (int index = 1;; ++index) {
    size_t comma = text.find(',', start);
    std::string_view item = trim(text.substr(start, comma - start));
    Result<RoleGrant> grant = ParseRoleGrant(item);
    if (!grant.ok()) return grant.status().WithContext("role " + std::to_string(index));
    if (std::find(out.begin(), out.end(), *grant) == out.end()) out.push_back(*grant);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

bool Actor::Has(Role role) const {
  return std::any_of(roles.begin(), roles.end(),
                     [role](const RoleGrant& g) { return g.role == role; });
}

bool Actor::IsSiteAdminOf(std::string_view site) const {
  return !site.empty() && std::any_of(roles.begin(), roles.end(), [site](const RoleGrant& g) {
    return g.role == Role::kSiteAdmin && g.site == site;
  });
}

}  // namespace renkei
