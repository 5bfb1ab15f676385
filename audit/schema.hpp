// The audit database schema and its forward migrations. `schema_version` holds one row per
// applied migration; opening a store applies the missing ones in order, each in its own
// transaction. Migrations are append-only: a released one is never edited.
#pragma once

#include <sqlite3.h>

#include <optional>
#include <string>

namespace cds::audit {

/// The version this build writes.
inline constexpr int kSchemaVersion = 4;

/// The applied version of `db` (0 for a new, empty database).
[[nodiscard]] std::optional<int> SchemaVersionOf(sqlite3* db, std::string* error = nullptr);

/// Applies migrations up to `target` (default: kSchemaVersion). Refuses a database newer than
/// this build (a downgrade would silently drop columns). Returns the error, if any.
[[nodiscard]] std::optional<std::string> Migrate(sqlite3* db, int target = kSchemaVersion);

}  // namespace cds::audit
