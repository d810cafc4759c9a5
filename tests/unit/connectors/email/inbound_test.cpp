#include "connectors/email/inbound.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "connectors/common/crypto.hpp"
#include "connectors/common/form.hpp"
#include "connectors/email/inbound_providers.hpp"
#include "tests/support/manual_clock.hpp"

namespace steward::email {
namespace {

using Strings = std::vector<std::string>;

const std::string kFixtures = STEWARD_SOURCE_DIR "/tests/fixtures/email/";
constexpr std::string_view kMailgunKey = "mg-test-signing-key-0001";
constexpr std::string_view kPostmarkPassword = "pm-pass-7Qx";
constexpr std::string_view kSendgridToken = "sg-token-9Zk";
constexpr std::int64_t kMailgunReplyTs = 1763760000;       // mailgun_reply.urlencoded
constexpr std::int64_t kMailgunAttachmentTs = 1763760300;  // mailgun_attachment.multipart

std::string read_file(const std::string& name) {
  std::ifstream in(kFixtures + name, std::ios::binary);
  EXPECT_TRUE(in) << "missing fixture " << name;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

/// Multipart fixtures are stored with LF; HTTP bodies use CRLF.
std::string multipart_fixture(const std::string& name) {
  std::string raw = read_file(name), out;
  for (char c : raw) {
    if (c == '\r') continue;
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

std::string urlencoded_fixture(const std::string& name) {
  std::string raw = read_file(name);
  while (!raw.empty() && (raw.back() == '\n' || raw.back() == '\r')) raw.pop_back();
  return raw;
}

std::string replace_all(std::string s, std::string_view from, std::string_view to) {
  for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
    s.replace(pos, from.size(), to);
  return s;
}

InboundConfig full_config() {
  InboundConfig c;
  c.mailgun.signing_key = Secret(std::string(kMailgunKey));
  c.postmark.username = "postmark";
  c.postmark.password = Secret(std::string(kPostmarkPassword));
  c.sendgrid.token = Secret(std::string(kSendgridToken));
  c.max_age = std::chrono::seconds(300);
  c.reply.domain = "in.acme.example";
  c.reply.secret = Secret("reply-test-secret");
  return c;
}

TimePoint at(std::int64_t unix_seconds) { return from_unix_ms(unix_seconds * 1000); }

net::HttpRequest post(std::string provider, std::string content_type, std::string body) {
  net::HttpRequest r;
  r.method = "POST";
  r.path = "/hooks/email/" + provider;
  r.target = r.path;
  r.params["provider"] = std::move(provider);
  r.headers["content-type"] = std::move(content_type);
  r.body = std::move(body);
  r.received_at = at(1763770000);
  return r;
}

std::string basic(std::string_view user, std::string_view pass) {
  return "Basic " + connectors::base64_encode(std::string(user) + ":" + std::string(pass));
}

net::HttpRequest postmark_post(std::string body, std::string content_type = "application/json") {
  auto r = post("postmark", std::move(content_type), std::move(body));
  r.headers["authorization"] = basic("postmark", kPostmarkPassword);
  return r;
}

net::HttpRequest sendgrid_post(std::string body,
                               std::string content_type = "multipart/form-data; boundary=xYzZY") {
  auto r = post("sendgrid", std::move(content_type), std::move(body));
  r.query = "token=" + connectors::url_encode(kSendgridToken);
  r.target = r.path + "?" + r.query;
  return r;
}

std::string mailgun_signature(std::string_view timestamp, std::string_view token,
                              std::string_view key = kMailgunKey) {
  return connectors::to_hex(
      connectors::hmac_sha256(key, std::string(timestamp) + std::string(token)));
}

/// A small urlencoded Mailgun body signed with `key`.
std::string mailgun_form(std::int64_t ts, std::string token,
                         std::vector<std::pair<std::string, std::string>> fields,
                         std::string_view key = kMailgunKey) {
  auto t = std::to_string(ts);
  fields.emplace_back("timestamp", t);
  fields.emplace_back("token", token);
  fields.emplace_back("signature", mailgun_signature(t, token, key));
  std::string body;
  for (const auto& [k, v] : fields) {
    if (!body.empty()) body += '&';
    body += connectors::url_encode(k) + "=" + connectors::url_encode(v);
  }
  return body;
}

std::string token50(char c) { return std::string(50, c); }

/// Strict UTF-8 check (no overlongs, no surrogates, at most U+10FFFF).
bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80           ? 0
                    : (c >> 5) == 0x6  ? 1
                    : (c >> 4) == 0xe  ? 2
                    : (c >> 3) == 0x1e ? 3
                                       : 9;
    if (n == 9) return false;
    std::uint32_t cp = n == 0 ? c : (c & (0x3f >> n));
    for (std::size_t k = 1; k <= n; ++k) {
      if (i + k >= s.size()) return false;
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    static constexpr std::uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n + 1;
  }
  return true;
}

Strings json_strings(const boost::json::value& v) {
  Strings out;
  for (const auto& s : v.as_array()) out.emplace_back(s.as_string());
  return out;
}

std::string reply_addr(std::string_view conversation, std::string_view recipient) {
  return reply_address(conversation, recipient, full_config().reply);
}

class InboundTest : public ::testing::Test {
 protected:
  ManualClock clock{at(kMailgunReplyTs + 5)};
  EmailInbound inbound{full_config(), clock};
};

// ---- Mailgun -------------------------------------------------------------------------------

TEST_F(InboundTest, MailgunUrlencodedReplyIsNormalised) {
  auto req = post("mailgun", "application/x-www-form-urlencoded",
                  urlencoded_fixture("mailgun_reply.urlencoded"));
  auto ev = inbound.handle(req);
  ASSERT_TRUE(ev) << ev.error().message;
  EXPECT_EQ(ev->kind, "email.received");
  EXPECT_EQ(ev->source, "email");
  EXPECT_EQ(ev->actor, "bob@example.com");
  EXPECT_EQ(ev->dedupe_key, "email:CAF=abc123+XyZ@mail.example.com");
  EXPECT_EQ(ev->received_at, req.received_at);
  const auto& p = ev->payload;
  EXPECT_EQ(p.at("provider").as_string(), "mailgun");
  EXPECT_EQ(p.at("from").as_string(), "bob@example.com");
  EXPECT_EQ(p.at("from_name").as_string(), "Bob Example");
  // The To header and the envelope recipient name the same token address: listed once.
  EXPECT_EQ(json_strings(p.at("to")), Strings{reply_addr("c42", "bob@example.com")});
  EXPECT_EQ(json_strings(p.at("cc")), Strings{"carol@example.com"});
  EXPECT_EQ(p.at("subject").as_string(), "Re: Café order #1042");
  EXPECT_EQ(p.at("text").as_string(), "Thanks, that works for Thursday.\nBob");
  EXPECT_EQ(p.at("message_id").as_string(), "CAF=abc123+XyZ@mail.example.com");
  EXPECT_EQ(p.at("in_reply_to").as_string(), "c42.m7.a1b2c3@in.acme.example");
  EXPECT_EQ(json_strings(p.at("references")),
            (Strings{"c42.m1.x9y8@in.acme.example", "c42.m7.a1b2c3@in.acme.example"}));
  EXPECT_EQ(p.at("conversation_id").as_string(), "c42");
  EXPECT_FALSE(p.at("auto_reply").as_bool());
  EXPECT_EQ(p.at("attachments").as_int64(), 0);
}

TEST_F(InboundTest, MailgunMultipartWithAttachmentIsNormalised) {
  clock.set(at(kMailgunAttachmentTs - 20));
  auto req =
      post("mailgun", "multipart/form-data; boundary=------------------------d74496d66958873e",
           multipart_fixture("mailgun_attachment.multipart"));
  auto ev = inbound.handle(req);
  ASSERT_TRUE(ev) << ev.error().message;
  const auto& p = ev->payload;
  EXPECT_EQ(p.at("from").as_string(), "elodie@example.fr");
  EXPECT_EQ(p.at("from_name").as_string(), "Élodie Martin");  // RFC 2047 in the From field
  EXPECT_EQ(json_strings(p.at("to")), Strings{"sales@acme.example"});
  EXPECT_EQ(json_strings(p.at("cc")), (Strings{"procurement@example.fr", "sales@acme.example"}));
  EXPECT_EQ(p.at("subject").as_string(), "Quote request for 200 units");
  // No stripped-text: body-plain is stripped here, signature included.
  EXPECT_EQ(p.at("text").as_string(),
            "Hello,\n\ncould you send us a quote for 200 units of the X-40 (spec attached)?\n"
            "Delivery to Lyon before 15 January.");
  EXPECT_EQ(p.at("message_id").as_string(), "20251121212410.77.elodie@mx.example.fr");
  EXPECT_EQ(p.at("in_reply_to").as_string(), "");
  EXPECT_TRUE(p.at("references").as_array().empty());
  EXPECT_EQ(p.at("attachments").as_int64(), 1);
  EXPECT_FALSE(p.contains("conversation_id"));
  EXPECT_EQ(ev->dedupe_key, "email:20251121212410.77.elodie@mx.example.fr");
}

TEST_F(InboundTest, MailgunBadSignatureIsUnauthenticated) {
  auto body = urlencoded_fixture("mailgun_reply.urlencoded");
  // One hex digit of the signature changed.
  auto tampered = replace_all(body, "signature=bae4d2b9", "signature=bae4d2b8");
  ASSERT_NE(tampered, body);
  auto ev = inbound.handle(post("mailgun", "application/x-www-form-urlencoded", tampered));
  ASSERT_FALSE(ev);
  EXPECT_EQ(ev.error().code, Errc::kUnauthenticated);
  EXPECT_EQ(ev.error().message, "mailgun signature does not match");

  // Signed with another key (e.g. the API key of old docs).
  auto other = mailgun_form(kMailgunReplyTs, token50('a'), {{"from", "a@example.com"}}, "other");
  ev = inbound.handle(post("mailgun", "application/x-www-form-urlencoded", other));
  ASSERT_FALSE(ev);
  EXPECT_EQ(ev.error().code, Errc::kUnauthenticated);
  EXPECT_EQ(ev.error().message.find(kMailgunKey), std::string::npos);

  // The signature covers the timestamp: a replayed signature with a fresh timestamp fails.
  auto moved = replace_all(body, "timestamp=1763760000", "timestamp=1763760004");
  ev = inbound.handle(post("mailgun", "application/x-www-form-urlencoded", moved));
  ASSERT_FALSE(ev);
  EXPECT_EQ(ev.error().message, "mailgun signature does not match");
}

TEST_F(InboundTest, MailgunMissingSignatureFieldsAreUnauthenticated) {
  auto ev = inbound.handle(post("mailgun", "application/x-www-form-urlencoded",
                                "from=a%40example.com&timestamp=1763760000&token=abc"));
  ASSERT_FALSE(ev);
  EXPECT_EQ(ev.error().code, Errc::kUnauthenticated);
  EXPECT_NE(ev.error().message.find("missing"), std::string::npos);
}

TEST_F(InboundTest, MailgunStaleOrFutureTimestampIsRejected) {
  auto body = urlencoded_fixture("mailgun_reply.urlencoded");
  clock.set(at(kMailgunReplyTs + 900));
  auto ev = inbound.handle(post("mailgun", "application/x-www-form-urlencoded", body));
  ASSERT_FALSE(ev);
  EXPECT_EQ(ev.error().code, Errc::kUnauthenticated);
  EXPECT_EQ(ev.error().message, "mailgun timestamp is 900 s old (limit 300 s)");

  clock.set(at(kMailgunReplyTs - 301));
  ev = inbound.handle(post("mailgun", "application/x-www-form-urlencoded", body));
  ASSERT_FALSE(ev);
  EXPECT_EQ(ev.error().message, "mailgun timestamp is 301 s in the future (limit 300 s)");

  // Exactly at the limit is still accepted.
  clock.set(at(kMailgunReplyTs + 300));
  ev = inbound.handle(post("mailgun", "application/x-www-form-urlencoded", body));
  EXPECT_TRUE(ev) << ev.error().message;
}

TEST_F(InboundTest, MailgunReplayedTokenIsRejected) {
  auto req = post("mailgun", "application/x-www-form-urlencoded",
                  urlencoded_fixture("mailgun_reply.urlencoded"));
  ASSERT_TRUE(inbound.handle(req));
  clock.advance(std::chrono::seconds(10));
  auto again = inbound.handle(req);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, Errc::kUnauthenticated);
  EXPECT_EQ(again.error().message, "mailgun token was already used (replay)");

  // Another token signed at the same time passes.
  auto other = mailgun_form(kMailgunReplyTs, token50('b'), {{"from", "Ann <ann@example.com>"}});
  EXPECT_TRUE(inbound.handle(post("mailgun", "application/x-www-form-urlencoded", other)));
}

TEST_F(InboundTest, MailgunReplayCacheForgetsTokensAfterTwiceMaxAge) {
  const auto t0 = kMailgunReplyTs;
  auto first = mailgun_form(t0, token50('c'), {{"from", "ann@example.com"}});
  clock.set(at(t0));
  ASSERT_TRUE(inbound.handle(post("mailgun", "application/x-www-form-urlencoded", first)));
  // Same token, freshly signed 5 minutes later: still remembered.
  clock.set(at(t0 + 300));
  auto second = mailgun_form(t0 + 300, token50('c'), {{"from", "ann@example.com"}});
  auto ev = inbound.handle(post("mailgun", "application/x-www-form-urlencoded", second));
  ASSERT_FALSE(ev);
  EXPECT_EQ(ev.error().message, "mailgun token was already used (replay)");
  // After 2 x max_age the entry is dropped (its timestamp would be stale anyway).
  clock.set(at(t0 + 601));
  auto third = mailgun_form(t0 + 601, token50('c'), {{"from", "ann@example.com"}});
  EXPECT_TRUE(inbound.handle(post("mailgun", "application/x-www-form-urlencoded", third)));
}

TEST_F(InboundTest, MailgunConcurrentReplaysAcceptExactlyOne) {
  auto body = mailgun_form(kMailgunReplyTs, token50('f'), {{"from", "ann@example.com"}});
  std::atomic<int> accepted{0}, replays{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&] {
      for (int k = 0; k < 10; ++k) {
        auto ev = inbound.handle(post("mailgun", "application/x-www-form-urlencoded", body));
        if (ev)
          ++accepted;
        else if (ev.error().message == "mailgun token was already used (replay)")
          ++replays;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(accepted.load(), 1);
  EXPECT_EQ(replays.load(), 39);
}

TEST_F(InboundTest, MailgunWrongContentTypeIsUnsupportedMedia) {
  auto ev = inbound.handle(
      post("mailgun", "application/json", urlencoded_fixture("mailgun_reply.urlencoded")));
  ASSERT_FALSE(ev);
  EXPECT_EQ(ev.error().code, Errc::kUnsupportedMedia);
  auto parsed = inbound.parse("mailgun", "text/plain", "from=a%40b.c");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code, Errc::kUnsupportedMedia);
}

TEST_F(InboundTest, MailgunMalformedBodiesAreInvalidInput) {
  const std::string ct = "multipart/form-data; boundary=------------------------d74496d66958873e";
  auto body = multipart_fixture("mailgun_attachment.multipart");

  auto truncated = inbound.parse("mailgun", ct, body.substr(0, body.size() / 2));
  ASSERT_FALSE(truncated);
  EXPECT_EQ(truncated.error().code, Errc::kInvalidInput);
  EXPECT_NE(truncated.error().message.find("truncated"), std::string::npos);

  auto no_boundary = inbound.parse("mailgun", "multipart/form-data", body);
  ASSERT_FALSE(no_boundary);
  EXPECT_EQ(no_boundary.error().code, Errc::kInvalidInput);
  EXPECT_NE(no_boundary.error().message.find("boundary"), std::string::npos);

  auto injected = inbound.parse("mailgun", "multipart/form-data; boundary=x\r\nX-Evil: 1", body);
  ASSERT_FALSE(injected);
  EXPECT_EQ(injected.error().code, Errc::kInvalidInput);

  auto bad_escape = inbound.parse("mailgun", "application/x-www-form-urlencoded", "from=%zz");
  ASSERT_FALSE(bad_escape);
  EXPECT_EQ(bad_escape.error().code, Errc::kInvalidInput);

  auto bad_headers = inbound.parse("mailgun", "application/x-www-form-urlencoded",
                                   "from=a%40b.example&message-headers=%5B%5B%22To%22");
  ASSERT_FALSE(bad_headers);
  EXPECT_EQ(bad_headers.error().code, Errc::kInvalidInput);
  EXPECT_NE(bad_headers.error().message.find("message-headers"), std::string::npos);

  // Signed and fresh, but nobody sent it.
  auto anonymous =
      mailgun_form(kMailgunReplyTs, token50('d'), {{"subject", "hi"}, {"body-plain", "hello"}});
  auto ev = inbound.handle(post("mailgun", "application/x-www-form-urlencoded", anonymous));
  ASSERT_FALSE(ev);
  EXPECT_EQ(ev.error().code, Errc::kInvalidInput);
  EXPECT_EQ(ev.error().message, "no sender address");
}

TEST_F(InboundTest, MailgunForgedReplyTokenGivesNoConversation) {
  auto forged = replace_all(urlencoded_fixture("mailgun_reply.urlencoded"), "7bade6b7c3b2bc2feb74",
                            "7bade6b7c3b2bc2feb75");
  auto mail = inbound.parse("mailgun", "application/x-www-form-urlencoded", forged);
  ASSERT_TRUE(mail) << mail.error().message;
  EXPECT_FALSE(mail->conversation_id);
  EXPECT_EQ(mail->reply_token_refused, "c42");
  EXPECT_EQ(mail->to, Strings{"reply+c42.7bade6b7c3b2bc2feb75@in.acme.example"});
  // Everything else is still delivered.
  EXPECT_EQ(mail->text, "Thanks, that works for Thursday.\nBob");
}

TEST_F(InboundTest, MailgunBounceFromMailerDaemonIsAutoReply) {
  auto body = mailgun_form(kMailgunReplyTs, token50('e'),
                           {{"from", "Mail Delivery Subsystem <MAILER-DAEMON@mx.example.net>"},
                            {"sender", ""},
                            {"subject", "Undelivered Mail Returned to Sender"},
                            {"body-plain", "This is the mail system at host mx.example.net."}});
  auto ev = inbound.handle(post("mailgun", "application/x-www-form-urlencoded", body));
  ASSERT_TRUE(ev) << ev.error().message;
  EXPECT_TRUE(ev->payload.at("auto_reply").as_bool());
  EXPECT_EQ(ev->payload.at("auto_reason").as_string(), "sender mailer-daemon@mx.example.net");
}

// ---- Postmark -----------------------------------------------------------------------------

TEST_F(InboundTest, PostmarkReplyIsNormalised) {
  auto ev = inbound.handle(postmark_post(read_file("postmark_reply.json")));
  ASSERT_TRUE(ev) << ev.error().message;
  const auto& p = ev->payload;
  EXPECT_EQ(p.at("provider").as_string(), "postmark");
  EXPECT_EQ(p.at("from").as_string(), "dana.lee@example.org");
  EXPECT_EQ(p.at("from_name").as_string(), "Dana Lee");
  EXPECT_EQ(json_strings(p.at("to")), Strings{reply_addr("c77", "dana.lee@example.org")});
  EXPECT_EQ(json_strings(p.at("cc")), (Strings{"eve@example.org", "ops@example.org"}));
  EXPECT_EQ(p.at("subject").as_string(), "Re: Your demo booking — Tuesday?");
  EXPECT_EQ(p.at("text").as_string(), "Tuesday at 3pm works for us.\n\nDana");
  // Postmark's own MessageID is never used.
  EXPECT_EQ(p.at("message_id").as_string(), "CAB+dana.991@mail.example.org");
  EXPECT_EQ(ev->dedupe_key, "email:CAB+dana.991@mail.example.org");
  EXPECT_EQ(p.at("in_reply_to").as_string(), "c77.m3.f00d@in.acme.example");
  EXPECT_EQ(json_strings(p.at("references")),
            (Strings{"c77.m1.beef@in.acme.example", "c77.m3.f00d@in.acme.example"}));
  EXPECT_EQ(p.at("conversation_id").as_string(), "c77");
  EXPECT_FALSE(p.at("auto_reply").as_bool());
  EXPECT_EQ(p.at("attachments").as_int64(), 1);

  auto mail = inbound.parse("postmark", "application/json", read_file("postmark_reply.json"));
  ASSERT_TRUE(mail);
  EXPECT_EQ(mail->envelope_from, "dana.lee@example.org");  // Return-Path
}

TEST_F(InboundTest, PostmarkBasicAuthIsChecked) {
  auto body = read_file("postmark_reply.json");
  auto req = postmark_post(body);
  req.headers.erase("authorization");
  auto ev = inbound.handle(req);
  ASSERT_FALSE(ev);
  EXPECT_EQ(ev.error().code, Errc::kUnauthenticated);
  EXPECT_EQ(ev.error().message, "postmark basic auth missing");

  req.headers["authorization"] = basic("postmark", "wrong");
  ev = inbound.handle(req);
  ASSERT_FALSE(ev);
  EXPECT_EQ(ev.error().code, Errc::kUnauthenticated);
  EXPECT_EQ(ev.error().message, "postmark basic auth does not match");

  req.headers["authorization"] = basic("someone", kPostmarkPassword);
  ev = inbound.handle(req);
  ASSERT_FALSE(ev);
  EXPECT_EQ(ev.error().message.find(kPostmarkPassword), std::string::npos);

  req.headers["authorization"] = "Bearer " + std::string(kPostmarkPassword);
  ev = inbound.handle(req);
  ASSERT_FALSE(ev);
  EXPECT_EQ(ev.error().code, Errc::kUnauthenticated);
  EXPECT_EQ(ev.error().message.find(kPostmarkPassword), std::string::npos);

  // Scheme names are case-insensitive.
  req.headers["authorization"] =
      "basic " + connectors::base64_encode("postmark:" + std::string(kPostmarkPassword));
  EXPECT_TRUE(inbound.handle(req));
}

TEST_F(InboundTest, PostmarkWrongContentTypeIsUnsupportedMedia) {
  auto body = read_file("postmark_reply.json");
  auto ev = inbound.handle(postmark_post(body, "text/plain"));
  ASSERT_FALSE(ev);
  EXPECT_EQ(ev.error().code, Errc::kUnsupportedMedia);
  EXPECT_TRUE(inbound.handle(postmark_post(body, "Application/JSON; charset=utf-8")));
}

TEST_F(InboundTest, PostmarkMalformedBodiesAreInvalidInput) {
  for (std::string bad : {std::string("{\"From\": \"a@b.example\""), std::string("[1,2]"),
                          std::string(R"({"From":"a@b.example","ToFull":"x@y.example"})"),
                          std::string(R"({"From":"a@b.example","Headers":[1]})"),
                          std::string(R"({"Subject":"no sender","TextBody":"hi"})")}) {
    auto ev = inbound.handle(postmark_post(bad));
    ASSERT_FALSE(ev) << bad;
    EXPECT_EQ(ev.error().code, Errc::kInvalidInput) << bad;
  }
  auto ev = inbound.handle(postmark_post(R"({"Subject":"no sender","TextBody":"hi"})"));
  EXPECT_EQ(ev.error().message, "no sender address");
}

TEST_F(InboundTest, PostmarkWithoutStrippedReplyStripsTextBodyAndDecodesSubject) {
  auto body = R"({
    "From": "\"Lee, Kim\" <Kim.Lee@Example.org>",
    "To": "support@acme.example",
    "Subject": "=?UTF-8?B?UmU6IMOcYmVyd2Vpc3VuZw==?=",
    "TextBody": "Got it, thanks.\r\n\r\n-----Original Message-----\r\nFrom: Acme\r\nSent: Friday\r\n\r\nPlease confirm.\r\n",
    "StrippedTextReply": "",
    "Headers": [{"Name": "Message-ID", "Value": "<kim.1@example.org>"}]
  })";
  auto mail = inbound.parse("postmark", "application/json", body);
  ASSERT_TRUE(mail) << mail.error().message;
  EXPECT_EQ(mail->from, "kim.lee@example.org");
  EXPECT_EQ(mail->from_name, "Lee, Kim");
  EXPECT_EQ(mail->subject, "Re: Überweisung");
  EXPECT_EQ(mail->text, "Got it, thanks.");
  EXPECT_EQ(mail->message_id, "kim.1@example.org");
  EXPECT_EQ(mail->to, Strings{"support@acme.example"});
}

TEST_F(InboundTest, PostmarkMailboxHashAloneThreadsTheReply) {
  // Sent to Postmark's own inbound address: only MailboxHash carries the token.
  auto token = make_reply_token("c501", "ann@example.com", full_config().reply.secret);
  auto body = R"({"From":"ann@example.com","To":"abc123+)" + token +
              R"(@inbound.postmarkapp.com","MailboxHash":")" + token +
              R"(","TextBody":"ok","Headers":[]})";
  auto mail = inbound.parse("postmark", "application/json", body);
  ASSERT_TRUE(mail) << mail.error().message;
  ASSERT_TRUE(mail->conversation_id);
  EXPECT_EQ(*mail->conversation_id, "c501");

  auto forged = replace_all(body, token, "c502" + token.substr(4));
  mail = inbound.parse("postmark", "application/json", forged);
  ASSERT_TRUE(mail) << mail.error().message;
  EXPECT_FALSE(mail->conversation_id);
}

