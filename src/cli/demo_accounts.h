// The demo's accounts: one per role, in a fresh hub database, so a newcomer can walk the whole
// workflow at once.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace renkei {

struct DemoAccount {
  std::string email, role, password;
  std::string totp_secret;    // base32, for an authenticator app ("" if none)
  std::string recovery_code;  // one of its recovery codes ("" if none)
  // Another recovery code, for the demo's own sign-in (never printed): signing in with a TOTP
  // code would use up the code a newcomer's authenticator app shows at the same time.
  std::string spare_recovery_code;
};

// Replaces the hub database at `database_path` (an SQLite file) with a new one holding one
// account per role, all with `password`. Accounts whose roles need a second factor get TOTP,
// whose secret and one recovery code are returned. `secret_key` is the hub's (it signs the
// audit log the accounts' creation is written to).
Result<std::vector<DemoAccount>> SeedDemoAccounts(const std::string& database_path,
                                                  const std::string& secret_key,
                                                  const std::string& password);

}  // namespace renkei
