#include "bot/net/http_server.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "bot/core/json.hpp"
#include "tests/support/manual_clock.hpp"
#include "tests/support/raw_http.hpp"

namespace steward::net {
namespace {

using namespace std::chrono_literals;

/// Exact bytes and malformed input on a plain socket: the one raw helper of the tests.
using RawClient = steward::testing::RawConnection;

std::string json_error_name(const std::string& body) {
  auto obj = json::parse_object(body);
  if (!obj) return "<not json>";
  const auto* ok = obj->if_contains("ok");
  if (ok == nullptr || !ok->is_bool() || ok->as_bool()) return "<ok not false>";
  return json::string_or(*obj, "error");
}

class HttpServerTest : public ::testing::Test {
 protected:
  static ServerOptions fast_options() {
    ServerOptions o;
    o.listen = "127.0.0.1:0";
    o.threads = 2;
    o.header_timeout = 1s;
    o.body_timeout = 2s;
    o.idle_timeout = 5s;
    o.write_timeout = 5s;
    return o;
  }

  void start(ServerOptions options = fast_options()) {
    server_ = std::make_unique<HttpServer>(std::move(options), router_, clock_);
    server_->set_observer([this](std::string_view route, int status, std::chrono::microseconds) {
      std::lock_guard lock(mu_);
      observed_.emplace_back(std::string(route), status);
    });
    auto started = server_->start();
    ASSERT_TRUE(started.has_value()) << started.error().message;
    port_ = server_->port();
    ASSERT_NE(port_, 0);
  }

  void TearDown() override {
    server_.reset();
    std::vector<std::thread> workers;
    {
      std::lock_guard lock(mu_);
      workers.swap(workers_);
    }
    for (auto& t : workers) t.join();
  }

  /// Runs `f` on a thread the test joins at teardown (stands in for the worker pool).
  void spawn(std::function<void()> f) {
    std::lock_guard lock(mu_);
    workers_.emplace_back(std::move(f));
  }

  /// Observations once at least `n` arrived (the observer runs after the write completes, so it
  /// may trail the client by a moment).
  std::vector<std::pair<std::string, int>> observed_at_least(std::size_t n) {
    const auto deadline = std::chrono::steady_clock::now() + 3s;
    while (std::chrono::steady_clock::now() < deadline) {
      {
        std::lock_guard lock(mu_);
        if (observed_.size() >= n) return observed_;
      }
      std::this_thread::sleep_for(5ms);
    }
    std::lock_guard lock(mu_);
    return observed_;
  }

  httplib::Client client() {
    httplib::Client c("127.0.0.1", port_);
    c.set_connection_timeout(2, 0);
    c.set_read_timeout(5, 0);
    c.set_write_timeout(5, 0);
    return c;
  }

  Router router_;
  ManualClock clock_{from_unix_ms(1'700'000'123'456)};
  std::unique_ptr<HttpServer> server_;
  unsigned short port_ = 0;
  std::mutex mu_;
  std::vector<std::pair<std::string, int>> observed_;  // guarded by mu_
  std::vector<std::thread> workers_;                   // guarded by mu_
};

TEST_F(HttpServerTest, RoutesWithParamsAndFillsRequest) {
  std::mutex seen_mu;
  std::optional<HttpRequest> seen;
  router_.add(
      "POST", "/hooks/forms/{name}",
      [&](HttpRequest&& req, Respond respond) {
        respond(HttpResponse::json(200, "{\"form\":\"" + std::string(req.param("name")) + "\"}"));
        std::lock_guard lock(seen_mu);
        seen = std::move(req);
      },
      std::nullopt, "forms");
  start();

  auto cli = client();
  httplib::Headers headers = {{"X-Custom-Thing", "Value One"}};
  auto res = cli.Post("/hooks/forms/website?a=1&b=two", headers, "{\"x\":1}", "application/json");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "{\"form\":\"website\"}");
  EXPECT_EQ(res->get_header_value("Server"), "steward");
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(res->get_header_value("Content-Length"), std::to_string(res->body.size()));

