// Decision rights over the SHIPPED policies/rules/decision-rights.toml, plus load errors.

#include "policies/engine/decision_rights.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace steward::policies {
namespace {

const std::string kRulesFile = STEWARD_SOURCE_DIR "/policies/rules/decision-rights.toml";

Vars shipped_vars() {
  Vars v;
  v.values["slack.sales_channel"] = {"C_SALES"};
  v.values["slack.support_channel"] = {"C_SUPPORT"};
  v.values["slack.escalation_channel"] = {"C_ESCALATE"};
  v.values["company.domains"] = {"acme.example"};
  return v;
}

/// The trace line of rule `id` ("" when the rule was not tried).
std::string line_of(const Decision& d, std::string_view id) {
  for (const auto& t : d.trace)
    if (t.rfind(std::string(id) + ":", 0) == 0) return t;
  return {};
}

DecisionRights shipped() {
  auto r = DecisionRights::load_file(kRulesFile, shipped_vars());
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
  if (!r) std::abort();
  return *r;
}

Action make(std::string kind, std::string_view fields_json, std::string summary = "") {
  Action a;
  a.kind = std::move(kind);
  a.fields = boost::json::parse(fields_json).as_object();
  a.summary = std::move(summary);
  return a;
}

boost::json::object facts(std::string_view j = "{}") { return boost::json::parse(j).as_object(); }

TEST(ShippedDecisionRights, LoadsSevenRules) {
  auto r = shipped();
  EXPECT_EQ(r.size(), 7u);
  EXPECT_EQ(r.label(), "decision-rights.toml");
}

TEST(ShippedDecisionRights, PostToSalesChannelIsAllowed) {
  auto d = shipped().decide(make("slack.post", R"({"channel":"C_SALES","text":"hi"})"), facts());
  EXPECT_EQ(d.verdict, Verdict::kAllow);
  EXPECT_EQ(d.rule, "decision-rights.toml#sales-channel-posts");
  ASSERT_EQ(d.trace.size(), 3u);
  EXPECT_EQ(d.trace[0], "pipeline-updates: action kind does not match");
  EXPECT_EQ(d.trace[1], "ticket-records: action kind does not match");
  EXPECT_EQ(d.trace[2], "sales-channel-posts: matched → allow");
  EXPECT_TRUE(d.approvers.empty());
}

TEST(ShippedDecisionRights, PostElsewhereFallsToDefaultDeny) {
  auto d = shipped().decide(make("slack.post", R"({"channel":"C_RANDOM","text":"hi"})"), facts());
  EXPECT_EQ(d.verdict, Verdict::kDeny);
  EXPECT_EQ(d.rule, "decision-rights.toml#<default-deny>");
  EXPECT_EQ(d.reason, "no rule matched; the default is deny");
  ASSERT_GE(d.trace.size(), 4u);
  EXPECT_EQ(d.trace[2], "sales-channel-posts: channel 'C_RANDOM' is not 'C_SALES'");
  EXPECT_EQ(line_of(d, "support-channel-posts"),
            "support-channel-posts: channel 'C_RANDOM' is not in [C_SUPPORT, C_ESCALATE]");
  EXPECT_EQ(line_of(d, "mention-replies"), "mention-replies: event.kind is missing");
  EXPECT_EQ(line_of(d, "external-email"), "external-email: action kind does not match");
}

TEST(ShippedDecisionRights, MentionIsAnsweredInItsThreadOnly) {
  auto r = shipped();
  auto mention = facts(R"({"event":{"kind":"slack.mention","source":"slack"}})");
  auto in_thread = r.decide(
      make("slack.post", R"({"channel":"C_RANDOM","thread_ts":"1700.1","text":"help"})"), mention);
  EXPECT_EQ(in_thread.verdict, Verdict::kAllow);
  EXPECT_EQ(in_thread.rule, "decision-rights.toml#mention-replies");
  // Not in a thread, or not caused by a mention: the channel is not Steward's to post in.
  auto top_level = r.decide(make("slack.post", R"({"channel":"C_RANDOM","text":"help"})"), mention);
  EXPECT_EQ(top_level.verdict, Verdict::kDeny);
  EXPECT_EQ(line_of(top_level, "mention-replies"), "mention-replies: thread_ts is missing");
  auto other =
      r.decide(make("slack.post", R"({"channel":"C_RANDOM","thread_ts":"1700.1","text":"x"})"),
               facts(R"({"event":{"kind":"form.submitted"}})"));
  EXPECT_EQ(other.verdict, Verdict::kDeny);
}

TEST(ShippedDecisionRights, TicketRecordRunsAlone) {
  auto d = shipped().decide(
      make("ticket.classify", R"({"conversation_id":"cv_1","topic":"billing","risk":["legal"]})"),
      facts(R"({"ticket":{"conversation_id":"cv_1","risky":true}})"));
  EXPECT_EQ(d.verdict, Verdict::kAllow);
  EXPECT_EQ(d.rule, "decision-rights.toml#ticket-records");
  EXPECT_TRUE(d.approvers.empty());
}

TEST(ShippedDecisionRights, SupportAndEscalationPostsAreAllowed) {
  auto r = shipped();
  for (const char* ch : {"C_SUPPORT", "C_ESCALATE"}) {
    auto d = r.decide(make("slack.post", std::string(R"({"channel":")") + ch + R"("})"), facts());
    EXPECT_EQ(d.verdict, Verdict::kAllow) << ch;
    EXPECT_EQ(d.rule, "decision-rights.toml#support-channel-posts");
  }
}

TEST(ShippedDecisionRights, ReplyToATicketAsksSupportFor8h) {
  auto d = shipped().decide(make("email.send", R"({"to":"ann@customer.example"})"),
                            facts(R"({"ticket":{"conversation_id":"cv_1","topic":"billing"}})"));
  EXPECT_EQ(d.verdict, Verdict::kAsk);
  EXPECT_EQ(d.rule, "decision-rights.toml#support-replies");
  EXPECT_EQ(d.approvers, std::vector<std::string>{"role:support"});
  EXPECT_EQ(d.expires_after, std::chrono::hours(8));
  EXPECT_EQ(d.on_expiry, "reject");
  // Without a ticket (a lead follow-up) the director rule still decides.
  auto lead = shipped().decide(make("email.send", R"({"to":"ann@customer.example"})"), facts());
  EXPECT_EQ(lead.rule, "decision-rights.toml#external-email");
}

TEST(ShippedDecisionRights, ExternalEmailAsksDirectorFor24h) {
  auto d = shipped().decide(
      make("email.send", R"({"to":"bob@customer.example","subject":"s","text":"t"})"), facts());
  EXPECT_EQ(d.verdict, Verdict::kAsk);
  EXPECT_EQ(d.rule, "decision-rights.toml#external-email");
  EXPECT_EQ(d.approvers, std::vector<std::string>{"role:director"});
  EXPECT_EQ(d.expires_after, std::chrono::hours(24));
  EXPECT_EQ(d.on_expiry, "reject");
  EXPECT_FALSE(d.reason.empty());
  EXPECT_EQ(d.trace.back(), "external-email: matched → ask");
}

TEST(ShippedDecisionRights, InternalEmailIsDenied) {
  auto d = shipped().decide(make("email.send", R"({"to":"ann@acme.example"})"), facts());
  EXPECT_EQ(d.verdict, Verdict::kDeny);
  EXPECT_EQ(d.rule, "decision-rights.toml#<default-deny>");
  EXPECT_EQ(line_of(d, "external-email"),
            "external-email: to.domain 'acme.example' is in [acme.example]");
}

TEST(ShippedDecisionRights, DisplayNameAndCaseAreHandled) {
  auto r = shipped();
  auto ext = r.decide(make("email.send", R"({"to":"Bob Buyer <Bob@Customer.Example>"})"), facts());
  EXPECT_EQ(ext.verdict, Verdict::kAsk);
  auto internal =
      r.decide(make("email.send", R"({"to":"\"Doe, Ann\" <ann@ACME.example>"})"), facts());
  EXPECT_EQ(internal.verdict, Verdict::kDeny);
  EXPECT_EQ(line_of(internal, "external-email"),
            "external-email: to.domain 'acme.example' is in [acme.example]");
}

TEST(ShippedDecisionRights, MixedRecipientsCountAsExternal) {
  auto d = shipped().decide(
      make("email.send", R"({"to":"ann@acme.example, bob@customer.example"})"), facts());
  EXPECT_EQ(d.verdict, Verdict::kAsk);
}

TEST(ShippedDecisionRights, MissingOrBrokenRecipientIsDenied) {
  auto r = shipped();
  auto none = r.decide(make("email.send", R"({"subject":"x"})"), facts());
  EXPECT_EQ(none.verdict, Verdict::kDeny);
  EXPECT_EQ(line_of(none, "external-email"), "external-email: to.domain is missing");
  auto broken = r.decide(make("email.send", R"({"to":"not-an-address"})"), facts());
  EXPECT_EQ(broken.verdict, Verdict::kDeny);
}

TEST(ShippedDecisionRights, PipelineUpsertIsAllowed) {
  auto d = shipped().decide(make("pipeline.upsert", R"({"email":"jane@x.example"})"), facts());
  EXPECT_EQ(d.verdict, Verdict::kAllow);
  EXPECT_EQ(d.rule, "decision-rights.toml#pipeline-updates");
  EXPECT_EQ(d.reason, "Steward's own record of the lead in the built-in pipeline.");
}

TEST(ShippedDecisionRights, UnknownActionIsDenied) {
  auto d = shipped().decide(make("crm.delete", R"({})"), facts());
  EXPECT_EQ(d.verdict, Verdict::kDeny);
  EXPECT_EQ(d.trace.size(), 8u);  // seven rules + the default
}

TEST(ShippedDecisionRights, ExplainMentionsEveryRuleAndTheDecision) {
  auto text = shipped().explain(
      make("email.send", R"({"to":"bob@customer.example"})", "Follow-up email to bob"), facts());
  EXPECT_NE(text.find("email.send — Follow-up email to bob"), std::string::npos) << text;
  EXPECT_NE(text.find("pipeline-updates"), std::string::npos) << text;
  EXPECT_NE(text.find("sales-channel-posts"), std::string::npos) << text;
  EXPECT_NE(text.find("external-email"), std::string::npos) << text;
  EXPECT_NE(text.find("to.domain 'customer.example' is not in [acme.example]"), std::string::npos)
      << text;
  EXPECT_NE(text.find("Decided by: decision-rights.toml#external-email"), std::string::npos);
  EXPECT_NE(text.find("Verdict: ask"), std::string::npos);
  EXPECT_NE(text.find("Approvers: role:director"), std::string::npos);
  EXPECT_NE(text.find("Expires after: 24h, then reject"), std::string::npos) << text;
}

TEST(ShippedDecisionRights, ExplainShowsFailingConditionAndDefault) {
  auto text = shipped().explain(make("slack.post", R"({"channel":"C_OTHER"})"), facts());
  EXPECT_NE(text.find("✗ channel 'C_OTHER' is not 'C_SALES'"), std::string::npos) << text;
  EXPECT_NE(text.find("No rule matched."), std::string::npos) << text;
  EXPECT_NE(text.find("Decided by: decision-rights.toml#<default-deny>"), std::string::npos);
  EXPECT_NE(text.find("Verdict: deny"), std::string::npos);
}

TEST(ShippedDecisionRights, SeveralCompanyDomains) {
  Vars v = shipped_vars();
  v.values["company.domains"] = {"acme.example", "acme-group.example"};
  auto r = DecisionRights::load_file(kRulesFile, v);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->decide(make("email.send", R"({"to":"x@acme-group.example"})"), facts()).verdict,
            Verdict::kDeny);
  EXPECT_EQ(r->decide(make("email.send", R"({"to":"x@other.example"})"), facts()).verdict,
            Verdict::kAsk);
}

TEST(ShippedDecisionRights, MissingVariableIsALoadErrorNamingTheLine) {
  Vars v;
  v.values["company.domains"] = {"acme.example"};
  auto r = DecisionRights::load_file(kRulesFile, v);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kInvalidInput);
  EXPECT_NE(r.error().message.find("decision-rights.toml:"), std::string::npos);
  EXPECT_NE(r.error().message.find("${slack.sales_channel}"), std::string::npos)
      << r.error().message;
}

