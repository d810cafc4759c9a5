#include "connectors/email/email_connector.hpp"

#include <spdlog/spdlog.h>

#include "bot/core/printable.hpp"
#include "connectors/common/reply.hpp"
#include "connectors/email/config.hpp"
#include "connectors/email/inbound.hpp"
#include "connectors/email/maildir.hpp"
#include "connectors/email/message.hpp"
#include "connectors/email/smtp.hpp"

namespace steward::email {

namespace {

constexpr std::string_view kProviders[] = {"mailgun", "postmark", "sendgrid"};

/// SMTP when smtp_url is set, else the Maildir.
[[nodiscard]] Expected<std::unique_ptr<ActionExecutor>> make_executor(const EmailConfig& config,
                                                                      const Clock& clock) {
  ComposeContext compose;
  compose.from = config.from;
  compose.reply = config.inbound.reply;
  if (config.smtp_configured()) {
    auto client = SmtpClient::create(config.smtp);
    if (!client) return fail(client.error().code, "email.smtp_url: " + client.error().message);
    spdlog::info("email: sending through {}", (*client)->describe());
    return std::unique_ptr<ActionExecutor>(
        std::make_unique<SmtpExecutor>(std::move(*client), compose, clock));
  }
  MaildirOptions mail;
  mail.dir = config.maildir;
  mail.from = config.from;
  mail.reply = compose.reply;
  spdlog::info("email: writing messages to the maildir {} (set [email] smtp_url to send)",
               config.maildir.string());
  return std::unique_ptr<ActionExecutor>(std::make_unique<MaildirExecutor>(mail, clock));
}

class EmailConnector final : public Connector {
 public:
  EmailConnector(const EmailConfig& config, ConnectorHost& host,
                 std::unique_ptr<ActionExecutor> executor)
      : host_(host),
        body_limit_(config.inbound_body_limit),
        inbound_(config.inbound, host.clock()),
        executor_(std::move(executor)),
        // Mailgun signs inside the body, so its authentication is a scan of up to 10 MiB
        // (~1 ms, tens of ms for adversarial bodies): too long for an I/O thread, and
        // unauthenticated, so never on the shared pool. One thread; a short queue bounds the
        // bodies held (each up to inbound_body_limit) and answers 503 + Retry-After beyond it,
        // which Mailgun retries.
        auth_pool_(host.own_pool(1, 8, "st-mail-auth")) {
    for (auto p : kProviders)
      if (inbound_.configured(p)) spdlog::info("email: accepting {} at /hooks/email/{}", p, p);
  }

  std::string_view name() const override { return "email"; }
  std::vector<ActionExecutor*> executors() override { return {executor_.get()}; }

  std::vector<Route> routes() override {
    Route r;
    r.pattern = "/hooks/email/{provider}";
    r.body_limit = body_limit_;
    r.name = "email";
    r.handle_async = [this](HttpRequest&& req, Respond respond) {
      receive(std::move(req), std::move(respond));
    };
    return {std::move(r)};
  }

 private:
  void rejected(const HttpRequest& req, const Error& e, const Respond& respond) {
    spdlog::info("email from {} via {} rejected: {}", req.remote,
                 printable(req.param("provider"), 16), printable(e.message, 500));
    respond(net::error_response(e));
  }

  void receive(HttpRequest&& req, Respond respond) {
    // Authentication comes first and never on the shared pool, which also serves
    // slash-command replies and /metrics: a flood of unauthenticated bodies must not queue
    // there. Only authenticated mail gets the full (GMime/JSON) parse on a worker.
    auto shared = std::make_shared<HttpRequest>(std::move(req));
    auto parse = [this, shared, respond](Expected<InboundAuth> auth) {
      if (!auth) {
        rejected(*shared, auth.error(), respond);
        return;
      }
      bool posted = host_.post([this, shared, respond, auth = std::move(*auth)] {
        auto event = inbound_.parse_authenticated(*shared, auth);
        if (!event) {
          rejected(*shared, event.error(), respond);
          return;
        }
        connectors::ingest_and_reply(host_, std::move(*event), respond);
      });
      if (!posted) respond(connectors::busy());
    };
    // Header credentials (Postmark, SendGrid) are a constant-time compare: inline.
    if (!EmailInbound::authenticates_from_body(shared->param("provider"))) {
      parse(inbound_.authenticate(*shared));
      return;
    }
    bool posted = auth_pool_([this, shared, parse] { parse(inbound_.authenticate(*shared)); });
    if (!posted) respond(connectors::busy());
  }

  ConnectorHost& host_;
  std::size_t body_limit_;
  EmailInbound inbound_;
  std::unique_ptr<ActionExecutor> executor_;
  std::function<bool(std::function<void()>)> auth_pool_;
};

class EmailModule final : public connectors::Module {
 public:
  EmailModule() { finish_config(config_); }
  std::string_view section() const override { return "email"; }
  [[nodiscard]] Expected<void> read_config(const toml::table&, cfg::Reader& reader) override {
    auto r = email::read_config(reader, config_);
    finish_config(config_);
    return r;
  }
  [[nodiscard]] Expected<std::string> describe() const override {
    std::string out;
    // The SMTP settings are validated the way `serve` uses them (nothing is contacted).
    if (config_.smtp_configured()) {
      auto client = SmtpClient::create(config_.smtp);
      if (!client) return fail(client.error().code, "email.smtp_url: " + client.error().message);
      out = "email out: " + (*client)->describe();
    } else {
      out = "email out: maildir " + config_.maildir.string();
    }
    SystemClock clock;
    EmailInbound inbound(config_.inbound, clock);
    std::string providers;
    for (auto p : kProviders)
      if (inbound.configured(p)) providers += (providers.empty() ? "" : ", ") + std::string(p);
    return out + "\nemail in: " + (providers.empty() ? "none" : providers);
  }
  [[nodiscard]] Expected<std::unique_ptr<Connector>> start(ConnectorHost& host) override {
    auto executor = make_executor(config_, host.clock());
    if (!executor) return Unexpected(executor.error());
    return std::unique_ptr<Connector>(
        std::make_unique<EmailConnector>(config_, host, std::move(*executor)));
  }

 private:
  EmailConfig config_;
};

}  // namespace

std::unique_ptr<connectors::Module> make_module() { return std::make_unique<EmailModule>(); }

}  // namespace steward::email
