// The support triage agent with the SHIPPED rules and templates (policies/rules/
// support-triage.toml, policies/templates/support-reply-*.mustache) and a plain fake
// AgentContext. If someone changes the shipped keywords, these tests say which behaviour moved.

#include "agents/support_triage/support_triage.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fstream>
#include <map>
#include <random>

#include "tests/support/fake_agent_context.hpp"

namespace steward::agents::support {
namespace {

const std::filesystem::path kRules = STEWARD_SOURCE_DIR "/policies/rules";
const std::filesystem::path kTemplates = STEWARD_SOURCE_DIR "/policies/templates";

TriageRules shipped_rules() {
  auto r = TriageRules::load_file(kRules / "support-triage.toml");
  EXPECT_TRUE(r) << (r ? "" : r.error().message);
  if (!r) std::abort();
  return *r;
}

using steward::testing::FakeContext;

SupportTriage make_agent(std::string escalation_channel = "C_ONCALL") {
  auto cfg =
      load_config(kRules, kTemplates, "C_SUPPORT", std::move(escalation_channel), "Acme Ltd");
  EXPECT_TRUE(cfg) << (cfg ? "" : cfg.error().message);
  if (!cfg) std::abort();
  return SupportTriage(std::move(*cfg));
}

struct Mail {
  std::string from = "jane@customer.example";
  std::string from_name = "Jane Doe";
  std::string subject = "Question";
  std::string text = "Hello";
  std::string message_id = "abc123@mail.customer.example";
  std::vector<std::string> references;
  bool auto_reply = false;
  std::string conversation_id = "conv_42";
  bool is_new = true;
  int messages = 1;
};

Event email_event(const Mail& m) {
  Event e;
  e.source = "email";
  e.kind = "email.received";
  e.actor = m.from;
  boost::json::array refs;
  for (const auto& r : m.references) refs.emplace_back(r);
  e.payload = {{"provider", "mailgun"},
               {"from", m.from},
               {"from_name", m.from_name},
               {"to", boost::json::array{"support@acme.example"}},
               {"cc", boost::json::array{}},
               {"subject", m.subject},
               {"text", m.text},
               {"message_id", m.message_id},
               {"in_reply_to", m.references.empty() ? "" : m.references.back()},
               {"references", refs},
               {"auto_reply", m.auto_reply},
               {"attachments", boost::json::array{}},
               {"conversation_id", m.conversation_id},
               {"conversation", {{"new", m.is_new}, {"messages", m.messages}}}};
  return e;
}

std::vector<std::string> kinds(const Plan& p) {
  std::vector<std::string> out;
  for (const auto& a : p.actions) out.push_back(a.kind);
  return out;
}

std::string str(const boost::json::value& v) { return std::string(v.as_string()); }

// ---- the shipped rules file ----

TEST(SupportTriageShippedRules, Loads) {
  auto r = shipped_rules();
  std::vector<std::string> ids;
  for (const auto& t : r.topics) ids.push_back(t.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"cancellation", "billing", "shipping", "technical",
                                           "account", "general"}));
  EXPECT_TRUE(r.topic("general")->fallback());
  EXPECT_FALSE(r.topic("billing")->fallback());
  ASSERT_EQ(r.risks.size(), 3u);
  EXPECT_EQ(r.risks[0].id, "legal");
  EXPECT_EQ(r.risks[1].id, "cancellation");
  EXPECT_EQ(r.risks[2].id, "safety");
  EXPECT_EQ(r.escalation_role, "on-call");
  EXPECT_EQ(r.approver_role, "support");
  EXPECT_EQ(r.vip_senders, std::vector<std::string>{"ceo@bigco.example"});
  EXPECT_EQ(r.vip_domains, std::vector<std::string>{"bigco.example"});
  EXPECT_EQ(r.quote_max_chars, 1000u);
  EXPECT_EQ(r.subject_prefix, "Re: ");
  for (const auto& t : r.topics) {
    EXPECT_FALSE(t.answer.empty()) << t.id;
    EXPECT_EQ(t.template_file, "support-reply-" + t.id + ".mustache");
  }
}

// ---- classification ----

TEST(SupportTriageClassify, TopicPerShippedTopic) {
  auto r = shipped_rules();
  auto topic = [&](std::string_view subject, std::string_view text) {
    return classify(r, subject, text, "x@customer.example").topic;
  };
  auto billing = topic("Wrong invoice", "I was charged twice this month.");
  EXPECT_EQ(billing.id, "billing");
  EXPECT_EQ(billing.cues, (std::vector<std::string>{"invoice", "charged twice"}));
  EXPECT_EQ(topic("", "Where is my order? The tracking number shows nothing.").id, "shipping");
  EXPECT_EQ(topic("App crash", "The app crashes with an error on start.").id, "technical");
  EXPECT_EQ(topic("", "I forgot my password and I'm locked out.").id, "account");
  EXPECT_EQ(topic("", "Please cancel my subscription.").id, "cancellation");
  auto general = topic("Hello", "Do you have an office in Berlin?");
  EXPECT_EQ(general.id, "general");
  EXPECT_TRUE(general.cues.empty());
  EXPECT_EQ(general.label, "General question");
}

TEST(SupportTriageClassify, MostMatchesWinsAndTiesGoToTheEarlierTopic) {
  auto r = shipped_rules();
  // technical: "error", "not working" (2) beats account: "password" (1).
  EXPECT_EQ(
      classify(r, "", "Password page shows an error and is not working", "a@b.example").topic.id,
      "technical");
  // cancellation "cancel my" (1) ties billing "refund" (1): cancellation is listed first.
  EXPECT_EQ(classify(r, "", "Cancel my plan and refund me", "a@b.example").topic.id,
            "cancellation");
  // "close my account" belongs to cancellation and hides the account topic's "account".
  auto c = classify(r, "", "Please close my account", "a@b.example");
  EXPECT_EQ(c.topic.id, "cancellation");
  EXPECT_EQ(c.topic.cues, std::vector<std::string>{"close my account"});
}

TEST(SupportTriageClassify, WholeWordsOnly) {
  auto r = shipped_rules();
  auto risks = [&](std::string_view text) {
    return classify(r, "", text, "a@b.example").risk_ids();
  };
  EXPECT_TRUE(risks("There is an issue with my tissue order").empty()) << "sue ≠ issue/tissue";
  EXPECT_EQ(risks("We will sue you."), std::vector<std::string>{"legal"});
  EXPECT_EQ(risks("SUE!"), std::vector<std::string>{"legal"});
  EXPECT_TRUE(risks("Our firewall blocks it; the courtyard is nice").empty())
      << "fire ≠ firewall, court ≠ courtyard";
  EXPECT_EQ(risks("the charger caught fire"), std::vector<std::string>{"safety"});
  // "cancel" does not match "cancelled".
  EXPECT_EQ(classify(r, "", "My order was cancelled by mistake", "a@b.example").topic.id,
            "general");
}

