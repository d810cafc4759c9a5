#pragma once
// Files email into support conversations: which thread an inbound message belongs to, and
// the Message-IDs of Steward's own replies so the customer's answers thread back.

#include <cstddef>
#include <string>
#include <string_view>

#include "bot/core/action.hpp"
#include "bot/core/event.hpp"
#include "bot/core/expected.hpp"
#include "bot/store/store.hpp"

namespace steward::runtime {

struct FiledEmail {
  std::string conversation_id;
  /// How it was threaded: "rerun" (filed before a crash), "token", "in-reply-to",
  /// "references" or "new".
  std::string how;
  bool is_new = false;
  int messages = 0;  ///< messages in the conversation, this one included
  bool auto_reply = false;
};

/// Files an `email.received` event (payload as built by the email connector) inside `tx`:
/// the conversation this event was already filed under (a re-run after a crash), else the
/// verified reply token's conversation (payload conversation_id, when it exists), else the
/// conversation of In-Reply-To, then of References from right to left, else a new one. Records
/// the message and appends an "email.filed" audit entry. kInternal on store failure.
[[nodiscard]] Expected<FiledEmail> file_inbound_email(store::Tx& tx, const Event& event);

/// The Message-ID (with <>) Steward gives action `index` of event `event_id`: stable across
/// retries and re-runs, unique, and on Steward's own `domain`.
std::string outbound_message_id(std::string_view event_id, std::size_t index,
                                std::string_view domain);

/// For an `email.send` action that belongs to a conversation: sets its message_id field and
/// records it as an outbound message of the conversation (so replies to it thread back).
/// No-op for other actions. kInternal on store failure.
[[nodiscard]] Expected<void> register_outbound_email(store::Tx& tx, Action& action,
                                                     std::string_view event_id, std::size_t index,
                                                     std::string_view domain);

}  // namespace steward::runtime
