#pragma once
// Executes `pipeline.upsert`: Steward's built-in sales pipeline lives in its own store.

#include "bot/core/executor.hpp"
#include "bot/store/store.hpp"

namespace steward::runtime {

/// @par Blocking: one store write per action. Idempotent: an upsert repeated after a crash
/// sets the same values (the history gains one more row, marked with the same event).
class PipelineExecutor final : public ActionExecutor {
 public:
  explicit PipelineExecutor(store::Store& store) : store_(store) {}
  [[nodiscard]] std::vector<std::string> kinds() const override { return {"pipeline.upsert"}; }
  [[nodiscard]] Expected<ActionResult> execute(const Action& action,
                                               std::string_view idempotency_key) override;

 private:
  store::Store& store_;
};

}  // namespace steward::runtime
