// Hostile input against the real `steward` binary: forged, stale, replayed, truncated, oversized,
// wrongly typed, deeply nested, invalid-UTF-8, NUL-laden, malformed-HTTP, slow-loris and
// half-open requests on every route. Every case asserts the documented status and the JSON error
// body (bot/net/http_types.hpp error_response). Afterwards the inbox must hold exactly the events
// of the valid control requests sent in between, the process must still serve a form end to end,
// and no secret may appear in the log, in any response or in `steward check` output.
// EmailFlood: 8 clients posting 9.9 MB unsigned Mailgun bodies must not delay valid mail, a
// slash command or /metrics (security finding 2 of issue 9).
//
// Documented statuses come from bot/net/http_server.hpp (400 malformed, 431 header too large,
// 413 body over the route limit, 404, 405 + Allow, timeouts close without a response),
// connectors/forms/forms_connector.hpp, connectors/slack/{signature,parse}.hpp and
// connectors/email/inbound.hpp.

#include <SQLiteCpp/SQLiteCpp.h>
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/json.hpp>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "connectors/common/crypto.hpp"
#include "connectors/common/form.hpp"
#include "tests/e2e/e2e_util.hpp"
#include "tests/fakes/fake_slack.hpp"
#include "tests/support/process.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using namespace std::string_literals;
using steward::testing::Child;
using steward::testing::eventually;
using steward::testing::slurp;
using steward::testing::TempDir;
namespace crypto = steward::connectors;

namespace {

// Route limits configured below: both the server default and the email route allow 256 KiB, so
// a 100k-deep JSON body still reaches the parsers while 300 KB is over every limit.
constexpr std::size_t kBodyLimit = 262144;
// ServerOptions::header_timeout: not configurable from steward.toml, so the default applies.
constexpr auto kHeaderTimeout = 10s;
constexpr std::string_view kMultipartBoundary = "hostileBoundary7MA4YWxkTrZu0gW";

/// Invalid UTF-8 sequences: a stray byte, an overlong '/', a UTF-16 surrogate, a truncated
/// three-byte sequence and a code point above U+10FFFF.
const std::vector<std::pair<std::string, std::string>> kBadUtf8 = {
    {"ff", "\xFF"},
    {"overlong", "\xC0\xAF"},
    {"surrogate", "\xED\xA0\x80"},
    {"truncated", "\xE2\x82"},
    {"above-max", "\xF4\x90\x80\x80"}};

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string clip(const std::string& s, std::size_t n = 300) {
  return s.size() <= n ? s : s.substr(0, n) + "…(" + std::to_string(s.size()) + " bytes)";
}

// ------------------------------------------------------------------------------ raw HTTP

/// What came back on one connection.
struct Reply {
  bool connected = true;
  bool responded = false;  ///< a complete status line + header (and body) arrived
  bool closed = false;     ///< the server closed (EOF or reset) before/after the response
  bool timed_out = false;  ///< nothing more arrived within the read timeout
  std::size_t raw_bytes = 0;
  int status = 0;
  std::map<std::string, std::string> headers;  ///< lower-case names
  std::string body;

  [[nodiscard]] std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

int connect_loopback(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

/// Sends everything it can; false once the peer refuses more (EPIPE/ECONNRESET: never SIGPIPE).
bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

/// Parses a response out of `raw`; true once it is complete (Content-Length honoured, or the
/// server closed after the header).
bool parse_reply(const std::string& raw, Reply& r, bool at_eof = false) {
  auto end = raw.find("\r\n\r\n");
  if (end == std::string::npos) return false;
  std::string head = raw.substr(0, end);
  auto line_end = head.find("\r\n");
  std::string status_line = head.substr(0, line_end);
  if (status_line.rfind("HTTP/1.", 0) != 0 || status_line.size() < 12) return false;
  int status = std::atoi(status_line.substr(9, 3).c_str());
  std::map<std::string, std::string> headers;
  std::size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    auto next = head.find("\r\n", pos);
    if (next == std::string::npos) next = head.size();
    auto line = head.substr(pos, next - pos);
    auto colon = line.find(':');
    if (colon != std::string::npos) {
      auto v = line.substr(colon + 1);
      while (!v.empty() && v.front() == ' ') v.erase(0, 1);
      headers[lower(line.substr(0, colon))] = v;
    }
    pos = next + 2;
  }
  std::size_t length = 0;
  if (auto it = headers.find("content-length"); it != headers.end())
    length = static_cast<std::size_t>(std::strtoull(it->second.c_str(), nullptr, 10));
  if (raw.size() < end + 4 + length && !at_eof) return false;
  r.status = status;
  r.headers = std::move(headers);
  r.body = raw.substr(end + 4, std::min(length, raw.size() - end - 4));
  r.responded = true;
  return true;
}

Reply read_reply(int fd, std::chrono::milliseconds timeout) {
  Reply r;
  std::string raw;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!parse_reply(raw, r)) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      r.timed_out = true;
      break;
    }
    pollfd p{fd, POLLIN, 0};
    int pr = ::poll(&p, 1, static_cast<int>(left.count()));
    if (pr < 0 && errno == EINTR) continue;
    if (pr <= 0) {
      r.timed_out = true;
      break;
    }
    char buf[65536];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      r.closed = true;
      parse_reply(raw, r, true);
      break;
    }
    raw.append(buf, static_cast<std::size_t>(n));
  }
  r.raw_bytes = raw.size();
  return r;
}

/// One connection: send `bytes`, optionally half-close, read one response.
Reply raw_exchange(int port, std::string_view bytes, bool half_close = false,
                   std::chrono::milliseconds timeout = 8s) {
  int fd = connect_loopback(port);
  if (fd < 0) {
    Reply r;
    r.connected = false;
    return r;
  }
  send_all(fd, bytes);
  if (half_close) ::shutdown(fd, SHUT_WR);
  Reply r = read_reply(fd, timeout);
  ::close(fd);
  return r;
}

using Headers = std::vector<std::pair<std::string, std::string>>;

/// A syntactically valid HTTP/1.1 request (Content-Length framing, Connection: close); headers
/// and target are copied byte for byte.
std::string build_request(const std::string& method, const std::string& target,
                          const Headers& headers, const std::string& body) {
  std::string out = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (const auto& [k, v] : headers) out += k + ": " + v + "\r\n";
  out += "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
  return out + body;
}

std::string chunked(const std::string& body, std::size_t chunk = 16384) {
  std::string out;
  char size[32];
  for (std::size_t i = 0; i < body.size(); i += chunk) {
    auto part = body.substr(i, chunk);
    std::snprintf(size, sizeof size, "%zx\r\n", part.size());
    out += size + part + "\r\n";
  }
  return out + "0\r\n\r\n";
}

std::string multipart(const std::vector<std::pair<std::string, std::string>>& parts,
                      bool close = true) {
  std::string out;
  for (const auto& [name, value] : parts)
    out += "--" + std::string(kMultipartBoundary) + "\r\nContent-Disposition: form-data; name=\"" +
           name + "\"\r\n\r\n" + value + "\r\n";
  if (close) out += "--" + std::string(kMultipartBoundary) + "--\r\n";
  return out;
}

std::string multipart_type() {
  return "multipart/form-data; boundary=" + std::string(kMultipartBoundary);
}

std::string urlencoded(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string body;
  for (const auto& [k, v] : fields)
    body += (body.empty() ? "" : "&") + crypto::url_encode(k) + "=" + crypto::url_encode(v);
  return body;
}

std::string errc_for(int status) {
  switch (status) {
    case 400:
    case 405: return "invalid_input";
    case 401: return "unauthenticated";
    case 403: return "forbidden";
    case 404: return "not_found";
    case 413:
    case 431: return "too_large";
    case 415: return "unsupported_media";
    default: return "?";
  }
}

std::string deep(char open, std::size_t depth) { return std::string(depth, open); }

std::string deep_objects(std::size_t depth) {
  std::string s;
  s.reserve(depth * 5);
  for (std::size_t i = 0; i < depth; ++i) s += "{\"a\":";
  return s;
}

// ------------------------------------------------------------------------------ fixture

struct Secrets {
  std::string slack_token = "xoxb-hostile-" + crypto::random_hex(12);
  std::string slack_signing = "slk-sign-" + crypto::random_hex(12);
  std::string form = "form-sec-" + crypto::random_hex(12);
  std::string typeform = "tf-sec-" + crypto::random_hex(12);
  std::string mailgun = "key-mg-" + crypto::random_hex(12);
  std::string postmark = "pm-pass-" + crypto::random_hex(12);
  std::string sendgrid_token = "sg-tok-" + crypto::random_hex(12);
  std::string sendgrid_password = "sg-pass-" + crypto::random_hex(12);
  std::string smtp_url_password = "smtp-url-pass-" + crypto::random_hex(12);
  std::string smtp_password = "smtp-pass-" + crypto::random_hex(12);
  std::string reply = "reply-sec-" + crypto::random_hex(12);

  [[nodiscard]] std::vector<std::pair<std::string, std::string>> named() const {
    return {{"slack bot token", slack_token},
            {"slack signing secret", slack_signing},
            {"json form secret", form},
            {"typeform secret", typeform},
            {"mailgun signing key", mailgun},
            {"postmark password", postmark},
            {"sendgrid token", sendgrid_token},
            {"sendgrid password", sendgrid_password},
            {"smtp_url password", smtp_url_password},
            {"smtp_password", smtp_password},
            {"reply secret", reply}};
  }
  [[nodiscard]] std::vector<std::string> env() const {
    return {"H_SLACK_TOKEN=" + slack_token,
            "H_SLACK_SIGNING=" + slack_signing,
            "H_FORM_SECRET=" + form,
            "H_TYPEFORM_SECRET=" + typeform,
            "H_MAILGUN_KEY=" + mailgun,
            "H_POSTMARK_PASSWORD=" + postmark,
            "H_SENDGRID_TOKEN=" + sendgrid_token,
            "H_SENDGRID_PASSWORD=" + sendgrid_password,
            "H_SMTP_URL_PASSWORD=" + smtp_url_password,
            "H_SMTP_PASSWORD=" + smtp_password,
            "H_REPLY_SECRET=" + reply};
  }
  /// Every secret in the forms an accidental log line would carry it.
  [[nodiscard]] std::vector<std::pair<std::string, std::string>> needles() const {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [name, v] : named()) {
      out.emplace_back(name, v);
      out.emplace_back(name + " (hex)", crypto::to_hex(v));
      out.emplace_back(name + " (base64)", crypto::base64_encode(v));
      out.emplace_back(name + " (url-encoded)", crypto::url_encode(v));
    }
    out.emplace_back("postmark basic credentials", crypto::base64_encode("postmark:" + postmark));
    out.emplace_back("sendgrid basic credentials",
                     crypto::base64_encode("sendgrid:" + sendgrid_password));
    out.emplace_back("smtp url userinfo", "steward:" + smtp_url_password);
    return out;
  }
};

/// A port with nothing listening (bound then released), for an SMTP relay that refuses.
int dead_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

class HostileInput : public ::testing::Test {
 protected:
  void SetUp() override {
    fakes_opts_.token = secrets_.slack_token;
    slack_ = std::make_unique<steward::fakes::FakeSlack>(fakes_opts_);
    ASSERT_TRUE(slack_->ok());
    config_ = dir_.path() / "steward.toml";
    std::ofstream(config_) << R"([server]
listen = "127.0.0.1:0"
threads = 2
body_limit = )" << kBodyLimit
                           << R"(
[store]
path = "steward.db"
[company]
name = "Acme"
domains = ["acme.example"]
[slack]
bot_token = "${H_SLACK_TOKEN}"
signing_secret = "${H_SLACK_SIGNING}"
api_base = ")" << slack_->api_base()
                           << R"("
approvals_channel = "C_APPROVALS"
sales_channel = "C_SALES"
support_channel = "C_SUPPORT"
escalation_channel = "C_ESCALATE"
[email]
from = "Acme Support <support@acme.example>"
smtp_url = "smtp://steward:${H_SMTP_URL_PASSWORD}@127.0.0.1:)"
                           << dead_port() << R"("
smtp_username = "steward"
smtp_password = "${H_SMTP_PASSWORD}"
smtp_timeout = "2s"
reply_domain = "in.acme.example"
reply_secret = "${H_REPLY_SECRET}"
inbound_body_limit = )" << kBodyLimit
                           << R"(
