#pragma once
// Numbered schema migrations; each runs once, in order, inside its own transaction.

#include "bot/core/expected.hpp"

namespace SQLite {
class Database;
}

namespace steward::store {

/// Brings the schema to the newest version. kInternal naming the migration that failed.
/// @par Blocking.
[[nodiscard]] Expected<void> migrate(SQLite::Database& db);
/// The newest schema version this build knows.
int latest_schema_version() noexcept;

}  // namespace steward::store
