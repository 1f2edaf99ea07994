#include "api/hub_schema.h"

#include "audit/audit_log.h"

namespace renkei {

std::span<const db::Migration> HubMigrations() {
  static const db::Migration kMigrations[] = {
      {1, "audit log", audit::kSchemaSql},
  };
  return kMigrations;
}

}  // namespace renkei
