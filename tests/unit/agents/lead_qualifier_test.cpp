// The lead qualifier agent with the SHIPPED rules and template, a plain fake AgentContext, and
// the full chain into the SHIPPED decision rights.

#include "agents/lead_qualifier/lead_qualifier.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <map>

#include "policies/engine/decision_rights.hpp"
#include "tests/support/fake_agent_context.hpp"

namespace steward::agents::lead {
namespace {

const std::filesystem::path kRules = STEWARD_SOURCE_DIR "/policies/rules";
const std::filesystem::path kTemplates = STEWARD_SOURCE_DIR "/policies/templates";

using steward::testing::FakeContext;

LeadQualifier make_agent() {
  auto cfg = load_config(kRules, kTemplates, "C_SALES", "Acme Ltd", "Dana Director");
  EXPECT_TRUE(cfg) << (cfg ? "" : cfg.error().message);
  if (!cfg) std::abort();
  return LeadQualifier(std::move(*cfg));
}

Event form_event(std::string_view fields_json, std::string form = "website") {
  Event e;
  e.source = "forms";
  e.kind = "form.submitted";
  e.actor = "form:" + form;
  e.payload = {{"form", form}, {"fields", boost::json::parse(fields_json).as_object()}};
  return e;
}

// 850 employees +25, budget 60000 +25, "pricing"/"demo" +15, "asap" +15 = 80 → hot.
constexpr const char* kHotLead = R"({"name":"Jane Doe","email":"Jane@BigCo.example",
  "company":"BigCo","phone":"+1 555 0100","employees":850,"budget":60000,
  "message":"We need pricing for 300 seats and a demo asap. Also curious about SSO."})";
// 120 employees +15, budget 15000 +15, "quote" +15, no phone -5 = 40 → warm.
constexpr const char* kWarmLead = R"({"name":"Sam","email":"sam@midco.example",
  "company":"MidCo","employees":120,"budget":15000,"message":"Please send a quote"})";
// free mail -15, no company -10, no phone -5 = -30 → nurture.
constexpr const char* kNurtureLead = R"({"name":"Pat","email":"pat@gmail.com",
  "message":"Just browsing"})";

std::vector<std::string> kinds(const Plan& p) {
  std::vector<std::string> out;
  for (const auto& a : p.actions) out.push_back(a.kind);
  return out;
}

TEST(LeadQualifier, HotLeadPlan) {
  auto agent = make_agent();
  EXPECT_EQ(agent.name(), "lead_qualifier");
  FakeContext ctx;
  auto plan = agent.handle(form_event(kHotLead), ctx);
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(plan->agent, "lead_qualifier");
  EXPECT_EQ(kinds(*plan),
            (std::vector<std::string>{"pipeline.upsert", "slack.post", "email.send"}));
  EXPECT_EQ(ctx.looked_up, std::vector<std::string>{"jane@bigco.example"});

  const auto& lead = plan->facts.at("lead").as_object();
  EXPECT_EQ(lead.at("email").as_string(), "jane@bigco.example");
  EXPECT_EQ(lead.at("domain").as_string(), "bigco.example");
  EXPECT_EQ(lead.at("score").as_int64(), 80);
  EXPECT_EQ(lead.at("stage").as_string(), "hot");
  EXPECT_TRUE(lead.at("is_new").as_bool());

  ASSERT_EQ(plan->notes.size(), 5u);  // four score lines + the total
  EXPECT_EQ(plan->notes[0], "+25 Large company (200+ employees): employees 850 ≥ 200 (size-large)");

  const auto& up = plan->actions[0];
  EXPECT_EQ(up.summary, "Lead Jane Doe (BigCo) → hot, score 80");
  EXPECT_EQ(up.fields.at("email").as_string(), "jane@bigco.example");
  EXPECT_EQ(up.fields.at("name").as_string(), "Jane Doe");
  EXPECT_EQ(up.fields.at("company").as_string(), "BigCo");
  EXPECT_EQ(up.fields.at("phone").as_string(), "+1 555 0100");
  EXPECT_EQ(up.fields.at("stage").as_string(), "hot");
  EXPECT_EQ(up.fields.at("score").as_int64(), 80);
  EXPECT_EQ(up.fields.at("source_form").as_string(), "website");
  ASSERT_EQ(up.fields.at("breakdown").as_array().size(), 4u);
  EXPECT_EQ(up.fields.at("breakdown").as_array()[0].as_string(), plan->notes[0]);

  const auto& post = plan->actions[1];
  EXPECT_EQ(post.fields.at("channel").as_string(), "C_SALES");
  EXPECT_EQ(post.fields.at("text").as_string(), "New lead: Jane Doe (BigCo) — hot, score 80");
  const auto& blocks = post.fields.at("blocks").as_array();
  ASSERT_EQ(blocks.size(), 4u);
  EXPECT_EQ(blocks[0].at("type").as_string(), "header");
  EXPECT_EQ(blocks[1].at("type").as_string(), "section");
  EXPECT_EQ(blocks[2].at("type").as_string(), "section");
  EXPECT_EQ(blocks[3].at("type").as_string(), "context");
  auto json = boost::json::serialize(blocks);
  EXPECT_NE(json.find("jane@bigco.example"), std::string::npos);
  EXPECT_NE(json.find("Form: website"), std::string::npos);
  EXPECT_NE(json.find("size-large"), std::string::npos);

  const auto& mail = plan->actions[2];
  EXPECT_EQ(mail.summary, "Follow-up email to jane@bigco.example");
  EXPECT_EQ(mail.fields.at("to").as_string(), "jane@bigco.example");
  EXPECT_EQ(mail.fields.at("subject").as_string(), "Next steps for BigCo with Acme Ltd");
}

