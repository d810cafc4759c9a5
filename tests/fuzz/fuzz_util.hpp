#pragma once
// Helpers shared by the libFuzzer targets. Inputs are split on '\n' into a few header lines
// and a body, so seed files stay readable and easy to write by hand.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "bot/core/json.hpp"

namespace steward::fuzz {

/// Fails the run when a property of our code does not hold. Only for invariants (a verified
/// signature that should pass, a result that contradicts its input): rejected input is never
/// a reason to stop.
inline void require(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "fuzz invariant violated: %s\n", what);
  std::abort();
}

/// The input as text.
inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

/// Removes and returns the text up to the first '\n' (all of `rest` when there is none).
inline std::string_view take_line(std::string_view& rest) {
  const auto nl = rest.find('\n');
  if (nl == std::string_view::npos) {
    auto line = rest;
    rest = {};
    return line;
  }
  auto line = rest.substr(0, nl);
  rest.remove_prefix(nl + 1);
  return line;
}

/// JSON equality where doubles may differ in the last bits: Boost.JSON 1.81 reads long decimal
/// numbers without exact rounding, so "1844674000001037747753" may come back one ulp off after
/// serialize()/parse(). Everything else must be identical.
inline bool same_json(const boost::json::value& a, const boost::json::value& b) {
  if ((a.is_double() || b.is_double()) && a.is_number() && b.is_number()) {
    const double x = a.to_number<double>();
    const double y = b.to_number<double>();
    const double scale = std::max(std::fabs(x), std::fabs(y));
    return x == y || std::fabs(x - y) <= scale * 1e-15;
  }
  if (a.kind() != b.kind()) return a == b;  // int64 vs uint64 of equal value still compare equal
  if (a.is_array()) {
    const auto& x = a.get_array();
    const auto& y = b.get_array();
    if (x.size() != y.size()) return false;
    for (std::size_t i = 0; i < x.size(); ++i)
      if (!same_json(x[i], y[i])) return false;
    return true;
  }
  if (a.is_object()) {
    const auto& x = a.get_object();
    const auto& y = b.get_object();
    if (x.size() != y.size()) return false;
    for (const auto& kv : x) {
      const auto* other = y.if_contains(kv.key());
      if (!other || !same_json(kv.value(), *other)) return false;
    }
    return true;
  }
  return a == b;
}

/// An Event payload is stored as JSON text (inbox, audit) and read back later: what dump()
/// writes must parse again to the same value.
inline void require_storable(const boost::json::object& payload) {
  const std::string text = json::dump(payload);
  auto back = json::parse(text);
  require(back.has_value(), "payload dump() is not valid JSON");
  require(same_json(*back, boost::json::value(payload)),
          "payload changed in a dump/parse round trip");
}

}  // namespace steward::fuzz
