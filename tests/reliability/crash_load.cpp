// Load generator for the crash-durability test: a separate process (so a kill -9 of Steward
// cuts real sockets) that keeps several connections posting signed form webhooks until a stop
// file appears.
//
// Each connection mixes two kinds of request:
//  - a NEW submission (unique event id and email) every ~--new-ms; a request that got no
//    answer (reset, timed out, refused) or a 5xx is retried with the byte-identical body until
//    it is acknowledged, so only the server's dedupe on the event id keeps it from counting twice;
//  - between those, back to back with ~--redeliver-ms pauses, a REDELIVERY of a random
//    submission that was already acknowledged, as a provider re-sending a webhook would. Its
//    answer must say "duplicate":true: "duplicate":false would mean the acknowledged original
//    is not in the inbox. Redeliveries keep the connections busy without adding Slack posts,
//    whose pace (about one per second per channel) bounds how many new leads a run can drain.
//
// Usage: reliability_crash_load --port P --secret S --out FILE --stop-file FILE
//          [--workers N] [--new-ms MS] [--redeliver-ms MS] [--deadline-s S]
// When done writes FILE (one line per new submission, see write_results) and FILE.redeliveries
// (one line: sent acknowledged not_duplicate unanswered refused unavailable rejected). Exits 0
// when every submission it started was acknowledged with a 2xx, 1 otherwise, 2 on bad usage.

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/signatures.hpp"

namespace {

struct Options {
  int port = 0;
  std::string secret;
  std::string out;
  std::string stop_file;
  int workers = 4;
  int new_ms = 1200;
  int redeliver_ms = 20;
  int deadline_s = 600;
};

/// What happened to one new submission, from the sender's side.
struct Outcome {
  int index = 0;
  int final_status = 0;    ///< the status that ended the retries (2xx) or the last one seen
  int attempts = 0;        ///< requests made, including connection attempts that were refused
  int unanswered = 0;      ///< attempts that may have reached the server but got no answer
  int refused = 0;         ///< attempts that could not connect (nothing was sent)
  int unavailable = 0;     ///< 5xx answers (e.g. 503 overloaded)
  bool duplicate = false;  ///< the acknowledging answer said the event was already known
};

struct RedeliveryStats {
  std::atomic<long> sent{0}, acked{0}, not_duplicate{0}, unanswered{0}, refused{0}, unavailable{0},
      rejected{0};
};

std::string body_for(int i) {
  std::string id = std::to_string(i);
  return R"({"event_id":"crash-)" + id + R"(","name":"Crash Tester )" + id +
         R"(","email":"crash-)" + id +
         R"(@northwind.example","company":"Northwind","employees":850,"budget":60000,)"
         R"("phone":"+44 20 7946 0000","message":"We need a quote for 200 seats this month, )"
         R"(please send pricing asap."})";
}

bool parse_args(int argc, char** argv, Options& o) {
  if (argc % 2 == 0) return false;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    try {
      if (k == "--port")
        o.port = std::stoi(v);
      else if (k == "--secret")
        o.secret = v;
      else if (k == "--out")
        o.out = v;
      else if (k == "--stop-file")
        o.stop_file = v;
      else if (k == "--workers")
        o.workers = std::stoi(v);
      else if (k == "--new-ms")
        o.new_ms = std::stoi(v);
      else if (k == "--redeliver-ms")
        o.redeliver_ms = std::stoi(v);
      else if (k == "--deadline-s")
        o.deadline_s = std::stoi(v);
      else
        return false;
    } catch (const std::exception&) {
      return false;
    }
  }
  return o.port > 0 && !o.secret.empty() && !o.out.empty() && !o.stop_file.empty() &&
         o.workers > 0 && o.new_ms > 0 && o.redeliver_ms >= 0;
}

void write_file(const std::string& path, const std::string& content) {
  {
    std::ofstream f(path + ".tmp");
    f << content;
  }
  std::filesystem::rename(path + ".tmp", path);
}

