// Filing email into conversations: threading by token, In-Reply-To, References, re-runs,
// auto-replies, and the derived ticket status shown by `/steward tickets`.

#include "bot/runtime/mailroom.hpp"

#include <gtest/gtest.h>

#include "bot/core/json.hpp"
#include "bot/runtime/commands.hpp"
#include "bot/store/conversations.hpp"
#include "tests/unit/store/store_fixture.hpp"

namespace steward::runtime {
namespace {

using store::test::kStartMs;
using store::test::StoreTest;

class MailroomTest : public StoreTest {
 protected:
  Event email(std::string message_id, std::string in_reply_to = "",
              boost::json::array references = {}, std::string token_conv = "",
              bool auto_reply = false) {
    Event e;
    e.source = "email";
    e.kind = "email.received";
    e.actor = from_;
    e.dedupe_key = "email:" + message_id + ":" + std::to_string(++seq_);
    e.payload = {{"from", from_},
                 {"from_name", "Ann Customer"},
                 {"subject", "Invoice is wrong"},
                 {"text", "Please fix my invoice."},
                 {"message_id", message_id},
                 {"in_reply_to", in_reply_to},
                 {"references", references},
                 {"auto_reply", auto_reply}};
    if (!token_conv.empty()) e.payload["conversation_id"] = token_conv;
    auto r = in_tx([&](store::Tx& tx) { return store::insert_event(tx, e); });
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return e;
  }
  FiledEmail file(const Event& e) {
    auto r = in_tx([&](store::Tx& tx) { return file_inbound_email(tx, e, policy_); });
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return r ? *r : FiledEmail{};
  }
  /// Queues a drafted reply in `conv` the way the runtime does and returns its Message-ID.
  std::string queue_reply(const std::string& conv, const std::string& event_id,
                          const std::string& status = "awaiting_approval",
                          const std::string& to = "ann@customer.example") {
    Action a{"email.send",
             {{"to", to},
              {"subject", "Re: Invoice is wrong"},
              {"text", "Fixed."},
              {"conversation_id", conv}},
             "Reply to ann",
             ""};
    auto r = in_tx([&](store::Tx& tx) -> Expected<std::string> {
      if (auto x = register_outbound_email(tx, a, event_id, 2, "acme.example"); !x)
        return Unexpected(x.error());
      store::ActionRow row;
      row.event_id = event_id;
      row.kind = a.kind;
      row.fields = a.fields;
      row.summary = a.summary;
      row.status = status;
      if (auto x = store::insert_action(tx, row); !x) return Unexpected(x.error());
      last_action_ = row.id;
      return json::string_or(a.fields, "message_id");
    });
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return r ? *r : "";
  }
  store::ConversationRow conversation(const std::string& id) {
    auto r = on_read([&](SQLite::Database& db) { return store::get_conversation(db, id); });
    EXPECT_TRUE(r && *r);
    return r && *r ? **r : store::ConversationRow{};
  }
  std::int64_t audit_count(const std::string& kind, const std::string& like) {
    return scalar("SELECT COUNT(*) FROM audit WHERE kind = '" + kind + "' AND data LIKE '%" + like +
                  "%'");
  }
  int seq_ = 0;
  std::string last_action_;
  std::string from_ = "ann@customer.example";
  MailroomPolicy policy_{{"acme.example"}, {"Dana <dana@gmail.example>"}};
};

TEST_F(MailroomTest, FirstMessageStartsAConversation) {
  auto e = email("m1@customer.example");
  auto f = file(e);
  EXPECT_EQ(f.how, "new");
  EXPECT_TRUE(f.is_new);
  EXPECT_EQ(f.messages, 1);
  EXPECT_EQ(f.conversation_id.rfind("cv_", 0), 0u);
  auto c = conversation(f.conversation_id);
  EXPECT_EQ(c.customer, "ann@customer.example");
  EXPECT_EQ(c.customer_name, "Ann Customer");
  EXPECT_EQ(c.subject, "Invoice is wrong");
  EXPECT_EQ(c.status, "needs reply");
  EXPECT_EQ(c.last_in_at, kStartMs);
}

TEST_F(MailroomTest, OutboundMessageIdIsStableAndOnOurDomain) {
  EXPECT_EQ(outbound_message_id("ev_1", 2, "acme.example"), "<steward.ev_1.2@acme.example>");
}

TEST_F(MailroomTest, ReplyToOurMailThreadsByInReplyTo) {
  auto first = file(email("m1@customer.example"));
  auto ours = queue_reply(first.conversation_id, "ev_first");
  EXPECT_EQ(ours, "<steward.ev_first.2@acme.example>");
  auto again = file(email("m2@customer.example", "steward.ev_first.2@acme.example"));
  EXPECT_EQ(again.conversation_id, first.conversation_id);
  EXPECT_EQ(again.how, "in-reply-to");
  EXPECT_FALSE(again.is_new);
  EXPECT_EQ(again.messages, 2);
}

TEST_F(MailroomTest, ReferencesAreSearchedNewestFirst) {
  auto a = file(email("a@x.example"));
  auto b = file(email("b@x.example"));
  ASSERT_NE(a.conversation_id, b.conversation_id);
  // In-Reply-To unknown; References oldest → newest: the newest known one (b) wins.
  auto f = file(email("c@x.example", "unknown@x.example", {"<a@x.example>", "<b@x.example>"}));
  EXPECT_EQ(f.conversation_id, b.conversation_id);
  EXPECT_EQ(f.how, "references");
}

TEST_F(MailroomTest, VerifiedTokenWinsAndAnUnknownConversationFallsBack) {
  auto a = file(email("a@x.example"));
  auto b = file(email("b@x.example"));
  auto f = file(email("c@x.example", "b@x.example", {}, a.conversation_id));
  EXPECT_EQ(f.conversation_id, a.conversation_id);
  EXPECT_EQ(f.how, "token");
  auto g = file(email("d@x.example", "", {}, "cv_doesnotexist"));
  EXPECT_EQ(g.how, "new");
  EXPECT_NE(g.conversation_id, "cv_doesnotexist");
}

TEST_F(MailroomTest, ReRunAfterACrashFilesOnce) {
  auto e = email("m1@customer.example");
  auto f1 = file(e);
  auto f2 = file(e);
  EXPECT_EQ(f2.conversation_id, f1.conversation_id);
  EXPECT_EQ(f2.how, "rerun");
  EXPECT_EQ(conversation(f1.conversation_id).messages, 1);
  auto n = on_read([&](SQLite::Database& db) -> Expected<int> {
    return db.execAndGet("SELECT COUNT(*) FROM conversations").getInt();
  });
  EXPECT_EQ(n.value_or(-1), 1);
}

TEST_F(MailroomTest, AutoReplyIsCountedButDoesNotReopen) {
  auto first = file(email("m1@customer.example"));
  clock_.advance(std::chrono::minutes(5));
  queue_reply(first.conversation_id, "ev_first", "done");
  clock_.advance(std::chrono::minutes(1));
  auto ooo = file(email("ooo@customer.example", "steward.ev_first.2@acme.example", {}, "", true));
  EXPECT_TRUE(ooo.auto_reply);
  EXPECT_EQ(ooo.conversation_id, first.conversation_id);
  auto c = conversation(first.conversation_id);
  EXPECT_EQ(c.messages, 2);
  EXPECT_EQ(c.last_in_at, kStartMs);
  EXPECT_EQ(c.status, "replied");
}

TEST_F(MailroomTest, OurOwnMessageIdComingBackIsRecordedWithoutStealingTheMapping) {
  auto first = file(email("m1@customer.example"));
  auto ours = queue_reply(first.conversation_id, "ev_first");
  auto other = file(email("z@x.example"));
  // A provider hands us a copy of our own mail (same Message-ID) in another thread.
  auto echo = email("steward.ev_first.2@acme.example", "z@x.example");
  auto f = file(echo);
  EXPECT_EQ(f.conversation_id, other.conversation_id);
  auto mapped = on_read([&](SQLite::Database& db) {
    return store::conversation_of_message(db, "steward.ev_first.2@acme.example");
  });
  ASSERT_TRUE(mapped && *mapped);
  EXPECT_EQ(**mapped, first.conversation_id);
}

TEST_F(MailroomTest, StatusFollowsTheReplyAction) {
  auto f = file(email("m1@customer.example"));
  EXPECT_EQ(conversation(f.conversation_id).status, "needs reply");
  queue_reply(f.conversation_id, "ev_a");
  EXPECT_EQ(conversation(f.conversation_id).status, "awaiting approval");
  ASSERT_TRUE(in_tx([&](store::Tx& tx) {
    return store::transition_action(tx, last_action_, "awaiting_approval", "pending");
  }));
  EXPECT_EQ(conversation(f.conversation_id).status, "sending");
  clock_.advance(std::chrono::seconds(30));
  ASSERT_TRUE(in_tx([&](store::Tx& tx) -> Expected<bool> {
    auto c = store::claim_action(tx, last_action_);
    if (!c) return c;
    if (auto x = store::finish_action(tx, last_action_, "done", {}, "", 0); !x)
      return Unexpected(x.error());
    return true;
  }));
  EXPECT_EQ(conversation(f.conversation_id).status, "replied");
  // The customer answers: the ticket needs a reply again.
  clock_.advance(std::chrono::seconds(30));
  file(email("m2@customer.example", "steward.ev_a.2@acme.example"));
  EXPECT_EQ(conversation(f.conversation_id).status, "needs reply");
}

TEST_F(MailroomTest, ClassificationIsStored) {
  auto f = file(email("m1@customer.example"));
  ASSERT_TRUE(in_tx([&](store::Tx& tx) {
    return store::classify_conversation(tx, f.conversation_id, "billing", "high", "negative",
                                        "legal,vip");
  }));
  auto c = conversation(f.conversation_id);
  EXPECT_EQ(c.topic, "billing");
  EXPECT_EQ(c.urgency, "high");
  EXPECT_EQ(c.sentiment, "negative");
  EXPECT_EQ(c.risk, "legal,vip");
  auto missing = in_tx(
      [&](store::Tx& tx) { return store::classify_conversation(tx, "cv_nope", "", "", "", ""); });
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::kNotFound);
}

TEST_F(MailroomTest, TicketsShowOutsideTextOnOneLineWithoutTerminalControls) {
  // Rows written before the connector made subjects one line, or by another writer.
  auto e = email("forged@x.example");
  e.payload["from"] = "";
  e.payload["subject"] = "Refund\x1b]0;pwned\x07\r\n[2026-12-03 00:00:00.000] [info] FORGED";
  file(e);
  auto reply = command_reply(*store_, clock_, "tickets", CommandViewer{});
  ASSERT_TRUE(reply) << reply.error().message;
  EXPECT_EQ(reply->find('\x1b'), std::string::npos) << *reply;
  EXPECT_EQ(reply->find('\r'), std::string::npos) << *reply;
  EXPECT_EQ(reply->find("\n[2026-12-03"), std::string::npos) << *reply;
  EXPECT_NE(reply->find("*Refund ]0;pwned  [2026-12-03 00:00:00.000] [info] FORGED*"),
            std::string::npos)
      << *reply;
  EXPECT_NE(reply->find("(sender is not an address)"), std::string::npos) << *reply;
}

TEST_F(MailroomTest, TicketsCommandListsOpenConversationsFirst) {
  auto empty = command_reply(*store_, clock_, "tickets", CommandViewer{});
  ASSERT_TRUE(empty);
  EXPECT_EQ(*empty, "No support conversations yet.");

  auto a = file(email("a@x.example"));
  ASSERT_TRUE(in_tx([&](store::Tx& tx) {
    return store::classify_conversation(tx, a.conversation_id, "billing", "high", "negative",
                                        "legal");
  }));
  clock_.advance(std::chrono::minutes(90));
  auto b = file(email("b@x.example"));
  queue_reply(b.conversation_id, "ev_b");
  auto reply = command_reply(*store_, clock_, "tickets", CommandViewer{});
  ASSERT_TRUE(reply) << reply.error().message;
  EXPECT_NE(reply->find("*2 open ticket(s):*"), std::string::npos) << *reply;
  auto pa = reply->find(a.conversation_id);
  auto pb = reply->find(b.conversation_id);
  ASSERT_NE(pa, std::string::npos);
  ASSERT_NE(pb, std::string::npos);
  EXPECT_LT(pa, pb) << "the longest-waiting ticket comes first";
  EXPECT_NE(reply->find("needs reply (billing, high urgency, risk: legal) — waiting 1h 30m"),
            std::string::npos)
      << *reply;
  EXPECT_NE(reply->find("awaiting approval"), std::string::npos) << *reply;
  EXPECT_NE(command_help().find("/steward tickets"), std::string::npos);
}

}  // namespace
}  // namespace steward::runtime

