// backoff_delay (outbox retries) and the Prometheus text of Metrics.

#include <gtest/gtest.h>

#include <climits>
#include <regex>
#include <set>
#include <sstream>

#include "bot/runtime/metrics.hpp"
#include "bot/runtime/runtime.hpp"

namespace steward::runtime {
namespace {

using namespace std::chrono_literals;

TEST(BackoffDelay, DoublesFromBaseWithinHalfToFullAndCaps) {
  const auto base = 100ms;
  const auto cap = 5000ms;
  for (int attempt = 1; attempt <= 10; ++attempt) {
    // Nominal delay: base·2^(attempt-1), capped.
    long long d = 100;
    for (int i = 1; i < attempt; ++i) d *= 2;
    if (d > 5000) d = 5000;
    std::set<long long> seen;
    for (int i = 0; i < 300; ++i) {
      auto got = backoff_delay(attempt, base, cap).count();
      ASSERT_GE(got, d / 2) << "attempt " << attempt;
      ASSERT_LE(got, d) << "attempt " << attempt;
      ASSERT_LE(got, cap.count());
      seen.insert(got);
    }
    // Jittered: many different values, not one fixed delay (range ≥ 26 values at attempt 1).
    EXPECT_GT(seen.size(), 5u) << "attempt " << attempt;
  }
}

TEST(BackoffDelay, NeverExceedsTheCapEvenForHugeAttempts) {
  for (int attempt : {11, 20, 63, 64, 65, 1000, INT_MAX}) {
    for (int i = 0; i < 50; ++i) {
      auto got = backoff_delay(attempt, 100ms, 5000ms);
      ASSERT_GE(got, 2500ms) << attempt;
      ASSERT_LE(got, 5000ms) << attempt;
    }
  }
  // A base above the cap is capped too.
  for (int i = 0; i < 50; ++i) {
    auto got = backoff_delay(1, 10s, 1s);
    ASSERT_GE(got, 500ms);
    ASSERT_LE(got, 1s);
  }
}

TEST(BackoffDelay, AttemptBelowOneActsAsFirst) {
  for (int attempt : {0, -1, INT_MIN}) {
    for (int i = 0; i < 50; ++i) {
      auto got = backoff_delay(attempt, 100ms, 5000ms);
      ASSERT_GE(got, 50ms) << attempt;
      ASSERT_LE(got, 100ms) << attempt;
    }
  }
}

// ---------------------------------------------------------------------------------- metrics

bool has_line(const std::string& text, const std::string& line) {
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    if (l == line) return true;
  return false;
}

TEST(Metrics, RenderCountersWithLabelsAndGauges) {
  Metrics m;
  // Durations whose sum is exact in binary floating point.
  m.request("/slack/events", 200, 250000us);
  m.request("/slack/events", 200, 500000us);
  m.request("/slack/events", 401, 250000us);
  m.request("/hooks/forms/{name}", 202, 1000us);
  m.action_result("slack.post", "done");
  m.action_result("slack.post", "done");
  m.action_result("email.send", "dead");
  m.event_processed("form.submitted", "planned");
  auto text = m.render({{"steward_inbox_pending", 3}, {"steward_approvals_pending", 1.5}});

  EXPECT_TRUE(has_line(text, "# TYPE steward_http_requests_total counter")) << text;
  EXPECT_TRUE(
      has_line(text, R"(steward_http_requests_total{route="/slack/events",status="200"} 2)"))
      << text;
  EXPECT_TRUE(
      has_line(text, R"(steward_http_requests_total{route="/slack/events",status="401"} 1)"))
      << text;
  EXPECT_TRUE(
      has_line(text, R"(steward_http_requests_total{route="/hooks/forms/{name}",status="202"} 1)"))
      << text;
  EXPECT_TRUE(
      has_line(text, R"(steward_http_request_duration_seconds_count{route="/slack/events"} 3)"))
      << text;
  EXPECT_TRUE(
      has_line(text, R"(steward_http_request_duration_seconds_sum{route="/slack/events"} 1)"))
      << text;
  EXPECT_TRUE(has_line(text, "# TYPE steward_action_results_total counter"));
  EXPECT_TRUE(
      has_line(text, R"(steward_action_results_total{kind="slack.post",outcome="done"} 2)"));
  EXPECT_TRUE(
      has_line(text, R"(steward_action_results_total{kind="email.send",outcome="dead"} 1)"));
  EXPECT_TRUE(has_line(
      text, R"(steward_events_processed_total{kind="form.submitted",outcome="planned"} 1)"));
  EXPECT_TRUE(has_line(text, "# TYPE steward_inbox_pending gauge"));
  EXPECT_TRUE(has_line(text, "steward_inbox_pending 3"));
  EXPECT_TRUE(has_line(text, "steward_approvals_pending 1.5"));

  // Every line is a comment or a well-formed sample: name{labels} value.
  static const std::regex sample(
      R"re(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? -?[0-9.eE+-]+$)re");
  std::istringstream in(text);
  int samples = 0;
  for (std::string l; std::getline(in, l);) {
    if (l.rfind("# HELP ", 0) == 0 || l.rfind("# TYPE ", 0) == 0) continue;
    EXPECT_TRUE(std::regex_match(l, sample)) << "bad line: " << l;
    ++samples;
  }
  EXPECT_EQ(samples, 3 + 2 * 2 + 2 + 1 + 2);
  EXPECT_EQ(text.back(), '\n');
}

TEST(Metrics, LabelValuesAreEscaped) {
  Metrics m;
  m.action_result("kind\"with\\quote", "line\nbreak");
  auto text = m.render({});
  EXPECT_TRUE(has_line(
      text, R"(steward_action_results_total{kind="kind\"with\\quote",outcome="line\nbreak"} 1)"))
      << text;
}

TEST(Metrics, EmptyRenderHasOnlyHeaders) {
  Metrics m;
  auto text = m.render({});
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) EXPECT_EQ(l[0], '#') << l;
}

}  // namespace
}  // namespace steward::runtime
