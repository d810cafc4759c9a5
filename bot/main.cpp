// Composition root: the only file that names concrete connectors, agents and the store.

#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <boost/json/serialize.hpp>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include "agents/lead_qualifier/lead_qualifier.hpp"
#include "agents/mention_reply/mention_reply.hpp"
#include "agents/support_triage/support_triage.hpp"
#include "bot/core/json.hpp"
#include "bot/core/printable.hpp"
#include "bot/net/http_server.hpp"
#include "bot/net/router.hpp"
#include "bot/runtime/commands.hpp"
#include "bot/runtime/config.hpp"
#include "bot/runtime/directory.hpp"
#include "bot/runtime/metrics.hpp"
#include "bot/runtime/pipeline_executor.hpp"
#include "bot/runtime/runtime.hpp"
#include "bot/runtime/worker_pool.hpp"
#include "bot/store/audit.hpp"
#include "bot/store/conversations.hpp"
#include "bot/store/records.hpp"
#include "bot/store/store.hpp"
#include "connectors/email/inbound.hpp"
#include "connectors/email/maildir.hpp"
#include "connectors/email/smtp.hpp"
#include "connectors/forms/forms_connector.hpp"
#include "connectors/slack/client.hpp"
#include "connectors/slack/executor.hpp"
#include "connectors/slack/parse.hpp"
#include "connectors/slack/signature.hpp"
#include "policies/engine/decision_rights.hpp"
#include "policies/engine/routing.hpp"

#ifndef STEWARD_VERSION
#define STEWARD_VERSION "dev"
#endif
#ifndef STEWARD_SOURCE_DIR
#define STEWARD_SOURCE_DIR "."
#endif

namespace fs = std::filesystem;
using namespace steward;

