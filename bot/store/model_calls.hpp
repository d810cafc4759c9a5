#pragma once
// Metered model calls: one row per call (failed ones too), summed per provider and UTC day for
// the daily budgets.

#include <string>
#include <string_view>
#include <vector>

#include "bot/core/expected.hpp"
#include "bot/core/model.hpp"
#include "bot/store/store.hpp"

namespace steward::store {

/// Records `call` made on `day` ("YYYY-MM-DD", UTC). Errors: kInternal.
[[nodiscard]] Expected<void> insert_model_call(Tx& tx, const ModelCallRecord& call,
                                               std::string_view day);
/// Dollars `provider` spent on `day`. Errors: kInternal.
[[nodiscard]] Expected<double> model_spend(SQLite::Database& db, std::string_view provider,
                                           std::string_view day);

/// Totals per (provider, model, task, agent) since `since_ms`, for `steward models usage`.
struct ModelUsage {
  std::string provider, model, task, agent;
  std::int64_t calls = 0, failed = 0, tokens_in = 0, tokens_out = 0;
  double cost_usd = 0;
};
[[nodiscard]] Expected<std::vector<ModelUsage>> model_usage(SQLite::Database& db,
                                                            std::int64_t since_ms);

}  // namespace steward::store
