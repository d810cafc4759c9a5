#pragma once
// Signed reply addresses: "reply+<conversation>.<mac>@<reply domain>". A customer's reply to
// Steward's mail comes back to that address, so it threads even when the mail client drops
// In-Reply-To; the MAC stops anyone from attaching mail to a conversation they were not in.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bot/core/expected.hpp"
#include "bot/core/secret.hpp"

namespace steward::email {

/// Where reply tokens live and how they are signed (`[email] reply_domain`, `reply_secret`).
struct ReplyTokenConfig {
  std::string local = "reply";  ///< the part before '+'
  std::string domain;           ///< e.g. "in.acme.example"
  Secret secret;                ///< empty: no tokens are made or accepted
  [[nodiscard]] bool enabled() const { return !secret.empty() && !domain.empty(); }
};

/// "<conversation_id>.<first 20 hex digits of HMAC-SHA256(secret, "steward-reply:" + id)>".
/// `conversation_id` must consist of [A-Za-z0-9_-] (store ids do); pure, thread-safe.
std::string make_reply_token(std::string_view conversation_id, const Secret& secret);

/// The full address "local+token@domain" for a conversation (config must be enabled()).
std::string reply_address(std::string_view conversation_id, const ReplyTokenConfig& config);

/// The conversation id a token names. kInvalidInput for a malformed token, kUnauthenticated
/// when the MAC does not match (constant-time compare).
[[nodiscard]] Expected<std::string> verify_reply_token(std::string_view token,
                                                       const Secret& secret);

/// The token of the first address of the form "<local>+<token>@<domain>" (local part and
/// domain compared case-insensitively; a display name or angle brackets around the address
/// are allowed), or nullopt.
std::optional<std::string> find_reply_token(const std::vector<std::string>& addresses,
                                            const ReplyTokenConfig& config);

}  // namespace steward::email
