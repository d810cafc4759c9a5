#include "bot/net/router.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace steward::net {
namespace {

/// A handler that records which route answered, so tests can tell handlers apart.
Handler tagged(std::string* sink, std::string tag) {
  return [sink, tag](HttpRequest&&, Respond) { *sink = tag; };
}

void call(const Router::Match& m) {
  (*m.handler)(HttpRequest{}, [](HttpResponse) {});
}

TEST(RouterTest, MatchesLiteralAndParamRoutes) {
  std::string hit;
  Router r;
  r.add("GET", "/healthz", tagged(&hit, "health"));
  r.add("POST", "/hooks/forms/{name}", tagged(&hit, "forms"), 4096, "forms");
  r.add("GET", "/", tagged(&hit, "root"));

  auto m = r.match("POST", "/hooks/forms/website");
  ASSERT_TRUE(m.has_value());
  call(*m);
  EXPECT_EQ(hit, "forms");
  EXPECT_EQ(m->params.at("name"), "website");
  EXPECT_EQ(m->body_limit, std::optional<std::size_t>(4096));
  EXPECT_EQ(m->route, "forms");

  auto h = r.match("GET", "/healthz");
  ASSERT_TRUE(h.has_value());
  call(*h);
  EXPECT_EQ(hit, "health");
  EXPECT_TRUE(h->params.empty());
  EXPECT_FALSE(h->body_limit.has_value());
  EXPECT_EQ(h->route, "/healthz");  // label defaults to the pattern

  auto root = r.match("GET", "/");
  ASSERT_TRUE(root.has_value());
  call(*root);
  EXPECT_EQ(hit, "root");
}

TEST(RouterTest, UnknownPathIsNotFound) {
  std::string hit;
  Router r;
  r.add("POST", "/hooks/forms/{name}", tagged(&hit, "forms"));
  for (const char* path : {"/hooks/forms", "/hooks/forms/", "/hooks/forms/a/b", "/nothing", "",
                           "hooks/forms/a", "/hooks/forms//"}) {
    auto m = r.match("POST", path);
    ASSERT_FALSE(m.has_value()) << path;
    EXPECT_EQ(m.error().code, Errc::kNotFound) << path;
    EXPECT_TRUE(r.allowed_methods(path).empty()) << path;
  }
}

TEST(RouterTest, WrongMethodIsInvalidInputWithAllowedMethods) {
  std::string hit;
  Router r;
  r.add("POST", "/slack/events", tagged(&hit, "post"));
  r.add("PUT", "/slack/events", tagged(&hit, "put"));
  r.add("POST", "/slack/events", tagged(&hit, "dup"));
  auto m = r.match("GET", "/slack/events");
  ASSERT_FALSE(m.has_value());
  EXPECT_EQ(m.error().code, Errc::kInvalidInput);
  EXPECT_EQ(r.allowed_methods("/slack/events"), (std::vector<std::string>{"POST", "PUT"}));
  // Methods are case-sensitive.
  EXPECT_FALSE(r.match("post", "/slack/events").has_value());
}

TEST(RouterTest, LiteralBeatsParamAndFirstAddedWinsTies) {
  std::string hit;
  Router r;
  r.add("GET", "/api/v1/{kind}/{id}", tagged(&hit, "generic"));
  r.add("GET", "/api/v1/leads/{id}", tagged(&hit, "leads"));
  r.add("GET", "/api/v1/leads/{other}", tagged(&hit, "leads-late"));
  r.add("POST", "/api/v1/leads/special", tagged(&hit, "special-post"));

  auto m = r.match("GET", "/api/v1/leads/42");
  ASSERT_TRUE(m.has_value());
  call(*m);
  EXPECT_EQ(hit, "leads");
  EXPECT_EQ(m->params.at("id"), "42");

  m = r.match("GET", "/api/v1/deals/7");
  ASSERT_TRUE(m.has_value());
  call(*m);
  EXPECT_EQ(hit, "generic");
  EXPECT_EQ(m->params.at("kind"), "deals");
  EXPECT_EQ(m->params.at("id"), "7");

  // A more specific route with another method does not hide a matching generic one.
  m = r.match("GET", "/api/v1/leads/special");
  ASSERT_TRUE(m.has_value());
  call(*m);
  EXPECT_EQ(hit, "leads");
}

TEST(RouterTest, ParamsArePercentDecoded) {
  std::string hit;
  Router r;
  r.add("POST", "/hooks/crm/{provider}", tagged(&hit, "crm"));
  auto m = r.match("POST", "/hooks/crm/hub%20spot%2Fx%zz%4");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->params.at("provider"), "hub spot/x%zz%4");
}

TEST(RouterTest, HandlerPointersSurviveLaterAdds) {
  std::string hit;
  Router r;
  r.add("GET", "/a", tagged(&hit, "a"));
  auto m = r.match("GET", "/a");
  ASSERT_TRUE(m.has_value());
  for (int i = 0; i < 100; ++i) r.add("GET", "/x" + std::to_string(i), tagged(&hit, "x"));
  call(*m);
  EXPECT_EQ(hit, "a");
  EXPECT_EQ(r.size(), 101u);
}

TEST(RouterTest, BadPatternNeverMatches) {
  std::string hit;
  Router r;
  r.add("GET", "nope", tagged(&hit, "bad"));
  EXPECT_FALSE(r.match("GET", "nope").has_value());
  EXPECT_FALSE(r.match("GET", "/nope").has_value());
}

}  // namespace
}  // namespace steward::net
