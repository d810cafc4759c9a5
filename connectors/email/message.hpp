#pragma once
// Pure RFC 5322 / MIME composition of an `email.send` action. Shared by the maildir writer and
// (later) SMTP submission. No I/O; thread-safe; never throws.

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bot/core/clock.hpp"
#include "bot/core/expected.hpp"

namespace steward::email {

/// One address with an optional display name.
struct Mailbox {
  std::string display;  ///< may be empty; UTF-8
  std::string address;  ///< ASCII addr-spec
};

/// True for a plausible ASCII addr-spec: exactly one '@', non-empty local part, a dotted
/// domain without empty labels, printable ASCII without spaces, '<', '>', ',', '"' or '\',
/// at most 254 characters.
bool is_email_address(std::string_view text);

/// Reads "addr", "Name <addr>" or "\"Name, Inc.\" <addr>". kInvalidInput when the address is
/// not valid or the text contains CR/LF or other control characters.
[[nodiscard]] Expected<Mailbox> parse_mailbox(std::string_view text);

/// The header form of a mailbox: the display name as-is when it is plain ASCII words, as a
/// quoted string when it holds specials, as RFC 2047 encoded-words when it is not ASCII.
std::string format_mailbox(const Mailbox& mailbox);

/// RFC 2047 "B" encoded-words for UTF-8 `text`: "=?UTF-8?B?…?=", each word at most 64
/// characters (39 bytes of text), never splitting a UTF-8 sequence. Words are meant to be
/// joined by folding white space, which decoders drop between adjacent encoded-words.
std::vector<std::string> encode_words(std::string_view text);

/// Quoted-printable (RFC 2045 §6.7) of UTF-8 text. Every line break of the input (LF, CRLF or
/// a lone CR) becomes CRLF; encoded lines are at most 76 characters (soft breaks "=").
/// '=' and non-ASCII bytes are =XX-encoded, as are white space at the end of a line and a '.'
/// at the start of one (so SMTP dot-stuffing never matters). The result has no trailing CRLF
/// unless the input ended with a line break.
std::string encode_quoted_printable(std::string_view text);

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
};

/// A rendered message.
struct ComposedEmail {
  std::string message_id;               ///< "<left@domain>"
  std::vector<std::string> recipients;  ///< envelope: To then Cc addresses
  std::string data;                     ///< the whole message, CRLF line endings
};

/// Renders the `email.send` fields {to (required address or "Name <addr>"), subject (required,
/// non-empty), text (required, non-empty), html, in_reply_to (Message-ID, with or without <>),
/// reply_to, cc (string with commas, or array of strings)} as an RFC 5322 message:
/// Date, From, To, Cc, Reply-To, Subject (RFC 2047 when not plain ASCII; folded), Message-ID,
/// In-Reply-To + References, MIME-Version, Content-Type text/plain; charset=UTF-8 with
/// quoted-printable, or multipart/alternative (text part first, then html) when html is given,
/// and X-Steward-Action. Errors: kPermanent for a missing/ill-typed/invalid field and for CR or
/// LF inside any header value ("header injection"); kInternal when `from`, the Message-ID
/// domain or the key are unusable (configuration).
[[nodiscard]] Expected<ComposedEmail> compose_email(const boost::json::object& fields,
                                                    const ComposeContext& ctx);

}  // namespace steward::email