TEST_F(InboundTest, PostmarkOutOfOfficeIsAutoReply) {
  auto ev = inbound.handle(postmark_post(read_file("postmark_auto_reply.json")));
  ASSERT_TRUE(ev) << ev.error().message;
  EXPECT_TRUE(ev->payload.at("auto_reply").as_bool());
  EXPECT_EQ(ev->payload.at("auto_reason").as_string(), "Auto-Submitted: auto-replied");
  EXPECT_EQ(ev->payload.at("text").as_string(),
            "I am out of the office until Monday 24 November with limited access to email.");
  EXPECT_FALSE(ev->payload.contains("conversation_id"));
}

// ---- SendGrid -----------------------------------------------------------------------------

TEST_F(InboundTest, SendGridParsedReplyIsNormalised) {
  auto ev = inbound.handle(sendgrid_post(multipart_fixture("sendgrid_reply.multipart")));
  ASSERT_TRUE(ev) << ev.error().message;
  const auto& p = ev->payload;
  EXPECT_EQ(p.at("provider").as_string(), "sendgrid");
  EXPECT_EQ(p.at("from").as_string(), "frank@example.net");
  EXPECT_EQ(p.at("from_name").as_string(), "Frank Ortiz");
  EXPECT_EQ(json_strings(p.at("to")),
            Strings{reply_addr("c88", "frank@example.net")});  // To + envelope.to, once
  EXPECT_EQ(json_strings(p.at("cc")), Strings{"gregoire@example.net"});
  EXPECT_EQ(p.at("subject").as_string(), "Re: Überweisung erhalten?");  // from the raw header
  // The "On … wrote:" attribution is wrapped over two lines.
  EXPECT_EQ(p.at("text").as_string(), "Yes, the transfer went out this morning.\nFrank");
  EXPECT_EQ(p.at("message_id").as_string(), "CAOrtiz.4411@mail.example.net");
  EXPECT_EQ(p.at("in_reply_to").as_string(), "c88.m2.d00d@in.acme.example");
  EXPECT_EQ(json_strings(p.at("references")),
            (Strings{"c88.m1.cafe@in.acme.example", "c88.m2.d00d@in.acme.example"}));
  EXPECT_EQ(p.at("conversation_id").as_string(), "c88");
  EXPECT_EQ(p.at("attachments").as_int64(), 1);
  EXPECT_FALSE(p.at("auto_reply").as_bool());

  auto mail = inbound.parse("sendgrid", "multipart/form-data; boundary=xYzZY",
                            multipart_fixture("sendgrid_reply.multipart"));
  ASSERT_TRUE(mail);
  EXPECT_EQ(mail->envelope_from, "frank@example.net");
}

