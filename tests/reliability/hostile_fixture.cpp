#include "tests/reliability/hostile_fixture.hpp"

#include <iostream>

#include "tests/support/wait.hpp"

namespace steward::testing::hostile {

void HostileInput::SetUp() {
  fakes_opts_.token = secrets_.slack_token;
  slack_ = std::make_unique<steward::fakes::FakeSlack>(fakes_opts_);
  ASSERT_TRUE(slack_->ok());
  // Route limits: both the server default and the email route allow 256 KiB, so a 100k-deep
  // JSON body still reaches the parsers while 300 KB is over every limit. The SMTP relay is a
  // port with nothing listening.
  StewardConfig config;
  config.num("server", "threads", 2)
      .num("server", "body_limit", kBodyLimit)
      .slack("${H_SLACK_TOKEN}", "${H_SLACK_SIGNING}", slack_->api_base())
      .support_channels()
      .str("email", "from", "Acme Support <support@acme.example>")
      .str("email", "smtp_url",
           "smtp://steward:${H_SMTP_URL_PASSWORD}@127.0.0.1:" + std::to_string(unused_port()))
      .str("email", "smtp_username", "steward")
      .str("email", "smtp_password", "${H_SMTP_PASSWORD}")
      .duration("email", "smtp_timeout", 2s)
      .str("email", "reply_domain", "in.acme.example")
      .str("email", "reply_secret", "${H_REPLY_SECRET}")
      .num("email", "inbound_body_limit", kBodyLimit)
      .str("email.mailgun", "signing_key", "${H_MAILGUN_KEY}")
      .str("email.postmark", "username", "postmark")
      .str("email.postmark", "password", "${H_POSTMARK_PASSWORD}")
      .str("email.sendgrid", "token", "${H_SENDGRID_TOKEN}")
      .str("email.sendgrid", "username", "sendgrid")
      .str("email.sendgrid", "password", "${H_SENDGRID_PASSWORD}")
      .dana()
      .sue()
      .otto()
      .form("website", "json", "${H_FORM_SECRET}")
      .form("survey", "typeform", "${H_TYPEFORM_SECRET}")
      .num("outbox", "max_attempts", 2)
      .duration("outbox", "base_backoff", 100ms);
  StewardOptions options;
  options.env = secrets_.env();
  steward_ = std::make_unique<StewardProcess>(std::move(config), std::move(options));
}

void HostileInput::finish(const std::string& what) {
  // Still alive and still doing its job end to end.
  expect_inbox(what);
  ASSERT_TRUE(alive()) << "steward died during " << what << "\n" << clip(log(), 4000);
  auto final_id = next_id("ctl-final");
  auto final_reply = form_signed(form_body(final_id, "final@customer.example"));
  expect_accepted("POST /hooks/forms/website", "control", "after " + what, final_reply,
                  "form:website:" + final_id);
  expect_inbox(what + " and the final control");
  const std::string event_id =
      steward::testing::jstr(boost::json::parse(final_reply.body), "event_id");
  ASSERT_FALSE(event_id.empty());
  std::string status;
  EXPECT_TRUE(wait_until(
      [&] {
        try {
          status = steward_->scalar("SELECT status FROM inbox WHERE id = '" + event_id + "'");
        } catch (const std::exception&) {
          status.clear();
        }
        return !status.empty() && status != "pending";
      },
      20s))
      << "the final form event was never processed (status '" << status << "')";
  EXPECT_EQ(http("GET", "/healthz", {}).status, 200);

  // Every stored event is valid JSON (and so valid UTF-8), whatever came in.
  try {
    for (const auto& row : steward_->query("SELECT dedupe_key, payload, actor FROM inbox")) {
      boost::system::error_code ec;
      boost::json::parse(row[1], ec);
      EXPECT_FALSE(ec) << "stored payload of " << clip(row[0], 80)
                       << " is not valid JSON: " << clip(row[1]);
      // The actor is validated at the connector: whatever came in, no control character and
      // none of the corpus's forged log lines (the CR/LF sender cases).
      const std::string actor = row[2];
      for (unsigned char c : actor)
        EXPECT_FALSE(c < 0x20 || c == 0x7f)
            << "actor of " << clip(row[0], 80) << ": " << clip(actor);
      EXPECT_EQ(lower(actor).find("forged"), std::string::npos)
          << "actor of " << clip(row[0], 80) << ": " << clip(actor);
    }
  } catch (const std::exception& e) {
    ADD_FAILURE() << e.what();
  }

  // Graceful stop, then the log is complete: no secret, no sanitizer report.
  EXPECT_EQ(steward_->stop(SIGTERM, 15s), 0) << "steward did not stop cleanly";
  const std::string text = log();
  // The grep below is only meaningful over a real log and real answers.
  ASSERT_NE(text.find("listening"), std::string::npos) << clip(text, 2000);
  // Every answered case left at least its headers (content-type, content-length) behind.
  ASSERT_GT(answered_, 0);
  ASSERT_GE(bodies_.size(), 40u * static_cast<std::size_t>(answered_));
  for (const auto& [name, needle] : secrets_.needles()) {
    EXPECT_EQ(text.find(needle), std::string::npos) << name << " appears in the steward log";
    EXPECT_EQ(bodies_.find(needle), std::string::npos) << name << " appears in a response";
  }
  EXPECT_EQ(text.find("AddressSanitizer"), std::string::npos) << clip(text, 4000);
  EXPECT_EQ(text.find("runtime error:"), std::string::npos) << clip(text, 4000);

  const auto secs = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started_)
                        .count() /
                    1000.0;
  std::cout << "hostile " << what << ": " << total_cases_ << " cases, " << expected_keys_.size()
            << " accepted events, " << secs << " s\n";
  for (const auto& [route, families] : cases_) {
    std::cout << "  " << route << ":";
    for (const auto& [family, n] : families) std::cout << " " << family << "=" << n;
    std::cout << "\n";
  }
  std::cout << "  open cases answered 200 (one event each): " << either_accepted_.size() << "\n";
  for (const auto& w : either_accepted_) std::cout << "    " << w << "\n";
  std::cout << "  open cases answered 400: " << either_rejected_.size() << "\n";
  for (const auto& w : either_rejected_) std::cout << "    " << w << "\n";
}

}  // namespace steward::testing::hostile
