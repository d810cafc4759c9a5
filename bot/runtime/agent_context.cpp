#include "bot/runtime/agent_context.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "bot/core/printable.hpp"
#include "bot/store/records.hpp"

namespace steward::runtime {

std::optional<boost::json::object> StoreAgentContext::find_lead(std::string_view email) const {
  std::optional<boost::json::object> out;
  auto r = store_.read([&](SQLite::Database& db) -> Expected<void> {
    auto lead = store::find_lead(db, email);
    if (!lead) return Unexpected(lead.error());
    out = std::move(*lead);
    return {};
  });
  if (!r) spdlog::warn("lead lookup failed: {}", printable(r.error().message, 500));
  return out;
}

std::vector<std::string> StoreAgentContext::slack_ids_with_role(std::string_view role) const {
  std::vector<std::string> ids;
  for (const auto& p : directory_.people())
    if (!p.slack_id.empty() && std::find(p.roles.begin(), p.roles.end(), role) != p.roles.end())
      ids.push_back(p.slack_id);
  return ids;
}

}  // namespace steward::runtime
