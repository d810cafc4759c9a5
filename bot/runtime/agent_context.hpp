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
  /// `memory`/`models` null: nothing remembered, every model task offline.
  StoreAgentContext(store::Store& store, const Clock& clock, const Directory& directory,
                    const MemoryReader* memory = nullptr, ModelGateway* models = nullptr)
      : store_(store),
        clock_(clock),
        directory_(directory),
        memory_(memory ? memory : &empty_memory_),
        models_(models ? models : &offline_models_) {}
  [[nodiscard]] TimePoint now() const override { return clock_.now(); }
  [[nodiscard]] std::optional<boost::json::object> find_lead(std::string_view email) const override;
  [[nodiscard]] std::vector<std::string> slack_ids_with_role(std::string_view role) const override;
  [[nodiscard]] const MemoryReader& memory() const override { return *memory_; }
  [[nodiscard]] ModelGateway& models() const override { return *models_; }

 private:
  store::Store& store_;
  const Clock& clock_;
  const Directory& directory_;
  const MemoryReader* memory_;
  ModelGateway* models_;
  static inline EmptyMemory empty_memory_;
  static inline OfflineModels offline_models_;
};

}  // namespace steward::runtime
