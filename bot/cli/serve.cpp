// `steward serve`: wires the store, the runtime, the agents, the connectors and the HTTP server.

#include <SQLiteCpp/SQLiteCpp.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <deque>
#include <filesystem>
#include <fstream>

#include "bot/cli/commands.hpp"
#include "bot/cli/context.hpp"
#include "bot/cli/logging.hpp"
#include "bot/net/http_server.hpp"
#include "bot/net/router.hpp"
#include "bot/runtime/commands.hpp"
#include "bot/runtime/directory.hpp"
#include "bot/runtime/metrics.hpp"
#include "bot/runtime/readiness.hpp"
#include "bot/runtime/runtime.hpp"
#include "bot/runtime/worker_pool.hpp"
#include "bot/store/records.hpp"
#include "connectors/common/reply.hpp"

#ifndef STEWARD_VERSION
#define STEWARD_VERSION "dev"
#endif

namespace fs = std::filesystem;

namespace steward::cli {

namespace {

/// What the connectors get from the wiring: the inbox, the worker pools, chat-command answers.
class Host final : public ConnectorHost {
 public:
  Host(store::Store& store, const Clock& clock, const runtime::Directory& directory,
       std::vector<std::string> see_all_approvals)
      : store_(store),
        clock_(clock),
        directory_(directory),
        see_all_(std::move(see_all_approvals)) {}

  void set_runtime(runtime::Runtime& rt) { rt_ = &rt; }
  runtime::WorkerPool& workers() { return workers_; }
  /// The connectors' own pools first: their tasks hand work to workers().
  void stop() {
    for (auto& p : own_) p->stop();
    workers_.stop();
  }

  void ingest(Event event, std::function<void(Expected<Ingested>)> done) override {
    rt_->ingest(std::move(event), [done = std::move(done)](Expected<store::IngestResult> r) {
      if (!r) return done(Unexpected(r.error()));
      done(Ingested{r->event_id, r->duplicate});
    });
  }
  bool post(std::function<void()> work) override { return workers_.post(std::move(work)); }
  std::function<bool(std::function<void()>)> own_pool(std::size_t threads, std::size_t max_queue,
                                                      const char* thread_name) override {
    auto& pool =
        *own_.emplace_back(std::make_unique<runtime::WorkerPool>(threads, max_queue, thread_name));
    return [&pool](std::function<void()> work) { return pool.post(std::move(work)); };
  }
  [[nodiscard]] Expected<std::string> command_reply(const std::string& text,
                                                    const std::string& actor) override {
    return runtime::command_reply(store_, clock_, text,
                                  runtime::CommandViewer{actor, &directory_, see_all_});
  }
  const Clock& clock() const override { return clock_; }

