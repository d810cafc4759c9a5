#pragma once
// The keyword form shared by the rules loader and the classifier (internal to support_triage).

#include <string>
#include <string_view>

namespace steward::agents::support::detail {

/// The form both keywords and the searched text take: ASCII lower case, typographic apostrophes
/// as ', every run of white space (and no-break spaces) as one space, trimmed. Pure.
std::string normalise(std::string_view s);

/// True when `s` holds a control character other than white space (or DEL). Pure.
bool has_control(std::string_view s);

}  // namespace steward::agents::support::detail
