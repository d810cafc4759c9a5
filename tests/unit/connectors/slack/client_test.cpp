#include "connectors/slack/client.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <regex>
#include <thread>
#include <vector>

#include "bot/core/json.hpp"
#include "tests/fakes/fake_slack.hpp"
#include "tests/support/manual_clock.hpp"

namespace steward::slack {
namespace {

using namespace std::chrono_literals;
using fakes::FakeSlack;
using fakes::FakeSlackOptions;
using fakes::Fault;
using fakes::FaultKind;

constexpr std::string_view kToken = "xoxb-test-token";

class SlackClientTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(fake_.ok()); }

  ClientOptions options(std::chrono::milliseconds timeout = 2000ms) const {
    ClientOptions o;
    o.api_base = fake_.api_base();
    o.bot_token = Secret(std::string(kToken));
    o.timeout = timeout;
    o.response_url_base = fake_.response_url_base();
    return o;
  }

  static FakeSlackOptions fake_options() {
    FakeSlackOptions o;
    o.token = std::string(kToken);
    o.channels = {"C1", "C2", "C3"};
    return o;
  }

  SystemClock clock_;
  FakeSlack fake_{fake_options()};
};

boost::json::array sample_blocks() {
  return boost::json::parse(R"([{"type":"section","text":{"type":"mrkdwn","text":"*hi*"}}])")
      .as_array();
}

TEST(SlackSplitUrl, ParsesHttpAndHttps) {
  auto a = split_url("http://127.0.0.1:8080/api");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->scheme, "http");
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 8080);
  EXPECT_EQ(a->path, "/api");
  auto b = split_url("https://hooks.slack.com/actions/T1/2/xyz?x=1");
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->port, 443);
  EXPECT_EQ(b->path, "/actions/T1/2/xyz?x=1");
  auto c = split_url("HTTP://a/b?#f");  // the Boost.URL 1.81 "?#" case
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->path, "/b");
  EXPECT_EQ(c->port, 80);
  for (std::string_view bad : {"ftp://a/b", "not a url", "", "http:///x", "https://u:p@h/x"})
    EXPECT_FALSE(split_url(bad).has_value()) << bad;
}

TEST_F(SlackClientTest, AuthTestReturnsIdentity) {
  WebClient client(options(), clock_);
  auto info = client.auth_test();
  ASSERT_TRUE(info.has_value()) << info.error().message;
  EXPECT_EQ(info->user_id, "U0BOT");
  EXPECT_EQ(info->bot_id, "B0BOT");
  EXPECT_EQ(info->team_id, "T0FAKE");
}

TEST_F(SlackClientTest, PostMessageSendsJsonWithBearerToken) {
  WebClient client(options(), clock_);
  auto posted = client.post_message("C1", "hello & <you>", sample_blocks(), "1700.000001");
  ASSERT_TRUE(posted.has_value()) << posted.error().message;
  EXPECT_EQ(posted->channel, "C1");
  EXPECT_TRUE(std::regex_match(posted->ts, std::regex(R"(\d+\.\d{6})"))) << posted->ts;

  auto calls = fake_.calls("chat.postMessage");
  ASSERT_EQ(calls.size(), 1u);
  const auto& call = calls[0];
  EXPECT_EQ(call.path, "/api/chat.postMessage");
  EXPECT_EQ(call.header("authorization"), "Bearer xoxb-test-token");
  EXPECT_EQ(call.header("content-type"), "application/json; charset=utf-8");
  ASSERT_TRUE(call.body.is_object());
  const auto& body = call.body.get_object();
  EXPECT_EQ(json::string_or(body, "channel"), "C1");
  EXPECT_EQ(json::string_or(body, "text"), "hello & <you>");
  EXPECT_EQ(json::string_or(body, "thread_ts"), "1700.000001");
  EXPECT_EQ(body.at("blocks"), sample_blocks());
}

