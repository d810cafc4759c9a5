#include "bot/runtime/outbox.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>
#include <random>

#include "bot/core/json.hpp"
#include "bot/core/printable.hpp"

namespace steward::runtime {

namespace {

Action to_action(const store::ActionRow& row) {
  return Action{row.kind, row.fields, row.summary, row.drafted_by};
}

}  // namespace

std::chrono::milliseconds backoff_delay(int attempt, std::chrono::milliseconds base,
                                        std::chrono::milliseconds cap) {
  if (attempt < 1) attempt = 1;
  long long ms = base.count();
  for (int i = 1; i < attempt && ms < cap.count(); ++i) ms *= 2;
  ms = std::min<long long>(ms, cap.count());
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_int_distribution<long long> dist(ms / 2, std::max<long long>(ms / 2, ms));
  return std::chrono::milliseconds(dist(rng));
}

Outbox::Outbox(store::Store& store, const Clock& clock, const Config& config,
               std::map<std::string, ActionExecutor*> executors, Metrics& metrics,
               const ApprovalDesk& desk)
    : store_(store),
      clock_(clock),
      config_(config),
      executors_(std::move(executors)),
      metrics_(metrics),
      desk_(desk) {}

Outbox::~Outbox() { stop(); }

Expected<void> Outbox::recover() {
  return store_.write([](store::Tx& tx) -> Expected<void> {
    auto n = store::recover_running_actions(tx);
    if (!n) return Unexpected(n.error());
    if (*n > 0) {
      spdlog::warn("{} action(s) were interrupted by a crash and will be attempted again", *n);
      auto a = tx.audit({"outbox.recovered", "", "", "", "steward", {{"count", *n}}});
      if (!a) return Unexpected(a.error());
    }
    return {};
  });
}

void Outbox::start(std::size_t workers) {
  if (!workers_.empty()) return;
  stopping_ = false;
  for (std::size_t i = 0; i < workers; ++i)
    workers_.push_back(start_background("st-outbox", [this] { worker_loop(); }));
}

void Outbox::stop() {
  stopping_ = true;
  notify();
  for (auto& t : workers_)
    if (t.joinable()) t.join();
  workers_.clear();
}

void Outbox::notify() { wakeup_.notify_all(); }

void Outbox::worker_loop() {
  while (!stopping_) {
    if (run_one_due_action()) continue;
    std::optional<std::int64_t> next;
    (void)store_.read([&](SQLite::Database& db) -> Expected<void> {
      auto n = store::next_due_at(db);
      if (n) next = *n;
      return {};
    });
    auto wait = std::chrono::milliseconds(1000);
    if (next) {
      auto until = *next - to_unix_ms(clock_.now());
      wait = std::clamp(std::chrono::milliseconds(until), std::chrono::milliseconds(1), wait);
    }
    wakeup_.wait_for(wait, stopping_);
  }
}

bool Outbox::run_one_due_action() {
  std::optional<store::ActionRow> action;
  {
    std::lock_guard lock(claim_mutex_);
    std::vector<store::ActionRow> due;
    auto r = store_.read([&](SQLite::Database& db) -> Expected<void> {
      auto d = store::due_actions(db, to_unix_ms(clock_.now()), 1);
      if (!d) return Unexpected(d.error());
      due = std::move(*d);
      return {};
    });
    if (!r || due.empty()) return false;
    bool claimed = false;
    // The claim (attempts+1, status running) is committed before the attempt: an action is
    // never attempted without a durable record that it may have been.
    auto c = store_.write([&](store::Tx& tx) -> Expected<void> {
      auto ok = store::claim_action(tx, due.front().id);
      if (!ok) return Unexpected(ok.error());
      claimed = *ok;
      return {};
    });
    if (!c) {
      spdlog::error("outbox claim failed: {}", printable(c.error().message, 500));
      return false;
    }
    if (!claimed) return true;
    action = std::move(due.front());
    action->attempts += 1;
  }
  execute_claimed(*action);
  return true;
}

void Outbox::execute_claimed(const store::ActionRow& action) {
  auto it = executors_.find(action.kind);
  if (it == executors_.end()) {
    // E.g. a Slack post while Slack is not configured: recorded, never attempted, not an alarm.
    auto w = store_.write([&](store::Tx& tx) -> Expected<void> {
      std::string why = "no connector configured for '" + action.kind + "'";
      if (auto r = store::finish_action(tx, action.id, "skipped", {}, why, 0); !r) return r;
      auto a = tx.audit({"action.skipped",
                         action.event_id,
                         action.id,
                         "",
                         "outbox",
                         {{"kind", action.kind}, {"reason", why}}});
      if (!a) return Unexpected(a.error());
      return {};
    });
    if (!w)
      spdlog::error("cannot record skipped action {}: {}", action.id,
                    printable(w.error().message, 500));
    metrics_.action_result(action.kind, "skipped");
    return;
  }
  Expected<ActionResult> result = fail(Errc::kInternal, "executor did not run");
  try {
    result = it->second->execute(to_action(action), action.idempotency_key);
  } catch (const std::exception& e) {
    result = fail(Errc::kInternal, std::string("executor threw: ") + e.what());
  }
  std::string outcome;
  auto w = store_.write(
      [&](store::Tx& tx) -> Expected<void> { return record(tx, action, result, outcome); });
  if (!w) {
    // The attempt happened but its outcome could not be committed; the action stays
    // "running" and is retried after restart (the documented at-least-once window).
    spdlog::error("cannot record result of action {}: {}", action.id,
                  printable(w.error().message, 500));
    return;
  }
  metrics_.action_result(action.kind, outcome);
  if (!result)
    spdlog::warn("action {} ({}) attempt {} failed: {} → {}", action.id, action.kind,
                 action.attempts, printable(result.error().message, 500), outcome);
  if (outcome != "done" || action.kind == "approval.post") notify();
}

Expected<void> Outbox::record(store::Tx& tx, const store::ActionRow& action,
                              const Expected<ActionResult>& result, std::string& outcome) {
  // Each outcome is one audit entry about the action: its kind first, then the details.
  auto audit = [&](const char* entry, const boost::json::object& details) -> Expected<void> {
    boost::json::object data{{"kind", action.kind}};
    for (const auto& kv : details) data.emplace(kv.key(), kv.value());
    auto a = tx.audit({entry, action.event_id, action.id, "", "outbox", std::move(data)});
    if (!a) return Unexpected(a.error());
    return {};
  };
  if (result) {
    outcome = "done";
    if (auto r = store::finish_action(tx, action.id, "done", result->detail, "", 0); !r) return r;
    auto a = audit("action.result",
                   {{"status", "done"}, {"attempt", action.attempts}, {"result", result->detail}});
    if (!a) return a;
    if (action.kind == "approval.post")
      return desk_.message_posted(tx, action.id, json::string_or(result->detail, "channel"),
                                  json::string_or(result->detail, "ts"));
    return {};
  }
  const Error& err = result.error();
  // A rate limit is the remote asking us to wait, not a failed delivery: it does not use up
  // an attempt (else a long Retry-After, or one shared by a queue of posts, dead-letters
  // actions that were never sent).
  const bool rate_limited = err.code == Errc::kRateLimited;
  if (rate_limited)
    if (auto r = store::uncount_attempt(tx, action.id); !r) return r;
  if (err.transient() && (rate_limited || action.attempts < action.max_attempts)) {
    outcome = "retry";
    auto delay = err.retry_after
                     ? std::chrono::duration_cast<std::chrono::milliseconds>(*err.retry_after)
                     : backoff_delay(action.attempts, config_.outbox.base_backoff,
                                     config_.outbox.max_backoff);
    const auto now = to_unix_ms(clock_.now());
    if (auto r =
            store::finish_action(tx, action.id, "pending", {}, err.message, now + delay.count());
        !r)
      return r;
    return audit(
        "action.retry",
        {{"attempt", action.attempts}, {"error", err.message}, {"retry_in_ms", delay.count()}});
  }
  outcome = "dead";
  if (auto r = store::finish_action(tx, action.id, "dead", {}, err.message, 0); !r) return r;
  auto a = audit("action.dead", {{"attempts", action.attempts},
                                 {"error", err.message},
                                 {"code", std::string(errc_name(err.code))}});
  if (!a) return a;
  return alert_dead(tx, action, err);
}

Expected<void> Outbox::alert_dead(store::Tx& tx, const store::ActionRow& action, const Error& err) {
  // Alert a human, unless the failure is itself an alert (no alert loops).
  if (!config_.slack.configured() || action.idempotency_key.rfind("alert:", 0) == 0) return {};
  boost::json::object f;
  f["channel"] = config_.slack.approvals_channel;
  f["text"] = ":warning: Steward gave up on an action after " + std::to_string(action.attempts) +
              " attempt(s): " + action.summary + " (" + action.kind + ", " + action.id +
              "). Last error: " + err.message;
  auto q = ApprovalDesk::enqueue_system(tx, "slack.post", std::move(f),
                                        "Dead-letter alert for " + action.id, action.event_id,
                                        "alert:" + action.id, config_.outbox.max_attempts);
  if (!q && q.error().code != Errc::kConflict) return Unexpected(q.error());
  return {};
}

}  // namespace steward::runtime
