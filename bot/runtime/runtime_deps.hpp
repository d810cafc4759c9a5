#pragma once
// What the kernel works with, handed in by the composition root.

#include <map>
#include <string>

#include "bot/core/agent.hpp"
#include "bot/core/clock.hpp"
#include "bot/core/executor.hpp"
#include "bot/core/memory.hpp"
#include "bot/core/model.hpp"
#include "bot/runtime/config.hpp"
#include "bot/runtime/directory.hpp"
#include "bot/runtime/metrics.hpp"
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
  /// What agents search and call through their context; null: EmptyMemory / OfflineModels.
  const MemoryReader* memory = nullptr;
  ModelGateway* models = nullptr;
};

}  // namespace steward::runtime
