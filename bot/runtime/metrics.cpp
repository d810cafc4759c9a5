#include "bot/runtime/metrics.hpp"

#include <fmt/format.h>

namespace steward::runtime {

namespace {
// Label values are our own route patterns and kinds, but escape anyway to keep the format valid.
std::string label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}
}  // namespace

void Metrics::request(std::string_view route, int status, std::chrono::microseconds duration) {
  std::lock_guard lock(mutex_);
  ++requests_[{std::string(route), status}];
  auto& s = request_seconds_[std::string(route)];
  s.first += static_cast<double>(duration.count()) / 1e6;
  ++s.second;
}

void Metrics::action_result(std::string_view kind, std::string_view outcome) {
  std::lock_guard lock(mutex_);
  ++actions_[{std::string(kind), std::string(outcome)}];
}

void Metrics::event_processed(std::string_view kind, std::string_view outcome) {
  std::lock_guard lock(mutex_);
  ++events_[{std::string(kind), std::string(outcome)}];
}

std::string Metrics::render(const std::map<std::string, double>& gauges) const {
  std::lock_guard lock(mutex_);
  std::string out;
  out += "# HELP steward_http_requests_total HTTP requests answered, by route and status.\n";
  out += "# TYPE steward_http_requests_total counter\n";
  for (const auto& [k, v] : requests_)
    out += fmt::format("steward_http_requests_total{{route=\"{}\",status=\"{}\"}} {}\n",
                       label(k.first), k.second, v);
  out += "# HELP steward_http_request_duration_seconds Time to answer, by route.\n";
  out += "# TYPE steward_http_request_duration_seconds summary\n";
  for (const auto& [k, v] : request_seconds_) {
    out += fmt::format("steward_http_request_duration_seconds_sum{{route=\"{}\"}} {}\n", label(k),
                       v.first);
    out += fmt::format("steward_http_request_duration_seconds_count{{route=\"{}\"}} {}\n", label(k),
                       v.second);
  }
  out += "# HELP steward_action_results_total Outbox attempts by action kind and outcome.\n";
  out += "# TYPE steward_action_results_total counter\n";
  for (const auto& [k, v] : actions_)
    out += fmt::format("steward_action_results_total{{kind=\"{}\",outcome=\"{}\"}} {}\n",
                       label(k.first), label(k.second), v);
  out += "# HELP steward_events_processed_total Inbox events processed by kind and outcome.\n";
  out += "# TYPE steward_events_processed_total counter\n";
  for (const auto& [k, v] : events_)
    out += fmt::format("steward_events_processed_total{{kind=\"{}\",outcome=\"{}\"}} {}\n",
                       label(k.first), label(k.second), v);
  for (const auto& [name, value] : gauges) {
    out += fmt::format("# TYPE {} gauge\n{} {}\n", name, name, value);
  }
  return out;
}

}  // namespace steward::runtime
