#include "api/hub_schema.h"

#include "audit/audit_log.h"
#include "audit/usage.h"
#include "identity/accounts.h"
#include "identity/oidc_client.h"
#include "identity/oidc_provider.h"
#include "workflow/dataset_registry.h"
#include "workflow/repository.h"

namespace renkei {

std::span<const db::Migration> HubMigrations() {
  static const db::Migration kMigrations[] = {
      {1, "audit log", audit::kSchemaSql},
      {2, "accounts, sessions and API tokens", identity::kSchemaSql},
      {3, "applications", workflow::kSchemaSql},
      {4, "OpenID Connect", identity::kOidcSchemaSql},
      {5, "external identity providers", identity::kExternalIdpSchemaSql},
      {6, "registered datasets (metadata registration)", workflow::kDatasetsSchemaSql},
      {7, "usage roll-up", audit::kUsageRollupSchemaSql},
  };
  return kMigrations;
}

}  // namespace renkei
