#include "bot/runtime/orchestrator.hpp"

#include <spdlog/spdlog.h>

#include <boost/json/array.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "bot/core/printable.hpp"
#include "bot/runtime/agent_context.hpp"
#include "bot/runtime/config.hpp"

namespace steward::runtime {

/// Waits for the pipelined commits (write_async) of one orchestrator pass.
class Orchestrator::WriteBatch {
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
  [[nodiscard]] Expected<void> wait() {
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

Orchestrator::Orchestrator(const RuntimeDeps& deps, const ApprovalDesk& desk,
                           std::function<void()> wake_outbox)
    : deps_(deps),
      desk_(desk),
      wake_outbox_(std::move(wake_outbox)),
      kernel_{deps_, desk_, mailroom_, wake_outbox_,
              [this](const Event& e) { return plan_event(e, nullptr); }} {
  mailroom_.company_domains = deps_.config.company.domains;
  for (const auto& p : deps_.directory.people())
    if (!p.email.empty()) mailroom_.staff.push_back(p.email);
}

Orchestrator::~Orchestrator() { stop(); }

Expected<void> Orchestrator::count_pending() {
  return deps_.store.read([&](SQLite::Database& db) -> Expected<void> {
    auto c = store::count_pending_events(db);
    if (!c) return Unexpected(c.error());
    pending_ = *c;
    return {};
  });
}

void Orchestrator::start() {
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = start_background("st-orchestrator", [this] { loop(); });
}

void Orchestrator::stop() {
  stopping_ = true;
  notify();
  if (thread_.joinable()) thread_.join();
}

void Orchestrator::notify() { wakeup_.notify_one(); }

void Orchestrator::processed_one() {
  if (pending_.fetch_sub(1, std::memory_order_relaxed) <= 0)
    pending_.store(0, std::memory_order_relaxed);
}

void Orchestrator::ingest(Event event, std::function<void(Expected<store::IngestResult>)> done) {
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
          notify();
        }
        done(*result);
      });
  if (!queued) done(Unexpected(queued.error()));
}

void Orchestrator::loop() {
  while (!stopping_) {
    std::size_t n = process_pending_batch();
    if (n > 0) continue;
    // Polling as well as signals: another process (the CLI) may have written events.
    wakeup_.wait_for(std::chrono::seconds(1), stopping_);
  }
}

std::size_t Orchestrator::process_pending_batch() {
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
  // Planned events are pipelined: their commits are queued and land in one or a few group
  // commits instead of one fsync each. Inline events read what an earlier commit wrote, so
  // they first wait for the queued commits, then run on their own (event_table.hpp).
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
    const EventHandler& handler = event_handler(event.kind);
    if (handler.mode == EventHandler::Mode::kPlanned) {
      // Errors arrive through the batch; the agent's own failure is committed as a result.
      (void)plan_event(event, &pending_commits, [this] { processed_one(); });
      continue;
    }
    if (!settle()) return 0;
    auto done = handler.run(kernel_, event);
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

Expected<void> Orchestrator::commit(store::WriteJob job, std::function<void()> after,
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

struct Orchestrator::PlanState {
  Event event;
  std::optional<policies::RouteMatch> match;
  std::string agent_name;
  Plan plan;
  boost::json::object facts;
  Error error{Errc::kInternal, "", {}};
  bool queued_any = false;
};

Expected<void> Orchestrator::plan_event(const Event& event, WriteBatch* batch,
                                        std::function<void()> finished) {
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
        [this, kind, finished] {
          deps_.metrics.event_processed(kind, "unrouted");
          if (finished) finished();
        },
        batch);
  }
  st->match = *match;
  st->agent_name = std::string(agent->name());

  StoreAgentContext ctx(deps_.store, deps_.clock, deps_.directory, deps_.memory, deps_.models);
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
        [this, kind, finished] {
          deps_.metrics.event_processed(kind, "failed");
          if (finished) finished();
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
                [this, st, kind, finished] {
                  deps_.metrics.event_processed(kind, "planned");
                  if (st->queued_any) wake_outbox_();
                  if (finished) finished();
                },
                batch);
}

Expected<void> Orchestrator::commit_plan(store::Tx& tx, PlanState& st) {
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
    row.drafted_by = action.drafted_by;
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

}  // namespace steward::runtime
