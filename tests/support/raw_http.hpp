#pragma once
// The one raw-socket HTTP helper, for what a real client library will not send: malformed,
// truncated, half-closed and slow requests, and for reading exactly what came back (nothing,
// a reset, an orderly close). Everything well-formed goes through cpp-httplib (http.hpp).

#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace steward::testing {

/// What came back on one connection.
struct Reply {
  bool connected = true;
  bool responded = false;  ///< a complete status line + header (and body) arrived
  bool closed = false;     ///< the server closed (EOF or reset) before/after the response
  bool timed_out = false;  ///< nothing more arrived within the read timeout
  int recv_errno = 0;      ///< errno of the read that failed (ECONNRESET), 0 for EOF
  std::size_t raw_bytes = 0;
  std::string raw;  ///< every byte received
  int status = 0;
  std::map<std::string, std::string> headers;  ///< lower-case names
  std::string body;

  [[nodiscard]] std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

using Headers = std::vector<std::pair<std::string, std::string>>;

/// A connected TCP socket to 127.0.0.1:port (close it yourself), or -1.
[[nodiscard]] int connect_loopback(int port);

/// Sends everything it can; false once the peer refuses more (EPIPE/ECONNRESET: never SIGPIPE).
bool send_all(int fd, std::string_view data);

/// Reads one response from `fd` until it is complete, the peer closes, or `timeout` passes.
[[nodiscard]] Reply read_reply(int fd, std::chrono::milliseconds timeout);

/// One connection: send `bytes`, optionally half-close, read one response.
[[nodiscard]] Reply raw_exchange(int port, std::string_view bytes, bool half_close = false,
                                 std::chrono::milliseconds timeout = std::chrono::seconds(8));

/// A syntactically valid HTTP/1.1 request (Content-Length framing, Connection: close); headers
/// and target are copied byte for byte.
[[nodiscard]] std::string build_request(const std::string& method, const std::string& target,
                                        const Headers& headers, const std::string& body);

/// A loopback port that was free a moment ago (bound to port 0, read back, released): for a
/// server that must keep its port across restarts, or for a relay that refuses connections.
[[nodiscard]] int unused_port();

}  // namespace steward::testing