[email.mailgun]
signing_key = "${H_MAILGUN_KEY}"
[email.postmark]
username = "postmark"
password = "${H_POSTMARK_PASSWORD}"
[email.sendgrid]
token = "${H_SENDGRID_TOKEN}"
username = "sendgrid"
password = "${H_SENDGRID_PASSWORD}"
[[people]]
name = "Dana Director"
slack_id = "U_DANA"
email = "dana@acme.example"
roles = ["director"]
[[people]]
name = "Sue Support"
slack_id = "U_SUE"
email = "sue@acme.example"
roles = ["support"]
[[people]]
name = "Otto On-call"
slack_id = "U0OTTO"
roles = ["on-call"]
[forms.website]
format = "json"
secret = "${H_FORM_SECRET}"
[forms.survey]
format = "typeform"
secret = "${H_TYPEFORM_SECRET}"
[outbox]
max_attempts = 2
base_backoff = "100ms"
)";
  }

  void start() {
    child_ = std::make_unique<Child>(
        std::vector<std::string>{STEWARD_BIN, "serve", "--config", config_.string(), "--port-file",
                                 (dir_.path() / "port").string()},
        log_path(), secrets_.env());
    ASSERT_TRUE(child_->started());
    auto port = steward::testing::wait_for_file(dir_.path() / "port", 30s);
    ASSERT_FALSE(port.empty()) << log();
    port_ = std::stoi(port);
    http_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
    http_->set_read_timeout(10, 0);
    http_->set_write_timeout(10, 0);
  }

  fs::path log_path() const { return dir_.path() / "steward.log"; }
  std::string log() const { return slurp(log_path()); }
  bool alive() const {
    if (!child_ || child_->pid() <= 0) return false;
    int st = 0;
    return ::waitpid(child_->pid(), &st, WNOHANG) == 0;
  }

  // ---- requests --------------------------------------------------------------------------

  /// A well-formed request through cpp-httplib.
  Reply http(const std::string& method, const std::string& path, const Headers& headers,
             const std::string& body = {}) {
    httplib::Request req;
    req.method = method;
    req.path = path;
    for (const auto& [k, v] : headers) req.set_header(k, v);
    req.body = body;
    if (!body.empty() && !req.has_header("Content-Type"))
      req.set_header("Content-Type", "application/octet-stream");
    auto res = http_->send(req);
    Reply r;
    if (!res) {
      r.connected = res.error() != httplib::Error::Connection;
      r.closed = true;
      return r;
    }
    r.responded = true;
    r.status = res->status;
    r.body = res->body;
    for (const auto& [k, v] : res->headers) r.headers[lower(k)] = v;
    return r;
  }

  Reply raw(const std::string& bytes, bool half_close = false) {
    return raw_exchange(port_, bytes, half_close);
  }

  // Forms -----------------------------------------------------------------------------------
  static std::string form_body(const std::string& event_id,
                               const std::string& email = "ann@customer.example") {
    return R"({"event_id":")" + event_id + R"(","fields":{"name":"Ann Customer","email":")" +
           email +
           R"(","company":"Customer Ltd","employees":"51-200","message":"Please call me."}})";
  }
  static std::string typeform_body(const std::string& event_id) {
    return R"({"event_id":")" + event_id +
           R"(","event_type":"form_response","form_response":{"token":"tok-)" + event_id +
           R"(","submitted_at":"2026-01-01T00:00:00Z","answers":[)"
           R"({"type":"email","email":"tina@customer.example","field":{"id":"f1","ref":"email"}},)"
           R"({"type":"text","text":"Tina","field":{"id":"f2","ref":"name"}}]}})";
  }
  Reply post_form(const std::string& body, const Headers& extra = {},
                  const std::string& form = "website") {
    Headers h = extra;
    return http("POST", "/hooks/forms/" + form, h, body);
  }
  Reply form_signed(const std::string& body) {
    return post_form(body,
                     {{"Content-Type", "application/json"},
                      {"X-Steward-Signature", steward::e2e::form_signature(secrets_.form, body)}});
  }
  Reply typeform_signed(const std::string& body) {
    return post_form(
        body,
        {{"Content-Type", "application/json"},
         {"Typeform-Signature", steward::e2e::form_signature(secrets_.typeform, body)}},
        "survey");
  }

  // Slack -----------------------------------------------------------------------------------
  Reply slack(const std::string& route, const std::string& body, const std::string& ts,
              const std::string& sig, const std::string& ct = "") {
    Headers h{{"Content-Type", !ct.empty()                ? ct
                               : route == "/slack/events" ? "application/json"
                                                          : "application/x-www-form-urlencoded"}};
    if (!ts.empty()) h.emplace_back("X-Slack-Request-Timestamp", ts);
    if (!sig.empty()) h.emplace_back("X-Slack-Signature", sig);
    return http("POST", route, h, body);
  }
  Reply slack_signed(const std::string& route, const std::string& body, long offset = 0) {
    auto ts = steward::e2e::now_ts(offset);
    return slack(route, body, ts, steward::e2e::slack_signature(secrets_.slack_signing, ts, body));
  }
  static std::string mention(const std::string& ts, const std::string& text = "<@U0BOT> status?") {
    return R"({"type":"event_callback","team_id":"T0FAKE","event_id":"Ev)" + ts +
           R"(","event":{"type":"app_mention","user":"U_DANA","text":")" + text +
           R"(","channel":"C_HOSTILE","ts":")" + ts + R"("}})";
  }
  static std::string command(const std::string& trigger, const std::string& text = "help") {
    return urlencoded({{"command", "/steward"},
                       {"text", text},
                       {"user_id", "U_DANA"},
                       {"user_name", "dana"},
                       {"channel_id", "C_HOSTILE"},
                       {"team_id", "T0FAKE"},
                       {"trigger_id", trigger}});
  }
  static std::string click_payload(const std::string& action_ts,
                                   const std::string& action_id = "hostile.noop") {
    return R"({"type":"block_actions","user":{"id":"U_DANA","username":"dana"},)"
           R"("team":{"id":"T0FAKE"},"container":{"channel_id":"C_HOSTILE","message_ts":"1.1"},"trigger_id":"tr-)" +
           action_ts + R"(","actions":[{"action_id":")" + action_id +
           R"(","block_id":"b1","value":"v1","action_ts":")" + action_ts + R"("}]})";
  }

  // Email -----------------------------------------------------------------------------------
  std::vector<std::pair<std::string, std::string>> mailgun_mail(const std::string& msgid) {
    return {{"recipient", "support@acme.example"},
            {"sender", "ann@customer.example"},
            {"from", "Ann Customer <ann@customer.example>"},
            {"To", "support@acme.example"},
            {"Message-Id", "<" + msgid + ">"},
            {"subject", "Order question"},
            {"body-plain", "Where is my parcel?"}};
  }
  /// Appends timestamp/token/signature (signed with `key`) to `fields`.
  static void mailgun_sign(std::vector<std::pair<std::string, std::string>>& fields,
                           const std::string& key, const std::string& timestamp,
                           const std::string& token) {
    fields.emplace_back("timestamp", timestamp);
    fields.emplace_back("token", token);
    fields.emplace_back("signature", crypto::to_hex(crypto::hmac_sha256(key, timestamp + token)));
  }
  Reply mailgun(const std::string& body,
                const std::string& ct = "application/x-www-form-urlencoded") {
    return http("POST", "/hooks/email/mailgun", {{"Content-Type", ct}}, body);
  }
  Reply mailgun_signed(std::vector<std::pair<std::string, std::string>> fields, long age = 0) {
    mailgun_sign(fields, secrets_.mailgun, steward::e2e::now_ts(-age), crypto::random_hex(25));
    return mailgun(urlencoded(fields));
  }
  static std::string postmark_mail(const std::string& msgid, const std::string& subject = "Hello",
                                   const std::string& from = "ann@customer.example") {
    boost::json::object o{
        {"From", from},
        {"FromName", "Ann Customer"},
        {"To", "support@acme.example"},
        {"ToFull", boost::json::array{{{"Email", "support@acme.example"}, {"Name", ""}}}},
        {"Subject", subject},
        {"TextBody", "Where is my parcel?"},
        {"Headers", boost::json::array{{{"Name", "Message-ID"}, {"Value", "<" + msgid + ">"}}}}};
    return boost::json::serialize(o);
  }
  std::string postmark_auth(const std::string& password) const {
    return "Basic " + crypto::base64_encode("postmark:" + password);
  }
  Reply postmark(const std::string& body, const std::string& ct = "application/json") {
    return http("POST", "/hooks/email/postmark",
                {{"Content-Type", ct}, {"Authorization", postmark_auth(secrets_.postmark)}}, body);
  }
  static std::vector<std::pair<std::string, std::string>> sendgrid_mail(const std::string& msgid) {
    return {{"headers", "Message-ID: <" + msgid + ">\r\nSubject: Order question\r\n"},
            {"from", "Ann Customer <ann@customer.example>"},
            {"to", "support@acme.example"},
            {"subject", "Order question"},
            {"text", "Where is my parcel?"},
            {"envelope", R"({"to":["support@acme.example"],"from":"ann@customer.example"})"}};
  }
  Reply sendgrid(const std::string& body, const std::string& ct = multipart_type()) {
    return http("POST", "/hooks/email/sendgrid?token=" + secrets_.sendgrid_token,
                {{"Content-Type", ct}}, body);
  }

  // ---- bookkeeping -------------------------------------------------------------------------

  void tally(const std::string& route, const std::string& family) {
    ++cases_[route][family];
    ++total_cases_;
  }
  void keep(const Reply& r) {
    bodies_ += r.body;
    bodies_ += '\n';
    for (const auto& [k, v] : r.headers) bodies_ += k + ": " + v + "\n";
  }

  /// The JSON error body every non-2xx answer carries: {"ok":false,"error":…,"message":…}.
  void expect_error_body(const std::string& where, const Reply& r, int status) {
    EXPECT_EQ(r.header("content-type").rfind("application/json", 0), 0u)
        << where << ": content-type " << r.header("content-type");
    boost::system::error_code ec;
    auto v = boost::json::parse(r.body, ec);  // strict: invalid UTF-8 is an error
    if (ec || !v.is_object()) {
      ADD_FAILURE() << where << ": error body is not a valid JSON object (" << ec.message()
                    << "): " << clip(r.body);
      return;
    }
    const auto& o = v.get_object();
    auto ok = o.find("ok");
    EXPECT_TRUE(ok != o.end() && ok->value().is_bool() && !ok->value().get_bool())
        << where << ": " << clip(r.body);
    EXPECT_EQ(steward::e2e::str(v, "error"), errc_for(status)) << where << ": " << clip(r.body);
    auto msg = o.find("message");
    EXPECT_TRUE(msg != o.end() && msg->value().is_string()) << where << ": " << clip(r.body);
  }

  /// One case: the exact status, and the error body for an error.
  void expect(const std::string& route, const std::string& family, const std::string& name,
              const Reply& r, int status) {
    tally(route, family);
    keep(r);
    const std::string where = route + " / " + family + " / " + name;
    if (!r.responded) {
      ADD_FAILURE() << where << ": no response (connected=" << r.connected << " closed=" << r.closed
                    << " timed_out=" << r.timed_out << " bytes=" << r.raw_bytes << "), want "
                    << status;
      return;
    }
    EXPECT_EQ(r.status, status) << where << "\n  body: " << clip(r.body);
    if (status >= 400 && r.status == status) expect_error_body(where, r, status);
  }

  void expect_405(const std::string& route, const std::string& name, const Reply& r,
                  const std::string& allow) {
    expect(route, "wrong method", name, r, 405);
    EXPECT_EQ(r.header("allow"), allow) << route << " / " << name;
  }

  /// The server must close the connection without writing a response.
  void expect_closed(const std::string& route, const std::string& family, const std::string& name,
                     const Reply& r) {
    tally(route, family);
    keep(r);
    EXPECT_TRUE(r.connected) << route << " / " << name;
    EXPECT_FALSE(r.responded) << route << " / " << family << " / " << name
                              << ": unexpected response " << r.status << " " << clip(r.body);
    EXPECT_EQ(r.raw_bytes, 0u) << route << " / " << name;
    EXPECT_TRUE(r.closed && !r.timed_out)
        << route << " / " << family << " / " << name << ": connection not closed promptly";
  }

  /// An accepted delivery: 200 and, unless it is a duplicate, one new event with `dedupe_key`.
  void expect_accepted(const std::string& route, const std::string& family, const std::string& name,
                       const Reply& r, const std::string& dedupe_key) {
    expect(route, family, name, r, 200);
    if (r.responded && r.status == 200) expected_keys_.insert(dedupe_key);
  }

  /// Behaviour the headers leave open (e.g. invalid UTF-8 in a Slack form field): either 400
  /// (nothing stored) or 200 with exactly the one event `dedupe_key`, and a valid JSON answer.
  void expect_400_or_accepted(const std::string& route, const std::string& family,
                              const std::string& name, const Reply& r,
                              const std::string& dedupe_key) {
    tally(route, family);
    keep(r);
    const std::string where = route + " / " + family + " / " + name;
    ASSERT_TRUE(r.responded) << where << ": no response";
    EXPECT_TRUE(r.status == 200 || r.status == 400)
        << where << ": " << r.status << " " << clip(r.body);
    if (r.status == 400) expect_error_body(where, r, 400);
    if (r.status == 200) {
      expected_keys_.insert(dedupe_key);
      either_accepted_.push_back(where);
      if (!r.body.empty() && r.header("content-type").rfind("application/json", 0) == 0) {
        boost::system::error_code ec;
        boost::json::parse(r.body, ec);
        EXPECT_FALSE(ec) << where << ": 200 body is not valid JSON/UTF-8: " << clip(r.body);
      }
    } else {
      either_rejected_.push_back(where + " -> " + clip(r.body, 160));
    }
  }

  std::set<std::string> inbox_keys() {
    std::set<std::string> keys;
    try {
      SQLite::Database db((dir_.path() / "steward.db").string(), SQLite::OPEN_READONLY);
      db.exec("PRAGMA busy_timeout = 5000");
      SQLite::Statement q(db, "SELECT dedupe_key FROM inbox");
      while (q.executeStep()) keys.insert(q.getColumn(0).getString());
    } catch (const std::exception& e) {
      ADD_FAILURE() << "cannot read the inbox: " << e.what();
    }
    return keys;
  }

  /// The inbox holds exactly the accepted control events, nothing else.
  void expect_inbox(const std::string& after) {
    auto keys = inbox_keys();
    std::vector<std::string> unexpected, missing;
    for (const auto& k : keys)
      if (!expected_keys_.count(k)) unexpected.push_back(k);
    for (const auto& k : expected_keys_)
      if (!keys.count(k)) missing.push_back(k);
    std::string u, m;
    for (auto& k : unexpected) u += "\n    " + clip(k, 120);
    for (auto& k : missing) m += "\n    " + clip(k, 120);
    EXPECT_TRUE(unexpected.empty())
        << "after " << after << ": events accepted that should not be:" << u;
    EXPECT_TRUE(missing.empty()) << "after " << after << ": accepted events missing:" << m;
    EXPECT_EQ(keys.size(), expected_keys_.size()) << "after " << after;
  }

  // ---- corpus, one block per route -----------------------------------------------------------
  void json_form_corpus();
  void typeform_corpus();
  void slack_events_corpus();
  void slack_commands_corpus();
  void slack_interactivity_corpus();
  void mailgun_corpus();
  void postmark_corpus();
  void sendgrid_corpus();
  void framing_corpus();
  void routing_corpus();
  void half_open_burst();

  Secrets secrets_;
  steward::fakes::FakeSlackOptions fakes_opts_;
  TempDir dir_;
  fs::path config_;
  std::unique_ptr<steward::fakes::FakeSlack> slack_;
  std::unique_ptr<Child> child_;
  std::unique_ptr<httplib::Client> http_;
  int port_ = 0;
  int seq_ = 0;  ///< makes control ids unique
  std::set<std::string> expected_keys_;
  std::map<std::string, std::map<std::string, int>> cases_;
  int total_cases_ = 0;
  std::string bodies_;
  std::vector<std::string> either_accepted_, either_rejected_;

  std::string next_id(const std::string& prefix) { return prefix + "-" + std::to_string(++seq_); }
};

