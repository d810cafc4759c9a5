#include "connectors/email/maildir.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json/array.hpp>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/manual_clock.hpp"
#include "tests/unit/connectors/email/mail_reader.hpp"

namespace steward::email {
namespace {

namespace fs = std::filesystem;
namespace bj = boost::json;
using namespace test;

class MaildirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    root_ = fs::temp_directory_path() /
            ("steward-email-" + std::to_string(rd()) + "-" + std::to_string(rd()));
    fs::create_directories(root_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  MaildirOptions options() const {
    MaildirOptions o;
    o.dir = root_ / "mail";
    o.from = "Steward Bot <steward@acme.example>";
    return o;
  }

  static Action email(bj::object fields) {
    return Action{"email.send", std::move(fields), "reply to a lead", ""};
  }

  static std::size_t count(const fs::path& dir) {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++n;
    return n;
  }

  fs::path root_;
  ManualClock clock_{from_unix_ms(1793714700LL * 1000)};  // Tue, 03 Nov 2026 14:05:00 UTC
};

TEST_F(MaildirTest, WritesAPlainMessageThatParsesBack) {
  MaildirExecutor exec(options(), clock_);
  EXPECT_EQ(exec.kinds(), std::vector<std::string>{"email.send"});
  const std::string text = "Hi Ada,\n\nThanks for reaching out — Grüße aus Köln! A 1=1 offer.\n" +
                           std::string(120, 'z') + "\nBest,\nSteward";
  auto r = exec.execute(email({{"to", "Ada Lovelace <ada@example.com>"},
                               {"subject", "Grüße aus Köln"},
                               {"text", text},
                               {"reply_to", "sales@acme.example"},
                               {"in_reply_to", "abc123@mail.example.com"}}),
                        "ob_00042");
  ASSERT_TRUE(r.has_value()) << r.error().message;

  const fs::path file = root_ / "mail" / "new" / "ob_00042.eml";
  EXPECT_EQ(r->detail.at("file").as_string(), file.string());
  EXPECT_EQ(r->detail.at("message_id").as_string(), "<ob_00042@acme.example>");
  EXPECT_FALSE(r->detail.contains("duplicate"));
  ASSERT_TRUE(fs::is_regular_file(file));
  EXPECT_TRUE(fs::is_directory(root_ / "mail" / "cur"));
  EXPECT_EQ(count(root_ / "mail" / "tmp"), 0u);
  EXPECT_EQ(count(root_ / "mail" / "new"), 1u);

  const std::string raw = read_file(file.string());
  EXPECT_TRUE(only_crlf(raw));
  for (const auto& l : lines(raw)) EXPECT_LE(l.size(), 78u) << l;
  auto p = parse_message(raw);
  EXPECT_EQ(p.get("From"), "Steward Bot <steward@acme.example>");
  EXPECT_EQ(p.get("To"), "Ada Lovelace <ada@example.com>");
  EXPECT_EQ(p.get("Subject"), "=?UTF-8?B?R3LDvMOfZSBhdXMgS8O2bG4=?=");  // integrations.md §8
  EXPECT_EQ(p.get("Date"), "Tue, 03 Nov 2026 14:05:00 +0000");
  EXPECT_EQ(p.get("Message-ID"), "<ob_00042@acme.example>");
  EXPECT_EQ(p.get("MIME-Version"), "1.0");
  EXPECT_EQ(p.get("Reply-To"), "sales@acme.example");
  EXPECT_EQ(p.get("In-Reply-To"), "<abc123@mail.example.com>");
  EXPECT_EQ(p.get("References"), "<abc123@mail.example.com>");
  EXPECT_EQ(p.get("X-Steward-Action"), "ob_00042");
  EXPECT_EQ(p.get("Auto-Submitted"), "auto-generated");  // RFC 3834: loops stop at us
  EXPECT_FALSE(p.has("Cc"));
  // Always text + html; the text part's text is exact.
  const std::string ct = p.get("Content-Type");
  ASSERT_EQ(ct.rfind("multipart/alternative;", 0), 0u) << ct;
  auto parts = split_parts(p.body, boundary_of(ct));
  ASSERT_EQ(parts.size(), 2u);
  auto plain = parse_message(parts[0]);
  EXPECT_EQ(plain.get("Content-Type"), "text/plain; charset=UTF-8");
  EXPECT_EQ(plain.get("Content-Transfer-Encoding"), "quoted-printable");
  EXPECT_EQ(decode_qp(plain.body), crlf(text));
  auto html = parse_message(parts[1]);
  EXPECT_EQ(html.get("Content-Type"), "text/html; charset=UTF-8");
  EXPECT_NE(decode_qp(html.body).find("Grüße aus Köln! A 1=1 offer."), std::string::npos);
}

TEST_F(MaildirTest, HtmlMakesMultipartAlternativeWithTextFirst) {
  MaildirExecutor exec(options(), clock_);
  const std::string text = "Plain — text\n";
  const std::string html = "<p>Rich <b>text</b> — 100% = ✓</p>";
  auto r = exec.execute(email({{"to", "lead@client.example"},
                               {"subject", "Proposal"},
                               {"text", text},
                               {"html", html},
                               {"cc", bj::array{"a@client.example", "B <b@client.example>"}}}),
                        "ob_7");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  const std::string raw = read_file(r->detail.at("file").as_string().c_str());
  EXPECT_TRUE(only_crlf(raw));
  auto p = parse_message(raw);
  EXPECT_EQ(p.get("Cc"), "a@client.example, B <b@client.example>");
  const std::string ct = p.get("Content-Type");
  ASSERT_EQ(ct.rfind("multipart/alternative;", 0), 0u) << ct;
  const std::string boundary = boundary_of(ct);
  ASSERT_FALSE(boundary.empty()) << ct;
  EXPECT_FALSE(p.has("Content-Transfer-Encoding"));

  // Split on the delimiters (RFC 2046 §5.1.1: CRLF "--" boundary).
  const std::string delim = "--" + boundary;
  auto first = p.body.find(delim + "\r\n");
  ASSERT_NE(first, std::string::npos);
  auto second = p.body.find("\r\n" + delim + "\r\n", first);
  ASSERT_NE(second, std::string::npos);
  auto close = p.body.find("\r\n" + delim + "--\r\n", second + 2);
  ASSERT_NE(close, std::string::npos);
  auto part1 =
      parse_message(p.body.substr(first + delim.size() + 2, second - first - delim.size() - 2));
  auto part2_start = second + 2 + delim.size() + 2;
  auto part2 = parse_message(p.body.substr(part2_start, close - part2_start));
  EXPECT_EQ(part1.get("Content-Type"), "text/plain; charset=UTF-8");
  EXPECT_EQ(part1.get("Content-Transfer-Encoding"), "quoted-printable");
  EXPECT_EQ(decode_qp(part1.body), crlf(text));
  EXPECT_EQ(part2.get("Content-Type"), "text/html; charset=UTF-8");
  EXPECT_EQ(decode_qp(part2.body), html);
  // The boundary occurs only in the Content-Type parameter and the three delimiters.
  std::size_t occurrences = 0;
  for (auto at = raw.find(boundary); at != std::string::npos; at = raw.find(boundary, at + 1))
    ++occurrences;
  EXPECT_EQ(occurrences, 4u);
}

TEST_F(MaildirTest, SecondExecuteWithTheSameKeyWritesNothing) {
  MaildirExecutor exec(options(), clock_);
  auto action = email({{"to", "lead@client.example"}, {"subject", "Hi"}, {"text", "One"}});
  auto first = exec.execute(action, "ob_9");
  ASSERT_TRUE(first.has_value()) << first.error().message;
  const std::string before = read_file(first->detail.at("file").as_string().c_str());

  clock_.advance(std::chrono::minutes(5));  // a rewrite would change the Date header
  auto second = exec.execute(action, "ob_9");
  ASSERT_TRUE(second.has_value()) << second.error().message;
  EXPECT_EQ(second->detail.at("duplicate"), bj::value(true));
  EXPECT_EQ(second->detail.at("file"), first->detail.at("file"));
  EXPECT_EQ(second->detail.at("message_id"), first->detail.at("message_id"));
  EXPECT_EQ(count(root_ / "mail" / "new"), 1u);
  EXPECT_EQ(count(root_ / "mail" / "tmp"), 0u);
  EXPECT_EQ(read_file(first->detail.at("file").as_string().c_str()), before);

  // A new executor (a restart) sees the same file.
  MaildirExecutor again(options(), clock_);
  auto third = again.execute(action, "ob_9");
  ASSERT_TRUE(third.has_value());
  EXPECT_EQ(third->detail.at("duplicate"), bj::value(true));
  EXPECT_EQ(count(root_ / "mail" / "new"), 1u);
}

TEST_F(MaildirTest, ConcurrentRunsOfOneKeyLeaveExactlyOneFile) {
  MaildirExecutor exec(options(), clock_);
  auto action = email({{"to", "lead@client.example"}, {"subject", "Hi"}, {"text", "Race"}});
  std::atomic<int> ok{0}, fresh{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&] {
      auto r = exec.execute(action, "ob_race");
      if (r) {
        ++ok;
        if (!r->detail.contains("duplicate")) ++fresh;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 6);
  EXPECT_EQ(fresh.load(), 1);
  EXPECT_EQ(count(root_ / "mail" / "new"), 1u);
  EXPECT_EQ(count(root_ / "mail" / "tmp"), 0u);
}

TEST_F(MaildirTest, HeaderInjectionAndMissingFieldsWriteNothing) {
  MaildirExecutor exec(options(), clock_);
  auto inject = exec.execute(
      email({{"to", "lead@client.example"}, {"subject", "Hi\r\nBcc: all@x.io"}, {"text", "x"}}),
      "ob_bad1");
  ASSERT_FALSE(inject.has_value());
  EXPECT_EQ(inject.error().code, Errc::kPermanent);
  EXPECT_FALSE(inject.error().transient());

  auto missing = exec.execute(email({{"to", "lead@client.example"}, {"text", "x"}}), "ob_bad2");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, Errc::kPermanent);
  EXPECT_EQ(missing.error().message, "email.send: missing field 'subject'");

  auto wrong_kind = exec.execute(Action{"slack.post", {}, "", ""}, "ob_bad3");
  ASSERT_FALSE(wrong_kind.has_value());
  EXPECT_EQ(wrong_kind.error().code, Errc::kPermanent);

  EXPECT_FALSE(fs::exists(root_ / "mail" / "new" / "ob_bad1.eml"));
  EXPECT_FALSE(fs::exists(root_ / "mail" / "new" / "ob_bad2.eml"));
}

TEST_F(MaildirTest, UnsafeKeysStayInsideTheMaildir) {
  MaildirExecutor exec(options(), clock_);
  auto r = exec.execute(email({{"to", "lead@client.example"}, {"subject", "Hi"}, {"text", "x"}}),
                        "../../escape me");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  fs::path file(std::string(r->detail.at("file").as_string()));
  EXPECT_EQ(file.parent_path(), root_ / "mail" / "new");
  EXPECT_TRUE(fs::is_regular_file(file));
  EXPECT_EQ(count(root_), 1u);  // nothing escaped next to "mail"
  auto p = parse_message(read_file(file.string()));
  EXPECT_EQ(p.get("Message-ID"), "<%2E%2E%2F%2E%2E%2Fescape%20me@acme.example>");
  EXPECT_EQ(p.get("X-Steward-Action"), "../../escape me");
}

TEST_F(MaildirTest, DiskErrorsAreRetryable) {
  // The Maildir would live under a regular file: every directory operation fails.
  std::ofstream(root_ / "blocker") << "x";
  auto o = options();
  o.dir = root_ / "blocker" / "mail";
  MaildirExecutor exec(o, clock_);
  auto r = exec.execute(email({{"to", "lead@client.example"}, {"subject", "Hi"}, {"text", "x"}}),
                        "ob_disk");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kUnavailable);
  EXPECT_TRUE(r.error().transient());
}

TEST_F(MaildirTest, MessageIdDomainOverride) {
  auto o = options();
  o.message_id_domain = "mail.acme.example";
  MaildirExecutor exec(o, clock_);
  auto r = exec.execute(email({{"to", "lead@client.example"}, {"subject", "Hi"}, {"text", "x"}}),
                        "ob_dom");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->detail.at("message_id").as_string(), "<ob_dom@mail.acme.example>");
}

}  // namespace
}  // namespace steward::email
