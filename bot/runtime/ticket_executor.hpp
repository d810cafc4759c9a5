#pragma once
// Executes `ticket.classify`: records a support agent's triage of a conversation (topic,
// urgency, sentiment, risk) in the store, where `/steward tickets` shows it.

#include "bot/core/executor.hpp"
#include "bot/store/store.hpp"

namespace steward::runtime {

/// Fields: conversation_id (required), topic, urgency, sentiment, risk (array of risk ids).
/// Errors: kPermanent without conversation_id or for a conversation that does not exist;
/// kInternal on store failure (like any non-transient error: dead-lettered with an alert).
/// @par Blocking: one store write per action. Idempotent: a repeat sets the same values.
class TicketExecutor final : public ActionExecutor {
 public:
  explicit TicketExecutor(store::Store& store) : store_(store) {}
  [[nodiscard]] std::vector<std::string> kinds() const override { return {"ticket.classify"}; }
  [[nodiscard]] Expected<ActionResult> execute(const Action& action,
                                               std::string_view idempotency_key) override;

 private:
  store::Store& store_;
};

}  // namespace steward::runtime