// ------------------------------------------------------------------------------ forms (JSON)

void HostileInput::json_form_corpus() {
  const std::string R = "POST /hooks/forms/website";
  const std::string json = "application/json";
  auto sig = [&](const std::string& body) {
    return steward::e2e::form_signature(secrets_.form, body);
  };

  // Control.
  auto id = next_id("ctl-form");
  expect_accepted(R, "control", "valid submission", form_signed(form_body(id)),
                  "form:website:" + id);

  // Forged / missing signature.
  auto body = form_body(next_id("forged"));
  expect(R, "forged signature", "other secret",
         post_form(body, {{"Content-Type", json},
                          {"X-Steward-Signature", steward::e2e::form_signature("guess", body)}}),
         401);
  expect(R, "forged signature", "typeform secret",
         post_form(body, {{"Content-Type", json},
                          {"X-Steward-Signature",
                           steward::e2e::form_signature(secrets_.typeform, body)}}),
         401);
  expect(
      R, "forged signature", "signature of another body",
      post_form(body, {{"Content-Type", json}, {"X-Steward-Signature", sig(form_body("other"))}}),
      401);
  expect(R, "forged signature", "hex instead of base64",
         post_form(body, {{"Content-Type", json},
                          {"X-Steward-Signature",
                           "sha256=" + crypto::to_hex(crypto::hmac_sha256(secrets_.form, body))}}),
         401);
  expect(R, "forged signature", "sha1= prefix",
         post_form(body, {{"Content-Type", json},
                          {"X-Steward-Signature", "sha1=" + sig(body).substr(7)}}),
         401);
  expect(R, "forged signature", "empty sha256=",
         post_form(body, {{"Content-Type", json}, {"X-Steward-Signature", "sha256="}}), 401);
  expect(R, "forged signature", "valid signature under the Typeform header name",
         post_form(body, {{"Content-Type", json}, {"Typeform-Signature", sig(body)}}), 401);
  expect(R, "forged signature", "signature with trailing garbage",
         post_form(body, {{"Content-Type", json}, {"X-Steward-Signature", sig(body) + "AA"}}), 401);
  expect(R, "missing signature", "no header", post_form(body, {{"Content-Type", json}}), 401);
  expect(R, "missing signature", "empty body, no header", post_form("", {{"Content-Type", json}}),
         401);

  // Replay: the same signed delivery twice is one event; the second answer says duplicate.
  auto rid = next_id("replay-form");
  auto rbody = form_body(rid);
  auto first = form_signed(rbody);
  expect_accepted(R, "replayed", "first delivery", first, "form:website:" + rid);
  auto second = form_signed(rbody);
  expect(R, "replayed", "identical second delivery", second, 200);
  EXPECT_NE(second.body.find("\"duplicate\":true"), std::string::npos) << second.body;
  EXPECT_EQ(steward::e2e::str(boost::json::parse(first.body), "event_id"),
            steward::e2e::str(boost::json::parse(second.body), "event_id"));
  expect(R, "replayed", "same event_id, other body",
         form_signed(form_body(rid, "mallory@evil.example")), 200);

  // Wrong content type: 415 before the signature is looked at.
  for (const std::string& ct :
       {std::string("text/plain"), std::string("application/x-www-form-urlencoded"),
        std::string("application/jsonx"), std::string("application/json-seq"),
        std::string("multipart/form-data; boundary=x"), std::string("json"),
        std::string("application/json\xFF")}) {
    expect(R, "wrong content-type", "'" + ct + "' (signed)",
           raw(build_request("POST", "/hooks/forms/website",
                             {{"Content-Type", ct}, {"X-Steward-Signature", sig(body)}}, body)),
           415);
  }
  expect(R, "wrong content-type", "none (signed)",
         raw(build_request("POST", "/hooks/forms/website", {{"X-Steward-Signature", sig(body)}},
                           body)),
         415);
  expect(R, "wrong content-type", "text/plain, unsigned",
         post_form(body, {{"Content-Type", "text/plain"}}), 415);
  expect(R, "wrong content-type", "charset parameter is fine (signed control)",
         post_form(form_body(id), {{"Content-Type", "application/json; charset=utf-8"},
                                   {"X-Steward-Signature", sig(form_body(id))}}),
         200);

  // Truncated JSON with a correct signature.
  auto full = form_body(next_id("trunc"));
  for (std::size_t cut : {full.size() / 2, full.size() - 1, std::size_t{1}})
    expect(R, "truncated", "JSON cut at " + std::to_string(cut), form_signed(full.substr(0, cut)),
           400);

  // Wrongly typed fields, validly signed.
  auto tid = next_id("typed");
  const std::vector<std::pair<std::string, std::string>> typed = {
      {"email is a number", R"({"event_id":")" + tid + R"(","fields":{"email":42}})"},
      {"email is an array", R"({"fields":{"email":["a@b.example"]}})"},
      {"email is an object", R"({"fields":{"email":{"a":"a@b.example"}}})"},
      {"name is an object", R"({"fields":{"email":"a@b.example","name":{}}})"},
      {"company is a bool", R"({"fields":{"email":"a@b.example","company":true}})"},
      {"message is a number", R"({"fields":{"email":"a@b.example","message":7}})"},
      {"phone is an array", R"({"fields":{"email":"a@b.example","phone":[1]}})"},
      {"employees negative", R"({"fields":{"email":"a@b.example","employees":-5}})"},
      {"budget is an object", R"({"fields":{"email":"a@b.example","budget":{}}})"},
      {"fields is an array", R"({"fields":[{"email":"a@b.example"}]})"},
      {"fields is a string", R"({"fields":"email=a@b.example"})"},
      {"event_id is a bool", R"({"event_id":true,"email":"a@b.example"})"},
      {"event_id is a float", R"({"event_id":1.5,"email":"a@b.example"})"},
      {"event_id too big for an integer",
       R"({"event_id":123456789012345678901234567890,"email":"a@b.example"})"},
      {"event_id empty", R"({"event_id":"","email":"a@b.example"})"},
      {"token is a number", R"({"token":5,"email":"a@b.example"})"},
      {"submitted_at is an array", R"({"submitted_at":[],"email":"a@b.example"})"},
      {"hidden is an array", R"({"hidden":[],"email":"a@b.example"})"},
      {"root is an array", R"([{"email":"a@b.example"}])"},
      {"root is a string", R"("a@b.example")"},
      {"root is null", "null"},
      {"root is a number", "42"},
      {"no email", R"({"fields":{"name":"Ann"}})"},
      {"email not an address", R"({"fields":{"email":"not-an-address"}})"},
      {"email with two @", R"({"fields":{"email":"a@b@c.example"}})"},
      {"email with NUL escape", R"({"fields":{"email":"a\u0000@b.example"}})"},
      {"trailing garbage", R"({"email":"a@b.example"} x)"},
      {"two documents", R"({"email":"a@b.example"}{"email":"c@d.example"})"},
      {"empty body", ""},
      {"comments", R"({/*c*/"email":"a@b.example"})"},
      {"single quotes", R"({'email':'a@b.example'})"},
      {"NaN literal", R"({"email":"a@b.example","employees":NaN})"},
      {"number beyond double range", R"({"email":"a@b.example","employees":1e999})"},
  };
  for (const auto& [name, b] : typed) expect(R, "wrongly typed", name, form_signed(b), 400);

  // Deeply nested, validly signed: refused, and the process survives (checked at the end).
  expect(R, "deeply nested", "100k '['", form_signed(deep('[', 100000)), 400);
  expect(R, "deeply nested", "50k {\"a\":", form_signed(deep_objects(50000)), 400);
  expect(R, "deeply nested", "depth 40 inside fields",
         form_signed(R"({"email":"a@b.example","extra":)" + deep('[', 40) + std::string(40, ']') +
                     "}"),
         400);

  // Invalid UTF-8 in every field (and a key), validly signed.
  for (const auto& [bad_name, bad] : kBadUtf8) {
    const std::string e = "a@b.example";
    const std::vector<std::pair<std::string, std::string>> where = {
        {"name", R"({"fields":{"email":")" + e + R"(","name":"A)" + bad + R"(n"}})"},
        {"email", R"({"fields":{"email":"a)" + bad + R"(@b.example"}})"},
        {"company", R"({"fields":{"email":")" + e + R"(","company":"C)" + bad + R"("}})"},
        {"message", R"({"fields":{"email":")" + e + R"(","message":")" + bad + R"("}})"},
        {"phone", R"({"fields":{"email":")" + e + R"(","phone":")" + bad + R"("}})"},
        {"employees", R"({"fields":{"email":")" + e + R"(","employees":"5)" + bad + R"("}})"},
        {"event_id", R"({"event_id":"x)" + bad + R"(","fields":{"email":")" + e + R"("}})"},
        {"token", R"({"token":")" + bad + R"(","fields":{"email":")" + e + R"("}})"},
        {"hidden", R"({"hidden":{"utm":")" + bad + R"("},"fields":{"email":")" + e + R"("}})"},
        {"key", R"({"fields":{"email":")" + e + R"(",")" + bad + R"(":"x"}})"},
    };
    for (const auto& [field, b] : where)
      expect(R, "invalid UTF-8", field + " (" + bad_name + ")", form_signed(b), 400);
  }

  // NUL bytes.
  expect(
      R, "NUL bytes", "raw NUL inside a string",
      form_signed(std::string(R"({"fields":{"email":"a@b.example","name":"A)") + '\0' + R"(n"}})"),
      400);
  expect(R, "NUL bytes", "raw NUL between tokens",
         form_signed(std::string(R"({"email":"a@b.example")") + '\0' + "}"), 400);
  auto nul_id = next_id("nul-name");
  expect_accepted(R, "NUL bytes", "escaped NUL in the name is text (accepted)",
                  form_signed(R"({"event_id":")" + nul_id +
                              R"(","fields":{"email":"nul@b.example","name":"A\u0000n"}})"),
                  "form:website:" + nul_id);
  expect(
      R, "NUL bytes", "NUL in the signature header",
      raw(build_request("POST", "/hooks/forms/website",
                        {{"Content-Type", json}, {"X-Steward-Signature", "sha256=\0AAAA"s}}, body)),
      400);

  // Oversized: exactly the limit reaches the handler (401 unsigned), one byte more is 413.
  expect(R, "oversized", "exactly the limit, unsigned",
         post_form(std::string(kBodyLimit, ' '), {{"Content-Type", json}}), 401);
  expect(R, "oversized", "limit + 1 (Content-Length)",
         post_form(std::string(kBodyLimit + 1, ' '), {{"Content-Type", json}}), 413);
  std::string big =
      R"({"fields":{"email":"a@b.example","message":")" + std::string(300000, 'x') + R"("}})";
  expect(R, "oversized", "300 KB, signed (Content-Length)", form_signed(big), 413);
  expect(
      R, "oversized", "300 KB chunked, signed",
      raw("POST /hooks/forms/website HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
          "X-Steward-Signature: " +
          sig(big) + "\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + chunked(big)),
      413);
  expect(R, "oversized", "Content-Length 10 GB announced, nothing sent",
         raw("POST /hooks/forms/website HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
             "Content-Length: 10000000000\r\n\r\n"),
         413);

  // Truncated transfer: Content-Length larger than what is sent, then the client half-closes.
  expect_closed(R, "truncated", "Content-Length 1000, 100 sent, then FIN",
                raw("POST /hooks/forms/website HTTP/1.1\r\nHost: x\r\nContent-Type: "
                    "application/json\r\nX-Steward-Signature: " +
                        sig(body) + "\r\nContent-Length: 1000\r\n\r\n" + body.substr(0, 100),
                    true));
  expect_closed(R, "truncated", "chunked body without the last chunk, then FIN",
                raw("POST /hooks/forms/website HTTP/1.1\r\nHost: x\r\nContent-Type: "
                    "application/json\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n0123456789abcdef"
                    "\r\n",
                    true));

  // Another control, interleaved.
  auto id2 = next_id("ctl-form");
  expect_accepted(
      R, "control", "valid submission (flat shape)",
      form_signed(R"({"id":")" + id2 + R"(","email":"Bob@Customer.example","name":"Bob"})"),
      "form:website:" + id2);
}

// ------------------------------------------------------------------------------ forms (Typeform)

void HostileInput::typeform_corpus() {
  const std::string R = "POST /hooks/forms/survey";
  auto id = next_id("ctl-tf");
  expect_accepted(R, "control", "valid form_response", typeform_signed(typeform_body(id)),
                  "form:survey:" + id);

  auto body = typeform_body(next_id("tf-forged"));
  auto post = [&](const Headers& h) { return post_form(body, h, "survey"); };
  expect(R, "forged signature", "JSON form's secret",
         post({{"Content-Type", "application/json"},
               {"Typeform-Signature", steward::e2e::form_signature(secrets_.form, body)}}),
         401);
  expect(R, "forged signature", "valid signature under X-Steward-Signature",
         post({{"Content-Type", "application/json"},
               {"X-Steward-Signature", steward::e2e::form_signature(secrets_.typeform, body)}}),
         401);
  expect(R, "forged signature", "lower-case hex digest",
         post({{"Content-Type", "application/json"},
               {"Typeform-Signature",
                "sha256=" + crypto::to_hex(crypto::hmac_sha256(secrets_.typeform, body))}}),
         401);
  expect(R, "missing signature", "no header", post({{"Content-Type", "application/json"}}), 401);
  expect(R, "wrong content-type", "text/plain (signed)",
         post({{"Content-Type", "text/plain"},
               {"Typeform-Signature", steward::e2e::form_signature(secrets_.typeform, body)}}),
         415);

  auto rid = next_id("tf-replay");
  expect_accepted(R, "replayed", "first delivery", typeform_signed(typeform_body(rid)),
                  "form:survey:" + rid);
  auto again = typeform_signed(typeform_body(rid));
  expect(R, "replayed", "second delivery", again, 200);
  EXPECT_NE(again.body.find("\"duplicate\":true"), std::string::npos) << again.body;

  auto full = typeform_body(next_id("tf-trunc"));
  expect(R, "truncated", "JSON cut in half", typeform_signed(full.substr(0, full.size() / 2)), 400);

  const std::vector<std::pair<std::string, std::string>> typed = {
      {"event_type is a number", R"({"event_type":5,"form_response":{"answers":[]}})"},
      {"partial response",
       R"({"event_type":"form_response_partial","form_response":{"answers":[]}})"},
      {"form_response is an array", R"({"event_type":"form_response","form_response":[]})"},
      {"answers is an object", R"({"event_type":"form_response","form_response":{"answers":{}}})"},
      {"answer is a number", R"({"event_type":"form_response","form_response":{"answers":[5]}})"},
      {"answer.field is a string",
       R"({"event_type":"form_response","form_response":{"answers":[{"type":"email","email":"a@b.example","field":"email"}]}})"},
      {"email answer is a number",
       R"({"event_type":"form_response","form_response":{"answers":[{"type":"email","email":5,"field":{"ref":"email"}}]}})"},
      {"choice answer is a string",
       R"({"event_type":"form_response","form_response":{"answers":[{"type":"email","email":"a@b.example","field":{"ref":"email"}},{"type":"choice","choice":"x","field":{"ref":"budget"}}]}})"},
      {"token is an object",
       R"({"event_type":"form_response","form_response":{"token":{},"answers":[{"type":"email","email":"a@b.example","field":{"ref":"email"}}]}})"},
      {"no email answer",
       R"({"event_type":"form_response","form_response":{"answers":[{"type":"text","text":"x","field":{"ref":"name"}}]}})"},
  };
  for (const auto& [name, b] : typed) expect(R, "wrongly typed", name, typeform_signed(b), 400);

  expect(R, "deeply nested", "100k '['", typeform_signed(deep('[', 100000)), 400);
  expect(R, "deeply nested", "answers nested 40 deep",
         typeform_signed(R"({"event_type":"form_response","form_response":{"answers":)" +
                         deep('[', 40) + std::string(40, ']') + "}}"),
         400);
  for (const auto& [bad_name, bad] : kBadUtf8) {
    auto b = typeform_body("utf8");
    b.replace(b.find("Tina"), 4, "Ti" + bad + "na");
    expect(R, "invalid UTF-8", "text answer (" + bad_name + ")", typeform_signed(b), 400);
  }
  auto nul = typeform_body("nul");
  nul.replace(nul.find("Tina"), 1, "\0"s);
  expect(R, "NUL bytes", "raw NUL in an answer", typeform_signed(nul), 400);
  expect(R, "oversized", "300 KB signed",
         typeform_signed(R"({"event_type":"form_response","pad":")" + std::string(300000, 'p') +
                         "\"}"),
         413);
}

