#pragma once
// Drives the real steward binary the way Slack does: signed slash commands, Events API
// callbacks (mentions, DMs) and button clicks, with what the fake Web API recorded to read back.

#include <httplib.h>

#include <atomic>
#include <boost/json.hpp>
#include <string>
#include <vector>

#include "connectors/common/form.hpp"
#include "tests/fakes/fake_slack.hpp"
#include "tests/support/json.hpp"
#include "tests/support/signatures.hpp"
#include "tests/support/steward_process.hpp"

namespace steward::testing {

/// @par Thread safety: one test thread.
class SlackDriver {
 public:
  /// Both outlive the driver; `signing` is the [slack] signing secret Steward verifies with.
  SlackDriver(StewardProcess& steward, fakes::FakeSlack& slack, std::string signing)
      : steward_(steward), slack_(slack), signing_(std::move(signing)) {}

  httplib::Result post(const std::string& path, const std::string& body,
                       const std::string& content_type, httplib::Headers extra = {},
                       const std::string& ts = now_ts()) {
    httplib::Headers h{{"X-Slack-Request-Timestamp", ts},
                       {"X-Slack-Signature", slack_signature(signing_, ts, body)}};
    for (auto& kv : extra) h.insert(kv);
    return steward_.http().Post(path.c_str(), h, body, content_type.c_str());
  }

  /// `/steward TEXT` typed by `user` in `channel`; its response_url is the fake's
  /// /response/<response_id>.
  httplib::Result command(const std::string& user, const std::string& text,
                          const std::string& response_id,
                          const std::string& channel = "C_GENERAL") {
    const std::string body =
        "token=x&team_id=T0FAKE&user_id=" + user + "&user_name=" + user +
        "&command=%2Fsteward&text=" + connectors::url_encode(text) + "&channel_id=" + channel +
        "&response_url=" + connectors::url_encode(slack_.response_url(response_id)) +
        "&trigger_id=t-" + response_id;
    return post("/slack/commands", body, "application/x-www-form-urlencoded");
  }

  /// An Events API callback around `event` (a new event id each time).
  httplib::Result event(boost::json::object event) {
    boost::json::object env{{"token", "x"},
                            {"team_id", "T0FAKE"},
                            {"api_app_id", "A1"},
                            {"type", "event_callback"},
                            {"event_id", "Ev" + std::to_string(++events_)},
                            {"event_time", 1700000000},
                            {"event", std::move(event)}};
    return post("/slack/events", boost::json::serialize(env), "application/json");
  }
  /// `@Steward TEXT` by `user` in `channel`, message timestamp `ts`.
  httplib::Result mention(const std::string& user, const std::string& text,
                          const std::string& channel, const std::string& ts) {
    return event({{"type", "app_mention"},
                  {"user", user},
                  {"text", "<@U0BOT> " + text},
                  {"ts", ts},
                  {"channel", channel},
                  {"event_ts", ts}});
  }
  /// A direct message to Steward.
  httplib::Result dm(const std::string& user, const std::string& text, const std::string& channel,
                     const std::string& ts) {
    return event({{"type", "message"},
                  {"channel_type", "im"},
                  {"user", user},
                  {"text", text},
                  {"ts", ts},
                  {"channel", channel},
                  {"event_ts", ts}});
  }

  /// Clicks Approve/Reject (`action` "approval.approve" | "approval.reject") on an approval
  /// request in C_APPROVALS.
  httplib::Result click(const std::string& user, const std::string& approval_id,
                        const std::string& action, const std::string& message_ts,
                        const std::string& response_id) {
    const std::string action_ts = std::to_string(1700000100 + ++clicks_) + ".000100";
    boost::json::object payload{
        {"type", "block_actions"},
        {"user", {{"id", user}, {"username", user}, {"name", user}, {"team_id", "T0FAKE"}}},
        {"api_app_id", "A0STEWARD"},
        {"container",
         {{"type", "message"},
          {"message_ts", message_ts},
          {"channel_id", "C_APPROVALS"},
          {"is_ephemeral", false}}},
        {"trigger_id", "1.2." + action_ts},
        {"team", {{"id", "T0FAKE"}, {"domain", "acme"}}},
        {"channel", {{"id", "C_APPROVALS"}, {"name", "approvals"}}},
        {"response_url", slack_.response_url(response_id)},
        {"actions",
         {{{"type", "button"},
           {"action_id", action},
           {"block_id", "approval:" + approval_id},
           {"value", approval_id},
           {"action_ts", action_ts}}}}};
    const std::string body = "payload=" + connectors::url_encode(boost::json::serialize(payload));
    return post("/slack/interactivity", body, "application/x-www-form-urlencoded");
  }

  /// chat.postMessage calls to `channel`, oldest first.
  std::vector<fakes::RecordedCall> posts_to(const std::string& channel) const {
    std::vector<fakes::RecordedCall> out;
    for (auto& c : slack_.calls("chat.postMessage"))
      if (jstr(c.body, "channel") == channel) out.push_back(c);
    return out;
  }
  /// Posts to response_urls, oldest first.
  std::vector<fakes::RecordedCall> responses() const { return slack_.calls("response"); }

 private:
  StewardProcess& steward_;
  fakes::FakeSlack& slack_;
  std::string signing_;
  int events_ = 0;
  int clicks_ = 0;
};

}  // namespace steward::testing
