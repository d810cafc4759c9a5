#pragma once
// RFC 5322 / MIME composition of an `email.send` action with GMime (RFC 2047 words,
// quoted-printable, folding and the multipart structure are GMime's). Shared by the maildir
// writer and SMTP submission. No I/O; thread-safe; never throws.

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bot/core/clock.hpp"
#include "bot/core/expected.hpp"
#include "connectors/email/reply_token.hpp"

namespace steward::email {

/// One address with an optional display name.
struct Mailbox {
  std::string display;  ///< may be empty; UTF-8
  std::string address;  ///< ASCII addr-spec
};

/// Addresses are checked with is_ascii_email_address() (bot/core/mailbox.hpp): what plain
/// SMTP can carry.
/// Reads "addr", "Name <addr>" or "\"Name, Inc.\" <addr>". kInvalidInput when the address is
/// not valid or the text contains CR/LF or other control characters.
[[nodiscard]] Expected<Mailbox> parse_mailbox(std::string_view text);

/// The header form of a mailbox (GMime's): the display name as-is when it is plain ASCII
/// words, as a quoted string when it holds specials, as UTF-8 RFC 2047 encoded-words when it
/// is not ASCII.
std::string format_mailbox(const Mailbox& mailbox);

/// RFC 5322 date-time in UTC, e.g. "Tue, 03 Nov 2026 14:05:00 +0000" (locale-independent).
std::string rfc5322_date(TimePoint t);

/// `key` made safe as a file name and as the left part of a Message-ID: letters, digits, '_'
/// and '-' are kept, '.' is kept between two kept characters, everything else becomes "%XX"
/// (so distinct keys stay distinct). Results longer than 128 characters are cut to 96 and
/// suffixed with "-" and 32 hex digits of SHA-256(key).
std::string safe_key(std::string_view key);

/// What compose_email() needs besides the action's fields.
struct ComposeContext {
  std::string from;               ///< "Name <addr>" or "addr"
  std::string message_id_domain;  ///< empty: the domain of `from`
  std::string idempotency_key;    ///< becomes Message-ID <safe_key@domain> and X-Steward-Action
  TimePoint date{};
  ReplyTokenConfig reply;  ///< when enabled(), mail with a conversation_id gets a token
};

/// A rendered message.
struct ComposedEmail {
  std::string message_id;               ///< "<left@domain>"
  std::vector<std::string> recipients;  ///< envelope: To then Cc addresses
  std::string data;                     ///< the whole message, CRLF line endings
};

/// Renders the `email.send` fields with GMime as an RFC 5322 message (CRLF line endings):
///  - to (required; "addr" or "Name <addr>"), cc (string with commas, or array of strings)
///  - subject (required, non-empty; RFC 2047 encoded-words in UTF-8 when not plain ASCII)
///  - text (required, non-empty), html (optional; default: the text HTML-escaped, blank lines
///    make paragraphs, single line breaks become <br>)
///  - reply_to, in_reply_to (a Message-ID with or without <>), references (array of Message-IDs
///    or one space-separated string), message_id (explicit "<left@domain>", with or without
///    <>; it must be a valid Message-ID), conversation_id ([A-Za-z0-9_-], at most 128)
/// Headers: Date, From, To, Cc, Reply-To (the signed reply+token address of conversation_id
/// when ctx.reply.enabled(), else the reply_to field), Subject, Message-ID (message_id, else
/// <safe_key(idempotency_key)@domain>), In-Reply-To, References (references then in_reply_to,
/// RFC 5322 §3.6.4, duplicates dropped), MIME-Version, Auto-Submitted: auto-generated,
/// X-Steward-Action (the key) and X-Steward-Conversation. Body: always multipart/alternative
/// with text/plain then text/html, both charset=UTF-8, quoted-printable; line breaks of the
/// input (LF, CRLF, lone CR) become CRLF; a body's text is exact (the CRLF before a boundary
/// delimiter belongs to the delimiter).
/// Errors: kPermanent for a missing/ill-typed/invalid field and for CR or LF inside any header
/// value ("header injection"); kInternal when `from`, the Message-ID domain, the key or the
/// reply-token domain are unusable (configuration). Thread-safe (calls ensure_gmime()).
[[nodiscard]] Expected<ComposedEmail> compose_email(const boost::json::object& fields,
                                                    const ComposeContext& ctx);

}  // namespace steward::email
