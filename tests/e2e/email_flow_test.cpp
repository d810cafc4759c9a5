// End to end with mail: the real steward binary, the fake Slack Web API and a real SMTP server
// (npm smtp-server with STARTTLS and AUTH). Inbound mail arrives as the providers post it.

#include <gtest/gtest.h>
#include <httplib.h>

#include <boost/json.hpp>
#include <filesystem>

#include "connectors/common/crypto.hpp"
#include "connectors/common/form.hpp"
#include "tests/e2e/postmark_mail.hpp"
#include "tests/fakes/fake_slack.hpp"
#include "tests/support/json.hpp"
#include "tests/support/signatures.hpp"
#include "tests/support/smtp_fake.hpp"
#include "tests/support/steward_process.hpp"
#include "tests/support/wait.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using namespace steward;
using steward::testing::CommandResult;
using steward::testing::find_button_value;
using steward::testing::holds_for;
using steward::testing::jstr;
using steward::testing::StewardConfig;
using steward::testing::StewardOptions;
using steward::testing::StewardProcess;
using steward::testing::wait_until;

namespace {

constexpr const char* kSigning = "mail-e2e-signing-secret";
constexpr const char* kToken = "xoxb-mail-e2e-token";
constexpr const char* kFormSecret = "mail-e2e-form-secret";
constexpr const char* kSmtpPassword = "smtp-pass-Zq8";
constexpr const char* kPostmarkPassword = "postmark-pass-K2w";
constexpr const char* kMailgunKey = "key-mailgun-e2e-3f9a";
constexpr const char* kSendgridToken = "sg-token-e2e-77x";
constexpr const char* kReplySecret = "reply-secret-e2e-5b1-0123456789abcdef";

using steward::testing::basic_auth;
using steward::testing::postmark_mail;

class MailFlow : public ::testing::Test {
 protected:
  void SetUp() override {
    steward::testing::SmtpFakeOptions so;
    so.tls = true;
    so.require_tls = true;
    so.auth = std::string("steward:") + kSmtpPassword;
    smtp_ = std::make_unique<steward::testing::SmtpFake>(so);
    ASSERT_TRUE(smtp_->ok()) << smtp_->error();
    fakes::FakeSlackOptions fo;
    fo.token = kToken;
    slack_ = std::make_unique<fakes::FakeSlack>(fo);
    ASSERT_TRUE(slack_->ok());
    StewardConfig config;
    config.slack(kToken, kSigning, slack_->api_base())
        .support_channels()
        .smtp("Acme Support <support@acme.example>", smtp_->port(), "${E2E_SMTP_PASSWORD}",
              smtp_->cert())
        .duration("email", "smtp_timeout", 5s)
        .str("email", "reply_domain", "in.acme.example")
        .str("email", "reply_secret", "${E2E_REPLY_SECRET}")
        .num("email", "inbound_body_limit", 200000)
        .str("email.postmark", "username", "postmark")
        .str("email.postmark", "password", "${E2E_POSTMARK_PASSWORD}")
        .str("email.mailgun", "signing_key", "${E2E_MAILGUN_KEY}")
        .str("email.sendgrid", "token", "${E2E_SENDGRID_TOKEN}")
        .dana()
        .sue()
        .otto()
        .form("website", "json", kFormSecret)
        .num("outbox", "max_attempts", 3)
        .duration("outbox", "base_backoff", 100ms);
    StewardOptions options;
    options.env = {std::string("E2E_SMTP_PASSWORD=") + kSmtpPassword,
                   std::string("E2E_REPLY_SECRET=") + kReplySecret,
                   std::string("E2E_POSTMARK_PASSWORD=") + kPostmarkPassword,
                   std::string("E2E_MAILGUN_KEY=") + kMailgunKey,
                   std::string("E2E_SENDGRID_TOKEN=") + kSendgridToken};
    steward_ = std::make_unique<StewardProcess>(std::move(config), std::move(options));
    ASSERT_TRUE(steward_->start()) << steward_->error();
  }

