// `steward check`: validates the config and every rules file, and says what is configured.

#include <iostream>

#include "bot/cli/commands.hpp"
#include "bot/cli/context.hpp"
#include "bot/cli/email_options.hpp"

namespace steward::cli {

namespace {

int check(const std::string& config_path) {
  auto config = load_config_or_defaults(config_path);
  auto pol = load_policies(config);
  std::cout << "config: " << (config.file.empty() ? "embedded defaults" : config.file.string())
            << "\npolicies: " << pol.where.dir.string() << " (" << pol.where.source << ", "
            << pol.rights.size() << " decision rule(s))\nforms: " << config.forms.size()
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

}  // namespace

void add_check(CLI::App& app, Commands& out) {
  auto path = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("check", "Validate the config and every rules file");
  cmd->add_option("--config,-c", *path, "Config file");
  out.push_back({cmd, [path] { return check(*path); }});
}

}  // namespace steward::cli
