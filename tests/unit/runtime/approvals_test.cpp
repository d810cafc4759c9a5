// ApprovalDesk over a real store: open, decide (roles, four-eyes, once), expire, message updates.

#include "bot/runtime/approvals.hpp"

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "bot/core/json.hpp"
#include "bot/store/audit.hpp"
#include "tests/unit/store/store_fixture.hpp"

namespace steward::runtime {
namespace {

using namespace std::chrono_literals;
using store::test::kStartMs;

Config slack_config() {
  Config c;
  c.slack.bot_token = Secret("xoxb-test-token");
  c.slack.signing_secret = Secret("test-signing-secret");
  c.slack.approvals_channel = "C0APPROVALS";
  c.outbox.max_attempts = 5;
  return c;
}

std::vector<Person> people() {
  return {
      Person{"Dana Director", "U0DANA", "dana@acme.example", {"director"}, "UTC"},
      Person{"Dirk Director", "U0DIRK", "dirk@acme.example", {"director", "sales"}, "UTC"},
      Person{"Dora Director", "U0DORA", "dora@acme.example", {"director"}, "UTC"},
      Person{"Desi Director", "U0DESI", "desi@acme.example", {"director"}, "UTC"},
      Person{"Sam Sales", "U0SAM", "sam@acme.example", {"sales"}, "UTC"},
  };
}

class ApprovalDeskTest : public store::test::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    config_ = slack_config();
  }

  /// An email.send action held for approval by rule "external-email" (directors, 1h expiry).
  store::ApprovalRow ask(const std::string& requester, std::chrono::seconds expires = 3600s) {
    store::ApprovalRow out;
    auto r = store_->write([&](store::Tx& tx) -> Expected<void> {
      Event cause = make_event("cause:" + store::new_id("k"), requester);
      auto in = store::insert_event(tx, cause);
      if (!in) return Unexpected(in.error());
      auto action = make_action("email.send", "awaiting_approval", cause.id);
      action.fields = {
          {"to", "lead@acme.example"}, {"subject", "Your proposal"}, {"text", "Hello Jane"}};
      action.summary = "Send proposal to lead@acme.example";
      action.verdict = "ask";
      action.rule = "decision-rights.toml#external-email";
      if (auto x = store::insert_action(tx, action); !x) return Unexpected(x.error());
      Decision d;
      d.verdict = Verdict::kAsk;
      d.rule = "decision-rights.toml#external-email";
      d.reason = "external email needs a director";
      d.approvers = {"role:director"};
      d.expires_after = expires;
      Plan plan;
      plan.agent = "lead_qualifier";
      plan.notes = {"Lead scored 85"};
      plan.facts = {{"lead", {{"email", "lead@acme.example"}, {"score", 85}, {"stage", "hot"}}}};
      auto opened = desk().open(tx, action, d, cause, plan);
      if (!opened) return Unexpected(opened.error());
      out = *opened;
      return {};
    });
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
    return out;
  }

  Expected<DecideOutcome> decide(const DecideRequest& req) {
    return in_tx([&](store::Tx& tx) { return desk().decide(tx, req); });
  }
  /// An approve click by `user` from Slack, with a fresh event id.
  static DecideRequest click(const std::string& id, const std::string& user,
                             const std::string& decision = "approve") {
    DecideRequest req;
    req.approval_id = id;
    req.decision = decision;
    req.user_id = user;
    req.source = "slack";
    req.event_id = store::new_id("ev");
    return req;
  }
  DecideOutcome decide_ok(const std::string& id, const std::string& user,
                          const std::string& decision = "approve") {
    auto r = decide(click(id, user, decision));
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
    return r ? *r : DecideOutcome{};
  }

