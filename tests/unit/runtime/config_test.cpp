#include "bot/runtime/config.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "tests/unit/runtime/load_all.hpp"
#include "tests/unit/store/store_fixture.hpp"

namespace steward::runtime {
namespace {

using namespace std::chrono_literals;
using test::load_all;

/// Sets an environment variable for the scope of one test.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value)
      ::setenv(name, value, 1);
    else
      ::unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_)
      ::setenv(name_.c_str(), old_->c_str(), 1);
    else
      ::unsetenv(name_.c_str());
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

class ConfigTest : public test::ConfigFileTest {
 protected:
  void SetUp() override { ASSERT_FALSE(dir_.path().empty()); }
  /// Loads `body` and expects failure; returns the message.
  std::string error_of(const std::string& body) {
    auto p = write(body);
    auto c = load_all(p);
    EXPECT_FALSE(c.has_value()) << body;
    if (c) return {};
    EXPECT_EQ(c.error().code, Errc::kInvalidInput);
    return c.error().message;
  }
  std::string file() const { return (dir_.path() / "steward.toml").string(); }
};

constexpr const char* kFull = R"(# every key
[server]
listen = "0.0.0.0:9090"
threads = 4
body_limit = 4096

[store]
path = "data/steward.db"

[company]
name = "Acme Ltd"
domains = ["Acme.Example", "acme.io"]

[slack]
bot_token = "xoxb-1-2"
signing_secret = "sig-secret"
api_base = "http://127.0.0.1:9/api"
approvals_channel = "C0APPROVALS"
sales_channel = "C0SALES"

[email]
from = "Steward <steward@acme.example>"
maildir = "/var/spool/steward-mail"

[[people]]
name = "Dana Director"
slack_id = "U0DANA"
email = "Dana@Acme.Example"
roles = ["director", "sales"]
timezone = "Europe/London"

[[people]]
name = "Sam Sales"
email = "sam@acme.example"

[forms.website]
format = "typeform"
secret = "form-secret"
refs = { email = "ref_email", name = "ref_name" }

[forms.contact]
secret = "other-secret"

[policies]
dir = "policies"

[outbox]
max_attempts = 3
base_backoff = "500ms"
max_backoff = "5m"
workers = 4

[approvals]
sweep_interval = "1h"
)";

TEST_F(ConfigTest, FullFileLoadsEveryKey) {
  auto p = write(kFull);
  auto c = load_all(p);
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->file, p);
  EXPECT_EQ(c->server.listen, "0.0.0.0:9090");
  EXPECT_EQ(c->server.threads, 4u);
  EXPECT_EQ(c->server.body_limit, 4096u);
  EXPECT_EQ(c->store.path, dir_.path() / "data/steward.db");
  EXPECT_EQ(c->company.name, "Acme Ltd");
  EXPECT_EQ(c->company.domains, (std::vector<std::string>{"acme.example", "acme.io"}));
  EXPECT_TRUE(c->slack.configured());
  EXPECT_EQ(c->slack.bot_token.reveal(), "xoxb-1-2");
  EXPECT_EQ(c->slack.signing_secret.reveal(), "sig-secret");
  EXPECT_EQ(c->slack_connector.client.api_base, "http://127.0.0.1:9/api");
  EXPECT_EQ(c->slack.approvals_channel, "C0APPROVALS");
  EXPECT_EQ(c->slack.sales_channel, "C0SALES");
  EXPECT_EQ(c->email.from, "Steward <steward@acme.example>");
  EXPECT_EQ(c->email_connector.maildir, "/var/spool/steward-mail");  // absolute: kept
  ASSERT_EQ(c->people.size(), 2u);
  EXPECT_EQ(c->people[0].name, "Dana Director");
  EXPECT_EQ(c->people[0].slack_id, "U0DANA");
  EXPECT_EQ(c->people[0].email, "dana@acme.example");  // lower-cased
  EXPECT_EQ(c->people[0].roles, (std::vector<std::string>{"director", "sales"}));
  EXPECT_EQ(c->people[0].timezone, "Europe/London");
  EXPECT_EQ(c->people[1].slack_id, "");
  EXPECT_EQ(c->people[1].timezone, "UTC");
  EXPECT_TRUE(c->people[1].roles.empty());
  ASSERT_EQ(c->forms_connector.forms.size(), 2u);
  const forms::FormConfig* website = nullptr;
  const forms::FormConfig* contact = nullptr;
  for (const auto& f : c->forms_connector.forms) {
    if (f.name == "website") website = &f;
    if (f.name == "contact") contact = &f;
  }
  ASSERT_NE(website, nullptr);
  ASSERT_NE(contact, nullptr);
  EXPECT_EQ(website->format, forms::Format::kTypeform);
  EXPECT_EQ(website->secret.reveal(), "form-secret");
  EXPECT_EQ(website->refs.at("email"), "ref_email");
  EXPECT_EQ(website->refs.at("name"), "ref_name");
  EXPECT_EQ(contact->format, forms::Format::kJson);
  EXPECT_FALSE(c->forms_connector.demo_secret);
  EXPECT_EQ(c->policies.dir, dir_.path() / "policies");
  EXPECT_EQ(c->outbox.max_attempts, 3);
  EXPECT_EQ(c->outbox.base_backoff, 500ms);
  EXPECT_EQ(c->outbox.max_backoff, 5min);
  EXPECT_EQ(c->outbox.workers, 4u);
  EXPECT_EQ(c->approvals.sweep_interval, 1h);
}

