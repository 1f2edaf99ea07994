// Persistence of data-use applications (issue 4) in the hub database (db/database.h).
//
// Each application is one row of `applications`: the whole application as its JSON document
// (application.h ToJson), plus the columns that listing needs (kind, applicant, state, title,
// created_at, updated_at) and a version for optimistic concurrency. Two index tables keep the
// people and places an application concerns, so that listing never parses documents:
//   application_members  (application_id, user_id)  the content's listed members
//   application_sites    (application_id, site, requested, site_order, and a copy of
//       updated_at and seq so that a site's list is read in order from one index)  every site the
//       application concerns — requested in its content (requested = 1, in content order),
//       proposed by a pending amendment, or holding a grant — the same sites that let a site
//       administrator read it (access.h).
//
// Ids are human-friendly and assigned in creation order: "APP-000001", "APP-000002", ...
// (six digits, more once past 999999), from a one-row counter, so they are never reused.
//
// "Updated at" is the time of the last history event (created_at if there is none): the
// repository keeps no clock of its own, so what it stores follows the state machine's times.
//
// The repository filters; it does not decide who may read what (that is access.h's job: the
// caller lists with the filters a role implies, and checks CanRead before showing a document).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "db/database.h"
#include "workflow/application.h"
#include "workflow/roles.h"

namespace renkei::workflow {

// The migration that creates the tables above (the hub registers it as version 3). Portable SQL
// (docs/database.md): the tables, their indexes and the id counter's one row.
extern const char* const kSchemaSql;

// One row of a listing, read from columns only. Values; copy freely.
struct ApplicationSummary {
  std::string id;
  ApplicationKind kind = ApplicationKind::kDataUse;
  std::string applicant;
  ApplicationState state = ApplicationState::kDraft;
  std::string title;
  Timestamp updated_at{};
  std::vector<std::string> sites;  // the content's requested sites, in content order
  // Pass as ListFilter::cursor to list the items after this one.
  std::string cursor;
  bool operator==(const ApplicationSummary&) const = default;
};

// What to list. Filters combine with AND; an empty field does not filter.
struct ListFilter {
  std::string applicant;                 // exactly this applicant
  std::string member;                    // listed as a member in the content
  std::string involving;                 // the applicant or a listed member (a user's own list)
  std::vector<ApplicationState> states;  // any of these states
  std::vector<ApplicationKind> kinds;    // any of these kinds
  std::string site;    // concerns this site (requested, proposed by an amendment, or granted)
  int limit = 50;      // 1..kMaxListLimit
  std::string cursor;  // "" for the first page; else a summary's cursor from the page before
};

inline constexpr int kMaxListLimit = 500;

// Stores applications in a Database that holds kSchemaSql's tables.
//
// Thread-safety: thread-safe (every method is one statement or one Database::Transaction;
// concurrent writers to one application are caught by the version check in Save). Errors from
// the database (Unavailable, DataLoss, Internal) are returned as they come, with context.
class ApplicationRepository {
 public:
  // `db` is not owned and must outlive the repository.
  explicit ApplicationRepository(db::Database* db);

  // Starts an application (state_machine.h CreateApplication: a draft, or an open inquiry),
  // assigns it the next id and stores it at version 1. Returns the stored application.
  // Errors: CreateApplication's (PermissionDenied if the actor is not a researcher,
  // InvalidArgument for an invalid inquiry or an empty user id) — nothing is stored then;
  // InvalidArgument if a text is not valid UTF-8 or holds a NUL byte; the database's errors.
  Result<Application> Create(ApplicationKind kind, const Actor& actor, Timestamp now,
                             ApplicationContent content = {});

  // The stored application and its version. Errors: InvalidArgument for an empty id or one
  // longer than 64 bytes; NotFound if no application has this id; DataLoss if the stored
  // document does not parse or names another id; the database's errors.
  Result<std::pair<Application, int64_t>> Get(std::string_view id);

  // Stores `app` (an application read with Get and changed, e.g. by state_machine Apply) if its
  // stored version is still `expected_version`; the version becomes expected_version + 1 and
  // the index tables follow the new content, all in one transaction.
  // Errors: InvalidArgument for an empty id, expected_version < 1, a changed kind, applicant or
  // created_at (these never change), or text that is not valid UTF-8 or holds a NUL byte;
  // NotFound if no application has this id; FailedPrecondition "... changed by someone else;
  // reload" if the stored version differs (nothing is written); the database's errors.
  Status Save(const Application& app, int64_t expected_version);

  // Summaries of the applications that pass `filter`, most recently updated first (ties: the
  // later-created first), at most filter.limit of them, starting after filter.cursor.
  // Paging is by key, not offset: an application updated between two pages moves to the front,
  // so later pages neither repeat it nor skip any other.
  // Errors: InvalidArgument for a limit outside 1..kMaxListLimit, a malformed cursor, or a
  // malformed site id (roles.h ValidateSiteId); DataLoss for an unknown kind or state in a
  // stored row; the database's errors.
  Result<std::vector<ApplicationSummary>> List(const ListFilter& filter);

 private:
  db::Database* db_;
};

// "APP-000123" for 123.
std::string FormatApplicationId(int64_t seq);

}  // namespace renkei::workflow
