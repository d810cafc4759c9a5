#include "bot/store/records.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "bot/core/json.hpp"
#include "bot/core/text.hpp"
#include "bot/store/sql_util.hpp"

namespace steward::store {

using detail::col_text;
using detail::guarded;

namespace {

boost::json::object parse_obj(const std::string& text) {
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec || !v.is_object()) return {};
  return std::move(v.get_object());
}

}  // namespace

// ---------------------------------------------------------------------------------- inbox

Expected<IngestResult> insert_event(Tx& tx, Event& event) {
  return guarded("inbox insert", [&]() -> Expected<IngestResult> {
    if (event.id.empty()) event.id = new_id("ev");
    // One statement decides new-or-duplicate: the unique dedupe_key turns a repeat delivery
    // into a counter update, and `deliveries` tells which of the two happened.
    SQLite::Statement& ins = tx.prepare(
        "INSERT INTO inbox(id, source, kind, dedupe_key, actor, payload, received_at) "
        "VALUES (?,?,?,?,?,?,?) ON CONFLICT(dedupe_key) DO UPDATE SET deliveries = deliveries + 1 "
        "RETURNING id, deliveries");
    ins.bind(1, event.id);
    ins.bind(2, event.source);
    ins.bind(3, event.kind);
    ins.bind(4, event.dedupe_key);
    ins.bind(5, event.actor);
    ins.bind(6, boost::json::serialize(event.payload));
    ins.bind(7, to_unix_ms(event.received_at));
    if (!ins.executeStep()) return fail(Errc::kInternal, "inbox insert returned no row");
    std::string stored_id = ins.getColumn(0).getString();
    const bool duplicate = ins.getColumn(1).getInt64() > 1;
    ins.reset();
    if (duplicate) {
      auto a = tx.audit({"event.duplicate",
                         stored_id,
                         "",
                         "",
                         event.actor,
                         {{"dedupe_key", event.dedupe_key}, {"source", event.source}}});
      if (!a) return Unexpected(a.error());
      return IngestResult{stored_id, true};
    }
    auto a = tx.audit(
        {"event.received",
         event.id,
         "",
         "",
         event.actor,
         {{"source", event.source}, {"kind", event.kind}, {"dedupe_key", event.dedupe_key}}});
    if (!a) return Unexpected(a.error());
    return IngestResult{event.id, false};
  });
}

Expected<std::vector<std::pair<std::int64_t, Event>>> pending_events(SQLite::Database& db,
                                                                     std::int64_t after_seq,
                                                                     int limit) {
  return guarded("inbox read", [&]() -> Expected<std::vector<std::pair<std::int64_t, Event>>> {
    SQLite::Statement q(db,
                        "SELECT seq, id, source, kind, dedupe_key, actor, payload, received_at "
                        "FROM inbox WHERE status = 'pending' AND seq > ? ORDER BY seq LIMIT ?");
    q.bind(1, after_seq);
    q.bind(2, limit);
    std::vector<std::pair<std::int64_t, Event>> out;
    while (q.executeStep()) {
      Event e;
      e.id = q.getColumn(1).getString();
      e.source = q.getColumn(2).getString();
      e.kind = q.getColumn(3).getString();
      e.dedupe_key = q.getColumn(4).getString();
      e.actor = q.getColumn(5).getString();
      e.payload = parse_obj(q.getColumn(6).getString());
      e.received_at = from_unix_ms(q.getColumn(7).getInt64());
      out.emplace_back(q.getColumn(0).getInt64(), std::move(e));
    }
    return out;
  });
}

Expected<void> finish_event(Tx& tx, std::string_view event_id, std::string_view status,
                            std::string_view error) {
  return guarded("inbox update", [&]() -> Expected<void> {
    SQLite::Statement& q =
        tx.prepare("UPDATE inbox SET status = ?, processed_at = ?, error = ? WHERE id = ?");
    q.bind(1, std::string(status));
    q.bind(2, tx.now_ms());
    if (error.empty())
      q.bind(3);
    else
      q.bind(3, std::string(error));
    q.bind(4, std::string(event_id));
    q.exec();
    return {};
  });
}

