#pragma once
// Text answers to `/steward …` commands, built from the store.

#include <string>
#include <string_view>

#include "bot/core/clock.hpp"
#include "bot/core/expected.hpp"
#include "bot/store/store.hpp"

namespace steward::runtime {

/// The help text shown for `/steward help` and unknown sub-commands.
std::string command_help();
/// The mrkdwn answer to `/steward <text>` ("help", "status", "approvals").
/// @par Blocking (store reads); call on a worker thread. kInternal on store failure.
[[nodiscard]] Expected<std::string> command_reply(store::Store& store, const Clock& clock,
                                                  std::string_view text);
/// "3m", "2h 5m", "1d 4h": a short human age.
std::string human_age(std::int64_t ms);

}  // namespace steward::runtime
