#pragma once
// The approval lifecycle: create on `ask`, decide exactly once on a verified click, expire.

#include <boost/json/object.hpp>
#include <string>

#include "bot/core/action.hpp"
#include "bot/core/decision.hpp"
#include "bot/core/event.hpp"
#include "bot/core/expected.hpp"
#include "bot/runtime/config.hpp"
#include "bot/runtime/directory.hpp"
#include "bot/store/records.hpp"
#include "bot/store/store.hpp"

namespace steward::runtime {

/// A request to decide an approval (a Slack click or an operator's CLI command).
struct DecideRequest {
  std::string approval_id;
  std::string decision;      ///< "approve" | "reject"
  std::string user_id;       ///< Slack id of the person deciding
  std::string source;        ///< "slack" | "cli"
  std::string event_id;      ///< the inbox event carrying the click (audit cause)
  std::string response_url;  ///< Slack: where to send an ephemeral refusal (used only when it is
                             ///< under [slack] response_url_base, else chat.postEphemeral)
  std::string channel, message_ts;  ///< Slack: the message clicked
};

/// What happened to a decide request.
struct DecideOutcome {
  bool accepted = false;
  std::string status;   ///< the approval's status afterwards
  std::string message;  ///< for the person: why refused, or what was decided
};

/// Pure logic over a write transaction; owns no threads. @par Thread safety: const methods,
/// safe from any thread; each call runs inside one store write job.
class ApprovalDesk {
 public:
  /// `remember_decisions`: every decision also queues a `memory.write` of who decided what
  /// and why into the "decisions" collection (true when a memory executor is wired).
  ApprovalDesk(const Config& config, const Directory& directory, bool remember_decisions = false)
      : config_(config), directory_(directory), remember_decisions_(remember_decisions) {}

  /// Records an `ask`: the action waits as "awaiting_approval", an approval row is created and,
  /// when Slack is configured, an `approval.post` system action to the approvals channel.
  [[nodiscard]] Expected<store::ApprovalRow> open(store::Tx& tx, const store::ActionRow& action,
                                                  const Decision& decision, const Event& cause,
                                                  const Plan& plan) const;
  /// Applies a decision: checks status, expiry, approver roles and four-eyes, decides once,
  /// releases or cancels the action, queues the Slack message update, audits either way.
  [[nodiscard]] Expected<DecideOutcome> decide(store::Tx& tx, const DecideRequest& request) const;
  /// Marks pending approvals past their expiry as expired (their actions too). Returns count.
  [[nodiscard]] Expected<int> expire(store::Tx& tx) const;

  /// Records where the approval request was posted; when it was decided before the post
  /// completed (e.g. from the CLI), queues the update at once so no live buttons remain.
  [[nodiscard]] Expected<void> message_posted(store::Tx& tx, std::string_view post_action_id,
                                              std::string_view channel, std::string_view ts) const;

  /// True when `url` lies under `[slack] response_url_base` (Slack's hooks host by default).
  [[nodiscard]] bool is_slack_hook_url(std::string_view url) const;

  /// Queues a system action (Steward's own message, not an agent's proposal).
  [[nodiscard]] static Expected<store::ActionRow> enqueue_system(
      store::Tx& tx, std::string kind, boost::json::object fields, std::string summary,
      std::string event_id, std::string idempotency_key, int max_attempts);

 private:
  [[nodiscard]] Expected<void> queue_update(store::Tx& tx, const store::ApprovalRow& approval,
                                            std::string_view channel, std::string_view ts,
                                            std::string_view event_id) const;
  /// Queues the memory.write that remembers a decision (idempotent per approval).
  [[nodiscard]] Expected<void> remember(store::Tx& tx, const store::ApprovalRow& approval,
                                        const store::ActionRow& action, std::string_view status,
                                        std::string_view decided_by) const;

  const Config& config_;
  const Directory& directory_;
  bool remember_decisions_ = false;
};

}  // namespace steward::runtime
