#pragma once
// steward.toml: the one configuration file. Every value may be "${ENV_NAME}".

#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "bot/core/expected.hpp"
#include "bot/core/secret.hpp"

namespace steward::runtime {

struct Person {
  std::string name, slack_id, email;
  std::vector<std::string> roles;
  std::string timezone = "UTC";
};

struct FormSection {
  std::string name;
  std::string format = "json";  ///< "typeform" | "json"
  Secret secret;
  std::map<std::string, std::string> refs;  ///< canonical field → provider ref
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
  struct {
    Secret bot_token, signing_secret;
    std::string api_base = "https://slack.com/api";
    std::string approvals_channel = "approvals";
    std::string sales_channel = "sales";
    std::string support_channel = "support";         ///< ticket summaries
    std::string escalation_channel = "escalations";  ///< risk cases, mentioning on-call
    /// Posts to one channel are spaced this far apart (Slack allows about one per second).
    std::chrono::milliseconds channel_interval{1000};
    std::chrono::milliseconds timeout{10000};  ///< one Web API call, connect to last byte
    /// The only place response_urls may point to. Slack's are https://hooks.slack.com/…; tests
    /// point it at a fake.
    std::string response_url_base = "https://hooks.slack.com/";
    /// The workspace and app whose requests are accepted. team_id defaults to what auth.test
    /// reports at start-up; app_id (Basic Information → App ID) is checked when set.
    std::string team_id, app_id;
    [[nodiscard]] bool configured() const { return !bot_token.empty() && !signing_secret.empty(); }
  } slack;
  struct {
    std::string from = "Steward <steward@demo.example>";
    std::filesystem::path maildir = "var/mail";  ///< used when smtp_url is not set
    Secret smtp_url;  ///< "smtp://[user:pass@]host:587" (STARTTLS) or "smtps://host:465"
    std::string smtp_username;
    Secret smtp_password;
    bool smtp_allow_plain = false;       ///< permit no TLS to a non-loopback relay
    std::filesystem::path smtp_ca_file;  ///< extra trusted CA (PEM)
    std::chrono::milliseconds smtp_timeout{60000};
    std::string reply_domain;  ///< reply+token@reply_domain; default: the domain of from
    Secret reply_secret;       ///< signs reply tokens; empty: no tokens
    std::size_t inbound_body_limit = 10 << 20;  ///< POST /hooks/email/{provider}
    struct {
      Secret signing_key;
    } mailgun;
    struct {
      std::string username;
      Secret password;
    } postmark;
    struct {
      Secret token;
      std::string username;
      Secret password;
    } sendgrid;
    [[nodiscard]] bool smtp_configured() const { return !smtp_url.empty(); }
  } email;
  std::vector<Person> people;
  std::vector<FormSection> forms;
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
  bool demo_form_secret = false;  ///< the built-in demo form secret is in use (warn)
};

/// Loads and validates a config file. Errors (kInvalidInput) read "FILE:LINE: key 'x': problem";
/// an unknown key, a wrong type, a missing ${ENV} variable or a bad value are all errors.
/// `scope`: when not empty, only these top-level sections are resolved; the others are read as
/// written (no ${ENV} expansion, no value checks; unknown keys and wrong types still fail), so
/// an offline command runs without the secrets of sections it does not use.
[[nodiscard]] Expected<Config> load_config(const std::filesystem::path& file,
                                           const std::set<std::string, std::less<>>& scope = {});
/// The embedded defaults used when no file is given (a demo "website" JSON form included).
Config default_config();
/// The email domain of an address or "Name <addr>" ("" when none).
std::string email_domain(std::string_view address);

}  // namespace steward::runtime
