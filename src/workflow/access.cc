#include "workflow/access.h"

#include <algorithm>

namespace renkei {

namespace {

bool RequestsSite(const Application& app, std::string_view site) {
  auto has = [site](const std::vector<std::string>& sites) {
    return std::find(sites.begin(), sites.end(), site) != sites.end();
  };
  if (has(app.content.sites)) return true;
  if (app.pending_amendment && has(app.pending_amendment->sites)) return true;
  return std::any_of(app.grants.begin(), app.grants.end(),
                     [site](const Grant& g) { return g.site == site; });
}

}  // namespace

bool CanRead(const Application& app, const Actor& actor) {
  if (actor.user_id.empty()) return false;
  if (actor.user_id == app.applicant) return true;
  if (std::any_of(app.content.members.begin(), app.content.members.end(),
                  [&](const Member& m) { return m.user_id == actor.user_id; })) {
    return true;
  }
  if (app.kind == ApplicationKind::kInquiry) {
    return actor.Has(Role::kSecretariat) || actor.Has(Role::kPlatformAdmin);
  }
  if (app.state == ApplicationState::kDraft) return false;
  if (actor.Has(Role::kSecretariat) || actor.Has(Role::kReviewer) ||
      actor.Has(Role::kPlatformAdmin)) {
    return true;
  }
  for (const RoleGrant& g : actor.roles) {
    if (g.role == Role::kSiteAdmin && !g.site.empty() && RequestsSite(app, g.site)) return true;
  }
  return false;
}

bool CanEdit(const Application& app, const Actor& actor) {
  return !actor.user_id.empty() && actor.user_id == app.applicant && actor.Has(Role::kResearcher) &&
         (app.state == ApplicationState::kDraft || app.state == ApplicationState::kReturned);
}

std::vector<Grant> ActiveGrants(const Application& app, Timestamp now) {
  std::vector<Grant> out;
  if (app.state != ApplicationState::kGranted && app.state != ApplicationState::kAmendmentReview) {
    return out;
  }
  if (!app.content.period_end || now >= Timestamp(*app.content.period_end)) return out;
  for (const Grant& g : app.grants) {
    if (!g.revoked_at && g.expiry > now) out.push_back(g);
  }
  return out;
}

bool HasAccess(const Application& app, std::string_view site, std::string_view dataset,
               Timestamp now) {
  std::vector<Grant> grants = ActiveGrants(app, now);
  return std::any_of(grants.begin(), grants.end(),
                     [&](const Grant& g) { return g.site == site && g.dataset == dataset; });
}

}  // namespace renkei