  std::lock_guard lock(seen_mu);
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(seen->method, "POST");
  EXPECT_EQ(seen->target, "/hooks/forms/website?a=1&b=two");
  EXPECT_EQ(seen->path, "/hooks/forms/website");
  EXPECT_EQ(seen->query, "a=1&b=two");
  EXPECT_EQ(seen->param("name"), "website");
  EXPECT_EQ(seen->header("x-custom-thing"), "Value One");
  EXPECT_EQ(seen->header("content-type"), "application/json");
  EXPECT_EQ(seen->headers.count("X-Custom-Thing"), 0u);
  EXPECT_EQ(seen->body, "{\"x\":1}");
  EXPECT_EQ(seen->remote.rfind("127.0.0.1:", 0), 0u) << seen->remote;
  EXPECT_EQ(seen->received_at, clock_.now());

  const auto obs = observed_at_least(1);
  ASSERT_EQ(obs.size(), 1u);
  EXPECT_EQ(obs[0], (std::pair<std::string, int>{"forms", 200}));
}

TEST_F(HttpServerTest, UnknownPathIs404Json) {
  router_.add("GET", "/healthz",
              [](HttpRequest&&, Respond r) { r(HttpResponse::text(200, "ok")); });
  start();
  auto cli = client();
  auto res = cli.Get("/nope");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  EXPECT_EQ(json_error_name(res->body), "not_found");
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(res->get_header_value("Server"), "steward");
  const auto obs = observed_at_least(1);
  ASSERT_EQ(obs.size(), 1u);
  EXPECT_EQ(obs[0], (std::pair<std::string, int>{"unmatched", 404}));
}

TEST_F(HttpServerTest, WrongMethodIs405WithAllow) {
  router_.add("POST", "/slack/events", [](HttpRequest&&, Respond r) { r(HttpResponse{}); });
  router_.add("PUT", "/slack/events", [](HttpRequest&&, Respond r) { r(HttpResponse{}); });
  start();
  auto cli = client();
  auto res = cli.Get("/slack/events");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 405);
  EXPECT_EQ(res->get_header_value("Allow"), "POST, PUT");
  EXPECT_EQ(json_error_name(res->body), "invalid_input");
}

TEST_F(HttpServerTest, RawBodyIsPreservedByteExactly) {
  std::mutex seen_mu;
  std::string seen_body;
  router_.add("POST", "/echo", [&](HttpRequest&& req, Respond respond) {
    {
      std::lock_guard lock(seen_mu);
      seen_body = req.body;
    }
    HttpResponse res{200, "application/octet-stream", std::move(req.body), {}};
    respond(std::move(res));
  });
  start();
  std::string body = "line1\r\nline2\n\r\n";
  body.push_back('\0');
  body += "\xff\xfe\x80 caf\xc3\xa9 \xc3";  // invalid UTF-8 on purpose, truncated sequence last
  body += std::string(3000, '\x01');

  auto cli = client();
  auto res = cli.Post("/echo", body, "application/x-www-form-urlencoded");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, body);
  std::lock_guard lock(seen_mu);
  EXPECT_EQ(seen_body, body);
}

TEST_F(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  std::mutex seen_mu;
  std::vector<std::string> remotes;
  router_.add("POST", "/count/{n}", [&](HttpRequest&& req, Respond respond) {
    {
      std::lock_guard lock(seen_mu);
      remotes.push_back(req.remote);
    }
    respond(HttpResponse::text(200, "n=" + std::string(req.param("n")) + " body=" + req.body));
  });
  start();
  RawClient raw(port_);
  ASSERT_TRUE(raw.connected());
  for (int i = 0; i < 3; ++i) {
    const std::string body = "b" + std::to_string(i);
    ASSERT_TRUE(raw.send("POST /count/" + std::to_string(i) +
                         " HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) +
                         "\r\n\r\n" + body));
    auto res = raw.read_response();
    ASSERT_TRUE(res.has_value()) << i;
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->body, "n=" + std::to_string(i) + " body=" + body);
    EXPECT_EQ(res->header("server"), "steward");
    EXPECT_EQ(res->header("content-type"), "text/plain; charset=utf-8");
  }
  // Two pipelined requests in one write.
  ASSERT_TRUE(
      raw.send("POST /count/7 HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nA"
               "POST /count/8 HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nB"));
  auto r7 = raw.read_response();
  auto r8 = raw.read_response();
  ASSERT_TRUE(r7 && r8);
  EXPECT_EQ(r7->body, "n=7 body=A");
  EXPECT_EQ(r8->body, "n=8 body=B");

  std::lock_guard lock(seen_mu);
  ASSERT_EQ(remotes.size(), 5u);
  for (const auto& r : remotes) EXPECT_EQ(r, "127.0.0.1:" + std::to_string(raw.local_port()));
}