  std::optional<store::ApprovalRow> approval(const std::string& id) {
    auto r = on_read([&](SQLite::Database& db) { return store::get_approval(db, id); });
    return r ? *r : std::nullopt;
  }
  std::string action_status(const std::string& id) {
    return text("SELECT status FROM actions WHERE id = '" + id + "'");
  }
  std::int64_t count_actions(const std::string& kind) {
    return scalar("SELECT COUNT(*) FROM actions WHERE kind = '" + kind + "'");
  }
  std::int64_t count_audit(const std::string& kind, const std::string& approval_id = "") {
    std::string sql = "SELECT COUNT(*) FROM audit WHERE kind = '" + kind + "'";
    if (!approval_id.empty()) sql += " AND approval_id = '" + approval_id + "'";
    return scalar(sql);
  }
  std::vector<store::ActionRow> actions_of(const std::string& kind) {
    auto r = on_read([&](SQLite::Database& db) -> Expected<std::vector<store::ActionRow>> {
      std::vector<store::ActionRow> out;
      SQLite::Statement q(db, "SELECT id FROM actions WHERE kind = ? ORDER BY created_at, rowid");
      q.bind(1, kind);
      while (q.executeStep()) {
        auto a = store::get_action(db, q.getColumn(0).getString());
        if (!a) return Unexpected(a.error());
        if (*a) out.push_back(**a);
      }
      return out;
    });
    EXPECT_TRUE(r.has_value());
    return r ? *r : std::vector<store::ActionRow>{};
  }
  void posted(const store::ApprovalRow& a, const std::string& channel, const std::string& ts) {
    auto r = in_tx(
        [&](store::Tx& tx) { return desk().message_posted(tx, a.post_action_id, channel, ts); });
    ASSERT_TRUE(r.has_value()) << r.error().message;
  }

  ApprovalDesk desk() const { return ApprovalDesk(config_, directory_, remember_); }

  Config config_;
  Directory directory_{people()};
  bool remember_ = false;
};

// ---------------------------------------------------------------------------------- open

TEST_F(ApprovalDeskTest, OpenWithSlackCreatesApprovalAndPostAction) {
  auto a = ask("lead@acme.example");
  ASSERT_FALSE(a.id.empty());
  auto row = approval(a.id);
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(row->status, "pending");
  EXPECT_EQ(row->rule, "decision-rights.toml#external-email");
  EXPECT_EQ(row->approvers, std::vector<std::string>{"role:director"});
  EXPECT_EQ(row->requester, "lead@acme.example");
  EXPECT_EQ(row->title, "Send proposal to lead@acme.example");
  EXPECT_EQ(row->created_at, kStartMs);
  EXPECT_EQ(row->expires_at, kStartMs + 3600 * 1000);
  EXPECT_EQ(action_status(row->action_id), "awaiting_approval");

  auto posts = actions_of("approval.post");
  ASSERT_EQ(posts.size(), 1u);
  const auto& post = posts[0];
  EXPECT_EQ(row->post_action_id, post.id);
  EXPECT_EQ(post.status, "pending");
  EXPECT_EQ(post.origin, "system");
  EXPECT_EQ(post.idempotency_key, "approval.post:" + a.id);
  EXPECT_EQ(post.max_attempts, 5);
  EXPECT_EQ(post.event_id, row->event_id);
  EXPECT_EQ(json::string_or(post.fields, "approval_id"), a.id);
  EXPECT_EQ(json::string_or(post.fields, "channel"), "C0APPROVALS");
  auto summary = json::string_or(post.fields, "summary");
  EXPECT_NE(summary.find("scored 85"), std::string::npos) << summary;
  const auto* draft = json::get_object(post.fields, "draft");
  ASSERT_NE(draft, nullptr);
  EXPECT_EQ(json::string_or(*draft, "to"), "lead@acme.example");
  EXPECT_EQ(json::string_or(*draft, "subject"), "Your proposal");
  EXPECT_EQ(json::get_int(post.fields, "expires_at"), (kStartMs + 3600 * 1000) / 1000);
  EXPECT_EQ(json::string_or(post.fields, "requested_by"), "lead@acme.example");

  EXPECT_EQ(count_audit("approval.requested", a.id), 1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit WHERE kind = 'action.queued' AND action_id = '" +
                   post.id + "'"),
            1);
}

