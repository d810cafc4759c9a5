#pragma once
// The mention agent: when someone mentions @Steward in Slack, it answers in that message's
// thread with the list of `/steward` commands. It only proposes the reply; decision rights
// decide whether it is posted (policies/rules/decision-rights.toml#mention-replies).

#include <memory>
#include <string_view>

#include "agents/common/setup.hpp"
#include "bot/core/agent.hpp"
#include "bot/core/expected.hpp"

namespace steward::agents::mention {

/// Handles "slack.mention" events (payload as built by the Slack connector: channel, ts,
/// thread_ts — empty outside a thread —, text without the leading mention, user). The plan
/// (agent "mention_reply"):
///  - notes: whether help was asked for or the request was not understood;
///  - facts: {"mention": {"channel", "help": bool}};
///  - actions: one "slack.post" {channel, thread_ts (the mention's thread, else the mention
///    itself), text}: command_help(), prefixed with "I did not understand that." unless the
///    text is empty or asks for help.
/// Errors: kInvalidInput for another event kind or a payload without channel or ts.
/// @par Thread safety: stateless; handle() may run concurrently.
class MentionReply final : public Agent {
 public:
  [[nodiscard]] std::string_view name() const override { return "mention_reply"; }
  [[nodiscard]] Expected<Plan> handle(const Event& event, AgentContext& ctx) const override;
};

/// The agent for agents/builtin.cpp; it reads nothing from `setup` (the channel comes with each
/// mention). Never fails.
[[nodiscard]] Expected<std::unique_ptr<Agent>> make(const common::AgentSetup& setup);

}  // namespace steward::agents::mention
