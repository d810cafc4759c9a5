#include "connectors/slack/slack_connector.hpp"

#include <spdlog/spdlog.h>

#include <boost/json/serialize.hpp>

#include "bot/core/json.hpp"
#include "bot/core/printable.hpp"
#include "connectors/common/reply.hpp"
#include "connectors/slack/client.hpp"
#include "connectors/slack/config.hpp"
#include "connectors/slack/executor.hpp"
#include "connectors/slack/parse.hpp"
#include "connectors/slack/signature.hpp"

namespace steward::slack {

namespace {

/// Asks auth.test who the token is, so the bot's own messages are recognised.
BotIdentity identify(WebClient& client, const SlackConfig& config) {
  BotIdentity bot;
  bot.team_id = config.team_id;
  bot.app_id = config.app_id;
  auto who = client.auth_test();
  if (!who) {
    spdlog::error(
        "slack auth.test failed: {} — until restart the bot's own messages are filtered by "
        "bot_id subtype only{}",
        printable(who.error().message, 500),
        bot.team_id.empty() ? ", and requests are not checked against a workspace (set "
                              "[slack] team_id to check them regardless)"
                            : "");
    return bot;
  }
  bot.bot_id = who->bot_id;
  bot.user_id = who->user_id;
  if (bot.team_id.empty()) bot.team_id = who->team_id;
  if (bot.team_id != who->team_id)
    spdlog::warn("slack: [slack] team_id {} differs from the token's team {}",
                 printable(bot.team_id, 64), printable(who->team_id, 64));
  spdlog::info("slack: connected as bot user {} (team {})", printable(who->user_id, 64),
               printable(who->team_id, 64));
  return bot;
}

HttpResponse empty_200(const Ingested&) { return HttpResponse::text(200, ""); }

class SlackConnector final : public Connector {
 public:
  SlackConnector(const SlackConfig& config, ConnectorHost& host)
      : config_(config),
        host_(host),
        client_(config.client, host.clock()),
        executor_(client_),
        bot_(identify(client_, config)) {}

  std::string_view name() const override { return "slack"; }
  std::vector<ActionExecutor*> executors() override { return {&executor_}; }

  std::vector<Route> routes() override {
    std::vector<Route> out(3);
    out[0].pattern = "/slack/events";
    out[0].handle_async = [this](HttpRequest&& req, Respond respond) {
      events(std::move(req), std::move(respond));
    };
    out[1].pattern = "/slack/commands";
    out[1].handle_async = [this](HttpRequest&& req, Respond respond) {
      command(std::move(req), std::move(respond));
    };
    out[2].pattern = "/slack/interactivity";
    out[2].handle_async = [this](HttpRequest&& req, Respond respond) {
      interaction(std::move(req), std::move(respond));
    };
    return out;
  }

 private:
  [[nodiscard]] Expected<void> verify(const HttpRequest& req) const {
    return verify_signature(config_.signing_secret.reveal(),
                            req.header("x-slack-request-timestamp"),
                            req.header("x-slack-signature"), req.body, host_.clock().now());
  }

  /// False (after answering 401 and logging it) when Slack's signature does not hold.
  bool verified(const HttpRequest& req, const Respond& respond, std::string_view route) const {
    auto v = verify(req);
    if (v) return true;
    spdlog::info("slack {}: rejected from {}: {}", route, req.remote,
                 printable(v.error().message, 500));
    respond(net::error_response(v.error()));
    return false;
  }

  void events(HttpRequest&& req, Respond respond) {
    if (!verified(req, respond, "events")) return;
    auto parsed = parse_events(req.body, bot_);
    if (!parsed) {
      respond(net::error_response(parsed.error()));
      return;
    }
    if (parsed->challenge) {
      respond(HttpResponse::json(
          200, boost::json::serialize(boost::json::object{{"challenge", *parsed->challenge}})));
      return;
    }
    if (!parsed->event) {
      respond(HttpResponse::json(200, R"({"ok":true,"ignored":true})"));
      return;
    }
    parsed->event->received_at = req.received_at;
    connectors::ingest_and_reply(host_, std::move(*parsed->event), std::move(respond),
                                 [](const Ingested&) { return HttpResponse::json(200, ""); });
  }

  void command(HttpRequest&& req, Respond respond) {
    // Slack's TLS probe is answered before verification and carries nothing we use.
    if (req.body.find("ssl_check=1") != std::string::npos) {
      auto probe = parse_command(req.body, bot_);
      if (probe && probe->ssl_check) {
        respond(HttpResponse::text(200, ""));
        return;
      }
    }
    if (!verified(req, respond, "commands")) return;
    auto parsed = parse_command(req.body, bot_);
    if (!parsed || !parsed->event) {
      respond(net::error_response(parsed ? Error{Errc::kInvalidInput, "no command", std::nullopt}
                                         : parsed.error()));
      return;
    }
    std::string text = json::string_or(parsed->event->payload, "text");
    std::string actor = parsed->event->actor;
    parsed->event->received_at = req.received_at;
    host_.ingest(std::move(*parsed->event), [this, text, actor, respond](Expected<Ingested> r) {
      if (!r) {
        respond(net::error_response(r.error()));
        return;
      }
      // The answer needs store reads: build it on a worker, never on the writer thread.
      bool posted = host_.post([this, text, actor, respond] {
        auto reply = host_.command_reply(text, actor);
        std::string body =
            reply ? *reply : "Sorry, I could not read my store: " + reply.error().message;
        respond(HttpResponse::json(200, boost::json::serialize(boost::json::object{
                                            {"response_type", "ephemeral"}, {"text", body}})));
      });
      if (!posted) respond(connectors::busy());
    });
  }

  void interaction(HttpRequest&& req, Respond respond) {
    if (!verified(req, respond, "interactivity")) return;
    auto parsed = parse_interaction(req.body, bot_);
    if (!parsed) {
      respond(net::error_response(parsed.error()));
      return;
    }
    if (!parsed->event) {
      respond(HttpResponse::text(200, ""));
      return;
    }
    parsed->event->received_at = req.received_at;
    connectors::ingest_and_reply(host_, std::move(*parsed->event), std::move(respond), empty_200);
  }

  SlackConfig config_;
  ConnectorHost& host_;
  WebClient client_;
  SlackExecutor executor_;
  BotIdentity bot_;
};

class SlackModule final : public connectors::Module {
 public:
  std::string_view section() const override { return "slack"; }
  [[nodiscard]] Expected<void> read_config(const toml::table&, cfg::Reader& reader) override {
    return slack::read_config(reader, config_);
  }
  [[nodiscard]] Expected<std::string> describe() const override {
    return std::string("slack: ") + (config_.configured() ? "configured" : "not configured");
  }
  [[nodiscard]] Expected<std::unique_ptr<Connector>> start(ConnectorHost& host) override {
    if (!config_.configured()) {
      spdlog::info("slack is not configured: approvals are decided with `steward approvals`");
      return std::unique_ptr<Connector>();
    }
    return std::unique_ptr<Connector>(std::make_unique<SlackConnector>(config_, host));
  }

 private:
  SlackConfig config_;
};

}  // namespace

std::unique_ptr<connectors::Module> make_module() { return std::make_unique<SlackModule>(); }

}  // namespace steward::slack
