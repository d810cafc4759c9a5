// Fault injection: the real steward binary delivers through a fake Slack and a real SMTP server
// (npm smtp-server) that answer 429 + Retry-After, 500, hang, close or reset connections, by
// script. Every action must end delivered or dead-lettered with an alert, Retry-After must be
// honoured (measured on the fakes' clocks), and nothing may be delivered twice.

#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "connectors/common/crypto.hpp"
#include "connectors/common/form.hpp"
#include "tests/fakes/fake_slack.hpp"
#include "tests/support/json.hpp"
#include "tests/support/raw_http.hpp"
#include "tests/support/sanitized.hpp"
#include "tests/support/signatures.hpp"
#include "tests/support/smtp_fake.hpp"
#include "tests/support/steward_process.hpp"
#include "tests/support/wait.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using steward::fakes::FakeSlack;
using steward::fakes::Fault;
using steward::fakes::FaultKind;
using steward::fakes::RecordedCall;
using steward::testing::holds_for;
using steward::testing::jstr;
using steward::testing::StewardConfig;
using steward::testing::StewardOptions;
using steward::testing::StewardProcess;
using steward::testing::wait_until;

namespace {

constexpr int kScale = steward::testing::kSanitizedBuild ? 3 : 1;

constexpr const char* kSigning = "fault-signing-secret-9d";
constexpr const char* kToken = "xoxb-fault-token-4k";
constexpr const char* kFormSecret = "fault-form-secret-1x";
constexpr const char* kSmtpPassword = "fault-smtp-pass-7q";

/// [slack] timeout: the Slack client's per-call timeout, which a hang must outlast.
constexpr auto kSlackClientTimeout = std::chrono::seconds(3 * kScale);

double seconds(std::chrono::system_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// ------------------------------------------------------------------------------ the fakes

/// A POST to the fake on a fresh connection, to see exactly what comes back: no bytes and a
/// reset, or no bytes and an orderly close.
steward::testing::Reply raw_post(int port, const std::string& path) {
  return steward::testing::raw_exchange(
      port,
      steward::testing::build_request(
          "POST", path,
          {{"Authorization", "Bearer xoxb-test-token"}, {"Content-Type", "application/json"}},
          R"({"channel":"C1","text":"hi"})"),
      false, 5s);
}

TEST(FaultFakes, SlackScriptIsAppliedCallByCall) {
  FakeSlack slack;
  ASSERT_TRUE(slack.ok());
  std::vector<Fault> script;
  ASSERT_TRUE(FakeSlack::parse_fault_script("429:2, 500, ok*2, reset, close, hang:300", script));
  ASSERT_EQ(script.size(), 6u);
  EXPECT_EQ(script[0].kind, FaultKind::k429);
  EXPECT_EQ(script[0].retry_after_s, 2);
  EXPECT_EQ(script[2].kind, FaultKind::kOk);
  EXPECT_EQ(script[2].count, 2);
  EXPECT_EQ(script[5].delay, 300ms);
  std::vector<Fault> untouched{Fault{}};
  for (const char* bad : {"", "teapot", "500:3", "429:x", "ok*0", "429,,500"})
    EXPECT_FALSE(FakeSlack::parse_fault_script(bad, untouched)) << bad;
  EXPECT_EQ(untouched.size(), 1u);

  slack.set_fault_script("chat.postMessage", script);
  EXPECT_EQ(slack.pending_faults("chat.postMessage"), 7);
  httplib::Client c("127.0.0.1", slack.port());
  c.set_read_timeout(5, 0);
  httplib::Headers auth{{"Authorization", "Bearer xoxb-test-token"}};
  const std::string body = R"({"channel":"C1","text":"hi"})";
  auto post = [&] { return c.Post("/api/chat.postMessage", auth, body, "application/json"); };
  auto r = post();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 429);
  EXPECT_EQ(r->get_header_value("Retry-After"), "2");
  r = post();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  for (int i = 0; i < 2; ++i) {
    r = post();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_NE(r->body.find("\"ok\":true"), std::string::npos);
  }
  // reset: a TCP RST, no reply bytes at all.
  auto reset = raw_post(slack.port(), "/api/chat.postMessage");
  EXPECT_EQ(reset.raw, "");
  EXPECT_EQ(reset.recv_errno, ECONNRESET) << std::strerror(reset.recv_errno);
  EXPECT_TRUE(reset.closed);
  // close: an orderly FIN, no reply bytes.
  auto closed = raw_post(slack.port(), "/api/chat.postMessage");
  EXPECT_EQ(closed.raw, "");
  EXPECT_EQ(closed.recv_errno, 0) << std::strerror(closed.recv_errno);
  EXPECT_TRUE(closed.closed);
  auto started = std::chrono::steady_clock::now();
  r = post();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - started, 290ms);
  r = post();  // the script is used up
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(slack.pending_faults("chat.postMessage"), 0);

