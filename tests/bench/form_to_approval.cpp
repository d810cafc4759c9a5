// Benchmark: signed form POST → approval request received by the (fake) Slack Web API.
// Runs the real steward binary on loopback; prints medians and p99 and, as the reference from
// the same run, the median round trip of GET /healthz on the same server.
//   form_to_approval STEWARD_BIN [--runs N] [--interval-ms MS]

#include <httplib.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>
#include <iostream>
#include <thread>

#include "tests/fakes/fake_slack.hpp"
#include "tests/support/signatures.hpp"
#include "tests/support/steward_process.hpp"

using namespace steward;
using Clock = std::chrono::system_clock;

namespace {

double pct(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto idx = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(idx, v.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: form_to_approval STEWARD_BIN [--runs N] [--interval-ms MS] "
                 "[--channel-interval-ms MS]\n";
    return 64;
  }
  std::string bin = argv[1];
  int runs = 100, interval_ms = 1050;
  // Steward spaces posts to one Slack channel by [slack] channel_interval (Slack allows about
  // one per second); 0 measures Steward itself against the fake, which has no such limit.
  int channel_interval_ms = 1000;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--runs") runs = std::atoi(argv[i + 1]);
    if (a == "--interval-ms") interval_ms = std::atoi(argv[i + 1]);
    if (a == "--channel-interval-ms") channel_interval_ms = std::atoi(argv[i + 1]);
  }
  fakes::FakeSlackOptions fo;
  fo.token = "xoxb-bench";
  fakes::FakeSlack slack(fo);
  if (!slack.ok()) return 1;
  steward::testing::StewardConfig config;
  config.store("s.db")
      .slack("xoxb-bench", "bench", slack.api_base())
      .duration("slack", "channel_interval", std::chrono::milliseconds(channel_interval_ms))
      .maildir("Acme <sales@acme.example>")
      .person({"Dana", "U_DANA", "", {"director"}})
      .form("website", "json", "bench-secret");
  steward::testing::StewardOptions options;
  options.binary = bin;
  steward::testing::StewardProcess steward(std::move(config), std::move(options));
  if (!steward.start()) {
    std::cerr << steward.error() << "\n";
    return 1;
  }
  httplib::Client& http = steward.http();
  http.set_keep_alive(true);
  http.set_tcp_nodelay(
      true);  // headers and body go in separate writes; avoid Nagle+delayed-ACK stalls

  std::vector<double> e2e_ms, ack_ms, healthz_ms;
  for (int i = 0; i < 200; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    auto r = http.Get("/healthz");
    auto t1 = std::chrono::steady_clock::now();
    if (r && r->status == 200)
      healthz_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  int lost = 0;
  for (int i = 0; i < runs; ++i) {
    std::string email = "lead" + std::to_string(i) + "@prospect" + std::to_string(i) + ".example";
    std::string body =
        R"({"event_id":"bench-)" + std::to_string(i) + R"(","name":"Lead )" + std::to_string(i) +
        R"(","email":")" + email +
        R"(","company":"Prospect","employees":500,"budget":80000,"phone":"+1 555 0100","message":"Please send a quote asap, we want to buy this month."})";
    httplib::Headers h{
        {"X-Steward-Signature", steward::testing::form_signature("bench-secret", body)}};
    auto sent = Clock::now();
    auto t0 = std::chrono::steady_clock::now();
    auto r = http.Post("/hooks/forms/website", h, body, "application/json");
    auto t1 = std::chrono::steady_clock::now();
    if (!r || r->status != 200) {
      std::cerr << "POST failed\n";
      return 1;
    }
    ack_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    bool seen = slack.wait_for(
        [&](const std::vector<fakes::RecordedCall>& calls) {
          for (const auto& c : calls)
            if (c.method == "chat.postMessage" &&
                c.raw_body.find("C_APPROVALS") != std::string::npos &&
                c.raw_body.find(email) != std::string::npos)
              return true;
          return false;
        },
        std::chrono::seconds(10));
    if (!seen) {
      ++lost;
      continue;
    }
    for (const auto& c : slack.calls("chat.postMessage"))
      if (c.raw_body.find("C_APPROVALS") != std::string::npos &&
          c.raw_body.find(email) != std::string::npos)
        e2e_ms.push_back(std::chrono::duration<double, std::milli>(c.at - sent).count());
    std::this_thread::sleep_until(std::chrono::steady_clock::now() +
                                  std::chrono::milliseconds(std::max(0, interval_ms)) -
                                  (std::chrono::steady_clock::now() - t0));
  }
  steward.stop(SIGTERM);
  double ref = pct(healthz_ms, 0.5);
  std::printf(
      "form POST → approval message at fake Slack, %zu runs (%d lost), one lead every %d ms, "
      "channel_interval %d ms\n",
      e2e_ms.size(), lost, interval_ms, channel_interval_ms);
  std::printf("| measure | median ms | p99 ms | median ÷ reference |\n|---|---|---|---|\n");
  std::printf("| reference: GET /healthz round trip (keep-alive) | %.3f | %.3f | 1.0 |\n", ref,
              pct(healthz_ms, 0.99));
  std::printf("| form POST → 200 (event committed, fsync) | %.3f | %.3f | %.1f |\n",
              pct(ack_ms, 0.5), pct(ack_ms, 0.99), pct(ack_ms, 0.5) / ref);
  std::printf("| form POST → approval request posted to Slack | %.3f | %.3f | %.1f |\n",
              pct(e2e_ms, 0.5), pct(e2e_ms, 0.99), pct(e2e_ms, 0.5) / ref);
  return lost == 0 ? 0 : 1;
}
