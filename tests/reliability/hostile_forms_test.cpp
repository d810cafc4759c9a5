// Hostile input on the form webhooks (fixture: hostile_fixture.hpp).

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

using HostileForms = HostileInput;

// POST /hooks/forms/website: forged, missing and replayed signatures, wrong content types,
// truncated, wrongly typed, deeply nested, invalid-UTF-8, NUL-laden and oversized bodies.
TEST_F(HostileForms, Json) {
  ASSERT_NO_FATAL_FAILURE(start());
  const std::string R = "POST /hooks/forms/website";
  const std::string json = "application/json";
  auto sig = [&](const std::string& body) {
    return steward::testing::form_signature(secrets_.form, body);
  };

  // Control.
  auto id = next_id("ctl-form");
  expect_accepted(R, "control", "valid submission", form_signed(form_body(id)),
                  "form:website:" + id);

  // Forged / missing signature.
  auto body = form_body(next_id("forged"));
  expect(
      R, "forged signature", "other secret",
      post_form(body, {{"Content-Type", json},
                       {"X-Steward-Signature", steward::testing::form_signature("guess", body)}}),
      401);
  expect(R, "forged signature", "typeform secret",
         post_form(body, {{"Content-Type", json},
                          {"X-Steward-Signature",
                           steward::testing::form_signature(secrets_.typeform, body)}}),
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
  EXPECT_EQ(steward::testing::jstr(boost::json::parse(first.body), "event_id"),
            steward::testing::jstr(boost::json::parse(second.body), "event_id"));
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
  finish("forms (JSON)");
}

// POST /hooks/forms/survey (Typeform): the same families under Typeform-Signature.
TEST_F(HostileForms, Typeform) {
  ASSERT_NO_FATAL_FAILURE(start());
  const std::string R = "POST /hooks/forms/survey";
  auto id = next_id("ctl-tf");
  expect_accepted(R, "control", "valid form_response", typeform_signed(typeform_body(id)),
                  "form:survey:" + id);

  auto body = typeform_body(next_id("tf-forged"));
  auto post = [&](const Headers& h) { return post_form(body, h, "survey"); };
  expect(R, "forged signature", "JSON form's secret",
         post({{"Content-Type", "application/json"},
               {"Typeform-Signature", steward::testing::form_signature(secrets_.form, body)}}),
         401);
  expect(R, "forged signature", "valid signature under X-Steward-Signature",
         post({{"Content-Type", "application/json"},
               {"X-Steward-Signature", steward::testing::form_signature(secrets_.typeform, body)}}),
         401);
  expect(R, "forged signature", "lower-case hex digest",
         post({{"Content-Type", "application/json"},
               {"Typeform-Signature",
                "sha256=" + crypto::to_hex(crypto::hmac_sha256(secrets_.typeform, body))}}),
         401);
  expect(R, "missing signature", "no header", post({{"Content-Type", "application/json"}}), 401);
  expect(R, "wrong content-type", "text/plain (signed)",
         post({{"Content-Type", "text/plain"},
               {"Typeform-Signature", steward::testing::form_signature(secrets_.typeform, body)}}),
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
  finish("forms (Typeform)");
}

}  // namespace
}  // namespace steward::testing::hostile
