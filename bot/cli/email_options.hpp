#pragma once
// The email and forms connectors' options, copied from the config's sections.

#include <memory>
#include <vector>

#include "bot/core/clock.hpp"
#include "bot/core/executor.hpp"
#include "bot/runtime/config.hpp"
#include "connectors/email/inbound.hpp"
#include "connectors/email/smtp.hpp"
#include "connectors/forms/config.hpp"

namespace steward::cli {

std::vector<forms::FormConfig> form_configs(const runtime::Config& config);
email::ReplyTokenConfig reply_tokens(const runtime::Config& config);
email::InboundConfig inbound_config(const runtime::Config& config);
email::SmtpOptions smtp_options(const runtime::Config& config);
/// The `email.send` executor: SMTP when [email] smtp_url is set, else the Maildir.
/// Throws StartupError on a bad smtp_url.
std::unique_ptr<ActionExecutor> email_executor(const runtime::Config& config, const Clock& clock);

}  // namespace steward::cli