// ------------------------------------------------------------------------------ Slack events

void HostileInput::slack_events_corpus() {
  const std::string R = "POST /slack/events";
  const std::string route = "/slack/events";
  auto sign = [&](const std::string& ts, const std::string& body) {
    return steward::e2e::slack_signature(secrets_.slack_signing, ts, body);
  };
  auto ts_id = [&] { return std::to_string(1700000000 + ++seq_) + ".000100"; };

  auto cts = ts_id();
  expect_accepted(R, "control", "app_mention", slack_signed(route, mention(cts)),
                  "slack:msg:C_HOSTILE:" + cts);
  auto challenge = slack_signed(route, R"({"type":"url_verification","challenge":"ch-123"})");
  expect(R, "control", "url_verification (answered, no event)", challenge, 200);
  EXPECT_NE(challenge.body.find("ch-123"), std::string::npos);

  {
    // Issue 9 (5): signed, but from another workspace.
    auto foreign = mention(ts_id());
    foreign.replace(foreign.find("T0FAKE"), 6, "T0EVIL");
    expect(R, "foreign workspace", "app_mention from team T0EVIL", slack_signed(route, foreign),
           403);
  }

  auto body = mention(ts_id());
  auto now = steward::e2e::now_ts();
  expect(R, "forged signature", "other secret",
         slack(route, body, now, steward::e2e::slack_signature("guess", now, body)), 401);
  expect(R, "forged signature", "form secret",
         slack(route, body, now, steward::e2e::slack_signature(secrets_.form, now, body)), 401);
  expect(R, "forged signature", "signed over another timestamp",
         slack(route, body, now, sign(steward::e2e::now_ts(-1), body)), 401);
  expect(R, "forged signature", "signed over another body",
         slack(route, body, now, sign(now, mention("1.2"))), 401);
  expect(R, "forged signature", "v1= version",
         slack(route, body, now, "v1=" + sign(now, body).substr(3)), 401);
  expect(R, "forged signature", "not hex", slack(route, body, now, "v0=" + std::string(64, 'z')),
         401);
  expect(R, "forged signature", "64 x A", slack(route, body, now, "v0=" + std::string(64, 'A')),
         401);
  expect(R, "forged signature", "truncated digest",
         slack(route, body, now, sign(now, body).substr(0, 40)), 401);
  expect(R, "missing signature", "no X-Slack-Signature", slack(route, body, now, ""), 401);
  expect(R, "missing signature", "no timestamp", slack(route, body, "", sign(now, body)), 401);
  expect(R, "missing signature", "neither", slack(route, body, "", ""), 401);
  for (const std::string& ts :
       {std::string("abc"), std::string("-1"), std::string("1e9"),
        std::string("99999999999999999999999"), std::string(" "), std::string("1700000000.5")})
    expect(R, "stale timestamp", "malformed timestamp '" + ts + "'",
           slack(route, body, ts, sign(ts, body)), 401);
  for (long off : {-301L, -400L, -86400L, 310L, 400L, 86400L}) {
    auto ts = steward::e2e::now_ts(off);
    expect(R, "stale timestamp", "validly signed, " + std::to_string(off) + " s",
           slack(route, body, ts, sign(ts, body)), 401);
  }
  expect(R, "stale timestamp", "epoch 0", slack(route, body, "0", sign("0", body)), 401);

  // Replay: the same signed request twice (and a Slack retry) is one event.
  auto rts = ts_id();
  auto rbody = mention(rts);
  auto t = steward::e2e::now_ts();
  expect_accepted(R, "replayed", "first delivery", slack(route, rbody, t, sign(t, rbody)),
                  "slack:msg:C_HOSTILE:" + rts);
  expect(R, "replayed", "identical second delivery", slack(route, rbody, t, sign(t, rbody)), 200);
  auto t2 = steward::e2e::now_ts(1);
  expect(R, "replayed", "retry with a new timestamp",
         http("POST", route,
              {{"Content-Type", "application/json"},
               {"X-Slack-Request-Timestamp", t2},
               {"X-Slack-Signature", sign(t2, rbody)},
               {"X-Slack-Retry-Num", "1"},
               {"X-Slack-Retry-Reason", "http_timeout"}},
              rbody),
         200);

  // Nothing is accepted from ourselves, even validly signed.
  auto own =
      R"({"type":"event_callback","event_id":"EvOwn","event":{"type":"message","user":"U0BOT","text":"loop","channel":"C_HOSTILE","ts":"9.9"}})";
  expect(R, "control", "own message is ignored (no event)", slack_signed(route, own), 200);
  auto bot =
      R"({"type":"event_callback","event_id":"EvBot","event":{"type":"message","bot_id":"B0OTHER","text":"x","channel":"C_HOSTILE","ts":"9.8"}})";
  expect(R, "control", "other bot's message is ignored (no event)", slack_signed(route, bot), 200);

  auto full = mention(ts_id());
  expect(R, "truncated", "JSON cut in half", slack_signed(route, full.substr(0, full.size() / 2)),
         400);
  expect(R, "truncated", "empty body", slack_signed(route, ""), 400);
  expect_closed(R, "truncated", "Content-Length 500, 50 sent, then FIN",
                raw("POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    "Content-Length: 500\r\n\r\n" +
                        full.substr(0, 50),
                    true));

  const std::vector<std::pair<std::string, std::string>> typed = {
      {"type is a number", R"({"type":5})"},
      {"type missing", R"({"event":{"type":"app_mention"}})"},
      {"event is an array", R"({"type":"event_callback","event_id":"E1","event":[]})"},
      {"event is a string", R"({"type":"event_callback","event_id":"E1","event":"app_mention"})"},
      {"event.type is a number", R"({"type":"event_callback","event_id":"E1","event":{"type":5}})"},
      {"event.type empty", R"({"type":"event_callback","event_id":"E1","event":{"type":""}})"},
      {"channel/ts numbers, no event_id",
       R"({"type":"event_callback","event":{"type":"app_mention","user":"U1","channel":5,"ts":5}})"},
      {"event_id an object and no channel",
       R"({"type":"event_callback","event_id":{},"event":{"type":"reaction_added","user":"U1"}})"},
      {"challenge is a number", R"({"type":"url_verification","challenge":5})"},
      {"challenge empty", R"({"type":"url_verification","challenge":""})"},
      {"root is an array", R"([{"type":"url_verification","challenge":"x"}])"},
      {"root is a string", R"("event_callback")"},
      {"form-encoded body", "type=url_verification&challenge=x"},
      {"number beyond double range",
       R"({"type":"event_callback","event_id":"EvInf","n":1e999,"event":{"type":"reaction_added","user":"U1"}})"},
  };
  for (const auto& [name, b] : typed) expect(R, "wrongly typed", name, slack_signed(route, b), 400);

  expect(R, "deeply nested", "100k '['", slack_signed(route, deep('[', 100000)), 400);
  expect(R, "deeply nested", "50k objects in event",
         slack_signed(route, R"({"type":"event_callback","event":)" + deep_objects(50000)), 400);

  for (const auto& [bad_name, bad] : kBadUtf8) {
    for (const std::string field : {"text", "user", "channel", "event_id", "type"}) {
      auto b = mention(ts_id());
      std::string needle = field == "type"      ? "\"app_mention\""
                           : field == "text"    ? "status?"
                           : field == "user"    ? "U_DANA"
                           : field == "channel" ? "C_HOSTILE"
                                                : "\"Ev";
      auto at = b.find(needle);
      b.insert(at + (needle.front() == '"' ? 1 : 0), bad);
      expect(R, "invalid UTF-8", field + " (" + bad_name + ")", slack_signed(route, b), 400);
    }
  }
  expect(R, "NUL bytes", "raw NUL in text", slack_signed(route, mention(ts_id(), "a\0b"s)), 400);
  expect(R, "NUL bytes", "NUL in the timestamp header",
         raw(build_request("POST", route,
                           {{"Content-Type", "application/json"},
                            {"X-Slack-Request-Timestamp", "17\0"s},
                            {"X-Slack-Signature", "v0=00"}},
                           body)),
         400);
  expect(R, "invalid UTF-8", "in the signature header",
         raw(build_request("POST", route,
                           {{"Content-Type", "application/json"},
                            {"X-Slack-Request-Timestamp", now},
                            {"X-Slack-Signature", "v0=\xFF\xFE"}},
                           body)),
         401);

  std::string big = R"({"type":"event_callback","pad":")" + std::string(300000, 'p') + "\"}";
  expect(R, "oversized", "300 KB signed", slack_signed(route, big), 413);
  auto bts = steward::e2e::now_ts();
  expect(R, "oversized", "300 KB chunked, signed",
         raw("POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
             "X-Slack-Request-Timestamp: " +
             bts + "\r\nX-Slack-Signature: " + sign(bts, big) +
             "\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + chunked(big)),
         413);

  auto cts2 = ts_id();
  expect_accepted(R, "control", "app_mention (interleaved)", slack_signed(route, mention(cts2)),
                  "slack:msg:C_HOSTILE:" + cts2);
}

// ------------------------------------------------------------------------------ Slack commands

