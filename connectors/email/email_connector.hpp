#pragma once
// Email's edge: POST /hooks/email/{provider} (Mailgun, Postmark, SendGrid Inbound Parse) and the
// email.send executor (SMTP when [email] smtp_url is set, else a Maildir).

#include <memory>

#include "connectors/common/module.hpp"

namespace steward::email {

/// The [email] module for connectors/builtin.cpp.
std::unique_ptr<connectors::Module> make_module();

}  // namespace steward::email
