#pragma once
// [slack] as the Slack connector reads it. The kernel reads the channels and whether Slack is
// configured from the same section (runtime::Config::slack); both readers share one
// cfg::Reader, so a key neither knows is an error with its file and line.

#include <string>

#include "bot/core/secret.hpp"
#include "bot/toml/reader.hpp"
#include "connectors/slack/client.hpp"

namespace steward::slack {

struct SlackConfig {
  ClientOptions client;  ///< bot_token, api_base, timeout, channel_interval, response_url_base
  Secret signing_secret;
  /// The workspace and app whose requests are accepted. team_id defaults to what auth.test
  /// reports at start-up; app_id (Basic Information → App ID) is checked when set.
  std::string team_id, app_id;
  [[nodiscard]] bool configured() const {
    return !client.bot_token.empty() && !signing_secret.empty();
  }
};

/// Reads the connector's keys of [slack] through `section` (problems are recorded there).
[[nodiscard]] Expected<void> read_config(cfg::Reader& section, SlackConfig& out);

}  // namespace steward::slack