TEST_F(ApprovalDeskTest, OpenWithoutSlackCreatesNoPostAction) {
  config_ = Config{};  // no Slack credentials: approvals are decided from the dashboard/CLI
  ASSERT_FALSE(config_.slack.configured());
  auto a = ask("lead@acme.example", 0s);
  auto row = approval(a.id);
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(row->post_action_id, "");
  EXPECT_EQ(row->expires_at, 0);
  EXPECT_EQ(count_actions("approval.post"), 0);
  EXPECT_EQ(count_audit("approval.requested", a.id), 1);

  // Deciding without Slack queues no message update either.
  auto out = decide_ok(a.id, "U0DANA");
  EXPECT_TRUE(out.accepted);
  EXPECT_EQ(count_actions("approval.update"), 0);
}

// ---------------------------------------------------------------------------------- decide

TEST_F(ApprovalDeskTest, UnknownApprovalIsRefused) {
  auto out = decide_ok("apr_does_not_exist", "U0DANA");
  EXPECT_FALSE(out.accepted);
  EXPECT_NE(out.message.find("does not exist"), std::string::npos) << out.message;
  EXPECT_EQ(count_audit("approval.refused", "apr_does_not_exist"), 1);
  EXPECT_EQ(count_audit("approval.decided"), 0);
}

TEST_F(ApprovalDeskTest, UnknownDecisionIsRefused) {
  auto a = ask("lead@acme.example");
  auto out = decide_ok(a.id, "U0DANA", "maybe");
  EXPECT_FALSE(out.accepted);
  EXPECT_EQ(approval(a.id)->status, "pending");
  EXPECT_EQ(count_audit("approval.refused", a.id), 1);
}

TEST_F(ApprovalDeskTest, PersonWithoutTheRoleIsRefusedAndNothingChanges) {
  auto a = ask("lead@acme.example");
  for (const char* user : {"U0SAM", "U0STRANGER", ""}) {
    auto out = decide_ok(a.id, user);
    EXPECT_FALSE(out.accepted) << user;
    EXPECT_EQ(out.status, "pending");
    EXPECT_NE(out.message.find("not allowed"), std::string::npos) << out.message;
    EXPECT_NE(out.message.find("role:director"), std::string::npos) << out.message;
  }
  // The email of a director is not a Slack id: clicks carry ids, so it must not pass either.
  EXPECT_FALSE(decide_ok(a.id, "dana@acme.example").accepted);
  auto row = approval(a.id);
  ASSERT_TRUE(row);
  EXPECT_EQ(row->status, "pending");
  EXPECT_EQ(row->decided_by, "");
  EXPECT_EQ(action_status(row->action_id), "awaiting_approval");
  EXPECT_EQ(count_audit("approval.refused", a.id), 4);
  EXPECT_EQ(count_audit("approval.decided"), 0);
  EXPECT_EQ(count_actions("approval.update"), 0);
}

TEST_F(ApprovalDeskTest, RequesterMayNotApproveOwnRequestByEmail) {
  auto a = ask("Dana@Acme.Example");  // the request was caused by Dana's email
  auto out = decide_ok(a.id, "U0DANA");
  EXPECT_FALSE(out.accepted);
  EXPECT_NE(out.message.find("four-eyes"), std::string::npos) << out.message;
  EXPECT_EQ(approval(a.id)->status, "pending");
  EXPECT_EQ(count_audit("approval.refused", a.id), 1);
  // Another director may.
  EXPECT_TRUE(decide_ok(a.id, "U0DIRK").accepted);
}

// Issue 9 (4): a lead from dana+x@… or a support mail from dana+tix@… is Dana's own request.
TEST_F(ApprovalDeskTest, RequesterMayNotApproveOwnRequestBySubAddress) {
  for (std::string alias : {"dana+x@acme.example", "Dana Director <DANA+Tix@Acme.Example>"}) {
    auto a = ask(alias);
    auto out = decide_ok(a.id, "U0DANA");
    EXPECT_FALSE(out.accepted) << alias;
    EXPECT_NE(out.message.find("four-eyes"), std::string::npos) << out.message;
    EXPECT_EQ(approval(a.id)->status, "pending");
    EXPECT_EQ(action_status(approval(a.id)->action_id), "awaiting_approval");
    EXPECT_TRUE(decide_ok(a.id, "U0DIRK").accepted) << alias;
  }
}

