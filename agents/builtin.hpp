#pragma once
// The agents this build of Steward ships.

#include <memory>
#include <vector>

#include "agents/common/setup.hpp"
#include "bot/core/agent.hpp"
#include "bot/core/expected.hpp"

namespace steward::agents {

using common::AgentSetup;

/// Every built-in agent, built from `setup` (rules read and templates checked), in
/// registration order; the runtime finds each by its name(). Adding an agent: a folder
/// agents/<name>/ with its class and a make() factory, and one line in builtin.cpp
/// (docs/adding-an-agent.md).
/// Errors: the first agent's failure, prefixed with which agent ("lead qualifier: FILE:LINE:
/// …", kNotFound for a missing file, kInvalidInput for bad rules or templates); kInternal when
/// two agents share a name. Start-up only (reads files); the agents returned are thread-safe.
[[nodiscard]] Expected<std::vector<std::unique_ptr<Agent>>> builtin_agents(const AgentSetup& setup);

}  // namespace steward::agents