namespace steward::runtime {
namespace {

// Issue 9 (1): knowing a Message-ID of Alice's thread must not put Mallory in it.
TEST_F(MailroomTest, StrangerCitingAMessageIdStartsALinkedConversation) {
  from_ = "alice@cust.example";
  auto alice = file(email("alice-1@cust.example"));
  ASSERT_TRUE(alice.is_new);

  from_ = "mallory@evil.example";
  auto by_irt = file(email("mal-1@evil.example", "alice-1@cust.example"));
  EXPECT_NE(by_irt.conversation_id, alice.conversation_id);
  EXPECT_EQ(by_irt.how, "new");
  EXPECT_TRUE(by_irt.is_new);
  EXPECT_EQ(by_irt.linked_to, alice.conversation_id);
  auto c = conversation(by_irt.conversation_id);
  EXPECT_EQ(c.customer, "mallory@evil.example");
  EXPECT_EQ(c.linked_to, alice.conversation_id);
  EXPECT_NE(c.link_reason.find("not a participant"), std::string::npos) << c.link_reason;
  EXPECT_EQ(audit_count("email.filed", alice.conversation_id), 2);  // Alice's own + the link

  // The id anywhere in References is no better.
  auto by_refs = file(email("mal-2@evil.example", "", {"<x@y.example>", "<alice-1@cust.example>"}));
  EXPECT_NE(by_refs.conversation_id, alice.conversation_id);
  EXPECT_EQ(by_refs.linked_to, alice.conversation_id);
  // Alice's conversation still has only her message.
  EXPECT_EQ(conversation(alice.conversation_id).messages, 1);

  // Alice herself (any case, any +tag) still threads.
  from_ = "Alice+Work@Cust.Example";
  auto again = file(email("alice-2@cust.example", "alice-1@cust.example"));
  EXPECT_EQ(again.conversation_id, alice.conversation_id);
  EXPECT_EQ(again.how, "in-reply-to");
}

TEST_F(MailroomTest, StaffAndAddressesWeWroteToMayJoin) {
  auto first = file(email("m1@customer.example"));
  // A colleague on the company's domain answers in the thread.
  from_ = "sue@acme.example";
  auto sue = file(email("sue-1@acme.example", "m1@customer.example"));
  EXPECT_EQ(sue.conversation_id, first.conversation_id);
  // A person of the company writing from a private mailbox ([[people]] email).
  from_ = "dana+x@gmail.example";
  auto dana = file(email("dana-1@gmail.example", "m1@customer.example"));
  EXPECT_EQ(dana.conversation_id, first.conversation_id);
  // Someone Steward wrote to in this conversation (To or Cc) may answer it.
  queue_reply(first.conversation_id, "ev_cc", "pending", "Bob <bob@partner.example>");
  from_ = "bob@partner.example";
  auto bob = file(email("bob-1@partner.example", "steward.ev_cc.2@acme.example"));
  EXPECT_EQ(bob.conversation_id, first.conversation_id);
  EXPECT_TRUE(bob.linked_to.empty());
  // Nobody else.
  from_ = "eve@partner.example";
  auto eve = file(email("eve-1@partner.example", "steward.ev_cc.2@acme.example"));
  EXPECT_NE(eve.conversation_id, first.conversation_id);
  EXPECT_EQ(eve.linked_to, first.conversation_id);
}

TEST_F(MailroomTest, RevokedReplyAccessIsRefusedByTokenAndByThreading) {
  auto first = file(email("m1@customer.example"));
  auto revoked = in_tx([&](store::Tx& tx) {
    return store::revoke_reply_access(tx, first.conversation_id, "ANN@customer.example", "U0OPS");
  });
  ASSERT_TRUE(revoked) << revoked.error().message;
  EXPECT_EQ(*revoked, "ann@customer.example");
  // Ann's token (verified by the connector for her) no longer opens the conversation...
  auto by_token = file(email("m2@customer.example", "", {}, first.conversation_id));
  EXPECT_NE(by_token.conversation_id, first.conversation_id);
  EXPECT_EQ(by_token.linked_to, first.conversation_id);
  EXPECT_NE(conversation(by_token.conversation_id).link_reason.find("revoked"), std::string::npos);
  // ...and neither does citing its Message-ID.
  auto by_irt = file(email("m3@customer.example", "m1@customer.example"));
  EXPECT_NE(by_irt.conversation_id, first.conversation_id);
  // Unknown conversations and non-addresses are refused with a precise error.
  auto unknown =
      in_tx([&](store::Tx& tx) { return store::revoke_reply_access(tx, "cv_nope", "*", "U0OPS"); });
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, Errc::kNotFound);
  auto bad = in_tx([&](store::Tx& tx) {
    return store::revoke_reply_access(tx, first.conversation_id, "not an address", "U0OPS");
  });
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::kInvalidInput);
}

