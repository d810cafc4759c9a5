#pragma once
// Text from outside made safe for one log line or a terminal. A crafted field must not start a
// forged log line (CR, LF, the Unicode line separators), drive the terminal (ESC, the C1
// controls such as U+009B CSI, a lone 0x9B byte, which is CSI on a Latin-1 terminal) or reorder
// what the reader sees (the bidirectional overrides and isolates).
//
// Two forms: printable() escapes, for log lines and diagnostics, where the reader must see
// exactly what was sent; single_line() replaces with a space, for one-line fields shown to
// people (a display name, a subject), where "\x0d\x0a" would only be noise.

#include <cstddef>
#include <string>
#include <string_view>

#include "bot/core/utf8.hpp"

namespace steward {

namespace printable_detail {

/// Code points that end a line, drive a terminal or reorder text.
constexpr bool unsafe(char32_t cp) {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 ||
         (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

inline void append_hex(std::string& out, unsigned value, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int shift = 4 * (digits - 1); shift >= 0; shift -= 4)
    out.push_back(kHex[(value >> shift) & 0xF]);
}

}  // namespace printable_detail

/// `text` for a log line or a terminal: bytes below 0x20, 0x7F and bytes that are not
/// well-formed UTF-8 become \xNN; the C1 controls (U+0080–U+009F), U+2028, U+2029 and the
/// bidirectional controls (U+202A–U+202E, U+2066–U+2069) become \uNNNN. Everything else —
/// printable ASCII and other UTF-8 — passes unchanged, so names stay readable. Cut after at
/// most `max` input bytes, never inside a UTF-8 sequence ("…" marks the cut). Never fails;
/// pure and thread-safe.
inline std::string printable(std::string_view text, std::size_t max = 200) {
  using namespace printable_detail;
  std::string out;
  out.reserve((text.size() < max ? text.size() : max) + 8);
  std::size_t i = 0;
  while (i < text.size()) {
    char32_t cp = 0;
    const std::size_t len = utf8_sequence(text, i, cp);
    if (i + (len ? len : 1) > max) break;
    if (len == 0 || (len == 1 && unsafe(cp))) {
      out += "\\x";
      append_hex(out, static_cast<unsigned char>(text[i]), 2);
      ++i;
    } else if (unsafe(cp)) {
      out += "\\u";
      append_hex(out, static_cast<unsigned>(cp), 4);
      i += len;
    } else {
      out.append(text.substr(i, len));
      i += len;
    }
  }
  if (i < text.size()) out += "…";
  return out;
}

/// `text` with every character printable() would escape replaced by one space (a CR LF pair
/// becomes one space), and nothing else changed: not cut, not trimmed. For display names and
/// subjects that are kept as data but must stay on one line wherever they are shown. Pure.
inline std::string single_line(std::string_view text) {
  using namespace printable_detail;
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    char32_t cp = 0;
    const std::size_t len = utf8_sequence(text, i, cp);
    if (len == 0 || unsafe(cp)) {
      if (!(text[i] == '\n' && i > 0 && text[i - 1] == '\r')) out.push_back(' ');
      i += len ? len : 1;
    } else {
      out.append(text.substr(i, len));
      i += len;
    }
  }
  return out;
}

}  // namespace steward
