#pragma once
// The config as `steward serve` reads it: the kernel's sections plus every built-in connector's.

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "bot/runtime/config.hpp"
#include "connectors/email/config.hpp"
#include "connectors/forms/config.hpp"
#include "connectors/slack/config.hpp"
#include "tests/unit/store/store_fixture.hpp"

namespace steward::runtime::test {

struct Loaded : Config {
  slack::SlackConfig slack_connector;
  email::EmailConfig email_connector;
  forms::FormsConfig forms_connector;
};

[[nodiscard]] inline Expected<Loaded> load_all(
    const std::filesystem::path& file, const std::set<std::string, std::less<>>& scope = {}) {
  Loaded l;
  std::vector<ConfigSection> sections{
      {"slack", [&l](const toml::table&,
                     cfg::Reader& r) { return slack::read_config(r, l.slack_connector); }},
      {"email", [&l](const toml::table&,
                     cfg::Reader& r) { return email::read_config(r, l.email_connector); }},
      {"forms", [&l](const toml::table& t,
                     cfg::Reader& r) { return forms::read_config(t, r, l.forms_connector); }},
  };
  auto c = load_config(file, scope, sections);
  if (!c) return Unexpected(c.error());
  static_cast<Config&>(l) = std::move(*c);
  email::finish_config(l.email_connector);
  return l;
}

/// A test that writes config files into its own temporary folder.
class ConfigFileTest : public ::testing::Test {
 protected:
  /// Writes `body` as `name` in the folder; its path.
  std::filesystem::path write(const std::string& body, const std::string& name = "steward.toml") {
    auto p = dir_.path() / name;
    std::ofstream(p) << body;
    return p;
  }
  store::test::TempDir dir_;
};

}  // namespace steward::runtime::test
