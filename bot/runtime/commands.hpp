#pragma once
// Text answers to `/steward …` commands, built from the store.

#include <string>
#include <string_view>
#include <vector>

#include "bot/core/clock.hpp"
#include "bot/core/command_help.hpp"  // shown for `help` and unknown sub-commands
#include "bot/core/expected.hpp"
#include "bot/runtime/directory.hpp"
#include "bot/store/store.hpp"

namespace steward::runtime {

/// Who asks. Approvals and tickets hold customers' names, addresses and drafted mails, so a
/// workspace member sees only what concerns them.
struct CommandViewer {
  /// The Slack user asking; empty = the operator at the machine (`steward` CLI): sees all.
  std::string user_id;
  const Directory* directory = nullptr;  ///< required when user_id is set
  /// "role:x" / "person:U…" who may list every pending approval (decision-rights.toml
  /// [visibility] all_approvals).
  std::vector<std::string> see_all_approvals;
};

/// The mrkdwn answer to `/steward <text>` ("help", "status", "approvals", "tickets").
/// `approvals` lists what `viewer` may decide or caused (everything for see_all_approvals and
/// the operator); `tickets` answers only people listed in [[people]].
/// @par Blocking (store reads); call on a worker thread. kInternal on store failure.
[[nodiscard]] Expected<std::string> command_reply(store::Store& store, const Clock& clock,
                                                  std::string_view text,
                                                  const CommandViewer& viewer);
/// "3m", "2h 5m", "1d 4h": a short human age.
std::string human_age(std::int64_t ms);

}  // namespace steward::runtime