TEST_F(ConfigTest, InboxBoundsAndServerTimeouts) {
  auto c = load_all(write(R"([server]
header_timeout = "2s"
body_timeout = "500ms"
idle_timeout = "1m"
max_connections = 300
[inbox]
max_pending = 1200
max_unwritten = 64
)"));
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->server.header_timeout, 2s);
  EXPECT_EQ(c->server.body_timeout, 500ms);
  EXPECT_EQ(c->server.idle_timeout, 60s);
  EXPECT_EQ(c->server.max_connections, 300u);
  EXPECT_EQ(c->inbox.max_pending, 1200u);
  EXPECT_EQ(c->inbox.max_unwritten, 64u);
  auto d = load_all(write(""));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->inbox.max_pending, 50000u);
  EXPECT_EQ(d->server.header_timeout, 10s);
  EXPECT_NE(error_of("[inbox]\nmax_pending = 0\n").find("max_pending"), std::string::npos);
  EXPECT_NE(error_of("[inbox]\nmax_pendin = 5\n").find("max_pendin"), std::string::npos);
  EXPECT_NE(error_of("[server]\nheader_timeout = 5\n").find("header_timeout"), std::string::npos);
}

TEST_F(ConfigTest, EmptyFileGivesDefaultsWithoutTheDemoForm) {
  auto c = load_all(write(""));
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->server.listen, "127.0.0.1:8080");
  EXPECT_FALSE(c->slack.configured());
  EXPECT_TRUE(c->forms_connector.forms.empty());
  EXPECT_TRUE(c->people.empty());
  EXPECT_EQ(c->store.path, dir_.path() / "var/steward.db");
  EXPECT_EQ(c->email_connector.maildir, dir_.path() / "var/mail");
  EXPECT_TRUE(c->policies.dir.empty());
  // company.domains defaults to the domain of [email] from
  EXPECT_EQ(c->company.domains, std::vector<std::string>{"demo.example"});
  EXPECT_EQ(c->outbox.max_attempts, 6);
}

TEST_F(ConfigTest, DomainsDefaultToTheFromAddress) {
  auto c = load_all(write("[email]\nfrom = \"Bot <bot@Sales.Acme.Example>\"\n"));
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->company.domains, std::vector<std::string>{"sales.acme.example"});
}

TEST_F(ConfigTest, EnvironmentSubstitution) {
  ScopedEnv token("STEWARD_UT_BOT_TOKEN", "xoxb-from-env");
  ScopedEnv secret("STEWARD_UT_SIGNING", "signing-from-env");
  ScopedEnv port("STEWARD_UT_PORT", "9191");
  ScopedEnv threads("STEWARD_UT_THREADS", "3");
  auto c = load_all(write(R"([server]
listen = "127.0.0.1:${STEWARD_UT_PORT}"
threads = "${STEWARD_UT_THREADS}"
[slack]
bot_token = "${STEWARD_UT_BOT_TOKEN}"
signing_secret = "pre-${STEWARD_UT_SIGNING}-post"
)"));
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->server.listen, "127.0.0.1:9191");
  EXPECT_EQ(c->server.threads, 3u);
  EXPECT_EQ(c->slack.bot_token.reveal(), "xoxb-from-env");
  EXPECT_EQ(c->slack.signing_secret.reveal(), "pre-signing-from-env-post");
}

