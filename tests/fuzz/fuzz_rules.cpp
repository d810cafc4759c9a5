// The rules files: policies::DecisionRights::load_string (decision-rights.toml),
// policies::Routing::load_string (routing.toml), agents::lead::ScoringRules::load_string
// (lead-scoring.toml) and agents::support::TriageRules::load_string (support-triage.toml), all
// over the same input (each refuses the others' keys quickly). Whatever loads is then used on
// fixed, short sample values: decide()/explain() on typical actions, route()/explain() on
// typical events, score() on a lead, classify()/reply_subject()/quote_text() on a ticket.
// The samples that `when` conditions can test stay short (at most 13 characters) on purpose: a
// `matches` regex is operator-written, and libstdc++'s backtracking matcher is exponential in
// the value's length for patterns such as "(a*)*b"; that is a property of std::regex, not a
// bug this target should report as a hang.
//
// Input: the TOML text.
//
// Invariants: load errors are kInvalidInput and start with the label; a decision always names a
// rule starting with the label; ask decisions have approvers and others none; a route names its
// agent; a score's total is the sum of its lines and its stage follows the thresholds; a
// classification's topic is one of the loaded topics.

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "agents/lead_qualifier/scoring.hpp"
#include "agents/support_triage/rules.hpp"
#include "bot/core/action.hpp"
#include "bot/core/event.hpp"
#include "policies/engine/decision_rights.hpp"
#include "policies/engine/routing.hpp"
#include "tests/fuzz/fuzz_util.hpp"

namespace {

using namespace steward;
namespace bj = boost::json;

const policies::Vars& vars() {
  static const policies::Vars kVars = [] {
    policies::Vars v;
    v.values["slack.sales_channel"] = {"C0SALES"};
    v.values["slack.approvals_channel"] = {"C0APPROVALS"};
    v.values["slack.support_channel"] = {"C0SUPPORT"};
    v.values["slack.escalation_channel"] = {"C0ESCALATE"};
    v.values["company.domains"] = {"acme.example", "acme.io"};
    v.values["company.name"] = {"Acme Ltd"};
    return v;
  }();
  return kVars;
}

void check_load_error(const Error& e, std::string_view label) {
  fuzz::require(e.code == Errc::kInvalidInput, "rules load error is not invalid_input");
  fuzz::require(e.message.rfind(std::string(label), 0) == 0, "rules load error without label");
}

void decision_rights(std::string_view text) {
  auto rights = policies::DecisionRights::load_string(text, "decision-rights.toml", vars());
  if (!rights) return check_load_error(rights.error(), "decision-rights.toml");
  static const std::vector<Action> kActions = {
      {"email.send", bj::object{{"to", "Jo <j@Cu.io>"}, {"subject", "Hi"}, {"text", "Hello"}},
       "reply"},
      {"email.send", bj::object{{"to", "a@acme.io, b@x.io"}, {"subject", "S"}}, ""},
      {"slack.post", bj::object{{"channel", "C0SALES"}, {"text", "lead"}}, ""},
      {"pipeline.upsert", bj::object{{"email", "x@y.io"}, {"score", 80}}, ""},
      {"memory.write", bj::object{}, ""},
  };
  static const bj::object kFacts = {
      {"lead", bj::object{{"score", 80}, {"stage", "hot"}}},
      {"event", bj::object{{"source", "forms"}, {"kind", "form.submitted"}}},
      {"actor", bj::object{{"roles", bj::array{"director", "sales"}}}},
  };
  for (const auto& action : kActions) {
    Decision d = rights->decide(action, kFacts);
    fuzz::require(d.rule.rfind("decision-rights.toml#", 0) == 0, "decision without rule");
    if (d.verdict == Verdict::kAsk)
      fuzz::require(!d.approvers.empty(), "ask without approvers");
    else
      fuzz::require(d.approvers.empty(), "approvers on allow/deny");
    fuzz::require(d.expires_after.count() >= 0, "negative expiry");
    (void)rights->explain(action, kFacts);
  }
}

void routing(std::string_view text) {
  auto routes = policies::Routing::load_string(text, "routing.toml", vars());
  if (!routes) return check_load_error(routes.error(), "routing.toml");
  std::vector<Event> events(3);
  events[0].source = "forms";
  events[0].kind = "form.submitted";
  events[0].actor = "j@cu.io";
  events[0].payload = {{"form", "website"},
                       {"fields", bj::object{{"email", "j@cu.io"}, {"employees", 250}}}};
  events[1].source = "slack";
  events[1].kind = "slack.mention";
  events[1].actor = "U0DANA";
  events[1].payload = {{"channel", "C0SALES"}, {"text", "brief"}};
  events[2].source = "email";
  events[2].kind = "email.received";
  events[2].actor = "b@cl.io";
  events[2].payload = {{"to", bj::array{"s@acme.io"}}, {"subject", "Invoice"}};
  for (const auto& ev : events) {
    if (auto m = routes->route(ev)) {
      fuzz::require(!m->agent.empty() && !m->route_id.empty(), "route without agent or id");
      fuzz::require(m->rule == "routing.toml#" + m->route_id, "route rule label");
    }
    (void)routes->explain(ev);
  }
}

void scoring(std::string_view text) {
  auto rules = agents::lead::ScoringRules::load_string(text, "lead-scoring.toml");
  if (!rules) return check_load_error(rules.error(), "lead-scoring.toml");
  fuzz::require(rules->hot > rules->warm, "hot threshold not above warm");
  static const std::vector<bj::object> kLeads = {
      {{"name", "Jane"},
       {"email", "jane@Customer.example"},
       {"company", "Customer Ltd"},
       {"employees", 850},
       {"budget", "$50,000"},
       {"message", "We want to buy soon"}},
      {{"email", "x@gmail.com"}, {"employees_text", "1-10"}, {"message", ""}},
      {},
  };
  for (const auto& lead : kLeads) {
    auto s = agents::lead::score(*rules, lead);
    long long sum = 0;
    for (const auto& line : s.lines) {
      sum += line.points;
      (void)line.text();
    }
    fuzz::require(sum == s.total, "score total is not the sum of its lines");
    fuzz::require(s.stage == rules->stage_for(s.total), "stage does not follow the total");
    (void)rules->follows_up(s.stage);
  }
}

void triage(std::string_view text) {
  auto rules = agents::support::TriageRules::load_string(text, "support-triage.toml");
  if (!rules) return check_load_error(rules.error(), "support-triage.toml");
  struct Ticket {
    const char* subject;
    const char* text;
    const char* from;
  };
  static const Ticket kTickets[] = {
      {"RE: Fwd: Invoice wrong", "Hi,\nthe invoice is wrong, fix it asap or my lawyer calls.",
       "bob@client.example"},
      {"", "thanks, not urgent", "vip@big.example"},
      {"Password reset", "I cannot log in.\r\n\r\n> old quoted text", "a@b"},
  };
  for (const auto& t : kTickets) {
    auto c = agents::support::classify(*rules, t.subject, t.text, t.from);
    fuzz::require(rules->topic(c.topic.id) != nullptr, "classified into an unknown topic");
    fuzz::require(c.urgency.id == "high" || c.urgency.id == "normal" || c.urgency.id == "low",
                  "unknown urgency");
    (void)c.explain();
    (void)agents::support::reply_subject(*rules, t.subject);
    (void)agents::support::quote_text(t.text, rules->quote_max_chars);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::as_text(data, size);
  decision_rights(text);
  routing(text);
  scoring(text);
  triage(text);
  return 0;
}
