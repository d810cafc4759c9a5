#include "connectors/forms/parse.hpp"

#include <gtest/gtest.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <string>

#include "bot/core/json.hpp"
#include "tests/unit/connectors/forms/fixture.hpp"

namespace steward::forms {
namespace {

using test::fixture;
namespace bj = boost::json;

FormConfig typeform(std::string name = "website") {
  FormConfig f;
  f.name = std::move(name);
  f.format = Format::kTypeform;
  f.secret = Secret{"s"};
  return f;
}

FormConfig json_form(std::string name = "web") {
  FormConfig f;
  f.name = std::move(name);
  f.format = Format::kJson;
  f.secret = Secret{"s"};
  return f;
}

const bj::object& fields_of(const Event& e) { return e.payload.at("fields").as_object(); }

std::string error_of(const Expected<Event>& r) {
  return r.has_value() ? std::string("<no error>") : r.error().message;
}

// ---- Typeform ---------------------------------------------------------------------------

TEST(FormsParseTypeform, FullResponseMapsEveryAnswerType) {
  auto r = parse_typeform(typeform(), fixture("typeform_full.json"));
  ASSERT_TRUE(r.has_value()) << error_of(r);
  const Event& e = *r;
  EXPECT_EQ(e.source, "forms");
  EXPECT_EQ(e.kind, "form.submitted");
  EXPECT_EQ(e.actor, "ada@example.com");
  EXPECT_EQ(e.dedupe_key, "form:website:01HQZ8K3V6W2C9XJ5TQ7R4M1NB");
  EXPECT_TRUE(e.id.empty());

  const auto& p = e.payload;
  EXPECT_EQ(p.at("form").as_string(), "website");
  EXPECT_EQ(p.at("provider").as_string(), "typeform");
  EXPECT_EQ(p.at("provider_event_id").as_string(), "01HQZ8K3V6W2C9XJ5TQ7R4M1NB");
  EXPECT_EQ(p.at("response_token").as_string(), "a3a12ec67a1365927098a606107fac15");
  EXPECT_EQ(p.at("submitted_at").as_string(), "2026-11-20T09:14:08Z");

  const auto& f = fields_of(e);
  EXPECT_EQ(f.at("name").as_string(), "Ada Lovelace");  // trimmed
  EXPECT_EQ(f.at("email").as_string(), "ada@example.com");
  EXPECT_EQ(f.at("company").as_string(), "Analytical Engines Ltd");
  EXPECT_EQ(f.at("employees_text").as_string(), "51-200");  // a choice label
  EXPECT_EQ(json::get_int(f, "employees"), 51);             // lower bound of the range
  EXPECT_EQ(json::get_int(f, "budget"), 50000);             // a number answer stays a number
  EXPECT_FALSE(f.contains("budget_text"));
  EXPECT_EQ(f.at("message").as_string(), "We need approvals in Slack.\nCan you help?");
  EXPECT_EQ(f.at("phone").as_string(), "+442071838750");

  const auto& hidden = p.at("hidden").as_object();
  EXPECT_EQ(hidden.at("utm_source").as_string(), "newsletter");
  EXPECT_EQ(hidden.at("utm_campaign").as_string(), "q4-launch");

  const auto& extra = p.at("extra").as_object();
  bj::array interests{"Approvals", "Audit log", "Dashboards"};  // labels then "other"
  EXPECT_EQ(extra.at("interests").as_array(), interests);
  EXPECT_EQ(extra.at("newsletter"), bj::value(true));
  EXPECT_EQ(extra.at("website").as_string(), "https://example.com");
  EXPECT_EQ(extra.at("start_date").as_string(), "2027-01-15");
  EXPECT_EQ(extra.at("deck").as_string(), "https://api.typeform.com/responses/files/abc/brief.pdf");
  EXPECT_EQ(extra.size(), 5u);
}

TEST(FormsParseTypeform, CustomRefsMapToCanonicalNames) {
  auto form = typeform("demo");
  form.refs = {{"name", "01HQZ_full_name"}, {"email", "01HQZ_work_email"},
               {"company", "01HQZ_org"},    {"employees", "01HQZ_headcount"},
               {"budget", "01HQZ_budget"},  {"industry", "01HQZ_industry"}};
  auto r = parse_typeform(form, fixture("typeform_custom_refs.json"));
  ASSERT_TRUE(r.has_value()) << error_of(r);
  const auto& f = fields_of(*r);
  EXPECT_EQ(f.at("name").as_string(), "Grace Hopper");
  EXPECT_EQ(f.at("email").as_string(), "grace@navy.example.org");
  EXPECT_EQ(f.at("company").as_string(), "COBOL Corp");
  EXPECT_EQ(json::get_int(f, "employees"), 1200);  // "1,200+"
  EXPECT_EQ(f.at("employees_text").as_string(), "1,200+");
  EXPECT_EQ(json::get_int(f, "budget"), 50000);  // "$50k"
  EXPECT_EQ(f.at("budget_text").as_string(), "$50k");
  EXPECT_EQ(f.at("industry").as_string(), "Logistics");  // a configured extra canonical field
  const auto& extra = r->payload.at("extra").as_object();
  EXPECT_EQ(extra.at("01HQZ_referral").as_string(), "A colleague");
  EXPECT_EQ(extra.size(), 1u);
  EXPECT_EQ(r->payload.at("hidden").as_object().at("source").as_string(), "pricing-page");
  EXPECT_EQ(r->dedupe_key, "form:demo:01HQZ9AAAAB2C9XJ5TQ7R4M1NC");
}

TEST(FormsParseTypeform, WithoutRefsTheCustomFormHasNoEmail) {
  auto r = parse_typeform(typeform(), fixture("typeform_custom_refs.json"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kInvalidInput);
  EXPECT_EQ(r.error().message, "missing email");
}

TEST(FormsParseTypeform, OverridingADefaultFreesTheOldRef) {
  // email now comes from "contact"; an answer with ref "email" becomes an extra.
  auto form = typeform();
  form.refs = {{"email", "contact"}};
  std::string body = R"({"event_id":"e1","event_type":"form_response","form_response":{"answers":[
    {"type":"email","email":"new@x.io","field":{"id":"1","type":"email","ref":"contact"}},
    {"type":"email","email":"old@x.io","field":{"id":"2","type":"email","ref":"email"}}]}})";
  auto r = parse_typeform(form, body);
  ASSERT_TRUE(r.has_value()) << error_of(r);
  EXPECT_EQ(r->actor, "new@x.io");
  EXPECT_EQ(r->payload.at("extra").as_object().at("email").as_string(), "old@x.io");
}

