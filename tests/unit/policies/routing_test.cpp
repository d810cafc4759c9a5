// Routing over the SHIPPED policies/rules/routing.toml, plus conditions on events.

#include "policies/engine/routing.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace steward::policies {
namespace {

Event event(std::string kind, std::string_view payload, std::string source = "forms") {
  Event e;
  e.kind = std::move(kind);
  e.source = std::move(source);
  e.actor = "form:website";
  e.payload = boost::json::parse(payload).as_object();
  return e;
}

TEST(ShippedRouting, AnyFormGoesToLeadQualifier) {
  auto r = Routing::load_file(STEWARD_SOURCE_DIR "/policies/rules/routing.toml", {});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->size(), 3u);
  for (const char* form : {"website", "typeform-demo"}) {
    auto m = r->route(event("form.submitted", std::string(R"({"form":")") + form + "\"}"));
    ASSERT_TRUE(m) << form;
    EXPECT_EQ(m->route_id, "website-leads");
    EXPECT_EQ(m->agent, "lead_qualifier");
    EXPECT_EQ(m->rule, "routing.toml#website-leads");
  }
  EXPECT_FALSE(r->route(event("slack.command", "{}", "slack")));
  auto mail = r->route(event("email.received", R"({"to":["support@acme.example"]})", "email"));
  ASSERT_TRUE(mail);
  EXPECT_EQ(mail->agent, "support_triage");
  EXPECT_EQ(mail->rule, "routing.toml#support-mail");
  auto mention = r->route(event("slack.mention", R"({"channel":"C1","ts":"1.2"})", "slack"));
  ASSERT_TRUE(mention);
  EXPECT_EQ(mention->agent, "mention_reply");
  EXPECT_EQ(mention->rule, "routing.toml#slack-mentions");
  auto text = r->explain(event("slack.command", "{}", "slack"));
  EXPECT_NE(text.find("website-leads"), std::string::npos) << text;
  EXPECT_NE(text.find("No route matched"), std::string::npos) << text;
}

TEST(Routing, ConditionsOnPayloadAndEventFields) {
  auto r = Routing::load_string(R"(
[[route]]
id = "website-leads"
event = "form.submitted"
when = { form = "website" }
agent = "lead_qualifier"

[[route]]
id = "support-mail"
event = "email.*"
when = { to = { in = ["support@acme.example"] }, "event.source" = "email" }
agent = "support_triage"

[[route]]
id = "cli"
event = "*"
when = { "event.actor" = { matches = "^cli:" } }
agent = "ops"
)",
                                "routing.toml", {});
  ASSERT_TRUE(r) << r.error().message;
  auto web = r->route(event("form.submitted", R"({"form":"website"})"));
  ASSERT_TRUE(web);
  EXPECT_EQ(web->agent, "lead_qualifier");
  EXPECT_FALSE(r->route(event("form.submitted", R"({"form":"newsletter"})")));
  auto mail = r->route(event("email.received", R"({"to":"Support@Acme.example"})", "email"));
  ASSERT_TRUE(mail);
  EXPECT_EQ(mail->route_id, "support-mail");
  EXPECT_FALSE(r->route(event("email.received", R"({"to":"support@acme.example"})", "forms")));
  auto e = event("slack.command", "{}", "cli");
  e.actor = "cli:root";
  auto cli = r->route(e);
  ASSERT_TRUE(cli);
  EXPECT_EQ(cli->agent, "ops");
  auto text = r->explain(event("form.submitted", R"({"form":"newsletter"})"));
  EXPECT_NE(text.find("✗ form 'newsletter' is not 'website'"), std::string::npos) << text;
}

TEST(Routing, LoadErrors) {
  auto bad = [](std::string_view text) {
    auto r = Routing::load_string(text, "routing.toml", {});
    EXPECT_FALSE(r);
    return r ? std::string() : r.error().message;
  };
  EXPECT_EQ(bad("[[route]]\nid = \"a\"\nevent = \"x\"\n"),
            "routing.toml:1: key 'agent': missing (required)");
  EXPECT_EQ(bad("[[route]]\nid = \"a\"\nevent = \"x\"\nagent = \"b\"\nagnet = \"c\"\n")
                .rfind("routing.toml:5: key 'agnet': unknown key", 0),
            0u);
  EXPECT_EQ(bad("[[route]]\nid = \"a\"\nevent = \"x\"\nagent = 1\n")
                .rfind("routing.toml:4: key 'agent': expected a string", 0),
            0u);
  EXPECT_NE(bad("[[route]]\nid = \"a\"\nevent = \"x\"\nagent = \"b\"\n[[route]]\nid = \"a\"\n"
                "event = \"y\"\nagent = \"c\"\n")
                .find("routing.toml:6: key 'id': duplicate route id 'a'"),
            std::string::npos);
  EXPECT_NE(bad("[[route]]\nid = \"a\"\nevent = \"x\"\nagent = \"b\"\nwhen = { f = \"${v}\" }\n")
                .find("unknown variable ${v}"),
            std::string::npos);
}

}  // namespace
}  // namespace steward::policies
