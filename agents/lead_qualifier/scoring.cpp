#include "agents/lead_qualifier/scoring.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <system_error>

#include "agents/common/text.hpp"
#include "bot/core/mailbox.hpp"
#include "bot/core/text.hpp"

namespace steward::agents::lead {

namespace {

std::string format_number(double d) {
  if (std::isfinite(d) && std::trunc(d) == d && std::fabs(d) < 1e15) {
    return std::to_string(static_cast<long long>(d));
  }
  std::ostringstream os;
  os.precision(12);
  os << d;
  return os.str();
}

std::uint32_t line_of(const toml::node& n) {
  return static_cast<std::uint32_t>(n.source().begin.line);
}

Error load_error(std::string_view file, std::uint32_t line, std::string_view key,
                 std::string_view what) {
  std::string msg(file);
  msg += ":" + std::to_string(line) + ": ";
  if (!key.empty()) msg += "key '" + std::string(key) + "': ";
  msg += what;
  return Error{Errc::kInvalidInput, std::move(msg), std::nullopt};
}

// Strict table reader: remembers the keys asked for, so unknown keys are reported.
class Reader {
 public:
  Reader(const toml::table& t, std::string_view file) : t_(t), file_(file) {}

  const toml::node* node(std::string_view key) {
    known_.emplace_back(key);
    return t_.get(key);
  }
  Error error(std::string_view key, std::string_view what) const {
    const auto* n = t_.get(key);
    return load_error(file_, n ? line_of(*n) : line_of(t_), key, what);
  }
  Expected<std::string> required_string(std::string_view key) {
    const auto* n = node(key);
    if (!n) return Unexpected(error(key, "missing (required)"));
    if (!n->is_string()) return Unexpected(error(key, "expected a string"));
    auto s = *n->value<std::string>();
    if (trim(s).empty()) return Unexpected(error(key, "must not be empty"));
    return s;
  }
  Expected<std::optional<std::int64_t>> optional_int(std::string_view key) {
    const auto* n = node(key);
    if (!n) return std::optional<std::int64_t>{};
    if (!n->is_integer()) return Unexpected(error(key, "expected a whole number"));
    return std::optional<std::int64_t>{*n->value<std::int64_t>()};
  }
  Expected<std::optional<double>> optional_number(std::string_view key) {
    const auto* n = node(key);
    if (!n) return std::optional<double>{};
    if (n->is_integer())
      return std::optional<double>{static_cast<double>(*n->value<std::int64_t>())};
    if (n->is_floating_point()) return std::optional<double>{*n->value<double>()};
    return Unexpected(error(key, "expected a number"));
  }
  Expected<std::optional<std::vector<std::string>>> optional_strings(std::string_view key) {
    const auto* n = node(key);
    if (!n) return std::optional<std::vector<std::string>>{};
    const auto* arr = n->as_array();
    if (!arr) return Unexpected(error(key, "expected a list of strings, e.g. [\"a\", \"b\"]"));
    std::vector<std::string> out;
    for (const auto& el : *arr) {
      if (!el.is_string()) {
        return Unexpected(load_error(file_, line_of(el), key, "every element must be a string"));
      }
      out.push_back(*el.value<std::string>());
    }
    return std::optional<std::vector<std::string>>{std::move(out)};
  }
  Expected<void> finish() const {
    for (const auto& [k, n] : t_) {
      if (std::find(known_.begin(), known_.end(), k.str()) != known_.end()) continue;
      std::string expected;
      for (const auto& name : known_) {
        const std::string quoted = "'" + name + "'";
        if (expected.find(quoted) == std::string::npos) {
          expected += (expected.empty() ? "" : ", ") + quoted;
        }
      }
      auto line =
          k.source().begin.line ? static_cast<std::uint32_t>(k.source().begin.line) : line_of(n);
      return Unexpected(
          load_error(file_, line, k.str(), "unknown key (expected one of: " + expected + ")"));
    }
    return {};
  }
  std::uint32_t line() const { return line_of(t_); }

