#include "connectors/slack/executor.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "bot/core/json.hpp"
#include "tests/fakes/fake_slack.hpp"

namespace steward::slack {
namespace {

using namespace std::chrono_literals;

class SlackExecutorTest : public ::testing::Test {
 protected:
  SlackExecutorTest() : client_(make_options(), clock_), executor_(client_) {}

  ClientOptions make_options() {
    ClientOptions o;
    o.api_base = fake_.api_base();
    o.response_url_base = fake_.response_url_base();
    o.bot_token = Secret("xoxb-test-token");
    o.timeout = 2000ms;
    o.channel_interval = 0ms;  // pacing has its own tests
    return o;
  }

  Expected<ActionResult> run(std::string kind, std::string_view fields_json) {
    Action a;
    a.kind = std::move(kind);
    a.fields = boost::json::parse(fields_json).as_object();
    return executor_.execute(a, "idem-1");
  }

  fakes::FakeSlack fake_;
  SystemClock clock_;
  WebClient client_;
  SlackExecutor executor_;
};

constexpr std::string_view kApprovalPost = R"({
  "approval_id": "apr_7", "channel": "C_APPROVALS", "title": "Email ACME & partners",
  "summary": "Send the proposal", "reasons": ["external email"],
  "draft": {"to": "a@acme.example", "subject": "Proposal", "text": "Hi"},
  "rule": "email.external", "approvers": ["U0DIR"], "expires_at": 1700003600,
  "requested_by": "agent:lead_qualifier"
})";

TEST_F(SlackExecutorTest, KindsAreListed) {
  auto kinds = executor_.kinds();
  for (auto k : {"slack.post", "slack.update", "slack.respond", "approval.post", "approval.update"})
    EXPECT_NE(std::find(kinds.begin(), kinds.end(), k), kinds.end()) << k;
}

TEST_F(SlackExecutorTest, SlackPostReturnsChannelAndTs) {
  auto r = run("slack.post", R"({"channel":"C1","text":"hi","thread_ts":"1.000001",
                                 "blocks":[{"type":"section","text":{"type":"mrkdwn","text":"hi"}}]})");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  auto calls = fake_.calls("chat.postMessage");
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(json::string_or(r->detail, "channel"), "C1");
  EXPECT_FALSE(json::string_or(r->detail, "ts").empty());
  EXPECT_EQ(json::string_or(calls[0].body.get_object(), "thread_ts"), "1.000001");
  EXPECT_EQ(calls[0].body.get_object().at("blocks").as_array().size(), 1u);
}

TEST_F(SlackExecutorTest, SlackUpdateEditsMessage) {
  auto posted = run("slack.post", R"({"channel":"C1","text":"v1"})");
  ASSERT_TRUE(posted.has_value()) << posted.error().message;
  std::string ts = json::string_or(posted->detail, "ts");
  auto r = run("slack.update", R"({"channel":"C1","ts":")" + ts + R"(","text":"v2"})");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(json::string_or(r->detail, "ts"), ts);
  EXPECT_EQ(fake_.calls("chat.update").size(), 1u);
}

TEST_F(SlackExecutorTest, SlackEphemeralPostsToOnePerson) {
  auto r = run("slack.ephemeral", R"({"channel":"C1","user":"U0SAM","text":"not you"})");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  auto calls = fake_.calls("chat.postEphemeral");
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(json::string_or(calls[0].body.get_object(), "user"), "U0SAM");
  auto missing = run("slack.ephemeral", R"({"channel":"C1","text":"x"})");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::kInvalidInput);
}

TEST_F(SlackExecutorTest, SlackRespondSetsTypeAndReplaceExplicitly) {
  std::string url = fake_.response_url("cmd1");
  auto r = run("slack.respond",
               R"({"response_url":")" + url +
                   R"(","text":"done","response_type":"in_channel","replace_original":true})");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  auto r2 = run("slack.respond", R"({"response_url":")" + url + R"(","text":"quiet"})");
  ASSERT_TRUE(r2.has_value()) << r2.error().message;
  auto calls = fake_.calls("response");
  ASSERT_EQ(calls.size(), 2u);
  const auto& first = calls[0].body.get_object();
  EXPECT_EQ(json::string_or(first, "response_type"), "in_channel");
  EXPECT_EQ(first.at("replace_original"), true);
  const auto& second = calls[1].body.get_object();
  EXPECT_EQ(json::string_or(second, "response_type"), "ephemeral");
  EXPECT_EQ(second.at("replace_original"), false);
  EXPECT_EQ(json::string_or(second, "text"), "quiet");
}

