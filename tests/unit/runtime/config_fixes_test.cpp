// Issue 10's "said but not true" fixes in the config: booleans from ${ENV}, offline commands that
// resolve only the sections they use, and the [log] section.

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "bot/runtime/config.hpp"
#include "tests/unit/runtime/load_all.hpp"
#include "tests/unit/store/store_fixture.hpp"

namespace steward::runtime {
namespace {

using test::load_all;

using ConfigFixes = test::ConfigFileTest;

TEST_F(ConfigFixes, BooleansExpandFromTheEnvironment) {
  ::setenv("STEWARD_TEST_ALLOW_PLAIN", "true", 1);
  auto c = load_all(write("[email]\nsmtp_allow_plain = \"${STEWARD_TEST_ALLOW_PLAIN}\"\n"));
  ::unsetenv("STEWARD_TEST_ALLOW_PLAIN");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_TRUE(c->email_connector.smtp.allow_plain);
}

TEST_F(ConfigFixes, ABooleanFromTheEnvironmentMustBeTrueOrFalse) {
  ::setenv("STEWARD_TEST_ALLOW_PLAIN", "yes", 1);
  auto c = load_all(write("[email]\nsmtp_allow_plain = \"${STEWARD_TEST_ALLOW_PLAIN}\"\n"));
  ::unsetenv("STEWARD_TEST_ALLOW_PLAIN");
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find(":2: key 'email.smtp_allow_plain': must be true or false"),
            std::string::npos)
      << c.error().message;
}

constexpr const char* kWithSecrets = R"([store]
path = "audit.db"
[slack]
bot_token = "${STEWARD_TEST_UNSET_TOKEN}"
signing_secret = "${STEWARD_TEST_UNSET_SIGNING}"
[email]
smtp_url = "${STEWARD_TEST_UNSET_SMTP}"
reply_secret = "${STEWARD_TEST_UNSET_REPLY}"
[[people]]
name = "Dana"
slack_id = "U_DANA"
)";

TEST_F(ConfigFixes, AllSectionsNeedTheirSecrets) {
  auto c = load_all(write(kWithSecrets));
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("environment variable STEWARD_TEST_UNSET_"), std::string::npos)
      << c.error().message;
}

TEST_F(ConfigFixes, AScopedLoadResolvesOnlyItsSections) {
  auto c = load_all(write(kWithSecrets), {"store", "inbox"});
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->store.path, dir_.path() / "audit.db");
  // Read as written: Slack counts as configured (the approvals desk asks only that).
  EXPECT_TRUE(c->slack.configured());
  EXPECT_EQ(c->slack.bot_token.reveal(), "${STEWARD_TEST_UNSET_TOKEN}");
}

TEST_F(ConfigFixes, AScopedLoadStillRefusesUnknownKeysAndBadShapes) {
  auto unknown =
      load_all(write("[store]\npath = \"a.db\"\n[slack]\nbot_tokn = \"x\"\n"), {"store", "inbox"});
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("slack.bot_tokn': unknown key"), std::string::npos)
      << unknown.error().message;
  auto shape = load_all(write("[store]\npath = \"a.db\"\n[email]\nsmtp_allow_plain = 3\n"),
                        {"store", "inbox"});
  ASSERT_FALSE(shape);
  EXPECT_NE(shape.error().message.find("must be true or false"), std::string::npos);
  auto missing =
      load_all(write("[store]\npath = \"${STEWARD_TEST_UNSET_STORE}\"\n"), {"store", "inbox"});
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("STEWARD_TEST_UNSET_STORE is not set"), std::string::npos);
}

TEST_F(ConfigFixes, LogSection) {
  auto c = load_all(write("[log]\nformat = \"json\"\nlevel = \"debug\"\n"));
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->log.format, "json");
  EXPECT_EQ(c->log.level, "debug");
  EXPECT_EQ(default_config().log.format, "text");
  auto bad = load_all(write("[log]\nformat = \"xml\"\n"));
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find(":2: key 'log.format': must be \"text\" or \"json\""),
            std::string::npos)
      << bad.error().message;
}

}  // namespace
}  // namespace steward::runtime
