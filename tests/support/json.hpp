#pragma once
// Digging values out of the JSON the fakes record and Steward answers.

#include <boost/json.hpp>
#include <string>
#include <string_view>

namespace steward::testing {

/// A string member of a JSON object, "" when absent or not a string.
inline std::string jstr(const boost::json::value& v, std::string_view key) {
  if (!v.is_object()) return {};
  auto it = v.get_object().find(key);
  return it != v.get_object().end() && it->value().is_string()
             ? std::string(it->value().get_string())
             : std::string();
}

/// The `value` of the first button with `action_id` anywhere in a JSON tree, "" when none.
inline std::string find_button_value(const boost::json::value& v, std::string_view action_id) {
  if (v.is_object()) {
    const auto& o = v.get_object();
    if (auto it = o.find("action_id");
        it != o.end() && it->value().is_string() && it->value().get_string() == action_id) {
      if (auto val = o.find("value"); val != o.end() && val->value().is_string())
        return std::string(val->value().get_string());
    }
    for (const auto& kv : o)
      if (auto s = find_button_value(kv.value(), action_id); !s.empty()) return s;
  } else if (v.is_array()) {
    for (const auto& e : v.get_array())
      if (auto s = find_button_value(e, action_id); !s.empty()) return s;
  }
  return {};
}

}  // namespace steward::testing