TEST_F(MailroomTest, RevokingEveryoneClosesTheConversationToAll) {
  auto first = file(email("m1@customer.example"));
  queue_reply(first.conversation_id, "ev_r", "pending", "bob@partner.example");
  ASSERT_TRUE(in_tx([&](store::Tx& tx) {
    return store::revoke_reply_access(tx, first.conversation_id, "*", "U0OPS");
  }));
  from_ = "bob@partner.example";
  EXPECT_NE(file(email("b1@partner.example", "steward.ev_r.2@acme.example")).conversation_id,
            first.conversation_id);
  from_ = "ann@customer.example";
  EXPECT_NE(file(email("a2@customer.example", "m1@customer.example")).conversation_id,
            first.conversation_id);
  // A later reply does not re-admit a revoked address.
  queue_reply(first.conversation_id, "ev_r2", "pending", "ann@customer.example");
  auto p =
      on_read([&](SQLite::Database& db) { return store::participants(db, first.conversation_id); });
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->empty());
}

TEST_F(MailroomTest, RefusedReplyTokenLinksToTheConversationItClaimed) {
  auto first = file(email("m1@customer.example"));
  from_ = "mallory@evil.example";
  auto e = email("mal@evil.example");
  e.payload["reply_token_refused"] = first.conversation_id;
  auto f = file(e);
  EXPECT_TRUE(f.is_new);
  EXPECT_EQ(f.linked_to, first.conversation_id);
  EXPECT_NE(conversation(f.conversation_id).link_reason.find("another address"), std::string::npos);
}

