#include "connectors/email/reply_token.hpp"

#include <algorithm>

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

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
    return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  });
  return out;
}

std::string mac_of(std::string_view conversation_id, const Secret& secret) {
  return to_hex(hmac_sha256(secret.reveal(), "steward-reply:" + std::string(conversation_id)))
      .substr(0, kMacHex);
}

/// The bare addr-spec of "Name <addr>" or "addr".
std::string_view bare_address(std::string_view text) {
  auto open = text.rfind('<');
  if (open != std::string_view::npos) {
    auto close = text.find('>', open);
    if (close != std::string_view::npos) return text.substr(open + 1, close - open - 1);
  }
  auto b = text.find_first_not_of(" \t");
  auto e = text.find_last_not_of(" \t");
  return b == std::string_view::npos ? std::string_view{} : text.substr(b, e - b + 1);
}

}  // namespace

std::string make_reply_token(std::string_view conversation_id, const Secret& secret) {
  return std::string(conversation_id) + "." + mac_of(conversation_id, secret);
}

std::string reply_address(std::string_view conversation_id, const ReplyTokenConfig& config) {
  return config.local + "+" + make_reply_token(conversation_id, config.secret) + "@" +
         config.domain;
}

Expected<std::string> verify_reply_token(std::string_view token, const Secret& secret) {
  auto dot = token.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || token.size() - dot - 1 != kMacHex)
    return fail(Errc::kInvalidInput, "malformed reply token");
  auto id = token.substr(0, dot);
  if (id.size() > kMaxConversationId || !std::all_of(id.begin(), id.end(), id_char))
    return fail(Errc::kInvalidInput, "malformed reply token");
  // Mail systems may change the case of a local part; the MAC is hex, compare it lower-cased.
  if (secret.empty() || !constant_time_equal(lower(token.substr(dot + 1)), mac_of(id, secret)))
    return fail(Errc::kUnauthenticated, "reply token signature does not match");
  return std::string(id);
}

std::optional<std::string> find_reply_token(const std::vector<std::string>& addresses,
                                            const ReplyTokenConfig& config) {
  if (!config.enabled()) return std::nullopt;
  const std::string prefix = lower(config.local) + "+";
  const std::string domain = lower(config.domain);
  for (const auto& text : addresses) {
    std::string_view addr = bare_address(text);
    auto at = addr.rfind('@');
    if (at == std::string_view::npos) continue;
    std::string local(addr.substr(0, at));
    if (lower(addr.substr(at + 1)) != domain) continue;
    if (local.size() <= prefix.size() || lower(local.substr(0, prefix.size())) != prefix) continue;
    return local.substr(prefix.size());
  }
  return std::nullopt;
}

}  // namespace steward::email
