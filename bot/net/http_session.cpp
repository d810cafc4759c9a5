#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <cctype>
#include <exception>
#include <optional>
#include <utility>

#include "bot/net/server_core.hpp"

// One HTTP/1.1 connection: read a request within the limits of its route, hand it to the
// handler, write the answer, keep alive or drain and close.

namespace steward::net::detail {
namespace bhttp = beast::http;

namespace {

constexpr std::string_view kUnmatched = "unmatched";
// Bytes read and thrown away after an early error response so the close is a FIN, not a RST
// that could destroy the response before the client reads it.
constexpr std::size_t kMaxDrain = 4 << 20;
constexpr std::chrono::seconds kDrainTimeout{1};

bool is_token_char(unsigned char c) {
  if (std::isalnum(c)) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~': return true;
    default: return false;
  }
}

bool valid_header_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return is_token_char(static_cast<unsigned char>(c));
  });
}

bool valid_header_value(std::string_view value) {
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

/// Converts our response into Beast's; `status_out` receives the status actually sent.
bhttp::response<bhttp::string_body> to_beast(HttpResponse in, unsigned version, bool keep_alive,
                                             int& status_out) {
  if (in.status < 200 || in.status > 599) {
    in = error_response(Error{Errc::kInternal, "handler returned an invalid status", {}});
  }
  bhttp::response<bhttp::string_body> res;
  res.version(version);
  res.result(static_cast<unsigned>(in.status));
  res.set(bhttp::field::server, "steward");
  // RFC 9110: 204 and 304 carry no content.
  const bool no_content = in.status == 204 || in.status == 304;
  if (!no_content) {
    res.set(bhttp::field::content_type,
            valid_header_value(in.content_type) && !in.content_type.empty()
                ? std::string_view(in.content_type)
                : std::string_view("application/octet-stream"));
  }
  for (const auto& [name, value] : in.headers) {
    if (!valid_header_name(name) || !valid_header_value(value)) continue;
    const std::string key = lower(name);
    // Framing headers belong to the server.
    if (key == "content-length" || key == "transfer-encoding" || key == "connection") continue;
    if (key == "content-type" || key == "server") {
      if (!no_content || key == "server") res.set(name, value);
      continue;
    }
    res.insert(name, value);
  }
  if (!no_content) {
    res.body() = std::move(in.body);
    res.content_length(res.body().size());
  }
  res.keep_alive(keep_alive);
  status_out = in.status;
  return res;
}

std::string format_remote(const tcp::socket& socket) {
  beast::error_code ec;
  const auto ep = socket.remote_endpoint(ec);
  if (ec) return "unknown";
  const auto address = ep.address();
  const std::string port = std::to_string(ep.port());
  return address.is_v6() ? "[" + address.to_string() + "]:" + port
                         : address.to_string() + ":" + port;
}

}  // namespace

