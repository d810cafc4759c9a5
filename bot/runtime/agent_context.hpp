#pragma once
// The AgentContext agents read the world through, implemented over the store and directory.

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bot/core/agent.hpp"
#include "bot/core/clock.hpp"
#include "bot/runtime/directory.hpp"
#include "bot/store/store.hpp"

namespace steward::runtime {

/// Reads go through the store's read connection; a failed read is logged and answered as
/// "nothing found" (an agent plans with what it has rather than failing the event).
/// @par Thread safety: safe from any thread (the store serialises reads); blocking.
class StoreAgentContext final : public AgentContext {
 public:
  /// All references outlive the context.
  StoreAgentContext(store::Store& store, const Clock& clock, const Directory& directory)
      : store_(store), clock_(clock), directory_(directory) {}
  [[nodiscard]] TimePoint now() const override { return clock_.now(); }
  [[nodiscard]] std::optional<boost::json::object> find_lead(std::string_view email) const override;
  [[nodiscard]] std::vector<std::string> slack_ids_with_role(std::string_view role) const override;

 private:
  store::Store& store_;
  const Clock& clock_;
  const Directory& directory_;
};

}  // namespace steward::runtime