TEST(ShippedDecisionRights, ConcurrentDecisionsAgree) {
  const auto r = shipped();
  const auto ext = make("email.send", R"({"to":"bob@customer.example"})");
  const auto post = make("slack.post", R"({"channel":"c_sales"})");
  std::vector<std::thread> threads;
  std::vector<int> wrong(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        if (r.decide(ext, facts()).verdict != Verdict::kAsk) ++wrong[t];
        if (r.decide(post, facts()).verdict != Verdict::kAllow) ++wrong[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong, std::vector<int>(4, 0));
}

TEST(DecisionRightsFile, MissingFileIsNotFound) {
  auto r = DecisionRights::load_file("/nonexistent/decision-rights.toml", {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kNotFound);
}

// ---- rules written inline ----

Expected<DecisionRights> load(std::string_view text, Vars vars = {}) {
  return DecisionRights::load_string(text, "t.toml", vars);
}

Verdict verdict_of(const DecisionRights& r, const Action& a, std::string_view f = "{}") {
  return r.decide(a, facts(f)).verdict;
}

TEST(DecisionRightsRules, FirstMatchWins) {
  auto r = load(R"(
[[rule]]
id = "deny-big"
action = "crm.update"
when = { "deal.amount" = { gte = 100000 } }
decide = "deny"
[[rule]]
id = "allow-all-crm"
action = "crm.*"
decide = "allow"
)");
  ASSERT_TRUE(r) << r.error().message;
  auto big = r->decide(make("crm.update", R"({"deal":{"amount":250000}})"), facts());
  EXPECT_EQ(big.verdict, Verdict::kDeny);
  EXPECT_EQ(big.rule, "t.toml#deny-big");
  EXPECT_EQ(big.trace.size(), 1u);
  auto small = r->decide(make("crm.update", R"({"deal":{"amount":500}})"), facts());
  EXPECT_EQ(small.verdict, Verdict::kAllow);
  EXPECT_EQ(small.rule, "t.toml#allow-all-crm");
  EXPECT_EQ(small.trace[0], "deny-big: deal.amount 500 < 100000");
  // The prefix pattern covers crm.x but not "crm" itself or "crmx.y".
  EXPECT_EQ(verdict_of(*r, make("crm.delete", "{}")), Verdict::kAllow);
  EXPECT_EQ(verdict_of(*r, make("crmx.delete", "{}")), Verdict::kDeny);
  EXPECT_EQ(verdict_of(*r, make("crm", "{}")), Verdict::kDeny);
}

TEST(DecisionRightsRules, StarMatchesEveryKind) {
  auto r = load(R"(
[[rule]]
id = "everything"
action = "*"
decide = "deny"
reason = "Read-only mode."
)");
  ASSERT_TRUE(r) << r.error().message;
  auto d = r->decide(make("slack.post", "{}"), facts());
  EXPECT_EQ(d.rule, "t.toml#everything");
  EXPECT_EQ(d.reason, "Read-only mode.");
}

TEST(DecisionRightsRules, FactsAndActionKindAreVisible) {
  auto r = load(R"(
[[rule]]
id = "hot-leads"
action = "*"
when = { "lead.score" = { gte = 70 }, "action.kind" = "email.send", "event.source" = "forms" }
decide = "ask"
approvers = ["person:U0123", "role:sales"]
expires_after = "30m"
on_expiry = "escalate"
)");
  ASSERT_TRUE(r) << r.error().message;
  auto a = make("email.send", R"({"to":"x@y.example"})");
  auto d = r->decide(a, facts(R"({"lead":{"score":85},"event":{"source":"FORMS"}})"));
  EXPECT_EQ(d.verdict, Verdict::kAsk);
  EXPECT_EQ(d.approvers, (std::vector<std::string>{"person:U0123", "role:sales"}));
  EXPECT_EQ(d.expires_after, std::chrono::minutes(30));
  EXPECT_EQ(d.on_expiry, "escalate");
  EXPECT_EQ(verdict_of(*r, a, R"({"lead":{"score":69.5},"event":{"source":"forms"}})"),
            Verdict::kDeny);
  EXPECT_EQ(verdict_of(*r, make("slack.post", "{}"),
                       R"({"lead":{"score":85},"event":{"source":"forms"}})"),
            Verdict::kDeny);
}

TEST(DecisionRightsRules, ActionFieldsWinOverFacts) {
  auto r = load(R"(
[[rule]]
id = "r"
action = "*"
when = { channel = "C1" }
decide = "allow"
)");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(verdict_of(*r, make("slack.post", R"({"channel":"C2"})"), R"({"channel":"C1"})"),
            Verdict::kDeny);
  EXPECT_EQ(verdict_of(*r, make("slack.post", R"({})"), R"({"channel":"C1"})"), Verdict::kAllow);
}

TEST(DecisionRightsRules, VariableInsideLongerStringAndApprovers) {
  Vars v;
  v.values["people.ceo"] = {"U999"};
  v.values["roles"] = {"role:director", "role:finance"};
  auto r = load(R"(
[[rule]]
id = "r"
action = "email.send"
when = { subject = { matches = "^Invoice for ${people.ceo}$" } }
decide = "ask"
approvers = ["person:${people.ceo}", "${roles}"]
)",
                v);
  ASSERT_TRUE(r) << r.error().message;
  auto d = r->decide(make("email.send", R"({"subject":"invoice FOR u999"})"), facts());
  EXPECT_EQ(d.verdict, Verdict::kAsk);
  EXPECT_EQ(d.approvers,
            (std::vector<std::string>{"person:U999", "role:director", "role:finance"}));
  EXPECT_EQ(d.expires_after.count(), 0);
}

