#pragma once
// Signing test requests as the senders do: the forms webhook HMAC and Slack's v0 signature.

#include <ctime>
#include <string>

#include "connectors/common/crypto.hpp"

namespace steward::testing {

/// X-Steward-Signature / Typeform-Signature for a form body.
inline std::string form_signature(const std::string& secret, const std::string& body) {
  return "sha256=" + connectors::base64_encode(connectors::hmac_sha256(secret, body));
}

/// Slack's v0 request signature.
inline std::string slack_signature(const std::string& secret, const std::string& ts,
                                   const std::string& body) {
  return "v0=" + connectors::to_hex(connectors::hmac_sha256(secret, "v0:" + ts + ":" + body));
}

/// Unix seconds now plus `offset`, as Slack's X-Slack-Request-Timestamp and Mailgun's
/// timestamp carry them.
inline std::string now_ts(long offset = 0) { return std::to_string(std::time(nullptr) + offset); }

}  // namespace steward::testing