TEST(SupportTriageClassify, CaseWhitespaceAndApostrophes) {
  auto r = shipped_rules();
  auto c = classify(r, "", "We are taking LEGAL\r\n   Action.", "a@b.example");
  ASSERT_EQ(c.risks.size(), 1u);
  EXPECT_EQ(c.risks[0].cues, std::vector<std::string>{"legal action"});
  // A typographic apostrophe counts as a plain one.
  auto t = classify(r, "", "The export doesn\u2019t work", "a@b.example");
  EXPECT_EQ(t.topic.id, "technical");
  EXPECT_EQ(t.topic.cues, std::vector<std::string>{"doesn't work"});
}

TEST(SupportTriageClassify, SubjectIsReadButPhrasesDoNotSpanSubjectAndText) {
  auto r = shipped_rules();
  EXPECT_EQ(classify(r, "Refund", "hello", "a@b.example").topic.id, "billing");
  // "legal" ends the subject, "action" starts the text: not the phrase "legal action".
  EXPECT_TRUE(classify(r, "Something legal", "action needed", "a@b.example").risks.empty());
}

TEST(SupportTriageClassify, Urgency) {
  auto r = shipped_rules();
  auto u = [&](std::string_view text) { return classify(r, "", text, "a@b.example").urgency; };
  auto high = u("Please fix this ASAP, the shop is down");
  EXPECT_EQ(high.id, "high");
  EXPECT_EQ(high.cues, (std::vector<std::string>{"asap", "down"}));
  EXPECT_EQ(u("A question about colours").id, "normal");
  EXPECT_TRUE(u("A question about colours").cues.empty());
  auto low = u("No rush, whenever you can.");
  EXPECT_EQ(low.id, "low");
  EXPECT_EQ(low.cues, (std::vector<std::string>{"no rush", "whenever you can"}));
  // The longer phrase wins over the word inside it.
  auto not_urgent = u("This is not urgent.");
  EXPECT_EQ(not_urgent.id, "low");
  EXPECT_EQ(not_urgent.cues, std::vector<std::string>{"not urgent"});
  // ...but another urgent word elsewhere still makes it high.
  EXPECT_EQ(u("Not urgent for me, but my boss needs it today").id, "high");
}

TEST(SupportTriageClassify, Sentiment) {
  auto r = shipped_rules();
  auto s = [&](std::string_view text) { return classify(r, "", text, "a@b.example").sentiment; };
  auto neg = s("Thanks, but this is unacceptable and I am frustrated.");
  EXPECT_EQ(neg.id, "negative");
  EXPECT_EQ(neg.cues, (std::vector<std::string>{"unacceptable", "frustrated"}));
  auto pos = s("Thank you, I love the product!");
  EXPECT_EQ(pos.id, "positive");
  EXPECT_EQ(pos.cues, (std::vector<std::string>{"thank you", "love"}));
  EXPECT_EQ(s("What are your opening hours?").id, "neutral");
  auto not_happy = s("I am not happy with this.");
  EXPECT_EQ(not_happy.id, "negative");
  EXPECT_EQ(not_happy.cues, std::vector<std::string>{"not happy"});
}

TEST(SupportTriageClassify, Risks) {
  auto r = shipped_rules();
  auto c = classify(r, "Final warning",
                    "The heater overheated and my son got hurt. Refund or I will talk to my "
                    "lawyer and cancel my contract.",
                    "a@b.example");
  EXPECT_TRUE(c.risky());
  EXPECT_FALSE(c.vip);
  EXPECT_EQ(c.risk_ids(), (std::vector<std::string>{"legal", "cancellation", "safety"}));
  EXPECT_EQ(c.risks[0].label, "Legal threat");
  EXPECT_EQ(c.risks[0].cues, std::vector<std::string>{"lawyer"});
  EXPECT_EQ(c.risks[1].cues, (std::vector<std::string>{"cancel my", "refund or i"}));
  EXPECT_EQ(c.risks[2].cues, (std::vector<std::string>{"hurt", "overheated"}));

  auto calm = classify(r, "Hi", "How do I change my address?", "a@b.example");
  EXPECT_FALSE(calm.risky());
  EXPECT_TRUE(calm.risk_ids().empty());
}

TEST(SupportTriageClassify, VipBySenderAndByDomain) {
  auto r = shipped_rules();
  auto by_sender = classify(r, "", "hello", "CEO@BigCo.example");
  EXPECT_TRUE(by_sender.vip);
  ASSERT_EQ(by_sender.risks.size(), 1u);
  EXPECT_EQ(by_sender.risks[0].id, "vip");
  EXPECT_EQ(by_sender.risks[0].label, "VIP customer");
  EXPECT_EQ(by_sender.risks[0].detail, "sender ceo@bigco.example is listed in [vip] senders");

  auto by_domain = classify(r, "", "hello", "anna@bigco.example");
  EXPECT_TRUE(by_domain.vip);
  EXPECT_EQ(by_domain.risks[0].detail, "domain bigco.example is listed in [vip] domains");
  auto sub = classify(r, "", "hello", "anna@eu.bigco.example");
  EXPECT_TRUE(sub.vip);
  EXPECT_EQ(sub.risks[0].detail,
            "domain eu.bigco.example (under bigco.example) is listed in [vip] domains");

  EXPECT_FALSE(classify(r, "", "hello", "anna@notbigco.example").vip);
  EXPECT_FALSE(classify(r, "", "hello", "anna@bigco.example.evil").vip);
  EXPECT_FALSE(classify(r, "", "hello", "").vip);
  // VIP comes after the keyword risks.
  auto both = classify(r, "", "my lawyer says hello", "anna@bigco.example");
  EXPECT_EQ(both.risk_ids(), (std::vector<std::string>{"legal", "vip"}));
}

TEST(SupportTriageClassify, ExplanationLines) {
  auto r = shipped_rules();
  auto c = classify(r, "Invoice", "This is unacceptable, fix it asap or my lawyer will call.",
                    "ceo@bigco.example");
  EXPECT_EQ(c.explain(),
            (std::vector<std::string>{
                "topic billing: matched 'invoice' (Billing and payments)", "urgency high: 'asap'",
                "sentiment negative: 'unacceptable'", "risk legal: 'lawyer' (Legal threat)",
                "risk vip: sender ceo@bigco.example is listed in [vip] senders (VIP customer)"}));
  auto plain = classify(r, "Hello", "Do you ship to Norway?", "a@b.example");
  EXPECT_EQ(plain.explain(),
            (std::vector<std::string>{
                "topic general: no topic keyword matched, so the fallback topic (General "
                "question)",
                "urgency normal: no urgency words", "sentiment neutral: no cue words",
                "risk none: no risk keyword matched and the sender is not a VIP"}));
}

