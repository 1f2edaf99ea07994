#include "workflow/state_machine.h"

#include <algorithm>

#include "workflow/json_fields.h"

namespace renkei {

namespace {

using S = ApplicationState;
using workflow_json::FormatDate;
using workflow_json::FormatTime;

// Who may take an action.
enum Who : unsigned {
  kApplicant = 1,
  kSecretariat = 2,
  kReviewer = 4,
  kSiteAdmin = 8,
  kPlatformAdmin = 16,
};

// Which kinds an action applies to.
enum KindBit : unsigned { kP = 1, kD = 2, kN = 4, kI = 8, kPDN = kP | kD | kN };

struct Rule {
  Action action;
  unsigned kinds;
  unsigned who;
  std::vector<S> from;
};

const std::vector<Rule>& Rules() {
  static const std::vector<Rule> rules = {
      {Action::kEdit, kPDN, kApplicant, {S::kDraft, S::kReturned}},
      {Action::kSubmit, kPDN, kApplicant, {S::kDraft, S::kReturned}},
      {Action::kRecordFeasibility, kD, kSecretariat, {S::kSubmitted}},
      {Action::kReturn, kPDN, kSecretariat, {S::kSubmitted}},
      {Action::kForward, kPDN, kSecretariat, {S::kSubmitted}},
      {Action::kDeclareConflict,
       kPDN,
       kReviewer,
       {S::kSubmitted, S::kUnderReview, S::kAmendmentReview}},
      {Action::kComment, kPDN, kReviewer, {S::kUnderReview, S::kAmendmentReview}},
      {Action::kVote, kPDN, kReviewer, {S::kUnderReview, S::kAmendmentReview}},
      {Action::kDecide, kPDN, kReviewer, {S::kUnderReview, S::kAmendmentReview}},
      {Action::kRecordContract,
       kD | kN,
       kSecretariat | kPlatformAdmin,
       {S::kApproved, S::kContracted, S::kGranted}},
      {Action::kGrant, kD | kN, kSiteAdmin | kPlatformAdmin, {S::kContracted, S::kGranted}},
      {Action::kGrant, kP, kPlatformAdmin, {S::kApproved, S::kGranted}},
      {Action::kRevoke, kD | kN, kSiteAdmin | kPlatformAdmin, {S::kGranted, S::kAmendmentReview}},
      {Action::kRevoke, kP, kPlatformAdmin, {S::kGranted, S::kAmendmentReview}},
      {Action::kAmend, kPDN, kApplicant, {S::kGranted}},
      {Action::kClose,
       kPDN,
       kApplicant | kPlatformAdmin,
       {S::kDraft, S::kSubmitted, S::kReturned, S::kUnderReview, S::kApproved, S::kContracted,
        S::kGranted, S::kAmendmentReview}},
      {Action::kAnswer, kI, kSecretariat, {S::kOpen}},
      {Action::kFollowUp, kI, kApplicant, {S::kAnswered}},
      {Action::kClose, kI, kApplicant | kSecretariat, {S::kOpen, S::kAnswered}},
  };
  return rules;
}

unsigned KindBitOf(ApplicationKind kind) {
  switch (kind) {
    case ApplicationKind::kPlatformUse:
      return kP;
    case ApplicationKind::kDataUse:
      return kD;
    case ApplicationKind::kProcessingNodeUse:
      return kN;
    case ApplicationKind::kInquiry:
      return kI;
  }
  return 0;
}

const Rule* FindRule(Action action, ApplicationKind kind) {
  for (const Rule& rule : Rules()) {
    if (rule.action == action && (rule.kinds & KindBitOf(kind)) != 0) return &rule;
  }
  return nullptr;
}

bool IsApplicant(const Application& app, const Actor& actor) {
  return actor.Has(Role::kResearcher) && !actor.user_id.empty() && actor.user_id == app.applicant;
}

// The role that lets `actor` take the rule's action, or nullopt. `site` is the site concerned
// (site administrators); with `any_requested_site`, any requested site will do.
std::optional<RoleGrant> Authorise(const Rule& rule, const Application& app, const Actor& actor,
                                   std::string_view site, bool any_requested_site) {
  if ((rule.who & kApplicant) && IsApplicant(app, actor)) return RoleGrant{Role::kResearcher, ""};
  if ((rule.who & kSecretariat) && actor.Has(Role::kSecretariat)) {
    return RoleGrant{Role::kSecretariat, ""};
  }
  if ((rule.who & kReviewer) && actor.Has(Role::kReviewer)) return RoleGrant{Role::kReviewer, ""};
  if (rule.who & kSiteAdmin) {
    if (actor.IsSiteAdminOf(site)) return RoleGrant{Role::kSiteAdmin, std::string(site)};
    if (any_requested_site) {
      for (const std::string& s : app.content.sites) {
        if (actor.IsSiteAdminOf(s)) return RoleGrant{Role::kSiteAdmin, s};
      }
    }
  }
  if ((rule.who & kPlatformAdmin) && actor.Has(Role::kPlatformAdmin)) {
    return RoleGrant{Role::kPlatformAdmin, ""};
  }
  return std::nullopt;
}

std::string NeededRoles(const Rule& rule, const Application& app, std::string_view site) {
  std::vector<std::string> needed;
  if (rule.who & kApplicant) needed.push_back("the applicant (researcher " + app.applicant + ")");
  if (rule.who & kSecretariat) needed.push_back("role secretariat");
  if (rule.who & kReviewer) needed.push_back("role reviewer");
  if (rule.who & kSiteAdmin) {
    needed.push_back(site.empty() ? "role site_admin:<site> (naming the site in the payload)"
                                  : "role site_admin:" + std::string(site));
  }
  if (rule.who & kPlatformAdmin) needed.push_back("role platform_admin");
  std::string out;
  for (size_t i = 0; i < needed.size(); ++i) {
    if (i > 0) out += i + 1 == needed.size() ? " or " : ", ";
    out += needed[i];
  }
  return out;
}

std::string HeldRoles(const Actor& actor) {
  if (actor.roles.empty()) return "no role";
  std::string out;
  for (const RoleGrant& g : actor.roles) out += (out.empty() ? "" : ", ") + FormatRoleGrant(g);
  return out;
}

std::string StateList(const std::vector<S>& states) {
  std::string out;
  for (S s : states) out += (out.empty() ? "" : ", ") + std::string(ApplicationStateName(s));
  return out;
}

bool Contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

Date Today(Timestamp now) { return std::chrono::floor<std::chrono::days>(now); }

bool Active(const Grant& g, Timestamp now) { return !g.revoked_at && g.expiry > now; }

bool FullySigned(const Contract& c) {
  auto signed_by = [](const ContractParty& p) {
    return !p.name.empty() && p.signed_on.has_value();
  };
  return signed_by(c.user_institution) && signed_by(c.providing_site) &&
         signed_by(c.platform_operator) && !c.document_ref.empty();
}

bool CommentRequired(Action action) {
  return action == Action::kReturn || action == Action::kComment || action == Action::kAnswer ||
         action == Action::kFollowUp || action == Action::kRevoke;
}

bool Blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
}

// Checks content for submit and amend: Validate, and a period that has not already ended.
Status CheckSubmission(const ApplicationContent& content, ApplicationKind kind, Timestamp now,
                       const WorkflowPolicy& policy) {
  RETURN_IF_ERROR(Validate(content, kind, policy.limits));
  if (kind != ApplicationKind::kInquiry && *content.period_end <= Today(now)) {
    return InvalidArgument("period_end: " + FormatDate(*content.period_end) +
                           " has already passed");
  }
  return Status::Ok();
}

Status CheckParty(const ContractParty& p, const char* field, Timestamp now) {
  if (Blank(p.name)) return InvalidArgument(std::string("contract.") + field + ".name: required");
  if (!p.signed_on) {
    return InvalidArgument(std::string("contract.") + field + ".signed_on: required");
  }
  if (*p.signed_on > Today(now)) {
    return InvalidArgument(std::string("contract.") + field +
                           ".signed_on: " + FormatDate(*p.signed_on) + " is in the future");
  }
  return Status::Ok();
}

// The per-action work: updates `next` and sets `to` and `detail`; errors leave the caller's
// application untouched (next is a copy).
struct Step {
  Application& next;
  const Actor& actor;
  Timestamp now;
  std::string_view comment;
  const ActionPayload& payload;
  const WorkflowPolicy& policy;
  S to;
  std::string detail;
};

Status DecideStep(Step& s) {
  Application& a = s.next;
  if (HasConflict(a, s.actor.user_id)) {
    return PermissionDenied("reviewer " + s.actor.user_id +
                            " has a conflict of interest with application " + a.id +
                            " and cannot record the decision");
  }
  VoteTally t = Tally(a);
  int decisive = t.approve + t.reject;
  if (decisive < s.policy.quorum) {
    return FailedPrecondition("no quorum: " + std::to_string(decisive) + " approve-or-reject " +
                              "vote(s) in review round " + std::to_string(a.review_round) + ", " +
                              std::to_string(s.policy.quorum) + " needed");
  }
  if (t.approve == t.reject) {
    return FailedPrecondition("votes are tied (" + std::to_string(t.approve) + " approve, " +
                              std::to_string(t.reject) + " reject); another vote is needed");
  }
  bool approved = t.approve > t.reject;
  std::string score = std::to_string(t.approve) + "-" + std::to_string(t.reject) +
                      (t.abstain > 0 ? " (" + std::to_string(t.abstain) + " abstaining)" : "");
  if (a.state == S::kUnderReview) {
    s.to = approved ? S::kApproved : S::kRejected;
    s.detail = std::string(approved ? "approved " : "rejected ") + score;
    return Status::Ok();
  }
  // Amendment review: the grants stayed in force; apply or discard the amendment.
  s.to = S::kGranted;
  s.detail = std::string(approved ? "amendment approved " : "amendment rejected ") + score;
  if (approved && a.pending_amendment) {
    a.content = std::move(*a.pending_amendment);
    Timestamp end(*a.content.period_end);
    for (Grant& g : a.grants) {
      if (g.revoked_at) continue;
      bool in_scope =
          a.kind == ApplicationKind::kPlatformUse ||
          (Contains(a.content.sites, g.site) &&
           (a.kind != ApplicationKind::kDataUse || Contains(a.content.datasets, g.dataset)));
      if (!in_scope) {
        g.revoked_at = s.now;
        g.revoked_by = s.actor.user_id;
      } else if (g.expiry > end) {
        g.expiry = end;
      }
    }
  }
  a.pending_amendment.reset();
  return Status::Ok();
}

Status GrantStep(Step& s) {
  Application& a = s.next;
  const ActionPayload& p = s.payload;
  if (a.kind == ApplicationKind::kPlatformUse) {
    if (!p.site.empty() || !p.dataset.empty()) {
      return InvalidArgument("platform_use grants name no site or dataset");
    }
  } else {
    if (!Contains(a.content.sites, p.site)) {
      return InvalidArgument("site: '" + p.site + "' is not a site this application requests");
    }
    if (a.kind == ApplicationKind::kDataUse && !Contains(a.content.datasets, p.dataset)) {
      return InvalidArgument("dataset: '" + p.dataset +
                             "' is not a dataset this application requests");
    }
    if (a.kind == ApplicationKind::kProcessingNodeUse && !p.dataset.empty()) {
      return InvalidArgument("dataset: processing_node_use grants name no dataset");
    }
  }
  if (!p.expiry) return InvalidArgument("expiry: required");
  if (*p.expiry <= s.now) {
    return InvalidArgument("expiry: " + FormatTime(*p.expiry) + " is not in the future");
  }
  if (!a.content.period_end) return FailedPrecondition("the application has no period_end");
  Timestamp end(*a.content.period_end);
  if (*p.expiry > end) {
    return InvalidArgument("expiry: " + FormatTime(*p.expiry) +
                           " is after the end of the use period " + FormatTime(end));
  }
  if (a.kind != ApplicationKind::kPlatformUse) {
    auto contract = std::find_if(a.contracts.begin(), a.contracts.end(),
                                 [&](const Contract& c) { return c.site == p.site; });
    if (contract == a.contracts.end() || !FullySigned(*contract)) {
      return FailedPrecondition("grant needs the three-party contract for site " + p.site +
                                " (user institution, data-providing site, platform operator), "
                                "signed by all three, recorded first");
    }
  }
  auto same = std::find_if(a.grants.begin(), a.grants.end(), [&](const renkei::Grant& g) {
    return !g.revoked_at && g.site == p.site && g.dataset == p.dataset;
  });
  if (same != a.grants.end()) {
    same->expiry = *p.expiry;
    same->granted_by = s.actor.user_id;
    same->granted_at = s.now;
  } else {
    a.grants.push_back({p.site, p.dataset, *p.expiry, s.actor.user_id, s.now, std::nullopt, ""});
  }
  s.to = S::kGranted;
  std::string what = p.site.empty() ? "platform" : p.site;
  if (!p.dataset.empty()) what += "/" + p.dataset;
  s.detail = "grant " + what + " until " + FormatTime(*p.expiry);
  return Status::Ok();
}

Status RevokeStep(Step& s) {
  Application& a = s.next;
  const std::string& site = s.payload.site;
  int revoked = 0;
  for (renkei::Grant& g : a.grants) {
    if (Active(g, s.now) && (site.empty() || g.site == site)) {
      g.revoked_at = s.now;
      g.revoked_by = s.actor.user_id;
      ++revoked;
    }
  }
  if (revoked == 0) {
    return FailedPrecondition(site.empty() ? "no active grant to revoke"
                                           : "no active grant to revoke at site " + site);
  }
  bool any_left = std::any_of(a.grants.begin(), a.grants.end(),
                              [&](const renkei::Grant& g) { return Active(g, s.now); });
  s.to = any_left ? a.state : S::kRevoked;
  s.detail = "revoked " + std::to_string(revoked) + " grant(s)" +
             (site.empty() ? std::string() : " at " + site);
  return Status::Ok();
}

Status RecordContractStep(Step& s) {
  Application& a = s.next;
  if (!s.payload.contract) return InvalidArgument("contract: required");
  Contract c = *s.payload.contract;
  if (!Contains(a.content.sites, c.site)) {
    return InvalidArgument("contract.site: '" + c.site +
                           "' is not a site this application requests");
  }
  RETURN_IF_ERROR(CheckParty(c.user_institution, "user_institution", s.now));
  RETURN_IF_ERROR(CheckParty(c.providing_site, "providing_site", s.now));
  RETURN_IF_ERROR(CheckParty(c.platform_operator, "platform_operator", s.now));
  if (Blank(c.document_ref)) return InvalidArgument("contract.document_ref: required");
  c.recorded_at = s.now;
  auto same = std::find_if(a.contracts.begin(), a.contracts.end(),
                           [&](const Contract& x) { return x.site == c.site; });
  if (same != a.contracts.end()) {
    *same = std::move(c);
  } else {
    a.contracts.push_back(std::move(c));
  }
  s.to = a.state == S::kApproved ? S::kContracted : a.state;
  s.detail = "contract for " + s.payload.contract->site;
  return Status::Ok();
}

Status RecordFeasibilityStep(Step& s) {
  Application& a = s.next;
  if (s.payload.feasibility.empty()) return InvalidArgument("feasibility: at least one count");
  for (size_t i = 0; i < s.payload.feasibility.size(); ++i) {
    const FeasibilityCount& f = s.payload.feasibility[i];
    std::string field = "feasibility[" + std::to_string(i) + "]";
    if (!Contains(a.content.sites, f.site)) {
      return InvalidArgument(field + ".site: '" + f.site +
                             "' is not a site this application requests");
    }
    if (f.cohort < 0 || static_cast<size_t>(f.cohort) >= a.content.cohorts.size()) {
      return InvalidArgument(field + ".cohort: " + std::to_string(f.cohort) +
                             " is not a cohort of this application (it has " +
                             std::to_string(a.content.cohorts.size()) + ")");
    }
    if (f.count < 0) return InvalidArgument(field + ".count: must not be negative");
    auto same = std::find_if(
        a.feasibility.begin(), a.feasibility.end(),
        [&](const FeasibilityCount& x) { return x.site == f.site && x.cohort == f.cohort; });
    if (same != a.feasibility.end()) {
      *same = f;
    } else {
      a.feasibility.push_back(f);
    }
  }
  s.to = a.state;
  s.detail = std::to_string(s.payload.feasibility.size()) + " count(s)";
  return Status::Ok();
}

Status VoteStep(Step& s) {
  Application& a = s.next;
  renkei::Vote vote = s.payload.vote;
  if (vote == renkei::Vote::kNone) {
    return InvalidArgument("vote: required (approve, reject or abstain)");
  }
  if (HasConflict(a, s.actor.user_id)) {
    return PermissionDenied("reviewer " + s.actor.user_id +
                            " has a conflict of interest with application " + a.id +
                            " and cannot vote");
  }
  auto same = std::find_if(a.reviews.begin(), a.reviews.end(), [&](const Review& r) {
    return r.reviewer == s.actor.user_id && r.round == a.review_round &&
           r.vote != renkei::Vote::kNone;
  });
  s.detail = std::string(VoteName(vote));
  Review review{s.actor.user_id, std::string(s.comment), vote, s.now, a.review_round};
  if (same != a.reviews.end()) {
    s.detail += " (replaces " + std::string(VoteName(same->vote)) + ")";
    *same = std::move(review);
  } else {
    a.reviews.push_back(std::move(review));
  }
  s.to = a.state;
  return Status::Ok();
}

Status Run(Action action, Step& s) {
  Application& a = s.next;
  s.to = a.state;
  switch (action) {
    case Action::kEdit:
      if (!s.payload.content) return InvalidArgument("content: required");
      a.content = *s.payload.content;
      return Status::Ok();
    case Action::kSubmit:
      RETURN_IF_ERROR(CheckSubmission(a.content, a.kind, s.now, s.policy));
      s.to = S::kSubmitted;
      return Status::Ok();
    case Action::kRecordFeasibility:
      return RecordFeasibilityStep(s);
    case Action::kReturn:
      s.to = S::kReturned;
      return Status::Ok();
    case Action::kForward:
      ++a.review_round;
      s.to = S::kUnderReview;
      s.detail = "review round " + std::to_string(a.review_round);
      return Status::Ok();
    case Action::kDeclareConflict:
      if (Contains(a.conflicts, s.actor.user_id)) {
        return AlreadyExists("reviewer " + s.actor.user_id + " has already declared a conflict");
      }
      a.conflicts.push_back(s.actor.user_id);
      return Status::Ok();
    case Action::kComment:
      a.reviews.push_back(
          {s.actor.user_id, std::string(s.comment), renkei::Vote::kNone, s.now, a.review_round});
      return Status::Ok();
    case Action::kVote:
      return VoteStep(s);
    case Action::kDecide:
      return DecideStep(s);
    case Action::kRecordContract:
      return RecordContractStep(s);
    case Action::kGrant:
      return GrantStep(s);
    case Action::kRevoke:
      return RevokeStep(s);
    case Action::kAmend:
      if (!s.payload.content) return InvalidArgument("content: required");
      RETURN_IF_ERROR(CheckSubmission(*s.payload.content, a.kind, s.now, s.policy));
      a.pending_amendment = *s.payload.content;
      ++a.review_round;
      s.to = S::kAmendmentReview;
      s.detail = "review round " + std::to_string(a.review_round);
      return Status::Ok();
    case Action::kClose:
      s.to = S::kClosed;
      return Status::Ok();
    case Action::kAnswer:
      s.to = S::kAnswered;
      return Status::Ok();
    case Action::kFollowUp:
      s.to = S::kOpen;
      return Status::Ok();
  }
  return Internal("unknown action");
}

}  // namespace

