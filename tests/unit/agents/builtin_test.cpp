// The agent registry (agents/builtin.cpp): the shipped rules build every agent once, under the
// names routing.toml uses, and a broken rules folder fails naming the agent and the file.

#include "agents/builtin.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace steward::agents {
namespace {

AgentSetup shipped() {
  AgentSetup s;
  s.rules_dir = STEWARD_SOURCE_DIR "/policies/rules";
  s.templates_dir = STEWARD_SOURCE_DIR "/policies/templates";
  s.company_name = "Acme Ltd";
  s.sender_name = "Dana Director";
  s.sales_channel = "C_SALES";
  s.support_channel = "C_SUPPORT";
  s.escalation_channel = "C_ESC";
  return s;
}

TEST(AgentRegistry, ShippedRulesBuildEveryAgentOnce) {
  auto built = builtin_agents(shipped());
  ASSERT_TRUE(built) << built.error().message;
  std::multiset<std::string> names;
  for (const auto& agent : *built) names.emplace(agent->name());
  EXPECT_EQ(names,
            (std::multiset<std::string>{"lead_qualifier", "mention_reply", "support_triage"}));
}

TEST(AgentRegistry, AMissingRulesFileNamesTheAgentAndTheFile) {
  auto setup = shipped();
  setup.rules_dir = "/nonexistent";
  auto built = builtin_agents(setup);
  ASSERT_FALSE(built);
  EXPECT_EQ(built.error().code, Errc::kNotFound);
  EXPECT_EQ(built.error().message.rfind("lead qualifier: ", 0), 0u) << built.error().message;
  EXPECT_NE(built.error().message.find("lead-scoring.toml"), std::string::npos);
}

TEST(AgentRegistry, ALaterAgentsErrorNamesThatAgent) {
  auto setup = shipped();
  setup.support_channel = " ";
  auto built = builtin_agents(setup);
  ASSERT_FALSE(built);
  EXPECT_EQ(built.error().code, Errc::kInvalidInput);
  EXPECT_EQ(built.error().message,
            "support triage: support_triage: the support channel is not set");
}

}  // namespace
}  // namespace steward::agents
