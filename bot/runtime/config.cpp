#include "bot/runtime/config.hpp"

#include <algorithm>
#include <cstdlib>
#include <regex>

#include "bot/core/text.hpp"

namespace steward::runtime {

namespace {

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
}

// One reader per top-level table. `check` is false outside the load's scope: values are taken
// as written, so only their shape is checked.

void read_server(cfg::Reader& r, bool check, Config& c) {
  auto& s = c.server;
  s.listen = r.string("listen", s.listen);
  if (check && r.ok() && !valid_listen(s.listen))
    r.fail("listen", "must be host:port, e.g. 127.0.0.1:8080");
  s.threads = static_cast<std::size_t>(r.integer("threads", 2, 1, 64));
  s.body_limit = static_cast<std::size_t>(r.size("body_limit", s.body_limit, 1024, 64 << 20));
  s.header_timeout = r.duration("header_timeout", s.header_timeout);
  s.body_timeout = r.duration("body_timeout", s.body_timeout);
  s.idle_timeout = r.duration("idle_timeout", s.idle_timeout);
  s.max_connections = static_cast<std::size_t>(r.integer("max_connections", 10000, 1, 1000000));
}

void read_slack(cfg::Reader& r, bool check, Config& c) {
  auto& s = c.slack;
  s.bot_token = r.secret("bot_token");
  s.signing_secret = r.secret("signing_secret");
  s.approvals_channel = r.string("approvals_channel", s.approvals_channel);
  s.sales_channel = r.string("sales_channel", s.sales_channel);
  s.support_channel = r.string("support_channel", s.support_channel);
  s.escalation_channel = r.string("escalation_channel", s.escalation_channel);
  s.response_url_base = r.string("response_url_base", s.response_url_base);
  const auto& base = s.response_url_base;
  if (check && r.ok() &&
      (base.empty() || base.back() != '/' ||
       (base.rfind("https://", 0) != 0 && base.rfind("http://", 0) != 0)))
    r.fail("response_url_base",
           "must be an http(s) URL ending in '/', like \"https://hooks.slack.com/\"");
  if (check && r.ok() && s.bot_token.empty() != s.signing_secret.empty())
    r.fail(s.bot_token.empty() ? "signing_secret" : "bot_token",
           "set both bot_token and signing_secret, or neither");
}

[[nodiscard]] Expected<void> read_people(cfg::Reader& root, bool check, Config& c) {
  for (const auto* t : root.tables("people")) {
    auto r = root.child("people", *t);
    Person p;
    p.name = r.string("name");
    p.slack_id = r.string("slack_id");
    p.email = lower(r.string("email"));
    p.roles = r.strings("roles");
    p.timezone = r.string("timezone", "UTC");
    if (check && r.ok() && p.name.empty()) r.fail("name", "is required");
    if (check && r.ok() && p.slack_id.empty() && p.email.empty())
      r.fail("slack_id", "a person needs a slack_id or an email");
    if (auto done = r.finish(); !done) return done;
    c.people.push_back(std::move(p));
  }
  return root.status();
}

}  // namespace

Config default_config() {
  Config c;
  // A demo director, so `steward approvals approve ID --as U0DEMODIRECTOR` works out of the box.
  c.people.push_back(
      Person{"Dana Demo (director)", "U0DEMODIRECTOR", "dana@demo.example", {"director"}, "UTC"});
  // The embedded defaults take the two values operators most often need to move.
  if (const char* v = std::getenv("STEWARD_LISTEN"); v && *v) c.server.listen = v;
  if (const char* v = std::getenv("STEWARD_STORE_PATH"); v && *v) c.store.path = v;
  finish_defaults(c);
  return c;
}