// ---------------------------------------------------------------------------------- runs

Expected<void> insert_run(Tx& tx, RunRow& run) {
  return guarded("run insert", [&]() -> Expected<void> {
    if (run.id.empty()) run.id = new_id("run");
    SQLite::Statement& q = tx.prepare(
        "INSERT INTO runs(id, event_id, agent, route, notes, facts, status, "
        "error, created_at) VALUES (?,?,?,?,?,?,?,?,?)");
    q.bind(1, run.id);
    q.bind(2, run.event_id);
    q.bind(3, run.agent);
    q.bind(4, run.route);
    q.bind(5, boost::json::serialize(run.notes));
    q.bind(6, boost::json::serialize(run.facts));
    q.bind(7, run.status);
    q.bind(8, run.error);
    q.bind(9, tx.now_ms());
    q.exec();
    return {};
  });
}

// ---------------------------------------------------------------------------------- actions

namespace {
constexpr const char* kActionColumns =
    "id, event_id, run_id, kind, fields, summary, idempotency_key, origin, verdict, rule, status, "
    "attempts, max_attempts, next_attempt_at, last_error, result, created_at, updated_at";

ActionRow read_action(SQLite::Statement& q) {
  ActionRow a;
  a.id = col_text(q, 0);
  a.event_id = col_text(q, 1);
  a.run_id = col_text(q, 2);
  a.kind = col_text(q, 3);
  a.fields = parse_obj(col_text(q, 4));
  a.summary = col_text(q, 5);
  a.idempotency_key = col_text(q, 6);
  a.origin = col_text(q, 7);
  a.verdict = col_text(q, 8);
  a.rule = col_text(q, 9);
  a.status = col_text(q, 10);
  a.attempts = q.getColumn(11).getInt();
  a.max_attempts = q.getColumn(12).getInt();
  a.next_attempt_at = q.getColumn(13).getInt64();
  a.last_error = col_text(q, 14);
  a.result = parse_obj(col_text(q, 15));
  a.created_at = q.getColumn(16).getInt64();
  a.updated_at = q.getColumn(17).getInt64();
  return a;
}
}  // namespace

Expected<void> insert_action(Tx& tx, ActionRow& a) {
  return guarded("action insert", [&]() -> Expected<void> {
    if (a.id.empty()) a.id = new_id("act");
    if (a.idempotency_key.empty()) a.idempotency_key = a.id;
    a.created_at = a.updated_at = tx.now_ms();
    SQLite::Statement& q = tx.prepare(
        "INSERT OR IGNORE INTO actions(id, event_id, run_id, kind, fields, summary, "
        "idempotency_key, origin, verdict, rule, status, attempts, max_attempts, "
        "next_attempt_at, created_at, updated_at, conversation_id) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,0,?,?,?,?,?)");
    q.bind(1, a.id);
    q.bind(2, a.event_id);
    q.bind(3, a.run_id);
    q.bind(4, a.kind);
    q.bind(5, boost::json::serialize(a.fields));
    q.bind(6, a.summary);
    q.bind(7, a.idempotency_key);
    q.bind(8, a.origin);
    q.bind(9, a.verdict);
    q.bind(10, a.rule);
    q.bind(11, a.status);
    q.bind(12, a.max_attempts);
    q.bind(13, a.next_attempt_at);
    q.bind(14, a.created_at);
    q.bind(15, a.updated_at);
    // Indexed copy of the field so a conversation's replies are found without a scan.
    q.bind(16, json::string_or(a.fields, "conversation_id"));
    if (q.exec() == 0)
      return fail(Errc::kConflict,
                  "an action with idempotency key '" + a.idempotency_key + "' already exists");
    return {};
  });
}