TEST_F(HttpServerTest, ConnectionCloseAndHttp10AreHonoured) {
  router_.add("GET", "/healthz",
              [](HttpRequest&&, Respond r) { r(HttpResponse::text(200, "ok")); });
  start();
  {
    RawClient raw(port_);
    ASSERT_TRUE(raw.send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    auto res = raw.read_response();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->header("connection"), "close");
    EXPECT_TRUE(raw.closed_within(2s));
  }
  {
    RawClient raw(port_);
    ASSERT_TRUE(raw.send("GET /healthz HTTP/1.0\r\n\r\n"));
    auto res = raw.read_response();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->body, "ok");
    EXPECT_TRUE(raw.closed_within(2s));
  }
  {
    // HTTP/1.0 asking for keep-alive stays open.
    RawClient raw(port_);
    ASSERT_TRUE(raw.send("GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    auto res = raw.read_response();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    ASSERT_TRUE(raw.send("GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    res = raw.read_response();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
  }
}

TEST_F(HttpServerTest, ContentLengthOverRouteLimitIs413) {
  std::atomic<int> calls{0};
  router_.add(
      "POST", "/small",
      [&](HttpRequest&&, Respond r) {
        ++calls;
        r(HttpResponse::text(200, "ok"));
      },
      16);
  const auto size_handler = [](HttpRequest&& req, Respond r) {
    r(HttpResponse::text(200, std::to_string(req.body.size())));
  };
  router_.add("POST", "/big", size_handler, std::size_t{2} << 20);
  router_.add("POST", "/default", size_handler);
  start();
  {
    RawClient raw(port_);
    ASSERT_TRUE(raw.send("POST /small HTTP/1.1\r\nHost: x\r\nContent-Length: 17\r\n\r\n" +
                         std::string(17, 'x')));
    auto res = raw.read_response();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 413);
    EXPECT_EQ(json_error_name(res->body), "too_large");
    EXPECT_TRUE(raw.closed_within(3s));
  }
  {
    // The limit is inclusive.
    RawClient raw(port_);
    ASSERT_TRUE(raw.send("POST /small HTTP/1.1\r\nHost: x\r\nContent-Length: 16\r\n\r\n" +
                         std::string(16, 'x')));
    auto res = raw.read_response();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
  }
  // A route may allow more than Beast's own 1 MB default; routes without a limit get the
  // server default (1 MiB).
  auto cli = client();
  const std::size_t mib = 1 << 20;
  auto big = cli.Post("/big", std::string(mib + mib / 2, 'y'), "application/octet-stream");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 200);
  EXPECT_EQ(big->body, std::to_string(mib + mib / 2));
  auto at_default = cli.Post("/default", std::string(mib, 'y'), "application/octet-stream");
  ASSERT_TRUE(at_default);
  EXPECT_EQ(at_default->status, 200);
  auto over_default = cli.Post("/default", std::string(mib + 1, 'y'), "application/octet-stream");
  ASSERT_TRUE(over_default) << httplib::to_string(over_default.error());
  EXPECT_EQ(over_default->status, 413);
  auto over_big = cli.Post("/big", std::string(2 * mib + 1, 'y'), "application/octet-stream");
  ASSERT_TRUE(over_big) << httplib::to_string(over_big.error());
  EXPECT_EQ(over_big->status, 413);
  EXPECT_EQ(calls.load(), 1);
}

