// Slack v0 request signatures: verify_signature() over (secret, timestamp, signature, body).
//
// Input: "<secret>\n<X-Slack-Request-Timestamp>\n<X-Slack-Signature>\n<body…>". A signature
// line of exactly "*" is replaced by the correct signature (compute_signature), so the accept
// path and the checks after the HMAC are reached too. The clock stands at 1700000000.
//
// Invariants: an accepted request has a non-empty secret, a digits-only timestamp within the
// window and exactly the expected signature; a correctly signed fresh request is accepted; the
// same signature over a body with one byte changed is refused; error messages never contain
// the expected signature.

#include <chrono>
#include <cstdint>
#include <string>

#include "bot/core/clock.hpp"
#include "connectors/slack/signature.hpp"
#include "tests/fuzz/fuzz_util.hpp"

namespace {

constexpr std::int64_t kNow = 1700000000;
constexpr std::int64_t kWindow = 300;

bool digits_only(std::string_view s) {
  if (s.empty() || s.size() > 18) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace steward;
  std::string_view rest = fuzz::as_text(data, size);
  const std::string_view secret = fuzz::take_line(rest);
  const std::string_view timestamp = fuzz::take_line(rest);
  const std::string_view signature_line = fuzz::take_line(rest);
  const std::string_view body = rest;

  const std::string expected = slack::compute_signature(secret, timestamp, body);
  const bool computed = signature_line == "*";
  const std::string signature = computed ? expected : std::string(signature_line);
  const TimePoint now = from_unix_ms(kNow * 1000);

  auto result = slack::verify_signature(secret, timestamp, signature, body, now,
                                        std::chrono::seconds(kWindow));

  bool fresh = false;
  if (digits_only(timestamp)) {
    const std::int64_t ts = std::stoll(std::string(timestamp));
    fresh = (ts >= kNow ? ts - kNow : kNow - ts) <= kWindow;
  }
  if (result) {
    fuzz::require(!secret.empty(), "accepted without a secret");
    fuzz::require(fresh, "accepted a stale or malformed timestamp");
    fuzz::require(signature == expected, "accepted a wrong signature");
  } else {
    fuzz::require(result.error().message.find(expected.substr(3)) == std::string::npos,
                  "error message leaks the expected signature");
    if (computed && fresh && !secret.empty())
      fuzz::require(false, "refused a correctly signed fresh request");
  }

  if (computed && !body.empty()) {
    std::string tampered(body);
    tampered[tampered.size() / 2] = static_cast<char>(tampered[tampered.size() / 2] ^ 0x01);
    auto forged = slack::verify_signature(secret, timestamp, signature, tampered, now,
                                          std::chrono::seconds(kWindow));
    fuzz::require(!forged, "accepted a signature over a different body");
  }
  return 0;
}
