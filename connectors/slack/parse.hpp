#pragma once
// Pure parsers turning Slack deliveries (Events API, slash commands, interactivity) into Events.
// They run after verify_signature() on the same raw bytes. None of them performs I/O.
//
// Event kinds produced (Event::source is always "slack"; Event::id and Event::received_at are
// left for the caller/inbox to set):
//  - "slack.mention"        app_mention
//  - "slack.message"        message without subtype (DMs included; see payload.channel_type)
//  - "slack.event.<type>"   any other event_callback event type (raw event in payload.event)
//  - "slack.command"        slash command
//  - "approval.click"       block_actions on action_id approval.approve / approval.reject
//  - "slack.interaction"    any other block_actions, view_submission, view_closed, shortcut,
//                           message_action
// Ignored (no event, ignored_reason set): our own messages, messages from any bot
// (bot_message subtype or a bot_id), messages with a subtype, app_rate_limited, unknown
// envelope types, block_suggestion and unknown interaction types.

#include <optional>
#include <string>
#include <string_view>

#include "bot/core/event.hpp"
#include "bot/core/expected.hpp"

namespace steward::slack {

/// Who we are in the workspace, learnt from auth.test at start-up; used to drop our own posts.
struct BotIdentity {
  std::string bot_id;   ///< "B…"
  std::string user_id;  ///< "U…" (the bot user)
  /// The workspace ("T…", from auth.test or [slack] team_id) and app ("A…", [slack] app_id)
  /// whose requests are accepted; empty = not checked.
  std::string team_id, app_id;
};

/// Result of parsing one Events API delivery.
struct EventsInbound {
  std::optional<std::string> challenge;  ///< set for url_verification: answer it, no event
  std::optional<Event> event;            ///< empty when ignored (or url_verification)
  std::string ignored_reason;            ///< why no event was produced (empty otherwise)
};

/// Result of parsing one slash-command delivery.
struct CommandInbound {
  bool ssl_check = false;      ///< Slack's TLS probe: answer 200 empty, dispatch nothing
  std::optional<Event> event;  ///< the command (absent for ssl_check)
};

/// Result of parsing one interactivity delivery.
struct InteractionInbound {
  std::optional<Event> event;
  std::string ignored_reason;
};

/// Parses an Events API JSON body.
/// Payload of message-like events: {event_id, team_id, event_type, channel, channel_type, user,
/// text (leading <@BOT> mention stripped, &lt; &gt; &amp; unescaped), ts, thread_ts}; other event
/// types additionally carry the raw `event` object. Dedupe key: `slack:msg:<channel>:<ts>` when
/// the event has channel and ts (covers retries and the app_mention+message pair), otherwise
/// `slack:event:<event_id>`. Actor: the user id.
/// @return kInvalidInput for malformed JSON, an event `user` that is not a Slack id, a missing
/// envelope type, a url_verification without
///         challenge, an event_callback without event/event.type, or (for events that are not
///         message-like) a missing event_id; kForbidden for an event_callback whose team_id /
///         api_app_id is not `self`'s (when known).
/// @par Thread safety: pure.
[[nodiscard]] Expected<EventsInbound> parse_events(std::string_view raw_body,
                                                   const BotIdentity& self);

/// Parses a slash-command form body. `ssl_check=1` → ssl_check=true, every other field dropped.
/// Payload: {command, text, user_id, user_name, channel_id, team_id, response_url, trigger_id};
/// user_name is one line (single_line()); text is kept as typed.
/// Dedupe key: `slack:cmd:<trigger_id>` (fallback `slack:cmd:<sha256 hex of body>`).
/// @return kInvalidInput for a bad form encoding (a field that is not UTF-8 included), a missing
///         command / user_id, or a user_id that is not a Slack id; kForbidden when team_id /
///         api_app_id is not `self`'s (when known).
/// @par Thread safety: pure.
[[nodiscard]] Expected<CommandInbound> parse_command(std::string_view raw_body,
                                                     const BotIdentity& self);

/// Parses an interactivity form body (`payload=<json>`).
/// approval.click payload: {approval_id, decision ("approve"|"reject"), user_id, user_name,
/// channel_id, message_ts, response_url, action_ts}, dedupe `slack:action:<user_id>:<action_ts>`.
/// slack.interaction payload: {type, action_id, block_id, value, callback_id, user_id, user_name,
/// channel_id, message_ts, response_url, trigger_id, action_ts}, dedupe
/// `slack:action:<user_id>:<action_ts>` for block_actions, else
/// `slack:interaction:<type>:<trigger_id or view id or sha256 of body>`.
/// user_name is one line (single_line()).
/// @return kInvalidInput with the reason for a bad form, missing/invalid payload JSON, missing
///         type or user, a user.id that is not a Slack id, block_actions without actions, an
///         approval click without value or action_ts; kForbidden when team.id / api_app_id is
///         not `self`'s (when known).
/// @par Thread safety: pure.
[[nodiscard]] Expected<InteractionInbound> parse_interaction(std::string_view raw_body,
                                                             const BotIdentity& self);

/// True for a Slack id (user, team, channel: "U024BE7LH", "W111"): 1 to 64 ASCII letters,
/// digits or '_'. The user id becomes the event's actor, which the audit records and four-eyes
/// compares, and the directory matches people by Slack id or email; this charset can neither
/// break a log line nor pass for an address. ('_' and lower case are kept for the ids operators
/// write in [[people]] for tests and demos; Slack's own ids are upper case and digits.)
bool is_slack_id(std::string_view id);

/// Replaces &lt; &gt; &amp; (the only entities Slack sends) with their characters.
std::string unescape_text(std::string_view text);

/// Removes a leading `<@USER>` / `<@USER|label>` mention of `user_id` (any user when empty)
/// and the whitespace after it.
std::string strip_leading_mention(std::string_view text, std::string_view user_id);

}  // namespace steward::slack
