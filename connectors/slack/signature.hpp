#pragma once
// Verification of Slack's v0 request signatures (HTTP mode: events, commands, interactivity).

#include <chrono>
#include <string_view>

#include "bot/core/clock.hpp"
#include "bot/core/expected.hpp"

namespace steward::slack {

/// Verifies `X-Slack-Signature` / `X-Slack-Request-Timestamp` over the raw body bytes:
/// `v0=` + hex(HMAC-SHA256(secret, "v0:" + timestamp + ":" + raw_body)), compared in constant
/// time, with a symmetric replay window (|now - timestamp| > window is rejected; exactly
/// `window` is still accepted).
/// @return kUnauthenticated with a precise reason ("missing X-Slack-Request-Timestamp",
///         "invalid X-Slack-Request-Timestamp", "stale timestamp", "missing X-Slack-Signature",
///         "unsupported signature version", "malformed X-Slack-Signature", "signature mismatch");
///         kInternal "signing secret not configured" when the secret is empty. Messages never
///         contain the secret or the expected signature.
/// @par Thread safety: pure; safe to call concurrently.
[[nodiscard]] Expected<void> verify_signature(
    std::string_view signing_secret, std::string_view timestamp_header,
    std::string_view signature_header, std::string_view raw_body, TimePoint now,
    std::chrono::seconds window = std::chrono::seconds(300));

/// Computes the `v0=<hex>` signature Slack would send (for tests and the sign-webhook helper).
[[nodiscard]] std::string compute_signature(std::string_view signing_secret,
                                            std::string_view timestamp, std::string_view raw_body);

}  // namespace steward::slack