namespace {

/// Start-up failure: printed as one line, exit code 2.
struct StartupError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

template <class T>
T need(Expected<T> r, std::string_view what) {
  if (!r) throw StartupError(std::string(what) + ": " + r.error().message);
  return std::move(*r);
}
void need(Expected<void> r, std::string_view what) {
  if (!r) throw StartupError(std::string(what) + ": " + r.error().message);
}

runtime::Config load_config_or_defaults(const std::string& path) {
  if (!path.empty()) return need(runtime::load_config(path), "config");
  if (fs::exists("steward.toml")) return need(runtime::load_config("steward.toml"), "config");
  return runtime::default_config();
}

fs::path policies_dir(const runtime::Config& config) {
  if (!config.policies.dir.empty()) return config.policies.dir;
  if (fs::exists("policies/rules/decision-rights.toml")) return "policies";
  if (!config.file.empty() && fs::exists(config.file.parent_path() / "policies/rules"))
    return config.file.parent_path() / "policies";
  return fs::path(STEWARD_SOURCE_DIR) / "policies";  // the rules this binary was built with
}

/// Decision rights, routing and agents, loaded and validated together.
struct Policies {
  policies::DecisionRights rights;
  policies::Routing routing;
  agents::lead::LeadQualifierConfig lead;
  agents::support::SupportTriageConfig support;
};

Policies load_policies(const runtime::Config& config) {
  fs::path dir = policies_dir(config);
  policies::Vars vars;
  vars.values["slack.sales_channel"] = {config.slack.sales_channel};
  vars.values["slack.approvals_channel"] = {config.slack.approvals_channel};
  vars.values["slack.support_channel"] = {config.slack.support_channel};
  vars.values["slack.escalation_channel"] = {config.slack.escalation_channel};
  vars.values["company.domains"] = config.company.domains;
  vars.values["company.name"] = {config.company.name};
  auto rights = need(policies::DecisionRights::load_file(dir / "rules/decision-rights.toml", vars),
                     "decision rights");
  auto routing = need(policies::Routing::load_file(dir / "rules/routing.toml", vars), "routing");
  std::string sender = config.email.from;
  if (auto lt = sender.find('<'); lt != std::string::npos) sender = sender.substr(0, lt);
  while (!sender.empty() && sender.back() == ' ') sender.pop_back();
  auto lead = need(
      agents::lead::load_config(dir / "rules", dir / "templates", config.slack.sales_channel,
                                config.company.name, sender.empty() ? config.company.name : sender),
      "lead qualifier");
  auto support = need(
      agents::support::load_config(dir / "rules", dir / "templates", config.slack.support_channel,
                                   config.slack.escalation_channel, config.company.name),
      "support triage");
  return Policies{std::move(rights), std::move(routing), std::move(lead), std::move(support)};
}

std::vector<forms::FormConfig> form_configs(const runtime::Config& config) {
  std::vector<forms::FormConfig> out;
  for (const auto& f : config.forms) {
    forms::FormConfig fc;
    fc.name = f.name;
    fc.format = f.format == "typeform" ? forms::Format::kTypeform : forms::Format::kJson;
    fc.secret = f.secret;
    fc.refs = f.refs;
    out.push_back(std::move(fc));
  }
  return out;
}

email::ReplyTokenConfig reply_tokens(const runtime::Config& config) {
  email::ReplyTokenConfig r;
  r.domain = config.email.reply_domain;
  r.secret = config.email.reply_secret;
  return r;
}

email::InboundConfig inbound_config(const runtime::Config& config) {
  email::InboundConfig in;
  in.mailgun.signing_key = config.email.mailgun.signing_key;
  in.postmark.username = config.email.postmark.username;
  in.postmark.password = config.email.postmark.password;
  in.sendgrid.token = config.email.sendgrid.token;
  in.sendgrid.username = config.email.sendgrid.username;
  in.sendgrid.password = config.email.sendgrid.password;
  in.reply = reply_tokens(config);
  return in;
}

email::SmtpOptions smtp_options(const runtime::Config& config) {
  email::SmtpOptions so;
  so.url = config.email.smtp_url;
  so.username = config.email.smtp_username;
  so.password = config.email.smtp_password;
  so.allow_plain = config.email.smtp_allow_plain;
  so.ca_file = config.email.smtp_ca_file;
  so.timeout = config.email.smtp_timeout;
  return so;
}

/// The `email.send` executor: SMTP when [email] smtp_url is set, else the Maildir.
std::unique_ptr<ActionExecutor> email_executor(const runtime::Config& config, const Clock& clock) {
  email::ComposeContext compose;
  compose.from = config.email.from;
  compose.reply = reply_tokens(config);
  if (config.email.smtp_configured()) {
    auto client = need(email::SmtpClient::create(smtp_options(config)), "email.smtp_url");
    spdlog::info("email: sending through {}", client->describe());
    return std::make_unique<email::SmtpExecutor>(std::move(client), compose, clock);
  }
  email::MaildirOptions mail_opts;
  mail_opts.dir = config.email.maildir;
  mail_opts.from = config.email.from;
  mail_opts.reply = compose.reply;
  spdlog::info("email: writing messages to the maildir {} (set [email] smtp_url to send)",
               config.email.maildir.string());
  return std::make_unique<email::MaildirExecutor>(mail_opts, clock);
}

std::unique_ptr<store::Store> open_store(const runtime::Config& config, const Clock& clock) {
  store::StoreOptions options;
  options.max_queue = config.inbox.max_unwritten;
  return need(store::Store::open(config.store.path, clock, options), "store");
}

std::string ok_json(boost::json::object o) {
  o.emplace("ok", true);
  return boost::json::serialize(o);
}

/// `steward tickets`: the same answer as `/steward tickets`, for operators without Slack.
int tickets(const std::string& config_path) {
  auto config = load_config_or_defaults(config_path);
  SystemClock clock;
  auto store = open_store(config, clock);
  // The operator at the machine sees every ticket.
  auto reply = runtime::command_reply(*store, clock, "tickets", runtime::CommandViewer{});
  if (!reply) throw StartupError("store: " + reply.error().message);
  std::cout << *reply << "\n";
  return 0;
}

// ------------------------------------------------------------------------------------- serve

int serve(const std::string& config_path, const std::string& port_file) {
  auto config = load_config_or_defaults(config_path);
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
  agents::mention::MentionReply mention;
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
  deps.agents["mention_reply"] = &mention;
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
  router.add("GET", "/readyz", [&store](net::HttpRequest&&, net::Respond respond) {
    if (store->queue_depth() > 50000)
      respond(net::error_response(
          Error{Errc::kUnavailable, "write queue is saturated", std::chrono::seconds(1)}));
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

// ------------------------------------------------------------------------------------- tools

int check(const std::string& config_path) {
  auto config = load_config_or_defaults(config_path);
  auto pol = load_policies(config);
  std::cout << "config: " << (config.file.empty() ? "embedded defaults" : config.file.string())
            << "\npolicies: " << policies_dir(config).string() << " (" << pol.rights.size()
            << " decision rule(s))\nforms: " << config.forms.size()
            << "\npeople: " << config.people.size()
            << "\nslack: " << (config.slack.configured() ? "configured" : "not configured");
  // The SMTP settings are validated the way `serve` uses them (nothing is contacted).
  if (config.email.smtp_configured()) {
    auto client = need(email::SmtpClient::create(smtp_options(config)), "email.smtp_url");
    std::cout << "\nemail out: " << client->describe();
  } else {
    std::cout << "\nemail out: maildir " << config.email.maildir.string();
  }
  SystemClock clock;
  email::EmailInbound inbound(inbound_config(config), clock);
  std::string providers;
  for (std::string_view p : {"mailgun", "postmark", "sendgrid"})
    if (inbound.configured(p)) providers += (providers.empty() ? "" : ", ") + std::string(p);
  std::cout << "\nemail in: " << (providers.empty() ? "none" : providers) << "\nOK\n";
  return 0;
}

int policy_explain(const std::string& config_path, const std::string& action_file) {
  auto config = load_config_or_defaults(config_path);
  auto pol = load_policies(config);
  std::ifstream in(action_file);
  if (!in) throw StartupError("cannot read " + action_file);
  std::stringstream ss;
  ss << in.rdbuf();
  auto obj = need(json::parse_object(ss.str()), action_file);
  Action action;
  action.kind = json::string_or(obj, "kind");
  if (action.kind.empty()) throw StartupError(action_file + ": needs \"kind\"");
  if (auto* f = json::get_object(obj, "fields")) action.fields = *f;
  action.summary = json::string_or(obj, "summary");
  boost::json::object facts;
  if (auto* f = json::get_object(obj, "facts")) facts = *f;
  std::cout << pol.rights.explain(action, facts);
  auto d = pol.rights.decide(action, facts);
  std::cout << "\ndecision: " << verdict_name(d.verdict) << " by " << d.rule << "\n";
  return 0;
}

int audit_verify(const std::string& config_path) {
  auto config = load_config_or_defaults(config_path);
  SystemClock clock;
  auto store = open_store(config, clock);
  std::optional<store::AuditVerdict> verdict;
  need(store->read([&](SQLite::Database& db) -> Expected<void> {
    auto v = store::verify_audit(db);
    if (!v) return Unexpected(v.error());
    verdict = *v;
    return {};
  }),
       "audit");
  if (verdict->ok) {
    std::cout << "audit chain OK: " << verdict->entries << " entries verified\n";
    return 0;
  }
  std::cout << "audit chain BROKEN at entry " << *verdict->first_bad_seq << ": " << verdict->problem
            << "\n";
  return 1;
}

int audit_trace(const std::string& config_path, const std::string& id) {
  auto config = load_config_or_defaults(config_path);
  SystemClock clock;
  auto store = open_store(config, clock);
  std::vector<store::AuditRow> rows;
  need(store->read([&](SQLite::Database& db) -> Expected<void> {
    auto r = store::trace_audit(db, id);
    if (!r) return Unexpected(r.error());
    rows = std::move(*r);
    return {};
  }),
       "audit");
  if (rows.empty()) {
    std::cout << "nothing in the audit log for " << id << "\n";
    return 1;
  }
  // Actors, ids and data hold text from outside; on a terminal a raw ESC or CR would act.
  auto shown = [](const std::string& s) { return printable(s, s.size()); };
  for (const auto& r : rows) {
    auto t = std::chrono::system_clock::to_time_t(from_unix_ms(r.at));
    char when[32];
    std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", std::gmtime(&t));
    std::cout << fmt::format(
        "#{:<5} {}Z  {:<20} actor={}{}{}{}\n        {}\n", r.seq, when, shown(r.kind),
        shown(r.actor), r.event_id.empty() ? "" : " event=" + shown(r.event_id),
        r.action_id.empty() ? "" : " action=" + shown(r.action_id),
        r.approval_id.empty() ? "" : " approval=" + shown(r.approval_id), shown(r.data));
  }
  return 0;
}

int approvals_list(const std::string& config_path, bool all) {
  auto config = load_config_or_defaults(config_path);
  SystemClock clock;
  auto store = open_store(config, clock);
  std::vector<store::ApprovalRow> list;
  need(store->read([&](SQLite::Database& db) -> Expected<void> {
    auto r = store::list_approvals(db, all ? "" : "pending", 1000);
    if (!r) return Unexpected(r.error());
    list = std::move(*r);
    return {};
  }),
       "approvals");
  auto now = to_unix_ms(clock.now());
  if (list.empty()) std::cout << (all ? "no approvals\n" : "no pending approvals\n");
  // Titles are drafted from outside text (a subject, a lead's name) and end up on a terminal.
  auto shown = [](const std::string& s) { return printable(s, s.size()); };
  for (const auto& a : list) {
    std::string approvers;
    for (const auto& s : a.approvers) approvers += (approvers.empty() ? "" : ",") + s;
    std::cout << fmt::format("{}  {:<9} age {:<7} needs {:<16} {}{}\n", shown(a.id),
                             shown(a.status), runtime::human_age(now - a.created_at),
                             shown(approvers), shown(a.title),
                             a.decided_by.empty() ? "" : "  (by " + shown(a.decided_by) + ")");
  }
  return 0;
}

/// `steward tickets revoke CONV [--address A]`: that address (or everyone) can no longer write
/// into the conversation; their mail starts a new, linked conversation instead.
int tickets_revoke(const std::string& config_path, const std::string& conversation_id,
                   const std::string& address, const std::string& as) {
  auto config = load_config_or_defaults(config_path);
  SystemClock clock;
  auto store = open_store(config, clock);
  std::string mailbox;
  auto w = store->write([&](store::Tx& tx) -> Expected<void> {
    auto r = store::revoke_reply_access(tx, conversation_id, address, as);
    if (!r) return Unexpected(r.error());
    mailbox = *r;
    auto a = tx.audit({"reply.revoked",
                       "",
                       "",
                       "",
                       as,
                       {{"conversation_id", conversation_id}, {"mailbox", mailbox}}});
    if (!a) return Unexpected(a.error());
    return {};
  });
  if (!w) {
    std::cerr << "steward: " << printable(w.error().message) << "\n";
    return 1;
  }
  std::cout << "reply access to " << conversation_id << " revoked for "
            << (mailbox == "*" ? std::string("everyone") : mailbox) << "\n";
  return 0;
}

/// `steward tickets merge FROM --into TO`: a person decided two conversations are one thread.
int tickets_merge(const std::string& config_path, const std::string& from, const std::string& into,
                  const std::string& as) {
  auto config = load_config_or_defaults(config_path);
  SystemClock clock;
  auto store = open_store(config, clock);
  auto w = store->write([&](store::Tx& tx) -> Expected<void> {
    if (auto r = store::merge_conversations(tx, from, into); !r) return r;
    auto a = tx.audit(
        {"conversation.merged", "", "", "", as, {{"conversation_id", from}, {"into", into}}});
    if (!a) return Unexpected(a.error());
    return {};
  });
  if (!w) {
    std::cerr << "steward: " << printable(w.error().message) << "\n";
    return 1;
  }
  std::cout << from << " merged into " << into << "\n";
  return 0;
}

int approvals_decide(const std::string& config_path, const std::string& id,
                     const std::string& decision, const std::string& as) {
  auto config = load_config_or_defaults(config_path);
  SystemClock clock;
  auto store = open_store(config, clock);
  runtime::Directory directory(config.people);
  runtime::ApprovalDesk desk(config, directory);
  // The decision enters the inbox like a click, and is applied in the same transaction.
  Event event;
  event.source = "cli";
  event.kind = "approval.decide";
  event.actor = as;
  event.dedupe_key = "cli:" + store::new_id("decide");
  event.payload = {{"approval_id", id}, {"decision", decision}, {"user_id", as}, {"source", "cli"}};
  event.received_at = clock.now();
  runtime::DecideOutcome outcome;
  need(store->write([&](store::Tx& tx) -> Expected<void> {
    auto ins = store::insert_event(tx, event);
    if (!ins) return Unexpected(ins.error());
    runtime::DecideRequest req;
    req.approval_id = id;
    req.decision = decision;
    req.user_id = as;
    req.source = "cli";
    req.event_id = event.id;
    auto o = desk.decide(tx, req);
    if (!o) return Unexpected(o.error());
    outcome = *o;
    return store::finish_event(tx, event.id, "done", o->accepted ? "" : o->message);
  }),
       "approvals");
  std::cout << printable(outcome.message, outcome.message.size()) << "\n";
  return outcome.accepted ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (const char* lvl = std::getenv("STEWARD_LOG")) spdlog::set_level(spdlog::level::from_str(lvl));
  CLI::App app{"Steward — an AI operating layer for a business: webhooks in, governed actions out"};
  app.require_subcommand(1);
  std::string config_path;

  auto* serve_cmd = app.add_subcommand("serve", "Run the server");
  std::string port_file;
  bool demo = false;
  serve_cmd->add_option("--config,-c", config_path,
                        "Config file (default: ./steward.toml or embedded defaults)");
  serve_cmd->add_option("--port-file", port_file,
                        "Write the bound port to this file once listening");
  serve_cmd->add_flag("--demo", demo, "Run on the embedded demo defaults");

  auto* check_cmd = app.add_subcommand("check", "Validate the config and every rules file");
  check_cmd->add_option("--config,-c", config_path, "Config file");

  app.add_subcommand("version", "Print the version");

  auto* policy_cmd = app.add_subcommand("policy", "Decision rights tools");
  policy_cmd->require_subcommand(1);
  auto* explain_cmd = policy_cmd->add_subcommand("explain", "Show how an action would be decided");
  std::string action_file;
  explain_cmd->add_option("--config,-c", config_path, "Config file");
  explain_cmd->add_option("ACTION", action_file, "JSON file: {kind, fields, facts}")->required();

  auto* audit_cmd = app.add_subcommand("audit", "Audit log tools");
  audit_cmd->require_subcommand(1);
  auto* verify_cmd = audit_cmd->add_subcommand("verify", "Verify the hash chain");
  verify_cmd->add_option("--config,-c", config_path, "Config file");
  auto* trace_cmd =
      audit_cmd->add_subcommand("trace", "Print the chain for an event, action or approval");
  std::string trace_id;
  trace_cmd->add_option("--config,-c", config_path, "Config file");
  trace_cmd->add_option("ID", trace_id, "event, action or approval id")->required();

  auto* appr_cmd = app.add_subcommand("approvals", "List and decide approvals");
  appr_cmd->require_subcommand(1);
  appr_cmd->add_option("--config,-c", config_path, "Config file");
  auto* list_cmd = appr_cmd->add_subcommand("list", "Pending approvals (--all for every one)");
  bool all = false;
  list_cmd->add_flag("--all", all, "Include decided and expired approvals");
  list_cmd->add_option("--config,-c", config_path, "Config file");
  std::string approval_id, as;
  auto* approve_cmd = appr_cmd->add_subcommand("approve", "Approve as a person");
  approve_cmd->add_option("ID", approval_id, "approval id")->required();
  approve_cmd->add_option("--as", as, "Slack id of the deciding person")->required();
  approve_cmd->add_option("--config,-c", config_path, "Config file");
  auto* reject_cmd = appr_cmd->add_subcommand("reject", "Reject as a person");
  reject_cmd->add_option("ID", approval_id, "approval id")->required();
  reject_cmd->add_option("--as", as, "Slack id of the deciding person")->required();
  reject_cmd->add_option("--config,-c", config_path, "Config file");

  auto* tickets_cmd =
      app.add_subcommand("tickets", "Support conversations and where each one stands");
  tickets_cmd->add_option("--config,-c", config_path, "Config file");
  auto* revoke_cmd = tickets_cmd->add_subcommand(
      "revoke", "Stop an address (or everyone) from writing into a conversation");
  std::string conversation_id, revoke_address = "*", revoke_as = "operator";
  revoke_cmd->add_option("CONVERSATION", conversation_id, "Conversation id (cv_…)")->required();
  revoke_cmd->add_option("--address", revoke_address,
                         "The address whose reply access ends (default: everyone)");
  revoke_cmd->add_option("--as", revoke_as, "Who revokes (recorded in the audit log)");
  revoke_cmd->add_option("--config,-c", config_path, "Config file");
  auto* merge_cmd = tickets_cmd->add_subcommand(
      "merge", "Merge a conversation into another (e.g. one Steward split off)");
  std::string merge_into;
  merge_cmd->add_option("CONVERSATION", conversation_id, "The conversation to merge away")
      ->required();
  merge_cmd->add_option("--into", merge_into, "The conversation that remains")->required();
  merge_cmd->add_option("--as", revoke_as, "Who merges (recorded in the audit log)");
  merge_cmd->add_option("--config,-c", config_path, "Config file");

  CLI11_PARSE(app, argc, argv);
  try {
    if (app.got_subcommand(serve_cmd)) return serve(demo ? std::string() : config_path, port_file);
    if (app.got_subcommand(check_cmd)) return check(config_path);
    if (app.got_subcommand("version")) {
      std::cout << "steward " << STEWARD_VERSION << "\n";
      return 0;
    }
    if (app.got_subcommand(policy_cmd)) return policy_explain(config_path, action_file);
    if (verify_cmd->parsed()) return audit_verify(config_path);
    if (trace_cmd->parsed()) return audit_trace(config_path, trace_id);
    if (list_cmd->parsed()) return approvals_list(config_path, all);
    if (merge_cmd->parsed())
      return tickets_merge(config_path, conversation_id, merge_into, revoke_as);
    if (revoke_cmd->parsed())
      return tickets_revoke(config_path, conversation_id, revoke_address, revoke_as);
    if (tickets_cmd->parsed()) return tickets(config_path);
    if (approve_cmd->parsed()) return approvals_decide(config_path, approval_id, "approve", as);
    if (reject_cmd->parsed()) return approvals_decide(config_path, approval_id, "reject", as);
  } catch (const StartupError& e) {
    std::cerr << "steward: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    // The last catch-all choke point: report, never dump a trace at an operator.
    std::cerr << "steward: unexpected error: " << e.what() << "\n";
    return 3;
  }
  return 0;
}
