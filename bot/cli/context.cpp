#include "bot/cli/context.hpp"

#include <vector>

#include "agents/builtin.hpp"
#include "connectors/builtin.hpp"

#ifndef STEWARD_INSTALL_DATADIR
#define STEWARD_INSTALL_DATADIR "share"
#endif
#ifndef STEWARD_INSTALL_FULL_DATADIR
#define STEWARD_INSTALL_FULL_DATADIR "/usr/local/share"
#endif

namespace fs = std::filesystem;

namespace steward::cli {

Setup load_setup(const std::string& path, const std::set<std::string, std::less<>>& scope) {
  Setup s;
  s.connectors = connectors::builtin();
  fs::path file = path;
  if (file.empty() && fs::exists("steward.toml")) file = "steward.toml";
  if (file.empty()) return demo_setup();
  std::vector<runtime::ConfigSection> sections;
  for (auto& m : s.connectors)
    sections.push_back(
        {std::string(m->section()), [module = m.get()](const toml::table& t, cfg::Reader& r) {
           return module->read_config(t, r);
         }});
  s.config = need(runtime::load_config(file, scope, sections), "config");
  return s;
}

Setup demo_setup() {
  Setup s{runtime::default_config(), connectors::builtin()};
  for (auto& m : s.connectors) m->use_embedded_defaults();
  return s;
}

runtime::Config load_config_or_defaults(const std::string& path,
                                        const std::set<std::string, std::less<>>& scope) {
  return load_setup(path, scope).config;
}

PoliciesDir policies_dir(const runtime::Config& config) {
  if (!config.policies.dir.empty()) return {config.policies.dir, "[policies] dir"};
  auto holds_rules = [](const fs::path& dir) {
    std::error_code ec;
    return fs::exists(dir / "rules/decision-rights.toml", ec);
  };
  std::vector<PoliciesDir> candidates;
  if (!config.file.empty())
    candidates.push_back({config.file.parent_path() / "policies", "next to the config file"});
  candidates.push_back({"policies", "./policies"});
  // PREFIX/bin/steward finds PREFIX/share/steward/policies wherever the tree was installed or
  // moved to; the build tree mirrors that layout (bin/steward, share/steward/policies).
  std::error_code ec;
  if (auto exe = fs::read_symlink("/proc/self/exe", ec); !ec)
    candidates.push_back(
        {exe.parent_path().parent_path() / STEWARD_INSTALL_DATADIR / "steward/policies",
         "the share directory next to the binary"});
  candidates.push_back({fs::path(STEWARD_INSTALL_FULL_DATADIR) / "steward/policies",
                        "the installed share directory"});
  std::string looked;
  for (auto& c : candidates) {
    if (holds_rules(c.dir)) return c;
    looked += (looked.empty() ? "" : ", ") + c.dir.string();
  }
  throw StartupError(
      "policies: no rules/decision-rights.toml found; set [policies] dir in the config (looked "
      "in " +
      looked + ")");
}

Policies load_policies(const runtime::Config& config) {
  auto where = policies_dir(config);
  const fs::path& dir = where.dir;
  policies::Vars vars;
  vars.values["slack.sales_channel"] = {config.slack.sales_channel};
  vars.values["slack.approvals_channel"] = {config.slack.approvals_channel};
  vars.values["slack.support_channel"] = {config.slack.support_channel};
  vars.values["slack.escalation_channel"] = {config.slack.escalation_channel};
  vars.values["company.domains"] = config.company.domains;
  vars.values["company.name"] = {config.company.name};
  auto rights = need(policies::DecisionRights::load_file(dir / "rules/decision-rights.toml", vars),
                     "decision rights");
  auto routing = need(policies::Routing::load_file(dir / "rules/routing.toml", vars), "routing");
  std::string sender = config.email.from;
  if (auto lt = sender.find('<'); lt != std::string::npos) sender = sender.substr(0, lt);
  while (!sender.empty() && sender.back() == ' ') sender.pop_back();
  agents::AgentSetup setup{dir / "rules",
                           dir / "templates",
                           config.company.name,
                           sender.empty() ? config.company.name : sender,
                           config.slack.sales_channel,
                           config.slack.support_channel,
                           config.slack.escalation_channel};
  // The message already names the agent ("lead qualifier: FILE:LINE: …").
  auto built = agents::builtin_agents(setup);
  if (!built) throw StartupError(built.error().message);
  return Policies{std::move(where), std::move(rights), std::move(routing), std::move(*built)};
}

std::unique_ptr<store::Store> open_store(const runtime::Config& config, const Clock& clock) {
  store::StoreOptions options;
  options.max_queue = config.inbox.max_unwritten;
  return need(store::Store::open(config.store.path, clock, options), "store");
}

}  // namespace steward::cli
