#pragma once
// Webhook signatures of form providers: `sha256=<base64(HMAC-SHA256(secret, raw body))>`.
// Typeform sends it in `Typeform-Signature`; Steward's JSON format uses the same scheme in
// `X-Steward-Signature`. Pure functions, thread-safe, non-blocking.

#include <string>
#include <string_view>

#include "bot/core/expected.hpp"
#include "bot/core/secret.hpp"

namespace steward::forms {

/// Checks `header_value` against the HMAC of the exact raw body bytes, in constant time.
/// @return nothing on success;
///   kInternal "form secret not configured" when `secret` is empty;
///   kUnauthenticated "missing signature header" when `header_value` is empty,
///   "signature must start with sha256=" on a wrong prefix, "signature mismatch" otherwise.
///   Messages never contain the secret or the expected signature.
[[nodiscard]] Expected<void> verify_signature(const Secret& secret, std::string_view header_value,
                                              std::string_view raw_body);

/// The header value a sender must put on `body`: "sha256=<base64(HMAC-SHA256(secret, body))>".
/// For scripts (sign-webhook helper) and tests.
std::string sign_body(const Secret& secret, std::string_view body);

}  // namespace steward::forms
