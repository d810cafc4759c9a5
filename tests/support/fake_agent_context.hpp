#pragma once
// The AgentContext every agent test uses: plain values in, and a record of what the agent
// asked for (so a test can check an agent looked up what it should, and nothing else).

#include <boost/json.hpp>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bot/core/agent.hpp"
#include "bot/core/clock.hpp"

namespace steward::testing {

/// @par Thread safety: single-threaded, like the agent tests that use it.
struct FakeContext final : AgentContext {
  TimePoint at = from_unix_ms(1'700'000'000'000);
  std::map<std::string, boost::json::object, std::less<>> leads;       ///< by email, as stored
  std::map<std::string, std::vector<std::string>, std::less<>> roles;  ///< role → Slack ids
  mutable std::vector<std::string> looked_up;    ///< emails passed to find_lead, in order
  mutable std::vector<std::string> asked_roles;  ///< roles passed to slack_ids_with_role
  /// What memory() and models() answer; tests point them at real implementations.
  const MemoryReader* memory_reader = &empty_memory;
  ModelGateway* gateway = &offline_models;

  [[nodiscard]] TimePoint now() const override { return at; }
  [[nodiscard]] std::optional<boost::json::object> find_lead(
      std::string_view email) const override {
    looked_up.emplace_back(email);
    auto it = leads.find(email);
    if (it == leads.end()) return std::nullopt;
    return it->second;
  }
  [[nodiscard]] std::vector<std::string> slack_ids_with_role(std::string_view role) const override {
    asked_roles.emplace_back(role);
    auto it = roles.find(role);
    return it == roles.end() ? std::vector<std::string>{} : it->second;
  }
  [[nodiscard]] const MemoryReader& memory() const override { return *memory_reader; }
  [[nodiscard]] ModelGateway& models() const override { return *gateway; }

  static inline EmptyMemory empty_memory;
  static inline OfflineModels offline_models;
};

}  // namespace steward::testing
