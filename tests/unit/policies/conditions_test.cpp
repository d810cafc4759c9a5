// The condition language: every operator, OR, lists, missing fields, variables.

#include "policies/engine/conditions.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "bot/core/json.hpp"

namespace steward::policies {
namespace {

Clause when(std::string_view inline_table, const Vars& vars = {}) {
  auto doc = cfg::parse_text("when = " + std::string(inline_table), "c.toml");
  EXPECT_TRUE(doc) << doc.error().message;
  if (!doc) std::abort();
  auto c = parse_when(*doc->get("when"), "c.toml", vars);
  EXPECT_TRUE(c) << c.error().message;
  if (!c) std::abort();
  return *c;
}

Outcome eval(const Clause& c, std::string_view fields_json) {
  auto obj = boost::json::parse(fields_json).as_object();
  FieldLookup lookup = [&obj](std::string_view f) -> std::optional<boost::json::value> {
    const auto* v = json::find_path(obj, f);
    if (!v || v->is_null()) return std::nullopt;
    return *v;
  };
  return evaluate(c, lookup);
}

bool holds(std::string_view w, std::string_view fields) { return eval(when(w), fields).holds; }

TEST(Conditions, EqIsDefaultAndCaseInsensitiveForStrings) {
  EXPECT_TRUE(holds(R"({ form = "website" })", R"({"form":"WebSite"})"));
  EXPECT_FALSE(holds(R"({ form = "website" })", R"({"form":"website2"})"));
  EXPECT_TRUE(holds(R"({ form = { eq = "website" } })", R"({"form":"website"})"));
  auto o = eval(when(R"({ form = "website" })"), R"({"form":"other"})");
  EXPECT_EQ(o.details.back(), "form 'other' is not 'website'");
}

TEST(Conditions, EqNumbersAndBools) {
  EXPECT_TRUE(holds(R"({ n = 5 })", R"({"n":5.0})"));
  EXPECT_TRUE(holds(R"({ n = 5.5 })", R"({"n":5.5})"));
  EXPECT_FALSE(holds(R"({ n = 5 })", R"({"n":"5"})"));  // a string never equals a number
  EXPECT_TRUE(holds(R"({ vip = true })", R"({"vip":true})"));
  EXPECT_FALSE(holds(R"({ vip = true })", R"({"vip":"true"})"));
}

TEST(Conditions, InAndNotIn) {
  const char* in = R"({ d = { in = ["a.example", "B.example"] } })";
  const char* not_in = R"({ d = { not_in = ["a.example", "B.example"] } })";
  EXPECT_TRUE(holds(in, R"({"d":"b.EXAMPLE"})"));
  EXPECT_FALSE(holds(in, R"({"d":"c.example"})"));
  EXPECT_FALSE(holds(not_in, R"({"d":"a.example"})"));
  EXPECT_TRUE(holds(not_in, R"({"d":"c.example"})"));
  auto o = eval(when(not_in), R"({"d":"c.example"})");
  EXPECT_EQ(o.details.back(), "d 'c.example' is not in [a.example, B.example]");
  EXPECT_TRUE(holds(R"({ n = { in = [1, 2, 3] } })", R"({"n":2})"));
}

TEST(Conditions, MissingFieldFailsEverythingButExistsFalse) {
  EXPECT_FALSE(holds(R"({ d = "x" })", "{}"));
  EXPECT_FALSE(holds(R"({ d = { in = ["x"] } })", "{}"));
  EXPECT_FALSE(holds(R"({ d = { not_in = ["x"] } })", "{}"));  // safer: never "outside"
  EXPECT_FALSE(holds(R"({ d = { gte = 1 } })", "{}"));
  EXPECT_FALSE(holds(R"({ d = { matches = ".*" } })", "{}"));
  EXPECT_FALSE(holds(R"({ d = { exists = true } })", "{}"));
  EXPECT_TRUE(holds(R"({ d = { exists = false } })", "{}"));
  EXPECT_TRUE(holds(R"({ d = { exists = false } })", R"({"d":null})"));
  EXPECT_TRUE(holds(R"({ d = { exists = true } })", R"({"d":""})"));
  EXPECT_FALSE(holds(R"({ d = { exists = false } })", R"({"d":0})"));
  EXPECT_EQ(eval(when(R"({ d = { not_in = ["x"] } })"), "{}").details.back(), "d is missing");
}

TEST(Conditions, GteLte) {
  const char* range = R"({ "lead.score" = { gte = 40, lte = 69 } })";
  EXPECT_TRUE(holds(range, R"({"lead":{"score":40}})"));
  EXPECT_TRUE(holds(range, R"({"lead":{"score":69}})"));
  EXPECT_FALSE(holds(range, R"({"lead":{"score":39.9}})"));
  EXPECT_FALSE(holds(range, R"({"lead":{"score":70}})"));
  EXPECT_FALSE(holds(range, R"({"lead":{"score":"50"}})"));
  EXPECT_EQ(eval(when(range), R"({"lead":{"score":70}})").details.back(), "lead.score 70 > 69");
  EXPECT_EQ(eval(when(R"({ x = { gte = 2.5 } })"), R"({"x":1})").details.back(), "x 1 < 2.5");
  EXPECT_TRUE(holds(R"({ x = { gte = -3 } })", R"({"x":-3})"));
  EXPECT_TRUE(holds(R"({ x = { lte = 10000000000 } })", R"({"x":9999999999})"));
}

TEST(Conditions, MatchesIsCaseInsensitiveSearch) {
  const char* w = R"({ subject = { matches = "invoice|refund" } })";
  EXPECT_TRUE(holds(w, R"({"subject":"Your INVOICE is late"})"));
  EXPECT_FALSE(holds(w, R"({"subject":"Hello"})"));
  EXPECT_FALSE(holds(w, R"({"subject":42})"));
  EXPECT_TRUE(holds(R"({ s = { matches = "^abc$" } })", R"({"s":"ABC"})"));
  EXPECT_FALSE(holds(R"({ s = { matches = "^abc$" } })", R"({"s":"xabc"})"));
}

TEST(Conditions, ImplicitAndStopsAtFirstFailure) {
  auto c = when(R"({ a = 1, b = 2 })");
  auto o = eval(c, R"({"a":1,"b":3})");
  EXPECT_FALSE(o.holds);
  ASSERT_EQ(o.details.size(), 2u);
  EXPECT_EQ(o.details[0], "a 1 is 1");
  EXPECT_EQ(o.details[1], "b 3 is not 2");
  EXPECT_TRUE(eval(c, R"({"a":1,"b":2})").holds);
}

TEST(Conditions, AnyIsOr) {
  auto c = when(R"({ kind = "x", any = [ { "lead.score" = { gte = 70 } }, { vip = true } ] })");
  EXPECT_TRUE(eval(c, R"({"kind":"x","lead":{"score":80}})").holds);
  EXPECT_TRUE(eval(c, R"({"kind":"x","vip":true})").holds);
  auto no = eval(c, R"({"kind":"x","lead":{"score":10}})");
  EXPECT_FALSE(no.holds);
  EXPECT_EQ(no.details.back(),
            "no alternative of any holds: (lead.score 10 < 70) (vip is missing)");
  EXPECT_FALSE(eval(c, R"({"kind":"y","vip":true})").holds);
  auto yes = eval(c, R"({"kind":"x","vip":true})");
  EXPECT_EQ(yes.details.back(), "alternative 2 of any holds: vip true is true");
  EXPECT_EQ(describe(c), "kind = 'x' and any of: (lead.score ≥ 70) or (vip = true)");
}

TEST(Conditions, ListFields) {
  // eq on a list = contains; in = every element in; not_in = some element outside.
  EXPECT_TRUE(
      holds(R"({ "actor.roles" = "director" })", R"({"actor":{"roles":["sales","Director"]}})"));
  EXPECT_FALSE(holds(R"({ "actor.roles" = "director" })", R"({"actor":{"roles":["sales"]}})"));
  const char* in = R"({ d = { in = ["a"] } })";
  const char* not_in = R"({ d = { not_in = ["a"] } })";
  EXPECT_TRUE(holds(in, R"({"d":["a","A"]})"));
  EXPECT_FALSE(holds(in, R"({"d":["a","b"]})"));
  EXPECT_TRUE(holds(not_in, R"({"d":["a","b"]})"));
  EXPECT_FALSE(holds(not_in, R"({"d":["a"]})"));
  EXPECT_FALSE(holds(not_in, R"({"d":[]})"));  // empty list = missing
  EXPECT_TRUE(holds(R"({ d = { matches = "^b" } })", R"({"d":["a","bc"]})"));
}

TEST(Conditions, VariablesExpandInListsAndSubstituteInScalars) {
  Vars v;
  v.values["company.domains"] = {"a.example", "b.example"};
  v.values["slack.sales_channel"] = {"C1"};
  auto c = when(
      R"({ d = { in = ["${company.domains}", "c.example"] }, ch = "${slack.sales_channel}" })", v);
  EXPECT_TRUE(eval(c, R"({"d":"b.example","ch":"c1"})").holds);
  EXPECT_TRUE(eval(c, R"({"d":"c.example","ch":"C1"})").holds);
  EXPECT_FALSE(eval(c, R"({"d":"z.example","ch":"C1"})").holds);
  // An empty variable in a list contributes nothing.
  Vars empty;
  empty.values["company.domains"] = {};
  auto none = when(R"({ d = { not_in = ["${company.domains}", "x"] } })", empty);
  EXPECT_TRUE(eval(none, R"({"d":"a.example"})").holds);
}

TEST(Conditions, ParseErrors) {
  auto err = [](std::string_view w, Vars v = {}) {
    auto doc = cfg::parse_text("\nwhen = " + std::string(w), "c.toml");
    EXPECT_TRUE(doc);
    auto c = parse_when(*doc->get("when"), "c.toml", v);
    EXPECT_FALSE(c);
    return c ? std::string() : c.error().message;
  };
  EXPECT_EQ(err(R"({ d = ["a"] })").rfind("c.toml:2: key 'd': a list needs an operator", 0), 0u);
  EXPECT_NE(err(R"({ d = {} })").find("no operator"), std::string::npos);
  EXPECT_NE(err(R"({ d = { in = [] } })").find("the list is empty"), std::string::npos);
  EXPECT_NE(err(R"({ d = { in = "a" } })").find("expected a list"), std::string::npos);
  EXPECT_NE(err(R"({ d = { exists = "yes" } })").find("true or false"), std::string::npos);
  EXPECT_NE(err(R"({ d = { matches = "[" } })").find("bad regular expression /[/"),
            std::string::npos);
  EXPECT_NE(err(R"({ any = [] })").find("key 'any'"), std::string::npos);
  EXPECT_NE(err(R"({ any = [1] })").find("each alternative"), std::string::npos);
  EXPECT_NE(err(R"({ d = "${x" })").find("unterminated"), std::string::npos);
  EXPECT_NE(err(R"({ d = "${x}" })").find("unknown variable ${x} (known: (none))"),
            std::string::npos);
}

TEST(Conditions, KindPatterns) {
  EXPECT_TRUE(kind_matches("*", "anything"));
  EXPECT_TRUE(kind_matches("slack.*", "slack.post"));
  EXPECT_FALSE(kind_matches("slack.*", "slack"));
  EXPECT_FALSE(kind_matches("slack.*", "slackx.post"));
  EXPECT_TRUE(kind_matches("email.send", "email.send"));
  EXPECT_FALSE(kind_matches("email.send", "email.sender"));
  EXPECT_TRUE(valid_kind_pattern("slack.*"));
  EXPECT_FALSE(valid_kind_pattern("slack*"));
  EXPECT_FALSE(valid_kind_pattern("*.post"));
  EXPECT_FALSE(valid_kind_pattern(""));
}

TEST(Conditions, EmailDomains) {
  using V = std::vector<std::string>;
  EXPECT_EQ(email_domains("jane@Acme.Example"), V{"acme.example"});
  EXPECT_EQ(email_domains("Jane Doe <jane@acme.example>"), V{"acme.example"});
  EXPECT_EQ(email_domains("\"Doe, Jane\" <jane@acme.example>, bob@b.example, x@acme.example"),
            (V{"acme.example", "b.example"}));
  EXPECT_FALSE(email_domains("no-at-sign"));
  EXPECT_FALSE(email_domains("a@x.example, broken"));
  EXPECT_FALSE(email_domains(""));
  EXPECT_FALSE(email_domains("Jane <jane@acme.example"));
}

TEST(Conditions, Durations) {
  EXPECT_EQ(parse_duration_seconds("30m"), 1800);
  EXPECT_EQ(parse_duration_seconds("24h"), 86400);
  EXPECT_EQ(parse_duration_seconds("2d"), 172800);
  EXPECT_EQ(parse_duration_seconds("45s"), 45);
  EXPECT_EQ(parse_duration_seconds("1w"), 604800);
  EXPECT_FALSE(parse_duration_seconds("0h"));
  EXPECT_FALSE(parse_duration_seconds("h"));
  EXPECT_FALSE(parse_duration_seconds("5x"));
  EXPECT_FALSE(parse_duration_seconds("-5m"));
  EXPECT_FALSE(parse_duration_seconds("1.5h"));
}

}  // namespace
}  // namespace steward::policies
