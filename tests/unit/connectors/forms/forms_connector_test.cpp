#include "connectors/forms/forms_connector.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "bot/core/json.hpp"
#include "tests/unit/connectors/forms/fixture.hpp"

namespace steward::forms {
namespace {

using test::fixture;

const Secret kTypeformSecret{"tf-secret"};
const Secret kJsonSecret{"json-secret"};

FormsInbound make_inbound() {
  FormConfig website{"website", Format::kTypeform, kTypeformSecret, {}};
  FormConfig contact{"contact", Format::kJson, kJsonSecret, {{"name", "full_name"}}};
  FormConfig unsigned_form{"nosecret", Format::kJson, Secret{}, {}};
  return FormsInbound({website, contact, unsigned_form});
}

net::HttpRequest request(std::string form, std::string body, std::string content_type,
                         std::string sig_header, std::string signature) {
  net::HttpRequest r;
  r.method = "POST";
  r.path = "/hooks/forms/" + form;
  r.target = r.path;
  r.params["name"] = form;
  r.body = std::move(body);
  if (!content_type.empty()) r.headers["content-type"] = std::move(content_type);
  if (!sig_header.empty()) r.headers[sig_header] = std::move(signature);
  r.remote = "127.0.0.1:5555";
  r.received_at = from_unix_ms(1'790'000'000'000);
  return r;
}

net::HttpRequest typeform_request(std::string body) {
  auto sig = sign_body(kTypeformSecret, body);
  return request("website", std::move(body), "application/json", "typeform-signature", sig);
}

TEST(FormsInbound, AcceptsASignedTypeformResponse) {
  auto inbound = make_inbound();
  auto r = inbound.handle(typeform_request(fixture("typeform_full.json")));
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->dedupe_key, "form:website:01HQZ8K3V6W2C9XJ5TQ7R4M1NB");
  EXPECT_EQ(r->actor, "ada@example.com");
  EXPECT_EQ(r->received_at, from_unix_ms(1'790'000'000'000));
}

TEST(FormsInbound, AcceptsASignedJsonSubmissionWithCharsetParameter) {
  auto inbound = make_inbound();
  std::string body = fixture("json_nested.json");
  auto req = request("contact", body, "Application/JSON; charset=utf-8", "x-steward-signature",
                     sign_body(kJsonSecret, body));
  auto r = inbound.handle(req);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->dedupe_key, "form:contact:987654");
  EXPECT_EQ(r->payload.at("fields").as_object().at("name").as_string(), "Margaret Hamilton");
}

TEST(FormsInbound, UnknownFormIsNotFound) {
  auto inbound = make_inbound();
  auto req = typeform_request(fixture("typeform_full.json"));
  req.params["name"] = "nope";
  auto r = inbound.handle(req);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kNotFound);
  EXPECT_EQ(r.error().message, "unknown form 'nope'");
}

TEST(FormsInbound, WrongContentTypeIsUnsupportedMedia) {
  auto inbound = make_inbound();
  for (std::string ct : {"application/x-www-form-urlencoded", "text/plain", "", "application/jsonx",
                         "application/json-patch+json"}) {
    auto req = typeform_request(fixture("typeform_full.json"));
    if (ct.empty())
      req.headers.erase("content-type");
    else
      req.headers["content-type"] = ct;
    auto r = inbound.handle(req);
    ASSERT_FALSE(r.has_value()) << ct;
    EXPECT_EQ(r.error().code, Errc::kUnsupportedMedia) << ct;
  }
}

TEST(FormsInbound, BadSignaturesAreUnauthenticatedBeforeParsing) {
  auto inbound = make_inbound();
  // Not even JSON: the signature check must answer first.
  auto garbage =
      request("website", "not json", "application/json", "typeform-signature", "sha256=AAAA");
  auto r = inbound.handle(garbage);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kUnauthenticated);

  auto missing = request("website", fixture("typeform_full.json"), "application/json", "", "");
  auto m = inbound.handle(missing);
  ASSERT_FALSE(m.has_value());
  EXPECT_EQ(m.error().code, Errc::kUnauthenticated);
  EXPECT_EQ(m.error().message, "missing signature header");

  // Signed with the other form's secret.
  std::string body = fixture("typeform_full.json");
  auto wrong = request("website", body, "application/json", "typeform-signature",
                       sign_body(kJsonSecret, body));
  auto w = inbound.handle(wrong);
  ASSERT_FALSE(w.has_value());
  EXPECT_EQ(w.error().message, "signature mismatch");

  // Right signature in the wrong header for a JSON form.
  std::string jbody = fixture("json_flat.json");
  auto header = request("contact", jbody, "application/json", "typeform-signature",
                        sign_body(kJsonSecret, jbody));
  auto h = inbound.handle(header);
  ASSERT_FALSE(h.has_value());
  EXPECT_EQ(h.error().message, "missing signature header");

  // Tampered after signing.
  auto tampered = typeform_request(fixture("typeform_full.json"));
  tampered.body.replace(tampered.body.find("Ada@Example.COM"), 3, "Eve");
  auto t = inbound.handle(tampered);
  ASSERT_FALSE(t.has_value());
  EXPECT_EQ(t.error().code, Errc::kUnauthenticated);
}

TEST(FormsInbound, FormWithoutSecretIsAnInternalError) {
  auto inbound = make_inbound();
  std::string body = fixture("json_flat.json");
  auto r = inbound.handle(request("nosecret", body, "application/json", "x-steward-signature",
                                  sign_body(Secret{}, body)));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kInternal);
}

TEST(FormsInbound, SignedButInvalidBodyIsInvalidInput) {
  auto inbound = make_inbound();
  for (const char* name : {"typeform_partial.json", "typeform_bad_email.json",
                           "malformed_truncated.json", "typeform_no_answers.json"}) {
    auto r = inbound.handle(typeform_request(fixture(name)));
    ASSERT_FALSE(r.has_value()) << name;
    EXPECT_EQ(r.error().code, Errc::kInvalidInput) << name;
  }
}

TEST(FormsInbound, FindAndSignatureHeader) {
  auto inbound = make_inbound();
  ASSERT_NE(inbound.find("contact"), nullptr);
  EXPECT_EQ(inbound.find("contact")->format, Format::kJson);
  EXPECT_EQ(inbound.find("missing"), nullptr);
  EXPECT_EQ(signature_header(Format::kTypeform), "typeform-signature");
  EXPECT_EQ(signature_header(Format::kJson), "x-steward-signature");
}

TEST(FormsInbound, DuplicateNamesKeepTheFirst) {
  FormsInbound inbound({FormConfig{"a", Format::kJson, Secret{"1"}, {}},
                        FormConfig{"a", Format::kTypeform, Secret{"2"}, {}}});
  ASSERT_NE(inbound.find("a"), nullptr);
  EXPECT_EQ(inbound.find("a")->format, Format::kJson);
}

TEST(FormsInbound, ConcurrentHandleIsSafe) {
  const auto inbound = make_inbound();
  const auto req = typeform_request(fixture("typeform_full.json"));
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        auto r = inbound.handle(req);
        if (r && r->actor == "ada@example.com") ++ok[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int n : ok) EXPECT_EQ(n, 50);
}

}  // namespace
}  // namespace steward::forms