// ---- load errors: FILE:LINE: key 'x': what ----

void expect_load_error(std::string_view text, std::string_view expected_prefix,
                       std::string_view expected_part, Vars vars = {}) {
  auto r = load(text, std::move(vars));
  ASSERT_FALSE(r) << "loaded but should not:\n" << text;
  EXPECT_EQ(r.error().code, Errc::kInvalidInput);
  EXPECT_EQ(r.error().message.rfind(expected_prefix, 0), 0u) << r.error().message;
  EXPECT_NE(r.error().message.find(expected_part), std::string::npos) << r.error().message;
}

TEST(DecisionRightsErrors, UnknownKeyInRule) {
  expect_load_error(R"([[rule]]
id = "a"
action = "slack.post"
decide = "allow"
quorum = 2
)",
                    "t.toml:5: key 'quorum': ", "unknown key");
}

TEST(DecisionRightsErrors, UnknownTopLevelKey) {
  expect_load_error("[[rules]]\nid = \"a\"\n", "t.toml:1: key 'rules': ", "unknown key");
}

TEST(DecisionRightsErrors, WrongTypes) {
  expect_load_error("[[rule]]\nid = 5\naction = \"x\"\ndecide = \"allow\"\n",
                    "t.toml:2: key 'id': ", "expected a string");
  expect_load_error("[[rule]]\nid = \"a\"\naction = \"x\"\ndecide = \"maybe\"\n",
                    "t.toml:4: key 'decide': ", "\"allow\", \"ask\" or \"deny\"");
  expect_load_error(
      "[[rule]]\nid = \"a\"\naction = \"x\"\ndecide = \"ask\"\napprovers = \"role:x\"\n",
      "t.toml:5: key 'approvers': ", "list of strings");
  expect_load_error(
      "[[rule]]\nid = \"a\"\naction = \"x\"\nwhen = { amount = { gte = \"lots\" } }\n"
      "decide = \"allow\"\n",
      "t.toml:4: key 'amount.gte': ", "not a number");
  expect_load_error("[[rule]]\nid = \"a\"\naction = \"x\"\nwhen = \"always\"\ndecide = \"allow\"\n",
                    "t.toml:4: key 'when': ", "table of conditions");
  expect_load_error("rule = 3\n", "t.toml:1: key 'rule': ", "[[rule]]");
}

