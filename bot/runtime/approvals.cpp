#include "bot/runtime/approvals.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>

#include "bot/core/json.hpp"

namespace steward::runtime {

namespace {

boost::json::array to_array(const std::vector<std::string>& v) {
  boost::json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::string status_for(std::string_view decision) {
  return decision == "approve" ? "approved" : "rejected";
}

}  // namespace

bool ApprovalDesk::is_slack_hook_url(std::string_view url) const {
  const std::string& base = config_.slack.response_url_base;
  // The base ends with '/', so "https://hooks.slack.com.evil.example/" never matches.
  return !base.empty() && base.back() == '/' && url.size() > base.size() &&
         url.compare(0, base.size(), base) == 0;
}

Expected<store::ActionRow> ApprovalDesk::enqueue_system(store::Tx& tx, std::string kind,
                                                        boost::json::object fields,
                                                        std::string summary, std::string event_id,
                                                        std::string idempotency_key,
                                                        int max_attempts) {
  store::ActionRow row;
  row.kind = std::move(kind);
  row.fields = std::move(fields);
  row.summary = std::move(summary);
  row.event_id = std::move(event_id);
  row.idempotency_key = std::move(idempotency_key);
  row.origin = "system";
  row.verdict = "system";
  row.rule = "system";
  row.status = "pending";
  row.max_attempts = max_attempts;
  row.next_attempt_at = tx.now_ms();
  if (auto r = store::insert_action(tx, row); !r) return Unexpected(r.error());
  auto a = tx.audit({"action.queued",
                     row.event_id,
                     row.id,
                     "",
                     "steward",
                     {{"kind", row.kind}, {"origin", "system"}, {"summary", row.summary}}});
  if (!a) return Unexpected(a.error());
  return row;
}

Expected<store::ApprovalRow> ApprovalDesk::open(store::Tx& tx, const store::ActionRow& action,
                                                const Decision& decision, const Event& cause,
                                                const Plan& plan) const {
  store::ApprovalRow a;
  a.action_id = action.id;
  a.event_id = cause.id;
  a.rule = decision.rule;
  a.approvers = decision.approvers;
  a.requester = cause.actor;
  a.title = action.summary;
  a.status = "pending";
  a.on_expiry = decision.on_expiry;
  a.expires_at =
      decision.expires_after.count() > 0 ? tx.now_ms() + decision.expires_after.count() * 1000 : 0;
  a.id = store::new_id("apr");
  if (config_.slack.configured())
    a.post_action_id = "pending";  // replaced below
  else
    a.post_action_id.clear();

  boost::json::object post;
  if (config_.slack.configured()) {
    post["approval_id"] = a.id;
    post["channel"] = config_.slack.approvals_channel;
    post["title"] = "Approval needed: " + action.summary;
    std::string summary = action.summary;
    if (auto* lead = json::get_object(plan.facts, "lead")) {
      summary +=
          fmt::format(" — lead {} scored {} ({})", json::string_or(*lead, "email"),
                      json::get_int(*lead, "score").value_or(0), json::string_or(*lead, "stage"));
    }
    post["summary"] = summary;
    boost::json::array reasons;
    for (const auto& n : plan.notes) reasons.emplace_back(n);
    reasons.emplace_back("Decided by rule " + decision.rule +
                         (decision.reason.empty() ? "" : ": " + decision.reason));
    post["reasons"] = std::move(reasons);
    if (action.kind == "email.send") {
      boost::json::object draft;
      draft["to"] = json::string_or(action.fields, "to");
      draft["subject"] = json::string_or(action.fields, "subject");
      draft["text"] = json::string_or(action.fields, "text");
      post["draft"] = std::move(draft);
    }
    post["rule"] = decision.rule;
    post["approvers"] = to_array(decision.approvers);
    post["expires_at"] = a.expires_at / 1000;
    post["requested_by"] = cause.actor;
    if (!action.drafted_by.empty()) post["drafted_by"] = action.drafted_by;
    auto queued =
        enqueue_system(tx, "approval.post", std::move(post), "Post approval request " + a.id,
                       cause.id, "approval.post:" + a.id, config_.outbox.max_attempts);
    if (!queued) return Unexpected(queued.error());
    a.post_action_id = queued->id;
  }
  if (auto r = store::insert_approval(tx, a); !r) return Unexpected(r.error());
  auto audit = tx.audit(
      {"approval.requested",
       cause.id,
       action.id,
       a.id,
       cause.actor,
       {{"rule", a.rule}, {"approvers", to_array(a.approvers)}, {"expires_at", a.expires_at}}});
  if (!audit) return Unexpected(audit.error());
  return a;
}

Expected<void> ApprovalDesk::queue_update(store::Tx& tx, const store::ApprovalRow& approval,
                                          std::string_view channel, std::string_view ts,
                                          std::string_view event_id) const {
  if (!config_.slack.configured()) return {};
  std::string ch(channel.empty() ? std::string_view(approval.message_channel) : channel);
  std::string t(ts.empty() ? std::string_view(approval.message_ts) : ts);
  if (ch.empty() || t.empty()) {
    // The request message has not been posted yet; it will be posted already decided.
    return {};
  }
  auto fresh = store::get_approval(tx.db(), approval.id);
  if (!fresh) return Unexpected(fresh.error());
  const auto& a = fresh->value_or(approval);
  boost::json::object f;
  f["approval_id"] = a.id;
  f["channel"] = ch;
  f["ts"] = t;
  f["title"] = "Approval: " + a.title;
  f["summary"] = a.title;
  f["status"] = a.status;
  f["decided_by"] = a.decided_by == "steward" ? "" : a.decided_by;
  f["decided_at"] = (a.decided_at ? a.decided_at : tx.now_ms()) / 1000;
  f["note"] = "Rule " + a.rule;
  auto r = enqueue_system(tx, "approval.update", std::move(f), "Update approval message " + a.id,
                          std::string(event_id), "approval.update:" + a.id + ":" + a.status,
                          config_.outbox.max_attempts);
  if (!r && r.error().code != Errc::kConflict) return Unexpected(r.error());
  return {};
}

Expected<DecideOutcome> ApprovalDesk::decide(store::Tx& tx, const DecideRequest& req) const {
  DecideOutcome out;
  auto refuse = [&](std::string why, std::string status) -> Expected<DecideOutcome> {
    out.accepted = false;
    out.status = std::move(status);
    out.message = std::move(why);
    auto a =
        tx.audit({"approval.refused",
                  req.event_id,
                  "",
                  req.approval_id,
                  req.user_id,
                  {{"decision", req.decision}, {"source", req.source}, {"reason", out.message}}});
    if (!a) return Unexpected(a.error());
    if (config_.slack.configured() && req.source == "slack") {
      // A response_url comes inside the click's payload: Steward posts only to Slack's own hooks
      // host, so a signed but crafted payload cannot make it send requests elsewhere. Without a
      // usable one, the refusal goes to the same person as an ephemeral message.
      const std::string text = ":no_entry: " + out.message;
      std::string kind;
      boost::json::object f;
      if (is_slack_hook_url(req.response_url)) {
        kind = "slack.respond";
        f = {{"response_url", req.response_url},
             {"text", text},
             {"response_type", "ephemeral"},
             {"replace_original", false}};
      } else if (!req.channel.empty() && !req.user_id.empty()) {
        kind = "slack.ephemeral";
        f = {{"channel", req.channel}, {"user", req.user_id}, {"text", text}};
      }
      if (!kind.empty()) {
        // kConflict: this click's refusal is queued already (a redelivered event).
        auto q =
            enqueue_system(tx, std::move(kind), std::move(f), "Tell " + req.user_id + " why not",
                           req.event_id, "refusal:" + req.event_id, 3);
        if (!q && q.error().code != Errc::kConflict) return Unexpected(q.error());
      }
    }
    return out;
  };

  if (req.decision != "approve" && req.decision != "reject")
    return refuse("Unknown decision '" + req.decision + "'.", "");
  auto found = store::get_approval(tx.db(), req.approval_id);
  if (!found) return Unexpected(found.error());
  if (!*found) return refuse("Approval " + req.approval_id + " does not exist.", "");
  const store::ApprovalRow& a = **found;
  if (a.status != "pending") {
    std::string who = a.decided_by.empty() || a.decided_by == "steward"
                          ? std::string()
                          : " by <@" + a.decided_by + ">";
    return refuse("This request was already " + a.status + who + ".", a.status);
  }
  if (a.expires_at > 0 && tx.now_ms() >= a.expires_at)
    return refuse("This request expired; it can no longer be decided.", "pending");
  if (!directory_.may_approve(a.approvers, req.user_id))
    return refuse("You are not allowed to decide this request (needs " + join(a.approvers) +
                      ", rule " + a.rule + ").",
                  "pending");
  if (directory_.same_person(req.user_id, a.requester))
    return refuse("You caused this request, so someone else must decide it (four-eyes rule).",
                  "pending");

  // The approval and its action move together or not at all: an approval marked decided while
  // its action stayed where it was would tell the approver something happened that did not.
  auto action = store::get_action(tx.db(), a.action_id);
  if (!action) return Unexpected(action.error());
  if (!*action || (*action)->status != "awaiting_approval")
    return refuse("The action of this request is no longer waiting for approval (it is " +
                      (*action ? (*action)->status : std::string("missing")) +
                      "); nothing was decided.",
                  "pending");
  const std::string status = status_for(req.decision);
  auto decided = store::decide_approval(tx, a.id, status, req.user_id);
  if (!decided) return Unexpected(decided.error());
  if (!*decided) return refuse("This request was already decided.", "");
  auto moved = store::transition_action(tx, a.action_id, "awaiting_approval",
                                        status == "approved" ? "pending" : "rejected");
  if (!moved) return Unexpected(moved.error());
  // Checked above inside this same write transaction, so this cannot happen unless the store is
  // inconsistent; failing the job rolls the decision back with it.
  if (!*moved)
    return fail(Errc::kInternal, "approval " + a.id + ": action " + a.action_id +
                                     " did not leave awaiting_approval; decision rolled back");
  auto audit = tx.audit({"approval.decided",
                         req.event_id,
                         a.action_id,
                         a.id,
                         req.user_id,
                         {{"status", status}, {"source", req.source}, {"rule", a.rule}}});
  if (!audit) return Unexpected(audit.error());
  if (auto u = queue_update(tx, a, req.channel, req.message_ts, req.event_id); !u)
    return Unexpected(u.error());
  if (auto m = remember(tx, a, **action, status, req.user_id); !m) return Unexpected(m.error());
  out.accepted = true;
  out.status = status;
  out.message = "Approval " + a.id + " " + status + ".";
  return out;
}

Expected<void> ApprovalDesk::remember(store::Tx& tx, const store::ApprovalRow& a,
                                      const store::ActionRow& action, std::string_view status,
                                      std::string_view decided_by) const {
  if (!remember_decisions_) return {};
  auto name = [&](std::string_view id) {
    const Person* p = directory_.find(id);
    return p && !p->name.empty() ? p->name + " (" + std::string(id) + ")" : std::string(id);
  };
  const auto days = std::chrono::floor<std::chrono::days>(from_unix_ms(tx.now_ms()));
  const std::chrono::year_month_day ymd{days};
  char date[16];
  std::snprintf(date, sizeof date, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  // Written as sentences so a later question ("what did we decide about discounts for Acme?")
  // matches the words people use, and the answer reads as a record.
  std::string text = std::string(date) + ": " + name(decided_by) + " " + std::string(status) +
                     " \"" + a.title + "\". The action was: " + action.summary + " (" +
                     action.kind + ")";
  for (const char* key : {"to", "subject", "channel", "company", "email"})
    if (auto it = action.fields.find(key); it != action.fields.end() && it->value().is_string())
      text += std::string("; ") + key + ": " + std::string(it->value().get_string());
  text += ". Requested by " + name(a.requester) + "; decision rule " + a.rule + ".";
  boost::json::object f{{"collection", "decisions"},
                        {"title", "Decision: " + a.title},
                        {"text", text},
                        {"source", "approval:" + a.id},
                        {"kind", "decision"}};
  auto q = enqueue_system(tx, "memory.write", std::move(f), "Remember the decision on " + a.id,
                          a.event_id, "remember:" + a.id, config_.outbox.max_attempts);
  if (!q && q.error().code != Errc::kConflict) return Unexpected(q.error());
  return {};
}

Expected<void> ApprovalDesk::message_posted(store::Tx& tx, std::string_view post_action_id,
                                            std::string_view channel, std::string_view ts) const {
  if (auto r = store::set_approval_message(tx, post_action_id, channel, ts); !r) return r;
  auto found = store::approval_by_post_action(tx.db(), post_action_id);
  if (!found) return Unexpected(found.error());
  if (!*found || (*found)->status == "pending") return {};
  return queue_update(tx, **found, channel, ts, (*found)->event_id);
}

Expected<int> ApprovalDesk::expire(store::Tx& tx) const {
  auto due = store::expired_approvals(tx.db(), tx.now_ms());
  if (!due) return Unexpected(due.error());
  int n = 0;
  for (const auto& a : *due) {
    auto decided = store::decide_approval(tx, a.id, "expired", "steward");
    if (!decided) return Unexpected(decided.error());
    if (!*decided) continue;
    // An action that already left awaiting_approval stays where it is (false here); the
    // approval still expires, since nobody can decide it any more.
    auto moved = store::transition_action(tx, a.action_id, "awaiting_approval", "expired");
    if (!moved) return Unexpected(moved.error());
    auto audit = tx.audit({"approval.expired",
                           a.event_id,
                           a.action_id,
                           a.id,
                           "steward",
                           {{"on_expiry", a.on_expiry}, {"expires_at", a.expires_at}}});
    if (!audit) return Unexpected(audit.error());
    if (auto u = queue_update(tx, a, "", "", a.event_id); !u) return Unexpected(u.error());
    ++n;
  }
  return n;
}

}  // namespace steward::runtime
