#include "policies/engine/decision_rights.hpp"

#include <boost/json/array.hpp>
#include <boost/json/string.hpp>
#include <chrono>
#include <optional>
#include <utility>
#include <vector>

#include "bot/core/json.hpp"

namespace steward::policies {

namespace {

struct Rule {
  std::string id;
  std::string action;  // kind pattern
  Clause when;
  Verdict verdict = Verdict::kDeny;
  std::vector<std::string> approvers;
  std::chrono::seconds expires_after{0};
  std::string expires_text;  // as written ("24h"), for explanations
  std::string on_expiry = "reject";
  std::string reason;
  std::uint32_t line = 0;
};

constexpr const char* kDefaultDenyId = "<default-deny>";
constexpr const char* kDefaultDenyReason = "no rule matched; the default is deny";

// Field lookup over an action and the plan's facts.
FieldLookup action_lookup(const Action& action, const boost::json::object& facts) {
  return [&action, &facts](std::string_view field) -> std::optional<boost::json::value> {
    if (field == "action.kind") return boost::json::value(action.kind);
    constexpr std::string_view kDomain = ".domain";
    if (field.size() > kDomain.size() && field.substr(field.size() - kDomain.size()) == kDomain) {
      const auto* addr =
          json::find_path(action.fields, field.substr(0, field.size() - kDomain.size()));
      if (addr && (addr->is_string() || addr->is_array())) {
        // One or several addresses (a comma list, or a JSON list of strings).
        std::string joined;
        if (addr->is_string()) {
          joined = std::string(addr->get_string());
        } else {
          for (const auto& el : addr->get_array()) {
            if (!el.is_string()) return std::nullopt;
            joined += (joined.empty() ? "" : ", ") + std::string(el.get_string());
          }
        }
        auto domains = email_domains(joined);
        if (!domains) return std::nullopt;
        if (domains->size() == 1) return boost::json::value(domains->front());
        boost::json::array arr;
        for (auto& d : *domains) arr.emplace_back(d);
        return boost::json::value(std::move(arr));
      }
    }
    if (const auto* v = json::find_path(action.fields, field); v && !v->is_null()) return *v;
    if (const auto* v = json::find_path(facts, field); v && !v->is_null()) return *v;
    return std::nullopt;
  };
}

Expected<Rule> parse_rule(const toml::table& t, std::string_view file, const Vars& vars) {
  TableReader r(t, file);
  Rule rule;
  rule.line = r.line();

  auto id = r.required_string("id");
  if (!id) return Unexpected(id.error());
  if (id->find_first_of(" \t#") != std::string::npos) {
    return Unexpected(r.error("id", "must not contain spaces or '#'"));
  }
  rule.id = *id;

  auto action = r.required_string("action");
  if (!action) return Unexpected(action.error());
  if (!valid_kind_pattern(*action)) {
    return Unexpected(r.error("action",
                              "expected an action kind (\"email.send\"), a prefix "
                              "(\"slack.*\") or \"*\""));
  }
  rule.action = *action;

  if (const auto* when = r.node("when")) {
    auto clause = parse_when(*when, file, vars);
    if (!clause) return Unexpected(clause.error());
    rule.when = std::move(*clause);
  }

  auto decide = r.required_string("decide");
  if (!decide) return Unexpected(decide.error());
  if (*decide == "allow") {
    rule.verdict = Verdict::kAllow;
  } else if (*decide == "ask") {
    rule.verdict = Verdict::kAsk;
  } else if (*decide == "deny") {
    rule.verdict = Verdict::kDeny;
  } else {
    return Unexpected(
        r.error("decide", "expected \"allow\", \"ask\" or \"deny\", got \"" + *decide + "\""));
  }
  const bool ask = rule.verdict == Verdict::kAsk;
  const std::string only_ask = "only allowed when decide = \"ask\"";

  auto approvers = r.optional_string_list("approvers");
  if (!approvers) return Unexpected(approvers.error());
  if (*approvers) {
    if (!ask) return Unexpected(r.error("approvers", only_ask));
    const auto* node = t.get("approvers");
    auto expanded = expand_list(**approvers, vars, file, line_of(*node), "approvers");
    if (!expanded) return Unexpected(expanded.error());
    for (const auto& a : *expanded) {
      bool ok = (a.rfind("role:", 0) == 0 && a.size() > 5) ||
                (a.rfind("person:", 0) == 0 && a.size() > 7);
      if (!ok) {
        return Unexpected(
            r.error("approvers", "'" + a + "' must be \"role:NAME\" or \"person:SLACK_ID\""));
      }
    }
    rule.approvers = std::move(*expanded);
  }
  if (ask && rule.approvers.empty()) {
    return Unexpected(load_error(file, rule.line, "approvers",
                                 "required (and not empty) when decide = \"ask\" — who approves?"));
  }

  auto expires = r.optional_string("expires_after");
  if (!expires) return Unexpected(expires.error());
  if (*expires) {
    if (!ask) return Unexpected(r.error("expires_after", only_ask));
    auto secs = parse_duration_seconds(**expires);
    if (!secs) {
      return Unexpected(r.error("expires_after",
                                "expected a duration like \"30m\", \"24h\" or "
                                "\"2d\", got \"" +
                                    **expires + "\""));
    }
    rule.expires_after = std::chrono::seconds(*secs);
    rule.expires_text = **expires;
  }

  auto on_expiry = r.optional_string("on_expiry");
  if (!on_expiry) return Unexpected(on_expiry.error());
  if (*on_expiry) {
    if (!ask) return Unexpected(r.error("on_expiry", only_ask));
    if (**on_expiry != "reject" && **on_expiry != "escalate") {
      return Unexpected(
          r.error("on_expiry", "expected \"reject\" or \"escalate\", got \"" + **on_expiry + "\""));
    }
    rule.on_expiry = **on_expiry;
  }

  auto reason = r.optional_string("reason");
  if (!reason) return Unexpected(reason.error());
  if (*reason) rule.reason = **reason;

  auto done = r.finish();
  if (!done) return Unexpected(done.error());
  return rule;
}

// One rule's evaluation.
struct Tried {
  const Rule* rule;
  bool kind_ok;
  Outcome outcome;
};

std::string format_duration(std::chrono::seconds s) {
  auto n = s.count();
  if (n % 86400 == 0) return std::to_string(n / 86400) + "d";
  if (n % 3600 == 0) return std::to_string(n / 3600) + "h";
  if (n % 60 == 0) return std::to_string(n / 60) + "m";
  return std::to_string(n) + "s";
}

}  // namespace

struct DecisionRights::Impl {
  std::string label;
  std::vector<Rule> rules;
  std::vector<std::string> see_all_approvals;

