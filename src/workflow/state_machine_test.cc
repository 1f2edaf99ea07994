#include "workflow/state_machine.h"

#include <gtest/gtest.h>

#include <set>

#include "workflow/access.h"
#include "workflow/test_util.h"

namespace renkei {
namespace {

using workflow_test::Alice;
using workflow_test::D;
using workflow_test::GoodDataUse;
using workflow_test::MakeActor;
using workflow_test::T;
using S = ApplicationState;
using K = ApplicationKind;

const Timestamp kNow = T(2025, 4, 20, 9);

// ---- The people ----------------------------------------------------------------------------

enum class W {
  kApplicant,
  kMember,
  kOtherResearcher,
  kSecretariat,
  kReviewer,
  kSiteAdminHere,       // administers tohoku, a requested site
  kSiteAdminElsewhere,  // administers nig, not requested
  kPlatformAdmin,
  kNoRole,
};
constexpr W kAllWho[] = {W::kApplicant,          W::kMember,        W::kOtherResearcher,
                         W::kSecretariat,        W::kReviewer,      W::kSiteAdminHere,
                         W::kSiteAdminElsewhere, W::kPlatformAdmin, W::kNoRole};

Actor ActorFor(W w) {
  switch (w) {
    case W::kApplicant:
      return Alice();
    case W::kMember:
      return MakeActor("bob", {{Role::kResearcher, ""}});
    case W::kOtherResearcher:
      return MakeActor("carol", {{Role::kResearcher, ""}});
    case W::kSecretariat:
      return MakeActor("sec", {{Role::kSecretariat, ""}});
    case W::kReviewer:
      return MakeActor("rev3", {{Role::kReviewer, ""}});
    case W::kSiteAdminHere:
      return MakeActor("sa_tohoku", {{Role::kSiteAdmin, "tohoku"}});
    case W::kSiteAdminElsewhere:
      return MakeActor("sa_nig", {{Role::kSiteAdmin, "nig"}});
    case W::kPlatformAdmin:
      return MakeActor("pa", {{Role::kPlatformAdmin, ""}});
    case W::kNoRole:
      return MakeActor("nobody", {});
  }
  return {};
}

// The role an authorised actor acts in (recorded in the history).
RoleGrant RoleOf(W w) {
  switch (w) {
    case W::kApplicant:
      return {Role::kResearcher, ""};
    case W::kSecretariat:
      return {Role::kSecretariat, ""};
    case W::kReviewer:
      return {Role::kReviewer, ""};
    case W::kSiteAdminHere:
      return {Role::kSiteAdmin, "tohoku"};
    case W::kPlatformAdmin:
      return {Role::kPlatformAdmin, ""};
    default:
      return {};
  }
}

// ---- Fixtures ------------------------------------------------------------------------------

ApplicationContent ContentFor(K kind) {
  ApplicationContent c = GoodDataUse();
  if (kind != K::kDataUse) {
    c.datasets.clear();
    c.cohorts.clear();
  }
  if (kind == K::kPlatformUse) c.sites.clear();
  if (kind == K::kInquiry) {
    c = ApplicationContent{};
    c.title = "Which biobanks?";
    c.purpose = "Which biobanks are in the data set?";
  }
  return c;
}

Contract FullContract(std::string site) {
  return {site,
          {"Example University", D(2025, 4, 14)},
          {"Site of " + site, D(2025, 4, 15)},
          {"renkei operator", D(2025, 4, 16)},
          "contracts/" + site + ".pdf",
          T(2025, 4, 16)};
}

std::string GrantSite(K kind) { return kind == K::kPlatformUse ? "" : "tohoku"; }
std::string GrantDataset(K kind) { return kind == K::kDataUse ? "tmm_wgs" : ""; }

// An application of `kind` in `state`, carrying everything any action may need: two approving
// votes in the current round (quorum), a signed contract for tohoku, an active grant.
Application Fixture(K kind, S state) {
  Application a;
  a.id = "app-7";
  a.kind = kind;
  a.applicant = "alice";
  a.state = state;
  a.content = ContentFor(kind);
  if (kind == K::kInquiry) return a;
  a.review_round = 1;
  a.reviews = {{"rev1", "", Vote::kApprove, T(2025, 4, 12), 1},
               {"rev2", "", Vote::kApprove, T(2025, 4, 12), 1}};
  if (kind != K::kPlatformUse) a.contracts = {FullContract("tohoku")};
  a.grants = {
      {GrantSite(kind), GrantDataset(kind), T(2026, 4, 1), "pa", T(2025, 4, 17), std::nullopt, ""}};
  if (state == S::kAmendmentReview) a.pending_amendment = a.content;
  a.created_at = T(2025, 4, 1);
  return a;
}

ActionPayload PayloadFor(K kind, Action action) {
  ActionPayload p;
  switch (action) {
    case Action::kEdit:
    case Action::kAmend:
      p.content = ContentFor(kind);
      break;
    case Action::kRecordFeasibility:
      p.feasibility = {{"tohoku", 0, 120}};
      break;
    case Action::kVote:
      p.vote = Vote::kApprove;
      break;
    case Action::kRecordContract:
      p.contract = FullContract("tohoku");
      break;
    case Action::kGrant:
      p.site = GrantSite(kind);
      p.dataset = GrantDataset(kind);
      p.expiry = T(2026, 1, 1);
      break;
    case Action::kRevoke:
      p.site = GrantSite(kind);
      break;
    default:
      break;
  }
  return p;
}

// ---- The rules, written out independently of state_machine.cc ------------------------------

struct ExpectedRule {
  std::set<W> who;
  std::set<S> from;
};

// nullopt: the action does not apply to the kind.
std::optional<ExpectedRule> Expected(K kind, Action action) {
  const std::set<S> not_draft_or_final = {S::kDraft,       S::kSubmitted,      S::kReturned,
                                          S::kUnderReview, S::kApproved,       S::kContracted,
                                          S::kGranted,     S::kAmendmentReview};
  if (kind == K::kInquiry) {
    switch (action) {
      case Action::kAnswer:
        return ExpectedRule{{W::kSecretariat}, {S::kOpen}};
      case Action::kFollowUp:
        return ExpectedRule{{W::kApplicant}, {S::kAnswered}};
      case Action::kClose:
        return ExpectedRule{{W::kApplicant, W::kSecretariat}, {S::kOpen, S::kAnswered}};
      default:
        return std::nullopt;
    }
  }
  bool platform = kind == K::kPlatformUse;
  switch (action) {
    case Action::kEdit:
    case Action::kSubmit:
      return ExpectedRule{{W::kApplicant}, {S::kDraft, S::kReturned}};
    case Action::kRecordFeasibility:
      if (kind != K::kDataUse) return std::nullopt;
      return ExpectedRule{{W::kSecretariat}, {S::kSubmitted}};
    case Action::kReturn:
    case Action::kForward:
      return ExpectedRule{{W::kSecretariat}, {S::kSubmitted}};
    case Action::kDeclareConflict:
      return ExpectedRule{{W::kReviewer}, {S::kSubmitted, S::kUnderReview, S::kAmendmentReview}};
    case Action::kComment:
    case Action::kVote:
    case Action::kDecide:
      return ExpectedRule{{W::kReviewer}, {S::kUnderReview, S::kAmendmentReview}};
    case Action::kRecordContract:
      if (platform) return std::nullopt;
      return ExpectedRule{{W::kSecretariat, W::kPlatformAdmin},
                          {S::kApproved, S::kContracted, S::kGranted}};
    case Action::kGrant:
      if (platform) return ExpectedRule{{W::kPlatformAdmin}, {S::kApproved, S::kGranted}};
      return ExpectedRule{{W::kSiteAdminHere, W::kPlatformAdmin}, {S::kContracted, S::kGranted}};
    case Action::kRevoke:
      if (platform) return ExpectedRule{{W::kPlatformAdmin}, {S::kGranted, S::kAmendmentReview}};
      return ExpectedRule{{W::kSiteAdminHere, W::kPlatformAdmin},
                          {S::kGranted, S::kAmendmentReview}};
    case Action::kAmend:
      return ExpectedRule{{W::kApplicant}, {S::kGranted}};
    case Action::kClose:
      return ExpectedRule{{W::kApplicant, W::kPlatformAdmin}, not_draft_or_final};
    case Action::kAnswer:
    case Action::kFollowUp:
      return std::nullopt;
  }
  return std::nullopt;
}

// The state after a successful action on the fixture (decide: two approving votes).
S ExpectedTo(Action action, S from) {
  switch (action) {
    case Action::kSubmit:
      return S::kSubmitted;
    case Action::kReturn:
      return S::kReturned;
    case Action::kForward:
      return S::kUnderReview;
    case Action::kDecide:
      return from == S::kUnderReview ? S::kApproved : S::kGranted;
    case Action::kRecordContract:
      return from == S::kApproved ? S::kContracted : from;
    case Action::kGrant:
      return S::kGranted;
    case Action::kRevoke:
      return S::kRevoked;  // the fixture's only grant
    case Action::kAmend:
      return S::kAmendmentReview;
    case Action::kClose:
      return S::kClosed;
    case Action::kAnswer:
      return S::kAnswered;
    case Action::kFollowUp:
      return S::kOpen;
    default:
      return from;
  }
}

class EveryTransition : public ::testing::TestWithParam<K> {};

TEST_P(EveryTransition, ActionByRoleFromState) {
  K kind = GetParam();
  int ok = 0, denied = 0, precondition = 0;
  for (Action action : kAllActions) {
    std::optional<ExpectedRule> rule = Expected(kind, action);
    for (W who : kAllWho) {
      for (S state : kAllStates) {
        Application before = Fixture(kind, state);
        Application app = before;
        Status s = Apply(app, action, ActorFor(who), kNow, "a comment", PayloadFor(kind, action));
        std::string where = std::string(ApplicationKindName(kind)) + " " +
                            std::string(ActionName(action)) + " by " + ActorFor(who).user_id +
                            " from " + std::string(ApplicationStateName(state)) + ": " +
                            s.ToString();
        if (!rule) {
          EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << where;
          EXPECT_NE(s.message().find("does not apply"), std::string::npos) << where;
        } else if (!rule->who.count(who)) {
          EXPECT_EQ(s.code(), StatusCode::kPermissionDenied) << where;
        } else if (!rule->from.count(state)) {
          EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << where;
          EXPECT_NE(s.message().find("in state " + std::string(ApplicationStateName(state))),
                    std::string::npos)
              << where;
        } else {
          ASSERT_TRUE(s.ok()) << where;
          EXPECT_EQ(app.state, ExpectedTo(action, state)) << where;
          ASSERT_EQ(app.history.size(), before.history.size() + 1) << where;
          const HistoryEvent& e = app.history.back();
          EXPECT_EQ(e.action, ActionName(action));
          EXPECT_EQ(e.actor, ActorFor(who).user_id);
          EXPECT_EQ(e.role, RoleOf(who)) << where;
          EXPECT_EQ(e.from, state);
          EXPECT_EQ(e.to, app.state);
          EXPECT_EQ(e.comment, "a comment");
          EXPECT_EQ(e.time, kNow);
          ++ok;
          continue;
        }
        EXPECT_EQ(app, before) << "a refused action changed the application: " << where;
        if (s.code() == StatusCode::kPermissionDenied) ++denied;
        if (s.code() == StatusCode::kFailedPrecondition) ++precondition;
      }
    }
  }
  // Every combination was checked: actions x people x states.
  EXPECT_EQ(ok + denied + precondition,
            static_cast<int>(std::size(kAllActions) * std::size(kAllWho) * std::size(kAllStates)));
  EXPECT_GT(ok, 0);
}

INSTANTIATE_TEST_SUITE_P(AllKinds, EveryTransition,
                         ::testing::Values(K::kDataUse, K::kProcessingNodeUse, K::kPlatformUse,
                                           K::kInquiry),
                         [](const ::testing::TestParamInfo<K>& param) {
                           return std::string(ApplicationKindName(param.param));
                         });

// ---- The whole journey ---------------------------------------------------------------------

void Do(Application& app, Action action, const Actor& actor, Timestamp now,
        std::string_view comment = "", const ActionPayload& payload = {}) {
  Status s = Apply(app, action, actor, now, comment, payload);
  ASSERT_TRUE(s.ok()) << ActionName(action) << " by " << actor.user_id << ": " << s.ToString();
}

TEST(Workflow, HappyPathFromDraftToExpiry) {
  Actor sec = MakeActor("sec", {{Role::kSecretariat, ""}});
  Actor rev1 = MakeActor("rev1", {{Role::kReviewer, ""}});
  Actor rev2 = MakeActor("rev2", {{Role::kReviewer, ""}});
  Actor rev3 = MakeActor("rev3", {{Role::kReviewer, ""}});
  Actor sa_tohoku = MakeActor("sa_tohoku", {{Role::kSiteAdmin, "tohoku"}});
  Actor sa_imsut = MakeActor("sa_imsut", {{Role::kSiteAdmin, "imsut"}});
  Actor pa = MakeActor("pa", {{Role::kPlatformAdmin, ""}});

  Result<Application> created = CreateApplication("app-1", K::kDataUse, Alice(), T(2025, 4, 1));
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  Application app = *created;
  EXPECT_EQ(app.state, S::kDraft);
  EXPECT_EQ(app.applicant, "alice");

  ActionPayload edit;
  edit.content = GoodDataUse();
  Do(app, Action::kEdit, Alice(), T(2025, 4, 2), "", edit);
  Do(app, Action::kSubmit, Alice(), T(2025, 4, 3));
  ActionPayload counts;
  counts.feasibility = {{"tohoku", 0, 310}, {"imsut", 0, 120}};
  Do(app, Action::kRecordFeasibility, sec, T(2025, 4, 4), "", counts);
  Do(app, Action::kForward, sec, T(2025, 4, 5), "Plan and feasibility checked.");
  EXPECT_EQ(app.review_round, 1);
  Do(app, Action::kComment, rev1, T(2025, 4, 6), "Please clarify the control selection.");
  ActionPayload approve, reject;
  approve.vote = Vote::kApprove;
  reject.vote = Vote::kReject;
  Do(app, Action::kVote, rev1, T(2025, 4, 7), "Fine.", approve);
  Do(app, Action::kVote, rev2, T(2025, 4, 7), "", approve);
  Do(app, Action::kVote, rev3, T(2025, 4, 8), "Too broad.", reject);
  Do(app, Action::kDecide, rev3, T(2025, 4, 9), "Approved by majority.");
  EXPECT_EQ(app.state, S::kApproved);
  EXPECT_EQ(app.history.back().detail, "approved 2-1");

  ActionPayload contract;
  contract.contract = FullContract("tohoku");
  Do(app, Action::kRecordContract, sec, T(2025, 4, 20), "", contract);
  EXPECT_EQ(app.state, S::kContracted);
  contract.contract = FullContract("imsut");
  Do(app, Action::kRecordContract, pa, T(2025, 4, 21), "", contract);
  ASSERT_EQ(app.contracts.size(), 2u);
  EXPECT_EQ(app.contracts[1].recorded_at, T(2025, 4, 21));

  ActionPayload grant;
  grant.site = "tohoku";
  grant.dataset = "tmm_wgs";
  grant.expiry = T(2026, 5, 1);
  Do(app, Action::kGrant, sa_tohoku, T(2025, 5, 1), "", grant);
  EXPECT_EQ(app.state, S::kGranted);
  grant.site = "imsut";
  Do(app, Action::kGrant, sa_imsut, T(2025, 5, 1), "", grant);
  EXPECT_TRUE(HasAccess(app, "tohoku", "tmm_wgs", T(2025, 6, 1)));
  EXPECT_TRUE(HasAccess(app, "imsut", "tmm_wgs", T(2025, 6, 1)));
  EXPECT_FALSE(HasAccess(app, "nig", "tmm_wgs", T(2025, 6, 1)));
  EXPECT_FALSE(HasAccess(app, "tohoku", "bbj_wgs", T(2025, 6, 1)));

  // An amendment extends the period; the grants stay in force while it is reviewed.
  ActionPayload amend;
  amend.content = GoodDataUse();
  amend.content->period_end = D(2028, 5, 1);
  Do(app, Action::kAmend, Alice(), T(2025, 9, 1), "Extend by a year.", amend);
  EXPECT_EQ(app.state, S::kAmendmentReview);
  EXPECT_EQ(app.review_round, 2);
  EXPECT_TRUE(HasAccess(app, "tohoku", "tmm_wgs", T(2025, 9, 2)));
  VoteTally fresh = Tally(app);  // round-1 votes do not count in round 2
  EXPECT_EQ(fresh.approve + fresh.reject + fresh.abstain, 0);
  Do(app, Action::kVote, rev1, T(2025, 9, 3), "", approve);
  Do(app, Action::kVote, rev2, T(2025, 9, 3), "", approve);
  Do(app, Action::kDecide, rev1, T(2025, 9, 4));
  EXPECT_EQ(app.state, S::kGranted);
  EXPECT_EQ(app.content.period_end, D(2028, 5, 1));
  EXPECT_FALSE(app.pending_amendment.has_value());

  EXPECT_FALSE(Expire(app, T(2028, 4, 30, 23, 59)));
  EXPECT_TRUE(Expire(app, T(2028, 5, 1)));
  EXPECT_EQ(app.state, S::kExpired);
  EXPECT_FALSE(HasAccess(app, "tohoku", "tmm_wgs", T(2028, 5, 1)));

  std::vector<std::string> actions;
  for (const HistoryEvent& e : app.history) actions.push_back(e.action);
  EXPECT_EQ(actions, (std::vector<std::string>{
                         "create", "edit", "submit", "record_feasibility", "forward", "comment",
                         "vote", "vote", "vote", "decide", "record_contract", "record_contract",
                         "grant", "grant", "amend", "vote", "vote", "decide", "expire"}));
  // Survives storage at every step's end.
  Result<Application> stored = ApplicationFromJson(ToJson(app));
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_EQ(*stored, app);
}

TEST(Workflow, ReturnForRevisionAndResubmit) {
  Application app = Fixture(K::kDataUse, S::kSubmitted);
  Actor sec = ActorFor(W::kSecretariat);
  Status no_comment = Apply(app, Action::kReturn, sec, kNow, "  ");
  EXPECT_EQ(no_comment.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(no_comment.message().find("comment: return needs a comment"), std::string::npos);
  Do(app, Action::kReturn, sec, kNow, "Add the ethics approval number.");
  EXPECT_EQ(app.state, S::kReturned);
  ActionPayload edit;
  edit.content = GoodDataUse();
  edit.content->research_plan += " Ethics approval 2025-123.";
  EXPECT_EQ(Apply(app, Action::kEdit, ActorFor(W::kMember), kNow, "", edit).code(),
            StatusCode::kPermissionDenied);  // members read but do not edit
  Do(app, Action::kEdit, Alice(), kNow, "", edit);
  Do(app, Action::kSubmit, Alice(), kNow, "Revised.");
  EXPECT_EQ(app.state, S::kSubmitted);
}

TEST(Workflow, SubmitValidatesContent) {
  Result<Application> created = CreateApplication("app-2", K::kDataUse, Alice(), kNow);
  ASSERT_TRUE(created.ok());
  Application app = *created;
  Application before = app;
  Status s = Apply(app, Action::kSubmit, Alice(), kNow);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("title: required"), std::string::npos) << s.message();
  EXPECT_EQ(app, before);

  ActionPayload past;
  past.content = GoodDataUse();
  past.content->period_start = D(2023, 1, 1);
  past.content->period_end = D(2025, 4, 20);  // ends today
  Do(app, Action::kEdit, Alice(), kNow, "", past);
  s = Apply(app, Action::kSubmit, Alice(), kNow);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("period_end: 2025-04-20 has already passed"), std::string::npos);
  EXPECT_EQ(app.state, S::kDraft);
}

TEST(Workflow, CreateChecksTheCreator) {
  Result<Application> by_secretariat =
      CreateApplication("a", K::kDataUse, ActorFor(W::kSecretariat), kNow);
  ASSERT_FALSE(by_secretariat.ok());
  EXPECT_EQ(by_secretariat.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(by_secretariat.status().message().find("needs role researcher"), std::string::npos);
  EXPECT_EQ(CreateApplication("", K::kDataUse, Alice(), kNow).status().code(),
            StatusCode::kInvalidArgument);
  Result<Application> empty_inquiry = CreateApplication("q", K::kInquiry, Alice(), kNow);
  ASSERT_FALSE(empty_inquiry.ok());
  EXPECT_NE(empty_inquiry.status().message().find("title: required"), std::string::npos);

  Result<Application> inquiry =
      CreateApplication("q1", K::kInquiry, Alice(), kNow, ContentFor(K::kInquiry));
  ASSERT_TRUE(inquiry.ok());
  EXPECT_EQ(inquiry->state, S::kOpen);
  ASSERT_EQ(inquiry->history.size(), 1u);
  EXPECT_EQ(inquiry->history[0].action, "create");
  EXPECT_EQ(inquiry->history[0].role, (RoleGrant{Role::kResearcher, ""}));
}

TEST(Workflow, InquiryFlow) {
  Result<Application> created =
      CreateApplication("q1", K::kInquiry, Alice(), kNow, ContentFor(K::kInquiry));
  ASSERT_TRUE(created.ok());
  Application q = *created;
  Actor sec = ActorFor(W::kSecretariat);
  EXPECT_EQ(Apply(q, Action::kAnswer, sec, kNow, "").code(), StatusCode::kInvalidArgument);
  Do(q, Action::kAnswer, sec, kNow, "NCBN, TMM and BBJ.");
  EXPECT_EQ(q.state, S::kAnswered);
  Do(q, Action::kFollowUp, Alice(), kNow, "And the sample counts?");
  EXPECT_EQ(q.state, S::kOpen);
  Do(q, Action::kAnswer, sec, kNow, "About 23,000 genomes.");
  Do(q, Action::kClose, Alice(), kNow, "Thanks.");
  EXPECT_EQ(q.state, S::kClosed);
}

// ---- Committee: conflicts of interest and quorum -------------------------------------------

Application UnderReviewWithoutVotes() {
  Application app = Fixture(K::kDataUse, S::kUnderReview);
  app.reviews.clear();
  return app;
}

ActionPayload VotePayload(Vote v) {
  ActionPayload p;
  p.vote = v;
  return p;
}

TEST(Committee, ConflictedReviewerCannotVoteOrDecide) {
  Application app = Fixture(K::kDataUse, S::kUnderReview);
  Actor rev3 = ActorFor(W::kReviewer);
  Do(app, Action::kDeclareConflict, rev3, kNow, "I co-authored with the applicant.");
  EXPECT_EQ(app.conflicts, std::vector<std::string>{"rev3"});
  Status vote = Apply(app, Action::kVote, rev3, kNow, "", VotePayload(Vote::kApprove));
  EXPECT_EQ(vote.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(vote.message().find("rev3 has a conflict of interest"), std::string::npos);
  EXPECT_EQ(Apply(app, Action::kDecide, rev3, kNow).code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(Apply(app, Action::kDeclareConflict, rev3, kNow).code(), StatusCode::kAlreadyExists);
  // A conflicted reviewer may still comment (the issue forbids only voting).
  Do(app, Action::kComment, rev3, kNow, "Declaring my conflict for the record.");
}

TEST(Committee, AConflictDeclaredAfterVotingVoidsTheVote) {
  Application app = Fixture(K::kDataUse, S::kUnderReview);  // rev1 and rev2 approved
  Actor rev1 = MakeActor("rev1", {{Role::kReviewer, ""}});
  Actor rev2 = MakeActor("rev2", {{Role::kReviewer, ""}});
  EXPECT_EQ(Tally(app).approve, 2);
  Do(app, Action::kDeclareConflict, rev1, kNow);
  EXPECT_EQ(Tally(app).approve, 1);
  Status s = Apply(app, Action::kDecide, rev2, kNow);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("no quorum: 1 approve-or-reject vote(s) in review round 1, 2 "
                             "needed"),
            std::string::npos)
      << s.message();
}

TEST(Committee, ApplicantAndMembersHaveAnImplicitConflict) {
  Application app = UnderReviewWithoutVotes();
  Actor bob_reviewer = MakeActor("bob", {{Role::kResearcher, ""}, {Role::kReviewer, ""}});
  Actor alice_reviewer = MakeActor("alice", {{Role::kResearcher, ""}, {Role::kReviewer, ""}});
  EXPECT_TRUE(HasConflict(app, "bob"));
  EXPECT_TRUE(HasConflict(app, "alice"));
  EXPECT_FALSE(HasConflict(app, "rev3"));
  EXPECT_EQ(Apply(app, Action::kVote, bob_reviewer, kNow, "", VotePayload(Vote::kApprove)).code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(Apply(app, Action::kVote, alice_reviewer, kNow, "", VotePayload(Vote::kApprove)).code(),
            StatusCode::kPermissionDenied);
}

TEST(Committee, QuorumMajorityAndTies) {
  Actor r1 = MakeActor("r1", {{Role::kReviewer, ""}});
  Actor r2 = MakeActor("r2", {{Role::kReviewer, ""}});
  Actor r3 = MakeActor("r3", {{Role::kReviewer, ""}});
  Actor r4 = MakeActor("r4", {{Role::kReviewer, ""}});

  Application app = UnderReviewWithoutVotes();
  Do(app, Action::kVote, r1, kNow, "", VotePayload(Vote::kApprove));
  EXPECT_EQ(Apply(app, Action::kDecide, r1, kNow).code(), StatusCode::kFailedPrecondition);
  // Abstentions are recorded but count for neither quorum nor majority.
  Do(app, Action::kVote, r2, kNow, "", VotePayload(Vote::kAbstain));
  Do(app, Action::kVote, r3, kNow, "", VotePayload(Vote::kAbstain));
  EXPECT_EQ(Apply(app, Action::kDecide, r1, kNow).code(), StatusCode::kFailedPrecondition);
  Do(app, Action::kVote, r4, kNow, "", VotePayload(Vote::kReject));
  Status tie = Apply(app, Action::kDecide, r1, kNow);
  EXPECT_EQ(tie.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(tie.message().find("votes are tied (1 approve, 1 reject)"), std::string::npos);
  Do(app, Action::kVote, r2, kNow, "", VotePayload(Vote::kApprove));  // replaces abstain
  Do(app, Action::kDecide, r4, kNow, "Decided.");
  EXPECT_EQ(app.state, S::kApproved);
  EXPECT_EQ(app.history.back().detail, "approved 2-1 (1 abstaining)");

  Application rejected = UnderReviewWithoutVotes();
  Do(rejected, Action::kVote, r1, kNow, "", VotePayload(Vote::kReject));
  Do(rejected, Action::kVote, r2, kNow, "", VotePayload(Vote::kReject));
  Do(rejected, Action::kDecide, r3, kNow);
  EXPECT_EQ(rejected.state, S::kRejected);

  WorkflowPolicy three;
  three.quorum = 3;
  Application big = UnderReviewWithoutVotes();
  Do(big, Action::kVote, r1, kNow, "", VotePayload(Vote::kApprove));
  Do(big, Action::kVote, r2, kNow, "", VotePayload(Vote::kApprove));
  EXPECT_EQ(Apply(big, Action::kDecide, r1, kNow, "", {}, three).code(),
            StatusCode::kFailedPrecondition);
  Do(big, Action::kVote, r3, kNow, "", VotePayload(Vote::kReject));
  EXPECT_TRUE(Apply(big, Action::kDecide, r1, kNow, "", {}, three).ok());
  EXPECT_EQ(big.state, S::kApproved);
}

TEST(Committee, ASecondVoteReplacesTheFirst) {
  Application app = UnderReviewWithoutVotes();
  Actor r1 = MakeActor("r1", {{Role::kReviewer, ""}});
  Do(app, Action::kVote, r1, kNow, "", VotePayload(Vote::kApprove));
  Do(app, Action::kVote, r1, kNow, "Changed my mind.", VotePayload(Vote::kReject));
  VoteTally t = Tally(app);
  EXPECT_EQ(t.approve, 0);
  EXPECT_EQ(t.reject, 1);
  ASSERT_EQ(app.reviews.size(), 1u);
  EXPECT_EQ(app.reviews[0].comment, "Changed my mind.");
  EXPECT_EQ(app.history.back().detail, "reject (replaces approve)");
  EXPECT_EQ(app.history.size(), 2u);  // both votes are in the history
  EXPECT_EQ(Apply(app, Action::kVote, r1, kNow, "", {}).code(), StatusCode::kInvalidArgument);
}

// ---- Contracts and grants ------------------------------------------------------------------

TEST(Contracts, AllThreePartiesMustSign) {
  Application app = Fixture(K::kDataUse, S::kApproved);
  app.contracts.clear();
  app.grants.clear();
  Actor sec = ActorFor(W::kSecretariat);
  struct Case {
    const char* label;
    void (*change)(Contract&);
    const char* needle;
  } cases[] = {
      {"operator unsigned", [](Contract& c) { c.platform_operator.signed_on.reset(); },
       "contract.platform_operator.signed_on: required"},
      {"site unnamed", [](Contract& c) { c.providing_site.name = ""; },
       "contract.providing_site.name: required"},
      {"institution in future", [](Contract& c) { c.user_institution.signed_on = D(2025, 4, 21); },
       "contract.user_institution.signed_on: 2025-04-21 is in the future"},
      {"no document", [](Contract& c) { c.document_ref = " "; }, "contract.document_ref: required"},
      {"site not requested", [](Contract& c) { c.site = "nig"; },
       "contract.site: 'nig' is not a site this application requests"},
  };
  for (const Case& c : cases) {
    ActionPayload p;
    p.contract = FullContract("tohoku");
    c.change(*p.contract);
    Application copy = app;
    Status s = Apply(copy, Action::kRecordContract, sec, kNow, "", p);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << c.label;
    EXPECT_NE(s.message().find(c.needle), std::string::npos) << c.label << ": " << s.message();
    EXPECT_EQ(copy, app);
  }
  EXPECT_EQ(Apply(app, Action::kRecordContract, sec, kNow).code(), StatusCode::kInvalidArgument);
  ActionPayload p;
  p.contract = FullContract("tohoku");
  Do(app, Action::kRecordContract, sec, kNow, "", p);
  EXPECT_EQ(app.state, S::kContracted);
  p.contract->document_ref = "contracts/tohoku-v2.pdf";
  Do(app, Action::kRecordContract, sec, kNow, "Corrected copy.", p);
  ASSERT_EQ(app.contracts.size(), 1u);  // replaced, not added
  EXPECT_EQ(app.contracts[0].document_ref, "contracts/tohoku-v2.pdf");
  EXPECT_EQ(app.state, S::kContracted);
}

TEST(Grants, NeedAContractAndAnExpiryWithinThePeriod) {
  Application app = Fixture(K::kDataUse, S::kContracted);  // contract for tohoku only
  app.grants.clear();
  Actor pa = ActorFor(W::kPlatformAdmin);
  auto grant = [](std::string site, std::string dataset, std::optional<Timestamp> expiry) {
    ActionPayload p;
    p.site = std::move(site);
    p.dataset = std::move(dataset);
    p.expiry = expiry;
    return p;
  };
  struct Case {
    ActionPayload payload;
    StatusCode code;
    const char* needle;
  } cases[] = {
      {grant("imsut", "tmm_wgs", T(2026, 1, 1)), StatusCode::kFailedPrecondition,
       "grant needs the three-party contract for site imsut"},
      {grant("tohoku", "tmm_wgs", T(2027, 5, 1, 0, 1)), StatusCode::kInvalidArgument,
       "is after the end of the use period 2027-05-01T00:00:00Z"},
      {grant("tohoku", "tmm_wgs", kNow), StatusCode::kInvalidArgument, "is not in the future"},
      {grant("tohoku", "tmm_wgs", std::nullopt), StatusCode::kInvalidArgument, "expiry: required"},
      {grant("tohoku", "bbj_wgs", T(2026, 1, 1)), StatusCode::kInvalidArgument,
       "dataset: 'bbj_wgs' is not a dataset this application requests"},
      {grant("nig", "tmm_wgs", T(2026, 1, 1)), StatusCode::kInvalidArgument,
       "site: 'nig' is not a site this application requests"},
  };
  for (const Case& c : cases) {
    Application copy = app;
    Status s = Apply(copy, Action::kGrant, pa, kNow, "", c.payload);
    EXPECT_EQ(s.code(), c.code) << s.ToString();
    EXPECT_NE(s.message().find(c.needle), std::string::npos) << s.message();
    EXPECT_EQ(copy, app);
  }
  Status other_site = Apply(app, Action::kGrant, ActorFor(W::kSiteAdminElsewhere), kNow, "",
                            grant("tohoku", "tmm_wgs", T(2026, 1, 1)));
  EXPECT_EQ(other_site.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(other_site.message().find("grant needs role site_admin:tohoku or role platform_admin"),
            std::string::npos)
      << other_site.message();

  // The period end itself is the latest expiry; granting again replaces the expiry.
  Do(app, Action::kGrant, pa, kNow, "", grant("tohoku", "tmm_wgs", T(2027, 5, 1)));
  Do(app, Action::kGrant, ActorFor(W::kSiteAdminHere), kNow, "",
     grant("tohoku", "tmm_wgs", T(2026, 1, 1)));
  ASSERT_EQ(app.grants.size(), 1u);
  EXPECT_EQ(app.grants[0].expiry, T(2026, 1, 1));
  EXPECT_EQ(app.grants[0].granted_by, "sa_tohoku");
  EXPECT_EQ(app.history.back().detail, "grant tohoku/tmm_wgs until 2026-01-01T00:00:00Z");
  // A grant ends at its expiry even while the application stays granted.
  EXPECT_TRUE(HasAccess(app, "tohoku", "tmm_wgs", T(2025, 12, 31, 23, 59)));
  EXPECT_FALSE(HasAccess(app, "tohoku", "tmm_wgs", T(2026, 1, 1)));
  EXPECT_EQ(app.state, S::kGranted);
}

TEST(Grants, KindSpecificTargets) {
  Actor pa = ActorFor(W::kPlatformAdmin);
  Application node = Fixture(K::kProcessingNodeUse, S::kContracted);
  ActionPayload p;
  p.site = "tohoku";
  p.dataset = "tmm_wgs";
  p.expiry = T(2026, 1, 1);
  EXPECT_EQ(Apply(node, Action::kGrant, pa, kNow, "", p).code(), StatusCode::kInvalidArgument);
  p.dataset = "";
  Do(node, Action::kGrant, pa, kNow, "", p);
  EXPECT_TRUE(HasAccess(node, "tohoku", "", kNow));

  Application platform = Fixture(K::kPlatformUse, S::kApproved);
  platform.grants.clear();
  EXPECT_EQ(Apply(platform, Action::kGrant, pa, kNow, "", p).code(),
            StatusCode::kInvalidArgument);  // names a site
  p.site = "";
  Do(platform, Action::kGrant, pa, kNow, "", p);  // no contract needed
  EXPECT_TRUE(HasAccess(platform, "", "", kNow));
  EXPECT_EQ(platform.history.back().detail, "grant platform until 2026-01-01T00:00:00Z");
}

// ---- Expiry, revocation, amendment ---------------------------------------------------------

TEST(Expiry, MovesApplicationsWhosePeriodEnded) {
  Application app = Fixture(K::kDataUse, S::kGranted);
  EXPECT_FALSE(Expire(app, T(2027, 4, 30, 23, 59)));
  EXPECT_EQ(app.state, S::kGranted);
  EXPECT_TRUE(Expire(app, T(2027, 5, 1)));
  EXPECT_EQ(app.state, S::kExpired);
  const HistoryEvent& e = app.history.back();
  EXPECT_EQ(e.actor, "system");
  EXPECT_FALSE(e.role.has_value());
  EXPECT_EQ(e.action, "expire");
  EXPECT_EQ(e.from, S::kGranted);
  EXPECT_EQ(e.detail, "use period ended 2027-05-01");
  EXPECT_FALSE(Expire(app, T(2030, 1, 1)));  // once

  for (S s : kAllStates) {
    Application a = Fixture(K::kDataUse, s);
    bool moves =
        s == S::kApproved || s == S::kContracted || s == S::kGranted || s == S::kAmendmentReview;
    EXPECT_EQ(Expire(a, T(2027, 6, 1)), moves) << ApplicationStateName(s);
  }
  Application inquiry = Fixture(K::kInquiry, S::kOpen);
  EXPECT_FALSE(Expire(inquiry, T(2030, 1, 1)));
}

Application GrantedAtTwoSites() {
  Application app = Fixture(K::kDataUse, S::kGranted);
  app.contracts.push_back(FullContract("imsut"));
  app.grants.push_back({"imsut", "tmm_wgs", T(2026, 4, 1), "pa", T(2025, 4, 17), std::nullopt, ""});
  return app;
}

TEST(Revoke, SiteAdminsRevokeTheirSitePlatformAdminsEverything) {
  Application app = GrantedAtTwoSites();
  Actor sa = ActorFor(W::kSiteAdminHere);
  ActionPayload tohoku, imsut, all;
  tohoku.site = "tohoku";
  imsut.site = "imsut";
  EXPECT_EQ(Apply(app, Action::kRevoke, sa, kNow, "", tohoku).code(),
            StatusCode::kInvalidArgument);  // a reason is required
  Do(app, Action::kRevoke, sa, kNow, "Security incident at the user's lab.", tohoku);
  EXPECT_EQ(app.state, S::kGranted);  // imsut's grant remains
  EXPECT_FALSE(HasAccess(app, "tohoku", "tmm_wgs", kNow));
  EXPECT_TRUE(HasAccess(app, "imsut", "tmm_wgs", kNow));
  EXPECT_EQ(app.grants[0].revoked_by, "sa_tohoku");
  Status again = Apply(app, Action::kRevoke, sa, kNow, "again", tohoku);
  EXPECT_EQ(again.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(again.message().find("no active grant to revoke at site tohoku"), std::string::npos);
  EXPECT_EQ(Apply(app, Action::kRevoke, sa, kNow, "not mine", imsut).code(),
            StatusCode::kPermissionDenied);
  Status whole = Apply(app, Action::kRevoke, sa, kNow, "everything", all);
  EXPECT_EQ(whole.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(whole.message().find("site_admin:<site>"), std::string::npos) << whole.message();

  Do(app, Action::kRevoke, ActorFor(W::kPlatformAdmin), kNow, "Contract terminated.", all);
  EXPECT_EQ(app.state, S::kRevoked);
  for (const Grant& g : app.grants) EXPECT_TRUE(g.revoked_at.has_value());
  EXPECT_TRUE(ActiveGrants(app, kNow).empty());
}

TEST(Amend, ApprovedAmendmentNarrowsGrants) {
  Application app = GrantedAtTwoSites();
  app.grants[0].expiry = T(2027, 4, 1);
  ActionPayload amend;
  amend.content = GoodDataUse();
  amend.content->sites = {"tohoku"};
  amend.content->period_end = D(2026, 12, 1);
  Do(app, Action::kAmend, Alice(), kNow, "Drop IMSUT, finish early.", amend);
  EXPECT_EQ(app.state, S::kAmendmentReview);
  EXPECT_TRUE(HasAccess(app, "imsut", "tmm_wgs", kNow));  // in force until decided
  Actor r1 = MakeActor("r1", {{Role::kReviewer, ""}});
  Actor r2 = MakeActor("r2", {{Role::kReviewer, ""}});
  EXPECT_EQ(Apply(app, Action::kDecide, r1, kNow).code(), StatusCode::kFailedPrecondition);
  Do(app, Action::kVote, r1, kNow, "", VotePayload(Vote::kApprove));
  Do(app, Action::kVote, r2, kNow, "", VotePayload(Vote::kApprove));
  Do(app, Action::kDecide, r1, kNow);
  EXPECT_EQ(app.state, S::kGranted);
  EXPECT_EQ(app.history.back().detail, "amendment approved 2-0");
  EXPECT_EQ(app.content.sites, std::vector<std::string>{"tohoku"});
  EXPECT_FALSE(app.pending_amendment.has_value());
  EXPECT_FALSE(HasAccess(app, "imsut", "tmm_wgs", kNow));
  EXPECT_TRUE(app.grants[1].revoked_at.has_value());
  EXPECT_EQ(app.grants[0].expiry, T(2026, 12, 1));
}

TEST(Amend, RejectedAmendmentIsDiscarded) {
  Application app = Fixture(K::kDataUse, S::kGranted);
  ApplicationContent original = app.content;
  ActionPayload amend;
  amend.content = GoodDataUse();
  amend.content->datasets.push_back("bbj_wgs");
  Do(app, Action::kAmend, Alice(), kNow, "", amend);
  Actor r1 = MakeActor("r1", {{Role::kReviewer, ""}});
  Actor r2 = MakeActor("r2", {{Role::kReviewer, ""}});
  Do(app, Action::kVote, r1, kNow, "", VotePayload(Vote::kReject));
  Do(app, Action::kVote, r2, kNow, "", VotePayload(Vote::kReject));
  Do(app, Action::kDecide, r2, kNow);
  EXPECT_EQ(app.state, S::kGranted);
  EXPECT_EQ(app.history.back().detail, "amendment rejected 0-2");
  EXPECT_EQ(app.content, original);
  EXPECT_FALSE(app.pending_amendment.has_value());
  EXPECT_TRUE(HasAccess(app, "tohoku", "tmm_wgs", kNow));
}

TEST(Amend, ContentIsValidatedLikeASubmission) {
  Application app = Fixture(K::kDataUse, S::kGranted);
  Application before = app;
  EXPECT_EQ(Apply(app, Action::kAmend, Alice(), kNow).code(), StatusCode::kInvalidArgument);
  ActionPayload bad;
  bad.content = GoodDataUse();
  bad.content->period_end = D(2031, 1, 1);
  Status s = Apply(app, Action::kAmend, Alice(), kNow, "", bad);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("period_end: the period may last at most 5 years"), std::string::npos);
  EXPECT_EQ(app, before);
}

// ---- Payload checks and messages -----------------------------------------------------------

TEST(Feasibility, CountsAreCheckedAndReplaced) {
  Application app = Fixture(K::kDataUse, S::kSubmitted);
  Actor sec = ActorFor(W::kSecretariat);
  struct Case {
    FeasibilityCount count;
    const char* needle;
  } cases[] = {
      {{"nig", 0, 5}, "feasibility[0].site: 'nig' is not a site this application requests"},
      {{"tohoku", 1, 5}, "feasibility[0].cohort: 1 is not a cohort of this application"},
      {{"tohoku", -1, 5}, "feasibility[0].cohort: -1"},
      {{"tohoku", 0, -5}, "feasibility[0].count: must not be negative"},
  };
  for (const Case& c : cases) {
    ActionPayload p;
    p.feasibility = {c.count};
    Status s = Apply(app, Action::kRecordFeasibility, sec, kNow, "", p);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_NE(s.message().find(c.needle), std::string::npos) << s.message();
  }
  EXPECT_EQ(Apply(app, Action::kRecordFeasibility, sec, kNow).code(), StatusCode::kInvalidArgument);
  ActionPayload p;
  p.feasibility = {{"tohoku", 0, 10}, {"imsut", 0, 3}};
  Do(app, Action::kRecordFeasibility, sec, kNow, "", p);
  p.feasibility = {{"tohoku", 0, 12}};
  Do(app, Action::kRecordFeasibility, sec, kNow, "recount", p);
  EXPECT_EQ(app.feasibility, (std::vector<FeasibilityCount>{{"tohoku", 0, 12}, {"imsut", 0, 3}}));
}

TEST(Messages, NameTheRoleNeededAndTheAllowedStates) {
  Application submitted = Fixture(K::kDataUse, S::kSubmitted);
  Status role = Apply(submitted, Action::kForward, ActorFor(W::kReviewer), kNow);
  EXPECT_EQ(role.message(), "forward needs role secretariat; user rev3 holds reviewer");
  Status applicant = Apply(submitted, Action::kClose, ActorFor(W::kOtherResearcher), kNow);
  EXPECT_EQ(applicant.message(),
            "close needs the applicant (researcher alice) or role platform_admin; user carol "
            "holds researcher");
  Status nobody = Apply(submitted, Action::kForward, ActorFor(W::kNoRole), kNow);
  EXPECT_NE(nobody.message().find("user nobody holds no role"), std::string::npos);

  Application draft = Fixture(K::kDataUse, S::kDraft);
  Status state = Apply(draft, Action::kForward, ActorFor(W::kSecretariat), kNow);
  EXPECT_EQ(state.message(),
            "cannot forward application app-7 in state draft; forward is allowed from submitted");
  Status grant = Apply(draft, Action::kGrant, ActorFor(W::kPlatformAdmin), kNow, "",
                       PayloadFor(K::kDataUse, Action::kGrant));
  EXPECT_NE(grant.message().find("grant is allowed from contracted, granted"), std::string::npos);

  EXPECT_EQ(Apply(draft, Action::kAnswer, ActorFor(W::kSecretariat), kNow, "x").message(),
            "answer does not apply to data_use applications");
  Application inquiry = Fixture(K::kInquiry, S::kOpen);
  EXPECT_EQ(Apply(inquiry, Action::kForward, ActorFor(W::kSecretariat), kNow).message(),
            "forward does not apply to inquiry (an inquiry)");

  Status anonymous =
      Apply(draft, Action::kClose, MakeActor("", {{Role::kPlatformAdmin, ""}}), kNow);
  EXPECT_EQ(anonymous.code(), StatusCode::kUnauthenticated);

  WorkflowPolicy policy;
  policy.max_comment_chars = 10;
  Status long_comment = Apply(draft, Action::kClose, Alice(), kNow, "01234567890", {}, policy);
  EXPECT_EQ(long_comment.code(), StatusCode::kInvalidArgument);
}

TEST(Actions, NamesAndAvailability) {
  for (Action a : kAllActions) {
    Result<Action> parsed = ParseAction(ActionName(a));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, a);
  }
  EXPECT_FALSE(ParseAction("approve").ok());

  using V = std::vector<Action>;
  EXPECT_EQ(AvailableActions(Fixture(K::kDataUse, S::kDraft), Alice()),
            (V{Action::kEdit, Action::kSubmit, Action::kClose}));
  EXPECT_EQ(AvailableActions(Fixture(K::kDataUse, S::kSubmitted), ActorFor(W::kSecretariat)),
            (V{Action::kRecordFeasibility, Action::kReturn, Action::kForward}));
  EXPECT_EQ(AvailableActions(Fixture(K::kDataUse, S::kSubmitted), ActorFor(W::kReviewer)),
            (V{Action::kDeclareConflict}));
  EXPECT_EQ(AvailableActions(Fixture(K::kDataUse, S::kGranted), ActorFor(W::kSiteAdminHere)),
            (V{Action::kGrant, Action::kRevoke}));
  EXPECT_EQ(AvailableActions(Fixture(K::kDataUse, S::kGranted), ActorFor(W::kSiteAdminElsewhere)),
            V{});
  EXPECT_EQ(AvailableActions(Fixture(K::kDataUse, S::kGranted), ActorFor(W::kPlatformAdmin)),
            (V{Action::kRecordContract, Action::kGrant, Action::kRevoke, Action::kClose}));
  EXPECT_EQ(AvailableActions(Fixture(K::kInquiry, S::kAnswered), Alice()),
            (V{Action::kClose, Action::kFollowUp}));

  // Under review, a reviewer is offered the committee's actions; once the reviewer declares a
  // conflict of interest, only what Apply would still accept (commenting).
  Application review = Fixture(K::kDataUse, S::kUnderReview);
  EXPECT_EQ(AvailableActions(review, ActorFor(W::kReviewer)),
            (V{Action::kDeclareConflict, Action::kComment, Action::kVote, Action::kDecide}));
  review.conflicts.push_back("rev3");
  EXPECT_EQ(AvailableActions(review, ActorFor(W::kReviewer)), (V{Action::kComment}));
}

}  // namespace
}  // namespace renkei