TEST(DecisionRightsErrors, MissingId) {
  expect_load_error("\n[[rule]]\naction = \"x\"\ndecide = \"allow\"\n",
                    "t.toml:2: key 'id': ", "missing");
}

TEST(DecisionRightsErrors, DuplicateId) {
  expect_load_error(R"([[rule]]
id = "a"
action = "x"
decide = "allow"

[[rule]]
id = "a"
action = "y"
decide = "deny"
)",
                    "t.toml:7: key 'id': ", "duplicate rule id 'a' (first used at line 1)");
}

TEST(DecisionRightsErrors, BadRegex) {
  expect_load_error(
      "[[rule]]\nid = \"a\"\naction = \"x\"\nwhen = { subject = { matches = \"(unclosed\" } }\n"
      "decide = \"allow\"\n",
      "t.toml:4: key 'subject.matches': ", "bad regular expression");
}

TEST(DecisionRightsErrors, UnknownVariable) {
  expect_load_error(
      "[[rule]]\nid = \"a\"\naction = \"x\"\n\nwhen = { channel = \"${slack.nope}\" }\n"
      "decide = \"allow\"\n",
      "t.toml:5: key 'channel': ", "unknown variable ${slack.nope}");
  expect_load_error(
      "[[rule]]\nid = \"a\"\naction = \"x\"\nwhen = { d = { in = [\"${nope}\"] } }\n"
      "decide = \"allow\"\n",
      "t.toml:4: key 'd.in': ", "unknown variable ${nope}");
}