TEST_F(InboundTest, SendGridCredentialsAreChecked) {
  auto body = multipart_fixture("sendgrid_reply.multipart");
  auto req = sendgrid_post(body);
  req.query.clear();
  auto ev = inbound.handle(req);
  ASSERT_FALSE(ev);
  EXPECT_EQ(ev.error().code, Errc::kUnauthenticated);
  EXPECT_EQ(ev.error().message, "sendgrid token missing");

  req.query = "token=sg-token-9Zj";
  ev = inbound.handle(req);
  ASSERT_FALSE(ev);
  EXPECT_EQ(ev.error().code, Errc::kUnauthenticated);
  EXPECT_EQ(ev.error().message, "sendgrid token does not match");

  // The query is url-decoded before the compare.
  auto cfg = full_config();
  cfg.sendgrid.token = Secret("a b+c/d=");
  EmailInbound with_odd_token(cfg, clock);
  req.query = "other=1&token=a%20b%2Bc%2Fd%3D";
  EXPECT_TRUE(with_odd_token.handle(req));

  // Basic auth instead of a token.
  auto basic_cfg = full_config();
  basic_cfg.sendgrid.token = Secret();
  basic_cfg.sendgrid.username = "sg";
  basic_cfg.sendgrid.password = Secret("sg-pass");
  EmailInbound with_basic(basic_cfg, clock);
  req.query.clear();
  ev = with_basic.handle(req);
  ASSERT_FALSE(ev);
  EXPECT_EQ(ev.error().message, "sendgrid basic auth missing");
  req.headers["authorization"] = basic("sg", "nope");
  ev = with_basic.handle(req);
  ASSERT_FALSE(ev);
  EXPECT_EQ(ev.error().message, "sendgrid basic auth does not match");
  req.headers["authorization"] = basic("sg", "sg-pass");
  EXPECT_TRUE(with_basic.handle(req));

  // Both configured: either passes; neither given names both.
  basic_cfg.sendgrid.token = Secret(std::string(kSendgridToken));
  EmailInbound with_both(basic_cfg, clock);
  EXPECT_TRUE(with_both.handle(req));
  req.headers.erase("authorization");
  ev = with_both.handle(req);
  ASSERT_FALSE(ev);
  EXPECT_EQ(ev.error().message,
            "sendgrid credentials missing (token query parameter or basic auth)");
  req.query = "token=" + std::string(kSendgridToken);
  EXPECT_TRUE(with_both.handle(req));
}

