#include "bot/runtime/runtime.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <future>
#include <random>

#include "bot/core/json.hpp"
#include "bot/core/printable.hpp"
#include "bot/core/thread_name.hpp"
#include "bot/runtime/commands.hpp"
#include "bot/runtime/mailroom.hpp"
#include "bot/store/conversations.hpp"

namespace steward::runtime {

namespace {

/// Reads for agents go through the store's read connection.
class StoreAgentContext final : public AgentContext {
 public:
  StoreAgentContext(store::Store& store, const Clock& clock, const Directory& directory)
      : store_(store), clock_(clock), directory_(directory) {}
  TimePoint now() const override { return clock_.now(); }
  std::optional<boost::json::object> find_lead(std::string_view email) const override {
    std::optional<boost::json::object> out;
    auto r = store_.read([&](SQLite::Database& db) -> Expected<void> {
      auto lead = store::find_lead(db, email);
      if (!lead) return Unexpected(lead.error());
      out = std::move(*lead);
      return {};
    });
    if (!r) spdlog::warn("lead lookup failed: {}", printable(r.error().message, 500));
    return out;
  }
  std::vector<std::string> slack_ids_with_role(std::string_view role) const override {
    std::vector<std::string> ids;
    for (const auto& p : directory_.people())
      if (!p.slack_id.empty() && std::find(p.roles.begin(), p.roles.end(), role) != p.roles.end())
        ids.push_back(p.slack_id);
    return ids;
  }

 private:
  store::Store& store_;
  const Clock& clock_;
  const Directory& directory_;
};

Action to_action(const store::ActionRow& row) { return Action{row.kind, row.fields, row.summary}; }

}  // namespace

class Runtime::WriteBatch {
 public:
  void add() {
    std::lock_guard lock(mutex_);
    ++outstanding_;
  }
  void done(Expected<void> r) {
    std::lock_guard lock(mutex_);
    if (!r && !error_) error_ = r.error();
    if (--outstanding_ == 0) cv_.notify_all();
  }
  /// Blocks until every added commit is done; the first error, if any (then forgotten).
  Expected<void> wait() {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return outstanding_ == 0; });
    if (!error_) return {};
    Error e = *error_;
    error_.reset();
    return Unexpected(e);
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  int outstanding_ = 0;
  std::optional<Error> error_;
};

void Runtime::processed_one() {
  if (pending_.fetch_sub(1, std::memory_order_relaxed) <= 0)
    pending_.store(0, std::memory_order_relaxed);
}

struct Runtime::PlanState {
  Event event;
  std::optional<policies::RouteMatch> match;
  std::string agent_name;
  Plan plan;
  boost::json::object facts;
  Error error{Errc::kInternal, "", {}};
  bool queued_any = false;
};

std::chrono::milliseconds backoff_delay(int attempt, std::chrono::milliseconds base,
                                        std::chrono::milliseconds cap) {
  if (attempt < 1) attempt = 1;
  long long ms = base.count();
  for (int i = 1; i < attempt && ms < cap.count(); ++i) ms *= 2;
  ms = std::min<long long>(ms, cap.count());
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_int_distribution<long long> dist(ms / 2, std::max<long long>(ms / 2, ms));
  return std::chrono::milliseconds(dist(rng));
}

Runtime::Runtime(RuntimeDeps deps) : deps_(std::move(deps)), desk_(deps_.config, deps_.directory) {
  mailroom_.company_domains = deps_.config.company.domains;
  for (const auto& p : deps_.directory.people())
    if (!p.email.empty()) mailroom_.staff.push_back(p.email);
}

Runtime::~Runtime() { stop(); }

