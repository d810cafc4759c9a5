#pragma once
// [email] as the email connector reads it: where mail goes out (SMTP or a Maildir), reply
// tokens, and the inbound providers. The kernel reads `from` from the same section
// (runtime::Config::email); both share one cfg::Reader, so an unknown key is an error.

#include <cstddef>
#include <filesystem>
#include <string>

#include "bot/toml/reader.hpp"
#include "connectors/email/inbound.hpp"
#include "connectors/email/smtp.hpp"

namespace steward::email {

struct EmailConfig {
  std::string from = "Steward <steward@demo.example>";
  std::filesystem::path maildir = "var/mail";  ///< used when smtp_url is not set
  SmtpOptions smtp;       ///< smtp_url, smtp_username, smtp_password, smtp_allow_plain, …
  InboundConfig inbound;  ///< [email.mailgun|postmark|sendgrid] and reply_domain/reply_secret
  std::size_t inbound_body_limit = 10 << 20;  ///< POST /hooks/email/{provider}
  [[nodiscard]] bool smtp_configured() const { return !smtp.url.empty(); }
};

/// Reads [email] through `section` (problems are recorded there, never with a secret's value).
/// Relative paths are resolved against the config file's folder. When the reader does not
/// expand ${ENV} (an offline command, which never sends mail), values are not checked.
/// Errors: the first problem of a provider sub-table (kInvalidInput, file:line); problems of
/// [email] itself are recorded in `section` (and returned when they came first).
[[nodiscard]] Expected<void> read_config(cfg::Reader& section, EmailConfig& out);
/// Defaults that depend on other keys (reply_domain: the domain of `from`).
void finish_config(EmailConfig& out);

}  // namespace steward::email