TEST(DecisionRightsErrors, MultiValuedVariableAsScalar) {
  Vars v;
  v.values["company.domains"] = {"a.example", "b.example"};
  expect_load_error(
      "[[rule]]\nid = \"a\"\naction = \"x\"\nwhen = { d = \"${company.domains}\" }\n"
      "decide = \"allow\"\n",
      "t.toml:4: key 'd': ", "has 2 values", v);
}

TEST(DecisionRightsErrors, AskWithoutApprovers) {
  expect_load_error("[[rule]]\nid = \"a\"\naction = \"x\"\ndecide = \"ask\"\n",
                    "t.toml:1: key 'approvers': ", "required");
  expect_load_error("[[rule]]\nid = \"a\"\naction = \"x\"\ndecide = \"ask\"\napprovers = []\n",
                    "t.toml:1: key 'approvers': ", "required");
}

TEST(DecisionRightsErrors, AskOnlyKeysOnOtherVerdicts) {
  expect_load_error(
      "[[rule]]\nid = \"a\"\naction = \"x\"\ndecide = \"allow\"\nexpires_after = \"1h\"\n",
      "t.toml:5: key 'expires_after': ", "only allowed when decide = \"ask\"");
}

TEST(DecisionRightsErrors, BadApproverDurationExpiryAndPattern) {
  expect_load_error(
      "[[rule]]\nid = \"a\"\naction = \"x\"\ndecide = \"ask\"\napprovers = [\"director\"]\n",
      "t.toml:5: key 'approvers': ", "role:NAME");
  expect_load_error(
      "[[rule]]\nid = \"a\"\naction = \"x\"\ndecide = \"ask\"\napprovers = [\"role:d\"]\n"
      "expires_after = \"tomorrow\"\n",
      "t.toml:6: key 'expires_after': ", "duration");
  expect_load_error(
      "[[rule]]\nid = \"a\"\naction = \"x\"\ndecide = \"ask\"\napprovers = [\"role:d\"]\n"
      "on_expiry = \"ignore\"\n",
      "t.toml:6: key 'on_expiry': ", "\"reject\" or \"escalate\"");
  expect_load_error("[[rule]]\nid = \"a\"\naction = \"sl*ck\"\ndecide = \"allow\"\n",
                    "t.toml:3: key 'action': ", "prefix");
}