TEST_F(HttpServerTest, ChunkedBodyIsDecodedAndLimited) {
  router_.add(
      "POST", "/small",
      [](HttpRequest&& req, Respond r) { r(HttpResponse::text(200, "got:" + req.body)); }, 20);
  start();
  {
    RawClient raw(port_);
    ASSERT_TRUE(
        raw.send("POST /small HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                 "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"));
    auto res = raw.read_response();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->body, "got:hello world");
  }
  {
    RawClient raw(port_);
    ASSERT_TRUE(
        raw.send("POST /small HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                 "10\r\n0123456789abcdef\r\n"));
    ASSERT_TRUE(raw.send("10\r\n0123456789abcdef\r\n0\r\n\r\n"));
    auto res = raw.read_response();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 413);
    EXPECT_EQ(json_error_name(res->body), "too_large");
    EXPECT_TRUE(raw.closed_within(3s));
  }
  {
    RawClient raw(port_);
    ASSERT_TRUE(raw.send(
        "POST /small HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n"));
    auto res = raw.read_response();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400);
    EXPECT_TRUE(raw.closed_within(3s));
  }
}

TEST_F(HttpServerTest, HandlerMayRespondLaterFromAnotherThread) {
  router_.add("POST", "/slow", [this](HttpRequest&& req, Respond respond) {
    spawn([body = std::move(req.body), respond = std::move(respond)] {
      std::this_thread::sleep_for(150ms);
      HttpResponse res = HttpResponse::text(202, "later:" + body);
      res.headers.emplace_back("X-Trace", "abc");
      res.headers.emplace_back("X-Bad", "evil\r\nInjected: 1");  // dropped, never sent
      respond(std::move(res));
    });
  });
  start();
  auto cli = client();
  const auto t0 = std::chrono::steady_clock::now();
  auto res = cli.Post("/slow", "payload", "text/plain");
  ASSERT_TRUE(res);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 140ms);
  EXPECT_EQ(res->status, 202);
  EXPECT_EQ(res->body, "later:payload");
  EXPECT_EQ(res->get_header_value("X-Trace"), "abc");
  EXPECT_FALSE(res->has_header("X-Bad"));
  EXPECT_FALSE(res->has_header("Injected"));
  // Same client again: the connection is still usable.
  auto again = cli.Post("/slow", "two", "text/plain");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->body, "later:two");
}

