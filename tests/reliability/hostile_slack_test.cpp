// Hostile input on the Slack routes: forged and stale signatures, replays, malformed
// payloads (fixture: hostile_fixture.hpp).

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <iostream>
#include <mutex>
#include <thread>

#include "tests/reliability/hostile_fixture.hpp"
#include "tests/support/sanitized.hpp"
#include "tests/support/wait.hpp"

namespace steward::testing::hostile {
namespace {

using HostileSlack = HostileInput;

// POST /slack/events.
TEST_F(HostileSlack, Events) {
  ASSERT_NO_FATAL_FAILURE(start());
  const std::string R = "POST /slack/events";
  const std::string route = "/slack/events";
  auto sign = [&](const std::string& ts, const std::string& body) {
    return steward::testing::slack_signature(secrets_.slack_signing, ts, body);
  };
  auto ts_id = [&] { return std::to_string(1700000000 + ++seq_) + ".000100"; };

  auto cts = ts_id();
  expect_accepted(R, "control", "app_mention", slack_signed(route, mention(cts)),
                  "slack:msg:C_HOSTILE:" + cts);
  auto challenge = slack_signed(route, R"({"type":"url_verification","challenge":"ch-123"})");
  expect(R, "control", "url_verification (answered, no event)", challenge, 200);
  EXPECT_NE(challenge.body.find("ch-123"), std::string::npos);

  {
    // Issue 9 (5): signed, but from another workspace.
    auto foreign = mention(ts_id());
    foreign.replace(foreign.find("T0FAKE"), 6, "T0EVIL");
    expect(R, "foreign workspace", "app_mention from team T0EVIL", slack_signed(route, foreign),
           403);
  }

  auto body = mention(ts_id());
  auto now = steward::testing::now_ts();
  expect(R, "forged signature", "other secret",
         slack(route, body, now, steward::testing::slack_signature("guess", now, body)), 401);
  expect(R, "forged signature", "form secret",
         slack(route, body, now, steward::testing::slack_signature(secrets_.form, now, body)), 401);
  expect(R, "forged signature", "signed over another timestamp",
         slack(route, body, now, sign(steward::testing::now_ts(-1), body)), 401);
  expect(R, "forged signature", "signed over another body",
         slack(route, body, now, sign(now, mention("1.2"))), 401);
  expect(R, "forged signature", "v1= version",
         slack(route, body, now, "v1=" + sign(now, body).substr(3)), 401);
  expect(R, "forged signature", "not hex", slack(route, body, now, "v0=" + std::string(64, 'z')),
         401);
  expect(R, "forged signature", "64 x A", slack(route, body, now, "v0=" + std::string(64, 'A')),
         401);
  expect(R, "forged signature", "truncated digest",
         slack(route, body, now, sign(now, body).substr(0, 40)), 401);
  expect(R, "missing signature", "no X-Slack-Signature", slack(route, body, now, ""), 401);
  expect(R, "missing signature", "no timestamp", slack(route, body, "", sign(now, body)), 401);
  expect(R, "missing signature", "neither", slack(route, body, "", ""), 401);
  for (const std::string& ts :
       {std::string("abc"), std::string("-1"), std::string("1e9"),
        std::string("99999999999999999999999"), std::string(" "), std::string("1700000000.5")})
    expect(R, "stale timestamp", "malformed timestamp '" + ts + "'",
           slack(route, body, ts, sign(ts, body)), 401);
  for (long off : {-301L, -400L, -86400L, 310L, 400L, 86400L}) {
    auto ts = steward::testing::now_ts(off);
    expect(R, "stale timestamp", "validly signed, " + std::to_string(off) + " s",
           slack(route, body, ts, sign(ts, body)), 401);
  }
  expect(R, "stale timestamp", "epoch 0", slack(route, body, "0", sign("0", body)), 401);

  // Replay: the same signed request twice (and a Slack retry) is one event.
  auto rts = ts_id();
  auto rbody = mention(rts);
  auto t = steward::testing::now_ts();
  expect_accepted(R, "replayed", "first delivery", slack(route, rbody, t, sign(t, rbody)),
                  "slack:msg:C_HOSTILE:" + rts);
  expect(R, "replayed", "identical second delivery", slack(route, rbody, t, sign(t, rbody)), 200);
  auto t2 = steward::testing::now_ts(1);
  expect(R, "replayed", "retry with a new timestamp",
         http("POST", route,
              {{"Content-Type", "application/json"},
               {"X-Slack-Request-Timestamp", t2},
               {"X-Slack-Signature", sign(t2, rbody)},
               {"X-Slack-Retry-Num", "1"},
               {"X-Slack-Retry-Reason", "http_timeout"}},
              rbody),
         200);

  // Nothing is accepted from ourselves, even validly signed.
  auto own =
      R"({"type":"event_callback","event_id":"EvOwn","event":{"type":"message","user":"U0BOT","text":"loop","channel":"C_HOSTILE","ts":"9.9"}})";
  expect(R, "control", "own message is ignored (no event)", slack_signed(route, own), 200);
  auto bot =
      R"({"type":"event_callback","event_id":"EvBot","event":{"type":"message","bot_id":"B0OTHER","text":"x","channel":"C_HOSTILE","ts":"9.8"}})";
  expect(R, "control", "other bot's message is ignored (no event)", slack_signed(route, bot), 200);

  auto full = mention(ts_id());
  expect(R, "truncated", "JSON cut in half", slack_signed(route, full.substr(0, full.size() / 2)),
         400);
  expect(R, "truncated", "empty body", slack_signed(route, ""), 400);
  expect_closed(R, "truncated", "Content-Length 500, 50 sent, then FIN",
                raw("POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    "Content-Length: 500\r\n\r\n" +
                        full.substr(0, 50),
                    true));

  const std::vector<std::pair<std::string, std::string>> typed = {
      {"type is a number", R"({"type":5})"},
      {"type missing", R"({"event":{"type":"app_mention"}})"},
      {"event is an array", R"({"type":"event_callback","event_id":"E1","event":[]})"},
      {"event is a string", R"({"type":"event_callback","event_id":"E1","event":"app_mention"})"},
      {"event.type is a number", R"({"type":"event_callback","event_id":"E1","event":{"type":5}})"},
      {"event.type empty", R"({"type":"event_callback","event_id":"E1","event":{"type":""}})"},
      {"channel/ts numbers, no event_id",
       R"({"type":"event_callback","event":{"type":"app_mention","user":"U1","channel":5,"ts":5}})"},
      {"event_id an object and no channel",
       R"({"type":"event_callback","event_id":{},"event":{"type":"reaction_added","user":"U1"}})"},
      {"challenge is a number", R"({"type":"url_verification","challenge":5})"},
      {"challenge empty", R"({"type":"url_verification","challenge":""})"},
      {"root is an array", R"([{"type":"url_verification","challenge":"x"}])"},
      {"root is a string", R"("event_callback")"},
      {"form-encoded body", "type=url_verification&challenge=x"},
      {"number beyond double range",
       R"({"type":"event_callback","event_id":"EvInf","n":1e999,"event":{"type":"reaction_added","user":"U1"}})"},
  };
  for (const auto& [name, b] : typed) expect(R, "wrongly typed", name, slack_signed(route, b), 400);

  expect(R, "deeply nested", "100k '['", slack_signed(route, deep('[', 100000)), 400);
  expect(R, "deeply nested", "50k objects in event",
         slack_signed(route, R"({"type":"event_callback","event":)" + deep_objects(50000)), 400);

  for (const auto& [bad_name, bad] : kBadUtf8) {
    for (const std::string field : {"text", "user", "channel", "event_id", "type"}) {
      auto b = mention(ts_id());
      std::string needle = field == "type"      ? "\"app_mention\""
                           : field == "text"    ? "status?"
                           : field == "user"    ? "U_DANA"
                           : field == "channel" ? "C_HOSTILE"
                                                : "\"Ev";
      auto at = b.find(needle);
      b.insert(at + (needle.front() == '"' ? 1 : 0), bad);
      expect(R, "invalid UTF-8", field + " (" + bad_name + ")", slack_signed(route, b), 400);
    }
  }
  expect(R, "NUL bytes", "raw NUL in text", slack_signed(route, mention(ts_id(), "a\0b"s)), 400);
  expect(R, "NUL bytes", "NUL in the timestamp header",
         raw(build_request("POST", route,
                           {{"Content-Type", "application/json"},
                            {"X-Slack-Request-Timestamp", "17\0"s},
                            {"X-Slack-Signature", "v0=00"}},
                           body)),
         400);
  expect(R, "invalid UTF-8", "in the signature header",
         raw(build_request("POST", route,
                           {{"Content-Type", "application/json"},
                            {"X-Slack-Request-Timestamp", now},
                            {"X-Slack-Signature", "v0=\xFF\xFE"}},
                           body)),
         401);

  std::string big = R"({"type":"event_callback","pad":")" + std::string(300000, 'p') + "\"}";
  expect(R, "oversized", "300 KB signed", slack_signed(route, big), 413);
  auto bts = steward::testing::now_ts();
  expect(R, "oversized", "300 KB chunked, signed",
         raw("POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
             "X-Slack-Request-Timestamp: " +
             bts + "\r\nX-Slack-Signature: " + sign(bts, big) +
             "\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + chunked(big)),
         413);

  auto cts2 = ts_id();
  expect_accepted(R, "control", "app_mention (interleaved)", slack_signed(route, mention(cts2)),
                  "slack:msg:C_HOSTILE:" + cts2);
  finish("Slack events");
}

// POST /slack/commands.
TEST_F(HostileSlack, Commands) {
  ASSERT_NO_FATAL_FAILURE(start());
  const std::string R = "POST /slack/commands";
  const std::string route = "/slack/commands";
  auto sign = [&](const std::string& ts, const std::string& body) {
    return steward::testing::slack_signature(secrets_.slack_signing, ts, body);
  };

  auto trig = next_id("trig");
  auto ok = slack_signed(route, command(trig, "help"));
  expect_accepted(R, "control", "/steward help", ok, "slack:cmd:" + trig);
  EXPECT_NE(ok.body.find("ephemeral"), std::string::npos) << ok.body;

  auto body = command(next_id("trig-forged"));
  auto now = steward::testing::now_ts();
  expect(R, "forged signature", "other secret",
         slack(route, body, now, steward::testing::slack_signature("guess", now, body)), 401);
  expect(R, "forged signature", "signed over another body",
         slack(route, body, now, sign(now, command("x"))), 401);
  expect(R, "missing signature", "none", slack(route, body, "", ""), 401);
  expect(R, "missing signature", "no timestamp", slack(route, body, "", sign(now, body)), 401);
  for (long off : {-301L, -3600L, 310L}) {
    auto ts = steward::testing::now_ts(off);
    expect(R, "stale timestamp", std::to_string(off) + " s", slack(route, body, ts, sign(ts, body)),
           401);
  }
  // Slack's TLS probe is answered unverified, and must never produce an event.
  expect(R, "forged signature", "ssl_check=1 unsigned (probe answered, no event)",
         slack(route, "ssl_check=1&token=x", "", ""), 200);
  expect(R, "forged signature", "ssl_check=1 smuggling a command, unsigned",
         slack(route, "ssl_check=1&" + command(next_id("trig-ssl"), "status"), "", ""), 200);

  auto rtrig = next_id("trig-replay");
  auto rbody = command(rtrig, "status");
  auto t = steward::testing::now_ts();
  expect_accepted(R, "replayed", "first delivery", slack(route, rbody, t, sign(t, rbody)),
                  "slack:cmd:" + rtrig);
  expect(R, "replayed", "identical second delivery", slack(route, rbody, t, sign(t, rbody)), 200);

  // Issue 9 (5): signed, but from another workspace.
  {
    auto foreign = command(next_id("trig-evil"), "approvals");
    foreign.replace(foreign.find("T0FAKE"), 6, "T0EVIL");
    expect(R, "foreign workspace", "/steward approvals from team T0EVIL",
           slack_signed(route, foreign), 403);
  }

  const std::vector<std::pair<std::string, std::string>> typed = {
      {"no command", "user_id=U_DANA&text=help"},
      {"empty command", "command=&user_id=U_DANA"},
      {"no user_id", "command=%2Fsteward&text=help"},
      {"user_id as array syntax", "command=%2Fsteward&user_id%5B%5D=U_DANA"},
      {"JSON body", R"({"command":"/steward","user_id":"U_DANA"})"},
      {"bad percent escape", "command=%2Fsteward&user_id=U_DANA&text=%zz"},
      {"empty body", ""},
  };
  for (const auto& [name, b] : typed) expect(R, "wrongly typed", name, slack_signed(route, b), 400);
  auto full = command(next_id("trig-trunc"), "status");
  expect(R, "truncated", "cut inside a percent escape",
         slack_signed(route, full.substr(0, full.find("%2F") + 2)), 400);
  expect(R, "truncated", "cut before user_id",
         slack_signed(route, full.substr(0, full.find("&user_id"))), 400);
  expect_closed(R, "truncated", "Content-Length 300, 20 sent, then FIN",
                raw("POST /slack/commands HTTP/1.1\r\nHost: x\r\nContent-Type: "
                    "application/x-www-form-urlencoded\r\nContent-Length: 300\r\n\r\n" +
                        full.substr(0, 20),
                    true));

  // A field that is not UTF-8 is a bad form encoding (parse.hpp): 400, nothing stored.
  for (const auto& [bad_name, bad] : kBadUtf8) {
    for (const std::string field : {"text", "user_name", "channel_id"}) {
      auto trigger = next_id("trig-utf8");
      auto b = urlencoded({{"command", "/steward"},
                           {"text", field == "text" ? "status " + bad : "help"},
                           {"user_id", "U_DANA"},
                           {"user_name", field == "user_name" ? "da" + bad : "dana"},
                           {"channel_id", field == "channel_id" ? "C" + bad : "C_HOSTILE"},
                           {"trigger_id", trigger}});
      expect(R, "invalid UTF-8", field + " (" + bad_name + ")", slack_signed(route, b), 400);
    }
  }
  // NUL is valid UTF-8 and the header does not forbid it: 400 or one sane event.
  auto ntrig = next_id("trig-nul");
  expect_400_or_accepted(R, "NUL bytes", "%00 in text",
                         slack_signed(route, command(ntrig, "status\0x"s)), "slack:cmd:" + ntrig);

  std::string big = command("big", std::string(300000, 'x'));
  expect(R, "oversized", "300 KB signed", slack_signed(route, big), 413);

  auto trig2 = next_id("trig");
  expect_accepted(R, "control", "/steward status (interleaved)",
                  slack_signed(route, command(trig2, "status")), "slack:cmd:" + trig2);
  finish("Slack commands");
}

// POST /slack/interactivity.
TEST_F(HostileSlack, Interactivity) {
  ASSERT_NO_FATAL_FAILURE(start());
  const std::string R = "POST /slack/interactivity";
  const std::string route = "/slack/interactivity";
  auto form = [](const std::string& payload) { return urlencoded({{"payload", payload}}); };
  auto sign = [&](const std::string& ts, const std::string& body) {
    return steward::testing::slack_signature(secrets_.slack_signing, ts, body);
  };
  auto ats = [&] { return std::to_string(1700000000 + ++seq_) + ".5"; };

  auto a = ats();
  expect_accepted(R, "control", "block_actions", slack_signed(route, form(click_payload(a))),
                  "slack:action:U_DANA:" + a);

  auto body = form(click_payload(ats(), "approval.approve"));
  auto now = steward::testing::now_ts();
  expect(R, "forged signature", "approval click with another secret",
         slack(route, body, now, steward::testing::slack_signature("guess", now, body)), 401);
  expect(R, "forged signature", "approval click signed over another body",
         slack(route, body, now, sign(now, form(click_payload("1.1")))), 401);
  expect(R, "missing signature", "approval click unsigned", slack(route, body, "", ""), 401);
  for (long off : {-301L, -3600L, 310L}) {
    auto ts = steward::testing::now_ts(off);
    expect(R, "stale timestamp", "approval click " + std::to_string(off) + " s",
           slack(route, body, ts, sign(ts, body)), 401);
  }

  auto ra = ats();
  auto rbody = form(click_payload(ra));
  auto t = steward::testing::now_ts();
  expect_accepted(R, "replayed", "first click", slack(route, rbody, t, sign(t, rbody)),
                  "slack:action:U_DANA:" + ra);
  expect(R, "replayed", "identical second click", slack(route, rbody, t, sign(t, rbody)), 200);

  const std::vector<std::pair<std::string, std::string>> typed = {
      {"no payload field", "foo=bar"},
      {"payload is an array", form("[]")},
      {"payload is a string", form("\"block_actions\"")},
      {"type is a number", form(R"({"type":5,"user":{"id":"U1"}})")},
      {"user is a string",
       form(R"({"type":"block_actions","user":"U1","actions":[{"action_ts":"1"}]})")},
      {"user.id is a number",
       form(R"({"type":"block_actions","user":{"id":5},"actions":[{"action_ts":"1"}]})")},
      {"actions is an object",
       form(R"({"type":"block_actions","user":{"id":"U1"},"actions":{"action_ts":"1"}})")},
      {"actions[0] is a number",
       form(R"({"type":"block_actions","user":{"id":"U1"},"actions":[5]})")},
      {"action_ts is a number",
       form(
           R"({"type":"block_actions","user":{"id":"U1"},"actions":[{"action_id":"x","action_ts":5}]})")},
      {"approval click, value a number",
       form(
           R"({"type":"block_actions","user":{"id":"U1"},"actions":[{"action_id":"approval.approve","value":5,"action_ts":"1"}]})")},
      {"JSON body instead of a form", click_payload("1.1")},
  };
  for (const auto& [name, b] : typed) expect(R, "wrongly typed", name, slack_signed(route, b), 400);

  // Issue 9 (5): signed, but from another workspace (or none named).
  {
    auto p = click_payload(ats(), "approval.approve");
    p.replace(p.find("T0FAKE"), 6, "T0EVIL");
    expect(R, "foreign workspace", "approval click from team T0EVIL", slack_signed(route, form(p)),
           403);
    auto q = click_payload(ats());
    q.replace(q.find(R"("team":{"id":"T0FAKE"},)"), 23, "");
    expect(R, "foreign workspace", "click naming no team", slack_signed(route, form(q)), 403);
  }

  auto full = click_payload(ats());
  expect(R, "truncated", "payload JSON cut in half",
         slack_signed(route, form(full.substr(0, full.size() / 2))), 400);
  expect(R, "deeply nested", "payload of 100k '['",
         slack_signed(route, "payload=" + deep('[', 100000)), 400);
  expect(R, "deeply nested", "payload with 100-deep value",
         slack_signed(route, form(R"({"type":"block_actions","x":)" + deep('[', 100) +
                                  std::string(100, ']') + "}")),
         400);
  for (const auto& [bad_name, bad] : kBadUtf8) {
    auto p = click_payload(ats());
    p.replace(p.find("U_DANA"), 6, "U" + bad);
    expect(R, "invalid UTF-8", "user.id (" + bad_name + ")", slack_signed(route, form(p)), 400);
    auto q = click_payload(ats());
    q.replace(q.find("\"v1\""), 4, "\"v" + bad + "\"");
    expect(R, "invalid UTF-8", "action value (" + bad_name + ")", slack_signed(route, form(q)),
           400);
  }
  auto n = click_payload(ats());
  n.replace(n.find("v1"), 1, "\0"s);
  expect(R, "NUL bytes", "raw NUL in the payload JSON", slack_signed(route, form(n)), 400);
  std::string big = form(R"({"type":"block_actions","pad":")" + std::string(300000, 'p') + "\"}");
  expect(R, "oversized", "300 KB signed", slack_signed(route, big), 413);
  finish("Slack interactivity");
}

}  // namespace
}  // namespace steward::testing::hostile
