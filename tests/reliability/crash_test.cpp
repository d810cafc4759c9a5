// Crash durability: the real steward binary is killed with SIGKILL at random moments while a
// second process (reliability_crash_load) keeps posting signed form webhooks, then restarted on
// the same database. At the end every acknowledged submission must have exactly one lead and one
// approval, every approval must have been posted to (fake) Slack, repeated side effects must stay
// inside the documented window (a kill between an external call and its commit: at most one
// repeat per outbox worker per kill) and the audit chain must verify.
//
// Environment: STEWARD_CRASH_KILLS (default 20), STEWARD_CRASH_SEED (default random; printed),
// STEWARD_CRASH_NEW_MS (interval of new submissions per load connection, default 1000, 2000 under
// ASan: each new lead costs one approval post and Steward paces posts to about one per second per
// channel, so this bounds the final drain), STEWARD_CRASH_REDELIVER_MS (pause between redeliveries
// of acknowledged submissions that keep the connections busy; default by build type).

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/fakes/fake_slack.hpp"
#include "tests/support/child.hpp"
#include "tests/support/json.hpp"
#include "tests/support/raw_http.hpp"
#include "tests/support/sanitized.hpp"
#include "tests/support/steward_process.hpp"
#include "tests/support/wait.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using steward::testing::Child;
using steward::testing::slurp;
using steward::testing::StewardConfig;
using steward::testing::StewardOptions;
using steward::testing::StewardProcess;
using steward::testing::wait_until;

namespace {

constexpr const char* kFormSecret = "crash-form-secret";
constexpr const char* kSigning = "crash-signing-secret";
constexpr const char* kToken = "xoxb-crash-token";
constexpr int kOutboxWorkers = 2;
constexpr int kLoadConnections = 4;

constexpr bool kSanitized = steward::testing::kSanitizedBuild;

#ifdef NDEBUG
constexpr bool kOptimized = true;
#else
constexpr bool kOptimized = false;
#endif

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  try {
    return std::stoi(v);
  } catch (const std::exception&) {
    return fallback;
  }
}

/// One line of the load process's result file.
struct Submission {
  int index = 0, final_status = 0, attempts = 0, unanswered = 0, refused = 0, unavailable = 0;
  bool duplicate = false;
  std::string email() const { return "crash-" + std::to_string(index) + "@northwind.example"; }
  std::string dedupe_key() const { return "form:website:crash-" + std::to_string(index); }
};

std::vector<Submission> read_results(const fs::path& file) {
  std::vector<Submission> out;
  std::ifstream in(file);
  Submission s;
  int dup = 0;
  while (in >> s.index >> s.final_status >> s.attempts >> s.unanswered >> s.refused >>
         s.unavailable >> dup) {
    s.duplicate = dup != 0;
    out.push_back(s);
  }
  return out;
}

/// (text key, integer) rows of a query on the store.
std::map<std::string, long long> query_map(const StewardProcess& steward, const std::string& sql) {
  std::map<std::string, long long> out;
  for (const auto& row : steward.query(sql)) out[row.at(0)] = std::stoll(row.at(1));
  return out;
}

class ReliabilityCrash : public ::testing::Test {
 protected:
  void SetUp() override {
    steward::fakes::FakeSlackOptions fo;
    fo.token = kToken;
    slack_ = std::make_unique<steward::fakes::FakeSlack>(fo);
    ASSERT_TRUE(slack_->ok());
    // A fixed port: the load process keeps posting to it across every restart (Steward binds
    // with SO_REUSEADDR, so TIME_WAIT sockets do not stop it).
    port_ = steward::testing::unused_port();
    ASSERT_GT(port_, 0);
    StewardConfig config;
    config.listen(port_)
        .slack("${CRASH_SLACK_TOKEN}", kSigning, slack_->api_base())
        .duration("slack", "channel_interval", 100ms)
        .maildir("Acme Sales <sales@acme.example>")
        .dana()
        .sam()
        .form("website", "json", kFormSecret)
        .num("outbox", "max_attempts", 6)
        .duration("outbox", "base_backoff", 50ms)
        .num("outbox", "workers", kOutboxWorkers);
    StewardOptions options;
    options.env = {std::string("CRASH_SLACK_TOKEN=") + kToken};
    options.ready_timeout = 60s;
    steward_ = std::make_unique<StewardProcess>(std::move(config), std::move(options));
  }