// Issue 9 (5): an approval is never marked decided while its action did not move.
TEST_F(ApprovalDeskTest, ApprovalIsNotDecidedWhenItsActionNoLongerWaits) {
  auto a = ask("lead@acme.example");
  // Something else (an operator, a bug, a concurrent path) moved the action on.
  auto moved = in_tx([&](store::Tx& tx) {
    return store::transition_action(tx, a.action_id, "awaiting_approval", "rejected");
  });
  ASSERT_TRUE(moved && *moved);
  auto out = decide_ok(a.id, "U0DANA");
  EXPECT_FALSE(out.accepted);
  EXPECT_NE(out.message.find("no longer waiting"), std::string::npos) << out.message;
  EXPECT_EQ(approval(a.id)->status, "pending");
  EXPECT_EQ(approval(a.id)->decided_by, "");
  EXPECT_EQ(action_status(a.action_id), "rejected");
  EXPECT_EQ(count_audit("approval.decided"), 0);
  EXPECT_EQ(count_audit("approval.refused", a.id), 1);
  EXPECT_EQ(count_actions("approval.update"), 0);
}

// Issue 9 (5): a response_url is Slack's or it is not used; the refusal still reaches the person.
TEST_F(ApprovalDeskTest, RefusalNeverPostsOutsideSlacksHooksHost) {
  auto a = ask("lead@acme.example");
  DecideRequest req = click(a.id, "U0SAM");
  req.channel = "C0APPROVALS";
  req.message_ts = "1700000000.000100";
  int n = 0;
  for (std::string url :
       {"https://attacker.example/steal", "https://hooks.slack.com.evil.example/actions/x",
        "http://hooks.slack.com/actions/T1/1/abc", "https://hooks.slack.com", ""}) {
    req.event_id = "ev_click_" + std::to_string(++n);
    req.response_url = url;
    auto out = decide(req);
    ASSERT_TRUE(out.has_value());
    EXPECT_FALSE(out->accepted);
  }
  EXPECT_EQ(count_actions("slack.respond"), 0);
  auto ephemerals = actions_of("slack.ephemeral");
  ASSERT_EQ(ephemerals.size(), 5u);
  EXPECT_EQ(json::string_or(ephemerals[0].fields, "channel"), "C0APPROVALS");
  EXPECT_EQ(json::string_or(ephemerals[0].fields, "user"), "U0SAM");
  EXPECT_NE(json::string_or(ephemerals[0].fields, "text").find("not allowed"), std::string::npos);
  for (const auto& e : ephemerals) EXPECT_FALSE(e.fields.contains("response_url"));

  // Slack's own hooks host is used as before; a test may point the base at a fake.
  req.event_id = "ev_click_ok";
  req.response_url = "https://hooks.slack.com/actions/T1/1/abc";
  ASSERT_TRUE(decide(req));
  EXPECT_EQ(count_actions("slack.respond"), 1);
  config_.slack.response_url_base = "http://127.0.0.1:9/";
  req.event_id = "ev_click_fake";
  req.response_url = "http://127.0.0.1:9/response/1";
  ASSERT_TRUE(decide(req));
  EXPECT_EQ(count_actions("slack.respond"), 2);
}

TEST_F(ApprovalDeskTest, RequesterMayNotApproveOwnRequestBySlackId) {
  auto a = ask("U0DANA");
  auto out = decide_ok(a.id, "U0DANA");
  EXPECT_FALSE(out.accepted);
  EXPECT_NE(out.message.find("four-eyes"), std::string::npos) << out.message;
  auto row = approval(a.id);
  EXPECT_EQ(row->status, "pending");
  EXPECT_EQ(action_status(row->action_id), "awaiting_approval");
  // Rejecting one's own request is refused as well: any decision needs a second person.
  EXPECT_FALSE(decide_ok(a.id, "U0DANA", "reject").accepted);
  EXPECT_EQ(approval(a.id)->status, "pending");
}

