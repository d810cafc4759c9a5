#pragma once
// The command line: each command group registers its subcommands and the work they do.

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

namespace steward::cli {

/// One command: `run` is what `main` runs when `when` was parsed. Groups list a subcommand
/// before its parent, so `tickets revoke` wins over `tickets`.
struct Command {
  CLI::App* when = nullptr;
  std::function<int()> run;
};
using Commands = std::vector<Command>;

/// `cmd` with the usual `--config,-c FILE` option bound to `path`; returns `cmd`.
inline CLI::App* with_config(CLI::App* cmd, std::string& path) {
  cmd->add_option("--config,-c", path, "Config file");
  return cmd;
}

void add_serve(CLI::App& app, Commands& out);      ///< serve
void add_check(CLI::App& app, Commands& out);      ///< check
void add_version(CLI::App& app, Commands& out);    ///< version
void add_policy(CLI::App& app, Commands& out);     ///< policy explain
void add_audit(CLI::App& app, Commands& out);      ///< audit verify | trace
void add_approvals(CLI::App& app, Commands& out);  ///< approvals list | approve | reject
void add_tickets(CLI::App& app, Commands& out);    ///< tickets [revoke | merge]
void add_models(CLI::App& app, Commands& out);     ///< models usage

}  // namespace steward::cli
