#include "connectors/slack/executor.hpp"

#include "connectors/slack/blocks.hpp"

namespace steward::slack {

namespace {

[[nodiscard]] Expected<std::string> required(const boost::json::object& f, std::string_view key,
                                             std::string_view kind) {
  auto it = f.find(key);
  if (it == f.end() || !it->value().is_string() || it->value().get_string().empty())
    return fail(Errc::kInvalidInput,
                std::string(kind) + ": missing or empty field '" + std::string(key) + "'");
  return std::string(it->value().get_string());
}

[[nodiscard]] Expected<std::string> optional(const boost::json::object& f, std::string_view key,
                                             std::string_view kind) {
  auto it = f.find(key);
  if (it == f.end() || it->value().is_null()) return std::string();
  if (!it->value().is_string())
    return fail(Errc::kInvalidInput,
                std::string(kind) + ": field '" + std::string(key) + "' must be a string");
  return std::string(it->value().get_string());
}

[[nodiscard]] Expected<boost::json::array> optional_blocks(const boost::json::object& f,
                                                           std::string_view kind) {
  auto it = f.find("blocks");
  if (it == f.end() || it->value().is_null()) return boost::json::array{};
  if (!it->value().is_array())
    return fail(Errc::kInvalidInput, std::string(kind) + ": field 'blocks' must be an array");
  if (it->value().get_array().size() > kMaxBlocks)
    return fail(Errc::kInvalidInput, std::string(kind) + ": more than 50 blocks");
  return it->value().get_array();
}

ActionResult posted_result(const PostedMessage& m) {
  return ActionResult{boost::json::object{{"channel", m.channel}, {"ts", m.ts}}};
}

}  // namespace

std::vector<std::string> SlackExecutor::kinds() const {
  return {"slack.post",      "slack.update",  "slack.respond",
          "slack.ephemeral", "approval.post", "approval.update"};
}

Expected<ActionResult> SlackExecutor::execute(const Action& action, std::string_view) {
  if (action.kind == "slack.post") return post(action.fields);
  if (action.kind == "slack.update") return update(action.fields);
  if (action.kind == "slack.respond") return respond(action.fields);
  if (action.kind == "slack.ephemeral") return ephemeral(action.fields);
  if (action.kind == "approval.post") return approval_post(action.fields);
  if (action.kind == "approval.update") return approval_update(action.fields);
  return fail(Errc::kPermanent, "slack executor cannot run action kind '" + action.kind + "'");
}

Expected<ActionResult> SlackExecutor::post(const boost::json::object& f) {
  constexpr std::string_view kind = "slack.post";
  auto channel = required(f, "channel", kind);
  if (!channel) return Unexpected(channel.error());
  auto text = required(f, "text", kind);
  if (!text) return Unexpected(text.error());
  auto thread_ts = optional(f, "thread_ts", kind);
  if (!thread_ts) return Unexpected(thread_ts.error());
  auto blocks = optional_blocks(f, kind);
  if (!blocks) return Unexpected(blocks.error());
  auto posted = client_.post_message(*channel, *text, *blocks, *thread_ts);
  if (!posted) return Unexpected(posted.error());
  return posted_result(*posted);
}

Expected<ActionResult> SlackExecutor::update(const boost::json::object& f) {
  constexpr std::string_view kind = "slack.update";
  auto channel = required(f, "channel", kind);
  if (!channel) return Unexpected(channel.error());
  auto ts = required(f, "ts", kind);
  if (!ts) return Unexpected(ts.error());
  auto text = required(f, "text", kind);
  if (!text) return Unexpected(text.error());
  auto blocks = optional_blocks(f, kind);
  if (!blocks) return Unexpected(blocks.error());
  auto updated = client_.update_message(*channel, *ts, *text, *blocks);
  if (!updated) return Unexpected(updated.error());
  return posted_result(*updated);
}

Expected<ActionResult> SlackExecutor::respond(const boost::json::object& f) {
  constexpr std::string_view kind = "slack.respond";
  auto url = required(f, "response_url", kind);
  if (!url) return Unexpected(url.error());
  auto text = required(f, "text", kind);
  if (!text) return Unexpected(text.error());
  auto response_type = optional(f, "response_type", kind);
  if (!response_type) return Unexpected(response_type.error());
  if (!response_type->empty() && *response_type != "ephemeral" && *response_type != "in_channel")
    return fail(Errc::kInvalidInput,
                "slack.respond: response_type must be ephemeral or in_channel");
  auto blocks = optional_blocks(f, kind);
  if (!blocks) return Unexpected(blocks.error());

  // Both set explicitly: leaving replace_original out can turn a private reply public.
  boost::json::object message{
      {"text", *text}, {"response_type", response_type->empty() ? "ephemeral" : *response_type}};
  bool replace = false;
  if (auto it = f.find("replace_original"); it != f.end() && !it->value().is_null()) {
    if (!it->value().is_bool())
      return fail(Errc::kInvalidInput, "slack.respond: replace_original must be a boolean");
    replace = it->value().get_bool();
  }
  message["replace_original"] = replace;
  if (!blocks->empty()) message["blocks"] = std::move(*blocks);
  auto sent = client_.respond(*url, message);
  if (!sent) return Unexpected(sent.error());
  return ActionResult{};
}

Expected<ActionResult> SlackExecutor::ephemeral(const boost::json::object& f) {
  constexpr std::string_view kind = "slack.ephemeral";
  auto channel = required(f, "channel", kind);
  if (!channel) return Unexpected(channel.error());
  auto user = required(f, "user", kind);
  if (!user) return Unexpected(user.error());
  auto text = required(f, "text", kind);
  if (!text) return Unexpected(text.error());
  auto sent = client_.post_ephemeral(*channel, *user, *text);
  if (!sent) return Unexpected(sent.error());
  return ActionResult{};
}

Expected<ActionResult> SlackExecutor::approval_post(const boost::json::object& f) {
  auto request = approval_request_from_fields(f);
  if (!request) return fail(Errc::kInvalidInput, "approval.post: " + request.error().message);
  RenderedMessage m = render_approval_request(*request);
  auto posted = client_.post_message(request->channel, m.text, m.blocks);
  if (!posted) return Unexpected(posted.error());
  return posted_result(*posted);
}

Expected<ActionResult> SlackExecutor::approval_update(const boost::json::object& f) {
  auto outcome = approval_outcome_from_fields(f);
  if (!outcome) return fail(Errc::kInvalidInput, "approval.update: " + outcome.error().message);
  RenderedMessage m = render_approval_outcome(*outcome);
  auto updated = client_.update_message(outcome->channel, outcome->ts, m.text, m.blocks);
  if (!updated) return Unexpected(updated.error());
  return posted_result(*updated);
}

}  // namespace steward::slack
