#include "workflow/repository.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "db/testing.h"
#include "workflow/access.h"
#include "workflow/state_machine.h"
#include "workflow/test_util.h"

namespace renkei::workflow {
namespace {

using workflow_test::Alice;
using workflow_test::D;
using workflow_test::GoodDataUse;
using workflow_test::MakeActor;
using workflow_test::T;
using K = ApplicationKind;
using S = ApplicationState;

std::string ParamName(const ::testing::TestParamInfo<std::string>& param) { return param.param; }

Actor Researcher(std::string user) { return MakeActor(std::move(user), {{Role::kResearcher, ""}}); }

// The repository tests run on SQLite (a temporary file), and on PostgreSQL too when
// RENKEI_TEST_POSTGRES_URL is set (scripts/postgres.sh start prints one), each in a fresh
// database or schema migrated with the hub's migration 3 alone.
class RepositoryTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(test_db_.Open(GetParam(), {{3, "applications", kSchemaSql}}));
    if (test_db_.skipped()) return;
    db_ = test_db_.db();
    repo_ = std::make_unique<ApplicationRepository>(db_);
  }

  Application MustCreate(K kind, const Actor& actor, Timestamp now, ApplicationContent c) {
    Result<Application> app = repo_->Create(kind, actor, now, std::move(c));
    EXPECT_TRUE(app.ok()) << app.status().ToString();
    return app.ok() ? *app : Application{};
  }

  std::pair<Application, int64_t> MustGet(std::string_view id) {
    auto got = repo_->Get(id);
    EXPECT_TRUE(got.ok()) << got.status().ToString();
    return got.ok() ? *got : std::pair<Application, int64_t>{};
  }

  // Loads, applies one action and saves; expects every step to succeed.
  void Step(std::string_view id, Action action, const Actor& actor, Timestamp now,
            std::string_view comment = {}, const ActionPayload& payload = {}) {
    auto [app, version] = MustGet(id);
    Status applied = Apply(app, action, actor, now, comment, payload);
    ASSERT_TRUE(applied.ok()) << ActionName(action) << ": " << applied.ToString();
    Status saved = repo_->Save(app, version);
    ASSERT_TRUE(saved.ok()) << ActionName(action) << ": " << saved.ToString();
    auto [stored, stored_version] = MustGet(id);
    EXPECT_EQ(stored_version, version + 1) << ActionName(action);
    EXPECT_EQ(stored, app) << ActionName(action);
  }

  std::vector<std::string> Ids(const ListFilter& filter) {
    auto list = repo_->List(filter);
    EXPECT_TRUE(list.ok()) << list.status().ToString();
    std::vector<std::string> ids;
    if (list.ok()) {
      for (const ApplicationSummary& s : *list) ids.push_back(s.id);
    }
    return ids;
  }

  db::TestDatabase test_db_;  // destroyed last
  db::Database* db_ = nullptr;
  std::unique_ptr<ApplicationRepository> repo_;
};

INSTANTIATE_TEST_SUITE_P(Backends, RepositoryTest, ::testing::Values("sqlite", "postgres"),
                         ParamName);

TEST(ApplicationId, IsAppAndSixDigitsOrMore) {
  EXPECT_EQ(FormatApplicationId(1), "APP-000001");
  EXPECT_EQ(FormatApplicationId(123), "APP-000123");
  EXPECT_EQ(FormatApplicationId(999999), "APP-999999");
  EXPECT_EQ(FormatApplicationId(1234567), "APP-1234567");
}