Expected<std::optional<ActionRow>> get_action(SQLite::Database& db, std::string_view id) {
  return guarded("action read", [&]() -> Expected<std::optional<ActionRow>> {
    SQLite::Statement q(db, std::string("SELECT ") + kActionColumns + " FROM actions WHERE id = ?");
    q.bind(1, std::string(id));
    if (!q.executeStep()) return std::optional<ActionRow>{};
    return std::optional<ActionRow>(read_action(q));
  });
}

Expected<std::vector<ActionRow>> due_actions(SQLite::Database& db, std::int64_t now_ms, int limit) {
  return guarded("outbox read", [&]() -> Expected<std::vector<ActionRow>> {
    SQLite::Statement q(db, std::string("SELECT ") + kActionColumns +
                                " FROM actions WHERE status = 'pending' AND next_attempt_at <= ? "
                                "ORDER BY next_attempt_at, created_at LIMIT ?");
    q.bind(1, now_ms);
    q.bind(2, limit);
    std::vector<ActionRow> out;
    while (q.executeStep()) out.push_back(read_action(q));
    return out;
  });
}

Expected<std::optional<std::int64_t>> next_due_at(SQLite::Database& db) {
  return guarded("outbox read", [&]() -> Expected<std::optional<std::int64_t>> {
    SQLite::Statement q(db, "SELECT MIN(next_attempt_at) FROM actions WHERE status = 'pending'");
    if (!q.executeStep() || q.getColumn(0).isNull()) return std::optional<std::int64_t>{};
    return std::optional<std::int64_t>(q.getColumn(0).getInt64());
  });
}

Expected<bool> claim_action(Tx& tx, std::string_view id) {
  return guarded("outbox claim", [&]() -> Expected<bool> {
    SQLite::Statement& q = tx.prepare(
        "UPDATE actions SET status = 'running', attempts = attempts + 1, "
        "updated_at = ? WHERE id = ? AND status = 'pending'");
    q.bind(1, tx.now_ms());
    q.bind(2, std::string(id));
    return q.exec() == 1;
  });
}

Expected<void> uncount_attempt(Tx& tx, std::string_view id) {
  return guarded("outbox update", [&]() -> Expected<void> {
    SQLite::Statement& q =
        tx.prepare("UPDATE actions SET attempts = attempts - 1 WHERE id = ? AND attempts > 0");
    q.bind(1, std::string(id));
    q.exec();
    return {};
  });
}

Expected<void> finish_action(Tx& tx, std::string_view id, std::string_view status,
                             const boost::json::object& result, std::string_view error,
                             std::int64_t next_attempt_at) {
  return guarded("outbox update", [&]() -> Expected<void> {
    SQLite::Statement& q = tx.prepare(
        "UPDATE actions SET status = ?, result = ?, last_error = ?, "
        "next_attempt_at = ?, updated_at = ? WHERE id = ?");
    q.bind(1, std::string(status));
    q.bind(2, boost::json::serialize(result));
    q.bind(3, std::string(error));
    q.bind(4, next_attempt_at);
    q.bind(5, tx.now_ms());
    q.bind(6, std::string(id));
    q.exec();
    return {};
  });
}

Expected<bool> transition_action(Tx& tx, std::string_view id, std::string_view from,
                                 std::string_view to) {
  return guarded("action update", [&]() -> Expected<bool> {
    SQLite::Statement& q =
        tx.prepare("UPDATE actions SET status = ?, updated_at = ? WHERE id = ? AND status = ?");
    q.bind(1, std::string(to));
    q.bind(2, tx.now_ms());
    q.bind(3, std::string(id));
    q.bind(4, std::string(from));
    return q.exec() == 1;
  });
}

Expected<int> recover_running_actions(Tx& tx) {
  return guarded("outbox recovery", [&]() -> Expected<int> {
    SQLite::Statement& q = tx.prepare(
        "UPDATE actions SET status = 'pending', updated_at = ? "
        "WHERE status = 'running'");
    q.bind(1, tx.now_ms());
    return q.exec();
  });
}

