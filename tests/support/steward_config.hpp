#pragma once
// The one place the tests' steward.toml text comes from: a builder whose defaults are the
// shared test company (Acme, its people, its channels) and whose setters each driver uses for
// what it tests differently. Renders TOML the strict reader accepts.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace steward::testing {

/// One [[people]] entry.
struct Person {
  std::string name;
  std::string slack_id;
  std::string email;  ///< "" leaves the key out
  std::vector<std::string> roles;
};

/// @par Thread safety: a value type; not shared while being changed.
class StewardConfig {
 public:
  /// [server] on 127.0.0.1:0, [store] steward.db next to the config, [company] Acme with
  /// domain acme.example. Nothing else: connectors are added by the setters below.
  StewardConfig();

  // ---- typed values for any key (the section is created on first use, in order) -----------
  StewardConfig& str(std::string_view section, std::string_view key, std::string_view value);
  StewardConfig& num(std::string_view section, std::string_view key, std::int64_t value);
  StewardConfig& flag(std::string_view section, std::string_view key, bool value);
  StewardConfig& list(std::string_view section, std::string_view key,
                      const std::vector<std::string>& values);
  /// A duration such as "50ms" or "2s".
  StewardConfig& duration(std::string_view section, std::string_view key,
                          std::chrono::milliseconds value);
  StewardConfig& remove(std::string_view section, std::string_view key);

  // ---- the shared pieces -----------------------------------------------------------------
  /// [server] listen = "127.0.0.1:PORT" (0: any free port, reported through --port-file).
  StewardConfig& listen(int port);
  /// [store] path (relative paths are relative to the config file).
  StewardConfig& store(const std::filesystem::path& path);
  /// [slack] against a fake Web API: token and signing secret (literal or "${ENV}"), the
  /// fake's base URLs (response_url_base left out when ""), C_APPROVALS and C_SALES.
  StewardConfig& slack(std::string_view bot_token, std::string_view signing_secret,
                       std::string_view api_base, std::string_view response_url_base = "");
  /// [slack] support_channel C_SUPPORT and escalation_channel C_ESCALATE (the triage agent).
  StewardConfig& support_channels();
  /// [email] from and a maildir (relative to the config file) instead of SMTP.
  StewardConfig& maildir(std::string_view from, std::string_view dir = "mail");
  /// [email] from and SMTP to 127.0.0.1:port, user "steward" with `password`, trusting
  /// `ca_file` ("" leaves it out).
  StewardConfig& smtp(std::string_view from, int port, std::string_view password,
                      const std::filesystem::path& ca_file = {});
  /// [forms.NAME] with its format ("json", "typeform") and secret.
  StewardConfig& form(std::string_view name, std::string_view format, std::string_view secret);
  StewardConfig& person(Person p);
  /// The company's cast: Dana Director (U_DANA, director), Sam Sales (U_SAM, sales), Sue
  /// Support (U_SUE, support), Otto On-call (U0OTTO, on-call).
  StewardConfig& dana();
  StewardConfig& sam();
  StewardConfig& sue();
  StewardConfig& otto();

  [[nodiscard]] const std::filesystem::path& store_path() const { return store_path_; }
  /// The steward.toml text.
  [[nodiscard]] std::string text() const;

 private:
  struct Section {
    std::string name;
    std::vector<std::pair<std::string, std::string>> keys;  ///< key, rendered value
  };
  StewardConfig& put(std::string_view section, std::string_view key, std::string rendered);

  std::vector<Section> sections_;
  std::vector<Person> people_;
  std::filesystem::path store_path_ = "steward.db";
};

/// A TOML basic string literal for `s` (quotes and escapes added).
[[nodiscard]] std::string toml_string(std::string_view s);

}  // namespace steward::testing
