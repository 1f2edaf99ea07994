// The hub's data-use application routes (docs/applications.md): listing, creating and reading
// applications, and taking workflow actions on them. The rules live in src/workflow/ (who may do
// what: state_machine.h; who may see what: access.h); this file maps HTTP onto them, computes
// the secretariat's feasibility counts through cross-search, and audits every action.
//
// Object-level rule: a caller who may not read an application gets the same 404 as for an id
// that does not exist, so ids cannot be probed.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>

#include "api/http_util.h"
#include "api/hub_server.h"
#include "common/log.h"
#include "workflow/access.h"
#include "workflow/data_use_match.h"
#include "workflow/repository.h"
#include "workflow/state_machine.h"

namespace renkei {

using nlohmann::json;

namespace {

// Application bodies are documents of text, not bulk data.
constexpr size_t kMaxApplicationBodyBytes = 256 * 1024;

Timestamp NowSeconds() {
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

// The workflow's actor for a signed-in account: user id "user:<id>" (the form the query log
// and the audit log use) and the account's roles.
Result<Actor> ActorOf(const identity::Principal& p) {
  std::string roles;
  for (const identity::RoleGrant& r : p.user.roles) {
    roles += (roles.empty() ? "" : ",") + r.ToString();
  }
  ASSIGN_OR_RETURN(std::vector<RoleGrant> grants, ParseRoleGrants(roles));
  return Actor{"user:" + std::to_string(p.user.id), std::move(grants)};
}

// The same answer for a missing id and one the caller may not read.
Status NoSuchApplication(std::string_view id) {
  return NotFound("no application '" + std::string(id) + "'");
}

// Rejects oversized bodies and bodies that are not JSON by content type, then parses.
Result<json> ApplicationBody(const httplib::Request& req, std::vector<const char*> allowed) {
  if (req.body.size() > kMaxApplicationBodyBytes) {
    return InvalidArgument("the request body is " + std::to_string(req.body.size()) +
                           " bytes; application requests may be at most " +
                           std::to_string(kMaxApplicationBodyBytes) + " bytes");
  }
  if (!req.body.empty()) {
    const std::string type = req.get_header_value("Content-Type");
    const std::string media = type.substr(0, type.find(';'));
    if (media != "application/json") {
      return InvalidArgument("Content-Type must be application/json (got '" + type + "')");
    }
  }
  ASSIGN_OR_RETURN(json body, ParseJsonBody(req));
  RETURN_IF_ERROR(CheckKeys(body, allowed));
  return body;
}

// Parses "YYYY-MM-DD" (a real calendar date).
Result<Date> ParseDay(const std::string& text, const std::string& field) {
  int y = 0;
  unsigned m = 0, d = 0;
  char tail = 0;
  if (text.size() != 10 || std::sscanf(text.c_str(), "%4d-%2u-%2u%c", &y, &m, &d, &tail) != 3) {
    return InvalidArgument(field + ": expected a date YYYY-MM-DD, got '" + text + "'");
  }
  const std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(m),
                                        std::chrono::day(d)};
  if (!ymd.ok()) return InvalidArgument(field + ": '" + text + "' is not a calendar date");
  return Date(ymd);
}

// Parses "YYYY-MM-DDTHH:MM:SSZ" (UTC) or a date "YYYY-MM-DD" (its 00:00 UTC).
Result<Timestamp> ParseInstant(const std::string& text, const std::string& field) {
  if (text.size() == 10) {
    ASSIGN_OR_RETURN(const Date day, ParseDay(text, field));
    return Timestamp(day);
  }
  int hh = 0, mm = 0, ss = 0;
  char tail = 0;
  if (text.size() != 20 || text[10] != 'T' || text[19] != 'Z' ||
      std::sscanf(text.c_str() + 11, "%2d:%2d:%2dZ%c", &hh, &mm, &ss, &tail) != 3 || hh > 23 ||
      mm > 59 || ss > 59 || hh < 0 || mm < 0 || ss < 0) {
    return InvalidArgument(field + ": expected a time YYYY-MM-DDTHH:MM:SSZ (UTC), got '" + text +
                           "'");
  }
  ASSIGN_OR_RETURN(const Date day, ParseDay(text.substr(0, 10), field));
  return Timestamp(day) + std::chrono::hours(hh) + std::chrono::minutes(mm) +
         std::chrono::seconds(ss);
}

Result<std::string> OptionalString(const json& body, const char* key) {
  if (!body.contains(key)) return std::string();
  if (!body[key].is_string()) return InvalidArgument(std::string("'") + key + "' must be a string");
  return body[key].get<std::string>();
}

Result<ContractParty> PartyFrom(const json& contract, const char* key) {
  const std::string field = std::string("contract.") + key;
  if (!contract.contains(key)) return InvalidArgument(field + ": required");
  const json& j = contract[key];
  if (!j.is_object()) return InvalidArgument(field + ": expected an object {name, signed_on}");
  ContractParty p;
  if (j.contains("name")) {
    if (!j["name"].is_string()) return InvalidArgument(field + ".name: must be a string");
    p.name = j["name"].get<std::string>();
  }
  if (j.contains("signed_on") && !j["signed_on"].is_null()) {
    if (!j["signed_on"].is_string()) {
      return InvalidArgument(field + ".signed_on: expected a date YYYY-MM-DD");
    }
    ASSIGN_OR_RETURN(p.signed_on,
                     ParseDay(j["signed_on"].get<std::string>(), field + ".signed_on"));
  }
  return p;
}

// The payload of an action body (every action reads only its own fields).
Result<ActionPayload> PayloadFrom(const json& body) {
  ActionPayload p;
  if (body.contains("content")) {
    if (!body["content"].is_object()) return InvalidArgument("'content' must be an object");
    ASSIGN_OR_RETURN(p.content, ContentFromJson(body["content"], "content"));
  }
  if (body.contains("vote")) {
    if (!body["vote"].is_string()) return InvalidArgument("'vote' must be a string");
    ASSIGN_OR_RETURN(p.vote, ParseVote(body["vote"].get<std::string>()));
  }
  if (body.contains("contract")) {
    const json& c = body["contract"];
    if (!c.is_object()) return InvalidArgument("'contract' must be an object");
    Contract contract;
    ASSIGN_OR_RETURN(contract.site, OptionalString(c, "site"));
    ASSIGN_OR_RETURN(contract.document_ref, OptionalString(c, "document_ref"));
    ASSIGN_OR_RETURN(contract.user_institution, PartyFrom(c, "user_institution"));
    ASSIGN_OR_RETURN(contract.providing_site, PartyFrom(c, "providing_site"));
    ASSIGN_OR_RETURN(contract.platform_operator, PartyFrom(c, "platform_operator"));
    p.contract = std::move(contract);
  }
  ASSIGN_OR_RETURN(p.site, OptionalString(body, "site"));
  ASSIGN_OR_RETURN(p.dataset, OptionalString(body, "dataset"));
  ASSIGN_OR_RETURN(const std::string expiry, OptionalString(body, "expiry"));
  if (!expiry.empty()) {
    ASSIGN_OR_RETURN(p.expiry, ParseInstant(expiry, "expiry"));
  }
  return p;
}

// "2025-04-01T09:30:00Z", as the application document writes times.
std::string FormatTimestamp(Timestamp t) {
  const std::time_t tt = static_cast<std::time_t>(t.time_since_epoch().count());
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

json SummaryJson(const workflow::ApplicationSummary& s) {
  return {{"id", s.id},
          {"kind", ApplicationKindName(s.kind)},
          {"applicant", s.applicant},
          {"state", ApplicationStateName(s.state)},
          {"title", s.title},
          {"updated_at", FormatTimestamp(s.updated_at)},
          {"sites", s.sites}};
}

json DocumentJson(const Application& app, int64_t version, const Actor& actor) {
  json out = ToJson(app);
  out["version"] = version;
  json actions = json::array();
  for (Action a : AvailableActions(app, actor)) actions.push_back(ActionName(a));
  out["actions"] = std::move(actions);
  return out;
}

// Whether grants in force may have changed between `before` and `after`: the Passport visa
// issuer must then be told.
bool GrantsMayHaveChanged(const Application& before, const Application& after, Timestamp now) {
  if (before.grants != after.grants) return true;
  if (ActiveGrants(before, now) != ActiveGrants(after, now)) return true;
  return before.state == ApplicationState::kAmendmentReview && after.state != before.state;
}

// A comma-separated query parameter as a list ("" → empty).
std::vector<std::string> ListParam(const httplib::Request& req, const char* name) {
  std::vector<std::string> out;
  const std::string v = req.get_param_value(name);
  for (size_t b = 0; b < v.size();) {
    size_t e = v.find(',', b);
    if (e == std::string::npos) e = v.size();
    if (e > b) out.push_back(v.substr(b, e - b));
    b = e + 1;
  }
  return out;
}

// The listing filter for the caller's view (docs/applications.md, "Listing"). Every filter
// lists only applications the caller may read (access.h): staff views never include drafts,
// reviewers' and site administrators' never inquiries, a site administrator's only their site.
// Sets *empty when the requested states or kinds leave nothing the view may show.
Result<workflow::ListFilter> FilterFor(const Actor& actor, const httplib::Request& req,
                                       std::string* view, bool* empty) {
  workflow::ListFilter f;
  *empty = false;
  std::vector<ApplicationState> states;
  for (const std::string& s : ListParam(req, "state")) {
    ASSIGN_OR_RETURN(const ApplicationState st, ParseApplicationState(s));
    states.push_back(st);
  }
  std::vector<ApplicationKind> kinds;
  for (const std::string& k : ListParam(req, "kind")) {
    ASSIGN_OR_RETURN(const ApplicationKind kind, ParseApplicationKind(k));
    kinds.push_back(kind);
  }
  f.site = req.get_param_value("site");
  f.cursor = req.get_param_value("cursor");
  if (const std::string limit = req.get_param_value("limit"); !limit.empty()) {
    if (limit.size() > 4 || limit.find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(limit) < 1 || std::stoi(limit) > workflow::kMaxListLimit) {
      return InvalidArgument("'limit' must be a whole number from 1 to " +
                             std::to_string(workflow::kMaxListLimit));
    }
    f.limit = std::stoi(limit);
  }

  *view = req.get_param_value("view");
  if (view->empty()) {
    *view = "mine";
    for (Role r : {Role::kSecretariat, Role::kReviewer, Role::kSiteAdmin, Role::kPlatformAdmin}) {
      if (actor.Has(r)) {
        *view = std::string(RoleName(r));
        break;
      }
    }
  }
  if (*view == "mine") {
    f.involving = actor.user_id;
    f.states = states;
    f.kinds = kinds;
    return f;
  }
  Result<Role> parsed = ParseRole(*view);
  if (!parsed.ok()) return parsed.status().WithContext("view (or 'mine')");
  const Role role = *parsed;
  if (role == Role::kResearcher) {
    return InvalidArgument("view: use 'mine' for your own applications");
  }
  if (!actor.Has(role)) {
    return PermissionDenied("view " + *view + " needs the " + *view + " role");
  }
  // Staff see no drafts: drop them from the requested states, or default by role.
  std::vector<ApplicationState> allowed;
  for (ApplicationState s : kAllStates) {
    if (s != ApplicationState::kDraft) allowed.push_back(s);
  }
  if (role == Role::kSecretariat) {
    allowed = {ApplicationState::kSubmitted, ApplicationState::kOpen};
  } else if (role == Role::kReviewer) {
    allowed = {ApplicationState::kUnderReview, ApplicationState::kAmendmentReview};
  }
  if (!states.empty()) {
    std::vector<ApplicationState> keep;
    for (ApplicationState s : states) {
      if (s != ApplicationState::kDraft) keep.push_back(s);
    }
    allowed = std::move(keep);
  }
  if (allowed.empty()) *empty = true;
  f.states = allowed;
  if (role == Role::kReviewer || role == Role::kSiteAdmin) {
    // No inquiries: they are between the applicant and the secretariat.
    std::vector<ApplicationKind> keep;
    for (ApplicationKind k : {ApplicationKind::kPlatformUse, ApplicationKind::kDataUse,
                              ApplicationKind::kProcessingNodeUse}) {
      if (kinds.empty() || std::find(kinds.begin(), kinds.end(), k) != kinds.end()) {
        keep.push_back(k);
      }
    }
    if (keep.empty()) *empty = true;
    f.kinds = keep;
  } else {
    f.kinds = kinds;
  }
  if (role == Role::kSiteAdmin) {
    std::string mine;
    for (const RoleGrant& g : actor.roles) {
      if (g.role == Role::kSiteAdmin && mine.empty()) mine = g.site;
    }
    if (f.site.empty()) f.site = mine;
    if (!actor.IsSiteAdminOf(f.site)) {
      return PermissionDenied("you administer site " + mine + ", not " + f.site);
    }
  }
  return f;
}

// The secretariat's feasibility check: each cohort of the application through cross-search,
// and the sample count per requested site.
Result<std::vector<FeasibilityCount>> ComputeFeasibility(HubService& service,
                                                         const Application& app) {
  if (app.content.cohorts.empty()) {
    return FailedPrecondition("the application lists no cohorts to check feasibility for");
  }
  // As the applicant, at the registered tier: the counts attached never show more than the
  // applicant could query themselves.
  const std::string prefix = "user:";
  const std::string number = app.applicant.substr(
      app.applicant.starts_with(prefix) ? prefix.size() : app.applicant.size());
  if (number.empty() || number.size() > 18 ||
      number.find_first_not_of("0123456789") != std::string::npos) {
    return FailedPrecondition("the applicant '" + app.applicant + "' is not a hub account");
  }
  identity::Principal applicant;
  ASSIGN_OR_RETURN(applicant.user, service.accounts().GetUser(std::stoll(number)));
  const Caller caller = HubService::CallerFor(applicant);

  std::vector<FeasibilityCount> out;
  for (size_t i = 0; i < app.content.cohorts.size(); ++i) {
    const int cohort = static_cast<int>(i);
    Result<json> answer = service.Search(caller, {{"cohort", app.content.cohorts[i]}});
    if (!answer.ok()) {
      const StatusCode c = answer.status().code();
      if (c == StatusCode::kUnavailable) {
        // No site answered.
        for (const std::string& site : app.content.sites) {
          out.push_back({site, cohort, 0, false, true});
        }
        continue;
      }
      if (c == StatusCode::kPermissionDenied || c == StatusCode::kFailedPrecondition) {
        // The privacy guard refused the applicant this cohort (e.g. differencing): withheld.
        for (const std::string& site : app.content.sites) {
          out.push_back({site, cohort, 0, true, false});
        }
        continue;
      }
      return answer.status().WithContext("feasibility of cohort " + std::to_string(i) + " (" +
                                         app.content.cohorts[i] + ")");
    }
    const json& sites = answer->value("sites", json::array());
    const json& by_site = (*answer)["cohort_size"].value("by_site", json::object());
    for (const std::string& site : app.content.sites) {
      FeasibilityCount f{site, cohort, 0, false, false};
      auto status = std::find_if(sites.begin(), sites.end(),
                                 [&](const json& s) { return s.value("id", "") == site; });
      if (status == sites.end() || status->value("status", "") != "ok") {
        f.unavailable = true;  // not configured at the hub, or did not answer: not a 0
      } else if (by_site.contains(site) && by_site[site].is_number_integer()) {
        f.count = by_site[site].get<int64_t>();
      } else {
        f.suppressed = true;  // withheld by the privacy guard (null), never shown as 0
      }
      out.push_back(std::move(f));
    }
  }
  return out;
}

}  // namespace

void HubServer::AddApplicationRoutes() {
  using Principal = identity::Principal;
  using Fn = std::function<Result<json>(const Actor&, const httplib::Request&, httplib::Response&)>;
  // Signs the caller in (session with CSRF for POST, or an API token), then runs `fn` as the
  // workflow actor of that account.
  auto signed_in = [this](Fn fn) {
    return [this, fn](const httplib::Request& req, httplib::Response& res) {
      Result<Principal> p = Authorize(req, Access::kSignedIn);  // logs its refusals
      if (!p.ok()) return SendError(res, p.status());
      Result<Actor> actor = ActorOf(*p);
      if (!actor.ok()) {
        LOG_WARN("hub: refused {} {} from {}: {}", req.method, req.path, req.remote_addr,
                 actor.status().message());
        return SendError(res, actor.status());
      }
      Result<json> out = fn(*actor, req, res);
      if (!out.ok()) return SendError(res, out.status());
      SendJson(res, *out, res.status == 201 ? 201 : 200);
    };
  };
  // Writes one audit entry for an application action (never fails the request once the action
  // is stored, but a lost entry is logged loudly).
  auto audit = [this](const Actor& actor, const std::string& action, const std::string& id,
                      const Status& outcome, const httplib::Request& req, json detail) {
    if (!outcome.ok()) {
      const StatusCode c = outcome.code();
      detail["code"] = StatusCodeName(c);
      detail["message"] = outcome.message();
    }
    const bool denied = outcome.code() == StatusCode::kPermissionDenied ||
                        outcome.code() == StatusCode::kFailedPrecondition ||
                        outcome.code() == StatusCode::kInvalidArgument ||
                        outcome.code() == StatusCode::kNotFound ||
                        outcome.code() == StatusCode::kAlreadyExists;
    const audit::Event event{actor.user_id,
                             "application." + action,
                             id.empty() ? "" : "application:" + id,
                             outcome.ok() ? "ok" : (denied ? "denied" : "failed"),
                             req.remote_addr.substr(0, 200),
                             std::move(detail)};
    if (Result<int64_t> seq = service_->audit().Append(event, std::chrono::system_clock::now());
        !seq.ok()) {
      LOG_ERROR("audit log: application.{} on {}: {}", action, id, seq.status().ToString());
    }
  };
  // Loads an application the actor may read (NotFound otherwise), expiring it first if its
  // period has ended (stored, audited as the system's, and the visa issuer told).
  auto load = [this, audit](
                  const Actor& actor, const std::string& id,
                  const httplib::Request& req) -> Result<std::pair<Application, int64_t>> {
    workflow::ApplicationRepository repo(&service_->database());
    Result<std::pair<Application, int64_t>> got = repo.Get(id);
    if (!got.ok()) {
      if (got.status().code() == StatusCode::kNotFound) return NoSuchApplication(id);
      return got.status();
    }
    auto& [app, version] = *got;
    if (!CanRead(app, actor)) return NoSuchApplication(id);
    Application expired = app;
    const Timestamp now = NowSeconds();
    if (Expire(expired, now)) {
      Status saved = repo.Save(expired, version);
      if (saved.ok()) {
        audit(Actor{"system", {}}, "expire", id, saved, req,
              {{"from", ApplicationStateName(app.state)}, {"to", "expired"}});
        if (GrantsMayHaveChanged(app, expired, now)) service_->GrantsChanged(expired);
        app = std::move(expired);
        ++version;
      } else if (saved.code() != StatusCode::kFailedPrecondition) {
        return saved;
      } else {
        return repo.Get(id);  // someone else saved (and expired) it meanwhile
      }
    }
    return got;
  };

  Handle("GET", "/v1/applications", Access::kSignedIn,
         signed_in([this](const Actor& actor, const httplib::Request& req,
                          httplib::Response&) -> Result<json> {
           std::string view;
           bool empty = false;
           ASSIGN_OR_RETURN(const workflow::ListFilter f, FilterFor(actor, req, &view, &empty));
           json list = json::array();
           json next = nullptr;
           if (!empty) {
             workflow::ApplicationRepository repo(&service_->database());
             ASSIGN_OR_RETURN(const std::vector<workflow::ApplicationSummary> page, repo.List(f));
             for (const workflow::ApplicationSummary& s : page) list.push_back(SummaryJson(s));
             if (static_cast<int>(page.size()) == f.limit) next = page.back().cursor;
           }
           return json{{"view", view}, {"applications", std::move(list)}, {"next_cursor", next}};
         }));

  Handle("POST", "/v1/applications", Access::kSignedIn,
         signed_in([this, audit](const Actor& actor, const httplib::Request& req,
                                 httplib::Response& res) -> Result<json> {
           ASSIGN_OR_RETURN(const json body, ApplicationBody(req, {"kind", "content"}));
           if (!body.contains("kind") || !body["kind"].is_string()) {
             return InvalidArgument(
                 "'kind' is required: one of platform_use, data_use, processing_node_use, "
                 "inquiry");
           }
           ASSIGN_OR_RETURN(const ApplicationKind kind,
                            ParseApplicationKind(body["kind"].get<std::string>()));
           ApplicationContent content;
           if (body.contains("content")) {
             if (!body["content"].is_object())
               return InvalidArgument("'content' must be an object");
             ASSIGN_OR_RETURN(content, ContentFromJson(body["content"], "content"));
           }
           workflow::ApplicationRepository repo(&service_->database());
           Result<Application> app = repo.Create(kind, actor, NowSeconds(), content);
           audit(actor, "create", app.ok() ? app->id : "", app.status(), req,
                 {{"kind", ApplicationKindName(kind)},
                  {"to", app.ok() ? json(ApplicationStateName(app->state)) : json(nullptr)}});
           if (!app.ok()) return app.status();
           res.status = 201;
           return DocumentJson(*app, 1, actor);
         }));

  Handle("GET", "/v1/applications/{id}", Access::kSignedIn,
         signed_in([load](const Actor& actor, const httplib::Request& req,
                          httplib::Response&) -> Result<json> {
           ASSIGN_OR_RETURN(const auto got, load(actor, std::string(req.matches[1]), req));
           return DocumentJson(got.first, got.second, actor);
         }));

  Handle("POST", "/v1/applications/{id}/actions", Access::kSignedIn,
         signed_in([this, audit, load](const Actor& actor, const httplib::Request& req,
                                       httplib::Response&) -> Result<json> {
           const std::string id(req.matches[1]);
           std::string action_name = "action";  // until the body names one
           json detail = json::object();
           // Every attempt is audited, refused ones too.
           Result<json> out = [&]() -> Result<json> {
             ASSIGN_OR_RETURN(
                 const json body,
                 ApplicationBody(req, {"action", "comment", "version", "content", "vote",
                                       "contract", "site", "dataset", "expiry", "feasibility"}));
             if (!body.contains("action") || !body["action"].is_string()) {
               return InvalidArgument("'action' is required (a string such as \"submit\")");
             }
             ASSIGN_OR_RETURN(const Action action, ParseAction(body["action"].get<std::string>()));
             action_name = std::string(ActionName(action));
             if (body.contains("feasibility")) {
               return InvalidArgument(
                   "the feasibility counts are computed by the hub from the application's "
                   "cohorts; send record_feasibility without counts");
             }
             if (!body.contains("version") || !body["version"].is_number_integer()) {
               return InvalidArgument(
                   "'version' is required: the version of the application you read "
                   "(GET /v1/applications/" +
                   id + ")");
             }
             const int64_t expected = body["version"].get<int64_t>();
             ASSIGN_OR_RETURN(std::string comment, OptionalString(body, "comment"));
             ASSIGN_OR_RETURN(ActionPayload payload, PayloadFrom(body));
             ASSIGN_OR_RETURN(auto got, load(actor, id, req));
             auto& [app, version] = got;
             detail["from"] = ApplicationStateName(app.state);
             detail["version"] = version;
             if (expected != version) {
               return FailedPrecondition(
                   "application " + id + " is at version " + std::to_string(version) + ", not " +
                   std::to_string(expected) + ": it was changed by someone else; reload it");
             }
             const Timestamp now = NowSeconds();
             if (action == Action::kRecordFeasibility) {
               const std::vector<Action> may = AvailableActions(app, actor);
               // Only when the actor may take the action does the hub run queries for it; else
               // Apply below refuses it with the reason.
               if (std::find(may.begin(), may.end(), action) != may.end()) {
                 ASSIGN_OR_RETURN(payload.feasibility, ComputeFeasibility(*service_, app));
               }
             }
             Application next = app;
             RETURN_IF_ERROR(Apply(next, action, actor, now, comment, payload));
             if (next.kind == ApplicationKind::kDataUse &&
                 (action == Action::kSubmit || action == Action::kAmend)) {
               // Only once the state machine allows the action (role, state, complete
               // content): the intended use against every requested dataset's current
               // registered conditions. A dataset that denies it, or one that is not
               // registered, refuses the action (InvalidArgument naming each, audited below).
               const ApplicationContent& proposed =
                   action == Action::kAmend && next.pending_amendment ? *next.pending_amendment
                                                                      : next.content;
               ASSIGN_OR_RETURN(std::vector<DataUseMatch> matches,
                                workflow::MatchRequestedDatasets(service_->datasets(), proposed));
               const std::string summary = workflow::DataUseMatchSummary(matches);
               detail["data_use"] = summary;
               if (action == Action::kSubmit) {
                 next.data_use_match = std::move(matches);
                 next.history.back().detail = summary;
               }
             }
             workflow::ApplicationRepository repo(&service_->database());
             RETURN_IF_ERROR(repo.Save(next, version));
             detail["to"] = ApplicationStateName(next.state);
             detail["version"] = version + 1;
             if (!next.history.empty() && !next.history.back().detail.empty()) {
               detail["detail"] = next.history.back().detail;
             }
             if (GrantsMayHaveChanged(app, next, now)) service_->GrantsChanged(next);
             return DocumentJson(next, version + 1, actor);
           }();
           audit(actor, action_name, id, out.status(), req, detail);
           return out;
         }));
}

}  // namespace renkei
