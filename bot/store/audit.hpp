#pragma once
// The hash-chained audit log: verification and causal traces.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bot/core/expected.hpp"

namespace SQLite {
class Database;
}

namespace steward::store {

/// One stored audit row.
struct AuditRow {
  std::int64_t seq = 0;
  std::int64_t at = 0;  ///< unix ms
  std::string kind, event_id, action_id, approval_id, actor;
  std::string data;  ///< JSON text
  std::string prev_hash, hash;
};

/// Lower-case hex SHA-256.
std::string sha256_hex(std::string_view data);
/// The canonical serialisation an entry's hash covers (every column but the hashes, fixed order).
std::string audit_canonical(const AuditRow& row);
/// SHA-256(prev_hash ‖ canonical(row)) in hex.
std::string audit_hash(std::string_view prev_hash, const AuditRow& row);

/// Outcome of verifying the chain.
struct AuditVerdict {
  bool ok = true;
  std::int64_t entries = 0;
  std::optional<std::int64_t> first_bad_seq;  ///< the first entry that does not verify
  std::string problem;                        ///< what is wrong with it
};

/// Recomputes the whole chain. Detects an edited, removed, inserted or reordered row.
/// @par Blocking. Errors: kInternal on SQLite failure.
[[nodiscard]] Expected<AuditVerdict> verify_audit(SQLite::Database& db);

/// Every audit row related to `id` (an event, action or approval id), following the causal
/// links event → actions → approvals, in chain order.
[[nodiscard]] Expected<std::vector<AuditRow>> trace_audit(SQLite::Database& db,
                                                          std::string_view id);

}  // namespace steward::store