void HostileInput::slack_commands_corpus() {
  const std::string R = "POST /slack/commands";
  const std::string route = "/slack/commands";
  auto sign = [&](const std::string& ts, const std::string& body) {
    return steward::e2e::slack_signature(secrets_.slack_signing, ts, body);
  };

  auto trig = next_id("trig");
  auto ok = slack_signed(route, command(trig, "help"));
  expect_accepted(R, "control", "/steward help", ok, "slack:cmd:" + trig);
  EXPECT_NE(ok.body.find("ephemeral"), std::string::npos) << ok.body;

  auto body = command(next_id("trig-forged"));
  auto now = steward::e2e::now_ts();
  expect(R, "forged signature", "other secret",
         slack(route, body, now, steward::e2e::slack_signature("guess", now, body)), 401);
  expect(R, "forged signature", "signed over another body",
         slack(route, body, now, sign(now, command("x"))), 401);
  expect(R, "missing signature", "none", slack(route, body, "", ""), 401);
  expect(R, "missing signature", "no timestamp", slack(route, body, "", sign(now, body)), 401);
  for (long off : {-301L, -3600L, 310L}) {
    auto ts = steward::e2e::now_ts(off);
    expect(R, "stale timestamp", std::to_string(off) + " s", slack(route, body, ts, sign(ts, body)),
           401);
  }
  // Slack's TLS probe is answered unverified, and must never produce an event.
  expect(R, "forged signature", "ssl_check=1 unsigned (probe answered, no event)",
         slack(route, "ssl_check=1&token=x", "", ""), 200);
  expect(R, "forged signature", "ssl_check=1 smuggling a command, unsigned",
         slack(route, "ssl_check=1&" + command(next_id("trig-ssl"), "status"), "", ""), 200);

  auto rtrig = next_id("trig-replay");
  auto rbody = command(rtrig, "status");
  auto t = steward::e2e::now_ts();
  expect_accepted(R, "replayed", "first delivery", slack(route, rbody, t, sign(t, rbody)),
                  "slack:cmd:" + rtrig);
  expect(R, "replayed", "identical second delivery", slack(route, rbody, t, sign(t, rbody)), 200);

  // Issue 9 (5): signed, but from another workspace.
  {
    auto foreign = command(next_id("trig-evil"), "approvals");
    foreign.replace(foreign.find("T0FAKE"), 6, "T0EVIL");
    expect(R, "foreign workspace", "/steward approvals from team T0EVIL",
           slack_signed(route, foreign), 403);
  }

  const std::vector<std::pair<std::string, std::string>> typed = {
      {"no command", "user_id=U_DANA&text=help"},
      {"empty command", "command=&user_id=U_DANA"},
      {"no user_id", "command=%2Fsteward&text=help"},
      {"user_id as array syntax", "command=%2Fsteward&user_id%5B%5D=U_DANA"},
      {"JSON body", R"({"command":"/steward","user_id":"U_DANA"})"},
      {"bad percent escape", "command=%2Fsteward&user_id=U_DANA&text=%zz"},
      {"empty body", ""},
  };
  for (const auto& [name, b] : typed) expect(R, "wrongly typed", name, slack_signed(route, b), 400);
  auto full = command(next_id("trig-trunc"), "status");
  expect(R, "truncated", "cut inside a percent escape",
         slack_signed(route, full.substr(0, full.find("%2F") + 2)), 400);
  expect(R, "truncated", "cut before user_id",
         slack_signed(route, full.substr(0, full.find("&user_id"))), 400);
  expect_closed(R, "truncated", "Content-Length 300, 20 sent, then FIN",
                raw("POST /slack/commands HTTP/1.1\r\nHost: x\r\nContent-Type: "
                    "application/x-www-form-urlencoded\r\nContent-Length: 300\r\n\r\n" +
                        full.substr(0, 20),
                    true));

  // A field that is not UTF-8 is a bad form encoding (parse.hpp): 400, nothing stored.
  for (const auto& [bad_name, bad] : kBadUtf8) {
    for (const std::string field : {"text", "user_name", "channel_id"}) {
      auto trigger = next_id("trig-utf8");
      auto b = urlencoded({{"command", "/steward"},
                           {"text", field == "text" ? "status " + bad : "help"},
                           {"user_id", "U_DANA"},
                           {"user_name", field == "user_name" ? "da" + bad : "dana"},
                           {"channel_id", field == "channel_id" ? "C" + bad : "C_HOSTILE"},
                           {"trigger_id", trigger}});
      expect(R, "invalid UTF-8", field + " (" + bad_name + ")", slack_signed(route, b), 400);
    }
  }
  // NUL is valid UTF-8 and the header does not forbid it: 400 or one sane event.
  auto ntrig = next_id("trig-nul");
  expect_400_or_accepted(R, "NUL bytes", "%00 in text",
                         slack_signed(route, command(ntrig, "status\0x"s)), "slack:cmd:" + ntrig);

  std::string big = command("big", std::string(300000, 'x'));
  expect(R, "oversized", "300 KB signed", slack_signed(route, big), 413);

  auto trig2 = next_id("trig");
  expect_accepted(R, "control", "/steward status (interleaved)",
                  slack_signed(route, command(trig2, "status")), "slack:cmd:" + trig2);
}

// ------------------------------------------------------------------------------ Slack
// interactivity

void HostileInput::slack_interactivity_corpus() {
  const std::string R = "POST /slack/interactivity";
  const std::string route = "/slack/interactivity";
  auto form = [](const std::string& payload) { return urlencoded({{"payload", payload}}); };
  auto sign = [&](const std::string& ts, const std::string& body) {
    return steward::e2e::slack_signature(secrets_.slack_signing, ts, body);
  };
  auto ats = [&] { return std::to_string(1700000000 + ++seq_) + ".5"; };

  auto a = ats();
  expect_accepted(R, "control", "block_actions", slack_signed(route, form(click_payload(a))),
                  "slack:action:U_DANA:" + a);

  auto body = form(click_payload(ats(), "approval.approve"));
  auto now = steward::e2e::now_ts();
  expect(R, "forged signature", "approval click with another secret",
         slack(route, body, now, steward::e2e::slack_signature("guess", now, body)), 401);
  expect(R, "forged signature", "approval click signed over another body",
         slack(route, body, now, sign(now, form(click_payload("1.1")))), 401);
  expect(R, "missing signature", "approval click unsigned", slack(route, body, "", ""), 401);
  for (long off : {-301L, -3600L, 310L}) {
    auto ts = steward::e2e::now_ts(off);
    expect(R, "stale timestamp", "approval click " + std::to_string(off) + " s",
           slack(route, body, ts, sign(ts, body)), 401);
  }

  auto ra = ats();
  auto rbody = form(click_payload(ra));
  auto t = steward::e2e::now_ts();
  expect_accepted(R, "replayed", "first click", slack(route, rbody, t, sign(t, rbody)),
                  "slack:action:U_DANA:" + ra);
  expect(R, "replayed", "identical second click", slack(route, rbody, t, sign(t, rbody)), 200);

  const std::vector<std::pair<std::string, std::string>> typed = {
      {"no payload field", "foo=bar"},
      {"payload is an array", form("[]")},
      {"payload is a string", form("\"block_actions\"")},
      {"type is a number", form(R"({"type":5,"user":{"id":"U1"}})")},
      {"user is a string",
       form(R"({"type":"block_actions","user":"U1","actions":[{"action_ts":"1"}]})")},
      {"user.id is a number",
       form(R"({"type":"block_actions","user":{"id":5},"actions":[{"action_ts":"1"}]})")},
      {"actions is an object",
       form(R"({"type":"block_actions","user":{"id":"U1"},"actions":{"action_ts":"1"}})")},
      {"actions[0] is a number",
       form(R"({"type":"block_actions","user":{"id":"U1"},"actions":[5]})")},
      {"action_ts is a number",
       form(
           R"({"type":"block_actions","user":{"id":"U1"},"actions":[{"action_id":"x","action_ts":5}]})")},
      {"approval click, value a number",
       form(
           R"({"type":"block_actions","user":{"id":"U1"},"actions":[{"action_id":"approval.approve","value":5,"action_ts":"1"}]})")},
      {"JSON body instead of a form", click_payload("1.1")},
  };
  for (const auto& [name, b] : typed) expect(R, "wrongly typed", name, slack_signed(route, b), 400);

  // Issue 9 (5): signed, but from another workspace (or none named).
  {
    auto p = click_payload(ats(), "approval.approve");
    p.replace(p.find("T0FAKE"), 6, "T0EVIL");
    expect(R, "foreign workspace", "approval click from team T0EVIL", slack_signed(route, form(p)),
           403);
    auto q = click_payload(ats());
    q.replace(q.find(R"("team":{"id":"T0FAKE"},)"), 23, "");
    expect(R, "foreign workspace", "click naming no team", slack_signed(route, form(q)), 403);
  }

  auto full = click_payload(ats());
  expect(R, "truncated", "payload JSON cut in half",
         slack_signed(route, form(full.substr(0, full.size() / 2))), 400);
  expect(R, "deeply nested", "payload of 100k '['",
         slack_signed(route, "payload=" + deep('[', 100000)), 400);
  expect(R, "deeply nested", "payload with 100-deep value",
         slack_signed(route, form(R"({"type":"block_actions","x":)" + deep('[', 100) +
                                  std::string(100, ']') + "}")),
         400);
  for (const auto& [bad_name, bad] : kBadUtf8) {
    auto p = click_payload(ats());
    p.replace(p.find("U_DANA"), 6, "U" + bad);
    expect(R, "invalid UTF-8", "user.id (" + bad_name + ")", slack_signed(route, form(p)), 400);
    auto q = click_payload(ats());
    q.replace(q.find("\"v1\""), 4, "\"v" + bad + "\"");
    expect(R, "invalid UTF-8", "action value (" + bad_name + ")", slack_signed(route, form(q)),
           400);
  }
  auto n = click_payload(ats());
  n.replace(n.find("v1"), 1, "\0"s);
  expect(R, "NUL bytes", "raw NUL in the payload JSON", slack_signed(route, form(n)), 400);
  std::string big = form(R"({"type":"block_actions","pad":")" + std::string(300000, 'p') + "\"}");
  expect(R, "oversized", "300 KB signed", slack_signed(route, big), 413);
}

// ------------------------------------------------------------------------------ Mailgun

