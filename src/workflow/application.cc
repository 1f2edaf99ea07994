#include "workflow/application.h"

#include <algorithm>
#include <set>

#include "cohort/cohort.h"
#include "workflow/json_fields.h"

namespace renkei {

namespace {

using workflow_json::Fields;
using workflow_json::FormatDate;
using workflow_json::FormatTime;

// Unicode characters in UTF-8 text (continuation bytes not counted).
size_t CharCount(std::string_view s) {
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

bool Blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
}

bool HasControl(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

std::string FirstLine(const std::string& s) { return s.substr(0, s.find('\n')); }

class Problems {
 public:
  void Add(std::string field, std::string message) {
    list_.push_back(std::move(field) + ": " + std::move(message));
  }
  void Text(const char* field, std::string_view value, int max_chars, bool required) {
    if (Blank(value)) {
      if (required) Add(field, "required");
      return;
    }
    size_t n = CharCount(value);
    if (n > static_cast<size_t>(max_chars)) {
      Add(field,
          "at most " + std::to_string(max_chars) + " characters (got " + std::to_string(n) + ")");
    }
  }
  void Ids(const char* field, const std::vector<std::string>& ids, bool required, bool allowed,
           std::string_view kind_name) {
    if (!allowed) {
      if (!ids.empty()) Add(field, std::string(kind_name) + " applications take none");
      return;
    }
    if (ids.empty()) {
      if (required) Add(field, "at least one required");
      return;
    }
    std::set<std::string_view> seen;
    for (size_t i = 0; i < ids.size(); ++i) {
      std::string name = std::string(field) + "[" + std::to_string(i) + "]";
      if (!ValidateSiteId(ids[i]).ok()) {
        Add(name, "malformed id '" + ids[i] + "'; use 1-64 characters of a-z, 0-9, '_' and '-'");
      } else if (!seen.insert(ids[i]).second) {
        Add(name, "'" + ids[i] + "' listed twice");
      }
    }
  }
  Status ToStatus() const {
    if (list_.empty()) return Status::Ok();
    std::string message;
    for (const std::string& p : list_) message += (message.empty() ? "" : "; ") + p;
    return InvalidArgument(message);
  }

 private:
  std::vector<std::string> list_;
};

Date AddYears(Date d, int years) {
  std::chrono::year_month_day ymd(d);
  std::chrono::year_month_day out = ymd + std::chrono::years(years);
  if (!out.ok()) out = out.year() / out.month() / std::chrono::last;  // 29 Feb → 28 Feb
  return Date(out);
}

template <typename E, size_t N>
bool ParseEnum(Fields& f, const char* key, const E (&values)[N], std::string_view (*name)(E),
               E& out, bool required) {
  std::string text = f.String(key, required);
  if (!f.ok() || text.empty()) return false;
  for (E v : values) {
    if (name(v) == text) {
      out = v;
      return true;
    }
  }
  std::string list;
  for (E v : values) list += (list.empty() ? "" : ", ") + std::string(name(v));
  f.Fail(key, "unknown value '" + text + "'; use one of " + list);
  return false;
}

constexpr ApplicationKind kKinds[] = {ApplicationKind::kPlatformUse, ApplicationKind::kDataUse,
                                      ApplicationKind::kProcessingNodeUse,
                                      ApplicationKind::kInquiry};
constexpr OrganisationType kOrganisations[] = {OrganisationType::kAcademic,
                                               OrganisationType::kCompany};
constexpr Vote kVotes[] = {Vote::kNone, Vote::kApprove, Vote::kReject, Vote::kAbstain};
constexpr DuoDecision kDecisions[] = {DuoDecision::kAllowed, DuoDecision::kDenied,
                                      DuoDecision::kNeedsReview};

nlohmann::json DateJson(const std::optional<Date>& d) {
  return d ? nlohmann::json(FormatDate(*d)) : nlohmann::json(nullptr);
}

// Reads an array field of objects with `read(item_fields, out_element)`.
template <typename T, typename ReadFn>
std::vector<T> ReadArray(Fields& f, const char* key, ReadFn read) {
  std::vector<T> out;
  const nlohmann::json* array = f.Array(key);
  if (array == nullptr) return out;
  for (size_t i = 0; i < array->size() && f.ok(); ++i) {
    Fields item((*array)[i], f.PathOf(std::string(key) + "[" + std::to_string(i) + "]"));
    T value{};
    read(item, value);
    f.Adopt(item.status());
    out.push_back(std::move(value));
  }
  return out;
}

nlohmann::json PartyJson(const ContractParty& p) {
  return {{"name", p.name}, {"signed_on", DateJson(p.signed_on)}};
}

ContractParty ReadParty(Fields& f, const char* key) {
  ContractParty p;
  if (const nlohmann::json* j = f.Object(key)) {
    Fields pf(*j, f.PathOf(key));
    p.name = pf.String("name");
    p.signed_on = pf.Date("signed_on", false);
    f.Adopt(pf.status());
  }
  return p;
}

}  // namespace

std::string_view ApplicationKindName(ApplicationKind kind) {
  switch (kind) {
    case ApplicationKind::kPlatformUse:
      return "platform_use";
    case ApplicationKind::kDataUse:
      return "data_use";
    case ApplicationKind::kProcessingNodeUse:
      return "processing_node_use";
    case ApplicationKind::kInquiry:
      return "inquiry";
  }
  return "unknown";
}

Result<ApplicationKind> ParseApplicationKind(std::string_view name) {
  for (ApplicationKind k : kKinds) {
    if (ApplicationKindName(k) == name) return k;
  }
  return InvalidArgument("unknown application kind '" + std::string(name) +
                         "'; use one of platform_use, data_use, processing_node_use, inquiry");
}

std::string_view ApplicationStateName(ApplicationState state) {
  switch (state) {
    case ApplicationState::kDraft:
      return "draft";
    case ApplicationState::kSubmitted:
      return "submitted";
    case ApplicationState::kReturned:
      return "returned";
    case ApplicationState::kUnderReview:
      return "under_review";
    case ApplicationState::kApproved:
      return "approved";
    case ApplicationState::kRejected:
      return "rejected";
    case ApplicationState::kContracted:
      return "contracted";
    case ApplicationState::kGranted:
      return "granted";
    case ApplicationState::kAmendmentReview:
      return "amendment_review";
    case ApplicationState::kExpired:
      return "expired";
    case ApplicationState::kRevoked:
      return "revoked";
    case ApplicationState::kClosed:
      return "closed";
    case ApplicationState::kOpen:
      return "open";
    case ApplicationState::kAnswered:
      return "answered";
  }
  return "unknown";
}

Result<ApplicationState> ParseApplicationState(std::string_view name) {
  std::string list;
  for (ApplicationState s : kAllStates) {
    if (ApplicationStateName(s) == name) return s;
    list += (list.empty() ? "" : ", ") + std::string(ApplicationStateName(s));
  }
  return InvalidArgument("unknown application state '" + std::string(name) + "'; use one of " +
                         list);
}

std::string_view OrganisationTypeName(OrganisationType type) {
  return type == OrganisationType::kCompany ? "company" : "academic";
}

std::string_view VoteName(Vote vote) {
  switch (vote) {
    case Vote::kNone:
      return "none";
    case Vote::kApprove:
      return "approve";
    case Vote::kReject:
      return "reject";
    case Vote::kAbstain:
      return "abstain";
  }
  return "unknown";
}

Result<Vote> ParseVote(std::string_view name) {
  for (Vote v : {Vote::kApprove, Vote::kReject, Vote::kAbstain}) {
    if (VoteName(v) == name) return v;
  }
  return InvalidArgument("unknown vote '" + std::string(name) +
                         "'; use one of approve, reject, abstain");
}

Status Validate(const ApplicationContent& c, ApplicationKind kind, const ValidationLimits& limits) {
  Problems p;
  p.Text("title", c.title, limits.max_title_chars, true);
  if (HasControl(c.title)) p.Add("title", "must not contain control characters (a single line)");
  if (kind == ApplicationKind::kInquiry) {
    p.Text("purpose", c.purpose, limits.max_purpose_chars, true);
    return p.ToStatus();
  }
  std::string_view kind_name = ApplicationKindName(kind);
  bool data = kind == ApplicationKind::kDataUse;
  bool node = kind == ApplicationKind::kProcessingNodeUse;

  p.Text("institution", c.institution, limits.max_title_chars, true);
  p.Text("purpose", c.purpose, limits.max_purpose_chars, true);
  p.Text("research_plan", c.research_plan, limits.max_plan_chars, data || node);

  if (c.members.size() > static_cast<size_t>(limits.max_members)) {
    p.Add("members", "at most " + std::to_string(limits.max_members) + " (got " +
                         std::to_string(c.members.size()) + ")");
  }
  std::set<std::string_view> member_ids;
  for (size_t i = 0; i < c.members.size(); ++i) {
    std::string field = "members[" + std::to_string(i) + "].user_id";
    if (Blank(c.members[i].user_id)) {
      p.Add(field, "required");
    } else if (!member_ids.insert(c.members[i].user_id).second) {
      p.Add(field, "'" + c.members[i].user_id + "' listed twice");
    }
  }

  p.Ids("datasets", c.datasets, data, data, kind_name);
  p.Ids("sites", c.sites, data || node, data || node, kind_name);

  if (!c.period_start) p.Add("period_start", "required");
  if (!c.period_end) p.Add("period_end", "required");
  if (c.period_start && c.period_end) {
    if (*c.period_end <= *c.period_start) {
      p.Add("period_end", "must be after period_start " + FormatDate(*c.period_start));
    } else if (*c.period_end > AddYears(*c.period_start, limits.max_period_years)) {
      p.Add("period_end", "the period may last at most " + std::to_string(limits.max_period_years) +
                              " years (until " +
                              FormatDate(AddYears(*c.period_start, limits.max_period_years)) + ")");
    }
  }

  if (data) {
    if (Status s = ValidatePurpose(c.intended_use); !s.ok()) {
      p.Add("intended_use." + s.message().substr(0, s.message().find(':')),
            s.message().substr(s.message().find(':') + 2));
    }
    if (c.organisation == OrganisationType::kCompany && !c.intended_use.for_profit_organisation) {
      p.Add("intended_use.for_profit_organisation", "must be true for a company applicant");
    }
    if (c.cohorts.size() > static_cast<size_t>(limits.max_cohorts)) {
      p.Add("cohorts", "at most " + std::to_string(limits.max_cohorts) + " (got " +
                           std::to_string(c.cohorts.size()) + ")");
    }
    for (size_t i = 0; i < c.cohorts.size(); ++i) {
      std::string field = "cohorts[" + std::to_string(i) + "]";
      Result<Cohort> cohort = Cohort::Parse(c.cohorts[i]);
      if (!cohort.ok()) {
        p.Add(field, FirstLine(cohort.status().message()));
      } else if (cohort->NamesSamples()) {
        p.Add(field, "a feasibility cohort is defined by attributes, not sample ids");
      }
    }
  } else if (!c.cohorts.empty()) {
    p.Add("cohorts", std::string(kind_name) + " applications take none");
  }
  return p.ToStatus();
}

nlohmann::json ToJson(const ApplicationContent& c) {
  nlohmann::json members = nlohmann::json::array();
  for (const Member& m : c.members) members.push_back({{"user_id", m.user_id}, {"name", m.name}});
  return {{"title", c.title},
          {"institution", c.institution},
          {"organisation", OrganisationTypeName(c.organisation)},
          {"members", std::move(members)},
          {"datasets", c.datasets},
          {"sites", c.sites},
          {"research_plan", c.research_plan},
          {"purpose", c.purpose},
          {"intended_use", ToJson(c.intended_use)},
          {"period_start", DateJson(c.period_start)},
          {"period_end", DateJson(c.period_end)},
          {"cohorts", c.cohorts}};
}

nlohmann::json ToJson(const Application& a) {
  nlohmann::json feasibility = nlohmann::json::array();
  for (const FeasibilityCount& f : a.feasibility) {
    feasibility.push_back({{"site", f.site},
                           {"cohort", f.cohort},
                           {"count", f.count},
                           {"suppressed", f.suppressed},
                           {"unavailable", f.unavailable}});
  }
  nlohmann::json reviews = nlohmann::json::array();
  for (const Review& r : a.reviews) {
    reviews.push_back({{"reviewer", r.reviewer},
                       {"comment", r.comment},
                       {"vote", VoteName(r.vote)},
                       {"time", FormatTime(r.time)},
                       {"round", r.round}});
  }
  nlohmann::json contracts = nlohmann::json::array();
  for (const Contract& c : a.contracts) {
    contracts.push_back({{"site", c.site},
                         {"user_institution", PartyJson(c.user_institution)},
                         {"providing_site", PartyJson(c.providing_site)},
                         {"platform_operator", PartyJson(c.platform_operator)},
                         {"document_ref", c.document_ref},
                         {"recorded_at", FormatTime(c.recorded_at)}});
  }
  nlohmann::json grants = nlohmann::json::array();
  for (const Grant& g : a.grants) {
    grants.push_back({{"site", g.site},
                      {"dataset", g.dataset},
                      {"expiry", FormatTime(g.expiry)},
                      {"granted_by", g.granted_by},
                      {"granted_at", FormatTime(g.granted_at)},
                      {"revoked_at", g.revoked_at ? nlohmann::json(FormatTime(*g.revoked_at))
                                                  : nlohmann::json(nullptr)},
                      {"revoked_by", g.revoked_by}});
  }
  nlohmann::json matches = nlohmann::json::array();
  for (const DataUseMatch& m : a.data_use_match) {
    nlohmann::json review = nlohmann::json::array();
    for (const DuoModifier& r : m.review) {
      const DuoTerm* term = FindDuoTerm(r.term);
      review.push_back({{"term", r.term},
                        {"shorthand", term != nullptr ? term->shorthand : ""},
                        {"label", term != nullptr ? term->label : ""},
                        {"parameter", r.parameter}});
    }
    matches.push_back({{"dataset", m.dataset},
                       {"dataset_version", m.dataset_version},
                       {"decision", DuoDecisionName(m.decision)},
                       {"reasons", m.reasons},
                       {"review", std::move(review)}});
  }
  nlohmann::json history = nlohmann::json::array();
  for (const HistoryEvent& e : a.history) {
    history.push_back(
        {{"actor", e.actor},
         {"role", e.role ? nlohmann::json(FormatRoleGrant(*e.role)) : nlohmann::json(nullptr)},
         {"from", ApplicationStateName(e.from)},
         {"to", ApplicationStateName(e.to)},
         {"action", e.action},
         {"comment", e.comment},
         {"detail", e.detail},
         {"time", FormatTime(e.time)}});
  }
  return {{"id", a.id},
          {"kind", ApplicationKindName(a.kind)},
          {"applicant", a.applicant},
          {"state", ApplicationStateName(a.state)},
          {"content", ToJson(a.content)},
          {"feasibility", std::move(feasibility)},
          {"review_round", a.review_round},
          {"reviews", std::move(reviews)},
          {"conflicts", a.conflicts},
          {"contracts", std::move(contracts)},
          {"grants", std::move(grants)},
          {"pending_amendment",
           a.pending_amendment ? ToJson(*a.pending_amendment) : nlohmann::json(nullptr)},
          {"data_use_match", std::move(matches)},
          {"history", std::move(history)},
          {"created_at", FormatTime(a.created_at)}};
}

Result<ApplicationContent> ContentFromJson(const nlohmann::json& json, std::string path) {
  Fields f(json, path);
  ApplicationContent c;
  c.title = f.String("title");
  c.institution = f.String("institution");
  ParseEnum(f, "organisation", kOrganisations, OrganisationTypeName, c.organisation, false);
  c.members = ReadArray<Member>(f, "members", [](Fields& m, Member& out) {
    out.user_id = m.String("user_id", true);
    out.name = m.String("name");
  });
  c.datasets = f.Strings("datasets");
  c.sites = f.Strings("sites");
  c.research_plan = f.String("research_plan");
  c.purpose = f.String("purpose");
  if (const nlohmann::json* use = f.Object("intended_use")) {
    Result<ResearchPurpose> purpose = PurposeFromJson(*use, f.PathOf("intended_use"));
    if (purpose.ok()) {
      c.intended_use = *purpose;
    } else {
      f.Adopt(purpose.status());
    }
  }
  c.period_start = f.Date("period_start", false);
  c.period_end = f.Date("period_end", false);
  c.cohorts = f.Strings("cohorts");
  if (!f.ok()) return f.status();
  return c;
}

Result<Application> ApplicationFromJson(const nlohmann::json& json) {
  Fields f(json, "application");
  Application a;
  a.id = f.String("id", true);
  ParseEnum(f, "kind", kKinds, ApplicationKindName, a.kind, true);
  a.applicant = f.String("applicant", true);
  ParseEnum(f, "state", kAllStates, ApplicationStateName, a.state, true);
  if (const nlohmann::json* content = f.Object("content", true)) {
    Result<ApplicationContent> c = ContentFromJson(*content, f.PathOf("content"));
    if (c.ok()) {
      a.content = std::move(c).value();
    } else {
      f.Adopt(c.status());
    }
  }
  a.feasibility =
      ReadArray<FeasibilityCount>(f, "feasibility", [](Fields& x, FeasibilityCount& out) {
        out.site = x.String("site", true);
        out.cohort = static_cast<int>(x.Int("cohort", 0, 0, 1000000));
        out.count = x.Int("count", 0, 0, INT64_MAX);
        out.suppressed = x.Bool("suppressed", false);
        out.unavailable = x.Bool("unavailable", false);
      });
  a.review_round = static_cast<int>(f.Int("review_round", 0, 0, 1000000));
  a.reviews = ReadArray<Review>(f, "reviews", [](Fields& x, Review& out) {
    out.reviewer = x.String("reviewer", true);
    out.comment = x.String("comment");
    ParseEnum(x, "vote", kVotes, VoteName, out.vote, false);
    out.time = x.Time("time", true).value_or(Timestamp{});
    out.round = static_cast<int>(x.Int("round", 0, 0, 1000000));
  });
  a.conflicts = f.Strings("conflicts");
  a.contracts = ReadArray<Contract>(f, "contracts", [](Fields& x, Contract& out) {
    out.site = x.String("site");
    out.user_institution = ReadParty(x, "user_institution");
    out.providing_site = ReadParty(x, "providing_site");
    out.platform_operator = ReadParty(x, "platform_operator");
    out.document_ref = x.String("document_ref");
    out.recorded_at = x.Time("recorded_at", true).value_or(Timestamp{});
  });
  a.grants = ReadArray<Grant>(f, "grants", [](Fields& x, Grant& out) {
    out.site = x.String("site");
    out.dataset = x.String("dataset");
    out.expiry = x.Time("expiry", true).value_or(Timestamp{});
    out.granted_by = x.String("granted_by");
    out.granted_at = x.Time("granted_at", true).value_or(Timestamp{});
    out.revoked_at = x.Time("revoked_at", false);
    out.revoked_by = x.String("revoked_by");
  });
  if (const nlohmann::json* pending = f.Object("pending_amendment")) {
    Result<ApplicationContent> c = ContentFromJson(*pending, f.PathOf("pending_amendment"));
    if (c.ok()) {
      a.pending_amendment = std::move(c).value();
    } else {
      f.Adopt(c.status());
    }
  }
  a.data_use_match = ReadArray<DataUseMatch>(f, "data_use_match", [](Fields& x, DataUseMatch& out) {
    out.dataset = x.String("dataset", true);
    out.dataset_version = x.Int("dataset_version", 0, 0, INT64_MAX);
    ParseEnum(x, "decision", kDecisions, DuoDecisionName, out.decision, true);
    out.reasons = x.Strings("reasons");
    out.review = ReadArray<DuoModifier>(x, "review", [](Fields& r, DuoModifier& m) {
      m.term = r.String("term", true);
      if (r.ok() && FindDuoTerm(m.term) == nullptr) {
        r.Fail("term", "unknown DUO term '" + m.term + "'");
      }
      m.parameter = r.String("parameter");
    });
  });
  a.history = ReadArray<HistoryEvent>(f, "history", [](Fields& x, HistoryEvent& out) {
    out.actor = x.String("actor", true);
    std::string role = x.String("role");
    if (x.ok() && !role.empty()) {
      Result<RoleGrant> grant = ParseRoleGrant(role);
      if (grant.ok()) {
        out.role = *grant;
      } else {
        x.Fail("role", grant.status().message());
      }
    }
    ParseEnum(x, "from", kAllStates, ApplicationStateName, out.from, true);
    ParseEnum(x, "to", kAllStates, ApplicationStateName, out.to, true);
    out.action = x.String("action", true);
    out.comment = x.String("comment");
    out.detail = x.String("detail");
    out.time = x.Time("time", true).value_or(Timestamp{});
  });
  a.created_at = f.Time("created_at", true).value_or(Timestamp{});
  if (!f.ok()) return f.status();
  return a;
}

}  // namespace renkei
