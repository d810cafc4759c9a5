#pragma once
// Slack Web API client (chat.postMessage, chat.update, auth.test, response_url posts) over
// cpp-httplib. Blocking: every call runs on a worker thread, never on an I/O thread.

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "bot/core/clock.hpp"
#include "bot/core/expected.hpp"
#include "bot/core/secret.hpp"

namespace steward::slack {

struct ClientOptions {
  /// Base of the Web API: "https://slack.com/api", or "http://127.0.0.1:PORT/api" in tests.
  std::string api_base = "https://slack.com/api";
  Secret bot_token;  ///< xoxb-…; sent only as `Authorization: Bearer`, never logged
  std::chrono::milliseconds timeout{10000};  ///< connect and read timeout per call
  /// Minimum spacing of chat.postMessage calls to one channel (Slack allows ~1/s/channel).
  std::chrono::milliseconds channel_interval{1000};
  /// respond() posts only to URLs under this prefix (Slack's response_urls are all on
  /// hooks.slack.com); anything else is refused before a connection is made.
  std::string response_url_base = "https://hooks.slack.com/";
};

/// Result of auth.test.
struct AuthInfo {
  std::string user_id;  ///< the bot user ("U…")
  std::string bot_id;   ///< "B…"
  std::string team_id;
};

/// Where a message landed.
struct PostedMessage {
  std::string channel;
  std::string ts;  ///< opaque string, never a number
};

/// Slack Web API client.
///
/// Error mapping (every call):
///  - HTTP 429 → kRateLimited, retry_after = Retry-After seconds (1 when absent or garbled);
///    the method is then refused locally with kRateLimited until that time has passed (per
///    method, all callers), as Slack asks.
///  - HTTP 5xx, connection refused/reset/closed → kUnavailable; no answer within `timeout`
///    → kTimeout; other non-2xx → kPermanent "HTTP <status>"; an unparsable 200 → kUnavailable.
///  - `ok:false`: `ratelimited`/`rate_limited` → kRateLimited; `internal_error`, `fatal_error`,
///    `service_unavailable`, `request_timeout` → kUnavailable; every other error code
///    (channel_not_found, not_in_channel, invalid_auth, not_authed, invalid_blocks, msg_too_long,
///    is_archived, message_not_found, cant_update_message, …) → kPermanent with the method and
///    the Slack error code in the message ("chat.postMessage: channel_not_found").
///  - A malformed api_base or response_url → kInvalidInput.
/// Messages never contain the token.
///
/// @par Thread safety: all methods may be called concurrently. Each call uses its own
///      httplib::Client (no shared connection state; one TLS handshake per call, acceptable at
///      Slack's ~1 message/s pacing). The pacing and rate-limit tables are guarded by a mutex.
/// @par Blocking: every call blocks for the network round trip (≤ timeout). post_message()
///      additionally sleeps the calling thread until the channel's next free slot
///      (channel_interval after the previous post to that channel was scheduled).
class WebClient {
 public:
  /// `clock` (wall time) drives the Retry-After bookkeeping; pacing uses a monotonic clock.
  WebClient(ClientOptions options, const Clock& clock);

  /// auth.test: who the token belongs to.
  [[nodiscard]] Expected<AuthInfo> auth_test();

  /// chat.postMessage with `text` (always sent, the fallback) and `blocks` (omitted when empty);
  /// `thread_ts` replies in a thread. Paced per channel (blocking, see above).
  [[nodiscard]] Expected<PostedMessage> post_message(std::string_view channel,
                                                     std::string_view text,
                                                     const boost::json::array& blocks,
                                                     std::string_view thread_ts = {});

  /// chat.update of the message at (channel, ts); `blocks` replaces the old blocks (an empty
  /// array removes them).
  [[nodiscard]] Expected<PostedMessage> update_message(std::string_view channel,
                                                       std::string_view ts, std::string_view text,
                                                       const boost::json::array& blocks);

  /// chat.postEphemeral: `text` to `user` only, in `channel`. Not paced (it is not a channel
  /// post); errors as above.
  [[nodiscard]] Expected<void> post_ephemeral(std::string_view channel, std::string_view user,
                                              std::string_view text);

  /// POSTs `message` as JSON to a response_url (no Authorization header, as Slack documents).
  /// Any 2xx is success; a JSON reply with ok:false maps like a Web API error. A URL outside
  /// `response_url_base` → kPermanent, nothing sent.
  [[nodiscard]] Expected<void> respond(std::string_view response_url,
                                       const boost::json::object& message);

  /// Calls any Web API method with a JSON body (used by the methods above).
  [[nodiscard]] Expected<boost::json::object> call(std::string_view method,
                                                   const boost::json::object& body);

 private:
  struct Target {
    std::string origin;  ///< scheme://host[:port]
    std::string path;    ///< path (+ query) on that origin
  };
  struct Reply {
    int status = 0;
    std::string body;
    std::string retry_after;
  };

  [[nodiscard]] Expected<Reply> post_json(const Target& target, const std::string& body,
                                          bool with_auth, std::string_view what);
  [[nodiscard]] Expected<void> check_rate_gate(std::string_view method);
  void close_rate_gate(std::string_view method, std::chrono::seconds retry_after);
  void wait_for_channel_slot(std::string_view channel);

  ClientOptions options_;
  const Clock& clock_;
  Expected<Target> api_;  ///< parsed api_base (error kept and returned by every call)

  std::mutex mutex_;
  std::map<std::string, std::chrono::steady_clock::time_point, std::less<>> next_slot_;
  std::map<std::string, TimePoint, std::less<>> blocked_until_;
};

/// Splits an absolute http(s) URL into origin ("scheme://host:port") and path (+query).
/// kInvalidInput for anything else. Exposed for tests.
struct UrlParts {
  std::string scheme, host;
  int port = 0;
  std::string path;  ///< starts with "/"; includes "?query" when present; no fragment
};
[[nodiscard]] Expected<UrlParts> split_url(std::string_view url);

}  // namespace steward::slack