[[nodiscard]] Expected<Config> load_config(const std::filesystem::path& file,
                                           const std::set<std::string, std::less<>>& scope,
                                           const std::vector<ConfigSection>& sections) {
  auto parsed = cfg::parse_file(file);
  if (!parsed) return fail(Errc::kInvalidInput, parsed.error().message);
  const toml::table& root_table = *parsed;
  Config c;
  c.file = file;
  cfg::Reader root(root_table, file.string(), "", cfg::Env::kExpand);

  // Every top-level table: the kernel's keys, then the modules that read it, then unknown keys.
  using Kernel = void (*)(cfg::Reader&, bool, Config&);
  const std::vector<std::pair<std::string_view, Kernel>> kernel{
      {"server", read_server},
      {"store", [](cfg::Reader& r, bool,
                   Config& k) { k.store.path = r.string("path", k.store.path.string()); }},
      {"inbox",
       [](cfg::Reader& r, bool, Config& k) {
         k.inbox.max_pending =
             static_cast<std::size_t>(r.integer("max_pending", 50000, 1, 100000000));
         k.inbox.max_unwritten =
             static_cast<std::size_t>(r.integer("max_unwritten", 8192, 1, 1000000));
       }},
      {"company",
       [](cfg::Reader& r, bool, Config& k) {
         k.company.name = r.string("name", k.company.name);
         k.company.domains = r.strings("domains");
       }},
      {"slack", read_slack},
      {"email",
       [](cfg::Reader& r, bool check, Config& k) {
         k.email.from = r.string("from", k.email.from);
         if (check && r.ok() && email_domain(k.email.from).empty())
           r.fail("from", "must be an address like \"Name <a@b.example>\"");
       }},
      {"policies", [](cfg::Reader& r, bool, Config& k) { k.policies.dir = r.string("dir"); }},
      {"outbox",
       [](cfg::Reader& r, bool, Config& k) {
         k.outbox.max_attempts = static_cast<int>(r.integer("max_attempts", 6, 1, 100));
         k.outbox.base_backoff = r.duration("base_backoff", k.outbox.base_backoff);
         k.outbox.max_backoff = r.duration("max_backoff", k.outbox.max_backoff);
         k.outbox.workers = static_cast<std::size_t>(r.integer("workers", 2, 1, 32));
       }},
      {"approvals",
       [](cfg::Reader& r, bool, Config& k) {
         k.approvals.sweep_interval = r.duration("sweep_interval", k.approvals.sweep_interval);
       }},
      {"log",
       [](cfg::Reader& r, bool check, Config& k) {
         k.log.format = r.string("format", k.log.format);
         if (check && r.ok() && k.log.format != "text" && k.log.format != "json")
           r.fail("format", "must be \"text\" or \"json\"");
         k.log.level = r.string("level", k.log.level);
         static const std::set<std::string> levels{"trace", "debug", "info",
                                                   "warn",  "error", "off"};
         if (check && r.ok() && !levels.count(k.log.level))
           r.fail("level", "must be one of trace, debug, info, warn, error, off");
       }},
  };
  std::set<std::string, std::less<>> names{"people"};
  for (const auto& [name, read] : kernel) names.emplace(name);
  for (const auto& s : sections) names.insert(s.name);

  for (const auto& name : names) {
    const bool check = scope.empty() || scope.count(name) > 0;
    if (name == "people") {
      cfg::Reader people(root_table, file.string(), "",
                         check ? cfg::Env::kExpand : cfg::Env::kLiteral);
      if (auto done = read_people(people, check, c); !done) return Unexpected(done.error());
      root.allow({"people"});
      continue;
    }
    const toml::table* t = root.table(name);
    if (!root.ok()) break;
    // A module reads its defaults even without its table (e.g. paths relative to the file).
    static const toml::table kEmpty;
    if (!t) t = &kEmpty;
    cfg::Reader r(*t, file.string(), name, check ? cfg::Env::kExpand : cfg::Env::kLiteral);
    for (const auto& [kname, read] : kernel)
      if (kname == name) read(r, check, c);
    for (const auto& s : sections) {
      if (s.name != name || !r.ok()) continue;
      if (auto done = s.read(*t, r); !done) return Unexpected(done.error());
    }
    if (auto done = r.finish(); !done) return Unexpected(done.error());
  }
  if (auto done = root.finish(); !done) return Unexpected(done.error());

  if (!c.file.empty() && !c.file.parent_path().empty()) {
    // Relative paths in a config file are relative to the file, so `steward serve --config
    // /etc/steward/steward.toml` works from any directory.
    auto base = c.file.parent_path();
    if (c.store.path.is_relative()) c.store.path = base / c.store.path;
    if (!c.policies.dir.empty() && c.policies.dir.is_relative())
      c.policies.dir = base / c.policies.dir;
  }
  finish_defaults(c);
  return c;
}

}  // namespace steward::runtime
