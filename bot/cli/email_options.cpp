#include "bot/cli/email_options.hpp"

#include <spdlog/spdlog.h>

#include "bot/cli/context.hpp"
#include "connectors/email/maildir.hpp"

namespace steward::cli {

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

}  // namespace steward::cli