TEST(FormsParseTypeform, OneRefMayFeedTwoCanonicalFields) {
  auto form = typeform();
  form.refs = {{"company", "org"}, {"account", "org"}};
  std::string body = R"({"event_id":"e1","event_type":"form_response","form_response":{"answers":[
    {"type":"email","email":"a@x.io","field":{"id":"1","type":"email","ref":"email"}},
    {"type":"text","text":"Acme","field":{"id":"2","type":"short_text","ref":"org"}}]}})";
  auto r = parse_typeform(form, body);
  ASSERT_TRUE(r.has_value()) << error_of(r);
  EXPECT_EQ(fields_of(*r).at("company").as_string(), "Acme");
  EXPECT_EQ(fields_of(*r).at("account").as_string(), "Acme");
}

TEST(FormsParseTypeform, PartialResponsesAreRefused) {
  auto r = parse_typeform(typeform(), fixture("typeform_partial.json"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kInvalidInput);
  EXPECT_NE(r.error().message.find("form_response_partial"), std::string::npos);
}

TEST(FormsParseTypeform, OtherEventTypesAreRefused) {
  auto r = parse_typeform(typeform(), R"({"event_type":"ping","form_response":{"answers":[]}})");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message, "event_type must be 'form_response', got 'ping'");
  auto missing = parse_typeform(typeform(), R"({"form_response":{"answers":[]}})");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().message, "missing event_type");
}

TEST(FormsParseTypeform, MissingFormResponseOrAnswers) {
  auto r = parse_typeform(typeform(), R"({"event_id":"x","event_type":"form_response"})");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message, "missing form_response");

  auto n = parse_typeform(typeform(), fixture("typeform_no_answers.json"));
  ASSERT_FALSE(n.has_value());
  EXPECT_EQ(n.error().code, Errc::kInvalidInput);
  EXPECT_EQ(n.error().message, "missing form_response.answers");

  auto a = parse_typeform(typeform(),
                          R"({"event_type":"form_response","form_response":{"answers":{}}})");
  ASSERT_FALSE(a.has_value());
  EXPECT_EQ(a.error().message, "form_response.answers must be an array");
}

