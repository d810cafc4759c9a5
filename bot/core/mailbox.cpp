#include "bot/core/mailbox.hpp"

namespace steward {

namespace {
bool blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
}  // namespace

std::string_view bare_address(std::string_view text) {
  auto open = text.rfind('<');
  if (open != std::string_view::npos) {
    auto close = text.find('>', open);
    text = text.substr(open + 1, close == std::string_view::npos ? close : close - open - 1);
  }
  while (!text.empty() && blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && blank(text.back())) text.remove_suffix(1);
  return text;
}

std::string mailbox_identity(std::string_view address) {
  std::string_view addr = bare_address(address);
  auto at = addr.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= addr.size()) return {};
  std::string_view local = addr.substr(0, at);
  // A quoted local part ("a+b"@x) is its own mailbox; only plain local parts carry tags.
  if (local.front() != '"') {
    auto plus = local.find('+');
    if (plus == 0) return {};
    if (plus != std::string_view::npos) local = local.substr(0, plus);
  }
  std::string out;
  out.reserve(local.size() + addr.size() - at);
  auto put = [&out](std::string_view s) {
    for (char c : s) out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  };
  put(local);
  put(addr.substr(at));
  return out;
}

bool same_mailbox(std::string_view a, std::string_view b) {
  auto x = mailbox_identity(a);
  return !x.empty() && x == mailbox_identity(b);
}

}  // namespace steward
