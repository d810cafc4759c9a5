#include "policies/engine/conditions.hpp"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cmath>

#include "bot/core/mailbox.hpp"
#include "bot/core/text.hpp"

namespace steward::policies {

namespace {

constexpr std::size_t kMaxShown = 80;  // long field values are shortened in explanations

std::string shorten(std::string s) {
  if (s.size() <= kMaxShown) return s;
  std::size_t cut = kMaxShown;
  // Do not cut a UTF-8 sequence in half.
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  s.resize(cut);
  return s + "…";
}

std::string show_operand(const Operand& op, bool quote) {
  if (const auto* s = std::get_if<std::string>(&op)) return quote ? "'" + *s + "'" : *s;
  if (const auto* d = std::get_if<double>(&op)) return format_number(*d);
  return std::get<bool>(op) ? "true" : "false";
}

std::string show_list(const std::vector<Operand>& ops) {
  std::string out = "[";
  for (std::size_t i = 0; i < ops.size(); ++i) {
    if (i) out += ", ";
    out += show_operand(ops[i], false);
  }
  return out + "]";
}

std::string show_value(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::string: return "'" + shorten(std::string(v.get_string())) + "'";
    case boost::json::kind::int64: return std::to_string(v.get_int64());
    case boost::json::kind::uint64: return std::to_string(v.get_uint64());
    case boost::json::kind::double_: return format_number(v.get_double());
    case boost::json::kind::bool_: return v.get_bool() ? "true" : "false";
    case boost::json::kind::null: return "null";
    case boost::json::kind::object: return "{…}";
    case boost::json::kind::array: {
      std::string out = "[";
      const auto& arr = v.get_array();
      for (std::size_t i = 0; i < arr.size(); ++i) {
        if (i) out += ", ";
        out += arr[i].is_string() ? shorten(std::string(arr[i].get_string())) : show_value(arr[i]);
      }
      return out + "]";
    }
  }
  return "?";
}

std::optional<double> as_number(const boost::json::value& v) {
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  if (v.is_double()) return v.get_double();
  return std::nullopt;
}

// One scalar field value against one literal.
bool equals(const boost::json::value& v, const Operand& op) {
  if (const auto* s = std::get_if<std::string>(&op)) {
    return v.is_string() && iequals(v.get_string(), *s);
  }
  if (const auto* d = std::get_if<double>(&op)) {
    auto n = as_number(v);
    return n && *n == *d;
  }
  return v.is_bool() && v.get_bool() == std::get<bool>(op);
}

bool in_list(const boost::json::value& v, const std::vector<Operand>& ops) {
  return std::any_of(ops.begin(), ops.end(), [&](const Operand& op) { return equals(v, op); });
}

bool regex_found(const boost::json::value& v, const std::regex& re) {
  if (!v.is_string()) return false;
  const auto& s = v.get_string();
  return std::regex_search(s.begin(), s.end(), re);
}

// The scalars a field stands for: itself, or the elements of a list.
std::vector<const boost::json::value*> elements(const boost::json::value& v) {
  std::vector<const boost::json::value*> out;
  if (v.is_array()) {
    for (const auto& e : v.get_array()) out.push_back(&e);
  } else {
    out.push_back(&v);
  }
  return out;
}

struct Verdict {
  bool holds;
  std::string sentence;
};

Verdict check(const Condition& c, const FieldLookup& lookup) {
  auto found = lookup(c.field);
  bool missing = !found || found->is_null() || (found->is_array() && found->get_array().empty());
  if (c.op == Op::kExists) {
    bool present = !missing;
    bool holds = present == c.exists;
    std::string s = c.field + (present ? " is present" : " is missing");
    return {holds, s};
  }
  if (missing) return {false, c.field + " is missing"};

  const auto& v = *found;
  const std::string shown = c.field + " " + show_value(v);
  auto elems = elements(v);
  switch (c.op) {
    case Op::kEq: {
      bool holds = std::any_of(elems.begin(), elems.end(),
                               [&](const auto* e) { return equals(*e, c.operands.front()); });
      if (v.is_array()) {
        return {holds, shown + (holds ? " contains " : " does not contain ") +
                           show_operand(c.operands.front(), true)};
      }
      return {holds,
              shown + (holds ? " is " : " is not ") + show_operand(c.operands.front(), true)};
    }
    case Op::kIn:
    case Op::kNotIn: {
      bool all_in = std::all_of(elems.begin(), elems.end(),
                                [&](const auto* e) { return in_list(*e, c.operands); });
      bool holds = c.op == Op::kIn ? all_in : !all_in;
      std::string verb = all_in ? " is in " : " is not in ";
      if (v.is_array()) verb = all_in ? " are all in " : " are not all in ";
      return {holds, shown + verb + show_list(c.operands)};
    }
    case Op::kGte:
    case Op::kLte: {
      auto n = as_number(v);
      if (!n) return {false, shown + " is not a number"};
      double limit = std::get<double>(c.operands.front());
      bool holds = c.op == Op::kGte ? *n >= limit : *n <= limit;
      const char* sym = c.op == Op::kGte ? (holds ? " ≥ " : " < ") : (holds ? " ≤ " : " > ");
      return {holds, c.field + " " + format_number(*n) + sym + format_number(limit)};
    }
    case Op::kMatches: {
      bool holds = std::any_of(elems.begin(), elems.end(),
                               [&](const auto* e) { return regex_found(*e, c.regex); });
      return {holds, shown + (holds ? " matches /" : " does not match /") + c.pattern + "/"};
    }
    case Op::kExists: break;  // handled above
  }
  return {false, c.field + ": unknown test"};
}

std::string describe_condition(const Condition& c) {
  switch (c.op) {
    case Op::kEq: return c.field + " = " + show_operand(c.operands.front(), true);
    case Op::kIn: return c.field + " in " + show_list(c.operands);
    case Op::kNotIn: return c.field + " not_in " + show_list(c.operands);
    case Op::kGte: return c.field + " ≥ " + show_operand(c.operands.front(), false);
    case Op::kLte: return c.field + " ≤ " + show_operand(c.operands.front(), false);
    case Op::kMatches: return c.field + " matches /" + c.pattern + "/";
    case Op::kExists: return c.field + (c.exists ? " exists" : " is missing");
  }
  return c.field;
}

}  // namespace

