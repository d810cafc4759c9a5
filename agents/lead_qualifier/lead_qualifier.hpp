#pragma once
// The lead qualification agent: a submitted form becomes a scored, explained lead in the
// pipeline, an alert in the sales channel and, for qualified leads, a drafted follow-up email.
// It only proposes; decision rights decide what actually happens.

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "agents/common/setup.hpp"
#include "agents/common/text.hpp"
#include "agents/lead_qualifier/scoring.hpp"
#include "bot/core/agent.hpp"
#include "bot/core/expected.hpp"

namespace steward::agents::lead {

struct LeadQualifierConfig {
  ScoringRules rules;
  std::string follow_up_template;  ///< mustache, plain text (nothing is escaped)
  std::string sales_channel;       ///< Slack channel id for lead alerts
  std::string company_name;        ///< our company, for the email
  std::string sender_name;         ///< who signs the email
  std::string subject_template;    ///< mustache, from [follow_up] subject
};

/// Loads `rules_dir`/lead-scoring.toml and `templates_dir`/lead-follow-up.mustache and checks
/// that both templates compile. Errors: kNotFound (missing file), kInvalidInput with
/// "FILE:LINE: …" (rules) or "FILE: …" (template syntax). Start-up only (reads files).
[[nodiscard]] Expected<LeadQualifierConfig> load_config(const std::filesystem::path& rules_dir,
                                                        const std::filesystem::path& templates_dir,
                                                        std::string sales_channel,
                                                        std::string company_name,
                                                        std::string sender_name);

/// Handles "form.submitted" events whose payload is {form, fields: {name, email, company,
/// employees, budget, message, phone}}. The plan (agent "lead_qualifier"):
///  - notes: one line per score line, then the total and stage;
///  - facts: {"lead": {email, domain, score, stage, is_new}};
///  - actions, in order: "pipeline.upsert"; "slack.post" to the sales channel (Block Kit, all
///    dynamic text escaped for mrkdwn); and, for stages listed in [follow_up] stages,
///    "email.send" to the lead, rendered from the templates.
/// Errors: kInvalidInput for another event kind, a payload without a `fields` object, or a
/// missing/malformed email address.
/// @par Thread safety: stateless after construction; handle() may run concurrently.
class LeadQualifier final : public Agent {
 public:
  explicit LeadQualifier(LeadQualifierConfig config) : config_(std::move(config)) {}

  [[nodiscard]] std::string_view name() const override { return "lead_qualifier"; }
  [[nodiscard]] Expected<Plan> handle(const Event& event, AgentContext& ctx) const override;

 private:
  LeadQualifierConfig config_;
};

/// The agent for agents/builtin.cpp: load_config() from `setup`'s rules_dir, templates_dir,
/// sales_channel, company_name and sender_name. Errors: load_config's, the message prefixed
/// "lead qualifier: ". Start-up only (reads files).
[[nodiscard]] Expected<std::unique_ptr<Agent>> make(const common::AgentSetup& setup);

/// A short summary of what the lead asked for: the first sentence of their message, at most
/// `max_chars` bytes (cut at a word, "…" appended), without trailing punctuation; empty when
/// there is no message.
std::string summarise_need(std::string_view message, std::size_t max_chars = 160);

}  // namespace steward::agents::lead