TEST(FormsParseTypeform, InvalidEmailIsRefused) {
  auto r = parse_typeform(typeform(), fixture("typeform_bad_email.json"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kInvalidInput);
  EXPECT_EQ(r.error().message, "field 'email' is not a valid email address");
}

TEST(FormsParseTypeform, WrongValueTypesAreRefusedPrecisely) {
  auto r = parse_typeform(typeform(), fixture("typeform_wrong_type.json"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kInvalidInput);
  EXPECT_EQ(r.error().message,
            "form_response.answers[0] (ref 'email') of type email must hold a string");

  auto not_obj = parse_typeform(
      typeform(), R"({"event_type":"form_response","form_response":{"answers":[1]}})");
  ASSERT_FALSE(not_obj.has_value());
  EXPECT_EQ(not_obj.error().message, "form_response.answers[0] must be an object");

  auto no_field = parse_typeform(
      typeform(),
      R"({"event_type":"form_response","form_response":{"answers":[{"type":"text","text":"a"}]}})");
  ASSERT_FALSE(no_field.has_value());
  EXPECT_EQ(no_field.error().message, "form_response.answers[0].field must be an object");

  // A boolean answer mapped to a text field.
  auto bool_name = parse_typeform(typeform(), R"({"event_type":"form_response","form_response":{
    "answers":[{"type":"boolean","boolean":true,"field":{"id":"1","ref":"name"}}]}})");
  ASSERT_FALSE(bool_name.has_value());
  EXPECT_EQ(bool_name.error().message, "field 'name' must be text");

  auto token = parse_typeform(
      typeform(), R"({"event_type":"form_response","form_response":{"token":5,"answers":[]}})");
  ASSERT_FALSE(token.has_value());
  EXPECT_EQ(token.error().message, "form_response.token must be a string");
}

TEST(FormsParseTypeform, DedupeFallsBackToTheResponseToken) {
  std::string body = R"({"event_type":"form_response","form_response":{"token":"tok9","answers":[
    {"type":"email","email":"a@x.io","field":{"id":"1","type":"email","ref":"email"}}]}})";
  auto r = parse_typeform(typeform(), body);
  ASSERT_TRUE(r.has_value()) << error_of(r);
  EXPECT_EQ(r->dedupe_key, "form:website:tok9");
  EXPECT_TRUE(r->payload.at("provider_event_id").is_null());
  EXPECT_TRUE(r->payload.at("submitted_at").is_null());
  EXPECT_TRUE(r->payload.at("hidden").as_object().empty());
}

TEST(FormsParseTypeform, FieldIdIsUsedWhenRefIsMissingAndUnknownTypesPassThrough) {
  std::string body = R"({"event_id":"e","event_type":"form_response","form_response":{"answers":[
    {"type":"email","email":"a@x.io","field":{"id":"email","type":"email"}},
    {"type":"payment","payment":{"amount":"10.00","last4":"4242","name":"A","success":true},
     "field":{"id":"p","type":"payment","ref":"pay"}},
    {"type":"number","number":7,"field":{"id":"n","type":"number","ref":"seats"}}]}})";
  auto r = parse_typeform(typeform(), body);
  ASSERT_TRUE(r.has_value()) << error_of(r);
  const auto& extra = r->payload.at("extra").as_object();
  EXPECT_EQ(extra.at("pay").as_object().at("last4").as_string(), "4242");
  EXPECT_EQ(extra.at("seats").as_int64(), 7);
}

// ---- JSON bodies ------------------------------------------------------------------------

TEST(FormsParseJson, FlatSubmission) {
  auto r = parse_json_submission(json_form(), fixture("json_flat.json"));
  ASSERT_TRUE(r.has_value()) << error_of(r);
  EXPECT_EQ(r->actor, "linus@example.org");
  EXPECT_EQ(r->dedupe_key, "form:web:web-000123");
  EXPECT_EQ(r->payload.at("provider").as_string(), "json");
  EXPECT_EQ(r->payload.at("submitted_at").as_string(), "2026-11-21T08:00:00Z");
  EXPECT_TRUE(r->payload.at("response_token").is_null());
  const auto& f = fields_of(*r);
  EXPECT_EQ(f.at("name").as_string(), "Linus");
  EXPECT_EQ(f.at("company").as_string(), "Kernel GmbH");
  EXPECT_EQ(json::get_int(f, "employees"), 11);
  EXPECT_EQ(json::get_int(f, "budget"), 20000);
  EXPECT_EQ(f.at("budget_text").as_string(), "EUR 20,000");
  EXPECT_EQ(f.at("message").as_string(), "Hello");
  // Envelope keys are never fields.
  EXPECT_FALSE(f.contains("event_id"));
  EXPECT_FALSE(f.contains("submitted_at"));
  const auto& extra = r->payload.at("extra").as_object();
  EXPECT_EQ(extra.at("utm_medium").as_string(), "cpc");
  EXPECT_EQ(extra.size(), 1u);
}

