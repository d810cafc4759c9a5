// The repositories over the pipe's tables: inbox, outbox, approvals, pipeline, counts.

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "tests/unit/store/store_fixture.hpp"

namespace steward::store::test {
namespace {

using namespace std::chrono_literals;

class RecordsTest : public StoreTest {
 protected:
  std::string insert_ok(Event& e) {
    auto r = in_tx([&](Tx& tx) { return insert_event(tx, e); });
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
    EXPECT_FALSE(r && r->duplicate);
    return r ? r->event_id : std::string();
  }
  ActionRow add_action(ActionRow a) {
    auto r = in_tx([&](Tx& tx) -> Expected<ActionRow> {
      if (auto x = insert_action(tx, a); !x) return Unexpected(x.error());
      return a;
    });
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
    return r ? *r : a;
  }
  std::optional<ActionRow> action(const std::string& id) {
    auto r = on_read([&](SQLite::Database& db) { return get_action(db, id); });
    EXPECT_TRUE(r.has_value());
    return r ? *r : std::nullopt;
  }
  ApprovalRow add_approval(const std::string& action_id, std::int64_t expires_at = 0,
                           std::string post_action_id = "") {
    ApprovalRow a;
    a.action_id = action_id;
    a.event_id = "ev_cause";
    a.rule = "decision-rights.toml#external-email";
    a.approvers = {"role:director", "person:U42"};
    a.requester = "U_REQ";
    a.title = "Send the proposal to lead@acme.example";
    a.status = "pending";
    a.expires_at = expires_at;
    a.on_expiry = "escalate";
    a.post_action_id = std::move(post_action_id);
    auto r = in_tx([&](Tx& tx) -> Expected<ApprovalRow> {
      if (auto x = insert_approval(tx, a); !x) return Unexpected(x.error());
      return a;
    });
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
    return r ? *r : a;
  }
  std::optional<ApprovalRow> approval(const std::string& id) {
    auto r = on_read([&](SQLite::Database& db) { return get_approval(db, id); });
    EXPECT_TRUE(r.has_value());
    return r ? *r : std::nullopt;
  }
};

// ---------------------------------------------------------------------------------- inbox

TEST_F(RecordsTest, InsertEventAssignsAnIdAndAudits) {
  auto e = make_event("typeform:abc", "lead@acme.example");
  auto id = insert_ok(e);
  EXPECT_EQ(id.rfind("ev_", 0), 0u) << id;
  EXPECT_EQ(e.id, id);
  EXPECT_EQ(scalar("SELECT deliveries FROM inbox WHERE id = '" + id + "'"), 1);
  EXPECT_EQ(text("SELECT status FROM inbox WHERE id = '" + id + "'"), "pending");
  EXPECT_EQ(text("SELECT kind FROM audit WHERE seq = 1"), "event.received");
  EXPECT_EQ(text("SELECT event_id FROM audit WHERE seq = 1"), id);
  EXPECT_EQ(text("SELECT actor FROM audit WHERE seq = 1"), "lead@acme.example");
}

TEST_F(RecordsTest, DuplicateDedupeKeyReturnsTheSameIdAndCountsDeliveries) {
  auto e = make_event("slack:Ev01");
  auto id = insert_ok(e);

  for (int i = 0; i < 2; ++i) {
    auto again = make_event("slack:Ev01");
    auto r = in_tx([&](Tx& tx) { return insert_event(tx, again); });
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_TRUE(r->duplicate);
    EXPECT_EQ(r->event_id, id);
  }
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM inbox"), 1);
  EXPECT_EQ(scalar("SELECT deliveries FROM inbox WHERE id = '" + id + "'"), 3);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit WHERE kind = 'event.duplicate' AND event_id = '" +
                   id + "'"),
            2);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit WHERE kind = 'event.received'"), 1);
}

