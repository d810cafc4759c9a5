// SmtpClient / SmtpExecutor against a real SMTP server: npm smtp-server + mailparser in
// tests/fakes/smtp/server.js, driven through its HTTP control API.
#include "connectors/email/smtp.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/child.hpp"
#include "tests/support/manual_clock.hpp"
#include "tests/support/raw_http.hpp"
#include "tests/support/smtp_fake.hpp"
#include "tests/support/temp_dir.hpp"

namespace steward::email {
namespace {

namespace bj = boost::json;
namespace fs = std::filesystem;
using steward::testing::Child;
using steward::testing::TempDir;

const fs::path kFakeDir = fs::path(STEWARD_SOURCE_DIR) / "tests/fakes/smtp";
constexpr const char* kUser = "steward-bot";
constexpr const char* kPass = "Pa55-w0rd:s3cret";

using ServerOptions = steward::testing::SmtpFakeOptions;
using FakeSmtp = steward::testing::SmtpFake;

std::string str(const bj::value& v, std::string_view key) { return steward::testing::jstr(v, key); }

/// Every error message a test sees goes through here: none may carry a credential.
void expect_no_credentials(const Error& e) {
  for (std::string_view secret : {std::string_view(kPass), std::string_view("s3cret"),
                                  std::string_view(kUser), std::string_view("p%40ss")})
    EXPECT_EQ(e.message.find(secret), std::string::npos) << e.message;
}

std::string url(int port, bool with_credentials = true, const std::string& scheme = "smtp",
                const std::string& host = "127.0.0.1") {
  std::string creds = with_credentials ? std::string(kUser) + ":Pa55-w0rd%3As3cret@" : "";
  return scheme + "://" + creds + host + ":" + std::to_string(port);
}

std::unique_ptr<SmtpClient> make_client(SmtpOptions o) {
  auto c = SmtpClient::create(std::move(o));
  EXPECT_TRUE(c.has_value()) << (c ? "" : c.error().message);
  return c ? std::move(*c) : nullptr;
}

const std::string kRaw =
    "From: bot@acme.example\r\nTo: lead@client.example\r\nSubject: dots\r\n"
    "Message-ID: <dots@acme.example>\r\n\r\n"
    "first line\r\n.leading dot\r\n..two dots\r\n.\r\nafter a lone dot\r\n. space\r\nend\r\n";

// ---------------------------------------------------------------------------------------------

TEST(SmtpClientCreate, ParsesSmtpAndSmtpsUrls) {
  struct Case {
    const char* url;
    const char* described;
  };
  for (const auto& c :
       {Case{"smtp://mail.example.com", "smtp://mail.example.com:587"},
        Case{"smtps://mail.example.com", "smtps://mail.example.com:465"},
        Case{"SMTPS://u:p%40ss@Mail.Example.COM:2465/", "smtps://mail.example.com:2465"},
        Case{"smtp://user%40x.io:p%40ss@127.0.0.1:2525", "smtp://127.0.0.1:2525"},
        Case{"smtp://[::1]:25", "smtp://[::1]:25"}}) {
    SmtpOptions o;
    o.url = Secret(c.url);
    auto client = SmtpClient::create(o);
    ASSERT_TRUE(client.has_value()) << c.url << ": " << client.error().message;
    EXPECT_EQ((*client)->describe(), c.described);
  }
}

TEST(SmtpClientCreate, BadOptionsAreInternalAndNeverEchoTheUrl) {
  const char* bad[] = {
      "http://steward-bot:s3cret@mail.example.com",        // scheme
      "smtp+plain://steward-bot:s3cret@mail.example.com",  // scheme
      "smtp://steward-bot:s3cret@",                        // no host
      "smtp://steward-bot:s3cret@mail.example.com/path",   // path
      "smtp://steward-bot:s3cret@mail.example.com?x=1",    // query
      "smtp://steward-bot:s3cret@mail.example.com:99999",  // port
      "smtp://steward-bot:s3cret@mail example.com",        // not a URL
      "not a url at all s3cret",
      "smtp://:s3cret@mail.example.com",  // password without user
  };
  for (const char* u : bad) {
    SmtpOptions o;
    o.url = Secret(u);
    auto c = SmtpClient::create(o);
    ASSERT_FALSE(c.has_value()) << u;
    EXPECT_EQ(c.error().code, Errc::kInternal) << u;
    expect_no_credentials(c.error());
  }
  SmtpOptions o;
  o.url = Secret("smtp://mail.example.com");
  o.ca_file = "/nonexistent/ca.pem";
  auto c = SmtpClient::create(o);
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().code, Errc::kInternal);
  o.ca_file.clear();
  o.timeout = std::chrono::milliseconds(0);
  EXPECT_FALSE(SmtpClient::create(o).has_value());
}

TEST(SmtpClientCreate, EnvelopeIsValidated) {
  SmtpOptions o;
  o.url = Secret("smtp://127.0.0.1:1");
  auto client = make_client(o);
  ASSERT_NE(client, nullptr);
  for (auto [from, to] : std::vector<std::pair<std::string, std::vector<std::string>>>{
           {"", {"a@b.io"}},
           {"bot@acme.example", {}},
           {"bot@acme.example", {"a@b.io>\r\nRCPT TO:<x@y.io"}},
           {"bot@acme.example\r\nRSET", {"a@b.io"}},
           {"no-at-sign", {"a@b.io"}}}) {
    auto r = client->send(from, to, kRaw);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, Errc::kInvalidInput);
  }
}

