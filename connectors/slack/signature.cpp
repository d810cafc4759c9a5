#include "connectors/slack/signature.hpp"

#include <charconv>
#include <cstdint>
#include <string>

#include "connectors/common/crypto.hpp"

namespace steward::slack {

namespace {
constexpr std::size_t kHexSignatureLength = 64;

bool is_lower_hex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}
}  // namespace

std::string compute_signature(std::string_view signing_secret, std::string_view timestamp,
                              std::string_view raw_body) {
  std::string base;
  base.reserve(3 + timestamp.size() + 1 + raw_body.size());
  base.append("v0:").append(timestamp).append(":").append(raw_body);
  return "v0=" + connectors::to_hex(connectors::hmac_sha256(signing_secret, base));
}

[[nodiscard]] Expected<void> verify_signature(std::string_view signing_secret,
                                              std::string_view timestamp_header,
                                              std::string_view signature_header,
                                              std::string_view raw_body, TimePoint now,
                                              std::chrono::seconds window) {
  if (signing_secret.empty()) return fail(Errc::kInternal, "signing secret not configured");
  if (timestamp_header.empty())
    return fail(Errc::kUnauthenticated, "missing X-Slack-Request-Timestamp");
  // Digits only: from_chars alone would accept a leading '-' and ignore trailing garbage.
  std::int64_t ts = 0;
  bool digits_only = timestamp_header.size() <= 18;
  for (char c : timestamp_header)
    if (c < '0' || c > '9') digits_only = false;
  auto [ptr, ec] = std::from_chars(timestamp_header.data(),
                                   timestamp_header.data() + timestamp_header.size(), ts);
  if (!digits_only || ec != std::errc() || ptr != timestamp_header.data() + timestamp_header.size())
    return fail(Errc::kUnauthenticated, "invalid X-Slack-Request-Timestamp");
  std::int64_t now_s = to_unix_seconds(now);
  std::int64_t skew = now_s >= ts ? now_s - ts : ts - now_s;
  if (skew > window.count())
    return fail(Errc::kUnauthenticated, "stale timestamp (" + std::to_string(skew) +
                                            " s from now, window " +
                                            std::to_string(window.count()) + " s)");

  if (signature_header.empty()) return fail(Errc::kUnauthenticated, "missing X-Slack-Signature");
  auto eq = signature_header.find('=');
  if (eq == std::string_view::npos)
    return fail(Errc::kUnauthenticated, "malformed X-Slack-Signature");
  if (signature_header.substr(0, eq) != "v0")
    return fail(Errc::kUnauthenticated, "unsupported signature version");
  auto hex = signature_header.substr(eq + 1);
  if (hex.size() != kHexSignatureLength || !is_lower_hex(hex))
    return fail(Errc::kUnauthenticated, "malformed X-Slack-Signature");

  std::string expected = compute_signature(signing_secret, timestamp_header, raw_body);
  if (!connectors::constant_time_equal(expected, signature_header))
    return fail(Errc::kUnauthenticated, "signature mismatch");
  return {};
}

}  // namespace steward::slack