TEST_F(ApprovalDeskTest, DirectorApprovesActionIsReleased) {
  auto a = ask("lead@acme.example");
  clock_.advance(2min);
  auto out = decide_ok(a.id, "U0DANA");
  EXPECT_TRUE(out.accepted) << out.message;
  EXPECT_EQ(out.status, "approved");
  auto row = approval(a.id);
  ASSERT_TRUE(row);
  EXPECT_EQ(row->status, "approved");
  EXPECT_EQ(row->decided_by, "U0DANA");
  EXPECT_EQ(row->decided_at, kStartMs + 120000);
  EXPECT_EQ(action_status(row->action_id), "pending");
  EXPECT_EQ(count_audit("approval.decided", a.id), 1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit WHERE kind = 'approval.decided' AND actor = "
                   "'U0DANA' AND action_id = '" +
                   row->action_id + "'"),
            1);
  // The request message was never posted and the click named none: nothing to update yet
  // (it will be posted already decided).
  EXPECT_EQ(count_actions("approval.update"), 0);
}

TEST_F(ApprovalDeskTest, ApproveQueuesMessageUpdateWhenChannelAndTsAreKnown) {
  auto a = ask("lead@acme.example");
  posted(a, "C0APPROVALS", "1714564800.000100");
  EXPECT_EQ(count_actions("approval.update"), 0);  // still pending: nothing to update
  auto out = decide_ok(a.id, "U0DIRK");
  ASSERT_TRUE(out.accepted) << out.message;
  auto updates = actions_of("approval.update");
  ASSERT_EQ(updates.size(), 1u);
  const auto& u = updates[0];
  EXPECT_EQ(u.idempotency_key, "approval.update:" + a.id + ":approved");
  EXPECT_EQ(json::string_or(u.fields, "channel"), "C0APPROVALS");
  EXPECT_EQ(json::string_or(u.fields, "ts"), "1714564800.000100");
  EXPECT_EQ(json::string_or(u.fields, "status"), "approved");
  EXPECT_EQ(json::string_or(u.fields, "decided_by"), "U0DIRK");
  EXPECT_EQ(json::string_or(u.fields, "approval_id"), a.id);
}

TEST_F(ApprovalDeskTest, ClickCarryingChannelAndTsQueuesUpdate) {
  auto a = ask("lead@acme.example");
  DecideRequest req;
  req.approval_id = a.id;
  req.decision = "approve";
  req.user_id = "U0DORA";
  req.source = "slack";
  req.event_id = "ev_click_1";
  req.channel = "C0CLICKED";
  req.message_ts = "1714564800.000300";
  auto out = decide(req);
  ASSERT_TRUE(out.has_value());
  ASSERT_TRUE(out->accepted);
  auto updates = actions_of("approval.update");
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(json::string_or(updates[0].fields, "channel"), "C0CLICKED");
  EXPECT_EQ(json::string_or(updates[0].fields, "ts"), "1714564800.000300");
  EXPECT_EQ(updates[0].event_id, "ev_click_1");
}

TEST_F(ApprovalDeskTest, SecondDecisionIsRefusedAlreadyApproved) {
  auto a = ask("lead@acme.example");
  ASSERT_TRUE(decide_ok(a.id, "U0DANA").accepted);
  auto again = decide_ok(a.id, "U0DIRK", "reject");
  EXPECT_FALSE(again.accepted);
  EXPECT_EQ(again.status, "approved");
  EXPECT_NE(again.message.find("already approved"), std::string::npos) << again.message;
  EXPECT_NE(again.message.find("U0DANA"), std::string::npos) << again.message;
  auto row = approval(a.id);
  EXPECT_EQ(row->status, "approved");
  EXPECT_EQ(row->decided_by, "U0DANA");
  EXPECT_EQ(action_status(row->action_id), "pending");
  EXPECT_EQ(count_audit("approval.decided", a.id), 1);
  EXPECT_EQ(count_audit("approval.refused", a.id), 1);
}

