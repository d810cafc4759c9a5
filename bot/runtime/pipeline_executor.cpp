#include "bot/runtime/pipeline_executor.hpp"

#include "bot/core/json.hpp"
#include "bot/store/records.hpp"

namespace steward::runtime {

Expected<ActionResult> PipelineExecutor::execute(const Action& action,
                                                 std::string_view idempotency_key) {
  if (json::string_or(action.fields, "email").empty())
    return fail(Errc::kPermanent, "pipeline.upsert needs an email");
  // The idempotency key is "<event id>:<index>"; the event id ties the history row to its cause.
  std::string event_id(idempotency_key.substr(0, idempotency_key.rfind(':')));
  auto w =
      store_.write([&](store::Tx& tx) { return store::upsert_lead(tx, action.fields, event_id); });
  if (!w) {
    if (w.error().code == Errc::kInvalidInput) return fail(Errc::kPermanent, w.error().message);
    return Unexpected(w.error());
  }
  ActionResult r;
  r.detail["email"] = json::string_or(action.fields, "email");
  r.detail["stage"] = json::string_or(action.fields, "stage");
  return r;
}

}  // namespace steward::runtime
