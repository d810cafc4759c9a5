#pragma once
// steward.toml: the one configuration file. Every value may be "${ENV_NAME}".

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "bot/core/expected.hpp"
#include "bot/core/mailbox.hpp"
#include "bot/core/secret.hpp"
#include "bot/toml/reader.hpp"

namespace steward::runtime {

struct Person {
  std::string name, slack_id, email;
  std::vector<std::string> roles;
  std::string timezone = "UTC";
};

struct Config {
  std::filesystem::path file;  ///< empty when running on embedded defaults
  struct {
    std::string listen = "127.0.0.1:8080";
    std::size_t threads = 2;
    std::size_t body_limit = 1 << 20;
    std::chrono::milliseconds header_timeout{10000};  ///< slow-loris guard: whole header
    std::chrono::milliseconds body_timeout{30000};
    std::chrono::milliseconds idle_timeout{60000};  ///< keep-alive between requests
    std::size_t max_connections = 10000;
  } server;
  struct {
    std::filesystem::path path = "var/steward.db";
  } store;
  struct {
    /// Accepted but not yet processed events at most; beyond it ingest answers 503 with
    /// Retry-After, so a flood costs disk up to a bound and never memory.
    std::size_t max_pending = 50000;
    /// Events waiting for the group commit at most (held in memory; 503 beyond).
    std::size_t max_unwritten = 8192;
  } inbox;
  struct {
    std::string name = "Steward Demo Co";
    std::vector<std::string> domains;  ///< default: the domain of [email] from
  } company;
  /// The kernel's part of [slack]; the Slack connector reads the rest (connectors/slack/config).
  struct {
    Secret bot_token, signing_secret;
    std::string approvals_channel = "approvals";
    std::string sales_channel = "sales";
    std::string support_channel = "support";         ///< ticket summaries
    std::string escalation_channel = "escalations";  ///< risk cases, mentioning on-call
    /// The only place response_urls may point to. Slack's are https://hooks.slack.com/…; tests
    /// point it at a fake.
    std::string response_url_base = "https://hooks.slack.com/";
    [[nodiscard]] bool configured() const { return !bot_token.empty() && !signing_secret.empty(); }
  } slack;
  /// The kernel's part of [email]; the email connector reads the rest (connectors/email/config).
  struct {
    std::string from = "Steward <steward@demo.example>";
  } email;
  std::vector<Person> people;
  struct {
    std::filesystem::path dir;  ///< holds rules/ and templates/; default: see resolve_policies_dir
  } policies;
  struct {
    int max_attempts = 6;
    std::chrono::milliseconds base_backoff{1000};
    std::chrono::milliseconds max_backoff{300000};
    std::size_t workers = 2;
  } outbox;
  struct {
    std::chrono::milliseconds sweep_interval{30000};
  } approvals;
  struct {
    std::string format = "text";  ///< "text" | "json" (one JSON object per line)
    std::string level = "info";   ///< trace | debug | info | warn | error | off
  } log;
};

/// A top-level table read by another module (a connector): `read` gets the table (empty when
/// the file has none) and the reader the kernel uses for it, so keys neither reads are
/// reported as unknown.
struct ConfigSection {
  std::string name;
  std::function<Expected<void>(const toml::table& table, cfg::Reader& reader)> read;
};

/// Loads and validates a config file. Errors (kInvalidInput) read "FILE:LINE: key 'x': problem";
/// an unknown key, a wrong type, a missing ${ENV} variable or a bad value are all errors.
/// `scope`: when not empty, only these top-level sections are resolved; the others are read as
/// written (no ${ENV} expansion, no value checks; unknown keys and wrong types still fail), so
/// an offline command runs without the secrets of sections it does not use.
/// `sections`: the tables other modules read (connectors/builtin); without them those tables
/// are unknown keys.
[[nodiscard]] Expected<Config> load_config(const std::filesystem::path& file,
                                           const std::set<std::string, std::less<>>& scope = {},
                                           const std::vector<ConfigSection>& sections = {});
/// The embedded defaults used when no file is given (the connectors add theirs, e.g. the demo
/// form).
Config default_config();
/// The email domain of an address or "Name <addr>" ("" when none): the one definition in
/// bot/core/mailbox.hpp, named here for the config's callers.
using steward::email_domain;

}  // namespace steward::runtime
