#include "bot/runtime/config.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cstdlib>
#include <regex>
#include <set>

namespace steward::runtime {

namespace {

constexpr const char* kDemoFormSecret = "steward-demo-form-secret";

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

/// Collects the first error; every problem names file, line and key.
class Reader {
 public:
  Reader(std::string file, const std::set<std::string, std::less<>>& scope)
      : file_(std::move(file)), scope_(scope) {}
  bool ok() const { return error_.empty(); }
  /// The top-level section being read: outside the scope its values are taken as written (no
  /// ${ENV} expansion) and only its shape is checked.
  void enter(std::string_view section) { resolving_ = scope_.empty() || scope_.count(section) > 0; }
  /// True when values are resolved and a value check should run.
  bool checks() const { return ok() && resolving_; }
  /// A problem with a value's content, reported only for a section in scope.
  void value_problem(const toml::node* node, std::string_view key, std::string_view what) {
    if (resolving_) problem(node, key, what);
  }
  const std::string& error() const { return error_; }

  void problem(const toml::node* node, std::string_view key, std::string_view what) {
    if (!error_.empty()) return;
    auto line = node ? node->source().begin.line : 0;
    error_ = file_ + ":" + std::to_string(line) + ": key '" + std::string(key) +
             "': " + std::string(what);
  }

  // Expands ${NAME} from the environment; a missing variable is an error.
  std::string expand(const toml::node* node, std::string_view key, const std::string& raw) {
    if (!resolving_) return raw;
    static const std::regex var(R"(\$\{([A-Za-z_][A-Za-z0-9_]*)\})");
    std::string out;
    auto begin = std::sregex_iterator(raw.begin(), raw.end(), var);
    std::size_t last = 0;
    for (auto it = begin; it != std::sregex_iterator(); ++it) {
      out.append(raw, last, static_cast<std::size_t>(it->position()) - last);
      const char* v = std::getenv((*it)[1].str().c_str());
      if (!v) {
        problem(node, key, "environment variable " + (*it)[1].str() + " is not set");
        return {};
      }
      out += v;
      last = static_cast<std::size_t>(it->position() + it->length());
    }
    out.append(raw, last);
    return out;
  }

  std::string str(const toml::table& t, std::string_view key, std::string fallback) {
    const toml::node* n = t.get(key);
    if (!n) return fallback;
    if (!n->is_string()) {
      problem(n, key, "must be a string");
      return fallback;
    }
    return expand(n, key, n->as_string()->get());
  }

  std::int64_t integer(const toml::table& t, std::string_view key, std::int64_t fallback,
                       std::int64_t min, std::int64_t max) {
    const toml::node* n = t.get(key);
    if (!n) return fallback;
    std::int64_t v = fallback;
    if (n->is_integer()) {
      v = n->as_integer()->get();
    } else if (n->is_string()) {
      auto s = expand(n, key, n->as_string()->get());
      char* end = nullptr;
      v = std::strtoll(s.c_str(), &end, 10);
      if (s.empty() || *end) {
        value_problem(n, key, "must be an integer");
        return fallback;
      }
    } else {
      problem(n, key, "must be an integer");
      return fallback;
    }
    if (v < min || v > max) {
      value_problem(n, key,
                    "must be between " + std::to_string(min) + " and " + std::to_string(max));
      return fallback;
    }
    return v;
  }

  bool boolean(const toml::table& t, std::string_view key, bool fallback) {
    const toml::node* n = t.get(key);
    if (!n) return fallback;
    if (n->is_boolean()) return n->as_boolean()->get();
    if (n->is_string()) {  // "${ENV}", like every other value
      auto s = expand(n, key, n->as_string()->get());
      if (s == "true") return true;
      if (s == "false") return false;
      value_problem(n, key, "must be true or false");
      return fallback;
    }
    problem(n, key, "must be true or false");
    return fallback;
  }

  std::vector<std::string> strings(const toml::table& t, std::string_view key) {
    std::vector<std::string> out;
    const toml::node* n = t.get(key);
    if (!n) return out;
    const toml::array* a = n->as_array();
    if (!a) {
      problem(n, key, "must be a list of strings");
      return out;
    }
    for (const auto& item : *a) {
      if (!item.is_string()) {
        problem(&item, key, "must be a list of strings");
        return out;
      }
      out.push_back(expand(&item, key, item.as_string()->get()));
    }
    return out;
  }