TEST_F(RecordsTest, PendingEventsInArrivalOrderAndFinishEvent) {
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) {
    auto e = make_event("k" + std::to_string(i));
    e.payload = {{"n", i}};
    ids.push_back(insert_ok(e));
  }
  auto all = on_read([](SQLite::Database& db) { return pending_events(db, 0, 10); });
  ASSERT_TRUE(all.has_value());
  ASSERT_EQ(all->size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ((*all)[i].second.id, ids[i]);
    EXPECT_EQ((*all)[i].second.payload.at("n").as_int64(), static_cast<std::int64_t>(i));
    EXPECT_EQ((*all)[i].second.received_at, from_unix_ms(kStartMs));
    if (i > 0) {
      EXPECT_GT((*all)[i].first, (*all)[i - 1].first);
    }
  }
  // after_seq and limit
  auto seq1 = (*all)[1].first;
  auto later = on_read([&](SQLite::Database& db) { return pending_events(db, seq1, 1); });
  ASSERT_TRUE(later.has_value());
  ASSERT_EQ(later->size(), 1u);
  EXPECT_EQ((*later)[0].second.id, ids[2]);

  clock_.advance(5s);
  ASSERT_TRUE(in_tx([&](Tx& tx) { return finish_event(tx, ids[0], "done"); }).has_value());
  ASSERT_TRUE(in_tx([&](Tx& tx) {
                return finish_event(tx, ids[2], "failed", "agent crashed");
              }).has_value());
  auto rest = on_read([](SQLite::Database& db) { return pending_events(db, 0, 10); });
  ASSERT_TRUE(rest.has_value());
  ASSERT_EQ(rest->size(), 2u);
  EXPECT_EQ((*rest)[0].second.id, ids[1]);
  EXPECT_EQ((*rest)[1].second.id, ids[3]);
  EXPECT_EQ(text("SELECT status FROM inbox WHERE id = '" + ids[0] + "'"), "done");
  EXPECT_EQ(text("SELECT error FROM inbox WHERE id = '" + ids[0] + "'"), "<null>");
  EXPECT_EQ(scalar("SELECT processed_at FROM inbox WHERE id = '" + ids[0] + "'"), kStartMs + 5000);
  EXPECT_EQ(text("SELECT status FROM inbox WHERE id = '" + ids[2] + "'"), "failed");
  EXPECT_EQ(text("SELECT error FROM inbox WHERE id = '" + ids[2] + "'"), "agent crashed");
}

// ---------------------------------------------------------------------------------- actions

TEST_F(RecordsTest, InsertActionAssignsIdAndKeyAndRoundTrips) {
  auto a = make_action("slack.post", "pending", "ev_1");
  a.max_attempts = 4;
  a.next_attempt_at = kStartMs + 10;
  auto stored = add_action(a);
  EXPECT_EQ(stored.id.rfind("act_", 0), 0u);
  EXPECT_EQ(stored.idempotency_key, stored.id);
  auto back = action(stored.id);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->kind, "slack.post");
  EXPECT_EQ(back->event_id, "ev_1");
  EXPECT_EQ(back->fields, a.fields);
  EXPECT_EQ(back->summary, a.summary);
  EXPECT_EQ(back->origin, "agent:test");
  EXPECT_EQ(back->verdict, "allow");
  EXPECT_EQ(back->rule, "test.toml#r");
  EXPECT_EQ(back->status, "pending");
  EXPECT_EQ(back->attempts, 0);
  EXPECT_EQ(back->max_attempts, 4);
  EXPECT_EQ(back->next_attempt_at, kStartMs + 10);
  EXPECT_EQ(back->created_at, kStartMs);
  EXPECT_EQ(back->updated_at, kStartMs);

  auto missing = on_read([](SQLite::Database& db) { return get_action(db, "act_nope"); });
  ASSERT_TRUE(missing.has_value());
  EXPECT_FALSE(missing->has_value());
}

TEST_F(RecordsTest, DuplicateIdempotencyKeyIsAConflict) {
  auto a = make_action("email.send", "pending");
  a.idempotency_key = "email:welcome:lead@acme.example";
  add_action(a);
  auto b = make_action("email.send", "pending");
  b.idempotency_key = "email:welcome:lead@acme.example";
  auto r = in_tx([&](Tx& tx) { return insert_action(tx, b); });
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kConflict);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM actions"), 1);
}