TEST(SupportTriageClassify, LargeAndOddInputIsSafe) {
  auto r = shipped_rules();
  std::string big;
  for (int i = 0; i < 20000; ++i) big += "down ";
  auto c = classify(r, "", big, "a@b.example");
  EXPECT_EQ(c.urgency.id, "high");
  // Random bytes (including NUL and broken UTF-8) never crash and always give a topic.
  std::mt19937 rng(7);
  for (int i = 0; i < 200; ++i) {
    std::string junk(static_cast<std::size_t>(rng() % 300), '\0');
    for (auto& ch : junk) ch = static_cast<char>(rng() % 256);
    auto j = classify(r, junk, junk, junk);
    EXPECT_FALSE(j.topic.id.empty());
    EXPECT_FALSE(j.explain().empty());
  }
}

// ---- reply helpers ----

TEST(SupportTriageReply, SubjectNormalisation) {
  auto r = shipped_rules();
  EXPECT_EQ(reply_subject(r, "Invoice"), "Re: Invoice");
  EXPECT_EQ(reply_subject(r, "Re: Invoice"), "Re: Invoice");
  EXPECT_EQ(reply_subject(r, "RE: Fwd: re: Invoice"), "Re: Invoice");
  EXPECT_EQ(reply_subject(r, "Re[2]: FW:Invoice"), "Re: Invoice");
  EXPECT_EQ(reply_subject(r, "AW: WG: Rechnung"), "Re: Rechnung");
  EXPECT_EQ(reply_subject(r, "  re :  spaced  "), "Re: spaced");
  EXPECT_EQ(reply_subject(r, "Report: March"), "Re: Report: March");
  EXPECT_EQ(reply_subject(r, "Invoice re: March"), "Re: Invoice re: March");
  EXPECT_EQ(reply_subject(r, ""), "Re: Your message");
  EXPECT_EQ(reply_subject(r, "Re:"), "Re: Your message");
  EXPECT_EQ(reply_subject(r, "Line one\r\nBcc: x@y.example"), "Re: Line one Bcc: x@y.example");
}

TEST(SupportTriageReply, QuoteText) {
  EXPECT_EQ(quote_text("Hello\r\nsecond line\n\nthird  \n", 1000),
            "> Hello\n> second line\n>\n> third");
  EXPECT_EQ(quote_text("\n\n  \n  indented\n", 1000), ">   indented");
  EXPECT_EQ(quote_text(" \r\n ", 1000), "");
  // Cut at a word, "…" appended.
  std::string words;
  for (int i = 0; i < 300; ++i) words += "word ";
  auto q = quote_text(words, 1000);
  EXPECT_LE(q.size(), 1000u + 2 + std::string("…").size());
  EXPECT_EQ(q.rfind("> word word", 0), 0u);
  EXPECT_EQ(q.substr(q.size() - 7), "word…");
  // Never inside a UTF-8 sequence.
  std::string umlauts;
  for (int i = 0; i < 700; ++i) umlauts += "ü";
  auto u = quote_text(umlauts, 1001);
  EXPECT_EQ(u, "> " + umlauts.substr(0, 1000) + "…");
  // More text after trailing blank space still counts as cut.
  EXPECT_EQ(quote_text(std::string(100, 'a') + std::string(20, ' ') + "b", 100),
            "> " + std::string(100, 'a') + "…");
}

TEST(SupportTriageReply, Recipient) {
  EXPECT_EQ(recipient("jane@x.example", "Jane Doe"), "Jane Doe <jane@x.example>");
  EXPECT_EQ(recipient("jane@x.example", ""), "jane@x.example");
  EXPECT_EQ(recipient("jane@x.example", "  "), "jane@x.example");
  EXPECT_EQ(recipient("jane@x.example", "Doe, Jane"), "\"Doe, Jane\" <jane@x.example>");
  EXPECT_EQ(recipient("jane@x.example", "J. \"JD\" Doe\r\n<evil>"),
            "\"J. JD Doe evil\" <jane@x.example>");
}

// ---- the agent's plan ----

