// Mailbox identity: the comparison behind four-eyes, conversation participants and reply tokens.

#include "bot/core/mailbox.hpp"

#include <gtest/gtest.h>

namespace steward {
namespace {

TEST(Mailbox, BareAddressOfEveryForm) {
  EXPECT_EQ(bare_address("Dana <dana@x.example>"), "dana@x.example");
  EXPECT_EQ(bare_address("<dana@x.example>"), "dana@x.example");
  EXPECT_EQ(bare_address("  dana@x.example \t"), "dana@x.example");
  EXPECT_EQ(bare_address("\"Lee, Kim\" <kim@x.example>"), "kim@x.example");
  EXPECT_EQ(bare_address(""), "");
}

TEST(Mailbox, IdentityIgnoresCaseAndSubAddressing) {
  EXPECT_EQ(mailbox_identity("Dana <Dana+Leads@Gmail.Example>"), "dana@gmail.example");
  EXPECT_EQ(mailbox_identity("dana+x@gmail.example"), "dana@gmail.example");
  EXPECT_EQ(mailbox_identity("DANA@GMAIL.EXAMPLE"), "dana@gmail.example");
  EXPECT_EQ(mailbox_identity("dana+a+b@x.example"), "dana@x.example");
  // A quoted local part is taken as written (lower-cased).
  EXPECT_EQ(mailbox_identity("\"a+b\"@x.example"), "\"a+b\"@x.example");
  // Non-ASCII bytes pass unchanged; only ASCII letters are folded.
  EXPECT_EQ(mailbox_identity("Ünï@X.example"), "Ünï@x.example");
}

TEST(Mailbox, NotAnAddressHasNoIdentity) {
  for (std::string bad : {"", "dana", "@x.example", "dana@", "+tag@x.example", "<>"})
    EXPECT_EQ(mailbox_identity(bad), "") << bad;
}

TEST(Mailbox, SameMailbox) {
  EXPECT_TRUE(same_mailbox("sue+tix@acme.example", "Sue <SUE@acme.example>"));
  EXPECT_FALSE(same_mailbox("sue@acme.example", "sue@acme.example.evil"));
  EXPECT_FALSE(same_mailbox("suex@acme.example", "sue@acme.example"));
  EXPECT_FALSE(same_mailbox("", ""));
  EXPECT_FALSE(same_mailbox("nobody", "nobody"));
}

TEST(Mailbox, EmailAddressCheck) {
  for (const char* ok : {"a@b.co", "first.last+tag@sub.example.org", "ADA@EXAMPLE.COM"})
    EXPECT_TRUE(is_email_address(ok)) << ok;
  for (const char* bad :
       {"", "@b.co", "a@", "a@b", "a@b.", "a@.b", "a@b..co", "a b@c.de", "a@b@c.de", "<a@b.co>",
        "a@b.co\n", "a,b@c.de", "a;b@c.de", "\"a\"@b.co", "a\\b@c.de", "a\x7f@b.co"})
    EXPECT_FALSE(is_email_address(bad)) << bad;
  EXPECT_FALSE(is_email_address(std::string(250, 'a') + "@b.co"));
  // International addresses pass; what would break a log line or reorder text does not.
  EXPECT_TRUE(is_email_address("jörg@müller.example"));
  for (const char* bad :
       {"a@b.co\r\n[2026-12-03 00:00:00.000] [info] FORGED", "a\x1b@b.co", "a@b.co\xc2\x85",
        "a\xe2\x80\xa8@b.co", "a\xe2\x80\xae@b.co", "a\xff@b.co"})
    EXPECT_FALSE(is_email_address(bad)) << bad;
}

TEST(Mailbox, AsciiEmailAddressRefusesUtf8) {
  EXPECT_TRUE(is_ascii_email_address("ada@example.com"));
  EXPECT_FALSE(is_ascii_email_address("jörg@müller.example"));
  EXPECT_FALSE(is_ascii_email_address("a@b"));
}

TEST(Mailbox, EmailDomainOfEveryForm) {
  EXPECT_EQ(email_domain("Steward <steward@Demo.Example>"), "demo.example");
  EXPECT_EQ(email_domain("a@b.example"), "b.example");
  EXPECT_EQ(email_domain("  a@b.example\t"), "b.example");
  EXPECT_EQ(email_domain("\"A@B\" <x@c.example>"), "c.example");
  EXPECT_EQ(email_domain("first@middle@last.example"), "last.example");
  EXPECT_EQ(email_domain("a@b.example."), "b.example");  // the root dot names the same domain
  EXPECT_EQ(email_domain("steward@localhost"), "localhost");
  for (const char* none : {"", "nobody", "x@", "@d.example", "Name <x@d.example", "a@b c.example",
                           "a@b.example;", "<>"})
    EXPECT_EQ(email_domain(none), "") << none;
}

}  // namespace
}  // namespace steward
