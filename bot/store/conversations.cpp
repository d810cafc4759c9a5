#include "bot/store/conversations.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include "bot/core/mailbox.hpp"
#include "bot/store/sql_util.hpp"

namespace steward::store {

using detail::col_text;
using detail::guarded;

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
  r.id = col_text(q, 0);
  r.customer = col_text(q, 1);
  r.customer_name = col_text(q, 2);
  r.subject = col_text(q, 3);
  r.topic = col_text(q, 4);
  r.urgency = col_text(q, 5);
  r.sentiment = col_text(q, 6);
  r.risk = col_text(q, 7);
  r.messages = q.getColumn(8).getInt();
  r.last_in_at = q.getColumn(9).getInt64();
  r.created_at = q.getColumn(10).getInt64();
  r.updated_at = q.getColumn(11).getInt64();
  r.linked_to = col_text(q, 12);
  r.link_reason = col_text(q, 13);
  r.merged_into = col_text(q, 14);
  auto awaiting = q.getColumn(15).getInt64();
  auto sending = q.getColumn(16).getInt64();
  r.last_sent_at = q.getColumn(17).getInt64();
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

Expected<std::optional<std::string>> single_text(SQLite::Database& db, const char* sql,
                                                 std::string_view arg, const char* what) {
  return guarded(what, [&]() -> Expected<std::optional<std::string>> {
    SQLite::Statement q(db, sql);
    q.bind(1, std::string(arg));
    if (!q.executeStep()) return std::optional<std::string>{};
    return std::optional<std::string>(col_text(q, 0));
  });
}

}  // namespace

Expected<void> insert_conversation(Tx& tx, ConversationRow& row) {
  return guarded("conversation insert", [&]() -> Expected<void> {
    if (row.id.empty()) row.id = new_id("cv");
    row.created_at = row.updated_at = tx.now_ms();
    SQLite::Statement& q = tx.prepare(
        "INSERT INTO conversations(id, customer, customer_name, subject, topic, "
        "urgency, sentiment, risk, messages, last_in_at, created_at, updated_at, linked_to, "
        "link_reason) VALUES (?,?,?,?,?,?,?,?,0,0,?,?,?,?)");
    q.bind(1, row.id);
    q.bind(2, row.customer);
    q.bind(3, row.customer_name);
    q.bind(4, row.subject);
    q.bind(5, row.topic);
    q.bind(6, row.urgency);
    q.bind(7, row.sentiment);
    q.bind(8, row.risk);
    q.bind(9, row.created_at);
    q.bind(10, row.updated_at);
    q.bind(11, row.linked_to);
    q.bind(12, row.link_reason);
    q.exec();
    return {};
  });
}

Expected<void> add_participant(Tx& tx, std::string_view conversation_id, std::string_view address,
                               std::string_view role) {
  const std::string mailbox = mailbox_identity(address);
  if (mailbox.empty()) return {};
  return guarded("participant insert", [&]() -> Expected<void> {
    SQLite::Statement& q = tx.prepare(
        "INSERT OR IGNORE INTO conversation_participants(conversation_id, mailbox, role, "
        "added_at) SELECT ?1, ?2, ?3, ?4 WHERE NOT EXISTS (SELECT 1 FROM reply_revocations "
        "WHERE conversation_id = ?1 AND mailbox IN (?2, '*'))");
    q.bind(1, std::string(conversation_id));
    q.bind(2, mailbox);
    q.bind(3, std::string(role));
    q.bind(4, tx.now_ms());
    q.exec();
    return {};
  });
}

Expected<bool> is_revoked(SQLite::Database& db, std::string_view conversation_id,
                          std::string_view address) {
  const std::string mailbox = address == "*" ? std::string("*") : mailbox_identity(address);
  return guarded("revocation lookup", [&]() -> Expected<bool> {
    SQLite::Statement q(db,
                        "SELECT 1 FROM reply_revocations WHERE conversation_id = ? AND mailbox "
                        "IN (?, '*') LIMIT 1");
    q.bind(1, std::string(conversation_id));
    q.bind(2, mailbox);
    return q.executeStep();
  });
}

Expected<bool> is_participant(SQLite::Database& db, std::string_view conversation_id,
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
    q.bind(1, std::string(conversation_id));
    q.bind(2, mailbox);
    if (q.executeStep()) return true;
    // Conversations opened before participants were recorded: their customer still counts.
    SQLite::Statement c(db, "SELECT customer FROM conversations WHERE id = ?");
    c.bind(1, std::string(conversation_id));
    return c.executeStep() && mailbox_identity(col_text(c, 0)) == mailbox;
  });
}

