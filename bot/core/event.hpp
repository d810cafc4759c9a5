#pragma once
// Everything that comes into Steward is an Event: webhooks, Slack clicks, CLI commands, ticks.

#include <boost/json/object.hpp>
#include <string>

#include "bot/core/clock.hpp"

namespace steward {

/// A verified, normalised inbound fact. Connectors build it; the inbox commits it before the
/// sender gets its 2xx; the orchestrator routes it to an agent.
struct Event {
  std::string id;          ///< assigned by the inbox ("ev_…"); empty until committed
  std::string source;      ///< "forms", "slack", "cli", "schedule"
  std::string kind;        ///< "form.submitted", "slack.command", "slack.mention", "approval.click"
  std::string dedupe_key;  ///< provider's stable id, e.g. "typeform:01HX…"; unique in the inbox
  std::string actor;       ///< who caused it: a Slack user id, an email address, "form:website"
  boost::json::object payload;  ///< normalised fields (kind-specific, documented by the connector)
  TimePoint received_at{};
};

}  // namespace steward
