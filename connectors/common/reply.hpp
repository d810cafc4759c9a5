#pragma once
// The answers every inbound connector gives: the event acknowledgement, "busy", and commit-then-
// answer (the 2xx is sent only after the event is durable).

#include <functional>

#include "bot/core/connector.hpp"
#include "bot/net/http_types.hpp"

namespace steward::connectors {

/// 200 {"event_id":…,"duplicate":…,"ok":true}.
HttpResponse event_ack(const Ingested& result);
/// 503 {"ok":false,"error":"unavailable","message":"busy"} with Retry-After: 1.
HttpResponse busy();
/// Commits `event` through `host`, then answers `ok(result)`; when the inbox refuses, 503 with
/// Retry-After (1 s unless the refusal names one).
void ingest_and_reply(ConnectorHost& host, Event&& event, Respond respond,
                      std::function<HttpResponse(const Ingested&)> ok = event_ack);

}  // namespace steward::connectors
