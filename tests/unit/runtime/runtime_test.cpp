// The Runtime as a whole over a real temporary store: a fake agent, a fake executor and a manual
// clock. Event order, an agent that throws, the back-pressure count, retries with backoff,
// Retry-After, and dead letters with their alert. Every wait polls a condition with a deadline.

#include "bot/runtime/runtime.hpp"

#include <gtest/gtest.h>

#include <climits>
#include <condition_variable>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bot/core/json.hpp"
#include "tests/unit/store/store_fixture.hpp"

namespace steward::runtime {
namespace {

using namespace std::chrono_literals;
using store::test::kStartMs;

/// True as soon as `done()` holds; false if it still does not after `limit`.
template <class F>
bool eventually(F done, std::chrono::milliseconds limit = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(2ms);
  }
  return done();
}

/// Plans one action of kind payload.action (if any) with fields {n}; throws when payload.throw
/// is set. A gate holds call k+1 until allow(k) — to look at the runtime mid-way.
class FakeAgent final : public Agent {
 public:
  [[nodiscard]] std::string_view name() const override { return "fake"; }
  [[nodiscard]] Expected<Plan> handle(const Event& event, AgentContext&) const override {
    std::unique_lock lock(mutex_);
    const int call = ++started_;
    cv_.notify_all();
    cv_.wait(lock, [&] { return call <= allowed_; });
    seen_.push_back(event.payload.contains("n") ? json::get_int(event.payload, "n").value_or(-1)
                                                : -1);
    lock.unlock();
    if (event.payload.contains("throw")) throw std::runtime_error("boom");
    Plan plan;
    plan.agent = "fake";
    plan.notes.emplace_back("planned by the fake agent");
    if (auto kind = json::string_or(event.payload, "action"); !kind.empty()) {
      boost::json::value n = event.payload.contains("n") ? event.payload.at("n") : 0;
      boost::json::object fields = {{"n", n}};
      if (auto conv = json::string_or(event.payload, "conversation_id"); !conv.empty())
        fields = {{"conversation_id", conv},
                  {"topic", "billing"},
                  {"urgency", "high"},
                  {"sentiment", "negative"},
                  {"risk", boost::json::array{"legal"}}};
      plan.actions.push_back(Action{kind, std::move(fields), "fake " + kind, ""});
    }
    return plan;
  }
  void allow(int calls) {
    {
      std::lock_guard lock(mutex_);
      allowed_ = calls;
    }
    cv_.notify_all();
  }
  [[nodiscard]] int started() const {
    std::lock_guard lock(mutex_);
    return started_;
  }
  [[nodiscard]] std::vector<std::int64_t> seen() const {
    std::lock_guard lock(mutex_);
    return seen_;
  }

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable cv_;
  mutable int started_ = 0;
  mutable int allowed_ = INT_MAX;
  mutable std::vector<std::int64_t> seen_;
};

/// Succeeds unless an error was queued for the action's kind; records every call with the
/// (manual) time it was made.
class FakeExecutor final : public ActionExecutor {
 public:
  explicit FakeExecutor(const Clock& clock) : clock_(clock) {}
  struct Call {
    std::string kind, key;
    std::int64_t at_ms;
    boost::json::object fields;
  };
  [[nodiscard]] std::vector<std::string> kinds() const override {
    return {"test.ok", "test.flaky", "slack.post"};
  }
  [[nodiscard]] Expected<ActionResult> execute(const Action& action,
                                               std::string_view key) override {
    std::lock_guard lock(mutex_);
    calls_.push_back({action.kind, std::string(key), to_unix_ms(clock_.now()), action.fields});
    auto& queued = failures_[action.kind];
    if (!queued.empty()) {
      Error e = queued.front();
      queued.pop_front();
      return Unexpected(e);
    }
    ActionResult r;
    r.detail["ok"] = true;
    return r;
  }
  void fail_next(const std::string& kind, Error e) {
    std::lock_guard lock(mutex_);
    failures_[kind].push_back(std::move(e));
  }
  [[nodiscard]] std::vector<Call> calls(const std::string& kind) const {
    std::lock_guard lock(mutex_);
    std::vector<Call> out;
    for (const auto& c : calls_)
      if (c.kind == kind) out.push_back(c);
    return out;
  }

 private:
  const Clock& clock_;
  mutable std::mutex mutex_;
  std::vector<Call> calls_;
  std::map<std::string, std::deque<Error>> failures_;
};

constexpr const char* kRights = R"(
[[rule]]
id = "tests"
action = "test.*"
decide = "allow"

[[rule]]
id = "tickets"
action = "ticket.classify"
decide = "allow"
)";

