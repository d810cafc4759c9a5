// `steward serve`: wires the store, the runtime, the agents, the executors and the HTTP routes.

#include <SQLiteCpp/SQLiteCpp.h>
#include <spdlog/spdlog.h>

#include <boost/json/serialize.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>

#include "bot/cli/commands.hpp"
#include "bot/cli/context.hpp"
#include "bot/cli/email_options.hpp"
#include "bot/cli/logging.hpp"
#include "bot/core/json.hpp"
#include "bot/core/printable.hpp"
#include "bot/net/http_server.hpp"
#include "bot/net/router.hpp"
#include "bot/runtime/commands.hpp"
#include "bot/runtime/directory.hpp"
#include "bot/runtime/metrics.hpp"
#include "bot/runtime/pipeline_executor.hpp"
#include "bot/runtime/readiness.hpp"
#include "bot/runtime/runtime.hpp"
#include "bot/runtime/worker_pool.hpp"
#include "bot/store/records.hpp"
#include "connectors/forms/forms_connector.hpp"
#include "connectors/slack/client.hpp"
#include "connectors/slack/executor.hpp"
#include "connectors/slack/parse.hpp"
#include "connectors/slack/signature.hpp"

#ifndef STEWARD_VERSION
#define STEWARD_VERSION "dev"
#endif

namespace fs = std::filesystem;

