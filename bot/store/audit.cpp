#include "bot/store/audit.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <set>

#include "bot/store/sql_util.hpp"

namespace steward::store {

std::string audit_canonical(const AuditRow& row) {
  // Insertion order of boost::json::object is preserved, so this text is stable.
  boost::json::object o;
  o["seq"] = row.seq;
  o["at"] = row.at;
  o["kind"] = row.kind;
  o["event_id"] = row.event_id;
  o["action_id"] = row.action_id;
  o["approval_id"] = row.approval_id;
  o["actor"] = row.actor;
  o["data"] = row.data;
  return boost::json::serialize(o);
}

std::string audit_hash(std::string_view prev_hash, const AuditRow& row) {
  std::string input(prev_hash);
  input += audit_canonical(row);
  return sha256_hex(input);
}

namespace {
AuditRow read_row(SQLite::Statement& q) {
  AuditRow r;
  detail::read_columns(q, 0, r.seq, r.at, r.kind, r.event_id, r.action_id, r.approval_id, r.actor,
                       r.data, r.prev_hash, r.hash);
  return r;
}
constexpr const char* kColumns =
    "seq, at, kind, event_id, action_id, approval_id, actor, data, prev_hash, hash";
}  // namespace

[[nodiscard]] Expected<AuditVerdict> verify_audit(SQLite::Database& db) {
  try {
    AuditVerdict v;
    std::string prev(64, '0');
    std::int64_t expected_seq = 1;
    SQLite::Statement q(db, std::string("SELECT ") + kColumns + " FROM audit ORDER BY seq");
    while (q.executeStep()) {
      AuditRow row = read_row(q);
      ++v.entries;
      auto bad = [&](std::string problem) {
        v.ok = false;
        v.first_bad_seq = row.seq;
        v.problem = std::move(problem);
      };
      if (row.seq != expected_seq) {
        bad("entry " + std::to_string(expected_seq) + " is missing (next is " +
            std::to_string(row.seq) + ")");
      } else if (row.prev_hash != prev) {
        bad("prev_hash does not match the hash of entry " + std::to_string(row.seq - 1));
      } else if (audit_hash(prev, row) != row.hash) {
        bad("content does not match its hash (edited)");
      }
      if (!v.ok) return v;
      prev = row.hash;
      ++expected_seq;
    }
    return v;
  } catch (const std::exception& e) {
    return fail(Errc::kInternal, std::string("audit verify failed: ") + e.what());
  }
}

[[nodiscard]] Expected<std::vector<AuditRow>> trace_audit(SQLite::Database& db,
                                                          std::string_view id) {
  try {
    // Resolve the causal neighbourhood: the event behind the id, then every action and
    // approval that event caused.
    std::string event_id;
    std::string sid(id);
    {
      SQLite::Statement q(db,
                          "SELECT event_id FROM actions WHERE id = ?1 UNION ALL "
                          "SELECT event_id FROM approvals WHERE id = ?1 UNION ALL "
                          "SELECT id FROM inbox WHERE id = ?1");
      q.bind(1, sid);
      if (q.executeStep() && !q.getColumn(0).isNull()) event_id = q.getColumn(0).getString();
    }
    std::set<std::string> ids{sid};
    if (!event_id.empty()) {
      ids.insert(event_id);
      SQLite::Statement a(db, "SELECT id FROM actions WHERE event_id = ?");
      a.bind(1, event_id);
      while (a.executeStep()) ids.insert(a.getColumn(0).getString());
      SQLite::Statement p(db, "SELECT id FROM approvals WHERE event_id = ?");
      p.bind(1, event_id);
      while (p.executeStep()) ids.insert(p.getColumn(0).getString());
    }
    // Approval clicks arrive as their own events; include the entries naming the approvals.
    std::vector<AuditRow> rows;
    std::set<std::int64_t> seen;
    for (const auto& x : ids) {
      SQLite::Statement q(db, std::string("SELECT ") + kColumns +
                                  " FROM audit WHERE event_id = ?1 OR action_id = ?1 OR "
                                  "approval_id = ?1");
      q.bind(1, x);
      while (q.executeStep()) {
        AuditRow r = read_row(q);
        if (seen.insert(r.seq).second) rows.push_back(std::move(r));
      }
    }
    std::sort(rows.begin(), rows.end(),
              [](const AuditRow& a, const AuditRow& b) { return a.seq < b.seq; });
    return rows;
  } catch (const std::exception& e) {
    return fail(Errc::kInternal, std::string("audit trace failed: ") + e.what());
  }
}

}  // namespace steward::store
