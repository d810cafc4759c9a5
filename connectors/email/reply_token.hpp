#pragma once
// Signed reply addresses: "reply+<conversation>.<mac>@<reply domain>". A customer's reply to
// Steward's mail comes back to that address, so it threads even when the mail client drops
// In-Reply-To; the MAC stops anyone from attaching mail to a conversation they were not in.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bot/core/expected.hpp"
#include "bot/core/mailbox.hpp"
#include "bot/core/secret.hpp"

namespace steward::email {

/// Where reply tokens live and how they are signed (`[email] reply_domain`, `reply_secret`).
struct ReplyTokenConfig {
  std::string local = "reply";  ///< the part before '+'
  std::string domain;           ///< e.g. "in.acme.example"
  Secret secret;                ///< empty: no tokens are made or accepted
  [[nodiscard]] bool enabled() const { return !secret.empty() && !domain.empty(); }
};

/// "<conversation_id>.<first 20 hex digits of HMAC-SHA256(secret, "steward-reply:" + id + "\n"
/// + mailbox_identity(recipient))>". The token is bound to the mailbox it was sent to, so a
/// token that leaks (a forwarded mail, a CC) does not let anyone else write into the
/// conversation. `conversation_id` must consist of [A-Za-z0-9_-] (store ids do); pure,
/// thread-safe.
std::string make_reply_token(std::string_view conversation_id, std::string_view recipient,
                             const Secret& secret);

/// The full address "local+token@domain" for mail to `recipient` in a conversation (config must
/// be enabled()).
std::string reply_address(std::string_view conversation_id, std::string_view recipient,
                          const ReplyTokenConfig& config);

/// The conversation a token names when `sender` is the mailbox it was made for (case and
/// "+tag" of the sender ignored). kInvalidInput for a malformed token, kUnauthenticated when
/// the MAC does not match this sender and secret (constant-time compare).
[[nodiscard]] Expected<std::string> verify_reply_token(std::string_view token,
                                                       std::string_view sender,
                                                       const Secret& secret);

/// The tokens of every address of the form "<local>+<token>@<domain>" (local part and domain
/// compared case-insensitively; a display name or angle brackets around the address are
/// allowed), in order, without repeats. A mail may reach several reply addresses (To, Cc,
/// envelope): each one must be tried, not only the first.
std::vector<std::string> find_reply_tokens(const std::vector<std::string>& addresses,
                                           const ReplyTokenConfig& config);

}  // namespace steward::email
