#pragma once
// SMTP submission over libcurl (transport, STARTTLS/implicit TLS, AUTH, dot-stuffing) of
// messages composed by compose_email() (GMime), and the `email.send` executor built on it.

#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "bot/core/clock.hpp"
#include "bot/core/executor.hpp"
#include "bot/core/expected.hpp"
#include "bot/core/secret.hpp"
#include "connectors/email/message.hpp"
#include "connectors/email/reply_token.hpp"

namespace steward::email {

/// `[email] smtp_*` settings.
struct SmtpOptions {
  /// "smtp://[user[:pass]@]host[:port]" (STARTTLS required, port 587 by default) or
  /// "smtps://…" (implicit TLS, port 465). Credentials in the URL are allowed (the config puts
  /// ${ENV} there) but `username`/`password` below win when set. Never logged.
  Secret url;
  std::string username;
  Secret password;
  /// Permit an unencrypted session with a non-loopback host (a trusted relay). For a loopback
  /// host STARTTLS is used when offered and plain text is accepted otherwise.
  bool allow_plain = false;
  std::filesystem::path ca_file;  ///< extra trusted CA bundle (PEM); empty: system store
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds timeout{60000};  ///< whole transaction
};

/// The server's final answer to a transaction.
struct SmtpReply {
  int code = 0;      ///< e.g. 250
  std::string text;  ///< the server's last reply line(s), credentials never included
};

/// One SMTP transaction per send(); connections are kept and reused between sends.
/// @par Errors: kInvalidInput (bad envelope), kUnavailable — transient, retried — for
///      connection/TLS/timeout failures and 4xx replies (421, 450, 451, 452…), kPermanent for
///      5xx replies (message carries the code and the server's text), kInternal for bad options
///      (unknown scheme, plain text to a non-loopback host without allow_plain).
/// @par Thread safety: send() may be called concurrently (each call uses its own handle).
/// @par Blocking: yes (network).
class SmtpClient {
 public:
  /// Validates the options (does not connect). Errors as above (kInternal).
  [[nodiscard]] static Expected<std::unique_ptr<SmtpClient>> create(SmtpOptions options);
  ~SmtpClient();
  SmtpClient(const SmtpClient&) = delete;
  SmtpClient& operator=(const SmtpClient&) = delete;

  /// Sends `data` (a complete RFC 5322 message with CRLF line endings; lines starting with
  /// '.' are dot-stuffed by the transport) from `envelope_from` to `recipients`.
  [[nodiscard]] Expected<SmtpReply> send(std::string_view envelope_from,
                                         const std::vector<std::string>& recipients,
                                         std::string_view data);

  /// "smtp://host:port" without credentials, for logs.
  [[nodiscard]] std::string describe() const;

 private:
  struct Impl;
  explicit SmtpClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// Executes `email.send` actions through an SmtpClient (fields as for compose_email()).
/// Result detail: {"message_id", "recipients": [...], "smtp": "<code> <text>"}.
/// Errors: as SmtpClient::send, and kPermanent for bad fields (from compose_email()).
/// @par Thread safety: execute() may run concurrently. @par Blocking: yes.
class SmtpExecutor final : public ActionExecutor {
 public:
  /// `compose` supplies from, Message-ID domain and reply tokens; its key and date are
  /// replaced per action. `clock` must outlive the executor.
  SmtpExecutor(std::unique_ptr<SmtpClient> client, ComposeContext compose, const Clock& clock);

  [[nodiscard]] std::vector<std::string> kinds() const override;
  [[nodiscard]] Expected<ActionResult> execute(const Action& action,
                                               std::string_view idempotency_key) override;

 private:
  std::unique_ptr<SmtpClient> client_;
  ComposeContext compose_;
  const Clock& clock_;
};

}  // namespace steward::email
