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

}  // namespace
}  // namespace steward
