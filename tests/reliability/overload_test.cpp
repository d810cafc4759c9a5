// Overload: a flood of signed form webhooks against the real binary with a small inbox bound.
// Steward must answer 503 with Retry-After once the inbox is full, keep /healthz answering,
// keep its memory bounded, commit exactly the requests it acknowledged, and drain afterwards.
//
// STEWARD_FLOOD_SECONDS (default 60) sets the flood's length.

#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include "tests/support/sanitized.hpp"
#include "tests/support/signatures.hpp"
#include "tests/support/steward_process.hpp"
#include "tests/support/wait.hpp"

using namespace std::chrono_literals;
using steward::testing::StewardConfig;
using steward::testing::StewardProcess;

namespace {

constexpr const char* kFormSecret = "overload-form-secret-5b1e";
// Fewer pending events allowed than connections flooding: processing drains the inbox in
// passes, and during each pass every connection adds an event, so the bound is reached on any
// machine, however fast processing is relative to ingest.
constexpr int kMaxPending = 24;
constexpr int kFloodConnections = 64;

constexpr bool kSanitized = steward::testing::kSanitizedBuild;

int flood_seconds() {
  const char* s = std::getenv("STEWARD_FLOOD_SECONDS");
  int v = s ? std::atoi(s) : 60;
  return v > 0 ? v : 60;
}

/// Resident set size of `pid` in KiB (VmRSS), or -1.
long rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  return -1;
}

std::string lead_body(int worker, long n) {
  return R"({"name":"Flood Lead )" + std::to_string(worker) + "-" + std::to_string(n) +
         R"(","email":"flood)" + std::to_string(worker) + "." + std::to_string(n) +
         R"(@flood.example","company":"Flood Co","employees":250,"budget":40000,)"
         R"("message":"Please send pricing for the team plan."})";
}

struct Tally {
  std::atomic<long> ok{0}, unavailable{0}, other{0}, transport{0};
  std::atomic<long> unavailable_without_retry_after{0};
  std::mutex mu;
  std::map<int, long> other_codes;
};

}  // namespace