TEST(SupportTriage, NormalTicketPlan) {
  auto agent = make_agent();
  EXPECT_EQ(agent.name(), "support_triage");
  FakeContext ctx;
  Mail m;
  m.subject = "Question about my invoice";
  m.text = "Hi, where can I download my receipt? Thanks!";
  auto plan = agent.handle(email_event(m), ctx);
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(plan->agent, "support_triage");
  EXPECT_EQ(kinds(*plan),
            (std::vector<std::string>{"slack.post", "email.send", "ticket.classify"}));
  EXPECT_TRUE(ctx.asked_roles.empty()) << "nobody is escalated to for a calm ticket";

  const auto& t = plan->facts.at("ticket").as_object();
  EXPECT_EQ(str(t.at("conversation_id")), "conv_42");
  EXPECT_EQ(str(t.at("topic")), "billing");
  EXPECT_EQ(str(t.at("urgency")), "normal");
  EXPECT_EQ(str(t.at("sentiment")), "positive");
  EXPECT_TRUE(t.at("risk").as_array().empty());
  EXPECT_FALSE(t.at("risky").as_bool());
  EXPECT_FALSE(t.at("vip").as_bool());
  EXPECT_EQ(str(t.at("customer")), "jane@customer.example");

  ASSERT_GE(plan->notes.size(), 5u);
  EXPECT_EQ(plan->notes[0], "topic billing: matched 'invoice', 'receipt' (Billing and payments)");
  EXPECT_EQ(plan->notes[2], "sentiment positive: 'thanks'");
  EXPECT_NE(plan->notes.back().find("reply: drafted from support-reply-billing.mustache"),
            std::string::npos);

  const auto& post = plan->actions[0];
  EXPECT_EQ(str(post.fields.at("channel")), "C_SUPPORT");
  EXPECT_EQ(post.summary.rfind("Ticket summary to #support", 0), 0u);
  std::string text = str(post.fields.at("text"));
  EXPECT_NE(text.find("Jane Doe (jane@customer.example)"), std::string::npos) << text;
  EXPECT_NE(text.find("Question about my invoice"), std::string::npos) << text;
  EXPECT_NE(text.find("Topic: Billing and payments"), std::string::npos) << text;
  EXPECT_NE(text.find("Urgency: normal"), std::string::npos) << text;
  EXPECT_NE(text.find("Sentiment: positive"), std::string::npos) << text;
  EXPECT_NE(text.find("Risk: none"), std::string::npos) << text;
  EXPECT_NE(text.find("\n> Hi, where can I download my receipt? Thanks!\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("conv_42"), std::string::npos) << text;
  const auto& blocks = post.fields.at("blocks").as_array();
  ASSERT_EQ(blocks.size(), 5u);
  EXPECT_EQ(str(blocks[0].at("type")), "header");
  EXPECT_EQ(str(blocks[4].at("type")), "context");
  EXPECT_NE(boost::json::serialize(blocks).find("topic billing: matched"), std::string::npos);

  const auto& mail = plan->actions[1];
  EXPECT_EQ(str(mail.fields.at("to")), "Jane Doe <jane@customer.example>");
  EXPECT_EQ(str(mail.fields.at("subject")), "Re: Question about my invoice");
  EXPECT_EQ(str(mail.fields.at("in_reply_to")), "abc123@mail.customer.example");
  EXPECT_EQ(mail.fields.at("references").as_array(),
            (boost::json::array{"abc123@mail.customer.example"}));
  EXPECT_EQ(str(mail.fields.at("conversation_id")), "conv_42");
  EXPECT_EQ(mail.summary, "Reply to jane@customer.example: Re: Question about my invoice");

  // The classification is proposed, like any action, for decision rights to decide.
  const auto& record = plan->actions[2];
  EXPECT_EQ(record.fields, (boost::json::object{{"conversation_id", "conv_42"},
                                                {"topic", "billing"},
                                                {"urgency", "normal"},
                                                {"sentiment", "positive"},
                                                {"risk", boost::json::array{}}}));
  EXPECT_EQ(record.summary, "Record ticket conv_42: billing, urgency normal, sentiment positive");
}

TEST(SupportTriage, ReplyTextIsBuiltFromTheKnowledge) {
  auto agent = make_agent();
  FakeContext ctx;
  Mail m;
  m.subject = "RE: Fwd: Charged twice";
  m.text = "I was charged twice & it is unacceptable.\nPlease fix it ASAP.\n\n-- \nJane";
  m.references = {"first@x.example", "<second@x.example>"};
  auto plan = agent.handle(email_event(m), ctx);
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_EQ(plan->actions.size(), 3u);
  const auto& mail = plan->actions[1];
  EXPECT_EQ(str(mail.fields.at("subject")), "Re: Charged twice");
  EXPECT_EQ(
      mail.fields.at("references").as_array(),
      (boost::json::array{"first@x.example", "second@x.example", "abc123@mail.customer.example"}));
  std::string body = str(mail.fields.at("text"));
  EXPECT_EQ(body.rfind("Hi Jane,\n\nThank you for writing to us about your billing question, and "
                       "I am sorry for the trouble this has caused. We understand this is urgent",
                       0),
            0u)
      << body;
  auto rules = shipped_rules();
  EXPECT_NE(body.find(rules.topic("billing")->answer), std::string::npos) << body;
  EXPECT_NE(body.find("\n\nThe Acme Ltd support team\n\nYou wrote:\n"
                      "> I was charged twice & it is unacceptable.\n> Please fix it ASAP.\n>\n"
                      "> --\n> Jane\n"),
            std::string::npos)
      << body;
  EXPECT_EQ(body.find("&amp;"), std::string::npos) << "plain text: nothing HTML-escaped";
  EXPECT_EQ(body.find("{{"), std::string::npos);
}

TEST(SupportTriage, LongQuestionIsCutInTheReplyAndTheSummary) {
  auto agent = make_agent();
  FakeContext ctx;
  Mail m;
  std::string long_text;
  for (int i = 0; i < 400; ++i) long_text += "blah ";
  m.text = long_text + "TAILMARKER";
  auto plan = agent.handle(email_event(m), ctx);
  ASSERT_TRUE(plan) << plan.error().message;
  std::string body = str(plan->actions[1].fields.at("text"));
  EXPECT_EQ(body.find("TAILMARKER"), std::string::npos);
  EXPECT_NE(body.find("blah…"), std::string::npos);
  auto quoted = body.substr(body.find("You wrote:\n") + 11);
  EXPECT_LE(quoted.size(), 1000u + 10);
  std::string summary = str(plan->actions[0].fields.at("text"));
  EXPECT_EQ(summary.find("TAILMARKER"), std::string::npos);
  EXPECT_LT(summary.size(), 600u);
}

TEST(SupportTriage, TemplatesRenderForEveryShippedTopic) {
  auto agent = make_agent();
  FakeContext ctx;
  const std::map<std::string, std::string> samples = {
      {"billing", "My invoice looks wrong."},     {"shipping", "My parcel has not arrived."},
      {"technical", "The app shows an error."},   {"account", "I cannot log in."},
      {"cancellation", "I want to unsubscribe."}, {"general", "Do you have an office in Berlin?"}};
  auto rules = shipped_rules();
  ASSERT_EQ(samples.size(), rules.topics.size());
  for (const auto& [topic, text] : samples) {
    Mail m;
    m.from_name = "";
    m.subject = "";
    m.text = text;
    auto plan = agent.handle(email_event(m), ctx);
    ASSERT_TRUE(plan) << topic << ": " << plan.error().message;
    EXPECT_EQ(str(plan->facts.at("ticket").at("topic")), topic);
    ASSERT_EQ(plan->actions.size(), 3u) << topic;
    const auto& mail = plan->actions[1];
    EXPECT_EQ(str(mail.fields.at("to")), "jane@customer.example");
    EXPECT_EQ(str(mail.fields.at("subject")), "Re: Your message");
    std::string body = str(mail.fields.at("text"));
    EXPECT_EQ(body.rfind("Hi there,\n\n", 0), 0u) << topic << ":\n" << body;
    EXPECT_NE(body.find(rules.topic(topic)->answer), std::string::npos) << topic << ":\n" << body;
    EXPECT_NE(body.find("The Acme Ltd support team"), std::string::npos) << topic;
    EXPECT_NE(body.find("You wrote:\n> " + text), std::string::npos) << topic << ":\n" << body;
    EXPECT_EQ(body.find("{{"), std::string::npos) << topic;
    EXPECT_EQ(body.find("\n\n\n"), std::string::npos) << topic << ":\n" << body;
    EXPECT_EQ(body.find("sorry"), std::string::npos) << "neutral: no apology, " << topic;
  }
}

TEST(SupportTriage, RiskyTicketIsEscalated) {
  auto agent = make_agent();
  FakeContext ctx;
  ctx.roles["on-call"] = {"U111", "U222"};
  Mail m;
  m.from = "anna@bigco.example";
  m.from_name = "Anna";
  m.subject = "Refund";
  m.text = "Refund me today or my lawyer will be in touch.";
  auto plan = agent.handle(email_event(m), ctx);
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(kinds(*plan), (std::vector<std::string>{"slack.post", "slack.post", "email.send",
                                                    "ticket.classify"}));
  EXPECT_EQ(ctx.asked_roles, std::vector<std::string>{"on-call"});

  const auto& t = plan->facts.at("ticket").as_object();
  EXPECT_TRUE(t.at("risky").as_bool());
  EXPECT_TRUE(t.at("vip").as_bool());
  EXPECT_EQ(t.at("risk").as_array(), (boost::json::array{"legal", "vip"}));
  EXPECT_EQ(str(t.at("urgency")), "high");

  const auto& esc = plan->actions[1];
  EXPECT_EQ(str(esc.fields.at("channel")), "C_ONCALL");
  std::string text = str(esc.fields.at("text"));
  EXPECT_EQ(text.rfind("<@U111> <@U222> :rotating_light: *Legal threat, VIP customer* from Anna "
                       "(anna@bigco.example): Refund (conversation conv_42)",
                       0),
            0u)
      << text;
  EXPECT_NE(text.find("\n• risk legal: 'lawyer'"), std::string::npos) << text;
  EXPECT_NE(text.find("\n• risk vip: domain bigco.example is listed in [vip] domains"),
            std::string::npos)
      << text;
  EXPECT_EQ(esc.summary, "Escalation to on-call: legal, vip — anna@bigco.example: Refund");
  EXPECT_NE(std::find(plan->notes.begin(), plan->notes.end(),
                      "escalation: 2 people with the role 'on-call' mentioned"),
            plan->notes.end());
  std::string summary = str(plan->actions[0].fields.at("text"));
  EXPECT_NE(summary.find("Risk: Legal threat, VIP customer"), std::string::npos) << summary;
  EXPECT_EQ(str(plan->actions[2].fields.at("to")), "Anna <anna@bigco.example>");
  const auto& record = plan->actions[3];
  EXPECT_EQ(record.fields.at("risk").as_array(), (boost::json::array{"legal", "vip"}));
  EXPECT_EQ(str(record.fields.at("urgency")), "high");
  EXPECT_NE(record.summary.find(", risk legal,vip"), std::string::npos) << record.summary;
}

TEST(SupportTriage, EscalationWithoutRoleHoldersNamesTheRole) {
  auto agent = make_agent();
  FakeContext ctx;
  ctx.roles["on-call"] = {"not an id", "U333", "U333"};
  Mail m;
  m.text = "The device is giving off smoke.";
  auto plan = agent.handle(email_event(m), ctx);
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_EQ(plan->actions.size(), 4u);
  EXPECT_EQ(str(plan->actions[1].fields.at("text")).rfind("<@U333> :rotating_light: ", 0), 0u);
  EXPECT_NE(std::find(plan->notes.begin(), plan->notes.end(),
                      "escalation: skipped 'not an id', not a Slack user id"),
            plan->notes.end());

  FakeContext nobody;
  auto plan2 = agent.handle(email_event(m), nobody);
  ASSERT_TRUE(plan2) << plan2.error().message;
  ASSERT_EQ(plan2->actions.size(), 4u);
  std::string text = str(plan2->actions[1].fields.at("text"));
  EXPECT_EQ(text.rfind("@on-call :rotating_light: *Safety issue* from Jane Doe", 0), 0u) << text;
  EXPECT_EQ(text.find("<@"), std::string::npos);
  EXPECT_NE(std::find(plan2->notes.begin(), plan2->notes.end(),
                      "escalation: nobody has the role 'on-call' in [[people]], so the post "
                      "names the role instead of mentioning people"),
            plan2->notes.end());
}

TEST(SupportTriage, EscalationChannelDefaultsToTheSupportChannel) {
  auto agent = make_agent("");
  FakeContext ctx;
  Mail m;
  m.text = "I will sue.";
  auto plan = agent.handle(email_event(m), ctx);
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_EQ(plan->actions.size(), 4u);
  EXPECT_EQ(str(plan->actions[1].fields.at("channel")), "C_SUPPORT");
}

TEST(SupportTriage, AutoReplyGetsNoEmail) {
  auto agent = make_agent();
  FakeContext ctx;
  Mail m;
  m.auto_reply = true;
  m.subject = "Out of office";
  m.text = "I am out of the office until Monday.";
  auto plan = agent.handle(email_event(m), ctx);
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(kinds(*plan), (std::vector<std::string>{"slack.post", "ticket.classify"}));
  EXPECT_TRUE(plan->facts.at("ticket").at("auto_reply").as_bool());
  EXPECT_NE(plan->notes.back().find("reply: none drafted"), std::string::npos);
  EXPECT_NE(boost::json::serialize(plan->actions[0].fields).find("automatic email"),
            std::string::npos);

  // A risky automatic email is still escalated, but never answered.
  m.text = "Automatic notice: legal action has been filed.";
  auto risky = agent.handle(email_event(m), ctx);
  ASSERT_TRUE(risky);
  EXPECT_EQ(kinds(*risky),
            (std::vector<std::string>{"slack.post", "slack.post", "ticket.classify"}));
}

TEST(SupportTriage, FollowUpInAConversation) {
  auto agent = make_agent();
  FakeContext ctx;
  Mail m;
  m.is_new = false;
  m.messages = 3;
  m.subject = "Re: Re: Parcel";
  m.references = {"one@x.example", "two@x.example"};
  m.message_id = "<three@x.example>";
  auto plan = agent.handle(email_event(m), ctx);
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_NE(str(plan->actions[0].fields.at("text")).find("message 3 in this conversation"),
            std::string::npos);
  const auto& mail = plan->actions[1];
  EXPECT_EQ(str(mail.fields.at("subject")), "Re: Parcel");
  EXPECT_EQ(str(mail.fields.at("in_reply_to")), "three@x.example");
  EXPECT_EQ(mail.fields.at("references").as_array(),
            (boost::json::array{"one@x.example", "two@x.example", "three@x.example"}));
}

TEST(SupportTriage, UnusableMessageIdsAreLeftOut) {
  auto agent = make_agent();
  FakeContext ctx;
  Mail m;
  m.message_id = "";
  m.references = {"no-at-sign", "bad id@x.example", "ok@x.example"};
  auto plan = agent.handle(email_event(m), ctx);
  ASSERT_TRUE(plan) << plan.error().message;
  const auto& f = plan->actions[1].fields;
  EXPECT_EQ(f.find("in_reply_to"), f.end());
  EXPECT_EQ(f.at("references").as_array(), (boost::json::array{"ok@x.example"}));
}

TEST(SupportTriage, SlackTextIsEscaped) {
  auto agent = make_agent();
  FakeContext ctx;
  ctx.roles["on-call"] = {"U1"};
  Mail m;
  m.from_name = "<!channel> & Co";
  m.subject = "<script>alert(1)</script> lawsuit";
  m.text = "Hello <@U999> & <https://evil.example|click>";
  auto plan = agent.handle(email_event(m), ctx);
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_EQ(plan->actions.size(), 4u);
  for (int i : {0, 1}) {
    auto all = boost::json::serialize(plan->actions[static_cast<std::size_t>(i)].fields);
    EXPECT_EQ(all.find("<!channel>"), std::string::npos) << all;
    EXPECT_EQ(all.find("<script>"), std::string::npos) << all;
    EXPECT_EQ(all.find("<@U999>"), std::string::npos) << all;
    EXPECT_EQ(all.find("<https://"), std::string::npos) << all;
  }
  std::string summary = str(plan->actions[0].fields.at("text"));
  EXPECT_NE(summary.find("&lt;!channel&gt; &amp; Co (jane@customer.example)"), std::string::npos)
      << summary;
  EXPECT_NE(summary.find("\n> Hello &lt;@U999&gt; &amp; &lt;https://evil.example|click&gt;\n"),
            std::string::npos)
      << summary;
  EXPECT_EQ(str(plan->actions[1].fields.at("text")).rfind("<@U1> :rotating_light:", 0), 0u);
  // The email keeps the customer's own words.
  EXPECT_NE(str(plan->actions[2].fields.at("text")).find("> Hello <@U999> & <https://"),
            std::string::npos);
}

TEST(SupportTriage, HeadersStayOnOneLine) {
  auto agent = make_agent();
  FakeContext ctx;
  Mail m;
  m.from_name = "Eve\r\nBcc: all@acme.example";
  m.subject = "Hi\r\nBcc: all@acme.example";
  auto plan = agent.handle(email_event(m), ctx);
  ASSERT_TRUE(plan) << plan.error().message;
  const auto& f = plan->actions[1].fields;
  for (const char* key : {"to", "subject"}) {
    std::string v = str(f.at(key));
    EXPECT_EQ(v.find_first_of("\r\n"), std::string::npos) << key << ": " << v;
  }
  EXPECT_EQ(str(f.at("to")), "\"Eve Bcc: all@acme.example\" <jane@customer.example>");
  EXPECT_EQ(str(f.at("subject")), "Re: Hi Bcc: all@acme.example");
}

TEST(SupportTriage, SenderThatIsNotAnAddressIsSummarisedButNeverAnswered) {
  auto agent = make_agent();
  FakeContext ctx;
  Mail m;
  Event e = email_event(m);
  e.actor = "invalid-sender";
  e.payload["from"] = "";
  e.payload["invalid_sender"] = "ann@customer.example\\x0d\\x0a[info] FORGED";
  auto plan = agent.handle(e, ctx);
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(kinds(*plan), (std::vector<std::string>{"slack.post", "ticket.classify"}));
  EXPECT_EQ(plan->notes.back(), "reply: none drafted, the sender is not an address");
  const auto post = boost::json::serialize(plan->actions[0].fields);
  EXPECT_NE(post.find("sender that is not an address: ann@customer.example"), std::string::npos)
      << post;
  EXPECT_NE(post.find("no reply drafted"), std::string::npos) << post;
  EXPECT_EQ(str(plan->facts.at("ticket").at("customer")), "");
}

TEST(SupportTriage, InvalidInput) {
  auto agent = make_agent();
  FakeContext ctx;
  Mail m;
  Event other = email_event(m);
  other.kind = "form.submitted";
  EXPECT_EQ(agent.handle(other, ctx).error().code, Errc::kInvalidInput);

  Event no_from = email_event(m);
  no_from.payload.erase("from");
  EXPECT_EQ(agent.handle(no_from, ctx).error().code, Errc::kInvalidInput);
  Event bad_from = email_event(m);
  bad_from.payload["from"] = "jane@x.example\r\nBcc: y@z.example";
  EXPECT_EQ(agent.handle(bad_from, ctx).error().code, Errc::kInvalidInput);
  Event not_string = email_event(m);
  not_string.payload["from"] = 42;
  EXPECT_EQ(agent.handle(not_string, ctx).error().code, Errc::kInvalidInput);

  Event no_conv = email_event(m);
  no_conv.payload.erase("conversation_id");
  auto r = agent.handle(no_conv, ctx);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kInvalidInput);
  EXPECT_NE(r.error().message.find("conversation_id"), std::string::npos);
  Event blank_conv = email_event(m);
  blank_conv.payload["conversation_id"] = "  ";
  EXPECT_EQ(agent.handle(blank_conv, ctx).error().code, Errc::kInvalidInput);
  EXPECT_TRUE(ctx.asked_roles.empty());
}

TEST(SupportTriage, MissingOptionalFieldsStillWork) {
  auto agent = make_agent();
  FakeContext ctx;
  Event e;
  e.kind = "email.received";
  e.payload = {{"from", "bob@x.example"}, {"conversation_id", "c1"}};
  auto plan = agent.handle(e, ctx);
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(kinds(*plan),
            (std::vector<std::string>{"slack.post", "email.send", "ticket.classify"}));
  EXPECT_EQ(str(plan->facts.at("ticket").at("topic")), "general");
  const auto& f = plan->actions[1].fields;
  EXPECT_EQ(str(f.at("to")), "bob@x.example");
  EXPECT_EQ(str(f.at("subject")), "Re: Your message");
  EXPECT_EQ(f.find("in_reply_to"), f.end());
  EXPECT_EQ(f.find("references"), f.end());
  std::string body = str(f.at("text"));
  EXPECT_EQ(body.find("You wrote"), std::string::npos) << body;
  EXPECT_NE(str(plan->actions[0].fields.at("text")).find("(no subject)"), std::string::npos);
}

// ---- loading errors ----

// A minimal valid file; tests append to or replace parts of it.
constexpr const char* kTopic =
    "[[topic]]\nid = \"general\"\nlabel = \"General\"\ntemplate = \"g.mustache\"\n"
    "answer = \"We will answer.\"\n";
constexpr const char* kTail = "[escalation]\nrole = \"on-call\"\n[reply]\nsignature = \"Team\"\n";

std::string load_error(const std::string& text) {
  auto r = TriageRules::load_string(text, "st.toml");
  EXPECT_FALSE(r) << text;
  if (r) return {};
  EXPECT_EQ(r.error().code, Errc::kInvalidInput);
  return r.error().message;
}

TEST(SupportTriageRulesErrors, MinimalFileLoads) {
  auto r = TriageRules::load_string(std::string(kTopic) + kTail, "st.toml");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->topics.size(), 1u);
  EXPECT_TRUE(r->risks.empty());
  EXPECT_EQ(r->vip_label, "VIP customer");
  EXPECT_EQ(r->no_subject, "Your message");
  auto c = classify(*r, "urgent!", "I will sue", "a@b.example");
  EXPECT_EQ(c.topic.id, "general");
  EXPECT_EQ(c.urgency.id, "normal");
  EXPECT_FALSE(c.risky());
}