TEST_F(ConfigTest, MissingEnvironmentVariableNamesFileLineAndKey) {
  ScopedEnv unset("STEWARD_UT_SURELY_UNSET", nullptr);
  auto msg =
      error_of("[slack]\nbot_token = \"${STEWARD_UT_SURELY_UNSET}\"\nsigning_secret = \"s\"\n");
  EXPECT_EQ(msg, file() +
                     ":2: key 'slack.bot_token': environment variable STEWARD_UT_SURELY_UNSET is "
                     "not set");
}

TEST_F(ConfigTest, UnknownKeyNamesFileLineAndKey) {
  auto msg = error_of("[server]\nlisten = \"127.0.0.1:1\"\ncolour = \"blue\"\n");
  EXPECT_EQ(msg.rfind(file() + ":3: key 'server.colour': unknown key", 0), 0u) << msg;

  auto person = error_of("[[people]]\nname = \"A\"\nslack_id = \"U1\"\nnickname = \"a\"\n");
  EXPECT_EQ(person.rfind(file() + ":4: key 'people.nickname': unknown key", 0), 0u) << person;
}

TEST_F(ConfigTest, UnknownTopLevelSectionNamesTheKey) {
  auto top = error_of("\n\n[bogus]\nx = 1\n");
  EXPECT_EQ(top.rfind(file() + ":3: key 'bogus': unknown key", 0), 0u) << top;
}

TEST_F(ConfigTest, WrongTypes) {
  auto threads = error_of("[server]\nthreads = \"many\"\n");
  EXPECT_EQ(threads, file() + ":2: key 'server.threads': expected a whole number");
  auto listen = error_of("[server]\nlisten = 8080\n");
  EXPECT_EQ(listen, file() + ":2: key 'server.listen': expected a string");
  auto roles = error_of("[[people]]\nname = \"A\"\nslack_id = \"U1\"\nroles = \"director\"\n");
  EXPECT_NE(roles.find(":4: key 'people.roles': expected a list of strings"), std::string::npos)
      << roles;
  auto table = error_of("server = \"x\"\n");
  EXPECT_NE(table.find(":1: key 'server': expected a table"), std::string::npos) << table;
  auto range = error_of("[outbox]\nmax_attempts = 0\n");
  EXPECT_NE(range.find(":2: key 'outbox.max_attempts': must be between 1 and 100"),
            std::string::npos)
      << range;
  auto duration = error_of("[outbox]\n\nbase_backoff = \"soon\"\n");
  EXPECT_NE(duration.find(":3: key 'outbox.base_backoff': must be a duration"), std::string::npos)
      << duration;
}

TEST_F(ConfigTest, HugeDurationIsAnErrorNotAnException) {
  // BUG (bot/runtime/config.cpp, duration_ms): std::stoll throws std::out_of_range for a number
  // longer than int64, so load_config throws across its Expected boundary instead of returning
  // "FILE:LINE: key 'base_backoff': ...".
  Expected<test::Loaded> c = fail(Errc::kInternal, "not run");
  EXPECT_NO_THROW(c = load_all(write("[outbox]\nbase_backoff = \"99999999999999999999ms\"\n")));
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().code, Errc::kInvalidInput);
  EXPECT_NE(c.error().message.find(":2: key 'outbox.base_backoff'"), std::string::npos)
      << c.error().message;
}

TEST_F(ConfigTest, DurationThatOverflowsMillisecondsIsAnError) {
  // 10^15 days does not fit in int64 milliseconds.
  auto c = load_all(write("[approvals]\nsweep_interval = \"1000000000000000d\"\n"));
  ASSERT_FALSE(c.has_value()) << "loaded sweep_interval = " << c->approvals.sweep_interval.count()
                              << "ms";
  EXPECT_EQ(c.error().code, Errc::kInvalidInput);
  EXPECT_NE(c.error().message.find(":2: key 'approvals.sweep_interval'"), std::string::npos)
      << c.error().message;
}