TEST(LeadQualifier, TemplateIsPersonalisedAndNotHtmlEscaped) {
  auto agent = make_agent();
  FakeContext ctx;
  auto plan = agent.handle(
      form_event(R"({"name":"Zoë O'Brien","email":"zoe@ob.example","company":"O'Brien & Sons",
        "employees":300,"budget":90000,"message":"We'd like a \"quote\" & demo asap.\nThanks"})"),
      ctx);
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_EQ(plan->actions.size(), 3u);
  const auto& mail = plan->actions[2];
  std::string text(mail.fields.at("text").as_string());
  EXPECT_EQ(text.rfind("Hi Zoë,\n", 0), 0u) << text;
  EXPECT_NE(text.find("on behalf of O'Brien & Sons."), std::string::npos) << text;
  EXPECT_NE(text.find("O'Brien & Sons. You wrote: \"We'd like a \"quote\" & demo asap\" — "),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("Thanks"), std::string::npos) << "only the first sentence is quoted";
  EXPECT_EQ(text.find("&amp;"), std::string::npos);
  EXPECT_EQ(text.find("&quot;"), std::string::npos);
  EXPECT_EQ(text.find("&apos;"), std::string::npos);
  EXPECT_NE(text.find("Dana Director\nAcme Ltd"), std::string::npos) << text;
  EXPECT_EQ(mail.fields.at("subject").as_string(), "Next steps for O'Brien & Sons with Acme Ltd");
}

TEST(LeadQualifier, WarmLeadWithoutCompanyOrMessageStillReadsWell) {
  auto agent = make_agent();
  FakeContext ctx;
  // 300 employees +25, budget 20000 +15, no company -10, no phone -5 = 25 ... plus "buy" +15 = 40
  auto plan = agent.handle(form_event(R"({"email":"lee@x.example","employees":300,"budget":20000,
                     "message":"buy"})"),
                           ctx);
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(plan->facts.at("lead").at("score").as_int64(), 25 + 15 + 15 - 10 - 5);
  EXPECT_EQ(plan->facts.at("lead").at("stage").as_string(), "warm");
  ASSERT_EQ(plan->actions.size(), 3u);
  EXPECT_EQ(plan->actions[0].summary, "Lead lee@x.example → warm, score 40");
  std::string text(plan->actions[2].fields.at("text").as_string());
  EXPECT_EQ(text.rfind("Hi there,\n\nThank you for getting in touch. You wrote: \"buy\" — ", 0), 0u)
      << text;
  EXPECT_EQ(plan->actions[2].fields.at("subject").as_string(),
            "Next steps for your team with Acme Ltd");

  auto no_msg =
      agent.handle(form_event(R"({"name":"Lee","email":"lee@x.example","company":"X","phone":"1",
                     "employees":300,"budget":20000})"),
                   ctx);
  ASSERT_TRUE(no_msg);
  std::string t2(no_msg->actions[2].fields.at("text").as_string());
  EXPECT_EQ(t2.find("You wrote"), std::string::npos) << t2;
  EXPECT_EQ(t2.rfind("Hi Lee,\n\nThank you for getting in touch on behalf of X.\n\nCould we", 0),
            0u)
      << t2;
}

