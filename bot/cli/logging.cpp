#include "bot/cli/logging.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdlib>
#include <ctime>

#include "bot/core/utf8.hpp"

namespace steward::cli {

void append_json_escaped(std::string_view s, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  char32_t cp = 0;
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t len = utf8_sequence(s, i, cp);
    if (len == 0) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    if (cp == '"' || cp == '\\') {
      out += '\\';
      out += static_cast<char>(cp);
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (cp == '\t') {
      out += "\\t";
    } else if (cp < 0x20 || cp == 0x7f || cp == 0x2028 || cp == 0x2029) {
      // U+2028/2029 are valid JSON but break line-oriented JavaScript readers.
      out += "\\u";
      out += kHex[(cp >> 12) & 0xF];
      out += kHex[(cp >> 8) & 0xF];
      out += kHex[(cp >> 4) & 0xF];
      out += kHex[cp & 0xF];
    } else {
      out.append(s.substr(i, len));
    }
    i += len;
  }
}

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
  std::string line = "{\"time\":\"";
  line += when;
  line += "\",\"level\":\"";
  const auto level = spdlog::level::to_string_view(msg.level);
  line.append(level.data(), level.size());
  line += "\",\"thread\":" + std::to_string(msg.thread_id);
  if (msg.logger_name.size() > 0) {
    line += ",\"logger\":\"";
    append_json_escaped(std::string_view(msg.logger_name.data(), msg.logger_name.size()), line);
    line += '"';
  }
  line += ",\"msg\":\"";
  append_json_escaped(std::string_view(msg.payload.data(), msg.payload.size()), line);
  line += "\"}\n";
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
