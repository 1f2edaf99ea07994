// The demo's applications: a few data-use applications in different states, so a newcomer sees
// the workflow at every step (docs/applications.md).
#pragma once

#include <httplib.h>

#include <string>
#include <vector>

#include "cli/demo_accounts.h"
#include "common/status.h"

namespace renkei {

struct DemoApplication {
  std::string id;
  std::string state;
  std::string title;
  std::string note;  // what it shows ("with two votes", …)
};

// Adds to the hub database at `database_path` (seeded by SeedDemoAccounts, so the accounts
// exist) the five demo datasets' registrations — version 1 of tmm-tohoku, bbj-imsut, ncbn-ncgm,
// ncbn-ncc and ncbn-nig, each with its DUO data-use conditions and its store's samples
// (`stores_dir`/<site>, by default the "stores" directory beside the database), marked applied
// at the node — and four data-use applications of the demo researcher, built through the
// workflow's repository and state machine as the demo's staff accounts: a draft; a submitted
// one (its feasibility counts are computed later by RecordDemoFeasibility, through the running
// hub); one under review with a vote; one granted at tohoku. Submitted ones carry their match
// against the datasets' conditions (workflow/data_use_match.h), as the hub records it.
// `secret_key` signs the audit log. Returns the applications in that order. Errors: NotFound
// if a demo account or a site's store is missing; the database's, the registry's and the state
// machine's errors (a seeding bug). Not thread-safe with other writers.
Result<std::vector<DemoApplication>> SeedDemoApplications(const std::string& database_path,
                                                          const std::string& secret_key,
                                                          std::string stores_dir = "");

// Signs in to the running hub as the demo secretariat (`secretariat`, with a fresh TOTP code)
// and records the feasibility check of application `id`: the hub computes the counts through
// cross-search. Returns the recorded counts as "site cohort: count" lines. Errors: Unavailable
// when the hub does not answer; Internal with the hub's answer when it refuses.
Result<std::vector<std::string>> RecordDemoFeasibility(httplib::Client& hub,
                                                       const DemoAccount& secretariat,
                                                       const std::string& id);

}  // namespace renkei
