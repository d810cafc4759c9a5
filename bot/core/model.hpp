#pragma once
// Language models as agents see them: one gateway that picks the provider configured for a
// task, meters and audits every call, and answers kUnavailable when the task is offline (the
// default) or its provider is down or over budget — the agent then uses its rules.
// Implemented in connectors/model; agents only ever hold this interface.

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bot/core/expected.hpp"

namespace steward {

/// What a call is for; `[model.tasks]` maps each to a provider ("offline" by default).
enum class ModelTask { kClassify, kDraft, kAnswer, kSummarise, kEmbed };

[[nodiscard]] constexpr std::string_view to_string(ModelTask t) {
  switch (t) {
    case ModelTask::kClassify: return "classify";
    case ModelTask::kDraft: return "draft";
    case ModelTask::kAnswer: return "answer";
    case ModelTask::kSummarise: return "summarise";
    case ModelTask::kEmbed: return "embed";
  }
  return "?";
}

struct ModelMessage {
  std::string role;  ///< "user" | "assistant"
  std::string text;
};

/// A read-only tool the model may call during one completion (memory search, pipeline or
/// ticket lookup). Writes are never tools: a model proposes them in its output and the agent
/// turns them into Actions that go through decision rights.
struct ModelToolSpec {
  std::string name;
  std::string description;
  boost::json::object parameters;  ///< JSON Schema of the arguments (type object)
};

struct ModelToolCall {
  std::string id;  ///< provider's call id (synthesised "call_N" when the server sent none)
  std::string name;
  boost::json::object arguments;
};

/// Runs one tool call; the returned text goes back to the model. An error is sent back to the
/// model as a tool error (so it can correct itself), never thrown.
using ModelToolRunner = std::function<Expected<std::string>(const ModelToolCall&)>;

struct ModelRequest {
  ModelTask task = ModelTask::kDraft;
  std::string agent;   ///< who asks, for metering and audit
  std::string system;  ///< instructions
  std::vector<ModelMessage> messages;
  /// When set, the reply must be one JSON object valid against this JSON Schema (checked on
  /// our side whatever the provider promises); the parsed value is ModelReply::json.
  std::optional<boost::json::object> schema;
  std::string schema_name = "answer";
  std::vector<ModelToolSpec> tools;
  ModelToolRunner run_tool;  ///< required when `tools` is not empty
  int max_tokens = 800;
  int max_tool_rounds = 4;  ///< completions with tool calls at most, then kInvalidInput
};

struct ModelReply {
  std::string text;         ///< the final assistant text (the JSON text when a schema was set)
  boost::json::value json;  ///< the validated object when a schema was set, else null
  std::string provider;     ///< [model.providers.NAME]
  std::string model;        ///< the provider's model id
  std::int64_t tokens_in = 0, tokens_out = 0;  ///< summed over tool rounds
  int rounds = 1;
  /// "provider/model": what agents put into Action::drafted_by.
  [[nodiscard]] std::string label() const { return provider + "/" + model; }
};

/// @par Thread safety: every member may be called from any thread concurrently; calls block
/// for up to the provider's timeout times its retries.
class ModelGateway {
 public:
  virtual ~ModelGateway() = default;
  /// False when `task` runs offline: configured so, or its provider's daily budget is spent.
  [[nodiscard]] virtual bool enabled(ModelTask task) const = 0;
  /// Errors: kUnavailable (task offline, budget spent, provider down after retries — the
  /// caller falls back), kPermanent (quota/billing, bad key, unknown model: not retried),
  /// kTimeout, kInvalidInput (the reply broke the schema or the tool-round cap).
  [[nodiscard]] virtual Expected<ModelReply> complete(const ModelRequest& request) = 0;
  /// One vector per text, all of the configured dimension. Same errors as complete().
  [[nodiscard]] virtual Expected<std::vector<std::vector<float>>> embed(
      std::span<const std::string> texts, std::string_view agent) = 0;
};

/// The gateway every context has when no provider is configured: everything offline.
class OfflineModels final : public ModelGateway {
 public:
  [[nodiscard]] bool enabled(ModelTask) const override { return false; }
  [[nodiscard]] Expected<ModelReply> complete(const ModelRequest& r) override {
    return fail(Errc::kUnavailable,
                std::string("model task '") + std::string(to_string(r.task)) + "' runs offline");
  }
  [[nodiscard]] Expected<std::vector<std::vector<float>>> embed(std::span<const std::string>,
                                                                std::string_view) override {
    return fail(Errc::kUnavailable, "model task 'embed' runs offline");
  }
};

/// One metered call, as the gateway reports it to the kernel (which stores and audits it).
struct ModelCallRecord {
  std::string provider, model, task, agent;
  std::int64_t tokens_in = 0, tokens_out = 0;
  double cost_usd = 0;  ///< from the provider's price table; 0 when it has none
  std::int64_t latency_ms = 0;
  int attempts = 1;
  bool ok = true;
  std::string error;                     ///< the last error when !ok (never holds secrets)
  std::string prompt_sha256;             ///< of the request body as sent
  std::string output_sha256;             ///< of the reply text
  std::string prompt_text, output_text;  ///< only with [model] keep_texts
};

/// Where the gateway reports calls and reads spend. Implemented by the kernel over the store.
/// @par Thread safety: every member may be called from any thread concurrently.
class ModelMeter {
 public:
  virtual ~ModelMeter() = default;
  virtual void record(const ModelCallRecord& call) = 0;
  /// Dollars spent today (UTC day) by `provider`, including calls recorded by earlier runs.
  [[nodiscard]] virtual double spent_today(std::string_view provider) const = 0;
  /// The provider's budget just ran out: post the alert (at most once per provider per day).
  virtual void budget_exhausted(std::string_view provider, double budget_usd) = 0;
};

}  // namespace steward