TEST_F(InboundTest, SendGridWrongContentTypeIsUnsupportedMedia) {
  auto ev =
      inbound.handle(sendgrid_post("from=a%40b.example", "application/x-www-form-urlencoded"));
  ASSERT_FALSE(ev);
  EXPECT_EQ(ev.error().code, Errc::kUnsupportedMedia);
  ev = inbound.handle(sendgrid_post("{}", "application/json"));
  ASSERT_FALSE(ev);
  EXPECT_EQ(ev.error().code, Errc::kUnsupportedMedia);
}

TEST_F(InboundTest, SendGridMalformedBodiesAreInvalidInput) {
  auto body = multipart_fixture("sendgrid_reply.multipart");
  auto truncated = inbound.handle(sendgrid_post(body.substr(0, body.size() - 40)));
  ASSERT_FALSE(truncated);
  EXPECT_EQ(truncated.error().code, Errc::kInvalidInput);
  EXPECT_NE(truncated.error().message.find("truncated"), std::string::npos);

  auto no_boundary = inbound.handle(sendgrid_post(body, "multipart/form-data"));
  ASSERT_FALSE(no_boundary);
  EXPECT_EQ(no_boundary.error().code, Errc::kInvalidInput);

  auto empty = inbound.handle(sendgrid_post("--xYzZY--\r\n"));
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, Errc::kInvalidInput);

  auto bad_envelope = replace_all(body, R"({"to": [)", R"({"to": [[)");
  ASSERT_NE(bad_envelope, body);
  auto ev = inbound.handle(sendgrid_post(bad_envelope));
  ASSERT_FALSE(ev);
  EXPECT_EQ(ev.error().code, Errc::kInvalidInput);
  EXPECT_NE(ev.error().message.find("envelope"), std::string::npos);

  const std::string no_sender =
      "--xYzZY\r\nContent-Disposition: form-data; name=\"to\"\r\n\r\nsupport@acme.example\r\n"
      "--xYzZY\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nhello\r\n--xYzZY--\r\n";
  ev = inbound.handle(sendgrid_post(no_sender));
  ASSERT_FALSE(ev);
  EXPECT_EQ(ev.error().code, Errc::kInvalidInput);
  EXPECT_EQ(ev.error().message, "no sender address");
}

TEST_F(InboundTest, SendGridConvertsDeclaredCharsetsAndHashesWhenNoMessageId) {
  auto ev = inbound.handle(sendgrid_post(multipart_fixture("sendgrid_latin1.multipart")));
  ASSERT_TRUE(ev) << ev.error().message;
  const auto& p = ev->payload;
  EXPECT_EQ(p.at("from").as_string(), "greta@example.de");
  EXPECT_EQ(p.at("from_name").as_string(), "Greta Müller");
  EXPECT_EQ(p.at("subject").as_string(), "Frage zur Lieferung");
  const std::string text = "Wann wird meine Bestellung geliefert?\n\nViele Grüße\nGreta Müller";
  EXPECT_EQ(p.at("text").as_string(), text);
  EXPECT_EQ(p.at("message_id").as_string(), "");
  EXPECT_EQ(ev->dedupe_key,
            "email:sendgrid:" + connectors::to_hex(connectors::sha256(
                                    "greta@example.de\nFrage zur Lieferung\n" + text)));
}

TEST_F(InboundTest, SendGridInvalidUtf8IsReplacedNotRejected) {
  const std::string body =
      "--xYzZY\r\nContent-Disposition: form-data; name=\"from\"\r\n\r\nzed@example.com\r\n"
      "--xYzZY\r\nContent-Disposition: form-data; name=\"subject\"\r\n\r\nbad \xC3\x28 byte\r\n"
      "--xYzZY\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nok \xFF\xFE end\r\n"
      "--xYzZY\r\nContent-Disposition: form-data; name=\"charsets\"\r\n\r\n"
      "{\"text\":\"UTF-8\",\"subject\":\"x-unknown-charset\"}\r\n--xYzZY--\r\n";
  auto ev = inbound.handle(sendgrid_post(body));
  ASSERT_TRUE(ev) << ev.error().message;
  EXPECT_EQ(ev->payload.at("text").as_string(), "ok \xEF\xBF\xBD\xEF\xBF\xBD end");
  EXPECT_EQ(ev->payload.at("subject").as_string(), "bad \xEF\xBF\xBD( byte");
  EXPECT_FALSE(valid_utf8("ok \xFF\xFE end"));
  EXPECT_FALSE(valid_utf8("\xC0\xAF"));  // overlong '/'
  EXPECT_TRUE(valid_utf8(std::string(ev->payload.at("text").as_string())));
}

TEST_F(InboundTest, SendGridRawMimeIsParsedWithGMime) {
  auto ev = inbound.handle(sendgrid_post(multipart_fixture("sendgrid_raw.multipart")));
  ASSERT_TRUE(ev) << ev.error().message;
  const auto& p = ev->payload;
  EXPECT_EQ(p.at("from").as_string(), "ivy@example.com");
  EXPECT_EQ(p.at("from_name").as_string(), "Ivy Chen");
  EXPECT_EQ(json_strings(p.at("to")), Strings{"support@acme.example"});
  EXPECT_EQ(p.at("subject").as_string(), "Invoice question – order 889");
  EXPECT_EQ(p.at("text").as_string(),
            "Could you resend the invoice for order 889? The total should be 120 €.");
  EXPECT_EQ(p.at("message_id").as_string(), "raw.889.ivy@example.com");
  EXPECT_EQ(p.at("attachments").as_int64(), 1);
}

TEST_F(InboundTest, SendGridBounceWithEmptyEnvelopeSenderIsAutoReply) {
  const std::string body =
      "--xYzZY\r\nContent-Disposition: form-data; name=\"from\"\r\n\r\n"
      "Delivery Status <notifications@example.net>\r\n"
      "--xYzZY\r\nContent-Disposition: form-data; name=\"envelope\"\r\n\r\n"
      "{\"to\":[\"support@acme.example\"],\"from\":\"\"}\r\n"
      "--xYzZY\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nundeliverable\r\n"
      "--xYzZY--\r\n";
  auto ev = inbound.handle(sendgrid_post(body));
  ASSERT_TRUE(ev) << ev.error().message;
  EXPECT_TRUE(ev->payload.at("auto_reply").as_bool());
  EXPECT_EQ(ev->payload.at("auto_reason").as_string(), "empty envelope sender (bounce)");
}

TEST_F(InboundTest, SendGridPrecedenceBulkIsAutoReply) {
  const std::string body =
      "--xYzZY\r\nContent-Disposition: form-data; name=\"headers\"\r\n\r\n"
      "From: news@example.com\r\nPrecedence: Bulk\r\nMessage-ID: <n1@example.com>\r\n"
      "\r\n--xYzZY\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nNewsletter\r\n"
      "--xYzZY--\r\n";
  auto mail = inbound.parse("sendgrid", "multipart/form-data; boundary=xYzZY", body);
  ASSERT_TRUE(mail) << mail.error().message;
  EXPECT_EQ(mail->from, "news@example.com");
  EXPECT_TRUE(mail->auto_reply);
  EXPECT_EQ(mail->auto_reason, "Precedence: bulk");
}

