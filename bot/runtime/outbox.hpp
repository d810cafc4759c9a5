#pragma once
// The outbox: the only part of Steward that touches the outside world. Claims due actions,
// executes them through their executor, retries with backoff (honouring Retry-After) and
// dead-letters with an alert after the last attempt.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bot/core/clock.hpp"
#include "bot/core/executor.hpp"
#include "bot/core/expected.hpp"
#include "bot/runtime/approvals.hpp"
#include "bot/runtime/config.hpp"
#include "bot/runtime/metrics.hpp"
#include "bot/runtime/wakeup.hpp"
#include "bot/store/records.hpp"
#include "bot/store/store.hpp"

namespace steward::runtime {

/// Owns the outbox worker threads. Every attempt is preceded by a committed claim (attempts+1,
/// status "running") and followed by a committed outcome with its audit entry:
///  - success: "done" (an `approval.post` also records where the request was posted);
///  - a transient error: "pending" again after backoff_delay(), or exactly the error's
///    retry_after when the remote named one; a rate limit (kRateLimited) does not use up an
///    attempt;
///  - a permanent error or the last attempt: "dead", and — when Slack is configured and the
///    action is not itself an alert — a "slack.post" alert to the approvals channel;
///  - no executor for the kind: "skipped" (e.g. Slack not configured), never attempted.
/// @par Thread safety: notify() from any thread; start()/stop() from the owner only.
class Outbox {
 public:
  /// All references outlive the Outbox. `executors` maps an action kind to its executor.
  Outbox(store::Store& store, const Clock& clock, const Config& config,
         std::map<std::string, ActionExecutor*> executors, Metrics& metrics,
         const ApprovalDesk& desk);
  ~Outbox();
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  /// After a crash: actions left "running" become "pending" again (audited as
  /// "outbox.recovered"). Call before start(). kInternal on store failure.
  [[nodiscard]] Expected<void> recover();
  /// Starts `workers` threads. Idempotent while running.
  void start(std::size_t workers);
  /// Finishes the attempts in progress and joins the workers. Idempotent.
  void stop();
  /// Wakes the workers (an action became due, e.g. after an approval).
  void notify();

 private:
  void worker_loop();
  /// Claims and executes at most one due action; false when none was due.
  bool run_one_due_action();
  void execute_claimed(const store::ActionRow& action);
  /// Records the outcome of an attempt inside `tx`; `outcome` becomes done|retry|dead.
  [[nodiscard]] Expected<void> record(store::Tx& tx, const store::ActionRow& action,
                                      const Expected<ActionResult>& result, std::string& outcome);
  [[nodiscard]] Expected<void> alert_dead(store::Tx& tx, const store::ActionRow& action,
                                          const Error& err);

  store::Store& store_;
  const Clock& clock_;
  const Config& config_;
  std::map<std::string, ActionExecutor*> executors_;
  Metrics& metrics_;
  const ApprovalDesk& desk_;
  Wakeup wakeup_;
  std::atomic<bool> stopping_{false};
  std::mutex claim_mutex_;
  std::vector<std::thread> workers_;
};

/// Exponential backoff with full jitter: base·2^(attempt-1), capped, then a random value in
/// [cap/2, cap]. Pure apart from the random draw.
std::chrono::milliseconds backoff_delay(int attempt, std::chrono::milliseconds base,
                                        std::chrono::milliseconds cap);

}  // namespace steward::runtime