// ---------------------------------------------------------------------------------------------
// A STARTTLS + AUTH server that refuses mail without TLS: the normal submission set-up.

class SmtpSubmission : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new FakeSmtp(
        ServerOptions{true, false, true, std::string(kUser) + ":" + kPass, std::string()});
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(server_->error().empty()) << server_->error();
    ASSERT_TRUE(server_->reset());
  }

  SmtpOptions options() const {
    SmtpOptions o;
    o.url = Secret(url(server_->port()));
    o.ca_file = server_->cert();
    o.connect_timeout = std::chrono::seconds(5);
    o.timeout = std::chrono::seconds(10);
    return o;
  }

  static FakeSmtp* server_;
};
FakeSmtp* SmtpSubmission::server_ = nullptr;

TEST_F(SmtpSubmission, ExecutorDeliversAComposedMessage) {
  ManualClock clock(from_unix_ms(1793714700000));
  ComposeContext compose;
  compose.from = "Steward Bot <bot@acme.example>";
  compose.reply.domain = "in.acme.example";
  compose.reply.secret = Secret("reply-secret");
  SmtpExecutor exec(make_client(options()), compose, clock);
  EXPECT_EQ(exec.kinds(), std::vector<std::string>{"email.send"});

  bj::object fields{{"to", "Ada Lovelace <ada@client.example>"},
                    {"cc", bj::array{"Jürgen <j@client.example>"}},
                    {"subject", "Grüße aus Köln — Ihr Angebot ✓"},
                    {"text", "Hallo Ada,\n\ndas Angebot: 1=1 & <b>nicht fett</b>.\nGruß"},
                    {"html", "<p>Hallo <b>Ada</b> — ✓</p>"},
                    {"in_reply_to", "<parent@client.example>"},
                    {"references", bj::array{"<root@client.example>"}},
                    {"conversation_id", "c42"}};
  auto r = exec.execute(Action{"email.send", fields, "reply", ""}, "ob_77");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->detail.at("message_id").as_string(), "<ob_77@acme.example>");
  EXPECT_EQ(r->detail.at("recipients"), (bj::array{"ada@client.example", "j@client.example"}));
  const std::string smtp(r->detail.at("smtp").as_string());
  EXPECT_EQ(smtp.rfind("250 ", 0), 0u) << smtp;

  auto msgs = server_->messages();
  ASSERT_EQ(msgs.size(), 1u);
  const auto& m = msgs[0];
  EXPECT_EQ(str(m, "from"), "bot@acme.example");
  EXPECT_EQ(m.at("to"), (bj::array{"ada@client.example", "j@client.example"}));
  EXPECT_EQ(m.at("secure"), bj::value(true));  // STARTTLS happened
  EXPECT_EQ(str(m, "user"), kUser);            // AUTH happened (over TLS: the server insists)
  const auto& p = m.at("parsed");
  EXPECT_EQ(str(p, "subject"), "Grüße aus Köln — Ihr Angebot ✓");  // mailparser decoded it
  EXPECT_EQ(str(p, "contentType"), "multipart/alternative");
  EXPECT_EQ(str(p, "text"), "Hallo Ada,\n\ndas Angebot: 1=1 & <b>nicht fett</b>.\nGruß");
  EXPECT_EQ(str(p, "html"), "<p>Hallo <b>Ada</b> — ✓</p>");
  EXPECT_EQ(str(p, "messageId"), "<ob_77@acme.example>");
  EXPECT_EQ(str(p, "inReplyTo"), "<parent@client.example>");
  EXPECT_EQ(p.at("references"), (bj::array{"<root@client.example>", "<parent@client.example>"}));
  EXPECT_EQ(str(p, "replyTo"), reply_address("c42", "ada@client.example", compose.reply));
  const auto& h = p.at("headers");
  EXPECT_EQ(str(h, "auto-submitted"), "auto-generated");
  EXPECT_EQ(str(h, "x-steward-action"), "ob_77");
  EXPECT_EQ(str(h, "x-steward-conversation"), "c42");
  EXPECT_EQ(str(h, "mime-version"), "1.0");
  EXPECT_EQ(str(h, "date"), "Tue, 03 Nov 2026 14:05:00 +0000");
  EXPECT_EQ(str(h, "from"), "Steward Bot <bot@acme.example>");
  // The bytes that arrived are the bytes that were composed (no transport damage).
  ComposeContext again = compose;
  again.idempotency_key = "ob_77";
  again.date = clock.now();
  auto composed = compose_email(fields, again);
  ASSERT_TRUE(composed.has_value());
  EXPECT_EQ(str(m, "raw"), composed->data);
}

