#include "bot/runtime/record_executor.hpp"

#include "bot/core/json.hpp"
#include "bot/store/conversations.hpp"
#include "bot/store/records.hpp"

namespace steward::runtime {

namespace {

/// A store error of the kind `permanent_code` (bad fields, a missing row) will not go away on a
/// retry: kPermanent. Anything else is passed on as it is.
[[nodiscard]] Expected<void> classify_store_error(Expected<void> w, Errc permanent_code) {
  if (!w && w.error().code == permanent_code) return fail(Errc::kPermanent, w.error().message);
  return w;
}

}  // namespace

Expected<ActionResult> RecordExecutor::execute(const Action& action,
                                               std::string_view idempotency_key) {
  if (action.kind == "pipeline.upsert") return upsert_lead(action, idempotency_key);
  if (action.kind == "ticket.classify") return classify_ticket(action);
  return fail(Errc::kPermanent, "no record executor for '" + action.kind + "'");
}

Expected<ActionResult> RecordExecutor::upsert_lead(const Action& action,
                                                   std::string_view idempotency_key) {
  const std::string email = json::string_or(action.fields, "email");
  if (email.empty()) return fail(Errc::kPermanent, "pipeline.upsert needs an email");
  // The idempotency key is "<event id>:<index>"; the event id ties the history row to its cause.
  std::string event_id(idempotency_key.substr(0, idempotency_key.rfind(':')));
  auto w = classify_store_error(
      store_.write([&](store::Tx& tx) { return store::upsert_lead(tx, action.fields, event_id); }),
      Errc::kInvalidInput);
  if (!w) return Unexpected(w.error());
  return ActionResult{{{"email", email}, {"stage", json::string_or(action.fields, "stage")}}};
}

Expected<ActionResult> RecordExecutor::classify_ticket(const Action& action) {
  const auto& f = action.fields;
  const std::string conversation = json::string_or(f, "conversation_id");
  if (conversation.empty())
    return fail(Errc::kPermanent, "ticket.classify needs a conversation_id");
  // The store keeps risks as one comma-separated column.
  std::string risk;
  if (auto it = f.find("risk"); it != f.end() && it->value().is_array())
    for (const auto& r : it->value().get_array())
      if (r.is_string()) risk += (risk.empty() ? "" : ",") + std::string(r.get_string());
  auto w = classify_store_error(store_.write([&](store::Tx& tx) {
    return store::classify_conversation(tx, conversation, json::string_or(f, "topic"),
                                        json::string_or(f, "urgency"),
                                        json::string_or(f, "sentiment"), risk);
  }),
                                Errc::kNotFound);
  if (!w) return Unexpected(w.error());
  return ActionResult{{{"conversation_id", conversation}, {"topic", json::string_or(f, "topic")}}};
}

}  // namespace steward::runtime
