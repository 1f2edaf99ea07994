// Applications of the data-use workflow (issue 4) as plain values that a repository can store
// (through the JSON form below) and the state machine (state_machine.h) changes.
//
// Kinds: platform use, whole-genome data use, processing-node use, and inquiries to the
// secretariat. The three application kinds share one flow:
//
//   draft ─submit→ submitted ─forward→ under_review ─decide→ approved ─record_contract→
//     ↑  ←return─┘  (returned ─submit→ submitted)        └─→ rejected
//   contracted ─grant→ granted ─amend→ amendment_review ─decide→ granted
//                         ├─ expire → expired   ├─ revoke → revoked   └─ close → closed
//
// ("under_review" is the "forwarded"; "amendment_review" its "amended": a granted
// application whose amendment is before the committee, grants still in force.) Inquiries have
// their own short flow: open ─answer→ answered ─follow_up→ open; either ─close→ closed.
//
// Times are UTC: Timestamp is whole seconds, Date a calendar day. The use period is the dates
// [period_start, period_end): access ends at 00:00 UTC of period_end.
//
// Values: copy freely; thread-safe as values.
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "workflow/duo.h"
#include "workflow/roles.h"

namespace renkei {

using Timestamp = std::chrono::sys_seconds;
using Date = std::chrono::sys_days;

enum class ApplicationKind { kPlatformUse, kDataUse, kProcessingNodeUse, kInquiry };

// "platform_use", "data_use", "processing_node_use", "inquiry".
std::string_view ApplicationKindName(ApplicationKind kind);
// Parses a kind name (exact). InvalidArgument naming the four otherwise.
Result<ApplicationKind> ParseApplicationKind(std::string_view name);

enum class ApplicationState {
  kDraft,            // being written by the applicant
  kSubmitted,        // with the secretariat for checking
  kReturned,         // returned to the applicant for revision
  kUnderReview,      // forwarded to the data access committee
  kApproved,         // approved by the committee; contract not yet recorded
  kRejected,         // rejected by the committee (final)
  kContracted,       // three-party contract recorded for at least one site
  kGranted,          // access granted (per site and dataset, each with an expiry)
  kAmendmentReview,  // granted; an amendment is before the committee, grants still in force
  kExpired,          // the use period ended (final)
  kRevoked,          // every grant revoked (final)
  kClosed,           // closed or withdrawn (final)
  kOpen,             // inquiry: awaiting the secretariat
  kAnswered,         // inquiry: answered
};

inline constexpr ApplicationState kAllStates[] = {ApplicationState::kDraft,
                                                  ApplicationState::kSubmitted,
                                                  ApplicationState::kReturned,
                                                  ApplicationState::kUnderReview,
                                                  ApplicationState::kApproved,
                                                  ApplicationState::kRejected,
                                                  ApplicationState::kContracted,
                                                  ApplicationState::kGranted,
                                                  ApplicationState::kAmendmentReview,
                                                  ApplicationState::kExpired,
                                                  ApplicationState::kRevoked,
                                                  ApplicationState::kClosed,
                                                  ApplicationState::kOpen,
                                                  ApplicationState::kAnswered};

// "draft", "submitted", "returned", "under_review", "approved", "rejected", "contracted",
// "granted", "amendment_review", "expired", "revoked", "closed", "open", "answered".
std::string_view ApplicationStateName(ApplicationState state);
// Parses a state name (exact). InvalidArgument listing the names otherwise.
Result<ApplicationState> ParseApplicationState(std::string_view name);

enum class OrganisationType { kAcademic, kCompany };
// "academic", "company".
std::string_view OrganisationTypeName(OrganisationType type);

enum class Vote { kNone, kApprove, kReject, kAbstain };
// "none" (a comment without a vote), "approve", "reject", "abstain".
std::string_view VoteName(Vote vote);
// Parses a cast vote: "approve", "reject" or "abstain" ("none" is not a vote).
// InvalidArgument naming the three otherwise.
Result<Vote> ParseVote(std::string_view name);

// A member of the research team (may read the application).
struct Member {
  std::string user_id;
  std::string name;
  bool operator==(const Member&) const = default;
};

// What the applicant writes (edited in draft/returned, proposed again by an amendment).
// Inquiries use `title` and `purpose` (the question) only.
struct ApplicationContent {
  std::string title;
  std::string institution;  // the user institution: a party to the contract
  OrganisationType organisation = OrganisationType::kAcademic;
  std::vector<Member> members;
  std::vector<std::string> datasets;  // requested dataset ids (data use)
  std::vector<std::string> sites;     // requested site ids (data use, processing node use)
  std::string research_plan;
  std::string purpose;
  ResearchPurpose intended_use;  // DUO-coded (data use)
  std::optional<Date> period_start;
  std::optional<Date> period_end;    // exclusive
  std::vector<std::string> cohorts;  // cohort-language expressions for the feasibility check
  bool operator==(const ApplicationContent&) const = default;
};

// A sample count for one cohort at one site, attached by the secretariat's check. The count
// is what the applicant could see: when the privacy guard withheld it, `suppressed` is true and
// `count` is 0 (meaning "not shown", never "none"); when the site did not answer, `unavailable`
// is true and `count` is 0 (meaning "unknown").
struct FeasibilityCount {
  std::string site;
  int cohort = 0;  // index into content.cohorts
  int64_t count = 0;
  bool suppressed = false;   // withheld by the privacy guard at the applicant's tier
  bool unavailable = false;  // the site did not answer
  bool operator==(const FeasibilityCount&) const = default;
};

// A reviewer's comment (vote kNone) or vote, in a review round (1 = the first review, +1 per
// amendment). A reviewer has at most one vote per round: a second vote replaces the first.
struct Review {
  std::string reviewer;
  std::string comment;
  Vote vote = Vote::kNone;
  Timestamp time{};
  int round = 0;
  bool operator==(const Review&) const = default;
};

struct ContractParty {
  std::string name;
  std::optional<Date> signed_on;
  bool operator==(const ContractParty&) const = default;
};

// The three-party contract for one site: the user institution, the data-providing site and
// the platform operator.
struct Contract {
  std::string site;
  ContractParty user_institution;
  ContractParty providing_site;
  ContractParty platform_operator;
  std::string document_ref;  // where the signed document is kept
  Timestamp recorded_at{};
  bool operator==(const Contract&) const = default;
};

// Access to one dataset at one site (data use), to a site's processing node (dataset empty),
// or to the platform (platform use: site and dataset empty), until `expiry`.
struct Grant {
  std::string site;
  std::string dataset;
  Timestamp expiry{};
  std::string granted_by;
  Timestamp granted_at{};
  std::optional<Timestamp> revoked_at;
  std::string revoked_by;
  bool operator==(const Grant&) const = default;
};

// One successful action. `role` is the role that authorised it (nullopt for the system, e.g.
// expiry); `detail` is a machine-written summary ("approved 2-1", "grant tohoku/ds1 until …").
struct HistoryEvent {
  std::string actor;
  std::optional<RoleGrant> role;
  ApplicationState from = ApplicationState::kDraft;
  ApplicationState to = ApplicationState::kDraft;
  std::string action;
  std::string comment;
  std::string detail;
  Timestamp time{};
  bool operator==(const HistoryEvent&) const = default;
};

// The match of an application's intended use against one requested dataset's registered
// data-use conditions (duo.h MatchDataUse), recorded when the application is submitted
// (data_use_match.h). A denied match refuses the submission, so a stored match is allowed or
// needs review.
struct DataUseMatch {
  std::string dataset;
  int64_t dataset_version = 0;  // the registered version whose conditions were matched
  DuoDecision decision = DuoDecision::kAllowed;
  std::vector<std::string> reasons;  // kDenied: one sentence per failed check
  std::vector<DuoModifier> review;   // kNeedsReview: requirement modifiers for the committee
  bool operator==(const DataUseMatch&) const = default;
};

struct Application {
  std::string id;
  ApplicationKind kind = ApplicationKind::kDataUse;
  std::string applicant;  // user id
  ApplicationState state = ApplicationState::kDraft;
  ApplicationContent content;
  std::vector<FeasibilityCount> feasibility;
  int review_round = 0;
  std::vector<Review> reviews;
  std::vector<std::string> conflicts;  // reviewer ids with a declared conflict of interest
  std::vector<Contract> contracts;     // at most one per site
  std::vector<Grant> grants;
  std::optional<ApplicationContent> pending_amendment;  // in kAmendmentReview
  // Data use: per requested dataset, in content order, the match made at the last submission
  // (empty before the first; replaced on each re-submission).
  std::vector<DataUseMatch> data_use_match;
  std::vector<HistoryEvent> history;
  Timestamp created_at{};
  bool operator==(const Application&) const = default;
};

// Limits checked at submission.
struct ValidationLimits {
  int max_title_chars = 200;  // Unicode characters
  int max_purpose_chars = 4000;
  int max_plan_chars = 50000;
  int max_members = 100;
  int max_period_years = 5;  // period_end <= period_start + 5 years
  int max_cohorts = 20;
};

// Checks content for submission (or an amendment) of `kind`. Required for every kind: title
// (1..max_title_chars, no control characters), institution, purpose, period_start and
// period_end with end after start and at most max_period_years later; members with distinct,
// non-empty user ids. Data use also needs datasets, sites, research_plan, a valid intended_use
// (duo.h ValidatePurpose; a company applicant must declare for_profit_organisation) and cohort
// expressions that parse in the cohort language. Processing node use needs sites and
// research_plan and takes no datasets; platform use takes neither sites nor datasets.
// Inquiries need only title and purpose (the question). Site and dataset ids follow
// ValidateSiteId's syntax, each at most once.
// Returns InvalidArgument listing every problem, each naming its field ("title: required;
// period_end: must be after period_start 2025-04-01"), or OK.
Status Validate(const ApplicationContent& content, ApplicationKind kind,
                const ValidationLimits& limits = {});

// The JSON form of an application (every field; times "YYYY-MM-DDTHH:MM:SSZ", dates
// "YYYY-MM-DD", enums by name, role grants as "site_admin:tohoku", absent optionals null).
// data_use_match entries are {"dataset", "dataset_version", "decision" (DuoDecisionName),
// "reasons": [...], "review": [{"term", "shorthand", "label", "parameter"}]} (shorthand and
// label are for readers and ignored on input).
nlohmann::json ToJson(const Application& application);
nlohmann::json ToJson(const ApplicationContent& content);

// Parses ToJson's form; missing optional fields take their defaults. InvalidArgument naming
// the field path ("application.grants[0].expiry: malformed time ...") on any type or enum
// error. Does not run Validate (drafts may be incomplete). ApplicationFromJson(ToJson(a)) == a.
Result<Application> ApplicationFromJson(const nlohmann::json& json);
Result<ApplicationContent> ContentFromJson(const nlohmann::json& json,
                                           std::string path = "content");

}  // namespace renkei
