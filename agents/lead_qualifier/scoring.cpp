#include "agents/lead_qualifier/scoring.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>

#include "agents/common/text.hpp"
#include "bot/core/mailbox.hpp"
#include "bot/core/text.hpp"
#include "bot/toml/reader.hpp"

namespace steward::agents::lead {

namespace {

[[nodiscard]] Expected<Criterion> parse_criterion(const toml::table& t, const std::string& file) {
  cfg::Reader r(t, file);
  Criterion c;
  c.id = r.required_string("id");
  c.label = r.required_string("label");
  c.field = r.required_string("field");
  if (!t.contains("points")) r.fail("points", "missing (required)");
  c.points = static_cast<int>(r.integer("points", 0, -1000, 1000));

  int tests = 0;
  c.gte = r.optional_number("gte");
  c.lte = r.optional_number("lte");
  if (c.gte || c.lte) ++tests;
  if (c.gte && c.lte && *c.gte > *c.lte) r.fail("lte", "must not be below gte");
  if (const auto* eq = r.node("eq")) {
    ++tests;
    if (eq->is_string()) {
      c.eq_text = *eq->value<std::string>();
    } else if (eq->is_integer()) {
      c.eq_number = static_cast<double>(*eq->value<std::int64_t>());
    } else if (eq->is_floating_point()) {
      c.eq_number = *eq->value<double>();
    } else {
      r.fail("eq", "expected a string or a number");
    }
  }
  if (auto words = r.optional_strings("matches_any")) {
    ++tests;
    for (const auto& w : *words) {
      auto lw = lower(trim(w));
      if (lw.empty()) r.fail("matches_any", "contains an empty phrase");
      c.matches_any.push_back(std::move(lw));
    }
    if (c.matches_any.empty()) r.fail("matches_any", "the list is empty");
  }
  if (auto in = r.optional_strings("in")) {
    ++tests;
    for (const auto& w : *in) c.in.push_back(lower(trim(w)));
    if (c.in.empty()) r.fail("in", "the list is empty");
  }
  if (const auto* m = r.node("missing")) {
    ++tests;
    if (m->is_boolean())
      c.missing = *m->value<bool>();
    else
      r.fail("missing", "expected true or false");
  }
  if (auto done = r.finish(); !done) return Unexpected(done.error());
  if (tests == 0) {
    return Unexpected(cfg::error_at(
        file, r.line(), "",
        "criterion '" + c.id + "' has no test (use gte, lte, eq, matches_any, in or missing)"));
  }
  if (tests > 1) {
    return Unexpected(cfg::error_at(
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
  auto doc = cfg::parse_text(text, label);
  if (!doc) return Unexpected(doc.error());
  const std::string file(label);

  ScoringRules rules;
  cfg::Reader top(*doc, file);
  if (auto baseline = top.optional_integer("baseline"))
    rules.baseline = static_cast<int>(*baseline);
  for (const auto* table : top.tables("criterion")) {
    if (!top.ok()) break;
    auto c = parse_criterion(*table, file);
    if (!c) return Unexpected(c.error());
    for (const auto& prev : rules.criteria) {
      if (prev.id == c->id) {
        const auto* id = table->get("id");
        return Unexpected(cfg::error_at(file, id ? cfg::line_of(*id) : 0, "id",
                                        "duplicate criterion id '" + c->id + "'"));
      }
    }
    rules.criteria.push_back(std::move(*c));
  }

  const auto* stages = top.table("stages");
  if (!stages) top.fail("stages", "missing: add [stages] with hot and warm");
  if (auto ok = top.status(); !ok) return Unexpected(ok.error());
  {
    cfg::Reader r(*stages, file);
    auto hot = r.optional_integer("hot");
    auto warm = r.optional_integer("warm");
    if (!hot) r.fail("hot", "missing (required)");
    if (!warm) r.fail("warm", "missing (required)");
    if (hot && warm && *hot <= *warm) r.fail("hot", "must be above warm");
    if (auto done = r.finish(); !done) return Unexpected(done.error());
    rules.hot = static_cast<int>(*hot);
    rules.warm = static_cast<int>(*warm);
  }

  if (const auto* fu = top.table("follow_up")) {
    cfg::Reader r(*fu, file);
    if (auto st = r.optional_strings("stages")) {
      for (const auto& s : *st) {
        if (s != "hot" && s != "warm" && s != "nurture")
          r.fail("stages", "'" + s + "' is not a stage (use \"hot\", \"warm\", \"nurture\")");
      }
      rules.follow_up_stages = std::move(*st);
    }
    if (auto subject = r.optional_string("subject")) rules.follow_up_subject = std::move(*subject);
    if (!rules.follow_up_stages.empty() && trim(rules.follow_up_subject).empty())
      r.fail("subject", "required when stages is not empty");
    if (auto done = r.finish(); !done) return Unexpected(done.error());
  }

  if (auto done = top.finish(); !done) return Unexpected(done.error());
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