Expected<void> Runtime::start() {
  auto recovered = deps_.store.write([](store::Tx& tx) -> Expected<void> {
    auto n = store::recover_running_actions(tx);
    if (!n) return Unexpected(n.error());
    if (*n > 0) {
      spdlog::warn("{} action(s) were interrupted by a crash and will be attempted again", *n);
      auto a = tx.audit({"outbox.recovered", "", "", "", "steward", {{"count", *n}}});
      if (!a) return Unexpected(a.error());
    }
    return {};
  });
  if (!recovered) return recovered;
  auto counted = deps_.store.read([&](SQLite::Database& db) -> Expected<void> {
    auto c = store::count_pending_events(db);
    if (!c) return Unexpected(c.error());
    pending_ = *c;
    return {};
  });
  if (!counted) return counted;
  started_ = true;
  orchestrator_ = std::thread([this] {
    name_this_thread("st-orchestrator");
    lower_this_thread_priority(5);
    orchestrator_loop();
  });
  for (std::size_t i = 0; i < deps_.config.outbox.workers; ++i)
    outbox_workers_.emplace_back([this] {
      name_this_thread("st-outbox");
      lower_this_thread_priority(5);
      outbox_loop();
    });
  sweeper_ = std::thread([this] {
    name_this_thread("st-sweeper");
    sweeper_loop();
  });
  return {};
}

void Runtime::stop() {
  if (!started_) return;
  stopping_ = true;
  notify_inbox();
  notify_outbox();
  sweep_cv_.notify_all();
  if (orchestrator_.joinable()) orchestrator_.join();
  for (auto& t : outbox_workers_)
    if (t.joinable()) t.join();
  outbox_workers_.clear();
  if (sweeper_.joinable()) sweeper_.join();
  started_ = false;
}

void Runtime::notify_inbox() {
  {
    std::lock_guard lock(inbox_mutex_);
    inbox_signal_ = true;
  }
  inbox_cv_.notify_one();
}

void Runtime::notify_outbox() {
  {
    std::lock_guard lock(outbox_mutex_);
    outbox_signal_ = true;
  }
  outbox_cv_.notify_all();
}

void Runtime::ingest(Event event, std::function<void(Expected<store::IngestResult>)> done) {
  const auto limit = static_cast<std::int64_t>(deps_.config.inbox.max_pending);
  if (pending_.load(std::memory_order_relaxed) >= limit) {
    // Back-pressure before any work: the sender keeps the event and retries later; answering
    // 2xx here would promise processing we cannot give in time.
    done(fail(Errc::kUnavailable,
              "inbox full: " + std::to_string(limit) + " events are waiting to be processed",
              std::chrono::seconds(5)));
    return;
  }
  auto ev = std::make_shared<Event>(std::move(event));
  auto result = std::make_shared<store::IngestResult>();
  auto queued = deps_.store.write_async(
      [ev, result](store::Tx& tx) -> Expected<void> {
        auto r = store::insert_event(tx, *ev);
        if (!r) return Unexpected(r.error());
        *result = *r;
        return {};
      },
      [this, result, done](Expected<void> committed) {
        if (!committed) {
          done(Unexpected(committed.error()));
          return;
        }
        if (!result->duplicate) {
          pending_.fetch_add(1, std::memory_order_relaxed);
          notify_inbox();
        }
        done(*result);
      });
  if (!queued) done(Unexpected(queued.error()));
}

// ------------------------------------------------------------------------------ orchestrator

void Runtime::orchestrator_loop() {
  while (!stopping_) {
    std::size_t n = process_pending_batch();
    if (n > 0) continue;
    std::unique_lock lock(inbox_mutex_);
    // Polling as well as signals: another process (the CLI) may have written events.
    inbox_cv_.wait_for(lock, std::chrono::seconds(1), [&] { return inbox_signal_ || stopping_; });
    inbox_signal_ = false;
  }
}

