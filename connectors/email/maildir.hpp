#pragma once
// Outbound email written to a Maildir (one RFC 5322 file per action) until SMTP exists.
// A local MTA, a mail client or a person can pick the messages up from `<dir>/new`.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "bot/core/action.hpp"
#include "bot/core/clock.hpp"
#include "bot/core/executor.hpp"
#include "bot/core/expected.hpp"
#include "connectors/email/reply_token.hpp"

namespace steward::email {

struct MaildirOptions {
  std::filesystem::path dir = "var/mail";
  std::string from;               ///< "Name <addr>" or addr
  std::string message_id_domain;  ///< default: domain of from
  ReplyTokenConfig reply;         ///< signed Reply-To for mail in a conversation
};

/// Executes `email.send` actions by writing `<dir>/new/<safe_key(key)>.eml` (see
/// compose_email() in message.hpp for the fields and the message format).
/// The file is written to `<dir>/tmp/<safe key>.<random>.eml`, fsynced, then renamed without
/// replacing into `new/` (atomic), and `new/` is fsynced. When `new/<safe key>.eml` already
/// exists the action counts as done and nothing is written (idempotent across retries and
/// crashes); the result detail then also has "duplicate": true.
/// Result detail: {"file": path of the message, "message_id": "<key@domain>"}.
/// Errors: kPermanent for bad fields or header injection (never retried), kInternal for bad
/// options, kUnavailable (retryable) for disk errors.
/// @par Thread safety: execute() may run concurrently, also for the same key.
/// @par Blocking: yes (disk, fsync); run it on the worker pool.
class MaildirExecutor final : public ActionExecutor {
 public:
  /// Uses the system clock for the Date header.
  explicit MaildirExecutor(MaildirOptions options);
  /// `clock` must outlive the executor.
  MaildirExecutor(MaildirOptions options, const Clock& clock);

  // ActionExecutor
  [[nodiscard]] std::vector<std::string> kinds() const override;
  [[nodiscard]] Expected<ActionResult> execute(const Action& action,
                                               std::string_view idempotency_key) override;

  [[nodiscard]] const MaildirOptions& options() const noexcept { return options_; }

 private:
  MaildirOptions options_;
  const Clock& clock_;
};

}  // namespace steward::email
