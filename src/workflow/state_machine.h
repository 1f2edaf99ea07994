// The workflow's state machine: who may take which action from which state, and what it does.
// Pure logic: the caller loads an application, calls Apply, and stores the result.
//
// Rules (A = the applicant: role researcher and user id == application.applicant;
// S = secretariat, R = reviewer, SA = site_admin of the site concerned, PA = platform_admin):
//
//   action            kinds         who      from                       to
//   edit              P D N         A        draft returned             (same)
//   submit            P D N         A        draft returned             submitted
//   record_feasibility  D           S        submitted                  (same)
//   return            P D N         S        submitted                  returned   (comment)
//   forward           P D N         S        submitted                  under_review
//   declare_conflict  P D N         R        submitted under_review amendment_review (same)
//   comment           P D N         R        under_review amendment_review   (same) (comment)
//   vote              P D N         R        under_review amendment_review   (same)
//   decide            P D N         R        under_review → approved | rejected;
//                                            amendment_review → granted
//   record_contract     D N         S PA     approved contracted granted  contracted / (same)
//   grant               D N         SA PA    contracted granted         granted
//   grant             P             PA       approved granted           granted
//   revoke              D N         SA PA    granted amendment_review   revoked / (same)
//   revoke            P             PA       granted amendment_review   revoked
//   amend             P D N         A        granted                    amendment_review
//   close             P D N         A PA     draft submitted returned under_review approved
//                                            contracted granted amendment_review   closed
//   answer            I             S        open                       answered   (comment)
//   follow_up         I             A        answered                   open       (comment)
//   close             I             A S      open answered              closed
//
// (P platform use, D data use, N processing node use, I inquiry.) Checks run in this order,
// and the first failure is returned: the actor has a user id (else Unauthenticated), the
// action applies to the kind (else FailedPrecondition), the actor may take it (else
// PermissionDenied naming the role needed), the state allows it (else FailedPrecondition naming the
// current state and the allowed ones), then the payload and preconditions below (InvalidArgument
// for a malformed payload, FailedPrecondition for an unmet precondition, PermissionDenied for a
// conflict of interest, AlreadyExists for a second conflict declaration).
//
// Decisions of this module (the issue left them open):
//  - Committee: reviewers vote approve / reject / abstain; a second vote by the same reviewer
//    in the same round replaces the first (they may change their mind before the decision;
//    both stay in the history). A reviewer who declared a conflict, or who is the applicant or
//    a listed member, cannot vote or decide, and an earlier vote of theirs no longer counts.
//    Any reviewer without a conflict records the decision as chair with `decide`; the outcome
//    is not the chair's choice but follows the votes of the current round: it needs a quorum
//    of policy.quorum (default 2) approve-or-reject votes (abstentions are recorded but count
//    for neither), and is "approved" when approvals outnumber rejections, "rejected" when
//    rejections do; a tie is refused (FailedPrecondition: another vote is needed).
//  - Contracts: one per site (data use and processing node use), with all three parties
//    (user institution, data-providing site, platform operator) named and signed on a date
//    not after today, and a document reference; recording again for a site replaces it.
//    Platform use needs no contract.
//  - Grants: for a requested site (and, for data use, a requested dataset) whose contract is
//    recorded; expiry after now and no later than the period end. Granting the same site and
//    dataset again replaces the earlier expiry (to extend or shorten access).
//  - Revoke: a site admin revokes the active grants of their site (payload.site); a platform
//    admin revokes one site's or, with payload.site empty, every grant. A comment (the reason)
//    is required. When no active grant remains the application becomes revoked.
//  - Amend: the applicant proposes new content from granted; it is validated like a submission
//    and goes straight to the committee (new review round) while the grants stay in force. An
//    approved amendment replaces the content, ends grants outside the new sites/datasets and
//    shortens expiries beyond the new period end; a rejected one is discarded. Either way the
//    application returns to granted; new sites then need their contract and grant.
//  - Expire (not an action a person takes): approved, contracted, granted and
//    amendment_review applications whose period has ended become expired.
// Each successful action appends exactly one history event. On error the application is left
// unchanged. Thread-safety: the functions are pure; callers serialise writes to one application.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "workflow/application.h"
#include "workflow/roles.h"

namespace renkei {

enum class Action {
  kEdit,
  kSubmit,
  kRecordFeasibility,
  kReturn,
  kForward,
  kDeclareConflict,
  kComment,
  kVote,
  kDecide,
  kRecordContract,
  kGrant,
  kRevoke,
  kAmend,
  kClose,
  kAnswer,
  kFollowUp,
};

inline constexpr Action kAllActions[] = {
    Action::kEdit,           Action::kSubmit,  Action::kRecordFeasibility,
    Action::kReturn,         Action::kForward, Action::kDeclareConflict,
    Action::kComment,        Action::kVote,    Action::kDecide,
    Action::kRecordContract, Action::kGrant,   Action::kRevoke,
    Action::kAmend,          Action::kClose,   Action::kAnswer,
    Action::kFollowUp};

// "edit", "submit", "record_feasibility", "return", "forward", "declare_conflict", "comment",
// "vote", "decide", "record_contract", "grant", "revoke", "amend", "close", "answer",
// "follow_up".
std::string_view ActionName(Action action);
// Parses an action name (exact). InvalidArgument listing the names otherwise.
Result<Action> ParseAction(std::string_view name);

// What an action carries besides its comment; each action reads only its own fields.
struct ActionPayload {
  std::optional<ApplicationContent> content;  // edit, amend
  std::vector<FeasibilityCount> feasibility;  // record_feasibility (replaces same site+cohort)
  Vote vote = Vote::kNone;                    // vote
  std::optional<Contract> contract;           // record_contract (recorded_at is set to now)
  std::string site;                           // grant, revoke
  std::string dataset;                        // grant
  std::optional<Timestamp> expiry;            // grant
};

struct WorkflowPolicy {
  int quorum = 2;  // approve-or-reject votes of reviewers without a conflict
  ValidationLimits limits;
  size_t max_comment_chars = 10000;
};

// Starts an application (draft) or an inquiry (open) for a researcher, with one "create" history
// event. Inquiries are validated now (title and question in content.purpose). Returns
// PermissionDenied if the actor lacks the researcher role; InvalidArgument for an empty id or an
// invalid inquiry.
Result<Application> CreateApplication(std::string id, ApplicationKind kind, const Actor& actor,
                                      Timestamp now, ApplicationContent content = {});

// Takes `action` on `application` (rules and errors in the file comment). On success the
// application is updated and one history event appended; on error it is unchanged.
Status Apply(Application& application, Action action, const Actor& actor, Timestamp now,
             std::string_view comment = {}, const ActionPayload& payload = {},
             const WorkflowPolicy& policy = {});

// The actions the actor may attempt now (kind, role and state allow them; payload checks and
// preconditions such as the quorum are not evaluated). In kAllActions order.
std::vector<Action> AvailableActions(const Application& application, const Actor& actor);

// Moves an application whose use period has ended (now >= period_end, 00:00 UTC) from
// approved, contracted, granted or amendment_review to expired, with a history event by actor
// "system". Returns whether it moved.
bool Expire(Application& application, Timestamp now);

// Votes of the current review round that count (latest per reviewer without a conflict).
struct VoteTally {
  int approve = 0;
  int reject = 0;
  int abstain = 0;
};
VoteTally Tally(const Application& application);

// Whether the reviewer has a conflict of interest: declared, or the applicant or a member.
bool HasConflict(const Application& application, std::string_view reviewer);

}  // namespace renkei