TEST_F(SlackExecutorTest, ApprovalPostThenUpdate) {
  auto posted = run("approval.post", kApprovalPost);
  ASSERT_TRUE(posted.has_value()) << posted.error().message;
  EXPECT_EQ(json::string_or(posted->detail, "channel"), "C_APPROVALS");
  std::string ts = json::string_or(posted->detail, "ts");
  ASSERT_FALSE(ts.empty());

  auto post_call = fake_.calls("chat.postMessage").at(0).body.get_object();
  EXPECT_EQ(json::string_or(post_call, "channel"), "C_APPROVALS");
  EXPECT_NE(json::string_or(post_call, "text").find("Email ACME &amp; partners"),
            std::string::npos);
  std::string blocks = boost::json::serialize(post_call.at("blocks"));
  EXPECT_NE(blocks.find(R"("action_id":"approval.approve")"), std::string::npos);
  EXPECT_NE(blocks.find(R"("action_id":"approval.reject")"), std::string::npos);
  EXPECT_NE(blocks.find(R"("block_id":"approval:apr_7")"), std::string::npos);

  auto updated = run("approval.update", R"({"approval_id":"apr_7","channel":"C_APPROVALS","ts":")" +
                                            ts + R"(","title":"Email ACME & partners",
      "summary":"Send the proposal","status":"approved","decided_by":"U0DIR","decided_at":1700000100,
      "note":""})");
  ASSERT_TRUE(updated.has_value()) << updated.error().message;
  EXPECT_EQ(json::string_or(updated->detail, "ts"), ts);
  auto update_call = fake_.calls("chat.update").at(0).body.get_object();
  EXPECT_EQ(json::string_or(update_call, "ts"), ts);
  std::string new_blocks = boost::json::serialize(update_call.at("blocks"));
  EXPECT_EQ(new_blocks.find("approval.approve"), std::string::npos);
  EXPECT_NE(new_blocks.find("Approved by <@U0DIR>"), std::string::npos) << new_blocks;
}

TEST_F(SlackExecutorTest, OversizedApprovalStillPassesSlacksBlockChecks) {
  auto fields = boost::json::parse(kApprovalPost).as_object();
  fields["summary"] = std::string(20000, '<');
  fields["title"] = std::string(1000, 'T');
  boost::json::array reasons;
  for (int i = 0; i < 300; ++i) reasons.emplace_back("reason " + std::to_string(i));
  fields["reasons"] = reasons;
  Action a{"approval.post", fields, "big", ""};
  auto r = executor_.execute(a, "idem-2");
  EXPECT_TRUE(r.has_value()) << r.error().message;
}

TEST_F(SlackExecutorTest, InvalidFieldsAreNotRetried) {
  struct Case {
    std::string kind, fields, mention;
  } cases[] = {
      {"slack.post", R"({"text":"x"})", "channel"},
      {"slack.post", R"({"channel":"C1"})", "text"},
      {"slack.post", R"({"channel":"C1","text":"x","blocks":"nope"})", "blocks"},
      {"slack.post", R"({"channel":"C1","text":"x","thread_ts":5})", "thread_ts"},
      {"slack.update", R"({"channel":"C1","text":"x"})", "ts"},
      {"slack.respond", R"({"text":"x"})", "response_url"},
      {"slack.respond",
       R"({"response_url":"http://127.0.0.1:1/r","text":"x","response_type":"loud"})",
       "response_type"},
      {"slack.respond",
       R"({"response_url":"http://127.0.0.1:1/r","text":"x","replace_original":"yes"})",
       "replace_original"},
      {"approval.post", R"({"channel":"C1","title":"t"})", "approval_id"},
      {"approval.update",
       R"({"approval_id":"a","channel":"C1","ts":"1.1","title":"t","status":"maybe"})", "status"},
  };
  for (const auto& c : cases) {
    auto r = run(c.kind, c.fields);
    ASSERT_FALSE(r.has_value()) << c.kind << " " << c.fields;
    EXPECT_EQ(r.error().code, Errc::kInvalidInput) << c.kind << " " << c.fields;
    EXPECT_FALSE(r.error().transient());
    EXPECT_NE(r.error().message.find(c.mention), std::string::npos) << r.error().message;
  }
  EXPECT_TRUE(fake_.calls().empty());
  auto unknown = run("email.send", R"({})");
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().code, Errc::kPermanent);
}

TEST_F(SlackExecutorTest, TransientErrorsPassThrough) {
  fake_.set_fault("chat.postMessage", fakes::Fault{fakes::FaultKind::k429, 1, 3, 0ms});
  auto r = run("approval.post", kApprovalPost);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kRateLimited);
  EXPECT_EQ(r.error().retry_after, std::optional<std::chrono::seconds>(3s));
  EXPECT_TRUE(r.error().transient());
}

}  // namespace
}  // namespace steward::slack
