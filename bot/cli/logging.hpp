#pragma once
// Log set-up from [log]: human text, or one JSON object per line for a log collector.

#include <spdlog/formatter.h>

#include <memory>
#include <string>

namespace steward::cli {

/// Formats each record as one line {"time":"2026-01-02T03:04:05.678Z","level":"info",
/// "logger":"…","thread":N,"msg":"…"}. The message is escaped for JSON; bytes that are not
/// well-formed UTF-8 become U+FFFD, so every line parses. Secrets are never passed to the
/// logger (they are Secret values); this formatter adds nothing but time, level and thread.
/// @par Thread safety: stateless; spdlog clones one per sink.
class JsonLogFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;
  [[nodiscard]] std::unique_ptr<spdlog::formatter> clone() const override;
};

/// Applies `format` ("text" | "json") and `level` to the default logger. The STEWARD_LOG
/// environment variable, when set, overrides the level (as before [log] existed).
void setup_logging(const std::string& format, const std::string& level);

}  // namespace steward::cli