TEST_F(RecordsTest, DueActionsRespectTimeAndStatus) {
  auto later = make_action("slack.post", "pending");
  later.next_attempt_at = kStartMs + 60000;
  later = add_action(later);
  auto now = make_action("slack.post", "pending");
  now.next_attempt_at = kStartMs - 1;
  now = add_action(now);
  auto waiting = make_action("email.send", "awaiting_approval");
  waiting = add_action(waiting);  // next_attempt_at 0, but not pending
  auto done = make_action("slack.post", "done");
  done = add_action(done);

  auto due = on_read([](SQLite::Database& db) { return due_actions(db, kStartMs, 10); });
  ASSERT_TRUE(due.has_value());
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].id, now.id);

  auto next = on_read([](SQLite::Database& db) { return next_due_at(db); });
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(*next, kStartMs - 1);

  auto both = on_read([](SQLite::Database& db) { return due_actions(db, kStartMs + 60000, 10); });
  ASSERT_TRUE(both.has_value());
  ASSERT_EQ(both->size(), 2u);
  EXPECT_EQ((*both)[0].id, now.id);  // oldest due first
  EXPECT_EQ((*both)[1].id, later.id);

  auto limited = on_read([](SQLite::Database& db) { return due_actions(db, kStartMs + 60000, 1); });
  ASSERT_TRUE(limited.has_value());
  EXPECT_EQ(limited->size(), 1u);
}

TEST_F(RecordsTest, NextDueAtIsEmptyWithoutPendingActions) {
  add_action(make_action("slack.post", "done"));
  auto next = on_read([](SQLite::Database& db) { return next_due_at(db); });
  ASSERT_TRUE(next.has_value());
  EXPECT_FALSE(next->has_value());
}

TEST_F(RecordsTest, ClaimActionSucceedsOnce) {
  auto a = add_action(make_action("slack.post", "pending"));
  clock_.advance(2s);
  auto first = in_tx([&](Tx& tx) { return claim_action(tx, a.id); });
  ASSERT_TRUE(first.has_value());
  EXPECT_TRUE(*first);
  auto second = in_tx([&](Tx& tx) { return claim_action(tx, a.id); });
  ASSERT_TRUE(second.has_value());
  EXPECT_FALSE(*second);
  auto back = action(a.id);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->status, "running");
  EXPECT_EQ(back->attempts, 1);
  EXPECT_EQ(back->updated_at, kStartMs + 2000);

  auto waiting = add_action(make_action("email.send", "awaiting_approval"));
  auto not_pending = in_tx([&](Tx& tx) { return claim_action(tx, waiting.id); });
  ASSERT_TRUE(not_pending.has_value());
  EXPECT_FALSE(*not_pending);
  auto unknown = in_tx([&](Tx& tx) { return claim_action(tx, "act_unknown"); });
  ASSERT_TRUE(unknown.has_value());
  EXPECT_FALSE(*unknown);
}

TEST_F(RecordsTest, FinishActionRecordsOutcome) {
  auto a = add_action(make_action("slack.post", "pending"));
  ASSERT_TRUE(in_tx([&](Tx& tx) { return claim_action(tx, a.id); }).value_or(false));
  // A failed attempt goes back to pending with a later due time.
  ASSERT_TRUE(in_tx([&](Tx& tx) {
                return finish_action(tx, a.id, "pending", {}, "HTTP 503", kStartMs + 2000);
              }).has_value());
  auto retry = action(a.id);
  ASSERT_TRUE(retry);
  EXPECT_EQ(retry->status, "pending");
  EXPECT_EQ(retry->last_error, "HTTP 503");
  EXPECT_EQ(retry->next_attempt_at, kStartMs + 2000);
  EXPECT_EQ(retry->attempts, 1);

  clock_.advance(3s);
  ASSERT_TRUE(in_tx([&](Tx& tx) { return claim_action(tx, a.id); }).value_or(false));
  boost::json::object result{{"ts", "1714564800.000100"}, {"channel", "C1"}};
  ASSERT_TRUE(
      in_tx([&](Tx& tx) { return finish_action(tx, a.id, "done", result, "", 0); }).has_value());
  auto done = action(a.id);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->status, "done");
  EXPECT_EQ(done->attempts, 2);
  EXPECT_EQ(done->result, result);
  EXPECT_EQ(done->last_error, "");
  EXPECT_EQ(done->updated_at, kStartMs + 3000);
}