TEST(DecisionRightsErrors, UnknownOperatorAndUnquotedDottedField) {
  expect_load_error(
      "[[rule]]\nid = \"a\"\naction = \"x\"\nwhen = { to = { nott_in = [\"a\"] } }\n"
      "decide = \"allow\"\n",
      "t.toml:4: key 'to.nott_in': ", "unknown operator");
  expect_load_error(
      "[[rule]]\nid = \"a\"\naction = \"x\"\nwhen = { to.domain = { not_in = [\"a\"] } }\n"
      "decide = \"allow\"\n",
      "t.toml:4: key 'to.domain': ", "quote dotted field names");
}

TEST(DecisionRightsErrors, SyntaxErrorNamesLine) {
  expect_load_error("[[rule]]\nid = \"a\"\naction = \n", "t.toml:3: ", "");
}

TEST(DecisionRightsRules, EmptyFileDeniesEverything) {
  auto r = load("# nothing allowed yet\n");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->size(), 0u);
  auto d = r->decide(make("pipeline.upsert", "{}"), facts());
  EXPECT_EQ(d.verdict, Verdict::kDeny);
  EXPECT_EQ(d.rule, "t.toml#<default-deny>");
}

// Issue 9 (5): who sees the whole list of pending approvals is written next to the rules.
TEST(DecisionRightsVisibility, ShippedFileLetsDirectorsSeeEveryApproval) {
  EXPECT_EQ(shipped().see_all_approvals(), std::vector<std::string>{"role:director"});
}