namespace steward::cli {

namespace {

std::string ok_json(boost::json::object o) {
  o.emplace("ok", true);
  return boost::json::serialize(o);
}

int serve(const std::string& config_path, bool demo, const std::string& port_file) {
  auto config = demo ? demo_config() : load_config_or_defaults(config_path);
  setup_logging(config.log.format, config.log.level);
  if (config.demo_form_secret)
    spdlog::warn(
        "form 'website' uses the built-in demo secret; set STEWARD_FORM_SECRET or a "
        "config file before exposing Steward");
  SystemClock clock;
  auto pol = load_policies(config);
  auto store = open_store(config, clock);
  runtime::Directory directory(config.people);
  runtime::Metrics metrics;

  agents::lead::LeadQualifier lead(pol.lead);
  agents::support::SupportTriage support(pol.support);
  runtime::PipelineExecutor pipeline(*store);
  auto mail_exec = email_executor(config, clock);

  std::unique_ptr<slack::WebClient> slack_client;
  std::unique_ptr<slack::SlackExecutor> slack_exec;
  slack::BotIdentity bot;
  if (config.slack.configured()) {
    slack::ClientOptions so;
    so.api_base = config.slack.api_base;
    so.bot_token = config.slack.bot_token;
    so.timeout = config.slack.timeout;
    so.channel_interval = config.slack.channel_interval;
    so.response_url_base = config.slack.response_url_base;
    slack_client = std::make_unique<slack::WebClient>(so, clock);
    slack_exec = std::make_unique<slack::SlackExecutor>(*slack_client);
    bot.team_id = config.slack.team_id;
    bot.app_id = config.slack.app_id;
    if (auto who = slack_client->auth_test(); who) {
      bot.bot_id = who->bot_id;
      bot.user_id = who->user_id;
      if (bot.team_id.empty()) bot.team_id = who->team_id;
      if (bot.team_id != who->team_id)
        spdlog::warn("slack: [slack] team_id {} differs from the token's team {}",
                     printable(bot.team_id, 64), printable(who->team_id, 64));
      spdlog::info("slack: connected as bot user {} (team {})", printable(who->user_id, 64),
                   printable(who->team_id, 64));
    } else {
      spdlog::error(
          "slack auth.test failed: {} — until restart the bot's own messages are filtered by "
          "bot_id subtype only{}",
          printable(who.error().message, 500),
          bot.team_id.empty() ? ", and requests are not checked against a workspace (set "
                                "[slack] team_id to check them regardless)"
                              : "");
    }
  } else {
    spdlog::info("slack is not configured: approvals are decided with `steward approvals`");
  }

  runtime::RuntimeDeps deps{*store,      clock, config, directory, pol.rights,
                            pol.routing, {},    {},     metrics};
  deps.agents["lead_qualifier"] = &lead;
  deps.agents["support_triage"] = &support;
  std::vector<ActionExecutor*> executors{&pipeline, mail_exec.get()};
  if (slack_exec) executors.push_back(slack_exec.get());
  for (auto* e : executors)
    for (const auto& k : e->kinds()) deps.executors[k] = e;
  runtime::Runtime rt(deps);
  need(rt.start(), "runtime");

  runtime::WorkerPool workers(2);
  // Mailgun signs inside the body, so its authentication is a scan of up to 10 MiB (~1 ms, tens
  // of ms for adversarial bodies): too long for an I/O thread, and unauthenticated, so never on
  // `workers`. One thread; a short queue bounds the bodies held (each up to inbound_body_limit)
  // and answers 503 + Retry-After beyond it, which Mailgun retries.
  runtime::WorkerPool mail_auth(1, 8, "st-mail-auth");
  forms::FormsInbound forms_inbound(form_configs(config));
  email::EmailInbound email_inbound(inbound_config(config), clock);
  for (std::string_view p : {"mailgun", "postmark", "sendgrid"})
    if (email_inbound.configured(p)) spdlog::info("email: accepting {} at /hooks/email/{}", p, p);

  // Ingest then answer: the 2xx is sent only after the event is committed.
  auto ingest_and_reply = [&rt](Event&& event, net::Respond respond,
                                std::function<net::HttpResponse(const store::IngestResult&)> ok) {
    rt.ingest(std::move(event), [respond, ok](Expected<store::IngestResult> r) {
      if (!r) {
        auto e = r.error();
        if (!e.retry_after) e.retry_after = std::chrono::seconds(1);
        respond(net::error_response(Error{Errc::kUnavailable, e.message, e.retry_after}));
        return;
      }
      respond(ok(*r));
    });
  };
  auto event_ack = [](const store::IngestResult& r) {
    return net::HttpResponse::json(200,
                                   ok_json({{"event_id", r.event_id}, {"duplicate", r.duplicate}}));
  };
  auto slack_verify = [&config, &clock](const net::HttpRequest& req) {
    return slack::verify_signature(config.slack.signing_secret.reveal(),
                                   req.header("x-slack-request-timestamp"),
                                   req.header("x-slack-signature"), req.body, clock.now());
  };

  net::Router router;
  router.add("GET", "/healthz", [](net::HttpRequest&&, net::Respond respond) {
    respond(net::HttpResponse::json(200, R"({"ok":true})"));
  });
  router.add("GET", "/readyz", [&](net::HttpRequest&&, net::Respond respond) {
    if (auto ready = runtime::readiness(config, rt.inbox_pending(), store->queue_depth()); !ready)
      respond(net::error_response(ready.error()));
    else
      respond(net::HttpResponse::json(200, R"({"ok":true,"ready":true})"));
  });
  router.add("GET", "/metrics", [&](net::HttpRequest&&, net::Respond respond) {
    bool posted = workers.post([&, respond] {
      std::map<std::string, double> gauges;
      (void)store->read([&](SQLite::Database& db) -> Expected<void> {
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
      gauges["steward_store_write_queue"] = static_cast<double>(store->queue_depth());
      net::HttpResponse r{200, "text/plain; version=0.0.4", metrics.render(gauges), {}};
      respond(std::move(r));
    });
    if (!posted)
      respond(net::error_response(Error{Errc::kUnavailable, "busy", std::chrono::seconds(1)}));
  });

  router.add("POST", "/hooks/forms/{name}", [&](net::HttpRequest&& req, net::Respond respond) {
    auto event = forms_inbound.handle(req);
    if (!event) {
      spdlog::info("form {} rejected from {}: {}", printable(req.param("name")), req.remote,
                   printable(event.error().message, 500));
      respond(net::error_response(event.error()));
      return;
    }
    event->received_at = req.received_at;
    ingest_and_reply(std::move(*event), std::move(respond), event_ack);
  });

  router.add(
      "POST", "/hooks/email/{provider}",
      [&](net::HttpRequest&& req, net::Respond respond) {
        // Authentication comes first and never on `workers`, which also serves slash-command
        // replies and /metrics: a flood of unauthenticated bodies must not queue there. Only
        // authenticated mail gets the full (GMime/JSON) parse on a worker.
        auto shared = std::make_shared<net::HttpRequest>(std::move(req));
        auto parse = [&, shared, respond](Expected<email::InboundAuth> auth) {
          if (!auth) {
            spdlog::info("email from {} via {} rejected: {}", shared->remote,
                         printable(shared->param("provider"), 16),
                         printable(auth.error().message, 500));
            respond(net::error_response(auth.error()));
            return;
          }
          bool posted = workers.post([&, shared, respond, auth = std::move(*auth)] {
            auto event = email_inbound.parse_authenticated(*shared, auth);
            if (!event) {
              spdlog::info("email from {} via {} rejected: {}", shared->remote,
                           printable(shared->param("provider"), 16),
                           printable(event.error().message, 500));
              respond(net::error_response(event.error()));
              return;
            }
            ingest_and_reply(std::move(*event), respond, event_ack);
          });
          if (!posted)
            respond(
                net::error_response(Error{Errc::kUnavailable, "busy", std::chrono::seconds(1)}));
        };
        // Header credentials (Postmark, SendGrid) are a constant-time compare: inline.
        if (!email::EmailInbound::authenticates_from_body(shared->param("provider"))) {
          parse(email_inbound.authenticate(*shared));
          return;
        }
        bool posted =
            mail_auth.post([&, shared, parse] { parse(email_inbound.authenticate(*shared)); });
        if (!posted)
          respond(net::error_response(Error{Errc::kUnavailable, "busy", std::chrono::seconds(1)}));
      },
      config.email.inbound_body_limit, "email");

  if (config.slack.configured()) {
    router.add("POST", "/slack/events", [&](net::HttpRequest&& req, net::Respond respond) {
      if (auto v = slack_verify(req); !v) {
        spdlog::info("slack events: rejected from {}: {}", req.remote,
                     printable(v.error().message, 500));
        respond(net::error_response(v.error()));
        return;
      }
      auto parsed = slack::parse_events(req.body, bot);
      if (!parsed) {
        respond(net::error_response(parsed.error()));
        return;
      }
      if (parsed->challenge) {
        respond(net::HttpResponse::json(
            200, boost::json::serialize(boost::json::object{{"challenge", *parsed->challenge}})));
        return;
      }
      if (!parsed->event) {
        respond(net::HttpResponse::json(200, R"({"ok":true,"ignored":true})"));
        return;
      }
      parsed->event->received_at = req.received_at;
      ingest_and_reply(std::move(*parsed->event), std::move(respond),
                       [](const store::IngestResult&) { return net::HttpResponse::json(200, ""); });
    });
    router.add("POST", "/slack/commands", [&](net::HttpRequest&& req, net::Respond respond) {
      // Slack's TLS probe is answered before verification and carries nothing we use.
      if (req.body.find("ssl_check=1") != std::string::npos) {
        auto probe = slack::parse_command(req.body, bot);
        if (probe && probe->ssl_check) {
          respond(net::HttpResponse::text(200, ""));
          return;
        }
      }
      if (auto v = slack_verify(req); !v) {
        respond(net::error_response(v.error()));
        return;
      }
      auto parsed = slack::parse_command(req.body, bot);
      if (!parsed || !parsed->event) {
        respond(net::error_response(parsed ? Error{Errc::kInvalidInput, "no command", std::nullopt}
                                           : parsed.error()));
        return;
      }
      std::string text = json::string_or(parsed->event->payload, "text");
      runtime::CommandViewer viewer{parsed->event->actor, &directory,
                                    pol.rights.see_all_approvals()};
      parsed->event->received_at = req.received_at;
      rt.ingest(std::move(*parsed->event), [&, text, viewer,
                                            respond](Expected<store::IngestResult> r) {
        if (!r) {
          respond(net::error_response(r.error()));
          return;
        }
        // The answer needs store reads: build it on a worker, never on the writer thread.
        bool posted = workers.post([&, text, viewer, respond] {
          auto reply = runtime::command_reply(*store, clock, text, viewer);
          std::string body =
              reply ? *reply : "Sorry, I could not read my store: " + reply.error().message;
          respond(
              net::HttpResponse::json(200, boost::json::serialize(boost::json::object{
                                               {"response_type", "ephemeral"}, {"text", body}})));
        });
        if (!posted)
          respond(net::error_response(Error{Errc::kUnavailable, "busy", std::chrono::seconds(1)}));
      });
    });
    router.add("POST", "/slack/interactivity", [&](net::HttpRequest&& req, net::Respond respond) {
      if (auto v = slack_verify(req); !v) {
        respond(net::error_response(v.error()));
        return;
      }
      auto parsed = slack::parse_interaction(req.body, bot);
      if (!parsed) {
        respond(net::error_response(parsed.error()));
        return;
      }
      if (!parsed->event) {
        respond(net::HttpResponse::text(200, ""));
        return;
      }
      parsed->event->received_at = req.received_at;
      ingest_and_reply(std::move(*parsed->event), std::move(respond),
                       [](const store::IngestResult&) { return net::HttpResponse::text(200, ""); });
    });
  }

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
  mail_auth.stop();  // its tasks hand authenticated mail to `workers`
  workers.stop();
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
