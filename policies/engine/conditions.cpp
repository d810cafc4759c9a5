#include "policies/engine/conditions.hpp"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "bot/core/mailbox.hpp"
#include "bot/core/text.hpp"

namespace steward::policies {

namespace {

constexpr std::size_t kMaxShown = 80;  // long field values are shortened in explanations

std::string format_number(double d) {
  if (std::isfinite(d) && std::trunc(d) == d && std::fabs(d) < 1e15) {
    return std::to_string(static_cast<long long>(d));
  }
  std::ostringstream os;
  os.precision(12);
  os << d;
  return os.str();
}

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

bool is_var_ref(std::string_view s) {
  return s.size() > 3 && s.substr(0, 2) == "${" && s.back() == '}' && s.find('}') == s.size() - 1;
}

std::string var_names(const Vars& vars) {
  std::string out;
  for (const auto& [name, _] : vars.values) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out.empty() ? "(none)" : out;
}

// A scalar TOML value as an Operand (strings substituted).
Expected<Operand> scalar_operand(const toml::node& n, const Vars& vars, std::string_view file,
                                 std::string_view key) {
  if (auto s = n.value<std::string>(); s && n.is_string()) {
    auto sub = substitute(*s, vars, file, line_of(n), key);
    if (!sub) return Unexpected(sub.error());
    return Operand{*sub};
  }
  if (n.is_integer()) return Operand{static_cast<double>(*n.value<std::int64_t>())};
  if (n.is_floating_point()) return Operand{*n.value<double>()};
  if (n.is_boolean()) return Operand{*n.value<bool>()};
  return Unexpected(load_error(file, line_of(n), key, "expected a string, number or true/false"));
}

Expected<double> number_operand(const toml::node& n, const Vars& vars, std::string_view file,
                                std::string_view key) {
  if (n.is_integer()) return static_cast<double>(*n.value<std::int64_t>());
  if (n.is_floating_point()) return *n.value<double>();
  if (n.is_string()) {
    // Allows a threshold from configuration: gte = "${deals.big}".
    auto sub = substitute(*n.value<std::string>(), vars, file, line_of(n), key);
    if (!sub) return Unexpected(sub.error());
    try {
      std::size_t used = 0;
      double d = std::stod(*sub, &used);
      if (used == sub->size()) return d;
    } catch (const std::exception&) {
    }
    return Unexpected(load_error(file, line_of(n), key, "'" + *sub + "' is not a number"));
  }
  return Unexpected(load_error(file, line_of(n), key, "expected a number"));
}

Expected<std::vector<Operand>> list_operands(const toml::node& n, const Vars& vars,
                                             std::string_view file, std::string_view key) {
  const auto* arr = n.as_array();
  if (!arr) {
    return Unexpected(load_error(file, line_of(n), key, "expected a list, e.g. [\"a\", \"b\"]"));
  }
  std::vector<Operand> out;
  for (const auto& el : *arr) {
    if (el.is_string() && is_var_ref(*el.value<std::string>())) {
      auto expanded = expand_list({*el.value<std::string>()}, vars, file, line_of(el), key);
      if (!expanded) return Unexpected(expanded.error());
      for (auto& s : *expanded) out.emplace_back(std::move(s));
      continue;
    }
    auto op = scalar_operand(el, vars, file, key);
    if (!op) return Unexpected(op.error());
    out.push_back(std::move(*op));
  }
  if (arr->empty()) return Unexpected(load_error(file, line_of(n), key, "the list is empty"));
  return out;
}

Expected<void> parse_field(const std::string& field, const toml::node& value, std::string_view file,
                           const Vars& vars, Clause& out) {
  if (field.empty()) return Unexpected(load_error(file, line_of(value), field, "empty field name"));
  if (value.is_array()) {
    return Unexpected(load_error(file, line_of(value), field,
                                 "a list needs an operator: write { in = [...] } or "
                                 "{ not_in = [...] }"));
  }
  if (!value.is_table()) {
    auto op = scalar_operand(value, vars, file, field);
    if (!op) return Unexpected(op.error());
    Condition c;
    c.field = field;
    c.op = Op::kEq;
    c.operands.push_back(std::move(*op));
    c.line = line_of(value);
    out.conditions.push_back(std::move(c));
    return {};
  }
  const auto& ops = *value.as_table();
  if (ops.empty()) {
    return Unexpected(load_error(file, line_of(value), field,
                                 "no operator (use eq, in, not_in, gte, lte, matches or exists)"));
  }
  for (const auto& [k, n] : ops) {
    const std::string name(k.str());
    const std::string where = field + "." + name;
    Condition c;
    c.field = field;
    c.line = line_of(n);
    if (name == "eq") {
      auto op = scalar_operand(n, vars, file, where);
      if (!op) return Unexpected(op.error());
      c.op = Op::kEq;
      c.operands.push_back(std::move(*op));
    } else if (name == "in" || name == "not_in") {
      auto list = list_operands(n, vars, file, where);
      if (!list) return Unexpected(list.error());
      c.op = name == "in" ? Op::kIn : Op::kNotIn;
      c.operands = std::move(*list);
    } else if (name == "gte" || name == "lte") {
      auto d = number_operand(n, vars, file, where);
      if (!d) return Unexpected(d.error());
      c.op = name == "gte" ? Op::kGte : Op::kLte;
      c.operands.emplace_back(*d);
    } else if (name == "matches") {
      if (!n.is_string()) {
        return Unexpected(load_error(file, line_of(n), where, "expected a regular expression"));
      }
      auto pat = substitute(*n.value<std::string>(), vars, file, line_of(n), where);
      if (!pat) return Unexpected(pat.error());
      try {
        c.regex = std::regex(*pat, std::regex::ECMAScript | std::regex::icase);
      } catch (const std::regex_error& e) {
        return Unexpected(load_error(file, line_of(n), where,
                                     "bad regular expression /" + *pat + "/: " + e.what()));
      }
      c.op = Op::kMatches;
      c.pattern = *pat;
    } else if (name == "exists") {
      if (!n.is_boolean()) {
        return Unexpected(load_error(file, line_of(n), where, "expected true or false"));
      }
      c.op = Op::kExists;
      c.exists = *n.value<bool>();
    } else {
      return Unexpected(load_error(
          file, line_of(n), where,
          "unknown operator '" + name +
              "' (use eq, in, not_in, gte, lte, matches or exists; quote dotted field names, "
              "e.g. \"to.domain\" = …)"));
    }
    out.conditions.push_back(std::move(c));
  }
  return {};
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

Error load_error(std::string_view file, std::uint32_t line, std::string_view key,
                 std::string_view what) {
  std::string msg(file);
  msg += ":" + std::to_string(line) + ": ";
  if (!key.empty()) {
    msg += "key '";
    msg += key;
    msg += "': ";
  }
  msg += what;
  return Error{Errc::kInvalidInput, std::move(msg), std::nullopt};
}

Expected<Clause> parse_when(const toml::node& when, std::string_view file, const Vars& vars) {
  const auto* table = when.as_table();
  if (!table) {
    return Unexpected(load_error(file, line_of(when), "when",
                                 "expected a table of conditions, e.g. { channel = \"C123\" }"));
  }
  Clause clause;
  clause.line = line_of(when);
  for (const auto& [k, n] : *table) {
    const std::string field(k.str());
    if (field == "any") {
      const auto* arr = n.as_array();
      if (!arr || arr->empty()) {
        return Unexpected(load_error(file, line_of(n), "any",
                                     "expected a non-empty list of condition tables, e.g. "
                                     "[ { a = 1 }, { b = 2 } ]"));
      }
      for (const auto& alt : *arr) {
        if (!alt.is_table()) {
          return Unexpected(load_error(file, line_of(alt), "any",
                                       "each alternative must be a table of conditions"));
        }
        auto sub = parse_when(alt, file, vars);
        if (!sub) return Unexpected(sub.error());
        clause.any.push_back(std::move(*sub));
      }
      continue;
    }
    auto r = parse_field(field, n, file, vars, clause);
    if (!r) return Unexpected(r.error());
  }
  return clause;
}

Expected<std::string> substitute(std::string_view text, const Vars& vars, std::string_view file,
                                 std::uint32_t line, std::string_view key) {
  std::string out;
  std::size_t pos = 0;
  while (true) {
    auto start = text.find("${", pos);
    if (start == std::string_view::npos) {
      out.append(text.substr(pos));
      return out;
    }
    auto end = text.find('}', start);
    if (end == std::string_view::npos) {
      return Unexpected(
          load_error(file, line, key, "unterminated ${ in '" + std::string(text) + "'"));
    }
    out.append(text.substr(pos, start - pos));
    std::string name(text.substr(start + 2, end - start - 2));
    auto it = vars.values.find(name);
    if (it == vars.values.end()) {
      return Unexpected(load_error(
          file, line, key, "unknown variable ${" + name + "} (known: " + var_names(vars) + ")"));
    }
    if (it->second.size() != 1) {
      return Unexpected(load_error(
          file, line, key,
          "variable ${" + name + "} has " + std::to_string(it->second.size()) +
              " values; a single value is needed here (use it inside a list: in = [\"${" + name +
              "}\"])"));
    }
    out += it->second.front();
    pos = end + 1;
  }
}

Expected<std::vector<std::string>> expand_list(const std::vector<std::string>& items,
                                               const Vars& vars, std::string_view file,
                                               std::uint32_t line, std::string_view key) {
  std::vector<std::string> out;
  for (const auto& item : items) {
    if (is_var_ref(item)) {
      std::string name = item.substr(2, item.size() - 3);
      auto it = vars.values.find(name);
      if (it == vars.values.end()) {
        return Unexpected(load_error(
            file, line, key, "unknown variable ${" + name + "} (known: " + var_names(vars) + ")"));
      }
      out.insert(out.end(), it->second.begin(), it->second.end());
      continue;
    }
    auto s = substitute(item, vars, file, line, key);
    if (!s) return Unexpected(s.error());
    out.push_back(std::move(*s));
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

std::optional<std::int64_t> parse_duration_seconds(std::string_view text) noexcept {
  if (text.size() < 2 || text.size() > 12) return std::nullopt;
  std::int64_t n = 0;
  for (std::size_t i = 0; i + 1 < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    n = n * 10 + (text[i] - '0');
  }
  if (n <= 0) return std::nullopt;
  switch (text.back()) {
    case 's': return n;
    case 'm': return n * 60;
    case 'h': return n * 3600;
    case 'd': return n * 86400;
    case 'w': return n * 7 * 86400;
    default: return std::nullopt;
  }
}

std::uint32_t line_of(const toml::node& node) noexcept {
  return static_cast<std::uint32_t>(node.source().begin.line);
}

// ---- TableReader ----

TableReader::TableReader(const toml::table& table, std::string_view file)
    : table_(table), file_(file) {}

const toml::node* TableReader::node(std::string_view key) {
  known_.emplace_back(key);
  return table_.get(key);
}

Expected<std::optional<std::string>> TableReader::optional_string(std::string_view key) {
  const auto* n = node(key);
  if (!n) return std::optional<std::string>{};
  if (!n->is_string()) return Unexpected(error(key, "expected a string"));
  return std::optional<std::string>{*n->value<std::string>()};
}

Expected<std::string> TableReader::required_string(std::string_view key) {
  auto s = optional_string(key);
  if (!s) return Unexpected(s.error());
  if (!*s) return Unexpected(error(key, "missing (required)"));
  if ((*s)->empty()) return Unexpected(error(key, "must not be empty"));
  return **s;
}

Expected<std::optional<std::vector<std::string>>> TableReader::optional_string_list(
    std::string_view key) {
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

Expected<void> TableReader::finish() const {
  for (const auto& [k, n] : table_) {
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

Error TableReader::error(std::string_view key, std::string_view what) const {
  const auto* n = table_.get(key);
  return load_error(file_, n ? line_of(*n) : line(), key, what);
}

std::uint32_t TableReader::line() const noexcept { return line_of(table_); }

Expected<toml::table> parse_toml(std::string_view text, std::string_view file) {
  try {
    return toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    return Unexpected(load_error(file, static_cast<std::uint32_t>(e.source().begin.line), "",
                                 std::string(e.description())));
  } catch (const std::exception& e) {
    return Unexpected(load_error(file, 0, "", std::string("cannot parse: ") + e.what()));
  }
}

Expected<std::string> read_text_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return fail(Errc::kNotFound, path + ": file not found");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(Errc::kInvalidInput, path + ": cannot open for reading");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return fail(Errc::kInvalidInput, path + ": read error");
  return ss.str();
}

}  // namespace steward::policies
