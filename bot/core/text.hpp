#pragma once
// The small text helpers every module needs, written once: ASCII case folding (protocol words,
// domains, header names are ASCII; other bytes pass unchanged), trimming with one set of blanks
// and cutting UTF-8 without splitting a character. Pure, thread-safe, no locale.

#include <cstddef>
#include <string>
#include <string_view>

namespace steward {

/// The blanks trim() removes: space, tab, CR and LF.
inline constexpr std::string_view kBlanks = " \t\r\n";

/// True for a character of kBlanks.
constexpr bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/// `s` without leading and trailing blanks (a view into `s`).
constexpr std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

/// ASCII lower case of one character; every other byte unchanged.
constexpr char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

/// `s` with ASCII letters lower-cased; other bytes (UTF-8 included) unchanged.
std::string lower(std::string_view s);

/// ASCII case-insensitive equality.
bool iequals(std::string_view a, std::string_view b);

/// ASCII case-insensitive prefix / suffix tests.
bool istarts_with(std::string_view s, std::string_view prefix);
bool iends_with(std::string_view s, std::string_view suffix);

/// At most `max` bytes of `s`, cut before a UTF-8 character rather than inside one, with "…"
/// appended when anything was cut (so the result may be up to 3 bytes longer than `max`).
std::string truncate_utf8(std::string_view s, std::size_t max);

/// A number as people write it: a whole number without a fraction ("50000", not "50000.0"),
/// any other with up to 12 significant digits ("0.25", "1e+20").
std::string format_number(double d);

/// `text` with every CRLF and lone CR turned into LF.
std::string to_lf(std::string_view text);

/// `text` for Slack's text objects (mrkdwn and plain_text): its three control characters
/// & < > as &amp; &lt; &gt; (& first, so nothing is escaped twice). What an agent, the runtime
/// or the Slack connector puts into a message from outside goes through this one function.
std::string slack_escape(std::string_view text);

}  // namespace steward