std::string_view ActionName(Action action) {
  switch (action) {
    case Action::kEdit:
      return "edit";
    case Action::kSubmit:
      return "submit";
    case Action::kRecordFeasibility:
      return "record_feasibility";
    case Action::kReturn:
      return "return";
    case Action::kForward:
      return "forward";
    case Action::kDeclareConflict:
      return "declare_conflict";
    case Action::kComment:
      return "comment";
    case Action::kVote:
      return "vote";
    case Action::kDecide:
      return "decide";
    case Action::kRecordContract:
      return "record_contract";
    case Action::kGrant:
      return "grant";
    case Action::kRevoke:
      return "revoke";
    case Action::kAmend:
      return "amend";
    case Action::kClose:
      return "close";
    case Action::kAnswer:
      return "answer";
    case Action::kFollowUp:
      return "follow_up";
  }
  return "unknown";
}

Result<Action> ParseAction(std::string_view name) {
  std::string list;
  for (Action a : kAllActions) {
    if (ActionName(a) == name) return a;
    list += (list.empty() ? "" : ", ") + std::string(ActionName(a));
  }
  return InvalidArgument("unknown action '" + std::string(name) + "'; use one of " + list);
}

bool HasConflict(const Application& app, std::string_view reviewer) {
  if (reviewer == app.applicant || Contains(app.conflicts, reviewer)) return true;
  return std::any_of(app.content.members.begin(), app.content.members.end(),
                     [&](const Member& m) { return m.user_id == reviewer; });
}

