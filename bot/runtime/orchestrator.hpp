#pragma once
// The orchestrator: takes events into the inbox (group commit, back-pressure), and processes
// them in order — inline in the kernel or planned by an agent (event_table.hpp) — turning
// each plan into runs, decisions, outbox actions and approvals in one commit.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "bot/core/event.hpp"
#include "bot/core/expected.hpp"
#include "bot/runtime/approvals.hpp"
#include "bot/runtime/event_table.hpp"
#include "bot/runtime/mailroom.hpp"
#include "bot/runtime/runtime_deps.hpp"
#include "bot/runtime/wakeup.hpp"
#include "bot/store/records.hpp"

namespace steward::runtime {

/// Owns the orchestrator thread. Events are processed oldest first; an event whose commit
/// failed stays pending and is retried on the next pass.
/// @par Thread safety: ingest()/notify()/pending() from any thread, never blocking;
/// start()/stop() from the owner only.
class Orchestrator {
 public:
  /// `deps`, `desk` outlive the orchestrator; `wake_outbox` is called (from the orchestrator
  /// or the store's writer thread) whenever committed actions may have become due.
  Orchestrator(const RuntimeDeps& deps, const ApprovalDesk& desk,
               std::function<void()> wake_outbox);
  ~Orchestrator();
  Orchestrator(const Orchestrator&) = delete;
  Orchestrator& operator=(const Orchestrator&) = delete;

  /// Sets the back-pressure estimate to the inbox's pending count. kInternal on store failure.
  [[nodiscard]] Expected<void> count_pending();
  void start();
  /// Finishes the current event (and the commits queued by its pass), joins. Idempotent.
  void stop();

  /// See Runtime::ingest.
  void ingest(Event event, std::function<void(Expected<store::IngestResult>)> done);
  void notify();
  /// Accepted events not yet processed (an estimate; exact when idle).
  [[nodiscard]] std::int64_t pending() const { return pending_.load(); }

 private:
  class WriteBatch;
  struct PlanState;

  void loop();
  std::size_t process_pending_batch();
  /// Routes an event to its agent and commits the plan, decisions and approvals. With a batch
  /// the commit is only queued (its result arrives in the batch); without, it is waited for.
  /// `finished` runs once the commit landed.
  [[nodiscard]] Expected<void> plan_event(const Event& event, WriteBatch* batch,
                                          std::function<void()> finished = {});
  /// The plan's commit job: run, audit, decisions, actions and approvals, then the event done.
  [[nodiscard]] Expected<void> commit_plan(store::Tx& tx, PlanState& st);
  /// Runs `job` through the store: waits for it (batch == nullptr) or queues it in `batch`.
  /// `after` runs once the job committed successfully (on the writer thread when batched).
  [[nodiscard]] Expected<void> commit(store::WriteJob job, std::function<void()> after,
                                      WriteBatch* batch);
  /// One inbox event left the pending state. Called exactly once per processed event.
  void processed_one();

  const RuntimeDeps& deps_;
  const ApprovalDesk& desk_;
  std::function<void()> wake_outbox_;
  MailroomPolicy mailroom_;
  KernelServices kernel_;
  std::atomic<bool> stopping_{false};
  /// Unprocessed inbox events: counted up on commit, down on processing, re-based from the
  /// database at start and whenever a pass finds the inbox empty.
  std::atomic<std::int64_t> pending_{0};
  Wakeup wakeup_;
  std::thread thread_;
};

}  // namespace steward::runtime