  fs::path dir() const { return steward_->dir(); }
  std::string log_tail() { return steward_->log_tail(); }

  int port_ = 0;
  std::unique_ptr<steward::fakes::FakeSlack> slack_;
  std::unique_ptr<StewardProcess> steward_;
};

TEST_F(ReliabilityCrash, KillNineUnderLoadLosesAndRepeatsNothingOutsideTheWindow) {
  const auto t0 = std::chrono::steady_clock::now();
  const int kills_wanted = env_int("STEWARD_CRASH_KILLS", 20);
  const unsigned seed = static_cast<unsigned>(
      env_int("STEWARD_CRASH_SEED", static_cast<int>(std::random_device{}() >> 1)));
  const int new_ms = env_int("STEWARD_CRASH_NEW_MS", kSanitized ? 2000 : 1000);
  const int redeliver_ms = env_int("STEWARD_CRASH_REDELIVER_MS", kSanitized   ? 80
                                                                 : kOptimized ? 20
                                                                              : 40);
  std::printf(
      "crash test: kills=%d seed=%u connections=%d new_every=%dms redeliver_every=%dms "
      "outbox_workers=%d%s\n",
      kills_wanted, seed, kLoadConnections, new_ms, redeliver_ms, kOutboxWorkers,
      kSanitized ? " (sanitized build)" : "");
  std::mt19937 rng(seed);

  ASSERT_TRUE(steward_->start()) << steward_->error();
  int restarts = 0;

  const fs::path results = dir() / "load-results.txt";
  const fs::path stop_file = dir() / "load-stop";
  Child load({CRASH_LOAD_BIN, "--port", std::to_string(port_), "--secret", kFormSecret, "--out",
              results.string(), "--stop-file", stop_file.string(), "--workers",
              std::to_string(kLoadConnections), "--new-ms", std::to_string(new_ms),
              "--redeliver-ms", std::to_string(redeliver_ms), "--deadline-s", "800"},
             dir() / "load.log");
  ASSERT_TRUE(load.started());

  // Kill at a random moment 50–400 ms after each restart became ready, with the load running.
  int kills = 0;
  std::uniform_int_distribution<int> delay_ms(50, 400);
  for (int k = 0; k < kills_wanted; ++k) {
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng)));
    // The load writes its results only when it exits.
    ASSERT_FALSE(fs::exists(results)) << "the load process ended early\n"
                                      << slurp(dir() / "load.log");
    // 128 + SIGKILL: it was alive until our kill (no crash of its own, no clean exit).
    ASSERT_EQ(steward_->kill9(), 128 + SIGKILL) << log_tail();
    ++kills;
    ASSERT_TRUE(steward_->start()) << "restart " << restarts + 1 << " failed\n"
                                   << steward_->error();
    ++restarts;
  }

  const auto t_kills = std::chrono::steady_clock::now();
  // Let the load finish its in-flight submissions (retrying the unanswered ones) and exit.
  std::ofstream(stop_file) << "stop\n";
  int load_rc = load.stop(0, 120s);
  ASSERT_EQ(load_rc, 0) << slurp(dir() / "load.log");
  const auto subs = read_results(results);
  ASSERT_FALSE(subs.empty());
  // sent acknowledged not_duplicate unanswered refused unavailable rejected
  long re[7] = {-1, -1, -1, -1, -1, -1, -1};
  {
    std::ifstream in(results.string() + ".redeliveries");
    for (auto& v : re) in >> v;
  }
  ASSERT_GE(re[6], 0) << "no redelivery counts from the load";

  // Wait for the pipe to drain: inbox processed, no action pending or in flight.
  // Two paced posts (approval + sales alert) per lead: about one lead per second drains.
  const auto drain_timeout = std::chrono::milliseconds(60000 + 1500 * subs.size());
  bool drained = wait_until(
      [&] {
        try {
          return steward_->count(
                     "SELECT (SELECT COUNT(*) FROM inbox WHERE status = 'pending') + "
                     "(SELECT COUNT(*) FROM actions WHERE status IN ('pending', "
                     "'running'))") == 0;
        } catch (const std::exception&) {
          return false;
        }
      },
      drain_timeout);
  ASSERT_TRUE(drained) << log_tail();
  ASSERT_EQ(steward_->stop(SIGTERM, 30s), 0) << log_tail();
  auto seconds = [](auto d) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(d).count() / 1000.0;
  };
  const double kill_phase = seconds(t_kills - t0);
  const double elapsed = seconds(std::chrono::steady_clock::now() - t0);

  // ---- what the sender saw
  long sent = 0, acked = 0, retried = 0, unanswered = 0, refused = 0, acked_dup = 0,
       unanswered_subs = 0;
  std::set<int> indices;
  for (const auto& s : subs) {
    indices.insert(s.index);
    sent += s.attempts;
    acked += (s.final_status >= 200 && s.final_status < 300) ? 1 : 0;
    retried += s.attempts > 1 ? 1 : 0;
    unanswered += s.unanswered;
    unanswered_subs += s.unanswered > 0 ? 1 : 0;
    refused += s.refused;
    acked_dup += s.duplicate ? 1 : 0;
  }
  // Submissions are numbered 0..n-1 with no gaps: none was skipped by the load either.
  ASSERT_EQ(indices.size(), subs.size());
  ASSERT_EQ(*indices.rbegin(), static_cast<int>(subs.size()) - 1);

  // ---- what the store holds
  auto inbox = query_map(*steward_,
                         "SELECT dedupe_key, COUNT(*) FROM inbox WHERE source = 'forms' "
                         "GROUP BY dedupe_key");
  auto leads = query_map(*steward_, "SELECT email, COUNT(*) FROM leads GROUP BY email");
  auto history = query_map(*steward_, "SELECT email, COUNT(*) FROM lead_history GROUP BY email");
  auto approvals = query_map(*steward_,
                             "SELECT i.dedupe_key, COUNT(a.id) FROM inbox i JOIN approvals a "
                             "ON a.event_id = i.id WHERE i.source = 'forms' GROUP BY "
                             "i.dedupe_key");
  auto runs = query_map(*steward_,
                        "SELECT i.dedupe_key, COUNT(r.id) FROM inbox i JOIN runs r ON "
                        "r.event_id = i.id WHERE i.source = 'forms' GROUP BY i.dedupe_key");
  auto unposted = steward_->count(
      "SELECT COUNT(*) FROM approvals WHERE message_ts IS NULL OR "
      "message_ts = ''");
  auto bad_events = steward_->count("SELECT COUNT(*) FROM inbox WHERE status <> 'done'");
  auto dead_actions = steward_->count("SELECT COUNT(*) FROM actions WHERE status = 'dead'");
  std::set<std::string> approval_ids;
  for (const auto& row : steward_->query("SELECT id FROM approvals"))
    approval_ids.insert(row.at(0));

  // ---- what (fake) Slack received
  std::map<std::string, int> approval_posts, sales_posts;
  long posts = 0;
  const std::regex lead_email(R"(crash-(\d+)@northwind\.example)");
  for (const auto& c : slack_->calls("chat.postMessage")) {
    ++posts;
    std::string channel = steward::testing::jstr(c.body, "channel");
    if (channel == "C_APPROVALS") {
      ++approval_posts[steward::testing::find_button_value(c.body, "approval.approve")];
    } else if (channel == "C_SALES") {
      std::smatch m;
      ++sales_posts[std::regex_search(c.raw_body, m, lead_email) ? m[1].str() : std::string()];
    }
  }
  long dup_approval_posts = 0, dup_sales_posts = 0, dup_history = 0;
  for (const auto& [id, n] : approval_posts) dup_approval_posts += n > 1 ? n - 1 : 0;
  for (const auto& [id, n] : sales_posts) dup_sales_posts += n > 1 ? n - 1 : 0;
  for (const auto& [email, n] : history) dup_history += n > 1 ? n - 1 : 0;
  // Slack posts may repeat inside the window (kill between the call and its commit); the lead
  // pipeline is local and exactly once, so its history may not repeat at all.
  const long repeats = dup_approval_posts + dup_sales_posts;
  const long window = static_cast<long>(kills) * kOutboxWorkers;

  std::printf(
      "crash test results:\n"
      "  load:    submissions=%zu requests_sent=%ld acknowledged_2xx=%ld retried=%ld "
      "unanswered_requests=%ld (in %ld submissions) refused_connects=%ld "
      "acked_as_duplicate=%ld\n"
      "  redeliveries of acknowledged submissions: sent=%ld 2xx=%ld not_duplicate=%ld "
      "unanswered=%ld refused=%ld 5xx=%ld 4xx=%ld\n"
      "  store:   inbox=%zu leads=%zu lead_history_rows=%zu+%ld approvals=%zu unposted=%lld "
      "dead_actions=%lld\n"
      "  slack:   postMessage=%ld approval_posts=%zu+%ld duplicate sales_posts=%zu+%ld "
      "duplicate\n"
      "  repeats: %ld of at most %ld (kills %d x outbox workers %d)\n"
      "  kills=%d restarts=%d time=%.1fs (kill phase %.1fs, then drain)\n",
      subs.size(), sent, acked, retried, unanswered, unanswered_subs, refused, acked_dup, re[0],
      re[1], re[2], re[3], re[4], re[5], re[6], inbox.size(), leads.size(), history.size(),
      dup_history, approval_ids.size(), unposted, dead_actions, posts, approval_posts.size(),
      dup_approval_posts, sales_posts.size(), dup_sales_posts, repeats, window, kills,
      kOutboxWorkers, kills, restarts, elapsed, kill_phase);
  std::fflush(stdout);

  // ---- the verdict
  EXPECT_EQ(acked, static_cast<long>(subs.size())) << "every submission must end acknowledged";
  EXPECT_EQ(inbox.size(), subs.size()) << "one inbox event per submission, no strays";
  EXPECT_EQ(leads.size(), subs.size()) << "one lead per submission, no strays";
  EXPECT_EQ(approval_ids.size(), subs.size()) << "one approval per submission, no strays";
  long lost_leads = 0, lost_approvals = 0, extra_approvals = 0, extra_runs = 0, unposted_ids = 0;
  for (const auto& s : subs) {
    EXPECT_EQ(inbox.count(s.dedupe_key()), 1u) << "event lost: " << s.dedupe_key();
    lost_leads += leads.count(s.email()) ? 0 : 1;
    EXPECT_EQ(leads.count(s.email()), 1u) << "lead lost: " << s.email();
    auto a = approvals.find(s.dedupe_key());
    long n = a == approvals.end() ? 0 : static_cast<long>(a->second);
    lost_approvals += n == 0 ? 1 : 0;
    extra_approvals += n > 1 ? n - 1 : 0;
    EXPECT_EQ(n, 1) << "approvals for " << s.dedupe_key();
    auto r = runs.find(s.dedupe_key());
    long nr = r == runs.end() ? 0 : static_cast<long>(r->second);
    extra_runs += nr > 1 ? nr - 1 : 0;
    EXPECT_EQ(nr, 1) << "agent runs recorded for " << s.dedupe_key();
    EXPECT_GE(sales_posts[std::to_string(s.index)], 1) << "sales alert never posted: " << s.email();
  }
  for (const auto& id : approval_ids) {
    unposted_ids += approval_posts.count(id) ? 0 : 1;
    EXPECT_EQ(approval_posts.count(id), 1u) << "approval never posted to Slack: " << id;
  }
  EXPECT_EQ(approval_posts.size(), approval_ids.size()) << "posts for approvals that do not exist";
  EXPECT_EQ(sales_posts.size(), subs.size()) << "sales posts for leads that were never submitted";
  EXPECT_EQ(unposted, 0) << "approvals whose Slack message was never recorded";
  EXPECT_EQ(bad_events, 0) << "inbox events not processed";
  EXPECT_EQ(dead_actions, 0) << "dead-lettered actions";
  EXPECT_EQ(re[2], 0) << "a redelivered acknowledged submission was not known to Steward";
  EXPECT_EQ(re[6], 0) << "redeliveries rejected with a 4xx";
  EXPECT_LE(repeats, window) << "side effects repeated outside the documented crash window";
  EXPECT_EQ(dup_history, 0) << "a lead's pipeline upsert was applied twice";
  EXPECT_EQ(lost_leads + lost_approvals + extra_approvals + extra_runs + unposted_ids, 0);

  const auto verify = steward_->cli({"audit", "verify"});
  EXPECT_EQ(verify.rc, 0) << verify.out;
  EXPECT_NE(verify.out.find("audit chain OK"), std::string::npos) << verify.out;
}

}  // namespace