// ---------------------------------------------------------------------------------- approvals

namespace {
constexpr const char* kApprovalColumns =
    "id, action_id, event_id, rule, approvers, requester, title, status, created_at, expires_at, "
    "on_expiry, decided_by, decided_at, post_action_id, message_channel, message_ts";

ApprovalRow read_approval(SQLite::Statement& q) {
  ApprovalRow a;
  a.id = col_text(q, 0);
  a.action_id = col_text(q, 1);
  a.event_id = col_text(q, 2);
  a.rule = col_text(q, 3);
  boost::system::error_code ec;
  auto approvers = boost::json::parse(col_text(q, 4), ec);
  if (!ec && approvers.is_array())
    for (const auto& v : approvers.get_array())
      if (v.is_string()) a.approvers.emplace_back(v.get_string());
  a.requester = col_text(q, 5);
  a.title = col_text(q, 6);
  a.status = col_text(q, 7);
  a.created_at = q.getColumn(8).getInt64();
  a.expires_at = q.getColumn(9).getInt64();
  a.on_expiry = col_text(q, 10);
  a.decided_by = col_text(q, 11);
  a.decided_at = q.getColumn(12).isNull() ? 0 : q.getColumn(12).getInt64();
  a.post_action_id = col_text(q, 13);
  a.message_channel = col_text(q, 14);
  a.message_ts = col_text(q, 15);
  return a;
}
}  // namespace

Expected<void> insert_approval(Tx& tx, ApprovalRow& a) {
  return guarded("approval insert", [&]() -> Expected<void> {
    if (a.id.empty()) a.id = new_id("apr");
    a.created_at = tx.now_ms();
    boost::json::array approvers;
    for (const auto& s : a.approvers) approvers.emplace_back(s);
    SQLite::Statement& q = tx.prepare(
        "INSERT INTO approvals(id, action_id, event_id, rule, approvers, "
        "requester, title, status, created_at, expires_at, on_expiry, "
        "post_action_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)");
    q.bind(1, a.id);
    q.bind(2, a.action_id);
    q.bind(3, a.event_id);
    q.bind(4, a.rule);
    q.bind(5, boost::json::serialize(approvers));
    q.bind(6, a.requester);
    q.bind(7, a.title);
    q.bind(8, a.status);
    q.bind(9, a.created_at);
    q.bind(10, a.expires_at);
    q.bind(11, a.on_expiry);
    q.bind(12, a.post_action_id);
    q.exec();
    return {};
  });
}

Expected<std::optional<ApprovalRow>> get_approval(SQLite::Database& db, std::string_view id) {
  return guarded("approval read", [&]() -> Expected<std::optional<ApprovalRow>> {
    SQLite::Statement q(db,
                        std::string("SELECT ") + kApprovalColumns + " FROM approvals WHERE id = ?");
    q.bind(1, std::string(id));
    if (!q.executeStep()) return std::optional<ApprovalRow>{};
    return std::optional<ApprovalRow>(read_approval(q));
  });
}

Expected<bool> decide_approval(Tx& tx, std::string_view id, std::string_view status,
                               std::string_view decided_by) {
  return guarded("approval update", [&]() -> Expected<bool> {
    SQLite::Statement& q = tx.prepare(
        "UPDATE approvals SET status = ?, decided_by = ?, decided_at = ? "
        "WHERE id = ? AND status = 'pending'");
    q.bind(1, std::string(status));
    q.bind(2, std::string(decided_by));
    q.bind(3, tx.now_ms());
    q.bind(4, std::string(id));
    return q.exec() == 1;
  });
}

Expected<std::optional<ApprovalRow>> approval_by_post_action(SQLite::Database& db,
                                                             std::string_view post_action_id) {
  return guarded("approval read", [&]() -> Expected<std::optional<ApprovalRow>> {
    SQLite::Statement q(
        db, std::string("SELECT ") + kApprovalColumns + " FROM approvals WHERE post_action_id = ?");
    q.bind(1, std::string(post_action_id));
    if (!q.executeStep()) return std::optional<ApprovalRow>{};
    return std::optional<ApprovalRow>(read_approval(q));
  });
}

