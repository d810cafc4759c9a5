#include "connectors/email/reply_token.hpp"

#include <algorithm>

#include "bot/core/text.hpp"
#include "connectors/common/crypto.hpp"

namespace steward::email {

using connectors::constant_time_equal;
using connectors::hmac_sha256;
using connectors::to_hex;

namespace {

constexpr std::size_t kMacHex = 20;  // 80 bits: unguessable, short enough for an address
/// Longest conversation id a token may carry: what compose_email() accepts for conversation_id,
/// so every Reply-To we send can be verified when the reply comes back.
constexpr std::size_t kMaxConversationId = 128;

bool id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

std::string mac_of(std::string_view conversation_id, std::string_view recipient,
                   const Secret& secret) {
  return to_hex(hmac_sha256(secret.reveal(), "steward-reply:" + std::string(conversation_id) +
                                                 "\n" + mailbox_identity(recipient)))
      .substr(0, kMacHex);
}

}  // namespace

std::string make_reply_token(std::string_view conversation_id, std::string_view recipient,
                             const Secret& secret) {
  return std::string(conversation_id) + "." + mac_of(conversation_id, recipient, secret);
}

std::string reply_address(std::string_view conversation_id, std::string_view recipient,
                          const ReplyTokenConfig& config) {
  return config.local + "+" + make_reply_token(conversation_id, recipient, config.secret) + "@" +
         config.domain;
}

[[nodiscard]] Expected<std::string> verify_reply_token(std::string_view token,
                                                       std::string_view sender,
                                                       const Secret& secret) {
  auto dot = token.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || token.size() - dot - 1 != kMacHex)
    return fail(Errc::kInvalidInput, "malformed reply token");
  auto id = token.substr(0, dot);
  if (id.size() > kMaxConversationId || !std::all_of(id.begin(), id.end(), id_char))
    return fail(Errc::kInvalidInput, "malformed reply token");
  // Without a sender there is no mailbox the token could have been made for.
  if (secret.empty() || mailbox_identity(sender).empty())
    return fail(Errc::kUnauthenticated, "reply token cannot be checked for this sender");
  // Mail systems may change the case of a local part; the MAC is hex, compare it lower-cased.
  if (!constant_time_equal(lower(token.substr(dot + 1)), mac_of(id, sender, secret)))
    return fail(Errc::kUnauthenticated, "reply token was not issued to this sender");
  return std::string(id);
}

std::vector<std::string> find_reply_tokens(const std::vector<std::string>& addresses,
                                           const ReplyTokenConfig& config) {
  std::vector<std::string> out;
  if (!config.enabled()) return out;
  const std::string prefix = lower(config.local) + "+";
  const std::string domain = lower(config.domain);
  for (const auto& text : addresses) {
    std::string_view addr = bare_address(text);
    auto at = addr.rfind('@');
    if (at == std::string_view::npos) continue;
    std::string local(addr.substr(0, at));
    if (lower(addr.substr(at + 1)) != domain) continue;
    if (local.size() <= prefix.size() || lower(local.substr(0, prefix.size())) != prefix) continue;
    std::string token = local.substr(prefix.size());
    if (std::find(out.begin(), out.end(), token) == out.end()) out.push_back(std::move(token));
  }
  return out;
}

}  // namespace steward::email