/// One connection. All members are touched only on the connection's strand, except
/// force_close() (called when no I/O thread runs) and executor() (immutable).
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(ServerCore& core, tcp::socket socket, std::uint64_t id)
      : core_(core),
        id_(id),
        executor_(socket.get_executor()),
        remote_(format_remote(socket)),
        stream_(std::move(socket)) {
    beast::error_code ec;
    stream_.socket().set_option(tcp::no_delay(true), ec);
  }

  ~Session() {
    std::lock_guard lock(core_.mu);
    core_.sessions.erase(id_);
    if (core_.sessions.empty()) core_.cv.notify_all();
  }

  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  [[nodiscard]] const asio::any_io_executor& executor() const { return executor_; }

  void start() {
    asio::dispatch(executor_, [self = shared_from_this()] { self->read_header(); });
  }

  /// Server is stopping: connections not in the middle of a request are closed now; the others
  /// close after their response.
  void on_server_stop() {
    if (phase_ == Phase::kIdle || phase_ == Phase::kHeader) close();
  }

  /// Only when no I/O thread runs any more.
  void force_close() {
    phase_ = Phase::kClosed;
    stream_.close();
  }

  /// The handler's answer, on the strand.
  void complete(HttpResponse response) {
    if (phase_ != Phase::kHandling) return;
    send(std::move(response), false);
  }

 private:
  enum class Phase { kIdle, kHeader, kBody, kHandling, kWriting, kDraining, kClosed };

  void wait_for_request() {
    if (core_.stopping.load()) return close();
    if (buffer_.size() > 0) return read_header();  // pipelined bytes already here
    phase_ = Phase::kIdle;
    stream_.expires_after(core_.options.idle_timeout);
    stream_.async_read_some(buffer_.prepare(4096),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->on_idle_read(ec, n);
                            });
  }

  void on_idle_read(beast::error_code ec, std::size_t n) {
    if (phase_ == Phase::kClosed) return;
    if (ec || n == 0) return close();
    buffer_.commit(n);
    if (core_.stopping.load()) return close();
    read_header();
  }

  void read_header() {
    if (core_.stopping.load()) return close();
    phase_ = Phase::kHeader;
    parser_.emplace();
    match_.reset();
    route_label_ = std::string(kUnmatched);
    unread_body_ = false;
    parser_->header_limit(
        static_cast<std::uint32_t>(std::min<std::size_t>(core_.options.header_limit, UINT32_MAX)));
    // The route's limit is applied once the header is known; Beast would otherwise reject a
    // Content-Length above its 1 MB default before we can look at the route.
    parser_->body_limit(boost::none);
    stream_.expires_after(core_.options.header_timeout);
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
  }

  void on_header(beast::error_code ec) {
    if (phase_ == Phase::kClosed) return;
    started_ = std::chrono::steady_clock::now();
    if (ec) {
      // A timeout has already closed the socket (tcp_stream does that), so no 408 is possible.
      if (ec == beast::error::timeout) return close();
      if (ec == bhttp::error::header_limit) {
        return send_error(Errc::kTooLarge, 431, "request header too large");
      }
      if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
          ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
        return send_error(Errc::kInvalidInput, 400, "malformed request: " + ec.message());
      }
      return close();  // eof, reset, aborted by stop()
    }

    const auto& msg = parser_->get();
    // RFC 9112 §6.3: when the final transfer coding is not chunked the body's end is unknown;
    // serving it would let its bytes be read as the next request (smuggling). 400 and close.
    if (msg.find(bhttp::field::transfer_encoding) != msg.end() && !parser_->chunked()) {
      return send_error(Errc::kInvalidInput, 400, "unsupported Transfer-Encoding");
    }
    version_ = msg.version();
    request_keep_alive_ = msg.keep_alive();
    const std::string_view target(msg.target().data(), msg.target().size());
    const std::string_view path = target.substr(0, target.find('?'));
    const std::string_view method(msg.method_string().data(), msg.method_string().size());

    auto match = core_.router->match(method, path);
    if (!match) {
      if (match.error().code == Errc::kNotFound) {
        return send_error(Errc::kNotFound, 404, "no route");
      }
      HttpResponse res = error_response(Error{Errc::kInvalidInput, "method not allowed", {}});
      res.status = 405;
      std::string allow;
      for (const auto& m : core_.router->allowed_methods(path)) {
        if (!allow.empty()) allow += ", ";
        allow += m;
      }
      res.headers.emplace_back("Allow", std::move(allow));
      return send_early(std::move(res));
    }
    match_ = std::move(*match);
    route_label_ = match_->route;

    const std::size_t limit = match_->body_limit.value_or(core_.options.default_body_limit);
    if (const auto length = parser_->content_length(); length && *length > limit) {
      return send_error(Errc::kTooLarge, 413,
                        "request body exceeds " + std::to_string(limit) + " bytes");
    }
    parser_->body_limit(static_cast<std::uint64_t>(limit));
    if (parser_->is_done()) return dispatch();

    if (version_ >= 11 && beast::iequals(msg[bhttp::field::expect], "100-continue")) {
      continue_ = bhttp::response<bhttp::empty_body>(bhttp::status::continue_, version_);
      stream_.expires_after(core_.options.write_timeout);
      return bhttp::async_write(stream_, continue_,
                                [self = shared_from_this()](beast::error_code wec, std::size_t) {
                                  if (self->phase_ == Phase::kClosed) return;
                                  if (wec) return self->close();
                                  self->read_body();
                                });
    }
    read_body();
  }

  void read_body() {
    phase_ = Phase::kBody;
    stream_.expires_after(core_.options.body_timeout);
    bhttp::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_body(ec); });
  }

  void on_body(beast::error_code ec) {
    if (phase_ == Phase::kClosed) return;
    if (ec) {
      if (ec == bhttp::error::body_limit) {
        const std::size_t limit = match_->body_limit.value_or(core_.options.default_body_limit);
        return send_error(Errc::kTooLarge, 413,
                          "request body exceeds " + std::to_string(limit) + " bytes");
      }
      if (ec == beast::error::timeout) return close();
      if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
          ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
        return send_error(Errc::kInvalidInput, 400, "malformed request body: " + ec.message());
      }
      return close();
    }
    dispatch();
  }

  void dispatch();

  void send_error(Errc code, int status, std::string message) {
    HttpResponse res = error_response(Error{code, std::move(message), {}});
    res.status = status;
    send_early(std::move(res));
  }

  /// A response sent by the server itself before/instead of the handler. The connection stays
  /// open only if the request was read completely and the request was well-formed.
  void send_early(HttpResponse res) {
    const bool complete = parser_ && parser_->is_done();
    unread_body_ = !complete;
    const bool malformed = res.status == 400 || res.status == 413 || res.status == 431;
    send(std::move(res), !complete || malformed);
  }

  void send(HttpResponse res, bool close_after) {
    phase_ = Phase::kWriting;
    const bool keep = request_keep_alive_ && !close_after && !core_.stopping.load();
    response_ = std::make_shared<bhttp::response<bhttp::string_body>>(
        to_beast(std::move(res), version_, keep, status_));
    stream_.expires_after(core_.options.write_timeout);
    bhttp::async_write(stream_, *response_,
                       [self = shared_from_this(), keep](beast::error_code ec, std::size_t) {
                         self->on_write(ec, keep);
                       });
  }

  void on_write(beast::error_code ec, bool keep) {
    response_.reset();
    if (core_.observer) {
      const auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(
          std::chrono::steady_clock::now() - started_);
      try {
        core_.observer(route_label_, status_, elapsed);
      } catch (...) {
        // A metrics bug must not take the connection (or the I/O thread) down.
      }
    }
    if (phase_ == Phase::kClosed) return;
    if (ec) return close();
    if (!keep) return unread_body_ ? drain_and_close() : close();
    wait_for_request();
  }

  /// Half-closes and reads what the client is still sending (bounded), then closes.
  void drain_and_close() {
    phase_ = Phase::kDraining;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    buffer_.consume(buffer_.size());
    drained_ = 0;
    stream_.expires_after(kDrainTimeout);
    drain_some();
  }

  void drain_some() {
    stream_.async_read_some(buffer_.prepare(16 * 1024),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              if (self->phase_ == Phase::kClosed) return;
                              self->drained_ += n;
                              if (ec || self->drained_ > kMaxDrain) return self->close();
                              self->drain_some();
                            });
  }

  void close() {
    if (phase_ == Phase::kClosed) return;
    phase_ = Phase::kClosed;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
  }

  ServerCore& core_;
  const std::uint64_t id_;
  const asio::any_io_executor executor_;
  const std::string remote_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::optional<Router::Match> match_;
  Phase phase_ = Phase::kHeader;
  bool request_keep_alive_ = false;
  bool unread_body_ = false;
  unsigned version_ = 11;
  int status_ = 0;
  std::string route_label_{kUnmatched};
  std::chrono::steady_clock::time_point started_{};
  std::shared_ptr<bhttp::response<bhttp::string_body>> response_;  // alive during async_write
  bhttp::response<bhttp::empty_body> continue_;
  std::size_t drained_ = 0;
};