VoteTally Tally(const Application& app) {
  VoteTally t;
  for (const Review& r : app.reviews) {
    if (r.round != app.review_round || r.vote == Vote::kNone || HasConflict(app, r.reviewer)) {
      continue;
    }
    // Apply keeps one vote per reviewer and round, so each review here is a distinct voter.
    if (r.vote == Vote::kApprove) ++t.approve;
    if (r.vote == Vote::kReject) ++t.reject;
    if (r.vote == Vote::kAbstain) ++t.abstain;
  }
  return t;
}

Result<Application> CreateApplication(std::string id, ApplicationKind kind, const Actor& actor,
                                      Timestamp now, ApplicationContent content) {
  if (!actor.Has(Role::kResearcher)) {
    return PermissionDenied("creating an application needs role researcher; user " + actor.user_id +
                            " holds " + HeldRoles(actor));
  }
  if (id.empty()) return InvalidArgument("id: required");
  if (actor.user_id.empty()) return InvalidArgument("actor: user id required");
  S state = S::kDraft;
  if (kind == ApplicationKind::kInquiry) {
    RETURN_IF_ERROR(Validate(content, kind));
    state = S::kOpen;
  }
  Application app;
  app.id = std::move(id);
  app.kind = kind;
  app.applicant = actor.user_id;
  app.state = state;
  app.content = std::move(content);
  app.created_at = now;
  app.history.push_back(
      {actor.user_id, RoleGrant{Role::kResearcher, ""}, state, state, "create", "", "", now});
  return app;
}

