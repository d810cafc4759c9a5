#pragma once
// `POST /hooks/email/{provider}`: verifies and normalises inbound mail from Mailgun, Postmark
// and SendGrid Inbound Parse into one `email.received` Event.

#include <chrono>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "bot/core/clock.hpp"
#include "bot/core/event.hpp"
#include "bot/core/expected.hpp"
#include "bot/core/secret.hpp"
#include "bot/net/http_types.hpp"
#include "connectors/email/reply_token.hpp"

namespace steward::email {

/// `[email.mailgun]`, `[email.postmark]`, `[email.sendgrid]` and the reply-token settings.
/// A provider whose credentials are all empty is not configured (its route answers 404).
struct InboundConfig {
  struct {
    Secret signing_key;  ///< HTTP webhook signing key
  } mailgun;
  struct {
    std::string username;  ///< HTTP Basic credentials put in the webhook URL at Postmark
    Secret password;
  } postmark;
  struct {
    Secret token;  ///< "?token=…" in the Parse URL; and/or Basic credentials
    std::string username;
    Secret password;
  } sendgrid;
  std::chrono::seconds max_age{300};  ///< Mailgun timestamp window (either direction)
  ReplyTokenConfig reply;
};

/// The Event actor of a mail whose sender is not an address (see InboundEmail::invalid_sender).
/// Never a valid address nor a Slack id, so it matches no person in the directory.
inline constexpr std::string_view kInvalidSender = "invalid-sender";

/// One received message, provider-neutral. Addresses are lower-cased addr-specs
/// (is_email_address()); recipients that are not addr-specs are dropped. Names and the subject
/// hold no control characters (single_line()).
struct InboundEmail {
  std::string provider;  ///< "mailgun" | "postmark" | "sendgrid"
  std::string from;      ///< From address, else the envelope sender; "" when neither is an address
  std::string invalid_sender;   ///< when `from` is "": the sender as sent, escaped by printable()
  std::string from_name;        ///< display name (decoded UTF-8, one line), may be empty
  std::string envelope_from;    ///< SMTP MAIL FROM when the provider gives it ("" = bounce)
  std::vector<std::string> to;  ///< To addresses plus envelope recipients, deduplicated
  std::vector<std::string> cc;
  std::string subject;                  ///< decoded UTF-8, one line
  std::string text;                     ///< plain text with the quoted reply and signature stripped
  std::string message_id;               ///< without <>; may be empty when the mail had none
  std::string in_reply_to;              ///< without <>
  std::vector<std::string> references;  ///< without <>, in header order
  std::optional<std::string> conversation_id;  ///< from a reply token verified for `from`
  /// The conversation a reply token claimed when it was not issued to this sender (a leaked or
  /// forwarded token): threaded as if there were no token, and audited.
  std::string reply_token_refused;
  bool auto_reply = false;  ///< RFC 3834 Auto-Submitted, Precedence bulk/list/junk, bounces…
  std::string auto_reason;  ///< why auto_reply is set, e.g. "Auto-Submitted: auto-replied"
  int attachments = 0;
};

/// The Event for a message: kind "email.received", source "email", actor = from (or
/// kInvalidSender when from is ""), dedupe_key "email:<message_id>" (or
/// "email:<provider>:<sha256 of sender+subject+text>" when there is no Message-ID), payload
/// {provider, from, invalid_sender, from_name, to[], cc[], subject, text, message_id,
/// in_reply_to, references[], conversation_id (only when verified for the sender),
/// reply_token_refused (only when a token was not issued to the sender), auto_reply,
/// auto_reason, attachments}.
Event to_event(const InboundEmail& mail, TimePoint received_at);

/// Removes the quoted part of a reply: lines starting with '>', an "On … wrote:" line (also
/// when wrapped over two lines) and everything after it, "-----Original Message-----" blocks,
/// and a signature after a "-- " line. Line endings normalised to "\n"; trailing blank lines
/// dropped. Returns the input trimmed when nothing is quoted. Pure.
std::string strip_quoted_reply(std::string_view text);

/// RFC 3834 loop protection on a header list (name compare case-insensitive): Auto-Submitted
/// other than "no", Precedence bulk/list/junk/auto_reply, X-Autoreply/X-Autorespond, or an
/// envelope sender / From of mailer-daemon or postmaster. Returns the reason, or nullopt.
std::optional<std::string> auto_reply_reason(
    const std::vector<std::pair<std::string, std::string>>& headers, std::string_view from,
    std::string_view envelope_from);

/// Mailgun's signature fields as sent (not trimmed).
struct MailgunSignature {
  std::string timestamp;
  std::string token;
  std::string signature;
};

/// Proof that authenticate() accepted a request; hand it to parse_authenticated() with the
/// same request.
struct InboundAuth {
  std::string provider;
  /// Mailgun: the values that were verified; the full parse must find exactly these, once.
  std::optional<MailgunSignature> mailgun;
};

/// Inbound side of the email connector.
///
/// Serving splits a request in two so that unauthenticated bodies never cost more than one
/// linear scan: authenticate() is cheap (headers, or for Mailgun a scan of the body for its
/// three signature fields, plus one HMAC); only what it accepts goes to parse_authenticated(),
/// the expensive GMime/JSON parse. bot/main.cpp runs header authentication inline, the Mailgun
/// scan on its own one-thread pool, and the parse on the shared workers.
///
/// @par Thread safety: every member may run concurrently (the replay cache is locked).
/// @par Blocking: none; authenticate() is O(body) with a memchr/memmem constant (measured on a
/// 10 MB body: 0.1 ms refused at the part cap, ~1 ms for a typical body, 75 ms for the worst
/// adversarial one), parse_authenticated() is the full parse of one body.
class EmailInbound {
 public:
  /// `clock` must outlive this object.
  EmailInbound(InboundConfig config, const Clock& clock);

