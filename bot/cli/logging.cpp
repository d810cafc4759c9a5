#include "bot/cli/logging.hpp"

#include <spdlog/spdlog.h>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <cstdlib>
#include <ctime>

#include "bot/core/utf8.hpp"

namespace steward::cli {

void JsonLogFormatter::format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
  using namespace std::chrono;
  const auto since = msg.time.time_since_epoch();
  const auto secs = duration_cast<seconds>(since);
  const auto ms = duration_cast<milliseconds>(since - secs).count();
  const std::time_t t = secs.count();
  std::tm tm{};
  gmtime_r(&t, &tm);
  char when[64];
  std::snprintf(when, sizeof when, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  const auto level = spdlog::level::to_string_view(msg.level);
  // Boost.JSON escapes; the text is made valid UTF-8 first so that every line parses.
  boost::json::object record{{"time", when},
                             {"level", std::string_view(level.data(), level.size())},
                             {"thread", msg.thread_id}};
  if (msg.logger_name.size() > 0)
    record["logger"] = to_valid_utf8({msg.logger_name.data(), msg.logger_name.size()});
  record["msg"] = to_valid_utf8({msg.payload.data(), msg.payload.size()});
  std::string line = boost::json::serialize(record);
  line += '\n';
  dest.append(line.data(), line.data() + line.size());
}

std::unique_ptr<spdlog::formatter> JsonLogFormatter::clone() const {
  return std::make_unique<JsonLogFormatter>();
}

void setup_logging(const std::string& format, const std::string& level) {
  if (format == "json") spdlog::set_formatter(std::make_unique<JsonLogFormatter>());
  spdlog::set_level(spdlog::level::from_str(level));
  if (const char* env = std::getenv("STEWARD_LOG")) spdlog::set_level(spdlog::level::from_str(env));
}

}  // namespace steward::cli
