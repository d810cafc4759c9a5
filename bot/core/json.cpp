#include "bot/core/json.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>
#include <boost/json/serialize.hpp>
#include <cmath>
#include <limits>

namespace steward::json {

std::optional<std::string> get_string(const boost::json::object& obj, std::string_view key) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->value().is_string()) return std::nullopt;
  return std::string(it->value().get_string());
}

std::string string_or(const boost::json::object& obj, std::string_view key,
                      std::string_view fallback) {
  auto s = get_string(obj, key);
  return s ? *s : std::string(fallback);
}

namespace {
std::optional<std::int64_t> as_int(const boost::json::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) {
    if (v.get_uint64() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      return std::nullopt;
    return static_cast<std::int64_t>(v.get_uint64());
  }
  if (v.is_double()) {
    double d = v.get_double();
    if (std::isfinite(d) && std::trunc(d) == d && std::fabs(d) < 9.0e18)
      return static_cast<std::int64_t>(d);
  }
  return std::nullopt;
}
}  // namespace

std::optional<std::int64_t> get_int(const boost::json::object& obj, std::string_view key) {
  auto it = obj.find(key);
  if (it == obj.end()) return std::nullopt;
  return as_int(it->value());
}

std::optional<bool> get_bool(const boost::json::object& obj, std::string_view key) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->value().is_bool()) return std::nullopt;
  return it->value().get_bool();
}

std::optional<double> get_number(const boost::json::object& obj, std::string_view key) {
  auto it = obj.find(key);
  if (it == obj.end()) return std::nullopt;
  const auto& v = it->value();
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  if (v.is_double()) return v.get_double();
  return std::nullopt;
}

const boost::json::object* get_object(const boost::json::object& obj, std::string_view key) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->value().is_object()) return nullptr;
  return &it->value().get_object();
}

const boost::json::value* find_path(const boost::json::object& obj, std::string_view dotted) {
  const boost::json::object* cur = &obj;
  while (true) {
    auto dot = dotted.find('.');
    auto key = dotted.substr(0, dot);
    auto it = cur->find(key);
    if (it == cur->end()) return nullptr;
    if (dot == std::string_view::npos) return &it->value();
    if (!it->value().is_object()) return nullptr;
    cur = &it->value().get_object();
    dotted.remove_prefix(dot + 1);
  }
}

namespace {

/// True when any number in `v` is infinite (the parser never produces NaN). Recursion is bounded
/// by the parser's max_depth.
bool has_non_finite(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::double_: return !std::isfinite(v.get_double());
    case boost::json::kind::array:
      for (const auto& e : v.get_array())
        if (has_non_finite(e)) return true;
      return false;
    case boost::json::kind::object:
      for (const auto& kv : v.get_object())
        if (has_non_finite(kv.value())) return true;
      return false;
    default: return false;
  }
}

}  // namespace

[[nodiscard]] Expected<boost::json::value> parse(std::string_view text, std::size_t max_depth) {
  boost::json::parse_options opt;
  opt.max_depth = max_depth;
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec, {}, opt);
  if (ec) return fail(Errc::kInvalidInput, "invalid JSON: " + ec.message());
  // Boost.JSON reads a number beyond double's range (1e999) as infinity, and serialize() then
  // writes "Infinity", which is not JSON: a payload stored with dump() could never be read back.
  if (has_non_finite(v)) return fail(Errc::kInvalidInput, "invalid JSON: number out of range");
  return v;
}

[[nodiscard]] Expected<boost::json::object> parse_object(std::string_view text,
                                                         std::size_t max_depth) {
  auto v = parse(text, max_depth);
  if (!v) return Unexpected(v.error());
  if (!v->is_object()) return fail(Errc::kInvalidInput, "JSON body must be an object");
  return std::move(v->get_object());
}

std::string dump(const boost::json::value& v) { return boost::json::serialize(v); }

}  // namespace steward::json