namespace {

/// Shared by all copies of one request's Respond. Holds the core so the io_context outlives a
/// Respond kept past stop(); the session so the connection waits for the answer.
class Responder {
 public:
  Responder(std::shared_ptr<ServerCore> core, std::shared_ptr<Session> session)
      : core_(std::move(core)), session_(std::move(session)) {}
  ~Responder() {
    if (!done_.exchange(true)) {
      deliver(error_response(Error{Errc::kInternal, "handler did not respond", {}}));
    }
  }
  Responder(const Responder&) = delete;
  Responder& operator=(const Responder&) = delete;

  void respond(HttpResponse response) {
    if (done_.exchange(true)) return;  // a second answer is ignored
    deliver(std::move(response));
  }

 private:
  void deliver(HttpResponse response) {
    asio::post(session_->executor(),
               [session = session_, response = std::move(response)]() mutable {
                 session->complete(std::move(response));
               });
  }

  std::shared_ptr<ServerCore> core_;  // declared first: released last
  std::shared_ptr<Session> session_;
  std::atomic<bool> done_{false};
};

}  // namespace

void Session::dispatch() {
  phase_ = Phase::kHandling;
  auto& msg = parser_->get();
  HttpRequest req;
  req.method = std::string(msg.method_string());
  req.target = std::string(msg.target());
  const auto q = req.target.find('?');
  req.path = req.target.substr(0, q);
  if (q != std::string::npos) req.query = req.target.substr(q + 1);
  for (const auto& field : msg) {
    req.headers[lower(field.name_string())] = std::string(field.value());
  }
  req.params = match_->params;
  req.body = std::move(msg.body());
  req.remote = remote_;
  req.received_at = core_.clock->now();

  Respond respond = [responder =
                         std::make_shared<Responder>(core_.shared_from_this(), shared_from_this())](
                        HttpResponse response) { responder->respond(std::move(response)); };
  try {
    (*match_->handler)(std::move(req), std::move(respond));
  } catch (const std::exception&) {
    // The Respond copy inside the handler is gone now; unless it answered, the client gets 500.
    spdlog::warn("http handler for route {} threw", route_label_);
  } catch (...) {
    spdlog::warn("http handler for route {} threw", route_label_);
  }
}

std::shared_ptr<Session> open_session(ServerCore& core, tcp::socket socket) {
  std::shared_ptr<Session> session;
  {
    std::lock_guard lock(core.mu);
    if (core.sessions.size() >= core.options.max_connections) return nullptr;
    const auto id = core.next_id++;
    session = std::make_shared<Session>(core, std::move(socket), id);
    core.sessions.emplace(id, session);
  }
  session->start();
  return session;
}

void notify_stop(const std::shared_ptr<Session>& session) {
  asio::post(session->executor(), [session] { session->on_server_stop(); });
}

void force_close(Session& session) { session.force_close(); }

}  // namespace steward::net::detail
