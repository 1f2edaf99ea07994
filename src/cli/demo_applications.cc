#include "cli/demo_applications.h"

#include <chrono>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "api/hub_schema.h"
#include "audit/audit_log.h"
#include "db/database.h"
#include "identity/accounts.h"
#include "identity/totp.h"
#include "store/store.h"
#include "workflow/data_use_match.h"
#include "workflow/dataset_registry.h"
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

// The demo's five datasets (demo.cc names each "<biobank>-<site>") and their data-use
// conditions, varied so that the DUO matching shows every outcome. The seeded applications
// (research on hypertension, I10) request tmm-tohoku (HMB with IRB: needs review) and bbj-imsut
// (disease-specific, I10-I15 among others: allowed); ncbn-ncc (cancer only) would deny them.
struct DemoDataset {
  const char* id;
  const char* site;
  const char* title;
  const char* study;
  const char* policy;
  const char* data_use;  // DUO JSON (duo.h)
  const char* dac;
};

constexpr DemoDataset kDemoDatasets[] = {
    {"tmm-tohoku", "tohoku", "TMM community cohort whole genomes (demo)",
     "Tohoku Medical Megabank community cohort",
     "Health, medical and biomedical research; ethics approval required.",
     R"({"permission": "HMB", "modifiers": [{"term": "IRB"}]})", "Tohoku Medical Megabank DAC"},
    {"bbj-imsut", "imsut", "BBJ patient whole genomes (demo)", "BioBank Japan",
     "Research on the biobank's diseases: hypertensive diseases, diabetes mellitus, neoplasms.",
     R"({"permission": "DS", "diseases": ["I10-I15", "E10-E14", "C00-D48"]})", "BioBank Japan DAC"},
    {"ncbn-ncgm", "ncgm", "NCBN NCGM whole genomes (demo)", "National Center Biobank Network",
     "General research use; not for commercial use.",
     R"({"permission": "GRU", "modifiers": [{"term": "NCU"}]})", "NCBN DAC"},
    {"ncbn-ncc", "ncc", "NCBN NCC cancer whole genomes (demo)",
     "National Center Biobank Network (cancer)", "Cancer research only; ethics approval required.",
     R"({"permission": "DS", "diseases": ["C00-D48"], "modifiers": [{"term": "IRB"}]})",
     "NCBN DAC"},
    {"ncbn-nig", "nig", "NCBN NIG whole genomes (demo)", "National Center Biobank Network",
     "General research use; results must be published.",
     R"({"permission": "GRU", "modifiers": [{"term": "PUB"}]})", "NCBN DAC"},
};

// Registers each demo dataset as version 1 from its store's own samples (as a site
// administrator would with POST /v1/datasets/{id}/versions) and marks it applied: the node
// already serves exactly these samples, so there is nothing to send it. Audited as
// "dataset.register".
Status RegisterDemoDatasets(db::Database* db, audit::AuditLog* log, const Actor& admin,
                            const std::string& stores_dir, Timestamp now) {
  workflow::DatasetRegistry registry(db);
  for (const DemoDataset& d : kDemoDatasets) {
    const std::string store_dir = (std::filesystem::path(stores_dir) / d.site).string();
    Result<GenotypeStore> store = GenotypeStore::Open(store_dir);
    if (!store.ok()) return store.status().WithContext("demo dataset " + std::string(d.id));
    const json data_use = json::parse(d.data_use, nullptr, /*allow_exceptions=*/false);
    if (data_use.is_discarded()) return Internal("demo dataset " + std::string(d.id) + ": bad DUO");
    const json description = {{"title", d.title},
                              {"description", "Simulated whole genomes of the renkei demo."},
                              {"study", {{"title", d.study}, {"type", "cohort"}}},
                              {"policy", d.policy},
                              {"data_use", data_use},
                              {"dac", {{"name", d.dac}}},
                              {"sequencing", {{"strategy", "WGS"}}},
                              {"analysis", {{"reference", "GRCh38"}}}};
    ASSIGN_OR_RETURN(const workflow::DatasetVersion v,
                     registry.Register(d.id, d.site, description, store->samples().ToTsv(),
                                       admin.user_id, now, 0));
    RETURN_IF_ERROR(registry.SetNodeStatus(v.dataset_id, v.version, "applied",
                                           "registered by renkei demo from the store's samples"));
    RETURN_IF_ERROR(log->Append({admin.user_id, "dataset.register", "dataset:" + v.dataset_id, "ok",
                                 "", json{{"version", v.version}, {"demo", true}}},
                                std::chrono::system_clock::now())
                        .status());
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<DemoApplication>> SeedDemoApplications(const std::string& database_path,
                                                          const std::string& secret_key,
                                                          std::string stores_dir) {
  if (stores_dir.empty()) {
    stores_dir = (std::filesystem::path(database_path).parent_path() / "stores").string();
  }
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
  ASSIGN_OR_RETURN(const Actor admin, ActorFor(users, "admin@demo.renkei.jp"));

  workflow::ApplicationRepository repo(db.get());
  const Timestamp now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  const Date today = std::chrono::floor<std::chrono::days>(now);
  std::vector<DemoApplication> out;
  RETURN_IF_ERROR(RegisterDemoDatasets(db.get(), log.get(), admin, stores_dir, now));
  workflow::DatasetRegistry registry(db.get());

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
      if (s.action == Action::kSubmit) {
        // As the hub does on submission: matched against the registered datasets' conditions.
        ASSIGN_OR_RETURN(app.data_use_match,
                         workflow::MatchRequestedDatasets(registry, app.content));
        app.history.back().detail = workflow::DataUseMatchSummary(app.data_use_match);
      }
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
  const json sign_in = {{"email", secretariat.email},
                        {"password", secretariat.password},
                        {"second_factor", secretariat.spare_recovery_code}};
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