Status Apply(Application& application, Action action, const Actor& actor, Timestamp now,
             std::string_view comment, const ActionPayload& payload, const WorkflowPolicy& policy) {
  std::string_view name = ActionName(action);
  if (actor.user_id.empty()) return Unauthenticated(std::string(name) + " needs a signed-in user");
  const Rule* rule = FindRule(action, application.kind);
  if (rule == nullptr) {
    return FailedPrecondition(
        std::string(name) + " does not apply to " +
        std::string(ApplicationKindName(application.kind)) +
        (application.kind == ApplicationKind::kInquiry ? " (an inquiry)" : " applications"));
  }
  std::optional<RoleGrant> role = Authorise(*rule, application, actor, payload.site, false);
  if (!role) {
    return PermissionDenied(std::string(name) + " needs " +
                            NeededRoles(*rule, application, payload.site) + "; user " +
                            actor.user_id + " holds " + HeldRoles(actor));
  }
  if (std::find(rule->from.begin(), rule->from.end(), application.state) == rule->from.end()) {
    return FailedPrecondition("cannot " + std::string(name) + " application " + application.id +
                              " in state " + std::string(ApplicationStateName(application.state)) +
                              "; " + std::string(name) + " is allowed from " +
                              StateList(rule->from));
  }
  if (comment.size() > policy.max_comment_chars) {
    return InvalidArgument("comment: at most " + std::to_string(policy.max_comment_chars) +
                           " bytes");
  }
  if (CommentRequired(action) && Blank(comment)) {
    return InvalidArgument("comment: " + std::string(name) + " needs a comment");
  }

  Application next = application;
  Step step{next, actor, now, comment, payload, policy, next.state, ""};
  RETURN_IF_ERROR(Run(action, step));
  next.history.push_back({actor.user_id, role, application.state, step.to, std::string(name),
                          std::string(comment), step.detail, now});
  next.state = step.to;
  application = std::move(next);
  return Status::Ok();
}