Expected<void> set_approval_message(Tx& tx, std::string_view post_action_id,
                                    std::string_view channel, std::string_view ts) {
  return guarded("approval update", [&]() -> Expected<void> {
    SQLite::Statement& q = tx.prepare(
        "UPDATE approvals SET message_channel = ?, message_ts = ? "
        "WHERE post_action_id = ?");
    q.bind(1, std::string(channel));
    q.bind(2, std::string(ts));
    q.bind(3, std::string(post_action_id));
    q.exec();
    return {};
  });
}

Expected<std::vector<ApprovalRow>> list_approvals(SQLite::Database& db, std::string_view status,
                                                  int limit) {
  return guarded("approval read", [&]() -> Expected<std::vector<ApprovalRow>> {
    std::string sql = std::string("SELECT ") + kApprovalColumns + " FROM approvals";
    if (!status.empty()) sql += " WHERE status = ?";
    sql += " ORDER BY created_at DESC LIMIT " + std::to_string(limit);
    SQLite::Statement q(db, sql);
    if (!status.empty()) q.bind(1, std::string(status));
    std::vector<ApprovalRow> out;
    while (q.executeStep()) out.push_back(read_approval(q));
    return out;
  });
}

Expected<std::vector<ApprovalRow>> expired_approvals(SQLite::Database& db, std::int64_t now_ms) {
  return guarded("approval read", [&]() -> Expected<std::vector<ApprovalRow>> {
    SQLite::Statement q(db, std::string("SELECT ") + kApprovalColumns +
                                " FROM approvals WHERE status = 'pending' AND expires_at > 0 "
                                "AND expires_at <= ? ORDER BY expires_at");
    q.bind(1, now_ms);
    std::vector<ApprovalRow> out;
    while (q.executeStep()) out.push_back(read_approval(q));
    return out;
  });
}

// ---------------------------------------------------------------------------------- pipeline

Expected<void> upsert_lead(Tx& tx, const boost::json::object& f, std::string_view event_id) {
  return guarded("lead upsert", [&]() -> Expected<void> {
    auto email = lower(json::string_or(f, "email"));
    if (email.empty()) return fail(Errc::kInvalidInput, "pipeline.upsert needs an email");
    auto score = json::get_int(f, "score").value_or(0);
    auto stage = json::string_or(f, "stage", "nurture");
    // Exactly once per event: a crash between this commit and the outbox marking the action
    // done replays the action, and the replay must find its own history row and stop.
    if (!event_id.empty()) {
      SQLite::Statement& seen =
          tx.prepare("SELECT 1 FROM lead_history WHERE email = ? AND event_id = ? LIMIT 1");
      seen.bind(1, email);
      seen.bind(2, std::string(event_id));
      if (seen.executeStep()) return {};
    }
    SQLite::Statement& q = tx.prepare(
        "INSERT INTO leads(email, name, company, phone, stage, score, source_form, "
        "created_at, updated_at) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?8) "
        "ON CONFLICT(email) DO UPDATE SET "
        "name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE name END, "
        "company = CASE WHEN excluded.company <> '' THEN excluded.company "
        "ELSE company END, "
        "phone = CASE WHEN excluded.phone <> '' THEN excluded.phone ELSE phone END, "
        "stage = excluded.stage, score = excluded.score, "
        "updated_at = excluded.updated_at");
    q.bind(1, email);
    q.bind(2, json::string_or(f, "name"));
    q.bind(3, json::string_or(f, "company"));
    q.bind(4, json::string_or(f, "phone"));
    q.bind(5, stage);
    q.bind(6, score);
    q.bind(7, json::string_or(f, "source_form"));
    q.bind(8, tx.now_ms());
    q.exec();
    boost::json::array breakdown;
    if (auto it = f.find("breakdown"); it != f.end() && it->value().is_array())
      breakdown = it->value().get_array();
    SQLite::Statement& h = tx.prepare(
        "INSERT INTO lead_history(email, stage, score, breakdown, event_id, at) "
        "VALUES (?,?,?,?,?,?)");
    h.bind(1, email);
    h.bind(2, stage);
    h.bind(3, score);
    h.bind(4, boost::json::serialize(breakdown));
    h.bind(5, std::string(event_id));
    h.bind(6, tx.now_ms());
    h.exec();
    return {};
  });
}