TEST_F(SmtpSubmission, ExecutorRefusesBadFieldsWithoutTalkingToTheServer) {
  ManualClock clock(from_unix_ms(1793714700000));
  ComposeContext compose;
  compose.from = "bot@acme.example";
  SmtpExecutor exec(make_client(options()), compose, clock);
  auto r = exec.execute(
      Action{
          "email.send", {{"to", "a@b.io"}, {"subject", "x\r\nBcc: c@d.io"}, {"text", "t"}}, "", ""},
      "ob_bad");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kPermanent);
  auto k = exec.execute(Action{"slack.post", {}, "", ""}, "ob_kind");
  ASSERT_FALSE(k.has_value());
  EXPECT_EQ(k.error().code, Errc::kPermanent);
  EXPECT_EQ(server_->connections(), 0);
}

TEST_F(SmtpSubmission, DotLinesArriveIntact) {
  auto client = make_client(options());
  ASSERT_NE(client, nullptr);
  auto r = client->send("bot@acme.example", {"lead@client.example"}, kRaw);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->code, 250);
  auto msgs = server_->messages();
  ASSERT_EQ(msgs.size(), 1u);
  // smtp-server un-stuffs; an unstuffed "." line would have ended DATA early.
  EXPECT_EQ(str(msgs[0], "raw"), kRaw);
  EXPECT_EQ(str(msgs[0].at("parsed"), "text"),
            "first line\n.leading dot\n..two dots\n.\nafter a lone dot\n. space\nend\n");
}

TEST_F(SmtpSubmission, ConnectionsAreReusedBetweenSends) {
  auto client = make_client(options());
  ASSERT_NE(client, nullptr);
  for (int i = 0; i < 3; ++i) {
    auto r = client->send("bot@acme.example", {"lead@client.example"}, kRaw);
    ASSERT_TRUE(r.has_value()) << r.error().message;
  }
  EXPECT_EQ(server_->messages().size(), 3u);
  EXPECT_EQ(server_->connections(), 1);
}

TEST_F(SmtpSubmission, OptionCredentialsWinOverTheUrl) {
  auto o = options();
  o.url = Secret("smtp://someone:wrong@127.0.0.1:" + std::to_string(server_->port()));
  o.username = kUser;
  o.password = Secret(kPass);
  auto client = make_client(o);
  ASSERT_NE(client, nullptr);
  auto r = client->send("bot@acme.example", {"lead@client.example"}, kRaw);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(str(server_->messages().at(0), "user"), kUser);
}

TEST_F(SmtpSubmission, WrongPasswordIsPermanent) {
  auto o = options();
  o.url = Secret("smtp://" + std::string(kUser) +
                 ":s3cret-but-wrong@127.0.0.1:" + std::to_string(server_->port()));
  auto client = make_client(o);
  ASSERT_NE(client, nullptr);
  auto r = client->send("bot@acme.example", {"lead@client.example"}, kRaw);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kPermanent);
  EXPECT_EQ(r.error().message.rfind("SMTP 535", 0), 0u) << r.error().message;
  expect_no_credentials(r.error());
  EXPECT_TRUE(server_->messages().empty());
}

TEST_F(SmtpSubmission, UntrustedCertificateIsRefused) {
  auto o = options();
  o.ca_file.clear();  // the system store does not know our self-signed certificate
  auto client = make_client(o);
  ASSERT_NE(client, nullptr);
  auto r = client->send("bot@acme.example", {"lead@client.example"}, kRaw);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kUnavailable);
  expect_no_credentials(r.error());
  EXPECT_TRUE(server_->messages().empty());
}

