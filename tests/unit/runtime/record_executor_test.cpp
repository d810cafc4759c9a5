// RecordExecutor: `ticket.classify` records an agent's triage on its conversation;
// `pipeline.upsert` a lead in the built-in pipeline, once per event.

#include "bot/runtime/record_executor.hpp"

#include <gtest/gtest.h>

#include "bot/core/json.hpp"
#include "bot/runtime/mailroom.hpp"
#include "bot/store/conversations.hpp"
#include "tests/unit/store/store_fixture.hpp"

namespace steward::runtime {
namespace {

class RecordExecutorTest : public store::test::StoreTest {
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
                  "Record ticket",
                  ""};
  }
};

TEST_F(RecordExecutorTest, RecordsTheClassificationOnTheConversation) {
  RecordExecutor exec(*store_);
  EXPECT_EQ(exec.kinds(), (std::vector<std::string>{"pipeline.upsert", "ticket.classify"}));
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

TEST_F(RecordExecutorTest, MissingOrUnknownConversationIsPermanent) {
  RecordExecutor exec(*store_);
  auto none = exec.execute(classify(""), "k");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, Errc::kPermanent);
  auto unknown = exec.execute(classify("cv_nope"), "k");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, Errc::kPermanent);
}

TEST_F(RecordExecutorTest, UpsertsALeadOncePerEvent) {
  RecordExecutor exec(*store_);
  Action upsert{
      "pipeline.upsert",
      {{"email", "Ann@Customer.example"}, {"name", "Ann"}, {"stage", "hot"}, {"score", 80}},
      "Add lead",
      ""};
  auto r = exec.execute(upsert, "ev_7:0");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(json::string_or(r->detail, "stage"), "hot");
  // The replay of the same action (a crash before it was marked done) adds no history row.
  ASSERT_TRUE(exec.execute(upsert, "ev_7:0"));
  EXPECT_EQ(text("SELECT name || '/' || stage || '/' || score FROM leads"), "Ann/hot/80");
  EXPECT_EQ(text("SELECT COUNT(*) FROM lead_history"), "1");
  // A later event moves the lead and records its own history row.
  upsert.fields["stage"] = "won";
  ASSERT_TRUE(exec.execute(upsert, "ev_8:0"));
  EXPECT_EQ(text("SELECT stage FROM leads"), "won");
  EXPECT_EQ(text("SELECT COUNT(*) FROM lead_history"), "2");

  Action no_email{"pipeline.upsert", {{"name", "Nobody"}}, "Add lead", ""};
  auto bad = exec.execute(no_email, "ev_9:0");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::kPermanent);
}

}  // namespace
}  // namespace steward::runtime
