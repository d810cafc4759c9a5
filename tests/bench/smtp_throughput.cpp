// How many mails per second Steward's SMTP path (GMime composition + libcurl submission, the
// email.send executor) sustains to a local SMTP server, against nodemailer (what n8n's Send
// Email node uses) sending the same mail to the same server in the same run.
//   bench_smtp_throughput [--messages N] [--runs R]

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "connectors/email/smtp.hpp"
#include "tests/support/smtp_fake.hpp"

using namespace steward;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

Action reply_action() {
  return Action{"email.send",
                {{"to", "Ann Customer <ann@customer.example>"},
                 {"subject", "Re: Rechnung falsch — bitte prüfen"},
                 {"text",
                  "Hello Ann,\n\nthank you for writing to us.\n\n> my invoice is wrong\n\nAcme "
                  "Support"},
                 {"html",
                  "<p>Hello Ann,</p><p>thank you for writing to us.</p><blockquote>my invoice is "
                  "wrong</blockquote><p>Acme Support</p>"},
                 {"in_reply_to", "cust-1@customer.example"}},
                "bench",
                ""};
}

/// Sends `total` mails over `threads` threads; returns mails/s (or -1 on any failure).
double steward_run(email::SmtpExecutor& exec, int total, int threads, int run) {
  std::atomic<int> next{0}, failed{0};
  const Action action = reply_action();
  auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&] {
      for (int i = next++; i < total; i = next++) {
        auto r = exec.execute(action, "bench:" + std::to_string(run) + ":" + std::to_string(i));
        if (!r) {
          std::fprintf(stderr, "send failed: %s\n", r.error().message.c_str());
          ++failed;
        }
      }
    });
  for (auto& t : pool) t.join();
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return failed ? -1 : total / s;
}

double nodemailer_run(int port, int total, int connections) {
  auto [rc, out] = steward::testing::run_shell(
      "node " STEWARD_SOURCE_DIR "/tests/bench/smtp_nodemailer.js --port " + std::to_string(port) +
      " --messages " + std::to_string(total) + " --connections " + std::to_string(connections));
  boost::system::error_code ec;
  auto v = boost::json::parse(out, ec);
  if (rc != 0 || ec || !v.is_object()) {
    std::fprintf(stderr, "nodemailer failed: %s\n", out.c_str());
    return -1;
  }
  return v.at("mails_per_s").to_number<double>();
}

}  // namespace

int main(int argc, char** argv) {
  int total = 2000, runs = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--messages") total = std::stoi(argv[i + 1]);
    if (a == "--runs") runs = std::stoi(argv[i + 1]);
  }
  steward::testing::SmtpFakeOptions so;
  so.sink = true;
  steward::testing::SmtpFake server(so);
  if (!server.ok()) {
    std::fprintf(stderr, "%s\n", server.error().c_str());
    return 1;
  }
  email::SmtpOptions opts;
  opts.url = Secret("smtp://127.0.0.1:" + std::to_string(server.port()));
  auto client = email::SmtpClient::create(opts);
  if (!client) {
    std::fprintf(stderr, "%s\n", client.error().message.c_str());
    return 1;
  }
  SystemClock clock;
  email::ComposeContext compose;
  compose.from = "Acme Support <support@acme.example>";
  email::SmtpExecutor exec(std::move(*client), compose, clock);

  std::printf(
      "\nSMTP submission to a local smtp-server (plain loopback; Steward %d, nodemailer %d "
      "mails per run; median of %d runs)\n\n",
      total, std::min(total, 400), runs);
  std::printf("| connections | Steward mails/s | nodemailer mails/s | Steward / nodemailer |\n");
  std::printf("|---:|---:|---:|---:|\n");
  for (int threads : {1, 4}) {
    std::vector<double> ours, theirs;
    (void)steward_run(exec, 200, threads, -1);  // warm-up: connections, caches
    for (int r = 0; r < runs; ++r) {
      ours.push_back(steward_run(exec, total, threads, r));
      // nodemailer is far slower here; fewer mails keep the run short (rates compare).
      theirs.push_back(nodemailer_run(server.port(), std::min(total, 400), threads));
    }
    double a = median(ours), b = median(theirs);
    std::printf("| %d | %.0f | %.0f | %.2f× |\n", threads, a, b, b > 0 ? a / b : 0.0);
  }
  auto stats = server.stats();
  std::printf("\nserver counted %lld messages\n",
              static_cast<long long>(stats["messages"].to_number<std::int64_t>()));
  return 0;
}
