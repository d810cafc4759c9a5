#pragma once
// What every command needs: the config, the rules, the store, and one way to fail at start-up.

#include <filesystem>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "bot/core/agent.hpp"
#include "bot/core/clock.hpp"
#include "bot/core/expected.hpp"
#include "bot/runtime/config.hpp"
#include "bot/store/store.hpp"
#include "connectors/common/module.hpp"
#include "policies/engine/decision_rights.hpp"
#include "policies/engine/routing.hpp"

namespace steward::cli {

/// Start-up failure: printed as one line by main(), exit code 2.
struct StartupError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// The value, or a StartupError "what: message".
template <class T>
T need(Expected<T> r, std::string_view what) {
  if (!r) throw StartupError(std::string(what) + ": " + r.error().message);
  return std::move(*r);
}
inline void need(Expected<void> r, std::string_view what) {
  if (!r) throw StartupError(std::string(what) + ": " + r.error().message);
}

/// The sections an offline command resolves (see runtime::load_config): the store alone.
inline const std::set<std::string, std::less<>> kStoreOnly{"store", "inbox"};

/// `path`, else ./steward.toml when it exists, else the embedded defaults. `scope` as in
/// runtime::load_config (empty: everything). Throws StartupError.
runtime::Config load_config_or_defaults(const std::string& path,
                                        const std::set<std::string, std::less<>>& scope = {});
/// The config and the connectors' modules that read their sections of it.
struct Setup {
  runtime::Config config;
  connectors::Modules connectors;
};
/// Like load_config_or_defaults, with every built-in connector's section read.
Setup load_setup(const std::string& path, const std::set<std::string, std::less<>>& scope = {});
/// The embedded demo defaults, whatever files exist (`serve --demo`).
Setup demo_setup();

/// The policies folder (holds rules/ and templates/) and why it was chosen.
struct PoliciesDir {
  std::filesystem::path dir;
  std::string source;  ///< e.g. "[policies] dir", "next to the config file"
};
/// [policies] dir, else policies/ next to the config file, else ./policies, else the installed
/// share directory. Throws StartupError when none holds rules/decision-rights.toml.
PoliciesDir policies_dir(const runtime::Config& config);

/// Decision rights, routing and agents, loaded and validated together.
struct Policies {
  PoliciesDir where;
  policies::DecisionRights rights;
  policies::Routing routing;
  std::vector<std::unique_ptr<Agent>> agents;  ///< every built-in agent (agents/builtin.hpp)
};
/// Throws StartupError naming the file and line of the first problem.
Policies load_policies(const runtime::Config& config);

/// Opens (and migrates) the store. Throws StartupError.
std::unique_ptr<store::Store> open_store(const runtime::Config& config, const Clock& clock);

/// What an offline command on the store needs: the config's store sections only (kStoreOnly:
/// no other secret has to be set), a clock and the open store. Throws StartupError. Not
/// movable: the store keeps a reference to the clock.
struct OfflineStore {
  explicit OfflineStore(const std::string& config_path)
      : config(load_config_or_defaults(config_path, kStoreOnly)),
        store(open_store(config, clock)) {}
  OfflineStore(const OfflineStore&) = delete;
  OfflineStore& operator=(const OfflineStore&) = delete;

  runtime::Config config;
  SystemClock clock;
  std::unique_ptr<store::Store> store;
};

}  // namespace steward::cli
