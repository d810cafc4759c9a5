#pragma once
// The one raw-socket HTTP helper, for what a real client library will not send: malformed,
// truncated, half-closed and slow requests, and for reading exactly what came back (nothing,
// a reset, an orderly close). Everything well-formed goes through cpp-httplib (http.hpp).

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
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

/// One connection kept open: exact bytes out, responses read one at a time (pipelined and
/// keep-alive answers stay buffered for the next read). @par Thread safety: one thread.
class RawConnection {
 public:
  /// Connects to 127.0.0.1:port; connected() says whether it worked.
  explicit RawConnection(int port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  [[nodiscard]] bool connected() const { return fd_ >= 0; }
  [[nodiscard]] int fd() const { return fd_; }
  [[nodiscard]] unsigned short local_port() const;
  /// Sends all of `data`; false once the peer refuses more.
  bool send(std::string_view data);
  /// Half-close: no more bytes from us.
  void shutdown_write();
  /// The next response: complete, or what came before the peer closed or `timeout` passed.
  [[nodiscard]] Reply read_reply(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  /// The next complete response, or nullopt (closed or timed out first).
  [[nodiscard]] std::optional<Reply> read_response(
      std::chrono::milliseconds timeout = std::chrono::seconds(5));
  /// True when the server closes (EOF or reset) within `within`; bytes meanwhile are discarded.
  [[nodiscard]] bool closed_within(std::chrono::milliseconds within);

 private:
  int fd_ = -1;
  std::string buf_;
};

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