TEST_F(SmtpSubmission, Refused421OnConnectIsTransientAndTheRetrySucceeds) {
  ASSERT_TRUE(server_->faults(
      bj::array{bj::object{{"stage", "connect"}, {"code", 421}, {"text", "4.3.2 busy, later"}}}));
  auto client = make_client(options());
  ASSERT_NE(client, nullptr);
  auto r = client->send("bot@acme.example", {"lead@client.example"}, kRaw);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kUnavailable);
  EXPECT_TRUE(r.error().transient());
  EXPECT_EQ(r.error().message, "SMTP 421 4.3.2 busy, later");
  auto again = client->send("bot@acme.example", {"lead@client.example"}, kRaw);
  ASSERT_TRUE(again.has_value()) << again.error().message;
  EXPECT_EQ(server_->messages().size(), 1u);
}

TEST_F(SmtpSubmission, Transient451OnRcptAndDataThenSuccess) {
  ASSERT_TRUE(server_->faults(
      bj::array{bj::object{{"stage", "rcpt"}, {"code", 451}, {"text", "4.3.0 try later"}},
                bj::object{{"stage", "data"}, {"code", 451}, {"text", "4.3.0 queue full"}}}));
  auto client = make_client(options());
  ASSERT_NE(client, nullptr);
  auto first = client->send("bot@acme.example", {"lead@client.example"}, kRaw);
  ASSERT_FALSE(first.has_value());
  EXPECT_EQ(first.error().code, Errc::kUnavailable);
  EXPECT_EQ(first.error().message, "SMTP 451 4.3.0 try later");
  auto second = client->send("bot@acme.example", {"lead@client.example"}, kRaw);
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().code, Errc::kUnavailable);
  EXPECT_EQ(second.error().message, "SMTP 451 4.3.0 queue full");
  EXPECT_TRUE(server_->messages().empty());
  auto third = client->send("bot@acme.example", {"lead@client.example"}, kRaw);
  ASSERT_TRUE(third.has_value()) << third.error().message;
  EXPECT_EQ(server_->messages().size(), 1u);
}

TEST_F(SmtpSubmission, Rejected550OnRcptIsPermanentWithTheServerText) {
  ASSERT_TRUE(server_->faults(bj::array{bj::object{
      {"stage", "rcpt"}, {"code", 550}, {"text", "5.1.1 <nobody@client.example>: no such user"}}}));
  auto client = make_client(options());
  ASSERT_NE(client, nullptr);
  auto r = client->send("bot@acme.example", {"nobody@client.example", "lead@client.example"}, kRaw);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kPermanent);
  EXPECT_FALSE(r.error().transient());
  EXPECT_EQ(r.error().message, "SMTP 550 5.1.1 <nobody@client.example>: no such user");
  expect_no_credentials(r.error());
  EXPECT_TRUE(server_->messages().empty());
}

TEST_F(SmtpSubmission, SlowReplyBeyondTheTimeoutIsTransient) {
  ASSERT_TRUE(server_->faults(bj::array{bj::object{{"stage", "mail"}, {"delay_ms", 4000}}}));
  auto o = options();
  o.timeout = std::chrono::milliseconds(1500);
  auto client = make_client(o);
  ASSERT_NE(client, nullptr);
  auto start = std::chrono::steady_clock::now();
  auto r = client->send("bot@acme.example", {"lead@client.example"}, kRaw);
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kUnavailable);
  EXPECT_NE(r.error().message.find("timed out"), std::string::npos) << r.error().message;
  EXPECT_LT(took, std::chrono::milliseconds(3500));
  // A delay below the timeout is just slow.
  ASSERT_TRUE(server_->faults(bj::array{bj::object{{"stage", "data"}, {"delay_ms", 300}}}));
  auto ok = client->send("bot@acme.example", {"lead@client.example"}, kRaw);
  ASSERT_TRUE(ok.has_value()) << ok.error().message;
}

// ---------------------------------------------------------------------------------------------

TEST(SmtpTransport, NothingListeningIsTransient) {
  const int port = steward::testing::unused_port();
  ASSERT_GT(port, 0);
  SmtpOptions o;
  o.url = Secret(url(port));
  auto client = make_client(o);
  ASSERT_NE(client, nullptr);
  auto r = client->send("bot@acme.example", {"lead@client.example"}, kRaw);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kUnavailable);
  expect_no_credentials(r.error());
}