std::size_t Runtime::process_pending_batch() {
  std::vector<std::pair<std::int64_t, Event>> batch;
  auto r = deps_.store.read([&](SQLite::Database& db) -> Expected<void> {
    // Re-read from the start: events left pending by an earlier failure are retried too.
    auto pending = store::pending_events(db, 0, 64);
    if (!pending) return Unexpected(pending.error());
    batch = std::move(*pending);
    return {};
  });
  if (!r) {
    spdlog::error("inbox read failed: {}", printable(r.error().message, 500));
    return 0;
  }
  // Re-base the estimate: events written by another process (the CLI) are not counted on
  // ingest, and a racing commit lost here is picked up on the next pass.
  if (batch.empty()) pending_.store(0, std::memory_order_relaxed);
  // Events that only need a plan are pipelined: their commits are queued and land in one or
  // a few group commits instead of one fsync each. Events whose processing reads what an
  // earlier commit wrote (approval decisions, mail threading, commands) first wait for the
  // queued commits, then run on their own.
  WriteBatch pending_commits;
  auto settle = [&]() -> bool {
    auto w = pending_commits.wait();
    if (w) return true;
    // A store failure: the affected events stay pending and are retried on the next pass.
    spdlog::error("inbox events not processed: {}", printable(w.error().message, 500));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    return false;
  };
  for (const auto& entry : batch) {
    const Event& event = entry.second;
    if (stopping_) break;
    const std::string& kind = event.kind;
    const bool needs_prior_commits = kind == "approval.click" || kind == "approval.decide" ||
                                     kind == "slack.command" || kind == "slack.mention" ||
                                     kind == "email.received";
    if (!needs_prior_commits) {
      // Errors arrive through the batch; the agent's own failure is committed as a result.
      (void)plan_event(event, &pending_commits);
      continue;
    }
    if (!settle()) return 0;
    auto done = process_event(event);
    if (!done) {
      // A store failure: leave the event pending and try again on the next pass.
      spdlog::error("event {} not processed: {}", event.id, printable(done.error().message, 500));
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      return 0;
    }
    processed_one();
  }
  if (!settle()) return 0;
  return batch.size();
}

Expected<void> Runtime::process_event(const Event& event) {
  const std::string& kind = event.kind;
  if (kind == "approval.click" || kind == "approval.decide") {
    DecideRequest req;
    req.approval_id = json::string_or(event.payload, "approval_id");
    req.decision = json::string_or(event.payload, "decision");
    req.user_id = json::string_or(event.payload, "user_id", event.actor);
    req.source =
        kind == "approval.click" ? "slack" : json::string_or(event.payload, "source", "cli");
    req.event_id = event.id;
    req.response_url = json::string_or(event.payload, "response_url");
    req.channel = json::string_or(event.payload, "channel_id");
    req.message_ts = json::string_or(event.payload, "message_ts");
    auto outcome = std::make_shared<DecideOutcome>();
    auto w = deps_.store.write([&, outcome](store::Tx& tx) -> Expected<void> {
      auto o = desk_.decide(tx, req);
      if (!o) return Unexpected(o.error());
      *outcome = *o;
      return store::finish_event(tx, event.id, "done", o->accepted ? "" : o->message);
    });
    if (!w) return w;
    deps_.metrics.event_processed(kind, outcome->accepted ? "accepted" : "refused");
    notify_outbox();
    return {};
  }
  if (kind == "slack.command") {
    // Answered in the HTTP acknowledgement; recorded here so the audit shows it was handled.
    auto w =
        deps_.store.write([&](store::Tx& tx) { return store::finish_event(tx, event.id, "done"); });
    if (w) deps_.metrics.event_processed(kind, "answered");
    return w;
  }
  if (kind == "slack.mention") {
    std::string text = json::string_or(event.payload, "text");
    auto w = deps_.store.write([&](store::Tx& tx) -> Expected<void> {
      if (deps_.config.slack.configured()) {
        boost::json::object f;
        f["channel"] = json::string_or(event.payload, "channel");
        std::string thread = json::string_or(event.payload, "thread_ts");
        f["thread_ts"] = thread.empty() ? json::string_or(event.payload, "ts") : thread;
        bool help = text.empty() || text.find("help") != std::string::npos;
        f["text"] = help ? command_help() : "I did not understand that. " + command_help();
        auto q = ApprovalDesk::enqueue_system(tx, "slack.post", std::move(f), "Reply to a mention",
                                              event.id, "reply:" + event.id,
                                              deps_.config.outbox.max_attempts);
        if (!q && q.error().code != Errc::kConflict) return Unexpected(q.error());
      }
      return store::finish_event(tx, event.id, "done");
    });
    if (w) {
      deps_.metrics.event_processed(kind, "answered");
      notify_outbox();
    }
    return w;
  }

  if (kind == "email.received") return process_email(event);
  return plan_event(event);
}

