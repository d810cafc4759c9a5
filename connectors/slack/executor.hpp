#pragma once
// Executes Slack-bound outbox actions through a WebClient.

#include <string>
#include <string_view>
#include <vector>

#include "bot/core/executor.hpp"
#include "connectors/slack/client.hpp"

namespace steward::slack {

/// Handles the action kinds:
///  - "slack.post"      {channel, text, blocks?, thread_ts?}             → {channel, ts}
///  - "slack.update"    {channel, ts, text, blocks?}                     → {channel, ts}
///  - "slack.respond"   {response_url, text, blocks?, response_type?
///                       ("ephemeral"|"in_channel"), replace_original?}  → {}
///  - "slack.ephemeral" {channel, user, text} chat.postEphemeral          → {}
///  - "approval.post"   approval request fields (see blocks.hpp), posted to fields.channel
///                                                                       → {channel, ts}
///  - "approval.update" approval outcome fields, chat.update on channel+ts → {channel, ts}
/// Missing or mistyped fields → kInvalidInput (never retried); an unknown kind → kPermanent.
/// Web API errors are passed through as mapped by WebClient (transient ones are retried by the
/// outbox). Slack has no idempotency key for chat.postMessage, so `idempotency_key` is unused:
/// a retry after an ambiguous failure (timeout) may post twice.
/// @par Thread safety: as WebClient (safe for concurrent execute calls).
/// @par Blocking: execute() blocks for the HTTP call and the per-channel pacing.
class SlackExecutor final : public ActionExecutor {
 public:
  explicit SlackExecutor(WebClient& client) : client_(client) {}

  // ActionExecutor
  [[nodiscard]] std::vector<std::string> kinds() const override;
  [[nodiscard]] Expected<ActionResult> execute(const Action& action,
                                               std::string_view idempotency_key) override;

 private:
  [[nodiscard]] Expected<ActionResult> post(const boost::json::object& f);
  [[nodiscard]] Expected<ActionResult> update(const boost::json::object& f);
  [[nodiscard]] Expected<ActionResult> respond(const boost::json::object& f);
  [[nodiscard]] Expected<ActionResult> ephemeral(const boost::json::object& f);
  [[nodiscard]] Expected<ActionResult> approval_post(const boost::json::object& f);
  [[nodiscard]] Expected<ActionResult> approval_update(const boost::json::object& f);

  WebClient& client_;
};

}  // namespace steward::slack
