#pragma once
// Strict TOML reading shared by the config file, the decision rights, the routing and every
// agent's rules: each value is type-checked, unknown keys are errors, and every error names
// the file, the line and the key ("rules.toml:12: key 'when.score': expected a number").
//
// Namespace `steward::cfg`, not `steward::toml`: inside namespace steward a nested `toml`
// would hide toml++'s own namespace.

#include <toml++/toml.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bot/core/expected.hpp"
#include "bot/core/secret.hpp"

namespace steward::cfg {

/// Whether "${NAME}" inside a value is replaced from the environment. The config file expands
/// (secrets stay in the environment); rules files written by owners are taken literally.
enum class Env { kLiteral, kExpand };

/// Parses a TOML file. kInvalidInput "FILE:LINE: description" on a syntax error, kNotFound
/// when the file cannot be read.
[[nodiscard]] Expected<toml::table> parse_file(const std::filesystem::path& file);
/// Parses TOML text; `file` names it in errors. kInvalidInput as above.
[[nodiscard]] Expected<toml::table> parse_text(std::string_view text, std::string_view file);

/// kInvalidInput "FILE:LINE: key 'KEY': WHAT" ("FILE:LINE: WHAT" when key is empty).
[[nodiscard]] Error error_at(std::string_view file, std::uint32_t line, std::string_view key,
                             std::string_view what);
/// The 1-based line a node starts on (0 for nodes built in memory).
[[nodiscard]] std::uint32_t line_of(const toml::node& node) noexcept;

/// Replaces every ${NAME} with the environment variable's value. kInvalidInput
/// "environment variable NAME is not set" when one is missing. Thread-safe if nothing
/// modifies the environment concurrently.
[[nodiscard]] Expected<std::string> expand_env(std::string_view raw);
/// "500ms", "30s", "5m", "24h", "7d" (surrounding spaces allowed); nullopt otherwise.
[[nodiscard]] std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);
/// "512B", "64KiB", "10MiB", "1GiB", "10KB"/"10MB"/"1GB" (powers of ten) or a plain number of
/// bytes; nullopt otherwise or on overflow.
[[nodiscard]] std::optional<std::uint64_t> parse_size(std::string_view text);

/// Reads one table. Every getter records the key as known; finish() then reports any key the
/// table holds that no getter asked for. A value that is absent gives the fallback; a value of
/// the wrong type or out of range records an error (the first one is kept) and gives the
/// fallback, so a reader can go through a whole section and report its first problem.
/// @par Thread safety: one reader per thread; the table must outlive the reader.
class Reader {
 public:
  /// `path` is the dotted name of this table in messages: "" at the root, "server",
  /// "forms.website".
  Reader(const toml::table& table, std::string file, std::string path = {},
         Env env = Env::kLiteral);

  /// A reader for the sub-table `key` of this table (which must be that table), sharing
  /// this reader's file and environment mode; its path is path.key.
  [[nodiscard]] Reader child(std::string_view key, const toml::table& table) const;

  [[nodiscard]] std::string string(std::string_view key, std::string fallback = {});
  [[nodiscard]] std::optional<std::string> optional_string(std::string_view key);
  /// Missing, or only whitespace: an error.
  [[nodiscard]] std::string required_string(std::string_view key);
  [[nodiscard]] Secret secret(std::string_view key);
  /// A whole number in [min, max]; with Env::kExpand also a string such as "${WORKERS}".
  [[nodiscard]] std::int64_t integer(std::string_view key, std::int64_t fallback, std::int64_t min,
                                     std::int64_t max);
  [[nodiscard]] std::optional<std::int64_t> optional_integer(std::string_view key);
  /// An integer or a float.
  [[nodiscard]] std::optional<double> optional_number(std::string_view key);
  /// true/false; with Env::kExpand also a string that expands to "true" or "false".
  [[nodiscard]] bool boolean(std::string_view key, bool fallback);
  /// A duration string (see parse_duration) in [min, max].
  [[nodiscard]] std::chrono::milliseconds duration(
      std::string_view key, std::chrono::milliseconds fallback,
      std::chrono::milliseconds min = std::chrono::milliseconds{0},
      std::chrono::milliseconds max = std::chrono::hours{24 * 365});
  /// A byte count: an integer or a size string (see parse_size), in [min, max].
  [[nodiscard]] std::uint64_t size(std::string_view key, std::uint64_t fallback, std::uint64_t min,
                                   std::uint64_t max);
  /// A list of strings; absent gives an empty list.
  [[nodiscard]] std::vector<std::string> strings(std::string_view key);
  [[nodiscard]] std::optional<std::vector<std::string>> optional_strings(std::string_view key);
  /// The sub-table `key`; nullptr when absent or (an error) not a table.
  [[nodiscard]] const toml::table* table(std::string_view key);
  /// The array of tables `[[key]]`; empty when absent, an error when it is something else.
  [[nodiscard]] std::vector<const toml::table*> tables(std::string_view key);
  /// The raw node (or nullptr), for values of a shape the getters do not cover.
  [[nodiscard]] const toml::node* node(std::string_view key);
  /// Marks keys as known without reading them (e.g. a section another module reads).
  void allow(std::initializer_list<std::string_view> keys);

  /// Records a problem with `key` at its line (the table's line when absent).
  void fail(std::string_view key, std::string_view what);
  /// Records a problem at a node inside this table's value of `key` (e.g. a list element).
  void fail_at(const toml::node& node, std::string_view key, std::string_view what);

  [[nodiscard]] bool ok() const noexcept { return !error_.has_value(); }
  /// The first recorded problem, if any.
  [[nodiscard]] Expected<void> status() const;
  /// The first recorded problem, else kInvalidInput for the first unknown key
  /// ("unknown key (expected one of: 'a', 'b')").
  [[nodiscard]] Expected<void> finish();

  [[nodiscard]] const std::string& file() const noexcept { return file_; }
  /// path.key, or key at the root.
  [[nodiscard]] std::string key_path(std::string_view key) const;
  /// The line the table starts on.
  [[nodiscard]] std::uint32_t line() const noexcept;
  [[nodiscard]] Env env() const noexcept { return env_; }

 private:
  /// The string value of `n` with ${NAME} expanded when the mode says so (records errors).
  std::optional<std::string> text(const toml::node& n, std::string_view key);

  const toml::table& table_;
  std::string file_;
  std::string path_;
  Env env_;
  std::vector<std::string> known_;
  std::optional<Error> error_;
};

}  // namespace steward::cfg