TEST_F(InboundTest, DamagedBodiesFailCleanly) {
  struct Case {
    std::string provider, content_type, body;
  };
  const std::vector<Case> cases = {
      {"mailgun", "application/x-www-form-urlencoded",
       urlencoded_fixture("mailgun_reply.urlencoded")},
      {"mailgun", "multipart/form-data; boundary=------------------------d74496d66958873e",
       multipart_fixture("mailgun_attachment.multipart")},
      {"postmark", "application/json", read_file("postmark_reply.json")},
      {"sendgrid", "multipart/form-data; boundary=xYzZY",
       multipart_fixture("sendgrid_reply.multipart")},
      {"sendgrid", "multipart/form-data; boundary=xYzZY",
       multipart_fixture("sendgrid_raw.multipart")},
  };
  std::uint32_t seed = 12345;
  auto next = [&seed] {
    seed = seed * 1664525u + 1013904223u;
    return seed >> 8;
  };
  int parsed = 0, rejected = 0;
  for (const auto& c : cases) {
    for (int round = 0; round < 60; ++round) {
      std::string body = c.body;
      if (round % 2 == 0) {
        body.resize(next() % body.size());  // truncated
      } else {
        for (int k = 0; k < 8; ++k) body[next() % body.size()] = static_cast<char>(next() & 0xff);
      }
      auto mail = inbound.parse(c.provider, c.content_type, body);
      if (mail) {
        ++parsed;
        // Whatever survives is UTF-8 (Boost.JSON would emit invalid bytes as they are).
        for (const auto* field : {&mail->from, &mail->from_name, &mail->subject, &mail->text,
                                  &mail->message_id, &mail->in_reply_to})
          EXPECT_TRUE(valid_utf8(*field)) << c.provider << " round " << round;
        EXPECT_FALSE(to_event(*mail, TimePoint{}).dedupe_key.empty());
      } else {
        ++rejected;
        EXPECT_EQ(mail.error().code, Errc::kInvalidInput)
            << c.provider << " round " << round << ": " << mail.error().message;
      }
    }
  }
  EXPECT_GT(rejected, 0);
  EXPECT_GT(parsed, 0);
}

// ---- authentication before parsing: pre-scan and caps --------------------------------------

using Fields = std::vector<std::pair<std::string, std::string>>;

std::string multipart_body(const Fields& parts, std::string_view boundary = "b0und") {
  std::string out;
  for (const auto& [name, value] : parts)
    out += "--" + std::string(boundary) + "\r\nContent-Disposition: form-data; name=\"" + name +
           "\"\r\n\r\n" + value + "\r\n";
  return out + "--" + std::string(boundary) + "--\r\n";
}
constexpr std::string_view kMultipartType = "multipart/form-data; boundary=b0und";

Fields signed_fields(std::int64_t ts, const std::string& token, Fields fields) {
  auto t = std::to_string(ts);
  fields.emplace_back("timestamp", t);
  fields.emplace_back("token", token);
  fields.emplace_back("signature", mailgun_signature(t, token));
  return fields;
}

void collect_part(void* out, std::string_view name, std::string_view content) {
  static_cast<Fields*>(out)->emplace_back(std::string(name), std::string(content));
}

TEST(FormScan, MultipartScanSeesExactlyTheFieldsGMimeParses) {
  const std::vector<std::pair<std::string, std::string>> fixtures = {
      {"mailgun_attachment.multipart",
       "multipart/form-data; boundary=------------------------d74496d66958873e"},
      {"sendgrid_reply.multipart", "multipart/form-data; boundary=xYzZY"},
      {"sendgrid_raw.multipart", "multipart/form-data; boundary=\"xYzZY\""},
      {"sendgrid_latin1.multipart", "multipart/form-data; charset=utf-8; boundary=xYzZY"},
  };
  for (const auto& [name, ct] : fixtures) {
    const auto body = multipart_fixture(name);
    auto full = detail::parse_multipart_form(ct, body);
    ASSERT_TRUE(full) << name << ": " << full.error().message;
    Fields scanned;
    auto parts = detail::scan_multipart_form(ct, body, collect_part, &scanned);
    ASSERT_TRUE(parts) << name << ": " << parts.error().message;
    Fields parsed;
    for (const auto& p : *full) parsed.emplace_back(p.name, p.value);
    EXPECT_EQ(*parts, scanned.size()) << name;  // every fixture part has a name
    EXPECT_EQ(scanned, parsed) << name;
  }
}

TEST(FormScan, MailgunScanAgreesWithTheFullParseOnFixtures) {
  const std::vector<std::pair<std::string, std::string>> fixtures = {
      {"multipart/form-data; boundary=------------------------d74496d66958873e",
       multipart_fixture("mailgun_attachment.multipart")},
      {"application/x-www-form-urlencoded", urlencoded_fixture("mailgun_reply.urlencoded")},
  };
  for (const auto& [ct, body] : fixtures) {
    auto scan = detail::scan_mailgun_signature(ct, body);
    ASSERT_TRUE(scan) << ct << ": " << scan.error().message;
    auto full = detail::mailgun_fields(ct, body);
    ASSERT_TRUE(full) << full.error().message;
    ASSERT_NE(detail::find_field(*full, "signature"), nullptr);
    EXPECT_EQ(scan->timestamp, *detail::find_field(*full, "timestamp")) << ct;
    EXPECT_EQ(scan->token, *detail::find_field(*full, "token")) << ct;
    EXPECT_EQ(scan->signature, *detail::find_field(*full, "signature")) << ct;
    EXPECT_EQ(scan->signature.size(), 64u);
  }
}

TEST_F(InboundTest, AuthenticateThenParseEqualsHandle) {
  auto req = post("mailgun", "application/x-www-form-urlencoded",
                  urlencoded_fixture("mailgun_reply.urlencoded"));
  auto auth = inbound.authenticate(req);
  ASSERT_TRUE(auth) << auth.error().message;
  ASSERT_TRUE(auth->mailgun);
  auto ev = inbound.parse_authenticated(req, *auth);
  ASSERT_TRUE(ev) << ev.error().message;
  EXPECT_EQ(ev->kind, "email.received");
  // The token was spent by authenticate(): the same request again is a replay.
  auto again = inbound.authenticate(req);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().message, "mailgun token was already used (replay)");

  auto pm = postmark_post(read_file("postmark_reply.json"));
  auto pm_auth = inbound.authenticate(pm);
  ASSERT_TRUE(pm_auth) << pm_auth.error().message;
  EXPECT_FALSE(pm_auth->mailgun);
  EXPECT_TRUE(inbound.parse_authenticated(pm, *pm_auth));
  pm.headers["authorization"] = basic("postmark", "guess");
  EXPECT_EQ(inbound.authenticate(pm).error().code, Errc::kUnauthenticated);
}

TEST_F(InboundTest, MailgunDuplicateSignatureFieldsAreUnauthenticated) {
  const auto t = std::to_string(kMailgunReplyTs);
  const auto token = token50('e');
  const auto good = mailgun_signature(t, token);
  const Fields base{{"from", "a@b.example"}, {"timestamp", t}, {"token", token}};
  // A forged signature before or after the valid one; urlencoded and multipart.
  for (bool forged_first : {true, false}) {
    Fields f = base;
    if (forged_first) f.emplace_back("signature", std::string(64, '0'));
    f.emplace_back("signature", good);
    if (!forged_first) f.emplace_back("signature", std::string(64, '0'));
    std::string form;
    for (const auto& [k, v] : f)
      form +=
          (form.empty() ? "" : "&") + connectors::url_encode(k) + "=" + connectors::url_encode(v);
    for (const auto& req : {post("mailgun", "application/x-www-form-urlencoded", form),
                            post("mailgun", std::string(kMultipartType), multipart_body(f))}) {
      auto ev = inbound.handle(req);
      ASSERT_FALSE(ev);
      EXPECT_EQ(ev.error().code, Errc::kUnauthenticated);
      EXPECT_EQ(ev.error().message, "mailgun signature field 'signature' appears 2 times");
    }
  }
  // A second token behind an RFC 2231 parameter name: the scan does not decode it, GMime does,
  // so the full parse finds two tokens where one was verified.
  {
    auto body =
        multipart_body(signed_fields(kMailgunReplyTs, token50('n'), {{"from", "a@b.example"}}));
    body.insert(body.rfind("--b0und--"),
                "--b0und\r\nContent-Disposition: form-data; name*=utf-8''token\r\n\r\nother\r\n");
    auto req = post("mailgun", std::string(kMultipartType), body);
    auto auth = inbound.authenticate(req);
    ASSERT_TRUE(auth) << auth.error().message;
    auto ev = inbound.parse_authenticated(req, *auth);
    ASSERT_FALSE(ev);
    EXPECT_EQ(ev.error().message,
              "mailgun signature field 'token' differs between the scan and the full parse");
  }
  // Two tokens, both "valid" for some signature: still refused.
  Fields two_tokens = signed_fields(kMailgunReplyTs, token50('f'), {{"from", "a@b.example"}});
  two_tokens.emplace_back("token", token50('g'));
  auto ev =
      inbound.handle(post("mailgun", std::string(kMultipartType), multipart_body(two_tokens)));
  ASSERT_FALSE(ev);
  EXPECT_EQ(ev.error().message, "mailgun signature field 'token' appears 2 times");
}

