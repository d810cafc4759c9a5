#include "connectors/slack/parse.hpp"

#include <gtest/gtest.h>

#include "bot/core/json.hpp"
#include "connectors/common/crypto.hpp"
#include "connectors/common/form.hpp"
#include "tests/unit/connectors/slack/fixture.hpp"

namespace steward::slack {
namespace {

using test::fixture;

const BotIdentity kSelf{"B0BOT111", "U0LAN0Z89", "", ""};

std::string str(const boost::json::object& o, std::string_view key) {
  return json::string_or(o, key, "<absent>");
}

TEST(SlackParseEvents, UrlVerificationReturnsChallenge) {
  auto r = parse_events(fixture("url_verification.json"), kSelf);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_TRUE(r->challenge.has_value());
  EXPECT_EQ(*r->challenge, "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P");
  EXPECT_FALSE(r->event.has_value());
}

TEST(SlackParseEvents, UrlVerificationWithoutChallengeIsInvalid) {
  auto r = parse_events(R"({"type":"url_verification"})", kSelf);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kInvalidInput);
}

TEST(SlackParseEvents, AppMentionBecomesMentionEvent) {
  auto r = parse_events(fixture("app_mention.json"), kSelf);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_TRUE(r->event.has_value()) << r->ignored_reason;
  const Event& ev = *r->event;
  EXPECT_EQ(ev.source, "slack");
  EXPECT_EQ(ev.kind, "slack.mention");
  EXPECT_EQ(ev.actor, "U222");
  EXPECT_EQ(ev.dedupe_key, "slack:msg:C111:1515449522.000016");
  EXPECT_EQ(str(ev.payload, "text"), "deploy api <prod> & notify");
  EXPECT_EQ(str(ev.payload, "event_id"), "Ev08MFMKH6");
  EXPECT_EQ(str(ev.payload, "team_id"), "T111");
  EXPECT_EQ(str(ev.payload, "channel"), "C111");
  EXPECT_EQ(str(ev.payload, "user"), "U222");
  EXPECT_EQ(str(ev.payload, "ts"), "1515449522.000016");
  EXPECT_EQ(str(ev.payload, "thread_ts"), "");
  EXPECT_FALSE(r->challenge.has_value());
}

TEST(SlackParseEvents, MentionAndMessageForTheSamePostShareADedupeKey) {
  auto mention = parse_events(fixture("app_mention.json"), kSelf);
  auto message = parse_events(fixture("message_mention_pair.json"), kSelf);
  ASSERT_TRUE(mention && mention->event);
  ASSERT_TRUE(message && message->event);
  EXPECT_EQ(message->event->kind, "slack.message");
  EXPECT_EQ(mention->event->dedupe_key, message->event->dedupe_key);
  // A message mentioning us is stripped too.
  EXPECT_EQ(str(message->event->payload, "text"), "deploy api <prod> & notify");
}

TEST(SlackParseEvents, MentionOfSomeoneElseIsKept) {
  std::string body = fixture("message_im.json");
  body.replace(body.find("status of"), 9, "<@U999> status of");
  auto r = parse_events(body, kSelf);
  ASSERT_TRUE(r && r->event);
  EXPECT_EQ(str(r->event->payload, "text"), "<@U999> status of the deploy?");
}

TEST(SlackParseEvents, DirectMessageKeepsChannelTypeAndThread) {
  auto r = parse_events(fixture("message_im.json"), kSelf);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_TRUE(r->event.has_value()) << r->ignored_reason;
  EXPECT_EQ(r->event->kind, "slack.message");
  EXPECT_EQ(str(r->event->payload, "channel_type"), "im");
  EXPECT_EQ(str(r->event->payload, "thread_ts"), "1515449522.000016");
  EXPECT_EQ(str(r->event->payload, "text"), "status of the deploy?");
  EXPECT_EQ(r->event->dedupe_key, "slack:msg:D333:1515449600.000200");
}

TEST(SlackParseEvents, OwnMessagesAreIgnored) {
  auto r = parse_events(fixture("message_from_self.json"), kSelf);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_FALSE(r->event.has_value());
  EXPECT_EQ(r->ignored_reason, "own message");
  // Matching on the bot id alone or the bot user alone is enough.
  EXPECT_FALSE(
      parse_events(fixture("message_from_self.json"), BotIdentity{"B0BOT111", "", "", ""})->event);
  EXPECT_FALSE(
      parse_events(fixture("message_from_self.json"), BotIdentity{"", "U0LAN0Z89", "", ""})->event);
}

TEST(SlackParseEvents, BotMessagesAreIgnored) {
  auto r = parse_events(fixture("bot_message.json"), kSelf);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_FALSE(r->event.has_value());
  EXPECT_EQ(r->ignored_reason, "bot_message");
  // Another app posting with a bot token (no subtype, a foreign bot_id) is ignored too.
  auto other =
      parse_events(fixture("message_from_self.json"), BotIdentity{"B_OTHER", "U_OTHER", "", ""});
  ASSERT_TRUE(other.has_value());
  EXPECT_FALSE(other->event.has_value());
  EXPECT_EQ(other->ignored_reason, "message from another bot");
}

TEST(SlackParseEvents, MessageSubtypesAreIgnored) {
  auto r = parse_events(fixture("message_changed.json"), kSelf);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_FALSE(r->event.has_value());
  EXPECT_NE(r->ignored_reason.find("message_changed"), std::string::npos);
}

TEST(SlackParseEvents, OtherEventTypesKeepTheRawEvent) {
  auto r = parse_events(fixture("app_home_opened.json"), kSelf);
  ASSERT_TRUE(r && r->event);
  EXPECT_EQ(r->event->kind, "slack.event.app_home_opened");
  EXPECT_EQ(r->event->dedupe_key, "slack:event:Ev08MFMKHD");
  EXPECT_EQ(r->event->actor, "U222");
  const auto* raw = json::get_object(r->event->payload, "event");
  ASSERT_NE(raw, nullptr);
  EXPECT_EQ(str(*raw, "tab"), "home");
}

TEST(SlackParseEvents, AppRateLimitedIsIgnoredWithReason) {
  auto r = parse_events(fixture("app_rate_limited.json"), kSelf);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_FALSE(r->event.has_value());
  EXPECT_EQ(r->ignored_reason, "app_rate_limited (minute 1518467820)");
}

TEST(SlackParseEvents, MalformedBodiesAreInvalidInput) {
  for (std::string body :
       {fixture("malformed_event.json"), std::string("[]"), std::string(""),
        std::string(R"({"event":{}})"), std::string(R"({"type":"event_callback"})"),
        std::string(R"({"type":"event_callback","event":{"text":"x"}})"),
        std::string(R"({"type":"event_callback","event":{"type":"reaction_added"}})")}) {
    auto r = parse_events(body, kSelf);
    ASSERT_FALSE(r.has_value()) << body;
    EXPECT_EQ(r.error().code, Errc::kInvalidInput) << body;
    EXPECT_FALSE(r.error().message.empty());
  }
}

TEST(SlackParseText, UnescapeAndStrip) {
  EXPECT_EQ(unescape_text("a &lt;b&gt; &amp;lt; &amp; &quot;"), "a <b> &lt; & &quot;");
  EXPECT_EQ(strip_leading_mention("<@U1|bot>  hello", "U1"), "hello");
  EXPECT_EQ(strip_leading_mention("<@U2> hello", "U1"), "<@U2> hello");
  EXPECT_EQ(strip_leading_mention("<@U2> hello", ""), "hello");
  EXPECT_EQ(strip_leading_mention("hello <@U1>", "U1"), "hello <@U1>");
  EXPECT_EQ(strip_leading_mention("<@U1", "U1"), "<@U1");
}

TEST(SlackParseCommand, SlashCommandBecomesEvent) {
  auto r = parse_command(fixture("slash_command.txt"), kSelf);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_FALSE(r->ssl_check);
  ASSERT_TRUE(r->event.has_value());
  const Event& ev = *r->event;
  EXPECT_EQ(ev.kind, "slack.command");
  EXPECT_EQ(ev.source, "slack");
  EXPECT_EQ(ev.actor, "U2CERLKJA");
  EXPECT_EQ(ev.dedupe_key, "slack:cmd:398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c");
  EXPECT_EQ(str(ev.payload, "command"), "/steward");
  EXPECT_EQ(str(ev.payload, "text"), "approvals & brief <now>");
  EXPECT_EQ(str(ev.payload, "user_name"), "roadrunner");
  EXPECT_EQ(str(ev.payload, "channel_id"), "G8PSS9T3V");
  EXPECT_EQ(str(ev.payload, "team_id"), "T1DC2JH3J");
  EXPECT_EQ(str(ev.payload, "response_url"),
            "https://hooks.slack.com/commands/T1DC2JH3J/397700885554/96rGlfmibIGlgcZRskXaIFfN");
  EXPECT_FALSE(ev.payload.contains("token"));
}

TEST(SlackParseCommand, WithoutTriggerIdFallsBackToBodyHash) {
  std::string body = "command=%2Fsteward&user_id=U1&text=help";
  auto r = parse_command(body, kSelf);
  ASSERT_TRUE(r && r->event);
  EXPECT_EQ(r->event->dedupe_key, "slack:cmd:" + connectors::to_hex(connectors::sha256(body)));
}

TEST(SlackParseCommand, SslCheckDispatchesNothing) {
  auto r = parse_command(fixture("ssl_check.txt"), kSelf);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_TRUE(r->ssl_check);
  EXPECT_FALSE(r->event.has_value());
}

TEST(SlackParseCommand, MissingFieldsAndBadEncodingAreInvalid) {
  auto r = parse_command(fixture("slash_command_missing_fields.txt"), kSelf);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kInvalidInput);
  EXPECT_NE(r.error().message.find("command"), std::string::npos);
  auto no_user = parse_command("command=%2Fsteward&text=x", kSelf);
  ASSERT_FALSE(no_user.has_value());
  EXPECT_NE(no_user.error().message.find("user_id"), std::string::npos);
  auto bad = parse_command("command=%2&user_id=U1", kSelf);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, Errc::kInvalidInput);
}