TEST_F(SlackClientTest, PostMessageWithoutBlocksStillSendsText) {
  WebClient client(options(), clock_);
  auto posted = client.post_message("C1", "just text", {});
  ASSERT_TRUE(posted.has_value()) << posted.error().message;
  auto body = fake_.calls("chat.postMessage").at(0).body.get_object();
  EXPECT_FALSE(body.contains("blocks"));
  EXPECT_FALSE(body.contains("thread_ts"));
  EXPECT_EQ(json::string_or(body, "text"), "just text");
}

TEST_F(SlackClientTest, UpdateMessageEditsThePostedMessage) {
  WebClient client(options(), clock_);
  auto posted = client.post_message("C1", "v1", {});
  ASSERT_TRUE(posted.has_value()) << posted.error().message;
  auto updated = client.update_message("C1", posted->ts, "v2", sample_blocks());
  ASSERT_TRUE(updated.has_value()) << updated.error().message;
  EXPECT_EQ(updated->ts, posted->ts);
  EXPECT_EQ(updated->channel, "C1");
  auto calls = fake_.calls("chat.update");
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(json::string_or(calls[0].body.get_object(), "ts"), posted->ts);
  EXPECT_EQ(json::string_or(calls[0].body.get_object(), "text"), "v2");
  EXPECT_EQ(calls[0].header("authorization"), "Bearer xoxb-test-token");
}

TEST_F(SlackClientTest, RespondPostsJsonWithoutAuthorization) {
  WebClient client(options(), clock_);
  auto sent = client.respond(fake_.response_url("r1"),
                             boost::json::object{{"text", "done"}, {"replace_original", true}});
  ASSERT_TRUE(sent.has_value()) << sent.error().message;
  auto calls = fake_.calls("response");
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].path, "/response/r1");
  EXPECT_EQ(calls[0].header("authorization"), "");
  EXPECT_EQ(calls[0].header("content-type"), "application/json; charset=utf-8");
  EXPECT_EQ(json::string_or(calls[0].body.get_object(), "text"), "done");
}

TEST_F(SlackClientTest, OkFalseMapsToPermanentWithSlackCode) {
  WebClient client(options(), clock_);
  auto unknown = client.post_message("C_NOPE", "x", {});
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().code, Errc::kPermanent);
  EXPECT_EQ(unknown.error().message, "chat.postMessage: channel_not_found");

  auto missing = client.update_message("C1", "1.000001", "x", {});
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, Errc::kPermanent);
  EXPECT_EQ(missing.error().message, "chat.update: message_not_found");

  auto blocks = boost::json::array();
  for (int i = 0; i < 51; ++i) blocks.push_back(sample_blocks()[0]);
  auto too_many = client.post_message("C1", "x", blocks);
  ASSERT_FALSE(too_many.has_value());
  EXPECT_EQ(too_many.error().message, "chat.postMessage: invalid_blocks");
  EXPECT_FALSE(too_many.error().transient());
}

TEST_F(SlackClientTest, WrongTokenIsInvalidAuthAndNeverEchoed) {
  auto o = options();
  o.bot_token = Secret("xoxb-wrong-secret-value");
  WebClient client(o, clock_);
  auto r = client.auth_test();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kPermanent);
  EXPECT_EQ(r.error().message, "auth.test: invalid_auth");
  EXPECT_EQ(r.error().message.find("wrong-secret"), std::string::npos);
}

TEST_F(SlackClientTest, Http429IsRateLimitedWithRetryAfterAndGatesTheMethod) {
  ManualClock manual(TimePoint(std::chrono::seconds(1700000000)));
  WebClient client(options(), manual);
  fake_.set_fault("chat.postMessage", Fault{FaultKind::k429, 1, 7, 0ms});
  auto r = client.post_message("C1", "x", {});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kRateLimited);
  ASSERT_TRUE(r.error().retry_after.has_value());
  EXPECT_EQ(*r.error().retry_after, 7s);

  // Until Retry-After has passed the method is refused without reaching Slack.
  manual.advance(3s);
  auto gated = client.post_message("C2", "x", {});
  ASSERT_FALSE(gated.has_value());
  EXPECT_EQ(gated.error().code, Errc::kRateLimited);
  EXPECT_EQ(*gated.error().retry_after, 4s);
  EXPECT_EQ(fake_.calls("chat.postMessage").size(), 1u);
  // Other methods are not affected.
  EXPECT_TRUE(client.auth_test().has_value());

  manual.advance(4s);
  auto after = client.post_message("C2", "x", {});
  EXPECT_TRUE(after.has_value()) << after.error().message;
  EXPECT_EQ(fake_.calls("chat.postMessage").size(), 2u);
}

