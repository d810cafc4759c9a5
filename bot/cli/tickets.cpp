// `steward tickets [revoke | merge]`: support conversations, for operators without Slack.

#include <iostream>

#include "bot/cli/commands.hpp"
#include "bot/cli/context.hpp"
#include "bot/core/printable.hpp"
#include "bot/runtime/commands.hpp"
#include "bot/store/conversations.hpp"
#include "bot/store/records.hpp"

namespace steward::cli {

namespace {

/// `steward tickets`: the same answer as `/steward tickets`, for operators without Slack.
int tickets(const std::string& config_path) {
  OfflineStore offline(config_path);
  // The operator at the machine sees every ticket.
  auto reply =
      runtime::command_reply(*offline.store, offline.clock, "tickets", runtime::CommandViewer{});
  if (!reply) throw StartupError("store: " + reply.error().message);
  std::cout << *reply << "\n";
  return 0;
}

// ------------------------------------------------------------------------------------- serve

/// `steward tickets revoke CONV [--address A]`: that address (or everyone) can no longer write
/// into the conversation; their mail starts a new, linked conversation instead.
int tickets_revoke(const std::string& config_path, const std::string& conversation_id,
                   const std::string& address, const std::string& as) {
  OfflineStore offline(config_path);
  std::string mailbox;
  auto w = offline.store->write([&](store::Tx& tx) -> Expected<void> {
    auto r = store::revoke_reply_access(tx, conversation_id, address, as);
    if (!r) return Unexpected(r.error());
    mailbox = *r;
    auto a = tx.audit({"reply.revoked",
                       "",
                       "",
                       "",
                       as,
                       {{"conversation_id", conversation_id}, {"mailbox", mailbox}}});
    if (!a) return Unexpected(a.error());
    return {};
  });
  if (!w) {
    std::cerr << "steward: " << printable(w.error().message) << "\n";
    return 1;
  }
  std::cout << "reply access to " << conversation_id << " revoked for "
            << (mailbox == "*" ? std::string("everyone") : mailbox) << "\n";
  return 0;
}

/// `steward tickets merge FROM --into TO`: a person decided two conversations are one thread.
int tickets_merge(const std::string& config_path, const std::string& from, const std::string& into,
                  const std::string& as) {
  OfflineStore offline(config_path);
  auto w = offline.store->write([&](store::Tx& tx) -> Expected<void> {
    if (auto r = store::merge_conversations(tx, from, into); !r) return r;
    auto a = tx.audit(
        {"conversation.merged", "", "", "", as, {{"conversation_id", from}, {"into", into}}});
    if (!a) return Unexpected(a.error());
    return {};
  });
  if (!w) {
    std::cerr << "steward: " << printable(w.error().message) << "\n";
    return 1;
  }
  std::cout << from << " merged into " << into << "\n";
  return 0;
}

}  // namespace

void add_tickets(CLI::App& app, Commands& out) {
  struct Options {
    std::string config_path, conversation_id, address = "*", as = "operator", into;
  };
  auto o = std::make_shared<Options>();
  auto* tickets_cmd =
      app.add_subcommand("tickets", "Support conversations and where each one stands");
  tickets_cmd->add_option("--config,-c", o->config_path, "Config file");
  auto* revoke = tickets_cmd->add_subcommand(
      "revoke", "Stop an address (or everyone) from writing into a conversation");
  revoke->add_option("CONVERSATION", o->conversation_id, "Conversation id (cv_…)")->required();
  revoke->add_option("--address", o->address,
                     "The address whose reply access ends (default: everyone)");
  revoke->add_option("--as", o->as, "Who revokes (recorded in the audit log)");
  revoke->add_option("--config,-c", o->config_path, "Config file");
  auto* merge = tickets_cmd->add_subcommand(
      "merge", "Merge a conversation into another (e.g. one Steward split off)");
  merge->add_option("CONVERSATION", o->conversation_id, "The conversation to merge away")
      ->required();
  merge->add_option("--into", o->into, "The conversation that remains")->required();
  merge->add_option("--as", o->as, "Who merges (recorded in the audit log)");
  merge->add_option("--config,-c", o->config_path, "Config file");
  out.push_back(
      {merge, [o] { return tickets_merge(o->config_path, o->conversation_id, o->into, o->as); }});
  out.push_back({revoke, [o] {
                   return tickets_revoke(o->config_path, o->conversation_id, o->address, o->as);
                 }});
  out.push_back({tickets_cmd, [o] { return tickets(o->config_path); }});
}

}  // namespace steward::cli