  // Tries rules top to bottom; stops at the first match (its index is returned).
  std::optional<std::size_t> run(const Action& action, const boost::json::object& facts,
                                 std::vector<Tried>& tried) const {
    auto lookup = action_lookup(action, facts);
    for (std::size_t i = 0; i < rules.size(); ++i) {
      const auto& rule = rules[i];
      if (!kind_matches(rule.action, action.kind)) {
        tried.push_back({&rule, false, {}});
        continue;
      }
      auto outcome = evaluate(rule.when, lookup);
      bool holds = outcome.holds;
      tried.push_back({&rule, true, std::move(outcome)});
      if (holds) return i;
    }
    return std::nullopt;
  }
};

Expected<DecisionRights> DecisionRights::load_file(const std::filesystem::path& path,
                                                   const Vars& vars) {
  auto text = read_text_file(path.string());
  if (!text) return Unexpected(text.error());
  auto rights = load_string(*text, path.string(), vars);
  if (!rights) return Unexpected(rights.error());
  // Errors named the full path; decisions cite just the file name.
  auto impl = std::make_shared<Impl>(*rights->impl_);
  impl->label = path.filename().string();
  return DecisionRights(std::move(impl));
}

Expected<DecisionRights> DecisionRights::load_string(std::string_view toml,
                                                     std::string_view file_label,
                                                     const Vars& vars) {
  auto doc = parse_toml(toml, file_label);
  if (!doc) return Unexpected(doc.error());
  auto impl = std::make_shared<Impl>();
  impl->label = std::string(file_label);

  // [visibility] sits beside the rules: who may see every pending approval, not only the ones
  // they may decide or caused.
  if (const auto* node = doc->get("visibility")) {
    const auto* vis = node->as_table();
    if (!vis)
      return Unexpected(load_error(file_label, line_of(*node), "visibility", "expected a table"));
    TableReader r(*vis, file_label);
    auto all = r.optional_string_list("all_approvals");
    if (!all) return Unexpected(all.error());
    if (auto done = r.finish(); !done) return Unexpected(done.error());
    if (*all) {
      const auto* list = vis->get("all_approvals");
      auto expanded = expand_list(**all, vars, file_label, line_of(*list), "all_approvals");
      if (!expanded) return Unexpected(expanded.error());
      for (const auto& a : *expanded)
        if ((a.rfind("role:", 0) != 0 || a.size() == 5) &&
            (a.rfind("person:", 0) != 0 || a.size() == 7))
          return Unexpected(r.error("all_approvals", "'" + a +
                                                         "' must be \"role:NAME\" or "
                                                         "\"person:SLACK_ID\""));
      impl->see_all_approvals = std::move(*expanded);
    }
  }
  auto rules = parse_entries<Rule>(
      *doc, file_label, "rule",
      [&](const toml::table& t) { return parse_rule(t, file_label, vars); }, {"visibility"});
  if (!rules) return Unexpected(rules.error());
  impl->rules = std::move(*rules);
  return DecisionRights(std::move(impl));
}

Decision DecisionRights::decide(const Action& action, const boost::json::object& facts) const {
  std::vector<Tried> tried;
  auto winner = impl_->run(action, facts, tried);

  Decision d;
  for (const auto& t : tried) {
    const auto& id = t.rule->id;
    if (!t.kind_ok) {
      d.trace.push_back(id + ": action kind does not match");
    } else if (!t.outcome.holds) {
      d.trace.push_back(id + ": " + t.outcome.details.back());
    } else {
      d.trace.push_back(id + ": matched → " + verdict_name(t.rule->verdict));
    }
  }
  if (!winner) {
    d.verdict = Verdict::kDeny;
    d.rule = impl_->label + "#" + kDefaultDenyId;
    d.reason = kDefaultDenyReason;
    d.trace.push_back(std::string(kDefaultDenyId) + ": " + kDefaultDenyReason);
    return d;
  }
  const Rule& rule = impl_->rules[*winner];
  d.verdict = rule.verdict;
  d.rule = impl_->label + "#" + rule.id;
  if (!rule.reason.empty()) {
    d.reason = rule.reason;
  } else {
    const auto& details = tried.back().outcome.details;
    std::string why;
    for (const auto& s : details) why += (why.empty() ? "" : "; ") + s;
    d.reason = std::string(verdict_name(rule.verdict)) + " by rule " + rule.id +
               (why.empty() ? " (any " + action.kind + ")" : ": " + why);
  }
  if (rule.verdict == Verdict::kAsk) {
    d.approvers = rule.approvers;
    d.expires_after = rule.expires_after;
    d.on_expiry = rule.on_expiry;
  }
  return d;
}

std::string DecisionRights::explain(const Action& action, const boost::json::object& facts) const {
  std::vector<Tried> tried;
  auto winner = impl_->run(action, facts, tried);
  auto decision = decide(action, facts);

  std::string out = "Action: " + action.kind;
  if (!action.summary.empty()) out += " — " + action.summary;
  out += "\nRules in " + impl_->label + " (" + std::to_string(impl_->rules.size()) +
         "), tried top to bottom; the first that matches decides:\n";
  for (std::size_t i = 0; i < tried.size(); ++i) {
    const auto& t = tried[i];
    const auto& rule = *t.rule;
    std::string head = "  " + std::to_string(i + 1) + ". " + rule.id + " (" + rule.action + " → " +
                       verdict_name(rule.verdict) + ")";
    if (!t.kind_ok) {
      out += head + ": skipped, action kind does not match\n";
      continue;
    }
    out += head + (t.outcome.holds ? ": MATCHED\n" : ": no match\n");
    if (t.outcome.details.empty()) out += "       ✓ no conditions\n";
    for (std::size_t k = 0; k < t.outcome.details.size(); ++k) {
      bool failed = !t.outcome.holds && k + 1 == t.outcome.details.size();
      out += std::string("       ") + (failed ? "✗ " : "✓ ") + t.outcome.details[k] + "\n";
    }
  }
  if (winner && *winner + 1 < impl_->rules.size()) {
    out += "  (" + std::to_string(impl_->rules.size() - *winner - 1) +
           " rule(s) below were not tried)\n";
  }
  if (!winner) out += "  No rule matched.\n";
  out += "Decided by: " + decision.rule + "\n";
  out += std::string("Verdict: ") + verdict_name(decision.verdict) + "\n";
  if (decision.verdict == Verdict::kAsk) {
    std::string who;
    for (const auto& a : decision.approvers) who += (who.empty() ? "" : ", ") + a;
    out += "Approvers: " + who + "\n";
    if (decision.expires_after.count() > 0) {
      const auto& written = impl_->rules[*winner].expires_text;
      out += "Expires after: " +
             (written.empty() ? format_duration(decision.expires_after) : written) + ", then " +
             decision.on_expiry + "\n";
    } else {
      out += "Expires after: never\n";
    }
  }
  out += "Reason: " + decision.reason + "\n";
  return out;
}

const std::vector<std::string>& DecisionRights::see_all_approvals() const noexcept {
  return impl_->see_all_approvals;
}

std::size_t DecisionRights::size() const noexcept { return impl_->rules.size(); }

const std::string& DecisionRights::label() const noexcept { return impl_->label; }

}  // namespace steward::policies
