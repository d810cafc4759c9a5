#pragma once
// What every agent is built from at start-up: where the owner's rules and templates live, who
// "we" are, and the Slack channels agents post to. The wiring fills it from the config; each
// agent's make() takes the parts it needs (agents/builtin.cpp).

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "bot/core/agent.hpp"
#include "bot/core/expected.hpp"

namespace steward::agents::common {

struct AgentSetup {
  std::filesystem::path rules_dir;      ///< policies/rules: each agent's rules file
  std::filesystem::path templates_dir;  ///< policies/templates: message templates
  std::string company_name;             ///< our company, for emails and {{company_name}}
  std::string sender_name;              ///< who signs outgoing emails
  std::string sales_channel;            ///< Slack channel id for lead alerts
  std::string support_channel;          ///< Slack channel id for ticket summaries
  std::string escalation_channel;       ///< Slack channel id for risky tickets (empty: support)
};

/// An agent of type `A` built from its loaded `config`, or the load error with "`what`: "
/// in front (as `steward check` prints it).
template <class A, class Config>
[[nodiscard]] Expected<std::unique_ptr<Agent>> build(std::string_view what,
                                                     Expected<Config> config) {
  if (!config)
    return Unexpected(Error{config.error().code, std::string(what) + ": " + config.error().message,
                            config.error().retry_after});
  return std::unique_ptr<Agent>(std::make_unique<A>(std::move(*config)));
}

}  // namespace steward::agents::common