TEST_F(RecordsTest, TransitionActionGuardsTheFromState) {
  auto a = add_action(make_action("email.send", "awaiting_approval"));
  auto wrong = in_tx([&](Tx& tx) { return transition_action(tx, a.id, "pending", "running"); });
  ASSERT_TRUE(wrong.has_value());
  EXPECT_FALSE(*wrong);
  EXPECT_EQ(action(a.id)->status, "awaiting_approval");

  auto right =
      in_tx([&](Tx& tx) { return transition_action(tx, a.id, "awaiting_approval", "pending"); });
  ASSERT_TRUE(right.has_value());
  EXPECT_TRUE(*right);
  EXPECT_EQ(action(a.id)->status, "pending");

  auto again =
      in_tx([&](Tx& tx) { return transition_action(tx, a.id, "awaiting_approval", "rejected"); });
  ASSERT_TRUE(again.has_value());
  EXPECT_FALSE(*again);
  EXPECT_EQ(action(a.id)->status, "pending");
}

TEST_F(RecordsTest, RecoverRunningActions) {
  auto a = add_action(make_action("slack.post", "pending"));
  auto b = add_action(make_action("slack.post", "pending"));
  auto c = add_action(make_action("slack.post", "pending"));
  auto d = add_action(make_action("slack.post", "done"));
  ASSERT_TRUE(in_tx([&](Tx& tx) { return claim_action(tx, a.id); }).value_or(false));
  ASSERT_TRUE(in_tx([&](Tx& tx) { return claim_action(tx, b.id); }).value_or(false));

  auto n = in_tx([](Tx& tx) { return recover_running_actions(tx); });
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(*n, 2);
  EXPECT_EQ(action(a.id)->status, "pending");
  EXPECT_EQ(action(a.id)->attempts, 1);  // the interrupted attempt still counts
  EXPECT_EQ(action(b.id)->status, "pending");
  EXPECT_EQ(action(c.id)->status, "pending");
  EXPECT_EQ(action(d.id)->status, "done");

  auto none = in_tx([](Tx& tx) { return recover_running_actions(tx); });
  ASSERT_TRUE(none.has_value());
  EXPECT_EQ(*none, 0);
}

// ---------------------------------------------------------------------------------- approvals

TEST_F(RecordsTest, InsertAndGetApproval) {
  auto act = add_action(make_action("email.send", "awaiting_approval"));
  auto a = add_approval(act.id, kStartMs + 3600000, "act_post");
  EXPECT_EQ(a.id.rfind("apr_", 0), 0u);
  auto back = approval(a.id);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->action_id, act.id);
  EXPECT_EQ(back->event_id, "ev_cause");
  EXPECT_EQ(back->rule, "decision-rights.toml#external-email");
  EXPECT_EQ(back->approvers, (std::vector<std::string>{"role:director", "person:U42"}));
  EXPECT_EQ(back->requester, "U_REQ");
  EXPECT_EQ(back->title, a.title);
  EXPECT_EQ(back->status, "pending");
  EXPECT_EQ(back->created_at, kStartMs);
  EXPECT_EQ(back->expires_at, kStartMs + 3600000);
  EXPECT_EQ(back->on_expiry, "escalate");
  EXPECT_EQ(back->decided_by, "");
  EXPECT_EQ(back->decided_at, 0);
  EXPECT_EQ(back->post_action_id, "act_post");
  EXPECT_EQ(back->message_channel, "");
  EXPECT_EQ(back->message_ts, "");

  auto none = on_read([](SQLite::Database& db) { return get_approval(db, "apr_nope"); });
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(none->has_value());
}

TEST_F(RecordsTest, ApprovalNeedsAnExistingAction) {
  ApprovalRow a;
  a.action_id = "act_does_not_exist";
  a.rule = "r";
  a.requester = "U1";
  a.title = "t";
  a.status = "pending";
  auto r = in_tx([&](Tx& tx) { return insert_approval(tx, a); });
  ASSERT_FALSE(r.has_value());  // foreign key
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM approvals"), 0);
}

