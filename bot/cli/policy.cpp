// `steward policy explain`: how decision rights would decide one action, and why.

#include <fstream>
#include <iostream>
#include <sstream>

#include "bot/cli/commands.hpp"
#include "bot/cli/context.hpp"
#include "bot/core/json.hpp"

namespace steward::cli {

namespace {

int policy_explain(const std::string& config_path, const std::string& action_file) {
  auto config = load_config_or_defaults(config_path);
  auto pol = load_policies(config);
  std::ifstream in(action_file);
  if (!in) throw StartupError("cannot read " + action_file);
  std::stringstream ss;
  ss << in.rdbuf();
  auto obj = need(json::parse_object(ss.str()), action_file);
  Action action;
  action.kind = json::string_or(obj, "kind");
  if (action.kind.empty()) throw StartupError(action_file + ": needs \"kind\"");
  if (auto* f = json::get_object(obj, "fields")) action.fields = *f;
  action.summary = json::string_or(obj, "summary");
  boost::json::object facts;
  if (auto* f = json::get_object(obj, "facts")) facts = *f;
  std::cout << pol.rights.explain(action, facts);
  auto d = pol.rights.decide(action, facts);
  std::cout << "\ndecision: " << verdict_name(d.verdict) << " by " << d.rule << "\n";
  return 0;
}

}  // namespace

void add_policy(CLI::App& app, Commands& out) {
  struct Options {
    std::string config_path, action_file;
  };
  auto o = std::make_shared<Options>();
  auto* policy = app.add_subcommand("policy", "Decision rights tools");
  policy->require_subcommand(1);
  auto* explain = with_config(
      policy->add_subcommand("explain", "Show how an action would be decided"), o->config_path);
  explain->add_option("ACTION", o->action_file, "JSON file: {kind, fields, facts}")->required();
  out.push_back({explain, [o] { return policy_explain(o->config_path, o->action_file); }});
}

}  // namespace steward::cli