// A person merges a split-off conversation back: messages, drafts, participants and tokens follow.
TEST_F(MailroomTest, MergingASplitConversationMovesItsThreadAndItsWriter) {
  from_ = "alice@cust.example";
  auto alice = file(email("alice-1@cust.example"));
  from_ = "bob@cust.example";  // Alice's colleague, answering in her thread
  auto bob = file(email("bob-1@cust.example", "alice-1@cust.example"));
  ASSERT_EQ(bob.linked_to, alice.conversation_id);
  queue_reply(bob.conversation_id, "ev_bob", "awaiting_approval", "bob@cust.example");

  ASSERT_TRUE(in_tx([&](store::Tx& tx) {
    return store::merge_conversations(tx, bob.conversation_id, alice.conversation_id);
  }));
  auto merged = conversation(bob.conversation_id);
  EXPECT_EQ(merged.merged_into, alice.conversation_id);
  auto kept = conversation(alice.conversation_id);
  EXPECT_EQ(kept.messages, 2);
  EXPECT_EQ(kept.status, "awaiting approval");  // Bob's draft moved along
  auto list = on_read([&](SQLite::Database& db) { return store::list_conversations(db); });
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ(list->front().id, alice.conversation_id);
  // Bob now belongs to Alice's conversation: his next mail (and his old token) threads there.
  auto next = file(email("bob-2@cust.example", "alice-1@cust.example"));
  EXPECT_EQ(next.conversation_id, alice.conversation_id);
  auto by_token = file(email("bob-3@cust.example", "", {}, bob.conversation_id));
  EXPECT_EQ(by_token.conversation_id, alice.conversation_id);
  EXPECT_EQ(by_token.how, "token");

  // Merging again, into itself or from nowhere is refused.
  auto again = in_tx([&](store::Tx& tx) {
    return store::merge_conversations(tx, bob.conversation_id, alice.conversation_id);
  });
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, Errc::kConflict);
  auto self = in_tx([&](store::Tx& tx) {
    return store::merge_conversations(tx, alice.conversation_id, alice.conversation_id);
  });
  ASSERT_FALSE(self);
  EXPECT_EQ(self.error().code, Errc::kInvalidInput);
  auto nowhere = in_tx([&](store::Tx& tx) {
    return store::merge_conversations(tx, "cv_nope", alice.conversation_id);
  });
  ASSERT_FALSE(nowhere);
  EXPECT_EQ(nowhere.error().code, Errc::kNotFound);
}

TEST(MailroomPolicy, StaffIsTheCompanyDomainOrAPersonsMailbox) {
  MailroomPolicy p{{"acme.example"}, {"dana@gmail.example"}};
  EXPECT_TRUE(p.is_staff("sue@acme.example"));
  EXPECT_TRUE(p.is_staff("Sue <SUE+x@ACME.example>"));
  EXPECT_TRUE(p.is_staff("dana+leads@Gmail.Example"));
  EXPECT_FALSE(p.is_staff("sue@acme.example.evil.example"));
  EXPECT_FALSE(p.is_staff("sue@notacme.example"));
  EXPECT_FALSE(p.is_staff("dan@gmail.example"));
  EXPECT_FALSE(p.is_staff(""));
}

}  // namespace
}  // namespace steward::runtime