constexpr const char* kRoutes = R"(
[[route]]
id = "tests"
event = "test.*"
agent = "fake"

[[route]]
id = "mail"
event = "email.received"
agent = "fake"
)";

class RuntimeTest : public store::test::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    config_.slack.bot_token = Secret("xoxb-test");
    config_.slack.signing_secret = Secret("test-signing-secret");
    config_.slack.approvals_channel = "C_APPROVALS";
    config_.company.domains = {"acme.example"};
    config_.outbox.workers = 1;
    config_.outbox.max_attempts = 3;
    config_.outbox.base_backoff = 10s;
    config_.outbox.max_backoff = 60s;
    config_.approvals.sweep_interval = 1h;
    auto rights = policies::DecisionRights::load_string(kRights, "rights.toml", {});
    ASSERT_TRUE(rights) << rights.error().message;
    rights_.emplace(std::move(*rights));
    auto routing = policies::Routing::load_string(kRoutes, "routing.toml", {});
    ASSERT_TRUE(routing) << routing.error().message;
    routing_.emplace(std::move(*routing));
    runtime_ = std::make_unique<Runtime>(RuntimeDeps{
        *store_,
        clock_,
        config_,
        directory_,
        *rights_,
        *routing_,
        {{"fake", &agent_}},
        {{"test.ok", &executor_}, {"test.flaky", &executor_}, {"slack.post", &executor_}},
        metrics_});
  }
  void TearDown() override {
    agent_.allow(INT_MAX);  // a gated agent must not hold the orchestrator at stop()
    runtime_.reset();
    StoreTest::TearDown();
  }

  void start() {
    auto s = runtime_->start();
    ASSERT_TRUE(s) << s.error().message;
  }

  /// Ingests and waits for the commit; the event id.
  std::string ingest(Event e) {
    std::promise<Expected<store::IngestResult>> committed;
    auto result = committed.get_future();
    runtime_->ingest(std::move(e), [&committed](Expected<store::IngestResult> r) {
      committed.set_value(std::move(r));
    });
    auto r = result.get();
    EXPECT_TRUE(r) << r.error().message;
    return r ? r->event_id : "";
  }

  Event test_event(int n, std::string action = "", std::string kind = "test.event") {
    Event e;
    e.source = "test";
    e.kind = std::move(kind);
    e.actor = "tester";
    e.dedupe_key = "test:" + std::to_string(++seq_);
    e.payload = {{"n", n}};
    if (!action.empty()) e.payload["action"] = action;
    e.received_at = clock_.now();
    return e;
  }

  Event email(int n) {
    Event e;
    e.source = "email";
    e.kind = "email.received";
    e.actor = "ann@customer.example";
    e.dedupe_key = "email:" + std::to_string(n);
    e.payload = {{"from", "ann@customer.example"},
                 {"from_name", "Ann Customer"},
                 {"subject", "Invoice " + std::to_string(n)},
                 {"text", "Please fix my invoice."},
                 {"message_id", "m" + std::to_string(n) + "@customer.example"},
                 {"in_reply_to", ""},
                 {"references", boost::json::array{}},
                 {"auto_reply", false},
                 {"n", n}};
    e.received_at = clock_.now();
    return e;
  }

  /// The first column of the first row of `sql`; "" while there is no row.
  std::string first(const std::string& sql) {
    std::string out;
    auto r = store_->read([&](SQLite::Database& db) -> Expected<void> {
      SQLite::Statement q(db, sql);
      if (q.executeStep()) out = q.getColumn(0).getString();
      return {};
    });
    EXPECT_TRUE(r) << r.error().message;
    return out;
  }
  /// "status:attempts" of the agent's action for event `event_id`; "" until there is one.
  std::string action_state(const std::string& event_id) {
    return first(
        "SELECT status || ':' || attempts FROM actions WHERE origin != 'system' AND event_id = '" +
        event_id + "'");
  }
  std::int64_t pending_in_db() {
    return scalar("SELECT COUNT(*) FROM inbox WHERE status = 'pending'");
  }

  Config config_;
  Directory directory_{{}};
  Metrics metrics_;
  std::optional<policies::DecisionRights> rights_;
  std::optional<policies::Routing> routing_;
  FakeAgent agent_;
  FakeExecutor executor_{clock_};
  std::unique_ptr<Runtime> runtime_;
  int seq_ = 0;
};