  std::vector<std::string> faults;
  for (const auto& call : slack.calls("chat.postMessage")) faults.push_back(call.fault);
  EXPECT_EQ(faults, (std::vector<std::string>{"429", "500", "", "", "reset", "close", "hang", ""}));

  // A rule faults the calls it matches without consuming the script; set_fault still works.
  slack.add_fault_rule(
      "chat.postMessage",
      [](const RecordedCall& call) { return call.raw_body.find("doomed") != std::string::npos; },
      Fault{FaultKind::k500, 2, 1, 0ms});
  slack.set_fault("chat.postMessage", Fault{FaultKind::k429, 1, 1, 0ms});
  EXPECT_EQ(slack.pending_faults("chat.postMessage"), 3);
  auto doomed = [&] {
    return c.Post("/api/chat.postMessage", auth, R"({"channel":"C1","text":"doomed"})",
                  "application/json");
  };
  EXPECT_EQ(doomed()->status, 500);
  EXPECT_EQ(post()->status, 429);
  EXPECT_EQ(doomed()->status, 500);
  EXPECT_EQ(doomed()->status, 200);
  EXPECT_EQ(post()->status, 200);
}

TEST(FaultFakes, SlackControlEndpointTakesAScript) {
  steward::fakes::FakeSlackOptions fo;
  fo.control_endpoints = true;
  FakeSlack slack(fo);
  ASSERT_TRUE(slack.ok());
  httplib::Client c("127.0.0.1", slack.port());
  auto r = c.Post("/_fault", R"({"method":"chat.update","script":"429:4,ok*2,reset"})",
                  "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(slack.pending_faults("chat.update"), 4);
  r = c.Post("/_fault", R"({"method":"chat.update","script":"429:x"})", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  r = c.Post("/_fault", R"({"method":"chat.update","kind":"reset","count":2})", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(slack.pending_faults("chat.update"), 2);
}

TEST(FaultFakes, SmtpServerHangsAndResets) {
  steward::testing::SmtpFake smtp({});
  ASSERT_TRUE(smtp.ok()) << smtp.error();
  ASSERT_TRUE(smtp.faults(
      {{{"stage", "connect"}, {"kind", "reset"}}, {{"stage", "connect"}, {"kind", "hang"}}}));
  auto greet = [&](std::string& got) {
    int fd = steward::testing::connect_loopback(smtp.port());
    if (fd < 0) return errno;
    timeval tv{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[512];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    int err = n < 0 ? errno : 0;
    if (n > 0) got.assign(buf, static_cast<std::size_t>(n));
    ::close(fd);
    return err;
  };
  std::string got;
  EXPECT_EQ(greet(got), ECONNRESET);
  int hang = greet(got);
  EXPECT_TRUE(hang == EAGAIN || hang == EWOULDBLOCK) << std::strerror(hang) << " " << got;
  EXPECT_EQ(got, "");
  EXPECT_EQ(greet(got), 0);
  EXPECT_EQ(got.rfind("220 ", 0), 0u) << got;
  auto log = smtp.fault_log();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(jstr(log[0], "kind"), "reset");
  EXPECT_EQ(jstr(log[1], "kind"), "hang");
  EXPECT_FALSE(smtp.faults({{{"stage", "data"}, {"kind", "explode"}}}));
}

// ------------------------------------------------------------------------ the real binary

struct Lead {
  std::string event_id, name, email, company;
};

class FaultDelivery : public ::testing::Test {
 protected:
  void SetUp() override {
    steward::testing::SmtpFakeOptions so;
    so.tls = true;
    so.auth = std::string("steward:") + kSmtpPassword;
    smtp_ = std::make_unique<steward::testing::SmtpFake>(so);
    ASSERT_TRUE(smtp_->ok()) << smtp_->error();
    steward::fakes::FakeSlackOptions fo;
    fo.token = kToken;
    slack_ = std::make_unique<FakeSlack>(fo);
    ASSERT_TRUE(slack_->ok());
    StewardConfig config;
    config.slack("${FAULT_SLACK_TOKEN}", kSigning, slack_->api_base(), slack_->response_url_base())
        .duration("slack", "channel_interval", 1s)
        .duration("slack", "timeout", kSlackClientTimeout)
        .smtp("Acme Sales <sales@acme.example>", smtp_->port(), "${FAULT_SMTP_PASSWORD}",
              smtp_->cert())
        .duration("email", "smtp_timeout", 2s * kScale)
        .dana()
        .form("website", "json", kFormSecret)
        .num("outbox", "max_attempts", 8)
        .duration("outbox", "base_backoff", 100ms)
        .duration("outbox", "max_backoff", 1s)
        .num("outbox", "workers", 3)
        .duration("approvals", "sweep_interval", 500ms);
    StewardOptions options;
    options.env = {std::string("FAULT_SLACK_TOKEN=") + kToken,
                   std::string("FAULT_SMTP_PASSWORD=") + kSmtpPassword};
    options.ready_timeout = 20s * kScale;
    options.http_timeout_s = 10 * kScale;
    steward_ = std::make_unique<StewardProcess>(std::move(config), std::move(options));
  }

  void TearDown() override {
    if (steward_) steward_->stop(SIGTERM);
    std::string text = log();
    for (const char* secret : {kSmtpPassword, kToken, kSigning, kFormSecret})
      EXPECT_EQ(text.find(secret), std::string::npos) << "secret in log: " << secret;
    for (const char* report : {"AddressSanitizer", "runtime error:", "LeakSanitizer"})
      EXPECT_EQ(text.find(report), std::string::npos) << "sanitizer report in log:\n" << text;
  }

  void start() { ASSERT_TRUE(steward_->start()) << steward_->error(); }

  std::string log() { return steward_ ? steward_->log() : std::string(); }
  httplib::Client& http() { return steward_->http(); }

  /// Rows of a read-only query on Steward's database, every column as text (NULL → "").
  steward::testing::Rows query(const std::string& sql) {
    try {
      return steward_->query(sql);
    } catch (const std::exception& e) {
      ADD_FAILURE() << e.what();
      return {};
    }
  }
  std::string scalar(const std::string& sql) {
    auto rows = query(sql);
    return rows.empty() || rows[0].empty() ? "" : rows[0][0];
  }

  httplib::Result post_form(const Lead& lead) {
    boost::json::object o{{"event_id", lead.event_id},
                          {"name", lead.name},
                          {"email", lead.email},
                          {"company", lead.company},
                          {"employees", 850},
                          {"budget", 60000},
                          {"phone", "+44 20 7946 0000"},
                          {"message",
                           "We need a quote for 200 seats this month, please send "
                           "pricing asap."}};
    std::string body = boost::json::serialize(o);
    httplib::Headers h{
        {"X-Steward-Signature", steward::testing::form_signature(kFormSecret, body)}};
    return http().Post("/hooks/forms/website", h, body, "application/json");
  }

  /// A director's signed "Approve" click on the approval message at `message_ts`.
  httplib::Result approve(const std::string& approval_id, const std::string& message_ts, int n) {
    std::string action_ts = "1700000" + std::to_string(100 + n) + ".1";
    boost::json::object payload{
        {"type", "block_actions"},
        {"user", {{"id", "U_DANA"}, {"username", "dana"}, {"name", "dana"}, {"team_id", "T0FAKE"}}},
        {"api_app_id", "A0STEWARD"},
        {"container",
         {{"type", "message"},
          {"message_ts", message_ts},
          {"channel_id", "C_APPROVALS"},
          {"is_ephemeral", false}}},
        {"trigger_id", "1.2." + action_ts},
        {"team", {{"id", "T0FAKE"}, {"domain", "acme"}}},
        {"channel", {{"id", "C_APPROVALS"}, {"name", "approvals"}}},
        {"response_url", slack_->response_url("click-" + std::to_string(n))},
        {"actions",
         {{{"type", "button"},
           {"action_id", "approval.approve"},
           {"block_id", "approval:" + approval_id},
           {"value", approval_id},
           {"action_ts", action_ts}}}}};
    std::string body =
        "payload=" + steward::connectors::url_encode(boost::json::serialize(payload));
    std::string ts = steward::testing::now_ts();
    std::string sig = steward::testing::slack_signature(kSigning, ts, body);
    httplib::Headers h{{"X-Slack-Request-Timestamp", ts}, {"X-Slack-Signature", sig}};
    return http().Post("/slack/interactivity", h, body, "application/x-www-form-urlencoded");
  }

  /// Approves (by signed clicks) every pending request as soon as its message is posted, until
  /// `want` have been approved or `timeout` passes; returns how many were.
  std::size_t approve_all(std::size_t want, std::chrono::milliseconds timeout) {
    wait_until(
        [&] {
          for (const auto& row :
               query("SELECT id, message_ts FROM approvals WHERE status = 'pending' AND "
                     "message_ts IS NOT NULL AND message_ts != ''")) {
            if (approved_.count(row[0])) continue;
            auto r = approve(row[0], row[1], static_cast<int>(approved_.size()) + 1);
            if (r && r->status == 200) approved_.insert(row[0]);
          }
          return approved_.size() >= want;
        },
        timeout);
    return approved_.size();
  }

  std::set<std::string> approved_;
  std::unique_ptr<steward::testing::SmtpFake> smtp_;
  std::unique_ptr<FakeSlack> slack_;
  std::unique_ptr<StewardProcess> steward_;
};

/// A call is "the same call" again when method and body are identical (Steward stores the
/// action's payload and re-sends it unchanged).
std::string call_key(const RecordedCall& c) { return c.method + "\n" + c.raw_body; }

TEST_F(FaultDelivery, EveryActionIsDeliveredOnceOrDeadLetteredWithAnAlert) {
  const auto t0 = std::chrono::steady_clock::now();
  constexpr int kLeads = 12;
  std::vector<Lead> leads;
  for (int i = 0; i < kLeads; ++i) {
    std::string n = std::to_string(i);
    leads.push_back({"fault-lead-" + n, "Buyer " + n + " Person",
                     "buyer" + n + "@northwind" + n + ".example", "Northwind " + n});
  }
  // Lead 7's sales alert always fails (500): it must be dead-lettered with an alert.
  const std::string doomed_company = leads[7].company;

  // Call-by-call scripts. Retry-After ≥ 2 s on chat.postMessage: Steward paces posts to one
  // channel at 1/s, and up to workers-1 slots may already be reserved when a 429 arrives.
  std::vector<Fault> post_script;
  ASSERT_TRUE(FakeSlack::parse_fault_script(
      "ok, 429:2, ok*2, 500, ok, reset, ok*2, hang:" +
          std::to_string(std::chrono::milliseconds(kSlackClientTimeout).count() + 1500) +
          ", ok, close, ok*2, 429:3, ok, 500, reset, ok",
      post_script));
  slack_->set_fault_script("chat.postMessage", post_script);
  std::vector<Fault> update_script;
  ASSERT_TRUE(FakeSlack::parse_fault_script("500, ok, reset, ok, 429:1, ok, close", update_script));
  slack_->set_fault_script("chat.update", update_script);
  slack_->add_fault_rule(
      "chat.postMessage",
      [doomed_company](const RecordedCall& c) {
        return jstr(c.body, "channel") == "C_SALES" &&
               c.raw_body.find(doomed_company) != std::string::npos;
      },
      Fault{FaultKind::k500, 1000, 1, 0ms});
  // SMTP, per stage in order ("reply" without a code lets the stage pass).
  ASSERT_TRUE(smtp_->faults({
      {{"stage", "connect"}, {"kind", "reset"}},
      {{"stage", "mail"}, {"kind", "reply"}},
      {{"stage", "mail"}, {"kind", "hang"}},
      {{"stage", "rcpt"}, {"kind", "reply"}, {"times", 3}},
      {{"stage", "rcpt"}, {"code", 550}, {"text", "5.1.1 mailbox unavailable"}},
      {{"stage", "data"}, {"code", 451}, {"text", "4.3.0 try again later"}},
      {{"stage", "data"}, {"kind", "reply"}},
      {{"stage", "data"}, {"kind", "reset"}},
  }));
  // (A hang after DATA is SmtpHangAfterDataEndsWithinTheSmtpTimeout: libcurl then waits 120 s.)
  const std::size_t smtp_faults_queued = 5;  // the entries that are not spacers

  start();
  if (HasFatalFailure()) return;
  for (const auto& lead : leads) {
    auto r = post_form(lead);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
  }

  // Approve every request as soon as its message is posted (signed interactivity clicks).
  ASSERT_EQ(approve_all(kLeads, 60s * kScale), static_cast<std::size_t>(kLeads)) << log();

  // Quiescence: nothing pending or running, every fault script used up.
  bool settled = wait_until(
      [&] {
        return scalar("SELECT COUNT(*) FROM actions WHERE status IN ('pending', 'running')") ==
                   "0" &&
               scalar("SELECT COUNT(*) FROM approvals WHERE status = 'pending'") == "0" &&
               slack_->pending_faults("chat.update") == 0 &&
               smtp_->fault_log().size() >= smtp_faults_queued;
      },
      90s * kScale);
  const auto elapsed = std::chrono::steady_clock::now() - t0;
  EXPECT_TRUE(settled) << scalar(
                              "SELECT COUNT(*) FROM actions WHERE status IN "
                              "('pending','running')")
                       << " actions unfinished; smtp faults applied " << smtp_->fault_log().size()
                       << "\n"
                       << log();
  // The doomed rule keeps a large count on purpose; only the scripts must be used up.
  EXPECT_EQ(slack_->pending_faults("chat.update"), 0);

  const auto calls = slack_->calls();
  const auto mails = smtp_->messages();
  const auto smtp_log = smtp_->fault_log();

  // ---- every action ends done or dead; every dead one has its alert, delivered ------------
  std::map<std::string, int> by_status;
  for (const auto& row : query("SELECT status, COUNT(*) FROM actions GROUP BY status"))
    by_status[row[0]] = std::stoi(row[1]);
  for (const auto& [status, count] : by_status)
    EXPECT_TRUE(status == "done" || status == "dead") << count << " action(s) " << status;
  auto dead = query(
      "SELECT id, kind, attempts, last_error, summary FROM actions WHERE status = 'dead' AND "
      "idempotency_key NOT LIKE 'alert:%' ORDER BY created_at");
  auto delivered_alert = [&](const std::string& action_id) {
    for (const auto& c : calls)
      if (c.method == "chat.postMessage" && c.fault.empty() &&
          jstr(c.body, "channel") == "C_APPROVALS" &&
          jstr(c.body, "text").find("gave up") != std::string::npos &&
          jstr(c.body, "text").find(action_id) != std::string::npos)
        return true;
    return false;
  };
  for (const auto& d : dead) EXPECT_TRUE(delivered_alert(d[0])) << "no alert for " << d[0];
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM actions WHERE status = 'dead' AND idempotency_key "
                   "LIKE 'alert:%'"),
            "0")
      << "an alert itself was dead-lettered";
  // The expected dead letters: the doomed sales post (500 until max_attempts) and the 550 email.
  std::map<std::string, int> dead_kinds;
  for (const auto& d : dead) ++dead_kinds[d[1]];
  EXPECT_EQ(dead_kinds["slack.post"], 1);
  EXPECT_EQ(dead_kinds["email.send"], 1);
  EXPECT_EQ(dead.size(), 2u);
  for (const auto& d : dead) {
    if (d[1] == "slack.post") {
      EXPECT_NE(d[4].find(doomed_company), std::string::npos) << d[4];
      EXPECT_EQ(d[2], "8") << "a 500 is retried max_attempts times";
    }
    if (d[1] == "email.send") {
      // It may have met a transient fault first; the 550 ends it at once.
      EXPECT_NE(d[3].find("550"), std::string::npos) << d[3];
      EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit WHERE kind = 'action.retry' AND action_id = '" +
                       d[0] + "' AND data LIKE '%550%'"),
                "0")
          << "a permanent 550 is not retried";
    }
  }

  // ---- nothing is delivered twice -----------------------------------------------------------
  // Slack: each distinct request that got a normal answer did so exactly once, and every
  // faulted request was later answered normally unless its action is dead.
  std::map<std::string, int> ok_count;
  for (const auto& c : calls)
    if (c.fault.empty() && (c.method == "chat.postMessage" || c.method == "chat.update"))
      ++ok_count[call_key(c)];
  for (const auto& [key, count] : ok_count)
    EXPECT_EQ(count, 1) << "delivered " << count << " times:\n" << key.substr(0, 300);
  std::map<std::string, int> faults_by_kind;
  int doomed_calls = 0;
  for (const auto& c : calls) {
    if (c.fault.empty()) continue;
    bool doomed = c.raw_body.find(doomed_company) != std::string::npos &&
                  jstr(c.body, "channel") == "C_SALES";
    ++faults_by_kind[c.method + " " + c.fault + (doomed ? " (doomed rule)" : "")];
    doomed_calls += doomed;
    if (!doomed) {
      EXPECT_EQ(ok_count[call_key(c)], 1)
          << "a request faulted with '" << c.fault << "' was never delivered:\n"
          << c.raw_body.substr(0, 300);
    }
  }
  std::size_t sales = 0, approvals = 0;
  for (const auto& [key, count] : ok_count) {
    if (key.find("\"channel\":\"C_SALES\"") != std::string::npos) ++sales;
    if (key.find("\"channel\":\"C_APPROVALS\"") != std::string::npos &&
        key.find("approval.approve") != std::string::npos)
      ++approvals;
  }
  EXPECT_EQ(sales, static_cast<std::size_t>(kLeads - 1));
  EXPECT_EQ(approvals, static_cast<std::size_t>(kLeads));
  // Every scripted Slack fault was injected.
  EXPECT_EQ(faults_by_kind["chat.postMessage 429"], 2);
  EXPECT_EQ(faults_by_kind["chat.postMessage reset"], 2);
  EXPECT_EQ(faults_by_kind["chat.postMessage hang"], 1);
  EXPECT_EQ(faults_by_kind["chat.postMessage close"], 1);
  EXPECT_EQ(faults_by_kind["chat.postMessage 500"], 2);
  // Attempts refused locally while a Retry-After runs never reach Slack, so the doomed post
  // may have reached it fewer than max_attempts times.
  EXPECT_GE(doomed_calls, 1);
  EXPECT_LE(doomed_calls, 8);
  EXPECT_EQ(faults_by_kind["chat.update 429"], 1);
  EXPECT_EQ(faults_by_kind["chat.update reset"], 1);

  // SMTP: one message per delivered email action, each recipient and Message-ID once, and the
  // Message-ID the one Steward recorded.
  std::map<std::string, int> per_rcpt, per_id;
  for (const auto& m : mails) {
    ++per_rcpt[boost::json::value_to<std::string>(m.at("to").at(0))];
    ++per_id[jstr(m.at("parsed"), "messageId")];
  }
  for (const auto& [rcpt, count] : per_rcpt) EXPECT_EQ(count, 1) << rcpt << " got " << count;
  for (const auto& [id, count] : per_id) EXPECT_EQ(count, 1) << id << " sent " << count;
  auto sent = query(
      "SELECT json_extract(result, '$.message_id') FROM actions WHERE kind = 'email.send' AND "
      "status = 'done'");
  EXPECT_EQ(sent.size(), static_cast<std::size_t>(kLeads - 1));
  EXPECT_EQ(mails.size(), sent.size());
  for (const auto& row : sent) EXPECT_EQ(per_id[row[0]], 1) << row[0] << " not delivered once";
  std::map<std::string, int> smtp_by_kind;
  for (const auto& f : smtp_log)
    ++smtp_by_kind[jstr(f, "stage") + " " + jstr(f, "kind") +
                   (f.at("code").to_number<int>()
                        ? " " + std::to_string(f.at("code").to_number<int>())
                        : "")];

  // ---- Retry-After is honoured --------------------------------------------------------------
  std::vector<double> gaps;
  for (std::size_t i = 0; i < calls.size(); ++i) {
    if (calls[i].fault != "429") continue;
    // The Retry-After of this call: the k-th 429 of its method came from the k-th 429 step.
    int ra = 0;
    int k = 0;
    for (std::size_t j = 0; j < i; ++j)
      k += calls[j].method == calls[i].method && calls[j].fault == "429";
    int seen = 0;
    for (const auto& f : calls[i].method == "chat.update" ? update_script : post_script)
      if (f.kind == FaultKind::k429 && seen++ == k) ra = f.retry_after_s;
    ASSERT_GT(ra, 0);
    const RecordedCall* next = nullptr;
    for (std::size_t j = i + 1; j < calls.size() && !next; ++j)
      if (call_key(calls[j]) == call_key(calls[i])) next = &calls[j];
    ASSERT_NE(next, nullptr) << "the 429'd call was never retried";
    double gap = seconds(next->at - calls[i].at);
    gaps.push_back(gap);
    std::printf("[ retry-after ] %s Retry-After %d s → next attempt after %.3f s\n",
                calls[i].method.c_str(), ra, gap);
    EXPECT_GE(gap, ra) << calls[i].method << ": retried before Retry-After";
    EXPECT_LT(gap, ra + 2.0 * kScale) << calls[i].method << ": Retry-After wait far too long";
    // Nothing else of that method reached Slack inside the window either (a request already
    // on the wire when the 429 was answered may still arrive just after it).
    for (const auto& c : calls)
      if (c.method == calls[i].method && c.at > calls[i].at + 250ms * kScale &&
          c.at < calls[i].at + std::chrono::milliseconds(ra * 1000 - 50))
        ADD_FAILURE() << c.method << " sent " << seconds(c.at - calls[i].at)
                      << " s after a 429 with Retry-After " << ra;
  }
  ASSERT_EQ(gaps.size(), 3u);

  // ---- hang: the client's timeout fires and the attempt is retried -------------------------
  double hang_retry = -1;
  for (std::size_t i = 0; i < calls.size(); ++i) {
    if (calls[i].fault != "hang") continue;
    for (std::size_t j = i + 1; j < calls.size(); ++j)
      if (call_key(calls[j]) == call_key(calls[i])) {
        hang_retry = seconds(calls[j].at - calls[i].at);
        break;
      }
  }
  // Timed out by the client (not before), then retried; when the retry goes out also depends
  // on the queue ahead of it and the per-channel pacing, so there is no tight upper bound.
  EXPECT_GE(hang_retry, 0.9 * seconds(kSlackClientTimeout)) << "retried before the timeout";
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit WHERE kind = 'action.retry' AND data LIKE "
                   "'%no reply within%'"),
            "1");
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit WHERE kind = 'action.retry' AND data LIKE "
                   "'%email.send%' AND data LIKE '%timed out%'"),
            "1")
      << "the SMTP hang at MAIL ends in the client's timeout";

  // ---- summary ------------------------------------------------------------------------------
  std::sort(gaps.begin(), gaps.end());
  std::printf("\n[ summary ] %.1f s, %d leads\n", seconds(elapsed), kLeads);
  for (const auto& row : query("SELECT kind, status, COUNT(*), SUM(attempts) FROM actions GROUP "
                               "BY kind, status ORDER BY kind, status"))
    std::printf("[ actions ] %-16s %-5s %3s action(s), %3s attempt(s)\n", row[0].c_str(),
                row[1].c_str(), row[2].c_str(), row[3].c_str());
  std::printf("[ attempts] total %s, slack calls %zu, smtp messages %zu\n",
              scalar("SELECT SUM(attempts) FROM actions").c_str(), calls.size(), mails.size());
  for (const auto& [kind, count] : faults_by_kind)
    std::printf("[ faults  ] slack %-24s %d\n", kind.c_str(), count);
  for (const auto& [kind, count] : smtp_by_kind)
    std::printf("[ faults  ] smtp  %-24s %d\n", kind.c_str(), count);
  std::printf("[ 429 gaps] min %.3f s, median %.3f s, max %.3f s (n=%zu)\n", gaps.front(),
              gaps[gaps.size() / 2], gaps.back(), gaps.size());
  std::printf("[ hang    ] retried %.3f s after the hung call (client timeout %lld s)\n",
              hang_retry, static_cast<long long>(kSlackClientTimeout.count()));
  for (const auto& d : dead)
    std::printf("[ dead    ] %s %s after %s attempt(s): %s\n", d[1].c_str(), d[0].c_str(),
                d[2].c_str(), d[3].c_str());
  for (const auto& row :
       query("SELECT json_extract(data, '$.kind'), json_extract(data, '$.error'), COUNT(*) FROM "
             "audit WHERE kind = 'action.retry' GROUP BY 1, 2 ORDER BY 1, 3 DESC"))
    std::printf("[ retries ] %-14s %2s× %s\n", row[0].c_str(), row[2].c_str(), row[1].c_str());
  std::fflush(stdout);
  EXPECT_LT(elapsed, 60s * kScale) << "slower than the budget";
}