TEST_F(InboundTest, MailgunSignedButTruncatedMultipartIsInvalidInput) {
  // The signature is in the last part, which has no closing delimiter: authenticated, then
  // refused as truncated (not as unsigned).
  auto body =
      multipart_body(signed_fields(kMailgunReplyTs, token50('p'), {{"from", "a@b.example"}}));
  body.resize(body.rfind("--b0und--"));
  auto ev = inbound.handle(post("mailgun", std::string(kMultipartType), body));
  ASSERT_FALSE(ev);
  EXPECT_EQ(ev.error().code, Errc::kInvalidInput);
  EXPECT_NE(ev.error().message.find("truncated"), std::string::npos) << ev.error().message;
}

TEST_F(InboundTest, MailgunFieldTheScanReadsDifferentlyFromGMimeIsRefused) {
  // The token part is base64 transfer-encoded: the scan sees (and the HMAC covers) the encoded
  // text, GMime decodes it. Signed values must be the values the mail parser uses, so: 401.
  const auto t = std::to_string(kMailgunReplyTs);
  const std::string raw_token = "dG9rZW4tdG9rZW4tdG9rZW4tdG9rZW4tdG9rZW4tdG9rZW4tdG9r";
  std::string body = multipart_body({{"from", "a@b.example"}, {"timestamp", t}}, "b0und");
  body.resize(body.size() - std::string("--b0und--\r\n").size());
  body +=
      "--b0und\r\nContent-Disposition: form-data; name=\"token\"\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\n" +
      raw_token + "\r\n";
  body += "--b0und\r\nContent-Disposition: form-data; name=\"signature\"\r\n\r\n" +
          mailgun_signature(t, raw_token) + "\r\n--b0und--\r\n";
  auto req = post("mailgun", std::string(kMultipartType), body);
  auto auth = inbound.authenticate(req);
  ASSERT_TRUE(auth) << auth.error().message;  // the scan's view verifies…
  auto ev = inbound.parse_authenticated(req, *auth);
  ASSERT_FALSE(ev);  // …but the full parse reads another token
  EXPECT_EQ(ev.error().code, Errc::kUnauthenticated);
  EXPECT_EQ(ev.error().message,
            "mailgun signature field 'token' differs between the scan and the full parse");
}

TEST_F(InboundTest, MailgunPartCapIsTooLargeBeforeAuthentication) {
  Fields parts;
  for (std::size_t i = 0; i < detail::kMaxFormParts; ++i) parts.emplace_back("p", "x");
  // Exactly at the cap (signature fields included) a signed mail is accepted.
  Fields at_cap(parts.begin(), parts.end() - 4);
  at_cap.emplace_back("from", "a@b.example");
  at_cap = signed_fields(kMailgunReplyTs, token50('h'), at_cap);
  ASSERT_EQ(at_cap.size(), detail::kMaxFormParts);
  auto ok = inbound.handle(post("mailgun", std::string(kMultipartType), multipart_body(at_cap)));
  EXPECT_TRUE(ok) << ok.error().message;

  // One more part: 413, signed or not, and from the scan (before the signature is looked at).
  for (bool sign : {false, true}) {
    Fields over = parts;
    over.emplace_back("from", "a@b.example");
    if (sign) over = signed_fields(kMailgunReplyTs, token50('i'), over);
    auto ev = inbound.handle(post("mailgun", std::string(kMultipartType), multipart_body(over)));
    ASSERT_FALSE(ev);
    EXPECT_EQ(ev.error().code, Errc::kTooLarge);
    EXPECT_EQ(ev.error().message, "form body has more than 1000 parts");
  }
  // The full parser enforces it on its own (SendGrid is authenticated by URL and never scanned
  // for signature fields).
  Fields over = parts;
  over.emplace_back("from", "a@b.example");
  auto full = detail::parse_multipart_form(kMultipartType, multipart_body(over));
  ASSERT_FALSE(full);
  EXPECT_EQ(full.error().code, Errc::kTooLarge);
  auto sg = inbound.handle(sendgrid_post(multipart_body(over, "xYzZY")));
  ASSERT_FALSE(sg);
  EXPECT_EQ(sg.error().code, Errc::kTooLarge);
}

TEST_F(InboundTest, MailgunFieldCapIsTooLarge) {
  auto form_of = [](std::size_t n, const std::string& token) {
    Fields f;
    for (std::size_t i = 0; i + 4 < n; ++i) f.emplace_back("p" + std::to_string(i), "x");
    f.emplace_back("from", "a@b.example");
    f = signed_fields(kMailgunReplyTs, token, f);
    std::string body;
    for (const auto& [k, v] : f)
      body +=
          (body.empty() ? "" : "&") + connectors::url_encode(k) + "=" + connectors::url_encode(v);
    return body;
  };
  auto ok = inbound.handle(post("mailgun", "application/x-www-form-urlencoded",
                                form_of(detail::kMaxFormParts, token50('j'))));
  EXPECT_TRUE(ok) << ok.error().message;
  // Empty pairs ("&&") are not fields.
  ok = inbound.handle(post("mailgun", "application/x-www-form-urlencoded",
                           "&&&" + form_of(detail::kMaxFormParts, token50('k')) + "&&"));
  EXPECT_TRUE(ok) << ok.error().message;
  auto ev = inbound.handle(post("mailgun", "application/x-www-form-urlencoded",
                                form_of(detail::kMaxFormParts + 1, token50('l'))));
  ASSERT_FALSE(ev);
  EXPECT_EQ(ev.error().code, Errc::kTooLarge);
  EXPECT_EQ(ev.error().message, "form body has more than 1000 fields");
  auto parsed = inbound.parse("mailgun", "application/x-www-form-urlencoded",
                              form_of(detail::kMaxFormParts + 1, token50('m')));
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code, Errc::kTooLarge);
}

TEST_F(InboundTest, PartHeaderBlockCapIsTooLarge) {
  auto with_header = [](std::size_t filler) {
    const std::string head = "--b0und\r\nContent-Disposition: form-data; name=\"from\"\r\nX-Pad: ";
    // The header block counted from the line after the delimiter to the empty line included.
    const std::size_t fixed = head.size() - std::string("--b0und\r\n").size() + 2 + 2;
    return head + std::string(filler - fixed, 'p') + "\r\n\r\na@b.example\r\n--b0und--\r\n";
  };
  auto ok = detail::parse_multipart_form(kMultipartType, with_header(detail::kMaxPartHeaderBytes));
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(*detail::find_field(*ok, "from"), "a@b.example");
  auto big =
      detail::parse_multipart_form(kMultipartType, with_header(detail::kMaxPartHeaderBytes + 1));
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code, Errc::kTooLarge);
  EXPECT_EQ(big.error().message, "a form part's header block is longer than 8192 bytes");
  auto ev = inbound.handle(
      post("mailgun", std::string(kMultipartType), with_header(detail::kMaxPartHeaderBytes + 1)));
  ASSERT_FALSE(ev);
  EXPECT_EQ(ev.error().code, Errc::kTooLarge);
}

TEST_F(InboundTest, UnsignedTenMegabyteBodiesAreRefusedByALinearScan) {
  // The flood of security finding 2: 9.9 MB of 166k tiny parts without a signature, and the
  // same size in 900 large parts or in 9.9 million lines with a wrong one (scanned to the end,
  // as a repeated field could be anywhere).
  std::string tiny, large;
  while (tiny.size() < 9'900'000)
    tiny += "--b0und\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nx\r\n";
  tiny += "--b0und--\r\n";
  const std::string chunk(11'000, 'y');
  for (int i = 0; i < 900; ++i)
    large += "--b0und\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\n" + chunk + "\r\n";
  large += "--b0und--\r\n";
  // The worst case for the scan: one part of 9.9 million empty lines.
  std::string lines = large;
  lines.insert(lines.rfind("--b0und--"),
               "--b0und\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\n" +
                   std::string(9'900'000, '\n') + "\r\n");
  lines.erase(0, lines.rfind("--b0und\r\n"));
  for (auto* body : {&large, &lines}) {
    const auto t = std::to_string(kMailgunReplyTs);
    for (const auto& [name, value] :
         Fields{{"timestamp", t}, {"token", token50('o')}, {"signature", std::string(64, 'f')}})
      body->insert(body->rfind("--b0und"), "--b0und\r\nContent-Disposition: form-data; name=\"" +
                                               name + "\"\r\n\r\n" + value + "\r\n");
  }
  // Adversarial for substring search: the boundary and the body are the same letter.
  const std::string a70(70, 'a');
  std::string letters = "--" + a70 + "\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\n" +
                        std::string(9'900'000, 'a') + "\r\n--" + a70 + "--\r\n";
  struct Case {
    const std::string* body;
    Errc code;
    std::string content_type = std::string(kMultipartType);
  };
  for (const auto& [body, code, content_type] :
       {Case{&tiny, Errc::kTooLarge}, Case{&large, Errc::kUnauthenticated},
        Case{&lines, Errc::kUnauthenticated},
        Case{&letters, Errc::kUnauthenticated, "multipart/form-data; boundary=" + a70}}) {
    auto req = post("mailgun", content_type, *body);
    const auto start = std::chrono::steady_clock::now();
    auto auth = inbound.authenticate(req);
    const auto took = std::chrono::steady_clock::now() - start;
    ASSERT_FALSE(auth);
    EXPECT_EQ(auth.error().code, code) << auth.error().message;
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(took).count();
    const auto ms = us / 1000;
    std::printf("authenticate() of %zu bytes: %lld us (%s)\n", body->size(),
                static_cast<long long>(us), auth.error().message.c_str());
    // Linear with a memchr/memmem constant (measured: ~0.3 ms to the cap, ~7 ms for 10 MB); the
    // full parse of the tiny-part body took 3.6 s. Wide enough for sanitizers and a busy machine.
    EXPECT_LT(ms, 1000);
  }
}

// ---- routing ------------------------------------------------------------------------------

TEST_F(InboundTest, UnknownProviderIsNotFound) {
  auto ev = inbound.handle(post("mandrill", "application/json", "{}"));
  ASSERT_FALSE(ev);
  EXPECT_EQ(ev.error().code, Errc::kNotFound);
  EXPECT_EQ(ev.error().message, "unknown email provider 'mandrill'");
  auto forged = post("x\r\n[2026-12-03 00:00:00.000] [info] FORGED", "application/json", "{}");
  auto ev2 = inbound.handle(forged);
  ASSERT_FALSE(ev2);
  EXPECT_EQ(ev2.error().message,
            "unknown email provider 'x\\x0d\\x0a[2026-12-03 00:00:00.000] [info] FORGED'");
  auto parsed = inbound.parse("mandrill", "application/json", "{}");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code, Errc::kNotFound);
}