  void only(const toml::table& t, std::string_view section, std::set<std::string> allowed) {
    for (const auto& [k, v] : t) {
      if (!allowed.count(std::string(k.str()))) {
        problem(&v,
                section.empty() ? std::string(k.str())
                                : std::string(section) + "." + std::string(k.str()),
                "unknown key");
        return;
      }
    }
  }

  const toml::table* table(const toml::table& root, std::string_view key) {
    const toml::node* n = root.get(key);
    if (!n) return nullptr;
    if (!n->is_table()) {
      problem(n, key, "must be a table");
      return nullptr;
    }
    return n->as_table();
  }

 private:
  std::string file_;
  const std::set<std::string, std::less<>>& scope_;
  bool resolving_ = true;
  std::string error_;
};

std::chrono::milliseconds duration_ms(Reader& r, const toml::table& t, std::string_view key,
                                      std::chrono::milliseconds fallback) {
  const toml::node* n = t.get(key);
  if (!n) return fallback;
  auto s = r.str(t, key, "");
  static const std::regex re(R"(^\s*(\d{1,9})\s*(ms|s|m|h|d)\s*$)");
  std::smatch m;
  if (!std::regex_match(s, m, re)) {
    r.value_problem(n, key, "must be a duration like \"500ms\", \"30s\", \"5m\", \"24h\"");
    return fallback;
  }
  long long v = std::stoll(m[1]);
  std::string u = m[2];
  long long mult = u == "ms"  ? 1
                   : u == "s" ? 1000
                   : u == "m" ? 60000
                   : u == "h" ? 3600000
                              : 86400000;
  return std::chrono::milliseconds(v * mult);
}

bool valid_listen(const std::string& s) {
  static const std::regex re(R"(^[A-Za-z0-9\.\-\[\]:]+:\d{1,5}$)");
  return std::regex_match(s, re);
}

void finish_defaults(Config& c) {
  if (c.company.domains.empty()) {
    auto d = email_domain(c.email.from);
    if (!d.empty()) c.company.domains.push_back(d);
  }
  for (auto& d : c.company.domains) d = lower(d);
  if (c.email.reply_domain.empty()) c.email.reply_domain = email_domain(c.email.from);
}

}  // namespace

std::string email_domain(std::string_view address) {
  auto lt = address.find('<');
  if (lt != std::string_view::npos) {
    auto gt = address.find('>', lt);
    address =
        address.substr(lt + 1, gt == std::string_view::npos ? std::string_view::npos : gt - lt - 1);
  }
  auto at = address.rfind('@');
  if (at == std::string_view::npos || at + 1 >= address.size()) return {};
  std::string d(address.substr(at + 1));
  while (!d.empty() && (d.back() == ' ' || d.back() == '>')) d.pop_back();
  return lower(d);
}

Config default_config() {
  Config c;
  FormSection website;
  website.name = "website";
  website.format = "json";
  const char* env = std::getenv("STEWARD_FORM_SECRET");
  website.secret = Secret(env && *env ? env : kDemoFormSecret);
  c.demo_form_secret = !(env && *env);
  c.forms.push_back(std::move(website));
  // A demo director, so `steward approvals approve ID --as U0DEMODIRECTOR` works out of the box.
  c.people.push_back(
      Person{"Dana Demo (director)", "U0DEMODIRECTOR", "dana@demo.example", {"director"}, "UTC"});
  // The embedded defaults take the two values operators most often need to move.
  if (const char* v = std::getenv("STEWARD_LISTEN"); v && *v) c.server.listen = v;
  if (const char* v = std::getenv("STEWARD_STORE_PATH"); v && *v) c.store.path = v;
  finish_defaults(c);
  return c;
}

Expected<Config> load_config(const std::filesystem::path& file,
                             const std::set<std::string, std::less<>>& scope) {
  toml::table root;
  try {
    root = toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    return fail(Errc::kInvalidInput, file.string() + ":" + std::to_string(e.source().begin.line) +
                                         ": " + std::string(e.description()));
  }
  Config c;
  c.file = file;
  Reader r(file.string(), scope);
  r.only(root, "",
         {"server", "store", "inbox", "company", "slack", "email", "people", "forms", "policies",
          "outbox", "approvals", "log"});

  r.enter("server");
  if (auto* t = r.table(root, "server")) {
    r.only(*t, "server",
           {"listen", "threads", "body_limit", "header_timeout", "body_timeout", "idle_timeout",
            "max_connections"});
    c.server.listen = r.str(*t, "listen", c.server.listen);
    if (r.checks() && !valid_listen(c.server.listen))
      r.problem(t->get("listen"), "server.listen", "must be host:port, e.g. 127.0.0.1:8080");
    c.server.threads = static_cast<std::size_t>(r.integer(*t, "threads", 2, 1, 64));
    c.server.body_limit =
        static_cast<std::size_t>(r.integer(*t, "body_limit", 1 << 20, 1024, 64 << 20));
    c.server.header_timeout = duration_ms(r, *t, "header_timeout", c.server.header_timeout);
    c.server.body_timeout = duration_ms(r, *t, "body_timeout", c.server.body_timeout);
    c.server.idle_timeout = duration_ms(r, *t, "idle_timeout", c.server.idle_timeout);
    c.server.max_connections =
        static_cast<std::size_t>(r.integer(*t, "max_connections", 10000, 1, 1000000));
  }
  r.enter("inbox");
  if (auto* t = r.table(root, "inbox")) {
    r.only(*t, "inbox", {"max_pending", "max_unwritten"});
    c.inbox.max_pending =
        static_cast<std::size_t>(r.integer(*t, "max_pending", 50000, 1, 100000000));
    c.inbox.max_unwritten =
        static_cast<std::size_t>(r.integer(*t, "max_unwritten", 8192, 1, 1000000));
  }
  r.enter("store");
  if (auto* t = r.table(root, "store")) {
    r.only(*t, "store", {"path"});
    c.store.path = r.str(*t, "path", c.store.path.string());
  }
  r.enter("company");
  if (auto* t = r.table(root, "company")) {
    r.only(*t, "company", {"name", "domains"});
    c.company.name = r.str(*t, "name", c.company.name);
    c.company.domains = r.strings(*t, "domains");
  }
  r.enter("slack");
  if (auto* t = r.table(root, "slack")) {
    r.only(*t, "slack",
           {"bot_token", "signing_secret", "api_base", "approvals_channel", "sales_channel",
            "support_channel", "escalation_channel", "channel_interval", "timeout", "app_id",
            "team_id", "response_url_base"});
    c.slack.channel_interval = duration_ms(r, *t, "channel_interval", c.slack.channel_interval);
    c.slack.timeout = duration_ms(r, *t, "timeout", c.slack.timeout);
    c.slack.bot_token = Secret(r.str(*t, "bot_token", ""));
    c.slack.signing_secret = Secret(r.str(*t, "signing_secret", ""));
    c.slack.api_base = r.str(*t, "api_base", c.slack.api_base);
    c.slack.approvals_channel = r.str(*t, "approvals_channel", c.slack.approvals_channel);
    c.slack.sales_channel = r.str(*t, "sales_channel", c.slack.sales_channel);
    c.slack.support_channel = r.str(*t, "support_channel", c.slack.support_channel);
    c.slack.escalation_channel = r.str(*t, "escalation_channel", c.slack.escalation_channel);
    c.slack.app_id = r.str(*t, "app_id", "");
    c.slack.team_id = r.str(*t, "team_id", "");
    c.slack.response_url_base = r.str(*t, "response_url_base", c.slack.response_url_base);
    if (r.checks() &&
        (c.slack.response_url_base.empty() || c.slack.response_url_base.back() != '/' ||
         (c.slack.response_url_base.rfind("https://", 0) != 0 &&
          c.slack.response_url_base.rfind("http://", 0) != 0)))
      r.problem(t->get("response_url_base"), "slack.response_url_base",
                "must be an http(s) URL ending in '/', like \"https://hooks.slack.com/\"");
    if (r.checks() && c.slack.bot_token.empty() != c.slack.signing_secret.empty())
      r.problem(t, "slack", "set both bot_token and signing_secret, or neither");
  }
  r.enter("email");
  if (auto* t = r.table(root, "email")) {
    r.only(*t, "email",
           {"from", "maildir", "smtp_url", "smtp_username", "smtp_password", "smtp_allow_plain",
            "smtp_ca_file", "smtp_timeout", "reply_domain", "reply_secret", "inbound_body_limit",
            "mailgun", "postmark", "sendgrid"});
    auto& e = c.email;
    e.from = r.str(*t, "from", e.from);
    e.maildir = r.str(*t, "maildir", e.maildir.string());
    if (r.checks() && email_domain(e.from).empty())
      r.problem(t->get("from"), "email.from", "must be an address like \"Name <a@b.example>\"");
    e.smtp_url = Secret(r.str(*t, "smtp_url", ""));
    if (r.checks() && !e.smtp_url.empty() && e.smtp_url.reveal().rfind("smtp://", 0) != 0 &&
        e.smtp_url.reveal().rfind("smtps://", 0) != 0)
      // The value itself is not echoed: it may carry a password.
      r.problem(t->get("smtp_url"), "email.smtp_url", "must start with smtp:// or smtps://");
    e.smtp_username = r.str(*t, "smtp_username", "");
    e.smtp_password = Secret(r.str(*t, "smtp_password", ""));
    e.smtp_allow_plain = r.boolean(*t, "smtp_allow_plain", false);
    e.smtp_ca_file = r.str(*t, "smtp_ca_file", "");
    e.smtp_timeout = duration_ms(r, *t, "smtp_timeout", e.smtp_timeout);
    e.reply_domain = lower(r.str(*t, "reply_domain", ""));
    e.reply_secret = Secret(r.str(*t, "reply_secret", ""));
    // The secret signs every reply address a customer ever gets; a short one can be guessed
    // offline from a single address. The value itself is never echoed.
    if (r.checks() && !e.reply_secret.empty() && e.reply_secret.reveal().size() < 32)
      r.problem(t->get("reply_secret"), "email.reply_secret",
                "must be at least 32 bytes (e.g. `openssl rand -hex 32`), got " +
                    std::to_string(e.reply_secret.reveal().size()));
    e.inbound_body_limit = static_cast<std::size_t>(
        r.integer(*t, "inbound_body_limit", 10 << 20, 1024, std::int64_t{64} << 20));
    if (auto* m = r.table(*t, "mailgun")) {
      r.only(*m, "email.mailgun", {"signing_key"});
      e.mailgun.signing_key = Secret(r.str(*m, "signing_key", ""));
      if (r.checks() && e.mailgun.signing_key.empty())
        r.problem(m, "email.mailgun.signing_key", "is required (webhooks are always verified)");
    }
    if (auto* m = r.table(*t, "postmark")) {
      r.only(*m, "email.postmark", {"username", "password"});
      e.postmark.username = r.str(*m, "username", "");
      e.postmark.password = Secret(r.str(*m, "password", ""));
      if (r.checks() && (e.postmark.username.empty() || e.postmark.password.empty()))
        r.problem(m, "email.postmark", "username and password are required (basic auth)");
    }
    if (auto* m = r.table(*t, "sendgrid")) {
      r.only(*m, "email.sendgrid", {"token", "username", "password"});
      e.sendgrid.token = Secret(r.str(*m, "token", ""));
      e.sendgrid.username = r.str(*m, "username", "");
      e.sendgrid.password = Secret(r.str(*m, "password", ""));
      if (r.checks() && e.sendgrid.token.empty() &&
          (e.sendgrid.username.empty() || e.sendgrid.password.empty()))
        r.problem(m, "email.sendgrid", "set token, or username and password (basic auth)");
    }
  }
  r.enter("people");
  if (const toml::node* n = root.get("people")) {
    if (!n->is_array_of_tables()) {
      r.problem(n, "people", "must be [[people]] entries");
    } else {
      for (const auto& item : *n->as_array()) {
        const auto& t = *item.as_table();
        r.only(t, "people", {"name", "slack_id", "email", "roles", "timezone"});
        Person p;
        p.name = r.str(t, "name", "");
        p.slack_id = r.str(t, "slack_id", "");
        p.email = lower(r.str(t, "email", ""));
        p.roles = r.strings(t, "roles");
        p.timezone = r.str(t, "timezone", "UTC");
        if (r.checks() && p.name.empty()) r.problem(&t, "people.name", "is required");
        if (r.checks() && p.slack_id.empty() && p.email.empty())
          r.problem(&t, "people.slack_id", "a person needs a slack_id or an email");
        c.people.push_back(std::move(p));
      }
    }
  }
  r.enter("forms");
  if (auto* t = r.table(root, "forms")) {
    for (const auto& [name, node] : *t) {
      std::string key = "forms." + std::string(name.str());
      if (!node.is_table()) {
        r.problem(&node, key, "must be a table");
        break;
      }
      const auto& ft = *node.as_table();
      r.only(ft, key, {"format", "secret", "refs"});
      FormSection f;
      f.name = std::string(name.str());
      f.format = r.str(ft, "format", "json");
      if (r.checks() && f.format != "typeform" && f.format != "json")
        r.problem(ft.get("format"), key + ".format", "must be \"typeform\" or \"json\"");
      f.secret = Secret(r.str(ft, "secret", ""));
      if (r.checks() && f.secret.empty())
        r.problem(&ft, key + ".secret", "is required (webhooks are always verified)");
      if (auto* refs = r.table(ft, "refs")) {
        for (const auto& [canon, ref] : *refs) {
          if (!ref.is_string()) {
            r.problem(&ref, key + ".refs." + std::string(canon.str()), "must be a string");
            break;
          }
          f.refs[std::string(canon.str())] = ref.as_string()->get();
        }
      }
      c.forms.push_back(std::move(f));
    }
  }
  r.enter("policies");
  if (auto* t = r.table(root, "policies")) {
    r.only(*t, "policies", {"dir"});
    c.policies.dir = r.str(*t, "dir", "");
  }
  r.enter("outbox");
  if (auto* t = r.table(root, "outbox")) {
    r.only(*t, "outbox", {"max_attempts", "base_backoff", "max_backoff", "workers"});
    c.outbox.max_attempts = static_cast<int>(r.integer(*t, "max_attempts", 6, 1, 100));
    c.outbox.base_backoff = duration_ms(r, *t, "base_backoff", c.outbox.base_backoff);
    c.outbox.max_backoff = duration_ms(r, *t, "max_backoff", c.outbox.max_backoff);
    c.outbox.workers = static_cast<std::size_t>(r.integer(*t, "workers", 2, 1, 32));
  }
  r.enter("approvals");
  if (auto* t = r.table(root, "approvals")) {
    r.only(*t, "approvals", {"sweep_interval"});
    c.approvals.sweep_interval = duration_ms(r, *t, "sweep_interval", c.approvals.sweep_interval);
  }
  r.enter("log");
  if (auto* t = r.table(root, "log")) {
    r.only(*t, "log", {"format", "level"});
    c.log.format = r.str(*t, "format", c.log.format);
    if (r.checks() && c.log.format != "text" && c.log.format != "json")
      r.problem(t->get("format"), "log.format", "must be \"text\" or \"json\"");
    c.log.level = r.str(*t, "level", c.log.level);
    static const std::set<std::string> levels{"trace", "debug", "info", "warn", "error", "off"};
    if (r.checks() && !levels.count(c.log.level))
      r.problem(t->get("level"), "log.level",
                "must be one of \"trace\", \"debug\", \"info\", \"warn\", \"error\", \"off\"");
  }
  if (!r.ok()) return fail(Errc::kInvalidInput, r.error());
  if (!c.file.empty() && !c.file.parent_path().empty()) {
    // Relative paths in a config file are relative to the file, so `steward serve --config
    // /etc/steward/steward.toml` works from any directory.
    auto base = c.file.parent_path();
    if (c.store.path.is_relative()) c.store.path = base / c.store.path;
    if (c.email.maildir.is_relative()) c.email.maildir = base / c.email.maildir;
    if (!c.email.smtp_ca_file.empty() && c.email.smtp_ca_file.is_relative())
      c.email.smtp_ca_file = base / c.email.smtp_ca_file;
    if (!c.policies.dir.empty() && c.policies.dir.is_relative())
      c.policies.dir = base / c.policies.dir;
  }
  finish_defaults(c);
  return c;
}

}  // namespace steward::runtime