TEST_F(ConfigTest, BadListen) {
  for (const char* bad : {"localhost", "127.0.0.1:", ":", "127.0.0.1:123456", "a b:80"}) {
    auto msg = error_of(std::string("[server]\nlisten = \"") + bad + "\"\n");
    EXPECT_NE(msg.find(":2: key 'server.listen': must be host:port"), std::string::npos)
        << bad << " → " << msg;
  }
  for (const char* good : {"localhost:80", "[::1]:8080", "0.0.0.0:0"}) {
    auto c = load_all(write(std::string("[server]\nlisten = \"") + good + "\"\n"));
    EXPECT_TRUE(c.has_value()) << good << ": " << (c ? "" : c.error().message);
  }
}

TEST_F(ConfigTest, SlackNeedsBothTokenAndSecret) {
  auto only_token = error_of("[slack]\nbot_token = \"xoxb-1\"\n");
  EXPECT_NE(only_token.find("set both bot_token and signing_secret"), std::string::npos)
      << only_token;
  EXPECT_EQ(only_token.find("xoxb-1"), std::string::npos) << "secret leaked: " << only_token;
  auto only_secret = error_of("[slack]\nsigning_secret = \"sig-value\"\n");
  EXPECT_NE(only_secret.find("set both bot_token and signing_secret"), std::string::npos);
  EXPECT_EQ(only_secret.find("sig-value"), std::string::npos) << "secret leaked: " << only_secret;
  auto neither = load_all(write("[slack]\napprovals_channel = \"C1\"\n"));
  ASSERT_TRUE(neither.has_value());
  EXPECT_FALSE(neither->slack.configured());
}

TEST_F(ConfigTest, FormNeedsASecret) {
  auto msg = error_of("[forms.website]\nformat = \"json\"\n");
  EXPECT_NE(msg.find("key 'forms.website.secret': is required"), std::string::npos) << msg;
  auto fmt = error_of("[forms.website]\nformat = \"xml\"\nsecret = \"s\"\n");
  EXPECT_NE(fmt.find(":2: key 'forms.website.format'"), std::string::npos) << fmt;
}

TEST_F(ConfigTest, PersonNeedsANameAndAnId) {
  auto no_name = error_of("[[people]]\nslack_id = \"U1\"\n");
  EXPECT_NE(no_name.find("people.name': is required"), std::string::npos) << no_name;
  auto no_id = error_of("[[people]]\nname = \"A\"\n");
  EXPECT_NE(no_id.find("people.slack_id'"), std::string::npos) << no_id;
}

TEST_F(ConfigTest, SyntaxErrorNamesFileAndLine) {
  auto msg = error_of("[server]\nlisten = \"127.0.0.1:1\"\nthreads = = 2\n");
  EXPECT_EQ(msg.rfind(file() + ":3: ", 0), 0u) << msg;
}

TEST_F(ConfigTest, MissingFileIsAnError) {
  auto c = load_all(dir_.path() / "nope.toml");
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().code, Errc::kInvalidInput);
  EXPECT_NE(c.error().message.find("nope.toml"), std::string::npos) << c.error().message;
}

TEST_F(ConfigTest, RelativePathsResolveAgainstTheFilesDirectory) {
  std::filesystem::create_directories(dir_.path() / "etc");
  auto p = write(R"([store]
path = "../state/steward.db"
[email]
maildir = "mail"
[policies]
dir = "rules-here"
)",
                 "etc/steward.toml");
  auto c = load_all(p);
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->store.path, dir_.path() / "etc" / "../state/steward.db");
  EXPECT_EQ(c->email_connector.maildir, dir_.path() / "etc" / "mail");
  EXPECT_EQ(c->policies.dir, dir_.path() / "etc" / "rules-here");

  auto abs = load_all(write("[store]\npath = \"/srv/steward/s.db\"\n"));
  ASSERT_TRUE(abs.has_value());
  EXPECT_EQ(abs->store.path, "/srv/steward/s.db");
}

TEST(DefaultConfig, HasTheDemoFormAndDirector) {
  ScopedEnv form_secret("STEWARD_FORM_SECRET", nullptr);
  ScopedEnv listen("STEWARD_LISTEN", nullptr);
  ScopedEnv store_path("STEWARD_STORE_PATH", nullptr);
  auto c = default_config();
  auto f = forms::embedded_config();
  EXPECT_TRUE(c.file.empty());
  ASSERT_EQ(f.forms.size(), 1u);
  EXPECT_EQ(f.forms[0].name, "website");
  EXPECT_EQ(f.forms[0].format, forms::Format::kJson);
  EXPECT_FALSE(f.forms[0].secret.empty());
  EXPECT_TRUE(f.demo_secret);
  ASSERT_EQ(c.people.size(), 1u);
  EXPECT_EQ(c.people[0].slack_id, "U0DEMODIRECTOR");
  EXPECT_EQ(c.people[0].roles, std::vector<std::string>{"director"});
  EXPECT_FALSE(c.slack.configured());
  EXPECT_EQ(c.server.listen, "127.0.0.1:8080");
  EXPECT_EQ(c.store.path, "var/steward.db");
  EXPECT_EQ(c.company.domains, std::vector<std::string>{"demo.example"});
}