void HostileInput::mailgun_corpus() {
  const std::string R = "POST /hooks/email/mailgun";
  auto id = next_id("mg-ctl") + "@customer.example";
  expect_accepted(R, "control", "valid urlencoded mail", mailgun_signed(mailgun_mail(id)),
                  "email:" + id);

  auto fields = mailgun_mail(next_id("mg-forged") + "@customer.example");
  auto ts = steward::e2e::now_ts();
  {
    auto f = fields;
    mailgun_sign(f, "key-guess", ts, crypto::random_hex(25));
    expect(R, "forged signature", "other key", mailgun(urlencoded(f)), 401);
  }
  {
    auto f = fields;
    mailgun_sign(f, secrets_.slack_signing, ts, crypto::random_hex(25));
    expect(R, "forged signature", "slack signing secret as key", mailgun(urlencoded(f)), 401);
  }
  {
    auto f = fields;
    f.emplace_back("timestamp", ts);
    f.emplace_back("token", "tok-1");
    f.emplace_back("signature",
                   crypto::to_hex(crypto::hmac_sha256(secrets_.mailgun, ts + "tok-2")));
    expect(R, "forged signature", "signature over another token", mailgun(urlencoded(f)), 401);
  }
  {
    auto f = fields;
    f.emplace_back("timestamp", ts);
    f.emplace_back("token", "");
    f.emplace_back("signature", crypto::to_hex(crypto::hmac_sha256(secrets_.mailgun, ts)));
    expect(R, "forged signature", "empty token", mailgun(urlencoded(f)), 401);
  }
  expect(R, "missing signature", "no signature fields", mailgun(urlencoded(fields)), 401);
  {
    auto f = fields;
    f.emplace_back("timestamp", ts);
    f.emplace_back("token", crypto::random_hex(25));
    expect(R, "missing signature", "no signature field", mailgun(urlencoded(f)), 401);
  }
  for (long age : {301L, 400L, 86400L, -310L, -400L}) {
    auto f = fields;
    mailgun_sign(f, secrets_.mailgun, steward::e2e::now_ts(-age), crypto::random_hex(25));
    expect(R, "stale timestamp", "validly signed, age " + std::to_string(age) + " s",
           mailgun(urlencoded(f)), 401);
  }
  for (const std::string& bad_ts :
       {std::string("abc"), std::string("-5"), std::string("1e9"),
        std::string("99999999999999999999"), std::string("1700000000.5")}) {
    auto f = fields;
    mailgun_sign(f, secrets_.mailgun, bad_ts, crypto::random_hex(25));
    expect(R, "stale timestamp", "malformed timestamp '" + bad_ts + "'", mailgun(urlencoded(f)),
           401);
  }

  // Replay: the same token twice is refused (documented 401); a new token with the same
  // Message-Id is a duplicate of the first event.
  auto rid = next_id("mg-replay") + "@customer.example";
  auto rf = mailgun_mail(rid);
  mailgun_sign(rf, secrets_.mailgun, steward::e2e::now_ts(), crypto::random_hex(25));
  expect_accepted(R, "replayed", "first delivery", mailgun(urlencoded(rf)), "email:" + rid);
  expect(R, "replayed", "same token again (replay)", mailgun(urlencoded(rf)), 401);
  auto dup = mailgun_signed(mailgun_mail(rid));
  expect(R, "replayed", "new token, same Message-Id (duplicate)", dup, 200);
  EXPECT_NE(dup.body.find("\"duplicate\":true"), std::string::npos) << dup.body;

  // Wrong content type: the signature lives in the body, so the type is checked first.
  auto signed_body = [&](std::vector<std::pair<std::string, std::string>> f) {
    mailgun_sign(f, secrets_.mailgun, steward::e2e::now_ts(), crypto::random_hex(25));
    return urlencoded(f);
  };
  for (const std::string& ct :
       {std::string("application/json"), std::string("text/plain"), std::string("")})
    expect(R, "wrong content-type", "'" + ct + "'",
           raw(build_request("POST", "/hooks/email/mailgun",
                             ct.empty() ? Headers{} : Headers{{"Content-Type", ct}},
                             signed_body(mailgun_mail(next_id("mg-ct"))))),
           415);

  // Multipart: a validly signed multipart mail is accepted; cut before its closing delimiter, 400.
  auto mid = next_id("mg-multi") + "@customer.example";
  auto mf = mailgun_mail(mid);
  mailgun_sign(mf, secrets_.mailgun, steward::e2e::now_ts(), crypto::random_hex(25));
  expect_accepted(R, "control", "valid multipart mail", mailgun(multipart(mf), multipart_type()),
                  "email:" + mid);
  auto tf = mailgun_mail(next_id("mg-trunc") + "@customer.example");
  mailgun_sign(tf, secrets_.mailgun, steward::e2e::now_ts(), crypto::random_hex(25));
  expect(R, "truncated", "multipart without its closing delimiter",
         mailgun(multipart(tf, false), multipart_type()), 400);
  expect(R, "truncated", "urlencoded cut inside a percent escape",
         mailgun(signed_body(mailgun_mail("x")) + "&subject=%E"), 400);
  expect(R, "wrong content-type", "multipart without a boundary",
         mailgun(multipart(tf), "multipart/form-data"), 400);

  // Wrongly typed, validly signed.
  auto typed = [&](const std::string& name, std::vector<std::pair<std::string, std::string>> f) {
    mailgun_sign(f, secrets_.mailgun, steward::e2e::now_ts(), crypto::random_hex(25));
    expect(R, "wrongly typed", name, mailgun(urlencoded(f)), 400);
  };
  typed("message-headers is an object", {{"from", "a@b.example"}, {"message-headers", "{}"}});
  typed("message-headers holds numbers", {{"from", "a@b.example"}, {"message-headers", "[[1,2]]"}});
  typed("message-headers entry is a string",
        {{"from", "a@b.example"}, {"message-headers", "[\"x\"]"}});
  typed("message-headers is not JSON", {{"from", "a@b.example"}, {"message-headers", "[[\"a\""}});
  typed("no sender at all", {{"subject", "hi"}, {"body-plain", "hi"}});
  {
    std::vector<std::pair<std::string, std::string>> f{{"from", "a@b.example"},
                                                       {"message-headers", deep('[', 100000)}};
    mailgun_sign(f, secrets_.mailgun, steward::e2e::now_ts(), crypto::random_hex(25));
    expect(R, "deeply nested", "message-headers of 100k '[' (multipart)",
           mailgun(multipart(f), multipart_type()), 400);
  }

  // Invalid UTF-8 in the mail fields is repaired (U+FFFD), so the mail is accepted once.
  for (const auto& [bad_name, bad] : kBadUtf8) {
    for (const std::string field : {"subject", "body-plain", "stripped-text"}) {
      auto mid8 = next_id("mg-utf8") + "@customer.example";
      auto f = mailgun_mail(mid8);
      bool replaced = false;
      for (auto& [k, v] : f)
        if (k == field) replaced = true, v = "x" + bad + "y";
      if (!replaced) f.emplace_back(field, "x" + bad + "y");
      expect_accepted(R, "invalid UTF-8", field + " (" + bad_name + ") is repaired",
                      mailgun_signed(f), "email:" + mid8);
    }
  }
  auto nid = next_id("mg-nul") + "@customer.example";
  auto nf = mailgun_mail(nid);
  for (auto& [k, v] : nf)
    if (k == "body-plain") v = "a\0b"s;
  expect_400_or_accepted(R, "NUL bytes", "%00 in body-plain", mailgun_signed(nf), "email:" + nid);

  // Caps (connectors/email/inbound_providers.hpp): 1,000 parts or fields, 8 KiB of headers per
  // part; checked by the pre-scan, before the signature, so signed or not the answer is 413.
  {
    std::vector<std::pair<std::string, std::string>> many(1001, {"f", "x"});
    expect(R, "many parts", "1,001 tiny parts, unsigned",
           mailgun(multipart(many), multipart_type()), 413);
    many.resize(997);
    mailgun_sign(many, secrets_.mailgun, steward::e2e::now_ts(), crypto::random_hex(25));
    many.emplace_back("from", "a@b.example");
    expect(R, "many parts", "1,001 tiny parts, signed", mailgun(multipart(many), multipart_type()),
           413);
    expect(R, "many parts", "1,001 urlencoded fields, signed", mailgun(urlencoded(many)), 413);
    auto huge_header = multipart({{"from", "a@b.example"}});
    huge_header.insert(huge_header.find("\r\n\r\n"), "\r\nX-Pad: " + std::string(9000, 'p'));
    expect(R, "many parts", "9 KB part header block", mailgun(huge_header, multipart_type()), 413);
  }
  // A second signature field, forged, beside a valid one: the scan that verifies and the parser
  // that reads the mail must never pick different ones, so any repetition is refused.
  for (bool forged_first : {true, false}) {
    auto f = mailgun_mail(next_id("mg-dup") + "@customer.example");
    const auto dts = steward::e2e::now_ts();
    const auto tok = crypto::random_hex(25);
    const auto good = crypto::to_hex(crypto::hmac_sha256(secrets_.mailgun, dts + tok));
    f.emplace_back("timestamp", dts);
    f.emplace_back("token", tok);
    f.emplace_back("signature", forged_first ? std::string(64, '0') : good);
    f.emplace_back("signature", forged_first ? good : std::string(64, '0'));
    const std::string order = forged_first ? "forged first" : "forged second";
    expect(R, "duplicate signature field", "urlencoded, " + order, mailgun(urlencoded(f)), 401);
    expect(R, "duplicate signature field", "multipart, " + order,
           mailgun(multipart(f), multipart_type()), 401);
  }
  {
    // A second token behind an RFC 2231 parameter name: GMime decodes it, the scan does not.
    auto f = mailgun_mail(next_id("mg-hidden") + "@customer.example");
    mailgun_sign(f, secrets_.mailgun, steward::e2e::now_ts(), crypto::random_hex(25));
    auto body = multipart(f);
    body.insert(body.rfind("--" + std::string(kMultipartBoundary) + "--"),
                "--" + std::string(kMultipartBoundary) +
                    "\r\nContent-Disposition: form-data; name*=utf-8''token\r\n\r\nother\r\n");
    expect(R, "duplicate signature field", "second token as an RFC 2231 name",
           mailgun(body, multipart_type()), 401);
  }

  std::string big = urlencoded({{"body-plain", std::string(300000, 'x')}});
  expect(R, "oversized", "300 KB", mailgun(big), 413);
  expect(R, "oversized", "300 KB chunked",
         raw("POST /hooks/email/mailgun HTTP/1.1\r\nHost: x\r\nContent-Type: "
             "application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\nConnection: "
             "close\r\n\r\n" +
             chunked(big)),
         413);
  // CR/LF in the sender (log forging): the mail is kept, the sender never becomes the actor.
  const std::string forged = "\r\n[2026-12-03 00:00:00.000] [info] FORGED";
  for (const auto& [name, field, value] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"CR/LF in the envelope sender", "sender", "ann@customer.example" + forged},
           {"CR/LF in From", "from", "Ann <ann@customer.example" + forged + ">"},
           {"CR/LF in the display name", "from", "\"Ann" + forged + "\" <ann@customer.example>"},
           {"two '@' in From", "from", "Ann <ann@evil@customer.example>"},
           {"LF in the recipient", "recipient", "support@acme.example\nbcc@evil.example"}}) {
    auto cid = next_id("mg-crlf") + "@customer.example";
    auto f = mailgun_mail(cid);
    for (auto& [k, v] : f)
      if (k == field) v = value;
    expect_accepted(R, "CR/LF sender", name, mailgun_signed(f), "email:" + cid);
  }
}

// ------------------------------------------------------------------------------ Postmark

void HostileInput::postmark_corpus() {
  const std::string R = "POST /hooks/email/postmark";
  auto id = next_id("pm-ctl") + "@customer.example";
  expect_accepted(R, "control", "valid mail", postmark(postmark_mail(id)), "email:" + id);

  auto body = postmark_mail(next_id("pm-forged") + "@customer.example");
  auto with_auth = [&](const std::string& auth) {
    return http("POST", "/hooks/email/postmark",
                {{"Content-Type", "application/json"}, {"Authorization", auth}}, body);
  };
  expect(R, "forged signature", "wrong password", with_auth(postmark_auth("guess")), 401);
  expect(R, "forged signature", "right password, wrong user",
         with_auth("Basic " + crypto::base64_encode("admin:" + secrets_.postmark)), 401);
  expect(R, "forged signature", "sendgrid password",
         with_auth(postmark_auth(secrets_.sendgrid_password)), 401);
  expect(R, "forged signature", "Bearer scheme", with_auth("Bearer " + secrets_.postmark), 401);
  expect(R, "forged signature", "garbage base64", with_auth("Basic !!!***"), 401);
  expect(R, "forged signature", "credentials not base64-encoded",
         with_auth("Basic postmark:" + secrets_.postmark), 401);
  expect(R, "missing signature", "no Authorization",
         http("POST", "/hooks/email/postmark", {{"Content-Type", "application/json"}}, body), 401);
  expect(R, "wrong content-type", "text/plain, unauthenticated",
         http("POST", "/hooks/email/postmark", {{"Content-Type", "text/plain"}}, body), 401);
  for (const std::string& ct : {std::string("text/plain"), std::string("multipart/form-data"),
                                std::string("application/x-www-form-urlencoded")})
    expect(R, "wrong content-type", "'" + ct + "', authenticated", postmark(body, ct), 415);

  auto rid = next_id("pm-replay") + "@customer.example";
  expect_accepted(R, "replayed", "first delivery", postmark(postmark_mail(rid)), "email:" + rid);
  auto again = postmark(postmark_mail(rid));
  expect(R, "replayed", "second delivery", again, 200);
  EXPECT_NE(again.body.find("\"duplicate\":true"), std::string::npos) << again.body;

  auto full = postmark_mail(next_id("pm-trunc") + "@customer.example");
  expect(R, "truncated", "JSON cut in half", postmark(full.substr(0, full.size() / 2)), 400);
  expect(R, "truncated", "empty body", postmark(""), 400);

  const std::vector<std::pair<std::string, std::string>> typed = {
      {"Headers is an object", R"({"From":"a@b.example","Headers":{}})"},
      {"Headers holds numbers", R"({"From":"a@b.example","Headers":[5]})"},
      {"ToFull is a string", R"({"From":"a@b.example","ToFull":"x"})"},
      {"From is a number, no FromFull", R"({"From":5})"},
      {"no sender", R"({"Subject":"hi","TextBody":"x"})"},
      {"root is an array", R"([{"From":"a@b.example"}])"},
      {"number beyond double range", R"({"From":"a@b.example","Attachments":[],"X":-1e999})"},
  };
  for (const auto& [name, b] : typed) expect(R, "wrongly typed", name, postmark(b), 400);
  expect(R, "deeply nested", "100k '['", postmark(deep('[', 100000)), 400);
  expect(R, "deeply nested", "Headers 100 deep",
         postmark(R"({"From":"a@b.example","Headers":)" + deep('[', 100) + std::string(100, ']') +
                  "}"),
         400);
  for (const auto& [bad_name, bad] : kBadUtf8) {
    expect(R, "invalid UTF-8", "Subject (" + bad_name + ")",
           postmark(postmark_mail("u@x.example", "S" + bad)), 400);
    expect(R, "invalid UTF-8", "From (" + bad_name + ")",
           postmark(postmark_mail("u@x.example", "S", "a" + bad + "@b.example")), 400);
  }
  auto nul = postmark_mail("n@x.example", "S");
  nul.replace(nul.find("\"S\""), 3, "\"S\0\""s);
  expect(R, "NUL bytes", "raw NUL in Subject", postmark(nul), 400);
  expect(R, "oversized", "300 KB authenticated",
         postmark(R"({"From":"a@b.example","TextBody":")" + std::string(300000, 't') + "\"}"), 413);
  // CR/LF in the sender (log forging): the mail is kept, the sender never becomes the actor.
  const std::string forged = "\r\n[2026-12-03 00:00:00.000] [info] FORGED";
  auto with_sender = [&](const std::string& mid, const std::string& email, const std::string& name,
                         const std::string& return_path) {
    boost::json::array headers{{{"Name", "Message-ID"}, {"Value", "<" + mid + ">"}}};
    if (!return_path.empty()) headers.push_back({{"Name", "Return-Path"}, {"Value", return_path}});
    boost::json::object o{{"From", email},
                          {"FromFull", {{"Email", email}, {"Name", name}, {"MailboxHash", ""}}},
                          {"ToFull", boost::json::array{{{"Email", "support@acme.example"}}}},
                          {"Subject", "Hello" + forged},
                          {"TextBody", "Where is my parcel?"},
                          {"Headers", std::move(headers)}};
    return boost::json::serialize(o);
  };
  for (const auto& [name, email, display, return_path] :
       std::vector<std::tuple<std::string, std::string, std::string, std::string>>{
           {"CR/LF in FromFull.Email", "ann@customer.example" + forged, "Ann", ""},
           {"CR/LF in FromFull.Name", "ann@customer.example", "Ann" + forged, ""},
           {"CR/LF in Return-Path", "ann@customer.example", "Ann",
            "<ann@customer.example" + forged + ">"},
           {"CR/LF in sender and Return-Path", "a@customer.example" + forged, "Ann",
            "ann@customer.example" + forged},
           {"angle brackets in FromFull.Email", "<ann@customer.example>", "Ann", ""}}) {
    auto cid = next_id("pm-crlf") + "@customer.example";
    expect_accepted(R, "CR/LF sender", name,
                    postmark(with_sender(cid, email, display, return_path)), "email:" + cid);
  }
}

// ------------------------------------------------------------------------------ SendGrid