Expected<std::optional<boost::json::object>> find_lead(SQLite::Database& db,
                                                       std::string_view email) {
  return guarded("lead read", [&]() -> Expected<std::optional<boost::json::object>> {
    SQLite::Statement q(db,
                        "SELECT email, name, company, phone, stage, score, source_form, "
                        "created_at, updated_at, (SELECT COUNT(*) FROM lead_history h "
                        "WHERE h.email = leads.email) FROM leads WHERE email = ?");
    q.bind(1, lower(email));
    if (!q.executeStep()) return std::optional<boost::json::object>{};
    boost::json::object o;
    o["email"] = col_text(q, 0);
    o["name"] = col_text(q, 1);
    o["company"] = col_text(q, 2);
    o["phone"] = col_text(q, 3);
    o["stage"] = col_text(q, 4);
    o["score"] = q.getColumn(5).getInt64();
    o["source_form"] = col_text(q, 6);
    o["created_at"] = q.getColumn(7).getInt64();
    o["updated_at"] = q.getColumn(8).getInt64();
    o["history_count"] = q.getColumn(9).getInt64();
    return std::optional<boost::json::object>(std::move(o));
  });
}

// ---------------------------------------------------------------------------------- counts

Expected<std::int64_t> count_pending_events(SQLite::Database& db) {
  return guarded("inbox count", [&]() -> Expected<std::int64_t> {
    SQLite::Statement q(db, "SELECT COUNT(*) FROM inbox WHERE status = 'pending'");
    return q.executeStep() ? q.getColumn(0).getInt64() : 0;
  });
}

Expected<Counts> counts(SQLite::Database& db, bool totals) {
  return guarded("counts", [&]() -> Expected<Counts> {
    Counts c;
    SQLite::Statement q(db,
                        "SELECT "
                        "(SELECT COUNT(*) FROM inbox WHERE status = 'pending'),"
                        // Rows are never deleted and seq only grows: MAX is the count, and
                        // unlike COUNT(*) it does not scan a million-row table per scrape.
                        "(SELECT IFNULL(MAX(seq), 0) FROM inbox),"
                        "(SELECT COUNT(*) FROM actions WHERE status = 'pending'),"
                        "(SELECT COUNT(*) FROM actions WHERE status = 'running'),"
                        "(CASE WHEN ? THEN (SELECT COUNT(*) FROM actions WHERE status = 'done') "
                        "ELSE 0 END),"
                        "(SELECT COUNT(*) FROM actions WHERE status = 'dead'),"
                        "(SELECT COUNT(*) FROM approvals WHERE status = 'pending'),"
                        "(SELECT IFNULL(MAX(rowid), 0) FROM leads),"
                        "(SELECT IFNULL(MAX(seq), 0) FROM audit)");
    q.bind(1, totals ? 1 : 0);
    if (q.executeStep()) {
      c.inbox_pending = q.getColumn(0).getInt64();
      c.inbox_total = q.getColumn(1).getInt64();
      c.outbox_pending = q.getColumn(2).getInt64();
      c.outbox_running = q.getColumn(3).getInt64();
      c.outbox_done = q.getColumn(4).getInt64();
      c.outbox_dead = q.getColumn(5).getInt64();
      c.approvals_pending = q.getColumn(6).getInt64();
      c.leads = q.getColumn(7).getInt64();
      c.audit_entries = q.getColumn(8).getInt64();
    }
    return c;
  });
}

}  // namespace steward::store
