#pragma once
// The inbound side of a connector: the routes it answers, verified and normalised into Events.
// A connector may also carry outbound executors (slack.post, email.send). How the wiring reads
// a connector's config section and builds it: connectors/builtin.hpp.

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bot/core/clock.hpp"
#include "bot/core/event.hpp"
#include "bot/core/executor.hpp"
#include "bot/core/expected.hpp"
#include "bot/core/http.hpp"

namespace steward {

/// An event committed to the inbox.
struct Ingested {
  std::string event_id;
  bool duplicate = false;  ///< its dedupe key was seen before: acknowledged, not run again
};

/// What the wiring offers a connector.
/// @par Thread safety: every member may be called from any thread.
class ConnectorHost {
 public:
  virtual ~ConnectorHost() = default;
  /// Commits `event` to the inbox (never blocks); `done` runs on the writer thread once it is
  /// durable. Errors: kUnavailable with retry_after when the inbox is full; nothing written.
  virtual void ingest(Event event, std::function<void(Expected<Ingested>)> done) = 0;
  /// Runs `work` on the shared worker pool (store reads, parsing authenticated bodies); false
  /// when the pool's queue is full (answer 503). Never for unauthenticated work.
  [[nodiscard]] virtual bool post(std::function<void()> work) = 0;
  /// A pool of the connector's own (`threads` threads, at most `max_queue` tasks waiting), for
  /// work that must not queue on the shared pool, e.g. authenticating unauthenticated bodies.
  /// `thread_name`: a string literal of at most 15 characters (ps/top). Returns its post
  /// function (false when full). The host stops it after the server and before the shared
  /// pool, so its tasks may still post() there.
  [[nodiscard]] virtual std::function<bool(std::function<void()>)> own_pool(
      std::size_t threads, std::size_t max_queue, const char* thread_name) = 0;
  /// The answer to a chat command ("approvals", "status", …) for the person `actor`, read from
  /// the store. Blocks: call it from a post()ed task.
  [[nodiscard]] virtual Expected<std::string> command_reply(const std::string& text,
                                                            const std::string& actor) = 0;
  [[nodiscard]] virtual const Clock& clock() const = 0;
};

/// One route of a connector. Set exactly one of `handle` and `handle_async`.
struct Route {
  std::string method = "POST";
  std::string pattern;                    ///< e.g. "/hooks/forms/{name}" (see net::Router)
  std::optional<std::size_t> body_limit;  ///< default: [server] body_limit
  std::string name;                       ///< metrics label; default: the pattern
  /// Verifies and normalises on the I/O thread (must not block). The wiring commits the event
  /// and answers 200 {"ok":true,"event_id":…,"duplicate":…}; an error answers its status
  /// (net::http_status) and a full inbox 503 with Retry-After.
  std::function<Expected<Event>(const HttpRequest&)> handle;
  /// For answers of another shape or work off the I/O thread: the connector answers itself
  /// (exactly once, from any thread), committing through ConnectorHost::ingest.
  Handler handle_async;
};

/// An inbound connector, built by the wiring from its config (connectors/builtin.hpp).
/// @par Thread safety: route handlers run concurrently on I/O threads.
class Connector {
 public:
  virtual ~Connector() = default;
  [[nodiscard]] virtual std::string_view name() const = 0;
  /// Its routes; called once, before the server starts.
  [[nodiscard]] virtual std::vector<Route> routes() = 0;
  /// The action kinds it carries out (owned by the connector, alive until it is destroyed).
  [[nodiscard]] virtual std::vector<ActionExecutor*> executors() { return {}; }
};

}  // namespace steward