void HostileInput::sendgrid_corpus() {
  const std::string R = "POST /hooks/email/sendgrid";
  auto id = next_id("sg-ctl") + "@customer.example";
  expect_accepted(R, "control", "valid multipart mail", sendgrid(multipart(sendgrid_mail(id))),
                  "email:" + id);

  auto body = multipart(sendgrid_mail(next_id("sg-forged") + "@customer.example"));
  auto at = [&](const std::string& target, const Headers& extra = {}) {
    Headers h{{"Content-Type", multipart_type()}};
    for (auto& e : extra) h.push_back(e);
    return http("POST", target, h, body);
  };
  expect(R, "forged signature", "wrong token", at("/hooks/email/sendgrid?token=guess"), 401);
  expect(R, "forged signature", "postmark password as token",
         at("/hooks/email/sendgrid?token=" + crypto::url_encode(secrets_.postmark)), 401);
  expect(R, "forged signature", "token prefix",
         at("/hooks/email/sendgrid?token=" + secrets_.sendgrid_token.substr(0, 8)), 401);
  expect(R, "forged signature", "wrong basic password",
         at("/hooks/email/sendgrid",
            {{"Authorization", "Basic " + crypto::base64_encode("sendgrid:guess")}}),
         401);
  expect(R, "forged signature", "token under another parameter name",
         at("/hooks/email/sendgrid?tok=" + secrets_.sendgrid_token), 401);
  expect(R, "missing signature", "no token, no basic", at("/hooks/email/sendgrid"), 401);
  expect(R, "missing signature", "empty token", at("/hooks/email/sendgrid?token="), 401);
  expect(R, "forged signature", "undecodable token", at("/hooks/email/sendgrid?token=%zz"), 401);

  for (const std::string& ct :
       {std::string("application/json"), std::string("application/x-www-form-urlencoded"),
        std::string("text/plain")})
    expect(R, "wrong content-type", "'" + ct + "', authenticated", sendgrid(body, ct), 415);

  auto rid = next_id("sg-replay") + "@customer.example";
  expect_accepted(R, "replayed", "first delivery", sendgrid(multipart(sendgrid_mail(rid))),
                  "email:" + rid);
  auto again = sendgrid(multipart(sendgrid_mail(rid)));
  expect(R, "replayed", "second delivery", again, 200);
  EXPECT_NE(again.body.find("\"duplicate\":true"), std::string::npos) << again.body;

  expect(R, "truncated", "multipart without its closing delimiter",
         sendgrid(multipart(sendgrid_mail(next_id("sg-trunc") + "@x.example"), false)), 400);
  expect(R, "truncated", "multipart cut in half", sendgrid(body.substr(0, body.size() / 2)), 400);
  expect(R, "wrong content-type", "multipart without a boundary",
         sendgrid(body, "multipart/form-data"), 400);

  auto with = [&](const std::string& field, const std::string& value) {
    auto f = sendgrid_mail(next_id("sg-typed") + "@x.example");
    for (auto& [k, v] : f)
      if (k == field) v = value;
    return multipart(f);
  };
  expect(R, "wrongly typed", "envelope is an array", sendgrid(with("envelope", "[]")), 400);
  expect(R, "wrongly typed", "envelope is not JSON", sendgrid(with("envelope", "{to:")), 400);
  expect(R, "wrongly typed", "charsets is a number",
         sendgrid(multipart({{"from", "a@b.example"}, {"charsets", "5"}})), 400);
  expect(R, "deeply nested", "envelope of 100k '['", sendgrid(with("envelope", deep('[', 100000))),
         400);
  expect(R, "deeply nested", "charsets of 50k objects",
         sendgrid(multipart({{"from", "a@b.example"}, {"charsets", deep_objects(50000)}})), 400);

  // Invalid UTF-8 in the text fields: the headers promise conversion to UTF-8, not an error, but
  // do not say which; 400 or one sane event.
  for (const auto& [bad_name, bad] : kBadUtf8) {
    auto mid = next_id("sg-utf8") + "@customer.example";
    auto f = sendgrid_mail(mid);
    for (auto& [k, v] : f)
      if (k == "subject" || k == "text") v += bad;
    expect_400_or_accepted(R, "invalid UTF-8", "subject+text (" + bad_name + ")",
                           sendgrid(multipart(f)), "email:" + mid);
  }
  expect(R, "oversized", "300 KB authenticated",
         sendgrid(multipart({{"from", "a@b.example"}, {"text", std::string(300000, 't')}})), 413);
  // CR/LF in the sender (log forging): the mail is kept, the sender never becomes the actor.
  const std::string forged = "\r\n[2026-12-03 00:00:00.000] [info] FORGED";
  for (const auto& [name, field, value] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"CR/LF in the envelope sender", "envelope",
            R"({"to":["support@acme.example"],"from":"ann@customer.example\r\n[info] FORGED"})"},
           {"CR/LF in from", "from", "Ann" + forged + " <ann@customer.example>"},
           {"space inside the address", "from", "Ann <ann smith@customer.example>"},
           {"CR/LF in to", "to", "support@acme.example" + forged}}) {
    auto cid = next_id("sg-crlf") + "@customer.example";
    auto f = sendgrid_mail(cid);
    for (auto& [k, v] : f)
      if (k == field) v = value;
    expect_accepted(R, "CR/LF sender", name, sendgrid(multipart(f)), "email:" + cid);
  }
}

// ------------------------------------------------------------------------------ HTTP framing

void HostileInput::framing_corpus() {
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
    int fd = connect_loopback(port_);
    ASSERT_GE(fd, 0);
    send_all(fd, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\n");
    auto a = read_reply(fd, 5s);
    expect(R, "control", "pipelined #1", a, 200);
    ::close(fd);
  }
}

// ------------------------------------------------------------------------------ routing

void HostileInput::routing_corpus() {
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
}

// ------------------------------------------------------------------------------ half-open burst

void HostileInput::half_open_burst() {
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

// ------------------------------------------------------------------------------ the tests

TEST_F(HostileInput, EveryRouteAnswersTheDocumentedStatusAndAcceptsNothingElse) {
  ASSERT_NO_FATAL_FAILURE(start());
  const auto started = std::chrono::steady_clock::now();

  // Slow-loris runs beside the corpus: the default 10 s header timeout must close each.
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

  json_form_corpus();
  expect_inbox("forms (JSON)");
  typeform_corpus();
  expect_inbox("forms (Typeform)");
  slack_events_corpus();
  expect_inbox("Slack events");
  slack_commands_corpus();
  expect_inbox("Slack commands");
  slack_interactivity_corpus();
  expect_inbox("Slack interactivity");
  half_open_burst();
  mailgun_corpus();
  expect_inbox("Mailgun");
  postmark_corpus();
  expect_inbox("Postmark");
  sendgrid_corpus();
  expect_inbox("SendGrid");
  framing_corpus();
  routing_corpus();
  expect_inbox("framing and routing");

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

  // Still alive and still doing its job end to end.
  ASSERT_TRUE(alive()) << "steward died during the corpus\n" << clip(log(), 4000);
  auto final_id = next_id("ctl-final");
  auto final_reply = form_signed(form_body(final_id, "final@customer.example"));
  expect_accepted("POST /hooks/forms/website", "control", "after the corpus", final_reply,
                  "form:website:" + final_id);
  expect_inbox("the whole corpus");
  const std::string event_id = steward::e2e::str(boost::json::parse(final_reply.body), "event_id");
  ASSERT_FALSE(event_id.empty());
  std::string status;
  EXPECT_TRUE(eventually(
      [&] {
        try {
          SQLite::Database db((dir_.path() / "steward.db").string(), SQLite::OPEN_READONLY);
          SQLite::Statement q(db, "SELECT status FROM inbox WHERE id = ?");
          q.bind(1, event_id);
          status = q.executeStep() ? q.getColumn(0).getString() : "";
        } catch (const std::exception&) {
          status.clear();
        }
        return !status.empty() && status != "pending";
      },
      20s))
      << "the final form event was never processed (status '" << status << "')";
  EXPECT_EQ(http("GET", "/healthz", {}).status, 200);

  // Every stored event is valid JSON (and so valid UTF-8), whatever came in.
  try {
    SQLite::Database db((dir_.path() / "steward.db").string(), SQLite::OPEN_READONLY);
    SQLite::Statement q(db, "SELECT dedupe_key, payload, actor FROM inbox");
    while (q.executeStep()) {
      boost::system::error_code ec;
      boost::json::parse(q.getColumn(1).getString(), ec);
      EXPECT_FALSE(ec) << "stored payload of " << clip(q.getColumn(0).getString(), 80)
                       << " is not valid JSON: " << clip(q.getColumn(1).getString());
      // The actor is validated at the connector: whatever came in, no control character and
      // none of the corpus's forged log lines (the CR/LF sender cases).
      const std::string actor = q.getColumn(2).getString();
      for (unsigned char c : actor)
        EXPECT_FALSE(c < 0x20 || c == 0x7f)
            << "actor of " << clip(q.getColumn(0).getString(), 80) << ": " << clip(actor);
      EXPECT_EQ(lower(actor).find("forged"), std::string::npos)
          << "actor of " << clip(q.getColumn(0).getString(), 80) << ": " << clip(actor);
    }
  } catch (const std::exception& e) {
    ADD_FAILURE() << e.what();
  }

  // Graceful stop, then the log is complete: no secret, no sanitizer report.
  EXPECT_EQ(child_->stop(SIGTERM, 15s), 0) << "steward did not stop cleanly";
  const std::string text = log();
  // The grep below is only meaningful over a real log and real answers.
  ASSERT_NE(text.find("listening"), std::string::npos) << clip(text, 2000);
  ASSERT_GT(bodies_.size(), 10000u);
  for (const auto& [name, needle] : secrets_.needles()) {
    EXPECT_EQ(text.find(needle), std::string::npos) << name << " appears in the steward log";
    EXPECT_EQ(bodies_.find(needle), std::string::npos) << name << " appears in a response";
  }
  EXPECT_EQ(text.find("AddressSanitizer"), std::string::npos) << clip(text, 4000);
  EXPECT_EQ(text.find("runtime error:"), std::string::npos) << clip(text, 4000);

  const auto secs = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count() /
                    1000.0;
  std::cout << "hostile corpus: " << total_cases_ << " cases, " << expected_keys_.size()
            << " accepted events, " << secs << " s\n";
  for (const auto& [route, families] : cases_) {
    std::cout << "  " << route << ":";
    for (const auto& [family, n] : families) std::cout << " " << family << "=" << n;
    std::cout << "\n";
  }
  std::cout << "  open cases answered 200 (one event each): " << either_accepted_.size() << "\n";
  for (const auto& w : either_accepted_) std::cout << "    " << w << "\n";
  std::cout << "  open cases answered 400: " << either_rejected_.size() << "\n";
  for (const auto& w : either_rejected_) std::cout << "    " << w << "\n";
  for (const auto& c : loris)
    std::cout << "  slow-loris " << c.name << ": closed after " << c.closed_after.count()
              << " ms\n";
}

// ------------------------------------------------------------------------------ email flood

/// Security finding 2 of issue 9: unauthenticated Mailgun bodies used to be parsed in full (3.6 s
/// for 166k tiny parts) on the worker pool that also answers valid mail, slash commands and
/// /metrics. The email route here accepts 10 MiB so the flood reaches the handler.
class EmailFlood : public HostileInput {
 protected:
  static constexpr std::size_t kFloodBodyLimit = 10 << 20;
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(HostileInput::SetUp());
    std::string text = slurp(config_);
    const std::string from = "inbound_body_limit = " + std::to_string(kBodyLimit);
    auto at = text.find(from);
    ASSERT_NE(at, std::string::npos);
    text.replace(at, from.size(), "inbound_body_limit = " + std::to_string(kFloodBodyLimit));
    std::ofstream(config_, std::ios::trunc) << text;
  }
};