TEST_P(RepositoryTest, CreateAssignsIdsAndGetReturnsTheOriginal) {
  Application first = MustCreate(K::kDataUse, Alice(), T(2025, 4, 1, 9, 30), GoodDataUse());
  // What CreateApplication's contract says a new draft is, written out by hand.
  Application expected;
  expected.id = "APP-000001";
  expected.kind = K::kDataUse;
  expected.applicant = "alice";
  expected.state = S::kDraft;
  expected.content = GoodDataUse();
  expected.created_at = T(2025, 4, 1, 9, 30);
  expected.history = {{"alice", RoleGrant{Role::kResearcher, ""}, S::kDraft, S::kDraft, "create",
                       "", "", T(2025, 4, 1, 9, 30)}};
  EXPECT_EQ(first, expected);

  auto [got, version] = MustGet("APP-000001");
  EXPECT_EQ(got, expected);
  EXPECT_EQ(version, 1);

  ApplicationContent question;
  question.title = "Which biobanks hold 90+ samples?";
  question.purpose = "Is there enough data on centenarians?";
  Application second = MustCreate(K::kInquiry, Researcher("carol"), T(2025, 4, 2), question);
  EXPECT_EQ(second.id, "APP-000002");
  EXPECT_EQ(second.state, S::kOpen);
  EXPECT_EQ(MustGet("APP-000002").first, second);

  // The listing columns hold what the document says.
  auto row = db_->QueryRow(
      "SELECT kind, applicant, state, title, created_at, updated_at, version, document "
      "FROM applications WHERE id = $1",
      {std::string("APP-000001")});
  ASSERT_TRUE(row.ok()) << row.status().ToString();
  EXPECT_EQ(row->Text(0), "data_use");
  EXPECT_EQ(row->Text(1), "alice");
  EXPECT_EQ(row->Text(2), "draft");
  EXPECT_EQ(row->Text(3), GoodDataUse().title);
  EXPECT_EQ(row->Text(4), "2025-04-01T09:30:00Z");
  EXPECT_EQ(row->Text(5), "2025-04-01T09:30:00Z");
  EXPECT_EQ(row->Int(6), 1);
  EXPECT_EQ(nlohmann::json::parse(row->Text(7)), ToJson(expected));
  auto sites = db_->Query(
      "SELECT site, requested FROM application_sites WHERE application_id = $1 ORDER BY "
      "site_order",
      {std::string("APP-000001")});
  ASSERT_TRUE(sites.ok());
  ASSERT_EQ(sites->size(), 2u);
  EXPECT_EQ((*sites)[0].Text(0), "tohoku");
  EXPECT_EQ((*sites)[1].Text(0), "imsut");
  auto members = db_->Query("SELECT user_id FROM application_members WHERE application_id = $1",
                            {std::string("APP-000001")});
  ASSERT_TRUE(members.ok());
  ASSERT_EQ(members->size(), 1u);
  EXPECT_EQ((*members)[0].Text(0), "bob");
}