TEST(DefaultConfig, EnvironmentOverrides) {
  ScopedEnv form_secret("STEWARD_FORM_SECRET", "real-form-secret");
  ScopedEnv listen("STEWARD_LISTEN", "0.0.0.0:18080");
  ScopedEnv store_path("STEWARD_STORE_PATH", "/tmp/elsewhere.db");
  auto c = default_config();
  auto f = forms::embedded_config();
  EXPECT_EQ(c.server.listen, "0.0.0.0:18080");
  EXPECT_EQ(c.store.path, "/tmp/elsewhere.db");
  ASSERT_EQ(f.forms.size(), 1u);
  EXPECT_EQ(f.forms[0].secret.reveal(), "real-form-secret");
  EXPECT_FALSE(f.demo_secret);
}

}  // namespace
}  // namespace steward::runtime

namespace steward::runtime {
namespace {

using EmailConfigTest = test::ConfigFileTest;

TEST_F(EmailConfigTest, SmtpInboundAndReplySettings) {
  ScopedEnv pass("T_SMTP_PASS", "s3cret-pass");
  ScopedEnv key("T_MG_KEY", "mg-key");
  auto c = load_all(write(R"([email]
from = "Acme <support@acme.example>"
smtp_url = "smtps://mail.acme.example:465"
smtp_username = "steward"
smtp_password = "${T_SMTP_PASS}"
smtp_allow_plain = true
smtp_ca_file = "ca.pem"
smtp_timeout = "15s"
reply_secret = "rs-0123456789abcdef0123456789abcdef"
inbound_body_limit = 2048
[email.mailgun]
signing_key = "${T_MG_KEY}"
[email.postmark]
username = "pm"
password = "pw"
[email.sendgrid]
token = "tok"
[slack]
support_channel = "C_SUP"
escalation_channel = "C_ESC"
)"));
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_TRUE(c->email_connector.smtp_configured());
  EXPECT_EQ(c->email_connector.smtp.url.reveal(), "smtps://mail.acme.example:465");
  EXPECT_EQ(c->email_connector.smtp.password.reveal(), "s3cret-pass");
  EXPECT_TRUE(c->email_connector.smtp.allow_plain);
  EXPECT_EQ(c->email_connector.smtp.ca_file, dir_.path() / "ca.pem");
  EXPECT_EQ(c->email_connector.smtp.timeout, 15s);
  EXPECT_EQ(c->email_connector.inbound.reply.domain, "acme.example")
      << "defaults to the domain of from";
  EXPECT_EQ(c->email_connector.inbound.reply.secret.reveal(),
            "rs-0123456789abcdef0123456789abcdef");
  EXPECT_EQ(c->email_connector.inbound_body_limit, 2048u);
  EXPECT_EQ(c->email_connector.inbound.mailgun.signing_key.reveal(), "mg-key");
  EXPECT_EQ(c->email_connector.inbound.postmark.username, "pm");
  EXPECT_EQ(c->email_connector.inbound.sendgrid.token.reveal(), "tok");
  EXPECT_EQ(c->slack.support_channel, "C_SUP");
  EXPECT_EQ(c->slack.escalation_channel, "C_ESC");
}

TEST_F(EmailConfigTest, ProblemsNameTheKeyButNeverTheSecret) {
  auto bad_scheme = load_all(write("[email]\nsmtp_url = \"http://u:hunter2@x:25\"\n"));
  ASSERT_FALSE(bad_scheme);
  EXPECT_NE(bad_scheme.error().message.find(":2: key 'email.smtp_url'"), std::string::npos)
      << bad_scheme.error().message;
  EXPECT_EQ(bad_scheme.error().message.find("hunter2"), std::string::npos);

  auto no_key = load_all(write("[email.mailgun]\n"));
  ASSERT_FALSE(no_key);
  EXPECT_NE(no_key.error().message.find("signing_key"), std::string::npos);

  auto half = load_all(write("[email.postmark]\nusername = \"pm\"\n"));
  ASSERT_FALSE(half);
  EXPECT_NE(half.error().message.find("email.postmark"), std::string::npos);

  auto sg = load_all(write("[email.sendgrid]\nusername = \"u\"\n"));
  ASSERT_FALSE(sg);

  auto flag = load_all(write("[email]\nsmtp_allow_plain = \"yes\"\n"));
  ASSERT_FALSE(flag);
  EXPECT_NE(flag.error().message.find("must be true or false"), std::string::npos);

  auto unknown = load_all(write("[email.mailgun]\nsigning_key = \"k\"\napi_key = \"x\"\n"));
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("email.mailgun.api_key"), std::string::npos)
      << unknown.error().message;
}

// Issue 9 (5): a short reply secret lets anyone who saw one reply address forge others offline.
TEST_F(EmailConfigTest, ReplySecretMustBeAtLeast32Bytes) {
  auto short_secret = load_all(write("[email]\nreply_secret = \"short-secret\"\n"));
  ASSERT_FALSE(short_secret);
  EXPECT_NE(short_secret.error().message.find(":2: key 'email.reply_secret'"), std::string::npos)
      << short_secret.error().message;
  EXPECT_NE(short_secret.error().message.find("at least 32 bytes"), std::string::npos);
  EXPECT_EQ(short_secret.error().message.find("short-secret"), std::string::npos)
      << "secret leaked: " << short_secret.error().message;
  EXPECT_FALSE(load_all(write("[email]\nreply_secret = \"" + std::string(31, 'k') + "\"\n")));
  EXPECT_TRUE(load_all(write("[email]\nreply_secret = \"" + std::string(32, 'k') + "\"\n")));
  // Not set at all: reply tokens are off, which is allowed.
  EXPECT_TRUE(load_all(write("[email]\nfrom = \"a@b.example\"\n")));
}

TEST_F(EmailConfigTest, SlackIdentityAndResponseUrlBase) {
  auto c =
      load_all(write("[slack]\nteam_id = \"T0ACME\"\napp_id = \"A0STEWARD\"\n"
                     "response_url_base = \"http://127.0.0.1:4000/\"\n"));
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->slack_connector.team_id, "T0ACME");
  EXPECT_EQ(c->slack_connector.app_id, "A0STEWARD");
  EXPECT_EQ(c->slack.response_url_base, "http://127.0.0.1:4000/");
  EXPECT_EQ(default_config().slack.response_url_base, "https://hooks.slack.com/");
  EXPECT_EQ(slack::SlackConfig{}.client.response_url_base, "https://hooks.slack.com/");
  for (std::string bad : {"https://hooks.slack.com", "ftp://x/", ""}) {
    auto e = load_all(write("[slack]\nresponse_url_base = \"" + bad + "\"\n"));
    ASSERT_FALSE(e) << bad;
    EXPECT_NE(e.error().message.find("slack.response_url_base"), std::string::npos);
  }
}

TEST_F(EmailConfigTest, TheShippedExampleLoads) {
  ScopedEnv a("SLACK_BOT_TOKEN", "xoxb-1");
  ScopedEnv b("SLACK_SIGNING_SECRET", "s");
  ScopedEnv c("SMTP_PASSWORD", "p");
  ScopedEnv d("STEWARD_REPLY_SECRET", "r-0123456789abcdef0123456789abcdef");
  ScopedEnv e("MAILGUN_SIGNING_KEY", "k");
  ScopedEnv f("POSTMARK_INBOUND_PASSWORD", "p");
  ScopedEnv g("SENDGRID_PARSE_TOKEN", "t");
  ScopedEnv h("WEBSITE_FORM_SECRET", "w");
  ScopedEnv i("TYPEFORM_SECRET", "t");
  auto cfg = load_all(STEWARD_SOURCE_DIR "/steward.example.toml");
  ASSERT_TRUE(cfg) << cfg.error().message;
  EXPECT_TRUE(cfg->email_connector.smtp_configured());
  EXPECT_EQ(cfg->email_connector.inbound.reply.domain, "in.acme.example");
}

}  // namespace
}  // namespace steward::runtime
