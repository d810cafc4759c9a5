// `steward models usage [--days N] [--json]`: what the model calls cost, read offline from the
// metered calls (model_calls), per provider, model, task and agent.

#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>

#include <boost/json.hpp>
#include <iostream>

#include "bot/cli/commands.hpp"
#include "bot/cli/context.hpp"
#include "bot/core/clock.hpp"
#include "bot/core/printable.hpp"
#include "bot/store/model_calls.hpp"

namespace steward::cli {

namespace {

int models_usage(const std::string& config_path, int days, bool as_json) {
  OfflineStore offline(config_path);
  const std::int64_t since =
      to_unix_ms(SystemClock().now()) - static_cast<std::int64_t>(days) * 86'400'000;
  std::vector<store::ModelUsage> rows;
  need(offline.store->read([&](SQLite::Database& db) -> Expected<void> {
    auto r = store::model_usage(db, since);
    if (!r) return Unexpected(r.error());
    rows = std::move(*r);
    return {};
  }),
       "models");
  if (as_json) {
    boost::json::array out;
    for (const auto& u : rows)
      out.push_back({{"provider", u.provider},
                     {"model", u.model},
                     {"task", u.task},
                     {"agent", u.agent},
                     {"calls", u.calls},
                     {"failed", u.failed},
                     {"tokens_in", u.tokens_in},
                     {"tokens_out", u.tokens_out},
                     {"cost_usd", u.cost_usd}});
    std::cout << boost::json::serialize(out) << "\n";
    return 0;
  }
  if (rows.empty()) {
    std::cout << "no model calls in the last " << days << " day(s)\n";
    return 0;
  }
  // Names come from the config and the store; keep control characters off the terminal.
  auto shown = [](const std::string& s) { return printable(s, 40); };
  std::cout << fmt::format("{:<14} {:<22} {:<10} {:<16} {:>6} {:>6} {:>10} {:>10} {:>9}\n",
                           "provider", "model", "task", "agent", "calls", "failed", "tokens in",
                           "tokens out", "cost $");
  double total = 0;
  for (const auto& u : rows) {
    total += u.cost_usd;
    std::cout << fmt::format("{:<14} {:<22} {:<10} {:<16} {:>6} {:>6} {:>10} {:>10} {:>9.4f}\n",
                             shown(u.provider), shown(u.model), shown(u.task), shown(u.agent),
                             u.calls, u.failed, u.tokens_in, u.tokens_out, u.cost_usd);
  }
  std::cout << fmt::format("total over {} day(s): ${:.4f}\n", days, total);
  return 0;
}

}  // namespace

void add_models(CLI::App& app, Commands& out) {
  struct Options {
    std::string config_path;
    int days = 1;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  auto* models = app.add_subcommand("models", "Model providers: metered calls and spend");
  models->require_subcommand(1);
  auto* usage = with_config(
      models->add_subcommand("usage", "Calls, tokens and cost per provider, model, task, agent"),
      o->config_path);
  usage->add_option("--days", o->days, "How many days back (default 1)")
      ->check(CLI::Range(1, 3650));
  usage->add_flag("--json", o->json, "One JSON array instead of a table");
  out.push_back({usage, [o] { return models_usage(o->config_path, o->days, o->json); }});
}

}  // namespace steward::cli
