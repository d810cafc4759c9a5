// `/steward …` answers built from a real store.

#include "bot/runtime/commands.hpp"

#include "bot/store/records.hpp"
#include "tests/unit/store/store_fixture.hpp"

namespace steward::runtime {
namespace {

using namespace std::chrono_literals;

TEST(HumanAge, Values) {
  EXPECT_EQ(human_age(-5000), "0s");
  EXPECT_EQ(human_age(0), "0s");
  EXPECT_EQ(human_age(999), "0s");
  EXPECT_EQ(human_age(59999), "59s");
  EXPECT_EQ(human_age(60000), "1m");
  EXPECT_EQ(human_age(3 * 60000 + 59000), "3m");
  EXPECT_EQ(human_age(59 * 60000), "59m");
  EXPECT_EQ(human_age(3600000), "1h");
  EXPECT_EQ(human_age(2 * 3600000 + 5 * 60000), "2h 5m");
  EXPECT_EQ(human_age(23 * 3600000 + 59 * 60000), "23h 59m");
  EXPECT_EQ(human_age(86400000), "1d");
  EXPECT_EQ(human_age(86400000 + 4 * 3600000), "1d 4h");
  EXPECT_EQ(human_age(86400000 + 4 * 3600000 + 30 * 60000), "1d 4h");  // minutes dropped
  EXPECT_EQ(human_age(30LL * 86400000), "30d");
}

class CommandsTest : public store::test::StoreTest {
 protected:
  std::string reply(std::string_view text) {
    auto r = command_reply(*store_, clock_, text, CommandViewer{});
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
    return r ? *r : std::string();
  }
  std::string add_approval(const std::string& title, std::int64_t expires_at) {
    std::string id;
    auto r = store_->write([&](store::Tx& tx) -> Expected<void> {
      auto a = make_action("email.send", "awaiting_approval");
      if (auto x = store::insert_action(tx, a); !x) return Unexpected(x.error());
      store::ApprovalRow p;
      p.action_id = a.id;
      p.rule = "r";
      p.approvers = {"role:director", "person:U0SAM"};
      p.requester = "lead@acme.example";
      p.title = title;
      p.status = "pending";
      p.expires_at = expires_at;
      if (auto x = store::insert_approval(tx, p); !x) return Unexpected(x.error());
      id = p.id;
      return {};
    });
    EXPECT_TRUE(r.has_value());
    return id;
  }
};

TEST_F(CommandsTest, HelpAndEmpty) {
  EXPECT_EQ(reply("help"), command_help());
  EXPECT_EQ(reply(""), command_help());
  EXPECT_EQ(reply("   help  "), command_help());
  EXPECT_EQ(reply("help me please"), command_help());
  for (const char* verb : {"/steward status", "/steward approvals", "/steward help"})
    EXPECT_NE(command_help().find(verb), std::string::npos) << verb;
}

TEST_F(CommandsTest, UnknownVerbIsNamedEscapedAndFollowedByHelp) {
  auto r = reply("frobnicate now");
  EXPECT_EQ(r.rfind("I don't know `frobnicate`.", 0), 0u) << r;
  EXPECT_NE(r.find(command_help()), std::string::npos);
  auto html = reply("<@U1>&x");
  EXPECT_NE(html.find("`&lt;@U1&gt;&amp;x`"), std::string::npos) << html;
  EXPECT_EQ(html.find("<@U1>"), std::string::npos) << html;  // no mention injected
  EXPECT_EQ(reply("Status").rfind("I don't know", 0), 0u);   // verbs are case-sensitive
}

TEST_F(CommandsTest, StatusShowsCounts) {
  auto empty = reply("status");
  EXPECT_NE(empty.find("Inbox: 0 event(s) received, 0 waiting"), std::string::npos) << empty;

  auto r = store_->write([](store::Tx& tx) -> Expected<void> {
    for (int i = 0; i < 3; ++i) {
      Event e = make_event("status:" + std::to_string(i));
      if (auto x = store::insert_event(tx, e); !x) return Unexpected(x.error());
      if (i == 0)
        if (auto x = store::finish_event(tx, e.id, "done"); !x) return x;
    }
    for (const char* status : {"pending", "pending", "done", "dead"}) {
      auto a = make_action("slack.post", status);
      if (auto x = store::insert_action(tx, a); !x) return Unexpected(x.error());
    }
    return store::upsert_lead(tx, {{"email", "lead@acme.example"}, {"score", 70}}, "ev");
  });
  ASSERT_TRUE(r.has_value()) << r.error().message;
  add_approval("Send it", 0);

  auto s = reply("status");
  EXPECT_NE(s.find("Inbox: 3 event(s) received, 2 waiting"), std::string::npos) << s;
  EXPECT_NE(s.find("Outbox: 2 pending, 0 running, 1 done, 1 dead-lettered"), std::string::npos)
      << s;
  EXPECT_NE(s.find("Approvals waiting: 1"), std::string::npos) << s;
  EXPECT_NE(s.find("Leads in the pipeline: 1"), std::string::npos) << s;
  EXPECT_NE(s.find("Audit entries: 3"), std::string::npos) << s;
}

TEST_F(CommandsTest, ApprovalsWithoutPending) {
  EXPECT_EQ(reply("approvals"), "No approvals are waiting. :white_check_mark:");
}

TEST_F(CommandsTest, ApprovalsListsPendingWithAges) {
  using store::test::kStartMs;
  auto old_id = add_approval("Send <proposal> to lead & co", kStartMs + 2 * 3600000);
  clock_.advance(5min);
  auto new_id = add_approval("Post to #sales", 0);
  clock_.advance(1h);  // now = start + 65 min
  auto decided_id = add_approval("Already decided", 0);
  ASSERT_TRUE(store_
                  ->write([&](store::Tx& tx) -> Expected<void> {
                    auto d = store::decide_approval(tx, decided_id, "approved", "U0DANA");
                    if (!d) return Unexpected(d.error());
                    return {};
                  })
                  .has_value());

  auto r = reply("approvals");
  EXPECT_EQ(r.rfind("*2 approval(s) waiting:*", 0), 0u) << r;
  EXPECT_NE(r.find("• `" + old_id +
                   "` Send &lt;proposal&gt; to lead &amp; co — waiting 1h 5m, needs "
                   "role:director, person:U0SAM, expires in 55m"),
            std::string::npos)
      << r;
  EXPECT_NE(r.find("• `" + new_id +
                   "` Post to #sales — waiting 1h, needs role:director, "
                   "person:U0SAM"),
            std::string::npos)
      << r;
  EXPECT_EQ(r.find(decided_id), std::string::npos) << r;
  // Newest first.
  EXPECT_LT(r.find(new_id), r.find(old_id));
  // The approval that never expires says nothing about expiry.
  auto new_line = r.substr(r.find(new_id));
  new_line = new_line.substr(0, new_line.find('\n'));
  EXPECT_EQ(new_line.find("expires"), std::string::npos) << new_line;
}

// Issue 9 (5): `/steward approvals` shows each person what they may decide or caused; only the
// roles [visibility] names (and the operator's CLI) see the whole list.
TEST_F(CommandsTest, ApprovalsAreShownOnlyToWhomTheyConcern) {
  Directory people({Person{"Dana", "U0DANA", "dana@acme.example", {"director"}, "UTC"},
                    Person{"Sam", "U0SAM", "sam@acme.example", {"sales"}, "UTC"},
                    Person{"Ola", "U0OLA", "ola@acme.example", {"ops"}, "UTC"},
                    Person{"Lee", "U0LEE", "lee@acme.example", {"support"}, "UTC"}});
  auto id = add_approval("Reply to alice@customer.example", 0);  // director or person:U0SAM
  auto as = [&](std::string user, std::vector<std::string> see_all = {}) {
    auto r = command_reply(*store_, clock_, "approvals",
                           CommandViewer{std::move(user), &people, std::move(see_all)});
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return r ? *r : std::string();
  };
  EXPECT_NE(as("U0DANA").find(id), std::string::npos);  // may decide (role)
  EXPECT_NE(as("U0SAM").find(id), std::string::npos);   // may decide (person)
  auto ola = as("U0OLA");
  EXPECT_EQ(ola.find(id), std::string::npos) << ola;
  EXPECT_EQ(ola.find("alice@customer.example"), std::string::npos) << ola;
  EXPECT_EQ(ola, "No approvals are waiting for you. :white_check_mark:");
  auto stranger = as("U0STRANGER");
  EXPECT_EQ(stranger.find(id), std::string::npos) << stranger;
  // The rules may grant a role the whole list.
  EXPECT_NE(as("U0OLA", {"role:ops"}).find(id), std::string::npos);
  EXPECT_EQ(as("U0LEE", {"role:ops"}).find(id), std::string::npos);
  // The requester sees their own request, by Slack id or mailbox.
  auto own = store_->write([&](store::Tx& tx) -> Expected<void> {
    auto a = make_action("slack.post", "awaiting_approval");
    if (auto x = store::insert_action(tx, a); !x) return Unexpected(x.error());
    store::ApprovalRow p;
    p.action_id = a.id;
    p.rule = "r";
    p.approvers = {"role:director"};
    p.requester = "lee+tix@acme.example";
    p.title = "Lee's own request";
    p.status = "pending";
    return store::insert_approval(tx, p);
  });
  ASSERT_TRUE(own) << own.error().message;
  EXPECT_NE(as("U0LEE").find("Lee's own request"), std::string::npos);
  EXPECT_EQ(as("U0OLA").find("Lee's own request"), std::string::npos);
  // The operator at the machine sees everything.
  EXPECT_NE(reply("approvals").find(id), std::string::npos);
}

TEST_F(CommandsTest, TicketsAreShownOnlyToPeopleInTheConfig) {
  Directory people({Person{"Lee", "U0LEE", "lee@acme.example", {"support"}, "UTC"}});
  auto stranger =
      command_reply(*store_, clock_, "tickets", CommandViewer{"U0STRANGER", &people, {}});
  ASSERT_TRUE(stranger);
  EXPECT_NE(stranger->find("people listed in Steward's configuration only"), std::string::npos);
  auto lee = command_reply(*store_, clock_, "tickets", CommandViewer{"U0LEE", &people, {}});
  ASSERT_TRUE(lee);
  EXPECT_EQ(*lee, "No support conversations yet.");
}

}  // namespace
}  // namespace steward::runtime