  void TearDown() override {
    if (steward_) steward_->stop(SIGTERM);
    // No secret may ever reach the log.
    std::string text = log();
    for (const char* secret : {kSmtpPassword, kPostmarkPassword, kMailgunKey, kSendgridToken,
                               kReplySecret, kToken, kSigning})
      EXPECT_EQ(text.find(secret), std::string::npos) << "secret in log: " << secret;
  }

  std::string log() { return steward_ ? steward_->log() : std::string(); }
  httplib::Client& http() { return steward_->http(); }

  /// `steward ARGS…` on the same config; its output, and its status in last_rc_.
  std::string cli(std::vector<std::string> args) {
    auto r = steward_->cli(std::move(args));
    last_rc_ = r.rc;
    return r.out;
  }

  /// One value from the store ("" when there is no row).
  std::string sql(const std::string& query) { return steward_->scalar(query); }

  std::vector<fakes::RecordedCall> posts_to(const std::string& channel) {
    std::vector<fakes::RecordedCall> out;
    for (auto& c : slack_->calls("chat.postMessage"))
      if (jstr(c.body, "channel") == channel) out.push_back(c);
    return out;
  }

  /// The approval request (in C_APPROVALS) whose message mentions `needle`.
  std::string approval_for(const std::string& needle) {
    std::string id;
    wait_until([&] {
      for (auto& c : posts_to("C_APPROVALS"))
        if (c.raw_body.find(needle) != std::string::npos)
          id = find_button_value(c.body, "approval.approve");
      return !id.empty();
    });
    return id;
  }

  /// The id of the pending approval of a drafted email reply, once there is one.
  std::string pending_reply_approval() {
    std::string id;
    wait_until([&] {
      id =
          sql("SELECT a.id FROM approvals a JOIN actions x ON x.id = a.action_id "
              "WHERE a.status = 'pending' AND x.kind = 'email.send'");
      return id.rfind("apr_", 0) == 0;
    });
    return id.rfind("apr_", 0) == 0 ? id : "";
  }

  httplib::Result postmark(const boost::json::object& body,
                           const std::string& password = kPostmarkPassword) {
    httplib::Headers h{{"Authorization", basic_auth("postmark", password)}};
    return http().Post("/hooks/email/postmark", h, boost::json::serialize(body),
                       "application/json");
  }

  httplib::Result mailgun(std::vector<std::pair<std::string, std::string>> fields,
                          const std::string& key = kMailgunKey, long age = 0) {
    std::string timestamp = steward::testing::now_ts(-age);
    std::string token = connectors::random_hex(25);
    fields.emplace_back("timestamp", timestamp);
    fields.emplace_back("token", token);
    fields.emplace_back("signature",
                        connectors::to_hex(connectors::hmac_sha256(key, timestamp + token)));
    std::string body;
    for (auto& [k, v] : fields)
      body +=
          (body.empty() ? "" : "&") + connectors::url_encode(k) + "=" + connectors::url_encode(v);
    return http().Post("/hooks/email/mailgun", body, "application/x-www-form-urlencoded");
  }

  httplib::Result sendgrid(const std::vector<std::pair<std::string, std::string>>& fields,
                           const std::string& token = kSendgridToken) {
    httplib::MultipartFormDataItems items;
    for (auto& [k, v] : fields) items.push_back({k, v, "", ""});
    return http().Post(("/hooks/email/sendgrid?token=" + token).c_str(), items);
  }

