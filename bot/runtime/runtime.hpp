#pragma once
// The kernel: the orchestrator (inbox → agent → decision rights), approvals and their expiry
// sweeper, and the outbox — composed behind one object the composition root starts and stops.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

#include "bot/core/event.hpp"
#include "bot/core/expected.hpp"
#include "bot/runtime/approvals.hpp"
#include "bot/runtime/orchestrator.hpp"
#include "bot/runtime/outbox.hpp"
#include "bot/runtime/runtime_deps.hpp"
#include "bot/runtime/ticket_executor.hpp"
#include "bot/store/records.hpp"

namespace steward::runtime {

/// Owns the orchestrator thread, the outbox workers and the approval-expiry sweeper.
/// The kernel's own executor (`ticket.classify`, TicketExecutor) is added to
/// RuntimeDeps::executors unless the deps already name one for that kind.
/// @par Thread safety: ingest()/notify_*() may be called from any thread, including I/O
/// threads (they never block). start()/stop() from the owning thread only.
class Runtime {
 public:
  explicit Runtime(RuntimeDeps deps);
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  /// Recovers actions interrupted by a crash, then starts the threads.
  [[nodiscard]] Expected<void> start();
  /// Stops taking work, finishes the current event/attempts, joins. Idempotent.
  void stop();

  /// Commits `event` to the inbox (group commit) and then calls `done` on the writer thread.
  /// Never blocks. kUnavailable (retry_after) when the inbox already holds
  /// config.inbox.max_pending unprocessed events or the store's write queue is full; then
  /// nothing was written.
  void ingest(Event event, std::function<void(Expected<store::IngestResult>)> done) {
    orchestrator_.ingest(std::move(event), std::move(done));
  }

  /// Wakes the orchestrator / outbox (e.g. after another process wrote to the store).
  void notify_inbox() { orchestrator_.notify(); }
  void notify_outbox() { outbox_.notify(); }

  /// Accepted events not yet processed (an estimate kept in memory; exact when idle).
  [[nodiscard]] std::int64_t inbox_pending() const { return orchestrator_.pending(); }

 private:
  void sweeper_loop();

  TicketExecutor tickets_;  ///< before deps_: deps_ holds its address
  RuntimeDeps deps_;
  ApprovalDesk desk_;
  Outbox outbox_;
  Orchestrator orchestrator_;
  std::atomic<bool> stopping_{false};
  std::mutex sweep_mutex_;
  std::condition_variable sweep_cv_;
  std::thread sweeper_;
  bool started_ = false;
};

}  // namespace steward::runtime
