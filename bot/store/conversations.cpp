#include "bot/store/conversations.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include "bot/core/mailbox.hpp"
#include "bot/store/sql_util.hpp"

namespace steward::store {

using detail::bind_all;
using detail::col_text;
using detail::guarded;
using detail::read_columns;

namespace {

// Status is derived, not stored: it can never drift from what the outbox actually did.
constexpr const char* kSelect =
    "SELECT c.id, c.customer, c.customer_name, c.subject, c.topic, c.urgency, c.sentiment, "
    "c.risk, c.messages, c.last_in_at, c.created_at, c.updated_at, c.linked_to, c.link_reason, "
    "c.merged_into, "
    "(SELECT COUNT(*) FROM actions a WHERE a.conversation_id = c.id AND a.kind = 'email.send' "
    "  AND a.status = 'awaiting_approval'), "
    "(SELECT COUNT(*) FROM actions a WHERE a.conversation_id = c.id AND a.kind = 'email.send' "
    "  AND a.status IN ('pending', 'running')), "
    "(SELECT COALESCE(MAX(a.updated_at), 0) FROM actions a WHERE a.conversation_id = c.id "
    "  AND a.kind = 'email.send' AND a.status = 'done') "
    "FROM conversations c ";

ConversationRow read_row(SQLite::Statement& q) {
  ConversationRow r;
  std::int64_t awaiting = 0, sending = 0;
  read_columns(q, 0, r.id, r.customer, r.customer_name, r.subject, r.topic, r.urgency, r.sentiment,
               r.risk, r.messages, r.last_in_at, r.created_at, r.updated_at, r.linked_to,
               r.link_reason, r.merged_into, awaiting, sending, r.last_sent_at);
  if (awaiting > 0)
    r.status = "awaiting approval";
  else if (sending > 0)
    r.status = "sending";
  else if (r.last_sent_at > 0 && r.last_sent_at >= r.last_in_at)
    r.status = "replied";
  else
    r.status = "needs reply";
  return r;
}

[[nodiscard]] Expected<std::optional<std::string>> single_text(SQLite::Database& db,
                                                               const char* sql,
                                                               std::string_view arg,
                                                               const char* what) {
  return guarded(what, [&]() -> Expected<std::optional<std::string>> {
    SQLite::Statement q(db, sql);
    q.bind(1, std::string(arg));
    if (!q.executeStep()) return std::optional<std::string>{};
    return std::optional<std::string>(col_text(q, 0));
  });
}

}  // namespace

[[nodiscard]] Expected<void> insert_conversation(Tx& tx, ConversationRow& row) {
  return guarded("conversation insert", [&]() -> Expected<void> {
    if (row.id.empty()) row.id = new_id("cv");
    row.created_at = row.updated_at = tx.now_ms();
    SQLite::Statement& q = tx.prepare(
        "INSERT INTO conversations(id, customer, customer_name, subject, topic, "
        "urgency, sentiment, risk, messages, last_in_at, created_at, updated_at, linked_to, "
        "link_reason) VALUES (?,?,?,?,?,?,?,?,0,0,?,?,?,?)");
    bind_all(q, row.id, row.customer, row.customer_name, row.subject, row.topic, row.urgency,
             row.sentiment, row.risk, row.created_at, row.updated_at, row.linked_to,
             row.link_reason);
    q.exec();
    return {};
  });
}

[[nodiscard]] Expected<void> add_participant(Tx& tx, std::string_view conversation_id,
                                             std::string_view address, std::string_view role) {
  const std::string mailbox = mailbox_identity(address);
  if (mailbox.empty()) return {};
  return guarded("participant insert", [&]() -> Expected<void> {
    SQLite::Statement& q = tx.prepare(
        "INSERT OR IGNORE INTO conversation_participants(conversation_id, mailbox, role, "
        "added_at) SELECT ?1, ?2, ?3, ?4 WHERE NOT EXISTS (SELECT 1 FROM reply_revocations "
        "WHERE conversation_id = ?1 AND mailbox IN (?2, '*'))");
    bind_all(q, std::string(conversation_id), mailbox, std::string(role), tx.now_ms());
    q.exec();
    return {};
  });
}

[[nodiscard]] Expected<bool> is_revoked(SQLite::Database& db, std::string_view conversation_id,
                                        std::string_view address) {
  const std::string mailbox = address == "*" ? std::string("*") : mailbox_identity(address);
  return guarded("revocation lookup", [&]() -> Expected<bool> {
    SQLite::Statement q(db,
                        "SELECT 1 FROM reply_revocations WHERE conversation_id = ? AND mailbox "
                        "IN (?, '*') LIMIT 1");
    bind_all(q, std::string(conversation_id), mailbox);
    return q.executeStep();
  });
}

[[nodiscard]] Expected<bool> is_participant(SQLite::Database& db, std::string_view conversation_id,
                                            std::string_view address) {
  const std::string mailbox = mailbox_identity(address);
  if (mailbox.empty()) return false;
  auto revoked = is_revoked(db, conversation_id, mailbox);
  if (!revoked) return revoked;
  if (*revoked) return false;
  return guarded("participant lookup", [&]() -> Expected<bool> {
    SQLite::Statement q(db,
                        "SELECT 1 FROM conversation_participants WHERE conversation_id = ? AND "
                        "mailbox = ? LIMIT 1");
    bind_all(q, std::string(conversation_id), mailbox);
    if (q.executeStep()) return true;
    // Conversations opened before participants were recorded: their customer still counts.
    SQLite::Statement c(db, "SELECT customer FROM conversations WHERE id = ?");
    c.bind(1, std::string(conversation_id));
    return c.executeStep() && mailbox_identity(col_text(c, 0)) == mailbox;
  });
}

[[nodiscard]] Expected<std::string> revoke_reply_access(Tx& tx, std::string_view conversation_id,
                                                        std::string_view address,
                                                        std::string_view revoked_by) {
  const std::string mailbox = address == "*" ? std::string("*") : mailbox_identity(address);
  if (mailbox.empty())
    return fail(Errc::kInvalidInput, "'" + std::string(address) + "' is not an email address");
  return guarded("revocation insert", [&]() -> Expected<std::string> {
    SQLite::Statement& c = tx.prepare("SELECT 1 FROM conversations WHERE id = ?");
    c.bind(1, std::string(conversation_id));
    if (!c.executeStep())
      return fail(Errc::kNotFound,
                  "conversation '" + std::string(conversation_id) + "' does not exist");
    c.reset();
    SQLite::Statement& q = tx.prepare(
        "INSERT OR REPLACE INTO reply_revocations(conversation_id, mailbox, revoked_by, "
        "revoked_at) VALUES (?,?,?,?)");
    bind_all(q, std::string(conversation_id), mailbox, std::string(revoked_by), tx.now_ms());
    q.exec();
    SQLite::Statement& d = tx.prepare(
        "DELETE FROM conversation_participants WHERE conversation_id = ?1 AND (?2 = '*' OR "
        "mailbox = ?2)");
    bind_all(d, std::string(conversation_id), mailbox);
    d.exec();
    return mailbox;
  });
}

[[nodiscard]] Expected<void> merge_conversations(Tx& tx, std::string_view from,
                                                 std::string_view into) {
  if (from == into) return fail(Errc::kInvalidInput, "a conversation cannot be merged into itself");
  return guarded("conversation merge", [&]() -> Expected<void> {
    const std::string f(from), t(into);
    for (const auto& id : {f, t}) {
      SQLite::Statement& c = tx.prepare("SELECT merged_into FROM conversations WHERE id = ?");
      c.bind(1, id);
      if (!c.executeStep())
        return fail(Errc::kNotFound, "conversation '" + id + "' does not exist");
      std::string merged = col_text(c, 0);
      c.reset();
      if (!merged.empty())
        return fail(Errc::kConflict,
                    "conversation '" + id + "' was already merged into '" + merged + "'");
    }
    auto exec = [&](const char* sql) {
      SQLite::Statement& q = tx.prepare(sql);
      bind_all(q, t, f);
      q.exec();
    };
    exec("UPDATE email_messages SET conversation_id = ?1 WHERE conversation_id = ?2");
    exec("UPDATE actions SET conversation_id = ?1 WHERE conversation_id = ?2");
    // The customer of the merged thread becomes a participant of the surviving one, unless the
    // surviving one revoked that mailbox.
    SQLite::Statement& cust = tx.prepare("SELECT customer FROM conversations WHERE id = ?");
    cust.bind(1, f);
    std::string customer = cust.executeStep() ? col_text(cust, 0) : std::string();
    cust.reset();
    exec(
        "INSERT OR IGNORE INTO conversation_participants(conversation_id, mailbox, role, added_at) "
        "SELECT ?1, p.mailbox, p.role, p.added_at FROM conversation_participants p WHERE "
        "p.conversation_id = ?2 AND NOT EXISTS (SELECT 1 FROM reply_revocations r WHERE "
        "r.conversation_id = ?1 AND r.mailbox IN (p.mailbox, '*'))");
    SQLite::Statement& m = tx.prepare(
        "UPDATE conversations SET messages = messages + (SELECT messages FROM conversations "
        "WHERE id = ?2), last_in_at = MAX(last_in_at, (SELECT last_in_at FROM conversations "
        "WHERE id = ?2)), updated_at = ?3 WHERE id = ?1");
    bind_all(m, t, f, tx.now_ms());
    m.exec();
    SQLite::Statement& done = tx.prepare(
        "UPDATE conversations SET merged_into = ?1, messages = 0, updated_at = ?3 WHERE id = ?2");
    bind_all(done, t, f, tx.now_ms());
    done.exec();
    if (auto p = add_participant(tx, t, customer, "customer"); !p) return p;
    return {};
  });
}

[[nodiscard]] Expected<std::vector<std::string>> participants(SQLite::Database& db,
                                                              std::string_view conversation_id) {
  return guarded("participant list", [&]() -> Expected<std::vector<std::string>> {
    SQLite::Statement q(db,
                        "SELECT mailbox FROM conversation_participants WHERE conversation_id = ? "
                        "ORDER BY added_at, mailbox");
    q.bind(1, std::string(conversation_id));
    std::vector<std::string> out;
    while (q.executeStep()) out.push_back(col_text(q, 0));
    return out;
  });
}

[[nodiscard]] Expected<std::optional<ConversationRow>> get_conversation(SQLite::Database& db,
                                                                        std::string_view id) {
  return guarded("conversation read", [&]() -> Expected<std::optional<ConversationRow>> {
    SQLite::Statement q(db, std::string(kSelect) + "WHERE c.id = ?");
    q.bind(1, std::string(id));
    if (!q.executeStep()) return std::optional<ConversationRow>{};
    return std::optional<ConversationRow>(read_row(q));
  });
}

[[nodiscard]] Expected<bool> record_email_message(Tx& tx, const EmailMessageRow& row) {
  return guarded("email message insert", [&]() -> Expected<bool> {
    const auto now = tx.now_ms();
    SQLite::Statement& q = tx.prepare(
        "INSERT OR IGNORE INTO email_messages(message_id, conversation_id, "
        "direction, event_id, action_id, sender, subject, auto_reply, at) "
        "VALUES (?,?,?,?,?,?,?,?,?)");
    bind_all(q, row.message_id, row.conversation_id, row.direction, row.event_id, row.action_id,
             row.sender, row.subject, row.auto_reply ? 1 : 0, now);
    if (q.exec() == 0) return false;
    const bool customer_turn = row.direction == "in" && !row.auto_reply;
    SQLite::Statement& u = tx.prepare(
        "UPDATE conversations SET messages = messages + ?, updated_at = ?, "
        "last_in_at = CASE WHEN ? THEN ? ELSE last_in_at END WHERE id = ?");
    bind_all(u, row.direction == "in" ? 1 : 0, now, customer_turn ? 1 : 0, now,
             row.conversation_id);
    if (u.exec() == 0)
      return fail(Errc::kNotFound, "conversation '" + row.conversation_id + "' does not exist");
    return true;
  });
}

[[nodiscard]] Expected<std::optional<std::string>> conversation_of_message(
    SQLite::Database& db, std::string_view message_id) {
  if (message_id.empty()) return std::optional<std::string>{};
  return single_text(db, "SELECT conversation_id FROM email_messages WHERE message_id = ?",
                     message_id, "message lookup");
}

[[nodiscard]] Expected<std::optional<std::string>> conversation_of_event(
    SQLite::Database& db, std::string_view event_id) {
  if (event_id.empty()) return std::optional<std::string>{};
  return single_text(db,
                     "SELECT conversation_id FROM email_messages WHERE event_id = ? "
                     "AND direction = 'in' LIMIT 1",
                     event_id, "message lookup");
}

[[nodiscard]] Expected<void> classify_conversation(Tx& tx, std::string_view id,
                                                   std::string_view topic, std::string_view urgency,
                                                   std::string_view sentiment,
                                                   std::string_view risk) {
  return guarded("conversation update", [&]() -> Expected<void> {
    SQLite::Statement& q = tx.prepare(
        "UPDATE conversations SET topic = ?, urgency = ?, sentiment = ?, "
        "risk = ?, updated_at = ? WHERE id = ?");
    bind_all(q, std::string(topic), std::string(urgency), std::string(sentiment), std::string(risk),
             tx.now_ms(), std::string(id));
    if (q.exec() == 0)
      return fail(Errc::kNotFound, "conversation '" + std::string(id) + "' does not exist");
    return {};
  });
}

[[nodiscard]] Expected<std::vector<ConversationRow>> list_conversations(SQLite::Database& db,
                                                                        int limit) {
  return guarded("conversation list", [&]() -> Expected<std::vector<ConversationRow>> {
    SQLite::Statement q(
        db,
        std::string(kSelect) + "WHERE c.merged_into = '' ORDER BY c.updated_at DESC, c.id LIMIT ?");
    q.bind(1, limit);
    std::vector<ConversationRow> out;
    while (q.executeStep()) out.push_back(read_row(q));
    return out;
  });
}

}  // namespace steward::store