  std::unique_ptr<steward::testing::SmtpFake> smtp_;
  std::unique_ptr<fakes::FakeSlack> slack_;
  std::unique_ptr<StewardProcess> steward_;
  int last_rc_ = 0;
};

TEST_F(MailFlow, CustomerEmailIsTriagedEscalatedAnsweredAndTheReplyThreads) {
  auto r = postmark(postmark_mail(
      "cust-1@customer.example", "Wrong invoice — I will talk to my lawyer",
      "Hello,\nyour invoice INV-7 charges me twice. If this is not fixed today my lawyer will "
      "take legal action.\nAnn"));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;

  // Triage: a summary in #support, an escalation mentioning on-call, an approval request.
  ASSERT_TRUE(wait_until([&] { return !posts_to("C_SUPPORT").empty(); })) << log();
  ASSERT_TRUE(wait_until([&] { return !posts_to("C_ESCALATE").empty(); })) << log();
  EXPECT_NE(posts_to("C_ESCALATE").front().raw_body.find("<@U0OTTO>"), std::string::npos)
      << posts_to("C_ESCALATE").front().raw_body;
  EXPECT_NE(posts_to("C_SUPPORT").front().raw_body.find("ann@customer.example"), std::string::npos);
  std::string approval = approval_for("ann@customer.example");
  ASSERT_FALSE(approval.empty()) << log();

  // The reply waits for the support role: a director is refused, Sue approves.
  auto refused = cli({"approvals", "approve", approval, "--as", "U_DANA"});
  EXPECT_NE(last_rc_, 0) << refused;
  EXPECT_TRUE(holds_for([&] { return smtp_->messages().empty(); }, 300ms));
  auto ok = cli({"approvals", "approve", approval, "--as", "U_SUE"});
  ASSERT_EQ(last_rc_, 0) << ok;

  ASSERT_TRUE(wait_until([&] { return smtp_->messages().size() == 1; })) << log();
  auto mail = smtp_->messages().at(0);
  EXPECT_EQ(mail.at("secure"), true) << "STARTTLS must be used";
  EXPECT_EQ(jstr(mail, "user"), "steward") << "AUTH must be used";
  EXPECT_EQ(mail.at("to").at(0), "ann@customer.example");
  const auto& parsed = mail.at("parsed");
  EXPECT_EQ(jstr(parsed, "inReplyTo"), "<cust-1@customer.example>");
  EXPECT_EQ(jstr(parsed, "subject"), "Re: Wrong invoice — I will talk to my lawyer");
  EXPECT_EQ(jstr(parsed, "contentType"), "multipart/alternative");
  EXPECT_NE(jstr(parsed, "text").find("> "), std::string::npos) << "the question is quoted";
  std::string our_id = jstr(parsed, "messageId");
  ASSERT_NE(our_id.find("@acme.example>"), std::string::npos) << our_id;
  std::string reply_to = jstr(parsed, "replyTo");
  ASSERT_NE(reply_to.find("reply+cv_"), std::string::npos) << reply_to;
  ASSERT_NE(reply_to.find("@in.acme.example"), std::string::npos) << reply_to;
  std::string token_address = reply_to.substr(reply_to.find("reply+"));
  if (auto gt = token_address.find('>'); gt != std::string::npos) token_address.resize(gt);

  std::string conv = sql("SELECT id FROM conversations");
  ASSERT_EQ(conv.rfind("cv_", 0), 0u) << conv;
  EXPECT_NE(token_address.find(conv), std::string::npos);
  // The triage is recorded by a ticket.classify action the agent proposed: decided by a rule,
  // executed by the outbox and audited like any other action.
  const char* triage = "SELECT topic || '/' || risk FROM conversations";
  EXPECT_TRUE(wait_until([&] { return sql(triage) == "billing/legal"; })) << sql(triage);
  EXPECT_EQ(sql("SELECT rule || ' ' || status FROM actions WHERE kind = 'ticket.classify'"),
            "decision-rights.toml#ticket-records done");
  EXPECT_EQ(sql("SELECT COUNT(*) FROM audit WHERE kind = 'decision' AND json_extract(data, "
                "'$.kind') = 'ticket.classify'"),
            "1");
  auto tickets = cli({"tickets"});
  EXPECT_NE(tickets.find("1 answered"), std::string::npos) << tickets;

  // The customer answers through Mailgun to the signed reply address (her client dropped
  // In-Reply-To): the token threads it into the same conversation.
  auto again = mailgun({{"recipient", token_address},
                        {"sender", "ann@customer.example"},
                        {"from", "Ann Customer <ann@customer.example>"},
                        {"To", token_address},
                        {"subject", "Re: Wrong invoice — I will talk to my lawyer"},
                        {"body-plain",
                         "Thanks, but when do I get the refund?\n\nOn Sat, Acme "
                         "wrote:\n> We are sorry"},
                        {"stripped-text", "Thanks, but when do I get the refund?"},
                        {"Message-Id", "<cust-2@customer.example>"}});
  ASSERT_TRUE(again);
  ASSERT_EQ(again->status, 200) << again->body;
  ASSERT_TRUE(wait_until([&] { return sql("SELECT messages FROM conversations") == "2"; }))
      << log();
  EXPECT_EQ(sql("SELECT COUNT(*) FROM conversations"), "1");
  EXPECT_NE(sql("SELECT data FROM audit WHERE kind = 'email.filed' ORDER BY seq DESC LIMIT 1")
                .find("\"threaded_by\":\"token\""),
            std::string::npos);

  // A third message through SendGrid carries only In-Reply-To to our mail: same thread.
  auto third =
      sendgrid({{"headers", "Message-ID: <cust-3@customer.example>\r\nIn-Reply-To: " + our_id +
                                "\r\nSubject: Re: refund\r\n"},
                {"from", "Ann Customer <ann@customer.example>"},
                {"to", "support@acme.example"},
                {"subject", "Re: refund"},
                {"text", "Any news?\n\n> older text"},
                {"envelope", R"({"to":["support@acme.example"],"from":"ann@customer.example"})"},
                {"charsets", R"({"to":"UTF-8","subject":"UTF-8","text":"UTF-8","from":"UTF-8"})"}});
  ASSERT_TRUE(third);
  ASSERT_EQ(third->status, 200) << third->body;
  ASSERT_TRUE(wait_until([&] { return sql("SELECT messages FROM conversations") == "3"; }))
      << log();
  EXPECT_EQ(sql("SELECT COUNT(*) FROM conversations"), "1");
  EXPECT_NE(sql("SELECT data FROM audit WHERE kind = 'email.filed' ORDER BY seq DESC LIMIT 1")
                .find("\"threaded_by\":\"in-reply-to\""),
            std::string::npos);
  // A new draft waits for approval again.
  ASSERT_TRUE(
      wait_until([&] { return cli({"tickets"}).find("awaiting approval") != std::string::npos; }));

  ASSERT_EQ(steward_->stop(SIGTERM), 0) << log();
  auto verify = cli({"audit", "verify"});
  EXPECT_EQ(last_rc_, 0) << verify;
}

// Issue 9 (1): knowing a Message-ID of Alice's thread, or holding Alice's reply address, does
// not put Mallory in Alice's conversation; each gets a conversation of their own, linked for a
// human, and every reply goes only to the person who wrote.
TEST_F(MailFlow, AMessageIdOrAStolenReplyTokenDoesNotJoinSomeoneElsesConversation) {
  auto from = [](boost::json::object mail, const std::string& address) {
    mail["From"] = address;
    mail["FromFull"] = {{"Email", address}, {"Name", ""}, {"MailboxHash", ""}};
    return mail;
  };
  auto alice_mail =
      from(postmark_mail("alice-1@cust.example", "Order 12 is late", "Where is my order 12?"),
           "alice@cust.example");
  ASSERT_EQ(postmark(alice_mail)->status, 200);
  ASSERT_TRUE(wait_until([&] { return sql("SELECT COUNT(*) FROM conversations") == "1"; }));
  const std::string alice_conv = sql("SELECT id FROM conversations");

  // Mallory cites Alice's Message-ID in In-Reply-To and References.
  auto mallory_mail =
      from(postmark_mail("mal-1@evil.example", "Re: Order 12 is late", "Send it to me instead."),
           "mallory@evil.example");
  mallory_mail["Headers"].as_array().push_back(
      {{"Name", "In-Reply-To"}, {"Value", "<alice-1@cust.example>"}});
  mallory_mail["Headers"].as_array().push_back(
      {{"Name", "References"}, {"Value", "<alice-1@cust.example>"}});
  ASSERT_EQ(postmark(mallory_mail)->status, 200);
  ASSERT_TRUE(wait_until([&] { return sql("SELECT COUNT(*) FROM conversations") == "2"; }))
      << log();
  const std::string mallory_conv =
      sql("SELECT id FROM conversations WHERE customer = 'mallory@evil.example'");
  ASSERT_EQ(mallory_conv.rfind("cv_", 0), 0u) << mallory_conv;
  EXPECT_NE(mallory_conv, alice_conv);
  EXPECT_EQ(sql("SELECT linked_to FROM conversations WHERE id = '" + mallory_conv + "'"),
            alice_conv);
  EXPECT_EQ(sql("SELECT messages FROM conversations WHERE id = '" + alice_conv + "'"), "1");
  EXPECT_NE(cli({"tickets"}).find("split from `" + alice_conv + "`"), std::string::npos)
      << cli({"tickets"});

  // Both drafts wait; each goes to its own writer, in its own conversation.
  auto draft_for = [&](const std::string& conv) {
    std::string id;
    wait_until([&] {
      id =
          sql("SELECT a.id FROM approvals a JOIN actions x ON x.id = a.action_id WHERE "
              "a.status = 'pending' AND x.conversation_id = '" +
              conv + "'");
      return id.rfind("apr_", 0) == 0;
    });
    return id;
  };
  const std::string alice_apr = draft_for(alice_conv);
  const std::string mallory_apr = draft_for(mallory_conv);
  ASSERT_EQ(alice_apr.rfind("apr_", 0), 0u) << log();
  ASSERT_EQ(mallory_apr.rfind("apr_", 0), 0u) << log();
  EXPECT_EQ(sql("SELECT json_extract(fields, '$.to') FROM actions WHERE conversation_id = '" +
                mallory_conv + "' AND kind = 'email.send'")
                .find("alice"),
            std::string::npos);
  cli({"approvals", "approve", alice_apr, "--as", "U_SUE"});
  ASSERT_EQ(last_rc_, 0);
  cli({"approvals", "approve", mallory_apr, "--as", "U_SUE"});
  ASSERT_EQ(last_rc_, 0);
  ASSERT_TRUE(wait_until([&] { return smtp_->messages().size() == 2; })) << log();
  std::string alice_token, mallory_token;
  for (const auto& m : smtp_->messages()) {
    std::string to = std::string(m.at("to").at(0).as_string());
    std::string reply_to = jstr(m.at("parsed"), "replyTo");
    auto addr = reply_to.substr(reply_to.find("reply+"));
    if (auto gt = addr.find('>'); gt != std::string::npos) addr.resize(gt);
    (to == "alice@cust.example" ? alice_token : mallory_token) = addr;
    EXPECT_TRUE(to == "alice@cust.example" || to == "mallory@evil.example") << to;
  }
  ASSERT_NE(alice_token.find(alice_conv), std::string::npos) << alice_token;
  ASSERT_NE(mallory_token.find(mallory_conv), std::string::npos) << mallory_token;

  // Mallory got hold of Alice's reply address (a forward): writing to it from her own mailbox
  // is treated like an unknown sender — a new conversation, linked, nothing filed in Alice's.
  auto stolen = mailgun({{"recipient", alice_token},
                         {"sender", "mallory@evil.example"},
                         {"from", "mallory@evil.example"},
                         {"To", alice_token},
                         {"subject", "Re: Order 12"},
                         {"body-plain", "Change the address please"},
                         {"Message-Id", "<mal-2@evil.example>"}});
  ASSERT_TRUE(stolen);
  ASSERT_EQ(stolen->status, 200) << stolen->body;
  ASSERT_TRUE(wait_until([&] { return sql("SELECT COUNT(*) FROM conversations") == "3"; }))
      << log();
  EXPECT_EQ(sql("SELECT messages FROM conversations WHERE id = '" + alice_conv + "'"), "1");
  EXPECT_EQ(sql("SELECT COUNT(*) FROM conversations WHERE linked_to = '" + alice_conv + "'"), "2");

  // Alice's own reply to her address threads by token.
  auto alice_reply = mailgun({{"recipient", alice_token},
                              {"sender", "alice@cust.example"},
                              {"from", "Alice <Alice@Cust.Example>"},
                              {"To", alice_token},
                              {"subject", "Re: Order 12"},
                              {"body-plain", "Thanks!"},
                              {"Message-Id", "<alice-2@cust.example>"}});
  ASSERT_EQ(alice_reply->status, 200);
  ASSERT_TRUE(wait_until([&] {
    return sql("SELECT messages FROM conversations WHERE id = '" + alice_conv + "'") == "2";
  })) << log();

  // Revoked: Alice's address no longer writes into the conversation, by token or by thread.
  auto revoke =
      cli({"tickets", "revoke", alice_conv, "--address", "alice@cust.example", "--as", "U_SUE"});
  ASSERT_EQ(last_rc_, 0) << revoke;
  auto after = mailgun({{"recipient", alice_token},
                        {"sender", "alice@cust.example"},
                        {"from", "alice@cust.example"},
                        {"To", alice_token},
                        {"In-Reply-To", "<alice-1@cust.example>"},
                        {"subject", "Re: Order 12"},
                        {"body-plain", "One more thing"},
                        {"Message-Id", "<alice-3@cust.example>"}});
  ASSERT_EQ(after->status, 200);
  ASSERT_TRUE(wait_until([&] { return sql("SELECT COUNT(*) FROM conversations") == "4"; }))
      << log();
  EXPECT_EQ(sql("SELECT messages FROM conversations WHERE id = '" + alice_conv + "'"), "2");
  EXPECT_NE(sql("SELECT link_reason FROM conversations WHERE linked_to = '" + alice_conv +
                "' AND customer = 'alice@cust.example'")
                .find("revoked"),
            std::string::npos);

  ASSERT_EQ(steward_->stop(SIGTERM), 0) << log();
  auto verify = cli({"audit", "verify"});
  EXPECT_EQ(last_rc_, 0) << verify;
  EXPECT_EQ(sql("SELECT COUNT(*) FROM audit WHERE kind = 'reply.revoked' AND actor = 'U_SUE'"),
            "1");
}

// Issue 9 (4): a support mail from sue+tix@… is Sue's own; she may not approve the reply to it.
TEST_F(MailFlow, SupportPersonCannotApproveTheReplyToHerOwnAliasedMail) {
  auto mail = postmark_mail("sue-1@acme.example", "Printer broken", "The printer is broken.");
  mail["From"] = "Sue+Tix@Acme.Example";
  mail["FromFull"] = {{"Email", "Sue+Tix@Acme.Example"}, {"Name", "Sue"}, {"MailboxHash", ""}};
  ASSERT_EQ(postmark(mail)->status, 200);
  std::string approval = pending_reply_approval();
  ASSERT_FALSE(approval.empty()) << log();
  auto own = cli({"approvals", "approve", approval, "--as", "U_SUE"});
  EXPECT_NE(last_rc_, 0) << own;
  EXPECT_NE(own.find("four-eyes"), std::string::npos) << own;
  EXPECT_EQ(sql("SELECT status FROM approvals WHERE id = '" + approval + "'"), "pending");
  EXPECT_TRUE(holds_for([&] { return smtp_->messages().empty(); }, 300ms));
}

TEST_F(MailFlow, AutoRepliesAreRecordedButNeverAnswered) {
  auto r =
      postmark(postmark_mail("ooo-1@customer.example", "Out of office", "I am away until Monday.",
                             {{{"Name", "Auto-Submitted"}, {"Value", "auto-replied"}}}));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  ASSERT_TRUE(wait_until([&] {
    return sql("SELECT COUNT(*) FROM audit WHERE kind = 'email.auto_reply'") == "1";
  })) << log();
  EXPECT_TRUE(holds_for(
      [&] { return posts_to("C_SUPPORT").empty() && posts_to("C_APPROVALS").empty(); }, 300ms));
  EXPECT_EQ(sql("SELECT COUNT(*) FROM actions"), "0");
  EXPECT_EQ(sql("SELECT messages FROM conversations"), "1");
}

TEST_F(MailFlow, InboundRequestsAreVerified) {
  auto mail = postmark_mail("v-1@customer.example", "Hello", "Where is my parcel?");
  auto bad = postmark(mail, "wrong-password");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 401) << bad->body;
  EXPECT_EQ(bad->body.find(kPostmarkPassword), std::string::npos);