std::vector<Action> AvailableActions(const Application& application, const Actor& actor) {
  std::vector<Action> out;
  for (Action action : kAllActions) {
    const Rule* rule = FindRule(action, application.kind);
    if (rule == nullptr) continue;
    if (!Authorise(*rule, application, actor, "", true)) continue;
    if (std::find(rule->from.begin(), rule->from.end(), application.state) == rule->from.end()) {
      continue;
    }
    // Offer only what would be accepted: a reviewer with a conflict of interest may not vote or
    // decide, and declares the conflict once.
    if ((action == Action::kVote || action == Action::kDecide) &&
        HasConflict(application, actor.user_id)) {
      continue;
    }
    if (action == Action::kDeclareConflict && Contains(application.conflicts, actor.user_id)) {
      continue;
    }
    out.push_back(action);
  }
  return out;
}

bool Expire(Application& application, Timestamp now) {
  S s = application.state;
  if (application.kind == ApplicationKind::kInquiry || !application.content.period_end) {
    return false;
  }
  if (s != S::kApproved && s != S::kContracted && s != S::kGranted && s != S::kAmendmentReview) {
    return false;
  }
  if (now < Timestamp(*application.content.period_end)) return false;
  application.history.push_back({"system", std::nullopt, s, S::kExpired, "expire", "",
                                 "use period ended " + FormatDate(*application.content.period_end),
                                 now});
  application.state = S::kExpired;
  return true;
}

}  // namespace renkei
