#include "connectors/email/message.hpp"

#include <gtest/gtest.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <string>

#include "tests/unit/connectors/email/mail_reader.hpp"

namespace steward::email {
namespace {

namespace bj = boost::json;
using namespace test;

TEST(EmailEncoding, Rfc2047Vector) {
  // integrations.md §8.
  auto words = encode_words("Grüße aus Köln");
  ASSERT_EQ(words.size(), 1u);
  EXPECT_EQ(words[0], "=?UTF-8?B?R3LDvMOfZSBhdXMgS8O2bG4=?=");
}

TEST(EmailEncoding, LongTextIsSplitOnCharacterBoundaries) {
  std::string text;
  for (int i = 0; i < 40; ++i) text += "Köln—ß€😀 ";  // 1-, 2-, 3- and 4-byte sequences
  auto words = encode_words(text);
  ASSERT_GT(words.size(), 5u);
  std::string joined;
  for (const auto& w : words) {
    EXPECT_LE(w.size(), 75u) << w;
    std::string decoded = decode_words(w);
    // Each word holds whole characters: it is valid UTF-8 on its own (no dangling lead or
    // continuation bytes at either end).
    ASSERT_FALSE(decoded.empty());
    EXPECT_NE(static_cast<unsigned char>(decoded.front()) & 0xC0, 0x80) << w;
    auto last = static_cast<unsigned char>(decoded.back());
    EXPECT_TRUE(last < 0x80 || (last & 0xC0) == 0x80) << w;
    joined += decoded;
  }
  EXPECT_EQ(joined, text);
}

TEST(EmailEncoding, QuotedPrintableRoundTripsUtf8) {
  std::string text =
      "Hallo Ada,\nGrüße aus Köln! 1+1=2, 50% off.\r\nTrailing space here \n"
      "\tTabbed line\t\n.leading dot\n" +
      std::string(200, 'x') + "\nEnd — ✓";
  std::string qp = encode_quoted_printable(text);
  EXPECT_TRUE(only_crlf(qp));
  for (const auto& l : lines(qp)) {
    EXPECT_LE(l.size(), 76u) << l;
    for (char c : l) {
      auto u = static_cast<unsigned char>(c);
      EXPECT_TRUE((u >= 32 && u < 127) || c == '\t') << l;
    }
    // No literal white space at the end of an encoded line (RFC 2045 rule 3).
    if (!l.empty()) {
      EXPECT_TRUE(l.back() != ' ' && l.back() != '\t') << l;
      EXPECT_NE(l.front(), '.') << l;
    }
  }
  EXPECT_EQ(decode_qp(qp), crlf(text));
  EXPECT_NE(qp.find("1+1=3D2"), std::string::npos);
}

TEST(EmailEncoding, Rfc5322Date) {
  EXPECT_EQ(rfc5322_date(from_unix_ms(1793714700LL * 1000)), "Tue, 03 Nov 2026 14:05:00 +0000");
  EXPECT_EQ(rfc5322_date(from_unix_ms(0)), "Thu, 01 Jan 1970 00:00:00 +0000");
}

TEST(EmailEncoding, SafeKey) {
  EXPECT_EQ(safe_key("ob_42-a"), "ob_42-a");
  EXPECT_EQ(safe_key("ob.42.x"), "ob.42.x");
  EXPECT_EQ(safe_key(".."), "%2E%2E");
  EXPECT_EQ(safe_key("a/../b"), "a%2F%2E%2E%2Fb");
  EXPECT_NE(safe_key("a/b"), safe_key("a_b"));
  EXPECT_NE(safe_key("a%2Fb"), safe_key("a/b"));
  auto long_key = safe_key(std::string(300, 'k'));
  EXPECT_EQ(long_key.size(), 96u + 1 + 32);
  EXPECT_NE(long_key, safe_key(std::string(301, 'k')));
}

TEST(EmailMailbox, ParseAndFormat) {
  auto plain = parse_mailbox("ada@example.com");
  ASSERT_TRUE(plain.has_value());
  EXPECT_EQ(plain->address, "ada@example.com");
  EXPECT_EQ(format_mailbox(*plain), "ada@example.com");

  auto named = parse_mailbox(" Ada Lovelace <ada@example.com> ");
  ASSERT_TRUE(named.has_value());
  EXPECT_EQ(named->display, "Ada Lovelace");
  EXPECT_EQ(format_mailbox(*named), "Ada Lovelace <ada@example.com>");

  auto quoted = parse_mailbox(R"("Engines, Ltd." <sales@engines.example>)");
  ASSERT_TRUE(quoted.has_value());
  EXPECT_EQ(quoted->display, "Engines, Ltd.");
  EXPECT_EQ(format_mailbox(*quoted), R"("Engines, Ltd." <sales@engines.example>)");

  auto utf8 = parse_mailbox("Jürgen <j@example.de>");
  ASSERT_TRUE(utf8.has_value());
  auto f = format_mailbox(*utf8);
  EXPECT_EQ(f, "=?UTF-8?B?" + std::string("SsO8cmdlbg==") + "?= <j@example.de>");

  for (const char* bad :
       {"", "nobody", "a@b", "Ada <ada@example.com", "x@y.io\r\nBcc: z@w.io", "x\x01@y.io"})
    EXPECT_FALSE(parse_mailbox(bad).has_value()) << bad;
}

ComposeContext context() {
  return ComposeContext{"Steward <bot@acme.example>", "", "ob_1", from_unix_ms(1793714700000)};
}

bj::object valid_fields() {
  return bj::object{{"to", "lead@client.example"}, {"subject", "Hello"}, {"text", "Body"}};
}

TEST(EmailCompose, RequiredFieldsAndTypes) {
  for (const char* missing : {"to", "subject", "text"}) {
    auto f = valid_fields();
    f.erase(missing);
    auto r = compose_email(f, context());
    ASSERT_FALSE(r.has_value()) << missing;
    EXPECT_EQ(r.error().code, Errc::kPermanent);
    EXPECT_EQ(r.error().message, "email.send: missing field '" + std::string(missing) + "'");
  }
  struct Case {
    const char* key;
    bj::value value;
    const char* message;
  };
  const Case cases[] = {
      {"to", 5, "email.send: field 'to' must be a string"},
      {"to", "not-an-address", "email.send: field 'to': not a valid email address"},
      {"subject", "  ", "email.send: field 'subject' must not be empty"},
      {"text", "", "email.send: field 'text' must not be empty"},
      {"html", true, "email.send: field 'html' must be a string"},
      {"cc", 3, "email.send: field 'cc' must be a string or an array of strings"},
      {"cc", bj::array{"ok@x.io", 1}, "email.send: field 'cc' must be a string or strings"},
      {"cc", "ok@x.io, broken", "email.send: field 'cc': not a valid email address"},
      {"reply_to", "nope", "email.send: field 'reply_to': not a valid email address"},
      {"in_reply_to", "no-at-sign", "email.send: field 'in_reply_to' is not a Message-ID"},
  };
  for (const auto& c : cases) {
    auto f = valid_fields();
    f[c.key] = c.value;
    auto r = compose_email(f, context());
    ASSERT_FALSE(r.has_value()) << c.key;
    EXPECT_EQ(r.error().code, Errc::kPermanent) << c.key;
    EXPECT_EQ(r.error().message, c.message) << c.key;
  }
}

TEST(EmailCompose, HeaderInjectionIsRejected) {
  const std::pair<const char*, bj::value> cases[] = {
      {"subject", "Hi\r\nBcc: victim@x.io"},
      {"subject", "Hi\nX-Evil: 1"},
      {"to", "lead@client.example\r\nBcc: victim@x.io"},
      {"reply_to", "a@b.io\rX: y"},
      {"in_reply_to", "<a@b.io>\nBcc: c@d.io"},
      {"cc", bj::array{"a@b.io", "c@d.io\r\nBcc: e@f.io"}},
      {"cc", "a@b.io,\nBcc: e@f.io"},
  };
  for (const auto& [key, value] : cases) {
    auto f = valid_fields();
    f[key] = value;
    auto r = compose_email(f, context());
    ASSERT_FALSE(r.has_value()) << key;
    EXPECT_EQ(r.error().code, Errc::kPermanent) << key;
    EXPECT_NE(r.error().message.find("CR or LF"), std::string::npos) << r.error().message;
  }
  // Bodies may hold line breaks, of course.
  auto f = valid_fields();
  f["text"] = "line 1\r\nline 2";
  EXPECT_TRUE(compose_email(f, context()).has_value());
}

TEST(EmailCompose, BadConfigurationIsInternal) {
  auto ctx = context();
  ctx.from = "not an address";
  auto r = compose_email(valid_fields(), ctx);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kInternal);