  /// request.param("provider") selects the provider. Checks, in this order:
  ///  1. a known and configured provider, else kNotFound "unknown email provider 'x'";
  ///  2. authentication before parsing the mail — Postmark: Basic auth; SendGrid: the
  ///     `token` query parameter or Basic auth; Mailgun: HMAC-SHA256(signing key,
  ///     timestamp + token) == signature (hex), timestamp within max_age, token not seen
  ///     before (replay) — else kUnauthenticated with a reason that never contains a secret;
  ///  3. the content type the provider uses (Mailgun: urlencoded or multipart/form-data,
  ///     Postmark: application/json, SendGrid: multipart/form-data), else kUnsupportedMedia;
  ///  4. parsing, else kInvalidInput naming what is missing or malformed (no sender, bad JSON,
  ///     broken multipart…), kTooLarge over the part/field caps (see authenticate()).
  /// A sender that is present but not an address (CR/LF, spaces, angle brackets, a second
  /// '@'…) is not an error: the mail is kept with from "" and invalid_sender set.
  /// Equivalent to authenticate() then parse_authenticated().
  /// A reply token among the recipients that fails verification is ignored (logged), not an
  /// error. The Event's received_at is the request's.
  [[nodiscard]] Expected<Event> handle(const net::HttpRequest& request);

  /// Steps 1 and 2 of handle() (and, for Mailgun, step 3, since the signature travels in the
  /// body). Mailgun's fields come from scan_mailgun_signature(): each of timestamp, token and
  /// signature exactly once, else kUnauthenticated; over kMaxFormParts parts or fields, or a
  /// part header block over kMaxPartHeaderBytes, kTooLarge (413) — so an unsigned flood of
  /// tiny parts is refused after scanning its first thousand parts. A Mailgun token that
  /// passes is recorded for replay protection here, exactly once.
  [[nodiscard]] Expected<InboundAuth> authenticate(const net::HttpRequest& request);

  /// Steps 3 and 4 of handle() for a request authenticate() accepted. For Mailgun the full
  /// parse must find each signature field exactly once with the verified value, else
  /// kUnauthenticated ("differ"): the scan and GMime can never disagree on which fields were
  /// signed. Caps as for authenticate() (kTooLarge).
  [[nodiscard]] Expected<Event> parse_authenticated(const net::HttpRequest& request,
                                                    const InboundAuth& auth) const;

  /// Lower-level parse of one provider body (authentication NOT checked). Used by tests and
  /// fuzzers. Errors: kUnsupportedMedia, kInvalidInput, kTooLarge as above.
  [[nodiscard]] Expected<InboundEmail> parse(std::string_view provider,
                                             std::string_view content_type,
                                             std::string_view body) const;

  /// Whether authenticate() has to read the body for `provider` (Mailgun): O(body), up to tens
  /// of ms for 10 MB of adversarial input, so callers run it off their I/O threads. For the
  /// others authenticate() only compares headers (microseconds).
  [[nodiscard]] static bool authenticates_from_body(std::string_view provider) {
    return provider == "mailgun";
  }

  /// Whether a provider has credentials configured.
  [[nodiscard]] bool configured(std::string_view provider) const;

 private:
  InboundConfig config_;
  const Clock& clock_;
  std::mutex replay_mutex_;
  std::unordered_set<std::string> seen_tokens_;
  std::deque<std::pair<std::int64_t, std::string>> token_order_;  ///< (unix ms, token)
};

}  // namespace steward::email