TEST(SlackParseInteraction, ApproveClickBecomesApprovalClick) {
  auto r = parse_interaction(fixture("block_actions_approve.txt"), kSelf);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_TRUE(r->event.has_value()) << r->ignored_reason;
  const Event& ev = *r->event;
  EXPECT_EQ(ev.kind, "approval.click");
  EXPECT_EQ(ev.source, "slack");
  EXPECT_EQ(ev.actor, "W111");
  EXPECT_EQ(ev.dedupe_key, "slack:action:W111:1700000050.194939");
  EXPECT_EQ(str(ev.payload, "approval_id"), "apr_42");
  EXPECT_EQ(str(ev.payload, "decision"), "approve");
  EXPECT_EQ(str(ev.payload, "user_id"), "W111");
  EXPECT_EQ(str(ev.payload, "user_name"), "jane");
  EXPECT_EQ(str(ev.payload, "channel_id"), "C111");
  EXPECT_EQ(str(ev.payload, "message_ts"), "1700000000.000100");
  EXPECT_EQ(str(ev.payload, "response_url"), "https://hooks.slack.com/actions/T111/111/xyz");
  EXPECT_EQ(str(ev.payload, "action_ts"), "1700000050.194939");
}

TEST(SlackParseInteraction, RejectClick) {
  auto r = parse_interaction(fixture("block_actions_reject.txt"), kSelf);
  ASSERT_TRUE(r && r->event);
  EXPECT_EQ(r->event->kind, "approval.click");
  EXPECT_EQ(str(r->event->payload, "decision"), "reject");
  EXPECT_EQ(r->event->dedupe_key, "slack:action:W111:1700000060.000001");
}

