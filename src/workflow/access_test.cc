#include "workflow/access.h"

#include <gtest/gtest.h>

#include "workflow/test_util.h"

namespace renkei {
namespace {

using workflow_test::Alice;
using workflow_test::GoodDataUse;
using workflow_test::MakeActor;
using workflow_test::T;
using S = ApplicationState;

Application App(S state, ApplicationKind kind = ApplicationKind::kDataUse) {
  Application a;
  a.id = "app-9";
  a.kind = kind;
  a.applicant = "alice";
  a.state = state;
  a.content = GoodDataUse();  // sites tohoku, imsut; member bob
  return a;
}

const Actor kBob = MakeActor("bob", {{Role::kResearcher, ""}});
const Actor kCarol = MakeActor("carol", {{Role::kResearcher, ""}});
const Actor kSec = MakeActor("sec", {{Role::kSecretariat, ""}});
const Actor kRev = MakeActor("rev", {{Role::kReviewer, ""}});
const Actor kSaTohoku = MakeActor("sa1", {{Role::kSiteAdmin, "tohoku"}});
const Actor kSaNig = MakeActor("sa2", {{Role::kSiteAdmin, "nig"}});
const Actor kPa = MakeActor("pa", {{Role::kPlatformAdmin, ""}});

TEST(CanRead, DraftsOnlyByApplicantAndMembers) {
  Application draft = App(S::kDraft);
  EXPECT_TRUE(CanRead(draft, Alice()));
  EXPECT_TRUE(CanRead(draft, kBob));
  for (const Actor* a : {&kCarol, &kSec, &kRev, &kSaTohoku, &kSaNig, &kPa}) {
    EXPECT_FALSE(CanRead(draft, *a)) << a->user_id;
  }
}

TEST(CanRead, SubmittedByStaffAndTheRequestedSites) {
  for (S s : {S::kSubmitted, S::kReturned, S::kUnderReview, S::kApproved, S::kGranted, S::kRevoked,
              S::kClosed}) {
    Application app = App(s);
    std::string state(ApplicationStateName(s));
    EXPECT_TRUE(CanRead(app, Alice())) << state;
    EXPECT_TRUE(CanRead(app, kBob)) << state;
    EXPECT_TRUE(CanRead(app, kSec)) << state;
    EXPECT_TRUE(CanRead(app, kRev)) << state;
    EXPECT_TRUE(CanRead(app, kPa)) << state;
    EXPECT_TRUE(CanRead(app, kSaTohoku)) << state;
    EXPECT_FALSE(CanRead(app, kSaNig)) << state;
    EXPECT_FALSE(CanRead(app, kCarol)) << state;  // another researcher's application
  }
  // A site proposed in a pending amendment, or holding a grant, may read too.
  Application amended = App(S::kAmendmentReview);
  amended.pending_amendment = GoodDataUse();
  amended.pending_amendment->sites.push_back("nig");
  EXPECT_TRUE(CanRead(amended, kSaNig));
  Application granted = App(S::kGranted);
  granted.content.sites = {"imsut"};
  granted.grants = {{"tohoku", "tmm_wgs", T(2026, 1, 1), "pa", T(2025, 1, 1), std::nullopt, ""}};
  EXPECT_TRUE(CanRead(granted, kSaTohoku));
  EXPECT_FALSE(CanRead(granted, MakeActor("", {{Role::kSecretariat, ""}})));
}

TEST(CanRead, InquiriesBySecretariat) {
  Application q = App(S::kOpen, ApplicationKind::kInquiry);
  EXPECT_TRUE(CanRead(q, Alice()));
  EXPECT_TRUE(CanRead(q, kSec));
  EXPECT_TRUE(CanRead(q, kPa));
  EXPECT_FALSE(CanRead(q, kRev));
  EXPECT_FALSE(CanRead(q, kSaTohoku));
  EXPECT_FALSE(CanRead(q, kCarol));
}

TEST(CanEdit, OnlyTheApplicantInDraftOrReturned) {
  for (S s : kAllStates) {
    bool editable = s == S::kDraft || s == S::kReturned;
    EXPECT_EQ(CanEdit(App(s), Alice()), editable) << ApplicationStateName(s);
    EXPECT_FALSE(CanEdit(App(s), kBob));
    EXPECT_FALSE(CanEdit(App(s), kSec));
    EXPECT_FALSE(CanEdit(App(s), kPa));
  }
  // The applicant's user id without the researcher role (e.g. role withdrawn) cannot edit.
  EXPECT_FALSE(CanEdit(App(S::kDraft), MakeActor("alice", {{Role::kReviewer, ""}})));
}

TEST(Access, ActiveGrantsOnlyWhileGrantedAndInPeriod) {
  Application app = App(S::kGranted);
  app.grants = {
      {"tohoku", "tmm_wgs", T(2026, 1, 1), "pa", T(2025, 5, 1), std::nullopt, ""},
      {"imsut", "tmm_wgs", T(2026, 1, 1), "pa", T(2025, 5, 1), T(2025, 6, 1), "pa"},
  };
  EXPECT_EQ(ActiveGrants(app, T(2025, 7, 1)).size(), 1u);
  EXPECT_TRUE(HasAccess(app, "tohoku", "tmm_wgs", T(2025, 7, 1)));
  EXPECT_FALSE(HasAccess(app, "imsut", "tmm_wgs", T(2025, 7, 1)));   // revoked
  EXPECT_FALSE(HasAccess(app, "tohoku", "tmm_wgs", T(2026, 1, 1)));  // expired grant
  for (S s : kAllStates) {
    Application other = app;
    other.state = s;
    bool in_force = s == S::kGranted || s == S::kAmendmentReview;
    EXPECT_EQ(HasAccess(other, "tohoku", "tmm_wgs", T(2025, 7, 1)), in_force)
        << ApplicationStateName(s);
  }
  // The period end bounds access even if a stored grant says otherwise.
  app.grants[0].expiry = T(2030, 1, 1);
  EXPECT_TRUE(HasAccess(app, "tohoku", "tmm_wgs", T(2027, 4, 30)));
  EXPECT_FALSE(HasAccess(app, "tohoku", "tmm_wgs", T(2027, 5, 1)));
}

}  // namespace
}  // namespace renkei
