#include "connectors/email/message.hpp"

#include <gmime/gmime.h>
#include <gtest/gtest.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cctype>
#include <memory>
#include <set>
#include <string>

#include "connectors/email/gmime_init.hpp"
#include "connectors/email/reply_token.hpp"
#include "tests/unit/connectors/email/mail_reader.hpp"

namespace steward::email {
namespace {

namespace bj = boost::json;
using namespace test;

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
  ASSERT_EQ(f.rfind("=?", 0), 0u) << f;  // an encoded-word, in UTF-8
  EXPECT_EQ(decode_words(f), "Jürgen <j@example.de>");

  for (const char* bad :
       {"", "nobody", "a@b", "Ada <ada@example.com", "x@y.io\r\nBcc: z@w.io", "x\x01@y.io"})
    EXPECT_FALSE(parse_mailbox(bad).has_value()) << bad;
}

ComposeContext context() {
  ComposeContext c;
  c.from = "Steward <bot@acme.example>";
  c.idempotency_key = "ob_1";
  c.date = from_unix_ms(1793714700000);
  return c;
}

bj::object valid_fields() {
  return bj::object{{"to", "lead@client.example"}, {"subject", "Hello"}, {"text", "Body"}};
}

// The text and html parts of a composed message, checked for the structure on the way.
struct Bodies {
  Parsed text, html;
};
Bodies bodies(const Parsed& msg) {
  const std::string ct = msg.get("Content-Type");
  EXPECT_EQ(ct.rfind("multipart/alternative;", 0), 0u) << ct;
  auto parts = split_parts(msg.body, boundary_of(ct));
  EXPECT_EQ(parts.size(), 2u);
  if (parts.size() != 2) return {};
  return {parse_message(parts[0]), parse_message(parts[1])};
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
      {"references", bj::array{"<a@b.io>", "nope"},
       "email.send: field 'references' is not a Message-ID"},
      {"references", "<a@b.io> <c d@e.io>", "email.send: field 'references' is not a Message-ID"},
      {"references", 7, "email.send: field 'references' must be a string or an array of strings"},
      {"message_id", "<two@at@x.io>", "email.send: field 'message_id' is not a Message-ID"},
      {"conversation_id", "has space",
       "email.send: field 'conversation_id' must be 1-128 of [A-Za-z0-9_-]"},
      {"conversation_id", 12, "email.send: field 'conversation_id' must be a string"},
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
      {"references", bj::array{"<a@b.io>\r\nBcc: e@f.io"}},
      {"references", "<a@b.io>\n<c@d.io>"},
      {"message_id", "<a@b.io>\r\nBcc: e@f.io"},
      {"conversation_id", "c1\r\nBcc: e@f.io"},
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
  f["html"] = "<p>a</p>\n<p>b</p>";
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

  ctx = context();
  ctx.reply.domain = "not a domain";
  ctx.reply.secret = Secret("s3cret-reply-key");
  auto f = valid_fields();
  f["conversation_id"] = "c42";
  auto token = compose_email(f, ctx);
  ASSERT_FALSE(token.has_value());
  EXPECT_EQ(token.error().code, Errc::kInternal);
  EXPECT_EQ(token.error().message.find("s3cret"), std::string::npos);
}

TEST(EmailCompose, HeadersArePresentAndWellFormed) {
  auto f = valid_fields();
  f["to"] = "Ada Lovelace <ada@example.com>";
  auto r = compose_email(f, context());
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_TRUE(only_crlf(r->data));
  for (const auto& l : lines(r->data)) EXPECT_LE(l.size(), 998u);
  auto p = parse_message(r->data);
  for (const auto& l : p.raw_header_lines) EXPECT_LE(l.size(), 78u) << l;
  EXPECT_EQ(p.get("Date"), "Tue, 03 Nov 2026 14:05:00 +0000");
  EXPECT_EQ(p.get("From"), "Steward <bot@acme.example>");
  EXPECT_EQ(p.get("To"), "Ada Lovelace <ada@example.com>");
  EXPECT_EQ(p.get("Subject"), "Hello");
  EXPECT_EQ(p.get("Message-ID"), "<ob_1@acme.example>");
  EXPECT_EQ(p.get("MIME-Version"), "1.0");
  EXPECT_EQ(p.get("Auto-Submitted"), "auto-generated");
  EXPECT_EQ(p.get("X-Steward-Action"), "ob_1");
  for (const char* absent :
       {"Cc", "Reply-To", "In-Reply-To", "References", "X-Steward-Conversation", "Bcc"})
    EXPECT_FALSE(p.has(absent)) << absent;
  // Every header appears once.
  std::set<std::string> names;
  for (const auto& [name, value] : p.headers) {
    std::string n;
    for (char c : name) n += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_TRUE(names.insert(n).second) << name;
  }
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

TEST(EmailCompose, ExplicitMessageIdIsUsed) {
  for (const char* given : {"<c7.m3.x9@hub.acme.example>", "c7.m3.x9@hub.acme.example"}) {
    auto f = valid_fields();
    f["message_id"] = given;
    auto r = compose_email(f, context());
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(r->message_id, "<c7.m3.x9@hub.acme.example>");
    EXPECT_EQ(parse_message(r->data).get("Message-ID"), "<c7.m3.x9@hub.acme.example>");
    EXPECT_EQ(parse_message(r->data).get("X-Steward-Action"), "ob_1");
  }
}

TEST(EmailCompose, SubjectRoundTripsThroughRfc2047) {
  auto f = valid_fields();
  f["subject"] = "Grüße aus Köln";
  auto r = compose_email(f, context());
  ASSERT_TRUE(r.has_value());
  auto p = parse_message(r->data);
  EXPECT_EQ(p.get("Subject"), "=?UTF-8?B?R3LDvMOfZSBhdXMgS8O2bG4=?=");  // integrations.md §8

  std::string ascii;
  for (int i = 0; i < 30; ++i) ascii += "word" + std::to_string(i) + " ";
  ascii += "end";
  f["subject"] = ascii;
  r = compose_email(f, context());
  ASSERT_TRUE(r.has_value());
  p = parse_message(r->data);
  EXPECT_EQ(p.get("Subject"), ascii);
  EXPECT_GT(p.raw_header_lines.size(), p.headers.size());  // folded
  for (const auto& l : p.raw_header_lines) EXPECT_LE(l.size(), 78u) << l;

  std::string utf8;
  for (int i = 0; i < 12; ++i) utf8 += "Grüße aus Köln — ✓ 😀 ";
  utf8 += "Ende";
  f["subject"] = utf8;
  r = compose_email(f, context());
  ASSERT_TRUE(r.has_value());
  p = parse_message(r->data);
  EXPECT_EQ(decode_words(p.get("Subject")), utf8);
  for (const auto& l : p.raw_header_lines) EXPECT_LE(l.size(), 78u) << l;

  // Text that merely looks like an encoded-word reads back verbatim.
  f["subject"] = "=?UTF-8?B?SGk=?=";
  r = compose_email(f, context());
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(decode_words(parse_message(r->data).get("Subject")), "=?UTF-8?B?SGk=?=");
}

TEST(EmailCompose, MultipartAlternativeWithTextThenHtml) {
  auto f = valid_fields();
  const std::string text = "Hallo Ada,\r\n\r\nGrüße — 1=1, 50% off.\nTrailing space \n.dot\n" +
                           std::string(200, 'x') + "\rEnd ✓";
  const std::string html = "<p>Rich <b>text</b> — 100% = ✓</p>\n";
  f["text"] = text;
  f["html"] = html;
  auto r = compose_email(f, context());
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_TRUE(only_crlf(r->data));
  auto p = parse_message(r->data);
  EXPECT_FALSE(p.has("Content-Transfer-Encoding"));
  auto b = bodies(p);
  EXPECT_EQ(b.text.get("Content-Type"), "text/plain; charset=UTF-8");
  EXPECT_EQ(b.text.get("Content-Transfer-Encoding"), "quoted-printable");
  EXPECT_EQ(b.html.get("Content-Type"), "text/html; charset=UTF-8");
  EXPECT_EQ(b.html.get("Content-Transfer-Encoding"), "quoted-printable");
  EXPECT_EQ(decode_qp(b.text.body), crlf(text));
  EXPECT_EQ(decode_qp(b.html.body), crlf(html));
  for (const auto& l : lines(b.text.body)) {
    EXPECT_LE(l.size(), 76u) << l;
    for (char c : l) EXPECT_TRUE(static_cast<unsigned char>(c) < 0x80) << l;
  }
  // The boundary occurs only in the Content-Type parameter and the three delimiters.
  const std::string boundary = boundary_of(p.get("Content-Type"));
  ASSERT_FALSE(boundary.empty());
  std::size_t occurrences = 0;
  for (auto at = r->data.find(boundary); at != std::string::npos;
       at = r->data.find(boundary, at + 1))
    ++occurrences;
  EXPECT_EQ(occurrences, 4u);
}

TEST(EmailCompose, HtmlIsMadeFromTheTextWhenAbsent) {
  auto f = valid_fields();
  f["text"] = "Hi <Ada> & \"co\",\nline two\n\n\nSecond 'para'";
  auto r = compose_email(f, context());
  ASSERT_TRUE(r.has_value());
  auto b = bodies(parse_message(r->data));
  EXPECT_EQ(decode_qp(b.text.body), crlf(f["text"].as_string().c_str()));
  const std::string html = decode_qp(b.html.body);
  EXPECT_NE(html.find("<p>Hi &lt;Ada&gt; &amp; &quot;co&quot;,<br>\r\nline two</p>"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("<p>Second &#39;para&#39;</p>"), std::string::npos) << html;
  EXPECT_EQ(html.find("<Ada>"), std::string::npos);
}

TEST(EmailCompose, ThreadingHeadersChainReferences) {
  auto f = valid_fields();
  f["references"] = bj::array{"<root@mail.example>", "mid@mail.example", "<parent@mail.example>"};
  f["in_reply_to"] = "parent@mail.example";
  auto r = compose_email(f, context());
  ASSERT_TRUE(r.has_value()) << r.error().message;
  auto p = parse_message(r->data);
  EXPECT_EQ(p.get("In-Reply-To"), "<parent@mail.example>");
  // Folding may put a tab where a space was; compare the ids.
  auto refs = p.get("References");
  for (auto& c : refs)
    if (c == '\t') c = ' ';
  std::string squashed;
  for (std::size_t i = 0; i < refs.size(); ++i)
    if (!(refs[i] == ' ' && (squashed.empty() || squashed.back() == ' '))) squashed += refs[i];
  EXPECT_EQ(squashed, "<root@mail.example> <mid@mail.example> <parent@mail.example>");

  f["references"] = "<a@x.io>  <b@x.io>";
  f["in_reply_to"] = "<c@x.io>";
  r = compose_email(f, context());
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(parse_message(r->data).get("References"), "<a@x.io> <b@x.io> <c@x.io>");

  f.erase("in_reply_to");
  r = compose_email(f, context());
  ASSERT_TRUE(r.has_value());
  p = parse_message(r->data);
  EXPECT_EQ(p.get("References"), "<a@x.io> <b@x.io>");
  EXPECT_FALSE(p.has("In-Reply-To"));
}

TEST(EmailCompose, ConversationGetsASignedReplyToken) {
  auto ctx = context();
  ctx.reply.domain = "in.acme.example";
  ctx.reply.secret = Secret("reply-secret");
  auto f = valid_fields();
  f["conversation_id"] = "c42";
  f["reply_to"] = "sales@acme.example";  // the token wins: replies must thread
  auto r = compose_email(f, ctx);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  auto p = parse_message(r->data);
  EXPECT_EQ(p.get("X-Steward-Conversation"), "c42");
  const std::string reply_to = p.get("Reply-To");
  // The token is made for the recipient: only their reply threads by it.
  EXPECT_EQ(reply_to, reply_address("c42", "lead@client.example", ctx.reply));
  ASSERT_EQ(reply_to.rfind("reply+", 0), 0u) << reply_to;
  auto tokens = find_reply_tokens({reply_to}, ctx.reply);
  ASSERT_EQ(tokens.size(), 1u);
  auto id = verify_reply_token(tokens[0], "lead@client.example", ctx.reply.secret);
  ASSERT_TRUE(id.has_value()) << id.error().message;
  EXPECT_EQ(*id, "c42");
  EXPECT_FALSE(verify_reply_token(tokens[0], "someone@else.example", ctx.reply.secret));

  // Without reply tokens configured the reply_to field is used.
  r = compose_email(f, context());
  ASSERT_TRUE(r.has_value());
  p = parse_message(r->data);
  EXPECT_EQ(p.get("Reply-To"), "sales@acme.example");
  EXPECT_EQ(p.get("X-Steward-Conversation"), "c42");
}

// GMime reads back what GMime wrote: a cross-check with a full MIME parser.
TEST(EmailCompose, GMimeParsesTheMessageBack) {
  ensure_gmime();
  auto f = valid_fields();
  f["to"] = "Jürgen Groß <j@example.de>";
  f["subject"] = "Grüße aus Köln — Angebot";
  f["text"] = "Zeile 1\nZeile 2 ✓";
  auto r = compose_email(f, context());
  ASSERT_TRUE(r.has_value());
  std::unique_ptr<GMimeStream, void (*)(void*)> stream(
      g_mime_stream_mem_new_with_buffer(r->data.data(), r->data.size()), g_object_unref);
  std::unique_ptr<GMimeParser, void (*)(void*)> parser(g_mime_parser_new_with_stream(stream.get()),
                                                       g_object_unref);
  std::unique_ptr<GMimeMessage, void (*)(void*)> msg(
      g_mime_parser_construct_message(parser.get(), nullptr), g_object_unref);
  ASSERT_NE(msg, nullptr);
  EXPECT_STREQ(g_mime_message_get_subject(msg.get()), "Grüße aus Köln — Angebot");
  EXPECT_STREQ(g_mime_message_get_message_id(msg.get()), "ob_1@acme.example");
  auto* to = g_mime_message_get_to(msg.get());
  ASSERT_EQ(internet_address_list_length(to), 1);
  auto* box = internet_address_list_get_address(to, 0);
  EXPECT_STREQ(internet_address_get_name(box), "Jürgen Groß");
  EXPECT_STREQ(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(box)), "j@example.de");
  auto* body = g_mime_message_get_mime_part(msg.get());
  ASSERT_TRUE(GMIME_IS_MULTIPART(body));
  ASSERT_EQ(g_mime_multipart_get_count(GMIME_MULTIPART(body)), 2);
  auto* first = g_mime_multipart_get_part(GMIME_MULTIPART(body), 0);
  ASSERT_TRUE(GMIME_IS_TEXT_PART(first));
  std::unique_ptr<char, void (*)(void*)> text(g_mime_text_part_get_text(GMIME_TEXT_PART(first)),
                                              g_free);
  EXPECT_STREQ(text.get(), "Zeile 1\r\nZeile 2 ✓");
}

}  // namespace
}  // namespace steward::email