TEST_F(RecordsTest, DecideApprovalExactlyOnce) {
  auto act = add_action(make_action("email.send", "awaiting_approval"));
  auto a = add_approval(act.id);
  clock_.advance(90s);
  auto first = in_tx([&](Tx& tx) { return decide_approval(tx, a.id, "approved", "U_DIR"); });
  ASSERT_TRUE(first.has_value());
  EXPECT_TRUE(*first);
  auto second = in_tx([&](Tx& tx) { return decide_approval(tx, a.id, "rejected", "U_OTHER"); });
  ASSERT_TRUE(second.has_value());
  EXPECT_FALSE(*second);
  auto back = approval(a.id);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->status, "approved");
  EXPECT_EQ(back->decided_by, "U_DIR");
  EXPECT_EQ(back->decided_at, kStartMs + 90000);
}

TEST_F(RecordsTest, ConcurrentDecidersExactlyOneWins) {
  auto act = add_action(make_action("email.send", "awaiting_approval"));
  auto a = add_approval(act.id);
  constexpr int kThreads = 8;
  std::atomic<int> wins{0};
  std::atomic<int> errors{0};
  std::mutex m;
  std::string winner;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::string who = "U_DIR" + std::to_string(t);
      auto r = store_->write([&](Tx& tx) -> Expected<void> {
        auto d = decide_approval(tx, a.id, t % 2 ? "approved" : "rejected", who);
        if (!d) return Unexpected(d.error());
        if (*d) {
          ++wins;
          std::lock_guard lock(m);
          winner = who;
        }
        return {};
      });
      if (!r) ++errors;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(wins.load(), 1);
  auto back = approval(a.id);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->decided_by, winner);
  EXPECT_NE(back->status, "pending");
}

TEST_F(RecordsTest, ExpiredApprovals) {
  auto a1 = add_action(make_action("email.send", "awaiting_approval"));
  auto a2 = add_action(make_action("email.send", "awaiting_approval"));
  auto a3 = add_action(make_action("email.send", "awaiting_approval"));
  auto a4 = add_action(make_action("email.send", "awaiting_approval"));
  auto a5 = add_action(make_action("email.send", "awaiting_approval"));
  auto past = add_approval(a1.id, kStartMs + 1000);
  auto edge = add_approval(a2.id, kStartMs + 2000);
  auto future = add_approval(a3.id, kStartMs + 60000);
  auto never = add_approval(a4.id, 0);
  auto decided = add_approval(a5.id, kStartMs + 1000);
  ASSERT_TRUE(in_tx([&](Tx& tx) {
                return decide_approval(tx, decided.id, "approved", "U1");
              }).value_or(false));

  auto due = on_read([](SQLite::Database& db) { return expired_approvals(db, kStartMs + 2000); });
  ASSERT_TRUE(due.has_value());
  ASSERT_EQ(due->size(), 2u);
  EXPECT_EQ((*due)[0].id, past.id);  // earliest expiry first
  EXPECT_EQ((*due)[1].id, edge.id);  // expires_at == now counts as expired
  (void)future;
  (void)never;

  auto none = on_read([](SQLite::Database& db) { return expired_approvals(db, kStartMs); });
  ASSERT_TRUE(none.has_value());
  EXPECT_TRUE(none->empty());
}

TEST_F(RecordsTest, ListApprovalsNewestFirstWithStatusFilter) {
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    auto act = add_action(make_action("email.send", "awaiting_approval"));
    ids.push_back(add_approval(act.id).id);
    clock_.advance(1s);
  }
  ASSERT_TRUE(
      in_tx([&](Tx& tx) { return decide_approval(tx, ids[1], "rejected", "U1"); }).value_or(false));

  auto all = on_read([](SQLite::Database& db) { return list_approvals(db, ""); });
  ASSERT_TRUE(all.has_value());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].id, ids[2]);
  EXPECT_EQ((*all)[1].id, ids[1]);
  EXPECT_EQ((*all)[2].id, ids[0]);

  auto pending = on_read([](SQLite::Database& db) { return list_approvals(db, "pending"); });
  ASSERT_TRUE(pending.has_value());
  ASSERT_EQ(pending->size(), 2u);
  EXPECT_EQ((*pending)[0].id, ids[2]);
  EXPECT_EQ((*pending)[1].id, ids[0]);

  auto rejected = on_read([](SQLite::Database& db) { return list_approvals(db, "rejected"); });
  ASSERT_TRUE(rejected.has_value());
  ASSERT_EQ(rejected->size(), 1u);
  EXPECT_EQ((*rejected)[0].id, ids[1]);

  auto one = on_read([](SQLite::Database& db) { return list_approvals(db, "", 1); });
  ASSERT_TRUE(one.has_value());
  EXPECT_EQ(one->size(), 1u);
}