TEST(SupportTriageRulesErrors, AnswersAreReflowed) {
  auto r = TriageRules::load_string(
      "[[topic]]\nid = \"general\"\nlabel = \"G\"\ntemplate = \"g.mustache\"\n"
      "answer = \"\"\"\n  First line\n  continues here.\n\n\n  Second paragraph.\n\"\"\"\n" +
          std::string(kTail),
      "st.toml");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->topics[0].answer, "First line continues here.\n\nSecond paragraph.");
  auto shipped = shipped_rules();
  EXPECT_EQ(shipped.topic("general")->answer,
            "Thank you for your message — a member of our team has it and will get back to you "
            "with a full answer shortly.");
}

TEST(SupportTriageRulesErrors, FileLineMessages) {
  const std::string base(kTopic);
  // line 6: unknown key inside [[topic]]
  EXPECT_EQ(load_error(base + "colour = \"red\"\n" + kTail)
                .rfind("st.toml:6: key 'colour': unknown key (expected one of: 'id', 'label', "
                       "'keywords', 'template', 'answer')",
                       0),
            0u);
  EXPECT_EQ(load_error("[[topic]]\nid = \"general\"\nlabel = \"G\"\nkeywords = \"help\"\n"
                       "template = \"g.mustache\"\nanswer = \"x\"\n" +
                       std::string(kTail)),
            "st.toml:4: key 'keywords': expected a list of strings, e.g. [\"a\", \"b\"]");
  EXPECT_EQ(load_error("[[topic]]\nid = \"general\"\nlabel = \"G\"\nkeywords = [\"a\", 3]\n"
                       "template = \"g.mustache\"\nanswer = \"x\"\n" +
                       std::string(kTail)),
            "st.toml:4: key 'keywords': every element must be a string");
  EXPECT_EQ(load_error("[[topic]]\nlabel = \"G\"\ntemplate = \"g.mustache\"\nanswer = \"x\"\n" +
                       std::string(kTail)),
            "st.toml:1: key 'id': missing (required)");
  EXPECT_EQ(load_error("[[topic]]\nid = \"a b\"\nlabel = \"G\"\ntemplate = \"g.mustache\"\n"
                       "answer = \"x\"\n" +
                       std::string(kTail)),
            "st.toml:2: key 'id': use only letters, digits, '-' and '_' (at most 64)");
  EXPECT_EQ(load_error("[[topic]]\nid = \"g\"\nlabel = \"G\"\ntemplate = \"../../etc/passwd\"\n"
                       "answer = \"x\"\n" +
                       std::string(kTail))
                .rfind("st.toml:4: key 'template': must be a file name in the templates folder", 0),
            0u);
  EXPECT_EQ(load_error("[[topic]]\nid = \"g\"\nlabel = \"G\"\ntemplate = \"g.mustache\"\n"
                       "answer = \"{{#open}}x\"\n" +
                       std::string(kTail))
                .rfind("st.toml:5: key 'answer': template error: ", 0),
            0u);
  EXPECT_EQ(load_error("[[topic]]\nid = \"g\"\nlabel = \"G\"\ntemplate = \"g.mustache\"\n"
                       "answer = \"  \"\n" +
                       std::string(kTail)),
            "st.toml:5: key 'answer': must not be empty");
  // Keyword lists: an empty list, an empty word.
  EXPECT_EQ(load_error("[[topic]]\nid = \"b\"\nlabel = \"B\"\nkeywords = []\n"
                       "template = \"b.mustache\"\nanswer = \"x\"\n" +
                       base + kTail),
            "st.toml:4: key 'keywords': the list is empty");
  EXPECT_EQ(load_error(base + "[urgency]\nhigh = [\"asap\", \" \"]\n" + kTail),
            "st.toml:7: key 'high': contains an empty word");
  EXPECT_EQ(load_error(base + "[urgency]\nmedium = [\"x\"]\n" + kTail)
                .rfind("st.toml:7: key 'medium': unknown key (expected one of: 'high', 'low')", 0),
            0u);
  EXPECT_EQ(load_error(base + "[sentiment]\nnegative = [\"bad\"]\nangry = [\"x\"]\n" + kTail)
                .rfind("st.toml:8: key 'angry': unknown key", 0),
            0u);
  EXPECT_EQ(load_error("urgency = [\"asap\"]\n" + base + kTail),
            "st.toml:1: key 'urgency': expected a table ([urgency])");
}

