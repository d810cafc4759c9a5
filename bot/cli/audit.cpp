// `steward audit verify | trace ID`: the hash-chained audit log, read offline.

#include "bot/store/audit.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>

#include <ctime>
#include <iostream>
#include <optional>

#include "bot/cli/commands.hpp"
#include "bot/cli/context.hpp"
#include "bot/core/printable.hpp"

namespace steward::cli {

namespace {

int audit_verify(const std::string& config_path) {
  OfflineStore offline(config_path);
  std::optional<store::AuditVerdict> verdict;
  need(offline.store->read([&](SQLite::Database& db) -> Expected<void> {
    auto v = store::verify_audit(db);
    if (!v) return Unexpected(v.error());
    verdict = *v;
    return {};
  }),
       "audit");
  if (verdict->ok) {
    std::cout << "audit chain OK: " << verdict->entries << " entries verified\n";
    return 0;
  }
  std::cout << "audit chain BROKEN at entry " << *verdict->first_bad_seq << ": " << verdict->problem
            << "\n";
  return 1;
}

int audit_trace(const std::string& config_path, const std::string& id) {
  OfflineStore offline(config_path);
  std::vector<store::AuditRow> rows;
  need(offline.store->read([&](SQLite::Database& db) -> Expected<void> {
    auto r = store::trace_audit(db, id);
    if (!r) return Unexpected(r.error());
    rows = std::move(*r);
    return {};
  }),
       "audit");
  if (rows.empty()) {
    std::cout << "nothing in the audit log for " << id << "\n";
    return 1;
  }
  // Actors, ids and data hold text from outside; on a terminal a raw ESC or CR would act.
  auto shown = [](const std::string& s) { return printable(s, s.size()); };
  for (const auto& r : rows) {
    auto t = std::chrono::system_clock::to_time_t(from_unix_ms(r.at));
    char when[32];
    std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", std::gmtime(&t));
    std::cout << fmt::format(
        "#{:<5} {}Z  {:<20} actor={}{}{}{}\n        {}\n", r.seq, when, shown(r.kind),
        shown(r.actor), r.event_id.empty() ? "" : " event=" + shown(r.event_id),
        r.action_id.empty() ? "" : " action=" + shown(r.action_id),
        r.approval_id.empty() ? "" : " approval=" + shown(r.approval_id), shown(r.data));
  }
  return 0;
}

}  // namespace

void add_audit(CLI::App& app, Commands& out) {
  struct Options {
    std::string config_path, trace_id;
  };
  auto o = std::make_shared<Options>();
  auto* audit = app.add_subcommand("audit", "Audit log tools");
  audit->require_subcommand(1);
  auto* verify =
      with_config(audit->add_subcommand("verify", "Verify the hash chain"), o->config_path);
  auto* trace = with_config(
      audit->add_subcommand("trace", "Print the chain for an event, action or approval"),
      o->config_path);
  trace->add_option("ID", o->trace_id, "event, action or approval id")->required();
  out.push_back({verify, [o] { return audit_verify(o->config_path); }});
  out.push_back({trace, [o] { return audit_trace(o->config_path, o->trace_id); }});
}

}  // namespace steward::cli