Expected<std::string> revoke_reply_access(Tx& tx, std::string_view conversation_id,
                                          std::string_view address, std::string_view revoked_by) {
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
    q.bind(1, std::string(conversation_id));
    q.bind(2, mailbox);
    q.bind(3, std::string(revoked_by));
    q.bind(4, tx.now_ms());
    q.exec();
    SQLite::Statement& d = tx.prepare(
        "DELETE FROM conversation_participants WHERE conversation_id = ?1 AND (?2 = '*' OR "
        "mailbox = ?2)");
    d.bind(1, std::string(conversation_id));
    d.bind(2, mailbox);
    d.exec();
    return mailbox;
  });
}

Expected<void> merge_conversations(Tx& tx, std::string_view from, std::string_view into) {
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
      q.bind(1, t);
      q.bind(2, f);
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
    m.bind(1, t);
    m.bind(2, f);
    m.bind(3, tx.now_ms());
    m.exec();
    SQLite::Statement& done = tx.prepare(
        "UPDATE conversations SET merged_into = ?1, messages = 0, updated_at = ?3 WHERE id = ?2");
    done.bind(1, t);
    done.bind(2, f);
    done.bind(3, tx.now_ms());
    done.exec();
    if (auto p = add_participant(tx, t, customer, "customer"); !p) return p;
    return {};
  });
}

Expected<std::vector<std::string>> participants(SQLite::Database& db,
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

Expected<std::optional<ConversationRow>> get_conversation(SQLite::Database& db,
                                                          std::string_view id) {
  return guarded("conversation read", [&]() -> Expected<std::optional<ConversationRow>> {
    SQLite::Statement q(db, std::string(kSelect) + "WHERE c.id = ?");
    q.bind(1, std::string(id));
    if (!q.executeStep()) return std::optional<ConversationRow>{};
    return std::optional<ConversationRow>(read_row(q));
  });
}

Expected<bool> record_email_message(Tx& tx, const EmailMessageRow& row) {
  return guarded("email message insert", [&]() -> Expected<bool> {
    const auto now = tx.now_ms();
    SQLite::Statement& q = tx.prepare(
        "INSERT OR IGNORE INTO email_messages(message_id, conversation_id, "
        "direction, event_id, action_id, sender, subject, auto_reply, at) "
        "VALUES (?,?,?,?,?,?,?,?,?)");
    q.bind(1, row.message_id);
    q.bind(2, row.conversation_id);
    q.bind(3, row.direction);
    q.bind(4, row.event_id);
    q.bind(5, row.action_id);
    q.bind(6, row.sender);
    q.bind(7, row.subject);
    q.bind(8, row.auto_reply ? 1 : 0);
    q.bind(9, now);
    if (q.exec() == 0) return false;
    const bool customer_turn = row.direction == "in" && !row.auto_reply;
    SQLite::Statement& u = tx.prepare(
        "UPDATE conversations SET messages = messages + ?, updated_at = ?, "
        "last_in_at = CASE WHEN ? THEN ? ELSE last_in_at END WHERE id = ?");
    u.bind(1, row.direction == "in" ? 1 : 0);
    u.bind(2, now);
    u.bind(3, customer_turn ? 1 : 0);
    u.bind(4, now);
    u.bind(5, row.conversation_id);
    if (u.exec() == 0)
      return fail(Errc::kNotFound, "conversation '" + row.conversation_id + "' does not exist");
    return true;
  });
}

Expected<std::optional<std::string>> conversation_of_message(SQLite::Database& db,
                                                             std::string_view message_id) {
  if (message_id.empty()) return std::optional<std::string>{};
  return single_text(db, "SELECT conversation_id FROM email_messages WHERE message_id = ?",
                     message_id, "message lookup");
}

Expected<std::optional<std::string>> conversation_of_event(SQLite::Database& db,
                                                           std::string_view event_id) {
  if (event_id.empty()) return std::optional<std::string>{};
  return single_text(db,
                     "SELECT conversation_id FROM email_messages WHERE event_id = ? "
                     "AND direction = 'in' LIMIT 1",
                     event_id, "message lookup");
}

Expected<void> classify_conversation(Tx& tx, std::string_view id, std::string_view topic,
                                     std::string_view urgency, std::string_view sentiment,
                                     std::string_view risk) {
  return guarded("conversation update", [&]() -> Expected<void> {
    SQLite::Statement& q = tx.prepare(
        "UPDATE conversations SET topic = ?, urgency = ?, sentiment = ?, "
        "risk = ?, updated_at = ? WHERE id = ?");
    q.bind(1, std::string(topic));
    q.bind(2, std::string(urgency));
    q.bind(3, std::string(sentiment));
    q.bind(4, std::string(risk));
    q.bind(5, tx.now_ms());
    q.bind(6, std::string(id));
    if (q.exec() == 0)
      return fail(Errc::kNotFound, "conversation '" + std::string(id) + "' does not exist");
    return {};
  });
}

Expected<std::vector<ConversationRow>> list_conversations(SQLite::Database& db, int limit) {
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
