#include "bot/runtime/ticket_executor.hpp"

#include "bot/core/json.hpp"
#include "bot/store/conversations.hpp"

namespace steward::runtime {

Expected<ActionResult> TicketExecutor::execute(const Action& action, std::string_view) {
  const auto& f = action.fields;
  const std::string conversation = json::string_or(f, "conversation_id");
  if (conversation.empty())
    return fail(Errc::kPermanent, "ticket.classify needs a conversation_id");
  // The store keeps risks as one comma-separated column.
  std::string risk;
  if (auto it = f.find("risk"); it != f.end() && it->value().is_array())
    for (const auto& r : it->value().get_array())
      if (r.is_string()) risk += (risk.empty() ? "" : ",") + std::string(r.get_string());
  auto w = store_.write([&](store::Tx& tx) {
    return store::classify_conversation(tx, conversation, json::string_or(f, "topic"),
                                        json::string_or(f, "urgency"),
                                        json::string_or(f, "sentiment"), risk);
  });
  if (!w) {
    if (w.error().code == Errc::kNotFound) return fail(Errc::kPermanent, w.error().message);
    return Unexpected(w.error());
  }
  ActionResult r;
  r.detail["conversation_id"] = conversation;
  r.detail["topic"] = json::string_or(f, "topic");
  return r;
}

}  // namespace steward::runtime
