// The mention agent: what it proposes for a mention, and that the SHIPPED decision rights let
// exactly that reply through.

#include "agents/mention_reply/mention_reply.hpp"

#include <gtest/gtest.h>

#include "bot/core/command_help.hpp"
#include "bot/core/json.hpp"
#include "policies/engine/decision_rights.hpp"
#include "tests/support/fake_agent_context.hpp"

namespace steward::agents::mention {
namespace {

// An empty context: no leads, nobody in any role.
using NoContext = steward::testing::FakeContext;

Event mention(std::string text, std::string thread_ts = "") {
  Event e;
  e.source = "slack";
  e.kind = "slack.mention";
  e.actor = "U_SAM";
  e.payload = {{"channel", "C_GENERAL"},
               {"ts", "1700000000.000200"},
               {"thread_ts", std::move(thread_ts)},
               {"text", std::move(text)},
               {"user", "U_SAM"}};
  return e;
}

std::string field(const Action& a, const char* key) { return json::string_or(a.fields, key); }

TEST(MentionReply, HelpIsAnsweredInTheMentionsThread) {
  MentionReply agent;
  NoContext ctx;
  EXPECT_EQ(agent.name(), "mention_reply");
  auto plan = agent.handle(mention("help"), ctx);
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(plan->agent, "mention_reply");
  ASSERT_EQ(plan->actions.size(), 1u);
  const Action& a = plan->actions[0];
  EXPECT_EQ(a.kind, "slack.post");
  EXPECT_EQ(field(a, "channel"), "C_GENERAL");
  EXPECT_EQ(field(a, "thread_ts"), "1700000000.000200") << "a new thread under the mention";
  EXPECT_EQ(field(a, "text"), command_help());
  EXPECT_EQ(plan->facts.at("mention").at("help").as_bool(), true);
}

TEST(MentionReply, InAThreadTheReplyStaysInThatThread) {
  MentionReply agent;
  NoContext ctx;
  auto plan = agent.handle(mention("", "1699999999.000100"), ctx);
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(field(plan->actions.at(0), "thread_ts"), "1699999999.000100");
  EXPECT_EQ(field(plan->actions.at(0), "text"), command_help()) << "an empty mention asks for help";
}

TEST(MentionReply, AnythingElseIsNotUnderstood) {
  MentionReply agent;
  NoContext ctx;
  auto plan = agent.handle(mention("status?"), ctx);
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(field(plan->actions.at(0), "text"), "I did not understand that. " + command_help());
  EXPECT_EQ(plan->facts.at("mention").at("help").as_bool(), false);
  EXPECT_EQ(plan->notes.at(0), "not understood: answered with the list of commands");
}

TEST(MentionReply, InvalidInput) {
  MentionReply agent;
  NoContext ctx;
  Event other = mention("help");
  other.kind = "slack.message";
  EXPECT_EQ(agent.handle(other, ctx).error().code, Errc::kInvalidInput);
  Event no_channel = mention("help");
  no_channel.payload["channel"] = "";
  EXPECT_EQ(agent.handle(no_channel, ctx).error().code, Errc::kInvalidInput);
  Event no_ts = mention("help");
  no_ts.payload.erase("ts");
  EXPECT_EQ(agent.handle(no_ts, ctx).error().code, Errc::kInvalidInput);
}

TEST(MentionReply, ShippedDecisionRightsAllowTheReply) {
  policies::Vars vars;
  vars.values["slack.sales_channel"] = {"C_SALES"};
  vars.values["slack.support_channel"] = {"C_SUPPORT"};
  vars.values["slack.escalation_channel"] = {"C_ESCALATE"};
  vars.values["company.domains"] = {"acme.example"};
  auto rights = policies::DecisionRights::load_file(
      STEWARD_SOURCE_DIR "/policies/rules/decision-rights.toml", vars);
  ASSERT_TRUE(rights) << rights.error().message;
  MentionReply agent;
  NoContext ctx;
  auto plan = agent.handle(mention("help"), ctx);
  ASSERT_TRUE(plan) << plan.error().message;
  // The orchestrator adds the cause to the agent's facts (orchestrator.cpp, plan_event).
  auto facts = plan->facts;
  facts["event"] = boost::json::object{{"source", "slack"}, {"kind", "slack.mention"}};
  auto d = rights->decide(plan->actions.at(0), facts);
  EXPECT_EQ(d.verdict, Verdict::kAllow);
  EXPECT_EQ(d.rule, "decision-rights.toml#mention-replies");
}

}  // namespace
}  // namespace steward::agents::mention