TEST(LeadQualifier, EmailOnlyForQualifiedStages) {
  auto agent = make_agent();
  FakeContext ctx;
  auto warm = agent.handle(form_event(kWarmLead), ctx);
  ASSERT_TRUE(warm);
  EXPECT_EQ(warm->facts.at("lead").at("stage").as_string(), "warm");
  EXPECT_EQ(kinds(*warm),
            (std::vector<std::string>{"pipeline.upsert", "slack.post", "email.send"}));

  auto nurture = agent.handle(form_event(kNurtureLead), ctx);
  ASSERT_TRUE(nurture);
  EXPECT_EQ(nurture->facts.at("lead").at("score").as_int64(), -30);
  EXPECT_EQ(nurture->facts.at("lead").at("stage").as_string(), "nurture");
  EXPECT_EQ(kinds(*nurture), (std::vector<std::string>{"pipeline.upsert", "slack.post"}));
}

TEST(LeadQualifier, KnownLeadIsNotNew) {
  auto agent = make_agent();
  FakeContext ctx;
  ctx.leads["jane@bigco.example"] = {{"email", "jane@bigco.example"}, {"stage", "warm"}};
  auto plan = agent.handle(form_event(kHotLead), ctx);
  ASSERT_TRUE(plan);
  EXPECT_FALSE(plan->facts.at("lead").at("is_new").as_bool());
  EXPECT_NE(boost::json::serialize(plan->actions[1].fields).find("already in the pipeline"),
            std::string::npos);
}

TEST(LeadQualifier, SlackTextIsEscaped) {
  auto agent = make_agent();
  FakeContext ctx;
  auto plan = agent.handle(
      form_event(R"({"name":"<script>&alert","email":"x@evil.example","company":"<!channel> & Co",
                     "message":"hi"})",
                 "<b>form</b>"),
      ctx);
  ASSERT_TRUE(plan) << plan.error().message;
  const auto& post = plan->actions[1];
  std::string text(post.fields.at("text").as_string());
  EXPECT_EQ(text,
            "New lead: &lt;script&gt;&amp;alert (&lt;!channel&gt; &amp; Co) — nurture, score -5");
  auto blocks = boost::json::serialize(post.fields.at("blocks"));
  EXPECT_EQ(blocks.find("<script>"), std::string::npos) << blocks;
  EXPECT_EQ(blocks.find("<!channel>"), std::string::npos) << blocks;
  EXPECT_EQ(blocks.find("<b>"), std::string::npos) << blocks;
  EXPECT_NE(blocks.find("&lt;script&gt;&amp;alert"), std::string::npos) << blocks;
  EXPECT_NE(blocks.find("Form: &lt;b&gt;form&lt;/b&gt;"), std::string::npos) << blocks;
  // The pipeline keeps the lead's own words unescaped.
  EXPECT_EQ(plan->actions[0].fields.at("name").as_string(), "<script>&alert");
}

TEST(LeadQualifier, InvalidInput) {
  auto agent = make_agent();
  FakeContext ctx;
  auto no_email = agent.handle(form_event(R"({"name":"No Mail","company":"X"})"), ctx);
  ASSERT_FALSE(no_email);
  EXPECT_EQ(no_email.error().code, Errc::kInvalidInput);
  auto blank = agent.handle(form_event(R"({"email":"   "})"), ctx);
  ASSERT_FALSE(blank);
  EXPECT_EQ(blank.error().code, Errc::kInvalidInput);
  auto bad = agent.handle(form_event(R"({"email":"a@b.example\r\nBcc: x@y.example"})"), ctx);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::kInvalidInput);
  Event no_fields;
  no_fields.kind = "form.submitted";
  no_fields.payload = {{"form", "website"}};
  EXPECT_EQ(agent.handle(no_fields, ctx).error().code, Errc::kInvalidInput);
  Event other = form_event(kHotLead);
  other.kind = "slack.command";
  EXPECT_EQ(agent.handle(other, ctx).error().code, Errc::kInvalidInput);
  EXPECT_TRUE(ctx.looked_up.empty());
}