 private:
  const toml::table& t_;
  std::string file_;
  std::vector<std::string> known_;
};

Expected<Criterion> parse_criterion(const toml::table& t, std::string_view file) {
  Reader r(t, file);
  Criterion c;
  auto id = r.required_string("id");
  if (!id) return Unexpected(id.error());
  c.id = *id;
  auto label = r.required_string("label");
  if (!label) return Unexpected(label.error());
  c.label = *label;
  auto field = r.required_string("field");
  if (!field) return Unexpected(field.error());
  c.field = *field;
  auto points = r.optional_int("points");
  if (!points) return Unexpected(points.error());
  if (!*points) return Unexpected(r.error("points", "missing (required)"));
  if (**points < -1000 || **points > 1000) {
    return Unexpected(r.error("points", "must be between -1000 and 1000"));
  }
  c.points = static_cast<int>(**points);

  int tests = 0;
  auto gte = r.optional_number("gte");
  if (!gte) return Unexpected(gte.error());
  c.gte = *gte;
  auto lte = r.optional_number("lte");
  if (!lte) return Unexpected(lte.error());
  c.lte = *lte;
  if (c.gte || c.lte) ++tests;
  if (c.gte && c.lte && *c.gte > *c.lte) {
    return Unexpected(r.error("lte", "must not be below gte"));
  }
  if (const auto* eq = r.node("eq")) {
    ++tests;
    if (eq->is_string()) {
      c.eq_text = *eq->value<std::string>();
    } else if (eq->is_integer()) {
      c.eq_number = static_cast<double>(*eq->value<std::int64_t>());
    } else if (eq->is_floating_point()) {
      c.eq_number = *eq->value<double>();
    } else {
      return Unexpected(r.error("eq", "expected a string or a number"));
    }
  }
  auto words = r.optional_strings("matches_any");
  if (!words) return Unexpected(words.error());
  if (*words) {
    ++tests;
    for (auto& w : **words) {
      auto lw = lower(trim(w));
      if (lw.empty()) return Unexpected(r.error("matches_any", "contains an empty phrase"));
      c.matches_any.push_back(std::move(lw));
    }
    if (c.matches_any.empty()) return Unexpected(r.error("matches_any", "the list is empty"));
  }
  auto in = r.optional_strings("in");
  if (!in) return Unexpected(in.error());
  if (*in) {
    ++tests;
    for (auto& w : **in) c.in.push_back(lower(trim(w)));
    if (c.in.empty()) return Unexpected(r.error("in", "the list is empty"));
  }
  if (const auto* m = r.node("missing")) {
    ++tests;
    if (!m->is_boolean()) return Unexpected(r.error("missing", "expected true or false"));
    c.missing = *m->value<bool>();
  }
  auto done = r.finish();
  if (!done) return Unexpected(done.error());
  if (tests == 0) {
    return Unexpected(load_error(
        file, r.line(), "",
        "criterion '" + c.id + "' has no test (use gte, lte, eq, matches_any, in or missing)"));
  }
  if (tests > 1) {
    return Unexpected(load_error(
        file, r.line(), "",
        "criterion '" + c.id + "' has more than one test (only gte and lte may be combined)"));
  }
  return c;
}

// The first number in a text ("$50,000" → 50000, "200+" → 200, "20k" → 20000).
std::optional<double> number_in_text(std::string_view s) {
  std::string digits;
  std::size_t i = 0;
  while (i < s.size() && !std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
  if (i == s.size()) return std::nullopt;
  // A minus sign right before the digits ("-5") is kept.
  bool negative = i > 0 && s[i - 1] == '-' && (i == 1 || s[i - 2] == ' ');
  bool seen_dot = false;
  for (; i < s.size(); ++i) {
    char ch = s[i];
    if (std::isdigit(static_cast<unsigned char>(ch))) {
      digits += ch;
    } else if (ch == ',' && i + 1 < s.size() &&
               std::isdigit(static_cast<unsigned char>(s[i + 1]))) {
      continue;  // thousands separator
    } else if (ch == '.' && !seen_dot && i + 1 < s.size() &&
               std::isdigit(static_cast<unsigned char>(s[i + 1]))) {
      seen_dot = true;
      digits += ch;
    } else {
      break;
    }
  }
  if (digits.size() > 15) return std::nullopt;
  double v = std::stod(digits);
  if (i < s.size() && (s[i] == 'k' || s[i] == 'K')) v *= 1000;
  if (i < s.size() && (s[i] == 'm' || s[i] == 'M')) v *= 1000000;
  return negative ? -v : v;
}

std::optional<double> as_number(const boost::json::value& v) {
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  if (v.is_double()) return v.get_double();
  if (v.is_string()) return number_in_text(std::string_view(v.get_string()));
  return std::nullopt;
}

std::string as_text(const boost::json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (auto n = as_number(v)) return format_number(*n);
  if (v.is_bool()) return v.get_bool() ? "true" : "false";
  return {};
}

// The field's value, with the derived email_domain; nullopt when absent, null or blank.
std::optional<boost::json::value> field_value(const boost::json::object& lead,
                                              const std::string& field) {
  if (field == "email_domain") {
    auto it = lead.find("email");
    if (it == lead.end() || !it->value().is_string()) return std::nullopt;
    auto d = email_domain(std::string_view(it->value().get_string()));
    if (d.empty()) return std::nullopt;
    return boost::json::value(d);
  }
  auto it = lead.find(field);
  if (it == lead.end() || it->value().is_null()) return std::nullopt;
  if (it->value().is_string() && trim(std::string_view(it->value().get_string())).empty()) {
    return std::nullopt;
  }
  return it->value();
}

bool word_start(const std::string& text, std::size_t pos) {
  return pos == 0 || !std::isalnum(static_cast<unsigned char>(text[pos - 1]));
}

// Returns the detail sentence when the criterion holds.
std::optional<std::string> test(const Criterion& c, const boost::json::object& lead) {
  auto v = field_value(lead, c.field);
  if (c.missing) {
    if (*c.missing == !v.has_value()) {
      return c.field + (*c.missing ? " is missing" : " is given");
    }
    return std::nullopt;
  }
  if (!v) return std::nullopt;
  if (c.gte || c.lte) {
    auto n = as_number(*v);
    if (!n) return std::nullopt;
    if (c.gte && *n < *c.gte) return std::nullopt;
    if (c.lte && *n > *c.lte) return std::nullopt;
    std::string shown = c.field + " " + format_number(*n);
    if (c.gte && c.lte) return shown + " in " + format_number(*c.gte) + "–" + format_number(*c.lte);
    if (c.gte) return shown + " ≥ " + format_number(*c.gte);
    return shown + " ≤ " + format_number(*c.lte);
  }
  if (c.eq_number) {
    auto n = as_number(*v);
    if (n && *n == *c.eq_number) return c.field + " is " + format_number(*n);
    return std::nullopt;
  }
  if (c.eq_text) {
    auto text = as_text(*v);
    if (lower(trim(text)) == lower(trim(*c.eq_text))) return c.field + " is '" + text + "'";
    return std::nullopt;
  }
  if (!c.in.empty()) {
    auto text = lower(trim(as_text(*v)));
    if (std::find(c.in.begin(), c.in.end(), text) != c.in.end()) {
      return c.field + " " + text + " is in the list";
    }
    return std::nullopt;
  }
  if (!c.matches_any.empty()) {
    auto text = lower(as_text(*v));
    std::string found;
    for (const auto& phrase : c.matches_any) {
      for (auto pos = text.find(phrase); pos != std::string::npos;
           pos = text.find(phrase, pos + 1)) {
        if (word_start(text, pos)) {
          found += (found.empty() ? "" : ", ") + ("\"" + phrase + "\"");
          break;
        }
      }
    }
    if (found.empty()) return std::nullopt;
    return c.field + " mentions " + found;
  }
  return std::nullopt;
}

}  // namespace

Expected<ScoringRules> ScoringRules::load_file(const std::filesystem::path& path) {
  auto text = common::read_file(path);
  if (!text) return Unexpected(text.error());
  return load_string(*text, path.string());
}

Expected<ScoringRules> ScoringRules::load_string(std::string_view text, std::string_view label) {
  toml::table doc;
  try {
    doc = toml::parse(text, label);
  } catch (const toml::parse_error& e) {
    return Unexpected(load_error(label, static_cast<std::uint32_t>(e.source().begin.line), "",
                                 std::string(e.description())));
  } catch (const std::exception& e) {
    return Unexpected(load_error(label, 0, "", std::string("cannot parse: ") + e.what()));
  }

  ScoringRules rules;
  Reader top(doc, label);
  auto baseline = top.optional_int("baseline");
  if (!baseline) return Unexpected(baseline.error());
  if (*baseline) rules.baseline = static_cast<int>(**baseline);

  if (const auto* crit = top.node("criterion")) {
    const auto* arr = crit->as_array();
    if (!arr || !arr->is_array_of_tables()) {
      return Unexpected(top.error("criterion", "expected [[criterion]] tables"));
    }
    for (const auto& el : *arr) {
      auto c = parse_criterion(*el.as_table(), label);
      if (!c) return Unexpected(c.error());
      for (const auto& prev : rules.criteria) {
        if (prev.id == c->id) {
          const auto* id = el.as_table()->get("id");
          return Unexpected(load_error(label, id ? line_of(*id) : 0, "id",
                                       "duplicate criterion id '" + c->id + "'"));
        }
      }
      rules.criteria.push_back(std::move(*c));
    }
  }

  const auto* stages = top.node("stages");
  if (!stages) return Unexpected(top.error("stages", "missing: add [stages] with hot and warm"));
  if (!stages->is_table()) return Unexpected(top.error("stages", "expected a table"));
  {
    Reader r(*stages->as_table(), label);
    auto hot = r.optional_int("hot");
    if (!hot) return Unexpected(hot.error());
    auto warm = r.optional_int("warm");
    if (!warm) return Unexpected(warm.error());
    if (!*hot) return Unexpected(r.error("hot", "missing (required)"));
    if (!*warm) return Unexpected(r.error("warm", "missing (required)"));
    if (**hot <= **warm) return Unexpected(r.error("hot", "must be above warm"));
    rules.hot = static_cast<int>(**hot);
    rules.warm = static_cast<int>(**warm);
    auto done = r.finish();
    if (!done) return Unexpected(done.error());
  }

  if (const auto* fu = top.node("follow_up")) {
    if (!fu->is_table()) return Unexpected(top.error("follow_up", "expected a table"));
    Reader r(*fu->as_table(), label);
    auto st = r.optional_strings("stages");
    if (!st) return Unexpected(st.error());
    if (*st) {
      for (const auto& s : **st) {
        if (s != "hot" && s != "warm" && s != "nurture") {
          return Unexpected(
              r.error("stages", "'" + s + "' is not a stage (use \"hot\", \"warm\", \"nurture\")"));
        }
      }
      rules.follow_up_stages = **st;
    }
    const auto* subject = r.node("subject");
    if (subject) {
      if (!subject->is_string()) return Unexpected(r.error("subject", "expected a string"));
      rules.follow_up_subject = *subject->value<std::string>();
    }
    if (!rules.follow_up_stages.empty() && trim(rules.follow_up_subject).empty()) {
      return Unexpected(r.error("subject", "required when stages is not empty"));
    }
    auto done = r.finish();
    if (!done) return Unexpected(done.error());
  }

  auto done = top.finish();
  if (!done) return Unexpected(done.error());
  return rules;
}

std::string ScoringRules::stage_for(int total) const {
  if (total >= hot) return "hot";
  if (total >= warm) return "warm";
  return "nurture";
}

bool ScoringRules::follows_up(std::string_view stage) const {
  return std::find(follow_up_stages.begin(), follow_up_stages.end(), stage) !=
         follow_up_stages.end();
}

std::string ScoreLine::text() const {
  std::string out = (points >= 0 ? "+" : "") + std::to_string(points) + " " + label;
  if (!detail.empty()) out += ": " + detail;
  return out + " (" + criterion_id + ")";
}

Score score(const ScoringRules& rules, const boost::json::object& lead_fields) {
  Score s;
  s.total = rules.baseline;
  if (rules.baseline != 0) {
    s.lines.push_back({"baseline", "Starting points for every lead", rules.baseline, ""});
  }
  for (const auto& c : rules.criteria) {
    auto detail = test(c, lead_fields);
    if (!detail) continue;
    s.total += c.points;
    s.lines.push_back({c.id, c.label, c.points, std::move(*detail)});
  }
  s.stage = rules.stage_for(s.total);
  return s;
}

}  // namespace steward::agents::lead