TEST_F(ApprovalDeskTest, RejectCancelsTheAction) {
  auto a = ask("lead@acme.example");
  auto out = decide_ok(a.id, "U0DIRK", "reject");
  EXPECT_TRUE(out.accepted);
  EXPECT_EQ(out.status, "rejected");
  auto row = approval(a.id);
  EXPECT_EQ(row->status, "rejected");
  EXPECT_EQ(action_status(row->action_id), "rejected");
  auto again = decide_ok(a.id, "U0DANA");
  EXPECT_FALSE(again.accepted);
  EXPECT_NE(again.message.find("already rejected"), std::string::npos) << again.message;
  EXPECT_EQ(action_status(row->action_id), "rejected");
}

TEST_F(ApprovalDeskTest, DecisionJustBeforeExpiryIsAccepted) {
  auto a = ask("lead@acme.example", 60s);
  clock_.advance(59999ms);
  EXPECT_TRUE(decide_ok(a.id, "U0DANA").accepted);
}

TEST_F(ApprovalDeskTest, DecisionAfterExpiryIsRefused) {
  auto a = ask("lead@acme.example", 60s);
  clock_.advance(60s);  // exactly at expires_at: no longer decidable
  auto out = decide_ok(a.id, "U0DANA");
  EXPECT_FALSE(out.accepted);
  EXPECT_NE(out.message.find("expired"), std::string::npos) << out.message;
  auto row = approval(a.id);
  EXPECT_EQ(row->status, "pending");  // the sweeper, not the click, marks it expired
  EXPECT_EQ(action_status(row->action_id), "awaiting_approval");
  EXPECT_EQ(count_audit("approval.refused", a.id), 1);
}

TEST_F(ApprovalDeskTest, ExpireMarksApprovalsAndActionsExpired) {
  auto posted_one = ask("lead@acme.example", 60s);
  auto silent_one = ask("lead@acme.example", 120s);
  auto never = ask("lead@acme.example", 0s);
  auto later = ask("lead@acme.example", 3600s);
  posted(posted_one, "C0APPROVALS", "1714564800.000500");

  clock_.advance(30s);
  auto none = in_tx([&](store::Tx& tx) { return desk().expire(tx); });
  ASSERT_TRUE(none.has_value());
  EXPECT_EQ(*none, 0);

  clock_.advance(100s);
  auto n = in_tx([&](store::Tx& tx) { return desk().expire(tx); });
  ASSERT_TRUE(n.has_value()) << n.error().message;
  EXPECT_EQ(*n, 2);
  for (const auto* a : {&posted_one, &silent_one}) {
    auto row = approval(a->id);
    ASSERT_TRUE(row);
    EXPECT_EQ(row->status, "expired");
    EXPECT_EQ(row->decided_by, "steward");
    EXPECT_EQ(action_status(row->action_id), "expired");
    EXPECT_EQ(count_audit("approval.expired", a->id), 1);
  }
  for (const auto* a : {&never, &later}) {
    EXPECT_EQ(approval(a->id)->status, "pending");
    EXPECT_EQ(action_status(a->action_id), "awaiting_approval");
  }
  // Only the posted one has a message to update.
  auto updates = actions_of("approval.update");
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(json::string_or(updates[0].fields, "approval_id"), posted_one.id);
  EXPECT_EQ(json::string_or(updates[0].fields, "status"), "expired");
  EXPECT_EQ(json::string_or(updates[0].fields, "decided_by"), "");  // not "steward"
  EXPECT_EQ(json::string_or(updates[0].fields, "ts"), "1714564800.000500");

  // Running again changes nothing.
  auto again = in_tx([&](store::Tx& tx) { return desk().expire(tx); });
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(*again, 0);
  auto late = decide_ok(posted_one.id, "U0DANA");
  EXPECT_FALSE(late.accepted);
  EXPECT_NE(late.message.find("already expired"), std::string::npos) << late.message;
  EXPECT_EQ(late.message.find("steward"), std::string::npos) << late.message;
}