TEST_F(HttpServerTest, DroppedRespondIs500AndThrowingHandlerIs500) {
  router_.add("GET", "/drop", [](HttpRequest&&, Respond) {});
  router_.add("GET", "/drop-later", [this](HttpRequest&&, Respond respond) {
    spawn([r = std::move(respond)]() mutable {
      std::this_thread::sleep_for(50ms);
      r = nullptr;
    });
  });
  router_.add("GET", "/throw", [](HttpRequest&&, Respond) { throw std::runtime_error("boom"); });
  start();
  RawClient raw(port_);
  for (const char* path : {"/drop", "/drop-later", "/throw"}) {
    ASSERT_TRUE(raw.send(std::string("GET ") + path + " HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto res = raw.read_response();
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 500) << path;
    EXPECT_EQ(json_error_name(res->body), "internal") << path;
  }
}

TEST_F(HttpServerTest, SecondRespondIsIgnored) {
  router_.add("GET", "/twice", [](HttpRequest&&, Respond respond) {
    respond(HttpResponse::text(200, "first"));
    respond(HttpResponse::text(201, "second"));
  });
  start();
  RawClient raw(port_);
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(raw.send("GET /twice HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto res = raw.read_response();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->body, "first");
  }
  EXPECT_EQ(observed_at_least(2).size(), 2u);
}

TEST_F(HttpServerTest, MalformedRequestsAre400AndClose) {
  std::atomic<int> calls{0};
  router_.add("GET", "/x", [&](HttpRequest&&, Respond r) {
    ++calls;
    r(HttpResponse::text(200, "ok"));
  });
  start();
  for (const char* bad : {"GARBAGE\r\n\r\n", "GET /x HTTP/9.9\r\nHost: x\r\n\r\n",
                          "GET /x HTTP/1.1\r\nBad Header Line\r\n\r\n",
                          "GET /x HTTP/1.1\r\nContent-Length: abc\r\n\r\n"}) {
    RawClient raw(port_);
    ASSERT_TRUE(raw.send(bad));
    auto res = raw.read_response();
    ASSERT_TRUE(res) << bad;
    EXPECT_EQ(res->status, 400) << bad;
    EXPECT_EQ(json_error_name(res->body), "invalid_input") << bad;
    EXPECT_EQ(res->header("server"), "steward");
    EXPECT_TRUE(raw.closed_within(3s)) << bad;
  }
  EXPECT_EQ(calls.load(), 0);
}

TEST_F(HttpServerTest, OversizedHeaderIs431) {
  router_.add("GET", "/x", [](HttpRequest&&, Respond r) { r(HttpResponse::text(200, "ok")); });
  auto options = fast_options();
  options.header_limit = 1024;
  start(options);
  RawClient raw(port_);
  ASSERT_TRUE(
      raw.send("GET /x HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(2000, 'a') + "\r\n\r\n"));
  auto res = raw.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 431);
  EXPECT_TRUE(raw.closed_within(3s));
}

TEST_F(HttpServerTest, SlowLorisHeaderIsCutOffAtHeaderTimeout) {
  router_.add("GET", "/x", [](HttpRequest&&, Respond r) { r(HttpResponse::text(200, "ok")); });
  start();  // header_timeout = 1 s
  RawClient raw(port_);
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(raw.send("GET /x HTTP/1.1\r\nHost: x\r\n"));
  std::this_thread::sleep_for(300ms);
  ASSERT_TRUE(raw.send("X-Drip: 1\r\n"));  // trickling bytes does not extend the deadline
  EXPECT_TRUE(raw.closed_within(4s));
  const auto elapsed = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(elapsed, 900ms);
  EXPECT_LT(elapsed, 3s);

  // A connection that sends nothing at all is closed too.
  RawClient silent(port_);
  EXPECT_TRUE(silent.closed_within(4s));
}

TEST_F(HttpServerTest, ExpectContinueGets100BeforeBody) {
  router_.add("POST", "/upload",
              [](HttpRequest&& req, Respond r) { r(HttpResponse::text(200, "got:" + req.body)); });
  start();
  RawClient raw(port_);
  ASSERT_TRUE(raw.send(
      "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
  auto interim = raw.read_response();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(raw.send("hello"));
  auto res = raw.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "got:hello");
}

TEST_F(HttpServerTest, ObserverSeesEveryResponseWithRouteLabel) {
  router_.add("GET", "/healthz",
              [](HttpRequest&&, Respond r) { r(HttpResponse::text(200, "ok")); });
  router_.add(
      "POST", "/hooks/crm/{provider}",
      [](HttpRequest&&, Respond r) {
        r(error_response(Error{Errc::kUnauthenticated, "bad sig", {}}));
      },
      std::nullopt, "crm");
  start();
  RawClient raw(port_);
  const std::vector<std::string> requests = {
      "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
      "POST /hooks/crm/hubspot HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
      "GET /missing HTTP/1.1\r\nHost: x\r\n\r\n",
      "DELETE /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
  };
  for (const auto& req : requests) {
    ASSERT_TRUE(raw.send(req));
    ASSERT_TRUE(raw.read_response());
  }
  const auto obs = observed_at_least(4);
  const std::vector<std::pair<std::string, int>> expected = {
      {"/healthz", 200}, {"crm", 401}, {"unmatched", 404}, {"unmatched", 405}};
  EXPECT_EQ(obs, expected);
}

TEST_F(HttpServerTest, ConnectionLimitClosesExtraConnections) {
  router_.add("GET", "/x", [](HttpRequest&&, Respond r) { r(HttpResponse::text(200, "ok")); });
  auto options = fast_options();
  options.max_connections = 1;
  start(options);
  auto first = std::make_unique<RawClient>(port_);
  ASSERT_TRUE(first->send("GET /x HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(first->read_response());
  RawClient second(port_);
  EXPECT_TRUE(second.closed_within(2s));
  first.reset();  // frees the slot once the server notices the close
  bool served = false;
  const auto deadline = std::chrono::steady_clock::now() + 3s;
  while (!served && std::chrono::steady_clock::now() < deadline) {
    RawClient third(port_);
    served = third.send("GET /x HTTP/1.1\r\nHost: x\r\n\r\n") && third.read_response();
    if (!served) std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(served);
}

TEST_F(HttpServerTest, StartErrors) {
  router_.add("GET", "/x", [](HttpRequest&&, Respond r) { r(HttpResponse::text(200, "ok")); });
  start();
  auto taken = fast_options();
  taken.listen = "127.0.0.1:" + std::to_string(port_);
  HttpServer second(taken, router_, clock_);
  auto r = second.start();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kUnavailable);
  EXPECT_NE(r.error().message.find("bind"), std::string::npos);

  for (const char* listen : {"nonsense", "127.0.0.1", "127.0.0.1:99999", "999.1.1.1:80",
                             "127.0.0.1:-1", "::1:80", "[::1]80", "127.0.0.1:8x"}) {
    auto opts = fast_options();
    opts.listen = listen;
    HttpServer bad(opts, router_, clock_);
    auto br = bad.start();
    ASSERT_FALSE(br.has_value()) << listen;
    EXPECT_EQ(br.error().code, Errc::kInvalidInput) << listen;
  }
  EXPECT_FALSE(server_->start().has_value());  // already running
}

TEST_F(HttpServerTest, GracefulStopLetsInFlightRequestFinish) {
  std::promise<void> entered;
  router_.add("POST", "/slow", [&](HttpRequest&&, Respond respond) {
    entered.set_value();
    spawn([respond = std::move(respond)] {
      std::this_thread::sleep_for(300ms);
      respond(HttpResponse::text(200, "finished"));
    });
  });
  router_.add("GET", "/x", [](HttpRequest&&, Respond r) { r(HttpResponse::text(200, "ok")); });
  start();

  // An idle keep-alive connection must not hold the stop up.
  RawClient idle(port_);
  ASSERT_TRUE(idle.send("GET /x HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(idle.read_response());

  std::promise<std::pair<int, std::string>> result;
  std::thread client_thread([&] {
    auto cli = client();
    auto res = cli.Post("/slow", "p", "text/plain");
    result.set_value(res ? std::pair<int, std::string>{res->status, res->body}
                         : std::pair<int, std::string>{-1, httplib::to_string(res.error())});
  });
  entered.get_future().wait();
  const auto t0 = std::chrono::steady_clock::now();
  server_->stop(5s);
  const auto elapsed = std::chrono::steady_clock::now() - t0;
  client_thread.join();
  const auto got = result.get_future().get();
  EXPECT_EQ(got.first, 200) << got.second;
  EXPECT_EQ(got.second, "finished");
  EXPECT_GE(elapsed, 200ms);
  EXPECT_LT(elapsed, 3s);
  EXPECT_TRUE(idle.closed_within(1s));

  // No longer accepting.
  auto cli = client();
  EXPECT_FALSE(cli.Get("/x"));
  server_->stop();  // idempotent
}

TEST_F(HttpServerTest, StopClosesIdleConnectionsQuickly) {
  router_.add("GET", "/x", [](HttpRequest&&, Respond r) { r(HttpResponse::text(200, "ok")); });
  start();
  RawClient idle(port_);
  ASSERT_TRUE(idle.send("GET /x HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(idle.read_response());
  RawClient fresh(port_);  // connected, nothing sent
  ASSERT_TRUE(fresh.connected());
  std::this_thread::sleep_for(50ms);
  const auto t0 = std::chrono::steady_clock::now();
  server_->stop(5s);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
  EXPECT_TRUE(idle.closed_within(1s));
  EXPECT_TRUE(fresh.closed_within(1s));
}

TEST_F(HttpServerTest, RespondAfterServerDestroyedIsHarmless) {
  std::promise<Respond> stash;
  router_.add("GET", "/hold",
              [&](HttpRequest&&, Respond respond) { stash.set_value(std::move(respond)); });
  start();
  RawClient raw(port_);
  ASSERT_TRUE(raw.send("GET /hold HTTP/1.1\r\nHost: x\r\n\r\n"));
  Respond held = stash.get_future().get();
  const auto t0 = std::chrono::steady_clock::now();
  server_->stop(100ms);  // the held request cannot finish: stop gives up after the grace
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  EXPECT_TRUE(raw.closed_within(1s));
  server_.reset();
  held(HttpResponse::text(200, "too late"));  // dropped quietly
  held(HttpResponse::text(200, "again"));
  held = nullptr;  // last reference: the server's remains go now
}

}  // namespace
}  // namespace steward::net
