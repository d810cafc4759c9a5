#include "connectors/forms/signature.hpp"

#include "connectors/common/crypto.hpp"

namespace steward::forms {

namespace {
constexpr std::string_view kPrefix = "sha256=";
}  // namespace

std::string sign_body(const Secret& secret, std::string_view body) {
  return std::string(kPrefix) +
         connectors::base64_encode(connectors::hmac_sha256(secret.reveal(), body));
}

[[nodiscard]] Expected<void> verify_signature(const Secret& secret, std::string_view header_value,
                                              std::string_view raw_body) {
  // An empty key would make every sender able to sign; that is our misconfiguration, not theirs.
  if (secret.empty()) return fail(Errc::kInternal, "form secret not configured");
  if (header_value.empty()) return fail(Errc::kUnauthenticated, "missing signature header");
  if (header_value.substr(0, kPrefix.size()) != kPrefix)
    return fail(Errc::kUnauthenticated, "signature must start with sha256=");
  // The prefix is part of the compared string (Typeform's scheme); lengths are public.
  if (!connectors::constant_time_equal(sign_body(secret, raw_body), header_value))
    return fail(Errc::kUnauthenticated, "signature mismatch");
  return {};
}

}  // namespace steward::forms
