#include "connectors/slack/parse.hpp"

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>
#include <cstdint>

#include "bot/core/json.hpp"
#include "bot/core/printable.hpp"
#include "bot/core/utf8.hpp"
#include "connectors/common/crypto.hpp"
#include "connectors/common/form.hpp"

namespace steward::slack {

namespace {

constexpr std::string_view kSource = "slack";

Event make_event(std::string kind, std::string dedupe_key, std::string actor,
                 boost::json::object payload) {
  Event ev;
  ev.source = std::string(kSource);
  ev.kind = std::move(kind);
  ev.dedupe_key = std::move(dedupe_key);
  ev.actor = std::move(actor);
  ev.payload = std::move(payload);
  return ev;
}

std::string body_hash(std::string_view raw_body) {
  return connectors::to_hex(connectors::sha256(raw_body));
}

EventsInbound ignored_event(std::string reason) {
  EventsInbound in;
  in.ignored_reason = std::move(reason);
  return in;
}

bool is_message_like(std::string_view type) { return type == "message" || type == "app_mention"; }

/// A request signed with our signing secret still names the workspace and app it came from;
/// when we know ours, anything else is refused (an app installed in several workspaces, or a
/// secret shared across apps, must not let one workspace act in another).
[[nodiscard]] Expected<void> check_origin(const BotIdentity& self, std::string_view team,
                                          std::string_view app, std::string_view what) {
  if (!self.team_id.empty() && team != self.team_id)
    return fail(Errc::kForbidden, std::string(what) + " comes from workspace '" +
                                      (team.empty() ? std::string("(none)") : printable(team, 24)) +
                                      "', not this app's workspace");
  if (!self.app_id.empty() && app != self.app_id)
    return fail(Errc::kForbidden, std::string(what) + " comes from app '" +
                                      (app.empty() ? std::string("(none)") : printable(app, 24)) +
                                      "', not this app");
  return {};
}

}  // namespace

bool is_slack_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
      return false;
  return true;
}

