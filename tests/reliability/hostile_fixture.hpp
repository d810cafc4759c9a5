#pragma once
// The fixture of the hostile-input tests (hostile_*_test.cpp, one file per route): the real
// `steward` binary with every inbound route configured and its secrets from the environment,
// request builders for each route, and the bookkeeping every case goes through. Every case
// asserts the documented status and the JSON error body (bot/net/http_types.hpp
// error_response); every test ends with finish(): the inbox holds exactly the events of the
// valid control requests sent in between, the process still serves a form end to end, and no
// secret appears in the log or in any response.
//
// Documented statuses come from bot/net/http_server.hpp (400 malformed, 431 header too large,
// 413 body over the route limit, 404, 405 + Allow, timeouts close without a response),
// connectors/forms/forms_connector.hpp, connectors/slack/{signature,parse}.hpp and
// connectors/email/inbound.hpp.

#include <gtest/gtest.h>
#include <httplib.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "connectors/common/crypto.hpp"
#include "connectors/common/form.hpp"
#include "tests/fakes/fake_slack.hpp"
#include "tests/support/json.hpp"
#include "tests/support/raw_http.hpp"
#include "tests/support/signatures.hpp"
#include "tests/support/steward_process.hpp"

namespace steward::testing::hostile {

namespace crypto = steward::connectors;
using namespace std::chrono_literals;
using namespace std::string_literals;

// a 100k-deep JSON body still reaches the parsers while 300 KB is over every limit.
inline constexpr std::size_t kBodyLimit = 262144;
// ServerOptions::header_timeout: not configurable from steward.toml, so the default applies.
inline constexpr auto kHeaderTimeout = 10s;
inline constexpr std::string_view kMultipartBoundary = "hostileBoundary7MA4YWxkTrZu0gW";

/// Invalid UTF-8 sequences: a stray byte, an overlong '/', a UTF-16 surrogate, a truncated
/// three-byte sequence and a code point above U+10FFFF.
inline const std::vector<std::pair<std::string, std::string>> kBadUtf8 = {
    {"ff", "\xFF"},
    {"overlong", "\xC0\xAF"},
    {"surrogate", "\xED\xA0\x80"},
    {"truncated", "\xE2\x82"},
    {"above-max", "\xF4\x90\x80\x80"}};

inline std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

inline std::string clip(const std::string& s, std::size_t n = 300) {
  return s.size() <= n ? s : s.substr(0, n) + "…(" + std::to_string(s.size()) + " bytes)";
}

inline std::string chunked(const std::string& body, std::size_t chunk = 16384) {
  std::string out;
  char size[32];
  for (std::size_t i = 0; i < body.size(); i += chunk) {
    auto part = body.substr(i, chunk);
    std::snprintf(size, sizeof size, "%zx\r\n", part.size());
    out += size + part + "\r\n";
  }
  return out + "0\r\n\r\n";
}

inline std::string multipart(const std::vector<std::pair<std::string, std::string>>& parts,
                             bool close = true) {
  std::string out;
  for (const auto& [name, value] : parts)
    out += "--" + std::string(kMultipartBoundary) + "\r\nContent-Disposition: form-data; name=\"" +
           name + "\"\r\n\r\n" + value + "\r\n";
  if (close) out += "--" + std::string(kMultipartBoundary) + "--\r\n";
  return out;
}

inline std::string multipart_type() {
  return "multipart/form-data; boundary=" + std::string(kMultipartBoundary);
}

inline std::string urlencoded(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string body;
  for (const auto& [k, v] : fields)
    body += (body.empty() ? "" : "&") + crypto::url_encode(k) + "=" + crypto::url_encode(v);
  return body;
}

inline std::string errc_for(int status) {
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

inline std::string deep(char open, std::size_t depth) { return std::string(depth, open); }

inline std::string deep_objects(std::size_t depth) {
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

class HostileInput : public ::testing::Test {
 protected:
  void SetUp() override;
  /// Starts steward and keeps its port for the raw requests.
  void start() {
    ASSERT_TRUE(steward_->start()) << steward_->error();
    port_ = steward_->port();
  }
  /// What every corpus ends with: the inbox holds exactly the accepted events, the process is
  /// alive and still files a form end to end, every stored event is valid JSON with a clean
  /// actor, it stops cleanly, and neither its log nor any answer holds a secret or a
  /// sanitizer report.
  void finish(const std::string& what);

  std::string log() const { return steward_->log(); }
  bool alive() const { return steward_->alive(); }

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
    auto res = steward_->http().send(req);
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
    return post_form(
        body, {{"Content-Type", "application/json"},
               {"X-Steward-Signature", steward::testing::form_signature(secrets_.form, body)}});
  }
  Reply typeform_signed(const std::string& body) {
    return post_form(
        body,
        {{"Content-Type", "application/json"},
         {"Typeform-Signature", steward::testing::form_signature(secrets_.typeform, body)}},
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
    auto ts = steward::testing::now_ts(offset);
    return slack(route, body, ts,
                 steward::testing::slack_signature(secrets_.slack_signing, ts, body));
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
    mailgun_sign(fields, secrets_.mailgun, steward::testing::now_ts(-age), crypto::random_hex(25));
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
    if (r.responded) ++answered_;
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
    EXPECT_EQ(steward::testing::jstr(v, "error"), errc_for(status))
        << where << ": " << clip(r.body);
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
      for (const auto& row : steward_->query("SELECT dedupe_key FROM inbox")) keys.insert(row[0]);
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

  Secrets secrets_;
  steward::fakes::FakeSlackOptions fakes_opts_;
  std::unique_ptr<steward::fakes::FakeSlack> slack_;
  std::unique_ptr<StewardProcess> steward_;
  int port_ = 0;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  int seq_ = 0;  ///< makes control ids unique
  std::set<std::string> expected_keys_;
  std::map<std::string, std::map<std::string, int>> cases_;
  int total_cases_ = 0;
  std::string bodies_;  ///< every answer's body and headers, searched for secrets
  int answered_ = 0;    ///< cases that got a response (so left their headers in bodies_)
  std::vector<std::string> either_accepted_, either_rejected_;

  std::string next_id(const std::string& prefix) { return prefix + "-" + std::to_string(++seq_); }
};

}  // namespace steward::testing::hostile