TEST(SlackParseInteraction, OtherActionsBecomeGenericInteractions) {
  auto r = parse_interaction(fixture("block_actions_other.txt"), kSelf);
  ASSERT_TRUE(r && r->event);
  EXPECT_EQ(r->event->kind, "slack.interaction");
  EXPECT_EQ(str(r->event->payload, "type"), "block_actions");
  EXPECT_EQ(str(r->event->payload, "action_id"), "approval.edit");
  EXPECT_EQ(str(r->event->payload, "value"), "apr_42");
  EXPECT_EQ(str(r->event->payload, "trigger_id"), "111.222.abc");
  EXPECT_EQ(r->event->dedupe_key, "slack:action:W111:1700000070.000002");

  auto view = parse_interaction(fixture("view_submission.txt"), kSelf);
  ASSERT_TRUE(view && view->event);
  EXPECT_EQ(view->event->kind, "slack.interaction");
  EXPECT_EQ(str(view->event->payload, "type"), "view_submission");
  EXPECT_EQ(str(view->event->payload, "callback_id"), "remember");
  EXPECT_EQ(view->event->actor, "U222");
  EXPECT_EQ(view->event->dedupe_key, "slack:interaction:view_submission:333.444.def");
}

TEST(SlackParseInteraction, SuggestionsAndUnknownTypesAreIgnored) {
  auto r = parse_interaction(
      "payload=" + connectors::url_encode(R"({"type":"block_suggestion","user":{"id":"U1"}})"),
      kSelf);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_FALSE(r->event.has_value());
  EXPECT_FALSE(r->ignored_reason.empty());
  auto unknown =
      parse_interaction("payload=" + connectors::url_encode(R"({"type":"mystery"})"), kSelf);
  ASSERT_TRUE(unknown.has_value());
  EXPECT_FALSE(unknown->event.has_value());
  EXPECT_NE(unknown->ignored_reason.find("mystery"), std::string::npos);
}