int jitter(std::mt19937& rng, int ms) {
  return std::uniform_int_distribution<int>(ms / 2, std::max(ms / 2, ms * 3 / 2))(rng);
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  if (!parse_args(argc, argv, opt)) {
    std::fprintf(stderr,
                 "usage: %s --port P --secret S --out FILE --stop-file FILE [--workers N] "
                 "[--new-ms MS] [--redeliver-ms MS] [--deadline-s S]\n",
                 argv[0]);
    return 2;
  }
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::seconds(opt.deadline_s);
  std::atomic<int> next{0};
  std::mutex mu;
  std::vector<Outcome> results;
  std::vector<int> acked;  // indices acknowledged so far, the pool for redeliveries
  RedeliveryStats redeliveries;
  auto stop_requested = [&] { return std::filesystem::exists(opt.stop_file); };

  std::vector<std::thread> threads;
  for (int w = 0; w < opt.workers; ++w) {
    threads.emplace_back([&, w] {
      std::mt19937 rng(static_cast<unsigned>(w) * 7919u + std::random_device{}());
      // No keep-alive: a fresh connection per request, so "no answer" means a request that
      // reached a server which died before answering, not a stale socket from before a kill.
      httplib::Client http("127.0.0.1", opt.port);
      http.set_connection_timeout(0, 500000);
      http.set_read_timeout(15, 0);
      http.set_write_timeout(5, 0);
      auto post = [&](const std::string& body) {
        const httplib::Headers headers{
            {"X-Steward-Signature", steward::testing::form_signature(opt.secret, body)}};
        return http.Post("/hooks/forms/website", headers, body, "application/json");
      };
      // Stagger the connections' first submissions over one interval.
      auto next_new = Clock::now() + std::chrono::milliseconds(opt.new_ms * w / opt.workers);
      while (!stop_requested() && Clock::now() < deadline) {
        if (Clock::now() < next_new) {
          int pick = -1;
          {
            std::lock_guard lock(mu);
            if (!acked.empty())
              pick = acked[std::uniform_int_distribution<std::size_t>(0, acked.size() - 1)(rng)];
          }
          if (pick >= 0) {
            ++redeliveries.sent;
            auto res = post(body_for(pick));
            if (!res) {
              ++(res.error() == httplib::Error::Connection ? redeliveries.refused
                                                           : redeliveries.unanswered);
            } else if (res->status >= 200 && res->status < 300) {
              ++redeliveries.acked;
              if (res->body.find("\"duplicate\":true") == std::string::npos) {
                ++redeliveries.not_duplicate;
                std::fprintf(stderr, "redelivery of acknowledged crash-%d answered %s\n", pick,
                             res->body.c_str());
              }
            } else if (res->status >= 500) {
              ++redeliveries.unavailable;
            } else {
              ++redeliveries.rejected;
            }
          }
          std::this_thread::sleep_for(
              std::chrono::milliseconds(pick >= 0 ? jitter(rng, opt.redeliver_ms) : 10));
          continue;
        }
        next_new = Clock::now() + std::chrono::milliseconds(jitter(rng, opt.new_ms));
        Outcome o;
        o.index = next.fetch_add(1);
        const std::string body = body_for(o.index);
        // Once started, a submission is retried until acknowledged, stop file or not: an
        // unanswered request may or may not have been committed, and only an answer tells.
        while (Clock::now() < deadline) {
          ++o.attempts;
          auto res = post(body);
          if (res) {
            o.final_status = res->status;
            if (res->status >= 200 && res->status < 300) {
              o.duplicate = res->body.find("\"duplicate\":true") != std::string::npos;
              break;
            }
            if (res->status < 500) break;  // a 4xx will not change on retry: report it
            ++o.unavailable;
          } else if (res.error() == httplib::Error::Connection) {
            ++o.refused;
          } else {
            ++o.unanswered;
          }
          std::this_thread::sleep_for(
              std::chrono::milliseconds(std::uniform_int_distribution<int>(10, 40)(rng)));
        }
        std::lock_guard lock(mu);
        results.push_back(o);
        if (o.final_status >= 200 && o.final_status < 300) acked.push_back(o.index);
      }
    });
  }
  for (auto& t : threads) t.join();

  std::sort(results.begin(), results.end(),
            [](const Outcome& a, const Outcome& b) { return a.index < b.index; });
  std::string lines;
  // index final_status attempts unanswered refused unavailable duplicate
  for (const auto& o : results)
    lines += std::to_string(o.index) + ' ' + std::to_string(o.final_status) + ' ' +
             std::to_string(o.attempts) + ' ' + std::to_string(o.unanswered) + ' ' +
             std::to_string(o.refused) + ' ' + std::to_string(o.unavailable) + ' ' +
             (o.duplicate ? "1" : "0") + '\n';
  write_file(opt.out, lines);
  write_file(opt.out + ".redeliveries", std::to_string(redeliveries.sent) + ' ' +
                                            std::to_string(redeliveries.acked) + ' ' +
                                            std::to_string(redeliveries.not_duplicate) + ' ' +
                                            std::to_string(redeliveries.unanswered) + ' ' +
                                            std::to_string(redeliveries.refused) + ' ' +
                                            std::to_string(redeliveries.unavailable) + ' ' +
                                            std::to_string(redeliveries.rejected) + '\n');

  long sent = 0, ok_count = 0, retried = 0, unanswered = 0, refused = 0, dup = 0;
  bool all_acked = true;
  for (const auto& o : results) {
    sent += o.attempts;
    bool ok = o.final_status >= 200 && o.final_status < 300;
    ok_count += ok ? 1 : 0;
    all_acked = all_acked && ok;
    retried += o.attempts > 1 ? 1 : 0;
    unanswered += o.unanswered;
    refused += o.refused;
    dup += o.duplicate ? 1 : 0;
  }
  std::printf(
      "crash_load: submissions=%zu requests=%ld acknowledged=%ld retried=%ld unanswered=%ld "
      "refused=%ld acked_as_duplicate=%ld redeliveries=%ld\n",
      results.size(), sent, ok_count, retried, unanswered, refused, dup, redeliveries.sent.load());
  return all_acked ? 0 : 1;
}
