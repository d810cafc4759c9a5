#include "bot/store/records.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "bot/core/json.hpp"
#include "bot/core/text.hpp"
#include "bot/store/sql_util.hpp"

namespace steward::store {

using detail::bind_all;
using detail::col_text;
using detail::guarded;
using detail::parse_obj;
using detail::read_columns;

namespace {

// The column lists of the rows read back whole, and their readers.
constexpr const char* kActionColumns =
    "id, event_id, run_id, kind, fields, summary, idempotency_key, origin, verdict, rule, status, "
    "attempts, max_attempts, next_attempt_at, last_error, result, created_at, updated_at, "
    "drafted_by";
constexpr const char* kApprovalColumns =
    "id, action_id, event_id, rule, approvers, requester, title, status, created_at, expires_at, "
    "on_expiry, decided_by, decided_at, post_action_id, message_channel, message_ts";

ApprovalRow read_approval(SQLite::Statement& q) {
  ApprovalRow a;
  std::string approvers;
  read_columns(q, 0, a.id, a.action_id, a.event_id, a.rule, approvers, a.requester, a.title,
               a.status, a.created_at, a.expires_at, a.on_expiry, a.decided_by, a.decided_at,
               a.post_action_id, a.message_channel, a.message_ts);
  boost::system::error_code ec;
  auto list = boost::json::parse(approvers, ec);
  if (!ec && list.is_array())
    for (const auto& v : list.get_array())
      if (v.is_string()) a.approvers.emplace_back(v.get_string());
  return a;
}

ActionRow read_action(SQLite::Statement& q) {
  ActionRow a;
  read_columns(q, 0, a.id, a.event_id, a.run_id, a.kind, a.fields, a.summary, a.idempotency_key,
               a.origin, a.verdict, a.rule, a.status, a.attempts, a.max_attempts, a.next_attempt_at,
               a.last_error, a.result, a.created_at, a.updated_at, a.drafted_by);
  return a;
}

}  // namespace

// ---------------------------------------------------------------------------------- inbox

[[nodiscard]] Expected<IngestResult> insert_event(Tx& tx, Event& event) {
  return guarded("inbox insert", [&]() -> Expected<IngestResult> {
    if (event.id.empty()) event.id = new_id("ev");
    // One statement decides new-or-duplicate: the unique dedupe_key turns a repeat delivery
    // into a counter update, and `deliveries` tells which of the two happened.
    SQLite::Statement& ins = tx.prepare(
        "INSERT INTO inbox(id, source, kind, dedupe_key, actor, payload, received_at) "
        "VALUES (?,?,?,?,?,?,?) ON CONFLICT(dedupe_key) DO UPDATE SET deliveries = deliveries + 1 "
        "RETURNING id, deliveries");
    bind_all(ins, event.id, event.source, event.kind, event.dedupe_key, event.actor,
             boost::json::serialize(event.payload), to_unix_ms(event.received_at));
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

[[nodiscard]] Expected<std::vector<std::pair<std::int64_t, Event>>> pending_events(
    SQLite::Database& db, std::int64_t after_seq, int limit) {
  return guarded("inbox read", [&]() -> Expected<std::vector<std::pair<std::int64_t, Event>>> {
    SQLite::Statement q(db,
                        "SELECT seq, id, source, kind, dedupe_key, actor, payload, received_at "
                        "FROM inbox WHERE status = 'pending' AND seq > ? ORDER BY seq LIMIT ?");
    bind_all(q, after_seq, limit);
    std::vector<std::pair<std::int64_t, Event>> out;
    while (q.executeStep()) {
      Event e;
      std::int64_t seq = 0, received_at = 0;
      read_columns(q, 0, seq, e.id, e.source, e.kind, e.dedupe_key, e.actor, e.payload,
                   received_at);
      e.received_at = from_unix_ms(received_at);
      out.emplace_back(seq, std::move(e));
    }
    return out;
  });
}

[[nodiscard]] Expected<void> finish_event(Tx& tx, std::string_view event_id,
                                          std::string_view status, std::string_view error) {
  return guarded("inbox update", [&]() -> Expected<void> {
    SQLite::Statement& q =
        tx.prepare("UPDATE inbox SET status = ?, processed_at = ?, error = ? WHERE id = ?");
    bind_all(q, std::string(status), tx.now_ms());
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

[[nodiscard]] Expected<void> insert_run(Tx& tx, RunRow& run) {
  return guarded("run insert", [&]() -> Expected<void> {
    if (run.id.empty()) run.id = new_id("run");
    SQLite::Statement& q = tx.prepare(
        "INSERT INTO runs(id, event_id, agent, route, notes, facts, status, "
        "error, created_at) VALUES (?,?,?,?,?,?,?,?,?)");
    bind_all(q, run.id, run.event_id, run.agent, run.route, boost::json::serialize(run.notes),
             boost::json::serialize(run.facts), run.status, run.error, tx.now_ms());
    q.exec();
    return {};
  });
}

// ---------------------------------------------------------------------------------- actions

[[nodiscard]] Expected<void> insert_action(Tx& tx, ActionRow& a) {
  return guarded("action insert", [&]() -> Expected<void> {
    if (a.id.empty()) a.id = new_id("act");
    if (a.idempotency_key.empty()) a.idempotency_key = a.id;
    a.created_at = a.updated_at = tx.now_ms();
    SQLite::Statement& q = tx.prepare(
        "INSERT OR IGNORE INTO actions(id, event_id, run_id, kind, fields, summary, "
        "idempotency_key, origin, verdict, rule, status, attempts, max_attempts, "
        "next_attempt_at, created_at, updated_at, conversation_id, drafted_by) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,0,?,?,?,?,?,?)");
    bind_all(q, a.id, a.event_id, a.run_id, a.kind, boost::json::serialize(a.fields), a.summary,
             a.idempotency_key, a.origin, a.verdict, a.rule, a.status, a.max_attempts,
             a.next_attempt_at, a.created_at, a.updated_at);
    // Indexed copy of the field so a conversation's replies are found without a scan.
    q.bind(16, json::string_or(a.fields, "conversation_id"));
    q.bind(17, a.drafted_by);
    if (q.exec() == 0)
      return fail(Errc::kConflict,
                  "an action with idempotency key '" + a.idempotency_key + "' already exists");
    return {};
  });
}

[[nodiscard]] Expected<std::optional<ActionRow>> get_action(SQLite::Database& db,
                                                            std::string_view id) {
  return guarded("action read", [&]() -> Expected<std::optional<ActionRow>> {
    SQLite::Statement q(db, std::string("SELECT ") + kActionColumns + " FROM actions WHERE id = ?");
    q.bind(1, std::string(id));
    if (!q.executeStep()) return std::optional<ActionRow>{};
    return std::optional<ActionRow>(read_action(q));
  });
}

[[nodiscard]] Expected<std::vector<ActionRow>> due_actions(SQLite::Database& db,
                                                           std::int64_t now_ms, int limit) {
  return guarded("outbox read", [&]() -> Expected<std::vector<ActionRow>> {
    SQLite::Statement q(db, std::string("SELECT ") + kActionColumns +
                                " FROM actions WHERE status = 'pending' AND next_attempt_at <= ? "
                                "ORDER BY next_attempt_at, created_at LIMIT ?");
    bind_all(q, now_ms, limit);
    std::vector<ActionRow> out;
    while (q.executeStep()) out.push_back(read_action(q));
    return out;
  });
}

[[nodiscard]] Expected<std::optional<std::int64_t>> next_due_at(SQLite::Database& db) {
  return guarded("outbox read", [&]() -> Expected<std::optional<std::int64_t>> {
    SQLite::Statement q(db, "SELECT MIN(next_attempt_at) FROM actions WHERE status = 'pending'");
    if (!q.executeStep() || q.getColumn(0).isNull()) return std::optional<std::int64_t>{};
    return std::optional<std::int64_t>(q.getColumn(0).getInt64());
  });
}

[[nodiscard]] Expected<bool> claim_action(Tx& tx, std::string_view id) {
  return guarded("outbox claim", [&]() -> Expected<bool> {
    SQLite::Statement& q = tx.prepare(
        "UPDATE actions SET status = 'running', attempts = attempts + 1, "
        "updated_at = ? WHERE id = ? AND status = 'pending'");
    bind_all(q, tx.now_ms(), std::string(id));
    return q.exec() == 1;
  });
}

[[nodiscard]] Expected<void> uncount_attempt(Tx& tx, std::string_view id) {
  return guarded("outbox update", [&]() -> Expected<void> {
    SQLite::Statement& q =
        tx.prepare("UPDATE actions SET attempts = attempts - 1 WHERE id = ? AND attempts > 0");
    q.bind(1, std::string(id));
    q.exec();
    return {};
  });
}

[[nodiscard]] Expected<void> finish_action(Tx& tx, std::string_view id, std::string_view status,
                                           const boost::json::object& result,
                                           std::string_view error, std::int64_t next_attempt_at) {
  return guarded("outbox update", [&]() -> Expected<void> {
    SQLite::Statement& q = tx.prepare(
        "UPDATE actions SET status = ?, result = ?, last_error = ?, "
        "next_attempt_at = ?, updated_at = ? WHERE id = ?");
    bind_all(q, std::string(status), boost::json::serialize(result), std::string(error),
             next_attempt_at, tx.now_ms(), std::string(id));
    q.exec();
    return {};
  });
}

[[nodiscard]] Expected<bool> transition_action(Tx& tx, std::string_view id, std::string_view from,
                                               std::string_view to) {
  return guarded("action update", [&]() -> Expected<bool> {
    SQLite::Statement& q =
        tx.prepare("UPDATE actions SET status = ?, updated_at = ? WHERE id = ? AND status = ?");
    bind_all(q, std::string(to), tx.now_ms(), std::string(id), std::string(from));
    return q.exec() == 1;
  });
}

[[nodiscard]] Expected<int> recover_running_actions(Tx& tx) {
  return guarded("outbox recovery", [&]() -> Expected<int> {
    SQLite::Statement& q = tx.prepare(
        "UPDATE actions SET status = 'pending', updated_at = ? "
        "WHERE status = 'running'");
    q.bind(1, tx.now_ms());
    return q.exec();
  });
}

// ---------------------------------------------------------------------------------- approvals

[[nodiscard]] Expected<void> insert_approval(Tx& tx, ApprovalRow& a) {
  return guarded("approval insert", [&]() -> Expected<void> {
    if (a.id.empty()) a.id = new_id("apr");
    a.created_at = tx.now_ms();
    boost::json::array approvers;
    for (const auto& s : a.approvers) approvers.emplace_back(s);
    SQLite::Statement& q = tx.prepare(
        "INSERT INTO approvals(id, action_id, event_id, rule, approvers, "
        "requester, title, status, created_at, expires_at, on_expiry, "
        "post_action_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)");
    bind_all(q, a.id, a.action_id, a.event_id, a.rule, boost::json::serialize(approvers),
             a.requester, a.title, a.status, a.created_at, a.expires_at, a.on_expiry,
             a.post_action_id);
    q.exec();
    return {};
  });
}

[[nodiscard]] Expected<std::optional<ApprovalRow>> get_approval(SQLite::Database& db,
                                                                std::string_view id) {
  return guarded("approval read", [&]() -> Expected<std::optional<ApprovalRow>> {
    SQLite::Statement q(db,
                        std::string("SELECT ") + kApprovalColumns + " FROM approvals WHERE id = ?");
    q.bind(1, std::string(id));
    if (!q.executeStep()) return std::optional<ApprovalRow>{};
    return std::optional<ApprovalRow>(read_approval(q));
  });
}

[[nodiscard]] Expected<bool> decide_approval(Tx& tx, std::string_view id, std::string_view status,
                                             std::string_view decided_by) {
  return guarded("approval update", [&]() -> Expected<bool> {
    SQLite::Statement& q = tx.prepare(
        "UPDATE approvals SET status = ?, decided_by = ?, decided_at = ? "
        "WHERE id = ? AND status = 'pending'");
    bind_all(q, std::string(status), std::string(decided_by), tx.now_ms(), std::string(id));
    return q.exec() == 1;
  });
}

[[nodiscard]] Expected<std::optional<ApprovalRow>> approval_by_post_action(
    SQLite::Database& db, std::string_view post_action_id) {
  return guarded("approval read", [&]() -> Expected<std::optional<ApprovalRow>> {
    SQLite::Statement q(
        db, std::string("SELECT ") + kApprovalColumns + " FROM approvals WHERE post_action_id = ?");
    q.bind(1, std::string(post_action_id));
    if (!q.executeStep()) return std::optional<ApprovalRow>{};
    return std::optional<ApprovalRow>(read_approval(q));
  });
}

[[nodiscard]] Expected<void> set_approval_message(Tx& tx, std::string_view post_action_id,
                                                  std::string_view channel, std::string_view ts) {
  return guarded("approval update", [&]() -> Expected<void> {
    SQLite::Statement& q = tx.prepare(
        "UPDATE approvals SET message_channel = ?, message_ts = ? "
        "WHERE post_action_id = ?");
    bind_all(q, std::string(channel), std::string(ts), std::string(post_action_id));
    q.exec();
    return {};
  });
}

[[nodiscard]] Expected<std::vector<ApprovalRow>> list_approvals(SQLite::Database& db,
                                                                std::string_view status,
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

[[nodiscard]] Expected<std::vector<ApprovalRow>> expired_approvals(SQLite::Database& db,
                                                                   std::int64_t now_ms) {
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

[[nodiscard]] Expected<void> upsert_lead(Tx& tx, const boost::json::object& f,
                                         std::string_view event_id) {
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
      bind_all(seen, email, std::string(event_id));
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
    bind_all(q, email, json::string_or(f, "name"), json::string_or(f, "company"),
             json::string_or(f, "phone"), stage, score, json::string_or(f, "source_form"),
             tx.now_ms());
    q.exec();
    boost::json::array breakdown;
    if (auto it = f.find("breakdown"); it != f.end() && it->value().is_array())
      breakdown = it->value().get_array();
    SQLite::Statement& h = tx.prepare(
        "INSERT INTO lead_history(email, stage, score, breakdown, event_id, at) "
        "VALUES (?,?,?,?,?,?)");
    bind_all(h, email, stage, score, boost::json::serialize(breakdown), std::string(event_id),
             tx.now_ms());
    h.exec();
    return {};
  });
}

[[nodiscard]] Expected<std::optional<boost::json::object>> find_lead(SQLite::Database& db,
                                                                     std::string_view email) {
  return guarded("lead read", [&]() -> Expected<std::optional<boost::json::object>> {
    SQLite::Statement q(db,
                        "SELECT email, name, company, phone, stage, score, source_form, "
                        "created_at, updated_at, (SELECT COUNT(*) FROM lead_history h "
                        "WHERE h.email = leads.email) FROM leads WHERE email = ?");
    q.bind(1, lower(email));
    if (!q.executeStep()) return std::optional<boost::json::object>{};
    std::string email_, name, company, phone, stage, source_form;
    std::int64_t score = 0, created_at = 0, updated_at = 0, history = 0;
    read_columns(q, 0, email_, name, company, phone, stage, score, source_form, created_at,
                 updated_at, history);
    boost::json::object o{{"email", email_},
                          {"name", name},
                          {"company", company},
                          {"phone", phone},
                          {"stage", stage},
                          {"score", score},
                          {"source_form", source_form},
                          {"created_at", created_at},
                          {"updated_at", updated_at},
                          {"history_count", history}};
    return std::optional<boost::json::object>(std::move(o));
  });
}

// ---------------------------------------------------------------------------------- counts

[[nodiscard]] Expected<std::int64_t> count_pending_events(SQLite::Database& db) {
  return guarded("inbox count", [&]() -> Expected<std::int64_t> {
    SQLite::Statement q(db, "SELECT COUNT(*) FROM inbox WHERE status = 'pending'");
    return q.executeStep() ? q.getColumn(0).getInt64() : 0;
  });
}

[[nodiscard]] Expected<Counts> counts(SQLite::Database& db, bool totals) {
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
      read_columns(q, 0, c.inbox_pending, c.inbox_total, c.outbox_pending, c.outbox_running,
                   c.outbox_done, c.outbox_dead, c.approvals_pending, c.leads, c.audit_entries);
    }
    return c;
  });
}

}  // namespace steward::store