TEST_P(RepositoryTest, ARefusedCreationTakesNoId) {
  Result<Application> no_role =
      repo_->Create(K::kDataUse, MakeActor("sec", {{Role::kSecretariat, ""}}), T(2025, 4, 1));
  EXPECT_EQ(no_role.status().code(), StatusCode::kPermissionDenied);
  Result<Application> empty_inquiry = repo_->Create(K::kInquiry, Alice(), T(2025, 4, 1));
  EXPECT_EQ(empty_inquiry.status().code(), StatusCode::kInvalidArgument);
  ApplicationContent bad_text = GoodDataUse();
  bad_text.research_plan = "plan \xff\xfe";  // not UTF-8: fails inside the transaction
  Result<Application> not_utf8 = repo_->Create(K::kDataUse, Alice(), T(2025, 4, 1), bad_text);
  EXPECT_EQ(not_utf8.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(not_utf8.status().message().find("UTF-8"), std::string::npos);
  ApplicationContent nul = GoodDataUse();
  nul.title = std::string("T2D\0study", 9);  // the title column cannot hold NUL
  Result<Application> with_nul = repo_->Create(K::kDataUse, Alice(), T(2025, 4, 1), nul);
  EXPECT_EQ(with_nul.status().code(), StatusCode::kInvalidArgument);

  EXPECT_EQ(Ids({}), std::vector<std::string>{});
  EXPECT_EQ(MustCreate(K::kDataUse, Alice(), T(2025, 4, 1), GoodDataUse()).id, "APP-000001");
}

TEST_P(RepositoryTest, HappyPathPersistedStepByStep) {
  Actor sec = MakeActor("sec", {{Role::kSecretariat, ""}});
  Actor rev1 = MakeActor("rev1", {{Role::kReviewer, ""}});
  Actor rev2 = MakeActor("rev2", {{Role::kReviewer, ""}});
  Actor sa_tohoku = MakeActor("sa_tohoku", {{Role::kSiteAdmin, "tohoku"}});
  Actor pa = MakeActor("pa", {{Role::kPlatformAdmin, ""}});

  ApplicationContent draft = GoodDataUse();
  draft.sites = {"tohoku"};
  const std::string id = MustCreate(K::kDataUse, Alice(), T(2025, 4, 1), draft).id;
  ASSERT_EQ(id, "APP-000001");

  ActionPayload edit;
  edit.content = GoodDataUse();  // now tohoku and imsut
  Step(id, Action::kEdit, Alice(), T(2025, 4, 2), "", edit);
  ListFilter imsut;
  imsut.site = "imsut";
  EXPECT_EQ(Ids(imsut), std::vector<std::string>{id});  // the index followed the edit
  Step(id, Action::kSubmit, Alice(), T(2025, 4, 3));
  ActionPayload counts;
  counts.feasibility = {{"tohoku", 0, 310}, {"imsut", 0, 120}};
  Step(id, Action::kRecordFeasibility, sec, T(2025, 4, 4), "", counts);
  Step(id, Action::kForward, sec, T(2025, 4, 5), "Plan and feasibility checked.");
  ActionPayload approve;
  approve.vote = Vote::kApprove;
  Step(id, Action::kVote, rev1, T(2025, 4, 7), "Fine.", approve);
  Step(id, Action::kVote, rev2, T(2025, 4, 7), "", approve);
  Step(id, Action::kDecide, rev1, T(2025, 4, 9), "Approved.");
  ActionPayload contract;
  contract.contract = Contract{"tohoku",
                               {"Example University", D(2025, 4, 14)},
                               {"Tohoku Medical Megabank", D(2025, 4, 15)},
                               {"renkei operator", D(2025, 4, 16)},
                               "contracts/tohoku.pdf",
                               {}};
  Step(id, Action::kRecordContract, sec, T(2025, 4, 20), "", contract);
  ActionPayload grant;
  grant.site = "tohoku";
  grant.dataset = "tmm_wgs";
  grant.expiry = T(2026, 5, 1);
  Step(id, Action::kGrant, sa_tohoku, T(2025, 5, 1), "", grant);

  auto [granted, version] = MustGet(id);
  EXPECT_EQ(version, 10);  // created at 1, nine saves
  EXPECT_EQ(granted.state, S::kGranted);
  EXPECT_EQ(granted.history.size(), 10u);
  EXPECT_TRUE(HasAccess(granted, "tohoku", "tmm_wgs", T(2025, 6, 1)));
  ListFilter granted_filter;
  granted_filter.states = {S::kGranted};
  auto list = repo_->List(granted_filter);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].updated_at, T(2025, 5, 1));  // the grant's time

  // Revoked access and expiry are stored too.
  ActionPayload revoke;
  Step(id, Action::kRevoke, pa, T(2025, 7, 1), "Breach of the data security plan.", revoke);
  EXPECT_EQ(MustGet(id).first.state, S::kRevoked);
  EXPECT_FALSE(HasAccess(MustGet(id).first, "tohoku", "tmm_wgs", T(2025, 7, 2)));
}

TEST_P(RepositoryTest, ExpiryIsSavedLikeAnyChange) {
  Application app = MustCreate(K::kDataUse, Alice(), T(2025, 4, 1), GoodDataUse());
  auto [stored, version] = MustGet(app.id);
  stored.state = S::kApproved;  // the repository stores what it is given
  ASSERT_TRUE(repo_->Save(stored, version).ok());
  auto [approved, v2] = MustGet(app.id);
  ASSERT_TRUE(Expire(approved, T(2027, 5, 1)));
  ASSERT_TRUE(repo_->Save(approved, v2).ok());
  auto [expired, v3] = MustGet(app.id);
  EXPECT_EQ(expired.state, S::kExpired);
  EXPECT_EQ(expired.history.back().actor, "system");
  EXPECT_EQ(v3, 3);
}