Expected<void> Runtime::process_email(const Event& event) {
  FiledEmail filed;
  auto w = deps_.store.write([&](store::Tx& tx) -> Expected<void> {
    auto f = file_inbound_email(tx, event, mailroom_);
    if (!f) return Unexpected(f.error());
    filed = *f;
    if (!filed.auto_reply) return {};
    // Recorded in its conversation, never answered: answering auto-replies makes mail loops.
    auto a = tx.audit({"email.auto_reply",
                       event.id,
                       "",
                       "",
                       event.actor,
                       {{"conversation_id", filed.conversation_id},
                        {"reason", json::string_or(event.payload, "auto_reason")}}});
    if (!a) return Unexpected(a.error());
    return store::finish_event(tx, event.id, "done", "auto-reply: not answered");
  });
  if (!w) return w;
  if (filed.auto_reply) {
    deps_.metrics.event_processed(event.kind, "auto_reply");
    return {};
  }
  Event routed = event;
  routed.payload["conversation_id"] = filed.conversation_id;
  routed.payload["conversation"] =
      boost::json::object{{"new", filed.is_new}, {"messages", filed.messages}};
  return plan_event(routed);
}

Expected<void> Runtime::commit(store::WriteJob job, std::function<void()> after,
                               WriteBatch* batch) {
  if (!batch) {
    auto w = deps_.store.write(std::move(job));
    if (w && after) after();
    return w;
  }
  batch->add();
  // Batched plans are background work: under a burst the writer commits incoming events first.
  auto queued = deps_.store.write_async(
      std::move(job),
      [batch, after](Expected<void> r) {
        if (r && after) after();
        batch->done(std::move(r));
      },
      /*background=*/true);
  if (!queued) batch->done(queued);
  return {};
}

Expected<void> Runtime::plan_event(const Event& event, WriteBatch* batch) {
  // Everything the commit job needs is owned by `st`: with a batch the job runs after this
  // function has returned.
  auto st = std::make_shared<PlanState>();
  st->event = event;
  const std::string kind = event.kind;
  auto match = deps_.routing.route(event);
  const Agent* agent = nullptr;
  if (match) {
    auto it = deps_.agents.find(match->agent);
    if (it != deps_.agents.end()) agent = it->second;
  }
  if (!agent) {
    std::string why = match ? "route " + match->route_id + " names unknown agent " + match->agent
                            : "no route matches";
    return commit(
        [st, why](store::Tx& tx) -> Expected<void> {
          const Event& ev = st->event;
          auto a = tx.audit({"event.unrouted", ev.id, "", "", ev.actor, {{"reason", why}}});
          if (!a) return Unexpected(a.error());
          return store::finish_event(tx, ev.id, "done", why);
        },
        [this, kind] {
          processed_one();
          deps_.metrics.event_processed(kind, "unrouted");
        },
        batch);
  }
  st->match = *match;
  st->agent_name = std::string(agent->name());

  StoreAgentContext ctx(deps_.store, deps_.clock, deps_.directory);
  Expected<Plan> plan = fail(Errc::kInternal, "agent did not run");
  try {
    plan = agent->handle(event, ctx);
  } catch (const std::exception& e) {
    // One of the three catch-all choke points: an agent bug must not stop the pipe.
    plan = fail(Errc::kInternal, std::string("agent threw: ") + e.what());
  }
  if (!plan) {
    st->error = plan.error();
    return commit(
        [st](store::Tx& tx) -> Expected<void> {
          const Event& ev = st->event;
          const Error& err = st->error;
          store::RunRow run{"", ev.id, st->agent_name, st->match->route_id,
                            {}, {},    "failed",       err.message};
          if (auto r = store::insert_run(tx, run); !r) return r;
          auto a = tx.audit({"agent.failed",
                             ev.id,
                             "",
                             "",
                             st->agent_name,
                             {{"error", err.message}, {"code", std::string(errc_name(err.code))}}});
          if (!a) return Unexpected(a.error());
          return store::finish_event(tx, ev.id, "failed", err.message);
        },
        [this, kind] {
          processed_one();
          deps_.metrics.event_processed(kind, "failed");
        },
        batch);
  }
  st->plan = std::move(*plan);
  if (st->plan.agent.empty()) st->plan.agent = st->agent_name;

  // Facts decision rights may test: the agent's facts plus the event and the actor.
  st->facts = st->plan.facts;
  st->facts["event"] = boost::json::object{
      {"source", event.source}, {"kind", event.kind}, {"actor", event.actor}, {"id", event.id}};
  // Roles come only with an identity the sender proved: a Slack user id (the request was
  // signed by Slack) or the operator's CLI. A From header or a form field is text anyone can
  // write, and text from outside must never widen what is allowed.
  boost::json::array roles;
  const bool proven = event.source == "slack" || event.source == "cli";
  if (const Person* p = proven ? deps_.directory.find(event.actor) : nullptr)
    for (const auto& r : p->roles) roles.emplace_back(r);
  st->facts["actor"] = boost::json::object{{"id", event.actor}, {"roles", roles}};

  return commit([this, st](store::Tx& tx) -> Expected<void> { return commit_plan(tx, *st); },
                [this, st, kind] {
                  processed_one();
                  deps_.metrics.event_processed(kind, "planned");
                  if (st->queued_any) notify_outbox();
                },
                batch);
}