 private:
  store::Store& store_;
  const Clock& clock_;
  const runtime::Directory& directory_;
  std::vector<std::string> see_all_;  ///< who sees every approval ([visibility])
  runtime::Runtime* rt_ = nullptr;
  runtime::WorkerPool workers_{2};
  std::deque<std::unique_ptr<runtime::WorkerPool>> own_;
};

void add_system_routes(net::Router& router, const runtime::Config& config, store::Store& store,
                       runtime::Runtime& rt, runtime::Metrics& metrics, Host& host) {
  router.add("GET", "/healthz", [](net::HttpRequest&&, net::Respond respond) {
    respond(net::HttpResponse::json(200, R"({"ok":true})"));
  });
  router.add("GET", "/readyz", [&](net::HttpRequest&&, net::Respond respond) {
    if (auto ready = runtime::readiness(config, rt.inbox_pending(), store.queue_depth()); !ready)
      respond(net::error_response(ready.error()));
    else
      respond(net::HttpResponse::json(200, R"({"ok":true,"ready":true})"));
  });
  router.add("GET", "/metrics", [&](net::HttpRequest&&, net::Respond respond) {
    bool posted = host.post([&, respond] {
      std::map<std::string, double> gauges;
      (void)store.read([&](SQLite::Database& db) -> Expected<void> {
        auto c = store::counts(db, /*totals=*/false);
        if (!c) return Unexpected(c.error());
        gauges["steward_inbox_pending"] = static_cast<double>(c->inbox_pending);
        gauges["steward_outbox_pending"] = static_cast<double>(c->outbox_pending);
        gauges["steward_outbox_running"] = static_cast<double>(c->outbox_running);
        gauges["steward_outbox_dead"] = static_cast<double>(c->outbox_dead);
        gauges["steward_approvals_pending"] = static_cast<double>(c->approvals_pending);
        gauges["steward_leads"] = static_cast<double>(c->leads);
        return {};
      });
      gauges["steward_store_write_queue"] = static_cast<double>(store.queue_depth());
      respond(net::HttpResponse{200, "text/plain; version=0.0.4", metrics.render(gauges), {}});
    });
    if (!posted) respond(connectors::busy());
  });
}

/// A connector's routes on the router: `handle` routes commit the event and acknowledge it.
void add_connector_routes(net::Router& router, Connector& connector, Host& host) {
  for (auto& route : connector.routes()) {
    net::Handler handler = std::move(route.handle_async);
    if (!handler)
      handler = [&host, handle = std::move(route.handle)](HttpRequest&& req, Respond respond) {
        auto event = handle(req);
        if (!event) return respond(net::error_response(event.error()));
        connectors::ingest_and_reply(host, std::move(*event), std::move(respond));
      };
    router.add(route.method, route.pattern, std::move(handler), route.body_limit, route.name);
  }
}

int serve(const std::string& config_path, bool demo, const std::string& port_file) {
  auto setup = demo ? demo_setup() : load_setup(config_path);
  const auto& config = setup.config;
  setup_logging(config.log.format, config.log.level);
  SystemClock clock;
  auto pol = load_policies(config);
  auto store = open_store(config, clock);
  runtime::Directory directory(config.people);
  runtime::Metrics metrics;

  Host host(*store, clock, directory, pol.rights.see_all_approvals());
  std::vector<std::unique_ptr<Connector>> running;
  for (auto& module : setup.connectors)
    if (auto c = need(module->start(host), module->section()); c) running.push_back(std::move(c));

  runtime::RuntimeDeps deps{*store,      clock, config, directory, pol.rights,
                            pol.routing, {},    {},     metrics};
  for (const auto& agent : pol.agents) deps.agents[std::string(agent->name())] = agent.get();
  std::vector<ActionExecutor*> executors;
  for (auto& c : running)
    for (auto* e : c->executors()) executors.push_back(e);
  for (auto* e : executors)
    for (const auto& k : e->kinds()) deps.executors[k] = e;
  runtime::Runtime rt(deps);
  need(rt.start(), "runtime");
  host.set_runtime(rt);

  net::Router router;
  add_system_routes(router, config, *store, rt, metrics, host);
  for (auto& c : running) add_connector_routes(router, *c, host);

  net::ServerOptions so;
  so.listen = config.server.listen;
  so.threads = config.server.threads;
  so.default_body_limit = config.server.body_limit;
  so.header_timeout = config.server.header_timeout;
  so.body_timeout = config.server.body_timeout;
  so.idle_timeout = config.server.idle_timeout;
  so.max_connections = config.server.max_connections;
  net::HttpServer server(so, router, clock);
  server.set_observer([&metrics](std::string_view route, int status, std::chrono::microseconds d) {
    metrics.request(route, status, d);
  });

  // Signals are taken by sigwait below; block them before any thread starts serving.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  need(server.start(), "http server");
  spdlog::info("steward {} listening on {} (port {}), store {}", STEWARD_VERSION,
               config.server.listen, server.port(), config.store.path.string());
  if (!port_file.empty()) {
    std::ofstream(port_file + ".tmp") << server.port() << "\n";
    fs::rename(port_file + ".tmp", port_file);
  }
  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("signal {}: shutting down", sig);
  server.stop(std::chrono::seconds(5));
  host.stop();
  rt.stop();
  store->close();
  spdlog::info("stopped");
  return 0;
}

}  // namespace

void add_serve(CLI::App& app, Commands& out) {
  struct Options {
    std::string config_path, port_file;
    bool demo = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("serve", "Run the server");
  cmd->add_option("--config,-c", o->config_path,
                  "Config file (default: ./steward.toml or embedded defaults)");
  cmd->add_option("--port-file", o->port_file, "Write the bound port to this file once listening");
  cmd->add_flag("--demo", o->demo, "Run on the embedded demo defaults");
  out.push_back({cmd, [o] { return serve(o->config_path, o->demo, o->port_file); }});
}

}  // namespace steward::cli
