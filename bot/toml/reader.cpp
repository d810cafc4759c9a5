#include "bot/toml/reader.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>

#include "bot/core/text.hpp"

namespace steward::cfg {

namespace {

/// Leading decimal digits of `s` (at most 18, so the value fits), removed from `s`.
std::optional<std::uint64_t> take_number(std::string_view& s) {
  std::size_t i = 0;
  std::uint64_t v = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
    if (i == 18) return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(s[i] - '0');
    ++i;
  }
  if (i == 0) return std::nullopt;
  s.remove_prefix(i);
  return v;
}

bool multiply(std::uint64_t& v, std::uint64_t by) {
  if (by != 0 && v > std::numeric_limits<std::uint64_t>::max() / by) return false;
  v *= by;
  return true;
}

}  // namespace

Error error_at(std::string_view file, std::uint32_t line, std::string_view key,
               std::string_view what) {
  std::string msg(file);
  msg += ":" + std::to_string(line) + ": ";
  if (!key.empty()) msg += "key '" + std::string(key) + "': ";
  msg += what;
  return Error{Errc::kInvalidInput, std::move(msg), std::nullopt};
}

std::uint32_t line_of(const toml::node& node) noexcept {
  return static_cast<std::uint32_t>(node.source().begin.line);
}

[[nodiscard]] Expected<toml::table> parse_text(std::string_view text, std::string_view file) {
  try {
    return toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    return Unexpected(error_at(file, static_cast<std::uint32_t>(e.source().begin.line), "",
                               std::string(e.description())));
  }
}

[[nodiscard]] Expected<toml::table> parse_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return fail(Errc::kNotFound, file.string() + ": cannot read the file");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_text(text.str(), file.string());
}

[[nodiscard]] Expected<std::string> expand_env(std::string_view raw) {
  std::string out;
  std::size_t i = 0;
  while (i < raw.size()) {
    auto open = raw.find("${", i);
    if (open == std::string_view::npos) break;
    auto close = raw.find('}', open + 2);
    std::string_view name = close == std::string_view::npos
                                ? std::string_view{}
                                : raw.substr(open + 2, close - open - 2);
    const bool valid = !name.empty() && !std::isdigit(static_cast<unsigned char>(name.front())) &&
                       std::all_of(name.begin(), name.end(), [](char c) {
                         return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
                       });
    if (!valid) {  // not a reference: keep the text as written
      out.append(raw.substr(i, open + 2 - i));
      i = open + 2;
      continue;
    }
    out.append(raw.substr(i, open - i));
    const std::string var(name);
    const char* value = std::getenv(var.c_str());
    if (!value) return fail(Errc::kInvalidInput, "environment variable " + var + " is not set");
    out += value;
    i = close + 1;
  }
  out.append(raw.substr(std::min(i, raw.size())));
  return out;
}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  std::string_view s = trim(text);
  auto n = take_number(s);
  if (!n || *n > 999'999'999) return std::nullopt;
  s = trim(s);
  std::uint64_t unit = 0;
  if (s == "ms")
    unit = 1;
  else if (s == "s")
    unit = 1000;
  else if (s == "m")
    unit = 60'000;
  else if (s == "h")
    unit = 3'600'000;
  else if (s == "d")
    unit = 86'400'000;
  else
    return std::nullopt;
  return std::chrono::milliseconds(static_cast<std::int64_t>(*n * unit));
}

