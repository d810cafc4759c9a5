#include "bot/toml/reader.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

namespace steward::cfg {
namespace {

toml::table parse(std::string_view text) {
  auto t = parse_text(text, "t.toml");
  EXPECT_TRUE(t) << (t ? "" : t.error().message);
  return t ? std::move(*t) : toml::table{};
}

TEST(TomlReader, SyntaxErrorNamesFileAndLine) {
  auto t = parse_text("a = 1\nb = = 2\n", "x.toml");
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, Errc::kInvalidInput);
  EXPECT_EQ(t.error().message.rfind("x.toml:2: ", 0), 0u) << t.error().message;
}

TEST(TomlReader, MissingFileIsNotFound) {
  auto t = parse_file("/nonexistent/steward.toml");
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, Errc::kNotFound);
}

TEST(TomlReader, ReadsEveryTypeAndReportsUnknownKeysWithTheirLine) {
  auto root = parse(
      "name = \"x\"\nport = 8080\nratio = 0.5\non = true\nwait = \"30s\"\nlimit = \"2MiB\"\n"
      "tags = [\"a\", \"b\"]\n[server]\nlisten = \"h:1\"\nbogus = 1\n");
  Reader r(root, "t.toml");
  EXPECT_EQ(r.string("name"), "x");
  EXPECT_EQ(r.integer("port", 0, 1, 65535), 8080);
  EXPECT_EQ(r.optional_number("ratio"), 0.5);
  EXPECT_TRUE(r.boolean("on", false));
  EXPECT_EQ(r.duration("wait", {}), std::chrono::seconds(30));
  EXPECT_EQ(r.size("limit", 0, 0, 1u << 30), 2u << 20);
  EXPECT_EQ(r.strings("tags"), (std::vector<std::string>{"a", "b"}));
  const toml::table* server = r.table("server");
  ASSERT_NE(server, nullptr);
  EXPECT_TRUE(r.finish());
  Reader s = r.child("server", *server);
  EXPECT_EQ(s.string("listen"), "h:1");
  auto done = s.finish();
  ASSERT_FALSE(done);
  EXPECT_EQ(done.error().message,
            "t.toml:10: key 'server.bogus': unknown key (expected one of: 'listen')");
}

TEST(TomlReader, KeepsTheFirstErrorAndGivesFallbacks) {
  auto root = parse("port = \"x\"\non = 3\nwait = \"soon\"\n");
  Reader r(root, "t.toml", "server");
  EXPECT_EQ(r.integer("port", 7, 1, 10), 7);
  EXPECT_FALSE(r.boolean("on", false));
  EXPECT_EQ(r.duration("wait", std::chrono::seconds(1)), std::chrono::seconds(1));
  auto st = r.finish();
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().message, "t.toml:1: key 'server.port': expected a whole number");
}

TEST(TomlReader, RangeAndRequiredErrors) {
  auto root = parse("n = 99\nname = \"  \"\n");
  Reader r(root, "t.toml");
  EXPECT_EQ(r.integer("n", 1, 1, 10), 1);
  EXPECT_EQ(r.status().error().message, "t.toml:1: key 'n': must be between 1 and 10");
  Reader q(root, "t.toml");
  (void)q.required_string("name");
  EXPECT_EQ(q.status().error().message, "t.toml:2: key 'name': must not be empty");
  Reader m(root, "t.toml");
  (void)m.required_string("absent");
  EXPECT_EQ(m.status().error().message, "t.toml:1: key 'absent': missing (required)");
}

TEST(TomlReader, ExpandsEnvironmentOnlyWhenAsked) {
  ::setenv("STEWARD_TOML_TEST_FLAG", "true", 1);
  ::setenv("STEWARD_TOML_TEST_N", "12", 1);
  ::unsetenv("STEWARD_TOML_TEST_MISSING");
  auto root = parse(
      "flag = \"${STEWARD_TOML_TEST_FLAG}\"\nn = \"${STEWARD_TOML_TEST_N}\"\n"
      "s = \"a-${STEWARD_TOML_TEST_N}-b\"\nmissing = \"${STEWARD_TOML_TEST_MISSING}\"\n");
  Reader e(root, "t.toml", "", Env::kExpand);
  EXPECT_TRUE(e.boolean("flag", false));
  EXPECT_EQ(e.integer("n", 0, 0, 100), 12);
  EXPECT_EQ(e.string("s"), "a-12-b");
  EXPECT_TRUE(e.status());
  EXPECT_EQ(e.string("missing", "fb"), "fb");
  EXPECT_EQ(e.status().error().message,
            "t.toml:4: key 'missing': environment variable STEWARD_TOML_TEST_MISSING is not set");

  Reader lit(root, "t.toml");
  EXPECT_EQ(lit.string("s"), "a-${STEWARD_TOML_TEST_N}-b");
  EXPECT_FALSE(lit.boolean("flag", false));  // a string is not a boolean in literal mode
  EXPECT_FALSE(lit.status());
}

TEST(TomlReader, DurationsAndSizes) {
  EXPECT_EQ(parse_duration("500ms"), std::chrono::milliseconds(500));
  EXPECT_EQ(parse_duration(" 5m "), std::chrono::minutes(5));
  EXPECT_EQ(parse_duration("7d"), std::chrono::hours(24 * 7));
  EXPECT_FALSE(parse_duration("5"));
  EXPECT_FALSE(parse_duration("-5s"));
  EXPECT_FALSE(parse_duration("5 weeks"));
  EXPECT_EQ(parse_size("1048576"), 1048576u);
  EXPECT_EQ(parse_size("64KiB"), 65536u);
  EXPECT_EQ(parse_size("10 MB"), 10'000'000u);
  EXPECT_FALSE(parse_size("99999999999999999GiB"));
  EXPECT_FALSE(parse_size("1.5MiB"));
  EXPECT_FALSE(parse_size("MiB"));
}

TEST(TomlReader, ArraysOfTablesAndElementErrors) {
  auto root = parse("[[rule]]\nid = \"a\"\n[[rule]]\nid = \"b\"\nlist = [\"x\", 2]\n");
  Reader r(root, "t.toml");
  auto rules = r.tables("rule");
  ASSERT_EQ(rules.size(), 2u);
  Reader second = r.child("rule", *rules[1]);
  EXPECT_EQ(second.string("id"), "b");
  (void)second.strings("list");
  EXPECT_EQ(second.status().error().message,
            "t.toml:5: key 'rule.list': every element must be a string");
  Reader wrong(root, "t.toml");
  (void)wrong.table("rule");
  EXPECT_FALSE(wrong.status());
}

TEST(TomlReader, AllowedKeysAreNotUnknown) {
  auto root = parse("mine = 1\ntheirs = { x = 1 }\n");
  Reader r(root, "t.toml");
  (void)r.integer("mine", 0, 0, 5);
  r.allow({"theirs"});
  EXPECT_TRUE(r.finish());
}

}  // namespace
}  // namespace steward::cfg
