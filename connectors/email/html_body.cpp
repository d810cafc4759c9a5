#include "connectors/email/html_body.hpp"

#include <vector>

#include "bot/core/text.hpp"

namespace steward::email::detail {

namespace {

void append_escaped(std::string& out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
}

}  // namespace

std::string text_to_html(std::string_view text) {
  std::string out = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body>\n";
  std::vector<std::string_view> paragraph;
  auto flush = [&] {
    if (paragraph.empty()) return;
    out += "<p>";
    for (std::size_t i = 0; i < paragraph.size(); ++i) {
      if (i > 0) out += "<br>\n";
      append_escaped(out, paragraph[i]);
    }
    out += "</p>\n";
    paragraph.clear();
  };
  std::size_t start = 0;
  while (start <= text.size()) {
    auto eol = text.find('\n', start);
    auto line = text.substr(start, eol == std::string_view::npos ? eol : eol - start);
    if (trim(line).empty())
      flush();
    else
      paragraph.push_back(line);
    if (eol == std::string_view::npos) break;
    start = eol + 1;
  }
  flush();
  out += "</body></html>\n";
  return out;
}

}  // namespace steward::email::detail
