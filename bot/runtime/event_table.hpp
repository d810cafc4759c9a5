#pragma once
// The one table from event kind to how the orchestrator handles it: inline in the kernel, or
// planned by an agent. A new event kind that an agent handles needs no entry (a route in
// policies/rules/routing.toml is enough); a kind the kernel itself handles gets one row.

#include <functional>
#include <string_view>

#include "bot/core/event.hpp"
#include "bot/core/expected.hpp"
#include "bot/runtime/approvals.hpp"
#include "bot/runtime/mailroom.hpp"
#include "bot/runtime/runtime_deps.hpp"

namespace steward::runtime {

/// What inline handlers may use; provided by the orchestrator. Handlers run on the
/// orchestrator thread and block on the store.
struct KernelServices {
  const RuntimeDeps& deps;  ///< the store, the metrics, the config …
  const ApprovalDesk& desk;
  const MailroomPolicy& mailroom;
  /// Wakes the outbox (an action may have become due).
  std::function<void()> wake_outbox;
  /// Routes `event` to its agent and commits the plan before returning (never pipelined).
  std::function<Expected<void>(const Event&)> plan;
};

/// Handles one event and commits its outcome (the event marked done or failed) before it
/// returns. An error means nothing was committed: the event stays pending and is retried.
using InlineHandler = Expected<void> (*)(KernelServices&, const Event&);

struct EventHandler {
  enum class Mode {
    /// Reads what earlier events' commits wrote (an approval's state, a mail thread), so every
    /// commit queued before it in the same pass settles first; then `run` commits on its own.
    kInline,
    /// Routed to an agent; its commit is pipelined with the others of the pass (group commit).
    kPlanned,
  };
  std::string_view kind;  ///< exact kind, or "*" for every kind not listed
  Mode mode;
  InlineHandler run;  ///< kInline only; nullptr for kPlanned
};

/// The row for `kind`: its own, else the "*" row (planned).
[[nodiscard]] const EventHandler& event_handler(std::string_view kind);

}  // namespace steward::runtime
