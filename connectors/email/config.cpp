#include "connectors/email/config.hpp"

#include <algorithm>
#include <cctype>

#include "bot/core/mailbox.hpp"

namespace steward::email {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  return s;
}

std::string domain_of(std::string_view address) {
  auto bare = bare_address(address);
  auto at = bare.rfind('@');
  return at == std::string_view::npos ? std::string() : lower(std::string(bare.substr(at + 1)));
}

}  // namespace

[[nodiscard]] Expected<void> read_config(cfg::Reader& r, EmailConfig& e) {
  const bool check = r.env() == cfg::Env::kExpand;
  const auto base = std::filesystem::path(r.file()).parent_path();
  auto resolve = [&](std::filesystem::path p) {
    return p.empty() || p.is_absolute() || base.empty() ? p : base / p;
  };
  e.from = r.string("from", e.from);
  e.maildir = resolve(r.string("maildir", e.maildir.string()));
  e.smtp.url = r.secret("smtp_url");
  const auto& url = e.smtp.url.reveal();
  if (check && !url.empty() && url.rfind("smtp://", 0) != 0 && url.rfind("smtps://", 0) != 0)
    // The value itself is not echoed: it may carry a password.
    r.fail("smtp_url", "must start with smtp:// or smtps://");
  e.smtp.username = r.string("smtp_username");
  e.smtp.password = r.secret("smtp_password");
  e.smtp.allow_plain = r.boolean("smtp_allow_plain", false);
  e.smtp.ca_file = resolve(r.string("smtp_ca_file"));
  e.smtp.timeout = r.duration("smtp_timeout", e.smtp.timeout);
  auto& reply = e.inbound.reply;
  reply.domain = lower(r.string("reply_domain"));
  reply.secret = r.secret("reply_secret");
  // The secret signs every reply address a customer ever gets; a short one can be guessed
  // offline from a single address. The value itself is never echoed.
  if (check && !reply.secret.empty() && reply.secret.reveal().size() < 32)
    r.fail("reply_secret", "must be at least 32 bytes (e.g. `openssl rand -hex 32`), got " +
                               std::to_string(reply.secret.reveal().size()));
  e.inbound_body_limit = static_cast<std::size_t>(
      r.size("inbound_body_limit", e.inbound_body_limit, 1024, std::uint64_t{64} << 20));
  // The provider tables: their own keys are checked here, their problems named at the parent.
  if (const auto* t = r.table("mailgun")) {
    auto m = r.child("mailgun", *t);
    e.inbound.mailgun.signing_key = m.secret("signing_key");
    if (auto done = m.finish(); !done) return done;
    if (check && e.inbound.mailgun.signing_key.empty())
      r.fail("mailgun", "signing_key is required (webhooks are always verified)");
  }
  if (const auto* t = r.table("postmark")) {
    auto m = r.child("postmark", *t);
    e.inbound.postmark.username = m.string("username");
    e.inbound.postmark.password = m.secret("password");
    if (auto done = m.finish(); !done) return done;
    if (check && (e.inbound.postmark.username.empty() || e.inbound.postmark.password.empty()))
      r.fail("postmark", "username and password are required (basic auth)");
  }
  if (const auto* t = r.table("sendgrid")) {
    auto m = r.child("sendgrid", *t);
    e.inbound.sendgrid.token = m.secret("token");
    e.inbound.sendgrid.username = m.string("username");
    e.inbound.sendgrid.password = m.secret("password");
    if (auto done = m.finish(); !done) return done;
    if (check && e.inbound.sendgrid.token.empty() &&
        (e.inbound.sendgrid.username.empty() || e.inbound.sendgrid.password.empty()))
      r.fail("sendgrid", "set token, or username and password (basic auth)");
  }
  return r.status();
}

void finish_config(EmailConfig& e) {
  if (e.inbound.reply.domain.empty()) e.inbound.reply.domain = domain_of(e.from);
}

}  // namespace steward::email