TEST(SlackParseInteraction, MalformedPayloadsAreInvalidInput) {
  struct Case {
    std::string body, reason;
  } cases[] = {
      {fixture("interaction_malformed.txt"), "not a JSON object"},
      {"nopayload=1", "payload"},
      {"payload=%ZZ", "percent"},
      {"payload=" + connectors::url_encode(R"({"user":{"id":"U1"}})"), "type"},
      {"payload=" + connectors::url_encode(R"({"type":"block_actions","actions":[]})"), "user"},
      {"payload=" +
           connectors::url_encode(R"({"type":"block_actions","user":{"id":"U1"},"actions":[]})"),
       "actions"},
      {"payload=" +
           connectors::url_encode(
               R"({"type":"block_actions","user":{"id":"U1"},"actions":[{"action_id":"approval.approve","value":"a1"}]})"),
       "action_ts"},
      {"payload=" +
           connectors::url_encode(
               R"({"type":"block_actions","user":{"id":"U1"},"actions":[{"action_id":"approval.approve","action_ts":"1.2"}]})"),
       "value"},
  };
  for (const auto& c : cases) {
    auto r = parse_interaction(c.body, kSelf);
    ASSERT_FALSE(r.has_value()) << c.body;
    EXPECT_EQ(r.error().code, Errc::kInvalidInput) << c.body;
    EXPECT_NE(r.error().message.find(c.reason), std::string::npos)
        << c.body << " -> " << r.error().message;
  }
}

// Issue 9 (5): a request signed with our secret still has to come from our workspace and app.
TEST(SlackParseOrigin, ForeignWorkspaceOrAppIsForbidden) {
  const BotIdentity ours{"B0BOT111", "U0LAN0Z89", "T111", "A111"};
  // The fixtures come from team T111, app A111.
  ASSERT_TRUE(parse_interaction(fixture("block_actions_approve.txt"), ours).has_value());
  const BotIdentity other_team{"B0BOT111", "U0LAN0Z89", "T999", ""};
  auto r = parse_interaction(fixture("block_actions_approve.txt"), other_team);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kForbidden);
  EXPECT_NE(r.error().message.find("T111"), std::string::npos) << r.error().message;
  const BotIdentity other_app{"B0BOT111", "U0LAN0Z89", "T111", "A999"};
  auto a = parse_interaction(fixture("block_actions_approve.txt"), other_app);
  ASSERT_FALSE(a.has_value());
  EXPECT_EQ(a.error().code, Errc::kForbidden);

  // Slash commands carry team_id (and api_app_id) as form fields.
  const BotIdentity cmd_team{"B0BOT111", "U0LAN0Z89", "T1DC2JH3J", ""};
  EXPECT_TRUE(parse_command(fixture("slash_command.txt"), cmd_team).has_value());
  auto c = parse_command(fixture("slash_command.txt"), other_team);
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().code, Errc::kForbidden);
  // A missing team is not ours either.
  auto none = parse_command("command=%2Fsteward&user_id=U1&text=x", cmd_team);
  ASSERT_FALSE(none.has_value());
  EXPECT_EQ(none.error().code, Errc::kForbidden);

  // Events API envelopes: team_id and api_app_id at the top.
  const std::string body =
      R"({"token":"x","team_id":"T222","api_app_id":"A222","type":"event_callback",)"
      R"("event_id":"Ev1","event":{"type":"app_mention","user":"U1","text":"hi",)"
      R"("ts":"1.2","channel":"C1"}})";
  EXPECT_TRUE(parse_events(body, BotIdentity{"B1", "U0", "T222", "A222"}).has_value());
  auto e = parse_events(body, BotIdentity{"B1", "U0", "T111", ""});
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().code, Errc::kForbidden);
  // url_verification carries no team and is still answered.
  EXPECT_TRUE(parse_events(fixture("url_verification.json"), BotIdentity{"B1", "U0", "T111", ""})
                  ->challenge.has_value());
}

