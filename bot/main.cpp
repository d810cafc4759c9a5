// Composition root: the command line. Each command group lives in bot/cli/; `serve` wires the
// concrete connectors, agents and the store.

#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

#include "bot/cli/commands.hpp"
#include "bot/cli/context.hpp"

int main(int argc, char** argv) {
  using namespace steward::cli;
  if (const char* lvl = std::getenv("STEWARD_LOG")) spdlog::set_level(spdlog::level::from_str(lvl));
  CLI::App app{"Steward — an AI operating layer for a business: webhooks in, governed actions out"};
  app.require_subcommand(1);
  Commands commands;
  add_serve(app, commands);
  add_check(app, commands);
  add_version(app, commands);
  add_policy(app, commands);
  add_audit(app, commands);
  add_approvals(app, commands);
  add_tickets(app, commands);
  add_models(app, commands);

  CLI11_PARSE(app, argc, argv);
  try {
    for (const auto& c : commands)
      if (c.when->parsed()) return c.run();
  } catch (const StartupError& e) {
    std::cerr << "steward: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    // The last catch-all choke point: report, never dump a trace at an operator.
    std::cerr << "steward: unexpected error: " << e.what() << "\n";
    return 3;
  }
  return 0;
}
