#include "bot/core/mailbox.hpp"

#include "bot/core/printable.hpp"
#include "bot/core/text.hpp"

namespace steward {

std::string_view bare_address(std::string_view text) {
  auto open = text.rfind('<');
  if (open != std::string_view::npos) {
    auto close = text.find('>', open);
    text = text.substr(open + 1, close == std::string_view::npos ? close : close - open - 1);
  }
  return trim(text);
}

bool is_email_address(std::string_view text) {
  if (text.empty() || text.size() > 254) return false;
  // Whatever printable() would escape: C1 controls, line separators, bidi overrides, bad UTF-8.
  if (printable(text, text.size()) != text) return false;
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7F) return false;
  }
  if (text.find_first_of("<>,;\"\\") != std::string_view::npos) return false;
  auto at = text.find('@');
  if (at == std::string_view::npos || at == 0 || text.find('@', at + 1) != std::string_view::npos)
    return false;
  auto domain = text.substr(at + 1);
  return domain.find('.') != std::string_view::npos && domain.front() != '.' &&
         domain.back() != '.' && domain.find("..") == std::string_view::npos;
}

bool is_ascii_email_address(std::string_view text) {
  for (char c : text)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return is_email_address(text);
}

std::string email_domain(std::string_view address) {
  auto open = address.rfind('<');
  if (open != std::string_view::npos && address.find('>', open) == std::string_view::npos)
    return {};
  std::string_view addr = bare_address(address);
  auto at = addr.rfind('@');
  if (at == std::string_view::npos || at == 0) return {};
  std::string_view domain = addr.substr(at + 1);
  if (!domain.empty() && domain.back() == '.') domain.remove_suffix(1);
  if (domain.empty() || domain.find_first_of(" \t\r\n<>\",;") != std::string_view::npos) return {};
  return lower(domain);
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
  out += lower(local);
  out += lower(addr.substr(at));
  return out;
}

bool same_mailbox(std::string_view a, std::string_view b) {
  auto x = mailbox_identity(a);
  return !x.empty() && x == mailbox_identity(b);
}

}  // namespace steward
