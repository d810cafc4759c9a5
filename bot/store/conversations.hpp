#pragma once
// Support conversations: an email thread with a customer, and the Message-ID → conversation
// map that threads replies. Write functions take the Tx of a group-commit job; reads take any
// connection. All block and return kInternal on SQLite failure unless stated.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bot/core/expected.hpp"
#include "bot/store/store.hpp"

namespace steward::store {

struct ConversationRow {
  std::string id;  ///< "cv_…"
  std::string customer, customer_name, subject;
  std::string topic, urgency, sentiment, risk;  ///< latest triage; risk is "a,b" or ""
  int messages = 0;             ///< messages received from the customer side, auto-replies included
  std::int64_t last_in_at = 0;  ///< last customer message (not auto-replies)
  std::int64_t created_at = 0, updated_at = 0;
  /// Derived from the conversation's email.send actions at read time:
  /// "awaiting approval" | "sending" | "replied" (Steward answered the last customer
  /// message) | "needs reply".
  std::string status;
  std::int64_t last_sent_at = 0;
  /// A conversation this one was split from because its sender was not a participant there:
  /// a human decides whether to merge them.
  std::string linked_to, link_reason;
  std::string merged_into;  ///< set once a person merged this conversation into another
};

struct EmailMessageRow {
  std::string message_id;  ///< without <>; "" when the mail had none (then not threadable)
  std::string conversation_id;
  std::string direction;  ///< "in" | "out"
  std::string event_id, action_id, sender, subject;
  bool auto_reply = false;
};

/// Starts a conversation (assigns id and timestamps).
[[nodiscard]] Expected<void> insert_conversation(Tx& tx, ConversationRow& row);
[[nodiscard]] Expected<std::optional<ConversationRow>> get_conversation(SQLite::Database& db,
                                                                        std::string_view id);
/// Records one message of a conversation. A Message-ID already recorded is left as it was
/// (returns false). An inbound message is counted on the conversation and, unless it is an
/// auto-reply, sets last_in_at; an outbound one (recorded when queued) only maps its id.
[[nodiscard]] Expected<bool> record_email_message(Tx& tx, const EmailMessageRow& row);
/// The conversation a Message-ID (without <>) belongs to.
[[nodiscard]] Expected<std::optional<std::string>> conversation_of_message(
    SQLite::Database& db, std::string_view message_id);
/// The conversation an inbound event was already filed under (a re-run after a crash).
[[nodiscard]] Expected<std::optional<std::string>> conversation_of_event(SQLite::Database& db,
                                                                         std::string_view event_id);
/// Adds `address` (stored as its mailbox_identity(); "" is ignored) as a participant of a
/// conversation, with `role` "customer" | "recipient". Idempotent. A revoked mailbox is not
/// added back: revocation is final for that conversation.
[[nodiscard]] Expected<void> add_participant(Tx& tx, std::string_view conversation_id,
                                             std::string_view address, std::string_view role);
/// True when `address` (compared as mailbox_identity()) may write into the conversation: its
/// customer or an address Steward wrote to, and not revoked.
[[nodiscard]] Expected<bool> is_participant(SQLite::Database& db, std::string_view conversation_id,
                                            std::string_view address);
/// True when reply access of `address` (or of everyone: "*") to the conversation was revoked.
[[nodiscard]] Expected<bool> is_revoked(SQLite::Database& db, std::string_view conversation_id,
                                        std::string_view address);
/// Revokes reply access: `address` ("*" = everyone) is no longer a participant and its reply
/// tokens for this conversation are refused. kNotFound for an unknown conversation, kInvalidInput
/// for an address that is not one. Returns the mailbox recorded ("*" or the identity).
[[nodiscard]] Expected<std::string> revoke_reply_access(Tx& tx, std::string_view conversation_id,
                                                        std::string_view address,
                                                        std::string_view revoked_by);
/// Merges conversation `from` into `into` (a person decided they are one thread, e.g. after a
/// split): its messages, drafts and participants (its customer included) move over, and `from`
/// is kept, empty, with merged_into set so its id still resolves. kNotFound for an unknown id,
/// kInvalidInput for merging a conversation into itself, kConflict when either side was
/// already merged away.
[[nodiscard]] Expected<void> merge_conversations(Tx& tx, std::string_view from,
                                                 std::string_view into);
/// Participants' mailboxes in the order they were added.
[[nodiscard]] Expected<std::vector<std::string>> participants(SQLite::Database& db,
                                                              std::string_view conversation_id);

/// Stores the latest triage of a conversation.
[[nodiscard]] Expected<void> classify_conversation(Tx& tx, std::string_view id,
                                                   std::string_view topic, std::string_view urgency,
                                                   std::string_view sentiment,
                                                   std::string_view risk);
/// Most recently active conversations first, with their derived status; merged-away ones are
/// left out.
[[nodiscard]] Expected<std::vector<ConversationRow>> list_conversations(SQLite::Database& db,
                                                                        int limit = 50);

}  // namespace steward::store
