#pragma once
// The one inbound HTTP/1.1 server (Boost.Beast, kept out of this header: Beast TUs compile
// slowly, so everything Beast/Asio lives in http_server.cpp).

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "bot/core/clock.hpp"
#include "bot/core/expected.hpp"
#include "bot/net/http_types.hpp"
#include "bot/net/router.hpp"

namespace steward::net {

namespace detail {
class ServerCore;  // http_server.cpp
}  // namespace detail

struct ServerOptions {
  std::string listen = "127.0.0.1:8080";     ///< "ip:port" or "[ipv6]:port" or "localhost:port";
                                             ///< port 0 = the OS picks (see HttpServer::port())
  std::size_t threads = 2;                   ///< I/O threads
  std::size_t default_body_limit = 1 << 20;  ///< for routes without their own body_limit
  std::size_t header_limit = 16 * 1024;      ///< request line + header fields, bytes
  std::chrono::milliseconds header_timeout{
      10000};  ///< whole header must arrive within this (slow-loris)
  std::chrono::milliseconds body_timeout{30000};  ///< whole body must arrive within this
  std::chrono::milliseconds idle_timeout{
      60000};                           ///< keep-alive idle before the next request starts
  std::size_t max_connections = 10000;  ///< further connections are accepted and closed
  std::chrono::milliseconds write_timeout{30000};  ///< writing one response
};

/// Observer called after each response: route label ("unmatched" for anything that matched no
/// route: 404, 405, malformed requests, 431), status, duration from the end of the request header
/// to the end of the response write. Called on an I/O thread: must be fast, thread-safe, and must
/// not throw.
using RequestObserver =
    std::function<void(std::string_view route, int status, std::chrono::microseconds)>;

/// HTTP/1.1 server: keep-alive, a strand per connection, per-route body limits, header/body/idle
/// timeouts, graceful stop.
///
/// Requests the router cannot place are answered here: 404 (unknown path), 405 with `Allow`
/// (known path, wrong method), 400 (malformed HTTP, closes), 431 (header over header_limit,
/// closes), 413 (body over the route limit, closes). A header, body or idle timeout closes the
/// connection without a response. All those bodies are error_response() JSON. Every response
/// carries Content-Length (except 204/304), Content-Type and `Server: steward`.
///
/// Handlers run on an I/O thread and must not block; they may call `respond` later from any
/// thread. If every copy of `respond` is destroyed without a call, the client gets a 500; a second
/// call is ignored. A handler that throws gets a 500.
///
/// @par Lifetime: `router` and `clock` must outlive the server. A Respond kept past stop() is
/// harmless (its call is dropped).
/// @par Thread safety: start(), stop() and the destructor are serialised internally but must not
/// be called from inside a handler (stop() joins the I/O threads).
class HttpServer {
 public:
  HttpServer(ServerOptions options, const Router& router, const Clock& clock);
  ~HttpServer();  ///< stops if running
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Binds, listens and starts `threads` I/O threads. Blocks only for the bind.
  /// Errors: kInvalidInput for a bad listen string or threads == 0; kUnavailable with the OS
  /// reason when open/bind/listen fails; kConflict when already started or stopped.
  [[nodiscard]] Expected<void> start();

  /// The bound port (after a successful start(); 0 before).
  [[nodiscard]] unsigned short port() const;

  /// Sets the metrics observer. Call before start().
  void set_observer(RequestObserver observer);

  /// Graceful stop: stops accepting, closes idle keep-alive connections, lets in-flight requests
  /// finish (up to `grace`, then closes them), joins the I/O threads. Idempotent. Blocks up to
  /// `grace` plus a little.
  void stop(std::chrono::milliseconds grace = std::chrono::seconds(5));

 private:
  void stop_locked(std::chrono::milliseconds grace);  // lifecycle_mu_ held

  enum class State { kNew, kRunning, kStopped };
  std::mutex lifecycle_mu_;
  State state_ = State::kNew;
  std::shared_ptr<detail::ServerCore> core_;
};

}  // namespace steward::net