Expected<void> Runtime::commit_plan(store::Tx& tx, PlanState& st) {
  store::RunRow run;
  run.event_id = st.event.id;
  run.agent = st.plan.agent;
  run.route = st.match->route_id;
  for (const auto& n : st.plan.notes) run.notes.emplace_back(n);
  run.facts = st.plan.facts;
  run.status = "planned";
  if (auto r = store::insert_run(tx, run); !r) return r;
  boost::json::array kinds;
  for (const auto& a : st.plan.actions) kinds.emplace_back(a.kind);
  auto pa = tx.audit({"plan",
                      st.event.id,
                      "",
                      "",
                      st.plan.agent,
                      {{"run_id", run.id},
                       {"route", st.match->route_id},
                       {"notes", run.notes},
                       {"actions", kinds}}});
  if (!pa) return Unexpected(pa.error());
  if (const auto* ticket = json::get_object(st.plan.facts, "ticket")) {
    auto conv = json::string_or(*ticket, "conversation_id");
    std::string risk;
    if (auto it = ticket->find("risk"); it != ticket->end() && it->value().is_array())
      for (const auto& r : it->value().get_array())
        if (r.is_string()) risk += (risk.empty() ? "" : ",") + std::string(r.get_string());
    if (!conv.empty()) {
      auto c = store::classify_conversation(tx, conv, json::string_or(*ticket, "topic"),
                                            json::string_or(*ticket, "urgency"),
                                            json::string_or(*ticket, "sentiment"), risk);
      if (!c && c.error().code != Errc::kNotFound) return c;
    }
  }
  const std::string mail_domain = email_domain(deps_.config.email.from);
  for (std::size_t i = 0; i < st.plan.actions.size(); ++i) {
    Action& action = st.plan.actions[i];
    if (auto r = register_outbound_email(tx, action, st.event.id, i, mail_domain); !r) return r;
    Decision d = deps_.rights.decide(action, st.facts);
    store::ActionRow row;
    row.event_id = st.event.id;
    row.run_id = run.id;
    row.kind = action.kind;
    row.fields = action.fields;
    row.summary = action.summary;
    // Stable across a crash-and-rerun of the same event, so a re-run cannot queue twice.
    row.idempotency_key = st.event.id + ":" + std::to_string(i);
    row.origin = "agent:" + st.plan.agent;
    row.verdict = verdict_name(d.verdict);
    row.rule = d.rule;
    row.status = d.verdict == Verdict::kAllow ? "pending"
                 : d.verdict == Verdict::kAsk ? "awaiting_approval"
                                              : "denied";
    row.max_attempts = deps_.config.outbox.max_attempts;
    row.next_attempt_at = tx.now_ms();
    if (auto r = store::insert_action(tx, row); !r) return r;
    boost::json::array trace;
    for (const auto& t : d.trace) trace.emplace_back(t);
    auto da = tx.audit({"decision",
                        st.event.id,
                        row.id,
                        "",
                        "decision-rights",
                        {{"kind", action.kind},
                         {"summary", action.summary},
                         {"verdict", row.verdict},
                         {"rule", d.rule},
                         {"reason", d.reason},
                         {"trace", trace}}});
    if (!da) return Unexpected(da.error());
    if (d.verdict == Verdict::kAsk) {
      auto opened = desk_.open(tx, row, d, st.event, st.plan);
      if (!opened) return Unexpected(opened.error());
    }
    st.queued_any = st.queued_any || d.verdict != Verdict::kDeny;
  }
  return store::finish_event(tx, st.event.id, "done");
}
// ------------------------------------------------------------------------------ outbox

