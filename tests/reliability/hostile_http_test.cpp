// Hostile input at the HTTP layer: framing, routing, half-open connections, slow-loris and
// request text that tries to forge log lines (fixture: hostile_fixture.hpp).

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <iostream>
#include <mutex>
#include <thread>

#include "tests/reliability/hostile_fixture.hpp"
#include "tests/support/sanitized.hpp"
#include "tests/support/wait.hpp"

namespace steward::testing::hostile {
namespace {

using HostileHttp = HostileInput;

// Malformed HTTP: request lines, headers, framing, smuggling attempts.
TEST_F(HostileHttp, Framing) {
  ASSERT_NO_FATAL_FAILURE(start());
  const std::string R = "HTTP framing";
  auto get = [](const std::string& line) {
    return line + "\r\nHost: x\r\nConnection: close\r\n\r\n";
  };

  expect(R, "control", "GET /healthz HTTP/1.1", raw(get("GET /healthz HTTP/1.1")), 200);
  expect(R, "control", "HTTP/1.0 without Host", raw("GET /healthz HTTP/1.0\r\n\r\n"), 200);

  const std::vector<std::pair<std::string, std::string>> bad = {
      {"garbage request line", "GARBAGE\r\n\r\n"},
      {"binary request line", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"s +
                                  "\r\n\r\n"},  // a TLS ClientHello on a plain port
      {"no HTTP version", "GET /healthz\r\nHost: x\r\n\r\n"},
      {"version HTTP/1.x", get("GET /healthz HTTP/1.x")},
      {"version HTTX/1.1", get("GET /healthz HTTX/1.1")},
      {"version HTTP/11", get("GET /healthz HTTP/11")},
      {"lower-case http/1.1", get("GET /healthz http/1.1")},
      {"double space", get("GET  /healthz HTTP/1.1")},
      {"leading space", get(" GET /healthz HTTP/1.1")},
      {"tab separator", get("GET\t/healthz HTTP/1.1")},
      {"space in target", get("GET /health z HTTP/1.1")},
      {"NUL in target", get("GET /healthz\0 HTTP/1.1"s)},
      {"NUL in method", get("G\0T /healthz HTTP/1.1"s)},
      {"header without colon", "GET /healthz HTTP/1.1\r\nHost x\r\n\r\n"},
      {"space before colon", "GET /healthz HTTP/1.1\r\nHost : x\r\n\r\n"},
      {"header name with space", "GET /healthz HTTP/1.1\r\nX Bad: x\r\n\r\n"},
      {"NUL in header value", "GET /healthz HTTP/1.1\r\nX-A: a\0b\r\n\r\n"s},
      {"CR alone in header value", "GET /healthz HTTP/1.1\r\nX-A: a\rb\r\n\r\n"},
      {"Content-Length not a number",
       "POST /hooks/forms/website HTTP/1.1\r\nContent-Length: abc\r\n\r\n"},
      {"negative Content-Length",
       "POST /hooks/forms/website HTTP/1.1\r\nContent-Length: -1\r\n\r\n"},
      {"two different Content-Lengths",
       "POST /hooks/forms/website HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"
       "hello!"},
      {"Content-Length overflowing 64 bits",
       "POST /hooks/forms/website HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n"},
      {"chunk size not hex",
       "POST /hooks/forms/website HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0"
       "\r\n\r\n"},
      {"chunk size overflowing 64 bits",
       "POST /hooks/forms/website HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
       "fffffffffffffffffffff\r\nhello\r\n0\r\n\r\n"},
      {"chunk without CRLF after data",
       "POST /hooks/forms/website HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0"
       "\r\n\r\n"},
  };
  // Versions other than 1.0/1.1, bare LF line ends, and ambiguous body framing.
  const std::vector<std::pair<std::string, std::string>> more = {
      {"version HTTP/2.0", get("GET /healthz HTTP/2.0")},
      {"version HTTP/9.9", get("GET /healthz HTTP/9.9")},
      {"version HTTP/0.9", get("GET /healthz HTTP/0.9")},
      {"bare LF line ends", "GET /healthz HTTP/1.1\nHost: x\n\n"},
      {"Content-Length with a sign",
       "POST /hooks/forms/website HTTP/1.1\r\nContent-Length: +2\r\n\r\n{}"},
      {"Content-Length and Transfer-Encoding together",
       "POST /hooks/forms/website HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: "
       "chunked\r\n\r\n0\r\n\r\n"},
      // RFC 9112 §6.3: a request whose final transfer coding is not chunked has no reliable
      // length; the server MUST answer 400 and close. Reading it as an empty body lets the body
      // bytes be parsed as the next request (request smuggling behind a proxy).
      {"Transfer-Encoding gzip without chunked",
       "POST /hooks/forms/website HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
       "Transfer-Encoding: gzip\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"},
  };
  for (const auto& [name, bytes] : bad) expect(R, "bad request", name, raw(bytes), 400);
  for (const auto& [name, bytes] : more) expect(R, "bad request", name, raw(bytes), 400);

  // Huge and many headers.
  expect(R, "huge header", "one 20 KB header",
         raw("GET /healthz HTTP/1.1\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n"), 431);
  expect(R, "huge header", "20 KB target",
         raw(get("GET /healthz?" + std::string(20000, 'q') + " HTTP/1.1")), 431);
  expect(R, "huge header", "20 KB path on a POST route",
         raw(get("POST /hooks/forms/" + std::string(20000, 'n') + " HTTP/1.1")), 431);
  std::string many;
  for (int i = 0; i < 200; ++i) many += "X-H" + std::to_string(i) + ": v\r\n";
  expect(R, "many headers", "200 small headers (under the limit)",
         raw("GET /healthz HTTP/1.1\r\nHost: x\r\n" + many + "Connection: close\r\n\r\n"), 200);
  std::string too_many;
  for (int i = 0; i < 3000; ++i) too_many += "X-H" + std::to_string(i) + ": v\r\n";
  expect(R, "many headers", "3000 small headers (over the limit)",
         raw("GET /healthz HTTP/1.1\r\nHost: x\r\n" + too_many + "\r\n"), 431);
  expect(
      R, "many headers", "header over the limit on a signed Slack route",
      raw("POST /slack/events HTTP/1.1\r\nHost: x\r\n" + too_many + "Content-Length: 2\r\n\r\n{}"),
      431);

  // GET with a body over the default limit.
  expect(R, "oversized", "GET /healthz with a 300 KB body",
         raw(build_request("GET", "/healthz", {}, std::string(300000, 'b'))), 413);

  // Truncated header: the client sends half a header and closes its side.
  expect_closed(R, "truncated", "half a header, then FIN",
                raw("POST /hooks/forms/website HTTP/1.1\r\nHost: x\r\nContent-Ty", true));
  expect_closed(R, "truncated", "connect and FIN without a byte", raw("", true));

  // Pipelining stays correct: two requests in one write get two answers in order.
  {
    RawConnection c(port_);
    ASSERT_TRUE(c.connected());
    c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\n");
    expect(R, "control", "pipelined #1", c.read_reply(5s), 200);
    expect(R, "control", "pipelined #2", c.read_reply(5s), 404);
  }
  finish("HTTP framing");
}

// Unknown routes, wrong methods (405 + Allow), odd targets.
TEST_F(HostileHttp, Routing) {
  ASSERT_NO_FATAL_FAILURE(start());
  const std::string R = "routing";
  auto req = [&](const std::string& method, const std::string& target) {
    return raw(build_request(method, target, {}, ""));
  };
  expect(R, "control", "GET /healthz", http("GET", "/healthz", {}), 200);
  expect(R, "control", "GET /readyz", http("GET", "/readyz", {}), 200);
  auto metrics = http("GET", "/metrics", {});
  expect(R, "control", "GET /metrics", metrics, 200);

  for (const std::string& p :
       {std::string("/healthz"), std::string("/readyz"), std::string("/metrics")}) {
    for (const std::string& m :
         {std::string("POST"), std::string("PUT"), std::string("DELETE"), std::string("PATCH"),
          std::string("get"), std::string("OPTIONS"), std::string("BREW")})
      expect_405(R, m + " " + p, req(m, p), "GET");
  }
  for (const std::string& p :
       {std::string("/hooks/forms/website"), std::string("/hooks/forms/survey"),
        std::string("/hooks/forms/nope"), std::string("/hooks/email/mailgun"),
        std::string("/hooks/email/postmark"), std::string("/hooks/email/sendgrid"),
        std::string("/slack/events"), std::string("/slack/commands"),
        std::string("/slack/interactivity")}) {
    for (const std::string& m :
         {std::string("GET"), std::string("PUT"), std::string("DELETE"), std::string("post")})
      expect_405(R, m + " " + p, req(m, p), "POST");
  }

  const std::vector<std::string> unknown = {"/",
                                            "/nope",
                                            "/healthz/",
                                            "/HEALTHZ",
                                            "/healthz/x",
                                            "/hooks",
                                            "/hooks/forms",
                                            "/hooks/forms/",
                                            "/hooks/forms/website/extra",
                                            "/hooks/email",
                                            "/hooks/email/",
                                            "/slack",
                                            "/slack/events/",
                                            "/slack/eventsx",
                                            "/api/v1/secrets",
                                            "/../../etc/passwd",
                                            "/%2e%2e/%2e%2e/etc/passwd",
                                            "/slack/events%00",
                                            "/%zz",
                                            "*",
                                            "//healthz",
                                            "http://evil.example/healthz"};
  for (const auto& p : unknown) expect(R, "unknown path", "POST " + p, req("POST", p), 404);
  expect(R, "unknown path", "GET *", req("GET", "*"), 404);

  // A form or provider name that is not configured: 404 from the connector, and the echoed
  // name must keep the error body valid JSON.
  for (const std::string& name :
       {std::string("nope"), std::string("..%2F..%2Fetc%2Fpasswd"), std::string("%FF%FE"),
        std::string("%C0%AF"), std::string("%00"), std::string("%E2%80%AE")})
    expect(R, "unknown path", "POST /hooks/forms/" + name,
           raw(build_request("POST", "/hooks/forms/" + name, {{"Content-Type", "application/json"}},
                             "{}")),
           404);
  for (const std::string& name : {std::string("gmail"), std::string("Mailgun"), std::string("%FF"),
                                  std::string("%00"), std::string("mailgun%00")})
    expect(R, "unknown path", "POST /hooks/email/" + name,
           raw(build_request("POST", "/hooks/email/" + name, {{"Content-Type", "application/json"}},
                             "{}")),
           404);
  // Raw bytes >= 0x80 in the target.
  expect(R, "unknown path", "raw 0xFF in the path",
         raw(build_request("POST", "/hooks/forms/\xFF\xFE", {{"Content-Type", "application/json"}},
                           "{}")),
         404);
  finish("routing");
}

// 500 half-open connections must not stop /healthz or a valid form.
TEST_F(HostileHttp, HalfOpenBurst) {
  ASSERT_NO_FATAL_FAILURE(start());
  const std::string R = "half-open burst";
  std::vector<int> fds;
  for (int i = 0; i < 500; ++i) {
    int fd = connect_loopback(port_);
    if (fd < 0) break;
    fds.push_back(fd);
    switch (i % 4) {
      case 0: break;  // connected, silent
      case 1: send_all(fd, "POST /hooks/forms/website HTTP/1.1\r\nHost: x\r\n"); break;
      case 2:
        send_all(fd,
                 "POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 "Content-Length: 1000\r\n\r\n{\"type\":");
        break;
      case 3:
        send_all(fd,
                 "POST /hooks/email/postmark HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n");
        ::shutdown(fd, SHUT_WR);  // half-closed with the body owed
        break;
    }
  }
  EXPECT_EQ(fds.size(), 500u) << "could not open 500 connections";
  auto t0 = std::chrono::steady_clock::now();
  expect(R, "control", "GET /healthz with 500 half-open connections", http("GET", "/healthz", {}),
         200);
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_LT(took, 2s) << "/healthz took "
                      << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                      << " ms during the burst";
  expect(R, "control", "GET /readyz during the burst", http("GET", "/readyz", {}), 200);
  auto id = next_id("ctl-burst");
  expect_accepted(R, "control", "valid form during the burst", form_signed(form_body(id)),
                  "form:website:" + id);
  for (int fd : fds) ::close(fd);
  expect(R, "control", "GET /healthz after the burst", http("GET", "/healthz", {}), 200);
  finish("half-open burst");
}

// ------------------------------------------------------------------------------ slow-loris

struct Loris {
  std::string name;
  std::string header;  ///< sent one byte per 500 ms, never finished
  int fd = -1;
  bool closed = false;
  std::size_t received = 0;
  std::chrono::milliseconds closed_after{0};
};

/// Feeds each connection one byte every 500 ms until the server closes it (or `limit` passes).
void run_slow_loris(int port, std::vector<Loris>& conns, std::chrono::seconds limit) {
  auto t0 = std::chrono::steady_clock::now();
  for (auto& c : conns) c.fd = connect_loopback(port);
  std::size_t pos = 0;
  while (std::chrono::steady_clock::now() - t0 < limit) {
    bool open = false;
    for (auto& c : conns) {
      if (c.fd < 0 || c.closed) continue;
      char buf[4096];
      ssize_t n = ::recv(c.fd, buf, sizeof buf, MSG_DONTWAIT);
      bool gone = n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
      if (n > 0) c.received += static_cast<std::size_t>(n);
      if (!gone && pos < c.header.size())
        gone = ::send(c.fd, c.header.data() + pos, 1, MSG_NOSIGNAL) < 0;
      if (gone) {
        c.closed = true;
        c.closed_after = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - t0);
      } else {
        open = true;
      }
    }
    if (!open) break;
    ++pos;
    std::this_thread::sleep_for(500ms);
  }
  for (auto& c : conns)
    if (c.fd >= 0) ::close(c.fd);
}

// Slow-loris: header bytes one every 500 ms; the default 10 s header timeout must close each
// connection without a response.
TEST_F(HostileHttp, SlowLoris) {
  ASSERT_NO_FATAL_FAILURE(start());
  std::vector<Loris> loris = {
      {"GET /healthz",
       "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + std::string(200, 'a')},
      {"POST /hooks/forms/website",
       "POST /hooks/forms/website HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json"
       "\r\nX-Slow: " +
           std::string(200, 'b')},
      {"POST /slack/events (request line)", "POST /slack/events" + std::string(200, 'c')},
  };
  std::thread loris_thread([&] { run_slow_loris(port_, loris, kHeaderTimeout + 8s); });

  loris_thread.join();
  for (const auto& c : loris) {
    tally("slow-loris", "slow-loris");
    EXPECT_GE(c.fd, 0) << c.name;
    EXPECT_TRUE(c.closed)
        << c.name << ": still open after "
        << std::chrono::duration_cast<std::chrono::seconds>(kHeaderTimeout + 8s).count() << " s";
    EXPECT_LE(c.closed_after, kHeaderTimeout + 2500ms) << c.name << ": closed late";
    EXPECT_EQ(c.received, 0u) << c.name << ": a timeout must close without a response";
  }

  for (const auto& c : loris)
    std::cout << "  slow-loris " << c.name << ": closed after " << c.closed_after.count()
              << " ms\n";
  finish("slow-loris");
}

TEST_F(HostileInput, RequestTextNeverForgesLogLines) {
  ASSERT_NO_FATAL_FAILURE(start());
  // Percent-decoded route parameters reach the log; a newline in them must not start a line.
  // Short enough to survive the 16-byte cut the email route applies to the name it logs.
  const std::string marker = "FORGED-" + crypto::random_hex(3);
  auto r = raw(build_request(
      "POST", "/hooks/forms/x%0A" + marker + "%20steward%20ready%0D%0A" + marker + "-2",
      {{"Content-Type", "application/json"}}, "{}"));
  expect("routing", "log forging", "newline in a form name", r, 404);
  auto r2 = raw(build_request("POST", "/hooks/email/x%0A" + marker,
                              {{"Content-Type", "application/json"}}, "{}"));
  expect("routing", "log forging", "newline in a provider name", r2, 404);
  steward_->stop(SIGTERM, 15s);
  const std::string text = log();
  ASSERT_NE(text.find(marker), std::string::npos) << "the rejected name was not logged at all";
  std::size_t pos = 0, forged = 0;
  std::string first;
  while ((pos = text.find(marker, pos)) != std::string::npos) {
    if (pos == 0 || text[pos - 1] == '\n' || text[pos - 1] == '\r') {
      if (forged++ == 0) first = text.substr(pos > 200 ? pos - 200 : 0, 400);
    }
    pos += marker.size();
  }
  EXPECT_EQ(forged, 0u) << "request text starts " << forged << " log line(s), e.g.:\n" << first;
}
}  // namespace
}  // namespace steward::testing::hostile
