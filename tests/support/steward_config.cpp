#include "tests/support/steward_config.hpp"

#include <algorithm>
#include <cstdio>

namespace steward::testing {

std::string toml_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

namespace {

std::string toml_list(const std::vector<std::string>& values) {
  std::string out = "[";
  for (std::size_t i = 0; i < values.size(); ++i) out += (i ? ", " : "") + toml_string(values[i]);
  return out + "]";
}

}  // namespace

StewardConfig::StewardConfig() {
  listen(0);
  store("steward.db");
  str("company", "name", "Acme");
  list("company", "domains", {"acme.example"});
}

StewardConfig& StewardConfig::put(std::string_view section, std::string_view key,
                                  std::string rendered) {
  auto s = std::find_if(sections_.begin(), sections_.end(),
                        [&](const Section& x) { return x.name == section; });
  if (s == sections_.end())
    s = sections_.insert(sections_.end(), Section{std::string(section), {}});
  auto k =
      std::find_if(s->keys.begin(), s->keys.end(), [&](const auto& kv) { return kv.first == key; });
  if (k == s->keys.end())
    s->keys.emplace_back(std::string(key), std::move(rendered));
  else
    k->second = std::move(rendered);
  return *this;
}

StewardConfig& StewardConfig::str(std::string_view section, std::string_view key,
                                  std::string_view value) {
  return put(section, key, toml_string(value));
}
StewardConfig& StewardConfig::num(std::string_view section, std::string_view key,
                                  std::int64_t value) {
  return put(section, key, std::to_string(value));
}
StewardConfig& StewardConfig::flag(std::string_view section, std::string_view key, bool value) {
  return put(section, key, value ? "true" : "false");
}
StewardConfig& StewardConfig::list(std::string_view section, std::string_view key,
                                   const std::vector<std::string>& values) {
  return put(section, key, toml_list(values));
}
StewardConfig& StewardConfig::duration(std::string_view section, std::string_view key,
                                       std::chrono::milliseconds value) {
  const auto ms = value.count();
  return str(section, key,
             ms % 1000 == 0 ? std::to_string(ms / 1000) + "s" : std::to_string(ms) + "ms");
}
StewardConfig& StewardConfig::remove(std::string_view section, std::string_view key) {
  for (auto& s : sections_)
    if (s.name == section) std::erase_if(s.keys, [&](const auto& kv) { return kv.first == key; });
  std::erase_if(sections_, [](const Section& s) { return s.keys.empty(); });
  return *this;
}

StewardConfig& StewardConfig::listen(int port) {
  return str("server", "listen", "127.0.0.1:" + std::to_string(port));
}
StewardConfig& StewardConfig::store(const std::filesystem::path& path) {
  store_path_ = path;
  return str("store", "path", path.string());
}
StewardConfig& StewardConfig::slack(std::string_view bot_token, std::string_view signing_secret,
                                    std::string_view api_base, std::string_view response_url_base) {
  str("slack", "bot_token", bot_token);
  str("slack", "signing_secret", signing_secret);
  str("slack", "api_base", api_base);
  if (!response_url_base.empty()) str("slack", "response_url_base", response_url_base);
  str("slack", "approvals_channel", "C_APPROVALS");
  return str("slack", "sales_channel", "C_SALES");
}
StewardConfig& StewardConfig::support_channels() {
  str("slack", "support_channel", "C_SUPPORT");
  return str("slack", "escalation_channel", "C_ESCALATE");
}
StewardConfig& StewardConfig::maildir(std::string_view from, std::string_view dir) {
  str("email", "from", from);
  return str("email", "maildir", dir);
}
StewardConfig& StewardConfig::smtp(std::string_view from, int port, std::string_view password,
                                   const std::filesystem::path& ca_file) {
  str("email", "from", from);
  str("email", "smtp_url", "smtp://127.0.0.1:" + std::to_string(port));
  str("email", "smtp_username", "steward");
  str("email", "smtp_password", password);
  if (!ca_file.empty()) str("email", "smtp_ca_file", ca_file.string());
  return *this;
}
StewardConfig& StewardConfig::form(std::string_view name, std::string_view format,
                                   std::string_view secret) {
  const std::string section = "forms." + std::string(name);
  str(section, "format", format);
  return str(section, "secret", secret);
}
StewardConfig& StewardConfig::person(Person p) {
  people_.push_back(std::move(p));
  return *this;
}
StewardConfig& StewardConfig::dana() {
  return person({"Dana Director", "U_DANA", "dana@acme.example", {"director"}});
}
StewardConfig& StewardConfig::sam() {
  return person({"Sam Sales", "U_SAM", "sam@acme.example", {"sales"}});
}
StewardConfig& StewardConfig::sue() {
  return person({"Sue Support", "U_SUE", "sue@acme.example", {"support"}});
}
StewardConfig& StewardConfig::otto() { return person({"Otto On-call", "U0OTTO", "", {"on-call"}}); }

std::string StewardConfig::text() const {
  std::string out;
  for (const auto& s : sections_) {
    out += "[" + s.name + "]\n";
    for (const auto& [k, v] : s.keys) out += k + " = " + v + "\n";
  }
  for (const auto& p : people_) {
    out += "[[people]]\nname = " + toml_string(p.name) + "\nslack_id = " + toml_string(p.slack_id) +
           "\n";
    if (!p.email.empty()) out += "email = " + toml_string(p.email) + "\n";
    out += "roles = " + toml_list(p.roles) + "\n";
  }
  return out;
}

}  // namespace steward::testing
