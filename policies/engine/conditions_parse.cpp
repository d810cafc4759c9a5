#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "policies/engine/conditions.hpp"

// Reading conditions from the rules files: `when` tables, ${variables}, durations. Every
// problem is reported as "FILE:LINE: key 'x': what" (bot/toml).
namespace steward::policies {

namespace {

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
[[nodiscard]] Expected<Operand> scalar_operand(const toml::node& n, const Vars& vars,
                                               std::string_view file, std::string_view key) {
  if (auto s = n.value<std::string>(); s && n.is_string()) {
    auto sub = substitute(*s, vars, file, cfg::line_of(n), key);
    if (!sub) return Unexpected(sub.error());
    return Operand{*sub};
  }
  if (n.is_integer()) return Operand{static_cast<double>(*n.value<std::int64_t>())};
  if (n.is_floating_point()) return Operand{*n.value<double>()};
  if (n.is_boolean()) return Operand{*n.value<bool>()};
  return Unexpected(
      cfg::error_at(file, cfg::line_of(n), key, "expected a string, number or true/false"));
}

[[nodiscard]] Expected<double> number_operand(const toml::node& n, const Vars& vars,
                                              std::string_view file, std::string_view key) {
  if (n.is_integer()) return static_cast<double>(*n.value<std::int64_t>());
  if (n.is_floating_point()) return *n.value<double>();
  if (n.is_string()) {
    // Allows a threshold from configuration: gte = "${deals.big}".
    auto sub = substitute(*n.value<std::string>(), vars, file, cfg::line_of(n), key);
    if (!sub) return Unexpected(sub.error());
    try {
      std::size_t used = 0;
      double d = std::stod(*sub, &used);
      if (used == sub->size()) return d;
    } catch (const std::exception&) {
    }
    return Unexpected(cfg::error_at(file, cfg::line_of(n), key, "'" + *sub + "' is not a number"));
  }
  return Unexpected(cfg::error_at(file, cfg::line_of(n), key, "expected a number"));
}

[[nodiscard]] Expected<std::vector<Operand>> list_operands(const toml::node& n, const Vars& vars,
                                                           std::string_view file,
                                                           std::string_view key) {
  const auto* arr = n.as_array();
  if (!arr) {
    return Unexpected(
        cfg::error_at(file, cfg::line_of(n), key, "expected a list, e.g. [\"a\", \"b\"]"));
  }
  std::vector<Operand> out;
  for (const auto& el : *arr) {
    if (el.is_string() && is_var_ref(*el.value<std::string>())) {
      auto expanded = expand_list({*el.value<std::string>()}, vars, file, cfg::line_of(el), key);
      if (!expanded) return Unexpected(expanded.error());
      for (auto& s : *expanded) out.emplace_back(std::move(s));
      continue;
    }
    auto op = scalar_operand(el, vars, file, key);
    if (!op) return Unexpected(op.error());
    out.push_back(std::move(*op));
  }
  if (arr->empty())
    return Unexpected(cfg::error_at(file, cfg::line_of(n), key, "the list is empty"));
  return out;
}

[[nodiscard]] Expected<void> parse_field(const std::string& field, const toml::node& value,
                                         std::string_view file, const Vars& vars, Clause& out) {
  if (field.empty())
    return Unexpected(cfg::error_at(file, cfg::line_of(value), field, "empty field name"));
  if (value.is_array()) {
    return Unexpected(cfg::error_at(file, cfg::line_of(value), field,
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
    c.line = cfg::line_of(value);
    out.conditions.push_back(std::move(c));
    return {};
  }
  const auto& ops = *value.as_table();
  if (ops.empty()) {
    return Unexpected(
        cfg::error_at(file, cfg::line_of(value), field,
                      "no operator (use eq, in, not_in, gte, lte, matches or exists)"));
  }
  for (const auto& [k, n] : ops) {
    const std::string name(k.str());
    const std::string where = field + "." + name;
    Condition c;
    c.field = field;
    c.line = cfg::line_of(n);
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
        return Unexpected(
            cfg::error_at(file, cfg::line_of(n), where, "expected a regular expression"));
      }
      auto pat = substitute(*n.value<std::string>(), vars, file, cfg::line_of(n), where);
      if (!pat) return Unexpected(pat.error());
      try {
        c.regex = std::regex(*pat, std::regex::ECMAScript | std::regex::icase);
      } catch (const std::regex_error& e) {
        return Unexpected(cfg::error_at(file, cfg::line_of(n), where,
                                        "bad regular expression /" + *pat + "/: " + e.what()));
      }
      c.op = Op::kMatches;
      c.pattern = *pat;
    } else if (name == "exists") {
      if (!n.is_boolean()) {
        return Unexpected(cfg::error_at(file, cfg::line_of(n), where, "expected true or false"));
      }
      c.op = Op::kExists;
      c.exists = *n.value<bool>();
    } else {
      return Unexpected(cfg::error_at(
          file, cfg::line_of(n), where,
          "unknown operator '" + name +
              "' (use eq, in, not_in, gte, lte, matches or exists; quote dotted field names, "
              "e.g. \"to.domain\" = …)"));
    }
    out.conditions.push_back(std::move(c));
  }
  return {};
}

}  // namespace

[[nodiscard]] Expected<Clause> parse_when(const toml::node& when, std::string_view file,
                                          const Vars& vars) {
  const auto* table = when.as_table();
  if (!table) {
    return Unexpected(cfg::error_at(file, cfg::line_of(when), "when",
                                    "expected a table of conditions, e.g. { channel = \"C123\" }"));
  }
  Clause clause;
  clause.line = cfg::line_of(when);
  for (const auto& [k, n] : *table) {
    const std::string field(k.str());
    if (field == "any") {
      const auto* arr = n.as_array();
      if (!arr || arr->empty()) {
        return Unexpected(cfg::error_at(file, cfg::line_of(n), "any",
                                        "expected a non-empty list of condition tables, e.g. "
                                        "[ { a = 1 }, { b = 2 } ]"));
      }
      for (const auto& alt : *arr) {
        if (!alt.is_table()) {
          return Unexpected(cfg::error_at(file, cfg::line_of(alt), "any",
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

[[nodiscard]] Expected<std::string> substitute(std::string_view text, const Vars& vars,
                                               std::string_view file, std::uint32_t line,
                                               std::string_view key) {
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
          cfg::error_at(file, line, key, "unterminated ${ in '" + std::string(text) + "'"));
    }
    out.append(text.substr(pos, start - pos));
    std::string name(text.substr(start + 2, end - start - 2));
    auto it = vars.values.find(name);
    if (it == vars.values.end()) {
      return Unexpected(cfg::error_at(
          file, line, key, "unknown variable ${" + name + "} (known: " + var_names(vars) + ")"));
    }
    if (it->second.size() != 1) {
      return Unexpected(cfg::error_at(
          file, line, key,
          "variable ${" + name + "} has " + std::to_string(it->second.size()) +
              " values; a single value is needed here (use it inside a list: in = [\"${" + name +
              "}\"])"));
    }
    out += it->second.front();
    pos = end + 1;
  }
}

[[nodiscard]] Expected<std::vector<std::string>> expand_list(const std::vector<std::string>& items,
                                                             const Vars& vars,
                                                             std::string_view file,
                                                             std::uint32_t line,
                                                             std::string_view key) {
  std::vector<std::string> out;
  for (const auto& item : items) {
    if (is_var_ref(item)) {
      std::string name = item.substr(2, item.size() - 3);
      auto it = vars.values.find(name);
      if (it == vars.values.end()) {
        return Unexpected(cfg::error_at(
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

[[nodiscard]] Expected<std::string> read_text_file(const std::string& path) {
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
