#include "api/hub_schema.h"

#include "audit/audit_log.h"
#include "identity/accounts.h"

namespace renkei {

std::span<const db::Migration> HubMigrations() {
  static const db::Migration kMigrations[] = {
      {1, "audit log", audit::kSchemaSql},
      {2, "accounts, sessions and API tokens", identity::kSchemaSql},
  };
  return kMigrations;
}

}  // namespace renkei
