#include "cli/demo_applications.h"

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>

#include "api/hub_schema.h"
#include "audit/audit_log.h"
#include "db/database.h"
#include "identity/accounts.h"
#include "identity/totp.h"
#include "workflow/repository.h"
#include "workflow/state_machine.h"

namespace renkei {

namespace {

using nlohmann::json;

// The workflow actor of a demo account (by email).
Result<Actor> ActorFor(const std::vector<identity::User>& users, const std::string& email) {
  for (const identity::User& u : users) {
    if (u.email != email) continue;
    std::string roles;
    for (const identity::RoleGrant& r : u.roles) {
      roles += (roles.empty() ? "" : ",") + r.ToString();
    }
    ASSIGN_OR_RETURN(std::vector<RoleGrant> grants, ParseRoleGrants(roles));
    return Actor{"user:" + std::to_string(u.id), std::move(grants)};
  }
  return NotFound("demo account " + email + " is missing");
}

ApplicationContent Content(const std::string& title, Date today) {
  ApplicationContent c;
  c.title = title;
  c.institution = "renkei demo university";
  c.datasets = {"tmm-tohoku", "bbj-imsut"};
  c.sites = {"tohoku", "imsut"};
  c.research_plan =
      "Association analysis of whole-genome variants; results leave the sites "
      "only as summary statistics.";
  c.purpose = title;
  c.intended_use.category = "DUO:0000007";  // disease-specific research
  c.intended_use.diseases = {"I10"};
  c.period_start = today;
  c.period_end = today + std::chrono::days(2 * 365);
  // The cohorts of the demo's example requests: the same sample sets again, so the privacy
  // guard's differencing check (which compares every answered cohort) is not disturbed.
  c.cohorts = {"age=60-79 & sex=male & disease=hypertension", "age=60-69 | age=70-79"};
  return c;
}

}  // namespace

Result<std::vector<DemoApplication>> SeedDemoApplications(const std::string& database_path,
                                                          const std::string& secret_key) {
  ASSIGN_OR_RETURN(std::unique_ptr<db::Database> db, db::Database::Open(database_path));
  RETURN_IF_ERROR(db::Migrate(*db, HubMigrations()));
  ASSIGN_OR_RETURN(std::unique_ptr<audit::AuditLog> log,
                   audit::AuditLog::Create(db.get(), secret_key));
  identity::Accounts accounts(db.get(), log.get());
  ASSIGN_OR_RETURN(const std::vector<identity::User> users, accounts.ListUsers());
  ASSIGN_OR_RETURN(const Actor researcher, ActorFor(users, "researcher@demo.renkei.jp"));
  ASSIGN_OR_RETURN(const Actor secretariat, ActorFor(users, "secretariat@demo.renkei.jp"));
  ASSIGN_OR_RETURN(const Actor reviewer1, ActorFor(users, "reviewer1@demo.renkei.jp"));
  ASSIGN_OR_RETURN(const Actor reviewer2, ActorFor(users, "reviewer2@demo.renkei.jp"));
  ASSIGN_OR_RETURN(const Actor tohoku, ActorFor(users, "tohoku-admin@demo.renkei.jp"));

  workflow::ApplicationRepository repo(db.get());
  const Timestamp now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  const Date today = std::chrono::floor<std::chrono::days>(now);
  std::vector<DemoApplication> out;

  // Creates an application and takes `steps` on it as the demo staff, each stored and audited
  // as the hub would.
  struct Step {
    const Actor* actor;
    Action action;
    std::string comment;
    ActionPayload payload;
  };
  auto seed = [&](const std::string& title, const std::vector<Step>& steps,
                  const std::string& note) -> Status {
    ASSIGN_OR_RETURN(Application app, repo.Create(ApplicationKind::kDataUse, researcher, now,
                                                  Content(title, today)));
    RETURN_IF_ERROR(log->Append({researcher.user_id, "application.create", "application:" + app.id,
                                 "ok", "", json{{"to", "draft"}, {"demo", true}}},
                                std::chrono::system_clock::now())
                        .status());
    int64_t version = 1;
    for (const Step& s : steps) {
      const ApplicationState from = app.state;
      RETURN_IF_ERROR(Apply(app, s.action, *s.actor, now, s.comment, s.payload)
                          .WithContext("demo " + app.id + " " + std::string(ActionName(s.action))));
      RETURN_IF_ERROR(repo.Save(app, version++));
      RETURN_IF_ERROR(
          log->Append({s.actor->user_id, "application." + std::string(ActionName(s.action)),
                       "application:" + app.id, "ok", "",
                       json{{"from", ApplicationStateName(from)},
                            {"to", ApplicationStateName(app.state)},
                            {"demo", true}}},
                      std::chrono::system_clock::now())
              .status());
    }
    out.push_back({app.id, std::string(ApplicationStateName(app.state)), title, note});
    return Status::Ok();
  };

  ActionPayload approve;
  approve.vote = Vote::kApprove;
  ActionPayload contract;
  contract.contract = Contract{"tohoku",
                               {"renkei demo university", today},
                               {"Tohoku Medical Megabank Organization", today},
                               {"renkei platform operator", today},
                               "contracts/demo-0001.pdf",
                               {}};
  ActionPayload grant;
  grant.site = "tohoku";
  grant.dataset = "tmm-tohoku";
  grant.expiry = Timestamp(today + std::chrono::days(365));

  RETURN_IF_ERROR(seed("Hypertension and rare variants (draft)", {}, "edit it, then submit it"));
  RETURN_IF_ERROR(seed("Blood pressure GWAS in older adults (submitted)",
                       {{&researcher, Action::kSubmit, "", {}}},
                       "with the secretariat; feasibility counts computed by the hub"));
  RETURN_IF_ERROR(seed("Hypertension polygenic scores (under review)",
                       {{&researcher, Action::kSubmit, "", {}},
                        {&secretariat, Action::kForward, "Plan and feasibility checked.", {}},
                        {&reviewer1, Action::kVote, "Sound plan.", approve}},
                       "one approving vote; a second reviewer's vote reaches the quorum"));
  RETURN_IF_ERROR(seed("Hypertension cohort follow-up (granted at tohoku)",
                       {{&researcher, Action::kSubmit, "", {}},
                        {&secretariat, Action::kForward, "", {}},
                        {&reviewer1, Action::kVote, "", approve},
                        {&reviewer2, Action::kVote, "", approve},
                        {&reviewer1, Action::kDecide, "Approved 2-0.", {}},
                        {&secretariat, Action::kRecordContract, "", contract},
                        {&tohoku, Action::kGrant, "", grant}},
                       "access to tmm-tohoku for one year"));
  return out;
}

Result<std::vector<std::string>> RecordDemoFeasibility(httplib::Client& hub,
                                                       const DemoAccount& secretariat,
                                                       const std::string& id) {
  ASSIGN_OR_RETURN(const std::string secret, identity::Base32Decode(secretariat.totp_secret));
  const int64_t unix_now = std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  // The next step's code (accepted within the ±1 step of clock skew): the current step's may
  // already have been used when the account was seeded, and a code is accepted once.
  ASSIGN_OR_RETURN(const std::string code, identity::TotpCode(secret, unix_now + 30));
  const json sign_in = {
      {"email", secretariat.email}, {"password", secretariat.password}, {"second_factor", code}};
  auto res = hub.Post("/v1/auth/sign-in", sign_in.dump(), "application/json");
  if (!res) return Unavailable("the hub did not answer the secretariat's sign-in");
  if (res->status != 200) return Internal("demo secretariat sign-in: " + res->body);
  const std::string set_cookie = res->get_header_value("Set-Cookie");
  const std::string cookie = set_cookie.substr(0, set_cookie.find(';'));
  const std::string csrf = json::parse(res->body, nullptr, false).value("csrf_token", "");
  const httplib::Headers headers = {{"Cookie", cookie}, {"X-CSRF-Token", csrf}};
  res = hub.Get("/v1/applications/" + id, headers);
  if (!res || res->status != 200) return Internal("demo: cannot read " + id);
  const json doc = json::parse(res->body, nullptr, false);
  const json action = {{"action", "record_feasibility"}, {"version", doc.value("version", 0)}};
  res = hub.Post("/v1/applications/" + id + "/actions", headers, action.dump(), "application/json");
  if (!res) return Unavailable("the hub did not answer the feasibility check");
  if (res->status != 200) return Internal("demo feasibility check: " + res->body);
  const json after = json::parse(res->body, nullptr, false);
  std::vector<std::string> lines;
  for (const json& f : after.value("feasibility", json::array())) {
    const std::string value = f.value("unavailable", false) ? "site unavailable"
                              : f.value("suppressed", false)
                                  ? "withheld (below the floor)"
                                  : std::to_string(f.value("count", int64_t{0}));
    lines.push_back(f.value("site", "") + " cohort " + std::to_string(f.value("cohort", 0)) + ": " +
                    value);
  }
  hub.Post("/v1/auth/sign-out", headers, "", "application/json");
  return lines;
}

}  // namespace renkei
