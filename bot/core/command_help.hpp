#pragma once
// The list of `/steward` commands: the answer to `/steward help`, and what the agent that
// answers mentions of Steward replies with. One text, so both always say the same.

#include <string>

namespace steward {

/// Slack mrkdwn, one command per line.
inline std::string command_help() {
  return "*Steward* commands:\n"
         "• `/steward status` — inbox, outbox and approvals at a glance\n"
         "• `/steward approvals` — requests waiting for a decision, with their age\n"
         "• `/steward tickets` — support conversations and where each one stands\n"
         "• `/steward help` — this message";
}

}  // namespace steward
