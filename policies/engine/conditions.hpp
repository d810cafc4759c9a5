#pragma once
// The condition language shared by decision-rights.toml and routing.toml: a `when` table of
// field tests (implicit AND) with `any = [ {…}, {…} ]` for OR. Parsing is strict (every mistake is
// a start-up error with file:line) and evaluation explains itself in plain words.
//
// Semantics, chosen so that a rule owner can predict them and so that a mistake denies rather than
// allows:
//  - `field = value` means `eq`. Strings compare case-insensitively (ASCII) for eq, in and not_in,
//    because the values are domains, channel ids, form names and roles, where case never matters.
//  - Numbers compare numerically (integers and floats alike); a string never equals a number.
//  - `matches` is an ECMAScript regular expression, case-insensitive, found anywhere in the
//    value (anchor it with ^…$ for a whole-value match). It is compiled at load time.
//  - A missing (or null) field makes every test fail except `exists = false`. In particular
//    `not_in` FAILS on a missing field: a missing recipient domain never counts as "outside the
//    company", so such an action falls through to the default deny instead of to a permissive rule.
//  - When the field is a list (e.g. `actor.roles`, or `to.domain` for several recipients):
//    `eq` holds when any element equals the value ("has role director"); `in` holds when every
//    element is in the list; `not_in` holds when at least one element is outside the list (so it
//    is exactly "not in"); `matches` holds when any element matches. An empty list counts as
//    missing. So mail to one internal and one external address is *not* "in" the company domains.
//  - Variables: a string "${name}" inside a list expands to all values of `name`; anywhere else
//    "${name}" (also inside a longer string) must have exactly one value. Unknown variables are
//    load errors.

#include <toml++/toml.h>

#include <boost/json/value.hpp>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "bot/core/expected.hpp"
#include "bot/toml/reader.hpp"

namespace steward::policies {

/// Substitution values for `${slack.sales_channel}`, `${company.domains}` etc., taken from the
/// configuration at start-up. A variable may have several values (a list).
struct Vars {
  std::map<std::string, std::vector<std::string>> values;
};

/// The tests a condition can make.
enum class Op { kEq, kIn, kNotIn, kGte, kLte, kMatches, kExists };

/// "eq", "in", "not_in", "gte", "lte", "matches", "exists".
const char* op_name(Op op) noexcept;

/// A literal from the rules file (integers are kept as doubles; exact up to 2^53).
using Operand = std::variant<std::string, double, bool>;

/// One field test.
struct Condition {
  std::string field;  ///< dotted path, e.g. "to.domain", "lead.score"
  Op op = Op::kEq;
  std::vector<Operand> operands;  ///< eq/gte/lte: one; in/not_in: the (expanded) list
  bool exists = true;             ///< for kExists
  std::string pattern;            ///< for kMatches, as written
  std::regex regex;               ///< for kMatches, compiled (ECMAScript, icase)
  std::uint32_t line = 0;
};

/// All `conditions` hold and, when `any` is not empty, at least one of its clauses holds.
struct Clause {
  std::vector<Condition> conditions;
  std::vector<Clause> any;
  std::uint32_t line = 0;
};

/// Returns the value of a field by its dotted name, or nullopt when it is absent. Null values
/// should be reported as absent.
using FieldLookup = std::function<std::optional<boost::json::value>(std::string_view field)>;

/// The result of evaluating a clause: whether it holds, and one plain sentence per test looked
/// at, in order ("to.domain 'customer.example' is not in [acme.example]"). When it does not hold,
/// the last sentence is the one that failed.
struct Outcome {
  bool holds = true;
  std::vector<std::string> details;
};

/// Evaluates `clause` against the fields `lookup` provides. Pure; thread-safe.
Outcome evaluate(const Clause& clause, const FieldLookup& lookup);

/// A one-line rendering of a clause as written ("to.domain not_in [acme.example]"); empty for an
/// empty clause.
std::string describe(const Clause& clause);

/// Parses a `when` table (inline or not). Errors (kInvalidInput, "FILE:LINE: key 'x': …"): not a
/// table, unknown operator, wrong operand type, empty list, bad regex, unknown variable, a
/// multi-valued variable used as a single value.
[[nodiscard]] Expected<Clause> parse_when(const toml::node& when, std::string_view file,
                                          const Vars& vars);

/// Replaces every "${name}" in `text` by the single value of `name`. Errors: unknown variable, a
/// variable with other than exactly one value, an unterminated "${".
[[nodiscard]] Expected<std::string> substitute(std::string_view text, const Vars& vars,
                                               std::string_view file, std::uint32_t line,
                                               std::string_view key);

/// Expands a list of strings: an element that is exactly "${name}" becomes all values of `name`;
/// other elements go through substitute().
[[nodiscard]] Expected<std::vector<std::string>> expand_list(const std::vector<std::string>& items,
                                                             const Vars& vars,
                                                             std::string_view file,
                                                             std::uint32_t line,
                                                             std::string_view key);

/// True when `pattern` ("slack.post", "slack.*", "*") covers `kind`.
bool kind_matches(std::string_view pattern, std::string_view kind) noexcept;
/// True when `pattern` is well formed: "*", an exact kind, or a prefix ending in ".*".
bool valid_kind_pattern(std::string_view pattern) noexcept;

/// The domains (email_domain(), bot/core/mailbox.hpp) of one or more email addresses
/// ("Jane <jane@Acme.example>", "a@x.example, b@y.example"), without duplicates, in order;
/// nullopt when any address has no domain.
std::optional<std::vector<std::string>> email_domains(std::string_view addresses);

/// Parses "45s", "30m", "24h", "2d", "1w"; nullopt for anything else (zero is refused too).
std::optional<std::int64_t> parse_duration_seconds(std::string_view text) noexcept;

/// Reads a whole file. Error kNotFound / kInvalidInput naming the path when it cannot be read.
[[nodiscard]] Expected<std::string> read_text_file(const std::string& path);

/// Parses a rules file whose top-level key is an array of tables `[[key]]` (absent = none),
/// each entry read by `parse(table)` → Expected<T>. Entry ids must be unique: a repeat is an
/// error at the repeated id's line. `T` has `id` and `line` members. Other top-level keys are
/// errors, except those in `also` (read by the caller).
template <class T, class Parse>
[[nodiscard]] Expected<std::vector<T>> parse_entries(
    const toml::table& doc, std::string_view file, std::string_view key, Parse&& parse,
    std::initializer_list<std::string_view> also = {}) {
  std::vector<T> out;
  cfg::Reader top(doc, std::string(file));
  top.allow(also);
  const auto entries = top.tables(key);
  if (auto done = top.finish(); !done) return Unexpected(done.error());
  for (const auto* table : entries) {
    Expected<T> entry = parse(*table);
    if (!entry) return Unexpected(entry.error());
    for (const auto& prev : out) {
      if (prev.id != entry->id) continue;
      const auto* id_node = table->get("id");
      return Unexpected(cfg::error_at(file, id_node ? cfg::line_of(*id_node) : entry->line, "id",
                                      "duplicate " + std::string(key) + " id '" + entry->id +
                                          "' (first used at line " + std::to_string(prev.line) +
                                          ")"));
    }
    out.push_back(std::move(*entry));
  }
  return out;
}

}  // namespace steward::policies