TEST_P(RepositoryTest, ASaveFromAStaleVersionIsRefused) {
  const std::string id = MustCreate(K::kDataUse, Alice(), T(2025, 4, 1), GoodDataUse()).id;
  auto [mine, my_version] = MustGet(id);
  auto [theirs, their_version] = MustGet(id);
  ASSERT_EQ(my_version, 1);

  ActionPayload edit;
  edit.content = GoodDataUse();
  edit.content->title = "Theirs";
  ASSERT_TRUE(Apply(theirs, Action::kEdit, Alice(), T(2025, 4, 2), "", edit).ok());
  ASSERT_TRUE(repo_->Save(theirs, their_version).ok());

  edit.content->title = "Mine";
  ASSERT_TRUE(Apply(mine, Action::kEdit, Alice(), T(2025, 4, 3), "", edit).ok());
  Status stale = repo_->Save(mine, my_version);
  EXPECT_EQ(stale.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(stale.message().find("changed by someone else"), std::string::npos) << stale.message();
  EXPECT_NE(stale.message().find("reload"), std::string::npos);
  auto [stored, version] = MustGet(id);
  EXPECT_EQ(stored.content.title, "Theirs");
  EXPECT_EQ(version, 2);

  // Reloading and applying again succeeds.
  ASSERT_TRUE(Apply(stored, Action::kEdit, Alice(), T(2025, 4, 3), "", edit).ok());
  EXPECT_TRUE(repo_->Save(stored, version).ok());
  EXPECT_EQ(MustGet(id).first.content.title, "Mine");
  EXPECT_EQ(MustGet(id).second, 3);
  // A version from the future is as stale as one from the past.
  EXPECT_EQ(repo_->Save(stored, 7).code(), StatusCode::kFailedPrecondition);
}

// Writers that reload and retry on conflict never lose an update.
TEST_P(RepositoryTest, ConcurrentWritersLoseNoUpdate) {
  const std::string id = MustCreate(K::kDataUse, Alice(), T(2025, 4, 1), GoodDataUse()).id;
  constexpr int kThreads = 4, kEdits = 8;
  std::atomic<int> conflicts{0}, failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int e = 0; e < kEdits; ++e) {
        for (;;) {
          auto got = repo_->Get(id);
          if (!got.ok()) {
            ++failures;
            break;
          }
          auto& [app, version] = *got;
          ActionPayload edit;
          edit.content = app.content;
          edit.content->title = "edit " + std::to_string(t) + "." + std::to_string(e);
          if (!Apply(app, Action::kEdit, Alice(), T(2025, 4, 2), "", edit).ok()) {
            ++failures;
            break;
          }
          Status st = repo_->Save(app, version);
          if (st.ok()) break;
          if (st.code() != StatusCode::kFailedPrecondition) {
            ++failures;
            break;
          }
          ++conflicts;
        }
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  auto [app, version] = MustGet(id);
  EXPECT_EQ(version, 1 + kThreads * kEdits);
  EXPECT_EQ(app.history.size(), static_cast<size_t>(1 + kThreads * kEdits));
}

TEST_P(RepositoryTest, GetAndSaveOfAnUnknownIdAreNotFound) {
  auto missing = repo_->Get("APP-999999");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("APP-999999"), std::string::npos);
  Application app = MustCreate(K::kDataUse, Alice(), T(2025, 4, 1), GoodDataUse());
  app.id = "APP-000002";
  EXPECT_EQ(repo_->Save(app, 1).code(), StatusCode::kNotFound);
  EXPECT_EQ(repo_->Get("APP-000002").status().code(), StatusCode::kNotFound);
}

