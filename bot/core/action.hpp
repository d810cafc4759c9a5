#pragma once
// What agents propose: a Plan of Actions. Nothing here executes anything.

#include <boost/json/object.hpp>
#include <string>
#include <vector>

namespace steward {

/// One proposed side effect. `kind` names the executor ("slack.post", "email.send",
/// "pipeline.upsert"); `fields` are its kind-specific arguments:
///  - slack.post:   channel, text (fallback, required), blocks (array, optional), thread_ts
///  - slack.update: channel, ts, text, blocks
///  - slack.respond: response_url, text, response_type ("ephemeral"|"in_channel"),
///                   replace_original (bool); only to [slack] response_url_base
///  - slack.ephemeral: channel, user, text (chat.postEphemeral: seen by `user` only)
///  - email.send:   to, subject, text, (html), in_reply_to, reply_to
///  - pipeline.upsert: email, name, company, stage, score, breakdown (array)
///  - ticket.classify: conversation_id, topic, urgency, sentiment, risk (array of ids)
///  - memory.write: collection, title, text, source (who or what it came from), kind
///                  ("fact" | "decision")
struct Action {
  std::string kind;
  boost::json::object fields;
  std::string summary;  ///< one line a person reads in approvals, audit and the dashboard
  /// "provider/model" when any of this action's text was written by a model, else empty.
  /// Decision rights test it as `action.drafted_by` / `action.model_written`.
  std::string drafted_by;
};

/// An agent's answer to one event: notes for the audit/dashboard, proposed actions, and the
/// facts about the cause that decision rights may test (e.g. {"lead": {"score": 80}}).
struct Plan {
  std::string agent;
  std::vector<std::string> notes;
  std::vector<Action> actions;
  boost::json::object facts;
};

}  // namespace steward
