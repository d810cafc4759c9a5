#pragma once
// Slack's edge: POST /slack/events, /slack/commands and /slack/interactivity (verified with the
// signing secret, normalised by parse.hpp), and the slack.* executors (Web API client).

#include <memory>

#include "connectors/common/module.hpp"

namespace steward::slack {

/// The [slack] module for connectors/builtin.cpp. Not configured (no bot_token and
/// signing_secret): no routes and no executors; approvals are decided with the CLI.
std::unique_ptr<connectors::Module> make_module();

}  // namespace steward::slack