// A server that takes the whole message and then never answers: the attempt must end within
// [email] smtp_timeout (then be retried and delivered once), not hold an outbox worker for
// libcurl's 120 s default server-response timeout.
TEST_F(FaultDelivery, SmtpHangAfterDataEndsWithinTheSmtpTimeout) {
  ASSERT_TRUE(smtp_->faults({{{"stage", "data"}, {"kind", "hang"}}}));
  start();
  if (HasFatalFailure()) return;
  Lead lead{"hang-lead", "Hana Hang", "hana@hangco.example", "HangCo"};
  auto r = post_form(lead);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  ASSERT_EQ(approve_all(1, 20s * kScale), 1u) << log();
  const auto approved = std::chrono::steady_clock::now();
  const auto smtp_timeout = 2s * kScale;
  // Generous: the timeout, a retry backoff, a fresh connection and the second transaction.
  const auto budget = smtp_timeout + 8s * kScale;
  bool delivered = wait_until([&] { return smtp_->messages().size() == 1; }, budget);
  const double took = seconds(std::chrono::steady_clock::now() - approved);
  std::printf("[ smtp hang] DATA hang: delivered=%d after %.1f s (smtp_timeout %lld s)\n",
              delivered, took, static_cast<long long>(smtp_timeout.count()));
  EXPECT_TRUE(delivered) << "the attempt that met the hang after DATA did not end within "
                         << seconds(budget) << " s (smtp_timeout is " << seconds(smtp_timeout)
                         << " s): "
                         << scalar(
                                "SELECT status || ' after ' || attempts || ' attempt(s)' FROM "
                                "actions WHERE kind = 'email.send'");
  ASSERT_EQ(smtp_->fault_log().size(), 1u);
  if (!delivered) return;
  ASSERT_TRUE(wait_until(
      [&] { return scalar("SELECT status FROM actions WHERE kind = 'email.send'") == "done"; }));
  EXPECT_EQ(scalar("SELECT attempts FROM actions WHERE kind = 'email.send'"), "2");
  EXPECT_NE(scalar("SELECT data FROM audit WHERE kind = 'action.retry'").find("timed out"),
            std::string::npos);
  EXPECT_TRUE(holds_for([&] { return smtp_->messages().size() == 1; }, 500ms))
      << smtp_->messages().size() << " messages";
}

}  // namespace
