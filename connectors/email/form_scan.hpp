#pragma once
// The linear pre-scan of form bodies that runs before any parser or authentication: the
// part/field caps, and Mailgun's signature fields read without decoding the rest, so an
// unsigned 10 MB body costs a scan, not a MIME parse. Pure; thread-safe.

#include <cstddef>
#include <string_view>

#include "bot/core/expected.hpp"
#include "connectors/email/inbound.hpp"

namespace steward::email::detail {

/// Caps on one form body, enforced by a linear scan before GMime or the urlencoded decoder
/// sees it. Mailgun and SendGrid send ~20-30 text fields plus one part per attachment; 1,000
/// parts is far beyond any real mail (inside the 10 MiB body limit that leaves ~10 KB per
/// part), while a body of 166k tiny parts is refused after its first thousand part headers
/// instead of being decoded part by part. Exceeding either cap is kTooLarge (413): the body
/// is well formed, it is only bigger than Steward accepts.
inline constexpr std::size_t kMaxFormParts = 1000;
/// One part's header block (Content-Disposition, Content-Type, Content-Transfer-Encoding):
/// a few hundred bytes in practice, so 8 KiB leaves room for a long RFC 2231 filename.
inline constexpr std::size_t kMaxPartHeaderBytes = 8192;

/// Called for each complete part of a multipart body: its Content-Disposition `name` (as a
/// plain or quoted parameter; "" when absent or RFC 2231-encoded) and its raw content, not
/// transfer-decoded. The views point into the body.
using PartVisitor = void (*)(void* context, std::string_view name, std::string_view content);

/// Linear pre-scan of a multipart/form-data body (no GMime, no copy of the body): finds the
/// delimiter lines, enforces kMaxFormParts and kMaxPartHeaderBytes and stops at the closing
/// delimiter or at the first cap exceeded. On a well-formed body it sees the parts GMime
/// sees (a last part cut off by the end of the body included); on a malformed one the two
/// may differ, which is why EmailInbound confirms the signed fields against the full parse. Returns
/// the number of parts. Errors: kInvalidInput (no boundary parameter, control characters in the
/// content type), kTooLarge (a cap).
[[nodiscard]] Expected<std::size_t> scan_multipart_form(std::string_view content_type,
                                                        std::string_view body,
                                                        PartVisitor visit = nullptr,
                                                        void* context = nullptr);

/// Mailgun's signature fields (`timestamp`, `token`, `signature`) read by a linear scan of
/// an urlencoded or multipart body, without decoding the other fields. Each must appear
/// exactly once: a missing or repeated field is kUnauthenticated, so a second `signature`
/// hidden in the body can never be the one verified. Also kUnsupportedMedia (another content
/// type), kInvalidInput (multipart without a boundary) and kTooLarge (kMaxFormParts,
/// kMaxPartHeaderBytes). Values are as the full parse decodes them for plain fields;
/// EmailInbound confirms that against the full parse anyway.
[[nodiscard]] Expected<MailgunSignature> scan_mailgun_signature(std::string_view content_type,
                                                                std::string_view body);

/// Counts the non-empty pairs of an urlencoded body without decoding them. kTooLarge past
/// kMaxFormParts.
[[nodiscard]] Expected<std::size_t> scan_urlencoded_fields(std::string_view body);

}  // namespace steward::email::detail
