#pragma once
// The kernel's own executor: actions whose effect is a record in Steward's store.
//   pipeline.upsert   a lead in the built-in sales pipeline (fields: email, name, company,
//                     phone, stage, score, source_form, breakdown)
//   ticket.classify   a support agent's triage of a conversation (fields: conversation_id,
//                     topic, urgency, sentiment, risk — an array of risk ids), which
//                     `/steward tickets` shows

#include "bot/core/executor.hpp"
#include "bot/store/store.hpp"

namespace steward::runtime {

/// Errors: kPermanent when a required field is missing (email; conversation_id) or the
/// conversation does not exist; the store's error otherwise (kInternal: dead-lettered with an
/// alert like any non-transient error).
/// @par Blocking: one store write per action. Idempotent: an upsert repeated after a crash
/// finds its own history row (keyed by the event) and stops; a classification repeated sets
/// the same values.
class RecordExecutor final : public ActionExecutor {
 public:
  explicit RecordExecutor(store::Store& store) : store_(store) {}
  [[nodiscard]] std::vector<std::string> kinds() const override {
    return {"pipeline.upsert", "ticket.classify"};
  }
  [[nodiscard]] Expected<ActionResult> execute(const Action& action,
                                               std::string_view idempotency_key) override;

 private:
  [[nodiscard]] Expected<ActionResult> upsert_lead(const Action& action,
                                                   std::string_view idempotency_key);
  [[nodiscard]] Expected<ActionResult> classify_ticket(const Action& action);

  store::Store& store_;
};

}  // namespace steward::runtime
