// Hostile input on the inbound email routes, and an unsigned Mailgun flood beside valid
// traffic (fixture: hostile_fixture.hpp).

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

using HostileEmail = HostileInput;

// POST /hooks/email/mailgun.
TEST_F(HostileEmail, Mailgun) {
  ASSERT_NO_FATAL_FAILURE(start());
  const std::string R = "POST /hooks/email/mailgun";
  auto id = next_id("mg-ctl") + "@customer.example";
  expect_accepted(R, "control", "valid urlencoded mail", mailgun_signed(mailgun_mail(id)),
                  "email:" + id);

  auto fields = mailgun_mail(next_id("mg-forged") + "@customer.example");
  auto ts = steward::testing::now_ts();
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
    mailgun_sign(f, secrets_.mailgun, steward::testing::now_ts(-age), crypto::random_hex(25));
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
  mailgun_sign(rf, secrets_.mailgun, steward::testing::now_ts(), crypto::random_hex(25));
  expect_accepted(R, "replayed", "first delivery", mailgun(urlencoded(rf)), "email:" + rid);
  expect(R, "replayed", "same token again (replay)", mailgun(urlencoded(rf)), 401);
  auto dup = mailgun_signed(mailgun_mail(rid));
  expect(R, "replayed", "new token, same Message-Id (duplicate)", dup, 200);
  EXPECT_NE(dup.body.find("\"duplicate\":true"), std::string::npos) << dup.body;

  // Wrong content type: the signature lives in the body, so the type is checked first.
  auto signed_body = [&](std::vector<std::pair<std::string, std::string>> f) {
    mailgun_sign(f, secrets_.mailgun, steward::testing::now_ts(), crypto::random_hex(25));
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
  mailgun_sign(mf, secrets_.mailgun, steward::testing::now_ts(), crypto::random_hex(25));
  expect_accepted(R, "control", "valid multipart mail", mailgun(multipart(mf), multipart_type()),
                  "email:" + mid);
  auto tf = mailgun_mail(next_id("mg-trunc") + "@customer.example");
  mailgun_sign(tf, secrets_.mailgun, steward::testing::now_ts(), crypto::random_hex(25));
  expect(R, "truncated", "multipart without its closing delimiter",
         mailgun(multipart(tf, false), multipart_type()), 400);
  expect(R, "truncated", "urlencoded cut inside a percent escape",
         mailgun(signed_body(mailgun_mail("x")) + "&subject=%E"), 400);
  expect(R, "wrong content-type", "multipart without a boundary",
         mailgun(multipart(tf), "multipart/form-data"), 400);

  // Wrongly typed, validly signed.
  auto typed = [&](const std::string& name, std::vector<std::pair<std::string, std::string>> f) {
    mailgun_sign(f, secrets_.mailgun, steward::testing::now_ts(), crypto::random_hex(25));
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
    mailgun_sign(f, secrets_.mailgun, steward::testing::now_ts(), crypto::random_hex(25));
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
    mailgun_sign(many, secrets_.mailgun, steward::testing::now_ts(), crypto::random_hex(25));
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
    const auto dts = steward::testing::now_ts();
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
    mailgun_sign(f, secrets_.mailgun, steward::testing::now_ts(), crypto::random_hex(25));
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
  finish("Mailgun");
}

// POST /hooks/email/postmark.
TEST_F(HostileEmail, Postmark) {
  ASSERT_NO_FATAL_FAILURE(start());
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
  finish("Postmark");
}

// POST /hooks/email/sendgrid.
TEST_F(HostileEmail, SendGrid) {
  ASSERT_NO_FATAL_FAILURE(start());
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
  finish("SendGrid");
}

// ------------------------------------------------------------------------------ email flood
// 8 clients posting 9.9 MB unsigned Mailgun bodies must not delay valid mail, a slash command
// or /metrics (security finding 2 of issue 9).

/// Security finding 2 of issue 9: unauthenticated Mailgun bodies used to be parsed in full (3.6 s
/// for 166k tiny parts) on the worker pool that also answers valid mail, slash commands and
/// /metrics. The email route here accepts 10 MiB so the flood reaches the handler.
class EmailFlood : public HostileInput {
 protected:
  static constexpr std::size_t kFloodBodyLimit = 10 << 20;
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(HostileInput::SetUp());
    steward_->config().num("email", "inbound_body_limit", kFloodBodyLimit);
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
  mailgun_sign(wrong, "key-guess", steward::testing::now_ts(), crypto::random_hex(25));
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
}  // namespace
}  // namespace steward::testing::hostile
