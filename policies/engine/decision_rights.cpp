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

[[nodiscard]] Expected<Rule> parse_rule(const toml::table& t, std::string_view file,
                                        const Vars& vars) {
  cfg::Reader r(t, std::string(file));
  Rule rule;
  rule.line = r.line();

  rule.id = r.required_string("id");
  if (rule.id.find_first_of(" \t#") != std::string::npos)
    r.fail("id", "must not contain spaces or '#'");

  rule.action = r.required_string("action");
  if (!valid_kind_pattern(rule.action)) {
    r.fail("action", "expected an action kind (\"email.send\"), a prefix (\"slack.*\") or \"*\"");
  }

  if (const auto* when = r.node("when")) {
    if (auto ok = r.status(); !ok) return Unexpected(ok.error());
    auto clause = parse_when(*when, file, vars);
    if (!clause) return Unexpected(clause.error());
    rule.when = std::move(*clause);
  }

  const auto decide = r.required_string("decide");
  if (decide == "allow") {
    rule.verdict = Verdict::kAllow;
  } else if (decide == "ask") {
    rule.verdict = Verdict::kAsk;
  } else if (decide == "deny") {
    rule.verdict = Verdict::kDeny;
  } else {
    r.fail("decide", "expected \"allow\", \"ask\" or \"deny\", got \"" + decide + "\"");
  }
  const bool ask = rule.verdict == Verdict::kAsk;
  const std::string only_ask = "only allowed when decide = \"ask\"";

  if (auto approvers = r.optional_strings("approvers")) {
    if (!ask) r.fail("approvers", only_ask);
    if (auto ok = r.status(); !ok) return Unexpected(ok.error());
    auto expanded =
        expand_list(*approvers, vars, file, cfg::line_of(*t.get("approvers")), "approvers");
    if (!expanded) return Unexpected(expanded.error());
    for (const auto& a : *expanded) {
      bool ok = (a.rfind("role:", 0) == 0 && a.size() > 5) ||
                (a.rfind("person:", 0) == 0 && a.size() > 7);
      if (!ok) r.fail("approvers", "'" + a + "' must be \"role:NAME\" or \"person:SLACK_ID\"");
    }
    rule.approvers = std::move(*expanded);
  }
  if (auto ok = r.status(); !ok) return Unexpected(ok.error());
  if (ask && rule.approvers.empty()) {
    return Unexpected(
        cfg::error_at(file, rule.line, "approvers",
                      "required (and not empty) when decide = \"ask\" — who approves?"));
  }

  if (auto expires = r.optional_string("expires_after")) {
    if (!ask) r.fail("expires_after", only_ask);
    if (auto secs = parse_duration_seconds(*expires)) {
      rule.expires_after = std::chrono::seconds(*secs);
      rule.expires_text = *expires;
    } else {
      r.fail("expires_after",
             "expected a duration like \"30m\", \"24h\" or \"2d\", got \"" + *expires + "\"");
    }
  }

  if (auto on_expiry = r.optional_string("on_expiry")) {
    if (!ask) r.fail("on_expiry", only_ask);
    if (*on_expiry != "reject" && *on_expiry != "escalate")
      r.fail("on_expiry", "expected \"reject\" or \"escalate\", got \"" + *on_expiry + "\"");
    rule.on_expiry = *on_expiry;
  }

  if (auto reason = r.optional_string("reason")) rule.reason = *reason;

  if (auto done = r.finish(); !done) return Unexpected(done.error());
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
  auto doc = cfg::parse_text(toml, file_label);
  if (!doc) return Unexpected(doc.error());
  auto impl = std::make_shared<Impl>();
  impl->label = std::string(file_label);

  // [visibility] sits beside the rules: who may see every pending approval, not only the ones
  // they may decide or caused.
  if (const auto* node = doc->get("visibility")) {
    const auto* vis = node->as_table();
    if (!vis)
      return Unexpected(
          cfg::error_at(file_label, cfg::line_of(*node), "visibility", "expected a table"));
    cfg::Reader r(*vis, std::string(file_label));
    auto all = r.optional_strings("all_approvals");
    if (auto done = r.finish(); !done) return Unexpected(done.error());
    if (all) {
      const auto* list = vis->get("all_approvals");
      auto expanded = expand_list(*all, vars, file_label, cfg::line_of(*list), "all_approvals");
      if (!expanded) return Unexpected(expanded.error());
      for (const auto& a : *expanded)
        if ((a.rfind("role:", 0) != 0 || a.size() == 5) &&
            (a.rfind("person:", 0) != 0 || a.size() == 7))
          r.fail("all_approvals", "'" + a + "' must be \"role:NAME\" or \"person:SLACK_ID\"");
      if (auto ok = r.status(); !ok) return Unexpected(ok.error());
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
