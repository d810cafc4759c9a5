#include "connectors/common/reply.hpp"

#include <boost/json/serialize.hpp>

namespace steward::connectors {

HttpResponse event_ack(const Ingested& result) {
  boost::json::object o{{"event_id", result.event_id}, {"duplicate", result.duplicate}};
  o.emplace("ok", true);
  return HttpResponse::json(200, boost::json::serialize(o));
}

HttpResponse busy() {
  return net::error_response(Error{Errc::kUnavailable, "busy", std::chrono::seconds(1)});
}

void ingest_and_reply(ConnectorHost& host, Event&& event, Respond respond,
                      std::function<HttpResponse(const Ingested&)> ok) {
  host.ingest(std::move(event),
              [respond = std::move(respond), ok = std::move(ok)](Expected<Ingested> r) {
                if (!r) {
                  auto e = r.error();
                  if (!e.retry_after) e.retry_after = std::chrono::seconds(1);
                  respond(net::error_response(Error{Errc::kUnavailable, e.message, e.retry_after}));
                  return;
                }
                respond(ok(*r));
              });
}

}  // namespace steward::connectors
