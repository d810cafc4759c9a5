#pragma once
// Private to the email connector: the three providers' wire formats (Mailgun, Postmark,
// SendGrid Inbound Parse) turned into one InboundEmail, plus the GMime-backed helpers they
// share (multipart/form-data, header blocks, RFC 2047, address lists). Authentication,
// reply tokens and loop protection live in inbound.cpp. Everything here is pure and
// thread-safe; nothing throws.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bot/core/expected.hpp"
#include "bot/core/text.hpp"
#include "connectors/email/form_scan.hpp"
#include "connectors/email/inbound.hpp"

namespace steward::email::detail {

/// Header fields in message order; names as sent (compare case-insensitively).
using Headers = std::vector<std::pair<std::string, std::string>>;

/// One field of a form body. `filename` is set only for file uploads.
struct FormPart {
  std::string name;
  std::string filename;
  std::string value;  ///< transfer-decoded bytes, charset untouched
};
using FormParts = std::vector<FormPart>;

/// The media type of a Content-Type value, lower-cased, without parameters.
std::string media_type(std::string_view content_type);

/// Splits a multipart/form-data body with GMime. kInvalidInput when the content type has no
/// boundary or contains control characters, when the body is truncated (no closing
/// delimiter) or has no parts; kTooLarge over kMaxFormParts or kMaxPartHeaderBytes (checked by
/// scan_multipart_form() before GMime runs). Parts without a name are skipped.
[[nodiscard]] Expected<FormParts> parse_multipart_form(std::string_view content_type,
                                                       std::string_view body);

/// The first field called `name` (ASCII case-insensitive when `ignore_case`), or nullptr.
const std::string* find_field(const FormParts& parts, std::string_view name,
                              bool ignore_case = false);

/// The first header called `name` (case-insensitive), or nullptr.
const std::string* find_header(const Headers& headers, std::string_view name);

/// A raw header block ("Name: value\r\n…") parsed by GMime; values unfolded, unstructured ones
/// RFC 2047-decoded. Never fails: unparseable text yields no headers.
Headers parse_header_block(std::string_view raw);

/// RFC 2047 decoding of an unstructured header value to UTF-8 (undeclared 8-bit text is
/// converted with GMime's fallback charsets).
std::string decode_header_text(std::string_view text);

/// One mailbox of an address list.
struct Address {
  std::string name;  ///< decoded UTF-8 display name, may be empty
  std::string addr;  ///< addr-spec as written (not yet lower-cased)
};

/// An address list ("A <a@x>, b@y, Group: c@z;") parsed by GMime, groups flattened. Entries
/// without an addr-spec are dropped.
std::vector<Address> parse_addresses(std::string_view text);

/// The ids of a Message-ID / In-Reply-To / References value without their angle brackets, in
/// order: every "<…>" when there is one, else the whitespace-separated words.
std::vector<std::string> parse_message_ids(std::string_view text);

/// `text` with every invalid UTF-8 sequence replaced by U+FFFD.
std::string make_valid_utf8(std::string_view text);

/// What a provider parser found. inbound.cpp adds the normalisation, the auto-reply verdict
/// and the reply-token check.
struct ProviderMail {
  InboundEmail mail;
  Headers headers;              ///< for loop protection
  bool envelope_known = false;  ///< the provider told us MAIL FROM (so "" means a bounce)
  std::vector<std::string> mailbox_hashes;  ///< Postmark "+tag" parts (reply-token candidates)
};

/// Mailgun's fields from an urlencoded or multipart/form-data body. kUnsupportedMedia for any
/// other content type, kInvalidInput for a malformed body, kTooLarge over kMaxFormParts
/// parts or urlencoded fields.
[[nodiscard]] Expected<FormParts> mailgun_fields(std::string_view content_type,
                                                 std::string_view body);

/// Mailgun "parsed" mode (§4.1 of the integration notes). kInvalidInput for malformed
/// `message-headers`.
[[nodiscard]] Expected<ProviderMail> parse_mailgun(const FormParts& fields);

/// Postmark inbound JSON. kInvalidInput for bad JSON or wrongly typed fields.
[[nodiscard]] Expected<ProviderMail> parse_postmark(std::string_view body);

/// SendGrid Inbound Parse fields, parsed or "Send Raw" mode. Fields named in `charsets` are
/// converted to UTF-8. kInvalidInput for malformed `envelope`/`charsets` JSON or a raw `email`
/// that is not a MIME message.
[[nodiscard]] Expected<ProviderMail> parse_sendgrid(const FormParts& fields);

}  // namespace steward::email::detail
