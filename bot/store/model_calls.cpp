#include "bot/store/model_calls.hpp"

#include "bot/store/sql_util.hpp"

namespace steward::store {

using detail::bind_all;
using detail::guarded;
using detail::read_columns;

Expected<void> insert_model_call(Tx& tx, const ModelCallRecord& c, std::string_view day) {
  return guarded("model call insert", [&]() -> Expected<void> {
    SQLite::Statement& q = tx.prepare(
        "INSERT INTO model_calls(at, day, provider, model, task, agent, tokens_in, tokens_out, "
        "cost_usd, latency_ms, attempts, ok, error, prompt_sha256, output_sha256, prompt_text, "
        "output_text) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    bind_all(q, tx.now_ms(), std::string(day), c.provider, c.model, c.task, c.agent, c.tokens_in,
             c.tokens_out, c.cost_usd, c.latency_ms, c.attempts, c.ok ? 1 : 0, c.error,
             c.prompt_sha256, c.output_sha256);
    // Texts are kept only when configured; NULL says "not kept", not "empty".
    if (c.prompt_text.empty())
      q.bind(16);
    else
      q.bind(16, c.prompt_text);
    if (c.output_text.empty())
      q.bind(17);
    else
      q.bind(17, c.output_text);
    q.exec();
    q.reset();
    return {};
  });
}

Expected<double> model_spend(SQLite::Database& db, std::string_view provider,
                             std::string_view day) {
  return guarded("model spend", [&]() -> Expected<double> {
    SQLite::Statement q(db,
                        "SELECT COALESCE(SUM(cost_usd), 0) FROM model_calls WHERE provider = ? "
                        "AND day = ?");
    bind_all(q, std::string(provider), std::string(day));
    q.executeStep();
    return q.getColumn(0).getDouble();
  });
}

Expected<std::vector<ModelUsage>> model_usage(SQLite::Database& db, std::int64_t since_ms) {
  return guarded("model usage", [&]() -> Expected<std::vector<ModelUsage>> {
    SQLite::Statement q(db,
                        "SELECT provider, model, task, agent, COUNT(*), SUM(1 - ok), "
                        "SUM(tokens_in), SUM(tokens_out), SUM(cost_usd) FROM model_calls WHERE "
                        "at >= ? GROUP BY provider, model, task, agent ORDER BY provider, model, "
                        "task, agent");
    q.bind(1, static_cast<int64_t>(since_ms));
    std::vector<ModelUsage> out;
    while (q.executeStep()) {
      ModelUsage u;
      read_columns(q, 0, u.provider, u.model, u.task, u.agent, u.calls, u.failed, u.tokens_in,
                   u.tokens_out);
      u.cost_usd = q.getColumn(8).getDouble();
      out.push_back(std::move(u));
    }
    return out;
  });
}

}  // namespace steward::store
