#include "bot/runtime/event_table.hpp"

#include <array>
#include <memory>

#include "bot/core/json.hpp"
#include "bot/store/records.hpp"

namespace steward::runtime {

namespace {

/// approval.click (a Slack button) and approval.decide (the CLI): decided exactly once,
/// against the approval's state as committed by earlier events.
[[nodiscard]] Expected<void> decide_approval(KernelServices& k, const Event& event) {
  DecideRequest req;
  req.approval_id = json::string_or(event.payload, "approval_id");
  req.decision = json::string_or(event.payload, "decision");
  req.user_id = json::string_or(event.payload, "user_id", event.actor);
  req.source =
      event.kind == "approval.click" ? "slack" : json::string_or(event.payload, "source", "cli");
  req.event_id = event.id;
  req.response_url = json::string_or(event.payload, "response_url");
  req.channel = json::string_or(event.payload, "channel_id");
  req.message_ts = json::string_or(event.payload, "message_ts");
  auto outcome = std::make_shared<DecideOutcome>();
  auto w = k.deps.store.write([&, outcome](store::Tx& tx) -> Expected<void> {
    auto o = k.desk.decide(tx, req);
    if (!o) return Unexpected(o.error());
    *outcome = *o;
    return store::finish_event(tx, event.id, "done", o->accepted ? "" : o->message);
  });
  if (!w) return w;
  k.deps.metrics.event_processed(event.kind, outcome->accepted ? "accepted" : "refused");
  k.wake_outbox();
  return {};
}

/// slack.command: answered in the HTTP acknowledgement; recorded here so the audit shows it
/// was handled.
[[nodiscard]] Expected<void> record_command(KernelServices& k, const Event& event) {
  auto w =
      k.deps.store.write([&](store::Tx& tx) { return store::finish_event(tx, event.id, "done"); });
  if (w) k.deps.metrics.event_processed(event.kind, "answered");
  return w;
}

/// email.received: filed in its conversation (threading reads the conversations earlier
/// mails created), then planned by its agent unless it is an automatic reply.
[[nodiscard]] Expected<void> file_email(KernelServices& k, const Event& event) {
  FiledEmail filed;
  auto w = k.deps.store.write([&](store::Tx& tx) -> Expected<void> {
    auto f = file_inbound_email(tx, event, k.mailroom);
    if (!f) return Unexpected(f.error());
    filed = *f;
    if (!filed.auto_reply) return {};
    // Recorded in its conversation, never answered: answering auto-replies makes mail loops.
    store::AuditEntry entry{"email.auto_reply", event.id, "", "", event.actor, {}};
    entry.data["conversation_id"] = filed.conversation_id;
    entry.data["reason"] = json::string_or(event.payload, "auto_reason");
    if (auto a = tx.audit(entry); !a) return Unexpected(a.error());
    return store::finish_event(tx, event.id, "done", "auto-reply: not answered");
  });
  if (!w) return w;
  if (filed.auto_reply) {
    k.deps.metrics.event_processed(event.kind, "auto_reply");
    return {};
  }
  Event routed = event;
  routed.payload["conversation_id"] = filed.conversation_id;
  routed.payload["conversation"] =
      boost::json::object{{"new", filed.is_new}, {"messages", filed.messages}};
  return k.plan(routed);
}

using Mode = EventHandler::Mode;

// Slack mentions, forms and everything else an agent answers fall under "*": routing.toml
// picks the agent (an event no route fits is recorded as unrouted).
constexpr std::array kTable{
    EventHandler{"approval.click", Mode::kInline, &decide_approval},
    EventHandler{"approval.decide", Mode::kInline, &decide_approval},
    EventHandler{"slack.command", Mode::kInline, &record_command},
    EventHandler{"email.received", Mode::kInline, &file_email},
    EventHandler{"*", Mode::kPlanned, nullptr},
};

}  // namespace

const EventHandler& event_handler(std::string_view kind) {
  for (const auto& h : kTable)
    if (h.kind == kind) return h;
  return kTable.back();
}

}  // namespace steward::runtime