TEST(Overload, FullInboxAnswers503KeepsHealthzAndBoundsMemory) {
  StewardConfig config;
  config.num("inbox", "max_pending", kMaxPending)
      .maildir("Acme Sales <sales@acme.example>")
      .form("website", "json", kFormSecret);
  StewardProcess steward(std::move(config));
  ASSERT_TRUE(steward.start()) << steward.error();
  const int port = steward.port();

  const long idle_rss = rss_kib(steward.pid());
  ASSERT_GT(idle_rss, 0);

  Tally tally;
  std::atomic<bool> stop{false};
  std::vector<std::thread> flood;
  for (int w = 0; w < kFloodConnections; ++w) {
    flood.emplace_back([&, w] {
      httplib::Client c("127.0.0.1", port);
      c.set_keep_alive(true);
      c.set_read_timeout(10, 0);
      for (long n = 0; !stop.load(); ++n) {
        std::string body = lead_body(w, n);
        httplib::Headers h{
            {"X-Steward-Signature", steward::testing::form_signature(kFormSecret, body)}};
        auto r = c.Post("/hooks/forms/website", h, body, "application/json");
        if (!r) {
          ++tally.transport;
          continue;
        }
        if (r->status == 200) {
          ++tally.ok;
        } else if (r->status == 503) {
          ++tally.unavailable;
          if (r->get_header_value("Retry-After").empty()) ++tally.unavailable_without_retry_after;
        } else {
          ++tally.other;
          std::lock_guard lock(tally.mu);
          ++tally.other_codes[r->status];
        }
      }
    });
  }

  // While the flood runs: /healthz on its own connection every 200 ms, RSS every 100 ms.
  long peak_rss = idle_rss;
  int health_ok = 0, health_fail = 0;
  std::chrono::microseconds health_worst{0};
  std::vector<long> pending_seen;
  httplib::Client health("127.0.0.1", port);
  health.set_read_timeout(5, 0);
  const auto start = std::chrono::steady_clock::now();
  const auto end = start + std::chrono::seconds(flood_seconds());
  auto next_health = start;
  while (std::chrono::steady_clock::now() < end) {
    peak_rss = std::max(peak_rss, rss_kib(steward.pid()));
    if (std::chrono::steady_clock::now() >= next_health) {
      next_health += 200ms;
      auto t0 = std::chrono::steady_clock::now();
      auto r = health.Get("/healthz");
      auto took = std::chrono::duration_cast<std::chrono::microseconds>(
          std::chrono::steady_clock::now() - t0);
      if (r && r->status == 200) {
        ++health_ok;
        health_worst = std::max(health_worst, took);
      } else {
        ++health_fail;
      }
    }
    std::this_thread::sleep_for(100ms);
  }
  stop = true;
  for (auto& t : flood) t.join();
  peak_rss = std::max(peak_rss, rss_kib(steward.pid()));

  // Drain: every acknowledged event gets processed once the flood stops.
  const auto drain_start = std::chrono::steady_clock::now();
  long pending = -1, total = -1;
  bool drained = steward::testing::wait_until(
      [&] {
        try {
          auto rows = steward.query(
              "SELECT (SELECT COUNT(*) FROM inbox WHERE status = 'pending'), "
              "(SELECT COUNT(*) FROM inbox)");
          if (rows.empty()) return false;
          pending = std::stol(rows[0].at(0));
          total = std::stol(rows[0].at(1));
          return pending == 0;
        } catch (const std::exception&) {
          return false;
        }
      },
      kSanitized ? 600s : 180s);
  const double drain_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - drain_start).count();
  const long end_rss = rss_kib(steward.pid());

  std::printf(
      "[overload] %d s flood on %d connections: 2xx %ld, 503 %ld (without Retry-After %ld), "
      "other %ld, transport errors %ld\n"
      "[overload] /healthz during the flood: %d ok, %d failed, worst %.1f ms\n"
      "[overload] RSS: idle %.1f MiB, peak %.1f MiB, after drain %.1f MiB\n"
      "[overload] inbox after drain: %ld events, %ld pending; drained in %.1f s\n",
      flood_seconds(), kFloodConnections, tally.ok.load(), tally.unavailable.load(),
      tally.unavailable_without_retry_after.load(), tally.other.load(), tally.transport.load(),
      health_ok, health_fail, health_worst.count() / 1000.0, idle_rss / 1024.0, peak_rss / 1024.0,
      end_rss / 1024.0, total, pending, drain_s);
  for (const auto& [code, n] : tally.other_codes)
    std::printf("[overload] status %d: %ld\n", code, n);

  // The bound was reached and enforced.
  EXPECT_GT(tally.unavailable.load(), 0) << "the inbox never filled: the flood was too weak";
  EXPECT_EQ(tally.unavailable_without_retry_after.load(), 0);
  EXPECT_EQ(tally.other.load(), 0);
  EXPECT_EQ(tally.transport.load(), 0);
  // Health stayed up, promptly.
  EXPECT_EQ(health_fail, 0);
  EXPECT_LT(health_worst,
            kSanitized ? std::chrono::microseconds(3s) : std::chrono::microseconds(1s));
  // Exactly the acknowledged requests were committed (every body is unique), and all processed.
  ASSERT_TRUE(drained) << "inbox still has " << pending << " pending events";
  EXPECT_EQ(total, tally.ok.load());
  // Memory is bounded by configuration, not by the flood's length.
  const long bound_kib = (kSanitized ? 1024L : 128L) * 1024;
  EXPECT_LT(peak_rss, bound_kib) << "peak RSS " << peak_rss / 1024 << " MiB";
  EXPECT_TRUE(steward.stop() == 0) << steward.log();
}