TEST(LeadQualifier, SubjectStaysOnOneLine) {
  auto agent = make_agent();
  FakeContext ctx;
  auto plan = agent.handle(
      form_event(R"({"email":"a@corp.example","company":"Evil\r\nBcc: all@corp.example",
                     "phone":"1","employees":500,"budget":100000,"message":"demo asap"})"),
      ctx);
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_EQ(plan->actions.size(), 3u);
  std::string subject(plan->actions[2].fields.at("subject").as_string());
  EXPECT_EQ(subject.find('\n'), std::string::npos);
  EXPECT_EQ(subject.find('\r'), std::string::npos);
  EXPECT_EQ(subject, "Next steps for Evil Bcc: all@corp.example with Acme Ltd");
}

TEST(LeadQualifierConfig, ErrorsNameTheFile) {
  auto missing = load_config("/nonexistent", kTemplates, "C", "A", "S");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::kNotFound);
  EXPECT_NE(missing.error().message.find("lead-scoring.toml"), std::string::npos);
  auto no_tmpl = load_config(kRules, "/nonexistent", "C", "A", "S");
  ASSERT_FALSE(no_tmpl);
  EXPECT_NE(no_tmpl.error().message.find("lead-follow-up.mustache"), std::string::npos);
}

TEST(LeadQualifier, SummariseNeed) {
  EXPECT_EQ(summarise_need("  We need a demo. And more!  "), "We need a demo");
  EXPECT_EQ(summarise_need("Version 2.5 pricing?"), "Version 2.5 pricing");
  EXPECT_EQ(summarise_need("line one\nline two"), "line one");
  EXPECT_EQ(summarise_need(""), "");
  auto long_need = summarise_need(std::string(100, 'a') + " " + std::string(100, 'b'), 160);
  EXPECT_EQ(long_need, std::string(100, 'a') + "…");
}

// ---- the full chain: agent plan → shipped decision rights ----

TEST(LeadQualifierChain, HotLeadActionsAreAllowAllowAsk) {
  policies::Vars vars;
  vars.values["slack.sales_channel"] = {"C_SALES"};
  vars.values["slack.support_channel"] = {"C_SUPPORT"};
  vars.values["slack.escalation_channel"] = {"C_ESCALATE"};
  vars.values["company.domains"] = {"acme.example"};
  auto rights = policies::DecisionRights::load_file(kRules / "decision-rights.toml", vars);
  ASSERT_TRUE(rights) << rights.error().message;

  auto agent = make_agent();
  FakeContext ctx;
  auto plan = agent.handle(form_event(kHotLead), ctx);
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_EQ(plan->actions.size(), 3u);

  auto d0 = rights->decide(plan->actions[0], plan->facts);
  auto d1 = rights->decide(plan->actions[1], plan->facts);
  auto d2 = rights->decide(plan->actions[2], plan->facts);
  EXPECT_EQ(d0.verdict, Verdict::kAllow);
  EXPECT_EQ(d0.rule, "decision-rights.toml#pipeline-updates");
  EXPECT_EQ(d1.verdict, Verdict::kAllow);
  EXPECT_EQ(d1.rule, "decision-rights.toml#sales-channel-posts");
  EXPECT_EQ(d2.verdict, Verdict::kAsk);
  EXPECT_EQ(d2.rule, "decision-rights.toml#external-email");
  EXPECT_EQ(d2.approvers, std::vector<std::string>{"role:director"});
  EXPECT_EQ(d2.expires_after, std::chrono::hours(24));

  // A follow-up to someone inside the company is not covered by any rule → denied.
  auto internal = agent.handle(form_event(R"({"name":"Ann","email":"ann@acme.example",
      "company":"Acme","phone":"1","employees":900,"budget":90000,"message":"demo asap"})"),
                               ctx);
  ASSERT_TRUE(internal);
  ASSERT_EQ(internal->actions.size(), 3u);
  EXPECT_EQ(rights->decide(internal->actions[2], internal->facts).verdict, Verdict::kDeny);
}

}  // namespace
}  // namespace steward::agents::lead
