#pragma once
// Helpers every agent needs to draft text: reading its files, rendering plain-text mustache
// templates, one-line fields and Block Kit text objects. Pure apart from read_file().
// The general text helpers (trim, lower, truncate_utf8, slack_escape) are in bot/core/text.hpp.

#include <boost/json/object.hpp>
#include <cstddef>
#include <filesystem>
#include <kainjow/mustache.hpp>
#include <string>
#include <string_view>

#include "bot/core/expected.hpp"

namespace steward::agents::common {

/// The whole file. kNotFound "PATH: file not found", kInvalidInput when it cannot be read.
/// Blocking (disk); agents call it at start-up only.
[[nodiscard]] Expected<std::string> read_file(const std::filesystem::path& path);

/// Renders a mustache template as plain text (nothing is HTML-escaped). kInternal
/// "<what>: <mustache error>" for a template that does not compile or render.
[[nodiscard]] Expected<std::string> render(const std::string& tmpl_text,
                                           const kainjow::mustache::data& data,
                                           std::string_view what);

/// `s` on one line: every control character (CR, LF, tab, … and DEL) and space becomes a
/// separator, runs of separators become one space, none at either end. For subjects, names
/// and other fields shown in one line of a Slack post or an email header.
std::string one_line(std::string_view s);

/// How much of one value from outside (a name, a subject) a Slack post shows, in bytes.
inline constexpr std::size_t kMaxFieldChars = 200;
/// A section's text, in bytes: Slack's limit is 3000 characters; the rest is margin.
inline constexpr std::size_t kMaxSectionChars = 2900;

/// Block Kit text objects.
boost::json::object plain_text(std::string text);
boost::json::object mrkdwn(std::string text);

}  // namespace steward::agents::common
