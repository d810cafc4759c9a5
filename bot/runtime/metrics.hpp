#pragma once
// Prometheus counters kept in memory; gauges are read from the store at scrape time.

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace steward::runtime {

/// @par Thread safety: all methods are thread-safe.
class Metrics {
 public:
  void request(std::string_view route, int status, std::chrono::microseconds duration);
  void action_result(std::string_view kind, std::string_view outcome);
  void event_processed(std::string_view kind, std::string_view outcome);
  /// Prometheus text exposition of the counters plus the given gauge lines.
  std::string render(const std::map<std::string, double>& gauges) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, std::uint64_t> requests_;
  std::map<std::string, std::pair<double, std::uint64_t>> request_seconds_;  // route → sum,count
  std::map<std::pair<std::string, std::string>, std::uint64_t> actions_;
  std::map<std::pair<std::string, std::string>, std::uint64_t> events_;
};

}  // namespace steward::runtime