std::optional<std::uint64_t> parse_size(std::string_view text) {
  std::string_view s = trim(text);
  auto n = take_number(s);
  if (!n) return std::nullopt;
  s = trim(s);
  struct Unit {
    std::string_view name;
    std::uint64_t factor;
  };
  static constexpr Unit kUnits[] = {
      {"", 1},      {"B", 1},         {"KiB", 1ULL << 10}, {"MiB", 1ULL << 20}, {"GiB", 1ULL << 30},
      {"KB", 1000}, {"MB", 1000'000}, {"GB", 1000'000'000}};
  for (const auto& u : kUnits) {
    if (s != u.name) continue;
    std::uint64_t v = *n;
    if (!multiply(v, u.factor)) return std::nullopt;
    return v;
  }
  return std::nullopt;
}

// ---- Reader ----

Reader::Reader(const toml::table& table, std::string file, std::string path, Env env)
    : table_(table), file_(std::move(file)), path_(std::move(path)), env_(env) {}

Reader Reader::child(std::string_view key, const toml::table& table) const {
  return Reader(table, file_, key_path(key), env_);
}

std::string Reader::key_path(std::string_view key) const {
  if (path_.empty()) return std::string(key);
  return path_ + "." + std::string(key);
}

std::uint32_t Reader::line() const noexcept { return line_of(table_); }

const toml::node* Reader::node(std::string_view key) {
  if (std::find(known_.begin(), known_.end(), key) == known_.end()) known_.emplace_back(key);
  return table_.get(key);
}

void Reader::allow(std::initializer_list<std::string_view> keys) {
  for (auto k : keys) (void)node(k);
}

void Reader::fail(std::string_view key, std::string_view what) {
  if (error_) return;
  const auto* n = table_.get(key);
  error_ = error_at(file_, n ? line_of(*n) : line(), key_path(key), what);
}

void Reader::fail_at(const toml::node& n, std::string_view key, std::string_view what) {
  if (error_) return;
  error_ = error_at(file_, line_of(n), key_path(key), what);
}

std::optional<std::string> Reader::text(const toml::node& n, std::string_view key) {
  const std::string& raw = n.as_string()->get();
  if (env_ == Env::kLiteral) return raw;
  auto expanded = expand_env(raw);
  if (!expanded) {
    fail_at(n, key, expanded.error().message);
    return std::nullopt;
  }
  return std::move(*expanded);
}

std::optional<std::string> Reader::optional_string(std::string_view key) {
  const auto* n = node(key);
  if (!n) return std::nullopt;
  if (!n->is_string()) {
    fail(key, "expected a string");
    return std::nullopt;
  }
  return text(*n, key);
}

std::string Reader::string(std::string_view key, std::string fallback) {
  auto s = optional_string(key);
  return s ? std::move(*s) : std::move(fallback);
}

std::string Reader::required_string(std::string_view key) {
  const auto* n = node(key);
  if (!n) {
    fail(key, "missing (required)");
    return {};
  }
  auto s = optional_string(key);
  if (!s) return {};
  if (trim(*s).empty()) {
    fail(key, "must not be empty");
    return {};
  }
  return std::move(*s);
}

Secret Reader::secret(std::string_view key) { return Secret(string(key)); }

std::optional<std::int64_t> Reader::optional_integer(std::string_view key) {
  const auto* n = node(key);
  if (!n) return std::nullopt;
  if (n->is_integer()) return n->as_integer()->get();
  if (n->is_string() && env_ == Env::kExpand) {
    auto s = text(*n, key);
    if (!s) return std::nullopt;
    std::string_view v = trim(*s);
    bool negative = !v.empty() && v.front() == '-';
    if (negative) v.remove_prefix(1);
    auto digits = take_number(v);
    if (digits && v.empty()) {
      auto value = static_cast<std::int64_t>(*digits);
      return negative ? -value : value;
    }
  }
  fail(key, "expected a whole number");
  return std::nullopt;
}

std::int64_t Reader::integer(std::string_view key, std::int64_t fallback, std::int64_t min,
                             std::int64_t max) {
  auto v = optional_integer(key);
  if (!v) return fallback;
  if (*v < min || *v > max) {
    fail(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return fallback;
  }
  return *v;
}

std::optional<double> Reader::optional_number(std::string_view key) {
  const auto* n = node(key);
  if (!n) return std::nullopt;
  if (n->is_integer()) return static_cast<double>(n->as_integer()->get());
  if (n->is_floating_point()) return n->as_floating_point()->get();
  fail(key, "expected a number");
  return std::nullopt;
}

bool Reader::boolean(std::string_view key, bool fallback) {
  const auto* n = node(key);
  if (!n) return fallback;
  if (n->is_boolean()) return n->as_boolean()->get();
  if (n->is_string() && env_ == Env::kExpand) {
    auto s = text(*n, key);
    if (!s) return fallback;
    if (trim(*s) == "true") return true;
    if (trim(*s) == "false") return false;
  }
  fail(key, "must be true or false");
  return fallback;
}

namespace {

/// The bound check shared by duration() and size(); "" when `v` is in [min, max].
template <class T>
std::string out_of_range(T v, T min, T max, std::string_view unit) {
  if (v >= min && v <= max) return {};
  return "must be between " + std::to_string(min) + unit.data() + " and " + std::to_string(max) +
         unit.data();
}

}  // namespace

std::chrono::milliseconds Reader::duration(std::string_view key, std::chrono::milliseconds fallback,
                                           std::chrono::milliseconds min,
                                           std::chrono::milliseconds max) {
  const auto* n = node(key);
  if (!n) return fallback;
  auto s = n->is_string() ? text(*n, key) : std::nullopt;
  if (n->is_string() && !s) return fallback;  // ${NAME} not set: already reported
  auto d = s ? parse_duration(*s) : std::nullopt;
  if (!d) {
    fail(key, "must be a duration like \"500ms\", \"30s\", \"5m\", \"24h\"");
    return fallback;
  }
  auto range = out_of_range(d->count(), min.count(), max.count(), "ms");
  if (!range.empty()) fail(key, range);
  return range.empty() ? *d : fallback;
}

std::uint64_t Reader::size(std::string_view key, std::uint64_t fallback, std::uint64_t min,
                           std::uint64_t max) {
  const auto* n = node(key);
  if (!n) return fallback;
  std::optional<std::uint64_t> v;
  if (n->is_integer() && n->as_integer()->get() >= 0) {
    v = static_cast<std::uint64_t>(n->as_integer()->get());
  } else if (n->is_string()) {
    auto s = text(*n, key);
    if (!s) return fallback;  // ${NAME} not set: already reported
    v = parse_size(*s);
  }
  if (!v) {
    fail(key, "must be a size in bytes, e.g. 1048576 or \"1MiB\"");
    return fallback;
  }
  auto range = out_of_range(*v, min, max, " bytes");
  if (!range.empty()) fail(key, range);
  return range.empty() ? *v : fallback;
}

std::optional<std::vector<std::string>> Reader::optional_strings(std::string_view key) {
  const auto* n = node(key);
  if (!n) return std::nullopt;
  const auto* arr = n->as_array();
  if (!arr) {
    fail(key, "expected a list of strings, e.g. [\"a\", \"b\"]");
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (const auto& el : *arr) {
    if (!el.is_string()) {
      fail_at(el, key, "every element must be a string");
      return std::nullopt;
    }
    auto s = text(el, key);
    if (!s) return std::nullopt;
    out.push_back(std::move(*s));
  }
  return out;
}

std::vector<std::string> Reader::strings(std::string_view key) {
  auto v = optional_strings(key);
  return v ? std::move(*v) : std::vector<std::string>{};
}

const toml::table* Reader::table(std::string_view key) {
  const auto* n = node(key);
  if (!n) return nullptr;
  if (!n->is_table()) {
    fail(key, "expected a table ([" + key_path(key) + "])");
    return nullptr;
  }
  return n->as_table();
}

std::vector<const toml::table*> Reader::tables(std::string_view key) {
  std::vector<const toml::table*> out;
  const auto* n = node(key);
  if (!n) return out;
  const auto* arr = n->as_array();
  if (!arr || !arr->is_array_of_tables()) {
    fail(key, "expected [[" + key_path(key) + "]] tables");
    return out;
  }
  for (const auto& el : *arr) out.push_back(el.as_table());
  return out;
}

Expected<void> Reader::status() const {
  if (error_) return Unexpected(*error_);
  return {};
}

Expected<void> Reader::finish() {
  if (error_) return Unexpected(*error_);
  for (const auto& [k, n] : table_) {
    if (std::find(known_.begin(), known_.end(), k.str()) != known_.end()) continue;
    std::string expected;
    for (const auto& name : known_) expected += (expected.empty() ? "'" : ", '") + name + "'";
    auto at =
        k.source().begin.line ? static_cast<std::uint32_t>(k.source().begin.line) : line_of(n);
    error_ = error_at(file_, at, key_path(k.str()),
                      expected.empty() ? "unknown key (this table takes no keys)"
                                       : "unknown key (expected one of: " + expected + ")");
    return Unexpected(*error_);
  }
  return {};
}

}  // namespace steward::cfg