TEST_F(RecordsTest, ApprovalMessageByPostAction) {
  auto act = add_action(make_action("email.send", "awaiting_approval"));
  auto a = add_approval(act.id, 0, "act_post_1");
  auto before =
      on_read([](SQLite::Database& db) { return approval_by_post_action(db, "act_post_1"); });
  ASSERT_TRUE(before.has_value());
  ASSERT_TRUE(before->has_value());
  EXPECT_EQ((*before)->id, a.id);
  EXPECT_EQ((*before)->message_ts, "");

  ASSERT_TRUE(in_tx([&](Tx& tx) {
                return set_approval_message(tx, "act_post_1", "C0APPROVALS", "1714564800.000200");
              }).has_value());
  auto after = approval(a.id);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->message_channel, "C0APPROVALS");
  EXPECT_EQ(after->message_ts, "1714564800.000200");

  auto none =
      on_read([](SQLite::Database& db) { return approval_by_post_action(db, "act_other"); });
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(none->has_value());
}

// ---------------------------------------------------------------------------------- pipeline

TEST_F(RecordsTest, UpsertLeadInsertsThenUpdates) {
  boost::json::object first{{"email", "Jane.Doe@Acme.Example"},
                            {"name", "Jane Doe"},
                            {"company", "Acme"},
                            {"phone", "+1 555 0100"},
                            {"stage", "nurture"},
                            {"score", 40},
                            {"breakdown", boost::json::array{"size:+20", "budget:+20"}},
                            {"source_form", "website"}};
  ASSERT_TRUE(in_tx([&](Tx& tx) { return upsert_lead(tx, first, "ev_1"); }).has_value());
  auto lead = on_read([](SQLite::Database& db) { return find_lead(db, "jane.doe@acme.example"); });
  ASSERT_TRUE(lead.has_value());
  ASSERT_TRUE(lead->has_value());
  const auto& l = **lead;
  EXPECT_EQ(l.at("email").as_string(), "jane.doe@acme.example");
  EXPECT_EQ(l.at("name").as_string(), "Jane Doe");
  EXPECT_EQ(l.at("company").as_string(), "Acme");
  EXPECT_EQ(l.at("phone").as_string(), "+1 555 0100");
  EXPECT_EQ(l.at("stage").as_string(), "nurture");
  EXPECT_EQ(l.at("score").as_int64(), 40);
  EXPECT_EQ(l.at("source_form").as_string(), "website");
  EXPECT_EQ(l.at("created_at").as_int64(), kStartMs);
  EXPECT_EQ(l.at("history_count").as_int64(), 1);
  EXPECT_EQ(text("SELECT breakdown FROM lead_history"), R"(["size:+20","budget:+20"])");

  clock_.advance(10min);
  // Same person, different case; no name/company/phone this time: keep the known ones.
  boost::json::object second{
      {"email", "JANE.DOE@acme.example"}, {"name", ""}, {"stage", "hot"}, {"score", 85.0}};
  ASSERT_TRUE(in_tx([&](Tx& tx) { return upsert_lead(tx, second, "ev_2"); }).has_value());
  auto updated =
      on_read([](SQLite::Database& db) { return find_lead(db, "Jane.Doe@ACME.example"); });
  ASSERT_TRUE(updated.has_value());
  ASSERT_TRUE(updated->has_value());
  const auto& u = **updated;
  EXPECT_EQ(u.at("name").as_string(), "Jane Doe");
  EXPECT_EQ(u.at("company").as_string(), "Acme");
  EXPECT_EQ(u.at("phone").as_string(), "+1 555 0100");
  EXPECT_EQ(u.at("stage").as_string(), "hot");
  EXPECT_EQ(u.at("score").as_int64(), 85);
  EXPECT_EQ(u.at("created_at").as_int64(), kStartMs);
  EXPECT_EQ(u.at("updated_at").as_int64(), kStartMs + 600000);
  EXPECT_EQ(u.at("history_count").as_int64(), 2);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM leads"), 1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM lead_history WHERE event_id = 'ev_2' AND score = 85 "
                   "AND stage = 'hot'"),
            1);

  // A new name does overwrite.
  boost::json::object third{{"email", "jane.doe@acme.example"}, {"name", "Jane Q. Doe"}};
  ASSERT_TRUE(in_tx([&](Tx& tx) { return upsert_lead(tx, third, "ev_3"); }).has_value());
  auto renamed =
      on_read([](SQLite::Database& db) { return find_lead(db, "jane.doe@acme.example"); });
  ASSERT_TRUE(renamed.has_value() && renamed->has_value());
  EXPECT_EQ((**renamed).at("name").as_string(), "Jane Q. Doe");
  EXPECT_EQ((**renamed).at("history_count").as_int64(), 3);
}

