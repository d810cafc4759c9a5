// TicketExecutor: `ticket.classify` records an agent's triage on its conversation.

#include "bot/runtime/ticket_executor.hpp"

#include <gtest/gtest.h>

#include "bot/runtime/mailroom.hpp"
#include "bot/store/conversations.hpp"
#include "tests/unit/store/store_fixture.hpp"

namespace steward::runtime {
namespace {

class TicketExecutorTest : public store::test::StoreTest {
 protected:
  /// A conversation filed from one customer email; its id.
  std::string conversation() {
    Event e;
    e.source = "email";
    e.kind = "email.received";
    e.actor = "ann@customer.example";
    e.dedupe_key = "email:m1";
    e.payload = {{"from", "ann@customer.example"},
                 {"subject", "Invoice"},
                 {"text", "Wrong."},
                 {"message_id", "m1@customer.example"},
                 {"in_reply_to", ""},
                 {"references", boost::json::array{}},
                 {"auto_reply", false}};
    MailroomPolicy policy;
    policy.company_domains = {"acme.example"};
    auto filed = in_tx([&](store::Tx& tx) -> Expected<FiledEmail> {
      if (auto in = store::insert_event(tx, e); !in) return Unexpected(in.error());
      return file_inbound_email(tx, e, policy);
    });
    EXPECT_TRUE(filed) << filed.error().message;
    return filed ? filed->conversation_id : "";
  }
  static Action classify(std::string conv) {
    return Action{"ticket.classify",
                  {{"conversation_id", std::move(conv)},
                   {"topic", "billing"},
                   {"urgency", "high"},
                   {"sentiment", "negative"},
                   {"risk", boost::json::array{"legal", "vip"}}},
                  "Record ticket"};
  }
};

TEST_F(TicketExecutorTest, RecordsTheClassificationOnTheConversation) {
  TicketExecutor exec(*store_);
  EXPECT_EQ(exec.kinds(), std::vector<std::string>{"ticket.classify"});
  auto conv = conversation();
  auto r = exec.execute(classify(conv), "ev_1:3");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(text("SELECT topic || '/' || urgency || '/' || sentiment || '/' || risk FROM "
                 "conversations WHERE id = '" +
                 conv + "'"),
            "billing/high/negative/legal,vip");
  // A repeat (a retry after a crash) sets the same values.
  ASSERT_TRUE(exec.execute(classify(conv), "ev_1:3"));
  EXPECT_EQ(text("SELECT risk FROM conversations WHERE id = '" + conv + "'"), "legal,vip");
}

TEST_F(TicketExecutorTest, MissingOrUnknownConversationIsPermanent) {
  TicketExecutor exec(*store_);
  auto none = exec.execute(classify(""), "k");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, Errc::kPermanent);
  auto unknown = exec.execute(classify("cv_nope"), "k");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, Errc::kPermanent);
}

}  // namespace
}  // namespace steward::runtime
