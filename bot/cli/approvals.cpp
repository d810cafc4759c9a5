// `steward approvals list | approve | reject`: approvals for operators without Slack.

#include "bot/runtime/approvals.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>

#include <iostream>

#include "bot/cli/commands.hpp"
#include "bot/cli/context.hpp"
#include "bot/core/printable.hpp"
#include "bot/runtime/commands.hpp"
#include "bot/runtime/directory.hpp"
#include "bot/store/records.hpp"

namespace steward::cli {

namespace {

int approvals_list(const std::string& config_path, bool all) {
  OfflineStore offline(config_path);
  std::vector<store::ApprovalRow> list;
  need(offline.store->read([&](SQLite::Database& db) -> Expected<void> {
    auto r = store::list_approvals(db, all ? "" : "pending", 1000);
    if (!r) return Unexpected(r.error());
    list = std::move(*r);
    return {};
  }),
       "approvals");
  auto now = to_unix_ms(offline.clock.now());
  if (list.empty()) std::cout << (all ? "no approvals\n" : "no pending approvals\n");
  // Titles are drafted from outside text (a subject, a lead's name) and end up on a terminal.
  auto shown = [](const std::string& s) { return printable(s, s.size()); };
  for (const auto& a : list) {
    std::string approvers;
    for (const auto& s : a.approvers) approvers += (approvers.empty() ? "" : ",") + s;
    std::cout << fmt::format("{}  {:<9} age {:<7} needs {:<16} {}{}\n", shown(a.id),
                             shown(a.status), runtime::human_age(now - a.created_at),
                             shown(approvers), shown(a.title),
                             a.decided_by.empty() ? "" : "  (by " + shown(a.decided_by) + ")");
  }
  return 0;
}

int approvals_decide(const std::string& config_path, const std::string& id,
                     const std::string& decision, const std::string& as) {
  // The desk reads [[people]] and [outbox]; [slack] is read as written: whether it is
  // configured decides if the Slack message is updated later, by `serve`, which holds the token.
  auto config = load_config_or_defaults(config_path, {"store", "inbox", "people", "outbox"});
  SystemClock clock;
  auto store = open_store(config, clock);
  runtime::Directory directory(config.people);
  runtime::ApprovalDesk desk(config, directory);
  // The decision enters the inbox like a click, and is applied in the same transaction.
  Event event;
  event.source = "cli";
  event.kind = "approval.decide";
  event.actor = as;
  event.dedupe_key = "cli:" + store::new_id("decide");
  event.payload = {{"approval_id", id}, {"decision", decision}, {"user_id", as}, {"source", "cli"}};
  event.received_at = clock.now();
  runtime::DecideOutcome outcome;
  need(store->write([&](store::Tx& tx) -> Expected<void> {
    auto ins = store::insert_event(tx, event);
    if (!ins) return Unexpected(ins.error());
    runtime::DecideRequest req;
    req.approval_id = id;
    req.decision = decision;
    req.user_id = as;
    req.source = "cli";
    req.event_id = event.id;
    auto o = desk.decide(tx, req);
    if (!o) return Unexpected(o.error());
    outcome = *o;
    return store::finish_event(tx, event.id, "done", o->accepted ? "" : o->message);
  }),
       "approvals");
  std::cout << printable(outcome.message, outcome.message.size()) << "\n";
  return outcome.accepted ? 0 : 1;
}

}  // namespace

void add_approvals(CLI::App& app, Commands& out) {
  struct Options {
    std::string config_path, approval_id, as;
    bool all = false;
  };
  auto o = std::make_shared<Options>();
  auto* appr =
      with_config(app.add_subcommand("approvals", "List and decide approvals"), o->config_path);
  appr->require_subcommand(1);
  auto* list = with_config(appr->add_subcommand("list", "Pending approvals (--all for every one)"),
                           o->config_path);
  list->add_flag("--all", o->all, "Include decided and expired approvals");
  auto* approve =
      with_config(appr->add_subcommand("approve", "Approve as a person"), o->config_path);
  approve->add_option("ID", o->approval_id, "approval id")->required();
  approve->add_option("--as", o->as, "Slack id of the deciding person")->required();
  auto* reject = with_config(appr->add_subcommand("reject", "Reject as a person"), o->config_path);
  reject->add_option("ID", o->approval_id, "approval id")->required();
  reject->add_option("--as", o->as, "Slack id of the deciding person")->required();
  out.push_back({list, [o] { return approvals_list(o->config_path, o->all); }});
  out.push_back({approve, [o] {
                   return approvals_decide(o->config_path, o->approval_id, "approve", o->as);
                 }});
  out.push_back(
      {reject, [o] { return approvals_decide(o->config_path, o->approval_id, "reject", o->as); }});
}

}  // namespace steward::cli
