#include "bot/runtime/model_meter.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>

#include "bot/core/printable.hpp"
#include "bot/runtime/approvals.hpp"
#include "bot/store/model_calls.hpp"

namespace steward::runtime {

std::string StoreModelMeter::today() const {
  const auto days = std::chrono::floor<std::chrono::days>(store_.clock().now());
  const std::chrono::year_month_day ymd{days};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

void StoreModelMeter::record(const ModelCallRecord& call) {
  const std::string day = today();
  {
    std::lock_guard lock(mutex_);
    if (day_ == day) {
      auto it = spent_.find(call.provider);
      if (it != spent_.end()) it->second += call.cost_usd;
    }
  }
  bool alerted = false;
  auto r = store_.write([&](store::Tx& tx) -> Expected<void> {
    if (auto w = store::insert_model_call(tx, call, day); !w) return w;
    boost::json::object data{{"provider", call.provider},
                             {"model", call.model},
                             {"task", call.task},
                             {"tokens_in", call.tokens_in},
                             {"tokens_out", call.tokens_out},
                             {"cost_usd", call.cost_usd},
                             {"latency_ms", call.latency_ms},
                             {"attempts", call.attempts},
                             {"ok", call.ok},
                             {"prompt_sha256", call.prompt_sha256},
                             {"output_sha256", call.output_sha256}};
    if (!call.ok) data["error"] = call.error;
    auto a = tx.audit({"model.call", "", "", "", "agent:" + call.agent, std::move(data)});
    if (!a) return Unexpected(a.error());
    if (call.ok || !config_.slack.configured()) return {};
    // A failing provider is worth one message per hour, not one per call: the agents have
    // already fallen back to their rules, so people need to know the drafts are plainer.
    const auto hour = std::chrono::floor<std::chrono::hours>(store_.clock().now());
    const std::string key =
        "alert:model-down:" + call.provider + ":" + std::to_string(hour.time_since_epoch().count());
    boost::json::object f;
    f["channel"] = config_.slack.approvals_channel;
    f["text"] = ":warning: Model provider '" + call.provider + "' (" + call.model +
                ") failed for the " + call.task + " task of " + call.agent + ": " + call.error +
                ". Steward carries on offline (rules, templates, extractive answers) and tries "
                "the provider again on the next call.";
    auto q = ApprovalDesk::enqueue_system(tx, "slack.post", std::move(f),
                                          "Model provider alert for " + call.provider, "", key,
                                          config_.outbox.max_attempts);
    if (!q) return q.error().code == Errc::kConflict ? Expected<void>{} : Unexpected(q.error());
    alerted = true;
    return {};
  });
  if (!r)
    spdlog::warn("model call by {} not recorded: {}", call.agent,
                 printable(r.error().message, 300));
  if (!call.ok)
    spdlog::warn("model provider {} failed for {}: {}", call.provider, call.agent,
                 printable(call.error, 300));
  if (alerted && wake_) wake_();
}

double StoreModelMeter::spent_today(std::string_view provider) const {
  const std::string day = today();
  std::lock_guard lock(mutex_);
  if (day_ != day) {
    day_ = day;
    spent_.clear();
  }
  if (auto it = spent_.find(provider); it != spent_.end()) return it->second;
  double spent = 0;
  auto r = store_.read([&](SQLite::Database& db) -> Expected<void> {
    auto s = store::model_spend(db, provider, day);
    if (!s) return Unexpected(s.error());
    spent = *s;
    return {};
  });
  if (!r) {
    // Unknown spend is not zero spend: do not cache, so the next call asks again.
    spdlog::warn("model spend of {} unreadable: {}", provider, printable(r.error().message, 300));
    return spent;
  }
  spent_.emplace(std::string(provider), spent);
  return spent;
}

void StoreModelMeter::budget_exhausted(std::string_view provider, double budget_usd) {
  const std::string day = today();
  const std::string key = "alert:budget:" + std::string(provider) + ":" + day;
  bool queued = false;
  auto r = store_.write([&](store::Tx& tx) -> Expected<void> {
    char amount[32];
    std::snprintf(amount, sizeof amount, "%.2f", budget_usd);
    if (!config_.slack.configured()) {
      auto a = tx.audit({"model.budget_exhausted",
                         "",
                         "",
                         "",
                         "steward",
                         {{"provider", std::string(provider)}, {"budget_usd", budget_usd}}});
      if (!a) return Unexpected(a.error());
      return {};
    }
    boost::json::object f;
    f["channel"] = config_.slack.approvals_channel;
    f["text"] = ":warning: The daily model budget of provider '" + std::string(provider) + "' ($" +
                amount +
                ") is spent. Until midnight UTC its tasks run offline (rules "
                "and extractive answers); raise daily_budget_usd in [model.providers." +
                std::string(provider) + "] to resume.";
    auto q = ApprovalDesk::enqueue_system(tx, "slack.post", std::move(f),
                                          "Model budget alert for " + std::string(provider), "",
                                          key, config_.outbox.max_attempts);
    if (!q) {
      // Already alerted today (by this run or an earlier one).
      if (q.error().code == Errc::kConflict) return {};
      return Unexpected(q.error());
    }
    queued = true;
    auto a = tx.audit({"model.budget_exhausted",
                       "",
                       q->id,
                       "",
                       "steward",
                       {{"provider", std::string(provider)}, {"budget_usd", budget_usd}}});
    if (!a) return Unexpected(a.error());
    return {};
  });
  if (!r) {
    spdlog::warn("model budget alert for {} not queued: {}", provider,
                 printable(r.error().message, 300));
    return;
  }
  spdlog::warn("model provider {}: daily budget of ${:.2f} spent; its tasks run offline today",
               provider, budget_usd);
  if (queued && wake_) wake_();
}

}  // namespace steward::runtime
