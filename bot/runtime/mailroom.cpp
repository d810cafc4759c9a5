#include "bot/runtime/mailroom.hpp"

#include <boost/json/array.hpp>

#include "bot/core/json.hpp"
#include "bot/core/mailbox.hpp"
#include "bot/store/conversations.hpp"

namespace steward::runtime {

namespace {

std::string strip_angles(std::string_view id) {
  while (!id.empty() && (id.front() == '<' || id.front() == ' ')) id.remove_prefix(1);
  while (!id.empty() && (id.back() == '>' || id.back() == ' ')) id.remove_suffix(1);
  return std::string(id);
}

/// The ids this message answers, most specific first: In-Reply-To, then References from the
/// newest (rightmost) to the oldest.
std::vector<std::pair<std::string, std::string>> parent_ids(const boost::json::object& payload) {
  std::vector<std::pair<std::string, std::string>> out;
  auto irt = strip_angles(json::string_or(payload, "in_reply_to"));
  if (!irt.empty()) out.emplace_back(irt, "in-reply-to");
  if (auto it = payload.find("references"); it != payload.end() && it->value().is_array()) {
    const auto& refs = it->value().get_array();
    for (auto r = refs.rbegin(); r != refs.rend(); ++r)
      if (r->is_string()) out.emplace_back(strip_angles(r->get_string()), "references");
  }
  return out;
}

/// The addresses of an action field that is a string ("a@x, B <b@y>") or an array of them.
std::vector<std::string> addresses_of(const boost::json::object& fields, std::string_view key) {
  std::vector<std::string> out;
  auto split = [&out](std::string_view list) {
    while (!list.empty()) {
      auto comma = list.find(',');
      out.emplace_back(list.substr(0, comma));
      if (comma == std::string_view::npos) break;
      list.remove_prefix(comma + 1);
    }
  };
  auto it = fields.find(key);
  if (it == fields.end()) return out;
  if (it->value().is_string()) split(it->value().get_string());
  if (it->value().is_array())
    for (const auto& v : it->value().get_array())
      if (v.is_string()) out.emplace_back(v.get_string());
  return out;
}

}  // namespace

bool MailroomPolicy::is_staff(std::string_view address) const {
  const std::string mailbox = mailbox_identity(address);
  if (mailbox.empty()) return false;
  // Both sides lower-cased: the identity is, and config lower-cases [company] domains.
  const std::string_view domain = std::string_view(mailbox).substr(mailbox.rfind('@') + 1);
  for (const auto& d : company_domains)
    if (d == domain) return true;
  for (const auto& p : staff)
    if (mailbox_identity(p) == mailbox) return true;
  return false;
}

[[nodiscard]] Expected<FiledEmail> file_inbound_email(store::Tx& tx, const Event& event,
                                                      const MailroomPolicy& policy) {
  const auto& p = event.payload;
  FiledEmail filed;
  filed.auto_reply = json::get_bool(p, "auto_reply").value_or(false);

  auto before = store::conversation_of_event(tx.db(), event.id);
  if (!before) return Unexpected(before.error());
  if (*before) {
    auto c = store::get_conversation(tx.db(), **before);
    if (!c) return Unexpected(c.error());
    filed.conversation_id = **before;
    filed.how = "rerun";
    filed.messages = *c ? (*c)->messages : 0;
    filed.is_new = *c && (*c)->messages <= 1;
    return filed;
  }

  const std::string sender = json::string_or(p, "from");
  const bool staff = policy.is_staff(sender);
  std::string link, why;  // a conversation the mail pointed at but may not join, and why not

  if (auto token_conv = json::string_or(p, "conversation_id"); !token_conv.empty()) {
    auto c = store::get_conversation(tx.db(), token_conv);
    if (!c) return Unexpected(c.error());
    // A token of a conversation a person merged away leads to where its thread lives now.
    for (int hops = 0; *c && !(*c)->merged_into.empty() && hops < 8; ++hops) {
      token_conv = (*c)->merged_into;
      c = store::get_conversation(tx.db(), token_conv);
      if (!c) return Unexpected(c.error());
    }
    auto revoked = store::is_revoked(tx.db(), token_conv, sender);
    if (!revoked) return Unexpected(revoked.error());
    if (*c && !*revoked) {
      filed.conversation_id = token_conv;
      filed.how = "token";
    } else if (*c) {
      link = token_conv;
      why = "reply access of the sender was revoked";
    }
  }
  if (filed.conversation_id.empty()) {
    for (const auto& [id, how] : parent_ids(p)) {
      auto c = store::conversation_of_message(tx.db(), id);
      if (!c) return Unexpected(c.error());
      if (!*c) continue;
      auto member = staff ? Expected<bool>(true) : store::is_participant(tx.db(), **c, sender);
      if (!member) return Unexpected(member.error());
      if (*member) {
        filed.conversation_id = **c;
        filed.how = how;
        break;
      }
      if (link.empty()) {
        link = **c;
        why = "the sender is not a participant of the conversation its " + how + " names";
      }
    }
  }
  if (filed.conversation_id.empty() && link.empty()) {
    // A reply token made for someone else (forwarded, leaked): worth a human's look.
    auto claimed = json::string_or(p, "reply_token_refused");
    if (!claimed.empty()) {
      auto c = store::get_conversation(tx.db(), claimed);
      if (!c) return Unexpected(c.error());
      if (*c) {
        link = claimed;
        why = "the reply token was issued to another address";
      }
    }
  }
  if (filed.conversation_id.empty()) {
    store::ConversationRow row;
    row.customer = sender;
    row.customer_name = json::string_or(p, "from_name");
    row.subject = json::string_or(p, "subject");
    row.linked_to = link;
    row.link_reason = why;
    if (auto r = store::insert_conversation(tx, row); !r) return Unexpected(r.error());
    if (auto r = store::add_participant(tx, row.id, sender, "customer"); !r)
      return Unexpected(r.error());
    filed.conversation_id = row.id;
    filed.how = "new";
    filed.is_new = true;
    filed.linked_to = link;
  }

  store::EmailMessageRow msg;
  msg.message_id = strip_angles(json::string_or(p, "message_id"));
  msg.conversation_id = filed.conversation_id;
  msg.direction = "in";
  msg.event_id = event.id;
  msg.sender = json::string_or(p, "from");
  msg.subject = json::string_or(p, "subject");
  msg.auto_reply = filed.auto_reply;
  auto recorded = store::record_email_message(tx, msg);
  if (!recorded) return Unexpected(recorded.error());
  if (!*recorded && !msg.message_id.empty()) {
    // The Message-ID is known already (e.g. our own mail coming back through a provider):
    // record the delivery without the id so the event is still accounted for.
    msg.message_id.clear();
    auto again = store::record_email_message(tx, msg);
    if (!again) return Unexpected(again.error());
  }
  auto c = store::get_conversation(tx.db(), filed.conversation_id);
  if (!c) return Unexpected(c.error());
  filed.messages = *c ? (*c)->messages : 1;

  auto a = tx.audit({"email.filed",
                     event.id,
                     "",
                     "",
                     event.actor,
                     {{"conversation_id", filed.conversation_id},
                      {"threaded_by", filed.how},
                      {"auto_reply", filed.auto_reply},
                      {"messages", filed.messages},
                      {"linked_to", filed.linked_to},
                      {"not_joined_because", filed.linked_to.empty() ? "" : why}}});
  if (!a) return Unexpected(a.error());
  return filed;
}

std::string outbound_message_id(std::string_view event_id, std::size_t index,
                                std::string_view domain) {
  return "<steward." + std::string(event_id) + "." + std::to_string(index) + "@" +
         std::string(domain) + ">";
}

[[nodiscard]] Expected<void> register_outbound_email(store::Tx& tx, Action& action,
                                                     std::string_view event_id, std::size_t index,
                                                     std::string_view domain) {
  if (action.kind != "email.send") return {};
  auto conv = json::string_or(action.fields, "conversation_id");
  if (conv.empty()) return {};
  auto mid = outbound_message_id(event_id, index, domain);
  action.fields["message_id"] = mid;
  store::EmailMessageRow msg;
  msg.message_id = strip_angles(mid);
  msg.conversation_id = conv;
  msg.direction = "out";
  msg.event_id = std::string(event_id);
  msg.sender = "steward";
  msg.subject = json::string_or(action.fields, "subject");
  auto r = store::record_email_message(tx, msg);
  if (!r) return Unexpected(r.error());
  for (std::string_view key : {"to", "cc"})
    for (const auto& address : addresses_of(action.fields, key))
      if (auto p = store::add_participant(tx, conv, address, "recipient"); !p)
        return Unexpected(p.error());
  return {};
}

}  // namespace steward::runtime
