#include "agents/mention_reply/mention_reply.hpp"

#include <string>

#include "bot/core/command_help.hpp"
#include "bot/core/json.hpp"

namespace steward::agents::mention {

[[nodiscard]] Expected<std::unique_ptr<Agent>> make(const common::AgentSetup&) {
  return std::make_unique<MentionReply>();
}

Expected<Plan> MentionReply::handle(const Event& event, AgentContext&) const {
  if (event.kind != "slack.mention")
    return fail(Errc::kInvalidInput, "mention_reply handles slack.mention, not " + event.kind);
  const auto& p = event.payload;
  const std::string channel = json::string_or(p, "channel");
  const std::string ts = json::string_or(p, "ts");
  if (channel.empty() || ts.empty())
    return fail(Errc::kInvalidInput, "slack.mention payload needs 'channel' and 'ts'");
  const std::string thread = json::string_or(p, "thread_ts");
  const std::string text = json::string_or(p, "text");
  const bool help = text.empty() || text.find("help") != std::string::npos;

  Plan plan;
  plan.agent = std::string(name());
  plan.notes.emplace_back(help ? "asked for help: answered with the list of commands"
                               : "not understood: answered with the list of commands");
  plan.facts["mention"] = boost::json::object{{"channel", channel}, {"help", help}};
  Action a;
  a.kind = "slack.post";
  a.fields = {{"channel", channel},
              {"thread_ts", thread.empty() ? ts : thread},
              {"text", help ? command_help() : "I did not understand that. " + command_help()}};
  a.summary = "Reply in the thread of a mention in " + channel;
  plan.actions.push_back(std::move(a));
  return plan;
}

}  // namespace steward::agents::mention
