#pragma once
// The support triage agent: an email to support becomes a classified, explained ticket in the
// support channel, an immediate escalation when it is risky (legal threat, cancellation, safety,
// a VIP customer), and a drafted reply built from the business's own answers. It only proposes;
// decision rights decide what is posted and whether the reply waits for a person's approval.

#include <cstddef>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "agents/common/setup.hpp"
#include "agents/common/text.hpp"
#include "agents/support_triage/rules.hpp"
#include "bot/core/agent.hpp"
#include "bot/core/expected.hpp"

namespace steward::agents::support {

struct SupportTriageConfig {
  TriageRules rules;
  /// Topic id → the text of its reply template (mustache, plain text: nothing is escaped).
  std::map<std::string, std::string, std::less<>> templates;
  std::string support_channel;     ///< Slack channel id for ticket summaries
  std::string escalation_channel;  ///< Slack channel id for risky tickets
  std::string company_name;        ///< our company, for the reply and {{company_name}}
};

/// Loads `rules_dir`/support-triage.toml and, for every topic, `templates_dir`/<template>, and
/// checks that every template compiles. An empty `escalation_channel` means the support channel.
/// Errors: kNotFound (a missing file, named), kInvalidInput "FILE:LINE: …" (rules),
/// "FILE: template error: …" (template syntax), or an empty `support_channel`.
/// Start-up only (reads files).
[[nodiscard]] Expected<SupportTriageConfig> load_config(const std::filesystem::path& rules_dir,
                                                        const std::filesystem::path& templates_dir,
                                                        std::string support_channel,
                                                        std::string escalation_channel,
                                                        std::string company_name);

/// Handles "email.received" events (payload built by the runtime: provider, from (lower-case
/// address), from_name, to[], cc[], subject, text (quoted reply stripped), message_id (no <>),
/// in_reply_to, references[] (no <>), auto_reply, attachments, conversation_id, conversation
/// {new, messages}). The plan (agent "support_triage"):
///  - notes: one line per classification finding (Classification::explain()), then what was
///    done about escalation and the reply;
///  - facts: {"ticket": {conversation_id, topic, urgency, sentiment, risk: [ids], risky, vip,
///    customer, auto_reply}};
///  - actions, in order: "slack.post" summary to the support channel; only when risky,
///    "slack.post" to the escalation channel mentioning everyone with the [escalation] role
///    (the role's name when nobody holds it); unless auto_reply, "email.send" to the customer
///    {to, subject, text, in_reply_to, references, conversation_id} rendered from the topic's
///    template; last, "ticket.classify" {conversation_id, topic, urgency, sentiment, risk:
///    [ids]}, the conversation's record shown by `/steward tickets`. All dynamic text in Slack
///    posts is escaped for mrkdwn.
/// Errors: kInvalidInput for another event kind, or a payload without a usable `from` address
/// or without `conversation_id`; kInternal if a template fails to render.
/// @par Thread safety: stateless after construction; handle() may run concurrently.
class SupportTriage final : public Agent {
 public:
  explicit SupportTriage(SupportTriageConfig config) : config_(std::move(config)) {}

  [[nodiscard]] std::string_view name() const override { return "support_triage"; }
  [[nodiscard]] Expected<Plan> handle(const Event& event, AgentContext& ctx) const override;
  [[nodiscard]] const SupportTriageConfig& config() const { return config_; }

 private:
  SupportTriageConfig config_;
};

/// The agent for agents/builtin.cpp: load_config() from `setup`'s rules_dir, templates_dir,
/// support_channel, escalation_channel and company_name. Errors: load_config's, the message
/// prefixed "support triage: ". Start-up only (reads files).
[[nodiscard]] Expected<std::unique_ptr<Agent>> make(const common::AgentSetup& setup);

/// The reply's To: "addr" or, with a display name, "Name <addr>" ("\"Doe, Jane\" <addr>" when
/// the name holds characters that need quoting; control characters are dropped). Pure.
std::string recipient(std::string_view address, std::string_view display_name);

}  // namespace steward::agents::support