TEST_F(ApprovalDeskTest, RefusalRespondsOnlyWhenAResponseUrlIsGiven) {
  auto a = ask("lead@acme.example");
  DecideRequest req;
  req.approval_id = a.id;
  req.decision = "approve";
  req.user_id = "U0SAM";
  req.source = "slack";
  req.event_id = "ev_click_sam";
  auto no_url = decide(req);
  ASSERT_TRUE(no_url.has_value());
  EXPECT_FALSE(no_url->accepted);
  EXPECT_EQ(count_actions("slack.respond"), 0);

  req.event_id = "ev_click_sam_2";
  req.response_url = "https://hooks.slack.com/actions/T1/1/abc";
  auto with_url = decide(req);
  ASSERT_TRUE(with_url.has_value());
  EXPECT_FALSE(with_url->accepted);
  auto responds = actions_of("slack.respond");
  ASSERT_EQ(responds.size(), 1u);
  const auto& r = responds[0];
  EXPECT_EQ(json::string_or(r.fields, "response_url"), req.response_url);
  EXPECT_EQ(json::string_or(r.fields, "response_type"), "ephemeral");
  EXPECT_NE(json::string_or(r.fields, "text").find("not allowed"), std::string::npos);
  EXPECT_EQ(r.event_id, "ev_click_sam_2");
  EXPECT_EQ(r.origin, "system");

  // An accepted decision sends no refusal.
  req.user_id = "U0DANA";
  req.event_id = "ev_click_dana";
  auto ok = decide(req);
  ASSERT_TRUE(ok.has_value());
  EXPECT_TRUE(ok->accepted);
  EXPECT_EQ(count_actions("slack.respond"), 1);
}

TEST_F(ApprovalDeskTest, RefusalWithoutSlackQueuesNothing) {
  config_ = Config{};
  auto a = ask("lead@acme.example");
  DecideRequest req;
  req.approval_id = a.id;
  req.decision = "approve";
  req.user_id = "U0SAM";
  req.event_id = "ev_x";
  req.response_url = "https://hooks.slack.com/actions/T1/1/abc";
  auto out = decide(req);
  ASSERT_TRUE(out.has_value());
  EXPECT_FALSE(out->accepted);
  EXPECT_EQ(count_actions("slack.respond"), 0);
  EXPECT_EQ(count_audit("approval.refused", a.id), 1);
}

TEST_F(ApprovalDeskTest, EveryDecideAppendsExactlyOneAuditEntry) {
  auto a = ask("U0DANA");
  auto before = scalar("SELECT COUNT(*) FROM audit");
  decide_ok(a.id, "U0SAM");         // refused: role
  decide_ok(a.id, "U0DANA");        // refused: four-eyes
  decide_ok("apr_nope", "U0DIRK");  // refused: unknown
  EXPECT_TRUE(decide_ok(a.id, "U0DIRK").accepted);
  decide_ok(a.id, "U0DORA");  // refused: already decided
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit"), before + 5);
  EXPECT_EQ(count_audit("approval.refused"), 4);
  EXPECT_EQ(count_audit("approval.decided"), 1);
  // The chain stays valid through all of it.
  auto v = on_read([](SQLite::Database& db) { return store::verify_audit(db); });
  ASSERT_TRUE(v.has_value());
  EXPECT_TRUE(v->ok) << v->problem;
}

TEST_F(ApprovalDeskTest, MessagePostedAfterDecisionQueuesTheUpdate) {
  auto a = ask("lead@acme.example");
  ASSERT_TRUE(decide_ok(a.id, "U0DANA", "reject").accepted);
  EXPECT_EQ(count_actions("approval.update"), 0);
  posted(a, "C0APPROVALS", "1714564800.000900");
  auto row = approval(a.id);
  EXPECT_EQ(row->message_channel, "C0APPROVALS");
  EXPECT_EQ(row->message_ts, "1714564800.000900");
  auto updates = actions_of("approval.update");
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(json::string_or(updates[0].fields, "status"), "rejected");
  EXPECT_EQ(json::string_or(updates[0].fields, "ts"), "1714564800.000900");
  EXPECT_EQ(json::string_or(updates[0].fields, "decided_by"), "U0DANA");
  // A repeated completion (outbox retry) does not queue a second update.
  posted(a, "C0APPROVALS", "1714564800.000900");
  EXPECT_EQ(count_actions("approval.update"), 1);
}

