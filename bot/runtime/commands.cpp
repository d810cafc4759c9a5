#include "bot/runtime/commands.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "bot/core/printable.hpp"
#include "bot/core/text.hpp"
#include "bot/store/conversations.hpp"
#include "bot/store/records.hpp"

namespace steward::runtime {

namespace {
/// Text from the store for a Slack reply and for `steward tickets` on a terminal: one line (the
/// subject, customer and title come from outside; a newline would forge a list entry, an ESC
/// would drive the operator's terminal) with Slack's three special characters escaped.
std::string escape(std::string_view s) { return slack_escape(single_line(s)); }
}  // namespace

std::string human_age(std::int64_t ms) {
  std::int64_t s = std::max<std::int64_t>(0, ms / 1000);
  if (s < 60) return fmt::format("{}s", s);
  std::int64_t m = s / 60;
  if (m < 60) return fmt::format("{}m", m);
  std::int64_t h = m / 60;
  if (h < 24) return m % 60 ? fmt::format("{}h {}m", h, m % 60) : fmt::format("{}h", h);
  return h % 24 ? fmt::format("{}d {}h", h / 24, h % 24) : fmt::format("{}d", h / 24);
}

[[nodiscard]] Expected<std::string> command_reply(store::Store& store, const Clock& clock,
                                                  std::string_view text,
                                                  const CommandViewer& viewer) {
  const bool operator_view = viewer.user_id.empty();
  const Person* person = viewer.directory ? viewer.directory->find(viewer.user_id) : nullptr;
  const bool known_person = operator_view || (person && person->slack_id == viewer.user_id);
  const bool sees_all_approvals =
      operator_view ||
      (viewer.directory && viewer.directory->may_approve(viewer.see_all_approvals, viewer.user_id));
  auto concerns_viewer = [&](const store::ApprovalRow& a) {
    return sees_all_approvals ||
           (viewer.directory && (viewer.directory->may_approve(a.approvers, viewer.user_id) ||
                                 viewer.directory->same_person(viewer.user_id, a.requester)));
  };
  auto cmd = trim(text);
  auto sp = cmd.find(' ');
  auto verb = cmd.substr(0, sp);
  if (verb.empty() || verb == "help") return command_help();
  std::string out;
  if (verb == "status") {
    auto r = store.read([&](SQLite::Database& db) -> Expected<void> {
      auto c = store::counts(db);
      if (!c) return Unexpected(c.error());
      out = fmt::format(
          "*Steward status*\n• Inbox: {} event(s) received, {} waiting\n"
          "• Outbox: {} pending, {} running, {} done, {} dead-lettered\n"
          "• Approvals waiting: {}\n• Leads in the pipeline: {}\n• Audit entries: {}",
          c->inbox_total, c->inbox_pending, c->outbox_pending, c->outbox_running, c->outbox_done,
          c->outbox_dead, c->approvals_pending, c->leads, c->audit_entries);
      return {};
    });
    if (!r) return Unexpected(r.error());
    return out;
  }
  if (verb == "approvals") {
    auto now = to_unix_ms(clock.now());
    auto r = store.read([&](SQLite::Database& db) -> Expected<void> {
      auto all = store::list_approvals(db, "pending", 1000);
      if (!all) return Unexpected(all.error());
      std::vector<store::ApprovalRow> mine;
      for (auto& a : *all)
        if (concerns_viewer(a)) mine.push_back(std::move(a));
      if (mine.empty()) {
        out = sees_all_approvals || all->empty()
                  ? "No approvals are waiting. :white_check_mark:"
                  : "No approvals are waiting for you. :white_check_mark:";
        return {};
      }
      out = sees_all_approvals
                ? fmt::format("*{} approval(s) waiting:*", mine.size())
                : fmt::format("*{} approval(s) waiting for you or caused by you:*", mine.size());
      std::size_t shown = 0;
      for (const auto& a : mine) {
        if (++shown > 20) {
          out += fmt::format("\n…and {} more", mine.size() - 20);
          break;
        }
        std::string approvers;
        for (const auto& s : a.approvers) approvers += (approvers.empty() ? "" : ", ") + s;
        out += fmt::format("\n• `{}` {} — waiting {}, needs {}{}", a.id, escape(a.title),
                           human_age(now - a.created_at), escape(approvers),
                           a.expires_at ? ", expires in " + human_age(a.expires_at - now) : "");
      }
      return {};
    });
    if (!r) return Unexpected(r.error());
    return out;
  }
  if (verb == "tickets") {
    if (!known_person)
      return std::string(
          "Support tickets are shown to the people listed in Steward's configuration only.");
    auto now = to_unix_ms(clock.now());
    auto r = store.read([&](SQLite::Database& db) -> Expected<void> {
      auto list = store::list_conversations(db, 200);
      if (!list) return Unexpected(list.error());
      // Open first: what still needs someone (no reply yet, or a draft waiting), oldest first.
      std::vector<store::ConversationRow> open, answered;
      for (auto& c : *list) (c.status == "replied" ? answered : open).push_back(std::move(c));
      std::stable_sort(open.begin(), open.end(),
                       [](const auto& a, const auto& b) { return a.last_in_at < b.last_in_at; });
      if (open.empty()) {
        out = answered.empty() ? "No support conversations yet."
                               : fmt::format(
                                     "No open tickets :white_check_mark: ({} answered, "
                                     "waiting on the customer).",
                                     answered.size());
        return {};
      }
      out = fmt::format("*{} open ticket(s):*", open.size());
      std::size_t shown = 0;
      for (const auto& c : open) {
        if (++shown > 20) {
          out += fmt::format("\n…and {} more", open.size() - 20);
          break;
        }
        std::string tags = c.topic.empty() ? "" : c.topic;
        if (!c.urgency.empty() && c.urgency != "normal") tags += ", " + c.urgency + " urgency";
        if (!c.risk.empty()) tags += ", risk: " + c.risk;
        out += fmt::format("\n• `{}` *{}* — {} — {}{} — waiting {}", c.id, escape(c.subject),
                           (c.customer.empty() ? "(sender is not an address)" : escape(c.customer)),
                           c.status, tags.empty() ? "" : " (" + escape(tags) + ")",
                           human_age(now - (c.last_in_at ? c.last_in_at : c.created_at)));
        if (!c.linked_to.empty())
          out += fmt::format(" — _split from `{}`: {}_", c.linked_to, escape(c.link_reason));
      }
      if (!answered.empty())
        out += fmt::format("\n_{} answered conversation(s) are waiting on the customer._",
                           answered.size());
      return {};
    });
    if (!r) return Unexpected(r.error());
    return out;
  }
  return "I don't know `" + escape(std::string(verb)) + "`.\n" + command_help();
}

}  // namespace steward::runtime
