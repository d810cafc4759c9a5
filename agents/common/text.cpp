#include "agents/common/text.hpp"

#include <fstream>
#include <sstream>
#include <system_error>

namespace steward::agents::common {

[[nodiscard]] Expected<std::string> read_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return fail(Errc::kNotFound, path.string() + ": file not found");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(Errc::kInvalidInput, path.string() + ": cannot open for reading");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

[[nodiscard]] Expected<std::string> render(const std::string& tmpl_text,
                                           const kainjow::mustache::data& data,
                                           std::string_view what) {
  kainjow::mustache::mustache tmpl{tmpl_text};
  if (!tmpl.is_valid()) {
    return fail(Errc::kInternal, std::string(what) + ": " + tmpl.error_message());
  }
  // Plain-text email: nothing may be HTML-escaped.
  tmpl.set_custom_escape([](const std::string& s) { return s; });
  std::string out = tmpl.render(data);
  if (!tmpl.is_valid()) {
    return fail(Errc::kInternal, std::string(what) + ": " + tmpl.error_message());
  }
  return out;
}

std::string one_line(std::string_view s) {
  std::string out;
  bool space = false;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c == 0x7f) {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += ch;
  }
  return out;
}

boost::json::object plain_text(std::string text) {
  return {{"type", "plain_text"}, {"text", std::move(text)}, {"emoji", true}};
}

boost::json::object mrkdwn(std::string text) {
  return {{"type", "mrkdwn"}, {"text", std::move(text)}};
}

}  // namespace steward::agents::common
