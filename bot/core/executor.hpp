#pragma once
// How the outbox reaches the outside world: one executor per action kind family.

#include <boost/json/object.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "bot/core/action.hpp"
#include "bot/core/expected.hpp"

namespace steward {

/// What an executed action produced (e.g. {"channel":"C1","ts":"1700.0001"} or {"file":…}).
struct ActionResult {
  boost::json::object detail;
};

/// Executes committed outbox actions. Implemented by connectors.
/// @par Blocking: execute() blocks (network, disk) and runs on the worker pool.
/// @par Errors: transient errors (Error::transient()) are retried by the outbox with backoff,
///      honouring retry_after; any other error dead-letters the action at once.
/// @par Idempotency: `idempotency_key` is stable across retries of the same action; executors
///      use it where the remote supports it (Message-ID, file name) so a retry after a crash
///      does not repeat the effect.
class ActionExecutor {
 public:
  virtual ~ActionExecutor() = default;
  /// Action kinds this executor handles ("slack.post", …).
  [[nodiscard]] virtual std::vector<std::string> kinds() const = 0;
  [[nodiscard]] virtual Expected<ActionResult> execute(const Action& action,
                                                       std::string_view idempotency_key) = 0;
};

}  // namespace steward
