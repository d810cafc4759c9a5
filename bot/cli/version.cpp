// `steward version`.

#include <iostream>

#include "bot/cli/commands.hpp"

#ifndef STEWARD_VERSION
#define STEWARD_VERSION "dev"
#endif

namespace steward::cli {

void add_version(CLI::App& app, Commands& out) {
  auto* cmd = app.add_subcommand("version", "Print the version");
  out.push_back({cmd, [] {
                   std::cout << "steward " << STEWARD_VERSION << "\n";
                   return 0;
                 }});
}

}  // namespace steward::cli