TEST(SmtpTransport, ImplicitTlsWithSmtps) {
  FakeSmtp server(ServerOptions{false, true, false, std::string(kUser) + ":" + kPass, {}});
  ASSERT_TRUE(server.error().empty()) << server.error();
  SmtpOptions o;
  // "localhost" exercises the certificate's DNS name rather than its IP address.
  o.url = Secret(url(server.port(), true, "smtps", "localhost"));
  o.ca_file = server.cert();
  auto client = make_client(o);
  ASSERT_NE(client, nullptr);
  EXPECT_EQ(client->describe(), "smtps://localhost:" + std::to_string(server.port()));
  auto r = client->send("bot@acme.example", {"lead@client.example"}, kRaw);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  auto msgs = server.messages();
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].at("secure"), bj::value(true));
  EXPECT_EQ(str(msgs[0], "user"), kUser);
}

TEST(SmtpTransport, LoopbackWithoutStartTlsIsSentInClear) {
  FakeSmtp server(ServerOptions{});
  ASSERT_TRUE(server.error().empty()) << server.error();
  SmtpOptions o;
  o.url = Secret(url(server.port(), false));
  auto client = make_client(o);
  ASSERT_NE(client, nullptr);
  auto r = client->send("bot@acme.example", {"lead@client.example"}, kRaw);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  auto msgs = server.messages();
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].at("secure"), bj::value(false));
  EXPECT_TRUE(msgs[0].at("user").is_null());
}

TEST(SmtpTransport, AConnectionTheServerClosedWhileIdleIsReplacedTransparently) {
  ServerOptions so;
  so.idle_timeout_ms = 300;
  FakeSmtp server(so);
  ASSERT_TRUE(server.error().empty()) << server.error();
  SmtpOptions o;
  o.url = Secret(url(server.port(), false));
  auto client = make_client(o);
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->send("bot@acme.example", {"lead@client.example"}, kRaw).has_value());
  // The server says "421 Timeout" and closes the kept-alive connection meanwhile.
  std::this_thread::sleep_for(std::chrono::milliseconds(900));
  auto r = client->send("bot@acme.example", {"lead@client.example"}, kRaw);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(server.messages().size(), 2u) << "each message exactly once";
  EXPECT_EQ(server.connections(), 2);
}

std::optional<std::string> non_loopback_ipv4() {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return std::nullopt;
  std::optional<std::string> found;
  for (auto* i = list; i && !found; i = i->ifa_next) {
    if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET) continue;
    auto* in = reinterpret_cast<sockaddr_in*>(i->ifa_addr);
    if ((ntohl(in->sin_addr.s_addr) >> 24) == 127) continue;
    char buf[INET_ADDRSTRLEN];
    if (::inet_ntop(AF_INET, &in->sin_addr, buf, sizeof buf)) found = buf;
  }
  ::freeifaddrs(list);
  return found;
}

TEST(SmtpTransport, NonLoopbackHostNeedsStartTlsUnlessPlainIsAllowed) {
  auto address = non_loopback_ipv4();
  if (!address) GTEST_SKIP() << "this machine has no non-loopback IPv4 address";
  FakeSmtp server(ServerOptions{false, false, false, std::string(kUser) + ":" + kPass, *address});
  ASSERT_TRUE(server.error().empty()) << server.error();
  SmtpOptions o;
  o.url = Secret(url(server.port(), true, "smtp", *address));
  auto strict = make_client(o);
  ASSERT_NE(strict, nullptr);
  auto r = strict->send("bot@acme.example", {"lead@client.example"}, kRaw);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kUnavailable);
  EXPECT_NE(r.error().message.find("STARTTLS"), std::string::npos) << r.error().message;
  expect_no_credentials(r.error());
  EXPECT_TRUE(server.messages().empty());  // neither AUTH nor the message went out in clear

  o.allow_plain = true;  // a trusted relay on the local network
  auto relaxed = make_client(o);
  ASSERT_NE(relaxed, nullptr);
  auto ok = relaxed->send("bot@acme.example", {"lead@client.example"}, kRaw);
  ASSERT_TRUE(ok.has_value()) << ok.error().message;
  auto msgs = server.messages();
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].at("secure"), bj::value(false));
  EXPECT_EQ(str(msgs[0], "user"), kUser);
}

TEST(SmtpTransport, ConcurrentSendsUseTheirOwnHandles) {
  FakeSmtp server(ServerOptions{});
  ASSERT_TRUE(server.error().empty()) << server.error();
  SmtpOptions o;
  o.url = Secret(url(server.port(), false));
  auto client = make_client(o);
  ASSERT_NE(client, nullptr);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i)
        if (client->send("bot@acme.example", {"lead@client.example"}, kRaw)) ++ok;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 20);
  EXPECT_EQ(server.messages().size(), 20u);
  EXPECT_LE(server.connections(), 4);
}

}  // namespace
}  // namespace steward::email
