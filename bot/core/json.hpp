#pragma once
// Small, non-throwing accessors over Boost.JSON values (Boost.JSON's at() throws).

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "bot/core/expected.hpp"

namespace steward::json {

/// The string at `key`, or nullopt when absent or not a string.
std::optional<std::string> get_string(const boost::json::object& obj, std::string_view key);
/// The string at `key`, or `fallback`.
std::string string_or(const boost::json::object& obj, std::string_view key,
                      std::string_view fallback = {});
/// An integer (int64, uint64 in range, or a double with no fraction) at `key`.
std::optional<std::int64_t> get_int(const boost::json::object& obj, std::string_view key);
/// A number (any JSON number) at `key`.
/// The boolean at `key`, or nullopt when absent or not a boolean.
std::optional<bool> get_bool(const boost::json::object& obj, std::string_view key);
std::optional<double> get_number(const boost::json::object& obj, std::string_view key);
/// The object at `key`, or nullptr.
const boost::json::object* get_object(const boost::json::object& obj, std::string_view key);
/// Follows a dotted path ("lead.score") through nested objects; nullptr when any step is missing.
const boost::json::value* find_path(const boost::json::object& obj, std::string_view dotted);

/// Parses text as JSON without throwing; kInvalidInput with the parser's reason on failure.
/// Rejects nesting deeper than `max_depth`.
[[nodiscard]] Expected<boost::json::value> parse(std::string_view text, std::size_t max_depth = 64);
/// Parses text that must be a JSON object.
[[nodiscard]] Expected<boost::json::object> parse_object(std::string_view text,
                                                         std::size_t max_depth = 64);
/// Serialises compactly.
std::string dump(const boost::json::value& v);

}  // namespace steward::json