TEST_F(ApprovalDeskTest, ConcurrentDecidersExactlyOneAccepted) {
  auto a = ask("lead@acme.example");
  const std::vector<std::string> users{"U0DANA", "U0DIRK", "U0DORA", "U0DESI"};
  constexpr int kThreads = 8;
  std::atomic<int> accepted{0};
  std::atomic<int> refused{0};
  std::atomic<int> errors{0};
  std::mutex m;
  std::string winner;
  std::vector<std::thread> threads;
  const ApprovalDesk shared_desk(config_, directory_);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      DecideRequest req;
      req.approval_id = a.id;
      req.decision = "approve";
      req.user_id = users[t % users.size()];
      req.source = "slack";
      req.event_id = "ev_click_" + std::to_string(t);
      DecideOutcome out;
      auto r = store_->write([&](store::Tx& tx) -> Expected<void> {
        auto o = shared_desk.decide(tx, req);
        if (!o) return Unexpected(o.error());
        out = *o;
        return {};
      });
      if (!r) {
        ++errors;
        return;
      }
      if (out.accepted) {
        ++accepted;
        std::lock_guard lock(m);
        winner = req.user_id;
      } else {
        ++refused;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(accepted.load(), 1);
  EXPECT_EQ(refused.load(), kThreads - 1);
  auto row = approval(a.id);
  ASSERT_TRUE(row);
  EXPECT_EQ(row->status, "approved");
  EXPECT_EQ(row->decided_by, winner);
  EXPECT_EQ(action_status(row->action_id), "pending");
  EXPECT_EQ(count_audit("approval.decided", a.id), 1);
  EXPECT_EQ(count_audit("approval.refused", a.id), kThreads - 1);
}

}  // namespace
}  // namespace steward::runtime

namespace steward::runtime {
namespace {

// ---------------------------------------------------------------------------------- memory

TEST_F(ApprovalDeskTest, DecisionIsRememberedOnceWithWhoWhatAndRule) {
  remember_ = true;
  auto a = ask("lead@acme.example");
  EXPECT_EQ(count_actions("memory.write"), 0) << "nothing is remembered before a decision";
  auto out = decide_ok(a.id, "U0DANA", "reject");
  ASSERT_TRUE(out.accepted);
  auto writes = actions_of("memory.write");
  ASSERT_EQ(writes.size(), 1u);
  const auto& w = writes[0];
  EXPECT_EQ(w.status, "pending");
  EXPECT_EQ(w.origin, "system");
  EXPECT_EQ(w.idempotency_key, "remember:" + a.id);
  EXPECT_EQ(json::string_or(w.fields, "collection"), "decisions");
  EXPECT_EQ(json::string_or(w.fields, "kind"), "decision");
  EXPECT_EQ(json::string_or(w.fields, "source"), "approval:" + a.id);
  const std::string body = json::string_or(w.fields, "text");
  for (const char* part :
       {"Dana Director (U0DANA)", "rejected", "Send proposal to lead@acme.example",
        "to: lead@acme.example", "subject: Your proposal", "decision-rights.toml#external-email"})
    EXPECT_NE(body.find(part), std::string::npos) << part << " missing in: " << body;
  // A second click on the decided approval is refused and remembers nothing more.
  (void)decide(click(a.id, "U0DORA", "approve"));
  EXPECT_EQ(count_actions("memory.write"), 1);
}

TEST_F(ApprovalDeskTest, DecisionsAreNotRememberedWithoutAMemory) {
  auto a = ask("lead@acme.example");
  ASSERT_TRUE(decide_ok(a.id, "U0DANA").accepted);
  EXPECT_EQ(count_actions("memory.write"), 0);
}

}  // namespace
}  // namespace steward::runtime
