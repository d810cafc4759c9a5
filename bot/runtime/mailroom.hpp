#pragma once
// Files email into support conversations: which thread an inbound message belongs to, and
// the Message-IDs of Steward's own replies so the customer's answers thread back.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "bot/core/action.hpp"
#include "bot/core/event.hpp"
#include "bot/core/expected.hpp"
#include "bot/store/store.hpp"

namespace steward::runtime {

/// Who belongs to the company, for threading: people of the company may write into any
/// conversation (a colleague answering from their own mailbox). Immutable; thread-safe.
struct MailroomPolicy {
  std::vector<std::string> company_domains;  ///< lower-case, e.g. "acme.example"
  std::vector<std::string> staff;            ///< [[people]] email addresses
  /// True for an address on a company domain or one of the staff mailboxes (case and "+tag"
  /// ignored).
  [[nodiscard]] bool is_staff(std::string_view address) const;
};

struct FiledEmail {
  std::string conversation_id;
  /// How it was threaded: "rerun" (filed before a crash), "token", "in-reply-to",
  /// "references" or "new".
  std::string how;
  bool is_new = false;
  int messages = 0;  ///< messages in the conversation, this one included
  bool auto_reply = false;
  /// Set when the mail pointed at a conversation its sender does not belong to: it was filed
  /// in a new conversation linked to that one, for a human to merge or not.
  std::string linked_to;
};

/// Files an `email.received` event (payload as built by the email connector) inside `tx`:
///  1. the conversation this event was already filed under (a re-run after a crash);
///  2. the conversation of a reply token the connector verified for this sender (payload
///     conversation_id), unless the sender's reply access to it was revoked;
///  3. the conversation of In-Reply-To, then of References from right to left — but only one
///     the sender may write into: a participant (its customer, an address Steward wrote to) or
///     staff (`policy`). Knowing a Message-ID proves nothing: ids travel in every forwarded
///     mail. A match the sender does not belong to is remembered;
///  4. else a new conversation, linked to the remembered one (or to the conversation of a
///     refused reply token) so a human can merge them.
/// The sender of a new conversation becomes its customer participant. Records the message and
/// appends an "email.filed" audit entry (threaded_by, linked_to, why). kInternal on store
/// failure.
[[nodiscard]] Expected<FiledEmail> file_inbound_email(store::Tx& tx, const Event& event,
                                                      const MailroomPolicy& policy);

/// The Message-ID (with <>) Steward gives action `index` of event `event_id`: stable across
/// retries and re-runs, unique, and on Steward's own `domain`.
std::string outbound_message_id(std::string_view event_id, std::size_t index,
                                std::string_view domain);

/// For an `email.send` action that belongs to a conversation: sets its message_id field and
/// records it as an outbound message of the conversation (so replies to it thread back), and
/// its `to` and `cc` addresses as participants (so they may answer in it).
/// No-op for other actions. kInternal on store failure.
[[nodiscard]] Expected<void> register_outbound_email(store::Tx& tx, Action& action,
                                                     std::string_view event_id, std::size_t index,
                                                     std::string_view domain);

}  // namespace steward::runtime