  ctx = context();
  ctx.idempotency_key.clear();
  EXPECT_EQ(compose_email(valid_fields(), ctx).error().code, Errc::kInternal);

  ctx = context();
  ctx.message_id_domain = "bad domain";
  EXPECT_EQ(compose_email(valid_fields(), ctx).error().code, Errc::kInternal);
}

TEST(EmailCompose, MessageIdAndRecipients) {
  auto f = valid_fields();
  f["cc"] = R"("Doe, Jane" <jane@x.io>, bob@y.io)";
  auto r = compose_email(f, context());
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->message_id, "<ob_1@acme.example>");
  EXPECT_EQ(r->recipients,
            (std::vector<std::string>{"lead@client.example", "jane@x.io", "bob@y.io"}));
  auto p = parse_message(r->data);
  EXPECT_EQ(p.get("Cc"), R"("Doe, Jane" <jane@x.io>, bob@y.io)");

  auto ctx = context();
  ctx.message_id_domain = "mail.acme.example";
  auto r2 = compose_email(valid_fields(), ctx);
  ASSERT_TRUE(r2.has_value());
  EXPECT_EQ(r2->message_id, "<ob_1@mail.acme.example>");
}

TEST(EmailCompose, LongSubjectsAreFolded) {
  auto f = valid_fields();
  std::string ascii;
  for (int i = 0; i < 30; ++i) ascii += "word" + std::to_string(i) + " ";
  ascii += "end";
  f["subject"] = ascii;
  auto r = compose_email(f, context());
  ASSERT_TRUE(r.has_value());
  auto p = parse_message(r->data);
  EXPECT_EQ(p.get("Subject"), ascii);
  for (const auto& l : p.raw_header_lines) EXPECT_LE(l.size(), 76u) << l;

  std::string utf8;
  for (int i = 0; i < 12; ++i) utf8 += "Grüße aus Köln ";
  f["subject"] = utf8;
  auto u = compose_email(f, context());
  ASSERT_TRUE(u.has_value());
  auto pu = parse_message(u->data);
  EXPECT_EQ(decode_words(pu.get("Subject")), utf8);
  for (const auto& l : pu.raw_header_lines) EXPECT_LE(l.size(), 76u) << l;

  // Text that merely looks like an encoded-word is encoded, so it reads back verbatim.
  f["subject"] = "=?UTF-8?B?SGk=?=";
  auto e = compose_email(f, context());
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(decode_words(parse_message(e->data).get("Subject")), "=?UTF-8?B?SGk=?=");
}

}  // namespace
}  // namespace steward::email