  auto unknown = http().Post("/hooks/email/mandrill", "{}", "application/json");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);

  auto forged = mailgun({{"recipient", "support@acme.example"},
                         {"sender", "eve@evil.example"},
                         {"from", "eve@evil.example"},
                         {"subject", "hi"},
                         {"body-plain", "hi"}},
                        "not-the-key");
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->status, 401);
  auto stale = mailgun({{"recipient", "support@acme.example"},
                        {"sender", "eve@evil.example"},
                        {"from", "eve@evil.example"},
                        {"subject", "hi"},
                        {"body-plain", "hi"}},
                       kMailgunKey, 3600);
  ASSERT_TRUE(stale);
  EXPECT_EQ(stale->status, 401);

  auto sg = sendgrid({{"from", "a@b.example"}, {"to", "support@acme.example"}, {"text", "x"}},
                     "wrong-token");
  ASSERT_TRUE(sg);
  EXPECT_EQ(sg->status, 401);

  auto wrong_type =
      http().Post("/hooks/email/postmark",
                  httplib::Headers{{"Authorization", basic_auth("postmark", kPostmarkPassword)}},
                  "From=a", "application/x-www-form-urlencoded");
  ASSERT_TRUE(wrong_type);
  EXPECT_EQ(wrong_type->status, 415);

  auto broken =
      http().Post("/hooks/email/postmark",
                  httplib::Headers{{"Authorization", basic_auth("postmark", kPostmarkPassword)}},
                  "{\"From\": ", "application/json");
  ASSERT_TRUE(broken);
  EXPECT_EQ(broken->status, 400);

  // Larger than inbound_body_limit (an oversized attachment): refused before parsing.
  auto big = mail;
  big["Attachments"] = boost::json::array{{{"Name", "scan.pdf"},
                                           {"Content", std::string(300000, 'A')},
                                           {"ContentType", "application/pdf"},
                                           {"ContentLength", 225000}}};
  auto too_big = postmark(big);
  ASSERT_TRUE(too_big);
  EXPECT_EQ(too_big->status, 413);

  // Valid, then delivered again by the provider: accepted once.
  auto first = postmark(mail);
  ASSERT_TRUE(first);
  ASSERT_EQ(first->status, 200) << first->body;
  auto repeat = postmark(mail);
  ASSERT_TRUE(repeat);
  EXPECT_EQ(repeat->status, 200);
  EXPECT_NE(repeat->body.find("\"duplicate\":true"), std::string::npos) << repeat->body;
  EXPECT_EQ(sql("SELECT COUNT(*) FROM inbox WHERE kind = 'email.received'"), "1");
}