void Runtime::outbox_loop() {
  while (!stopping_) {
    if (run_one_due_action()) continue;
    std::optional<std::int64_t> next;
    (void)deps_.store.read([&](SQLite::Database& db) -> Expected<void> {
      auto n = store::next_due_at(db);
      if (n) next = *n;
      return {};
    });
    auto wait = std::chrono::milliseconds(1000);
    if (next) {
      auto until = *next - to_unix_ms(deps_.clock.now());
      wait = std::clamp(std::chrono::milliseconds(until), std::chrono::milliseconds(1), wait);
    }
    std::unique_lock lock(outbox_mutex_);
    outbox_cv_.wait_for(lock, wait, [&] { return outbox_signal_ || stopping_; });
    outbox_signal_ = false;
  }
}

bool Runtime::run_one_due_action() {
  std::optional<store::ActionRow> action;
  {
    std::lock_guard lock(claim_mutex_);
    std::vector<store::ActionRow> due;
    auto r = deps_.store.read([&](SQLite::Database& db) -> Expected<void> {
      auto d = store::due_actions(db, to_unix_ms(deps_.clock.now()), 1);
      if (!d) return Unexpected(d.error());
      due = std::move(*d);
      return {};
    });
    if (!r || due.empty()) return false;
    bool claimed = false;
    // The claim (attempts+1, status running) is committed before the attempt: an action is
    // never attempted without a durable record that it may have been.
    auto c = deps_.store.write([&](store::Tx& tx) -> Expected<void> {
      auto ok = store::claim_action(tx, due.front().id);
      if (!ok) return Unexpected(ok.error());
      claimed = *ok;
      return {};
    });
    if (!c) {
      spdlog::error("outbox claim failed: {}", printable(c.error().message, 500));
      return false;
    }
    if (!claimed) return true;
    action = std::move(due.front());
    action->attempts += 1;
  }
  execute_claimed(*action);
  return true;
}