TEST(FormsParseJson, NestedSubmissionWithRefsAndIntegerId) {
  auto form = json_form("pricing");
  form.refs = {{"name", "full_name"}};
  auto r = parse_json_submission(form, fixture("json_nested.json"));
  ASSERT_TRUE(r.has_value()) << error_of(r);
  EXPECT_EQ(r->dedupe_key, "form:pricing:987654");
  EXPECT_EQ(r->payload.at("provider_event_id").as_string(), "987654");
  EXPECT_EQ(r->payload.at("response_token").as_string(), "resp-42");
  EXPECT_EQ(r->payload.at("hidden").as_object().at("page").as_string(), "/pricing");
  const auto& f = fields_of(*r);
  EXPECT_EQ(f.at("name").as_string(), "Margaret Hamilton");
  EXPECT_EQ(json::get_int(f, "employees"), 400);
  EXPECT_FALSE(f.contains("employees_text"));
  EXPECT_EQ(json::get_int(f, "budget"), 1500000);
  EXPECT_EQ(f.at("phone").as_string(), "+1 617 555 0100");
  bj::array topics{"guidance", "software"};
  EXPECT_EQ(r->payload.at("extra").as_object().at("topics").as_array(), topics);
}

TEST(FormsParseJson, WithoutIdTheDedupeKeyIsTheBodyHash) {
  // sha256 computed independently (Python hashlib).
  auto r = parse_json_submission(json_form(), R"({"email":"x@y.io"})");
  ASSERT_TRUE(r.has_value()) << error_of(r);
  EXPECT_EQ(r->dedupe_key,
            "form:web:a56a10bcdaba464fadc9ef619009ee44fdafca4af4e89c5c6d3cf4571383fe78");
  EXPECT_TRUE(r->payload.at("provider_event_id").is_null());
}

TEST(FormsParseJson, NullAndBlankValuesAreAbsent) {
  auto r = parse_json_submission(
      json_form(), R"({"email":"x@y.io","name":"   ","company":null,"budget":"","note":null})");
  ASSERT_TRUE(r.has_value()) << error_of(r);
  const auto& f = fields_of(*r);
  EXPECT_FALSE(f.contains("name"));
  EXPECT_FALSE(f.contains("company"));
  EXPECT_FALSE(f.contains("budget"));
  EXPECT_FALSE(f.contains("budget_text"));
  EXPECT_TRUE(r->payload.at("extra").as_object().empty());
}

TEST(FormsParseJson, UnparseableQuantityKeepsOnlyTheText) {
  auto r = parse_json_submission(json_form(), R"({"email":"x@y.io","employees":"a handful"})");
  ASSERT_TRUE(r.has_value()) << error_of(r);
  EXPECT_FALSE(fields_of(*r).contains("employees"));
  EXPECT_EQ(fields_of(*r).at("employees_text").as_string(), "a handful");
}

TEST(FormsParseJson, ValidationErrors) {
  struct Case {
    const char* body;
    const char* message;
  };
  const Case cases[] = {
      {R"({"event_id":"1","name":"A"})", "missing email"},
      {R"({"email":"a@b"})", "field 'email' is not a valid email address"},
      {R"({"email":"a@@b.co"})", "field 'email' is not a valid email address"},
      {R"({"email":7})", "field 'email' must be text"},
      {R"({"email":"a@b.co","budget":-5})", "field 'budget' must not be negative"},
      {R"({"email":"a@b.co","employees":true})", "field 'employees' must be a number or text"},
      {R"({"email":"a@b.co","fields":[]})", "fields must be an object"},
      {R"({"event_id":true,"email":"a@b.co"})",
       "event_id must be a non-empty string or an integer"},
      {R"({"email":"a@b.co","hidden":"x"})", "hidden must be an object"},
      {R"({"email":"a@b.co","submitted_at":1})", "submitted_at must be a string"},
      {R"([{"email":"a@b.co"}])", "JSON body must be an object"},
  };
  for (const auto& c : cases) {
    auto r = parse_json_submission(json_form(), c.body);
    ASSERT_FALSE(r.has_value()) << c.body;
    EXPECT_EQ(r.error().code, Errc::kInvalidInput) << c.body;
    EXPECT_EQ(r.error().message, c.message) << c.body;
  }
}

TEST(FormsParseJson, RecordedMalformedBodies) {
  for (const char* name : {"malformed_truncated.json", "json_no_email.json", "json_wrong_type.json",
                           "malformed_array.json"}) {
    auto r = parse_json_submission(json_form(), fixture(name));
    ASSERT_FALSE(r.has_value()) << name;
    EXPECT_EQ(r.error().code, Errc::kInvalidInput) << name;
  }
  EXPECT_EQ(error_of(parse_json_submission(json_form(), fixture("json_wrong_type.json"))),
            "field 'name' must be text");
  EXPECT_EQ(error_of(parse_json_submission(json_form(), fixture("malformed_truncated.json")))
                .rfind("invalid JSON: ", 0),
            0u);
  EXPECT_EQ(error_of(parse_typeform(typeform(), "not json")).rfind("invalid JSON: ", 0), 0u);
}