TEST(DecisionRightsVisibility, ParsedCheckedAndOptional) {
  const std::string rule = "[[rule]]\nid = \"a\"\naction = \"slack.post\"\ndecide = \"allow\"\n";
  auto none = DecisionRights::load_string(rule, "t.toml", Vars{});
  ASSERT_TRUE(none) << none.error().message;
  EXPECT_TRUE(none->see_all_approvals().empty());
  EXPECT_EQ(none->size(), 1u);

  auto some = DecisionRights::load_string(
      "[visibility]\nall_approvals = [\"role:director\", \"person:U0OPS\"]\n" + rule, "t.toml",
      Vars{});
  ASSERT_TRUE(some) << some.error().message;
  EXPECT_EQ(some->see_all_approvals(), (std::vector<std::string>{"role:director", "person:U0OPS"}));
  EXPECT_EQ(some->size(), 1u);

  auto bad = DecisionRights::load_string("[visibility]\nall_approvals = [\"director\"]\n" + rule,
                                         "t.toml", Vars{});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("t.toml:2"), std::string::npos) << bad.error().message;
  EXPECT_NE(bad.error().message.find("role:NAME"), std::string::npos) << bad.error().message;
  auto unknown =
      DecisionRights::load_string("[visibility]\nall_tickets = []\n" + rule, "t.toml", Vars{});
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("all_tickets"), std::string::npos)
      << unknown.error().message;
  auto not_table = DecisionRights::load_string("visibility = 1\n" + rule, "t.toml", Vars{});
  ASSERT_FALSE(not_table);
}

}  // namespace
}  // namespace steward::policies
