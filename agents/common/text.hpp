#pragma once
// Helpers every agent needs to draft text: reading its files, rendering plain-text mustache
// templates, and Slack-safe text and Block Kit text objects. Pure apart from read_file().

#include <boost/json/object.hpp>
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

/// Escapes & < > for Slack mrkdwn/plain text (Slack's three control characters).
std::string slack_escape(std::string_view text);

/// Block Kit text objects.
boost::json::object plain_text(std::string text);
boost::json::object mrkdwn(std::string text);

}  // namespace steward::agents::common
