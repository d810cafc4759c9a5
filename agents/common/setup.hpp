#pragma once
// What every agent is built from at start-up: where the owner's rules and templates live, who
// "we" are, and the Slack channels agents post to. The wiring fills it from the config; each
// agent's make() takes the parts it needs (agents/builtin.cpp).

#include <filesystem>
#include <string>

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

}  // namespace steward::agents::common
