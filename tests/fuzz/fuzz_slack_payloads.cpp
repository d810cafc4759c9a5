// Slack deliveries after verification: parse_events (Events API JSON), parse_command (slash
// command form body) and parse_interaction (payload=<json> form body) over the same bytes, plus
// parse_interaction over "payload=" + url_encode(input) so arbitrary JSON reaches the
// interactivity parser without the fuzzer having to learn URL encoding, and the text helpers.
//
// Invariants: every produced Event has source "slack", a kind and a dedupe key; a payload is
// serialisable; url_verification answers carry a non-empty challenge.

#include <cstdint>
#include <string>

#include "bot/core/json.hpp"
#include "connectors/common/form.hpp"
#include "connectors/slack/parse.hpp"
#include "tests/fuzz/fuzz_util.hpp"

namespace {

void check_event(const steward::Event& ev) {
  using steward::fuzz::require;
  require(ev.source == "slack", "event source is not slack");
  require(!ev.kind.empty(), "event without kind");
  require(!ev.dedupe_key.empty(), "event without dedupe key");
  steward::fuzz::require_storable(ev.payload);
}

void interaction(std::string_view body) {
  auto in = steward::slack::parse_interaction(body, steward::slack::BotIdentity{});
  if (in && in->event) {
    check_event(*in->event);
    steward::fuzz::require(in->ignored_reason.empty(), "event and ignored_reason both set");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace steward;
  const std::string_view text = fuzz::as_text(data, size);

  // Our own identity: both set (plain messages are stripped of our mention) and unknown.
  // And a known workspace and app, which foreign requests must not pass.
  static const slack::BotIdentity kSelf{"B0BOT", "U0BOT", "", ""};
  static const slack::BotIdentity kUnknown{};
  static const slack::BotIdentity kWorkspace{"B0BOT", "U0BOT", "T0FAKE", "A0APP"};
  for (const auto* self : {&kSelf, &kUnknown, &kWorkspace}) {
    auto ev = slack::parse_events(text, *self);
    if (!ev) continue;
    if (ev->challenge) {
      fuzz::require(!ev->challenge->empty(), "empty url_verification challenge");
      fuzz::require(!ev->event, "url_verification produced an event");
    }
    if (ev->event) {
      check_event(*ev->event);
      if (self == &kWorkspace)
        fuzz::require(json::string_or(ev->event->payload, "team_id") == "T0FAKE",
                      "event from another workspace accepted");
    } else
      fuzz::require(!ev->ignored_reason.empty(), "no event and no ignored_reason");
  }

  if (auto cmd = slack::parse_command(text, slack::BotIdentity{}); cmd) {
    if (cmd->ssl_check)
      fuzz::require(!cmd->event, "ssl_check produced an event");
    else {
      fuzz::require(cmd->event.has_value(), "command without event");
      check_event(*cmd->event);
      fuzz::require(cmd->event->kind == "slack.command", "command of another kind");
    }
  }

  if (auto cmd = slack::parse_command(text, kWorkspace); cmd && cmd->event)
    fuzz::require(json::string_or(cmd->event->payload, "team_id") == "T0FAKE",
                  "command from another workspace accepted");

  interaction(text);
  interaction("payload=" + connectors::url_encode(text));

  const std::string unescaped = slack::unescape_text(text);
  fuzz::require(unescaped.size() <= text.size(), "unescape_text grew the text");
  (void)slack::strip_leading_mention(text, "U0BOT");
  (void)slack::strip_leading_mention(text, "");
  return 0;
}