TEST_F(InboundTest, UnconfiguredProviderIsNotFound) {
  InboundConfig only_mailgun;
  only_mailgun.mailgun.signing_key = Secret(std::string(kMailgunKey));
  EmailInbound partial(only_mailgun, clock);
  EXPECT_TRUE(partial.configured("mailgun"));
  EXPECT_FALSE(partial.configured("postmark"));
  EXPECT_FALSE(partial.configured("sendgrid"));
  EXPECT_FALSE(partial.configured("nope"));
  auto ev = partial.handle(postmark_post(read_file("postmark_reply.json")));
  ASSERT_FALSE(ev);
  EXPECT_EQ(ev.error().code, Errc::kNotFound);
  ev = partial.handle(sendgrid_post(multipart_fixture("sendgrid_reply.multipart")));
  ASSERT_FALSE(ev);
  EXPECT_EQ(ev.error().code, Errc::kNotFound);
  // Mailgun works and, without reply-token settings, threads nothing.
  auto mg = partial.handle(post("mailgun", "application/x-www-form-urlencoded",
                                urlencoded_fixture("mailgun_reply.urlencoded")));
  ASSERT_TRUE(mg) << mg.error().message;
  EXPECT_FALSE(mg->payload.contains("conversation_id"));
}

// ---- pure helpers -------------------------------------------------------------------------

// ---- senders, recipients and names from outside (log forging, actors) -----------------------

const std::string kForged = "[2026-12-03 00:00:00.000] [info] FORGED";

bool has_control(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return true;
  return false;
}

/// Neither the actor nor an address, name or subject of `ev` holds a control character.
void expect_clean(const Event& ev) {
  EXPECT_FALSE(has_control(ev.actor)) << ev.actor;
  const auto& p = ev.payload;
  for (const char* key : {"from", "invalid_sender", "from_name", "subject", "auto_reason"})
    EXPECT_FALSE(has_control(p.at(key).as_string())) << key << ": " << p.at(key).as_string();
  for (const char* key : {"to", "cc"})
    for (const auto& a : json_strings(p.at(key))) EXPECT_FALSE(has_control(a)) << key << ": " << a;
}

std::string postmark_with_sender(std::string email, std::string name, std::string subject,
                                 boost::json::array extra_headers = {}) {
  boost::json::array headers{{{"Name", "Message-ID"}, {"Value", "<pm-sender-1@customer.example>"}}};
  for (auto& h : extra_headers) headers.push_back(std::move(h));
  boost::json::object o{
      {"From", email},
      {"FromFull", {{"Email", email}, {"Name", name}, {"MailboxHash", ""}}},
      {"ToFull", boost::json::array{{{"Email", "support@acme.example"}, {"Name", ""}},
                                    {{"Email", "ops@acme.example\r\n" + kForged}, {"Name", ""}}}},
      {"CcFull", boost::json::array{{{"Email", "Eve@Example.org"}, {"Name", "Eve\r\nX"}},
                                    {{"Email", "a@b@c.example"}, {"Name", ""}}}},
      {"Subject", subject},
      {"TextBody", "Where is my parcel?"},
      {"Headers", std::move(headers)}};
  return boost::json::serialize(o);
}

TEST_F(InboundTest, PostmarkCrLfSenderIsKeptWithTheSenderMarkedInvalid) {
  auto ev = inbound.handle(postmark_post(postmark_with_sender(
      "ann@customer.example\r\n" + kForged, "Ann\r\n" + kForged, "Refund\x1b]0;x\x07\r\nnow")));
  ASSERT_TRUE(ev) << ev.error().message;
  const auto& p = ev->payload;
  EXPECT_EQ(ev->actor, kInvalidSender);
  EXPECT_EQ(p.at("from").as_string(), "");
  EXPECT_EQ(p.at("invalid_sender").as_string(),
            "ann@customer.example\\x0d\\x0a[2026-12-03 00:00:00.000] [info] forged");
  EXPECT_EQ(p.at("from_name").as_string(), "Ann " + kForged);
  EXPECT_EQ(p.at("subject").as_string(), "Refund ]0;x  now");
  // Recipients that are not addresses are dropped, the others kept.
  EXPECT_EQ(json_strings(p.at("to")), Strings{"support@acme.example"});
  EXPECT_EQ(json_strings(p.at("cc")), Strings{"eve@example.org"});
  EXPECT_FALSE(p.at("auto_reply").as_bool());
  EXPECT_EQ(ev->dedupe_key, "email:pm-sender-1@customer.example");
  expect_clean(*ev);
}

TEST_F(InboundTest, PostmarkSenderThatIsNotAnAddrSpecIsMarkedInvalid) {
  for (const std::string bad :
       {"a@b@customer.example", "ann smith@customer.example", "<ann@customer.example>",
        "ann@customer.example>", "ann\t@customer.example", "ann@customer",
        "ann\x1b@customer.example", "ann@customer.example\xc2\x85"}) {
    auto ev = inbound.handle(postmark_post(postmark_with_sender(bad, "Ann", "Hello")));
    ASSERT_TRUE(ev) << bad << ": " << ev.error().message;
    EXPECT_EQ(ev->actor, kInvalidSender) << bad;
    EXPECT_EQ(ev->payload.at("from").as_string(), "") << bad;
    EXPECT_FALSE(ev->payload.at("invalid_sender").as_string().empty()) << bad;
    expect_clean(*ev);
  }
}

TEST_F(InboundTest, InvalidFromFallsBackToAValidEnvelopeSender) {
  auto ev = inbound.handle(postmark_post(
      postmark_with_sender("ann@customer.example\r\n" + kForged, "Ann", "Hello",
                           {{{"Name", "Return-Path"}, {"Value", "<Ann@Customer.example>"}}})));
  ASSERT_TRUE(ev) << ev.error().message;
  EXPECT_EQ(ev->actor, "ann@customer.example");
  EXPECT_EQ(ev->payload.at("from").as_string(), "ann@customer.example");
  EXPECT_EQ(ev->payload.at("invalid_sender").as_string(), "");
  expect_clean(*ev);
}

TEST_F(InboundTest, MailgunCrLfSenderNeverBecomesTheActor) {
  auto body = mailgun_form(kMailgunReplyTs, token50('s'),
                           {{"recipient", "support@acme.example"},
                            {"sender", "ann@customer.example\r\n" + kForged},
                            {"from", "ann@customer.example\r\n" + kForged},
                            {"subject", "Order\r\n" + kForged},
                            {"Message-Id", "<mg-sender-1@customer.example>"},
                            {"body-plain", "Where is my parcel?"}});
  auto ev = inbound.handle(post("mailgun", "application/x-www-form-urlencoded", body));
  ASSERT_TRUE(ev) << ev.error().message;
  // GMime's address parser may find the addr-spec before the line break; never the rest.
  EXPECT_TRUE(ev->actor == kInvalidSender || ev->actor == "ann@customer.example") << ev->actor;
  EXPECT_EQ(ev->payload.at("subject").as_string(), "Order " + kForged);
  // An envelope sender that is not an address is unknown, not the empty bounce sender.
  EXPECT_FALSE(ev->payload.at("auto_reply").as_bool());
  expect_clean(*ev);

  auto bad_from = mailgun_form(kMailgunReplyTs, token50('t'),
                               {{"sender", "a@b@customer.example\r\n" + kForged},
                                {"from", "Ann <a@b@customer.example>"},
                                {"subject", "Order"},
                                {"body-plain", "Where is my parcel?"}});
  auto ev2 = inbound.handle(post("mailgun", "application/x-www-form-urlencoded", bad_from));
  ASSERT_TRUE(ev2) << ev2.error().message;
  EXPECT_EQ(ev2->actor, kInvalidSender);
  EXPECT_FALSE(ev2->payload.at("invalid_sender").as_string().empty());
  expect_clean(*ev2);
}