// ---- ids and names from outside (log forging, actors) ---------------------------------------

TEST(SlackIds, OnlyLettersDigitsAndUnderscore) {
  for (std::string_view ok : {"U024BE7LH", "W111", "T1DC2JH3J", "U_DANA", "u1"})
    EXPECT_TRUE(is_slack_id(ok)) << ok;
  for (std::string_view bad : {"", "U1\n", "U1\r\n[2026-12-03 00:00:00.000] [info] FORGED", "U 1",
                               "dana@acme.example", "U1\x1b[2J", "<@U1>", "U1,U2",
                               "\xc3\x9c"
                               "1"})
    EXPECT_FALSE(is_slack_id(bad)) << bad;
  EXPECT_FALSE(is_slack_id(std::string(65, 'U')));
}

TEST(SlackParseCommand, UserIdThatIsNotASlackIdIsInvalidAndNameIsOneLine) {
  auto bad = parse_command("command=%2Fsteward&user_id=U1%0D%0A%5Binfo%5D+FORGED&text=help", kSelf);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, Errc::kInvalidInput);
  EXPECT_NE(bad.error().message.find("user_id"), std::string::npos);
  EXPECT_FALSE(parse_command("command=%2Fsteward&user_id=dana%40acme.example&text=help", kSelf));

  auto r = parse_command(
      "command=%2Fsteward&user_id=U1&user_name=dana%0D%0A%5Binfo%5D+FORGED&text=ask%0Aline+2",
      kSelf);
  ASSERT_TRUE(r && r->event) << (r ? "" : r.error().message);
  EXPECT_EQ(r->event->actor, "U1");
  EXPECT_EQ(str(r->event->payload, "user_name"), "dana [info] FORGED");
  EXPECT_EQ(str(r->event->payload, "text"), "ask\nline 2");  // text is data, kept as typed
}

TEST(SlackParseInteraction, UserIdThatIsNotASlackIdIsInvalidAndNameIsOneLine) {
  auto payload = [](std::string_view user) {
    return "payload=" + connectors::url_encode(
                            std::string(R"({"type":"block_actions","user":)") + std::string(user) +
                            R"(,"actions":[{"action_id":"approval.approve","value":"apr_1",)"
                            R"("action_ts":"1.2"}]})");
  };
  auto bad = parse_interaction(payload(R"({"id":"U1\r\n[info] FORGED","username":"dana"})"), kSelf);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, Errc::kInvalidInput);
  EXPECT_NE(bad.error().message.find("user.id"), std::string::npos);

  auto r = parse_interaction(payload(R"({"id":"W111","username":"jane\u2028\u001b[2J"})"), kSelf);
  ASSERT_TRUE(r && r->event) << (r ? r->ignored_reason : r.error().message);
  EXPECT_EQ(r->event->actor, "W111");
  EXPECT_EQ(str(r->event->payload, "user_name"), "jane  [2J");
}

TEST(SlackParseEvents, UserThatIsNotASlackIdIsInvalid) {
  auto r = parse_events(
      R"({"type":"event_callback","team_id":"T1","event_id":"Ev1","event":{"type":"app_mention",)"
      R"("user":"U1\n[info] FORGED","text":"<@U0LAN0Z89> hi","channel":"C1","ts":"1.1"}})",
      kSelf);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kInvalidInput);
  EXPECT_NE(r.error().message.find("user"), std::string::npos);
}

}  // namespace
}  // namespace steward::slack