TEST_F(SlackClientTest, Http429WithoutRetryAfterDefaultsToOneSecond) {
  WebClient client(options(), clock_);
  fake_.set_fault("chat.update", Fault{FaultKind::k429, 1, -1, 0ms});
  auto r = client.update_message("C1", "1.000001", "x", {});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kRateLimited);
  EXPECT_EQ(r.error().retry_after, std::optional<std::chrono::seconds>(1s));
}

TEST_F(SlackClientTest, Http500IsUnavailable) {
  WebClient client(options(), clock_);
  fake_.set_fault("auth.test", Fault{FaultKind::k500, 1, 1, 0ms});
  auto r = client.auth_test();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kUnavailable);
  EXPECT_EQ(r.error().message, "auth.test: HTTP 500");
  EXPECT_TRUE(client.auth_test().has_value());  // the fault was for one call only
}

TEST_F(SlackClientTest, HangIsTimeout) {
  WebClient client(options(300ms), clock_);
  fake_.set_fault("chat.postMessage", Fault{FaultKind::kHang, 1, 1, 1500ms});
  auto started = std::chrono::steady_clock::now();
  auto r = client.post_message("C1", "x", {});
  auto elapsed = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kTimeout) << r.error().message;
  EXPECT_LT(elapsed, 1400ms);
}

TEST_F(SlackClientTest, ClosedConnectionIsUnavailable) {
  WebClient client(options(), clock_);
  fake_.set_fault("chat.postMessage", Fault{FaultKind::kClose, 1, 1, 0ms});
  auto started = std::chrono::steady_clock::now();
  auto r = client.post_message("C1", "x", {});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kUnavailable) << r.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1500ms);
  EXPECT_EQ(fake_.calls("chat.postMessage").at(0).fault, "close");
}

TEST_F(SlackClientTest, RespondFaultsMapLikeTheWebApi) {
  WebClient client(options(), clock_);
  fake_.set_fault("response", Fault{FaultKind::k500, 1, 1, 0ms});
  auto r = client.respond(fake_.response_url("r2"), boost::json::object{{"text", "x"}});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kUnavailable);
  EXPECT_EQ(r.error().message.find("/response/"), std::string::npos);
  fake_.set_fault("response", Fault{FaultKind::k429, 1, 5, 0ms});
  auto limited = client.respond(fake_.response_url("r2"), boost::json::object{{"text", "x"}});
  ASSERT_FALSE(limited.has_value());
  EXPECT_EQ(limited.error().code, Errc::kRateLimited);
  EXPECT_EQ(*limited.error().retry_after, 5s);
  auto bad = client.respond("ftp://example.com/x", boost::json::object{{"text", "x"}});
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, Errc::kPermanent);
}

// Issue 9 (5): a response_url from a payload is only ever posted to Slack's hooks host.
TEST_F(SlackClientTest, RespondRefusesUrlsOutsideTheHooksBase) {
  WebClient client(options(), clock_);
  const auto before = fake_.calls("response").size();
  const std::string base = fake_.response_url_base();
  for (const std::string& url : std::vector<std::string>{
           "http://127.0.0.1:1/response/x", base.substr(0, base.size() - 1), base,
           "http://attacker.example/response/x", base.substr(0, base.size() - 1) + ".evil/x"}) {
    auto r = client.respond(url, boost::json::object{{"text", "x"}});
    ASSERT_FALSE(r.has_value()) << url;
    EXPECT_EQ(r.error().code, Errc::kPermanent) << url;
    EXPECT_EQ(r.error().message.find("/x"), std::string::npos)
        << "URL leaked: " << r.error().message;
  }
  EXPECT_EQ(fake_.calls("response").size(), before);
  // The default base is Slack's own host.
  EXPECT_EQ(ClientOptions{}.response_url_base, "https://hooks.slack.com/");
}

