// bot/core/json.hpp: json::parse (default and shallow max_depth), parse_object, the
// non-throwing getters (get_string, string_or, get_int, get_bool, get_number, get_object) on
// every key of a parsed object, find_path() on dotted paths built from the document's own keys,
// and dump().
//
// Input: JSON text.
//
// Invariants: what parses with a shallow depth parses with the default; dump() of a parsed value
// parses back to an equal value; parse_object succeeds exactly when parse gives an object;
// getters agree with the value's type; find_path of a key path finds that value.

#include <boost/json/value.hpp>
#include <cstdint>
#include <string>

#include "bot/core/json.hpp"
#include "tests/fuzz/fuzz_util.hpp"

namespace {

using namespace steward;

void walk(const boost::json::object& root, const boost::json::object& obj,
          const std::string& prefix, int depth) {
  if (depth > 8) return;
  for (const auto& kv : obj) {
    const std::string_view key = kv.key();
    const auto& v = kv.value();
    auto s = json::get_string(obj, key);
    fuzz::require(s.has_value() == v.is_string(), "get_string disagrees with the type");
    (void)json::string_or(obj, key, "fallback");
    auto i = json::get_int(obj, key);
    if (i) fuzz::require(v.is_number(), "get_int on a non-number");
    auto b = json::get_bool(obj, key);
    fuzz::require(b.has_value() == v.is_bool(), "get_bool disagrees with the type");
    auto n = json::get_number(obj, key);
    fuzz::require(n.has_value() == v.is_number(), "get_number disagrees with the type");
    const auto* o = json::get_object(obj, key);
    fuzz::require((o != nullptr) == v.is_object(), "get_object disagrees with the type");

    // Dotted paths can only name keys without dots; the first such key with that name wins.
    if (key.find('.') == std::string_view::npos) {
      const std::string full = prefix + std::string(key);
      const auto* found = json::find_path(root, full);
      fuzz::require(found != nullptr, "find_path misses a key path");
      if (o) walk(root, *o, full + ".", depth + 1);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::as_text(data, size);
  auto shallow = json::parse(text, 4);
  auto value = json::parse(text);
  if (shallow) fuzz::require(value.has_value(), "parses shallow but not deep");
  auto object = json::parse_object(text);
  fuzz::require(object.has_value() == (value && value->is_object()),
                "parse_object disagrees with parse");
  if (!value) {
    fuzz::require(value.error().code == Errc::kInvalidInput, "JSON error kind");
    return 0;
  }
  const std::string dumped = json::dump(*value);
  auto again = json::parse(dumped);
  fuzz::require(again.has_value(), "dump() output does not parse");
  fuzz::require(fuzz::same_json(*again, *value), "dump() round trip changed the value");
  if (object) walk(*object, *object, "", 0);
  return 0;
}
