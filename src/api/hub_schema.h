// The hub database's schema: every layer's tables as one ordered list of migrations, applied at
// start by the hub and the admin commands (db::Migrate). New tables or changes are appended as
// new versions; a released version is never edited.
#pragma once

#include <span>

#include "db/migrate.h"

namespace renkei {

std::span<const db::Migration> HubMigrations();

}  // namespace renkei
