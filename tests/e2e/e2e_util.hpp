#pragma once
// Small helpers shared by the end-to-end tests (signatures, JSON digging, files).

#include <boost/json.hpp>
#include <ctime>
#include <filesystem>
#include <string>
#include <string_view>

#include "connectors/common/crypto.hpp"

namespace steward::e2e {

/// X-Steward-Signature / Typeform-Signature for a form body.
inline std::string form_signature(const std::string& secret, const std::string& body) {
  return "sha256=" + connectors::base64_encode(connectors::hmac_sha256(secret, body));
}

/// Slack's v0 request signature.
inline std::string slack_signature(const std::string& secret, const std::string& ts,
                                   const std::string& body) {
  return "v0=" + connectors::to_hex(connectors::hmac_sha256(secret, "v0:" + ts + ":" + body));
}

inline std::string now_ts(long offset = 0) { return std::to_string(std::time(nullptr) + offset); }

/// Finds the `value` of the first button with `action_id` anywhere in a JSON tree.
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

/// A string member of a JSON object, "" when absent.
inline std::string str(const boost::json::value& body, std::string_view key) {
  if (!body.is_object()) return {};
  auto it = body.get_object().find(key);
  if (it == body.get_object().end() || !it->value().is_string()) return {};
  return std::string(it->value().get_string());
}

inline std::size_t count_files(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) return 0;
  std::size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec))
    n += e.is_regular_file() ? 1 : 0;
  return n;
}

}  // namespace steward::e2e
