#pragma once
// Repositories over the pipe's tables: inbox, actions (the outbox), approvals, runs, leads.
// Write functions take the Tx of a group-commit job; read functions take any connection.
// All are blocking and return kInternal on SQLite failure unless stated.

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bot/core/event.hpp"
#include "bot/core/expected.hpp"
#include "bot/store/store.hpp"

namespace steward::store {

// ---------------------------------------------------------------------------------- inbox

struct IngestResult {
  std::string event_id;
  bool duplicate = false;  ///< the dedupe key was already in the inbox; nothing new will run
};

/// Commits `event` (assigning event.id) unless its dedupe key is known, and audits the
/// delivery ("event.received" or "event.duplicate").
[[nodiscard]] Expected<IngestResult> insert_event(Tx& tx, Event& event);
/// Oldest pending events after `after_seq`, with their sequence numbers.
[[nodiscard]] Expected<std::vector<std::pair<std::int64_t, Event>>> pending_events(
    SQLite::Database& db, std::int64_t after_seq, int limit);
/// Marks an event processed ("done") or "failed" with a reason.
[[nodiscard]] Expected<void> finish_event(Tx& tx, std::string_view event_id,
                                          std::string_view status, std::string_view error = {});

// ---------------------------------------------------------------------------------- runs

struct RunRow {
  std::string id, event_id, agent, route;
  boost::json::array notes;
  boost::json::object facts;
  std::string status;  ///< "planned" | "failed" | "unrouted"
  std::string error;
};
[[nodiscard]] Expected<void> insert_run(Tx& tx, RunRow& run);

// ---------------------------------------------------------------------------------- actions

/// Action statuses: awaiting_approval → pending → running → done | dead;
/// also denied, rejected, expired, skipped (never executed).
struct ActionRow {
  std::string id, event_id, run_id, kind;
  boost::json::object fields;
  std::string summary, idempotency_key;
  std::string origin;      ///< "agent:<name>" or "system"
  std::string drafted_by;  ///< Action::drafted_by: "provider/model" when a model wrote it
  std::string verdict;     ///< allow | ask | deny | system
  std::string rule;
  std::string status;
  int attempts = 0;
  int max_attempts = 6;
  std::int64_t next_attempt_at = 0;  ///< unix ms
  std::string last_error;
  boost::json::object result;
  std::int64_t created_at = 0, updated_at = 0;
};

/// Takes back the attempt claim_action() counted: for a call the remote refused with "wait"
/// (429 Retry-After), which is not a failed delivery and must not use up max_attempts.
[[nodiscard]] Expected<void> uncount_attempt(Tx& tx, std::string_view id);

/// Inserts (assigning id and, when empty, idempotency_key = id). kConflict when the
/// idempotency key exists.
[[nodiscard]] Expected<void> insert_action(Tx& tx, ActionRow& action);
[[nodiscard]] Expected<std::optional<ActionRow>> get_action(SQLite::Database& db,
                                                            std::string_view id);
/// Pending actions whose next attempt is due at `now_ms`, oldest first.
[[nodiscard]] Expected<std::vector<ActionRow>> due_actions(SQLite::Database& db,
                                                           std::int64_t now_ms, int limit);
/// The earliest next_attempt_at of a pending action, if any.
[[nodiscard]] Expected<std::optional<std::int64_t>> next_due_at(SQLite::Database& db);
/// pending → running with attempts+1, committed before the attempt. False when someone else
/// claimed it or it is no longer pending.
[[nodiscard]] Expected<bool> claim_action(Tx& tx, std::string_view id);
/// Records the outcome of an attempt: status done|pending(retry)|dead, result or error.
[[nodiscard]] Expected<void> finish_action(Tx& tx, std::string_view id, std::string_view status,
                                           const boost::json::object& result,
                                           std::string_view error, std::int64_t next_attempt_at);
/// Moves an action between non-running states (e.g. awaiting_approval → pending). False when
/// it was not in `from`.
[[nodiscard]] Expected<bool> transition_action(Tx& tx, std::string_view id, std::string_view from,
                                               std::string_view to);
/// After a crash: actions left "running" go back to "pending" (their attempt may or may not
/// have reached the outside world — the documented at-least-once window). Returns how many.
[[nodiscard]] Expected<int> recover_running_actions(Tx& tx);

// ---------------------------------------------------------------------------------- approvals

struct ApprovalRow {
  std::string id, action_id, event_id, rule;
  std::vector<std::string> approvers;  ///< "role:director", "person:U1"
  std::string requester;               ///< who caused the request (event actor)
  std::string title;
  std::string status;                           ///< pending | approved | rejected | expired
  std::int64_t created_at = 0, expires_at = 0;  ///< unix ms; expires_at 0 = never
  std::string on_expiry = "reject";
  std::string decided_by;
  std::int64_t decided_at = 0;
  std::string post_action_id, message_channel, message_ts;
};
[[nodiscard]] Expected<void> insert_approval(Tx& tx, ApprovalRow& approval);
[[nodiscard]] Expected<std::optional<ApprovalRow>> get_approval(SQLite::Database& db,
                                                                std::string_view id);
/// pending → status, exactly once: false when it was already decided.
[[nodiscard]] Expected<bool> decide_approval(Tx& tx, std::string_view id, std::string_view status,
                                             std::string_view decided_by);
/// The approval whose request message is posted by action `post_action_id`.
[[nodiscard]] Expected<std::optional<ApprovalRow>> approval_by_post_action(
    SQLite::Database& db, std::string_view post_action_id);
[[nodiscard]] Expected<void> set_approval_message(Tx& tx, std::string_view post_action_id,
                                                  std::string_view channel, std::string_view ts);
/// Approvals with `status` ("" = all), newest first.
[[nodiscard]] Expected<std::vector<ApprovalRow>> list_approvals(SQLite::Database& db,
                                                                std::string_view status,
                                                                int limit = 100);
/// Pending approvals whose expiry has passed at `now_ms`.
[[nodiscard]] Expected<std::vector<ApprovalRow>> expired_approvals(SQLite::Database& db,
                                                                   std::int64_t now_ms);

// ---------------------------------------------------------------------------------- pipeline

/// Inserts or updates the lead keyed by lower-cased email and appends its score history.
/// `fields`: email, name, company, phone, stage, score, breakdown (array), source_form.
/// Idempotent per (event, email): a replay of the same event's upsert changes nothing.
[[nodiscard]] Expected<void> upsert_lead(Tx& tx, const boost::json::object& fields,
                                         std::string_view event_id);
/// The lead with this email: {email, name, company, phone, stage, score, source_form,
/// created_at, updated_at, history_count}.
[[nodiscard]] Expected<std::optional<boost::json::object>> find_lead(SQLite::Database& db,
                                                                     std::string_view email);

// ---------------------------------------------------------------------------------- counts

struct Counts {
  std::int64_t inbox_pending = 0, inbox_total = 0;
  std::int64_t outbox_pending = 0, outbox_running = 0, outbox_done = 0, outbox_dead = 0;
  std::int64_t approvals_pending = 0, leads = 0, audit_entries = 0;
};
/// With `totals` false, outbox_done stays 0: counting every finished action reads a row per
/// action ever sent, which a metrics scrape must not do on a large database. The other counts
/// cost O(log n) or O(rows still waiting).
[[nodiscard]] Expected<Counts> counts(SQLite::Database& db, bool totals = true);
/// Inbox events still pending (uses the inbox_pending index; cheap at any table size).
[[nodiscard]] Expected<std::int64_t> count_pending_events(SQLite::Database& db);

}  // namespace steward::store
