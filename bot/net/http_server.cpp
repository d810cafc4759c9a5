#include "bot/net/http_server.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>
#include <charconv>
#include <exception>

#include "bot/core/printable.hpp"
#include "bot/core/thread_name.hpp"
#include "bot/net/server_core.hpp"

namespace steward::net {
namespace asio = boost::asio;
namespace beast = boost::beast;

namespace detail {
namespace {

[[nodiscard]] Expected<tcp::endpoint> parse_listen(std::string_view listen) {
  std::string_view host;
  std::string_view port;
  if (!listen.empty() && listen.front() == '[') {
    const auto close = listen.find(']');
    if (close == std::string_view::npos || close + 1 >= listen.size() || listen[close + 1] != ':') {
      return fail(Errc::kInvalidInput, "listen: expected [ipv6]:port");
    }
    host = listen.substr(1, close - 1);
    port = listen.substr(close + 2);
  } else {
    const auto colon = listen.rfind(':');
    if (colon == std::string_view::npos)
      return fail(Errc::kInvalidInput, "listen: expected host:port");
    host = listen.substr(0, colon);
    port = listen.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return fail(Errc::kInvalidInput, "listen: IPv6 addresses need brackets");
    }
  }
  unsigned value = 0;
  const auto [end, err] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || port.size() > 5 || err != std::errc() || end != port.data() + port.size() ||
      value > 65535) {
    return fail(Errc::kInvalidInput, "listen: bad port");
  }
  if (host == "localhost") host = "127.0.0.1";
  beast::error_code ec;
  const auto address = asio::ip::make_address(std::string(host), ec);
  if (ec) return fail(Errc::kInvalidInput, "listen: bad IP address");
  return tcp::endpoint(address, static_cast<unsigned short>(value));
}

}  // namespace

void ServerCore::do_accept() {
  acceptor.async_accept(
      asio::make_strand(ioc),
      asio::bind_executor(accept_strand, [this](beast::error_code ec, tcp::socket socket) {
        on_accept(ec, std::move(socket));
      }));
}

void ServerCore::on_accept(beast::error_code ec, tcp::socket socket) {
  if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
  if (ec) {
    // EMFILE and friends: back off briefly instead of spinning.
    spdlog::warn("http accept failed: {}", ec.message());
    accept_retry.expires_after(std::chrono::milliseconds(100));
    accept_retry.async_wait([this](beast::error_code wec) {
      if (!wec && acceptor.is_open()) do_accept();
    });
    return;
  }
  if (stopping.load()) return;
  if (!open_session(*this, std::move(socket)))
    spdlog::debug("http connection limit ({}) reached; closing new connection",
                  options.max_connections);
  do_accept();
}

std::vector<std::shared_ptr<Session>> ServerCore::snapshot() {
  std::vector<std::shared_ptr<Session>> out;
  std::lock_guard lock(mu);
  out.reserve(sessions.size());
  for (auto& [id, weak] : sessions) {
    if (auto s = weak.lock()) out.push_back(std::move(s));
  }
  return out;
}

}  // namespace detail

HttpServer::HttpServer(ServerOptions options, const Router& router, const Clock& clock)
    : core_(std::make_shared<detail::ServerCore>(std::move(options), router, clock)) {}

HttpServer::~HttpServer() { stop(); }

unsigned short HttpServer::port() const { return core_->port.load(); }

void HttpServer::set_observer(RequestObserver observer) {
  std::lock_guard lock(lifecycle_mu_);
  if (state_ == State::kNew) core_->observer = std::move(observer);
}

Expected<void> HttpServer::start() {
  std::lock_guard lock(lifecycle_mu_);
  if (state_ != State::kNew) return fail(Errc::kConflict, "http server already started");
  auto& c = *core_;
  if (c.options.threads == 0) return fail(Errc::kInvalidInput, "threads must be at least 1");
  auto endpoint = detail::parse_listen(c.options.listen);
  if (!endpoint) return Unexpected(endpoint.error());

  beast::error_code ec;
  const auto failed = [&](std::string_view what) {
    const std::string reason = ec.message();
    beast::error_code ignored;
    c.acceptor.close(ignored);
    return fail(Errc::kUnavailable, std::string(what) + " " + c.options.listen + ": " + reason);
  };
  c.acceptor.open(endpoint->protocol(), ec);
  if (ec) return failed("open");
  c.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (ec) return failed("setsockopt");
  c.acceptor.bind(*endpoint, ec);
  if (ec) return failed("bind");
  c.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return failed("listen");
  const auto local = c.acceptor.local_endpoint(ec);
  if (ec) return failed("getsockname");
  c.port.store(local.port());

  c.work.emplace(c.ioc.get_executor());
  asio::post(c.accept_strand, [&c] { c.do_accept(); });
  try {
    for (std::size_t i = 0; i < c.options.threads; ++i) {
      c.threads.emplace_back([&c] {
        name_this_thread("st-http");
        for (;;) {
          try {
            c.ioc.run();
            return;
          } catch (const std::exception& e) {
            spdlog::error("http I/O thread: unexpected exception: {}", printable(e.what(), 500));
          } catch (...) {
            spdlog::error("http I/O thread: unexpected exception");
          }
        }
      });
    }
  } catch (const std::system_error& e) {
    state_ = State::kRunning;
    stop_locked(std::chrono::milliseconds(0));
    return fail(Errc::kUnavailable, std::string("cannot start I/O threads: ") + e.what());
  }
  state_ = State::kRunning;
  return {};
}

void HttpServer::stop(std::chrono::milliseconds grace) {
  std::lock_guard lock(lifecycle_mu_);
  stop_locked(grace);
}

void HttpServer::stop_locked(std::chrono::milliseconds grace) {
  if (state_ != State::kRunning) return;
  auto& c = *core_;
  c.stopping.store(true);
  asio::post(c.accept_strand, [&c] {
    beast::error_code ec;
    c.acceptor.close(ec);
    c.accept_retry.cancel();
  });
  for (auto& session : c.snapshot()) detail::notify_stop(session);
  {
    std::unique_lock wait_lock(c.mu);
    c.cv.wait_for(wait_lock, grace, [&c] { return c.sessions.empty(); });
  }
  c.work.reset();
  c.ioc.stop();
  for (auto& t : c.threads) {
    if (t.joinable()) t.join();
  }
  c.threads.clear();
  // No I/O thread runs now, so touching the I/O objects from here is safe.
  beast::error_code ec;
  c.acceptor.close(ec);
  for (auto& session : c.snapshot()) detail::force_close(*session);
  state_ = State::kStopped;
}

}  // namespace steward::net