TEST_F(SlackClientTest, PostEphemeralReachesOnePerson) {
  WebClient client(options(), clock_);
  ASSERT_TRUE(client.post_ephemeral("C1", "U0SAM", "only you"));
  auto calls = fake_.calls("chat.postEphemeral");
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(json::string_or(calls[0].body.get_object(), "user"), "U0SAM");
  EXPECT_EQ(json::string_or(calls[0].body.get_object(), "text"), "only you");
  auto unknown = client.post_ephemeral("C_NOPE", "U0SAM", "x");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, Errc::kPermanent);
}

TEST(SlackClient, ConnectionRefusedIsUnavailable) {
  int port = 0;
  {
    FakeSlack gone;
    ASSERT_TRUE(gone.ok());
    port = gone.port();
  }
  SystemClock clock;
  ClientOptions o;
  o.api_base = "http://127.0.0.1:" + std::to_string(port) + "/api";
  o.bot_token = Secret("xoxb-x");
  o.timeout = 1000ms;
  WebClient client(o, clock);
  auto r = client.auth_test();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kUnavailable) << r.error().message;
}

TEST(SlackClient, BadApiBaseIsInvalidInput) {
  SystemClock clock;
  ClientOptions o;
  o.api_base = "ftp://slack.com/api";
  o.bot_token = Secret("xoxb-x");
  WebClient client(o, clock);
  auto r = client.post_message("C1", "x", {});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kInvalidInput);
}

TEST_F(SlackClientTest, PostsToOneChannelAreSpacedAboutOneSecond) {
  WebClient client(options(), clock_);
  ASSERT_TRUE(client.post_message("C1", "first", {}).has_value());
  ASSERT_TRUE(client.post_message("C1", "second", {}).has_value());
  auto calls = fake_.calls("chat.postMessage");
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_GE(calls[1].at - calls[0].at, 950ms);
}

TEST_F(SlackClientTest, PostsToDifferentChannelsAreNotDelayed) {
  WebClient client(options(), clock_);
  auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(client.post_message("C1", "a", {}).has_value());
  ASSERT_TRUE(client.post_message("C2", "b", {}).has_value());
  ASSERT_TRUE(client.post_message("C3", "c", {}).has_value());
  EXPECT_LT(std::chrono::steady_clock::now() - started, 500ms);
}

TEST_F(SlackClientTest, ConcurrentPostsToOneChannelArePaced) {
  auto o = options();
  o.channel_interval = 300ms;
  WebClient client(o, clock_);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&] {
      if (client.post_message("C1", "x", {}).has_value()) ++ok;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 4);
  auto calls = fake_.calls("chat.postMessage");
  ASSERT_EQ(calls.size(), 4u);
  std::vector<std::chrono::system_clock::time_point> at;
  for (const auto& c : calls) at.push_back(c.at);
  std::sort(at.begin(), at.end());
  for (std::size_t i = 1; i < at.size(); ++i) EXPECT_GE(at[i] - at[i - 1], 250ms);
}

TEST_F(SlackClientTest, FakeWaitForSeesCallsFromOtherThreads) {
  WebClient client(options(), clock_);
  std::thread t([&] { (void)client.post_message("C2", "later", {}); });
  bool seen = fake_.wait_for(
      [](const std::vector<fakes::RecordedCall>& calls) {
        return !calls.empty() && calls.back().method == "chat.postMessage";
      },
      2000ms);
  t.join();
  EXPECT_TRUE(seen);
  EXPECT_FALSE(fake_.wait_for([](const auto& calls) { return calls.size() > 5; }, 50ms));
  fake_.reset();
  EXPECT_TRUE(fake_.calls().empty());
}

}  // namespace
}  // namespace steward::slack