TEST_F(RuntimeTest, EventsAreProcessedInArrivalOrderPlannedAndInlineAlike) {
  std::vector<std::string> planned;
  for (int n = 0; n < 12; ++n) {
    planned.push_back(ingest(test_event(n, n % 3 == 0 ? "test.ok" : "")));
    // Inline events (the kernel's own) between planned ones.
    if (n % 4 == 1) ingest(test_event(n, "", "slack.command"));
  }
  start();
  ASSERT_TRUE(eventually([&] { return pending_in_db() == 0; }));
  EXPECT_EQ(agent_.seen(), (std::vector<std::int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}));
  // Plans are committed in arrival order too.
  std::string order;
  std::string expected;
  for (const auto& id : planned) expected += id + ",";
  auto r = store_->read([&](SQLite::Database& db) -> Expected<void> {
    SQLite::Statement q(db, "SELECT event_id FROM audit WHERE kind = 'plan' ORDER BY seq");
    while (q.executeStep()) order += q.getColumn(0).getString() + ",";
    return {};
  });
  ASSERT_TRUE(r);
  EXPECT_EQ(order, expected);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM inbox WHERE status = 'done'"), 15);
  EXPECT_TRUE(eventually([&] { return executor_.calls("test.ok").size() == 4; }));
  EXPECT_TRUE(eventually([&] { return runtime_->inbox_pending() == 0; }));
}

TEST_F(RuntimeTest, AnAgentThatThrowsFailsItsOwnEventOnly) {
  start();
  std::string before = ingest(test_event(1, "test.ok"));
  Event bad = test_event(2, "test.ok");
  bad.payload["throw"] = true;
  std::string thrower = ingest(std::move(bad));
  std::string after = ingest(test_event(3, "test.ok"));
  ASSERT_TRUE(eventually([&] { return pending_in_db() == 0; }));
  EXPECT_EQ(text("SELECT status || ':' || error FROM inbox WHERE id = '" + thrower + "'"),
            "failed:agent threw: boom");
  EXPECT_EQ(text("SELECT status FROM runs WHERE event_id = '" + thrower + "'"), "failed");
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit WHERE kind = 'agent.failed' AND event_id = '" +
                   thrower + "'"),
            1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM actions WHERE event_id = '" + thrower + "'"), 0);
  for (const auto& id : {before, after}) {
    EXPECT_EQ(text("SELECT status FROM inbox WHERE id = '" + id + "'"), "done");
    EXPECT_TRUE(eventually([&] { return action_state(id) == "done:1"; })) << action_state(id);
  }
}

// The fix of issue 10: an email (inline filing, then a plan) counted as processed twice.
TEST_F(RuntimeTest, EachEmailLeavesThePendingCountOnce) {
  for (int n = 1; n <= 4; ++n) ingest(email(n));
  agent_.allow(1);  // the agent finishes the first email and holds the second
  start();
  ASSERT_TRUE(eventually([&] { return agent_.started() == 2; }));
  EXPECT_EQ(pending_in_db(), 3);
  EXPECT_EQ(runtime_->inbox_pending(), 3) << "the estimate must match the inbox";
  agent_.allow(INT_MAX);
  EXPECT_TRUE(eventually([&] { return pending_in_db() == 0; }));
  EXPECT_TRUE(eventually([&] { return runtime_->inbox_pending() == 0; }));
}

TEST_F(RuntimeTest, BackPressureLimitHoldsWhileEmailsWait) {
  config_.inbox.max_pending = 3;
  for (int n = 1; n <= 3; ++n) ingest(email(n));
  agent_.allow(1);
  start();
  ASSERT_TRUE(eventually([&] { return agent_.started() == 2; }));
  // Two emails still wait and one is in the agent: one more fits, then the inbox is full.
  EXPECT_FALSE(ingest(email(4)).empty());
  std::promise<Expected<store::IngestResult>> refused;
  auto result = refused.get_future();
  runtime_->ingest(email(5), [&](Expected<store::IngestResult> r) { refused.set_value(r); });
  auto r = result.get();
  ASSERT_FALSE(r) << "accepted while " << pending_in_db() << " events wait";
  EXPECT_EQ(r.error().code, Errc::kUnavailable);
}

TEST_F(RuntimeTest, TransientFailureIsRetriedAfterBackoff) {
  executor_.fail_next("test.flaky", Error{Errc::kUnavailable, "503 from remote", {}});
  start();
  std::string id = ingest(test_event(1, "test.flaky"));
  ASSERT_TRUE(eventually([&] { return action_state(id) == "pending:1"; })) << action_state(id);
  // Attempt 1: base 10 s with jitter → between 5 and 10 s from now.
  auto next = scalar("SELECT next_attempt_at FROM actions WHERE event_id = '" + id + "'");
  EXPECT_GE(next, kStartMs + 5000);
  EXPECT_LE(next, kStartMs + 10000);
  EXPECT_EQ(text("SELECT last_error FROM actions WHERE event_id = '" + id + "'"),
            "503 from remote");
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit WHERE kind = 'action.retry'"), 1);

  clock_.advance(10s);
  runtime_->notify_outbox();
  ASSERT_TRUE(eventually([&] { return action_state(id) == "done:2"; })) << action_state(id);
  auto calls = executor_.calls("test.flaky");
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].at_ms, kStartMs);
  EXPECT_EQ(calls[1].at_ms, kStartMs + 10000) << "not retried before the backoff elapsed";
  EXPECT_EQ(calls[0].key, calls[1].key) << "one idempotency key across retries";
}