TEST_F(MailFlow, ApprovedLeadFollowUpIsDeliveredBySmtp) {
  const std::string lead =
      R"({"event_id":"lead-smtp","name":"Jane Doe","email":"jane@northwind.example","company":"Northwind","employees":850,"budget":60000,"message":"We need a quote for 200 seats this month, asap."})";
  httplib::Headers h{{"X-Steward-Signature", steward::testing::form_signature(kFormSecret, lead)}};
  auto r = http().Post("/hooks/forms/website", h, lead, "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  std::string approval = approval_for("jane@northwind.example");
  ASSERT_FALSE(approval.empty()) << log();
  cli({"approvals", "approve", approval, "--as", "U_DANA"});
  ASSERT_EQ(last_rc_, 0);
  ASSERT_TRUE(wait_until([&] { return smtp_->messages().size() == 1; })) << log();
  auto mail = smtp_->messages().at(0);
  EXPECT_EQ(mail.at("to").at(0), "jane@northwind.example");
  EXPECT_EQ(jstr(mail.at("parsed"), "contentType"), "multipart/alternative");
  EXPECT_EQ(mail.at("secure"), true);
}

TEST_F(MailFlow, SmtpFailuresRetryThenDeadLetterWithTheServerReply) {
  // 451 once: retried and delivered exactly once.
  ASSERT_TRUE(smtp_->faults({{{"stage", "data"}, {"code", 451}, {"text", "4.3.0 try later"}}}));
  auto r = postmark(postmark_mail("t-1@customer.example", "Where is my parcel?",
                                  "My delivery has not arrived yet."));
  ASSERT_EQ(r->status, 200) << r->body;
  std::string first = pending_reply_approval();
  ASSERT_FALSE(first.empty()) << log();
  cli({"approvals", "approve", first, "--as", "U_SUE"});
  ASSERT_TRUE(wait_until([&] { return smtp_->messages().size() == 1; })) << log();
  // The server has the mail before Steward commits the result: wait for the commit.
  const char* attempts = "SELECT attempts || ':' || status FROM actions WHERE kind = 'email.send'";
  EXPECT_TRUE(wait_until([&] { return sql(attempts) == "2:done"; })) << sql(attempts);

  // 550 on RCPT: permanent — dead letter, the server's words in the audit, an alert.
  ASSERT_TRUE(smtp_->faults(
      {{{"stage", "rcpt"}, {"code", 550}, {"text", "5.1.1 mailbox unavailable"}, {"times", 5}}}));
  auto r2 = postmark(
      postmark_mail("t-2@customer.example", "Password reset", "I cannot log in to my account."));
  ASSERT_EQ(r2->status, 200) << r2->body;
  std::string second = pending_reply_approval();
  ASSERT_FALSE(second.empty()) << log();
  cli({"approvals", "approve", second, "--as", "U_SUE"});
  ASSERT_EQ(last_rc_, 0);
  ASSERT_TRUE(wait_until([&] {
    return sql("SELECT COUNT(*) FROM actions WHERE kind = 'email.send' AND status = 'dead'") == "1";
  })) << log();
  EXPECT_EQ(sql("SELECT attempts FROM actions WHERE status = 'dead'"), "1")
      << "a permanent failure is not retried";
  EXPECT_NE(sql("SELECT data FROM audit WHERE kind = 'action.dead'").find("550"),
            std::string::npos);
  ASSERT_TRUE(wait_until([&] {
    for (auto& c : posts_to("C_APPROVALS"))
      if (c.raw_body.find("gave up") != std::string::npos &&
          c.raw_body.find("550") != std::string::npos)
        return true;
    return false;
  })) << log();
  EXPECT_EQ(smtp_->messages().size(), 1u);
}

}  // namespace

namespace {

TEST_F(MailFlow, CheckReportsTheMailSetUpWithoutSecrets) {
  auto out = cli({"check"});
  EXPECT_EQ(last_rc_, 0) << out;
  EXPECT_NE(out.find("email out: smtp://127.0.0.1:" + std::to_string(smtp_->port())),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("email in: mailgun, postmark, sendgrid"), std::string::npos) << out;
  for (const char* secret : {kSmtpPassword, kPostmarkPassword, kMailgunKey, kSendgridToken})
    EXPECT_EQ(out.find(secret), std::string::npos) << out;
}

}  // namespace
