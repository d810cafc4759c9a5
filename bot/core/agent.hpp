#pragma once
// The specialist-agent interface: (Event, AgentContext) → Plan. Agents only propose.

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bot/core/action.hpp"
#include "bot/core/clock.hpp"
#include "bot/core/event.hpp"
#include "bot/core/expected.hpp"
#include "bot/core/memory.hpp"
#include "bot/core/model.hpp"

namespace steward {

/// The narrow window through which an agent reads the world. Implemented by the runtime over
/// the store; tests implement it with plain values.
/// @par Blocking: may block (store reads); agents run on the orchestrator thread, never on an
/// I/O thread.
class AgentContext {
 public:
  virtual ~AgentContext() = default;
  [[nodiscard]] virtual TimePoint now() const = 0;
  /// The lead already in the built-in pipeline with this (lower-cased) email, if any:
  /// {"email","name","company","stage","score","created_at"}.
  [[nodiscard]] virtual std::optional<boost::json::object> find_lead(
      std::string_view email) const = 0;
  /// Slack user ids of the people holding `role` in the [[people]] directory (config order).
  [[nodiscard]] virtual std::vector<std::string> slack_ids_with_role(
      std::string_view role) const = 0;
  /// The organisation's memory, read-only; every search names whose access applies.
  [[nodiscard]] virtual const MemoryReader& memory() const = 0;
  /// The model gateway: OfflineModels unless [model.tasks] names providers.
  [[nodiscard]] virtual ModelGateway& models() const = 0;
};

/// A specialist. @par Thread safety: the runtime calls handle() from its orchestrator thread,
/// one event at a time; implementations keep no mutable state all the same, so that a future
/// pool of orchestrators needs no change in them.
class Agent {
 public:
  virtual ~Agent() = default;
  [[nodiscard]] virtual std::string_view name() const = 0;
  /// Returns the plan, or kInvalidInput when the event lacks what the agent needs.
  [[nodiscard]] virtual Expected<Plan> handle(const Event& event, AgentContext& ctx) const = 0;
};

}  // namespace steward