TEST(SupportTriageRulesErrors, TopicsAndRisks) {
  const std::string base(kTopic);
  EXPECT_EQ(load_error(std::string(kTail)).rfind("st.toml:1: key 'topic': missing", 0), 0u);
  EXPECT_NE(load_error("[[topic]]\nid = \"b\"\nlabel = \"B\"\nkeywords = [\"bill\"]\n"
                       "template = \"b.mustache\"\nanswer = \"x\"\n" +
                       std::string(kTail))
                .find("no fallback topic"),
            std::string::npos);
  EXPECT_EQ(load_error(base +
                       "[[topic]]\nid = \"other\"\nlabel = \"O\"\n"
                       "template = \"o.mustache\"\nanswer = \"x\"\n" +
                       kTail),
            "st.toml:6: topic 'other' has no keywords, but 'general' is already the fallback "
            "topic (only one may have no keywords)");
  EXPECT_EQ(load_error(base +
                       "[[topic]]\nid = \"general\"\nlabel = \"O\"\nkeywords = [\"a\"]\n"
                       "template = \"o.mustache\"\nanswer = \"x\"\n" +
                       kTail),
            "st.toml:7: key 'id': duplicate topic id 'general'");
  const std::string risk = "[[risk]]\nid = \"legal\"\nlabel = \"Legal\"\nkeywords = [\"sue\"]\n";
  EXPECT_EQ(load_error(base + risk + risk + kTail),
            "st.toml:11: key 'id': duplicate risk id 'legal'");
  EXPECT_EQ(
      load_error(base + "[[risk]]\nid = \"vip\"\nlabel = \"V\"\nkeywords = [\"x\"]\n" + kTail),
      "st.toml:7: key 'id': 'vip' is reserved for the [vip] list; choose another id");
  EXPECT_EQ(load_error(base + "[[risk]]\nid = \"legal\"\nlabel = \"Legal\"\n" + kTail),
            "st.toml:6: key 'keywords': missing (required)");
  EXPECT_EQ(load_error(base + "[vip]\nsenders = [\"not-an-address\"]\n" + kTail),
            "st.toml:7: key 'senders': 'not-an-address' is not an email address (e.g. "
            "\"ceo@bigco.example\")");
  EXPECT_EQ(load_error(base + "[vip]\ndomains = [\"*.bigco.example\"]\n" + kTail),
            "st.toml:7: key 'domains': '*.bigco.example' is not a domain (e.g. "
            "\"bigco.example\")");
}