TEST_F(RuntimeTest, RetryAfterIsHonouredAndDoesNotUseAnAttempt) {
  executor_.fail_next("test.flaky", Error{Errc::kRateLimited, "ratelimited", 30s});
  start();
  std::string id = ingest(test_event(1, "test.flaky"));
  ASSERT_TRUE(eventually([&] {
    return first("SELECT status || ':' || last_error FROM actions WHERE event_id = '" + id + "'") ==
           "pending:ratelimited";
  }));
  EXPECT_EQ(scalar("SELECT next_attempt_at FROM actions WHERE event_id = '" + id + "'"),
            kStartMs + 30000)
      << "exactly the Retry-After, no backoff";
  EXPECT_EQ(action_state(id), "pending:0") << "a rate limit is not a failed delivery";

  clock_.advance(30s);
  runtime_->notify_outbox();
  ASSERT_TRUE(eventually([&] { return action_state(id) == "done:1"; })) << action_state(id);
  auto calls = executor_.calls("test.flaky");
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[1].at_ms, kStartMs + 30000);
}

TEST_F(RuntimeTest, LastAttemptDeadLettersWithAnAlert) {
  for (int i = 0; i < 3; ++i)
    executor_.fail_next("test.flaky", Error{Errc::kTimeout, "timed out", {}});
  start();
  std::string id = ingest(test_event(1, "test.flaky"));
  for (int attempt = 1; attempt <= 2; ++attempt) {
    ASSERT_TRUE(eventually([&] {
      return action_state(id) == "pending:" + std::to_string(attempt);
    })) << action_state(id);
    clock_.advance(60s);  // the longest backoff
    runtime_->notify_outbox();
  }
  ASSERT_TRUE(eventually([&] { return action_state(id) == "dead:3"; })) << action_state(id);
  std::string action_id = text("SELECT id FROM actions WHERE event_id = '" + id + "'");
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit WHERE kind = 'action.dead' AND action_id = '" +
                   action_id + "'"),
            1);
  // The alert is a system action of its own, executed like any other.
  ASSERT_TRUE(eventually([&] { return executor_.calls("slack.post").size() == 1; }));
  auto alert = executor_.calls("slack.post").front();
  EXPECT_EQ(alert.key, "alert:" + action_id);
  EXPECT_EQ(json::string_or(alert.fields, "channel"), "C_APPROVALS");
  auto words = json::string_or(alert.fields, "text");
  EXPECT_NE(words.find("gave up on an action after 3 attempt(s)"), std::string::npos) << words;
  EXPECT_NE(words.find("timed out"), std::string::npos) << words;
  EXPECT_EQ(executor_.calls("test.flaky").size(), 3u);
}

TEST_F(RuntimeTest, PermanentFailureDeadLettersAtOnceAndAFailedAlertRaisesNoOther) {
  executor_.fail_next("test.ok", Error{Errc::kPermanent, "channel_not_found", {}});
  executor_.fail_next("slack.post", Error{Errc::kPermanent, "not_in_channel", {}});
  start();
  std::string id = ingest(test_event(1, "test.ok"));
  ASSERT_TRUE(eventually(
      [&] { return scalar("SELECT COUNT(*) FROM actions WHERE status = 'dead'") == 2; }));
  EXPECT_EQ(action_state(id), "dead:1") << "a permanent error is not retried";
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM actions WHERE kind = 'slack.post'"), 1)
      << "no alert about an alert";
}

TEST_F(RuntimeTest, TicketClassificationProposedByAnAgentIsRecorded) {
  start();
  Event mail = email(1);
  mail.payload["action"] = "ticket.classify";
  std::string id = ingest(std::move(mail));
  // The fake agent proposes the classification of the conversation the email was filed in;
  // the runtime's own executor records it.
  ASSERT_TRUE(eventually([&] { return action_state(id) == "done:1"; })) << action_state(id);
  EXPECT_EQ(text("SELECT topic || '/' || urgency || '/' || sentiment || '/' || risk FROM "
                 "conversations"),
            "billing/high/negative/legal");
  EXPECT_EQ(text("SELECT rule FROM actions WHERE event_id = '" + id + "'"), "rights.toml#tickets");
}

}  // namespace
}  // namespace steward::runtime