const char* op_name(Op op) noexcept {
  switch (op) {
    case Op::kEq: return "eq";
    case Op::kIn: return "in";
    case Op::kNotIn: return "not_in";
    case Op::kGte: return "gte";
    case Op::kLte: return "lte";
    case Op::kMatches: return "matches";
    case Op::kExists: return "exists";
  }
  return "?";
}

Outcome evaluate(const Clause& clause, const FieldLookup& lookup) {
  Outcome out;
  for (const auto& c : clause.conditions) {
    auto v = check(c, lookup);
    out.details.push_back(std::move(v.sentence));
    if (!v.holds) {
      out.holds = false;
      return out;
    }
  }
  if (clause.any.empty()) return out;
  std::vector<std::string> tried;
  for (std::size_t i = 0; i < clause.any.size(); ++i) {
    auto sub = evaluate(clause.any[i], lookup);
    std::string joined;
    for (const auto& d : sub.details) joined += (joined.empty() ? "" : "; ") + d;
    if (sub.holds) {
      out.details.push_back("alternative " + std::to_string(i + 1) + " of any holds: " + joined);
      return out;
    }
    tried.push_back("(" + joined + ")");
  }
  std::string all;
  for (const auto& t : tried) all += (all.empty() ? "" : " ") + t;
  out.details.push_back("no alternative of any holds: " + all);
  out.holds = false;
  return out;
}

std::string describe(const Clause& clause) {
  std::string out;
  for (const auto& c : clause.conditions)
    out += (out.empty() ? "" : " and ") + describe_condition(c);
  if (!clause.any.empty()) {
    std::string alts;
    for (const auto& a : clause.any) {
      auto d = describe(a);
      alts += (alts.empty() ? "" : " or ") + (d.empty() ? std::string("always") : "(" + d + ")");
    }
    out += (out.empty() ? "" : " and ") + std::string("any of: ") + alts;
  }
  return out;
}

bool kind_matches(std::string_view pattern, std::string_view kind) noexcept {
  if (pattern == "*") return true;
  if (pattern.size() >= 2 && pattern.substr(pattern.size() - 2) == ".*") {
    auto prefix = pattern.substr(0, pattern.size() - 1);  // keeps the dot: "slack."
    return kind.size() > prefix.size() && kind.substr(0, prefix.size()) == prefix;
  }
  return pattern == kind;
}

bool valid_kind_pattern(std::string_view pattern) noexcept {
  if (pattern.empty()) return false;
  if (pattern == "*") return true;
  auto star = pattern.find('*');
  if (star == std::string_view::npos) return true;
  return star == pattern.size() - 1 && pattern.size() >= 3 && pattern[star - 1] == '.';
}

std::optional<std::vector<std::string>> email_domains(std::string_view addresses) {
  // Split on commas outside quotes and angle brackets ("Doe, Jane" <j@x> stays one address).
  std::vector<std::string> parts;
  std::string cur;
  bool quoted = false;
  int angle = 0;
  for (char ch : addresses) {
    if (ch == '"') quoted = !quoted;
    if (!quoted && ch == '<') ++angle;
    if (!quoted && ch == '>' && angle > 0) --angle;
    if (ch == ',' && !quoted && angle == 0) {
      parts.push_back(cur);
      cur.clear();
      continue;
    }
    cur += ch;
  }
  parts.push_back(cur);

  std::vector<std::string> out;
  for (const auto& part : parts) {
    if (trim(part).empty()) continue;
    std::string domain = email_domain(part);
    if (domain.empty()) return std::nullopt;
    if (std::find(out.begin(), out.end(), domain) == out.end()) out.push_back(domain);
  }
  if (out.empty()) return std::nullopt;
  return out;
}

}  // namespace steward::policies
