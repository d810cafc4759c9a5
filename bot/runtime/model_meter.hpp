#pragma once
// The kernel's ModelMeter: every model call is stored (model_calls) and audited; spend per
// provider and UTC day is summed from the store, so a restart never resets a budget; a spent
// budget posts one alert per provider per day.

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "bot/core/model.hpp"
#include "bot/runtime/config.hpp"
#include "bot/store/store.hpp"

namespace steward::runtime {

/// @par Thread safety: every member is safe from any thread. record() and budget_exhausted()
/// block for one store commit; spent_today() reads the store once per provider and day, then
/// answers from memory.
class StoreModelMeter final : public ModelMeter {
 public:
  /// `store`, `config` outlive the meter.
  StoreModelMeter(store::Store& store, const Config& config) : store_(store), config_(config) {}

  /// Called after an alert was queued (the runtime wakes its outbox). Set before serving.
  void on_alert(std::function<void()> wake) { wake_ = std::move(wake); }

  /// Stores and audits the call. A failed call (the provider down after its retries, a bad
  /// key) also posts an alert, at most one per provider per hour. A failed write is logged:
  /// metering must never fail the agent's work, and the budget counter still counts the call.
  void record(const ModelCallRecord& call) override;
  [[nodiscard]] double spent_today(std::string_view provider) const override;
  /// Audits and, when Slack is configured, posts a warning to the approvals channel; the
  /// idempotency key "alert:budget:PROVIDER:DAY" makes it once per day even across restarts.
  void budget_exhausted(std::string_view provider, double budget_usd) override;

 private:
  [[nodiscard]] std::string today() const;

  store::Store& store_;
  const Config& config_;
  std::function<void()> wake_;
  mutable std::mutex mutex_;
  mutable std::string day_;                                   ///< the day `spent_` is about
  mutable std::map<std::string, double, std::less<>> spent_;  ///< by provider, for day_
};

}  // namespace steward::runtime