std::string nested(int depth) {
  // {"email":"a@b.co","deep": [[[…]]]} with `depth` levels in total.
  std::string s = R"({"email":"a@b.co","deep":)";
  for (int i = 1; i < depth; ++i) s += '[';
  for (int i = 1; i < depth; ++i) s += ']';
  return s + "}";
}

TEST(FormsParseJson, NestingIsLimitedTo32) {
  auto ok = parse_json_submission(json_form(), nested(32));
  EXPECT_TRUE(ok.has_value()) << error_of(ok);
  auto deep = parse_json_submission(json_form(), nested(33));
  ASSERT_FALSE(deep.has_value());
  EXPECT_EQ(deep.error().code, Errc::kInvalidInput);
  EXPECT_EQ(deep.error().message.rfind("invalid JSON: ", 0), 0u);
}

TEST(FormsParse, DispatchesOnFormat) {
  auto r = parse_submission(json_form(), fixture("json_flat.json"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->payload.at("provider").as_string(), "json");
  auto t = parse_submission(typeform(), fixture("json_flat.json"));
  ASSERT_FALSE(t.has_value());
  EXPECT_EQ(t.error().message, "missing event_type");
}

TEST(FormsParse, EffectiveRefs) {
  auto form = json_form();
  form.refs = {{"email", "work_email"}, {"industry", "q7"}};
  auto refs = effective_refs(form);
  EXPECT_EQ(refs.size(), 8u);
  EXPECT_EQ(refs.at("email"), "work_email");
  EXPECT_EQ(refs.at("industry"), "q7");
  EXPECT_EQ(refs.at("name"), "name");
}

// ---- helpers ----------------------------------------------------------------------------

TEST(FormsQuantity, Accepts) {
  struct Case {
    const char* text;
    double value;
  };
  const Case cases[] = {
      {"250", 250},           {" 250 ", 250},         {"50,000", 50000},
      {"1,234,567", 1234567}, {"$50k", 50000},        {"$50K", 50000},
      {"50 k", 50000},        {"1.5m", 1500000},      {"€1.5M", 1500000},
      {"2mm", 2000000},       {"1bn", 1e9},           {"USD 5000", 5000},
      {"5000 eur", 5000},     {"5000€", 5000},        {"£75", 75},
      {"1000+", 1000},        {"50k+", 50000},        {"51-200", 51},
      {"10-50k", 10000},      {"10k-50k", 10000},     {"11 – 50", 11},
      {"100 to 500", 100},    {"$10k - $25k", 10000}, {"0", 0},
      {"12.75", 12.75},
  };
  for (const auto& c : cases) {
    auto v = parse_quantity(c.text);
    ASSERT_TRUE(v.has_value()) << c.text;
    EXPECT_DOUBLE_EQ(*v, c.value) << c.text;
  }
}

TEST(FormsQuantity, Refuses) {
  for (const char* text : {"", "about fifty", "<10", "-5", "1,5", "1,00", "12,3456", "5.", "50kg",
                           "5 apples", "10-", "abc 500", "1000++", "ten-twenty", "$", "k"}) {
    EXPECT_FALSE(parse_quantity(text).has_value()) << text;
  }
}

TEST(FormsParseJson, ActorIsNeverAttackerFormattedText) {
  const std::string forged = "\r\n[2026-12-03 00:00:00.000] [info] FORGED";
  bj::object body{{"event_id", "e-forge"},
                  {"fields", {{"email", "ann@customer.example" + forged}, {"name", "Ann"}}}};
  auto bad = parse_json_submission(json_form(), bj::serialize(body));
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, Errc::kInvalidInput);
  EXPECT_NE(bad.error().message.find("'email'"), std::string::npos) << bad.error().message;

  // Free-text fields are data: kept as sent; the actor is the validated address.
  body["fields"] = {
      {"email", "Ann@Customer.example"}, {"name", "Ann" + forged}, {"message", "line 1\nline 2"}};
  auto ok = parse_json_submission(json_form(), bj::serialize(body));
  ASSERT_TRUE(ok.has_value()) << ok.error().message;
  EXPECT_EQ(ok->actor, "ann@customer.example");
}

}  // namespace
}  // namespace steward::forms
