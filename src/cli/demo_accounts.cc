#include "cli/demo_accounts.h"

#include <filesystem>

#include "api/hub_schema.h"
#include "audit/audit_log.h"
#include "db/database.h"
#include "identity/accounts.h"
#include "identity/totp.h"

namespace renkei {

Result<std::vector<DemoAccount>> SeedDemoAccounts(const std::string& database_path,
                                                  const std::string& secret_key,
                                                  const std::string& password) {
  // Each demo run makes a new hub key, so an earlier run's audit log could not be verified:
  // the database starts afresh.
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(database_path + suffix);
  ASSIGN_OR_RETURN(std::unique_ptr<db::Database> db, db::Database::Open(database_path));
  RETURN_IF_ERROR(db::Migrate(*db, HubMigrations()));
  ASSIGN_OR_RETURN(std::unique_ptr<audit::AuditLog> log,
                   audit::AuditLog::Create(db.get(), secret_key));
  identity::Accounts accounts(db.get(), log.get());
  struct Seed {
    const char* email;
    const char* name;
    const char* role;  // besides researcher
  };
  const Seed seeds[] = {
      {"researcher@demo.renkei.jp", "研究 花子 (researcher)", ""},
      {"secretariat@demo.renkei.jp", "受付 事務局 (secretariat)", "secretariat"},
      {"reviewer1@demo.renkei.jp", "審査 一郎 (reviewer)", "reviewer"},
      {"reviewer2@demo.renkei.jp", "審査 二郎 (reviewer)", "reviewer"},
      {"tohoku-admin@demo.renkei.jp", "東北 管理者 (site administrator, tohoku)",
       "site_admin:tohoku"},
      {"admin@demo.renkei.jp", "基盤 管理者 (platform administrator)", "platform_admin"},
  };
  const auto now = std::chrono::system_clock::now();
  std::vector<DemoAccount> out;
  for (const Seed& s : seeds) {
    ASSIGN_OR_RETURN(
        const identity::User u,
        accounts.CreateUser({s.email, s.name, "renkei demo", "academic", password}, "system", now));
    DemoAccount a{s.email, *s.role ? s.role : "researcher", password, "", "", ""};
    if (*s.role) {
      ASSIGN_OR_RETURN(const identity::RoleGrant role, identity::ParseRole(s.role));
      RETURN_IF_ERROR(accounts.GrantRole(u.id, role, "system", now));
      ASSIGN_OR_RETURN(const identity::TotpEnrolment e, accounts.BeginTotp(u.id, now));
      ASSIGN_OR_RETURN(const std::string secret, identity::Base32Decode(e.secret_base32));
      // The previous step's code (accepted for clock skew), so that the code an authenticator
      // app shows right after the demo starts is still unused.
      const int64_t unix_now =
          std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
      ASSIGN_OR_RETURN(const std::string code, identity::TotpCode(secret, unix_now - 30));
      ASSIGN_OR_RETURN(const std::vector<std::string> recovery,
                       accounts.ConfirmTotp(u.id, code, now));
      a.totp_secret = e.secret_base32;
      a.recovery_code = recovery.at(0);
      a.spare_recovery_code = recovery.at(1);
    }
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace renkei
