#pragma once
// application/x-www-form-urlencoded decoding (Slack commands and interactivity, HTML forms).

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bot/core/expected.hpp"

namespace steward::connectors {

using FormFields = std::vector<std::pair<std::string, std::string>>;

/// Percent-decodes one component ('+' is a space). kInvalidInput on a bad escape.
[[nodiscard]] Expected<std::string> url_decode(std::string_view in);
/// Percent-encodes one component (unreserved characters kept, space as %20).
std::string url_encode(std::string_view in);
/// Splits and decodes a urlencoded body, keeping order and repeated keys.
[[nodiscard]] Expected<FormFields> parse_form(std::string_view body);
/// The first value for `key`, or nullptr.
const std::string* form_get(const FormFields& fields, std::string_view key);

}  // namespace steward::connectors
