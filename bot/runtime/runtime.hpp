#pragma once
// The kernel: orchestrator (inbox → agent → decision rights), approvals, and the outbox.

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bot/core/agent.hpp"
#include "bot/core/clock.hpp"
#include "bot/core/executor.hpp"
#include "bot/runtime/approvals.hpp"
#include "bot/runtime/config.hpp"
#include "bot/runtime/directory.hpp"
#include "bot/runtime/mailroom.hpp"
#include "bot/runtime/metrics.hpp"
#include "bot/store/records.hpp"
#include "bot/store/store.hpp"
#include "policies/engine/decision_rights.hpp"
#include "policies/engine/routing.hpp"

namespace steward::runtime {

/// Everything the kernel works with; all references outlive the Runtime.
struct RuntimeDeps {
  store::Store& store;
  const Clock& clock;
  const Config& config;
  const Directory& directory;
  const policies::DecisionRights& rights;
  const policies::Routing& routing;
  std::map<std::string, const Agent*> agents;        ///< by name
  std::map<std::string, ActionExecutor*> executors;  ///< by action kind
  Metrics& metrics;
};

/// Owns the orchestrator thread, the outbox workers and the approval-expiry sweeper.
/// @par Thread safety: ingest()/notify_*() may be called from any thread, including I/O
/// threads (they never block). start()/stop() from the owning thread only.
class Runtime {
 public:
  explicit Runtime(RuntimeDeps deps);
  ~Runtime();

  /// Recovers actions interrupted by a crash, then starts the threads.
  [[nodiscard]] Expected<void> start();
  /// Stops taking work, finishes the current event/attempts, joins. Idempotent.
  void stop();

  /// Commits `event` to the inbox (group commit) and then calls `done` on the writer thread.
  /// Never blocks. kUnavailable (retry_after) when the inbox already holds
  /// config.inbox.max_pending unprocessed events or the store's write queue is full; then
  /// nothing was written.
  void ingest(Event event, std::function<void(Expected<store::IngestResult>)> done);

  /// Wakes the orchestrator / outbox (e.g. after another process wrote to the store).
  void notify_inbox();
  void notify_outbox();

  /// Accepted events not yet processed (an estimate kept in memory; exact when idle).
  [[nodiscard]] std::int64_t inbox_pending() const { return pending_.load(); }

 private:
  void orchestrator_loop();
  void outbox_loop();
  void sweeper_loop();
  std::size_t process_pending_batch();
  Expected<void> process_event(const Event& event);
  /// email.received: files the message in a conversation, then plans (unless auto-reply).
  Expected<void> process_email(const Event& event);
  /// Waits for a set of pipelined commits (write_async) of one orchestrator pass.
  class WriteBatch;
  struct PlanState;
  /// Routes an event to its agent and commits the plan, decisions and approvals. With a batch,
  /// the commit is only queued (the result arrives in the batch); without, it is waited for.
  Expected<void> plan_event(const Event& event, WriteBatch* batch = nullptr);
  /// The plan's commit job: run, audit, decisions, actions and approvals, then the event done.
  Expected<void> commit_plan(store::Tx& tx, PlanState& st);
  /// Runs `job` through the store: waits for it (batch == nullptr) or queues it in `batch`.
  /// `after` runs once the job committed successfully (on the writer thread when batched).
  Expected<void> commit(store::WriteJob job, std::function<void()> after, WriteBatch* batch);
  /// One inbox event left the pending state (keeps the back-pressure estimate).
  void processed_one();
  bool run_one_due_action();
  void execute_claimed(const store::ActionRow& action);

  RuntimeDeps deps_;
  ApprovalDesk desk_;
  MailroomPolicy mailroom_;
  std::atomic<bool> stopping_{false};
  /// Unprocessed inbox events: counted up on commit, down on processing, re-based from the
  /// database at start and whenever the orchestrator finds the inbox empty.
  std::atomic<std::int64_t> pending_{0};
  std::mutex inbox_mutex_;
  std::condition_variable inbox_cv_;
  bool inbox_signal_ = false;
  std::mutex outbox_mutex_;
  std::condition_variable outbox_cv_;
  bool outbox_signal_ = false;
  std::mutex claim_mutex_;
  std::mutex sweep_mutex_;
  std::condition_variable sweep_cv_;
  std::thread orchestrator_;
  std::vector<std::thread> outbox_workers_;
  std::thread sweeper_;
  bool started_ = false;
};

/// Exponential backoff with full jitter: base·2^(attempt-1), capped, then a random value in
/// [cap/2, cap]. Pure apart from the random draw.
std::chrono::milliseconds backoff_delay(int attempt, std::chrono::milliseconds base,
                                        std::chrono::milliseconds cap);

}  // namespace steward::runtime