void Runtime::execute_claimed(const store::ActionRow& action) {
  auto it = deps_.executors.find(action.kind);
  if (it == deps_.executors.end()) {
    // E.g. a Slack post while Slack is not configured: recorded, never attempted, not an alarm.
    auto w = deps_.store.write([&](store::Tx& tx) -> Expected<void> {
      std::string why = "no connector configured for '" + action.kind + "'";
      if (auto r = store::finish_action(tx, action.id, "skipped", {}, why, 0); !r) return r;
      auto a = tx.audit({"action.skipped",
                         action.event_id,
                         action.id,
                         "",
                         "outbox",
                         {{"kind", action.kind}, {"reason", why}}});
      if (!a) return Unexpected(a.error());
      return {};
    });
    if (!w)
      spdlog::error("cannot record skipped action {}: {}", action.id,
                    printable(w.error().message, 500));
    deps_.metrics.action_result(action.kind, "skipped");
    return;
  }
  Expected<ActionResult> result = fail(Errc::kInternal, "executor did not run");
  {
    try {
      result = it->second->execute(to_action(action), action.idempotency_key);
    } catch (const std::exception& e) {
      result = fail(Errc::kInternal, std::string("executor threw: ") + e.what());
    }
  }
  const auto now = to_unix_ms(deps_.clock.now());
  std::string outcome;
  auto w = deps_.store.write([&](store::Tx& tx) -> Expected<void> {
    if (result) {
      outcome = "done";
      if (auto r = store::finish_action(tx, action.id, "done", result->detail, "", 0); !r) return r;
      auto a = tx.audit({"action.result",
                         action.event_id,
                         action.id,
                         "",
                         "outbox",
                         {{"kind", action.kind},
                          {"status", "done"},
                          {"attempt", action.attempts},
                          {"result", result->detail}}});
      if (!a) return Unexpected(a.error());
      if (action.kind == "approval.post")
        return desk_.message_posted(tx, action.id, json::string_or(result->detail, "channel"),
                                    json::string_or(result->detail, "ts"));
      return {};
    }
    const Error& err = result.error();
    // A rate limit is the remote asking us to wait, not a failed delivery: it does not use up
    // an attempt (else a long Retry-After, or one shared by a queue of posts, dead-letters
    // actions that were never sent).
    const bool rate_limited = err.code == Errc::kRateLimited;
    if (rate_limited)
      if (auto r = store::uncount_attempt(tx, action.id); !r) return r;
    if (err.transient() && (rate_limited || action.attempts < action.max_attempts)) {
      outcome = "retry";
      auto delay = err.retry_after
                       ? std::chrono::duration_cast<std::chrono::milliseconds>(*err.retry_after)
                       : backoff_delay(action.attempts, deps_.config.outbox.base_backoff,
                                       deps_.config.outbox.max_backoff);
      if (auto r =
              store::finish_action(tx, action.id, "pending", {}, err.message, now + delay.count());
          !r)
        return r;
      auto a = tx.audit({"action.retry",
                         action.event_id,
                         action.id,
                         "",
                         "outbox",
                         {{"kind", action.kind},
                          {"attempt", action.attempts},
                          {"error", err.message},
                          {"retry_in_ms", delay.count()}}});
      if (!a) return Unexpected(a.error());
      return {};
    }
    outcome = "dead";
    if (auto r = store::finish_action(tx, action.id, "dead", {}, err.message, 0); !r) return r;
    auto a = tx.audit({"action.dead",
                       action.event_id,
                       action.id,
                       "",
                       "outbox",
                       {{"kind", action.kind},
                        {"attempts", action.attempts},
                        {"error", err.message},
                        {"code", std::string(errc_name(err.code))}}});
    if (!a) return Unexpected(a.error());
    // Alert a human, unless the failure is itself an alert (no alert loops).
    if (deps_.config.slack.configured() && action.idempotency_key.rfind("alert:", 0) != 0) {
      boost::json::object f;
      f["channel"] = deps_.config.slack.approvals_channel;
      f["text"] = ":warning: Steward gave up on an action after " +
                  std::to_string(action.attempts) + " attempt(s): " + action.summary + " (" +
                  action.kind + ", " + action.id + "). Last error: " + err.message;
      auto q = ApprovalDesk::enqueue_system(tx, "slack.post", std::move(f),
                                            "Dead-letter alert for " + action.id, action.event_id,
                                            "alert:" + action.id, deps_.config.outbox.max_attempts);
      if (!q && q.error().code != Errc::kConflict) return Unexpected(q.error());
    }
    return {};
  });
  if (!w) {
    // The attempt happened but its outcome could not be committed; the action stays
    // "running" and is retried after restart (the documented at-least-once window).
    spdlog::error("cannot record result of action {}: {}", action.id,
                  printable(w.error().message, 500));
    return;
  }
  deps_.metrics.action_result(action.kind, outcome);
  if (!result)
    spdlog::warn("action {} ({}) attempt {} failed: {} → {}", action.id, action.kind,
                 action.attempts, printable(result.error().message, 500), outcome);
  if (outcome != "done" || action.kind == "approval.post") notify_outbox();
}

// ------------------------------------------------------------------------------ sweeper

void Runtime::sweeper_loop() {
  while (!stopping_) {
    {
      std::unique_lock lock(sweep_mutex_);
      sweep_cv_.wait_for(lock, deps_.config.approvals.sweep_interval,
                         [&] { return stopping_.load(); });
    }
    if (stopping_) break;
    int expired = 0;
    auto w = deps_.store.write([&](store::Tx& tx) -> Expected<void> {
      auto n = desk_.expire(tx);
      if (!n) return Unexpected(n.error());
      expired = *n;
      return {};
    });
    if (!w) spdlog::error("approval expiry sweep failed: {}", printable(w.error().message, 500));
    if (expired > 0) {
      spdlog::info("{} approval(s) expired", expired);
      notify_outbox();
    }
  }
}

}  // namespace steward::runtime