TEST(SupportTriageRulesErrors, EscalationAndReply) {
  const std::string base(kTopic);
  EXPECT_EQ(load_error(base + "[reply]\nsignature = \"Team\"\n")
                .rfind("st.toml:1: key 'escalation': missing", 0),
            0u);
  EXPECT_EQ(load_error(base + "[escalation]\nrole = 5\n[reply]\nsignature = \"T\"\n"),
            "st.toml:7: key 'role': expected a string");
  EXPECT_EQ(load_error(base + "[escalation]\nrole = \"on-call\"\n")
                .rfind("st.toml:1: key 'reply': missing", 0),
            0u);
  EXPECT_EQ(load_error(base + "[escalation]\nrole = \"on-call\"\n[reply]\napprover_role = \"s\"\n"),
            "st.toml:8: key 'signature': missing (required)");
  EXPECT_EQ(load_error(base + kTail + "quote_max_chars = 5\n"),
            "st.toml:10: key 'quote_max_chars': must be between 100 and 20000");
  EXPECT_EQ(load_error(base + kTail + "quote_max_chars = \"many\"\n"),
            "st.toml:10: key 'quote_max_chars': expected a whole number");
  EXPECT_EQ(load_error(base + kTail + "strip_prefixes = [\"re fw\"]\n"),
            "st.toml:10: key 'strip_prefixes': 're fw' is not a prefix word (e.g. \"re\", "
            "\"fwd\")");
  EXPECT_EQ(load_error(base + kTail + "signatur = \"typo\"\n")
                .rfind("st.toml:10: key 'signatur': unknown key", 0),
            0u);
  EXPECT_EQ(load_error(base + kTail + "extra = 1\n").rfind("st.toml:10: key 'extra'", 0), 0u);
  EXPECT_EQ(load_error(base + "[escalation\nrole = \"x\"\n").rfind("st.toml:6: ", 0), 0u);
  // Prefixes written with a colon mean the same.
  auto r =
      TriageRules::load_string(base + kTail + "strip_prefixes = [\"Re:\", \"SV\"]\n", "st.toml");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->strip_prefixes, (std::vector<std::string>{"re", "sv"}));
  EXPECT_EQ(reply_subject(*r, "SV: RE: Hej"), "Re: Hej");
  EXPECT_EQ(reply_subject(*r, "Fwd: Hej"), "Re: Fwd: Hej");
}

