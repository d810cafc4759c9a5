#pragma once
// Private to the email connector: the HTML alternative of a plain-text message.

#include <string>
#include <string_view>

namespace steward::email::detail {

/// Plain text (LF line breaks) as a small HTML document: runs of blank lines separate
/// paragraphs, the other line breaks become <br>, and &, <, >, " and ' are escaped. Pure.
[[nodiscard]] std::string text_to_html(std::string_view text);

}  // namespace steward::email::detail
