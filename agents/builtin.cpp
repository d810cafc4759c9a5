#include "agents/builtin.hpp"

#include <set>
#include <string>

#include "agents/lead_qualifier/lead_qualifier.hpp"
#include "agents/mention_reply/mention_reply.hpp"
#include "agents/support_triage/support_triage.hpp"

namespace steward::agents {

namespace {

using Factory = Expected<std::unique_ptr<Agent>> (*)(const AgentSetup&);

// One line per agent.
constexpr Factory kFactories[] = {
    lead::make,
    support::make,
    mention::make,
};

}  // namespace

[[nodiscard]] Expected<std::vector<std::unique_ptr<Agent>>> builtin_agents(
    const AgentSetup& setup) {
  std::vector<std::unique_ptr<Agent>> out;
  std::set<std::string, std::less<>> names;
  for (auto make : kFactories) {
    auto agent = make(setup);
    if (!agent) return Unexpected(agent.error());
    // deps.agents is keyed by name: a second agent of the same name would silently replace
    // the first.
    if (!names.emplace((*agent)->name()).second)
      return fail(Errc::kInternal, "two agents are named " + std::string((*agent)->name()));
    out.push_back(std::move(*agent));
  }
  return out;
}

}  // namespace steward::agents