// load_config with files written into a temporary folder.
class SupportTriageConfigFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("steward-triage-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ / "rules");
    std::filesystem::create_directories(dir_ / "templates");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void write(const std::filesystem::path& rel, std::string_view text) {
    std::ofstream(dir_ / rel, std::ios::binary) << text;
  }
  Expected<SupportTriageConfig> load(std::string support = "C_S") {
    return load_config(dir_ / "rules", dir_ / "templates", std::move(support), "", "Acme");
  }
  std::filesystem::path dir_;
};

TEST_F(SupportTriageConfigFiles, ErrorsNameTheFile) {
  auto missing = load();
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::kNotFound);
  EXPECT_EQ(missing.error().message,
            (dir_ / "rules" / "support-triage.toml").string() + ": file not found");

  write("rules/support-triage.toml", std::string(kTopic) + kTail + "colour = 1\n");
  auto bad = load();
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::kInvalidInput);
  EXPECT_EQ(bad.error().message.rfind(
                (dir_ / "rules" / "support-triage.toml").string() + ":10: key 'colour'", 0),
            0u)
      << bad.error().message;

  write("rules/support-triage.toml", std::string(kTopic) + kTail);
  auto no_tmpl = load();
  ASSERT_FALSE(no_tmpl);
  EXPECT_EQ(no_tmpl.error().code, Errc::kNotFound);
  EXPECT_EQ(no_tmpl.error().message,
            (dir_ / "templates" / "g.mustache").string() + ": file not found");

  write("templates/g.mustache", "Hi {{first_name}\n");
  auto broken = load();
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().code, Errc::kInvalidInput);
  EXPECT_EQ(broken.error().message.rfind(
                (dir_ / "templates" / "g.mustache").string() + ": template error: ", 0),
            0u)
      << broken.error().message;

  write("templates/g.mustache", "Hi {{first_name}},\n\n{{answer}}\n\n{{signature}}\n");
  auto ok = load();
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->escalation_channel, "C_S");
  auto no_channel = load("  ");
  ASSERT_FALSE(no_channel);
  EXPECT_EQ(no_channel.error().code, Errc::kInvalidInput);

  // The minimal set-up handles a ticket end to end.
  SupportTriage agent(std::move(*ok));
  FakeContext ctx;
  Mail m;
  auto plan = agent.handle(email_event(m), ctx);
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_EQ(kinds(*plan),
            (std::vector<std::string>{"slack.post", "email.send", "ticket.classify"}));
  EXPECT_EQ(str(plan->actions[1].fields.at("text")), "Hi Jane,\n\nWe will answer.\n\nTeam\n");
}

TEST(SupportTriageConfig, ShippedFilesLoad) {
  auto cfg = load_config(kRules, kTemplates, "C_SUPPORT", "C_ONCALL", "Acme Ltd");
  ASSERT_TRUE(cfg) << cfg.error().message;
  EXPECT_EQ(cfg->templates.size(), cfg->rules.topics.size());
  EXPECT_EQ(cfg->support_channel, "C_SUPPORT");
  EXPECT_EQ(cfg->escalation_channel, "C_ONCALL");
  auto missing_tmpl = load_config(kRules, "/nonexistent", "C", "", "A");
  ASSERT_FALSE(missing_tmpl);
  EXPECT_EQ(missing_tmpl.error().code, Errc::kNotFound);
  EXPECT_NE(missing_tmpl.error().message.find("support-reply-"), std::string::npos);
}

}  // namespace
}  // namespace steward::agents::support