TEST_P(RepositoryTest, BadInputIsRefusedAndChangesNothing) {
  Application app = MustCreate(K::kDataUse, Alice(), T(2025, 4, 1), GoodDataUse());
  EXPECT_EQ(repo_->Get("").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(repo_->Get(std::string(65, 'A')).status().code(), StatusCode::kInvalidArgument);

  Application no_id = app;
  no_id.id.clear();
  EXPECT_EQ(repo_->Save(no_id, 1).code(), StatusCode::kInvalidArgument);
  Status zero = repo_->Save(app, 0);
  EXPECT_EQ(zero.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(zero.message().find("expected_version"), std::string::npos);
  EXPECT_EQ(repo_->Save(app, -3).code(), StatusCode::kInvalidArgument);

  Application other_applicant = app;
  other_applicant.applicant = "mallory";
  Status changed = repo_->Save(other_applicant, 1);
  EXPECT_EQ(changed.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(changed.message().find("cannot change"), std::string::npos);
  Application other_kind = app;
  other_kind.kind = K::kPlatformUse;
  EXPECT_EQ(repo_->Save(other_kind, 1).code(), StatusCode::kInvalidArgument);
  Application other_created = app;
  other_created.created_at = T(2024, 1, 1);
  EXPECT_EQ(repo_->Save(other_created, 1).code(), StatusCode::kInvalidArgument);

  Application not_utf8 = app;
  not_utf8.content.purpose = "\xc3\x28";
  EXPECT_EQ(repo_->Save(not_utf8, 1).code(), StatusCode::kInvalidArgument);
  Application nul = app;
  nul.content.title = std::string("a\0b", 3);
  EXPECT_EQ(repo_->Save(nul, 1).code(), StatusCode::kInvalidArgument);

  auto [stored, version] = MustGet(app.id);
  EXPECT_EQ(stored, app);
  EXPECT_EQ(version, 1);

  for (int limit : {0, -1, kMaxListLimit + 1}) {
    ListFilter f;
    f.limit = limit;
    auto list = repo_->List(f);
    EXPECT_EQ(list.status().code(), StatusCode::kInvalidArgument) << limit;
    if (!list.ok()) {
      EXPECT_NE(list.status().message().find("limit"), std::string::npos);
    }
  }
  for (std::string cursor :
       {"abc", "2025-04-01T00:00:00Z", "2025-04-01T00:00:00Z/", "2025-04-01T00:00:00Z/x",
        "2025-04-01T00:00:00Z/0", "2025-04-01T00:00:00Z/-1", "2025-13-01T00:00:00Z/1", "/5",
        "2025-04-01T00:00:00Z/5'; DROP TABLE applications; --"}) {
    ListFilter f;
    f.cursor = cursor;
    auto list = repo_->List(f);
    EXPECT_EQ(list.status().code(), StatusCode::kInvalidArgument) << cursor;
    if (!list.ok()) {
      EXPECT_NE(list.status().message().find("cursor"), std::string::npos);
    }
  }
  ListFilter bad_site;
  bad_site.site = "Tohoku!";
  EXPECT_EQ(repo_->List(bad_site).status().code(), StatusCode::kInvalidArgument);
  ListFilter all;
  all.limit = kMaxListLimit;
  EXPECT_EQ(Ids(all), std::vector<std::string>{app.id});
}

TEST_P(RepositoryTest, ACorruptDocumentIsDataLoss) {
  Application app = MustCreate(K::kDataUse, Alice(), T(2025, 4, 1), GoodDataUse());
  ASSERT_TRUE(db_->Exec("UPDATE applications SET document = $1 WHERE id = $2",
                        {std::string("{\"id\": \"APP-000001\", \"kin"), app.id})
                  .ok());
  EXPECT_EQ(repo_->Get(app.id).status().code(), StatusCode::kDataLoss);
  nlohmann::json other = ToJson(app);
  other["id"] = "APP-000042";
  ASSERT_TRUE(
      db_->Exec("UPDATE applications SET document = $1 WHERE id = $2", {other.dump(), app.id})
          .ok());
  auto wrong_id = repo_->Get(app.id);
  EXPECT_EQ(wrong_id.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(wrong_id.status().message().find("APP-000042"), std::string::npos);
  nlohmann::json bad_state = ToJson(app);
  bad_state["state"] = "limbo";
  ASSERT_TRUE(
      db_->Exec("UPDATE applications SET document = $1 WHERE id = $2", {bad_state.dump(), app.id})
          .ok());
  EXPECT_EQ(repo_->Get(app.id).status().code(), StatusCode::kDataLoss);
  ASSERT_TRUE(db_->Exec("UPDATE applications SET state = 'limbo' WHERE id = $1", {app.id}).ok());
  EXPECT_EQ(repo_->List({}).status().code(), StatusCode::kDataLoss);
}

// ---- Listing -------------------------------------------------------------------------------

// Six applications with known applicants, members, sites, states and times. Updated (newest
// first): A1 (2025-02-01), A6, A5, A4, A3, A2.
class ListingTest : public RepositoryTest {
 protected:
  void SetUp() override {
    RepositoryTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    // A1: alice, data use at tohoku+imsut, member bob; submitted on 2025-02-01.
    Make(K::kDataUse, "alice", 1, {"tohoku", "imsut"}, {"bob"}, [](Application& a) {
      a.state = S::kSubmitted;
      a.history.push_back(
          {"alice", RoleGrant{}, S::kDraft, S::kSubmitted, "submit", "", "", T(2025, 2, 1)});
    });
    // A2: carol, data use at nig, member alice; draft.
    Make(K::kDataUse, "carol", 2, {"nig"}, {"alice"}, nullptr);
    // A3: alice, processing node use at tohoku; granted there.
    Make(K::kProcessingNodeUse, "alice", 3, {"tohoku"}, {}, [](Application& a) {
      a.state = S::kGranted;
      a.grants.push_back({"tohoku", "", T(2026, 1, 1), "sa_tohoku", T(2025, 1, 3), {}, ""});
    });
    // A4: dave, data use at imsut; an amendment proposes nig.
    Make(K::kDataUse, "dave", 4, {"imsut"}, {"bob", "carol"}, [](Application& a) {
      a.state = S::kAmendmentReview;
      a.pending_amendment = a.content;
      a.pending_amendment->sites = {"imsut", "nig"};
    });
    // A5: carol, an open inquiry.
    Make(K::kInquiry, "carol", 5, {}, {}, nullptr);
    // A6: erin, data use now at ncgm, with an old (revoked) grant at tohoku.
    Make(K::kDataUse, "erin", 6, {"ncgm"}, {}, [](Application& a) {
      a.state = S::kGranted;
      a.grants.push_back(
          {"tohoku", "tmm_wgs", T(2026, 1, 1), "sa", T(2025, 1, 6), T(2025, 1, 6), "sa"});
    });
  }

  // Creates the application `day` (created 2025-01-<day>) and saves `change` made to it.
  void Make(K kind, std::string applicant, unsigned day, std::vector<std::string> sites,
            std::vector<std::string> members, void (*change)(Application&)) {
    ApplicationContent c;
    c.title = "Study " + std::to_string(day);
    c.purpose = "Question " + std::to_string(day);
    c.sites = std::move(sites);
    for (std::string& m : members) c.members.push_back({m, m});
    Application app = MustCreate(kind, Researcher(applicant), T(2025, 1, day), c);
    ASSERT_EQ(app.id, FormatApplicationId(day));
    if (change != nullptr) {
      change(app);
      Status saved = repo_->Save(app, 1);
      ASSERT_TRUE(saved.ok()) << saved.ToString();
    }
  }

  static ListFilter Filter(void (*set)(ListFilter&)) {
    ListFilter f;
    set(f);
    return f;
  }
};

INSTANTIATE_TEST_SUITE_P(Backends, ListingTest, ::testing::Values("sqlite", "postgres"), ParamName);

using Ids_ = std::vector<std::string>;
const std::string A1 = "APP-000001", A2 = "APP-000002", A3 = "APP-000003", A4 = "APP-000004",
                  A5 = "APP-000005", A6 = "APP-000006";

TEST_P(ListingTest, EverythingNewestFirstWithColumns) {
  EXPECT_EQ(Ids({}), (Ids_{A1, A6, A5, A4, A3, A2}));
  auto list = repo_->List({});
  ASSERT_TRUE(list.ok());
  const ApplicationSummary& a1 = (*list)[0];
  EXPECT_EQ(a1.id, A1);
  EXPECT_EQ(a1.kind, K::kDataUse);
  EXPECT_EQ(a1.applicant, "alice");
  EXPECT_EQ(a1.state, S::kSubmitted);
  EXPECT_EQ(a1.title, "Study 1");
  EXPECT_EQ(a1.updated_at, T(2025, 2, 1));
  EXPECT_EQ(a1.sites, (Ids_{"tohoku", "imsut"}));  // content order, not alphabetical
  const ApplicationSummary& a4 = (*list)[3];
  EXPECT_EQ(a4.sites, Ids_{"imsut"});  // the amendment's nig is not requested (yet)
  EXPECT_EQ(a4.state, S::kAmendmentReview);
  const ApplicationSummary& a5 = (*list)[2];
  EXPECT_EQ(a5.kind, K::kInquiry);
  EXPECT_EQ(a5.state, S::kOpen);
  EXPECT_TRUE(a5.sites.empty());
  EXPECT_EQ(a5.updated_at, T(2025, 1, 5));
}

TEST_P(ListingTest, EachFilter) {
  EXPECT_EQ(Ids(Filter([](ListFilter& f) { f.applicant = "alice"; })), (Ids_{A1, A3}));
  EXPECT_EQ(Ids(Filter([](ListFilter& f) { f.applicant = "nobody"; })), Ids_{});
  EXPECT_EQ(Ids(Filter([](ListFilter& f) { f.member = "alice"; })), (Ids_{A2}));
  EXPECT_EQ(Ids(Filter([](ListFilter& f) { f.member = "bob"; })), (Ids_{A1, A4}));
  EXPECT_EQ(Ids(Filter([](ListFilter& f) { f.involving = "alice"; })), (Ids_{A1, A3, A2}));
  EXPECT_EQ(Ids(Filter([](ListFilter& f) { f.involving = "carol"; })), (Ids_{A5, A4, A2}));
  EXPECT_EQ(Ids(Filter([](ListFilter& f) {
              f.states = {S::kSubmitted, S::kOpen};
            })),
            (Ids_{A1, A5}));
  EXPECT_EQ(Ids(Filter([](ListFilter& f) {
              f.states = {S::kGranted, S::kGranted};
            })),
            (Ids_{A6, A3}));
  EXPECT_EQ(Ids(Filter([](ListFilter& f) { f.states = {S::kRejected}; })), Ids_{});
  EXPECT_EQ(Ids(Filter([](ListFilter& f) { f.kinds = {K::kInquiry}; })), (Ids_{A5}));
  EXPECT_EQ(Ids(Filter([](ListFilter& f) {
              f.kinds = {K::kDataUse, K::kProcessingNodeUse};
            })),
            (Ids_{A1, A6, A4, A3, A2}));
  // A site's list: requested (A1, A3), or granted there (A6's revoked grant still concerns it).
  EXPECT_EQ(Ids(Filter([](ListFilter& f) { f.site = "tohoku"; })), (Ids_{A1, A6, A3}));
  // Requested (A2) or proposed by a pending amendment (A4).
  EXPECT_EQ(Ids(Filter([](ListFilter& f) { f.site = "nig"; })), (Ids_{A4, A2}));
  EXPECT_EQ(Ids(Filter([](ListFilter& f) { f.site = "imsut"; })), (Ids_{A1, A4}));
  EXPECT_EQ(Ids(Filter([](ListFilter& f) { f.site = "ncc"; })), Ids_{});
  // Filters combine with AND.
  EXPECT_EQ(Ids(Filter([](ListFilter& f) {
              f.applicant = "alice";
              f.site = "tohoku";
              f.states = {S::kGranted};
            })),
            (Ids_{A3}));
  EXPECT_EQ(Ids(Filter([](ListFilter& f) {
              f.member = "bob";
              f.site = "nig";
            })),
            (Ids_{A4}));
}

// The site filter agrees with access.h: a site administrator may read a submitted application
// exactly when it is on their site's list.
TEST_P(ListingTest, SiteListsMatchSiteAdministratorsReadRule) {
  for (std::string site : {"tohoku", "imsut", "nig", "ncgm", "ncc"}) {
    Actor admin = MakeActor("sa_" + site, {{Role::kSiteAdmin, site}});
    ListFilter f;
    f.site = site;
    Ids_ listed = Ids(f);
    for (const std::string& id : Ids({})) {
      Application app = MustGet(id).first;
      if (app.state == S::kDraft || app.kind == K::kInquiry) continue;
      const bool in_list = std::find(listed.begin(), listed.end(), id) != listed.end();
      EXPECT_EQ(in_list, CanRead(app, admin)) << site << " " << id;
    }
  }
}

TEST_P(ListingTest, PagesByCursor) {
  const Ids_ all = {A1, A6, A5, A4, A3, A2};
  for (int limit : {1, 2, 4, 6, 500}) {
    Ids_ seen;
    ListFilter f;
    f.limit = limit;
    for (int page = 0; page < 10; ++page) {
      auto list = repo_->List(f);
      ASSERT_TRUE(list.ok()) << list.status().ToString();
      EXPECT_LE(list->size(), static_cast<size_t>(limit));
      if (list->empty()) break;
      for (const ApplicationSummary& s : *list) seen.push_back(s.id);
      f.cursor = list->back().cursor;
    }
    EXPECT_EQ(seen, all) << "limit " << limit;
  }
  // Paging with a filter.
  ListFilter f;
  f.site = "tohoku";
  f.limit = 2;
  auto first = repo_->List(f);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->size(), 2u);
  f.cursor = first->back().cursor;
  EXPECT_EQ(Ids(f), Ids_{A3});
}

TEST_P(ListingTest, AnApplicationUpdatedBetweenPagesMovesToTheFront) {
  ListFilter f;
  f.limit = 2;
  auto first = repo_->List(f);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->size(), 2u);  // A1, A6
  auto [a3, version] = MustGet(A3);
  a3.history.push_back({"pa", RoleGrant{Role::kPlatformAdmin, ""}, S::kGranted, S::kGranted,
                        "grant", "", "", T(2025, 3, 1)});
  ASSERT_TRUE(repo_->Save(a3, version).ok());
  f.cursor = first->back().cursor;
  f.limit = 10;
  EXPECT_EQ(Ids(f), (Ids_{A5, A4, A2}));
  EXPECT_EQ(Ids({}), (Ids_{A3, A1, A6, A5, A4, A2}));
  EXPECT_EQ(Ids(Filter([](ListFilter& g) { g.site = "tohoku"; })), (Ids_{A3, A1, A6}));
}

TEST_P(ListingTest, TiesAreBrokenByCreationOrder) {
  for (int i = 0; i < 3; ++i) {
    MustCreate(K::kDataUse, Researcher("frank"), T(2025, 1, 10), {});  // A7, A8, A9
  }
  ListFilter f;
  f.applicant = "frank";
  f.limit = 1;
  Ids_ seen;
  for (int page = 0; page < 5; ++page) {
    auto list = repo_->List(f);
    ASSERT_TRUE(list.ok());
    if (list->empty()) break;
    seen.push_back((*list)[0].id);
    f.cursor = (*list)[0].cursor;
  }
  EXPECT_EQ(seen, (Ids_{"APP-000009", "APP-000008", "APP-000007"}));
}

TEST_P(ListingTest, IndexesFollowSavedChanges) {
  auto [a1, version] = MustGet(A1);
  a1.content.sites = {"nig"};
  a1.content.members = {{"zoe", "Zoe"}, {"zoe", "Zoe again"}, {"", "no id"}};  // a draft's mess
  ASSERT_TRUE(repo_->Save(a1, version).ok());
  EXPECT_EQ(Ids(Filter([](ListFilter& f) { f.site = "tohoku"; })), (Ids_{A6, A3}));
  EXPECT_EQ(Ids(Filter([](ListFilter& f) { f.site = "nig"; })), (Ids_{A1, A4, A2}));
  EXPECT_EQ(Ids(Filter([](ListFilter& f) { f.member = "bob"; })), (Ids_{A4}));
  EXPECT_EQ(Ids(Filter([](ListFilter& f) { f.member = "zoe"; })), (Ids_{A1}));
  auto list = repo_->List(Filter([](ListFilter& f) { f.member = "zoe"; }));
  ASSERT_TRUE(list.ok());
  EXPECT_EQ((*list)[0].sites, Ids_{"nig"});
}

}  // namespace
}  // namespace renkei::workflow