/// Milliseconds of `f()`.
template <class F>
double time_ms(F&& f) {
  const auto start = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

struct Latency {
  std::vector<double> ms;
  [[nodiscard]] double median() const {
    auto v = ms;
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
  }
  [[nodiscard]] double max() const {
    return ms.empty() ? 0 : *std::max_element(ms.begin(), ms.end());
  }
};

TEST_F(EmailFlood, UnsignedMailgunFloodDoesNotDelayValidRequests) {
  ASSERT_NO_FATAL_FAILURE(start());
  const std::string boundary(kMultipartBoundary);
  // 9.9 MB of ~170k tiny parts, no signature: refused at the 1,001st part (413).
  std::string tiny;
  while (tiny.size() < 9'900'000)
    tiny += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nx\r\n";
  tiny += "--" + boundary + "--\r\n";
  // 9.9 MB in 900 parts with a wrong signature: scanned to the end, then 401.
  std::vector<std::pair<std::string, std::string>> wrong(900, {"f", std::string(11'000, 'y')});
  mailgun_sign(wrong, "key-guess", steward::e2e::now_ts(), crypto::random_hex(25));
  const std::string large = multipart(wrong);
  const Headers ct{{"Content-Type", multipart_type()}};
  const std::array<std::string, 2> floods = {
      build_request("POST", "/hooks/email/mailgun", ct, tiny),
      build_request("POST", "/hooks/email/mailgun", ct, large)};
  const std::array<int, 2> flood_status = {413, 401};

  constexpr int kClients = 8;
  std::atomic<bool> stop{false};
  std::mutex mutex;
  std::map<std::string, int> flood_answers;  // "kind status" -> count
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c)
    clients.emplace_back([&, c] {
      for (int n = 0; !stop; ++n) {
        const std::size_t kind = static_cast<std::size_t>(c + n) % floods.size();
        Reply r = raw_exchange(port_, floods[kind], false, 60s);
        std::lock_guard lock(mutex);
        ++flood_answers[std::string(kind == 0 ? "tiny-parts" : "wrong-signature") + " " +
                        (r.responded ? std::to_string(r.status) : "no-response")];
        EXPECT_TRUE(r.responded && r.status == flood_status[kind])
            << "flood " << kind << ": " << r.status << " " << clip(r.body);
      }
    });

  std::this_thread::sleep_for(1s);  // the flood is under way
  Latency postmark_ms, metrics_ms, command_ms;
  const auto until = std::chrono::steady_clock::now() + 6s;
  while (std::chrono::steady_clock::now() < until) {
    auto id = next_id("pm-flood") + "@customer.example";
    Reply pm;
    postmark_ms.ms.push_back(time_ms([&] { pm = postmark(postmark_mail(id)); }));
    expect_accepted("flood", "control", "valid Postmark mail", pm, "email:" + id);
    Reply m;
    metrics_ms.ms.push_back(time_ms([&] { m = http("GET", "/metrics", {}); }));
    expect("flood", "control", "GET /metrics", m, 200);
    auto trig = next_id("trig-flood");
    Reply cmd;
    command_ms.ms.push_back(time_ms([&] { cmd = slack_signed("/slack/commands", command(trig)); }));
    expect_accepted("flood", "control", "/steward help", cmd, "slack:cmd:" + trig);
    std::this_thread::sleep_for(100ms);
  }
  stop = true;
  for (auto& t : clients) t.join();

  int flood_total = 0;
  std::cout << "[ flood    ] " << kClients << " clients:";
  for (const auto& [k, n] : flood_answers) {
    std::cout << " " << k << "=" << n;
    flood_total += n;
  }
  std::cout << "\n[ flood    ] valid requests during it (median / max ms): Postmark "
            << postmark_ms.median() << " / " << postmark_ms.max() << ", /metrics "
            << metrics_ms.median() << " / " << metrics_ms.max() << ", /slack/commands "
            << command_ms.median() << " / " << command_ms.max() << " (n=" << postmark_ms.ms.size()
            << ")\n";
  // The flood ran: every client had ~10 MB bodies answered (about one each per second here,
  // fewer under sanitizers).
  EXPECT_GE(flood_total, kClients);
  // Bounds: measured ~ms each while flooded (see the output above); before the fix Postmark
  // waited seconds behind 3.6 s parses. Sanitized builds are several times slower.
  const double scale = steward::testing::kSanitizedBuild ? 3.0 : 1.0;
  EXPECT_LT(postmark_ms.max(), 1000 * scale);
  EXPECT_LT(postmark_ms.median(), 300 * scale);
  EXPECT_LT(metrics_ms.max(), 500 * scale);
  EXPECT_LT(metrics_ms.median(), 150 * scale);
  EXPECT_LT(command_ms.max(), 1000 * scale);  // Slack gives a command 3 s
  expect_inbox("the email flood");
  EXPECT_TRUE(alive()) << log();
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
  child_->stop(SIGTERM, 15s);
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

TEST_F(HostileInput, OutsideNamesAndAddressesNeverForgeLogLinesActorsOrTerminalOutput) {
  ASSERT_NO_FATAL_FAILURE(start());
  // Lower case: the connector lower-cases addresses, and the forged line must still be found.
  const std::string marker = "forged-" + crypto::random_hex(3);
  // What a forged spdlog line looks like; the CR/LF before it is what the attacker hopes starts
  // a new line in the log.
  const std::string forged = "[2026-12-03 00:00:00.000] [info] " + marker;
  const std::string crlf = "\r\n" + forged;
  // A reply token with a wrong MAC: the connector logs that it ignores it, naming the sender.
  const std::string bad_token = "reply+conv_forged.AAAAAAAAAAAAAAAAAAAAAAAAAA@in.acme.example";
  const std::string R = "log forging";

  // Postmark: the sender, display name and subject carry the forged line; the subject also
  // carries a terminal escape (set the window title, clear the screen).
  const auto pm_id = next_id("pm-forge") + "@customer.example";
  boost::json::object pm{
      {"From", "ann@customer.example" + crlf},
      {"FromFull",
       {{"Email", "ann@customer.example" + crlf}, {"Name", "Ann" + crlf}, {"MailboxHash", ""}}},
      {"To", bad_token},
      {"ToFull", boost::json::array{{{"Email", bad_token}, {"Name", ""}}}},
      {"CcFull", boost::json::array{{{"Email", "cc@acme.example" + crlf}, {"Name", ""}}}},
      {"Subject", "Refund\x1b]0;pwned\x07\x1b[2J" + crlf},
      {"TextBody", "Where is my parcel?"},
      {"Headers", boost::json::array{{{"Name", "Message-ID"}, {"Value", "<" + pm_id + ">"}}}}};
  auto pm_reply = postmark(boost::json::serialize(pm));
  expect_accepted(R, "postmark", "CR/LF in sender, name, subject", pm_reply, "email:" + pm_id);

  // Mailgun, correctly signed: the envelope sender and the From header carry the forged line.
  const auto mg_id = next_id("mg-forge") + "@customer.example";
  auto mg = mailgun_mail(mg_id);
  for (auto& [k, v] : mg) {
    if (k == "sender") v = "ann@customer.example" + crlf;
    if (k == "from") v = "\"Ann" + crlf + "\" <ann@customer.example" + crlf + ">";
    if (k == "recipient") v = bad_token;
    if (k == "subject") v = "Order" + crlf;
  }
  expect_accepted(R, "mailgun", "CR/LF in sender, from, subject", mailgun_signed(mg),
                  "email:" + mg_id);

  // SendGrid: the envelope sender carries it, and a declared charset (logged when unknown).
  const auto sg_id = next_id("sg-forge") + "@customer.example";
  auto sg = sendgrid_mail(sg_id);
  // (The old log line cut the charset at 32 bytes: the marker alone fits.)
  sg.emplace_back("charsets", R"({"text":"x\r\n)" + marker + R"("})");
  for (auto& [k, v] : sg) {
    if (k == "from") v = "Ann" + crlf + " <ann@customer.example" + crlf + ">";
    if (k == "envelope")
      v = R"({"to":[")" + bad_token + R"("],"from":"ann@customer.example\r\n)" + forged + R"("})";
  }
  expect_accepted(R, "sendgrid", "CR/LF in sender and envelope", sendgrid(multipart(sg)),
                  "email:" + sg_id);

  // Slack: a user name and command text with a newline are kept (as data); a user id with one
  // is not a Slack id.
  auto cmd = urlencoded({{"command", "/steward"},
                         {"text", "help" + crlf},
                         {"user_id", "U_DANA"},
                         {"user_name", "dana" + crlf},
                         {"channel_id", "C_HOSTILE"},
                         {"team_id", "T0FAKE"},
                         {"trigger_id", "tr-forge-1"}});
  expect_accepted(R, "slack command", "CR/LF in user name and text",
                  slack_signed("/slack/commands", cmd), "slack:cmd:tr-forge-1");
  auto bad_cmd = urlencoded({{"command", "/steward"},
                             {"text", "help"},
                             {"user_id", "U_DANA" + crlf},
                             {"user_name", "dana"},
                             {"channel_id", "C_HOSTILE"},
                             {"team_id", "T0FAKE"},
                             {"trigger_id", "tr-forge-2"}});
  expect(R, "slack command", "CR/LF in user id", slack_signed("/slack/commands", bad_cmd), 400);
  boost::json::object click{{"type", "block_actions"},
                            {"user", {{"id", "U_DANA"}, {"username", "dana" + crlf}}},
                            {"team", {{"id", "T0FAKE"}}},
                            {"container", {{"channel_id", "C_HOSTILE"}, {"message_ts", "1.1"}}},
                            {"trigger_id", "tr-forge-3"},
                            {"actions", boost::json::array{{{"action_id", "hostile.noop"},
                                                            {"block_id", "b1"},
                                                            {"value", "v" + crlf},
                                                            {"action_ts", "77.1"}}}}};
  expect_accepted(R, "slack interaction", "CR/LF in user name and value",
                  slack_signed("/slack/interactivity",
                               urlencoded({{"payload", boost::json::serialize(click)}})),
                  "slack:action:U_DANA:77.1");
  click["user"] = {{"id", "U_DANA" + crlf}, {"username", "dana"}};
  click["actions"].as_array()[0].as_object()["action_ts"] = "77.2";
  expect(R, "slack interaction", "CR/LF in user id",
         slack_signed("/slack/interactivity",
                      urlencoded({{"payload", boost::json::serialize(click)}})),
         400);

  // Forms: free-text fields may hold newlines (they are data); the address may not.
  const auto form_id = next_id("form-forge");
  boost::json::object form{{"event_id", form_id},
                           {"fields",
                            {{"name", "Ann" + crlf},
                             {"email", "ann@customer.example"},
                             {"company", "Customer Ltd" + crlf},
                             {"message", "Please call me." + crlf}}}};
  expect_accepted(R, "form", "CR/LF in name, company, message",
                  form_signed(boost::json::serialize(form)), "form:website:" + form_id);
  form["event_id"] = next_id("form-forge");
  form["fields"].as_object()["email"] = "ann@customer.example" + crlf;
  expect(R, "form", "CR/LF in the address", form_signed(boost::json::serialize(form)), 400);

  // Let the runtime file and triage the mails (its logs and audit entries are checked too).
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  auto pending = [&] {
    SQLite::Database db((dir_.path() / "steward.db").string(), SQLite::OPEN_READONLY);
    db.exec("PRAGMA busy_timeout = 5000");
    SQLite::Statement q(db, "SELECT count(*) FROM inbox WHERE status = 'pending'");
    q.executeStep();
    return q.getColumn(0).getInt();
  };
  while (pending() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(100ms);
  child_->stop(SIGTERM, 15s);

  const std::string text = log();
  std::size_t pos = 0, at_line_start = 0;
  std::string first;
  while ((pos = text.find(marker, pos)) != std::string::npos) {
    // The forged text is "[date] [info] MARKER": find where its line starts.
    auto line = text.rfind('\n', pos);
    auto cr = text.rfind('\r', pos);
    if (cr != std::string::npos && (line == std::string::npos || cr > line)) line = cr;
    auto start = line == std::string::npos ? 0 : line + 1;
    if (text.compare(start, forged.size(), forged) == 0 || start == pos) {
      if (at_line_start++ == 0) first = text.substr(start > 200 ? start - 200 : 0, 400);
    }
    pos += marker.size();
  }
  EXPECT_EQ(at_line_start, 0u) << "outside text starts " << at_line_start << " log line(s), e.g.:\n"
                               << first;

  // No stored actor, audit actor or address is attacker-formatted text.
  auto has_control = [](const std::string& s) {
    for (unsigned char c : s)
      if (c < 0x20 || c == 0x7f) return true;
    return false;
  };
  SQLite::Database db((dir_.path() / "steward.db").string(), SQLite::OPEN_READONLY);
  db.exec("PRAGMA busy_timeout = 5000");
  std::map<std::string, std::string> actors;
  SQLite::Statement q(db, "SELECT dedupe_key, actor, payload FROM inbox");
  while (q.executeStep()) {
    const std::string key = q.getColumn(0).getString();
    const std::string actor = q.getColumn(1).getString();
    actors[key] = actor;
    EXPECT_FALSE(has_control(actor)) << key << ": actor " << clip(actor);
    EXPECT_EQ(actor.find(marker), std::string::npos) << key << ": actor " << clip(actor);
    boost::system::error_code ec;
    auto payload = boost::json::parse(q.getColumn(2).getString(), ec);
    ASSERT_FALSE(ec) << key;
    if (key.rfind("email:", 0) != 0) continue;
    const auto& p = payload.as_object();
    for (const char* field : {"from", "from_name", "subject"}) {
      auto v = steward::e2e::str(payload, field);
      EXPECT_FALSE(has_control(v)) << key << ": " << field << " " << clip(v);
      if (std::string(field) == "from") {
        EXPECT_EQ(v.find(marker), std::string::npos) << key << ": from " << clip(v);
      }
    }
    for (const char* list : {"to", "cc"}) {
      const auto* a = p.if_contains(list);
      if (!a || !a->is_array()) continue;
      for (const auto& addr : a->as_array()) {
        EXPECT_EQ(std::string(addr.as_string()).find(marker), std::string::npos)
            << key << ": " << list << " " << clip(std::string(addr.as_string()));
      }
    }
  }
  // Postmark's FromFull.Email is taken as sent: not an address, so the mail is kept with the
  // sender marked invalid. Mailgun's and SendGrid's From go through GMime's address parser,
  // which may take the addr-spec out of the brackets; either way never the forged text.
  EXPECT_EQ(actors["email:" + pm_id], "invalid-sender");
  for (const auto& id : {mg_id, sg_id}) {
    const auto& actor = actors["email:" + id];
    EXPECT_TRUE(actor == "invalid-sender" || actor == "ann@customer.example")
        << id << ": " << actor;
  }
  EXPECT_EQ(actors["form:website:" + form_id], "ann@customer.example");
  EXPECT_EQ(actors["slack:cmd:tr-forge-1"], "U_DANA");
  SQLite::Statement aq(db, "SELECT actor FROM audit");
  while (aq.executeStep()) {
    const std::string actor = aq.getColumn(0).getString();
    EXPECT_FALSE(has_control(actor)) << "audit actor " << clip(actor);
    EXPECT_EQ(actor.find(marker), std::string::npos) << "audit actor " << clip(actor);
  }

  // What the operator's terminal shows: no raw ESC, CR or LF from outside.
  std::string env;
  for (const auto& e : secrets_.env()) env += e + " ";
  auto event_id = steward::e2e::str(boost::json::parse(pm_reply.body), "event_id");
  for (const std::string& sub :
       {std::string("tickets"), "audit trace " + event_id, std::string("approvals list --all")}) {
    auto [rc, out] =
        steward::testing::run("cd " + dir_.path().string() + " && " + env + STEWARD_BIN + " " +
                              sub + " --config " + config_.string());
    EXPECT_EQ(out.find('\x1b'), std::string::npos) << sub << ": raw ESC in\n" << out;
    EXPECT_EQ(out.find('\r'), std::string::npos) << sub << ": raw CR in\n" << out;
    std::size_t p = 0;
    while ((p = out.find(marker, p)) != std::string::npos) {
      auto line = out.rfind('\n', p);
      auto start = line == std::string::npos ? 0 : line + 1;
      EXPECT_NE(out.compare(start, forged.size(), forged), 0) << sub << ": a forged line in\n"
                                                              << out;
      p += marker.size();
    }
  }
}

TEST_F(HostileInput, CheckCommandAndConfigErrorsNeverPrintSecrets) {
  std::string env;
  for (const auto& e : secrets_.env()) env += e + " ";
  auto [rc, out] = steward::testing::run(env + STEWARD_BIN + " check --config " + config_.string());
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("OK"), std::string::npos) << out;
  for (const auto& [name, needle] : secrets_.needles())
    EXPECT_EQ(out.find(needle), std::string::npos) << name << " in `steward check` output";

  // A config error about a secret-bearing key must not echo the value.
  const std::string leaked = "leak-" + crypto::random_hex(10);
  auto bad = dir_.path() / "bad.toml";
  std::ofstream(bad) << "[email]\nfrom = \"A <a@acme.example>\"\nsmtp_url = \"http://u:" << leaked
                     << "@relay.example\"\n";
  auto [rc2, out2] =
      steward::testing::run(std::string(STEWARD_BIN) + " check --config " + bad.string());
  EXPECT_NE(rc2, 0) << out2;
  EXPECT_EQ(out2.find(leaked), std::string::npos) << "smtp_url password echoed: " << out2;
  auto bad2 = dir_.path() / "bad2.toml";
  std::ofstream(bad2) << "[slack]\nbot_token = \"xoxb-" << leaked << "\"\n";
  auto [rc3, out3] =
      steward::testing::run(std::string(STEWARD_BIN) + " check --config " + bad2.string());
  EXPECT_NE(rc3, 0) << out3;
  EXPECT_EQ(out3.find(leaked), std::string::npos) << "bot token echoed: " << out3;
}

}  // namespace
