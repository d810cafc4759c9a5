#include "bot/core/json.hpp"

#include <gtest/gtest.h>

#include <boost/json/array.hpp>
#include <cstdint>
#include <limits>
#include <string>

namespace steward::json {
namespace {

std::string nested_arrays(std::size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

TEST(JsonGetInt, Int64) {
  boost::json::object o{{"a", std::int64_t{-42}}};
  EXPECT_EQ(get_int(o, "a"), -42);
}

TEST(JsonGetInt, Uint64InRangeAndOutOfRange) {
  boost::json::object o;
  o["small"] = std::uint64_t{7};
  o["max"] = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  o["too_big"] = std::numeric_limits<std::uint64_t>::max();
  ASSERT_TRUE(o["small"].is_uint64());
  EXPECT_EQ(get_int(o, "small"), 7);
  EXPECT_EQ(get_int(o, "max"), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(get_int(o, "too_big"), std::nullopt);
}

TEST(JsonGetInt, DoubleOnlyWithoutFraction) {
  boost::json::object o{{"whole", 80.0}, {"frac", 80.5}, {"neg", -3.0}, {"huge", 1e300}};
  EXPECT_EQ(get_int(o, "whole"), 80);
  EXPECT_EQ(get_int(o, "neg"), -3);
  EXPECT_EQ(get_int(o, "frac"), std::nullopt);
  EXPECT_EQ(get_int(o, "huge"), std::nullopt);
}

TEST(JsonGetInt, NonNumbersAndMissing) {
  boost::json::object o{{"s", "12"}, {"b", true}, {"n", nullptr}};
  EXPECT_EQ(get_int(o, "s"), std::nullopt);
  EXPECT_EQ(get_int(o, "b"), std::nullopt);
  EXPECT_EQ(get_int(o, "n"), std::nullopt);
  EXPECT_EQ(get_int(o, "missing"), std::nullopt);
}

TEST(JsonGetInt, FromParsedText) {
  auto o = parse_object(R"({"i": 5, "u": 18446744073709551615, "d": 6.0})");
  ASSERT_TRUE(o.has_value()) << o.error().message;
  EXPECT_EQ(get_int(*o, "i"), 5);
  EXPECT_EQ(get_int(*o, "u"), std::nullopt);
  EXPECT_EQ(get_int(*o, "d"), 6);
}

TEST(JsonAccessors, StringNumberObject) {
  boost::json::object o{{"s", "text"}, {"i", 3}, {"d", 2.5}, {"o", {{"k", 1}}}};
  EXPECT_EQ(get_string(o, "s"), "text");
  EXPECT_EQ(get_string(o, "i"), std::nullopt);
  EXPECT_EQ(string_or(o, "s", "fb"), "text");
  EXPECT_EQ(string_or(o, "missing", "fb"), "fb");
  EXPECT_EQ(string_or(o, "i"), "");
  EXPECT_EQ(get_number(o, "i"), 3.0);
  EXPECT_EQ(get_number(o, "d"), 2.5);
  EXPECT_EQ(get_number(o, "s"), std::nullopt);
  ASSERT_NE(get_object(o, "o"), nullptr);
  EXPECT_EQ(get_int(*get_object(o, "o"), "k"), 1);
  EXPECT_EQ(get_object(o, "s"), nullptr);
  EXPECT_EQ(get_object(o, "missing"), nullptr);
}

TEST(JsonFindPath, FollowsNestedObjects) {
  auto o = parse_object(R"({"lead": {"score": 80, "who": {"email": "a@b.example"}}, "x": 1})");
  ASSERT_TRUE(o.has_value());
  const auto* score = find_path(*o, "lead.score");
  ASSERT_NE(score, nullptr);
  EXPECT_EQ(score->as_int64(), 80);
  const auto* email = find_path(*o, "lead.who.email");
  ASSERT_NE(email, nullptr);
  EXPECT_EQ(email->as_string(), "a@b.example");
  const auto* top = find_path(*o, "x");
  ASSERT_NE(top, nullptr);
  EXPECT_EQ(top->as_int64(), 1);
  const auto* whole = find_path(*o, "lead");
  ASSERT_NE(whole, nullptr);
  EXPECT_TRUE(whole->is_object());
}

TEST(JsonFindPath, MissingStepsAndNonObjects) {
  auto o = parse_object(R"({"lead": {"score": 80}, "list": [1, 2]})");
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(find_path(*o, "lead.stage"), nullptr);
  EXPECT_EQ(find_path(*o, "nope.score"), nullptr);
  EXPECT_EQ(find_path(*o, "lead.score.deeper"), nullptr);  // 80 is not an object
  EXPECT_EQ(find_path(*o, "list.0"), nullptr);             // arrays are not indexed
  EXPECT_EQ(find_path(*o, ""), nullptr);
  EXPECT_EQ(find_path(*o, "lead."), nullptr);
}

TEST(JsonParse, ValidAndInvalid) {
  auto v = parse(R"([1, "two", {"three": 3}])");
  ASSERT_TRUE(v.has_value());
  EXPECT_TRUE(v->is_array());
  EXPECT_EQ(v->as_array().size(), 3u);

  for (const char* bad : {"", "{", "{\"a\":}", "[1,]x", "nul", "{\"a\":1} trailing"}) {
    auto r = parse(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code, Errc::kInvalidInput) << bad;
    EXPECT_NE(r.error().message.find("invalid JSON"), std::string::npos);
  }
}

TEST(JsonParse, DepthLimit) {
  // Exactly at the limit is accepted; one deeper is refused as invalid input (not a crash).
  EXPECT_TRUE(parse(nested_arrays(8), 8).has_value());
  auto deep = parse(nested_arrays(9), 8);
  ASSERT_FALSE(deep.has_value());
  EXPECT_EQ(deep.error().code, Errc::kInvalidInput);

  // The default limit (64) protects against hostile nesting.
  EXPECT_TRUE(parse(nested_arrays(64)).has_value());
  auto hostile = parse(nested_arrays(100000));
  ASSERT_FALSE(hostile.has_value());
  EXPECT_EQ(hostile.error().code, Errc::kInvalidInput);

  auto deep_obj = parse_object(R"({"a":{"b":{"c":{}}}})", 3);
  ASSERT_FALSE(deep_obj.has_value());
  EXPECT_EQ(deep_obj.error().code, Errc::kInvalidInput);
  EXPECT_TRUE(parse_object(R"({"a":{"b":{"c":{}}}})", 4).has_value());
}

TEST(JsonParseObject, RejectsNonObjects) {
  for (const char* text : {"[1,2]", "\"s\"", "42", "null", "true"}) {
    auto r = parse_object(text);
    ASSERT_FALSE(r.has_value()) << text;
    EXPECT_EQ(r.error().code, Errc::kInvalidInput) << text;
    EXPECT_NE(r.error().message.find("object"), std::string::npos) << r.error().message;
  }
  auto bad = parse_object("{nope}");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, Errc::kInvalidInput);

  auto ok = parse_object(R"({"k": "v"})");
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(string_or(*ok, "k"), "v");
}

TEST(JsonDump, RoundTrips) {
  boost::json::object o{{"a", 1}, {"b", "x\"y"}, {"c", boost::json::array{1, 2}}};
  auto text = dump(o);
  EXPECT_EQ(text, R"({"a":1,"b":"x\"y","c":[1,2]})");
  auto back = parse_object(text);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, o);
}

}  // namespace
}  // namespace steward::json
