#pragma once
// Text from a request made safe for one log line: control characters (CR, LF, ESC, NUL, …)
// become \xNN, so a crafted path or field cannot start a forged log line or move the terminal.

#include <cstddef>
#include <string>
#include <string_view>

namespace steward {

/// `text` with bytes below 0x20 and 0x7F escaped as \xNN, cut at `max` input bytes ("…" marks
/// the cut). Bytes ≥ 0x80 pass unchanged (UTF-8 names stay readable). Never fails.
inline std::string printable(std::string_view text, std::size_t max = 200) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  const std::size_t n = text.size() < max ? text.size() : max;
  out.reserve(n + 8);
  for (std::size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7F) {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  if (n < text.size()) out += "…";
  return out;
}

}  // namespace steward