TEST_F(RecordsTest, UpsertLeadNeedsAnEmail) {
  boost::json::object no_email{{"name", "Nobody"}, {"score", 10}};
  auto r = in_tx([&](Tx& tx) { return upsert_lead(tx, no_email, "ev_1"); });
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kInvalidInput);
  boost::json::object wrong_type{{"email", 42}};
  auto w = in_tx([&](Tx& tx) { return upsert_lead(tx, wrong_type, "ev_1"); });
  ASSERT_FALSE(w.has_value());
  EXPECT_EQ(w.error().code, Errc::kInvalidInput);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM leads"), 0);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM lead_history"), 0);
}

TEST_F(RecordsTest, FindLeadUnknown) {
  auto r = on_read([](SQLite::Database& db) { return find_lead(db, "nobody@nowhere.example"); });
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->has_value());
}

// ---------------------------------------------------------------------------------- counts

TEST_F(RecordsTest, CountsReflectEveryTable) {
  auto fresh = on_read([](SQLite::Database& db) { return counts(db); });
  ASSERT_TRUE(fresh.has_value());
  EXPECT_EQ(fresh->inbox_total, 0);
  EXPECT_EQ(fresh->audit_entries, 0);

  auto e1 = make_event("c1");
  auto e2 = make_event("c2");
  auto e3 = make_event("c3");
  insert_ok(e1);
  insert_ok(e2);
  insert_ok(e3);
  ASSERT_TRUE(in_tx([&](Tx& tx) { return finish_event(tx, e1.id, "done"); }).has_value());
  add_action(make_action("slack.post", "pending"));
  add_action(make_action("slack.post", "pending"));
  auto running = add_action(make_action("slack.post", "pending"));
  ASSERT_TRUE(in_tx([&](Tx& tx) { return claim_action(tx, running.id); }).value_or(false));
  add_action(make_action("slack.post", "done"));
  add_action(make_action("slack.post", "dead"));
  add_action(make_action("slack.post", "dead"));
  auto asked = add_action(make_action("email.send", "awaiting_approval"));
  auto asked2 = add_action(make_action("email.send", "awaiting_approval"));
  add_approval(asked.id);
  auto decided = add_approval(asked2.id);
  ASSERT_TRUE(in_tx([&](Tx& tx) {
                return decide_approval(tx, decided.id, "approved", "U1");
              }).value_or(false));
  ASSERT_TRUE(in_tx([](Tx& tx) {
                return upsert_lead(tx, {{"email", "a@x.example"}, {"score", 1}}, "ev");
              }).has_value());
  ASSERT_TRUE(in_tx([](Tx& tx) {
                return upsert_lead(tx, {{"email", "A@x.example"}, {"score", 2}}, "ev");
              }).has_value());
  ASSERT_TRUE(in_tx([](Tx& tx) {
                return upsert_lead(tx, {{"email", "b@x.example"}, {"score", 3}}, "ev");
              }).has_value());

  auto c = on_read([](SQLite::Database& db) { return counts(db); });
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->inbox_total, 3);
  EXPECT_EQ(c->inbox_pending, 2);
  EXPECT_EQ(c->outbox_pending, 2);
  EXPECT_EQ(c->outbox_running, 1);
  EXPECT_EQ(c->outbox_done, 1);
  EXPECT_EQ(c->outbox_dead, 2);
  EXPECT_EQ(c->approvals_pending, 1);
  EXPECT_EQ(c->leads, 2);
  EXPECT_EQ(c->audit_entries, 3);  // only the inbox audits here; the rest is the callers' job
}

}  // namespace
}  // namespace steward::store::test