std::string unescape_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '&') {
      auto rest = text.substr(i);
      if (rest.starts_with("&lt;")) {
        out.push_back('<');
        i += 3;
        continue;
      }
      if (rest.starts_with("&gt;")) {
        out.push_back('>');
        i += 3;
        continue;
      }
      if (rest.starts_with("&amp;")) {
        out.push_back('&');
        i += 4;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  return out;
}

std::string strip_leading_mention(std::string_view text, std::string_view user_id) {
  std::string_view t = text;
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t' || t.front() == '\n'))
    t.remove_prefix(1);
  if (!t.starts_with("<@")) return std::string(text);
  auto close = t.find('>');
  if (close == std::string_view::npos) return std::string(text);
  auto inner = t.substr(2, close - 2);
  auto id = inner.substr(0, inner.find('|'));
  if (id.empty() || (!user_id.empty() && id != user_id)) return std::string(text);
  t.remove_prefix(close + 1);
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t' || t.front() == '\n'))
    t.remove_prefix(1);
  return std::string(t);
}

[[nodiscard]] Expected<EventsInbound> parse_events(std::string_view raw_body,
                                                   const BotIdentity& self) {
  auto parsed = json::parse_object(raw_body);
  if (!parsed) return Unexpected(parsed.error());
  const boost::json::object& env = *parsed;
  auto type = json::get_string(env, "type");
  if (!type) return fail(Errc::kInvalidInput, "missing envelope type");

  if (*type == "url_verification") {
    auto challenge = json::get_string(env, "challenge");
    if (!challenge || challenge->empty())
      return fail(Errc::kInvalidInput, "url_verification without challenge");
    EventsInbound in;
    in.challenge = std::move(*challenge);
    in.ignored_reason = "url_verification";
    return in;
  }
  if (*type == "app_rate_limited") {
    auto minute = json::get_int(env, "minute_rate_limited");
    return ignored_event("app_rate_limited" +
                         (minute ? " (minute " + std::to_string(*minute) + ")" : std::string()));
  }
  if (*type != "event_callback") return ignored_event("unsupported envelope type '" + *type + "'");

  const boost::json::object* ev = json::get_object(env, "event");
  if (!ev) return fail(Errc::kInvalidInput, "event_callback without event object");
  auto ev_type = json::get_string(*ev, "type");
  if (!ev_type || ev_type->empty()) return fail(Errc::kInvalidInput, "event without type");

  std::string event_id = json::string_or(env, "event_id");
  std::string team_id = json::string_or(env, "team_id");
  std::string user = json::string_or(*ev, "user");
  std::string bot_id = json::string_or(*ev, "bot_id");
  std::string subtype = json::string_or(*ev, "subtype");
  std::string channel = json::string_or(*ev, "channel");
  std::string ts = json::string_or(*ev, "ts");
  if (!user.empty() && !is_slack_id(user))
    return fail(Errc::kInvalidInput, "event field 'user' is not a Slack user id");

  // Membership events name the bot as `user` when it joins; those are not our own posts.
  bool membership = *ev_type == "member_joined_channel" || *ev_type == "member_left_channel";
  if (!membership && ((!self.user_id.empty() && user == self.user_id) ||
                      (!self.bot_id.empty() && bot_id == self.bot_id)))
    return ignored_event("own message");
  if (subtype == "bot_message") return ignored_event("bot_message");
  if (is_message_like(*ev_type) && !bot_id.empty())
    return ignored_event("message from another bot");
  if (*ev_type == "message" && !subtype.empty())
    return ignored_event("message subtype '" + subtype + "' not handled");

  std::string kind;
  if (*ev_type == "app_mention")
    kind = "slack.mention";
  else if (*ev_type == "message")
    kind = "slack.message";
  else
    kind = "slack.event." + *ev_type;

  std::string dedupe;
  if (!channel.empty() && !ts.empty())
    dedupe = "slack:msg:" + channel + ":" + ts;
  else if (!event_id.empty())
    dedupe = "slack:event:" + event_id;
  else
    return fail(Errc::kInvalidInput, "event_callback without event_id");
  // Checked once the delivery is known to be well-formed, so malformed input stays a 400.
  if (auto o = check_origin(self, team_id, json::string_or(env, "api_app_id"), "event"); !o)
    return Unexpected(o.error());

  boost::json::object payload;
  payload["event_id"] = event_id;
  payload["team_id"] = team_id;
  payload["event_type"] = *ev_type;
  payload["channel"] = channel;
  payload["channel_type"] = json::string_or(*ev, "channel_type");
  payload["user"] = user;
  std::string text = json::string_or(*ev, "text");
  // app_mention always starts with a mention of us, so with an unknown identity any leading
  // mention is ours; in plain messages only a mention of our own user id is stripped.
  if (*ev_type == "app_mention" || !self.user_id.empty())
    text = strip_leading_mention(text, self.user_id);
  payload["text"] = unescape_text(text);
  payload["ts"] = ts;
  payload["thread_ts"] = json::string_or(*ev, "thread_ts");
  if (!is_message_like(*ev_type)) payload["event"] = *ev;

  EventsInbound in;
  in.event = make_event(std::move(kind), std::move(dedupe), user, std::move(payload));
  return in;
}

[[nodiscard]] Expected<CommandInbound> parse_command(std::string_view raw_body,
                                                     const BotIdentity& self) {
  auto form = connectors::parse_form(raw_body);
  if (!form) return Unexpected(form.error());
  CommandInbound in;
  if (const auto* ssl = connectors::form_get(*form, "ssl_check"); ssl && *ssl == "1") {
    in.ssl_check = true;
    return in;
  }
  auto field = [&](std::string_view key) {
    const std::string* v = connectors::form_get(*form, key);
    return v ? *v : std::string();
  };
  std::string command = field("command");
  std::string user_id = field("user_id");
  if (command.empty()) return fail(Errc::kInvalidInput, "slash command without 'command'");
  if (user_id.empty()) return fail(Errc::kInvalidInput, "slash command without 'user_id'");
  if (!is_slack_id(user_id))
    return fail(Errc::kInvalidInput, "slash command field 'user_id' is not a Slack user id");

  boost::json::object payload;
  for (std::string_view key : {"command", "text", "user_id", "user_name", "channel_id", "team_id",
                               "response_url", "trigger_id"}) {
    std::string value = field(key);
    // The payload becomes JSON, whose strings must be UTF-8 or the stored event could not be
    // read back.
    if (!is_valid_utf8(value))
      return fail(Errc::kInvalidInput,
                  "slash command field '" + std::string(key) + "' is not valid UTF-8");
    payload[key] = key == "user_name" ? single_line(value) : std::move(value);
  }
  if (auto o = check_origin(self, field("team_id"), field("api_app_id"), "slash command"); !o)
    return Unexpected(o.error());
  std::string trigger = field("trigger_id");
  std::string dedupe = "slack:cmd:" + (trigger.empty() ? body_hash(raw_body) : trigger);
  in.event = make_event("slack.command", std::move(dedupe), user_id, std::move(payload));
  return in;
}

[[nodiscard]] Expected<InteractionInbound> parse_interaction(std::string_view raw_body,
                                                             const BotIdentity& self) {
  auto form = connectors::parse_form(raw_body);
  if (!form) return Unexpected(form.error());
  const std::string* raw_payload = connectors::form_get(*form, "payload");
  if (!raw_payload) return fail(Errc::kInvalidInput, "interaction without 'payload' field");
  auto parsed = json::parse_object(*raw_payload);
  if (!parsed)
    return fail(Errc::kInvalidInput,
                "interaction payload is not a JSON object: " + parsed.error().message);
  const boost::json::object& p = *parsed;
  auto type = json::get_string(p, "type");
  if (!type || type->empty()) return fail(Errc::kInvalidInput, "interaction without type");

  std::string team = json::string_or(p, "team_id");
  if (const auto* t = json::get_object(p, "team")) team = json::string_or(*t, "id", team);
  // Checked once the payload is known to be well-formed, so malformed input stays a 400.
  auto origin = check_origin(self, team, json::string_or(p, "api_app_id"), "interaction");

  InteractionInbound in;
  if (*type == "block_suggestion") {
    in.ignored_reason = "block_suggestion is answered synchronously, not dispatched";
    return in;
  }
  if (*type != "block_actions" && *type != "view_submission" && *type != "view_closed" &&
      *type != "shortcut" && *type != "message_action") {
    in.ignored_reason = "unsupported interaction type '" + *type + "'";
    return in;
  }

  const boost::json::object* user = json::get_object(p, "user");
  std::string user_id = user ? json::string_or(*user, "id") : std::string();
  if (user_id.empty()) return fail(Errc::kInvalidInput, "interaction without user.id");
  if (!is_slack_id(user_id))
    return fail(Errc::kInvalidInput, "interaction field 'user.id' is not a Slack user id");
  std::string user_name = user ? json::string_or(*user, "username") : std::string();
  if (user_name.empty() && user) user_name = json::string_or(*user, "name");
  user_name = single_line(user_name);

  std::string channel_id, message_ts;
  if (const auto* container = json::get_object(p, "container")) {
    channel_id = json::string_or(*container, "channel_id");
    message_ts = json::string_or(*container, "message_ts");
  }
  if (channel_id.empty())
    if (const auto* channel = json::get_object(p, "channel"))
      channel_id = json::string_or(*channel, "id");
  std::string response_url = json::string_or(p, "response_url");
  std::string trigger_id = json::string_or(p, "trigger_id");

  if (*type == "block_actions") {
    auto it = p.find("actions");
    if (it == p.end() || !it->value().is_array() || it->value().get_array().empty() ||
        !it->value().get_array().front().is_object())
      return fail(Errc::kInvalidInput, "block_actions without actions");
    const boost::json::object& action = it->value().get_array().front().get_object();
    std::string action_id = json::string_or(action, "action_id");
    std::string value = json::string_or(action, "value");
    std::string action_ts = json::string_or(action, "action_ts");
    if (action_ts.empty()) return fail(Errc::kInvalidInput, "block action without action_ts");
    std::string dedupe = "slack:action:" + user_id + ":" + action_ts;

    // Who clicked where, in the same order in both kinds of event.
    auto add_click_context = [&](boost::json::object& payload) {
      payload["user_id"] = user_id;
      payload["user_name"] = user_name;
      payload["channel_id"] = channel_id;
      payload["message_ts"] = message_ts;
      payload["response_url"] = response_url;
    };
    if (action_id == "approval.approve" || action_id == "approval.reject") {
      if (value.empty()) return fail(Errc::kInvalidInput, "approval click without value");
      boost::json::object payload;
      payload["approval_id"] = value;
      payload["decision"] = action_id == "approval.approve" ? "approve" : "reject";
      add_click_context(payload);
      payload["action_ts"] = action_ts;
      if (!origin) return Unexpected(origin.error());
      in.event = make_event("approval.click", std::move(dedupe), user_id, std::move(payload));
      return in;
    }
    boost::json::object payload;
    payload["type"] = *type;
    payload["action_id"] = action_id;
    payload["block_id"] = json::string_or(action, "block_id");
    payload["value"] = value;
    payload["callback_id"] = "";
    add_click_context(payload);
    payload["trigger_id"] = trigger_id;
    payload["action_ts"] = action_ts;
    if (!origin) return Unexpected(origin.error());
    in.event = make_event("slack.interaction", std::move(dedupe), user_id, std::move(payload));
    return in;
  }

  // view_submission / view_closed / shortcut / message_action
  std::string callback_id = json::string_or(p, "callback_id");
  std::string view_id;
  if (const auto* view = json::get_object(p, "view")) {
    if (callback_id.empty()) callback_id = json::string_or(*view, "callback_id");
    view_id = json::string_or(*view, "id");
  }
  std::string unique = !trigger_id.empty() ? trigger_id
                       : !view_id.empty()  ? view_id
                                           : body_hash(raw_body);
  boost::json::object payload;
  payload["type"] = *type;
  payload["action_id"] = "";
  payload["block_id"] = "";
  payload["value"] = "";
  payload["callback_id"] = callback_id;
  payload["user_id"] = user_id;
  payload["user_name"] = user_name;
  payload["channel_id"] = channel_id;
  payload["message_ts"] = message_ts;
  payload["response_url"] = response_url;
  payload["trigger_id"] = trigger_id;
  payload["action_ts"] = json::string_or(p, "action_ts");
  if (!origin) return Unexpected(origin.error());
  in.event = make_event("slack.interaction", "slack:interaction:" + *type + ":" + unique, user_id,
                        std::move(payload));
  return in;
}

}  // namespace steward::slack
