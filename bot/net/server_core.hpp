#pragma once
// Internal to bot/net: what the HTTP server's I/O threads share (ServerCore) and what the
// server does to a connection. The connection itself (Session) lives in http_session.cpp, the
// listener and the server's lifecycle in http_server.cpp.

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/error.hpp>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "bot/net/http_server.hpp"
#include "bot/net/router.hpp"

namespace steward::net::detail {
namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

class Session;

/// Everything the I/O threads share. Member order matters: the bookkeeping is declared before
/// `ioc` so sessions destroyed while the io_context is torn down can still unregister; I/O
/// objects are declared after it so they die first.
class ServerCore : public std::enable_shared_from_this<ServerCore> {
 public:
  ServerCore(ServerOptions opts, const Router& r, const Clock& c)
      : options(std::move(opts)),
        router(&r),
        clock(&c),
        accept_strand(asio::make_strand(ioc)),
        acceptor(accept_strand),
        accept_retry(accept_strand) {}

  void do_accept();
  void on_accept(beast::error_code ec, tcp::socket socket);
  std::vector<std::shared_ptr<Session>> snapshot();

  ServerOptions options;
  const Router* router;
  const Clock* clock;
  RequestObserver observer;
  std::atomic<bool> stopping{false};
  std::atomic<unsigned short> port{0};

  std::mutex mu;
  std::condition_variable cv;  // signalled when sessions empties
  std::unordered_map<std::uint64_t, std::weak_ptr<Session>> sessions;  // guarded by mu
  std::uint64_t next_id = 0;                                           // guarded by mu

  asio::io_context ioc;
  asio::strand<asio::io_context::executor_type> accept_strand;
  tcp::acceptor acceptor;
  asio::steady_timer accept_retry;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::vector<std::thread> threads;
};

/// Creates, registers and starts the session for an accepted socket; nullptr (the socket is
/// closed) when options.max_connections sessions are open. Called on the accept strand.
std::shared_ptr<Session> open_session(ServerCore& core, tcp::socket socket);
/// The server is stopping: the session closes now if idle, else after its response.
/// Thread-safe (posts onto the session's strand).
void notify_stop(const std::shared_ptr<Session>& session);
/// Closes the connection at once. Only when no I/O thread runs any more.
void force_close(Session& session);

}  // namespace steward::net::detail
