// `steward check`: validates the config and every rules file, and says what is configured.

#include <iostream>

#include "bot/cli/commands.hpp"
#include "bot/cli/context.hpp"

namespace steward::cli {

namespace {

int check(const std::string& config_path) {
  auto setup = load_setup(config_path);
  const auto& config = setup.config;
  auto pol = load_policies(config);
  std::cout << "config: " << (config.file.empty() ? "embedded defaults" : config.file.string())
            << "\npolicies: " << pol.where.dir.string() << " (" << pol.where.source << ", "
            << pol.rights.size() << " decision rule(s))\npeople: " << config.people.size();
  for (const auto& module : setup.connectors)
    std::cout << "\n" << need(module->describe(), module->section());
  std::cout << "\nOK\n";
  return 0;
}

}  // namespace

void add_check(CLI::App& app, Commands& out) {
  auto path = std::make_shared<std::string>();
  auto* cmd =
      with_config(app.add_subcommand("check", "Validate the config and every rules file"), *path);
  out.push_back({cmd, [path] { return check(*path); }});
}

}  // namespace steward::cli