TEST_F(InboundTest, SendGridCrLfSenderNeverBecomesTheActor) {
  auto part = [](const std::string& name, const std::string& value) {
    return "--xYzZY\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value +
           "\r\n";
  };
  const std::string body =
      part("from", "Ann\r\n" + kForged + " <a@b@customer.example>") +
      part("to", "support@acme.example") +
      part("envelope", R"({"to":["support@acme.example"],"from":"a@b@customer.example\r\n)" +
                           kForged + R"("})") +
      part("subject", "Order\r\n" + kForged) + part("text", "Where is my parcel?") +
      "--xYzZY--\r\n";
  auto ev = inbound.handle(sendgrid_post(body));
  ASSERT_TRUE(ev) << ev.error().message;
  EXPECT_EQ(ev->actor, kInvalidSender);
  EXPECT_EQ(ev->payload.at("from").as_string(), "");
  EXPECT_FALSE(ev->payload.at("auto_reply").as_bool());
  EXPECT_EQ(json_strings(ev->payload.at("to")), Strings{"support@acme.example"});
  expect_clean(*ev);
}

TEST_F(InboundTest, BareMailerDaemonEnvelopeWithoutFromIsAKeptAutoReply) {
  auto body = mailgun_form(kMailgunReplyTs, token50('u'),
                           {{"sender", "MAILER-DAEMON"},
                            {"subject", "Undelivered Mail Returned to Sender"},
                            {"body-plain", "This is the mail system."}});
  auto ev = inbound.handle(post("mailgun", "application/x-www-form-urlencoded", body));
  ASSERT_TRUE(ev) << ev.error().message;
  EXPECT_EQ(ev->actor, kInvalidSender);
  EXPECT_TRUE(ev->payload.at("auto_reply").as_bool());
  EXPECT_EQ(ev->payload.at("auto_reason").as_string(), "envelope sender mailer-daemon");
}

TEST(AutoReplyReason, HeaderKeywordIsEscaped) {
  using H = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(auto_reply_reason(H{{"Auto-Submitted", "auto-replied\r\n[x]"}}, "a@x.example", ""),
            "Auto-Submitted: auto-replied\\x0d\\x0a[x]");
}

TEST(StripQuotedReply, DropsQuotedLines) {
  EXPECT_EQ(strip_quoted_reply("Sounds good.\n> Can you do Friday?\n>\n> Thanks\n"),
            "Sounds good.");
  // Interleaved replies keep the new lines.
  EXPECT_EQ(strip_quoted_reply("> Q1?\nA1.\n> Q2?\nA2.\n"), "A1.\nA2.");
}

TEST(StripQuotedReply, CutsAtOnWroteEvenWhenWrapped) {
  EXPECT_EQ(strip_quoted_reply("Yes.\n\nOn Tue, 3 Nov 2026 at 14:05, Jane <j@x.example> wrote:\n"
                               "hello quoted without markers\n"),
            "Yes.");
  EXPECT_EQ(strip_quoted_reply("Yes.\r\n\r\nOn Tue, 3 Nov 2026 at 14:05, Jane Doe\r\n"
                               "<jane@example.com> wrote:\r\n> earlier\r\n"),
            "Yes.");
  // "On" starting an ordinary sentence is not an attribution.
  EXPECT_EQ(strip_quoted_reply("On Monday we ship.\nThanks"), "On Monday we ship.\nThanks");
}

TEST(StripQuotedReply, CutsAtOriginalMessage) {
  EXPECT_EQ(strip_quoted_reply("Approved.\n\n-----Original Message-----\nFrom: Ops\nSent: Monday\n"
                               "Please approve.\n"),
            "Approved.");
  EXPECT_EQ(strip_quoted_reply("Ok\n----- Original Message -----\nFrom: x"), "Ok");
}

TEST(StripQuotedReply, CutsTheSignature) {
  EXPECT_EQ(strip_quoted_reply("See you then.\n-- \nJane Doe\nACME Corp\n"), "See you then.");
  // "--" inside a line is not a delimiter.
  EXPECT_EQ(strip_quoted_reply("a -- b\nc"), "a -- b\nc");
}

TEST(StripQuotedReply, LeavesUnquotedTextTrimmed) {
  EXPECT_EQ(strip_quoted_reply("  \n\nJust a question: is it open?\r\nBye\r\n\r\n\r\n"),
            "Just a question: is it open?\nBye");
  EXPECT_EQ(strip_quoted_reply(""), "");
  EXPECT_EQ(strip_quoted_reply("> only quoted"), "");
}

TEST(AutoReplyReason, DetectsRfc3834AndBulkMail) {
  using H = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(auto_reply_reason(H{{"auto-submitted", "auto-replied; owner=x"}}, "a@x.example", ""),
            "Auto-Submitted: auto-replied");
  EXPECT_EQ(auto_reply_reason(H{{"Auto-Submitted", "auto-generated"}}, "a@x.example", ""),
            "Auto-Submitted: auto-generated");
  EXPECT_FALSE(auto_reply_reason(H{{"Auto-Submitted", " No "}}, "a@x.example", "a@x.example"));
  for (const char* p : {"bulk", "list", "junk", "auto_reply", "BULK"})
    EXPECT_TRUE(auto_reply_reason(H{{"Precedence", p}}, "a@x.example", "")) << p;
  EXPECT_FALSE(auto_reply_reason(H{{"Precedence", "first-class"}}, "a@x.example", ""));
  EXPECT_TRUE(auto_reply_reason(H{{"X-Autoreply", "yes"}}, "a@x.example", ""));
  EXPECT_TRUE(auto_reply_reason(H{{"X-Autorespond", "Out of office"}}, "a@x.example", ""));
  EXPECT_EQ(auto_reply_reason(H{}, "a@x.example", "MAILER-DAEMON@mx.example"),
            "envelope sender mailer-daemon@mx.example");
  EXPECT_EQ(auto_reply_reason(H{}, "postmaster@x.example", "b@y.example"),
            "sender postmaster@x.example");
  EXPECT_FALSE(auto_reply_reason(H{{"Subject", "Precedence: bulk"}}, "a@x.example", "a@x.example"));
}

TEST(ToEvent, DedupeKeyUsesMessageIdOrAHash) {
  InboundEmail m;
  m.provider = "postmark";
  m.from = "a@x.example";
  m.subject = "Hi";
  m.text = "Body";
  m.to = {"b@y.example"};
  m.message_id = "id-1@x.example";
  const auto t = from_unix_ms(1'700'000'000'000);
  auto ev = to_event(m, t);
  EXPECT_EQ(ev.dedupe_key, "email:id-1@x.example");
  EXPECT_EQ(ev.received_at, t);
  EXPECT_EQ(ev.actor, "a@x.example");
  EXPECT_FALSE(ev.payload.contains("conversation_id"));

  m.message_id.clear();
  auto h1 = to_event(m, t).dedupe_key;
  EXPECT_EQ(h1,
            "email:postmark:" + connectors::to_hex(connectors::sha256("a@x.example\nHi\nBody")));
  m.text = "Body 2";
  EXPECT_NE(to_event(m, t).dedupe_key, h1);

  m.conversation_id = "c9";
  EXPECT_EQ(to_event(m, t).payload.at("conversation_id").as_string(), "c9");
}

}  // namespace
}  // namespace steward::email

namespace steward::email {
namespace {

// Issue 9 (1): Bob's reply token used by someone else is treated like an unknown sender's.
TEST_F(InboundTest, ReplyTokenFromAnotherSenderIsRefused) {
  auto as_sender = [&](std::string_view from, std::string_view sender) {
    auto body = replace_all(urlencoded_fixture("mailgun_reply.urlencoded"),
                            "Bob+Example+%3CBob%40Example.COM%3E", from);
    return replace_all(body, "sender=bob%40example.com", "sender=" + std::string(sender));
  };
  auto stolen = as_sender("Mallory+%3Cmallory%40evil.example%3E", "mallory%40evil.example");
  ASSERT_NE(stolen, urlencoded_fixture("mailgun_reply.urlencoded"));
  auto mail = inbound.parse("mailgun", "application/x-www-form-urlencoded", stolen);
  ASSERT_TRUE(mail) << mail.error().message;
  EXPECT_EQ(mail->from, "mallory@evil.example");
  EXPECT_FALSE(mail->conversation_id);
  EXPECT_EQ(mail->reply_token_refused, "c42");
  auto ev = to_event(*mail, at(kMailgunReplyTs));
  EXPECT_FALSE(ev.payload.contains("conversation_id"));
  EXPECT_EQ(ev.payload.at("reply_token_refused").as_string(), "c42");
  // Bob writing from a tagged address of his own mailbox still threads.
  auto tagged = as_sender("Bob+%3Cbob%2Bphone%40example.com%3E", "bob%2Bphone%40example.com");
  mail = inbound.parse("mailgun", "application/x-www-form-urlencoded", tagged);
  ASSERT_TRUE(mail) << mail.error().message;
  ASSERT_TRUE(mail->conversation_id);
  EXPECT_EQ(*mail->conversation_id, "c42");
}

// Issue 9 (5): every reply+ address is tried, not only the first.
TEST_F(InboundTest, EveryReplyAddressIsTried) {
  const auto& reply = full_config().reply;
  const std::string body = R"({"From":"ann@example.com","To":")" +
                           reply_address("c900", "zed@example.com", reply) + R"(","Cc":")" +
                           reply_address("c901", "ann@example.com", reply) +
                           R"(","TextBody":"reply all","Headers":[]})";
  auto mail = inbound.parse("postmark", "application/json", body);
  ASSERT_TRUE(mail) << mail.error().message;
  ASSERT_TRUE(mail->conversation_id);
  EXPECT_EQ(*mail->conversation_id, "c901");
  EXPECT_TRUE(mail->reply_token_refused.empty());
}

}  // namespace
}  // namespace steward::email
