// Issue 10's operational fixes, through the built binary: `serve --demo` ignores ./steward.toml,
// offline commands need only the keys they use, the rules folder is found at run time and
// `steward check` says which one, and JSON logs.

#include <gtest/gtest.h>
#include <httplib.h>

#include <boost/json.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/support/child.hpp"
#include "tests/support/temp_dir.hpp"

namespace fs = std::filesystem;
using steward::testing::Child;
using steward::testing::TempDir;

namespace {

steward::testing::CommandResult run_in(const fs::path& dir, const std::string& args,
                                      const std::string& bin = STEWARD_BIN) {
  return steward::testing::run_shell("cd " + dir.string() + " && " + bin + " " + args);
}

TEST(DemoMode, IgnoresASteward_tomlInTheWorkingDirectory) {
  TempDir dir;
  // A file that would stop `serve` with a config error if it were read.
  std::ofstream(dir.path() / "steward.toml") << "[server]\nlisten = 5\n";
  Child child(
      {"/usr/bin/env", "-C", dir.path().string(), STEWARD_BIN, "serve", "--demo", "--port-file",
       (dir.path() / "port").string()},
      dir.path() / "log",
      {"STEWARD_LISTEN=127.0.0.1:0", "STEWARD_STORE_PATH=" + (dir.path() / "s.db").string()});
  auto port = steward::testing::wait_for_file(dir.path() / "port");
  ASSERT_FALSE(port.empty()) << steward::testing::slurp(dir.path() / "log");
  httplib::Client c("127.0.0.1", std::stoi(port));
  auto r = c.Get("/readyz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(child.stop(SIGTERM), 0);
}

TEST(OfflineCommands, RunWithoutTheSecretsOfOtherSections) {
  TempDir dir;
  auto config = dir.path() / "steward.toml";
  std::ofstream(config) << R"([store]
path = "steward.db"
[slack]
bot_token = "${STEWARD_E2E_UNSET_SLACK_TOKEN}"
signing_secret = "${STEWARD_E2E_UNSET_SLACK_SIGNING}"
[email]
smtp_url = "${STEWARD_E2E_UNSET_SMTP_URL}"
[forms.website]
secret = "${STEWARD_E2E_UNSET_FORM_SECRET}"
)";
  auto [rc, out] = run_in(dir.path(), "audit verify --config " + config.string());
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("audit chain OK"), std::string::npos) << out;
  auto [rc2, out2] = run_in(dir.path(), "approvals list --config " + config.string());
  EXPECT_EQ(rc2, 0) << out2;
  auto [rc3, out3] = run_in(dir.path(), "tickets --config " + config.string());
  EXPECT_EQ(rc3, 0) << out3;
  // `serve` and `check` use every section: they still refuse.
  auto [rc4, out4] = run_in(dir.path(), "check --config " + config.string());
  EXPECT_EQ(rc4, 2) << out4;
  EXPECT_NE(out4.find("is not set"), std::string::npos) << out4;
}

TEST(PoliciesDir, CheckSaysWhichFolderWasUsed) {
  TempDir dir;
  auto config = dir.path() / "steward.toml";
  std::ofstream(config) << "[store]\npath = \"s.db\"\n[policies]\ndir = \"" STEWARD_SOURCE_DIR
                           "/policies\"\n";
  auto [rc, out] = run_in(dir.path(), "check --config " + config.string());
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("policies: " STEWARD_SOURCE_DIR "/policies ([policies] dir, "),
            std::string::npos)
      << out;
  // No [policies] dir: the build tree's share/steward/policies next to bin/steward.
  std::ofstream(config) << "[store]\npath = \"s.db\"\n";
  auto [rc2, out2] = run_in(dir.path(), "check --config " + config.string());
  EXPECT_EQ(rc2, 0) << out2;
  EXPECT_NE(out2.find("(the share directory next to the binary, "), std::string::npos) << out2;
}

TEST(PoliciesDir, AMovedBinaryDoesNotReadTheBuildTreesRules) {
  TempDir dir;
  fs::create_directories(dir.path() / "bin");
  fs::copy_file(STEWARD_BIN, dir.path() / "bin/steward");
  auto config = dir.path() / "steward.toml";
  std::ofstream(config) << "[store]\npath = \"s.db\"\n";
  auto [rc, out] = run_in(dir.path(), "check --config " + config.string(),
                          (dir.path() / "bin/steward").string());
  EXPECT_EQ(rc, 2) << out;
  EXPECT_NE(out.find("no rules/decision-rights.toml found; set [policies] dir"), std::string::npos)
      << out;
}

TEST(JsonLogs, EveryLineIsOneJsonObject) {
  TempDir dir;
  auto config = dir.path() / "steward.toml";
  std::ofstream(config) << R"([server]
listen = "127.0.0.1:0"
[store]
path = "steward.db"
[forms.website]
secret = "json-log-secret"
[log]
format = "json"
)";
  Child child({STEWARD_BIN, "serve", "--config", config.string(), "--port-file",
               (dir.path() / "port").string()},
              dir.path() / "log");
  auto port = steward::testing::wait_for_file(dir.path() / "port");
  ASSERT_FALSE(port.empty()) << steward::testing::slurp(dir.path() / "log");
  httplib::Client c("127.0.0.1", std::stoi(port));
  // A rejected form is logged with its name: quotes, a backslash and a newline to escape.
  auto r = c.Post("/hooks/forms/a%22b%5Cc%0Ad", "{}", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(child.stop(SIGTERM), 0);
  std::istringstream log(steward::testing::slurp(dir.path() / "log"));
  std::string line;
  int lines = 0;
  bool saw_form = false;
  while (std::getline(log, line)) {
    ++lines;
    boost::system::error_code ec;
    auto v = boost::json::parse(line, ec);
    ASSERT_FALSE(ec) << line;
    ASSERT_TRUE(v.is_object()) << line;
    const auto& o = v.as_object();
    for (const char* key : {"time", "level", "msg"}) {
      ASSERT_TRUE(o.contains(key) && o.at(key).is_string()) << key << " in " << line;
    }
    if (o.at("msg").as_string().find("form ") == 0) saw_form = true;
    EXPECT_EQ(line.find("json-log-secret"), std::string::npos) << line;
  }
  EXPECT_GE(lines, 2);
  EXPECT_TRUE(saw_form);
}

}  // namespace
